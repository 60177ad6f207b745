/*
 * diagverb.h - the steps every diagnostics verb (trace, counters, dump, gcdump, stack) shares, so
 * that each verb file only says which tool it runs with which arguments and what it copies back:
 *
 *   diagverb_begin   -o checked (an existing file without --force stops here) -> TARGET ->
 *                    process -> preflight -> workspace (diag.h) -> the tool in the pod
 *                    (provision.h: --download, --tools-url, --refresh)
 *   diagverb_artifact  the artifact's names in the pod and here
 *   diagverb_run     the tool in the pod with DOTNET_ROOT and the extract dir set (diagrun.h),
 *                    Ctrl-C forwarded to it
 *   diagverb_fetch   the artifact copied here, verified (pull.h), and removed from the pod with
 *                    the run's directory unless --keep
 *   diagverb_end     the run's directory removed from the pod (only the tools and the manifest stay),
 *                    everything released
 *
 * Failure convention (exitcodes.h): 0, or -DPX_* after the message was printed.
 */
#ifndef DOTNETPROF_DIAGVERB_H
#define DOTNETPROF_DIAGVERB_H

#include "cli.h"
#include "diag.h"
#include "diagagent.h"
#include "diagrun.h"
#include "provision.h"
#include "target.h"
#include "pull.h"

struct diagverb {
	struct cli_ctx *ctx;
	const char *tool;              /* "dotnet-trace" */
	struct target_spec spec;
	int have_spec;
	struct diag_session s;
	int opened;
	struct provision_result prov;
	char *artifact_rel;            /* "runs/RUNID/NAME": what diagverb_fetch copies, or NULL */
	char *artifact_abs;            /* the same, absolute in the pod */
	char *fetch_abs;               /* what diagverb_fetch copies (absolute in the pod) */
	char *local;                   /* where it lands here */
	int run_started;               /* the tool was started (its artifact may exist) */
	int copy_started;              /* diagverb_fetch began the copy */
	int copy_hinted;               /* the copy failed and its hint gave the fetch command */
	int fetched;                   /* the artifact is verified here (so the pod copy may go) */
	int agent;                     /* --engine agent: diag_open_agent opened s, into `a` */
	struct diag_agent a;
};

/*
 * A tool (`who`: "dotnet-dump", "the runtime") ran out of space in the pod while writing in `dir`:
 * said so, with the room the probe saw there and the fixes. Returns -DPX_NOSPACE.
 */
int diagverb_out_of_space(const struct diagverb *v, const char *who, const char *dir);

/*
 * The engine of a verb that has both: --engine, else $DOTNETPROF_ENGINE, else the tools when
 * --tools-url or --download was given (flags about them), else agent. 1 for the
 * agent, 0 for the tools, -1 after a usage error (a bad $DOTNETPROF_ENGINE; ctx->exit_code set).
 */
int diagverb_engine_agent(struct cli_ctx *ctx);

/*
 * The debug container settings of the command line into t: --debug-container or
 * --no-debug-container, else $DOTNETPROF_DEBUG_CONTAINER (auto|always|never), else auto; the
 * image and profile. 0, or -1 after a usage error (a bad variable; ctx->exit_code set).
 */
int diagverb_debug(struct cli_ctx *ctx, struct diag_target *t);

/*
 * Parse TARGET (cli_target), open the session and provision `tool` ("dotnet-trace"). `dump`: the
 * free-space check for a dump (DIAG_DUMP_NONE otherwise). 0 or -DPX_*.
 */
int diagverb_begin(struct diagverb *v, struct cli_ctx *ctx, const char *tool,
		   enum diag_dump_type dump);

/*
 * The same for a run of dotnetprof-agent (diagagent.h: diag_open_agent, which pushes the agent
 * when the pod lacks it; `go`: the run, probe first, left in v->a.run when the agent was there);
 * v->agent is set and v->a says where the agent is. 0 or -DPX_*.
 */
int diagverb_begin_agent(struct diagverb *v, struct cli_ctx *ctx, enum diag_dump_type dump,
			 const struct agentrun_opts *go);

/*
 * Where a file named `name` lands here (v->local): -o (a file, or an existing directory / one
 * ending in '/'), else the current directory; an existing file without --force is DPX_EXISTS now,
 * before anything runs in the pod; -o's directory is created when it ends in '/'. 0 or -DPX_*.
 */
int diagverb_local(struct diagverb *v, const char *name);

/* "PREFIX<pod>_<local time>EXT" into buf (the default name of what a run writes). */
void diagverb_default_name(const struct diagverb *v, const char *prefix, const char *ext, char *buf,
			   size_t size);

/*
 * Name this run's artifact and where it lands here. In the pod: runs/RUNID/PREFIX<pod>_<local
 * time>EXT (v->artifact_rel, v->artifact_abs: what the tool writes). What is copied here
 * (v->fetch_abs) is the same file, or with `fetch_ext` instead of EXT when the tool writes a
 * converted file beside it (dotnet-trace --format). Here (v->local): -o (a file, or an existing
 * directory / one ending in '/'), else the current directory, with the copied file's name; an
 * existing file without --force is DPX_EXISTS now, before the tool runs. 0 or -DPX_*.
 */
int diagverb_artifact(struct diagverb *v, const char *prefix, const char *ext, const char *fetch_ext);

/* The tools' --dport value "SOCKET,connect": its buffer size (diagverb_begin checks it fits). */
#define DIAGVERB_DPORT_MAX 4200

/* "SOCKET,connect" for the tools' --dport, into buf (DIAGVERB_DPORT_MAX bytes); returns buf. */
const char *diagverb_dport(const struct diagverb *v, char *buf, size_t size);

/*
 * Run the tool with `args`; STREAM output goes to `stdout_fd` (-1: dropped; -q drops the tool's
 * stderr too). 0 when the tool exited 0 (or 130 after Ctrl-C ended a live view: no artifact named);
 * -DPX_ERROR otherwise with the error printed (the tool's last words, exit status), or the exec's
 * failure. r->interrupted says Ctrl-C was forwarded. Release r with
 * diagrun_result_release.
 */
int diagverb_run(struct diagverb *v, const char *const *args, enum diagrun_io io, int stdout_fd,
		 struct diagrun_result *r);

/*
 * Copy v->fetch_abs to v->local (mode 0600, as every copy out of a pod), verified; print nothing. On
 * failure the hint says how to fetch it later (it stays in the pod). 0 or -DPX_*.
 */
int diagverb_fetch(struct diagverb *v, struct pull_result *r);

/* One summary line on stdout: "LOCAL: SIZE (N bytes), sha256 HEX, N.NN s". */
void diagverb_print_saved(struct diagverb *v, const struct pull_result *r);

/*
 * Remove this run's directory from the pod (keeping the artifact with --keep, and always when it
 * was not fetched: nothing is deleted from a pod before it is safely copied), then release
 * everything. Returns `rc` (the verb's exit code) for convenience.
 */
int diagverb_end(struct diagverb *v, int rc);

#endif
