/*
 * agentrun.h - one run of dotnetprof-agent in the pod through one `kubectl exec`: its stdout handed
 * to the caller as it comes (a trace, a stack's trace) or kept (dump's record), its records read
 * from stderr, Ctrl-C turned into a clean stop.
 *
 *   kubectl exec [-i] POD -c C -- sh -c "$agentrun_sh" dotnetprof WS NAME SHA256 run ARGS...
 *
 * The remote script (src/pod/agentrun.sh) checks the workspace (ws_check), that WS/tools/NAME is a
 * regular file whose SHA-256 is SHA256, then `exec`s it with ARGS (agentcli.h), so the agent is the
 * exec's process: it reads the exec's stdin and writes its stdout. Its first stderr line is
 * "dotnetprof-agentrun<TAB>start<TAB>PID"; a failed check is "dotnetprof-agentrun<TAB>fail<TAB>WHY
 * <TAB>WHAT" and exit 125.
 *
 * Probe first (o->probe_first, for a warm trace or stack: the resolve and this one exec):
 *
 *   kubectl exec -i POD -c C -- sh -c "$agentgo_sh" dotnetprof NAME VERB ARGS...
 *
 * src/pod/agentgo.sh runs the probe (probe.h, looking for the agent NAME) on stdout, and waits for
 * one line on stdin. agentrun_probe reads the probe's text; the caller decides (the process, the
 * preflight, whether the agent the probe found is ours: its SHA-256 that of the embedded agent for
 * the pod's architecture); agentrun_go sends "go PID SHA256", and the script runs the agent found as
 * `NAME VERB --pid PID ARGS...` after the same checks as agentrun.sh; agentrun_abort sends "stop"
 * instead, and nothing runs.
 *
 * stderr is read line by line: the script's own lines above; the agent's records (agentcli.h:
 * trace-start, trace-end, error, ...), kept in the result (the last trace-end and the last error),
 * trace-start said at -v; kubectl's "command terminated with exit code N" (N is the status); any
 * other line (kubectl's warnings, a message of the pod's shell) is kept in r->err_tail and, once
 * the agent started, shown on our stderr unless o->quiet.
 *
 * Ctrl-C (the flag of diag_interrupted(), diagrun.h): with o->stdin_pipe (trace, stack: `exec -i`,
 * a pipe we never write to) the first Ctrl-C closes kubectl's stdin: kubectl passes the end of
 * stdin to the pod (WebSocket v5's close message; SPDY's half-close) and the agent stops the
 * session as on its duration, drains the stream (the rundown that names the methods comes last)
 * and writes its trailer. If no trailer came STOP_FALLBACK_MS later (a server that cannot pass the
 * end of stdin on), SIGINT is sent to the agent's pid through a second exec (agentrun.sh signal
 * mode, which checks that the pid runs our agent). A second Ctrl-C, or o->grace_seconds (default
 * 60) after the first without the end, kills the local kubectl (SIGTERM, SIGKILL 2 s later):
 * r->abandoned. The agent, whose stdout breaks then, still stops the session (agentcli.h).
 * Without stdin_pipe (dump) Ctrl-C cannot stop what the runtime does: the first is only said,
 * the second abandons the run as above.
 * Killing this program (or kubectl) outright also ends the exec's stdin in the pod, which stops the
 * session the same way.
 *
 * Failure convention (exitcodes.h): -DPX_* means the exec itself failed, or the script's check
 * (message printed: no shell, forbidden, not running, the agent missing or not the one expected);
 * 0 means the agent ran: its exit status is in r->status and the caller words a failure
 * (agentrun_explain).
 */
#ifndef DOTNETPROF_AGENTRUN_H
#define DOTNETPROF_AGENTRUN_H

#include <stddef.h>

#include "agentrec.h"

struct kube;
struct target_pod;

#define AGENTRUN_ERR_TAIL 4096

/* Where the agent's stdout goes, as it comes: 0 to go on, -1 to stop (errno kept in r->sink_errno). */
typedef int (*agentrun_sink)(void *arg, const void *buf, size_t n);

struct agentrun_opts {
	int probe_first;            /* agentgo.sh: the probe, then agentrun_go (ws, sha256, pid and
	                               the sink come with agentrun_go) */
	const char *ws;             /* the workspace holding tools/NAME */
	const char *name;           /* the agent's file name in tools/ */
	const char *sha256;         /* what it must hash to */
	long pid;                   /* --pid PID after the verb; 0: none */
	const char *const *args;    /* the agent's verb and arguments, NULL-terminated, without --pid */
	agentrun_sink sink;         /* stdout; NULL: kept in r->out (up to 1 MiB) */
	void *sink_arg;
	int stdin_pipe;             /* exec -i, stdin a pipe closed to stop (trace, stack) */
	int grace_seconds;          /* after Ctrl-C, before giving up; 0: 60 */
	int quiet;                  /* do not show the lines that are not records */
	const char *what;           /* "trace", for messages: "tracing" */
	/*
	 * A trace's copy in the pod (agentcli.h --spool, with stdin_pipe): the agent writes the stream
	 * to WS/runs/SPOOL_RUN/SPOOL_FILE too (an uncollected artifact of that run: workspace.h), at
	 * most spool_max bytes. Once the trailer came and every byte it counts arrived, `ack` is asked
	 * whether they are the ones it names (1: yes); then "ok" goes to the agent, which removes the
	 * copy. Anything else (Ctrl-C given up, the sink failing, the stream cut, this program killed)
	 * leaves the copy in the pod, complete when the agent could finish it: r->spool_kept names it.
	 */
	const char *spool_run;      /* NULL: no copy */
	const char *spool_file;
	unsigned long long spool_max;
	int (*ack)(void *sink_arg, const struct agentrec_trailer *t);
};

struct agentrun_result {
	int status;                 /* the agent's exit status (128+N: signal N), -1 unknown */
	int started;                /* the script's checks passed and the agent was exec'd */
	long pid;                   /* its pid in the container (0: not seen) */
	int interrupted;            /* Ctrl-C asked it to stop */
	int abandoned;              /* the local kubectl was killed before the end */
	int sink_errno;             /* the sink refused (0: it did not) */
	int have_trailer;
	struct agentrec_trailer trailer; /* the last trace-end (reason points into trailer_rec) */
	struct agentrec trailer_rec;
	int have_error;
	struct agentrec error;      /* the last `error` record */
	char *out;                  /* stdout without a sink, NUL-terminated; free() */
	size_t out_len;
	unsigned long long out_bytes; /* stdout bytes read (with or without a sink) */
	char err_tail[AGENTRUN_ERR_TAIL]; /* the last other stderr lines, NUL-terminated */
	char spool_kept[4096];      /* the agent's `spool` record: the copy left in the pod ("" none) */
	unsigned long long spool_kept_bytes;
	int acked;                  /* "ok" was sent: the agent removes its copy */
	double seconds;             /* wall time of the exec */
	double first_byte_seconds;  /* from the start to the first stdout byte; -1: none */
};

/*
 * Run it (above): agentrun_start, then agentrun_wait. When the flag of diag_interrupted() is
 * already set, nothing runs: -DPX_INTERRUPTED. Release r with agentrun_result_release, also after a
 * failure.
 */
int agentrun_run(struct kube *k, const struct target_pod *pod, const struct agentrun_opts *o,
		 struct agentrun_result *r);
void agentrun_result_release(struct agentrun_result *r);

/* A started run (opaque). */
struct agentrun;

/*
 * Start the exec (`o` is copied, and its args are used only here; `pod` and the strings of `o` must
 * outlive the run). 0 with *out set, or -DPX_* (printed: kubectl missing, out of memory,
 * interrupted).
 */
int agentrun_start(struct kube *k, const struct target_pod *pod, const struct agentrun_opts *o,
		   struct agentrun **out);

/*
 * probe_first: read stdout up to the probe's "end" line (its stderr kept meanwhile). 0 with *text
 * (NUL-terminated, owned by the run, valid until it ends) and *len; or, when the exec ended before
 * "end", -DPX_* when the exec itself failed (printed: no shell, forbidden...) and 0 with what came
 * (the caller's probe parser says it is cut short) and *status the script's exit status (else -1).
 * On -DPX_* the run is over: agentrun_abort it.
 */
int agentrun_probe(struct agentrun *x, const char **text, size_t *len, int *status);

/*
 * The pod the run's messages name from now on (a run started on a pod named by the user, before
 * its resolve finished: diagagent.h). It must outlive the run.
 */
void agentrun_set_pod(struct agentrun *x, const struct target_pod *pod);

/*
 * The copy in the pod for a run started probe first (agentrun_opts' spool_*; they go with
 * agentrun_go's line). The strings must outlive the run.
 */
void agentrun_set_spool(struct agentrun *x, const char *run, const char *file, unsigned long long max,
			int (*ack)(void *sink_arg, const struct agentrec_trailer *t));

/*
 * probe_first: run the agent the probe found in the workspace `ws`, whose SHA-256 must be `sha256`,
 * against `pid` ("go PID SHA256"), its stdout to `sink` (NULL: kept). The strings must outlive the
 * run. 0, or -DPX_ERROR (kubectl is gone).
 */
int agentrun_go(struct agentrun *x, long pid, const char *ws, const char *sha256, agentrun_sink sink,
		void *sink_arg);

/*
 * Read the agent's output to the end, Ctrl-C handled (above), and say what came: the return and r as
 * for agentrun_run. Frees x.
 */
int agentrun_wait(struct agentrun *x, struct agentrun_result *r);

/* Not going on: "stop" (probe_first), stdin closed, kubectl waited for (SIGTERM after 5 s). Frees x. */
void agentrun_abort(struct agentrun *x);

/*
 * The agent ran and failed (r->status != 0): print why, from its `error` record (its message and
 * hint) or, without one, its exit status and the last words on stderr, naming `what` ("trace") and
 * the pod. Returns the -DPX_* class of the agent's exit status (agentcli.h): 2 -> DPX_USAGE, 3 ->
 * DPX_NODOTNET (DPX_NOTFOUND for a --pid that is not there), 4 -> DPX_FORBIDDEN, others DPX_ERROR.
 */
int agentrun_explain(const struct target_pod *pod, const char *what, const struct agentrun_result *r);

/*
 * The line handler (pure; used by agentrun_run, public for the unit tests): one complete stderr
 * line without its newline (NUL-terminated, may be modified). Returns what it was.
 */
enum agentrun_line {
	AGENTRUN_LINE_TEXT = 0,     /* not ours: kept in the tail (and shown) */
	AGENTRUN_LINE_START,        /* the agent is starting: r->started, r->pid */
	AGENTRUN_LINE_FAIL,         /* the script's check failed: *fail gets WHY, *fail_what WHAT */
	AGENTRUN_LINE_RECORD,       /* an agent record (taken into r when it is trace-end or error) */
	AGENTRUN_LINE_STATUS,       /* kubectl's "command terminated with exit code N": *status */
};
enum agentrun_line agentrun_take_line(char *line, struct agentrun_result *r, int *status,
				      char *fail, size_t failsize, char *fail_what, size_t whatsize);

#endif
