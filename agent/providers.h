/*
 * providers.h - which EventPipe providers a trace enables, decided as dotnet-trace collect decides
 * (src/Tools/dotnet-trace: ProviderUtils.cs, ListProfilesCommandHandler.cs, CollectCommand.cs):
 * --providers first, then the profiles' providers not named already, then --clrevents unless the
 * runtime provider is there; no option at all means the profiles dotnet-common +
 * dotnet-sampled-thread-time. Also the rundown keyword and the fallback when the runtime does not
 * know CollectTracing4.
 */
#ifndef DOTNETPROF_AGENT_PROVIDERS_H
#define DOTNETPROF_AGENT_PROVIDERS_H

#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

/* What to retry with when the runtime answers CollectTracing4 with "unknown command". */
enum provider_retry {
	RETRY_NONE = 0,
	RETRY_KEEP_RUNDOWN,  /* CollectTracing2 with the default rundown */
	RETRY_DROP_RUNDOWN,  /* CollectTracing2 without rundown */
};

struct provider_set {
	struct ipc_provider *v;   /* names and args malloc'd */
	size_t n;
	uint64_t rundown_keyword; /* 0: none */
	enum provider_retry retry;
};

/* The options, as typed (NULL or "" when not given). rundown: -1 unset, 0 false, 1 true. */
struct provider_opts {
	const char *providers;
	const char *profiles;
	const char *clrevents;
	const char *clreventlevel;
	int rundown;
};

/*
 * Build the set from the options. Returns 0, or -1 with a message (no full stop) in err: an
 * unknown profile or CLR keyword, a bad level or keyword mask, a provider given twice with
 * arguments, no provider at all.
 */
int providers_build(struct provider_set *ps, const struct provider_opts *o, char *err, size_t errsize);

/* The providers of dotnet-stack: the sample profiler alone. Returns 0, or -1 (ENOMEM). */
int providers_stack(struct provider_set *ps);

/*
 * The session request for ps, as dotnet-trace sends it: CollectTracing4 when the rundown keyword is
 * neither the default nor 0, else CollectTracing2; stack walks on. c points into ps.
 */
void providers_collect(const struct provider_set *ps, uint32_t buffer_mb, struct ipc_collect *c);

/*
 * The request to send after the runtime answered `c` with "unknown command" (c changed in place):
 * CollectTracing4 -> CollectTracing2 with or without rundown (the profile's choice; RETRY_NONE:
 * no retry), CollectTracing2 -> CollectTracing (always with rundown). Returns 0, or -1 when
 * there is nothing older to try.
 */
int providers_fallback(const struct provider_set *ps, struct ipc_collect *c);

/* Free what ps holds. */
void providers_release(struct provider_set *ps);

/*
 * The set in --providers syntax, Name:0xKEYWORDS:LEVEL[:args] joined by ',' (for the trace-start
 * record). Returns 0, or -1 (ENAMETOOLONG) when buf is too small.
 */
int providers_format(const struct provider_set *ps, char *buf, size_t size);

#endif
