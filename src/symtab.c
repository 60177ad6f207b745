/*
 * symtab.c - method code ranges and module names from a trace's method and module events; address
 * lookup. See symtab.h; the naming follows TraceEvent's TraceLog (GetFullName, ModuleFile.Name).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "growarr.h"
#include "ntcur.h"
#include "symtab.h"

/* Longest namespace/name/signature kept per method; longer ones are cut (still unique enough). */
#define PART_MAX 1024
/* How many ranges starting before an address a lookup looks at (overlaps are rare and shallow). */
#define MAX_OVERLAP 32

void symtab_init(struct symtab *st)
{
	memset(st, 0, sizeof(*st));
	u64map_init(&st->modules);
}

void symtab_release(struct symtab *st)
{
	free(st->m);
	free(st->pool);
	u64map_release(&st->modules);
	symtab_init(st);
}

size_t symtab_count(const struct symtab *st)
{
	return st->n;
}

/* Append `n` bytes and a NUL to the pool; the offset, or -1 (ENOMEM). */
static long pool_add(struct symtab *st, const char *s, size_t n)
{
	size_t off = st->pool_len;
	char *p;

	/* methods refer to the pool by 32-bit offsets */
	if (off + n + 1 > UINT32_MAX) {
		errno = ENOMEM;
		return -1;
	}
	p = growarr(st->pool, &st->pool_cap, off + n + 1, 1, 4096);
	if (!p)
		return -1;
	st->pool = p;
	memcpy(st->pool + off, s, n);
	st->pool[off + n] = '\0';
	st->pool_len += n + 1;
	return (long)off;
}

int symtab_add_method(struct symtab *st, const uint8_t *p, size_t len)
{
	char ns[PART_MAX], name[PART_MAX], sig[PART_MAX], text[3 * PART_MAX + 2];
	size_t off = 36;
	const char *args;
	struct symtab_method *m;
	long textoff;
	int n;

	if (len < 36 || nettrace_utf16z(p, len, &off, ns, sizeof(ns)) < 0 ||
	    nettrace_utf16z(p, len, &off, name, sizeof(name)) < 0 ||
	    nettrace_utf16z(p, len, &off, sig, sizeof(sig)) < 0)
		return 0;
	if (ntcur_le32(p + 24) == 0)
		return 0;
	/* "Namespace.Name" + the argument list of the signature ("instance void  (int32)") */
	args = strchr(sig, '(');
	n = snprintf(text, sizeof(text), "%s.%s%s", ns, name, args ? args : "");
	if (n < 0)
		return 0;
	textoff = pool_add(st, text, (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1);
	if (textoff < 0)
		return -1;
	m = growarr(st->m, &st->cap, st->n + 1, sizeof(*m), 1024);
	if (!m)
		return -1;
	st->m = m;
	m = &st->m[st->n];
	m->module_id = ntcur_le64(p + 8);
	m->start = ntcur_le64(p + 16);
	m->size = ntcur_le32(p + 24);
	m->text = (uint32_t)textoff;
	m->seq = st->n;
	if (m->size > st->max_size)
		st->max_size = m->size;
	st->n++;
	st->finished = 0;
	return 0;
}

/* The file name without its directory and without ".dll"/".exe" (TraceLog's module Name). */
static void module_short_name(const char *path, char *out, size_t outsize)
{
	const char *base = path, *s, *dot;
	size_t n;

	for (s = path; *s; s++)
		if (*s == '/' || *s == '\\')
			base = s + 1;
	n = strlen(base);
	dot = strrchr(base, '.');
	if (dot && dot > base && (!strcasecmp(dot, ".dll") || !strcasecmp(dot, ".exe")))
		n = (size_t)(dot - base);
	if (n >= outsize)
		n = outsize - 1;
	memcpy(out, base, n);
	out[n] = '\0';
}

int symtab_add_module(struct symtab *st, const uint8_t *p, size_t len)
{
	char il[PART_MAX], native[PART_MAX], shortname[PART_MAX];
	size_t off = 24;
	uint64_t id, *slot;
	long nameoff;
	int added;

	if (len < 24 || nettrace_utf16z(p, len, &off, il, sizeof(il)) < 0)
		return 0;
	if (nettrace_utf16z(p, len, &off, native, sizeof(native)) < 0)
		native[0] = '\0';
	module_short_name(il[0] ? il : native, shortname, sizeof(shortname));
	if (!shortname[0])
		return 0;
	id = ntcur_le64(p);
	slot = u64map_get(&st->modules, id);
	if (slot && !strcmp(st->pool + *slot, shortname))
		return 0;
	nameoff = pool_add(st, shortname, strlen(shortname));
	if (nameoff < 0)
		return -1;
	slot = u64map_put(&st->modules, id, (uint64_t)nameoff, &added);
	if (!slot)
		return -1;
	*slot = (uint64_t)nameoff;
	return 0;
}

static int by_start(const void *a, const void *b)
{
	const struct symtab_method *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int symtab_finish(struct symtab *st)
{
	if (st->n)
		qsort(st->m, st->n, sizeof(*st->m), by_start);
	st->finished = 1;
	return 0;
}

int symtab_lookup(const struct symtab *st, uint64_t ip, char *buf, size_t bufsize)
{
	size_t lo = 0, hi = st->n, i, best = SIZE_MAX;
	const uint64_t *mod;
	const char *module;

	if (!st->finished || !st->n)
		return 0;
	/* the last range starting at or before ip */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->m[mid].start <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* ranges may overlap (code reused after an unload): of those holding ip, the latest defined;
	 * a few ranges back at most, so that hostile sizes cannot make lookups quadratic */
	for (i = lo; i-- > 0 && lo - i <= MAX_OVERLAP;) {
		const struct symtab_method *m = &st->m[i];

		if (ip - m->start >= st->max_size)
			break;
		if (ip - m->start < m->size && (best == SIZE_MAX || m->seq > st->m[best].seq))
			best = i;
	}
	if (best == SIZE_MAX)
		return 0;
	mod = u64map_get(&st->modules, st->m[best].module_id);
	module = mod ? st->pool + *mod : "?";
	if (bufsize)
		snprintf(buf, bufsize, "%s!%s", module, st->pool + st->m[best].text);
	return 1;
}
