/*
 * render.h - a profile (profile.h) written out for people and tools, one renderer per file:
 *
 *   render_text        the top methods as a table, fitted to a terminal width (render_text.c)
 *   render_json        the same table for scripts (render_json.c)
 *   render_folded      "frame;frame;frame count" lines, Brendan Gregg's folded stacks (render_folded.c)
 *   render_flamegraph  one self-contained HTML page: inline SVG drawn by a little JavaScript, click to
 *                      zoom, search, hover for the numbers; no network (render_flame.c)
 *   render_speedscope  speedscope's file format: one evented profile per thread (render_speedscope.c)
 *   render_chromium    Chrome's trace event format (render_chromium.c)
 *   render_stacks      every thread's stack as `dotnet-stack report` prints it (render_stack.c)
 *
 * render_speedscope and render_chromium write what `dotnet-trace convert --format speedscope|chromium`
 * writes (TraceEvent's exporters): they need the profile's runs (profile_options.keep_timeline), as
 * render_stacks does (a thread's first interval is its stack there).
 * Every renderer writes to `out` and returns 0, or -1 (ENOMEM; a write error shows in ferror(out)).
 */
#ifndef DOTNETPROF_RENDER_H
#define DOTNETPROF_RENDER_H

#include <stddef.h>
#include <stdio.h>

#include "profile.h"

struct render_opts {
	enum profile_view view;
	int inclusive;         /* rank methods by inclusive time instead of exclusive */
	size_t top;            /* rows of the tables; 0: all */
	int width;             /* text: the terminal's columns; 0: no limit */
	const char *name;      /* the trace's name, for titles */
};

int render_text(FILE *out, const struct profile *p, const struct render_opts *o);
int render_json(FILE *out, const struct profile *p, const struct render_opts *o);
int render_folded(FILE *out, const struct profile *p, const struct render_opts *o);
int render_flamegraph(FILE *out, const struct profile *p, const struct render_opts *o);
int render_speedscope(FILE *out, const struct profile *p, const struct render_opts *o);
int render_chromium(FILE *out, const struct profile *p, const struct render_opts *o);
int render_stacks(FILE *out, const struct profile *p, const struct render_opts *o);

typedef int (*render_fn)(FILE *out, const struct profile *p, const struct render_opts *o);

/*
 * Render into the file `path` without ever leaving a half-written or clobbered file (localout.h): the
 * output goes to PATH.part, then is renamed to PATH; an existing PATH is replaced only with `force`.
 * Returns 0, or -1 with errno (EEXIST: PATH or PATH.part exists and not `force`; ENOMEM; a write
 * error's errno). *size gets the bytes written.
 */
int render_to_file(const char *path, int force, render_fn fn, const struct profile *p,
		   const struct render_opts *o, unsigned long long *size);

/* A JSON string literal of `s` (quotes included); '<', '>' and '&' are escaped too, so the text is
 * also safe inside an HTML <script>. Invalid UTF-8 bytes become U+FFFD. */
void render_json_string(FILE *out, const char *s);

/* The time a view measures, in words, for headings ("running managed code" / "thread time"). */
const char *render_view_words(enum profile_view view);

#endif
