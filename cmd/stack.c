/*
 * stack.c - `kubectl dotnetprof stack`: the managed stacks of every thread (dotnet-stack report).
 * Flags and help complete; engine in a later issue.
 */
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
	struct target_spec t;

	if (cli_parse(ctx, argc, argv, NULL, NULL) < 0 || cli_target(ctx, &t, 0, NULL) < 0)
		return ctx->exit_code;
	target_spec_release(&t);
	return cli_not_implemented(ctx);
}
