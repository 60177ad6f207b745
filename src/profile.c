/*
 * profile.c - the profile builder: classifies event types, runs TraceEvent's per-thread thread-time
 * state machine over samples, interns stacks, and hands method/module events to the symbol table.
 * Name resolution and the call tree are in profile_tree.c. See profile.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "growarr.h"
#include "ntcur.h"
#include "profile.h"
#include "profile_int.h"

/* What an event type is to the builder. */
enum evclass {
	EV_OTHER = 0,
	EV_SAMPLE,        /* SampleProfiler ThreadSample */
	EV_ALLOC,         /* GCAllocationTick, GCSampledObjectAllocation: the thread was running */
	EV_METHOD,        /* a method's code range and name */
	EV_MODULE,        /* a module's path */
	EV_EVENTSOURCE,   /* an EventSource's event: dotnet-trace report counts it as "not running" */
	EV_PROCINFO,      /* EventPipe's ProcessInfo (the command line); an EventSource event too */
	EV_TP_SAMPLE,     /* ThreadPoolWorkerThreadAdjustmentSample: names its thread ".NET ThreadPool" */
	EV_TP_IO,         /* ThreadPoolIODequeue: ".NET IO ThreadPool Worker" */
	EV_FINALIZER,     /* GCFinalizersStart/Stop: ".NET Finalizer Thread" */
};

/* TraceLog's thread categories, shown after the thread id ("Thread (42) (.NET ThreadPool)"). */
static const char *const categories[] = {
	[EV_TP_SAMPLE] = ".NET ThreadPool", [EV_TP_IO] = ".NET IO ThreadPool Worker",
	[EV_FINALIZER] = ".NET Finalizer Thread",
};

static const char P_RUNTIME[] = "Microsoft-Windows-DotNETRuntime";
static const char P_RUNDOWN[] = "Microsoft-Windows-DotNETRuntimeRundown";
static const char P_SAMPLER[] = "Microsoft-DotNETCore-SampleProfiler";

/*
 * Providers that TraceEvent knows by a fixed GUID rather than the EventSource name hash; their events
 * are not EventSource events to its thread-time computer (nor are the sampler's). FrameworkEventSource
 * (under that exact name) counts only for events 140 to 143.
 */
static const char *const not_eventsource[] = {
	P_RUNTIME, P_RUNDOWN, P_SAMPLER, "Microsoft-Windows-DotNETRuntimePrivate",
	"Microsoft-Windows-DotNETRuntimeStress", "System.Threading.Tasks.TplEventSource",
	"Microsoft-Windows-Application Server-Applications",
};

static enum evclass classify(const struct nettrace_metadata *m)
{
	size_t i;

	if (!strcmp(m->provider, P_SAMPLER))
		return m->event_id == 0 ? EV_SAMPLE : EV_OTHER;
	if (!strcmp(m->provider, P_RUNTIME)) {
		switch (m->event_id) {
		case 10: case 20: case 32: return EV_ALLOC;
		case 13: case 14: return EV_FINALIZER;
		case 54: return EV_TP_SAMPLE;
		case 64: return EV_TP_IO;
		case 143: case 144: return EV_METHOD;       /* MethodLoadVerbose, MethodUnloadVerbose */
		case 152: case 153: return EV_MODULE;       /* ModuleLoad, ModuleUnload */
		default: return EV_OTHER;
		}
	}
	if (!strcmp(m->provider, P_RUNDOWN)) {
		switch (m->event_id) {
		case 143: case 144: return EV_METHOD;       /* MethodDCStartVerbose, MethodDCEndVerbose */
		case 153: case 154: return EV_MODULE;       /* ModuleDCStart, ModuleDCEnd */
		default: return EV_OTHER;
		}
	}
	for (i = 0; i < sizeof(not_eventsource) / sizeof(not_eventsource[0]); i++)
		if (!strcmp(m->provider, not_eventsource[i]))
			return EV_OTHER;
	if (!strcmp(m->provider, "FrameworkEventSource") && (m->event_id < 140 || m->event_id > 143))
		return EV_OTHER;
	if (m->event_id == 0xfffe)   /* ManifestData */
		return EV_OTHER;
	if (!strcmp(m->provider, "Microsoft-DotNETCore-EventPipe") && m->event_id == 1)
		return EV_PROCINFO;
	return EV_EVENTSOURCE;
}

struct profile_builder {
	struct profile_options opts;
	struct profile_internal in;
	struct u64map classes;        /* metadata id -> enum evclass */
	struct u64map leaves;         /* metadata id of an EventSource event -> its "EventName:" frame */
	struct u64map categories;     /* OS thread id -> enum evclass of its category */
	struct u64map thread_index;   /* OS thread id -> index in threads */
	struct bthread *threads;
	size_t nthreads, threads_cap;
	struct nettrace_info info;
	int have_info;
	int nomem;
	char *command_line;
	uint64_t samples;
	int64_t last_ts;
};

/*
 * TraceEvent's ThreadState: last_block is 0 before the first event, > 0 (the time) while not
 * running, < 0 (minus the time it started) while running; intervals are charged to the last stack of
 * each kind. Times are milliseconds from the trace start, as TraceEvent's TimeStampRelativeMSec.
 */
struct ttstate {
	double last_block, last_cpu;
	uint32_t block_stack, cpu_stack;
};

/* Two computations per thread: A as `dotnet-trace report` (EventSource events included), B as
 * `dotnet-trace convert` (without them). */
enum { VAR_REPORT = 0, VAR_CONVERT = 1 };

struct bthread {
	struct profile_thread pub;
	struct ttstate st[2];
	size_t runs_cap;
	int seen;
};

/* Milliseconds from the trace's start (in doubles: hostile timestamps must not overflow). */
static double ms_of(const struct profile_builder *b, int64_t ts)
{
	return ((double)ts - (double)b->info.sync_qpc) * 1000.0 / (double)b->info.qpc_freq;
}

static int nomem(struct profile_builder *b)
{
	b->nomem = 1;
	return -1;
}

struct profile_builder *profile_builder_new(const struct profile_options *opts)
{
	struct profile_builder *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	if (opts)
		b->opts = *opts;
	u64map_init(&b->classes);
	u64map_init(&b->leaves);
	u64map_init(&b->categories);
	u64map_init(&b->thread_index);
	if (profint_init(&b->in) < 0) {
		free(b);
		return NULL;
	}
	return b;
}

static void free_threads(struct bthread *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(t[i].pub.runs);
	free(t);
}

void profile_builder_free(struct profile_builder *b)
{
	if (!b)
		return;
	u64map_release(&b->classes);
	u64map_release(&b->leaves);
	u64map_release(&b->categories);
	u64map_release(&b->thread_index);
	free_threads(b->threads, b->nthreads);
	profint_release(&b->in);
	free(b->command_line);
	free(b);
}

static int on_info(void *arg, const struct nettrace_info *info)
{
	struct profile_builder *b = arg;

	b->info = *info;
	b->have_info = 1;
	return 0;
}

/* TraceEvent's name for an opcode (TraceEventOpcode), or its number. */
static const char *opcode_name(int op, char *buf, size_t size)
{
	static const char *const names[] = { "Info", "Start", "Stop", "DataCollectionStart",
					     "DataCollectionStop", "Extension", "Reply", "Resume", "Suspend",
					     "Transfer" };

	if (op >= 0 && op < (int)(sizeof(names) / sizeof(names[0])))
		return names[op];
	snprintf(buf, size, "%d", op);
	return buf;
}

static int ends_with(const char *s, size_t n, const char *tail)
{
	size_t t = strlen(tail);

	return n >= t && !strncasecmp(s + n - t, tail, t);
}

/*
 * The frame dotnet-trace report puts on top of an EventSource event's stack: "EventName: " and
 * TraceEvent's name of the event: the metadata's name less a "Start"/"Stop" its opcode (given, or
 * implied by that suffix) repeats, then "/" and the opcode unless it is Info (EventPipeMetadata's
 * ExtractImpliedOpcode and StripStartStopInEventName, TraceEvent.EventName).
 */
static void event_frame_name(const struct nettrace_metadata *m, char *buf, size_t size)
{
	const char *name = m->event_name;
	size_t n = strlen(name);
	int op = m->opcode;
	char num[16];

	if (op < 0)
		op = ends_with(name, n, "Start") ? 1 : ends_with(name, n, "Stop") ? 2 : 0;
	if (op == 1 && ends_with(name, n, "Start"))
		n -= 5;
	else if (op == 2 && ends_with(name, n, "Stop"))
		n -= 4;
	if (!*name)
		snprintf(buf, size, "EventName: %s/EventID(%u)", m->provider, (unsigned)m->event_id);
	else if (op == 0)
		snprintf(buf, size, "EventName: %s/%.*s", m->provider, (int)n, name);
	else
		snprintf(buf, size, "EventName: %s/%.*s/%s", m->provider, (int)n, name,
			 opcode_name(op, num, sizeof(num)));
}

static int on_metadata(void *arg, const struct nettrace_metadata *m)
{
	struct profile_builder *b = arg;
	uint64_t *slot = u64map_put(&b->classes, m->id, 0, NULL);
	enum evclass c = classify(m);
	char name[512];
	uint32_t leaf;

	if (!slot)
		return nomem(b);
	*slot = c;
	if (c == EV_EVENTSOURCE || c == EV_PROCINFO) {
		event_frame_name(m, name, sizeof(name));
		if (profint_pseudo(&b->in, name, &leaf) < 0 || !(slot = u64map_put(&b->leaves, m->id, 0, NULL)))
			return nomem(b);
		*slot = leaf;
	}
	return 0;
}

/* TraceLog's CategorizeThread: the first category sticks, but the IO thread pool's overwrites. */
static int categorize(struct profile_builder *b, uint64_t tid, enum evclass c)
{
	int added;
	uint64_t *slot = u64map_put(&b->categories, tid, c, &added);

	if (!slot)
		return nomem(b);
	if (c == EV_TP_IO)
		*slot = c;
	return 0;
}

static struct bthread *thread_of(struct profile_builder *b, uint64_t tid)
{
	int added;
	uint64_t *slot = u64map_put(&b->thread_index, tid, b->nthreads, &added);
	struct bthread *t;

	if (!slot)
		return NULL;
	if (!added)
		return &b->threads[*slot];
	t = growarr(b->threads, &b->threads_cap, b->nthreads + 1, sizeof(*t), 32);
	if (!t) {
		/* the builder stops here (out of memory): nothing looks the index up again */
		*slot = PROFILE_NONE;
		return NULL;
	}
	b->threads = t;
	t = &b->threads[b->nthreads++];
	memset(t, 0, sizeof(*t));
	t->pub.tid = tid;
	t->pub.last_stack = PROFILE_NONE;
	return t;
}

/* Append an interval to a thread's timeline, merged with the previous one when it continues it. */
static int add_run(struct bthread *t, double start, double end, uint32_t stack, int running)
{
	struct profile_run *r;

	if (t->pub.nruns) {
		r = &t->pub.runs[t->pub.nruns - 1];
		if (r->stack == stack && r->running == running && r->end_ms == start) {
			r->end_ms = end;
			return 0;
		}
	}
	r = growarr(t->pub.runs, &t->runs_cap, t->pub.nruns + 1, sizeof(*r), 64);
	if (!r)
		return -1;
	t->pub.runs = r;
	r = &t->pub.runs[t->pub.nruns++];
	r->start_ms = start;
	r->end_ms = end;
	r->stack = stack;
	r->running = running;
	return 0;
}

/* An interval of thread `t`: charged to the views (report variant: thread time; convert variant: cpu
 * time when running, and the timeline). */
static int charge(struct profile_builder *b, struct bthread *t, int var, double start, double end,
		  uint32_t stack, int running)
{
	double ms = end - start;

	if (var == VAR_REPORT) {
		t->pub.ms[PROFILE_THREAD_TIME] += ms;
		return profint_charge(&b->in, stack, PROFILE_THREAD_TIME, ms);
	}
	if (running) {
		t->pub.ms[PROFILE_CPU] += ms;
		if (profint_charge(&b->in, stack, PROFILE_CPU, ms) < 0)
			return -1;
	}
	return b->opts.keep_timeline ? add_run(t, start, end, stack, running) : 0;
}

/* TraceEvent's ThreadState.LogThreadStack. */
static int log_stack(struct profile_builder *b, struct bthread *t, int var, double now, uint32_t stack,
		     int running)
{
	struct ttstate *s = &t->st[var];
	int rc = 0;

	if (running) {
		if (s->last_block == 0) {                 /* first event: running */
			if (s->last_cpu > 0)
				rc = charge(b, t, var, s->last_cpu, now, s->cpu_stack, 1);
			s->last_block = -1;
		} else if (s->last_block < 0) {           /* still running */
			if (s->last_cpu > 0)
				rc = charge(b, t, var, s->last_cpu, now, s->cpu_stack, 1);
		} else {                                  /* was not running */
			rc = charge(b, t, var, s->last_block, now, s->block_stack, 0);
			s->last_block = -now;
		}
		s->last_cpu = now;
		s->cpu_stack = stack;
	} else {
		if (s->last_block >= 0) {                 /* still not running, or first event */
			if (s->last_block > 0)
				rc = charge(b, t, var, s->last_block, now, s->block_stack, 0);
		} else if (s->last_cpu > 0) {             /* stopped running */
			rc = charge(b, t, var, s->last_cpu, now, s->cpu_stack, 1);
		}
		s->last_block = now;
		s->block_stack = stack;
	}
	return rc;
}

/* ProcessInfo's payload starts with the command line (UTF-16). */
static int note_command_line(struct profile_builder *b, const struct nettrace_event *ev)
{
	char line[1024];
	size_t off = 0;

	if (nettrace_utf16z(ev->payload, ev->payload_size, &off, line, sizeof(line)) <= 0)
		return 0;
	b->command_line = strdup(line);
	return b->command_line ? 0 : -1;
}

static int on_event(void *arg, const struct nettrace_event *ev)
{
	struct profile_builder *b = arg;
	uint64_t *slot = u64map_get(&b->classes, ev->meta->id);
	enum evclass c = slot ? (enum evclass)*slot : EV_OTHER;
	struct bthread *t;
	double now;
	uint32_t stack, leaf;
	int running = 1;

	if (ev->timestamp > b->last_ts)
		b->last_ts = ev->timestamp;
	switch (c) {
	case EV_METHOD:
		return symtab_add_method(&b->in.sym, ev->payload, ev->payload_size) < 0 ? nomem(b) : 0;
	case EV_MODULE:
		return symtab_add_module(&b->in.sym, ev->payload, ev->payload_size) < 0 ? nomem(b) : 0;
	case EV_OTHER:
		return 0;
	case EV_TP_SAMPLE:
	case EV_TP_IO:
	case EV_FINALIZER:
		return categorize(b, ev->thread_id, c);
	case EV_SAMPLE:
		/* the ThreadSample payload is a u32 Type: 2 Managed, 1 External, 0 Error */
		running = ev->payload_size >= 4 && ntcur_le32(ev->payload) == 2;
		break;
	case EV_PROCINFO:
		if (!b->command_line && note_command_line(b, ev) < 0)
			return nomem(b);
		c = EV_EVENTSOURCE;
		break;
	case EV_ALLOC:
	case EV_EVENTSOURCE:
		break;
	}
	if (!b->have_info)
		return 0;
	t = thread_of(b, ev->thread_id);
	if (!t)
		return nomem(b);
	leaf = 0;
	if (c == EV_EVENTSOURCE && (slot = u64map_get(&b->leaves, ev->meta->id)))
		leaf = (uint32_t)*slot;
	if (profint_intern(&b->in, ev, leaf, &stack) < 0)
		return nomem(b);
	now = ms_of(b, ev->timestamp);
	if (!t->seen) {
		t->seen = 1;
		t->pub.first_ms = now;
	}
	t->pub.last_ms = now;
	if (c == EV_EVENTSOURCE)
		return log_stack(b, t, VAR_REPORT, now, stack, 0) < 0 ? nomem(b) : 0;
	if (c == EV_SAMPLE) {
		t->pub.samples++;
		t->pub.last_stack = stack;
		t->pub.last_running = running;
		b->samples++;
	}
	if (log_stack(b, t, VAR_REPORT, now, stack, running) < 0 ||
	    log_stack(b, t, VAR_CONVERT, now, stack, running) < 0)
		return nomem(b);
	return 0;
}

static const struct nettrace_callbacks builder_callbacks = { on_info, on_metadata, on_event };

const struct nettrace_callbacks *profile_builder_callbacks(void)
{
	return &builder_callbacks;
}

struct profile *profile_builder_finish(struct profile_builder *b, const struct nettrace_result *res)
{
	struct profile *p = NULL;
	size_t i;

	if (b->nomem)
		goto out;
	p = calloc(1, sizeof(*p));
	if (!p)
		goto out;
	p->info = b->info;
	p->events = res->events;
	p->lost_events = res->lost_events;
	p->samples = b->samples;
	p->command_line = b->command_line;
	b->command_line = NULL;
	if (res->status == NETTRACE_TRUNCATED) {
		p->partial = 1;
		memcpy(p->partial_reason, res->message, sizeof(p->partial_reason));
		p->partial_reason[sizeof(p->partial_reason) - 1] = '\0';
	}
	if (b->have_info && b->last_ts)
		p->end_ms = ms_of(b, b->last_ts);
	p->threads = calloc(b->nthreads ? b->nthreads : 1, sizeof(*p->threads));
	if (!p->threads)
		goto fail;
	for (i = 0; i < b->nthreads; i++) {
		const uint64_t *cat = u64map_get(&b->categories, b->threads[i].pub.tid);

		p->threads[i] = b->threads[i].pub;
		p->threads[i].category = cat ? categories[*cat] : NULL;
		b->threads[i].pub.runs = NULL;
	}
	p->nthreads = b->nthreads;
	p->in = malloc(sizeof(*p->in));
	if (!p->in)
		goto fail;
	*p->in = b->in;
	if (profint_init(&b->in) < 0 || profint_build(p) < 0)
		goto fail;
	goto out;
fail:
	profile_free(p);
	p = NULL;
out:
	profile_builder_free(b);
	if (!p)
		errno = ENOMEM;
	return p;
}

static int read_common(int fd, const void *data, size_t len, const struct profile_options *opts,
		       struct profile **out, struct nettrace_result *res)
{
	struct profile_builder *b = profile_builder_new(opts);
	int stopped_by_us;

	*out = NULL;
	if (!b) {
		memset(res, 0, sizeof(*res));
		res->status = NETTRACE_NOMEM;
		return -1;
	}
	if (fd >= 0)
		nettrace_read_fd(fd, &builder_callbacks, b, 0, res);
	else
		nettrace_read_mem(data, len, &builder_callbacks, b, 0, res);
	stopped_by_us = res->status == NETTRACE_STOPPED;
	if (stopped_by_us || (res->status != NETTRACE_OK && res->status != NETTRACE_TRUNCATED)) {
		if (stopped_by_us)
			res->status = NETTRACE_NOMEM;
		profile_builder_free(b);
		return -1;
	}
	*out = profile_builder_finish(b, res);
	if (!*out) {
		res->status = NETTRACE_NOMEM;
		return -1;
	}
	return 0;
}

int profile_read_fd(int fd, const struct profile_options *opts, struct profile **out,
		    struct nettrace_result *res)
{
	return read_common(fd < 0 ? 0 : fd, NULL, 0, opts, out, res);
}

int profile_read_mem(const void *data, size_t len, const struct profile_options *opts,
		     struct profile **out, struct nettrace_result *res)
{
	return read_common(-1, data, len, opts, out, res);
}

const char *profile_view_name(enum profile_view view)
{
	return view == PROFILE_CPU ? "cpu" : "thread-time";
}
