/*
 * render_text.c - the top methods of a profile as a table for a terminal. See render.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "render.h"
#include "sanitize.h"

/* The smallest room left for method names, however narrow the terminal. */
#define MIN_NAME 24

const char *render_view_words(enum profile_view view)
{
	return view == PROFILE_CPU ? "time threads spent running managed code"
				   : "every thread's whole time, running or waiting (as dotnet-trace report "
				     "counts it)";
}

/* "850 ms", "4.08 s", "2 min 5 s" */
static const char *fmt_ms(double ms, char *buf, size_t size)
{
	if (ms < 1000)
		snprintf(buf, size, "%.0f ms", ms);
	else if (ms < 600000)
		snprintf(buf, size, "%.2f s", ms / 1000);
	else
		snprintf(buf, size, "%.0f min %.0f s", ms / 60000 - 0.5, (double)((long long)(ms / 1000) % 60));
	return buf;
}

/* Where "Type.Method" starts in `head` (a method name without its argument list): after the last
 * dot but one outside the [...] of generic arguments. */
static size_t type_method_start(const char *head, size_t len)
{
	size_t i = len, dots = 0;
	int depth = 0;

	while (i-- > 0) {
		if (head[i] == ']')
			depth++;
		else if (head[i] == '[' && depth > 0)
			depth--;
		else if (head[i] == '.' && !depth && ++dots == 2)
			return i + 1;
	}
	return 0;
}

/*
 * `name` ("Module!Namespace.Type.Method(args)") fitted into `room` columns: whole when it fits; else
 * with its argument list shortened to "(...)"; else as "Module!Type.Method(...)", or without the
 * module; else cut with "...". Written to buf (bufsize > room) when shortened.
 */
static const char *fit(const char *name, size_t room, char *buf, size_t bufsize)
{
	size_t n = strlen(name), head, mod = 0, tm;
	const char *paren = strchr(name, '('), *bang = strchr(name, '!');

	if (!room || n <= room)
		return name;
	head = paren ? (size_t)(paren - name) : n;
	if (paren && head + 5 <= room) {
		snprintf(buf, bufsize, "%.*s(...)", (int)head, name);
		return buf;
	}
	if (bang && (size_t)(bang - name) < head)
		mod = (size_t)(bang - name) + 1;
	tm = mod + type_method_start(name + mod, head - mod);
	if (tm > mod && (head - tm) + (paren ? 5 : 0) <= room) {
		/* with its module when that fits too */
		if (mod + (head - tm) + (paren ? 5 : 0) > room)
			mod = 0;
		snprintf(buf, bufsize, "%.*s%.*s%s", (int)mod, name, (int)(head - tm), name + tm,
			 paren ? "(...)" : "");
		return buf;
	}
	if (room > bufsize - 1)
		room = bufsize - 1;
	snprintf(buf, bufsize, "%.*s...", (int)(room > 3 ? room - 3 : 0), name);
	return buf;
}

/* A heading line, cut to the width (when there is one). */
static void heading(FILE *out, const struct render_opts *o, const char *fmt, ...) LOG_PRINTF(3, 4);

static void heading(FILE *out, const struct render_opts *o, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (o->width > 3 && strlen(line) > (size_t)o->width)
		fprintf(out, "%.*s...\n", o->width - 3, line);
	else
		fprintf(out, "%s\n", line);
}

static void header(FILE *out, const struct profile *p, const struct render_opts *o)
{
	char t[32], proc[1200] = "";

	if (p->info.process_id)
		snprintf(proc, sizeof(proc), ", process %u%s%s%s", (unsigned)p->info.process_id,
			 p->command_line ? " (" : "", p->command_line ? san(p->command_line) : "",
			 p->command_line ? ")" : "");
	heading(out, o, "%s: %s traced, %zu thread%s, %llu sample%s%s", o->name ? o->name : "trace",
		fmt_ms(p->end_ms > 0 ? p->end_ms : 0, t, sizeof(t)), p->nthreads, p->nthreads == 1 ? "" : "s",
		(unsigned long long)p->samples, p->samples == 1 ? "" : "s", proc);
	if (p->partial)
		fprintf(out, "PARTIAL: %s: the figures cover what was read; methods compiled before the "
			     "trace have no names (the rundown at its end is missing)\n", p->partial_reason);
	if (p->lost_events)
		fprintf(out, "note: the runtime dropped %llu events (its buffers were full)\n",
			(unsigned long long)p->lost_events);
	heading(out, o, "view %s: %s; %s in all = 100%%", profile_view_name(o->view),
		render_view_words(o->view), fmt_ms(p->total_ms[o->view], t, sizeof(t)));
}

int render_text(FILE *out, const struct profile *p, const struct render_opts *o)
{
	struct profile_method *m;
	ssize_t n = profile_methods(p, o->view, o->inclusive, &m);
	double total = p->total_ms[o->view];
	size_t i, rows, unresolved = 0;
	char t[32], fitted[1024];
	int prefix;

	if (n < 0)
		return -1;
	header(out, p, o);
	if (n == 0 || total <= 0) {
		if (!p->samples)
			fputs("no samples: the trace has no Microsoft-DotNETCore-SampleProfiler events (record it "
			      "with the dotnet-sampled-thread-time profile, trace's default)\n", out);
		else if (o->view == PROFILE_CPU)
			fputs("no sample says its thread was running managed code: either none was, or the "
			      "runtime is .NET 9, whose sampler marks every sample \"External\" "
			      "(dotnet/runtime#123996); see where threads spent their time with --view "
			      "thread-time\n", out);
		else
			fputs("no samples in this view\n", out);
		free(m);
		return 0;
	}
	rows = o->top && o->top < (size_t)n ? o->top : (size_t)n;
	prefix = fprintf(out, "%4s  %6s  %6s  %8s  %9s  ", "#", "excl", "incl", "samples", "time");
	fprintf(out, "method (by %s time)\n", o->inclusive ? "inclusive" : "exclusive");
	for (i = 0; i < rows; i++) {
		const struct profile_method *r = &m[i];
		const struct profile_frame *f = &p->frames[r->frame];
		size_t room = 0;

		if (o->width > 0)
			room = o->width - prefix > MIN_NAME ? (size_t)(o->width - prefix) : MIN_NAME;
		if (!f->resolved)
			unresolved++;
		fprintf(out, "%4zu  %5.1f%%  %5.1f%%  %8llu  %9s  %s\n", i + 1, 100 * r->self_ms / total,
			100 * r->total_ms / total,
			(unsigned long long)(o->inclusive ? r->total_samples : r->self_samples),
			fmt_ms(o->inclusive ? r->total_ms : r->self_ms, t, sizeof(t)),
			san(fit(f->name, room, fitted, sizeof(fitted)))); /* names come from the app */
	}
	if (unresolved)
		heading(out, o, "?!0x...: code no method event of the trace names (runtime stubs; or, in a "
			"trace that lost its rundown, any method)");
	free(m);
	return 0;
}
