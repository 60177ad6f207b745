/*
 * diagdebug.h - a diagnostics verb run by dotnetprof-agent through an ephemeral debug container
 * (debugrun.h), when the app's container cannot take it: no shell, or no directory that is both
 * writable and allows exec (DEBUGCTR_AUTO), or always when asked (--debug-container).
 *
 * diag_open_agent (diagagent.h) does the steps; these are the ones that only the debug container
 * needs:
 *   diag_debug_enter  the debug container made or reused for the app's container, and the session
 *                     moved into it: s->pod becomes the debug container's view of the pod (execs go
 *                     there), s->app keeps the app's; the probe is released for the caller to run
 *                     it again, in the debug container (it sees the app's processes, their files
 *                     and sockets under /proc/PID/root/: probe.h)
 *   diag_debug_check  what the debug container's probe says of the chosen process, before the
 *                     preflight: when the debug container's user was guessed (debugsec.h) and the
 *                     app runs as another, *again is set (the caller enters a new one, made as the
 *                     uid and gid the probe saw, once); /proc/PID/root closed to it (another uid or
 *                     gid without CAP_SYS_PTRACE; root without it passes for a trace or stack, as
 *                     the agent then takes the app's ids, not for a dump, which is then copied from
 *                     there): DPX_FORBIDDEN explaining uid and SYS_PTRACE; no socket in the app's
 *                     TMPDIR: DPX_NODOTNET saying what to mount.
 *
 * Failure convention (exitcodes.h): 0, or -DPX_* after the message was printed.
 */
#ifndef DOTNETPROF_DIAGDEBUG_H
#define DOTNETPROF_DIAGDEBUG_H

#include "diag.h"

/*
 * Enter the debug container for s->pod (its container chosen), `why` saying why (for the message
 * when one is made), `seen` the app's process as a probe of its own container saw it (its uid and
 * gid; NULL when none ran there). 0 or -DPX_*.
 */
int diag_debug_enter(struct kube *k, const struct diag_target *t, struct diag_session *s,
		     const char *why, const struct probe_proc *seen);

/* The checks above for s->proc. 0 (*again 0: go on; 1: enter again), or -DPX_*. */
int diag_debug_check(const struct diag_target *t, const struct diag_session *s, int *again);

#endif
