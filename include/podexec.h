/*
 * podexec.h - run a script with the container's own POSIX sh through `kubectl exec`.
 *
 *   kubectl [global flags] -n NS exec POD -c CONTAINER -- sh -c SCRIPT dotnetprof [ARGS...]
 *
 * The script travels as one argv word (no local shell anywhere); values the script needs are passed as
 * ARGS and read there as "$1", "$2"... so they need no quoting at all. Scripts that must embed a value
 * in a command string use sh_quote() (quote.h).
 */
#ifndef DOTNETPROF_PODEXEC_H
#define DOTNETPROF_PODEXEC_H

#include "proc.h"
#include "strvec.h"

struct kube;
struct target_pod;

/* podexec_argv flags: `kubectl exec -i` (stdin forwarded), `-t` (a terminal in the pod). */
#define PODEXEC_STDIN 0x1
#define PODEXEC_TTY   0x2

/*
 * Append kubectl's arguments for running `script` in pod->container with `args` (NULL or a
 * NULL-terminated list) to `out`:
 *     exec [-i] [-t] POD -c CONTAINER -- sh -c SCRIPT dotnetprof ARGS...
 * (no global flags or namespace: kube_run and kube_build_argv add them, with pod->namespace). A
 * pod->container of NULL leaves -c out: kubectl then takes the pod's default container (its
 * kubectl.kubernetes.io/default-container annotation, else the first). For callers that drive the
 * exec's pipes themselves; podexec_script uses it too. 0 or -1 (ENOMEM).
 */
int podexec_argv(const struct target_pod *pod, unsigned flags, const char *script,
		 const char *const *args, struct strvec *out);

struct kube_child;

/*
 * Start `script` in pod->container with `args` and leave kubectl running (kube_start): the caller set
 * up `c` with kube_child_init and its io modes, drives the pipes and calls kube_child_finish.
 * Returns 0, or -DPX_* (reported: out of memory, kubectl missing).
 */
int podexec_start(struct kube *k, const struct target_pod *pod, unsigned flags, const char *script,
		  const char *const *args, struct kube_child *c);

/*
 * Run `script` in pod->container (chosen by target_pick_container) of `pod`, with `args` (NULL or a
 * NULL-terminated list) as its positional parameters. `p` is set up by the caller with
 * proc_init(p, NULL) (stdin buffer, capture limits); the caller releases it.
 *
 * Returns 0 when the script ran: its exit status is p->status (kubectl passes it through) and its
 * output is in p->out_buf / p->err_buf. Returns -DPX_* when it could not run, with the message
 * printed: the container has no shell (DPX_NOSHELL, with the debug container hint; no message when
 * pod->noshell_quiet is set), forbidden
 * (DPX_FORBIDDEN), not running, kubectl missing, cluster unreachable... (a lost status with
 * pod->lost set: DPX_ERROR without an error message (-v says it), *pod->lost set).
 */
int podexec_script(struct kube *k, const struct target_pod *pod, const char *script,
		   const char *const *args, struct proc *p);

/*
 * For a script the caller ran itself (podexec_start): p->status and p->err_buf (kubectl's stderr)
 * as podexec_script would have them. 0 when the script ran (whatever its status), -DPX_* with the
 * message printed when the exec failed (no shell, forbidden, not running...).
 */
int podexec_failed(struct kube *k, const struct target_pod *pod, const struct proc *p);

#endif
