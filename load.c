/*
 * config_load: the one place that runs every stage of loading a
 * configuration, in order: read the files (confread.c), build the
 * model (config.c), check the host names per domain and load the
 * signers, prepare the answers (prepare.c).  And config_free.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

/*
 * Load the signing certificate and key a section names; errors at the
 * section's sign_* line.
 */
static struct signer *
make_signer(struct config *cfg, struct frame *f, const struct section *s)
{
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
		cfg->rep.oom = 1;
		return NULL;
	}
	cfg->signers = ns;
	cfg->signers[cfg->nsigners++] = sg;
	return sg;
}

/* One signer for [defaults], shared by every section inheriting it. */
static void
load_signers(struct config *cfg, struct frame *f)
{
	const struct section *d = &cfg->defaults;
	struct signer	*dsig = NULL;
	struct section	*s;
	size_t		 i;

	if (cfg->have_defaults && d->sign_line != 0)
		dsig = make_signer(cfg, f, d);
	for (i = 0; i < cfg->nsecs; i++) {
		s = cfg->secs[i];
		if (s->names == NULL || s->alias != NULL ||
		    (s->sign_path[0] == NULL && s->sign_path[1] == NULL))
			continue;
		if (cfg->have_defaults && s->sign_line == 0)
			s->signer = dsig;
		else
			s->signer = make_signer(cfg, f, s);
	}
}

/* Every stage after the reading; errors counted in cfg->rep. */
static void
finish(struct config *cfg, const char *file)
{
	struct frame	 fr;
	size_t		 i;

	fr.rep = &cfg->rep;
	fr.file = file;
	fr.line = 0;
	if (cfg->nsecs == 0 && cfg->rep.errors == 0)
		conf_err(&fr, 0, "no [domain …] section");
	model_build(cfg, &fr);
	if (cfg->rep.oom)
		return;
	for (i = 0; i < cfg->ndoms && cfg->rep.errors < CONF_ERRORS_MAX; i++)
		prep_check_hosts(&fr, &cfg->doms[i]);
	load_signers(cfg, &fr);
	if (cfg->rep.errors == 0)
		prep_all(cfg, &fr);
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

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return NULL;
	cfg->rep.verbose = (flags & CONF_VERBOSE) != 0;
	cfg->lazy = (flags & CONF_LAZY) != 0;
	if ((file = arena_strndup(&cfg->arena, path, strlen(path))) == NULL) {
		free(cfg);
		return NULL;
	}
	conf_read(cfg, file);
	if (!cfg->rep.oom)
		finish(cfg, file);
	if (cfg->rep.oom)
		fprintf(stderr, "%s: out of memory\n", path);
	if (cfg->rep.errors > 0 || cfg->rep.oom) {
		if (cfg->rep.errors > 0)
			fprintf(stderr, "%s: %d error%s\n", path,
			    cfg->rep.errors, cfg->rep.errors == 1 ? "" : "s");
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->secs);
	free(cfg->doms);
	free(cfg->ans);
	free(cfg->hash);
	prep_free(cfg->prep);
	while (cfg->nsigners > 0)
		sign_free(cfg->signers[--cfg->nsigners]);
	free(cfg->signers);
	arena_free(cfg->arena);
	free(cfg);
}
