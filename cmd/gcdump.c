/*
 * gcdump.c - `kubectl dotnetprof gcdump`: a GC heap dump (dotnet-gcdump) copied here, with the top
 * types by size; the file is copied before `dotnet-gcdump report` runs, so a report that fails
 * costs nothing but the summary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagverb.h"
#include "exitcodes.h"
#include "gcreport.h"
#include "sanitize.h"
#include "target.h"
#include "verbs.h"

static const struct cli_group gcdump_groups[] = {
	{ "Target flags", cli_opts_target },
	{ "Process flags", cli_opts_process },
	{ "Output flags", cli_opts_output },
	{ "Debug container flags", cli_opts_debug },
	{ "Tool flags", cli_opts_tools },
	{ NULL, NULL },
};

const struct cli_help gcdump_help = {
	.usage = "gcdump TARGET [-c NAME] [-p PID] [-o PATH] [FLAGS]",
	.summary = "Collect a GC heap dump (dotnet-gcdump), copy it here, print the top types.",
	.description =
		"Triggers a gen2 GC in the process to walk the managed heap (expect a pause), copies\n"
		"the .gcdump file here and prints the types holding the most memory.\n",
	.takes_target = 1,
	.groups = gcdump_groups,
	.examples = "gcdump sample-app\n"
		    "gcdump sts/worker -c app -o heap.gcdump",
};

#define GCDUMP_TOP_TYPES 15
#define GCDUMP_APP_TYPES 10

/* `len` bytes of the tool's report (the app's type names), sanitized, then `end`. */
static void print_clean(FILE *out, const char *s, size_t len, const char *end)
{
	char buf[1024];

	if (sanitize(buf, sizeof(buf) - 3, s, len, SAN_KEEP_TAB) >= sizeof(buf) - 3)
		memcpy(buf + strlen(buf), "...", 4);
	fprintf(out, "%s%s", buf, end);
}

/*
 * The report's header and its first GCDUMP_TOP_TYPES rows (the tool sorts by the objects' own
 * bytes), then the app's own types by count (gcreport.h says why: that is where leaks show).
 */
static void print_top(FILE *out, const char *report)
{
	struct gcreport_row apps[GCDUMP_APP_TYPES], r;
	const char *s = report, *nl;
	unsigned rows = 0;
	size_t i, n, len;

	for (; s && *s && rows < GCDUMP_TOP_TYPES; s = nl ? nl + 1 : NULL) {
		nl = strchr(s, '\n');
		len = nl ? (size_t)(nl - s) : strlen(s);
		rows += gcreport_parse_row(s, len, &r) == 0;
		print_clean(out, s, len, "\n");
	}
	if (s && *s)
		fprintf(out, "(the first %u types by size; dotnet-gcdump report FILE prints them all)\n",
			rows);
	n = gcreport_app_types(report, apps, GCDUMP_APP_TYPES);
	if (!n)
		return;
	fprintf(out, "\nThe app's own types, most objects first (what they hold is not in their size):\n"
		     "%15s %9s  %s\n", "Object Bytes", "Count", "Type");
	for (i = 0; i < n; i++) {
		fprintf(out, "%15llu %9llu  ", apps[i].bytes, apps[i].count);
		print_clean(out, apps[i].type, apps[i].type_len, "  [");
		print_clean(out, apps[i].assembly, apps[i].assembly_len, "]\n");
	}
}

int cmd_gcdump(int argc, char **argv, struct cli_ctx *ctx)
{
	struct diagverb v;
	struct diagrun_result r;
	struct pull_result pr;
	const char *args[8];
	char dport[DIAGVERB_DPORT_MAX];
	int rc;

	if (cli_parse(ctx, argc, argv, NULL, NULL) < 0)
		return ctx->exit_code;
	if ((rc = diagverb_begin(&v, ctx, "dotnet-gcdump", DIAG_DUMP_NONE)) < 0 ||
	    (rc = diagverb_artifact(&v, "", ".gcdump", NULL)) < 0)
		return diagverb_end(&v, dpx_status(rc));
	log_info("collecting a GC heap dump of process %ld in pod %s (the process pauses for a full "
		 "GC)", (long)v.s.proc->pid, v.s.pod->name);
	args[0] = "collect";
	args[1] = "--dport";
	args[2] = diagverb_dport(&v, dport, sizeof(dport));
	args[3] = "-o";
	args[4] = v.artifact_abs;
	args[5] = NULL;
	rc = diagverb_run(&v, args, DIAGRUN_STREAM, 2, &r);
	diagrun_result_release(&r);
	if (rc < 0)
		goto fail;
	args[0] = "report";
	args[1] = v.artifact_abs;
	args[2] = NULL;
	/* the file first: a report that fails must not cost the dump */
	if ((rc = diagverb_fetch(&v, &pr)) < 0)
		goto fail;
	if (ctx->verbosity >= 0) {
		if (diagverb_run(&v, args, DIAGRUN_CAPTURE, -1, &r) == 0)
			print_top(ctx->out, r.out);
		else
			log_warn("the heap summary could not be made in the pod; the gcdump was copied");
		diagrun_result_release(&r);
	}
	diagverb_print_saved(&v, &pr);
	if (ctx->verbosity >= 0)
		fprintf(ctx->out, "open it with PerfView or Visual Studio, or: dotnet-gcdump report %s\n",
			v.local);
	return diagverb_end(&v, DPX_OK);
fail:
	return diagverb_end(&v, dpx_status(rc));
}
