/*
 * rexec.c - a script running in a pod through `kubectl exec`, its stdout read by the caller, the last
 * bytes of its stderr kept for messages (rexec.h).
 */
#include "rexec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "exitcodes.h"
#include "kube.h"
#include "podexec.h"
#include "tailbuf.h"
#include "target.h"

void rexec_init(struct rexec *x)
{
	memset(x, 0, sizeof(*x));
	kube_child_init(&x->c);
}

int rexec_start(struct kube *k, const struct target_pod *pod, const char *script,
		const char *const *args, struct rexec *x)
{
	int ret;

	rexec_init(x);
	x->c.p.out = PROC_IO_PIPE;
	x->c.p.err = PROC_IO_PIPE;
	if ((ret = podexec_start(k, pod, 0, script, args, &x->c)) < 0)
		return ret;
	fcntl(x->c.p.err_fd, F_SETFL, fcntl(x->c.p.err_fd, F_GETFL) | O_NONBLOCK);
	return 0;
}

ssize_t rexec_read_err(struct rexec *x, char *buf, size_t size)
{
	ssize_t r;

	while (x->c.p.err_fd >= 0) {
		r = read(x->c.p.err_fd, buf, size);
		if (r > 0) {
			tailbuf_add(x->err, sizeof(x->err), &x->err_len, buf, (size_t)r);
			return r;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0 || errno != EAGAIN) {
			close(x->c.p.err_fd);
			x->c.p.err_fd = -1;
		}
		break;
	}
	return 0;
}

void rexec_drain_err(struct rexec *x)
{
	char buf[4096];

	while (rexec_read_err(x, buf, sizeof(buf)) > 0)
		;
}

/* Wait for the exec to end (after its stdout was read to EOF or abandoned). Returns its status. */
int rexec_finish(struct rexec *x, int kill_it)
{
	if (!x->c.started)
		return -1;
	if (kill_it && x->c.p.pid > 0)
		kill(x->c.p.pid, SIGTERM);
	if (x->c.p.out_fd >= 0) {
		close(x->c.p.out_fd);
		x->c.p.out_fd = -1;
	}
	if (x->c.p.err_fd >= 0) {
		int fl = fcntl(x->c.p.err_fd, F_GETFL);

		fcntl(x->c.p.err_fd, F_SETFL, fl & ~O_NONBLOCK);
		rexec_drain_err(x);
	}
	return kube_child_finish(&x->c);
}

/* The last non-empty line of an exec's stderr ("" if none), for -v messages. */
void rexec_last_err_line(const struct rexec *x, char *buf, size_t bufsize)
{
	size_t end = x->err_len, start;

	while (end > 0 && (x->err[end - 1] == '\n' || x->err[end - 1] == '\r'))
		end--;
	start = end;
	while (start > 0 && x->err[start - 1] != '\n')
		start--;
	snprintf(buf, bufsize, "%.*s", (int)(end - start > 300 ? 300 : end - start), x->err + start);
}

/* Report a failed exec the way kube.h does (no shell, RBAC, unreachable...). */
int rexec_fail(struct kube *k, struct rexec *x, const struct target_pod *pod)
{
	char what[512];
	int ret;

	if (pod->noshell_quiet &&
	    kube_classify(x->err, what, sizeof(what), NULL, 0, NULL, 0) == KERR_NOSHELL)
		return -DPX_NOSHELL; /* podexec.h: the caller goes through a debug container */
	snprintf(what, sizeof(what), "cannot exec into container \"%s\" of pod \"%s\" (namespace \"%s\")",
		 pod->container, pod->name, pod->namespace);
	x->c.p.err_buf = x->err;
	x->c.p.err_len = x->err_len;
	ret = kube_fail(k, &x->c.p, what);
	x->c.p.err_buf = NULL;
	x->c.p.err_len = 0;
	return ret;
}

