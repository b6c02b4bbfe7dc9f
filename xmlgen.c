/*
 * The emitters.  At load time they render a section's settings into a
 * prepared answer (a struct tmpl) whose marker bytes stand for what a
 * request supplies; per request, tmpl_expand splices the validated
 * address and the requested domain in.  Every config value goes through
 * buf_xml; every spliced address too.
 */
#include <string.h>

#include "mailautoconf.h"

/*
 * What the placeholders in config text become in one answer.  Each is
 * written as is (markers, LDH domains, placeholder text): nothing here
 * needs escaping.  NULL leaves the placeholder as it stands.
 */
struct subst {
	const char	*addr;		/* %EMAILADDRESS% */
	const char	*local;		/* %EMAILLOCALPART% */
	const char	*domain;	/* %EMAILDOMAIN% */
};

static const char mark_domain[] = { MARK_DOMAIN, '\0' };

/* Append config text, XML-escaped, its placeholders replaced per sub. */
static void
put_text(struct buf *b, const char *s, const struct subst *sub)
{
	static const struct {
		const char	*name;
		size_t		 len;
		size_t		 off;
	} ph[] = {
		{ "%EMAILADDRESS%", 14, offsetof(struct subst, addr) },
		{ "%EMAILLOCALPART%", 16, offsetof(struct subst, local) },
		{ "%EMAILDOMAIN%", 13, offsetof(struct subst, domain) },
	};
	const char	*p, *rep;
	size_t		 i;

	while ((p = strchr(s, '%')) != NULL) {
		for (i = 0; i < sizeof(ph) / sizeof(ph[0]); i++)
			if (strncmp(p, ph[i].name, ph[i].len) == 0)
				break;
		if (i == sizeof(ph) / sizeof(ph[0])) {
			buf_xml(b, s, (size_t)(p - s) + 1);
			s = p + 1;
			continue;
		}
		buf_xml(b, s, (size_t)(p - s));
		rep = *(const char *const *)((const char *)sub + ph[i].off);
		if (rep != NULL)
			buf_puts(b, rep);
		else
			buf_add(b, ph[i].name, ph[i].len);
		s = p + ph[i].len;
	}
	buf_xml(b, s, strlen(s));
}

/* <tag>text</tag> on its own line, indented. */
static void
put_elem(struct buf *b, int indent, const char *tag, const char *text,
    const struct subst *sub)
{
	buf_add(b, "        ", (size_t)indent);
	buf_putc(b, '<');
	buf_puts(b, tag);
	buf_putc(b, '>');
	put_text(b, text, sub);
	buf_puts(b, "</");
	buf_puts(b, tag);
	buf_puts(b, ">\n");
}

static void
put_uelem(struct buf *b, int indent, const char *tag, unsigned long v)
{
	buf_add(b, "        ", (size_t)indent);
	buf_putc(b, '<');
	buf_puts(b, tag);
	buf_putc(b, '>');
	buf_putu(b, v);
	buf_puts(b, "</");
	buf_puts(b, tag);
	buf_puts(b, ">\n");
}

static void
tb_server(struct buf *b, const struct section *s, enum proto p,
    const struct server *sv, const struct subst *sub)
{
	unsigned	 i;

	if (p == P_SMTP)
		buf_puts(b, "    <outgoingServer type=\"smtp\">\n");
	else {
		buf_puts(b, "    <incomingServer type=\"");
		buf_puts(b, proto_names[p]);
		buf_puts(b, "\">\n");
	}
	put_elem(b, 6, "hostname", sv->host, sub);
	put_uelem(b, 6, "port", sv->port);
	put_elem(b, 6, "socketType", sock_names[sv->sock], sub);
	for (i = 0; i < sv->nauth; i++)
		put_elem(b, 6, "authentication", auth_names[sv->auth[i]], sub);
	put_elem(b, 6, "username", s->username, sub);
	if (p == P_POP3) {
		buf_puts(b, "      <pop3>\n");
		put_elem(b, 8, "leaveMessagesOnServer",
		    s->leave_on_server ? "true" : "false", sub);
		buf_puts(b, "      </pop3>\n");
	}
	buf_puts(b, p == P_SMTP ? "    </outgoingServer>\n" :
	    "    </incomingServer>\n");
}

/*
 * Render the Thunderbird clientConfig (version 1.1) for a section.  The
 * answer depends only on the requested domain, which stands as a marker:
 * usernames keep %EMAILADDRESS% and %EMAILLOCALPART% for the client to
 * expand.  For an alias (target != NULL) %EMAILDOMAIN% is the target and
 * the address is taken as %EMAILLOCALPART%@target.
 */
void
xml_thunderbird(struct buf *b, const struct section *s, const char *target)
{
	const struct server *pick[SERVERS_MAX];
	struct subst	 sub;
	struct buf	 aliasaddr;
	unsigned	 n, i;
	int		 p;

	buf_init(&aliasaddr);
	sub.addr = NULL;
	sub.local = NULL;
	sub.domain = mark_domain;
	if (target != NULL) {
		buf_puts(&aliasaddr, "%EMAILLOCALPART%@");
		buf_puts(&aliasaddr, target);
		buf_putc(&aliasaddr, '\0');
		if (aliasaddr.err)
			b->err = 1;
		sub.addr = aliasaddr.p;
		sub.domain = target;
	}
	buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<clientConfig version=\"1.1\">\n"
	    "  <emailProvider id=\"");
	buf_putc(b, MARK_DOMAIN);
	buf_puts(b, "\">\n    <domain>");
	buf_putc(b, MARK_DOMAIN);
	buf_puts(b, "</domain>\n");
	put_elem(b, 4, "displayName", s->display_name != NULL ?
	    s->display_name : "%EMAILDOMAIN%", &sub);
	put_elem(b, 4, "displayShortName", s->short_name != NULL ?
	    s->short_name : s->display_name != NULL ? s->display_name :
	    "%EMAILDOMAIN%", &sub);
	for (p = 0; p < PROTO_COUNT; p++) {
		n = config_pick(s, (enum proto)p, pick, SERVERS_MAX);
		for (i = 0; i < n; i++)
			tb_server(b, s, (enum proto)p, pick[i], &sub);
	}
	if (s->url[URL_DOCUMENTATION] != NULL) {
		buf_puts(b, "    <documentation url=\"");
		put_text(b, s->url[URL_DOCUMENTATION], &sub);
		buf_puts(b, "\">\n");
		buf_puts(b, "      <descr lang=\"en\">");
		put_text(b, s->doc_text != NULL ? s->doc_text :
		    "Mail client settings", &sub);
		buf_puts(b, "</descr>\n    </documentation>\n");
	}
	buf_puts(b, "  </emailProvider>\n</clientConfig>\n");
	buf_free(&aliasaddr);
}

/*
 * The size of t expanded with an address of addrlen escaped bytes, a
 * local part of locallen and a domain of domlen.
 */
size_t
tmpl_size(const struct tmpl *t, size_t addrlen, size_t locallen,
    size_t domlen)
{
	return t->len - t->npos + t->n[0] * addrlen + t->n[1] * locallen +
	    t->n[2] * domlen;
}

/*
 * Append t to b with its markers replaced: the address a (may be NULL
 * when t has no address markers) escaped, the domain dom as is (a
 * validated LDH name).  Returns 0, or -1 when b overflowed.
 */
int
tmpl_expand(struct buf *b, const struct tmpl *t, const struct addr *a,
    const char *dom, size_t domlen)
{
	size_t		 at = 0;
	unsigned	 i, pos;

	for (i = 0; i < t->npos; i++) {
		pos = t->pos[i];
		buf_add(b, t->s + at, pos - at);
		switch (t->s[pos]) {
		case MARK_ADDR:
			if (a != NULL)
				buf_xml(b, a->full, a->fulllen);
			break;
		case MARK_LOCAL:
			if (a != NULL)
				buf_xml(b, a->full, a->locallen);
			break;
		default:
			buf_add(b, dom, domlen);
			break;
		}
		at = pos + 1;
	}
	buf_add(b, t->s + at, t->len - at);
	return b->err ? -1 : 0;
}
