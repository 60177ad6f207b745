/*
 * agenttrace.h - a trace streamed by dotnetprof-agent (agentrun.h) straight into a local file that
 * cannot lie, or into memory: nothing is written in the pod.
 *
 * To a file: the bytes go to NAME.part as they come, hashed (SHA-256) on the way (localout.h: O_EXCL,
 * never over an existing NAME without `force`); NAME appears only when the agent's trailer (trace-end,
 * agentcli.h) says complete=1 (the runtime acknowledged StopTracing and the stream then ended, so the
 * rundown that names the methods is in it) and its byte count and SHA-256 equal what arrived.
 * In memory (o->local NULL): the same checks, the bytes in r->data.
 *
 * Failures (exitcodes.h), after the message: the agent's own (agentrun_explain: no such process,
 * permission...); DPX_TRANSFER when no trailer came (the agent died or the stream was cut) or it
 * does not match what arrived; DPX_ERROR when the trace is incomplete (the app exited, the
 * runtime ended the session); DPX_INTERRUPTED when a second Ctrl-C gave up; DPX_NOSPACE / DPX_ERROR
 * when NAME.part cannot be written (the agent is then stopped cleanly). A failure that left bytes
 * keeps NAME.part (`report` reads a cut trace and says it is partial), and says so; an empty one is
 * removed.
 */
#ifndef DOTNETPROF_AGENTTRACE_H
#define DOTNETPROF_AGENTTRACE_H

#include <stddef.h>
#include <stdint.h>

struct kube;
struct target_pod;
struct agentrun;
struct agentrun_opts;

struct agenttrace_opts {
	struct agentrun_opts *run;       /* how the agent runs: args ("trace" ..., "stack" ...; no
	                                    --pid), what, quiet; stdin_pipe, the sink and (for a new
	                                    exec) ws, sha256, pid are set here */
	struct agentrun **started;       /* a run started probe first and probed (diagagent.h a->run):
	                                    it goes on here and *started becomes NULL; NULL or *NULL:
	                                    a new exec (agentrun.sh) */
	const char *ws, *sha256;         /* where the agent is, what it hashes to */
	long pid;                        /* the process, as the container sees it */
	const char *local;               /* NAME; NULL: into memory */
	int force;                       /* replace an existing NAME (and NAME.part) */
	const char *spool_run;           /* the copy in the pod (agentrun.h): runs/SPOOL_RUN/ */
	const char *spool_file;          /* ... SPOOL_FILE; NULL spool_run: none */
	unsigned long long spool_max;
};

struct agenttrace_result {
	uint64_t bytes;
	char sha256[65];
	double seconds;                  /* the exec's wall time */
	double first_byte_seconds;       /* from the exec's start to the first byte; -1: none */
	int interrupted;                 /* stopped early by Ctrl-C (and still complete) */
	char reason[32];                 /* what ended it (the trailer's reason) */
	char spool_kept[4096];           /* the copy left in the pod on failure ("" none) */
	unsigned char *data;             /* in memory: the trace; free() */
};

int agenttrace_collect(struct kube *k, const struct target_pod *pod, const struct agenttrace_opts *o,
		       struct agenttrace_result *r);

#endif
