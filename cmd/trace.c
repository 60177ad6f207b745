/*
 * trace.c - `kubectl dotnetprof trace`: a trace of a .NET process, streamed here by dotnetprof-agent
 * (--engine agent), or written by dotnet-trace collect in the pod and copied out (--engine tools);
 * then what it says (tracereport.h). The shared steps are in diagverb.c; this file says which
 * arguments the agent or dotnet-trace gets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentverb.h"
#include "duration.h"
#include "exitcodes.h"
#include "progress.h"
#include "target.h"
#include "tracereport.h"
#include "verbs.h"

enum { OPT_DURATION = CLI_ID_VERB, OPT_PROFILE, OPT_PROVIDERS, OPT_CLREVENTS, OPT_FORMAT,
       OPT_REPORT };

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
	  "nettrace (default); speedscope or chromium: also that file, converted here from the trace "
	  "as dotnet-trace convert would (TRACE.speedscope.json, TRACE.chromium.json)" },
	{ OPT_REPORT, 0, "report", CLI_ARG, "flamegraph|speedscope|folded",
	  "also write that rendering beside the trace (TRACE.flamegraph.html, ...), as `report` would; "
	  "may be repeated" },
	{ 0, 0, NULL, CLI_NOARG, NULL, NULL },
};

static const struct cli_group trace_groups[] = {
	{ "Trace flags", trace_opts },
	{ "Target flags", cli_opts_target },
	{ "Process flags", cli_opts_process },
	{ "Output flags", cli_opts_output },
	{ "Engine flags", cli_opts_engine },
	{ "Debug container flags", cli_opts_debug },
	{ "Tool flags", cli_opts_tools },
	{ NULL, NULL },
};

const struct cli_help trace_help = {
	.usage = "trace TARGET [-c NAME] [-p PID | --process-name NAME] [--duration D] [-o PATH] [FLAGS]",
	.summary = "Record a trace of a .NET process, copy it here and show its top methods.",
	.description =
		"Traces the .NET process for --duration with dotnet-trace's default providers (a CPU\n"
		"sampling trace), streams the .nettrace here (--engine agent: nothing is written in the\n"
		"pod; --engine tools: dotnet-trace collect writes it in the pod and it is copied out and\n"
		"removed), verified by size and sha256, then prints the top methods of the cpu view and\n"
		"the command that opens the flame graph. Ctrl-C stops the trace early and still copies a\n"
		"complete file (with the method names the runtime sends last).\n",
	.takes_target = 1,
	.groups = trace_groups,
	.examples = "trace sample-app\n"
		    "trace deploy/api -n prod --duration 2m -o traces/\n"
		    "trace sample-app --report flamegraph\n"
		    "trace sample-app --engine tools --format speedscope",
};

struct trace_opts {
	long long seconds;
	const char *profile, *providers, *clrevents;
	unsigned formats;    /* tracereport.h: renderings to write beside the trace */
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
		if (cli_check_choice(ctx, "--format", value, "nettrace|speedscope|chromium") < 0)
			return -1;
		if (strcmp(value, "nettrace"))
			o->formats |= TRACEREPORT_BIT(!strcmp(value, "speedscope") ? RFMT_SPEEDSCOPE
										    : RFMT_CHROMIUM);
		return 0;
	case OPT_REPORT:
		if (cli_check_choice(ctx, "--report", value, "flamegraph|speedscope|folded") < 0)
			return -1;
		o->formats |= TRACEREPORT_BIT(!strcmp(value, "flamegraph") ? RFMT_FLAMEGRAPH :
					      !strcmp(value, "speedscope") ? RFMT_SPEEDSCOPE
									   : RFMT_FOLDED);
		return 0;
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

/* "FLAG VALUE" at args[n] when value is set; returns the new n. */
static size_t add_flag(const char **args, size_t n, const char *flag, const char *value)
{
	if (value) {
		args[n++] = flag;
		args[n++] = value;
	}
	return n;
}

/* The providers' flags, the same for the agent and dotnet-trace; returns the new n. */
static size_t add_providers(const struct trace_opts *o, const char **args, size_t n)
{
	n = add_flag(args, n, "--profile", o->profile);
	n = add_flag(args, n, "--providers", o->providers);
	return add_flag(args, n, "--clrevents", o->clrevents);
}

/* dotnet-trace collect in the pod, the file copied here. 0 or -DPX_*. */
static int trace_tools(struct diagverb *v, struct cli_ctx *ctx, const struct trace_opts *o)
{
	struct diagrun_result r;
	struct pull_result pr;
	const char *args[20];
	char dport[DIAGVERB_DPORT_MAX], dur[32];
	size_t n = 0;
	int rc;

	if (duration_format_tool(o->seconds, dur, sizeof(dur)) < 0)
		return cli_usage_error(ctx, "invalid --duration"), -DPX_USAGE;
	if ((rc = diagverb_begin(v, ctx, "dotnet-trace", DIAG_DUMP_NONE)) < 0 ||
	    (rc = diagverb_artifact(v, "", ".nettrace", NULL)) < 0 ||
	    (rc = tracereport_check(ctx, v->local, o->formats)) < 0)
		return rc;
	args[n++] = "collect";
	args[n++] = "--dport";
	args[n++] = diagverb_dport(v, dport, sizeof(dport));
	args[n++] = "--duration";
	args[n++] = dur;
	args[n++] = "-o";
	args[n++] = v->artifact_abs;
	n = add_providers(o, args, n);
	args[n] = NULL;
	log_info("tracing process %ld in pod %s for %lld s (Ctrl-C stops early and keeps the trace)",
		 (long)v->s.proc->pid, v->s.pod->name, o->seconds);
	rc = diagverb_run(v, args, DIAGRUN_STREAM, 2, &r);
	if (rc == 0 && r.interrupted)
		log_info("stopped early by Ctrl-C after %.1f s: copying the trace", r.seconds);
	diagrun_result_release(&r);
	if (rc < 0)
		return rc;
	if ((rc = diagverb_fetch(v, &pr)) < 0)
		return rc;
	diagverb_print_saved(v, &pr);
	return 0;
}

/* dotnetprof-agent streams the trace here. 0 or -DPX_*. */
static int trace_agent(struct diagverb *v, struct cli_ctx *ctx, const struct trace_opts *o)
{
	struct agentverb av;
	struct agenttrace_result r;
	const char *args[20];
	char dur[32], name[512], size[32];
	size_t n = 0;
	int rc;

	snprintf(dur, sizeof(dur), "%llds", o->seconds);
	args[n++] = "trace";
	args[n++] = "--duration";
	args[n++] = dur;
	n = add_providers(o, args, n);
	args[n] = NULL;
	if ((rc = agentverb_begin(v, ctx, args, "trace", &av)) < 0)
		return rc;
	diagverb_default_name(v, "", ".nettrace", name, sizeof(name));
	if ((rc = diagverb_local(v, name)) < 0 || (rc = tracereport_check(ctx, v->local, o->formats)) < 0)
		return rc;
	log_info("tracing process %ld in pod %s for %lld s (Ctrl-C stops early and keeps the trace)",
		 (long)v->s.proc->pid, v->s.pod->name, o->seconds);
	if ((rc = agentverb_collect(v, &av, v->local, &r)) < 0)
		return rc;
	if (r.interrupted)
		log_info("stopped early by Ctrl-C: the trace is complete");
	fprintf(ctx->out, "%s: %s (%llu bytes), sha256 %s, streamed in %.2f s\n", v->local,
		progress_fmt_size(r.bytes, size, sizeof(size)), (unsigned long long)r.bytes, r.sha256,
		r.seconds);
	return 0;
}

int cmd_trace(int argc, char **argv, struct cli_ctx *ctx)
{
	struct trace_opts o = { 30, NULL, NULL, NULL, 0 };
	struct diagverb v;
	int agent, rc;

	memset(&v, 0, sizeof(v));
	if (cli_parse(ctx, argc, argv, trace_opt, &o) < 0)
		return ctx->exit_code;
	if ((agent = diagverb_engine_agent(ctx)) < 0)
		return ctx->exit_code;
	rc = agent ? trace_agent(&v, ctx, &o) : trace_tools(&v, ctx, &o);
	if (rc < 0)
		return diagverb_end(&v, dpx_status(rc));
	return diagverb_end(&v, tracereport_after(ctx, v.local, o.formats));
}
