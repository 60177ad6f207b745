/*
 * compat.c - strlcpy, strlcat and strtonum for platforms without libc or libbsd ones (compat.h).
 * Compiled in everywhere; defines them only when the build asks for them.
 */
#include "compat.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* keeps this translation unit non-empty when nothing is asked for */
typedef int dotnetprof_compat_unused;

#ifdef DOTNETPROF_COMPAT_STRLCPY
size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

size_t strlcat(char *dst, const char *src, size_t size)
{
	size_t dlen = strnlen(dst, size);

	if (dlen == size)
		return size + strlen(src);
	return dlen + strlcpy(dst + dlen, src, size - dlen);
}
#endif

#ifdef DOTNETPROF_COMPAT_STRTONUM
long long strtonum(const char *nptr, long long minval, long long maxval, const char **errstr)
{
	long long v = 0;
	char *end;
	const char *err = NULL;
	int saved = errno;

	if (minval > maxval) {
		err = "invalid";
	} else {
		errno = 0;
		v = strtoll(nptr, &end, 10);
		if (end == nptr || *end != '\0')
			err = "invalid";
		else if ((v == LLONG_MIN && errno == ERANGE) || v < minval)
			err = "too small";
		else if ((v == LLONG_MAX && errno == ERANGE) || v > maxval)
			err = "too large";
	}
	if (errstr)
		*errstr = err;
	errno = err ? (err[0] == 'i' ? EINVAL : ERANGE) : saved;
	return err ? 0 : v;
}
#endif
