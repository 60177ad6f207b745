/*
 * sandbox-creds: the credentials a stand-in container process runs with (test infrastructure).
 *
 * Shared by sandbox-run (a container's main process) and sandbox-exec (a `kubectl exec` into it), so
 * that both get what a container runtime gives them: the user and group of the spec with no
 * supplementary groups, the capability set of the spec (containerd's default set unless the
 * securityContext adds or drops some), and no_new_privs when allowPrivilegeEscalation is false.
 */
#ifndef SANDBOX_CREDS_H
#define SANDBOX_CREDS_H

#include <stddef.h>
#include <sys/types.h>

struct creds {
	uid_t uid;
	gid_t gid;
	const char *caps; /* NULL or "all": keep every capability (privileged); "": none; else "N,N,..." */
	int nnp;          /* set no_new_privs */
	int rootless;     /* setgroups may be denied (user namespace with one id): tolerate EPERM */
};

/* Parse "UID[:GID]" into C (GID defaults to UID). Returns 0, or -1 when S is not of that form. */
int creds_parse_user(struct creds *c, const char *s);

/*
 * Become C: clear supplementary groups, limit the bounding set (and, for uid 0, the permitted and
 * effective sets) to C->caps, clear the ambient and inheritable sets, set gid and uid, set
 * no_new_privs. A non-root uid ends with no effective capabilities (the kernel clears them on
 * setuid), as under containerd. Must run as root (of the current user namespace). Returns 0, or -1
 * with a message in ERR (ERRLEN bytes).
 */
int creds_apply(const struct creds *c, char *err, size_t errlen);

#endif
