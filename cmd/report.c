/*
 * report.c - `kubectl dotnetprof report FILE`: where the time goes in a .nettrace, offline (no
 * kubectl, no .NET): read the trace (nettrace.h, profile.h), then print or write one rendering of it
 * (render.h, by name through reportfmt.h): the top methods as text or JSON, folded stacks, a flame
 * graph page, a speedscope or a chromium file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcodes.h"
#include "localout.h"
#include "log.h"
#include "profile.h"
#include "progress.h"
#include "render.h"
#include "reportfmt.h"
#include "verbs.h"

enum { OPT_VIEW = CLI_ID_VERB, OPT_TOP, OPT_INCLUSIVE, OPT_FORMAT };

static const struct cli_opt report_opts[] = {
	{ OPT_VIEW, 0, "view", CLI_ARG, "cpu|thread-time",
	  "cpu: time threads spent running managed code; thread-time: every thread's whole time, "
	  "running or waiting, as dotnet-trace report counts it. Default: cpu; thread-time for "
	  "speedscope and chromium (each thread's timeline, as dotnet-trace convert writes it)" },
	{ OPT_TOP, 0, "top", CLI_ARG, "N", "methods in the text and json tables (default 20; 0: all)" },
	{ OPT_INCLUSIVE, 0, "inclusive", CLI_NOARG, NULL,
	  "rank methods by inclusive time (with their callees) instead of exclusive" },
	{ OPT_FORMAT, 0, "format", CLI_ARG, "text|flamegraph|speedscope|folded|json|chromium",
	  "text (default): the top methods; flamegraph: an HTML page; speedscope, chromium: files for "
	  "speedscope.app and Chrome's DevTools, as dotnet-trace convert writes them; folded: "
	  "\"a;b;c count\" lines; json: the top methods for scripts" },
	{ CLI_ID_OUTPUT, 'o', "output", CLI_ARG, "PATH",
	  "write to PATH (a directory: the default name there; -: stdout). Default: stdout, except "
	  "flamegraph, speedscope and chromium on a terminal: TRACE.flamegraph.html, "
	  "TRACE.speedscope.json, TRACE.chromium.json here" },
	{ CLI_ID_FORCE, 0, "force", CLI_NOARG, NULL, "overwrite an existing output file" },
	{ 0, 0, NULL, CLI_NOARG, NULL, NULL },
};

static const struct cli_group report_groups[] = {
	{ "Report flags", report_opts },
	{ NULL, NULL },
};

const struct cli_help report_help = {
	.usage = "report FILE [--view cpu|thread-time] [--top N] [--inclusive] [--format FORMAT] "
		 "[-o PATH]",
	.summary = "Show where the time goes in a .nettrace file (offline).",
	.description =
		"Reads a trace (the .nettrace that trace writes, or any EventPipe trace of .NET Core 3.0\n"
		"or later) on this machine: needs neither kubectl nor .NET. The time of each thread is\n"
		"split between its samples (Microsoft-DotNETCore-SampleProfiler) the way dotnet-trace\n"
		"computes it; methods are named from the trace's own method events. A trace cut short\n"
		"(a killed run) gives a partial report that says so; a file that is not a readable\n"
		"nettrace is refused with exit code 16.\n",
	.groups = report_groups,
	.examples = "report sample-app_20261206.nettrace\n"
		    "report t.nettrace --view thread-time --top 10\n"
		    "report t.nettrace --format flamegraph -o t.html\n"
		    "report t.nettrace --format folded | flamegraph.pl > t.svg",
};

struct report_opts {
	struct render_opts r;
	enum reportfmt format;
	int view_given;
};

static int report_opt(struct cli_ctx *ctx, int id, const char *value, void *data)
{
	struct report_opts *o = data;
	const char *errstr;

	switch (id) {
	case OPT_VIEW:
		if (cli_check_choice(ctx, "--view", value, "cpu|thread-time") < 0)
			return -1;
		o->r.view = !strcmp(value, "cpu") ? PROFILE_CPU : PROFILE_THREAD_TIME;
		o->view_given = 1;
		return 0;
	case OPT_TOP:
		o->r.top = (size_t)strtonum(value, 0, 1000000, &errstr);
		if (errstr)
			return cli_usage_error(ctx, "invalid --top \"%s\": %s (use 0 for all)", value, errstr);
		return 0;
	case OPT_INCLUSIVE:
		o->r.inclusive = 1;
		return 0;
	case OPT_FORMAT:
		if (cli_check_choice(ctx, "--format", value,
				     "text|flamegraph|speedscope|folded|json|chromium") < 0)
			return -1;
		reportfmt_find(value, &o->format); /* cli_check_choice vouched for it */
		return 0;
	}
	return 0;
}

/*
 * Where the output goes: NULL for stdout, else a newly allocated path. *err is set when the path
 * cannot be made (ENOMEM).
 */
static char *output_path(struct cli_ctx *ctx, const struct report_opts *o, const char *trace, int *err)
{
	const char *out = ctx->common.output;
	char name[512];
	char *path;

	*err = 0;
	if (out && !strcmp(out, "-"))
		return NULL;
	if (!out && !(reportfmt_info(o->format)->is_file && isatty(STDOUT_FILENO)))
		return NULL;
	reportfmt_stem(trace, name, sizeof(name));
	if (strlen(name) + strlen(reportfmt_info(o->format)->suffix) + 1 > sizeof(name)) {
		*err = ENAMETOOLONG;
		return NULL;
	}
	strlcat(name, reportfmt_info(o->format)->suffix, sizeof(name));
	path = localout_resolve(out, name);
	if (!path)
		*err = errno ? errno : ENOMEM;
	return path;
}

/* The file exists (not a directory) and --force is not given: DPX_EXISTS, before any work. */
static int output_taken(struct cli_ctx *ctx, const char *path)
{
	struct stat st;

	if (!path || ctx->common.force || lstat(path, &st) < 0 || S_ISDIR(st.st_mode))
		return 0;
	log_error("%s exists: not overwritten", path);
	log_hint("choose another name with -o, or pass --force to replace it");
	return 1;
}

int cmd_report(int argc, char **argv, struct cli_ctx *ctx)
{
	struct report_opts o;
	struct profile *p = NULL;
	const char *file;
	char *path = NULL, size[32];
	unsigned long long bytes;
	int rc, err;

	memset(&o, 0, sizeof(o));
	o.r.view = PROFILE_CPU;
	o.r.top = 20;
	if (cli_parse(ctx, argc, argv, report_opt, &o) < 0)
		return ctx->exit_code;
	if (cli_check_operands(ctx, 1, 1, "FILE") < 0)
		return ctx->exit_code;
	if (!o.view_given && reportfmt_info(o.format)->timeline)
		o.r.view = PROFILE_THREAD_TIME;
	file = ctx->operands.v[0];
	path = output_path(ctx, &o, file, &err);
	if (err) {
		log_error("cannot name the output file: %s", strerror(err));
		return DPX_ERROR;
	}
	if (output_taken(ctx, path)) {
		free(path);
		return DPX_EXISTS;
	}
	rc = reportfmt_load(file, reportfmt_info(o.format)->timeline, &p);
	if (rc != DPX_OK)
		goto out;
	o.r.name = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	if (!path) {
		o.r.width = o.format == RFMT_TEXT ? reportfmt_text_width() : 0;
		if (reportfmt_info(o.format)->fn(ctx->out, p, &o.r) < 0) {
			log_error("report: out of memory");
			rc = DPX_ERROR;
		}
		goto out;
	}
	if (render_to_file(path, ctx->common.force, reportfmt_info(o.format)->fn, p, &o.r, &bytes) < 0) {
		if (errno == EEXIST) {
			log_error("%s (or %s.part) exists: not overwritten", path, path);
			log_hint("choose another name with -o, or pass --force to replace it");
			rc = DPX_EXISTS;
		} else {
			log_error("cannot write %s: %s", path, strerror(errno));
			rc = DPX_ERROR;
		}
		goto out;
	}
	fprintf(ctx->out, "%s: %s (%s)\n", path, reportfmt_info(o.format)->what,
		progress_fmt_size(bytes, size, sizeof(size)));
out:
	profile_free(p);
	free(path);
	return rc;
}
