/*
 * Replays fuzz inputs without libFuzzer: every file named on the
 * command line (or every file in a named directory) goes once through
 * LLVMFuzzerTestOneInput.  make check builds it with gcc, ASan and
 * UBSan, so each past finding stays a regression test.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
run_file(const char *path)
{
	FILE		*fp;
	unsigned char	*buf;
	long		 n;

	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)n + 1)) == NULL) {
		fclose(fp);
		return -1;
	}
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*dir;
	char		 path[4096];
	int		 i, runs = 0, bad = 0;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if ((dir = opendir(argv[i])) == NULL) {
				bad++;
				continue;
			}
			while ((de = readdir(dir)) != NULL) {
				if (de->d_name[0] == '.')
					continue;
				snprintf(path, sizeof(path), "%s/%s", argv[i],
				    de->d_name);
				if (run_file(path) == -1)
					bad++;
				else
					runs++;
			}
			closedir(dir);
		} else if (run_file(argv[i]) == -1)
			bad++;
		else
			runs++;
	}
	printf("%s: %d inputs replayed, %d unreadable\n", argv[0], runs, bad);
	return bad != 0;
}
