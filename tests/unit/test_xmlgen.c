/*
 * xmlgen.c: the Thunderbird clientConfig emitter and template expansion.
 *
 * First on hand-built sections (markers, placeholders, escaping, alias
 * rewriting), then every domain of the configs in tests/conf/ through
 * respond(): each answer is compared byte for byte with its golden file
 * in tests/golden/, re-parsed, checked against the rules of
 * doc/clients.md (Thunderbird),
 * and summarised for an expectation written by hand from the config.
 */
#include "testutil.h"

/* ---- hand-built sections ---- */

static struct server srv_imap[] = {
	{ .host = "imap.%EMAILDOMAIN%", .port = 993, .sock = SOCK_SSL,
	    .auth = { AUTH_CLEARTEXT }, .nauth = 1 },
};
static struct server srv_pop3[] = {
	{ .host = "pop.example.net", .port = 995, .sock = SOCK_SSL,
	    .auth = { AUTH_ENCRYPTED, AUTH_OAUTH2 }, .nauth = 2 },
};
static struct server srv_smtp[] = {
	{ .host = "smtp.%EMAILDOMAIN%", .port = 465, .sock = SOCK_SSL,
	    .auth = { AUTH_CLEARTEXT }, .nauth = 1 },
	{ .host = "smtp.example.net", .port = 587, .sock = SOCK_STARTTLS,
	    .auth = { AUTH_CLEARTEXT }, .nauth = 1 },
};

static char	*one_name[] = { (char *)"example.com" };

static void
init_section(struct section *s, const char *username)
{
	memset(s, 0, sizeof(*s));
	s->names = one_name;
	s->nnames = 1;
	s->username = username;
	s->srv[P_IMAP] = srv_imap;
	s->nsrv[P_IMAP] = NELEM(srv_imap);
	s->srv[P_SMTP] = srv_smtp;
	s->nsrv[P_SMTP] = NELEM(srv_smtp);
}

/* Make t a template over the bytes of b, as config.c would. */
static void
make_tmpl(struct tmpl *t, const struct buf *b, unsigned *pos, size_t maxpos)
{
	size_t	 i;
	int	 c;

	memset(t, 0, sizeof(*t));
	t->s = b->p;
	t->len = b->len;
	t->pos = pos;
	for (i = 0; i < b->len; i++) {
		c = (unsigned char)b->p[i];
		if (c < MARK_ADDR || c > MARK_LAST)
			continue;
		assert_true(t->npos < maxpos);
		t->n[c - MARK_ADDR]++;
		t->pos[t->npos++] = (unsigned)i;
	}
}

static size_t
count_byte(const char *p, size_t n, int c)
{
	size_t	 i, k = 0;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] == c)
			k++;
	return k;
}

/* Expand the answer for a section into out (size outsz), for dom. */
static size_t
render(const struct section *s, const char *target, const char *dom,
    char *out, size_t outsz)
{
	struct buf	 b, o;
	struct tmpl	 t;
	unsigned	 pos[64];

	buf_init(&b);
	xml_thunderbird(&b, s, target, 0);
	assert_false(b.err);
	/* The answer depends on the domain only: no address markers. */
	assert_int_equal(count_byte(b.p, b.len, MARK_ADDR), 0);
	assert_int_equal(count_byte(b.p, b.len, MARK_LOCAL), 0);
	make_tmpl(&t, &b, pos, NELEM(pos));
	buf_fixed(&o, out, outsz);
	assert_int_equal(tmpl_expand(&o, &t, NULL, dom, strlen(dom)), 0);
	assert_int_equal(o.len, tmpl_size(&t, 0, 0, strlen(dom)));
	buf_free(&b);
	return o.len;
}

static void
test_tb_markers(void **state)
{
	struct section	 s;
	struct buf	 b;

	(void)state;
	init_section(&s, "%EMAILADDRESS%");
	buf_init(&b);
	xml_thunderbird(&b, &s, NULL, 0);
	assert_false(b.err);
	/*
	 * id, <domain>, the display names (the domain when none is
	 * configured) and the two hostnames with %EMAILDOMAIN%.
	 */
	assert_int_equal(count_byte(b.p, b.len, MARK_DOMAIN), 6);
	assert_int_equal(count_byte(b.p, b.len, MARK_ADDR), 0);
	assert_int_equal(count_byte(b.p, b.len, MARK_LOCAL), 0);
	/* The client-side placeholder stays for the client. */
	assert_true(tu_has(b.p, b.len, "<username>%EMAILADDRESS%</username>"));
	assert_false(tu_has(b.p, b.len, "%EMAILDOMAIN%"));
	assert_true(tu_has(b.p, b.len, "<emailProvider id=\"\003\">"));
	assert_true(tu_has(b.p, b.len, "<domain>\003</domain>"));
	assert_true(tu_has(b.p, b.len, "<hostname>imap.\003</hostname>"));
	buf_free(&b);
}

static void
test_tb_hand_built(void **state)
{
	static char	 out[RESP_BODY_MAX];
	static const struct tb_want want = { "example.com",
	    "%EMAILLOCALPART%", 0 };
	struct section	 s;
	mxml_node_t	*tree;
	char		*sum;
	size_t		 n;

	(void)state;
	init_section(&s, "%EMAILLOCALPART%");
	s.srv[P_POP3] = srv_pop3;
	s.nsrv[P_POP3] = NELEM(srv_pop3);
	s.leave_on_server = 1;
	n = render(&s, NULL, "example.com", out, sizeof(out));
	tree = tu_check_clientconfig(out, n, &want);
	sum = tu_tb_summary(tree);
	/* No display name configured: the domain stands for it. */
	assert_string_equal(sum,
	    "id example.com\n"
	    "domain example.com\n"
	    "name example.com\n"
	    "short example.com\n"
	    "imap imap.example.com 993 SSL password-cleartext "
	    "user=%EMAILLOCALPART%\n"
	    "pop3 pop.example.net 995 SSL password-encrypted,OAuth2 "
	    "user=%EMAILLOCALPART% leave=true\n"
	    "smtp smtp.example.com 465 SSL password-cleartext "
	    "user=%EMAILLOCALPART%\n");
	free(sum);
	mxmlDelete(tree);
}

/*
 * An alias answers with the target's servers: %EMAILDOMAIN% is the
 * target, the address is %EMAILLOCALPART%@target.
 */
static void
test_tb_alias(void **state)
{
	static char	 out[RESP_BODY_MAX];
	static const struct tb_want want = { "alias.example",
	    "%EMAILLOCALPART%@target.example", 0 };
	static const struct tb_want want2 = { "alias.example",
	    "%EMAILLOCALPART%.x@target.example", 0 };
	struct section	 s;
	struct buf	 b;
	mxml_node_t	*tree;
	char		*sum;
	size_t		 n;

	static char	*tname[] = { (char *)"target.example" };

	(void)state;
	init_section(&s, "%EMAILADDRESS%");
	s.names = tname;
	buf_init(&b);
	xml_thunderbird(&b, &s, "target.example", 0);
	/* Only id and one <domain> name the requested domain. */
	assert_int_equal(count_byte(b.p, b.len, MARK_DOMAIN), 2);
	buf_free(&b);
	n = render(&s, "target.example", "alias.example", out, sizeof(out));
	tree = tu_check_clientconfig(out, n, &want);
	sum = tu_tb_summary(tree);
	assert_string_equal(sum,
	    "id alias.example\n"
	    "domain target.example\n"
	    "domain alias.example\n"
	    "name target.example\n"
	    "short target.example\n"
	    "imap imap.target.example 993 SSL password-cleartext "
	    "user=%EMAILLOCALPART%@target.example\n"
	    "smtp smtp.target.example 465 SSL password-cleartext "
	    "user=%EMAILLOCALPART%@target.example\n");
	free(sum);
	mxmlDelete(tree);

	init_section(&s, "%EMAILLOCALPART%.x@%EMAILDOMAIN%");
	s.names = tname;
	n = render(&s, "target.example", "alias.example", out, sizeof(out));
	tree = tu_check_clientconfig(out, n, &want2);
	mxmlDelete(tree);
}

/* Config text is escaped; the parser gives back the original. */
static void
test_tb_escaping(void **state)
{
	static char	 out[RESP_BODY_MAX];
	static const struct tb_want want = { "example.com", NULL, 0 };
	static const char name[] = "Tom & Jerry's <\"Mail\"> \xe2\x82\xac";
	struct section	 s;
	mxml_node_t	*tree, *ep;
	size_t		 n;

	(void)state;
	init_section(&s, "%EMAILADDRESS%");
	s.display_name = name;
	s.short_name = "a<b";
	s.url[URL_DOCUMENTATION] = "https://help.example.com/?a=1&b=\"2\"";
	s.doc_text = "Read <this> & that";
	n = render(&s, NULL, "example.com", out, sizeof(out));
	assert_true(tu_has(out, n, "Tom &amp; Jerry"));
	assert_true(tu_has(out, n, "&lt;"));
	assert_false(tu_has(out, n, "<\"Mail\">"));
	assert_false(tu_has(out, n, "a<b"));
	tree = tu_check_clientconfig(out, n, &want);
	ep = tu_child(tu_child(tree, "clientConfig"), "emailProvider");
	assert_string_equal(tu_text(tu_child(ep, "displayName")), name);
	assert_string_equal(tu_text(tu_child(ep, "displayShortName")), "a<b");
	assert_string_equal(tu_attr(tu_child(ep, "documentation"), "url"),
	    "https://help.example.com/?a=1&b=\"2\"");
	assert_string_equal(tu_text(tu_child(tu_child(ep, "documentation"),
	    "descr")), "Read <this> & that");
	mxmlDelete(tree);
}

/* ---- tmpl_expand and tmpl_size ---- */

static void
test_tmpl_expand(void **state)
{
	static char	 src[] = "A\001B\002C\003D\001";
	char		 out[256], small[16];
	struct buf	 b, o;
	struct tmpl	 t;
	struct addr	 a;
	unsigned	 pos[8];
	static const char want[] = "Ao&apos;brien&amp;co@example.com"
	    "Bo&apos;brien&amp;coCexample.orgDo&apos;brien&amp;co@example.com";

	(void)state;
	buf_fixed(&b, src, sizeof(src));
	b.len = sizeof(src) - 1;
	make_tmpl(&t, &b, pos, NELEM(pos));
	assert_int_equal(t.npos, 4);
	assert_int_equal(t.n[MARK_ADDR - MARK_ADDR], 2);
	assert_int_equal(t.n[MARK_LOCAL - MARK_ADDR], 1);
	assert_int_equal(t.n[MARK_DOMAIN - MARK_ADDR], 1);
	/* The address is validated first, then escaped where spliced. */
	assert_int_equal(valid_addr("o'brien&co@Example.COM", 22, &a), 0);
	buf_fixed(&o, out, sizeof(out));
	assert_int_equal(tmpl_expand(&o, &t, &a, "example.org", 11), 0);
	assert_int_equal(o.len, sizeof(want) - 1);
	assert_memory_equal(out, want, o.len);
	/* tmpl_size with the escaped lengths gives the same size. */
	assert_int_equal(tmpl_size(&t, 31, 19, 11), o.len);
	assert_int_equal(tmpl_size(&t, 0, 0, 0), 4);

	/* Overflow of a fixed buffer is reported, never written past. */
	memset(small, 'Z', sizeof(small));
	buf_fixed(&o, small, 8);
	assert_int_equal(tmpl_expand(&o, &t, &a, "example.org", 11), -1);
	assert_true(o.len <= 8);
	assert_int_equal(small[8], 'Z');
}

/* ---- every domain of the test configs, through respond() ---- */

struct tb_case {
	const char	*conf;		/* tests/conf/CONF.conf */
	const char	*domain;
	int		 alternatives;
	const char	*username;
	const char	*summary;
};

#define U_ADDR		"%EMAILADDRESS%"
#define U_LOCAL		"%EMAILLOCALPART%"
#define SRV(t, h, p, s, a, u)	t " " h " " #p " " s " " a " user=" u "\n"
#define CLEAR		"password-cleartext"

#define TARGET_ANSWER(id, dom) \
	"id " id "\n" dom \
	"name Target Mail for target.example\n" \
	"short Target Mail for target.example\n" \
	SRV("imap", "imap.target.example", 993, "SSL", CLEAR, \
	    U_LOCAL "@target.example") \
	SRV("smtp", "smtp.target.example", 465, "SSL", CLEAR, \
	    U_LOCAL "@target.example")

#define FULL_USER	U_LOCAL "+mail@full.example"
#define FULL_DOMAINS	"domain full.example\ndomain full2.example\n"
#define FULL_ANSWER(id, dom, d) \
	"id " id "\n" dom \
	"name Tom & Jerry's <\"Mail\">\n" \
	"short T&J\n" \
	SRV("imap", "imap." d, 993, "SSL", \
	    CLEAR ",password-encrypted,OAuth2", U_LOCAL "+mail@" d) \
	"pop3 pop." d " 995 SSL GSSAPI,NTLM user=" U_LOCAL "+mail@" d \
	" leave=true\n" \
	SRV("smtp", "smtp." d, 465, "SSL", "OAuth2," CLEAR, \
	    U_LOCAL "+mail@" d) \
	SRV("smtp", "mx." d, 25, "STARTTLS", "none,client-IP-address", \
	    U_LOCAL "+mail@" d) \
	"doc https://help." d "/mail?a=1&b=2 " \
	"descr=How to set up \"mail\" & more\n" \
	"webmail https://webmail." d "/\n" \
	"carddav https://dav." d "/card/ user=" U_LOCAL "+mail@" d "\n" \
	"caldav https://dav." d "/cal/ user=" U_LOCAL "+mail@" d "\n"

static const struct tb_case tb_cases[] = {
	{ "good-minimal", "example.com", 0, U_ADDR,
	    "id example.com\ndomain example.com\n"
	    "name example.com\nshort example.com\n"
	    SRV("imap", "imap.example.com", 993, "SSL", CLEAR, U_ADDR)
	    SRV("smtp", "smtp.example.com", 465, "SSL", CLEAR, U_ADDR) },

	/* Defaults: inherited, overridden as a whole, partly. */
	{ "good-defaults", "inherit.example", 0, U_LOCAL,
	    "id inherit.example\ndomain inherit.example\n"
	    "name Defaults Mail\nshort Defaults\n"
	    SRV("imap", "imap1.example.net", 993, "SSL", CLEAR, U_LOCAL)
	    SRV("smtp", "smtp.example.net", 465, "SSL", CLEAR, U_LOCAL) },
	{ "good-defaults", "override.example", 0, U_LOCAL,
	    "id override.example\ndomain override.example\n"
	    "name Defaults Mail\nshort Defaults\n"
	    SRV("imap", "imap.override.example", 143, "STARTTLS",
	    "password-encrypted", U_LOCAL)
	    SRV("smtp", "smtp.example.net", 465, "SSL", CLEAR, U_LOCAL) },
	{ "good-defaults", "named.example", 0, U_LOCAL,
	    "id named.example\ndomain named.example\n"
	    "name Named Mail\nshort Defaults\n"
	    SRV("imap", "imap1.example.net", 993, "SSL", CLEAR, U_LOCAL)
	    SRV("smtp", "smtp.example.net", 465, "SSL", CLEAR, U_LOCAL) },

	/* Aliases: the target's answer, under the requested name. */
	{ "good-alias", "target.example", 0, U_LOCAL "@target.example",
	    TARGET_ANSWER("target.example", "domain target.example\n") },
	{ "good-alias", "other.example", 0, U_LOCAL "@target.example",
	    TARGET_ANSWER("other.example", "domain target.example\n"
	    "domain other.example\n") },
	{ "good-alias", "third.example", 0, U_LOCAL "@target.example",
	    TARGET_ANSWER("third.example", "domain target.example\n"
	    "domain third.example\n") },
	{ "good-alias", "fourth.example", 0, U_LOCAL "@target.example",
	    TARGET_ANSWER("fourth.example", "domain target.example\n"
	    "domain fourth.example\n") },

	/* Included files. */
	{ "good-include", "first.example", 0, U_ADDR,
	    "id first.example\ndomain first.example\n"
	    "name first.example\nshort first.example\n"
	    SRV("imap", "imap.first.example", 993, "SSL", CLEAR, U_ADDR)
	    SRV("smtp", "smtp.example.com", 465, "SSL", CLEAR, U_ADDR) },
	{ "good-include", "second.example", 0, U_ADDR,
	    "id second.example\ndomain second.example\n"
	    "name second.example\nshort second.example\n"
	    "pop3 pop.second.example 995 SSL " CLEAR " user=" U_ADDR
	    " leave=false\n"
	    SRV("smtp", "smtp.example.com", 465, "SSL", CLEAR, U_ADDR) },
	{ "good-include", "main.example", 0, U_ADDR,
	    "id main.example\ndomain main.example\n"
	    "name main.example\nshort main.example\n"
	    SRV("imap", "imap.main.example", 993, "SSL", CLEAR, U_ADDR)
	    SRV("smtp", "smtp.example.com", 465, "SSL", CLEAR, U_ADDR) },

	/* Server selection. */
	{ "good-pick", "tlsfirst.example", 0, U_ADDR,
	    "id tlsfirst.example\ndomain tlsfirst.example\n"
	    "name tlsfirst.example\nshort tlsfirst.example\n"
	    SRV("imap", "imap-ssl.tlsfirst.example", 993, "SSL", CLEAR,
	    U_ADDR)
	    SRV("smtp", "smtp-ssl.tlsfirst.example", 465, "SSL", CLEAR,
	    U_ADDR) },
	{ "good-pick", "alternatives.example", 1, U_ADDR,
	    "id alternatives.example\ndomain alternatives.example\n"
	    "name alternatives.example\nshort alternatives.example\n"
	    SRV("imap", "imap-ssl.alternatives.example", 993, "SSL", CLEAR,
	    U_ADDR)
	    SRV("imap", "imap-starttls.alternatives.example", 143,
	    "STARTTLS", CLEAR, U_ADDR)
	    SRV("imap", "imap-ssl2.alternatives.example", 993, "SSL", CLEAR,
	    U_ADDR)
	    SRV("smtp", "smtp-ssl.alternatives.example", 465, "SSL", CLEAR,
	    U_ADDR)
	    SRV("smtp", "smtp-starttls.alternatives.example", 587,
	    "STARTTLS", CLEAR, U_ADDR) },
	{ "good-pick", "nossl.example", 0, U_ADDR,
	    "id nossl.example\ndomain nossl.example\n"
	    "name nossl.example\nshort nossl.example\n"
	    SRV("imap", "imap-starttls.nossl.example", 143, "STARTTLS",
	    CLEAR, U_ADDR)
	    SRV("smtp", "smtp-starttls.nossl.example", 587, "STARTTLS",
	    CLEAR, U_ADDR) },
	{ "good-pick", "plainonly.example", 0, U_ADDR,
	    "id plainonly.example\ndomain plainonly.example\n"
	    "name plainonly.example\nshort plainonly.example\n"
	    "pop3 pop-plain1.plainonly.example 110 plain " CLEAR " user="
	    U_ADDR " leave=false\n"
	    SRV("smtp", "smtp-plain.plainonly.example", 25, "plain", CLEAR,
	    U_ADDR) },
	{ "good-pick", "plainalt.example", 1, U_ADDR,
	    "id plainalt.example\ndomain plainalt.example\n"
	    "name plainalt.example\nshort plainalt.example\n"
	    "pop3 pop-plain1.plainalt.example 110 plain " CLEAR " user="
	    U_ADDR " leave=false\n"
	    "pop3 pop-plain2.plainalt.example 110 plain " CLEAR " user="
	    U_ADDR " leave=false\n"
	    SRV("smtp", "smtp-plain.plainalt.example", 25, "plain", CLEAR,
	    U_ADDR) },

	/* Every key, text that needs escaping, an alias of it. */
	{ "good-full", "full.example", 1, FULL_USER,
	    FULL_ANSWER("full.example", FULL_DOMAINS, "full.example") },
	{ "good-full", "full2.example", 1, U_LOCAL "+mail@full2.example",
	    FULL_ANSWER("full2.example", FULL_DOMAINS, "full2.example") },
	{ "good-full", "full-alias.example", 1, FULL_USER,
	    FULL_ANSWER("full-alias.example",
	    FULL_DOMAINS "domain full-alias.example\n", "full.example") },
};

/* The answer for domain d of cfg, as a GET with only a Host. */
static struct response *
get_answer(const struct config *cfg, const char *d)
{
	struct response	*r;
	struct request	 rq;

	r = malloc(sizeof(*r));
	assert_non_null(r);
	tu_request(&rq, "GET", "/mail/config-v1.1.xml", d);
	assert_int_equal(respond(cfg, &rq, r), ST_OK);
	assert_int_equal(r->status, ST_OK);
	assert_string_equal(r->ctype, "text/xml; charset=utf-8");
	assert_false(r->headonly);
	return r;
}

static void
test_tb_configs(void **state)
{
	const struct tb_case *c;
	struct config	*cfg = NULL;
	struct response	*r;
	struct tb_want	 w;
	mxml_node_t	*tree;
	const char	*loaded = "";
	char		 path[256], golden[256], *sum;
	size_t		 i, ncase = 0;
	int		 bad = 0;

	(void)state;
	for (i = 0; i < NELEM(tb_cases); i++) {
		c = &tb_cases[i];
		if (strcmp(c->conf, loaded) != 0) {
			if (cfg != NULL)
				assert_int_equal(config_ndomains(cfg), ncase);
			config_free(cfg);
			snprintf(path, sizeof(path), "tests/conf/%s.conf",
			    c->conf);
			cfg = tu_load_good(path);
			loaded = c->conf;
			ncase = 0;
		}
		ncase++;
		r = get_answer(cfg, c->domain);
		snprintf(golden, sizeof(golden), "tb-%s-%s.xml", c->conf,
		    c->domain);
		tu_golden(golden, r->body, r->bodylen);
		w.id = c->domain;
		w.username = c->username;
		w.alternatives = c->alternatives;
		tree = tu_check_clientconfig(r->body, r->bodylen, &w);
		sum = tu_tb_summary(tree);
		if (strcmp(sum, c->summary) != 0) {
			print_error("%s %s:\n--- want\n%s--- got\n%s---\n",
			    c->conf, c->domain, c->summary, sum);
			bad++;
		}
		free(sum);
		mxmlDelete(tree);
		free(r);
	}
	/* Every domain of the last config has a case too. */
	assert_int_equal(config_ndomains(cfg), ncase);
	config_free(cfg);
	assert_int_equal(bad, 0);
}

/* The <domain> texts of an answer, one per line. */
static char *
domain_list(const char *p, size_t n)
{
	mxml_node_t	*tree, *ep, *c;
	char		*out = NULL;
	size_t		 len = 0;
	FILE		*fp;

	tree = tu_parse(p, n);
	ep = tu_child(tu_child(tree, "clientConfig"), "emailProvider");
	assert_non_null(ep);
	fp = open_memstream(&out, &len);
	assert_non_null(fp);
	for (c = mxmlGetFirstChild(ep); c != NULL;
	    c = mxmlGetNextSibling(c))
		if (mxmlGetType(c) == MXML_ELEMENT &&
		    strcmp(mxmlGetElement(c), "domain") == 0)
			fprintf(fp, "%s\n", tu_text(c));
	fclose(fp);
	mxmlDelete(tree);
	return out;
}

/*
 * README, Endpoints: one <domain> per domain the section serves, up to
 * DOMLIST_MAX; past that, the requested one alone rather than a list
 * that would crowd the answer.
 */
static void
test_tb_domain_list(void **state)
{
	static char	 out[RESP_BODY_MAX];
	static char	 names[DOMLIST_MAX + 1][32];
	char		*ptrs[DOMLIST_MAX + 1], *list, want[64];
	struct section	 s;
	size_t		 n;
	unsigned	 i;

	(void)state;
	for (i = 0; i < NELEM(ptrs); i++) {
		snprintf(names[i], sizeof(names[i]), "d%u.example", i);
		ptrs[i] = names[i];
	}
	init_section(&s, "%EMAILADDRESS%");
	s.names = ptrs;
	/* Two names: both, whichever is asked for. */
	s.nnames = 2;
	n = render(&s, NULL, "d1.example", out, sizeof(out));
	list = domain_list(out, n);
	assert_string_equal(list, "d0.example\nd1.example\n");
	free(list);
	/* All DOMLIST_MAX of them. */
	s.nnames = DOMLIST_MAX;
	n = render(&s, NULL, "d5.example", out, sizeof(out));
	list = domain_list(out, n);
	for (i = 0; i < DOMLIST_MAX; i++) {
		snprintf(want, sizeof(want), "d%u.example\n", i);
		assert_true(tu_has(list, strlen(list), want));
	}
	assert_int_equal(count_byte(list, strlen(list), '\n'), DOMLIST_MAX);
	free(list);
	/* One more: only the requested domain. */
	s.nnames = DOMLIST_MAX + 1;
	n = render(&s, NULL, "d7.example", out, sizeof(out));
	list = domain_list(out, n);
	assert_string_equal(list, "d7.example\n");
	free(list);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tb_markers),
		cmocka_unit_test(test_tb_hand_built),
		cmocka_unit_test(test_tb_alias),
		cmocka_unit_test(test_tb_escaping),
		cmocka_unit_test(test_tmpl_expand),
		cmocka_unit_test(test_tb_configs),
		cmocka_unit_test(test_tb_domain_list),
	};

	return cmocka_run_group_tests_name("xmlgen", tests, NULL, NULL);
}
