/*
 * checknet.c: one outgoing connection of mailautoconf-check.  Every
 * step (connect, TLS handshake, write, read) waits in poll(2) for at most
 * what is left of the connection's one deadline, so a peer that answers
 * slowly, byte by byte or never ends the connection within -T seconds.
 * Lines are at most CHK_LINE_MAX bytes and a connection reads at most
 * CHK_READ_MAX bytes in all.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "check.h"

/* CLOCK_MONOTONIC in ms: what deadlines (here and in checkdns.c) count. */
long long
conn_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait until fd is ready for events or the deadline passes.  0 when
 * ready, -1 with c->err set.
 */
static int
conn_wait(struct conn *c, short events)
{
	struct pollfd	 p;
	long long	 left;
	int		 n;

	for (;;) {
		if ((left = c->deadline - conn_now_ms()) <= 0) {
			snprintf(c->err, sizeof(c->err), "timed out after %d s",
			    c->timeout);
			return -1;
		}
		p.fd = c->fd;
		p.events = events;
		p.revents = 0;
		n = poll(&p, 1, left > 1000000 ? 1000000 : (int)left);
		if (n > 0)
			return 0;
		if (n == -1 && errno != EINTR) {
			snprintf(c->err, sizeof(c->err), "poll: %s",
			    strerror(errno));
			return -1;
		}
	}
}

static const char *
errtext(int e)
{
	switch (e) {
	case ECONNREFUSED:
		return "connection refused";
	case ECONNRESET:
		return "connection reset";
	case EHOSTUNREACH:
		return "host unreachable";
	case ENETUNREACH:
		return "network unreachable";
	case ETIMEDOUT:
		return "timed out";
	default:
		return strerror(e);
	}
}

/* Connect to one address before the deadline: the fd, or -1. */
static int
connect_one(struct conn *c, const struct sockaddr_storage *a, socklen_t len)
{
	int		 e = 0;
	socklen_t	 elen = sizeof(e);

	if ((c->fd = socket(a->ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		snprintf(c->err, sizeof(c->err), "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(c->fd, (const struct sockaddr *)a, len) == 0)
		return 0;
	if (errno != EINPROGRESS)
		e = errno;
	else if (conn_wait(c, POLLOUT) == -1)
		goto fail;
	else if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &elen) == -1)
		e = errno;
	if (e == 0)
		return 0;
	snprintf(c->err, sizeof(c->err), "%s", errtext(e));
fail:
	close(c->fd);
	c->fd = -1;
	return -1;
}

/* A connection not open yet, which conn_close takes. */
void
conn_init(struct conn *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/*
 * A connection on fd (non-blocking, or -1 for none yet) whose every
 * step ends within timeout seconds from now.
 */
void
conn_attach(struct conn *c, int fd, int timeout)
{
	conn_init(c);
	c->fd = fd;
	c->timeout = timeout;
	c->deadline = conn_now_ms() + (long long)timeout * 1000;
}

/*
 * Connect to the first of the addresses that takes the connection, in
 * timeout seconds for everything this connection will do.  0, or -1 with
 * c->err saying why the last one failed.
 */
int
conn_open(struct conn *c, const struct addrs *a, int timeout)
{
	unsigned	 i;

	conn_attach(c, -1, timeout);
	snprintf(c->err, sizeof(c->err), "no address");
	for (i = 0; i < a->n; i++) {
		if (connect_one(c, &a->a[i], a->len[i]) == 0)
			return 0;
		if (conn_now_ms() >= c->deadline)
			break;
	}
	return -1;
}

/* OpenSSL's reason for the last failure, or what the peer did. */
static void
tls_error(struct conn *c, const char *what, int rc, int sslerr)
{
	unsigned long	 e = ERR_get_error();
	char		 buf[200];

	if (e != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		snprintf(c->err, sizeof(c->err), "%s failed: %s", what, buf);
	} else if (sslerr == SSL_ERROR_SYSCALL && rc == 0)
		snprintf(c->err, sizeof(c->err), "%s failed: the peer closed "
		    "the connection", what);
	else if (sslerr == SSL_ERROR_SYSCALL)
		snprintf(c->err, sizeof(c->err), "%s failed: %s", what,
		    errtext(errno));
	else if (sslerr == SSL_ERROR_ZERO_RETURN)
		snprintf(c->err, sizeof(c->err), "%s failed: the peer ended "
		    "TLS", what);
	else
		snprintf(c->err, sizeof(c->err), "%s failed (TLS error %d)",
		    what, sslerr);
	ERR_clear_error();
}

/*
 * Wait as a TLS call that returned rc asks (SSL_ERROR_WANT_*).  0 to
 * call again, -1 with c->err set.
 */
static int
tls_again(struct conn *c, const char *what, int rc)
{
	int	 e = SSL_get_error(c->ssl, rc);

	if (e == SSL_ERROR_WANT_READ)
		return conn_wait(c, POLLIN);
	if (e == SSL_ERROR_WANT_WRITE)
		return conn_wait(c, POLLOUT);
	tls_error(c, what, rc, e);
	return -1;
}

/* The certificate's expiry into ci (days left, the date). */
static void
cert_expiry(X509 *cert, struct certinfo *ci)
{
	const ASN1_TIME	*na = X509_get0_notAfter(cert);
	struct tm	 tm;
	int		 days = 0, secs = 0;

	if (na == NULL || ASN1_TIME_to_tm(na, &tm) != 1 ||
	    ASN1_TIME_diff(&days, &secs, NULL, na) != 1) {
		snprintf(ci->until, sizeof(ci->until), "(no date)");
		ci->days = -1;
		return;
	}
	strftime(ci->until, sizeof(ci->until), "%Y-%m-%d", &tm);
	ci->days = days - (secs < 0);
}

/*
 * TLS on the connection, for host name (SNI, and the name the
 * certificate must be valid for).  The handshake goes on whatever the
 * certificate is, so that the report can say what is wrong with it and
 * still check the rest; ci gets the verdict.  0, or -1 with c->err set
 * when there is no TLS session.
 */
int
conn_tls(struct conn *c, SSL_CTX *ctx, const char *host,
    struct certinfo *ci)
{
	X509	*cert;
	int	 rc;

	memset(ci, 0, sizeof(*ci));
	ci->verify = X509_V_ERR_UNSPECIFIED;
	if ((c->ssl = SSL_new(ctx)) == NULL || !SSL_set_fd(c->ssl, c->fd) ||
	    !SSL_set_tlsext_host_name(c->ssl, host) ||
	    !SSL_set1_host(c->ssl, host)) {
		tls_error(c, "TLS set-up", 0, SSL_ERROR_SSL);
		return -1;
	}
	while ((rc = SSL_connect(c->ssl)) != 1)
		if (tls_again(c, "TLS handshake", rc) == -1)
			return -1;
	snprintf(ci->version, sizeof(ci->version), "%s",
	    SSL_get_version(c->ssl));
	ci->verify = SSL_get_verify_result(c->ssl);
	if ((cert = SSL_get1_peer_certificate(c->ssl)) == NULL) {
		ci->verify = X509_V_ERR_UNSPECIFIED;
		snprintf(ci->until, sizeof(ci->until), "(none)");
		return 0;
	}
	cert_expiry(cert, ci);
	X509_free(cert);
	return 0;
}

/*
 * What a certificate line says: FAIL for a certificate clients refuse,
 * warn when it expires within days, else ok.  The words go to out.
 */
enum verdict
cert_verdict(const struct certinfo *ci, int days, const char *host, char *out,
    size_t size)
{
	if (ci->verify == X509_V_ERR_UNSPECIFIED && ci->until[0] == '(') {
		snprintf(out, size, "the server sent no certificate");
		return V_FAIL;
	}
	if (ci->verify == X509_V_ERR_CERT_HAS_EXPIRED) {
		snprintf(out, size, "certificate expired on %s", ci->until);
		return V_FAIL;
	}
	if (ci->verify == X509_V_ERR_HOSTNAME_MISMATCH) {
		snprintf(out, size, "certificate not valid for %s (hostname "
		    "mismatch)", host);
		return V_FAIL;
	}
	if (ci->verify != X509_V_OK) {
		snprintf(out, size, "certificate not trusted: %s",
		    X509_verify_cert_error_string(ci->verify));
		return V_FAIL;
	}
	if (ci->days < days) {
		snprintf(out, size, "certificate for %s expires in %d days "
		    "(%s)", host, ci->days, ci->until);
		return V_WARN;
	}
	snprintf(out, size, "certificate valid for %s until %s", host,
	    ci->until);
	return V_OK;
}

int
conn_write(struct conn *c, const char *p, size_t n)
{
	ssize_t	 w;
	size_t	 nw;
	int	 rc;

	while (n > 0) {
		if (c->ssl != NULL) {
			if ((rc = SSL_write_ex(c->ssl, p, n, &nw)) != 1) {
				if (tls_again(c, "TLS write", rc) == -1)
					return -1;
				continue;
			}
			w = (ssize_t)nw;
		} else if ((w = send(c->fd, p, n, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN) {
				snprintf(c->err, sizeof(c->err), "write: %s",
				    errtext(errno));
				return -1;
			}
			if (conn_wait(c, POLLOUT) == -1)
				return -1;
			continue;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
conn_printf(struct conn *c, const char *fmt, ...)
{
	char	 line[1024];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		snprintf(c->err, sizeof(c->err), "command too long");
		return -1;
	}
	return conn_write(c, line, (size_t)n);
}

/*
 * Read what the peer sends into p (at most n bytes, after what is
 * buffered): the count, 0 at the end, -1 with c->err set.
 */
long
conn_read(struct conn *c, char *p, size_t n)
{
	size_t	 got;
	ssize_t	 r;
	int	 rc;

	if (c->off < c->len) {
		got = c->len - c->off < n ? c->len - c->off : n;
		memcpy(p, c->buf + c->off, got);
		c->off += got;
		return (long)got;
	}
	if (c->got >= CHK_READ_MAX) {
		snprintf(c->err, sizeof(c->err), "the peer sent more than %ld "
		    "bytes", (long)CHK_READ_MAX);
		return -1;
	}
	if ((long)n > CHK_READ_MAX - c->got)
		n = (size_t)(CHK_READ_MAX - c->got);
	for (;;) {
		if (c->ssl != NULL) {
			if ((rc = SSL_read_ex(c->ssl, p, n, &got)) == 1)
				break;
			if (SSL_get_error(c->ssl, rc) == SSL_ERROR_ZERO_RETURN)
				return 0;
			if (tls_again(c, "TLS read", rc) == -1)
				return -1;
			continue;
		}
		if ((r = recv(c->fd, p, n, 0)) >= 0) {
			got = (size_t)r;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			snprintf(c->err, sizeof(c->err), "read: %s",
			    errtext(errno));
			return -1;
		}
		if (conn_wait(c, POLLIN) == -1)
			return -1;
	}
	c->got += (long)got;
	return (long)got;
}

/*
 * One line the peer sends, without its CR LF (a bare LF ends one too),
 * into line (size bytes, NUL-terminated, length in *len).  0, or -1 with
 * c->err set: the end of the connection, a line over CHK_LINE_MAX bytes,
 * the deadline.
 */
int
conn_line(struct conn *c, char *line, size_t size, size_t *len)
{
	char	*nl;
	size_t	 n;
	long	 r;

	for (;;) {
		nl = memchr(c->buf + c->off, '\n', c->len - c->off);
		if (nl != NULL)
			break;
		if (c->off > 0) {
			memmove(c->buf, c->buf + c->off, c->len - c->off);
			c->len -= c->off;
			c->off = 0;
		}
		if (c->len == sizeof(c->buf)) {
			snprintf(c->err, sizeof(c->err), "a line longer than "
			    "%d bytes", CHK_LINE_MAX);
			return -1;
		}
		/* conn_read reads the socket only with the buffer empty. */
		n = c->len;
		c->len = c->off = 0;
		r = conn_read(c, c->buf + n, sizeof(c->buf) - n);
		c->len = n + (r > 0 ? (size_t)r : 0);
		if (r == 0)
			snprintf(c->err, sizeof(c->err), "the server closed the "
			    "connection%s", n > 0 ? " in a line" : "");
		if (r <= 0)
			return -1;
	}
	n = (size_t)(nl - (c->buf + c->off));
	if (n > 0 && nl[-1] == '\r')
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(line, c->buf + c->off, n);
	line[n] = '\0';
	*len = n;
	c->off = (size_t)(nl + 1 - c->buf);
	return 0;
}

/*
 * Forget what the server sent before the TLS handshake that STARTTLS
 * begins: nothing said in the clear may count as said inside TLS.
 */
void
conn_drop_buffer(struct conn *c)
{
	c->off = c->len = 0;
}

void
conn_close(struct conn *c)
{
	if (c->ssl != NULL) {
		/* A polite close_notify, never waited for. */
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
}
