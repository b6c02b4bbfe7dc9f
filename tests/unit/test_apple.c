/*
 * Apple configuration profiles (doc/clients.md, Apple) through
 * respond() as the FastCGI loop calls it.  The .well-known redirects and
 * the DAV entries of the other answers are in test_dav.c.
 *
 * Every profile is re-parsed with mxml and walked as a plist: the keys
 * Apple's device-management reference requires, their value types,
 * UUIDs equal to independently computed version-5 UUIDs, nothing that
 * looks like a password.  Configs: etc/mailautoconf.conf (the sample),
 * tests/conf/apple-dav.conf (CalDAV/CardDAV with %EMAILDOMAIN% and port
 * 8443, JMAP, an alias) and tests/conf/apple-pop.conf (POP3 only with a
 * %EMAILLOCALPART% username, plain servers only, an alias) and
 * tests/conf/apple-escape.conf (XML metacharacters in config text, in
 * the username template and in a URL).
 */
#include "testutil.h"
#include "ask.h"

#define CONF_SAMPLE	"etc/mailautoconf.conf"
#define CONF_DAV	"tests/conf/apple-dav.conf"
#define CONF_POP	"tests/conf/apple-pop.conf"
#define CONF_ESC	"tests/conf/apple-escape.conf"

#define CT_APPLE	"application/x-apple-aspen-config"
#define CT_TEXT		"text/plain; charset=utf-8"
#define CT_XML		"text/xml; charset=utf-8"

/*
 * Version-5 UUIDs in the namespace ed8de971-db4f-4522-a809-79d976bfe80f
 * over "KIND\nADDRESS", upper-case as profiles carry them.  Computed
 * with Python's uuid module, not with uuid.c:
 *
 *   python3 -c 'import uuid, sys
 *   ns = uuid.UUID("ed8de971-db4f-4522-a809-79d976bfe80f")
 *   for a in sys.argv[1:]:
 *       print(a, [str(uuid.uuid5(ns, k + "\n" + a)).upper()
 *           for k in ("profile", "mail", "caldav", "carddav")])' \
 *       alice@example.com bob@example.com …
 */
enum { U_PROFILE, U_MAIL, U_CALDAV, U_CARDDAV, U_COUNT };

static const char *const uuid_kinds[U_COUNT] = {
	"profile", "mail", "caldav", "carddav"
};

struct uuid_case {
	const char	*addr;
	const char	*uuid[U_COUNT];
};

static const struct uuid_case uuids[] = {
	{ "alice@example.com", {
	    "EE70D6E5-7B0D-5953-A4A8-9DF18BD0A883",
	    "0CD86D7D-00DE-5FF6-A673-BD83900156EF",
	    "4D2BAD70-4505-5F0E-994E-41B51DAA51C8",
	    "324CDCFB-68D2-5F41-9E40-B5EB2E27BCA5" } },
	{ "bob@example.com", {
	    "FE7EE544-493E-5683-9C6C-AA25BCBB2A75",
	    "4AC4F57A-28EC-526D-A9BC-4FDAAFB2F0B2",
	    "4C994E4D-0A93-57BA-85AA-A957CAB295EB",
	    "9F85C2AD-9E29-521E-8470-5DF7DE3F3322" } },
	{ "Alice@example.com", {
	    "9B63B262-C7B7-53F8-8627-8DD1B1E04653",
	    "550B4200-EA98-5B98-995C-ED84DF9E4165",
	    "118493E7-6783-55D3-9EBD-EBFBB2E3126D",
	    "17A220B0-068B-52F4-92D2-C53D06EA5591" } },
	{ "o'neil&co@example.com", {
	    "5A72DB5D-E832-5168-8562-33F9BA37E8C8",
	    "059C7C9D-7518-5CAD-A3C2-0A16E72BA491",
	    "7CF7DFED-DB52-5F2B-90B4-F218D08640EC",
	    "3AD92A95-D055-5F12-B99A-1CC4CB02DFC4" } },
	{ "alice@example.org", {
	    "B7C10E9C-343D-586A-9779-307EB3BF5E09",
	    "992CC3EC-F0E2-52A1-B923-9B1871D8467F",
	    "050A3C06-321B-53C5-9054-D8C276675154",
	    "BCDE8797-E010-5376-9E46-167C986B8024" } },
	{ "carol@dav.example", {
	    "30FC21B4-83A5-5EC8-98D4-656A62B08228",
	    "043E1807-EF82-5235-9C84-8BFF4112B094",
	    "2B90FE0E-75CF-571B-877E-C1B16CFC733A",
	    "6CAF02FC-A07F-5F94-9B7A-03B5D623155A" } },
	{ "dave@alias.example", {
	    "9B248812-6B22-51BF-9C8B-5BFFFBB2FE86",
	    "4FD2DFEE-612A-58CF-BD7A-AB6010E94FDA",
	    "FFB0074D-FCC7-59A1-AA22-BDB243966179",
	    "293AD4F9-E773-5BB5-8FB1-8642172FE2C8" } },
	{ "erin@pop.example", {
	    "69B0594C-C088-5BE2-AB56-15EE00813897",
	    "6D1DBF02-32E6-526E-A728-CD09326594E2",
	    "75D57BF2-CAE2-5738-8463-11A7D4B04D23",
	    "2E9272A6-27BC-5905-818D-29BCE2112C7E" } },
	{ "frank@plain.example", {
	    "249CC9B0-45A8-575F-A5A8-F3AD2B2D3B2C",
	    "4969145B-1F47-5CA9-B56F-4BCD609BD804",
	    "09FEA331-7BD4-519C-B8E2-174B3E340F9B",
	    "16ADAEA2-0B5B-5E9E-84C2-DC84D1D94250" } },
	{ "grace@popalias.example", {
	    "6A60208D-49C7-5C1C-9900-64F60375C01E",
	    "E973007B-E851-5893-956B-169F8B61C762",
	    "FAB40027-77BB-5835-9DB8-6384E88793BE",
	    "D4721AE3-6545-5E72-A1F0-DF44566A3C5C" } },
	{ "bob@esc.example", {
	    "C8196E61-4F02-58E0-BD6F-57656A011896",
	    "C83CBFAA-EE70-500E-9A04-72BDA600AE3E",
	    "AA21A50F-734E-517F-8216-8A5F8B7E4136",
	    "6742AA16-C236-5D16-8F19-5AD42D9A8A12" } },
};

/* The expected UUIDs of an address; it must be in the table. */
static const struct uuid_case *
uuid_want(const char *addr)
{
	size_t	 i;

	for (i = 0; i < NELEM(uuids); i++)
		if (strcmp(uuids[i].addr, addr) == 0)
			return &uuids[i];
	fail_msg("%s: not in the UUID table", addr);
	return NULL;
}

static void
assert_status(const char *path, const char *method, const char *uri,
    const char *host, enum status want)
{
	struct response	*r = ask(path, method, uri, host, NULL);

	if (r->status != want)
		fail_msg("%s %s (Host %s) on %s: %d, want %d", method, uri,
		    host != NULL ? host : "-", path, (int)r->status,
		    (int)want);
	if (want != ST_OK)
		assert_short_text(r);
	assert_null(r->attachment);
	drop(r);
}

/* ---- a tiny plist reader over an mxml tree ---- */

/*
 * The value of key in dict, or NULL.  The dict must be well formed:
 * <key> and value alternate, no key twice.
 */
static mxml_node_t *
pl_get(mxml_node_t *dict, const char *key)
{
	mxml_node_t	*k, *v, *found = NULL;

	assert_string_equal(mxmlGetElement(dict), "dict");
	for (k = first_elem(dict); k != NULL; k = next_elem(
	    mxmlGetNextSibling(v))) {
		assert_string_equal(mxmlGetElement(k), "key");
		if ((v = next_elem(mxmlGetNextSibling(k))) == NULL) {
			fail_msg("<key>%s</key> without a value", tu_text(k));
			return NULL;
		}
		if (strcmp(tu_text(k), key) == 0) {
			if (found != NULL)
				fail_msg("key %s twice in one dict", key);
			found = v;
		}
	}
	return found;
}

/* The value of a key that must be there, of element type type. */
static mxml_node_t *
pl_need(mxml_node_t *dict, const char *key, const char *type)
{
	mxml_node_t	*v;

	if ((v = pl_get(dict, key)) == NULL)
		fail_msg("key %s missing", key);
	if (strcmp(mxmlGetElement(v), type) != 0)
		fail_msg("key %s: <%s>, want <%s>", key, mxmlGetElement(v),
		    type);
	return v;
}

static void
pl_str(mxml_node_t *dict, const char *key, const char *want)
{
	const char	*t = tu_text(pl_need(dict, key, "string"));

	if (strcmp(t, want) != 0)
		fail_msg("%s: '%s', want '%s'", key, t, want);
}

static void
pl_int(mxml_node_t *dict, const char *key, unsigned want)
{
	char	 w[16];

	snprintf(w, sizeof(w), "%u", want);
	assert_string_equal(tu_text(pl_need(dict, key, "integer")), w);
}

static void
pl_bool(mxml_node_t *dict, const char *key, int want)
{
	mxml_node_t	*v;

	if ((v = pl_get(dict, key)) == NULL)
		fail_msg("key %s missing", key);
	if (strcmp(mxmlGetElement(v), want ? "true" : "false") != 0)
		fail_msg("%s: <%s>, want <%s/>", key, mxmlGetElement(v),
		    want ? "true" : "false");
	assert_null(first_elem(v));
}

/* 1 if s is an upper-case version-5 RFC 9562 UUID. */
static int
is_uuid5(const char *s)
{
	size_t	 i;

	if (strlen(s) != UUID_LEN)
		return 0;
	for (i = 0; i < UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	}
	return s[14] == '5' && strchr("89AB", s[19]) != NULL;
}

/*
 * Walk every dict under n: keys alternate with values, no key holding
 * "Password" has a string or data value, no string is empty, no
 * PayloadUUID repeats (uuidseen collects them, *nuuid counts).
 */
static void
pl_walk(mxml_node_t *n, const char **uuidseen, size_t *nuuid)
{
	mxml_node_t	*k, *v;
	const char	*key, *type;
	size_t		 i;

	if (strcmp(mxmlGetElement(n), "string") == 0) {
		if (*tu_text(n) == '\0')
			fail_msg("empty <string>");
		return;
	}
	if (strcmp(mxmlGetElement(n), "array") == 0) {
		for (v = first_elem(n); v != NULL;
		    v = next_elem(mxmlGetNextSibling(v)))
			pl_walk(v, uuidseen, nuuid);
		return;
	}
	if (strcmp(mxmlGetElement(n), "dict") != 0)
		return;
	for (k = first_elem(n); k != NULL;
	    k = next_elem(mxmlGetNextSibling(v))) {
		assert_string_equal(mxmlGetElement(k), "key");
		key = tu_text(k);
		if ((v = next_elem(mxmlGetNextSibling(k))) == NULL) {
			fail_msg("<key>%s</key> without a value", key);
			return;
		}
		type = mxmlGetElement(v);
		if (strstr(key, "Password") != NULL &&
		    (strcmp(type, "string") == 0 || strcmp(type, "data") == 0))
			fail_msg("%s carries a <%s>: never a password", key,
			    type);
		if (strcmp(key, "PayloadUUID") == 0) {
			assert_string_equal(type, "string");
			if (!is_uuid5(tu_text(v)))
				fail_msg("PayloadUUID '%s' is not an "
				    "upper-case version-5 UUID", tu_text(v));
			for (i = 0; i < *nuuid; i++)
				if (strcmp(uuidseen[i], tu_text(v)) == 0)
					fail_msg("PayloadUUID %s twice",
					    tu_text(v));
			assert_true(*nuuid < 8);
			uuidseen[(*nuuid)++] = tu_text(v);
		}
		pl_walk(v, uuidseen, nuuid);
	}
}

/* ---- what one profile must hold ---- */

struct dav_want {
	const char	*host;		/* NULL: no such payload */
	unsigned	 port;
	int		 ssl;
	const char	*url;
};

struct apple_want {
	const char	*conf;
	const char	*qaddr;		/* the query's emailaddress */
	const char	*addr;		/* EmailAddress, UUID name */
	const char	*domain;	/* the attachment's name */
	const char	*display;
	const char	*type;		/* EmailTypeIMAP or …POP */
	const char	*user;		/* expanded login name */
	const char	*in_host;
	unsigned	 in_port;
	int		 in_ssl;
	const char	*out_host;
	unsigned	 out_port;
	int		 out_ssl;
	struct dav_want	 caldav, carddav;
	const char	*golden;	/* tests/golden/NAME, or NULL */
};

static const struct apple_want profiles[] = {
	{ CONF_SAMPLE, "alice%40example.com", "alice@example.com",
	    "example.com", "Example Mail", "EmailTypeIMAP",
	    "alice@example.com", "imap.example.com", 993, 1,
	    "smtp.example.com", 465, 1, { NULL, 0, 0, NULL },
	    { NULL, 0, 0, NULL }, "apple-sample-alice.mobileconfig" },
	{ CONF_SAMPLE, "bob@example.com", "bob@example.com",
	    "example.com", "Example Mail", "EmailTypeIMAP",
	    "bob@example.com", "imap.example.com", 993, 1,
	    "smtp.example.com", 465, 1, { NULL, 0, 0, NULL },
	    { NULL, 0, 0, NULL }, NULL },
	/* The domain is lower-cased, the local part keeps its case. */
	{ CONF_SAMPLE, "Alice%40EXAMPLE.Com", "Alice@example.com",
	    "example.com", "Example Mail", "EmailTypeIMAP",
	    "Alice@example.com", "imap.example.com", 993, 1,
	    "smtp.example.com", 465, 1, { NULL, 0, 0, NULL },
	    { NULL, 0, 0, NULL }, NULL },
	/* & and ' are atext: escaped in the XML, raw in the UUID name. */
	{ CONF_SAMPLE, "o%27neil%26co%40example.com", "o'neil&co@example.com",
	    "example.com", "Example Mail", "EmailTypeIMAP",
	    "o'neil&co@example.com", "imap.example.com", 993, 1,
	    "smtp.example.com", 465, 1, { NULL, 0, 0, NULL },
	    { NULL, 0, 0, NULL }, "apple-sample-escape.mobileconfig" },
	/* example.org is an alias of example.com. */
	{ CONF_SAMPLE, "alice%40example.org", "alice@example.org",
	    "example.org", "Example Mail", "EmailTypeIMAP",
	    "alice@example.com", "imap.example.com", 993, 1,
	    "smtp.example.com", 465, 1, { NULL, 0, 0, NULL },
	    { NULL, 0, 0, NULL }, NULL },
	{ CONF_DAV, "carol%40dav.example", "carol@dav.example",
	    "dav.example", "Mail & Calendar at dav.example", "EmailTypeIMAP",
	    "carol@dav.example", "imap.dav.example", 993, 1,
	    "smtp.dav.example", 465, 1,
	    { "dav.dav.example", 8443, 1,
	    "https://dav.dav.example:8443/caldav/dav.example/" },
	    { "dav.dav.example", 443, 1,
	    "https://dav.dav.example/carddav/?a=1&b=2" },
	    "apple-dav-carol.mobileconfig" },
	{ CONF_DAV, "dave%40alias.example", "dave@alias.example",
	    "alias.example", "Mail & Calendar at dav.example",
	    "EmailTypeIMAP", "dave@dav.example", "imap.dav.example", 993, 1,
	    "smtp.dav.example", 465, 1,
	    { "dav.dav.example", 8443, 1,
	    "https://dav.dav.example:8443/caldav/dav.example/" },
	    { "dav.dav.example", 443, 1,
	    "https://dav.dav.example/carddav/?a=1&b=2" }, NULL },
	{ CONF_POP, "erin%40pop.example", "erin@pop.example", "pop.example",
	    "POP 'n' Mail", "EmailTypePOP", "erin", "pop.pop.example", 995, 1,
	    "mail.pop.example", 587, 1, { NULL, 0, 0, NULL },
	    { "contacts.pop.example", 80, 0,
	    "http://contacts.pop.example/card/pop.example" },
	    "apple-pop-erin.mobileconfig" },
	{ CONF_POP, "frank%40plain.example", "frank@plain.example",
	    "plain.example", "plain.example", "EmailTypeIMAP",
	    "frank@plain.example", "imap.plain.example", 143, 0,
	    "smtp.plain.example", 25, 0,
	    { "cal.plain.example", 443, 1, "https://cal.plain.example/" },
	    { NULL, 0, 0, NULL }, NULL },
	{ CONF_POP, "grace%40popalias.example", "grace@popalias.example",
	    "popalias.example", "POP 'n' Mail", "EmailTypePOP", "grace",
	    "pop.pop.example", 995, 1, "mail.pop.example", 587, 1,
	    { NULL, 0, 0, NULL },
	    { "contacts.pop.example", 80, 0,
	    "http://contacts.pop.example/card/pop.example" }, NULL },
	/* The username template's own text is escaped too. */
	{ CONF_ESC, "bob%40esc.example", "bob@esc.example", "esc.example",
	    "<Esc> & \"Co\" 'Mail'", "EmailTypeIMAP", "bob+<mail>&co",
	    "imap.esc.example", 993, 1, "smtp.esc.example", 465, 1,
	    { "dav.esc.example", 443, 1,
	    "https://dav.esc.example/cal/?u=esc.example&x=1" },
	    { NULL, 0, 0, NULL }, "apple-escape-bob.mobileconfig" },
};

/*
 * A DAV payload (doc/clients.md, Apple: DAV payloads; there when the
 * configuration has the URL).
 */
static void
check_dav(mxml_node_t *p, const char *pfx, const struct dav_want *d,
    const struct apple_want *w, const struct uuid_case *u, int kind)
{
	char	 k[64], id[128], type[64];

	snprintf(type, sizeof(type), "com.apple.%s.account",
	    kind == U_CALDAV ? "caldav" : "carddav");
	pl_str(p, "PayloadType", type);
	snprintf(k, sizeof(k), "%sHostName", pfx);
	pl_str(p, k, d->host);
	snprintf(k, sizeof(k), "%sPort", pfx);
	pl_int(p, k, d->port);
	snprintf(k, sizeof(k), "%sUseSSL", pfx);
	pl_bool(p, k, d->ssl);
	snprintf(k, sizeof(k), "%sPrincipalURL", pfx);
	pl_str(p, k, d->url);
	snprintf(k, sizeof(k), "%sUsername", pfx);
	pl_str(p, k, w->user);
	snprintf(k, sizeof(k), "%sAccountDescription", pfx);
	pl_str(p, k, w->display);
	pl_str(p, "PayloadDisplayName", w->display);
	pl_int(p, "PayloadVersion", 1);
	pl_str(p, "PayloadUUID", u->uuid[kind]);
	snprintf(id, sizeof(id), "mailautoconf.%s.%s", u->uuid[U_PROFILE],
	    uuid_kinds[kind]);
	pl_str(p, "PayloadIdentifier", id);
}

/* The com.apple.mail.managed payload. */
static void
check_mail(mxml_node_t *p, const struct apple_want *w,
    const struct uuid_case *u)
{
	char	 id[128];

	pl_str(p, "EmailAccountType", w->type);
	pl_str(p, "EmailAddress", w->addr);
	pl_str(p, "EmailAccountDescription", w->display);
	pl_str(p, "IncomingMailServerAuthentication", "EmailAuthPassword");
	pl_str(p, "IncomingMailServerHostName", w->in_host);
	pl_int(p, "IncomingMailServerPortNumber", w->in_port);
	pl_bool(p, "IncomingMailServerUseSSL", w->in_ssl);
	pl_str(p, "IncomingMailServerUsername", w->user);
	pl_str(p, "OutgoingMailServerAuthentication", "EmailAuthPassword");
	pl_str(p, "OutgoingMailServerHostName", w->out_host);
	pl_int(p, "OutgoingMailServerPortNumber", w->out_port);
	pl_bool(p, "OutgoingMailServerUseSSL", w->out_ssl);
	pl_str(p, "OutgoingMailServerUsername", w->user);
	pl_str(p, "PayloadDisplayName", w->display);
	pl_int(p, "PayloadVersion", 1);
	pl_str(p, "PayloadUUID", u->uuid[U_MAIL]);
	snprintf(id, sizeof(id), "mailautoconf.%s.mail", u->uuid[U_PROFILE]);
	pl_str(p, "PayloadIdentifier", id);
	/* No password, no password prompt text either. */
	assert_null(pl_get(p, "IncomingPassword"));
	assert_null(pl_get(p, "OutgoingPassword"));
}

/*
 * Parse a profile body as an XML plist (mxml, and xmllint when there)
 * and check everything doc/clients.md (Apple) asks of it for w.
 */
static void
check_profile(const char *body, size_t n, const struct apple_want *w)
{
	static const char decl[] = "<?xml version=\"1.0\" "
	    "encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC "
	    "\"-//Apple//DTD PLIST 1.0//EN\" "
	    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n";
	const struct uuid_case *u = uuid_want(w->addr);
	mxml_node_t	*tree, *plist, *top, *content, *p, *types[4] = { 0 };
	const char	*seen[8], *type;
	char		 id[128];
	size_t		 i, nuuid = 0, npay = 0;

	/* UTF-8, no BOM, no marker byte or other control character. */
	assert_true(n > sizeof(decl));
	assert_memory_equal(body, decl, sizeof(decl) - 1);
	assert_true(valid_utf8(body, n));
	for (i = 0; i < n; i++)
		if ((unsigned char)body[i] < 0x20 && body[i] != '\n' &&
		    body[i] != '\t')
			fail_msg("control byte 0x%02x at offset %zu",
			    (unsigned char)body[i], i);
	tree = parse_xml(body, n);
	plist = mxmlFindElement(tree, tree, "plist", NULL, NULL,
	    MXML_DESCEND);
	assert_non_null(plist);
	assert_string_equal(mxmlElementGetAttr(plist, "version"), "1.0");
	top = first_elem(plist);
	assert_non_null(top);
	assert_string_equal(mxmlGetElement(top), "dict");
	assert_null(next_elem(mxmlGetNextSibling(top)));

	/* The top level. */
	pl_str(top, "PayloadType", "Configuration");
	pl_int(top, "PayloadVersion", 1);
	pl_str(top, "PayloadUUID", u->uuid[U_PROFILE]);
	snprintf(id, sizeof(id), "mailautoconf.%s", u->uuid[U_PROFILE]);
	pl_str(top, "PayloadIdentifier", id);
	pl_str(top, "PayloadDisplayName", w->display);
	content = pl_need(top, "PayloadContent", "array");

	/* One payload per kind; the mail payload first. */
	for (p = first_elem(content); p != NULL;
	    p = next_elem(mxmlGetNextSibling(p))) {
		assert_string_equal(mxmlGetElement(p), "dict");
		type = tu_text(pl_need(p, "PayloadType", "string"));
		if (strcmp(type, "com.apple.mail.managed") == 0)
			i = 0;
		else if (strcmp(type, "com.apple.caldav.account") == 0)
			i = 1;
		else if (strcmp(type, "com.apple.carddav.account") == 0)
			i = 2;
		else
			fail_msg("unexpected PayloadType %s", type);
		if (types[i] != NULL)
			fail_msg("two %s payloads", type);
		if (npay == 0 && i != 0)
			fail_msg("first payload is %s", type);
		types[i] = p;
		npay++;
	}
	assert_non_null(types[0]);
	check_mail(types[0], w, u);
	if (w->caldav.host != NULL) {
		assert_non_null(types[1]);
		check_dav(types[1], "CalDAV", &w->caldav, w, u, U_CALDAV);
	} else
		assert_null(types[1]);
	if (w->carddav.host != NULL) {
		assert_non_null(types[2]);
		check_dav(types[2], "CardDAV", &w->carddav, w, u, U_CARDDAV);
	} else
		assert_null(types[2]);
	assert_int_equal(npay, 1 + (w->caldav.host != NULL) +
	    (w->carddav.host != NULL));

	/* Whole tree: structure, no password, distinct UUIDs. */
	pl_walk(top, seen, &nuuid);
	assert_int_equal(nuuid, 1 + npay);
	drop(tree);
}

/* Ask for w's profile with path and method; checks the headers. */
static struct response *
get_profile(const struct apple_want *w, const char *path,
    const char *method, const char *host)
{
	struct response	*r;
	char		 uri[512], head[RESP_HEAD_MAX], want[256];

	snprintf(uri, sizeof(uri), "%s?emailaddress=%s", path, w->qaddr);
	r = ask(w->conf, method, uri, host, NULL);
	if (r->status != ST_OK)
		fail_msg("%s %s: %d (%s)", method, uri, (int)r->status,
		    r->why != NULL ? r->why : "");
	assert_string_equal(r->ctype, CT_APPLE);
	assert_non_null(r->attachment);
	assert_int_equal(r->attachlen, strlen(w->domain));
	assert_memory_equal(r->attachment, w->domain, r->attachlen);
	assert_null(r->location);
	assert_null(r->allow);
	assert_int_equal(r->headonly, strcmp(method, "HEAD") == 0);
	head_of(r, head, sizeof(head));
	snprintf(want, sizeof(want), "Status: 200 OK\r\n"
	    "Content-Type: " CT_APPLE "\r\nContent-Length: %zu\r\n"
	    "Content-Disposition: attachment; filename=\"%s.mobileconfig\""
	    "\r\n\r\n", r->bodylen, w->domain);
	assert_string_equal(head, want);
	return r;
}

/* Every profile of the table: parsed, checked, golden where named. */
static void
test_profiles(void **state)
{
	const struct apple_want *w;
	struct response	*r;
	size_t		 i;

	(void)state;
	for (i = 0; i < NELEM(profiles); i++) {
		w = &profiles[i];
		r = get_profile(w, "/mobileconfig", "GET", NULL);
		check_profile(r->body, r->bodylen, w);
		if (w->golden != NULL)
			tu_golden(w->golden, r->body, r->bodylen);
		drop(r);
	}
}

/*
 * Both paths, any case, under a prefix, with or without a Host (the
 * address decides): the same bytes, twice.
 */
static void
test_paths_identical(void **state)
{
	static const struct {
		const char	*path;
		const char	*host;
	} ways[] = {
		{ "/mobileconfig", NULL },
		{ "/mobileconfig", "example.com" },
		{ "/MobileConfig", "autoconfig.example.net" },
		{ "/email.mobileconfig", NULL },
		{ "/Email.MobileConfig", "pop.example" },
		{ "/EMAIL.MOBILECONFIG", NULL },
		{ "/autoconf//mobileconfig", NULL },
		{ "/%65mail.mobileconfig", NULL },
	};
	const struct apple_want *w;
	struct response	*first, *r;
	char		 h1[RESP_HEAD_MAX], h2[RESP_HEAD_MAX];
	size_t		 i, j;

	(void)state;
	for (i = 0; i < NELEM(profiles); i++) {
		w = &profiles[i];
		first = get_profile(w, "/mobileconfig", "GET", NULL);
		head_of(first, h1, sizeof(h1));
		for (j = 0; j < NELEM(ways); j++) {
			r = get_profile(w, ways[j].path, "GET", ways[j].host);
			head_of(r, h2, sizeof(h2));
			assert_string_equal(h1, h2);
			assert_int_equal(r->bodylen, first->bodylen);
			assert_memory_equal(r->body, first->body,
			    first->bodylen);
			drop(r);
		}
		drop(first);
	}
}

/* HEAD: exactly GET's headers, no body written. */
static void
test_head(void **state)
{
	const struct apple_want *w = &profiles[0];
	struct response	*g, *h;
	char		 hg[RESP_HEAD_MAX], hh[RESP_HEAD_MAX];

	(void)state;
	g = get_profile(w, "/email.mobileconfig", "GET", NULL);
	h = get_profile(w, "/email.mobileconfig", "HEAD", NULL);
	assert_int_equal(g->headonly, 0);
	assert_int_equal(h->headonly, 1);
	head_of(g, hg, sizeof(hg));
	head_of(h, hh, sizeof(hh));
	assert_string_equal(hg, hh);
	assert_int_equal(g->bodylen, h->bodylen);
	drop(g);
	drop(h);
}

/* Different addresses, different UUIDs and identifiers; same domain. */
static void
test_uuids_differ(void **state)
{
	struct response	*a, *b;
	const struct uuid_case *ua = uuid_want("alice@example.com");
	const struct uuid_case *ub = uuid_want("bob@example.com");
	int		 i, j;

	(void)state;
	a = get_profile(&profiles[0], "/mobileconfig", "GET", NULL);
	b = get_profile(&profiles[1], "/mobileconfig", "GET", NULL);
	assert_true(a->bodylen != b->bodylen ||
	    memcmp(a->body, b->body, a->bodylen) != 0);
	for (i = 0; i < U_COUNT; i++)
		for (j = 0; j < U_COUNT; j++) {
			assert_string_not_equal(ua->uuid[i], ub->uuid[j]);
			if (i != j)
				assert_string_not_equal(ua->uuid[i],
				    ua->uuid[j]);
		}
	/* Each profile holds its own UUIDs and none of the other's. */
	assert_non_null(strstr(a->body, ua->uuid[U_PROFILE]));
	assert_null(strstr(a->body, ub->uuid[U_PROFILE]));
	assert_null(strstr(a->body, ub->uuid[U_MAIL]));
	assert_non_null(strstr(b->body, ub->uuid[U_PROFILE]));
	assert_null(strstr(b->body, ua->uuid[U_PROFILE]));
	drop(a);
	drop(b);
}

/* uuid_name against the independently computed table. */
static void
test_uuid_name(void **state)
{
	/*
	 * Names whose "ns + kind\n + name" ends just before, at and after
	 * a SHA-1 block boundary (55, 56, 63, 64, 119, 120 bytes), and a
	 * long one:
	 *   python3 -c 'import uuid; ns = uuid.UUID(
	 *   "ed8de971-db4f-4522-a809-79d976bfe80f")
	 *   for n in (34, 35, 42, 43, 98, 99, 254):
	 *       print(n, str(uuid.uuid5(ns, "mail\n" + "x" * (n - 12) +
	 *           "@example.com")).upper())'
	 */
	static const struct {
		size_t		 len;
		const char	*uuid;
	} lens[] = {
		{ 34, "2E7C69E8-A8FD-5D19-845C-3DE21F1F65BF" },
		{ 35, "785CE814-EE17-594A-BFD4-5DA4D93B43C8" },
		{ 42, "F1784642-DD1F-5134-8F83-16439E33F2D8" },
		{ 43, "C67B1C3D-B2F4-5740-8268-F13CD64B9957" },
		{ 98, "F59521A5-13FD-56B5-9793-AD571AE99AFD" },
		{ 99, "E2D7C6A5-AA10-55C9-9E4F-67A3086FF445" },
		{ 254, "3D5756A9-2705-5E4C-B747-0DD591EE7A0A" },
	};
	char		 out[UUID_LEN + 1], name[256];
	size_t		 i, k;

	(void)state;
	for (i = 0; i < NELEM(uuids); i++)
		for (k = 0; k < U_COUNT; k++) {
			memset(out, '?', sizeof(out));
			uuid_name(uuid_kinds[k], uuids[i].addr,
			    strlen(uuids[i].addr), out);
			assert_string_equal(out, uuids[i].uuid[k]);
		}
	for (i = 0; i < NELEM(lens); i++) {
		memset(name, 'x', lens[i].len - 12);
		memcpy(name + lens[i].len - 12, "@example.com", 13);
		uuid_name("mail", name, lens[i].len, out);
		assert_string_equal(out, lens[i].uuid);
	}
	/* The length counts, not a NUL. */
	uuid_name("mail", "alice@example.comXYZ", 17, out);
	assert_string_equal(out, uuid_want("alice@example.com")->uuid[U_MAIL]);
}

/* The escaped address in the raw bytes, not only in the parsed tree. */
static void
test_escaping(void **state)
{
	const struct apple_want *w = &profiles[3];
	struct response	*r;

	(void)state;
	assert_string_equal(w->addr, "o'neil&co@example.com");
	r = get_profile(w, "/mobileconfig", "GET", NULL);
	assert_non_null(strstr(r->body,
	    "<string>o&apos;neil&amp;co@example.com</string>"));
	assert_null(strstr(r->body, "o'neil"));
	assert_null(strstr(r->body, "&co"));
	drop(r);
	/* Config text too: the display name of apple-pop.conf. */
	r = get_profile(&profiles[7], "/mobileconfig", "GET", NULL);
	assert_non_null(strstr(r->body, "<string>POP &apos;n&apos; Mail"
	    "</string>"));
	drop(r);
	/* And a '&' from a DAV URL. */
	r = get_profile(&profiles[5], "/mobileconfig", "GET", NULL);
	assert_non_null(strstr(r->body, "/carddav/?a=1&amp;b=2</string>"));
	drop(r);
	/* The username template's literal text, and every metacharacter. */
	r = get_profile(&profiles[10], "/mobileconfig", "GET", NULL);
	assert_string_equal(profiles[10].conf, CONF_ESC);
	assert_non_null(strstr(r->body, "<string>bob+&lt;mail&gt;&amp;co"
	    "</string>"));
	assert_non_null(strstr(r->body, "<string>&lt;Esc&gt; &amp; "
	    "&quot;Co&quot; &apos;Mail&apos;</string>"));
	assert_null(strstr(r->body, "<mail>"));
	assert_null(strstr(r->body, "<Esc>"));
	drop(r);
}

/* Nothing from the query but the validated address reaches the body. */
static void
test_no_echo(void **state)
{
	struct response	*r;

	(void)state;
	r = ask(CONF_SAMPLE, "GET", "/mobileconfig?password=hunter2&"
	    "emailaddress=alice%40example.com&emailaddress=bob%40example.com"
	    "&x=%3Cscript%3E", NULL, NULL);
	assert_int_equal(r->status, ST_OK);
	assert_null(strstr(r->body, "hunter2"));
	assert_null(strstr(r->body, "<script"));
	assert_null(strstr(r->body, "&lt;script"));
	/* The first emailaddress counts. */
	assert_non_null(strstr(r->body, "alice@example.com"));
	assert_null(strstr(r->body, "bob@"));
	drop(r);
}

/* 400 without or with a bad address, 404 for a foreign domain. */
static void
test_profile_errors(void **state)
{
	static const struct {
		const char	*uri;
		const char	*host;
		enum status	 want;
	} cases[] = {
		{ "/mobileconfig", "example.com", ST_BADREQ },
		{ "/mobileconfig", NULL, ST_BADREQ },
		{ "/email.mobileconfig", "example.com", ST_BADREQ },
		{ "/mobileconfig?emailaddress=", "example.com", ST_BADREQ },
		{ "/mobileconfig?user=alice%40example.com", "example.com",
		    ST_BADREQ },
		{ "/mobileconfig?emailaddress=alice", "example.com",
		    ST_BADREQ },
		{ "/mobileconfig?emailaddress=alice%40", NULL, ST_BADREQ },
		{ "/mobileconfig?emailaddress=%40example.com", NULL,
		    ST_BADREQ },
		{ "/mobileconfig?emailaddress=a%40b%40example.com", NULL,
		    ST_BADREQ },
		{ "/mobileconfig?emailaddress=a%20b%40example.com", NULL,
		    ST_BADREQ },
		{ "/mobileconfig?emailaddress=a%22b%40example.com", NULL,
		    ST_BADREQ },
		{ "/mobileconfig?emailaddress=a%3Cb%40example.com", NULL,
		    ST_BADREQ },
		{ "/mobileconfig?emailaddress=alice%40exa_mple.com", NULL,
		    ST_BADREQ },
		{ "/mobileconfig?emailaddress=alice%40example.com.", NULL,
		    ST_BADREQ },
		{ "/mobileconfig?emailaddress=alice%ZZexample.com", NULL,
		    ST_BADREQ },
		{ "/mobileconfig?emailaddress=alice%00%40example.com", NULL,
		    ST_BADREQ },
		{ "/mobileconfig?emailaddress=al%C3%A9%40example.com", NULL,
		    ST_BADREQ },
		{ "/email.mobileconfig?emailaddress=..%40example.com", NULL,
		    ST_BADREQ },
		/* A configured Host does not rescue a foreign address. */
		{ "/mobileconfig?emailaddress=alice%40example.invalid",
		    "example.com", ST_NOTFOUND },
		{ "/email.mobileconfig?emailaddress=alice%40sub.example.com",
		    NULL, ST_NOTFOUND },
		{ "/mobileconfig?emailaddress=alice%40dav.example", NULL,
		    ST_NOTFOUND },
		/* Only the two names. */
		{ "/x.mobileconfig?emailaddress=alice%40example.com", NULL,
		    ST_NOTFOUND },
		{ "/mobileconfig.xml?emailaddress=alice%40example.com", NULL,
		    ST_NOTFOUND },
	};
	struct response	*r;
	size_t		 i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++)
		assert_status(CONF_SAMPLE, "GET", cases[i].uri, cases[i].host,
		    cases[i].want);
	/* The same for HEAD, headers only. */
	r = ask(CONF_SAMPLE, "HEAD", "/mobileconfig", "example.com", NULL);
	assert_int_equal(r->status, ST_BADREQ);
	assert_int_equal(r->headonly, 1);
	assert_null(r->attachment);
	drop(r);
	/* Wrong method. */
	r = ask(CONF_SAMPLE, "POST", "/mobileconfig?emailaddress=alice"
	    "%40example.com", NULL, "x");
	assert_int_equal(r->status, ST_BADMETHOD);
	assert_string_equal(r->allow, "GET, HEAD");
	assert_null(r->attachment);
	assert_short_text(r);
	drop(r);
	r = ask(CONF_SAMPLE, "PUT", "/email.mobileconfig?emailaddress=alice"
	    "%40example.com", NULL, NULL);
	assert_int_equal(r->status, ST_BADMETHOD);
	assert_string_equal(r->allow, "GET, HEAD");
	drop(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_uuid_name, drop_all),
		cmocka_unit_test_teardown(test_profiles, drop_all),
		cmocka_unit_test_teardown(test_paths_identical, drop_all),
		cmocka_unit_test_teardown(test_head, drop_all),
		cmocka_unit_test_teardown(test_uuids_differ, drop_all),
		cmocka_unit_test_teardown(test_escaping, drop_all),
		cmocka_unit_test_teardown(test_no_echo, drop_all),
		cmocka_unit_test_teardown(test_profile_errors, drop_all),
	};

	body_init();
	return cmocka_run_group_tests_name("apple", tests, NULL,
	    teardown_confs);
}
