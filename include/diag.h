/*
 * diag.h - the first half of every diagnostics verb: from TARGET to one .NET process we may profile,
 * checked before anything is uploaded, and this run's workspace in its container.
 *
 *   diag_open:  resolve TARGET (target.h) -> one Running pod -> its container (-c) -> the probe
 *               (one exec, probe.h) -> the process (-p / --process-name, else the only one) ->
 *               preflight (below) -> workspace_open(need_exec 1) (workspace.h).
 *   diag_close: releases everything (the run's directory is removed by diagrun_finish).
 *
 * Process choice (diag_pick_process), among the processes that are not our own tools (a running
 * dotnet-counters is a .NET process too): -p PID must be one of the probe's .NET processes; --process-name
 * NAME matches a process whose comm is NAME, or whose argv[0]'s basename is NAME, or whose first
 * argument ending in ".dll" has NAME as its basename with or without ".dll" ("dotnet /app/Api.dll"
 * matches dotnet, Api and Api.dll). Neither given: the only process. Several and none chosen, or a
 * name that matches several: DPX_AMBIGUOUS with the list (pid, name, command line) and the flags to use.
 *
 * Preflight (diag_preflight, pure), for the chosen process, in this order:
 *   1. a shared runtime: runtime_version set. Self-contained (libcoreclr.so from the app's directory)
 *      or single-file/NativeAOT (none mapped) apps cannot run the framework-dependent tools from the
 *      pod: DPX_NODOTNET, explaining the case and what to do (a framework-dependent build, or a debug
 *      container with the SDK).
 *   2. the runtime is >= 8 (the tools' minimum; they roll forward to newer majors): DPX_NODOTNET.
 *   2b. the runtime may be loaded as the exec user (diag_runtime_safe): DPX_FORBIDDEN otherwise.
 *   3. diagnostics enabled (DOTNET_EnableDiagnostics=0 turns the IPC socket off; only a restart
 *      without it helps): DPX_NODOTNET.
 *   4. the exec user can reach the socket (same uid, or root): DPX_FORBIDDEN otherwise, naming the
 *      app's user and how to exec as it; no socket found: DPX_NODOTNET (the runtime may still be
 *      starting; TMPDIR differences are handled by the probe).
 *   4b. the socket is owned by the process's uid (diag_socket_safe): DPX_FORBIDDEN otherwise.
 *   5. a directory that is writable and allows exec exists (workspace_candidates): DPX_ERROR with the
 *      noexec/read-only explanation.
 *   6. for a dump: free space in the workspace's directory >= diag_dump_estimate(): DPX_NOSPACE
 *      unless --force (then a warning).
 *
 * Failure convention (exitcodes.h): 0, or -DPX_* after the message was printed.
 */
#ifndef DOTNETPROF_DIAG_H
#define DOTNETPROF_DIAG_H

#include <stddef.h>
#include <stdint.h>

#include "debugctr.h"
#include "debugrun.h"
#include "probe.h"
#include "target.h"
#include "workspace.h"

struct kube;

enum diag_dump_type { DIAG_DUMP_NONE = 0, DIAG_DUMP_FULL, DIAG_DUMP_HEAP, DIAG_DUMP_MINI,
		      DIAG_DUMP_TRIAGE };

struct diag_target {
	const struct target_spec *spec;
	const char *container;      /* -c; NULL: default */
	long long pid;              /* -p; 0: not given */
	const char *process_name;   /* --process-name; NULL: not given */
	enum diag_dump_type dump;   /* the free-space check of preflight step 6; NONE: skipped */
	const char *tool;           /* "dotnet-trace": the workspace's open exec also reports the pod's
	                               copy (tools/TOOL), so that reusing it costs no exec; may be NULL */
	int force;                  /* --force: a space shortfall is a warning */
	enum debugctr_mode debug;   /* when to go through an ephemeral debug container
				       (diagdebug.h; Microsoft's tools only with an image that
				       has the .NET runtime) */
	const char *debug_image;    /* --debug-image; NULL: debugrun_image()'s */
	enum debugsec_profile debug_profile; /* --debug-profile */
};

struct diag_session {
	struct target_set set;
	struct target_pod *pod;         /* into set; pod->container chosen */
	struct probe probe;
	const struct probe_proc *proc;  /* the chosen process, into probe */
	char rid[32];                   /* "linux-x64" */
	char *dotnet_root;              /* runtime_dir three levels up: DOTNET_ROOT for the tools */
	char *socket_dir;               /* the directory of proc->socket (TMPDIR for dotnet-stack) */
	struct workspace ws;
	int ws_open;
	int via_debug;                  /* execs go to an ephemeral debug container (diagdebug.h):
					   pod is then dbg.view, and app the app's pod */
	struct debugrun dbg;
	struct target_pod *app;
};

/* Problems the pure checks report: ready to print. */
struct diag_problem {
	int code;                      /* DPX_* */
	char msg[768];
	char hint[768];
};

/*
 * Choose the process (rules above). Returns the index into pr->procs, or -1 with `pb` filled
 * (DPX_NODOTNET: no process; DPX_NOTFOUND: no such pid / name, listing the ones there are;
 * DPX_AMBIGUOUS: several).
 */
long diag_pick_process(const struct probe *pr, long long pid, const char *name,
		       struct diag_problem *pb);

/*
 * 1 when `proc` is one of our own tools (its argv[0] lies in a workspace's tools/: single-file .NET
 * tools have a diagnostics socket too). Such processes are never chosen nor listed as choices.
 */
int diag_proc_is_ours(const struct probe_proc *proc);

/* 1 when `proc` answers to --process-name `name` (rules above). */
int diag_name_matches(const struct probe_proc *proc, const char *name);

/* Preflight steps 1-4 for `proc`. 0 when fine, -1 with `pb` filled. */
int diag_preflight(const struct probe *pr, const struct probe_proc *proc, struct diag_problem *pb);

/*
 * Preflight step 2b: may the tools load the runtime of `proc` as the exec user? Every directory
 * from / down to its runtime dir, and under its DOTNET_ROOT what the tools' host loads (host,
 * host/fxr and their entries, shared/Microsoft.NETCore.App's versions and the files in them), as
 * the probe's perm/permdir records show them, must be owned by root or the exec user and not
 * writable by group or others (perm.h; a sticky directory above DOTNET_ROOT passes). A path with no
 * record (no ls in the pod) is not trusted. 0, or -1 with `pb` (DPX_FORBIDDEN: the path, its owner
 * or mode, and the fix).
 */
int diag_runtime_safe(const struct probe *pr, const struct probe_proc *proc,
		      struct diag_problem *pb);

/*
 * Preflight step 4b: is the diagnostics socket of `proc` owned by the process's uid? A socket of
 * another uid was put there by someone else (a TMPDIR others may write): the tool would talk to
 * them. No record (no ls): not trusted. 0 (also when there is no socket), or -1 with `pb`
 * (DPX_FORBIDDEN).
 */
int diag_socket_safe(const struct probe *pr, const struct probe_proc *proc, struct diag_problem *pb);

/*
 * Steps 3 and 4 alone (what a run of dotnetprof-agent needs: no shared runtime); without
 * `need_socket` a socket the probe did not find is no problem (the agent finds a name the runtime
 * cut, diagagent.h). 0 when fine, -1 with `pb` filled.
 */
int diag_preflight_access(const struct probe *pr, const struct probe_proc *proc, int need_socket,
			  struct diag_problem *pb);

/*
 * Bytes a dump of `type` of a process with `rss_kb` resident memory needs (an estimate, with margin):
 * full and heap RSS + 25 %, mini and triage 64 MiB. rss_kb < 0: 0 (unknown: no check).
 */
uint64_t diag_dump_estimate(enum diag_dump_type type, long long rss_kb);

/* Free space (KiB) the probe saw in the directory that holds the workspace `ws_path`; -1 unknown. */
long long diag_ws_free_kb(const struct diag_session *s, const char *ws_path);

/*
 * 1 when a tool's output says it ran out of space ("No space left on device", as createdump and .NET
 * print ENOSPC, or a quota): the verb then fails with DPX_NOSPACE, not as a tool failure.
 */
int diag_out_of_space(const char *text);

/*
 * "full", "heap", "mini", "triage" -> type; -1 for anything else. And back: as written ("full"),
 * and as dotnet-dump takes it ("Full"); NULL for DIAG_DUMP_NONE.
 */
int diag_dump_type_parse(const char *s, enum diag_dump_type *out);
const char *diag_dump_type_name(enum diag_dump_type t);
const char *diag_dump_type_tool_name(enum diag_dump_type t);

/* DOTNET_ROOT from a runtime dir ".../shared/Microsoft.NETCore.App/X.Y.Z": newly allocated, or NULL. */
char *diag_dotnet_root(const char *runtime_dir);

/*
 * Run the probe in pod->container (chosen) and parse it into `pr` (initialised here), `rid` filled
 * ("" when the platform is unknown). 0 or -DPX_* (message printed). An exec whose status kubectl
 * lost (target.h) is run once more, unless pod->lost is set: then that caller does it.
 */
int diag_probe_run(struct kube *k, const struct target_pod *pod, struct probe *pr, char *rid,
		   size_t ridsize);

/* diag_probe_run, and at least one .NET process is required (DPX_NODOTNET otherwise). Used by ps. */
int diag_probe_pod(struct kube *k, const struct target_pod *pod, struct probe *pr, char *rid,
		   size_t ridsize);

/*
 * The probe's output `out` (len bytes; the script's exit status and stderr text) into `pr`
 * (initialised here) and `rid`, as diag_probe_run reads it, for a caller that ran the probe itself
 * (agentrun.h: probe first). 0 or -DPX_ERROR (message printed).
 */
int diag_probe_take(const struct target_pod *pod, int status, const char *errtext, const char *out,
		    size_t len, struct probe *pr, char *rid, size_t ridsize);

/* At least one .NET process in the probe: else DPX_NODOTNET, with the message diag_probe_pod prints. */
int diag_probe_require(const struct target_pod *pod, const struct probe *pr, const char *rid);

/* The same, the probe also looking for the agent's file `agent` (probe.h: the `agent` record). */
int diag_probe_run_agent(struct kube *k, const struct target_pod *pod, const char *agent,
			 struct probe *pr, char *rid, size_t ridsize);
int diag_probe_pod_agent(struct kube *k, const struct target_pod *pod, const char *agent,
			 struct probe *pr, char *rid, size_t ridsize);

/*
 * Preflight step 6 for a dump written in `dir` of the pod (is_ws: `dir` is a workspace, and the
 * free space is that of the directory holding it): DPX_NOSPACE (message printed) when the probe
 * saw less free space there than diag_dump_estimate() of t->dump (a warning with t->force).
 * Unknown free space is no problem. 0 or -DPX_NOSPACE.
 */
int diag_check_dump_space(const struct diag_target *t, const struct diag_session *s,
			  const char *dir, int is_ws);

/* The whole first half (above). `s` is filled; release it with diag_close even after a failure. */
int diag_open(struct kube *k, const struct diag_target *t, struct diag_session *s);
void diag_close(struct diag_session *s);

/*
 * The last non-empty line of `text` (a remote script's or tool's stderr) that is not kubectl's
 * "command terminated with exit code N", cut at 300 bytes, into `buf` ("" when there is none).
 */
void diag_last_line(const char *text, char *buf, size_t bufsize);

/* Print a problem through log.h (error, then hint). Returns -pb->code. */
int diag_fail(const struct diag_problem *pb);

#endif
