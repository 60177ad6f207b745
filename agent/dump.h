/*
 * dump.h - have the runtime write a core dump of its process (the Dump command set): it runs its
 * own createdump, as the app's user, into a path of the app's filesystem view.
 */
#ifndef DOTNETPROF_AGENT_DUMP_H
#define DOTNETPROF_AGENT_DUMP_H

#include <stdint.h>

#include "dnproc.h"

struct dump_opts {
	const char *type;          /* "full", "heap", "mini", "triage" */
	const char *output;        /* the path as the app sees it; NULL: in its TMPDIR */
	int64_t timeout_ms;
};

/* The dump type number of a name (4 full, 2 heap, 1 mini, 3 triage), or 0 when unknown. */
uint32_t dump_type_of(const char *name);

/* Take the dump and print the `dump` record. Returns an AGENT_EX_* exit status. */
int dump_run(const struct dnproc *t, const struct dump_opts *o);

#endif
