/*
 * Helpers shared by the cmocka unit tests: files, stderr capture, golden
 * files, requests, and the Thunderbird clientConfig checker
 * (doc/clients.md, Thunderbird).
 *
 * The tests run with the repository root as the working directory and
 * find their data under tests/.  Everything here is static inline so
 * that a test that uses only part of it builds without warnings.
 *
 * UPDATE_GOLDEN=1 in the environment makes tu_golden() (re)write the
 * golden files instead of comparing; check every rewritten file by eye
 * against doc/clients.md and the README's endpoint table before
 * committing it.
 */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <mxml.h>

#include "mailautoconf.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Long strings for the length limits. */
#define X10	"xxxxxxxxxx"
#define X60	X10 X10 X10 X10 X10 X10
#define X61	X60 "x"
#define X62	X61 "x"
#define X63	X62 "x"
#define X64	X63 "x"
#define X65	X64 "x"
/* Domains of exactly 189, 252, 253 and 254 bytes. */
#define D189	X63 "." X63 "." X61
#define D252	X63 "." X63 "." X63 "." X60
#define D253	X63 "." X63 "." X63 "." X61
#define D254	X63 "." X63 "." X63 "." X62

/* An Outlook POX request body for addr (doc/clients.md, Outlook: request). */
#define AD_BODY(addr) "<?xml version=\"1.0\"?><Autodiscover xmlns=" \
	"\"http://schemas.microsoft.com/exchange/autodiscover/outlook/" \
	"requestschema/2006\"><Request><EMailAddress>" addr \
	"</EMailAddress><AcceptableResponseSchema>http://schemas." \
	"microsoft.com/exchange/autodiscover/outlook/responseschema/2006a" \
	"</AcceptableResponseSchema></Request></Autodiscover>"

/* An input with explicit length: for embedded NULs. */
#define WITHLEN(s)	s, sizeof(s) - 1

/*
 * Read the whole file at path into a NUL-terminated heap string (the
 * caller frees it); its length in *len when len is not NULL.  NULL when
 * it cannot be read.
 */
static inline char *
tu_slurp(const char *path, size_t *len)
{
	FILE	*fp;
	char	*p = NULL, *np;
	size_t	 n = 0, cap = 0, got;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 4097) {
			cap = cap ? cap * 2 : 8192;
			if ((np = realloc(p, cap)) == NULL) {
				free(p);
				fclose(fp);
				return NULL;
			}
			p = np;
		}
		got = fread(p + n, 1, cap - n - 1, fp);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		free(p);
		fclose(fp);
		return NULL;
	}
	fclose(fp);
	p[n] = '\0';
	if (len != NULL)
		*len = n;
	return p;
}

/* 1 if the n bytes at p hold the string needle (no memmem in C99). */
static inline int
tu_has(const char *p, size_t n, const char *needle)
{
	size_t	 nl = strlen(needle), i;

	for (i = 0; i + nl <= n; i++)
		if (memcmp(p + i, needle, nl) == 0)
			return 1;
	return 0;
}

/* Write n bytes to path; 0 or -1. */
static inline int
tu_spew(const char *path, const char *p, size_t n)
{
	FILE	*fp;
	int	 rc = 0;

	if ((fp = fopen(path, "wb")) == NULL)
		return -1;
	if (fwrite(p, 1, n, fp) != n)
		rc = -1;
	if (fclose(fp) != 0)
		rc = -1;
	return rc;
}

/* ---- stderr capture ---- */

struct tu_capture {
	int	 saved;		/* the real fd 2 */
	FILE	*tmp;		/* where fd 2 points meanwhile */
};

/* Point fd 2 at a temporary file until tu_capture_end. */
static inline void
tu_capture_begin(struct tu_capture *c)
{
	fflush(stderr);
	c->tmp = tmpfile();
	assert_non_null(c->tmp);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_true(dup2(fileno(c->tmp), STDERR_FILENO) >= 0);
}

/*
 * Restore fd 2 and return what was written to it meanwhile, as a heap
 * string the caller frees.
 */
static inline char *
tu_capture_end(struct tu_capture *c)
{
	char	*p;
	long	 n;

	fflush(stderr);
	assert_true(dup2(c->saved, STDERR_FILENO) >= 0);
	close(c->saved);
	assert_int_equal(fseek(c->tmp, 0, SEEK_END), 0);
	n = ftell(c->tmp);
	assert_true(n >= 0);
	rewind(c->tmp);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, c->tmp), (size_t)n);
	p[n] = '\0';
	fclose(c->tmp);
	return p;
}

/*
 * Load a config with stderr captured: the config (or NULL) is returned,
 * what config_load printed in *err (caller frees).
 *
 * A dry run in a child comes first: a sanitizer report written while
 * fd 2 is captured would otherwise die unseen with the process, and a
 * load that hangs would hang the test.
 */
static inline struct config *
tu_load_dry(const char *path, int verbose, char **err, int dry)
{
	struct tu_capture c;
	struct config	*cfg;
	pid_t		 pid = 0;
	int		 status = 0;

	if (dry) {
		fflush(NULL);
		tu_capture_begin(&c);
		if ((pid = fork()) == 0) {
			alarm(60);	/* a load that hangs fails as a crash */
			cfg = config_load(path, verbose);
			_exit(cfg != NULL ? 0 : 3);
		}
		while (pid > 0 && waitpid(pid, &status, 0) == -1 &&
		    errno == EINTR)
			;
		*err = tu_capture_end(&c);
		assert_true(pid > 0);
		if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 &&
		    WEXITSTATUS(status) != 3))
			fail_msg("config_load(%s) crashed; its stderr:\n%s",
			    path, *err);
		free(*err);
	}
	tu_capture_begin(&c);
	cfg = config_load(path, verbose);
	*err = tu_capture_end(&c);
	return cfg;
}

static inline struct config *
tu_load(const char *path, int verbose, char **err)
{
	return tu_load_dry(path, verbose, err, 1);
}

/*
 * Load a config that must be good and print nothing; dry 0 skips the
 * dry run (for huge configs).
 */
static inline struct config *
tu_load_good_dry(const char *path, int dry)
{
	struct config	*cfg;
	char		*err;

	cfg = tu_load_dry(path, 0, &err, dry);
	if (cfg == NULL || *err != '\0')
		print_error("%s: %s", path, err);
	assert_non_null(cfg);
	assert_string_equal(err, "");
	free(err);
	return cfg;
}

static inline struct config *
tu_load_good(const char *path)
{
	return tu_load_good_dry(path, 1);
}

/* ---- golden files ---- */

/* 1 when UPDATE_GOLDEN asks to rewrite golden files. */
static inline int
tu_updating(void)
{
	const char	*u = getenv("UPDATE_GOLDEN");

	return u != NULL && *u != '\0' && strcmp(u, "0") != 0;
}

/*
 * 1 the first time path is seen in this process: a golden file used
 * twice is written once, then compared, so two answers that should be
 * equal cannot both be "updated".
 */
static inline int
tu_first_update(const char *path)
{
	static char	 seen[64][512];
	static size_t	 nseen;
	size_t		 i;

	for (i = 0; i < nseen; i++)
		if (strcmp(seen[i], path) == 0)
			return 0;
	if (nseen < sizeof(seen) / sizeof(seen[0]))
		snprintf(seen[nseen++], sizeof(seen[0]), "%s", path);
	return 1;
}

/*
 * Compare n bytes at p with the golden file tests/golden/name, byte for
 * byte; on a difference, print where (offset, line) and both lines.
 * With UPDATE_GOLDEN set, write the file instead.
 */
static inline void
tu_golden(const char *name, const char *p, size_t n)
{
	char	 path[512];
	char	*want;
	size_t	 wlen, i, line = 1, bol = 0, ew, eg;

	snprintf(path, sizeof(path), "tests/golden/%s", name);
	if (tu_updating() && tu_first_update(path)) {
		assert_int_equal(tu_spew(path, p, n), 0);
		print_message("[ UPDATED  ] %s (check it against "
		    "doc/clients.md)\n",
		    path);
		return;
	}
	if ((want = tu_slurp(path, &wlen)) == NULL)
		fail_msg("%s: cannot read (UPDATE_GOLDEN=1 writes it)", path);
	for (i = 0; i < n && i < wlen && p[i] == want[i]; i++)
		if (p[i] == '\n') {
			line++;
			bol = i + 1;
		}
	if (i == n && i == wlen) {
		free(want);
		return;
	}
	for (ew = bol; ew < wlen && want[ew] != '\n'; ew++)
		;
	for (eg = bol; eg < n && p[eg] != '\n'; eg++)
		;
	print_error("%s: differs at byte %zu, line %zu (%zu vs %zu bytes)\n"
	    "  want: %.*s\n  got:  %.*s\n", path, i, line, wlen, n,
	    (int)(ew - bol), want + bol, (int)(eg - bol), p + bol);
	free(want);
	fail_msg("%s: golden file mismatch", path);
}

/* ---- requests ---- */

/*
 * Build a request through req_parse from a method, REQUEST_URI (with
 * its query) and Host, as a web server would pass them; parsing must
 * succeed.  The env strings must outlive the request.
 */
static inline void
tu_request(struct request *rq, const char *method, const char *uri,
    const char *host)
{
	struct cgi_env	 env;
	enum status	 st = ST_NONE;

	memset(&env, 0, sizeof(env));
	env.method = method;
	env.request_uri = uri;
	env.http_host = host;
	memset(rq, 0, sizeof(*rq));
	assert_int_equal(req_parse(&env, NULL, 0, rq, &st), 0);
	rq->now = 1700000000;
}

/* ---- the Thunderbird clientConfig checker (doc/clients.md) ---- */

/* What one answer must look like beyond the generic rules. */
struct tb_want {
	const char	*id;		/* emailProvider id, the domain */
	const char	*username;	/* every server's, or NULL: any */
	int		 alternatives;	/* 0: one server a protocol */
};

/* The text directly inside node (opaque children), or "". */
static inline const char *
tu_text(mxml_node_t *node)
{
	mxml_node_t	*c;
	const char	*t = "";

	for (c = mxmlGetFirstChild(node); c != NULL;
	    c = mxmlGetNextSibling(c))
		if (mxmlGetType(c) == MXML_OPAQUE && mxmlGetOpaque(c) != NULL)
			t = mxmlGetOpaque(c);
	return t;
}

static inline int
tu_blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return 0;
	return 1;
}

/* Element children of node named name. */
static inline int
tu_count(mxml_node_t *node, const char *name)
{
	mxml_node_t	*c;
	int		 n = 0;

	for (c = mxmlGetFirstChild(node); c != NULL;
	    c = mxmlGetNextSibling(c))
		if (mxmlGetType(c) == MXML_ELEMENT &&
		    strcmp(mxmlGetElement(c), name) == 0)
			n++;
	return n;
}

static inline mxml_node_t *
tu_child(mxml_node_t *node, const char *name)
{
	mxml_node_t	*c;

	for (c = mxmlGetFirstChild(node); c != NULL;
	    c = mxmlGetNextSibling(c))
		if (mxmlGetType(c) == MXML_ELEMENT &&
		    strcmp(mxmlGetElement(c), name) == 0)
			return c;
	return NULL;
}

/* Attribute name of node, or "(none)"; node may be NULL. */
static inline const char *
tu_attr(mxml_node_t *node, const char *name)
{
	const char	*v;

	if (node == NULL || (v = mxmlElementGetAttr(node, name)) == NULL)
		return "(none)";
	return v;
}

/* 1 if s is one of the NULL-terminated list. */
static inline int
tu_oneof(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/*
 * No element anywhere is empty (Thunderbird reads <username/> as
 * "true"); one whose content is an attribute (<loginPage url=…/>) is
 * not.  No text holds a control character or an unexpanded
 * %EMAILDOMAIN%.
 */
static inline void
tu_check_nonempty(mxml_node_t *node)
{
	mxml_node_t	*c;
	const char	*t;
	int		 kids = 0, text = 0;

	for (c = mxmlGetFirstChild(node); c != NULL;
	    c = mxmlGetNextSibling(c)) {
		if (mxmlGetType(c) == MXML_ELEMENT) {
			kids++;
			tu_check_nonempty(c);
		} else if (mxmlGetType(c) == MXML_OPAQUE) {
			t = mxmlGetOpaque(c);
			if (t == NULL || tu_blank(t))
				continue;
			text++;
			if (strstr(t, "%EMAILDOMAIN%") != NULL)
				fail_msg("<%s>: %%EMAILDOMAIN%% not expanded",
				    mxmlGetElement(node));
			for (; *t != '\0'; t++)
				if ((unsigned char)*t < 0x20 && *t != '\n' &&
				    *t != '\t' && *t != '\r')
					fail_msg("<%s>: control character",
					    mxmlGetElement(node));
		}
	}
	if (kids == 0 && text == 0 && mxmlElementGetAttrCount(node) == 0)
		fail_msg("empty element <%s>", mxmlGetElement(node));
}

/*
 * One <incomingServer> or <outgoingServer> (doc/clients.md, Thunderbird:
 * socketType, port, authentication; Evolution: attributes).
 */
static inline void
tu_check_server(mxml_node_t *sv, int outgoing, const struct tb_want *w)
{
	static const char *const socks[] = { "SSL", "STARTTLS", "plain",
	    NULL };
	static const char *const in_auth[] = { "password-cleartext",
	    "password-encrypted", "OAuth2", "NTLM", "GSSAPI", NULL };
	static const char *const out_auth[] = { "password-cleartext",
	    "password-encrypted", "OAuth2", "NTLM", "GSSAPI", "none",
	    "client-IP-address", NULL };
	static const char *const in_types[] = { "imap", "pop3", NULL };
	mxml_node_t	*c;
	const char	*name, *type, *t;
	char		 dom[DOMAIN_MAX + 1];
	unsigned long	 port;
	char		*end;

	/* Only the type attribute: Evolution aborts on any other. */
	assert_int_equal(mxmlElementGetAttrCount(sv), 1);
	type = mxmlElementGetAttr(sv, "type");
	assert_non_null(type);
	if (outgoing)
		assert_string_equal(type, "smtp");
	else if (!tu_oneof(type, in_types))
		fail_msg("incomingServer type '%s'", type);
	assert_int_equal(tu_count(sv, "hostname"), 1);
	assert_int_equal(tu_count(sv, "port"), 1);
	assert_int_equal(tu_count(sv, "socketType"), 1);
	assert_int_equal(tu_count(sv, "username"), 1);
	assert_true(tu_count(sv, "authentication") >= 1);
	assert_int_equal(tu_count(sv, "pop3"), strcmp(type, "pop3") == 0);
	t = tu_text(tu_child(sv, "hostname"));
	if (valid_domain(t, strlen(t), dom, sizeof(dom)) < 0)
		fail_msg("hostname '%s' is not a host name", t);
	t = tu_text(tu_child(sv, "port"));
	if (*t < '1' || *t > '9')
		fail_msg("port '%s'", t);
	errno = 0;
	port = strtoul(t, &end, 10);
	if (errno != 0 || *end != '\0' || port < 1 || port > 65535)
		fail_msg("port '%s' not in 1-65535", t);
	t = tu_text(tu_child(sv, "socketType"));
	if (!tu_oneof(t, socks))
		fail_msg("socketType '%s'", t);
	if (w->username != NULL)
		assert_string_equal(tu_text(tu_child(sv, "username")),
		    w->username);
	for (c = mxmlGetFirstChild(sv); c != NULL;
	    c = mxmlGetNextSibling(c)) {
		if (mxmlGetType(c) != MXML_ELEMENT)
			continue;
		name = mxmlGetElement(c);
		/* Server children carry no attributes. */
		assert_int_equal(mxmlElementGetAttrCount(c), 0);
		if (strcmp(name, "authentication") == 0 &&
		    !tu_oneof(tu_text(c), outgoing ? out_auth : in_auth))
			fail_msg("authentication '%s' in %s", tu_text(c),
			    outgoing ? "outgoingServer" : "incomingServer");
	}
}

/*
 * The <addressBook type="carddav"> or <calendar type="caldav"> children
 * of root: serverURL, username and http-basic (doc/clients.md,
 * Thunderbird: DAV).
 */
static inline void
tu_check_dav(mxml_node_t *root, const char *el, const char *type)
{
	mxml_node_t	*c;

	for (c = mxmlGetFirstChild(root); c != NULL;
	    c = mxmlGetNextSibling(c)) {
		if (mxmlGetType(c) != MXML_ELEMENT ||
		    strcmp(mxmlGetElement(c), el) != 0)
			continue;
		assert_int_equal(mxmlElementGetAttrCount(c), 1);
		assert_non_null(mxmlElementGetAttr(c, "type"));
		assert_string_equal(mxmlElementGetAttr(c, "type"), type);
		assert_int_equal(tu_count(c, "serverURL"), 1);
		assert_int_equal(tu_count(c, "username"), 1);
		assert_int_equal(tu_count(c, "authentication"), 1);
		assert_string_equal(tu_text(tu_child(c, "authentication")),
		    "http-basic");
		if (strncmp(tu_text(tu_child(c, "serverURL")), "https://",
		    8) != 0 && strncmp(tu_text(tu_child(c, "serverURL")),
		    "http://", 7) != 0)
			fail_msg("<%s> serverURL '%s'", el,
			    tu_text(tu_child(c, "serverURL")));
	}
}

/* 1 if xmllint is there to cross-check well-formedness. */
static inline int
tu_have_xmllint(void)
{
	return access("/usr/bin/xmllint", X_OK) == 0;
}

/* Well-formed per xmllint (a second, strict parser), when installed. */
static inline void
tu_xmllint(const char *p, size_t n)
{
	FILE	*fp;

	if (!tu_have_xmllint())
		return;
	fflush(NULL);
	fp = popen("/usr/bin/xmllint --noout --nonet -", "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(p, 1, n, fp), n);
	assert_int_equal(pclose(fp), 0);
}

/* Parse n bytes (no NUL needed) with mxml; fails the test if not XML. */
static inline mxml_node_t *
tu_parse(const char *p, size_t n)
{
	mxml_node_t	*tree;
	char		*s;

	s = malloc(n + 1);
	assert_non_null(s);
	memcpy(s, p, n);
	s[n] = '\0';
	tree = mxmlLoadString(NULL, s, MXML_OPAQUE_CALLBACK);
	free(s);
	if (tree == NULL)
		fail_msg("not well-formed XML");
	return tree;
}

/*
 * Parse n bytes as XML (mxml, and xmllint when installed) and check the
 * Thunderbird rules of doc/clients.md and w.  Returns the tree (free it
 * with mxmlDelete) for further checks.
 */
static inline mxml_node_t *
tu_check_clientconfig(const char *p, size_t n, const struct tb_want *w)
{
	static const char decl[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
	static const char *const root_kids[] = { "emailProvider",
	    "addressBook", "calendar", "clientConfigUpdate", NULL };
	static const char *const ep_kids[] = { "domain", "displayName",
	    "displayShortName", "incomingServer", "outgoingServer",
	    "documentation", "webMail", NULL };
	mxml_node_t	*tree, *root, *ep, *c;
	const char	*name, *type;
	int		 seen_out = 0, nimap = 0, npop = 0, nsmtp = 0;

	/* UTF-8 without BOM; no NUL inside. */
	assert_true(n > sizeof(decl));
	assert_memory_equal(p, decl, sizeof(decl) - 1);
	assert_true(valid_utf8(p, n));
	tu_xmllint(p, n);
	tree = tu_parse(p, n);
	/* mxml hangs the document under the <?xml …?> node. */
	root = tu_child(tree, "clientConfig");
	assert_non_null(root);
	assert_int_equal(mxmlElementGetAttrCount(root), 1);
	assert_non_null(mxmlElementGetAttr(root, "version"));
	assert_string_equal(mxmlElementGetAttr(root, "version"), "1.1");
	assert_int_equal(tu_count(root, "emailProvider"), 1);
	for (c = mxmlGetFirstChild(root); c != NULL;
	    c = mxmlGetNextSibling(c))
		if (mxmlGetType(c) == MXML_ELEMENT &&
		    !tu_oneof(mxmlGetElement(c), root_kids))
			fail_msg("<%s> in clientConfig", mxmlGetElement(c));
	tu_check_dav(root, "addressBook", "carddav");
	tu_check_dav(root, "calendar", "caldav");
	ep = tu_child(root, "emailProvider");
	assert_int_equal(mxmlElementGetAttrCount(ep), 1);
	assert_non_null(mxmlElementGetAttr(ep, "id"));
	if (w->id != NULL)
		assert_string_equal(mxmlElementGetAttr(ep, "id"), w->id);
	assert_true(tu_count(ep, "domain") >= 1);
	assert_int_equal(tu_count(ep, "displayName"), 1);
	assert_int_equal(tu_count(ep, "displayShortName"), 1);
	for (c = mxmlGetFirstChild(ep); c != NULL;
	    c = mxmlGetNextSibling(c)) {
		if (mxmlGetType(c) != MXML_ELEMENT)
			continue;
		name = mxmlGetElement(c);
		if (!tu_oneof(name, ep_kids))
			fail_msg("<%s> in emailProvider", name);
		if (strcmp(name, "incomingServer") == 0) {
			if (seen_out)
				fail_msg("incomingServer after outgoingServer");
			tu_check_server(c, 0, w);
			type = mxmlElementGetAttr(c, "type");
			if (strcmp(type, "imap") == 0)
				nimap++;
			else
				npop++;
		} else if (strcmp(name, "outgoingServer") == 0) {
			seen_out = 1;
			tu_check_server(c, 1, w);
			nsmtp++;
		}
	}
	/* Thunderbird rejects a file without both. */
	assert_true(nimap + npop >= 1);
	assert_true(nsmtp >= 1);
	if (!w->alternatives) {
		assert_true(nimap <= 1);
		assert_true(npop <= 1);
		assert_int_equal(nsmtp, 1);
	}
	tu_check_nonempty(root);
	return tree;
}

/*
 * A line-per-fact summary of a parsed clientConfig, for expectations
 * written by hand from the config and mailautoconf.conf(5) (heap string):
 *
 *	id ID / domain D / name DISPLAY / short SHORT
 *	TYPE HOST PORT SOCKET AUTH[,AUTH] user=USERNAME [leave=BOOL]
 *	doc URL descr=TEXT / webmail URL / carddav|caldav URL user=USERNAME
 */
static inline char *
tu_tb_summary(mxml_node_t *tree)
{
	mxml_node_t	*root, *ep, *c, *k, *x;
	const char	*name;
	char		*p = NULL;
	size_t		 len = 0;
	FILE		*fp;
	int		 first;

	fp = open_memstream(&p, &len);
	assert_non_null(fp);
	root = tu_child(tree, "clientConfig");
	ep = tu_child(root, "emailProvider");
	fprintf(fp, "id %s\n", tu_attr(ep, "id"));
	for (c = mxmlGetFirstChild(ep); c != NULL;
	    c = mxmlGetNextSibling(c)) {
		if (mxmlGetType(c) != MXML_ELEMENT)
			continue;
		name = mxmlGetElement(c);
		if (strcmp(name, "domain") == 0)
			fprintf(fp, "domain %s\n", tu_text(c));
		else if (strcmp(name, "displayName") == 0)
			fprintf(fp, "name %s\n", tu_text(c));
		else if (strcmp(name, "displayShortName") == 0)
			fprintf(fp, "short %s\n", tu_text(c));
		else if (strcmp(name, "documentation") == 0)
			fprintf(fp, "doc %s descr=%s\n", tu_attr(c, "url"),
			    tu_text(tu_child(c, "descr")));
		else if (strcmp(name, "webMail") == 0)
			fprintf(fp, "webmail %s\n",
			    tu_attr(tu_child(c, "loginPage"), "url"));
		else {
			fprintf(fp, "%s %s %s %s ", tu_attr(c, "type"),
			    tu_text(tu_child(c, "hostname")),
			    tu_text(tu_child(c, "port")),
			    tu_text(tu_child(c, "socketType")));
			first = 1;
			for (k = mxmlGetFirstChild(c); k != NULL;
			    k = mxmlGetNextSibling(k))
				if (mxmlGetType(k) == MXML_ELEMENT &&
				    strcmp(mxmlGetElement(k),
				    "authentication") == 0) {
					fprintf(fp, "%s%s", first ? "" : ",",
					    tu_text(k));
					first = 0;
				}
			fprintf(fp, " user=%s", tu_text(tu_child(c,
			    "username")));
			if ((x = tu_child(c, "pop3")) != NULL)
				fprintf(fp, " leave=%s", tu_text(tu_child(x,
				    "leaveMessagesOnServer")));
			fputc('\n', fp);
		}
	}
	for (c = mxmlGetFirstChild(root); c != NULL;
	    c = mxmlGetNextSibling(c))
		if (mxmlGetType(c) == MXML_ELEMENT && c != ep)
			fprintf(fp, "%s %s user=%s\n", tu_attr(c, "type"),
			    tu_text(tu_child(c, "serverURL")),
			    tu_text(tu_child(c, "username")));
	assert_int_equal(fclose(fp), 0);
	return p;
}

#endif /* TESTUTIL_H */
