/*
 * proc.c - start children with fork and exec (PATH searched here; on Linux they die with us), wire
 * pipes, pump buffers with poll() (stopping a child on Ctrl-C), reap.
 */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "interrupt.h"

extern char **environ;

/* How often a running child is checked for Ctrl-C at the latest. */
#define INTERRUPT_TICK_MS 250

void proc_init(struct proc *p, const char *const *argv)
{
	memset(p, 0, sizeof(*p));
	p->argv = argv;
	p->in = PROC_IO_NULL;
	p->out = PROC_IO_BUFFER;
	p->err = PROC_IO_BUFFER;
	p->out_max = PROC_OUT_MAX_DEFAULT;
	p->err_max = PROC_ERR_MAX_DEFAULT;
	p->pid = -1;
	p->in_fd = p->out_fd = p->err_fd = -1;
	p->status = -1;
}

void proc_release(struct proc *p)
{
	free(p->out_buf);
	free(p->err_buf);
	p->out_buf = p->err_buf = NULL;
	p->out_len = p->err_len = 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/*
 * A pipe whose both ends are close-on-exec and above 2, so that dup2() onto 0/1/2 in the child never
 * meets an end that already sits there (which would keep close-on-exec set).
 */
static int make_pipe(int fds[2])
{
	int raw[2], i;

	if (pipe(raw) < 0)
		return -1;
	for (i = 0; i < 2; i++) {
		fds[i] = fcntl(raw[i], F_DUPFD_CLOEXEC, 3);
		if (fds[i] < 0) {
			int e = errno;

			if (i == 1)
				close(fds[0]);
			close(raw[0]);
			close(raw[1]);
			errno = e;
			return -1;
		}
	}
	close(raw[0]);
	close(raw[1]);
	return 0;
}

/* Make the pipe for child fd `target` when `mode` wants one; `parent_end` receives our end. */
static int setup_fd(enum proc_io mode, int target, int *parent_end, int *child_end)
{
	int fds[2];

	*parent_end = *child_end = -1;
	if (mode != PROC_IO_BUFFER && mode != PROC_IO_PIPE)
		return 0;
	if (make_pipe(fds) < 0)
		return -1;
	*parent_end = target == 0 ? fds[1] : fds[0];
	*child_end = target == 0 ? fds[0] : fds[1];
	return 0;
}

/*
 * In the child, between fork and exec (async-signal-safe calls only): die with the parent (Linux),
 * its own process group if asked, fds 0-2 wired, SIGPIPE back to its default, no signal blocked.
 * Returns only on failure, with errno.
 */
static void child_exec(const struct proc *p, const char *path, const int *child, pid_t parent)
{
	const enum proc_io modes[3] = { p->in, p->out, p->err };
	struct sigaction dfl;
	sigset_t none;
	int i, fd;

#ifdef __linux__
	/* a plugin killed with SIGKILL takes its kubectl children along */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
#else
	(void)parent;
#endif
	if (p->new_pgroup && setpgid(0, 0) < 0)
		return;
	for (i = 0; i < 3; i++) {
		if (modes[i] == PROC_IO_INHERIT)
			continue;
		fd = modes[i] == PROC_IO_NULL ? open("/dev/null", i == 0 ? O_RDONLY : O_WRONLY)
					      : child[i];
		if (fd < 0 || dup2(fd, i) < 0)
			return;
		if (modes[i] == PROC_IO_NULL && fd != i)
			close(fd);
	}
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGPIPE, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execv(path, (char *const *)p->argv);
}

/*
 * Find `name` as execvp would, so that a missing program is ENOENT (not executable: EACCES) on every
 * platform, before anything is spawned (some posix_spawnp implementations report it only as a
 * child exiting with 127). Writes the path to run into `out`.
 */
static int find_program(const char *name, char *out, size_t outsize)
{
	const char *path = getenv("PATH"), *dir;
	struct stat st;
	int seen_noexec = 0;

	if (strchr(name, '/')) {
		if (stat(name, &st) < 0)
			return -1;
		if (!S_ISREG(st.st_mode) || access(name, X_OK) < 0) {
			errno = EACCES;
			return -1;
		}
		if (strlcpy(out, name, outsize) >= outsize) {
			errno = ENAMETOOLONG;
			return -1;
		}
		return 0;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (dir = path; dir; dir = strchr(dir, ':') ? strchr(dir, ':') + 1 : NULL) {
		size_t len = strcspn(dir, ":");
		int n = len ? snprintf(out, outsize, "%.*s/%s", (int)len, dir, name)
			    : snprintf(out, outsize, "%s", name); /* empty entry: the current dir */

		if (n < 0 || (size_t)n >= outsize || stat(out, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (access(out, X_OK) == 0)
			return 0;
		seen_noexec = 1;
	}
	errno = seen_noexec ? EACCES : ENOENT;
	return -1;
}

int proc_start(struct proc *p)
{
	int child[3] = { -1, -1, -1 }, errpipe[2] = { -1, -1 };
	int *parent[3] = { &p->in_fd, &p->out_fd, &p->err_fd };
	enum proc_io modes[3] = { p->in, p->out, p->err };
	int ret = -1, e = 0, i, child_errno;
	pid_t me = getpid();
	char path[PATH_MAX];
	ssize_t n;

	if (!p->argv || !p->argv[0] || !*p->argv[0]) {
		errno = p->argv && p->argv[0] ? ENOENT : EINVAL;
		return -1;
	}
	if (find_program(p->argv[0], path, sizeof(path)) < 0)
		return -1;
	p->in_fd = p->out_fd = p->err_fd = -1;
	p->status = -1;
	p->timed_out = 0;
	for (i = 0; i < 3; i++)
		if (setup_fd(modes[i], i, parent[i], &child[i]) < 0)
			goto out;
	/* exec failing in the child comes back as its errno through this close-on-exec pipe */
	if (make_pipe(errpipe) < 0)
		goto out;
	p->pid = fork();
	if (p->pid < 0)
		goto out;
	if (p->pid == 0) {
		child_exec(p, path, child, me);
		child_errno = errno;
		n = write(errpipe[1], &child_errno, sizeof(child_errno));
		(void)n;
		_exit(127);
	}
	close_fd(&errpipe[1]);
	do
		n = read(errpipe[0], &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(child_errno)) {
		while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
			;
		p->pid = -1;
		errno = child_errno;
		goto out;
	}
	ret = 0;
out:
	e = errno;
	close_fd(&errpipe[0]);
	close_fd(&errpipe[1]);
	for (i = 0; i < 3; i++) {
		close_fd(&child[i]);
		if (ret < 0)
			close_fd(parent[i]);
	}
	errno = e;
	return ret;
}

static int set_status(struct proc *p, int wstatus)
{
	p->pid = -1;
	if (WIFEXITED(wstatus))
		p->status = WEXITSTATUS(wstatus);
	else if (WIFSIGNALED(wstatus))
		p->status = 128 + WTERMSIG(wstatus);
	else
		p->status = 255;
	return p->status;
}

int proc_finish(struct proc *p)
{
	int wstatus;
	pid_t r;

	close_fd(&p->in_fd);
	close_fd(&p->out_fd);
	close_fd(&p->err_fd);
	if (p->pid < 0)
		return p->status;
	do
		r = waitpid(p->pid, &wstatus, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	return set_status(p, wstatus);
}

/* Append to a capture buffer, dropping what exceeds `max`. */
static int capture(char **buf, size_t *len, int *truncated, size_t max, const char *data, size_t n)
{
	size_t keep = n;
	char *nb;

	if (*len >= max) {
		*truncated |= n > 0;
		return 0;
	}
	if (keep > max - *len) {
		keep = max - *len;
		*truncated = 1;
	}
	nb = realloc(*buf, *len + keep + 1);
	if (!nb)
		return -1;
	memcpy(nb + *len, data, keep);
	*len += keep;
	nb[*len] = '\0';
	*buf = nb;
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A signal came (interrupt.h): SIGTERM the child, SIGKILL it a second later if it is still there. */
static void stop_child(struct proc *p)
{
	int i, wstatus;

	kill(p->pid, SIGTERM);
	for (i = 0; i < 20; i++) {
		if (waitpid(p->pid, &wstatus, WNOHANG) == p->pid) {
			set_status(p, wstatus);
			return;
		}
		poll(NULL, 0, 50);
	}
	kill(p->pid, SIGKILL);
}

/* After the deadline (0: none): SIGTERM, and SIGKILL if it is still there 2 s later. */
static int timeout_step(struct proc *p, long long *deadline, int *stage)
{
	long long left;

	if (!*deadline)
		return -1;
	left = *deadline - now_ms();
	if (left > 0)
		return left > INT_MAX ? INT_MAX : (int)left;
	if (*stage == 0) {
		p->timed_out = 1;
		kill(p->pid, SIGTERM);
		*deadline = now_ms() + 2000;
		*stage = 1;
		return 2000;
	}
	if (*stage == 1) {
		kill(p->pid, SIGKILL);
		*stage = 2;
	}
	return -1;
}

/* The deadline that applies now: the total one, or sooner when the child has been silent too long. */
static long long effective_deadline(const struct proc *p, long long deadline, long long last_io,
				    int stage)
{
	long long idle;

	if (stage > 0 || p->idle_ms <= 0)
		return deadline;
	idle = last_io + p->idle_ms;
	return !deadline || idle < deadline ? idle : deadline;
}

/*
 * The pipes are closed, the child may still run: wait for it, still enforcing the timeout and
 * Ctrl-C. 0 when it ended (its status set), 1 on a signal of ours (interrupt.h), -1 on an error.
 */
static int reap(struct proc *p, long long deadline, long long last_io, int stage)
{
	while (p->pid > 0) {
		int wstatus, wait_ms;
		int limited = p->timeout_ms > 0 || p->idle_ms > 0;
		pid_t r = waitpid(p->pid, &wstatus, limited ? WNOHANG : 0);
		long long dl;

		if (r == p->pid) {
			set_status(p, wstatus);
			return 0;
		}
		if (r < 0 && errno != EINTR)
			return -1;
		if (interrupt_pending())
			return 1;
		dl = effective_deadline(p, deadline, last_io, stage);
		wait_ms = timeout_step(p, &dl, &stage);
		if (stage > 0)
			deadline = dl;
		if (limited)
			poll(NULL, 0, wait_ms < 0 || wait_ms > 50 ? 50 : wait_ms);
	}
	return 0;
}

int proc_run(struct proc *p)
{
	struct pollfd pfd[3];
	size_t in_off = 0;
	long long deadline = 0, last_io;
	int stage = 0, ret = -1, e = 0;
	char chunk[65536];

	if (p->in == PROC_IO_PIPE || p->out == PROC_IO_PIPE || p->err == PROC_IO_PIPE) {
		errno = EINVAL;
		return -1;
	}
	if (proc_start(p) < 0)
		return -1;
	if (p->in_fd >= 0 && p->in_len == 0)
		close_fd(&p->in_fd);
	/* A blocking write of a large buffer would deadlock against a child blocked on its stdout. */
	if (p->in_fd >= 0)
		fcntl(p->in_fd, F_SETFL, fcntl(p->in_fd, F_GETFL) | O_NONBLOCK);
	if (p->timeout_ms > 0)
		deadline = now_ms() + p->timeout_ms;
	last_io = now_ms();

	while (p->in_fd >= 0 || p->out_fd >= 0 || p->err_fd >= 0) {
		int fds[3] = { p->in_fd, p->out_fd, p->err_fd };
		long long dl = effective_deadline(p, deadline, last_io, stage);
		int wait_ms = timeout_step(p, &dl, &stage);
		int i, n;

		if (stage > 0)
			deadline = dl;
		if (interrupt_pending())
			goto interrupted;
		/* a signal between the check and poll() is seen at the next tick */
		if (wait_ms < 0 || wait_ms > INTERRUPT_TICK_MS)
			wait_ms = INTERRUPT_TICK_MS;

		for (i = 0; i < 3; i++) {
			pfd[i].fd = fds[i];
			pfd[i].events = i == 0 ? POLLOUT : POLLIN;
			pfd[i].revents = 0;
		}
		n = poll(pfd, 3, wait_ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		if (pfd[0].fd >= 0 && pfd[0].revents) {
			ssize_t w = write(p->in_fd, p->in_data + in_off, p->in_len - in_off);

			if (w > 0)
				last_io = now_ms();
			if (w < 0 && errno != EINTR && errno != EAGAIN)
				close_fd(&p->in_fd); /* EPIPE: the child stopped reading */
			else if (w > 0 && (in_off += (size_t)w) == p->in_len)
				close_fd(&p->in_fd);
		}
		for (i = 1; i < 3; i++) {
			int *fd = i == 1 ? &p->out_fd : &p->err_fd;
			ssize_t r;

			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			r = read(*fd, chunk, sizeof(chunk));
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0) {
				close_fd(fd);
				continue;
			}
			last_io = now_ms();
			if ((i == 1 ? capture(&p->out_buf, &p->out_len, &p->out_truncated, p->out_max,
					      chunk, (size_t)r)
				    : capture(&p->err_buf, &p->err_len, &p->err_truncated, p->err_max,
					      chunk, (size_t)r)) < 0)
				goto out;
		}
	}
	switch (reap(p, deadline, last_io, stage)) {
	case 0:
		ret = 0;
		goto out;
	case 1:
		goto interrupted;
	default:
		goto out;
	}
interrupted:
	stop_child(p);
	errno = EINTR;
out:
	e = errno;
	if (ret < 0 && p->pid > 0)
		kill(p->pid, SIGKILL);
	if (proc_finish(p) < 0 && ret == 0) {
		e = errno;
		ret = -1;
	}
	/* Empty captures are still valid C strings. */
	if (ret == 0 && ((p->out == PROC_IO_BUFFER && !p->out_buf &&
			  capture(&p->out_buf, &p->out_len, &p->out_truncated, 1, "", 0) < 0) ||
			 (p->err == PROC_IO_BUFFER && !p->err_buf &&
			  capture(&p->err_buf, &p->err_len, &p->err_truncated, 1, "", 0) < 0))) {
		e = errno;
		ret = -1;
	}
	errno = e;
	return ret;
}
