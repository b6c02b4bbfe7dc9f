/*
 * check.h: what the files of mailautoconf-check share, the program
 * behind mailautoconf --check (mailautoconf(8), "Checking a
 * deployment").  It is built from the same configuration code as
 * mailautoconf and links OpenSSL's libssl, which the responder does not
 * load.  The files, calls running one way (top to bottom):
 *
 *   check.c      main: options, the plan (what to check), the runner
 *                (a pool of threads), the report (text or JSON)
 *   checkhttp.c  the HTTPS endpoints, fetched as the clients fetch them,
 *                against this configuration's answers
 *   checkmail.c  the IMAP, POP3 and SMTP servers: greeting, capabilities,
 *                STARTTLS, authentication mechanisms
 *   checkdns.c   DNS: the records --dns prints, and names to addresses
 *   checknet.c   one connection: connect, TLS, lines, every step under
 *                the connection's deadline
 *   checkres.c   the results the others add
 *
 * Nothing a peer sends is trusted: every read has a limit below, every
 * connection one deadline, and every byte of a peer's text reaches the
 * report through chk_printable().
 */
#ifndef CHECK_H
#define CHECK_H

#include <sys/socket.h>

#include <stdarg.h>

#include <openssl/ssl.h>

#include "mailautoconf.h"

#define CHK_LINE_MAX	8192	/* one line of a mail server */
#define CHK_LINES_MAX	512	/* lines of one multi-line answer */
#define CHK_READ_MAX	(1L << 20)	/* bytes read from one connection */
#define CHK_HEAD_MAX	16384	/* an HTTP response's header block */
#define CHK_BODY_MAX	(RESP_BODY_MAX + 4096)	/* an HTTP body */
#define CHK_ADDRS_MAX	16	/* addresses of one name tried */
#define CHK_CNAME_MAX	8	/* CNAMEs followed from one name */
#define CHK_SRV_MAX	32	/* SRV records of one name compared */
#define CHK_TEXT_MAX	160	/* a peer's text quoted in a report */
#define CHK_DETAIL_MAX	1024	/* one result's detail */

#define CHK_TIMEOUT	5	/* -T: seconds per connection */
#define CHK_DAYS	14	/* --days: certificate expiry warning */
#define CHK_JOBS	16	/* --jobs: checks run at once */
#define CHK_JOBS_MAX	256
#define CHK_LOCAL	"autoconfig-check"	/* --local-part */

enum verdict {
	V_OK = 0,
	V_WARN,
	V_FAIL
};

/* What every check reads; set up by check.c, then read only. */
struct checkctx {
	const struct config	*cfg;
	SSL_CTX			*tls;
	struct sockaddr_storage	 resolver;	/* --resolver */
	socklen_t		 resolverlen;	/* 0: the system's */
	int			 timeout;	/* -T, seconds */
	int			 days;
	const char		*local;		/* the test address's */
	unsigned		 https_port;
	unsigned		 http_port;
};

struct conn;

/* One line of the report. */
struct result {
	struct result	*next;
	enum verdict	 v;
	const char	*kind;		/* "dns", "https", "imap", ... */
	char		*subject;
	char		*detail;
};

/* A mail server as the domains configure it: checked once. */
struct mailsrv {
	enum proto		 proto;
	const char		*host;		/* expanded */
	unsigned		 port;
	enum sock		 sock;
	unsigned		 auth;		/* bit per enum auth, all domains' */
	const struct domain	**doms;		/* the domains that use it */
	size_t			 ndoms;
};

enum jobkind {
	J_DNS = 0,	/* a domain's records and names */
	J_HTTP,		/* one endpoint of a domain */
	J_HOST,		/* a server host name resolves */
	J_MAIL		/* a mail server */
};

/* One unit of work for a thread; its results are printed in order. */
struct job {
	enum jobkind		 kind;
	const struct domain	*d;		/* J_DNS, J_HTTP */
	unsigned		 endpoint;	/* J_HTTP */
	const struct mailsrv	*srv;		/* J_HOST, J_MAIL */
	struct result		*res;
	struct result		**tail;
	unsigned		 lost;		/* results not kept: no memory */
	int			 done;
};

/* ---- checkres.c ---- */

/* Add a result to j; the detail is formatted (printf). */
void	 chk_add(struct job *, enum verdict, const char *, const char *,
	    const char *, ...) __attribute__((format(printf, 5, 6)));
/*
 * n bytes of a peer's text into out (size): printable ASCII as it is,
 * anything else as \xNN, cut with "..." at CHK_TEXT_MAX.  Returns out.
 */
char	*chk_printable(const char *, size_t, char *, size_t);
void	 chk_clear(struct job *);

/* ---- checkhttp.c ---- */

#define ENDPOINT_COUNT	4
void	 http_check(const struct checkctx *, struct job *);
/*
 * Endpoint e of domain dom fetched on an open connection: the verdict,
 * its words into the buffer (fuzz/fuzz_check.c).
 */
enum verdict http_talk(const struct checkctx *, unsigned, const char *,
	    struct conn *, char *, size_t);
/*
 * The answer this configuration gives to env (and body) into *r, the
 * responder's own code under a lock (body.c's XML parser is not
 * thread-safe).
 */
void	 chk_answer(const struct checkctx *, const struct cgi_env *,
	    const char *, size_t, struct response *);

/* ---- checkmail.c ---- */

void	 mail_check(const struct checkctx *, struct job *);
/* The dialogue with j's server on an open connection (fuzz/fuzz_check.c). */
void	 mail_talk(const struct checkctx *, struct job *, struct conn *);

/* ---- checkdns.c ---- */

/* Addresses of a name, with the port connections go to. */
struct addrs {
	struct sockaddr_storage	 a[CHK_ADDRS_MAX];
	socklen_t		 len[CHK_ADDRS_MAX];
	unsigned		 n;
};

enum dnsans {
	DNS_FOUND = 0,	/* records of the type */
	DNS_NONE,	/* the name or the type does not exist */
	DNS_ERROR	/* no usable answer: timeout, SERVFAIL, garbage */
};

struct srvrec {
	unsigned	 prio;
	unsigned	 weight;
	unsigned	 port;
	char		 target[DOMAIN_MAX + 2];	/* "." for none */
};

enum dnsans dns_addrs(const struct checkctx *, const char *, unsigned,
	    struct addrs *, char *, size_t);
void	 dns_addrs_text(const struct addrs *, char *, size_t);
void	 dns_check(const struct checkctx *, struct job *);
int	 dns_parse_resolver(const char *, struct sockaddr_storage *,
	    socklen_t *);

/* ---- checknet.c ---- */

/* A connection, its read buffer and its deadline. */
struct conn {
	int		 fd;
	SSL		*ssl;
	long long	 deadline;	/* CLOCK_MONOTONIC, ms */
	int		 timeout;	/* seconds, for messages */
	long		 got;		/* bytes read so far */
	size_t		 off;		/* unread bytes are buf[off..len) */
	size_t		 len;
	char		 buf[CHK_LINE_MAX];
	char		 err[256];	/* why the last step failed */
};

/* What the TLS handshake and the certificate showed. */
struct certinfo {
	long		 verify;	/* X509_V_OK or the error */
	char		 until[32];	/* notAfter, YYYY-MM-DD */
	int		 days;		/* whole days left */
	char		 version[16];	/* "TLSv1.3" */
};

long long conn_now_ms(void);
void	 conn_init(struct conn *);
void	 conn_attach(struct conn *, int, int);
int	 conn_open(struct conn *, const struct addrs *, int);
int	 conn_tls(struct conn *, SSL_CTX *, const char *, struct certinfo *);
int	 conn_write(struct conn *, const char *, size_t);
int	 conn_printf(struct conn *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 conn_line(struct conn *, char *, size_t, size_t *);
long	 conn_read(struct conn *, char *, size_t);
void	 conn_drop_buffer(struct conn *);
void	 conn_close(struct conn *);
/* The certificate's verdict for cert lines: V_OK, V_WARN (expiring). */
enum verdict cert_verdict(const struct certinfo *, int, const char *, char *,
	    size_t);

#endif
