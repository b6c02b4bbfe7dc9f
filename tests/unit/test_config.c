/*
 * config.c: good and bad config files.  Every bad file must be refused
 * with exactly the expected "FILE:LINE: message" lines on stderr
 * (mailautoconf.conf(5), Errors and warnings: all errors are reported,
 * then the load fails); the good ones must load silently and give the
 * settings mailautoconf.conf(5) describes.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <time.h>

#include "testutil.h"

#define CF(n)		"tests/conf/" n ".conf"
#define E(n, l, m)	CF(n) ":" #l ": " m "\n"
#define ONE(n)		CF(n) ": 1 error\n"
#define MANY(n, k)	CF(n) ": " #k " errors\n"

#define INCOMING_ONLY	" is for outgoing servers only (Thunderbird " \
			"skips an incoming server with it)"
#define NO_INCOMING	": no imap or pop3 server (clients refuse a " \
			"configuration without one)"
#define NO_SMTP		": no smtp server (clients refuse a " \
			"configuration without one)"
#define SECTIONS	" (expected [defaults] or [domain NAME \xe2\x80\xa6])"
#define BADURL		": not an absolute http(s) URL with a host " \
			"name (only %EMAILDOMAIN% may stand in it)"
#define USERNAME	"username: only %EMAILADDRESS%, %EMAILLOCALPART% and " \
			"%EMAILDOMAIN% may follow '%', and no spaces"

/* The domains of tests/conf/bad-host-expanded.conf. */
#define L63(c)	c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
		c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c
#define LONGDOM	L63("a") "." L63("b") "." L63("c") "." \
		"dddddddddddddddddddddddddddddddddddddddddddddddddddddd.com"
#define LABDOM	L63("e") ".example"

struct bad_case {
	const char	*name;
	const char	*err;	/* all of stderr */
};

static const struct bad_case bad_cases[] = {
	{ "bad-unknown-key",
	    E("bad-unknown-key", 3, "unknown key 'colour'")
	    ONE("bad-unknown-key") },
	/* A duplicate names the place of the first. */
	{ "bad-dup-domain",
	    E("bad-dup-domain", 10, "duplicate domain example.net (first at "
	    CF("bad-dup-domain") ":1)")
	    ONE("bad-dup-domain") },
	{ "bad-dup-domain-include",
	    "tests/conf/inc.d/10-first.conf:1: duplicate domain "
	    "first.example (first at " CF("bad-dup-domain-include") ":5)\n"
	    ONE("bad-dup-domain-include") },
	{ "bad-domain-twice",
	    E("bad-domain-twice", 1, "domain example.com listed twice")
	    ONE("bad-domain-twice") },
	{ "bad-port-0",
	    E("bad-port-0", 3, "smtp: bad port '0' (1-65535)")
	    ONE("bad-port-0") },
	{ "bad-port-65536",
	    E("bad-port-65536", 3, "smtp: bad port '65536' (1-65535)")
	    ONE("bad-port-65536") },
	{ "bad-port-abc",
	    E("bad-port-abc", 3, "smtp: bad port 'abc' (1-65535)")
	    ONE("bad-port-abc") },
	{ "bad-socket",
	    E("bad-socket", 2, "imap: bad socket type 'TLS' (SSL, STARTTLS "
	    "or plain)")
	    ONE("bad-socket") },
	/* doc/clients.md, Thunderbird: required servers: it skips these. */
	{ "bad-incoming-none",
	    E("bad-incoming-none", 2, "imap: authentication 'none'"
	    INCOMING_ONLY)
	    ONE("bad-incoming-none") },
	{ "bad-incoming-clientip",
	    E("bad-incoming-clientip", 2, "pop3: authentication "
	    "'client-IP-address'" INCOMING_ONLY)
	    ONE("bad-incoming-clientip") },
	{ "bad-tls-client-cert",
	    E("bad-tls-client-cert", 2, "imap: unknown authentication "
	    "'TLS-client-cert'")
	    ONE("bad-tls-client-cert") },
	{ "bad-unknown-auth",
	    E("bad-unknown-auth", 3, "smtp: unknown authentication "
	    "'kerberos'")
	    ONE("bad-unknown-auth") },
	{ "bad-outside",
	    E("bad-outside", 2, "'display_name' outside a section")
	    ONE("bad-outside") },
	/* One error: the keys of a bad section are not reported again. */
	{ "bad-unknown-section",
	    E("bad-unknown-section", 1, "unknown section [server example.com]"
	    SECTIONS)
	    ONE("bad-unknown-section") },
	{ "bad-domain-noname",
	    E("bad-domain-noname", 1, "unknown section [domain]" SECTIONS)
	    ONE("bad-domain-noname") },
	{ "bad-dup-defaults",
	    E("bad-dup-defaults", 5, "second [defaults] section (first at "
	    CF("bad-dup-defaults") ":1)")
	    ONE("bad-dup-defaults") },
	{ "bad-key-twice",
	    E("bad-key-twice", 5, "display_name given twice in this section")
	    ONE("bad-key-twice") },
	{ "bad-no-incoming",
	    E("bad-no-incoming", 1, "domain example.com" NO_INCOMING)
	    ONE("bad-no-incoming") },
	{ "bad-no-smtp",
	    E("bad-no-smtp", 4, "domain example.com" NO_SMTP)
	    ONE("bad-no-smtp") },
	{ "bad-no-domain",
	    CF("bad-no-domain") ": no [domain \xe2\x80\xa6] section\n"
	    ONE("bad-no-domain") },
	{ "bad-alias-unconfigured",
	    E("bad-alias-unconfigured", 6, "alias: example.net is not a "
	    "configured domain")
	    ONE("bad-alias-unconfigured") },
	{ "bad-alias-to-alias",
	    E("bad-alias-to-alias", 6, "alias: example.org is itself an alias")
	    ONE("bad-alias-to-alias") },
	/* The same chain, the sections in the other order. */
	{ "bad-alias-chain",
	    E("bad-alias-chain", 11, "alias: example.org is itself an alias")
	    ONE("bad-alias-chain") },
	{ "bad-alias-self",
	    E("bad-alias-self", 6, "alias: example.org is itself an alias")
	    ONE("bad-alias-self") },
	{ "bad-alias-keys",
	    E("bad-alias-keys", 7, "display_name: an alias section takes "
	    "only 'alias'")
	    ONE("bad-alias-keys") },
	/* The alias refused, it is a domain without servers. */
	{ "bad-alias-after-keys",
	    E("bad-alias-after-keys", 7, "alias: an alias section takes no "
	    "other keys")
	    E("bad-alias-after-keys", 5, "domain example.org" NO_INCOMING)
	    E("bad-alias-after-keys", 5, "domain example.org" NO_SMTP)
	    MANY("bad-alias-after-keys", 3) },
	{ "bad-alias-defaults",
	    E("bad-alias-defaults", 2, "alias: not allowed in [defaults]")
	    ONE("bad-alias-defaults") },
	{ "bad-domain-name",
	    E("bad-domain-name", 1, "bad domain name 'exa_mple.org'")
	    E("bad-domain-name", 1, "bad domain name '-bad.example'")
	    MANY("bad-domain-name", 2) },
	{ "bad-url",
	    E("bad-url", 4, "jmap_url" BADURL)
	    E("bad-url", 5, "caldav_url" BADURL)
	    E("bad-url", 6, "carddav_url" BADURL)
	    E("bad-url", 7, "documentation_url" BADURL)
	    MANY("bad-url", 4) },
	{ "bad-username",
	    E("bad-username", 4, USERNAME)
	    ONE("bad-username") },
	/* Too long once %EMAILDOMAIN% is the domain: named at its line. */
	{ "bad-host-expanded",
	    E("bad-host-expanded", 4, "domain " LONGDOM ": imap host "
	    "imap.%EMAILDOMAIN% is not a host name once %EMAILDOMAIN% is "
	    "the domain (253 bytes at most, 63 in a label)")
	    /* Its autodiscover.json answer would carry this one. */
	    E("bad-host-expanded", 3, "domain " LONGDOM ": the default "
	    "autodiscover_url host autodiscover.%EMAILDOMAIN% is not a host "
	    "name once %EMAILDOMAIN% is the domain (253 bytes at most, 63 in "
	    "a label)")
	    E("bad-host-expanded", 3, "domain " LONGDOM ": jmap_url host "
	    "jmap.%EMAILDOMAIN% is not a host name once %EMAILDOMAIN% is "
	    "the domain (253 bytes at most, 63 in a label)")
	    E("bad-host-expanded", 10, "domain " LABDOM ": smtp host "
	    "x%EMAILDOMAIN% is not a host name once %EMAILDOMAIN% is "
	    "the domain (253 bytes at most, 63 in a label)")
	    MANY("bad-host-expanded", 4) },
	/* hosted stands only in a [domain] section (keys.c). */
	{ "bad-hosted-defaults",
	    E("bad-hosted-defaults", 2, "hosted: not allowed in [defaults]")
	    ONE("bad-hosted-defaults") },
	{ "bad-hosted-bool",
	    E("bad-hosted-bool", 4, "hosted: expected yes or no")
	    ONE("bad-hosted-bool") },
	{ "bad-username-space",
	    E("bad-username-space", 4, USERNAME)
	    ONE("bad-username-space") },
	{ "bad-include-missing",
	    E("bad-include-missing", 4, "include: "
	    "tests/conf/no-such-file.conf: No such file or directory")
	    ONE("bad-include-missing") },
	{ "bad-include-self",
	    E("bad-include-self", 2, "include: tests/conf/bad-include-self.conf"
	    " is already being read (an include cycle)")
	    ONE("bad-include-self") },
	/* An error in an included file names that file. */
	{ "bad-include-error",
	    "tests/conf/inc.d/bad-port.inc:2: imap: bad port '99999' "
	    "(1-65535)\n"
	    ONE("bad-include-error") },
	{ "bad-line-too-long",
	    E("bad-line-too-long", 4, "line longer than 4094 bytes")
	    ONE("bad-line-too-long") },
	{ "bad-empty-value",
	    E("bad-empty-value", 4, "display_name: empty value")
	    E("bad-empty-value", 5, "include: empty value")
	    MANY("bad-empty-value", 2) },
	{ "bad-ttl",
	    E("bad-ttl", 4, "ttl: expected hours, 1-720")
	    ONE("bad-ttl") },
	{ "bad-bool",
	    E("bad-bool", 4, "alternatives: expected yes or no")
	    ONE("bad-bool") },
	{ "bad-server-syntax",
	    E("bad-server-syntax", 2, "imap: expected HOST PORT SOCKET "
	    "[AUTH,\xe2\x80\xa6]")
	    E("bad-server-syntax", 3, "smtp: expected HOST PORT SOCKET "
	    "[AUTH,\xe2\x80\xa6]")
	    MANY("bad-server-syntax", 2) },
	{ "bad-host",
	    E("bad-host", 2, "imap: bad host name 'imap_1.example.com'")
	    E("bad-host", 3, "smtp: bad host name 'smtp.example.com.'")
	    MANY("bad-host", 2) },
	{ "bad-syntax",
	    E("bad-syntax", 1, "section header without ']'")
	    E("bad-syntax", 2, "expected 'key = value'")
	    E("bad-syntax", 3, "expected 'key = value'")
	    MANY("bad-syntax", 3) },
	{ "bad-too-many-servers",
	    E("bad-too-many-servers", 10, "imap: more than 8 servers")
	    ONE("bad-too-many-servers") },
	{ "bad-text-latin1",
	    E("bad-text-latin1", 4, "display_name: not UTF-8 text")
	    ONE("bad-text-latin1") },
	/* Several errors in one file: all of them, in order. */
	{ "bad-several",
	    E("bad-several", 7, "imap: bad port '0' (1-65535)")
	    E("bad-several", 9, "unknown key 'colour'")
	    E("bad-several", 10, "smtp: unknown authentication 'foo'")
	    E("bad-several", 14, "ttl: expected hours, 1-720")
	    MANY("bad-several", 4) },
	{ "bad-several-checks",
	    E("bad-several-checks", 2, "domain a.example" NO_INCOMING)
	    E("bad-several-checks", 5, "domain b.example" NO_SMTP)
	    E("bad-several-checks", 8, "duplicate domain a.example (first at "
	    CF("bad-several-checks") ":2)")
	    E("bad-several-checks", 13, "alias: nowhere.example is not a "
	    "configured domain")
	    MANY("bad-several-checks", 4) },
};

static void
test_bad_files(void **state)
{
	const struct bad_case *c;
	struct config	*cfg;
	char		 path[256], *err;
	size_t		 i;
	int		 bad = 0;

	(void)state;
	assert_true(NELEM(bad_cases) >= 20);
	for (i = 0; i < NELEM(bad_cases); i++) {
		c = &bad_cases[i];
		snprintf(path, sizeof(path), "tests/conf/%s.conf", c->name);
		cfg = tu_load(path, 0, &err);
		if (cfg != NULL) {
			print_error("%s: loaded\n", path);
			config_free(cfg);
			bad++;
		} else if (strcmp(err, c->err) != 0) {
			print_error("%s: stderr differs\n--- want\n%s--- got\n"
			    "%s---\n", path, c->err, err);
			bad++;
		}
		free(err);
	}
	assert_int_equal(bad, 0);
}

/* The same messages whether verbose or not: errors are not warnings. */
static void
test_bad_verbose(void **state)
{
	struct config	*cfg;
	char		*err;

	(void)state;
	cfg = tu_load(CF("bad-port-0"), 1, &err);
	assert_null(cfg);
	assert_string_equal(err, E("bad-port-0", 3, "smtp: bad port '0' "
	    "(1-65535)") ONE("bad-port-0"));
	free(err);
}

static void
test_missing_file(void **state)
{
	struct config	*cfg;
	char		*err;

	(void)state;
	cfg = tu_load("tests/conf/no-such-file.conf", 0, &err);
	assert_null(cfg);
	assert_string_equal(err, "tests/conf/no-such-file.conf: No such "
	    "file or directory\ntests/conf/no-such-file.conf: 1 error\n");
	free(err);
}

/* Write a file under dir; its path in out. */
static void
write_conf(char *out, size_t outsz, const char *dir, const char *name,
    const char *text, size_t len)
{
	snprintf(out, outsz, "%s/%s", dir, name);
	assert_int_equal(tu_spew(out, text, len), 0);
}

/* CONF_LINE_MAX counts the newline and a NUL: 4094 bytes of text pass. */
static void
test_line_limit(void **state)
{
	static const char head[] = "[domain example.com]\n"
	    "imap = imap.example.com 993 SSL\n"
	    "smtp = smtp.example.com 465 SSL\n";
	char		 dir[] = "/tmp/mac-test-XXXXXX";
	char		 path[64], want[256];
	char		*text, *err;
	size_t		 hl = sizeof(head) - 1;
	struct config	*cfg;

	(void)state;
	assert_non_null(mkdtemp(dir));
	text = malloc(hl + CONF_LINE_MAX + 1);
	assert_non_null(text);
	memcpy(text, head, hl);
	text[hl] = '#';
	memset(text + hl + 1, 'x', CONF_LINE_MAX - 3);
	text[hl + CONF_LINE_MAX - 2] = '\n';
	write_conf(path, sizeof(path), dir, "ok.conf", text,
	    hl + CONF_LINE_MAX - 1);
	cfg = tu_load(path, 0, &err);
	assert_string_equal(err, "");
	assert_non_null(cfg);
	config_free(cfg);
	free(err);
	unlink(path);

	text[hl + CONF_LINE_MAX - 2] = 'x';
	text[hl + CONF_LINE_MAX - 1] = '\n';
	write_conf(path, sizeof(path), dir, "long.conf", text,
	    hl + CONF_LINE_MAX);
	cfg = tu_load(path, 0, &err);
	assert_null(cfg);
	snprintf(want, sizeof(want), "%s:4: line longer than 4094 bytes\n"
	    "%s: 1 error\n", path, path);
	assert_string_equal(err, want);
	free(err);
	unlink(path);
	free(text);
	rmdir(dir);
}

/*
 * Only regular files are read, and the open does not wait: a FIFO (whose
 * open for reading waits for a writer; tu_load's alarm fails the test
 * if it does), a device and a directory are errors, named by -c or by
 * an include; so is a file larger than CONF_FILE_MAX (sparse here).
 */
static void
test_special_files(void **state)
{
	char		 dir[] = "/tmp/mac-test-XXXXXX";
	char		 mpath[64], fifo[64], big[64], want[512], *err;
	struct config	*cfg;
	size_t		 i;
	int		 fd;
	static const struct {
		const char	*name, *why;
	} incs[] = {
		{ "f.fifo", "not a regular file" },
		{ "/dev/null", "not a regular file" },
		{ "sub", "not a regular file" },
		{ "big.conf", "larger than 64 MiB" },
	};

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/f.fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	snprintf(big, sizeof(big), "%s/sub", dir);
	assert_int_equal(mkdir(big, 0700), 0);
	snprintf(big, sizeof(big), "%s/big.conf", dir);
	assert_true((fd = open(big, O_WRONLY | O_CREAT, 0600)) != -1);
	assert_int_equal(ftruncate(fd, CONF_FILE_MAX + 1), 0);
	close(fd);

	cfg = tu_load(fifo, 0, &err);
	assert_null(cfg);
	snprintf(want, sizeof(want), "%s: not a regular file\n%s: 1 error\n",
	    fifo, fifo);
	assert_string_equal(err, want);
	free(err);

	for (i = 0; i < NELEM(incs); i++) {
		snprintf(want, sizeof(want), "include = %s\n", incs[i].name);
		write_conf(mpath, sizeof(mpath), dir, "main.conf", want,
		    strlen(want));
		cfg = tu_load(mpath, 0, &err);
		assert_null(cfg);
		snprintf(want, sizeof(want), "%s%s%s: %s\n%s: 1 error\n",
		    incs[i].name[0] == '/' ? "" : dir,
		    incs[i].name[0] == '/' ? "" : "/", incs[i].name,
		    incs[i].why, mpath);
		assert_string_equal(err, want);
		free(err);
	}
	unlink(mpath);
	unlink(fifo);
	unlink(big);
	snprintf(big, sizeof(big), "%s/sub", dir);
	rmdir(big);
	rmdir(dir);
}

/*
 * CONF_ERRORS_MAX errors are reported, then a line saying so, and the
 * reading stops: the first CONF_ERRORS_MAX + 20 lines all bad, then
 * lines that would each be one more error.
 */
static void
test_error_limit(void **state)
{
	char		 dir[] = "/tmp/mac-test-XXXXXX";
	char		 path[64], line[256], *text, *err, *p;
	size_t		 n = 0, k;
	struct config	*cfg;

	(void)state;
	assert_non_null(mkdtemp(dir));
	text = malloc(64 * (CONF_ERRORS_MAX + 40));
	assert_non_null(text);
	for (k = 0; k < CONF_ERRORS_MAX + 40; k++)
		n += (size_t)sprintf(text + n, "bad line %zu\n", k);
	write_conf(path, sizeof(path), dir, "many.conf", text, n);
	cfg = tu_load(path, 0, &err);
	assert_null(cfg);
	/* Line k: the error of line k, up to the limit. */
	p = err;
	for (k = 1; k <= CONF_ERRORS_MAX; k++) {
		n = (size_t)snprintf(line, sizeof(line),
		    "%s:%zu: expected 'key = value'\n", path, k);
		assert_memory_equal(p, line, n);
		p += n;
	}
	snprintf(line, sizeof(line), "%s: %d errors: reading no further\n"
	    "%s: %d errors\n", path, CONF_ERRORS_MAX, path, CONF_ERRORS_MAX);
	assert_string_equal(p, line);
	free(err);
	free(text);
	unlink(path);
	rmdir(dir);
}

/* ---- good files ---- */

static const struct domain *
must_lookup(const struct config *cfg, const char *name)
{
	const struct domain *d;

	d = config_lookup(cfg, name, strlen(name));
	if (d == NULL)
		fail_msg("domain %s not found", name);
	assert_string_equal(d->name, name);
	assert_int_equal(d->namelen, strlen(name));
	return d;
}

/* Every good file loads without a word, verbose or not where noted. */
static void
test_good_files(void **state)
{
	static const struct {
		const char	*path;
		size_t		 ndomains;
		int		 warns;	/* warns when verbose */
	} good[] = {
		{ "etc/mailautoconf.conf", 3, 0 },
		{ CF("good-minimal"), 1, 0 },
		{ CF("good-defaults"), 3, 0 },
		{ CF("good-alias"), 4, 0 },
		{ CF("good-include"), 3, 0 },
		{ CF("good-pick"), 5, 1 },
		{ CF("good-full"), 3, 0 },
		{ CF("good-warn"), 1, 1 },
		{ CF("good-shared"), 6, 0 },
	};
	struct config	*cfg;
	char		*err;
	size_t		 i, j;
	const struct domain *d;

	(void)state;
	for (i = 0; i < NELEM(good); i++) {
		cfg = tu_load(good[i].path, 0, &err);
		if (cfg == NULL || *err != '\0')
			fail_msg("%s: %s", good[i].path, err);
		free(err);
		assert_int_equal(config_ndomains(cfg), good[i].ndomains);
		/* config_domain and config_lookup agree. */
		for (j = 0; j < config_ndomains(cfg); j++) {
			d = config_domain(cfg, j);
			assert_non_null(d);
			assert_ptr_equal(config_lookup(cfg, d->name,
			    d->namelen), d);
			assert_non_null(d->ans->tb);
		}
		assert_null(config_domain(cfg, j));
		config_free(cfg);
		if (good[i].warns)
			continue;
		cfg = tu_load(good[i].path, 1, &err);
		assert_non_null(cfg);
		assert_string_equal(err, "");
		free(err);
		config_free(cfg);
	}
	config_free(NULL);
}

static void
test_minimal(void **state)
{
	struct config	*cfg;
	const struct domain *d;
	const struct section *s;

	(void)state;
	cfg = tu_load_good(CF("good-minimal"));
	d = must_lookup(cfg, "example.com");
	s = d->sec;
	assert_null(dom_target(d));
	/*
	 * mailautoconf.conf(5), Defaults: the username default keeps the
	 * client's placeholder (doc/clients.md, Thunderbird: username).
	 */
	assert_string_equal(s->username, "%EMAILADDRESS%");
	assert_int_equal(s->nsrv[P_IMAP], 1);
	assert_int_equal(s->nsrv[P_POP3], 0);
	assert_int_equal(s->nsrv[P_SMTP], 1);
	assert_string_equal(s->srv[P_IMAP][0].host, "imap.example.com");
	assert_int_equal(s->srv[P_IMAP][0].port, 993);
	assert_int_equal(s->srv[P_IMAP][0].sock, SOCK_SSL);
	/* No AUTH given: password-cleartext (inside TLS). */
	assert_int_equal(s->srv[P_IMAP][0].nauth, 1);
	assert_int_equal(s->srv[P_IMAP][0].auth[0], AUTH_CLEARTEXT);
	assert_string_equal(s->srv[P_SMTP][0].host, "smtp.example.com");
	assert_int_equal(s->srv[P_SMTP][0].port, 465);
	assert_int_equal(s->alternatives, 0);
	/* Lookups are exact, on the lower-cased name. */
	assert_null(config_lookup(cfg, "example.org", 11));
	assert_null(config_lookup(cfg, "Example.com", 11));
	assert_null(config_lookup(cfg, "example.co", 10));
	assert_null(config_lookup(cfg, "www.example.com", 15));
	assert_null(config_lookup(cfg, "", 0));
	config_free(cfg);
}

static void
test_defaults(void **state)
{
	struct config	*cfg;
	const struct section *s;

	(void)state;
	cfg = tu_load_good(CF("good-defaults"));
	/* Inherits everything, both imap servers. */
	s = must_lookup(cfg, "inherit.example")->sec;
	assert_string_equal(s->display_name, "Defaults Mail");
	assert_string_equal(s->short_name, "Defaults");
	assert_string_equal(s->username, "%EMAILLOCALPART%");
	assert_int_equal(s->ttl, 12);
	assert_int_equal(s->nsrv[P_IMAP], 2);
	assert_string_equal(s->srv[P_IMAP][0].host, "imap1.example.net");
	assert_string_equal(s->srv[P_IMAP][1].host, "imap2.example.net");
	assert_int_equal(s->nsrv[P_SMTP], 1);
	assert_string_equal(s->srv[P_SMTP][0].host, "smtp.example.net");
	/* Its own imap line replaces the whole inherited list. */
	s = must_lookup(cfg, "override.example")->sec;
	assert_int_equal(s->nsrv[P_IMAP], 1);
	assert_string_equal(s->srv[P_IMAP][0].host, "imap.override.example");
	assert_int_equal(s->srv[P_IMAP][0].port, 143);
	assert_int_equal(s->srv[P_IMAP][0].sock, SOCK_STARTTLS);
	assert_int_equal(s->srv[P_IMAP][0].nauth, 1);
	assert_int_equal(s->srv[P_IMAP][0].auth[0], AUTH_ENCRYPTED);
	assert_int_equal(s->nsrv[P_SMTP], 1);
	assert_string_equal(s->srv[P_SMTP][0].host, "smtp.example.net");
	assert_string_equal(s->display_name, "Defaults Mail");
	/* Overrides one key, inherits the rest. */
	s = must_lookup(cfg, "named.example")->sec;
	assert_string_equal(s->display_name, "Named Mail");
	assert_string_equal(s->short_name, "Defaults");
	assert_int_equal(s->nsrv[P_IMAP], 2);
	assert_int_equal(s->ttl, 12);
	config_free(cfg);
}

static void
test_alias(void **state)
{
	static const char *const aliases[] = { "other.example",
	    "third.example", "fourth.example" };
	struct config	*cfg;
	const struct domain *t, *a;
	size_t		 i;

	(void)state;
	cfg = tu_load_good(CF("good-alias"));
	t = must_lookup(cfg, "target.example");
	assert_null(dom_target(t));
	for (i = 0; i < NELEM(aliases); i++) {
		a = must_lookup(cfg, aliases[i]);
		/* The target's settings, the target's name. */
		assert_non_null(dom_target(a));
		assert_string_equal(dom_target(a), "target.example");
		assert_ptr_equal(a->sec, t->sec);
		assert_non_null(a->ans->tb);
	}
	assert_null(config_lookup(cfg, "target.example.", 15));
	config_free(cfg);
}

static void
test_include(void **state)
{
	static const char *const names[] = { "first.example",
	    "second.example", "main.example" };
	struct config	*cfg;
	const struct section *s;
	size_t		 i;

	(void)state;
	/* inc.d/ exists only beside the file, not in the working dir. */
	assert_int_equal(access("inc.d", F_OK), -1);
	cfg = tu_load_good(CF("good-include"));
	assert_int_equal(config_ndomains(cfg), NELEM(names));
	for (i = 0; i < NELEM(names); i++) {
		s = must_lookup(cfg, names[i])->sec;
		/* [defaults] reaches the included sections too. */
		assert_int_equal(s->nsrv[P_SMTP], 1);
		assert_string_equal(s->srv[P_SMTP][0].host,
		    "smtp.example.com");
	}
	/* Sorted glob order, then the including file's own section. */
	assert_string_equal(config_domain(cfg, 0)->name, "first.example");
	assert_string_equal(config_domain(cfg, 1)->name, "second.example");
	assert_string_equal(must_lookup(cfg, "first.example")->sec->file,
	    "tests/conf/inc.d/10-first.conf");
	assert_int_equal(must_lookup(cfg, "second.example")->sec->
	    nsrv[P_POP3], 1);
	/* The README beside them does not match the pattern. */
	assert_null(config_lookup(cfg, "readme.example", 14));
	config_free(cfg);
}

/* ---- xml_pick (mailautoconf.conf(5), Answer selection) ---- */

struct pick_case {
	const char	*domain;
	enum proto	 p;
	unsigned	 max;
	const char	*hosts[SERVERS_MAX + 1];	/* NULL-terminated */
};

static const struct pick_case pick_cases[] = {
	/* The first implicit-TLS server, though not first configured. */
	{ "tlsfirst.example", P_IMAP, SERVERS_MAX,
	    { "imap-ssl.tlsfirst.example", NULL } },
	{ "tlsfirst.example", P_SMTP, SERVERS_MAX,
	    { "smtp-ssl.tlsfirst.example", NULL } },
	{ "tlsfirst.example", P_POP3, SERVERS_MAX, { NULL } },
	/* Alternatives: the chosen one first, the others in order after
	 * it, no plain one while there is anything else. */
	{ "alternatives.example", P_IMAP, SERVERS_MAX,
	    { "imap-ssl.alternatives.example",
	    "imap-starttls.alternatives.example",
	    "imap-ssl2.alternatives.example", NULL } },
	{ "alternatives.example", P_SMTP, SERVERS_MAX,
	    { "smtp-ssl.alternatives.example",
	    "smtp-starttls.alternatives.example", NULL } },
	{ "alternatives.example", P_IMAP, 2,
	    { "imap-ssl.alternatives.example",
	    "imap-starttls.alternatives.example", NULL } },
	{ "alternatives.example", P_IMAP, 1,
	    { "imap-ssl.alternatives.example", NULL } },
	{ "alternatives.example", P_IMAP, 0, { NULL } },
	/* No implicit TLS: the first that is not plain. */
	{ "nossl.example", P_IMAP, SERVERS_MAX,
	    { "imap-starttls.nossl.example", NULL } },
	/* Plain only when it is all there is. */
	{ "plainonly.example", P_POP3, SERVERS_MAX,
	    { "pop-plain1.plainonly.example", NULL } },
	{ "plainonly.example", P_SMTP, SERVERS_MAX,
	    { "smtp-plain.plainonly.example", NULL } },
	{ "plainonly.example", P_IMAP, SERVERS_MAX, { NULL } },
	{ "plainalt.example", P_POP3, SERVERS_MAX,
	    { "pop-plain1.plainalt.example", "pop-plain2.plainalt.example",
	    NULL } },
	{ "plainalt.example", P_POP3, 1,
	    { "pop-plain1.plainalt.example", NULL } },
};

static void
test_pick(void **state)
{
	const struct pick_case *c;
	const struct server *out[SERVERS_MAX + 1];
	struct config	*cfg;
	unsigned	 n, k;
	size_t		 i;
	int		 bad = 0;

	(void)state;
	cfg = tu_load_good(CF("good-pick"));
	for (i = 0; i < NELEM(pick_cases); i++) {
		c = &pick_cases[i];
		memset(out, 0, sizeof(out));
		n = xml_pick(must_lookup(cfg, c->domain)->sec, c->p, out,
		    c->max);
		for (k = 0; c->hosts[k] != NULL; k++)
			if (k >= n || strcmp(out[k]->host, c->hosts[k]) != 0)
				break;
		if (c->hosts[k] != NULL || k != n || out[n] != NULL) {
			print_error("pick %zu (%s %s max %u): %u servers, "
			    "want %u\n", i, c->domain, proto_names[c->p],
			    c->max, n, k);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	config_free(cfg);
}

/* Warnings only when verbose; they do not fail the load. */
static void
test_warnings(void **state)
{
	struct config	*cfg;
	char		*err;

	(void)state;
	cfg = tu_load(CF("good-warn"), 0, &err);
	assert_non_null(cfg);
	assert_string_equal(err, "");
	free(err);
	config_free(cfg);
	cfg = tu_load(CF("good-warn"), 1, &err);
	assert_non_null(cfg);
	assert_string_equal(err,
	    E("good-warn", 4, "warning: imap: STARTTLS on port 993: "
	    "Thunderbird and Delta Chat read Outlook answers by port and "
	    "will try implicit TLS")
	    E("good-warn", 5, "warning: pop3: only plain servers: "
	    "Thunderbird for Android rejects such an answer"));
	free(err);
	config_free(cfg);
}

static void
test_summary(void **state)
{
	struct config	*cfg;
	char		*p = NULL;
	size_t		 len = 0;
	FILE		*fp;

	(void)state;
	cfg = tu_load_good("etc/mailautoconf.conf");
	fp = open_memstream(&p, &len);
	assert_non_null(fp);
	config_summary(cfg, fp);
	fclose(fp);
	assert_string_equal(p,
	    "example.com: imap imap.example.com:993 SSL "
	    "smtp smtp.example.com:465 SSL\n"
	    "example.net: imap imap.example.com:993 SSL "
	    "smtp smtp.example.com:465 SSL\n"
	    "example.org: alias of example.com; imap imap.example.com:993 SSL "
	    "smtp smtp.example.com:465 SSL\n");
	free(p);
	config_free(cfg);
}

/* ---- many domains ---- */

#define NBIG	100000
/*
 * Sections whose settings are the same (servers written alike in each)
 * share their prepared answers, rendered once; any difference keeps
 * them apart, and every domain still answers with its own name.
 */
static void
test_shared(void **state)
{
	static const struct {
		const char	*name, *want;
		int		 srv, tb;	/* 1: a.example's, 0: not, -1: any */
	} cases[] = {
		{ "a.example", "<hostname>imap.a.example</hostname>", 1, 1 },
		{ "b.example", "<hostname>imap.b.example</hostname>", 1, 1 },
		{ "c.example", "<port>143</port>", 0, 0 },
		{ "d.example", "password-encrypted", 0, 0 },
		/* Its first server is a.example's (all Thunderbird gets). */
		{ "e.example", "<hostname>imap.e.example</hostname>", 0, -1 },
		{ "f.example", "<displayName>F Mail</displayName>", 1, 0 },
	};
	struct config	*cfg;
	const struct domain *a, *d;
	struct request	 rq;
	struct response	*r;
	char		 uri[128];
	size_t		 i;

	(void)state;
	cfg = tu_load_good(CF("good-shared"));
	a = must_lookup(cfg, "a.example");
	r = malloc(sizeof(*r));
	assert_non_null(r);
	for (i = 0; i < NELEM(cases); i++) {
		d = must_lookup(cfg, cases[i].name);
		if (cases[i].tb != -1 && (d->ans->tb == a->ans->tb) !=
		    cases[i].tb)
			fail_msg("%s: answer shared: %d", cases[i].name,
			    !cases[i].tb);
		/* The same settings: one set of answers, rendered once. */
		if (cases[i].srv && cases[i].tb)
			assert_ptr_equal(d->ans, a->ans);
		else
			assert_ptr_not_equal(d->ans, a->ans);
		snprintf(uri, sizeof(uri), "/mail/config-v1.1.xml"
		    "?emailaddress=u@%s", cases[i].name);
		tu_request(&rq, "GET", uri, NULL);
		assert_int_equal(respond(cfg, &rq, r), ST_OK);
		if (!tu_has(r->body, r->bodylen, cases[i].want))
			fail_msg("%s: no %s", cases[i].name, cases[i].want);
		snprintf(uri, sizeof(uri), "<emailProvider id=\"%s\">",
		    cases[i].name);
		assert_true(tu_has(r->body, r->bodylen, uri));
	}
	free(r);
	config_free(cfg);
}

#define NALIAS	100

static void
test_many_domains(void **state)
{
	char		 dir[] = "/tmp/mac-test-XXXXXX", path[256];
	char		 name[64];
	struct timespec	 t0, t1;
	struct config	*cfg;
	const struct domain *d, *t;
	struct request	 rq;
	struct response	*r;
	FILE		*fp;
	unsigned	 i;
	double		 secs;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/big.conf", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "[defaults]\nimap = imap.%%EMAILDOMAIN%% 993 SSL\n"
	    "smtp = smtp.%%EMAILDOMAIN%% 465 SSL\n");
	for (i = 0; i < NBIG; i++)
		fprintf(fp, "[domain d%06u.example]\n", i);
	for (i = 0; i < NALIAS; i++)
		fprintf(fp, "[domain alias%u.example]\nalias = d%06u.example\n",
		    i, i * 997);
	assert_int_equal(fclose(fp), 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	cfg = tu_load_good_dry(path, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("[   INFO   ] %u domains loaded in %.3f s "
	    "(sanitizers on)\n", NBIG + NALIAS, secs);
	assert_int_equal(config_ndomains(cfg), NBIG + NALIAS);
	for (i = 0; i < NBIG; i++) {
		snprintf(name, sizeof(name), "d%06u.example", i);
		d = config_lookup(cfg, name, strlen(name));
		if (d == NULL || strcmp(d->name, name) != 0 ||
		    dom_target(d) != NULL)
			fail_msg("lookup %s", name);
	}
	for (i = 0; i < NALIAS; i++) {
		snprintf(name, sizeof(name), "alias%u.example", i);
		d = must_lookup(cfg, name);
		snprintf(name, sizeof(name), "d%06u.example", i * 997);
		t = must_lookup(cfg, name);
		assert_string_equal(dom_target(d), name);
		assert_ptr_equal(d->sec, t->sec);
	}
	assert_null(config_lookup(cfg, "d100000.example", 15));
	assert_null(config_lookup(cfg, "d00000.example", 14));
	assert_null(config_lookup(cfg, "alias100.example", 16));

	/* And one answers, with its own name in the hostnames. */
	r = malloc(sizeof(*r));
	assert_non_null(r);
	tu_request(&rq, "GET", "/mail/config-v1.1.xml"
	    "?emailaddress=u@d042424.example", NULL);
	assert_int_equal(respond(cfg, &rq, r), ST_OK);
	assert_true(tu_has(r->body, r->bodylen,
	    "<hostname>imap.d042424.example</hostname>"));
	free(r);
	config_free(cfg);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_bad_verbose),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_special_files),
		cmocka_unit_test(test_error_limit),
		cmocka_unit_test(test_good_files),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_alias),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_shared),
		cmocka_unit_test(test_many_domains),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
