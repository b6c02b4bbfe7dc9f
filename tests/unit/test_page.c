/*
 * The setup page (mailautoconf(8), "The setup page"; issue 16) through
 * respond(), on tests/conf/page.conf: well-formed markup with what the
 * page must show, every configured value escaped, its headers (the
 * style sheet's hash in the Content-Security-Policy), the paths it
 * answers at, 404, 405, HEAD and the page turned off.
 */
#include "testutil.h"
#include "ask.h"

#define CONF_PAGE	"tests/conf/page.conf"
#define CT_HTML		"text/html; charset=utf-8"

/* The page of host's domain at path; its body NUL-terminated. */
static char *
page(const char *path, const char *host, const struct response **rp)
{
	const struct response *r = ask(CONF_PAGE, "GET", path, host, NULL);
	char	*body;

	assert_int_equal(r->status, ST_OK);
	assert_int_equal(r->ctypelen, strlen(CT_HTML));
	assert_memory_equal(r->ctype, CT_HTML, r->ctypelen);
	body = own(strndup(r->body, r->bodylen), free);
	if (rp != NULL)
		*rp = r;
	return body;
}

static int
teardown(void **state)
{
	drop_all(state);
	return teardown_confs(state);
}

/* What the page must show, in markup that parses. */
static void
test_content(void **state)
{
	static const char *const want[] = {
		"<title>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; "
		    "&amp; &apos;Co&apos; page.example \xe2\x80\x93 mail "
		    "settings</title>",
		"<meta name=\"viewport\" content=\"width=device-width, "
		    "initial-scale=1\"/>",
		"<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">",
		"<h1>&lt;script&gt;",
		"<strong>page.example</strong>",
		"<form method=\"get\" action=\"/mail/email.mobileconfig\">",
		"<label for=\"emailaddress\">",
		"<input id=\"emailaddress\" name=\"emailaddress\" type=\"email\"",
		"placeholder=\"name@page.example\"",
		"<button type=\"submit\">",
		"need only your e-mail address",
		"<h3>Incoming mail: IMAP</h3>",
		"<dt>Server</dt><dd>imap.page.example</dd>",
		"<dt>Port</dt><dd>993</dd>",
		"<dt>Security</dt><dd>SSL/TLS</dd>",
		"<dt>Server</dt><dd>mail.example.net</dd>",
		"<dt>Security</dt><dd>STARTTLS</dd>",
		"<dt>Sign-in</dt><dd>Encrypted password</dd>",
		"<h3>Outgoing mail: SMTP</h3>",
		"<dt>Sign-in</dt><dd>Normal password, or OAuth2</dd>",
		"<code>u-<var>name</var>.mail</code>, <var>name</var> being "
		    "the part of your address before the @",
		"<a href=\"https://webmail.example.net/?a=1&amp;b=2\">",
		"<dd>https://dav.example.net/cal/</dd>",
		"<dd>https://dav.example.net/card/</dd>",
		"<dd>https://jmap.example.net/.well-known/jmap</dd>",
		">Help &amp; &lt;more&gt;</a>",
	};
	mxml_node_t	*tree;
	char		*body;
	size_t		 i;

	(void)state;
	body = page("/", "autoconfig.page.example", NULL);
	for (i = 0; i < NELEM(want); i++)
		if (strstr(body, want[i]) == NULL)
			fail_msg("no %s", want[i]);
	/* Nothing of the configuration comes through unescaped. */
	assert_null(strstr(body, "<script"));
	assert_null(strstr(body, "alert(\"x\")"));
	assert_null(strstr(body, "<more>"));
	assert_null(strstr(body, "'Co'"));
	/* Polyglot: the page is well-formed XML (after its doctype). */
	assert_true(strncmp(body, "<!DOCTYPE html>\n", 16) == 0);
	tree = parse_xml(body + 16, strlen(body + 16));
	assert_non_null(tree);
	/* The other domains: the whole address in words, POP3 too. */
	body = page("/", "autodiscover.plain.example", NULL);
	assert_non_null(strstr(body, "<dt>User name</dt><dd>your full e-mail "
	    "address</dd>"));
	assert_non_null(strstr(body, "<h3>Incoming mail: POP3</h3>"));
	assert_non_null(strstr(body, "<h1>plain.example</h1>"));
	assert_null(strstr(body, "Other addresses"));
}

/* The headers: the policy's hash is the style sheet's. */
static void
test_headers(void **state)
{
	const struct response *r;
	char		 head[RESP_HEAD_MAX + 1], cmd[64], hash[128];
	char		*body, *css, *end;
	FILE		*p;
	char		 tmp[] = "/tmp/test_page.XXXXXX";
	int		 fd;

	(void)state;
	body = page("/", "autoconfig.page.example", &r);
	head_of(r, head, sizeof(head));
	assert_non_null(strstr(head, "\r\nContent-Security-Policy: "
	    "default-src 'none'; style-src 'sha256-" PAGE_STYLE_SHA256 "'; "
	    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'\r\n"));
	assert_non_null(strstr(head, "\r\nX-Content-Type-Options: nosniff\r\n"));
	assert_non_null(strstr(head, "\r\nReferrer-Policy: no-referrer\r\n"));
	assert_null(strstr(head, "Set-Cookie"));
	/* Other answers carry none of it. */
	r = ask(CONF_PAGE, "GET", "/mail/config-v1.1.xml",
	    "autoconfig.page.example", NULL);
	head_of(r, head, sizeof(head));
	assert_null(strstr(head, "Content-Security-Policy"));
	/* The style element's text, hashed by openssl(1) when there. */
	if (system("command -v openssl >/dev/null 2>&1") != 0) {
		print_message("openssl(1) not installed: the style's hash "
		    "is not checked\n");
		return;
	}
	css = strstr(body, "<style>");
	assert_non_null(css);
	css += 7;
	end = strstr(css, "</style>");
	assert_non_null(end);
	assert_true((fd = mkstemp(tmp)) != -1);
	assert_int_equal(write(fd, css, (size_t)(end - css)), end - css);
	close(fd);
	snprintf(cmd, sizeof(cmd), "openssl dgst -sha256 -binary %s | "
	    "base64", tmp);
	assert_non_null(p = popen(cmd, "r"));
	assert_non_null(fgets(hash, sizeof(hash), p));
	pclose(p);
	unlink(tmp);
	hash[strcspn(hash, "\n")] = '\0';
	assert_string_equal(hash, PAGE_STYLE_SHA256);
}

/* Where it answers and where not. */
static void
test_paths(void **state)
{
	static const struct {
		const char	*method, *path, *host;
		enum status	 st;
	} cases[] = {
		{ "GET", "/", "autoconfig.page.example", ST_OK },
		{ "GET", "/", "autodiscover.page.example:8443", ST_OK },
		{ "GET", "/?emailaddress=a@other.example",
		    "autoconfig.page.example", ST_OK },
		{ "GET", "/mail/setup", "autoconfig.page.example", ST_OK },
		{ "HEAD", "/mail/setup", "autoconfig.page.example", ST_OK },
		{ "GET", "/mail/setup/", "autoconfig.page.example",
		    ST_NOTFOUND },
		{ "GET", "/mail/SETUP", "autoconfig.page.example",
		    ST_NOTFOUND },
		{ "GET", "/index.html", "autoconfig.page.example",
		    ST_NOTFOUND },
		{ "GET", "/", "autoconfig.nosuch.example", ST_NOTFOUND },
		{ "GET", "/", "autoconfig.off.example", ST_NOTFOUND },
		{ "GET", "/", NULL, ST_BADREQ },
		{ "POST", "/", "autoconfig.page.example", ST_BADMETHOD },
		{ "PUT", "/mail/setup", "autoconfig.page.example",
		    ST_BADMETHOD },
	};
	const struct response *r;
	size_t		 i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		r = ask(CONF_PAGE, cases[i].method, cases[i].path,
		    cases[i].host, NULL);
		if (r->status != cases[i].st)
			fail_msg("%s %s (%s): %d, not %d", cases[i].method,
			    cases[i].path, cases[i].host ? cases[i].host :
			    "no Host", r->status, cases[i].st);
		if (r->status == ST_BADMETHOD)
			assert_string_equal(r->allow, "GET, HEAD");
		if (strcmp(cases[i].method, "HEAD") == 0)
			assert_true(r->headonly && r->bodylen > 0);
		drop((void *)r);
	}
	/* Without setup_path only "/" (the sample config). */
	r = ask("etc/mailautoconf.conf", "GET", "/mail/setup",
	    "autoconfig.example.com", NULL);
	assert_int_equal(r->status, ST_NOTFOUND);
	r = ask("etc/mailautoconf.conf", "GET", "/", "autoconfig.example.com",
	    NULL);
	assert_int_equal(r->status, ST_OK);
	assert_non_null(strstr(r->body, "action=\"/email.mobileconfig\""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_paths),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
