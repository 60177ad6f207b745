/*
 * agentverb.c - a verb streamed by dotnetprof-agent: open, then collect (agentverb.h).
 */
#include "agentverb.h"

#include <string.h>

#include "agentbin.h"

int agentverb_begin(struct diagverb *v, struct cli_ctx *ctx, const char *const *args,
		    const char *what, struct agentverb *av)
{
	memset(av, 0, sizeof(*av));
	av->run.probe_first = 1;
	av->run.name = DIAG_AGENT_NAME;
	av->run.args = args;
	av->run.stdin_pipe = 1;
	av->run.quiet = ctx->verbosity < 0;
	av->run.what = what;
	return diagverb_begin_agent(v, ctx, DIAG_DUMP_NONE, &av->run);
}

int agentverb_collect(struct diagverb *v, struct agentverb *av, const char *local,
		      struct agenttrace_result *r)
{
	av->ao.run = &av->run;
	av->ao.started = &v->a.run;
	av->ao.ws = v->a.ws;
	av->ao.sha256 = v->a.bin->sha256;
	av->ao.pid = (long)v->s.proc->pid;
	av->ao.local = local;
	av->ao.force = v->ctx->common.force;
	return agenttrace_collect(&v->ctx->kube, v->s.pod, &av->ao, r);
}
