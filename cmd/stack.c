/*
 * stack.c - `kubectl dotnetprof stack`: the managed stacks of every thread, as dotnet-stack report
 * prints them. --engine agent: dotnetprof-agent takes a short sampling session (with the rundown that
 * names the methods) and streams it here, where the reader renders it (render_stacks); --engine
 * tools: dotnet-stack report in the pod. Shared steps: diagverb.c; the stacks go to stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentverb.h"
#include "exitcodes.h"
#include "log.h"
#include "profile.h"
#include "render.h"
#include "target.h"
#include "verbs.h"

static const struct cli_group stack_groups[] = {
	{ "Target flags", cli_opts_target },
	{ "Process flags", cli_opts_process },
	{ "Engine flags", cli_opts_engine },
	{ "Debug container flags", cli_opts_debug },
	{ "Tool flags", cli_opts_tools },
	{ NULL, NULL },
};

const struct cli_help stack_help = {
	.usage = "stack TARGET [-c NAME] [-p PID | --process-name NAME] [FLAGS]",
	.summary = "Print the managed stack of every thread of a .NET process (as dotnet-stack).",
	.description =
		"Samples every managed thread once (a 10 ms session with the method names) and prints\n"
		"each thread's stack in dotnet-stack report's layout: \"Thread (0xTID):\", then its\n"
		"frames innermost first, topped by CPU_TIME (running managed code) or [Native Frames].\n"
		"Nothing is written in the pod or copied here.\n",
	.takes_target = 1,
	.groups = stack_groups,
	.examples = "stack sample-app\n"
		    "stack deploy/api -n prod -p 7",
};

/* dotnet-stack report in the pod. 0 or -DPX_*. */
static int stack_tools(struct diagverb *v, struct cli_ctx *ctx)
{
	struct diagrun_result r;
	const char *args[4];
	char pid[32];
	int rc;

	if ((rc = diagverb_begin(v, ctx, "dotnet-stack", DIAG_DUMP_NONE)) < 0)
		return rc;
	/* dotnet-stack has no --dport: it finds the socket through TMPDIR (the socket's dir) */
	snprintf(pid, sizeof(pid), "%ld", (long)v->s.proc->pid);
	args[0] = "report";
	args[1] = "-p";
	args[2] = pid;
	args[3] = NULL;
	rc = diagverb_run(v, args, DIAGRUN_STREAM, 1, &r);
	diagrun_result_release(&r);
	return rc;
}

/* The stacks of the trace in memory, printed. 0 or -DPX_*. */
static int print_stacks(struct cli_ctx *ctx, const struct agenttrace_result *r)
{
	struct profile_options po = { 1 };
	struct nettrace_result res;
	struct profile *p = NULL;
	int rc = 0;

	if (profile_read_mem(r->data, r->bytes, &po, &p, &res) < 0) {
		log_error("cannot read the stacks' trace: %s", res.message[0] ? res.message :
			  nettrace_status_name(res.status));
		return -DPX_ERROR;
	}
	if (!p->samples) {
		log_error("the sampling session caught no thread's stack (%.1f ms of trace)", p->end_ms);
		log_hint("the process may be too busy or the machine too loaded for 10 ms: try again");
		profile_free(p);
		return -DPX_ERROR;
	}
	if (render_stacks(ctx->out, p, NULL) < 0) {
		log_error("cannot print the stacks: out of memory");
		rc = -DPX_ERROR;
	}
	profile_free(p);
	return rc;
}

/* dotnetprof-agent samples the threads; the reader renders them here. 0 or -DPX_*. */
static int stack_agent(struct diagverb *v, struct cli_ctx *ctx)
{
	const char *const args[] = { "stack", NULL };
	struct agentverb av;
	struct agenttrace_result r;
	int rc;

	if ((rc = agentverb_begin(v, ctx, args, "stack", &av)) < 0 ||
	    (rc = agentverb_collect(v, &av, NULL, &r)) < 0)
		return rc;
	log_verbose("the stacks' session: %llu bytes in %.2f s", (unsigned long long)r.bytes, r.seconds);
	rc = print_stacks(ctx, &r);
	free(r.data);
	return rc;
}

int cmd_stack(int argc, char **argv, struct cli_ctx *ctx)
{
	struct diagverb v;
	int agent, rc;

	memset(&v, 0, sizeof(v));
	if (cli_parse(ctx, argc, argv, NULL, NULL) < 0)
		return ctx->exit_code;
	if ((agent = diagverb_engine_agent(ctx)) < 0)
		return ctx->exit_code;
	rc = agent ? stack_agent(&v, ctx) : stack_tools(&v, ctx);
	return diagverb_end(&v, dpx_status(rc));
}
