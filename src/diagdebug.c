/*
 * diagdebug.c - the steps of a diagnostics verb that only a debug container needs (diagdebug.h):
 * entering it, and what its probe says of the app's process.
 */
#include "diagdebug.h"

#include <stdio.h>
#include <string.h>

#include "debugrun.h"
#include "exitcodes.h"
#include "log.h"

int diag_debug_enter(struct kube *k, const struct diag_target *t, struct diag_session *s,
		     const char *why, const struct probe_proc *seen)
{
	struct debugsec_facts f = { -1, -1, DEBUGSEC_UNKNOWN, 0 };
	struct debugrun_opts o;
	int rc;

	if (seen) {
		f.uid = (long long)seen->uid;
		f.gid = seen->gid == (gid_t)-1 ? -1 : (long long)seen->gid;
		f.from = DEBUGSEC_PROBE;
	}
	probe_release(&s->probe);
	probe_init(&s->probe);
	s->proc = NULL;
	if (s->via_debug) { /* again, as the user the first one saw */
		s->pod = s->app;
		debugrun_release(&s->dbg);
		s->via_debug = 0;
	}
	memset(&o, 0, sizeof(o));
	o.image = t->debug_image;
	o.profile = t->debug_profile;
	o.seen = seen ? &f : NULL;
	o.why = why;
	o.create = 1;
	o.unavailable = strstr(why, "has no shell") ? DPX_NOSHELL : DPX_ERROR;
	log_verbose("%s: through an ephemeral debug container", why);
	if ((rc = debugrun_ensure(k, s->pod, &o, &s->dbg)) < 0)
		return rc;
	s->app = s->pod;
	s->via_debug = 1;
	s->pod = &s->dbg.view;
	return 0;
}

/* "uid:gid" of the debug container's user as its probe saw it. */
static const char *ids(const struct probe *pr, char *buf, size_t size)
{
	if (pr->gid == (gid_t)-1)
		snprintf(buf, size, "%lu", (unsigned long)pr->uid);
	else
		snprintf(buf, size, "%lu:%lu", (unsigned long)pr->uid, (unsigned long)pr->gid);
	return buf;
}

int diag_debug_check(const struct diag_target *t, const struct diag_session *s, int *again)
{
	const struct probe_proc *p = s->proc;
	const struct probe *pr = &s->probe;
	char me[48];

	*again = 0;
	if (s->dbg.sec.guessed && pr->uid != 0 &&
	    (p->uid != pr->uid || (p->gid != (gid_t)-1 && p->gid != pr->gid))) {
		log_info("the app runs as %lu:%ld, not as %s as guessed: another debug container, "
			 "as the app's user", (unsigned long)p->uid,
			 p->gid == (gid_t)-1 ? -1L : (long)p->gid, ids(pr, me, sizeof(me)));
		*again = 1;
		return 0;
	}
	if (!p->accessible && (pr->uid != 0 || t->dump)) {
		log_error("debug container \"%s\" (user %s) cannot open /proc/%ld/root of process %ld "
			  "(uid %lu), so neither its files nor its diagnostics socket", s->dbg.name,
			  ids(pr, me, sizeof(me)), (long)p->pid, (long)p->pid, (unsigned long)p->uid);
		log_hint("the kernel opens it only to the same uid and gid as the app, or to a process "
			 "with CAP_SYS_PTRACE: --debug-profile auto (the app's user) or general (root "
			 "with SYS_PTRACE, where the cluster's policy allows it)%s",
			 t->dump ? "; a root debug container without SYS_PTRACE can trace, not dump" : "");
		return -DPX_FORBIDDEN;
	}
	if (p->accessible && p->diag_enabled && !p->socket) {
		log_error("process %ld has no diagnostics socket in its TMPDIR (%s, seen from debug "
			  "container \"%s\" as /proc/%ld/root%s): the runtime creates it there when it "
			  "starts, and cannot in a directory it may not write", (long)p->pid,
			  p->tmpdir ? p->tmpdir : "/tmp", s->dbg.name, (long)p->pid,
			  p->tmpdir ? p->tmpdir : "/tmp");
		log_hint("mount a writable volume there (an emptyDir at /tmp, or set TMPDIR to one) and "
			 "restart the pod: the socket, and the dumps the runtime writes, need it");
		return -DPX_NODOTNET;
	}
	return 0;
}
