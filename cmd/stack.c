/*
 * stack.c - `kubectl dotnetprof stack`: the managed stacks of every thread (dotnet-stack report).
 * Shared steps: diagverb.c; the stacks go to stdout as the tool prints them.
 */
#include <stdio.h>

#include "diagverb.h"
#include "exitcodes.h"
#include "target.h"
#include "verbs.h"

static const struct cli_group stack_groups[] = {
	{ "Target flags", cli_opts_target },
	{ "Process flags", cli_opts_process },
	{ "Tool flags", cli_opts_tools },
	{ NULL, NULL },
};

const struct cli_help stack_help = {
	.usage = "stack TARGET [-c NAME] [-p PID | --process-name NAME] [FLAGS]",
	.summary = "Print the managed stack of every thread of a .NET process (dotnet-stack).",
	.takes_target = 1,
	.groups = stack_groups,
	.examples = "stack sample-app\n"
		    "stack deploy/api -n prod -p 7",
};

int cmd_stack(int argc, char **argv, struct cli_ctx *ctx)
{
	struct diagverb v;
	struct diagrun_result r;
	const char *args[4];
	char pid[32];
	int rc;

	if (cli_parse(ctx, argc, argv, NULL, NULL) < 0)
		return ctx->exit_code;
	if ((rc = diagverb_begin(&v, ctx, "dotnet-stack", DIAG_DUMP_NONE)) < 0)
		return diagverb_end(&v, dpx_status(rc));
	/* dotnet-stack has no --dport: it finds the socket through TMPDIR (the socket's dir) */
	snprintf(pid, sizeof(pid), "%ld", (long)v.s.proc->pid);
	args[0] = "report";
	args[1] = "-p";
	args[2] = pid;
	args[3] = NULL;
	rc = dpx_status(diagverb_run(&v, args, DIAGRUN_STREAM, 1, &r));
	diagrun_result_release(&r);
	return diagverb_end(&v, rc);
}
