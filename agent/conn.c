/*
 * conn.c - the diagnostics socket's transport (see conn.h): a Unix stream socket, one request and
 * one reply per connection, every wait bounded by poll() against a deadline.
 */
#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int64_t conn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int conn_open(int dirfd, const char *name)
{
	struct sockaddr_un sa;
	int fd, n;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dirfd, name);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return -1;
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		if (e == EINTR)
			continue;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Wait for `events` on fd until the deadline: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, int64_t deadline_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int64_t left;
	int r;

	for (;;) {
		left = deadline_ms < 0 ? -1 : deadline_ms - conn_now_ms();
		if (deadline_ms >= 0 && left <= 0)
			return 0;
		r = poll(&p, 1, left < 0 ? -1 : (int)(left > 60000 ? 60000 : left));
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

int conn_write_all(int fd, const void *buf, size_t len, int64_t deadline_ms)
{
	const unsigned char *p = buf;
	ssize_t w;
	int r;

	while (len > 0) {
		if ((r = wait_fd(fd, POLLOUT, deadline_ms)) <= 0) {
			if (r == 0)
				errno = ETIMEDOUT;
			return -1;
		}
		w = send(fd, p, len, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int conn_read_exact(int fd, void *buf, size_t len, int64_t deadline_ms)
{
	unsigned char *p = buf;
	ssize_t n;
	int r;

	while (len > 0) {
		if ((r = wait_fd(fd, POLLIN, deadline_ms)) <= 0) {
			if (r == 0)
				errno = ETIMEDOUT;
			return -1;
		}
		n = read(fd, p, len);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = ECONNRESET;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int conn_read_reply(int fd, struct conn_reply *rep, int64_t deadline_ms)
{
	struct ipc_header h;

	if (conn_read_exact(fd, rep->buf, IPC_HEADER_SIZE, deadline_ms) < 0)
		return -1;
	if (ipc_parse_header(rep->buf, &h) < 0)
		return -1;
	if (conn_read_exact(fd, rep->buf + IPC_HEADER_SIZE, h.size - IPC_HEADER_SIZE, deadline_ms) < 0)
		return -1;
	return ipc_parse_reply(rep->buf, h.size, &rep->r);
}

int conn_request(int dirfd, const char *name, const unsigned char *req, size_t len,
		 struct conn_reply *rep, int64_t deadline_ms, int *keep)
{
	int fd, e;

	if ((fd = conn_open(dirfd, name)) < 0)
		return -1;
	if (conn_write_all(fd, req, len, deadline_ms) < 0 || conn_read_reply(fd, rep, deadline_ms) < 0)
		goto fail;
	if (keep != NULL)
		*keep = fd;
	else
		close(fd);
	return 0;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}
