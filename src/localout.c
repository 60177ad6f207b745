/*
 * localout.c - NAME.part written, fsynced and renamed without clobbering (see localout.h).
 */
#include "localout.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "perm.h"
#include "sanitize.h"

int localout_basename(const char *remote_path, char *buf, size_t bufsize)
{
	size_t end = strlen(remote_path), start, i, n, step;

	while (end > 0 && remote_path[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && remote_path[start - 1] != '/')
		start--;
	n = end - start;
	if (n == 0 || (n == 1 && remote_path[start] == '.') ||
	    (n == 2 && remote_path[start] == '.' && remote_path[start + 1] == '.')) {
		errno = EINVAL;
		return -1;
	}
	if (n >= bufsize) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (i = 0; i < n; i += step) {
		int safe;

		step = sanitize_char(remote_path + start + i, n - i, &safe);
		if (safe)
			memcpy(buf + i, remote_path + start + i, step);
		else
			memset(buf + i, '_', step);
	}
	buf[n] = '\0';
	return 0;
}

char *localout_resolve(const char *output, const char *remote_path)
{
	char base[256], *out;
	struct stat st;
	size_t len;
	int dir;

	if (output && *output) {
		len = strlen(output);
		dir = output[len - 1] == '/' || (stat(output, &st) == 0 && S_ISDIR(st.st_mode));
		if (!dir)
			return strdup(output);
	} else {
		output = ".";
		len = 1;
	}
	if (localout_basename(remote_path, base, sizeof(base)) < 0)
		return NULL;
	out = malloc(len + 1 + strlen(base) + 1);
	if (!out)
		return NULL;
	memcpy(out, output, len);
	if (output[len - 1] != '/')
		out[len++] = '/';
	memcpy(out + len, base, strlen(base) + 1);
	return out;
}

#define FLUSH_EVERY (16u * 1024 * 1024)

static void clear(struct localout *lo)
{
	lo->path = lo->part = NULL;
	lo->fd = -1;
	lo->size = 0;
	lo->flushed = 0;
}

void localout_release(struct localout *lo)
{
	if (lo->fd >= 0)
		close(lo->fd);
	free(lo->path);
	free(lo->part);
	clear(lo);
}

int localout_part_ok(const struct stat *st, uid_t uid, char *why, size_t whysize)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(why, whysize, "it is not a regular file");
		return -1;
	}
	if (perm_private(st, uid, why, whysize) < 0)
		return -1;
	if (st->st_nlink != 1) {
		snprintf(why, whysize, "it has %lu links: another name shares its bytes",
			 (unsigned long)st->st_nlink);
		return -1;
	}
	return 0;
}

enum localout_open_result localout_open(struct localout *lo, const char *path, int resume,
					int force, char *why, size_t whysize)
{
	const mode_t mode = 0600;
	struct stat st;
	size_t len = strlen(path);
	int e;

	clear(lo);
	lo->path = strdup(path);
	lo->part = malloc(len + sizeof(".part"));
	if (!lo->path || !lo->part)
		goto fail;
	memcpy(lo->part, path, len);
	memcpy(lo->part + len, ".part", sizeof(".part"));
	if (!force && lstat(path, &st) == 0) {
		localout_release(lo);
		return LOCALOUT_EXISTS;
	}
	if (resume) {
		/* a symbolic link, fifo or device is refused before it is opened; fstat checks again */
		if (lstat(lo->part, &st) == 0 && localout_part_ok(&st, geteuid(), why, whysize) < 0) {
			localout_release(lo);
			return LOCALOUT_PART_UNSAFE;
		}
		lo->fd = open(lo->part, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (lo->fd >= 0) {
			if (fstat(lo->fd, &st) < 0)
				goto fail;
			if (localout_part_ok(&st, geteuid(), why, whysize) < 0) {
				localout_release(lo);
				return LOCALOUT_PART_UNSAFE;
			}
			/* a part of an older version may be 0644: what it holds is private */
			if ((st.st_mode & 077) && fchmod(lo->fd, mode) < 0)
				goto fail;
			lo->size = lo->flushed = (uint64_t)st.st_size;
			if (lseek(lo->fd, 0, SEEK_END) < 0)
				goto fail;
			return LOCALOUT_OK;
		}
		if (errno != ENOENT)
			goto fail;
	}
	lo->fd = open(lo->part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (lo->fd < 0 && errno == EEXIST) {
		if (!force) {
			localout_release(lo);
			return LOCALOUT_PART_EXISTS;
		}
		if (unlink(lo->part) < 0)
			goto fail;
		lo->fd = open(lo->part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	}
	if (lo->fd < 0)
		goto fail;
	return LOCALOUT_OK;
fail:
	e = errno;
	localout_release(lo);
	errno = e;
	return LOCALOUT_ERR;
}

int localout_write(struct localout *lo, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(lo->fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
		lo->size += (uint64_t)w;
	}
	if (lo->size - lo->flushed >= FLUSH_EVERY) {
		/* on Linux this starts writeback of the dirty range without waiting for it */
		posix_fadvise(lo->fd, (off_t)lo->flushed, (off_t)(lo->size - lo->flushed),
			      POSIX_FADV_DONTNEED);
		lo->flushed = lo->size;
	}
	return 0;
}

void localout_flush(struct localout *lo)
{
	if (lo->fd >= 0 && fsync(lo->fd) == 0)
		lo->flushed = lo->size;
}

int localout_truncate(struct localout *lo, uint64_t size)
{
	if (ftruncate(lo->fd, (off_t)size) < 0 || lseek(lo->fd, (off_t)size, SEEK_SET) < 0)
		return -1;
	lo->size = lo->flushed = size;
	return 0;
}

/* fsync the directory holding `path`, so the rename survives a crash; best effort. */
static void sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (!copy)
		return;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

int localout_commit(struct localout *lo, int force)
{
	int fd = lo->fd;

	lo->fd = -1;
	if (fsync(fd) < 0 && errno != EINVAL) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	if (close(fd) < 0)
		return -1;
	if (force) {
		if (rename(lo->part, lo->path) < 0)
			return -1;
	} else if (link(lo->part, lo->path) == 0) {
		unlink(lo->part);
	} else {
		struct stat st;

		/* no hard links here (vfat, some FUSE): check, then rename */
		if (errno == EEXIST || lstat(lo->path, &st) == 0) {
			errno = EEXIST;
			return -1;
		}
		if (rename(lo->part, lo->path) < 0)
			return -1;
	}
	sync_dir(lo->path);
	return 0;
}
