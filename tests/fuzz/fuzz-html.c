/* SPDX-License-Identifier: MIT */
/* Fuzzes html-text on arbitrary bytes: never crashes, never returns NULL
 * except on OOM, always valid UTF-8. */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "html-text.h"

#define FUZZ_MAX_INPUT (64U * 1024U)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out;

	if (size > FUZZ_MAX_INPUT)
		size = FUZZ_MAX_INPUT;
	out = html_to_text((const char *) data, size);
	if (!out)
		return 0; /* OOM */
	if (!g_utf8_validate(out, -1, NULL))
		abort();
	free(out);
	return 0;
}
