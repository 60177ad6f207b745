/*
 * test_pullplan.c - a pull's choices: the resume command, the gzip rule, the stream exec's arguments.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pullplan.h"
#include "probe.h"

static void test_choose_seek(void **state)
{
	(void)state;
	assert_int_equal(pull_choose_seek(PCMD_TAIL | PCMD_DD), PULL_SEEK_TAIL);
	assert_int_equal(pull_choose_seek(PCMD_DD), PULL_SEEK_DD);
	assert_int_equal(pull_choose_seek(PCMD_CAT), PULL_SEEK_NONE);
	assert_string_equal(pull_stream_reader(0, PULL_SEEK_NONE), "cat");
	assert_string_equal(pull_stream_reader(0, PULL_SEEK_TAIL), "cat");
	assert_string_equal(pull_stream_reader(10, PULL_SEEK_TAIL), "tail");
	assert_string_equal(pull_stream_reader(10, PULL_SEEK_DD), "dd");
	assert_null(pull_stream_reader(10, PULL_SEEK_NONE));
	assert_string_equal(pull_stream_encoding(PULL_ENC_RAW, 0), "raw");
	assert_string_equal(pull_stream_encoding(PULL_ENC_RAW, 1), "gzip");
	assert_string_equal(pull_stream_encoding(PULL_ENC_BASE64, 0), "base64");
	assert_string_equal(pull_stream_encoding(PULL_ENC_BASE64, 1), "gzip64");
}

static void test_choose_gzip(void **state)
{
	struct pull_stat st;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.cmds = PCMD_GZIP;
	st.have_size = 1;
	st.size = 100u * 1024 * 1024;
	st.sample_in = 1048576;
	st.sample_out = 300000;
	assert_true(pull_choose_gzip(&st, PULL_COMP_AUTO, 1));
	assert_false(pull_choose_gzip(&st, PULL_COMP_AUTO, 0));   /* no local gzip */
	assert_false(pull_choose_gzip(&st, PULL_COMP_NONE, 1));
	st.sample_out = 900000;                                    /* does not compress enough */
	assert_false(pull_choose_gzip(&st, PULL_COMP_AUTO, 1));
	assert_true(pull_choose_gzip(&st, PULL_COMP_GZIP, 1));     /* asked for */
	st.sample_out = 300000;
	st.size = 1024 * 1024;                                     /* too small to matter */
	assert_false(pull_choose_gzip(&st, PULL_COMP_AUTO, 1));
	st.size = 100u * 1024 * 1024;
	st.sample_in = st.sample_out = -1;                         /* not measured */
	assert_false(pull_choose_gzip(&st, PULL_COMP_AUTO, 1));
	st.cmds = 0;                                               /* no gzip in the pod */
	assert_false(pull_choose_gzip(&st, PULL_COMP_GZIP, 1));
}

static void test_gzip_link_slow(void **state)
{
	const long long ms = PULL_GZIP_PROBE_MS;

	(void)state;
	assert_int_equal(pull_gzip_link_slow(50000000, ms - 1), -1);    /* too soon to tell */
	assert_int_equal(pull_gzip_link_slow(20000u * ms, ms), 1);     /* 20 MB/s: a network link */
	assert_int_equal(pull_gzip_link_slow(300000u * ms, ms), 0);    /* 300 MB/s: loopback */
	assert_int_equal(pull_gzip_link_slow(0, 2 * ms), 1);           /* nothing moved */
	assert_int_equal(pull_gzip_link_slow(100000u * ms, ms), 0);    /* exactly the limit: raw */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_choose_seek),
		cmocka_unit_test(test_choose_gzip),
		cmocka_unit_test(test_gzip_link_slow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
