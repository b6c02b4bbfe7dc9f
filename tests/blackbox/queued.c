/*
 * queued: make a FastCGI responder find connections waiting, and show
 * which answers came before a signal was taken.
 *
 *   queued addr n go mark host uri
 *
 * It opens connection 0 and sends its GET request but the two empty
 * records that end the parameters and the input, so the responder holds
 * an unfinished request.  It opens connections 1 to n-1 and sends each
 * the whole request.  It prints "ready", waits until the file go exists (the test
 * sends its signal meanwhile), sends the rest of request 0, then reads
 * the n answers in order and prints one line for each: its number, its
 * status and 1 when its body holds mark, else 0.  Exit 0 when all n
 * answers came, 1 otherwise, 64 on bad usage.
 */
#define _GNU_SOURCE		/* memmem */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fcgic.h"

#define QUEUED_MAX	200

int
main(int argc, char *argv[])
{
	struct fc_case	 c;
	struct fc_answer a = { NULL, 0, 0, 0, 0, 0, 0 };
	const char	*body;
	char		*req, why[256];
	size_t		 len, blen;
	int		 fd[QUEUED_MAX], n, i, rc = 0;

	if (argc != 7 || (n = atoi(argv[2])) < 1 || n > QUEUED_MAX) {
		fputs("usage: queued addr n go mark host uri\n", stderr);
		return 64;
	}
	memset(&c, 0, sizeof(c));
	c.method = "GET";
	c.host = argv[5];
	c.uri = argv[6];
	c.urilen = strlen(argv[6]);
	if ((req = fc_build(&c, &len)) == NULL || len < 16)
		return 1;
	for (i = 0; i < n; i++) {
		if ((fd[i] = fc_connect(argv[1], 10)) == -1) {
			fprintf(stderr, "queued: connect %d failed\n", i);
			return 1;
		}
		if (send(fd[i], req, i == 0 ? len - 16 : len, MSG_NOSIGNAL) !=
		    (ssize_t)(i == 0 ? len - 16 : len)) {
			fprintf(stderr, "queued: send %d failed\n", i);
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	while (access(argv[3], F_OK) != 0)
		usleep(10000);
	if (send(fd[0], req + len - 16, 16, MSG_NOSIGNAL) != 16) {
		fprintf(stderr, "queued: send 0 failed\n");
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (fc_read(fd[i], &a, 0, why, sizeof(why)) == -1) {
			fprintf(stderr, "queued: answer %d: %s\n", i, why);
			rc = 1;
		} else {
			body = fc_body(&a, &blen);
			printf("%d %d %d\n", i, a.status,
			    memmem(body, blen, argv[4], strlen(argv[4])) !=
			    NULL);
		}
		close(fd[i]);
	}
	fc_answer_free(&a);
	free(req);
	return rc;
}
