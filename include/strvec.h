/*
 * strvec.h - a growable, NULL-terminated vector of owned strings: the way every argv is built
 * (kubectl command lines, remote script arguments). Modelled on git's strvec.
 */
#ifndef DOTNETPROF_STRVEC_H
#define DOTNETPROF_STRVEC_H

#include <stddef.h>

struct strvec {
	char **v;      /* NULL-terminated once anything was pushed; NULL while empty */
	size_t n;      /* number of strings, not counting the terminator */
	size_t alloc;
};

#define STRVEC_INIT { NULL, 0, 0 }

void strvec_init(struct strvec *sv);

/* Free every string and the array; leaves `sv` empty and reusable. */
void strvec_clear(struct strvec *sv);

/* Append a copy of `s`. Returns 0, or -1 (errno ENOMEM; `sv` unchanged). */
int strvec_push(struct strvec *sv, const char *s);

/* Append copies of every string of the NULL-terminated `argv` (NULL pushes nothing). 0 or -1. */
int strvec_pushv(struct strvec *sv, const char *const *argv);

/* Append "<a><b>" (e.g. "--context=" and a value). 0 or -1. */
int strvec_push2(struct strvec *sv, const char *a, const char *b);

/* The vector as an argv: never NULL (an empty vector yields a pointer to a NULL entry). */
const char *const *strvec_argv(const struct strvec *sv);

/* The index of `s` in names[0..n) (a flag's or variable's choices), or -1 (also for s NULL). */
long str_index(const char *const *names, size_t n, const char *s);

#endif
