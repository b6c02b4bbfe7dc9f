/*
 * The seccomp filters of the FastCGI modes (sandbox.c): after
 * sandbox_enter() the work of a worker still runs (answer a request,
 * reload the config, write a log line), and running a program, opening
 * a network connection or changing identity kills the process.  The
 * parent of several workers may also start a worker and wait for it.
 * Each case runs in a child so the filter never reaches the test runner.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mailautoconf.h"

#define SAMPLE	"etc/mailautoconf.conf"

/* What a child does once the filter is in place; its exit status. */
typedef int (*childfn)(void);

static int	 do_work(void);

static int
do_work_exit(void)
{
	return do_work();
}

/*
 * Run fn in a child after sandbox_enter().  Returns the wait status.
 * The child leaves with _exit(): the sanitizers' exit-time work (leak
 * checking uses ptrace) is not what is tested here.
 */
static int
in_filter(childfn fn, int parent)
{
	pid_t	 pid;
	int	 st;

	fflush(NULL);
	if ((pid = fork()) == -1)
		fail_msg("fork failed");
	if (pid == 0) {
		if (sandbox_enter(parent) == -1)
			_exit(90);
		_exit(fn());
	}
	if (waitpid(pid, &st, 0) != pid)
		fail_msg("waitpid failed");
	return st;
}

static int
in_sandbox(childfn fn)
{
	return in_filter(fn, 0);
}

/* The parent's work: start a worker that answers, and wait for it. */
static int
do_fork_wait(void)
{
	pid_t	 pid;
	int	 st;

	if ((pid = fork()) == -1)
		return 20;
	if (pid == 0)
		_exit(do_work_exit());
	if (waitpid(pid, &st, 0) != pid)
		return 21;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 22;
}

static int
do_execve(void)
{
	char	*argv[] = { (char *)"/bin/true", NULL };
	char	*envp[] = { NULL };

	execve("/bin/true", argv, envp);
	return 91;	/* execve failed instead of killing: also refused */
}

static int
do_connect_socket(void)
{
	return socket(AF_INET, SOCK_STREAM, 0) == -1 ? 92 : 93;
}

static int
do_setuid(void)
{
	return setuid(0) == -1 ? 94 : 95;
}

/* The loop's own work: load a config, answer a request, log. */
static int
do_work(void)
{
	static struct response r;
	struct config	*cfg;
	struct request	 rq;

	if ((cfg = config_load(SAMPLE, 0)) == NULL)
		return 10;
	memset(&rq, 0, sizeof(rq));
	rq.method = M_GET;
	strcpy(rq.path, "/mail/config-v1.1.xml");
	rq.pathlen = strlen(rq.path);
	rq.http_host = "example.com";
	if (respond(cfg, &rq, &r) != ST_OK || r.bodylen == 0)
		return 11;
	if (fprintf(stderr, "# logging still works\n") < 0)
		return 12;
	config_free(cfg);
	return 0;
}

static void
skip_without(void)
{
	if (!sandbox_available()) {
		print_message("built without libseccomp: nothing to test\n");
		skip();
	}
}

static void
test_work_allowed(void **state)
{
	int	 st;

	(void)state;
	skip_without();
	st = in_sandbox(do_work);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void
test_parent_forks(void **state)
{
	int	 st;

	(void)state;
	skip_without();
	st = in_filter(do_fork_wait, 1);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	/* Still no program. */
	st = in_filter(do_execve, 1);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
}

/* A forbidden call: killed by SIGSYS, or at least refused. */
static void
assert_forbidden(childfn fn, int refused)
{
	int	 st;

	st = in_sandbox(fn);
	if (WIFSIGNALED(st)) {
		assert_int_equal(WTERMSIG(st), SIGSYS);
		return;
	}
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), refused);
}

static void
test_execve_killed(void **state)
{
	int	 st;

	(void)state;
	skip_without();
	st = in_sandbox(do_execve);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
}

static void
test_socket_forbidden(void **state)
{
	(void)state;
	skip_without();
	assert_forbidden(do_connect_socket, 92);
}

static void
test_setuid_forbidden(void **state)
{
	(void)state;
	skip_without();
	assert_forbidden(do_setuid, 94);
}

/* Without the filter the same child runs programs: the test can fail. */
static void
test_control_without_filter(void **state)
{
	pid_t	 pid;
	int	 st;

	(void)state;
	fflush(NULL);
	if ((pid = fork()) == 0)
		_exit(do_execve());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);	/* /bin/true ran */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_work_allowed),
		cmocka_unit_test(test_parent_forks),
		cmocka_unit_test(test_execve_killed),
		cmocka_unit_test(test_socket_forbidden),
		cmocka_unit_test(test_setuid_forbidden),
		cmocka_unit_test(test_control_without_filter),
	};

	body_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
