/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "clock.h"
#include "json.h"
#include "log.h"
#include "model.h"
#include "util.h"

static void test_parse_uint(void **state)
{
	unsigned long long v = 0;
	uint32_t u = 0;

	assert_int_equal(parse_uint("42", 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_uint("101", 100, &v), -ERANGE);
	assert_int_equal(parse_uint("", 100, &v), -EINVAL);
	assert_int_equal(parse_uint("-1", 100, &v), -EINVAL);
	assert_int_equal(parse_uint(" 1", 100, &v), -EINVAL);
	assert_int_equal(parse_uint("1x", 100, &v), -EINVAL);
	assert_int_equal(parse_uint("0x10", 100, &v), -EINVAL);
	assert_int_equal(parse_uint("99999999999999999999999", UINT64_MAX, &v), -ERANGE);
	assert_int_equal(parse_uint32("4294967295", &u), 0);
	assert_int_equal(u, 4294967295U);
	assert_int_equal(parse_uint32("4294967296", &u), -ERANGE);
}

static void test_parse_double(void **state)
{
	double d = 0;

	assert_int_equal(parse_double("1.5", &d), 0);
	assert_true(d == 1.5);
	assert_int_equal(parse_double("-3", &d), 0);
	assert_true(d == -3);
	assert_int_equal(parse_double("1,5", &d), -EINVAL);
	assert_int_equal(parse_double("nan", &d), -EINVAL);
	assert_int_equal(parse_double("1e3", &d), -EINVAL);
	assert_int_equal(parse_double("", &d), -EINVAL);
	assert_int_equal(parse_double(".", &d), -EINVAL);
	assert_int_equal(parse_double("1-2", &d), -EINVAL);
}

static void test_parse_boolean(void **state)
{
	assert_int_equal(parse_boolean("yes"), 1);
	assert_int_equal(parse_boolean("ON"), 1);
	assert_int_equal(parse_boolean("0"), 0);
	assert_int_equal(parse_boolean("false"), 0);
	assert_int_equal(parse_boolean("maybe"), -EINVAL);
}

static void test_strv(void **state)
{
	_cleanup_strv_free_ char **l = NULL;
	char buf[] = "  a b \t\n";

	assert_int_equal(strv_split_comma(" a@x.example, ,*@y.example ,", &l), 0);
	assert_int_equal(strv_length(l), 2);
	assert_string_equal(l[0], "a@x.example");
	assert_string_equal(l[1], "*@y.example");
	assert_true(strv_contains(l, "*@y.example"));
	assert_false(strv_contains(l, "y.example"));
	assert_string_equal(strstrip(buf), "a b");
}

static void test_diag(void **state)
{
	struct diag d = {};

	diag_add(&d, "f.conf", 3, "unknown key '%s'", "pasword");
	diag_add(&d, "f.conf", 0, "cannot read");
	assert_int_equal(d.n_errors, 2);
	assert_string_equal(d.lines[0], "f.conf:3: unknown key 'pasword'");
	assert_string_equal(d.lines[1], "f.conf: cannot read");
	diag_done(&d);
	assert_null(d.lines);
}

static void test_clock(void **state)
{
	int64_t t = 0, now;
	char buf[32];

	assert_int_equal(clock_parse_rfc3339("2026-11-20T17:00:00+01:00", &t), 0);
	assert_int_equal(t, 1795190400);
	assert_string_equal(clock_format_rfc3339(t, buf), "2026-11-20T16:00:00Z");
	assert_int_equal(clock_parse_rfc3339("2026-11-20 17:00", &t), -EINVAL);
	assert_int_equal(clock_parse_rfc3339("yesterday", &t), -EINVAL);

	setenv("REDFLAGD_NOW", "2026-11-20T17:00:00+01:00", 1);
	assert_int_equal(clock_init(), 0);
	now = clock_now();
	/* Starts at REDFLAGD_NOW and runs on at real speed. */
	assert_true(now >= 1795190400 && now < 1795190400 + 5);
	setenv("REDFLAGD_NOW", "not a time", 1);
	assert_int_equal(clock_init(), -EINVAL);
	unsetenv("REDFLAGD_NOW");
	assert_int_equal(clock_init(), 0);
	assert_true(clock_now() > 1795190400 - 400 * SEC_PER_DAY);
}

static char *json_of_string(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	json_write_string(f, s);
	fclose(f);
	return buf;
}

static char *json_of_number(double v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	json_write_number(f, v);
	fclose(f);
	return buf;
}

static void test_json(void **state)
{
	_cleanup_free_ char *a = json_of_string("l'\"été\"\n\t\\\x01");
	_cleanup_free_ char *b = json_of_string("bad \xff byte");
	_cleanup_free_ char *c = json_of_number(0.72), *d = json_of_number(16), *e = json_of_number(-0.6249),
			    *f = json_of_number(1.0 / 0.0);

	assert_string_equal(a, "\"l'\\\"été\\\"\\n\\t\\\\\\u0001\"");
	assert_string_equal(b, "\"bad \\ufffd byte\"");
	assert_string_equal(c, "0.72");
	assert_string_equal(d, "16");
	assert_string_equal(e, "-0.6249");
	assert_string_equal(f, "null");
}

static void test_model(void **state)
{
	assert_string_equal(symbol_to_string(SYMBOL_OUT_OF_WINDOW), "OUT_OF_WINDOW");
	assert_int_equal(symbol_from_string("out_of_window"), SYMBOL_OUT_OF_WINDOW);
	assert_int_equal(symbol_from_string("NOPE"), _SYMBOL_INVALID);
	assert_null(symbol_to_string(_SYMBOL_MAX));
	assert_string_equal(level_to_string(LEVEL_RED), "red");
	assert_int_equal(category_from_string("payment"), CATEGORY_PAYMENT);
	assert_int_equal(tone_label_from_score(-0.05), TONE_NEGATIVE);
	assert_int_equal(tone_label_from_score(-0.049), TONE_NEUTRAL);
	assert_int_equal(tone_label_from_score(0.05), TONE_POSITIVE);
	assert_string_equal(tone_label_to_string(TONE_NEGATIVE), "neg");
}

/* A name from a server or a mail cannot forge a second log line. */
static void test_log_one_line(void **state)
{
	char path[] = "/tmp/test-util-log-XXXXXX";
	_cleanup_free_ char *out = NULL;
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);

	assert_true(fd >= 0 && saved >= 0);
	unsetenv("JOURNAL_STREAM");
	log_open();
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	log_error("folder '%s' skipped", "x\n<0>forged\x1b[2J");
	fflush(stderr);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	close(fd);
	assert_int_equal(read_full_file(path, 4096, &out, NULL), 0);
	unlink(path);
	assert_string_equal(out, "redflagd: folder 'x?<0>forged?[2J' skipped\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_uint),  cmocka_unit_test(test_parse_double),
		cmocka_unit_test(test_parse_boolean), cmocka_unit_test(test_strv),
		cmocka_unit_test(test_diag),        cmocka_unit_test(test_clock),
		cmocka_unit_test(test_json),        cmocka_unit_test(test_model),
		cmocka_unit_test(test_log_one_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
