/*
 * Shared by the fuzz targets: the sample config, loaded once, and the
 * invariants every answer must keep.
 */
#ifndef FUZZUTIL_H
#define FUZZUTIL_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#ifndef FUZZ_CONF
#define FUZZ_CONF "etc/mailautoconf.conf"
#endif

/*
 * Send the config parser's FILE:LINE messages nowhere.  Only the stdio
 * stream moves: sanitizer reports still reach fd 2.
 */
static inline void
fuzz_quiet(void)
{
	static FILE	*devnull;

	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) != NULL)
		stderr = devnull;
}

static inline const struct config *
fuzz_config(void)
{
	static struct config *cfg;
	const char	*path;

	if (cfg == NULL) {
		body_init();
		path = getenv("MAILAUTOCONF_CONF");
		if ((cfg = config_load(path != NULL ? path : FUZZ_CONF,
		    0)) == NULL)
			abort();
		fuzz_quiet();
	}
	return cfg;
}

/* An answer's status and length are sane and its header fits. */
static inline void
fuzz_check(const struct response *r)
{
	char	 head[RESP_HEAD_MAX];

	if (r->status <= ST_NONE || r->status >= STATUS_MAX ||
	    r->bodylen > RESP_BODY_MAX || r->body == NULL ||
	    resp_head(r, head, sizeof(head)) == 0)
		abort();
	if (r->location != NULL && strpbrk(r->location, "\r\n") != NULL)
		abort();
}

#endif /* FUZZUTIL_H */
