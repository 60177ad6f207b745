/*
 * duration.h - durations as users type them ("30s", "2m", "1h30m", "90") and as the .NET
 * diagnostics tools want them (dd:hh:mm:ss).
 */
#ifndef DOTNETPROF_DURATION_H
#define DOTNETPROF_DURATION_H

#include <stddef.h>

/*
 * Parse `s` into seconds. Accepted: one or more NUMBER UNIT groups with units d, h, m, s in
 * decreasing order, each at most once ("1h30m", "2m", "45s", "1d2h"); a bare number means seconds;
 * also the tools' own form dd:hh:mm:ss and hh:mm:ss. Zero, negative, empty, unknown units, repeated
 * or out-of-order units, and totals above 99 days are rejected.
 * Returns 0 and stores the total in *seconds, or -1 with errno EINVAL (or ERANGE for too large).
 */
int duration_parse(const char *s, long long *seconds);

/* Format `seconds` as dd:hh:mm:ss ("00:00:00:30"). Returns 0, or -1 (ENAMETOOLONG / EINVAL). */
int duration_format_tool(long long seconds, char *buf, size_t bufsize);

#endif
