/*
 * trace.c - `kubectl dotnetprof trace`: dotnet-trace collect in the pod, the .nettrace copied out.
 * The flags and help are complete; the engine arrives with the diagnostics issue.
 */
#include "duration.h"
#include "exitcodes.h"
#include "target.h"
#include "verbs.h"

enum { OPT_DURATION = CLI_ID_VERB, OPT_PROFILE, OPT_PROVIDERS, OPT_CLREVENTS, OPT_FORMAT };

static const struct cli_opt trace_opts[] = {
	{ OPT_DURATION, 0, "duration", CLI_ARG, "DURATION",
	  "how long to trace: 30s (default), 2m, 1h30m, or dd:hh:mm:ss" },
	{ OPT_PROFILE, 0, "profile", CLI_ARG, "NAMES",
	  "dotnet-trace profiles, comma-separated (default: the tool's, dotnet-common + "
	  "dotnet-sampled-thread-time)" },
	{ OPT_PROVIDERS, 0, "providers", CLI_ARG, "SPEC", "EventPipe providers, as dotnet-trace takes them" },
	{ OPT_CLREVENTS, 0, "clrevents", CLI_ARG, "LIST", "CLR event keywords (gc+jit+...)" },
	{ OPT_FORMAT, 0, "format", CLI_ARG, "nettrace|speedscope|chromium",
	  "file format (default nettrace)" },
	{ 0, 0, NULL, CLI_NOARG, NULL, NULL },
};

static const struct cli_group trace_groups[] = {
	{ "Trace flags", trace_opts },
	{ "Target flags", cli_opts_target },
	{ "Process flags", cli_opts_process },
	{ "Output flags", cli_opts_output },
	{ "Tool flags", cli_opts_tools },
	{ NULL, NULL },
};

const struct cli_help trace_help = {
	.usage = "trace TARGET [-c NAME] [-p PID | --process-name NAME] [--duration D] [-o PATH] [FLAGS]",
	.summary = "Record a trace (dotnet-trace) of a .NET process and copy it here.",
	.description =
		"Runs dotnet-trace collect in the container against the .NET process for --duration,\n"
		"copies the trace file here (verified by size and sha256), removes it from the pod and\n"
		"prints where it is and how to open it (PerfView, Visual Studio, speedscope.app).\n"
		"Ctrl-C stops the trace early and still copies a valid file.\n",
	.takes_target = 1,
	.groups = trace_groups,
	.examples = "trace sample-app\n"
		    "trace deploy/api -n prod --duration 2m -o traces/\n"
		    "trace sample-app --format speedscope",
};

static int trace_opt(struct cli_ctx *ctx, int id, const char *value, void *data)
{
	long long seconds;

	(void)data;
	switch (id) {
	case OPT_DURATION:
		if (duration_parse(value, &seconds) < 0)
			return cli_usage_error(ctx, "invalid --duration \"%s\" (use 30s, 2m, 1h30m or "
						    "dd:hh:mm:ss)", value);
		return 0;
	case OPT_FORMAT:
		return cli_check_choice(ctx, "--format", value, "nettrace|speedscope|chromium");
	case OPT_PROFILE:
	case OPT_PROVIDERS:
	case OPT_CLREVENTS:
		if (!*value)
			return cli_usage_error(ctx, "empty value for a trace flag");
		return 0;
	}
	return 0;
}

int cmd_trace(int argc, char **argv, struct cli_ctx *ctx)
{
	struct target_spec t;

	if (cli_parse(ctx, argc, argv, trace_opt, NULL) < 0 || cli_target(ctx, &t, 0, NULL) < 0)
		return ctx->exit_code;
	target_spec_release(&t);
	return cli_not_implemented(ctx);
}
