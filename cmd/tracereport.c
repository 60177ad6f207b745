/*
 * tracereport.c - the answer after a trace: files beside it, the top methods, how to open the
 * flame graph (tracereport.h).
 */
#include "tracereport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "exitcodes.h"
#include "log.h"
#include "progress.h"
#include "quote.h"

int tracereport_check(struct cli_ctx *ctx, const char *trace, unsigned formats)
{
	struct stat st;
	char *path;
	int f, rc = 0;

	for (f = 0; f < RFMT_COUNT && !rc; f++) {
		if (!(formats & TRACEREPORT_BIT(f)) || ctx->common.force)
			continue;
		if (!(path = reportfmt_beside(trace, (enum reportfmt)f))) {
			log_error("out of memory");
			return -DPX_ERROR;
		}
		if (lstat(path, &st) == 0) {
			log_error("%s exists: not overwritten", path);
			log_hint("choose another name with -o, or pass --force to replace it");
			rc = -DPX_EXISTS;
		}
		free(path);
	}
	return rc;
}

/* One rendering beside the trace, and its line on stdout. DPX_OK or the exit code. */
static int write_beside(struct cli_ctx *ctx, const char *trace, enum reportfmt f,
			const struct profile *p)
{
	const struct reportfmt_info *fi = reportfmt_info(f);
	struct render_opts ro;
	unsigned long long bytes;
	char *path = reportfmt_beside(trace, f), size[32];
	int rc = DPX_OK;

	if (!path) {
		log_error("out of memory");
		return DPX_ERROR;
	}
	memset(&ro, 0, sizeof(ro));
	ro.view = fi->timeline ? PROFILE_THREAD_TIME : PROFILE_CPU;
	ro.name = strrchr(trace, '/') ? strrchr(trace, '/') + 1 : trace;
	if (render_to_file(path, ctx->common.force, fi->fn, p, &ro, &bytes) < 0) {
		log_error("cannot write %s: %s", path, errno == EEXIST ? "it exists" : strerror(errno));
		rc = errno == EEXIST ? DPX_EXISTS : DPX_ERROR;
	} else {
		fprintf(ctx->out, "%s: %s (%s)\n", path, fi->what,
			progress_fmt_size(bytes, size, sizeof(size)));
	}
	free(path);
	return rc;
}

/* The top methods of the cpu view and the command that opens the flame graph. */
static void show_top(struct cli_ctx *ctx, const char *trace, const struct profile *p)
{
	const char *const word[] = { trace, NULL };
	struct render_opts ro;
	char *quoted;

	memset(&ro, 0, sizeof(ro));
	ro.view = PROFILE_CPU;
	ro.top = TRACEREPORT_TOP;
	ro.width = reportfmt_text_width();
	ro.name = strrchr(trace, '/') ? strrchr(trace, '/') + 1 : trace;
	fputc('\n', ctx->out);
	if (render_text(ctx->out, p, &ro) < 0) {
		log_warn("cannot show the top methods: out of memory");
		return;
	}
	quoted = sh_quote_argv(word);
	fprintf(ctx->out, "\nflame graph: kubectl dotnetprof report %s --format flamegraph\n",
		quoted ? quoted : trace);
	free(quoted);
}

int tracereport_after(struct cli_ctx *ctx, const char *trace, unsigned formats)
{
	struct profile *p = NULL;
	int f, timeline = 0, rc, ret = DPX_OK;

	if (!formats && ctx->verbosity < 0)
		return DPX_OK;
	for (f = 0; f < RFMT_COUNT; f++)
		if ((formats & TRACEREPORT_BIT(f)) && reportfmt_info((enum reportfmt)f)->timeline)
			timeline = 1;
	if ((rc = reportfmt_load(trace, timeline, &p)) != DPX_OK) {
		if (formats)
			return rc;
		log_warn("the trace is saved, but its top methods cannot be shown");
		return DPX_OK;
	}
	for (f = 0; f < RFMT_COUNT; f++)
		if ((formats & TRACEREPORT_BIT(f)) &&
		    (rc = write_beside(ctx, trace, (enum reportfmt)f, p)) != DPX_OK && ret == DPX_OK)
			ret = rc;
	if (ctx->verbosity >= 0)
		show_top(ctx, trace, p);
	profile_free(p);
	return ret;
}
