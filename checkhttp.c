/*
 * checkhttp.c: the HTTPS endpoints of a domain, fetched as the clients
 * fetch them (README, Endpoints; doc/clients.md, Thunderbird: fetch and
 * Outlook: request): the TLS handshake, the certificate for the name,
 * the status, the Content-Type, and a body equal to the answer this
 * configuration gives to the same request.  One HTTP/1.1 request per
 * connection ("Connection: close"); the response's header block is at
 * most CHK_HEAD_MAX bytes and its body CHK_BODY_MAX, plain, with a
 * Content-Length, or chunked.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"

/* The endpoints, in the order of the report. */
static const struct endpoint {
	const char	*kind;		/* "https", or "http" */
	const char	*label;		/* before the domain */
	const char	*path;
	int		 addr;		/* ?emailaddress= the test address */
	int		 post;		/* Outlook's POST */
	int		 info;		/* information only: never FAIL */
} endpoints[ENDPOINT_COUNT] = {
	{ "https", "autoconfig.", "/mail/config-v1.1.xml", 1, 0, 0 },
	{ "https", "", "/.well-known/autoconfig/mail/config-v1.1.xml", 1, 0,
	    0 },
	{ "https", "autodiscover.", "/autodiscover/autodiscover.xml", 0, 1,
	    0 },
	{ "http", "autodiscover.", "/autodiscover/autodiscover.xml", 0, 1,
	    1 },
};

/* Outlook's request body (doc/clients.md, Outlook: request). */
static const char ad_body[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
    "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/"
    "autodiscover/outlook/requestschema/2006\">\r\n"
    "  <Request>\r\n"
    "    <EMailAddress>%s</EMailAddress>\r\n"
    "    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/"
    "autodiscover/outlook/responseschema/2006a"
    "</AcceptableResponseSchema>\r\n"
    "  </Request>\r\n"
    "</Autodiscover>\r\n";

/* body.c's XML parser keeps global state: one answer at a time. */
static pthread_mutex_t answer_lock = PTHREAD_MUTEX_INITIALIZER;

/* A request body from memory, for serve(). */
struct membody {
	const char	*p;
	size_t		 left;
};

static size_t
read_mem(void *arg, char *out, size_t n)
{
	struct membody	*m = arg;

	if (n > m->left)
		n = m->left;
	memcpy(out, m->p, n);
	m->p += n;
	m->left -= n;
	return n;
}

void
chk_answer(const struct checkctx *ctx, const struct cgi_env *env,
    const char *body, size_t len, struct response *r)
{
	static char	 buf[BODY_MAX + 1];
	struct membody	 src = { body, len };

	pthread_mutex_lock(&answer_lock);
	serve(ctx->cfg, env, read_mem, &src, buf, r);
	pthread_mutex_unlock(&answer_lock);
}

/* What came back. */
struct reply {
	int	 status;
	char	 ctype[128];
	char	 location[CHK_TEXT_MAX + 8];
	char	*body;
	size_t	 bodylen;
};

/* The host name of endpoint e for domain dom into out. */
static void
endpoint_host(const struct endpoint *e, const char *dom, char *out,
    size_t size)
{
	snprintf(out, size, "%s%s", e->label, dom);
}

/* The path and query of endpoint e for dom, the address encoded. */
static void
endpoint_path(const struct endpoint *e, const struct checkctx *ctx,
    const char *dom, char *out, size_t size)
{
	if (e->addr)
		snprintf(out, size, "%s?emailaddress=%s%%40%s", e->path,
		    ctx->local, dom);
	else
		snprintf(out, size, "%s", e->path);
}

/*
 * The URL of endpoint i for dom into out (the port when not the
 * default); returns out.
 */
static const char *
http_url(unsigned i, const struct checkctx *ctx, const char *dom, char *out,
    size_t size)
{
	const struct endpoint *e = &endpoints[i];
	char		 host[DOMAIN_MAX + 16], path[512], port[8] = "";
	unsigned	 p = e->kind[4] == 's' ? ctx->https_port : ctx->http_port;

	endpoint_host(e, dom, host, sizeof(host));
	endpoint_path(e, ctx, dom, path, sizeof(path));
	if (p != (e->kind[4] == 's' ? 443u : 80u))
		snprintf(port, sizeof(port), ":%u", p);
	snprintf(out, size, "%s://%s%s%s", e->kind, host, port, path);
	return out;
}

/* The header block: status, Content-Type, Location, how the body comes. */
static int
read_head(struct conn *c, struct reply *rp, long *clen, int *chunked)
{
	char	 line[CHK_HEAD_MAX], t[CHK_TEXT_MAX + 8];
	size_t	 n, total = 0;
	unsigned long v;

	*clen = -1;
	*chunked = 0;
	if (conn_line(c, line, sizeof(line), &n) == -1)
		return -1;
	if (n < 12 || strncmp(line, "HTTP/1.", 7) != 0 || line[8] != ' ' ||
	    str_decimal(line + 9, 3, 999, &v) != 3) {
		snprintf(c->err, sizeof(c->err), "not an HTTP answer: %s",
		    chk_printable(line, n, t, sizeof(t)));
		return -1;
	}
	rp->status = (int)v;
	for (;;) {
		if (conn_line(c, line, sizeof(line), &n) == -1)
			return -1;
		if (n == 0)
			return 0;
		if ((total += n + 2) > CHK_HEAD_MAX) {
			snprintf(c->err, sizeof(c->err), "a header block over "
			    "%d bytes", CHK_HEAD_MAX);
			return -1;
		}
		if (strncasecmp(line, "Content-Type:", 13) == 0)
			chk_printable(line + 13 + strspn(line + 13, " \t"),
			    strlen(line + 13 + strspn(line + 13, " \t")),
			    rp->ctype, sizeof(rp->ctype));
		else if (strncasecmp(line, "Location:", 9) == 0)
			chk_printable(line + 9 + strspn(line + 9, " \t"),
			    strlen(line + 9 + strspn(line + 9, " \t")),
			    rp->location, sizeof(rp->location));
		else if (strncasecmp(line, "Content-Length:", 15) == 0) {
			if (str_decimal(line + 15 + strspn(line + 15, " "),
			    n - 15, CHK_BODY_MAX + 1UL, &v) == 0) {
				snprintf(c->err, sizeof(c->err), "a malformed "
				    "Content-Length");
				return -1;
			}
			*clen = (long)v;
		} else if (strncasecmp(line, "Transfer-Encoding:", 18) == 0 &&
		    str_find_ci(line, n, "chunked") >= 0)
			*chunked = 1;
	}
}

/* n bytes of body into rp (growing it); -1 over CHK_BODY_MAX. */
static int
body_take(struct conn *c, struct reply *rp, size_t n)
{
	long	 r;

	if (rp->bodylen + n > CHK_BODY_MAX) {
		snprintf(c->err, sizeof(c->err), "a body over %d bytes",
		    CHK_BODY_MAX);
		return -1;
	}
	while (n > 0) {
		if ((r = conn_read(c, rp->body + rp->bodylen, n)) <= 0) {
			if (r == 0)
				snprintf(c->err, sizeof(c->err), "the body "
				    "ended early");
			return -1;
		}
		rp->bodylen += (size_t)r;
		n -= (size_t)r;
	}
	return 0;
}

/* A chunked body (RFC 9112, 7.1); trailers are read and dropped. */
static int
body_chunked(struct conn *c, struct reply *rp)
{
	char		 line[256];
	size_t		 n, i;
	unsigned long	 size;
	int		 k;

	for (k = 0; k < CHK_LINES_MAX; k++) {
		if (conn_line(c, line, sizeof(line), &n) == -1)
			return -1;
		size = 0;
		for (i = 0; i < n && strchr("0123456789abcdefABCDEF",
		    line[i]) != NULL && line[i] != '\0'; i++) {
			if (size > CHK_BODY_MAX)
				break;
			size = size * 16 + (unsigned long)(line[i] <= '9' ?
			    line[i] - '0' : (line[i] | 0x20) - 'a' + 10);
		}
		if (i == 0) {
			snprintf(c->err, sizeof(c->err), "a malformed chunk");
			return -1;
		}
		if (size == 0)
			break;
		if (body_take(c, rp, size) == -1 ||
		    conn_line(c, line, sizeof(line), &n) == -1)
			return -1;
	}
	while (k < CHK_LINES_MAX && conn_line(c, line, sizeof(line), &n) == 0 &&
	    n > 0)
		k++;
	return 0;
}

/* The body, as the header block said it comes. */
static int
read_body(struct conn *c, struct reply *rp, long clen, int chunked)
{
	long	 r;

	if ((rp->body = malloc(CHK_BODY_MAX + 1)) == NULL) {
		snprintf(c->err, sizeof(c->err), "out of memory");
		return -1;
	}
	if (chunked)
		return body_chunked(c, rp);
	if (clen >= 0)
		return body_take(c, rp, (size_t)clen);
	for (;;) {
		r = conn_read(c, rp->body + rp->bodylen,
		    CHK_BODY_MAX + 1 - rp->bodylen);
		if (r <= 0)
			return (int)r;
		if ((rp->bodylen += (size_t)r) > CHK_BODY_MAX) {
			snprintf(c->err, sizeof(c->err), "a body over %d "
			    "bytes", CHK_BODY_MAX);
			return -1;
		}
	}
}

/* Media types equal, ignoring case and spaces. */
static int
same_ctype(const char *a, const char *b, size_t blen)
{
	const char	*bend = b + blen;

	for (;;) {
		while (*a == ' ')
			a++;
		while (b < bend && *b == ' ')
			b++;
		if (*a == '\0' || b == bend)
			return *a == '\0' && b == bend;
		if ((*a | 0x20) != (*b | 0x20))
			return 0;
		a++;
		b++;
	}
}

/*
 * Where body a (what came) first differs from b (this configuration's
 * answer): "line N: got «...», expected «...»" into out.
 */
static void
first_difference(const char *a, size_t alen, const char *b, size_t blen,
    char *out, size_t size)
{
	char		 ta[CHK_TEXT_MAX / 2 + 8], tb[CHK_TEXT_MAX / 2 + 8];
	size_t		 i = 0, la = 0, lb;
	unsigned	 line = 1;

	while (i < alen && i < blen && a[i] == b[i]) {
		if (a[i] == '\n') {
			line++;
			la = i + 1;
		}
		i++;
	}
	lb = la;
	i = la;
	while (i < alen && a[i] != '\n')
		i++;
	chk_printable(a + la, i - la, ta, sizeof(ta));
	i = lb;
	while (i < blen && b[i] != '\n')
		i++;
	chk_printable(b + lb, i - lb, tb, sizeof(tb));
	snprintf(out, size, "line %u: got \"%s\"%s, this configuration's "
	    "\"%s\"%s", line, ta, la >= alen ? " (the end)" : "", tb,
	    lb >= blen ? " (the end)" : "");
}

/*
 * The request of endpoint e for domain dom as this configuration
 * answers it (into r), and as it goes over the wire (into req).
 */
static int
make_request(const struct checkctx *ctx, const struct endpoint *e,
    const char *dom, struct response *r, char *req, size_t size)
{
	struct cgi_env	 env;
	char		 host[DOMAIN_MAX + 16], path[URI_MAX], body[1024];
	char		 clen[16], addr[EMAIL_MAX + 1];
	int		 blen = 0, n;

	endpoint_host(e, dom, host, sizeof(host));
	endpoint_path(e, ctx, dom, path, sizeof(path));
	if (e->post) {
		snprintf(addr, sizeof(addr), "%s@%s", ctx->local, dom);
		blen = snprintf(body, sizeof(body), ad_body, addr);
	}
	snprintf(clen, sizeof(clen), "%d", blen);
	memset(&env, 0, sizeof(env));
	env.method = e->post ? "POST" : "GET";
	env.request_uri = path;
	env.http_host = host;
	env.content_length = e->post ? clen : NULL;
	chk_answer(ctx, &env, body, (size_t)blen, r);
	n = snprintf(req, size, "%s %s HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: mailautoconf-check/" MAC_VERSION "\r\n"
	    "Accept: */*\r\nConnection: close\r\n%s%s%s\r\n%s",
	    env.method, path, host, e->post ? "Content-Type: text/xml\r\n"
	    "Content-Length: " : "", e->post ? clen : "", e->post ? "\r\n" : "",
	    e->post ? body : "");
	return n > 0 && (size_t)n < size ? n : -1;
}

/*
 * The verdict on what came back (rp) against this configuration's
 * answer (r), in words into why.
 */
static enum verdict
judge(const struct reply *rp, const struct response *r, char *why,
    size_t size)
{
	char	 diff[CHK_TEXT_MAX * 2];

	if (rp->status != (int)r->status) {
		snprintf(why, size, "status %d, expected %d%s%s", rp->status,
		    (int)r->status, rp->location[0] != '\0' ? " (Location: " :
		    "", rp->location[0] != '\0' ? rp->location : "");
		if (rp->location[0] != '\0')
			strncat(why, ")", size - strlen(why) - 1);
		return V_FAIL;
	}
	if (!same_ctype(rp->ctype, r->ctype, r->ctypelen)) {
		snprintf(why, size, "Content-Type \"%s\", expected \"%.*s\"",
		    rp->ctype, (int)r->ctypelen, r->ctype);
		return V_FAIL;
	}
	if (rp->bodylen != r->bodylen ||
	    memcmp(rp->body, r->body, r->bodylen) != 0) {
		first_difference(rp->body, rp->bodylen, r->body, r->bodylen,
		    diff, sizeof(diff));
		snprintf(why, size, "body differs from this configuration's "
		    "answer at %s", diff);
		return V_FAIL;
	}
	snprintf(why, size, "%d %.*s, this configuration's answer",
	    rp->status, (int)r->ctypelen, r->ctype);
	return V_OK;
}

enum verdict
http_talk(const struct checkctx *ctx, unsigned i, const char *dom,
    struct conn *c, char *why, size_t size)
{
	const struct endpoint *e = &endpoints[i];
	struct response	*r;
	struct reply	 rp;
	char		*req;
	long		 clen;
	int		 chunked, n;
	enum verdict	 v = V_FAIL;

	memset(&rp, 0, sizeof(rp));
	r = malloc(sizeof(*r));
	req = malloc(URI_MAX + 2048);
	if (r == NULL || req == NULL) {
		snprintf(why, size, "out of memory");
		goto out;
	}
	if ((n = make_request(ctx, e, dom, r, req, URI_MAX + 2048)) == -1) {
		snprintf(why, size, "the request does not fit");
		goto out;
	}
	if (conn_write(c, req, (size_t)n) == -1 ||
	    read_head(c, &rp, &clen, &chunked) == -1 ||
	    read_body(c, &rp, clen, chunked) == -1) {
		snprintf(why, size, "%s", c->err);
		goto out;
	}
	v = judge(&rp, r, why, size);
out:
	free(rp.body);
	free(req);
	free(r);
	return v;
}

/*
 * Connect to the endpoint's host and port, with TLS for https.  The
 * certificate's words go to cert.  -1 with why set when there is no
 * connection to send the request on.
 */
static int
open_endpoint(const struct checkctx *ctx, const struct endpoint *e,
    const char *host, struct conn *c, enum verdict *cv, char *cert,
    size_t csize, char *why, size_t size)
{
	struct addrs	 a;
	struct certinfo	 ci;
	unsigned	 port = e->kind[4] == 's' ? ctx->https_port :
			    ctx->http_port;

	switch (dns_addrs(ctx, host, port, &a, why, size)) {
	case DNS_FOUND:
		break;
	case DNS_NONE:
		snprintf(why, size, "%s does not resolve", host);
		/* FALLTHROUGH */
	default:
		return -1;
	}
	if (conn_open(c, &a, ctx->timeout) == -1) {
		snprintf(why, size, "connect: %s", c->err);
		return -1;
	}
	*cv = V_OK;
	cert[0] = '\0';
	if (e->kind[4] != 's')
		return 0;
	if (conn_tls(c, ctx->tls, host, &ci) == -1) {
		snprintf(why, size, "%s", c->err);
		return -1;
	}
	*cv = cert_verdict(&ci, ctx->days, host, cert, csize);
	return 0;
}

/* A J_HTTP job: one endpoint of one domain. */
void
http_check(const struct checkctx *ctx, struct job *j)
{
	const struct endpoint *e = &endpoints[j->endpoint];
	struct conn	*c;
	char		 host[DOMAIN_MAX + 16], url[DOMAIN_MAX + URI_MAX];
	char		 why[CHK_DETAIL_MAX], cert[300];
	enum verdict	 v = V_FAIL, cv = V_OK;

	endpoint_host(e, j->d->name, host, sizeof(host));
	http_url(j->endpoint, ctx, j->d->name, url, sizeof(url));
	if ((c = malloc(sizeof(*c))) == NULL) {
		chk_add(j, V_FAIL, e->kind, url, "out of memory");
		return;
	}
	conn_init(c);
	cert[0] = '\0';
	if (open_endpoint(ctx, e, host, c, &cv, cert, sizeof(cert), why,
	    sizeof(why)) == 0)
		v = http_talk(ctx, j->endpoint, j->d->name, c, why,
		    sizeof(why));
	conn_close(c);
	free(c);
	if (cv > v)
		v = cv;
	if (e->info && v == V_FAIL)
		v = V_WARN;
	if (cert[0] != '\0')
		chk_add(j, v, e->kind, url, "%s; %s", why, cert);
	else if (e->info)
		chk_add(j, v, e->kind, url, "%s (information only: Outlook "
		    "asks https first)", why);
	else
		chk_add(j, v, e->kind, url, "%s", why);
}
