/*
 * test_toolsums.c - finding a tool's SHA-512 in a mirror's SHA512SUMS (both name orders, '*'
 * binary marks, CRLF, malformed lines), and the lookup's sources: aka.ms (none), a file named by
 * DOTNETPROF_TOOLS_SHA512SUMS (found, or missing: refused), a mirror without the file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "download.h"
#include "toolsums.h"

#define H1 "d6fc135df9670e76eb95cf214e02937f8e5308e1f4499d4d9ade859d4890e597d989aca6dd6a4b9a4c58007009ad057f8b16339cc48e6d7dac500287cf951472"
#define H2 "D9C362F05597D77569B9931DBC83BA8368F7377682D5D8D80399780DC743E90262DB833554C355B71CDF381A688EEDCB2DE098A0688D5949D292BDA70504E398"

static const char sums[] =
	"# comment\n"
	"abc  linux-x64/dotnet-trace\n"
	H1 "  linux-x64/dotnet-trace\r\n"
	H2 " *dotnet-counters/linux-musl-x64\n"
	H1 "  linux-arm64/dotnet-tracex\n";

static void test_parse(void **state)
{
	char hex[129];

	(void)state;
	assert_int_equal(toolsums_parse(sums, strlen(sums), "trace", "linux-x64", hex, sizeof(hex)), 0);
	assert_string_equal(hex, H1);
	assert_int_equal(toolsums_parse(sums, strlen(sums), "dotnet-counters", "linux-musl-x64", hex,
					sizeof(hex)), 0);
	assert_int_equal(strncmp(hex, "d9c362f0", 8), 0); /* lowercased */
	assert_int_equal(toolsums_parse(sums, strlen(sums), "trace", "linux-arm64", hex, sizeof(hex)),
			 -1);
	assert_int_equal(toolsums_parse(sums, strlen(sums), "dump", "linux-x64", hex, sizeof(hex)), -1);
	assert_int_equal(toolsums_parse(sums, strlen(sums), "trace", "linux-x64", hex, 128), -1);
	assert_int_equal(toolsums_parse("", 0, "trace", "linux-x64", hex, sizeof(hex)), -1);
}

static void test_lookup(void **state)
{
	char hex[129], why[512], path[] = "/tmp/test_toolsums.XXXXXX";
	int fd;

	(void)state;
	assert_int_equal(download_global_init(), 0);
	unsetenv(TOOLSUMS_ENV);
	assert_int_equal(toolsums_lookup("https://aka.ms/", "trace", "linux-x64", NULL, hex,
					 sizeof(hex), why, sizeof(why)), TOOLSUMS_NONE);
	assert_non_null(strstr(why, "publishes no checksums"));

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, sums, strlen(sums)), (ssize_t)strlen(sums));
	close(fd);
	setenv(TOOLSUMS_ENV, path, 1);
	assert_int_equal(toolsums_lookup("https://aka.ms", "trace", "linux-x64", NULL, hex,
					 sizeof(hex), why, sizeof(why)), TOOLSUMS_FOUND);
	assert_string_equal(hex, H1);
	assert_int_equal(toolsums_lookup(NULL, "dump", "linux-x64", NULL, hex, sizeof(hex), why,
					 sizeof(why)), TOOLSUMS_MISSING);
	assert_non_null(strstr(why, "lists no sha512 for dotnet-dump linux-x64"));
	unlink(path);
	assert_int_equal(toolsums_lookup(NULL, "trace", "linux-x64", NULL, hex, sizeof(hex), why,
					 sizeof(why)), TOOLSUMS_MISSING);
	assert_non_null(strstr(why, "cannot read file://"));

	/* a mirror (a local directory here) without SHA512SUMS: nothing to check against */
	unsetenv(TOOLSUMS_ENV);
	assert_int_equal(toolsums_lookup("file:///nonexistent-mirror", "trace", "linux-x64", NULL, hex,
					 sizeof(hex), why, sizeof(why)), TOOLSUMS_NONE);
	download_global_cleanup();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
