/*
 * Helpers of the unit tests that ask respond() (test_apple.c,
 * test_dav.c, test_hosted.c): configs loaded once, objects owned until the teardown
 * (a failed assertion longjmps), requests, and walking an mxml tree.
 * Include after testutil.h; static inline, as there, so that a test that
 * uses part of it builds without warnings.
 */
#ifndef ASK_H
#define ASK_H

#ifndef CT_TEXT
#define CT_TEXT		"text/plain; charset=utf-8"
#endif

/* ---- configs, loaded once ---- */

/* Configs by path, each loaded on first use; CONFS_MAX at the most. */
#define CONFS_MAX	8
static struct {
	const char	*path;
	struct config	*cfg;
} confs[CONFS_MAX];

static inline const struct config *
conf(const char *path)
{
	size_t	 i;

	for (i = 0; i < NELEM(confs) && confs[i].path != NULL; i++)
		if (strcmp(confs[i].path, path) == 0)
			return confs[i].cfg;
	if (i == NELEM(confs))
		fail_msg("%s: more than %d configs", path, CONFS_MAX);
	confs[i].cfg = tu_load_good(path);
	confs[i].path = path;
	return confs[i].cfg;
}

static inline int
teardown_confs(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(confs); i++) {
		config_free(confs[i].cfg);
		confs[i].cfg = NULL;
		confs[i].path = NULL;
	}
	return 0;
}

/*
 * What a test allocates is owned here and freed by the test's teardown,
 * so that a failed assertion (a longjmp) leaks nothing.
 */
static struct {
	void	*p;
	void	(*fn)(void *);
} owned[16];

static inline void *
own(void *p, void (*fn)(void *))
{
	size_t	 i;

	assert_non_null(p);
	for (i = 0; i < NELEM(owned); i++)
		if (owned[i].p == NULL) {
			owned[i].p = p;
			owned[i].fn = fn;
			return p;
		}
	fail_msg("more than %zu objects owned", NELEM(owned));
	return NULL;
}

/* Free an owned object now. */
static inline void
drop(void *p)
{
	size_t	 i;

	for (i = 0; i < NELEM(owned); i++)
		if (owned[i].p == p) {
			owned[i].fn(p);
			owned[i].p = NULL;
			return;
		}
	fail_msg("drop: %p not owned", p);
}

static inline int
drop_all(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(owned); i++)
		if (owned[i].p != NULL) {
			owned[i].fn(owned[i].p);
			owned[i].p = NULL;
		}
	return 0;
}

static inline void
tree_free(void *t)
{
	mxmlDelete(t);
}

/* Parse n bytes of XML with mxml (and xmllint when there); owned. */
static inline mxml_node_t *
parse_xml(const char *p, size_t n)
{
	mxml_node_t	*tree;
	char		*s;

	tu_xmllint(p, n);
	s = own(malloc(n + 1), free);
	memcpy(s, p, n);
	s[n] = '\0';
	tree = mxmlLoadString(NULL, s, MXML_OPAQUE_CALLBACK);
	drop(s);
	if (tree == NULL)
		fail_msg("not well-formed XML: %.*s", (int)(n > 200 ? 200 : n),
		    p);
	return own(tree, tree_free);
}

/* ---- requests ---- */

/*
 * Answer one request through respond(); the response is on the heap
 * (it holds the body), the caller frees it.  body may be NULL.
 */
static inline struct response *
ask(const char *path, const char *method, const char *uri, const char *host,
    const char *body)
{
	struct request	 rq;
	struct response	*r;
	enum status	 st;

	r = own(calloc(1, sizeof(*r)), free);
	tu_request(&rq, method, uri, host);
	if (body != NULL) {
		rq.body = body;
		rq.bodylen = strlen(body);
	}
	st = respond(conf(path), &rq, r);
	assert_int_equal(st, r->status);
	return r;
}

/* The CGI header block of r, NUL-terminated, into out. */
static inline void
head_of(const struct response *r, char *out, size_t outsz)
{
	size_t	 n;

	n = resp_head(r, out, outsz - 1);
	assert_true(n > 0);
	out[n] = '\0';
}

/*
 * The body of an error or a redirect: a short plain text line that
 * starts with the status code (doc/clients.md, Web servers:
 * mod_proxy_fcgi: a Location needs a body beside it).
 */
static inline void
assert_short_text(const struct response *r)
{
	char	 code[8];
	size_t	 i;

	snprintf(code, sizeof(code), "%d ", (int)r->status);
	assert_string_equal(r->ctype, CT_TEXT);
	assert_true(r->bodylen > strlen(code) && r->bodylen <= 256);
	assert_memory_equal(r->body, code, strlen(code));
	assert_int_equal(r->body[r->bodylen - 1], '\n');
	for (i = 0; i < r->bodylen; i++)
		assert_true((unsigned char)r->body[i] >= 0x20 ||
		    r->body[i] == '\n');
}

/* ---- walking an mxml tree ---- */

static inline mxml_node_t *
next_elem(mxml_node_t *n)
{
	for (; n != NULL; n = mxmlGetNextSibling(n))
		if (mxmlGetType(n) == MXML_ELEMENT)
			return n;
	return NULL;
}

static inline mxml_node_t *
first_elem(mxml_node_t *parent)
{
	return next_elem(mxmlGetFirstChild(parent));
}

#endif /* ASK_H */
