/*
 * The route table and its handlers.  respond() is a pure function of the
 * config and the request: no I/O, no globals, no allocation.  It fills
 * a response that autoconf.c writes.
 */
#include <string.h>

#include "mailautoconf.h"

#define CT_XML	"text/xml; charset=utf-8"
#define CT_TEXT	"text/plain; charset=utf-8"

static const char *const reasons[STATUS_MAX] = {
	[ST_OK] = "OK",
	[ST_MOVED] = "Moved Permanently",
	[ST_TEMPREDIR] = "Temporary Redirect",
	[ST_BADREQ] = "Bad Request",
	[ST_NOTFOUND] = "Not Found",
	[ST_BADMETHOD] = "Method Not Allowed",
	[ST_TOOLARGE] = "Content Too Large",
	[ST_URITOOLONG] = "URI Too Long",
	[ST_INTERNAL] = "Internal Server Error",
};

/* The reason phrase of a status; never NULL. */
const char *
status_reason(enum status st)
{
	if (st <= ST_NONE || st >= STATUS_MAX || reasons[st] == NULL)
		return "Error";
	return reasons[st];
}

/*
 * Make r a short plain-text error answer with status st; why is the log
 * line.  Returns st.
 */
static enum status
fail(struct response *r, enum status st, const char *why)
{
	struct buf	 b;

	buf_fixed(&b, r->bodybuf, sizeof(r->bodybuf));
	buf_putu(&b, (unsigned long)st);
	buf_putc(&b, ' ');
	buf_puts(&b, status_reason(st));
	buf_putc(&b, '\n');
	r->status = st;
	r->ctype = CT_TEXT;
	r->body = r->bodybuf;
	r->bodylen = b.len;
	r->why = why;
	return st;
}

/*
 * The domain a request is about: the address's when the query names one
 * in param, else the Host's.  Fills *a (fulllen 0 when no address) and
 * returns the configured domain, or NULL with the answer made in r.
 */
static const struct domain *
find_domain(const struct config *cfg, const struct request *rq,
    const char *param, struct addr *a, struct response *r)
{
	char		 raw[EMAIL_MAX + 1];
	const struct domain *d;
	const char	*dom;
	size_t		 domlen;
	int		 n;

	a->fulllen = 0;
	n = req_query(rq->query, param, raw, sizeof(raw));
	if (n == -2 || (n > 0 && req_addr(raw, (size_t)n, a) == -1)) {
		fail(r, ST_BADREQ, "invalid e-mail address");
		return NULL;
	}
	if (a->fulllen > 0) {
		dom = a->full + a->locallen + 1;
		domlen = a->fulllen - a->locallen - 1;
	} else if (rq->host[0] != '\0') {
		dom = rq->host;
		domlen = strlen(rq->host);
	} else {
		fail(r, ST_BADREQ, "no e-mail address and no usable Host");
		return NULL;
	}
	if ((d = config_lookup(cfg, dom, domlen)) == NULL)
		fail(r, ST_NOTFOUND, "domain not configured");
	return d;
}

/* Expand a prepared answer for d into r; 200, or 500 on overflow. */
static enum status
answer(struct response *r, const struct tmpl *t, const struct domain *d,
    const struct addr *a, const char *ctype)
{
	struct buf	 b;

	buf_fixed(&b, r->bodybuf, sizeof(r->bodybuf));
	if (tmpl_expand(&b, t, a, d->name, d->namelen) == -1)
		return fail(r, ST_INTERNAL, "answer too large");
	r->status = ST_OK;
	r->ctype = ctype;
	r->body = r->bodybuf;
	r->bodylen = b.len;
	return ST_OK;
}

/* Thunderbird autoconfig: the answer depends on the domain only. */
static enum status
h_thunderbird(const struct config *cfg, const struct request *rq,
    struct response *r)
{
	const struct domain *d;
	struct addr	 a;

	if ((d = find_domain(cfg, rq, "emailaddress", &a, r)) == NULL)
		return r->status;
	return answer(r, d->tb, d, NULL, CT_XML);
}

typedef enum status (*handler)(const struct config *,
    const struct request *, struct response *);

struct route {
	const char	*suffix;	/* lower case, matched at the end */
	unsigned	 methods;
	const char	*allow;
	handler		 fn;
};

static const struct route routes[] = {
	/* Also covers /.well-known/autoconfig/… and /v1.1/… */
	{ "/mail/config-v1.1.xml", MBIT(M_GET) | MBIT(M_HEAD), "GET, HEAD",
	    h_thunderbird },
	{ "/.well-known/mail-v1.xml", MBIT(M_GET) | MBIT(M_HEAD),
	    "GET, HEAD", h_thunderbird },
};

/*
 * Answer one request.  Returns the status also stored in r->status;
 * r->why names the reason of a failure for the log.
 */
enum status
respond(const struct config *cfg, const struct request *rq,
    struct response *r)
{
	const struct route *rt;
	size_t		 i, sl;

	r->status = ST_NONE;
	r->allow = NULL;
	r->location = NULL;
	r->why = NULL;
	r->headonly = rq->method == M_HEAD;
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		rt = &routes[i];
		sl = strlen(rt->suffix);
		if (rq->pathlen >= sl && req_caseeq(rq->path + rq->pathlen -
		    sl, rt->suffix, sl))
			break;
	}
	if (i == sizeof(routes) / sizeof(routes[0]))
		return fail(r, ST_NOTFOUND, "no such path");
	if (!(rt->methods & MBIT(rq->method))) {
		fail(r, ST_BADMETHOD, "method not allowed");
		r->allow = rt->allow;
		return ST_BADMETHOD;
	}
	return rt->fn(cfg, rq, r);
}

static void
head_line(struct buf *b, const char *name, const char *value)
{
	buf_puts(b, name);
	buf_puts(b, ": ");
	buf_puts(b, value);
	buf_puts(b, "\r\n");
}

/*
 * Write the CGI header block of r into out (size outsz): Status,
 * Content-Type, Content-Length, and Allow or Location when set.  Returns
 * its length, or 0 if it does not fit.
 */
size_t
resp_head(const struct response *r, char *out, size_t outsz)
{
	struct buf	 b;

	buf_fixed(&b, out, outsz);
	buf_puts(&b, "Status: ");
	buf_putu(&b, (unsigned long)r->status);
	buf_putc(&b, ' ');
	buf_puts(&b, status_reason(r->status));
	buf_puts(&b, "\r\n");
	head_line(&b, "Content-Type", r->ctype);
	buf_puts(&b, "Content-Length: ");
	buf_putu(&b, (unsigned long)r->bodylen);
	buf_puts(&b, "\r\n");
	if (r->allow != NULL)
		head_line(&b, "Allow", r->allow);
	if (r->location != NULL)
		head_line(&b, "Location", r->location);
	buf_puts(&b, "\r\n");
	return b.err ? 0 : b.len;
}
