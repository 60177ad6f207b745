/*
 * agentrec.h - read dotnetprof-agent's records (their format: agentcli.h): one line, the type,
 * then TAB-separated key=value fields with \\ \t \n escaped in values. Typed views of the records
 * the plugin acts on: trace-end (the trailer a streamed trace is verified with), dump and error.
 */
#ifndef DOTNETPROF_AGENTREC_H
#define DOTNETPROF_AGENTREC_H

#include <stddef.h>
#include <stdint.h>

struct agentrec_field {
	const char *key;
	const char *value;   /* unescaped */
};

/* One parsed record; everything points into `buf`, owned by the record. */
struct agentrec {
	const char *type;
	struct agentrec_field *fields;
	size_t nfields;
	char *buf;
};

/*
 * Parse one record: `line` of `len` bytes, with or without its final "\n" (no other newline may
 * be in it). Returns 0, or -1 with errno: EBADMSG (no type, a field without '=', a key outside
 * [a-z0-9_], a bad escape), ENOMEM. `r` needs agentrec_release either way.
 */
int agentrec_parse(const char *line, size_t len, struct agentrec *r);

/* The value of `key` (the first such field), or NULL. */
const char *agentrec_get(const struct agentrec *r, const char *key);

void agentrec_release(struct agentrec *r);

/* The trace-end trailer, typed. */
struct agentrec_trailer {
	uint64_t bytes;
	char sha256[65];     /* lowercase hex */
	int complete;        /* the stream ended after the runtime acknowledged StopTracing */
	int stopped;
	int stdout_closed;
	const char *reason;  /* points into the record */
};

/*
 * Read a trace-end record into t. Returns 0, or -1 (EINVAL) when r is not a trace-end record or
 * its bytes, sha256, complete or stopped fields are missing or malformed.
 */
int agentrec_trailer(const struct agentrec *r, struct agentrec_trailer *t);

#endif
