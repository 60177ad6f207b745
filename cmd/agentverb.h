/*
 * agentverb.h - the steps a verb streamed by dotnetprof-agent shares (trace, stack): the run set up
 * probe first, the session opened (diagverb_begin_agent: the resolve and one exec when the agent
 * is in the pod), then the agent's output collected and verified (agenttrace.h).
 */
#ifndef DOTNETPROF_AGENTVERB_H
#define DOTNETPROF_AGENTVERB_H

#include "agentrun.h"
#include "agenttrace.h"
#include "diagverb.h"
#include "workspace.h"

struct agentverb {
	struct agentrun_opts run;
	struct agenttrace_opts ao;
	char spool_run[WS_RUNID_MAX];    /* the trace's copy in the pod (agenttrace.h) */
	char spool_file[320];
};

/*
 * Open v (diagverb_begin_agent) for the agent's `args` (its verb and arguments, no --pid; they must
 * outlive the call only), `what` names it in messages ("trace"). 0 or -DPX_*.
 */
int agentverb_begin(struct diagverb *v, struct cli_ctx *ctx, const char *const *args,
		    const char *what, struct agentverb *av);

/*
 * Run it against the chosen process: into the file `local`, or into memory (NULL). Into a file, the
 * agent also keeps a copy in the pod until the trace is verified here (agentrun.h's spool), so that
 * a run killed or cut off leaves it for `fetch`: at most half the room the probe saw in the
 * workspace's directory (1 GiB at most; 256 MiB when unknown), none under 8 MiB. 0 or -DPX_*.
 */
int agentverb_collect(struct diagverb *v, struct agentverb *av, const char *local,
		      struct agenttrace_result *r);

#endif
