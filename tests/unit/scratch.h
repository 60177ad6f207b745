/*
 * scratch.h - a private scratch directory for unit tests that touch files: made before each test
 * (cmocka setup), removed with everything in it after (teardown).
 */
#ifndef DOTNETPROF_TEST_SCRATCH_H
#define DOTNETPROF_TEST_SCRATCH_H

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "proc.h"

static char scratch[] = "/tmp/dotnetprof-test.XXXXXX";

static inline int scratch_setup(void **state)
{
	(void)state;
	memcpy(scratch + strlen(scratch) - 6, "XXXXXX", 6);
	return mkdtemp(scratch) ? 0 : -1;
}

static inline int scratch_teardown(void **state)
{
	const char *argv[] = { "rm", "-rf", scratch, NULL };
	struct proc p;

	(void)state;
	proc_init(&p, argv);
	proc_run(&p);
	proc_release(&p);
	return 0;
}

/* "SCRATCH/NAME" in a static buffer (valid until the next call). */
static inline char *in_scratch(const char *name)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s/%s", scratch, name);
	return buf;
}

/* Create (or replace) `path` holding `text`, mode 0644. */
static inline void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

#endif
