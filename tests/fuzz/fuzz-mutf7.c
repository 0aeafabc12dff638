/* SPDX-License-Identifier: MIT */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mutf7.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *utf8 = NULL, *back = NULL, *again = NULL;

	if (size > 64 * 1024)
		return 0;

	/* Whatever decodes must encode back to exactly the input. */
	if (mutf7_decode((const char *) data, size, &utf8) == 0) {
		if (mutf7_encode(utf8, &back) != 0)
			abort();
		if (strlen(back) != size || memcmp(back, data, size) != 0)
			abort();
		free(back);
		back = NULL;
	}
	free(utf8);

	/* The other direction: valid UTF-8 encodes, and decodes back. */
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (mutf7_encode(s, &back) == 0) {
		if (mutf7_decode(back, strlen(back), &again) != 0)
			abort();
		if (strcmp(again, s) != 0)
			abort();
		free(again);
		free(back);
	}
	free(s);
	return 0;
}
