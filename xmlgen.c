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

typedef void (*escfn)(struct buf *, const char *, size_t);

/* Append config text through esc, its placeholders replaced per sub. */
static void
put_esc(struct buf *b, const char *s, const struct subst *sub, escfn esc)
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
			esc(b, s, (size_t)(p - s) + 1);
			s = p + 1;
			continue;
		}
		esc(b, s, (size_t)(p - s));
		rep = *(const char *const *)((const char *)sub + ph[i].off);
		if (rep != NULL)
			buf_puts(b, rep);
		else
			buf_add(b, ph[i].name, ph[i].len);
		s = p + ph[i].len;
	}
	esc(b, s, strlen(s));
}

static void
put_text(struct buf *b, const char *s, const struct subst *sub)
{
	put_esc(b, s, sub, buf_xml);
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

#define NS_AD_RESPONSE \
	"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
#define NS_AD_OUTLOOK \
	"http://schemas.microsoft.com/exchange/autodiscover/outlook/" \
	"responseschema/2006a"
#define NS_AD_MOBILESYNC \
	"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/" \
	"responseschema/2006"

static const char mark_addr[] = { MARK_ADDR, '\0' };
static const char mark_local[] = { MARK_LOCAL, '\0' };

/*
 * The placeholders of an answer that names the user: the address and
 * its local part become markers; for an alias the address is taken as
 * local@target and %EMAILDOMAIN% is the target.  aliasaddr holds the
 * text for the first case; free it with buf_free.
 */
static void
user_subst(struct subst *sub, struct buf *aliasaddr, const char *target)
{
	buf_init(aliasaddr);
	sub->addr = mark_addr;
	sub->local = mark_local;
	sub->domain = mark_domain;
	if (target != NULL) {
		buf_putc(aliasaddr, MARK_LOCAL);
		buf_putc(aliasaddr, '@');
		buf_puts(aliasaddr, target);
		buf_putc(aliasaddr, '\0');
		sub->addr = aliasaddr->err ? "" : aliasaddr->p;
		sub->domain = target;
	}
}

static void
ol_protocol(struct buf *b, const struct section *s, enum proto p,
    const struct server *sv, const struct subst *sub, int login)
{
	static const char *const type[PROTO_COUNT] = {
		[P_IMAP] = "IMAP", [P_POP3] = "POP3", [P_SMTP] = "SMTP"
	};
	static const char *const ssl[SOCK_COUNT] = {
		[SOCK_SSL] = "on", [SOCK_STARTTLS] = "on", [SOCK_PLAIN] = "off"
	};
	static const char *const enc[SOCK_COUNT] = {
		[SOCK_SSL] = "SSL", [SOCK_STARTTLS] = "TLS",
		[SOCK_PLAIN] = "None"
	};

	buf_puts(b, "      <Protocol>\n");
	put_elem(b, 8, "Type", type[p], sub);
	put_elem(b, 8, "Server", sv->host, sub);
	put_uelem(b, 8, "Port", sv->port);
	put_elem(b, 8, "DomainRequired", "off", sub);
	if (login)
		put_elem(b, 8, "LoginName", s->username, sub);
	/* Absent SPA means on (NTLM): always say off. */
	put_elem(b, 8, "SPA", "off", sub);
	put_elem(b, 8, "SSL", ssl[sv->sock], sub);
	put_elem(b, 8, "Encryption", enc[sv->sock], sub);
	put_elem(b, 8, "AuthRequired", "on", sub);
	if (p == P_SMTP) {
		put_elem(b, 8, "UsePOPAuth", "off", sub);
		put_elem(b, 8, "SMTPLast", "off", sub);
	}
	if (s->ttl > 0)
		put_uelem(b, 8, "TTL", s->ttl);
	buf_puts(b, "      </Protocol>\n");
}

/*
 * Render the Outlook POX settings answer (outlook/responseschema/2006a).
 * With user set (a POST naming an address) it carries User/DisplayName
 * and each LoginName, as markers; without (a GET for the Host's domain)
 * neither.
 */
void
xml_outlook(struct buf *b, const struct section *s, const char *target,
    int user)
{
	const struct server *pick[SERVERS_MAX];
	struct subst	 sub;
	struct buf	 aliasaddr;
	unsigned	 n, i;
	int		 p;

	user_subst(&sub, &aliasaddr, target);
	buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<Autodiscover xmlns=\"" NS_AD_RESPONSE "\">\n"
	    "  <Response xmlns=\"" NS_AD_OUTLOOK "\">\n");
	if (user) {
		buf_puts(b, "    <User>\n      <DisplayName>");
		buf_putc(b, MARK_ADDR);
		buf_puts(b, "</DisplayName>\n    </User>\n");
	}
	buf_puts(b, "    <Account>\n"
	    "      <AccountType>email</AccountType>\n"
	    "      <Action>settings</Action>\n");
	for (p = 0; p < PROTO_COUNT; p++) {
		n = config_pick(s, (enum proto)p, pick, SERVERS_MAX);
		for (i = 0; i < n; i++)
			ol_protocol(b, s, (enum proto)p, pick[i], &sub, user);
	}
	buf_puts(b, "    </Account>\n  </Response>\n</Autodiscover>\n");
	if (aliasaddr.err)
		b->err = 1;
	buf_free(&aliasaddr);
}

/*
 * Render the MobileSync answer (MS-ASCMD Autodiscover) pointing at the
 * section's ActiveSync URL.
 */
void
xml_mobilesync(struct buf *b, const struct section *s, const char *target)
{
	struct subst	 sub;
	struct buf	 aliasaddr;

	user_subst(&sub, &aliasaddr, target);
	buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<Autodiscover xmlns=\"" NS_AD_RESPONSE "\">\n"
	    "  <Response xmlns=\"" NS_AD_MOBILESYNC "\">\n"
	    "    <Culture>en:us</Culture>\n"
	    "    <User>\n      <DisplayName>");
	buf_putc(b, MARK_ADDR);
	buf_puts(b, "</DisplayName>\n      <EMailAddress>");
	buf_putc(b, MARK_ADDR);
	buf_puts(b, "</EMailAddress>\n    </User>\n"
	    "    <Action>\n      <Settings>\n        <Server>\n"
	    "          <Type>MobileSync</Type>\n");
	put_elem(b, 10, "Url", s->url[URL_ACTIVESYNC], &sub);
	put_elem(b, 10, "Name", s->url[URL_ACTIVESYNC], &sub);
	buf_puts(b, "        </Server>\n      </Settings>\n    </Action>\n"
	    "  </Response>\n</Autodiscover>\n");
	if (aliasaddr.err)
		b->err = 1;
	buf_free(&aliasaddr);
}

/*
 * Render an autodiscover.json answer: {"Protocol":…,"Url":…} with the
 * URL's %EMAILDOMAIN% as the domain marker (or the alias target).
 */
void
json_locator(struct buf *b, const char *proto, const char *url,
    const char *target)
{
	struct subst	 sub;

	sub.addr = NULL;
	sub.local = NULL;
	sub.domain = target != NULL ? target : mark_domain;
	buf_puts(b, "{\"Protocol\":\"");
	buf_json(b, proto, strlen(proto));
	buf_puts(b, "\",\"Url\":\"");
	put_esc(b, url, &sub, buf_json);
	buf_puts(b, "\"}");
}

/*
 * An Autodiscover error answer (MS-OXDSCLI): code 600 (invalid request)
 * or 601 (provider not available), in the response schema asked for.
 * now (seconds since the epoch) gives the Time attribute.
 */
void
xml_ad_error(struct buf *b, int code, enum adschema schema, long now)
{
	long	 t = now >= 0 ? now % 86400 : 0;

	buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<Autodiscover xmlns=\"" NS_AD_RESPONSE "\">\n");
	if (schema == AD_MOBILESYNC)
		buf_puts(b, "  <Response xmlns=\"" NS_AD_MOBILESYNC "\">\n");
	else if (schema == AD_OUTLOOK && code != 600)
		buf_puts(b, "  <Response xmlns=\"" NS_AD_OUTLOOK "\">\n");
	else
		buf_puts(b, "  <Response>\n");
	buf_puts(b, "    <Error Time=\"");
	buf_putc(b, (char)('0' + t / 36000));
	buf_putc(b, (char)('0' + t / 3600 % 10));
	buf_putc(b, ':');
	buf_putc(b, (char)('0' + t % 3600 / 600));
	buf_putc(b, (char)('0' + t % 600 / 60));
	buf_putc(b, ':');
	buf_putc(b, (char)('0' + t % 60 / 10));
	buf_putc(b, (char)('0' + t % 10));
	buf_puts(b, ".0000000\" Id=\"2477272013\">\n      <ErrorCode>");
	buf_putu(b, (unsigned long)code);
	buf_puts(b, code == 600 ?
	    "</ErrorCode>\n      <Message>Invalid Request</Message>\n" :
	    "</ErrorCode>\n      <Message>Provider is not available"
	    "</Message>\n");
	buf_puts(b, "      <DebugData/>\n    </Error>\n  </Response>\n"
	    "</Autodiscover>\n");
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
