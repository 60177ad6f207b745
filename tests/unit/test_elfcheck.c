/*
 * test_elfcheck.c - elfcheck on real files: the single-file tools of build/tools for linux-x64,
 * linux-musl-x64 and linux-arm64 (made by tests/cluster/build-tools.sh; the test fails when they are
 * missing), /bin/ls, a shared library, and made-up text, HTML, empty and truncated files.
 * Run from the repository root (make unit does); $DOTNETPROF_TEST_TOOLS overrides build/tools.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "elfcheck.h"

static char tmpdir[] = "/tmp/test_elfcheck.XXXXXX";

static const char *tools_dir(void)
{
	const char *d = getenv("DOTNETPROF_TEST_TOOLS");

	return d != NULL && d[0] != '\0' ? d : "build/tools";
}

static void tool_path(char *buf, size_t size, const char *rid)
{
	int n = snprintf(buf, size, "%s/%s/dotnet-stack", tools_dir(), rid);

	assert_true(n > 0 && (size_t)n < size);
	if (access(buf, R_OK) != 0)
		fail_msg("%s is missing: run `bash tests/cluster/build-tools.sh` first", buf);
}

/* Write `len` bytes of `data` to tmpdir/name; the path goes to `path`. */
static void make_file(char *path, size_t size, const char *name, const void *data, size_t len)
{
	int n = snprintf(path, size, "%s/%s", tmpdir, name), fd;

	assert_true(n > 0 && (size_t)n < size);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* The first `len` bytes of `src` into tmpdir/name. */
static void make_prefix(char *path, size_t size, const char *name, const char *src, size_t len)
{
	char *buf = malloc(len);
	int fd = open(src, O_RDONLY);

	assert_non_null(buf);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, len), (ssize_t)len);
	close(fd);
	make_file(path, size, name, buf, len);
	free(buf);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX];
	static const char *const names[] = { "text", "html", "empty", "head40", "head4k", "bom-html" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(cmd, sizeof(cmd), "%s/%s", tmpdir, names[i]);
		unlink(cmd);
	}
	return rmdir(tmpdir);
}

static void expect(const char *path, const char *rid, enum elfcheck_result want, const char *why_has)
{
	char why[256];
	enum elfcheck_result got = elfcheck_file(path, rid, why, sizeof(why));

	rid = rid != NULL ? rid : "(null)";

	if (got != want)
		fail_msg("%s for %s: got %d (%s), want %d", path, rid, (int)got, why, (int)want);
	if (why_has != NULL && strstr(why, why_has) == NULL)
		fail_msg("%s for %s: \"%s\" does not say \"%s\"", path, rid, why, why_has);
	if (want == ELFCHECK_OK)
		assert_string_equal(why, "");
}

static void test_real_tools(void **state)
{
	char x64[PATH_MAX], musl[PATH_MAX], arm64[PATH_MAX];

	(void)state;
	tool_path(x64, sizeof(x64), "linux-x64");
	tool_path(musl, sizeof(musl), "linux-musl-x64");
	tool_path(arm64, sizeof(arm64), "linux-arm64");

	expect(x64, "linux-x64", ELFCHECK_OK, NULL);
	expect(musl, "linux-musl-x64", ELFCHECK_OK, NULL);
	expect(arm64, "linux-arm64", ELFCHECK_OK, NULL);

	/* the other C library: the apphost's interpreter tells */
	expect(x64, "linux-musl-x64", ELFCHECK_WRONG_LIBC, "/lib64/ld-linux-x86-64.so.2");
	expect(musl, "linux-x64", ELFCHECK_WRONG_LIBC, "ld-musl-x86_64.so.1");
	expect(arm64, "linux-musl-arm64", ELFCHECK_WRONG_LIBC, "glibc");

	/* the other CPU or word size */
	expect(arm64, "linux-x64", ELFCHECK_WRONG_ARCH, "arm64 (aarch64), 64-bit, not x64");
	expect(x64, "linux-arm64", ELFCHECK_WRONG_ARCH, "x64 (x86-64)");
	expect(x64, "linux-arm", ELFCHECK_WRONG_ARCH, "not arm");
	expect(musl, "linux-musl-arm", ELFCHECK_WRONG_ARCH, NULL);

	expect(x64, "linux-riscv64", ELFCHECK_UNKNOWN_RID, "linux-riscv64");
	expect(x64, NULL, ELFCHECK_UNKNOWN_RID, NULL);
	assert_true(elfcheck_rid_known("linux-musl-arm"));
	assert_false(elfcheck_rid_known("linux-x86"));
}

static void test_system_files(void **state)
{
	(void)state;
#if defined(__x86_64__)
	expect("/bin/ls", "linux-x64", ELFCHECK_OK, NULL);
	expect("/bin/ls", "linux-musl-x64", ELFCHECK_WRONG_LIBC, NULL);
	expect("/bin/ls", "linux-arm64", ELFCHECK_WRONG_ARCH, NULL);
	if (access("/lib/x86_64-linux-gnu/libm.so.6", R_OK) == 0)
		expect("/lib/x86_64-linux-gnu/libm.so.6", "linux-x64", ELFCHECK_NOT_EXEC, "shared library");
#elif defined(__aarch64__)
	expect("/bin/ls", "linux-arm64", ELFCHECK_OK, NULL);
	expect("/bin/ls", "linux-x64", ELFCHECK_WRONG_ARCH, NULL);
#endif
	expect("/nonexistent/dotnet-trace", "linux-x64", ELFCHECK_IO, "cannot open");
}

static void test_not_elf(void **state)
{
	static const char html[] = "<!DOCTYPE html>\n<html><head><title>Network login</title></head>\n"
				   "<body><h1>Welcome to Guest Wi-Fi</h1></body></html>\n";
	static const char bom_html[] = "\xef\xbb\xbf\n  <HTML><body>sign in</body></HTML>\n";
	static const char text[] = "Redirecting to /download/10.0/linux-x64/dotnet-trace\n";
	char path[PATH_MAX];

	(void)state;
	make_file(path, sizeof(path), "html", html, sizeof(html) - 1);
	expect(path, "linux-x64", ELFCHECK_NOT_ELF, "an HTML page");
	make_file(path, sizeof(path), "bom-html", bom_html, sizeof(bom_html) - 1);
	expect(path, "linux-x64", ELFCHECK_NOT_ELF, "an HTML page");
	make_file(path, sizeof(path), "text", text, sizeof(text) - 1);
	expect(path, "linux-x64", ELFCHECK_NOT_ELF, "a text file starting with \"Redirecting to");
	make_file(path, sizeof(path), "empty", "", 0);
	expect(path, "linux-x64", ELFCHECK_NOT_ELF, "an empty file");
}

static void test_truncated(void **state)
{
	char x64[PATH_MAX], path[PATH_MAX];

	(void)state;
	tool_path(x64, sizeof(x64), "linux-x64");
	/* inside the ELF header */
	make_prefix(path, sizeof(path), "head40", x64, 40);
	expect(path, "linux-x64", ELFCHECK_TRUNCATED, "shorter than its ELF header");
	/* header and program headers present, the loadable segments cut */
	make_prefix(path, sizeof(path), "head4k", x64, 4096);
	expect(path, "linux-x64", ELFCHECK_TRUNCATED, "a truncated executable");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_tools),
		cmocka_unit_test(test_system_files),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_truncated),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
