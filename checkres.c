/*
 * checkres.c: the results the checks add, and the one way a peer's
 * words reach them (chk_printable).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

char *
chk_printable(const char *s, size_t n, char *out, size_t size)
{
	size_t		 i, o = 0;
	unsigned char	 ch;

	for (i = 0; i < n && o + 8 < size; i++) {
		ch = (unsigned char)s[i];
		if (o >= CHK_TEXT_MAX) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", ch);
	}
	out[o] = '\0';
	return out;
}

void
chk_add(struct job *j, enum verdict v, const char *kind, const char *subject,
    const char *fmt, ...)
{
	struct result	*r;
	char		 detail[CHK_DETAIL_MAX];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->subject = strdup(subject)) == NULL ||
	    (r->detail = strdup(detail)) == NULL) {
		/* Reported as a failure when the job is printed. */
		if (r != NULL)
			free(r->subject);
		free(r);
		j->lost++;
		return;
	}
	r->v = v;
	r->kind = kind;
	*j->tail = r;
	j->tail = &r->next;
}

/* Free j's results. */
void
chk_clear(struct job *j)
{
	struct result	*r, *next;

	for (r = j->res; r != NULL; r = next) {
		next = r->next;
		free(r->subject);
		free(r->detail);
		free(r);
	}
	j->res = NULL;
	j->tail = &j->res;
}
