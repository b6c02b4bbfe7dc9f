/*
 * buf.h: bounded byte buffers (buf.c), on their own so that buf.c
 * depends on nothing else of the program.
 */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>
#include <string.h>

/*
 * A buffer either grows on the heap (cap 0 at init, for load-time work)
 * or lives in caller storage (buf_fixed, for requests).  A write that
 * does not fit sets err and is dropped; callers test err once at the end
 * (a buffer with err set holds no usable bytes: later writes that fit
 * may still land).  The writers below are inline: the common case, room
 * enough, is a compare and a copy.
 */
struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 fixed;
	int	 err;
};

void	 buf_init(struct buf *);
void	 buf_fixed(struct buf *, char *, size_t);
void	 buf_free(struct buf *);
int	 buf_room(struct buf *, size_t);
void	 buf_putu(struct buf *, unsigned long);
void	 buf_xml(struct buf *, const char *, size_t);
void	 buf_json(struct buf *, const char *, size_t);

static inline void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (n == 0 || (n > b->cap - b->len && buf_room(b, n) == -1))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static inline void
buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static inline void
buf_putc(struct buf *b, char c)
{
	if (b->cap == b->len && buf_room(b, 1) == -1)
		return;
	b->p[b->len++] = c;
}

/* Append a string literal: its length is known at compile time. */
#define buf_lit(b, s)	buf_add((b), (s), sizeof(s) - 1)

#endif /* BUF_H */
