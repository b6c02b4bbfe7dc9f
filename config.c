/*
 * The configuration file: parsing, validation, defaults, aliases, the
 * domain table, and the answers prepared once at load time.
 *
 * Everything a loaded config owns lives in one arena and is freed at
 * once; after config_load returns, the config is only read.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mailautoconf.h"

const char *const proto_names[PROTO_COUNT] = {
	[P_IMAP] = "imap",
	[P_POP3] = "pop3",
	[P_SMTP] = "smtp",
};

const char *const sock_names[SOCK_COUNT] = {
	[SOCK_SSL] = "SSL",
	[SOCK_STARTTLS] = "STARTTLS",
	[SOCK_PLAIN] = "plain",
};

const char *const auth_names[AUTH_COUNT] = {
	[AUTH_CLEARTEXT] = "password-cleartext",
	[AUTH_ENCRYPTED] = "password-encrypted",
	[AUTH_OAUTH2] = "OAuth2",
	[AUTH_NTLM] = "NTLM",
	[AUTH_GSSAPI] = "GSSAPI",
	[AUTH_NONE] = "none",
	[AUTH_CLIENTIP] = "client-IP-address",
};

/* The port a client assumes STARTTLS on (Thunderbird, Delta Chat). */
static const unsigned starttls_port[PROTO_COUNT] = {
	[P_IMAP] = 143,
	[P_POP3] = 110,
	[P_SMTP] = 587,
};

/* ---- arena ---- */

struct chunk {
	struct chunk	*next;
	size_t		 used;
	size_t		 size;
	char		 data[];
};

#define CHUNK_SIZE	65536

static void *
arena_alloc(struct chunk **head, size_t n)
{
	struct chunk	*c = *head;
	size_t		 size;
	void		*p;

	n = (n + 15) & ~(size_t)15;
	if (c == NULL || c->size - c->used < n) {
		size = n > CHUNK_SIZE ? n : CHUNK_SIZE;
		if ((c = malloc(sizeof(*c) + size)) == NULL)
			return NULL;
		c->size = size;
		c->used = 0;
		c->next = *head;
		*head = c;
	}
	p = c->data + c->used;
	c->used += n;
	return p;
}

static char *
arena_strndup(struct chunk **head, const char *s, size_t n)
{
	char	*p;

	if ((p = arena_alloc(head, n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static void
arena_free(struct chunk *c)
{
	struct chunk	*next;

	for (; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
}

/* ---- the loaded config ---- */

struct config {
	struct chunk	 *arena;
	struct section	  defaults;
	int		  have_defaults;
	struct section	**secs;
	size_t		  nsecs, capsecs;
	struct domain	 *doms;
	size_t		  ndoms, capdoms;
	uint32_t	 *hash;		/* index + 1 into doms; 0: empty */
	size_t		  hmask;
	struct tmpl	**tmpls;	/* interned answers */
	struct signer	**signers;
	size_t		  nsigners;
	size_t		  tmask, ntmpls;
	int		  errors;
	int		  oom;
	int		  verbose;	/* print warnings */
	int		  lazy;		/* CONF_LAZY */
};

/* One file being read; nested for includes. */
struct frame {
	struct config	*cfg;
	const char	*file;
	int		 line;
	int		 depth;
	struct section	*cur;
	struct server	 tmp[PROTO_COUNT][SERVERS_MAX];
	const struct frame *up;		/* the including file's frame */
	dev_t		 dev;		/* this file, to see cycles */
	ino_t		 ino;
};

enum ktype {
	K_TEXT,
	K_USER,
	K_SERVER,
	K_URL,
	K_BOOL,
	K_TTL,
	K_ALIAS,
	K_PATH
};

struct key {
	const char	*name;
	enum ktype	 type;
	int		 arg;
};

/* Field numbers for K_TEXT and K_BOOL. */
enum {
	F_DISPLAY,
	F_SHORT,
	F_DOCTEXT,
	F_ALTERNATIVES,
	F_LEAVE
};

static const struct key keys[] = {
	{ "display_name",		K_TEXT,		F_DISPLAY },
	{ "short_name",			K_TEXT,		F_SHORT },
	{ "username",			K_USER,		0 },
	{ "imap",			K_SERVER,	P_IMAP },
	{ "pop3",			K_SERVER,	P_POP3 },
	{ "smtp",			K_SERVER,	P_SMTP },
	{ "alternatives",		K_BOOL,		F_ALTERNATIVES },
	{ "leave_messages_on_server",	K_BOOL,		F_LEAVE },
	{ "ttl",			K_TTL,		0 },
	{ "alias",			K_ALIAS,	0 },
	{ "autodiscover_url",		K_URL,		URL_AUTODISCOVER },
	{ "activesync_url",		K_URL,		URL_ACTIVESYNC },
	{ "jmap_url",			K_URL,		URL_JMAP },
	{ "caldav_url",			K_URL,		URL_CALDAV },
	{ "carddav_url",		K_URL,		URL_CARDDAV },
	{ "documentation_url",		K_URL,		URL_DOCUMENTATION },
	{ "documentation_text",		K_TEXT,		F_DOCTEXT },
	{ "webmail_url",		K_URL,		URL_WEBMAIL },
	{ "sign_certificate",		K_PATH,		0 },
	{ "sign_key",			K_PATH,		1 },
	{ "sign_chain",			K_PATH,		2 },
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))
#define KEYBIT(k)	(1ul << (k))

static void conf_msg(struct frame *, int, const char *, const char *,
    va_list) __attribute__((format(printf, 4, 0)));
static void conf_err(struct frame *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static void conf_warn(struct frame *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
conf_msg(struct frame *f, int line, const char *level, const char *fmt,
    va_list ap)
{
	if (line > 0)
		fprintf(stderr, "%s:%d: %s", f->file, line, level);
	else
		fprintf(stderr, "%s: %s", f->file, level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void
conf_err(struct frame *f, int line, const char *fmt, ...)
{
	va_list	 ap;

	/* Past CONF_ERRORS_MAX, counted only; the reading stops. */
	if (++f->cfg->errors > CONF_ERRORS_MAX)
		return;
	va_start(ap, fmt);
	conf_msg(f, line, "", fmt, ap);
	va_end(ap);
	if (f->cfg->errors == CONF_ERRORS_MAX)
		fprintf(stderr, "%s: %d errors: reading no further\n",
		    f->file, CONF_ERRORS_MAX);
}

/*
 * Open a file the config names (the config itself, an include, a PEM
 * file) for reading: only a regular file of at most CONF_FILE_MAX bytes.
 * The open does not wait (a FIFO would, for a writer).  NULL with *why
 * saying why; st is filled in.
 */
FILE *
conf_fopen(const char *path, struct stat *st, const char **why)
{
	FILE	*fp;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		*why = strerror(errno);
		return NULL;
	}
	if (fstat(fd, st) == -1)
		*why = strerror(errno);
	else if (!S_ISREG(st->st_mode))
		*why = "not a regular file";
	else if (st->st_size > CONF_FILE_MAX)
		*why = "larger than " MAC_STR(CONF_FILE_MAX_MB) " MiB";
	else if ((fp = fdopen(fd, "r")) == NULL)
		*why = strerror(errno);
	else
		return fp;
	close(fd);
	return NULL;
}

static void
conf_warn(struct frame *f, int line, const char *fmt, ...)
{
	va_list	 ap;

	if (!f->cfg->verbose)
		return;
	va_start(ap, fmt);
	conf_msg(f, line, "warning: ", fmt, ap);
	va_end(ap);
}

static char *
conf_strndup(struct frame *f, const char *s, size_t n)
{
	char	*p;

	if ((p = arena_strndup(&f->cfg->arena, s, n)) == NULL)
		f->cfg->oom = 1;
	return p;
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t';
}


/* Look up a name in a table, ASCII case-insensitively; index or -1. */
static int
lookup_name(const char *const *tab, int n, const char *s, size_t len)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (strlen(tab[i]) == len && str_caseeq(tab[i], s, len))
			return i;
	return -1;
}

/*
 * A server line: HOST PORT SOCKET [AUTH[,AUTH…]].  Incoming servers
 * refuse the methods Thunderbird skips for them.
 */
static void
parse_server(struct frame *f, enum proto p, char *v)
{
	struct section	*s = f->cur;
	struct server	*sv;
	char		*tok[5], *a, *comma;
	int		 ntok = 0, m;
	unsigned	 i;

	while (*v != '\0' && ntok < 5) {
		tok[ntok++] = v;
		while (*v != '\0' && !is_space((unsigned char)*v))
			v++;
		if (*v != '\0')
			*v++ = '\0';
		while (is_space((unsigned char)*v))
			v++;
	}
	if (ntok == 1 && strcmp(tok[0], "none") == 0) {
		/* "imap = none": this section offers no such server. */
		if (p == P_SMTP) {
			conf_err(f, f->line, "smtp: 'none' is not possible: "
			    "clients refuse a configuration without smtp");
			return;
		}
		if (s->nsrv[p] > 0)
			conf_err(f, f->line, "%s: 'none' after %s servers",
			    proto_names[p], proto_names[p]);
		s->none |= 1u << p;
		return;
	}
	if (s->none & (1u << p)) {
		conf_err(f, f->line, "%s: server after '%s = none'",
		    proto_names[p], proto_names[p]);
		return;
	}
	if (ntok < 3 || ntok > 4) {
		conf_err(f, f->line, "%s: expected HOST PORT SOCKET "
		    "[AUTH,…]", proto_names[p]);
		return;
	}
	if (s->nsrv[p] == SERVERS_MAX) {
		conf_err(f, f->line, "%s: more than %d servers",
		    proto_names[p], SERVERS_MAX);
		return;
	}
	sv = &f->tmp[p][s->nsrv[p]];
	memset(sv, 0, sizeof(*sv));
	sv->line = f->line;
	sv->file = f->file;
	if (!valid_host(tok[0])) {
		conf_err(f, f->line, "%s: bad host name '%s'",
		    proto_names[p], tok[0]);
		return;
	}
	if (valid_uint(tok[1], strlen(tok[1]), 1, 65535, &sv->port) == -1) {
		conf_err(f, f->line, "%s: bad port '%s' (1-65535)",
		    proto_names[p], tok[1]);
		return;
	}
	if ((m = lookup_name(sock_names, SOCK_COUNT, tok[2],
	    strlen(tok[2]))) < 0) {
		conf_err(f, f->line, "%s: bad socket type '%s' (SSL, "
		    "STARTTLS or plain)", proto_names[p], tok[2]);
		return;
	}
	sv->sock = (enum sock)m;
	for (a = ntok == 4 ? tok[3] : NULL; a != NULL; a = comma) {
		if ((comma = strchr(a, ',')) != NULL)
			*comma++ = '\0';
		if ((m = lookup_name(auth_names, AUTH_COUNT, a,
		    strlen(a))) < 0) {
			conf_err(f, f->line, "%s: unknown authentication "
			    "'%s'", proto_names[p], a);
			return;
		}
		if (p != P_SMTP && (m == AUTH_NONE || m == AUTH_CLIENTIP)) {
			conf_err(f, f->line, "%s: authentication '%s' is "
			    "for outgoing servers only (Thunderbird skips an "
			    "incoming server with it)", proto_names[p],
			    auth_names[m]);
			return;
		}
		for (i = 0; i < sv->nauth; i++)
			if (sv->auth[i] == m)
				break;
		if (i < sv->nauth)
			continue;
		if (sv->nauth == AUTH_MAX) {
			conf_err(f, f->line, "%s: too many authentication "
			    "methods", proto_names[p]);
			return;
		}
		sv->auth[sv->nauth++] = (unsigned char)m;
	}
	if (sv->nauth == 0)
		sv->auth[sv->nauth++] = AUTH_CLEARTEXT;
	if ((sv->host = conf_strndup(f, tok[0], strlen(tok[0]))) == NULL)
		return;
	s->nsrv[p]++;
}

/* Move the current section's server lines into the arena. */
static void
section_close(struct frame *f)
{
	struct section	*s = f->cur;
	size_t		 n;
	int		 p;

	if (s == NULL)
		return;
	for (p = 0; p < PROTO_COUNT; p++) {
		if (s->nsrv[p] == 0)
			continue;
		n = s->nsrv[p] * sizeof(struct server);
		if ((s->srv[p] = arena_alloc(&f->cfg->arena, n)) == NULL) {
			f->cfg->oom = 1;
			s->nsrv[p] = 0;
			continue;
		}
		memcpy(s->srv[p], f->tmp[p], n);
	}
	f->cur = NULL;
}

/* A file name relative to the directory of the file being read. */
static char *
rel_path(struct frame *f, const char *name)
{
	const char	*slash = strrchr(f->file, '/');
	size_t		 dl, nl = strlen(name);
	char		*p;

	dl = name[0] != '/' && slash != NULL ? (size_t)(slash - f->file) + 1 :
	    0;
	if ((p = arena_alloc(&f->cfg->arena, dl + nl + 1)) == NULL) {
		f->cfg->oom = 1;
		return NULL;
	}
	memcpy(p, f->file, dl);
	memcpy(p + dl, name, nl + 1);
	return p;
}

static void
parse_key(struct frame *f, const char *k, size_t klen, char *v)
{
	struct section	*s = f->cur;
	const struct key *key;
	size_t		 i, vlen = strlen(v);
	char		 dom[DOMAIN_MAX + 1];
	int		 b, n;

	for (i = 0; i < NKEYS; i++)
		if (strlen(keys[i].name) == klen &&
		    strncmp(keys[i].name, k, klen) == 0)
			break;
	if (i == NKEYS) {
		conf_err(f, f->line, "unknown key '%.*s'", (int)klen, k);
		return;
	}
	key = &keys[i];
	if (s == NULL) {
		conf_err(f, f->line, "'%s' outside a section", key->name);
		return;
	}
	if (vlen == 0) {
		conf_err(f, f->line, "%s: empty value", key->name);
		return;
	}
	if (vlen > CONF_VALUE_MAX) {
		conf_err(f, f->line, "%s: value longer than %d bytes",
		    key->name, CONF_VALUE_MAX);
		return;
	}
	if (key->type != K_SERVER && (s->set & KEYBIT(i))) {
		conf_err(f, f->line, "%s given twice in this section",
		    key->name);
		return;
	}
	if (key->type == K_ALIAS && s == &f->cfg->defaults) {
		conf_err(f, f->line, "alias: not allowed in [defaults]");
		return;
	}
	if (key->type != K_ALIAS && s->alias != NULL) {
		conf_err(f, f->line, "%s: an alias section takes only "
		    "'alias'", key->name);
		return;
	}
	if (key->type == K_ALIAS && s->set != 0) {
		conf_err(f, f->line, "alias: an alias section takes no "
		    "other keys");
		return;
	}
	switch (key->type) {
	case K_TEXT:
		if (!valid_text(v, vlen)) {
			conf_err(f, f->line, "%s: not UTF-8 text", key->name);
			return;
		}
		if (key->arg == F_DISPLAY)
			s->display_name = conf_strndup(f, v, vlen);
		else if (key->arg == F_SHORT)
			s->short_name = conf_strndup(f, v, vlen);
		else
			s->doc_text = conf_strndup(f, v, vlen);
		break;
	case K_USER:
		if (!valid_user(v, vlen)) {
			conf_err(f, f->line, "username: only %%EMAILADDRESS%%, "
			    "%%EMAILLOCALPART%% and %%EMAILDOMAIN%% may "
			    "follow '%%', and no spaces");
			return;
		}
		s->username = conf_strndup(f, v, vlen);
		break;
	case K_SERVER:
		parse_server(f, (enum proto)key->arg, v);
		break;
	case K_URL:
		if (!valid_url(v, vlen)) {
			conf_err(f, f->line, "%s: not an absolute http(s) URL "
			    "with a host name (only %%EMAILDOMAIN%% may stand "
			    "in it)", key->name);
			return;
		}
		s->url[key->arg] = conf_strndup(f, v, vlen);
		break;
	case K_BOOL:
		if (valid_bool(v, &b) == -1) {
			conf_err(f, f->line, "%s: expected yes or no",
			    key->name);
			return;
		}
		if (key->arg == F_ALTERNATIVES)
			s->alternatives = b;
		else
			s->leave_on_server = b;
		break;
	case K_TTL:
		if (valid_uint(v, vlen, 1, TTL_MAX, &s->ttl) == -1) {
			conf_err(f, f->line, "ttl: expected hours, 1-%d",
			    TTL_MAX);
			return;
		}
		break;
	case K_PATH:
		if (!valid_text(v, vlen)) {
			conf_err(f, f->line, "%s: not a file name", key->name);
			return;
		}
		s->sign_path[key->arg] = rel_path(f, v);
		s->sign_line = f->line;
		break;
	case K_ALIAS:
		if ((n = valid_domain(v, vlen, dom, sizeof(dom))) < 0) {
			conf_err(f, f->line, "alias: bad domain '%s'", v);
			return;
		}
		s->alias = conf_strndup(f, dom, (size_t)n);
		s->alias_line = f->line;
		break;
	}
	s->set |= KEYBIT(i);
}

/* A new empty section; reg 0 makes one that is parsed, then dropped. */
static struct section *
new_section(struct frame *f, int reg)
{
	struct config	*cfg = f->cfg;
	struct section	*s, **ns;
	size_t		 cap;

	if (reg && cfg->nsecs == cfg->capsecs) {
		cap = cfg->capsecs ? cfg->capsecs * 2 : 16;
		if ((ns = realloc(cfg->secs, cap * sizeof(*ns))) == NULL) {
			cfg->oom = 1;
			return NULL;
		}
		cfg->secs = ns;
		cfg->capsecs = cap;
	}
	if ((s = arena_alloc(&cfg->arena, sizeof(*s))) == NULL) {
		cfg->oom = 1;
		return NULL;
	}
	memset(s, 0, sizeof(*s));
	s->file = f->file;
	s->line = f->line;
	if (reg)
		cfg->secs[cfg->nsecs++] = s;
	return s;
}

/* "[defaults]" or "[domain NAME …]"; p is inside the brackets. */
static void
parse_header(struct frame *f, char *p)
{
	struct section	*s;
	char		*w, dom[DOMAIN_MAX + 1], **names;
	size_t		 n, cnt = 0, i;
	int		 len;

	section_close(f);
	while (is_space((unsigned char)*p))
		p++;
	for (w = p + strlen(p); w > p && is_space((unsigned char)w[-1]); w--)
		w[-1] = '\0';
	if (strcmp(p, "defaults") == 0) {
		if (f->cfg->have_defaults) {
			conf_err(f, f->line, "second [defaults] section "
			    "(first at %s:%d)", f->cfg->defaults.file,
			    f->cfg->defaults.line);
			/* Read on into a section that is dropped. */
			f->cur = new_section(f, 0);
			return;
		}
		s = &f->cfg->defaults;
		memset(s, 0, sizeof(*s));
		s->file = f->file;
		s->line = f->line;
		f->cfg->have_defaults = 1;
		f->cur = s;
		return;
	}
	if (strncmp(p, "domain", 6) != 0 || !is_space((unsigned char)p[6])) {
		conf_err(f, f->line, "unknown section [%s] (expected "
		    "[defaults] or [domain NAME …])", p);
		/* Read on into a dropped section: no "outside" cascade. */
		f->cur = new_section(f, 0);
		return;
	}
	p += 6;
	for (w = p; *w != '\0'; w++)
		if (!is_space((unsigned char)*w) &&
		    (w == p || is_space((unsigned char)w[-1])))
			cnt++;
	if ((s = new_section(f, 1)) == NULL)
		return;
	if (cnt == 0) {
		conf_err(f, f->line, "[domain] without a name");
		f->cur = s;	/* names == NULL: never served */
		return;
	}
	names = arena_alloc(&f->cfg->arena, cnt * sizeof(*names));
	if (names == NULL) {
		f->cfg->oom = 1;
		return;
	}
	s->names = names;
	f->cur = s;
	while (*p != '\0') {
		while (is_space((unsigned char)*p))
			p++;
		for (n = 0; p[n] != '\0' && !is_space((unsigned char)p[n]);
		    n++)
			;
		if (n == 0)
			break;
		if ((len = valid_domain(p, n, dom, sizeof(dom))) < 0)
			conf_err(f, f->line, "bad domain name '%.*s'",
			    (int)n, p);
		else {
			for (i = 0; i < s->nnames; i++)
				if (strcmp(s->names[i], dom) == 0)
					break;
			if (i < s->nnames)
				conf_err(f, f->line, "domain %s listed twice",
				    dom);
			else if ((names[s->nnames] = conf_strndup(f, dom,
			    (size_t)len)) != NULL)
				s->nnames++;
		}
		p += n;
	}
}

static void parse_file(struct config *, const char *, int,
    const struct frame *);

static int
has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/*
 * "include = PATTERN": read the matching files, sorted, relative to the
 * including file's directory.  An include ends the current section.
 */
static void
parse_include(struct frame *f, const char *pat)
{
	glob_t		 g;
	char		*path;
	size_t		 i;
	int		 rc;

	section_close(f);
	if (f->depth + 1 > CONF_DEPTH_MAX) {
		conf_err(f, f->line, "include: nested deeper than %d",
		    CONF_DEPTH_MAX);
		return;
	}
	if ((path = rel_path(f, pat)) == NULL)
		return;
	rc = glob(path, 0, NULL, &g);
	if (rc == GLOB_NOMATCH) {
		if (!has_glob(path))
			conf_err(f, f->line, "include: %s: %s", path,
			    strerror(ENOENT));
		return;
	}
	if (rc != 0) {
		conf_err(f, f->line, "include: %s: cannot expand", path);
		return;
	}
	for (i = 0; i < g.gl_pathc && f->cfg->errors < CONF_ERRORS_MAX; i++) {
		path = conf_strndup(f, g.gl_pathv[i], strlen(g.gl_pathv[i]));
		if (path != NULL)
			parse_file(f->cfg, path, f->depth + 1, f);
	}
	globfree(&g);
}

static void
parse_line(struct frame *f, char *line)
{
	char	*p = line, *end, *k, *v;
	size_t	 klen;

	while (is_space((unsigned char)*p))
		p++;
	end = p + strlen(p);
	while (end > p && (is_space((unsigned char)end[-1]) ||
	    end[-1] == '\r' || end[-1] == '\n'))
		*--end = '\0';
	if (*p == '\0' || *p == '#')
		return;
	if (*p == '[') {
		if (end[-1] != ']') {
			conf_err(f, f->line, "section header without ']'");
			/* Its keys belong to no earlier section. */
			section_close(f);
			f->cur = new_section(f, 0);
			return;
		}
		end[-1] = '\0';
		parse_header(f, p + 1);
		return;
	}
	k = p;
	while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
	    *p == '_')
		p++;
	klen = (size_t)(p - k);
	while (is_space((unsigned char)*p))
		p++;
	if (klen == 0 || *p != '=') {
		conf_err(f, f->line, "expected 'key = value'");
		return;
	}
	v = p + 1;
	while (is_space((unsigned char)*v))
		v++;
	if (klen == 7 && strncmp(k, "include", 7) == 0) {
		if (*v == '\0')
			conf_err(f, f->line, "include: empty value");
		else
			parse_include(f, v);
		return;
	}
	parse_key(f, k, klen, v);
}

/*
 * Read one line of at most CONF_LINE_MAX - 1 bytes into line (size
 * CONF_LINE_MAX), the newline dropped.  Returns its length, -1 at end
 * of file, -2 for a longer line (the rest of it is skipped), -3 for a
 * line holding a NUL byte.
 */
static long
read_line(FILE *fp, char *line)
{
	size_t	 n = 0;
	int	 c, nul = 0;

	while ((c = getc_unlocked(fp)) != EOF && c != '\n') {
		if (c == '\0')
			nul = 1;
		if (n < CONF_LINE_MAX - 1)
			line[n] = (char)c;
		n++;
	}
	if (c == EOF && n == 0)
		return -1;
	if (n >= CONF_LINE_MAX - 1)
		return -2;
	line[n] = '\0';
	return nul ? -3 : (long)n;
}

static void
parse_file(struct config *cfg, const char *file, int depth,
    const struct frame *up)
{
	const struct frame *a;
	struct frame	*f;
	struct stat	 st;
	FILE		*fp;
	const char	*why;
	char		*line;
	long		 n;

	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (line = malloc(CONF_LINE_MAX)) == NULL) {
		free(f);
		cfg->oom = 1;
		return;
	}
	f->cfg = cfg;
	f->file = file;
	f->depth = depth;
	f->up = up;
	/* Not /dev/zero, a FIFO or a directory: a file. */
	if ((fp = conf_fopen(file, &st, &why)) == NULL) {
		conf_err(f, 0, "%s", why);
		goto out;
	}
	/* A file that includes itself, directly or not, is read once. */
	for (a = up; a != NULL; a = a->up)
		if (a->dev == st.st_dev && a->ino == st.st_ino) {
			f->file = up->file;
			conf_err(f, up->line, "include: %s is already being "
			    "read (an include cycle)", file);
			fclose(fp);
			goto out;
		}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	while (cfg->errors < CONF_ERRORS_MAX &&
	    (n = read_line(fp, line)) != -1) {
		f->line++;
		if (n == -2)
			conf_err(f, f->line, "line longer than %d bytes",
			    CONF_LINE_MAX - 2);
		else if (n == -3)
			conf_err(f, f->line, "NUL byte in line");
		else
			parse_line(f, line);
	}
	if (ferror(fp))
		conf_err(f, 0, "read error: %s", strerror(errno));
	section_close(f);
	fclose(fp);
out:
	free(line);
	free(f);
}

/* ---- after all files: defaults, checks, table, answers ---- */

static uint32_t
hash_bytes(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t	 i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/* Copy every key the section did not set from [defaults]. */
static void
apply_defaults(const struct section *d, struct section *s)
{
	size_t	 i;
	int	 p;

	for (i = 0; i < NKEYS; i++) {
		if ((s->set & KEYBIT(i)) || !(d->set & KEYBIT(i)))
			continue;
		switch (keys[i].type) {
		case K_TEXT:
			if (keys[i].arg == F_DISPLAY)
				s->display_name = d->display_name;
			else if (keys[i].arg == F_SHORT)
				s->short_name = d->short_name;
			else
				s->doc_text = d->doc_text;
			break;
		case K_USER:
			s->username = d->username;
			break;
		case K_SERVER:
			p = keys[i].arg;
			s->srv[p] = d->srv[p];
			s->nsrv[p] = d->nsrv[p];
			break;
		case K_URL:
			s->url[keys[i].arg] = d->url[keys[i].arg];
			break;
		case K_BOOL:
			if (keys[i].arg == F_ALTERNATIVES)
				s->alternatives = d->alternatives;
			else
				s->leave_on_server = d->leave_on_server;
			break;
		case K_TTL:
			s->ttl = d->ttl;
			break;
		case K_PATH:
			/* The three go together: all inherited or none. */
			if (s->sign_line == 0)
				s->sign_path[keys[i].arg] =
				    d->sign_path[keys[i].arg];
			break;
		case K_ALIAS:
			break;
		}
	}
	if (s->username == NULL)
		s->username = "%EMAILADDRESS%";
}

/*
 * Load the signing certificate and key a section names; errors at the
 * section's sign_* line.
 */
static struct signer *
make_signer(struct frame *f, const struct section *s)
{
	struct config	*cfg = f->cfg;
	struct signer	*sg, **ns;
	char		 err[512];

	f->file = s->file;
	if (s->sign_path[0] == NULL || s->sign_path[1] == NULL) {
		conf_err(f, s->sign_line, "sign_certificate and sign_key go "
		    "together");
		return NULL;
	}
	if ((sg = sign_new(s->sign_path[0], s->sign_path[1], s->sign_path[2],
	    err, sizeof(err))) == NULL) {
		conf_err(f, s->sign_line, "signing: %s", err);
		return NULL;
	}
	ns = realloc(cfg->signers, (cfg->nsigners + 1) * sizeof(*ns));
	if (ns == NULL) {
		sign_free(sg);
		cfg->oom = 1;
		return NULL;
	}
	cfg->signers = ns;
	cfg->signers[cfg->nsigners++] = sg;
	return sg;
}

/* One signer for [defaults], shared by every section inheriting it. */
static void
load_signers(struct frame *f)
{
	struct config	*cfg = f->cfg;
	const struct section *d = &cfg->defaults;
	struct signer	*dsig = NULL;
	struct section	*s;
	size_t		 i;

	if (cfg->have_defaults && d->sign_line != 0)
		dsig = make_signer(f, d);
	for (i = 0; i < cfg->nsecs; i++) {
		s = cfg->secs[i];
		if (s->names == NULL || s->alias != NULL ||
		    (s->sign_path[0] == NULL && s->sign_path[1] == NULL))
			continue;
		if (cfg->have_defaults && s->sign_line == 0)
			s->signer = dsig;
		else
			s->signer = make_signer(f, s);
	}
}

/*
 * 1 if s (or [defaults], where s inherits it) gave protocol p only
 * server lines that were refused: that error was reported at the line,
 * so "no server" would be a false second one.
 */
static int
srv_refused(const struct config *cfg, const struct section *s, int p)
{
	const struct section *src = s;
	size_t	 i;

	for (i = 0; i < NKEYS; i++)
		if (keys[i].type == K_SERVER && keys[i].arg == p)
			break;
	if (!(s->set & KEYBIT(i)) && cfg->have_defaults)
		src = &cfg->defaults;
	return (src->set & KEYBIT(i)) && src->nsrv[p] == 0 &&
	    !(src->none & (1u << p));
}

static void
check_section(struct frame *f, struct section *s)
{
	const struct server *sv;
	unsigned	 i;
	int		 p;

	f->file = s->file;
	if (s->nsrv[P_IMAP] + s->nsrv[P_POP3] == 0 &&
	    !srv_refused(f->cfg, s, P_IMAP) && !srv_refused(f->cfg, s, P_POP3))
		conf_err(f, s->line, "domain %s: no imap or pop3 server "
		    "(clients refuse a configuration without one)",
		    s->names[0]);
	if (s->nsrv[P_SMTP] == 0 && !srv_refused(f->cfg, s, P_SMTP))
		conf_err(f, s->line, "domain %s: no smtp server (clients "
		    "refuse a configuration without one)", s->names[0]);
	for (p = 0; p < PROTO_COUNT; p++) {
		for (i = 0; i < s->nsrv[p]; i++) {
			sv = &s->srv[p][i];
			if (sv->sock == SOCK_STARTTLS &&
			    sv->port != starttls_port[p] &&
			    !(p == P_SMTP && sv->port == 25)) {
				f->file = sv->file;
				conf_warn(f, sv->line, "%s: STARTTLS on port "
				    "%u: Thunderbird and Delta Chat read "
				    "Outlook answers by port and will try "
				    "implicit TLS", proto_names[p], sv->port);
			}
		}
		if (s->nsrv[p] > 0 && s->srv[p][0].sock == SOCK_PLAIN) {
			for (i = 1; i < s->nsrv[p]; i++)
				if (s->srv[p][i].sock != SOCK_PLAIN)
					break;
			if (i == s->nsrv[p]) {
				f->file = s->srv[p][0].file;
				conf_warn(f, s->srv[p][0].line, "%s: only "
				    "plain servers: Thunderbird for Android "
				    "rejects such an answer",
				    proto_names[p]);
			}
		}
	}
}

static int
add_domain(struct config *cfg, const char *name, const struct section *s,
    const char *target)
{
	struct domain	*nd;
	size_t		 cap;

	if (cfg->ndoms == cfg->capdoms) {
		cap = cfg->capdoms ? cfg->capdoms * 2 : 64;
		if ((nd = realloc(cfg->doms, cap * sizeof(*nd))) == NULL)
			return -1;
		cfg->doms = nd;
		cfg->capdoms = cap;
	}
	nd = &cfg->doms[cfg->ndoms++];
	memset(nd, 0, sizeof(*nd));
	nd->name = name;
	nd->namelen = strlen(name);
	nd->sec = s;
	nd->target = target;
	return 0;
}

/*
 * Insert every domain into the hash table, reporting duplicates at the
 * later section.  Returns -1 on allocation failure.
 */
static int
build_table(struct frame *f)
{
	struct config	*cfg = f->cfg;
	size_t		 cap = 16, i, j;
	uint32_t	 h;
	const struct domain *d, *o;

	while (cap < cfg->ndoms * 2)
		cap *= 2;
	if ((cfg->hash = calloc(cap, sizeof(*cfg->hash))) == NULL)
		return -1;
	cfg->hmask = cap - 1;
	for (i = 0; i < cfg->ndoms; i++) {
		d = &cfg->doms[i];
		h = hash_bytes(d->name, d->namelen);
		for (j = h & cfg->hmask; cfg->hash[j] != 0;
		    j = (j + 1) & cfg->hmask) {
			o = &cfg->doms[cfg->hash[j] - 1];
			if (o->namelen == d->namelen &&
			    memcmp(o->name, d->name, d->namelen) == 0)
				break;
		}
		if (cfg->hash[j] == 0)
			cfg->hash[j] = (uint32_t)i + 1;
	}
	return 0;
}

const struct domain *
config_lookup(const struct config *cfg, const char *name, size_t n)
{
	uint32_t	 h = hash_bytes(name, n);
	size_t		 j;
	const struct domain *d;

	for (j = h & cfg->hmask; cfg->hash[j] != 0; j = (j + 1) & cfg->hmask) {
		d = &cfg->doms[cfg->hash[j] - 1];
		if (d->namelen == n && memcmp(d->name, name, n) == 0)
			return d;
	}
	return NULL;
}

/*
 * Record the marker offsets of an answer of n bytes at p into t.  The
 * scan skips eight bytes at a time while none of them is below
 * MARK_LAST + 1 (the "has a byte less than" bit trick).
 */
static int
find_marks(struct config *cfg, struct tmpl *t, const char *p, size_t n)
{
	const uint64_t	 ones = 0x0101010101010101ull;
	const uint64_t	 lim = ones * (uint64_t)(MARK_LAST + 1);
	const uint64_t	 high = ones * 0x80;
	unsigned	 tmp[256], *pos = tmp, *np;
	size_t		 i = 0, cap = 256;
	uint64_t	 w;
	unsigned char	 c;

	t->npos = 0;
	memset(t->n, 0, sizeof(t->n));
	while (i < n) {
		if (i + 8 <= n) {
			memcpy(&w, p + i, 8);
			if (((w - lim) & ~w & high) == 0) {
				i += 8;
				continue;
			}
		}
		c = (unsigned char)p[i];
		if (c >= (unsigned char)MARK_ADDR &&
		    c <= (unsigned char)MARK_LAST) {
			if (t->npos == cap) {
				np = pos == tmp ? malloc(2 * cap * sizeof(*np)) :
				    realloc(pos, 2 * cap * sizeof(*np));
				if (np == NULL)
					goto fail;
				if (pos == tmp)
					memcpy(np, tmp, sizeof(tmp));
				pos = np;
				cap *= 2;
			}
			t->n[c - MARK_ADDR]++;
			pos[t->npos++] = (unsigned)i;
		}
		i++;
	}
	t->pos = arena_alloc(&cfg->arena, (t->npos + 1) * sizeof(*t->pos));
	if (t->pos == NULL)
		goto fail;
	memcpy(t->pos, pos, t->npos * sizeof(*pos));
	if (pos != tmp)
		free(pos);
	return 0;
fail:
	if (pos != tmp)
		free(pos);
	return -1;
}

/* A hash of a prepared answer, eight bytes at a time. */
static uint32_t
hash_tmpl(const char *s, size_t n)
{
	uint64_t	 h = 0x9e3779b97f4a7c15ull ^ n, w;
	size_t		 i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, s + i, n - i);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	return (uint32_t)(h ^ (h >> 29));
}

/*
 * Keep one copy of each distinct prepared answer: sections that differ
 * only in their names share all of theirs.
 */
static const struct tmpl *
intern(struct config *cfg, struct buf *b)
{
	struct tmpl	*t, **nt;
	size_t		 i, j, cap;
	uint32_t	 h;

	if (b->err)
		return NULL;
	if (cfg->ntmpls * 2 >= cfg->tmask + 1 || cfg->tmpls == NULL) {
		cap = cfg->tmpls == NULL ? 64 : (cfg->tmask + 1) * 2;
		if ((nt = calloc(cap, sizeof(*nt))) == NULL)
			return NULL;
		for (i = 0; cfg->tmpls != NULL && i <= cfg->tmask; i++) {
			if ((t = cfg->tmpls[i]) == NULL)
				continue;
			for (j = t->hash & (cap - 1); nt[j] != NULL;
			    j = (j + 1) & (cap - 1))
				;
			nt[j] = t;
		}
		free(cfg->tmpls);
		cfg->tmpls = nt;
		cfg->tmask = cap - 1;
	}
	h = hash_tmpl(b->p, b->len);
	for (j = h & cfg->tmask; (t = cfg->tmpls[j]) != NULL;
	    j = (j + 1) & cfg->tmask)
		if (t->hash == h && t->len == b->len &&
		    memcmp(t->s, b->p, b->len) == 0)
			return t;
	if ((t = arena_alloc(&cfg->arena, sizeof(*t))) == NULL ||
	    (t->s = arena_strndup(&cfg->arena, b->p, b->len)) == NULL)
		return NULL;
	t->len = b->len;
	t->hash = h;
	if (find_marks(cfg, t, b->p, b->len) == -1)
		return NULL;
	cfg->tmpls[j] = t;
	cfg->ntmpls++;
	return t;
}

/* Render one answer through fn's output in b, intern it; NULL on error. */
static const struct tmpl *
prepared(struct frame *f, const struct domain *d, struct buf *b)
{
	const struct tmpl *t;

	t = intern(f->cfg, b);
	b->len = 0;	/* the buffer serves the next answer */
	if (t == NULL) {
		f->cfg->oom = 1;
		return NULL;
	}
	/* The worst case, spliced with the longest address, must fit. */
	if (tmpl_size(t, EMAIL_MAX * 6, LOCAL_MAX * 6, DOMAIN_MAX) >
	    RESP_BODY_MAX - RESP_HEAD_MAX) {
		f->file = d->sec->file;
		conf_err(f, d->sec->line, "domain %s: an answer would exceed "
		    "%d bytes", d->name, RESP_BODY_MAX - RESP_HEAD_MAX);
	}
	return t;
}

#define AD_URL_DEFAULT \
	"https://autodiscover.%EMAILDOMAIN%/autodiscover/autodiscover.xml"

/* Prepare a domain's answers, once, at load time. */
static void
prepare(struct frame *f, struct domain *d)
{
	static const enum url redir_url[3] = {
		URL_JMAP, URL_CALDAV, URL_CARDDAV
	};
	const struct section *s = d->sec;
	struct buf	 b;
	int		 i;

	buf_init(&b);
	xml_thunderbird(&b, s, d->target);
	d->tb = prepared(f, d, &b);
	xml_outlook(&b, s, d->target, 1);
	d->ol = prepared(f, d, &b);
	xml_outlook(&b, s, d->target, 0);
	d->olget = prepared(f, d, &b);
	json_locator(&b, "AutodiscoverV1", s->url[URL_AUTODISCOVER] != NULL ?
	    s->url[URL_AUTODISCOVER] : AD_URL_DEFAULT, d->target);
	d->jsonad = prepared(f, d, &b);
	xml_mobileconfig(&b, s, d->target);
	d->apple = prepared(f, d, &b);
	for (i = 0; i < 3; i++) {
		if (s->url[redir_url[i]] == NULL)
			continue;
		url_expand(&b, s->url[redir_url[i]], d->target);
		d->redir[i] = prepared(f, d, &b);
		/* The Location must fit the header block. */
		if (d->redir[i] != NULL && tmpl_size(d->redir[i], 0, 0,
		    DOMAIN_MAX) > LOCATION_MAX) {
			f->file = s->file;
			conf_err(f, s->line, "domain %s: redirect URL longer "
			    "than %d bytes", d->name, LOCATION_MAX);
		}
	}
	if (s->url[URL_ACTIVESYNC] != NULL) {
		xml_mobilesync(&b, s, d->target);
		d->eas = prepared(f, d, &b);
		json_locator(&b, "ActiveSync", s->url[URL_ACTIVESYNC],
		    d->target);
		d->jsoneas = prepared(f, d, &b);
	}
	buf_free(&b);
	d->ready = f->cfg->errors == 0 && !f->cfg->oom;
}

/*
 * What a domain's answers depend on besides its own name (which they
 * hold as a marker).  Sections that inherit everything from [defaults]
 * share every pointer here, so a config of many such sections renders
 * its answers once.  Compared with memcmp: zeroed before it is filled.
 */
struct sig {
	const struct section *own;	/* names listed literally */
	const char	*target;
	const char	*display_name, *short_name, *username, *doc_text;
	const struct server *srv[PROTO_COUNT];
	unsigned	 nsrv[PROTO_COUNT];
	const char	*url[URL_COUNT];
	const struct signer *signer;
	int		 alternatives, leave_on_server;
	unsigned	 ttl;
};

static void
sig_of(const struct domain *d, struct sig *g)
{
	const struct section *s = d->sec;

	memset(g, 0, sizeof(*g));
	/* tb_domains() writes the names of such sections literally. */
	if (s->nnames > 1 && s->nnames <= DOMLIST_MAX)
		g->own = s;
	g->target = d->target;
	g->display_name = s->display_name;
	g->short_name = s->short_name;
	g->username = s->username;
	g->doc_text = s->doc_text;
	memcpy(g->srv, s->srv, sizeof(g->srv));
	memcpy(g->nsrv, s->nsrv, sizeof(g->nsrv));
	memcpy(g->url, s->url, sizeof(g->url));
	g->signer = s->signer;
	g->alternatives = s->alternatives;
	g->leave_on_server = s->leave_on_server;
	g->ttl = s->ttl;
}

/* A hash of a list of n servers' settings (not of where they were read). */
static uint32_t
srv_hash(const struct server *sv, unsigned n)
{
	uint32_t	 h = 2166136261u ^ n;
	unsigned	 i;

	for (i = 0; i < n; i++, sv++) {
		h ^= hash_bytes(sv->host, strlen(sv->host));
		h = (h ^ (sv->port << 8 ^ (unsigned)sv->sock << 4 ^ sv->nauth)) *
		    16777619u;
		h ^= hash_bytes((const char *)sv->auth, sv->nauth);
	}
	return h;
}

static int
srv_same(const struct server *a, const struct server *b, unsigned n)
{
	unsigned	 i;

	for (i = 0; i < n; i++, a++, b++)
		if (a->port != b->port || a->sock != b->sock ||
		    a->nauth != b->nauth || strcmp(a->host, b->host) != 0 ||
		    memcmp(a->auth, b->auth, a->nauth) != 0)
			return 0;
	return 1;
}

/*
 * Sections that list the same servers (as many sections do with
 * "imap.%EMAILDOMAIN%" lines) are made to share one list, so that
 * prepare_all sees the same settings and renders their answers once.
 * It runs after check_section, the only reader of a server's file and
 * line.
 */
static void
share_servers(struct config *cfg)
{
	size_t		 cap = 16, i, j;
	struct section	*s, **seen, *o;
	int		 p;

	while (cap < cfg->nsecs * 2)
		cap *= 2;
	if ((seen = calloc(cap, sizeof(*seen))) == NULL) {
		cfg->oom = 1;
		return;
	}
	for (p = 0; p < PROTO_COUNT; p++) {
		memset(seen, 0, cap * sizeof(*seen));
		for (i = 0; i < cfg->nsecs; i++) {
			s = cfg->secs[i];
			if (s->names == NULL || s->alias != NULL ||
			    s->nsrv[p] == 0)
				continue;
			j = srv_hash(s->srv[p], s->nsrv[p]) & (cap - 1);
			for (; (o = seen[j]) != NULL; j = (j + 1) & (cap - 1))
				if (o->nsrv[p] == s->nsrv[p] &&
				    (o->srv[p] == s->srv[p] || srv_same(o->srv[p],
				    s->srv[p], s->nsrv[p])))
					break;
			if (o != NULL)
				s->srv[p] = o->srv[p];
			else
				seen[j] = s;
		}
	}
	free(seen);
}

/*
 * Prepare every domain's answers, rendering each distinct set of
 * settings once: a domain whose signature was seen takes the answers of
 * the first domain that had it.
 */
static void
prepare_all(struct frame *f)
{
	struct config	*cfg = f->cfg;
	struct sig	 g, h;
	size_t		 cap = 16, i, j, *seen;
	struct domain	*d;
	const struct domain *o = NULL;

	while (cap < cfg->ndoms * 2)
		cap *= 2;
	if ((seen = calloc(cap, sizeof(*seen))) == NULL) {
		cfg->oom = 1;
		return;
	}
	for (i = 0; i < cfg->ndoms && !cfg->oom; i++) {
		d = &cfg->doms[i];
		sig_of(d, &g);
		for (j = hash_tmpl((const char *)&g, sizeof(g)) & (cap - 1);
		    seen[j] != 0; j = (j + 1) & (cap - 1)) {
			o = &cfg->doms[seen[j] - 1];
			sig_of(o, &h);
			if (memcmp(&g, &h, sizeof(g)) == 0)
				break;
		}
		if (seen[j] == 0) {
			prepare(f, d);
			seen[j] = i + 1;
			continue;
		}
		d->tb = o->tb;
		d->ol = o->ol;
		d->olget = o->olget;
		d->eas = o->eas;
		d->jsonad = o->jsonad;
		d->jsoneas = o->jsoneas;
		d->apple = o->apple;
		memcpy(d->redir, o->redir, sizeof(d->redir));
		d->ready = 1;
	}
	free(seen);
}

/* The name of the key of URL u. */
static const char *
url_key(enum url u)
{
	size_t	 i;

	for (i = 0; i < NKEYS; i++)
		if (keys[i].type == K_URL && keys[i].arg == (int)u)
			return keys[i].name;
	return "url";
}

/*
 * 1 when host, with each %EMAILDOMAIN% as dom, is a host name (at most
 * DOMAIN_MAX bytes, LABEL_MAX in a label; the rest was checked when the
 * line was read).  Only the length needs counting unless the
 * placeholder is glued to other letters of a label.
 */
static int
host_expands(const char *host, size_t hl, const char *dom)
{
	char		 buf[CONF_VALUE_MAX + 8 * DOMAIN_MAX], out[DOMAIN_MAX + 1];
	const char	*p, *e = host + hl;
	size_t		 k = 0, dl = strlen(dom), n;
	int		 glued = 0;

	for (p = host; (p = strstr(p, "%EMAILDOMAIN%")) != NULL && p < e;
	    p += 13) {
		k++;
		glued |= (p > host && p[-1] != '.') ||
		    (p + 13 < e && p[13] != '.');
	}
	if (k == 0)
		return 1;
	if (hl - 13 * k + dl * k > DOMAIN_MAX)
		return 0;
	if (!glued)
		return 1;
	memcpy(buf, host, hl);
	buf[hl] = '\0';
	str_expand(buf, dom, buf + hl + 1, sizeof(buf) - hl - 1);
	n = strlen(buf + hl + 1);
	return n > 0 && valid_domain(buf + hl + 1, n, out, sizeof(out)) >= 0;
}

/*
 * Every host name d's answers carry (servers, and the host of each URL)
 * must still be one once %EMAILDOMAIN% is d's domain: an error at the
 * server's line, or the section's for a URL.
 */
static void
check_hosts(struct frame *f, const struct domain *d)
{
	const struct section *s = d->sec;
	const char	*dom = d->target != NULL ? d->target : d->name, *u;
	const struct server *v;
	unsigned	 p, i;
	size_t		 skip, hl;

#define NOT_A_HOST	"domain %s: %s host %.*s is not a host name once " \
			"%%EMAILDOMAIN%% is the domain (253 bytes at most, " \
			"63 in a label)"
	for (p = 0; p < PROTO_COUNT; p++)
		for (i = 0; i < s->nsrv[p]; i++) {
			v = &s->srv[p][i];
			if (host_expands(v->host, strlen(v->host), dom))
				continue;
			f->file = v->file;
			conf_err(f, v->line, NOT_A_HOST, d->name,
			    proto_names[p], (int)strlen(v->host), v->host);
		}
	for (p = 0; p < URL_COUNT; p++) {
		if ((u = s->url[p]) == NULL)
			continue;
		skip = strncmp(u, "https://", 8) == 0 ? 8 : 7;
		hl = strcspn(u + skip, ":/?#");
		if (host_expands(u + skip, hl, dom))
			continue;
		f->file = s->file;
		conf_err(f, s->line, NOT_A_HOST, d->name, url_key(p),
		    (int)hl, u + skip);
	}
#undef NOT_A_HOST
}

static void
finish(struct config *cfg, const char *file)
{
	struct frame	 fr;
	struct section	*s;
	const struct domain *t;
	size_t		 i, j;

	memset(&fr, 0, sizeof(fr));
	fr.cfg = cfg;
	fr.file = file;
	for (i = 0; i < cfg->nsecs; i++) {
		s = cfg->secs[i];
		if (s->names == NULL || s->alias != NULL)
			continue;
		if (cfg->have_defaults)
			apply_defaults(&cfg->defaults, s);
		else if (s->username == NULL)
			s->username = "%EMAILADDRESS%";
		if (s->nnames > 0)
			check_section(&fr, s);
	}
	for (i = 0; i < cfg->nsecs; i++) {
		s = cfg->secs[i];
		for (j = 0; s->names != NULL && j < s->nnames; j++)
			if (add_domain(cfg, s->names[j], s, NULL) == -1) {
				cfg->oom = 1;
				return;
			}
	}
	if (build_table(&fr) == -1) {
		cfg->oom = 1;
		return;
	}
	/* Duplicates: a name whose table slot holds an earlier index. */
	for (i = 0; i < cfg->ndoms; i++) {
		t = config_lookup(cfg, cfg->doms[i].name,
		    cfg->doms[i].namelen);
		if (t != &cfg->doms[i]) {
			fr.file = cfg->doms[i].sec->file;
			conf_err(&fr, cfg->doms[i].sec->line, "duplicate "
			    "domain %s (first at %s:%d)", cfg->doms[i].name,
			    t->sec->file, t->sec->line);
		}
	}
	/* Aliases take their target's section. */
	for (i = 0; i < cfg->ndoms; i++) {
		s = (struct section *)cfg->doms[i].sec;
		if (s->alias == NULL)
			continue;
		t = config_lookup(cfg, s->alias, strlen(s->alias));
		fr.file = s->file;
		if (t == NULL)
			conf_err(&fr, s->alias_line, "alias: %s is not a "
			    "configured domain", s->alias);
		else if (t->sec->alias != NULL || t->target != NULL)
			/* t->target: t was an alias resolved earlier. */
			conf_err(&fr, s->alias_line, "alias: %s is itself an "
			    "alias", s->alias);
		else {
			cfg->doms[i].target = t->name;
			cfg->doms[i].sec = t->sec;
		}
	}
	for (i = 0; i < cfg->ndoms && cfg->errors < CONF_ERRORS_MAX; i++)
		check_hosts(&fr, &cfg->doms[i]);
	load_signers(&fr);
	if (cfg->errors > 0)
		return;
	if (cfg->lazy)
		return;
	share_servers(cfg);
	if (!cfg->oom)
		prepare_all(&fr);
}

/*
 * Load and check the config file at path (and what it includes).  Every
 * error is reported on stderr as FILE:LINE: message; warnings too with
 * CONF_VERBOSE in flags.  Every domain's answers are prepared, unless
 * CONF_LAZY asks for them to be prepared on first use (config_ready):
 * a process that serves one request needs one domain's.  Returns the
 * config, or NULL when anything was wrong.  Free with config_free.
 */
struct config *
config_load(const char *path, int flags)
{
	struct config	*cfg;
	char		*file;
	struct frame	 fr;

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return NULL;
	cfg->verbose = (flags & CONF_VERBOSE) != 0;
	cfg->lazy = (flags & CONF_LAZY) != 0;
	if ((file = arena_strndup(&cfg->arena, path, strlen(path))) == NULL) {
		free(cfg);
		return NULL;
	}
	parse_file(cfg, file, 0, NULL);
	if (cfg->errors == 0 && !cfg->oom && cfg->nsecs == 0) {
		memset(&fr, 0, sizeof(fr));
		fr.cfg = cfg;
		fr.file = file;
		conf_err(&fr, 0, "no [domain …] section");
	}
	if (!cfg->oom)
		finish(cfg, file);
	if (cfg->oom)
		fprintf(stderr, "%s: out of memory\n", path);
	if (cfg->errors > 0 || cfg->oom) {
		if (cfg->errors > 0)
			fprintf(stderr, "%s: %d error%s\n", path, cfg->errors,
			    cfg->errors == 1 ? "" : "s");
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

/*
 * Make sure d's answers are prepared: at once in a config loaded with
 * CONF_LAZY (the config is the caller's own, never shared, so it is
 * changed here despite the const), already done otherwise.  An error
 * (an answer too long, no memory) is reported as at load time.  Returns
 * 0, or -1 when d cannot answer.
 */
int
config_ready(const struct config *ccfg, const struct domain *d)
{
	struct config	*cfg = (struct config *)ccfg;
	struct frame	 fr;

	if (d->ready)
		return 0;
	if (!cfg->lazy || cfg->errors > 0 || cfg->oom)
		return -1;
	memset(&fr, 0, sizeof(fr));
	fr.cfg = cfg;
	fr.file = d->sec->file;
	prepare(&fr, (struct domain *)d);
	return d->ready ? 0 : -1;
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->secs);
	free(cfg->doms);
	free(cfg->hash);
	free(cfg->tmpls);
	while (cfg->nsigners > 0)
		sign_free(cfg->signers[--cfg->nsigners]);
	free(cfg->signers);
	arena_free(cfg->arena);
	free(cfg);
}

size_t
config_ndomains(const struct config *cfg)
{
	return cfg->ndoms;
}

const struct domain *
config_domain(const struct config *cfg, size_t i)
{
	return i < cfg->ndoms ? &cfg->doms[i] : NULL;
}

/*
 * The servers an answer lists for protocol p, at most max of them.  By
 * default one: the first with implicit TLS (RFC 8314), else the first
 * configured.  With alternatives, that one first and then the others in
 * order.  A plain server only when the protocol has nothing else.
 */
unsigned
config_pick(const struct section *s, enum proto p,
    const struct server **out, unsigned max)
{
	const struct server *srv = s->srv[p];
	unsigned	 n = s->nsrv[p], i, k = 0, best = n;

	if (n == 0 || max == 0)
		return 0;
	for (i = 0; i < n && best == n; i++)
		if (srv[i].sock == SOCK_SSL)
			best = i;
	for (i = 0; i < n && best == n; i++)
		if (srv[i].sock != SOCK_PLAIN)
			best = i;
	if (best == n) {
		/* Only plain servers. */
		out[k++] = &srv[0];
		for (i = 1; s->alternatives && i < n && k < max; i++)
			out[k++] = &srv[i];
		return k;
	}
	out[k++] = &srv[best];
	for (i = 0; s->alternatives && i < n && k < max; i++)
		if (i != best && srv[i].sock != SOCK_PLAIN)
			out[k++] = &srv[i];
	return k;
}

/* Print one line per domain: what -t shows. */
void
config_summary(const struct config *cfg, FILE *fp)
{
	const struct domain *d;
	const struct server *pick[SERVERS_MAX];
	char		 host[CONF_VALUE_MAX + DOMAIN_MAX];
	struct buf	 b;
	size_t		 i;
	unsigned	 n, j;
	int		 p;

	/* One line at a time in b, which stays allocated between lines. */
	buf_init(&b);
	for (i = 0; i < cfg->ndoms && !b.err; i++) {
		d = &cfg->doms[i];
		b.len = 0;
		buf_add(&b, d->name, d->namelen);
		buf_putc(&b, ':');
		if (d->target != NULL) {
			buf_puts(&b, " alias of ");
			buf_puts(&b, d->target);
			buf_putc(&b, ';');
		}
		for (p = 0; p < PROTO_COUNT; p++) {
			n = config_pick(d->sec, (enum proto)p, pick,
			    SERVERS_MAX);
			for (j = 0; j < n; j++) {
				buf_putc(&b, ' ');
				buf_puts(&b, proto_names[p]);
				buf_putc(&b, ' ');
				buf_puts(&b, str_expand(pick[j]->host,
				    d->target != NULL ? d->target : d->name,
				    host, sizeof(host)));
				buf_putc(&b, ':');
				buf_putu(&b, pick[j]->port);
				buf_putc(&b, ' ');
				buf_puts(&b, sock_names[pick[j]->sock]);
			}
		}
		buf_putc(&b, '\n');
		if (!b.err)
			fwrite(b.p, 1, b.len, fp);
	}
	if (b.err)
		fputs("(out of memory)\n", fp);
	buf_free(&b);
}
