/*
 * ntevents.h - the contents of NetTrace blocks: metadata, stacks, events, sequence points, threads.
 * Internal to the reader: nettrace.c frames the file into blocks and hands each to these functions,
 * which decode it, keep the caches the format defines (metadata for the whole trace, stacks until the
 * next sequence point, version 6 thread indexes) and deliver events to the caller, in time order
 * unless NETTRACE_FILE_ORDER.
 *
 * Blocks are reference counted: an event waiting to be delivered in time order keeps its block (its
 * payload points into it), a stack block lives until the next sequence point. Each function returns 0,
 * or -1 after filling the result's status (CORRUPT with message and offset, NOMEM, STOPPED).
 */
#ifndef DOTNETPROF_NTEVENTS_H
#define DOTNETPROF_NTEVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "nettrace.h"
#include "u64map.h"

/* One block's bytes. */
struct ntblock {
	struct ntblock *next;   /* in the free list or the retained-stacks list */
	uint8_t *data;
	size_t len, cap;
	uint64_t file_off;      /* where data[0] is in the file (for messages) */
	unsigned refs;
};

struct ntstackref {
	const uint8_t *p;
	uint32_t len;
};

struct ntpend;

struct ntev {
	const struct nettrace_callbacks *cb;
	void *arg;
	unsigned flags;
	struct nettrace_result *res;
	int version;                 /* 4 (FastSerialization objects, V5 metadata tags included) or 6 */
	int pointer_size;

	struct u64map meta;          /* metadata id -> struct nettrace_metadata * (owned) */
	struct u64map stacks;        /* stack id -> index into stack_v */
	struct ntstackref *stack_v;
	size_t nstacks, stacks_cap;
	struct ntblock *stack_blocks; /* kept until the next sequence point */
	struct u64map threads;       /* version 6: thread index -> OS thread id */
	struct u64map seqs;          /* capture thread -> last sequence number seen */

	struct ntpend *pend;         /* events waiting for their turn in time order */
	struct ntpend *scratch;      /* merge sort buffer */
	size_t npend, pend_cap;

	struct ntblock *free_blocks; /* recycled block buffers */
	unsigned nfree;
};

void ntev_init(struct ntev *ev, const struct nettrace_callbacks *cb, void *arg, unsigned flags,
	       struct nettrace_result *res);

/* Free everything (pending events are dropped, not delivered). */
void ntev_release(struct ntev *ev);

/* A block buffer of at least `cap` bytes (len 0, refs 1), or NULL (ENOMEM). */
struct ntblock *ntev_block_get(struct ntev *ev, size_t cap);

/* Drop a reference; the buffer is recycled when none is left. */
void ntev_block_put(struct ntev *ev, struct ntblock *b);

/* Block handlers: each consumes the caller's reference to `b` when it keeps nothing. */
int ntev_metadata_block(struct ntev *ev, struct ntblock *b);
int ntev_event_block(struct ntev *ev, struct ntblock *b);
int ntev_stack_block(struct ntev *ev, struct ntblock *b);
int ntev_sequence_point(struct ntev *ev, struct ntblock *b);
int ntev_thread_block(struct ntev *ev, struct ntblock *b);         /* version 6 */
int ntev_remove_thread_block(struct ntev *ev, struct ntblock *b);  /* version 6 */

/* Deliver every event still waiting (end of stream, or the input was cut). */
int ntev_flush(struct ntev *ev);

/* Set a CORRUPT status with a message at `off`; returns -1. */
int ntev_corrupt(struct ntev *ev, uint64_t off, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

#endif
