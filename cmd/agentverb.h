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

struct agentverb {
	struct agentrun_opts run;
	struct agenttrace_opts ao;
};

/*
 * Open v (diagverb_begin_agent) for the agent's `args` (its verb and arguments, no --pid; they must
 * outlive the call only), `what` names it in messages ("trace"). 0 or -DPX_*.
 */
int agentverb_begin(struct diagverb *v, struct cli_ctx *ctx, const char *const *args,
		    const char *what, struct agentverb *av);

/* Run it against the chosen process: into the file `local`, or into memory (NULL). 0 or -DPX_*. */
int agentverb_collect(struct diagverb *v, struct agentverb *av, const char *local,
		      struct agenttrace_result *r);

#endif
