/*
 * counters.c - `kubectl dotnetprof counters`: dotnet-counters monitor (live, on a terminal) or
 * collect (to a csv/json file copied here).
 * Shared steps: diagverb.c.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diagverb.h"

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
	{ "Debug container flags", cli_opts_debug },
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

struct counters_opts {
	long long seconds;          /* 0: until Ctrl-C */
	const char *counters, *refresh, *format;
};

static int counters_opt(struct cli_ctx *ctx, int id, const char *value, void *data)
{
	struct counters_opts *o = data;
	const char *errstr = NULL;

	switch (id) {
	case OPT_DURATION:
		if (duration_parse(value, &o->seconds) < 0)
			return cli_usage_error(ctx, "invalid --duration \"%s\" (use 10s, 2m, 1h30m or "
						    "dd:hh:mm:ss)", value);
		return 0;
	case OPT_REFRESH_INTERVAL:
		strtonum(value, 1, 3600, &errstr);
		if (errstr)
			return cli_usage_error(ctx, "invalid --refresh-interval \"%s\": %s", value,
					       errstr);
		o->refresh = value;
		return 0;
	case OPT_FORMAT:
		o->format = value;
		return cli_check_choice(ctx, "--format", value, "csv|json");
	case OPT_COUNTERS:
		if (!*value)
			return cli_usage_error(ctx, "empty --counters");
		o->counters = value;
		return 0;
	}
	return 0;
}

/* The options both dotnet-counters modes take, appended at args[n]; returns the new n. */
static size_t common_args(struct diagverb *v, const struct counters_opts *o, const char **args,
			  size_t n, char *dport, size_t dsize, char *dur, size_t dursize)
{
	args[n++] = "--dport";
	args[n++] = diagverb_dport(v, dport, dsize);
	if (o->counters) {
		args[n++] = "--counters";
		args[n++] = o->counters;
	}
	if (o->refresh) {
		args[n++] = "--refresh-interval";
		args[n++] = o->refresh;
	}
	if (o->seconds && duration_format_tool(o->seconds, dur, dursize) == 0) {
		args[n++] = "--duration";
		args[n++] = dur;
	}
	args[n] = NULL;
	return n;
}

/* The live view: on a terminal through a tty exec, else the same table streamed. */
static int monitor(struct diagverb *v, const struct counters_opts *o)
{
	struct diagrun_result r;
	const char *args[16];
	char dport[DIAGVERB_DPORT_MAX], dur[32];
	int tty = isatty(0) && isatty(1), rc;

	args[0] = "monitor";
	common_args(v, o, args, 1, dport, sizeof(dport), dur, sizeof(dur));
	rc = diagverb_run(v, args, tty ? DIAGRUN_TTY : DIAGRUN_STREAM, 1, &r);
	diagrun_result_release(&r);
	return dpx_status(rc);
}

/* --duration or -o: collect into a csv/json file and copy it here. */
static int collect(struct diagverb *v, struct counters_opts *o)
{
	struct diagrun_result r;
	struct pull_result pr;
	const char *args[20], *out = v->ctx->common.output, *dot;
	char dport[DIAGVERB_DPORT_MAX], dur[32];
	int rc;

	if (!o->format) {
		dot = out ? strrchr(out, '.') : NULL;
		o->format = dot && !strcmp(dot, ".json") ? "json" : "csv";
	}
	rc = diagverb_artifact(v, "counters_", !strcmp(o->format, "json") ? ".json" : ".csv", NULL);
	if (rc < 0)
		return dpx_status(rc);
	args[0] = "collect";
	args[1] = "--format";
	args[2] = o->format;
	args[3] = "-o";
	args[4] = v->artifact_abs;
	common_args(v, o, args, 5, dport, sizeof(dport), dur, sizeof(dur));
	if (o->seconds)
		log_info("collecting counters of process %ld in pod %s for %lld s", (long)v->s.proc->pid,
			 v->s.pod->name, o->seconds);
	else
		log_info("collecting counters of process %ld in pod %s until Ctrl-C",
			 (long)v->s.proc->pid, v->s.pod->name);
	rc = diagverb_run(v, args, DIAGRUN_STREAM, 2, &r);
	diagrun_result_release(&r);
	if (rc == 0)
		rc = diagverb_fetch(v, &pr);
	if (rc == 0)
		diagverb_print_saved(v, &pr);
	return dpx_status(rc);
}

int cmd_counters(int argc, char **argv, struct cli_ctx *ctx)
{
	struct counters_opts o = { 0, NULL, NULL, NULL };
	struct diagverb v;
	int rc;

	if (cli_parse(ctx, argc, argv, counters_opt, &o) < 0)
		return ctx->exit_code;
	if ((rc = diagverb_begin(&v, ctx, "dotnet-counters", DIAG_DUMP_NONE)) < 0)
		return diagverb_end(&v, dpx_status(rc));
	return diagverb_end(&v, o.seconds || ctx->common.output ? collect(&v, &o) : monitor(&v, &o));
}
