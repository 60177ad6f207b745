/*
 * counters.c - `kubectl dotnetprof counters`: dotnet-counters monitor (live, on a terminal) or
 * collect (to a csv/json file copied here). Flags and help complete; engine in a later issue.
 */
#include <stdlib.h>

#include "duration.h"
#include "exitcodes.h"
#include "target.h"
#include "verbs.h"

enum { OPT_DURATION = CLI_ID_VERB, OPT_COUNTERS, OPT_REFRESH_INTERVAL, OPT_FORMAT };

static const struct cli_opt counters_opts[] = {
	{ OPT_DURATION, 0, "duration", CLI_ARG, "DURATION",
	  "collect for this long (10s, 2m, 1h30m) into a file instead of the live view" },
	{ OPT_COUNTERS, 0, "counters", CLI_ARG, "LIST",
	  "counter providers, comma-separated (default System.Runtime)" },
	{ OPT_REFRESH_INTERVAL, 0, "refresh-interval", CLI_ARG, "SECONDS",
	  "seconds between updates (default 1)" },
	{ OPT_FORMAT, 0, "format", CLI_ARG, "csv|json", "file format of a collection (default csv)" },
	{ 0, 0, NULL, CLI_NOARG, NULL, NULL },
};

static const struct cli_group counters_groups[] = {
	{ "Counters flags", counters_opts },
	{ "Target flags", cli_opts_target },
	{ "Process flags", cli_opts_process },
	{ "Output flags", cli_opts_output },
	{ "Tool flags", cli_opts_tools },
	{ NULL, NULL },
};

const struct cli_help counters_help = {
	.usage = "counters TARGET [-c NAME] [-p PID] [--counters LIST] [--duration D -o FILE] [FLAGS]",
	.summary = "Show live runtime counters (dotnet-counters), or collect them to a file.",
	.description =
		"On a terminal, shows the live dotnet-counters monitor view until Ctrl-C. With\n"
		"--duration or -o, runs dotnet-counters collect instead and copies the csv or json file\n"
		"here.\n",
	.takes_target = 1,
	.groups = counters_groups,
	.examples = "counters sample-app\n"
		    "counters sample-app --duration 30s -o counters.csv\n"
		    "counters deploy/api --counters System.Runtime,Microsoft.AspNetCore.Hosting",
};

static int counters_opt(struct cli_ctx *ctx, int id, const char *value, void *data)
{
	const char *errstr = NULL;
	long long seconds;

	(void)data;
	switch (id) {
	case OPT_DURATION:
		if (duration_parse(value, &seconds) < 0)
			return cli_usage_error(ctx, "invalid --duration \"%s\" (use 10s, 2m, 1h30m or "
						    "dd:hh:mm:ss)", value);
		return 0;
	case OPT_REFRESH_INTERVAL:
		strtonum(value, 1, 3600, &errstr);
		if (errstr)
			return cli_usage_error(ctx, "invalid --refresh-interval \"%s\": %s", value,
					       errstr);
		return 0;
	case OPT_FORMAT:
		return cli_check_choice(ctx, "--format", value, "csv|json");
	case OPT_COUNTERS:
		if (!*value)
			return cli_usage_error(ctx, "empty --counters");
		return 0;
	}
	return 0;
}

int cmd_counters(int argc, char **argv, struct cli_ctx *ctx)
{
	struct target_spec t;

	if (cli_parse(ctx, argc, argv, counters_opt, NULL) < 0 || cli_target(ctx, &t, 0, NULL) < 0)
		return ctx->exit_code;
	target_spec_release(&t);
	return cli_not_implemented(ctx);
}
