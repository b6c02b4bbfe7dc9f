/*
 * JMAP, CalDAV and CardDAV: the /.well-known/jmap, /.well-known/caldav
 * and /.well-known/carddav redirects (README, Endpoints; mailautoconf(8))
 * and the CalDAV / CardDAV entries of the Thunderbird answer
 * (doc/clients.md, Thunderbird: DAV) and of the Outlook answer, all
 * through respond() as the FastCGI loop calls it.  Configs:
 * etc/mailautoconf.conf (the sample: JMAP only), tests/conf/apple-dav.conf
 * (CalDAV/CardDAV with %EMAILDOMAIN% and port 8443, JMAP, an alias),
 * tests/conf/apple-pop.conf (CardDAV over http, an alias) and
 * tests/conf/apple-escape.conf (XML metacharacters in a URL and in the
 * username template).  The Apple profile's DAV payloads are tested with
 * the profiles, in test_apple.c.
 */
#include "testutil.h"
#include "ask.h"

#define CONF_SAMPLE	"etc/mailautoconf.conf"
#define CONF_DAV	"tests/conf/apple-dav.conf"
#define CONF_POP	"tests/conf/apple-pop.conf"
#define CONF_ESC	"tests/conf/apple-escape.conf"

#define CT_TEXT		"text/plain; charset=utf-8"
#define CT_XML		"text/xml; charset=utf-8"


/* ---- redirects ---- */

struct redir_case {
	const char	*conf;
	const char	*method;
	const char	*uri;
	const char	*host;
	enum status	 want;
	const char	*location;	/* NULL: none */
};

static const struct redir_case redirs[] = {
	/* The sample: JMAP only. */
	{ CONF_SAMPLE, "GET", "/.well-known/jmap", "example.com",
	    ST_TEMPREDIR, "https://mail.example.com/jmap/session" },
	{ CONF_SAMPLE, "HEAD", "/.well-known/jmap", "example.com",
	    ST_TEMPREDIR, "https://mail.example.com/jmap/session" },
	{ CONF_SAMPLE, "GET", "/.Well-Known/JMAP", "EXAMPLE.NET:8080",
	    ST_TEMPREDIR, "https://mail.example.com/jmap/session" },
	{ CONF_SAMPLE, "GET", "/.well-known/jmap?emailaddress=a%40b.example",
	    "autoconfig.example.org", ST_TEMPREDIR,
	    "https://mail.example.com/jmap/session" },
	{ CONF_SAMPLE, "GET", "//.well-known//jmap", "example.com",
	    ST_TEMPREDIR, "https://mail.example.com/jmap/session" },
	{ CONF_SAMPLE, "GET", "/.well-known/caldav", "example.com",
	    ST_NOTFOUND, NULL },
	{ CONF_SAMPLE, "GET", "/.well-known/carddav", "example.com",
	    ST_NOTFOUND, NULL },
	{ CONF_SAMPLE, "HEAD", "/.well-known/carddav", "example.com",
	    ST_NOTFOUND, NULL },
	{ CONF_SAMPLE, "GET", "/.well-known/jmap", "example.invalid",
	    ST_NOTFOUND, NULL },
	{ CONF_SAMPLE, "GET", "/.well-known/jmap", NULL, ST_BADREQ, NULL },
	{ CONF_SAMPLE, "GET", "/.well-known/jmap", "192.0.2.1", ST_BADREQ,
	    NULL },
	{ CONF_SAMPLE, "POST", "/.well-known/jmap", "example.com",
	    ST_BADMETHOD, NULL },
	{ CONF_SAMPLE, "DELETE", "/.well-known/caldav", "example.com",
	    ST_BADMETHOD, NULL },
	{ CONF_SAMPLE, "GET", "/.well-known/jmap/x", "example.com",
	    ST_NOTFOUND, NULL },
	/* DAV: %EMAILDOMAIN% expanded, the port and query kept. */
	{ CONF_DAV, "GET", "/.well-known/jmap", "dav.example", ST_TEMPREDIR,
	    "https://jmap.dav.example/jmap/session" },
	{ CONF_DAV, "GET", "/.well-known/caldav", "dav.example", ST_MOVED,
	    "https://dav.dav.example:8443/caldav/dav.example/" },
	{ CONF_DAV, "HEAD", "/.well-known/caldav", "dav.example", ST_MOVED,
	    "https://dav.dav.example:8443/caldav/dav.example/" },
	{ CONF_DAV, "GET", "/.well-known/carddav", "autodiscover.dav.example",
	    ST_MOVED, "https://dav.dav.example/carddav/?a=1&b=2" },
	{ CONF_DAV, "GET", "/.well-known/CardDAV", "dav.example", ST_MOVED,
	    "https://dav.dav.example/carddav/?a=1&b=2" },
	/* An alias: the target's URLs. */
	{ CONF_DAV, "GET", "/.well-known/caldav", "alias.example", ST_MOVED,
	    "https://dav.dav.example:8443/caldav/dav.example/" },
	{ CONF_DAV, "GET", "/.well-known/jmap", "alias.example",
	    ST_TEMPREDIR, "https://jmap.dav.example/jmap/session" },
	{ CONF_DAV, "POST", "/.well-known/carddav", "dav.example",
	    ST_BADMETHOD, NULL },
	/* POP: CardDAV over http only. */
	{ CONF_POP, "GET", "/.well-known/carddav", "pop.example", ST_MOVED,
	    "http://contacts.pop.example/card/pop.example" },
	{ CONF_POP, "GET", "/.well-known/carddav", "popalias.example",
	    ST_MOVED, "http://contacts.pop.example/card/pop.example" },
	{ CONF_POP, "GET", "/.well-known/caldav", "pop.example", ST_NOTFOUND,
	    NULL },
	{ CONF_POP, "GET", "/.well-known/jmap", "pop.example", ST_NOTFOUND,
	    NULL },
	{ CONF_POP, "GET", "/.well-known/caldav", "plain.example", ST_MOVED,
	    "https://cal.plain.example/" },
	{ CONF_POP, "GET", "/.well-known/jmap", "plain.example", ST_NOTFOUND,
	    NULL },
};

static void
test_redirects(void **state)
{
	const struct redir_case *c;
	struct response	*r;
	char		 head[RESP_HEAD_MAX], want[RESP_HEAD_MAX];
	size_t		 i;

	(void)state;
	for (i = 0; i < NELEM(redirs); i++) {
		c = &redirs[i];
		r = ask(c->conf, c->method, c->uri, c->host, NULL);
		if (r->status != c->want)
			fail_msg("%s %s (Host %s) on %s: %d, want %d",
			    c->method, c->uri, c->host ? c->host : "-",
			    c->conf, (int)r->status, (int)c->want);
		assert_int_equal(r->headonly, strcmp(c->method, "HEAD") == 0);
		assert_null(r->attachment);
		/* A short text body: mod_proxy_fcgi needs one. */
		assert_short_text(r);
		head_of(r, head, sizeof(head));
		if (c->location != NULL) {
			assert_non_null(r->location);
			assert_string_equal(r->location, c->location);
			assert_null(r->allow);
			snprintf(want, sizeof(want), "Status: %d %s\r\n"
			    "Content-Type: " CT_TEXT "\r\n"
			    "Content-Length: %zu\r\nLocation: %s\r\n\r\n",
			    (int)c->want, status_reason(c->want), r->bodylen,
			    c->location);
			assert_string_equal(head, want);
		} else
			assert_null(r->location);
		if (c->want == ST_BADMETHOD) {
			assert_non_null(r->allow);
			assert_string_equal(r->allow, "GET, HEAD");
			assert_non_null(strstr(head,
			    "\r\nAllow: GET, HEAD\r\n"));
		} else
			assert_null(r->allow);
		drop(r);
	}
}

/* Reason phrases of the redirect statuses. */
static void
test_reasons(void **state)
{
	(void)state;
	assert_string_equal(status_reason(ST_TEMPREDIR),
	    "Temporary Redirect");
	assert_string_equal(status_reason(ST_MOVED), "Moved Permanently");
}

/* ---- DAV in the Thunderbird and Outlook answers ---- */

struct tbdav_want {
	const char	*conf;
	const char	*uri;
	const char	*host;
	const char	*username;	/* in every server, DAV element */
	const char	*carddav;	/* serverURL, or NULL: none */
	const char	*caldav;
};

static const struct tbdav_want tbdavs[] = {
	{ CONF_DAV, "/mail/config-v1.1.xml?emailaddress=carol%40dav.example",
	    NULL, "%EMAILADDRESS%",
	    "https://dav.dav.example/carddav/?a=1&b=2",
	    "https://dav.dav.example:8443/caldav/dav.example/" },
	{ CONF_DAV, "/.well-known/autoconfig/mail/config-v1.1.xml",
	    "autoconfig.dav.example", "%EMAILADDRESS%",
	    "https://dav.dav.example/carddav/?a=1&b=2",
	    "https://dav.dav.example:8443/caldav/dav.example/" },
	{ CONF_DAV, "/mail/config-v1.1.xml", "alias.example",
	    "%EMAILLOCALPART%@dav.example",
	    "https://dav.dav.example/carddav/?a=1&b=2",
	    "https://dav.dav.example:8443/caldav/dav.example/" },
	{ CONF_POP, "/mail/config-v1.1.xml", "pop.example",
	    "%EMAILLOCALPART%",
	    "http://contacts.pop.example/card/pop.example", NULL },
	{ CONF_POP, "/.well-known/mail-v1.xml", "popalias.example",
	    "%EMAILLOCALPART%",
	    "http://contacts.pop.example/card/pop.example", NULL },
	{ CONF_POP, "/mail/config-v1.1.xml", "plain.example",
	    "%EMAILADDRESS%", NULL, "https://cal.plain.example/" },
	{ CONF_SAMPLE, "/mail/config-v1.1.xml", "example.com",
	    "%EMAILADDRESS%", NULL, NULL },
	{ CONF_ESC, "/mail/config-v1.1.xml", "esc.example",
	    "%EMAILLOCALPART%+<mail>&co", NULL,
	    "https://dav.esc.example/cal/?u=esc.example&x=1" },
};

/* One <addressBook> or <calendar> (doc/clients.md, Thunderbird: DAV). */
static void
check_tb_dav(mxml_node_t *el, const char *type, const char *user,
    const char *url)
{
	mxml_node_t	*c;
	int		 n = 0;

	assert_int_equal(mxmlElementGetAttrCount(el), 1);
	assert_string_equal(mxmlElementGetAttr(el, "type"), type);
	assert_int_equal(tu_count(el, "username"), 1);
	assert_int_equal(tu_count(el, "authentication"), 1);
	assert_int_equal(tu_count(el, "serverURL"), 1);
	assert_string_equal(tu_text(tu_child(el, "username")), user);
	assert_string_equal(tu_text(tu_child(el, "authentication")),
	    "http-basic");
	assert_string_equal(tu_text(tu_child(el, "serverURL")), url);
	for (c = first_elem(el); c != NULL;
	    c = next_elem(mxmlGetNextSibling(c)))
		n++;
	assert_int_equal(n, 3);
}

static void
test_thunderbird_dav(void **state)
{
	const struct tbdav_want *w;
	struct response	*r;
	mxml_node_t	*tree, *root, *c, *sv;
	const char	*names[4];
	size_t		 i, n;

	(void)state;
	for (i = 0; i < NELEM(tbdavs); i++) {
		w = &tbdavs[i];
		r = ask(w->conf, "GET", w->uri, w->host, NULL);
		if (r->status != ST_OK)
			fail_msg("%s on %s: %d", w->uri, w->conf,
			    (int)r->status);
		assert_string_equal(r->ctype, CT_XML);
		tree = parse_xml(r->body, r->bodylen);
		root = mxmlFindElement(tree, tree, "clientConfig", NULL, NULL,
		    MXML_DESCEND);
		assert_non_null(root);
		/* emailProvider, then addressBook, then calendar. */
		for (n = 0, c = first_elem(root); c != NULL;
		    c = next_elem(mxmlGetNextSibling(c))) {
			assert_true(n < NELEM(names));
			names[n++] = mxmlGetElement(c);
		}
		assert_int_equal(n, 1 + (w->carddav != NULL) +
		    (w->caldav != NULL));
		assert_string_equal(names[0], "emailProvider");
		c = next_elem(mxmlGetNextSibling(first_elem(root)));
		if (w->carddav != NULL) {
			assert_string_equal(mxmlGetElement(c), "addressBook");
			check_tb_dav(c, "carddav", w->username, w->carddav);
			c = next_elem(mxmlGetNextSibling(c));
		}
		if (w->caldav != NULL) {
			assert_string_equal(mxmlGetElement(c), "calendar");
			check_tb_dav(c, "caldav", w->username, w->caldav);
			c = next_elem(mxmlGetNextSibling(c));
		}
		assert_null(c);
		/* The mail servers keep their own rules. */
		for (sv = first_elem(first_elem(root)); sv != NULL;
		    sv = next_elem(mxmlGetNextSibling(sv))) {
			if (strcmp(mxmlGetElement(sv), "incomingServer") == 0 ||
			    strcmp(mxmlGetElement(sv), "outgoingServer") == 0)
				assert_string_equal(tu_text(tu_child(sv,
				    "username")), w->username);
		}
		tu_check_nonempty(root);
		drop(tree);
		drop(r);
	}
}

struct oldav_want {
	const char	*conf;
	const char	*addr;		/* NULL: GET for the Host */
	const char	*host;
	const char	*login;		/* LoginName everywhere */
	const char	*types[6];	/* Protocol Types in order */
	const char	*caldav;	/* its Server, or NULL */
	const char	*carddav;
	const char	*dav_ssl;	/* "on" or "off" for the DAV ones */
};

static const struct oldav_want oldavs[] = {
	{ CONF_DAV, "carol@dav.example", NULL, "carol@dav.example",
	    { "IMAP", "SMTP", "CalDAV", "CardDAV", NULL },
	    "https://dav.dav.example:8443/caldav/dav.example/",
	    "https://dav.dav.example/carddav/?a=1&b=2", "on" },
	{ CONF_DAV, "Dave@alias.example", NULL, "Dave@dav.example",
	    { "IMAP", "SMTP", "CalDAV", "CardDAV", NULL },
	    "https://dav.dav.example:8443/caldav/dav.example/",
	    "https://dav.dav.example/carddav/?a=1&b=2", "on" },
	{ CONF_DAV, NULL, "autodiscover.dav.example", NULL,
	    { "IMAP", "SMTP", "CalDAV", "CardDAV", NULL },
	    "https://dav.dav.example:8443/caldav/dav.example/",
	    "https://dav.dav.example/carddav/?a=1&b=2", "on" },
	{ CONF_POP, "erin@pop.example", NULL, "erin",
	    { "POP3", "SMTP", "CardDAV", NULL }, NULL,
	    "http://contacts.pop.example/card/pop.example", "off" },
	{ CONF_POP, "frank@plain.example", NULL, "frank@plain.example",
	    { "IMAP", "SMTP", "CalDAV", NULL }, "https://cal.plain.example/",
	    NULL, "on" },
	{ CONF_SAMPLE, "alice@example.com", NULL, "alice@example.com",
	    { "IMAP", "SMTP", NULL }, NULL, NULL, NULL },
	{ CONF_ESC, "bob@esc.example", NULL, "bob+<mail>&co",
	    { "IMAP", "SMTP", "CalDAV", NULL },
	    "https://dav.esc.example/cal/?u=esc.example&x=1", NULL, "on" },
};

static void
test_outlook_dav(void **state)
{
	static const char fmt[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
	    "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/"
	    "autodiscover/outlook/requestschema/2006\"><Request>"
	    "<EMailAddress>%s</EMailAddress><AcceptableResponseSchema>"
	    "http://schemas.microsoft.com/exchange/autodiscover/outlook/"
	    "responseschema/2006a</AcceptableResponseSchema></Request>"
	    "</Autodiscover>";
	const struct oldav_want *w;
	struct response	*r;
	mxml_node_t	*tree, *acct, *p;
	const char	*type, *server;
	char		 body[1024];
	size_t		 i, n;

	(void)state;
	for (i = 0; i < NELEM(oldavs); i++) {
		w = &oldavs[i];
		if (w->addr != NULL) {
			snprintf(body, sizeof(body), fmt, w->addr);
			r = ask(w->conf, "POST",
			    "/autodiscover/autodiscover.xml", w->host, body);
		} else
			r = ask(w->conf, "GET",
			    "/Autodiscover/Autodiscover.xml", w->host, NULL);
		if (r->status != ST_OK)
			fail_msg("autodiscover %s on %s: %d", w->addr ?
			    w->addr : w->host, w->conf, (int)r->status);
		tree = parse_xml(r->body, r->bodylen);
		acct = mxmlFindElement(tree, tree, "Account", NULL, NULL,
		    MXML_DESCEND);
		assert_non_null(acct);
		for (n = 0, p = first_elem(acct); p != NULL;
		    p = next_elem(mxmlGetNextSibling(p))) {
			if (strcmp(mxmlGetElement(p), "Protocol") != 0)
				continue;
			assert_non_null(w->types[n]);
			type = tu_text(tu_child(p, "Type"));
			assert_string_equal(type, w->types[n]);
			n++;
			assert_int_equal(tu_count(p, "LoginName"),
			    w->login != NULL);
			if (w->login != NULL)
				assert_string_equal(tu_text(tu_child(p,
				    "LoginName")), w->login);
			if (strcmp(type, "CalDAV") != 0 &&
			    strcmp(type, "CardDAV") != 0)
				continue;
			server = tu_text(tu_child(p, "Server"));
			assert_string_equal(server, strcmp(type, "CalDAV") ==
			    0 ? w->caldav : w->carddav);
			assert_string_equal(tu_text(tu_child(p, "SSL")),
			    w->dav_ssl);
			assert_string_equal(tu_text(tu_child(p, "SPA")), "off");
			assert_string_equal(tu_text(tu_child(p,
			    "AuthRequired")), "on");
			assert_string_equal(tu_text(tu_child(p,
			    "DomainRequired")), "off");
			/* No mail-only elements, no empty ones. */
			assert_int_equal(tu_count(p, "Port"), 0);
			assert_int_equal(tu_count(p, "Encryption"), 0);
		}
		assert_null(w->types[n]);
		tu_check_nonempty(acct);
		drop(tree);
		drop(r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_redirects, drop_all),
		cmocka_unit_test_teardown(test_reasons, drop_all),
		cmocka_unit_test_teardown(test_thunderbird_dav, drop_all),
		cmocka_unit_test_teardown(test_outlook_dav, drop_all),
	};

	body_init();
	return cmocka_run_group_tests_name("dav", tests, NULL,
	    teardown_confs);
}
