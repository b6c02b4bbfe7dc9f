/*
 * mailautoconf --check (mailautoconf(8), "Checking a deployment"): the
 * verdicts on what a mail server or a web front end says, through the
 * check's own dialogues (mail_talk, http_talk) over a socket pair whose
 * other end holds the peer's whole answer; the --resolver argument; the
 * one way a peer's bytes reach a report (chk_printable).  The real
 * servers (Dovecot, nginx, nsd) are tests/deploy.sh's.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include "testutil.h"
#include "../../check.h"

#define CONF_SAMPLE	"etc/mailautoconf.conf"

static struct checkctx ctx;

static int
setup(void **state)
{
	(void)state;
	body_init();
	ctx.cfg = tu_load_good(CONF_SAMPLE);
	ctx.tls = SSL_CTX_new(TLS_client_method());
	ctx.timeout = 2;
	ctx.days = 14;
	ctx.local = "check";
	ctx.https_port = 443;
	ctx.http_port = 80;
	return ctx.cfg == NULL || ctx.tls == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	SSL_CTX_free(ctx.tls);
	config_free((struct config *)ctx.cfg);
	return 0;
}

/* A connection whose peer has said all of said, then ended. */
static void
peer(struct conn *c, const char *said)
{
	int	 sv[2];
	size_t	 n = strlen(said);

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    sv), 0);
	assert_int_equal(write(sv[1], said, n), (ssize_t)n);
	shutdown(sv[1], SHUT_WR);
	conn_attach(c, sv[0], ctx.timeout);
	/* The other end stays open for what the check writes: leaked
	   deliberately until the process ends, a few descriptors. */
}

/* The result of j about aspect, or NULL. */
static const struct result *
result(const struct job *j, const char *aspect)
{
	const struct result *r;

	for (r = j->res; r != NULL; r = r->next)
		if (strcmp(r->subject, aspect) == 0)
			return r;
	return NULL;
}

/* The mail dialogues: what the server says -> the verdict on an aspect. */
static void
test_mail(void **state)
{
	static const struct {
		const char	*what;
		enum proto	 proto;
		enum sock	 sock;
		unsigned	 auth;		/* bit per enum auth */
		const char	*said;
		const char	*aspect;
		enum verdict	 v;
		const char	*words;		/* in the detail */
	} cases[] = {
		{ "IMAP AUTH=PLAIN covers password-cleartext", P_IMAP,
		    SOCK_PLAIN, 1u << AUTH_CLEARTEXT,
		    "* OK hi\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n"
		    "c1 OK done\r\nq1 OK bye\r\n", "auth", V_OK, "PLAIN" },
		{ "a plain server is a warning", P_IMAP, SOCK_PLAIN,
		    1u << AUTH_CLEARTEXT,
		    "* OK hi\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n"
		    "c1 OK done\r\n", "tls", V_WARN, "clear" },
		{ "IMAP LOGIN command without LOGINDISABLED", P_IMAP,
		    SOCK_PLAIN, 1u << AUTH_CLEARTEXT,
		    "* OK hi\r\n* CAPABILITY IMAP4rev1 AUTH=CRAM-MD5\r\n"
		    "c1 OK done\r\n", "auth", V_OK, "password-cleartext" },
		{ "IMAP LOGINDISABLED, only CRAM-MD5", P_IMAP, SOCK_PLAIN,
		    1u << AUTH_CLEARTEXT,
		    "* OK hi\r\n* CAPABILITY IMAP4rev1 AUTH=CRAM-MD5 "
		    "LOGINDISABLED\r\nc1 OK done\r\n", "auth", V_FAIL,
		    "PLAIN or LOGIN not offered for password-cleartext; "
		    "offered: CRAM-MD5" },
		{ "IMAP SCRAM covers password-encrypted", P_IMAP, SOCK_PLAIN,
		    1u << AUTH_ENCRYPTED,
		    "* OK hi\r\n* CAPABILITY IMAP4rev1 AUTH=SCRAM-SHA-256\r\n"
		    "c1 OK\r\n", "auth", V_OK, "password-encrypted" },
		{ "IMAP: a second method missing", P_IMAP, SOCK_PLAIN,
		    1u << AUTH_CLEARTEXT | 1u << AUTH_OAUTH2,
		    "* OK hi\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nc1 OK\r\n",
		    "auth", V_FAIL, "XOAUTH2 or OAUTHBEARER not offered" },
		{ "IMAP greeting BYE", P_IMAP, SOCK_PLAIN, 1,
		    "* BYE go away\r\n", "greeting", V_FAIL, "* BYE go away" },
		{ "IMAP STARTTLS socket, not offered", P_IMAP, SOCK_STARTTLS,
		    1, "* OK hi\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n"
		    "c1 OK\r\n", "starttls", V_FAIL, "not offered" },
		{ "IMAP STARTTLS refused", P_IMAP, SOCK_STARTTLS, 1,
		    "* OK hi\r\n* CAPABILITY IMAP4rev1 STARTTLS\r\nc1 OK\r\n"
		    "s1 NO not now\r\n", "starttls", V_FAIL, "s1 NO not now" },
		{ "IMAP STARTTLS offered, then no TLS", P_IMAP, SOCK_STARTTLS,
		    1, "* OK hi\r\n* CAPABILITY IMAP4rev1 STARTTLS\r\nc1 OK\r\n"
		    "s1 OK go\r\nthis is not TLS\r\n", "tls", V_FAIL,
		    "TLS handshake failed" },
		{ "POP3 SASL PLAIN", P_POP3, SOCK_PLAIN, 1u << AUTH_CLEARTEXT,
		    "+OK hi\r\n+OK capa\r\nSASL PLAIN LOGIN\r\n.\r\n+OK bye\r\n",
		    "auth", V_OK, "PLAIN LOGIN" },
		{ "POP3 USER without SASL", P_POP3, SOCK_PLAIN,
		    1u << AUTH_CLEARTEXT, "+OK hi\r\n+OK\r\nUSER\r\n.\r\n",
		    "auth", V_OK, "password-cleartext" },
		{ "POP3 USER beside SASL CRAM-MD5 (Dovecot refuses PASS)",
		    P_POP3, SOCK_PLAIN, 1u << AUTH_CLEARTEXT,
		    "+OK hi\r\n+OK\r\nUSER\r\nSASL CRAM-MD5\r\n.\r\n", "auth",
		    V_FAIL, "offered: CRAM-MD5" },
		{ "POP3 STLS not offered", P_POP3, SOCK_STARTTLS, 1,
		    "+OK hi\r\n+OK\r\nUSER\r\n.\r\n", "starttls", V_FAIL,
		    "not offered" },
		{ "POP3 greeting -ERR", P_POP3, SOCK_PLAIN, 1, "-ERR busy\r\n",
		    "greeting", V_FAIL, "-ERR busy" },
		{ "SMTP AUTH and the old AUTH= form", P_SMTP, SOCK_PLAIN,
		    1u << AUTH_CLEARTEXT | 1u << AUTH_OAUTH2,
		    "220 mail ESMTP\r\n250-mail\r\n250-AUTH=LOGIN\r\n"
		    "250 AUTH XOAUTH2\r\n221 bye\r\n", "auth", V_OK,
		    "password-cleartext, OAuth2" },
		{ "SMTP multi-line greeting, no AUTH", P_SMTP, SOCK_PLAIN,
		    1u << AUTH_CLEARTEXT, "220-mail\r\n220 ESMTP\r\n"
		    "250 mail\r\n", "auth", V_FAIL, "offered: none" },
		{ "SMTP auth none: nothing to check", P_SMTP, SOCK_PLAIN,
		    1u << AUTH_NONE, "220 mail\r\n250 mail\r\n", "auth", V_OK,
		    "no method to check" },
		{ "SMTP STARTTLS not offered", P_SMTP, SOCK_STARTTLS, 1,
		    "220 mail\r\n250-mail\r\n250 AUTH PLAIN\r\n", "starttls",
		    V_FAIL, "not offered" },
		{ "SMTP 554 greeting", P_SMTP, SOCK_PLAIN, 1,
		    "554 no service\r\n", "greeting", V_FAIL, "554 no service" },
		{ "a line without end, then the end", P_IMAP, SOCK_PLAIN, 1,
		    "* OK hi", "greeting", V_FAIL, "closed the connection" },
		{ "bytes that are no text are escaped", P_SMTP, SOCK_PLAIN, 1,
		    "554 \x1b[31mred\x7f\r\n", "greeting", V_FAIL,
		    "554 \\x1b[31mred\\x7f" },
		{ "TLS from the first byte, garbage", P_IMAP, SOCK_SSL, 1,
		    "* OK this is not TLS\r\n", "tls", V_FAIL,
		    "TLS handshake failed" },
	};
	const struct domain *d = config_domain(ctx.cfg, 0);
	struct mailsrv	 s;
	struct job	 j;
	struct conn	 c;
	const struct result *r;
	size_t		 i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		memset(&s, 0, sizeof(s));
		s.proto = cases[i].proto;
		s.sock = cases[i].sock;
		s.auth = cases[i].auth;
		s.host = "mail.example.com";
		s.port = 1;
		s.doms = &d;
		s.ndoms = 1;
		memset(&j, 0, sizeof(j));
		j.kind = J_MAIL;
		j.srv = &s;
		j.tail = &j.res;
		peer(&c, cases[i].said);
		mail_talk(&ctx, &j, &c);
		conn_close(&c);
		r = result(&j, cases[i].aspect);
		if (r == NULL || r->v != cases[i].v ||
		    strstr(r->detail, cases[i].words) == NULL)
			fail_msg("%s: %s: %s", cases[i].what, cases[i].aspect,
			    r == NULL ? "no such result" : r->detail);
		chk_clear(&j);
	}
}

/* A front end's answer: ok only when it is this configuration's. */
static void
test_http(void **state)
{
	const struct domain *d = config_domain(ctx.cfg, 0);
	struct response	*r = malloc(sizeof(*r));
	struct cgi_env	 env;
	struct conn	 c;
	char		 path[512], host[300], why[CHK_DETAIL_MAX];
	char		*said, *body;
	size_t		 size = RESP_BODY_MAX + 1024;
	enum verdict	 v;

	(void)state;
	assert_non_null(r);
	assert_non_null(said = malloc(size));
	/* What this configuration answers Thunderbird (endpoint 0). */
	snprintf(path, sizeof(path), "/mail/config-v1.1.xml?emailaddress="
	    "check%%40%s", d->name);
	snprintf(host, sizeof(host), "autoconfig.%s", d->name);
	memset(&env, 0, sizeof(env));
	env.method = "GET";
	env.request_uri = path;
	env.http_host = host;
	chk_answer(&ctx, &env, NULL, 0, r);
	assert_int_equal(r->status, ST_OK);
	assert_non_null(body = strndup(r->body, r->bodylen));

	snprintf(said, size, "HTTP/1.1 200 OK\r\nContent-Type: text/xml; "
	    "charset=UTF-8\r\nContent-Length: %zu\r\n\r\n%s", r->bodylen, body);
	peer(&c, said);
	v = http_talk(&ctx, 0, d->name, &c, why, sizeof(why));
	conn_close(&c);
	if (v != V_OK)
		fail_msg("the same answer: %s", why);

	/* Chunked, in two chunks, and the end of the connection. */
	snprintf(said, size, "HTTP/1.1 200 OK\r\nContent-Type: text/xml; "
	    "charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "a\r\n%.10s\r\n%zx\r\n%s\r\n0\r\n\r\n", body, r->bodylen - 10,
	    body + 10);
	peer(&c, said);
	v = http_talk(&ctx, 0, d->name, &c, why, sizeof(why));
	conn_close(&c);
	if (v != V_OK)
		fail_msg("chunked: %s", why);

	/* Another configuration: one byte on line 3 differs. */
	body[strchr(strchr(body, '\n') + 1, '\n') - body + 5] ^= 1;
	snprintf(said, size, "HTTP/1.0 200 OK\r\nContent-Type: text/xml; "
	    "charset=utf-8\r\n\r\n%s", body);
	peer(&c, said);
	v = http_talk(&ctx, 0, d->name, &c, why, sizeof(why));
	conn_close(&c);
	assert_int_equal(v, V_FAIL);
	if (strstr(why, "differs") == NULL || strstr(why, "line 3") == NULL)
		fail_msg("another answer: %s", why);

	peer(&c, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
	v = http_talk(&ctx, 0, d->name, &c, why, sizeof(why));
	conn_close(&c);
	assert_int_equal(v, V_FAIL);
	assert_non_null(strstr(why, "status 404, expected 200"));

	snprintf(said, size, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: %zu\r\n\r\n%s", r->bodylen, body);
	peer(&c, said);
	v = http_talk(&ctx, 0, d->name, &c, why, sizeof(why));
	conn_close(&c);
	assert_int_equal(v, V_FAIL);
	assert_non_null(strstr(why, "Content-Type \"text/plain\""));

	/* A Content-Length larger than what comes. */
	peer(&c, "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort");
	v = http_talk(&ctx, 0, d->name, &c, why, sizeof(why));
	conn_close(&c);
	assert_int_equal(v, V_FAIL);
	assert_non_null(strstr(why, "ended early"));

	/* A body over the limit is refused before it is read. */
	peer(&c, "HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n");
	v = http_talk(&ctx, 0, d->name, &c, why, sizeof(why));
	conn_close(&c);
	assert_int_equal(v, V_FAIL);
	assert_non_null(strstr(why, "body over"));

	peer(&c, "SSH-2.0-OpenSSH\r\n");
	v = http_talk(&ctx, 0, d->name, &c, why, sizeof(why));
	conn_close(&c);
	assert_int_equal(v, V_FAIL);
	assert_non_null(strstr(why, "not an HTTP answer: SSH-2.0-OpenSSH"));
	free(body);
	free(said);
	free(r);
}

static void
test_resolver(void **state)
{
	static const struct {
		const char	*arg;
		int		 ok, family;
		unsigned	 port;
	} cases[] = {
		{ "127.0.0.1", 1, AF_INET, 53 },
		{ "192.0.2.53:5353", 1, AF_INET, 5353 },
		{ "::1", 1, AF_INET6, 53 },
		{ "[2001:db8::53]:53", 1, AF_INET6, 53 },
		{ "[::1]", 1, AF_INET6, 53 },
		{ "ns.example.com", 0, 0, 0 },
		{ "127.0.0.1:0", 0, 0, 0 },
		{ "127.0.0.1:65536", 0, 0, 0 },
		{ "127.0.0.1:", 0, 0, 0 },
		{ "[::1]x", 0, 0, 0 },
		{ "[::1", 0, 0, 0 },
		{ "", 0, 0, 0 },
	};
	struct sockaddr_storage a;
	socklen_t	 len;
	size_t		 i;
	unsigned	 port;
	int		 rc;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		rc = dns_parse_resolver(cases[i].arg, &a, &len);
		if ((rc == 0) != cases[i].ok)
			fail_msg("%s: %d", cases[i].arg, rc);
		if (rc != 0)
			continue;
		assert_int_equal(a.ss_family, cases[i].family);
		port = ntohs(a.ss_family == AF_INET ?
		    ((struct sockaddr_in *)&a)->sin_port :
		    ((struct sockaddr_in6 *)&a)->sin6_port);
		assert_int_equal(port, cases[i].port);
	}
}

static void
test_printable(void **state)
{
	char	 out[CHK_TEXT_MAX + 16], big[400];

	(void)state;
	assert_string_equal(chk_printable("a\tb\\c\xff", 6, out, sizeof(out)),
	    "a\\x09b\\x5cc\\xff");
	memset(big, 'x', sizeof(big));
	chk_printable(big, sizeof(big), out, sizeof(out));
	assert_int_equal(strlen(out), CHK_TEXT_MAX + 3);
	assert_string_equal(out + CHK_TEXT_MAX, "...");
	chk_printable("\n\n\n", 3, out, 8);
	assert_true(strlen(out) < 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mail),
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_resolver),
		cmocka_unit_test(test_printable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
