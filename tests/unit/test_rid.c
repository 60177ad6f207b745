/*
 * test_rid.c - `uname -m` + libc -> RID, for every accepted alias, the rejected machines, and the
 * buffer contract.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rid.h"

static void test_known(void **state)
{
	static const struct {
		const char *machine;
		enum libc_kind libc;
		const char *rid;
	} cases[] = {
		{ "x86_64", LIBC_GLIBC, "linux-x64" },
		{ "amd64", LIBC_GLIBC, "linux-x64" },
		{ "x64", LIBC_UNKNOWN, "linux-x64" },
		{ "x86_64", LIBC_MUSL, "linux-musl-x64" },
		{ "aarch64", LIBC_GLIBC, "linux-arm64" },
		{ "arm64", LIBC_UNKNOWN, "linux-arm64" },
		{ "aarch64", LIBC_MUSL, "linux-musl-arm64" },
		{ "armv7l", LIBC_GLIBC, "linux-arm" },
		{ "armv7", LIBC_GLIBC, "linux-arm" },
		{ "armv7hl", LIBC_GLIBC, "linux-arm" },
		{ "armv8l", LIBC_GLIBC, "linux-arm" },
		{ "armhf", LIBC_UNKNOWN, "linux-arm" },
		{ "arm", LIBC_GLIBC, "linux-arm" },
		{ "armv7l", LIBC_MUSL, "linux-musl-arm" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char rid[32];

		assert_int_equal(rid_from_uname(cases[i].machine, cases[i].libc, rid, sizeof(rid)), 0);
		assert_string_equal(rid, cases[i].rid);
	}
}

static void test_unknown(void **state)
{
	static const char *const machines[] = {
		"i686", "i386", "s390x", "riscv64", "ppc64le", "ppc64", "mips64", "loongarch64",
		"armv6l", "armv5tel", "aarch64_be", "armv8b", "", "X86_64", "x86_64 ", "x86_64\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(machines) / sizeof(machines[0]); i++) {
		char rid[32];

		errno = 0;
		assert_int_equal(rid_from_uname(machines[i], LIBC_GLIBC, rid, sizeof(rid)), -1);
		assert_int_equal(errno, EINVAL);
	}
	errno = 0;
	assert_int_equal(rid_from_uname(NULL, LIBC_GLIBC, (char[8]){ 0 }, 8), -1);
	assert_int_equal(errno, EINVAL);
}

static void test_buffer(void **state)
{
	char rid[sizeof("linux-musl-arm64")];

	(void)state;
	assert_int_equal(rid_from_uname("aarch64", LIBC_MUSL, rid, sizeof(rid)), 0);
	assert_string_equal(rid, "linux-musl-arm64");
	errno = 0;
	assert_int_equal(rid_from_uname("aarch64", LIBC_MUSL, rid, sizeof(rid) - 1), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(rid_from_uname("x86_64", LIBC_GLIBC, rid, 0), -1);
	assert_int_equal(errno, ENAMETOOLONG);
}

static void test_downloads_and_names(void **state)
{
	static const struct {
		const char *rid;
		int has;
	} cases[] = {
		{ "linux-x64", 1 },       { "linux-arm64", 1 },      { "linux-arm", 1 },
		{ "linux-musl-x64", 1 },  { "linux-musl-arm64", 1 }, { "linux-musl-arm", 0 },
		{ "linux-s390x", 0 },     { "", 0 },                 { NULL, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(rid_has_tool_download(cases[i].rid), cases[i].has);
	assert_string_equal(libc_kind_name(LIBC_GLIBC), "glibc");
	assert_string_equal(libc_kind_name(LIBC_MUSL), "musl");
	assert_string_equal(libc_kind_name(LIBC_UNKNOWN), "unknown");
	assert_string_equal(libc_kind_name((enum libc_kind)42), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_buffer),
		cmocka_unit_test(test_downloads_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
