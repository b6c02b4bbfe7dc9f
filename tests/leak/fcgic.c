/*
 * fcgic: a small FastCGI client and a reader of request tables (see
 * fcgic.h).  One connection per request, as lighttpd and nginx do; the
 * parameters are those a CGI test would put in the environment.
 */
#define _GNU_SOURCE		/* memmem */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fcgic.h"

#define FCGI_BEGIN_REQUEST	1
#define FCGI_END_REQUEST	3
#define FCGI_PARAMS		4
#define FCGI_STDIN		5
#define FCGI_STDOUT		6
#define FCGI_STDERR		7
#define FCGI_RESPONDER		1
#define REC_MAX			65528	/* content bytes per record */
#define FIELDS			12

/* A growing byte buffer; on allocation failure the program exits. */
struct bytes {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

static void
oom(void)
{
	fputs("fcgic: out of memory\n", stderr);
	exit(70);
}

static void
b_add(struct bytes *b, const void *p, size_t n)
{
	char	*np;
	size_t	 ncap;

	if (b->len + n + 1 > b->cap) {
		ncap = b->cap == 0 ? 4096 : b->cap;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		if ((np = realloc(b->p, ncap)) == NULL)
			oom();
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		oom();
	return p;
}

/* Decode printf %b escapes: \\ \a \b \f \n \r \t \v \0NNN. */
static char *
decode(const char *s, size_t *lenp)
{
	struct bytes	 b = { NULL, 0, 0 };
	char		 c;
	int		 v, i;

	b_add(&b, "", 0);
	while (*s != '\0') {
		if (*s != '\\' || s[1] == '\0') {
			b_add(&b, s++, 1);
			continue;
		}
		s++;
		switch (*s) {
		case 'a': c = '\a'; break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'v': c = '\v'; break;
		case '\\': c = '\\'; break;
		case '0':
			for (v = 0, i = 0; i < 3 && s[1] >= '0' && s[1] <= '7';
			    i++)
				v = v * 8 + (*++s - '0');
			c = (char)v;
			break;
		default:
			b_add(&b, "\\", 1);
			c = *s;
			break;
		}
		b_add(&b, &c, 1);
		s++;
	}
	if (lenp != NULL)
		*lenp = b.len;
	return b.p;
}

/* Read a whole file; NULL (reported) on failure. */
static char *
slurp(const char *path, size_t *lenp)
{
	struct bytes	 b = { NULL, 0, 0 };
	FILE		*fp;
	char		 tmp[65536];
	size_t		 n;

	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "fcgic: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	b_add(&b, "", 0);
	while ((n = fread(tmp, 1, sizeof(tmp), fp)) > 0)
		b_add(&b, tmp, n);
	if (ferror(fp)) {
		fprintf(stderr, "fcgic: %s: read error\n", path);
		fclose(fp);
		free(b.p);
		return NULL;
	}
	fclose(fp);
	*lenp = b.len;
	return b.p;
}

static char *
join(const char *dir, const char *name)
{
	char	*p;
	size_t	 n = strlen(dir) + strlen(name) + 2;

	if ((p = malloc(n)) == NULL)
		oom();
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static int
is_none(const char *f)
{
	return f == NULL || strcmp(f, "-") == 0;
}

/* Fill c from the fields of one table line; 0 or -1 (reported). */
static int
make_case(struct fc_case *c, char **f, int nf, const char *dir,
    const char *gendir)
{
	char	*path, num[32];
	size_t	 len;

	memset(c, 0, sizeof(*c));
	if (nf < 4) {
		fprintf(stderr, "fcgic: fewer than 4 fields\n");
		return -1;
	}
	snprintf(c->name, sizeof(c->name), "%s", f[0]);
	c->method = decode(f[1], NULL);
	if (f[2][0] == '@') {
		path = join(gendir, f[2] + 1);
		c->uri = slurp(path, &c->urilen);
		free(path);
		if (c->uri == NULL)
			return -1;
	} else
		c->uri = decode(f[2], &c->urilen);
	c->status = atoi(f[3]);
	c->errcode = nf > 4 && !is_none(f[4]) ? atoi(f[4]) : -1;
	if (nf > 5 && !is_none(f[5])) {
		path = strncmp(f[5], "gen/", 4) == 0 ?
		    join(gendir, f[5] + 4) : join(dir, f[5]);
		c->body = slurp(path, &c->bodylen);
		free(path);
		if (c->body == NULL)
			return -1;
	}
	c->host = nf > 6 && !is_none(f[6]) ? decode(f[6], NULL) : NULL;
	if (nf <= 7 || f[7][0] == '\0' || strcmp(f[7], "auto") == 0) {
		snprintf(num, sizeof(num), "%zu", c->bodylen);
		c->clen = xstrdup(num);
	} else if (strcmp(f[7], "-") == 0)
		c->clen = NULL;
	else if (strcmp(f[7], "empty") == 0)
		c->clen = xstrdup("");
	else
		c->clen = xstrdup(f[7]);
	c->want = nf > 8 && !is_none(f[8]) ? decode(f[8], &len) : NULL;
	c->forbid = nf > 9 && !is_none(f[9]) ? decode(f[9], &len) : NULL;
	c->conf = nf > 10 && !is_none(f[10]) ? xstrdup(f[10]) : NULL;
	c->repeat = nf > 11 && !is_none(f[11]) ? (unsigned)atoi(f[11]) : 1;
	c->checked = 1;
	return 0;
}

int
fc_load(const char *path, const char *gendir, struct fc_case **cases,
    size_t *n)
{
	struct fc_case	*nc;
	char		*text, *line, *next, *f[FIELDS], *dir, *slash;
	size_t		 len;
	int		 nf, lineno = 0, rc = 0;

	if ((text = slurp(path, &len)) == NULL)
		return -1;
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	else
		strcpy(dir, ".");
	for (line = text; line != NULL && *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		for (nf = 0; nf < FIELDS; nf++) {
			f[nf] = line;
			if ((line = strchr(line, '\t')) == NULL) {
				nf++;
				break;
			}
			*line++ = '\0';
		}
		if ((nc = realloc(*cases, (*n + 1) * sizeof(**cases))) == NULL)
			oom();
		*cases = nc;
		if (make_case(&nc[*n], f, nf, dir, gendir) == -1) {
			fprintf(stderr, "fcgic: %s:%d: bad case\n", path,
			    lineno);
			fc_free(&nc[*n], 1);
			rc = -1;
			break;
		}
		nc[*n].line = lineno;
		nc[*n].file = path;
		(*n)++;
	}
	free(dir);
	free(text);
	return rc;
}

void
fc_free(struct fc_case *c, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(c[i].method);
		free(c[i].uri);
		free(c[i].host);
		free(c[i].body);
		free(c[i].clen);
		free(c[i].want);
		free(c[i].forbid);
		free(c[i].conf);
	}
}

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
fc_connect(const char *addr, double wait)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_un	*sun = (struct sockaddr_un *)&ss;
	struct sockaddr		*sa = (struct sockaddr *)&ss;
	struct addrinfo		 hints, *ai;
	socklen_t		 salen;
	const char		*colon, *h = addr;
	char			 host[64];
	double			 until = now() + wait;
	size_t			 hl;
	int			 fd, e;

	memset(&ss, 0, sizeof(ss));
	if (strncmp(addr, "unix:", 5) == 0) {
		sun->sun_family = AF_UNIX;
		if (strlen(addr + 5) >= sizeof(sun->sun_path))
			return -1;
		strcpy(sun->sun_path, addr + 5);
		salen = sizeof(*sun);
	} else {
		/* 127.0.0.1:PORT or [::1]:PORT, numeric only */
		if ((colon = strrchr(addr, ':')) == NULL)
			return -1;
		hl = (size_t)(colon - addr);
		if (hl >= 2 && addr[0] == '[' && addr[hl - 1] == ']') {
			h++;
			hl -= 2;
		}
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, h, hl);
		host[hl] = '\0';
		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
		if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
			return -1;
		memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
		salen = ai->ai_addrlen;
		freeaddrinfo(ai);
	}
	for (;;) {
		if ((fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC,
		    0)) == -1)
			return -1;
		if (connect(fd, sa, salen) == 0)
			return fd;
		e = errno;
		close(fd);
		if ((e != ECONNREFUSED && e != ENOENT && e != EAGAIN) ||
		    now() >= until)
			return -1;
		usleep(50000);
	}
}

static void
record(struct bytes *b, int type, const char *p, size_t n)
{
	unsigned char	 h[8];

	h[0] = 1;
	h[1] = (unsigned char)type;
	h[2] = 0;
	h[3] = 1;	/* request id 1 */
	h[4] = (unsigned char)(n >> 8);
	h[5] = (unsigned char)n;
	h[6] = 0;
	h[7] = 0;
	b_add(b, h, 8);
	if (n > 0)
		b_add(b, p, n);
}

/* A stream (PARAMS or STDIN): records of up to REC_MAX, then empty. */
static void
stream(struct bytes *b, int type, const char *p, size_t n)
{
	size_t	 k;

	while (n > 0) {
		k = n > REC_MAX ? REC_MAX : n;
		record(b, type, p, k);
		p += k;
		n -= k;
	}
	record(b, type, NULL, 0);
}

static void
nvlen(struct bytes *b, size_t n)
{
	unsigned char	 l[4];

	if (n < 128) {
		l[0] = (unsigned char)n;
		b_add(b, l, 1);
		return;
	}
	l[0] = (unsigned char)(0x80 | (n >> 24));
	l[1] = (unsigned char)(n >> 16);
	l[2] = (unsigned char)(n >> 8);
	l[3] = (unsigned char)n;
	b_add(b, l, 4);
}

static void
param(struct bytes *b, const char *name, const char *v, size_t vlen)
{
	nvlen(b, strlen(name));
	nvlen(b, vlen);
	b_add(b, name, strlen(name));
	b_add(b, v, vlen);
}

/* The request as bytes: BEGIN_REQUEST, PARAMS, STDIN. */
static void
build(struct bytes *out, const struct fc_case *c)
{
	static const unsigned char begin[8] = { 0, FCGI_RESPONDER, 0 };
	struct bytes	 pb = { NULL, 0, 0 };
	const char	*q;

	record(out, FCGI_BEGIN_REQUEST, (const char *)begin, sizeof(begin));
	param(&pb, "GATEWAY_INTERFACE", "CGI/1.1", 7);
	param(&pb, "SERVER_PROTOCOL", "HTTP/1.1", 8);
	param(&pb, "REQUEST_METHOD", c->method, strlen(c->method));
	param(&pb, "REQUEST_URI", c->uri, c->urilen);
	q = memchr(c->uri, '?', c->urilen);
	if (q != NULL)
		param(&pb, "QUERY_STRING", q + 1,
		    c->urilen - (size_t)(q + 1 - c->uri));
	else
		param(&pb, "QUERY_STRING", "", 0);
	if (c->host != NULL)
		param(&pb, "HTTP_HOST", c->host, strlen(c->host));
	if (c->clen != NULL)
		param(&pb, "CONTENT_LENGTH", c->clen, strlen(c->clen));
	stream(out, FCGI_PARAMS, pb.p, pb.len);
	stream(out, FCGI_STDIN, c->body, c->body != NULL ? c->bodylen : 0);
	free(pb.p);
}

char *
fc_build(const struct fc_case *c, size_t *len)
{
	struct bytes	 b = { NULL, 0, 0 };

	build(&b, c);
	*len = b.len;
	return b.p;
}

int
fc_readn(int fd, void *p, size_t n)
{
	ssize_t	 r;
	char	*q = p;

	while (n > 0) {
		r = read(fd, q, n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		q += r;
		n -= (size_t)r;
	}
	return 0;
}

static void
ans_add(struct fc_answer *a, const char *p, size_t n)
{
	struct bytes	 b = { a->buf, a->len, a->cap };

	b_add(&b, p, n);
	a->buf = b.p;
	a->len = b.len;
	a->cap = b.cap;
}

/* An empty answer, its buffer kept. */
static void
ans_reset(struct fc_answer *a)
{
	a->len = 0;
	a->errlen = 0;
	a->ended = 0;
	a->status = 0;
	a->headlen = 0;
	ans_add(a, "", 0);
}

int
fc_read(int fd, struct fc_answer *a, int werr, char *why, size_t whysz)
{
	unsigned char	 h[8];
	char		 content[65536 + 256];
	size_t		 clen, plen;
	int		 rc = -1;

	ans_reset(a);
	snprintf(why, whysz, "no answer");
	for (;;) {
		if (fc_readn(fd, h, 8) == -1) {
			snprintf(why, whysz, "connection closed before "
			    "END_REQUEST%s%s", werr ? " (write: " : "",
			    werr ? strerror(werr) : "");
			if (werr)
				strncat(why, ")", whysz - strlen(why) - 1);
			break;
		}
		clen = (size_t)h[4] << 8 | h[5];
		plen = h[6];
		if (h[0] != 1 || fc_readn(fd, content, clen + plen) == -1) {
			snprintf(why, whysz, "bad or short record");
			break;
		}
		if (h[1] == FCGI_STDOUT)
			ans_add(a, content, clen);
		else if (h[1] == FCGI_STDERR)
			a->errlen += clen;
		else if (h[1] == FCGI_END_REQUEST) {
			a->ended = 1;
			rc = 0;
			break;
		}
	}
	fc_answer_head(a);
	return rc;
}

void
fc_answer_head(struct fc_answer *a)
{
	const char	*p;

	a->status = 0;
	a->headlen = 0;
	if (strncmp(a->buf, "Status: ", 8) == 0)
		a->status = atoi(a->buf + 8);
	if ((p = strstr(a->buf, "\r\n\r\n")) != NULL)
		a->headlen = (size_t)(p - a->buf) + 4;
}

int
fc_send(const char *addr, const struct fc_case *c, struct fc_answer *a,
    int timeout, char *why, size_t whysz)
{
	struct bytes	 req = { NULL, 0, 0 };
	struct timeval	 tv;
	size_t		 off = 0;
	ssize_t		 w;
	int		 fd, rc, werr = 0;

	if ((fd = fc_connect(addr, 0)) == -1) {
		ans_reset(a);
		snprintf(why, whysz, "connect %s: %s", addr, strerror(errno));
		return -1;
	}
	tv.tv_sec = timeout;
	tv.tv_usec = 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	build(&req, c);
	/* A responder may answer (413) before it has read everything. */
	while (off < req.len) {
		w = send(fd, req.p + off, req.len - off, MSG_NOSIGNAL);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			werr = errno;
			break;
		}
		off += (size_t)w;
	}
	rc = fc_read(fd, a, werr, why, whysz);
	close(fd);
	free(req.p);
	return rc;
}

void
fc_answer_free(struct fc_answer *a)
{
	free(a->buf);
	a->buf = NULL;
	a->len = a->cap = 0;
}

const char *
fc_body(const struct fc_answer *a, size_t *len)
{
	*len = a->headlen > 0 ? a->len - a->headlen : 0;
	return a->headlen > 0 ? a->buf + a->headlen : "";
}

static const char *
find(const char *hay, size_t n, const char *needle)
{
	size_t	 nl = strlen(needle);

	if (nl == 0)
		return hay;
	return memmem(hay, n, needle, nl);
}

int
fc_check(const struct fc_case *c, const struct fc_answer *a, char *why,
    size_t whysz)
{
	const char	*body, *p, *cl;
	size_t		 blen;
	long		 v;
	int		 ec;

	if (!a->ended) {
		snprintf(why, whysz, "no END_REQUEST");
		return 0;
	}
	if (a->headlen == 0) {
		snprintf(why, whysz, "no header block");
		return 0;
	}
	if (a->status != c->status) {
		snprintf(why, whysz, "status %d, want %d", a->status,
		    c->status);
		return 0;
	}
	body = fc_body(a, &blen);
	if ((cl = find(a->buf, a->headlen, "\r\nContent-Length: ")) == NULL) {
		snprintf(why, whysz, "no Content-Length");
		return 0;
	}
	v = strtol(cl + 18, NULL, 10);
	if (strcmp(c->method, "HEAD") == 0 ? blen != 0 :
	    (size_t)v != blen) {
		snprintf(why, whysz, "Content-Length %ld, body %zu bytes", v,
		    blen);
		return 0;
	}
	ec = -1;
	if ((p = find(body, blen, "<ErrorCode>")) != NULL)
		ec = atoi(p + 11);
	if (ec != c->errcode) {
		snprintf(why, whysz, "ErrorCode %d, want %d (-1: none)", ec,
		    c->errcode);
		return 0;
	}
	if (c->want != NULL && find(body, blen, c->want) == NULL) {
		snprintf(why, whysz, "body lacks \"%.60s\"", c->want);
		return 0;
	}
	if (c->forbid != NULL && find(a->buf, a->len, c->forbid) != NULL) {
		snprintf(why, whysz, "answer holds \"%.60s\"", c->forbid);
		return 0;
	}
	return 1;
}
