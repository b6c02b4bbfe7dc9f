/*
 * listen.c: the listening socket of the FastCGI modes: the one a
 * launcher or systemd passes, or the one -s opens (TCP, or a Unix socket
 * created without following a symlink and without a window in which its
 * path has the wrong owner or mode).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mailautoconf.h"

#define SPEC_MAX	280	/* bytes of a -s HOST:PORT */
#define PRIVDIR_TRIES	16	/* names tried for the private directory */

int
listen_is_listener(int fd)
{
	int		 v = 0;
	socklen_t	 len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == -1)
		return 0;
	return v != 0;
}

/* A decimal environment value in [1, max]; -1 when absent or bad. */
static long
env_num(const char *name, unsigned max)
{
	const char	*s = getenv(name);
	unsigned	 v;

	if (s == NULL || valid_uint(s, strlen(s), 1, max, &v) == -1)
		return -1;
	return (long)v;
}

int
listen_take_fds(void)
{
	long	 n;

	if (env_num("LISTEN_PID", INT_MAX) != (long)getpid() ||
	    (n = env_num("LISTEN_FDS", 1024)) < 1)
		return 0;
	/* One socket is ours; close any others passed along. */
	while (n > 1)
		close(3 + (int)--n);
	if (dup2(3, 0) == -1)
		return -1;
	close(3);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return 0;
}

/* listen() on fd bound to addr; the fd, or -1 with errno set. */
static int
bind_listen(int fd, const struct sockaddr *addr, socklen_t len, int backlog)
{
	int	 e;

	if (bind(fd, addr, len) == 0 && listen(fd, backlog) == 0)
		return fd;
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/*
 * A listening socket for one getaddrinfo() result; a wildcard IPv6
 * socket takes IPv4 connections too.  -1 with *e set.
 */
static int
listen_ai(const struct addrinfo *ai, int wild, int backlog, int *e)
{
	int	 fd, one = 1, zero = 0;

	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
	    ai->ai_protocol)) == -1) {
		*e = errno;
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (wild && ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if ((fd = bind_listen(fd, ai->ai_addr, ai->ai_addrlen, backlog)) == -1)
		*e = errno;
	return fd;
}

/*
 * A TCP listener for HOST:PORT, [V6ADDR]:PORT or :PORT (an empty HOST or
 * "*" is every address).  -1 with a message when it cannot listen.
 */
static int
listen_tcp(const char *spec, int backlog)
{
	struct addrinfo	 hints, *res, *ai;
	char		 host[SPEC_MAX + 1];
	const char	*orig = spec, *colon = strrchr(spec, ':');
	const char	*port = colon + 1;
	size_t		 hl = (size_t)(colon - spec);
	unsigned	 pn;
	int		 fd = -1, e = 0, wild;

	if (hl >= 2 && spec[0] == '[' && spec[hl - 1] == ']') {
		spec++;
		hl -= 2;
	}
	memcpy(host, spec, hl);
	host[hl] = '\0';
	if (valid_uint(port, strlen(port), 1, 65535, &pn) == -1) {
		fprintf(stderr, "mailautoconf: -s %s: the port must be a "
		    "number from 1 to 65535\n", port);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	wild = hl == 0 || strcmp(host, "*") == 0;
	if ((e = getaddrinfo(wild ? NULL : host, port, &hints, &res)) != 0) {
		fprintf(stderr, "mailautoconf: cannot listen on %s: %s\n",
		    orig, gai_strerror(e));
		return -1;
	}
	/* Every address: IPv6's "::" first, which takes IPv4 as well. */
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next)
		if (!wild || ai->ai_family == AF_INET6)
			fd = listen_ai(ai, wild, backlog, &e);
	for (ai = res; wild && ai != NULL && fd == -1; ai = ai->ai_next)
		if (ai->ai_family != AF_INET6)
			fd = listen_ai(ai, wild, backlog, &e);
	freeaddrinfo(res);
	if (fd == -1)
		fprintf(stderr, "mailautoconf: cannot listen on %s: %s\n",
		    orig, strerror(e));
	return fd;
}

/*
 * What is at path now: 0 nothing (or a stale socket, which may be
 * replaced), -1 with a message when it must not be replaced: not a
 * socket, or a socket a process accepts connections on.
 */
static int
unix_free(const char *path, const struct sockaddr_un *sun)
{
	struct stat	 st;
	int		 fd, live;

	if (lstat(path, &st) == -1)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "mailautoconf: %s exists and is not a "
		    "socket\n", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	live = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 ||
	    (errno != ECONNREFUSED && errno != ENOENT);
	close(fd);
	if (live) {
		fprintf(stderr, "mailautoconf: cannot listen on unix:%s: a "
		    "responder is already listening there\n", path);
		return -1;
	}
	return 0;
}

/*
 * A directory of our own beside path, mode 0700: its name goes to name
 * (size namesz, relative to the directory dfd of path), its descriptor
 * is returned; -1 on failure, errno set.  Nobody else can put anything
 * in it, so what is done there by name cannot be redirected.
 */
static int
private_dir(int dfd, char *name, size_t namesz)
{
	unsigned char	 r[6];
	int		 i, fd, rnd;

	if ((rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	for (i = 0; i < PRIVDIR_TRIES; i++) {
		if (read(rnd, r, sizeof(r)) != (ssize_t)sizeof(r))
			break;
		snprintf(name, namesz, ".mailautoconf-%02x%02x%02x%02x%02x%02x",
		    r[0], r[1], r[2], r[3], r[4], r[5]);
		if (mkdirat(dfd, name, 0700) == 0) {
			close(rnd);
			fd = openat(dfd, name, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
			if (fd == -1)
				unlinkat(dfd, name, AT_REMOVEDIR);
			return fd;
		}
		if (errno != EEXIST)
			break;
	}
	close(rnd);
	return -1;
}

/*
 * Bind and listen on the name "s" in the directory pfd (the process's
 * working directory is moved there for bind and back): a name that
 * fits sun_path whatever the length of the directory's path.
 */
static int
bind_in(int pfd, int backlog)
{
	struct sockaddr_un	 sun;
	mode_t			 um;
	int			 fd, cwd, e;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, "s", 2);
	if ((cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    fchdir(pfd) == -1) {
		e = errno;
		if (fd != -1)
			close(fd);
		close(cwd);
		errno = e;
		return -1;
	}
	/* Created 0660: never a moment with another mode. */
	um = umask(0117);
	fd = bind_listen(fd, (struct sockaddr *)&sun, sizeof(sun), backlog);
	e = errno;
	umask(um);
	if (fchdir(cwd) == -1 && fd != -1) {
		e = errno;
		close(fd);
		fd = -1;
	}
	close(cwd);
	errno = e;
	return fd;
}

/*
 * A Unix-domain listener at path, mode 0660, with -u as root owned by
 * that user and its primary group.  It is made in a private directory
 * beside path and renamed into place, so no symlink is followed and no
 * other file ever changes owner or mode; a stale socket at path is
 * replaced, anything else refused.
 */
static int
listen_unix(const char *path, const char *user, int backlog)
{
	struct sockaddr_un	 sun;
	struct passwd		*pw = NULL;
	char			 dir[sizeof(sun.sun_path)], priv[40];
	const char		*base, *slash = strrchr(path, '/');
	int			 dfd = -1, pfd = -1, fd = -1, e = 0;

	if (strlen(path) >= sizeof(sun.sun_path) || (slash != NULL &&
	    slash[1] == '\0') || *path == '\0') {
		fprintf(stderr, "mailautoconf: unix:%s: %s\n", path,
		    *path == '\0' || slash[1] == '\0' ? "not a file name" :
		    "path too long");
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if (unix_free(path, &sun) == -1)
		return -1;
	/* An unknown user is reported by the privilege drop that follows. */
	if (user != NULL && geteuid() == 0)
		pw = getpwnam(user);
	base = slash != NULL ? slash + 1 : path;
	if (slash == path)
		memcpy(dir, "/", 2);
	else if (slash != NULL) {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	} else
		memcpy(dir, ".", 2);
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    (pfd = private_dir(dfd, priv, sizeof(priv))) == -1 ||
	    (fd = bind_in(pfd, backlog)) == -1 ||
	    (pw != NULL && fchownat(pfd, "s", pw->pw_uid, pw->pw_gid,
	    AT_SYMLINK_NOFOLLOW) == -1) ||
	    renameat(pfd, "s", dfd, base) == -1)
		e = errno;
	if (pfd != -1) {
		unlinkat(pfd, "s", 0);
		close(pfd);
		unlinkat(dfd, priv, AT_REMOVEDIR);
	}
	if (dfd != -1)
		close(dfd);
	if (e != 0) {
		if (fd != -1)
			close(fd);
		fprintf(stderr, "mailautoconf: cannot listen on unix:%s: %s\n",
		    path, strerror(e));
		return -1;
	}
	return fd;
}

int
listen_open(const char *spec, const char *user, int backlog)
{
	int	 fd;

	if (strncmp(spec, "unix:", 5) == 0)
		fd = listen_unix(spec + 5, user, backlog);
	else if (strchr(spec, ':') == NULL) {
		fprintf(stderr, "mailautoconf: -s wants unix:PATH or "
		    "HOST:PORT\n");
		return -1;
	} else if (strlen(spec) > SPEC_MAX) {
		fprintf(stderr, "mailautoconf: -s: address too long\n");
		return -1;
	} else
		fd = listen_tcp(spec, backlog);
	if (fd == -1)
		return -1;
	if (fd != 0) {
		if (dup2(fd, 0) == -1) {
			fprintf(stderr, "mailautoconf: dup2: %s\n",
			    strerror(errno));
			close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}
