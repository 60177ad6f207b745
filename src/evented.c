/*
 * evented.c - runs into frame open/close events as TraceEvent's exporters produce them (its
 * StackSourceWriterHelper.GetProfileEvents and HandleSamples). See evented.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "growarr.h"
#include "evented.h"

/* Local frames past the profile's own: the pseudo frames, then one per thread. */
enum { LF_PROCESS, LF_NONACT, LF_THREADS, LF_CPU, LF_UNMANAGED, LF_NPSEUDO };

struct open_frame {
	uint32_t x;
	double start, metric;
};

/* The per-thread state of HandleSamples: the open frames and the time of the last event. */
struct tstate {
	struct open_frame *prev;
	size_t nprev, cap;
	double last;
	int any;
	evented_sink sink;
	void *arg;
};

/* "dotnet" and "ARGS" from "/usr/share/dotnet/dotnet ARGS" (TraceEvent's process frame). */
static void process_name(struct evented *e)
{
	const struct profile *p = e->p;
	const char *cl = p->command_line, *sp, *base, *s, *dot;
	char name[256];
	size_t n;

	if (!cl || !*cl) {
		snprintf(e->process, sizeof(e->process), "Process%d Process(%u) (%u) Args: ",
			 p->info.pointer_size * 8, (unsigned)p->info.process_id, (unsigned)p->info.process_id);
		return;
	}
	sp = strchr(cl, ' ');
	n = sp ? (size_t)(sp - cl) : strlen(cl);
	for (base = cl, s = cl; s < cl + n; s++)
		if (*s == '/' || *s == '\\')
			base = s + 1;
	n -= (size_t)(base - cl);
	dot = memchr(base, '.', n) ? base + n - 4 : NULL;
	if (dot && dot > base && (!strncmp(dot, ".exe", 4) || !strncmp(dot, ".dll", 4)))
		n -= 4;
	snprintf(name, sizeof(name), "%.*s", (int)n, base);
	snprintf(e->process, sizeof(e->process), "Process%d %s (%u) Args: %s", p->info.pointer_size * 8,
		 name, (unsigned)p->info.process_id, sp ? sp + 1 : "");
}

static size_t *thread_order(const struct profile *p, enum profile_view view);

int evented_init(struct evented *e, const struct profile *p, enum profile_view view)
{
	size_t i;

	memset(e, 0, sizeof(*e));
	e->p = p;
	e->nlocal = p->nframes + LF_NPSEUDO + p->nthreads;
	e->xid = malloc(e->nlocal * sizeof(*e->xid));
	e->local = malloc(e->nlocal * sizeof(*e->local));
	e->parent = malloc(e->nlocal * sizeof(*e->parent));
	e->order = thread_order(p, view);
	if (!e->xid || !e->local || !e->parent || !e->order) {
		evented_release(e);
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < e->nlocal; i++)
		e->xid[i] = PROFILE_NONE;
	process_name(e);
	return 0;
}

void evented_release(struct evented *e)
{
	free(e->xid);
	free(e->local);
	free(e->parent);
	free(e->order);
	e->xid = e->local = e->parent = NULL;
	e->order = NULL;
}

/* The start of a thread's first run in the view; a thread without one sorts last. */
static double first_start(const struct profile_thread *th, enum profile_view view)
{
	size_t i;

	for (i = 0; i < th->nruns; i++)
		if (view != PROFILE_CPU || th->runs[i].running)
			return th->runs[i].start_ms;
	return 1e300;
}

static size_t *thread_order(const struct profile *p, enum profile_view view)
{
	size_t *order = malloc((p->nthreads ? p->nthreads : 1) * sizeof(*order)), i, j;

	if (!order)
		return NULL;
	/* insertion sort: stable, and thread counts are small */
	for (i = 0; i < p->nthreads; i++) {
		double t = first_start(&p->threads[i], view);

		for (j = i; j > 0 && first_start(&p->threads[order[j - 1]], view) > t; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	return order;
}

int evented_has_runs(const struct profile *p, size_t t, enum profile_view view)
{
	return first_start(&p->threads[t], view) < 1e300;
}

size_t evented_frame_count(const struct evented *e)
{
	return e->nx;
}

const char *evented_thread_name(const struct profile *p, size_t t, char *buf, size_t size)
{
	const struct profile_thread *th = &p->threads[t];

	if (th->category)
		snprintf(buf, size, "Thread (%llu) (%s)", (unsigned long long)th->tid, th->category);
	else
		snprintf(buf, size, "Thread (%llu)", (unsigned long long)th->tid);
	return buf;
}

const char *evented_frame_name(const struct evented *e, uint32_t x, char *buf, size_t size)
{
	static const char *const pseudo[] = { NULL, "(Non-Activities)", "Threads", "CPU_TIME",
					      "UNMANAGED_CODE_TIME" };
	size_t l = e->local[x], nf = e->p->nframes;

	if (l < nf)
		return e->p->frames[l].name;
	l -= nf;
	if (l == LF_PROCESS)
		return e->process;
	if (l < LF_NPSEUDO)
		return pseudo[l];
	return evented_thread_name(e->p, l - LF_NPSEUDO, buf, size);
}

/* The exported id of local frame `l`, numbered at first use (with the caller it had then). */
static uint32_t export_id(struct evented *e, size_t l, uint32_t caller)
{
	if (e->xid[l] == PROFILE_NONE) {
		e->xid[l] = (uint32_t)e->nx;
		e->local[e->nx] = (uint32_t)l;
		e->parent[e->nx] = caller;
		e->nx++;
	}
	return e->xid[l];
}

static int emit(struct tstate *st, int open, uint32_t x, double at)
{
	st->last = at;
	st->any = 1;
	return st->sink(st->arg, x, at, open);
}

/* HandleSamples: extend the open frames the sample continues, close the rest, open the new ones. */
static int handle(struct tstate *st, const uint32_t *path, size_t n, double start, double metric)
{
	size_t i = 0, j, max = st->nprev < n ? st->nprev : n;
	double last = st->any ? st->last : 0;
	struct open_frame *f;

	while (i < max && st->prev[i].x == path[i] &&
	       !(st->prev[i].start + st->prev[i].metric * 1.001 < start)) {
		st->prev[i].metric += metric;
		i++;
	}
	for (j = st->nprev; j-- > i;) {
		double end = st->prev[j].start + st->prev[j].metric;

		last = end > last ? end : last;
		if (emit(st, 0, st->prev[j].x, last))
			return -1;
	}
	st->nprev = i;
	f = growarr(st->prev, &st->cap, n, sizeof(*f), 64);
	if (!f)
		return -1;
	st->prev = f;
	for (j = i; j < n; j++) {
		last = start > last ? start : last;
		if (emit(st, 1, path[j], last))
			return -1;
		st->prev[st->nprev].x = path[j];
		st->prev[st->nprev].start = start;
		st->prev[st->nprev].metric = metric;
		st->nprev++;
	}
	return 0;
}

/* The exported path of a run: process, (Non-Activities), Threads, the thread, frames, CPU/UNMANAGED. */
static size_t run_path(struct evented *e, size_t t, const struct profile_run *r, uint32_t *path,
		       uint32_t *frames, size_t max)
{
	size_t nf = e->p->nframes, depth = profile_stack_frames(e->p, r->stack, frames, max), n = 0, i;
	uint32_t caller = PROFILE_NONE;
	size_t fixed[4] = { nf + LF_PROCESS, nf + LF_NONACT, nf + LF_THREADS, nf + LF_NPSEUDO + t };

	if (depth > max)
		depth = max;
	for (i = 0; i < 4; i++)
		caller = path[n++] = export_id(e, fixed[i], caller);
	for (i = depth; i-- > 0;)
		caller = path[n++] = export_id(e, frames[i], caller);
	path[n++] = export_id(e, nf + (r->running ? LF_CPU : LF_UNMANAGED), caller);
	return n;
}

long evented_thread(struct evented *e, size_t t, enum profile_view view, evented_sink sink, void *arg,
		    double *first, double *last)
{
	const struct profile_thread *th = &e->p->threads[t];
	struct tstate st;
	size_t i, maxdepth = 256, n;
	uint32_t *path = NULL, *frames = NULL;
	long used = 0;
	int rc = 0;

	memset(&st, 0, sizeof(st));
	st.sink = sink;
	st.arg = arg;
	for (i = 0; i < th->nruns && rc == 0; i++) {
		const struct profile_run *r = &th->runs[i];
		size_t depth = profile_stack_frames(e->p, r->stack, NULL, 0);

		if (view == PROFILE_CPU && !r->running)
			continue;
		if (!path || depth + 5 > maxdepth) {
			while (depth + 5 > maxdepth)
				maxdepth *= 2;
			free(path);
			free(frames);
			path = malloc(maxdepth * sizeof(*path));
			frames = malloc(maxdepth * sizeof(*frames));
			if (!path || !frames) {
				rc = -1;
				break;
			}
		}
		if (!used)
			*first = r->start_ms;
		used++;
		n = run_path(e, t, r, path, frames, maxdepth - 5);
		rc = handle(&st, path, n, r->start_ms, r->end_ms - r->start_ms);
	}
	/* close what is still open, deepest first */
	while (rc == 0 && st.nprev > 0) {
		const struct open_frame *f = &st.prev[--st.nprev];
		double end = f->start + f->metric, at = st.last > end ? st.last : end;

		if (emit(&st, 0, f->x, at))
			rc = -1;
	}
	*last = st.last;
	free(path);
	free(frames);
	free(st.prev);
	return rc < 0 ? -1 : used;
}
