/*
 * target.h - what the user names (TARGET or -l SELECTOR) and the Running pods and container it means.
 *
 * TARGET forms: POD, pod/POD (po, pods), deploy/NAME (deployment, deployments, deployment.apps),
 * statefulset/NAME (sts), daemonset/NAME (ds), replicaset/NAME (rs); or -l SELECTOR instead of a TARGET.
 * Resolution uses `kubectl get ... -o json`: one call for a pod, two for a workload (the workload for
 * its spec.selector, then `get pods -l`), one for a selector.
 *
 * Ambiguity is never guessed away: several pods, or several containers without -c or the
 * kubectl.kubernetes.io/default-container annotation, is an error listing the choices.
 *
 * Failure convention (exitcodes.h): 0, or -DPX_* after the message was printed.
 */
#ifndef DOTNETPROF_TARGET_H
#define DOTNETPROF_TARGET_H

#include <stddef.h>

struct cJSON;
struct kube;

enum target_kind { TARGET_POD, TARGET_WORKLOAD, TARGET_SELECTOR };

struct target_spec {
	enum target_kind kind;
	char *resource;  /* canonical kubectl resource: pod, deployment, statefulset, daemonset,
	                    replicaset; NULL for a selector */
	char *name;      /* NULL for a selector */
	char *selector;  /* TARGET_SELECTOR only */
};

/*
 * Parse TARGET `arg` (may be NULL) and the -l `selector` (may be NULL): exactly one of them must be
 * given. Returns 0, or -1 with a usage message in `err` (unknown kind, empty name, both or neither).
 * Release with target_spec_release().
 */
int target_spec_parse(struct target_spec *t, const char *arg, const char *selector, char *err,
		      size_t errsize);
void target_spec_release(struct target_spec *t);

/* "pod/x", "deployment/x", "selector app=x" into buf; returns buf. */
const char *target_spec_describe(const struct target_spec *t, char *buf, size_t bufsize);

struct target_container {
	char *name;
	int running;     /* status says state.running (1 also when the pod reports no status yet) */
	char *state;     /* "running", "waiting: CrashLoopBackOff", "terminated: Completed" */
};

struct target_pod {
	char *name;
	char *namespace;
	char *node;                  /* may be NULL */
	char *phase;                 /* "Running", "Pending", ... ("Unknown" if absent) */
	int deleting;                /* metadata.deletionTimestamp is set */
	struct target_container *containers; /* spec.containers, in order */
	size_t ncontainers;
	char *default_container;     /* the annotation, may be NULL */
	const char *container;       /* chosen by target_pick_container(); points into containers */
	int noshell_quiet;           /* an exec that finds no shell in the container returns
					DPX_NOSHELL without a message (podexec.h): the caller goes
					through a debug container instead */
	int *lost;                   /* set: an exec whose status kubectl lost ("closed all
					streams", as kubectl 1.31 says at times when an exec fails
					at once) sets *lost and returns -DPX_ERROR without an error
					message (podexec.h): the caller runs it once more */
};

/* The Running pods a target resolved to, sorted by name. */
struct target_set {
	struct target_pod *pods;
	size_t npods;
};

void target_pod_release(struct target_pod *pod);
void target_set_release(struct target_set *s);

/* Fill `pod` from one Pod object of the API. Returns 0, or -1 (not a pod: no metadata.name, ENOMEM). */
int target_pod_from_json(const struct cJSON *item, struct target_pod *pod);

/* 1 when the pod is usable: phase Running and not being deleted. */
int target_pod_running(const struct target_pod *pod);

/*
 * Resolve `t` to its Running pods (at least one). Errors: nothing found (DPX_NOTFOUND, naming the
 * namespace), found but none running (DPX_NOTRUNNING, with phases), kubectl failures (kube.h).
 */
int target_resolve(struct kube *k, const struct target_spec *t, struct target_set *out);

/*
 * Require exactly one pod in `s` and point *pod at it. Several: -DPX_AMBIGUOUS, listing them;
 * `all_flag` (e.g. "--all", may be NULL) is suggested in the hint when the verb has one. None:
 * -DPX_NOTFOUND.
 */
int target_pick_pod(const struct target_spec *t, struct target_set *s, const char *all_flag,
		    struct target_pod **pod);

/*
 * Choose the container of `pod`: `want` (-c) if given, else the default-container annotation when it
 * names a container, else the only one. Sets pod->container. Errors: no such container
 * (DPX_NOTFOUND), several and no choice (DPX_AMBIGUOUS), chosen container not running (DPX_NOTRUNNING);
 * each lists the containers.
 */
int target_pick_container(struct target_pod *pod, const char *want);

/*
 * target_resolve, then target_pick_pod (no --all), then target_pick_container(`container`): the one
 * pod and container a verb works on, in *pod (pod->container chosen). `set` owns the pods (release it
 * even on failure). 0 or -DPX_*.
 */
int target_resolve_one(struct kube *k, const struct target_spec *t, const char *container,
		       struct target_set *set, struct target_pod **pod);

#endif
