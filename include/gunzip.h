/*
 * gunzip.h - the local `gzip -dc` child that decompresses a pull's gzip stream.
 *
 * The compressed bytes are handed over in chunks (gunzip_give); what the child cannot take at once
 * stays pending, and the caller stops reading its own source until gunzip_busy() is 0 again (poll
 * in_fd for POLLOUT and call gunzip_flush), so memory stays constant. The plain bytes are read by the
 * caller from p.out_fd. The child is run from an argv (never a shell) and found on PATH.
 */
#ifndef DOTNETPROF_GUNZIP_H
#define DOTNETPROF_GUNZIP_H

#include <stddef.h>

#include "proc.h"

struct gunzip {
	struct proc p;                 /* p.in_fd (non-blocking) takes gzip data, p.out_fd gives plain */
	const unsigned char *pend;     /* the chunk being handed over (the caller's buffer) */
	size_t pend_off, pend_len;
	int started;
};

/* 1 when a local `gzip` runs (gzip --version exits 0). */
int gunzip_available(void);

/* Start `gzip -dc`. 0, or -1 with errno (nothing to finish then). */
int gunzip_start(struct gunzip *g);

/*
 * Hand over `len` bytes of `buf`, which must stay valid until gunzip_busy() is 0. Writes what the
 * child takes now. 0, or -1 when the child stopped reading (its input is closed, nothing pending).
 */
int gunzip_give(struct gunzip *g, const unsigned char *buf, size_t len);

/* 1 while handed-over bytes are still pending. */
int gunzip_busy(const struct gunzip *g);

/* Write more of the pending bytes (in_fd is writable). 0, or -1 as gunzip_give. */
int gunzip_flush(struct gunzip *g);

/* No more input: close the child's stdin (it then ends its output). Pending bytes are dropped. */
void gunzip_end_input(struct gunzip *g);

/* Close what is open, wait for the child (SIGTERM first with `kill_it`). Its status, or -1. */
int gunzip_finish(struct gunzip *g, int kill_it);

#endif
