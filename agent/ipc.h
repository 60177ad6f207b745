/*
 * ipc.h - the .NET diagnostics IPC protocol's messages, encoded and decoded in memory (no I/O):
 * dotnet/diagnostics documentation/design-docs/ipc-protocol.md.
 *
 * A message is a 20-byte header (magic "DOTNET_IPC_V1\0", u16 total size, u8 command set, u8
 * command id, u16 reserved 0) and a payload; numbers are little-endian; a string is a u32 count of
 * UTF-16 code units including the terminating NUL, then the UTF-16LE units (count 0: no string).
 * The runtime answers OK (0xFF/0x00) or error (0xFF/0xFF, payload an HRESULT) and then closes,
 * except after CollectTracing's OK, where the same connection carries the .nettrace stream.
 */
#ifndef DOTNETPROF_AGENT_IPC_H
#define DOTNETPROF_AGENT_IPC_H

#include <stddef.h>
#include <stdint.h>

#define IPC_HEADER_SIZE 20
#define IPC_MAX_MESSAGE 65535 /* the header's u16 size */

enum {
	IPC_SET_DUMP = 0x01,
	IPC_SET_EVENTPIPE = 0x02,
	IPC_SET_PROCESS = 0x04,
	IPC_SET_SERVER = 0xFF,
};

enum {
	IPC_EP_STOP_TRACING = 0x01,
	IPC_EP_COLLECT_TRACING = 0x02,
	IPC_EP_COLLECT_TRACING2 = 0x03,
	IPC_EP_COLLECT_TRACING3 = 0x04,
	IPC_EP_COLLECT_TRACING4 = 0x05,
	IPC_DUMP_GENERATE = 0x01,
	IPC_DUMP_GENERATE2 = 0x02,
	IPC_DUMP_GENERATE3 = 0x03,
	IPC_PROCESS_INFO = 0x00,
	IPC_PROCESS_RESUME = 0x01,
	IPC_PROCESS_INFO2 = 0x04,
	IPC_PROCESS_INFO3 = 0x08,
	IPC_SERVER_OK = 0x00,
	IPC_SERVER_ERROR = 0xFF,
};

/* HRESULTs the diagnostics server answers with (ipc-protocol.md "Errors", and the client's list). */
#define IPC_E_FAIL              0x80004005u
#define IPC_E_INVALIDARG        0x80070057u
#define IPC_E_INSUFFICIENT_BUF  0x8007007Au
#define IPC_E_ENVVAR_NOT_FOUND  0x800000CBu
#define IPC_E_NOT_YET_AVAILABLE 0x8013135Bu
#define IPC_E_PROFILER_ACTIVE   0x8013136Au
#define IPC_E_RUNTIME_UNINIT    0x80131371u
#define IPC_E_BAD_ENCODING      0x80131384u
#define IPC_E_UNKNOWN_COMMAND   0x80131385u
#define IPC_E_UNKNOWN_MAGIC     0x80131386u
#define IPC_E_UNKNOWN_ERROR     0x80131387u
#define IPC_E_NOTSUPPORTED      0x80131515u

/* The name of a known HRESULT ("DS_IPC_E_UNKNOWN_COMMAND", ...), or NULL. */
const char *ipc_hresult_name(uint32_t hr);

/* ---- encoding ---------------------------------------------------------------------------------- */

/* A message being built in a caller's buffer. `err` sticks once set (overflow or bad UTF-8). */
struct ipc_msg {
	unsigned char *buf;
	size_t cap;
	size_t len;
	int err;
};

/* Start a message: the header, with the size patched by ipc_msg_end. cap >= IPC_HEADER_SIZE. */
void ipc_msg_begin(struct ipc_msg *m, unsigned char *buf, size_t cap, uint8_t set, uint8_t id);
void ipc_put_u8(struct ipc_msg *m, uint8_t v);
void ipc_put_u32(struct ipc_msg *m, uint32_t v);
void ipc_put_u64(struct ipc_msg *m, uint64_t v);
/* A string from UTF-8 (NULL: count 0; "": count 1, a lone NUL). Bad UTF-8 sets err = EILSEQ. */
void ipc_put_string(struct ipc_msg *m, const char *utf8);
/* Patch the size. Returns the message's length, or -1 with errno (EMSGSIZE, EILSEQ). */
int ipc_msg_end(struct ipc_msg *m);

/* One provider of an EventPipe session. */
struct ipc_provider {
	uint64_t keywords;
	uint32_t level;
	const char *name;
	const char *args;   /* "key=value;..." or NULL; sent as "" (a lone NUL) when NULL */
};

/* An EventPipe session request. */
struct ipc_collect {
	uint8_t command;            /* IPC_EP_COLLECT_TRACING..4 */
	uint32_t buffer_mb;
	uint64_t rundown_keyword;   /* 0: no rundown; CollectTracing2/3 send it as a bool, the
				     * first CollectTracing always has one */
	int stackwalk;              /* CollectTracing3/4 only */
	const struct ipc_provider *providers;
	size_t nproviders;
};

/* The rundown keyword that a CollectTracing2 "requestRundown = true" stands for. */
#define IPC_DEFAULT_RUNDOWN_KEYWORD 0x80020139ull

/* Requests: each writes a whole message into buf and returns its length, or -1 with errno. */
int ipc_req_empty(unsigned char *buf, size_t cap, uint8_t set, uint8_t id);
int ipc_req_collect(unsigned char *buf, size_t cap, const struct ipc_collect *c);
int ipc_req_stop(unsigned char *buf, size_t cap, uint64_t session);
/* GenerateCoreDump (id 1: string, u32 type, u32 diagnostics) or 2/3 (string, u32 type, u32 flags). */
int ipc_req_dump(unsigned char *buf, size_t cap, uint8_t id, const char *path, uint32_t type,
		 uint32_t flags);

/* ---- decoding ---------------------------------------------------------------------------------- */

struct ipc_header {
	uint16_t size;
	uint8_t set;
	uint8_t id;
	uint16_t reserved;
};

/*
 * Decode the 20 bytes at p: 0, or -1 (EBADMSG) when the magic is wrong or the size is below the
 * header's.
 */
int ipc_parse_header(const unsigned char *p, struct ipc_header *h);

/* A reply: OK or error, and its payload (which points into the caller's bytes). */
struct ipc_reply {
	int ok;                 /* 1: 0xFF/0x00; 0: 0xFF/0xFF */
	uint32_t hresult;       /* error replies: the HRESULT (0 when the payload is too short) */
	const unsigned char *payload;
	size_t payload_len;
};

/*
 * Decode a whole reply (header + payload, `len` bytes, at least the header's size). Returns 0, or
 * -1 (EBADMSG) when it is not a server reply, its size disagrees with `len`, or an error reply
 * lacks its HRESULT.
 */
int ipc_parse_reply(const unsigned char *msg, size_t len, struct ipc_reply *r);

/* An OK reply to CollectTracing* or StopTracing: the u64 session id. 0, or -1 (EBADMSG). */
int ipc_parse_session(const struct ipc_reply *r, uint64_t *session);

/*
 * An OK reply's leading int32 HRESULT (dump, ResumeRuntime), 0 when the payload is empty.
 * An error reply of GenerateCoreDump3 may carry a message after the HRESULT: *msg (malloc'd UTF-8,
 * caller frees) is set then, else NULL. Returns 0, or -1 (EBADMSG/ENOMEM).
 */
int ipc_parse_hresult(const struct ipc_reply *r, uint32_t *hr, char **msg);

/* ProcessInfo / ProcessInfo2 / ProcessInfo3 answers; strings malloc'd UTF-8 (NULL when absent). */
struct ipc_process_info {
	uint32_t version;       /* ProcessInfo3's payload version; 0 otherwise */
	uint64_t pid;
	unsigned char cookie[16];
	char *cmdline;
	char *os;
	char *arch;
	char *entrypoint;       /* 2 and 3 */
	char *runtime_version;  /* 2 and 3 */
	char *rid;              /* 3, version >= 1 */
};

/* Parse an OK reply to `id` (IPC_PROCESS_INFO, _INFO2, _INFO3). 0, or -1 (EBADMSG/ENOMEM). */
int ipc_parse_process_info(const struct ipc_reply *r, uint8_t id, struct ipc_process_info *pi);
void ipc_process_info_release(struct ipc_process_info *pi);

/*
 * Decode one string at *off of p[0..len): *out is malloc'd UTF-8 (NULL for count 0). Unpaired
 * surrogates become U+FFFD. Returns 0 and advances *off, or -1 (EBADMSG: short, no NUL where it
 * must be; ENOMEM).
 */
int ipc_get_string(const unsigned char *p, size_t len, size_t *off, char **out);

#endif
