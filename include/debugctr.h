/*
 * debugctr.h - the plugin's ephemeral debug containers as the pod records them: their names, their
 * state, and whether a run may reuse one. Pure (the pod's JSON in, decisions out); debugrun.h runs
 * kubectl.
 *
 * Names: one per target container and generation: "dotnetprof-CTR" first, then "dotnetprof-CTR-2",
 * "-3"... (an ephemeral container can be neither removed nor restarted: a terminated one is
 * replaced by the next generation). A target name too long for a DNS label keeps its first 38
 * characters and gets an FNV-1a hash of the whole name ("dotnetprof-<38 chars>-1a2b3c4d"), so
 * every name fits in 63 characters up to generation 9999. A container counts as ours for CTR only
 * when its spec also says targetContainerName CTR (so "dotnetprof-app-2" of a container "app-2" is
 * never taken for the second generation of "app"), and a new name is never one the pod already has.
 *
 * Reuse (debugctr_pick): of our containers for CTR whose image and user (runAsUser, runAsGroup,
 * SYS_PTRACE added or not) are those of this run, a running one (the newest) is reused; else one
 * still starting (no status yet, or waiting for a reason that can pass: pulling, back-off) is waited
 * for; else a new generation is made. Terminated ones, and ones waiting for a reason that never
 * passes by itself (CreateContainerConfigError, CreateContainerError, InvalidImageName, ...), are
 * passed over.
 */
#ifndef DOTNETPROF_DEBUGCTR_H
#define DOTNETPROF_DEBUGCTR_H

#include <stddef.h>

#include "debugsec.h"

struct cJSON;

#define DEBUGCTR_PREFIX "dotnetprof-"
#define DEBUGCTR_NAME_MAX 64        /* a name's buffer: 63 characters and the NUL */
#define DEBUGCTR_MAX_GEN 9999u

/* The image used when neither --debug-image nor $DOTNETPROF_DEBUG_IMAGE says another. */
#define DEBUGCTR_IMAGE "docker.io/library/busybox:1.36.1"

/* The command the debug container runs: it must outlive every exec into it. */
#define DEBUGCTR_COMMAND "sleep", "infinity"

/* --debug-container / $DOTNETPROF_DEBUG_CONTAINER. */
enum debugctr_mode {
	DEBUGCTR_AUTO = 0,  /* when the container has no shell, or no writable directory that allows exec */
	DEBUGCTR_ALWAYS,    /* every run goes through one */
	DEBUGCTR_NEVER,     /* never: the plugin stops where it would need one */
};

/* "auto", "always", "never" -> mode: 0, or -1 for anything else. And back. */
int debugctr_mode_parse(const char *s, enum debugctr_mode *out);
const char *debugctr_mode_name(enum debugctr_mode m);

/* The name of generation `gen` (1..DEBUGCTR_MAX_GEN) for `target` into buf. 0, or -1 (bad gen, or
 * buf smaller than DEBUGCTR_NAME_MAX). */
int debugctr_name(const char *target, unsigned gen, char *buf, size_t size);

/* The generation `name` has for `target` (naming rules above), or 0 when it is not such a name. */
unsigned debugctr_generation(const char *name, const char *target);

enum debugctr_state {
	DEBUGCTR_S_STARTING = 0,  /* in the spec, no status yet */
	DEBUGCTR_S_WAITING,
	DEBUGCTR_S_RUNNING,
	DEBUGCTR_S_TERMINATED,
};

struct debugctr_entry {
	char name[DEBUGCTR_NAME_MAX];
	unsigned gen;
	char *image;               /* spec.ephemeralContainers[].image (never NULL) */
	long long uid, gid;        /* its securityContext's runAsUser, runAsGroup; -1 unset */
	int ptrace;                /* SYS_PTRACE in capabilities.add */
	enum debugctr_state state;
	char *reason;              /* waiting/terminated reason, may be NULL */
	char *message;             /* waiting/terminated message, may be NULL */
	int exit_code;             /* terminated: its exit code; else -1 */
};

struct debugctr_list {
	struct debugctr_entry *v;  /* ours for the target, by generation */
	size_t n;
	char **names;              /* every container and ephemeral container name in the pod */
	size_t nnames;
};

/*
 * Our debug containers for `target` in the Pod object `pod` (spec.ephemeralContainers with
 * status.ephemeralContainerStatuses); `target` NULL: ours for any container. *out is filled (release
 * it with debugctr_list_release, also after a failure). 0, or -1 (out of memory).
 */
int debugctr_scan(const struct cJSON *pod, const char *target, struct debugctr_list *out);
void debugctr_list_release(struct debugctr_list *l);

/* The entry named `name`, or NULL. */
const struct debugctr_entry *debugctr_find(const struct debugctr_list *l, const char *name);

/* 1 when a waiting `reason` never passes by itself (the kubelet will not start the container). */
int debugctr_reason_final(const char *reason);

enum debugctr_action { DEBUGCTR_REUSE, DEBUGCTR_WAIT, DEBUGCTR_CREATE };

/*
 * What to do for `target`, `image` and `sec` (rules above). REUSE and WAIT: *use is the entry;
 * CREATE: `name` (DEBUGCTR_NAME_MAX bytes) gets the new name: the generation after the highest one
 * seen, not taken by any container of the pod. Returns -1 when no generation is left.
 */
int debugctr_pick(const struct debugctr_list *l, const char *target, const char *image,
		  const struct debugsec *sec, const struct debugctr_entry **use, char *name,
		  size_t size);

#endif
