/*
 * Hosted domains (mailautoconf.conf(5), hosted; mailautoconf(8),
 * HOSTED DOMAINS): which requests a hoster answers, and what, through
 * req_parse and respond() as the FastCGI loop calls them, on
 * tests/conf/hosted-unit.conf.  The rule: an address of a domain that is
 * not configured, with a Host that is a hoster's (its autoconfig. or
 * autodiscover. name, any case, a port, or an alias of it), gets the
 * hoster's settings with %EMAILDOMAIN% the address's domain; a
 * configured domain always wins; without an address nothing is hosted.
 */
#include "testutil.h"
#include "ask.h"

#define CONF_HOSTED	"tests/conf/hosted-unit.conf"
#define TB_PATH		"/mail/config-v1.1.xml?emailaddress="

static const struct response *resp;	/* the last answer */

/* Answer a request on the hosted config; its status. */
static enum status
hask(const char *method, const char *uri, const char *host,
    const char *body)
{
	if (resp != NULL)
		drop((void *)resp);
	resp = ask(CONF_HOSTED, method, uri, host, body);
	return resp->status;
}

static int
teardown(void **state)
{
	resp = NULL;
	drop_all(state);
	return teardown_confs(state);
}

/* The lookup rule, on the Thunderbird endpoint. */
static void
test_rule(void **state)
{
	static const struct {
		const char	*what, *addr, *host;
		enum status	 st;
		const char	*id, *imap;	/* expected when 200 */
	} cases[] = {
		{ "the hoster's autoconfig. name (Thunderbird's MX step)",
		    "user@customer.example", "autoconfig.hoster.example",
		    ST_OK, "customer.example", "imap.hoster.example" },
		{ "its other name, its bare name",
		    "user@customer.example", "hoster.net",
		    ST_OK, "customer.example", "imap.hoster.example" },
		{ "upper case and a port",
		    "User@Customer.Example", "AUTOCONFIG.Hoster.EXAMPLE:8443",
		    ST_OK, "customer.example", "imap.hoster.example" },
		{ "autodiscover. name", "a.b@sub.customer.example",
		    "autodiscover.hoster.example",
		    ST_OK, "sub.customer.example", "imap.hoster.example" },
		{ "an alias of the hoster",
		    "user@customer.example", "autoconfig.alias-hoster.example",
		    ST_OK, "customer.example", "imap.hoster.example" },
		{ "a configured domain wins over hosting",
		    "user@own-customer.example", "autoconfig.hoster.example",
		    ST_OK, "own-customer.example", "imap.own-customer.example" },
		{ "the hoster's own domain, as always",
		    "user@hoster.example", "autoconfig.plain.example",
		    ST_OK, "hoster.example", "imap.hoster.example" },
		{ "a Host that hosts nothing: 404 as before",
		    "user@customer.example", "autoconfig.plain.example",
		    ST_NOTFOUND, NULL, NULL },
		{ "an unknown Host", "user@customer.example",
		    "autoconfig.nowhere.example", ST_NOTFOUND, NULL, NULL },
		{ "no Host", "user@customer.example", NULL, ST_NOTFOUND,
		    NULL, NULL },
		{ "an IP literal Host", "user@customer.example", "192.0.2.7",
		    ST_NOTFOUND, NULL, NULL },
	};
	struct tb_want	 w;
	mxml_node_t	*tree, *ep;
	char		 uri[256], *sum;
	size_t		 i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		snprintf(uri, sizeof(uri), TB_PATH "%s", cases[i].addr);
		if (hask("GET", uri, cases[i].host, NULL) != cases[i].st)
			fail_msg("%s: %d, want %d", cases[i].what,
			    (int)resp->status, (int)cases[i].st);
		if (cases[i].st != ST_OK)
			continue;
		memset(&w, 0, sizeof(w));
		w.id = cases[i].id;
		tree = tu_check_clientconfig(resp->body, resp->bodylen, &w);
		ep = tu_child(tu_child(tree, "clientConfig"), "emailProvider");
		/* A hosted answer lists the address's domain, only it. */
		if (strcmp(cases[i].id, "hoster.example") != 0) {
			assert_int_equal(tu_count(ep, "domain"), 1);
			assert_string_equal(tu_text(tu_child(ep, "domain")),
			    cases[i].id);
		}
		sum = tu_tb_summary(tree);
		if (strstr(sum, cases[i].imap) == NULL)
			fail_msg("%s: no %s in\n%s", cases[i].what,
			    cases[i].imap, sum);
		free(sum);
		mxmlDelete(tree);
	}
}

/* Every endpoint that carries an address; none that does not. */
static void
test_endpoints(void **state)
{
	(void)state;
	/* Outlook's SRV step: POST to the hoster's autodiscover. name. */
	assert_int_equal(hask("POST", "/autodiscover/autodiscover.xml",
	    "autodiscover.hoster.example", AD_BODY("user@customer.example")),
	    ST_OK);
	assert_true(tu_has(resp->body, resp->bodylen,
	    "<Server>imap.hoster.example</Server>"));
	assert_true(tu_has(resp->body, resp->bodylen,
	    "<LoginName>user@customer.example</LoginName>"));
	assert_int_equal(hask("POST", "/autodiscover/autodiscover.xml",
	    "autodiscover.plain.example", AD_BODY("user@customer.example")),
	    ST_NOTFOUND);
	/* autodiscover.json, both forms. */
	assert_int_equal(hask("GET", "/autodiscover/autodiscover.json"
	    "?Email=user@customer.example&Protocol=AutodiscoverV1",
	    "autodiscover.hoster.example", NULL), ST_OK);
	assert_true(tu_has(resp->body, resp->bodylen,
	    "https://autodiscover.hoster.example/autodiscover/"
	    "autodiscover.xml"));
	assert_int_equal(hask("GET", "/autodiscover/autodiscover.json/v1.0/"
	    "user@customer.example?Protocol=ActiveSync",
	    "autodiscover.hoster.example", NULL), ST_OK);
	assert_true(tu_has(resp->body, resp->bodylen,
	    "https://eas.hoster.example/Microsoft-Server-ActiveSync"));
	/* The Apple profile: named for the customer's domain. */
	assert_int_equal(hask("GET", "/mobileconfig?emailaddress="
	    "user@customer.example", "hoster.example", NULL), ST_OK);
	assert_non_null(resp->attachment);
	assert_int_equal(resp->attachlen, strlen("customer.example"));
	assert_memory_equal(resp->attachment, "customer.example",
	    resp->attachlen);
	assert_true(tu_has(resp->body, resp->bodylen,
	    "<string>imap.hoster.example</string>"));
	/* Without an address nothing is hosted. */
	assert_int_equal(hask("GET", "/.well-known/jmap",
	    "customer.example", NULL), ST_NOTFOUND);
	assert_int_equal(hask("GET", "/autodiscover/autodiscover.xml",
	    "autodiscover.customer.example", NULL), ST_NOTFOUND);
	assert_int_equal(hask("GET", "/mail/config-v1.1.xml",
	    "autoconfig.customer.example", NULL), ST_NOTFOUND);
}

/*
 * A hoster's host names with %EMAILDOMAIN%: a customer domain too long
 * for them (253 bytes at most, 63 in a label) gets 404, never an answer
 * with a host name that is none.
 */
static void
test_too_long(void **state)
{
	char	 uri[512];

	(void)state;
	assert_int_equal(hask("GET", TB_PATH "u@short.example",
	    "autoconfig.expand-hoster.example", NULL), ST_OK);
	assert_true(tu_has(resp->body, resp->bodylen,
	    "<hostname>imap.short.example</hostname>"));
	/* 252 bytes: a domain, but imap. makes 257. */
	snprintf(uri, sizeof(uri), TB_PATH "u@%s.%s.%s.%s.ex", X63, X63, X63,
	    X10 X10 X10 X10 X10 "bbbbbbb");
	assert_int_equal(strlen(uri) - strlen(TB_PATH "u@"), 252);
	assert_int_equal(hask("GET", uri, "autoconfig.expand-hoster.example",
	    NULL), ST_NOTFOUND);
	assert_string_equal(resp->why,
	    "hosted domain too long for the hoster's host names");
	/* The same domain at a hoster with names of its own: answered. */
	assert_int_equal(hask("GET", uri, "autoconfig.hoster.example", NULL),
	    ST_OK);
}

/* A hoster's section is answered as ever for its own domains. */
static void
test_own_domains(void **state)
{
	const struct domain *d;

	(void)state;
	d = config_lookup(conf(CONF_HOSTED), "hoster.example", 14);
	assert_non_null(d);
	assert_true(d->sec->hosted);
	assert_non_null(d->ans->tbhost);
	assert_int_equal(hask("GET", TB_PATH "u@hoster.net", NULL, NULL),
	    ST_OK);
	/* Its own answer lists both its names. */
	assert_true(tu_has(resp->body, resp->bodylen,
	    "<domain>hoster.example</domain>"));
	assert_true(tu_has(resp->body, resp->bodylen,
	    "<domain>hoster.net</domain>"));
	d = config_lookup(conf(CONF_HOSTED), "plain.example", 13);
	assert_non_null(d);
	assert_false(d->sec->hosted);
	assert_null(d->ans->tbhost);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_endpoints),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_own_domains),
	};

	body_init();
	return cmocka_run_group_tests_name("hosted", tests, NULL, teardown);
}
