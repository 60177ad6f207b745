/*
 * agentverb.c - a verb streamed by dotnetprof-agent: open, then collect (agentverb.h).
 */
#include "agentverb.h"

#include <stdio.h>
#include <string.h>

#include "agentbin.h"
#include "log.h"

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

#define SPOOL_CAP (1ull << 30)
#define SPOOL_UNKNOWN (256ull << 20)
#define SPOOL_MIN (8ull << 20)

/* The copy in the pod: its run id, file name and bound; 0 when there is to be none. */
static int plan_spool(struct diagverb *v, struct agentverb *av, const char *local)
{
	long long free_kb = diag_ws_free_kb(&v->s, v->a.ws);
	unsigned long long max = free_kb < 0 ? SPOOL_UNKNOWN : (unsigned long long)free_kb * 512u;
	const char *base = strrchr(local, '/') ? strrchr(local, '/') + 1 : local;
	char name[sizeof(av->spool_file)];

	if (max > SPOOL_CAP)
		max = SPOOL_CAP;
	if (max < SPOOL_MIN) {
		log_verbose("no copy of the trace in the pod: %lld KiB free in %s", free_kb, v->a.ws);
		return 0;
	}
	if (workspace_new_runid(av->spool_run, sizeof(av->spool_run)) < 0)
		return 0;
	/* the pod's script takes [0-9A-Za-z._-] only: other bytes of the local name become '_' */
	snprintf(name, sizeof(name), "%s", base[0] && base[0] != '.' ? base : "trace.nettrace");
	for (char *p = name; *p; p++)
		if (!strchr("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._-", *p))
			*p = '_';
	snprintf(av->spool_file, sizeof(av->spool_file), "%s", name);
	av->ao.spool_run = av->spool_run;
	av->ao.spool_file = av->spool_file;
	av->ao.spool_max = max;
	log_verbose("a copy of the trace stays in %s/runs/%s/%s until it is verified here (at most "
		    "%llu MiB)", v->a.ws, av->spool_run, av->spool_file, max >> 20);
	return 1;
}

int agentverb_collect(struct diagverb *v, struct agentverb *av, const char *local,
		      struct agenttrace_result *r)
{
	if (local)
		plan_spool(v, av, local);
	av->ao.run = &av->run;
	av->ao.started = &v->a.run;
	av->ao.ws = v->a.ws;
	av->ao.sha256 = v->a.bin->sha256;
	av->ao.pid = (long)v->s.proc->pid;
	av->ao.local = local;
	av->ao.force = v->ctx->common.force;
	return agenttrace_collect(&v->ctx->kube, v->s.pod, &av->ao, r);
}
