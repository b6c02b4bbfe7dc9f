/*
 * The setup page (mailautoconf(8), "The setup page"): one HTML page per
 * domain for people, rendered once at load time like the other answers.
 * It holds the provider's name, a plain form that downloads the Apple
 * profile (no script), the settings to type by hand in words people
 * know, and the other addresses a domain has.  The markup is polyglot
 * HTML5 (well-formed XML as well), every config value goes through
 * xml_text, and the one style sheet is inline, allowed by its hash in
 * the Content-Security-Policy (respond.c, PAGE_HEADERS; the test
 * test_page.c checks the hash against the text below).
 */
#include <string.h>

#include "mailautoconf.h"

/*
 * What every page starts with, the same bytes for every domain: kept
 * once, not in each prepared page (respond.c sends it before the page).
 */
const char page_prefix[] =
    "<!DOCTYPE html>\n"
    "<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n"
    "<head>\n"
    "<meta charset=\"utf-8\"/>\n"
    "<meta name=\"viewport\" content=\"width=device-width, "
    "initial-scale=1\"/>\n"
    "<meta name=\"referrer\" content=\"no-referrer\"/>\n"
    "<style>" PAGE_STYLE "</style>\n";
const size_t page_prefix_len = sizeof(page_prefix) - 1;

static const char head_end[] =
    " \xe2\x80\x93 mail settings</title>\n"
    "</head>\n"
    "<body>\n"
    "<main>\n";

static const char tail[] =
    "</main>\n"
    "</body>\n"
    "</html>\n";

/* What people call a socket type. */
static const char *const security_words[SOCK_COUNT] = {
	[SOCK_SSL] = "SSL/TLS",
	[SOCK_STARTTLS] = "STARTTLS",
	[SOCK_PLAIN] = "None (not encrypted)",
};

/* What mail apps call an authentication method. */
static const char *const auth_words[AUTH_COUNT] = {
	[AUTH_CLEARTEXT] = "Normal password",
	[AUTH_ENCRYPTED] = "Encrypted password",
	[AUTH_OAUTH2] = "OAuth2",
	[AUTH_NTLM] = "NTLM",
	[AUTH_GSSAPI] = "Kerberos (GSSAPI)",
	[AUTH_NONE] = "None",
	[AUTH_CLIENTIP] = "None (by your network address)",
};

static const char *const proto_titles[PROTO_COUNT] = {
	[P_IMAP] = "Incoming mail: IMAP",
	[P_POP3] = "Incoming mail: POP3",
	[P_SMTP] = "Outgoing mail: SMTP",
};

/* One term and its description: <dt>term</dt><dd>text</dd>. */
static void
pair(struct buf *b, const char *term, const char *text, const char *target)
{
	buf_puts(b, "<dt>");
	buf_puts(b, term);
	buf_puts(b, "</dt><dd>");
	xml_text(b, text, target);
	buf_puts(b, "</dd>\n");
}

/*
 * The user name rule in words: the whole address and the local part by
 * name; any other template as code, its placeholders as variables that
 * a note explains.
 */
static void
username(struct buf *b, const char *tmpl, const char *target)
{
	static const struct {
		const char	*ph;
		const char	*var;
		const char	*words;
	} ph[] = {
		{ "%EMAILADDRESS%", "address", "your full e-mail address" },
		{ "%EMAILLOCALPART%", "name",
		    "the part of your address before the @" },
	};
	char		 piece[CONF_VALUE_MAX + 1];
	const char	*p;
	unsigned	 used = 0;
	size_t		 i, n;

	buf_puts(b, "<dt>User name</dt><dd>");
	for (i = 0; i < 2; i++)
		if (strcmp(tmpl, ph[i].ph) == 0) {
			buf_puts(b, ph[i].words);
			buf_puts(b, "</dd>\n");
			return;
		}
	buf_puts(b, "<code>");
	while (*tmpl != '\0') {
		for (i = 0; i < 2; i++)
			if (strncmp(tmpl, ph[i].ph, strlen(ph[i].ph)) == 0)
				break;
		if (i < 2) {
			buf_puts(b, "<var>");
			buf_puts(b, ph[i].var);
			buf_puts(b, "</var>");
			used |= 1u << i;
			tmpl += strlen(ph[i].ph);
			continue;
		}
		for (p = tmpl + 1; *p != '\0' && strncmp(p, ph[0].ph, 14) != 0 &&
		    strncmp(p, ph[1].ph, 16) != 0; p++)
			;
		n = (size_t)(p - tmpl);
		memcpy(piece, tmpl, n);		/* a config value: fits */
		piece[n] = '\0';
		xml_text(b, piece, target);
		tmpl = p;
	}
	buf_puts(b, "</code>");
	for (i = 0; i < 2; i++)
		if (used & 1u << i) {
			buf_puts(b, ", <var>");
			buf_puts(b, ph[i].var);
			buf_puts(b, "</var> being ");
			buf_puts(b, ph[i].words);
		}
	buf_puts(b, "</dd>\n");
}

/* One server's settings. */
static void
server(struct buf *b, const struct section *s, enum proto p,
    const struct server *sv, const char *target)
{
	unsigned	 i;

	buf_puts(b, "<dl>\n");
	pair(b, "Server", sv->host, target);
	buf_puts(b, "<dt>Port</dt><dd>");
	buf_putu(b, sv->port);
	buf_puts(b, "</dd>\n");
	pair(b, "Security", security_words[sv->sock], NULL);
	if (!(sv->nauth == 1 && (sv->auth[0] == AUTH_NONE ||
	    sv->auth[0] == AUTH_CLIENTIP)))
		username(b, s->username, target);
	buf_puts(b, "<dt>Sign-in</dt><dd>");
	for (i = 0; i < sv->nauth; i++) {
		if (i > 0)
			buf_puts(b, ", or ");
		buf_puts(b, auth_words[sv->auth[i]]);
	}
	buf_puts(b, "</dd>\n</dl>\n");
	(void)p;
}

/* The servers by hand, protocol by protocol, in the file's order. */
static void
servers(struct buf *b, const struct section *s, const char *target)
{
	unsigned	 p, i;

	buf_puts(b, "<section aria-labelledby=\"manual\">\n"
	    "<h2 id=\"manual\">Settings to enter by hand</h2>\n");
	for (p = 0; p < PROTO_COUNT; p++) {
		if (s->nsrv[p] == 0)
			continue;
		buf_puts(b, "<h3>");
		buf_puts(b, proto_titles[p]);
		buf_puts(b, "</h3>\n");
		for (i = 0; i < s->nsrv[p]; i++) {
			if (i == 1)
				buf_puts(b, "<p>Or, if the one above does not "
				    "work:</p>\n");
			server(b, s, (enum proto)p, &s->srv[p][i], target);
		}
	}
	buf_puts(b, "<p>The password is your mail password.</p>\n"
	    "</section>\n");
}

/* The web addresses a domain has, when any. */
static void
addresses(struct buf *b, const struct section *s, const char *target)
{
	static const struct {
		enum url	 u;
		const char	*term;
	} rows[] = {
		{ URL_WEBMAIL, "Webmail" },
		{ URL_CALDAV, "Calendar (CalDAV)" },
		{ URL_CARDDAV, "Contacts (CardDAV)" },
		{ URL_JMAP, "JMAP" },
		{ URL_DOCUMENTATION, "Help" },
	};
	size_t	 i, n = 0;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		n += s->url[rows[i].u] != NULL;
	if (n == 0)
		return;
	buf_puts(b, "<section aria-labelledby=\"more\">\n"
	    "<h2 id=\"more\">Other addresses</h2>\n<dl>\n");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (s->url[rows[i].u] == NULL)
			continue;
		buf_puts(b, "<dt>");
		buf_puts(b, rows[i].term);
		buf_puts(b, "</dt><dd>");
		if (rows[i].u == URL_WEBMAIL || rows[i].u == URL_DOCUMENTATION) {
			buf_puts(b, "<a href=\"");
			xml_text(b, s->url[rows[i].u], target);
			buf_puts(b, "\">");
			xml_text(b, rows[i].u == URL_DOCUMENTATION &&
			    s->doc_text != NULL ? s->doc_text :
			    s->url[rows[i].u], target);
			buf_puts(b, "</a>");
		} else
			xml_text(b, s->url[rows[i].u], target);
		buf_puts(b, "</dd>\n");
	}
	buf_puts(b, "</dl>\n</section>\n");
}

/*
 * The setup page of section s for the domain marker (or the alias
 * target), after page_prefix; the form sends the address to action (a
 * path ending in "email.mobileconfig").
 */
void
html_setup(struct buf *b, const struct section *s, const char *target,
    const char *action)
{
	const char	*name = s->display_name != NULL ? s->display_name :
			    "%EMAILDOMAIN%";

	buf_puts(b, "<title>");
	xml_text(b, name, target);
	buf_puts(b, head_end);
	buf_puts(b, "<h1>");
	xml_text(b, name, target);
	buf_puts(b, "</h1>\n<p>Mail settings for addresses at <strong>");
	xml_text(b, "%EMAILDOMAIN%", target);
	buf_puts(b, "</strong>.</p>\n"
	    "<section aria-labelledby=\"auto\">\n"
	    "<h2 id=\"auto\">Most mail apps: nothing to enter</h2>\n"
	    "<p>Thunderbird, Outlook, Evolution, Thunderbird for Android, "
	    "K-9 Mail, KMail and Delta Chat need only your e-mail address and "
	    "password: they find these settings themselves.</p>\n"
	    "</section>\n"
	    "<section aria-labelledby=\"apple\">\n"
	    "<h2 id=\"apple\">iPhone, iPad and Mac</h2>\n"
	    "<form method=\"get\" action=\"");
	xml_text(b, action, NULL);
	buf_puts(b, "\">\n"
	    "<label for=\"emailaddress\">Your e-mail address</label>\n"
	    "<input id=\"emailaddress\" name=\"emailaddress\" type=\"email\" "
	    "required=\"required\" autocomplete=\"email\" "
	    "autocapitalize=\"none\" spellcheck=\"false\" maxlength=\""
	    MAC_STR(EMAIL_MAX) "\" placeholder=\"name@");
	xml_text(b, "%EMAILDOMAIN%", target);
	buf_puts(b, "\"/>\n"
	    "<button type=\"submit\">Download the profile</button>\n"
	    "</form>\n"
	    "<p>Open this page in Safari. After the download, install the "
	    "profile in Settings (iPhone, iPad) or System Settings (Mac); "
	    "it asks for your password.</p>\n"
	    "</section>\n");
	servers(b, s, target);
	addresses(b, s, target);
	buf_puts(b, tail);
}
