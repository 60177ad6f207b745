/*
 * conn.h - connections to a runtime's diagnostics socket: connect, send one request, read one
 * reply, all bounded by a deadline. One request per connection, as the protocol wants.
 */
#ifndef DOTNETPROF_AGENT_CONN_H
#define DOTNETPROF_AGENT_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

/* Milliseconds on CLOCK_MONOTONIC (for deadlines and the figures the records carry). */
int64_t conn_now_ms(void);

/*
 * Connect to the socket `name` in the directory open as `dirfd` (through /proc/self/fd/DIRFD/NAME,
 * so a long directory path does not hit sun_path's 108 bytes). Returns the socket (blocking,
 * close-on-exec), or -1 with errno (ECONNREFUSED for a stale socket, EACCES, ENOENT, ...).
 */
int conn_open(int dirfd, const char *name);

/* Write all `len` bytes to fd before `deadline_ms` (conn_now_ms clock; -1 none). 0 or -1/errno. */
int conn_write_all(int fd, const void *buf, size_t len, int64_t deadline_ms);

/*
 * Read exactly `len` bytes before the deadline. Returns 0, or -1 with errno: ETIMEDOUT,
 * ECONNRESET when the peer closed first (also for a clean EOF: a reply must be whole).
 */
int conn_read_exact(int fd, void *buf, size_t len, int64_t deadline_ms);

/* One reply: its header, then its payload, into buf (which holds IPC_MAX_MESSAGE bytes). */
struct conn_reply {
	unsigned char buf[IPC_MAX_MESSAGE];
	struct ipc_reply r;
};

/*
 * Read one reply from fd into rep (exactly its size, nothing of what may follow it). Returns 0, or
 * -1 with errno (EBADMSG for a malformed reply; the conn_read_exact errors).
 */
int conn_read_reply(int fd, struct conn_reply *rep, int64_t deadline_ms);

/*
 * Open a connection, send the request `req` (len bytes), read the reply; the connection is closed
 * unless `keep` is non-NULL, where it is stored (for CollectTracing's stream). Returns 0 (the
 * reply may be an error reply: look at rep->r.ok), or -1 with errno.
 */
int conn_request(int dirfd, const char *name, const unsigned char *req, size_t len,
		 struct conn_reply *rep, int64_t deadline_ms, int *keep);

#endif
