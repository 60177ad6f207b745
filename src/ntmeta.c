/*
 * ntmeta.c - NetTrace metadata records (V4/V5 and V6 encodings) into struct nettrace_metadata.
 * See ntmeta.h; the layouts are those of PerfView's NetTraceFormat_v5.md and NetTraceFormat.md, read
 * the way TraceEvent's EventPipeMetadata does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "growarr.h"
#include "ntcur.h"
#include "ntmeta.h"

/* The record under construction: strings go to one growing pool, referred to by offset. */
struct builder {
	struct nettrace_metadata m;
	char *pool;
	size_t pool_len, pool_cap;
	struct nettrace_field *fields;   /* name pointers hold pool offsets until finish() */
	size_t nfields, fields_cap;
	size_t provider_off, name_off;
	int nomem;
};

size_t ntmeta_utf16_to_utf8(const uint8_t *s, size_t units, char *out)
{
	size_t i, n = 0;

	for (i = 0; i < units; i++) {
		uint32_t c = ntcur_le16(s + 2 * i);

		if (c >= 0xd800 && c <= 0xdbff && i + 1 < units) {
			uint32_t lo = ntcur_le16(s + 2 * (i + 1));

			if (lo >= 0xdc00 && lo <= 0xdfff) {
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
				i++;
			}
		}
		if (c >= 0xd800 && c <= 0xdfff)
			c = 0xfffd;
		if (c < 0x80) {
			out[n++] = (char)c;
		} else if (c < 0x800) {
			out[n++] = (char)(0xc0 | c >> 6);
			out[n++] = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			out[n++] = (char)(0xe0 | c >> 12);
			out[n++] = (char)(0x80 | (c >> 6 & 0x3f));
			out[n++] = (char)(0x80 | (c & 0x3f));
		} else {
			out[n++] = (char)(0xf0 | c >> 18);
			out[n++] = (char)(0x80 | (c >> 12 & 0x3f));
			out[n++] = (char)(0x80 | (c >> 6 & 0x3f));
			out[n++] = (char)(0x80 | (c & 0x3f));
		}
	}
	return n;
}

/* Room for `n` more pool bytes. 0, or -1 (nomem set). */
static int pool_reserve(struct builder *b, size_t n)
{
	char *p = growarr(b->pool, &b->pool_cap, b->pool_len + n, 1, 256);

	if (!p) {
		b->nomem = 1;
		return -1;
	}
	b->pool = p;
	return 0;
}

/*
 * A NUL-terminated UTF-16LE string at the cursor into the pool; its offset in *off. The cursor goes
 * bad when there is no terminator.
 */
static void pool_utf16z(struct builder *b, struct ntcur *c, size_t *off)
{
	size_t units = 0, left = ntcur_left(c) / 2;
	const uint8_t *s = c->p;

	while (units < left && (s[2 * units] | s[2 * units + 1]))
		units++;
	if (units == left || pool_reserve(b, 3 * units + 1) < 0) {
		c->bad = 1;
		return;
	}
	*off = b->pool_len;
	b->pool_len += ntmeta_utf16_to_utf8(s, units, b->pool + b->pool_len);
	b->pool[b->pool_len++] = '\0';
	ntcur_skip(c, 2 * (units + 1));
}

/* A varuint32-length-prefixed UTF-8 string (V6) into the pool. */
static void pool_utf8(struct builder *b, struct ntcur *c, size_t *off)
{
	uint32_t n = ntcur_varu32(c);
	const uint8_t *s = ntcur_take(c, n);

	if (!s || pool_reserve(b, (size_t)n + 1) < 0) {
		c->bad = 1;
		return;
	}
	*off = b->pool_len;
	memcpy(b->pool + b->pool_len, s, n);
	b->pool_len += n;
	b->pool[b->pool_len++] = '\0';
}

static int add_field(struct builder *b, size_t name_off, int type, int element_type)
{
	struct nettrace_field *f = growarr(b->fields, &b->fields_cap, b->nfields + 1, sizeof(*f), 8);

	if (!f) {
		b->nomem = 1;
		return -1;
	}
	b->fields = f;
	b->fields[b->nfields].name = (const char *)(uintptr_t)name_off;
	b->fields[b->nfields].type = type;
	b->fields[b->nfields].element_type = element_type;
	b->nfields++;
	return 0;
}

/* Field layouts of the three generations; `top` adds the fields to the record (nested ones are
 * only skipped). Each returns 0, or -1 when the layout is not understood. */
enum layout { LAYOUT_V1, LAYOUT_V2, LAYOUT_V6 };

static int parse_fields(struct builder *b, struct ntcur *c, enum layout lay, int depth, int top);

/* A type (after its code was read) of layout V2/V6: nested element or object types. *elem gets the
 * element's code for arrays. */
static int parse_type_tail(struct builder *b, struct ntcur *c, enum layout lay, int code, int depth,
			   int *elem)
{
	*elem = 0;
	switch (code) {
	case NT_TYPE_OBJECT:
		return parse_fields(b, c, lay, depth + 1, 0);
	case NT_TYPE_ARRAY:
	case NT_TYPE_FIXED_ARRAY:
	case NT_TYPE_RELLOC:
	case NT_TYPE_DATALOC: {
		int sub, unused;

		if (lay == LAYOUT_V1 || (lay == LAYOUT_V2 && code != NT_TYPE_ARRAY) || depth >= NTMETA_MAX_DEPTH)
			return -1;
		sub = lay == LAYOUT_V6 ? ntcur_u8(c) : (int)ntcur_u32(c);
		if (parse_type_tail(b, c, lay, sub, depth + 1, &unused) < 0)
			return -1;
		if (code == NT_TYPE_FIXED_ARRAY)
			(void)ntcur_u16(c);
		*elem = sub;
		return c->bad ? -1 : 0;
	}
	default:
		if (code < NT_TYPE_OBJECT || code > NT_TYPE_BOOL8 || code == 2)
			return -1;
		if (code >= NT_TYPE_VARINT && lay != LAYOUT_V6)
			return -1;
		return 0;
	}
}

static int parse_fields(struct builder *b, struct ntcur *c, enum layout lay, int depth, int top)
{
	uint32_t n, i;

	if (depth > NTMETA_MAX_DEPTH)
		return -1;
	n = lay == LAYOUT_V6 ? ntcur_u16(c) : ntcur_u32(c);
	if (c->bad || n > ntcur_left(c))   /* each field takes at least a byte */
		return -1;
	for (i = 0; i < n; i++) {
		size_t name_off = 0;
		int code, elem;
		struct ntcur f;

		if (lay == LAYOUT_V1) {
			code = (int)ntcur_u32(c);
			if (parse_type_tail(b, c, lay, code, depth, &elem) < 0)
				return -1;
			pool_utf16z(b, c, &name_off);
		} else {
			/* a length-prefixed field: V2 counts the length word itself, V6 does not */
			size_t len = lay == LAYOUT_V6 ? ntcur_u16(c) : ntcur_u32(c);
			const uint8_t *fp;

			if (lay == LAYOUT_V2) {
				if (len < 4)
					return -1;
				len -= 4;
			}
			fp = ntcur_take(c, len);
			if (!fp)
				return -1;
			ntcur_init(&f, fp, len);
			if (lay == LAYOUT_V6)
				pool_utf8(b, &f, &name_off);
			else
				pool_utf16z(b, &f, &name_off);
			code = lay == LAYOUT_V6 ? ntcur_u8(&f) : (int)ntcur_u32(&f);
			if (f.bad || parse_type_tail(b, &f, lay, code, depth, &elem) < 0)
				return -1;
		}
		if (c->bad || b->nomem)
			return -1;
		if (top && add_field(b, name_off, code, elem) < 0)
			return -1;
	}
	return 0;
}

/* One allocation holding the record, its fields and the pool; fixes the string pointers. */
static struct nettrace_metadata *finish(struct builder *b)
{
	size_t fsz = b->nfields * sizeof(struct nettrace_field), i;
	struct nettrace_metadata *m;
	struct nettrace_field *f;
	char *pool;

	m = malloc(sizeof(*m) + fsz + b->pool_len);
	if (!m)
		return NULL;
	*m = b->m;
	f = (struct nettrace_field *)(m + 1);
	pool = (char *)f + fsz;
	memcpy(pool, b->pool, b->pool_len);
	for (i = 0; i < b->nfields; i++) {
		f[i] = b->fields[i];
		f[i].name = pool + (uintptr_t)b->fields[i].name;
	}
	m->fields = b->nfields ? f : NULL;
	m->nfields = b->nfields;
	m->provider = pool + b->provider_off;
	m->event_name = pool + b->name_off;
	return m;
}

static enum ntmeta_error done(struct builder *b, int bad, struct nettrace_metadata **out)
{
	enum ntmeta_error e = b->nomem ? NTMETA_NOMEM : bad ? NTMETA_BAD : NTMETA_OK;

	*out = NULL;
	if (e == NTMETA_OK) {
		*out = finish(b);
		if (!*out)
			e = NTMETA_NOMEM;
	}
	free(b->pool);
	free(b->fields);
	return e;
}

static void builder_init(struct builder *b)
{
	memset(b, 0, sizeof(*b));
	b->m.opcode = -1;
}

/* Fields parsing failed: keep the record without a layout (TraceEvent does the same). */
static void drop_fields(struct builder *b)
{
	b->nfields = 0;
}

/* The V5 tags after the V1 field list: OpCode and V2Params (the field list with array types). */
static void parse_v5_tags(struct builder *b, struct ntcur *c)
{
	while (ntcur_left(c) > 0) {
		uint32_t len = ntcur_u32(c);
		uint8_t kind = ntcur_u8(c);
		const uint8_t *p = ntcur_take(c, len);
		struct ntcur t;

		if (!p)
			return;
		ntcur_init(&t, p, len);
		if (kind == 1) {
			b->m.opcode = ntcur_u8(&t);
		} else if (kind == 2) {
			drop_fields(b);
			if (parse_fields(b, &t, LAYOUT_V2, 0, 1) < 0)
				drop_fields(b);
		}
	}
}

enum ntmeta_error ntmeta_parse_v5(const uint8_t *p, size_t len, struct nettrace_metadata **out)
{
	struct builder b;
	struct ntcur c;

	builder_init(&b);
	ntcur_init(&c, p, len);
	b.m.id = ntcur_u32(&c);
	pool_utf16z(&b, &c, &b.provider_off);
	b.m.event_id = ntcur_u32(&c);
	pool_utf16z(&b, &c, &b.name_off);
	b.m.keywords = ntcur_u64(&c);
	b.m.version = ntcur_u32(&c);
	b.m.level = ntcur_u32(&c);
	if (c.bad || b.nomem)
		return done(&b, 1, out);
	if (ntcur_left(&c) > 0) {
		if (parse_fields(&b, &c, LAYOUT_V1, 0, 1) < 0) {
			/* the position of the tags is unknown after a failed list: stop here */
			drop_fields(&b);
		} else {
			parse_v5_tags(&b, &c);
		}
	}
	return done(&b, b.m.id == 0, out);
}

/* V6 optional metadata: a u16 size, then (kind, value) items. */
static void parse_v6_optional(struct builder *b, struct ntcur *c)
{
	uint16_t size = ntcur_u16(c);
	const uint8_t *p = ntcur_take(c, size);
	struct ntcur o;
	size_t ignored;

	if (!p)
		return;
	ntcur_init(&o, p, size);
	while (ntcur_left(&o) > 0 && !o.bad) {
		switch (ntcur_u8(&o)) {
		case 1: b->m.opcode = ntcur_u8(&o); break;
		case 3: b->m.keywords = ntcur_u64(&o); break;
		case 4: case 5: pool_utf8(b, &o, &ignored); break;       /* message template, description */
		case 6: pool_utf8(b, &o, &ignored); pool_utf8(b, &o, &ignored); break;   /* key, value */
		case 7: ntcur_skip(&o, 16); break;                        /* provider GUID */
		case 8: b->m.level = ntcur_u8(&o); break;
		case 9: b->m.version = ntcur_u8(&o); break;
		default: return;  /* unknown kinds have no known size: the rest cannot be read */
		}
	}
}

enum ntmeta_error ntmeta_parse_v6(const uint8_t *p, size_t len, struct nettrace_metadata **out)
{
	struct builder b;
	struct ntcur c;

	builder_init(&b);
	ntcur_init(&c, p, len);
	b.m.id = ntcur_varu32(&c);
	pool_utf8(&b, &c, &b.provider_off);
	b.m.event_id = ntcur_varu32(&c);
	pool_utf8(&b, &c, &b.name_off);
	if (c.bad || b.nomem)
		return done(&b, 1, out);
	/* V6 has no try/catch around its field list in TraceEvent: a bad list is a bad record */
	if (parse_fields(&b, &c, LAYOUT_V6, 0, 1) < 0)
		return done(&b, 1, out);
	parse_v6_optional(&b, &c);
	return done(&b, c.bad || b.m.id == 0, out);
}
