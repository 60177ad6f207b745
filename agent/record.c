/*
 * record.c - write the agent's records (see record.h). Escaping keeps one record on one line
 * whatever a command line or a path holds.
 */
#include "record.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "agentcli.h"
#include "ipc.h"

void rec_begin(FILE *f, const char *type)
{
	fputs(type, f);
}

void rec_str(FILE *f, const char *key, const char *value)
{
	const char *p;

	if (value == NULL)
		return;
	fprintf(f, "\t%s=", key);
	for (p = value; *p != '\0'; p++) {
		switch (*p) {
		case '\\':
			fputs("\\\\", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		default:
			putc(*p, f);
		}
	}
}

void rec_u64(FILE *f, const char *key, unsigned long long v)
{
	fprintf(f, "\t%s=%llu", key, v);
}

void rec_i64(FILE *f, const char *key, long long v)
{
	fprintf(f, "\t%s=%lld", key, v);
}

void rec_hex(FILE *f, const char *key, unsigned long long v)
{
	fprintf(f, "\t%s=0x%llx", key, v);
}

int rec_end(FILE *f)
{
	putc('\n', f);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

int rec_error(int status, const char *code, long pid, uint32_t hresult, const char *hint,
	      const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap); /* a cut message still says what failed */
	va_end(ap);
	rec_begin(stderr, AGENT_REC_ERROR);
	rec_str(stderr, "code", code);
	if (pid > 0)
		rec_i64(stderr, "pid", pid);
	if (hresult != 0) {
		rec_hex(stderr, "hresult", hresult);
		rec_str(stderr, "hresult_name", ipc_hresult_name(hresult));
	}
	rec_str(stderr, "message", msg);
	rec_str(stderr, "hint", hint);
	(void)rec_end(stderr);
	return status;
}

int rec_conn_error(long pid, int err, const char *what)
{
	if (err == EACCES || err == EPERM)
		return rec_error(AGENT_EX_PERMISSION, AGENT_ERR_PERMISSION, pid, 0,
				 "run the agent as the app's user or as root", "%s: %s", what, strerror(err));
	if (err == ETIMEDOUT)
		return rec_error(AGENT_EX_FAIL, AGENT_ERR_TIMEOUT, pid, 0, NULL, "%s: %s", what,
				 strerror(err));
	return rec_error(AGENT_EX_FAIL, AGENT_ERR_CONNECT, pid, 0,
			 err == ECONNREFUSED || err == ENOENT || err == ECONNRESET ?
				 "has the process exited?" : NULL,
			 "%s: %s", what, strerror(err));
}
