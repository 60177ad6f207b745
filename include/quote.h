/*
 * quote.h - the one shell-quoting function for values placed in remote commands.
 *
 * Every value that comes from a user or from a pod and ends up inside a script run by the pod's
 * POSIX sh (or busybox ash) goes through sh_quote(). The result is a single-quoted word that the shell
 * reads back as exactly the original bytes, whatever they are: spaces, quotes, $(...), backticks,
 * newlines, leading dashes (callers still put "--" before operands where a command takes options).
 */
#ifndef DOTNETPROF_QUOTE_H
#define DOTNETPROF_QUOTE_H

#include <stddef.h>

/*
 * Quote `s` for POSIX sh: 'abc' -> 'abc', it's -> 'it'\''s', "" -> ''.
 * Returns a newly allocated NUL-terminated string the caller frees, or NULL on allocation failure
 * (errno ENOMEM). A NUL byte cannot be passed to a shell: `s` is a C string, so it has none.
 */
char *sh_quote(const char *s);

/*
 * Append the quoted form of `s` to the buffer `dst` of size `dstsize` (which holds a C string).
 * Returns 0, or -1 with errno ENAMETOOLONG when the result would not fit (dst is left unchanged).
 */
int sh_quote_append(char *dst, size_t dstsize, const char *s);

/*
 * Quote an argv for display (the -v trace of kubectl commands): words that need no quoting are
 * printed bare, others single-quoted, joined by spaces. Returns a newly allocated string or NULL.
 */
char *sh_quote_argv(const char *const *argv);

#endif
