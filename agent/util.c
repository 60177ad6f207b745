/*
 * util.c - small helpers of the agent (see util.h).
 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duration.h"

ssize_t util_read_file(const char *path, char *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;
	int fd, e;

	if (cap == 0) {
		errno = EINVAL;
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while (got < cap - 1) {
		n = read(fd, buf + got, cap - 1 - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return (ssize_t)got;
}

int util_copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (size == 0 || n >= size) {
		if (size)
			dst[0] = '\0';
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

int util_parse_ull(const char *s, unsigned long long *v, char term)
{
	unsigned long long x = 0;
	const char *p = s;

	if (*p < '0' || *p > '9') {
		errno = EINVAL;
		return -1;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		if (x > (~0ull - (unsigned)(*p - '0')) / 10) {
			errno = ERANGE;
			return -1;
		}
		x = x * 10 + (unsigned)(*p - '0');
	}
	if (*p != term) {
		errno = EINVAL;
		return -1;
	}
	*v = x;
	return 0;
}

int util_parse_duration_ms(const char *s, int64_t *ms)
{
	size_t n = strlen(s);
	long long secs;

	if (n > 2 && strcmp(s + n - 2, "ms") == 0) {
		char num[32];
		unsigned long long v;

		if (n - 2 >= sizeof(num)) {
			errno = ERANGE;
			return -1;
		}
		memcpy(num, s, n - 2);
		num[n - 2] = '\0';
		if (util_parse_ull(num, &v, '\0') < 0)
			return -1;
		if (v == 0 || v > 99ull * 86400 * 1000) {
			errno = v ? ERANGE : EINVAL;
			return -1;
		}
		*ms = (int64_t)v;
		return 0;
	}
	if (duration_parse(s, &secs) < 0)
		return -1;
	*ms = (int64_t)secs * 1000;
	return 0;
}

int util_write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t w;

	while (len > 0) {
		w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}
