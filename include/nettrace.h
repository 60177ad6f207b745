/*
 * nettrace.h - a streaming reader of NetTrace files (.nettrace), the format the .NET runtime's
 * EventPipe writes (dotnet-trace, the diagnostics IPC CollectTracing commands).
 *
 * Formats read (PerfView's NetTraceFormat_v5.md and NetTraceFormat.md are the specification;
 * TraceEvent's EventPipeEventSource is the reference reader):
 *   4 and 5  "Nettrace" + "!FastSerialization.1", then FastSerialization objects: Trace,
 *            MetadataBlock, StackBlock, EventBlock, SPBlock, ended by a NullReference tag. This is what
 *            .NET Core 3.0 to .NET 10 write (the Trace object says version 4 in all of them; metadata
 *            may carry the V5 tags).
 *   6        "Nettrace" + version header, then length-prefixed blocks (Trace, Metadata, Event, Stack,
 *            SequencePoint, Thread, RemoveThread, LabelList, EndOfStream); newer writers.
 * Older NetPerf files (versions 1 to 3, no "Nettrace" magic) are refused as unsupported.
 *
 * The reader pulls the input in blocks (at most NETTRACE_MAX_BLOCK bytes each) and hands the caller
 * metadata records and events through callbacks. Memory stays bounded whatever the file size: it
 * holds the metadata records (one per event type), the stacks between two sequence points, and the
 * events waiting to be put in time order (see NETTRACE_FILE_ORDER; at most about a million, by
 * windows, in a hostile file that never marks one sorted). Hostile input gives NETTRACE_CORRUPT with
 * a message and the offset, never a crash, a hang or an allocation out of proportion to the input.
 *
 * Thread ids are OS thread ids (for version 6, the reader maps thread indexes through the Thread
 * blocks). Timestamps are in ticks of `qpc_freq` per second, comparable with `sync_qpc`.
 */
#ifndef DOTNETPROF_NETTRACE_H
#define DOTNETPROF_NETTRACE_H

#include <stddef.h>
#include <stdint.h>

/* The largest block accepted (a V6 block header holds 24 bits; the runtime writes ~100 KB blocks). */
#define NETTRACE_MAX_BLOCK (16u * 1024 * 1024)

enum nettrace_status {
	NETTRACE_OK = 0,       /* read to the end-of-stream mark */
	NETTRACE_TRUNCATED,    /* the input ended before the end-of-stream mark (a killed or cut
	                          trace): everything in the complete blocks before was delivered */
	NETTRACE_CORRUPT,      /* not a nettrace, or inconsistent data: see message and offset */
	NETTRACE_UNSUPPORTED,  /* a nettrace (or netperf) version this reader does not know */
	NETTRACE_IO,           /* the input could not be read: see err_errno */
	NETTRACE_NOMEM,        /* out of memory */
	NETTRACE_STOPPED,      /* a callback returned nonzero */
};

/* What the Trace object says about the trace as a whole. */
struct nettrace_info {
	int format_version;       /* 4 (FastSerialization objects, with or without the V5 metadata
	                             tags: the Trace object says 4 in both) or 6 */
	int pointer_size;         /* 4 or 8: the size of each stack frame */
	uint16_t sync_utc[8];     /* SYSTEMTIME of the start: year, month, day of week, day, hour,
	                             minute, second, millisecond (UTC) */
	int64_t sync_qpc;         /* the timestamp (ticks) of that moment */
	int64_t qpc_freq;         /* ticks per second (> 0) */
	uint32_t process_id;      /* 0 when the file does not say */
	uint32_t cpu_count;       /* 0 when the file does not say */
	uint32_t sampling_rate;   /* the expected CPU sampling rate field; 0 when absent */
};

/* EventPipe field type codes (System.TypeCode values, plus the EventPipe and V6 additions). */
enum nettrace_type {
	NT_TYPE_OBJECT = 1, NT_TYPE_BOOL32 = 3, NT_TYPE_UTF16_CHAR = 4, NT_TYPE_SBYTE = 5,
	NT_TYPE_BYTE = 6, NT_TYPE_INT16 = 7, NT_TYPE_UINT16 = 8, NT_TYPE_INT32 = 9, NT_TYPE_UINT32 = 10,
	NT_TYPE_INT64 = 11, NT_TYPE_UINT64 = 12, NT_TYPE_SINGLE = 13, NT_TYPE_DOUBLE = 14,
	NT_TYPE_DECIMAL = 15, NT_TYPE_DATETIME = 16, NT_TYPE_GUID = 17, NT_TYPE_UTF16_STRING = 18,
	NT_TYPE_ARRAY = 19, NT_TYPE_VARINT = 20, NT_TYPE_VARUINT = 21, NT_TYPE_FIXED_ARRAY = 22,
	NT_TYPE_UTF8_CHAR = 23, NT_TYPE_RELLOC = 24, NT_TYPE_DATALOC = 25, NT_TYPE_BOOL8 = 26,
};

/* One top-level payload field of an event type. */
struct nettrace_field {
	const char *name;         /* UTF-8 */
	int type;                 /* enum nettrace_type */
	int element_type;         /* for arrays: the element's type; else 0 */
};

/*
 * One event type. Runtime providers often leave `event_name` empty: identify their events by
 * provider and event_id. Owned by the reader; valid until nettrace_read_* returns (pointers handed
 * to the event callback stay valid just as long).
 */
struct nettrace_metadata {
	uint32_t id;              /* what events refer to (> 0) */
	const char *provider;     /* UTF-8, e.g. "Microsoft-DotNETCore-SampleProfiler" */
	uint32_t event_id;
	const char *event_name;   /* UTF-8, possibly "" */
	uint64_t keywords;
	uint32_t version;
	uint32_t level;
	int opcode;               /* -1 when the metadata does not give one */
	size_t nfields;           /* 0 when the layout is absent or could not be parsed */
	const struct nettrace_field *fields;
};

/* One event. Every pointer is valid only during the callback. */
struct nettrace_event {
	const struct nettrace_metadata *meta;
	uint64_t thread_id;          /* the thread the event is about (the sampled thread for samples) */
	uint64_t capture_thread_id;  /* the thread that wrote it */
	int64_t timestamp;           /* ticks */
	uint32_t sequence;
	uint32_t processor;
	uint32_t stack_id;           /* 0: none */
	uint32_t stack_size;         /* bytes of `stack`: a multiple of pointer_size; 0 when no stack */
	const uint8_t *stack;        /* instruction pointers, innermost first, little-endian; see nettrace_ip */
	int pointer_size;            /* 4 or 8 */
	const uint8_t *activity_id;  /* 16 bytes (all zero when none) */
	const uint8_t *related_activity_id;
	uint32_t label_list_id;      /* version 6 only; 0 otherwise */
	uint32_t payload_size;
	const uint8_t *payload;
	int sorted;                  /* the writer's IsSorted mark */
};

/* Called in this order: info once, then metadata and events as the file defines them. */
struct nettrace_callbacks {
	int (*info)(void *arg, const struct nettrace_info *info);
	int (*metadata)(void *arg, const struct nettrace_metadata *meta);
	int (*event)(void *arg, const struct nettrace_event *ev);
};

/* nettrace_read_* flags */
enum {
	/*
	 * Deliver events in file order. By default events are delivered in timestamp order, as TraceEvent
	 * does: the writer only orders events per writing thread, so the reader holds them back until a
	 * sorted event or a sequence point proves no earlier one can follow (a fraction of a second of
	 * events).
	 */
	NETTRACE_FILE_ORDER = 1,
};

struct nettrace_result {
	enum nettrace_status status;
	int format_version;       /* 0 when the header could not be read */
	uint64_t offset;          /* bytes read; for CORRUPT/UNSUPPORTED/TRUNCATED where it happened */
	uint64_t events;          /* events delivered */
	uint64_t lost_events;     /* events the runtime dropped (gaps in sequence numbers) */
	int err_errno;            /* for NETTRACE_IO */
	char message[200];        /* lowercase, no full stop: why it is CORRUPT/UNSUPPORTED/TRUNCATED */
};

/*
 * Read a whole nettrace from `fd` (a file or a pipe; read until EOF, not closed), calling `cb` (any
 * callback may be NULL). Returns 0 when res->status is NETTRACE_OK, else -1 (res says why; with
 * NETTRACE_TRUNCATED the callbacks saw every complete block). `res` is always filled.
 */
int nettrace_read_fd(int fd, const struct nettrace_callbacks *cb, void *arg, unsigned flags,
		     struct nettrace_result *res);

/* The same over `len` bytes in memory (not copied more than a block at a time). */
int nettrace_read_mem(const void *data, size_t len, const struct nettrace_callbacks *cb, void *arg,
		      unsigned flags, struct nettrace_result *res);

/* "ok", "truncated", "corrupt", ... */
const char *nettrace_status_name(enum nettrace_status status);

/* Frame `i` (0 = innermost) of an event's stack: i < stack_size / pointer_size. */
static inline uint64_t nettrace_ip(const struct nettrace_event *ev, size_t i)
{
	const uint8_t *p = ev->stack + i * (size_t)ev->pointer_size;
	uint64_t v = 0;
	int b;

	for (b = ev->pointer_size - 1; b >= 0; b--)
		v = v << 8 | p[b];
	return v;
}

static inline size_t nettrace_depth(const struct nettrace_event *ev)
{
	return ev->pointer_size ? ev->stack_size / (size_t)ev->pointer_size : 0;
}

/*
 * Payload helpers for callers that decode known events. A NUL-terminated UTF-16LE string at
 * payload[*off]: its UTF-8 form is written to `out` (truncated to outsize - 1 bytes at a character
 * boundary, always terminated; invalid surrogates become U+FFFD) and *off moves past the NUL.
 * Returns the UTF-8 length it needed (excluding the NUL), or -1 when there is no terminator within
 * `len` (then *off is unchanged).
 */
long nettrace_utf16z(const uint8_t *payload, size_t len, size_t *off, char *out, size_t outsize);

#endif
