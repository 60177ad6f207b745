/*
 * debugrun.h - the plugin's ephemeral debug container in a pod, through kubectl: reused when one
 * runs, else made with `kubectl debug` and waited for; stopped by `clean`. Names, states and reuse:
 * debugctr.h; its user and capabilities: debugsec.h.
 *
 * The debug container shares the target container's PID (and uts, ipc, network) namespaces: the
 * app's processes are visible in its /proc, and their files and diagnostics socket under
 * /proc/PID/root/. The plugin runs its probe and dotnetprof-agent there, through `kubectl exec -c
 * NAME`, exactly as in a container with a shell (diagagent.h). What is made, the one command a user
 * can replay from -v:
 *
 *   kubectl -n NS debug POD --image=IMAGE --target=CTR --container=NAME --profile=PROFILE \
 *       [--custom=/dev/stdin] -- sleep infinity
 *
 * --custom carries {"securityContext":{"runAsUser":U,"runAsGroup":G}} on kubectl's stdin, with
 * KUBECTL_DEBUG_CUSTOM_PROFILE=true in its environment (kubectl 1.30 needs it for --custom; later
 * ones ignore it); -v shows that line as
 *   printf '%s\n' '{"securityContext":...}' | KUBECTL_DEBUG_CUSTOM_PROFILE=true kubectl ...
 * IMAGE: the caller's (--debug-image), else $DOTNETPROF_DEBUG_IMAGE, else DEBUGCTR_IMAGE (a public
 * busybox with sh, cat and sleep; a mirror of it serves air-gapped clusters).
 *
 * Then the pod is read again (kubectl get pod -o json: 0.25 s, then every 0.5 s and every 1 s)
 * until the container runs. It fails at once when the kubelet says it never will (a waiting reason
 * that does not pass: CreateContainerConfigError such as runAsNonRoot with root; or the container
 * ended), and after the timeout (the caller's, else $DOTNETPROF_DEBUG_TIMEOUT, else 60 s) while the
 * image cannot be pulled, naming the image, the kubelet's reason and the Warning events of that
 * container (kubectl get events). Ctrl-C stops the wait (DPX_INTERRUPTED).
 *
 * Failures of `kubectl debug` itself, each with a hint: RBAC (DPX_FORBIDDEN: the permission is
 * patch pods/ephemeralcontainers), Pod Security admission refusing the profile (DPX_FORBIDDEN: the
 * restricted profile passes every level), a cluster without the ephemeralcontainers subresource
 * (before 1.25, or turned off: o->unavailable, DPX_NOSHELL when the container has no shell).
 *
 * Failure convention (exitcodes.h): 0, or -DPX_* after the message was printed.
 */
#ifndef DOTNETPROF_DEBUGRUN_H
#define DOTNETPROF_DEBUGRUN_H

#include "debugctr.h"
#include "debugsec.h"
#include "target.h"

struct kube;

#define DEBUGRUN_TIMEOUT_S 60

struct debugrun_opts {
	const char *image;                /* NULL: $DOTNETPROF_DEBUG_IMAGE, else DEBUGCTR_IMAGE */
	enum debugsec_profile profile;    /* --debug-profile (AUTO: debugsec.h's rules) */
	const struct debugsec_facts *seen; /* the app's uid and gid a probe saw (over the pod spec's),
					      or NULL */
	const char *why;                  /* why a debug container, for the message that says it is
					     made: "the container has no shell" */
	int create;                       /* 0: only a running one is used (debugrun_ensure returns 1
					     when there is none) */
	int timeout_s;                    /* 0: $DOTNETPROF_DEBUG_TIMEOUT, else DEBUGRUN_TIMEOUT_S */
	int unavailable;                  /* DPX_* when the cluster has no ephemeral containers */
};

struct debugrun {
	char name[DEBUGCTR_NAME_MAX];     /* the debug container */
	const char *target;               /* the app's container (the pod's, borrowed) */
	char *image;                      /* the image it runs (owned) */
	int created;                      /* made by this run (else reused or waited for) */
	struct debugsec sec;              /* the user it runs as, and why */
	struct target_pod view;           /* the pod with container = name: what execs go to (a
					     shallow copy of the caller's pod, whose strings it
					     borrows: it must not outlive that pod) */
};

/* The image a run uses: `flag` if set, else $DOTNETPROF_DEBUG_IMAGE if set, else DEBUGCTR_IMAGE. */
const char *debugrun_image(const char *flag);

/*
 * A running debug container of ours for pod->container (reused, waited for, or made: above), in
 * *d (release it with debugrun_release, also after a failure). 0; 1 without o->create when none
 * runs (nothing printed); or -DPX_*.
 */
int debugrun_ensure(struct kube *k, const struct target_pod *pod, const struct debugrun_opts *o,
		    struct debugrun *d);
void debugrun_release(struct debugrun *d);

/*
 * Our debug containers in `pod` for `target` (NULL: for any container), from one `kubectl get pod`:
 * *l as debugctr_scan gives it (release with debugctr_list_release). 0 or -DPX_*.
 */
int debugrun_list(struct kube *k, const struct target_pod *pod, const char *target,
		  struct debugctr_list *l);

/*
 * Stop the running debug container `name` of `pod` (src/pod/debugstop.sh in it: SIGTERM to its own
 * processes, never the app's), then wait up to 10 s for the pod to show it terminated. *stopped:
 * how many processes got the signal. 0, or -DPX_* (the exec failed; it did not end in time:
 * DPX_ERROR).
 */
int debugrun_stop(struct kube *k, const struct target_pod *pod, const char *name, int *stopped);

#endif
