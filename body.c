/*
 * The Outlook Autodiscover request body: the project's main attack
 * surface.  mxml 3.3.1 (Debian 12) must be guarded: a UTF-16 byte order
 * mark makes it read past its buffer, a truncated root tag leaks when it
 * allocates the root itself, attributes cost quadratic time, failed
 * allocations crash it, and its default error callback prints input.
 * So the body is checked here first (strict UTF-8, no BOM past the
 * start, no DTD, only the five predefined entities, element and
 * attribute counts capped), then parsed from a NUL-padded copy under a
 * top node of ours that is deleted on every path.  This is the only
 * file that calls mxml.
 */
#include <string.h>

#include <mxml.h>

#include "mailautoconf.h"

#define BODY_PAD	16	/* NUL bytes after the copy mxml reads */

static const char schema_outlook[] =
    "http://schemas.microsoft.com/exchange/autodiscover/outlook/"
    "responseschema/2006a";
static const char schema_mobilesync[] =
    "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/"
    "responseschema/2006";

/*
 * Set by quiet_error() when mxml ran out of memory, so that the parse
 * failure is answered as ours (500), not as the client's (600).  The
 * process answers one request at a time; body_autodiscover() clears it.
 */
static int mxml_oom;

static void
quiet_error(const char *msg)
{
	static const char fixed[] = "mailautoconf: malformed XML body\n";

	/* The message may quote the input: never print it. */
	if (strncmp(msg, "Unable to", 9) == 0)
		mxml_oom = 1;
	else
		fputs(fixed, stderr);
}

/*
 * Install the error callback (mxml allocates its global state for it);
 * call once before the first parse.
 */
void
body_init(void)
{
	mxmlSetErrorCallback(quiet_error);
}

static int
is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * 1 if the body may be handed to mxml: strict UTF-8 without NUL, no
 * byte order mark but a leading one (*skip is set past it), no DTD, no
 * CDATA, only the five predefined entities, at most AD_ELEMS_MAX '<'
 * and AD_ATTRS_MAX '=', and a last '>' (mxml takes a root whose last
 * '>' is missing as complete).  One pass: bytes that need no look are
 * skipped through a table.
 */
static int
body_sane(const char *body, size_t n, size_t *skip)
{
	static const struct {
		const char	*s;
		size_t		 n;
	} ents[] = {
		{ "amp;", 4 }, { "lt;", 3 }, { "gt;", 3 }, { "quot;", 5 },
		{ "apos;", 5 }
	};
	/* 1: an ASCII byte body_sane() must look at (and all others). */
	static const unsigned char look[128] = {
		[0] = 1, ['&'] = 1, ['<'] = 1, ['='] = 1
	};
	const unsigned char *s = (const unsigned char *)body;
	size_t		 i, j, k, elems = 0, attrs = 0;
	unsigned	 cp;

	*skip = 0;
	if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		*skip = 3;
	s += *skip;
	n -= *skip;
	for (i = n; i > 0 && is_ws(s[i - 1]); i--)
		;
	if (i == 0 || s[i - 1] != '>')
		return 0;
	for (i = 0; i < n; i++) {
		while (i < n && s[i] < 0x80 && !look[s[i]])
			i++;
		if (i == n)
			break;
		switch (s[i]) {
		case '<':
			if (++elems > AD_ELEMS_MAX)
				return 0;
			/* No DOCTYPE, ENTITY or CDATA: comments only. */
			if (n - i > 1 && s[i + 1] == '!' &&
			    (n - i < 4 || memcmp(s + i + 2, "--", 2) != 0))
				return 0;
			break;
		case '=':
			if (++attrs > AD_ATTRS_MAX)
				return 0;
			break;
		case '&':
			for (j = 0; j < sizeof(ents) / sizeof(ents[0]); j++)
				if (n - i - 1 >= ents[j].n && memcmp(s + i + 1,
				    ents[j].s, ents[j].n) == 0)
					break;
			if (j == sizeof(ents) / sizeof(ents[0]))
				return 0;
			break;
		case 0:
			return 0;
		default:
			/* U+FEFF (a BOM) and U+FFFE are refused here too. */
			if ((k = req_utf8_seq(s + i, n - i, &cp)) == 0 ||
			    cp == 0xfeff || cp == 0xfffe)
				return 0;
			i += k - 1;
			break;
		}
	}
	return 1;
}

/* An element's local name: after the last ':' of its prefix. */
static const char *
local_name(mxml_node_t *node)
{
	const char	*name = mxmlGetElement(node), *c;

	if (name == NULL)
		return "";
	if ((c = strrchr(name, ':')) != NULL)
		return c + 1;
	return name;
}

/* 1 for comments, the XML declaration and processing instructions. */
static int
is_markup(mxml_node_t *node)
{
	const char	*name = mxmlGetElement(node);

	return name != NULL && (name[0] == '!' || name[0] == '?');
}

/*
 * The only child element named name (case-insensitive, prefix
 * stripped), NULL when there is none; *dup is set when there are two.
 */
static mxml_node_t *
child(mxml_node_t *parent, const char *name, int *dup)
{
	mxml_node_t	*n, *found = NULL;
	const char	*ln;
	size_t		 len = strlen(name);

	for (n = mxmlGetFirstChild(parent); n != NULL;
	    n = mxmlGetNextSibling(n)) {
		if (mxmlGetType(n) != MXML_ELEMENT || is_markup(n))
			continue;
		ln = local_name(n);
		if ((ln[0] | 0x20) != (name[0] | 0x20) || strlen(ln) != len ||
		    (memcmp(ln, name, len) != 0 && !req_caseeq(ln, name, len)))
			continue;
		if (found != NULL)
			*dup = 1;
		found = n;
	}
	return found;
}

/*
 * The text of an element that holds only text (comments aside), with
 * surrounding white space trimmed: copied into out (size outsz).
 * Returns its length, or -1 for child elements, several text runs or
 * overflow.
 */
static int
text_of(mxml_node_t *el, char *out, size_t outsz)
{
	mxml_node_t	*n;
	const char	*t = NULL, *v;
	size_t		 len;

	for (n = mxmlGetFirstChild(el); n != NULL; n = mxmlGetNextSibling(n)) {
		if (mxmlGetType(n) == MXML_ELEMENT) {
			if (is_markup(n))
				continue;
			return -1;
		}
		if (mxmlGetType(n) != MXML_OPAQUE ||
		    (v = mxmlGetOpaque(n)) == NULL)
			return -1;
		while (is_ws((unsigned char)*v))
			v++;
		if (*v == '\0')
			continue;
		if (t != NULL)
			return -1;
		t = v;
	}
	if (t == NULL)
		t = "";
	len = strlen(t);
	while (len > 0 && is_ws((unsigned char)t[len - 1]))
		len--;
	if (len + 1 > outsz)
		return -1;
	memcpy(out, t, len);
	out[len] = '\0';
	return (int)len;
}

/*
 * 1 if the document is one root element: besides it only comments, the
 * XML declaration, processing instructions and white space.
 */
static int
one_root(mxml_node_t *top)
{
	mxml_node_t	*n;
	const char	*v;
	int		 elems = 0;

	for (n = mxmlGetFirstChild(top); n != NULL; n = mxmlGetNextSibling(n)) {
		if (mxmlGetType(n) == MXML_ELEMENT) {
			if (!is_markup(n))
				elems++;
			continue;
		}
		if (mxmlGetType(n) != MXML_OPAQUE ||
		    (v = mxmlGetOpaque(n)) == NULL)
			return 0;
		while (is_ws((unsigned char)*v))
			v++;
		if (*v != '\0')
			return 0;
	}
	return elems == 1;
}

/*
 * 1 if mxml left a node without its name or text: it does not check
 * every strdup(), so a failed allocation shows only here.
 */
static int
tree_damaged(mxml_node_t *top)
{
	mxml_node_t	*n;

	for (n = mxmlWalkNext(top, top, MXML_DESCEND); n != NULL;
	    n = mxmlWalkNext(n, top, MXML_DESCEND))
		if ((mxmlGetType(n) == MXML_ELEMENT &&
		    mxmlGetElement(n) == NULL) ||
		    (mxmlGetType(n) == MXML_OPAQUE && mxmlGetOpaque(n) == NULL))
			return 1;
	return 0;
}

/* Pull the address and the schema out of the parsed tree. */
static int
walk(mxml_node_t *top, struct adreq *ad)
{
	mxml_node_t	*root, *req, *el;
	char		 schema[AD_SCHEMA_MAX + 1];
	int		 dup = 0, len;

	if (!one_root(top) ||
	    (root = child(top, "Autodiscover", &dup)) == NULL || dup)
		return -1;
	if ((req = child(root, "Request", &dup)) == NULL || dup)
		return -1;
	if ((el = child(req, "EMailAddress", &dup)) == NULL || dup)
		return -1;
	if ((len = text_of(el, ad->email, sizeof(ad->email))) <= 0)
		return -1;
	ad->emaillen = (size_t)len;
	ad->schema = AD_OUTLOOK;
	if ((el = child(req, "AcceptableResponseSchema", &dup)) == NULL)
		return 0;
	if (dup || (len = text_of(el, schema, sizeof(schema))) < 0)
		return -1;
	if (len == 0 || (sizeof(schema_outlook) - 1 == (size_t)len &&
	    (memcmp(schema, schema_outlook, (size_t)len) == 0 ||
	    req_caseeq(schema, schema_outlook, (size_t)len))))
		ad->schema = AD_OUTLOOK;
	else if (sizeof(schema_mobilesync) - 1 == (size_t)len &&
	    (memcmp(schema, schema_mobilesync, (size_t)len) == 0 ||
	    req_caseeq(schema, schema_mobilesync, (size_t)len)))
		ad->schema = AD_MOBILESYNC;
	else
		ad->schema = AD_OTHER;
	return 0;
}

/*
 * Parse an Autodiscover request body of n bytes into ad: the raw
 * EMailAddress text (not yet validated) and the response schema asked
 * for.  Returns 0, -1 for anything malformed (error 600), -2 when memory
 * ran out (a 5xx).  Allocates only inside mxml, and frees it all before
 * returning.
 */
int
body_autodiscover(const char *body, size_t n, struct adreq *ad)
{
	char		 copy[BODY_MAX + BODY_PAD];
	mxml_node_t	*top, *res;
	size_t		 skip;
	int		 rc = -1;

	ad->email[0] = '\0';
	ad->emaillen = 0;
	ad->schema = AD_OUTLOOK;
	if (body == NULL || n > BODY_MAX || !body_sane(body, n, &skip))
		return -1;
	memcpy(copy, body + skip, n - skip);
	memset(copy + n - skip, 0, BODY_PAD);
	if ((top = mxmlNewElement(MXML_NO_PARENT, "top")) == NULL)
		return -2;
	mxml_oom = 0;
	res = mxmlLoadString(top, copy, MXML_OPAQUE_CALLBACK);
	if (res != NULL && (rc = walk(top, ad)) == -1 && tree_damaged(top))
		mxml_oom = 1;
	mxmlDelete(top);
	return mxml_oom ? -2 : rc;
}
