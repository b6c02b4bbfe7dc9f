/*
 * body_autodiscover: the guarded mxml parser of Outlook Autodiscover
 * request bodies (doc/clients.md, Outlook: request; mailautoconf(8),
 * LIMITS).  One table row per body: what it must give (the raw address
 * and the schema) or -1 (error 600), and why.  Every row runs as its own
 * cmocka test, named by its reason, so a failure names the case.  Bodies
 * with NUL bytes carry explicit lengths; the long ones are built at run
 * time.
 */
#include "testutil.h"

#define REQ_NS	"http://schemas.microsoft.com/exchange/autodiscover/outlook/" \
		"requestschema/2006"
#define OUTLOOK	"http://schemas.microsoft.com/exchange/autodiscover/outlook/" \
		"responseschema/2006a"
#define MOBILE	"http://schemas.microsoft.com/exchange/autodiscover/" \
		"mobilesync/responseschema/2006"
#define BOM	"\xef\xbb\xbf"
#define DECL	"<?xml version=\"1.0\" encoding=\"utf-8\"?>"

/* A request around an EMailAddress and an optional schema element. */
#define AD(inner) \
	"<Autodiscover xmlns=\"" REQ_NS "\"><Request>" inner \
	"</Request></Autodiscover>"
#define EM(a)	"<EMailAddress>" a "</EMailAddress>"
#define SC(s)	"<AcceptableResponseSchema>" s "</AcceptableResponseSchema>"
#define STD	AD(EM("alice@example.com") SC(OUTLOOK))
/* A request whose root tag holds attrs (after a space). */
#define RA(attrs) "<Autodiscover " attrs "><Request>" \
		EM("alice@example.com") "</Request></Autodiscover>"
#define STD_NOGT "<Autodiscover xmlns=\"" REQ_NS "\"><Request>" \
		EM("alice@example.com") "</Request></Autodiscover"

/* A literal with its length: NUL bytes inside count. */
#define B(s)	s, sizeof(s) - 1

enum { BAD = -1, OK = 0 };

struct row {
	const char	*why;
	const char	*body;
	size_t		 len;
	int		 rc;
	const char	*email;		/* OK rows: the raw address */
	enum adschema	 schema;
};

static const struct row rows[] = {
	/* ---- valid ---- */
	{ "standard outlook request", B(DECL "\n" STD), OK,
	    "alice@example.com", AD_OUTLOOK },
	{ "no XML declaration", B(STD), OK, "alice@example.com",
	    AD_OUTLOOK },
	{ "as Outlook sends it, pretty-printed", B(DECL "\r\n"
	    "<Autodiscover xmlns=\"" REQ_NS "\">\r\n  <Request>\r\n"
	    "    <EMailAddress>alice@example.com</EMailAddress>\r\n"
	    "    <AcceptableResponseSchema>" OUTLOOK
	    "</AcceptableResponseSchema>\r\n  </Request>\r\n"
	    "</Autodiscover>\r\n"), OK, "alice@example.com", AD_OUTLOOK },
	{ "namespace prefixes stripped", B(DECL "<a:Autodiscover "
	    "xmlns:a=\"" REQ_NS "\"><a:Request><a:EMailAddress>"
	    "alice@example.com</a:EMailAddress><a:AcceptableResponseSchema>"
	    OUTLOOK "</a:AcceptableResponseSchema></a:Request>"
	    "</a:Autodiscover>"), OK, "alice@example.com", AD_OUTLOOK },
	{ "different prefixes per element", B("<x:Autodiscover "
	    "xmlns:x=\"" REQ_NS "\" xmlns:y=\"" REQ_NS "\"><y:Request>"
	    "<x:EMailAddress>bob@example.net</x:EMailAddress></y:Request>"
	    "</x:Autodiscover>"), OK, "bob@example.net", AD_OUTLOOK },
	{ "element names lower case", B("<autodiscover><request>"
	    "<emailaddress>alice@example.com</emailaddress>"
	    "<acceptableresponseschema>" MOBILE "</acceptableresponseschema>"
	    "</request></autodiscover>"), OK, "alice@example.com",
	    AD_MOBILESYNC },
	{ "element names upper case", B("<AUTODISCOVER><REQUEST>"
	    "<EMAILADDRESS>alice@example.com</EMAILADDRESS></REQUEST>"
	    "</AUTODISCOVER>"), OK, "alice@example.com", AD_OUTLOOK },
	{ "schema before the address", B(AD(SC(MOBILE)
	    EM("alice@example.com"))), OK, "alice@example.com",
	    AD_MOBILESYNC },
	{ "unknown sibling elements ignored", B(AD("<LegacyDN>/o=x</LegacyDN>"
	    EM("alice@example.com") "<Extra a=\"1\"><Deep/></Extra>"
	    SC(OUTLOOK))), OK, "alice@example.com", AD_OUTLOOK },
	{ "white space around the address trimmed", B(AD(EM(
	    " \t\r\n alice@example.com \r\n\t ") SC(OUTLOOK))), OK,
	    "alice@example.com", AD_OUTLOOK },
	{ "white space around the schema trimmed", B(AD(EM(
	    "alice@example.com") SC("\n  " MOBILE "\n  "))), OK,
	    "alice@example.com", AD_MOBILESYNC },
	{ "comments between and inside elements", B("<!-- head -->"
	    "<Autodiscover><!-- a --><Request><!-- b --><EMailAddress>"
	    "<!-- c -->alice@example.com<!-- d --></EMailAddress>"
	    "<AcceptableResponseSchema><!-- e -->" OUTLOOK
	    "</AcceptableResponseSchema></Request></Autodiscover>"
	    "<!-- tail -->"), OK, "alice@example.com", AD_OUTLOOK },
	{ "UTF-8 BOM at the start", B(BOM DECL STD), OK,
	    "alice@example.com", AD_OUTLOOK },
	{ "UTF-8 BOM at the start, no declaration", B(BOM STD), OK,
	    "alice@example.com", AD_OUTLOOK },
	{ "missing AcceptableResponseSchema is outlook",
	    B(AD(EM("alice@example.com"))), OK, "alice@example.com",
	    AD_OUTLOOK },
	{ "empty AcceptableResponseSchema is outlook",
	    B(AD(EM("alice@example.com") SC(""))), OK, "alice@example.com",
	    AD_OUTLOOK },
	{ "self-closed AcceptableResponseSchema is outlook",
	    B(AD(EM("alice@example.com") "<AcceptableResponseSchema/>")), OK,
	    "alice@example.com", AD_OUTLOOK },
	{ "mobilesync schema", B(AD(EM("alice@example.com") SC(MOBILE))),
	    OK, "alice@example.com", AD_MOBILESYNC },
	{ "schema compared ignoring case", B(AD(EM("alice@example.com")
	    SC("HTTP://SCHEMAS.MICROSOFT.COM/EXCHANGE/AUTODISCOVER/"
	    "MOBILESYNC/RESPONSESCHEMA/2006"))), OK, "alice@example.com",
	    AD_MOBILESYNC },
	{ "unknown schema is other", B(AD(EM("alice@example.com")
	    SC("http://example.com/some/other/schema"))), OK,
	    "alice@example.com", AD_OTHER },
	{ "outlook 2006 (not 2006a) schema is other",
	    B(AD(EM("alice@example.com") SC("http://schemas.microsoft.com/"
	    "exchange/autodiscover/outlook/responseschema/2006"))), OK,
	    "alice@example.com", AD_OTHER },
	{ "schema with a trailing slash is other",
	    B(AD(EM("alice@example.com") SC(OUTLOOK "/"))), OK,
	    "alice@example.com", AD_OTHER },
	{ "predefined entities decoded, address still raw",
	    B(AD(EM("a&amp;b&apos;c@example.com"))), OK,
	    "a&b'c@example.com", AD_OUTLOOK },
	{ "entities for markup characters handed on raw for validation",
	    B(AD(EM("&lt;script&gt;&quot;@example.com"))), OK,
	    "<script>\"@example.com", AD_OUTLOOK },
	{ "address not validated here: several @",
	    B(AD(EM("a@b@example.com"))), OK, "a@b@example.com",
	    AD_OUTLOOK },
	{ "address not validated here: UTF-8 domain",
	    B(AD(EM("alice@b\xc3\xbc" "cher.example"))), OK,
	    "alice@b\xc3\xbc" "cher.example", AD_OUTLOOK },
	{ "attributes on every element", B("<Autodiscover xmlns=\"" REQ_NS
	    "\" a='1'><Request b=\"2\"><EMailAddress c=\"3\">"
	    "alice@example.com</EMailAddress></Request></Autodiscover>"), OK,
	    "alice@example.com", AD_OUTLOOK },
	{ "processing instruction before the root", B(DECL
	    "<?xml-stylesheet href=\"x\"?>" STD), OK, "alice@example.com",
	    AD_OUTLOOK },
	{ "non-ASCII UTF-8 in an ignored element", B(AD("<Note>\xc3\xa9\xe2"
	    "\x82\xac\xf0\x9f\x98\x80</Note>" EM("alice@example.com"))), OK,
	    "alice@example.com", AD_OUTLOOK },
	{ "'>' in text", B(AD(EM("alice@example.com") "<Note>a > b</Note>")),
	    OK, "alice@example.com", AD_OUTLOOK },
	{ "'>' in an attribute value", B(RA("a=\"x>y\"")), OK,
	    "alice@example.com", AD_OUTLOOK },
	{ "white space around '=' and inside a close tag",
	    B("<Autodiscover xmlns = '" REQ_NS "'\t\r\n><Request >"
	    EM("alice@example.com") "</Request\n></Autodiscover >"), OK,
	    "alice@example.com", AD_OUTLOOK },
	{ "the same attribute on two elements", B("<Autodiscover a=\"1\">"
	    "<Request a=\"1\">" EM("alice@example.com")
	    "</Request></Autodiscover>"), OK, "alice@example.com",
	    AD_OUTLOOK },
	{ "'<?>' before the root", B("<?>" STD), OK, "alice@example.com",
	    AD_OUTLOOK },
	{ "white space only between the elements", B(" \r\n\t<Autodiscover>"
	    "\n <Request>\n  <EMailAddress>alice@example.com</EMailAddress>"
	    "\n  <x/> <y></y>\n </Request>\n</Autodiscover>\n "), OK,
	    "alice@example.com", AD_OUTLOOK },
	{ "text around an element beside the address ignored",
	    B(AD(" a " EM("alice@example.com") " b ")), OK,
	    "alice@example.com", AD_OUTLOOK },

	/* ---- invalid: error 600 ---- */
	/* Markup outside the strict subset body_scan() accepts. */
	{ "unquoted attribute value", B(RA("a=1")), BAD, NULL,
	    AD_OUTLOOK },
	{ "attribute without a value", B(RA("a")), BAD, NULL,
	    AD_OUTLOOK },
	{ "attribute twice in a tag", B(RA("a=\"1\" a=\"2\"")),
	    BAD, NULL, AD_OUTLOOK },
	{ "no white space between attributes", B(RA("a=\"1\"b=\"2\"")), BAD, NULL, AD_OUTLOOK },
	{ "'<' in an attribute value", B(RA("a=\"x <y\"")), BAD, NULL,
	    AD_OUTLOOK },
	{ "quoted attribute name", B(RA("\"a\"=\"1\"")), BAD, NULL,
	    AD_OUTLOOK },
	{ "'<' after white space in a tag", B(RA("a=\"1\" <b")),
	    BAD, NULL, AD_OUTLOOK },
	{ "'<' after white space in a close tag", B(AD(EM("alice@example.com"))
	    "</x <y>"), BAD, NULL, AD_OUTLOOK },
	{ "element name starting with a digit", B(AD(EM("alice@example.com")
	    "<1x/>")), BAD, NULL, AD_OUTLOOK },
	{ "'/' not followed by '>' in a tag", B(AD(EM("alice@example.com")
	    "<x / >")), BAD, NULL, AD_OUTLOOK },
	{ "empty comment", B("<!---->" STD), BAD, NULL, AD_OUTLOOK },
	{ "comment ending in '-'", B("<!-- a --->" STD), BAD, NULL,
	    AD_OUTLOOK },
	{ "'--' inside a comment", B("<!-- a -- b -->" STD), BAD, NULL,
	    AD_OUTLOOK },
	{ "control character in text", B(AD(EM("alice\x01@example.com"))),
	    BAD, NULL, AD_OUTLOOK },
	{ "control character in a comment before the root",
	    B("<!-- \x1b -->" STD), BAD, NULL, AD_OUTLOOK },
	{ "control character in the XML declaration",
	    B("<?xml \x7f\x08?>" STD), BAD, NULL, AD_OUTLOOK },
	{ "address split by a processing instruction",
	    B(AD(EM("alice@<?pi x?>example.com"))), BAD, NULL, AD_OUTLOOK },
	{ "unterminated processing instruction", B("<?xml " STD), BAD, NULL,
	    AD_OUTLOOK },
	{ "close tag at the top", B("</top>" STD), BAD, NULL, AD_OUTLOOK },
	{ "empty body", B(""), BAD, NULL, AD_OUTLOOK },
	{ "only a BOM", B(BOM), BAD, NULL, AD_OUTLOOK },
	{ "only white space", B(" \r\n\t "), BAD, NULL, AD_OUTLOOK },
	{ "only text", B("alice@example.com"), BAD, NULL, AD_OUTLOOK },
	{ "truncated tag '<a b'", B("<a b"), BAD, NULL, AD_OUTLOOK },
	{ "a lone '<'", B("<"), BAD, NULL, AD_OUTLOOK },
	{ "truncated root tag", B("<Autodiscover xmlns=\"" REQ_NS),
	    BAD, NULL, AD_OUTLOOK },
	{ "truncated attribute value", B("<Autodiscover xmlns=\"abc"),
	    BAD, NULL, AD_OUTLOOK },
	{ "truncated inside the address",
	    B("<Autodiscover><Request><EMailAddress>alice@exa"), BAD, NULL,
	    AD_OUTLOOK },
	{ "truncated in a close tag", B("<Autodiscover><Request>"
	    "<EMailAddress>alice@example.com</EMailAdd"), BAD, NULL,
	    AD_OUTLOOK },
	{ "truncated before the last close tag", B("<Autodiscover><Request>"
	    "<EMailAddress>alice@example.com</EMailAddress></Request>"), BAD,
	    NULL, AD_OUTLOOK },
	{ "mismatched close tag", B("<Autodiscover><Request><EMailAddress>"
	    "alice@example.com</EMailAddres></Request></Autodiscover>"), BAD,
	    NULL, AD_OUTLOOK },
	{ "close tag in another case", B("<Autodiscover><Request>"
	    "<EMailAddress>alice@example.com</emailaddress></Request>"
	    "</Autodiscover>"), BAD, NULL, AD_OUTLOOK },
	{ "close tag only", B("</Autodiscover>"), BAD, NULL, AD_OUTLOOK },
	{ "unterminated comment", B("<!-- " STD), BAD, NULL, AD_OUTLOOK },
	{ "'<' followed by a space", B(AD("< EMailAddress>a@example.com"
	    "</EMailAddress>")), BAD, NULL, AD_OUTLOOK },
	{ "wrong root element", B("<Discover><Request>"
	    EM("alice@example.com") "</Request></Discover>"), BAD, NULL,
	    AD_OUTLOOK },
	{ "Autodiscover below another root", B("<x>" STD "</x>"), BAD, NULL,
	    AD_OUTLOOK },
	{ "two Autodiscover roots", B(STD STD), BAD, NULL, AD_OUTLOOK },
	{ "no Request", B("<Autodiscover>" EM("alice@example.com")
	    "</Autodiscover>"), BAD, NULL, AD_OUTLOOK },
	{ "two Request elements", B("<Autodiscover><Request>"
	    EM("alice@example.com") "</Request><Request>"
	    EM("bob@example.com") "</Request></Autodiscover>"), BAD, NULL,
	    AD_OUTLOOK },
	{ "no EMailAddress", B(AD(SC(OUTLOOK))), BAD, NULL, AD_OUTLOOK },
	{ "two EMailAddress elements", B(AD(EM("alice@example.com")
	    EM("bob@example.com"))), BAD, NULL, AD_OUTLOOK },
	{ "two EMailAddress elements, one prefixed", B(AD(
	    EM("alice@example.com") "<p:emailaddress>bob@example.com"
	    "</p:emailaddress>")), BAD, NULL, AD_OUTLOOK },
	{ "empty EMailAddress", B(AD(EM(""))), BAD, NULL, AD_OUTLOOK },
	{ "self-closed EMailAddress", B(AD("<EMailAddress/>")), BAD, NULL,
	    AD_OUTLOOK },
	{ "white-space-only EMailAddress", B(AD(EM(" \r\n\t "))), BAD, NULL,
	    AD_OUTLOOK },
	{ "element inside EMailAddress", B(AD(EM("<b>alice@example.com</b>"))),
	    BAD, NULL, AD_OUTLOOK },
	{ "address split by a comment", B(AD(EM("alice<!-- x -->"
	    "@example.com"))), BAD, NULL, AD_OUTLOOK },
	{ "two schema elements", B(AD(EM("alice@example.com") SC(OUTLOOK)
	    SC(MOBILE))), BAD, NULL, AD_OUTLOOK },
	{ "element inside the schema", B(AD(EM("alice@example.com")
	    SC("<x>" OUTLOOK "</x>"))), BAD, NULL, AD_OUTLOOK },
	{ "DOCTYPE", B(DECL "<!DOCTYPE Autodiscover>" STD), BAD, NULL,
	    AD_OUTLOOK },
	{ "DOCTYPE with an internal subset", B("<!DOCTYPE a [<!ELEMENT a "
	    "ANY>]>" STD), BAD, NULL, AD_OUTLOOK },
	{ "external entity (XXE)", B("<!DOCTYPE a [<!ENTITY x SYSTEM "
	    "\"file:///etc/passwd\">]>" AD(EM("&x;"))), BAD, NULL,
	    AD_OUTLOOK },
	{ "billion laughs", B("<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
	    "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
	    "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
	    "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
	    AD(EM("&lol3;@example.com"))), BAD, NULL, AD_OUTLOOK },
	{ "CDATA section", B(AD(EM("<![CDATA[alice@example.com]]>"))), BAD,
	    NULL, AD_OUTLOOK },
	{ "'<!' that is not a comment", B("<!foo>" STD), BAD, NULL,
	    AD_OUTLOOK },
	{ "'<!-' at the very end", B(STD "<!-"), BAD, NULL, AD_OUTLOOK },
	{ "unknown entity", B(AD(EM("alice&nbsp;@example.com"))), BAD, NULL,
	    AD_OUTLOOK },
	{ "decimal character reference", B(AD(EM("alice&#64;example.com"))),
	    BAD, NULL, AD_OUTLOOK },
	{ "hex character reference", B(AD(EM("alice&#x40;example.com"))),
	    BAD, NULL, AD_OUTLOOK },
	{ "bare '&'", B(AD(EM("a&b@example.com"))), BAD, NULL, AD_OUTLOOK },
	{ "'&amp' without ';'", B(AD(EM("a&amp b@example.com"))), BAD, NULL,
	    AD_OUTLOOK },
	{ "'&' at the very end", B(STD "&"), BAD, NULL, AD_OUTLOOK },
	{ "entity in an attribute", B("<Autodiscover a=\"&e;\"><Request>"
	    EM("alice@example.com") "</Request></Autodiscover>"), BAD, NULL,
	    AD_OUTLOOK },
	{ "two BOMs at the start", B(BOM BOM STD), BAD, NULL, AD_OUTLOOK },
	{ "BOM after the declaration", B(DECL BOM STD), BAD, NULL,
	    AD_OUTLOOK },
	{ "BOM inside an element name", B("<Auto" BOM "discover><Request>"
	    EM("alice@example.com") "</Request></Auto" BOM "discover>"), BAD,
	    NULL, AD_OUTLOOK },
	{ "BOM inside the address", B(AD(EM("alice" BOM "@example.com"))),
	    BAD, NULL, AD_OUTLOOK },
	{ "BOM before the address", B(AD(EM(BOM "alice@example.com"))), BAD,
	    NULL, AD_OUTLOOK },
	{ "BOM inside an attribute value", B("<Autodiscover xmlns=\"" BOM
	    "\"><Request>" EM("alice@example.com") "</Request>"
	    "</Autodiscover>"), BAD, NULL, AD_OUTLOOK },
	{ "BOM at the very end", B(STD BOM), BAD, NULL, AD_OUTLOOK },
	{ "U+FFFE (reversed BOM)", B(AD(EM("alice\xef\xbf\xbe@example.com"))),
	    BAD, NULL, AD_OUTLOOK },
	{ "UTF-16LE BOM", B("\xff\xfe<\0A\0>\0"), BAD, NULL, AD_OUTLOOK },
	{ "UTF-16BE BOM", B("\xfe\xff\0<\0A\0>"), BAD, NULL, AD_OUTLOOK },
	{ "UTF-16LE BOM then ASCII", B("\xff\xfe" STD), BAD, NULL,
	    AD_OUTLOOK },
	{ "UTF-32LE BOM", B("\xff\xfe\0\0<\0\0\0"), BAD, NULL, AD_OUTLOOK },
	{ "UTF-16 text without BOM", B("<\0A\0>\0<\0/\0A\0>\0"), BAD, NULL,
	    AD_OUTLOOK },
	{ "lone continuation byte", B(AD(EM("alice\x80@example.com"))), BAD,
	    NULL, AD_OUTLOOK },
	{ "overlong '/'", B(AD(EM("alice\xc0\xaf@example.com"))), BAD, NULL,
	    AD_OUTLOOK },
	{ "overlong '<' (3 bytes)", B(AD(EM("alice\xe0\x80\xbc"
	    "@example.com"))), BAD, NULL, AD_OUTLOOK },
	{ "UTF-16 surrogate", B(AD(EM("alice\xed\xa0\x80@example.com"))), BAD,
	    NULL, AD_OUTLOOK },
	{ "above U+10FFFF", B(AD(EM("alice\xf4\x90\x80\x80@example.com"))),
	    BAD, NULL, AD_OUTLOOK },
	{ "0xff byte", B(AD(EM("alice\xff@example.com"))), BAD, NULL,
	    AD_OUTLOOK },
	{ "Latin-1 e-acute", B(AD(EM("al\xe9@example.com"))), BAD, NULL,
	    AD_OUTLOOK },
	{ "truncated sequence at the end", B(STD "\xe2\x82"), BAD, NULL,
	    AD_OUTLOOK },
	{ "invalid UTF-8 in an ignored comment", B("<!-- \xc3 -->" STD), BAD,
	    NULL, AD_OUTLOOK },
	{ "NUL inside the address", B(AD(EM("alice\0@example.com"))), BAD,
	    NULL, AD_OUTLOOK },
	{ "NUL after the document", B(STD "\0"), BAD, NULL, AD_OUTLOOK },
	{ "NUL at the start", B("\0" STD), BAD, NULL, AD_OUTLOOK },
	{ "NUL hiding a second document", B(AD(EM("alice@example.com"))
	    "\0<x>"), BAD, NULL, AD_OUTLOOK },
	/* Truncation and content beside the root: error 600. */
	{ "truncated final close tag (no '>')", B(STD_NOGT), BAD, NULL,
	    AD_OUTLOOK },
	{ "truncated final close tag, white space after",
	    B(STD_NOGT "\n"), BAD, NULL, AD_OUTLOOK },
	{ "truncated close tag of the root, prefixed",
	    B("<a:Autodiscover><a:Request>" EM("alice@example.com")
	    "</a:Request></a:Autodiscover"), BAD, NULL, AD_OUTLOOK },
	{ "text before the root", B("junk" STD), BAD, NULL,
	    AD_OUTLOOK },
	{ "text after the root", B(STD "junk"), BAD, NULL, AD_OUTLOOK },
	{ "a second root element", B(STD "<x/>"), BAD, NULL,
	    AD_OUTLOOK },
};


/* ---- rows built at run time ---- */

struct genrow {
	const char	*why;
	int		 kind;
	size_t		 n;
	int		 rc;
	const char	*email;
	enum adschema	 schema;
};

enum {
	G_ELEMS,	/* STD plus n-6 extra '<': n '<' in all */
	G_ATTRS,	/* n '=' in all */
	G_NEST,		/* n nested unknown elements inside Request */
	G_LOCAL,	/* an address with an n-byte local part */
	G_SIZE,		/* STD padded with spaces to n bytes */
	G_SCHEMA	/* an unknown schema of n bytes */
};

static const struct genrow genrows[] = {
	{ "256 '<' (AD_ELEMS_MAX) accepted", G_ELEMS, AD_ELEMS_MAX, OK,
	    "alice@example.com", AD_OUTLOOK },
	{ "257 '<' rejected", G_ELEMS, AD_ELEMS_MAX + 1, BAD, NULL,
	    AD_OUTLOOK },
	{ "5000 elements rejected", G_ELEMS, 5000, BAD, NULL, AD_OUTLOOK },
	{ "256 '=' (AD_ATTRS_MAX) accepted", G_ATTRS, AD_ATTRS_MAX, OK,
	    "alice@example.com", AD_OUTLOOK },
	{ "257 '=' rejected", G_ATTRS, AD_ATTRS_MAX + 1, BAD, NULL,
	    AD_OUTLOOK },
	{ "3000 attributes rejected", G_ATTRS, 3000, BAD, NULL, AD_OUTLOOK },
	{ "100 nested elements accepted", G_NEST, 100, OK,
	    "alice@example.com", AD_OUTLOOK },
	{ "2500 nested elements rejected", G_NEST, 2500, BAD, NULL,
	    AD_OUTLOOK },
	{ "64-byte local part handed on", G_LOCAL, 64, OK, NULL,
	    AD_OUTLOOK },
	{ "254-byte address (EMAIL_MAX) handed on", G_LOCAL, 254 - 12, OK,
	    NULL, AD_OUTLOOK },
	{ "255-byte address rejected", G_LOCAL, 255 - 12, BAD, NULL,
	    AD_OUTLOOK },
	{ "300-byte local part rejected", G_LOCAL, 300, BAD, NULL,
	    AD_OUTLOOK },
	{ "10000-byte address rejected", G_LOCAL, 10000, BAD, NULL,
	    AD_OUTLOOK },
	{ "body of BODY_MAX bytes accepted", G_SIZE, BODY_MAX, OK,
	    "alice@example.com", AD_OUTLOOK },
	{ "body of BODY_MAX + 1 bytes rejected", G_SIZE, BODY_MAX + 1, BAD,
	    NULL, AD_OUTLOOK },
	{ "256-byte schema (AD_SCHEMA_MAX) is other", G_SCHEMA,
	    AD_SCHEMA_MAX, OK, "alice@example.com", AD_OTHER },
	{ "257-byte schema rejected", G_SCHEMA, AD_SCHEMA_MAX + 1, BAD, NULL,
	    AD_OUTLOOK },
};

#define GEN_MAX	(BODY_MAX * 4)

static void
put(char *out, size_t *o, const char *s, size_t n)
{
	assert_true(*o + n <= GEN_MAX);
	memcpy(out + *o, s, n);
	*o += n;
}

static void
puts_(char *out, size_t *o, const char *s)
{
	put(out, o, s, strlen(s));
}

static void
repeat(char *out, size_t *o, int c, size_t n)
{
	assert_true(*o + n <= GEN_MAX);
	memset(out + *o, c, n);
	*o += n;
}

/* Build genrow g into out; its length. */
static size_t
gen(const struct genrow *g, char *out)
{
	static const char head[] = "<Autodiscover><Request>";
	static const char tail[] = "</Request></Autodiscover>";
	char		 tmp[32];
	size_t		 o = 0, i;

	switch (g->kind) {
	case G_ELEMS:
		/* STD has 6 '<' and 1 '='; each <x/> adds one '<'. */
		puts_(out, &o, "<Autodiscover xmlns=\"" REQ_NS "\"><Request>"
		    EM("alice@example.com"));
		for (i = 6; i < g->n; i++)
			puts_(out, &o, "<x/>");
		puts_(out, &o, tail);
		break;
	case G_ATTRS:
		/* 6 '<'; every attribute of Request adds one '='. */
		puts_(out, &o, "<Autodiscover><Request");
		for (i = 0; i < g->n; i++) {
			snprintf(tmp, sizeof(tmp), " a%zu=\"1\"", i);
			puts_(out, &o, tmp);
		}
		puts_(out, &o, ">" EM("alice@example.com"));
		puts_(out, &o, tail);
		break;
	case G_NEST:
		puts_(out, &o, head);
		puts_(out, &o, EM("alice@example.com"));
		for (i = 0; i < g->n; i++)
			puts_(out, &o, "<n>");
		for (i = 0; i < g->n; i++)
			puts_(out, &o, "</n>");
		puts_(out, &o, tail);
		break;
	case G_LOCAL:
		puts_(out, &o, head);
		puts_(out, &o, "<EMailAddress>");
		repeat(out, &o, 'a', g->n);
		puts_(out, &o, "@example.com</EMailAddress>");
		puts_(out, &o, tail);
		break;
	case G_SIZE:
		puts_(out, &o, STD);
		assert_true(o <= g->n);
		repeat(out, &o, ' ', g->n - o);
		break;
	case G_SCHEMA:
		puts_(out, &o, head);
		puts_(out, &o, EM("alice@example.com")
		    "<AcceptableResponseSchema>urn:");
		repeat(out, &o, 'x', g->n - 4);
		puts_(out, &o, "</AcceptableResponseSchema>");
		puts_(out, &o, tail);
		break;
	default:
		fail();
	}
	return o;
}

/*
 * Parse with stderr captured: mxml's complaints go through body.c's
 * callback, which must print only its fixed line, never the input.
 */
static int
parse(const char *body, size_t len, struct adreq *ad)
{
	static const char line[] = "mailautoconf: malformed XML body\n";
	struct tu_capture c;
	char		*err, *p;
	int		 rc;

	tu_capture_begin(&c);
	rc = body_autodiscover(body, len, ad);
	err = tu_capture_end(&c);
	for (p = err; *p != '\0'; p += sizeof(line) - 1)
		if (strncmp(p, line, sizeof(line) - 1) != 0) {
			print_error("stderr: %s\n", err);
			free(err);
			fail_msg("the parser printed something else than "
			    "its fixed line");
		}
	free(err);
	return rc;
}

/*
 * What body_scan() leaves out cannot change the result: mxml given the
 * whole body (a leading BOM aside) gives the same as mxml given what
 * body_scan() wrote, for every body body_scan() accepts.
 */
static void
same_as_whole(const char *body, size_t len)
{
	struct tu_capture c;
	struct adreq	 a, b;
	char		*xml, *whole;
	size_t		 n, skip;
	int		 ra, rb;

	if (body == NULL)
		return;
	xml = malloc(len + BODY_PAD);
	whole = malloc(len + BODY_PAD);
	assert_true(xml != NULL && whole != NULL);
	if (body_scan(body, len, xml, &n)) {
		assert_true(n <= len);
		memset(xml + n, 0, BODY_PAD);
		skip = len >= 3 && memcmp(body, BOM, 3) == 0 ? 3 : 0;
		memcpy(whole, body + skip, len - skip);
		memset(whole + len - skip, 0, BODY_PAD);
		tu_capture_begin(&c);
		ra = body_parse(xml, &a);
		rb = body_parse(whole, &b);
		free(tu_capture_end(&c));
		if (ra != rb)
			fail_msg("mxml gives %d on what body_scan() wrote, %d "
			    "on the whole body", ra, rb);
		if (ra == 0) {
			assert_string_equal(a.email, b.email);
			assert_int_equal(a.schema, b.schema);
		}
	}
	free(xml);
	free(whole);
}

/* Check one parse result against what the row wants. */
static void
check(const char *body, size_t len, int rc, const char *email,
    enum adschema schema, size_t genlocal)
{
	struct adreq	 ad;
	int		 got;

	same_as_whole(body, len);
	memset(&ad, 0x5a, sizeof(ad));
	got = parse(body, len, &ad);
	if (got != rc)
		fail_msg("body_autodiscover returned %d, want %d", got, rc);
	/* The result is always a NUL-terminated string that fits. */
	assert_true(ad.emaillen <= EMAIL_MAX);
	assert_int_equal(strlen(ad.email), ad.emaillen);
	if (rc != OK) {
		/* Nothing half-parsed is handed on. */
		return;
	}
	assert_true(ad.emaillen > 0);
	if (email != NULL) {
		assert_string_equal(ad.email, email);
	} else {
		/* A generated local part of genlocal 'a's. */
		assert_int_equal(ad.emaillen, genlocal + 12);
		assert_string_equal(ad.email + genlocal, "@example.com");
	}
	assert_int_equal(ad.schema, schema);
}

static void
test_row(void **state)
{
	const struct row *r = *state;

	check(r->body, r->len, r->rc, r->email, r->schema, 0);
}

static void
test_genrow(void **state)
{
	const struct genrow *g = *state;
	char		*body;
	size_t		 len;

	body = malloc(GEN_MAX);
	assert_non_null(body);
	len = gen(g, body);
	check(body, len, g->rc, g->email, g->schema, g->n);
	free(body);
}

/*
 * The parser reads only the n bytes it is given: a body whose copy
 * ends exactly at an allocation (ASan red zone) with a truncated tag.
 */
static void
test_exact_alloc(void **state)
{
	static const char trunc[] = "<Autodiscover><Request><EMailAddress";
	struct adreq	 ad;
	char		*p;

	(void)state;
	p = malloc(sizeof(trunc) - 1);
	assert_non_null(p);
	memcpy(p, trunc, sizeof(trunc) - 1);
	assert_int_equal(parse(p, sizeof(trunc) - 1, &ad), -1);
	free(p);
	p = malloc(sizeof(STD) - 1);
	assert_non_null(p);
	memcpy(p, STD, sizeof(STD) - 1);
	assert_int_equal(parse(p, sizeof(STD) - 1, &ad), 0);
	assert_string_equal(ad.email, "alice@example.com");
	free(p);
}

/*
 * What mxml is given of Outlook's pretty-printed request: no XML
 * declaration, attribute or white space between tags; the text inside
 * elements as it was but trimmed; comments inside the root kept.
 */
static void
test_scan_output(void **state)
{
	static const char body[] = BOM DECL "\r\n<!-- before -->\r\n"
	    "<Autodiscover xmlns=\"" REQ_NS "\">\r\n  <Request>\r\n"
	    "    <EMailAddress> alice@example.com </EMailAddress>\r\n"
	    "    <!-- kept --><AcceptableResponseSchema>" OUTLOOK
	    "</AcceptableResponseSchema>\r\n  <x a=\"1\" /></Request>\r\n"
	    "</Autodiscover>\r\n";
	static const char want[] = "<Autodiscover><Request><EMailAddress>"
	    "alice@example.com</EMailAddress><!-- kept -->"
	    "<AcceptableResponseSchema>" OUTLOOK "</AcceptableResponseSchema>"
	    "<x/></Request></Autodiscover>";
	char		 out[sizeof(body)];
	size_t		 n;

	(void)state;
	assert_int_equal(body_scan(body, sizeof(body) - 1, out, &n), 1);
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(out, want, n);
}

/* A NULL body (a GET turned POST without one) is an error, no crash. */
static void
test_null(void **state)
{
	struct adreq	 ad;

	(void)state;
	assert_int_equal(parse(NULL, 0, &ad), -1);
	assert_int_equal(parse(NULL, 10, &ad), -1);
}

/*
 * Every prefix of a valid request: each either parses to the address
 * or fails; none may crash or leak (ASan checks at exit).
 */
static void
test_prefixes(void **state)
{
	static const char full[] = BOM DECL "\r\n" STD;
	struct adreq	 ad;
	size_t		 n;
	char		*p;
	int		 rc;

	(void)state;
	for (n = 0; n < sizeof(full); n++) {
		p = malloc(n + 1);
		assert_non_null(p);
		memcpy(p, full, n);
		rc = parse(p, n, &ad);
		if (n < sizeof(full) - 1)
			assert_int_equal(rc, -1);
		else
			assert_int_equal(rc, 0);
		free(p);
	}
}

/* The error callback must not print the input (it may be hostile). */
static void
test_quiet(void **state)
{
	struct tu_capture c;
	struct adreq	 ad;
	char		*err;
	static const char bad[] = "<Autodiscover><Request><SECRETTOKEN>x"
	    "</Mismatch></Request></Autodiscover>";

	(void)state;
	tu_capture_begin(&c);
	assert_int_equal(body_autodiscover(bad, sizeof(bad) - 1, &ad), -1);
	err = tu_capture_end(&c);
	if (strstr(err, "SECRETTOKEN") != NULL ||
	    strstr(err, "Mismatch") != NULL)
		fail_msg("mxml error text echoes the input: %s", err);
	free(err);
}

int
main(void)
{
	struct CMUnitTest	*t;
	size_t			 n = 0, i;
	int			 rc;

	body_init();
	t = calloc(NELEM(rows) + NELEM(genrows) + 5,
	    sizeof(*t));
	if (t == NULL)
		return 1;
	for (i = 0; i < NELEM(rows); i++, n++) {
		t[n].name = rows[i].why;
		t[n].test_func = test_row;
		t[n].initial_state = (void *)&rows[i];
	}
	for (i = 0; i < NELEM(genrows); i++, n++) {
		t[n].name = genrows[i].why;
		t[n].test_func = test_genrow;
		t[n].initial_state = (void *)&genrows[i];
	}
	t[n].name = "reads only the bytes given";
	t[n++].test_func = test_exact_alloc;
	t[n].name = "what body_scan() hands to mxml";
	t[n++].test_func = test_scan_output;
	t[n].name = "NULL body";
	t[n++].test_func = test_null;
	t[n].name = "every prefix of a valid request";
	t[n++].test_func = test_prefixes;
	t[n].name = "mxml errors do not echo the input";
	t[n++].test_func = test_quiet;
	rc = _cmocka_run_group_tests("body_autodiscover", t, n, NULL, NULL);
	free(t);
	return rc;
}
