/*
 * localout.h - the local side of a pull: a file that cannot lie.
 *
 * Bytes go to NAME.part, created with O_EXCL|O_NOFOLLOW and mode 0600: whatever comes out of a pod
 * (a trace, counters, a dump, a fetched file) may hold production data, so only the user may read it;
 * NAME appears only when localout_commit() is called after the copy was verified: fsync, then a
 * no-clobber rename (link + unlink; rename over NAME only with --force). An existing NAME is never
 * overwritten without `force`, and an existing NAME.part is only continued (resume) or, with
 * `force`, started over. A NAME.part is continued only when it is ours to continue: a regular file
 * (not followed if a symbolic link), owned by the user, with one link (no other name shares its
 * bytes), not writable by group or others; its mode is then set to 0600.
 */
#ifndef DOTNETPROF_LOCALOUT_H
#define DOTNETPROF_LOCALOUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

struct localout {
	char *path;        /* NAME, owned */
	char *part;        /* NAME.part, owned */
	int fd;            /* open on part, -1 when closed */
	uint64_t size;     /* bytes in part (what was found when resuming plus what was written) */
	uint64_t flushed;  /* bytes handed to writeback so far (see localout_write) */
};

/*
 * The local file name a remote `remote_path` gets: the last component of `remote_path` (trailing
 * slashes ignored), with every byte sanitize.h would escape (control characters such as newline,
 * tab and ESC, C1 controls, bidi controls, invalid UTF-8) replaced by '_'. Rejects (-1, EINVAL)
 * an empty result, "." and "..": no pod-provided name can climb out of the target directory.
 * Writes into `buf`; -1 with ENAMETOOLONG when it does not fit.
 */
int localout_basename(const char *remote_path, char *buf, size_t bufsize);

/*
 * Where a pull of `remote_path` writes: `output` NULL -> ./BASENAME; `output` an existing directory
 * or ending in '/' -> output/BASENAME; else `output` itself. Returns a newly allocated path, or NULL
 * with errno (EINVAL: no usable basename, ENOMEM).
 */
char *localout_resolve(const char *output, const char *remote_path);

enum localout_open_result {
	LOCALOUT_OK = 0,
	LOCALOUT_ERR,          /* errno set (the message is the caller's) */
	LOCALOUT_EXISTS,       /* NAME exists and force is not set */
	LOCALOUT_PART_EXISTS,  /* NAME.part exists and neither resume nor force is set */
	LOCALOUT_PART_UNSAFE,  /* resume: NAME.part is not ours to continue (`why` says what it is) */
};

/*
 * Open NAME.part for `path` (copied). `resume`: continue an existing NAME.part (size in lo->size;
 * a missing one is created) when it passes the checks above. `force`: an existing NAME is allowed
 * (replaced at commit) and an existing NAME.part without resume is removed first. `why` (whysize
 * bytes) receives the reason for LOCALOUT_PART_UNSAFE ("it is owned by uid 1001", ...).
 * On anything but LOCALOUT_OK, `lo` holds nothing (localout_release is still safe).
 */
enum localout_open_result localout_open(struct localout *lo, const char *path, int resume,
					int force, char *why, size_t whysize);

/*
 * The resume rule on the stat of an existing part (pure): 0 when `st` is a regular file owned by
 * `uid`, with one link, not writable by group or others; else -1 with the reason in `why`.
 */
int localout_part_ok(const struct stat *st, uid_t uid, char *why, size_t whysize);

/*
 * Write all of `buf` at the end of the part. 0, or -1 with errno (ENOSPC, EIO...). Every 16 MiB the
 * bytes written so far are handed to writeback (posix_fadvise DONTNEED), so that the fsync at commit
 * finds little left to write and a multi-GiB copy does not fill the page cache.
 */
int localout_write(struct localout *lo, const void *buf, size_t len);

/*
 * Flush the part to disk now (fsync), ahead of the commit: called when the last byte came, so the
 * flush overlaps what is still to wait for (kubectl ending, the pod's hash) instead of following it.
 * The commit's fsync then finds nothing left to write. Best effort: a failure is the commit's to see.
 */
void localout_flush(struct localout *lo);

/* Cut the part back to `size` bytes (starting over). 0 or -1 with errno. */
int localout_truncate(struct localout *lo, uint64_t size);

/*
 * fsync the part, close it, and move it to NAME: without `force` with link()+unlink() so an NAME
 * created meanwhile is never replaced (EEXIST); with `force`, rename(). Then fsync the directory.
 * 0, or -1 with errno (the part is kept).
 */
int localout_commit(struct localout *lo, int force);

/* Close the part if open and free the names; the part file stays on disk. */
void localout_release(struct localout *lo);

#endif
