/*
 * version.c - `kubectl dotnetprof version`: the version this binary was built as.
 */
#include "exitcodes.h"
#include "verbs.h"

const struct cli_help version_help = {
	.usage = "version",
	.summary = "Print the version of kubectl-dotnetprof.",
	.examples = "version",
};

int cmd_version(int argc, char **argv, struct cli_ctx *ctx)
{
	if (cli_parse(ctx, argc, argv, NULL, NULL) < 0)
		return ctx->exit_code;
	if (cli_check_operands(ctx, 0, 0, NULL) < 0)
		return ctx->exit_code;
	fprintf(ctx->out, "kubectl-dotnetprof %s\n", dotnetprof_version);
	return DPX_OK;
}
