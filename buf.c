/*
 * Bounded byte buffers, and the one escaping writer for XML and JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "mailautoconf.h"

/* Start an empty heap buffer; it grows as needed. */
void
buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

/* Start an empty buffer over caller storage; it never grows. */
void
buf_fixed(struct buf *b, char *p, size_t cap)
{
	b->p = p;
	b->len = 0;
	b->cap = cap;
	b->fixed = 1;
	b->err = 0;
}

/* Free a heap buffer's storage; harmless on a fixed or empty one. */
void
buf_free(struct buf *b)
{
	if (!b->fixed)
		free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/*
 * Make room for need more bytes: 0, or -1 with err set when a fixed
 * buffer is full or memory is short.  The inline writers call it only
 * when the room they need is not there.
 */
int
buf_room(struct buf *b, size_t need)
{
	size_t	 ncap;
	char	*np;

	if (b->err)
		return -1;
	if (need <= b->cap - b->len)
		return 0;
	if (b->fixed || need > (size_t)-1 / 2 - b->len) {
		b->err = 1;
		return -1;
	}
	ncap = b->cap ? b->cap : 256;
	while (ncap - b->len < need)
		ncap *= 2;
	if ((np = realloc(b->p, ncap)) == NULL) {
		b->err = 1;
		return -1;
	}
	b->p = np;
	b->cap = ncap;
	return 0;
}

void
buf_putu(struct buf *b, unsigned long v)
{
	char	 tmp[24];
	size_t	 i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	buf_add(b, tmp + i, sizeof(tmp) - i);
}

/*
 * Append s escaped for XML text and attribute values.  Control
 * characters other than tab, CR and LF cannot appear in XML 1.0 at all:
 * callers only pass validated data, but such a byte is dropped rather
 * than written.
 */
void
buf_xml(struct buf *b, const char *s, size_t n)
{
	size_t	 i, start;
	const char *rep;

	for (i = start = 0; i < n; i++) {
		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&apos;";
			break;
		default:
			if ((unsigned char)s[i] < 0x20 && s[i] != '\t' &&
			    s[i] != '\n' && s[i] != '\r')
				rep = "";
			else
				continue;
			break;
		}
		buf_add(b, s + start, i - start);
		buf_puts(b, rep);
		start = i + 1;
	}
	buf_add(b, s + start, n - start);
}

/* Append s escaped for the inside of a JSON string. */
void
buf_json(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t	 i, start;
	unsigned char c;

	for (i = start = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c != '"' && c != '\\' && c >= 0x20 && c != 0x7f)
			continue;
		buf_add(b, s + start, i - start);
		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)c);
		} else {
			buf_puts(b, "\\u00");
			buf_putc(b, hex[c >> 4]);
			buf_putc(b, hex[c & 0xf]);
		}
		start = i + 1;
	}
	buf_add(b, s + start, n - start);
}
