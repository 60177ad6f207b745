/*
 * evented.h - a thread's runs (profile.h) as frame open/close events, the way TraceEvent's
 * StackSourceWriterHelper turns samples into them for its speedscope and chromium exporters: each
 * stack is Process > (Non-Activities) > Threads > Thread (TID) > managed frames > CPU_TIME or
 * UNMANAGED_CODE_TIME; a frame stays open while consecutive samples keep it at the same depth.
 *
 * Exported frames are numbered in order of first use across all threads (evented_frame_count,
 * evented_frame_name give the table afterwards); `parent` is the caller a frame had when first used
 * (chromium's stackFrames want one). Memory: the frame tables and one stack per thread.
 */
#ifndef DOTNETPROF_EVENTED_H
#define DOTNETPROF_EVENTED_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"

/* A frame (exported id) opens (`open` 1) or closes (0) at `at` milliseconds; nonzero stops. */
typedef int (*evented_sink)(void *arg, uint32_t frame, double at, int open);

struct evented {
	const struct profile *p;
	uint32_t *xid;        /* local frame -> exported id, PROFILE_NONE while unused */
	uint32_t *local;      /* exported id -> local frame */
	uint32_t *parent;     /* exported id -> exported caller at first use, PROFILE_NONE: none */
	size_t nlocal, nx;
	size_t *order;        /* the threads in the order of their first run in the view (TraceEvent
	                         orders its profiles so) */
	char process[512];    /* "Process64 NAME (PID) Args: ARGS" */
};

/* Tables for exporting `p` in `view`. 0, or -1 (ENOMEM). */
int evented_init(struct evented *e, const struct profile *p, enum profile_view view);
void evented_release(struct evented *e);

/*
 * The events of thread `t` in `view` (PROFILE_CPU: its running runs only) to `sink`. *first and *last
 * get the first and last event times. Returns the number of runs used (0: the thread has none in this
 * view, and nothing was sent), or -1 (ENOMEM, or the sink stopped).
 */
long evented_thread(struct evented *e, size_t t, enum profile_view view, evented_sink sink, void *arg,
		    double *first, double *last);

/* Whether thread `t` has a run in `view` (else it has no profile). */
int evented_has_runs(const struct profile *p, size_t t, enum profile_view view);

size_t evented_frame_count(const struct evented *e);

/* TraceLog's name of thread `t`: "Thread (TID)", or "Thread (TID) (CATEGORY)". */
const char *evented_thread_name(const struct profile *p, size_t t, char *buf, size_t size);

/* The full name of exported frame `x` ("Module!Method(args)", "Thread (42)", "CPU_TIME", ...). */
const char *evented_frame_name(const struct evented *e, uint32_t x, char *buf, size_t size);

#endif
