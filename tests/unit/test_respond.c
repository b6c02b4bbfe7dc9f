/*
 * respond.c: routing and the Thunderbird answers for the sample config
 * etc/mailautoconf.conf, through req_parse and respond() as the CGI loop
 * calls them.  Expectations come from the README's endpoint table and
 * mailautoconf(8) (paths, methods, domain from the address or the Host,
 * 404 for an unknown domain, 405 with Allow, validated addresses) and
 * doc/clients.md (Thunderbird: the answer); the golden files
 * tests/golden/tb-sample-* hold the exact bytes.
 */
#include "testutil.h"

#define CONF_SAMPLE	"etc/mailautoconf.conf"
#define CT_XML		"text/xml; charset=utf-8"
#define CT_TEXT		"text/plain; charset=utf-8"

static struct config	*cfg;
static struct response	*resp;

static int
setup(void **state)
{
	(void)state;
	cfg = tu_load_good(CONF_SAMPLE);
	resp = malloc(sizeof(*resp));
	return cfg != NULL && resp != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	config_free(cfg);
	free(resp);
	return 0;
}

/* Answer a request; its status. */
static enum status
ask(const char *method, const char *uri, const char *host)
{
	struct request	 rq;
	enum status	 st;

	tu_request(&rq, method, uri, host);
	memset(resp, 0x55, offsetof(struct response, bodybuf));
	st = respond(cfg, &rq, resp);
	assert_int_equal(resp->status, st);
	assert_non_null(resp->ctype);
	assert_true(resp->bodylen == 0 || resp->body != NULL);
	return st;
}

/* The body of the last answer as a string (caller frees). */
static char *
body_dup(void)
{
	char	*p;

	p = malloc(resp->bodylen + 1);
	assert_non_null(p);
	memcpy(p, resp->body, resp->bodylen);
	p[resp->bodylen] = '\0';
	return p;
}

/* The last answer is the Thunderbird answer for domain d. */
static void
assert_tb(const char *d)
{
	char	 golden[128];

	assert_int_equal(resp->status, ST_OK);
	assert_string_equal(resp->ctype, CT_XML);
	assert_null(resp->allow);
	assert_null(resp->location);
	snprintf(golden, sizeof(golden), "tb-sample-%s.xml", d);
	tu_golden(golden, resp->body, resp->bodylen);
}

/* ---- the answers ---- */

#define SAMPLE_SERVERS(user) \
	"name Example Mail\nshort Example\n" \
	"imap imap.example.com 993 SSL password-cleartext user=" user "\n" \
	"smtp smtp.example.com 465 SSL password-cleartext user=" user "\n"

static const struct {
	const char	*domain;
	const char	*username;
	const char	*summary;
} sample[] = {
	/* One server per protocol: the implicit-TLS submission server. */
	{ "example.com", "%EMAILADDRESS%",
	    "id example.com\ndomain example.com\ndomain example.net\n"
	    SAMPLE_SERVERS("%EMAILADDRESS%") },
	{ "example.net", "%EMAILADDRESS%",
	    "id example.net\ndomain example.com\ndomain example.net\n"
	    SAMPLE_SERVERS("%EMAILADDRESS%") },
	/* The alias: example.com's servers, local@example.com. */
	{ "example.org", "%EMAILLOCALPART%@example.com",
	    "id example.org\ndomain example.com\ndomain example.net\n"
	    "domain example.org\n"
	    SAMPLE_SERVERS("%EMAILLOCALPART%@example.com") },
};

static void
test_sample_answers(void **state)
{
	struct tb_want	 w;
	mxml_node_t	*tree;
	char		 uri[128], *sum;
	size_t		 i;

	(void)state;
	for (i = 0; i < NELEM(sample); i++) {
		snprintf(uri, sizeof(uri), "/mail/config-v1.1.xml"
		    "?emailaddress=someone%%40%s", sample[i].domain);
		assert_int_equal(ask("GET", uri, "autoconfig.example.com"),
		    ST_OK);
		assert_tb(sample[i].domain);
		w.id = sample[i].domain;
		w.username = sample[i].username;
		w.alternatives = 0;
		tree = tu_check_clientconfig(resp->body, resp->bodylen, &w);
		sum = tu_tb_summary(tree);
		assert_string_equal(sum, sample[i].summary);
		free(sum);
		mxmlDelete(tree);
	}
}

/*
 * The answer depends on the domain only: it never echoes the address
 * (doc/clients.md, Thunderbird: username), and the domain is the
 * address's, lower-cased.
 */
static void
test_no_echo(void **state)
{
	char	*a, *b;

	(void)state;
	assert_int_equal(ask("GET", "/mail/config-v1.1.xml"
	    "?emailaddress=John.Doe%2Btag@Example.COM", NULL), ST_OK);
	a = body_dup();
	assert_null(strstr(a, "John"));
	assert_null(strstr(a, "tag"));
	assert_null(strstr(a, "Example.COM"));
	assert_int_equal(ask("GET", "/mail/config-v1.1.xml"
	    "?emailaddress=x@example.com", NULL), ST_OK);
	b = body_dup();
	assert_string_equal(a, b);
	assert_tb("example.com");
	free(a);
	free(b);
}

/* ---- routing (README, Endpoints; mailautoconf(8)) ---- */

static void
test_paths(void **state)
{
	static const char *const paths[] = {
		"/mail/config-v1.1.xml",
		"/.well-known/autoconfig/mail/config-v1.1.xml",
		"/v1.1/mail/config-v1.1.xml",
		"/.well-known/mail-v1.xml",
		/* Any letter case. */
		"/MAIL/CONFIG-V1.1.XML",
		"/Mail/Config-v1.1.Xml",
		"/.Well-Known/AutoConfig/mail/config-v1.1.xml",
		"/V1.1/mail/config-V1.1.xml",
		"/.WELL-KNOWN/MAIL-V1.XML",
		/* Mounted under a prefix. */
		"/foo/mail/config-v1.1.xml",
		"/cgi-bin/mailautoconf/.well-known/mail-v1.xml",
		"/a/b/c/.well-known/autoconfig/mail/config-v1.1.xml",
		/* Decoded and squeezed before matching. */
		"//mail//config-v1.1.xml",
		"/mail%2Fconfig-v1.1.xml",
		"/%6Dail/config-v1.1.xml",
	};
	char	 uri[256];
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(paths); i++) {
		snprintf(uri, sizeof(uri), "%s?emailaddress=u@example.com",
		    paths[i]);
		if (ask("GET", uri, NULL) != ST_OK)
			fail_msg("%s: %d", paths[i], resp->status);
		assert_tb("example.com");
	}
}

static void
test_not_found(void **state)
{
	/* "/" is the setup page (test_page.c). */
	static const char *const paths[] = {
		"/index.html",
		"/nothing/here",
		"/mail/config-v1.1.xml.bak",
		"/mail/config-v1.1.xmlx",
		"/mail/config-v1.1",
		"/mailconfig-v1.1.xml",
		"/mail/config-v1.0.xml",
		"/.well-known/mail-v2.xml",
		"/mail/config-v1.1.xml/",
		"/config-v1.1.xml",
	};
	char	 uri[256];
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(paths); i++) {
		snprintf(uri, sizeof(uri), "%s?emailaddress=u@example.com",
		    paths[i]);
		if (ask("GET", uri, "example.com") != ST_NOTFOUND)
			fail_msg("%s: %d", paths[i], resp->status);
		assert_string_equal(resp->ctype, CT_TEXT);
		assert_non_null(resp->why);
	}
	/* An unconfigured domain: 404, so the client moves on. */
	assert_int_equal(ask("GET", "/mail/config-v1.1.xml"
	    "?emailaddress=u@example.invalid", "example.com"), ST_NOTFOUND);
	assert_int_equal(ask("GET", "/mail/config-v1.1.xml", "example.edu"),
	    ST_NOTFOUND);
	/* A subdomain is another domain. */
	assert_int_equal(ask("GET", "/mail/config-v1.1.xml"
	    "?emailaddress=u@mail.example.com", NULL), ST_NOTFOUND);
	/* Only one leading autoconfig. label goes. */
	assert_int_equal(ask("GET", "/.well-known/mail-v1.xml",
	    "www.autoconfig.example.com"), ST_NOTFOUND);
}

static void
test_methods(void **state)
{
	static const char *const bad[] = { "POST", "PUT", "DELETE",
	    "OPTIONS", "get", "BREW" };
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		if (ask(bad[i], "/mail/config-v1.1.xml"
		    "?emailaddress=u@example.com", NULL) != ST_BADMETHOD)
			fail_msg("%s: %d", bad[i], resp->status);
		assert_non_null(resp->allow);
		assert_string_equal(resp->allow, "GET, HEAD");
		assert_string_equal(resp->ctype, CT_TEXT);
	}
	assert_int_equal(ask("POST", "/.well-known/mail-v1.xml", NULL),
	    ST_BADMETHOD);
	assert_string_equal(resp->allow, "GET, HEAD");

	/* HEAD: the same answer, marked headers-only. */
	assert_int_equal(ask("HEAD", "/mail/config-v1.1.xml"
	    "?emailaddress=u@example.com", NULL), ST_OK);
	assert_true(resp->headonly);
	assert_tb("example.com");
	assert_int_equal(ask("GET", "/mail/config-v1.1.xml"
	    "?emailaddress=u@example.com", NULL), ST_OK);
	assert_false(resp->headonly);
}

/* HEAD answers exactly the headers of GET. */
static void
test_head_headers(void **state)
{
	char	 get[RESP_HEAD_MAX], head[RESP_HEAD_MAX];
	size_t	 gl, hl;

	(void)state;
	assert_int_equal(ask("GET", "/mail/config-v1.1.xml", "example.net"),
	    ST_OK);
	gl = resp_head(resp, get, sizeof(get));
	assert_true(gl > 0);
	assert_int_equal(ask("HEAD", "/mail/config-v1.1.xml", "example.net"),
	    ST_OK);
	hl = resp_head(resp, head, sizeof(head));
	assert_int_equal(gl, hl);
	assert_memory_equal(get, head, gl);
}

/* emailaddress is optional; without it the Host names the domain. */
static void
test_host_domain(void **state)
{
	static const struct {
		const char	*host;
		const char	*domain;
	} hosts[] = {
		{ "example.com", "example.com" },
		{ "autoconfig.example.com", "example.com" },
		{ "AutoConfig.Example.NET:8443", "example.net" },
		{ "autodiscover.example.org", "example.org" },
		{ "example.org.", "example.org" },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(hosts); i++) {
		if (ask("GET", "/mail/config-v1.1.xml", hosts[i].host) !=
		    ST_OK)
			fail_msg("Host %s: %d", hosts[i].host, resp->status);
		assert_tb(hosts[i].domain);
	}
	/* Other parameters (Evolution's emailmd5) are ignored. */
	assert_int_equal(ask("GET", "/.well-known/autoconfig/mail/"
	    "config-v1.1.xml?emailmd5=0123456789abcdef", "example.com"),
	    ST_OK);
	assert_tb("example.com");
	/* The address wins over the Host. */
	assert_int_equal(ask("GET", "/mail/config-v1.1.xml"
	    "?emailaddress=u@example.net", "autoconfig.example.org"), ST_OK);
	assert_tb("example.net");
	/* The key is case-insensitive, its first occurrence counts. */
	assert_int_equal(ask("GET", "/mail/config-v1.1.xml"
	    "?EmailAddress=u@example.org&emailaddress=u@example.invalid",
	    NULL), ST_OK);
	assert_tb("example.org");
}

static void
test_bad_requests(void **state)
{
	static const char *const queries[] = {
		"emailaddress=not-an-address",
		"emailaddress=a@b@example.com",
		"emailaddress=u@example.com%00",
		"emailaddress=u%00@example.com",
		"emailaddress=%zz",
		"emailaddress=%4",
		"emailaddress=%22u%22@example.com",
		"emailaddress=u%20v@example.com",
		"emailaddress=u@example.com%0D%0AX:1",
		"emailaddress=u@b%C3%BCcher.example",
		"emailaddress=u@example..com",
		"emailaddress=.u@example.com",
		"emailaddress=<u@example.com>",
	};
	char	 uri[256];
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(queries); i++) {
		snprintf(uri, sizeof(uri), "/mail/config-v1.1.xml?%s",
		    queries[i]);
		/* Even with a usable Host: a bad address is a bad request. */
		if (ask("GET", uri, "example.com") != ST_BADREQ)
			fail_msg("%s: %d", queries[i], resp->status);
		assert_string_equal(resp->ctype, CT_TEXT);
		assert_non_null(resp->why);
	}
	/* No address and no (usable) Host. */
	assert_int_equal(ask("GET", "/mail/config-v1.1.xml", NULL),
	    ST_BADREQ);
	assert_int_equal(ask("GET", "/mail/config-v1.1.xml", "192.0.2.1"),
	    ST_BADREQ);
	assert_int_equal(ask("GET", "/mail/config-v1.1.xml", "[::1]:80"),
	    ST_BADREQ);
	assert_int_equal(ask("GET", "/mail/config-v1.1.xml", "bad_host"),
	    ST_BADREQ);
	assert_int_equal(ask("HEAD", "/.well-known/mail-v1.xml?emailmd5=x",
	    ""), ST_BADREQ);
}

/* ---- the header block ---- */

static void
test_resp_head(void **state)
{
	char	 out[RESP_HEAD_MAX], want[256];
	size_t	 n;

	(void)state;
	assert_int_equal(ask("GET", "/mail/config-v1.1.xml", "example.com"),
	    ST_OK);
	n = resp_head(resp, out, sizeof(out));
	snprintf(want, sizeof(want), "Status: 200 OK\r\n"
	    "Content-Type: text/xml; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n\r\n", resp->bodylen);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, n);
	/* Too small a buffer: 0, not a cut header. */
	assert_int_equal(resp_head(resp, out, n - 1), 0);
	assert_int_equal(resp_head(resp, out, n), n);

	assert_int_equal(ask("POST", "/mail/config-v1.1.xml", "example.com"),
	    ST_BADMETHOD);
	n = resp_head(resp, out, sizeof(out));
	snprintf(want, sizeof(want), "Status: 405 Method Not Allowed\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n"
	    "Allow: GET, HEAD\r\n\r\n", resp->bodylen);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, n);

	assert_int_equal(ask("GET", "/nothing", "example.com"), ST_NOTFOUND);
	n = resp_head(resp, out, sizeof(out));
	snprintf(want, sizeof(want), "Status: 404 Not Found\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n\r\n", resp->bodylen);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, n);
	/* Error answers carry a short body. */
	assert_true(resp->bodylen > 0);
	assert_memory_equal(resp->body, "404 Not Found\n", resp->bodylen);

	assert_int_equal(ask("GET", "/mail/config-v1.1.xml", NULL),
	    ST_BADREQ);
	n = resp_head(resp, out, sizeof(out));
	assert_true(n > 0);
	assert_memory_equal(out, "Status: 400 Bad Request\r\n", 25);
}

static void
test_status_reason(void **state)
{
	(void)state;
	assert_string_equal(status_reason(ST_OK), "OK");
	assert_string_equal(status_reason(ST_MOVED), "Moved Permanently");
	assert_string_equal(status_reason(ST_TEMPREDIR),
	    "Temporary Redirect");
	assert_string_equal(status_reason(ST_BADREQ), "Bad Request");
	assert_string_equal(status_reason(ST_NOTFOUND), "Not Found");
	assert_string_equal(status_reason(ST_BADMETHOD),
	    "Method Not Allowed");
	assert_string_equal(status_reason(ST_TOOLARGE), "Content Too Large");
	assert_string_equal(status_reason(ST_URITOOLONG), "URI Too Long");
	assert_string_equal(status_reason(ST_INTERNAL),
	    "Internal Server Error");
	/* Never NULL. */
	assert_non_null(status_reason(ST_NONE));
	assert_non_null(status_reason((enum status)299));
	assert_non_null(status_reason(STATUS_MAX));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_answers),
		cmocka_unit_test(test_no_echo),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_head_headers),
		cmocka_unit_test(test_host_domain),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_resp_head),
		cmocka_unit_test(test_status_reason),
	};

	return cmocka_run_group_tests_name("respond", tests, setup,
	    teardown);
}
