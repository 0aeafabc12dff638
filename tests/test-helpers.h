/* SPDX-License-Identifier: MIT */
#pragma once

/* Helpers shared by the cmocka test programs (header only). */

#include <ftw.h>
#include <stdio.h>
#include <unistd.h>

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
