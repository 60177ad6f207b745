/*
 * spool.h - a trace's copy in the pod (trace --spool PATH): every byte of the stream is also
 * written to PATH, so that a trace whose reader went away (the plugin killed, the connection lost,
 * the local disk full) is not lost. The file is created 0600 with O_EXCL|O_NOFOLLOW (its directory
 * must exist); a write error or more than `max` bytes drops it (the file is removed) without
 * touching the trace itself. The caller decides at the end: spool_remove (the reader verified the
 * stream) or spool_keep (it stays, complete or not, for a later fetch; PATH.pid too, which names a
 * process that has ended by then).
 */
#ifndef DOTNETPROF_AGENT_SPOOL_H
#define DOTNETPROF_AGENT_SPOOL_H

#include <stddef.h>
#include <stdint.h>

enum spool_state {
	SPOOL_NONE = 0,  /* no --spool */
	SPOOL_ACTIVE,    /* being written */
	SPOOL_DROPPED    /* a write failed or it grew past max: removed */
};

struct spool {
	enum spool_state state;
	const char *path;
	int fd;
	uint64_t bytes;
	uint64_t max;      /* 0: no limit */
	int error;         /* errno of the failure that dropped it; 0 for the size limit */
};

/* Create PATH (max 0: no limit). 0, or -1 with errno (nothing created). */
int spool_open(struct spool *s, const char *path, uint64_t max);

/* Append n bytes (a no-op unless active); a failure or the limit drops the spool. */
void spool_write(struct spool *s, const void *buf, size_t n);

/* "written", "dropped" or "none": the trace-end record's `spool` field. */
const char *spool_word(const struct spool *s);

/*
 * The reader has the trace: remove the file, with PATH.pid (the pid file the pod's script wrote for
 * this run, if any) and PATH's directory when that leaves it empty (and then its parent, when it
 * is an empty runs/).
 */
void spool_remove(struct spool *s);

/* Keep the file (synced to disk) for a later fetch. */
void spool_keep(struct spool *s);

#endif
