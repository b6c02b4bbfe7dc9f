/*
 * workers.c: the parent of several FastCGI workers (-w N) on one
 * listening socket.  It holds the configuration (autoconf.c loaded it
 * before the forks, so the workers share its pages) and serves nothing
 * itself: it starts the workers, starts another when one dies, and takes
 * the signals.  SIGHUP: the parent loads the file first; when it is good it
 * keeps it for the workers it starts from then on and passes SIGHUP on,
 * and each worker reloads in place, between two requests, keeping its
 * connections; when it is broken, nothing changes.  Workers are not
 * replaced on a reload because a web server that keeps connections
 * (nginx's keepalive) may be sending a request on one at the moment it
 * is closed, and does not send a POST again.  SIGTERM and SIGUSR1 stop
 * every worker, then the parent.  Signals are taken one at a time with
 * sigwaitinfo(), so no handler races the loop; one SIGCHLD may stand for
 * several workers, and reap() collects them all.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mailautoconf.h"

#define RESTART_SOON	1	/* seconds: a worker dead sooner waits so
				   long before it is started again */
#define KILL_GRACE	2	/* seconds past -T before a stopping worker
				   is killed */

struct kid {
	pid_t		 pid;
	time_t		 born;
};

struct parent {
	struct config	*cfg;
	const struct serve_opts *o;
	sigset_t	 old;		/* the mask a worker starts with */
	struct kid	*kids;
	size_t		 nkids, cap;
	unsigned	 n;		/* workers wanted */
	unsigned	 owed;		/* restarts waiting for the alarm */
	int		 stopping;
};

static time_t
mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Start one worker with the current configuration; 0 or -1. */
static int
spawn(struct parent *p)
{
	struct kid	*k;
	pid_t		 pid, me = getpid();
	size_t		 ncap;

	if (p->nkids == p->cap) {
		ncap = p->cap * 2;
		if ((k = realloc(p->kids, ncap * sizeof(*k))) == NULL)
			return -1;
		p->kids = k;
		p->cap = ncap;
	}
	fflush(NULL);
	if ((pid = fork()) == -1) {
		fprintf(stderr, "mailautoconf: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* The worker: it goes when the parent goes. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != me)
			_exit(0);
		signal(SIGCHLD, SIG_DFL);
		sigprocmask(SIG_SETMASK, &p->old, NULL);
		free(p->kids);
		exit(fcgi_worker(p->cfg, p->o));
	}
	k = &p->kids[p->nkids++];
	k->pid = pid;
	k->born = mono();
	return 0;
}

/* Start owed workers now; those that cannot start are owed again. */
static void
pay(struct parent *p)
{
	while (p->owed > 0 && !p->stopping) {
		if (spawn(p) == -1) {
			alarm(RESTART_SOON);
			return;
		}
		p->owed--;
	}
}

/* Every worker that has ended: forgotten, and replaced. */
static void
reap(struct parent *p)
{
	struct kid	 k;
	size_t		 i;
	pid_t		 pid;
	int		 st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < p->nkids && p->kids[i].pid != pid; i++)
			;
		if (i == p->nkids)
			continue;
		k = p->kids[i];
		p->kids[i] = p->kids[--p->nkids];
		if (p->stopping)
			continue;
		if (WIFSIGNALED(st))
			fprintf(stderr, "mailautoconf: worker %ld ended by "
			    "signal %d; starting another\n", (long)pid,
			    WTERMSIG(st));
		else
			fprintf(stderr, "mailautoconf: worker %ld exited with "
			    "status %d; starting another\n", (long)pid,
			    WEXITSTATUS(st));
		p->owed++;
		/* One that died at once would die again: not in a loop. */
		if (mono() - k.born < RESTART_SOON)
			alarm(RESTART_SOON);
		else
			pay(p);
	}
}

/* Send sig to every worker. */
static void
tell(struct parent *p, int sig)
{
	size_t	 i;

	for (i = 0; i < p->nkids; i++)
		kill(p->kids[i].pid, sig);
}

/* Load the file again; when it is good, every worker loads it too. */
static void
reload(struct parent *p)
{
	if (serve_reload(p->o->path, &p->cfg) == -1)
		return;
	tell(p, SIGHUP);
	fprintf(stderr, "mailautoconf: %s: reloaded; the workers reload it "
	    "too\n", p->o->path);
}

/* Act on one signal taken by the parent. */
static void
on_signal(struct parent *p, int sig)
{
	switch (sig) {
	case SIGCHLD:
		reap(p);
		break;
	case SIGHUP:
		if (!p->stopping)
			reload(p);
		break;
	case SIGALRM:
		if (p->stopping)	/* past the grace: no more waiting */
			tell(p, SIGKILL);
		else
			pay(p);
		break;
	default:	/* SIGTERM, SIGUSR1: stop, the workers first */
		if (p->stopping)
			break;
		p->stopping = 1;
		tell(p, SIGTERM);
		alarm((unsigned)p->o->timeout + KILL_GRACE);
		break;
	}
}

int
workers_run(struct config *cfg, const struct serve_opts *o, unsigned n)
{
	struct parent	 p;
	siginfo_t	 si;
	sigset_t	 set;

	memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	p.o = o;
	p.n = n;
	p.cap = n;
	if ((p.kids = calloc(p.cap, sizeof(*p.kids))) == NULL) {
		fprintf(stderr, "mailautoconf: out of memory\n");
		config_free(cfg);
		return 71;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_BLOCK, &set, &p.old);
	signal(SIGPIPE, SIG_IGN);
	if (o->sandbox && sandbox_enter(1) == -1) {
		free(p.kids);
		config_free(cfg);
		return 71;
	}
	p.owed = n;
	pay(&p);
	while (!p.stopping || p.nkids > 0) {
		if (sigwaitinfo(&set, &si) != -1)
			on_signal(&p, si.si_signo);
	}
	free(p.kids);
	config_free(p.cfg);
	return 0;
}
