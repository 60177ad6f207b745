/*
 * diagrun.h - run a diagnostics tool in the pod's workspace, stream its output, stop it on Ctrl-C.
 *
 *   kubectl exec [-i -t] POD -c C -- sh -c "$diagrun_sh" dotnetprof WS RUNID NAME \
 *       DOTNET_ROOT TMPDIR ALINE TOOL ARGS...
 *
 * The remote script (src/diagrun.sh) checks the workspace (ws_check), creates runs/RUNID/extract,
 * exports DOTNET_ROOT (when non-empty), DOTNET_BUNDLE_EXTRACT_BASE_DIR=runs/RUNID/extract, TMPDIR
 * (when non-empty: dotnet-stack finds the socket through it), HOME=runs/RUNID when HOME is unset or
 * not writable, DOTNET_CLI_TELEMETRY_OPTOUT=1 and DOTNET_NOLOGO=1; writes its own pid ($$) into
 * runs/RUNID/NAME.pid, appends ALINE (the manifest line of o->artifact, kind "artifact": the file
 * stays recorded as uncollected until diagrun_finish says it was copied) to the manifest, cd's into
 * runs/RUNID and `exec`s TOOL (an absolute path under WS) with ARGS:
 * the tool keeps the pid, runs in the foreground of the exec (so SIGINT is not ignored), and
 * `clean` can find and stop it (workspace.h, pid files). Just before the exec, when its stderr is not
 * a terminal, it prints "dotnetprof-diagrun<TAB>start" on stderr: that line tells a failed exec
 * (kubectl's words only) from a tool that ran and failed. A setup failure prints
 * "dotnetprof-diagrun<TAB>fail<TAB>WHY" and exits 125. Both lines are filtered out (below).
 * Note: dotnet-trace collect refuses -p together with --dport: pass only --dport.
 *
 * Ctrl-C (DIAGRUN_STREAM and DIAGRUN_CAPTURE): kubectl runs in its own process group, so the terminal's
 * SIGINT reaches only us. interrupt_pending() (interrupt.h; SIGINT, SIGTERM or SIGHUP) is polled; a
 * signal is handled here (interrupt_handled), and a second exec (src/diagkill.sh: WS RUNID NAME SIGNAL; checks pid_ours) sends SIGINT to the tool, which
 * finalises its file (dotnet-trace, dotnet-counters collect) and exits; we keep reading its output
 * and wait up to o->grace_seconds. A second Ctrl-C, or the grace time running out, sends SIGTERM the
 * same way; a third, or 5 s more, kills the local kubectl (SIGTERM, then SIGKILL after 2 s).
 * r->interrupted says how far it went: 1 the tool was asked to finish (SIGINT), 2 or more it was
 * stopped at once. A Ctrl-C that comes before the tool is there (no pid
 * file yet, or it still names the shell) is waited for by diagkill.sh (~2 s) and then tried again
 * every second. While a diagkill exec runs (~0.5-1 s), the tool's output waits in the pipe.
 * Measured on the stand-in cluster: SIGINT to the driver 3 s into a 60 s dotnet-trace collect,
 * "Trace completed." and diagrun_run back 0.9-1.2 s later, the file a valid nettrace.
 * DIAGRUN_TTY (counters monitor on a terminal): `kubectl exec -i -t`, stdin/stdout/stderr inherited
 * (so the tool's screen reaches the terminal unfiltered, as with `kubectl exec -t`: that is the
 * pushed, verified tool drawing its view):
 * kubectl forwards window resizes and the terminal's Ctrl-C travels as a byte to the pod's tty, where
 * it interrupts the tool; we ignore SIGINT while kubectl runs (r->interrupted stays 0: the byte is
 * not seen here). kubectl's own stderr is still a pipe: shown at the end when the tool ran, used
 * for the message when the exec failed. A SIGTERM to us is forwarded as in the other modes.
 *
 * Output: DIAGRUN_STREAM copies the tool's stdout to o->stdout_fd (1, 2, or -1 to drop it) as it
 * comes (through the stream filter of sanitize.h when that is 2, or a terminal: printable text only,
 * no escape sequences; a file or pipe on 1 gets the bytes as they are), and its stderr to our stderr (log_stream(), always through that filter: the
 * tool prints names and paths that came from the pod; dropped with o->quiet), keeping the last
 * DIAGRUN_ERR_TAIL bytes for messages; kubectl's own "command terminated with exit code N" line is
 * not shown (N is the status). Stderr before the start line (kubectl's warnings) is held back and
 * shown once the tool starts; when it never starts, kube_fail() words it instead.
 * DIAGRUN_CAPTURE keeps stdout in r->out (up to 64 MiB, the rest dropped) and the stderr tail; it
 * shows nothing.
 *
 * Failure convention (exitcodes.h): -DPX_* means the exec itself failed (message printed: no shell,
 * forbidden, not running, kubectl missing); 0 means the tool ran: its exit status is in r->status
 * (the caller words a failure from r->err_tail).
 */
#ifndef DOTNETPROF_DIAGRUN_H
#define DOTNETPROF_DIAGRUN_H

#include <stddef.h>

struct kube;
struct target_pod;
struct workspace;

#define DIAGRUN_ERR_TAIL 8192

enum diagrun_io { DIAGRUN_STREAM = 0, DIAGRUN_CAPTURE, DIAGRUN_TTY };

struct diagrun_opts {
	const char *tool_path;     /* absolute path in the pod (provision_result.remote_path) */
	const char *name;          /* "dotnet-trace": the pid file is runs/RUNID/NAME.pid */
	const char *dotnet_root;   /* DOTNET_ROOT for the tool; NULL or "": left unset */
	const char *tmpdir;        /* TMPDIR for the tool; NULL or "": left as the exec has it */
	const char *const *args;   /* the tool's arguments, NULL-terminated (may be NULL) */
	enum diagrun_io io;
	int stdout_fd;             /* DIAGRUN_STREAM: 1, 2, or -1 (dropped) */
	int quiet;                 /* drop the tool's stderr too (still kept in err_tail) */
	int grace_seconds;         /* after forwarding SIGINT; 0: 30 */
	const char *artifact;      /* the file the tool writes, relative to the workspace (in this run's
				      directory), recorded as uncollected until diagrun_finish says it was
				      copied; NULL: none */
};

struct diagrun_result {
	int status;                /* the tool's exit status (128+N: killed by signal N), -1 unknown */
	int interrupted;           /* 1: SIGINT forwarded (graceful); 2+: stopped at once (see above) */
	char *out;                 /* DIAGRUN_CAPTURE: stdout, NUL-terminated; free() */
	size_t out_len;
	char err_tail[DIAGRUN_ERR_TAIL]; /* last bytes of the tool's stderr (NUL-terminated) */
	double seconds;            /* wall time of the exec */
};

/*
 * Run the tool as described above. The remote script's own failures (workspace not ours, run
 * directory or tool missing) are -DPX_ERROR too, with the script's reason; in DIAGRUN_TTY mode they
 * are shown on the terminal by the script and come back as status 125. When a signal is pending on
 * entry, nothing runs: interrupt_status(). When the tool would
 * not stop and the local kubectl was killed, r->status is -1 (the tool may still run:
 * diagrun_finish kills it). DIAGRUN_TTY needs a terminal on stdin (else -DPX_USAGE); kubectl's
 * own stderr is still read (to tell its failures from the tool's).
 */
int diagrun_run(struct kube *k, const struct target_pod *pod, const struct workspace *ws,
		const struct diagrun_opts *o, struct diagrun_result *r);
void diagrun_result_release(struct diagrun_result *r);

/*
 * Send `sig` ("INT", "TERM", "KILL") to the tool whose pid file is runs/RUNID/NAME.pid, if it still
 * runs and is ours (one exec of diagkill.sh; waits ~2 s for a tool that is just starting). 0 when
 * sent or already gone (also: no pid file, or a pid that is no longer the tool), -DPX_* when the
 * exec failed or the workspace refused it (message printed).
 */
int diagrun_signal(struct kube *k, const struct target_pod *pod, const struct workspace *ws,
		   const char *name, const char *sig);

/*
 * End of a run (one exec): remove runs/RUNID and everything in it, except the paths in `keep`
 * (relative to the workspace, e.g. "runs/RUNID/trace.nettrace"; NULL-terminated list, may be NULL),
 * which stay with their directory (and their manifest lines) for a later fetch/clean; `collected`
 * says they were copied out (--keep: their "artifact" lines become "kept", which clean removes),
 * else they stay uncollected; a path in `keep` the run never wrote (a dump that failed) keeps
 * nothing. *kept (may be NULL) receives how many of them were there to keep.
 * Best effort: a failure is a warning (log_warn) naming `kubectl dotnetprof clean`, and returns -1.
 * (src/pod/diagfinish.sh: WS RUNID COLLECTED KEEP...). A tool of the run that still runs (pid
 * file, pid_ours) is killed first (SIGKILL: the run is over). The manifest is rewritten without this
 * run's lines whose path is gone (only if no other run appended a line meanwhile; else they stay,
 * and clean reports them as gone).
 */
int diagrun_finish(struct kube *k, const struct target_pod *pod, const struct workspace *ws,
		   const char *const *keep, int collected, int *kept);

/*
 * The stderr filter (pure; used by diagrun_run, public for the unit tests). It passes bytes through
 * as they come, except that it holds back the start of a line while that line may still be one of
 * the marker lines, which it removes:
 *   dotnetprof-diagrun<TAB>start        the script is about to exec the tool (the exec worked)
 *   dotnetprof-diagrun<TAB>fail<TAB>WHY  the script failed before running anything (WHY escaped)
 *   dotnetprof-diagrun<TAB>...           any other record of ours
 *   command terminated with exit code N  kubectl: the remote command's status
 * A marker glued to the end of a line without a newline is not recognised (it is shown as it is).
 */
#define DIAGRUN_FILTER_HELD 1024

struct diagrun_errfilter {
	char held[DIAGRUN_FILTER_HELD]; /* the line's start, held while it may be a marker */
	size_t held_len;
	int holding;      /* 1 while the current line may still be a marker (1 at a line start) */
	int ours;         /* the held line is a record of ours (dropped, however long) */
	int started;      /* "start" was seen */
	size_t start_off; /* where in the output of the feed that saw "start" it was */
	int remote_status; /* N of kubectl's "command terminated with exit code N"; -1 none */
	char fail[512];   /* WHY of a "fail" record (unescaped, maybe truncated); "" none */
};

/* What feed/end may write beyond the `n` input bytes: the held line and its newline. */
#define DIAGRUN_FILTER_SLACK (DIAGRUN_FILTER_HELD + 1)

void diagrun_errfilter_init(struct diagrun_errfilter *f);

/*
 * Feed `n` bytes of stderr; writes the bytes to show into `out` (room for n + DIAGRUN_FILTER_SLACK)
 * and returns their number.
 */
size_t diagrun_errfilter_feed(struct diagrun_errfilter *f, const char *in, size_t n, char *out);

/* At the end of the stream: the held bytes of an unfinished line that is not ours, into `out`. */
size_t diagrun_errfilter_end(struct diagrun_errfilter *f, char *out);

#endif
