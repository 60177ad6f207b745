/*
 * profile_int.h - the tables behind a profile, shared by the builder (profile.c) and the tree and
 * name resolution (profile_tree.c). Not for other modules: use profile.h.
 *
 * Stacks are interned by their raw bytes (instruction pointers as the trace stores them) and carry a
 * time and a count per view; profint_build turns them into frames and call tree nodes once the
 * symbol table is complete.
 */
#ifndef DOTNETPROF_PROFILE_INT_H
#define DOTNETPROF_PROFILE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "nettrace.h"
#include "profile.h"
#include "symtab.h"
#include "u64map.h"

struct pstack {
	uint64_t hash;
	size_t off;            /* into ipbytes */
	uint32_t size;         /* bytes */
	uint32_t leaf;         /* a pseudo frame on top of the frames (profint_pseudo), 0: none */
	double ms[PROFILE_NVIEWS];
	uint64_t count[PROFILE_NVIEWS];
};

struct profile_internal {
	struct symtab sym;
	int pointer_size;             /* of the stacks seen (0 before the first) */
	uint8_t *ipbytes;
	size_t ip_len, ip_cap;
	struct pstack *stacks;
	size_t nstacks, stacks_cap;
	uint32_t *table;              /* open addressing over stack indexes; PROFILE_NONE: empty */
	size_t table_cap;
	char **pseudo;                /* names of pseudo frames: pseudo[id - 1] */
	size_t npseudo, pseudo_cap;

	/* after profint_build */
	uint32_t *leaf;               /* stack -> node */
	char *names;                  /* frame names */
	size_t names_len, names_cap;
	size_t frames_cap, next_cap, nodes_cap;
	struct u64map frame_of_ip;    /* address -> frame */
	struct u64map frame_of_hash;  /* name hash -> first frame with it */
	uint32_t *frame_next;         /* next frame with the same name hash */
	struct u64map node_of_edge;   /* (caller node << 32 | frame) -> node */
};

int profint_init(struct profile_internal *in);
void profint_release(struct profile_internal *in);

/*
 * A pseudo frame (a name that is no code address, e.g. "EventName: Provider/Event"): its id for
 * profint_intern (> 0), in *id. 0 or -1 (ENOMEM).
 */
int profint_pseudo(struct profile_internal *in, const char *name, uint32_t *id);

/*
 * The stack index of an event's stack, with pseudo frame `leaf` (0: none) as its innermost frame (an
 * empty stack is a stack too). 0 or -1 (ENOMEM).
 */
int profint_intern(struct profile_internal *in, const struct nettrace_event *ev, uint32_t leaf,
		   uint32_t *stack);

/* Add `ms` (one sample) to a stack's time in `view`. 0 (never fails; int for the callers' chains). */
int profint_charge(struct profile_internal *in, uint32_t stack, enum profile_view view, double ms);

/* Resolve frames, build the call tree and the totals of `p` from p->in. 0 or -1 (ENOMEM). */
int profint_build(struct profile *p);

#endif
