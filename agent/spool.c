/*
 * spool.c - a trace's copy in the pod (see spool.h).
 */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int spool_open(struct spool *s, const char *path, uint64_t max)
{
	memset(s, 0, sizeof(*s));
	s->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (s->fd < 0)
		return -1;
	s->path = path;
	s->max = max;
	s->state = SPOOL_ACTIVE;
	return 0;
}

static void drop(struct spool *s, int error)
{
	s->error = error;
	s->state = SPOOL_DROPPED;
	close(s->fd);
	s->fd = -1;
	(void)unlink(s->path);
}

void spool_write(struct spool *s, const void *buf, size_t n)
{
	const unsigned char *p = buf;
	ssize_t w;

	if (s->state != SPOOL_ACTIVE)
		return;
	if (s->max && s->bytes + n > s->max) {
		drop(s, 0);
		return;
	}
	while (n > 0) {
		w = write(s->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			drop(s, w < 0 ? errno : EIO);
			return;
		}
		p += w;
		n -= (size_t)w;
		s->bytes += (uint64_t)w;
	}
}

const char *spool_word(const struct spool *s)
{
	switch (s->state) {
	case SPOOL_ACTIVE:
		return "written";
	case SPOOL_DROPPED:
		return "dropped";
	case SPOOL_NONE:
		break;
	}
	return "none";
}

void spool_remove(struct spool *s)
{
	char aux[PATH_MAX];
	char *slash;

	if (s->state != SPOOL_ACTIVE)
		return;
	close(s->fd);
	s->fd = -1;
	(void)unlink(s->path);
	s->state = SPOOL_NONE;
	if (snprintf(aux, sizeof(aux), "%s.pid", s->path) < (int)sizeof(aux))
		(void)unlink(aux);
	if (snprintf(aux, sizeof(aux), "%s", s->path) < (int)sizeof(aux) && (slash = strrchr(aux, '/')) &&
	    slash != aux) {
		*slash = '\0';
		/* only when empty: the run's directory, then runs/ (the workspace's layout) */
		if (rmdir(aux) == 0 && (slash = strrchr(aux, '/')) && slash != aux) {
			*slash = '\0';
			slash = strrchr(aux, '/');
			if (slash && !strcmp(slash, "/runs"))
				(void)rmdir(aux);
		}
	}
}

void spool_keep(struct spool *s)
{
	if (s->state != SPOOL_ACTIVE)
		return;
	(void)fsync(s->fd);
	close(s->fd);
	s->fd = -1;
	s->state = SPOOL_NONE;
}
