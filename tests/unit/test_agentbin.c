/*
 * test_agentbin.c - the dotnetprof-agent binaries embedded in the plugin (agentbin.h): one per
 * architecture, each a static stripped ELF of the right machine within the size budget, its
 * recorded SHA-256 that of its bytes, found by RID; and each one runs, written out as the plugin
 * will push it (the x64 agent natively, the arm64 and arm ones under Debian's qemu-user-static),
 * and reports that same SHA-256 of itself.
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

#include "agentbin.h"
#include "digest.h"
#include "proc.h"

#define SIZE_BUDGET (300 * 1024)

static unsigned rd16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

/* e_machine of each architecture, and whether its ELF class is 64-bit. */
static void expect_machine(const char *arch, unsigned *machine, int *is64)
{
	if (strcmp(arch, "x64") == 0)
		*machine = 62, *is64 = 1;   /* EM_X86_64 */
	else if (strcmp(arch, "arm64") == 0)
		*machine = 183, *is64 = 1;  /* EM_AARCH64 */
	else if (strcmp(arch, "arm") == 0)
		*machine = 40, *is64 = 0;   /* EM_ARM */
	else
		fail_msg("unexpected agent architecture \"%s\"", arch);
}

/* No PT_INTERP (3) and no PT_DYNAMIC (2) program header: a static executable. */
static int is_static(const unsigned char *d, size_t n, int is64)
{
	uint64_t phoff = is64 ? (uint64_t)rd32(d + 32) | (uint64_t)rd32(d + 36) << 32 : rd32(d + 28);
	unsigned phentsize = rd16(d + (is64 ? 54 : 42)), phnum = rd16(d + (is64 ? 56 : 44)), i;

	for (i = 0; i < phnum; i++) {
		uint64_t at = phoff + (uint64_t)i * phentsize;

		assert_true(at + 4 <= n);
		if (rd32(d + at) == 3 || rd32(d + at) == 2)
			return 0;
	}
	return 1;
}

static void test_table(void **state)
{
	size_t i;

	(void)state;
	assert_true(agentbin_count() >= 2); /* x64 and arm64 at least */
	assert_null(agentbin_at(agentbin_count()));
	for (i = 0; i < agentbin_count(); i++) {
		const struct agentbin *a = agentbin_at(i);
		char hex[DIGEST_HEX_MAX];
		struct digest d;
		unsigned machine = 0;
		int is64 = 0;

		expect_machine(a->arch, &machine, &is64);
		assert_true(a->size > 1024 && a->size <= SIZE_BUDGET);
		assert_memory_equal(a->data, "\177ELF", 4);
		assert_int_equal(a->data[4], is64 ? 2 : 1);
		assert_int_equal(rd16(a->data + 16), 2); /* ET_EXEC */
		assert_int_equal(rd16(a->data + 18), machine);
		assert_true(is_static(a->data, a->size, is64));
		digest_init(&d, DIGEST_SHA256);
		digest_update(&d, a->data, a->size);
		assert_int_equal(digest_final(&d, hex, sizeof(hex)), 0);
		assert_string_equal(hex, a->sha256);
	}
}

static void test_lookup(void **state)
{
	static const struct { const char *rid, *arch; } rids[] = {
		{ "linux-x64", "x64" }, { "linux-musl-x64", "x64" },
		{ "linux-arm64", "arm64" }, { "linux-musl-arm64", "arm64" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rids) / sizeof(rids[0]); i++) {
		const struct agentbin *a = agentbin_for_rid(rids[i].rid);

		assert_non_null(a);
		assert_string_equal(a->arch, rids[i].arch);
		assert_ptr_equal(a, agentbin_for_arch(rids[i].arch));
	}
	if (agentbin_for_arch("arm") != NULL)
		assert_ptr_equal(agentbin_for_rid("linux-musl-arm"), agentbin_for_arch("arm"));
	errno = 0;
	assert_null(agentbin_for_rid("linux-s390x"));
	assert_int_equal(errno, ENOENT);
	assert_null(agentbin_for_rid("win-x64"));
	assert_null(agentbin_for_rid("linux-foo-x64"));
	assert_null(agentbin_for_rid(NULL));
	assert_null(agentbin_for_arch("x86"));
}

/* Write the agent out as a pod would get it, run `version` (under qemu when foreign). */
static void run_version(const struct agentbin *a)
{
	char path[] = "/tmp/dotnetprof-agent-test.XXXXXX", want[128];
	const char *argv[4];
	const char *qemu = strcmp(a->arch, "arm64") == 0 ? "qemu-aarch64-static" :
			   strcmp(a->arch, "arm") == 0 ? "qemu-arm-static" : NULL;
	struct proc p;
	int fd, n = 0;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, a->data, a->size), (ssize_t)a->size);
	assert_int_equal(fchmod(fd, 0755), 0);
	assert_int_equal(close(fd), 0);
	if (qemu != NULL)
		argv[n++] = qemu;
	argv[n++] = path;
	argv[n++] = "version";
	argv[n] = NULL;
	proc_init(&p, argv);
	if (proc_run(&p) < 0)
		fail_msg("cannot run %s (%s): %s; scripts/ensure-deps.sh test installs qemu-user-static",
			 argv[0], a->arch, strerror(errno));
	assert_int_equal(p.status, 0);
	snprintf(want, sizeof(want), "\tarch=%s\tlibc=", a->arch);
	if (strncmp(p.out_buf, "agent\tversion=", 14) != 0 || strstr(p.out_buf, want) == NULL)
		fail_msg("%s agent said \"%s\"", a->arch, p.out_buf);
	/* it hashes itself: what was written out is what was embedded */
	snprintf(want, sizeof(want), "\tsha256=%s\n", a->sha256);
	if (strstr(p.out_buf, want) == NULL)
		fail_msg("%s agent said \"%s\", want sha256 %s", a->arch, p.out_buf, a->sha256);
	proc_release(&p);
	unlink(path);
}

static void test_runs(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < agentbin_count(); i++)
		run_version(agentbin_at(i));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
