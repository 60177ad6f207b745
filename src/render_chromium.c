/*
 * render_chromium.c - Chrome's trace event format (JSON Object Format: "traceEvents" of B/E duration
 * events with a "stackFrames" table), as dotnet-trace convert --format chromium writes it: one B/E
 * pair per frame opening and closing, named by the method without its module, the module as the
 * frame's category. See render.h and evented.h. Streamed like the speedscope output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evented.h"
#include "render.h"

struct ch {
	FILE *out;
	struct evented *e;
	unsigned pid;
	unsigned long long tid;
	size_t n;   /* events written */
};

/* The method part of "Module!Method" (the whole name when it has no module). */
static const char *short_name(const char *name)
{
	const char *bang = strchr(name, '!');

	return bang && bang > name ? bang + 1 : name;
}

static int ch_event(void *arg, uint32_t frame, double at, int open)
{
	struct ch *c = arg;
	char buf[96];

	fputs(c->n++ ? ",\n{\"name\": " : "\n{\"name\": ", c->out);
	render_json_string(c->out, short_name(evented_frame_name(c->e, frame, buf, sizeof(buf))));
	fprintf(c->out, ", \"cat\": \"sampleEvent\", \"ph\": \"%c\", \"ts\": %.3f, \"pid\": %u, \"tid\": %llu, "
		"\"sf\": %u}", open ? 'B' : 'E', at * 1000, c->pid, c->tid, frame);
	return 0;
}

/* The frame table: each frame's short name, its module as category, the caller it first had. */
static void stack_frames(FILE *out, struct evented *e)
{
	uint32_t x;
	char buf[96], cat[256];

	fputs("\"stackFrames\": {", out);
	for (x = 0; x < evented_frame_count(e); x++) {
		const char *name = evented_frame_name(e, x, buf, sizeof(buf)), *bang = strchr(name, '!');
		size_t n = bang && bang > name ? (size_t)(bang - name) : 0;

		snprintf(cat, sizeof(cat), "%.*s", (int)n, name);
		fprintf(out, "%s\"%u\": {\"name\": ", x ? ", " : "", x);
		render_json_string(out, short_name(name));
		fputs(", \"category\": ", out);
		render_json_string(out, cat);
		if (e->parent[x] != PROFILE_NONE)
			fprintf(out, ", \"parent\": %u", e->parent[x]);
		fputc('}', out);
	}
	fputs("}}\n", out);
}

int render_chromium(FILE *out, const struct profile *p, const struct render_opts *o)
{
	struct evented e;
	struct ch c;
	size_t i;
	int rc = 0;

	if (evented_init(&e, p, o->view) < 0)
		return -1;
	fputs("{\"otherData\": {\"name\": ", out);
	render_json_string(out, o->name ? o->name : "trace");
	fputs(", \"exporter\": \"kubectl-dotnetprof\"}, \"traceEvents\": [", out);
	memset(&c, 0, sizeof(c));
	c.out = out;
	c.e = &e;
	c.pid = (unsigned)p->info.process_id;
	for (i = 0; i < p->nthreads && rc == 0; i++) {
		double first, last;

		c.tid = (unsigned long long)p->threads[e.order[i]].tid;
		if (evented_thread(&e, e.order[i], o->view, ch_event, &c, &first, &last) < 0)
			rc = -1;
	}
	fputs("], \"displayTimeUnit\": \"ms\", ", out);
	stack_frames(out, &e);
	evented_release(&e);
	return rc;
}
