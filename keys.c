/*
 * The key table: every configuration key, its type, where it may
 * stand and where its value lives in struct section.  Reading the file
 * (confread.c), inheriting from [defaults] (config.c) and deciding
 * which domains can share prepared answers (prepare.c) all walk this
 * table, so a new key is one row here, one field in struct section and
 * its lines in mailautoconf.conf(5).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "conf.h"

#define ANY	(IN_DEFAULTS | IN_DOMAIN)
#define AT(f)	offsetof(struct section, f)
#define KEY(n, t, w, f) .name = (n), .type = (t), .where = (w), .off = AT(f)
#define SIGNING	1	/* the sign_* keys: inherited all or none */

const struct key conf_keys[] = {
	{ KEY("display_name", K_TEXT, ANY, display_name) },
	{ KEY("short_name", K_TEXT, ANY, short_name) },
	{ KEY("username", K_USER, ANY, username), .dflt = "%EMAILADDRESS%" },
	{ KEY("imap", K_SERVER, ANY, srv[P_IMAP]), .arg = P_IMAP },
	{ KEY("pop3", K_SERVER, ANY, srv[P_POP3]), .arg = P_POP3 },
	{ KEY("smtp", K_SERVER, ANY, srv[P_SMTP]), .arg = P_SMTP },
	{ KEY("alternatives", K_BOOL, ANY, alternatives) },
	{ KEY("leave_messages_on_server", K_BOOL, ANY, leave_on_server) },
	{ KEY("ttl", K_UINT, ANY, ttl), .min = 1, .max = TTL_MAX,
	    .unit = "hours" },
	{ KEY("alias", K_ALIAS, IN_DOMAIN, alias) },
	{ KEY("hosted", K_BOOL, IN_DOMAIN, hosted) },
	{ KEY("autodiscover_url", K_URL, ANY, url[URL_AUTODISCOVER]) },
	{ KEY("activesync_url", K_URL, ANY, url[URL_ACTIVESYNC]) },
	{ KEY("jmap_url", K_URL, ANY, url[URL_JMAP]) },
	{ KEY("caldav_url", K_URL, ANY, url[URL_CALDAV]) },
	{ KEY("carddav_url", K_URL, ANY, url[URL_CARDDAV]) },
	{ KEY("documentation_url", K_URL, ANY, url[URL_DOCUMENTATION]) },
	{ KEY("documentation_text", K_TEXT, ANY, doc_text) },
	{ KEY("webmail_url", K_URL, ANY, url[URL_WEBMAIL]) },
	{ KEY("setup_page", K_BOOL, ANY, page), .dflt = "yes" },
	{ KEY("setup_path", K_WEBPATH, IN_DEFAULTS, page_path) },
	{ KEY("sign_certificate", K_PATH, ANY, sign_path[0]), .group = SIGNING },
	{ KEY("sign_key", K_PATH, ANY, sign_path[1]), .group = SIGNING },
	{ KEY("sign_chain", K_PATH, ANY, sign_path[2]), .group = SIGNING },
};
const size_t conf_nkeys = sizeof(conf_keys) / sizeof(conf_keys[0]);

/* The row named by the klen bytes at k, its index in *idx; or NULL. */
const struct key *
key_find(const char *k, size_t klen, size_t *idx)
{
	size_t	 i;

	for (i = 0; i < conf_nkeys; i++)
		if (strlen(conf_keys[i].name) == klen &&
		    memcmp(conf_keys[i].name, k, klen) == 0) {
			*idx = i;
			return &conf_keys[i];
		}
	return NULL;
}

/* The first row of type t (and, for servers and URLs, of field arg). */
const struct key *
key_of(enum ktype t, int arg)
{
	size_t	 i;

	for (i = 0; i < conf_nkeys; i++)
		if (conf_keys[i].type == t && (t != K_SERVER ||
		    conf_keys[i].arg == arg) && (t != K_URL ||
		    conf_keys[i].off == offsetof(struct section, url) +
		    (size_t)arg * sizeof(const char *)))
			return &conf_keys[i];
	return NULL;
}

/* 1 when s has k set (given there, or inherited). */
int
key_is_set(const struct key *k, const struct section *s)
{
	return (s->set & KEYBIT(k - conf_keys)) != 0;
}

/* Where k's value lives in s (the field of its row). */
void *
key_field(const struct key *k, struct section *s)
{
	return (char *)s + k->off;
}

static const void *
key_cfield(const struct key *k, const struct section *s)
{
	return (const char *)s + k->off;
}

#define FIELD(s, k, type)	(*(type *)key_field((k), (s)))
#define CFIELD(s, k, type)	(*(const type *)key_cfield((k), (s)))
#define CSTRING(s, k)		(*(const char *const *)key_cfield((k), (s)))

/* Copy k's value from src to dst (inheriting it). */
void
key_copy(const struct key *k, struct section *dst, const struct section *src)
{
	switch (k->type) {
	case K_SERVER:
		dst->srv[k->arg] = src->srv[k->arg];
		dst->nsrv[k->arg] = src->nsrv[k->arg];
		break;
	case K_BOOL:
		FIELD(dst, k, int) = CFIELD(src, k, int);
		break;
	case K_UINT:
		FIELD(dst, k, unsigned) = CFIELD(src, k, unsigned);
		break;
	default:
		FIELD(dst, k, const char *) = CSTRING(src, k);
		break;
	}
}

/* 1 if lists a and b of n servers hold the same settings. */
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

/* 1 if sections a and b hold the same value for k. */
int
key_same(const struct key *k, const struct section *a,
    const struct section *b)
{
	const char	*x, *y;
	unsigned	 n;

	switch (k->type) {
	case K_SERVER:
		n = a->nsrv[k->arg];
		return n == b->nsrv[k->arg] && (a->srv[k->arg] ==
		    b->srv[k->arg] || srv_same(a->srv[k->arg],
		    b->srv[k->arg], n));
	case K_BOOL:
		return CFIELD(a, k, int) == CFIELD(b, k, int);
	case K_UINT:
		return CFIELD(a, k, unsigned) == CFIELD(b, k, unsigned);
	default:
		x = CSTRING(a, k);
		y = CSTRING(b, k);
		return x == y || (x != NULL && y != NULL && strcmp(x, y) == 0);
	}
}

/* Mix k's value in s into the hash h (equal values, equal hashes). */
uint32_t
key_hash(const struct key *k, const struct section *s, uint32_t h)
{
	const struct server *sv;
	const char	*x;
	unsigned	 i;

	switch (k->type) {
	case K_SERVER:
		sv = s->srv[k->arg];
		for (i = 0; i < s->nsrv[k->arg]; i++, sv++) {
			h ^= hash_bytes(sv->host, strlen(sv->host));
			h = (h ^ (sv->port << 8 ^ (unsigned)sv->sock << 4 ^
			    sv->nauth)) * 16777619u;
			h ^= hash_bytes((const char *)sv->auth, sv->nauth);
		}
		return h * 16777619u;
	case K_BOOL:
		return (h ^ (unsigned)CFIELD(s, k, int)) * 16777619u;
	case K_UINT:
		return (h ^ CFIELD(s, k, unsigned)) * 16777619u;
	default:
		x = CSTRING(s, k);
		return (h ^ (x != NULL ? hash_bytes(x, strlen(x)) : 0)) *
		    16777619u;
	}
}
