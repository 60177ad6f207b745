/*
 * diagagent.c - from TARGET to one .NET process and dotnetprof-agent in its container (diagagent.h):
 * the probe that also finds the agent, the agent's preflight, the push of the embedded agent.
 */
#include "diagagent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentbin.h"
#include "agentrun.h"
#include "diagdebug.h"
#include "diagrun.h"
#include "exitcodes.h"
#include "log.h"
#include "push.h"
#include "rid.h"
#include "target.h"
#include "workspace.h"

static int fail_oom(void)
{
	log_error("out of memory");
	return -DPX_ERROR;
}

/* The embedded agent for the pod's platform, or DPX_NODOTNET with a message. */
static int pick_agent(const struct diag_session *s, struct diag_agent *a)
{
	a->bin = s->rid[0] ? agentbin_for_rid(s->rid) : NULL;
	if (a->bin)
		return 0;
	if (!agentbin_count()) {
		log_error("this build of kubectl-dotnetprof carries no dotnetprof-agent");
		log_hint("use --engine tools (Microsoft's diagnostics tools), or a Linux build of the "
			 "plugin, which embeds the agent");
		return -DPX_NODOTNET;
	}
	log_error("no dotnetprof-agent for this platform (%s, %s) of pod \"%s\"",
		  s->probe.arch[0] ? s->probe.arch : "unknown architecture",
		  libc_kind_name(s->probe.libc), s->pod->name);
	log_hint("the agent is built for x64, arm64 and arm; --engine tools uses Microsoft's tools");
	return -DPX_NODOTNET;
}

/* The agent into the open workspace s->ws, from the embedded bytes (verified in the pod). */
static int push_agent(struct kube *k, struct diag_session *s, struct diag_agent *a)
{
	struct push_opts po;
	struct push_result pr;
	char dest[64];
	int rc;

	if (s->probe.agent_ws && !strcmp(s->probe.agent_ws, s->ws.path))
		log_verbose("agent: the copy in %s is not this plugin's (sha256 %s, want %s): replaced",
			    s->ws.path, s->probe.agent_sha256 ? s->probe.agent_sha256 : "unknown",
			    a->bin->sha256);
	snprintf(dest, sizeof(dest), "tools/%s", DIAG_AGENT_NAME);
	memset(&po, 0, sizeof(po));
	po.data = a->bin->data;
	po.data_size = a->bin->size;
	po.dest = dest;
	po.kind = "tool";
	po.mode = 0700;
	po.label = DIAG_AGENT_NAME;
	if ((rc = push_file(k, s->pod, s->probe.cmds, &s->ws, &po, &pr)) < 0)
		return rc;
	a->pushed = !pr.reused;
	a->pushed_bytes = pr.reused ? 0 : pr.size;
	return 0;
}

/* Is the agent the probe found ours? Then use its workspace as it is. */
static int agent_is_current(const struct diag_session *s, const struct diag_agent *a)
{
	const struct probe *pr = &s->probe;

	return pr->agent_ws && pr->agent_sha256 && !strcmp(pr->agent_sha256, a->bin->sha256) &&
	       (pr->agent_size < 0 || (unsigned long long)pr->agent_size == a->bin->size);
}

const char *diag_agent_dump_dir(const struct diag_session *s, const char **dir)
{
	const char *tmp = s->proc->tmpdir && *s->proc->tmpdir ? s->proc->tmpdir : "/tmp";

	if (!s->via_debug && s->ws_open && s->ws.run_dir && s->proc->uid == s->probe.uid) {
		*dir = s->ws.run_dir;
		return s->ws.run_dir;
	}
	*dir = tmp;
	return NULL;
}

/*
 * A pod named by the user (TARGET POD or pod/POD): the exec that probes starts at once, side by side
 * with the resolve (kubectl takes the same namespace, and the same container: -c, else the
 * default-container annotation, else the only one; any other case fails the resolve, which then
 * stops this exec). That saves a kubectl start and an API round trip on a warm run. 0 or -DPX_*.
 */
static int start_early(struct kube *k, const struct diag_target *t, const struct agentrun_opts *go,
		       struct diag_agent *a)
{
	struct target_pod named;

	memset(&named, 0, sizeof(named));
	named.name = t->spec->name;
	named.container = t->container;
	if (t->spec->kind != TARGET_POD || !named.name)
		return 0;
	return agentrun_start(k, &named, go, &a->run);
}

/* The probe, in the exec that may then run the agent (started early, or now). 0 or -DPX_*. */
static int probe_first(struct kube *k, const struct agentrun_opts *go, struct diag_session *s,
		       struct diag_agent *a)
{
	const char *text;
	size_t len;
	int status, rc;

	if (a->run)
		agentrun_set_pod(a->run, s->pod);
	else if ((rc = agentrun_start(k, s->pod, go, &a->run)) < 0)
		return rc;
	if ((rc = agentrun_probe(a->run, &text, &len, &status)) < 0 ||
	    (rc = diag_probe_take(s->pod, status, "", text, len, &s->probe, s->rid,
				  sizeof(s->rid))) < 0)
		return rc;
	return diag_probe_require(s->pod, &s->probe, s->rid);
}

/* The exec that probed runs nothing more. */
static void drop_run(struct diag_agent *a)
{
	agentrun_abort(a->run);
	a->run = NULL;
}

/*
 * The probe of s->pod's container: in the exec that may run the agent (`go`), or alone. An exec
 * whose status kubectl lost (target.h) is run once more: it says nothing of the container.
 */
static int probe(struct kube *k, const struct agentrun_opts *go, struct diag_session *s,
		 struct diag_agent *a)
{
	int lost = 0, rc;

	if (!go)
		return diag_probe_pod_agent(k, s->pod, DIAG_AGENT_NAME, &s->probe, s->rid,
					    sizeof(s->rid));
	s->pod->lost = &lost;
	rc = probe_first(k, go, s, a);
	s->pod->lost = NULL;
	if (rc >= 0 || !lost)
		return rc;
	drop_run(a);
	probe_release(&s->probe);
	probe_init(&s->probe);
	return probe_first(k, go, s, a);
}


/* The process (diag.h's rules), and in a debug container what its probe says of it. 0 or -DPX_*. */
static int pick_process(const struct diag_target *t, struct diag_session *s, struct diag_agent *a,
			int *again)
{
	struct diag_problem pb;
	long idx = diag_pick_process(&s->probe, t->pid, t->process_name, &pb);
	int rc;

	*again = 0;
	if (idx < 0)
		return diag_fail(&pb);
	s->proc = &s->probe.procs[idx];
	if (s->via_debug && ((rc = diag_debug_check(t, s, again)) < 0 || *again))
		return rc;
	if (diag_preflight_access(&s->probe, s->proc, 0, &pb) < 0)
		return diag_fail(&pb);
	return pick_agent(s, a);
}

/* Into the debug container (diagdebug.h), probed there and the process chosen. 0 or -DPX_*. */
static int via_debug(struct kube *k, const struct diag_target *t, const struct agentrun_opts *go,
		     struct diag_session *s, struct diag_agent *a, const char *why,
		     const struct probe_proc *seen)
{
	struct probe_proc app;
	int again = 0, rc;

	drop_run(a);
	if ((rc = diag_debug_enter(k, t, s, why, seen)) < 0 || (rc = probe(k, go, s, a)) < 0 ||
	    (rc = pick_process(t, s, a, &again)) < 0 || !again)
		return rc;
	app = *s->proc; /* its uid and gid: the probe it is in goes */
	drop_run(a);
	if ((rc = diag_debug_enter(k, t, s, "the app's user", &app)) < 0 ||
	    (rc = probe(k, go, s, a)) < 0 || (rc = pick_process(t, s, a, &again)) < 0)
		return rc;
	if (!again)
		return 0;
	log_error("debug container \"%s\" still does not run as the app's user", s->dbg.name);
	return -DPX_ERROR;
}

/* Why the app's own container cannot take the agent, or NULL. */
static const char *needs_debug(const struct diag_target *t, const struct diag_session *s,
			       const struct diag_agent *a)
{
	size_t idx[1];

	if (t->debug != DEBUGCTR_AUTO || (agent_is_current(s, a) && !t->dump) ||
	    workspace_candidates(&s->probe, 1, idx, 1))
		return NULL;
	return "no directory in it is both writable and allows exec";
}

/* The agent where it runs: found by the probe, or pushed into a workspace. 0 or -DPX_*. */
static int place_agent(struct kube *k, const struct diag_target *t, struct diag_session *s,
		       struct diag_agent *a)
{
	int rc;

	if (agent_is_current(s, a) && !t->dump) {
		if (!(a->ws = strdup(s->probe.agent_ws)))
			return fail_oom();
		log_verbose("agent: %s/tools/%s is this plugin's (sha256 %s): nothing to push", a->ws,
			    DIAG_AGENT_NAME, a->bin->sha256);
		return 0;
	}
	drop_run(a); /* the agent must be pushed first: that exec runs nothing */
	if ((rc = workspace_open(k, s->pod, &s->probe, 1, &s->ws)) < 0)
		return rc;
	s->ws_open = 1;
	if (!(a->ws = strdup(s->ws.path)))
		return fail_oom();
	if ((!agent_is_current(s, a) || strcmp(s->ws.path, s->probe.agent_ws)) &&
	    (rc = push_agent(k, s, a)) < 0)
		return rc;
	if (!t->dump) { /* the run's directory served the push only */
		diagrun_finish(k, s->pod, &s->ws, NULL, 0, NULL);
		workspace_release(&s->ws);
		s->ws_open = 0;
	}
	return 0;
}

int diag_open_agent(struct kube *k, const struct diag_target *t, const struct agentrun_opts *go,
		    struct diag_session *s, struct diag_agent *a)
{
	const char *dir, *why;
	char because[400];
	int again, rc;

	memset(s, 0, sizeof(*s));
	memset(a, 0, sizeof(*a));
	probe_init(&s->probe);
	if (go && t->debug != DEBUGCTR_ALWAYS && (rc = start_early(k, t, go, a)) < 0)
		return rc;
	if ((rc = target_resolve_one(k, t->spec, t->container, &s->set, &s->pod)) < 0) {
		drop_run(a);
		return rc;
	}
	s->pod->noshell_quiet = t->debug == DEBUGCTR_AUTO;
	if (t->debug == DEBUGCTR_ALWAYS) {
		snprintf(because, sizeof(because), "container \"%s\" of pod \"%s\", as asked "
			 "(--debug-container)", s->pod->container, s->pod->name);
		rc = via_debug(k, t, go, s, a, because, NULL);
	} else if ((rc = probe(k, go, s, a)) == -DPX_NOSHELL && t->debug == DEBUGCTR_AUTO) {
		snprintf(because, sizeof(because), "container \"%s\" of pod \"%s\" has no shell",
			 s->pod->container, s->pod->name);
		rc = via_debug(k, t, go, s, a, because, NULL);
	} else if (rc == 0 && (rc = pick_process(t, s, a, &again)) == 0 &&
		   (why = needs_debug(t, s, a))) {
		snprintf(because, sizeof(because), "container \"%s\" of pod \"%s\": %s",
			 s->pod->container, s->pod->name, why);
		rc = via_debug(k, t, go, s, a, because, s->proc);
	}
	if (rc < 0 || (rc = place_agent(k, t, s, a)) < 0)
		return rc;
	log_verbose("target: pod %s/%s container %s%s%s, process %ld (%s, .NET %s), %s, agent in %s",
		    s->pod->namespace, s->pod->name, s->via_debug ? s->app->container : "",
		    s->via_debug ? " through debug container " : "", s->pod->container,
		    (long)s->proc->pid, s->proc->name ? s->proc->name : "?",
		    s->proc->runtime_version ? s->proc->runtime_version : "self-contained or unknown",
		    s->rid, a->ws);
	if (t->dump == DIAG_DUMP_NONE)
		return 0;
	if (diag_agent_dump_dir(s, &dir))
		return diag_check_dump_space(t, s, s->ws.path, 1);
	if (s->via_debug) {
		log_verbose("the free space of the app's %s is not known from the debug container: "
			    "not checked", dir);
		return 0;
	}
	return diag_check_dump_space(t, s, dir, 0);
}

void diag_agent_close(struct diag_session *s, struct diag_agent *a)
{
	agentrun_abort(a->run);
	diag_close(s);
	free(a->ws);
	memset(a, 0, sizeof(*a));
}
