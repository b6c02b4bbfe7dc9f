/*
 * checkdns.c: the DNS part of mailautoconf-check.  Records come from
 * the system's DNS servers (res_nquery) or, with --resolver, from one
 * server asked directly over UDP (TCP when the answer is truncated),
 * each query under the -T deadline.  Names resolve to addresses as the
 * system resolves them (getaddrinfo, /etc/hosts included) or, with
 * --resolver, through that server, CNAMEs followed.  Answers are taken
 * apart with libresolv's ns_* parser, which checks every length against
 * the message.
 */
#include <sys/random.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "check.h"

/* glibc names "no address for the name" only with _GNU_SOURCE. */
#ifdef EAI_NODATA
#define EAI_NODATA_	EAI_NODATA
#else
#define EAI_NODATA_	(-5)
#endif

#define DNS_MSG_MAX	65535
#define DNS_UDP_MAX	4096
#define DNS_RESEND	1000	/* ms before a UDP query goes again */
#define DNS_QUERY_MAX	(12 + NS_MAXCDNAME + 4)

/*
 * ADDR[:PORT] (an IPv6 address in brackets when a port follows) into a.
 * 0, or -1 when it is no address.
 */
int
dns_parse_resolver(const char *s, struct sockaddr_storage *a, socklen_t *len)
{
	struct sockaddr_in	*v4 = (struct sockaddr_in *)a;
	struct sockaddr_in6	*v6 = (struct sockaddr_in6 *)a;
	char			 host[INET6_ADDRSTRLEN + 1];
	const char		*p, *port = NULL;
	size_t			 n;
	unsigned		 pn = 53;

	memset(a, 0, sizeof(*a));
	if (s[0] == '[') {
		if ((p = strchr(s, ']')) == NULL)
			return -1;
		n = (size_t)(p - s - 1);
		s++;
		if (p[1] == ':')
			port = p + 2;
		else if (p[1] != '\0')
			return -1;
	} else if ((p = strchr(s, ':')) != NULL && strchr(p + 1, ':') == NULL) {
		n = (size_t)(p - s);
		port = p + 1;
	} else
		n = strlen(s);
	if (n == 0 || n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	if (port != NULL && valid_uint(port, strlen(port), 1, 65535, &pn) == -1)
		return -1;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((unsigned short)pn);
		*len = sizeof(*v4);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((unsigned short)pn);
		*len = sizeof(*v6);
	} else
		return -1;
	return 0;
}

/* A query for name and type into q: its length, or -1 (a bad name). */
static int
make_query(const char *name, int type, unsigned char *q, size_t size)
{
	unsigned char	*p = q + 12, *end = q + size - 4;
	const char	*l = name, *dot;
	size_t		 n;

	if (getrandom(q, 2, 0) != 2)
		q[0] = q[1] = 0x5a;	/* the id: the server echoes it */
	memset(q + 2, 0, 10);
	q[2] = 0x01;		/* RD: recursion desired */
	q[5] = 1;		/* one question */
	while (*l != '\0') {
		dot = strchr(l, '.');
		n = dot != NULL ? (size_t)(dot - l) : strlen(l);
		if (n == 0 || n > LABEL_MAX || p + 1 + n >= end)
			return -1;
		*p++ = (unsigned char)n;
		memcpy(p, l, n);
		p += n;
		l += n + (dot != NULL);
	}
	*p++ = 0;
	*p++ = (unsigned char)(type >> 8);
	*p++ = (unsigned char)type;
	*p++ = 0;
	*p++ = ns_c_in;
	return (int)(p - q);
}

/* The answer is to our query: same id, a response, the same question. */
static int
is_answer(const unsigned char *q, int qlen, const unsigned char *a, int alen)
{
	int	 i;

	if (alen < qlen || a[0] != q[0] || a[1] != q[1] || !(a[2] & 0x80) ||
	    a[4] != 0 || a[5] != 1)
		return 0;
	for (i = 12; i < qlen; i++)
		if (a[i] != q[i] && (a[i] | 0x20) != (q[i] | 0x20))
			return 0;
	return 1;
}

/* Wait for fd until the deadline: 0 ready, -1 timed out. */
static int
wait_fd(int fd, short ev, long long deadline)
{
	struct pollfd	 p;
	long long	 left;

	for (;;) {
		if ((left = deadline - conn_now_ms()) <= 0)
			return -1;
		p.fd = fd;
		p.events = ev;
		if (poll(&p, 1, (int)left) > 0)
			return 0;
	}
}

/* Read exactly n bytes from a TCP socket before the deadline. */
static int
read_full(int fd, unsigned char *p, size_t n, long long deadline)
{
	ssize_t	 r;

	while (n > 0) {
		if (wait_fd(fd, POLLIN, deadline) == -1)
			return -1;
		if ((r = recv(fd, p, n, 0)) <= 0) {
			if (r == -1 && (errno == EINTR || errno == EAGAIN))
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* The query again over TCP (the UDP answer was truncated). */
static int
ask_tcp(const struct checkctx *ctx, const unsigned char *q, int qlen,
    unsigned char *ans, long long deadline)
{
	unsigned char	 pre[2] = { (unsigned char)(qlen >> 8),
			    (unsigned char)qlen };
	int		 fd, len = -1, e = 0;
	socklen_t	 el = sizeof(e);

	if ((fd = socket(ctx->resolver.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if ((connect(fd, (const struct sockaddr *)&ctx->resolver,
	    ctx->resolverlen) == -1 && errno != EINPROGRESS) ||
	    wait_fd(fd, POLLOUT, deadline) == -1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == -1 || e != 0)
		goto out;
	/* Two short writes on a fresh connection: the buffer takes them. */
	if (send(fd, pre, 2, MSG_NOSIGNAL) != 2 ||
	    send(fd, q, (size_t)qlen, MSG_NOSIGNAL) != qlen ||
	    read_full(fd, pre, 2, deadline) == -1)
		goto out;
	len = pre[0] << 8 | pre[1];
	if (read_full(fd, ans, (size_t)len, deadline) == -1 ||
	    !is_answer(q, qlen, ans, len))
		len = -1;
out:
	close(fd);
	return len;
}

/*
 * Ask --resolver for name and type: the answer's length in ans
 * (DNS_MSG_MAX bytes), or -1 with err set.
 */
static int
ask_server(const struct checkctx *ctx, const char *name, int type,
    unsigned char *ans, char *err, size_t errsize)
{
	unsigned char	 q[DNS_QUERY_MAX];
	long long	 deadline = conn_now_ms() + (long long)ctx->timeout * 1000;
	long long	 resend = conn_now_ms() + DNS_RESEND;
	int		 fd, qlen, len = -1, e = 0;
	ssize_t		 r;

	if ((qlen = make_query(name, type, q, sizeof(q))) == -1) {
		snprintf(err, errsize, "not a name DNS can carry");
		return -1;
	}
	if ((fd = socket(ctx->resolver.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 || connect(fd,
	    (const struct sockaddr *)&ctx->resolver, ctx->resolverlen) == -1 ||
	    send(fd, q, (size_t)qlen, 0) != qlen) {
		snprintf(err, errsize, "cannot ask the DNS server: %s",
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	/*
	 * Datagrams that are not the answer (late, forged) are dropped;
	 * a lost query or answer is sent again every DNS_RESEND ms.
	 */
	for (;;) {
		if (wait_fd(fd, POLLIN, resend < deadline ? resend : deadline) ==
		    -1) {
			if (conn_now_ms() >= deadline)
				break;
			resend = conn_now_ms() + DNS_RESEND;
			if (send(fd, q, (size_t)qlen, 0) != qlen) {
				e = errno;
				break;
			}
			continue;
		}
		if ((r = recv(fd, ans, DNS_UDP_MAX, 0)) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			e = errno;	/* ICMP: nothing listens */
			break;
		}
		if (!is_answer(q, qlen, ans, (int)r))
			continue;
		len = (int)r;
		if (ans[2] & 0x02)	/* TC: truncated */
			len = ask_tcp(ctx, q, qlen, ans, deadline);
		break;
	}
	close(fd);
	if (len == -1 && e != 0)
		snprintf(err, errsize, "cannot ask the DNS server: %s",
		    e == ECONNREFUSED ? "nothing listens there" : strerror(e));
	else if (len == -1)
		snprintf(err, errsize, "no answer from the DNS server in %d s",
		    ctx->timeout);
	return len;
}

/*
 * Ask the system's DNS servers (resolv.conf) for name and type, within
 * about the -T timeout: the length, 0 when the name or type does not
 * exist, -1 with err set.
 */
static int
ask_system(const struct checkctx *ctx, const char *name, int type,
    unsigned char *ans, char *err, size_t errsize)
{
	struct __res_state st;
	int		 len;

	memset(&st, 0, sizeof(st));
	if (res_ninit(&st) == -1) {
		snprintf(err, errsize, "no DNS configuration (resolv.conf)");
		return -1;
	}
	st.retrans = ctx->timeout;
	st.retry = 1;
	len = res_nquery(&st, name, ns_c_in, type, ans, DNS_MSG_MAX);
	if (len == -1 && (st.res_h_errno == HOST_NOT_FOUND ||
	    st.res_h_errno == NO_DATA))
		len = 0;
	else if (len == -1)
		snprintf(err, errsize, "no answer from the DNS servers%s",
		    st.res_h_errno == TRY_AGAIN ? " (timeout or SERVFAIL)" : "");
	res_nclose(&st);
	return len;
}

/*
 * name and type asked, parsed into msg.  DNS_FOUND when the answer
 * section has records (of any type: CNAMEs count), DNS_NONE when the
 * name does not exist or has none, DNS_ERROR with err set.
 */
static enum dnsans
ask(const struct checkctx *ctx, const char *name, int type,
    unsigned char *ans, ns_msg *msg, char *err, size_t errsize)
{
	int	 len, rcode;

	if (ctx->resolverlen != 0)
		len = ask_server(ctx, name, type, ans, err, errsize);
	else
		len = ask_system(ctx, name, type, ans, err, errsize);
	if (len <= 0)
		return len == 0 ? DNS_NONE : DNS_ERROR;
	if (ns_initparse(ans, len, msg) == -1) {
		snprintf(err, errsize, "a malformed DNS answer");
		return DNS_ERROR;
	}
	rcode = ns_msg_getflag(*msg, ns_f_rcode);
	if (rcode == ns_r_nxdomain)
		return DNS_NONE;
	if (rcode != ns_r_noerror) {
		snprintf(err, errsize, "the DNS server answered %s",
		    rcode == ns_r_servfail ? "SERVFAIL" : rcode == ns_r_refused ?
		    "REFUSED" : "an error");
		return DNS_ERROR;
	}
	return ns_msg_count(*msg, ns_s_an) > 0 ? DNS_FOUND : DNS_NONE;
}

/* An answer record's name in rdata (compressed) into out. */
static int
rr_name(const ns_msg *msg, const ns_rr *rr, size_t skip, char *out,
    size_t size)
{
	if (ns_rr_rdlen(*rr) <= skip)
		return -1;
	return dn_expand(ns_msg_base(*msg), ns_msg_end(*msg),
	    ns_rr_rdata(*rr) + skip, out, (int)size) < 0 ? -1 : 0;
}

static void
add_addr(struct addrs *out, int family, const void *a, unsigned port)
{
	struct sockaddr_in	*v4;
	struct sockaddr_in6	*v6;

	if (out->n == CHK_ADDRS_MAX)
		return;
	memset(&out->a[out->n], 0, sizeof(out->a[0]));
	if (family == AF_INET) {
		v4 = (struct sockaddr_in *)&out->a[out->n];
		v4->sin_family = AF_INET;
		v4->sin_port = htons((unsigned short)port);
		memcpy(&v4->sin_addr, a, 4);
		out->len[out->n++] = sizeof(*v4);
	} else {
		v6 = (struct sockaddr_in6 *)&out->a[out->n];
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((unsigned short)port);
		memcpy(&v6->sin6_addr, a, 16);
		out->len[out->n++] = sizeof(*v6);
	}
}

/*
 * From the answer to name: follow its CNAMEs (name becomes the last
 * one) and add the addresses of type held for it.  Returns how many.
 */
static unsigned
take_addrs(const ns_msg *msg, char *name, size_t size, int type,
    unsigned port, struct addrs *out)
{
	ns_rr		 rr;
	char		 target[NS_MAXDNAME];
	unsigned	 i, n = ns_msg_count(*msg, ns_s_an), hops = 0, got = 0;
	int		 moved = 1;

	while (moved && hops++ <= CHK_CNAME_MAX) {
		moved = 0;
		for (i = 0; i < n; i++)
			if (ns_parserr((ns_msg *)msg, ns_s_an, (int)i, &rr) == 0 &&
			    ns_rr_type(rr) == ns_t_cname &&
			    strcasecmp(ns_rr_name(rr), name) == 0 &&
			    rr_name(msg, &rr, 0, target, sizeof(target)) == 0 &&
			    strlen(target) < size) {
				snprintf(name, size, "%s", target);
				moved = 1;
				break;
			}
	}
	for (i = 0; i < n; i++) {
		if (ns_parserr((ns_msg *)msg, ns_s_an, (int)i, &rr) != 0 ||
		    (int)ns_rr_type(rr) != type ||
		    strcasecmp(ns_rr_name(rr), name) != 0)
			continue;
		if (type == ns_t_a && ns_rr_rdlen(rr) == 4)
			add_addr(out, AF_INET, ns_rr_rdata(rr), port);
		else if (type == ns_t_aaaa && ns_rr_rdlen(rr) == 16)
			add_addr(out, AF_INET6, ns_rr_rdata(rr), port);
		else
			continue;
		got++;
	}
	return got;
}

/* The addresses of type for name from --resolver, CNAMEs followed. */
static enum dnsans
server_addrs(const struct checkctx *ctx, const char *name, int type,
    unsigned port, struct addrs *out, char *err, size_t errsize)
{
	unsigned char	*ans;
	char		 cur[NS_MAXDNAME], last[NS_MAXDNAME];
	ns_msg		 msg;
	enum dnsans	 rc = DNS_NONE;
	int		 hop;

	if ((ans = malloc(DNS_MSG_MAX)) == NULL) {
		snprintf(err, errsize, "out of memory");
		return DNS_ERROR;
	}
	snprintf(cur, sizeof(cur), "%s", name);
	for (hop = 0; hop <= CHK_CNAME_MAX; hop++) {
		if ((rc = ask(ctx, cur, type, ans, &msg, err, errsize)) !=
		    DNS_FOUND)
			break;
		snprintf(last, sizeof(last), "%s", cur);
		if (take_addrs(&msg, cur, sizeof(cur), type, port, out) > 0)
			break;
		rc = DNS_NONE;
		if (strcasecmp(cur, last) == 0)
			break;		/* no CNAME to follow further */
	}
	if (hop > CHK_CNAME_MAX) {
		snprintf(err, errsize, "more than %d CNAMEs", CHK_CNAME_MAX);
		rc = DNS_ERROR;
	}
	free(ans);
	return rc;
}

/*
 * The addresses of name (with port) into out.  DNS_FOUND, DNS_NONE (it
 * does not resolve), or DNS_ERROR with err set.
 */
enum dnsans
dns_addrs(const struct checkctx *ctx, const char *name, unsigned port,
    struct addrs *out, char *err, size_t errsize)
{
	struct addrinfo	 hints, *res, *ai;
	enum dnsans	 a, b;
	int		 rc;

	out->n = 0;
	if (ctx->resolverlen != 0) {
		a = server_addrs(ctx, name, ns_t_a, port, out, err, errsize);
		b = server_addrs(ctx, name, ns_t_aaaa, port, out, err, errsize);
		if (out->n > 0)
			return DNS_FOUND;
		return a == DNS_ERROR || b == DNS_ERROR ? DNS_ERROR : DNS_NONE;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(name, NULL, &hints, &res)) != 0) {
		if (rc == EAI_NONAME || rc == EAI_NODATA_)
			return DNS_NONE;
		snprintf(err, errsize, "%s", gai_strerror(rc));
		return DNS_ERROR;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (ai->ai_family == AF_INET)
			add_addr(out, AF_INET, &((struct sockaddr_in *)
			    ai->ai_addr)->sin_addr, port);
		else if (ai->ai_family == AF_INET6)
			add_addr(out, AF_INET6, &((struct sockaddr_in6 *)
			    ai->ai_addr)->sin6_addr, port);
	freeaddrinfo(res);
	return out->n > 0 ? DNS_FOUND : DNS_NONE;
}

/* The addresses as text, ", " between them, cut to fit. */
void
dns_addrs_text(const struct addrs *a, char *out, size_t size)
{
	char		 one[INET6_ADDRSTRLEN];
	const void	*p;
	size_t		 used = 0;
	unsigned	 i;

	out[0] = '\0';
	for (i = 0; i < a->n && used + sizeof(one) + 2 < size; i++) {
		p = a->a[i].ss_family == AF_INET ?
		    (const void *)&((const struct sockaddr_in *)&a->a[i])->sin_addr :
		    (const void *)&((const struct sockaddr_in6 *)&a->a[i])->sin6_addr;
		if (inet_ntop(a->a[i].ss_family, p, one, sizeof(one)) == NULL)
			continue;
		used += (size_t)snprintf(out + used, size - used, "%s%s",
		    i > 0 ? ", " : "", one);
	}
}

/* ---- the records of a domain ---- */

/* The records --dns prints for a domain, gathered by dns_records. */
struct expect {
	struct srvrec	 rec[CHK_SRV_MAX];
	char		 svc[CHK_SRV_MAX][24];
	int		 txt[CHK_SRV_MAX];
	char		 path[CHK_SRV_MAX][CONF_VALUE_MAX + 1];	/* TXT */
	unsigned	 n;
};

static void
gather(void *arg, const struct dnsrec *r)
{
	struct expect	*e = arg;
	struct srvrec	*s;

	if (e->n == CHK_SRV_MAX)
		return;
	s = &e->rec[e->n];
	s->prio = r->prio;
	s->weight = r->weight;
	s->port = r->port;
	snprintf(s->target, sizeof(s->target), "%s",
	    r->target != NULL ? r->target : ".");
	snprintf(e->svc[e->n], sizeof(e->svc[0]), "%s", r->svc);
	e->txt[e->n] = r->txt;
	if (r->txt)
		snprintf(e->path[e->n], sizeof(e->path[0]), "%s", r->target);
	e->n++;
}

/* The SRV records in msg for name into out (at most max); the count. */
static unsigned
take_srv(const ns_msg *msg, const char *name, struct srvrec *out,
    unsigned max)
{
	ns_rr		 rr;
	const unsigned char *p;
	unsigned	 i, n = 0;

	for (i = 0; i < ns_msg_count(*msg, ns_s_an) && n < max; i++) {
		if (ns_parserr((ns_msg *)msg, ns_s_an, (int)i, &rr) != 0 ||
		    ns_rr_type(rr) != ns_t_srv || ns_rr_rdlen(rr) < 7 ||
		    strcasecmp(ns_rr_name(rr), name) != 0)
			continue;
		p = ns_rr_rdata(rr);
		out[n].prio = ns_get16(p);
		out[n].weight = ns_get16(p + 2);
		out[n].port = ns_get16(p + 4);
		if (rr_name(msg, &rr, 6, out[n].target,
		    sizeof(out[n].target)) == -1)
			continue;
		if (out[n].target[0] == '\0')
			snprintf(out[n].target, sizeof(out[n].target), ".");
		n++;
	}
	return n;
}

/* Records as zone-file text: "0 1 993 imap.example.org., ...". */
static void
srv_text(const struct srvrec *r, unsigned n, char *out, size_t size)
{
	size_t		 used = 0;
	unsigned	 i;
	int		 k;

	out[0] = '\0';
	for (i = 0; i < n && used < size; i++) {
		k = snprintf(out + used, size - used, "%s%u %u %u %s%s",
		    i > 0 ? ", " : "", r[i].prio, r[i].weight, r[i].port,
		    r[i].target, strcmp(r[i].target, ".") == 0 ? "" : ".");
		used += k > 0 ? (size_t)k : 0;
	}
}

static int
same_host(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b);

	if (la > 1 && a[la - 1] == '.')
		la--;
	if (lb > 1 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/*
 * The verdict on the published SRV records pub (np) against those
 * --dns prints, exp (ne; one with target "." when not offered).
 */
static enum verdict
srv_verdict(const struct srvrec *exp, unsigned ne, const struct srvrec *pub,
    unsigned np, char *why, size_t size)
{
	char		 e[400], p[400];
	unsigned	 i, j, found, extra = 0, order = 0;

	srv_text(exp, ne, e, sizeof(e));
	srv_text(pub, np, p, sizeof(p));
	if (strcmp(exp[0].target, ".") == 0) {
		for (i = 0; i < np; i++)
			if (strcmp(pub[i].target, ".") != 0) {
				snprintf(why, size, "published %s, but the "
				    "configuration offers no such service", p);
				return V_WARN;
			}
		snprintf(why, size, "%s (not offered)", e);
		return V_OK;
	}
	for (i = 0; i < ne; i++) {
		for (j = found = 0; j < np && !found; j++)
			if (same_host(exp[i].target, pub[j].target) &&
			    exp[i].port == pub[j].port) {
				found = 1;
				order += exp[i].prio != pub[j].prio ||
				    exp[i].weight != pub[j].weight;
			}
		if (!found) {
			snprintf(why, size, "published %s, configured %s", p, e);
			return V_FAIL;
		}
	}
	for (j = 0; j < np; j++) {
		for (i = found = 0; i < ne; i++)
			found |= same_host(exp[i].target, pub[j].target) &&
			    exp[i].port == pub[j].port;
		extra += !found;
	}
	if (extra > 0 || order > 0) {
		snprintf(why, size, "published %s, --dns prints %s%s", p, e,
		    extra > 0 ? " (clients may pick the others)" :
		    " (other priority or weight)");
		return V_WARN;
	}
	snprintf(why, size, "%s", e);
	return V_OK;
}

/* One service's SRV records (exp, ne of them) at svc.dom. */
static void
check_srv(const struct checkctx *ctx, struct job *j, const char *svc,
    const struct srvrec *exp, unsigned ne, unsigned char *ans)
{
	struct srvrec	 pub[CHK_SRV_MAX];
	char		 name[DOMAIN_MAX + 32], subj[DOMAIN_MAX + 40];
	char		 why[CHK_DETAIL_MAX], e[512];
	ns_msg		 msg;
	enum dnsans	 rc;
	enum verdict	 v;
	unsigned	 np = 0;

	snprintf(name, sizeof(name), "%s.%s", svc, j->d->name);
	snprintf(subj, sizeof(subj), "%s SRV", name);
	rc = ask(ctx, name, ns_t_srv, ans, &msg, why, sizeof(why));
	if (rc == DNS_FOUND)
		np = take_srv(&msg, name, pub, CHK_SRV_MAX);
	if (rc == DNS_ERROR) {
		chk_add(j, V_FAIL, "dns", subj, "%s", why);
		return;
	}
	if (np == 0) {
		srv_text(exp, ne, e, sizeof(e));
		chk_add(j, V_WARN, "dns", subj, "not published (--dns prints "
		    "%s)", e);
		return;
	}
	v = srv_verdict(exp, ne, pub, np, why, sizeof(why));
	chk_add(j, v, "dns", subj, "%s", why);
}

/* The RFC 6764 TXT path at svc.dom. */
static void
check_txt(const struct checkctx *ctx, struct job *j, const char *svc,
    const char *path, unsigned char *ans)
{
	char		 name[DOMAIN_MAX + 32], subj[DOMAIN_MAX + 40];
	char		 want[CONF_VALUE_MAX + 8], got[256], why[256];
	char		 seen[CHK_TEXT_MAX + 8] = "";
	const unsigned char *p, *end;
	ns_msg		 msg;
	ns_rr		 rr;
	enum dnsans	 rc;
	unsigned	 i;
	size_t		 n;

	snprintf(name, sizeof(name), "%s.%s", svc, j->d->name);
	snprintf(subj, sizeof(subj), "%s TXT", name);
	snprintf(want, sizeof(want), "path=%s", path);
	if ((rc = ask(ctx, name, ns_t_txt, ans, &msg, why, sizeof(why))) ==
	    DNS_ERROR) {
		chk_add(j, V_FAIL, "dns", subj, "%s", why);
		return;
	}
	for (i = 0; rc == DNS_FOUND && i < ns_msg_count(msg, ns_s_an); i++) {
		if (ns_parserr(&msg, ns_s_an, (int)i, &rr) != 0 ||
		    ns_rr_type(rr) != ns_t_txt ||
		    strcasecmp(ns_rr_name(rr), name) != 0)
			continue;
		/* The character-strings of the record, joined. */
		p = ns_rr_rdata(rr);
		end = p + ns_rr_rdlen(rr);
		n = 0;
		while (p < end && p + 1 + *p <= end && n + *p < sizeof(got)) {
			memcpy(got + n, p + 1, *p);
			n += *p;
			p += 1 + *p;
		}
		got[n] = '\0';
		if (strcmp(got, want) == 0) {
			chk_add(j, V_OK, "dns", subj, "\"%s\"", want);
			return;
		}
		chk_printable(got, n, seen, sizeof(seen));
	}
	if (seen[0] == '\0')
		chk_add(j, V_WARN, "dns", subj, "not published (--dns prints "
		    "\"%s\")", want);
	else
		chk_add(j, V_FAIL, "dns", subj, "published \"%s\", configured "
		    "\"%s\"", seen, want);
}

/* autoconfig.D and autodiscover.D resolve. */
static void
check_names(const struct checkctx *ctx, struct job *j)
{
	static const char *const labels[] = { "autoconfig.", "autodiscover." };
	struct addrs	 a;
	char		 name[DOMAIN_MAX + 16], why[256], list[512];
	unsigned	 i;

	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "%s%s", labels[i], j->d->name);
		switch (dns_addrs(ctx, name, 0, &a, why, sizeof(why))) {
		case DNS_FOUND:
			dns_addrs_text(&a, list, sizeof(list));
			chk_add(j, V_OK, "dns", name, "resolves to %s", list);
			break;
		case DNS_NONE:
			chk_add(j, V_FAIL, "dns", name, "does not resolve");
			break;
		case DNS_ERROR:
			chk_add(j, V_FAIL, "dns", name, "%s", why);
			break;
		}
	}
}

/* A J_DNS job: the names and every record --dns prints for the domain. */
void
dns_check(const struct checkctx *ctx, struct job *j)
{
	struct expect	*e;
	unsigned char	*ans;
	unsigned	 i, k;

	check_names(ctx, j);
	e = malloc(sizeof(*e));
	ans = malloc(DNS_MSG_MAX);
	if (e == NULL || ans == NULL) {
		chk_add(j, V_FAIL, "dns", j->d->name, "out of memory");
		goto out;
	}
	e->n = 0;
	dns_records(j->d, gather, e);
	for (i = 0; i < e->n; i = k) {
		/* One service's records stand together. */
		for (k = i + 1; k < e->n && !e->txt[k] &&
		    strcmp(e->svc[k], e->svc[i]) == 0; k++)
			;
		if (e->txt[i])
			check_txt(ctx, j, e->svc[i], e->path[i], ans);
		else
			check_srv(ctx, j, e->svc[i], &e->rec[i], k - i, ans);
	}
out:
	free(e);
	free(ans);
}
