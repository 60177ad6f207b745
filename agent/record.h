/*
 * record.h - the agent's output records (include/agentcli.h describes them): one line each, the
 * type then TAB-separated key=value fields, values escaped (\\, \t, \n).
 */
#ifndef DOTNETPROF_AGENT_RECORD_H
#define DOTNETPROF_AGENT_RECORD_H

#include <stdint.h>
#include <stdio.h>

/* Start a record of `type` on f. */
void rec_begin(FILE *f, const char *type);
/* A field; a NULL value writes nothing. */
void rec_str(FILE *f, const char *key, const char *value);
void rec_u64(FILE *f, const char *key, unsigned long long v);
void rec_i64(FILE *f, const char *key, long long v);
void rec_hex(FILE *f, const char *key, unsigned long long v);
/* End the line and flush. Returns 0, or -1 when the stream failed (a reader gone). */
int rec_end(FILE *f);

/*
 * An `error` record on stderr: code (AGENT_ERR_*), pid (<= 0: none), hresult (0: none), a hint
 * (NULL: none), and the message from fmt. Returns `status` so callers can `return rec_error(...)`.
 */
int rec_error(int status, const char *code, long pid, uint32_t hresult, const char *hint,
	      const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
	__attribute__((format(printf, 6, 7)))
#endif
	;

/*
 * An `error` record for a failed connection or request to a runtime (errno `err`): permission
 * (EACCES, EPERM), timeout (ETIMEDOUT) or connect, with the matching exit status, which it returns.
 * `what` says what failed ("cannot start a session in PATH").
 */
int rec_conn_error(long pid, int err, const char *what);

#endif
