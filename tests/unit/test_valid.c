/*
 * valid.c: table tests of the toolbox of validators and string helpers
 * that the request parser, the configuration and the emitters share.
 * Expectations come from the contracts in mailautoconf.h and valid.c,
 * mailautoconf(8) (LIMITS), mailautoconf.conf(5) (Value types) and
 * RFC 5321/5322 (dot-atom local parts, 64-byte local part, 254-byte
 * path), RFC 1035 (letter-digit-hyphen labels of 1..63 bytes, 253-byte
 * names) and RFC 3629 (strict UTF-8).
 */
#include "testutil.h"

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

/* ---- str_decimal ---- */

struct dec_case {
	const char	*s;
	size_t		 n;	/* bytes looked at */
	unsigned long	 cap;
	size_t		 want_digits;
	unsigned long	 want;
};

static const struct dec_case dec_cases[] = {
	{ "123", 3, 1000, 3, 123 },
	{ "0", 1, 1000, 1, 0 },
	{ "0007", 4, 1000, 4, 7 },
	{ "12a", 3, 1000, 2, 12 },
	{ "12 3", 4, 1000, 2, 12 },
	{ "abc", 3, 1000, 0, 0 },
	{ "", 0, 1000, 0, 0 },
	{ "-1", 2, 1000, 0, 0 },
	{ "+1", 2, 1000, 0, 0 },
	/* Only n bytes count. */
	{ "1234", 2, 1000, 2, 12 },
	{ "1234", 0, 1000, 0, 0 },
	/* Saturating at cap, all the digits still counted. */
	{ "999", 3, 1000, 3, 999 },
	{ "1000", 4, 1000, 4, 1000 },
	{ "1001", 4, 1000, 4, 1000 },
	{ "99999999999999999999999999", 26, 1000000000, 26, 1000000000 },
	{ "65535", 5, 65536, 5, 65535 },
	{ "65536", 5, 65536, 5, 65536 },
	{ "4294967296", 10, 4294967295ul, 10, 4294967295ul },
};

static void
test_decimal(void **state)
{
	const struct dec_case *c;
	unsigned long	 v;
	size_t		 i, k;
	int		 bad = 0;

	(void)state;
	for (i = 0; i < NELEM(dec_cases); i++) {
		c = &dec_cases[i];
		v = 12345;
		k = str_decimal(c->s, c->n, c->cap, &v);
		if (k != c->want_digits || v != c->want) {
			print_error("str_decimal %zu '%.*s' cap %lu: %zu "
			    "digits, %lu; want %zu, %lu\n", i, (int)c->n,
			    c->s, c->cap, k, v, c->want_digits, c->want);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* ---- str_squeeze ---- */

struct squeeze_case {
	const char	*in;
	size_t		 n;	/* 0: strlen(in) */
	const char	*want;
};

static const struct squeeze_case squeeze_cases[] = {
	{ "/mail/config-v1.1.xml", 0, "/mail/config-v1.1.xml" },
	{ "//mail//config-v1.1.xml", 0, "/mail/config-v1.1.xml" },
	{ "///.well-known////jmap", 0, "/.well-known/jmap" },
	{ "/a/b/", 0, "/a/b/" },
	{ "/a//", 0, "/a/" },
	{ "//", 0, "/" },
	{ "/", 0, "/" },
	{ "abc", 0, "abc" },
	{ "a//b", 0, "a/b" },
	{ "", 0, "" },
	/* Only n bytes: the rest is left as it was. */
	{ "a//b//c", 3, "a/" },
};

static void
test_squeeze(void **state)
{
	const struct squeeze_case *c;
	char	 buf[64];
	size_t	 i, n, k;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < NELEM(squeeze_cases); i++) {
		c = &squeeze_cases[i];
		n = c->n ? c->n : strlen(c->in);
		memset(buf, 'Z', sizeof(buf));
		memcpy(buf, c->in, strlen(c->in) + 1);
		k = str_squeeze(buf, n);
		if (k != strlen(c->want) || memcmp(buf, c->want, k) != 0) {
			print_error("str_squeeze %zu '%s': '%.*s', want "
			    "'%s'\n", i, c->in, (int)k, buf, c->want);
			bad++;
		}
		/* Nothing past the n bytes is touched. */
		if (strcmp(buf + n, c->in + n) != 0) {
			print_error("str_squeeze %zu wrote past n\n", i);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* ---- str_expand ---- */

struct expand_case {
	const char	*s;
	const char	*dom;
	size_t		 outsz;	/* 0: sizeof(out) */
	const char	*want;	/* "": did not fit */
};

static const struct expand_case expand_cases[] = {
	{ "imap.%EMAILDOMAIN%", "example.com", 0, "imap.example.com" },
	{ "%EMAILDOMAIN%", "example.com", 0, "example.com" },
	{ "imap.example.com", "example.org", 0, "imap.example.com" },
	{ "https://dav.%EMAILDOMAIN%/caldav/%EMAILDOMAIN%/", "d.example", 0,
	    "https://dav.d.example/caldav/d.example/" },
	{ "%EMAILDOMAIN%%EMAILDOMAIN%", "x", 0, "xx" },
	/* Only %EMAILDOMAIN%: the address placeholders are the client's. */
	{ "%EMAILADDRESS%", "example.com", 0, "%EMAILADDRESS%" },
	{ "%EMAILLOCALPART%@%EMAILDOMAIN%", "example.com", 0,
	    "%EMAILLOCALPART%@example.com" },
	/* Not the placeholder: case and spelling matter. */
	{ "%emaildomain%", "example.com", 0, "%emaildomain%" },
	{ "%EMAILDOMAIN", "example.com", 0, "%EMAILDOMAIN" },
	{ "", "example.com", 0, "" },
	/* Sizes: the result and its NUL must fit, else "". */
	{ "abc", "x", 4, "abc" },
	{ "abcd", "x", 4, "" },
	{ "a.%EMAILDOMAIN%", "bc", 5, "a.bc" },
	{ "a.%EMAILDOMAIN%", "bcd", 5, "" },
};

static void
test_expand(void **state)
{
	const struct expand_case *c;
	char	 out[128], *r;
	size_t	 i, sz;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < NELEM(expand_cases); i++) {
		c = &expand_cases[i];
		sz = c->outsz ? c->outsz : sizeof(out);
		memset(out, 'Z', sizeof(out));
		r = str_expand(c->s, c->dom, out, sz);
		if (r != out || strcmp(out, c->want) != 0) {
			print_error("str_expand %zu '%s' with '%s' (size "
			    "%zu): '%s', want '%s'\n", i, c->s, c->dom, sz,
			    out, c->want);
			bad++;
		}
		/* Nothing written past outsz. */
		if (sz < sizeof(out) && out[sz] != 'Z') {
			print_error("str_expand %zu wrote past its size\n", i);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* ---- valid_uint ---- */

struct uint_case {
	const char	*s;
	size_t		 n;	/* 0: strlen(s) */
	unsigned	 min, max;
	int		 ok;
	unsigned	 want;
};

static const struct uint_case uint_cases[] = {
	/* Ports, 1-65535. */
	{ "993", 0, 1, 65535, 1, 993 },
	{ "1", 0, 1, 65535, 1, 1 },
	{ "65535", 0, 1, 65535, 1, 65535 },
	{ "0", 0, 1, 65535, 0, 0 },
	{ "65536", 0, 1, 65535, 0, 0 },
	{ "000000080", 0, 1, 65535, 1, 80 },
	/* TTL hours, 0-720. */
	{ "0", 0, 0, 720, 1, 0 },
	{ "720", 0, 0, 720, 1, 720 },
	{ "721", 0, 0, 720, 0, 0 },
	/* Digits only, 1 to 9 of them. */
	{ "", 0, 0, 720, 0, 0 },
	{ "12a", 0, 0, 1000, 0, 0 },
	{ "a12", 0, 0, 1000, 0, 0 },
	{ "+1", 0, 0, 1000, 0, 0 },
	{ "-1", 0, 0, 1000, 0, 0 },
	{ " 1", 0, 0, 1000, 0, 0 },
	{ "1 ", 0, 0, 1000, 0, 0 },
	{ "1.0", 0, 0, 1000, 0, 0 },
	{ "0x10", 0, 0, 1000, 0, 0 },
	{ "999999999", 0, 0, 999999999, 1, 999999999 },
	{ "0000000001", 0, 0, 1000, 0, 0 },
	{ "4294967297", 0, 0, 4294967295u, 0, 0 },
	/* Only n bytes count. */
	{ "99x", 2, 1, 65535, 1, 99 },
	{ "993", 0, 1, 65535, 1, 993 },
	{ "9930", 3, 1, 65535, 1, 993 },
};

static void
test_uint(void **state)
{
	const struct uint_case *c;
	unsigned	 v;
	size_t		 i, n;
	int		 rc, bad = 0;

	(void)state;
	for (i = 0; i < NELEM(uint_cases); i++) {
		c = &uint_cases[i];
		n = c->n ? c->n : strlen(c->s);
		v = 4242;
		rc = valid_uint(c->s, n, c->min, c->max, &v);
		if (c->ok ? (rc != 0 || v != c->want) :
		    (rc != -1 || v != 4242)) {
			print_error("valid_uint %zu '%.*s' [%u, %u]: %d, %u\n",
			    i, (int)n, c->s, c->min, c->max, rc, v);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* ---- valid_bool ---- */

struct bool_case {
	const char	*s;
	int		 want;	/* 1, 0, or -1: refused */
};

static const struct bool_case bool_cases[] = {
	{ "yes", 1 }, { "true", 1 }, { "on", 1 }, { "1", 1 },
	{ "YES", 1 }, { "True", 1 }, { "oN", 1 },
	{ "no", 0 }, { "false", 0 }, { "off", 0 }, { "0", 0 },
	{ "NO", 0 }, { "False", 0 }, { "OFF", 0 },
	{ "", -1 }, { "y", -1 }, { "n", -1 }, { "2", -1 }, { "01", -1 },
	{ "yes ", -1 }, { " yes", -1 }, { "enable", -1 }, { "none", -1 },
	{ "truee", -1 }, { "of", -1 },
};

static void
test_bool(void **state)
{
	const struct bool_case *c;
	size_t	 i;
	int	 v, rc, bad = 0;

	(void)state;
	for (i = 0; i < NELEM(bool_cases); i++) {
		c = &bool_cases[i];
		v = 42;
		rc = valid_bool(c->s, &v);
		if (c->want == -1 ? (rc != -1 || v != 42) :
		    (rc != 0 || v != c->want)) {
			print_error("valid_bool %zu '%s': %d, %d\n", i, c->s,
			    rc, v);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* ---- valid_text ---- */

struct text_case {
	const char	*s;
	size_t		 len;
	int		 ok;
};

#define T(s, ok)	{ s, sizeof(s) - 1, ok }

static const struct text_case text_cases[] = {
	T("Example Mail", 1),
	T("", 1),
	T("Caf\xc3\xa9 \xe2\x82\xac", 1),
	T("<&>\"'", 1),
	T("~", 1),
	/* Control characters, DEL, NUL. */
	T("a\tb", 0),
	T("a\nb", 0),
	T("a\rb", 0),
	T("\x01", 0),
	T("\x1f", 0),
	T("a\x7f", 0),
	T("a\0b", 0),
	/* Not UTF-8. */
	T("caf\xe9", 0),
	T("\xc0\xaf", 0),
	T("\xed\xa0\x80", 0),
};

static void
test_text(void **state)
{
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < NELEM(text_cases); i++)
		if (valid_text(text_cases[i].s, text_cases[i].len) !=
		    text_cases[i].ok) {
			print_error("valid_text case %zu: want %d\n", i,
			    text_cases[i].ok);
			bad++;
		}
	assert_int_equal(bad, 0);
}

/* ---- valid_host ---- */

struct host_case {
	const char	*s;
	int		 ok;
};

static const struct host_case host_cases[] = {
	{ "imap.example.com", 1 },
	{ "IMAP.Example.COM", 1 },
	{ "localhost", 1 },
	{ "xn--bcher-kva.example", 1 },
	{ "imap.%EMAILDOMAIN%", 1 },
	{ "%EMAILDOMAIN%", 1 },
	{ "mail-1.%EMAILDOMAIN%", 1 },
	{ X63 ".example", 1 },
	{ D253, 1 },
	{ "", 0 },
	{ "imap.example.com.", 0 },
	{ ".example.com", 0 },
	{ "imap..example.com", 0 },
	{ "-imap.example.com", 0 },
	{ "imap-.example.com", 0 },
	{ "imap_1.example.com", 0 },
	{ "imap example.com", 0 },
	{ "imap.example.com:993", 0 },
	{ "user@imap.example.com", 0 },
	{ "[::1]", 0 },
	{ X64 ".example", 0 },
	{ D254, 0 },
	{ "b\xc3\xbc" "cher.example", 0 },
	/* The address placeholders mean nothing in a host name. */
	{ "imap.%EMAILADDRESS%", 0 },
	{ "%EMAILLOCALPART%.example.com", 0 },
	{ "imap.%EMAILDOMAIN", 0 },
	/* Too long once %EMAILDOMAIN% stands for a domain. */
	{ X63 "." X63 "." X63 "." X60 ".%EMAILDOMAIN%", 0 },
};

static void
test_host(void **state)
{
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < NELEM(host_cases); i++)
		if (valid_host(host_cases[i].s) != host_cases[i].ok) {
			print_error("valid_host %zu '%s': want %d\n", i,
			    host_cases[i].s, host_cases[i].ok);
			bad++;
		}
	assert_int_equal(bad, 0);
}

/* ---- valid_user ---- */

static const struct text_case user_cases[] = {
	T("%EMAILADDRESS%", 1),
	T("%EMAILLOCALPART%", 1),
	T("%EMAILLOCALPART%@%EMAILDOMAIN%", 1),
	T("%EMAILADDRESS%%EMAILDOMAIN%", 1),
	T("mailuser", 1),
	T("%EMAILLOCALPART%+<mail>&co", 1),
	T("caf\xc3\xa9", 1),
	/* Unknown or broken placeholders, a lone '%'. */
	T("%EMAIL%", 0),
	T("%emailaddress%", 0),
	T("%EMAILADDRESS", 0),
	T("EMAILADDRESS%", 0),
	T("100%", 0),
	T("%", 0),
	T("%%", 0),
	/* White space, control characters, not UTF-8. */
	T("a b", 0),
	T(" %EMAILADDRESS%", 0),
	T("a\tb", 0),
	T("a\nb", 0),
	T("a\0b", 0),
	T("caf\xe9", 0),
};

static void
test_user(void **state)
{
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < NELEM(user_cases); i++)
		if (valid_user(user_cases[i].s, user_cases[i].len) !=
		    user_cases[i].ok) {
			print_error("valid_user %zu '%s': want %d\n", i,
			    user_cases[i].s, user_cases[i].ok);
			bad++;
		}
	assert_int_equal(bad, 0);
}

/* ---- valid_url ---- */

struct url_case {
	const char	*s;
	int		 ok;
};

static const struct url_case url_cases[] = {
	{ "https://mail.example.com/jmap/session", 1 },
	{ "http://contacts.pop.example/card/pop.example", 1 },
	{ "https://x.example", 1 },
	{ "https://x.example/", 1 },
	{ "https://x.example:443", 1 },
	{ "https://x.example:8443/caldav/", 1 },
	{ "https://dav.%EMAILDOMAIN%:8443/caldav/%EMAILDOMAIN%/", 1 },
	{ "https://dav.example/carddav/?a=1&b=2", 1 },
	{ "https://x.example?x=1", 1 },
	/* Scheme: http or https, lower case, with a host. */
	{ "ftp://x.example/", 0 },
	{ "HTTPS://x.example/", 0 },
	{ "https:/x.example/", 0 },
	{ "//x.example/", 0 },
	{ "x.example", 0 },
	{ "https://", 0 },
	{ "http://", 0 },
	{ "https:///path", 0 },
	{ "", 0 },
	/* Host. */
	{ "https://-x.example/", 0 },
	{ "https://x_y.example/", 0 },
	{ "https://user@x.example/", 0 },
	{ "https://user:pw@x.example/", 0 },
	{ "https://[::1]/", 0 },
	{ "https://x.%EMAILADDRESS%/", 0 },
	/* Port: 1-65535, digits only, then the end or a path. */
	{ "https://x.example:0/", 0 },
	{ "https://x.example:65536/", 0 },
	{ "https://x.example:80a/", 0 },
	{ "https://x.example:/", 0 },
	{ "https://x.example:-1/", 0 },
	/* No white space, quotes, angle brackets, backslash, non-ASCII. */
	{ "https://x.example/a b", 0 },
	{ "https://x.example/a\tb", 0 },
	{ "https://x.example/\"", 0 },
	{ "https://x.example/<x>", 0 },
	{ "https://x.example/a\\b", 0 },
	{ "https://x.example/\x7f", 0 },
	{ "https://x.example/caf\xc3\xa9", 0 },
	/* The address placeholders have no meaning in a URL. */
	{ "https://x.example/%EMAILADDRESS%", 0 },
	{ "https://x.example/?u=%EMAILLOCALPART%", 0 },
};

static void
test_url(void **state)
{
	size_t	 i;
	int	 bad = 0;

	(void)state;
	for (i = 0; i < NELEM(url_cases); i++)
		if (valid_url(url_cases[i].s, strlen(url_cases[i].s)) !=
		    url_cases[i].ok) {
			print_error("valid_url %zu '%s': want %d\n", i,
			    url_cases[i].s, url_cases[i].ok);
			bad++;
		}
	assert_int_equal(bad, 0);
}

/* setup_path (mailautoconf.conf(5)). */
static void
test_webpath(void **state)
{
	static const struct {
		const char	*s;
		int		 ok;
	} cases[] = {
		{ "/", 1 },
		{ "/mail/setup", 1 },
		{ "/mail/setup/", 1 },
		{ "/a-b_c.d~e/F9", 1 },
		{ "/." X60, 1 },
		{ "", 0 },
		{ "mail/setup", 0 },
		{ "//mail", 0 },
		{ "/mail//setup", 0 },
		{ "/mail/./setup", 0 },
		{ "/mail/../setup", 0 },
		{ "/..", 0 },
		{ "/.", 0 },
		{ "/mail/..", 0 },
		{ "/mail?x=1", 0 },
		{ "/mail#x", 0 },
		{ "/mail setup", 0 },
		{ "/mail%20setup", 0 },
		{ "/m\xc3\xa4il", 0 },
		{ "/" X60 X60 "1234567", 1 },	/* 128 bytes */
		{ "/" X60 X60 "12345678", 0 },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++)
		if (valid_webpath(cases[i].s, strlen(cases[i].s)) != cases[i].ok)
			fail_msg("valid_webpath '%s': want %d", cases[i].s,
			    cases[i].ok);
	/* A NUL byte inside is no path character. */
	assert_int_equal(valid_webpath("/a\0b", 4), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_webpath),
		cmocka_unit_test(test_addr_good),
		cmocka_unit_test(test_addr_bad),
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_caseeq),
		cmocka_unit_test(test_decimal),
		cmocka_unit_test(test_squeeze),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_uint),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_user),
		cmocka_unit_test(test_url),
	};

	return cmocka_run_group_tests_name("valid", tests, NULL, NULL);
}
