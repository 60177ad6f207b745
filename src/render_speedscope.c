/*
 * render_speedscope.c - speedscope's file format (https://www.speedscope.app/file-format-schema.json):
 * one "evented" profile per thread, frames opened and closed in time, as dotnet-trace convert
 * --format speedscope writes it. See render.h and evented.h.
 *
 * The profiles are written first and the shared frame table last (JSON objects are unordered), so
 * the whole file is streamed: memory does not grow with its size.
 */
#include <stdio.h>
#include <stdlib.h>

#include "evented.h"
#include "render.h"

struct ss {
	FILE *out;
	size_t n;   /* events written in this profile */
};

static int ss_event(void *arg, uint32_t frame, double at, int open)
{
	struct ss *s = arg;

	fprintf(s->out, "%s{\"type\": \"%c\", \"frame\": %u, \"at\": %.6f}", s->n++ ? ", " : "",
		open ? 'O' : 'C', frame, at);
	return 0;
}

int render_speedscope(FILE *out, const struct profile *p, const struct render_opts *o)
{
	struct evented e;
	struct ss s;
	size_t i, profiles = 0;
	uint32_t x;
	char buf[96];
	int rc = 0;

	if (evented_init(&e, p, o->view) < 0)
		return -1;
	fputs("{\"exporter\": \"kubectl-dotnetprof\", \"name\": ", out);
	render_json_string(out, o->name ? o->name : "trace");
	fputs(", \"activeProfileIndex\": 0, \"$schema\": \"https://www.speedscope.app/file-format-schema.json\", "
	      "\"profiles\": [", out);
	for (i = 0; i < p->nthreads && rc == 0; i++) {
		double first = 0, last = 0;
		long n;

		if (!evented_has_runs(p, e.order[i], o->view))
			continue;
		s.out = out;
		s.n = 0;
		fprintf(out, "%s\n{\"type\": \"evented\", \"name\": ", profiles ? "," : "");
		render_json_string(out, evented_thread_name(p, e.order[i], buf, sizeof(buf)));
		fputs(", \"unit\": \"milliseconds\", \"events\": [", out);
		n = evented_thread(&e, e.order[i], o->view, ss_event, &s, &first, &last);
		if (n < 0)
			rc = -1;
		fprintf(out, "], \"startValue\": %.6f, \"endValue\": %.6f}", first, last);
		profiles++;
	}
	fputs("],\n\"shared\": {\"frames\": [", out);
	for (x = 0; x < evented_frame_count(&e); x++) {
		fputs(x ? ", {\"name\": " : "{\"name\": ", out);
		render_json_string(out, evented_frame_name(&e, x, buf, sizeof(buf)));
		fputc('}', out);
	}
	fputs("]}}\n", out);
	evented_release(&e);
	return rc;
}
