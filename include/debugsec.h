/*
 * debugsec.h - which user and capabilities the ephemeral debug container runs with (debugctr.h), and
 * why. Pure: the facts come from the pod's spec and, where the plugin could probe the app's own
 * container, from what it saw there.
 *
 * What works: the debug container reaches the app's files and diagnostics socket through
 * /proc/PID/root/, which the kernel opens to a process with the app's uid AND gid (and no fewer
 * capabilities than the app), or with CAP_SYS_PTRACE. So, in this order (DEBUGSEC_AUTO):
 *
 *   the app's uid is known and not 0   restricted profile + runAsUser/runAsGroup of the app (through
 *                                      kubectl debug's --custom): no capabilities, allowed at every
 *                                      Pod Security level, including restricted
 *   the app runs as root               baseline profile: root with the runtime's default
 *                                      capabilities, as the app has (allowed at baseline)
 *   unknown, pod requires non-root     restricted + 1654:1654, the app user of Microsoft's .NET
 *                                      images (guessed: the caller checks it against what the
 *                                      debug container then sees and, when wrong, makes one with the
 *                                      uid and gid it saw)
 *   unknown otherwise                  general profile: root with SYS_PTRACE, which reaches any
 *                                      user's process (refused by clusters enforcing the baseline
 *                                      or restricted level: --debug-profile restricted)
 *
 * An unknown gid is taken equal to the uid (1000:1000, 1654:1654 as images define their users),
 * and said. A profile asked for with --debug-profile is honoured when it can start in that pod:
 * root (baseline, general) in a pod that requires non-root, or restricted for an app that runs as
 * root, is refused before anything is created (an ephemeral container can never be removed).
 */
#ifndef DOTNETPROF_DEBUGSEC_H
#define DOTNETPROF_DEBUGSEC_H

#include <stddef.h>

struct cJSON;

enum debugsec_profile {
	DEBUGSEC_AUTO = 0,
	DEBUGSEC_RESTRICTED,   /* kubectl debug --profile=restricted, as the app's user */
	DEBUGSEC_BASELINE,     /* --profile=baseline: the image's user (root) */
	DEBUGSEC_GENERAL,      /* --profile=general: root + SYS_PTRACE */
};

/* Where the app's uid and gid came from. */
enum debugsec_source { DEBUGSEC_UNKNOWN = 0, DEBUGSEC_SPEC, DEBUGSEC_PROBE };

struct debugsec_facts {
	long long uid, gid;          /* the app's; -1 unknown */
	enum debugsec_source from;   /* of uid (gid may be unknown with a known uid) */
	int non_root;                /* runAsNonRoot (the container's, else the pod's) is true */
};

struct debugsec {
	enum debugsec_profile profile; /* never AUTO once chosen */
	long long uid, gid;            /* runAsUser and runAsGroup set through --custom; -1: none */
	int guessed;                   /* uid and gid are 1654:1654, not known */
	char why[400];                 /* one clause for messages: why this choice */
};

/* "auto", "restricted", "baseline", "general" <-> enum. parse: 0, or -1 for anything else. */
int debugsec_profile_parse(const char *s, enum debugsec_profile *out);
const char *debugsec_profile_name(enum debugsec_profile p);

/*
 * The facts of `container` in the Pod object `pod` (kubectl get pod -o json): runAsUser,
 * runAsGroup and runAsNonRoot of the container's securityContext, else of the pod's. A
 * container missing from the spec gives the pod's. Never fails: absent means unknown.
 */
void debugsec_facts_from_pod(const struct cJSON *pod, const char *container,
			     struct debugsec_facts *f);

/*
 * Choose (rules above) for `want`. 0 with *out filled, or -1 when `want` cannot start in that pod,
 * out->why then saying why (a sentence for the error message).
 */
int debugsec_choose(const struct debugsec_facts *f, enum debugsec_profile want,
		    struct debugsec *out);

/*
 * kubectl debug's --custom document for `s`: {"securityContext":{"runAsUser":U,"runAsGroup":G}},
 * or "" when s sets no user. Returns its length, or -1 when it does not fit in `size`.
 */
int debugsec_custom(const struct debugsec *s, char *buf, size_t size);

/* Is a container whose securityContext has these values the one `s` would make? */
int debugsec_matches(const struct debugsec *s, long long uid, long long gid, int ptrace);

#endif
