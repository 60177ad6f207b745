/*
 * list.h - the `list` command: .NET processes, their sockets, and what the runtime says of itself
 * (ProcessInfo3, else 2, else the first), one `proc` record each.
 */
#ifndef DOTNETPROF_AGENT_LIST_H
#define DOTNETPROF_AGENT_LIST_H

#include <sys/types.h>

#include "ipc.h"
#include "dnproc.h"

/*
 * Ask t's runtime for ProcessInfo, the newest version it knows. Returns 0 with *pi filled (caller
 * releases it) and *command its name, or -1 with errno (connection trouble; EBADMSG; and EPROTO
 * with *hr when the runtime answered every version with an error).
 */
int list_process_info(const struct dnproc *t, struct ipc_process_info *pi, const char **command,
		      uint32_t *hr);

/* Print the records of every .NET process, or of `pid` alone (> 0). Returns an AGENT_EX_* status. */
int list_run(pid_t pid);

#endif
