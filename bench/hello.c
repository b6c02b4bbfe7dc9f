/*
 * The ceiling reference: a minimal libfcgi responder that writes a
 * fixed answer of a given size.  It does no routing, no lookup and no
 * output formatting; what it does is what any responder must do: accept,
 * read the parameters, read a POST body (CONTENT_LENGTH bytes), write a
 * header block and the body, finish.
 *
 *   hello [BYTES]		FastCGI on fd 0 (spawn-fcgi, lighttpd bin-path);
 *				BYTES of body, default 1024.
 *   hello-BYTES.cgi		plain CGI (REQUEST_METHOD set): the size is the
 *				number in the program's name, else HELLO_BYTES.
 *
 * Built with -DHELLO_MXML it also parses a POST body once with
 * mxmlLoadString and frees the tree: the reference for Outlook's
 * Autodiscover POST, whose body any responder has to parse.
 */
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef HELLO_MXML
#include <mxml.h>
#endif

#define HELLO_BODY_MAX	65536	/* answer bytes */
#define HELLO_IN_MAX	16384	/* POST bytes read, as BODY_MAX */

static char	 body[HELLO_BODY_MAX];
static char	 in[HELLO_IN_MAX + 1];

/* A POST body of n bytes, parsed once when built with HELLO_MXML. */
static void
parse(size_t n)
{
#ifdef HELLO_MXML
	mxml_node_t	*t;

	in[n] = '\0';
	if ((t = mxmlLoadString(NULL, in, MXML_OPAQUE_CALLBACK)) != NULL)
		mxmlDelete(t);
#else
	(void)n;
#endif
}

/* CONTENT_LENGTH, capped at HELLO_IN_MAX; 0 when absent. */
static size_t
clen(const char *s)
{
	long	 v = s != NULL ? strtol(s, NULL, 10) : 0;

	return v < 0 ? 0 : v > HELLO_IN_MAX ? HELLO_IN_MAX : (size_t)v;
}

static int
head(char *h, size_t hsz, long n)
{
	return snprintf(h, hsz, "Status: 200 OK\r\nContent-Type: "
	    "text/xml; charset=utf-8\r\nContent-Length: %ld\r\n\r\n", n);
}

/* One CGI request: environment and stdin in, stdout out. */
static int
cgi(const char *prog)
{
	const char	*p = strrchr(prog, '/') != NULL ?
			    strrchr(prog, '/') + 1 : prog;
	char		 h[128];
	long		 n;
	size_t		 want, got = 0, r;
	int		 hl;

	p += strcspn(p, "0123456789");
	n = *p != '\0' ? strtol(p, NULL, 10) : getenv("HELLO_BYTES") != NULL ?
	    strtol(getenv("HELLO_BYTES"), NULL, 10) : 1024;
	if (n < 0 || n > HELLO_BODY_MAX)
		return 64;
	memset(body, 'x', (size_t)n);
	want = clen(getenv("CONTENT_LENGTH"));
	while (got < want && (r = fread(in + got, 1, want - got, stdin)) > 0)
		got += r;
	parse(got);
	hl = head(h, sizeof(h), n);
	fwrite(h, 1, (size_t)hl, stdout);
	fwrite(body, 1, (size_t)n, stdout);
	return fflush(stdout) == 0 ? 0 : 1;
}

int
main(int argc, char *argv[])
{
	FCGX_Request	 req;
	char		 h[128];
	long		 n = argc > 1 ? strtol(argv[1], NULL, 10) : 1024;
	size_t		 want;
	int		 hl, got;

	if (getenv("REQUEST_METHOD") != NULL)
		return cgi(argv[0]);
	if (n < 0 || n > HELLO_BODY_MAX)
		return 64;
	memset(body, 'x', (size_t)n);
	hl = head(h, sizeof(h), n);
	/* SIGTERM ends the process (callgrind then writes its file). */
	signal(SIGTERM, SIG_DFL);
	FCGX_Init();
	FCGX_InitRequest(&req, 0, 0);
	while (FCGX_Accept_r(&req) >= 0) {
		want = clen(FCGX_GetParam("CONTENT_LENGTH", req.envp));
		if (want > 0) {
			got = FCGX_GetStr(in, (int)want, req.in);
			parse(got > 0 ? (size_t)got : 0);
		}
		FCGX_PutStr(h, hl, req.out);
		FCGX_PutStr(body, (int)n, req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}
