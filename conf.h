/*
 * conf.h: what the configuration stages share, and only they.  The
 * stages and their files, calls running one way (top to bottom):
 *
 *   load.c      config_load: read, build the model, load signers, prepare
 *   confread.c  reading the file: lines, sections, values, includes
 *   config.c    the model: defaults, checks, aliases, the domain table
 *   prepare.c   answers prepared once per distinct settings
 *   keys.c      the key table every stage reads
 *   confbase.c  the arena, errors as FILE:LINE, opening files
 *
 * The rest of the program sees struct config only through the
 * config_* functions of mailautoconf.h.
 */
#ifndef CONF_H
#define CONF_H

#include <stdarg.h>
#include <stdint.h>

#include "mailautoconf.h"

/* ---- confbase.c ---- */

/* Chunks of memory freed all at once. */
struct chunk {
	struct chunk	*next;
	size_t		 used;
	size_t		 size;
	char		 data[];
};

void	*arena_alloc(struct chunk **, size_t);
char	*arena_strndup(struct chunk **, const char *, size_t);
void	 arena_free(struct chunk *);

/* What went wrong so far while loading or preparing. */
struct report {
	int	 errors;	/* reported; reading stops at CONF_ERRORS_MAX */
	int	 oom;		/* an allocation failed */
	int	 verbose;	/* print warnings too */
};

/* Where a message points: the report it counts in and FILE:LINE. */
struct frame {
	struct report	*rep;
	const char	*file;
	int		 line;
};

void	 conf_err(struct frame *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	 conf_warn(struct frame *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
uint32_t hash_bytes(const char *, size_t);

/* ---- keys.c: the key table ---- */

/* How a key's value is read, and what it is in struct section. */
enum ktype {
	K_TEXT,		/* UTF-8 text: const char * */
	K_USER,		/* username template: const char * */
	K_URL,		/* http(s) URL: const char * */
	K_PATH,		/* file name, relative to the file: const char * */
	K_WEBPATH,	/* an absolute URL path: const char * */
	K_ALIAS,	/* another domain's name: const char * */
	K_BOOL,		/* yes or no: int */
	K_UINT,		/* a number in [min, max]: unsigned */
	K_SERVER,	/* HOST PORT SOCKET [AUTH…]: srv[arg], nsrv[arg] */
	KTYPE_COUNT
};

/* Sections a key may stand in. */
#define IN_DEFAULTS	0x1	/* [defaults]: every domain inherits it */
#define IN_DOMAIN	0x2	/* [domain …] */

struct key {
	const char	*name;
	enum ktype	 type;
	unsigned	 where;		/* IN_* */
	size_t		 off;		/* offsetof(struct section, field) */
	int		 arg;		/* K_SERVER: the protocol */
	unsigned	 min, max;	/* K_UINT: the range */
	int		 group;		/* inherited together (0: alone) */
	const char	*dflt;		/* a text value when none is given */
	const char	*unit;		/* K_UINT: what the number counts */
};

extern const struct key conf_keys[];
extern const size_t conf_nkeys;

#define KEYBIT(k)	(1ul << (k))

const struct key *key_find(const char *, size_t, size_t *);
void	*key_field(const struct key *, struct section *);
void	 key_copy(const struct key *, struct section *,
	    const struct section *);
int	 key_same(const struct key *, const struct section *,
	    const struct section *);
uint32_t key_hash(const struct key *, const struct section *, uint32_t);
int	 key_is_set(const struct key *, const struct section *);
const struct key *key_of(enum ktype, int);

/* ---- the loaded config ---- */

/*
 * What preparing answers writes: their bytes and the table that keeps
 * one copy of each.  The only part of a config written after
 * config_load returns, and only with CONF_LAZY (config_ready).
 */
struct prep {
	struct chunk	 *arena;
	struct tmpl	**tmpls;	/* interned answers, by hash */
	size_t		  tmask, ntmpls;
};

struct config {
	struct chunk	 *arena;	/* sections, names, values */
	struct section	  defaults;
	int		  have_defaults;
	struct section	**secs;
	size_t		  nsecs, capsecs;
	struct domain	 *doms;
	size_t		  ndoms, capdoms;
	struct answers	 *ans;		/* one per domain; shared ones unused */
	uint32_t	 *hash;		/* index + 1 into doms; 0: empty */
	size_t		  hmask;
	struct signer	**signers;
	size_t		  nsigners;
	struct prep	 *prep;		/* written by config_ready */
	struct report	  rep;
	int		  lazy;		/* CONF_LAZY */
};

/* ---- confread.c ---- */

void	 conf_read(struct config *, const char *);

/* ---- config.c: the model ---- */

void	 model_build(struct config *, struct frame *);

/* ---- prepare.c ---- */

void	 prep_check_hosts(struct frame *, const struct domain *);
void	 prep_all(struct config *, struct frame *);
int	 prep_same(const struct domain *, const struct domain *);
void	 prep_free(struct prep *);

#endif /* CONF_H */
