/*
 * nettrace.c - the NetTrace container: the stream header, FastSerialization objects (versions 4 and
 * 5) or length-prefixed blocks (version 6), the Trace object, and the input itself (a file
 * descriptor or memory, read a block at a time). The contents of the blocks are ntevents.c's.
 * See nettrace.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ntcur.h"
#include "ntevents.h"
#include "ntmeta.h"
#include "nettrace.h"

#define STAGE 65536

/* FastSerialization tags */
enum { TAG_NULL = 1, TAG_BEGIN_PRIVATE = 5, TAG_END = 6 };

/* Version 6 block kinds */
enum { BK_END = 0, BK_TRACE, BK_EVENT, BK_METADATA, BK_SP, BK_STACK, BK_THREAD, BK_REMOVE_THREAD };

/* The input: a file descriptor or memory, with a staging buffer for the small reads. */
struct src {
	int fd;                 /* -1 for memory */
	const uint8_t *mem;
	size_t memlen, mempos;
	uint8_t *stage;
	size_t start, end;      /* unread bytes of stage */
	uint64_t off;           /* file offset of the next unread byte */
};

struct reader {
	struct src in;
	struct ntev ev;
	struct nettrace_result *res;
	int have_trace;
};

/* Fill `n` bytes from the fd or memory, short only at end of input. -1 on a read error. */
static long raw_read(struct src *s, uint8_t *out, size_t n)
{
	size_t got = 0;

	if (s->fd < 0) {
		got = s->memlen - s->mempos < n ? s->memlen - s->mempos : n;
		memcpy(out, s->mem + s->mempos, got);
		s->mempos += got;
		return (long)got;
	}
	while (got < n) {
		ssize_t r = read(s->fd, out + got, n - got);

		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	return (long)got;
}

/* Read up to `n` bytes into `out` through the staging buffer; the count read (< n at end of input)
 * or -1 (errno). */
static long src_read(struct src *s, void *out, size_t n)
{
	uint8_t *o = out;
	size_t got = 0;

	while (got < n) {
		size_t have = s->end - s->start;
		long r;

		if (have) {
			size_t k = have < n - got ? have : n - got;

			memcpy(o + got, s->stage + s->start, k);
			s->start += k;
			got += k;
			continue;
		}
		if (n - got >= STAGE) {     /* large reads bypass the stage */
			r = raw_read(s, o + got, n - got);
			if (r < 0)
				return -1;
			got += (size_t)r;
			break;
		}
		r = raw_read(s, s->stage, STAGE);
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		s->start = 0;
		s->end = (size_t)r;
	}
	s->off += got;
	return (long)got;
}

static int set_status(struct reader *r, enum nettrace_status st, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static int set_status(struct reader *r, enum nettrace_status st, const char *fmt, ...)
{
	va_list ap;

	if (r->res->status != NETTRACE_OK)
		return -1;
	r->res->status = st;
	r->res->offset = r->in.off;
	va_start(ap, fmt);
	vsnprintf(r->res->message, sizeof(r->res->message), fmt, ap);
	va_end(ap);
	return -1;
}

/* Exactly `n` bytes, else a TRUNCATED (end of input) or IO status. 0 or -1. */
static int need(struct reader *r, void *out, size_t n, const char *what)
{
	long got = src_read(&r->in, out, n);

	if (got < 0) {
		r->res->err_errno = errno;
		return set_status(r, NETTRACE_IO, "read error");
	}
	if ((size_t)got < n)
		return set_status(r, NETTRACE_TRUNCATED, "the trace ends inside %s, before its end mark", what);
	return 0;
}

static int need_u32(struct reader *r, uint32_t *v, const char *what)
{
	uint8_t b[4];

	if (need(r, b, 4, what) < 0)
		return -1;
	*v = ntcur_le32(b);
	return 0;
}

static int expect_tag(struct reader *r, uint8_t want, const char *what)
{
	uint8_t t;

	if (need(r, &t, 1, what) < 0)
		return -1;
	if (t != want)
		return set_status(r, NETTRACE_CORRUPT, "unexpected tag %u in %s (expected %u)", t, what, want);
	return 0;
}

/* A block body of `size` bytes, read as it arrives (a lying size costs only what the file holds). */
static struct ntblock *read_block(struct reader *r, size_t size, const char *what)
{
	struct ntblock *b = ntev_block_get(&r->ev, size < STAGE ? size : STAGE);

	if (!b) {
		r->res->status = NETTRACE_NOMEM;
		return NULL;
	}
	b->file_off = r->in.off;
	while (b->len < size) {
		size_t want = size - b->len;
		long got;

		if (b->cap == b->len) {
			size_t cap = b->cap * 2 < size ? b->cap * 2 : size;
			uint8_t *d = realloc(b->data, cap);

			if (!d) {
				ntev_block_put(&r->ev, b);
				r->res->status = NETTRACE_NOMEM;
				return NULL;
			}
			b->data = d;
			b->cap = cap;
		}
		if (want > b->cap - b->len)
			want = b->cap - b->len;
		got = src_read(&r->in, b->data + b->len, want);
		if (got < 0 || (size_t)got < want) {
			ntev_block_put(&r->ev, b);
			if (got < 0) {
				r->res->err_errno = errno;
				set_status(r, NETTRACE_IO, "read error");
			} else {
				set_status(r, NETTRACE_TRUNCATED, "the trace ends inside %s, before its end mark",
					   what);
			}
			return NULL;
		}
		b->len += (size_t)got;
	}
	return b;
}

/* The Trace object/block: fixed fields, then (version 6) key-value pairs. */
static int parse_trace(struct reader *r, struct ntblock *b)
{
	struct nettrace_info info;
	struct ntcur c;
	int i, rc = 0;

	memset(&info, 0, sizeof(info));
	info.format_version = r->ev.version;
	ntcur_init(&c, b->data, b->len);
	for (i = 0; i < 8; i++)
		info.sync_utc[i] = ntcur_u16(&c);
	info.sync_qpc = (int64_t)ntcur_u64(&c);
	info.qpc_freq = (int64_t)ntcur_u64(&c);
	info.pointer_size = (int)ntcur_u32(&c);
	if (r->ev.version < 6) {
		info.process_id = ntcur_u32(&c);
		info.cpu_count = ntcur_u32(&c);
		info.sampling_rate = ntcur_u32(&c);
	} else {
		uint32_t n = ntcur_u32(&c), k;

		for (k = 0; k < n && !c.bad; k++) {
			char key[32], val[32];
			uint32_t kl = ntcur_varu32(&c), vl;
			const uint8_t *kp = ntcur_take(&c, kl);
			const uint8_t *vp;
			const char *err;
			long long v;

			vl = ntcur_varu32(&c);
			vp = ntcur_take(&c, vl);
			if (!kp || !vp || kl >= sizeof(key) || vl >= sizeof(val))
				continue;
			memcpy(key, kp, kl);
			key[kl] = '\0';
			memcpy(val, vp, vl);
			val[vl] = '\0';
			v = strtonum(val, 0, UINT32_MAX, &err);
			if (err)
				continue;
			if (!strcmp(key, "HardwareThreadCount"))
				info.cpu_count = (uint32_t)v;
			else if (!strcmp(key, "ProcessId"))
				info.process_id = (uint32_t)v;
			else if (!strcmp(key, "ExpectedCPUSamplingRate"))
				info.sampling_rate = (uint32_t)v;
		}
	}
	if (c.bad || (info.pointer_size != 4 && info.pointer_size != 8) || info.qpc_freq <= 0)
		rc = ntev_corrupt(&r->ev, b->file_off, "invalid trace header");
	ntev_block_put(&r->ev, b);
	if (rc < 0)
		return -1;
	r->ev.pointer_size = info.pointer_size;
	r->have_trace = 1;
	if (r->ev.cb && r->ev.cb->info && r->ev.cb->info(r->ev.arg, &info)) {
		r->res->status = NETTRACE_STOPPED;
		return -1;
	}
	return 0;
}

/* Hand a block to its parser (the block reference goes with it). */
static int dispatch(struct reader *r, int kind, struct ntblock *b)
{
	if (kind == BK_TRACE) {
		if (r->have_trace) {
			ntev_block_put(&r->ev, b);
			return ntev_corrupt(&r->ev, b->file_off, "a second trace header");
		}
		return parse_trace(r, b);
	}
	if (!r->have_trace) {
		ntev_block_put(&r->ev, b);
		return ntev_corrupt(&r->ev, b->file_off, "a block before the trace header");
	}
	switch (kind) {
	case BK_EVENT: return ntev_event_block(&r->ev, b);
	case BK_METADATA: return ntev_metadata_block(&r->ev, b);
	case BK_SP: return ntev_sequence_point(&r->ev, b);
	case BK_STACK: return ntev_stack_block(&r->ev, b);
	case BK_THREAD: return ntev_thread_block(&r->ev, b);
	case BK_REMOVE_THREAD: return ntev_remove_thread_block(&r->ev, b);
	default:
		/* unknown (and label list) blocks are skipped, as the format asks */
		ntev_block_put(&r->ev, b);
		return 0;
	}
}

static const struct {
	const char *name;
	int kind;
} fs_types[] = {
	{ "Trace", BK_TRACE }, { "EventBlock", BK_EVENT }, { "MetadataBlock", BK_METADATA },
	{ "StackBlock", BK_STACK }, { "SPBlock", BK_SP },
};

/* One FastSerialization object: its type header, then the body and the end tag. 1 at the end-of-
 * stream tag, 0 after an object, -1 on error. */
static int fs_object(struct reader *r)
{
	uint8_t tag, hdr[12];
	char name[64];
	uint32_t version, namelen, size;
	struct ntblock *b;
	size_t i;
	int kind = -1, rc;

	if (need(r, &tag, 1, "the object list") < 0)
		return -1;
	if (tag == TAG_NULL)
		return 1;
	if (tag != TAG_BEGIN_PRIVATE)
		return set_status(r, NETTRACE_CORRUPT, "unexpected tag %u between objects", tag);
	if (expect_tag(r, TAG_BEGIN_PRIVATE, "an object type") < 0 ||
	    expect_tag(r, TAG_NULL, "an object type") < 0 || need(r, hdr, 12, "an object type") < 0)
		return -1;
	version = ntcur_le32(hdr);
	namelen = ntcur_le32(hdr + 8);
	if (namelen >= sizeof(name))
		return set_status(r, NETTRACE_CORRUPT, "invalid object type name length %u", namelen);
	if (need(r, name, namelen, "an object type") < 0 || expect_tag(r, TAG_END, "an object type") < 0)
		return -1;
	name[namelen] = '\0';
	for (i = 0; i < sizeof(fs_types) / sizeof(fs_types[0]); i++)
		if (!strcmp(name, fs_types[i].name))
			kind = fs_types[i].kind;
	if (kind < 0)
		return set_status(r, NETTRACE_CORRUPT, "unknown object type \"%.40s\"", name);
	if (kind == BK_TRACE) {
		if (version != 4)
			return set_status(r, NETTRACE_UNSUPPORTED, "trace object version %u (this reader "
					  "knows version 4)", version);
		size = 48;
	} else {
		uint8_t pad[3];
		size_t npad;

		if (version > 2)
			return set_status(r, NETTRACE_UNSUPPORTED, "%s version %u", name, version);
		if (need_u32(r, &size, "an object") < 0)
			return -1;
		if (size > NETTRACE_MAX_BLOCK)
			return set_status(r, NETTRACE_CORRUPT, "block of %u bytes (more than %u)", size,
					  NETTRACE_MAX_BLOCK);
		npad = (size_t)((4 - (r->in.off & 3)) & 3);   /* the body is 4-aligned in the file */
		if (need(r, pad, npad, "an object") < 0)
			return -1;
	}
	b = read_block(r, size, "a block");
	if (!b)
		return -1;
	rc = dispatch(r, kind, b);
	if (rc < 0)
		return -1;
	return expect_tag(r, TAG_END, "an object") < 0 ? -1 : 0;
}

/* One version 6 block: 1 at the end-of-stream block, 0 after a block, -1 on error. */
static int v6_block(struct reader *r)
{
	uint32_t h, size;
	int kind;
	struct ntblock *b;

	if (need_u32(r, &h, "the block list") < 0)
		return -1;
	size = h & 0xffffff;
	kind = (int)(h >> 24);
	if (kind == BK_END)
		return 1;
	b = read_block(r, size, "a block");
	if (!b)
		return -1;
	return dispatch(r, kind, b) < 0 ? -1 : 0;
}

/* "Nettrace" and what follows it: the FastSerialization header, or the version 6 header. */
static int read_header(struct reader *r)
{
	static const char magic[8] = { 'N', 'e', 't', 't', 'r', 'a', 'c', 'e' };
	static const char fs[20] = "!FastSerialization.1";
	uint8_t b[20];
	long got = src_read(&r->in, b, 8);
	uint32_t v, minor;

	if (got < 0) {
		r->res->err_errno = errno;
		return set_status(r, NETTRACE_IO, "read error");
	}
	if (got == 0)
		return set_status(r, NETTRACE_CORRUPT, "empty file: not a nettrace");
	if (memcmp(b, magic, (size_t)got)) {
		if (got >= 5 && !memcmp(b + 4, "!Fast", (size_t)got - 4 < 5 ? (size_t)got - 4 : 5))
			set_status(r, NETTRACE_UNSUPPORTED, "a netperf file (.NET Core 2): only nettrace is "
				   "supported");
		else
			set_status(r, NETTRACE_CORRUPT, "not a nettrace file (no \"Nettrace\" magic)");
		r->res->offset = 0;   /* the whole file is at fault, not a place in it */
		return -1;
	}
	if (got < 8)
		return set_status(r, NETTRACE_TRUNCATED, "the trace ends inside its header");
	if (need_u32(r, &v, "the header") < 0)
		return -1;
	if (v == sizeof(fs)) {
		if (need(r, b, sizeof(fs), "the header") < 0)
			return -1;
		if (memcmp(b, fs, sizeof(fs)))
			return set_status(r, NETTRACE_CORRUPT, "not a FastSerialization stream");
		r->ev.version = 4;
		return 0;
	}
	if (v != 0)
		return set_status(r, NETTRACE_CORRUPT, "invalid header after the magic");
	if (need_u32(r, &v, "the header") < 0 || need_u32(r, &minor, "the header") < 0)
		return -1;
	if (v != 6)
		return set_status(r, v < 6 ? NETTRACE_CORRUPT : NETTRACE_UNSUPPORTED,
				  "nettrace major version %u (this reader knows 4 to 6)", v);
	r->ev.version = 6;
	return 0;
}

static int run(struct reader *r)
{
	int rc;

	if (read_header(r) < 0)
		return -1;
	r->res->format_version = r->ev.version;
	do
		rc = r->ev.version >= 6 ? v6_block(r) : fs_object(r);
	while (rc == 0);
	if (rc == 1 && !r->have_trace)
		return set_status(r, NETTRACE_CORRUPT, "the trace has no trace header");
	/* the events still waiting are delivered also when the input was cut */
	if (r->res->status == NETTRACE_OK || r->res->status == NETTRACE_TRUNCATED) {
		enum nettrace_status st = r->res->status;

		r->res->status = NETTRACE_OK;
		if (ntev_flush(&r->ev) < 0)
			return -1;
		r->res->status = st;
	}
	return r->res->status == NETTRACE_OK ? 0 : -1;
}

static int read_src(struct src *in, const struct nettrace_callbacks *cb, void *arg, unsigned flags,
		    struct nettrace_result *res)
{
	struct reader r;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&r, 0, sizeof(r));
	r.res = res;
	r.in = *in;
	r.in.stage = malloc(STAGE);
	if (!r.in.stage) {
		res->status = NETTRACE_NOMEM;
		return -1;
	}
	ntev_init(&r.ev, cb, arg, flags, res);
	rc = run(&r);
	if (res->status != NETTRACE_CORRUPT && res->status != NETTRACE_UNSUPPORTED &&
	    res->status != NETTRACE_TRUNCATED)
		res->offset = r.in.off;
	ntev_release(&r.ev);
	free(r.in.stage);
	return rc;
}

int nettrace_read_fd(int fd, const struct nettrace_callbacks *cb, void *arg, unsigned flags,
		     struct nettrace_result *res)
{
	struct src in;

	memset(&in, 0, sizeof(in));
	in.fd = fd;
	return read_src(&in, cb, arg, flags, res);
}

int nettrace_read_mem(const void *data, size_t len, const struct nettrace_callbacks *cb, void *arg,
		      unsigned flags, struct nettrace_result *res)
{
	struct src in;

	memset(&in, 0, sizeof(in));
	in.fd = -1;
	in.mem = data;
	in.memlen = len;
	return read_src(&in, cb, arg, flags, res);
}

const char *nettrace_status_name(enum nettrace_status status)
{
	switch (status) {
	case NETTRACE_OK: return "ok";
	case NETTRACE_TRUNCATED: return "truncated";
	case NETTRACE_CORRUPT: return "corrupt";
	case NETTRACE_UNSUPPORTED: return "unsupported";
	case NETTRACE_IO: return "read error";
	case NETTRACE_NOMEM: return "out of memory";
	case NETTRACE_STOPPED: return "stopped";
	}
	return "unknown";
}

long nettrace_utf16z(const uint8_t *payload, size_t len, size_t *off, char *out, size_t outsize)
{
	char tmp[3 * 64];
	size_t units = 0, i, n = 0, pos = *off;
	long total = 0;

	if (pos > len)
		return -1;
	while (pos + 2 * units + 1 < len && (payload[pos + 2 * units] | payload[pos + 2 * units + 1]))
		units++;
	if (pos + 2 * units + 1 >= len)
		return -1;
	/* convert in chunks so that any length fits; stop copying at a character boundary */
	for (i = 0; i < units; i += 64) {
		size_t k = units - i < 64 ? units - i : 64, m;

		/* keep a surrogate pair within one chunk */
		if (k == 64 && (ntcur_le16(payload + pos + 2 * (i + 63)) & 0xfc00) == 0xd800)
			k = 63;
		m = ntmeta_utf16_to_utf8(payload + pos + 2 * i, k, tmp);
		total += (long)m;
		if (outsize && n + m < outsize) {
			memcpy(out + n, tmp, m);
			n += m;
		} else if (outsize) {
			size_t room = outsize - 1 - n;

			while (room > 0 && (tmp[room] & 0xc0) == 0x80)
				room--;
			memcpy(out + n, tmp, room);
			n += room;
			outsize = n + 1;   /* full: copy nothing more */
		}
		if (k == 63)
			i--;   /* the next chunk starts at the pair */
	}
	if (outsize)
		out[n] = '\0';
	*off = pos + 2 * (units + 1);
	return total;
}
