/*
 * request.c: table tests of the request parsers.  Every expectation
 * comes from mailautoconf(8) (Endpoints, LIMITS) and RFC 5321/5322
 * (dot-atom local parts, 64-byte local part, 254-byte path), RFC 1035
 * (letter-digit-hyphen labels of 1..63 bytes, 253-byte names) and
 * RFC 3629 (strict UTF-8).
 */
#include "testutil.h"

/* ---- req_path ---- */

struct path_case {
	const char	*in;
	size_t		 outsz;	/* 0: URI_MAX + 1 */
	const char	*want;	/* NULL: -1 */
};

static const struct path_case path_cases[] = {
	{ "/mail/config-v1.1.xml", 0, "/mail/config-v1.1.xml" },
	{ "", 0, "" },
	{ "/", 0, "/" },
	{ "/Mail/Config-V1.1.XML", 0, "/Mail/Config-V1.1.XML" },
	{ "/mail%2Fconfig-v1.1.xml", 0, "/mail/config-v1.1.xml" },
	{ "/mail%2fconfig-v1.1.xml", 0, "/mail/config-v1.1.xml" },
	{ "/%6D%61%69%6C", 0, "/mail" },
	{ "/a%20b", 0, "/a b" },
	{ "/a+b", 0, "/a+b" },		/* '+' is not a space in a path */
	{ "/%25", 0, "/%" },
	{ "/%2541", 0, "/%41" },	/* decoded once only */
	{ "/caf%C3%A9", 0, "/caf\xc3\xa9" },
	/* Runs of '/' are squeezed, also decoded ones. */
	{ "//mail///config-v1.1.xml", 0, "/mail/config-v1.1.xml" },
	{ "/a//b//", 0, "/a/b/" },
	{ "/a/%2F/b", 0, "/a/b" },
	{ "%2F%2F%2Fmail", 0, "/mail" },
	/* %00 and bad escapes. */
	{ "/a%00b", 0, NULL },
	{ "%00", 0, NULL },
	{ "/a%zz", 0, NULL },
	{ "/a%4", 0, NULL },
	{ "/a%", 0, NULL },
	{ "/a%4g", 0, NULL },
	{ "/a%g4", 0, NULL },
	{ "/a%%41", 0, NULL },
	{ "/a% 41", 0, NULL },
	/* Overflow: the result and its NUL must fit outsz. */
	{ "/abcd", 6, "/abcd" },
	{ "/abcd", 5, NULL },
	{ "/%61%62%63%64", 6, "/abcd" },
	{ "/%61%62%63%64", 5, NULL },
	{ "/a", 1, NULL },
};

static void
test_path(void **state)
{
	const struct path_case *c;
	char	 out[URI_MAX + 1];
	size_t	 i, outlen, sz;
	int	 rc, bad = 0;

	(void)state;
	for (i = 0; i < NELEM(path_cases); i++) {
		c = &path_cases[i];
		sz = c->outsz ? c->outsz : sizeof(out);
		outlen = 12345;
		memset(out, 'Z', sizeof(out));
		rc = req_path(c->in, strlen(c->in), out, sz, &outlen);
		if (c->want == NULL ? rc != -1 : (rc != 0 ||
		    outlen != strlen(c->want) || strcmp(out, c->want) != 0)) {
			print_error("req_path %zu '%s': rc %d '%.*s'\n", i,
			    c->in, rc, rc == 0 ? (int)outlen : 0, out);
			bad++;
		}
		/* Never a byte past outsz. */
		if (sz < sizeof(out) && out[sz] != 'Z') {
			print_error("req_path %zu wrote past outsz\n", i);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	/* A raw NUL inside the n bytes is refused like %00. */
	assert_int_equal(req_path("/a\0b", 4, out, sizeof(out), &outlen), -1);
	/* Only n bytes are read. */
	assert_int_equal(req_path("/abc%zz", 4, out, sizeof(out), &outlen), 0);
	assert_string_equal(out, "/abc");
}

/* ---- req_query ---- */

struct query_case {
	const char	*q;
	const char	*key;
	size_t		 outsz;	/* 0: EMAIL_MAX + 1 */
	int		 rc;
	const char	*want;
};

static const struct query_case query_cases[] = {
	{ "emailaddress=user@example.com", "emailaddress", 0, 16,
	    "user@example.com" },
	{ "emailaddress=user%40example.com", "emailaddress", 0, 16,
	    "user@example.com" },
	/* Keys compare ASCII case-insensitively. */
	{ "EmailAddress=user@example.com", "emailaddress", 0, 16,
	    "user@example.com" },
	{ "EMAILADDRESS=user@example.com", "emailaddress", 0, 16,
	    "user@example.com" },
	{ "email=x&Protocol=ActiveSync", "protocol", 0, 10, "ActiveSync" },
	/* The first occurrence wins. */
	{ "emailaddress=first@a.example&emailaddress=second@b.example",
	    "emailaddress", 0, 15, "first@a.example" },
	{ "emailaddress=%zz&emailaddress=second@b.example",
	    "emailaddress", 0, -2, NULL },
	{ "emailmd5=abc&emailaddress=u@example.com", "emailaddress", 0, 13,
	    "u@example.com" },
	{ "&&emailaddress=v&", "emailaddress", 0, 1, "v" },
	/* '+' stays '+': it is common in local parts. */
	{ "emailaddress=user+tag@example.com", "emailaddress", 0, 20,
	    "user+tag@example.com" },
	{ "emailaddress=user%2Btag@example.com", "emailaddress", 0, 20,
	    "user+tag@example.com" },
	{ "emailaddress=a=b", "emailaddress", 0, 3, "a=b" },
	{ "emailaddress=", "emailaddress", 0, 0, "" },
	/* Absent. */
	{ "", "emailaddress", 0, -1, NULL },
	{ "emailaddress", "emailaddress", 0, -1, NULL },
	{ "emailaddressx=a@b.c", "emailaddress", 0, -1, NULL },
	{ "xemailaddress=a@b.c", "emailaddress", 0, -1, NULL },
	{ "email=a@b.c", "emailaddress", 0, -1, NULL },
	{ "emailaddress%3Da@b.c", "emailaddress", 0, -1, NULL },
	/* Malformed values. */
	{ "emailaddress=%zz", "emailaddress", 0, -2, NULL },
	{ "emailaddress=a%4", "emailaddress", 0, -2, NULL },
	{ "emailaddress=a%", "emailaddress", 0, -2, NULL },
	{ "emailaddress=a%00b", "emailaddress", 0, -2, NULL },
	/* Too long for out. */
	{ "emailaddress=abcd", "emailaddress", 5, 4, "abcd" },
	{ "emailaddress=abcde", "emailaddress", 5, -2, NULL },
	{ "emailaddress=%61%62%63%64%65", "emailaddress", 5, -2, NULL },
};

static void
test_query(void **state)
{
	const struct query_case *c;
	char	 out[EMAIL_MAX + 1];
	size_t	 i;
	int	 rc, bad = 0;

	(void)state;
	for (i = 0; i < NELEM(query_cases); i++) {
		c = &query_cases[i];
		memset(out, 'Z', sizeof(out));
		rc = req_query(c->q, c->key, out,
		    c->outsz ? c->outsz : sizeof(out));
		if (rc != c->rc || (c->want != NULL &&
		    strcmp(out, c->want) != 0)) {
			print_error("req_query %zu '%s' [%s]: rc %d, want %d\n",
			    i, c->q, c->key, rc, c->rc);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	assert_int_equal(req_query(NULL, "emailaddress", out, sizeof(out)),
	    -1);
}

/* ---- req_host ---- */

struct host_case {
	const char	*in;
	const char	*want;	/* NULL: -1 */
};

static const struct host_case host_cases[] = {
	{ "example.com", "example.com" },
	{ "Example.COM", "example.com" },
	{ "example.com:8080", "example.com" },
	{ "example.com:443", "example.com" },
	{ "example.com.", "example.com" },
	{ "autoconfig.example.com", "example.com" },
	{ "AutoConfig.Example.Com:443", "example.com" },
	{ "autodiscover.example.com", "example.com" },
	{ "AUTODISCOVER.EXAMPLE.COM:80", "example.com" },
	/* One leading label only, and only a leading one. */
	{ "autoconfig.autodiscover.example.com", "autodiscover.example.com" },
	{ "mail.autoconfig.example.com", "mail.autoconfig.example.com" },
	{ "autoconfigexample.com", "autoconfigexample.com" },
	{ "xn--bcher-kva.example", "xn--bcher-kva.example" },
	/* Absent, IP literals, garbage. */
	{ "", NULL },
	{ "192.0.2.1", NULL },
	{ "192.0.2.1:8080", NULL },
	{ "127.0.0.1", NULL },
	{ "[::1]", NULL },
	{ "[::1]:8080", NULL },
	{ "[2001:db8::1]:443", NULL },
	{ "exa mple.com", NULL },
	{ "exa_mple.com", NULL },
	{ "example.com/evil", NULL },
	{ "user@example.com", NULL },
	{ "b\xc3\xbc" "cher.example", NULL },
	{ "-example.com", NULL },
	{ "example..com", NULL },
	/* Bad port characters. */
	{ "example.com:80a", NULL },
	{ "example.com:-1", NULL },
	{ "example.com:+80", NULL },
	{ "example.com: 80", NULL },
	{ "example.com:80:80", NULL },
	{ "example.com:http", NULL },
	/* Over HOST_MAX, or a domain over 253. */
	{ D254, NULL },
	{ "autoconfig." D253 ":" X10 X10, NULL },
};

static void
test_host(void **state)
{
	const struct host_case *c;
	char	 out[DOMAIN_MAX + 1];
	size_t	 i;
	int	 rc, bad = 0;

	(void)state;
	for (i = 0; i < NELEM(host_cases); i++) {
		c = &host_cases[i];
		memset(out, 'Z', sizeof(out));
		rc = req_host(c->in, out, sizeof(out));
		if (c->want == NULL ? rc != -1 : (rc != (int)strlen(c->want) ||
		    strcmp(out, c->want) != 0)) {
			print_error("req_host %zu '%s': rc %d\n", i, c->in, rc);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	assert_int_equal(req_host(NULL, out, sizeof(out)), -1);
	/* The longest domain with the longest port. */
	assert_int_equal(req_host(D253 ":65535", out, sizeof(out)), 253);
	assert_string_equal(out, D253);
	assert_int_equal(req_host("autoconfig." D189 ":443", out,
	    sizeof(out)), 189);
	assert_string_equal(out, D189);
}

/* ---- req_content_length ---- */

struct cl_case {
	const char	*in;
	int		 rc;
	size_t		 len;
};

static const struct cl_case cl_cases[] = {
	{ NULL, 1, 0 },
	{ "", 1, 0 },
	{ "0", 0, 0 },
	{ "1", 0, 1 },
	{ "007", 0, 7 },
	{ "123", 0, 123 },
	{ "16384", 0, BODY_MAX },
	{ "16385", 0, BODY_MAX + 1 },
	{ "16386", 0, BODY_MAX + 1 },
	{ "1000000", 0, BODY_MAX + 1 },
	{ "18446744073709551615", 0, BODY_MAX + 1 },
	{ "18446744073709551616", 0, BODY_MAX + 1 },
	{ "99999999999999999999999999999999999999", 0, BODY_MAX + 1 },
	{ "-1", -1, 0 },
	{ "+5", -1, 0 },
	{ " 12", -1, 0 },
	{ "12 ", -1, 0 },
	{ "12a", -1, 0 },
	{ "abc", -1, 0 },
	{ "1.5", -1, 0 },
	{ "0x10", -1, 0 },
	{ "1e3", -1, 0 },
};

static void
test_content_length(void **state)
{
	const struct cl_case *c;
	size_t	 i, len;
	int	 rc, bad = 0;

	(void)state;
	for (i = 0; i < NELEM(cl_cases); i++) {
		c = &cl_cases[i];
		len = 4242;
		rc = req_content_length(c->in, &len);
		if (rc != c->rc || (rc == 0 && len != c->len)) {
			print_error("req_content_length %zu '%s': rc %d len "
			    "%zu\n", i, c->in != NULL ? c->in : "(null)", rc,
			    len);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* ---- req_parse ---- */

/*
 * The request's domain from its Host, as find_domain() takes it when
 * there is no address: req_parse keeps the raw value, parsed on demand.
 */
static const char *
host_of(const struct request *rq)
{
	static char	 buf[DOMAIN_MAX + 1];

	if (req_host(rq->http_host, buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	return buf;
}

static int
parse(const struct cgi_env *env, struct request *rq, enum status *st)
{
	memset(rq, 0x55, sizeof(*rq));
	*st = ST_NONE;
	return req_parse(env, "body", 4, rq, st);
}

static void
test_parse_request_uri(void **state)
{
	struct cgi_env	 env;
	struct request	 rq;
	enum status	 st;

	(void)state;
	memset(&env, 0, sizeof(env));
	env.method = "GET";
	env.request_uri = "/cgi-bin//mailautoconf/Mail/config-v1.1.xml"
	    "?emailaddress=u@example.com";
	env.script_name = "/other";
	env.path_info = "/path";
	env.http_host = "AutoConfig.Example.COM:8443";
	assert_int_equal(parse(&env, &rq, &st), 0);
	/* REQUEST_URI is preferred, its query split off. */
	assert_string_equal(rq.path,
	    "/cgi-bin/mailautoconf/Mail/config-v1.1.xml");
	assert_int_equal(rq.pathlen, strlen(rq.path));
	assert_non_null(rq.query);
	assert_string_equal(rq.query, "emailaddress=u@example.com");
	assert_string_equal(host_of(&rq), "example.com");
	assert_int_equal(rq.method, M_GET);
	assert_int_equal(rq.bodylen, 4);
	assert_memory_equal(rq.body, "body", 4);

	/*
	 * The query is REQUEST_URI's, as the path: QUERY_STRING may be
	 * another URI's (lighttpd's error-handler sets its own).
	 */
	env.query_string = "";
	assert_int_equal(parse(&env, &rq, &st), 0);
	assert_string_equal(rq.query, "emailaddress=u@example.com");
	assert_string_equal(rq.path,
	    "/cgi-bin/mailautoconf/Mail/config-v1.1.xml");
	/* QUERY_STRING when REQUEST_URI has no query. */
	env.request_uri = "/cgi-bin/mailautoconf/Mail/config-v1.1.xml";
	env.query_string = "emailaddress=other@example.org";
	assert_int_equal(parse(&env, &rq, &st), 0);
	assert_string_equal(rq.query, "emailaddress=other@example.org");
	env.request_uri = "/cgi-bin/mailautoconf/Mail/config-v1.1.xml"
	    "?emailaddress=u@example.com";

	/* Only the first '?' splits; a decoded %3F stays in the path. */
	env.query_string = NULL;
	env.request_uri = "/a%3Fb?x=1?y=2";
	assert_int_equal(parse(&env, &rq, &st), 0);
	assert_string_equal(rq.path, "/a?b");
	assert_string_equal(rq.query, "x=1?y=2");

	/* No query at all. */
	env.request_uri = "/mail/config-v1.1.xml";
	assert_int_equal(parse(&env, &rq, &st), 0);
	assert_null(rq.query);
}

static void
test_parse_script_name(void **state)
{
	struct cgi_env	 env;
	struct request	 rq;
	enum status	 st;

	(void)state;
	memset(&env, 0, sizeof(env));
	env.method = "HEAD";
	env.script_name = "/cgi-bin/mailautoconf";
	env.path_info = "//mail/config-v1.1.xml";
	env.query_string = "emailaddress=u@example.com";
	assert_int_equal(parse(&env, &rq, &st), 0);
	assert_string_equal(rq.path,
	    "/cgi-bin/mailautoconf/mail/config-v1.1.xml");
	assert_int_equal(rq.pathlen, strlen(rq.path));
	assert_string_equal(rq.query, "emailaddress=u@example.com");
	assert_int_equal(rq.method, M_HEAD);
	/* No Host: empty. */
	assert_string_equal(host_of(&rq), "");

	/* An empty REQUEST_URI counts as absent. */
	env.request_uri = "";
	assert_int_equal(parse(&env, &rq, &st), 0);
	assert_string_equal(rq.path,
	    "/cgi-bin/mailautoconf/mail/config-v1.1.xml");

	/* Either part alone. */
	env.request_uri = NULL;
	env.path_info = NULL;
	assert_int_equal(parse(&env, &rq, &st), 0);
	assert_string_equal(rq.path, "/cgi-bin/mailautoconf");
	env.script_name = NULL;
	env.path_info = "/.well-known/mail-v1.xml";
	assert_int_equal(parse(&env, &rq, &st), 0);
	assert_string_equal(rq.path, "/.well-known/mail-v1.xml");
	env.path_info = NULL;
	assert_int_equal(parse(&env, &rq, &st), 0);
	assert_string_equal(rq.path, "");
	assert_int_equal(rq.pathlen, 0);
}

static void
test_parse_methods(void **state)
{
	static const struct {
		const char	*name;
		enum method	 m;
	} methods[] = {
		{ "GET", M_GET }, { "HEAD", M_HEAD }, { "POST", M_POST },
		/* Methods are case-sensitive (RFC 9110 §9.1). */
		{ "get", M_OTHER }, { "Post", M_OTHER }, { "PUT", M_OTHER },
		{ "OPTIONS", M_OTHER }, { "", M_OTHER }, { "GETX", M_OTHER },
		{ NULL, M_OTHER },
	};
	struct cgi_env	 env;
	struct request	 rq;
	enum status	 st;
	size_t		 i;

	(void)state;
	memset(&env, 0, sizeof(env));
	env.request_uri = "/";
	for (i = 0; i < NELEM(methods); i++) {
		env.method = methods[i].name;
		assert_int_equal(parse(&env, &rq, &st), 0);
		assert_int_equal(rq.method, methods[i].m);
	}
}

static void
test_parse_errors(void **state)
{
	static char	 uri[URI_MAX + 2], query[QUERY_MAX + 2];
	static char	 pinfo[URI_MAX + 2];
	struct cgi_env	 env;
	struct request	 rq;
	enum status	 st;

	(void)state;
	memset(&env, 0, sizeof(env));
	env.method = "GET";
	/* Bad escapes and %00 in the path: 400. */
	env.request_uri = "/mail/%00/config-v1.1.xml";
	assert_int_equal(parse(&env, &rq, &st), -1);
	assert_int_equal(st, ST_BADREQ);
	env.request_uri = "/mail/config%zz.xml";
	assert_int_equal(parse(&env, &rq, &st), -1);
	assert_int_equal(st, ST_BADREQ);
	env.request_uri = "/mail/config%4";
	assert_int_equal(parse(&env, &rq, &st), -1);
	assert_int_equal(st, ST_BADREQ);
	/* A bad escape in the query is not the path's business. */
	env.request_uri = "/mail/config-v1.1.xml?emailaddress=%zz";
	assert_int_equal(parse(&env, &rq, &st), 0);

	/* REQUEST_URI of URI_MAX bytes is fine, one more is 414. */
	memset(uri, 'a', URI_MAX);
	uri[0] = '/';
	uri[URI_MAX] = '\0';
	env.request_uri = uri;
	assert_int_equal(parse(&env, &rq, &st), 0);
	assert_int_equal(rq.pathlen, URI_MAX);
	uri[URI_MAX] = 'a';
	uri[URI_MAX + 1] = '\0';
	assert_int_equal(parse(&env, &rq, &st), -1);
	assert_int_equal(st, ST_URITOOLONG);

	/* SCRIPT_NAME + PATH_INFO over URI_MAX: 414. */
	env.request_uri = NULL;
	env.script_name = "/cgi";
	memset(pinfo, 'b', URI_MAX);
	pinfo[0] = '/';
	pinfo[URI_MAX - 4] = '\0';
	env.path_info = pinfo;
	assert_int_equal(parse(&env, &rq, &st), 0);
	assert_int_equal(rq.pathlen, URI_MAX);
	pinfo[URI_MAX - 4] = 'b';
	pinfo[URI_MAX - 3] = '\0';
	assert_int_equal(parse(&env, &rq, &st), -1);
	assert_int_equal(st, ST_URITOOLONG);

	/* A query over QUERY_MAX: 414, from either source. */
	env.script_name = NULL;
	env.path_info = NULL;
	env.request_uri = "/mail/config-v1.1.xml";
	memset(query, 'q', QUERY_MAX);
	query[QUERY_MAX] = '\0';
	env.query_string = query;
	assert_int_equal(parse(&env, &rq, &st), 0);
	query[QUERY_MAX] = 'q';
	query[QUERY_MAX + 1] = '\0';
	assert_int_equal(parse(&env, &rq, &st), -1);
	assert_int_equal(st, ST_URITOOLONG);
	env.query_string = NULL;
	memcpy(uri, "/x?", 3);
	memset(uri + 3, 'q', QUERY_MAX + 1);
	uri[QUERY_MAX + 4] = '\0';
	env.request_uri = uri;
	assert_int_equal(parse(&env, &rq, &st), -1);
	assert_int_equal(st, ST_URITOOLONG);

	/* A bad Host is no error here: the host is just empty. */
	env.request_uri = "/";
	env.http_host = "192.0.2.1:80";
	assert_int_equal(parse(&env, &rq, &st), 0);
	assert_string_equal(host_of(&rq), "");
	env.http_host = "exa mple.com";
	assert_int_equal(parse(&env, &rq, &st), 0);
	assert_string_equal(host_of(&rq), "");
}

/* ---- req_inputs: what a route reads, checked before its handler ---- */

static void
test_inputs(void **state)
{
	static const struct {
		unsigned	 want;
		const char	*method, *uri, *host, *body;
		enum input	 addr;		/* addr_in */
		const char	*dom;		/* NULL: none */
		enum input	 body_in;
		enum jproto	 proto;
	} cases[] = {
		/* The query's address; its domain, lower-cased. */
		{ IN_EMAILADDRESS | IN_HOST, "GET",
		    "/mail/config-v1.1.xml?emailaddress=Ann@Example.COM",
		    "other.example", NULL, INPUT_OK, "example.com",
		    INPUT_NONE, JP_NONE },
		/* No address: the Host's domain, its prefix dropped. */
		{ IN_EMAILADDRESS | IN_HOST, "GET", "/mail/config-v1.1.xml",
		    "autoconfig.Example.org:443", NULL, INPUT_NONE,
		    "example.org", INPUT_NONE, JP_NONE },
		/* An empty value counts as none. */
		{ IN_EMAILADDRESS | IN_HOST, "GET",
		    "/mail/config-v1.1.xml?emailaddress=", "example.org",
		    NULL, INPUT_NONE, "example.org", INPUT_NONE, JP_NONE },
		/* A bad address: recorded, the Host not read. */
		{ IN_EMAILADDRESS | IN_HOST, "GET",
		    "/mail/config-v1.1.xml?emailaddress=a..b@example.com",
		    "example.org", NULL, INPUT_BAD, NULL, INPUT_NONE,
		    JP_NONE },
		{ IN_EMAILADDRESS | IN_HOST, "GET",
		    "/mail/config-v1.1.xml?emailaddress=%zz", "example.org",
		    NULL, INPUT_BAD, NULL, INPUT_NONE, JP_NONE },
		/* An IP literal is no domain. */
		{ IN_EMAILADDRESS | IN_HOST, "GET", "/mail/config-v1.1.xml",
		    "192.0.2.1", NULL, INPUT_NONE, NULL, INPUT_NONE, JP_NONE },
		/* A route that reads no address ignores one. */
		{ IN_HOST, "GET", "/.well-known/jmap?emailaddress=a@b.example",
		    "example.net", NULL, INPUT_NONE, "example.net",
		    INPUT_NONE, JP_NONE },
		/* autodiscover.json: path form, query form, Protocol. */
		{ IN_PATHADDR | IN_EMAIL | IN_HOST | IN_PROTOCOL, "GET",
		    "/autodiscover/autodiscover.json/v1.0/u@Example.com"
		    "?Protocol=ActiveSync", "example.org", NULL, INPUT_OK,
		    "example.com", INPUT_NONE, JP_ACTIVESYNC },
		{ IN_PATHADDR | IN_EMAIL | IN_HOST | IN_PROTOCOL, "GET",
		    "/autodiscover/autodiscover.json/v1.0/nobody"
		    "?Protocol=autodiscoverv1", "example.org", NULL,
		    INPUT_BAD, NULL, INPUT_NONE, JP_AUTODISCOVER },
		{ IN_PATHADDR | IN_EMAIL | IN_HOST | IN_PROTOCOL, "GET",
		    "/autodiscover/autodiscover.json?Email=u@example.com"
		    "&Protocol=Other", NULL, NULL, INPUT_OK, "example.com",
		    INPUT_NONE, JP_OTHER },
		{ IN_PATHADDR | IN_EMAIL | IN_HOST | IN_PROTOCOL, "GET",
		    "/autodiscover/autodiscover.json", NULL, NULL, INPUT_NONE,
		    NULL, INPUT_NONE, JP_OTHER },
		/* The Autodiscover body of a POST; GET reads the Host. */
		{ IN_BODY | IN_HOST, "POST", "/autodiscover/autodiscover.xml",
		    "example.org", AD_BODY("u@Example.net"), INPUT_OK,
		    "example.net", INPUT_OK, JP_NONE },
		{ IN_BODY | IN_HOST, "POST", "/autodiscover/autodiscover.xml",
		    "example.org", AD_BODY("not an address"), INPUT_BAD, NULL,
		    INPUT_OK, JP_NONE },
		{ IN_BODY | IN_HOST, "POST", "/autodiscover/autodiscover.xml",
		    "example.org", "<Autodiscover>", INPUT_NONE, NULL,
		    INPUT_BAD, JP_NONE },
		{ IN_BODY | IN_HOST, "GET", "/autodiscover/autodiscover.xml",
		    "example.org", NULL, INPUT_NONE, "example.org",
		    INPUT_NONE, JP_NONE },
	};
	struct request	 rq;
	size_t		 i;

	(void)state;
	body_init();
	for (i = 0; i < NELEM(cases); i++) {
		tu_request(&rq, cases[i].method, cases[i].uri, cases[i].host);
		if (cases[i].body != NULL) {
			rq.body = cases[i].body;
			rq.bodylen = strlen(cases[i].body);
		}
		/* Filled twice: nothing of a first call leaks into a second. */
		req_inputs(&rq, cases[i].want);
		req_inputs(&rq, cases[i].want);
		if (rq.addr_in != cases[i].addr || rq.body_in !=
		    cases[i].body_in || rq.proto != cases[i].proto)
			fail_msg("case %zu (%s): addr %d body %d proto %d", i,
			    cases[i].uri, rq.addr_in, rq.body_in, rq.proto);
		if (cases[i].dom == NULL) {
			if (rq.dom != NULL)
				fail_msg("case %zu: domain %.*s", i,
				    (int)rq.domlen, rq.dom);
			continue;
		}
		assert_non_null(rq.dom);
		assert_int_equal(rq.domlen, strlen(cases[i].dom));
		assert_memory_equal(rq.dom, cases[i].dom, rq.domlen);
		if (rq.addr_in == INPUT_OK)
			assert_int_equal(rq.addr.full[rq.addr.locallen], '@');
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_parse_request_uri),
		cmocka_unit_test(test_parse_script_name),
		cmocka_unit_test(test_parse_methods),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_inputs),
	};

	return cmocka_run_group_tests_name("request", tests, NULL, NULL);
}
