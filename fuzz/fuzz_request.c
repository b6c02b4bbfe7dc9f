/*
 * libFuzzer target: the request line as the CGI variables carry it.
 * The input is split on newlines into REQUEST_METHOD, REQUEST_URI,
 * QUERY_STRING and HTTP_HOST, then parsed and answered with the sample
 * config: path decoding, query parsing, address and host validation,
 * routing and every GET handler.
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
	char		*copy, *field[4] = { NULL, NULL, NULL, NULL }, *p;
	struct cgi_env	 env;
	struct request	 rq;
	enum status	 st;
	int		 i;

	if (size > URI_MAX * 2 || (copy = malloc(size + 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (i = 0, p = copy; i < 4 && p != NULL; i++) {
		field[i] = p;
		if ((p = strchr(p, '\n')) != NULL)
			*p++ = '\0';
	}
	memset(&env, 0, sizeof(env));
	env.method = field[0];
	env.request_uri = field[1];
	env.query_string = field[2];
	env.http_host = field[3];
	if (req_parse(&env, NULL, 0, &rq, &st) == 0) {
		respond(fuzz_config(), &rq, &r);
		fuzz_check(&r);
	}
	free(copy);
	return 0;
}
