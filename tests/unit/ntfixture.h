/*
 * ntfixture.h - the real traces of tests/fixtures/nettrace (kept gzipped there; `make unit`
 * unpacks them into build/fixtures/nettrace) for the reader's unit tests.
 */
#ifndef DOTNETPROF_TEST_NTFIXTURE_H
#define DOTNETPROF_TEST_NTFIXTURE_H

#include <dirent.h>
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

/* build/fixtures/nettrace of this checkout (DOTNETPROF_NETTRACE_FIXTURES overrides). */
static inline const char *nt_fixture_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("DOTNETPROF_NETTRACE_FIXTURES");
	const char *slash = strrchr(__FILE__, '/');

	if (env)
		return env;
	assert_non_null(slash);
	assert_true(snprintf(dir, sizeof(dir), "%.*s/../../build/fixtures/nettrace",
			     (int)(slash - __FILE__), __FILE__) < (int)sizeof(dir));
	return dir;
}

static inline char *nt_fixture_path(const char *name)
{
	static char path[PATH_MAX];

	assert_true(snprintf(path, sizeof(path), "%s/%s", nt_fixture_dir(), name) < (int)sizeof(path));
	return path;
}

/* The whole file `name` of the fixture directory; fails the test when it is missing. */
static inline uint8_t *nt_fixture_load(const char *name, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	size_t n = 0;
	int fd = open(nt_fixture_path(name), O_RDONLY);

	if (fd < 0)
		fail_msg("fixture %s: %s (make unit unpacks tests/fixtures/nettrace/*.gz)",
			 nt_fixture_path(name), strerror(errno));
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);

		assert_true(r > 0);
		n += (size_t)r;
	}
	close(fd);
	*len = n;
	return buf;
}

/* The names of every *.nettrace fixture (NULL-terminated, static), at least the .NET 10 pair. */
static inline const char *const *nt_fixture_names(void)
{
	static char names[32][64];
	static const char *list[33];
	DIR *d = opendir(nt_fixture_dir());
	struct dirent *e;
	size_t n = 0, i;
	int have_high = 0, have_idle = 0;

	if (!d)
		fail_msg("%s: %s (make unit unpacks tests/fixtures/nettrace/*.gz)", nt_fixture_dir(),
			 strerror(errno));
	while ((e = readdir(d)) && n < 32) {
		size_t len = strlen(e->d_name);

		if (len < 10 || len >= sizeof(names[0]) || strcmp(e->d_name + len - 9, ".nettrace"))
			continue;
		memcpy(names[n], e->d_name, len + 1);
		n++;
	}
	closedir(d);
	for (i = 0; i < n; i++) {
		list[i] = names[i];
		have_high |= !strcmp(names[i], "net10-high-cpu.nettrace");
		have_idle |= !strcmp(names[i], "net10-idle.nettrace");
	}
	list[n] = NULL;
	assert_true(have_high && have_idle);
	return list;
}

#endif
