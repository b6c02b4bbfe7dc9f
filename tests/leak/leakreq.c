/*
 * leakreq: drive one FastCGI responder with the requests of one or more
 * tables (fcgic.h), ROUNDS times over, one new connection per request,
 * and check every answer.  tests/leak.sh runs it against a responder
 * under valgrind.
 *
 *   leakreq [-r rounds] [-w secs] [-t secs] [-g gendir] [-m conf]...
 *	   [-x name] addr table...
 *
 *   -r	rounds over all tables (default 1); each case is sent its
 *	repeat count times per round
 *   -w	wait up to secs for the responder to accept (default 0)
 *   -t	seconds allowed for any one read or write (default 60)
 *   -g	the directory of generated files (@NAME URIs, gen/ bodies)
 *   -m	answers of cases whose conf column is conf are checked too: the
 *	responder's config holds that file's domains.  Other cases with a
 *	conf, and xfail- cases, are sent but not checked.
 *   -x	leave out the cases whose name starts with name (repeatable,
 *	up to SKIPS_MAX names)
 *
 * Prints "not ok - NAME: reason" for the first wrong answers of each
 * case, counts by status, and a summary.  Exit 0 when every request got
 * a complete answer and every checked answer was right, 1 otherwise,
 * 64 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fcgic.h"

#define TABLES_MAX	16
#define MERGED_MAX	16
#define REPORT_MAX	3	/* wrong answers printed per case */
#define STATUS_SLOTS	600
#define SKIPS_MAX	8

static void
usage(void)
{
	fputs("usage: leakreq [-r rounds] [-w secs] [-t secs] [-g gendir] "
	    "[-m conf]... [-x name] addr table...\n", stderr);
	exit(64);
}

int
main(int argc, char *argv[])
{
	struct fc_case	*cases = NULL;
	struct fc_answer a = { NULL, 0, 0, 0, 0, 0, 0 };
	const char	*merged[MERGED_MAX], *gendir = ".", *addr;
	const char	*skip[SKIPS_MAX];
	unsigned long	 sent = 0, answered = 0, checked = 0, wrong = 0,
			 lost = 0, unchecked = 0;
	unsigned long	 bystatus[STATUS_SLOTS];
	unsigned	*bad, rounds = 1, r, k;
	size_t		 n = 0, i, j;
	char		 why[256];
	double		 wait = 0;
	int		 ch, nmerged = 0, timeout = 60, fd;
	unsigned	 nskip = 0;

	while ((ch = getopt(argc, argv, "g:m:r:t:w:x:")) != -1) {
		switch (ch) {
		case 'g':
			gendir = optarg;
			break;
		case 'm':
			if (nmerged == MERGED_MAX)
				usage();
			merged[nmerged++] = optarg;
			break;
		case 'r':
			rounds = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 't':
			timeout = atoi(optarg);
			break;
		case 'w':
			wait = atof(optarg);
			break;
		case 'x':
			if (nskip == SKIPS_MAX)
				usage();
			skip[nskip++] = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || argc - 1 > TABLES_MAX)
		usage();
	addr = argv[0];
	for (ch = 1; ch < argc; ch++)
		if (fc_load(argv[ch], gendir, &cases, &n) == -1)
			return 1;
	for (i = 0; i < n; i++) {
		for (k = 0; k < nskip; k++)
			if (strncmp(cases[i].name, skip[k],
			    strlen(skip[k])) == 0)
				cases[i].repeat = 0;
		if (strncmp(cases[i].name, "xfail-", 6) == 0)
			cases[i].checked = 0;
		if (cases[i].conf == NULL)
			continue;
		cases[i].checked = 0;
		for (ch = 0; ch < nmerged; ch++)
			if (strcmp(cases[i].conf, merged[ch]) == 0)
				cases[i].checked = 1;
	}
	if ((bad = calloc(n, sizeof(*bad))) == NULL)
		return 1;
	memset(bystatus, 0, sizeof(bystatus));
	if ((fd = fc_connect(addr, wait)) == -1) {
		fprintf(stderr, "leakreq: cannot connect to %s\n", addr);
		return 1;
	}
	close(fd);	/* the responder answers this one with nothing */

	for (r = 0; r < rounds; r++)
		for (i = 0; i < n; i++)
			for (k = 0; k < cases[i].repeat; k++) {
				sent++;
				if (fc_send(addr, &cases[i], &a, timeout, why,
				    sizeof(why)) == -1) {
					lost++;
					if (bad[i]++ < REPORT_MAX)
						printf("not ok - %s: %s\n",
						    cases[i].name, why);
					continue;
				}
				answered++;
				if (a.status >= 0 && a.status < STATUS_SLOTS)
					bystatus[a.status]++;
				if (!cases[i].checked) {
					unchecked++;
					continue;
				}
				checked++;
				if (!fc_check(&cases[i], &a, why,
				    sizeof(why))) {
					wrong++;
					if (bad[i]++ < REPORT_MAX)
						printf("not ok - %s (%s:%d): "
						    "%s\n", cases[i].name,
						    cases[i].file,
						    cases[i].line, why);
				}
			}

	printf("leakreq: by status:");
	for (j = 0; j < STATUS_SLOTS; j++)
		if (bystatus[j] > 0)
			printf(" %zu:%lu", j, bystatus[j]);
	printf("\n");
	printf("leakreq: %zu cases, %u rounds: %lu sent, %lu answered, "
	    "%lu checked, %lu wrong, %lu unanswered, %lu not checked\n",
	    n, rounds, sent, answered, checked, wrong, lost, unchecked);
	fc_answer_free(&a);
	fc_free(cases, n);
	free(cases);
	free(bad);
	return wrong == 0 && lost == 0 ? 0 : 1;
}
