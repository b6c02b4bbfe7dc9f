/*
 * fcgic: a small FastCGI client and a reader of request tables, shared
 * by the leak driver (tests/leak/leakreq.c), the fault-injection
 * harness (tests/fault/fault.c) and the benchmark's client
 * (bench/fcgireq.c, which sends requests of its own).  Test code only.
 *
 * A request table has the columns of tests/hostile/cases.tsv (see its
 * header), tab-separated, '#' lines and empty lines skipped:
 *
 *   name method uri status errcode body host clen want forbid conf [repeat]
 *
 * method, uri, host, want and forbid take printf %b escapes (\r \n \t
 * \\ \0NNN); a uri "@NAME" is the content of the file NAME in the
 * generated directory; a body "gen/NAME" is that file in the generated
 * directory, any other body is relative to the table's directory.  The
 * optional twelfth column, repeat, sends the request that many times
 * per round (default 1).
 */
#ifndef FCGIC_H
#define FCGIC_H

#include <stddef.h>

#define FC_NAME_MAX	128

struct fc_case {
	char	 name[FC_NAME_MAX];
	char	*method;	/* decoded, NUL-terminated */
	char	*uri;		/* decoded */
	size_t	 urilen;
	char	*host;		/* NULL: no HTTP_HOST */
	char	*body;		/* NULL: no body */
	size_t	 bodylen;
	char	*clen;		/* CONTENT_LENGTH value; NULL: unset */
	char	*want;		/* NULL: none */
	char	*forbid;	/* NULL: none */
	char	*conf;		/* NULL: the default config */
	int	 status;
	int	 errcode;	/* -1: the answer must hold none */
	unsigned repeat;
	int	 checked;	/* 0: sent, answer not checked */
	int	 line;
	const char *file;
};

struct fc_answer {
	char	*buf;		/* FCGI_STDOUT bytes, NUL-terminated */
	size_t	 len;
	size_t	 cap;
	size_t	 errlen;	/* FCGI_STDERR bytes seen */
	int	 ended;		/* FCGI_END_REQUEST seen */
	int	 status;	/* from the Status: line, 0 if none */
	size_t	 headlen;	/* header block, blank line included */
};

/*
 * Append the cases of table path to *cases (*n of them, realloc'd).
 * gendir resolves "@NAME" URIs and "gen/NAME" bodies.  Returns 0, or
 * -1 with a message on stderr.
 */
int	 fc_load(const char *path, const char *gendir, struct fc_case **cases,
	    size_t *n);
void	 fc_free(struct fc_case *, size_t);

/*
 * Connect to addr ("unix:PATH", "IPV4:PORT" or "[IPV6]:PORT"), retrying
 * for up to wait seconds while it is refused.  Returns the socket or -1.
 */
int	 fc_connect(const char *addr, double wait);

/* Read exactly n bytes from fd; 0, or -1 on an error or end of file. */
int	 fc_readn(int fd, void *p, size_t n);

/*
 * Send one request over a new connection to addr and read the answer
 * into a (a->buf reused across calls; free it with fc_answer_free).
 * timeout: seconds for any one read or write.  Returns 0 when the
 * exchange completed (END_REQUEST seen), -1 otherwise with a reason in
 * why.
 */
int	 fc_send(const char *addr, const struct fc_case *, struct fc_answer *a,
	    int timeout, char *why, size_t whysz);

/*
 * The request of a case as bytes (malloc'd, *len set): BEGIN_REQUEST,
 * PARAMS, STDIN.  Its last 16 bytes, for a case without a body, are the
 * empty records that end PARAMS and STDIN.
 */
char	*fc_build(const struct fc_case *, size_t *len);

/*
 * Read one answer from fd into a, up to END_REQUEST.  werr: the errno
 * of a failed write before, for the reason.  Returns 0, or -1 with a
 * reason in why.
 */
int	 fc_read(int fd, struct fc_answer *a, int werr, char *why,
	    size_t whysz);
void	 fc_answer_free(struct fc_answer *);

/* Set a's status and headlen from its bytes (NUL-terminated buf). */
void	 fc_answer_head(struct fc_answer *);

/*
 * Check an answer against its case: status, ErrorCode, wanted and
 * forbidden text, the header block and Content-Length.  Returns 1 when
 * it is right, 0 with the first reason in why.
 */
int	 fc_check(const struct fc_case *, const struct fc_answer *, char *why,
	    size_t whysz);

/* The body of an answer: past the header block. */
const char *fc_body(const struct fc_answer *, size_t *len);

#endif /* FCGIC_H */
