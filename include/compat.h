/*
 * compat.h - the BSD string and number functions the code uses (strlcpy, strlcat, strtonum), for
 * platforms that have neither them in libc nor libbsd.
 *
 * Where they come from:
 *   Linux (glibc, musl): libbsd's overlay (pkg-config libbsd-overlay), which the Makefile uses when
 *                        pkg-config finds it; glibc >= 2.38 has strlcpy/strlcat but no strtonum.
 *   macOS 11 and later:  libc has all three; they are declared only with _DARWIN_C_SOURCE, which
 *                        -D_POSIX_C_SOURCE would otherwise hide.
 *   anything else:       build with -DDOTNETPROF_COMPAT_STRLCPY and/or -DDOTNETPROF_COMPAT_STRTONUM
 *                        and `-include compat.h`; src/compat.c then provides them.
 * Without those macros this header declares nothing and src/compat.c defines nothing.
 */
#ifndef DOTNETPROF_COMPAT_H
#define DOTNETPROF_COMPAT_H

#include <stddef.h>

#ifdef DOTNETPROF_COMPAT_STRLCPY
/* Copy/append with truncation; return the length of the string they tried to create. */
size_t strlcpy(char *dst, const char *src, size_t size);
size_t strlcat(char *dst, const char *src, size_t size);
#endif

#ifdef DOTNETPROF_COMPAT_STRTONUM
/* Decimal string to a number in [minval, maxval]; on error 0 and *errstr "invalid", "too small",
 * "too large" (OpenBSD's contract). */
long long strtonum(const char *nptr, long long minval, long long maxval, const char **errstr);
#endif

#endif
