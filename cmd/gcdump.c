/*
 * gcdump.c - `kubectl dotnetprof gcdump`: a GC heap dump (dotnet-gcdump) copied here, with the top
 * types by size. Flags and help complete; engine in a later issue.
 */
#include "exitcodes.h"
#include "target.h"
#include "verbs.h"

static const struct cli_group gcdump_groups[] = {
	{ "Target flags", cli_opts_target },
	{ "Process flags", cli_opts_process },
	{ "Output flags", cli_opts_output },
	{ "Tool flags", cli_opts_tools },
	{ NULL, NULL },
};

const struct cli_help gcdump_help = {
	.usage = "gcdump TARGET [-c NAME] [-p PID] [-o PATH] [FLAGS]",
	.summary = "Collect a GC heap dump (dotnet-gcdump), copy it here, print the top types.",
	.description =
		"Triggers a gen2 GC in the process to walk the managed heap (expect a pause), copies\n"
		"the .gcdump file here and prints the types holding the most memory.\n",
	.takes_target = 1,
	.groups = gcdump_groups,
	.examples = "gcdump sample-app\n"
		    "gcdump sts/worker -c app -o heap.gcdump",
};

int cmd_gcdump(int argc, char **argv, struct cli_ctx *ctx)
{
	struct target_spec t;

	if (cli_parse(ctx, argc, argv, NULL, NULL) < 0 || cli_target(ctx, &t, 0, NULL) < 0)
		return ctx->exit_code;
	target_spec_release(&t);
	return cli_not_implemented(ctx);
}
