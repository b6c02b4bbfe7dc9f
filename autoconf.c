/*
 * mailautoconf: main, the options, and the FastCGI / CGI loop.  This is
 * the only file that speaks FastCGI (libfcgi's FCGX_* API); everything
 * else sees plain structs and byte buffers.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <fcgiapp.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mailautoconf.h"

#define EX_OK		0
#define EX_USAGE	64
#define EX_NOPERM	77
#define EX_CONFIG	78
#define EX_OSERR	71
#define LOG_PATH_MAX	120	/* bytes of the path a log line shows */
#define DRAIN_MAX	(16ull << 20)	/* unread CGI body dropped at most */
#define SIG_EVERY	32	/* requests in a row before pending signals are taken */

/*
 * The answer being built and the request body: one request at a time in
 * every mode, so one of each, static: nothing to allocate (or fail to)
 * before a request can be answered.
 */
static struct response	 resp;
static char		 reqbody[BODY_MAX + 1];

static volatile sig_atomic_t got_term;
static volatile sig_atomic_t got_hup;

/* A source of body bytes: FastCGI stream or stdio. */
typedef size_t (*readfn)(void *, char *, size_t);

struct options {
	const char	*conf;
	const char	*user;
	const char	*sock;
	const char	*url;
	const char	*method;
	const char	*host;
	int		 test;
	int		 dns;
	int		 nosandbox;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mailautoconf [-c file] -t\n"
	    "       mailautoconf [-S] [-c file] [-u user] [-s unix:path | "
	    "host:port]\n"
	    "       mailautoconf [-c file] -r url [-m method] [-H host] "
	    "< body\n"
	    "       mailautoconf [-c file] --dns [domain ...]\n"
	    "       mailautoconf -h | -V\n");
}

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

static size_t
read_fcgi(void *ctx, char *p, size_t n)
{
	int	 got = FCGX_GetStr(p, (int)n, (FCGX_Stream *)ctx);

	return got > 0 ? (size_t)got : 0;
}

/* stdin as a body source, counting what was taken from it. */
struct stdin_src {
	FILE	*fp;
	size_t	 got;
};

static size_t
read_stdio(void *ctx, char *p, size_t n)
{
	struct stdin_src *src = ctx;
	size_t		 k = fread(p, 1, n, src->fp);

	src->got += k;
	return k;
}

/*
 * Read and drop what is left of a CGI request body, at most DRAIN_MAX
 * bytes: under Apache's mod_cgid stdin and stdout are one socket, and
 * closing it with bytes unread resets the connection and cuts the
 * answer short.  GET and HEAD without a CONTENT_LENGTH have no body.
 */
static void
drain_stdin(const struct cgi_env *env, struct stdin_src *src)
{
	char		 buf[4096];
	const char	*cl = env->content_length;
	unsigned long long want = DRAIN_MAX;
	size_t		 k;

	if (cl != NULL && *cl != '\0') {
		want = 0;
		for (; *cl >= '0' && *cl <= '9' && want <= DRAIN_MAX; cl++)
			want = want * 10 + (unsigned)(*cl - '0');
	} else if (env->method == NULL || strcmp(env->method, "GET") == 0 ||
	    strcmp(env->method, "HEAD") == 0)
		return;
	if (want > DRAIN_MAX)
		want = DRAIN_MAX;
	while (src->got < want) {
		k = want - src->got < sizeof(buf) ? want - src->got :
		    sizeof(buf);
		if ((k = read_stdio(src, buf, k)) == 0)
			break;
	}
}

/*
 * Read a POST body by the rules of SPEC §9: exactly CONTENT_LENGTH
 * bytes, or to EOF when it is absent; more than BODY_MAX is 413, fewer
 * bytes than announced 400.  Returns ST_OK with *len set, or the status.
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

/*
 * Answer one request from the CGI variables in env, the body
 * read through rd.  The response goes to r; the caller writes it.
 */
static void
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

/*
 * The log line of a failed request: status, method, path (cut at
 * LOG_PATH_MAX, query dropped) and the reason.
 */
static void
log_line(char *out, size_t outsz, const struct response *r,
    const char *method, const char *uri)
{
	char	 path[LOG_PATH_MAX + 1], meth[9];

	printable(meth, sizeof(meth), method != NULL ? method : "-", "");
	printable(path, sizeof(path), uri != NULL ? uri : "", "?");
	snprintf(out, outsz, "mailautoconf: %d %s %s: %s\n", (int)r->status,
	    meth, path, r->why != NULL ? r->why : status_reason(r->status));
}

/* ---- CGI and the shell: getenv and stdio ---- */

/* The CGI variables from the environment. */
static void
env_cgi(struct cgi_env *env)
{
	env->method = getenv("REQUEST_METHOD");
	env->request_uri = getenv("REQUEST_URI");
	env->script_name = getenv("SCRIPT_NAME");
	env->path_info = getenv("PATH_INFO");
	env->query_string = getenv("QUERY_STRING");
	env->http_host = getenv("HTTP_HOST");
	env->content_length = getenv("CONTENT_LENGTH");
}

/* The path a log line names. */
static const char *
env_path(const struct cgi_env *env)
{
	return env->request_uri != NULL ? env->request_uri : env->script_name;
}

/* Write r to fp; 0 or -1. */
static int
write_stdio(FILE *fp, struct response *r)
{
	const char	*out;
	size_t		 n;

	if ((out = resp_bytes(r, &n)) == NULL || fwrite(out, 1, n, fp) != n)
		return -1;
	return fflush(fp) == 0 ? 0 : -1;
}

static const char *
conf_path(const struct options *o)
{
	const char	*p;

	if (o->conf != NULL)
		return o->conf;
	if ((p = getenv("MAILAUTOCONF_CONF")) != NULL && *p != '\0')
		return p;
	return MAC_CONF_DEFAULT;
}

/*
 * One CGI request: environment and stdin in, stdout out.  A config that
 * cannot be loaded for want of memory is answered 500.
 */
static int
run_cgi(void)
{
	struct options	 o;
	struct config	*cfg;
	struct cgi_env	 env;
	struct stdin_src src;
	char		 line[512];
	const char	*p;

	memset(&o, 0, sizeof(o));
	p = conf_path(&o);
	/* One request: only its domain's answers are prepared. */
	cfg = config_load(p, CONF_LAZY);
	env_cgi(&env);
	/* Only a POST has a body for mxml: a GET never touches it. */
	if (env.method != NULL && strcmp(env.method, "POST") == 0)
		body_init();
	src.fp = stdin;
	src.got = 0;
	serve(cfg, &env, read_stdio, &src, reqbody, &resp);
	drain_stdin(&env, &src);
	if (resp.why != NULL) {
		log_line(line, sizeof(line), &resp, env.method,
		    env_path(&env));
		fputs(line, stderr);
	}
	write_stdio(stdout, &resp);
	config_free(cfg);
	return EX_OK;
}

/* ---- one request from the shell: -r URL ---- */

/*
 * Run one request given on the command line, the body (for POST) on
 * stdin, and print the whole response.  Exit 0 for 2xx and 3xx, 1 for
 * other answers.
 */
static int
run_shell(const struct options *o)
{
	struct cgi_env	 s;
	struct stdin_src src;
	struct config	*cfg;
	char		*uri = NULL, *host = NULL, line[512];
	const char	*u = o->url, *slash;
	int		 rc;

	memset(&s, 0, sizeof(s));
	s.method = o->method != NULL ? o->method : "GET";
	s.http_host = o->host;
	/* An absolute URL gives the Host. */
	if (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0) {
		u = strchr(u, '/') + 2;
		slash = strchr(u, '/');
		if (s.http_host == NULL)
			s.http_host = host = strndup(u, slash != NULL ?
			    (size_t)(slash - u) : strlen(u));
		u = slash != NULL ? slash : "/";
	}
	s.request_uri = uri = strdup(u);
	if ((cfg = config_load(conf_path(o), CONF_VERBOSE | CONF_LAZY)) ==
	    NULL) {
		free(uri);
		free(host);
		return EX_CONFIG;
	}
	if (uri == NULL) {
		fprintf(stderr, "mailautoconf: out of memory\n");
		rc = EX_OSERR;
		goto out;
	}
	src.fp = stdin;
	src.got = 0;
	serve(cfg, &s, read_stdio, &src, reqbody, &resp);
	if (resp.why != NULL) {
		log_line(line, sizeof(line), &resp, s.method, s.request_uri);
		fputs(line, stderr);
	}
	rc = write_stdio(stdout, &resp) == -1 ? EX_OSERR :
	    resp.status < ST_BADREQ ? EX_OK : 1;
out:
	config_free(cfg);
	free(uri);
	free(host);
	return rc;
}

/* ---- FastCGI ---- */

/*
 * The value of p when it starts with the len bytes of name (which end in
 * '='), or NULL.  p is read only up to its first difference from name,
 * so never past its NUL.
 */
static inline const char *
env_is(const char *p, const char *name, size_t len)
{
	size_t	 i;

#pragma GCC unroll 16
	for (i = 0; i < len; i++)
		if (p[i] != name[i])
			return NULL;
	return p + len;
}

/*
 * The CGI variables of a FastCGI request in one pass over its
 * parameters.  A web server sends twenty or more, most of which start
 * with a letter none of ours does; the first letter picks the one or two
 * names worth comparing, and a comparison stops at the first difference.
 */
static void
env_fcgi(FCGX_ParamArray envp, struct cgi_env *env)
{
	const char	*p, *v;

#define TAKE(name, field)					\
	if ((v = env_is(p, name "=", sizeof(name))) != NULL) {	\
		env->field = v;					\
		continue;					\
	}
	memset(env, 0, sizeof(*env));
	for (; (p = *envp) != NULL; envp++) {
		switch (p[0]) {
		case 'C':
			TAKE("CONTENT_LENGTH", content_length);
			break;
		case 'H':
			TAKE("HTTP_HOST", http_host);
			break;
		case 'P':
			TAKE("PATH_INFO", path_info);
			break;
		case 'Q':
			TAKE("QUERY_STRING", query_string);
			break;
		case 'R':	/* not REDIRECT_STATUS, REMOTE_* */
			if (p[1] != 'E' || p[2] != 'Q')
				break;
			TAKE("REQUEST_METHOD", method);
			TAKE("REQUEST_URI", request_uri);
			break;
		case 'S':	/* not SERVER_* */
			if (p[1] != 'C')
				break;
			TAKE("SCRIPT_NAME", script_name);
			break;
		}
	}
#undef TAKE
}

/* 1 if fd is a listening socket. */
static int
is_listener(int fd)
{
	int		 v = 0;
	socklen_t	 len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == -1)
		return 0;
	return v != 0;
}

/* A decimal environment value in [1, max]; -1 when absent or bad. */
static long
env_num(const char *name, long max)
{
	const char	*s = getenv(name);
	char		*end;
	long		 v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > max)
		return -1;
	return v;
}

/* systemd socket activation: the first passed socket becomes fd 0. */
static void
take_listen_fds(void)
{
	long	 n;

	if (env_num("LISTEN_PID", 0x7fffffffL) != (long)getpid() ||
	    (n = env_num("LISTEN_FDS", 1024)) < 1)
		return;
	/* One socket is ours; close any others passed along. */
	while (n > 1)
		close(3 + (int)--n);
	if (dup2(3, 0) == -1) {
		perror("mailautoconf: dup2");
		exit(EX_OSERR);
	}
	close(3);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
}

/*
 * Drop to user: supplementary groups, gid, uid, then no new privileges.
 * Returns 0 or -1 (reported).
 */
static int
drop_privileges(const char *user)
{
	struct passwd	*pw;

	if ((pw = getpwnam(user)) == NULL) {
		fprintf(stderr, "mailautoconf: no such user: %s\n", user);
		return -1;
	}
	if (geteuid() == 0) {
		if (setgroups(1, &pw->pw_gid) == -1 ||
		    setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1) {
			fprintf(stderr, "mailautoconf: cannot become %s: %s\n",
			    user, strerror(errno));
			return -1;
		}
		if (setuid(0) != -1) {
			fprintf(stderr, "mailautoconf: could regain root\n");
			return -1;
		}
	} else if (geteuid() != pw->pw_uid) {
		fprintf(stderr, "mailautoconf: -u %s needs root\n", user);
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		fprintf(stderr, "mailautoconf: PR_SET_NO_NEW_PRIVS: %s\n",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* listen() on fd bound to addr; the fd, or -1 with errno set. */
static int
bind_listen(int fd, const struct sockaddr *addr, socklen_t len)
{
	int	 e;

	if (bind(fd, addr, len) == 0 && listen(fd, 128) == 0)
		return fd;
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/*
 * A listening socket for one getaddrinfo() result; a wildcard IPv6
 * socket takes IPv4 connections too.  -1 with *e set.
 */
static int
listen_ai(const struct addrinfo *ai, int wild, int *e)
{
	int	 fd, one = 1, zero = 0;

	if ((fd = socket(ai->ai_family, ai->ai_socktype,
	    ai->ai_protocol)) == -1) {
		*e = errno;
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (wild && ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if ((fd = bind_listen(fd, ai->ai_addr, ai->ai_addrlen)) == -1)
		*e = errno;
	return fd;
}

/*
 * A TCP listener for HOST:PORT, [V6ADDR]:PORT or :PORT (an empty HOST or
 * "*" is every address).  -1 with a message when it cannot listen.
 */
static int
listen_tcp(const char *spec)
{
	struct addrinfo	 hints, *res, *ai;
	char		 host[300];
	const char	*orig = spec, *colon = strrchr(spec, ':');
	const char	*port = colon + 1;
	size_t		 hl = (size_t)(colon - spec);
	unsigned	 pn;
	int		 fd = -1, e = 0, wild;

	if (hl >= 2 && spec[0] == '[' && spec[hl - 1] == ']') {
		spec++;
		hl -= 2;
	}
	memcpy(host, spec, hl);
	host[hl] = '\0';
	if (conf_uint(port, strlen(port), 1, 65535, &pn) == -1) {
		fprintf(stderr, "mailautoconf: -s %s: the port must be a "
		    "number from 1 to 65535\n", port);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	wild = hl == 0 || strcmp(host, "*") == 0;
	if ((e = getaddrinfo(wild ? NULL : host, port, &hints, &res)) != 0) {
		fprintf(stderr, "mailautoconf: cannot listen on %s: %s\n",
		    orig, gai_strerror(e));
		return -1;
	}
	/* Every address: IPv6's "::" first, which takes IPv4 as well. */
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next)
		if (!wild || ai->ai_family == AF_INET6)
			fd = listen_ai(ai, wild, &e);
	for (ai = res; wild && ai != NULL && fd == -1; ai = ai->ai_next)
		if (ai->ai_family != AF_INET6)
			fd = listen_ai(ai, wild, &e);
	freeaddrinfo(res);
	if (fd == -1)
		fprintf(stderr, "mailautoconf: cannot listen on %s: %s\n",
		    orig, strerror(e));
	return fd;
}

/*
 * A Unix-domain listener at path: a stale socket there is replaced,
 * never any other file; mode 0660, and with -u as root the socket
 * belongs to that user and the user's primary group.
 */
static int
listen_unix(const char *path, const char *user)
{
	struct sockaddr_un	 sun;
	struct passwd		*pw;
	struct stat		 st;
	int			 fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "mailautoconf: %s: path too long\n", path);
		return -1;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			fprintf(stderr, "mailautoconf: %s exists and is not "
			    "a socket\n", path);
			return -1;
		}
		unlink(path);
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    (fd = bind_listen(fd, (struct sockaddr *)&sun, sizeof(sun))) == -1) {
		fprintf(stderr, "mailautoconf: cannot listen on unix:%s: %s\n",
		    path, strerror(errno));
		return -1;
	}
	if (user != NULL && (pw = getpwnam(user)) != NULL &&
	    chown(path, pw->pw_uid, pw->pw_gid) == -1)
		fprintf(stderr, "mailautoconf: chown %s: %s\n", path,
		    strerror(errno));
	if (chmod(path, 0660) == -1)
		fprintf(stderr, "mailautoconf: chmod %s: %s\n", path,
		    strerror(errno));
	return fd;
}

/* Open the -s socket as fd 0. */
static int
open_socket(const char *spec, const char *user)
{
	int	 fd;

	if (strncmp(spec, "unix:", 5) == 0)
		fd = listen_unix(spec + 5, user);
	else if (strchr(spec, ':') == NULL) {
		fprintf(stderr, "mailautoconf: -s wants unix:PATH or "
		    "HOST:PORT\n");
		return -1;
	} else if (strlen(spec) > 280) {
		fprintf(stderr, "mailautoconf: -s: address too long\n");
		return -1;
	} else
		fd = listen_tcp(spec);
	if (fd == -1)
		return -1;
	if (fd != 0) {
		if (dup2(fd, 0) == -1) {
			fprintf(stderr, "mailautoconf: dup2: %s\n",
			    strerror(errno));
			close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

static void
set_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	sa.sa_flags = 0;	/* no SA_RESTART: accept() must return */
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* Answer one FastCGI request: the header and body in one write. */
static void
serve_fcgi(const struct config *cfg, FCGX_Request *req, char *body,
    struct response *r)
{
	struct cgi_env	 env;
	char		 line[512];
	const char	*out;
	size_t		 n;

	env_fcgi(req->envp, &env);
	serve(cfg, &env, read_fcgi, req->in, body, r);
	if (r->why != NULL) {
		log_line(line, sizeof(line), r, env.method, env_path(&env));
		FCGX_PutS(line, req->err);
	}
	if ((out = resp_bytes(r, &n)) != NULL)
		FCGX_PutStr(out, (int)n, req->out);
}

/*
 * The FastCGI loop on fd 0.  SIGTERM and SIGUSR1 end it after the
 * current request; SIGHUP reloads the config between requests and keeps
 * the old one when the new one is broken.
 */
static int
run_fcgi(const struct options *o)
{
	FCGX_Request	 req;
	struct config	*cfg, *ncfg;
	sigset_t	 block, old, pend;
	fd_set		 rfds;
	const char	*path = conf_path(o);
	unsigned	 busy = 0;	/* requests since the last wait */
	int		 fl, rc = EX_OK;

	if (geteuid() == 0 && o->user == NULL) {
		fprintf(stderr, "mailautoconf: refusing to serve FastCGI as "
		    "root; give -u USER\n");
		return EX_NOPERM;
	}
	if ((cfg = config_load(path, CONF_VERBOSE)) == NULL)
		return EX_CONFIG;
	/* -s: listen only once the config is known good. */
	if (o->sock != NULL && open_socket(o->sock, o->user) == -1) {
		config_free(cfg);
		return EX_OSERR;
	}
	if (!is_listener(0)) {
		fprintf(stderr, "mailautoconf: fd 0 is not a listening "
		    "socket: start me from a FastCGI launcher, with -s, or "
		    "use -t or -r\n");
		usage(stderr);
		config_free(cfg);
		return EX_USAGE;
	}
	if (o->user != NULL && drop_privileges(o->user) == -1) {
		config_free(cfg);
		return EX_NOPERM;
	}
	if (FCGX_Init() != 0 ||
	    FCGX_InitRequest(&req, 0, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		fprintf(stderr, "mailautoconf: cannot start FastCGI\n");
		config_free(cfg);
		return EX_OSERR;
	}
	/*
	 * Signals stay blocked except while waiting in pselect(), so none
	 * can cut a request short and none is lost between checking the
	 * flags and waiting.  The listening socket is non-blocking: when
	 * no connection is waiting, accept fails with EAGAIN and we wait
	 * in pselect() instead of blocking with signals held.  After a
	 * request the next accept is tried at once (under load one is
	 * usually waiting, and pselect() would be one more system call per
	 * request).  pselect() takes no signal when a connection is ready,
	 * so under load a signal would wait for a pause that may never
	 * come: every SIG_EVERY requests in a row, a pending one is taken
	 * with sigsuspend().  A signal thus waits at most that many
	 * requests.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	set_signals();
	if ((fl = fcntl(0, F_GETFL)) == -1 ||
	    fcntl(0, F_SETFL, fl | O_NONBLOCK) == -1) {
		fprintf(stderr, "mailautoconf: fcntl: %s\n", strerror(errno));
		rc = EX_OSERR;
		goto out;
	}
	/* From here on, a compromised process cannot run programs. */
	if (!o->nosandbox && sandbox_enter() == -1) {
		rc = EX_OSERR;
		goto out;
	}
	for (;;) {
		if (got_term)
			break;
		if (got_hup) {
			got_hup = 0;
			if ((ncfg = config_load(path, CONF_VERBOSE)) == NULL)
				fprintf(stderr, "mailautoconf: %s: reload "
				    "failed, keeping the old config\n", path);
			else {
				config_free(cfg);
				cfg = ncfg;
				fprintf(stderr, "mailautoconf: %s: reloaded\n",
				    path);
			}
			continue;
		}
		if (busy >= SIG_EVERY) {
			busy = 0;
			if (sigpending(&pend) == 0 &&
			    (sigismember(&pend, SIGHUP) == 1 ||
			    sigismember(&pend, SIGTERM) == 1 ||
			    sigismember(&pend, SIGUSR1) == 1))
				sigsuspend(&old);
			continue;
		}
		if (busy == 0) {
			FD_ZERO(&rfds);
			FD_SET(0, &rfds);
			if (pselect(1, &rfds, NULL, NULL, NULL, &old) == -1) {
				if (errno == EINTR)
					continue;
				fprintf(stderr, "mailautoconf: pselect: %s\n",
				    strerror(errno));
				rc = EX_OSERR;
				break;
			}
		}
		if (FCGX_Accept_r(&req) < 0) {
			busy = 0;
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR || errno == ECONNABORTED)
				continue;
			fprintf(stderr, "mailautoconf: accept: %s\n",
			    strerror(errno));
			rc = EX_OSERR;
			break;
		}
		serve_fcgi(cfg, &req, reqbody, &resp);
		FCGX_Finish_r(&req);
		busy++;
	}
out:
	FCGX_Free(&req, 1);
	config_free(cfg);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct options	 o;
	struct config	*cfg;
	const char	*rm = getenv("REQUEST_METHOD");
	const char	*gi = getenv("GATEWAY_INTERFACE");
	int		 ch, i;

	take_listen_fds();
	if (!is_listener(0) && ((rm != NULL && *rm != '\0') ||
	    (gi != NULL && *gi != '\0')))
		return run_cgi();	/* argv is not ours: Apache puts query
					   words there */
	body_init();
	memset(&o, 0, sizeof(o));
	/* Long options getopt(3) does not know: take them out first. */
	for (ch = 1, i = 1; ch < argc; ch++) {
		if (strcmp(argv[ch], "--") == 0) {
			while (ch < argc)
				argv[i++] = argv[ch++];
			break;
		}
		if (strcmp(argv[ch], "--dns") == 0)
			o.dns = 1;
		else if (strcmp(argv[ch], "--help") == 0) {
			usage(stdout);
			return EX_OK;
		} else if (strcmp(argv[ch], "--version") == 0) {
			printf("mailautoconf %s\n", MAC_VERSION);
			return EX_OK;
		} else
			argv[i++] = argv[ch];
	}
	argc = i;
	argv[argc] = NULL;
	while ((ch = getopt(argc, argv, "c:H:hm:r:Ss:tu:V")) != -1) {
		switch (ch) {
		case 'S':
			o.nosandbox = 1;
			break;
		case 'c':
			o.conf = optarg;
			break;
		case 'H':
			o.host = optarg;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		case 'm':
			o.method = optarg;
			break;
		case 'r':
			o.url = optarg;
			break;
		case 's':
			o.sock = optarg;
			break;
		case 't':
			o.test = 1;
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'V':
			printf("mailautoconf %s\n", MAC_VERSION);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (o.dns) {
		/* The records need no prepared answer. */
		if ((cfg = config_load(conf_path(&o), CONF_LAZY)) == NULL)
			return EX_CONFIG;
		ch = dns_zone(cfg, stdout, argv + optind, argc - optind);
		config_free(cfg);
		return ch == 0 ? EX_OK : 1;
	}
	if (optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (o.test) {
		if ((cfg = config_load(conf_path(&o), CONF_VERBOSE)) == NULL)
			return EX_CONFIG;
		config_summary(cfg, stdout);
		config_free(cfg);
		return EX_OK;
	}
	if (o.url != NULL)
		return run_shell(&o);
	if (o.sock == NULL && !is_listener(0)) {
		fprintf(stderr, "mailautoconf: fd 0 is not a listening "
		    "socket: start me from a FastCGI launcher, with -s, or "
		    "use -t or -r\n");
		usage(stderr);
		return EX_USAGE;
	}
	return run_fcgi(&o);
}
