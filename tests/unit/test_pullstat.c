/*
 * test_pullstat.c - the parser of a pull's stat report, on good, partial, bad and unknown records.
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

#include "probe.h"
#include "pullstat.h"

static void test_stat_parse(void **state)
{
	static const char full[] =
		"dotnetprof-stat\t1\ncmd\tsha256sum\ncmd\tcksum\ncmd\ttail\ncmd\tgzip\ncmd\tnosuch\n"
		"size\t1073741824\nsample\t1048576 1049000\nready\t1\n"
		"hash\tsha256sum\te3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  -\n"
		"size2\t1073741824\nend\t1\n";
	struct pull_stat st;
	char err[128];

	(void)state;
	assert_int_equal(pull_stat_parse(full, strlen(full), &st, err, sizeof(err)), 0);
	assert_int_equal(st.cmds, PCMD_SHA256SUM | PCMD_CKSUM | PCMD_TAIL | PCMD_GZIP);
	assert_true(st.have_size);
	assert_true(st.size == 1073741824ull);
	assert_int_equal(st.sample_in, 1048576);
	assert_int_equal(st.sample_out, 1049000);
	assert_true(st.ready && st.end && st.have_size2);
	assert_int_equal(st.hash, DIGEST_SHA256);
	assert_string_equal(st.hash_hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

	/* partial: up to ready, and half a line */
	assert_int_equal(pull_stat_parse(full, (size_t)(strstr(full, "hash") - full) + 7, &st, err,
					 sizeof(err)), 0);
	assert_true(st.ready);
	assert_false(st.end);
	assert_int_equal(st.hash, DIGEST_NONE);

	/* the pod's SHA-256 implementation is named; nothing else is accepted there */
	static const char tool[] = "dotnetprof-stat\t1\ncmd\tsha256sum\nsha256tool\topenssl\nready\t1\n";
	assert_int_equal(pull_stat_parse(tool, strlen(tool), &st, err, sizeof(err)), 0);
	assert_string_equal(st.sha256_tool, "openssl");
	static const char badtool[] = "dotnetprof-stat\t1\nsha256tool\trm -rf\n";
	assert_int_equal(pull_stat_parse(badtool, strlen(badtool), &st, err, sizeof(err)), -1);

	/* cksum's two fields, wc's padding */
	static const char ck[] = "dotnetprof-stat\t1\ncmd\tcksum\nsize\t    3\nready\t1\n"
				 "hash\tcksum\t1219131554 3\nend\t1\n";
	assert_int_equal(pull_stat_parse(ck, strlen(ck), &st, err, sizeof(err)), 0);
	assert_int_equal(st.hash, DIGEST_CKSUM);
	assert_string_equal(st.hash_hex, "1219131554 3");
	assert_true(st.size == 3);

	static const char md[] = "dotnetprof-stat\t1\nhash\tmd5sum\t900150983cd24fb0d6963f7d28e17f72  -\n";
	assert_int_equal(pull_stat_parse(md, strlen(md), &st, err, sizeof(err)), 0);
	assert_int_equal(st.hash, DIGEST_MD5);

	static const char e1[] = "dotnetprof-stat\t1\ncmd\ttail\nerror\tnoent\n";
	assert_int_equal(pull_stat_parse(e1, strlen(e1), &st, err, sizeof(err)), 0);
	assert_int_equal(st.error, PULL_STAT_NOENT);
	static const char e2[] = "dotnetprof-stat\t1\nerror\tisdir\n";
	assert_int_equal(pull_stat_parse(e2, strlen(e2), &st, err, sizeof(err)), 0);
	assert_int_equal(st.error, PULL_STAT_ISDIR);
	static const char e3[] = "dotnetprof-stat\t1\nerror\tnoperm\n";
	assert_int_equal(pull_stat_parse(e3, strlen(e3), &st, err, sizeof(err)), 0);
	assert_int_equal(st.error, PULL_STAT_NOPERM);

	/* errors */
	static const char *const bad[] = {
		"something else\n",
		"dotnetprof-stat\t1\nsize\tabc\n",
		"dotnetprof-stat\t1\nsize\t\n",
		"dotnetprof-stat\t1\nsize\t99999999999999999999999\n",
		"dotnetprof-stat\t1\nerror\tweird\n",
		"dotnetprof-stat\t1\nhash\tsha256sum\tshort  -\n",
		"dotnetprof-stat\t1\nhash\tsha1sum\tabc  -\n",
		"dotnetprof-stat\t1\nsample\t12\n",
		"dotnetprof-stat\t1\nnotab\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(pull_stat_parse(bad[i], strlen(bad[i]), &st, err, sizeof(err)), -1);
	/* unknown records are ignored */
	static const char fwd[] = "dotnetprof-stat\t1\nnewthing\tx\nready\t1\n";
	assert_int_equal(pull_stat_parse(fwd, strlen(fwd), &st, err, sizeof(err)), 0);
	assert_true(st.ready);
}

/* The folded exec's stderr: its records are told from kubectl's and the shell's own lines. */
static void test_is_record(void **state)
{
	static const char *const yes[] = { "dotnetprof-stat\t1", "size\t12", "hash\tsha256sum\tx",
					   "ready\t1", "end\t1", "size2\t3", "cmd\tgzip" };
	static const char *const no[] = { "command terminated with exit code 1", "sizes\t1",
					  "sh: 1: cat: not found", "size", "", "Defaulted container \"a\"" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(pull_stat_is_record(yes[i], strlen(yes[i])));
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(pull_stat_is_record(no[i], strlen(no[i])));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_parse),
		cmocka_unit_test(test_is_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
