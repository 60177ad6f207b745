/*
 * fuzz_nettrace.c - libFuzzer target for the NetTrace reader and what is built on it: any bytes (a
 * hostile or damaged .nettrace) must read or fail cleanly, never crash, leak, hang or read out of
 * bounds; whatever profile comes out must render in every format. Seed corpus:
 * tests/fuzz/corpus/fuzz_nettrace/ (pieces of the real traces of tests/fixtures/nettrace, cut at
 * object boundaries, see tests/fixtures/make-traces.sh).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "nettrace.h"
#include "profile.h"
#include "render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_event(void *arg, const struct nettrace_event *ev)
{
	size_t *n = arg, i;

	/* touch what the event points to, so the sanitizers check it */
	for (i = 0; i < nettrace_depth(ev); i++)
		(void)nettrace_ip(ev, i);
	if (ev->payload_size)
		*n += ev->payload[ev->payload_size - 1] + ev->meta->provider[0] + ev->activity_id[15];
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const render_fn renderers[] = { render_text, render_json, render_folded, render_flamegraph,
					       render_speedscope, render_chromium };
	static FILE *sink;
	struct nettrace_callbacks cb = { NULL, NULL, count_event };
	struct profile_options po = { 1 };
	struct nettrace_result r;
	struct profile *p;
	size_t n = 0, i;
	int v;

	if (!sink)
		sink = fopen("/dev/null", "w");
	/* the reader alone, in file order */
	if (nettrace_read_mem(data, size, &cb, &n, NETTRACE_FILE_ORDER, &r) == 0 && r.status != NETTRACE_OK)
		__builtin_trap();
	if (!memchr(r.message, '\0', sizeof(r.message)) || r.offset > size)
		__builtin_trap();
	/* and the profile, in time order, with every renderer */
	if (profile_read_mem(data, size, &po, &p, &r) < 0)
		return 0;
	for (v = 0; v < PROFILE_NVIEWS; v++)
		for (i = 0; i < sizeof(renderers) / sizeof(renderers[0]); i++) {
			struct render_opts o = { (enum profile_view)v, (int)i & 1, 5, 80, "fuzz" };

			if (renderers[i](sink, p, &o) < 0)
				__builtin_trap();
		}
	profile_free(p);
	return 0;
}
