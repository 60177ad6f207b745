/*
 * ntevents.c - decoding NetTrace metadata, stack, event, sequence point and thread blocks, and
 * delivering events in time order. See ntevents.h; the decoding follows TraceEvent's EventCache,
 * StackCache and EventPipeEventHeader.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "growarr.h"
#include "ntcur.h"
#include "ntevents.h"
#include "ntmeta.h"

#define MAX_FREE_BLOCKS 8
/*
 * Events held back for time order at most. The runtime marks a sorted event in every batch it
 * writes (~100 ms), so a real trace never comes near; a hostile one without sorted events or
 * sequence points gets its events in order by windows of this size instead of unbounded memory.
 */
#define MAX_PENDING (1u << 20)

/* An event read but not yet delivered; payload, stack and ids point into retained blocks. */
struct ntpend {
	int64_t ts;
	const struct nettrace_metadata *meta;
	uint64_t tid, ctid;
	const uint8_t *payload, *stack, *act, *rel;
	struct ntblock *block;
	uint32_t payload_size, stack_size, seq, proc, stack_id, label;
	int sorted;
};

/* The fields of an event header; compressed headers are deltas against the previous one. */
struct hdr {
	uint32_t meta_id, seq, proc, stack_id, payload_size, label;
	uint64_t tid, ctid;
	int64_t ts;
	const uint8_t *act, *rel;
	int sorted;
};

static const uint8_t zero_guid[16];

void ntev_init(struct ntev *ev, const struct nettrace_callbacks *cb, void *arg, unsigned flags,
	       struct nettrace_result *res)
{
	memset(ev, 0, sizeof(*ev));
	ev->cb = cb;
	ev->arg = arg;
	ev->flags = flags;
	ev->res = res;
	ev->pointer_size = 8;
	u64map_init(&ev->meta);
	u64map_init(&ev->stacks);
	u64map_init(&ev->threads);
	u64map_init(&ev->seqs);
}

int ntev_corrupt(struct ntev *ev, uint64_t off, const char *fmt, ...)
{
	va_list ap;

	if (ev->res->status == NETTRACE_OK) {
		ev->res->status = NETTRACE_CORRUPT;
		ev->res->offset = off;
		va_start(ap, fmt);
		vsnprintf(ev->res->message, sizeof(ev->res->message), fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int nomem(struct ntev *ev)
{
	if (ev->res->status == NETTRACE_OK)
		ev->res->status = NETTRACE_NOMEM;
	return -1;
}

struct ntblock *ntev_block_get(struct ntev *ev, size_t cap)
{
	struct ntblock *b = ev->free_blocks, **pp;

	/* a recycled buffer large enough, else a new one */
	for (pp = &ev->free_blocks; (b = *pp); pp = &b->next)
		if (b->cap >= cap)
			break;
	if (b) {
		*pp = b->next;
		ev->nfree--;
	} else {
		b = calloc(1, sizeof(*b));
		if (!b)
			return NULL;
		b->data = malloc(cap ? cap : 1);
		if (!b->data) {
			free(b);
			return NULL;
		}
		b->cap = cap;
	}
	b->next = NULL;
	b->len = 0;
	b->refs = 1;
	b->file_off = 0;
	return b;
}

static void block_free(struct ntblock *b)
{
	free(b->data);
	free(b);
}

void ntev_block_put(struct ntev *ev, struct ntblock *b)
{
	if (!b || --b->refs)
		return;
	if (ev->nfree < MAX_FREE_BLOCKS && b->cap <= 1024 * 1024) {
		b->next = ev->free_blocks;
		ev->free_blocks = b;
		ev->nfree++;
	} else {
		block_free(b);
	}
}

static void free_metadata(struct ntev *ev)
{
	size_t i;

	for (i = 0; i < ev->meta.cap; i++)
		if (ev->meta.used[i])
			free((void *)(uintptr_t)ev->meta.vals[i]);
	u64map_clear(&ev->meta);
}

static void drop_stacks(struct ntev *ev)
{
	struct ntblock *b;

	while ((b = ev->stack_blocks)) {
		ev->stack_blocks = b->next;
		b->next = NULL;
		ntev_block_put(ev, b);
	}
	u64map_clear(&ev->stacks);
	ev->nstacks = 0;
}

void ntev_release(struct ntev *ev)
{
	struct ntblock *b;
	size_t i;

	for (i = 0; i < ev->npend; i++)
		ntev_block_put(ev, ev->pend[i].block);
	ev->npend = 0;
	drop_stacks(ev);
	free_metadata(ev);
	while ((b = ev->free_blocks)) {
		ev->free_blocks = b->next;
		block_free(b);
	}
	ev->nfree = 0;
	u64map_release(&ev->meta);
	u64map_release(&ev->stacks);
	u64map_release(&ev->threads);
	u64map_release(&ev->seqs);
	free(ev->stack_v);
	free(ev->pend);
	free(ev->scratch);
	ev->stack_v = NULL;
	ev->pend = ev->scratch = NULL;
}

/*
 * One event header at the cursor, uncompressed (fixed layout) or compressed (flag byte, varints,
 * deltas against *h). Returns 0, or -1 when the bytes do not fit.
 */
static int read_header(const struct ntev *ev, struct ntcur *c, int compressed, struct hdr *h)
{
	if (!compressed) {
		/* EventSize, MetadataId (high bit: sorted), sequence, thread, capture thread, processor,
		 * stack id, timestamp, then two GUIDs (V4/V5) or a label list id (V6), payload size */
		uint32_t meta;

		(void)ntcur_u32(c);
		meta = ntcur_u32(c);
		h->meta_id = meta & 0x7fffffff;
		h->sorted = !(meta & 0x80000000);
		h->seq = ntcur_u32(c);
		h->tid = ntcur_u64(c);
		h->ctid = ntcur_u64(c);
		h->proc = ntcur_u32(c);
		h->stack_id = ntcur_u32(c);
		h->ts = (int64_t)ntcur_u64(c);
		if (ev->version >= 6) {
			h->label = ntcur_u32(c);
		} else {
			h->act = ntcur_take(c, 16);
			h->rel = ntcur_take(c, 16);
		}
		h->payload_size = ntcur_u32(c);
		return c->bad ? -1 : 0;
	}
	{
		uint8_t f = ntcur_u8(c);

		if (f & 1)
			h->meta_id = ntcur_varu32(c);
		if (f & 2) {
			h->seq += ntcur_varu32(c) + 1;
			h->ctid = ntcur_varu64(c);
			h->proc = ntcur_varu32(c);
		} else if (h->meta_id) {
			h->seq++;
		}
		if (f & 4)
			h->tid = ntcur_varu64(c);
		if (f & 8)
			h->stack_id = ntcur_varu32(c);
		/* unsigned: a hostile delta wraps instead of overflowing */
		h->ts = (int64_t)((uint64_t)h->ts + ntcur_varu64(c));
		if (ev->version >= 6) {
			if (f & 16)
				h->label = ntcur_varu32(c);
		} else {
			if (f & 16)
				h->act = ntcur_take(c, 16);
			if (f & 32)
				h->rel = ntcur_take(c, 16);
		}
		h->sorted = !!(f & 64);
		if (f & 128)
			h->payload_size = ntcur_varu32(c);
		return c->bad ? -1 : 0;
	}
}

/*
 * The event blob framing shared by metadata and event blocks: a header (HeaderSize u16, Flags u16,
 * reserved up to HeaderSize), then blobs. For each blob, `fn` gets the header and its payload.
 */
typedef int (*blob_fn)(struct ntev *ev, struct ntblock *b, const struct hdr *h, const uint8_t *payload,
		       uint64_t off);

static int for_each_blob(struct ntev *ev, struct ntblock *b, blob_fn fn)
{
	struct ntcur c;
	struct hdr h;
	uint16_t hsize, flags;
	int compressed;

	ntcur_init(&c, b->data, b->len);
	hsize = ntcur_u16(&c);
	flags = ntcur_u16(&c);
	if (c.bad || hsize < 20 || hsize > b->len)
		return ntev_corrupt(ev, b->file_off, "invalid block header size %u", (unsigned)hsize);
	ntcur_skip(&c, (size_t)hsize - 4);
	compressed = flags & 1;
	memset(&h, 0, sizeof(h));
	h.act = h.rel = zero_guid;
	while (ntcur_left(&c) > 0) {
		const uint8_t *start = c.p, *payload;
		uint64_t off = b->file_off + (uint64_t)(start - b->data);

		if (read_header(ev, &c, compressed, &h) < 0 || !(payload = ntcur_take(&c, h.payload_size)))
			return ntev_corrupt(ev, off, "event header or payload runs past its block");
		if (!h.act)
			h.act = zero_guid;
		if (!h.rel)
			h.rel = zero_guid;
		if (!compressed) {
			/* the fixed layout is padded to 4 bytes (the block starts 4-aligned) */
			size_t pad = (size_t)(c.p - b->data) & 3;

			if (pad)
				ntcur_skip(&c, ntcur_left(&c) < 4 - pad ? ntcur_left(&c) : 4 - pad);
		}
		if (fn(ev, b, &h, payload, off) < 0)
			return -1;
	}
	return 0;
}

static int add_metadata(struct ntev *ev, struct nettrace_metadata *m, uint64_t off)
{
	int added;
	uint64_t *slot = u64map_put(&ev->meta, m->id, (uint64_t)(uintptr_t)m, &added);

	if (!slot) {
		free(m);
		return nomem(ev);
	}
	if (!added) {
		uint32_t id = m->id;

		free(m);
		return ntev_corrupt(ev, off, "metadata id %u defined twice", (unsigned)id);
	}
	if (ev->cb && ev->cb->metadata && ev->cb->metadata(ev->arg, m)) {
		ev->res->status = NETTRACE_STOPPED;
		return -1;
	}
	return 0;
}

static int on_metadata_blob(struct ntev *ev, struct ntblock *b, const struct hdr *h,
			    const uint8_t *payload, uint64_t off)
{
	struct nettrace_metadata *m;
	enum ntmeta_error e;

	(void)b;
	if (h->meta_id != 0)
		return ntev_corrupt(ev, off, "metadata block holds an event");
	e = ntmeta_parse_v5(payload, h->payload_size, &m);
	if (e == NTMETA_NOMEM)
		return nomem(ev);
	if (e != NTMETA_OK)
		return ntev_corrupt(ev, off, "invalid metadata record");
	return add_metadata(ev, m, off);
}

/* Version 6: a u16 header size, then rows of a u16 size and the record. */
static int metadata_rows_v6(struct ntev *ev, struct ntblock *b)
{
	struct ntcur c;
	uint16_t hsize;

	ntcur_init(&c, b->data, b->len);
	hsize = ntcur_u16(&c);
	ntcur_skip(&c, hsize);
	while (!c.bad && ntcur_left(&c) > 0) {
		uint64_t off = b->file_off + (uint64_t)(c.p - b->data);
		uint16_t size = ntcur_u16(&c);
		const uint8_t *row = ntcur_take(&c, size);
		struct nettrace_metadata *m;
		enum ntmeta_error e;

		if (!row)
			break;
		e = ntmeta_parse_v6(row, size, &m);
		if (e == NTMETA_NOMEM)
			return nomem(ev);
		if (e != NTMETA_OK)
			return ntev_corrupt(ev, off, "invalid metadata record");
		if (add_metadata(ev, m, off) < 0)
			return -1;
	}
	if (c.bad)
		return ntev_corrupt(ev, b->file_off, "metadata block runs past its end");
	return 0;
}

int ntev_metadata_block(struct ntev *ev, struct ntblock *b)
{
	int rc = ev->version >= 6 ? metadata_rows_v6(ev, b) : for_each_blob(ev, b, on_metadata_blob);

	ntev_block_put(ev, b);
	return rc;
}

/* Sequence numbers per capture thread: a gap means the runtime dropped events (TraceEvent's rule,
 * including its guess that a thread restarting at 1 is a recycled id in versions before 6). */
static int note_sequence(struct ntev *ev, uint64_t ctid, uint32_t seq, int checkpoint)
{
	int added;
	uint64_t *last = u64map_put(&ev->seqs, ctid, seq, &added);

	if (!last)
		return nomem(ev);
	if (!added) {
		uint32_t expect = checkpoint ? seq : seq - 1;
		int32_t gap = (int32_t)(expect - (uint32_t)*last);

		if ((ev->version >= 6 || *last != 0) && gap > 0)
			ev->res->lost_events += (uint64_t)gap;
		*last = seq;
	}
	return 0;
}

static int deliver(struct ntev *ev, const struct ntpend *p)
{
	struct nettrace_event e;

	ev->res->events++;
	if (!ev->cb || !ev->cb->event)
		return 0;
	e.meta = p->meta;
	e.thread_id = p->tid;
	e.capture_thread_id = p->ctid;
	e.timestamp = p->ts;
	e.sequence = p->seq;
	e.processor = p->proc;
	e.stack_id = p->stack_id;
	e.stack_size = p->stack_size;
	e.stack = p->stack;
	e.pointer_size = ev->pointer_size;
	e.activity_id = p->act;
	e.related_activity_id = p->rel;
	e.label_list_id = p->label;
	e.payload_size = p->payload_size;
	e.payload = p->payload;
	e.sorted = p->sorted;
	if (ev->cb->event(ev->arg, &e)) {
		ev->res->status = NETTRACE_STOPPED;
		return -1;
	}
	return 0;
}

/* Stable merge sort of the pending events by timestamp (ties keep file order, like the writer's
 * per-thread order). */
static void sort_pending(struct ntev *ev)
{
	size_t n = ev->npend, width, i;
	struct ntpend *a = ev->pend, *t = ev->scratch, *swap;

	for (width = 1; width < n; width *= 2) {
		for (i = 0; i < n; i += 2 * width) {
			size_t lo = i, mid = i + width < n ? i + width : n;
			size_t hi = i + 2 * width < n ? i + 2 * width : n, l = lo, r = mid, k = lo;

			while (l < mid && r < hi)
				t[k++] = a[r].ts < a[l].ts ? a[r++] : a[l++];
			while (l < mid)
				t[k++] = a[l++];
			while (r < hi)
				t[k++] = a[r++];
		}
		swap = a;
		a = t;
		t = swap;
	}
	if (a != ev->pend)
		memcpy(ev->pend, a, n * sizeof(*a));
}

/* Deliver, in time order, every pending event earlier than `before`. */
static int flush_before(struct ntev *ev, int64_t before, int all)
{
	size_t i, k;
	int rc = 0;

	if (!ev->npend)
		return 0;
	sort_pending(ev);
	for (k = 0; k < ev->npend && (all || ev->pend[k].ts < before); k++)
		;
	for (i = 0; i < k; i++) {
		if (rc == 0 && deliver(ev, &ev->pend[i]) < 0)
			rc = -1;
		ntev_block_put(ev, ev->pend[i].block);
	}
	memmove(ev->pend, ev->pend + k, (ev->npend - k) * sizeof(*ev->pend));
	ev->npend -= k;
	return rc;
}

int ntev_flush(struct ntev *ev)
{
	return flush_before(ev, 0, 1);
}

static int push_pending(struct ntev *ev, const struct ntpend *p)
{
	if (ev->npend == ev->pend_cap) {
		/* the merge sort's scratch keeps the same capacity */
		size_t cap = ev->pend_cap, scap = ev->pend_cap;
		struct ntpend *a = growarr(ev->pend, &cap, ev->npend + 1, sizeof(*a), 256), *s;

		if (!a)
			return nomem(ev);
		ev->pend = a;
		s = growarr(ev->scratch, &scap, cap, sizeof(*s), 256);
		if (!s)
			return nomem(ev);
		ev->scratch = s;
		ev->pend_cap = cap;
	}
	ev->pend[ev->npend++] = *p;
	p->block->refs++;
	return ev->npend >= MAX_PENDING ? flush_before(ev, 0, 1) : 0;
}

static int on_event_blob(struct ntev *ev, struct ntblock *b, const struct hdr *h, const uint8_t *payload,
			 uint64_t off)
{
	struct ntpend p;
	uint64_t *v;

	if (h->meta_id == 0)
		return ntev_corrupt(ev, off, "event block holds a metadata record");
	v = u64map_get(&ev->meta, h->meta_id);
	if (!v)
		return ntev_corrupt(ev, off, "event refers to undefined metadata id %u", (unsigned)h->meta_id);
	memset(&p, 0, sizeof(p));
	p.meta = (const struct nettrace_metadata *)(uintptr_t)*v;
	p.ts = h->ts;
	p.tid = h->tid;
	p.ctid = h->ctid;
	if (ev->version >= 6) {
		uint64_t *t = u64map_get(&ev->threads, h->tid), *ct = u64map_get(&ev->threads, h->ctid);

		if (!t)
			return ntev_corrupt(ev, off, "event refers to undefined thread index %llu",
					    (unsigned long long)h->tid);
		p.tid = *t;
		p.ctid = ct ? *ct : 0;
	}
	p.payload = payload;
	p.payload_size = h->payload_size;
	p.act = h->act;
	p.rel = h->rel;
	p.seq = h->seq;
	p.proc = h->proc;
	p.stack_id = h->stack_id;
	p.label = h->label;
	p.sorted = h->sorted;
	p.block = b;
	if (h->stack_id && (v = u64map_get(&ev->stacks, h->stack_id))) {
		p.stack = ev->stack_v[*v].p;
		p.stack_size = ev->stack_v[*v].len;
	}
	if (note_sequence(ev, h->ctid, h->seq, 0) < 0)
		return -1;
	if (ev->flags & NETTRACE_FILE_ORDER)
		return deliver(ev, &p);
	/* a sorted event: nothing earlier can follow it (TraceEvent's SortAndDispatch) */
	if (h->sorted) {
		if (flush_before(ev, h->ts, 0) < 0)
			return -1;
		return deliver(ev, &p);
	}
	return push_pending(ev, &p);
}

int ntev_event_block(struct ntev *ev, struct ntblock *b)
{
	int rc = for_each_blob(ev, b, on_event_blob);

	ntev_block_put(ev, b);
	return rc;
}

int ntev_stack_block(struct ntev *ev, struct ntblock *b)
{
	struct ntcur c;
	uint32_t id, count, i;

	ntcur_init(&c, b->data, b->len);
	id = ntcur_u32(&c);
	count = ntcur_u32(&c);
	if (c.bad || count > b->len / 4) {
		ntev_block_put(ev, b);
		return ntev_corrupt(ev, b->file_off, "invalid stack block header");
	}
	for (i = 0; i < count; i++, id++) {
		uint32_t len = ntcur_u32(&c);
		const uint8_t *p = ntcur_take(&c, len);
		struct ntstackref *v;
		int added;
		uint64_t *slot;

		if (!p || len % (uint32_t)ev->pointer_size) {
			ntev_block_put(ev, b);
			return ntev_corrupt(ev, b->file_off, "invalid stack %u in a stack block", (unsigned)id);
		}
		v = growarr(ev->stack_v, &ev->stacks_cap, ev->nstacks + 1, sizeof(*v), 256);
		if (!v) {
			ntev_block_put(ev, b);
			return nomem(ev);
		}
		ev->stack_v = v;
		slot = u64map_put(&ev->stacks, id, ev->nstacks, &added);
		if (!slot) {
			ntev_block_put(ev, b);
			return nomem(ev);
		}
		*slot = ev->nstacks;   /* a redefined id (corrupt but harmless) takes the newest */
		ev->stack_v[ev->nstacks].p = p;
		ev->stack_v[ev->nstacks].len = len;
		ev->nstacks++;
	}
	/* kept until the next sequence point: events refer to these stacks until then */
	b->next = ev->stack_blocks;
	ev->stack_blocks = b;
	return 0;
}

/*
 * A sequence point: every event before it in the file is earlier than every event after it, so
 * deliver all pending events; check each listed thread's sequence number for dropped events; forget
 * the stacks (and, in version 6 when flagged, the threads and the metadata).
 */
int ntev_sequence_point(struct ntev *ev, struct ntblock *b)
{
	struct ntcur c;
	uint32_t flags = 0, n, i;
	int rc = 0;

	if (flush_before(ev, 0, 1) < 0) {
		ntev_block_put(ev, b);
		return -1;
	}
	ntcur_init(&c, b->data, b->len);
	(void)ntcur_u64(&c);
	if (ev->version >= 6)
		flags = ntcur_u32(&c);
	n = ntcur_u32(&c);
	for (i = 0; i < n && !c.bad && rc == 0; i++) {
		uint64_t tid;
		uint32_t seq;

		if (ev->version >= 6) {
			tid = ntcur_varu64(&c);
			seq = ntcur_varu32(&c);
		} else {
			tid = ntcur_u64(&c);
			seq = ntcur_u32(&c);
		}
		if (!c.bad)
			rc = note_sequence(ev, tid, seq, 1);
	}
	if (rc == 0 && c.bad)
		rc = ntev_corrupt(ev, b->file_off, "invalid sequence point block");
	ntev_block_put(ev, b);
	drop_stacks(ev);
	if (flags & 1)
		u64map_clear(&ev->threads);
	if (flags & 2)
		free_metadata(ev);
	return rc;
}

int ntev_thread_block(struct ntev *ev, struct ntblock *b)
{
	struct ntcur c;
	int rc = 0;

	ntcur_init(&c, b->data, b->len);
	while (rc == 0 && !c.bad && ntcur_left(&c) > 0) {
		uint16_t size = ntcur_u16(&c);
		const uint8_t *row = ntcur_take(&c, size);
		struct ntcur r;
		uint64_t index, tid = 0, *slot;
		size_t skip;

		if (!row)
			break;
		ntcur_init(&r, row, size);
		index = ntcur_varu64(&r);
		while (!r.bad && ntcur_left(&r) > 0) {
			switch (ntcur_u8(&r)) {
			case 1: skip = ntcur_varu32(&r); ntcur_skip(&r, skip); break;   /* name */
			case 2: (void)ntcur_varu64(&r); break;                         /* process id */
			case 3: tid = ntcur_varu64(&r); break;                         /* OS thread id */
			case 4: skip = ntcur_varu32(&r); ntcur_skip(&r, skip);         /* key, value */
				skip = ntcur_varu32(&r); ntcur_skip(&r, skip); break;
			default: r.bad = 1; break;
			}
		}
		if (r.bad) {
			c.bad = 1;
			break;
		}
		slot = u64map_put(&ev->threads, index, tid, NULL);
		if (!slot)
			rc = nomem(ev);
		else
			*slot = tid;
	}
	if (rc == 0 && c.bad)
		rc = ntev_corrupt(ev, b->file_off, "invalid thread block");
	ntev_block_put(ev, b);
	return rc;
}

int ntev_remove_thread_block(struct ntev *ev, struct ntblock *b)
{
	struct ntcur c;
	int rc = 0;

	/* (index, last sequence number) pairs: only the dropped-event check needs them; a removed
	 * index is never reused, so the mapping may stay */
	ntcur_init(&c, b->data, b->len);
	while (rc == 0 && !c.bad && ntcur_left(&c) > 0) {
		uint64_t index = ntcur_varu64(&c);
		uint32_t seq = ntcur_varu32(&c);

		if (!c.bad)
			rc = note_sequence(ev, index, seq, 1);
	}
	if (rc == 0 && c.bad)
		rc = ntev_corrupt(ev, b->file_off, "invalid remove-thread block");
	ntev_block_put(ev, b);
	return rc;
}
