/*
 * gunzip.c - the local `gzip -dc` child of a gzip pull (gunzip.h).
 */
#include "gunzip.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

int gunzip_available(void)
{
	static const char *const argv[] = { "gzip", "--version", NULL };
	struct proc p;

	proc_init(&p, argv);
	p.out = PROC_IO_NULL;
	p.err = PROC_IO_NULL;
	if (proc_start(&p) < 0)
		return 0;
	return proc_finish(&p) == 0;
}

int gunzip_start(struct gunzip *g)
{
	static const char *const argv[] = { "gzip", "-dc", NULL };

	memset(g, 0, sizeof(*g));
	proc_init(&g->p, argv);
	g->p.in = PROC_IO_PIPE;
	g->p.out = PROC_IO_PIPE;
	g->p.err = PROC_IO_NULL;
	if (proc_start(&g->p) < 0)
		return -1;
	fcntl(g->p.in_fd, F_SETFL, fcntl(g->p.in_fd, F_GETFL) | O_NONBLOCK);
	g->started = 1;
	return 0;
}

int gunzip_busy(const struct gunzip *g)
{
	return g->pend_off < g->pend_len;
}

void gunzip_end_input(struct gunzip *g)
{
	if (g->p.in_fd >= 0) {
		close(g->p.in_fd);
		g->p.in_fd = -1;
	}
	g->pend_off = g->pend_len = 0;
}

int gunzip_flush(struct gunzip *g)
{
	while (g->p.in_fd >= 0 && g->pend_off < g->pend_len) {
		ssize_t w = write(g->p.in_fd, g->pend + g->pend_off, g->pend_len - g->pend_off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return 0;
		if (w < 0) {
			gunzip_end_input(g); /* EPIPE: it stopped reading (bad data, or it died) */
			return -1;
		}
		g->pend_off += (size_t)w;
	}
	return g->p.in_fd >= 0 ? 0 : -1;
}

int gunzip_give(struct gunzip *g, const unsigned char *buf, size_t len)
{
	g->pend = buf;
	g->pend_off = 0;
	g->pend_len = len;
	return gunzip_flush(g);
}

int gunzip_finish(struct gunzip *g, int kill_it)
{
	if (!g->started)
		return -1;
	if (kill_it)
		kill(g->p.pid, SIGTERM);
	g->started = 0;
	return proc_finish(&g->p);
}
