/*
 * rexec.h - a script running in a pod through `kubectl exec` whose stdout the caller reads as it
 * comes (a pull's stat and stream execs), with the last bytes of its stderr kept for messages.
 *
 * rexec_start runs `kubectl exec POD -c C -- sh -c SCRIPT dotnetprof ARGS...` (podexec.h) with
 * stdout and stderr piped; stderr is non-blocking: call rexec_drain_err when it is readable.
 */
#ifndef DOTNETPROF_REXEC_H
#define DOTNETPROF_REXEC_H

#include <stddef.h>
#include <sys/types.h>

#include "kube.h"

struct target_pod;

#define REXEC_ERR_KEEP 16384

struct rexec {
	struct kube_child c;         /* c.p.out_fd: the script's stdout, for the caller */
	char err[REXEC_ERR_KEEP];    /* the last bytes of its stderr, NUL-terminated */
	size_t err_len;
};

/* A zeroed rexec that has not started (rexec_finish on it returns -1). */
void rexec_init(struct rexec *x);

/* Start `script` with `args` in pod->container. 0, or -DPX_* (reported: kubectl missing, memory). */
int rexec_start(struct kube *k, const struct target_pod *pod, const char *script,
		const char *const *args, struct rexec *x);

/* Read what stderr has now without blocking, keeping its tail; closes the fd at EOF. */
void rexec_drain_err(struct rexec *x);

/*
 * Read one chunk of stderr into `buf` without blocking, keeping its tail too. Returns the bytes read,
 * or 0 when there is nothing now or stderr ended (the fd is then closed).
 */
ssize_t rexec_read_err(struct rexec *x, char *buf, size_t size);

/*
 * Close stdout (after it was read to EOF or abandoned), read the rest of stderr, wait for kubectl
 * and return its status (-1 when not started). `kill_it`: SIGTERM it first.
 */
int rexec_finish(struct rexec *x, int kill_it);

/* The last non-empty line of its stderr ("" if none), cut to fit `bufsize`. */
void rexec_last_err_line(const struct rexec *x, char *buf, size_t bufsize);

/*
 * kubectl itself failed (not the script): say why as kube_fail does (no shell, RBAC, unreachable)
 * from the kept stderr. Returns -(its DPX_* class).
 */
int rexec_fail(struct kube *k, struct rexec *x, const struct target_pod *pod);

#endif
