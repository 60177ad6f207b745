/*
 * ntsynth.h - small NetTrace streams built byte by byte, for the reader's unit tests: the
 * FastSerialization layout (versions 4/5) and the version 6 block layout, with metadata, stacks,
 * events (compressed headers), sequence points and the runtime's method and module events. The
 * layouts are PerfView's NetTraceFormat_v5.md and NetTraceFormat.md; the real traces of
 * tests/fixtures/nettrace check the same reader against what the runtime writes.
 */
#ifndef DOTNETPROF_TEST_NTSYNTH_H
#define DOTNETPROF_TEST_NTSYNTH_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

struct syn {
	uint8_t *b;
	size_t n, cap;
	int v6;
	size_t mark;   /* where the current block's size field is */
	size_t body;   /* where the current block's body starts */
};

static inline void syn_bytes(struct syn *s, const void *p, size_t n)
{
	if (s->n + n > s->cap) {
		s->cap = (s->n + n) * 2 + 256;
		s->b = realloc(s->b, s->cap);
		assert_non_null(s->b);
	}
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

static inline void syn_u8(struct syn *s, unsigned v)
{
	uint8_t b = (uint8_t)v;

	syn_bytes(s, &b, 1);
}

static inline void syn_u16(struct syn *s, unsigned v)
{
	syn_u8(s, v & 0xff);
	syn_u8(s, (v >> 8) & 0xff);
}

static inline void syn_u32(struct syn *s, uint32_t v)
{
	syn_u16(s, v & 0xffff);
	syn_u16(s, v >> 16);
}

static inline void syn_u64(struct syn *s, uint64_t v)
{
	syn_u32(s, (uint32_t)v);
	syn_u32(s, (uint32_t)(v >> 32));
}

static inline void syn_var(struct syn *s, uint64_t v)
{
	do {
		syn_u8(s, (unsigned)(v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
}

/* ASCII as NUL-terminated UTF-16LE */
static inline void syn_utf16z(struct syn *s, const char *str)
{
	for (; *str; str++)
		syn_u16(s, (unsigned char)*str);
	syn_u16(s, 0);
}

/* varuint-prefixed UTF-8 (version 6) */
static inline void syn_utf8(struct syn *s, const char *str)
{
	syn_var(s, strlen(str));
	syn_bytes(s, str, strlen(str));
}

static inline void syn_patch32(struct syn *s, size_t at, uint32_t v)
{
	s->b[at] = v & 0xff;
	s->b[at + 1] = (v >> 8) & 0xff;
	s->b[at + 2] = (v >> 16) & 0xff;
	s->b[at + 3] = (uint8_t)(v >> 24);
}

/* The stream header and the Trace object: ptrsize 8, 1 GHz ticks, sync at tick 1000000. */
static inline void syn_start(struct syn *s, int v6, uint32_t pid)
{
	static const uint16_t systime[8] = { 2026, 12, 1, 6, 10, 0, 0, 0 };
	int i;

	memset(s, 0, sizeof(*s));
	s->v6 = v6;
	syn_bytes(s, "Nettrace", 8);
	if (v6) {
		syn_u32(s, 0);
		syn_u32(s, 6);
		syn_u32(s, 0);
		syn_u32(s, 1u << 24 | 0);   /* patched below */
		s->mark = s->n - 4;
		s->body = s->n;
	} else {
		syn_u32(s, 20);
		syn_bytes(s, "!FastSerialization.1", 20);
		syn_bytes(s, "\x05\x05\x01", 3);
		syn_u32(s, 4);
		syn_u32(s, 4);
		syn_u32(s, 5);
		syn_bytes(s, "Trace\x06", 6);
	}
	for (i = 0; i < 8; i++)
		syn_u16(s, systime[i]);
	syn_u64(s, 1000000);
	syn_u64(s, 1000000000);
	syn_u32(s, 8);
	if (v6) {
		char num[16];

		syn_u32(s, 1);
		syn_utf8(s, "ProcessId");
		snprintf(num, sizeof(num), "%u", pid);
		syn_utf8(s, num);
		syn_patch32(s, s->mark, 1u << 24 | (uint32_t)(s->n - s->body));
	} else {
		syn_u32(s, pid);
		syn_u32(s, 2);
		syn_u32(s, 1000000);
		syn_u8(s, 6);
	}
}

enum { SYN_EVENT = 2, SYN_METADATA = 3, SYN_SP = 4, SYN_STACK = 5, SYN_THREAD = 6 };

/* Open a block of `kind`; its body follows; syn_end_block closes it. */
static inline void syn_block(struct syn *s, int kind)
{
	static const char *const names[] = { "", "Trace", "EventBlock", "MetadataBlock", "SPBlock",
					     "StackBlock" };

	if (s->v6) {
		s->mark = s->n;
		syn_u32(s, (uint32_t)kind << 24);
		s->body = s->n;
		return;
	}
	syn_bytes(s, "\x05\x05\x01", 3);
	syn_u32(s, 2);
	syn_u32(s, 2);
	syn_u32(s, (uint32_t)strlen(names[kind]));
	syn_bytes(s, names[kind], strlen(names[kind]));
	syn_u8(s, 6);
	s->mark = s->n;
	syn_u32(s, 0);
	while (s->n & 3)
		syn_u8(s, 0);
	s->body = s->n;
}

static inline void syn_end_block(struct syn *s)
{
	uint32_t size = (uint32_t)(s->n - s->body);

	if (s->v6) {
		syn_patch32(s, s->mark, (s->b[s->mark + 3] & 0xffu) << 24 | size);
		return;
	}
	syn_patch32(s, s->mark, size);
	syn_u8(s, 6);
}

static inline void syn_end(struct syn *s)
{
	if (s->v6)
		syn_u32(s, 0);
	else
		syn_u8(s, 1);
}

/* The 20-byte header of event and (V4/V5) metadata blocks: compressed headers. */
static inline void syn_blob_header(struct syn *s)
{
	syn_u16(s, 20);
	syn_u16(s, 1);
	syn_u64(s, 0);
	syn_u64(s, 0);
}

/* One metadata record (in a metadata block): provider/event id/name, optional field (name, type). */
static inline void syn_metadata(struct syn *s, uint32_t id, const char *provider, uint32_t event_id,
				const char *name, const char *field, int type)
{
	struct syn p;

	memset(&p, 0, sizeof(p));
	if (s->v6) {
		syn_var(&p, id);
		syn_utf8(&p, provider);
		syn_var(&p, event_id);
		syn_utf8(&p, name);
		syn_u16(&p, field ? 1 : 0);
		if (field) {
			syn_u16(&p, (unsigned)(1 + strlen(field) + 1));
			syn_utf8(&p, field);
			syn_u8(&p, (unsigned)type);
		}
		syn_u16(&p, 0);
		syn_u16(s, (unsigned)p.n);
		syn_bytes(s, p.b, p.n);
	} else {
		syn_u32(&p, id);
		syn_utf16z(&p, provider);
		syn_u32(&p, event_id);
		syn_utf16z(&p, name);
		syn_u64(&p, 0);
		syn_u32(&p, 1);
		syn_u32(&p, 4);
		if (field) {
			syn_u32(&p, 1);
			syn_u32(&p, (uint32_t)type);
			syn_utf16z(&p, field);
		}
		/* a compressed blob: only the payload size (MetadataId 0, same timestamp) */
		syn_u8(s, 0x80);
		syn_var(s, 0);
		syn_var(s, p.n);
		syn_bytes(s, p.b, p.n);
	}
	free(p.b);
}

/* A whole metadata block with one record. */
static inline void syn_metadata_block(struct syn *s, uint32_t id, const char *provider, uint32_t event_id,
				      const char *name, const char *field, int type)
{
	syn_block(s, SYN_METADATA);
	if (s->v6)
		syn_u16(s, 0);
	else
		syn_blob_header(s);
	syn_metadata(s, id, provider, event_id, name, field, type);
	syn_end_block(s);
}

/* A stack block: `count` stacks of `depth[i]` frames, from ips (concatenated), ids from `first`. */
static inline void syn_stack_block(struct syn *s, uint32_t first, size_t count, const size_t *depth,
				   const uint64_t *ips)
{
	size_t i, j, k = 0;

	syn_block(s, SYN_STACK);
	syn_u32(s, first);
	syn_u32(s, (uint32_t)count);
	for (i = 0; i < count; i++) {
		syn_u32(s, (uint32_t)(8 * depth[i]));
		for (j = 0; j < depth[i]; j++)
			syn_u64(s, ips[k++]);
	}
	syn_end_block(s);
}

/* One compressed event (every field given; timestamps are absolute ticks, made deltas here). */
struct syn_ev {
	uint32_t meta;
	uint64_t tid;
	uint32_t stack;
	uint64_t ts;
	const void *payload;
	size_t len;
	int sorted;
};

static inline void syn_events_block(struct syn *s, const struct syn_ev *ev, size_t n)
{
	uint64_t prev_ts = 0;
	uint32_t seq = 0;
	size_t i;

	syn_block(s, SYN_EVENT);
	syn_blob_header(s);
	for (i = 0; i < n; i++) {
		syn_u8(s, 1 | 2 | 4 | 8 | 0x80 | (ev[i].sorted ? 0x40 : 0));
		syn_var(s, ev[i].meta);
		syn_var(s, 0);             /* sequence delta: +1 */
		syn_var(s, 99);            /* capture thread */
		syn_var(s, 0);             /* processor */
		syn_var(s, ev[i].tid);
		syn_var(s, ev[i].stack);
		syn_var(s, ev[i].ts - prev_ts);
		prev_ts = ev[i].ts;
		syn_var(s, ev[i].len);
		syn_bytes(s, ev[i].payload, ev[i].len);
		seq++;
	}
	syn_end_block(s);
}

static inline void syn_sequence_point(struct syn *s, uint64_t ts)
{
	syn_block(s, SYN_SP);
	syn_u64(s, ts);
	if (s->v6)
		syn_u32(s, 0);
	syn_u32(s, 0);
	syn_end_block(s);
}

/* Version 6: a thread block mapping `index` to OS thread `tid`. */
static inline void syn_thread_block(struct syn *s, uint64_t index, uint64_t tid)
{
	struct syn r;

	memset(&r, 0, sizeof(r));
	syn_var(&r, index);
	syn_u8(&r, 3);
	syn_var(&r, tid);
	syn_block(s, SYN_THREAD);
	syn_u16(s, (unsigned)r.n);
	syn_bytes(s, r.b, r.n);
	syn_end_block(s);
	free(r.b);
}

/* Move the bytes of `p` into buf (size bytes at most); the count. */
static inline size_t syn_take(struct syn *p, uint8_t *buf, size_t size)
{
	size_t n = p->n;

	assert_true(n <= size);
	memcpy(buf, p->b, n);
	free(p->b);
	return n;
}

/* The payload of a MethodLoadVerbose event. */
static inline size_t syn_method_payload(uint8_t *buf, size_t size, uint64_t module, uint64_t start,
					uint32_t len, const char *ns, const char *name, const char *sig)
{
	struct syn p;

	memset(&p, 0, sizeof(p));
	syn_u64(&p, start ^ 0x5a5a);   /* MethodID */
	syn_u64(&p, module);
	syn_u64(&p, start);
	syn_u32(&p, len);
	syn_u32(&p, 0x06000001);
	syn_u32(&p, 0);
	syn_utf16z(&p, ns);
	syn_utf16z(&p, name);
	syn_utf16z(&p, sig);
	syn_u16(&p, 0);
	return syn_take(&p, buf, size);
}

/* The payload of a ModuleLoad event. */
static inline size_t syn_module_payload(uint8_t *buf, size_t size, uint64_t module, const char *path)
{
	struct syn p;

	memset(&p, 0, sizeof(p));
	syn_u64(&p, module);
	syn_u64(&p, 0x1000);
	syn_u32(&p, 0);
	syn_u32(&p, 0);
	syn_utf16z(&p, path);
	syn_utf16z(&p, "");
	syn_u16(&p, 0);
	return syn_take(&p, buf, size);
}

#endif
