/*
 * dnszone.c: mailautoconf --dns (README, DNS records; mailautoconf(8)).
 * dns_zone() is run on the sample config and on tests/conf/apple-*.conf
 * into a temporary file; its text is compared with golden zones byte for
 * byte, then read back record by record: RFC 6186 / RFC 8314 SRV records
 * (target "." for a service not offered, priorities 0, 1, … for several
 * servers, implicit TLS under _imaps/_pop3s/_submissions and the rest
 * under _imap/_pop3/_submission), RFC 8620 _jmap, RFC 6764
 * _caldavs/_carddavs with their TXT path, Outlook's _autodiscover, alias
 * domains pointing at their target's servers.  tests/apple-dns.sh feeds
 * the same output to named-checkzone.
 */
#include "testutil.h"

#define CONF_SAMPLE	"etc/mailautoconf.conf"
#define CONF_DAV	"tests/conf/apple-dav.conf"
#define CONF_POP	"tests/conf/apple-pop.conf"

#define REC_MAX		64
#define REC_LEN		600

/* What dns_zone printed and returned. */
struct zone {
	int	 rc;
	char	*out;		/* stdout text */
	size_t	 len;
	char	*err;		/* stderr text */
};

/* The zones a test holds, freed by its teardown even after a failure. */
static struct zone *live[4];

static void
zone_free(struct zone *z)
{
	size_t	 i;

	for (i = 0; i < NELEM(live); i++)
		if (live[i] == z)
			live[i] = NULL;
	free(z->out);
	free(z->err);
	z->out = z->err = NULL;
}

static int
zones_free(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(live); i++)
		if (live[i] != NULL)
			zone_free(live[i]);
	return 0;
}

/*
 * Run dns_zone on the config at path for the n names (at most 8), as
 * main() passes its argv.
 */
static void
run_zone(const char *path, const char *const *names, int n, struct zone *z)
{
	struct tu_capture c;
	struct config	*cfg;
	FILE		*fp;
	char		*argv[8];
	long		 sz;
	int		 i;

	assert_true(n >= 0 && n <= 8);
	for (i = 0; i < (int)NELEM(live) && live[i] != NULL; i++)
		;
	assert_true(i < (int)NELEM(live));
	live[i] = z;
	z->out = z->err = NULL;
	for (i = 0; i < n; i++) {
		argv[i] = strdup(names[i]);
		assert_non_null(argv[i]);
	}
	cfg = tu_load_good(path);
	fp = tmpfile();
	assert_non_null(fp);
	tu_capture_begin(&c);
	z->rc = dns_zone(cfg, fp, argv, n, NULL);
	z->err = tu_capture_end(&c);
	config_free(cfg);
	for (i = 0; i < n; i++)
		free(argv[i]);
	assert_int_equal(fflush(fp), 0);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	sz = ftell(fp);
	assert_true(sz >= 0);
	rewind(fp);
	z->out = malloc((size_t)sz + 1);
	assert_non_null(z->out);
	assert_int_equal(fread(z->out, 1, (size_t)sz, fp), (size_t)sz);
	z->out[sz] = '\0';
	z->len = (size_t)sz;
	fclose(fp);
}

/*
 * Split s in place at blanks into at most max tokens; a token starting
 * with '"' runs to the next '"'.  Returns the count, or max + 1 when
 * more were there.
 */
static size_t
split(char *s, char **tok, size_t max)
{
	size_t	 n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			return n;
		if (n == max)
			return max + 1;
		tok[n++] = s;
		if (*s == '"' && (s = strchr(s + 1, '"')) == NULL)
			return max + 1;
		while (*s != '\0' && *s != ' ' && *s != '\t')
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
}

/* A decimal of at most 5 digits in [min, 65535]; -1 if not. */
static long
u16(const char *s, long min)
{
	long	 v = 0;
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i == 5 || s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return i == 0 || v < min || v > 65535 ? -1 : v;
}

/*
 * The records of a zone text, each as "OWNER TYPE RDATA" with single
 * spaces, after checking the fields every record shares: an absolute
 * owner, TTL 3600, class IN, SRV or TXT with well-formed data.
 * Comments and blank lines are skipped.  Returns the count; the
 * strings are in out (max of them).
 */
static size_t
records(const char *text, char (*out)[REC_LEN], size_t max)
{
	const char	*line, *end;
	char		 buf[1024], copy[1024], *t[9];
	size_t		 n = 0, len, nt;

	for (line = text; *line != '\0'; line = end + 1) {
		if ((end = strchr(line, '\n')) == NULL)
			fail_msg("last line without a newline");
		len = (size_t)(end - line);
		if (len == 0 || line[0] == ';')
			continue;
		assert_true(len < sizeof(buf));
		memcpy(buf, line, len);
		buf[len] = '\0';
		memcpy(copy, buf, len + 1);
		nt = split(copy, t, 8);
		if (nt < 5 || nt > 8)
			fail_msg("not a record: '%s'", buf);
		if (t[0][strlen(t[0]) - 1] != '.')
			fail_msg("relative owner: '%s'", buf);
		if (strcmp(t[1], "3600") != 0 || strcmp(t[2], "IN") != 0)
			fail_msg("TTL or class: '%s'", buf);
		if (strcmp(t[3], "SRV") == 0) {
			if (nt != 8 || u16(t[4], 0) < 0 || u16(t[5], 0) < 0 ||
			    u16(t[6], 0) < 0 ||
			    t[7][strlen(t[7]) - 1] != '.')
				fail_msg("SRV data: '%s'", buf);
			/* RFC 2782: "." means "not available here". */
			if (strcmp(t[7], ".") == 0) {
				if (strcmp(t[4], "0") != 0 ||
				    strcmp(t[5], "0") != 0 ||
				    strcmp(t[6], "0") != 0)
					fail_msg("SRV '.' with data: '%s'",
					    buf);
			} else if (u16(t[6], 1) < 0 || u16(t[5], 1) < 0)
				fail_msg("SRV port or weight: '%s'", buf);
			snprintf(buf, sizeof(buf), "%s SRV %s %s %s %s", t[0],
			    t[4], t[5], t[6], t[7]);
		} else if (strcmp(t[3], "TXT") == 0) {
			len = strlen(t[4]);
			if (nt != 5 || strncmp(t[4], "\"path=/", 7) != 0 ||
			    t[4][len - 1] != '"' ||
			    strpbrk(t[4] + 1, "\" \\;") != t[4] + len - 1)
				fail_msg("TXT data: '%s'", buf);
			snprintf(buf, sizeof(buf), "%s TXT %s", t[0], t[4]);
		} else
			fail_msg("record type %s: '%s'", t[3], buf);
		assert_true(n < max && strlen(buf) < REC_LEN);
		memcpy(out[n++], buf, strlen(buf) + 1);
	}
	return n;
}

/* The records whose owner ends with ".dom.", in order. */
static size_t
records_of(char (*all)[REC_LEN], size_t n, const char *dom, char **out)
{
	char		 suffix[300];
	size_t		 i, k = 0, sl, ol;
	const char	*sp;

	snprintf(suffix, sizeof(suffix), ".%s.", dom);
	sl = strlen(suffix);
	for (i = 0; i < n; i++) {
		sp = strchr(all[i], ' ');
		ol = (size_t)(sp - all[i]);
		if (ol > sl && memcmp(all[i] + ol - sl, suffix, sl) == 0)
			out[k++] = all[i];
	}
	return k;
}

/*
 * The records of one domain must be exactly want (NULL-terminated, in
 * order), with "@" in want standing for the domain.
 */
static void
expect_records(const char *text, const char *dom, const char *const *want)
{
	static char	 all[REC_MAX][REC_LEN];
	char		*mine[REC_MAX], exp[REC_LEN];
	const char	*at;
	size_t		 n, k, i;

	n = records(text, all, REC_MAX);
	k = records_of(all, n, dom, mine);
	for (i = 0; want[i] != NULL; i++) {
		at = strchr(want[i], '@');
		assert_non_null(at);
		snprintf(exp, sizeof(exp), "%.*s%s%s", (int)(at - want[i]),
		    want[i], dom, at + 1);
		if (i >= k)
			fail_msg("%s: missing record '%s'", dom, exp);
		if (strcmp(mine[i], exp) != 0)
			fail_msg("%s: record %zu is '%s', want '%s'", dom, i,
			    mine[i], exp);
	}
	if (i != k)
		fail_msg("%s: extra record '%s'", dom, mine[i]);
}

/* ---- golden text ---- */

static void
test_golden(void **state)
{
	static const char *const one[] = { "example.com" };
	static const struct {
		const char	*conf;
		const char *const *names;
		int		 n;
		const char	*golden;
	} cases[] = {
		{ CONF_SAMPLE, NULL, 0, "apple-dns-sample.zone" },
		{ CONF_SAMPLE, one, 1, "apple-dns-example.com.zone" },
		{ CONF_DAV, NULL, 0, "apple-dns-dav.zone" },
		{ CONF_POP, NULL, 0, "apple-dns-pop.zone" },
	};
	static struct zone z;
	size_t		 i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		run_zone(cases[i].conf, cases[i].names, cases[i].n, &z);
		assert_int_equal(z.rc, 0);
		assert_string_equal(z.err, "");
		tu_golden(cases[i].golden, z.out, z.len);
		zone_free(&z);
	}
}

/* ---- the records, one domain at a time ---- */

/* The sample: IMAPS and both submission flavours, JMAP, no DAV. */
static void
test_sample(void **state)
{
	static const char *const com[] = {
		"_imaps._tcp.@. SRV 0 1 993 imap.example.com.",
		"_imap._tcp.@. SRV 0 0 0 .",
		"_pop3s._tcp.@. SRV 0 0 0 .",
		"_pop3._tcp.@. SRV 0 0 0 .",
		"_submissions._tcp.@. SRV 0 1 465 smtp.example.com.",
		"_submission._tcp.@. SRV 0 1 587 smtp.example.com.",
		"_jmap._tcp.@. SRV 0 1 443 mail.example.com.",
		"_caldavs._tcp.@. SRV 0 0 0 .",
		"_carddavs._tcp.@. SRV 0 0 0 .",
		"_autodiscover._tcp.@. SRV 0 1 443 autodiscover.example.com.",
		NULL
	};
	static const char *const net[] = {
		"_imaps._tcp.@. SRV 0 1 993 imap.example.com.",
		"_imap._tcp.@. SRV 0 0 0 .",
		"_pop3s._tcp.@. SRV 0 0 0 .",
		"_pop3._tcp.@. SRV 0 0 0 .",
		"_submissions._tcp.@. SRV 0 1 465 smtp.example.com.",
		"_submission._tcp.@. SRV 0 1 587 smtp.example.com.",
		"_jmap._tcp.@. SRV 0 1 443 mail.example.com.",
		"_caldavs._tcp.@. SRV 0 0 0 .",
		"_carddavs._tcp.@. SRV 0 0 0 .",
		"_autodiscover._tcp.@. SRV 0 1 443 autodiscover.example.net.",
		NULL
	};
	static const char *const names[] = { "example.com", "example.net",
	    "example.org" };
	static struct zone z;

	(void)state;
	run_zone(CONF_SAMPLE, names, 3, &z);
	assert_int_equal(z.rc, 0);
	expect_records(z.out, "example.com", com);
	expect_records(z.out, "example.net", net);
	/* The alias gets example.com's servers and autodiscover host. */
	expect_records(z.out, "example.org", com);
	/* The host names clients look up are named. */
	assert_non_null(strstr(z.out, ";   autoconfig.example.com."));
	assert_non_null(strstr(z.out, ";   autodiscover.example.com."));
	assert_non_null(strstr(z.out, "; example.org (alias of "
	    "example.com)\n"));
	zone_free(&z);
}

/*
 * Several servers: priorities 0, 1 in config order; implicit TLS under
 * the "s" services, STARTTLS under the plain ones; CalDAV on port 8443
 * with the expanded path, CardDAV's path without its query.
 */
static const char *const dav_records[] = {
	"_imaps._tcp.@. SRV 0 1 993 imap.dav.example.",
	"_imaps._tcp.@. SRV 1 1 993 imap2.dav.example.",
	"_imap._tcp.@. SRV 0 1 143 imap.dav.example.",
	"_pop3s._tcp.@. SRV 0 0 0 .",
	"_pop3._tcp.@. SRV 0 0 0 .",
	"_submissions._tcp.@. SRV 0 1 465 smtp.dav.example.",
	"_submissions._tcp.@. SRV 1 1 465 smtp2.dav.example.",
	"_submission._tcp.@. SRV 0 1 587 smtp.dav.example.",
	"_jmap._tcp.@. SRV 0 1 443 jmap.dav.example.",
	"_caldavs._tcp.@. SRV 0 1 8443 dav.dav.example.",
	"_caldavs._tcp.@. TXT \"path=/caldav/dav.example/\"",
	"_carddavs._tcp.@. SRV 0 1 443 dav.dav.example.",
	"_carddavs._tcp.@. TXT \"path=/carddav/\"",
	"_autodiscover._tcp.@. SRV 0 1 443 autodiscover.dav.example.",
	NULL
};

static void
test_dav(void **state)
{
	static const char *const names[] = { "dav.example" };
	static struct zone z;

	(void)state;
	run_zone(CONF_DAV, names, 1, &z);
	assert_int_equal(z.rc, 0);
	assert_string_equal(z.err, "");
	expect_records(z.out, "dav.example", dav_records);
	/* Only what was asked for. */
	assert_null(strstr(z.out, "alias.example"));
	zone_free(&z);
}

/* An alias: its own names, the target's servers and URLs. */
static void
test_alias(void **state)
{
	static const char *const names[] = { "alias.example" };
	static struct zone z;

	(void)state;
	run_zone(CONF_DAV, names, 1, &z);
	assert_int_equal(z.rc, 0);
	expect_records(z.out, "alias.example", dav_records);
	assert_non_null(strstr(z.out, "; alias.example (alias of "
	    "dav.example)\n"));
	assert_null(strstr(z.out, "; dav.example\n"));
	zone_free(&z);
}

/*
 * POP3 only: the IMAP services and implicit-TLS submission are not
 * offered (target "."); the plain submission server comes second.
 * CardDAV over http gets no _carddavs record; no JMAP, no CalDAV.
 * A CalDAV URL whose path is "/" needs no TXT record.
 */
static void
test_not_offered(void **state)
{
	static const char *const pop[] = {
		"_imaps._tcp.@. SRV 0 0 0 .",
		"_imap._tcp.@. SRV 0 0 0 .",
		"_pop3s._tcp.@. SRV 0 1 995 pop.pop.example.",
		"_pop3._tcp.@. SRV 0 1 110 mail.pop.example.",
		"_submissions._tcp.@. SRV 0 0 0 .",
		"_submission._tcp.@. SRV 0 1 587 mail.pop.example.",
		"_submission._tcp.@. SRV 1 1 25 mail.pop.example.",
		"_jmap._tcp.@. SRV 0 0 0 .",
		"_caldavs._tcp.@. SRV 0 0 0 .",
		"_carddavs._tcp.@. SRV 0 0 0 .",
		"_autodiscover._tcp.@. SRV 0 1 443 autodiscover.pop.example.",
		NULL
	};
	static const char *const popalias[] = {
		"_imaps._tcp.@. SRV 0 0 0 .",
		"_imap._tcp.@. SRV 0 0 0 .",
		"_pop3s._tcp.@. SRV 0 1 995 pop.pop.example.",
		"_pop3._tcp.@. SRV 0 1 110 mail.pop.example.",
		"_submissions._tcp.@. SRV 0 0 0 .",
		"_submission._tcp.@. SRV 0 1 587 mail.pop.example.",
		"_submission._tcp.@. SRV 1 1 25 mail.pop.example.",
		"_jmap._tcp.@. SRV 0 0 0 .",
		"_caldavs._tcp.@. SRV 0 0 0 .",
		"_carddavs._tcp.@. SRV 0 0 0 .",
		"_autodiscover._tcp.@. SRV 0 1 443 autodiscover.pop.example.",
		NULL
	};
	static const char *const plain[] = {
		"_imaps._tcp.@. SRV 0 0 0 .",
		"_imap._tcp.@. SRV 0 1 143 imap.plain.example.",
		"_pop3s._tcp.@. SRV 0 0 0 .",
		"_pop3._tcp.@. SRV 0 0 0 .",
		"_submissions._tcp.@. SRV 0 0 0 .",
		"_submission._tcp.@. SRV 0 1 25 smtp.plain.example.",
		"_jmap._tcp.@. SRV 0 0 0 .",
		"_caldavs._tcp.@. SRV 0 1 443 cal.plain.example.",
		"_carddavs._tcp.@. SRV 0 0 0 .",
		"_autodiscover._tcp.@. SRV 0 1 443 autodiscover.plain.example.",
		NULL
	};
	static struct zone z;

	(void)state;
	run_zone(CONF_POP, NULL, 0, &z);
	assert_int_equal(z.rc, 0);
	assert_string_equal(z.err, "");
	expect_records(z.out, "pop.example", pop);
	expect_records(z.out, "plain.example", plain);
	expect_records(z.out, "popalias.example", popalias);
	zone_free(&z);
}

/* With no names: every configured domain once, in config order. */
static void
test_all_domains(void **state)
{
	static const char *const order[] = {
		"; pop.example\n", "; plain.example\n",
		"; popalias.example (alias of pop.example)\n"
	};
	static struct zone z;
	const char	*p, *prev = NULL;
	size_t		 i;

	(void)state;
	run_zone(CONF_POP, NULL, 0, &z);
	assert_int_equal(z.rc, 0);
	for (i = 0; i < NELEM(order); i++) {
		p = strstr(z.out, order[i]);
		if (p == NULL || (prev != NULL && p < prev))
			fail_msg("'%s' missing or out of order", order[i]);
		assert_null(strstr(p + 1, order[i]));
		prev = p;
	}
	zone_free(&z);
}

/* Names are domain names: case and a trailing dot do not matter. */
static void
test_name_forms(void **state)
{
	static const char *const plain[] = { "example.com" };
	static const char *const odd[] = { "EXAMPLE.Com." };
	static struct zone a, b;

	(void)state;
	run_zone(CONF_SAMPLE, plain, 1, &a);
	run_zone(CONF_SAMPLE, odd, 1, &b);
	assert_int_equal(b.rc, 0);
	assert_string_equal(b.err, "");
	assert_string_equal(a.out, b.out);
	zone_free(&a);
	zone_free(&b);
}

/* An unknown or malformed name: -1, a message, the others printed. */
static void
test_unknown(void **state)
{
	static const char *const nope[] = { "nope.example" };
	static const char *const mixed[] = { "nope.example", "example.com",
	    "bad..name", "" };
	static const char *const known[] = { "example.com" };
	static struct zone z, k;

	(void)state;
	run_zone(CONF_SAMPLE, nope, 1, &z);
	assert_int_equal(z.rc, -1);
	assert_string_equal(z.out, "");
	assert_non_null(strstr(z.err, "nope.example"));
	zone_free(&z);

	run_zone(CONF_SAMPLE, mixed, 4, &z);
	run_zone(CONF_SAMPLE, known, 1, &k);
	assert_int_equal(z.rc, -1);
	assert_string_equal(z.out, k.out);
	assert_non_null(strstr(z.err, "nope.example"));
	assert_non_null(strstr(z.err, "bad..name"));
	zone_free(&z);
	zone_free(&k);

	/* A domain of another config. */
	run_zone(CONF_DAV, known, 1, &z);
	assert_int_equal(z.rc, -1);
	assert_string_equal(z.out, "");
	zone_free(&z);
}

/*
 * The URLs --dns turns into SRV records must have a port in 1-65535
 * and a host name for an authority: else the zone holds "SRV 0 1 99999"
 * or a target "user@host.", which named-checkzone refuses.  Such a URL
 * is a config error.
 */
static void
test_bad_url_refused(void **state)
{
	static const char *const bad[] = {
		"tests/conf/apple-bad-url-port.conf",
		"tests/conf/apple-bad-url-port0.conf",
		"tests/conf/apple-bad-url-userinfo.conf",
	};
	struct config	*cfg;
	char		*err, where[128];
	size_t		 i;
	int		 found;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		cfg = tu_load(bad[i], 0, &err);
		if (cfg != NULL) {
			free(err);
			dns_zone(cfg, stderr, NULL, 0, NULL);
			config_free(cfg);
			fail_msg("%s: loaded; its URL makes the SRV records "
			    "above", bad[i]);
		}
		snprintf(where, sizeof(where), "%s:", bad[i]);
		found = strstr(err, where) != NULL;
		free(err);
		if (!found)
			fail_msg("%s: no error naming %s", bad[i], where);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_golden, zones_free),
		cmocka_unit_test_teardown(test_sample, zones_free),
		cmocka_unit_test_teardown(test_dav, zones_free),
		cmocka_unit_test_teardown(test_alias, zones_free),
		cmocka_unit_test_teardown(test_not_offered, zones_free),
		cmocka_unit_test_teardown(test_all_domains, zones_free),
		cmocka_unit_test_teardown(test_name_forms, zones_free),
		cmocka_unit_test_teardown(test_unknown, zones_free),
		cmocka_unit_test_teardown(test_bad_url_refused, zones_free),
	};

	return cmocka_run_group_tests_name("dns", tests, NULL, NULL);
}
