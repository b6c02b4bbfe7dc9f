/*
 * serve.c: one request from its CGI variables and a body source to a
 * finished response, the log line of a failed one, and a reload of the
 * configuration.  Shared by every mode: plain CGI and -r (autoconf.c),
 * the FastCGI workers (fcgi.c) and their parent (workers.c).
 */
#include <string.h>
#include <stdio.h>
#include <time.h>

#include "mailautoconf.h"

#define LOG_PATH_MAX	120	/* bytes of the path a log line shows */

/*
 * Read a POST body by the input rules of mailautoconf(8): exactly
 * CONTENT_LENGTH bytes, or to the end when it is absent; more than
 * BODY_MAX is 413, fewer bytes than announced 400.  Returns ST_OK with
 * *len set, or the status.
 */
static enum status
read_body(readfn rd, void *ctx, const char *clen, char *buf, size_t *len)
{
	size_t	 want, got = 0, n;
	int	 rc;

	*len = 0;
	if ((rc = req_content_length(clen, &want)) == -1)
		return ST_BADREQ;
	if (rc == 0 && want > BODY_MAX)
		return ST_TOOLARGE;
	if (rc == 1)
		want = BODY_MAX + 1;
	while (got < want && (n = rd(ctx, buf + got, want - got)) > 0)
		got += n;
	if (got > BODY_MAX)
		return ST_TOOLARGE;
	if (rc == 0 && got < want)
		return ST_BADREQ;
	*len = got;
	return ST_OK;
}

void
serve(const struct config *cfg, const struct cgi_env *env, readfn rd,
    void *rctx, char *body, struct response *r)
{
	struct request	 rq;
	enum status	 st = ST_OK;
	size_t		 blen = 0;

	if (env->method != NULL && strcmp(env->method, "POST") == 0)
		st = read_body(rd, rctx, env->content_length, body, &blen);
	if (st == ST_OK && req_parse(env, body, blen, &rq, &st) == 0) {
		/* The clock matters to Autodiscover error answers only. */
		rq.now = rq.method == M_POST ? (long)time(NULL) : 0;
		if (cfg != NULL) {
			respond(cfg, &rq, r);
			return;
		}
		st = ST_INTERNAL;
	}
	/* Failed before routing: a plain error answer. */
	resp_error(r, st, st == ST_INTERNAL ? "no usable configuration" :
	    st == ST_TOOLARGE ? "body too large" :
	    st == ST_URITOOLONG ? "URI too long" : "malformed request");
	r->headonly = env->method != NULL && strcmp(env->method, "HEAD") == 0;
}

/*
 * Copy s into out (size outsz) up to the first byte of stop, with every
 * byte that is not printable ASCII as '?': nothing from a request can
 * forge a log line.
 */
static void
printable(char *out, size_t outsz, const char *s, const char *stop)
{
	size_t	 i;

	for (i = 0; s[i] != '\0' && strchr(stop, s[i]) == NULL &&
	    i + 1 < outsz; i++)
		out[i] = (s[i] > 0x20 && s[i] < 0x7f) ? s[i] : '?';
	out[i] = '\0';
}

void
serve_log_line(char *out, size_t outsz, const struct response *r,
    const struct cgi_env *env)
{
	char		 path[LOG_PATH_MAX + 1], meth[9];
	const char	*uri = env->request_uri != NULL ? env->request_uri :
			    env->script_name;

	printable(meth, sizeof(meth), env->method != NULL ? env->method : "-",
	    "");
	printable(path, sizeof(path), uri != NULL ? uri : "", "?");
	snprintf(out, outsz, "mailautoconf: %d %s %s: %s\n", (int)r->status,
	    meth, path, r->why != NULL ? r->why : status_reason(r->status));
}

int
serve_reload(const char *path, struct config **cfg)
{
	struct config	*ncfg;

	if ((ncfg = config_load(path, CONF_VERBOSE)) == NULL) {
		fprintf(stderr, "mailautoconf: %s: reload failed, keeping the "
		    "old config\n", path);
		return -1;
	}
	config_free(*cfg);
	*cfg = ncfg;
	return 0;
}
