/*
 * proc.c - spawn children with posix_spawn (PATH searched here), wire pipes, pump buffers with poll(), reap.
 */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

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

/* Wire child fd `target` per `mode`; `parent_end` receives our end of a pipe. */
static int setup_fd(posix_spawn_file_actions_t *fa, enum proc_io mode, int target,
		    int *parent_end, int *child_end)
{
	int fds[2];

	*parent_end = *child_end = -1;
	switch (mode) {
	case PROC_IO_NULL:
		return posix_spawn_file_actions_addopen(fa, target, "/dev/null",
							target == 0 ? O_RDONLY : O_WRONLY, 0) ? -1 : 0;
	case PROC_IO_INHERIT:
		return 0;
	case PROC_IO_BUFFER:
	case PROC_IO_PIPE:
		if (make_pipe(fds) < 0)
			return -1;
		*parent_end = target == 0 ? fds[1] : fds[0];
		*child_end = target == 0 ? fds[0] : fds[1];
		if (posix_spawn_file_actions_adddup2(fa, *child_end, target)) {
			errno = ENOMEM;
			return -1;
		}
		return 0;
	}
	errno = EINVAL;
	return -1;
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
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, deflt;
	int child[3] = { -1, -1, -1 };
	int *parent[3] = { &p->in_fd, &p->out_fd, &p->err_fd };
	enum proc_io modes[3] = { p->in, p->out, p->err };
	short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
	int ret = -1, e = 0, i, rc;
	char path[PATH_MAX];

	if (!p->argv || !p->argv[0] || !*p->argv[0]) {
		errno = p->argv && p->argv[0] ? ENOENT : EINVAL;
		return -1;
	}
	if (find_program(p->argv[0], path, sizeof(path)) < 0)
		return -1;
	if (posix_spawn_file_actions_init(&fa))
		return -1;
	if (posix_spawnattr_init(&attr)) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	p->in_fd = p->out_fd = p->err_fd = -1;
	p->status = -1;
	p->timed_out = 0;
	for (i = 0; i < 3; i++)
		if (setup_fd(&fa, modes[i], i, parent[i], &child[i]) < 0)
			goto out;

	sigemptyset(&none);
	sigemptyset(&deflt);
	sigaddset(&deflt, SIGPIPE);
	if (p->new_pgroup) {
		flags |= POSIX_SPAWN_SETPGROUP;
		posix_spawnattr_setpgroup(&attr, 0);
	}
	if (posix_spawnattr_setsigmask(&attr, &none) || posix_spawnattr_setsigdefault(&attr, &deflt) ||
	    posix_spawnattr_setflags(&attr, flags)) {
		errno = EINVAL;
		goto out;
	}
	rc = posix_spawn(&p->pid, path, &fa, &attr, (char *const *)p->argv, environ);
	if (rc) {
		errno = rc;
		p->pid = -1;
		goto out;
	}
	ret = 0;
out:
	e = errno;
	for (i = 0; i < 3; i++) {
		close_fd(&child[i]);
		if (ret < 0)
			close_fd(parent[i]);
	}
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
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

/* After the deadline: SIGTERM, and SIGKILL if it is still there 2 s later. */
static int timeout_step(struct proc *p, long long *deadline, int *stage)
{
	long long left;

	if (!p->timeout_ms)
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

int proc_run(struct proc *p)
{
	struct pollfd pfd[3];
	size_t in_off = 0;
	long long deadline = 0;
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

	while (p->in_fd >= 0 || p->out_fd >= 0 || p->err_fd >= 0) {
		int fds[3] = { p->in_fd, p->out_fd, p->err_fd };
		int wait_ms = timeout_step(p, &deadline, &stage);
		int i, n;

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
			if ((i == 1 ? capture(&p->out_buf, &p->out_len, &p->out_truncated, p->out_max,
					      chunk, (size_t)r)
				    : capture(&p->err_buf, &p->err_len, &p->err_truncated, p->err_max,
					      chunk, (size_t)r)) < 0)
				goto out;
		}
	}
	/* The pipes are closed, the child may still run: keep enforcing the timeout. */
	while (p->timeout_ms > 0 && p->pid > 0) {
		int wstatus, wait_ms;
		pid_t r = waitpid(p->pid, &wstatus, WNOHANG);

		if (r == p->pid) {
			set_status(p, wstatus);
			break;
		}
		if (r < 0 && errno != EINTR)
			goto out;
		wait_ms = timeout_step(p, &deadline, &stage);
		poll(NULL, 0, wait_ms < 0 || wait_ms > 50 ? 50 : wait_ms);
	}
	ret = 0;
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
