/*
 * libFuzzer target: a config file.  The input is written to a file and
 * loaded; a config that loads is then asked for every domain's answers
 * and its -t summary and DNS records.
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct response r;
	struct config	*cfg;
	struct request	 rq;
	const struct domain *d;
	FILE		*fp;
	size_t		 i;

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
	if ((cfg = config_load(path, 1)) == NULL)
		return 0;
	memset(&rq, 0, sizeof(rq));
	rq.method = M_GET;
	memcpy(rq.path, "/mail/config-v1.1.xml", 22);
	rq.pathlen = 21;
	for (i = 0; i < config_ndomains(cfg) && i < 16; i++) {
		d = config_domain(cfg, i);
		memcpy(rq.host, d->name, d->namelen + 1);
		respond(cfg, &rq, &r);
		fuzz_check(&r);
	}
	if ((fp = fopen("/dev/null", "w")) != NULL) {
		config_summary(cfg, fp);
		dns_zone(cfg, fp, NULL, 0);
		fclose(fp);
	}
	config_free(cfg);
	return 0;
}
