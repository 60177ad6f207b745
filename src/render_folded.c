/*
 * render_folded.c - folded stacks: one line per distinct stack, outermost frame first, frames joined
 * by ';', then a space and the number of samples (flamegraph.pl, inferno, speedscope read it). See
 * render.h. A ';' inside a frame name (none in .NET names in practice) becomes ':' so the line splits
 * back into the same frames.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "growarr.h"
#include "render.h"

static void put_frame(FILE *out, const char *name)
{
	for (; *name; name++)
		fputc(*name == ';' ? ':' : *name == '\n' ? ' ' : *name, out);
}

int render_folded(FILE *out, const struct profile *p, const struct render_opts *o)
{
	uint32_t *path = NULL;
	size_t n, cap = 0;

	/* every node with samples of its own, its path up to the root */
	for (n = 1; n < p->nnodes; n++) {
		const struct profile_node *nd = &p->nodes[n];
		size_t depth = 0, i;
		uint32_t k;

		if (!nd->self_samples[o->view])
			continue;
		for (k = (uint32_t)n; k != 0; k = p->nodes[k].parent) {
			uint32_t *np = growarr(path, &cap, depth + 1, sizeof(*path), 64);

			if (!np) {
				free(path);
				return -1;
			}
			path = np;
			path[depth++] = k;
		}
		for (i = depth; i-- > 0;) {
			put_frame(out, p->frames[p->nodes[path[i]].frame].name);
			fputc(i ? ';' : ' ', out);
		}
		fprintf(out, "%llu\n", (unsigned long long)nd->self_samples[o->view]);
	}
	free(path);
	return 0;
}
