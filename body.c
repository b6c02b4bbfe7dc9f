/*
 * The Outlook Autodiscover request body: the project's main attack
 * surface.  mxml 3.3.1 (Debian 12) must be guarded: a UTF-16 byte order
 * mark makes it read past its buffer, a truncated root tag leaks when it
 * allocates the root itself, attributes cost quadratic time, failed
 * allocations crash it, and its default error callback prints input.
 * So body_scan() first checks the body against a strict, well-formed
 * subset of XML (strict UTF-8, no DTD, only the five predefined
 * entities, element and attribute counts capped) and writes out only
 * what the answer depends on: the elements and their text, no
 * attributes, no markup outside the root.  mxml parses that, about half
 * of a typical body, under a top node of ours that is deleted on every
 * path.  This is the only file that calls mxml.
 */
#include <string.h>

#include <mxml.h>

#include "mailautoconf.h"


static const char schema_outlook[] =
    "http://schemas.microsoft.com/exchange/autodiscover/outlook/"
    "responseschema/2006a";
static const char schema_mobilesync[] =
    "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/"
    "responseschema/2006";

/*
 * Set by quiet_error() when mxml ran out of memory, so that the parse
 * failure is answered as ours (500), not as the client's (600).  The
 * process answers one request at a time; body_parse() clears it.
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

/* Byte classes for body_scan(). */
#define B_WS	1	/* XML white space */
#define B_NAME1	2	/* may start a name: ASCII letter, '_', ':' */
#define B_NAME	4	/* may be in a name: those, digits, '-', '.' */
#define B_LOOK	8	/* looked at in content: < = & controls, >= 0x80 */

#define W	B_WS
#define L	(B_NAME1 | B_NAME)
#define D	B_NAME
#define K	B_LOOK
#define K16	K, K, K, K, K, K, K, K, K, K, K, K, K, K, K, K
static const unsigned char bclass[256] = {
	/* 00 */ K, K, K, K, K, K, K, K,
	    K, W, W, K, K, W, K, K,
	/* 10 */ K, K, K, K, K, K, K, K,
	    K, K, K, K, K, K, K, K,
	/* 20 */ W, 0, 0, 0, 0, 0, K, 0,
	    0, 0, 0, 0, 0, D, D, 0,
	/* 30 */ D, D, D, D, D, D, D, D,
	    D, D, L, 0, K, K, 0, 0,
	/* 40 */ 0, L, L, L, L, L, L, L,
	    L, L, L, L, L, L, L, L,
	/* 50 */ L, L, L, L, L, L, L, L,
	    L, L, L, 0, 0, 0, 0, L,
	/* 60 */ 0, L, L, L, L, L, L, L,
	    L, L, L, L, L, L, L, L,
	/* 70 */ L, L, L, L, L, L, L, L,
	    L, L, L, 0, 0, 0, 0, 0,
	/* 80-ff: UTF-8, checked where it is content */
	K16, K16, K16, K16, K16, K16, K16, K16
};
#undef W
#undef L
#undef D
#undef K
#undef K16

/* body_scan()'s position, output and counts. */
struct scan {
	const unsigned char *s;
	size_t		 n;
	size_t		 i;		/* next byte to read */
	char		*out;
	size_t		 o;		/* bytes written */
	unsigned	 elems, attrs;	/* '<' and '=' seen */
	unsigned	 depth;		/* elements open */
};

/*
 * 1 if the content bytes s[i..j) (text, an attribute value, a comment or
 * a processing instruction) are acceptable: strict UTF-8 without U+FEFF
 * or U+FFFE, no control character but white space, only the five
 * predefined entities; '<' and '=' are counted against their caps, and
 * a '<' is refused where lt is 0.
 */
static int
content_ok(struct scan *sc, size_t i, size_t j, int lt)
{
	static const struct {
		const char	*s;
		size_t		 n;
	} ents[] = {
		{ "amp;", 4 }, { "lt;", 3 }, { "gt;", 3 }, { "quot;", 5 },
		{ "apos;", 5 }
	};
	const unsigned char *s = sc->s;
	size_t		 e, k;
	unsigned	 cp;

	for (; i < j; i++) {
		while (i < j && !(bclass[s[i]] & B_LOOK))
			i++;
		if (i == j)
			break;
		switch (s[i]) {
		case '<':
			if (!lt || ++sc->elems > AD_ELEMS_MAX)
				return 0;
			break;
		case '=':
			if (++sc->attrs > AD_ATTRS_MAX)
				return 0;
			break;
		case '&':
			for (e = 0; e < sizeof(ents) / sizeof(ents[0]); e++)
				if (j - i - 1 >= ents[e].n && memcmp(s + i + 1,
				    ents[e].s, ents[e].n) == 0)
					break;
			if (e == sizeof(ents) / sizeof(ents[0]))
				return 0;
			i += ents[e].n;
			break;
		default:
			if (s[i] < 0x80 || (k = utf8_seq(s + i, j - i,
			    &cp)) == 0 || cp == 0xfeff || cp == 0xfffe)
				return 0;
			i += k - 1;
			break;
		}
	}
	return 1;
}

static void
emit(struct scan *sc, size_t from, size_t len)
{
	memcpy(sc->out + sc->o, sc->s + from, len);
	sc->o += len;
}

/* The end of the name at i (i itself when there is none). */
static size_t
name_end(const struct scan *sc, size_t i)
{
	if (i >= sc->n || !(bclass[sc->s[i]] & B_NAME1))
		return i;
	for (i++; i < sc->n && (bclass[sc->s[i]] & B_NAME); i++)
		;
	return i;
}

static size_t
skip_ws(const struct scan *sc, size_t i)
{
	while (i < sc->n && (bclass[sc->s[i]] & B_WS))
		i++;
	return i;
}

/* The first s[i..n) that starts with the two bytes t; n when none. */
static size_t
find2(const struct scan *sc, size_t i, const char *t)
{
	const unsigned char *p;

	while (i + 1 < sc->n &&
	    (p = memchr(sc->s + i, t[0], sc->n - i - 1)) != NULL) {
		i = (size_t)(p - sc->s);
		if (sc->s[i + 1] == (unsigned char)t[1])
			return i;
		i++;
	}
	return sc->n;
}

/*
 * A start tag at sc->i ('<' and a name): its attributes are checked
 * (name="value" or 'value', white space before each, no '<' in a value,
 * no name twice) and left out of the output, which mxml then parses as
 * "<name>" or "<name/>".  0 when refused.
 */
static int
start_tag(struct scan *sc)
{
	const unsigned char *s = sc->s, *p;
	size_t		 i = sc->i + 1, e = name_end(sc, i), an[AD_ATTRS_MAX],
			 al[AD_ATTRS_MAX], na = 0, a, ae, q, v;

	emit(sc, sc->i, e - sc->i);
	for (i = e;;) {
		e = skip_ws(sc, i);
		if (e == sc->n)
			return 0;
		if (s[e] == '>') {
			sc->depth++;
			break;
		}
		if (s[e] == '/') {
			if (e + 1 == sc->n || s[e + 1] != '>')
				return 0;
			sc->out[sc->o++] = '/';
			e++;
			break;
		}
		/* An attribute: white space first, then name = "value". */
		if (e == i || (ae = name_end(sc, e)) == e)
			return 0;
		for (a = 0; a < na; a++)
			if (al[a] == ae - e && memcmp(s + an[a], s + e,
			    ae - e) == 0)
				return 0;
		if ((q = skip_ws(sc, ae)) == sc->n || s[q] != '=' ||
		    ++sc->attrs > AD_ATTRS_MAX)
			return 0;
		an[na] = e;
		al[na++] = ae - e;
		if ((q = skip_ws(sc, q + 1)) == sc->n ||
		    (s[q] != '"' && s[q] != '\''))
			return 0;
		q++;
		if ((p = memchr(s + q, s[q - 1], sc->n - q)) == NULL)
			return 0;
		v = (size_t)(p - s);
		if (!content_ok(sc, q, v, 0))
			return 0;
		i = v + 1;
		if (i < sc->n && !(bclass[s[i]] & B_WS) && s[i] != '>' &&
		    s[i] != '/')
			return 0;
	}
	sc->out[sc->o++] = '>';
	sc->i = e + 1;
	return 1;
}

/*
 * The text from sc->i to the next '<' or the end, checked and written
 * without the white space at either end; sc->i is left at the '<'.
 * 0 when refused.
 */
static int
scan_text(struct scan *sc)
{
	const unsigned char *s = sc->s, *p;
	size_t		 i = sc->i, t, e;

	p = memchr(s + i, '<', sc->n - i);
	e = p != NULL ? (size_t)(p - s) : sc->n;
	if (!content_ok(sc, i, e, 0))
		return 0;
	for (t = e; t > i && (bclass[s[t - 1]] & B_WS); t--)
		;
	i = skip_ws(sc, i);
	if (i < t) {
		if (sc->depth == 0)
			return 0;	/* text beside the root */
		emit(sc, i, t - i);
	}
	sc->i = e;
	return 1;
}

/* A comment at sc->i ("<!"): no DTD, no CDATA.  0 when refused. */
static int
scan_comment(struct scan *sc)
{
	const unsigned char *s = sc->s;
	size_t		 e = sc->i, n = sc->n, t;

	if (n - e < 4 || memcmp(s + e + 2, "--", 2) != 0)
		return 0;
	t = find2(sc, e + 4, "--");
	/*
	 * mxml ends a comment at "-->" only, not at "--->", and needs one
	 * byte in it.
	 */
	if (t + 2 >= n || s[t + 2] != '>' || t == e + 4 || s[t - 1] == '-' ||
	    !content_ok(sc, e + 4, t, 1))
		return 0;
	if (sc->depth > 0)
		emit(sc, e, t + 3 - e);
	sc->i = t + 3;
	return 1;
}

/* A processing instruction at sc->i ("<?").  0 when refused. */
static int
scan_pi(struct scan *sc)
{
	size_t	 e = sc->i, t;

	/* mxml ends an instruction at the first "?>". */
	if ((t = find2(sc, e + 1, "?>")) == sc->n ||
	    (t > e + 2 && !content_ok(sc, e + 2, t, 1)))
		return 0;
	if (sc->depth > 0)
		emit(sc, e, t + 2 - e);
	sc->i = t + 2;
	return 1;
}

/*
 * An end tag at sc->i ("</"), written without the white space before
 * its '>'.  0 when refused, or when no element is open.
 */
static int
end_tag(struct scan *sc)
{
	size_t	 e = sc->i, t, i;

	if ((t = name_end(sc, e + 2)) == e + 2 ||
	    (i = skip_ws(sc, t)) == sc->n || sc->s[i] != '>' ||
	    sc->depth == 0)
		return 0;
	sc->depth--;
	emit(sc, e, t - e);
	sc->out[sc->o++] = '>';
	sc->i = i + 1;
	return 1;
}

/* The markup at sc->i ('<'), counted against AD_ELEMS_MAX.  0 when refused. */
static int
scan_markup(struct scan *sc)
{
	size_t	 e = sc->i;

	if (++sc->elems > AD_ELEMS_MAX || e + 1 == sc->n)
		return 0;
	switch (sc->s[e + 1]) {
	case '!':
		return scan_comment(sc);
	case '?':
		return scan_pi(sc);
	case '/':
		return end_tag(sc);
	default:
		return name_end(sc, e + 1) != e + 1 && start_tag(sc);
	}
}

/*
 * Check a body and write what mxml needs of it to out (at least n
 * bytes), *outlen set.  The body must be strict UTF-8 without NUL or
 * control characters, with no byte order mark but one leading UTF-8
 * BOM, no DTD or CDATA, only the five predefined entities, at most
 * AD_ELEMS_MAX '<' and AD_ATTRS_MAX '=', and well-formed markup: names
 * of ASCII letters, digits, '_', ':', '-' and '.', quoted attribute
 * values without '<', no attribute twice in a tag, comments without
 * "--", every tag closed, no text beside the root.  What the answer
 * cannot depend on is left out: the attributes, comments and processing
 * instructions outside the root (the XML declaration), and white space
 * at either end of a text (where text_of() trims it).  mxml then reads
 * about half the bytes of a typical Outlook body, and builds no node
 * for white space between tags.  Returns 0 when the body is refused.
 */
int
body_scan(const char *body, size_t n, char *out, size_t *outlen)
{
	struct scan	 sc;
	const unsigned char *s = (const unsigned char *)body;

	*outlen = 0;
	if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		n -= 3;
	}
	memset(&sc, 0, sizeof(sc));
	sc.s = s;
	sc.n = n;
	sc.out = out;
	while (sc.i < n) {
		if (!scan_text(&sc))
			return 0;
		if (sc.i < n && !scan_markup(&sc))
			return 0;
	}
	if (sc.depth != 0)
		return 0;
	*outlen = sc.o;
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
		    (memcmp(ln, name, len) != 0 && !str_caseeq(ln, name, len)))
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
	    str_caseeq(schema, schema_outlook, (size_t)len))))
		ad->schema = AD_OUTLOOK;
	else if (sizeof(schema_mobilesync) - 1 == (size_t)len &&
	    (memcmp(schema, schema_mobilesync, (size_t)len) == 0 ||
	    str_caseeq(schema, schema_mobilesync, (size_t)len)))
		ad->schema = AD_MOBILESYNC;
	else
		ad->schema = AD_OTHER;
	return 0;
}

/* No address, the default schema: what a refused body leaves. */
static void
ad_clear(struct adreq *ad)
{
	ad->email[0] = '\0';
	ad->emaillen = 0;
	ad->schema = AD_OUTLOOK;
}

/*
 * Parse xml, NUL-terminated and followed by BODY_PAD more NUL bytes,
 * with mxml into ad: the raw EMailAddress text (not yet validated) and
 * the response schema asked for.  Returns 0, -1 for anything malformed,
 * -2 when memory ran out.  Allocates only inside mxml, and frees it all
 * before returning.  Only for text body_scan() accepted (or wrote).
 */
int
body_parse(const char *xml, struct adreq *ad)
{
	mxml_node_t	*top, *res;
	int		 rc = -1;

	ad_clear(ad);
	if ((top = mxmlNewElement(MXML_NO_PARENT, "top")) == NULL)
		return -2;
	mxml_oom = 0;
	res = mxmlLoadString(top, xml, MXML_OPAQUE_CALLBACK);
	if (res != NULL && (rc = walk(top, ad)) == -1 && tree_damaged(top))
		mxml_oom = 1;
	mxmlDelete(top);
	return mxml_oom ? -2 : rc;
}

/*
 * Parse an Autodiscover request body of n bytes into ad.  Returns 0, -1
 * for anything malformed (error 600), -2 when memory ran out (a 5xx).
 */
int
body_autodiscover(const char *body, size_t n, struct adreq *ad)
{
	char		 xml[BODY_MAX + BODY_PAD];
	size_t		 len;

	ad_clear(ad);
	if (body == NULL || n > BODY_MAX || !body_scan(body, n, xml, &len))
		return -1;
	memset(xml + len, 0, BODY_PAD);
	return body_parse(xml, ad);
}
