/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mutf7.h"
#include "util.h"

static void check_pair(const char *mutf7, const char *utf8)
{
	_cleanup_free_ char *dec = NULL, *enc = NULL;

	assert_int_equal(mutf7_decode(mutf7, strlen(mutf7), &dec), 0);
	assert_string_equal(dec, utf8);
	assert_int_equal(mutf7_encode(utf8, &enc), 0);
	assert_string_equal(enc, mutf7);
}

static void check_invalid(const char *mutf7)
{
	char *dec = NULL;

	assert_int_equal(mutf7_decode(mutf7, strlen(mutf7), &dec), -EINVAL);
	assert_null(dec);
}

static void test_ascii(void **state)
{
	check_pair("", "");
	check_pair("INBOX", "INBOX");
	check_pair("Clients/acme", "Clients/acme");
	check_pair("a b~c", "a b~c");
}

static void test_ampersand(void **state)
{
	check_pair("&-", "&");
	check_pair("R&-D", "R&D");
	check_pair("&-&-", "&&");
}

static void test_latin(void **state)
{
	check_pair("Envoy&AOk-s", "Envoyés");
	check_pair("&AMk-l&AOk-ments envoy&AOk-s", "Éléments envoyés");
	/* Two non-ASCII characters in a row share one run. */
	check_pair("caf&AOkA6Q-", "caféé");
	/* A run followed by a literal '&'. */
	check_pair("&AOk-&-", "é&");
}

static void test_cjk(void **state)
{
	/* RFC 3501's own example: ~peter/mail/台北/日本語 */
	check_pair("~peter/mail/&U,BTFw-/&ZeVnLIqe-", "~peter/mail/台北/日本語");
}

static void test_surrogates(void **state)
{
	/* U+1F600 = D83D DE00 */
	check_pair("&2D3eAA-", "\xf0\x9f\x98\x80");
	check_pair("Mood &2D3eAA- ok", "Mood \xf0\x9f\x98\x80 ok");
}

static void test_control_chars(void **state)
{
	check_pair("a&AAk-b", "a\tb");
	check_pair("&AH8-", "\x7f");
}

static void test_invalid_decode(void **state)
{
	check_invalid("&");            /* unterminated */
	check_invalid("abc&AOk");      /* unterminated run */
	check_invalid("&AO!-");        /* bad base64 character */
	check_invalid("&AO/-");        /* '/' is not modified base64 */
	check_invalid("&AOl-");        /* non-zero padding bits */
	check_invalid("&AOkA-");       /* surplus bits (6 >= a whole character) */
	check_invalid("&AGE-");        /* 'a' must not be encoded */
	check_invalid("&ACY-");        /* '&' must be "&-" */
	check_invalid("&AOk-&AOk-");   /* null shift: runs must be merged */
	check_invalid("&2D0-");        /* lone high surrogate */
	check_invalid("&3gA-");        /* lone low surrogate */
	check_invalid("&2D0AQQ-");     /* high surrogate + non-surrogate */
	check_invalid("&AAA-");        /* NUL */
	check_invalid("Envoy\xc3\xa9s"); /* raw 8-bit */
	check_invalid("a\tb");         /* raw control character */
	check_invalid("a=b&A");        /* unterminated */

	/* Embedded NUL within the given length. */
	char *dec = NULL;
	assert_int_equal(mutf7_decode("ab\0c", 4, &dec), -EINVAL);
	/* The length bounds the input: no terminator needed. */
	assert_int_equal(mutf7_decode("INBOXjunk", 5, &dec), 0);
	assert_string_equal(dec, "INBOX");
	free(dec);
}

static void test_invalid_encode(void **state)
{
	char *enc = NULL;

	assert_int_equal(mutf7_encode("\xc3", &enc), -EINVAL);          /* truncated */
	assert_int_equal(mutf7_encode("\xc0\xaf", &enc), -EINVAL);      /* overlong */
	assert_int_equal(mutf7_encode("\xed\xa0\x80", &enc), -EINVAL);  /* surrogate */
	assert_int_equal(mutf7_encode("\xf4\x90\x80\x80", &enc), -EINVAL); /* > U+10FFFF */
	assert_int_equal(mutf7_encode("\xff", &enc), -EINVAL);
	assert_null(enc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii),
		cmocka_unit_test(test_ampersand),
		cmocka_unit_test(test_latin),
		cmocka_unit_test(test_cjk),
		cmocka_unit_test(test_surrogates),
		cmocka_unit_test(test_control_chars),
		cmocka_unit_test(test_invalid_decode),
		cmocka_unit_test(test_invalid_encode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
