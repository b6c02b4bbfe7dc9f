/*
 * Reading the configuration file: lines, sections, key = value pairs
 * read by the key table's types (keys.c), includes.  Every error is
 * reported as FILE:LINE and reading goes on, so one run shows them all
 * (up to CONF_ERRORS_MAX).
 */
#include <sys/stat.h>

#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

/* One file being read; nested for includes. */
struct reader {
	struct frame	 fr;		/* this file and line */
	struct config	*cfg;
	int		 depth;
	struct section	*cur;
	struct server	 tmp[PROTO_COUNT][SERVERS_MAX];
	const struct reader *up;	/* the including file's reader */
	dev_t		 dev;		/* this file, to see cycles */
	ino_t		 ino;
};

static void parse_file(struct config *, const char *, int,
    const struct reader *);

static char *
conf_strndup(struct reader *f, const char *s, size_t n)
{
	char	*p;

	if ((p = arena_strndup(&f->cfg->arena, s, n)) == NULL)
		f->cfg->rep.oom = 1;
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

/* Split v at white space into at most max words; returns how many. */
static int
split_words(char *v, char **tok, int max)
{
	int	 n = 0;

	while (*v != '\0' && n < max) {
		tok[n++] = v;
		while (*v != '\0' && !is_space((unsigned char)*v))
			v++;
		if (*v != '\0')
			*v++ = '\0';
		while (is_space((unsigned char)*v))
			v++;
	}
	return n;
}

/* "imap = none": this section offers no such server.  0 or -1. */
static int
server_none(struct reader *f, enum proto p)
{
	struct section	*s = f->cur;

	if (p == P_SMTP) {
		conf_err(&f->fr, f->fr.line, "smtp: 'none' is not possible: "
		    "clients refuse a configuration without smtp");
		return -1;
	}
	if (s->nsrv[p] > 0)
		conf_err(&f->fr, f->fr.line, "%s: 'none' after %s servers",
		    proto_names[p], proto_names[p]);
	s->none |= 1u << p;
	return 0;
}

/*
 * The comma-separated authentication methods of a server line (NULL:
 * none given, password-cleartext) into sv.  Incoming servers refuse
 * the methods Thunderbird skips for them.  0 or -1.
 */
static int
server_auth(struct reader *f, enum proto p, struct server *sv, char *a)
{
	char		*comma;
	unsigned	 i;
	int		 m;

	for (; a != NULL; a = comma) {
		if ((comma = strchr(a, ',')) != NULL)
			*comma++ = '\0';
		if ((m = lookup_name(auth_names, AUTH_COUNT, a,
		    strlen(a))) < 0) {
			conf_err(&f->fr, f->fr.line, "%s: unknown "
			    "authentication '%s'", proto_names[p], a);
			return -1;
		}
		if (p != P_SMTP && (m == AUTH_NONE || m == AUTH_CLIENTIP)) {
			conf_err(&f->fr, f->fr.line, "%s: authentication '%s' "
			    "is for outgoing servers only (Thunderbird skips an "
			    "incoming server with it)", proto_names[p],
			    auth_names[m]);
			return -1;
		}
		for (i = 0; i < sv->nauth && sv->auth[i] != m; i++)
			;
		if (i < sv->nauth)
			continue;
		if (sv->nauth == AUTH_MAX) {
			conf_err(&f->fr, f->fr.line, "%s: too many "
			    "authentication methods", proto_names[p]);
			return -1;
		}
		sv->auth[sv->nauth++] = (unsigned char)m;
	}
	if (sv->nauth == 0)
		sv->auth[sv->nauth++] = AUTH_CLEARTEXT;
	return 0;
}

/*
 * Whether a server line of ntok words may be taken: after no "none",
 * three or four words, room for it, a host name.  0, or -1 told.
 */
static int
server_fits(struct reader *f, enum proto p, char **tok, int ntok)
{
	const struct section *s = f->cur;

	if (s->none & (1u << p))
		conf_err(&f->fr, f->fr.line, "%s: server after '%s = none'",
		    proto_names[p], proto_names[p]);
	else if (ntok < 3 || ntok > 4)
		conf_err(&f->fr, f->fr.line, "%s: expected HOST PORT SOCKET "
		    "[AUTH,…]", proto_names[p]);
	else if (s->nsrv[p] == SERVERS_MAX)
		conf_err(&f->fr, f->fr.line, "%s: more than %d servers",
		    proto_names[p], SERVERS_MAX);
	else if (!valid_host(tok[0]))
		conf_err(&f->fr, f->fr.line, "%s: bad host name '%s'",
		    proto_names[p], tok[0]);
	else
		return 0;
	return -1;
}

/* A server line: HOST PORT SOCKET [AUTH[,AUTH…]], or "none". */
static void
parse_server(struct reader *f, enum proto p, char *v)
{
	struct section	*s = f->cur;
	struct server	*sv;
	char		*tok[5];
	int		 ntok, m;

	ntok = split_words(v, tok, 5);
	if (ntok == 1 && strcmp(tok[0], "none") == 0) {
		server_none(f, p);
		return;
	}
	if (server_fits(f, p, tok, ntok) == -1)
		return;
	sv = &f->tmp[p][s->nsrv[p]];
	memset(sv, 0, sizeof(*sv));
	sv->line = f->fr.line;
	sv->file = f->fr.file;
	if (valid_uint(tok[1], strlen(tok[1]), 1, 65535, &sv->port) == -1) {
		conf_err(&f->fr, f->fr.line, "%s: bad port '%s' (1-65535)",
		    proto_names[p], tok[1]);
		return;
	}
	if ((m = lookup_name(sock_names, SOCK_COUNT, tok[2],
	    strlen(tok[2]))) < 0) {
		conf_err(&f->fr, f->fr.line, "%s: bad socket type '%s' (SSL, "
		    "STARTTLS or plain)", proto_names[p], tok[2]);
		return;
	}
	sv->sock = (enum sock)m;
	if (server_auth(f, p, sv, ntok == 4 ? tok[3] : NULL) == -1 ||
	    (sv->host = conf_strndup(f, tok[0], strlen(tok[0]))) == NULL)
		return;
	s->nsrv[p]++;
}

/* Move the current section's server lines into the arena. */
static void
section_close(struct reader *f)
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
			f->cfg->rep.oom = 1;
			s->nsrv[p] = 0;
			continue;
		}
		memcpy(s->srv[p], f->tmp[p], n);
	}
	f->cur = NULL;
}

/* A file name relative to the directory of the file being read. */
static char *
rel_path(struct reader *f, const char *name)
{
	const char	*slash = strrchr(f->fr.file, '/');
	size_t		 dl, nl = strlen(name);
	char		*p;

	dl = name[0] != '/' && slash != NULL ? (size_t)(slash - f->fr.file) + 1 :
	    0;
	if ((p = arena_alloc(&f->cfg->arena, dl + nl + 1)) == NULL) {
		f->cfg->rep.oom = 1;
		return NULL;
	}
	memcpy(p, f->fr.file, dl);
	memcpy(p + dl, name, nl + 1);
	return p;
}

/* A text value of key k in f's section; 0, or -1 with the error told. */
typedef int (*valuefn)(struct reader *, const struct key *, char *, size_t);

#define VALUE(s, k)	(*(const char **)key_field((k), (s)))

/* The string types: their check, and what an error says is wrong. */
static const struct {
	int		(*ok)(const char *, size_t);
	const char	*why;
} strings[KTYPE_COUNT] = {
	[K_TEXT] = { valid_text, "not UTF-8 text" },
	[K_USER] = { valid_user, "only %EMAILADDRESS%, %EMAILLOCALPART% and "
	    "%EMAILDOMAIN% may follow '%', and no spaces" },
	[K_URL] = { valid_url, "not an absolute http(s) URL with a host name "
	    "(only %EMAILDOMAIN% may stand in it)" },
	[K_PATH] = { valid_text, "not a file name" },
	[K_WEBPATH] = { valid_webpath, "not a path: '/', then letters, digits "
	    "and - . _ ~ / (no // . ..), at most " MAC_STR(WEBPATH_MAX)
	    " bytes" },
};

/* A text, template, URL or file name value. */
static int
read_string(struct reader *f, const struct key *k, char *v, size_t n)
{
	const char	*p;

	if (!strings[k->type].ok(v, n)) {
		conf_err(&f->fr, f->fr.line, "%s: %s", k->name,
		    strings[k->type].why);
		return -1;
	}
	if (k->type == K_PATH) {
		f->cur->sign_line = f->fr.line;
		p = rel_path(f, v);
	} else
		p = conf_strndup(f, v, n);
	return (VALUE(f->cur, k) = p) != NULL ? 0 : -1;
}

static int
read_alias(struct reader *f, const struct key *k, char *v, size_t n)
{
	char	 dom[DOMAIN_MAX + 1];
	int	 len;

	if ((len = valid_domain(v, n, dom, sizeof(dom))) < 0) {
		conf_err(&f->fr, f->fr.line, "%s: bad domain '%s'", k->name, v);
		return -1;
	}
	f->cur->alias_line = f->fr.line;
	return (VALUE(f->cur, k) = conf_strndup(f, dom, (size_t)len)) !=
	    NULL ? 0 : -1;
}

static int
read_bool(struct reader *f, const struct key *k, char *v, size_t n)
{
	(void)n;
	if (valid_bool(v, key_field(k, f->cur)) == -1) {
		conf_err(&f->fr, f->fr.line, "%s: expected yes or no",
		    k->name);
		return -1;
	}
	return 0;
}

static int
read_uint(struct reader *f, const struct key *k, char *v, size_t n)
{
	if (valid_uint(v, n, k->min, k->max,
	    key_field(k, f->cur)) == -1) {
		conf_err(&f->fr, f->fr.line, "%s: expected %s, %u-%u",
		    k->name, k->unit, k->min, k->max);
		return -1;
	}
	return 0;
}

static int
read_server(struct reader *f, const struct key *k, char *v, size_t n)
{
	(void)n;
	/* Counted as given even when refused: see srv_refused. */
	parse_server(f, (enum proto)k->arg, v);
	return 0;
}

static const valuefn readers[KTYPE_COUNT] = {
	[K_TEXT] = read_string,
	[K_USER] = read_string,
	[K_URL] = read_string,
	[K_PATH] = read_string,
	[K_WEBPATH] = read_string,
	[K_ALIAS] = read_alias,
	[K_BOOL] = read_bool,
	[K_UINT] = read_uint,
	[K_SERVER] = read_server,
};

/*
 * Whether key k may be given here: in this kind of section, once (a
 * server key may repeat), and in an alias section alone.  The error is
 * told; 0 or -1.
 */
static int
key_allowed(struct reader *f, const struct key *k, size_t idx)
{
	const struct section *s = f->cur;
	int	 line = f->fr.line;

	if (s == NULL)
		conf_err(&f->fr, line, "'%s' outside a section", k->name);
	else if (k->type != K_SERVER && (s->set & KEYBIT(idx)))
		conf_err(&f->fr, line, "%s given twice in this section",
		    k->name);
	else if (s == &f->cfg->defaults && !(k->where & IN_DEFAULTS))
		conf_err(&f->fr, line, "%s: not allowed in [defaults]",
		    k->name);
	else if (k->type != K_ALIAS && s->alias != NULL)
		conf_err(&f->fr, line, "%s: an alias section takes only "
		    "'alias'", k->name);
	else if (k->type == K_ALIAS && s->set != 0)
		conf_err(&f->fr, line, "%s: an alias section takes no other "
		    "keys", k->name);
	else
		return 0;
	return -1;
}

static void
parse_key(struct reader *f, const char *k, size_t klen, char *v)
{
	const struct key *key;
	size_t		 idx, vlen = strlen(v);

	if ((key = key_find(k, klen, &idx)) == NULL) {
		conf_err(&f->fr, f->fr.line, "unknown key '%.*s'", (int)klen,
		    k);
		return;
	}
	if (f->cur == NULL || (vlen > 0 && vlen <= CONF_VALUE_MAX)) {
		if (key_allowed(f, key, idx) == -1)
			return;
	} else if (vlen == 0) {
		conf_err(&f->fr, f->fr.line, "%s: empty value", key->name);
		return;
	} else {
		conf_err(&f->fr, f->fr.line, "%s: value longer than %d bytes",
		    key->name, CONF_VALUE_MAX);
		return;
	}
	if (readers[key->type](f, key, v, vlen) == 0)
		f->cur->set |= KEYBIT(idx);
}

/* A new empty section; reg 0 makes one that is parsed, then dropped. */
static struct section *
new_section(struct reader *f, int reg)
{
	struct config	*cfg = f->cfg;
	struct section	*s, **ns;
	size_t		 cap;

	if (reg && cfg->nsecs == cfg->capsecs) {
		cap = cfg->capsecs ? cfg->capsecs * 2 : 16;
		if ((ns = realloc(cfg->secs, cap * sizeof(*ns))) == NULL) {
			cfg->rep.oom = 1;
			return NULL;
		}
		cfg->secs = ns;
		cfg->capsecs = cap;
	}
	if ((s = arena_alloc(&cfg->arena, sizeof(*s))) == NULL) {
		cfg->rep.oom = 1;
		return NULL;
	}
	memset(s, 0, sizeof(*s));
	s->file = f->fr.file;
	s->line = f->fr.line;
	if (reg)
		cfg->secs[cfg->nsecs++] = s;
	return s;
}

/* "[defaults]": the one section every domain inherits from. */
static void
open_defaults(struct reader *f)
{
	struct section	*s = &f->cfg->defaults;

	if (f->cfg->have_defaults) {
		conf_err(&f->fr, f->fr.line, "second [defaults] section "
		    "(first at %s:%d)", s->file, s->line);
		/* Read on into a section that is dropped. */
		f->cur = new_section(f, 0);
		return;
	}
	memset(s, 0, sizeof(*s));
	s->file = f->fr.file;
	s->line = f->fr.line;
	f->cfg->have_defaults = 1;
	f->cur = s;
}

/* Add the n-byte domain name at p to section s's names. */
static void
add_name(struct reader *f, struct section *s, const char *p, size_t n)
{
	char	 dom[DOMAIN_MAX + 1];
	size_t	 i;
	int	 len;

	if ((len = valid_domain(p, n, dom, sizeof(dom))) < 0) {
		conf_err(&f->fr, f->fr.line, "bad domain name '%.*s'", (int)n,
		    p);
		return;
	}
	for (i = 0; i < s->nnames; i++)
		if (strcmp(s->names[i], dom) == 0) {
			conf_err(&f->fr, f->fr.line, "domain %s listed twice",
			    dom);
			return;
		}
	if ((s->names[s->nnames] = conf_strndup(f, dom, (size_t)len)) != NULL)
		s->nnames++;
}

/* "[domain NAME …]"; p points after "domain". */
static void
open_domain(struct reader *f, char *p)
{
	struct section	*s;
	char		*w;
	size_t		 n, cnt = 0;

	for (w = p; *w != '\0'; w++)
		if (!is_space((unsigned char)*w) &&
		    (w == p || is_space((unsigned char)w[-1])))
			cnt++;
	if ((s = new_section(f, 1)) == NULL)
		return;
	f->cur = s;
	if (cnt == 0) {
		/* names == NULL: never served */
		conf_err(&f->fr, f->fr.line, "[domain] without a name");
		return;
	}
	if ((s->names = arena_alloc(&f->cfg->arena,
	    cnt * sizeof(*s->names))) == NULL) {
		f->cfg->rep.oom = 1;
		f->cur = NULL;
		return;
	}
	while (*p != '\0') {
		while (is_space((unsigned char)*p))
			p++;
		for (n = 0; p[n] != '\0' && !is_space((unsigned char)p[n]);
		    n++)
			;
		if (n == 0)
			break;
		add_name(f, s, p, n);
		p += n;
	}
}

/* "[defaults]" or "[domain NAME …]"; p is inside the brackets. */
static void
parse_header(struct reader *f, char *p)
{
	char	*w;

	section_close(f);
	while (is_space((unsigned char)*p))
		p++;
	for (w = p + strlen(p); w > p && is_space((unsigned char)w[-1]); w--)
		w[-1] = '\0';
	if (strcmp(p, "defaults") == 0)
		open_defaults(f);
	else if (strncmp(p, "domain", 6) == 0 && is_space((unsigned char)p[6]))
		open_domain(f, p + 6);
	else {
		conf_err(&f->fr, f->fr.line, "unknown section [%s] (expected "
		    "[defaults] or [domain NAME …])", p);
		/* Read on into a dropped section: no "outside" cascade. */
		f->cur = new_section(f, 0);
	}
}

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
parse_include(struct reader *f, const char *pat)
{
	glob_t		 g;
	char		*path;
	size_t		 i;
	int		 rc;

	section_close(f);
	if (f->depth + 1 > CONF_DEPTH_MAX) {
		conf_err(&f->fr, f->fr.line, "include: nested deeper than %d",
		    CONF_DEPTH_MAX);
		return;
	}
	if ((path = rel_path(f, pat)) == NULL)
		return;
	rc = glob(path, 0, NULL, &g);
	if (rc == GLOB_NOMATCH) {
		if (!has_glob(path))
			conf_err(&f->fr, f->fr.line, "include: %s: %s", path,
			    strerror(ENOENT));
		return;
	}
	if (rc != 0) {
		conf_err(&f->fr, f->fr.line, "include: %s: cannot expand", path);
		return;
	}
	for (i = 0; i < g.gl_pathc && f->cfg->rep.errors < CONF_ERRORS_MAX; i++) {
		path = conf_strndup(f, g.gl_pathv[i], strlen(g.gl_pathv[i]));
		if (path != NULL)
			parse_file(f->cfg, path, f->depth + 1, f);
	}
	globfree(&g);
}

static void
parse_line(struct reader *f, char *line)
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
			conf_err(&f->fr, f->fr.line, "section header without ']'");
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
		conf_err(&f->fr, f->fr.line, "expected 'key = value'");
		return;
	}
	v = p + 1;
	while (is_space((unsigned char)*v))
		v++;
	if (klen == 7 && strncmp(k, "include", 7) == 0) {
		if (*v == '\0')
			conf_err(&f->fr, f->fr.line, "include: empty value");
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
    const struct reader *up)
{
	const struct reader *a;
	struct reader	*f;
	struct stat	 st;
	FILE		*fp;
	const char	*why;
	char		*line;
	long		 n;

	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (line = malloc(CONF_LINE_MAX)) == NULL) {
		free(f);
		cfg->rep.oom = 1;
		return;
	}
	f->cfg = cfg;
	f->fr.rep = &cfg->rep;
	f->fr.file = file;
	f->depth = depth;
	f->up = up;
	/* Not /dev/zero, a FIFO or a directory: a file. */
	if ((fp = conf_fopen(file, &st, &why)) == NULL) {
		conf_err(&f->fr, 0, "%s", why);
		goto out;
	}
	/* A file that includes itself, directly or not, is read once. */
	for (a = up; a != NULL; a = a->up)
		if (a->dev == st.st_dev && a->ino == st.st_ino) {
			f->fr.file = up->fr.file;
			conf_err(&f->fr, up->fr.line, "include: %s is already being "
			    "read (an include cycle)", file);
			fclose(fp);
			goto out;
		}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	while (cfg->rep.errors < CONF_ERRORS_MAX &&
	    (n = read_line(fp, line)) != -1) {
		f->fr.line++;
		if (n == -2)
			conf_err(&f->fr, f->fr.line, "line longer than %d bytes",
			    CONF_LINE_MAX - 2);
		else if (n == -3)
			conf_err(&f->fr, f->fr.line, "NUL byte in line");
		else
			parse_line(f, line);
	}
	if (ferror(fp))
		conf_err(&f->fr, 0, "read error: %s", strerror(errno));
	section_close(f);
	fclose(fp);
out:
	free(line);
	free(f);
}

/*
 * Read the file at path (and what it includes) into cfg's sections.
 * Errors are counted in cfg->rep.
 */
void
conf_read(struct config *cfg, const char *path)
{
	parse_file(cfg, path, 0, NULL);
}
