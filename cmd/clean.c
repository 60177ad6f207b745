/*
 * clean.c - `kubectl dotnetprof clean`: remove what the plugin left in a pod (its workspace).
 * Flags and help complete; the workspace engine arrives in a later issue.
 */
#include "exitcodes.h"
#include "target.h"
#include "verbs.h"

enum { OPT_ALL_CONTAINERS = CLI_ID_VERB, OPT_DRY_RUN };

static const struct cli_opt clean_opts[] = {
	{ OPT_ALL_CONTAINERS, 0, "all-containers", CLI_NOARG, NULL, "clean every container of the pod" },
	{ OPT_DRY_RUN, 0, "dry-run", CLI_NOARG, NULL, "list what would be removed, remove nothing" },
	{ 0, 0, NULL, CLI_NOARG, NULL, NULL },
};

static const struct cli_group clean_groups[] = {
	{ "Clean flags", clean_opts },
	{ "Target flags", cli_opts_target },
	{ NULL, NULL },
};

const struct cli_help clean_help = {
	.usage = "clean TARGET [-c NAME | --all-containers] [--dry-run]",
	.summary = "Remove everything the plugin left in a pod, and nothing else.",
	.description =
		"Removes exactly what the workspace manifest lists (tools, artifacts), stops tool\n"
		"processes the plugin started that still run, removes the workspace, and reports what\n"
		"was removed and the space freed. Nothing outside the workspace is touched.\n",
	.takes_target = 1,
	.groups = clean_groups,
	.examples = "clean sample-app\n"
		    "clean sample-app --all-containers --dry-run",
};

static int clean_opt(struct cli_ctx *ctx, int id, const char *value, void *data)
{
	(void)ctx;
	(void)id;
	(void)value;
	(void)data;
	return 0;
}

int cmd_clean(int argc, char **argv, struct cli_ctx *ctx)
{
	struct target_spec t;

	if (cli_parse(ctx, argc, argv, clean_opt, NULL) < 0 || cli_target(ctx, &t, 0, NULL) < 0)
		return ctx->exit_code;
	target_spec_release(&t);
	return cli_not_implemented(ctx);
}
