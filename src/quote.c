/*
 * quote.c - single-quote values for POSIX sh, the only way a user or pod value enters a remote
 * command. Inside '...' the shell interprets nothing; a ' itself is written as '\'' (close, escaped
 * quote, reopen). See quote.h.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quote.h"

/* Bytes of the quoted form of s, without the NUL; 0 when it would overflow size_t. */
static size_t quoted_len(const char *s)
{
	size_t n = 2;

	for (; *s != '\0'; s++) {
		size_t add = *s == '\'' ? 4 : 1;

		if (n > SIZE_MAX - 1 - add)
			return 0;
		n += add;
	}
	return n;
}

/* Write the quoted form of s to out, which has room for quoted_len(s) + 1 bytes. */
static void quote_into(char *out, const char *s)
{
	*out++ = '\'';
	for (; *s != '\0'; s++) {
		if (*s == '\'') {
			memcpy(out, "'\\''", 4);
			out += 4;
		} else {
			*out++ = *s;
		}
	}
	*out++ = '\'';
	*out = '\0';
}

char *sh_quote(const char *s)
{
	size_t n = quoted_len(s);
	char *out;

	if (n == 0) {
		errno = ENOMEM;
		return NULL;
	}
	out = malloc(n + 1);
	if (out == NULL)
		return NULL;
	quote_into(out, s);
	return out;
}

int sh_quote_append(char *dst, size_t dstsize, const char *s)
{
	size_t used = strnlen(dst, dstsize);
	size_t n = quoted_len(s);

	if (used == dstsize || n == 0 || n >= dstsize - used) {
		errno = ENAMETOOLONG;
		return -1;
	}
	quote_into(dst + used, s);
	return 0;
}

/*
 * Words made only of these bytes mean the same to sh bare or quoted. '=' is left out so that a
 * first word is never read back as a variable assignment; '~' and '#' are special at a word's start.
 */
static int needs_quoting(const char *s)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789_-+./:,@%";

	return *s == '\0' || s[strspn(s, safe)] != '\0';
}

char *sh_quote_argv(const char *const *argv)
{
	size_t total = 1, i;
	char *out, *p;

	for (i = 0; argv[i] != NULL; i++) {
		size_t n = needs_quoting(argv[i]) ? quoted_len(argv[i]) : strlen(argv[i]);

		if (n == 0 || total > SIZE_MAX - 1 - n) {
			errno = ENOMEM;
			return NULL;
		}
		total += n + 1;
	}
	out = malloc(total);
	if (out == NULL)
		return NULL;
	p = out;
	*p = '\0';
	for (i = 0; argv[i] != NULL; i++) {
		if (i > 0)
			*p++ = ' ';
		if (needs_quoting(argv[i])) {
			quote_into(p, argv[i]);
		} else {
			size_t n = strlen(argv[i]);

			memcpy(p, argv[i], n + 1);
		}
		p += strlen(p);
	}
	return out;
}
