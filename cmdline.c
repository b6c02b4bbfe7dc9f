/*
 * What mailautoconf (autoconf.c) and mailautoconf-check (check.c) share
 * of their command lines: which configuration file, whether a long
 * option was written in full, and the usage of --check.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "mailautoconf.h"

const char cmd_check_usage[] =
    "       mailautoconf [-c file] --check [-T seconds] [--json] "
    "[--resolver addr[:port]]\n"
    "           [--ca file] [--days n] [--jobs n] [--local-part name]\n"
    "           [--https-port port] [--http-port port] [domain ...]\n";

/* The file given with -c, else MAILAUTOCONF_CONF, else the default. */
const char *
cmd_conf_path(const char *given)
{
	const char	*p;

	if (given != NULL)
		return given;
	if ((p = getenv("MAILAUTOCONF_CONF")) != NULL && *p != '\0')
		return p;
	return MAC_CONF_DEFAULT;
}

/*
 * 1 when the long option getopt_long just took was written in full, its
 * argument (if any) after '=' or as the next word: an abbreviation that
 * works today could become ambiguous tomorrow.
 */
int
cmd_long_in_full(char *const argv[], const char *name)
{
	const char	*opt = argv[optind - 1];
	size_t		 n = strlen(name);

	if (optarg != NULL && optarg == argv[optind - 1] && optind >= 2)
		opt = argv[optind - 2];
	return strncmp(opt + 2, name, n) == 0 &&
	    (opt[2 + n] == '\0' || opt[2 + n] == '=');
}
