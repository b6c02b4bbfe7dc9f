/*
 * Preparing answers: each distinct set of settings is rendered once by
 * the emitters (xmlgen.c) into a template whose markers a request fills
 * in (tmpl_expand); identical answers are kept once.  Also the check
 * that every host name still is one once %EMAILDOMAIN% is a domain.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

#define AD_URL_DEFAULT \
	"https://autodiscover.%EMAILDOMAIN%/autodiscover/autodiscover.xml"

/*
 * Record the marker offsets of an answer of n bytes at p into t.  The
 * scan skips eight bytes at a time while none of them is below
 * MARK_LAST + 1 (the "has a byte less than" bit trick).
 */
static int
find_marks(struct prep *pp, struct tmpl *t, const char *p, size_t n)
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
	t->pos = arena_alloc(&pp->arena, (t->npos + 1) * sizeof(*t->pos));
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
intern(struct prep *pp, struct buf *b)
{
	struct tmpl	*t, **nt;
	size_t		 i, j, cap;
	uint32_t	 h;

	if (b->err)
		return NULL;
	if (pp->ntmpls * 2 >= pp->tmask + 1 || pp->tmpls == NULL) {
		cap = pp->tmpls == NULL ? 64 : (pp->tmask + 1) * 2;
		if ((nt = calloc(cap, sizeof(*nt))) == NULL)
			return NULL;
		for (i = 0; pp->tmpls != NULL && i <= pp->tmask; i++) {
			if ((t = pp->tmpls[i]) == NULL)
				continue;
			for (j = t->hash & (cap - 1); nt[j] != NULL;
			    j = (j + 1) & (cap - 1))
				;
			nt[j] = t;
		}
		free(pp->tmpls);
		pp->tmpls = nt;
		pp->tmask = cap - 1;
	}
	h = hash_tmpl(b->p, b->len);
	for (j = h & pp->tmask; (t = pp->tmpls[j]) != NULL;
	    j = (j + 1) & pp->tmask)
		if (t->hash == h && t->len == b->len &&
		    memcmp(t->s, b->p, b->len) == 0)
			return t;
	if ((t = arena_alloc(&pp->arena, sizeof(*t))) == NULL ||
	    (t->s = arena_strndup(&pp->arena, b->p, b->len)) == NULL)
		return NULL;
	t->len = b->len;
	t->hash = h;
	if (find_marks(pp, t, b->p, b->len) == -1)
		return NULL;
	pp->tmpls[j] = t;
	pp->ntmpls++;
	return t;
}

/* Intern the answer in b; NULL on error.  b is emptied for the next. */
static const struct tmpl *
prepared(struct prep *pp, struct frame *f, const struct domain *d,
    struct buf *b)
{
	const struct tmpl *t;

	t = intern(pp, b);
	b->len = 0;
	if (t == NULL) {
		f->rep->oom = 1;
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

/* The redirects: each with a Location that must fit the header block. */
static void
prepare_redirects(struct prep *pp, struct frame *f, const struct domain *d,
    struct buf *b)
{
	static const enum url redir_url[3] = {
		URL_JMAP, URL_CALDAV, URL_CARDDAV
	};
	const struct section *s = d->sec;
	struct answers	*a = d->ans;
	int		 i;

	for (i = 0; i < 3; i++) {
		if (s->url[redir_url[i]] == NULL)
			continue;
		url_expand(b, s->url[redir_url[i]], dom_target(d));
		a->redir[i] = prepared(pp, f, d, b);
		if (a->redir[i] != NULL && tmpl_size(a->redir[i], 0, 0,
		    DOMAIN_MAX) > LOCATION_MAX) {
			f->file = s->file;
			conf_err(f, s->line, "domain %s: redirect URL longer "
			    "than %d bytes", d->name, LOCATION_MAX);
		}
	}
}

/*
 * Where the setup page's form goes: email.mobileconfig beside the
 * page's path (setup_path, else "/"), so that a site that routes only
 * that directory to mailautoconf still reaches the profile.
 */
static void
page_action(const char *path, char *out, size_t size)
{
	size_t	 n = 1;

	if (path != NULL)
		n = (size_t)(strrchr(path, '/') - path) + 1;
	snprintf(out, size, "%.*semail.mobileconfig", (int)n,
	    path != NULL ? path : "/");
}

/*
 * Render d's setup page into d->ans, when its section has one: apart
 * from the other answers, so that a CGI request (a lazily loaded
 * configuration) renders it only when it asks for it.
 */
static void
prepare_page(struct prep *pp, struct frame *f, const struct domain *d)
{
	const struct section *s = d->sec;
	struct buf	 b;
	char		 action[WEBPATH_MAX + 32];

	if (s->page) {
		buf_init(&b);
		page_action(s->page_path, action, sizeof(action));
		html_setup(&b, s, dom_target(d), action);
		d->ans->page = prepared(pp, f, d, &b);
		buf_free(&b);
	}
	d->ans->page_ready = f->rep->errors == 0 && !f->rep->oom;
}

/* Render d's answers into d->ans. */
static void
prepare(struct prep *pp, struct frame *f, const struct domain *d)
{
	const struct section *s = d->sec;
	struct answers	*a = d->ans;
	struct buf	 b;

	buf_init(&b);
	xml_thunderbird(&b, s, dom_target(d), 0);
	a->tb = prepared(pp, f, d, &b);
	if (s->hosted) {
		xml_thunderbird(&b, s, NULL, 1);
		a->tbhost = prepared(pp, f, d, &b);
	}
	xml_outlook(&b, s, dom_target(d), 1);
	a->ol = prepared(pp, f, d, &b);
	xml_outlook(&b, s, dom_target(d), 0);
	a->olget = prepared(pp, f, d, &b);
	json_locator(&b, "AutodiscoverV1", s->url[URL_AUTODISCOVER] != NULL ?
	    s->url[URL_AUTODISCOVER] : AD_URL_DEFAULT, dom_target(d));
	a->jsonad = prepared(pp, f, d, &b);
	xml_mobileconfig(&b, s, dom_target(d));
	a->apple = prepared(pp, f, d, &b);
	prepare_redirects(pp, f, d, &b);
	if (s->url[URL_ACTIVESYNC] != NULL) {
		xml_mobilesync(&b, s, dom_target(d));
		a->eas = prepared(pp, f, d, &b);
		json_locator(&b, "ActiveSync", s->url[URL_ACTIVESYNC],
		    dom_target(d));
		a->jsoneas = prepared(pp, f, d, &b);
	}
	buf_free(&b);
	a->ready = f->rep->errors == 0 && !f->rep->oom;
}

/*
 * The section whose names d's Thunderbird answer lists literally
 * (tb_domains in xmlgen.c), else NULL.
 */
static const struct section *
own_names(const struct domain *d)
{
	return d->sec->nnames > 1 && d->sec->nnames <= DOMLIST_MAX ?
	    d->sec : NULL;
}

/*
 * 1 when domains a and b can share one set of prepared answers: the
 * answers hold the domain's own name only as a marker, so they depend
 * on the alias target, the names listed literally and every key of the
 * table (keys.c) — nothing else.
 */
int
prep_same(const struct domain *a, const struct domain *b)
{
	size_t	 i;

	if (own_names(a) != own_names(b) || !(dom_target(a) == dom_target(b) ||
	    (dom_target(a) != NULL && dom_target(b) != NULL &&
	    strcmp(dom_target(a), dom_target(b)) == 0)))
		return 0;
	for (i = 0; i < conf_nkeys; i++)
		if (!key_same(&conf_keys[i], a->sec, b->sec))
			return 0;
	return 1;
}

/* A hash of what prep_same compares. */
static uint32_t
settings_hash(const struct domain *d)
{
	uint32_t	 h = 2166136261u;
	size_t		 i;

	h ^= (uint32_t)(uintptr_t)own_names(d);
	if (dom_target(d) != NULL)
		h ^= hash_bytes(dom_target(d), strlen(dom_target(d)));
	for (i = 0; i < conf_nkeys; i++)
		h = key_hash(&conf_keys[i], d->sec, h);
	return h;
}

/*
 * Give every domain its answers: its own, empty, set (to be prepared
 * on first use with CONF_LAZY); without CONF_LAZY, domains with the
 * same settings then share one set, rendered once.
 */
void
prep_all(struct config *cfg, struct frame *f)
{
	size_t		 cap = 16, i, j, *seen;
	const struct domain *o;
	struct domain	*d;

	if ((cfg->prep = calloc(1, sizeof(*cfg->prep))) == NULL ||
	    (cfg->ans = calloc(cfg->ndoms + 1, sizeof(*cfg->ans))) == NULL) {
		f->rep->oom = 1;
		return;
	}
	for (i = 0; i < cfg->ndoms; i++)
		cfg->doms[i].ans = &cfg->ans[i];
	if (cfg->lazy)
		return;
	while (cap < cfg->ndoms * 2)
		cap *= 2;
	if ((seen = calloc(cap, sizeof(*seen))) == NULL) {
		f->rep->oom = 1;
		return;
	}
	for (i = 0; i < cfg->ndoms && !f->rep->oom; i++) {
		d = &cfg->doms[i];
		for (j = settings_hash(d) & (cap - 1); seen[j] != 0;
		    j = (j + 1) & (cap - 1)) {
			o = &cfg->doms[seen[j] - 1];
			if (prep_same(d, o))
				break;
		}
		if (seen[j] == 0) {
			f->file = d->sec->file;
			prepare(cfg->prep, f, d);
			prepare_page(cfg->prep, f, d);
			seen[j] = i + 1;
		} else
			d->ans = o->ans;
	}
	free(seen);
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

#define NOT_A_HOST	"domain %s: %s host %.*s is not a host name once " \
			"%%EMAILDOMAIN%% is the domain (253 bytes at most, " \
			"63 in a label)"

/*
 * Whether every host name s's answers carry (the servers', and the host
 * of each URL, the default Autodiscover URL's included) is still one
 * once %EMAILDOMAIN% is dom.  With f, each that is not is reported, as
 * domain name's; without, the first ends the check.  1 when all are.
 */
static int
hosts_fit(const struct section *s, const char *dom, struct frame *f,
    const char *name)
{
	const struct server *v;
	const char	*u;
	unsigned	 p, i;
	size_t		 skip, hl;
	int		 fit = 1;

	for (p = 0; p < PROTO_COUNT; p++)
		for (i = 0; i < s->nsrv[p]; i++) {
			v = &s->srv[p][i];
			if (host_expands(v->host, strlen(v->host), dom))
				continue;
			if (f == NULL)
				return 0;
			fit = 0;
			f->file = v->file;
			conf_err(f, v->line, NOT_A_HOST, name, proto_names[p],
			    (int)strlen(v->host), v->host);
		}
	for (p = 0; p < URL_COUNT; p++) {
		if ((u = s->url[p]) == NULL && p != URL_AUTODISCOVER)
			continue;
		if (u == NULL)
			u = AD_URL_DEFAULT;
		skip = strncmp(u, "https://", 8) == 0 ? 8 : 7;
		hl = strcspn(u + skip, ":/?#");
		if (host_expands(u + skip, hl, dom))
			continue;
		if (f == NULL)
			return 0;
		fit = 0;
		f->file = s->file;
		conf_err(f, s->line, NOT_A_HOST, name, s->url[p] != NULL ?
		    key_of(K_URL, (int)p)->name : "the default autodiscover_url",
		    (int)hl, u + skip);
	}
	return fit;
}
#undef NOT_A_HOST

/*
 * Every host name d's answers carry must still be one once %EMAILDOMAIN%
 * is d's domain: an error at the server's line, or the section's for a
 * URL.
 */
void
prep_check_hosts(struct frame *f, const struct domain *d)
{
	hosts_fit(d->sec, dom_target(d) != NULL ? dom_target(d) : d->name, f,
	    d->name);
}

/*
 * 1 when every host name s's answers carry is one with dom (a hosted
 * address's domain, NUL-terminated) for %EMAILDOMAIN%.
 */
int
config_hosts_fit(const struct section *s, const char *dom)
{
	return hosts_fit(s, dom, NULL, NULL);
}

/*
 * The size of t expanded with an address of addrlen escaped bytes, a
 * local part of locallen and a domain of domlen.
 */
size_t
tmpl_size(const struct tmpl *t, size_t addrlen, size_t locallen,
    size_t domlen)
{
	return t->len - t->npos + t->n[0] * addrlen + t->n[1] * locallen +
	    t->n[2] * domlen + (t->n[3] + t->n[4] + t->n[5] + t->n[6]) *
	    UUID_LEN;
}

/*
 * Append t to b with its markers replaced: the address a (may be NULL
 * when t has no address or UUID markers) escaped, the domain dom as is
 * (a validated LDH name), UUIDs named after the address.  The address
 * is escaped once, at its first marker: its local part escaped is a
 * prefix of it escaped.  Returns 0, or -1 when b overflowed.
 */
int
tmpl_expand(struct buf *b, const struct tmpl *t, const struct addr *a,
    const char *dom, size_t domlen)
{
	static const char *const uuid_kind[4] = {
		"profile", "mail", "caldav", "carddav"
	};
	char		 uuid[UUID_LEN + 1], escbuf[EMAIL_MAX * 6];
	struct buf	 esc;
	size_t		 at = 0, esclocal = 0;
	unsigned	 i, pos;
	int		 m;

	esc.len = 0;
	for (i = 0; i < t->npos; i++) {
		pos = t->pos[i];
		buf_add(b, t->s + at, pos - at);
		m = t->s[pos];
		if (m == MARK_DOMAIN)
			buf_add(b, dom, domlen);
		else if (a == NULL)
			b->err = 1;
		else if (m == MARK_ADDR || m == MARK_LOCAL) {
			if (esc.len == 0) {
				buf_fixed(&esc, escbuf, sizeof(escbuf));
				buf_xml(&esc, a->full, a->locallen);
				esclocal = esc.len;
				buf_xml(&esc, a->full + a->locallen,
				    a->fulllen - a->locallen);
			}
			buf_add(b, escbuf, m == MARK_ADDR ? esc.len : esclocal);
		} else {
			uuid_name(uuid_kind[m - MARK_UUID_PROFILE], a->full,
			    a->fulllen, uuid);
			buf_add(b, uuid, UUID_LEN);
		}
		at = pos + 1;
	}
	buf_add(b, t->s + at, t->len - at);
	return b->err ? -1 : 0;
}

/*
 * Run fn for d, once, in a config loaded with CONF_LAZY (what this
 * writes, d->ans and cfg->prep, is reached through pointers that are not
 * const); already done otherwise.  *ready says whether it succeeded.  An
 * error (an answer too long, no memory) is reported as at load time.
 * Returns 0, or -1 when d cannot answer.
 */
static int
prepare_lazily(const struct config *cfg, const struct domain *d,
    void (*fn)(struct prep *, struct frame *, const struct domain *),
    const int *ready)
{
	struct report	 rep;
	struct frame	 fr;

	if (*ready)
		return 0;
	if (!cfg->lazy)
		return -1;
	memset(&rep, 0, sizeof(rep));
	fr.rep = &rep;
	fr.file = d->sec->file;
	fr.line = 0;
	fn(cfg->prep, &fr, d);
	return *ready ? 0 : -1;
}

/* Make sure d's answers are prepared (prepare_lazily). */
int
config_ready(const struct config *cfg, const struct domain *d)
{
	return prepare_lazily(cfg, d, prepare, &d->ans->ready);
}

/*
 * config_ready for d's setup page (NULL in d->ans when it has none).
 * Returns 0, or -1 when it cannot be prepared.
 */
int
config_page_ready(const struct config *cfg, const struct domain *d)
{
	return prepare_lazily(cfg, d, prepare_page, &d->ans->page_ready);
}

/* Free what prep_all allocated besides the answers' arena. */
void
prep_free(struct prep *pp)
{
	if (pp == NULL)
		return;
	free(pp->tmpls);
	arena_free(pp->arena);
	free(pp);
}
