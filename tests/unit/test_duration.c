/*
 * test_duration.c - what users type for --duration, and the dd:hh:mm:ss the tools take.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "duration.h"

static void test_parse_ok(void **state)
{
	static const struct {
		const char *in;
		long long secs;
	} cases[] = {
		{ "30s", 30 },          { "2m", 120 },           { "1h30m", 5400 },
		{ "1d2h", 93600 },      { "90", 90 },            { "1", 1 },
		{ "1h0m", 3600 },       { "1d2h3m4s", 93784 },   { "45s", 45 },
		{ "0030s", 30 },        { "99d", 99LL * 86400 }, { "2376h", 99LL * 86400 },
		{ "00:00:00:30", 30 },  { "01:30:00", 5400 },    { "1:2:3", 3723 },
		{ "99:00:00:00", 99LL * 86400 },                 { "00:23:59:59", 86399 },
		{ "8553600", 99LL * 86400 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long long v = -1;

		if (duration_parse(cases[i].in, &v) != 0)
			fail_msg("\"%s\" rejected", cases[i].in);
		assert_int_equal(v, cases[i].secs);
	}
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *in;
		int err;
	} cases[] = {
		{ "", EINVAL },          { "0", EINVAL },           { "0s", EINVAL },
		{ "0h0m", EINVAL },      { "-5s", EINVAL },         { "+5s", EINVAL },
		{ "5x", EINVAL },        { "1m1h", EINVAL },        { "1h1h", EINVAL },
		{ "m", EINVAL },         { "s", EINVAL },           { "1h30", EINVAL },
		{ " 30s", EINVAL },      { "30s ", EINVAL },        { "3 0s", EINVAL },
		{ "1.5h", EINVAL },      { "30S", EINVAL },         { "1h 30m", EINVAL },
		{ "00:00:00:00", EINVAL }, { "00:00:60", EINVAL },  { "00:24:00:00", EINVAL },
		{ "100:00:00:00", EINVAL }, { "1:2", EINVAL },      { "1:2:3:4:5", EINVAL },
		{ "::", EINVAL },        { "001:00:00", EINVAL },   { "1:2:3s", EINVAL },
		{ "100d", ERANGE },      { "8553601", ERANGE },     { "99d1s", ERANGE },
		{ "99999999999999999999999999s", ERANGE },
		{ "9223372036854775807", ERANGE }, { "9223372036854775808h", ERANGE },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long long v = 12345;

		errno = 0;
		if (duration_parse(cases[i].in, &v) != -1)
			fail_msg("\"%s\" accepted as %lld", cases[i].in, v);
		assert_int_equal(errno, cases[i].err);
		assert_int_equal(v, 12345);
	}
	errno = 0;
	assert_int_equal(duration_parse(NULL, &(long long){ 0 }), -1);
	assert_int_equal(errno, EINVAL);
}

static void test_format(void **state)
{
	static const struct {
		long long secs;
		const char *out;
	} cases[] = {
		{ 30, "00:00:00:30" },          { 5400, "00:01:30:00" },
		{ 93784, "01:02:03:04" },       { 99LL * 86400, "99:00:00:00" },
		{ 0, "00:00:00:00" },           { 86399, "00:23:59:59" },
	};
	char buf[12];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(duration_format_tool(cases[i].secs, buf, sizeof(buf)), 0);
		assert_string_equal(buf, cases[i].out);
	}
	errno = 0;
	assert_int_equal(duration_format_tool(30, buf, sizeof(buf) - 1), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(duration_format_tool(-1, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(duration_format_tool(99LL * 86400 + 1, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
}

/* What the trace verb does: user input -> tool argument. */
static void test_roundtrip(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "30s", "00:00:00:30" }, { "2m", "00:00:02:00" }, { "1h30m", "00:01:30:00" },
		{ "00:00:00:30", "00:00:00:30" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long long v;
		char buf[16];

		assert_int_equal(duration_parse(cases[i].in, &v), 0);
		assert_int_equal(duration_format_tool(v, buf, sizeof(buf)), 0);
		assert_string_equal(buf, cases[i].out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
