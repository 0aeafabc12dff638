/* SPDX-License-Identifier: MIT */
/* Weekly time windows: grammar, errors, and evaluation in IANA zones across
 * the 2026 DST changes of Europe/Paris and America/New_York. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "timewin.h"
#include "util.h"

#define MON (1u << 0)
#define TUE (1u << 1)
#define WED (1u << 2)
#define THU (1u << 3)
#define FRI (1u << 4)
#define SAT (1u << 5)
#define SUN (1u << 6)

static int64_t utc(int y, int mo, int d, int h, int mi)
{
	GDateTime *dt = g_date_time_new_utc(y, mo, d, h, mi, 0);
	int64_t t;

	assert_non_null(dt);
	t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t;
}

static void parse_ok(const char *s, struct timewin_set *set)
{
	char *err = NULL;
	int r = timewin_parse(s, set, &err);

	if (r < 0)
		fail_msg("'%s' did not parse: %s", s, strna(err));
	assert_null(err);
}

static void expect_window(const struct timewin_set *set, size_t i, unsigned days, unsigned start,
			  unsigned end)
{
	assert_true(i < set->n);
	assert_int_equal(set->v[i].days, days);
	assert_int_equal(set->v[i].start, start);
	assert_int_equal(set->v[i].end, end);
}

static void test_grammar(void **state)
{
	struct timewin_set set = {};

	parse_ok("mon-fri 09:00-18:00", &set);
	assert_int_equal(set.n, 1);
	expect_window(&set, 0, MON | TUE | WED | THU | FRI, 9 * 60, 18 * 60);
	timewin_set_done(&set);

	/* a day list, then a comma starting a new window */
	parse_ok("mon,wed 10:00-11:00, thu 14:00-15:30", &set);
	assert_int_equal(set.n, 2);
	expect_window(&set, 0, MON | WED, 600, 660);
	expect_window(&set, 1, THU, 14 * 60, 15 * 60 + 30);
	timewin_set_done(&set);

	/* spaces after the list's comma too */
	parse_ok("mon, wed 10:00-11:00,thu 14:00-15:30", &set);
	assert_int_equal(set.n, 2);
	expect_window(&set, 0, MON | WED, 600, 660);
	expect_window(&set, 1, THU, 14 * 60, 15 * 60 + 30);
	timewin_set_done(&set);

	/* a comma followed by a time: another range for the same days */
	parse_ok("mon-fri 09:00-12:00, 14:00-18:00, sat 10:00-12:00", &set);
	assert_int_equal(set.n, 3);
	expect_window(&set, 0, MON | TUE | WED | THU | FRI, 540, 720);
	expect_window(&set, 1, MON | TUE | WED | THU | FRI, 840, 1080);
	expect_window(&set, 2, SAT, 600, 720);
	timewin_set_done(&set);

	/* wrapping range, crossing midnight */
	parse_ok("fri-mon 22:00-02:00", &set);
	assert_int_equal(set.n, 1);
	expect_window(&set, 0, FRI | SAT | SUN | MON, 22 * 60, 2 * 60);
	timewin_set_done(&set);

	/* 24:00 as an end, 00:00 as an end = midnight */
	parse_ok("sat 00:00-24:00, sun 20:00-00:00", &set);
	assert_int_equal(set.n, 2);
	expect_window(&set, 0, SAT, 0, 1440);
	expect_window(&set, 1, SUN, 1200, 1440);
	timewin_set_done(&set);

	/* case, one-digit hours, white space around '-' and at the ends */
	parse_ok("  Mon - Fri 9:00 - 17:30  ", &set);
	assert_int_equal(set.n, 1);
	expect_window(&set, 0, MON | TUE | WED | THU | FRI, 540, 17 * 60 + 30);
	timewin_set_done(&set);

	/* a same-day range and a list with a range inside */
	parse_ok("sun-sun 08:00-09:00, mon,wed-thu 07:15-07:45", &set);
	assert_int_equal(set.n, 2);
	expect_window(&set, 0, SUN, 480, 540);
	expect_window(&set, 1, MON | WED | THU, 435, 465);
	timewin_set_done(&set);

	timewin_set_done(NULL);
}

static void expect_error(const char *s, const char *msg)
{
	struct timewin_set set = { .v = NULL, .n = 0 };
	char *err = NULL;
	int r = timewin_parse(s, &set, &err);

	assert_int_equal(r, -EINVAL);
	assert_non_null(err);
	if (!strstr(err, msg))
		fail_msg("'%s': expected '%s' in '%s'", s, msg, err);
	assert_null(set.v);
	free(err);
	/* reterr may be NULL */
	assert_int_equal(timewin_parse(s, &set, NULL), -EINVAL);
}

static void test_errors(void **state)
{
	expect_error("mnо 10:00-11:00", "bad day 'mnо' in 'mnо 10:00-11:00'");
	expect_error("monday 10:00-11:00", "bad day 'monday'");
	expect_error("", "empty time window");
	expect_error("   ", "empty time window");
	expect_error("mon 10:00-10:00", "empty window (the end equals the start)");
	expect_error("mon 00:00-00:00", "empty window");
	expect_error("mon 25:00-26:00", "bad time '25:00'");
	expect_error("mon 10:60-11:00", "bad time '10:60'");
	expect_error("mon 10:00-24:30", "bad time '24:30'");
	expect_error("mon 24:00-10:00", "24:00 can only end a window");
	expect_error("mon 1000-1100", "bad time '1000'");
	expect_error("mon 10:0-11:00", "bad time '10:0'");
	expect_error("mon 10:000-11:00", "bad time '10:000'");
	expect_error("mon", "missing time range");
	expect_error("mon 10:00", "expected '-'");
	expect_error("mon 10:00-", "missing time");
	expect_error("mon 10:00-11:00,", "trailing ','");
	expect_error("mon 10:00-11:00; tue 10:00-11:00", "unexpected text ';'");
	expect_error("mon 10:00-11:00 tue 12:00-13:00", "unexpected text 'tue'");
	expect_error("mon10:00-11:00", "expected a space then a time range");
	expect_error("mon-10:00-11:00", "bad day '10:00'");
	expect_error("10:00-11:00", "bad day '10:00' in '10:00-11:00'");
	expect_error("mon,10:00-11:00", "expected a space then a time range at ',10:00-11:00'");
	expect_error("mon 10:00-11:00, , tue 10:00-11:00", "expected a day");
}

static void test_contains_simple(void **state)
{
	struct timewin_set set = {};
	GTimeZone *tz = timewin_zone_new("UTC");

	assert_non_null(tz);

	/* 2026-03-06 is a Friday */
	parse_ok("fri 22:00-02:00", &set);
	assert_true(timewin_contains(&set, tz, utc(2026, 3, 6, 22, 0)));
	assert_true(timewin_contains(&set, tz, utc(2026, 3, 6, 23, 59)));
	assert_true(timewin_contains(&set, tz, utc(2026, 3, 7, 0, 0))); /* Saturday */
	assert_true(timewin_contains(&set, tz, utc(2026, 3, 7, 1, 59)));
	assert_false(timewin_contains(&set, tz, utc(2026, 3, 7, 2, 0))); /* end excluded */
	assert_false(timewin_contains(&set, tz, utc(2026, 3, 6, 21, 59)));
	assert_false(timewin_contains(&set, tz, utc(2026, 3, 7, 23, 0))); /* Saturday night */
	assert_false(timewin_contains(&set, tz, utc(2026, 3, 5, 23, 0))); /* Thursday night */
	assert_false(timewin_contains(&set, tz, utc(2026, 3, 6, 1, 0)));  /* Friday early */
	timewin_set_done(&set);

	/* Sunday into Monday: across the week boundary */
	parse_ok("sun 22:00-02:00", &set);
	assert_true(timewin_contains(&set, tz, utc(2026, 3, 9, 1, 0)));   /* Monday 01:00 */
	assert_false(timewin_contains(&set, tz, utc(2026, 3, 10, 1, 0))); /* Tuesday */
	timewin_set_done(&set);

	/* wrapping day range */
	parse_ok("fri-mon 10:00-11:00", &set);
	assert_true(timewin_contains(&set, tz, utc(2026, 3, 8, 10, 30)));   /* Sunday */
	assert_true(timewin_contains(&set, tz, utc(2026, 3, 9, 10, 30)));   /* Monday */
	assert_true(timewin_contains(&set, tz, utc(2026, 3, 6, 10, 0)));    /* Friday */
	assert_false(timewin_contains(&set, tz, utc(2026, 3, 10, 10, 30))); /* Tuesday */
	assert_false(timewin_contains(&set, tz, utc(2026, 3, 5, 10, 30)));  /* Thursday */
	assert_false(timewin_contains(&set, tz, utc(2026, 3, 8, 11, 0)));   /* Sunday, end */
	timewin_set_done(&set);

	/* whole day */
	parse_ok("sat 00:00-24:00", &set);
	assert_true(timewin_contains(&set, tz, utc(2026, 3, 7, 0, 0)));
	assert_true(timewin_contains(&set, tz, utc(2026, 3, 7, 23, 59)));
	assert_false(timewin_contains(&set, tz, utc(2026, 3, 8, 0, 0)));
	timewin_set_done(&set);

	/* empty set and NULL set contain nothing; NULL zone is UTC */
	assert_false(timewin_contains(&set, tz, utc(2026, 3, 7, 12, 0)));
	assert_false(timewin_contains(NULL, tz, utc(2026, 3, 7, 12, 0)));
	parse_ok("sat 12:00-13:00", &set);
	assert_true(timewin_contains(&set, NULL, utc(2026, 3, 7, 12, 30)));
	/* an instant GLib cannot represent is outside */
	assert_false(timewin_contains(&set, tz, INT64_MAX));
	timewin_set_done(&set);
	g_time_zone_unref(tz);
}

static void test_contains_paris_dst(void **state)
{
	struct timewin_set set = {};
	GTimeZone *tz = timewin_zone_new("Europe/Paris");

	assert_non_null(tz);
	parse_ok("mon-fri 09:00-18:00", &set);

	/* Friday 2026-03-27, CET (UTC+1) */
	assert_true(timewin_contains(&set, tz, utc(2026, 3, 27, 8, 30)));  /* 09:30 */
	assert_false(timewin_contains(&set, tz, utc(2026, 3, 27, 7, 30))); /* 08:30 */
	assert_true(timewin_contains(&set, tz, utc(2026, 3, 27, 16, 30))); /* 17:30 */
	/* Monday 2026-03-30, CEST (UTC+2) after the change of Sunday 29 */
	assert_true(timewin_contains(&set, tz, utc(2026, 3, 30, 7, 30)));   /* 09:30 */
	assert_false(timewin_contains(&set, tz, utc(2026, 3, 30, 6, 30)));  /* 08:30 */
	assert_false(timewin_contains(&set, tz, utc(2026, 3, 30, 16, 30))); /* 18:30 */

	/* Friday 2026-10-23 CEST, Monday 2026-10-26 CET (change on Sunday 25) */
	assert_true(timewin_contains(&set, tz, utc(2026, 10, 23, 7, 30)));   /* 09:30 */
	assert_false(timewin_contains(&set, tz, utc(2026, 10, 23, 16, 30))); /* 18:30 */
	assert_false(timewin_contains(&set, tz, utc(2026, 10, 26, 7, 30)));  /* 08:30 */
	assert_true(timewin_contains(&set, tz, utc(2026, 10, 26, 8, 30)));   /* 09:30 */
	assert_true(timewin_contains(&set, tz, utc(2026, 10, 26, 16, 30)));  /* 17:30 */
	timewin_set_done(&set);

	/* The night of the change itself: 02:00 CET jumps to 03:00 CEST. */
	parse_ok("sun 01:00-04:00", &set);
	assert_true(timewin_contains(&set, tz, utc(2026, 3, 29, 0, 30)));  /* 01:30 CET */
	assert_true(timewin_contains(&set, tz, utc(2026, 3, 29, 1, 30)));  /* 03:30 CEST */
	assert_false(timewin_contains(&set, tz, utc(2026, 3, 29, 2, 30))); /* 04:30 CEST */
	timewin_set_done(&set);

	{
		char buf[16];

		assert_string_equal(timewin_format_local(tz, utc(2026, 3, 28, 22, 40), buf),
				    "Sat 23:40");
		assert_string_equal(timewin_format_local(tz, utc(2026, 3, 30, 7, 5), buf),
				    "Mon 09:05");
		assert_string_equal(timewin_format_local(tz, INT64_MAX, buf), "?");
	}
	g_time_zone_unref(tz);
}

static void test_contains_new_york_dst(void **state)
{
	struct timewin_set set = {};
	GTimeZone *tz = timewin_zone_new("America/New_York");

	assert_non_null(tz);
	parse_ok("mon-fri 09:00-18:00", &set);

	/* Friday 2026-03-06 EST (UTC-5); Monday 2026-03-09 EDT (UTC-4) */
	assert_true(timewin_contains(&set, tz, utc(2026, 3, 6, 14, 30)));  /* 09:30 */
	assert_false(timewin_contains(&set, tz, utc(2026, 3, 6, 13, 30))); /* 08:30 */
	assert_true(timewin_contains(&set, tz, utc(2026, 3, 9, 13, 30)));  /* 09:30 */
	assert_false(timewin_contains(&set, tz, utc(2026, 3, 9, 22, 30))); /* 18:30 */
	assert_true(timewin_contains(&set, tz, utc(2026, 3, 6, 22, 30)));  /* 17:30 */

	/* Friday 2026-10-30 EDT; Monday 2026-11-02 EST (change on Sunday 1) */
	assert_true(timewin_contains(&set, tz, utc(2026, 10, 30, 13, 30)));  /* 09:30 */
	assert_false(timewin_contains(&set, tz, utc(2026, 11, 2, 13, 30)));  /* 08:30 */
	assert_true(timewin_contains(&set, tz, utc(2026, 11, 2, 14, 30)));   /* 09:30 */
	assert_true(timewin_contains(&set, tz, utc(2026, 11, 2, 22, 30)));   /* 17:30 */
	assert_false(timewin_contains(&set, tz, utc(2026, 10, 30, 22, 30))); /* 18:30 */

	/* Late Friday in New York is already Saturday in UTC. */
	timewin_set_done(&set);
	parse_ok("fri 22:00-23:30", &set);
	assert_true(timewin_contains(&set, tz, utc(2026, 3, 7, 3, 0))); /* Fri 22:00 EST */
	assert_false(timewin_contains(&set, tz, utc(2026, 3, 6, 22, 30)));
	timewin_set_done(&set);
	g_time_zone_unref(tz);
}

static void test_zones(void **state)
{
	static const char *const good[] = { "UTC", "Europe/Paris", "America/New_York", "Etc/UTC" };
	static const char *const bad[] = {
		"Europe/Pariss", "/etc/passwd",   "../../etc/passwd", "Europe/../Europe/Paris", "",
		"Mars/Olympus",  "Europe//Paris", "Europe/Paris/"
	};

	for (size_t i = 0; i < ELEMENTSOF(good); i++) {
		GTimeZone *tz = timewin_zone_new(good[i]);

		if (!tz)
			fail_msg("zone '%s' refused", good[i]);
		g_time_zone_unref(tz);
	}
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		GTimeZone *tz = timewin_zone_new(bad[i]);

		if (tz) {
			g_time_zone_unref(tz);
			fail_msg("zone '%s' accepted", bad[i]);
		}
	}
	assert_null(timewin_zone_new(NULL));
}

static void test_limits(void **state)
{
	struct timewin_set set = {};
	GString *s = g_string_new(NULL);
	char *err = NULL;

	for (int i = 0; i < 128; i++)
		g_string_append_printf(s, "%smon 10:00-11:00", i ? ", " : "");
	parse_ok(s->str, &set);
	assert_int_equal(set.n, 128);
	timewin_set_done(&set);
	g_string_append(s, ", tue 10:00-11:00");
	assert_int_equal(timewin_parse(s->str, &set, &err), -EINVAL);
	assert_non_null(strstr(err, "more than 128 windows"));
	free(err);
	err = NULL;
	g_string_truncate(s, 0);
	for (int i = 0; i < 5000; i++)
		g_string_append_c(s, 'm');
	assert_int_equal(timewin_parse(s->str, &set, &err), -EINVAL);
	assert_non_null(strstr(err, "too long"));
	/* the quoted text in the message is bounded */
	assert_true(strlen(err) < 300);
	free(err);
	g_string_free(s, TRUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grammar),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_contains_simple),
		cmocka_unit_test(test_contains_paris_dst),
		cmocka_unit_test(test_contains_new_york_dst),
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
