/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared by the bench programs (header only). */

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* The source tree: $abs_top_srcdir (make check), else the tree the calling
 * file was compiled from (`file` is its __FILE__, `self` its path inside the
 * tree, e.g. "bench/tone-eval.c"), else ".". */
static inline char *bench_source_tree(const char *file, const char *self)
{
	const char *top = getenv("abs_top_srcdir");
	size_t n = strlen(file), m = strlen(self);

	if (!isempty(top))
		return strdup(top);
	if (n > m && streq(file + n - m, self) && file[n - m - 1] == '/')
		return strndup(file, n - m - 1);
	return strdup(".");
}
