/*
 * mailautoconf-check: mailautoconf --check (mailautoconf(8), "Checking a
 * deployment").  Loads the configuration as the responder does, plans
 * one job per domain's DNS records, per endpoint, per server host name
 * and per distinct mail server (host, port, socket type: once however
 * many domains share it), runs them on --jobs threads, and prints each
 * job's results in the plan's order as soon as they are known.  Exit 0
 * when nothing failed, 1 when something did, 78 for a broken
 * configuration, 64 for bad options.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "check.h"

#define EX_FAILED	1	/* a check failed; the rest: <sysexits.h> */

struct options {
	const char	*conf;
	const char	*ca;
	int		 json;
	unsigned	 jobs;
	struct checkctx	 ctx;
};

/* The plan and the runner's state, shared by the threads. */
struct run {
	const struct checkctx *ctx;
	struct job	*jobs;
	size_t		 njobs;
	size_t		 next;		/* the next job to start */
	size_t		 ndone;
	pthread_mutex_t	 lock;
	pthread_cond_t	 done;		/* a job finished */
};

static void
usage(FILE *fp)
{
	/* The line as mailautoconf's usage has it, "usage:" for its indent. */
	fprintf(fp, "usage:%s", cmd_check_usage + 6);
}

/* ---- the report ---- */

static const char *const verdicts[] = { "ok", "warn", "FAIL" };

/* s as a JSON string's contents. */
static void
json_str(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(fp, "\\%c", *s);
		else if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			fprintf(fp, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, fp);
	}
}

static void
json_field(FILE *fp, const char *key, const char *val)
{
	fprintf(fp, ",\"%s\":\"", key);
	json_str(fp, val);
	fputc('"', fp);
}

/* The domains a shared job serves: ["a","b",...] */
static void
json_domains(FILE *fp, const struct mailsrv *s)
{
	size_t	 i;

	fputs(",\"domains\":[", fp);
	for (i = 0; i < s->ndoms; i++) {
		fputs(i > 0 ? ",\"" : "\"", fp);
		json_str(fp, s->doms[i]->name);
		fputc('"', fp);
	}
	fputc(']', fp);
}

static void
print_json(FILE *fp, const struct job *j, const struct result *r)
{
	const struct mailsrv *s = j->srv;
	char		 where[DOMAIN_MAX + 16];

	fprintf(fp, "{\"status\":\"%s\"", verdicts[r->v]);
	json_field(fp, "domain", s != NULL ? s->doms[0]->name : j->d->name);
	json_field(fp, "check", r->kind);
	if (j->kind == J_MAIL) {
		snprintf(where, sizeof(where), "%s:%u", s->host, s->port);
		json_field(fp, "server", where);
		json_field(fp, "socket", sock_names[s->sock]);
	}
	json_field(fp, "subject", r->subject);
	json_field(fp, "detail", r->detail);
	if (s != NULL)
		json_domains(fp, s);
	fputs("}\n", fp);
}

/* The domains of a shared job, for the end of its text lines. */
static void
text_domains(FILE *fp, const struct mailsrv *s)
{
	if (s->ndoms > 1)
		fprintf(fp, " (%s, +%zu more)\n", s->doms[0]->name,
		    s->ndoms - 1);
	else
		fprintf(fp, " (%s)\n", s->doms[0]->name);
}

static void
print_text(FILE *fp, const struct job *j, const struct result *r)
{
	const struct mailsrv *s = j->srv;

	switch (j->kind) {
	case J_DNS:
	case J_HTTP:
		fprintf(fp, "%-4s %s %s %s: %s\n", verdicts[r->v], j->d->name,
		    r->kind, r->subject, r->detail);
		break;
	case J_HOST:
		fprintf(fp, "%-4s %s %s %s: %s", verdicts[r->v],
		    s->doms[0]->name, r->kind, r->subject, r->detail);
		text_domains(fp, s);
		break;
	case J_MAIL:
		fprintf(fp, "%-4s %s:%u %s %s %s: %s", verdicts[r->v], s->host,
		    s->port, r->kind, sock_names[s->sock], r->subject,
		    r->detail);
		text_domains(fp, s);
		break;
	}
}

/* The tally of the report. */
struct tally {
	size_t	 n[3];
};

/* Print a finished job's results and free them. */
static void
report(const struct options *o, struct job *j, struct tally *t)
{
	struct result	*r;

	if (j->lost > 0) {
		chk_add(j, V_FAIL, "check", "report", "%u result(s) lost: out "
		    "of memory", j->lost);
		t->n[V_FAIL] += j->lost;
	}
	for (r = j->res; r != NULL; r = r->next) {
		if (o->json)
			print_json(stdout, j, r);
		else
			print_text(stdout, j, r);
		t->n[r->v]++;
	}
	chk_clear(j);
	fflush(stdout);
}

/* ---- the plan ---- */

/* One server line of one domain, before the merge. */
struct srvuse {
	enum proto		 proto;
	char			*host;
	unsigned		 port;
	enum sock		 sock;
	unsigned		 auth;
	const struct domain	*d;
	size_t			 order;	/* the domain's place in the plan */
};

/* Uses of one server compare equal. */
static int
use_key_cmp(const void *a, const void *b)
{
	const struct srvuse *x = a, *y = b;
	int		 c;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if ((c = strcasecmp(x->host, y->host)) != 0)
		return c;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	if (x->sock != y->sock)
		return x->sock < y->sock ? -1 : 1;
	return 0;
}

/* The sort: by server, then by domain in the plan's order. */
static int
use_cmp(const void *a, const void *b)
{
	const struct srvuse *x = a, *y = b;
	int		 c;

	if ((c = use_key_cmp(a, b)) != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Every server line of the n domains, host names expanded: uses. */
static struct srvuse *
collect_uses(const struct domain **doms, size_t n, size_t *nuse)
{
	char		 host[CONF_VALUE_MAX + DOMAIN_MAX];
	struct srvuse	*u = NULL, *nu;
	const struct server *sv;
	const struct section *sec;
	size_t		 i, k = 0, cap = 0;
	unsigned	 p, m, a;

	for (i = 0; i < n; i++) {
		sec = doms[i]->sec;
		for (p = 0; p < PROTO_COUNT; p++)
			for (m = 0; m < sec->nsrv[p]; m++) {
				if (k == cap) {
					cap = cap ? cap * 2 : 64;
					if ((nu = realloc(u, cap * sizeof(*u))) ==
					    NULL)
						goto fail;
					u = nu;
				}
				sv = &sec->srv[p][m];
				str_expand(sv->host, dom_target(doms[i]) != NULL ?
				    dom_target(doms[i]) : doms[i]->name, host,
				    sizeof(host));
				if ((u[k].host = strdup(host)) == NULL)
					goto fail;
				u[k].proto = (enum proto)p;
				u[k].port = sv->port;
				u[k].sock = sv->sock;
				u[k].auth = 0;
				for (a = 0; a < sv->nauth; a++)
					u[k].auth |= 1u << sv->auth[a];
				u[k].d = doms[i];
				u[k].order = i;
				k++;
			}
	}
	*nuse = k;
	return u;
fail:
	while (k > 0)
		free(u[--k].host);
	free(u);
	return NULL;
}

/*
 * The distinct servers of the uses, each with its domains, into *out;
 * the uses' host strings pass to the servers or are freed.  The count,
 * or -1 out of memory.
 */
static long
merge_uses(struct srvuse *u, size_t n, struct mailsrv **out)
{
	struct mailsrv	*s;
	size_t		 i, e, k = 0;

	qsort(u, n, sizeof(*u), use_cmp);
	if ((*out = s = calloc(n > 0 ? n : 1, sizeof(*s))) == NULL)
		return -1;
	for (i = 0; i < n; i = e, k++) {
		for (e = i + 1; e < n && use_key_cmp(&u[e], &u[i]) == 0; e++) {
			free(u[e].host);
			u[e].host = NULL;
		}
		s[k].proto = u[i].proto;
		s[k].host = u[i].host;
		s[k].port = u[i].port;
		s[k].sock = u[i].sock;
		u[i].host = NULL;
		if ((s[k].doms = malloc((e - i) * sizeof(*s[k].doms))) == NULL)
			return -1;
		for (; i < e; i++) {
			s[k].auth |= u[i].auth;
			/* A domain listing a server twice names it once. */
			if (s[k].ndoms == 0 ||
			    s[k].doms[s[k].ndoms - 1] != u[i].d)
				s[k].doms[s[k].ndoms++] = u[i].d;
		}
	}
	return (long)k;
}

/* The whole plan, and what it owns. */
struct plan {
	const struct domain	**doms;
	size_t			 ndoms;
	struct mailsrv		*srv;
	size_t			 nsrv;
	struct job		*jobs;
	size_t			 njobs;
};

static void
plan_free(struct plan *p)
{
	size_t	 i;

	for (i = 0; p->srv != NULL && i < p->nsrv; i++) {
		free((char *)p->srv[i].host);
		free(p->srv[i].doms);
	}
	free(p->srv);
	free(p->doms);
	free(p->jobs);
}

/*
 * The domains named (all when n is 0) into p.  0, or -1 with the
 * reason on stderr.
 */
static int
pick_domains(const struct config *cfg, char *const *names, int n,
    struct plan *p)
{
	char		 dom[DOMAIN_MAX + 1];
	size_t		 i, count = n > 0 ? (size_t)n : config_ndomains(cfg);
	int		 len, rc = 0;

	if ((p->doms = calloc(count > 0 ? count : 1, sizeof(*p->doms))) ==
	    NULL) {
		fprintf(stderr, "mailautoconf: out of memory\n");
		return -1;
	}
	for (i = 0; i < count; i++) {
		if (n == 0) {
			p->doms[p->ndoms++] = config_domain(cfg, i);
			continue;
		}
		len = valid_domain(names[i], strlen(names[i]), dom, sizeof(dom));
		if (len < 0 || (p->doms[p->ndoms] = config_lookup(cfg, dom,
		    (size_t)len)) == NULL) {
			fprintf(stderr, "mailautoconf: %s: not a configured "
			    "domain\n", names[i]);
			rc = -1;
		} else
			p->ndoms++;
	}
	return rc;
}

/* The mail servers of the plan's domains, each once. */
static int
pick_servers(struct plan *p)
{
	struct srvuse	*u;
	size_t		 nuse = 0, i;
	long		 k;

	if ((u = collect_uses(p->doms, p->ndoms, &nuse)) == NULL && nuse > 0)
		return -1;
	k = merge_uses(u, nuse, &p->srv);
	for (i = 0; i < nuse; i++)
		free(u[i].host);
	free(u);
	if (k < 0)
		return -1;
	p->nsrv = (size_t)k;
	return 0;
}

/*
 * The jobs: per domain its records and endpoints; per server host name
 * one; per mail server one.
 */
static int
make_jobs(struct plan *p)
{
	struct job	*j;
	size_t		 i, e;

	p->jobs = calloc(p->ndoms * (1 + ENDPOINT_COUNT) + 2 * p->nsrv + 1,
	    sizeof(*p->jobs));
	if ((j = p->jobs) == NULL)
		return -1;
	for (i = 0; i < p->ndoms; i++) {
		j->kind = J_DNS;
		(j++)->d = p->doms[i];
		for (e = 0; e < ENDPOINT_COUNT; e++) {
			j->kind = J_HTTP;
			j->d = p->doms[i];
			(j++)->endpoint = (unsigned)e;
		}
	}
	for (i = 0; i < p->nsrv; i++) {
		/* A host name once, at the first server that has it. */
		for (e = 0; e < i; e++)
			if (strcasecmp(p->srv[e].host, p->srv[i].host) == 0)
				break;
		if (e < i)
			continue;
		j->kind = J_HOST;
		(j++)->srv = &p->srv[i];
	}
	for (i = 0; i < p->nsrv; i++) {
		j->kind = J_MAIL;
		(j++)->srv = &p->srv[i];
	}
	p->njobs = (size_t)(j - p->jobs);
	for (i = 0; i < p->njobs; i++)
		p->jobs[i].tail = &p->jobs[i].res;
	return 0;
}

/* ---- the runner ---- */

/* A J_HOST job: the server's host name resolves. */
static void
host_check(const struct checkctx *ctx, struct job *j)
{
	struct addrs	 a;
	char		 why[256], list[512];

	switch (dns_addrs(ctx, j->srv->host, 0, &a, why, sizeof(why))) {
	case DNS_FOUND:
		dns_addrs_text(&a, list, sizeof(list));
		chk_add(j, V_OK, "dns", j->srv->host, "resolves to %s", list);
		break;
	case DNS_NONE:
		chk_add(j, V_FAIL, "dns", j->srv->host, "does not resolve");
		break;
	case DNS_ERROR:
		chk_add(j, V_FAIL, "dns", j->srv->host, "%s", why);
		break;
	}
}

static void
run_job(const struct checkctx *ctx, struct job *j)
{
	switch (j->kind) {
	case J_DNS:
		dns_check(ctx, j);
		break;
	case J_HTTP:
		http_check(ctx, j);
		break;
	case J_HOST:
		host_check(ctx, j);
		break;
	case J_MAIL:
		mail_check(ctx, j);
		break;
	}
}

static void *
worker(void *arg)
{
	struct run	*rn = arg;
	struct job	*j;

	for (;;) {
		pthread_mutex_lock(&rn->lock);
		if (rn->next == rn->njobs) {
			pthread_mutex_unlock(&rn->lock);
			return NULL;
		}
		j = &rn->jobs[rn->next++];
		pthread_mutex_unlock(&rn->lock);
		run_job(rn->ctx, j);
		pthread_mutex_lock(&rn->lock);
		j->done = 1;
		rn->ndone++;
		pthread_cond_signal(&rn->done);
		pthread_mutex_unlock(&rn->lock);
	}
}

/* The progress line on a terminal: how many jobs are done. */
static void
progress(const struct run *rn, int on)
{
	if (on)
		fprintf(stderr, "\rmailautoconf --check: %zu of %zu checked\033[K",
		    rn->ndone, rn->njobs);
}

/*
 * Run the jobs on up to nthreads threads, printing each job's results
 * in order as soon as it and those before it are done.
 */
static int
run_all(const struct options *o, struct job *jobs, size_t njobs,
    struct tally *t)
{
	struct run	 rn;
	pthread_t	*th;
	size_t		 i, n = o->jobs < njobs ? o->jobs : njobs;
	int		 tty = isatty(STDERR_FILENO);

	memset(&rn, 0, sizeof(rn));
	rn.ctx = &o->ctx;
	rn.jobs = jobs;
	rn.njobs = njobs;
	pthread_mutex_init(&rn.lock, NULL);
	pthread_cond_init(&rn.done, NULL);
	if ((th = calloc(n > 0 ? n : 1, sizeof(*th))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, worker, &rn) != 0)
			break;
	if (i == 0 && n > 0) {
		free(th);
		return -1;
	}
	n = i;
	pthread_mutex_lock(&rn.lock);
	for (i = 0; i < njobs; i++) {
		while (!jobs[i].done) {
			progress(&rn, tty);
			pthread_cond_wait(&rn.done, &rn.lock);
		}
		pthread_mutex_unlock(&rn.lock);
		if (tty)
			fputs("\r\033[K", stderr);
		report(o, &jobs[i], t);
		pthread_mutex_lock(&rn.lock);
	}
	pthread_mutex_unlock(&rn.lock);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	free(th);
	return 0;
}

/* ---- options and main ---- */

enum {
	OPT_CHECK = 256,
	OPT_JSON,
	OPT_RESOLVER,
	OPT_CA,
	OPT_DAYS,
	OPT_JOBS,
	OPT_LOCAL,
	OPT_HTTPS_PORT,
	OPT_HTTP_PORT,
	OPT_HELP,
	OPT_VERSION
};

static const struct option longopts[] = {
	{ "check",	no_argument,		NULL,	OPT_CHECK },
	{ "json",	no_argument,		NULL,	OPT_JSON },
	{ "resolver",	required_argument,	NULL,	OPT_RESOLVER },
	{ "ca",		required_argument,	NULL,	OPT_CA },
	{ "days",	required_argument,	NULL,	OPT_DAYS },
	{ "jobs",	required_argument,	NULL,	OPT_JOBS },
	{ "local-part",	required_argument,	NULL,	OPT_LOCAL },
	{ "https-port",	required_argument,	NULL,	OPT_HTTPS_PORT },
	{ "http-port",	required_argument,	NULL,	OPT_HTTP_PORT },
	{ "help",	no_argument,		NULL,	OPT_HELP },
	{ "version",	no_argument,		NULL,	OPT_VERSION },
	{ NULL,		0,			NULL,	0 }
};

/* A number option's value in [lo, hi]; -1 with a message. */
static int
num(const char *name, const char *arg, unsigned lo, unsigned hi,
    unsigned *out)
{
	if (valid_uint(arg, strlen(arg), lo, hi, out) == 0)
		return 0;
	fprintf(stderr, "mailautoconf: %s %s: a number from %u to %u\n", name,
	    arg, lo, hi);
	return -1;
}

/* One option into o: -1 to go on, else the exit status. */
static int
take_option(int ch, const char *arg, struct options *o)
{
	struct addr	 a;
	char		 probe[LOCAL_MAX + 16];
	unsigned	 v;

	switch (ch) {
	case 'c':
		o->conf = arg;
		return -1;
	case 'T':
		if (num("-T", arg, 1, 3600, &v) == -1)
			return EX_USAGE;
		o->ctx.timeout = (int)v;
		return -1;
	case OPT_CHECK:
		return -1;
	case OPT_JSON:
		o->json = 1;
		return -1;
	case OPT_RESOLVER:
		if (dns_parse_resolver(arg, &o->ctx.resolver,
		    &o->ctx.resolverlen) == -1) {
			fprintf(stderr, "mailautoconf: --resolver %s: an IP "
			    "address, with :PORT ([ADDR]:PORT for IPv6)\n", arg);
			return EX_USAGE;
		}
		return -1;
	case OPT_CA:
		o->ca = arg;
		return -1;
	case OPT_DAYS:
		if (num("--days", arg, 0, 3650, &v) == -1)
			return EX_USAGE;
		o->ctx.days = (int)v;
		return -1;
	case OPT_JOBS:
		if (num("--jobs", arg, 1, CHK_JOBS_MAX, &o->jobs) == -1)
			return EX_USAGE;
		return -1;
	case OPT_LOCAL:
		snprintf(probe, sizeof(probe), "%s@example.org", arg);
		if (strlen(arg) > LOCAL_MAX || strchr(arg, '@') != NULL ||
		    valid_addr(probe, strlen(probe), &a) == -1) {
			fprintf(stderr, "mailautoconf: --local-part %s: not the "
			    "local part of an address\n", arg);
			return EX_USAGE;
		}
		o->ctx.local = arg;
		return -1;
	case OPT_HTTPS_PORT:
	case OPT_HTTP_PORT:
		if (num(ch == OPT_HTTP_PORT ? "--http-port" : "--https-port",
		    arg, 1, 65535, &v) == -1)
			return EX_USAGE;
		*(ch == OPT_HTTP_PORT ? &o->ctx.http_port :
		    &o->ctx.https_port) = v;
		return -1;
	case 'h':
	case OPT_HELP:
		usage(stdout);
		return EX_OK;
	case 'V':
	case OPT_VERSION:
		printf("mailautoconf %s\n", MAC_VERSION);
		return EX_OK;
	default:
		usage(stderr);
		return EX_USAGE;
	}
}

static int
parse_options(int argc, char *argv[], struct options *o)
{
	int	 ch, li, rc;

	memset(o, 0, sizeof(*o));
	o->jobs = CHK_JOBS;
	o->ctx.timeout = CHK_TIMEOUT;
	o->ctx.days = CHK_DAYS;
	o->ctx.local = CHK_LOCAL;
	o->ctx.https_port = 443;
	o->ctx.http_port = 80;
	while ((ch = getopt_long(argc, argv, "c:hT:V", longopts, &li)) != -1) {
		/* Long options only in full, as mailautoconf's. */
		if (ch > UCHAR_MAX && !cmd_long_in_full(argv, longopts[li].name))
			ch = '?';
		if ((rc = take_option(ch, optarg, o)) != -1)
			return rc;
	}
	return -1;
}

/* The TLS client context every connection uses. */
static SSL_CTX *
tls_context(const char *ca)
{
	SSL_CTX	*t;

	if ((t = SSL_CTX_new(TLS_client_method())) == NULL)
		return NULL;
	SSL_CTX_set_min_proto_version(t, TLS1_2_VERSION);
	SSL_CTX_set_default_verify_paths(t);
	if (ca != NULL && SSL_CTX_load_verify_locations(t, ca, NULL) != 1) {
		fprintf(stderr, "mailautoconf: --ca %s: no certificate read "
		    "(%s)\n", ca, ERR_reason_error_string(ERR_get_error()));
		SSL_CTX_free(t);
		return NULL;
	}
	/* The handshake goes on; conn_tls judges the certificate. */
	SSL_CTX_set_verify(t, SSL_VERIFY_NONE, NULL);
	return t;
}

int
main(int argc, char *argv[])
{
	struct options	 o;
	struct config	*cfg;
	struct plan	 p;
	struct tally	 t;
	int		 rc;

	signal(SIGPIPE, SIG_IGN);
	body_init();
	if ((rc = parse_options(argc, argv, &o)) != -1)
		return rc;
	if ((cfg = config_load(cmd_conf_path(o.conf), 0)) == NULL)
		return EX_CONFIG;
	o.ctx.cfg = cfg;
	memset(&p, 0, sizeof(p));
	memset(&t, 0, sizeof(t));
	rc = EX_OSERR;
	if (pick_domains(cfg, argv + optind, argc - optind, &p) == -1) {
		rc = EX_FAILED;
		goto out;
	}
	if ((o.ctx.tls = tls_context(o.ca)) == NULL) {
		rc = o.ca != NULL ? EX_USAGE : EX_OSERR;
		goto out;
	}
	if (pick_servers(&p) == -1 || make_jobs(&p) == -1 ||
	    run_all(&o, p.jobs, p.njobs, &t) == -1) {
		fprintf(stderr, "mailautoconf: out of memory\n");
		goto out;
	}
	fprintf(o.json ? stderr : stdout, "%zu checks: %zu ok, %zu warn, %zu "
	    "FAIL\n", t.n[V_OK] + t.n[V_WARN] + t.n[V_FAIL], t.n[V_OK],
	    t.n[V_WARN], t.n[V_FAIL]);
	rc = t.n[V_FAIL] > 0 ? EX_FAILED : EX_OK;
out:
	SSL_CTX_free(o.ctx.tls);
	plan_free(&p);
	config_free(cfg);
	return rc;
}
