/*
 * ipc.c - encode the requests and decode the replies of the diagnostics IPC protocol (see ipc.h).
 * Pure functions over byte buffers, so that unit tests hold them against golden bytes and a fuzzer
 * against anything.
 */
#include "ipc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char magic[14] = "DOTNET_IPC_V1";

const char *ipc_hresult_name(uint32_t hr)
{
	static const struct { uint32_t hr; const char *name; } names[] = {
		{ IPC_E_FAIL, "E_FAIL" },
		{ IPC_E_INVALIDARG, "E_INVALIDARG" },
		{ IPC_E_INSUFFICIENT_BUF, "E_INSUFFICIENT_BUFFER" },
		{ IPC_E_ENVVAR_NOT_FOUND, "DS_IPC_E_ENVVAR_NOT_FOUND" },
		{ IPC_E_NOT_YET_AVAILABLE, "DS_IPC_E_NOT_YET_AVAILABLE" },
		{ IPC_E_PROFILER_ACTIVE, "CORPROF_E_PROFILER_ALREADY_ACTIVE" },
		{ IPC_E_RUNTIME_UNINIT, "DS_IPC_E_RUNTIME_UNINITIALIZED" },
		{ IPC_E_BAD_ENCODING, "DS_IPC_E_BAD_ENCODING" },
		{ IPC_E_UNKNOWN_COMMAND, "DS_IPC_E_UNKNOWN_COMMAND" },
		{ IPC_E_UNKNOWN_MAGIC, "DS_IPC_E_UNKNOWN_MAGIC" },
		{ IPC_E_UNKNOWN_ERROR, "DS_IPC_E_UNKNOWN_ERROR" },
		{ IPC_E_NOTSUPPORTED, "DS_IPC_E_NOTSUPPORTED" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].hr == hr)
			return names[i].name;
	return NULL;
}

/* ---- encoding ---------------------------------------------------------------------------------- */

static void put(struct ipc_msg *m, const void *p, size_t n)
{
	if (m->err)
		return;
	if (n > m->cap - m->len) {
		m->err = EMSGSIZE;
		return;
	}
	memcpy(m->buf + m->len, p, n);
	m->len += n;
}

static void put_le(struct ipc_msg *m, uint64_t v, size_t n)
{
	unsigned char b[8];
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	put(m, b, n);
}

void ipc_msg_begin(struct ipc_msg *m, unsigned char *buf, size_t cap, uint8_t set, uint8_t id)
{
	m->buf = buf;
	m->cap = cap > IPC_MAX_MESSAGE ? IPC_MAX_MESSAGE : cap;
	m->len = 0;
	m->err = 0;
	put(m, magic, sizeof(magic));
	put_le(m, 0, 2); /* size: ipc_msg_end */
	put_le(m, set, 1);
	put_le(m, id, 1);
	put_le(m, 0, 2);
}

void ipc_put_u8(struct ipc_msg *m, uint8_t v)
{
	put_le(m, v, 1);
}

void ipc_put_u32(struct ipc_msg *m, uint32_t v)
{
	put_le(m, v, 4);
}

void ipc_put_u64(struct ipc_msg *m, uint64_t v)
{
	put_le(m, v, 8);
}

/*
 * Next code point of UTF-8 text at *s, or -1 for malformed input (overlong forms, surrogates and
 * values above U+10FFFF included): the runtime would get a different name than the one typed.
 */
static long utf8_next(const unsigned char **s)
{
	const unsigned char *p = *s;
	unsigned long cp;
	int n, i;

	if (p[0] < 0x80) {
		*s = p + 1;
		return p[0];
	}
	if ((p[0] & 0xE0) == 0xC0)
		n = 1, cp = p[0] & 0x1F;
	else if ((p[0] & 0xF0) == 0xE0)
		n = 2, cp = p[0] & 0x0F;
	else if ((p[0] & 0xF8) == 0xF0)
		n = 3, cp = p[0] & 0x07;
	else
		return -1;
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return -1;
		cp = cp << 6 | (p[i] & 0x3F);
	}
	if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*s = p + n + 1;
	return (long)cp;
}

void ipc_put_string(struct ipc_msg *m, const char *utf8)
{
	const unsigned char *s;
	size_t count_at, units = 0;
	long cp;

	if (utf8 == NULL) {
		ipc_put_u32(m, 0);
		return;
	}
	count_at = m->len;
	ipc_put_u32(m, 0); /* patched below */
	for (s = (const unsigned char *)utf8; *s != '\0';) {
		if ((cp = utf8_next(&s)) < 0) {
			if (!m->err)
				m->err = EILSEQ;
			return;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			put_le(m, 0xD800 | (unsigned long)cp >> 10, 2);
			put_le(m, 0xDC00 | ((unsigned long)cp & 0x3FF), 2);
			units += 2;
		} else {
			put_le(m, (unsigned long)cp, 2);
			units++;
		}
	}
	put_le(m, 0, 2);
	units++;
	if (!m->err) {
		size_t i;

		for (i = 0; i < 4; i++)
			m->buf[count_at + i] = (unsigned char)(units >> (8 * i));
	}
}

int ipc_msg_end(struct ipc_msg *m)
{
	if (m->err) {
		errno = m->err;
		return -1;
	}
	m->buf[14] = (unsigned char)(m->len & 0xFF);
	m->buf[15] = (unsigned char)(m->len >> 8);
	return (int)m->len;
}

int ipc_req_empty(unsigned char *buf, size_t cap, uint8_t set, uint8_t id)
{
	struct ipc_msg m;

	ipc_msg_begin(&m, buf, cap, set, id);
	return ipc_msg_end(&m);
}

int ipc_req_collect(unsigned char *buf, size_t cap, const struct ipc_collect *c)
{
	struct ipc_msg m;
	size_t i;

	if (c->command < IPC_EP_COLLECT_TRACING || c->command > IPC_EP_COLLECT_TRACING4) {
		errno = EINVAL;
		return -1;
	}
	ipc_msg_begin(&m, buf, cap, IPC_SET_EVENTPIPE, c->command);
	ipc_put_u32(&m, c->buffer_mb);
	ipc_put_u32(&m, 1); /* format: NetTrace */
	if (c->command == IPC_EP_COLLECT_TRACING4)
		ipc_put_u64(&m, c->rundown_keyword);
	else if (c->command != IPC_EP_COLLECT_TRACING)
		ipc_put_u8(&m, c->rundown_keyword != 0);
	if (c->command >= IPC_EP_COLLECT_TRACING3)
		ipc_put_u8(&m, c->stackwalk != 0);
	ipc_put_u32(&m, (uint32_t)c->nproviders);
	for (i = 0; i < c->nproviders; i++) {
		const struct ipc_provider *p = &c->providers[i];

		ipc_put_u64(&m, p->keywords);
		ipc_put_u32(&m, p->level);
		ipc_put_string(&m, p->name);
		/* dotnet-trace sends a lone NUL for "no arguments"; the runtime accepts both */
		ipc_put_string(&m, p->args != NULL ? p->args : "");
	}
	return ipc_msg_end(&m);
}

int ipc_req_stop(unsigned char *buf, size_t cap, uint64_t session)
{
	struct ipc_msg m;

	ipc_msg_begin(&m, buf, cap, IPC_SET_EVENTPIPE, IPC_EP_STOP_TRACING);
	ipc_put_u64(&m, session);
	return ipc_msg_end(&m);
}

int ipc_req_dump(unsigned char *buf, size_t cap, uint8_t id, const char *path, uint32_t type,
		 uint32_t flags)
{
	struct ipc_msg m;

	if (path == NULL || *path == '\0' || id < IPC_DUMP_GENERATE || id > IPC_DUMP_GENERATE3) {
		errno = EINVAL;
		return -1;
	}
	ipc_msg_begin(&m, buf, cap, IPC_SET_DUMP, id);
	ipc_put_string(&m, path);
	ipc_put_u32(&m, type);
	ipc_put_u32(&m, flags);
	return ipc_msg_end(&m);
}

/* ---- decoding ---------------------------------------------------------------------------------- */

static uint64_t get_le(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

int ipc_parse_header(const unsigned char *p, struct ipc_header *h)
{
	if (memcmp(p, magic, sizeof(magic)) != 0) {
		errno = EBADMSG;
		return -1;
	}
	h->size = (uint16_t)get_le(p + 14, 2);
	h->set = p[16];
	h->id = p[17];
	h->reserved = (uint16_t)get_le(p + 18, 2);
	if (h->size < IPC_HEADER_SIZE) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

int ipc_parse_reply(const unsigned char *msg, size_t len, struct ipc_reply *r)
{
	struct ipc_header h;

	memset(r, 0, sizeof(*r));
	if (len < IPC_HEADER_SIZE || ipc_parse_header(msg, &h) < 0 || h.size != len ||
	    h.set != IPC_SET_SERVER || (h.id != IPC_SERVER_OK && h.id != IPC_SERVER_ERROR)) {
		errno = EBADMSG;
		return -1;
	}
	r->ok = h.id == IPC_SERVER_OK;
	r->payload = msg + IPC_HEADER_SIZE;
	r->payload_len = len - IPC_HEADER_SIZE;
	if (!r->ok) {
		if (r->payload_len < 4) {
			errno = EBADMSG;
			return -1;
		}
		r->hresult = (uint32_t)get_le(r->payload, 4);
	}
	return 0;
}

int ipc_parse_session(const struct ipc_reply *r, uint64_t *session)
{
	if (!r->ok || r->payload_len < 8) {
		errno = EBADMSG;
		return -1;
	}
	*session = get_le(r->payload, 8);
	return 0;
}

int ipc_parse_hresult(const struct ipc_reply *r, uint32_t *hr, char **msg)
{
	size_t off = 4;

	*msg = NULL;
	if (r->payload_len == 0 && r->ok) {
		*hr = 0;
		return 0;
	}
	if (r->payload_len < 4) {
		errno = EBADMSG;
		return -1;
	}
	*hr = (uint32_t)get_le(r->payload, 4);
	/* GenerateCoreDump3's error replies add a message; anything short of one is ignored */
	if (!r->ok && r->payload_len >= 8 &&
	    ipc_get_string(r->payload, r->payload_len, &off, msg) < 0 && errno == ENOMEM)
		return -1;
	return 0;
}

/* Append code point cp as UTF-8 to out (which has room: 3 bytes per UTF-16 unit suffice). */
static size_t utf8_put(char *out, unsigned long cp)
{
	unsigned char *o = (unsigned char *)out;

	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

int ipc_get_string(const unsigned char *p, size_t len, size_t *off, char **out)
{
	uint64_t count;
	const unsigned char *u;
	size_t i, o = 0;
	char *s;

	*out = NULL;
	if (len < 4 || *off > len - 4) {
		errno = EBADMSG;
		return -1;
	}
	count = get_le(p + *off, 4);
	if (count == 0) {
		*off += 4;
		return 0;
	}
	if (count > (len - *off - 4) / 2 || get_le(p + *off + 4 + 2 * (count - 1), 2) != 0) {
		errno = EBADMSG;
		return -1;
	}
	u = p + *off + 4;
	/* a surrogate pair (2 units) makes 4 bytes, any other unit at most 3 */
	if ((s = malloc(3 * (size_t)count + 1)) == NULL)
		return -1;
	for (i = 0; i + 1 < count; i++) {
		unsigned long c = (unsigned long)get_le(u + 2 * i, 2);

		if (c >= 0xD800 && c <= 0xDBFF && i + 2 < count) {
			unsigned long lo = (unsigned long)get_le(u + 2 * (i + 1), 2);

			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				o += utf8_put(s + o, 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00));
				i++;
				continue;
			}
		}
		if (c >= 0xD800 && c <= 0xDFFF)
			c = 0xFFFD;
		o += utf8_put(s + o, c);
	}
	s[o] = '\0';
	*off += 4 + 2 * (size_t)count;
	*out = s;
	return 0;
}

int ipc_parse_process_info(const struct ipc_reply *r, uint8_t id, struct ipc_process_info *pi)
{
	const unsigned char *p = r->payload;
	size_t len = r->payload_len, off = 0;

	memset(pi, 0, sizeof(*pi));
	if (!r->ok)
		goto bad;
	if (id == IPC_PROCESS_INFO3) {
		if (len < 4)
			goto bad;
		pi->version = (uint32_t)get_le(p, 4);
		off = 4;
	}
	if (len - off < 24)
		goto bad;
	pi->pid = get_le(p + off, 8);
	memcpy(pi->cookie, p + off + 8, 16);
	off += 24;
	if (ipc_get_string(p, len, &off, &pi->cmdline) < 0 || ipc_get_string(p, len, &off, &pi->os) < 0 ||
	    ipc_get_string(p, len, &off, &pi->arch) < 0)
		goto fail;
	if (id != IPC_PROCESS_INFO &&
	    (ipc_get_string(p, len, &off, &pi->entrypoint) < 0 ||
	     ipc_get_string(p, len, &off, &pi->runtime_version) < 0))
		goto fail;
	if (id == IPC_PROCESS_INFO3 && pi->version >= 1 && ipc_get_string(p, len, &off, &pi->rid) < 0)
		goto fail;
	return 0;
bad:
	errno = EBADMSG;
fail:
	{
		int e = errno;

		ipc_process_info_release(pi);
		errno = e;
	}
	return -1;
}

void ipc_process_info_release(struct ipc_process_info *pi)
{
	free(pi->cmdline);
	free(pi->os);
	free(pi->arch);
	free(pi->entrypoint);
	free(pi->runtime_version);
	free(pi->rid);
	memset(pi, 0, sizeof(*pi));
}
