/* SPDX-License-Identifier: MIT */
#include <time.h>

#include <glib.h>

#include "clock.h"

static bool initialised;
static int64_t base_real;      /* seconds, what "now" was at clock_init() */
static usec_t base_monotonic;  /* monotonic reading at clock_init() */

usec_t clock_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

int clock_parse_rfc3339(const char *s, int64_t *ret)
{
	GDateTime *dt;

	if (isempty(s))
		return -EINVAL;
	/* NULL default zone: a time without an explicit zone is refused. */
	dt = g_date_time_new_from_iso8601(s, NULL);
	if (!dt)
		return -EINVAL;
	*ret = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return 0;
}

int clock_init(void)
{
	const char *e = getenv("REDFLAGD_NOW");
	int64_t t;

	base_monotonic = clock_monotonic();
	if (!isempty(e)) {
		if (clock_parse_rfc3339(e, &t) < 0)
			return -EINVAL;
		base_real = t;
	} else
		base_real = (int64_t) time(NULL);
	initialised = true;
	return 0;
}

int64_t clock_now(void)
{
	if (!initialised)
		(void) clock_init();
	return base_real + (int64_t) ((clock_monotonic() - base_monotonic) / USEC_PER_SEC);
}

const char *clock_format_rfc3339(int64_t t, char buf[static 32])
{
	time_t tt = (time_t) t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, 32, "%lld", (long long) t);
	return buf;
}
