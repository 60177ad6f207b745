/*
 * render_stack.c - every thread's managed stack as `dotnet-stack report` prints it (its
 * ReportCommand.cs): per thread, "Thread (0xTID):", then the frames of its first sample, innermost
 * first, each indented by two spaces, topped by "CPU_TIME" when the thread was running managed code
 * and "[Native Frames]" when it was not (TraceEvent's UNMANAGED_CODE_TIME), then an empty line. Like
 * dotnet-stack, a thread is shown from its first interval (TraceEvent's thread time needs a second
 * event to close it), and an address no method covers is "?!?". A thread sampled only once (a
 * loaded machine can leave the 10 ms session one sample per thread) is shown from that sample,
 * where dotnet-stack would leave it out. See render.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "render.h"

#define MAX_DEPTH 4096

int render_stacks(FILE *out, const struct profile *p, const struct render_opts *o)
{
	uint32_t *frames = malloc(MAX_DEPTH * sizeof(*frames));
	size_t i, j, depth;

	(void)o;
	if (!frames)
		return -1;
	for (i = 0; i < p->nthreads; i++) {
		const struct profile_thread *t = &p->threads[i];
		uint32_t stack = t->nruns ? t->runs[0].stack : t->last_stack;
		int running = t->nruns ? t->runs[0].running : t->last_running;

		if (stack == PROFILE_NONE)
			continue;
		fprintf(out, "Thread (0x%llX):\n", (unsigned long long)t->tid);
		fprintf(out, "  %s\n", running ? "CPU_TIME" : "[Native Frames]");
		depth = profile_stack_frames(p, stack, frames, MAX_DEPTH);
		for (j = 0; j < depth && j < MAX_DEPTH; j++) {
			const struct profile_frame *f = &p->frames[frames[j]];

			fprintf(out, "  %s\n", f->resolved ? f->name : "?!?");
		}
		fputc('\n', out);
	}
	free(frames);
	return 0;
}
