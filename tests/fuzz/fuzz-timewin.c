/* SPDX-License-Identifier: MIT */
/* timewin_parse() on arbitrary bytes (made a string), then evaluation of
 * what parsed at a few instants. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "timewin.h"
#include "util.h"

#define FUZZ_TIMEWIN_MAX 8192U

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct timewin_set set = {};
	char *s, *err = NULL;

	if (size > FUZZ_TIMEWIN_MAX)
		return 0;
	s = strndup((const char *) data, size);
	if (!s)
		return 0;
	if (timewin_parse(s, &set, &err) >= 0) {
		GTimeZone *tz = g_time_zone_new_utc();

		for (int64_t t = 1774000000; t < 1774000000 + 7 * 86400; t += 3 * 3600 + 7 * 60)
			(void) timewin_contains(&set, tz, t);
		g_time_zone_unref(tz);
		timewin_set_done(&set);
	}
	free(err);
	free(s);
	return 0;
}
