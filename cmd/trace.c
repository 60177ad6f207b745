/*
 * trace.c - `kubectl dotnetprof trace`: dotnet-trace collect in the pod, the .nettrace copied out.
 * The shared steps are in diagverb.c; this file says which arguments dotnet-trace gets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagverb.h"
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
	{ OPT_PROVIDERS, 0, "providers", CLI_ARG, "SPEC",
	  "EventPipe providers, as dotnet-trace takes them" },
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

struct trace_opts {
	long long seconds;
	const char *profile, *providers, *clrevents;
	const char *format;  /* "nettrace", "speedscope", "chromium" */
};

static int trace_opt(struct cli_ctx *ctx, int id, const char *value, void *data)
{
	struct trace_opts *o = data;

	switch (id) {
	case OPT_DURATION:
		if (duration_parse(value, &o->seconds) < 0)
			return cli_usage_error(ctx, "invalid --duration \"%s\" (use 30s, 2m, 1h30m or "
						    "dd:hh:mm:ss)", value);
		return 0;
	case OPT_FORMAT:
		o->format = value;
		return cli_check_choice(ctx, "--format", value, "nettrace|speedscope|chromium");
	case OPT_PROFILE:
	case OPT_PROVIDERS:
	case OPT_CLREVENTS:
		if (!*value)
			return cli_usage_error(ctx, "empty value for a trace flag");
		if (id == OPT_PROFILE)
			o->profile = value;
		else if (id == OPT_PROVIDERS)
			o->providers = value;
		else
			o->clrevents = value;
		return 0;
	}
	return 0;
}

/* The tool's name for a format, and the extension of the file it writes beside the .nettrace. */
static const char *format_tool(const char *f)
{
	return !strcmp(f, "speedscope") ? "Speedscope" : !strcmp(f, "chromium") ? "Chromium" : NULL;
}

/* "FLAG VALUE" at args[n] when value is set; returns the new n. */
static size_t add_flag(const char **args, size_t n, const char *flag, const char *value)
{
	if (value) {
		args[n++] = flag;
		args[n++] = value;
	}
	return n;
}

static void how_to_open(FILE *out, const char *format, const char *local)
{
	if (!strcmp(format, "speedscope"))
		fprintf(out, "open it at https://www.speedscope.app (drop the file there)\n");
	else if (!strcmp(format, "chromium"))
		fprintf(out, "open it in Chrome's or Edge's DevTools (Performance, Load profile)\n");
	else
		fprintf(out, "open it with PerfView or Visual Studio; or convert it: dotnet-trace convert "
			     "--format speedscope %s\n", local);
}

int cmd_trace(int argc, char **argv, struct cli_ctx *ctx)
{
	struct trace_opts o = { 30, NULL, NULL, NULL, "nettrace" };
	struct diagverb v;
	struct diagrun_result r;
	struct pull_result pr;
	const char *args[20], *fmt;
	char dport[DIAGVERB_DPORT_MAX], dur[32], ext[32];
	size_t n = 0;
	int rc;

	if (cli_parse(ctx, argc, argv, trace_opt, &o) < 0)
		return ctx->exit_code;
	fmt = format_tool(o.format);
	snprintf(ext, sizeof(ext), ".%s.json", o.format);
	if (duration_format_tool(o.seconds, dur, sizeof(dur)) < 0)
		return cli_usage_error(ctx, "invalid --duration"), ctx->exit_code;
	if ((rc = diagverb_begin(&v, ctx, "dotnet-trace", DIAG_DUMP_NONE)) < 0 ||
	    (rc = diagverb_artifact(&v, "", ".nettrace", fmt ? ext : NULL)) < 0)
		return diagverb_end(&v, dpx_status(rc));
	args[n++] = "collect";
	args[n++] = "--dport";
	args[n++] = diagverb_dport(&v, dport, sizeof(dport));
	args[n++] = "--duration";
	args[n++] = dur;
	args[n++] = "-o";
	args[n++] = v.artifact_abs;
	n = add_flag(args, n, "--profile", o.profile);
	n = add_flag(args, n, "--providers", o.providers);
	n = add_flag(args, n, "--clrevents", o.clrevents);
	n = add_flag(args, n, "--format", fmt);
	args[n] = NULL;
	log_info("tracing process %ld in pod %s for %lld s (Ctrl-C stops early and keeps the trace)",
		 (long)v.s.proc->pid, v.s.pod->name, o.seconds);
	rc = diagverb_run(&v, args, DIAGRUN_STREAM, 2, &r);
	if (rc == 0 && r.interrupted)
		log_info("stopped early by Ctrl-C after %.1f s: copying the trace", r.seconds);
	diagrun_result_release(&r);
	if (rc < 0)
		return diagverb_end(&v, dpx_status(rc));
	if ((rc = diagverb_fetch(&v, &pr)) < 0)
		return diagverb_end(&v, dpx_status(rc));
	diagverb_print_saved(&v, &pr);
	if (ctx->verbosity >= 0)
		how_to_open(ctx->out, o.format, v.local);
	return diagverb_end(&v, DPX_OK);
}
