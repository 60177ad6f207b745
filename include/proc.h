/*
 * proc.h - run a child program from an argv, never through a shell.
 *
 * One runner for every child (kubectl, in practice), modelled on git's run-command: the caller fills a
 * struct proc, says for each of stdin/stdout/stderr what it wants, and either lets proc_run() do the
 * whole job (feed stdin from a buffer, capture stdout/stderr up to a limit, wait, optional timeout) or
 * drives the pipes itself with proc_start()/proc_finish() (streaming transfers).
 *
 * Exit status convention (p->status): the child's exit code, or 128+N when signal N killed it.
 * A program that cannot be found is not a status: proc_start()/proc_run() return -1 with errno ENOENT
 * (EACCES when not executable), so the caller can say "kubectl not found".
 *
 * The caller must ignore SIGPIPE (cmd/main.c does): writing to a child that has exited returns EPIPE.
 * Children get SIGPIPE reset to its default and an empty signal mask; on Linux they are killed when
 * this process dies (PR_SET_PDEATHSIG), so a plugin killed with SIGKILL leaves no kubectl behind.
 * proc_run stops its child when a signal is pending (interrupt.h): SIGTERM, SIGKILL a second later,
 * and returns -1 with errno EINTR.
 */
#ifndef DOTNETPROF_PROC_H
#define DOTNETPROF_PROC_H

#include <stddef.h>
#include <sys/types.h>

enum proc_io {
	PROC_IO_NULL = 0,  /* /dev/null */
	PROC_IO_INHERIT,   /* our own stdin/stdout/stderr */
	PROC_IO_BUFFER,    /* stdin: in_data/in_len; stdout/stderr: captured into out_buf/err_buf */
	PROC_IO_PIPE,      /* proc_start() only: a pipe end for the caller in in_fd/out_fd/err_fd */
};

#define PROC_OUT_MAX_DEFAULT (64u * 1024 * 1024)
#define PROC_ERR_MAX_DEFAULT (1024u * 1024)

struct proc {
	/* set by the caller (proc_init sets defaults) */
	const char *const *argv;   /* argv[0] is looked up in PATH unless it has a '/'; not owned */
	enum proc_io in, out, err; /* default: PROC_IO_NULL, PROC_IO_BUFFER, PROC_IO_BUFFER */
	const char *in_data;       /* PROC_IO_BUFFER stdin; not owned */
	size_t in_len;
	size_t out_max, err_max;   /* capture limits; bytes beyond them are read and dropped */
	int timeout_ms;            /* proc_run(): SIGTERM (then SIGKILL after 2 s) past it; 0 = none */
	int idle_ms;               /* proc_run(): the same when no byte moved on any pipe for this
				      long (a hung child); 0 = none */
	int new_pgroup;            /* put the child in its own process group (no terminal SIGINT) */

	/* set by proc_start / proc_run / proc_finish */
	pid_t pid;
	int in_fd, out_fd, err_fd; /* PROC_IO_PIPE ends, owned by the caller once started; else -1 */
	char *out_buf, *err_buf;   /* captured data, NUL-terminated (may hold NULs), freed by release */
	size_t out_len, err_len;
	int out_truncated, err_truncated;
	int status;                /* exit code or 128+signal; -1 before the child was reaped */
	int timed_out;             /* 1 when proc_run() killed the child at timeout_ms or idle_ms */
};

/* Set defaults; `argv` is borrowed and must stay valid while the proc runs. */
void proc_init(struct proc *p, const char *const *argv);

/*
 * Start the child. Returns 0, or -1 with errno (ENOENT: program not found, EACCES: not executable,
 * others: pipe/spawn failures). On failure nothing is left open and nothing needs finishing.
 */
int proc_start(struct proc *p);

/*
 * Close the caller's pipe ends that are still open, wait for the child, and return its status (also in
 * p->status). Returns -1 only if waitpid fails.
 */
int proc_finish(struct proc *p);

/*
 * Start, feed stdin (PROC_IO_BUFFER), capture stdout/stderr (PROC_IO_BUFFER), wait. PROC_IO_PIPE is
 * not allowed here. Returns 0 when the child ran to completion (whatever its status), -1 with errno
 * when it could not be started or reaped, or EINTR when a signal stopped it (everything cleaned up).
 */
int proc_run(struct proc *p);

/* Free captured buffers (safe to call twice; does not kill or wait for a running child). */
void proc_release(struct proc *p);

#endif
