/*
 * agentrec.c - parse dotnetprof-agent's records (see agentrec.h). The agent runs in a pod the
 * user may not trust: every field is checked, nothing is assumed present.
 */
#include "agentrec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agentcli.h"

/* Unescape s in place (\\ \t \n). Returns 0, or -1 on a lone or unknown escape. */
static int unescape(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++) {
		if (*s != '\\') {
			*o++ = *s;
			continue;
		}
		s++;
		if (*s == '\\')
			*o++ = '\\';
		else if (*s == 't')
			*o++ = '\t';
		else if (*s == 'n')
			*o++ = '\n';
		else
			return -1;
	}
	*o = '\0';
	return 0;
}

/* A key is [a-z0-9_]+, a record type [a-z0-9-]+ (`extra` is the one other character allowed). */
static int name_ok(const char *k, size_t n, char extra)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == extra))
			return 0;
	return 1;
}

int agentrec_parse(const char *line, size_t len, struct agentrec *r)
{
	char *p, *tab;
	size_t nf = 0, i;

	memset(r, 0, sizeof(*r));
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len == 0 || memchr(line, '\n', len) != NULL || memchr(line, '\0', len) != NULL)
		goto bad;
	if ((r->buf = malloc(len + 1)) == NULL)
		return -1;
	memcpy(r->buf, line, len);
	r->buf[len] = '\0';
	for (i = 0; i < len; i++)
		nf += r->buf[i] == '\t';
	if (nf > 0 && (r->fields = calloc(nf, sizeof(*r->fields))) == NULL)
		return -1;
	r->type = r->buf;
	/* each TAB ends the token before it; a field runs to the next TAB (cut when its turn comes) */
	for (p = strchr(r->buf, '\t'); p != NULL; p = tab) {
		char *eq;

		*p++ = '\0';
		if ((tab = strchr(p, '\t')) != NULL)
			*tab = '\0';
		if ((eq = strchr(p, '=')) == NULL || !name_ok(p, (size_t)(eq - p), '_'))
			goto bad;
		*eq = '\0';
		if (unescape(eq + 1) < 0)
			goto bad;
		r->fields[r->nfields].key = p;
		r->fields[r->nfields++].value = eq + 1;
		if (tab != NULL)
			*tab = '\t';
	}
	if (!name_ok(r->type, strlen(r->type), '-'))
		goto bad;
	return 0;
bad:
	errno = EBADMSG;
	return -1;
}

const char *agentrec_get(const struct agentrec *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->nfields; i++)
		if (strcmp(r->fields[i].key, key) == 0)
			return r->fields[i].value;
	return NULL;
}

void agentrec_release(struct agentrec *r)
{
	free(r->fields);
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

/* A decimal u64 (digits only), or -1. */
static int parse_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || x > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return 0;
}

static int parse_flag(const char *s, int *v)
{
	if (s == NULL || (strcmp(s, "0") != 0 && strcmp(s, "1") != 0))
		return -1;
	*v = s[0] == '1';
	return 0;
}

int agentrec_trailer(const struct agentrec *r, struct agentrec_trailer *t)
{
	const char *sha = agentrec_get(r, "sha256"), *out = agentrec_get(r, "stdout");
	size_t i;

	memset(t, 0, sizeof(*t));
	if (r->type == NULL || strcmp(r->type, AGENT_REC_TRACE_END) != 0 ||
	    parse_u64(agentrec_get(r, "bytes"), &t->bytes) < 0 || sha == NULL || strlen(sha) != 64 ||
	    parse_flag(agentrec_get(r, "complete"), &t->complete) < 0 ||
	    parse_flag(agentrec_get(r, "stopped"), &t->stopped) < 0)
		goto bad;
	for (i = 0; i < 64; i++)
		if (!((sha[i] >= '0' && sha[i] <= '9') || (sha[i] >= 'a' && sha[i] <= 'f')))
			goto bad;
	memcpy(t->sha256, sha, 65);
	t->stdout_closed = out != NULL && strcmp(out, "closed") == 0;
	t->reason = agentrec_get(r, "reason");
	return 0;
bad:
	errno = EINVAL;
	return -1;
}
