/* SPDX-License-Identifier: MIT */
#pragma once

/* Helpers shared by the cmocka test programs (header only). */

#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static inline int test_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) st;
	(void) ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Removes a test's temporary directory and everything in it (links are not
 * followed). Returns 0 or -1. */
static inline int test_tmpdir_remove(const char *dir)
{
	if (!dir || !dir[0])
		return 0;
	return nftw(dir, test_rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

/* Writes len bytes of content to dir/name with the given mode (set after
 * writing, so 0400 works); returns the path (free() it). Fails the test on
 * any error. */
static inline char *test_write_file(const char *dir, const char *name, const char *content, size_t len,
				    mode_t mode)
{
	char *path = strdup_printf("%s/%s", dir, name);
	int fd;

	assert_non_null(path);
	(void) unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t) len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}
