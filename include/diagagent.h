/*
 * diagagent.h - the first half of a diagnostics verb run by dotnetprof-agent (--engine agent): from
 * TARGET to one .NET process, and the agent in its container, in as few execs as possible.
 *
 *   diag_open_agent:  resolve TARGET (target.h) -> the probe, which also reports the agent already in
 *                     a workspace and its SHA-256 (probe.h `agent`; one exec, or, with `go`, the
 *                     first half of the exec that then runs the agent: agentrun.h probe first) ->
 *                     the process (the rules
 *                     of diag.h) -> preflight: diagnostics enabled and the socket reachable by the exec
 *                     user (diag_preflight_access; no shared runtime needed, a socket the probe did not
 *                     find is left to the agent, which also finds a name the runtime cut) -> the agent
 *                     for the pod's architecture (agentbin.h; glibc and musl alike: it is static).
 *                     When the probe found our agent (same SHA-256 as the embedded one) nothing more
 *                     runs: with `go` the exec that probed waits in a->run for agentrun_go (a warm
 *                     trace is the resolve and that one exec); without, the caller starts the
 *                     agent's exec (agentrun.h). Otherwise (a->run NULL: the waiting exec was told
 *                     to stop) the workspace is opened (workspace.h: one exec) and the
 *                     agent pushed from the embedded bytes into tools/dotnetprof-agent (push.h: one
 *                     exec, verified in the pod), and the run's directory removed again (one exec),
 *                     unless t->dump asks for one.
 *   With a dump (t->dump set) the workspace is always opened (runs/RUNID is where the runtime may
 *   write the dump, when the app runs as the exec user) and the free space checked where the dump
 *   goes (diag_agent_dump_dir).
 *
 * What the agent needs from the pod: a POSIX sh, and a writable directory that allows exec for the
 * workspace; no shared .NET runtime, no DOTNET_ROOT, no extraction directory, no disk for a trace.
 *
 * Failure convention (exitcodes.h): 0, or -DPX_* after the message was printed.
 */
#ifndef DOTNETPROF_DIAGAGENT_H
#define DOTNETPROF_DIAGAGENT_H

#include "diag.h"

struct agentbin;
struct agentrun;
struct agentrun_opts;

/* The agent's file name in a workspace's tools/. */
#define DIAG_AGENT_NAME "dotnetprof-agent"

struct diag_agent {
	const struct agentbin *bin;   /* the embedded agent for the pod's architecture */
	char *ws;                     /* the workspace holding tools/DIAG_AGENT_NAME */
	int pushed;                   /* it was pushed in this run */
	unsigned long long pushed_bytes;
	struct agentrun *run;         /* with `go`: the exec that probed, waiting for agentrun_go */
};

/*
 * Open the session (above) into `s` and `a`; release both with diag_agent_close even after a
 * failure (which stops a->run if it is still there). `go` (NULL: a plain probe; not with a dump):
 * the agent's run, probe first (agentrun.h), which must outlive the session. s->ws_open is set
 * only when this run made runs/RUNID (a dump), which diagrun_finish removes at the end.
 */
int diag_open_agent(struct kube *k, const struct diag_target *t, const struct agentrun_opts *go,
		    struct diag_session *s, struct diag_agent *a);
void diag_agent_close(struct diag_session *s, struct diag_agent *a);

/*
 * Where a dump of s->proc goes (as the app sees it, the same view as the exec's: one container):
 * the run's directory when the exec user is the app's user (the runtime writes the dump as the
 * app's user, and the workspace is that user's, mode 0700), so that `clean` knows it if the run is
 * killed; else NULL: the agent's default, the app's TMPDIR (always so from a debug container,
 * whose workspace the app cannot see). *dir gets the directory whose free space counts (the run's
 * directory, or the app's TMPDIR, "/tmp" when unknown).
 */
const char *diag_agent_dump_dir(const struct diag_session *s, const char **dir);

#endif
