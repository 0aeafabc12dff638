/* SPDX-License-Identifier: MIT */
/* Replay main() for fuzz targets built without libFuzzer: runs every file
 * given on the command line (directories are walked one level) through
 * LLVMFuzzerTestOneInput(), so the checked-in corpus is a regression test. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(const char *path)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r;

	r = read_full_file(path, 64U * 1024U * 1024U, &buf, &len);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(-r));
		return r;
	}
	/* Copy into an exact-size buffer so ASan sees reads past the end. */
	_cleanup_free_ uint8_t *exact = malloc(len ? len : 1);
	if (!exact)
		return -ENOMEM;
	memcpy(exact, buf, len);
	LLVMFuzzerTestOneInput(exact, len);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned n = 0;
	int failed = 0;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) < 0) {
			perror(argv[i]);
			failed = 1;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			struct dirent **ents = NULL;
			int k = scandir(argv[i], &ents, NULL, alphasort);

			for (int j = 0; j < k; j++) {
				if (ents[j]->d_name[0] != '.') {
					_cleanup_free_ char *p =
						strdup_printf("%s/%s", argv[i], ents[j]->d_name);
					if (!p || run_file(p) < 0)
						failed = 1;
					n++;
				}
				free(ents[j]);
			}
			free(ents);
		} else {
			if (run_file(argv[i]) < 0)
				failed = 1;
			n++;
		}
	}
	printf("%u inputs replayed\n", n);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
