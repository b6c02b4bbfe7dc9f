/*
 * The model of a loaded configuration: sections with [defaults]
 * applied, their checks, aliases resolved to their targets, and the
 * domain table with its lookup.  Built once by config_load (load.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

/* The port a client assumes STARTTLS on (Thunderbird, Delta Chat). */
static const unsigned starttls_port[PROTO_COUNT] = {
	[P_IMAP] = 143,
	[P_POP3] = 110,
	[P_SMTP] = 587,
};

/*
 * Give s every key it did not set from [defaults] d; a group of keys
 * (the sign_* files) comes whole or not at all.  Then the defaults of
 * the key table for what is still unset.
 */
static void
apply_defaults(const struct section *d, struct section *s)
{
	unsigned long	 groups = 0;
	const struct key *k;
	const char	**v;
	size_t		 i;

	for (i = 0; i < conf_nkeys; i++)
		if (conf_keys[i].group != 0 && key_is_set(&conf_keys[i], s))
			groups |= 1ul << conf_keys[i].group;
	for (i = 0; d != NULL && i < conf_nkeys; i++) {
		k = &conf_keys[i];
		if (key_is_set(k, s) || !key_is_set(k, d) ||
		    (groups & (1ul << k->group)))
			continue;
		key_copy(k, s, d);
	}
	for (i = 0; i < conf_nkeys; i++) {
		k = &conf_keys[i];
		if (k->dflt == NULL || key_is_set(k, s) ||
		    (d != NULL && key_is_set(k, d)))
			continue;
		if (k->type == K_BOOL)
			valid_bool(k->dflt, key_field(k, s));
		else {
			v = key_field(k, s);
			*v = k->dflt;
		}
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
	const struct key *k = key_of(K_SERVER, p);

	if (!key_is_set(k, s) && cfg->have_defaults)
		src = &cfg->defaults;
	return key_is_set(k, src) && src->nsrv[p] == 0 &&
	    !(src->none & (1u << p));
}

/*
 * A hoster's answers name its own hosts: %EMAILDOMAIN% there is the
 * customer's domain, which has no such host (nor a certificate for it).
 */
static void
check_hosted(struct frame *f, const struct section *s)
{
	const char	*ad = s->url[URL_AUTODISCOVER];
	unsigned	 i;
	int		 p;

	for (p = 0; p < PROTO_COUNT; p++)
		for (i = 0; i < s->nsrv[p]; i++)
			if (strstr(s->srv[p][i].host, "%EMAILDOMAIN%") != NULL) {
				f->file = s->srv[p][i].file;
				conf_warn(f, s->srv[p][i].line, "%s: hosted: "
				    "%%EMAILDOMAIN%% is each customer's domain: "
				    "a customer needs this host and its "
				    "certificate", proto_names[p]);
			}
	if (ad == NULL || strstr(ad, "%EMAILDOMAIN%") != NULL) {
		f->file = s->file;
		conf_warn(f, s->line, "hosted: autodiscover_url %s "
		    "%%EMAILDOMAIN%%: autodiscover.json sends a customer's "
		    "client to autodiscover.CUSTOMER; give the hoster's own "
		    "URL", ad == NULL ? "is not set, its default uses" :
		    "uses");
	}
}

static void
check_section(const struct config *cfg, struct frame *f,
    const struct section *s)
{
	const struct server *sv;
	unsigned	 i;
	int		 p;

	f->file = s->file;
	if (s->nsrv[P_IMAP] + s->nsrv[P_POP3] == 0 &&
	    !srv_refused(cfg, s, P_IMAP) && !srv_refused(cfg, s, P_POP3))
		conf_err(f, s->line, "domain %s: no imap or pop3 server "
		    "(clients refuse a configuration without one)",
		    s->names[0]);
	if (s->nsrv[P_SMTP] == 0 && !srv_refused(cfg, s, P_SMTP))
		conf_err(f, s->line, "domain %s: no smtp server (clients "
		    "refuse a configuration without one)", s->names[0]);
	if (s->hosted)
		check_hosted(f, s);
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
add_domain(struct config *cfg, const char *name, const struct section *s)
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
	return 0;
}

/*
 * Insert every domain into the hash table, reporting duplicates at the
 * later section.  Returns -1 on allocation failure.
 */
static int
build_table(struct config *cfg)
{
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
 * The domain that answers for other domains under the n-byte name: a
 * configured domain whose section says hosted (an alias stands for its
 * target).  NULL when there is none.
 */
const struct domain *
config_hoster(const struct config *cfg, const char *name, size_t n)
{
	const struct domain *d;

	if ((d = config_lookup(cfg, name, n)) == NULL || !d->sec->hosted)
		return NULL;
	return d->of != NULL ? d->of : d;
}

/* The setup page's path besides "/" (setup_path), or NULL. */
const char *
config_page_path(const struct config *cfg)
{
	return cfg->defaults.page_path;
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
		if (dom_target(d) != NULL) {
			buf_puts(&b, " alias of ");
			buf_puts(&b, dom_target(d));
			buf_putc(&b, ';');
		}
		if (d->sec->hosted)
			buf_puts(&b, " hosts other domains;");
		for (p = 0; p < PROTO_COUNT; p++) {
			n = xml_pick(d->sec, (enum proto)p, pick,
			    SERVERS_MAX);
			for (j = 0; j < n; j++) {
				buf_putc(&b, ' ');
				buf_puts(&b, proto_names[p]);
				buf_putc(&b, ' ');
				buf_puts(&b, str_expand(pick[j]->host,
				    dom_target(d) != NULL ? dom_target(d) : d->name,
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

/*
 * Report each name listed a second time, at the later section: the
 * table slot of a duplicate holds the earlier one.
 */
static void
find_duplicates(struct config *cfg, struct frame *f)
{
	const struct domain *t, *d;
	size_t		 i;

	for (i = 0; i < cfg->ndoms; i++) {
		d = &cfg->doms[i];
		if ((t = config_lookup(cfg, d->name, d->namelen)) == d)
			continue;
		f->file = d->sec->file;
		conf_err(f, d->sec->line, "duplicate domain %s (first at "
		    "%s:%d)", d->name, t->sec->file, t->sec->line);
	}
}

/* Give each alias its target's section. */
static void
resolve_aliases(struct config *cfg, struct frame *f)
{
	const struct section *s;
	const struct domain *t;
	size_t		 i;

	for (i = 0; i < cfg->ndoms; i++) {
		s = cfg->doms[i].sec;
		if (s->alias == NULL)
			continue;
		t = config_lookup(cfg, s->alias, strlen(s->alias));
		f->file = s->file;
		if (t == NULL)
			conf_err(f, s->alias_line, "alias: %s is not a "
			    "configured domain", s->alias);
		else if (t->sec->alias != NULL || t->of != NULL)
			/* t->of: t was an alias resolved earlier. */
			conf_err(f, s->alias_line, "alias: %s is itself an "
			    "alias", s->alias);
		else {
			cfg->doms[i].sec = t->sec;
			cfg->doms[i].of = t;
		}
	}
}

/*
 * After every file was read: apply [defaults], check each section,
 * build the domain table, report duplicates, resolve aliases.  Errors
 * go to f's report.
 */
void
model_build(struct config *cfg, struct frame *f)
{
	struct section	*s;
	size_t		 i, j;

	for (i = 0; i < cfg->nsecs; i++) {
		s = cfg->secs[i];
		if (s->names == NULL || s->alias != NULL)
			continue;
		apply_defaults(cfg->have_defaults ? &cfg->defaults : NULL, s);
		if (s->nnames > 0)
			check_section(cfg, f, s);
	}
	for (i = 0; i < cfg->nsecs; i++) {
		s = cfg->secs[i];
		for (j = 0; s->names != NULL && j < s->nnames; j++)
			if (add_domain(cfg, s->names[j], s) == -1) {
				cfg->rep.oom = 1;
				return;
			}
	}
	if (build_table(cfg) == -1) {
		cfg->rep.oom = 1;
		return;
	}
	find_duplicates(cfg, f);
	resolve_aliases(cfg, f);
}
