/*
 * The toolbox: validators and small string helpers, one of each, for
 * the request (request.c, respond.c, body.c), the config (confread.c,
 * config.c) and the emitters.  Pure functions: no I/O, no allocation.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "mailautoconf.h"

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
str_caseeq(const char *a, const char *b, size_t n)
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
utf8_seq(const unsigned char *s, size_t n, unsigned *cp)
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
valid_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t		 i, k;
	unsigned	 cp;

	for (i = 0; i < n; i++) {
		if (p[i] == 0)
			return 0;
		if (p[i] < 0x80)
			continue;
		if ((k = utf8_seq(p + i, n - i, &cp)) == 0)
			return 0;
		i += k - 1;
	}
	return 1;
}

/*
 * Validate a domain name of n bytes: letter-digit-hyphen labels of
 * 1..LABEL_MAX bytes, no hyphen at either end of a label, at most
 * DOMAIN_MAX bytes; one trailing dot is dropped.  Writes it lower-cased
 * to out.  Returns its length, or -1.
 */
int
valid_domain(const char *s, size_t n, char *out, size_t outsz)
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
valid_addr(const char *s, size_t n, struct addr *a)
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
	/* No trailing dot here: valid_domain would accept and drop one. */
	if (s[n - 1] == '.')
		return -1;
	dlen = valid_domain(at + 1, n - local - 1, a->full + local + 1,
	    sizeof(a->full) - local - 1);
	if (dlen < 0)
		return -1;
	a->locallen = local;
	a->fulllen = local + 1 + (size_t)dlen;
	return 0;
}

/*
 * 1 if s is text a config value may hold: strict UTF-8 without control
 * characters.
 */
int
valid_text(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return valid_utf8(s, n);
}

/*
 * 1 if s is a host name, once each %EMAILDOMAIN% in it stands for a
 * domain ("example.com" stands in here; the lengths with the real
 * domains are checked once the domains are known, in prepare.c).
 */
int
valid_host(const char *s)
{
	char	 tmp[DOMAIN_MAX + 2], out[DOMAIN_MAX + 1];
	size_t	 n;

	if (strlen(s) > CONF_VALUE_MAX)
		return 0;
	n = strlen(str_expand(s, "example.com", tmp, sizeof(tmp)));
	return n > 0 && valid_domain(tmp, n, out, sizeof(out)) >= 0 &&
	    tmp[n - 1] != '.';
}

/*
 * 1 if the username template holds only known placeholders and no
 * white space or control characters.
 */
int
valid_user(const char *s, size_t n)
{
	static const char *const ph[] = {
		"%EMAILADDRESS%", "%EMAILLOCALPART%", "%EMAILDOMAIN%"
	};
	size_t	 i, j, l;

	if (!valid_text(s, n))
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == ' ')
			return 0;
		if (s[i] != '%')
			continue;
		for (j = 0; j < sizeof(ph) / sizeof(ph[0]); j++) {
			l = strlen(ph[j]);
			if (n - i >= l && strncmp(s + i, ph[j], l) == 0)
				break;
		}
		if (j == sizeof(ph) / sizeof(ph[0]))
			return 0;
		i += l - 1;
	}
	return 1;
}

/*
 * 1 if s is an absolute http(s) URL with a host name (which may use
 * %EMAILDOMAIN%), an optional port, and no white space, quotes or
 * non-ASCII bytes.  The address placeholders have no meaning in a URL.
 */
int
valid_url(const char *s, size_t n)
{
	char		 host[CONF_VALUE_MAX + 1];
	size_t		 i, skip, hl;
	unsigned	 port;

	if (n > 8 && strncmp(s, "https://", 8) == 0)
		skip = 8;
	else if (n > 7 && strncmp(s, "http://", 7) == 0)
		skip = 7;
	else
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f ||
		    s[i] == '"' || s[i] == '<' || s[i] == '>' ||
		    s[i] == '\\' || (unsigned char)s[i] >= 0x80)
			return 0;
	if (strstr(s, "%EMAILADDRESS%") != NULL ||
	    strstr(s, "%EMAILLOCALPART%") != NULL)
		return 0;
	hl = strcspn(s + skip, ":/?#");
	if (hl == 0 || hl >= sizeof(host))
		return 0;
	memcpy(host, s + skip, hl);
	host[hl] = '\0';
	if (!valid_host(host))
		return 0;
	if (s[skip + hl] == ':') {
		i = skip + hl + 1;
		hl = strspn(s + i, "0123456789");
		if (valid_uint(s + i, hl, 1, 65535, &port) == -1 ||
		    (s[i + hl] != '\0' && s[i + hl] != '/'))
			return 0;
	}
	return 1;
}

/*
 * Read the decimal digits at the start of the n bytes at s into *out,
 * the value saturating at cap.  Returns how many digits there were.
 */
size_t
str_decimal(const char *s, size_t n, unsigned long cap, unsigned long *out)
{
	unsigned long	 v = 0;
	size_t		 i;

	for (i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		if (v < cap)
			v = v * 10 + (unsigned long)(s[i] - '0');
	*out = v < cap ? v : cap;
	return i;
}

/*
 * Parse n bytes that are all decimal digits (at most 9 of them) as a
 * number in [min, max].  0, or -1.
 */
int
valid_uint(const char *s, size_t n, unsigned min, unsigned max,
    unsigned *out)
{
	unsigned long	 v;

	if (n == 0 || n > 9 || str_decimal(s, n, 1000000000ul, &v) != n ||
	    v < min || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* "yes", "true", "on", "1" and their opposites, in any case; 0 or -1. */
int
valid_bool(const char *s, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t	 i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/*
 * Copy config text s to out (size outsz, NUL-terminated) with each
 * %EMAILDOMAIN% replaced by dom; "" when it does not fit.  Returns out.
 */
char *
str_expand(const char *s, const char *dom, char *out, size_t outsz)
{
	struct buf	 b;
	const char	*p;

	buf_fixed(&b, out, outsz - 1);
	while ((p = strstr(s, "%EMAILDOMAIN%")) != NULL) {
		buf_add(&b, s, (size_t)(p - s));
		buf_puts(&b, dom);
		s = p + 13;
	}
	buf_puts(&b, s);
	out[b.err ? 0 : b.len] = '\0';
	return out;
}

/*
 * The length of prefix when the string s starts with it, ignoring
 * ASCII case; else 0.
 */
size_t
str_prefix_ci(const char *s, const char *prefix)
{
	size_t	 i;

	for (i = 0; prefix[i] != '\0'; i++)
		if (s[i] != prefix[i] &&
		    lower((unsigned char)s[i]) != lower((unsigned char)prefix[i]))
			return 0;
	return i;
}

/*
 * Find needle (lower case) in the first n bytes of hay, ignoring ASCII
 * case; its offset, or -1.
 */
long
str_find_ci(const char *hay, size_t n, const char *needle)
{
	size_t	 nl = strlen(needle), i;

	for (i = 0; i + nl <= n; i++)
		if (str_caseeq(hay + i, needle, nl))
			return (long)i;
	return -1;
}

/*
 * Squeeze each run of '/' in the n bytes at p to one, in place.
 * Returns the new length.
 */
size_t
str_squeeze(char *p, size_t n)
{
	size_t	 i, o;

	for (i = o = 0; i < n; i++) {
		if (p[i] == '/' && o > 0 && p[o - 1] == '/')
			continue;
		p[o++] = p[i];
	}
	return o;
}

/*
 * The setup page's path: "/" then segments of letters, digits, '-',
 * '.', '_' and '~', one '/' between them (a trailing one allowed), no
 * "." or ".." segment; WEBPATH_MAX bytes at most.  1 or 0.
 */
int
valid_webpath(const char *s, size_t n)
{
	size_t	 i, seg = 1;

	if (n < 1 || n > WEBPATH_MAX || s[0] != '/')
		return 0;
	for (i = 1; i <= n; i++) {
		if (i < n && s[i] != '/') {
			if (!(s[i] >= 'a' && s[i] <= 'z') &&
			    !(s[i] >= 'A' && s[i] <= 'Z') &&
			    !(s[i] >= '0' && s[i] <= '9') &&
			    (s[i] == '\0' || strchr("-._~", s[i]) == NULL))
				return 0;
			continue;
		}
		/* The segment s[seg..i): not empty but at the end, no dots. */
		if ((i == seg && i < n) || (i - seg == 1 && s[seg] == '.') ||
		    (i - seg == 2 && s[seg] == '.' && s[seg + 1] == '.'))
			return 0;
		seg = i + 1;
	}
	return 1;
}
