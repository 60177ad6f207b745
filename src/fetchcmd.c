/*
 * fetchcmd.c - the `kubectl dotnetprof fetch ...` command that hints print (fetchcmd.h). The
 * namespace and container are always named: the user may have reached the pod through a workload,
 * a selector or the context's namespace, and the hint must work from any shell as printed.
 */
#include <errno.h>
#include <stddef.h>

#include "fetchcmd.h"
#include "quote.h"

char *fetchcmd_line(const struct target_pod *pod, const char *remote, const char *local,
		    enum fetchcmd_part part)
{
	const char *argv[16];
	size_t n = 0;

	if (part != FETCHCMD_NEW && !local) {
		errno = EINVAL;
		return NULL;
	}
	argv[n++] = "kubectl";
	argv[n++] = "dotnetprof";
	argv[n++] = "fetch";
	argv[n++] = pod->name;
	argv[n++] = remote;
	if (local) {
		argv[n++] = "-o";
		argv[n++] = local;
	}
	if (part == FETCHCMD_RESUME)
		argv[n++] = "--resume";
	else if (part == FETCHCMD_RESTART)
		argv[n++] = "--force";
	argv[n++] = "-n";
	argv[n++] = pod->namespace;
	argv[n++] = "-c";
	argv[n++] = pod->container;
	argv[n] = NULL;
	return sh_quote_argv(argv);
}
