/*
 * reportfmt.h - what `report` and `trace` share to turn a .nettrace into answers: the renderings
 * (render.h) by name, with the suffix of their default file name; reading a trace with the messages
 * and exit codes of a user-facing verb; the width of the terminal for the text table.
 */
#ifndef DOTNETPROF_REPORTFMT_H
#define DOTNETPROF_REPORTFMT_H

#include <stddef.h>

#include "profile.h"
#include "render.h"

enum reportfmt { RFMT_TEXT, RFMT_FLAMEGRAPH, RFMT_SPEEDSCOPE, RFMT_FOLDED, RFMT_JSON, RFMT_CHROMIUM,
		 RFMT_COUNT };

struct reportfmt_info {
	const char *name;      /* "flamegraph" */
	render_fn fn;
	const char *suffix;    /* of the default file name: ".flamegraph.html" */
	const char *what;      /* for the line saying where it went */
	int is_file;           /* a file format: never dumped on a terminal */
	int timeline;          /* needs the profile's runs (profile_options.keep_timeline) */
};

/* The rendering `f` (f < RFMT_COUNT). */
const struct reportfmt_info *reportfmt_info(enum reportfmt f);

/* The rendering named `name` into *f: 0, or -1 when there is none. */
int reportfmt_find(const char *name, enum reportfmt *f);

/*
 * Read the trace `file` into *p (profile_free it), keeping the runs with `keep_timeline`. DPX_OK,
 * or the exit code after the message: DPX_BADTRACE (not a readable nettrace), DPX_ERROR (cannot
 * read it, out of memory). A trace cut short is read, with a warning that the report is partial.
 */
int reportfmt_load(const char *file, int keep_timeline, struct profile **p);

/* The columns of the terminal on stdout, else $COLUMNS; 0 (no limit) for a pipe. */
int reportfmt_text_width(void);

/* The trace's file name without its directory and ".nettrace" (the stem of the default names). */
void reportfmt_stem(const char *path, char *buf, size_t size);

/*
 * "DIR/STEM" + suffix of `f` for the trace `trace` (DIR: its directory, "" for none), newly
 * allocated; NULL when out of memory.
 */
char *reportfmt_beside(const char *trace, enum reportfmt f);

#endif
