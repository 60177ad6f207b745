/*
 * profile_tree.c - a profile's stacks into named frames and a call tree: stack interning, name
 * resolution once the trace has been read, totals, and the by-method table. See profile_int.h and
 * profile.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "growarr.h"
#include "ntcur.h"
#include "profile_int.h"

#define NAME_MAX_LEN 4096
#define MAX_DEPTH 1024

int profint_init(struct profile_internal *in)
{
	memset(in, 0, sizeof(*in));
	symtab_init(&in->sym);
	u64map_init(&in->frame_of_ip);
	u64map_init(&in->frame_of_hash);
	u64map_init(&in->node_of_edge);
	return 0;
}

void profint_release(struct profile_internal *in)
{
	symtab_release(&in->sym);
	free(in->ipbytes);
	free(in->stacks);
	free(in->table);
	free(in->leaf);
	free(in->names);
	while (in->npseudo > 0)
		free(in->pseudo[--in->npseudo]);
	free(in->pseudo);
	free(in->frame_next);
	u64map_release(&in->frame_of_ip);
	u64map_release(&in->frame_of_hash);
	u64map_release(&in->node_of_edge);
	memset(in, 0, sizeof(*in));
}

/* A 64-bit hash of a byte string, 8 bytes at a time. */
static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		h ^= ntcur_le64(p + i);
		h *= 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	for (; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 29;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 32);
}

static int grow_table(struct profile_internal *in)
{
	size_t cap = in->table_cap ? 2 * in->table_cap : 1024, i, j;
	uint32_t *t = malloc(cap * sizeof(*t));

	if (!t)
		return -1;
	memset(t, 0xff, cap * sizeof(*t));
	for (i = 0; i < in->nstacks; i++) {
		for (j = in->stacks[i].hash & (cap - 1); t[j] != PROFILE_NONE; j = (j + 1) & (cap - 1))
			;
		t[j] = (uint32_t)i;
	}
	free(in->table);
	in->table = t;
	in->table_cap = cap;
	return 0;
}

static int add_stack(struct profile_internal *in, const uint8_t *bytes, uint32_t size, uint64_t h)
{
	struct pstack *s;
	uint8_t *p;

	if (in->nstacks >= PROFILE_NONE - 1) {
		errno = ENOMEM;
		return -1;
	}
	p = growarr(in->ipbytes, &in->ip_cap, in->ip_len + size, 1, 65536);
	if (!p)
		return -1;
	in->ipbytes = p;
	s = growarr(in->stacks, &in->stacks_cap, in->nstacks + 1, sizeof(*s), 1024);
	if (!s)
		return -1;
	in->stacks = s;
	s = &in->stacks[in->nstacks];
	memset(s, 0, sizeof(*s));
	s->hash = h;
	s->off = in->ip_len;
	s->size = size;
	if (size)
		memcpy(in->ipbytes + in->ip_len, bytes, size);
	in->ip_len += size;
	in->nstacks++;
	return 0;
}

int profint_pseudo(struct profile_internal *in, const char *name, uint32_t *id)
{
	size_t i;
	char *copy, **v;

	for (i = 0; i < in->npseudo; i++)
		if (!strcmp(in->pseudo[i], name)) {
			*id = (uint32_t)i + 1;
			return 0;
		}
	v = growarr(in->pseudo, &in->pseudo_cap, in->npseudo + 1, sizeof(*v), 16);
	if (!v)
		return -1;
	in->pseudo = v;
	copy = strdup(name);
	if (!copy)
		return -1;
	in->pseudo[in->npseudo++] = copy;
	*id = (uint32_t)in->npseudo;
	return 0;
}

int profint_intern(struct profile_internal *in, const struct nettrace_event *ev, uint32_t leaf,
		   uint32_t *stack)
{
	/* the runtime walks at most 100 frames; a deeper (hostile) stack keeps its innermost ones */
	uint32_t max = MAX_DEPTH * (uint32_t)ev->pointer_size;
	uint32_t size = ev->stack_size > max ? max : ev->stack_size;
	uint64_t h;
	size_t i;

	if (!in->pointer_size)
		in->pointer_size = ev->pointer_size;
	h = hash_bytes(ev->stack, size) ^ (uint64_t)leaf * 0x9e3779b97f4a7c15ULL;
	if (2 * (in->nstacks + 1) > in->table_cap && grow_table(in) < 0)
		return -1;
	for (i = h & (in->table_cap - 1); in->table[i] != PROFILE_NONE; i = (i + 1) & (in->table_cap - 1)) {
		const struct pstack *s = &in->stacks[in->table[i]];

		if (s->hash == h && s->size == size && s->leaf == leaf &&
		    (!size || !memcmp(in->ipbytes + s->off, ev->stack, size))) {
			*stack = in->table[i];
			return 0;
		}
	}
	if (add_stack(in, ev->stack, size, h) < 0)
		return -1;
	in->stacks[in->nstacks - 1].leaf = leaf;
	in->table[i] = (uint32_t)(in->nstacks - 1);
	*stack = in->table[i];
	return 0;
}

int profint_charge(struct profile_internal *in, uint32_t stack, enum profile_view view, double ms)
{
	in->stacks[stack].ms[view] += ms;
	in->stacks[stack].count[view]++;
	return 0;
}

/* The frame named `name` (interned by name: code versions of one method share it). */
static int intern_frame(struct profile *p, const char *name, uint64_t addr, int resolved, uint32_t *out)
{
	struct profile_internal *in = p->in;
	size_t len = strlen(name);
	uint64_t h = hash_bytes((const uint8_t *)name, len), *first;
	struct profile_frame *fr;
	uint32_t f, *nx;
	char *names;
	int added;

	first = u64map_put(&in->frame_of_hash, h, PROFILE_NONE, &added);
	if (!first)
		return -1;
	for (f = (uint32_t)*first; f != PROFILE_NONE; f = in->frame_next[f])
		if (!strcmp(in->names + (uintptr_t)p->frames[f].name, name)) {
			*out = f;
			return 0;
		}
	fr = growarr(p->frames, &in->frames_cap, p->nframes + 1, sizeof(*fr), 256);
	if (!fr)
		return -1;
	p->frames = fr;
	nx = growarr(in->frame_next, &in->next_cap, p->nframes + 1, sizeof(*nx), 256);
	if (!nx)
		return -1;
	in->frame_next = nx;
	names = growarr(in->names, &in->names_cap, in->names_len + len + 1, 1, 65536);
	if (!names)
		return -1;
	in->names = names;
	memcpy(in->names + in->names_len, name, len + 1);
	f = (uint32_t)p->nframes++;
	/* names are pool offsets until the pool stops moving (fixed up at the end of the build) */
	p->frames[f].name = (const char *)(uintptr_t)in->names_len;
	p->frames[f].address = resolved ? 0 : addr;
	p->frames[f].resolved = resolved;
	in->names_len += len + 1;
	in->frame_next[f] = (uint32_t)*first;
	first = u64map_get(&in->frame_of_hash, h);
	*first = f;
	if (!resolved)
		p->unresolved++;
	*out = f;
	return 0;
}

static int frame_of(struct profile *p, uint64_t ip, uint32_t *out)
{
	struct profile_internal *in = p->in;
	uint64_t *slot = u64map_get(&in->frame_of_ip, ip);
	char name[NAME_MAX_LEN];
	int resolved;

	if (slot) {
		*out = (uint32_t)*slot;
		return 0;
	}
	resolved = symtab_lookup(&in->sym, ip, name, sizeof(name));
	if (!resolved)
		snprintf(name, sizeof(name), "?!0x%016" PRIx64, ip);
	if (intern_frame(p, name, ip, resolved, out) < 0)
		return -1;
	slot = u64map_put(&in->frame_of_ip, ip, *out, NULL);
	return slot ? 0 : -1;
}

static int child_of(struct profile *p, uint32_t parent, uint32_t frame, uint32_t *out)
{
	struct profile_internal *in = p->in;
	int added;
	uint64_t *slot = u64map_put(&in->node_of_edge, (uint64_t)parent << 32 | frame, p->nnodes, &added);
	struct profile_node *n;

	if (!slot)
		return -1;
	if (!added) {
		*out = (uint32_t)*slot;
		return 0;
	}
	n = growarr(p->nodes, &in->nodes_cap, p->nnodes + 1, sizeof(*n), 256);
	if (!n) {
		*slot = PROFILE_NONE;   /* the build fails: nothing looks the edge up again */
		return -1;
	}
	p->nodes = n;
	n = &p->nodes[p->nnodes];
	memset(n, 0, sizeof(*n));
	n->parent = parent;
	n->frame = frame;
	n->child = n->sibling = PROFILE_NONE;
	*out = (uint32_t)p->nnodes++;
	return 0;
}

/* Each stack, outermost frame first, down the tree; its leaf node gets the stack's time. */
static int build_nodes(struct profile *p)
{
	struct profile_internal *in = p->in;
	size_t s, ps = in->pointer_size ? (size_t)in->pointer_size : 8;
	uint32_t root;

	if (child_of(p, PROFILE_NONE, PROFILE_NONE, &root) < 0)
		return -1;
	p->nodes[0].parent = p->nodes[0].frame = PROFILE_NONE;
	in->leaf = malloc((in->nstacks ? in->nstacks : 1) * sizeof(*in->leaf));
	if (!in->leaf)
		return -1;
	for (s = 0; s < in->nstacks; s++) {
		const struct pstack *st = &in->stacks[s];
		size_t depth = st->size / ps, i;
		uint32_t node = 0, v;

		for (i = depth; i-- > 0;) {
			const uint8_t *b = in->ipbytes + st->off + i * ps;
			uint64_t ip = ps == 8 ? ntcur_le64(b) : ntcur_le32(b);
			uint32_t f;

			if (frame_of(p, ip, &f) < 0 || child_of(p, node, f, &node) < 0)
				return -1;
		}
		if (st->leaf) {
			uint32_t f;

			if (intern_frame(p, in->pseudo[st->leaf - 1], 0, 1, &f) < 0 ||
			    child_of(p, node, f, &node) < 0)
				return -1;
		}
		in->leaf[s] = node;
		for (v = 0; v < PROFILE_NVIEWS; v++) {
			p->nodes[node].self_ms[v] += st->ms[v];
			p->nodes[node].self_samples[v] += st->count[v];
		}
	}
	p->nstacks = in->nstacks;
	return 0;
}

struct sortkey {
	uint32_t parent;
	const char *name;
	uint32_t node;
};

static int by_parent_name(const void *a, const void *b)
{
	const struct sortkey *x = a, *y = b;

	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Totals bottom-up (a child always has a larger index than its parent), callees linked by name. */
static int link_nodes(struct profile *p)
{
	struct sortkey *k;
	size_t i, n = p->nnodes;
	uint32_t v;

	for (i = 0; i < n; i++)
		for (v = 0; v < PROFILE_NVIEWS; v++) {
			p->nodes[i].total_ms[v] = p->nodes[i].self_ms[v];
			p->nodes[i].total_samples[v] = p->nodes[i].self_samples[v];
		}
	for (i = n; i-- > 1;)
		for (v = 0; v < PROFILE_NVIEWS; v++) {
			struct profile_node *par = &p->nodes[p->nodes[i].parent];

			par->total_ms[v] += p->nodes[i].total_ms[v];
			par->total_samples[v] += p->nodes[i].total_samples[v];
		}
	for (v = 0; v < PROFILE_NVIEWS; v++) {
		p->total_ms[v] = p->nodes[0].total_ms[v];
		p->total_samples[v] = p->nodes[0].total_samples[v];
	}
	if (n < 2)
		return 0;
	k = malloc((n - 1) * sizeof(*k));
	if (!k)
		return -1;
	for (i = 1; i < n; i++) {
		k[i - 1].parent = p->nodes[i].parent;
		k[i - 1].name = p->frames[p->nodes[i].frame].name;
		k[i - 1].node = (uint32_t)i;
	}
	qsort(k, n - 1, sizeof(*k), by_parent_name);
	/* link in reverse so each parent's list ends up in name order */
	for (i = n - 1; i-- > 0;) {
		struct profile_node *c = &p->nodes[k[i].node], *par = &p->nodes[k[i].parent];

		c->sibling = par->child;
		par->child = k[i].node;
	}
	free(k);
	return 0;
}

int profint_build(struct profile *p)
{
	struct profile_internal *in = p->in;
	size_t i;

	if (symtab_finish(&in->sym) < 0 || build_nodes(p) < 0)
		return -1;
	for (i = 0; i < p->nframes; i++)
		p->frames[i].name = in->names + (uintptr_t)p->frames[i].name;
	p->methods = symtab_count(&in->sym);
	/* what lookups no longer need */
	u64map_release(&in->frame_of_ip);
	u64map_release(&in->node_of_edge);
	return link_nodes(p);
}

void profile_free(struct profile *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nthreads; i++)
		free(p->threads[i].runs);
	free(p->threads);
	free(p->command_line);
	free(p->frames);
	free(p->nodes);
	if (p->in) {
		profint_release(p->in);
		free(p->in);
	}
	free(p);
}

uint32_t profile_stack_node(const struct profile *p, uint32_t stack)
{
	return stack < p->nstacks && p->in->leaf ? p->in->leaf[stack] : 0;
}

size_t profile_stack_frames(const struct profile *p, uint32_t stack, uint32_t *frames, size_t max)
{
	uint32_t n = profile_stack_node(p, stack);
	size_t depth = 0;

	for (; n != 0 && n != PROFILE_NONE; n = p->nodes[n].parent, depth++)
		if (depth < max)
			frames[depth] = p->nodes[n].frame;
	return depth;
}

static struct profile *sort_ctx_p;   /* qsort has no context argument in C11 */
static int sort_ctx_total;

static int by_time(const void *a, const void *b)
{
	const struct profile_method *x = a, *y = b;
	double tx = sort_ctx_total ? x->total_ms : x->self_ms, ty = sort_ctx_total ? y->total_ms : y->self_ms;

	if (tx != ty)
		return tx > ty ? -1 : 1;
	return strcmp(sort_ctx_p->frames[x->frame].name, sort_ctx_p->frames[y->frame].name);
}

/* Pre-order walk adding each node's total to its frame, once per stack for recursive frames. */
static void add_totals(const struct profile *p, enum profile_view view, struct profile_method *m,
		       uint32_t *open)
{
	uint32_t n = p->nodes[0].child;

	while (n != PROFILE_NONE) {
		const struct profile_node *nd = &p->nodes[n];

		if (open[nd->frame]++ == 0) {
			m[nd->frame].total_ms += nd->total_ms[view];
			m[nd->frame].total_samples += nd->total_samples[view];
		}
		if (nd->child != PROFILE_NONE) {
			n = nd->child;
			continue;
		}
		/* leave nodes until one has a next sibling */
		while (n != PROFILE_NONE && n != 0) {
			open[p->nodes[n].frame]--;
			if (p->nodes[n].sibling != PROFILE_NONE) {
				n = p->nodes[n].sibling;
				break;
			}
			n = p->nodes[n].parent;
		}
		if (n == 0)
			n = PROFILE_NONE;
	}
}

ssize_t profile_methods(const struct profile *p, enum profile_view view, int by_total,
			struct profile_method **out)
{
	struct profile_method *m;
	uint32_t *open;
	size_t i, k = 0;

	*out = NULL;
	m = calloc(p->nframes ? p->nframes : 1, sizeof(*m));
	open = calloc(p->nframes ? p->nframes : 1, sizeof(*open));
	if (!m || !open) {
		free(m);
		free(open);
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < p->nframes; i++)
		m[i].frame = (uint32_t)i;
	for (i = 1; i < p->nnodes; i++) {
		m[p->nodes[i].frame].self_ms += p->nodes[i].self_ms[view];
		m[p->nodes[i].frame].self_samples += p->nodes[i].self_samples[view];
	}
	add_totals(p, view, m, open);
	free(open);
	for (i = 0; i < p->nframes; i++)
		if (m[i].total_samples > 0)
			m[k++] = m[i];
	sort_ctx_p = (struct profile *)(uintptr_t)p;
	sort_ctx_total = by_total;
	qsort(m, k, sizeof(*m), by_time);
	*out = m;
	return (ssize_t)k;
}
