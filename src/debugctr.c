/*
 * debugctr.c - the plugin's ephemeral debug containers in a pod's JSON: names, states, reuse
 * (debugctr.h).
 */
#include "debugctr.h"

#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "growarr.h"
#include "strvec.h"

#define DIRECT_MAX 58   /* prefix + target up to this: leaves "-9999" within 63 */
#define KEEP_CHARS 38   /* of a longer target, before the hash */

static const char *const modes[] = { "auto", "always", "never" };

int debugctr_mode_parse(const char *s, enum debugctr_mode *out)
{
	long i = str_index(modes, sizeof(modes) / sizeof(modes[0]), s);

	if (i < 0)
		return -1;
	*out = (enum debugctr_mode)i;
	return 0;
}

const char *debugctr_mode_name(enum debugctr_mode m)
{
	return (size_t)m < sizeof(modes) / sizeof(modes[0]) ? modes[m] : "?";
}

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* "dotnetprof-TARGET", or the hashed form for a long target, into buf (DEBUGCTR_NAME_MAX). */
static void base_name(const char *target, char *buf, size_t size)
{
	size_t n = strlen(target);

	if (sizeof(DEBUGCTR_PREFIX) - 1 + n <= DIRECT_MAX)
		snprintf(buf, size, "%s%s", DEBUGCTR_PREFIX, target);
	else
		snprintf(buf, size, "%s%.*s-%08x", DEBUGCTR_PREFIX, KEEP_CHARS, target,
			 (unsigned)fnv1a(target));
}

int debugctr_name(const char *target, unsigned gen, char *buf, size_t size)
{
	char base[DEBUGCTR_NAME_MAX];
	size_t n;

	if (gen < 1 || gen > DEBUGCTR_MAX_GEN || size < DEBUGCTR_NAME_MAX || !target || !*target)
		return -1;
	base_name(target, base, sizeof(base));
	if (gen == 1)
		n = strlcpy(buf, base, size);
	else
		n = (size_t)snprintf(buf, size, "%s-%u", base, gen);
	return n < size ? 0 : -1;
}

unsigned debugctr_generation(const char *name, const char *target)
{
	char base[DEBUGCTR_NAME_MAX];
	const char *p;
	size_t n;
	unsigned long g = 0;

	if (!name || !target || !*target)
		return 0;
	base_name(target, base, sizeof(base));
	n = strlen(base);
	if (strncmp(name, base, n))
		return 0;
	if (!name[n])
		return 1;
	if (name[n] != '-' || name[n + 1] < '1' || name[n + 1] > '9')
		return 0;
	for (p = name + n + 1; *p; p++) {
		if (*p < '0' || *p > '9' || (g = g * 10 + (unsigned long)(*p - '0')) > DEBUGCTR_MAX_GEN)
			return 0;
	}
	return g >= 2 ? (unsigned)g : 0;
}

int debugctr_reason_final(const char *reason)
{
	static const char *const final[] = { "CreateContainerConfigError", "CreateContainerError",
					     "InvalidImageName", "ErrImageNeverPull", "RunContainerError",
					     "PreCreateHookError", "PreStartHookError" };
	size_t i;

	for (i = 0; reason && i < sizeof(final) / sizeof(final[0]); i++)
		if (!strcmp(reason, final[i]))
			return 1;
	return 0;
}

static const cJSON *item(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = item(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static long long id_of(const cJSON *o, const char *key)
{
	const cJSON *v = item(o, key);

	return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 4294967295.0
		       ? (long long)v->valuedouble : -1;
}

static int dup_or_null(char **dst, const char *s)
{
	*dst = NULL;
	return !s || (*dst = strdup(s)) ? 0 : -1;
}

/* The state of one status entry into e. 0 or -1 (ENOMEM). */
static int take_status(const cJSON *st, struct debugctr_entry *e)
{
	const cJSON *state = item(st, "state"), *s;

	if ((s = item(state, "running")) && cJSON_IsObject(s)) {
		e->state = DEBUGCTR_S_RUNNING;
		return 0;
	}
	if ((s = item(state, "terminated")) && cJSON_IsObject(s)) {
		e->state = DEBUGCTR_S_TERMINATED;
		e->exit_code = (int)id_of(s, "exitCode");
	} else if ((s = item(state, "waiting")) && cJSON_IsObject(s)) {
		e->state = DEBUGCTR_S_WAITING;
	} else {
		return 0;
	}
	return dup_or_null(&e->reason, str_of(s, "reason")) < 0 ||
	       dup_or_null(&e->message, str_of(s, "message")) < 0 ? -1 : 0;
}

/* The status entry of `name`, or NULL. */
static const cJSON *status_of(const cJSON *pod, const char *name)
{
	const cJSON *st;
	const char *n;

	cJSON_ArrayForEach(st, item(item(pod, "status"), "ephemeralContainerStatuses")) {
		n = str_of(st, "name");
		if (n && !strcmp(n, name))
			return st;
	}
	return NULL;
}

static int has_ptrace(const cJSON *sc)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, item(item(sc, "capabilities"), "add")) {
		if (cJSON_IsString(c) && (!strcmp(c->valuestring, "SYS_PTRACE") ||
					  !strcmp(c->valuestring, "CAP_SYS_PTRACE")))
			return 1;
	}
	return 0;
}

/* One spec.ephemeralContainers[] item, when it is ours (for `target`, or any). 0 or -1 (ENOMEM). */
static int take_entry(const cJSON *pod, const cJSON *ec, const char *target,
		      struct debugctr_list *l, size_t *alloc)
{
	const char *name = str_of(ec, "name"), *tgt = str_of(ec, "targetContainerName");
	const cJSON *sc = item(ec, "securityContext");
	struct debugctr_entry *e, *v;
	unsigned gen;

	if (!name || !tgt || (target && strcmp(tgt, target)) || strlen(name) >= DEBUGCTR_NAME_MAX ||
	    !(gen = debugctr_generation(name, tgt)))
		return 0;
	if (!(v = growarr(l->v, alloc, l->n + 1, sizeof(*l->v), 4)))
		return -1;
	l->v = v;
	e = &l->v[l->n];
	memset(e, 0, sizeof(*e));
	strlcpy(e->name, name, sizeof(e->name));
	e->gen = gen;
	e->uid = id_of(sc, "runAsUser");
	e->gid = id_of(sc, "runAsGroup");
	e->ptrace = has_ptrace(sc);
	e->exit_code = -1;
	l->n++;
	if (!(e->image = strdup(str_of(ec, "image") ? str_of(ec, "image") : "")))
		return -1;
	return status_of(pod, name) ? take_status(status_of(pod, name), e) : 0;
}

static int add_names(const cJSON *arr, struct debugctr_list *l, size_t *alloc)
{
	const cJSON *c;
	const char *n;
	char **v;

	cJSON_ArrayForEach(c, arr) {
		if (!(n = str_of(c, "name")))
			continue;
		if (!(v = growarr(l->names, alloc, l->nnames + 1, sizeof(*l->names), 8)))
			return -1;
		l->names = v;
		if (!(l->names[l->nnames] = strdup(n)))
			return -1;
		l->nnames++;
	}
	return 0;
}

static int by_gen(const void *a, const void *b)
{
	const struct debugctr_entry *x = a, *y = b;

	return (x->gen > y->gen) - (x->gen < y->gen);
}

int debugctr_scan(const cJSON *pod, const char *target, struct debugctr_list *out)
{
	const cJSON *spec = item(pod, "spec"), *ec;
	size_t alloc = 0, nalloc = 0;

	memset(out, 0, sizeof(*out));
	cJSON_ArrayForEach(ec, item(spec, "ephemeralContainers")) {
		if (take_entry(pod, ec, target, out, &alloc) < 0)
			return -1;
	}
	if (add_names(item(spec, "containers"), out, &nalloc) < 0 ||
	    add_names(item(spec, "initContainers"), out, &nalloc) < 0 ||
	    add_names(item(spec, "ephemeralContainers"), out, &nalloc) < 0)
		return -1;
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), by_gen);
	return 0;
}

void debugctr_list_release(struct debugctr_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].image);
		free(l->v[i].reason);
		free(l->v[i].message);
	}
	for (i = 0; i < l->nnames; i++)
		free(l->names[i]);
	free(l->v);
	free(l->names);
	memset(l, 0, sizeof(*l));
}

const struct debugctr_entry *debugctr_find(const struct debugctr_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

static int name_taken(const struct debugctr_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->nnames; i++)
		if (!strcmp(l->names[i], name))
			return 1;
	return 0;
}

int debugctr_pick(const struct debugctr_list *l, const char *target, const char *image,
		  const struct debugsec *sec, const struct debugctr_entry **use, char *name,
		  size_t size)
{
	const struct debugctr_entry *running = NULL, *starting = NULL, *e;
	unsigned gen = 1;
	size_t i;

	*use = NULL;
	for (i = 0; i < l->n; i++) {
		e = &l->v[i];
		if (e->gen >= gen)
			gen = e->gen + 1;
		if (strcmp(e->image, image) || !debugsec_matches(sec, e->uid, e->gid, e->ptrace))
			continue;
		if (e->state == DEBUGCTR_S_RUNNING)
			running = e;
		else if (e->state == DEBUGCTR_S_STARTING ||
			 (e->state == DEBUGCTR_S_WAITING && !debugctr_reason_final(e->reason)))
			starting = e;
	}
	if ((*use = running ? running : starting))
		return running ? DEBUGCTR_REUSE : DEBUGCTR_WAIT;
	for (; gen <= DEBUGCTR_MAX_GEN; gen++)
		if (debugctr_name(target, gen, name, size) == 0 && !name_taken(l, name))
			return DEBUGCTR_CREATE;
	return -1;
}
