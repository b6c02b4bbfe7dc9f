/*
 * CGI variables and body -> a validated request.  Everything here is a
 * pure function of its arguments: no I/O, no allocation.
 */
#include <stdint.h>
#include <string.h>

#include "mailautoconf.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/*
 * 1 if the n bytes at a and b are equal, ignoring ASCII case.  Eight
 * bytes at a time while they are equal as they stand (clients mostly
 * send the lower case the patterns have), then byte by byte.
 */
int
req_caseeq(const char *a, const char *b, size_t n)
{
	uint64_t	 wa, wb;
	size_t		 i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&wa, a + i, 8);
		memcpy(&wb, b + i, 8);
		if (wa != wb)
			break;
	}
	for (; i < n; i++)
		if (a[i] != b[i] &&
		    lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

/*
 * The length of the strict UTF-8 sequence at s (n bytes left, s[0] >=
 * 0x80), its code point in *cp; 0 when it is not one: no overlong
 * forms, no surrogates, nothing above U+10FFFF.
 */
size_t
req_utf8_seq(const unsigned char *s, size_t n, unsigned *cp)
{
	size_t		 need, k;
	unsigned	 c = s[0], min;

	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		min = 0x80;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		min = 0x800;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		min = 0x10000;
		c &= 0x07;
	} else
		return 0;
	if (n <= need)
		return 0;
	for (k = 1; k <= need; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[k] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return need + 1;
}

/* 1 if the n bytes at s are strict UTF-8 without NUL. */
int
req_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t		 i, k;
	unsigned	 cp;

	for (i = 0; i < n; i++) {
		if (p[i] == 0)
			return 0;
		if (p[i] < 0x80)
			continue;
		if ((k = req_utf8_seq(p + i, n - i, &cp)) == 0)
			return 0;
		i += k - 1;
	}
	return 1;
}

/*
 * Parse CONTENT_LENGTH.  Returns 0 and sets *len for a number, 1 when
 * absent or empty (nginx passes it empty), -1 when malformed.  Values
 * past BODY_MAX saturate to BODY_MAX + 1: the caller answers 413.
 */
int
req_content_length(const char *s, size_t *len)
{
	size_t	 v = 0;

	if (s == NULL || *s == '\0')
		return 1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v <= BODY_MAX)
			v = v * 10 + (size_t)(*s - '0');
	}
	*len = v > BODY_MAX ? BODY_MAX + 1 : v;
	return 0;
}

/*
 * Percent-decode n bytes of s into out (size outsz, NUL-terminated).
 * "%00", a bad escape or a result that does not fit fail with -1;
 * otherwise returns the decoded length.  '+' stays '+': it is common in
 * local parts and a space is never valid in an address anyway.
 */
static int
pct_decode(const char *s, size_t n, char *out, size_t outsz)
{
	size_t	 i, o = 0;
	int	 hi, lo, c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (n - i < 3 || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0)
				return -1;
			c = hi << 4 | lo;
			if (c == 0)
				return -1;
			i += 2;
		} else if (c == '\0')
			return -1;
		if (o + 1 >= outsz)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return (int)o;
}

static int
has_double_slash(const char *s, size_t n)
{
	const char	*p = s, *end = s + n;

	while ((p = memchr(p, '/', (size_t)(end - p))) != NULL) {
		if (++p < end && *p == '/')
			return 1;
	}
	return 0;
}

/*
 * Decode a request path: percent-decode (when decode is set), squeeze
 * runs of '/'.  Returns 0 and the length in *outlen, -1 on a bad escape,
 * "%00" or overflow.
 */
int
req_path(const char *s, size_t n, char *out, size_t outsz, size_t *outlen)
{
	size_t	 i, o;
	int	 len;

	/* The common path: nothing to decode or squeeze, one copy. */
	if (n < outsz && memchr(s, '%', n) == NULL &&
	    memchr(s, '\0', n) == NULL && !has_double_slash(s, n)) {
		memcpy(out, s, n);
		out[n] = '\0';
		*outlen = n;
		return 0;
	}
	if ((len = pct_decode(s, n, out, outsz)) < 0)
		return -1;
	for (i = o = 0; i < (size_t)len; i++) {
		if (out[i] == '/' && o > 0 && out[o - 1] == '/')
			continue;
		out[o++] = out[i];
	}
	out[o] = '\0';
	*outlen = o;
	return 0;
}

/*
 * Find the first key=value pair named key (ASCII case-insensitive) in
 * the query string q and decode its value into out.  Returns the value's
 * length, -1 when the key is absent, -2 when its value is malformed or
 * longer than outsz - 1.
 */
int
req_query(const char *q, const char *key, char *out, size_t outsz)
{
	size_t	 klen = strlen(key), plen;
	const char *p, *end, *eq;

	if (q == NULL)
		return -1;
	for (p = q; *p != '\0'; p = *end == '\0' ? end : end + 1) {
		if ((end = strchr(p, '&')) == NULL)
			end = p + strlen(p);
		plen = (size_t)(end - p);
		if ((eq = memchr(p, '=', plen)) == NULL ||
		    (size_t)(eq - p) != klen)
			continue;
		if (!req_caseeq(p, key, klen))
			continue;
		if (pct_decode(eq + 1, (size_t)(end - eq - 1), out,
		    outsz) < 0)
			return -2;
		return (int)strlen(out);
	}
	return -1;
}

/*
 * Validate a domain name of n bytes: letter-digit-hyphen labels of
 * 1..LABEL_MAX bytes, no hyphen at either end of a label, at most
 * DOMAIN_MAX bytes; one trailing dot is dropped.  Writes it lower-cased
 * to out.  Returns its length, or -1.
 */
int
req_domain(const char *s, size_t n, char *out, size_t outsz)
{
	/* What each byte is in a domain name; 0: not allowed. */
	enum { D_NO, D_LOW, D_UP, D_HYPHEN, D_DOT };
	static const unsigned char cls[256] = {
		['-'] = D_HYPHEN, ['.'] = D_DOT,
		['0'] = D_LOW, ['1'] = D_LOW, ['2'] = D_LOW, ['3'] = D_LOW,
		['4'] = D_LOW, ['5'] = D_LOW, ['6'] = D_LOW, ['7'] = D_LOW,
		['8'] = D_LOW, ['9'] = D_LOW,
		['a'] = D_LOW, ['b'] = D_LOW, ['c'] = D_LOW, ['d'] = D_LOW,
		['e'] = D_LOW, ['f'] = D_LOW, ['g'] = D_LOW, ['h'] = D_LOW,
		['i'] = D_LOW, ['j'] = D_LOW, ['k'] = D_LOW, ['l'] = D_LOW,
		['m'] = D_LOW, ['n'] = D_LOW, ['o'] = D_LOW, ['p'] = D_LOW,
		['q'] = D_LOW, ['r'] = D_LOW, ['s'] = D_LOW, ['t'] = D_LOW,
		['u'] = D_LOW, ['v'] = D_LOW, ['w'] = D_LOW, ['x'] = D_LOW,
		['y'] = D_LOW, ['z'] = D_LOW,
		['A'] = D_UP, ['B'] = D_UP, ['C'] = D_UP, ['D'] = D_UP,
		['E'] = D_UP, ['F'] = D_UP, ['G'] = D_UP, ['H'] = D_UP,
		['I'] = D_UP, ['J'] = D_UP, ['K'] = D_UP, ['L'] = D_UP,
		['M'] = D_UP, ['N'] = D_UP, ['O'] = D_UP, ['P'] = D_UP,
		['Q'] = D_UP, ['R'] = D_UP, ['S'] = D_UP, ['T'] = D_UP,
		['U'] = D_UP, ['V'] = D_UP, ['W'] = D_UP, ['X'] = D_UP,
		['Y'] = D_UP, ['Z'] = D_UP,
	};
	size_t	 i, start = 0;
	int	 c;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > DOMAIN_MAX || n + 1 > outsz)
		return -1;
	/* A label is s[start..i): 1..LABEL_MAX bytes, no '-' at its ends. */
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		switch (cls[c]) {
		case D_LOW:
		case D_HYPHEN:
			out[i] = (char)c;
			break;
		case D_UP:
			out[i] = (char)(c + ('a' - 'A'));
			break;
		case D_DOT:
			if (i == start || i - start > LABEL_MAX ||
			    s[start] == '-' || s[i - 1] == '-')
				return -1;
			out[i] = '.';
			start = i + 1;
			break;
		default:
			return -1;
		}
	}
	/* start == n: a second trailing dot, an empty last label. */
	if (start == n || n - start > LABEL_MAX || s[start] == '-' ||
	    s[n - 1] == '-')
		return -1;
	out[n] = '\0';
	return (int)n;
}

/*
 * Validate an e-mail address of n bytes (kcgi's kvalid_email is the
 * model): one '@', a dot-atom local part of 1..LOCAL_MAX bytes, a valid
 * domain, EMAIL_MAX in all.  No quoted local parts, no raw UTF-8 (IDN
 * domains arrive as punycode).  The domain is lower-cased; the local
 * part keeps its case.  Returns 0 or -1.
 */
int
req_addr(const char *s, size_t n, struct addr *a)
{
	/* The dot-atom characters other than '.' (RFC 5322 atext). */
	static const unsigned char atext[128] = {
		['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1,
		['\''] = 1, ['*'] = 1, ['+'] = 1, ['-'] = 1, ['/'] = 1,
		['='] = 1, ['?'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1,
		['{'] = 1, ['|'] = 1, ['}'] = 1, ['~'] = 1,
		['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
		['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
		['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1,
		['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1,
		['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1,
		['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1,
		['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1,
		['Z'] = 1,
		['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1,
		['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1,
		['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1,
		['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1,
		['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1,
		['z'] = 1,
	};
	const char *at;
	size_t	 i, local;
	int	 c, dlen;

	if (n == 0 || n > EMAIL_MAX || (at = memchr(s, '@', n)) == NULL)
		return -1;
	local = (size_t)(at - s);
	if (local == 0 || local > LOCAL_MAX || s[0] == '.' ||
	    s[local - 1] == '.')
		return -1;
	for (i = 0; i < local; i++) {
		c = (unsigned char)s[i];
		if (c == '.') {
			if (s[i + 1] == '.')
				return -1;
		} else if (c >= 128 || !atext[c])
			return -1;
		a->full[i] = (char)c;
	}
	a->full[local] = '@';
	/* No trailing dot here: req_domain would accept and drop one. */
	if (s[n - 1] == '.')
		return -1;
	dlen = req_domain(at + 1, n - local - 1, a->full + local + 1,
	    sizeof(a->full) - local - 1);
	if (dlen < 0)
		return -1;
	a->locallen = local;
	a->fulllen = local + 1 + (size_t)dlen;
	return 0;
}

/*
 * The request's domain from HTTP_HOST: lower-cased, port removed, one
 * leading "autoconfig." or "autodiscover." label removed.  Returns its
 * length, or -1 when absent or not a domain name (an IP literal, say).
 */
int
req_host(const char *h, char *out, size_t outsz)
{
	static const char *const strip[] = { "autoconfig.", "autodiscover." };
	size_t	 n, i, sl;
	const char *colon;
	int	 len;

	if (h == NULL)
		return -1;
	n = strlen(h);
	if (n > HOST_MAX)
		return -1;
	if ((colon = memchr(h, ':', n)) != NULL) {
		for (i = (size_t)(colon - h) + 1; i < n; i++)
			if (h[i] < '0' || h[i] > '9')
				return -1;
		n = (size_t)(colon - h);
	}
	for (i = 0; i < sizeof(strip) / sizeof(strip[0]); i++) {
		sl = strlen(strip[i]);
		if (n > sl && req_caseeq(h, strip[i], sl)) {
			h += sl;
			n -= sl;
			break;
		}
	}
	if ((len = req_domain(h, n, out, outsz)) < 0)
		return -1;
	/* An all-digit last label: an IPv4 literal, not a name. */
	for (i = (size_t)len; i > 0 && out[i - 1] >= '0' && out[i - 1] <= '9';
	    i--)
		;
	if (i == 0 || out[i - 1] == '.')
		return -1;
	return len;
}

static enum method
req_method(const char *m)
{
	static const char *const names[METHOD_MAX] = {
		[M_GET] = "GET",
		[M_HEAD] = "HEAD",
		[M_POST] = "POST",
	};
	int	 i;

	if (m == NULL)
		return M_OTHER;
	for (i = M_GET; i < METHOD_MAX; i++)
		if (strcmp(m, names[i]) == 0)
			return (enum method)i;
	return M_OTHER;
}

/*
 * Build a request from the CGI variables and the body already read
 * (body may be NULL).  The path comes from REQUEST_URI, the one
 * variable every server passes unchanged, else SCRIPT_NAME + PATH_INFO.
 * Returns 0, or -1 with *st set to the answer (400 or 414).
 */
int
req_parse(const struct cgi_env *env, const char *body, size_t bodylen,
    struct request *r, enum status *st)
{
	const char *uri = env->request_uri, *q;
	size_t	 n, sn;
	int	 hl;

	r->method = req_method(env->method);
	r->body = body;
	r->bodylen = bodylen;
	r->query = env->query_string;
	r->pathlen = 0;
	r->path[0] = '\0';
	if (uri != NULL && *uri != '\0') {
		n = strlen(uri);
		if (n > URI_MAX) {
			*st = ST_URITOOLONG;
			return -1;
		}
		if ((q = memchr(uri, '?', n)) != NULL) {
			if (r->query == NULL)
				r->query = q + 1;
			n = (size_t)(q - uri);
		}
		if (req_path(uri, n, r->path, sizeof(r->path),
		    &r->pathlen) == -1) {
			*st = ST_BADREQ;
			return -1;
		}
	} else {
		/* Already decoded by the server: join and squeeze only. */
		sn = env->script_name ? strlen(env->script_name) : 0;
		n = env->path_info ? strlen(env->path_info) : 0;
		if (sn + n > URI_MAX) {
			*st = ST_URITOOLONG;
			return -1;
		}
		if (sn > 0)
			memcpy(r->path, env->script_name, sn);
		if (n > 0)
			memcpy(r->path + sn, env->path_info, n);
		for (n += sn, sn = 0, hl = 0; (size_t)hl < n; hl++) {
			if (r->path[hl] == '/' && sn > 0 &&
			    r->path[sn - 1] == '/')
				continue;
			r->path[sn++] = r->path[hl];
		}
		r->path[sn] = '\0';
		r->pathlen = sn;
	}
	if (r->query != NULL && strlen(r->query) > QUERY_MAX) {
		*st = ST_URITOOLONG;
		return -1;
	}
	/* Parsed by the handler that needs it (no address given). */
	r->host[0] = '\0';
	r->http_host = env->http_host;
	return 0;
}
