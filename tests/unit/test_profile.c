/*
 * test_profile.c - the profile builder: TraceEvent's thread-time weighting on a synthetic trace whose
 * every interval is known, method names from method and module events that come after the samples
 * (as the rundown does), recursion counted once, and the real traces of the sample app (/high-cpu
 * spends its time in SampleApp.HotPath.SpinForProfiler; idle does not; .NET 9 marks no sample as
 * running managed code).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ntfixture.h"
#include "ntsynth.h"
#include "profile.h"

#define MS(x) (1000000ull + (uint64_t)((x) * 1000000.0))

enum { M_SAMPLE = 1, M_METHOD, M_MODULE, M_SOURCE };

/*
 * Thread 7: samples at 10 (running, A<-B), 20 (running, A<-B), 30 (waiting, B), 40 (waiting, B),
 * 50 (running, unresolved), 60 (running, A<-B) ms. Thread 8: a sample at 15 ms (running, B), an
 * EventSource event at 95 ms (no stack), a sample at 97 ms (waiting, B). Thread 9: two samples of
 * A<-B<-A. Methods and module come last, as a rundown would.
 */
static void build(struct syn *t, int truncate_before_rundown)
{
	static const size_t depth[] = { 2, 1, 1, 3 };
	static const uint64_t ips[] = { 0x1010, 0x2010, 0x2020, 0x3000, 0x1020, 0x2030, 0x1030 };
	static const uint32_t managed = 2, external = 1;
	uint8_t m1[256], m2[256], mod[256];
	size_t n1, n2, nm;
	struct syn_ev ev[] = {
		{ M_SAMPLE, 7, 1, MS(10), &managed, 4, 1 },
		{ M_SAMPLE, 8, 2, MS(15), &managed, 4, 1 },
		{ M_SAMPLE, 7, 1, MS(20), &managed, 4, 1 },
		{ M_SAMPLE, 7, 2, MS(30), &external, 4, 1 },
		{ M_SAMPLE, 7, 2, MS(40), &external, 4, 1 },
		{ M_SAMPLE, 7, 3, MS(50), &managed, 4, 1 },
		{ M_SAMPLE, 7, 1, MS(60), &managed, 4, 1 },
		{ M_SAMPLE, 9, 4, MS(61), &managed, 4, 1 },
		{ M_SAMPLE, 9, 4, MS(62), &managed, 4, 1 },
		{ M_SOURCE, 8, 0, MS(95), "x", 2, 1 },
		{ M_SAMPLE, 8, 2, MS(97), &external, 4, 1 },
	};
	struct syn_ev rundown[3];

	n1 = syn_method_payload(m1, sizeof(m1), 0xaa, 0x1000, 0x100, "NS.A", "Run", "void  (int32)");
	n2 = syn_method_payload(m2, sizeof(m2), 0xaa, 0x2000, 0x100, "NS.B", "Wait", "instance void  ()");
	nm = syn_module_payload(mod, sizeof(mod), 0xaa, "/app/MyApp.dll");
	rundown[0] = (struct syn_ev){ M_METHOD, 1, 0, MS(200), m1, n1, 1 };
	rundown[1] = (struct syn_ev){ M_METHOD, 1, 0, MS(201), m2, n2, 1 };
	rundown[2] = (struct syn_ev){ M_MODULE, 1, 0, MS(202), mod, nm, 1 };
	syn_start(t, 0, 77);
	syn_metadata_block(t, M_SAMPLE, "Microsoft-DotNETCore-SampleProfiler", 0, "ThreadSample", "Type", 10);
	syn_metadata_block(t, M_METHOD, "Microsoft-Windows-DotNETRuntimeRundown", 144, "", NULL, 0);
	syn_metadata_block(t, M_MODULE, "Microsoft-Windows-DotNETRuntimeRundown", 154, "", NULL, 0);
	syn_metadata_block(t, M_SOURCE, "My-EventSource", 1, "TickStop", NULL, 0);
	syn_stack_block(t, 1, 4, depth, ips);
	syn_events_block(t, ev, sizeof(ev) / sizeof(ev[0]));
	syn_sequence_point(t, MS(100));
	if (truncate_before_rundown)
		return;
	syn_events_block(t, rundown, 3);
	syn_end(t);
}

static struct profile *read_syn(int truncated, int timeline)
{
	struct profile_options o = { timeline };
	struct nettrace_result r;
	struct profile *p;
	struct syn t;

	build(&t, truncated);
	assert_int_equal(profile_read_mem(t.b, t.n, &o, &p, &r), 0);
	free(t.b);
	assert_int_equal(p->partial, truncated);
	return p;
}

static const struct profile_method *find(const struct profile *p, const struct profile_method *m,
					 ssize_t n, const char *name)
{
	ssize_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(p->frames[m[i].frame].name, name))
			return &m[i];
	fail_msg("no method %s", name);
	return NULL;
}

static void test_weights(void **state)
{
	struct profile *p = read_syn(0, 1);
	struct profile_method *m;
	const struct profile_method *a, *b, *u, *e;
	ssize_t n;

	(void)state;
	assert_int_equal(p->info.process_id, 77);
	assert_int_equal(p->samples, 10);
	assert_int_equal(p->nthreads, 3);
	/* cpu: thread 7 ran [10,30) in A<-B and [50,60) unresolved; thread 8 [15,97) in B (its
	 * sample at 15 said running, the next one of its samples is at 97); thread 9 [61,62) */
	assert_float_equal(p->total_ms[PROFILE_CPU], 31 + 82, 1e-6);
	/* thread time adds thread 7's waiting [30,50) in B; for thread 8 the EventSource event at 95
	 * ends the interval its sample started ([15,95) in B) and starts one ([95,97)) charged to its
	 * own stack under "EventName: My-EventSource/Tick/Stop", as dotnet-trace report counts it */
	assert_float_equal(p->total_ms[PROFILE_THREAD_TIME], 51 + 82, 1e-6);
	assert_float_equal(p->threads[0].ms[PROFILE_CPU], 30, 1e-6);
	assert_float_equal(p->threads[0].ms[PROFILE_THREAD_TIME], 50, 1e-6);
	assert_float_equal(p->threads[1].ms[PROFILE_CPU], 82, 1e-6);
	assert_float_equal(p->threads[1].ms[PROFILE_THREAD_TIME], 82, 1e-6);

	n = profile_methods(p, PROFILE_CPU, 0, &m);
	assert_int_equal(n, 3);
	a = find(p, m, n, "MyApp!NS.A.Run(int32)");
	b = find(p, m, n, "MyApp!NS.B.Wait()");
	u = find(p, m, n, "?!0x0000000000003000");
	assert_float_equal(a->self_ms, 21, 1e-6);
	assert_float_equal(a->total_ms, 21, 1e-6);      /* A<-B<-A counts once */
	assert_float_equal(b->self_ms, 82, 1e-6);
	assert_float_equal(b->total_ms, 82 + 21, 1e-6);
	assert_float_equal(u->self_ms, 10, 1e-6);
	assert_int_equal(a->self_samples, 3);
	/* sorted by self time */
	assert_string_equal(p->frames[m[0].frame].name, "MyApp!NS.B.Wait()");
	free(m);

	n = profile_methods(p, PROFILE_THREAD_TIME, 1, &m);
	b = find(p, m, n, "MyApp!NS.B.Wait()");
	e = find(p, m, n, "EventName: My-EventSource/Tick/Stop");
	assert_float_equal(b->self_ms, 20 + 80, 1e-6);
	assert_float_equal(b->total_ms, 100 + 21, 1e-6);
	assert_float_equal(e->self_ms, 2, 1e-6);
	assert_string_equal(p->frames[m[0].frame].name, "MyApp!NS.B.Wait()");
	free(m);
	profile_free(p);
}

/* The runs (dotnet-trace convert's computation: no EventSource events) and the last samples. */
static void test_runs(void **state)
{
	struct profile *p = read_syn(0, 1);
	const struct profile_thread *t7 = &p->threads[0], *t8 = &p->threads[1];
	uint32_t frames[8];

	(void)state;
	assert_int_equal(t7->tid, 7);
	assert_int_equal(t7->nruns, 3);
	assert_float_equal(t7->runs[0].start_ms, 10, 1e-6);
	assert_float_equal(t7->runs[0].end_ms, 30, 1e-6);
	assert_int_equal(t7->runs[0].running, 1);
	assert_float_equal(t7->runs[1].end_ms, 50, 1e-6);
	assert_int_equal(t7->runs[1].running, 0);
	assert_int_equal(t7->runs[2].running, 1);
	assert_int_equal(t8->nruns, 1);   /* [15,97): the EventSource event does not cut it here */
	assert_float_equal(t8->runs[0].end_ms, 97, 1e-6);
	assert_int_equal(t7->samples, 6);
	assert_int_equal(t7->last_running, 1);
	assert_int_equal(profile_stack_frames(p, t7->last_stack, frames, 8), 2);
	assert_string_equal(p->frames[frames[0]].name, "MyApp!NS.A.Run(int32)");
	assert_string_equal(p->frames[frames[1]].name, "MyApp!NS.B.Wait()");
	assert_int_equal(profile_stack_frames(p, t8->last_stack, frames, 1), 1);
	assert_string_equal(p->frames[frames[0]].name, "MyApp!NS.B.Wait()");
	assert_int_equal(p->unresolved, 1);
	profile_free(p);
}

/* Cut before the rundown: partial, the same weights, every frame unresolved but kept. */
static void test_partial(void **state)
{
	struct profile *p = read_syn(1, 0);
	struct profile_method *m;
	ssize_t n;

	(void)state;
	assert_true(strstr(p->partial_reason, "ends") != NULL);
	assert_float_equal(p->total_ms[PROFILE_CPU], 113, 1e-6);
	assert_int_equal(p->methods, 0);
	n = profile_methods(p, PROFILE_CPU, 0, &m);
	assert_true(n >= 4);
	assert_string_equal(p->frames[m[0].frame].name, "?!0x0000000000002020");
	assert_int_equal(p->frames[m[0].frame].resolved, 0);
	assert_int_equal(p->frames[m[0].frame].address, 0x2020);
	free(m);
	assert_null(p->threads[0].runs);
	profile_free(p);
}

static struct profile *read_fixture(const char *name)
{
	struct profile_options o = { 1 };
	struct nettrace_result r;
	struct profile *p;
	size_t len;
	uint8_t *b = nt_fixture_load(name, &len);

	if (profile_read_mem(b, len, &o, &p, &r) < 0)
		fail_msg("%s: %s", name, r.message);
	free(b);
	return p;
}

/* The real traces: /high-cpu spins in SpinForProfiler; the spinning thread's last sample is there. */
static void test_fixtures(void **state)
{
	const char *const *names = nt_fixture_names();
	size_t i, j, k;

	(void)state;
	for (i = 0; names[i]; i++) {
		struct profile *p = read_fixture(names[i]);
		struct profile_method *m;
		ssize_t n;
		double sum = 0;
		int high = strstr(names[i], "high-cpu") != NULL, spinner = 0;

		assert_false(p->partial);
		assert_true(p->methods > 1000);
		assert_true(p->nthreads >= 3);
		assert_non_null(p->command_line);
		for (j = 0; j < p->nthreads; j++)
			sum += p->threads[j].ms[PROFILE_THREAD_TIME];
		assert_float_equal(sum, p->total_ms[PROFILE_THREAD_TIME], 1e-3 * sum);
		n = profile_methods(p, PROFILE_CPU, 0, &m);
		assert_true(n >= 0);
		if (high && !strncmp(names[i], "net9-", 5)) {
			/* .NET 9's sampler marks every sample "External" (dotnet/runtime#123996, fixed in
			 * 10): no running time at all; the spinning thread shows in thread time only */
			assert_int_equal(n, 0);
			free(m);
			n = profile_methods(p, PROFILE_THREAD_TIME, 0, &m);
			assert_true(n > 0);
			for (j = 0; j < (size_t)n; j++)
				if (strstr(p->frames[m[j].frame].name, "SampleApp.HotPath.SpinForProfiler"))
					break;
			assert_true(j < (size_t)n);
			assert_true(m[j].self_ms > 0.5 * p->total_ms[PROFILE_THREAD_TIME] / (double)p->nthreads);
		} else if (high) {
			assert_true(n > 0);
			assert_non_null(strstr(p->frames[m[0].frame].name, "SampleApp.HotPath.SpinForProfiler"));
			assert_true(m[0].self_ms > 0.5 * p->total_ms[PROFILE_CPU]);
			for (j = 0; j < p->nthreads; j++) {
				uint32_t f[256];
				size_t d = profile_stack_frames(p, p->threads[j].last_stack, f, 256);

				for (k = 0; k < d && k < 256; k++)
					spinner |= strstr(p->frames[f[k]].name, "SpinForProfiler") != NULL;
			}
			assert_true(spinner);
		} else {
			/* idle: threads wait; running time is a sliver of thread time */
			assert_true(p->total_ms[PROFILE_CPU] < 0.1 * p->total_ms[PROFILE_THREAD_TIME]);
		}
		free(m);
		profile_free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_fixtures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
