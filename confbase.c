/*
 * What every configuration stage shares: the arena a config lives in,
 * error and warning messages as FILE:LINE, opening the files a config
 * names, the name tables and a hash.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"

const char *const proto_names[PROTO_COUNT] = {
	[P_IMAP] = "imap",
	[P_POP3] = "pop3",
	[P_SMTP] = "smtp",
};

const char *const sock_names[SOCK_COUNT] = {
	[SOCK_SSL] = "SSL",
	[SOCK_STARTTLS] = "STARTTLS",
	[SOCK_PLAIN] = "plain",
};

const char *const auth_names[AUTH_COUNT] = {
	[AUTH_CLEARTEXT] = "password-cleartext",
	[AUTH_ENCRYPTED] = "password-encrypted",
	[AUTH_OAUTH2] = "OAuth2",
	[AUTH_NTLM] = "NTLM",
	[AUTH_GSSAPI] = "GSSAPI",
	[AUTH_NONE] = "none",
	[AUTH_CLIENTIP] = "client-IP-address",
};


#define CHUNK_SIZE	65536

static void conf_msg(struct frame *, int, const char *, const char *,
    va_list) __attribute__((format(printf, 4, 0)));

void *
arena_alloc(struct chunk **head, size_t n)
{
	struct chunk	*c = *head;
	size_t		 size;
	void		*p;

	n = (n + 15) & ~(size_t)15;
	if (c == NULL || c->size - c->used < n) {
		size = n > CHUNK_SIZE ? n : CHUNK_SIZE;
		if ((c = malloc(sizeof(*c) + size)) == NULL)
			return NULL;
		c->size = size;
		c->used = 0;
		c->next = *head;
		*head = c;
	}
	p = c->data + c->used;
	c->used += n;
	return p;
}

char *
arena_strndup(struct chunk **head, const char *s, size_t n)
{
	char	*p;

	if ((p = arena_alloc(head, n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
arena_free(struct chunk *c)
{
	struct chunk	*next;

	for (; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
}

static void
conf_msg(struct frame *f, int line, const char *level, const char *fmt,
    va_list ap)
{
	if (line > 0)
		fprintf(stderr, "%s:%d: %s", f->file, line, level);
	else
		fprintf(stderr, "%s: %s", f->file, level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
conf_err(struct frame *f, int line, const char *fmt, ...)
{
	va_list	 ap;

	/* Past CONF_ERRORS_MAX, counted only; the reading stops. */
	if (++f->rep->errors > CONF_ERRORS_MAX)
		return;
	va_start(ap, fmt);
	conf_msg(f, line, "", fmt, ap);
	va_end(ap);
	if (f->rep->errors == CONF_ERRORS_MAX)
		fprintf(stderr, "%s: %d errors: reading no further\n",
		    f->file, CONF_ERRORS_MAX);
}

void
conf_warn(struct frame *f, int line, const char *fmt, ...)
{
	va_list	 ap;

	if (!f->rep->verbose)
		return;
	va_start(ap, fmt);
	conf_msg(f, line, "warning: ", fmt, ap);
	va_end(ap);
}

/*
 * Open a file the config names (the config itself, an include, a PEM
 * file) for reading: only a regular file of at most CONF_FILE_MAX bytes.
 * The open does not wait (a FIFO would, for a writer).  NULL with *why
 * saying why; st is filled in.
 */
FILE *
conf_fopen(const char *path, struct stat *st, const char **why)
{
	FILE	*fp;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		*why = strerror(errno);
		return NULL;
	}
	if (fstat(fd, st) == -1)
		*why = strerror(errno);
	else if (!S_ISREG(st->st_mode))
		*why = "not a regular file";
	else if (st->st_size > CONF_FILE_MAX)
		*why = "larger than " MAC_STR(CONF_FILE_MAX_MB) " MiB";
	else if ((fp = fdopen(fd, "r")) == NULL)
		*why = strerror(errno);
	else
		return fp;
	close(fd);
	return NULL;
}

uint32_t
hash_bytes(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t	 i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}
