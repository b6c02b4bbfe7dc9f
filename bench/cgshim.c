/*
 * cgshim: preloaded (LD_PRELOAD) into a FastCGI responder that runs
 * under valgrind --tool=callgrind --instr-atstart=no, it marks request
 * boundaries for callgrind without touching the responder's code.
 *
 * It counts the calls of FCGX_Accept_r that return a request (a
 * responder may also call it when no connection waits, and get an
 * error).  After success number CGSHIM_START it starts callgrind's
 * instrumentation and zeroes its counters; then after every
 * CGSHIM_EVERY-th success after that it dumps them.  Dump N (the file
 * named by --callgrind-out-file, with ".N" appended) thus holds exactly
 * CGSHIM_EVERY whole request cycles (read, answer, finish, wait for the
 * next connection, accept it): nothing of the start-up or the config
 * load, which also run uninstrumented and so several times faster.
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
	int	 rc;

	if (real_accept == NULL) {
		*(void **)&real_accept = dlsym(RTLD_NEXT, "FCGX_Accept_r");
		if (real_accept == NULL)
			abort();
		start = envnum("CGSHIM_START");
		every = envnum("CGSHIM_EVERY");
	}
	if ((rc = real_accept(req)) < 0)
		return rc;
	calls++;
	if (calls == start) {
		CALLGRIND_START_INSTRUMENTATION;
		CALLGRIND_ZERO_STATS;
	} else if (start > 0 && every > 0 && calls > start &&
	    (calls - start) % every == 0)
		CALLGRIND_DUMP_STATS;
	return rc;
}
