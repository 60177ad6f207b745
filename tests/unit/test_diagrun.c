/*
 * test_diagrun.c - the stderr filter of diagrun: kubectl's "command terminated with exit code N" and
 * the script's own records are taken out of the tool's stderr, whatever the chunking, and nothing
 * else is held back longer than a marker could need.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diagrun.h"

/* Feed `in` in chunks of `chunk` bytes (0: all at once), then end; the shown bytes into `out`. */
static size_t run_filter(struct diagrun_errfilter *f, const char *in, size_t chunk, char *out)
{
	size_t n = strlen(in), o = 0, i;

	diagrun_errfilter_init(f);
	if (!chunk)
		chunk = n ? n : 1;
	for (i = 0; i < n; i += chunk)
		o += diagrun_errfilter_feed(f, in + i, n - i < chunk ? n - i : chunk, out + o);
	o += diagrun_errfilter_end(f, out + o);
	out[o] = '\0';
	return o;
}

static void test_cases(void **state)
{
	static const struct {
		const char *in, *shown;
		int remote_status, started;
		const char *fail;
	} cases[] = {
		{ "", "", -1, 0, "" },
		{ "plain\n", "plain\n", -1, 0, "" },
		{ "no newline", "no newline", -1, 0, "" },
		{ "command terminated with exit code 3\n", "", 3, 0, "" },
		{ "oops\ncommand terminated with exit code 130\n", "oops\n", 130, 0, "" },
		{ "command terminated with exit code 3x\n", "command terminated with exit code 3x\n", -1,
		  0, "" },
		{ "command terminated with exit code \n", "command terminated with exit code \n", -1, 0,
		  "" },
		{ "command terminated\n", "command terminated\n", -1, 0, "" },
		{ "command", "command", -1, 0, "" },
		{ "xcommand terminated with exit code 3\n", "xcommand terminated with exit code 3\n", -1,
		  0, "" },
		{ "command terminated with exit code 99999\n", "", 255, 0, "" },
		{ "command terminated with exit code 12345678901\n",
		  "command terminated with exit code 12345678901\n", -1, 0, "" },
		{ "dotnetprof-diagrun\tstart\nwarn: x\n", "warn: x\n", -1, 1, "" },
		{ "dotnetprof-diagrun\tfail\tno \\\\ room\\there\ncommand terminated with exit code 125\n",
		  "", 125, 0, "no \\ room\there" },
		{ "dotnetprof-diagrun\tfuture\tx\n", "", -1, 0, "" },
		{ "dotnetprof-diagrunner\n", "dotnetprof-diagrunner\n", -1, 0, "" },
		{ "dotnetprof-diag", "dotnetprof-diag", -1, 0, "" },
		{ "[00:00:01]\tRecording 1 MB\r[00:00:02]\tRecording 2 MB\r",
		  "[00:00:01]\tRecording 1 MB\r[00:00:02]\tRecording 2 MB\r", -1, 0, "" },
		{ "a\n\n\nb\n", "a\n\n\nb\n", -1, 0, "" },
		{ "E1127 klog line\ndotnetprof-diagrun\tstart\ntool says\ncommand terminated with exit "
		  "code 1\n", "E1127 klog line\ntool says\n", 1, 1, "" },
	};
	char out[4096];
	size_t i, chunk;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (chunk = 0; chunk <= 3; chunk++) {
			struct diagrun_errfilter f;

			run_filter(&f, cases[i].in, chunk, out);
			if (strcmp(out, cases[i].shown))
				fail_msg("case %zu chunk %zu: shown \"%s\"", i, chunk, out);
			assert_int_equal(f.remote_status, cases[i].remote_status);
			assert_int_equal(f.started, cases[i].started);
			assert_string_equal(f.fail, cases[i].fail);
		}
	}
}

/* Bytes that cannot start a marker are shown at once, not at the end of the line. */
static void test_not_held(void **state)
{
	struct diagrun_errfilter f;
	char out[64];

	(void)state;
	diagrun_errfilter_init(&f);
	assert_int_equal(diagrun_errfilter_feed(&f, "Rec", 3, out), 3);
	assert_int_equal(diagrun_errfilter_feed(&f, "ording", 6, out), 6);
	/* a line start that may be kubectl's line is held until it cannot be */
	assert_int_equal(diagrun_errfilter_feed(&f, "\ncomm", 5, out), 1);
	assert_int_equal(diagrun_errfilter_feed(&f, "on", 2, out), 6);
	assert_memory_equal(out, "common", 6);
}

/* Where "start" was, so that kubectl's words before it can be told apart from the tool's. */
static void test_start_offset(void **state)
{
	static const char in[] = "W1127 warning\ndotnetprof-diagrun\tstart\ntool\n";
	struct diagrun_errfilter f;
	char out[128];
	size_t o;

	(void)state;
	diagrun_errfilter_init(&f);
	o = diagrun_errfilter_feed(&f, in, sizeof(in) - 1, out);
	assert_int_equal(o, 19);
	assert_memory_equal(out, "W1127 warning\ntool\n", 19);
	assert_int_equal(f.started, 1);
	assert_int_equal(f.start_off, 14);
	/* a second "start" is not the script's: it is dropped, but moves nothing */
	o = diagrun_errfilter_feed(&f, "dotnetprof-diagrun\tstart\n", 25, out);
	assert_int_equal(o, 0);
	assert_int_equal(f.start_off, 14);
}

/* A long record of ours is dropped whole; its reason is truncated, nothing overflows. */
static void test_long_record(void **state)
{
	struct diagrun_errfilter f;
	size_t n = 5000, o;
	char *in = malloc(n + 64), *out = malloc(n + 64 + DIAGRUN_FILTER_SLACK);

	(void)state;
	assert_non_null(in);
	assert_non_null(out);
	memcpy(in, "dotnetprof-diagrun\tfail\t", 24);
	memset(in + 24, 'w', n);
	memcpy(in + 24 + n, "\nafter\n", 8);
	o = run_filter(&f, in, 0, out);
	assert_int_equal(o, 6);
	assert_string_equal(out, "after\n");
	assert_int_equal(strlen(f.fail), sizeof(f.fail) - 1);
	assert_int_equal(strspn(f.fail, "w"), sizeof(f.fail) - 1);
	free(in);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_not_held),
		cmocka_unit_test(test_start_offset),
		cmocka_unit_test(test_long_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
