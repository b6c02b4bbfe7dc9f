/*
 * CGI variables and body -> a validated request: req_parse checks what
 * every request has (method, path, query length), req_inputs what the
 * matched route reads (address, domain, Protocol, the Autodiscover
 * body) before its handler runs.  No I/O; the body parser (body.c)
 * allocates through mxml.
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

/*
 * Parse CONTENT_LENGTH.  Returns 0 and sets *len for a number, 1 when
 * absent or empty (nginx passes it empty), -1 when malformed.  Values
 * past BODY_MAX saturate to BODY_MAX + 1: the caller answers 413.
 */
int
req_content_length(const char *s, size_t *len)
{
	unsigned long	 v;
	size_t		 n;

	if (s == NULL || *s == '\0')
		return 1;
	n = strlen(s);
	if (str_decimal(s, n, BODY_MAX + 1, &v) != n)
		return -1;
	*len = (size_t)v;
	return 0;
}

/*
 * Percent-decode n bytes of s into out (size outsz, NUL-terminated).
 * "%00", a raw NUL, a bad escape or a result that does not fit fail
 * with -1; otherwise returns the decoded length.  '+' stays '+': it is
 * common in local parts and a space is never valid in an address anyway.
 */
static int
pct_decode(const char *s, size_t n, char *out, size_t outsz)
{
	size_t	 i, o = 0;
	int	 hi, lo, c;

	/* The common case, nothing escaped: one copy. */
	if (n < outsz && memchr(s, '%', n) == NULL &&
	    memchr(s, '\0', n) == NULL) {
		memcpy(out, s, n);
		out[n] = '\0';
		return (int)n;
	}
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
	int	 len;

	if ((len = pct_decode(s, n, out, outsz)) < 0)
		return -1;
	*outlen = (size_t)len;
	if (has_double_slash(out, *outlen)) {
		*outlen = str_squeeze(out, *outlen);
		out[*outlen] = '\0';
	}
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
	const char	*p;
	size_t		 k;
	int		 n;

	if (q == NULL)
		return -1;
	for (p = q; *p != '\0'; p += strcspn(p, "&"), p += *p == '&') {
		if ((k = str_prefix_ci(p, key)) == 0 || p[k] != '=')
			continue;
		p += k + 1;
		n = pct_decode(p, strcspn(p, "&"), out, outsz);
		return n < 0 ? -2 : n;
	}
	return -1;
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
		if (n > sl && str_caseeq(h, strip[i], sl)) {
			h += sl;
			n -= sl;
			break;
		}
	}
	if ((len = valid_domain(h, n, out, outsz)) < 0)
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
 * variable every server passes unchanged, else SCRIPT_NAME + PATH_INFO;
 * the query from REQUEST_URI when it has one, else QUERY_STRING.
 * Returns 0, or -1 with *st set to the answer (400 or 414).
 */
int
req_parse(const struct cgi_env *env, const char *body, size_t bodylen,
    struct request *r, enum status *st)
{
	const char *uri = env->request_uri, *q;
	size_t	 n, sn;

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
		/*
		 * The query of the URI the path comes from: a server may set
		 * QUERY_STRING to that of another (lighttpd's error-handler,
		 * contrib/lighttpd/mailautoconf-export.conf).
		 */
		if ((q = memchr(uri, '?', n)) != NULL) {
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
		r->pathlen = str_squeeze(r->path, sn + n);
		r->path[r->pathlen] = '\0';
	}
	if (r->query != NULL && strlen(r->query) > QUERY_MAX) {
		*st = ST_URITOOLONG;
		return -1;
	}
	r->http_host = env->http_host;
	return 0;
}

/* The address at the n bytes at s, checked, into r. */
static void
set_addr(struct request *r, const char *s, size_t n)
{
	if (valid_addr(s, n, &r->addr) == -1) {
		r->addr_in = INPUT_BAD;
		return;
	}
	r->addr_in = INPUT_OK;
	r->dom = r->addr.full + r->addr.locallen + 1;
	r->domlen = r->addr.fulllen - r->addr.locallen - 1;
}

/*
 * The address of an Autodiscover POST body, and the response schema
 * it asks for.
 */
static void
body_inputs(struct request *r)
{
	struct adreq	 ad;

	switch (body_autodiscover(r->body, r->bodylen, &ad)) {
	case 0:
		r->body_in = INPUT_OK;
		r->schema = ad.schema;
		set_addr(r, ad.email, ad.emaillen);
		break;
	case -2:
		r->body_in = INPUT_NOMEM;
		break;
	default:
		r->body_in = INPUT_BAD;
		break;
	}
}

/* The address in the query parameter named key, if any. */
static void
query_addr(struct request *r, const char *key)
{
	char	 raw[EMAIL_MAX + 1];
	int	 n;

	n = req_query(r->query, key, raw, sizeof(raw));
	if (n == -2)
		r->addr_in = INPUT_BAD;
	else if (n > 0)
		set_addr(r, raw, (size_t)n);
}

/* autodiscover.json's Protocol parameter. */
static void
query_proto(struct request *r)
{
	char	 proto[PROTO_MAX + 1];
	int	 n;

	n = req_query(r->query, "Protocol", proto, sizeof(proto));
	if (n == 14 && str_caseeq(proto, "autodiscoverv1", 14))
		r->proto = JP_AUTODISCOVER;
	else if (n == 10 && str_caseeq(proto, "activesync", 10))
		r->proto = JP_ACTIVESYNC;
	else
		r->proto = JP_OTHER;
}

/*
 * Check the inputs a route reads (IN_* bits of want) into r: the
 * address (a POST's Autodiscover body, the path after JSON_INFIX, or
 * a query parameter), the domain the request is about (the address's,
 * else the Host's) and autodiscover.json's Protocol.  What is missing
 * or invalid is recorded, not answered: the handler decides how.
 */
void
req_inputs(struct request *r, unsigned want)
{
	const char	*p;
	long		 at;
	int		 n;

	r->addr_in = r->body_in = INPUT_NONE;
	r->proto = JP_NONE;
	r->dom = NULL;
	r->domlen = 0;
	if ((want & IN_PROTOCOL) != 0)
		query_proto(r);
	if ((want & IN_BODY) != 0 && r->method == M_POST) {
		body_inputs(r);
		return;
	}
	if ((want & IN_PATHADDR) != 0 && (at = str_find_ci(r->path,
	    r->pathlen, JSON_INFIX)) >= 0) {
		p = r->path + at + sizeof(JSON_INFIX) - 1;
		set_addr(r, p, r->pathlen - (size_t)(p - r->path));
		return;
	}
	if ((want & IN_EMAILADDRESS) != 0)
		query_addr(r, "emailaddress");
	else if ((want & IN_EMAIL) != 0)
		query_addr(r, "Email");
	/* The Host is parsed only when there is no address. */
	if ((want & IN_HOST) != 0 && r->addr_in == INPUT_NONE &&
	    (n = req_host(r->http_host, r->host, sizeof(r->host))) > 0) {
		r->dom = r->host;
		r->domlen = (size_t)n;
	}
}
