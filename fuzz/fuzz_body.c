/*
 * libFuzzer target: an Outlook Autodiscover POST body, through the
 * guarded parser and the whole answer path (respond() with the sample
 * config), as a request from the internet would take it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mailautoconf.h"
#include "fuzzutil.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct response r;
	struct request	 rq;
	struct adreq	 ad;
	struct addr	 a;

	if (size > BODY_MAX)
		return 0;
	if (body_autodiscover((const char *)data, size, &ad) == 0)
		(void)req_addr(ad.email, ad.emaillen, &a);
	memset(&rq, 0, sizeof(rq));
	rq.method = M_POST;
	memcpy(rq.path, "/autodiscover/autodiscover.xml", 31);
	rq.pathlen = 30;
	rq.body = (const char *)data;
	rq.bodylen = size;
	rq.now = 0;
	respond(fuzz_config(), &rq, &r);
	fuzz_check(&r);
	return 0;
}
