/*
 * redact.c - the user's secrets masked in what we print (redact.h).
 */
#include "redact.h"

#include <stdlib.h>
#include <string.h>

#include "strvec.h"

static struct strvec secrets = STRVEC_INIT;

int redact_add(const char *secret)
{
	size_t i;

	if (!secret || strlen(secret) < REDACT_MIN_LEN)
		return 0;
	for (i = 0; i < secrets.n; i++)
		if (!strcmp(secrets.v[i], secret))
			return 0;
	return strvec_push(&secrets, secret);
}

void redact_clear(void)
{
	strvec_clear(&secrets);
}

/* A growing result; `failed` once memory ran out. */
struct buf {
	char *s;
	size_t len, alloc;
	int failed;
};

static void add(struct buf *b, const char *s, size_t n)
{
	char *ns;
	size_t na;

	if (b->failed)
		return;
	if (b->len + n + 1 > b->alloc) {
		na = (b->len + n + 1) * 2;
		ns = realloc(b->s, na);
		if (!ns) {
			b->failed = 1;
			return;
		}
		b->s = ns;
		b->alloc = na;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* Does a URL's authority end at c? */
static int authority_end(char c)
{
	return c == '\0' || strchr("/?#\"' \t\n\r<>`", c) != NULL;
}

/*
 * At `p` (just after "://"): the userinfo part to hide, as [*from, *to) , when the authority has one.
 * Returns 0 when there is nothing to hide.
 */
static int userinfo_secret(const char *p, const char **from, const char **to)
{
	const char *end = p, *at = NULL, *colon = NULL;

	for (; !authority_end(*end); end++)
		if (*end == '@')
			at = end;
	if (!at || at == p)
		return 0;
	for (colon = p; colon < at && *colon != ':'; colon++)
		;
	if (colon < at) {
		*from = colon + 1;
		*to = at;
		return *from < *to;
	}
	*from = p;
	*to = at;
	return 1;
}

/* The first registered secret that starts at s, or NULL. */
static const char *secret_at(const char *s, size_t *n)
{
	size_t i;

	for (i = 0; i < secrets.n; i++) {
		size_t l = strlen(secrets.v[i]);

		if (!strncmp(s, secrets.v[i], l)) {
			*n = l;
			return secrets.v[i];
		}
	}
	return NULL;
}

char *redact_apply(const char *s, int *failed)
{
	struct buf b = { NULL, 0, 0, 0 };
	const char *p = s, *from, *to;
	size_t n;
	int changed = 0;

	if (failed)
		*failed = 0;
	if (!s)
		return NULL;
	while (*p) {
		if (secret_at(p, &n)) {
			add(&b, REDACT_MASK, strlen(REDACT_MASK));
			p += n;
			changed = 1;
		} else if (!strncmp(p, "://", 3) && userinfo_secret(p + 3, &from, &to)) {
			add(&b, p, (size_t)(from - p));
			add(&b, REDACT_MASK, strlen(REDACT_MASK));
			p = to;
			changed = 1;
		} else {
			add(&b, p++, 1);
		}
	}
	if (b.failed || !changed) {
		if (failed)
			*failed = b.failed;
		free(b.s);
		return NULL;
	}
	return b.s;
}

char *redact_url_password(const char *url)
{
	const char *p = url ? strstr(url, "://") : NULL, *from, *to;

	if (!p || !userinfo_secret(p + 3, &from, &to))
		return NULL;
	return strndup(from, (size_t)(to - from));
}
