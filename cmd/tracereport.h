/*
 * tracereport.h - what `trace` shows once the trace is here (read by the project's own reader, no
 * .NET needed): the files asked for beside it (--report flamegraph|speedscope|folded, --format
 * speedscope|chromium), and, unless -q, the top methods of the cpu view and the one-line command
 * that opens the flame graph.
 */
#ifndef DOTNETPROF_TRACEREPORT_H
#define DOTNETPROF_TRACEREPORT_H

#include "cli.h"
#include "reportfmt.h"

/* The methods shown after a trace. */
#define TRACEREPORT_TOP 10

/* A bit per enum reportfmt to write beside the trace. */
#define TRACEREPORT_BIT(f) (1u << (f))

/*
 * Before the trace runs: would a file of `formats` beside `trace` overwrite one (without --force)?
 * DPX_EXISTS after the message, else 0.
 */
int tracereport_check(struct cli_ctx *ctx, const char *trace, unsigned formats);

/*
 * After the trace `trace` was copied and verified: write the renderings of `formats` beside it
 * (TRACE.flamegraph.html, TRACE.speedscope.json, TRACE.folded, TRACE.chromium.json; speedscope and
 * chromium in the thread-time view, as dotnet-trace convert writes them; the others in cpu), one
 * line each on stdout; then, unless -q, the top methods and the command for the flame graph.
 * Returns the exit code: DPX_OK, or the failure of a file asked for (a trace the reader cannot read
 * only warns when no file was asked for).
 */
int tracereport_after(struct cli_ctx *ctx, const char *trace, unsigned formats);

#endif
