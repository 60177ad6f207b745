/*
 * podexec.c - `kubectl exec ... -- sh -c SCRIPT`, and telling a failing script apart from a failing
 * exec (no shell, RBAC, ...).
 */
#include "podexec.h"

#include <stdio.h>
#include <string.h>

#include "exitcodes.h"
#include "kube.h"
#include "log.h"
#include "strvec.h"
#include "target.h"

/* $0 of the remote script, so its own error messages name us. */
#define SCRIPT_NAME "dotnetprof"

int podexec_argv(const struct target_pod *pod, unsigned flags, const char *script,
		 const char *const *args, struct strvec *out)
{
	if (strvec_push(out, "exec") < 0 || ((flags & PODEXEC_STDIN) && strvec_push(out, "-i") < 0) ||
	    ((flags & PODEXEC_TTY) && strvec_push(out, "-t") < 0) ||
	    strvec_push(out, pod->name) < 0 ||
	    (pod->container && (strvec_push(out, "-c") < 0 || strvec_push(out, pod->container) < 0)) ||
	    strvec_push(out, "--") < 0 ||
	    strvec_push(out, "sh") < 0 || strvec_push(out, "-c") < 0 ||
	    strvec_push(out, script) < 0 || strvec_push(out, SCRIPT_NAME) < 0 ||
	    strvec_pushv(out, args) < 0)
		return -1;
	return 0;
}

int podexec_start(struct kube *k, const struct target_pod *pod, unsigned flags, const char *script,
		  const char *const *args, struct kube_child *c)
{
	struct strvec words = STRVEC_INIT;
	int ret;

	if (podexec_argv(pod, flags, script, args, &words) < 0) {
		log_error("cannot exec into pod \"%s\": out of memory", pod->name);
		return -DPX_ERROR;
	}
	ret = kube_start(k, pod->namespace, strvec_argv(&words), c);
	strvec_clear(&words);
	return ret;
}

int podexec_failed(struct kube *k, const struct target_pod *pod, const struct proc *p)
{
	char what[512], why[512];

	if (p->status == 0)
		return 0;
	snprintf(what, sizeof(what), "cannot exec into container \"%s\" of pod \"%s\" (namespace \"%s\")",
		 pod->container, pod->name, pod->namespace);
	if (kube_classify(p->err_buf, why, sizeof(why), NULL, 0, NULL, 0) == KERR_NOSHELL) {
		if (pod->noshell_quiet)
			return -DPX_NOSHELL;
		log_error("%s: the container has no shell (sh), so nothing can run in it; "
			  "distroless images are built that way", what);
		log_hint("an ephemeral debug container is the way in: trace, dump, stack, ps and fetch "
			 "make one (counters and gcdump with a --debug-image that has the .NET "
			 "runtime) unless --no-debug-container or DOTNETPROF_DEBUG_CONTAINER=never");
		return -DPX_NOSHELL;
	}
	if (pod->lost && strstr(p->err_buf ? p->err_buf : "", "closed all streams")) {
		log_verbose("kubectl lost the status of the exec into container \"%s\" of pod \"%s\" "
			    "(closed all streams): once more", pod->container, pod->name);
		*pod->lost = 1; /* the caller tries again: this says nothing of the container */
		return -DPX_ERROR;
	}
	/*
	 * kubectl passes the remote status through and says so: the script ran and failed. Checked
	 * before classifying, as the script's own stderr may contain anything.
	 */
	if (strstr(p->err_buf ? p->err_buf : "", "command terminated with exit code"))
		return 0;
	return kube_fail(k, p, what);
}

int podexec_script(struct kube *k, const struct target_pod *pod, const char *script,
		   const char *const *args, struct proc *p)
{
	struct strvec argv = STRVEC_INIT;
	int ret = -DPX_ERROR;

	if (podexec_argv(pod, p->in != PROC_IO_NULL ? PODEXEC_STDIN : 0, script, args, &argv) < 0) {
		log_error("cannot exec into pod \"%s\": out of memory", pod->name);
		goto out;
	}
	if ((ret = kube_run(k, pod->namespace, strvec_argv(&argv), p)) == 0)
		ret = podexec_failed(k, pod, p);
out:
	strvec_clear(&argv);
	return ret;
}
