/*
 * Optional seccomp allow-list for the FastCGI request loop (libseccomp;
 * built in when HAVE_SECCOMP is defined).  After the privilege drop a
 * compromised process may still read the config files (SIGHUP reloads
 * them), talk on the sockets it has, allocate memory and write logs;
 * running programs, opening network connections, tracing or changing
 * identity kill it.  Anything else not listed fails with EPERM rather
 * than killing, so an unexpected but harmless call in a library update
 * cannot take the service down.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mailautoconf.h"

#ifdef HAVE_SECCOMP

#include <dlfcn.h>
#include <seccomp.h>

/*
 * libseccomp is opened when the FastCGI loop starts, not linked: a
 * plain CGI (one process per request) never needs it.
 */
#ifndef LIBSECCOMP_SONAME
#define LIBSECCOMP_SONAME	"libseccomp.so.2"
#endif

static struct {
	scmp_filter_ctx (*init)(uint32_t);
	int	 (*rule_add)(scmp_filter_ctx, uint32_t, int, unsigned int, ...);
	int	 (*load)(const scmp_filter_ctx);
	void	 (*release)(scmp_filter_ctx);
} L;

static int
seccomp_open(void)
{
	void	*h;

	if ((h = dlopen(LIBSECCOMP_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL &&
	    (h = dlopen("libseccomp.so", RTLD_NOW | RTLD_LOCAL)) == NULL)
		return -1;
	*(void **)&L.init = dlsym(h, "seccomp_init");
	*(void **)&L.rule_add = dlsym(h, "seccomp_rule_add");
	*(void **)&L.load = dlsym(h, "seccomp_load");
	*(void **)&L.release = dlsym(h, "seccomp_release");
	return L.init != NULL && L.rule_add != NULL && L.load != NULL &&
	    L.release != NULL ? 0 : -1;
}

/*
 * A sanitizer build checks for leaks at exit with a ptrace'd helper
 * thread and much of /proc: there the filter only kills the listed
 * calls and lets the rest through.  test_sandbox checks that build.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER_BUILD
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZER_BUILD
#endif
#endif
#ifdef SANITIZER_BUILD
#define DEFAULT_ACTION	SCMP_ACT_ALLOW
#else
#define DEFAULT_ACTION	SCMP_ACT_ERRNO(EPERM)
#endif

int
sandbox_available(void)
{
	return 1;
}

/* Allowed in every process: what serving and reloading need. */
static const int allow_all[] = {
	/* I/O on the sockets and files we hold, and logging */
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv),
	SCMP_SYS(writev), SCMP_SYS(close), SCMP_SYS(lseek),
	SCMP_SYS(fcntl), SCMP_SYS(ioctl), SCMP_SYS(fstat),
	SCMP_SYS(newfstatat), SCMP_SYS(statx), SCMP_SYS(stat),
	SCMP_SYS(lstat),
	/* the accept loop (libfcgi) */
	SCMP_SYS(accept), SCMP_SYS(accept4), SCMP_SYS(pselect6),
	SCMP_SYS(select), SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait),
	SCMP_SYS(epoll_ctl),
	SCMP_SYS(shutdown), SCMP_SYS(setsockopt),
	SCMP_SYS(getsockopt), SCMP_SYS(getsockname),
	SCMP_SYS(getpeername), SCMP_SYS(recvfrom), SCMP_SYS(sendto),
	/* config reloads: open, read, glob */
	SCMP_SYS(open), SCMP_SYS(openat), SCMP_SYS(getdents64),
	/* memory */
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap),
	SCMP_SYS(mremap), SCMP_SYS(madvise), SCMP_SYS(mprotect),
	/* signals, time, exit */
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(sigaltstack),
	SCMP_SYS(rt_sigpending), SCMP_SYS(rt_sigsuspend),
	SCMP_SYS(clock_gettime), SCMP_SYS(alarm), SCMP_SYS(setitimer),
	SCMP_SYS(getitimer), SCMP_SYS(getppid),
	SCMP_SYS(gettimeofday), SCMP_SYS(time), SCMP_SYS(getpid),
	SCMP_SYS(gettid), SCMP_SYS(futex), SCMP_SYS(getrandom),
	SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(restart_syscall),
};

/*
 * Allowed in the parent of several workers too: starting, waiting for
 * and signalling workers, and what a new worker sets up.
 */
static const int allow_parent[] = {
	SCMP_SYS(clone), SCMP_SYS(clone3), SCMP_SYS(fork),
	SCMP_SYS(vfork), SCMP_SYS(wait4), SCMP_SYS(waitid),
	SCMP_SYS(kill), SCMP_SYS(rt_sigtimedwait), SCMP_SYS(prctl),
	SCMP_SYS(seccomp), SCMP_SYS(signalfd4),
	SCMP_SYS(epoll_create1), SCMP_SYS(prlimit64),
	SCMP_SYS(getrlimit), SCMP_SYS(setrlimit), SCMP_SYS(set_robust_list),
	SCMP_SYS(rseq), SCMP_SYS(set_tid_address),
};

/* Killed in a worker only: the parent starts and stops workers. */
static const int kill_worker[] = {
	SCMP_SYS(fork), SCMP_SYS(vfork),
#ifndef SANITIZER_BUILD
	/* LeakSanitizer's exit check clones a tracer thread. */
	SCMP_SYS(clone), SCMP_SYS(clone3),
	SCMP_SYS(kill), SCMP_SYS(tgkill),
#endif
};

/* Killed in every process. */
static const int kill_all[] = {
	SCMP_SYS(execve), SCMP_SYS(execveat),
#ifndef SANITIZER_BUILD
	SCMP_SYS(ptrace),
#endif
	SCMP_SYS(connect), SCMP_SYS(socket),
	SCMP_SYS(bind), SCMP_SYS(listen), SCMP_SYS(setuid),
	SCMP_SYS(setgid), SCMP_SYS(setreuid), SCMP_SYS(setregid),
	SCMP_SYS(setresuid), SCMP_SYS(setresgid), SCMP_SYS(setgroups),
	SCMP_SYS(chmod), SCMP_SYS(fchmod), SCMP_SYS(chown),
	SCMP_SYS(fchown), SCMP_SYS(unlink), SCMP_SYS(unlinkat),
	SCMP_SYS(rename), SCMP_SYS(renameat), SCMP_SYS(mount),
	SCMP_SYS(process_vm_writev),
};

#define NSYS(a)	(sizeof(a) / sizeof((a)[0]))

/* A rule with action for each of the n calls in sys; 0 or -errno. */
static int
add_rules(scmp_filter_ctx ctx, uint32_t action, const int *sys, size_t n)
{
	size_t	 i;
	int	 rc = 0;

	for (i = 0; i < n && rc == 0; i++)
		rc = L.rule_add(ctx, action, sys[i], 0);
	return rc;
}

/* The rules of a worker's filter, or of the parent's; 0 or -errno. */
static int
add_all_rules(scmp_filter_ctx ctx, int parent)
{
	int	 rc = 0;

#ifndef SANITIZER_BUILD
	rc = add_rules(ctx, SCMP_ACT_ALLOW, allow_all, NSYS(allow_all));
	if (rc == 0 && parent)
		rc = add_rules(ctx, SCMP_ACT_ALLOW, allow_parent,
		    NSYS(allow_parent));
#else
	/* The default action already allows them. */
	(void)allow_all;
	(void)allow_parent;
#endif
	if (rc == 0)
		rc = add_rules(ctx, SCMP_ACT_KILL_PROCESS, kill_all,
		    NSYS(kill_all));
	if (rc == 0 && !parent)
		rc = add_rules(ctx, SCMP_ACT_KILL_PROCESS, kill_worker,
		    NSYS(kill_worker));
	return rc;
}

/*
 * Install the filter in the calling process: a worker's, or with parent
 * set the one of the parent of several workers, which also starts and
 * stops workers (and passes its filter on to them, under their own).
 * Returns 0; 1 when libseccomp cannot be opened or the system cannot
 * build or load the filter (an old kernel, valgrind's emulation): said
 * on stderr, and the caller goes on without it; -1 when seccomp_init
 * fails.
 */
int
sandbox_enter(int parent)
{
	scmp_filter_ctx	 ctx;
	int		 rc;

	if (seccomp_open() == -1) {
		fprintf(stderr, "mailautoconf: cannot load %s: running "
		    "without the system call filter\n", LIBSECCOMP_SONAME);
		return 1;
	}
	if ((ctx = L.init(DEFAULT_ACTION)) == NULL) {
		fprintf(stderr, "mailautoconf: seccomp_init failed\n");
		return -1;
	}
	if ((rc = add_all_rules(ctx, parent)) == 0)
		rc = L.load(ctx);
	L.release(ctx);
	if (rc != 0) {
		fprintf(stderr, "mailautoconf: seccomp unavailable (%s): "
		    "running without the system call filter\n", strerror(-rc));
		return 1;
	}
	return 0;
}

#else /* !HAVE_SECCOMP */

int
sandbox_available(void)
{
	return 0;
}

int
sandbox_enter(int parent)
{
	(void)parent;
	return 1;
}

#endif /* HAVE_SECCOMP */
