/*
 * fcgireq: a small FastCGI client for the benchmark.  It sends the same
 * request N times to a responder, one connection per request as
 * lighttpd and nginx do, with the parameters lighttpd passes, and checks
 * every answer (Status 200, Content-Length equal to the body).  One
 * process for a thousand requests, where cgi-fcgi would spawn a
 * thousand.
 *
 *   fcgireq [-n N] [-m METHOD] [-H HOST] [-b BODYFILE] [-o] [-w SECS] ADDR URI
 *	ADDR is HOST:PORT or unix:PATH; URI is the path with its query.
 *	-o prints the first answer (header block and body) on stdout.
 *	-w waits up to SECS for the responder to accept the first
 *	connection (a refused connection never reaches it, so the count of
 *	requests it sees stays exact).
 *   fcgireq -p
 *	prints a free TCP port on 127.0.0.1.
 *
 * Exit 0 when every answer was a 200 with a consistent length, 1
 * otherwise (a count goes to stderr), 64 on bad usage.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fcgic.h"

#define REQ_MAX		(64 * 1024)	/* bytes sent per request */
#define ANS_MAX		(256 * 1024)	/* bytes of answer kept */
#define BODYIN_MAX	16384		/* request body */
#define RCV_TIMEOUT	600		/* seconds: a responder under valgrind
					   may load a big config first */

static const struct timeval rcvto = { RCV_TIMEOUT, 0 };

enum {
	FCGI_BEGIN_REQUEST = 1,
	FCGI_END_REQUEST = 3,
	FCGI_PARAMS = 4,
	FCGI_STDIN = 5,
	FCGI_STDOUT = 6,
	FCGI_STDERR = 7
};

struct out {
	unsigned char	 p[REQ_MAX];
	size_t		 len;
};

static void
usage(void)
{
	fprintf(stderr, "usage: fcgireq [-n N] [-m METHOD] [-H HOST] "
	    "[-b BODYFILE] [-o] [-w SECS] ADDR URI\n       fcgireq -p\n");
	exit(64);
}

static void
record(struct out *o, int type, const void *p, size_t n)
{
	unsigned char	*h = o->p + o->len;

	if (o->len + 8 + n > sizeof(o->p)) {
		fprintf(stderr, "fcgireq: request too large\n");
		exit(64);
	}
	h[0] = 1;
	h[1] = (unsigned char)type;
	h[2] = 0;
	h[3] = 1;		/* request id */
	h[4] = (unsigned char)(n >> 8);
	h[5] = (unsigned char)n;
	h[6] = 0;		/* padding */
	h[7] = 0;
	memcpy(h + 8, p, n);
	o->len += 8 + n;
}

static size_t
putlen(unsigned char *p, size_t n)
{
	if (n < 128) {
		p[0] = (unsigned char)n;
		return 1;
	}
	p[0] = (unsigned char)(0x80 | (n >> 24));
	p[1] = (unsigned char)(n >> 16);
	p[2] = (unsigned char)(n >> 8);
	p[3] = (unsigned char)n;
	return 4;
}

/* Append one name-value pair to the parameter block pb. */
static void
param(unsigned char *pb, size_t *pl, size_t pbsz, const char *name,
    const char *value)
{
	size_t	 nl = strlen(name), vl = strlen(value);

	if (*pl + 8 + nl + vl > pbsz) {
		fprintf(stderr, "fcgireq: parameters too large\n");
		exit(64);
	}
	*pl += putlen(pb + *pl, nl);
	*pl += putlen(pb + *pl, vl);
	memcpy(pb + *pl, name, nl);
	*pl += nl;
	memcpy(pb + *pl, value, vl);
	*pl += vl;
}

/* Records of at most 65535 bytes each. */
static void
stream(struct out *o, int type, const unsigned char *p, size_t n)
{
	size_t	 k;

	while (n > 0) {
		k = n > 65535 ? 65535 : n;
		record(o, type, p, k);
		p += k;
		n -= k;
	}
	record(o, type, "", 0);
}

/* A connected socket (reads time out after RCV_TIMEOUT), or -1. */
static int
dial(const char *addr)
{
	int	 fd;

	if ((fd = fc_connect(addr, 0)) != -1)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rcvto, sizeof(rcvto));
	return fd;
}

/*
 * One request: send o, gather the STDOUT stream into ans.  Returns its
 * length, -2 when it could not connect, -1 when no END_REQUEST came.
 */
static long
exchange(const char *addr, const struct out *o, unsigned char *ans)
{
	unsigned char	 h[8], skip[65536 + 256];
	size_t		 len = 0, n;
	ssize_t		 w;
	const unsigned char *p = o->p;
	size_t		 left = o->len;
	int		 fd;

	if ((fd = dial(addr)) == -1)
		return -2;
	while (left > 0) {
		if ((w = write(fd, p, left)) == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return -1;
		}
		p += w;
		left -= (size_t)w;
	}
	for (;;) {
		if (fc_readn(fd, h, 8) == -1)
			break;
		n = (size_t)h[4] << 8 | h[5];
		if (fc_readn(fd, skip, n + h[6]) == -1)
			break;
		if (h[1] == FCGI_END_REQUEST) {
			close(fd);
			return (long)len;
		}
		if (h[1] == FCGI_STDOUT && len + n <= ANS_MAX) {
			memcpy(ans + len, skip, n);
			len += n;
		} else if (h[1] == FCGI_STDERR)
			fwrite(skip, 1, n, stderr);
	}
	close(fd);
	return -1;
}

/* 1 if ans (n bytes) is a 200 whose Content-Length matches its body. */
static int
answer_ok(const unsigned char *ans, size_t n)
{
	const char	*a = (const char *)ans, *end, *cl;
	size_t		 hl;

	if (n < 12 || memcmp(a, "Status: 200", 11) != 0)
		return 0;
	for (end = a; end + 4 <= a + n && memcmp(end, "\r\n\r\n", 4) != 0;
	    end++)
		;
	if (end + 4 > a + n)
		return 0;
	hl = (size_t)(end - a) + 4;
	for (cl = a; cl < end; cl++)
		if (strncmp(cl, "\nContent-Length: ", 17) == 0)
			return strtoul(cl + 17, NULL, 10) == n - hl;
	return 0;
}

static int
free_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	int			 fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == -1) {
		perror("fcgireq: free port");
		return 1;
	}
	printf("%u\n", ntohs(sin.sin_port));
	close(fd);
	return 0;
}

int
main(int argc, char *argv[])
{
	static struct out	 o;
	static unsigned char	 pb[REQ_MAX / 2], in[BODYIN_MAX];
	static unsigned char	 ans[ANS_MAX];
	static const unsigned char begin[8] = { 0, 1, 0, 0, 0, 0, 0, 0 };
	const char	*method = "GET", *host = "localhost", *bodyfile = NULL;
	char		 path[4096], clen[24];
	const char	*uri, *q, *addr;
	long		 n = 1, i, bad = 0, len;
	size_t		 pl = 0, inlen = 0;
	struct timespec	 nap = { 0, 20000000 };
	long		 waitms = 0;
	int		 ch, show = 0;
	FILE		*fp;

	while ((ch = getopt(argc, argv, "b:H:m:n:opw:")) != -1) {
		switch (ch) {
		case 'b':
			bodyfile = optarg;
			break;
		case 'H':
			host = optarg;
			break;
		case 'm':
			method = optarg;
			break;
		case 'n':
			n = strtol(optarg, NULL, 10);
			break;
		case 'o':
			show = 1;
			break;
		case 'p':
			return free_port();
		case 'w':
			waitms = strtol(optarg, NULL, 10) * 1000;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2 || n < 1)
		usage();
	addr = argv[optind];
	uri = argv[optind + 1];
	if (bodyfile != NULL) {
		if ((fp = fopen(bodyfile, "rb")) == NULL) {
			perror(bodyfile);
			return 64;
		}
		inlen = fread(in, 1, sizeof(in), fp);
		fclose(fp);
	}
	q = strchr(uri, '?');
	snprintf(path, sizeof(path), "%.*s", q != NULL ? (int)(q - uri) :
	    (int)strlen(uri), uri);
	snprintf(clen, sizeof(clen), "%zu", inlen);

	/* What lighttpd 1.4.69 passes for such a request, in its order. */
	param(pb, &pl, sizeof(pb), "CONTENT_LENGTH", clen);
	param(pb, &pl, sizeof(pb), "QUERY_STRING", q != NULL ? q + 1 : "");
	param(pb, &pl, sizeof(pb), "REQUEST_URI", uri);
	param(pb, &pl, sizeof(pb), "REDIRECT_STATUS", "200");
	param(pb, &pl, sizeof(pb), "SCRIPT_NAME", path);
	param(pb, &pl, sizeof(pb), "PATH_INFO", "");
	param(pb, &pl, sizeof(pb), "PATH_TRANSLATED", "/var/www/html");
	param(pb, &pl, sizeof(pb), "SCRIPT_FILENAME", "/var/www/html");
	param(pb, &pl, sizeof(pb), "DOCUMENT_ROOT", "/var/www/html");
	param(pb, &pl, sizeof(pb), "REQUEST_METHOD", method);
	param(pb, &pl, sizeof(pb), "SERVER_PROTOCOL", "HTTP/1.1");
	param(pb, &pl, sizeof(pb), "SERVER_SOFTWARE", "lighttpd/1.4.69");
	param(pb, &pl, sizeof(pb), "GATEWAY_INTERFACE", "CGI/1.1");
	param(pb, &pl, sizeof(pb), "REQUEST_SCHEME", "http");
	param(pb, &pl, sizeof(pb), "SERVER_PORT", "80");
	param(pb, &pl, sizeof(pb), "SERVER_ADDR", "127.0.0.1");
	param(pb, &pl, sizeof(pb), "SERVER_NAME", host);
	param(pb, &pl, sizeof(pb), "REMOTE_ADDR", "127.0.0.1");
	param(pb, &pl, sizeof(pb), "REMOTE_PORT", "40000");
	param(pb, &pl, sizeof(pb), "HTTP_HOST", host);
	param(pb, &pl, sizeof(pb), "HTTP_USER_AGENT", "fcgireq");
	param(pb, &pl, sizeof(pb), "HTTP_ACCEPT", "*/*");
	if (inlen > 0) {
		param(pb, &pl, sizeof(pb), "CONTENT_TYPE", "text/xml");
		param(pb, &pl, sizeof(pb), "HTTP_CONTENT_LENGTH", clen);
	}

	record(&o, FCGI_BEGIN_REQUEST, begin, sizeof(begin));
	stream(&o, FCGI_PARAMS, pb, pl);
	stream(&o, FCGI_STDIN, in, inlen);

	for (i = 0; i < n; i++) {
		/* -w: the responder may still be starting. */
		while ((len = exchange(addr, &o, ans)) == -2 && i == 0 &&
		    waitms > 0) {
			nanosleep(&nap, NULL);
			waitms -= 20;
		}
		if (len < 0) {
			fprintf(stderr, "fcgireq: %s: request %ld: no answer\n",
			    addr, i + 1);
			return 1;
		}
		if (show && i == 0)
			fwrite(ans, 1, (size_t)len, stdout);
		if (!answer_ok(ans, (size_t)len))
			bad++;
	}
	if (bad > 0) {
		fprintf(stderr, "fcgireq: %ld of %ld answers were not a "
		    "consistent 200\n", bad, n);
		return 1;
	}
	return 0;
}
