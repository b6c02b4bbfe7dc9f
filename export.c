/*
 * mailautoconf --export DIR (mailautoconf(8), "Static export"): the
 * answers that depend only on the domain, as files a web server serves
 * at the paths clients ask for:
 *
 *   DIR/DOMAIN/mail/config-v1.1.xml                    Thunderbird
 *   DIR/DOMAIN/.well-known/autoconfig/mail/config-v1.1.xml
 *   DIR/DOMAIN/.well-known/mail-v1.xml
 *   DIR/DOMAIN/autodiscover/autodiscover.xml           Outlook GET
 *   DIR/DOMAIN/index.html                              the setup page
 *
 * Each is what serve() answers the same GET, so byte for byte the
 * responder's answer.  The new tree is built beside DIR and swapped in
 * with one rename (RENAME_EXCHANGE), so a reader sees the old tree or
 * the new one, never a mix; a file whose bytes did not change is a hard
 * link to the old one (same inode, same times), and a run that changes
 * nothing swaps nothing.  DIR holds a marker file: a directory without
 * it is never replaced.
 */
/* nftw(3) is an XSI function. */
#define _XOPEN_SOURCE	700

#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mailautoconf.h"

#define EXPORT_MARK	".mailautoconf-export"
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE	(1 << 1)
#endif

/* The files of a domain: the request whose answer each one holds. */
static const struct exported {
	const char	*file;		/* under DIR/DOMAIN/ */
	const char	*label;		/* the Host: label + domain */
	const char	*uri;
	int		 same_as;	/* -1, or the file it links to */
} files[] = {
	{ "mail/config-v1.1.xml", "autoconfig.", "/mail/config-v1.1.xml", -1 },
	{ ".well-known/autoconfig/mail/config-v1.1.xml", "autoconfig.",
	    "/.well-known/autoconfig/mail/config-v1.1.xml", 0 },
	{ ".well-known/mail-v1.xml", "autoconfig.", "/.well-known/mail-v1.xml",
	    0 },
	{ "autodiscover/autodiscover.xml", "autodiscover.",
	    "/autodiscover/autodiscover.xml", -1 },
	{ "index.html", "autoconfig.", "/", -1 },
};
#define NFILES	(sizeof(files) / sizeof(files[0]))

/* What a run did. */
struct tally {
	unsigned long	 written;
	unsigned long	 kept;		/* linked to the old tree's file */
	unsigned long	 old;		/* files the old tree had */
	unsigned long	 domains;
};

/* A GET has no body. */
static size_t
no_body(void *ctx, char *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
	return 0;
}

/* a/b/c into out; -1 (ENAMETOOLONG) when it does not fit. */
static int
join(char *out, size_t size, const char *a, const char *b, const char *c)
{
	int	 n = snprintf(out, size, "%s/%s%s%s", a, b, c[0] ? "/" : "", c);

	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* mkdir -p of the directories of path (relative to the tree's top). */
static int
make_dirs(char *path)
{
	char	*s;

	for (s = strchr(path + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST) {
			*s = '/';
			return -1;
		}
		*s = '/';
	}
	return 0;
}

/* 1 when the file at path holds exactly the n bytes at p. */
static int
same_file(const char *path, const char *p, size_t n)
{
	struct stat	 st;
	char		 buf[8192];
	size_t		 off = 0;
	ssize_t		 r;
	int		 fd, same = 0;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (size_t)st.st_size == n) {
		same = 1;
		while (same && (r = read(fd, buf, sizeof(buf))) > 0) {
			if ((size_t)r > n - off ||
			    memcmp(buf, p + off, (size_t)r) != 0)
				same = 0;
			off += (size_t)r;
		}
		same = same && off == n;
	}
	close(fd);
	return same;
}

static int
write_file(const char *path, const char *p, size_t n)
{
	ssize_t	 w;
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1)
		return -1;
	fchmod(fd, 0644);	/* whatever the umask */
	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return close(fd);
}

/*
 * One file of domain d into the new tree at top: linked to the old
 * tree's (under old) when the bytes are the same, else written.
 * Returns 2 when linked, 0 when written, 1 when the domain has no such
 * answer (its page turned off), -1 with errno.  primary is what the
 * file this one repeats (same_as) returned.
 */
static int
export_file(const struct config *cfg, const struct domain *d, size_t k,
    const char *top, const char *old, int primary, struct response *r)
{
	const struct exported *e = &files[k];
	struct cgi_env	 env;
	char		 host[DOMAIN_MAX + 16], path[PATH_MAX], was[PATH_MAX];
	char		 first[PATH_MAX], body[1];

	if (join(path, sizeof(path), top, d->name, e->file) == -1 ||
	    join(was, sizeof(was), old, d->name, e->file) == -1)
		return -1;
	if (e->same_as >= 0) {
		/* The same answer: one inode for both names. */
		if (join(first, sizeof(first), top, d->name,
		    files[e->same_as].file) == -1 || make_dirs(path) == -1 ||
		    link(first, path) == -1)
			return -1;
		return primary;
	}
	snprintf(host, sizeof(host), "%s%s", e->label, d->name);
	memset(&env, 0, sizeof(env));
	env.method = "GET";
	env.request_uri = e->uri;
	env.http_host = host;
	serve(cfg, &env, no_body, NULL, body, r);
	if (r->status == ST_NOTFOUND && strcmp(e->uri, "/") == 0)
		return 1;
	if (r->status != ST_OK) {
		fprintf(stderr, "mailautoconf: --export: %s for %s: %d %s\n",
		    e->uri, d->name, r->status, r->why != NULL ? r->why : "");
		errno = EINVAL;
		return -1;
	}
	if (make_dirs(path) == -1)
		return -1;
	if (same_file(was, r->body, r->bodylen) && link(was, path) == 0)
		return 2;
	return write_file(path, r->body, r->bodylen);
}

/* nftw: count the regular files of the old tree (the marker aside). */
static unsigned long nfiles_seen;

static int
count_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)f;
	if (flag == FTW_F && S_ISREG(st->st_mode) &&
	    strcmp(p + strlen(p) - strlen(EXPORT_MARK), EXPORT_MARK) != 0)
		nfiles_seen++;
	return 0;
}

static int
remove_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	return (flag == FTW_DP ? rmdir(p) : unlink(p)) == -1 ? -1 : 0;
}

/* Remove the tree at path, never following a symbolic link. */
static int
remove_tree(const char *path)
{
	return nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * dir is absent, empty, or an earlier export (it has the marker): 0;
 * -1 (said on stderr) for anything else, which is never replaced.
 */
static int
check_target(const char *dir, int *exists)
{
	char		 mark[PATH_MAX];
	struct stat	 st;

	*exists = 0;
	if (lstat(dir, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "mailautoconf: --export %s: %s\n", dir,
		    strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "mailautoconf: --export %s: not a directory\n",
		    dir);
		return -1;
	}
	*exists = 1;
	if (join(mark, sizeof(mark), dir, EXPORT_MARK, "") == -1) {
		fprintf(stderr, "mailautoconf: --export %s: path too long\n",
		    dir);
		return -1;
	}
	if (access(mark, F_OK) == 0 || rmdir(dir) == 0) {
		*exists = access(dir, F_OK) == 0;
		return 0;
	}
	fprintf(stderr, "mailautoconf: --export %s: not made by --export "
	    "(no %s in it) and not empty: left as it is\n", dir, EXPORT_MARK);
	return -1;
}

/* The new tree at top, every domain's files. */
static int
build_tree(const struct config *cfg, const char *top, const char *old,
    struct tally *t)
{
	struct response	*r;
	char		 mark[PATH_MAX];
	size_t		 i, k;
	int		 rc = 0, got[NFILES];

	if ((r = malloc(sizeof(*r))) == NULL)
		return -1;
	if (join(mark, sizeof(mark), top, EXPORT_MARK, "") == -1 ||
	    write_file(mark, "mailautoconf --export\n", 22) == -1)
		rc = -1;
	for (i = 0; rc == 0 && i < config_ndomains(cfg); i++) {
		t->domains++;
		for (k = 0; rc == 0 && k < NFILES; k++) {
			got[k] = export_file(cfg, config_domain(cfg, i), k, top,
			    old, files[k].same_as >= 0 ?
			    got[files[k].same_as] : 0, r);
			if (got[k] == -1)
				rc = -1;
			else if (got[k] == 2)
				t->kept++;
			else if (got[k] == 0)
				t->written++;
		}
	}
	free(r);
	return rc;
}

/*
 * Export every configured domain's answers into dir.  Returns 0, or -1
 * with the reason on stderr (the old tree, if any, is then unchanged).
 */
int
export_tree(const struct config *cfg, const char *dir)
{
	struct tally	 t;
	char		 top[PATH_MAX], path[PATH_MAX];
	size_t		 n;
	int		 exists, e;

	memset(&t, 0, sizeof(t));
	/* "out/" is "out": the new tree must be beside it, not in it. */
	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) {
		fprintf(stderr, "mailautoconf: --export: path too long\n");
		return -1;
	}
	n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
	dir = path;
	if (check_target(dir, &exists) == -1)
		return -1;
	if (snprintf(top, sizeof(top), "%s.new-%ld", dir, (long)getpid()) >=
	    (int)sizeof(top) - DOMAIN_MAX - 64) {
		fprintf(stderr, "mailautoconf: --export %s: path too long\n",
		    dir);
		return -1;
	}
	if (mkdir(top, 0755) == -1) {
		fprintf(stderr, "mailautoconf: --export: %s: %s\n", top,
		    strerror(errno));
		return -1;
	}
	chmod(top, 0755);
	if (build_tree(cfg, top, dir, &t) == -1) {
		e = errno;
		remove_tree(top);
		fprintf(stderr, "mailautoconf: --export: writing %s: %s\n", top,
		    strerror(e));
		return -1;
	}
	nfiles_seen = 0;
	if (exists)
		nftw(dir, count_one, 16, FTW_PHYS);
	t.old = nfiles_seen;
	if (exists && t.written == 0 && t.kept == t.old) {
		remove_tree(top);
		printf("%s: %lu domains, unchanged\n", dir, t.domains);
		return 0;
	}
	/* One rename: readers see the old tree or the new one. */
	if (exists ? syscall(SYS_renameat2, AT_FDCWD, top, AT_FDCWD, dir,
	    RENAME_EXCHANGE) == -1 : rename(top, dir) == -1) {
		e = errno;
		remove_tree(top);
		fprintf(stderr, "mailautoconf: --export: %s -> %s: %s\n", top,
		    dir, strerror(e));
		return -1;
	}
	if (exists)
		remove_tree(top);	/* the old tree, swapped out */
	printf("%s: %lu domains, %lu files written, %lu unchanged, %lu "
	    "replaced or removed\n", dir, t.domains, t.written, t.kept,
	    t.old > t.kept ? t.old - t.kept : 0);
	return 0;
}
