/*
 * strvec.c - growable NULL-terminated string vectors.
 */
#include "strvec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void strvec_init(struct strvec *sv)
{
	sv->v = NULL;
	sv->n = 0;
	sv->alloc = 0;
}

void strvec_clear(struct strvec *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	strvec_init(sv);
}

static int push_owned(struct strvec *sv, char *s)
{
	if (sv->n + 2 > sv->alloc) {
		size_t alloc = sv->alloc ? sv->alloc * 2 : 8;
		char **v;

		if (alloc > ((size_t)-1) / sizeof(*v)) {
			errno = ENOMEM;
			return -1;
		}
		v = realloc(sv->v, alloc * sizeof(*v));
		if (!v)
			return -1;
		sv->v = v;
		sv->alloc = alloc;
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
	return 0;
}

int strvec_push(struct strvec *sv, const char *s)
{
	return strvec_push2(sv, s, "");
}

int strvec_push2(struct strvec *sv, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	if (!s)
		return -1;
	memcpy(s, a, la);
	memcpy(s + la, b, lb + 1);
	if (push_owned(sv, s) < 0) {
		free(s);
		return -1;
	}
	return 0;
}

int strvec_pushv(struct strvec *sv, const char *const *argv)
{
	for (; argv && *argv; argv++)
		if (strvec_push(sv, *argv) < 0)
			return -1;
	return 0;
}

const char *const *strvec_argv(const struct strvec *sv)
{
	static const char *const empty[] = { NULL };

	return sv->v ? (const char *const *)sv->v : empty;
}

long str_index(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; s && i < n; i++)
		if (!strcmp(s, names[i]))
			return (long)i;
	return -1;
}
