/*
 * libFuzzer target: an Outlook Autodiscover POST body, through the
 * guarded parser and the whole answer path (respond() with the sample
 * config), as a request from the internet would take it.  For every
 * body body_scan() accepts, mxml must also give the same result on the
 * whole body as on the part body_scan() hands it: what it leaves out
 * (attributes, markup outside the root, white space at the ends of a
 * text) cannot change an answer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mailautoconf.h"
#include "fuzzutil.h"

static void
same_as_whole(const uint8_t *data, size_t size)
{
	static char	 xml[BODY_MAX + BODY_PAD], whole[BODY_MAX + BODY_PAD];
	struct adreq	 a, b;
	size_t		 n, skip;
	int		 ra, rb;

	if (!body_scan((const char *)data, size, xml, &n))
		return;
	if (n > size)
		abort();
	memset(xml + n, 0, BODY_PAD);
	skip = size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	memcpy(whole, data + skip, size - skip);
	memset(whole + size - skip, 0, BODY_PAD);
	ra = body_parse(xml, &a);
	rb = body_parse(whole, &b);
	if (ra != rb || (ra == 0 && (strcmp(a.email, b.email) != 0 ||
	    a.schema != b.schema))) {
		fprintf(stderr, "body_scan changed the result: %d %s / %d %s\n",
		    ra, a.email, rb, b.email);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct response r;
	struct request	 rq;
	struct adreq	 ad;
	struct addr	 a;

	if (size > BODY_MAX)
		return 0;
	same_as_whole(data, size);
	if (body_autodiscover((const char *)data, size, &ad) == 0)
		(void)valid_addr(ad.email, ad.emaillen, &a);
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
