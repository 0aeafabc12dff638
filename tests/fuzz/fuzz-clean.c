/* SPDX-License-Identifier: MIT */
/* Fuzzes text-clean on arbitrary bytes: never crashes, always returns valid
 * UTF-8 no longer than its input allows. */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text-clean.h"

#define FUZZ_MAX_INPUT (64U * 1024U)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out;

	if (size > FUZZ_MAX_INPUT)
		size = FUZZ_MAX_INPUT;
	out = text_clean((const char *) data, size);
	if (!out)
		return 0; /* OOM */
	if (!g_utf8_validate(out, -1, NULL))
		abort();
	/* U+FFFD replacements may grow the text, at most 3 bytes per byte. */
	if (strlen(out) > 3 * size)
		abort();
	free(out);
	return 0;
}
