/*
 * The emitters.  At load time they render a section's settings into a
 * prepared answer (a struct tmpl) whose marker bytes stand for what a
 * request supplies; per request, tmpl_expand splices the validated
 * address and the requested domain in.  Every config value goes through
 * buf_xml; every spliced address too.
 */
#include <stdio.h>
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
static const char spaces[] = "            ";	/* the deepest indent */

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

/*
 * Only %EMAILDOMAIN% substituted: the domain marker, or the alias
 * target; the address placeholders stand.
 */
static void
domain_subst(struct subst *sub, const char *target)
{
	sub->addr = NULL;
	sub->local = NULL;
	sub->domain = target != NULL ? target : mark_domain;
}

/* <tag>text</tag> on its own line, indented. */
static void
put_elem(struct buf *b, int indent, const char *tag, const char *text,
    const struct subst *sub)
{
	buf_add(b, spaces, (size_t)indent);
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
	buf_add(b, spaces, (size_t)indent);
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

/* A CardDAV or CalDAV account beside the emailProvider, when configured. */
static void
tb_dav(struct buf *b, const char *el, const char *type, const char *url,
    const struct section *s, const struct subst *sub)
{
	if (url == NULL)
		return;
	buf_puts(b, "  <");
	buf_puts(b, el);
	buf_puts(b, " type=\"");
	buf_puts(b, type);
	buf_puts(b, "\">\n");
	put_elem(b, 4, "username", s->username, sub);
	put_elem(b, 4, "authentication", "http-basic", sub);
	put_elem(b, 4, "serverURL", url, sub);
	buf_puts(b, "  </");
	buf_puts(b, el);
	buf_puts(b, ">\n");
}

/*
 * One <domain> per domain the section serves (README, Endpoints); an
 * alias answer adds the alias (a marker: aliases of one target share
 * it).  A section of one name, or of more than DOMLIST_MAX, lists just
 * the requested domain: the answer stays shared and small.  So does
 * the answer to a hosted address (the requested domain is then the
 * address's).
 */
static void
tb_domains(struct buf *b, const struct section *s, const char *target,
    int hosted)
{
	unsigned	 i;

	if (hosted) {
		buf_puts(b, "    <domain>");
		buf_putc(b, MARK_DOMAIN);
		buf_puts(b, "</domain>\n");
		return;
	}
	if (s->nnames > 1 && s->nnames <= DOMLIST_MAX)
		for (i = 0; i < s->nnames; i++) {
			buf_puts(b, "    <domain>");
			buf_puts(b, s->names[i]);
			buf_puts(b, "</domain>\n");
		}
	else if (target != NULL && s->nnames == 1) {
		buf_puts(b, "    <domain>");
		buf_puts(b, target);
		buf_puts(b, "</domain>\n");
	}
	if (target != NULL || s->nnames == 1 || s->nnames > DOMLIST_MAX) {
		buf_puts(b, "    <domain>");
		buf_putc(b, MARK_DOMAIN);
		buf_puts(b, "</domain>\n");
	}
}

/*
 * Render the Thunderbird clientConfig (version 1.1) for a section.  The
 * answer depends only on the requested domain, which stands as a marker:
 * usernames keep %EMAILADDRESS% and %EMAILLOCALPART% for the client to
 * expand.  For an alias (target != NULL) %EMAILDOMAIN% is the target and
 * the address is taken as %EMAILLOCALPART%@target.  hosted: the answer
 * to an address of a domain the section hosts (tb_domains).
 */
void
xml_thunderbird(struct buf *b, const struct section *s, const char *target,
    int hosted)
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
	buf_puts(b, "\">\n");
	tb_domains(b, s, target, hosted);
	put_elem(b, 4, "displayName", s->display_name != NULL ?
	    s->display_name : "%EMAILDOMAIN%", &sub);
	put_elem(b, 4, "displayShortName", s->short_name != NULL ?
	    s->short_name : s->display_name != NULL ? s->display_name :
	    "%EMAILDOMAIN%", &sub);
	for (p = 0; p < PROTO_COUNT; p++) {
		n = xml_pick(s, (enum proto)p, pick, SERVERS_MAX);
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
	if (s->url[URL_WEBMAIL] != NULL) {
		buf_puts(b, "    <webMail>\n      <loginPage url=\"");
		put_text(b, s->url[URL_WEBMAIL], &sub);
		buf_puts(b, "\"/>\n    </webMail>\n");
	}
	buf_puts(b, "  </emailProvider>\n");
	tb_dav(b, "addressBook", "carddav", s->url[URL_CARDDAV], s, &sub);
	tb_dav(b, "calendar", "caldav", s->url[URL_CALDAV], s, &sub);
	buf_puts(b, "</clientConfig>\n");
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
 * A CalDAV or CardDAV service as an Outlook Protocol entry, when
 * configured: Server holds the URL.  Outlook skips types it does not
 * know; other Autodiscover readers take the DAV account from it.
 */
static void
ol_dav(struct buf *b, const char *type, const char *url,
    const struct section *s, const struct subst *sub, int login)
{
	if (url == NULL)
		return;
	buf_puts(b, "      <Protocol>\n");
	put_elem(b, 8, "Type", type, sub);
	put_elem(b, 8, "Server", url, sub);
	put_elem(b, 8, "DomainRequired", "off", sub);
	if (login)
		put_elem(b, 8, "LoginName", s->username, sub);
	put_elem(b, 8, "SPA", "off", sub);
	put_elem(b, 8, "SSL", strncmp(url, "https:", 6) == 0 ? "on" : "off",
	    sub);
	put_elem(b, 8, "AuthRequired", "on", sub);
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
		n = xml_pick(s, (enum proto)p, pick, SERVERS_MAX);
		for (i = 0; i < n; i++)
			ol_protocol(b, s, (enum proto)p, pick[i], &sub, user);
	}
	ol_dav(b, "CalDAV", s->url[URL_CALDAV], s, &sub, user);
	ol_dav(b, "CardDAV", s->url[URL_CARDDAV], s, &sub, user);
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

	domain_subst(&sub, target);
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
 * Config text XML-escaped (HTML-escaped as well), %EMAILDOMAIN% as the
 * domain marker (or the alias target), the other placeholders as they
 * stand: for the setup page (pagegen.c).
 */
void
xml_text(struct buf *b, const char *text, const char *target)
{
	struct subst	 sub;

	domain_subst(&sub, target);
	put_text(b, text, &sub);
}

/*
 * A config URL with %EMAILDOMAIN% as the domain marker (or the alias
 * target), unescaped: for Location headers.
 */
void
url_expand(struct buf *b, const char *url, const char *target)
{
	struct subst	 sub;

	domain_subst(&sub, target);
	put_esc(b, url, &sub, buf_add);
}

/*
 * Split an absolute http(s) URL (validated at config load, at most
 * CONF_VALUE_MAX bytes) into host, port (the scheme's default when
 * absent), TLS flag and path (without query or fragment).
 */
void
url_split(const char *url, struct urlparts *u)
{
	const char	*h, *end;
	unsigned long	 port;
	size_t		 n;

	u->tls = strncmp(url, "https://", 8) == 0;
	h = url + (u->tls ? 8 : 7);
	end = h + strcspn(h, ":/?#");
	n = (size_t)(end - h);
	if (n >= sizeof(u->host))
		n = sizeof(u->host) - 1;
	memcpy(u->host, h, n);
	u->host[n] = '\0';
	u->port = u->tls ? 443 : 80;
	if (*end == ':' && end[1] >= '0' && end[1] <= '9') {
		end++;
		end += str_decimal(end, strlen(end), 65536, &port);
		u->port = (unsigned)port;
	}
	n = strcspn(end, "?#");
	if (*end != '/' || n >= sizeof(u->path))
		n = 0;
	memcpy(u->path, end, n);
	u->path[n] = '\0';
}

static void
pl_key(struct buf *b, int indent, const char *key)
{
	buf_add(b, "\t\t\t\t", (size_t)indent);
	buf_puts(b, "<key>");
	buf_puts(b, key);
	buf_puts(b, "</key>\n");
}

static void
pl_string(struct buf *b, int indent, const char *key, const char *text,
    const struct subst *sub)
{
	pl_key(b, indent, key);
	buf_add(b, "\t\t\t\t", (size_t)indent);
	buf_puts(b, "<string>");
	put_text(b, text, sub);
	buf_puts(b, "</string>\n");
}

static void
pl_int(struct buf *b, int indent, const char *key, unsigned long v)
{
	pl_key(b, indent, key);
	buf_add(b, "\t\t\t\t", (size_t)indent);
	buf_puts(b, "<integer>");
	buf_putu(b, v);
	buf_puts(b, "</integer>\n");
}

static void
pl_bool(struct buf *b, int indent, const char *key, int v)
{
	pl_key(b, indent, key);
	buf_add(b, "\t\t\t\t", (size_t)indent);
	buf_puts(b, v ? "<true/>\n" : "<false/>\n");
}

/* A marker (or marker-bearing text) as a plist string. */
static void
pl_raw(struct buf *b, int indent, const char *key, const char *raw)
{
	pl_key(b, indent, key);
	buf_add(b, "\t\t\t\t", (size_t)indent);
	buf_puts(b, "<string>");
	buf_puts(b, raw);
	buf_puts(b, "</string>\n");
}

/* Payload keys every payload carries. */
static void
pl_payload(struct buf *b, const char *type, const char *idsuffix,
    char uuidmark, const char *display, const struct subst *sub)
{
	char	 id[64], mark[2] = { uuidmark, '\0' };

	snprintf(id, sizeof(id), "mailautoconf.%c.%s", MARK_UUID_PROFILE,
	    idsuffix);
	pl_string(b, 3, "PayloadDisplayName", display, sub);
	pl_raw(b, 3, "PayloadIdentifier", id);
	pl_string(b, 3, "PayloadType", type, sub);
	pl_raw(b, 3, "PayloadUUID", mark);
	pl_int(b, 3, "PayloadVersion", 1);
}

static void
pl_dav(struct buf *b, const char *pfx, const char *url, char uuidmark,
    const char *display, const struct subst *sub)
{
	struct urlparts	 u;
	char		 k[64], type[40];
	int		 cal;

	url_split(url, &u);
	buf_puts(b, "\t\t<dict>\n");
	snprintf(k, sizeof(k), "%sAccountDescription", pfx);
	pl_string(b, 3, k, display, sub);
	snprintf(k, sizeof(k), "%sHostName", pfx);
	pl_string(b, 3, k, u.host, sub);
	snprintf(k, sizeof(k), "%sPort", pfx);
	pl_int(b, 3, k, u.port);
	snprintf(k, sizeof(k), "%sPrincipalURL", pfx);
	pl_string(b, 3, k, url, sub);
	snprintf(k, sizeof(k), "%sUseSSL", pfx);
	pl_bool(b, 3, k, u.tls);
	snprintf(k, sizeof(k), "%sUsername", pfx);
	pl_raw(b, 3, k, sub->addr);
	cal = strcmp(pfx, "CalDAV") == 0;
	snprintf(type, sizeof(type), "com.apple.%s.account",
	    cal ? "caldav" : "carddav");
	pl_payload(b, type, cal ? "caldav" : "carddav", uuidmark, display,
	    sub);
	buf_puts(b, "\t\t</dict>\n");
}

/*
 * The five keys of the mail payload's incoming or outgoing server (dir
 * "Incoming" or "Outgoing"), in the plist's key order.
 */
static void
pl_server(struct buf *b, const char *dir, const struct server *sv,
    const struct subst *sub, const char *login)
{
	char	 key[64];

	snprintf(key, sizeof(key), "%sMailServerAuthentication", dir);
	pl_string(b, 3, key, "EmailAuthPassword", sub);
	snprintf(key, sizeof(key), "%sMailServerHostName", dir);
	pl_string(b, 3, key, sv->host, sub);
	snprintf(key, sizeof(key), "%sMailServerPortNumber", dir);
	pl_int(b, 3, key, sv->port);
	snprintf(key, sizeof(key), "%sMailServerUseSSL", dir);
	pl_bool(b, 3, key, sv->sock != SOCK_PLAIN);
	snprintf(key, sizeof(key), "%sMailServerUsername", dir);
	pl_raw(b, 3, key, login);
}

/*
 * The com.apple.mail.managed payload: the first chosen incoming server
 * (IMAP preferred over POP3) and the first chosen SMTP server, both
 * logging in as login (escaped, with markers).
 */
static void
pl_mail(struct buf *b, const struct section *s, const char *disp,
    const struct subst *sub, const char *login)
{
	const struct server *in, *out;
	enum proto	 ip = P_IMAP;

	if (xml_pick(s, P_IMAP, &in, 1) == 0) {
		ip = P_POP3;
		xml_pick(s, P_POP3, &in, 1);
	}
	xml_pick(s, P_SMTP, &out, 1);
	buf_puts(b, "\t\t<dict>\n");
	pl_string(b, 3, "EmailAccountDescription", disp, sub);
	pl_string(b, 3, "EmailAccountType", ip == P_IMAP ? "EmailTypeIMAP" :
	    "EmailTypePOP", sub);
	pl_raw(b, 3, "EmailAddress", mark_addr);
	pl_server(b, "Incoming", in, sub, login);
	pl_server(b, "Outgoing", out, sub, login);
	pl_bool(b, 3, "OutgoingPasswordSameAsIncomingPassword", 1);
	pl_payload(b, "com.apple.mail.managed", "mail", MARK_UUID_MAIL, disp,
	    sub);
	buf_puts(b, "\t\t</dict>\n");
}

/* The profile's own keys, after its payloads. */
static void
pl_profile(struct buf *b, const char *disp, const struct subst *sub)
{
	char	 id[32];

	pl_string(b, 1, "PayloadDescription", "Mail settings for "
	    "%EMAILDOMAIN%", sub);
	pl_string(b, 1, "PayloadDisplayName", disp, sub);
	snprintf(id, sizeof(id), "mailautoconf.%c", MARK_UUID_PROFILE);
	pl_raw(b, 1, "PayloadIdentifier", id);
	pl_bool(b, 1, "PayloadRemovalDisallowed", 0);
	pl_string(b, 1, "PayloadType", "Configuration", sub);
	id[0] = MARK_UUID_PROFILE;
	id[1] = '\0';
	pl_raw(b, 1, "PayloadUUID", id);
	pl_int(b, 1, "PayloadVersion", 1);
}

/*
 * Render an Apple configuration profile: one com.apple.mail.managed
 * payload, plus CalDAV and CardDAV payloads when configured.  Every
 * identifier and UUID is a marker named after the address, so a
 * re-download is byte-identical.  Never a password.
 */
void
xml_mobileconfig(struct buf *b, const struct section *s, const char *target)
{
	struct subst	 sub, login;
	struct buf	 aliasaddr, user;
	const char	*disp;

	user_subst(&sub, &aliasaddr, target);
	/* The login name, escaped once, its placeholders as markers. */
	buf_init(&user);
	put_esc(&user, s->username, &sub, buf_xml);
	buf_putc(&user, '\0');
	login = sub;
	login.addr = user.err ? "" : user.p;
	disp = s->display_name != NULL ? s->display_name : "%EMAILDOMAIN%";

	buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
	    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
	    "<plist version=\"1.0\">\n<dict>\n");
	pl_key(b, 1, "PayloadContent");
	buf_puts(b, "\t<array>\n");
	pl_mail(b, s, disp, &sub, login.addr);
	if (s->url[URL_CALDAV] != NULL)
		pl_dav(b, "CalDAV", s->url[URL_CALDAV], MARK_UUID_CALDAV, disp,
		    &login);
	if (s->url[URL_CARDDAV] != NULL)
		pl_dav(b, "CardDAV", s->url[URL_CARDDAV], MARK_UUID_CARDDAV,
		    disp, &login);
	buf_puts(b, "\t</array>\n");
	pl_profile(b, disp, &sub);
	buf_puts(b, "</dict>\n</plist>\n");
	if (aliasaddr.err || user.err)
		b->err = 1;
	buf_free(&user);
	buf_free(&aliasaddr);
}

/*
 * The servers an answer lists for protocol p, at most max of them.  By
 * default one: the first with implicit TLS (RFC 8314), else the first
 * configured.  With alternatives, that one first and then the others in
 * order.  A plain server only when the protocol has nothing else.
 */
unsigned
xml_pick(const struct section *s, enum proto p,
    const struct server **out, unsigned max)
{
	const struct server *srv = s->srv[p];
	unsigned	 n = s->nsrv[p], i, k = 0, best = n;

	if (n == 0 || max == 0)
		return 0;
	for (i = 0; i < n && best == n; i++)
		if (srv[i].sock == SOCK_SSL)
			best = i;
	for (i = 0; i < n && best == n; i++)
		if (srv[i].sock != SOCK_PLAIN)
			best = i;
	if (best == n) {
		/* Only plain servers. */
		out[k++] = &srv[0];
		for (i = 1; s->alternatives && i < n && k < max; i++)
			out[k++] = &srv[i];
		return k;
	}
	out[k++] = &srv[best];
	for (i = 0; s->alternatives && i < n && k < max; i++)
		if (i != best && srv[i].sock != SOCK_PLAIN)
			out[k++] = &srv[i];
	return k;
}
