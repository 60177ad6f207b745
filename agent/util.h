/*
 * util.h - the agent's small helpers: reading /proc files whole, bounded string copies, and the
 * numbers and durations of its command line.
 */
#ifndef DOTNETPROF_AGENT_UTIL_H
#define DOTNETPROF_AGENT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The most of /proc/PID/environ that is read (the kernel caps argument+environment size anyway). */
#define UTIL_ENVIRON_MAX (256 * 1024)

/*
 * Read the file at `path` into buf (at most cap - 1 bytes) and NUL-terminate it. Returns the
 * number of bytes read, or -1 with errno.
 */
ssize_t util_read_file(const char *path, char *buf, size_t cap);

/* Copy src into dst (size bytes). Returns 0, or -1 with errno ENAMETOOLONG when it did not fit. */
int util_copy(char *dst, size_t size, const char *src);

/*
 * Parse the decimal digits at s, which must end at `term` (or at the end of the string when term
 * is '\0'). Returns 0, or -1 with errno (EINVAL, ERANGE).
 */
int util_parse_ull(const char *s, unsigned long long *v, char term);

/*
 * A duration as the command line takes it: "500ms", "5s", "2m", "1h30m", a bare number of seconds,
 * or dd:hh:mm:ss (src/duration.c's forms, plus milliseconds). Returns 0 and *ms, or -1 (EINVAL,
 * ERANGE).
 */
int util_parse_duration_ms(const char *s, int64_t *ms);

/* Write all of buf to fd, retrying short writes and EINTR. 0, or -1 with errno (EPIPE ...). */
int util_write_all(int fd, const void *buf, size_t len);

#endif
