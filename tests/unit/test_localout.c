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
	/* escape sequences, a C1 CSI, a bidi override and invalid UTF-8; valid UTF-8 stays */
	assert_int_equal(localout_basename("/tmp/\033]0;t\007\xc2\x9b" "2J\xe2\x80\xaerev\xff\xc3\xa9", b,
					   sizeof(b)), 0);
	assert_string_equal(b, "_]0;t___2J___rev_\xc3\xa9");
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
	char name[512], part[520], buf[64], why[128];
	int fd;
	mode_t old;

	(void)state;
	snprintf(name, sizeof(name), "%s", in_scratch("file"));
	snprintf(part, sizeof(part), "%s.part", name);

	/* fresh: 0600 whatever the umask (production data), committed only on commit */
	old = umask(002);
	assert_int_equal(localout_open(&lo, name, 0, 0, why, sizeof(why)), LOCALOUT_OK);
	assert_int_equal(localout_write(&lo, "hello", 5), 0);
	assert_int_equal(stat(part, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(name, &st), -1);
	assert_int_equal(localout_commit(&lo, 0), 0);
	localout_release(&lo);
	assert_int_equal(stat(name, &st), 0);
	assert_int_equal(st.st_size, 5);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(part, &st), -1);

	/* existing NAME: refused without force */
	assert_int_equal(localout_open(&lo, name, 0, 0, why, sizeof(why)), LOCALOUT_EXISTS);
	localout_release(&lo);
	/* with force: replaced at commit, 0600 too */
	assert_int_equal(localout_open(&lo, name, 0, 1, why, sizeof(why)), LOCALOUT_OK);
	assert_int_equal(localout_write(&lo, "new", 3), 0);
	assert_int_equal(stat(part, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(localout_commit(&lo, 1), 0);
	localout_release(&lo);
	assert_int_equal(stat(name, &st), 0);
	assert_int_equal(st.st_size, 3);
	unlink(name);

	/* a NAME that appears while copying is not clobbered by commit */
	assert_int_equal(localout_open(&lo, name, 0, 0, why, sizeof(why)), LOCALOUT_OK);
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
	assert_int_equal(localout_open(&lo, name, 0, 0, why, sizeof(why)), LOCALOUT_PART_EXISTS);
	localout_release(&lo);
	assert_int_equal(localout_open(&lo, name, 1, 0, why, sizeof(why)), LOCALOUT_OK);
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
	assert_int_equal(localout_open(&lo, name, 0, 1, why, sizeof(why)), LOCALOUT_OK);
	assert_true(lo.size == 0);
	localout_release(&lo);
	assert_int_equal(stat(part, &st), 0);
	assert_int_equal(st.st_size, 0);
	unlink(part);

	/* a symlink planted as NAME.part is neither followed nor resumed */
	assert_int_equal(symlink("/etc/passwd", part), 0);
	assert_int_equal(localout_open(&lo, name, 1, 0, why, sizeof(why)), LOCALOUT_PART_UNSAFE);
	assert_string_equal(why, "it is not a regular file");
	assert_int_equal(localout_open(&lo, name, 0, 0, why, sizeof(why)), LOCALOUT_PART_EXISTS);
	unlink(part);
	umask(old);
}

/* --resume continues only a part that is ours: one link, not group/other-writable (owner: below). */
static void test_resume_rules(void **state)
{
	struct localout lo;
	struct stat st;
	char name[512], part[520], other[530], why[128];

	(void)state;
	snprintf(name, sizeof(name), "%s", in_scratch("res"));
	snprintf(part, sizeof(part), "%s.part", name);
	snprintf(other, sizeof(other), "%s.other", name);

	/* a part hard-linked elsewhere: its bytes are someone else's file too */
	write_file(part, "abc");
	assert_int_equal(link(part, other), 0);
	assert_int_equal(localout_open(&lo, name, 1, 0, why, sizeof(why)), LOCALOUT_PART_UNSAFE);
	assert_string_equal(why, "it has 2 links: another name shares its bytes");
	unlink(other);

	/* writable by others, then by the group */
	assert_int_equal(chmod(part, 0646), 0);
	assert_int_equal(localout_open(&lo, name, 1, 0, why, sizeof(why)), LOCALOUT_PART_UNSAFE);
	assert_string_equal(why, "it is writable by others (mode 0646)");
	assert_int_equal(chmod(part, 0664), 0);
	assert_int_equal(localout_open(&lo, name, 1, 0, why, sizeof(why)), LOCALOUT_PART_UNSAFE);
	assert_string_equal(why, "it is writable by its group (mode 0664)");

	/* readable by others (an older version's 0644): resumed, and made 0600 */
	assert_int_equal(chmod(part, 0644), 0);
	assert_int_equal(localout_open(&lo, name, 1, 0, why, sizeof(why)), LOCALOUT_OK);
	assert_true(lo.size == 3);
	localout_release(&lo);
	assert_int_equal(stat(part, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	unlink(part);

	/* the owner, on a stat (a file of another user cannot be made without root) */
	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG | 0600;
	st.st_nlink = 1;
	st.st_uid = 1001;
	assert_int_equal(localout_part_ok(&st, 1000, why, sizeof(why)), -1);
	assert_string_equal(why, "it is owned by uid 1001, not by you (uid 1000)");
	assert_int_equal(localout_part_ok(&st, 1001, why, sizeof(why)), 0);
	st.st_mode = S_IFIFO | 0600;
	assert_int_equal(localout_part_ok(&st, 1001, why, sizeof(why)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basename),
		cmocka_unit_test_setup_teardown(test_resolve, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_localout, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_resume_rules, scratch_setup, scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
