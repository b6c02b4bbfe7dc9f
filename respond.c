/*
 * The route table and its handlers.  respond() matches a route, has the
 * inputs it reads checked (req_inputs), and runs its handler: a pure
 * function of the config and the request, no I/O and no globals.  It
 * fills a response that its caller writes.
 */
#include <string.h>

#include "mailautoconf.h"

#define CT_XML	"text/xml; charset=utf-8"
#define CT_TEXT	"text/plain; charset=utf-8"
#define CT_JSON	"application/json"
#define CT_APPLE "application/x-apple-aspen-config"
#define CT_HTML	"text/html; charset=utf-8"

/*
 * The setup page's headers: nothing but its own inline style sheet may
 * load or run (no script, no outside resource, no frame around it), the
 * form may go only to this site, the type is not to be guessed, no
 * Referer leaves.
 */
#define PAGE_HEADERS \
	"Content-Security-Policy: default-src 'none'; style-src " \
	"'sha256-" PAGE_STYLE_SHA256 "'; form-action 'self'; " \
	"base-uri 'none'; frame-ancestors 'none'\r\n" \
	"X-Content-Type-Options: nosniff\r\n" \
	"Referrer-Policy: no-referrer\r\n"

/* Set a response's Content-Type to a literal. */
#define SET_CT(r, ct)	((r)->ctype = (ct), (r)->ctypelen = sizeof(ct) - 1)

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
 * line (NULL: none).  Returns st.
 */
enum status
resp_error(struct response *r, enum status st, const char *why)
{
	struct buf	 b;

	buf_fixed(&b, RESP_BODY(r), RESP_BODY_MAX);
	buf_putu(&b, (unsigned long)st);
	buf_putc(&b, ' ');
	buf_puts(&b, status_reason(st));
	buf_putc(&b, '\n');
	r->status = st;
	SET_CT(r, CT_TEXT);
	r->body = RESP_BODY(r);
	r->bodylen = b.len;
	r->allow = r->location = r->attachment = r->headers = NULL;
	r->why = why;
	return st;
}

/*
 * What a request is answered with: a domain's settings and answers, and
 * the domain its answers name (the requested one; for a hosted address,
 * the address's).
 */
struct target {
	const struct domain *d;
	const char	*name;
	size_t		 namelen;
	int		 hosted;
};

/*
 * The domain that hosts rq's address: the Host's domain (without its
 * autoconfig. or autodiscover. label) when its section says hosted; an
 * alias of such a domain stands for its target.  NULL when none.
 */
static const struct domain *
hoster(const struct config *cfg, const struct request *rq)
{
	char	 host[DOMAIN_MAX + 1];
	int	 n;

	if (rq->addr_in != INPUT_OK || (n = req_host(rq->http_host, host,
	    sizeof(host))) <= 0)
		return NULL;
	return config_hoster(cfg, host, (size_t)n);
}

/*
 * The target of a request: the domain of its address, else of its
 * Host, when configured; else the hoster of its address.  Its answers
 * are made ready.  0, or -1 with the answer made in r (400, 404, 500).
 */
static int
find_target(const struct config *cfg, const struct request *rq,
    struct target *t, struct response *r)
{
	if (rq->addr_in == INPUT_BAD) {
		resp_error(r, ST_BADREQ, "invalid e-mail address");
		return -1;
	}
	if (rq->dom == NULL) {
		resp_error(r, ST_BADREQ, "no e-mail address and no usable Host");
		return -1;
	}
	t->hosted = 0;
	if ((t->d = config_lookup(cfg, rq->dom, rq->domlen)) != NULL) {
		t->name = t->d->name;
		t->namelen = t->d->namelen;
	} else if ((t->d = hoster(cfg, rq)) != NULL) {
		/* Only a miss pays for the Host's lookup. */
		if (!config_hosts_fit(t->d->sec, rq->dom)) {
			resp_error(r, ST_NOTFOUND, "hosted domain too long for "
			    "the hoster's host names");
			return -1;
		}
		t->name = rq->dom;	/* lives as long as rq */
		t->namelen = rq->domlen;
		t->hosted = 1;
	} else {
		resp_error(r, ST_NOTFOUND, "domain not configured");
		return -1;
	}
	if (config_ready(cfg, t->d) == -1) {
		resp_error(r, ST_INTERNAL, "domain's answers could not be "
		    "prepared");
		return -1;
	}
	return 0;
}

/*
 * Expand a prepared answer for t into r, after prelen bytes of pre that
 * every domain's answer starts with (the setup page's); 200, or 500 on
 * overflow.
 */
static enum status
answer_ct(struct response *r, const char *pre, size_t prelen,
    const struct tmpl *tp, const struct target *t, const struct addr *a,
    const char *ctype, size_t ctypelen)
{
	struct buf	 b;

	buf_fixed(&b, RESP_BODY(r), RESP_BODY_MAX);
	if (prelen > 0)
		buf_add(&b, pre, prelen);
	if (tmpl_expand(&b, tp, a, t->name, t->namelen) == -1)
		return resp_error(r, ST_INTERNAL, "answer too large");
	r->status = ST_OK;
	r->ctype = ctype;
	r->ctypelen = ctypelen;
	r->body = RESP_BODY(r);
	r->bodylen = b.len;
	return ST_OK;
}
#define answer(r, tp, t, a, ct)	answer_ct(r, NULL, 0, tp, t, a, ct, \
				    sizeof(ct) - 1)

/* Thunderbird autoconfig: the answer depends on the domain only. */
static enum status
h_thunderbird(const struct config *cfg, const struct request *rq,
    struct response *r)
{
	struct target	 t;

	if (find_target(cfg, rq, &t, r) == -1)
		return r->status;
	return answer(r, t.hosted ? t.d->ans->tbhost : t.d->ans->tb, &t,
	    NULL, CT_XML);
}

/* An Autodiscover error (HTTP 200, as Outlook expects). */
static enum status
ad_error(const struct request *rq, struct response *r, int code,
    enum adschema schema, const char *why)
{
	struct buf	 b;

	buf_fixed(&b, RESP_BODY(r), RESP_BODY_MAX);
	xml_ad_error(&b, code, schema, rq->now);
	r->status = ST_OK;
	SET_CT(r, CT_XML);
	r->body = RESP_BODY(r);
	r->bodylen = b.len;
	r->why = why;
	return ST_OK;
}

/*
 * Outlook POX Autodiscover.  POST: the address from the body, answered
 * in the schema asked for.  GET: the Host's domain, without a user.
 * Never 401: Thunderbird would report a login error for the whole
 * discovery.
 */
static enum status
h_autodiscover(const struct config *cfg, const struct request *rq,
    struct response *r)
{
	struct target	 t;

	if (rq->method != M_POST) {
		if (find_target(cfg, rq, &t, r) == -1)
			return r->status;
		return answer(r, t.d->ans->olget, &t, NULL, CT_XML);
	}
	if (rq->body_in == INPUT_NOMEM)
		return resp_error(r, ST_INTERNAL, "autodiscover: out of memory");
	if (rq->body_in != INPUT_OK)
		return ad_error(rq, r, 600, AD_OUTLOOK,
		    "autodiscover: malformed body");
	if (rq->addr_in != INPUT_OK)
		return ad_error(rq, r, 600, AD_OUTLOOK,
		    "autodiscover: invalid e-mail address");
	if (find_target(cfg, rq, &t, r) == -1)
		return r->status;
	if (rq->schema == AD_OUTLOOK)
		return answer(r, t.d->ans->ol, &t, &rq->addr, CT_XML);
	if (rq->schema == AD_MOBILESYNC && t.d->ans->eas != NULL)
		return answer(r, t.d->ans->eas, &t, &rq->addr, CT_XML);
	return ad_error(rq, r, 601, rq->schema,
	    "autodiscover: response schema not available");
}

/* A JSON error answer for autodiscover.json. */
static enum status
json_fail(struct response *r, enum status st, const char *code,
    const char *msg)
{
	struct buf	 b;

	buf_fixed(&b, RESP_BODY(r), RESP_BODY_MAX);
	buf_puts(&b, "{\"ErrorCode\":\"");
	buf_puts(&b, code);
	buf_puts(&b, "\",\"ErrorMessage\":\"");
	buf_puts(&b, msg);
	buf_puts(&b, "\"}");
	r->status = st;
	SET_CT(r, CT_JSON);
	r->body = RESP_BODY(r);
	r->bodylen = b.len;
	r->why = msg;
	return st;
}

/*
 * Outlook's autodiscover.json locator: /autodiscover/autodiscover.json
 * ?Email=A&Protocol=P, or …/autodiscover.json/v1.0/A?Protocol=P.
 */
static enum status
h_json(const struct config *cfg, const struct request *rq,
    struct response *r)
{
	static const char badproto[] = "Supported protocols are "
	    "AutodiscoverV1 and ActiveSync";
	struct target	 t;

	if (rq->proto != JP_AUTODISCOVER && rq->proto != JP_ACTIVESYNC)
		return json_fail(r, ST_BADREQ, "InvalidProtocol", badproto);
	if (rq->addr_in == INPUT_BAD || rq->dom == NULL)
		return json_fail(r, ST_BADREQ, "InvalidUser",
		    "Invalid e-mail address");
	if (find_target(cfg, rq, &t, r) == -1)
		return r->status;
	if (rq->proto == JP_AUTODISCOVER)
		return answer(r, t.d->ans->jsonad, &t, NULL, CT_JSON);
	if (t.d->ans->jsoneas == NULL)
		return json_fail(r, ST_BADREQ, "InvalidProtocol", badproto);
	return answer(r, t.d->ans->jsoneas, &t, NULL, CT_JSON);
}

/* Apple configuration profile: needs an address. */
static enum status
h_mobileconfig(const struct config *cfg, const struct request *rq,
    struct response *r)
{
	struct target	 t;

	if (find_target(cfg, rq, &t, r) == -1)
		return r->status;
	if (rq->addr_in != INPUT_OK)
		return resp_error(r, ST_BADREQ, "mobileconfig: no emailaddress");
	if (answer(r, t.d->ans->apple, &t, &rq->addr, CT_APPLE) != ST_OK)
		return r->status;
	if (t.d->sec->signer != NULL) {
		if (sign_der(t.d->sec->signer, r->body, r->bodylen,
		    RESP_SCRATCH(r), RESP_BODY_MAX, &r->bodylen) == -1)
			return resp_error(r, ST_INTERNAL, "mobileconfig: signing "
			    "failed");
		r->body = RESP_SCRATCH(r);
	}
	/* The name must outlive the request: a copy in r. */
	memcpy(r->locbuf, t.name, t.namelen);
	r->attachment = r->locbuf;
	r->attachlen = t.namelen;
	return ST_OK;
}

/*
 * A redirect of the Host's domain to a configured URL: 307 for JMAP
 * (RFC 8620 §2.2), 301 for CalDAV and CardDAV (RFC 6764), with an
 * explicit status and an absolute Location (mod_proxy_fcgi turns a
 * bare Location into a 200).
 */
static enum status
redirect(const struct config *cfg, const struct request *rq,
    struct response *r, int which, enum status st)
{
	struct target	 t;
	struct buf	 b;

	if (find_target(cfg, rq, &t, r) == -1)
		return r->status;
	if (t.d->ans->redir[which] == NULL)
		return resp_error(r, ST_NOTFOUND, "no URL configured");
	buf_fixed(&b, r->locbuf, sizeof(r->locbuf));
	if (tmpl_expand(&b, t.d->ans->redir[which], NULL, t.name,
	    t.namelen) == -1 || (buf_putc(&b, '\0'), b.err))
		return resp_error(r, ST_INTERNAL, "redirect URL too long");
	resp_error(r, st, NULL);
	r->location = r->locbuf;
	return st;
}

static enum status
h_jmap(const struct config *cfg, const struct request *rq,
    struct response *r)
{
	return redirect(cfg, rq, r, 0, ST_TEMPREDIR);
}

static enum status
h_caldav(const struct config *cfg, const struct request *rq,
    struct response *r)
{
	return redirect(cfg, rq, r, 1, ST_MOVED);
}

static enum status
h_carddav(const struct config *cfg, const struct request *rq,
    struct response *r)
{
	return redirect(cfg, rq, r, 2, ST_MOVED);
}

/* The setup page of the Host's domain (pagegen.c). */
static enum status
h_page(const struct config *cfg, const struct request *rq,
    struct response *r)
{
	struct target	 t;

	if (find_target(cfg, rq, &t, r) == -1)
		return r->status;
	if (config_page_ready(cfg, t.d) == -1)
		return resp_error(r, ST_INTERNAL, "setup page could not be "
		    "prepared");
	if (t.d->ans->page == NULL)
		return resp_error(r, ST_NOTFOUND, "setup page off");
	/* Every page's first bytes are the same: kept once (pagegen.c). */
	if (answer_ct(r, page_prefix, page_prefix_len, t.d->ans->page, &t,
	    NULL, CT_HTML, sizeof(CT_HTML) - 1) == ST_OK)
		r->headers = PAGE_HEADERS;
	return r->status;
}

typedef enum status (*handler)(const struct config *,
    const struct request *, struct response *);

enum match {
	MATCH_SUFFIX,	/* the path ends with it */
	MATCH_INFIX,	/* the path holds it, something follows */
	MATCH_PAGE	/* it is "/" or the configured setup_path */
};

struct route {
	const char	*pattern;	/* lower case */
	size_t		 len;
	enum match	 match;
	unsigned	 methods;
	const char	*allow;
	unsigned	 inputs;	/* IN_*: what req_inputs checks */
	handler		 fn;
};

#define GET_HEAD	(MBIT(M_GET) | MBIT(M_HEAD))
#define ALLOW_GET	GET_HEAD, "GET, HEAD"
#define ALLOW_POST	GET_HEAD | MBIT(M_POST), "GET, HEAD, POST"

#define P(s)	s, sizeof(s) - 1

/* The address from the query, else the domain from the Host. */
#define IN_TB	(IN_EMAILADDRESS | IN_HOST)
#define IN_JSON	(IN_PATHADDR | IN_EMAIL | IN_HOST | IN_PROTOCOL)

static const struct route routes[] = {
	/* Also covers /.well-known/autoconfig/… and /v1.1/… */
	{ P("/mail/config-v1.1.xml"), MATCH_SUFFIX, ALLOW_GET, IN_TB,
	    h_thunderbird },
	{ P("/.well-known/mail-v1.xml"), MATCH_SUFFIX, ALLOW_GET, IN_TB,
	    h_thunderbird },
	{ P("/autodiscover/autodiscover.xml"), MATCH_SUFFIX, ALLOW_POST,
	    IN_BODY | IN_HOST, h_autodiscover },
	{ P("/autodiscover/autodiscover.json"), MATCH_SUFFIX, ALLOW_GET,
	    IN_JSON, h_json },
	{ P(JSON_INFIX), MATCH_INFIX, ALLOW_GET, IN_JSON, h_json },
	{ P("/email.mobileconfig"), MATCH_SUFFIX, ALLOW_GET, IN_TB,
	    h_mobileconfig },
	{ P("/mobileconfig"), MATCH_SUFFIX, ALLOW_GET, IN_TB, h_mobileconfig },
	{ P("/.well-known/jmap"), MATCH_SUFFIX, ALLOW_GET, IN_HOST, h_jmap },
	{ P("/.well-known/caldav"), MATCH_SUFFIX, ALLOW_GET, IN_HOST,
	    h_caldav },
	{ P("/.well-known/carddav"), MATCH_SUFFIX, ALLOW_GET, IN_HOST,
	    h_carddav },
	{ P("/"), MATCH_PAGE, ALLOW_GET, IN_HOST, h_page },
};

/* 1 if route rt matches the request path. */
static int
route_match(const struct route *rt, const struct request *rq,
    const struct config *cfg)
{
	size_t		 sl = rt->len;
	long		 at;
	const char	*pp;

	if (rt->match == MATCH_SUFFIX)
		return rq->pathlen >= sl && str_caseeq(rq->path +
		    rq->pathlen - sl, rt->pattern, sl);
	if (rt->match == MATCH_PAGE)
		return (rq->pathlen == 1 && rq->path[0] == '/') ||
		    ((pp = config_page_path(cfg)) != NULL &&
		    strlen(pp) == rq->pathlen &&
		    memcmp(pp, rq->path, rq->pathlen) == 0);
	at = str_find_ci(rq->path, rq->pathlen, rt->pattern);
	return at >= 0 && (size_t)at + sl < rq->pathlen;
}

/*
 * Answer one request: match its route, check the inputs the route
 * reads into rq (req_inputs), run the handler.  Returns the status also
 * stored in r->status; r->why names the reason of a failure for the log.
 */
enum status
respond(const struct config *cfg, struct request *rq, struct response *r)
{
	const struct route *rt = NULL;
	size_t		 i;

	r->status = ST_NONE;
	r->allow = NULL;
	r->location = NULL;
	r->attachment = NULL;
	r->headers = NULL;
	r->why = NULL;
	r->headonly = rq->method == M_HEAD;
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		rt = &routes[i];
		if (route_match(rt, rq, cfg))
			break;
	}
	if (i == sizeof(routes) / sizeof(routes[0]))
		return resp_error(r, ST_NOTFOUND, "no such path");
	if (!(rt->methods & MBIT(rq->method))) {
		resp_error(r, ST_BADMETHOD, "method not allowed");
		r->allow = rt->allow;
		return ST_BADMETHOD;
	}
	req_inputs(rq, rt->inputs);
	return rt->fn(cfg, rq, r);
}

static void
head_line(struct buf *b, const char *name, size_t n, const char *value)
{
	buf_add(b, name, n);
	buf_puts(b, value);
	buf_lit(b, "\r\n");
}

/*
 * Write the CGI header block of r into out (size outsz): Status,
 * Content-Type, Content-Length, and Allow, Location or
 * Content-Disposition when set.  Returns its length, or 0 if it does
 * not fit.
 */
size_t
resp_head(const struct response *r, char *out, size_t outsz)
{
	struct buf	 b;

	buf_fixed(&b, out, outsz);
	if (r->status == ST_OK)
		buf_lit(&b, "Status: 200 OK\r\nContent-Type: ");
	else {
		buf_lit(&b, "Status: ");
		buf_putu(&b, (unsigned long)r->status);
		buf_putc(&b, ' ');
		buf_puts(&b, status_reason(r->status));
		buf_lit(&b, "\r\nContent-Type: ");
	}
	buf_add(&b, r->ctype, r->ctypelen);
	buf_lit(&b, "\r\nContent-Length: ");
	buf_putu(&b, (unsigned long)r->bodylen);
	buf_lit(&b, "\r\n");
	if (r->allow != NULL)
		head_line(&b, "Allow: ", 7, r->allow);
	if (r->location != NULL)
		head_line(&b, "Location: ", 10, r->location);
	if (r->attachment != NULL) {
		buf_lit(&b, "Content-Disposition: attachment; filename=\"");
		buf_add(&b, r->attachment, r->attachlen);
		buf_lit(&b, ".mobileconfig\"\r\n");
	}
	if (r->headers != NULL)
		buf_puts(&b, r->headers);
	buf_lit(&b, "\r\n");
	return b.err ? 0 : b.len;
}

/*
 * The whole answer, header and body (none for HEAD), as one run of
 * bytes in r: the header goes into the room left before the body.
 * Returns it with its length in *n, or NULL when the header does not
 * fit.
 */
const char *
resp_bytes(struct response *r, size_t *n)
{
	char	 head[RESP_HEAD_MAX];
	char	*start;
	size_t	 hl;

	if ((hl = resp_head(r, head, sizeof(head))) == 0) {
		/* Cannot happen with a loaded config; still answer. */
		resp_error(r, ST_INTERNAL, "header block too large");
		if ((hl = resp_head(r, head, sizeof(head))) == 0)
			return NULL;
	}
	if (r->body != RESP_BODY(r) && r->body != RESP_SCRATCH(r)) {
		/* Not in a buffer with room before it: move it there. */
		memmove(RESP_BODY(r), r->body, r->bodylen);
		r->body = RESP_BODY(r);
	}
	start = (char *)r->body - hl;
	memcpy(start, head, hl);
	*n = hl + (r->headonly ? 0 : r->bodylen);
	return start;
}
