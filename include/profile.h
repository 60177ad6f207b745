/*
 * profile.h - where the time went in a trace: samples, symbols and a call tree, built from the events
 * of the NetTrace reader (nettrace.h).
 *
 * What it takes from a trace:
 *   - Microsoft-DotNETCore-SampleProfiler ThreadSample events: one per managed thread every ~1 ms,
 *     with the thread's managed stack and whether it was running managed code (payload Type 2,
 *     "Managed") or not (1, "External": waiting, sleeping, in native code);
 *   - GCAllocationTick and GCSampledObjectAllocation events (the thread was running, allocating);
 *   - method and module events for names (see symtab.h).
 *
 * Time is weighted the way TraceEvent's SampleProfilerThreadTimeComputer weights it (what
 * `dotnet-trace report` and `dotnet-trace convert` show): each thread's events in time order split its
 * time into intervals, and an interval is charged to the stack of the event that starts it; it is
 * running time when that event said the thread ran managed code. A thread counts from its first to
 * its last event. Two views:
 *   PROFILE_THREAD_TIME  every interval (what `dotnet-trace report` shows: a thread waiting for the
 *                        whole trace weighs as much as a busy one). As dotnet-trace report does,
 *                        EventSource events (providers other than the runtime's own) also end and
 *                        start intervals, as "not running", the interval they start charged to their
 *                        stack topped by a frame "EventName: Provider/Event" (dotnet-trace adds
 *                        "EventData: field=value" frames under it; these are left out).
 *   PROFILE_CPU          only the running intervals: where threads ran managed code.
 * With keep_timeline, each thread's intervals are also kept in order (runs), as `dotnet-trace convert`
 * computes them (without the EventSource events), for the evented exports.
 *
 * Stacks are kept once per distinct stack; names are resolved when the trace ends (the rundown that
 * names methods comes last). Frames whose address no method covers are kept, named "?!0x<address>".
 * Memory grows with distinct stacks, frames and methods (and with the runs, when kept), not with the
 * file size.
 */
#ifndef DOTNETPROF_PROFILE_H
#define DOTNETPROF_PROFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "nettrace.h"

#define PROFILE_NONE UINT32_MAX

enum profile_view {
	PROFILE_CPU = 0,
	PROFILE_THREAD_TIME = 1,
	PROFILE_NVIEWS = 2,
};

struct profile_options {
	int keep_timeline;   /* keep each thread's runs (for speedscope/chromium exports) */
};

struct profile_frame {
	const char *name;    /* "Module!Namespace.Type.Method(args)", or "?!0x00007f12345678ab" */
	uint64_t address;    /* the address, for unresolved frames (else 0) */
	int resolved;
};

/* A call tree node: a frame under its caller, threads merged. nodes[0] is the root (no frame). */
struct profile_node {
	uint32_t parent;     /* PROFILE_NONE for the root */
	uint32_t frame;      /* PROFILE_NONE for the root */
	uint32_t child;      /* first callee (callees in name order), PROFILE_NONE: none */
	uint32_t sibling;    /* next callee of the parent, PROFILE_NONE: none */
	double self_ms[PROFILE_NVIEWS];      /* time with this node innermost */
	double total_ms[PROFILE_NVIEWS];     /* self plus callees */
	uint64_t self_samples[PROFILE_NVIEWS];
	uint64_t total_samples[PROFILE_NVIEWS];
};

/* A stretch of one thread's time on one stack. */
struct profile_run {
	double start_ms, end_ms;   /* milliseconds from the trace start (sync time) */
	uint32_t stack;
	int running;               /* 1: running managed code; 0: not */
};

struct profile_thread {
	uint64_t tid;
	const char *category;          /* TraceEvent's name for what the thread is (".NET ThreadPool",
	                                  ".NET Finalizer Thread"...), from runtime events; or NULL */
	double first_ms, last_ms;      /* its first and last counted event */
	double ms[PROFILE_NVIEWS];     /* its time in each view */
	uint64_t samples;              /* ThreadSample events */
	uint32_t last_stack;           /* stack of its last ThreadSample (PROFILE_NONE: none) */
	int last_running;              /* that sample's thread was running managed code */
	struct profile_run *runs;      /* with keep_timeline: in time order */
	size_t nruns;
};

struct profile_internal;

struct profile {
	struct nettrace_info info;
	int partial;                   /* the trace ends early: the figures cover what was read */
	char partial_reason[200];
	uint64_t events;               /* events read */
	uint64_t lost_events;          /* events the runtime says it dropped */
	uint64_t samples;              /* ThreadSample events */
	double end_ms;                 /* the last event, from the trace start */
	size_t methods;                /* methods the trace names */
	size_t unresolved;             /* distinct frames no method covers */
	char *command_line;            /* the process's, from the trace's ProcessInfo event; or NULL */

	struct profile_frame *frames;
	size_t nframes;
	struct profile_node *nodes;    /* nodes[0] is the root */
	size_t nnodes;
	struct profile_thread *threads;  /* in order of first appearance */
	size_t nthreads;
	size_t nstacks;
	double total_ms[PROFILE_NVIEWS];
	uint64_t total_samples[PROFILE_NVIEWS];

	struct profile_internal *in;   /* the builder's tables */
};

/* One row of the by-method table: a frame's time wherever it appears. */
struct profile_method {
	uint32_t frame;
	double self_ms, total_ms;          /* total counts a recursive method once per stack */
	uint64_t self_samples, total_samples;
};

struct profile_builder;

/*
 * A builder to feed a nettrace stream to: pass profile_builder_callbacks() and the builder as `arg` to
 * nettrace_read_fd/mem (or your own reader loop). NULL when out of memory.
 */
struct profile_builder *profile_builder_new(const struct profile_options *opts);
const struct nettrace_callbacks *profile_builder_callbacks(void);

/*
 * Resolve names and build the tree. `res` is the reader's result: a TRUNCATED status makes the profile
 * partial. Consumes `b` (also on failure). NULL when out of memory (errno ENOMEM).
 */
struct profile *profile_builder_finish(struct profile_builder *b, const struct nettrace_result *res);

/* Discard a builder without finishing it. */
void profile_builder_free(struct profile_builder *b);

/*
 * Read a whole trace from `fd` into *out. Returns 0 when the trace was complete or truncated (then
 * (*out)->partial is set), -1 otherwise (*out NULL; res says why: CORRUPT, UNSUPPORTED, IO, NOMEM).
 */
int profile_read_fd(int fd, const struct profile_options *opts, struct profile **out,
		    struct nettrace_result *res);
int profile_read_mem(const void *data, size_t len, const struct profile_options *opts,
		     struct profile **out, struct nettrace_result *res);

void profile_free(struct profile *p);

/*
 * The frames of stack `stack`, innermost first, into frames[0..max): returns the depth (which may
 * exceed max: only max were written). An empty stack has depth 0.
 */
size_t profile_stack_frames(const struct profile *p, uint32_t stack, uint32_t *frames, size_t max);

/* The call tree node of a stack's innermost frame (0, the root, for an empty stack). */
uint32_t profile_stack_node(const struct profile *p, uint32_t stack);

/*
 * Every frame with time in `view`, sorted by self time (by total time with `by_total`), largest first,
 * ties by name. *out is newly allocated (free it); returns the count, or -1 (ENOMEM).
 */
ssize_t profile_methods(const struct profile *p, enum profile_view view, int by_total,
			struct profile_method **out);

/* "cpu" / "thread-time" */
const char *profile_view_name(enum profile_view view);

#endif
