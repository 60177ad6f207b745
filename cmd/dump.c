/*
 * dump.c - `kubectl dotnetprof dump`: a process dump (dotnet-dump collect) copied here.
 * Flags and help complete; engine in a later issue.
 */
#include "exitcodes.h"
#include "target.h"
#include "verbs.h"

enum { OPT_TYPE = CLI_ID_VERB };

static const struct cli_opt dump_opts[] = {
	{ OPT_TYPE, 0, "type", CLI_ARG, "full|heap|mini|triage", "kind of dump (default full)" },
	{ 0, 0, NULL, CLI_NOARG, NULL, NULL },
};

static const struct cli_group dump_groups[] = {
	{ "Dump flags", dump_opts },
	{ "Target flags", cli_opts_target },
	{ "Process flags", cli_opts_process },
	{ "Output flags", cli_opts_output },
	{ "Tool flags", cli_opts_tools },
	{ NULL, NULL },
};

const struct cli_help dump_help = {
	.usage = "dump TARGET [-c NAME] [-p PID] [--type full|heap|mini|triage] [-o PATH] [FLAGS]",
	.summary = "Write a memory dump (dotnet-dump) of a .NET process and copy it here.",
	.description =
		"A dump holds the process memory, secrets included: it is created mode 0600 here and\n"
		"removed from the pod once the copy is verified (unless --keep). Refuses to start when\n"
		"the pod lacks the free space the dump needs, unless --force.\n",
	.takes_target = 1,
	.groups = dump_groups,
	.examples = "dump sample-app --type heap\n"
		    "dump deploy/api -n prod --type mini -o dumps/",
};

static int dump_opt(struct cli_ctx *ctx, int id, const char *value, void *data)
{
	(void)data;
	if (id == OPT_TYPE)
		return cli_check_choice(ctx, "--type", value, "full|heap|mini|triage");
	return 0;
}

int cmd_dump(int argc, char **argv, struct cli_ctx *ctx)
{
	struct target_spec t;

	if (cli_parse(ctx, argc, argv, dump_opt, NULL) < 0 || cli_target(ctx, &t, 0, NULL) < 0)
		return ctx->exit_code;
	target_spec_release(&t);
	return cli_not_implemented(ctx);
}
