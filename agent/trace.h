/*
 * trace.h - an EventPipe session streamed to stdout: start it (CollectTracing2/4), copy the
 * .nettrace bytes as they come while hashing them, stop it (StopTracing on a second connection)
 * on the duration, a signal, EOF on stdin or a broken stdout, read the stream to its end (the
 * rundown comes last), and report with a trace-end record on stderr. With a spool, the stream's copy
 * in the pod is removed once the reader says "ok" on stdin, and kept otherwise.
 */
#ifndef DOTNETPROF_AGENT_TRACE_H
#define DOTNETPROF_AGENT_TRACE_H

#include <stdint.h>

#include "providers.h"
#include "dnproc.h"

struct trace_opts {
	const struct provider_set *ps;
	uint32_t buffer_mb;
	int64_t duration_ms;       /* 0: until something else stops it */
	int64_t drain_timeout_ms;  /* after StopTracing */
	int watch_stdin;           /* 1: EOF on stdin stops the session */
	int64_t start_ms;          /* the agent's start (conn_now_ms), for first_byte_ms */
	const char *spool_path;    /* --spool: the stream's copy in the pod (spool.h); NULL: none */
	unsigned long long spool_max; /* --spool-max: bytes; 0 no limit */
	int64_t ack_timeout_ms;    /* with a spool: how long to wait for the reader's "ok" */
};

/* Install the SIGINT/SIGTERM/SIGHUP handlers (and ignore SIGPIPE). Returns 0, or -1 with errno. */
int trace_signals_init(void);

/* Is stdin worth watching for EOF? (a pipe or a socket) */
int trace_stdin_watchable(void);

/* Run the session against t (its socket found). Returns an AGENT_EX_* exit status. */
int trace_run(const struct dnproc *t, const struct trace_opts *o);

#endif
