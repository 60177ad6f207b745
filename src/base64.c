/*
 * base64.c - RFC 4648 base64 encoding and streaming decoding (base64.h).
 */
#include "base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encode(const unsigned char *in, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];

		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = alphabet[v >> 6 & 63];
		out[o++] = alphabet[v & 63];
	}
	if (i < n) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0);

		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = i + 1 < n ? alphabet[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	return o;
}

void b64dec_init(struct b64dec *b)
{
	b->acc = 0;
	b->nbits = 0;
	b->pad = 0;
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long b64dec_update(struct b64dec *b, const unsigned char *in, size_t len, unsigned char *out)
{
	long n = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = in[i];
		int v;

		if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
			continue;
		if (c == '=') {
			/* padding ends the quantum: drop the leftover bits */
			b->pad = 1;
			b->acc = 0;
			b->nbits = 0;
			continue;
		}
		v = b64val(c);
		if (v < 0)
			return -1;
		if (b->pad) /* data after padding: a new base64 stream (concatenation) */
			b->pad = 0;
		b->acc = (b->acc << 6) | (unsigned)v;
		b->nbits += 6;
		if (b->nbits >= 8) {
			b->nbits -= 8;
			out[n++] = (unsigned char)(b->acc >> b->nbits);
			b->acc &= (1u << b->nbits) - 1;
		}
	}
	return n;
}

