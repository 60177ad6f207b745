/*
 * test_nettrace.c - the NetTrace reader: real traces of the sample app from .NET 8, 9 and 10
 * (tests/fixtures/nettrace), cut and damaged copies of them, and small synthetic streams of both
 * container layouts (ntsynth.h) for what the runtime writes rarely or never (version 6, out-of-order
 * events, hostile sizes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nettrace.h"
#include "ntfixture.h"
#include "ntsynth.h"

/* What the callbacks saw. */
struct seen {
	struct nettrace_info info;
	int infos;
	size_t metas, events, samples, with_stack, unsorted;
	int64_t last_ts;
	uint64_t payload_bytes;
	uint64_t first_tid;
	char first_field[64];
	int stop_after;
	uint64_t stack_ip0;
};

static int on_info(void *arg, const struct nettrace_info *i)
{
	struct seen *s = arg;

	s->info = *i;
	s->infos++;
	return 0;
}

static int on_meta(void *arg, const struct nettrace_metadata *m)
{
	struct seen *s = arg;

	assert_non_null(m->provider);
	assert_non_null(m->event_name);
	assert_true(m->id > 0);
	if (!s->metas && m->nfields)
		snprintf(s->first_field, sizeof(s->first_field), "%s:%d", m->fields[0].name, m->fields[0].type);
	s->metas++;
	return 0;
}

static int on_event(void *arg, const struct nettrace_event *e)
{
	struct seen *s = arg;

	assert_non_null(e->meta);
	if (s->events && e->timestamp < s->last_ts)
		s->unsorted++;
	if (!s->events) {
		s->first_tid = e->thread_id;
		if (e->stack_size)
			s->stack_ip0 = nettrace_ip(e, 0);
	}
	s->last_ts = e->timestamp;
	s->events++;
	s->payload_bytes += e->payload_size;
	if (e->stack_size) {
		assert_int_equal(e->stack_size % 8, 0);
		(void)nettrace_ip(e, nettrace_depth(e) - 1);
		s->with_stack++;
	}
	if (!strcmp(e->meta->provider, "Microsoft-DotNETCore-SampleProfiler"))
		s->samples++;
	return s->stop_after && s->events >= (size_t)s->stop_after;
}

static const struct nettrace_callbacks cbs = { on_info, on_meta, on_event };

/* Read with the callbacks above; they stop after `stop_after` events when it is not 0. */
static void read_stop(const uint8_t *b, size_t n, unsigned flags, int stop_after, struct seen *s,
		      struct nettrace_result *r)
{
	memset(s, 0, sizeof(*s));
	s->stop_after = stop_after;
	nettrace_read_mem(b, n, &cbs, s, flags, r);
}

static void read_buf(const uint8_t *b, size_t n, unsigned flags, struct seen *s, struct nettrace_result *r)
{
	read_stop(b, n, flags, 0, s, r);
}

/* Every real trace reads to its end mark, in time order, with samples and stacks. */
static void test_fixtures(void **state)
{
	const char *const *names = nt_fixture_names();
	size_t i;

	(void)state;
	for (i = 0; names[i]; i++) {
		struct nettrace_result r, r2;
		struct seen s, s2;
		size_t len;
		uint8_t *b = nt_fixture_load(names[i], &len);
		FILE *f;

		read_buf(b, len, 0, &s, &r);
		if (r.status != NETTRACE_OK)
			fail_msg("%s: %s: %s", names[i], nettrace_status_name(r.status), r.message);
		assert_int_equal(r.format_version, 4);
		assert_int_equal(r.offset, len);
		assert_int_equal(s.infos, 1);
		assert_int_equal(s.info.pointer_size, 8);
		assert_true(s.info.qpc_freq > 0);
		assert_true(s.info.process_id > 0);
		assert_true(s.metas > 10);
		assert_true(s.samples > 1000);
		assert_true(s.with_stack >= s.samples);
		assert_int_equal(s.unsorted, 0);
		assert_int_equal(r.events, s.events);
		/* file order: the same events, not all in time order */
		read_buf(b, len, NETTRACE_FILE_ORDER, &s2, &r2);
		assert_int_equal(r2.status, NETTRACE_OK);
		assert_int_equal(s2.events, s.events);
		assert_int_equal(s2.payload_bytes, s.payload_bytes);
		/* from a file descriptor: the same again */
		f = fopen(nt_fixture_path(names[i]), "r");
		assert_non_null(f);
		memset(&s2, 0, sizeof(s2));
		assert_int_equal(nettrace_read_fd(fileno(f), &cbs, &s2, 0, &r2), 0);
		fclose(f);
		assert_int_equal(s2.events, s.events);
		assert_int_equal(s2.payload_bytes, s.payload_bytes);
		free(b);
	}
}

/* A trace cut anywhere: TRUNCATED (or, inside the first bytes, what they allow), never a crash,
 * and no more than the whole trace's events. */
static void test_truncated(void **state)
{
	struct nettrace_result r, full;
	struct seen s;
	size_t len, i;
	uint8_t *b = nt_fixture_load("net10-high-cpu.nettrace", &len);
	size_t cuts[] = { 1, 7, 8, 12, 30, 60, 100, 200, 4096, 65536, len / 3, len / 2, len - 2, len - 1 };

	(void)state;
	read_buf(b, len, 0, &s, &full);
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		read_buf(b, cuts[i], 0, &s, &r);
		assert_int_equal(r.status, NETTRACE_TRUNCATED);
		assert_true(strstr(r.message, "ends") != NULL);
		assert_true(r.events <= full.events);
		assert_true(r.offset <= cuts[i]);
	}
	/* half a trace still gives the events of its complete blocks */
	read_buf(b, len / 2, 0, &s, &r);
	assert_true(s.samples > 0);
	free(b);
}

/* Damaged headers and sizes: CORRUPT or UNSUPPORTED with a message, never OK. */
static void test_damaged(void **state)
{
	struct nettrace_result r;
	struct seen s;
	size_t len;
	uint8_t *b = nt_fixture_load("net10-idle.nettrace", &len), *c = malloc(len);

	(void)state;
	assert_non_null(c);
	read_buf((const uint8_t *)"", 0, 0, &s, &r);
	assert_int_equal(r.status, NETTRACE_CORRUPT);
	read_buf((const uint8_t *)"{\"profiles\": []}", 16, 0, &s, &r);
	assert_int_equal(r.status, NETTRACE_CORRUPT);
	assert_non_null(strstr(r.message, "not a nettrace"));
	/* a netperf stream (.NET Core 2): no magic, straight to the FastSerialization header */
	read_buf(b + 8, len - 8, 0, &s, &r);
	assert_int_equal(r.status, NETTRACE_UNSUPPORTED);
	/* the trace object's version */
	memcpy(c, b, len);
	assert_int_equal(c[35], 4);
	c[35] = 5;
	read_buf(c, len, 0, &s, &r);
	assert_int_equal(r.status, NETTRACE_UNSUPPORTED);
	/* the FastSerialization signature */
	memcpy(c, b, len);
	c[20] ^= 0x20;
	read_buf(c, len, 0, &s, &r);
	assert_int_equal(r.status, NETTRACE_CORRUPT);
	/* the first block's size (after the 48 bytes of the trace object): huge */
	memcpy(c, b, len);
	assert_int_equal(memcmp(c + 117, "MetadataBlock", 13), 0);
	memcpy(c + 131, "\xff\xff\xff\x7f", 4);
	read_buf(c, len, 0, &s, &r);
	assert_int_equal(r.status, NETTRACE_CORRUPT);
	assert_non_null(strstr(r.message, "block of"));
	/* a block size that runs over the next object: the end tag is not where it should be */
	memcpy(c, b, len);
	c[131] ^= 0x04;
	read_buf(c, len, 0, &s, &r);
	assert_true(r.status == NETTRACE_CORRUPT || r.status == NETTRACE_TRUNCATED);
	assert_true(r.message[0] != '\0');
	free(b);
	free(c);
}

/* Every byte of the first 2 KiB flipped in turn: never a crash, a hang or a false "ok" on the
 * header bytes that the format checks. */
static void test_flips(void **state)
{
	struct nettrace_result r;
	struct seen s;
	size_t len, i;
	uint8_t *b = nt_fixture_load("net10-idle.nettrace", &len);

	(void)state;
	for (i = 0; i < 2048; i++) {
		b[i] ^= 0xff;
		read_buf(b, 32 * 1024, 0, &s, &r);
		assert_true(r.status == NETTRACE_TRUNCATED || r.status == NETTRACE_CORRUPT ||
			    r.status == NETTRACE_UNSUPPORTED);
		if (i < 32)
			assert_true(r.status != NETTRACE_TRUNCATED || i < 8);
		b[i] ^= 0xff;
	}
	free(b);
}

static void test_stop(void **state)
{
	struct nettrace_result r;
	struct seen s;
	size_t len;
	uint8_t *b = nt_fixture_load("net10-idle.nettrace", &len);

	(void)state;
	read_stop(b, len, 0, 10, &s, &r);
	assert_int_equal(r.status, NETTRACE_STOPPED);
	assert_int_equal(s.events, 10);
	free(b);
}

/* A synthetic trace: fields, stacks, payloads, and events delivered in time order. */
static void build_small(struct syn *t, int v6)
{
	static const size_t depth[] = { 2, 0 };
	static const uint64_t ips[] = { 0x1000, 0x2000 };
	uint32_t pl = 2;
	struct syn_ev ev[] = {
		{ 1, 7, 1, 2000300, &pl, 4, 0 },
		{ 1, 8, 2, 2000100, &pl, 4, 0 },
		{ 1, 7, 1, 2000200, &pl, 4, 1 },
		{ 1, 7, 1, 2000500, &pl, 4, 0 },
	};

	syn_start(t, v6, 4242);
	if (v6) {
		syn_thread_block(t, 7, 70007);
		syn_thread_block(t, 8, 80008);
	}
	syn_metadata_block(t, 1, "Microsoft-DotNETCore-SampleProfiler", 0, "ThreadSample", "Type", 10);
	syn_stack_block(t, 1, 2, depth, ips);
	syn_events_block(t, ev, 4);
	syn_sequence_point(t, 2000600);
	syn_end(t);
}

static void test_synthetic(void **state)
{
	int v6;

	(void)state;
	for (v6 = 0; v6 <= 1; v6++) {
		struct nettrace_result r;
		struct seen s;
		struct syn t;

		build_small(&t, v6);
		read_buf(t.b, t.n, 0, &s, &r);
		if (r.status != NETTRACE_OK)
			fail_msg("v%d: %s: %s at %llu", v6 ? 6 : 4, nettrace_status_name(r.status), r.message,
				 (unsigned long long)r.offset);
		assert_int_equal(r.format_version, v6 ? 6 : 4);
		assert_int_equal(s.info.process_id, 4242);
		assert_int_equal(s.metas, 1);
		assert_string_equal(s.first_field, "Type:10");
		assert_int_equal(s.events, 4);
		assert_int_equal(s.unsorted, 0);
		assert_int_equal(s.with_stack, 3);
		/* the event at 2000100 (thread 8, empty stack) comes first though it is second in the file:
		 * the sorted event at 2000200 releases it */
		assert_int_equal(s.first_tid, v6 ? 80008 : 8);
		assert_int_equal(s.stack_ip0, 0);
		/* file order: as written */
		read_buf(t.b, t.n, NETTRACE_FILE_ORDER, &s, &r);
		assert_int_equal(s.first_tid, v6 ? 70007 : 7);
		assert_int_equal(s.stack_ip0, 0x1000);
		assert_true(s.unsorted > 0);
		free(t.b);
	}
}

/* A stream of one metadata record (id 1) and `ev` (version 6: no thread block), optionally a second
 * record with the same id, optionally without the end mark: read, expect `status` and `msg`. */
static void expect_status(int v6, const struct syn_ev *ev, int twice, int end,
			  enum nettrace_status status, const char *msg, size_t events)
{
	struct nettrace_result r;
	struct seen s;
	struct syn t;

	syn_start(&t, v6, 1);
	syn_metadata_block(&t, 1, "P", 0, "E", NULL, 0);
	if (twice)
		syn_metadata_block(&t, 1, "Q", 0, "F", NULL, 0);
	if (ev)
		syn_events_block(&t, ev, 1);
	if (end)
		syn_end(&t);
	read_buf(t.b, t.n, 0, &s, &r);
	assert_int_equal(r.status, status);
	if (msg && !strstr(r.message, msg))
		fail_msg("\"%s\" not in \"%s\"", msg, r.message);
	assert_int_equal(s.events, events);
	free(t.b);
}

/* Events that refer to what was never defined, and a metadata id defined twice. */
static void test_bad_references(void **state)
{
	uint32_t pl = 2;
	struct syn_ev ev = { 5, 7, 0, 2000000, &pl, 4, 1 };

	(void)state;
	expect_status(0, &ev, 0, 1, NETTRACE_CORRUPT, "undefined metadata id 5", 0);
	expect_status(0, NULL, 1, 1, NETTRACE_CORRUPT, "defined twice", 0);
	ev.meta = 1;
	/* version 6: an event of a thread index no thread block defined */
	expect_status(1, &ev, 0, 1, NETTRACE_CORRUPT, "thread index", 0);
	/* no end mark: truncated, the event still delivered */
	expect_status(0, &ev, 0, 0, NETTRACE_TRUNCATED, "ends", 1);
	expect_status(0, &ev, 0, 1, NETTRACE_OK, NULL, 1);
}

static void test_utf16(void **state)
{
	/* "aé€😀" + NUL, then "x" + NUL */
	static const uint8_t s[] = { 'a', 0, 0xe9, 0, 0xac, 0x20, 0x3d, 0xd8, 0x00, 0xde, 0, 0, 'x', 0, 0, 0 };
	static const uint8_t lone[] = { 0x00, 0xd8, 'b', 0, 0, 0 };
	char out[32];
	size_t off = 0;

	(void)state;
	assert_int_equal(nettrace_utf16z(s, sizeof(s), &off, out, sizeof(out)), 10);
	assert_string_equal(out, "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	assert_int_equal(off, 12);
	assert_int_equal(nettrace_utf16z(s, sizeof(s), &off, out, sizeof(out)), 1);
	assert_string_equal(out, "x");
	/* cut at a character boundary: "a" + "é" fits in 4 bytes (3 + NUL), "€" does not */
	off = 0;
	assert_int_equal(nettrace_utf16z(s, sizeof(s), &off, out, 5), 10);
	assert_string_equal(out, "a\xc3\xa9");
	/* no terminator */
	off = 0;
	assert_int_equal(nettrace_utf16z(s, 9, &off, out, sizeof(out)), -1);
	assert_int_equal(off, 0);
	/* a lone surrogate */
	off = 0;
	assert_int_equal(nettrace_utf16z(lone, sizeof(lone), &off, out, sizeof(out)), 4);
	assert_string_equal(out, "\xef\xbf\xbd" "b");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_flips),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_synthetic),
		cmocka_unit_test(test_bad_references),
		cmocka_unit_test(test_utf16),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
