/*
 * Outlook answers end to end through respond(): POX Autodiscover (POST
 * and GET) and autodiscover.json (doc/clients.md, Outlook), against the
 * sample config and tests/conf/outlook-*.conf.  Each XML body is
 * compared byte for byte with its golden file tests/golden/outlook-*,
 * then re-parsed (mxml, and xmllint when installed) and checked against
 * the rules of doc/clients.md (Outlook: response, Protocol, Encryption)
 * on the tree, so a golden file rewritten with UPDATE_GOLDEN=1 must
 * still obey them.  req.now is fixed: error Time attributes are stable.
 */
#include "testutil.h"

#define NS_RESP	"http://schemas.microsoft.com/exchange/autodiscover/" \
		"responseschema/2006"
#define NS_OL	"http://schemas.microsoft.com/exchange/autodiscover/outlook/" \
		"responseschema/2006a"
#define NS_MS	"http://schemas.microsoft.com/exchange/autodiscover/" \
		"mobilesync/responseschema/2006"
#define NS_REQ	"http://schemas.microsoft.com/exchange/autodiscover/outlook/" \
		"requestschema/2006"
#define CT_XML	"text/xml; charset=utf-8"
#define CT_JSON	"application/json"
#define AD_PATH	"/autodiscover/autodiscover.xml"
#define NOW	1700000000L	/* 22:13:20 UTC */
#define NOW_HMS	"22:13:20.0000000"

#define CONF_SAMPLE	"etc/mailautoconf.conf"
#define CONF_FULL	"tests/conf/outlook-full.conf"
#define CONF_PLAIN	"tests/conf/outlook-plain.conf"

#define BADPROTO "{\"ErrorCode\":\"InvalidProtocol\",\"ErrorMessage\":" \
		"\"Supported protocols are AutodiscoverV1 and ActiveSync\"}"
#define BADUSER	"{\"ErrorCode\":\"InvalidUser\",\"ErrorMessage\":" \
		"\"Invalid e-mail address\"}"

/* memmem is a GNU extension: n bytes of hay holding needle, or NULL. */
static const char *
find(const char *hay, size_t n, const char *needle, size_t nl)
{
	size_t	 i;

	for (i = 0; nl <= n && i <= n - nl; i++)
		if (memcmp(hay + i, needle, nl) == 0)
			return hay + i;
	return NULL;
}

/* The loaded configs, shared by all tests. */
static struct config *cfg_sample, *cfg_full, *cfg_plain;

/*
 * An Outlook request body for address and schema (NULL: none), in
 * static storage: a failed assertion leaks nothing.
 */
static char *
ad_body(const char *addr, const char *schema)
{
	static char	 p[4096];
	int		 n;

	n = snprintf(p, sizeof(p),
	    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
	    "<Autodiscover xmlns=\"" NS_REQ "\">\r\n  <Request>\r\n"
	    "    <EMailAddress>%s</EMailAddress>\r\n%s%s%s"
	    "  </Request>\r\n</Autodiscover>\r\n", addr,
	    schema ? "    <AcceptableResponseSchema>" : "",
	    schema ? schema : "",
	    schema ? "</AcceptableResponseSchema>\r\n" : "");
	assert_true(n > 0 && (size_t)n < sizeof(p));
	return p;
}

/* Run one request through req_parse and respond(); r is the answer. */
static enum status
run(const struct config *cfg, const char *method, const char *uri,
    const char *host, const char *body, struct response *r)
{
	static const char line[] = "mailautoconf: malformed XML body\n";
	struct tu_capture c;
	struct cgi_env	 env;
	struct request	 rq;
	enum status	 st = ST_NONE;
	char		*err, *p;

	memset(&env, 0, sizeof(env));
	env.method = method;
	env.request_uri = uri;
	env.http_host = host;
	memset(&rq, 0, sizeof(rq));
	assert_int_equal(req_parse(&env, body, body ? strlen(body) : 0, &rq,
	    &st), 0);
	rq.now = NOW;
	memset(r, 0, sizeof(*r));
	/* The body parser may complain, in its fixed words only. */
	tu_capture_begin(&c);
	st = respond(cfg, &rq, r);
	err = tu_capture_end(&c);
	for (p = err; *p != '\0'; p += sizeof(line) - 1)
		if (strncmp(p, line, sizeof(line) - 1) != 0)
			fail_msg("respond() printed: %s", err);
	free(err);
	return st;
}

/* The one response all tests fill (static: nothing leaks on failure). */
static struct response *
resp_new(void)
{
	static struct response	 r;

	return &r;
}

/* ---- the tree checks ---- */

static mxml_node_t *
parse(const char *p, size_t n)
{
	static const char decl[] =
	    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
	mxml_node_t	*tree;
	char		*s;

	/* UTF-8 without BOM, one declaration, well-formed. */
	assert_true(n > sizeof(decl));
	assert_memory_equal(p, decl, sizeof(decl) - 1);
	assert_true(valid_utf8(p, n));
	assert_null(memchr(p, '\r', n));
	tu_xmllint(p, n);
	s = malloc(n + 1);
	assert_non_null(s);
	memcpy(s, p, n);
	s[n] = '\0';
	tree = mxmlLoadString(NULL, s, MXML_OPAQUE_CALLBACK);
	free(s);
	if (tree == NULL)
		fail_msg("answer is not well-formed XML");
	return tree;
}

/* The only element child of node, which must be named name. */
static mxml_node_t *
only(mxml_node_t *node, const char *name)
{
	mxml_node_t	*c, *found = NULL;
	int		 n = 0;

	for (c = mxmlGetFirstChild(node); c != NULL;
	    c = mxmlGetNextSibling(c))
		if (mxmlGetType(c) == MXML_ELEMENT) {
			n++;
			found = c;
		}
	if (n != 1 || strcmp(mxmlGetElement(found), name) != 0)
		fail_msg("<%s> must hold exactly one <%s>",
		    mxmlGetElement(node), name);
	return found;
}

/* Element child name, which must occur exactly once. */
static mxml_node_t *
one(mxml_node_t *node, const char *name)
{
	if (tu_count(node, name) != 1)
		fail_msg("<%s> holds %d <%s>, want 1", mxmlGetElement(node),
		    tu_count(node, name), name);
	return tu_child(node, name);
}

/* The text of the only name child of node. */
static const char *
text(mxml_node_t *node, const char *name)
{
	return tu_text(one(node, name));
}

static void
want_text(mxml_node_t *node, const char *name, const char *want)
{
	const char	*t = text(node, name);

	if (strcmp(t, want) != 0)
		fail_msg("<%s><%s> is '%s', want '%s'", mxmlGetElement(node),
		    name, t, want);
}

/* The element's attributes are exactly xmlns=ns (ns NULL: none). */
static void
want_ns(mxml_node_t *el, const char *ns)
{
	if (ns == NULL) {
		assert_int_equal(mxmlElementGetAttrCount(el), 0);
		return;
	}
	assert_int_equal(mxmlElementGetAttrCount(el), 1);
	assert_non_null(mxmlElementGetAttr(el, "xmlns"));
	assert_string_equal(mxmlElementGetAttr(el, "xmlns"), ns);
}

/* The Autodiscover root below the <?xml?> node mxml returns. */
static mxml_node_t *
ad_root(mxml_node_t *tree)
{
	mxml_node_t	*root;

	assert_string_equal(mxmlGetElement(tree),
	    "?xml version=\"1.0\" encoding=\"utf-8\"?");
	root = only(tree, "Autodiscover");
	want_ns(root, NS_RESP);
	return root;
}

/* What a settings answer must hold beyond the generic rules. */
struct ol_want {
	const char	*user;		/* DisplayName; NULL for GET */
	const char	*login;		/* every LoginName */
	unsigned	 ttl;		/* 0: no TTL */
	const char	*protos;	/* "TYPE host port SOCK;…" in order */
};

/*
 * One <Protocol>: doc/clients.md, Outlook: Protocol and Encryption;
 * appends "TYPE host port SOCK;" to out.
 */
static void
check_protocol(mxml_node_t *pr, const struct ol_want *w, int *order,
    char *out, size_t outsz)
{
	static const char *const types[] = { "IMAP", "POP3", "SMTP", NULL };
	static const char *const allowed[] = { "Type", "Server", "Port",
	    "DomainRequired", "LoginName", "SPA", "SSL", "Encryption",
	    "AuthRequired", "UsePOPAuth", "SMTPLast", "TTL", NULL };
	mxml_node_t	*c;
	const char	*type, *ssl, *enc, *sock = NULL, *port;
	char		 dom[DOMAIN_MAX + 1], ttl[16];
	int		 t, smtp;

	assert_int_equal(mxmlElementGetAttrCount(pr), 0);
	for (c = mxmlGetFirstChild(pr); c != NULL; c = mxmlGetNextSibling(c))
		if (mxmlGetType(c) == MXML_ELEMENT) {
			if (!tu_oneof(mxmlGetElement(c), allowed))
				fail_msg("unexpected <Protocol><%s>",
				    mxmlGetElement(c));
			assert_int_equal(mxmlElementGetAttrCount(c), 0);
		}
	type = text(pr, "Type");
	for (t = 0; types[t] != NULL; t++)
		if (strcmp(type, types[t]) == 0)
			break;
	if (types[t] == NULL)
		fail_msg("Protocol Type '%s' (IMAP, POP3 or SMTP)", type);
	/* IMAP, then POP3, then SMTP. */
	assert_true(t >= *order);
	*order = t;
	smtp = t == 2;
	if (valid_domain(text(pr, "Server"), strlen(text(pr, "Server")), dom,
	    sizeof(dom)) < 0)
		fail_msg("Server '%s' is not a host name", text(pr, "Server"));
	port = text(pr, "Port");
	assert_true(strlen(port) >= 1 && strlen(port) <= 5 &&
	    port[0] >= '1' && port[0] <= '9' &&
	    strspn(port, "0123456789") == strlen(port) &&
	    strtoul(port, NULL, 10) <= 65535);
	want_text(pr, "DomainRequired", "off");
	/* Absent SPA means on (NTLM): it must always be there, off. */
	want_text(pr, "SPA", "off");
	want_text(pr, "AuthRequired", "on");
	if (w->user != NULL)
		want_text(pr, "LoginName", w->login);
	else
		assert_int_equal(tu_count(pr, "LoginName"), 0);
	ssl = text(pr, "SSL");
	enc = text(pr, "Encryption");
	if (strcmp(ssl, "on") == 0 && strcmp(enc, "SSL") == 0)
		sock = "SSL";
	else if (strcmp(ssl, "on") == 0 && strcmp(enc, "TLS") == 0)
		sock = "STARTTLS";
	else if (strcmp(ssl, "off") == 0 && strcmp(enc, "None") == 0)
		sock = "plain";
	if (sock == NULL)
		fail_msg("SSL '%s' with Encryption '%s'", ssl, enc);
	if (smtp) {
		want_text(pr, "UsePOPAuth", "off");
		want_text(pr, "SMTPLast", "off");
	} else {
		assert_int_equal(tu_count(pr, "UsePOPAuth"), 0);
		assert_int_equal(tu_count(pr, "SMTPLast"), 0);
	}
	if (w->ttl > 0) {
		snprintf(ttl, sizeof(ttl), "%u", w->ttl);
		want_text(pr, "TTL", ttl);
	} else
		assert_int_equal(tu_count(pr, "TTL"), 0);
	snprintf(out + strlen(out), outsz - strlen(out), "%s%s %s %s %s",
	    *out != '\0' ? ";" : "", type, text(pr, "Server"), port, sock);
}

/*
 * A POX settings answer (outlook/responseschema/2006a): doc/clients.md,
 * Outlook, on the tree, then w.
 */
static void
check_outlook(const char *p, size_t n, const struct ol_want *w)
{
	mxml_node_t	*tree, *resp, *acc, *c, *user;
	char		 protos[1024] = "";
	int		 order = 0, nproto = 0;

	tree = parse(p, n);
	resp = only(ad_root(tree), "Response");
	want_ns(resp, NS_OL);
	/* No empty element, no control character, nothing unexpanded. */
	tu_check_nonempty(resp);
	if (w->user != NULL) {
		assert_int_equal(tu_count(resp, "User"), 1);
		user = only(one(resp, "User"), "DisplayName");
		assert_string_equal(tu_text(user), w->user);
		/* User first, then Account. */
		for (c = mxmlGetFirstChild(resp); mxmlGetType(c) !=
		    MXML_ELEMENT; c = mxmlGetNextSibling(c))
			;
		assert_string_equal(mxmlGetElement(c), "User");
	} else
		/* GET: the answer names nobody. */
		assert_int_equal(tu_count(resp, "User"), 0);
	assert_int_equal(tu_count(resp, "Account"), 1);
	assert_int_equal(tu_count(resp, "Error"), 0);
	acc = one(resp, "Account");
	want_text(acc, "AccountType", "email");
	want_text(acc, "Action", "settings");
	for (c = mxmlGetFirstChild(acc); c != NULL; c = mxmlGetNextSibling(c)) {
		if (mxmlGetType(c) != MXML_ELEMENT)
			continue;
		if (strcmp(mxmlGetElement(c), "Protocol") == 0) {
			check_protocol(c, w, &order, protos, sizeof(protos));
			nproto++;
		} else if (strcmp(mxmlGetElement(c), "AccountType") != 0 &&
		    strcmp(mxmlGetElement(c), "Action") != 0)
			fail_msg("unexpected <Account><%s>",
			    mxmlGetElement(c));
	}
	assert_true(nproto >= 2);
	if (strcmp(protos, w->protos) != 0)
		fail_msg("protocols\n  got:  %s\n  want: %s", protos,
		    w->protos);
	/* SMTP last: Thunderbird needs an incoming server and SMTP. */
	assert_int_equal(order, 2);
	mxmlDelete(tree);
}

/* A MobileSync answer (MS-ASCMD Autodiscover). */
static void
check_mobilesync(const char *p, size_t n, const char *user, const char *url)
{
	mxml_node_t	*tree, *resp, *u, *srv;

	tree = parse(p, n);
	resp = only(ad_root(tree), "Response");
	want_ns(resp, NS_MS);
	tu_check_nonempty(resp);
	want_text(resp, "Culture", "en:us");
	u = one(resp, "User");
	want_text(u, "DisplayName", user);
	want_text(u, "EMailAddress", user);
	srv = only(only(one(resp, "Action"), "Settings"), "Server");
	want_text(srv, "Type", "MobileSync");
	want_text(srv, "Url", url);
	want_text(srv, "Name", url);
	assert_int_equal(tu_count(resp, "Error"), 0);
	mxmlDelete(tree);
}

/* An Autodiscover error answer: code in the schema's namespace. */
static void
check_error(const char *p, size_t n, const char *ns, const char *code,
    const char *msg)
{
	mxml_node_t	*tree, *resp, *err, *c;

	tree = parse(p, n);
	resp = only(ad_root(tree), "Response");
	want_ns(resp, ns);
	err = only(resp, "Error");
	assert_int_equal(mxmlElementGetAttrCount(err), 2);
	assert_non_null(mxmlElementGetAttr(err, "Time"));
	assert_string_equal(mxmlElementGetAttr(err, "Time"), NOW_HMS);
	assert_non_null(mxmlElementGetAttr(err, "Id"));
	assert_true(strlen(mxmlElementGetAttr(err, "Id")) > 0);
	want_text(err, "ErrorCode", code);
	want_text(err, "Message", msg);
	/* DebugData is the one element that is empty. */
	c = one(err, "DebugData");
	assert_null(mxmlGetFirstChild(c));
	for (c = mxmlGetFirstChild(err); c != NULL; c = mxmlGetNextSibling(c))
		if (mxmlGetType(c) == MXML_ELEMENT &&
		    strcmp(mxmlGetElement(c), "DebugData") != 0 &&
		    tu_blank(tu_text(c)))
			fail_msg("empty <%s>", mxmlGetElement(c));
	mxmlDelete(tree);
}

/* ---- the cases ---- */

/* A POST for addr that must give golden file gold, checked against w. */
static void
post_settings(const struct config *cfg, const char *addr, const char *gold,
    const struct ol_want *w)
{
	struct response	*r = resp_new();
	char		*body = ad_body(addr, NS_OL);

	assert_int_equal(run(cfg, "POST", AD_PATH, "autodiscover.example.com",
	    body, r), ST_OK);
	assert_string_equal(r->ctype, CT_XML);
	assert_null(r->why);
	assert_int_equal(r->headonly, 0);
	tu_golden(gold, r->body, r->bodylen);
	check_outlook(r->body, r->bodylen, w);
}

/* The issue's "done when": alice@example.com against the sample. */
static void
test_sample_post(void **state)
{
	static const struct ol_want w = {
		"alice@example.com", "alice@example.com", 24,
		"IMAP imap.example.com 993 SSL;SMTP smtp.example.com 465 SSL"
	};

	(void)state;
	post_settings(cfg_sample, "alice@example.com",
	    "outlook-sample-post.xml", &w);
}

/* The domain is lower-cased, the local part keeps its case. */
static void
test_sample_post_case(void **state)
{
	static const struct ol_want w = {
		"Bob.Smith@example.net", "Bob.Smith@example.net", 24,
		"IMAP imap.example.com 993 SSL;SMTP smtp.example.com 465 SSL"
	};

	(void)state;
	post_settings(cfg_sample, "  Bob.Smith@EXAMPLE.Net  ",
	    "outlook-sample-post-case.xml", &w);
}

/* An alias domain: the target's settings, LoginName local@target. */
static void
test_sample_post_alias(void **state)
{
	static const struct ol_want w = {
		"carol@example.org", "carol@example.com", 24,
		"IMAP imap.example.com 993 SSL;SMTP smtp.example.com 465 SSL"
	};

	(void)state;
	post_settings(cfg_sample, "carol@example.org",
	    "outlook-sample-post-alias.xml", &w);
}

/* Characters an address may hold that XML must escape. */
static void
test_sample_post_escape(void **state)
{
	static const struct ol_want w = {
		"o'neil&co@example.com", "o'neil&co@example.com", 24,
		"IMAP imap.example.com 993 SSL;SMTP smtp.example.com 465 SSL"
	};
	struct response	*r = resp_new();
	char		*body = ad_body("o&apos;neil&amp;co@example.com",
			    NULL);

	(void)state;
	assert_int_equal(run(cfg_sample, "POST", AD_PATH, NULL, body, r),
	    ST_OK);
	tu_golden("outlook-sample-post-escape.xml", r->body, r->bodylen);
	check_outlook(r->body, r->bodylen, &w);
	/* Raw in the text: only escaped. */
	assert_null(find(r->body, r->bodylen, "o'neil", 6));
	assert_non_null(find(r->body, r->bodylen,
	    "o&apos;neil&amp;co@example.com", 30));
}

/* GET: the Host's domain, no User, no LoginName. */
static void
test_sample_get(void **state)
{
	static const struct ol_want w = {
		NULL, NULL, 24,
		"IMAP imap.example.com 993 SSL;SMTP smtp.example.com 465 SSL"
	};
	static const char *const hosts[] = {
		"autodiscover.example.com", "example.com", "EXAMPLE.COM:443",
		"autodiscover.example.net", "example.org"
	};
	struct response	*r = resp_new();
	size_t		 i, len = 0;

	(void)state;
	for (i = 0; i < NELEM(hosts); i++) {
		assert_int_equal(run(cfg_sample, "GET", AD_PATH, hosts[i],
		    NULL, r), ST_OK);
		assert_string_equal(r->ctype, CT_XML);
		tu_golden("outlook-sample-get.xml", r->body, r->bodylen);
		check_outlook(r->body, r->bodylen, &w);
		assert_null(find(r->body, r->bodylen, "LoginName", 9));
		assert_null(find(r->body, r->bodylen, "<User>", 6));
		len = r->bodylen;
	}
	/* HEAD: the same headers, no body. */
	assert_int_equal(run(cfg_sample, "HEAD", AD_PATH, "example.com", NULL,
	    r), ST_OK);
	assert_int_equal(r->headonly, 1);
	assert_int_equal(r->bodylen, len);
	/* A GET for a domain that is not configured, or no Host. */
	assert_int_equal(run(cfg_sample, "GET", AD_PATH, "example.invalid",
	    NULL, r), ST_NOTFOUND);
	assert_int_equal(run(cfg_sample, "GET", AD_PATH, NULL, NULL, r),
	    ST_BADREQ);
	assert_int_equal(run(cfg_sample, "GET", AD_PATH, "127.0.0.1", NULL,
	    r), ST_BADREQ);
}

/* Every path form of the POX endpoint reaches it, any case, prefixed. */
static void
test_sample_paths(void **state)
{
	static const char *const paths[] = {
		"/autodiscover/autodiscover.xml",
		"/Autodiscover/Autodiscover.xml",
		"/AUTODISCOVER/AUTODISCOVER.XML",
		"//autodiscover//autodiscover.xml",
		"/mail/autodiscover/autodiscover.xml",
		"/%61utodiscover/autodiscover.xml",
		"/autodiscover/autodiscover.xml?x=1",
	};
	struct response	*r = resp_new();
	char		*body = ad_body("alice@example.com", NULL);
	size_t		 i;

	(void)state;
	for (i = 0; i < NELEM(paths); i++) {
		assert_int_equal(run(cfg_sample, "POST", paths[i], NULL, body,
		    r), ST_OK);
		tu_golden("outlook-sample-post.xml", r->body, r->bodylen);
	}
	/* Other methods: 405 with Allow. */
	assert_int_equal(run(cfg_sample, "PUT", AD_PATH, "example.com", body,
	    r), ST_BADMETHOD);
	assert_non_null(r->allow);
	assert_string_equal(r->allow, "GET, HEAD, POST");
	assert_int_equal(run(cfg_sample, "DELETE", AD_PATH, "example.com",
	    NULL, r), ST_BADMETHOD);
}

/* Bodies and addresses that give error 600 (HTTP 200). */
static void
test_sample_600(void **state)
{
	static const char *const bodies[] = {
		"<a b",
		"",
		"<Autodiscover><Request></Request></Autodiscover>",
		"<!DOCTYPE a><a/>",
		"<Autodiscover><Request><EMailAddress>alice@example.com"
		    "</EMailAddress><EMailAddress>bob@example.com"
		    "</EMailAddress></Request></Autodiscover>",
	};
	static const char *const addrs[] = {
		"alice", "@example.com", "alice@", "a@b@example.com",
		"alice@exa mple.com", "&lt;script&gt;@example.com",
		"&quot;alice&quot;@example.com", "alice@-example.com",
		"alice..bob@example.com", ".alice@example.com",
		"alice@example..com", "alice@example.com.",
		"al ice@example.com", "alice@b\xc3\xbc" "cher.example",
		"alice@[127.0.0.1]", "alice@example.com/x",
	};
	struct response	*r = resp_new();
	char		*body;
	size_t		 i;

	(void)state;
	for (i = 0; i < NELEM(bodies); i++) {
		assert_int_equal(run(cfg_sample, "POST", AD_PATH,
		    "example.com", bodies[i], r), ST_OK);
		assert_non_null(r->why);
		tu_golden("outlook-sample-600.xml", r->body, r->bodylen);
		check_error(r->body, r->bodylen, NULL, "600",
		    "Invalid Request");
	}
	for (i = 0; i < NELEM(addrs); i++) {
		body = ad_body(addrs[i], NULL);
		assert_int_equal(run(cfg_sample, "POST", AD_PATH,
		    "example.com", body, r), ST_OK);
		if (r->bodylen == 0 || find(r->body, r->bodylen,
		    "<ErrorCode>600</ErrorCode>", 26) == NULL)
			fail_msg("address '%s' was not refused", addrs[i]);
		tu_golden("outlook-sample-600.xml", r->body, r->bodylen);
	}
}

/* mobilesync or another schema on a domain without ActiveSync: 601. */
static void
test_sample_601(void **state)
{
	struct response	*r = resp_new();
	char		*body;

	(void)state;
	body = ad_body("alice@example.com", NS_MS);
	assert_int_equal(run(cfg_sample, "POST", AD_PATH, NULL, body, r),
	    ST_OK);
	tu_golden("outlook-sample-601-mobilesync.xml", r->body, r->bodylen);
	check_error(r->body, r->bodylen, NS_MS, "601",
	    "Provider is not available");
	body = ad_body("alice@example.com", "urn:example:other");
	assert_int_equal(run(cfg_sample, "POST", AD_PATH, NULL, body, r),
	    ST_OK);
	tu_golden("outlook-sample-601-other.xml", r->body, r->bodylen);
	check_error(r->body, r->bodylen, NULL, "601",
	    "Provider is not available");
}

/* A valid address in a domain that is not configured: 404, never 401. */
static void
test_sample_404(void **state)
{
	static const char *const addrs[] = {
		"alice@example.invalid", "alice@sub.example.com",
		"alice@xn--bcher-kva.example", "alice@com",
	};
	struct response	*r = resp_new();
	char		*body;
	size_t		 i;

	(void)state;
	for (i = 0; i < NELEM(addrs); i++) {
		body = ad_body(addrs[i], NULL);
		assert_int_equal(run(cfg_sample, "POST", AD_PATH,
		    "example.com", body, r), ST_NOTFOUND);
		assert_null(find(r->body, r->bodylen, "alice", 5));
	}
}

/* One autodiscover.json request: status, type and exact body. */
static void
json_case(const struct config *cfg, const char *uri, const char *host,
    enum status st, const char *want)
{
	struct response	*r = resp_new();

	if (run(cfg, "GET", uri, host, NULL, r) != st)
		fail_msg("%s: status %d, want %d", uri, (int)r->status,
		    (int)st);
	if (want != NULL) {
		assert_string_equal(r->ctype, CT_JSON);
		if (r->bodylen != strlen(want) ||
		    memcmp(r->body, want, r->bodylen) != 0)
			fail_msg("%s:\n  got:  %.*s\n  want: %s", uri,
			    (int)r->bodylen, r->body, want);
	}
}

#define JSON_V1(dom) "{\"Protocol\":\"AutodiscoverV1\",\"Url\":" \
	"\"https://autodiscover." dom "/autodiscover/autodiscover.xml\"}"

static void
test_json_sample(void **state)
{
	static const char v1[] = JSON_V1("example.com");
	struct response	*r = resp_new();

	(void)state;
	/* The issue's "done when", then both URL forms, any case. */
	json_case(cfg_sample, "/autodiscover/autodiscover.json/v1.0/"
	    "alice@example.com?Protocol=Autodiscoverv1", NULL, ST_OK, v1);
	assert_int_equal(run(cfg_sample, "GET", "/autodiscover/"
	    "autodiscover.json/v1.0/alice@example.com?Protocol="
	    "AutodiscoverV1", NULL, NULL, r), ST_OK);
	tu_golden("outlook-sample-json-v1.json", r->body, r->bodylen);
	json_case(cfg_sample, "/autodiscover/autodiscover.json?Email="
	    "alice@example.com&Protocol=AutodiscoverV1", NULL, ST_OK, v1);
	json_case(cfg_sample, "/autodiscover/autodiscover.json?Email="
	    "alice%40example.com&Protocol=autodiscoverv1", NULL, ST_OK, v1);
	json_case(cfg_sample, "/autodiscover/autodiscover.json?protocol="
	    "AUTODISCOVERV1&email=alice@example.com", NULL, ST_OK, v1);
	json_case(cfg_sample, "/AutoDiscover/AutoDiscover.json/V1.0/"
	    "alice@EXAMPLE.com?Protocol=AutodiscoverV1", NULL, ST_OK, v1);
	json_case(cfg_sample, "/autodiscover/autodiscover.json/v1.0/"
	    "alice%40example.net?Protocol=AutodiscoverV1", NULL, ST_OK,
	    JSON_V1("example.net"));
	/* An alias points at its target's autodiscover host. */
	json_case(cfg_sample, "/autodiscover/autodiscover.json/v1.0/"
	    "alice@example.org?Protocol=AutodiscoverV1", NULL, ST_OK, v1);
	/* No Email: the Host's domain. */
	json_case(cfg_sample, "/autodiscover/autodiscover.json?Protocol="
	    "AutodiscoverV1", "autodiscover.example.net", ST_OK,
	    JSON_V1("example.net"));
	/* No ActiveSync URL configured, other protocols, none. */
	json_case(cfg_sample, "/autodiscover/autodiscover.json/v1.0/"
	    "alice@example.com?Protocol=ActiveSync", NULL, ST_BADREQ,
	    BADPROTO);
	json_case(cfg_sample, "/autodiscover/autodiscover.json/v1.0/"
	    "alice@example.com?Protocol=Rest", NULL, ST_BADREQ, BADPROTO);
	json_case(cfg_sample, "/autodiscover/autodiscover.json/v1.0/"
	    "alice@example.com", NULL, ST_BADREQ, BADPROTO);
	json_case(cfg_sample, "/autodiscover/autodiscover.json/v1.0/"
	    "alice@example.com?Protocol=", NULL, ST_BADREQ, BADPROTO);
	json_case(cfg_sample, "/autodiscover/autodiscover.json/v1.0/"
	    "alice@example.com?Protocol=AutodiscoverV1x", NULL, ST_BADREQ,
	    BADPROTO);
	json_case(cfg_sample, "/autodiscover/autodiscover.json/v1.0/"
	    "alice@example.com?Protocol=AutodiscoverV1%00", NULL, ST_BADREQ,
	    BADPROTO);
	/* Unknown domains: 404, whichever form. */
	json_case(cfg_sample, "/autodiscover/autodiscover.json/v1.0/"
	    "alice@example.invalid?Protocol=AutodiscoverV1", NULL,
	    ST_NOTFOUND, NULL);
	json_case(cfg_sample, "/autodiscover/autodiscover.json?Email="
	    "alice@example.invalid&Protocol=AutodiscoverV1", NULL,
	    ST_NOTFOUND, NULL);
	json_case(cfg_sample, "/autodiscover/autodiscover.json?Protocol="
	    "AutodiscoverV1", "example.invalid", ST_NOTFOUND, NULL);
	/* Invalid addresses: 400 InvalidUser. */
	json_case(cfg_sample, "/autodiscover/autodiscover.json/v1.0/"
	    "alice?Protocol=AutodiscoverV1", NULL, ST_BADREQ, BADUSER);
	json_case(cfg_sample, "/autodiscover/autodiscover.json/v1.0/"
	    "a@b@example.com?Protocol=AutodiscoverV1", NULL, ST_BADREQ,
	    BADUSER);
	json_case(cfg_sample, "/autodiscover/autodiscover.json/v1.0/"
	    "%3Cscript%3E@example.com?Protocol=AutodiscoverV1", NULL,
	    ST_BADREQ, BADUSER);
	json_case(cfg_sample, "/autodiscover/autodiscover.json?Email="
	    "%22x%22@example.com&Protocol=AutodiscoverV1", NULL, ST_BADREQ,
	    BADUSER);
	json_case(cfg_sample, "/autodiscover/autodiscover.json?Email="
	    "alice%ZZ@example.com&Protocol=AutodiscoverV1", NULL, ST_BADREQ,
	    BADUSER);
	/* Wrong method. */
	assert_int_equal(run(cfg_sample, "POST", "/autodiscover/"
	    "autodiscover.json/v1.0/alice@example.com?Protocol="
	    "AutodiscoverV1", NULL, "", r), ST_BADMETHOD);
	assert_string_equal(r->allow, "GET, HEAD");
}

/* ---- tests/conf/outlook-full.conf ---- */

#define FULL_PROTOS(d) \
	"IMAP imap." d " 993 SSL;IMAP imap." d " 143 STARTTLS;" \
	"POP3 pop." d " 995 SSL;" \
	"SMTP smtp." d " 465 SSL;SMTP smtp." d " 587 STARTTLS"
#define EAS(d)	"https://eas." d "/Microsoft-Server-ActiveSync?a=1&b=2"

/* Alternatives, POP3, STARTTLS, TTL; plain never listed beside TLS. */
static void
test_full_post(void **state)
{
	static const struct ol_want w = {
		"alice@outlook.example", "alice@outlook.example", 48,
		FULL_PROTOS("outlook.example")
	};
	static const struct ol_want w2 = {
		"alice@outlook2.example", "alice@outlook2.example", 48,
		FULL_PROTOS("outlook2.example")
	};
	static const struct ol_want wa = {
		"alice@alias.example", "alice@outlook.example", 48,
		FULL_PROTOS("outlook.example")
	};
	static const struct ol_want wl = {
		"Dave@local.example", "Dave.mail", 2,
		"IMAP imap.local.example 993 SSL;"
		"SMTP smtp.local.example 465 SSL"
	};

	(void)state;
	post_settings(cfg_full, "alice@outlook.example",
	    "outlook-full-post.xml", &w);
	post_settings(cfg_full, "alice@outlook2.example",
	    "outlook-full-post-2.xml", &w2);
	post_settings(cfg_full, "alice@alias.example",
	    "outlook-full-post-alias.xml", &wa);
	post_settings(cfg_full, "Dave@local.example",
	    "outlook-full-post-local.xml", &wl);
}

static void
test_full_get(void **state)
{
	static const struct ol_want w = {
		NULL, NULL, 48, FULL_PROTOS("outlook.example")
	};
	static const struct ol_want wl = {
		NULL, NULL, 2,
		"IMAP imap.local.example 993 SSL;"
		"SMTP smtp.local.example 465 SSL"
	};
	struct response	*r = resp_new();

	(void)state;
	assert_int_equal(run(cfg_full, "GET", AD_PATH,
	    "autodiscover.outlook.example", NULL, r), ST_OK);
	tu_golden("outlook-full-get.xml", r->body, r->bodylen);
	check_outlook(r->body, r->bodylen, &w);
	/* The alias answers with its target's settings. */
	assert_int_equal(run(cfg_full, "GET", AD_PATH, "alias.example", NULL,
	    r), ST_OK);
	tu_golden("outlook-full-get.xml", r->body, r->bodylen);
	assert_int_equal(run(cfg_full, "GET", AD_PATH, "local.example", NULL,
	    r), ST_OK);
	tu_golden("outlook-full-get-local.xml", r->body, r->bodylen);
	check_outlook(r->body, r->bodylen, &wl);
}

/* mobilesync with an ActiveSync URL: the MobileSync answer. */
static void
test_full_mobilesync(void **state)
{
	struct response	*r = resp_new();
	char		*body;

	(void)state;
	body = ad_body("alice@outlook.example", NS_MS);
	assert_int_equal(run(cfg_full, "POST", AD_PATH, NULL, body, r), ST_OK);
	assert_string_equal(r->ctype, CT_XML);
	tu_golden("outlook-full-mobilesync.xml", r->body, r->bodylen);
	check_mobilesync(r->body, r->bodylen, "alice@outlook.example",
	    EAS("outlook.example"));
	body = ad_body("alice@alias.example", NS_MS);
	assert_int_equal(run(cfg_full, "POST", AD_PATH, NULL, body, r), ST_OK);
	tu_golden("outlook-full-mobilesync-alias.xml", r->body, r->bodylen);
	check_mobilesync(r->body, r->bodylen, "alice@alias.example",
	    EAS("outlook.example"));
	/* An address that needs escaping, echoed escaped only. */
	body = ad_body("x&amp;y&apos;z@outlook2.example", NS_MS);
	assert_int_equal(run(cfg_full, "POST", AD_PATH, NULL, body, r), ST_OK);
	tu_golden("outlook-full-mobilesync-escape.xml", r->body, r->bodylen);
	check_mobilesync(r->body, r->bodylen, "x&y'z@outlook2.example",
	    EAS("outlook2.example"));
	/* local.example has no ActiveSync URL: 601, mobilesync schema. */
	body = ad_body("alice@local.example", NS_MS);
	assert_int_equal(run(cfg_full, "POST", AD_PATH, NULL, body, r), ST_OK);
	tu_golden("outlook-sample-601-mobilesync.xml", r->body, r->bodylen);
	/* Other schemas: 601 even with ActiveSync. */
	body = ad_body("alice@outlook.example", "urn:example:other");
	assert_int_equal(run(cfg_full, "POST", AD_PATH, NULL, body, r), ST_OK);
	tu_golden("outlook-sample-601-other.xml", r->body, r->bodylen);
}

static void
test_json_full(void **state)
{
	static const char v1[] = "{\"Protocol\":\"AutodiscoverV1\",\"Url\":"
	    "\"https://ad.outlook.example/autodiscover/autodiscover.xml"
	    "?x=1&y=2\"}";
	static const char eas[] = "{\"Protocol\":\"ActiveSync\",\"Url\":\""
	    EAS("outlook.example") "\"}";
	struct response	*r = resp_new();

	(void)state;
	/* The configured autodiscover URL. */
	json_case(cfg_full, "/autodiscover/autodiscover.json/v1.0/"
	    "alice@outlook.example?Protocol=AutodiscoverV1", NULL, ST_OK, v1);
	json_case(cfg_full, "/autodiscover/autodiscover.json?Email="
	    "alice@alias.example&Protocol=autodiscoverV1", NULL, ST_OK, v1);
	/* ActiveSync with a URL, any case, both forms. */
	json_case(cfg_full, "/autodiscover/autodiscover.json/v1.0/"
	    "alice@outlook.example?Protocol=ActiveSync", NULL, ST_OK, eas);
	json_case(cfg_full, "/autodiscover/autodiscover.json?Email="
	    "alice@outlook.example&Protocol=activesync", NULL, ST_OK, eas);
	json_case(cfg_full, "/autodiscover/autodiscover.json/v1.0/"
	    "alice@alias.example?Protocol=ACTIVESYNC", NULL, ST_OK, eas);
	assert_int_equal(run(cfg_full, "GET", "/autodiscover/"
	    "autodiscover.json/v1.0/alice@outlook2.example?Protocol="
	    "ActiveSync", NULL, NULL, r), ST_OK);
	tu_golden("outlook-full-json-eas.json", r->body, r->bodylen);
	assert_int_equal(run(cfg_full, "GET", "/autodiscover/"
	    "autodiscover.json/v1.0/alice@outlook2.example?Protocol="
	    "AutodiscoverV1", NULL, NULL, r), ST_OK);
	tu_golden("outlook-full-json-v1.json", r->body, r->bodylen);
	/* local.example: default URL, no ActiveSync. */
	json_case(cfg_full, "/autodiscover/autodiscover.json/v1.0/"
	    "x@local.example?Protocol=AutodiscoverV1", NULL, ST_OK,
	    JSON_V1("local.example"));
	json_case(cfg_full, "/autodiscover/autodiscover.json/v1.0/"
	    "x@local.example?Protocol=ActiveSync", NULL, ST_BADREQ, BADPROTO);
}

/* ---- tests/conf/outlook-plain.conf ---- */

static void
test_plain(void **state)
{
	static const struct ol_want wp = {
		"alice@plain.example", "alice@plain.example", 0,
		"IMAP imap.plain.example 143 plain;"
		"SMTP smtp.plain.example 25 plain"
	};
	static const struct ol_want ws = {
		"alice@starttls.example", "alice@starttls.example", 0,
		"POP3 pop.starttls.example 110 STARTTLS;"
		"SMTP smtp.starttls.example 587 STARTTLS"
	};
	static const struct ol_want wg = {
		NULL, NULL, 0,
		"POP3 pop.starttls.example 110 STARTTLS;"
		"SMTP smtp.starttls.example 587 STARTTLS"
	};
	struct response	*r = resp_new();

	(void)state;
	post_settings(cfg_plain, "alice@plain.example",
	    "outlook-plain-post.xml", &wp);
	post_settings(cfg_plain, "alice@starttls.example",
	    "outlook-plain-post-starttls.xml", &ws);
	assert_int_equal(run(cfg_plain, "GET", AD_PATH, "starttls.example",
	    NULL, r), ST_OK);
	tu_golden("outlook-plain-get-starttls.xml", r->body, r->bodylen);
	check_outlook(r->body, r->bodylen, &wg);
	json_case(cfg_plain, "/autodiscover/autodiscover.json/v1.0/"
	    "x@plain.example?Protocol=AutodiscoverV1", NULL, ST_OK,
	    JSON_V1("plain.example"));
}

/*
 * The emitters directly: the Outlook answer of a section rendered
 * twice is the same bytes, and every address marker is accounted for.
 */
static void
test_emitters(void **state)
{
	const struct domain *d;
	struct buf	 b1, b2;

	(void)state;
	d = config_lookup(cfg_full, "outlook.example", 15);
	assert_non_null(d);
	buf_init(&b1);
	buf_init(&b2);
	xml_outlook(&b1, d->sec, dom_target(d), 1);
	xml_outlook(&b2, d->sec, dom_target(d), 1);
	assert_false(b1.err);
	assert_int_equal(b1.len, b2.len);
	assert_memory_equal(b1.p, b2.p, b1.len);
	/* The user answer = the GET answer + User + one LoginName each. */
	assert_non_null(memchr(b1.p, MARK_ADDR, b1.len));
	buf_free(&b2);
	buf_init(&b2);
	xml_outlook(&b2, d->sec, dom_target(d), 0);
	assert_null(memchr(b2.p, MARK_ADDR, b2.len));
	assert_null(memchr(b2.p, MARK_LOCAL, b2.len));
	assert_true(b2.len < b1.len);
	buf_free(&b1);
	buf_free(&b2);
	/* Error answers for each schema and time. */
	buf_init(&b1);
	xml_ad_error(&b1, 600, AD_OUTLOOK, 0);
	assert_non_null(find(b1.p, b1.len, "Time=\"00:00:00.0000000\"", 23));
	buf_free(&b1);
	buf_init(&b1);
	xml_ad_error(&b1, 601, AD_OUTLOOK, 86399);
	assert_non_null(find(b1.p, b1.len, "Time=\"23:59:59.0000000\"", 23));
	assert_non_null(find(b1.p, b1.len, NS_OL, strlen(NS_OL)));
	buf_free(&b1);
	buf_init(&b1);
	xml_ad_error(&b1, 601, AD_MOBILESYNC, -5);
	assert_non_null(find(b1.p, b1.len, "Time=\"00:00:00.0000000\"", 23));
	tu_xmllint(b1.p, b1.len);
	buf_free(&b1);
}

static int
setup(void **state)
{
	(void)state;
	body_init();
	cfg_sample = tu_load_good(CONF_SAMPLE);
	cfg_full = tu_load_good(CONF_FULL);
	cfg_plain = tu_load_good(CONF_PLAIN);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	config_free(cfg_sample);
	config_free(cfg_full);
	config_free(cfg_plain);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_post),
		cmocka_unit_test(test_sample_post_case),
		cmocka_unit_test(test_sample_post_alias),
		cmocka_unit_test(test_sample_post_escape),
		cmocka_unit_test(test_sample_get),
		cmocka_unit_test(test_sample_paths),
		cmocka_unit_test(test_sample_600),
		cmocka_unit_test(test_sample_601),
		cmocka_unit_test(test_sample_404),
		cmocka_unit_test(test_json_sample),
		cmocka_unit_test(test_full_post),
		cmocka_unit_test(test_full_get),
		cmocka_unit_test(test_full_mobilesync),
		cmocka_unit_test(test_json_full),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_emitters),
	};

	return cmocka_run_group_tests_name("outlook", tests, setup, teardown);
}
