/*
 * mailautoconf: the program's header.  Limits, enums and the structs
 * that flow between the modules, with one prototype group per file:
 *
 *   environment + body -> request -> route -> inputs -> handler -> response
 *   (serve.c, fcgi.c,     (request.c) (respond.c) (request.c) (respond.c)
 *    autoconf.c)
 *
 * The configuration is loaded once (load.c and the files conf.h lists)
 * and then only read, except a lazily loaded one's struct answers.
 * buf.h holds the byte buffers, conf.h what only the configuration
 * stages share.
 */
#ifndef MAILAUTOCONF_H
#define MAILAUTOCONF_H

#include <sys/stat.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"

#define MAC_VERSION		"0.1.0"
#ifndef MAC_CONF_DEFAULT
#define MAC_CONF_DEFAULT	"/etc/mailautoconf/mailautoconf.conf"
#endif

/* Request limits: every one has a defined answer (see respond.c). */
#define BODY_MAX	16384	/* POST body; more -> 413 */
#define URI_MAX		4096	/* REQUEST_URI; more -> 414 */
#define QUERY_MAX	2048	/* QUERY_STRING; more -> 414 */
#define HOST_MAX	260	/* HTTP_HOST (domain + port); more -> 400 */
#define EMAIL_MAX	254	/* whole address */
#define LOCAL_MAX	64	/* local part */
#define DOMAIN_MAX	253	/* domain, without a trailing dot */
#define LABEL_MAX	63	/* one domain label */
#define PROTO_MAX	32	/* autodiscover.json Protocol value */
#define AD_ELEMS_MAX	256	/* '<' in an Autodiscover body; more -> 600 */
#define AD_ATTRS_MAX	256	/* '=' in an Autodiscover body; more -> 600 */
#define AD_SCHEMA_MAX	256	/* AcceptableResponseSchema value */

/* A macro's value as a string literal: MAC_STR(CONF_FILE_MAX_MB) is "64". */
#define MAC_STR_(x)	#x
#define MAC_STR(x)	MAC_STR_(x)

/* Config limits: exceeding one is a config error. */
#define CONF_LINE_MAX	4096	/* one line, newline included */
#define CONF_VALUE_MAX	1024	/* one value */
#define CONF_DEPTH_MAX	8	/* include nesting */
#define CONF_FILE_MAX_MB 64	/* MiB of one file (config, PEM) */
#define CONF_FILE_MAX	((long)CONF_FILE_MAX_MB << 20)
#define CONF_ERRORS_MAX	100	/* errors reported before reading stops */
#define SERVERS_MAX	8	/* server lines per protocol and section */
#define AUTH_MAX	6	/* authentication methods per server */
#define TTL_MAX		720	/* Outlook TTL in hours */
#define DOMLIST_MAX	64	/* <domain> lines a Thunderbird answer lists */
#define WEBPATH_MAX	128	/* setup_path */

/* Response limits. */
#define RESP_HEAD_MAX	1024	/* header block */
#define LOCATION_MAX	768	/* a redirect's expanded Location */
#define RESP_BODY_MAX	65536	/* expanded body; checked at config load */

/*
 * HTTP statuses.  The values are the codes; STATUS_MAX sizes the
 * reason table in respond.c.
 */
enum status {
	ST_NONE = 0,
	ST_OK = 200,
	ST_MOVED = 301,
	ST_TEMPREDIR = 307,
	ST_BADREQ = 400,
	ST_NOTFOUND = 404,
	ST_BADMETHOD = 405,
	ST_TOOLARGE = 413,
	ST_URITOOLONG = 414,
	ST_INTERNAL = 500,
	STATUS_MAX
};

enum method {
	M_OTHER = 0,
	M_GET,
	M_HEAD,
	M_POST,
	METHOD_MAX
};
#define MBIT(m)	(1u << (m))

/* Mail protocols, in the order the answers list them. */
enum proto {
	P_IMAP = 0,
	P_POP3,
	P_SMTP,
	PROTO_COUNT
};

enum sock {
	SOCK_SSL = 0,
	SOCK_STARTTLS,
	SOCK_PLAIN,
	SOCK_COUNT
};

/* Authentication methods (Thunderbird's names); a server holds a list. */
enum auth {
	AUTH_CLEARTEXT = 0,
	AUTH_ENCRYPTED,
	AUTH_OAUTH2,
	AUTH_NTLM,
	AUTH_GSSAPI,
	AUTH_NONE,
	AUTH_CLIENTIP,
	AUTH_COUNT
};

/* Per-domain URLs, each one an optional config key. */
enum url {
	URL_AUTODISCOVER = 0,
	URL_ACTIVESYNC,
	URL_JMAP,
	URL_CALDAV,
	URL_CARDDAV,
	URL_DOCUMENTATION,
	URL_WEBMAIL,
	URL_COUNT
};

/*
 * Markers in prepared answers.  Config values never contain control
 * characters, so these bytes stand for what a request splices in.
 */
#define MARK_ADDR	'\001'	/* validated address, XML-escaped */
#define MARK_LOCAL	'\002'	/* its local part, XML-escaped */
#define MARK_DOMAIN	'\003'	/* the requested domain (LDH, no escaping) */
#define MARK_UUID_PROFILE '\004' /* name-based UUIDs of the address: */
#define MARK_UUID_MAIL	'\005'	/* Apple profile and its payloads */
#define MARK_UUID_CALDAV '\006'
#define MARK_UUID_CARDDAV '\007'
#define MARK_LAST	MARK_UUID_CARDDAV
#define MARK_COUNT	7
#define UUID_LEN	36

/* ---- request.c: CGI variables and body -> validated request ---- */

/* The CGI variables the responder reads; NULL when absent. */
struct cgi_env {
	const char	*method;
	const char	*request_uri;
	const char	*script_name;
	const char	*path_info;
	const char	*query_string;
	const char	*http_host;
	const char	*content_length;
};

struct addr {
	char	 full[EMAIL_MAX + 1];	/* local@domain, domain lower-cased */
	size_t	 fulllen;
	size_t	 locallen;		/* full[locallen] == '@' */
};

enum adschema {
	AD_OUTLOOK = 0,		/* outlook/responseschema/2006a, or none */
	AD_MOBILESYNC,		/* mobilesync/responseschema/2006 */
	AD_OTHER
};

/* What became of an input a route reads (req_inputs). */
enum input {
	INPUT_NONE = 0,	/* not given */
	INPUT_OK,	/* given and valid */
	INPUT_BAD,	/* given and not valid */
	INPUT_NOMEM	/* could not be parsed: out of memory */
};

/* autodiscover.json's Protocol parameter. */
enum jproto {
	JP_NONE = 0,
	JP_AUTODISCOVER,	/* AutodiscoverV1 */
	JP_ACTIVESYNC,		/* ActiveSync */
	JP_OTHER		/* anything else, or absent */
};

/* The inputs a route reads (struct route in respond.c). */
#define IN_EMAILADDRESS	0x01	/* the query's emailaddress */
#define IN_EMAIL	0x02	/* the query's Email (autodiscover.json) */
#define IN_PATHADDR	0x04	/* the address after JSON_INFIX, if there */
#define IN_BODY		0x08	/* a POST's Autodiscover body */
#define IN_HOST		0x10	/* the Host's domain, when no address */
#define IN_PROTOCOL	0x20	/* the query's Protocol */

/* The path form of autodiscover.json: the address follows it. */
#define JSON_INFIX	"/autodiscover/autodiscover.json/v1.0/"

/*
 * A request: req_parse fills the first part for every request,
 * req_inputs the rest with what the matched route reads.  Handlers
 * get it const, every value checked.
 */
struct request {
	enum method	 method;
	char		 path[URI_MAX + 1];	/* decoded, squeezed */
	size_t		 pathlen;
	const char	*query;			/* raw, points into env */
	const char	*http_host;		/* raw, points into env */
	const char	*body;			/* at most BODY_MAX bytes */
	size_t		 bodylen;
	long		 now;			/* seconds since the epoch */

	enum input	 addr_in;		/* the address */
	struct addr	 addr;			/* when INPUT_OK */
	const char	*dom;	/* the address's domain, else the Host's */
	size_t		 domlen;
	char		 host[DOMAIN_MAX + 1];	/* the Host's, lower case */
	enum input	 body_in;		/* the Autodiscover body */
	enum adschema	 schema;		/* the schema it asks for */
	enum jproto	 proto;
};

int	 req_parse(const struct cgi_env *, const char *, size_t,
	    struct request *, enum status *);
void	 req_inputs(struct request *, unsigned);
int	 req_content_length(const char *, size_t *);
int	 req_query(const char *, const char *, char *, size_t);
int	 req_path(const char *, size_t, char *, size_t, size_t *);
int	 req_host(const char *, char *, size_t);

/* ---- valid.c: the toolbox of validators and string helpers ---- */

/* 1 if the n bytes at a and b are equal, ignoring ASCII case. */
int	 str_caseeq(const char *, const char *, size_t);
/* s with each %EMAILDOMAIN% as dom into out (size); "" if too long. */
char	*str_expand(const char *, const char *, char *, size_t);
/* Leading decimal digits, saturating at cap; returns their count. */
size_t	 str_decimal(const char *, size_t, unsigned long, unsigned long *);
/* Runs of '/' squeezed to one, in place; returns the new length. */
size_t	 str_squeeze(char *, size_t);
/* A strict UTF-8 sequence's length (0: none) and its code point. */
size_t	 utf8_seq(const unsigned char *, size_t, unsigned *);
int	 valid_utf8(const char *, size_t);
int	 valid_domain(const char *, size_t, char *, size_t);
int	 valid_addr(const char *, size_t, struct addr *);
/* The length of a prefix of a string, any case, or 0 if it is none. */
size_t	 str_prefix_ci(const char *, const char *);
/* The offset of lower-case needle in n bytes of hay, any case; or -1. */
long	 str_find_ci(const char *, size_t, const char *);
int	 valid_uint(const char *, size_t, unsigned, unsigned, unsigned *);
int	 valid_bool(const char *, int *);
/* Config values: text, host, username template, http(s) URL. */
int	 valid_text(const char *, size_t);
int	 valid_host(const char *);
int	 valid_user(const char *, size_t);
int	 valid_url(const char *, size_t);
/* An absolute URL path of letters, digits and - . _ ~ /, no dot segment. */
int	 valid_webpath(const char *, size_t);

/* ---- body.c: the Outlook Autodiscover request body (mxml) ---- */


struct adreq {
	char		 email[EMAIL_MAX + 1];	/* raw, not yet validated */
	size_t		 emaillen;
	enum adschema	 schema;
};

#define BODY_PAD	16	/* NUL bytes after the text mxml reads */

void	 body_init(void);
int	 body_autodiscover(const char *, size_t, struct adreq *);
int	 body_scan(const char *, size_t, char *, size_t *);
int	 body_parse(const char *, struct adreq *);

/* ---- the configuration (load.c, config.c, prepare.c; conf.h) ---- */

struct server {
	const char	*host;
	unsigned	 port;
	enum sock	 sock;
	unsigned char	 auth[AUTH_MAX];
	unsigned	 nauth;
	const char	*file;	/* where the line is */
	int		 line;
};

/* An answer prepared at load time: bytes with markers, and their counts. */
struct tmpl {
	char	 *s;
	size_t	  len;
	unsigned  n[MARK_COUNT];	/* markers of each kind */
	unsigned *pos;			/* offsets of all markers */
	unsigned  npos;
	unsigned  hash;			/* of s, for interning */
};

/*
 * A domain's answers, prepared at load time, or on first use in a
 * config loaded with CONF_LAZY: the one part of a config written after
 * config_load, so it is reached through a pointer that is not const.
 * Domains with the same settings share one.
 */
struct answers {
	const struct tmpl *tb;		/* Thunderbird clientConfig */
	const struct tmpl *tbhost;	/* the same for a hosted address */
	const struct tmpl *ol;		/* Outlook POX, for an address */
	const struct tmpl *olget;	/* Outlook POX, no user (GET) */
	const struct tmpl *eas;		/* MobileSync; NULL without a URL */
	const struct tmpl *jsonad;	/* autodiscover.json AutodiscoverV1 */
	const struct tmpl *jsoneas;	/* autodiscover.json ActiveSync */
	const struct tmpl *apple;	/* .mobileconfig */
	const struct tmpl *redir[3];	/* Location of jmap, caldav, carddav */
	const struct tmpl *page;	/* the setup page; NULL when off */
	int		   ready;	/* the answers above are prepared */
	int		   page_ready;	/* page, prepared on its own */
};

/* One served domain name. */
struct domain {
	const char		*name;
	size_t			 namelen;
	const struct section	*sec;	/* the settings (an alias's target's) */
	const struct domain	*of;	/* an alias's target domain, else NULL */
	struct answers		*ans;
};

/* An alias's target's name, else NULL. */
static inline const char *
dom_target(const struct domain *d)
{
	return d->of != NULL ? d->of->name : NULL;
}

/* One [domain …] section after defaults were applied. */
struct section {
	const char	*file;
	int		 line;
	char		**names;
	unsigned	 nnames;
	const char	*display_name;
	const char	*short_name;
	const char	*username;
	struct server	*srv[PROTO_COUNT];
	unsigned	 nsrv[PROTO_COUNT];
	unsigned	 none;	/* bit per protocol set to "none" */
	const char	*url[URL_COUNT];
	const char	*doc_text;
	const char	*alias;
	int		 alias_line;
	int		 alternatives;
	int		 leave_on_server;
	int		 hosted;	/* answers addresses of unknown domains */
	int		 page;		/* the setup page is served */
	const char	*page_path;	/* where, besides "/" ([defaults]) */
	unsigned	 ttl;
	const char	*sign_path[3];	/* certificate, key, chain */
	int		 sign_line;
	struct signer	*signer;	/* Apple profiles; NULL: unsigned */
	unsigned long	 set;	/* bit per key given in the section */
};

struct config;

/* load.c: config_load flags */
#define CONF_VERBOSE	0x1	/* print warnings too */
#define CONF_LAZY	0x2	/* prepare a domain's answers on first use */

struct config	*config_load(const char *, int);
void		 config_free(struct config *);

/* config.c: the model and its domain table */
const struct domain *config_lookup(const struct config *, const char *,
		    size_t);
const struct domain *config_hoster(const struct config *, const char *,
		    size_t);
size_t		 config_ndomains(const struct config *);
const char	*config_page_path(const struct config *);
const struct domain *config_domain(const struct config *, size_t);
void		 config_summary(const struct config *, FILE *);

/* prepare.c: answers, prepared and expanded */
int		 config_ready(const struct config *, const struct domain *);
int		 config_page_ready(const struct config *, const struct domain *);
int		 config_hosts_fit(const struct section *, const char *);
size_t		 tmpl_size(const struct tmpl *, size_t, size_t, size_t);
int		 tmpl_expand(struct buf *, const struct tmpl *,
		    const struct addr *, const char *, size_t);

/* confbase.c: opening the files a config names; the name tables */
FILE		*conf_fopen(const char *, struct stat *, const char **);

extern const char *const proto_names[PROTO_COUNT];
extern const char *const sock_names[SOCK_COUNT];
extern const char *const auth_names[AUTH_COUNT];

/* ---- xmlgen.c: the emitters ---- */

void	 xml_thunderbird(struct buf *, const struct section *, const char *,
	    int);
void	 xml_outlook(struct buf *, const struct section *, const char *, int);
void	 xml_mobilesync(struct buf *, const struct section *, const char *);
void	 json_locator(struct buf *, const char *, const char *, const char *);
void	 xml_ad_error(struct buf *, int, enum adschema, long);
void	 xml_mobileconfig(struct buf *, const struct section *, const char *);
void	 url_expand(struct buf *, const char *, const char *);
void	 xml_text(struct buf *, const char *, const char *);
unsigned xml_pick(const struct section *, enum proto,
	    const struct server **, unsigned);

/* The parts of an absolute http(s) URL validated at config load. */
struct urlparts {
	char		 host[CONF_VALUE_MAX + 1];
	char		 path[CONF_VALUE_MAX + 1];
	unsigned	 port;
	int		 tls;
};

void	 url_split(const char *, struct urlparts *);

/* ---- pagegen.c: the setup page ---- */

/*
 * The page's one style sheet, inline, and its SHA-256 (base64) for the
 * Content-Security-Policy; tests/unit/test_page.c checks that the two
 * agree.
 */
#define PAGE_STYLE \
    "html{color:#1b1b1b;background:#fff}body{margin:0 auto;max-wi" \
    "dth:40rem;padding:1rem;font:1rem/1.5 system-ui,sans-serif;ov" \
    "erflow-wrap:anywhere}h1{font-size:1.6rem;margin:.5rem 0}h2{f" \
    "ont-size:1.25rem;margin:1.75rem 0 .5rem}h3{font-size:1.05rem" \
    ";margin:1.25rem 0 .25rem}dl{display:grid;grid-template-colum" \
    "ns:max-content 1fr;gap:.15rem 1rem;margin:.25rem 0}dt{font-w" \
    "eight:600}dd{margin:0}label{display:block;font-weight:600}in" \
    "put{box-sizing:border-box;width:100%;font:inherit;padding:.5" \
    "rem;margin:.25rem 0 .75rem;border:1px solid #555;border-radi" \
    "us:.25rem}button{font:inherit;padding:.6rem 1.2rem;border:0;" \
    "border-radius:.25rem;color:#fff;background:#0b57a4}button:fo" \
    "cus,input:focus{outline:3px solid #b35900;outline-offset:2px" \
    "}a{color:#0b57a4}@media (prefers-color-scheme:dark){html{col" \
    "or:#eee;background:#121212}a{color:#8ab4f8}input{background:" \
    "#1e1e1e;color:#eee;border-color:#999}}"
#define PAGE_STYLE_SHA256 "W/yekas7J66z3sa2MXRzpY+uslzvoO/Amvu63sVdwoU="

extern const char page_prefix[];
extern const size_t page_prefix_len;
void	 html_setup(struct buf *, const struct section *, const char *,
	    const char *);

/* ---- dnszone.c ---- */

/*
 * One record --dns prints for a domain: an SRV record (target NULL: the
 * service is not offered, "0 0 0 .") or an RFC 6764 TXT path (txt set,
 * the path in target).  Names are without the trailing dot.
 */
struct dnsrec {
	const char	*note;		/* the comment printed above, or NULL */
	const char	*svc;		/* "_imaps._tcp" */
	const char	*dom;
	int		 txt;
	unsigned	 prio;
	unsigned	 weight;
	unsigned	 port;
	const char	*target;
};
typedef void	(*dns_recfn)(void *, const struct dnsrec *);

void	 dns_records(const struct domain *, dns_recfn, void *);

int	 dns_zone(const struct config *, FILE *, char *const *, int,
	    const char *);

/* ---- cmdline.c: what mailautoconf and mailautoconf-check share ---- */

extern const char cmd_check_usage[];
const char	*cmd_conf_path(const char *);
int		 cmd_long_in_full(char *const [], const char *);

/* ---- export.c: --export ---- */

int	 export_tree(const struct config *, const char *);

/* ---- sign.c: optional CMS signing of Apple profiles (libcrypto) ---- */

struct signer;

struct signer *sign_new(const char *, const char *, const char *, char *,
	    size_t);
void	 sign_free(struct signer *);
int	 sign_der(const struct signer *, const char *, size_t, char *, size_t,
	    size_t *);

/* ---- sandbox.c: optional seccomp filter (libseccomp) ---- */

int	 sandbox_available(void);
int	 sandbox_enter(int);

/* ---- uuid.c ---- */

void	 uuid_name(const char *, const char *, size_t, char [UUID_LEN + 1]);

/* ---- respond.c: routes and handlers ---- */

struct response {
	enum status	 status;
	const char	*allow;		/* 405: the Allow header value */
	const char	*ctype;
	size_t		 ctypelen;
	const char	*location;	/* redirects */
	const char	*attachment;	/* Content-Disposition file name */
	const char	*headers;	/* more header lines, CRLF each */
	size_t		 attachlen;
	const char	*body;
	size_t		 bodylen;
	int		 headonly;	/* HEAD: headers only */
	const char	*why;		/* failed requests: the log line */
	/*
	 * Bodies are written RESP_HEAD_MAX bytes into these, so that
	 * resp_bytes() can put the header right before them: one write.
	 */
	char		 bodybuf[RESP_HEAD_MAX + RESP_BODY_MAX];
	char		 locbuf[CONF_VALUE_MAX + DOMAIN_MAX];
	char		 scratch[RESP_HEAD_MAX + RESP_BODY_MAX];
};
#define RESP_BODY(r)	((r)->bodybuf + RESP_HEAD_MAX)
#define RESP_SCRATCH(r)	((r)->scratch + RESP_HEAD_MAX)

enum status	 respond(const struct config *, struct request *,
		    struct response *);
enum status	 resp_error(struct response *, enum status, const char *);
size_t		 resp_head(const struct response *, char *, size_t);
const char	*resp_bytes(struct response *, size_t *);
const char	*status_reason(enum status);

/* ---- serve.c: one request, every mode ---- */

/* A source of body bytes (FastCGI stream or stdio): bytes read, 0 at
 * the end or on an error. */
typedef size_t (*readfn)(void *, char *, size_t);

/*
 * Answer one request from the CGI variables in env, the body read
 * through rd into body (BODY_MAX + 1 bytes).  The response goes to r;
 * the caller writes it.
 */
void	 serve(const struct config *, const struct cgi_env *, readfn, void *,
	    char *, struct response *);
/*
 * The log line of a failed request into out: status, method, path (cut,
 * query dropped, unprintable bytes as '?') and the reason.
 */
void	 serve_log_line(char *, size_t, const struct response *,
	    const struct cgi_env *);
/*
 * SIGHUP: load path again into *cfg (the old one freed).  0, or -1 when
 * the file is broken (its errors and a line saying the old config stays
 * are on stderr; *cfg is unchanged).
 */
int	 serve_reload(const char *, struct config **);

/* ---- listen.c: the listening socket ---- */

/* 1 if fd is a listening socket. */
int	 listen_is_listener(int);
/*
 * systemd socket activation: the first socket passed (fd 3) becomes fd
 * 0 and the LISTEN_* variables are removed.  0 (also when there is
 * none), -1 with errno set.
 */
int	 listen_take_fds(void);
/*
 * Open the -s socket ("unix:PATH" or "HOST:PORT") with the given
 * backlog as fd 0; user (or NULL) owns a Unix socket.  0, or -1 with a
 * message on stderr.
 */
int	 listen_open(const char *, const char *, int);

/* ---- fcgi.c: one FastCGI worker ---- */

struct serve_opts {
	const char	*path;		/* the configuration file */
	int		 timeout;	/* -T: seconds to read a request */
	int		 sandbox;	/* enter the seccomp filter */
};

/* What the records waiting on a connection hold (fcgi_ready). */
enum ready {
	R_WAIT,		/* not all of a request yet */
	R_WHOLE,	/* a whole request */
	R_BIG,		/* more body than BODY_MAX already: answer 413 */
	R_BAD,		/* not FastCGI as libfcgi takes it */
	R_PARAMS	/* parameter lengths that do not add up */
};

/*
 * The state of a request from the headers of its records (n bytes); for
 * R_WHOLE the request's length in bytes goes to *len.
 */
enum ready	 fcgi_ready(const unsigned char *, size_t, size_t *);
/*
 * Serve FastCGI on the listening socket fd 0 with cfg (freed at the
 * end) until SIGTERM or SIGUSR1.  Returns the exit status.
 */
int		 fcgi_worker(struct config *, const struct serve_opts *);

/* ---- workers.c: several workers on one socket ---- */

/*
 * Run n workers (children) on fd 0 with cfg, restart those that die,
 * check the file on SIGHUP and pass the signal on, stop on SIGTERM and
 * SIGUSR1.  Returns the exit status.
 */
int	 workers_run(struct config *, const struct serve_opts *, unsigned);

#endif /* MAILAUTOCONF_H */
