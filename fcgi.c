/*
 * fcgi.c: one FastCGI worker.  The only file that speaks FastCGI
 * (libfcgi's FCGX_* API); everything else sees plain structs.
 *
 * A worker keeps many connections open at once and waits on all of them,
 * the listening socket and its signals together (epoll).  A request is
 * given to libfcgi only once all of it is in the socket's receive queue:
 * the records waiting are looked at without taking them (MSG_PEEK) and
 * only their 8-byte headers are read, to see whether the stream of
 * FCGI_STDIN has ended.  libfcgi then parses the request from bytes that
 * are already there, so no read of a request ever waits for a peer, and
 * a silent, slow or trickling peer costs the others nothing.  A request
 * that is not complete within the read timeout of its first byte (or of
 * the connection's start) is dropped and logged, and so is one larger
 * than FCGI_REQ_MAX, which no web server sends unless its own limits
 * were raised far.  The lengths of the parameters are checked as well
 * (libfcgi trusts them: a length near 2 GiB makes it abort), so what
 * libfcgi is given is well formed.
 *
 * libfcgi never closes a socket here: it would shut the socket down and
 * then read until the peer closes, up to 2 s at a time, however long the
 * peer keeps sending.  The worker closes connections itself.  The one
 * place libfcgi still closes one, a malformed request, and every write
 * of an answer run under a guard: an alarm that shuts the socket down
 * once the read timeout has passed, so no call into libfcgi can block
 * for longer.
 */
#define _GNU_SOURCE		/* accept4 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mailautoconf.h"

#define CONNS_MAX	1024	/* connections one worker holds open */
#define KEEP_IDLE	300	/* seconds a kept connection may sit idle */
#define FCGI_REQ_MAX	(64 * 1024)	/* bytes of one request's records */
#define DRAIN_MAX	(16 << 20)	/* body dropped after a 413 at most */
#define PIECES_MAX	256	/* arrivals one request may come in */
#define ACCEPT_BURST	16	/* connections taken per wake-up */
#define EVENTS_MAX	64	/* epoll events per wait */
#define PEERS_MAX	16	/* addresses in FCGI_WEB_SERVER_ADDRS */
#define PAUSE_MS	1000	/* accept paused when out of descriptors */
/*
 * What libfcgi's first read of a request takes at most (its 8192-byte
 * buffer, less 8 when the allocation is not 8-aligned): a whole request
 * no longer than this is in its buffer after that read, so nothing of
 * it is left in the socket when the request is freed.
 */
#define LIBFCGI_READ	8184

/* The fixed part of every FastCGI record. */
#define FCGI_HEAD	8
#define FCGI_VERSION	1
#define FCGI_BEGIN	1
#define FCGI_RESPONDER	1	/* the role in FCGI_BEGIN_REQUEST */
#define FCGI_PARAMS	4
#define FCGI_STDIN	5

/* epoll data of the two descriptors that are not connections */
#define EV_LISTEN	0
#define EV_SIGNAL	1
#define EV_CONN0	2

enum cstate {
	C_NEW,		/* accepted, no request yet */
	C_PART,		/* part of a request has arrived */
	C_IDLE,		/* kept after an answer, nothing waiting */
	C_DRAIN		/* answered 413: the rest of the body is dropped
			   until the peer closes, so that closing early
			   cannot reset the connection before it reads the
			   answer */
};

struct conn {
	FCGX_Request	 req;
	int		 fd;		/* -1: slot free */
	int		 watched;	/* in the epoll set */
	enum cstate	 state;
	size_t		 drained;	/* C_DRAIN: body bytes dropped */
	unsigned	 pieces;	/* looks at an incomplete request */
	long long	 due;		/* ms: dropped (closed when idle) then */
	long long	 last;		/* ms: last activity, for eviction */
	int		 nextfree;
	uint32_t	 gen;		/* uses of the slot: an event of a
					   connection closed since is stale */
};

struct peer {
	int		 family;
	unsigned char	 addr[16];
};

struct worker {
	struct config	*cfg;
	const struct serve_opts *o;
	int		 ep;		/* epoll */
	int		 sfd;		/* signalfd */
	int		 tcp;		/* the listener is TCP */
	int		 listening;	/* the listener is in the epoll set */
	long long	 paused;	/* ms: accept paused until then */
	int		 stopping;
	struct conn	*c;
	size_t		 cmax;
	size_t		 n;		/* connections open */
	int		 freel;		/* first free slot, -1: none */
	long long	 sweep;		/* ms: the earliest due */
	struct peer	 peers[PEERS_MAX];
	size_t		 npeers;
};

/*
 * One request at a time per worker: one answer buffer, one body buffer,
 * one look at the waiting records, all static.
 */
static struct response	 resp;
static char		 reqbody[BODY_MAX + 1];
static unsigned char	 peekbuf[FCGI_REQ_MAX];

/* The guard: see guard_begin(). */
static volatile sig_atomic_t guard_fd = -1;
static volatile sig_atomic_t guard_due;
static volatile sig_atomic_t guard_armed;
static volatile sig_atomic_t guard_fired;

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * SIGALRM: when the guarded socket's time is up, shut it down, which
 * ends any read, write or wait on it at once; otherwise wait again for
 * the rest of its time.
 */
static void
on_alarm(int sig)
{
	struct timespec	 ts;
	int		 e = errno;

	(void)sig;
	guard_armed = 0;
	if (guard_fd >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ts.tv_sec >= guard_due) {
			shutdown(guard_fd, SHUT_RDWR);
			guard_fired = 1;
		} else {
			guard_armed = 1;
			alarm((unsigned)(guard_due - ts.tv_sec));
		}
	}
	errno = e;
}

/*
 * Guard fd for timeout seconds.  An alarm already set for an earlier
 * request is left to run: when it rings it sets itself again for the
 * rest of this one, so a busy worker makes one alarm() call every
 * timeout seconds, not two per request.
 */
static void
guard_begin(int fd, int timeout)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	guard_fired = 0;
	guard_due = (sig_atomic_t)(ts.tv_sec + timeout);
	guard_fd = fd;
	if (!guard_armed) {
		guard_armed = 1;
		alarm((unsigned)timeout);
	}
}

/* End the guard; 1 when it had to shut the socket down. */
static int
guard_end(void)
{
	guard_fd = -1;
	return guard_fired;
}

/*
 * The name-value pairs of the parameters, whose bytes are the contents
 * of the FCGI_PARAMS records among the n bytes at p (the stream has
 * ended there): 1 when every pair's lengths fit in what follows them.
 * Each length is one byte, or four with the top bit set.
 */
static int
params_ok(const unsigned char *p, size_t n)
{
	unsigned char	 len[4];
	size_t		 off, clen, i, end, k, skip = 0, want[2];
	int		 have = 0, field = 0;

	for (off = 0; n - off >= FCGI_HEAD;
	    off += FCGI_HEAD + clen + p[off + 6]) {
		clen = (size_t)p[off + 4] << 8 | p[off + 5];
		if (p[off + 1] != FCGI_PARAMS)
			continue;
		if (clen == 0)
			break;
		end = off + FCGI_HEAD + clen;
		i = off + FCGI_HEAD;
		if (skip == 0 && have == 0 && field == 0)
			/*
			 * The usual pairs first: two one-byte lengths, the
			 * name and value inside this record.
			 */
			while (end - i >= 2 && ((p[i] | p[i + 1]) & 0x80) == 0 &&
			    (size_t)p[i] + p[i + 1] <= end - i - 2)
				i += 2 + (size_t)p[i] + p[i + 1];
		for (; i < end; i += k, skip -= k) {
			if (skip == 0 && have == 0 && field == 0 &&
			    end - i >= 2 && ((p[i] | p[i + 1]) & 0x80) == 0) {
				/* The usual pair: two one-byte lengths. */
				skip = (size_t)p[i] + p[i + 1];
				i += 2;
			} else if (skip == 0) {
				len[have++] = p[i++];
				if (have == 1 && !(len[0] & 0x80))
					want[field] = len[0];
				else if (have == 4)
					want[field] = (size_t)(len[0] & 0x7f) <<
					    24 | (size_t)len[1] << 16 |
					    (size_t)len[2] << 8 | len[3];
				else
					want[field] = SIZE_MAX;
				if (want[field] != SIZE_MAX) {
					have = 0;
					if (++field == 2) {
						skip = want[0] + want[1];
						field = 0;
					}
				}
			}
			/* The name and value, as far as this record goes. */
			k = end - i < skip ? end - i : skip;
		}
	}
	return skip == 0 && have == 0 && field == 0;
}

/*
 * The waiting records (n bytes at p) by their headers alone: R_WHOLE
 * when the request's FCGI_STDIN stream has ended (all of it is there,
 * *len bytes),
 * R_BIG when more body than BODY_MAX is there already (enough to answer
 * 413), R_WAIT while more must come, R_BAD for what libfcgi would
 * refuse or mishandle: another version, no FCGI_BEGIN_REQUEST for a
 * responder first, a record of another kind or request after it, body
 * before the parameters end; R_PARAMS for parameters whose lengths do
 * not add up (libfcgi would trust them).
 */
enum ready
fcgi_ready(const unsigned char *p, size_t n, size_t *len)
{
	size_t	 off, clen, end, in = 0;
	int	 params = 0;

	/*
	 * The first record: FCGI_BEGIN_REQUEST for a responder, with a
	 * request id other than 0 (which is for management records), and
	 * no padding (libfcgi would read its padding as the next record).
	 */
	if (n >= FCGI_HEAD && (p[0] != FCGI_VERSION || p[1] != FCGI_BEGIN ||
	    (p[2] == 0 && p[3] == 0) || p[4] != 0 || p[5] != 8 || p[6] != 0))
		return R_BAD;
	if (n >= FCGI_HEAD + 2 && (p[8] != 0 || p[9] != FCGI_RESPONDER))
		return R_BAD;
	/*
	 * Then only FCGI_PARAMS and FCGI_STDIN of the same request, as web
	 * servers send them: libfcgi skips or refuses anything else, and
	 * loses its place in the stream over some of it.
	 */
	for (off = 0; n - off >= FCGI_HEAD; off = end) {
		if (off > 0 && (p[off] != FCGI_VERSION || p[off + 2] != p[2] ||
		    p[off + 3] != p[3] || (p[off + 1] != FCGI_PARAMS &&
		    p[off + 1] != FCGI_STDIN)))
			return R_BAD;
		clen = (size_t)p[off + 4] << 8 | p[off + 5];
		end = off + FCGI_HEAD + clen + p[off + 6];
		/* libfcgi leaves the padding of an empty record unread. */
		if (clen == 0 && p[off + 6] != 0)
			return R_BAD;
		if (p[off + 1] == FCGI_PARAMS && clen == 0)
			params = 1;
		if (p[off + 1] == FCGI_STDIN) {
			if (!params)
				return R_BAD;
			if (clen == 0 && end <= n) {
				*len = end;
				return params_ok(p, n) ? R_WHOLE : R_PARAMS;
			}
			if (clen == 0)
				return R_WAIT;
			in += n - off - FCGI_HEAD < clen ?
			    n - off - FCGI_HEAD : clen;
			if (in > BODY_MAX)
				return params_ok(p, n) ? R_BIG : R_PARAMS;
		}
		if (end > n)
			return R_WAIT;
	}
	return R_WAIT;
}

/* ---- answering ---- */

static size_t
read_fcgi(void *ctx, char *p, size_t n)
{
	int	 got = FCGX_GetStr(p, (int)n, (FCGX_Stream *)ctx);

	return got > 0 ? (size_t)got : 0;
}

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

/* Answer one FastCGI request: the header and body in one write. */
static void
serve_fcgi(const struct config *cfg, FCGX_Request *req)
{
	struct cgi_env	 env;
	char		 line[512];
	const char	*out;
	size_t		 n;

	env_fcgi(req->envp, &env);
	serve(cfg, &env, read_fcgi, req->in, reqbody, &resp);
	if (resp.why != NULL) {
		serve_log_line(line, sizeof(line), &resp, &env);
		FCGX_PutS(line, req->err);
	}
	if ((out = resp_bytes(&resp, &n)) != NULL)
		FCGX_PutStr(out, (int)n, req->out);
}

/* ---- connections ---- */

static void	 listen_set(struct worker *, int);

static void
unwatch(struct worker *w, struct conn *c)
{
	if (c->watched)
		epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
	c->watched = 0;
}

/* Free c's slot; its socket is closed already (fd -1) or now. */
static void
conn_free(struct worker *w, struct conn *c)
{
	if (c->fd != -1) {
		unwatch(w, c);
		close(c->fd);
	}
	c->fd = -1;
	c->gen++;
	c->nextfree = w->freel;
	w->freel = (int)(c - w->c);
	w->n--;
	/* A slot is free again: take connections if that was the limit. */
	if (!w->listening && !w->stopping && w->paused == 0)
		listen_set(w, 1);
}

/* Close c with a log line saying why (none: a quiet close). */
static void
conn_drop(struct worker *w, struct conn *c, const char *why)
{
	if (why != NULL)
		fprintf(stderr, "mailautoconf: dropped a connection: %s\n",
		    why);
	conn_free(w, c);
}

static int
watch(struct worker *w, struct conn *c)
{
	struct epoll_event	 ev;

	if (c->watched)
		return 0;
	memset(&ev, 0, sizeof(ev));
	/* Edge-triggered: woken by each arrival, not by bytes we peek at. */
	ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
	ev.data.u64 = (uint64_t)c->gen << 32 | (EV_CONN0 + (uint32_t)(c - w->c));
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, c->fd, &ev) == -1) {
		fprintf(stderr, "mailautoconf: epoll_ctl: %s\n",
		    strerror(errno));
		conn_drop(w, c, NULL);
		return -1;
	}
	c->watched = 1;
	return 0;
}

static void
set_due(struct worker *w, struct conn *c, long long due)
{
	c->due = due;
	if (due < w->sweep)
		w->sweep = due;
}

/*
 * Answer the request waiting complete on c (rd R_WHOLE), or with
 * enough body to answer 413 (R_BIG), then keep the connection when the
 * web server asked for it and nothing went wrong.  hup: the peer has
 * closed its end.
 */
static void
conn_serve(struct worker *w, struct conn *c, enum ready rd, size_t len,
    int hup)
{
	FCGX_Request	*req = &c->req;
	char		 sink[1024];
	long long	 now;
	int		 keep, bad;

	req->ipcFd = c->fd;
	/* So that FCGX_Accept_r's finish of the last request keeps it. */
	req->keepConnection = 1;
	guard_begin(c->fd, w->o->timeout);
	if (FCGX_Accept_r(req) != 0 || req->ipcFd == -1) {
		/* libfcgi refused the request and closed the socket. */
		unwatch(w, c);
		c->fd = -1;
		conn_drop(w, c, guard_end() ? "request not complete within "
		    "the read timeout" : "malformed FastCGI request");
		return;
	}
	serve_fcgi(w->cfg, req);
	/*
	 * What is left of the request is there: take it, so that the next
	 * request starts clean.  A request libfcgi took in its first read
	 * has nothing left in the socket.
	 */
	if (rd == R_WHOLE && len > LIBFCGI_READ)
		while (FCGX_GetStr(sink, sizeof(sink), req->in) > 0)
			;
	keep = req->keepConnection && rd == R_WHOLE && !hup && !w->stopping;
	bad = FCGX_FClose(req->err) != 0;
	bad |= FCGX_FClose(req->out) != 0;
	bad |= FCGX_GetError(req->in) != 0;
	FCGX_Free(req, 0);
	if (guard_end()) {
		conn_drop(w, c, "answer not taken within the read timeout");
		return;
	}
	now = now_ms();
	if (rd == R_BIG && !bad && !hup && shutdown(c->fd, SHUT_WR) == 0) {
		c->state = C_DRAIN;
		c->drained = 0;
		set_due(w, c, now + w->o->timeout * 1000LL);
		watch(w, c);
		return;
	}
	if (!keep || bad) {
		conn_drop(w, c, NULL);
		return;
	}
	c->state = C_IDLE;
	c->last = now;
	set_due(w, c, now + KEEP_IDLE * 1000LL);
	watch(w, c);
}

/* After a 413: drop what comes, close at its end or past DRAIN_MAX. */
static void
conn_drain(struct worker *w, struct conn *c)
{
	ssize_t	 n;

	while ((n = recv(c->fd, peekbuf, sizeof(peekbuf), MSG_DONTWAIT)) > 0 &&
	    (c->drained += (size_t)n) <= DRAIN_MAX)
		;
	if (n == 0 || c->drained > DRAIN_MAX || (n == -1 && errno != EAGAIN &&
	    errno != EWOULDBLOCK && errno != EINTR))
		conn_drop(w, c, NULL);
}

/*
 * Part of a request waits on c: wait for the rest, within the read
 * timeout (from the connection's start when it is new) and PIECES_MAX
 * arrivals.
 */
static void
conn_partial(struct worker *w, struct conn *c)
{
	char	 why[80];

	if (c->state != C_PART) {
		if (c->state == C_IDLE)
			set_due(w, c, now_ms() + w->o->timeout * 1000LL);
		c->state = C_PART;
		c->pieces = 0;
	}
	if (++c->pieces > PIECES_MAX) {
		snprintf(why, sizeof(why), "request in over %d pieces",
		    PIECES_MAX);
		conn_drop(w, c, why);
		return;
	}
	watch(w, c);
}

/*
 * Look at what waits on c: answer a complete request, note a partial
 * one, drop a connection the peer closed or that sends what is not
 * FastCGI.  hup: the event said the peer closed its end.
 */
static void
conn_look(struct worker *w, struct conn *c, int hup)
{
	char		 why[80];
	ssize_t		 n;
	size_t		 len = 0;
	enum ready	 rd;

	if (c->state == C_DRAIN) {
		conn_drain(w, c);
		return;
	}
	n = recv(c->fd, peekbuf, sizeof(peekbuf), MSG_PEEK | MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR)) {
		if (hup)
			conn_drop(w, c, c->state == C_PART ?
			    "closed by the peer mid-request" : NULL);
		return;
	}
	if (n <= 0) {
		/* Closed (or reset) with nothing waiting. */
		conn_drop(w, c, c->state == C_PART ?
		    "closed by the peer mid-request" : NULL);
		return;
	}
	rd = fcgi_ready(peekbuf, (size_t)n, &len);
	if (rd == R_WHOLE || rd == R_BIG) {
		conn_serve(w, c, rd, len, hup);
		return;
	}
	if (rd == R_BAD || rd == R_PARAMS) {
		conn_drop(w, c, rd == R_BAD ? "not a FastCGI request" :
		    "parameter lengths that do not add up");
		return;
	}
	if ((size_t)n == sizeof(peekbuf)) {
		snprintf(why, sizeof(why), "request over %d bytes",
		    FCGI_REQ_MAX);
		conn_drop(w, c, why);
		return;
	}
	if (hup)
		conn_drop(w, c, "closed by the peer mid-request");
	else
		conn_partial(w, c);
}

/* 1 when the peer may connect: FCGI_WEB_SERVER_ADDRS, TCP only. */
static int
peer_ok(const struct worker *w, const struct sockaddr_storage *ss)
{
	const unsigned char	*a;
	size_t			 i, len;
	int			 fam = ss->ss_family;

	if (w->npeers == 0 || (fam != AF_INET && fam != AF_INET6))
		return 1;
	if (fam == AF_INET) {
		a = (const unsigned char *)
		    &((const struct sockaddr_in *)ss)->sin_addr;
		len = 4;
	} else {
		a = ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
		len = 16;
		/* An IPv4 peer of a dual-stack socket. */
		if (IN6_IS_ADDR_V4MAPPED(
		    &((const struct sockaddr_in6 *)ss)->sin6_addr)) {
			a += 12;
			len = 4;
			fam = AF_INET;
		}
	}
	for (i = 0; i < w->npeers; i++)
		if (w->peers[i].family == fam &&
		    memcmp(w->peers[i].addr, a, len) == 0)
			return 1;
	return 0;
}

/* The addresses of FCGI_WEB_SERVER_ADDRS, comma-separated. */
static void
peers_load(struct worker *w)
{
	const char	*s = getenv("FCGI_WEB_SERVER_ADDRS"), *e;
	char		 one[INET6_ADDRSTRLEN];
	size_t		 len;

	for (w->npeers = 0; s != NULL && *s != '\0'; s = *e ? e + 1 : e) {
		if ((e = strchr(s, ',')) == NULL)
			e = s + strlen(s);
		len = (size_t)(e - s);
		if (len == 0 || len >= sizeof(one))
			continue;
		memcpy(one, s, len);
		one[len] = '\0';
		if (w->npeers == PEERS_MAX) {
			fprintf(stderr, "mailautoconf: FCGI_WEB_SERVER_ADDRS: "
			    "over %d addresses\n", PEERS_MAX);
			break;
		}
		if (inet_pton(AF_INET, one, w->peers[w->npeers].addr) == 1)
			w->peers[w->npeers++].family = AF_INET;
		else if (inet_pton(AF_INET6, one,
		    w->peers[w->npeers].addr) == 1)
			w->peers[w->npeers++].family = AF_INET6;
		else
			fprintf(stderr, "mailautoconf: FCGI_WEB_SERVER_ADDRS: "
			    "not an address: %s\n", one);
	}
}

static void
listen_set(struct worker *w, int on)
{
	struct epoll_event	 ev;

	if (w->listening == on)
		return;
	if (!on) {
		epoll_ctl(w->ep, EPOLL_CTL_DEL, 0, NULL);
		w->listening = 0;
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.data.u64 = EV_LISTEN;
	/* Several workers wait on one socket: wake one per connection. */
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, 0, &ev) == -1) {
		/* Before Linux 4.5 there is none: every worker wakes. */
		ev.events = EPOLLIN;
		if (errno != EINVAL ||
		    epoll_ctl(w->ep, EPOLL_CTL_ADD, 0, &ev) == -1)
			return;
	}
	w->listening = 1;
}

/*
 * Make room for one more connection: close the one idle longest among
 * those without a request under way.  0, or -1 when every connection
 * has one.
 */
static int
evict(struct worker *w)
{
	struct conn	*c, *old = NULL;
	size_t		 i;

	for (i = 0; i < w->cmax; i++) {
		c = &w->c[i];
		if (c->fd != -1 && c->state != C_PART &&
		    (old == NULL || c->last < old->last))
			old = c;
	}
	if (old == NULL)
		return -1;
	conn_drop(w, old, old->state == C_NEW ?
	    "no request yet, its slot taken by a newer connection" : NULL);
	return 0;
}

/*
 * Take up to ACCEPT_BURST new connections, answering what waits; the
 * number taken.
 */
static int
accept_some(struct worker *w)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	struct conn		*c;
	long long		 now;
	int			 i, fd, one = 1;

	for (i = 0; i < ACCEPT_BURST && !w->stopping; i++) {
		if (w->n == w->cmax && evict(w) == -1) {
			listen_set(w, 0);
			return i;
		}
		len = sizeof(ss);
		if ((fd = accept4(0, (struct sockaddr *)&ss, &len,
		    SOCK_CLOEXEC)) == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				fprintf(stderr, "mailautoconf: accept: %s\n",
				    strerror(errno));
				listen_set(w, 0);
				w->paused = now_ms() + PAUSE_MS;
				if (w->paused < w->sweep)
					w->sweep = w->paused;
			}
			return i;
		}
		if (!peer_ok(w, &ss)) {
			fprintf(stderr, "mailautoconf: refused a connection "
			    "from an address not in FCGI_WEB_SERVER_ADDRS\n");
			close(fd);
			continue;
		}
		if (w->tcp)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
		c = &w->c[w->freel];
		w->freel = c->nextfree;
		w->n++;
		FCGX_InitRequest(&c->req, -1, 0);
		c->fd = fd;
		c->watched = 0;
		c->state = C_NEW;
		c->pieces = 0;
		now = now_ms();
		c->last = now;
		set_due(w, c, now + w->o->timeout * 1000LL);
		/* The request usually came with the connection. */
		conn_look(w, c, 0);
		if (c->fd != -1 && !c->watched)
			watch(w, c);
	}
	return i;
}

/*
 * Stop: take the connections already waiting and then no more, answer
 * what has already come on kept connections and close the idle ones;
 * requests under way are finished (or dropped at their time) before the
 * loop ends.  A kept connection closed now may still be in use by the
 * web server for a request it is sending at this moment: nginx sends
 * such a request again only when allowed to for a POST
 * (contrib/nginx/mailautoconf-keepalive.conf allows it).
 */
static void
stop(struct worker *w)
{
	struct conn	*c;
	size_t		 i;

	while (w->listening && accept_some(w) == ACCEPT_BURST)
		;
	w->stopping = 1;
	listen_set(w, 0);
	for (i = 0; i < w->cmax; i++) {
		c = &w->c[i];
		if (c->fd == -1 || c->state != C_IDLE)
			continue;
		/* A request on its way is answered, then the socket closed. */
		conn_look(w, c, 0);
		if (c->fd != -1 && c->state == C_IDLE)
			conn_drop(w, c, NULL);
	}
}

static void
on_signals(struct worker *w)
{
	struct signalfd_siginfo	 si;

	while (read(w->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			if (serve_reload(w->o->path, &w->cfg) == 0)
				fprintf(stderr, "mailautoconf: %s: reloaded\n",
				    w->o->path);
		}
		else if (!w->stopping)
			stop(w);
	}
}

/* Drop what is past its time; find the next time. */
static void
sweep(struct worker *w, long long now)
{
	struct conn	*c;
	char		 why[80];
	size_t		 i;

	w->sweep = LLONG_MAX;
	if (w->paused != 0 && now >= w->paused && !w->stopping) {
		w->paused = 0;
		listen_set(w, 1);
	} else if (w->paused != 0)
		w->sweep = w->paused;
	for (i = 0; i < w->cmax; i++) {
		c = &w->c[i];
		if (c->fd == -1)
			continue;
		if (c->due > now) {
			if (c->due < w->sweep)
				w->sweep = c->due;
			continue;
		}
		if (c->state == C_IDLE || c->state == C_DRAIN)
			conn_drop(w, c, NULL);
		else {
			snprintf(why, sizeof(why), "%s within %d s",
			    c->state == C_NEW ? "no request" :
			    "request not complete", w->o->timeout);
			conn_drop(w, c, why);
		}
	}
}

/* ---- setting up ---- */

/* Room for connections: the descriptor limit raised as far as allowed. */
static size_t
conns_room(void)
{
	struct rlimit	 rl;
	rlim_t		 want = CONNS_MAX + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 64;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < 64)
		return 16;
	return rl.rlim_cur - 48 < CONNS_MAX ? (size_t)(rl.rlim_cur - 48) :
	    CONNS_MAX;
}

/* The connection slots, all free. */
static int
conns_init(struct worker *w)
{
	size_t	 i;

	w->cmax = conns_room();
	if ((w->c = calloc(w->cmax, sizeof(*w->c))) == NULL) {
		fprintf(stderr, "mailautoconf: out of memory\n");
		return -1;
	}
	for (i = 0; i < w->cmax; i++) {
		w->c[i].fd = -1;
		w->c[i].nextfree = i + 1 < w->cmax ? (int)i + 1 : -1;
	}
	w->freel = 0;
	return 0;
}

/*
 * Signals: SIGTERM, SIGUSR1 and SIGHUP come as events of a signalfd;
 * the guard's SIGALRM as a signal, restarting what it interrupts.  0 or
 * -1.
 */
static int
signals_init(struct worker *w)
{
	struct sigaction	 sa;
	sigset_t		 set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	sigaction(SIGPIPE, &sa, NULL);
	return (w->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
}

static int
setup(struct worker *w)
{
	struct sockaddr_storage	 ss;
	struct epoll_event	 ev;
	socklen_t		 len = sizeof(ss);
	int			 fl;

	if (conns_init(w) == -1)
		return -1;
	w->sweep = LLONG_MAX;
	w->tcp = getsockname(0, (struct sockaddr *)&ss, &len) == 0 &&
	    (ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
	/*
	 * Room in each TCP connection's receive queue for a whole request
	 * (accepted sockets take the listener's size): it is looked at
	 * there before any of it is read.
	 */
	fl = 2 * FCGI_REQ_MAX;
	if (w->tcp)
		setsockopt(0, SOL_SOCKET, SO_RCVBUF, &fl, sizeof(fl));
	peers_load(w);
	if (signals_init(w) == -1 ||
	    (w->ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (fl = fcntl(0, F_GETFL)) == -1 ||
	    fcntl(0, F_SETFL, fl | O_NONBLOCK) == -1) {
		fprintf(stderr, "mailautoconf: cannot start: %s\n",
		    strerror(errno));
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = EV_SIGNAL;
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, w->sfd, &ev) == -1) {
		fprintf(stderr, "mailautoconf: epoll_ctl: %s\n",
		    strerror(errno));
		return -1;
	}
	listen_set(w, 1);
	if (!w->listening) {
		fprintf(stderr, "mailautoconf: cannot wait on the listening "
		    "socket: %s\n", strerror(errno));
		return -1;
	}
	if (FCGX_Init() != 0) {
		fprintf(stderr, "mailautoconf: cannot start FastCGI\n");
		return -1;
	}
	return 0;
}

/* One event from epoll_wait: the listener, the signals or a connection. */
static void
on_event(struct worker *w, const struct epoll_event *ev)
{
	uint32_t	 id = (uint32_t)ev->data.u64;
	struct conn	*c;

	if (id == EV_LISTEN)
		accept_some(w);
	else if (id == EV_SIGNAL)
		on_signals(w);
	else {
		c = &w->c[id - EV_CONN0];
		if (c->fd != -1 && c->gen == ev->data.u64 >> 32)
			conn_look(w, c, (ev->events & (EPOLLRDHUP | EPOLLHUP |
			    EPOLLERR)) != 0);
	}
}

/* Close every connection and descriptor of w, and free its config. */
static void
teardown(struct worker *w)
{
	size_t	 i;

	for (i = 0; w->c != NULL && i < w->cmax; i++)
		if (w->c[i].fd != -1)
			conn_free(w, &w->c[i]);
	free(w->c);
	if (w->ep != -1)
		close(w->ep);
	if (w->sfd != -1)
		close(w->sfd);
	config_free(w->cfg);
}

int
fcgi_worker(struct config *cfg, const struct serve_opts *o)
{
	struct epoll_event	 ev[EVENTS_MAX];
	struct worker		 w;
	long long		 now;
	int			 i, nev, tmo, rc = 0;

	memset(&w, 0, sizeof(w));
	w.cfg = cfg;
	w.o = o;
	w.ep = w.sfd = -1;
	if (setup(&w) == -1)
		rc = 71;
	/*
	 * From here on, a compromised process cannot run programs: unless
	 * -S left the filter out, or it could not be loaded (said then).
	 */
	else if (o->sandbox && sandbox_enter(0) == -1)
		rc = 71;
	while (rc == 0 && !(w.stopping && w.n == 0)) {
		now = now_ms();
		if (now >= w.sweep)
			sweep(&w, now);
		tmo = w.sweep == LLONG_MAX ? -1 : w.sweep - now > INT_MAX ?
		    INT_MAX : (int)(w.sweep - now);
		if ((nev = epoll_wait(w.ep, ev, EVENTS_MAX, tmo)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "mailautoconf: epoll_wait: %s\n",
			    strerror(errno));
			rc = 71;
			break;
		}
		for (i = 0; i < nev; i++)
			on_event(&w, &ev[i]);
	}
	teardown(&w);
	return rc;
}
