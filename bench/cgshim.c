/*
 * cgshim: preloaded (LD_PRELOAD) into a FastCGI responder that runs
 * under valgrind --tool=callgrind --instr-atstart=no, it marks request
 * boundaries for callgrind without touching the responder's code.
 *
 * It counts the calls of FCGX_Accept_r.  At call CGSHIM_START it starts
 * callgrind's instrumentation and zeroes its counters; then at every
 * CGSHIM_EVERY-th call after that it dumps them.  Dump N (the file
 * named by --callgrind-out-file, with ".N" appended) thus holds exactly
 * CGSHIM_EVERY whole request cycles (accept, read, answer, finish, wait
 * for the next one): nothing of the start-up or the config load, which
 * also run uninstrumented and so several times faster.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcgiapp.h>
#include <stdlib.h>

#include <valgrind/callgrind.h>

int	FCGX_Accept_r(FCGX_Request *);

static int	(*real_accept)(FCGX_Request *);
static long	 calls, start = -1, every;

static long
envnum(const char *name)
{
	const char	*s = getenv(name);

	return s != NULL ? strtol(s, NULL, 10) : -1;
}

int
FCGX_Accept_r(FCGX_Request *req)
{
	if (real_accept == NULL) {
		*(void **)&real_accept = dlsym(RTLD_NEXT, "FCGX_Accept_r");
		if (real_accept == NULL)
			abort();
		start = envnum("CGSHIM_START");
		every = envnum("CGSHIM_EVERY");
	}
	calls++;
	if (calls == start) {
		CALLGRIND_START_INSTRUMENTATION;
		CALLGRIND_ZERO_STATS;
	} else if (start > 0 && every > 0 && calls > start &&
	    (calls - start) % every == 0)
		CALLGRIND_DUMP_STATS;
	return real_accept(req);
}
