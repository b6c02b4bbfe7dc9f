/*
 * request.c: table tests of the request parsers.  Every expectation
 * comes from mailautoconf(8) (Endpoints, LIMITS) and RFC 5321/5322
 * (dot-atom local parts, 64-byte local part, 254-byte path), RFC 1035
 * (letter-digit-hyphen labels of 1..63 bytes, 253-byte names) and
 * RFC 3629 (strict UTF-8).
 */
#include "testutil.h"

/* Long strings for the length limits. */
#define X10	"xxxxxxxxxx"
#define X60	X10 X10 X10 X10 X10 X10
#define X61	X60 "x"
#define X62	X61 "x"
#define X63	X62 "x"
#define X64	X63 "x"
#define X65	X64 "x"
/* Domains of exactly 189, 252, 253 and 254 bytes. */
#define D189	X63 "." X63 "." X61
#define D252	X63 "." X63 "." X63 "." X60
#define D253	X63 "." X63 "." X63 "." X61
#define D254	X63 "." X63 "." X63 "." X62

/* An input with explicit length: for embedded NULs. */
#define WITHLEN(s)	s, sizeof(s) - 1

struct addr_case {
	const char	*in;
	size_t		 len;	/* 0: strlen(in) */
	const char	*want;	/* normalised; NULL: must be refused */
};

static const struct addr_case good_addrs[] = {
	{ "user@example.com", 0, "user@example.com" },
	{ "a@b.co", 0, "a@b.co" },
	{ "first.last@example.com", 0, "first.last@example.com" },
	{ "first.middle.last@example.com", 0,
	    "first.middle.last@example.com" },
	{ "u.s.e.r@example.com", 0, "u.s.e.r@example.com" },
	{ "user+tag@example.com", 0, "user+tag@example.com" },
	{ "user+tag+more@example.com", 0, "user+tag+more@example.com" },
	{ "user+@example.com", 0, "user+@example.com" },
	{ "+@example.com", 0, "+@example.com" },
	/* Every atext special of RFC 5322, one at a time. */
	{ "x!y@example.com", 0, "x!y@example.com" },
	{ "x#y@example.com", 0, "x#y@example.com" },
	{ "x$y@example.com", 0, "x$y@example.com" },
	{ "x%y@example.com", 0, "x%y@example.com" },
	{ "x&y@example.com", 0, "x&y@example.com" },
	{ "x'y@example.com", 0, "x'y@example.com" },
	{ "x*y@example.com", 0, "x*y@example.com" },
	{ "x+y@example.com", 0, "x+y@example.com" },
	{ "x-y@example.com", 0, "x-y@example.com" },
	{ "x/y@example.com", 0, "x/y@example.com" },
	{ "x=y@example.com", 0, "x=y@example.com" },
	{ "x?y@example.com", 0, "x?y@example.com" },
	{ "x^y@example.com", 0, "x^y@example.com" },
	{ "x_y@example.com", 0, "x_y@example.com" },
	{ "x`y@example.com", 0, "x`y@example.com" },
	{ "x{y@example.com", 0, "x{y@example.com" },
	{ "x|y@example.com", 0, "x|y@example.com" },
	{ "x}y@example.com", 0, "x}y@example.com" },
	{ "x~y@example.com", 0, "x~y@example.com" },
	{ "!#$%&'*+-/=?^_`{|}~@example.com", 0,
	    "!#$%&'*+-/=?^_`{|}~@example.com" },
	{ "'quoted'@example.com", 0, "'quoted'@example.com" },
	{ "{braces}.and.more@example.com", 0,
	    "{braces}.and.more@example.com" },
	{ "0@example.com", 0, "0@example.com" },
	{ "user123@example.com", 0, "user123@example.com" },
	{ "a.b+c-d_e@x-y.z", 0, "a.b+c-d_e@x-y.z" },
	/* The domain is lower-cased, the local part keeps its case. */
	{ "John.Doe@Example.COM", 0, "John.Doe@example.com" },
	{ "USER@EXAMPLE.COM", 0, "USER@example.com" },
	{ "MiXeD+TaG@MiXeD.ExAmPlE", 0, "MiXeD+TaG@mixed.example" },
	{ "UPPER.lower@X.Y", 0, "UPPER.lower@x.y" },
	/* Limits: 64-byte local part, 254 bytes in all. */
	{ X64 "@example.com", 0, X64 "@example.com" },
	{ X64 "@" D189, 0, X64 "@" D189 },
	{ "a@" D252, 0, "a@" D252 },
	{ "user@" X63 ".example", 0, "user@" X63 ".example" },
	/* IDN domains arrive as punycode. */
	{ "user@xn--bcher-kva.example", 0, "user@xn--bcher-kva.example" },
	{ "user@XN--BCHER-KVA.EXAMPLE", 0, "user@xn--bcher-kva.example" },
	{ "user@xn--80ak6aa92e.com", 0, "user@xn--80ak6aa92e.com" },
	{ "user@xn--mller-kva.xn--p1ai", 0, "user@xn--mller-kva.xn--p1ai" },
	{ "user@sub.domain.example.com", 0, "user@sub.domain.example.com" },
	{ "user@a-b.example", 0, "user@a-b.example" },
	{ "user@a--b.example", 0, "user@a--b.example" },
	{ "user@1example.com", 0, "user@1example.com" },
	{ "user@123.example", 0, "user@123.example" },
	{ "user@e.x.a.m.p.l.e", 0, "user@e.x.a.m.p.l.e" },
	/* Only the first n bytes count. */
	{ "user@example.comXXXX", 16, "user@example.com" },
};

static const struct addr_case bad_addrs[] = {
	{ "", 0, NULL },
	{ "userexample.com", 0, NULL },
	{ "user@@example.com", 0, NULL },
	{ "user@exa@mple.com", 0, NULL },
	{ "user@example.com@", 0, NULL },
	{ "@example.com", 0, NULL },
	{ "user@", 0, NULL },
	{ "@", 0, NULL },
	{ X65 "@example.com", 0, NULL },
	{ ".user@example.com", 0, NULL },
	{ "user.@example.com", 0, NULL },
	{ "us..er@example.com", 0, NULL },
	{ ".@example.com", 0, NULL },
	/* No quoted local parts. */
	{ "\"user\"@example.com", 0, NULL },
	{ "\"us er\"@example.com", 0, NULL },
	{ "\"us@er\"@example.com", 0, NULL },
	/* White space and line breaks anywhere. */
	{ "us er@example.com", 0, NULL },
	{ " user@example.com", 0, NULL },
	{ "user@example.com ", 0, NULL },
	{ "user@exa mple.com", 0, NULL },
	{ "user\t@example.com", 0, NULL },
	{ "user\r@example.com", 0, NULL },
	{ "user\n@example.com", 0, NULL },
	{ "user@example.com\r\n", 0, NULL },
	{ "user@example.com\nBcc: x@example.org", 0, NULL },
	/* Markup and address-list syntax. */
	{ "<user@example.com>", 0, NULL },
	{ "us<er@example.com", 0, NULL },
	{ "us>er@example.com", 0, NULL },
	{ "us\"er@example.com", 0, NULL },
	{ "us(er@example.com", 0, NULL },
	{ "us)er@example.com", 0, NULL },
	{ "user(comment)@example.com", 0, NULL },
	{ "us,er@example.com", 0, NULL },
	{ "user@example.com,other@example.com", 0, NULL },
	{ "us;er@example.com", 0, NULL },
	{ "user@example.com;", 0, NULL },
	{ "us:er@example.com", 0, NULL },
	{ "us[er]@example.com", 0, NULL },
	{ "us\\er@example.com", 0, NULL },
	{ "user\x7f@example.com", 0, NULL },
	/* Raw UTF-8: IDNs must come as punycode. */
	{ "user@b\xc3\xbc" "cher.example", 0, NULL },
	{ "us\xc3\xa9r@example.com", 0, NULL },
	{ "user\x80@example.com", 0, NULL },
	/* Domain syntax. */
	{ "user@" X64 ".example", 0, NULL },
	{ "user@-example.com", 0, NULL },
	{ "user@example-.com", 0, NULL },
	{ "user@example.-com", 0, NULL },
	{ "user@example.com-", 0, NULL },
	{ "user@example..com", 0, NULL },
	{ "user@.example.com", 0, NULL },
	{ "user@example.com.", 0, NULL },
	{ "user@example.com..", 0, NULL },
	{ "user@xn--bcher-kva.example.", 0, NULL },
	{ "user@exa_mple.com", 0, NULL },
	{ "user@exa!mple.com", 0, NULL },
	{ "user@ex%61mple.com", 0, NULL },
	{ "user@example.com/", 0, NULL },
	{ "user@[192.0.2.1]", 0, NULL },
	{ "user@exam\tple.com", 0, NULL },
	/* NUL inside. */
	{ WITHLEN("us\0er@example.com"), NULL },
	{ WITHLEN("user@exa\0mple.com"), NULL },
	{ WITHLEN("user@example.com\0"), NULL },
	/* Lengths: domain over 253, total over 254. */
	{ "a@" D254, 0, NULL },
	{ "a@" D253, 0, NULL },
	{ X64 "@" X63 "." X63 "." X62, 0, NULL },
	{ "user@example.com.XX", 17, NULL },
};

static void
test_addr_good(void **state)
{
	const struct addr_case *c;
	struct addr	 a;
	size_t		 i, len, wlen, wlocal;
	int		 bad = 0;

	(void)state;
	assert_true(NELEM(good_addrs) >= 50);
	for (i = 0; i < NELEM(good_addrs); i++) {
		c = &good_addrs[i];
		len = c->len ? c->len : strlen(c->in);
		wlen = strlen(c->want);
		wlocal = (size_t)(strchr(c->want, '@') - c->want);
		memset(&a, 0x55, sizeof(a));
		if (valid_addr(c->in, len, &a) != 0) {
			print_error("good address %zu refused: %s\n", i, c->in);
			bad++;
			continue;
		}
		if (a.fulllen != wlen || a.locallen != wlocal ||
		    memcmp(a.full, c->want, wlen) != 0 ||
		    a.full[wlen] != '\0' || a.full[a.locallen] != '@') {
			print_error("good address %zu: %s -> '%.*s' "
			    "(fulllen %zu locallen %zu), want '%s' "
			    "(%zu, %zu)\n",
			    i, c->in, (int)(a.fulllen <= EMAIL_MAX ?
			    a.fulllen : 0), a.full, a.fulllen, a.locallen,
			    c->want, wlen, wlocal);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
test_addr_bad(void **state)
{
	const struct addr_case *c;
	struct addr	 a;
	size_t		 i, len;
	int		 bad = 0;

	(void)state;
	assert_true(NELEM(bad_addrs) >= 50);
	for (i = 0; i < NELEM(bad_addrs); i++) {
		c = &bad_addrs[i];
		len = c->len ? c->len : strlen(c->in);
		if (valid_addr(c->in, len, &a) != -1) {
			print_error("bad address %zu accepted: '%.*s'\n", i,
			    (int)len, c->in);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* ---- valid_domain ---- */

struct dom_case {
	const char	*in;
	const char	*want;	/* NULL: refused */
};

static const struct dom_case dom_cases[] = {
	{ "example.com", "example.com" },
	{ "EXAMPLE.Com", "example.com" },
	{ "example.com.", "example.com" },	/* one trailing dot */
	{ "xn--bcher-kva.example", "xn--bcher-kva.example" },
	{ "a", "a" },
	{ "a-1.b-2", "a-1.b-2" },
	{ X63 ".example", X63 ".example" },
	{ D253, D253 },
	{ D253 ".", D253 },
	{ "", NULL },
	{ ".", NULL },
	{ "..", NULL },
	{ "example.com..", NULL },
	{ ".example.com", NULL },
	{ "example..com", NULL },
	{ X64 ".example", NULL },
	{ D254, NULL },
	{ "-example.com", NULL },
	{ "example-.com", NULL },
	{ "example.com-", NULL },
	{ "exa_mple.com", NULL },
	{ "exa mple.com", NULL },
	{ "b\xc3\xbc" "cher.example", NULL },
	{ "example.com:80", NULL },
	{ "[::1]", NULL },
};

static void
test_domain(void **state)
{
	char	 out[DOMAIN_MAX + 1];
	size_t	 i;
	int	 n, bad = 0;

	(void)state;
	for (i = 0; i < NELEM(dom_cases); i++) {
		memset(out, 'Z', sizeof(out));
		n = valid_domain(dom_cases[i].in, strlen(dom_cases[i].in), out,
		    sizeof(out));
		if (dom_cases[i].want == NULL ? n != -1 :
		    (n != (int)strlen(dom_cases[i].want) ||
		    strcmp(out, dom_cases[i].want) != 0)) {
			print_error("valid_domain %zu '%s': %d\n", i,
			    dom_cases[i].in, n);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	/* The output size is honoured. */
	assert_int_equal(valid_domain("example.com", 11, out, 12), 11);
	assert_int_equal(valid_domain("example.com", 11, out, 11), -1);
}

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

/* ---- valid_utf8 ---- */

struct utf8_case {
	const char	*s;
	size_t		 len;
	int		 ok;
};

#define U(s, ok)	{ s, sizeof(s) - 1, ok }

static const struct utf8_case utf8_cases[] = {
	U("", 1),
	U("plain ASCII ~\x7f", 1),
	U("\xc3\xa9", 1),			/* U+00E9 */
	U("\xc2\x80", 1),			/* U+0080, smallest 2-byte */
	U("\xdf\xbf", 1),			/* U+07FF */
	U("\xe0\xa0\x80", 1),			/* U+0800 */
	U("\xe2\x82\xac", 1),			/* U+20AC */
	U("\xed\x9f\xbf", 1),			/* U+D7FF */
	U("\xee\x80\x80", 1),			/* U+E000 */
	U("\xef\xbf\xbf", 1),			/* U+FFFF */
	U("\xf0\x90\x80\x80", 1),		/* U+10000 */
	U("\xf0\x9f\x98\x80", 1),		/* U+1F600 */
	U("\xf4\x8f\xbf\xbf", 1),		/* U+10FFFF */
	U("Caf\xc3\xa9 \xe2\x82\xac 5", 1),
	/* Overlong forms. */
	U("\xc0\x80", 0),
	U("\xc0\xaf", 0),
	U("\xc1\xbf", 0),
	U("\xe0\x80\x80", 0),
	U("\xe0\x9f\xbf", 0),
	U("\xf0\x80\x80\x80", 0),
	U("\xf0\x8f\xbf\xbf", 0),
	/* Surrogates. */
	U("\xed\xa0\x80", 0),
	U("\xed\xbf\xbf", 0),
	U("\xed\xa0\xbd\xed\xb8\x80", 0),
	/* Above U+10FFFF, and bytes that never occur. */
	U("\xf4\x90\x80\x80", 0),
	U("\xf5\x80\x80\x80", 0),
	U("\xf7\xbf\xbf\xbf", 0),
	U("\xf8\x88\x80\x80\x80", 0),
	U("\xfe", 0),
	U("\xff", 0),
	/* Truncated sequences, lone and bad continuation bytes. */
	U("\xc3", 0),
	U("abc\xc3", 0),
	U("\xe2\x82", 0),
	U("\xf0\x9f\x98", 0),
	U("\x80", 0),
	U("a\xbf", 0),
	U("\xc3\x41", 0),
	U("\xe2\x28\xa1", 0),
	U("\xf0\x9f\x98\x41", 0),
	/* NUL. */
	U("\0", 0),
	U("a\0b", 0),
};

static void
test_utf8(void **state)
{
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < NELEM(utf8_cases); i++)
		if (valid_utf8(utf8_cases[i].s, utf8_cases[i].len) !=
		    utf8_cases[i].ok) {
			print_error("valid_utf8 case %zu: want %d\n", i,
			    utf8_cases[i].ok);
			bad++;
		}
	assert_int_equal(bad, 0);
	/* Only n bytes are looked at. */
	assert_int_equal(valid_utf8("ab\xff", 2), 1);
	assert_int_equal(valid_utf8("\xc3\xa9", 1), 0);
}

static void
test_caseeq(void **state)
{
	(void)state;
	assert_int_equal(str_caseeq("/Mail/Config", "/mail/config", 12), 1);
	assert_int_equal(str_caseeq("ABC", "abd", 3), 0);
	assert_int_equal(str_caseeq("ABC", "abd", 2), 1);
	/* ASCII only: no folding of other bytes. */
	assert_int_equal(str_caseeq("\xc3\x89", "\xc3\xa9", 2), 0);
	assert_int_equal(str_caseeq("[", "{", 1), 0);
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

	/* QUERY_STRING, when the server passes it, is the query. */
	env.query_string = "emailaddress=other@example.org";
	assert_int_equal(parse(&env, &rq, &st), 0);
	assert_string_equal(rq.query, "emailaddress=other@example.org");
	assert_string_equal(rq.path,
	    "/cgi-bin/mailautoconf/Mail/config-v1.1.xml");

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_good),
		cmocka_unit_test(test_addr_bad),
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_caseeq),
		cmocka_unit_test(test_parse_request_uri),
		cmocka_unit_test(test_parse_script_name),
		cmocka_unit_test(test_parse_methods),
		cmocka_unit_test(test_parse_errors),
	};

	return cmocka_run_group_tests_name("request", tests, NULL, NULL);
}
