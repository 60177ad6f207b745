/*
 * test_localout.c - local output files: names from pod paths, NAME.part handling (create, resume, force, commit without clobbering, planted symlinks).
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

#include "localout.h"
#include "scratch.h"

static void test_basename(void **state)
{
	char b[64];

	(void)state;
	assert_int_equal(localout_basename("/tmp/core.1", b, sizeof(b)), 0);
	assert_string_equal(b, "core.1");
	assert_int_equal(localout_basename("/var/log/app/", b, sizeof(b)), 0);
	assert_string_equal(b, "app");
	assert_int_equal(localout_basename("plain", b, sizeof(b)), 0);
	assert_string_equal(b, "plain");
	assert_int_equal(localout_basename("/tmp/new\nline\t", b, sizeof(b)), 0);
	assert_string_equal(b, "new_line_");
	assert_int_equal(localout_basename("/tmp/-dash", b, sizeof(b)), 0);
	assert_string_equal(b, "-dash");
	assert_int_equal(localout_basename("/tmp/..", b, sizeof(b)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(localout_basename("/tmp/.", b, sizeof(b)), -1);
	assert_int_equal(localout_basename("/", b, sizeof(b)), -1);
	assert_int_equal(localout_basename("", b, sizeof(b)), -1);
	assert_int_equal(localout_basename("/x/0123456789", b, 5), -1);
	assert_int_equal(errno, ENAMETOOLONG);
}

static void test_resolve(void **state)
{
	char *p;

	(void)state;
	p = localout_resolve(NULL, "/tmp/x/heap.dmp");
	assert_string_equal(p, "./heap.dmp");
	free(p);
	p = localout_resolve(scratch, "/tmp/x/heap.dmp");
	assert_string_equal(p, in_scratch("heap.dmp"));
	free(p);
	p = localout_resolve("out/", "/a/b");
	assert_string_equal(p, "out/b");
	free(p);
	p = localout_resolve("named.bin", "/a/b");
	assert_string_equal(p, "named.bin");
	free(p);
	assert_null(localout_resolve(NULL, "/a/.."));
	assert_null(localout_resolve(scratch, "/"));
}

static void test_localout(void **state)
{
	struct localout lo;
	struct stat st;
	char name[512], part[520], buf[64];
	int fd;
	mode_t old;

	(void)state;
	snprintf(name, sizeof(name), "%s", in_scratch("file"));
	snprintf(part, sizeof(part), "%s.part", name);

	/* fresh: 0644 minus umask, committed only on commit */
	old = umask(022);
	assert_int_equal(localout_open(&lo, name, 0, 0, 0), LOCALOUT_OK);
	assert_int_equal(localout_write(&lo, "hello", 5), 0);
	assert_int_equal(stat(part, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(stat(name, &st), -1);
	assert_int_equal(localout_commit(&lo, 0), 0);
	localout_release(&lo);
	assert_int_equal(stat(name, &st), 0);
	assert_int_equal(st.st_size, 5);
	assert_int_equal(stat(part, &st), -1);

	/* existing NAME: refused without force */
	assert_int_equal(localout_open(&lo, name, 0, 0, 0), LOCALOUT_EXISTS);
	localout_release(&lo);
	/* with force: replaced at commit; private mode 0600 */
	assert_int_equal(localout_open(&lo, name, 1, 0, 1), LOCALOUT_OK);
	assert_int_equal(localout_write(&lo, "new", 3), 0);
	assert_int_equal(stat(part, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(localout_commit(&lo, 1), 0);
	localout_release(&lo);
	assert_int_equal(stat(name, &st), 0);
	assert_int_equal(st.st_size, 3);
	unlink(name);

	/* a NAME that appears while copying is not clobbered by commit */
	assert_int_equal(localout_open(&lo, name, 0, 0, 0), LOCALOUT_OK);
	assert_int_equal(localout_write(&lo, "copy", 4), 0);
	write_file(name, "someone else");
	assert_int_equal(localout_commit(&lo, 0), -1);
	assert_int_equal(errno, EEXIST);
	localout_release(&lo);
	fd = open(name, O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), 12);
	close(fd);
	assert_int_equal(stat(part, &st), 0); /* kept */
	unlink(name);

	/* a leftover part: refused without resume/force; resumed; restarted with force */
	assert_int_equal(localout_open(&lo, name, 0, 0, 0), LOCALOUT_PART_EXISTS);
	localout_release(&lo);
	assert_int_equal(localout_open(&lo, name, 0, 1, 0), LOCALOUT_OK);
	assert_true(lo.size == 4);
	assert_int_equal(localout_write(&lo, "more", 4), 0);
	assert_true(lo.size == 8);
	assert_int_equal(localout_truncate(&lo, 2), 0);
	assert_int_equal(localout_write(&lo, "XY", 2), 0);
	localout_release(&lo);
	fd = open(part, O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "coXY", 4);
	close(fd);
	assert_int_equal(localout_open(&lo, name, 0, 0, 1), LOCALOUT_OK);
	assert_true(lo.size == 0);
	localout_release(&lo);
	assert_int_equal(stat(part, &st), 0);
	assert_int_equal(st.st_size, 0);
	unlink(part);

	/* a symlink planted as NAME.part is not followed */
	assert_int_equal(symlink("/etc/passwd", part), 0);
	assert_int_equal(localout_open(&lo, name, 0, 1, 0), LOCALOUT_ERR);
	assert_int_equal(localout_open(&lo, name, 0, 0, 0), LOCALOUT_PART_EXISTS);
	unlink(part);
	umask(old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basename),
		cmocka_unit_test_setup_teardown(test_resolve, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_localout, scratch_setup, scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
