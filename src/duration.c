/*
 * duration.c - "30s", "1h30m", "90", "dd:hh:mm:ss" -> seconds, and seconds -> the dd:hh:mm:ss form
 * the .NET diagnostics tools take for --duration. See duration.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"

#define DURATION_MAX (99LL * 86400)

/*
 * Read a run of decimal digits at *sp into *v, advancing *sp. Values are capped just above
 * DURATION_MAX so no digit string can overflow. Returns 0, or -1 when there is no digit.
 */
static int read_number(const char **sp, long long *v)
{
	const char *s = *sp;
	long long n = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		n = n * 10 + (*s - '0');
		if (n > DURATION_MAX)
			n = DURATION_MAX + 1;
	}
	*sp = s;
	*v = n;
	return 0;
}

/* "dd:hh:mm:ss" or "hh:mm:ss": each part 1 or 2 digits, hours < 24, minutes and seconds < 60. */
static int parse_clock(const char *s, long long *seconds)
{
	static const long long limit[] = { 100, 24, 60, 60 };
	static const long long unit[] = { 86400, 3600, 60, 1 };
	long long part[4];
	size_t nparts = 0, first, i;
	long long total = 0;

	for (;;) {
		const char *start = s;

		if (nparts == 4 || read_number(&s, &part[nparts]) < 0 || s - start > 2)
			return -1;
		nparts++;
		if (*s == '\0')
			break;
		if (*s++ != ':')
			return -1;
	}
	if (nparts < 3)
		return -1;
	first = 4 - nparts;
	for (i = 0; i < nparts; i++) {
		if (part[i] >= limit[first + i])
			return -1;
		total += part[i] * unit[first + i];
	}
	*seconds = total;
	return 0;
}

/* "1d2h3m4s" with units in decreasing order, each at most once, or a bare number of seconds. */
static int parse_units(const char *s, long long *seconds)
{
	static const char units[] = "dhms";
	static const long long unit[] = { 86400, 3600, 60, 1 };
	size_t next = 0;
	long long total = 0, v;

	do {
		const char *u;

		if (read_number(&s, &v) < 0)
			return -1;
		if (*s == '\0' && next == 0) {
			total = v; /* bare number */
			break;
		}
		u = *s != '\0' ? strchr(units + next, *s) : NULL;
		if (u == NULL)
			return -1;
		next = (size_t)(u - units);
		if (v > DURATION_MAX / unit[next])
			v = DURATION_MAX / unit[next] + 1;
		total += v * unit[next];
		if (total > DURATION_MAX)
			total = DURATION_MAX + 1;
		next++;
		s++;
	} while (*s != '\0');
	*seconds = total;
	return 0;
}

int duration_parse(const char *s, long long *seconds)
{
	long long total;
	int rc;

	if (s == NULL || seconds == NULL) {
		errno = EINVAL;
		return -1;
	}
	rc = strchr(s, ':') != NULL ? parse_clock(s, &total) : parse_units(s, &total);
	if (rc < 0 || total == 0) {
		errno = EINVAL;
		return -1;
	}
	if (total > DURATION_MAX) {
		errno = ERANGE;
		return -1;
	}
	*seconds = total;
	return 0;
}

int duration_format_tool(long long seconds, char *buf, size_t bufsize)
{
	int n;

	if (seconds < 0 || seconds > DURATION_MAX) {
		errno = EINVAL;
		return -1;
	}
	n = snprintf(buf, bufsize, "%02lld:%02lld:%02lld:%02lld", seconds / 86400,
		     seconds / 3600 % 24, seconds / 60 % 60, seconds % 60);
	if (n < 0 || (size_t)n >= bufsize) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}
