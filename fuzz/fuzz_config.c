/*
 * libFuzzer target: a config file.  The input is written to a file and
 * loaded twice: with every answer prepared (FastCGI, -t) and with
 * answers prepared on first use (CGI, -r).  When the first loads, so
 * must the second, and both must give the same answers, byte for byte,
 * for every domain and request kind; then the -t summary and the DNS
 * records are written.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mailautoconf.h"
#include "fuzzutil.h"

static char	 path[64], dir[40];

/* Leave no temporary file or directory behind. */
static void
cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

/* What each domain is asked: pre, then (when post is set) its name, post. */
static const struct {
	const char	*pre, *post;
} asks[] = {
	{ "/mail/config-v1.1.xml", NULL },
	{ "/autodiscover/autodiscover.xml", NULL },
	{ "/autodiscover/autodiscover.json/v1.0/u@",
	    "?Protocol=AutodiscoverV1" },
	{ "/autodiscover/autodiscover.json/v1.0/u@", "?Protocol=ActiveSync" },
	{ "/email.mobileconfig?emailaddress=u%40", "" },
	{ "/.well-known/jmap", NULL },
	{ "/.well-known/caldav", NULL },
	{ "/.well-known/carddav", NULL },
};

/* Request k for domain d to both configs; the answers must agree. */
static void
ask_both(const struct config *cfg, const struct config *lazy,
    const struct domain *d, size_t k)
{
	static struct response r1, r2;
	struct cgi_env	 env;
	struct request	 rq;
	enum status	 st = ST_NONE;
	char		 uri[URI_MAX];

	snprintf(uri, sizeof(uri), "%s%s%s", asks[k].pre,
	    asks[k].post != NULL ? d->name : "",
	    asks[k].post != NULL ? asks[k].post : "");
	memset(&env, 0, sizeof(env));
	env.method = "GET";
	env.request_uri = uri;
	env.http_host = d->name;
	if (req_parse(&env, NULL, 0, &rq, &st) == -1)
		return;
	respond(cfg, &rq, &r1);
	fuzz_check(&r1);
	respond(lazy, &rq, &r2);
	fuzz_check(&r2);
	if (r1.status != r2.status || r1.bodylen != r2.bodylen ||
	    memcmp(r1.body, r2.body, r1.bodylen) != 0 ||
	    (r1.location == NULL) != (r2.location == NULL) ||
	    (r1.location != NULL && strcmp(r1.location, r2.location) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*cfg, *lazy;
	const struct domain *d;
	FILE		*fp;
	size_t		 i, k;

	if (size > 65536)
		return 0;
	/*
	 * A directory of its own: an "include = *" in the input then finds
	 * only the input itself (an include cycle), not whatever else
	 * lies in /tmp.  It is made on /dev/shm where there is one:
	 * rewriting a file in place on ext4 forces a disk write at every
	 * close, and the target then spends most of its time waiting.
	 */
	if (path[0] == '\0') {
		snprintf(dir, sizeof(dir), "/dev/shm/mailautoconf-fuzz-XXXXXX");
		if (mkdtemp(dir) == NULL) {
			snprintf(dir, sizeof(dir),
			    "/tmp/mailautoconf-fuzz-XXXXXX");
			if (mkdtemp(dir) == NULL)
				abort();
		}
		snprintf(path, sizeof(path), "%s/fuzz.conf", dir);
		atexit(cleanup);
	}
	if ((fp = fopen(path, "w")) == NULL)
		return 0;
	fwrite(data, 1, size, fp);
	fclose(fp);
	fuzz_quiet();
	cfg = config_load(path, CONF_VERBOSE);
	lazy = config_load(path, CONF_LAZY);
	if (cfg == NULL) {
		/* Some domains may still answer, from the lazy one. */
		for (i = 0; lazy != NULL && i < config_ndomains(lazy) &&
		    i < 16; i++)
			for (k = 0; k < sizeof(asks) / sizeof(asks[0]); k++)
				ask_both(lazy, lazy, config_domain(lazy, i), k);
		config_free(lazy);
		return 0;
	}
	/* The lazy load checks a subset of what the full one does. */
	if (lazy == NULL)
		abort();
	for (i = 0; i < config_ndomains(cfg) && i < 16; i++) {
		d = config_domain(cfg, i);
		for (k = 0; k < sizeof(asks) / sizeof(asks[0]); k++)
			ask_both(cfg, lazy, d, k);
	}
	if ((fp = fopen("/dev/null", "w")) != NULL) {
		config_summary(cfg, fp);
		dns_zone(cfg, fp, NULL, 0, NULL);
		fclose(fp);
	}
	config_free(cfg);
	config_free(lazy);
	return 0;
}
