/*
 * fault: allocation-failure injection for the FastCGI responder.
 *
 * Built by tests/fault/build.mk: the whole responder (autoconf.c, its
 * main renamed mac_main, and the core) under ASan, LSan and UBSan, with
 * this file replacing malloc, calloc, realloc, strdup and friends for
 * the whole process (libfcgi, mxml and libcrypto included).  For each
 * request of the tables given (tests/leak/kinds.tsv), it
 *
 *   1. forks a child that runs the real FastCGI loop (mac_main -c CONF)
 *      on a listening socket, sends it the request with the FastCGI
 *      client of tests/leak/fcgic.c, and counts the allocations the
 *      request makes, from the entry of FCGX_Accept_r to the end of
 *      FCGX_Free at its end (the baseline: A allocations);
 *   2. for N = 1 .. A + 1, forks a fresh child in which allocation N of
 *      the request fails (returns NULL with errno ENOMEM), sends the
 *      same request and looks at what happened: the answer, the exit,
 *      and the child's ASan/LSan/UBSan report.  After the request the
 *      child signals itself with SIGTERM, so it leaves its loop the
 *      normal way and LSan checks it for leaks at exit.
 *
 * A trial passes when the answer is the baseline answer or a 5xx, and
 * the child neither crashed nor leaked.  A crash whose first frame
 * outside libc and the sanitizers is in a library (libfcgi, mxml,
 * libcrypto), or a leak of memory such a library allocated next to a
 * right answer, is a residual risk: listed, not failed.  Anything else
 * fails: a crash or leak in our code, another answer (a 600 or a 404
 * for a valid request), no answer without a crash, a hang.
 *
 *   fault [-C] [-j jobs] [-k name] [-N n] [-n max] [-o dir] [-v]
 *	   [-x name] -c conf -g gendir table...
 *
 * -j runs the cases in that many worker processes; -k runs only the
 * cases whose name starts with name, -x leaves them out; -n tries at
 * most max values of N per case, evenly spaced, the last one always
 * included (0, the default: every N); -N tries only that N (to
 * reproduce one trial); -o saves the baseline answer and the answer of
 * each failed trial as dir/NAME-N.answer; -v prints every trial, -vv
 * each child's standard error too.  The last line is "fault: N passed, N
 * failed" (trials); exit 0 when none failed, 1 otherwise, 64 on bad
 * usage.
 *
 * With -C the children are plain CGI processes instead: the request's
 * variables in the environment, its body on standard input, the answer
 * on standard output, and every allocation of the process counted, from
 * the start of mac_main to its return (a CGI loads the configuration
 * and prepares the domain asked about for each request).
 *
 * The children run with -S (no seccomp filter, when the responder has
 * the option): the filter would kill them on the SIGTERM they send
 * themselves and on LeakSanitizer's tracer.  Their stacks are printed
 * unsymbolized and named here (see below).
 */
#undef main
#define _GNU_SOURCE		/* memalign, valloc, memmem, dprintf */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fcgic.h"

#define JOBS_MAX	16
#define SITES_MAX	256
#define TRIAL_TIMEOUT	60	/* seconds until a child counts as hung */
#define ANSWER_TIMEOUT	20	/* seconds for one read or write */

/* ---- the allocation shim (runs in the children) ---- */

void	*__interceptor_malloc(size_t);
void	*__interceptor_calloc(size_t, size_t);
void	*__interceptor_realloc(void *, size_t);
void	*__interceptor_reallocarray(void *, size_t, size_t);
char	*__interceptor_strdup(const char *);
char	*__interceptor_strndup(const char *, size_t);
int	 __interceptor_posix_memalign(void **, size_t, size_t);
void	*__interceptor_aligned_alloc(size_t, size_t);
void	*__interceptor_memalign(size_t, size_t);
void	*__interceptor_valloc(size_t);
void	 __sanitizer_print_stack_trace(void);
const char *__asan_default_options(void);
const char *__lsan_default_options(void);
const char *__ubsan_default_options(void);

int	 __real_FCGX_Accept_r(FCGX_Request *);
int	 __wrap_FCGX_Accept_r(FCGX_Request *);
void	 __real_FCGX_Free(FCGX_Request *, int);
void	 __wrap_FCGX_Free(FCGX_Request *, int);
uid_t	 __real_geteuid(void);
uid_t	 __wrap_geteuid(void);

static volatile int	 armed;		/* counting this request's allocations */
static unsigned long	 count;		/* allocations counted */
static unsigned long	 fail_at;	/* 0: fail none */
static int		 injected;
static int		 served;	/* requests finished */
static int		 report_fd = -1;

const char *
__asan_default_options(void)
{
	return "detect_leaks=1:handle_abort=1:handle_segv=1:handle_sigbus=1:"
	    "handle_sigfpe=1:handle_sigill=1:abort_on_error=0:exitcode=86:"
	    "allocator_may_return_null=1:symbolize=0:print_summary=1";
}

const char *
__lsan_default_options(void)
{
	return "exitcode=23";
}

const char *
__ubsan_default_options(void)
{
	return "print_stacktrace=1:halt_on_error=1:symbolize=0";
}

/* The shim's code, so that the harness can skip its frames. */
#define SHIM	__attribute__((section("fault_shim"), noinline))

/* 1 when this allocation is the one to fail. */
SHIM static int
fail_now(void)
{
	static const char mark[] = "fault: injected allocation failure\n";
	static const char end[] = "fault: end of injection stack\n";

	if (!armed)
		return 0;
	if (++count != fail_at)
		return 0;
	armed = 0;
	injected = 1;
	if (write(2, mark, sizeof(mark) - 1) < 0)
		abort();
	__sanitizer_print_stack_trace();
	if (write(2, end, sizeof(end) - 1) < 0)
		abort();
	armed = 1;
	errno = ENOMEM;
	return 1;
}

SHIM void *
malloc(size_t n)
{
	return fail_now() ? NULL : __interceptor_malloc(n);
}

SHIM void *
calloc(size_t n, size_t m)
{
	return fail_now() ? NULL : __interceptor_calloc(n, m);
}

SHIM void *
realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __interceptor_realloc(p, n);
}

SHIM void *
reallocarray(void *p, size_t n, size_t m)
{
	return fail_now() ? NULL : __interceptor_reallocarray(p, n, m);
}

SHIM char *
strdup(const char *s)
{
	return fail_now() ? NULL : __interceptor_strdup(s);
}

SHIM char *
strndup(const char *s, size_t n)
{
	return fail_now() ? NULL : __interceptor_strndup(s, n);
}

SHIM int
posix_memalign(void **p, size_t a, size_t n)
{
	return fail_now() ? ENOMEM : __interceptor_posix_memalign(p, a, n);
}

SHIM void *
aligned_alloc(size_t a, size_t n)
{
	return fail_now() ? NULL : __interceptor_aligned_alloc(a, n);
}

SHIM void *
memalign(size_t a, size_t n)
{
	return fail_now() ? NULL : __interceptor_memalign(a, n);
}

SHIM void *
valloc(size_t n)
{
	return fail_now() ? NULL : __interceptor_valloc(n);
}

/* The request starts when the loop accepts it. */
int
__wrap_FCGX_Accept_r(FCGX_Request *r)
{
	if (served == 0 && !armed) {
		count = 0;
		armed = 1;
	}
	return __real_FCGX_Accept_r(r);
}

/*
 * It ends when the worker frees the request (FCGX_Free, after the
 * answer is written): report, then leave the loop.
 */
void
__wrap_FCGX_Free(FCGX_Request *r, int shut)
{
	__real_FCGX_Free(r, shut);
	if (served++ > 0)
		return;
	armed = 0;
	if (report_fd != -1) {
		dprintf(report_fd, "%lu %d\n", count, injected);
		close(report_fd);
		report_fd = -1;
	}
	/* Blocked until the loop waits again: it then exits cleanly. */
	raise(SIGTERM);
}

/* The responder refuses FastCGI as root; the children need no -u. */
uid_t
__wrap_geteuid(void)
{
	uid_t	 u = __real_geteuid();

	return u == 0 ? 65534 : u;
}

/* ---- the harness (the parent and its workers) ---- */

enum verdict {
	V_NORMAL,	/* the baseline answer */
	V_5XX,		/* a 5xx answer */
	V_RESIDUAL,	/* a crash or leak inside a library */
	V_FAIL
};

static const char *const verdict_names[] = {
	"normal answer", "5xx", "residual risk", "FAIL"
};

struct trial {
	int		 answered;
	int		 status;
	int		 exited;	/* else signaled */
	int		 code;		/* exit status or signal */
	int		 hung;
	int		 reported;	/* the child reported its count */
	unsigned long	 count;
	int		 injected;
	char		*err;		/* the child's stderr */
	struct fc_answer ans;
};

struct site {
	char		 key[320];
	unsigned	 n;
	char		 first[160];	/* the first trial that hit it */
};

static const char	*conf;
static const char	*sockpath;
static const char	*errpath;
static int		 cgi_mode;	/* -C */
static int		 use_S = 1;	/* pass -S (no seccomp) to the child */
static int		 verbose;
static unsigned long	 maxtrials;	/* 0: every N */
static unsigned long	 only_n;	/* 0: all */
static const char	*savedir;	/* answers of failed trials */
static struct site	 sites[SITES_MAX];
static size_t		 nsites;
static FILE		*out;

static void
say(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fflush(out);
}

static void
add_site(const char *key, const char *first)
{
	size_t	 i;

	for (i = 0; i < nsites; i++)
		if (strcmp(sites[i].key, key) == 0) {
			sites[i].n++;
			return;
		}
	if (nsites == SITES_MAX)
		return;
	snprintf(sites[nsites].key, sizeof(sites[nsites].key), "%s", key);
	snprintf(sites[nsites].first, sizeof(sites[nsites].first), "%s",
	    first);
	sites[nsites++].n = 1;
}

/* A listening Unix socket at sockpath. */
static int
listener(void)
{
	struct sockaddr_un	 sun;
	int			 fd;

	unlink(sockpath);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, 8) == -1) {
		perror("fault: listener");
		exit(1);
	}
	return fd;
}

/* All of fd, NUL-terminated (its length in *lenp, when given), or NULL. */
static char *
slurp_fd(int fd, size_t *lenp)
{
	char	*p = NULL, *np;
	size_t	 len = 0, cap = 0;
	ssize_t	 r;

	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap == 0 ? 8192 : cap * 2;
			if ((np = realloc(p, cap)) == NULL) {
				free(p);
				return NULL;
			}
			p = np;
		}
		r = read(fd, p + len, cap - len - 1);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	if (p != NULL)
		p[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return p;
}

/* Run the child side: the real FastCGI loop on the socket. */
static void
child(int lfd, int repfd, unsigned long n)
{
	char	*argv[6];
	int	 argc = 0, fd;

	if (dup2(lfd, 0) == -1)
		_exit(1);
	if ((fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1 ||
	    dup2(fd, 2) == -1)
		_exit(1);
	if ((fd = open("/dev/null", O_WRONLY)) != -1)
		dup2(fd, 1);
	fail_at = n;
	report_fd = repfd;
	argv[argc++] = (char *)"mailautoconf";
	if (use_S)
		argv[argc++] = (char *)"-S";
	argv[argc++] = (char *)"-c";
	argv[argc++] = (char *)conf;
	argv[argc] = NULL;
	optind = 0;	/* the harness used getopt: start afresh */
	exit(mac_main(argc, argv));
}

/* -C: a CGI process for case c; its stdin and stdout are files. */
static void
child_cgi(const struct fc_case *c, int repfd, unsigned long n)
{
	char		 inpath[320], outpath[320], *argv[2];
	const char	*q;
	int		 fd, rc;

	snprintf(inpath, sizeof(inpath), "%s.in", errpath);
	snprintf(outpath, sizeof(outpath), "%s.out", errpath);
	if ((fd = open(inpath, O_RDONLY)) == -1 || dup2(fd, 0) == -1 ||
	    (fd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1 ||
	    dup2(fd, 1) == -1 ||
	    (fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1 ||
	    dup2(fd, 2) == -1)
		_exit(1);
	if (clearenv() != 0 ||
	    setenv("GATEWAY_INTERFACE", "CGI/1.1", 1) == -1 ||
	    setenv("SERVER_PROTOCOL", "HTTP/1.1", 1) == -1 ||
	    setenv("REQUEST_METHOD", c->method, 1) == -1 ||
	    setenv("REQUEST_URI", c->uri, 1) == -1 ||
	    setenv("QUERY_STRING", (q = strchr(c->uri, '?')) != NULL ?
	    q + 1 : "", 1) == -1 ||
	    (c->host != NULL && setenv("HTTP_HOST", c->host, 1) == -1) ||
	    (c->clen != NULL && setenv("CONTENT_LENGTH", c->clen, 1) == -1) ||
	    setenv("MAILAUTOCONF_CONF", conf, 1) == -1)
		_exit(1);
	argv[0] = (char *)"mailautoconf";
	argv[1] = NULL;
	optind = 0;
	fail_at = n;
	count = 0;
	armed = 1;
	rc = mac_main(1, argv);
	armed = 0;
	fflush(stdout);
	dprintf(repfd, "%lu %d\n", count, injected);
	close(repfd);
	exit(rc);
}

static double
mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Fork the child of a trial: a CGI process (-C) or a responder on the
 * listening socket lfd; it reports on rep[1].
 */
static pid_t
start_child(const struct fc_case *c, int lfd, int rep[2], unsigned long n)
{
	pid_t	 pid;

	fflush(NULL);
	if ((pid = fork()) == -1) {
		perror("fault: fork");
		exit(1);
	}
	if (pid == 0) {
		close(rep[0]);
		if (cgi_mode)
			child_cgi(c, rep[1], n);
		child(lfd, rep[1], n);
	}
	close(rep[1]);
	return pid;
}

/* Wait for pid, killing it after TRIAL_TIMEOUT; fills t's exit fields. */
static void
reap(pid_t pid, struct trial *t)
{
	double	 until = mono() + TRIAL_TIMEOUT;
	int	 st;

	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (mono() > until) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			t->hung = 1;
			break;
		}
		usleep(2000);
	}
	t->exited = WIFEXITED(st);
	t->code = WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st);
}

/* The allocation count the child reported, and its stderr. */
static void
collect(int repfd, struct trial *t)
{
	char	*r;
	int	 fd;

	if ((r = slurp_fd(repfd, NULL)) != NULL &&
	    sscanf(r, "%lu %d", &t->count, &t->injected) == 2)
		t->reported = 1;
	free(r);
	close(repfd);
	if ((fd = open(errpath, O_RDONLY)) != -1) {
		t->err = slurp_fd(fd, NULL);
		close(fd);
	}
	if (t->err == NULL)
		t->err = strdup("");
}

/*
 * -C: one trial as a CGI.  An answer is whatever the process wrote when
 * it exited by itself.
 */
static void
run_cgi_trial(const struct fc_case *c, unsigned long n, struct trial *t)
{
	char	 path[320];
	pid_t	 pid;
	int	 rep[2], fd;
	char	*r;
	size_t	 len;

	snprintf(path, sizeof(path), "%s.in", errpath);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1 ||
	    (c->body != NULL && write(fd, c->body, c->bodylen) !=
	    (ssize_t)c->bodylen) || close(fd) == -1 || pipe(rep) == -1) {
		perror("fault: request body");
		exit(1);
	}
	pid = start_child(c, -1, rep, n);
	reap(pid, t);
	collect(rep[0], t);
	t->ans.len = t->ans.status = 0;
	t->ans.headlen = 0;
	snprintf(path, sizeof(path), "%s.out", errpath);
	if (t->exited && (fd = open(path, O_RDONLY)) != -1) {
		if ((r = slurp_fd(fd, &len)) != NULL) {
			free(t->ans.buf);
			t->ans.buf = r;
			t->ans.len = t->ans.cap = len;
			t->ans.ended = 1;	/* the process's exit */
			t->answered = 1;
		}
		close(fd);
	}
	if (t->answered)
		fc_answer_head(&t->ans);
	t->status = t->ans.status;
}

/* One trial: allocation n of the request fails (0: none). */
static void
run_trial(const struct fc_case *c, unsigned long n, struct trial *t)
{
	char	 why[256], addr[200];
	pid_t	 pid;
	int	 lfd, rep[2];

	t->answered = t->status = t->hung = t->reported = t->injected = 0;
	t->count = 0;
	free(t->err);
	t->err = NULL;
	if (cgi_mode) {
		run_cgi_trial(c, n, t);
		return;
	}
	lfd = listener();
	if (pipe(rep) == -1) {
		perror("fault: pipe");
		exit(1);
	}
	pid = start_child(c, lfd, rep, n);
	close(lfd);
	snprintf(addr, sizeof(addr), "unix:%s", sockpath);
	if (fc_send(addr, c, &t->ans, ANSWER_TIMEOUT, why, sizeof(why)) == 0)
		t->answered = 1;
	t->status = t->ans.status;
	reap(pid, t);
	collect(rep[0], t);
}

/* ---- reading the sanitizers' stacks ---- */

/*
 * The children print stacks unsymbolized (symbolize=0: symbolizing
 * against libc's debug information costs a second per report), so
 * every frame reads "#N 0xPC (MODULE+0xOFFSET)".  The harness names
 * the few frames it reports itself: addr2line for our binary, the
 * dynamic symbol table (nm -D -S) for libraries, whose static functions
 * stay "+0xOFFSET".
 */
struct frame {
	char		 path[256];	/* the module */
	char		 mod[64];	/* its file name */
	unsigned long	 off;
	int		 ours;
	int		 skip;		/* libc, the sanitizers, the shim */
};

static const char *const skip_mods[] = {
	"libasan", "libubsan", "liblsan", "libc.so", "ld-linux", "libgcc_s",
	"libpthread", "libstdc++"
};

static char		 self[256];	/* our binary */
static unsigned long	 shim_lo, shim_hi;	/* the shim's offsets */

extern const char __start_fault_shim[], __stop_fault_shim[];

static void
self_init(void)
{
	Dl_info	 di;
	ssize_t	 n;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) < 0)
		n = 0;
	self[n] = '\0';
	if (dladdr((const void *)&served, &di) != 0) {
		shim_lo = (unsigned long)(__start_fault_shim -
		    (const char *)di.dli_fbase);
		shim_hi = (unsigned long)(__stop_fault_shim -
		    (const char *)di.dli_fbase);
	}
}

/* Parse "    #N 0xPC (MODULE+0xOFF)"; 0, or -1 if not a frame. */
static int
parse_frame(const char *s, size_t len, struct frame *f)
{
	const char	*open, *plus, *close;
	size_t		 i, n;

	memset(f, 0, sizeof(*f));
	while (len > 0 && *s == ' ') {
		s++;
		len--;
	}
	if (len == 0 || *s != '#' ||
	    (open = memchr(s, '(', len)) == NULL ||
	    (close = memchr(open, ')', len - (size_t)(open - s))) == NULL)
		return -1;
	for (plus = close; plus > open && *plus != '+'; plus--)
		;
	if (plus == open)
		return -1;
	n = (size_t)(plus - open - 1);
	if (n >= sizeof(f->path))
		n = sizeof(f->path) - 1;
	memcpy(f->path, open + 1, n);
	f->path[n] = '\0';
	snprintf(f->mod, sizeof(f->mod), "%.63s", strrchr(f->path, '/') != NULL ?
	    strrchr(f->path, '/') + 1 : f->path);
	f->off = strtoul(plus + 1, NULL, 16);
	f->ours = strcmp(f->path, self) == 0;
	if (f->ours && f->off >= shim_lo && f->off < shim_hi)
		f->skip = 1;
	for (i = 0; i < sizeof(skip_mods) / sizeof(skip_mods[0]); i++)
		if (strncmp(f->mod, skip_mods[i], strlen(skip_mods[i])) == 0)
			f->skip = 1;
	return 0;
}

#define CACHE_MAX	512

struct named {
	char		 path[256];
	unsigned long	 lo, hi;	/* our frames: lo the offset, hi 0 */
	char		 name[200];
};

static struct named	 names[CACHE_MAX];
static size_t		 nnames;

static void
remember(const char *path, unsigned long lo, unsigned long hi,
    const char *name)
{
	if (nnames == CACHE_MAX)
		return;
	snprintf(names[nnames].path, sizeof(names[nnames].path), "%s", path);
	names[nnames].lo = lo;
	names[nnames].hi = hi;
	snprintf(names[nnames].name, sizeof(names[nnames].name), "%s", name);
	nnames++;
}

/* Our frame as "function (file:line)", by addr2line. */
static void
name_ours(unsigned long off, char *dst, size_t dstsz)
{
	char	 cmd[400], fn[200] = "?", loc[300] = "?", *slash;
	FILE	*p;
	size_t	 i;

	for (i = 0; i < nnames; i++)
		if (names[i].hi == 0 && names[i].lo == off) {
			snprintf(dst, dstsz, "%s", names[i].name);
			return;
		}
	snprintf(cmd, sizeof(cmd), "addr2line -f -e '%s' 0x%lx 2>/dev/null",
	    self, off);
	if ((p = popen(cmd, "r")) != NULL) {
		if (fgets(fn, sizeof(fn), p) == NULL ||
		    fgets(loc, sizeof(loc), p) == NULL)
			loc[0] = '\0';
		pclose(p);
	}
	fn[strcspn(fn, "\n")] = '\0';
	loc[strcspn(loc, "\n (")] = '\0';
	slash = strrchr(loc, '/');
	snprintf(dst, dstsz, "%.100s (%.90s)", fn, slash != NULL ? slash + 1 :
	    loc);
	remember(self, off, 0, dst);
}

struct sym {
	unsigned long	 lo, hi;
	char		*name;
};

struct symtab {
	char		 path[256];
	struct sym	*v;
	size_t		 n;
};

static struct symtab	 libs[16];
static size_t		 nlibs;

/* The exported functions of library path, by nm -D -S. */
static struct symtab *
symtab(const char *path)
{
	struct symtab	*t;
	struct sym	*nv;
	char		 cmd[400], line[512], name[256], type;
	unsigned long	 addr, size;
	FILE		*p;
	size_t		 i;

	for (i = 0; i < nlibs; i++)
		if (strcmp(libs[i].path, path) == 0)
			return &libs[i];
	if (nlibs == sizeof(libs) / sizeof(libs[0]))
		return NULL;
	t = &libs[nlibs++];
	snprintf(t->path, sizeof(t->path), "%s", path);
	snprintf(cmd, sizeof(cmd), "nm -D -S --defined-only '%s' 2>/dev/null",
	    path);
	if ((p = popen(cmd, "r")) == NULL)
		return t;
	while (fgets(line, sizeof(line), p) != NULL) {
		if (sscanf(line, "%lx %lx %c %255s", &addr, &size, &type,
		    name) != 4 || (type != 'T' && type != 't') || size == 0)
			continue;
		if ((nv = realloc(t->v, (t->n + 1) * sizeof(*nv))) == NULL)
			break;
		t->v = nv;
		nv[t->n].lo = addr;
		nv[t->n].hi = addr + size;
		name[strcspn(name, "@")] = '\0';
		if ((nv[t->n].name = strdup(name)) != NULL)
			t->n++;
	}
	pclose(p);
	return t;
}

/* The exported function of library path holding off; 0 or -1. */
static int
name_lib(const char *path, unsigned long off, char *dst, size_t dstsz)
{
	struct symtab	*t;
	size_t		 i;

	if ((t = symtab(path)) == NULL)
		return -1;
	for (i = 0; i < t->n; i++)
		if (off >= t->v[i].lo && off < t->v[i].hi) {
			snprintf(dst, dstsz, "%s", t->v[i].name);
			return 0;
		}
	return -1;
}

/*
 * Name the site of the stack starting at s: our code, or the library
 * with its first frame (named when exported), the exported function it
 * runs under, and our caller.  Returns 1 for our code, 0 for a library,
 * -1 when no usable frame was found.
 */
static int
stack_site(const char *s, char *key, size_t keysz)
{
	struct frame	 f, first;
	const char	*e;
	char		 fn[256], under[256] = "", caller[256] = "", tmp[256];
	int		 have = 0;

	key[0] = '\0';
	for (; *s != '\0'; s = e + 1) {
		if ((e = strchr(s, '\n')) == NULL)
			e = s + strlen(s);
		if (parse_frame(s, (size_t)(e - s), &f) == -1) {
			if (have || *e == '\0')
				break;
			continue;
		}
		if (!have && !f.skip) {
			first = f;
			have = 1;
			if (f.ours)
				break;
		} else if (have && !f.skip) {
			if (f.ours) {
				name_ours(f.off, caller, sizeof(caller));
				break;
			}
			/* The last exported function: our entry point. */
			if (strcmp(f.path, first.path) == 0 &&
			    name_lib(f.path, f.off, tmp, sizeof(tmp)) == 0)
				snprintf(under, sizeof(under), "%s", tmp);
		}
		if (*e == '\0')
			break;
	}
	if (!have) {
		snprintf(key, keysz, "unknown site");
		return -1;
	}
	if (first.ours) {
		name_ours(first.off, fn, sizeof(fn));
		snprintf(key, keysz, "our code: %.200s", fn);
		return 1;
	}
	if (name_lib(first.path, first.off, fn, sizeof(fn)) == -1)
		snprintf(fn, sizeof(fn), "+0x%lx", first.off);
	if (strcmp(under, fn) == 0)
		under[0] = '\0';
	snprintf(key, keysz, "%.40s: %.60s%s%.60s%s%.100s", first.mod, fn,
	    under[0] != '\0' ? " in " : "", under,
	    caller[0] != '\0' ? ", called from " : "", caller);
	return 0;
}

/*
 * The place of a failed assert(3), "file.c:75: Function", from its
 * message "PROGRAM: file.c:75: Function: Assertion `...' failed."
 */
static void
assert_text(const char *err, char *dst, size_t dstsz)
{
	const char	*a, *b;

	dst[0] = '\0';
	if ((a = strstr(err, ": Assertion `")) == NULL)
		return;
	for (b = a; b > err && b[-1] != '\n'; b--)
		;
	if (strncmp(b, "fault: ", 7) == 0)
		b += 7;
	snprintf(dst, dstsz, "%.*s", (int)(a - b), b);
}

/* Normalize Outlook's error Time="…" before comparing answers. */
static int
same_answer(const struct fc_answer *a, const struct fc_answer *b)
{
	const char	*p, *q;
	size_t		 i, j;

	if (a->len != b->len)
		return 0;
	p = a->buf;
	q = b->buf;
	for (i = 0; i < a->len; i++) {
		if (p[i] == q[i])
			continue;
		/* Inside a Time="…" attribute value: digits may differ. */
		for (j = i; j > 0 && p[j - 1] != '"'; j--)
			;
		if (j >= 6 && memcmp(p + j - 6, "Time=\"", 6) == 0 &&
		    p[i] >= '0' && p[i] <= '9' && q[i] >= '0' && q[i] <= '9')
			continue;
		return 0;
	}
	return 1;
}

/*
 * A signed profile carries its signing time, so two signatures of the
 * same profile differ: the same headers, the same length and the same
 * plist inside make the same answer.
 */
static int
same_signed(const struct trial *base, const struct trial *t)
{
	const char	*bb, *tb, *p, *e;
	size_t		 bl, tl;

	if (base->ans.headlen != t->ans.headlen ||
	    memcmp(base->ans.buf, t->ans.buf, base->ans.headlen) != 0 ||
	    strstr(base->ans.buf, "aspen-config") == NULL)
		return 0;
	bb = fc_body(&base->ans, &bl);
	tb = fc_body(&t->ans, &tl);
	if (bl != tl || (p = memmem(bb, bl, "<?xml", 5)) == NULL ||
	    (e = memmem(p, bl - (size_t)(p - bb), "</plist>", 8)) == NULL ||
	    p == bb)
		return 0;
	return memmem(tb, tl, p, (size_t)(e + 8 - p)) != NULL;
}

/*
 * Judge a trial against the baseline; the reason goes to why, residual
 * sites are recorded.
 */
static enum verdict
judge(const struct fc_case *c, unsigned long n, const struct trial *base,
    const struct trial *t, char *why, size_t whysz)
{
	char		 key[320], first[160], inj[320];
	const char	*p, *stack;
	int		 where, ours = 0, lib = 0, leaked = 0, crashed = 0;

	snprintf(first, sizeof(first), "%s N=%lu", c->name, n);
	why[0] = '\0';
	if (t->hung) {
		snprintf(why, whysz, "hung: killed after %d s", TRIAL_TIMEOUT);
		return V_FAIL;
	}
	/* Crashes: ASan (SEGV, ABRT, memory errors) and UBSan. */
	if ((p = strstr(t->err, "ERROR: AddressSanitizer")) != NULL ||
	    (p = strstr(t->err, "runtime error:")) != NULL) {
		char	 k2[400], head[121], as[100];

		snprintf(head, sizeof(head), "%.*s", (int)strcspn(p, "\n"), p);
		stack = strstr(p, "    #0 ");
		where = stack != NULL ? stack_site(stack, key, sizeof(key)) :
		    -1;
		if (where != 0) {
			snprintf(why, whysz, "crash in %s: %s",
			    where == 1 ? key : "an unknown place", head);
			return V_FAIL;
		}
		snprintf(why, whysz, "crash: %s", key);
		assert_text(t->err, as, sizeof(as));
		snprintf(k2, sizeof(k2), "%s: %s%s%s", key,
		    strstr(head, "SEGV") != NULL ? "SIGSEGV" :
		    strstr(head, "ABRT") != NULL ? "SIGABRT" :
		    strstr(head, "runtime error") != NULL ? "undefined behaviour" :
		    "memory error", as[0] != '\0' ? ", assertion in " : "", as);
		add_site(k2, first);
		crashed = 1;
	} else if (!t->exited) {
		snprintf(why, whysz, "killed by signal %d, no report",
		    t->code);
		return V_FAIL;
	}
	/* Leaks: each record's allocation stack. */
	inj[0] = '\0';
	if ((p = strstr(t->err, "fault: injected allocation failure")) !=
	    NULL && (stack = strstr(p, "    #0 ")) != NULL)
		stack_site(stack, inj, sizeof(inj));
	for (p = t->err; (p = strstr(p, " leak of ")) != NULL; p++) {
		char	 k2[700];

		leaked = 1;
		stack = strstr(p, "    #0 ");
		where = stack != NULL ? stack_site(stack, key, sizeof(key)) :
		    -1;
		if (where != 0) {
			snprintf(why, whysz, "leak allocated in %s",
			    where == 1 ? key : "an unknown place");
			ours = 1;
			break;
		}
		snprintf(k2, sizeof(k2), "%.140s: leaks what it allocated "
		    "when this allocation failed: %.240s", key,
		    inj[0] != '\0' ? inj : "?");
		add_site(k2, first);
		lib = 1;
	}
	if (ours)
		return V_FAIL;
	if (!leaked && strstr(t->err, "ERROR: LeakSanitizer") != NULL) {
		snprintf(why, whysz, "LeakSanitizer failed: %.100s",
		    strstr(t->err, "ERROR: LeakSanitizer"));
		return V_FAIL;
	}
	if (crashed)
		return V_RESIDUAL;
	/* No crash, no leak in our code: the answer. */
	if (!t->answered) {
		snprintf(why, whysz, "no answer; child exited %d", t->code);
		return V_FAIL;
	}
	/* LeakSanitizer's exit status 23 is the library leak above. */
	if (t->code != 0 && !(lib && t->code == 23)) {
		snprintf(why, whysz, "answered %d, but the child exited %d",
		    t->status, t->code);
		return V_FAIL;
	}
	if (t->status >= 500 && t->status <= 599) {
		snprintf(why, whysz, "%d%s", t->status, lib ?
		    ", and a leak inside a library" : "");
		return lib ? V_RESIDUAL : V_5XX;
	}
	if (same_answer(&base->ans, &t->ans) || same_signed(base, t)) {
		if (lib)
			snprintf(why, whysz, "normal answer, and a leak inside "
			    "a library");
		return lib ? V_RESIDUAL : V_NORMAL;
	}
	{
		size_t		 blen;
		const char	*b = fc_body(&t->ans, &blen);
		const char	*ec = memmem(b, blen, "<ErrorCode>", 11);

		snprintf(why, whysz, "wrong answer: status %d%s%.3s, want the "
		    "baseline (status %d)%s", t->status,
		    ec != NULL ? ", ErrorCode " : "", ec != NULL ? ec + 11 : "",
		    base->status, lib ? ", and a leak inside a library" : "");
	}
	return V_FAIL;
}

struct tally {
	unsigned long	 pass;
	unsigned long	 fail;
	unsigned long	 by[4];
};

/* With -o: keep an answer as DIR/NAME-N.answer. */
static void
save(const struct fc_case *c, unsigned long n, const struct trial *t)
{
	char	 path[512];
	FILE	*fp;

	if (savedir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s-%lu.answer", savedir, c->name, n);
	if ((fp = fopen(path, "wb")) == NULL)
		return;
	fwrite(t->ans.buf, 1, t->ans.len, fp);
	fclose(fp);
}

/*
 * Merge a worker's output file: trial lines to stdout, its TALLY into
 * *tl, its SITE lines into the sites.
 */
static void
merge(const char *path, struct tally *tl)
{
	char		 line[1024], *f1, *f2;
	unsigned long	 a, b, c0, c1, c2, c3;
	unsigned	 k;
	size_t		 j;
	FILE		*fp;

	if ((fp = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, "TALLY %lu %lu %lu %lu %lu %lu", &a, &b, &c0,
		    &c1, &c2, &c3) == 6) {
			tl->pass += a;
			tl->fail += b;
			tl->by[0] += c0;
			tl->by[1] += c1;
			tl->by[2] += c2;
			tl->by[3] += c3;
		} else if (strncmp(line, "SITE ", 5) == 0 &&
		    (f1 = strchr(line, '\t')) != NULL &&
		    (f2 = strchr(f1 + 1, '\t')) != NULL) {
			k = (unsigned)strtoul(line + 5, NULL, 10);
			*f2++ = '\0';
			f2[strcspn(f2, "\n")] = '\0';
			add_site(f2, f1 + 1);
			for (j = 0; j < nsites; j++)
				if (strcmp(sites[j].key, f2) == 0)
					sites[j].n += k - 1;
		} else
			fputs(line, stdout);
	}
	fclose(fp);
	unlink(path);
}

/*
 * The trials of one case given to worker w of jobs: every jobs-th of
 * the values of N, written to dir/w.out for merge().
 */
static void
worker(const struct fc_case *c, const struct trial *base,
    unsigned long stride, int w, int jobs, const char *dir)
{
	struct trial	 t;
	struct tally	 wt;
	enum verdict	 v;
	char		 why[512], path[300], sp[300], ep[300];
	unsigned long	 n, i, shown = 0;
	size_t		 j;

	snprintf(path, sizeof(path), "%s/%d.out", dir, w);
	snprintf(sp, sizeof(sp), "%s/%d.sock", dir, w);
	snprintf(ep, sizeof(ep), "%s/%d.err", dir, w);
	sockpath = sp;
	errpath = ep;
	nsites = 0;	/* the parent's are the parent's */
	if ((out = fopen(path, "w")) == NULL)
		_exit(1);
	memset(&t, 0, sizeof(t));
	memset(&wt, 0, sizeof(wt));
	for (i = 0, n = 1; n <= base->count + 1; n += stride, i++) {
		if (n + stride > base->count + 1)
			n = base->count + 1;	/* always the last */
		if (i % (unsigned long)jobs != (unsigned long)w ||
		    (only_n != 0 && n != only_n))
			continue;
		run_trial(c, n, &t);
		v = judge(c, n, base, &t, why, sizeof(why));
		wt.by[v]++;
		if (v == V_FAIL) {
			save(c, n, &t);
			wt.fail++;
			if (shown++ < 5 || verbose) {
				say("not ok - %s N=%lu of %lu: %s\n", c->name,
				    n, base->count, why);
				if (verbose)
					say("%s", t.err);
			}
		} else {
			wt.pass++;
			if (verbose)
				say("ok - %s N=%lu of %lu: %s%s%s\n", c->name,
				    n, base->count, verdict_names[v],
				    why[0] != '\0' ? ": " : "", why);
			if (verbose > 1)
				say("%s", t.err);
		}
		if (n == base->count + 1 && t.injected)
			say("# %s: N=%lu failed an allocation: this run made "
			    "more than the baseline's %lu (OpenSSL's counts "
			    "vary from run to run)\n", c->name, n,
			    base->count);
	}
	if (shown > 5 && !verbose)
		say("not ok - %s: %lu more failures\n", c->name, shown - 5);
	say("TALLY %lu %lu %lu %lu %lu %lu\n", wt.pass, wt.fail, wt.by[0],
	    wt.by[1], wt.by[2], wt.by[3]);
	for (j = 0; j < nsites; j++)
		say("SITE %u\t%s\t%s\n", sites[j].n, sites[j].first,
		    sites[j].key);
	fclose(out);
	unlink(sp);
	unlink(ep);
	_exit(0);
}

/*
 * Every trial of one case: the baseline here, the trials shared among
 * jobs worker processes (a signed profile alone makes some 3,500).
 */
static void
run_case(const struct fc_case *c, struct tally *tl, int jobs,
    const char *dir)
{
	struct trial	 base;
	struct tally	 ct;
	char		 why[512], path[300];
	unsigned long	 n, stride, ntrials = 0;
	pid_t		 pids[JOBS_MAX];
	int		 w, st;

	memset(&base, 0, sizeof(base));
	memset(&ct, 0, sizeof(ct));
	why[0] = '\0';
	run_trial(c, 0, &base);
	if (base.answered && base.exited && base.code == 64 && use_S) {
		/* A responder without -S (no seccomp option). */
		use_S = 0;
		run_trial(c, 0, &base);
	}
	if (!base.reported || !base.answered || base.code != 0 ||
	    !fc_check(c, &base.ans, why, sizeof(why)) ||
	    strstr(base.err, "ERROR:") != NULL) {
		if (why[0] == '\0' || base.answered == 0)
			snprintf(why, sizeof(why), "%s", base.answered ?
			    "crash or leak" : "no answer");
		say("not ok - %s: baseline (no failure injected): %s; exit "
		    "%d\n", c->name, why, base.code);
		say("%s", base.err);
		tl->fail++;
		goto out;
	}
	save(c, 0, &base);
	stride = maxtrials > 0 && base.count + 1 > maxtrials ?
	    (base.count + maxtrials) / maxtrials : 1;
	for (n = 1; n <= base.count + 1; n += stride) {
		if (n + stride > base.count + 1)
			n = base.count + 1;
		if (only_n == 0 || n == only_n)
			ntrials++;
	}
	for (w = 0; w < jobs; w++) {
		fflush(NULL);
		if ((pids[w] = fork()) == -1) {
			perror("fault: fork");
			exit(1);
		}
		if (pids[w] == 0)
			worker(c, &base, stride, w, jobs, dir);
	}
	for (w = 0; w < jobs; w++) {
		if (waitpid(pids[w], &st, 0) == -1 || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0) {
			say("not ok - %s: worker %d died (status %d)\n",
			    c->name, w, st);
			ct.fail++;
		}
		snprintf(path, sizeof(path), "%s/%d.out", dir, w);
		merge(path, &ct);
	}
	say("%s - %s: %lu allocations, %lu trials%s: %lu normal, %lu 5xx, "
	    "%lu residual, %lu failed\n", ct.fail == 0 ? "ok" : "not ok",
	    c->name, base.count, ntrials, stride > 1 ? " (sampled)" : "",
	    ct.by[V_NORMAL], ct.by[V_5XX], ct.by[V_RESIDUAL], ct.by[V_FAIL]);
	tl->pass += ct.pass;
	tl->fail += ct.fail;
	for (n = 0; n < 4; n++)
		tl->by[n] += ct.by[n];
out:
	fc_answer_free(&base.ans);
	free(base.err);
}

static void
usage(void)
{
	fputs("usage: fault [-C] [-j jobs] [-k name] [-N n] [-n max] [-o dir] "
	    "[-v] [-x name] -c conf -g gendir table...\n", stderr);
	exit(64);
}

int
main(int argc, char *argv[])
{
	struct fc_case	*cases = NULL;
	struct tally	 tl;
	const char	*gendir = ".", *only = NULL, *skip = NULL;
	char		 dir[] = "/tmp/fault.XXXXXX", sp[300], ep[300];
	size_t		 n = 0, i, j;
	int		 ch, jobs = 1, rc = 0;

	out = stdout;
	self_init();
	while ((ch = getopt(argc, argv, "Cc:g:j:k:N:n:o:vx:")) != -1) {
		switch (ch) {
		case 'C':
			cgi_mode = 1;
			break;
		case 'c':
			conf = optarg;
			break;
		case 'g':
			gendir = optarg;
			break;
		case 'j':
			jobs = atoi(optarg);
			if (jobs < 1 || jobs > JOBS_MAX)
				usage();
			break;
		case 'k':
			only = optarg;
			break;
		case 'N':
			only_n = strtoul(optarg, NULL, 10);
			break;
		case 'n':
			maxtrials = strtoul(optarg, NULL, 10);
			break;
		case 'o':
			savedir = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'x':
			skip = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (conf == NULL || argc < 1)
		usage();
	for (ch = 0; ch < argc; ch++)
		if (fc_load(argv[ch], gendir, &cases, &n) == -1)
			return 1;
	if (mkdtemp(dir) == NULL) {
		perror("fault: mkdtemp");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	memset(&tl, 0, sizeof(tl));
	/* The baselines run here, on their own socket. */
	snprintf(sp, sizeof(sp), "%s/base.sock", dir);
	snprintf(ep, sizeof(ep), "%s/base.err", dir);
	sockpath = sp;
	errpath = ep;
	for (i = 0; i < n; i++) {
		if ((only != NULL && strncmp(cases[i].name, only,
		    strlen(only)) != 0) || (skip != NULL &&
		    strncmp(cases[i].name, skip, strlen(skip)) == 0))
			continue;
		run_case(&cases[i], &tl, jobs, dir);
	}
	unlink(sp);
	unlink(ep);
	rmdir(dir);
	printf("fault: %lu trials: %lu normal answers, %lu 5xx, %lu "
	    "residual, %lu failed\n", tl.pass + tl.fail, tl.by[V_NORMAL],
	    tl.by[V_5XX], tl.by[V_RESIDUAL], tl.by[V_FAIL]);
	printf("fault: residual-risk sites (library: function; first "
	    "trial; trials):%s\n", nsites == 0 ? " none" : "");
	for (j = 0; j < nsites; j++)
		printf("fault:   %s  [%s; %u]\n", sites[j].key, sites[j].first,
		    sites[j].n);
	printf("fault: %lu passed, %lu failed\n", tl.pass, tl.fail);
	fc_free(cases, n);
	free(cases);
	if (tl.fail > 0)
		rc = 1;
	return rc;
}
