/*
 * base64.h - RFC 4648 base64, both ways, streaming: the encoder of pushes and the decoder of pulls
 * (`--encoding base64`, for setups that mangle a byte stream).
 */
#ifndef DOTNETPROF_BASE64_H
#define DOTNETPROF_BASE64_H

#include <stddef.h>

/* Bytes of base64 text for `n` input bytes (with padding). */
#define BASE64_ENCODED_LEN(n) (((n) + 2) / 3 * 4)

/*
 * Encode `n` bytes of `in` into `out` (room for BASE64_ENCODED_LEN(n) bytes; no NUL is added),
 * padding the last quantum with '='. Returns the bytes written. Encoding a stream chunk by chunk
 * gives the same text as one call only when every chunk but the last is a multiple of 3 bytes.
 */
size_t base64_encode(const unsigned char *in, size_t n, char *out);

/*
 * Streaming decoder (RFC 4648 alphabet; whitespace and newlines skipped; '=' ends a quantum; data
 * after padding starts a new stream, as concatenated base64 outputs do). Decodes `in` into `out`
 * (room for at least len*3/4+3 bytes), keeping an incomplete quantum in the state. Returns the bytes
 * written, or -1 on a character outside the alphabet.
 */
struct b64dec {
	unsigned acc;
	int nbits;   /* bits held in acc */
	int pad;     /* '=' seen: only padding/whitespace may follow in this quantum */
};
void b64dec_init(struct b64dec *b);
long b64dec_update(struct b64dec *b, const unsigned char *in, size_t len, unsigned char *out);

#endif
