/*
 * kube.h - every kubectl invocation goes through here.
 *
 * The transport is the user's own kubectl (it carries every auth method); we only build its argv
 * (never a shell), pass the user's global flags through, trace commands at -v, and turn kubectl's
 * stderr into messages that say what failed and what to do.
 *
 * Failure convention (exitcodes.h): functions return 0, or -DPX_* after the message (and hint) was
 * printed through log.h. struct kube holds the user's flags and what kubectl itself reported (the
 * current context), never a failure of ours.
 */
#ifndef DOTNETPROF_KUBE_H
#define DOTNETPROF_KUBE_H

#include <stddef.h>

#include "proc.h"
#include "strvec.h"

struct cJSON;

/* A kubectl global flag we accept and pass through (the table is kube_flags[]). */
struct kube_flag {
	const char *name;       /* long name without dashes: "context" */
	char short_name;        /* 'n', 's' or 0 */
	int takes_value;        /* 1: "--name VALUE"; 0: boolean, "--name" or "--name=true|false" */
	const char *metavar;
	const char *help;
};

/* Every pass-through flag, terminated by an entry with name NULL. */
extern const struct kube_flag kube_flags[];

struct kube {
	char *program;          /* $DOTNETPROF_KUBECTL, else "kubectl" (found in PATH) */
	int program_from_env;
	struct strvec flags;    /* pass-through flags as "--name=value" words, in the user's order */
	char *namespace;        /* -n/--namespace; NULL: the context's namespace */
	char *context;          /* --context; NULL: the current context */
	char *cur_context;      /* from `kubectl config view --minify`, filled by kube_context() */
	char *cur_namespace;
	unsigned calls;         /* kubectl invocations started so far */
	char *next_prefix;      /* shown before the next command at -v (kube_prefix_next), owned */
};

/* Initialise (reads DOTNETPROF_KUBECTL). Returns 0 or -1 (out of memory). */
int kube_init(struct kube *k);
void kube_release(struct kube *k);

/* Find a pass-through flag by long name or by short letter (short_name 0: by name only). */
const struct kube_flag *kube_flag_find(const char *name, char short_name);

/*
 * Record a pass-through flag given by the user. `value` is required for flags that take one; for
 * booleans it is NULL, "true" or "false". The values of --token and --password, and the password of
 * a user:password@ in --server, are registered as secrets (redact.h): no message shows them.
 * Returns 0, or -1 with a reason in `err` (bad boolean, out of memory).
 */
int kube_set_flag(struct kube *k, const struct kube_flag *f, const char *value, char *err,
		  size_t errsize);

/*
 * Build the full argv: program, pass-through flags, "-n NS" (when `ns` is non-NULL, else when the
 * user gave -n), then `args`. Appends to `out`. Returns 0 or -1 (ENOMEM).
 */
int kube_build_argv(const struct kube *k, const char *ns, const char *const *args,
		    struct strvec *out);

/*
 * The argv as a shell-quoted line a user can paste, with the values of --token and --password (and
 * of any *-token / *password flag) replaced by ***, as is the password of a URL (--server
 * https://user:password@host) and every secret registered with redact.h. Newly allocated; NULL on
 * ENOMEM.
 */
char *kube_display(const char *const *argv);

/*
 * Show `prefix` before the next command at -v (then forgotten): what a user replaying that line
 * needs besides kubectl's argv, such as "printf '%s' '{...}' | VAR=value " for a command that reads
 * its stdin or needs a variable. Copied. 0, or -1 (out of memory: nothing is shown).
 */
int kube_prefix_next(struct kube *k, const char *prefix);

/*
 * Run kubectl with `args` (see kube_build_argv for `ns`). `p` was set up by the caller with
 * proc_init(p, NULL) plus any stdin buffer / io modes; its argv is filled and cleared here. At -v the
 * command is printed before it runs; at -vv its status, stdout and stderr after.
 * Returns 0 when kubectl ran, whatever its exit status (in p->status); when it could not be started,
 * -DPX_NOKUBECTL for a missing program, else -DPX_ERROR (message printed); when a signal came while
 * it ran (interrupt.h), kubectl is stopped and interrupt_status() returned.
 * The caller owns `p` and calls proc_release().
 */
int kube_run(struct kube *k, const char *ns, const char *const *args, struct proc *p);

/*
 * A kubectl started by kube_start, whose pipes the caller drives (streaming copies, a tool's output).
 * Set up with kube_child_init, then set c->p's in/out/err modes (PROC_IO_PIPE ...) and new_pgroup.
 */
struct kube_child {
	struct proc p;          /* the child; its pipe ends belong to the caller once started */
	struct strvec argv;     /* the argv p runs (owned) */
	int started;            /* kube_start succeeded and kube_child_finish has not run yet */
};

void kube_child_init(struct kube_child *c);

/*
 * The async twin of kube_run: build the argv (see kube_build_argv for `ns`), print it at -v, count
 * the call, and start kubectl with c->p's io modes. Returns 0, or what kube_run returns when kubectl
 * could not be started (message printed).
 */
int kube_start(struct kube *k, const char *ns, const char *const *args, struct kube_child *c);

/*
 * Close the caller's pipe ends still open, wait for kubectl and return its status (exit code or
 * 128+signal; -1 when it was not started). Frees the argv; c can be started again.
 */
int kube_child_finish(struct kube_child *c);

/* What kubectl's stderr says went wrong (kube_classify). */
enum kube_err {
	KERR_OTHER = 0,
	KERR_NOTFOUND,        /* Error from server (NotFound), container not found */
	KERR_FORBIDDEN,       /* Error from server (Forbidden) */
	KERR_UNAUTHORIZED,    /* Unauthorized, must be logged in */
	KERR_UNREACHABLE,     /* connection refused, no such host, timeouts, TLS */
	KERR_NOCLUSTER,       /* no kubeconfig at all: kubectl fell back to localhost:8080 */
	KERR_CONTEXT,         /* unknown context */
	KERR_KUBECONFIG,      /* kubeconfig missing, unreadable or invalid */
	KERR_NOTRUNNING,      /* exec into a pod/container that is not running */
	KERR_NOSHELL,         /* exec: "sh": executable file not found */
};

/*
 * Classify kubectl's stderr `text` and copy its most telling line (without kubectl's "error: " /
 * "Error from server (X): " prefix, klog lines skipped) into `why`. For KERR_FORBIDDEN, `verb` and
 * `resource` (if non-NULL) receive what the API refused ("create", "pods/exec"), empty if unknown.
 */
enum kube_err kube_classify(const char *text, char *why, size_t whysize, char *verb,
			    size_t verbsize, char *resource, size_t resourcesize);

/* The DPX_* code for a kube_err. */
int kube_err_exit_code(enum kube_err e);

/*
 * Report a failed kubectl run: print "<what>: <why>" with a hint fitting the classified error and
 * return -(its DPX_* class). `what` names the step ("cannot get pod \"x\"").
 */
int kube_fail(struct kube *k, const struct proc *p, const char *what);

/*
 * Run kubectl `args` (which should ask for -o json), require exit 0, and parse stdout into *out (the
 * caller frees it with cJSON_Delete). `what` names the step for messages. Returns 0 or -DPX_*.
 */
int kube_get_json(struct kube *k, const char *ns, const char *const *args, const char *what,
		  struct cJSON **out);

/*
 * As kube_get_json, except that when kubectl says the object does not exist (NotFound) nothing is
 * printed, *notfound is set to 1 and -DPX_NOTFOUND returned, so the caller can word the message.
 */
int kube_get_json_nf(struct kube *k, const char *ns, const char *const *args, const char *what,
		     struct cJSON **out, int *notfound);

/*
 * The current context and its namespace ("default" when the context has none), from
 * `kubectl config view --minify -o json`, honouring --kubeconfig/--context/KUBECONFIG. Cached after
 * the first call. Pointers stay owned by `k`. Returns 0 or -DPX_*.
 */
int kube_context(struct kube *k, const char **context, const char **ns);

/*
 * The namespace commands run in: -n if given, else the context's (runs kube_context()). Returns NULL
 * when it cannot be found out (message already printed only if `report` is set).
 */
const char *kube_namespace(struct kube *k, int report);

#endif
