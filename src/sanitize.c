/*
 * sanitize.c - pod text made harmless for a terminal: escaped for messages and tables, stripped of
 * escape sequences for a tool's streamed output (sanitize.h).
 */
#include "sanitize.h"

#include <stdlib.h>
#include <string.h>

/* ---- UTF-8 ---------------------------------------------------------------------------------- */

/* Length a sequence starting with `lead` has (2-4), or 0 when `lead` cannot start one. */
static size_t utf8_need(unsigned char lead)
{
	if (lead >= 0xc2 && lead <= 0xdf)
		return 2;
	if (lead >= 0xe0 && lead <= 0xef)
		return 3;
	if (lead >= 0xf0 && lead <= 0xf4)
		return 4;
	return 0;
}

/*
 * Decode the complete sequence p[0..n) (n from utf8_need): 0 with *cp, or -1 when a byte is not a
 * continuation byte, or the form is overlong, a surrogate or above U+10FFFF.
 */
static int utf8_decode(const unsigned char *p, size_t n, unsigned *cp)
{
	static const unsigned min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	unsigned c = p[0] & (0x7fu >> n);
	size_t i;

	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		c = c << 6 | (p[i] & 0x3fu);
	}
	if (c < min[n] || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return -1;
	*cp = c;
	return 0;
}

/* Code points a terminal acts on, or that reorder what it shows: C1 controls, bidi controls. */
static int unsafe_cp(unsigned c)
{
	return (c >= 0x80 && c <= 0x9f) || c == 0x061c || c == 0x200e || c == 0x200f ||
	       (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/* How many bytes of p[0..n) form the valid UTF-8 character at p: 1-4; 0 when there is none. */
static size_t utf8_char(const unsigned char *p, size_t n, unsigned *cp)
{
	size_t need = utf8_need(p[0]);

	if (!need || need > n || utf8_decode(p, need, cp) < 0)
		return 0;
	return need;
}

size_t sanitize_char(const char *s, size_t n, int *safe)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned cp;
	size_t len;

	if (p[0] < 0x80) {
		*safe = p[0] >= 0x20 && p[0] != 0x7f;
		return 1;
	}
	len = utf8_char(p, n, &cp);
	*safe = len && !unsafe_cp(cp);
	return len ? len : 1;
}

/* ---- escaping ------------------------------------------------------------------------------- */

struct out {
	char *buf;
	size_t size, len; /* len: of the whole result, also what did not fit */
	int cut;          /* a unit did not fit: nothing more is written */
};

/* Append one unit (an escape, or a whole character) of n bytes, or nothing if it does not fit. */
static void put(struct out *o, const char *s, size_t n)
{
	if (!o->cut && o->len + n < o->size) {
		memcpy(o->buf + o->len, s, n);
	} else {
		if (!o->cut && o->size)
			o->buf[o->len] = '\0';
		o->cut = 1;
	}
	o->len += n;
}

static void put_hex(struct out *o, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

	put(o, e, 4);
}

size_t sanitize(char *out, size_t outsize, const char *in, size_t len, unsigned flags)
{
	struct out o = { out, out ? outsize : 0, 0, 0 };
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, n, k;
	unsigned cp;

	while (i < len) {
		unsigned char c = p[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			put(&o, (const char *)p + i++, 1);
			continue;
		}
		if (c < 0x80) {
			i++;
			if (c == '\\')
				put(&o, "\\\\", 2);
			else if (c == '\n')
				put(&o, flags & SAN_KEEP_NL ? "\n" : "\\n", flags & SAN_KEEP_NL ? 1 : 2);
			else if (c == '\t')
				put(&o, flags & SAN_KEEP_TAB ? "\t" : "\\t", flags & SAN_KEEP_TAB ? 1 : 2);
			else if (c == '\r')
				put(&o, "\\r", 2);
			else
				put_hex(&o, c);
			continue;
		}
		n = utf8_char(p + i, len - i, &cp);
		if (n && !unsafe_cp(cp)) {
			put(&o, (const char *)p + i, n);
			i += n;
			continue;
		}
		/* an unsafe character: every byte of it; an invalid byte: that byte alone */
		for (k = 0; k < (n ? n : 1); k++)
			put_hex(&o, p[i + k]);
		i += n ? n : 1;
	}
	if (!o.cut && o.size)
		o.buf[o.len] = '\0';
	return o.len;
}

char *sanitize_dup(const char *s, unsigned flags)
{
	size_t len, n;
	char *r;

	if (!s)
		return NULL;
	len = strlen(s);
	n = sanitize(NULL, 0, s, len, flags);
	r = malloc(n + 1);
	if (r)
		sanitize(r, n + 1, s, len, flags);
	return r;
}

const char *san(const char *s)
{
	static char bufs[SAN_SLOTS][SAN_SHOW_MAX];
	static unsigned next;
	char *b = bufs[next++ % SAN_SLOTS];

	if (!s)
		return "";
	/* room for "..." after a cut result */
	if (sanitize(b, SAN_SHOW_MAX - 3, s, strlen(s), 0) >= SAN_SHOW_MAX - 3)
		memcpy(b + strlen(b), "...", 4);
	return b;
}

/* ---- the stream filter ---------------------------------------------------------------------- */

enum { ST_TEXT = 0, ST_ESC, ST_ESC_INTER, ST_CSI, ST_STR, ST_STR_ESC };

/* A string sequence (OSC, DCS...) that never ends would swallow the tool's output: bound it. */
#define STR_MAX 1024

void san_stream_init(struct san_stream *s)
{
	memset(s, 0, sizeof(*s));
}

/* A complete UTF-8 sequence was collected: pass it, drop it, or let a C1 control start a sequence. */
static size_t utf8_done(struct san_stream *s, char *out)
{
	unsigned cp;
	size_t n = s->ulen;

	s->ulen = s->uneed = 0;
	if (utf8_decode(s->utf, n, &cp) < 0) {
		out[0] = '?';
		return 1;
	}
	if (cp == 0x9b) {
		s->state = ST_CSI;
	} else if (cp == 0x90 || cp == 0x98 || cp == 0x9d || cp == 0x9e || cp == 0x9f) {
		s->state = ST_STR;
		s->strlen = 0;
	}
	if (unsafe_cp(cp))
		return 0;
	memcpy(out, s->utf, n);
	return n;
}

/* One byte in ST_TEXT (no UTF-8 sequence pending). */
static size_t text_byte(struct san_stream *s, unsigned char c, char *out)
{
	if (c == 0x1b) {
		s->state = ST_ESC;
		return 0;
	}
	if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f)) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x80)
		return 0; /* another control character (CR, BEL, BS...) */
	s->uneed = utf8_need(c);
	if (!s->uneed) {
		out[0] = '?';
		return 1;
	}
	s->utf[0] = c;
	s->ulen = 1;
	return 0;
}

/* One byte of an escape sequence (every state but ST_TEXT). */
static void seq_byte(struct san_stream *s, unsigned char c)
{
	switch (s->state) {
	case ST_ESC:
		if (c == '[') {
			s->state = ST_CSI;
		} else if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_') {
			s->state = ST_STR;
			s->strlen = 0;
		} else if (c >= 0x20 && c <= 0x2f) {
			s->state = ST_ESC_INTER;
		} else if (c != 0x1b) {
			s->state = ST_TEXT; /* a two-byte sequence (ESC 7, ESC c, ...) */
		}
		return;
	case ST_ESC_INTER: /* ESC ( B and the like: intermediates, then one final byte */
		if (c < 0x20 || c > 0x2f)
			s->state = ST_TEXT;
		return;
	case ST_CSI: /* parameters and intermediates 0x20-0x3f, then a final byte 0x40-0x7e */
		if (c >= 0x40 && c <= 0x7e)
			s->state = ST_TEXT;
		else if (c == 0x1b)
			s->state = ST_ESC;
		return;
	case ST_STR: /* until BEL or ESC \ */
		if (c == 0x07 || ++s->strlen > STR_MAX)
			s->state = ST_TEXT;
		else if (c == 0x1b)
			s->state = ST_STR_ESC;
		return;
	case ST_STR_ESC:
		s->state = c == '\\' ? ST_TEXT : ST_STR;
		return;
	default:
		s->state = ST_TEXT;
		return;
	}
}

size_t san_stream_feed(struct san_stream *s, const char *in, size_t n, char *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (s->ulen) {
			if ((c & 0xc0) == 0x80) {
				s->utf[s->ulen++] = c;
				if (s->ulen == s->uneed)
					o += utf8_done(s, out + o);
				continue;
			}
			s->ulen = s->uneed = 0; /* cut short: the lead byte was not UTF-8 */
			out[o++] = '?';
		}
		if (s->state == ST_TEXT)
			o += text_byte(s, c, out + o);
		else
			seq_byte(s, c);
	}
	return o;
}
