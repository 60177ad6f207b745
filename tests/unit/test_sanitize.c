/*
 * test_sanitize.c - pod text shown on a terminal: the escaping of sanitize() and san(), and the
 * stream filter a tool's output goes through. Every input is something a pod can print: escape
 * sequences that move the cursor, set the title or clear the screen, newlines that would forge a row,
 * C1 controls, invalid UTF-8 and bidi overrides.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sanitize.h"

static void expect_san(const char *in, size_t len, unsigned flags, const char *want)
{
	char out[512];
	size_t n = sanitize(out, sizeof(out), in, len, flags);

	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
}

static void test_escapes(void **state)
{
	(void)state;
	expect_san("plain text 123", 14, 0, "plain text 123");
	expect_san("\033[31mred\033[0m", 12, 0, "\\x1b[31mred\\x1b[0m");
	expect_san("\033]0;pwned\007", 10, 0, "\\x1b]0;pwned\\x07");
	expect_san("a\nb", 3, 0, "a\\nb");
	expect_san("a\nb", 3, SAN_KEEP_NL, "a\nb");
	expect_san("a\tb\r", 4, 0, "a\\tb\\r");
	expect_san("a\tb", 3, SAN_KEEP_TAB, "a\tb");
	expect_san("back\\slash", 10, 0, "back\\\\slash");
	expect_san("del\177", 4, 0, "del\\x7f");
	expect_san("nul\0x", 5, 0, "nul\\x00x");
}

static void test_utf8(void **state)
{
	(void)state;
	/* valid UTF-8 passes: é, €, an emoji */
	expect_san("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14, 0, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* C1 CSI (U+009B), as UTF-8 and as a raw byte */
	expect_san("\xc2\x9b" "2J", 4, 0, "\\xc2\\x9b2J");
	expect_san("\x9b" "2J", 3, 0, "\\x9b2J");
	/* bidi override U+202E and isolate U+2066 */
	expect_san("a\xe2\x80\xae" "b\xe2\x81\xa6", 8, 0, "a\\xe2\\x80\\xaeb\\xe2\\x81\\xa6");
	/* overlong "/", a surrogate, a cut sequence, a stray continuation byte */
	expect_san("\xc0\xaf", 2, 0, "\\xc0\\xaf");
	expect_san("\xed\xa0\x80", 3, 0, "\\xed\\xa0\\x80");
	expect_san("x\xe2\x82", 3, 0, "x\\xe2\\x82");
	expect_san("\x80z", 2, 0, "\\x80z");
}

static void test_cut_and_measure(void **state)
{
	char out[8];
	size_t n;

	(void)state;
	assert_int_equal(sanitize(NULL, 0, "\033x", 2, 0), 5);
	/* a cut never splits an escape or a character */
	n = sanitize(out, sizeof(out), "abcd\033", 5, 0);
	assert_int_equal(n, 8);
	assert_string_equal(out, "abcd");
	n = sanitize(out, 6, "abcd\xc3\xa9", 6, 0);
	assert_int_equal(n, 6);
	assert_string_equal(out, "abcd");
}

static void test_dup_and_san(void **state)
{
	char *d, big[5000];
	const char *a, *b;

	(void)state;
	d = sanitize_dup("x\033[2Jy\nz", SAN_KEEP_NL);
	assert_non_null(d);
	assert_string_equal(d, "x\\x1b[2Jy\nz");
	free(d);
	assert_null(sanitize_dup(NULL, 0));

	a = san("one\n");
	b = san("two\033");
	assert_string_equal(a, "one\\n");
	assert_string_equal(b, "two\\x1b");
	assert_string_equal(san(NULL), "");

	memset(big, '\033', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	a = san(big);
	assert_true(strlen(a) < SAN_SHOW_MAX);
	assert_int_equal(strlen(a) % 4, 3); /* whole escapes, then "..." */
	assert_string_equal(a + strlen(a) - 3, "...");
	assert_null(strchr(a, '\033'));
}

/* Feed `in` to a fresh filter in chunks of `chunk` bytes; the output must be `want`. */
static void expect_stream(const char *in, size_t len, size_t chunk, const char *want)
{
	struct san_stream s;
	char out[1024];
	size_t i, o = 0;

	san_stream_init(&s);
	for (i = 0; i < len; i += chunk) {
		size_t n = len - i < chunk ? len - i : chunk;

		assert_true(o + n + SAN_STREAM_SLACK < sizeof(out));
		o += san_stream_feed(&s, in + i, n, out + o);
	}
	out[o] = '\0';
	assert_string_equal(out, want);
}

static void test_stream(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "Recording trace 1.2 MB\n", "Recording trace 1.2 MB\n" },
		{ "\033[31mred\033[0m\n", "red\n" },
		{ "\033]0;pwned\007title\n", "title\n" },
		{ "\033]0;pwned\033\\ok\n", "ok\n" },
		{ "\033[2J\033[H\033[?25lclear\n", "clear\n" },
		{ "\033(Bcharset \0337saved\n", "charset saved\n" },
		{ "\033P1;2|data\033\\dcs\n", "dcs\n" },
		{ "a\rb\bc\007d\n", "abcd\n" },
		{ "tab\there\n", "tab\there\n" },
		{ "\xc2\x9b" "2Jc1\n", "c1\n" },
		{ "\xc2\x9d" "0;t\x07osc\n", "osc\n" },
		{ "caf\xc3\xa9\n", "caf\xc3\xa9\n" },
		{ "bad\xff\xc3(\n", "bad?" "?(\n" },
		{ "rtl\xe2\x80\xae!\n", "rtl!\n" },
	};
	size_t i, chunk;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (chunk = 1; chunk <= 4; chunk++)
			expect_stream(cases[i].in, strlen(cases[i].in), chunk, cases[i].want);
}

static void test_stream_unterminated_string(void **state)
{
	char in[3000];
	struct san_stream s;
	char out[sizeof(in) + SAN_STREAM_SLACK];
	size_t n;

	(void)state;
	/* an OSC that never ends swallows a bounded amount, then text shows again */
	in[0] = '\033';
	in[1] = ']';
	memset(in + 2, 'x', sizeof(in) - 2);
	san_stream_init(&s);
	n = san_stream_feed(&s, in, sizeof(in), out);
	assert_true(n > 0 && n < sizeof(in) - 1000);
	assert_null(memchr(out, '\033', n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_cut_and_measure),
		cmocka_unit_test(test_dup_and_san),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_stream_unterminated_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
