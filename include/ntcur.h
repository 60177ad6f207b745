/*
 * ntcur.h - a bounds-checked little-endian cursor over a byte buffer, for the NetTrace reader.
 *
 * Every read checks the bytes left; a read past the end (or a varint longer than its type allows)
 * sets the sticky `bad` flag and returns 0 from then on, so a parser reads a whole record and checks
 * `bad` once at the end. Nothing here allocates or keeps pointers beyond the buffer the caller owns.
 */
#ifndef DOTNETPROF_NTCUR_H
#define DOTNETPROF_NTCUR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct ntcur {
	const uint8_t *p;    /* next byte */
	const uint8_t *end;  /* one past the last byte */
	int bad;             /* set by a read that did not fit; sticky */
};

static inline void ntcur_init(struct ntcur *c, const void *p, size_t n)
{
	c->p = p;
	c->end = c->p + n;
	c->bad = 0;
}

static inline size_t ntcur_left(const struct ntcur *c)
{
	return c->bad ? 0 : (size_t)(c->end - c->p);
}

/* The next `n` bytes (the cursor moves past them), or NULL with `bad` set when fewer are left. */
static inline const uint8_t *ntcur_take(struct ntcur *c, size_t n)
{
	const uint8_t *p = c->p;

	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = 1;
		return NULL;
	}
	c->p += n;
	return p;
}

static inline void ntcur_skip(struct ntcur *c, size_t n)
{
	(void)ntcur_take(c, n);
}

static inline uint16_t ntcur_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

static inline uint32_t ntcur_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t ntcur_le64(const uint8_t *p)
{
	return (uint64_t)ntcur_le32(p) | (uint64_t)ntcur_le32(p + 4) << 32;
}

static inline uint8_t ntcur_u8(struct ntcur *c)
{
	const uint8_t *p = ntcur_take(c, 1);

	return p ? p[0] : 0;
}

static inline uint16_t ntcur_u16(struct ntcur *c)
{
	const uint8_t *p = ntcur_take(c, 2);

	return p ? ntcur_le16(p) : 0;
}

static inline uint32_t ntcur_u32(struct ntcur *c)
{
	const uint8_t *p = ntcur_take(c, 4);

	return p ? ntcur_le32(p) : 0;
}

static inline uint64_t ntcur_u64(struct ntcur *c)
{
	const uint8_t *p = ntcur_take(c, 8);

	return p ? ntcur_le64(p) : 0;
}

/* A LEB128 unsigned integer of at most `maxbytes` bytes (5 for 32 bits, 10 for 64). */
static inline uint64_t ntcur_varint(struct ntcur *c, unsigned maxbytes)
{
	uint64_t v = 0;
	unsigned shift = 0, i;

	if (c->bad)
		return 0;
	for (i = 0; i < maxbytes && c->p < c->end; i++) {
		uint8_t b = *c->p++;

		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
		shift += 7;
	}
	c->bad = 1;
	return 0;
}

static inline uint32_t ntcur_varu32(struct ntcur *c)
{
	return (uint32_t)ntcur_varint(c, 5);
}

static inline uint64_t ntcur_varu64(struct ntcur *c)
{
	return ntcur_varint(c, 10);
}

#endif
