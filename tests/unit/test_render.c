/*
 * test_render.c - the renderers on a real trace (the sample app under /high-cpu, .NET 10): each
 * output parsed back (JSON with cJSON, folded lines by hand) and checked for what the format
 * promises: the top method, balanced open/close events in time order, speedscope's schema fields,
 * a flame graph page without any reference outside itself, width-fitted text, dotnet-stack's layout
 * for the stacks; and the file writer's no-clobber rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>
#include <cmocka.h>

#include "ntfixture.h"
#include "render.h"

static struct profile *prof;

static int setup(void **state)
{
	struct profile_options o = { 1 };
	struct nettrace_result r;
	size_t len;
	uint8_t *b = nt_fixture_load("net10-high-cpu.nettrace", &len);

	(void)state;
	if (profile_read_mem(b, len, &o, &prof, &r) < 0)
		fail_msg("%s", r.message);
	free(b);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	profile_free(prof);
	return 0;
}

/* The next line of *p (cut at its newline), or NULL at the end. */
static char *next_line(char **p)
{
	char *line = *p, *nl;

	if (!line || !*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl)
		*nl = '\0';
	*p = nl ? nl + 1 : NULL;
	return line;
}

/* Render into memory; the caller frees the NUL-terminated text. */
static char *render(render_fn fn, enum profile_view view, size_t top, int width)
{
	struct render_opts o = { view, 0, top, width, "t.nettrace" };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(fn(f, prof, &o), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_text(void **state)
{
	char *t = render(render_text, PROFILE_CPU, 5, 0), *line, *rest;
	size_t rows = 0;

	(void)state;
	assert_non_null(strstr(t, "t.nettrace: "));
	assert_non_null(strstr(t, "view cpu: time threads spent running managed code"));
	assert_non_null(strstr(t, "   1  "));
	assert_non_null(strstr(t, "SampleApp!SampleApp.HotPath.SpinForProfiler(value class System.TimeSpan)"));
	free(t);
	/* 80 columns: every row fits, names shortened */
	t = render(render_text, PROFILE_THREAD_TIME, 8, 80);
	for (rest = t; (line = next_line(&rest));) {
		if (line[0] == ' ' && line[3] >= '1' && line[3] <= '9') {
			rows++;
			assert_true(strlen(line) <= 80);
		}
	}
	assert_int_equal(rows, 8);
	free(t);
}

static void test_json(void **state)
{
	char *t = render(render_json, PROFILE_THREAD_TIME, 0, 0);
	cJSON *j = cJSON_Parse(t), *m, *row;
	double sum = 0, prev = 1e9;

	(void)state;
	assert_non_null(j);
	assert_string_equal(cJSON_GetObjectItem(j, "view")->valuestring, "thread-time");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "partial")));
	m = cJSON_GetObjectItem(j, "methods");
	assert_true(cJSON_GetArraySize(m) > 10);
	cJSON_ArrayForEach(row, m) {
		double e = cJSON_GetObjectItem(row, "exclusive_percent")->valuedouble;

		assert_true(e <= prev + 1e-9);
		prev = e;
		sum += e;
		assert_true(cJSON_GetObjectItem(row, "inclusive_percent")->valuedouble >= e - 1e-9);
	}
	assert_float_equal(sum, 100.0, 0.01);
	cJSON_Delete(j);
	free(t);
	t = render(render_json, PROFILE_CPU, 3, 0);
	j = cJSON_Parse(t);
	assert_non_null(j);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "methods")), 3);
	assert_non_null(strstr(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "methods"), 0)->child->next->valuestring,
			       "SpinForProfiler"));
	cJSON_Delete(j);
	free(t);
}

static void test_folded(void **state)
{
	char *t = render(render_folded, PROFILE_CPU, 0, 0), *line, *rest;
	unsigned long long total = 0, spin = 0;

	(void)state;
	for (rest = t; (line = next_line(&rest));) {
		char *sp = strrchr(line, ' '), *end;
		unsigned long long n;

		assert_non_null(sp);
		n = strtoull(sp + 1, &end, 10);
		assert_true(*end == '\0' && n > 0);
		total += n;
		if (strstr(line, "SpinForProfiler(value class System.TimeSpan) "))
			spin += n;
	}
	assert_int_equal(total, prof->total_samples[PROFILE_CPU]);
	assert_true(spin > total / 2);
	free(t);
}

/*
 * dotnet-stack report's layout: per thread with a first interval, "Thread (0xTID):", CPU_TIME or
 * [Native Frames], its frames ("?!?" for an address no method names) indented by two spaces, an
 * empty line; the thread in SpinForProfiler is shown running it.
 */
static void test_stacks(void **state)
{
	char *t = render(render_stacks, PROFILE_CPU, 0, 0), *line, *rest, want[64];
	size_t threads = 0, shown = 0, i;
	int in_block = 0, top = 0, spin_running = 0, running = 0;

	(void)state;
	for (i = 0; i < prof->nthreads; i++)
		threads += prof->threads[i].nruns > 0 || prof->threads[i].last_stack != PROFILE_NONE;
	assert_true(threads > 2);
	for (rest = t; (line = next_line(&rest));) {
		if (!in_block) {
			assert_int_equal(strncmp(line, "Thread (0x", 10), 0);
			assert_string_equal(line + strlen(line) - 2, "):");
			while (shown < prof->nthreads && !prof->threads[shown].nruns &&
			       prof->threads[shown].last_stack == PROFILE_NONE)
				shown++;
			snprintf(want, sizeof(want), "Thread (0x%llX):",
				 (unsigned long long)prof->threads[shown++].tid);
			assert_string_equal(line, want);
			in_block = top = 1;
			continue;
		}
		if (!*line) {
			in_block = 0;
			continue;
		}
		assert_int_equal(strncmp(line, "  ", 2), 0);
		assert_true(line[2] != ' ');
		if (top) {
			assert_true(!strcmp(line, "  CPU_TIME") || !strcmp(line, "  [Native Frames]"));
			running = !strcmp(line, "  CPU_TIME");
			top = 0;
			continue;
		}
		assert_null(strstr(line, "?!0x"));
		if (strstr(line, "SampleApp.HotPath.SpinForProfiler"))
			spin_running |= running;
	}
	assert_false(in_block);
	assert_true(spin_running);
	free(t);
}

/* A thread sampled once (no interval: nruns 0) is shown from its one sample, not left out. */
static void test_stacks_one_sample(void **state)
{
	struct profile_thread *th = NULL;
	size_t i, nruns;
	char *t, want[64];

	(void)state;
	for (i = 0; i < prof->nthreads && !th; i++)
		if (prof->threads[i].nruns && prof->threads[i].last_stack != PROFILE_NONE)
			th = &prof->threads[i];
	assert_non_null(th);
	nruns = th->nruns;
	th->nruns = 0;
	t = render(render_stacks, PROFILE_CPU, 0, 0);
	th->nruns = nruns;
	snprintf(want, sizeof(want), "Thread (0x%llX):\n  %s\n", (unsigned long long)th->tid,
		 th->last_running ? "CPU_TIME" : "[Native Frames]");
	assert_non_null(strstr(t, want));
	free(t);
}

/* Events of one evented profile (speedscope) or of all threads (chromium): balanced, in order. */
static void check_events(cJSON *events, const char *type_key, const char *open, const char *time_key,
			 int per_tid)
{
	cJSON *e;
	int depth[64] = { 0 }, nt = 0;
	double last[64], tids[64];

	cJSON_ArrayForEach(e, events) {
		double at = cJSON_GetObjectItem(e, time_key)->valuedouble;
		double tid = per_tid ? cJSON_GetObjectItem(e, "tid")->valuedouble : 0;
		int i;

		for (i = 0; i < nt && tids[i] != tid; i++)
			;
		if (i == nt) {
			assert_true(nt < 64);
			tids[nt] = tid;
			last[nt] = at;
			nt++;
		}
		assert_true(at >= last[i] - 1e-6);
		last[i] = at;
		if (!strcmp(cJSON_GetObjectItem(e, type_key)->valuestring, open))
			depth[i]++;
		else
			assert_true(--depth[i] >= 0);
	}
	while (nt-- > 0)
		assert_int_equal(depth[nt], 0);
}

static void test_speedscope(void **state)
{
	char *t = render(render_speedscope, PROFILE_THREAD_TIME, 0, 0);
	cJSON *j = cJSON_Parse(t), *p, *frames;
	int spin = 0, profiles = 0;

	(void)state;
	assert_non_null(j);
	assert_string_equal(cJSON_GetObjectItem(j, "$schema")->valuestring,
			    "https://www.speedscope.app/file-format-schema.json");
	frames = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "shared"), "frames");
	assert_true(cJSON_GetArraySize(frames) > 10);
	cJSON_ArrayForEach(p, frames)
		spin |= strstr(cJSON_GetObjectItem(p, "name")->valuestring, "SpinForProfiler") != NULL;
	assert_true(spin);
	/* speedscope's FileFormat (src/lib/file-format-spec.ts): every event names a frame of the table */
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(j, "profiles")) {
		cJSON *ev;

		assert_string_equal(cJSON_GetObjectItem(p, "type")->valuestring, "evented");
		assert_string_equal(cJSON_GetObjectItem(p, "unit")->valuestring, "milliseconds");
		assert_true(cJSON_IsString(cJSON_GetObjectItem(p, "name")));
		assert_true(cJSON_IsNumber(cJSON_GetObjectItem(p, "startValue")));
		cJSON_ArrayForEach(ev, cJSON_GetObjectItem(p, "events")) {
			int f = cJSON_GetObjectItem(ev, "frame")->valueint;

			assert_true(f >= 0 && f < cJSON_GetArraySize(frames));
			assert_true(cJSON_IsNumber(cJSON_GetObjectItem(ev, "at")));
		}
		assert_true(cJSON_GetObjectItem(p, "endValue")->valuedouble >=
			    cJSON_GetObjectItem(p, "startValue")->valuedouble);
		check_events(cJSON_GetObjectItem(p, "events"), "type", "O", "at", 0);
		profiles++;
	}
	assert_true(profiles >= 3);
	cJSON_Delete(j);
	free(t);
}

static void test_chromium(void **state)
{
	char *t = render(render_chromium, PROFILE_THREAD_TIME, 0, 0);
	cJSON *j = cJSON_Parse(t), *sf, *e;

	(void)state;
	assert_non_null(j);
	check_events(cJSON_GetObjectItem(j, "traceEvents"), "ph", "B", "ts", 1);
	sf = cJSON_GetObjectItem(j, "stackFrames");
	assert_true(cJSON_GetArraySize(sf) > 10);
	/* names without their module; the module is the category */
	cJSON_ArrayForEach(e, sf)
		if (strstr(cJSON_GetObjectItem(e, "name")->valuestring, "SpinForProfiler")) {
			assert_string_equal(cJSON_GetObjectItem(e, "name")->valuestring,
					    "SampleApp.HotPath.SpinForProfiler(value class System.TimeSpan)");
			assert_string_equal(cJSON_GetObjectItem(e, "category")->valuestring, "SampleApp");
		}
	cJSON_Delete(j);
	free(t);
}

static void test_flamegraph(void **state)
{
	char *t = render(render_flamegraph, PROFILE_CPU, 0, 0), *data, *end, *url;
	cJSON *j;

	(void)state;
	assert_true(!strncmp(t, "<!DOCTYPE html>", 15));
	assert_non_null(strstr(t, "<svg id=\"flame\""));
	/* no network, no other file: nothing but the SVG namespace is a URL */
	assert_null(strstr(t, "src="));
	assert_null(strstr(t, "href="));
	for (url = strstr(t, "http"); url; url = strstr(url + 1, "http"))
		assert_int_equal(strncmp(url, "http://www.w3.org/2000/svg", 26), 0);
	/* the data parses as JSON and holds the hot method */
	data = strstr(t, "const DATA = ");
	assert_non_null(data);
	data += strlen("const DATA = ");
	end = strstr(data, ";</script>");
	assert_non_null(end);
	*end = '\0';
	j = cJSON_Parse(data);
	assert_non_null(j);
	assert_non_null(strstr(data, "SampleApp.HotPath.SpinForProfiler"));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "nodes")) % 4, 0);
	cJSON_Delete(j);
	free(t);
}

/* render_to_file: PATH appears whole or not at all, never over an existing file without force. */
static void test_to_file(void **state)
{
	char dir[] = "/tmp/dotnetprof-render-XXXXXX", path[64], part[72];
	struct render_opts o = { PROFILE_CPU, 0, 5, 0, "t" };
	unsigned long long size;
	struct stat st;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.txt", dir);
	snprintf(part, sizeof(part), "%s.part", path);
	assert_int_equal(render_to_file(path, 0, render_text, prof, &o, &size), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((unsigned long long)st.st_size, size);
	assert_true(size > 100);
	assert_int_equal(render_to_file(path, 0, render_text, prof, &o, &size), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(render_to_file(path, 1, render_json, prof, &o, &size), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((unsigned long long)st.st_size, size);
	assert_int_equal(unlink(path), 0);
	/* a leftover PATH.part is not taken over without force */
	f = fopen(part, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(render_to_file(path, 0, render_text, prof, &o, &size), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_not_equal(stat(path, &st), 0);
	assert_int_equal(render_to_file(path, 1, render_text, prof, &o, &size), 0);
	assert_int_not_equal(stat(part, &st), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_folded),
		cmocka_unit_test(test_stacks),
		cmocka_unit_test(test_stacks_one_sample),
		cmocka_unit_test(test_speedscope),
		cmocka_unit_test(test_chromium),
		cmocka_unit_test(test_flamegraph),
		cmocka_unit_test(test_to_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
