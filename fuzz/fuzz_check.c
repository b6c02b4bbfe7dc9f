/*
 * libFuzzer target: what a mail server or a web server answers
 * mailautoconf --check.  The first byte picks the dialogue (IMAP, POP3
 * or SMTP on each socket type, or one of the HTTPS endpoints); the rest
 * is what the peer sends, through a socket pair that then reaches its
 * end.  The check must finish, whatever the bytes (garbage instead of
 * TLS, lines without an end, endless capability lists), with its
 * results in printable words.
 */
#include <sys/socket.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fuzzutil.h"

/* A result's words are printable ASCII: nothing from the peer raw. */
static void
printable_only(const struct job *j)
{
	const struct result *r;
	const char	*p;

	for (r = j->res; r != NULL; r = r->next)
		for (p = r->detail; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct checkctx ctx;
	static const struct domain *dom;
	static struct mailsrv srv;
	struct job	 j;
	struct conn	 c;
	char		 why[CHK_DETAIL_MAX];
	int		 sv[2];

	if (size < 1 || size > 65536)
		return 0;
	if (ctx.cfg == NULL) {
		ctx.cfg = fuzz_config();
		ctx.tls = SSL_CTX_new(TLS_client_method());
		SSL_CTX_set_verify(ctx.tls, SSL_VERIFY_NONE, NULL);
		ctx.timeout = 2;
		ctx.days = 14;
		ctx.local = "fuzz";
		ctx.https_port = 443;
		ctx.http_port = 80;
		dom = config_domain(ctx.cfg, 0);
		srv.host = "imap.example.com";
		srv.port = 993;
		srv.auth = (1u << AUTH_COUNT) - 1;
		srv.doms = &dom;
		srv.ndoms = 1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == -1)
		return 0;
	/* The peer's bytes wait in the pair; then its end. */
	if (write(sv[1], data + 1, size - 1) != (ssize_t)(size - 1)) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	shutdown(sv[1], SHUT_WR);
	memset(&j, 0, sizeof(j));
	j.tail = &j.res;
	conn_attach(&c, sv[0], ctx.timeout);
	if (data[0] & 0x80) {
		j.kind = J_HTTP;
		j.d = dom;
		http_talk(&ctx, data[0] % ENDPOINT_COUNT, dom->name, &c, why,
		    sizeof(why));
		chk_add(&j, V_OK, "https", "fuzz", "%s", why);
	} else {
		srv.proto = (enum proto)(data[0] % PROTO_COUNT);
		srv.sock = (enum sock)(data[0] / PROTO_COUNT % SOCK_COUNT);
		j.kind = J_MAIL;
		j.srv = &srv;
		mail_talk(&ctx, &j, &c);
	}
	printable_only(&j);
	chk_clear(&j);
	conn_close(&c);
	close(sv[1]);
	return 0;
}
