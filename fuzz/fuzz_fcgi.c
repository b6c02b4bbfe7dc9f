/*
 * libFuzzer target: the records a FastCGI peer sends, as a worker sees
 * them (fcgi.c).  fcgi_ready judges the input; when it calls a request
 * whole (or big enough for 413), the input goes to libfcgi through a
 * socket pair, as a worker hands it over: libfcgi must parse it without
 * aborting (the parameter lengths that made its Malloc assertion fire
 * are refused before), and a whole request must not make libfcgi want
 * more than was there: the socket is non-blocking, so a read past the
 * input would fail with EAGAIN, which is a finding.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mailautoconf.h"
#include "fuzzutil.h"

#define INPUT_MAX	(64 * 1024)	/* fcgi.c's FCGI_REQ_MAX */

/* Give the input to libfcgi as a worker does; abort() on a finding. */
static void
through_libfcgi(const uint8_t *data, size_t size, enum ready rd)
{
	FCGX_Request	 req;
	char		 sink[1024];
	int		 sv[2], got;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return;
	/* 64 KiB fits a socket pair's queue; the writer then goes. */
	if (write(sv[1], data, size) != (ssize_t)size) {
		close(sv[0]);
		close(sv[1]);
		return;
	}
	close(sv[1]);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	FCGX_InitRequest(&req, -1, 0);
	req.ipcFd = sv[0];
	req.keepConnection = 1;
	if (FCGX_Accept_r(&req) != 0 || req.ipcFd == -1)
		return;		/* refused: libfcgi closed the socket */
	while ((got = FCGX_GetStr(sink, sizeof(sink), req.in)) > 0)
		;
	/* A whole request has its body's end in the input. */
	if (rd == R_WHOLE && FCGX_GetError(req.in) == EAGAIN)
		abort();
	FCGX_FClose(req.err);
	FCGX_FClose(req.out);
	FCGX_Free(&req, 0);
	close(sv[0]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 init;
	size_t		 len = 0;
	enum ready	 rd;

	if (!init) {
		if (FCGX_Init() != 0)
			abort();
		init = 1;
	}
	if (size > INPUT_MAX)
		return 0;
	rd = fcgi_ready(data, size, &len);
	if (rd == R_WHOLE && (len < 16 || len > size))
		abort();
	if (rd == R_WHOLE || rd == R_BIG)
		through_libfcgi(data, size, rd);
	return 0;
}
