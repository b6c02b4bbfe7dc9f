/*
 * fcgi_ready (fcgi.c): whether the FastCGI records waiting on a
 * connection hold a whole request, judged from their 8-byte headers
 * alone.  A worker hands a request to libfcgi only when it is whole
 * (R_WHOLE), or when more body than BODY_MAX has come (R_BIG: enough to
 * answer 413), so libfcgi never waits for a peer; R_BAD is what libfcgi
 * would refuse or choke on, among them parameters whose lengths run past
 * their end (a length near 2 GiB makes libfcgi abort).  Each case builds
 * a stream of records and cuts it at every length, so the answer for
 * every prefix is checked too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mailautoconf.h"

#define STREAM_MAX	(BODY_MAX + 4096)

static size_t	 len;	/* fcgi_ready's request length */

struct stream {
	unsigned char	 b[STREAM_MAX];
	size_t		 n;
};

/*
 * Append one record of version 1, request id 1, to s: its contents are
 * the clen bytes at data, or 'x' bytes when data is NULL.
 */
static void
recd(struct stream *s, int type, const unsigned char *data, size_t clen,
    size_t pad)
{
	unsigned char	*h = s->b + s->n;

	assert_true(s->n + 8 + clen + pad <= sizeof(s->b));
	h[0] = 1;
	h[1] = (unsigned char)type;
	h[2] = 0;
	h[3] = 1;
	h[4] = (unsigned char)(clen >> 8);
	h[5] = (unsigned char)clen;
	h[6] = (unsigned char)pad;
	h[7] = 0;
	memset(h + 8, 'x', clen + pad);
	if (data != NULL)
		memcpy(h + 8, data, clen);
	s->n += 8 + clen + pad;
}

static void
rec(struct stream *s, int type, size_t clen, size_t pad)
{
	/* FCGI_BEGIN_REQUEST: the responder's role, no flags. */
	static const unsigned char begin[8] = { 0, 1, 0, 0, 0, 0, 0, 0 };

	recd(s, type, type == 1 && clen == 8 ? begin : NULL, clen, pad);
}

/*
 * Ten name-value pairs of 30 bytes (8-byte names, 20-byte values, one
 * byte for each length) into p: 300 bytes.
 */
static void
pairs(unsigned char *p)
{
	int	 i;

	for (i = 0; i < 10; i++, p += 30) {
		p[0] = 8;
		p[1] = 20;
		memset(p + 2, 'N', 8);
		memset(p + 10, 'v', 20);
	}
}

/* A request up to the end of its parameters. */
static void
head(struct stream *s)
{
	unsigned char	 p[300];

	pairs(p);
	s->n = 0;
	rec(s, 1, 8, 0);	/* FCGI_BEGIN_REQUEST */
	recd(s, 4, p, sizeof(p), 4);	/* FCGI_PARAMS */
	rec(s, 4, 0, 0);
}

/* A request with the parameters p (len bytes) in records of at most
 * cut bytes, and no body. */
static void
with_params(struct stream *s, const unsigned char *p, size_t plen,
    size_t cut)
{
	size_t	 k;

	s->n = 0;
	rec(s, 1, 8, 0);
	for (; plen > 0; p += k, plen -= k) {
		k = plen < cut ? plen : cut;
		recd(s, 4, p, k, 0);
	}
	rec(s, 4, 0, 0);
	rec(s, 5, 0, 0);
}

/* Every prefix shorter than whole is R_WAIT, the whole stream want. */
static void
assert_prefixes(const struct stream *s, size_t whole, enum ready want)
{
	size_t	 i;

	for (i = 0; i < whole; i++)
		assert_int_equal(fcgi_ready(s->b, i, &len), R_WAIT);
	len = 0;
	assert_int_equal(fcgi_ready(s->b, whole, &len), want);
	/* A whole request's length: up to the end of its last record. */
	if (want == R_WHOLE)
		assert_int_equal(len, whole);
	assert_int_equal(fcgi_ready(s->b, s->n, &len), want);
	if (want == R_WHOLE)
		assert_int_equal(len, whole);
}

static void
test_get(void **state)
{
	struct stream	 s;

	(void)state;
	head(&s);
	rec(&s, 5, 0, 0);	/* the empty FCGI_STDIN: the end */
	assert_prefixes(&s, s.n, R_WHOLE);
}

static void
test_post_in_pieces(void **state)
{
	struct stream	 s;

	(void)state;
	head(&s);
	rec(&s, 5, 100, 4);
	rec(&s, 5, 250, 6);
	rec(&s, 5, 0, 0);
	assert_prefixes(&s, s.n, R_WHOLE);
}

/* The next request behind the first changes nothing. */
static void
test_whole_then_more(void **state)
{
	struct stream	 s;
	size_t		 first;

	(void)state;
	head(&s);
	rec(&s, 5, 0, 0);
	first = s.n;
	rec(&s, 1, 8, 0);
	rec(&s, 4, 20, 0);
	assert_prefixes(&s, first, R_WHOLE);
}

/* More than BODY_MAX of body is enough to answer: 413. */
static void
test_big_body(void **state)
{
	struct stream	 s;
	size_t		 at;

	(void)state;
	head(&s);
	rec(&s, 5, 8192, 0);
	at = s.n;
	rec(&s, 5, 8192, 0);	/* 16384 = BODY_MAX: not yet */
	rec(&s, 5, 100, 0);
	assert_int_equal(fcgi_ready(s.b, at, &len), R_WAIT);
	assert_int_equal(fcgi_ready(s.b, at + 8 + 8192, &len), R_WAIT);
	/* One byte past BODY_MAX, before its record is all there. */
	assert_int_equal(fcgi_ready(s.b, at + 8 + 8192 + 8 + 1, &len), R_BIG);
	assert_int_equal(fcgi_ready(s.b, s.n, &len), R_BIG);
}

static void
test_bad(void **state)
{
	struct stream	 s;

	(void)state;
	/* Not FastCGI: an HTTP request line. */
	memcpy(s.b, "GET / HTTP/1.0\r\n\r\n", 18);
	assert_int_equal(fcgi_ready(s.b, 18, &len), R_BAD);
	/* Another version. */
	head(&s);
	s.b[0] = 2;
	assert_int_equal(fcgi_ready(s.b, s.n, &len), R_BAD);
	/* Parameters first, no FCGI_BEGIN_REQUEST. */
	s.n = 0;
	rec(&s, 4, 10, 0);
	assert_int_equal(fcgi_ready(s.b, s.n, &len), R_BAD);
	/* FCGI_BEGIN_REQUEST with request id 0 (management). */
	s.n = 0;
	rec(&s, 1, 8, 0);
	s.b[3] = 0;
	assert_int_equal(fcgi_ready(s.b, s.n, &len), R_BAD);
	/* A second FCGI_BEGIN_REQUEST in the parameters. */
	s.n = 0;
	rec(&s, 1, 8, 0);
	s.b[9] = 1;
	rec(&s, 4, 0, 0);
	rec(&s, 1, 8, 0);
	assert_int_equal(fcgi_ready(s.b, s.n, &len), R_BAD);
	/* Another request id. */
	head(&s);
	rec(&s, 5, 0, 0);
	s.b[s.n - 8 + 3] = 2;
	assert_int_equal(fcgi_ready(s.b, s.n, &len), R_BAD);
	/* Other roles than the responder's. */
	head(&s);
	rec(&s, 5, 0, 0);
	s.b[9] = 2;	/* FCGI_AUTHORIZER */
	assert_int_equal(fcgi_ready(s.b, s.n, &len), R_BAD);
	/* FCGI_ABORT_REQUEST. */
	head(&s);
	rec(&s, 2, 0, 0);
	assert_int_equal(fcgi_ready(s.b, s.n, &len), R_BAD);
	/* Padding where libfcgi reads none: FCGI_BEGIN_REQUEST's, an empty
	 * record's. */
	head(&s);
	s.b[6] = 8;
	assert_int_equal(fcgi_ready(s.b, s.n, &len), R_BAD);
	s.n = 0;
	rec(&s, 1, 8, 0);
	rec(&s, 4, 0, 8);
	rec(&s, 5, 0, 0);
	assert_int_equal(fcgi_ready(s.b, s.n, &len), R_BAD);
	/* A management record (request id 0) after the first. */
	head(&s);
	rec(&s, 5, 0, 0);
	s.b[s.n - 8 + 3] = 0;
	assert_int_equal(fcgi_ready(s.b, s.n, &len), R_BAD);
	/* Body before the end of the parameters. */
	s.n = 0;
	rec(&s, 1, 8, 0);
	rec(&s, 4, 10, 0);
	rec(&s, 5, 0, 0);
	assert_int_equal(fcgi_ready(s.b, s.n, &len), R_BAD);
	/* A later record of another version. */
	head(&s);
	rec(&s, 5, 0, 0);
	s.b[s.n - 8] = 0;
	assert_int_equal(fcgi_ready(s.b, s.n, &len), R_BAD);
}

/* A pair split across two records, a four-byte length: well formed. */
static void
test_params_spanning(void **state)
{
	struct stream	 s;
	unsigned char	 p[300 + 1 + 4 + 3 + 200];
	size_t		 cut;

	(void)state;
	pairs(p);
	/* "ABC" = 200 bytes, the value's length in four bytes. */
	p[300] = 3;
	p[301] = 0x80;
	p[302] = 0;
	p[303] = 0;
	p[304] = 200;
	memcpy(p + 305, "ABC", 3);
	memset(p + 308, 'v', 200);
	with_params(&s, p, sizeof(p) - 2, 7);
	/* 506 bytes given, the last pair wants 508: two too few. */
	assert_int_equal(fcgi_ready(s.b, s.n, &len), R_PARAMS);
	with_params(&s, p, sizeof(p), 7);
	assert_prefixes(&s, s.n, R_WHOLE);
	/* Records of 1 to 9 bytes: lengths split across records too. */
	for (cut = 1; cut < 10; cut++) {
		with_params(&s, p, sizeof(p), cut);
		assert_int_equal(fcgi_ready(s.b, s.n, &len), R_WHOLE);
	}
}

/* Lengths libfcgi would allocate and fail on: refused here. */
static void
test_params_lengths(void **state)
{
	struct stream	 s;
	static const unsigned char huge[][8] = {
		/* 1 GiB name and value: libfcgi's sum overflows */
		{ 0xbf, 0xff, 0xff, 0xff, 0xbf, 0xff, 0xff, 0xff },
		/* 0x7ffffffd and 1 */
		{ 0xff, 0xff, 0xff, 0xfd, 0x01, 'a', 'b', 'c' },
		/* 2 GiB each */
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	unsigned char	 p[2] = { 5, 1 };	/* lengths, no bytes */
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		with_params(&s, huge[i], 8, 8);
		assert_int_equal(fcgi_ready(s.b, s.n, &len), R_PARAMS);
	}
	with_params(&s, p, 2, 8);
	assert_int_equal(fcgi_ready(s.b, s.n, &len), R_PARAMS);
	/* Half a length at the end. */
	with_params(&s, huge[0], 3, 8);
	assert_int_equal(fcgi_ready(s.b, s.n, &len), R_PARAMS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_post_in_pieces),
		cmocka_unit_test(test_whole_then_more),
		cmocka_unit_test(test_big_body),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_params_spanning),
		cmocka_unit_test(test_params_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
