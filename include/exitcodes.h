/*
 * exitcodes.h - every exit status kubectl-dotnetprof can return, in one place.
 *
 * Scripts and shell aliases depend on these numbers: never renumber one, only append. The man page's
 * EXIT STATUS section and the README's table are written from this list. The DPX_ prefix keeps them
 * apart from sysexits.h, whose DPX_OK / DPX_USAGE have other values.
 *
 * The failure convention of the library (src/): a function that can fail returns 0 on success, or
 * the negated class of its failure, -DPX_*, after it printed the message (log.h). -1 is therefore
 * -DPX_ERROR, "any other failure". A caller passes a negative value up unchanged (or replaces it with
 * a class that says more); only cmd/ turns it into an exit status, with dpx_status().
 */
#ifndef DOTNETPROF_EXITCODES_H
#define DOTNETPROF_EXITCODES_H

enum dotnetprof_exit {
	DPX_OK = 0,          /* success */
	DPX_ERROR = 1,       /* any other failure: kubectl failed in a way we do not recognise, I/O
	                       error, out of memory, unexpected output from the pod */
	DPX_USAGE = 2,       /* bad command line: unknown verb or flag, missing or extra argument,
	                       invalid value */
	DPX_NOTFOUND = 3,    /* the target does not exist: pod, workload or namespace not found, no pod
	                       matches the selector, no such container in the pod */
	DPX_AMBIGUOUS = 4,   /* several pods, containers (or .NET processes) match and none was chosen:
	                       the message lists the choices */
	DPX_NODOTNET = 5,    /* the container runs no .NET process we can see, or the process cannot be
	                       diagnosed (no shared runtime, diagnostics disabled, no socket,
	                       unsupported architecture) */
	DPX_FORBIDDEN = 6,   /* the Kubernetes API refused a request (RBAC): the message names the verb
	                       and resource needed (pods get, pods/exec create); or the app's
	                       diagnostics socket belongs to another user; or what the tools would
	                       load or talk to is not safe (a runtime another user owns or may
	                       write, a socket not owned by the process's user) */
	DPX_CLUSTER = 7,     /* cannot talk to the cluster: unreachable server, unauthorized (bad or
	                       expired credentials), unreadable kubeconfig, unknown context */
	DPX_NOTIMPL = 8,     /* reserved: no longer returned (it meant a verb not implemented in that
	                       build) */
	DPX_NOTRUNNING = 9,  /* the pod (or container) exists but is not running (Pending, Failed,
	                       Succeeded, waiting container) */
	DPX_NOSHELL = 10,    /* the container has no shell (distroless): the probe cannot run there;
	                       an ephemeral debug container is the way in */
	DPX_TRANSFER = 11,   /* a copy between here and the pod failed or did not verify (size or hash
	                       mismatch after retries); the partial file is kept as NAME.part */
	DPX_EXISTS = 12,     /* the local output file exists and --force was not given; or the NAME.part
	                       to --resume is not the user's own (owner, links, mode) */
	DPX_NOSPACE = 13,    /* not enough free space, here or in the pod, for what was asked */
	DPX_DOWNLOAD = 14,   /* a diagnostics tool could not be downloaded: unreachable, timeout or time
	                       limit, proxy, TLS, a redirect from https to http, HTTP error (404
	                       included) */
	DPX_BADTOOL = 15,    /* what was downloaded is not the tool for that RID (an HTML page, another
	                       CPU or C library, truncated, too big, a SHA-512 other than the known
	                       one); nothing was cached, a copy in the pod was deleted */
	DPX_BADTRACE = 16,   /* the trace file cannot be read: not a nettrace, corrupt, or a format
	                       version the reader does not know (a trace that is merely cut short is
	                       read: report says it is partial) */
	DPX_NOKUBECTL = 127, /* kubectl (or $DOTNETPROF_KUBECTL) not found or not executable */
	DPX_HANGUP = 129,    /* stopped by SIGHUP (128 + 1): the terminal went away */
	DPX_INTERRUPTED = 130, /* stopped by SIGINT (128 + 2), Ctrl-C */
	DPX_TERMINATED = 143, /* stopped by SIGTERM (128 + 15), e.g. a CI job's timeout */
};

/* The exit status for a library result: 0 stays 0, -DPX_X becomes DPX_X (any other value: 1). */
static inline int dpx_status(int rc)
{
	return rc >= 0 ? 0 : rc >= -255 ? -rc : DPX_ERROR;
}

#endif
