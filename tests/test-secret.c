/* SPDX-License-Identifier: MIT */
/* Secrets: file checks, reading files and credentials, helper commands. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "secret.h"
#include "test-helpers.h"
#include "util.h"

static char tmpdir[] = "/tmp/test-secret-XXXXXX";

static int setup(void **state)
{
	if (!mkdtemp(tmpdir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	return test_tmpdir_remove(tmpdir);
}

static char *write_file(const char *name, const char *content, size_t len, mode_t mode)
{
	return test_write_file(tmpdir, name, content, len, mode);
}

static void expect_file_secret(const char *content, size_t len, const char *expected)
{
	_cleanup_free_ char *path = write_file("pass", content, len, 0600);
	struct conf_secret s = { .file = path };
	char *secret = NULL, *err = NULL;

	assert_int_equal(secret_get(&s, &secret, &err), 0);
	assert_null(err);
	assert_string_equal(secret, expected);
	secret = secret_free(secret);
	assert_null(secret);
}

static void expect_file_error(const char *content, size_t len, const char *msg)
{
	_cleanup_free_ char *path = write_file("pass", content, len, 0600);
	struct conf_secret s = { .file = path };
	char *secret = NULL, *err = NULL;

	assert_true(secret_get(&s, &secret, &err) < 0);
	assert_null(secret);
	assert_non_null(err);
	if (!strstr(err, msg))
		fail_msg("expected '%s' in '%s'", msg, err);
	free(err);
}

static void test_file_newline(void **state)
{
	expect_file_secret("s3cret\n", 7, "s3cret");
	expect_file_secret("s3cret", 6, "s3cret");
	expect_file_secret("s3cret\r\n", 8, "s3cret");
	/* only ONE trailing newline is stripped */
	expect_file_secret("s3cret\n\n", 8, "s3cret\n");
	expect_file_secret(" spaced pass ", 13, " spaced pass ");
	expect_file_error("", 0, "is empty");
	expect_file_error("\n", 1, "is empty");
	expect_file_error("a\0b", 3, "NUL byte");
	{
		char *big = malloc(70000);

		assert_non_null(big);
		memset(big, 'x', 70000);
		expect_file_error(big, 70000, "larger than 64 KiB");
		free(big);
	}
	{
		struct conf_secret s = { .file = (char *) "/nonexistent/redflagd/pass" };
		char *secret = NULL, *err = NULL;

		assert_int_equal(secret_get(&s, &secret, &err), -ENOENT);
		assert_string_equal(err,
				    "password_file '/nonexistent/redflagd/pass' cannot be read: "
				    "No such file or directory");
		free(err);
	}
	{
		struct conf_secret none = {};
		char *secret = NULL, *err = NULL;

		assert_int_equal(secret_get(&none, &secret, &err), -EINVAL);
		assert_string_equal(err, "no secret configured");
		free(err);
	}
	assert_null(secret_free(NULL));
	{
		/* Checked on the file actually opened, not only at load time. */
		_cleanup_free_ char *path = write_file("open", "s3cret\n", 7, 0644);
		struct conf_secret s = { .file = path };
		char *secret = NULL, *err = NULL;

		assert_int_equal(secret_get(&s, &secret, &err), -EPERM);
		assert_null(secret);
		assert_non_null(strstr(err, "readable by everyone"));
		free(err);
	}
}

static void test_credential(void **state)
{
	_cleanup_free_ char *path = write_file("smtp", "cred-pass\n", 10, 0400);
	struct conf_secret s = { .credential = (char *) "smtp" };
	char *secret = NULL, *err = NULL;

	assert_int_equal(setenv("CREDENTIALS_DIRECTORY", tmpdir, 1), 0);
	assert_int_equal(secret_get(&s, &secret, &err), 0);
	assert_string_equal(secret, "cred-pass");
	secret = secret_free(secret);

	s.credential = (char *) "missing";
	assert_int_equal(secret_get(&s, &secret, &err), -ENOENT);
	assert_string_equal(err,
			    "password_credential 'missing' not found in $CREDENTIALS_DIRECTORY");
	free(err);
	err = NULL;

	s.credential = (char *) "../smtp";
	assert_int_equal(secret_get(&s, &secret, &err), -EINVAL);
	assert_non_null(strstr(err, "bad password_credential name"));
	free(err);
	err = NULL;

	assert_int_equal(unsetenv("CREDENTIALS_DIRECTORY"), 0);
	s.credential = (char *) "smtp";
	assert_int_equal(secret_get(&s, &secret, &err), -ENOENT);
	assert_non_null(
	    strstr(err, "password_credential 'smtp' not found in $CREDENTIALS_DIRECTORY"));
	assert_null(secret);
	free(err);
}

static void check_secret_file(const char *path, uid_t uid, int expected_r, const char *msg)
{
	char *err = NULL;
	int r = secret_check_file(path, uid, &err);

	assert_int_equal(r, expected_r);
	if (!msg) {
		assert_null(err);
		return;
	}
	assert_non_null(err);
	if (!strstr(err, msg))
		fail_msg("expected '%s' in '%s'", msg, err);
	free(err);
}

static void test_check_file(void **state)
{
	_cleanup_free_ char *path = write_file("work.pass", "pw\n", 3, 0640);
	_cleanup_free_ char *link = strdup_printf("%s/link.pass", tmpdir);
	_cleanup_free_ char *expected = NULL;

	/* root:redflagd 0640 style: fine for root and for the file's owner */
	check_secret_file(path, geteuid(), 0, NULL);
	assert_int_equal(chmod(path, 0600), 0);
	check_secret_file(path, geteuid(), 0, NULL);

	assert_int_equal(chmod(path, 0644), 0);
	expected = strdup_printf("'%s' is readable by everyone (mode 0644): chmod o-r it", path);
	check_secret_file(path, geteuid(), -EPERM, expected);
	assert_int_equal(chmod(path, 0602), 0);
	check_secret_file(path, geteuid(), -EPERM,
			  "is writable by everyone (mode 0602): chmod o-w it");
	assert_int_equal(chmod(path, 0647), 0);
	check_secret_file(path, geteuid(), -EPERM,
			  "is readable by everyone (mode 0647): chmod o-rwx it");
	assert_int_equal(chmod(path, 0640), 0);

	/* owned by someone else than root or the daemon's user */
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 65534, 65534), 0);
		check_secret_file(path, 0, -EPERM, "not by root: chown it");
		check_secret_file(path, (uid_t) -1, -EPERM, "is owned by");
		check_secret_file(path, 65534, 0, NULL); /* the daemon's user */
		check_secret_file(path, 1234, -EPERM, "not by root or uid 1234");
		assert_int_equal(chown(path, 0, 0), 0);
		check_secret_file(path, 1234, 0, NULL); /* root is always fine */
	} else {
		check_secret_file(path, (uid_t) -1, -EPERM, "is owned by");
		check_secret_file(path, geteuid() + 1, -EPERM, "is owned by");
	}

	/* a symbolic link is refused, a directory too, a missing file too */
	assert_non_null(link);
	(void) unlink(link);
	assert_int_equal(symlink(path, link), 0);
	check_secret_file(link, geteuid(), -ELOOP, "is a symbolic link");
	check_secret_file(tmpdir, geteuid(), -EINVAL, "is not a regular file");
	check_secret_file("/nonexistent/redflagd.pass", geteuid(), -ENOENT,
			  "'/nonexistent/redflagd.pass' does not exist");
	check_secret_file("", geteuid(), -EINVAL, "empty file name");
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void run_ok(char **argv, const char *expected)
{
	char *out = NULL, *err = NULL;
	int r = secret_run_command(argv, 10, &out, &err);

	if (r < 0)
		fail_msg("command '%s' failed: %s", argv[0], strna(err));
	assert_null(err);
	assert_string_equal(out, expected);
	secret_free(out);
}

static void run_fail(char **argv, unsigned timeout, int expected_r, const char *msg)
{
	char *out = NULL, *err = NULL;
	int r = secret_run_command(argv, timeout, &out, &err);

	assert_int_equal(r, expected_r);
	assert_null(out);
	assert_non_null(err);
	if (!strstr(err, msg))
		fail_msg("expected '%s' in '%s'", msg, err);
	free(err);
}

static void test_command_output(void **state)
{
	char *a1[] = { "printf", "tok-123\\nsecond line\\n", NULL };
	char *a2[] = { "printf", "crlf\\r\\n", NULL };
	char *a3[] = { "printf", "no newline", NULL };
	char *a4[] = { "sh", "-c", "echo '  spaced  '; echo more >&2", NULL };

	run_ok(a1, "tok-123");
	run_ok(a2, "crlf");
	run_ok(a3, "no newline");
	run_ok(a4, "  spaced  ");
	{
		struct conf_secret s = { .command = a1 };
		char *secret = NULL, *err = NULL;

		assert_int_equal(secret_get(&s, &secret, &err), 0);
		assert_string_equal(secret, "tok-123");
		secret_free(secret);
	}
}

static void test_command_failures(void **state)
{
	char *exit3[] = { "sh", "-c", "echo partial; exit 3", NULL };
	char *missing[] = { "/nonexistent/redflagd-helper", NULL };
	char *nothing[] = { "true", NULL };
	char *killed[] = { "sh", "-c", "kill -9 $$", NULL };
	char *stdin_null[] = { "cat", NULL };
	char *longline[] = { "sh", "-c", "head -c 70000 /dev/zero | tr '\\000' a", NULL };
	char *nul[] = { "printf", "a\\000b\\n", NULL };
	char *empty[] = { NULL };

	run_fail(exit3, 10, -EIO, "command 'sh' exited with status 3");
	run_fail(missing, 10, -ENOENT, "cannot run command '/nonexistent/redflagd-helper'");
	run_fail(nothing, 10, -EINVAL, "command 'true' printed nothing");
	run_fail(killed, 10, -EIO, "was killed by signal 9");
	/* stdin is /dev/null: cat ends at once */
	run_fail(stdin_null, 10, -EINVAL, "printed nothing");
	run_fail(longline, 10, -EFBIG, "printed a line longer than 64 KiB");
	run_fail(nul, 10, -EINVAL, "printed a NUL byte");
	run_fail(empty, 10, -EINVAL, "empty command");
}

static void test_command_timeout(void **state)
{
	char *slow[] = { "sleep", "20", NULL };
	char *silent_child[] = { "sh", "-c", "sleep 20; echo late", NULL };
	char *left_behind[] = { "sh", "-c", "echo early; sleep 20 &", NULL };
	int64_t t0;

	t0 = now_ms();
	run_fail(slow, 1, -ETIMEDOUT, "command 'sleep' timed out after 1 s");
	assert_true(now_ms() - t0 < 5000);

	/* the whole process group goes: sh and its sleep */
	t0 = now_ms();
	run_fail(silent_child, 1, -ETIMEDOUT, "timed out after 1 s");
	assert_true(now_ms() - t0 < 5000);

	/* the helper exits but leaves a child holding the pipe: no wait */
	t0 = now_ms();
	run_ok(left_behind, "early");
	assert_true(now_ms() - t0 < 5000);
}

static void test_command_environment(void **state)
{
	char *check[] = {
		"/usr/bin/env", "sh", "-c",
		"printf '%s|%s|%s|%s|%s|%s|%s\\n' \"${NOTIFY_SOCKET-unset}\" "
		"\"${WATCHDOG_USEC-unset}\" \"${WATCHDOG_PID-unset}\" \"${LISTEN_FDS-unset}\" "
		"\"${LISTEN_PID-unset}\" \"${LISTEN_FDNAMES-unset}\" \"$REDFLAG_TEST_KEEP\"",
		NULL
	};
	char *count[] = { "sh", "-c",
			  "/usr/bin/env | grep -c -E '^(NOTIFY_SOCKET|WATCHDOG_|LISTEN_)' || true",
			  NULL };

	assert_int_equal(setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1), 0);
	assert_int_equal(setenv("WATCHDOG_USEC", "30000000", 1), 0);
	assert_int_equal(setenv("WATCHDOG_PID", "1", 1), 0);
	assert_int_equal(setenv("LISTEN_FDS", "1", 1), 0);
	assert_int_equal(setenv("LISTEN_PID", "1", 1), 0);
	assert_int_equal(setenv("LISTEN_FDNAMES", "x", 1), 0);
	assert_int_equal(setenv("REDFLAG_TEST_KEEP", "kept", 1), 0);

	run_ok(check, "unset|unset|unset|unset|unset|unset|kept");
	run_ok(count, "0");
	/* and our own environment is untouched */
	assert_string_equal(getenv("NOTIFY_SOCKET"), "/run/systemd/notify");

	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDNAMES");
	unsetenv("REDFLAG_TEST_KEEP");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_newline),        cmocka_unit_test(test_credential),
		cmocka_unit_test(test_check_file),          cmocka_unit_test(test_command_output),
		cmocka_unit_test(test_command_failures),    cmocka_unit_test(test_command_timeout),
		cmocka_unit_test(test_command_environment),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
