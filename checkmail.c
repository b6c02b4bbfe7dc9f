/*
 * checkmail.c: one configured mail server, as a client meets it before
 * it logs in.  Connect; SSL: the TLS handshake; the greeting; the
 * capabilities (IMAP CAPABILITY, POP3 CAPA, SMTP EHLO); STARTTLS: that
 * it is offered, the upgrade, the capabilities again; the certificate
 * for the configured host name; then, inside TLS, the authentication
 * mechanisms against the configured methods.  No credentials are ever
 * sent: the dialogue ends before a login.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"

/* Mechanisms, one bit each, and the names servers give them. */
enum mech {
	MECH_PLAIN = 0,
	MECH_LOGIN,
	MECH_CRAM,
	MECH_SCRAM,
	MECH_DIGEST,
	MECH_XOAUTH2,
	MECH_OAUTHBEARER,
	MECH_NTLM,
	MECH_GSSAPI,
	MECH_COUNT
};

/* What the server says it can do. */
struct caps {
	unsigned	 mechs;		/* bit per enum mech */
	int		 starttls;	/* STARTTLS / STLS offered */
	int		 plainlogin;	/* IMAP LOGIN, POP3 USER */
	int		 sasl;		/* POP3: a SASL line was there */
	char		 offered[256];	/* the mechanisms, as the server wrote */
};

/*
 * The methods a client may be told (enum auth) and the mechanisms any
 * of which covers one; 0: nothing a server advertises (none, the
 * client's address).
 */
static const struct {
	unsigned	 mechs;
	const char	*words;
} methods[AUTH_COUNT] = {
	[AUTH_CLEARTEXT] = { 1u << MECH_PLAIN | 1u << MECH_LOGIN,
	    "PLAIN or LOGIN" },
	[AUTH_ENCRYPTED] = { 1u << MECH_CRAM | 1u << MECH_SCRAM |
	    1u << MECH_DIGEST, "CRAM-MD5, SCRAM or DIGEST-MD5" },
	[AUTH_OAUTH2] = { 1u << MECH_XOAUTH2 | 1u << MECH_OAUTHBEARER,
	    "XOAUTH2 or OAUTHBEARER" },
	[AUTH_NTLM] = { 1u << MECH_NTLM, "NTLM" },
	[AUTH_GSSAPI] = { 1u << MECH_GSSAPI, "GSSAPI" },
	[AUTH_NONE] = { 0, NULL },
	[AUTH_CLIENTIP] = { 0, NULL },
};

/* One SASL mechanism name into caps. */
static void
add_mech(struct caps *c, const char *w, size_t n)
{
	static const struct {
		const char	*name;
		size_t		 len;	/* 0: the whole name; else a prefix */
	} names[MECH_COUNT] = {
		[MECH_PLAIN] = { "PLAIN", 0 },
		[MECH_LOGIN] = { "LOGIN", 0 },
		[MECH_CRAM] = { "CRAM-MD5", 0 },
		[MECH_SCRAM] = { "SCRAM-", 6 },
		[MECH_DIGEST] = { "DIGEST-MD5", 0 },
		[MECH_XOAUTH2] = { "XOAUTH2", 0 },
		[MECH_OAUTHBEARER] = { "OAUTHBEARER", 0 },
		[MECH_NTLM] = { "NTLM", 0 },
		[MECH_GSSAPI] = { "GSSAPI", 0 },
	};
	size_t		 used = strlen(c->offered);
	unsigned	 i;

	for (i = 0; i < MECH_COUNT; i++)
		if (names[i].len != 0 ? n > names[i].len &&
		    strncasecmp(w, names[i].name, names[i].len) == 0 :
		    n == strlen(names[i].name) &&
		    strncasecmp(w, names[i].name, n) == 0)
			c->mechs |= 1u << i;
	if (used + n + 2 >= sizeof(c->offered))
		return;
	if (used > 0)
		c->offered[used++] = ' ';
	chk_printable(w, n, c->offered + used, sizeof(c->offered) - used);
}

/* c->err: what went wrong, with the server's line (n bytes) quoted. */
static int
say(struct conn *c, const char *what, const char *line, size_t n)
{
	char	 t[CHK_TEXT_MAX + 8];

	snprintf(c->err, sizeof(c->err), "%s: %s", what,
	    chk_printable(line, n, t, sizeof(t)));
	return -1;
}

/* The space-separated words of s, each handed to fn. */
static void
words(const char *s, struct caps *c,
    void (*fn)(struct caps *, const char *, size_t))
{
	size_t	 n;

	for (;;) {
		s += strspn(s, " ");
		if ((n = strcspn(s, " ")) == 0)
			return;
		fn(c, s, n);
		s += n;
	}
}

static int
word_is(const char *w, size_t n, const char *name)
{
	return n == strlen(name) && strncasecmp(w, name, n) == 0;
}

/* ---- IMAP (RFC 9051, RFC 3501) ---- */

static void
imap_word(struct caps *c, const char *w, size_t n)
{
	if (word_is(w, n, "STARTTLS"))
		c->starttls = 1;
	else if (word_is(w, n, "LOGINDISABLED"))
		c->plainlogin = 0;
	else if (n > 5 && strncasecmp(w, "AUTH=", 5) == 0)
		add_mech(c, w + 5, n - 5);
}

static int
imap_greeting(struct conn *c, char *line, size_t size)
{
	size_t	 n;

	if (conn_line(c, line, size, &n) == -1)
		return -1;
	if (strncasecmp(line, "* OK", 4) == 0 ||
	    strncasecmp(line, "* PREAUTH", 9) == 0)
		return 0;
	return say(c, "greeting", line, n);
}

/*
 * Send tag and command, read to the tagged answer; untagged CAPABILITY
 * lines go into caps (when not NULL).  0 when the answer is OK.
 */
static int
imap_command(struct conn *c, const char *tag, const char *cmd,
    struct caps *caps, char *line, size_t size)
{
	size_t	 n, tl = strlen(tag);
	int	 k;

	if (conn_printf(c, "%s %s\r\n", tag, cmd) == -1)
		return -1;
	for (k = 0; k < CHK_LINES_MAX; k++) {
		if (conn_line(c, line, size, &n) == -1)
			return -1;
		if (caps != NULL && strncasecmp(line, "* CAPABILITY ", 13) == 0)
			words(line + 13, caps, imap_word);
		if (strncmp(line, tag, tl) != 0 || line[tl] != ' ')
			continue;
		if (strncasecmp(line + tl + 1, "OK", 2) == 0)
			return 0;
		return say(c, cmd, line, n);
	}
	snprintf(c->err, sizeof(c->err), "%s: more than %d lines", cmd,
	    CHK_LINES_MAX);
	return -1;
}

static int
imap_caps(struct conn *c, struct caps *caps, char *line, size_t size)
{
	memset(caps, 0, sizeof(*caps));
	caps->plainlogin = 1;
	return imap_command(c, "c1", "CAPABILITY", caps, line, size);
}

static int
imap_starttls(struct conn *c, char *line, size_t size)
{
	return imap_command(c, "s1", "STARTTLS", NULL, line, size);
}

static void
imap_quit(struct conn *c, char *line, size_t size)
{
	imap_command(c, "q1", "LOGOUT", NULL, line, size);
}

/* ---- POP3 (RFC 1939, RFC 2449, RFC 5034) ---- */

static int
pop3_ok(struct conn *c, const char *what, char *line, size_t size)
{
	size_t	 n;

	if (conn_line(c, line, size, &n) == -1)
		return -1;
	if (strncmp(line, "+OK", 3) == 0)
		return 0;
	return say(c, what, line, n);
}

static int
pop3_greeting(struct conn *c, char *line, size_t size)
{
	return pop3_ok(c, "greeting", line, size);
}

static int
pop3_caps(struct conn *c, struct caps *caps, char *line, size_t size)
{
	size_t	 n;
	int	 k;

	memset(caps, 0, sizeof(*caps));
	if (conn_write(c, "CAPA\r\n", 6) == -1 ||
	    pop3_ok(c, "CAPA", line, size) == -1)
		return -1;
	for (k = 0; k < CHK_LINES_MAX; k++) {
		if (conn_line(c, line, size, &n) == -1)
			return -1;
		if (strcmp(line, ".") == 0)
			return 0;
		if (strcasecmp(line, "STLS") == 0)
			caps->starttls = 1;
		else if (strcasecmp(line, "USER") == 0)
			caps->plainlogin = 1;
		else if (strncasecmp(line, "SASL ", 5) == 0) {
			caps->sasl = 1;
			words(line + 5, caps, add_mech);
		}
	}
	snprintf(c->err, sizeof(c->err), "CAPA: more than %d lines",
	    CHK_LINES_MAX);
	return -1;
}

static int
pop3_starttls(struct conn *c, char *line, size_t size)
{
	if (conn_write(c, "STLS\r\n", 6) == -1)
		return -1;
	return pop3_ok(c, "STLS", line, size);
}

static void
pop3_quit(struct conn *c, char *line, size_t size)
{
	if (conn_write(c, "QUIT\r\n", 6) == 0)
		pop3_ok(c, "QUIT", line, size);
}

/* ---- SMTP submission (RFC 5321, RFC 6409, RFC 4954) ---- */

static void
smtp_word_auth(struct caps *c, const char *w, size_t n)
{
	add_mech(c, w, n);
}

/*
 * Read one reply (its lines, "250-" continuing).  Each line after the
 * code goes to caps when not NULL.  0 when the code is want.
 */
static int
smtp_reply(struct conn *c, const char *what, const char *want,
    struct caps *caps, char *line, size_t size)
{
	size_t	 n;
	int	 k;
	char	*t;

	for (k = 0; k < CHK_LINES_MAX; k++) {
		if (conn_line(c, line, size, &n) == -1)
			return -1;
		if (n < 3 || strncmp(line, want, 3) != 0)
			return say(c, what, line, n);
		t = line + 3 + (n > 3);
		if (caps != NULL && k > 0) {
			/* The first line is the greeting of the reply. */
			if (strcasecmp(t, "STARTTLS") == 0)
				caps->starttls = 1;
			else if (strncasecmp(t, "AUTH ", 5) == 0 ||
			    strncasecmp(t, "AUTH=", 5) == 0)
				words(t + 5, caps, smtp_word_auth);
		}
		if (n == 3 || line[3] == ' ')
			return 0;
		if (line[3] != '-') {
			snprintf(c->err, sizeof(c->err), "%s: a malformed "
			    "reply", what);
			return -1;
		}
	}
	snprintf(c->err, sizeof(c->err), "%s: more than %d lines", what,
	    CHK_LINES_MAX);
	return -1;
}

static int
smtp_greeting(struct conn *c, char *line, size_t size)
{
	return smtp_reply(c, "greeting", "220", NULL, line, size);
}

static int
smtp_caps(struct conn *c, struct caps *caps, char *line, size_t size)
{
	memset(caps, 0, sizeof(*caps));
	if (conn_write(c, "EHLO mailautoconf-check.invalid\r\n", 33) == -1)
		return -1;
	return smtp_reply(c, "EHLO", "250", caps, line, size);
}

static int
smtp_starttls(struct conn *c, char *line, size_t size)
{
	if (conn_write(c, "STARTTLS\r\n", 10) == -1)
		return -1;
	return smtp_reply(c, "STARTTLS", "220", NULL, line, size);
}

static void
smtp_quit(struct conn *c, char *line, size_t size)
{
	if (conn_write(c, "QUIT\r\n", 6) == 0)
		smtp_reply(c, "QUIT", "221", NULL, line, size);
}

/* The three protocols' dialogues, by enum proto. */
static const struct dialect {
	int	(*greeting)(struct conn *, char *, size_t);
	int	(*caps)(struct conn *, struct caps *, char *, size_t);
	int	(*starttls)(struct conn *, char *, size_t);
	void	(*quit)(struct conn *, char *, size_t);
} dialects[PROTO_COUNT] = {
	[P_IMAP] = { imap_greeting, imap_caps, imap_starttls, imap_quit },
	[P_POP3] = { pop3_greeting, pop3_caps, pop3_starttls, pop3_quit },
	[P_SMTP] = { smtp_greeting, smtp_caps, smtp_starttls, smtp_quit },
};

/*
 * A password goes in by the protocol's own command: IMAP LOGIN unless
 * LOGINDISABLED; POP3 USER/PASS only when the server lists no SASL
 * mechanisms (Dovecot lists USER and then refuses PASS when PLAIN is
 * not among them).
 */
static int
login_command(enum proto p, const struct caps *caps)
{
	if (p == P_IMAP)
		return caps->plainlogin;
	if (p == P_POP3)
		return caps->plainlogin && !caps->sasl;
	return 0;
}

/* The configured methods against what the server offers. */
static void
check_auth(struct job *j, const struct caps *caps)
{
	const struct mailsrv *s = j->srv;
	char		 missing[256] = "", have[256] = "";
	size_t		 used = 0, hu = 0;
	unsigned	 a, fails = 0;
	int		 k;

	for (a = 0; a < AUTH_COUNT; a++) {
		if (!(s->auth & 1u << a) || methods[a].mechs == 0)
			continue;
		if (caps->mechs & methods[a].mechs ||
		    (a == AUTH_CLEARTEXT && login_command(s->proto, caps))) {
			k = snprintf(have + hu, sizeof(have) - hu, "%s%s", hu ?
			    ", " : "", auth_names[a]);
			hu += k > 0 && (size_t)k < sizeof(have) - hu ? (size_t)k : 0;
			continue;
		}
		fails++;
		k = snprintf(missing + used, sizeof(missing) - used, "%s%s not "
		    "offered for %s", used ? "; " : "", methods[a].words,
		    auth_names[a]);
		used += k > 0 && (size_t)k < sizeof(missing) - used ? (size_t)k : 0;
	}
	if (fails > 0)
		chk_add(j, V_FAIL, proto_names[s->proto], "auth", "%s; offered: "
		    "%s", missing, caps->offered[0] ? caps->offered : "none");
	else if (hu > 0)
		chk_add(j, V_OK, proto_names[s->proto], "auth", "%s offered "
		    "(%s)", caps->offered[0] ? caps->offered : "LOGIN command",
		    have);
	else
		chk_add(j, V_OK, proto_names[s->proto], "auth", "no method to "
		    "check (%s)", caps->offered[0] ? caps->offered : "none "
		    "offered");
}

/* TLS on c and the certificate's line; -1 when there is no session. */
static int
start_tls(const struct checkctx *ctx, struct job *j, struct conn *c,
    const char *how)
{
	const struct mailsrv *s = j->srv;
	struct certinfo	 ci;
	char		 why[300];
	enum verdict	 v;

	if (conn_tls(c, ctx->tls, s->host, &ci) == -1) {
		chk_add(j, V_FAIL, proto_names[s->proto], "tls", "%s", c->err);
		return -1;
	}
	chk_add(j, V_OK, proto_names[s->proto], "tls", "%s%s", how,
	    ci.version);
	v = cert_verdict(&ci, ctx->days, s->host, why, sizeof(why));
	chk_add(j, v, proto_names[s->proto], "certificate", "%s", why);
	return 0;
}

/* The dialogue on an open connection; results into j. */
static void
dialogue(const struct checkctx *ctx, struct job *j, struct conn *c,
    char *line, size_t size)
{
	const struct mailsrv *s = j->srv;
	const struct dialect *d = &dialects[s->proto];
	const char	*pn = proto_names[s->proto];
	struct caps	 caps;

	if (s->sock == SOCK_SSL && start_tls(ctx, j, c, "") == -1)
		return;
	if (d->greeting(c, line, size) == -1) {
		chk_add(j, V_FAIL, pn, "greeting", "%s", c->err);
		return;
	}
	if (d->caps(c, &caps, line, size) == -1) {
		chk_add(j, V_FAIL, pn, "capabilities", "%s", c->err);
		return;
	}
	if (s->sock == SOCK_STARTTLS) {
		if (!caps.starttls) {
			chk_add(j, V_FAIL, pn, "starttls", "not offered");
			return;
		}
		if (d->starttls(c, line, size) == -1) {
			chk_add(j, V_FAIL, pn, "starttls", "%s", c->err);
			return;
		}
		conn_drop_buffer(c);
		if (start_tls(ctx, j, c, "STARTTLS, ") == -1)
			return;
		if (d->caps(c, &caps, line, size) == -1) {
			chk_add(j, V_FAIL, pn, "capabilities", "after "
			    "STARTTLS: %s", c->err);
			return;
		}
	}
	if (s->sock == SOCK_PLAIN)
		chk_add(j, V_WARN, pn, "tls", "none: the configuration sends "
		    "passwords in the clear");
	check_auth(j, &caps);
	d->quit(c, line, size);
}

/* A J_MAIL job: one server, every domain that uses it. */
void
mail_check(const struct checkctx *ctx, struct job *j)
{
	const struct mailsrv *s = j->srv;
	struct addrs	 a;
	struct conn	*c;
	char		*line, why[256];

	switch (dns_addrs(ctx, s->host, s->port, &a, why, sizeof(why))) {
	case DNS_FOUND:
		break;
	case DNS_NONE:
		chk_add(j, V_FAIL, proto_names[s->proto], "connect", "%s does "
		    "not resolve", s->host);
		return;
	case DNS_ERROR:
		chk_add(j, V_FAIL, proto_names[s->proto], "connect", "%s", why);
		return;
	}
	if ((c = malloc(sizeof(*c))) == NULL ||
	    (line = malloc(CHK_LINE_MAX)) == NULL) {
		free(c);
		chk_add(j, V_FAIL, proto_names[s->proto], "connect", "out of "
		    "memory");
		return;
	}
	if (conn_open(c, &a, ctx->timeout) == -1)
		chk_add(j, V_FAIL, proto_names[s->proto], "connect", "%s",
		    c->err);
	else
		dialogue(ctx, j, c, line, CHK_LINE_MAX);
	conn_close(c);
	free(line);
	free(c);
}

void
mail_talk(const struct checkctx *ctx, struct job *j, struct conn *c)
{
	char	*line;

	if ((line = malloc(CHK_LINE_MAX)) == NULL)
		return;
	dialogue(ctx, j, c, line, CHK_LINE_MAX);
	free(line);
}
