/*
 * mailautoconf: main, the options, the plain CGI and -r modes, and the
 * set-up of the FastCGI modes (socket, privileges), which fcgi.c (one
 * worker) and workers.c (several) then serve.
 */
#include <sys/types.h>
#include <sys/prctl.h>

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mailautoconf.h"

#define EX_OK		0
#define EX_USAGE	64
#define EX_NOPERM	77
#define EX_CONFIG	78
#define EX_OSERR	71
#define EX_CANTCREAT	73
#define DRAIN_MAX	(16ull << 20)	/* unread CGI body dropped at most */
#define WORKERS_MAX	256	/* -w */
#define TIMEOUT_DEFAULT	5	/* -T: seconds to read a request */
#define TIMEOUT_MAX	3600
#define BACKLOG_DEFAULT	4096	/* -b: the kernel caps it at somaxconn */

/*
 * The answer being built and the request body: one request at a time in
 * every mode, so one of each, static: nothing to allocate (or fail to)
 * before a request can be answered.
 */
static struct response	 resp;
static char		 reqbody[BODY_MAX + 1];

struct options {
	const char	*conf;
	const char	*user;
	const char	*sock;
	const char	*url;
	const char	*method;
	const char	*host;
	const char	*export;	/* --export DIR */
	int		 test;
	int		 dns;
	int		 nosandbox;
	long		 workers;	/* -w; -1: the default */
	int		 timeout;	/* -T */
	int		 backlog;	/* -b */
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mailautoconf [-c file] -t\n"
	    "       mailautoconf [-S] [-c file] [-u user] [-w workers] "
	    "[-T seconds]\n"
	    "                    [-s unix:path | host:port [-b backlog]]\n"
	    "       mailautoconf [-c file] -r url [-m method] [-H host] "
	    "< body\n"
	    "       mailautoconf [-c file] --dns [-H hoster] [domain ...]\n"
	    "       mailautoconf [-c file] --export dir\n"
	    "%s"
	    "       mailautoconf -h | -V\n", cmd_check_usage);
}

/* Say fd 0 is no listening socket, and how to start; EX_USAGE. */
static int
no_listener(void)
{
	fprintf(stderr, "mailautoconf: fd 0 is not a listening socket: "
	    "start me from a FastCGI launcher, with -s, or use -t or -r\n");
	usage(stderr);
	return EX_USAGE;
}

/* stdin as a body source, counting what was taken from it. */
struct stdin_src {
	FILE	*fp;
	size_t	 got;
};

static size_t
read_stdio(void *ctx, char *p, size_t n)
{
	struct stdin_src *src = ctx;
	size_t		 k = fread(p, 1, n, src->fp);

	src->got += k;
	return k;
}

/*
 * Read and drop what is left of a CGI request body, at most DRAIN_MAX
 * bytes: under Apache's mod_cgid stdin and stdout are one socket, and
 * closing it with bytes unread resets the connection and cuts the
 * answer short.  GET and HEAD without a CONTENT_LENGTH have no body.
 */
static void
drain_stdin(const struct cgi_env *env, struct stdin_src *src)
{
	char		 buf[4096];
	const char	*cl = env->content_length;
	unsigned long	 want = DRAIN_MAX;
	size_t		 k;

	if (cl != NULL && *cl != '\0')
		/* The digits it starts with; a malformed rest is not ours. */
		str_decimal(cl, strlen(cl), DRAIN_MAX, &want);
	else if (env->method == NULL || strcmp(env->method, "GET") == 0 ||
	    strcmp(env->method, "HEAD") == 0)
		return;
	if (want > DRAIN_MAX)
		want = DRAIN_MAX;
	while (src->got < want) {
		k = want - src->got < sizeof(buf) ? want - src->got :
		    sizeof(buf);
		if ((k = read_stdio(src, buf, k)) == 0)
			break;
	}
}

/* ---- CGI and the shell: getenv and stdio ---- */

/* The CGI variables from the environment. */
static void
env_cgi(struct cgi_env *env)
{
	env->method = getenv("REQUEST_METHOD");
	env->request_uri = getenv("REQUEST_URI");
	env->script_name = getenv("SCRIPT_NAME");
	env->path_info = getenv("PATH_INFO");
	env->query_string = getenv("QUERY_STRING");
	env->http_host = getenv("HTTP_HOST");
	env->content_length = getenv("CONTENT_LENGTH");
}

/* Write r to fp; 0 or -1. */
static int
write_stdio(FILE *fp, struct response *r)
{
	const char	*out;
	size_t		 n;

	if ((out = resp_bytes(r, &n)) == NULL || fwrite(out, 1, n, fp) != n)
		return -1;
	return fflush(fp) == 0 ? 0 : -1;
}

/*
 * One CGI request: environment and stdin in, stdout out.  A config that
 * cannot be loaded (broken, or for want of memory) is answered 500.
 */
static int
run_cgi(void)
{
	struct options	 o;
	struct config	*cfg;
	struct cgi_env	 env;
	struct stdin_src src;
	char		 line[512];
	const char	*p;

	memset(&o, 0, sizeof(o));
	p = cmd_conf_path(o.conf);
	/* One request: only its domain's answers are prepared. */
	cfg = config_load(p, CONF_LAZY);
	env_cgi(&env);
	/* Only a POST has a body for mxml: a GET never touches it. */
	if (env.method != NULL && strcmp(env.method, "POST") == 0)
		body_init();
	src.fp = stdin;
	src.got = 0;
	serve(cfg, &env, read_stdio, &src, reqbody, &resp);
	drain_stdin(&env, &src);
	if (resp.why != NULL) {
		serve_log_line(line, sizeof(line), &resp, &env);
		fputs(line, stderr);
	}
	write_stdio(stdout, &resp);
	config_free(cfg);
	return EX_OK;
}

/* ---- one request from the shell: -r URL ---- */

/*
 * Run one request given on the command line, the body (for POST) on
 * stdin, and print the whole response.  Exit 0 for 2xx and 3xx, 1 for
 * other answers.
 */
static int
run_shell(const struct options *o)
{
	struct cgi_env	 s;
	struct stdin_src src;
	struct config	*cfg;
	char		*uri = NULL, *host = NULL, line[512];
	const char	*u = o->url, *slash;
	int		 rc;

	memset(&s, 0, sizeof(s));
	s.method = o->method != NULL ? o->method : "GET";
	s.http_host = o->host;
	/* An absolute URL gives the Host. */
	if (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0) {
		u = strchr(u, '/') + 2;
		slash = strchr(u, '/');
		if (s.http_host == NULL)
			s.http_host = host = strndup(u, slash != NULL ?
			    (size_t)(slash - u) : strlen(u));
		u = slash != NULL ? slash : "/";
	}
	s.request_uri = uri = strdup(u);
	if ((cfg = config_load(cmd_conf_path(o->conf), CONF_VERBOSE | CONF_LAZY)) ==
	    NULL) {
		free(uri);
		free(host);
		return EX_CONFIG;
	}
	if (uri == NULL) {
		fprintf(stderr, "mailautoconf: out of memory\n");
		rc = EX_OSERR;
		goto out;
	}
	src.fp = stdin;
	src.got = 0;
	serve(cfg, &s, read_stdio, &src, reqbody, &resp);
	if (resp.why != NULL) {
		serve_log_line(line, sizeof(line), &resp, &s);
		fputs(line, stderr);
	}
	rc = write_stdio(stdout, &resp) == -1 ? EX_OSERR :
	    resp.status < ST_BADREQ ? EX_OK : 1;
out:
	config_free(cfg);
	free(uri);
	free(host);
	return rc;
}

/*
 * The value of a numeric option (-b, -T, -w) into o; -1 with a message
 * when it is out of its range.
 */
static int
num_opt(int ch, const char *arg, struct options *o)
{
	unsigned	 v, lo = 1, hi = ch == 'b' ? 65535 : ch == 'T' ?
			    TIMEOUT_MAX : WORKERS_MAX;

	if (ch == 'w')
		lo = 0;
	if (valid_uint(arg, strlen(arg), lo, hi, &v) == -1) {
		fprintf(stderr, "mailautoconf: -%c %s: a number from %u to "
		    "%u\n", ch, arg, lo, hi);
		return -1;
	}
	if (ch == 'b')
		o->backlog = (int)v;
	else if (ch == 'T')
		o->timeout = (int)v;
	else
		o->workers = v;
	return 0;
}

/* ---- FastCGI: the process set-up (fcgi.c and workers.c serve) ---- */

/*
 * Drop to user: supplementary groups, gid, uid, then no new privileges.
 * Returns 0 or -1 (reported).
 */
static int
drop_privileges(const char *user)
{
	struct passwd	*pw;

	if ((pw = getpwnam(user)) == NULL) {
		fprintf(stderr, "mailautoconf: no such user: %s\n", user);
		return -1;
	}
	if (geteuid() == 0) {
		if (setgroups(1, &pw->pw_gid) == -1 ||
		    setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1) {
			fprintf(stderr, "mailautoconf: cannot become %s: %s\n",
			    user, strerror(errno));
			return -1;
		}
		if (setuid(0) != -1) {
			fprintf(stderr, "mailautoconf: could regain root\n");
			return -1;
		}
	} else if (geteuid() != pw->pw_uid) {
		fprintf(stderr, "mailautoconf: -u %s needs root\n", user);
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		fprintf(stderr, "mailautoconf: PR_SET_NO_NEW_PRIVS: %s\n",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* The number of workers: -w, or its default for this start. */
static unsigned
worker_count(const struct options *o)
{
	long	 n = o->workers;

	/*
	 * A launcher that passes the socket (spawn-fcgi, lighttpd,
	 * mod_fcgid, systemd) starts the processes it wants: one each.
	 * With -s, this is the only process: one worker per CPU.
	 */
	if (n == -1)
		n = o->sock != NULL ? 0 : 1;
	if (n == 0 && (n = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		n = 1;
	return n > WORKERS_MAX ? WORKERS_MAX : (unsigned)n;
}

/*
 * The FastCGI modes: load the config, open the -s socket when asked,
 * drop privileges, then serve with one worker in this process or with
 * several under this one.
 */
static int
run_fcgi(const struct options *o)
{
	struct serve_opts so;
	struct config	*cfg;
	unsigned	 n = worker_count(o);

	if (geteuid() == 0 && o->user == NULL) {
		fprintf(stderr, "mailautoconf: refusing to serve FastCGI as "
		    "root; give -u USER\n");
		return EX_NOPERM;
	}
	if ((cfg = config_load(cmd_conf_path(o->conf), CONF_VERBOSE)) == NULL)
		return EX_CONFIG;
	/* -s: listen only once the config is known good. */
	if (o->sock != NULL && listen_open(o->sock, o->user,
	    o->backlog) == -1) {
		config_free(cfg);
		return EX_OSERR;
	}
	if (!listen_is_listener(0)) {
		config_free(cfg);
		return no_listener();
	}
	if (o->user != NULL && drop_privileges(o->user) == -1) {
		config_free(cfg);
		return EX_NOPERM;
	}
	memset(&so, 0, sizeof(so));
	so.path = cmd_conf_path(o->conf);
	so.timeout = o->timeout;
	so.sandbox = !o->nosandbox;
	if (n == 1)
		return fcgi_worker(cfg, &so);
	return workers_run(cfg, &so, n);
}

/* The short options, for getopt_long and wants_check. */
#define SHORTOPTS	":b:c:H:hm:r:Ss:T:tu:Vw:"

/*
 * The long options.  Their values lie above any byte, so that an error
 * getopt_long reports with such an optopt is known to be a long one.
 */
enum {
	OPT_DNS = 256,
	OPT_EXPORT,
	OPT_HELP,
	OPT_VERSION
};

static const struct option longopts[] = {
	{ "dns",	no_argument,	NULL,	OPT_DNS },
	{ "export",	required_argument, NULL, OPT_EXPORT },
	{ "help",	no_argument,	NULL,	OPT_HELP },
	{ "version",	no_argument,	NULL,	OPT_VERSION },
	{ NULL,		0,		NULL,	0 }
};

/*
 * Say what is wrong with an option (ch is getopt_long's ':' or '?') in
 * the words scripts have long seen, plain getopt(3)'s, where any bad long
 * option (unknown, abbreviated, "--dns=x") is the option character '-'.
 * getopt_long's own messages, which name the long option, are silenced
 * by opterr = 0 and the ':' that starts the option string.
 */
static void
bad_option(const char *argv0, int ch, int opt)
{
	if (ch == ':')
		fprintf(stderr, "%s: option requires an argument -- '%c'\n",
		    argv0, opt);
	else
		fprintf(stderr, "%s: invalid option -- '%c'\n", argv0,
		    opt == 0 || opt > UCHAR_MAX ? '-' : opt);
}

/*
 * Take one option and its argument into o.  Returns -1 to go on, or the
 * exit status when the option settles it (-h, -V, a bad number).
 */
static int
take_option(int ch, const char *arg, struct options *o)
{
	switch (ch) {
	case 'b':
	case 'T':
	case 'w':
		return num_opt(ch, arg, o) == -1 ? EX_USAGE : -1;
	case 'c':
		o->conf = arg;
		break;
	case 'H':
		o->host = arg;
		break;
	case 'h':
	case OPT_HELP:
		usage(stdout);
		return EX_OK;
	case 'm':
		o->method = arg;
		break;
	case 'r':
		o->url = arg;
		break;
	case 'S':
		o->nosandbox = 1;
		break;
	case 's':
		o->sock = arg;
		break;
	case 't':
		o->test = 1;
		break;
	case 'u':
		o->user = arg;
		break;
	case 'V':
	case OPT_VERSION:
		printf("mailautoconf %s\n", MAC_VERSION);
		return EX_OK;
	case OPT_DNS:
		o->dns = 1;
		break;
	case OPT_EXPORT:
		o->export = arg;
		break;
	}
	return -1;
}

/*
 * Parse the options into o, leaving optind at the first operand.
 * Returns -1 to go on, or the exit status when the options settle it:
 * 0 after -h or -V, EX_USAGE (the usage printed) for a bad one.
 */
static int
parse_options(int argc, char *argv[], struct options *o)
{
	int	 ch, li, rc;

	memset(o, 0, sizeof(*o));
	o->workers = -1;
	o->timeout = TIMEOUT_DEFAULT;
	o->backlog = BACKLOG_DEFAULT;
	opterr = 0;
	/* No '+': options may follow operands (--dns DOMAIN -c FILE). */
	while ((ch = getopt_long(argc, argv, SHORTOPTS, longopts, &li)) !=
	    -1) {
		/*
		 * Long options only in full, as always: an abbreviation
		 * that works today could become ambiguous tomorrow.
		 */
		if (ch > UCHAR_MAX && !cmd_long_in_full(argv, longopts[li].name)) {
			optopt = 0;
			ch = '?';
		}
		if (ch == '?' || ch == ':') {
			bad_option(argv[0], ch, optopt);
			usage(stderr);
			return EX_USAGE;
		}
		if ((rc = take_option(ch, optarg, o)) != -1)
			return rc;
	}
	return -1;
}

/* --dns: the records of the named domains, or of all; an exit status. */
static int
run_dns(const struct options *o, char *const *names, int n)
{
	struct config	*cfg;
	int		 rc;

	/* The records need no prepared answer. */
	if ((cfg = config_load(cmd_conf_path(o->conf), CONF_LAZY)) == NULL)
		return EX_CONFIG;
	rc = dns_zone(cfg, stdout, names, n, o->host);
	config_free(cfg);
	return rc == 0 ? EX_OK : 1;
}

/*
 * --export DIR: the answers that depend only on the domain, as files;
 * an exit status (78 for a broken configuration, as -t).
 */
static int
run_export(const struct options *o)
{
	struct config	*cfg;
	int		 rc;

	if ((cfg = config_load(cmd_conf_path(o->conf), 0)) == NULL)
		return EX_CONFIG;
	rc = export_tree(cfg, o->export);
	config_free(cfg);
	return rc == 0 ? EX_OK : EX_CANTCREAT;
}

/* -t: check the config and summarize its domains; an exit status. */
static int
run_test(const struct options *o)
{
	struct config	*cfg;

	if ((cfg = config_load(cmd_conf_path(o->conf), CONF_VERBOSE)) == NULL)
		return EX_CONFIG;
	config_summary(cfg, stdout);
	config_free(cfg);
	return EX_OK;
}

/*
 * --check is among the options: a word "--check" that is neither after
 * "--" nor the argument of a short option (-c --check names a file).
 */
static int
wants_check(int argc, char *argv[])
{
	const char	*a, *p, *o;
	int		 i;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--") == 0)
			return 0;
		if (strcmp(a, "--check") == 0)
			return 1;
		if (a[0] != '-' || a[1] == '-' || a[1] == '\0')
			continue;
		for (p = a + 1; *p != '\0'; p++)
			if ((o = strchr(SHORTOPTS + 1, *p)) != NULL &&
			    *p != ':' && o[1] == ':') {
				i += p[1] == '\0';	/* the next word */
				break;
			}
	}
	return 0;
}

/*
 * --check: mailautoconf-check does it, found beside this program (it
 * links libssl, which a CGI request must not pay for loading), else on
 * the PATH.  Returns only when neither can be run.
 */
static int
run_check(char *argv[])
{
	char	 path[PATH_MAX];
	char	*slash;
	ssize_t	 n;

	n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	if (n > 0) {
		path[n] = '\0';
		if ((slash = strrchr(path, '/')) != NULL) {
			memcpy(slash + 1, "mailautoconf-check",
			    sizeof("mailautoconf-check"));
			execv(path, argv);
		}
	}
	execvp("mailautoconf-check", argv);
	fprintf(stderr, "mailautoconf: --check needs mailautoconf-check, "
	    "installed beside mailautoconf (built where OpenSSL's libssl "
	    "is): %s\n", strerror(errno));
	return EX_OSERR;
}

/* A CGI request: a web server's variables, and no socket on fd 0. */
static int
is_cgi(void)
{
	const char	*rm = getenv("REQUEST_METHOD");
	const char	*gi = getenv("GATEWAY_INTERFACE");

	if (listen_is_listener(0))
		return 0;
	return (rm != NULL && *rm != '\0') || (gi != NULL && *gi != '\0');
}

int
main(int argc, char *argv[])
{
	struct options	 o;
	int		 rc;

	if (listen_take_fds() == -1) {
		perror("mailautoconf: dup2");
		return EX_OSERR;
	}
	if (is_cgi())
		return run_cgi();	/* argv is not ours: Apache puts query
					   words there */
	if (wants_check(argc, argv))
		return run_check(argv);
	body_init();
	if ((rc = parse_options(argc, argv, &o)) != -1)
		return rc;
	if (o.dns)
		return run_dns(&o, argv + optind, argc - optind);
	if (optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (o.export != NULL)
		return run_export(&o);
	if (o.test)
		return run_test(&o);
	if (o.url != NULL)
		return run_shell(&o);
	if (o.sock == NULL && !listen_is_listener(0))
		return no_listener();
	return run_fcgi(&o);
}
