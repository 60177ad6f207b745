/*
 * dump.c - `kubectl dotnetprof dump`: a process dump (dotnet-dump collect) copied here.
 * The shared steps are in diagverb.c; this file says which arguments dotnet-dump gets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagverb.h"
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
	enum diag_dump_type *type = data;

	if (id == OPT_TYPE && diag_dump_type_parse(value, type) < 0)
		return cli_check_choice(ctx, "--type", value, "full|heap|mini|triage");
	return 0;
}

int cmd_dump(int argc, char **argv, struct cli_ctx *ctx)
{
	enum diag_dump_type type = DIAG_DUMP_FULL;
	struct diagverb v;
	struct diagrun_result r;
	struct pull_result pr;
	const char *args[10];
	char dport[DIAGVERB_DPORT_MAX];
	int rc;

	if (cli_parse(ctx, argc, argv, dump_opt, &type) < 0)
		return ctx->exit_code;
	if ((rc = diagverb_begin(&v, ctx, "dotnet-dump", type)) < 0 ||
	    (rc = diagverb_artifact(&v, "core_", "", NULL)) < 0)
		return diagverb_end(&v, dpx_status(rc));
	log_info("note: a dump holds the process's memory, secrets included (tokens, keys, personal "
		 "data); it is written mode 0600 here and removed from the pod once copied%s",
		 ctx->common.keep ? " (not with --keep)" : "");
	args[0] = "collect";
	args[1] = "--dport";
	args[2] = diagverb_dport(&v, dport, sizeof(dport));
	args[3] = "--type";
	args[4] = diag_dump_type_tool_name(type);
	args[5] = "-o";
	args[6] = v.artifact_abs;
	args[7] = NULL;
	rc = diagverb_run(&v, args, DIAGRUN_STREAM, 2, &r);
	diagrun_result_release(&r);
	if (rc < 0)
		return diagverb_end(&v, dpx_status(rc));
	if ((rc = diagverb_fetch(&v, &pr)) < 0)
		return diagverb_end(&v, dpx_status(rc));
	diagverb_print_saved(&v, &pr);
	if (ctx->verbosity >= 0)
		fprintf(ctx->out, "analyze it with: dotnet-dump analyze %s (on a Linux machine with the "
			"same .NET version)\n", v.local);
	return diagverb_end(&v, DPX_OK);
}
