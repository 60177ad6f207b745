/*
 * strfmt.h - a printf into a newly allocated string (asprintf is not POSIX).
 */
#ifndef DOTNETPROF_STRFMT_H
#define DOTNETPROF_STRFMT_H

#include "log.h"

/* The formatted string, newly allocated (free it), or NULL (ENOMEM, or a format error). */
char *strfmt(const char *fmt, ...) LOG_PRINTF(1, 2);

#endif
