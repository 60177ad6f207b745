/*
 * digest.c - SHA-256, SHA-512, MD5 and the POSIX cksum CRC, streamed (see digest.h).
 *
 * SHA-256 has two block functions: portable C (FIPS 180-4), and the x86 SHA extensions (SHA-NI),
 * chosen at run time with cpuid. The SHA-NI path is what lets a 1 GiB pull verify at the speed the
 * bytes arrive (portable C runs at ~250 MB/s, like coreutils' sha256sum; SHA-NI at ~1.5 GB/s).
 * DOTNETPROF_NO_SHANI=1 in the environment forces the portable path (tests compare the two).
 * The cksum CRC uses slicing-by-8 tables (~1.5 GB/s).
 */
#include "digest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_SHANI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

/* ---- SHA-256 ---------------------------------------------------------------------------------- */

static const uint32_t K256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror32(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static void sha256_blocks_c(uint32_t h[8], const unsigned char *p, size_t nblocks)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh, t1, t2;
	int i;

	for (; nblocks--; p += 64) {
		for (i = 0; i < 16; i++)
			w[i] = be32(p + 4 * i);
		for (i = 16; i < 64; i++) {
			uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
			uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);

			w[i] = w[i - 16] + s0 + w[i - 7] + s1;
		}
		a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
		for (i = 0; i < 64; i++) {
			t1 = hh + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) + ((e & f) ^ (~e & g)) +
			     K256[i] + w[i];
			t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
			hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
		}
		h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
	}
}

#ifdef HAVE_SHANI
/* Intel SHA extensions: 4 rounds per sha256rnds2 pair, message schedule with sha256msg1/2. */
__attribute__((target("sha,sse4.1")))
static void sha256_blocks_ni(uint32_t h[8], const unsigned char *p, size_t nblocks)
{
	const __m128i shuf = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i state0, state1, msg, tmp, m0, m1, m2, m3, abef_save, cdgh_save;
	int i;

	tmp = _mm_loadu_si128((const __m128i *)(const void *)&h[0]);    /* DCBA */
	state1 = _mm_loadu_si128((const __m128i *)(const void *)&h[4]); /* HGFE */
	tmp = _mm_shuffle_epi32(tmp, 0xB1);          /* CDAB */
	state1 = _mm_shuffle_epi32(state1, 0x1B);    /* EFGH */
	state0 = _mm_alignr_epi8(tmp, state1, 8);    /* ABEF */
	state1 = _mm_blend_epi16(state1, tmp, 0xF0); /* CDGH */

	for (; nblocks--; p += 64) {
		__m128i m[4];

		abef_save = state0;
		cdgh_save = state1;
		for (i = 0; i < 4; i++)
			m[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i)),
						shuf);
		m0 = m[0], m1 = m[1], m2 = m[2], m3 = m[3];
		for (i = 0; i < 16; i++) {
			msg = _mm_add_epi32(m0, _mm_loadu_si128((const __m128i *)(const void *)&K256[4 * i]));
			state1 = _mm_sha256rnds2_epu32(state1, state0, msg);
			msg = _mm_shuffle_epi32(msg, 0x0E);
			state0 = _mm_sha256rnds2_epu32(state0, state1, msg);
			if (i < 12) {
				/* next schedule word group from the four current ones */
				tmp = _mm_sha256msg1_epu32(m0, m1);
				tmp = _mm_add_epi32(tmp, _mm_alignr_epi8(m3, m2, 4));
				tmp = _mm_sha256msg2_epu32(tmp, m3);
				m0 = m1, m1 = m2, m2 = m3, m3 = tmp;
			} else {
				m0 = m1, m1 = m2, m2 = m3;
			}
		}
		state0 = _mm_add_epi32(state0, abef_save);
		state1 = _mm_add_epi32(state1, cdgh_save);
	}
	tmp = _mm_shuffle_epi32(state0, 0x1B);       /* FEBA */
	state1 = _mm_shuffle_epi32(state1, 0xB1);    /* DCHG */
	state0 = _mm_blend_epi16(tmp, state1, 0xF0); /* DCBA */
	state1 = _mm_alignr_epi8(state1, tmp, 8);    /* HGFE */
	_mm_storeu_si128((__m128i *)(void *)&h[0], state0);
	_mm_storeu_si128((__m128i *)(void *)&h[4], state1);
}

static int cpu_has_shani(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) || !(c & bit_SSSE3))
		return 0;
	if (__get_cpuid_max(0, NULL) < 7)
		return 0;
	__cpuid_count(7, 0, a, b, c, d);
	return (b >> 29) & 1;
}
#endif

static void sha256_blocks(uint32_t h[8], const unsigned char *p, size_t nblocks)
{
#ifdef HAVE_SHANI
	static int have = -1;
	const char *off = getenv("DOTNETPROF_NO_SHANI");

	if (have < 0)
		have = cpu_has_shani();
	if (have && !(off && *off && strcmp(off, "0"))) {
		sha256_blocks_ni(h, p, nblocks);
		return;
	}
#endif
	sha256_blocks_c(h, p, nblocks);
}

/* ---- SHA-512 ---------------------------------------------------------------------------------- */

static const uint64_t K512[80] = {
	0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
	0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
	0xd807aa98a3030242ULL, 0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
	0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
	0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
	0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
	0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
	0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL, 0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
	0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
	0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
	0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
	0xd192e819d6ef5218ULL, 0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
	0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
	0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
	0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
	0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
	0xca273eceea26619cULL, 0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
	0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
	0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
	0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};

static uint64_t ror64(uint64_t x, unsigned n)
{
	return (x >> n) | (x << (64 - n));
}

static void sha512_blocks(uint64_t h[8], const unsigned char *p, size_t nblocks)
{
	uint64_t w[80], a, b, c, d, e, f, g, hh, t1, t2;
	int i;

	for (; nblocks--; p += 128) {
		for (i = 0; i < 16; i++)
			w[i] = be64(p + 8 * i);
		for (i = 16; i < 80; i++) {
			uint64_t s0 = ror64(w[i - 15], 1) ^ ror64(w[i - 15], 8) ^ (w[i - 15] >> 7);
			uint64_t s1 = ror64(w[i - 2], 19) ^ ror64(w[i - 2], 61) ^ (w[i - 2] >> 6);

			w[i] = w[i - 16] + s0 + w[i - 7] + s1;
		}
		a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
		for (i = 0; i < 80; i++) {
			t1 = hh + (ror64(e, 14) ^ ror64(e, 18) ^ ror64(e, 41)) + ((e & f) ^ (~e & g)) +
			     K512[i] + w[i];
			t2 = (ror64(a, 28) ^ ror64(a, 34) ^ ror64(a, 39)) + ((a & b) ^ (a & c) ^ (b & c));
			hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
		}
		h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
	}
}

/* ---- MD5 (RFC 1321) --------------------------------------------------------------------------- */

static const uint32_t KMD5[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
	0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
	0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
	0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
	0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

static const unsigned char RMD5[64] = {
	7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
	5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
	4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
	6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
};

static void md5_blocks(uint32_t h[4], const unsigned char *p, size_t nblocks)
{
	uint32_t m[16], a, b, c, d, f, t;
	unsigned i, g;

	for (; nblocks--; p += 64) {
		for (i = 0; i < 16; i++)
			m[i] = le32(p + 4 * i);
		a = h[0], b = h[1], c = h[2], d = h[3];
		for (i = 0; i < 64; i++) {
			if (i < 16)
				f = (b & c) | (~b & d), g = i;
			else if (i < 32)
				f = (d & b) | (~d & c), g = (5 * i + 1) & 15;
			else if (i < 48)
				f = b ^ c ^ d, g = (3 * i + 5) & 15;
			else
				f = c ^ (b | ~d), g = (7 * i) & 15;
			t = d;
			d = c;
			c = b;
			f += a + KMD5[i] + m[g];
			b += (f << RMD5[i]) | (f >> (32 - RMD5[i]));
			a = t;
		}
		h[0] += a, h[1] += b, h[2] += c, h[3] += d;
	}
}

/* ---- POSIX cksum: CRC-32 polynomial 0x04C11DB7, MSB first, then the length, then inverted ----- */

static uint32_t crc_table[8][256];
static int crc_ready;

static void crc_init_tables(void)
{
	uint32_t i, c;
	int j;

	for (i = 0; i < 256; i++) {
		c = i << 24;
		for (j = 0; j < 8; j++)
			c = c & 0x80000000u ? (c << 1) ^ 0x04C11DB7u : c << 1;
		crc_table[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (j = 1; j < 8; j++)
			crc_table[j][i] = (crc_table[j - 1][i] << 8) ^ crc_table[0][crc_table[j - 1][i] >> 24];
	crc_ready = 1;
}

static uint32_t crc_update(uint32_t crc, const unsigned char *p, size_t n)
{
	if (!crc_ready)
		crc_init_tables();
	while (n >= 8) {
		uint32_t hi = crc ^ be32(p), lo = be32(p + 4);

		crc = crc_table[7][hi >> 24] ^ crc_table[6][(hi >> 16) & 0xff] ^
		      crc_table[5][(hi >> 8) & 0xff] ^ crc_table[4][hi & 0xff] ^
		      crc_table[3][lo >> 24] ^ crc_table[2][(lo >> 16) & 0xff] ^
		      crc_table[1][(lo >> 8) & 0xff] ^ crc_table[0][lo & 0xff];
		p += 8;
		n -= 8;
	}
	while (n--)
		crc = (crc << 8) ^ crc_table[0][(crc >> 24) ^ *p++];
	return crc;
}

/* ---- common ------------------------------------------------------------------------------------ */

void digest_init(struct digest *d, enum digest_kind kind)
{
	static const uint32_t sha256_iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	static const uint64_t sha512_iv[8] = {
		0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
		0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
		0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
	};
	static const uint32_t md5_iv[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };

	memset(d, 0, sizeof(*d));
	d->kind = kind;
	switch (kind) {
	case DIGEST_SHA256:
		memcpy(d->u.sha256.h, sha256_iv, sizeof(sha256_iv));
		break;
	case DIGEST_SHA512:
		memcpy(d->u.sha512.h, sha512_iv, sizeof(sha512_iv));
		break;
	case DIGEST_MD5:
		memcpy(d->u.md5.h, md5_iv, sizeof(md5_iv));
		break;
	case DIGEST_CKSUM:
	case DIGEST_NONE:
		break;
	}
}

/* Feed a block-based hash: fill the partial buffer, run whole blocks straight from `p`. */
static void feed_blocks(unsigned char *buf, size_t bsize, uint64_t fed, const unsigned char *p,
			size_t len, void (*blocks)(void *h, const unsigned char *p, size_t n), void *h)
{
	size_t have = (size_t)(fed % bsize);

	if (have) {
		size_t take = bsize - have < len ? bsize - have : len;

		memcpy(buf + have, p, take);
		p += take;
		len -= take;
		if (have + take < bsize)
			return;
		blocks(h, buf, 1);
	}
	if (len >= bsize) {
		blocks(h, p, len / bsize);
		p += len / bsize * bsize;
		len %= bsize;
	}
	if (len)
		memcpy(buf, p, len);
}

static void sha256_cb(void *h, const unsigned char *p, size_t n)
{
	sha256_blocks(h, p, n);
}

static void sha512_cb(void *h, const unsigned char *p, size_t n)
{
	sha512_blocks(h, p, n);
}

static void md5_cb(void *h, const unsigned char *p, size_t n)
{
	md5_blocks(h, p, n);
}

void digest_update(struct digest *d, const void *data, size_t len)
{
	const unsigned char *p = data;

	switch (d->kind) {
	case DIGEST_SHA256:
		feed_blocks(d->u.sha256.buf, 64, d->len, p, len, sha256_cb, d->u.sha256.h);
		break;
	case DIGEST_SHA512:
		feed_blocks(d->u.sha512.buf, 128, d->len, p, len, sha512_cb, d->u.sha512.h);
		break;
	case DIGEST_MD5:
		feed_blocks(d->u.md5.buf, 64, d->len, p, len, md5_cb, d->u.md5.h);
		break;
	case DIGEST_CKSUM:
		d->u.cksum.crc = crc_update(d->u.cksum.crc, p, len);
		break;
	case DIGEST_NONE:
		break;
	}
	d->len += len;
}

/* Merkle-Damgard padding: 0x80, zeros, then the bit length in `lenbytes` bytes (BE or LE). */
static void pad(struct digest *d, size_t bsize, size_t lenbytes, int little_endian)
{
	unsigned char tail[256];
	uint64_t bits = d->len * 8;
	size_t have = (size_t)(d->len % bsize), n, i;
	uint64_t saved = d->len;

	n = (have + 1 + lenbytes <= bsize ? bsize : 2 * bsize) - have;
	memset(tail, 0, n);
	tail[0] = 0x80;
	for (i = 0; i < 8; i++)
		tail[little_endian ? n - lenbytes + i : n - 1 - i] = (unsigned char)(bits >> (8 * i));
	digest_update(d, tail, n);
	d->len = saved;
}

static int hex_out(const unsigned char *raw, size_t n, char *out, size_t outsize)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	if (outsize < 2 * n + 1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (i = 0; i < n; i++) {
		out[2 * i] = hx[raw[i] >> 4];
		out[2 * i + 1] = hx[raw[i] & 15];
	}
	out[2 * n] = '\0';
	return 0;
}

int digest_final(struct digest *d, char *out, size_t outsize)
{
	unsigned char raw[64];
	uint64_t n;
	int i, len;

	switch (d->kind) {
	case DIGEST_SHA256:
		pad(d, 64, 8, 0);
		for (i = 0; i < 8; i++)
			for (len = 0; len < 4; len++)
				raw[4 * i + len] = (unsigned char)(d->u.sha256.h[i] >> (24 - 8 * len));
		return hex_out(raw, 32, out, outsize);
	case DIGEST_SHA512:
		pad(d, 128, 16, 0);
		for (i = 0; i < 8; i++)
			for (len = 0; len < 8; len++)
				raw[8 * i + len] = (unsigned char)(d->u.sha512.h[i] >> (56 - 8 * len));
		return hex_out(raw, 64, out, outsize);
	case DIGEST_MD5:
		pad(d, 64, 8, 1);
		for (i = 0; i < 4; i++)
			for (len = 0; len < 4; len++)
				raw[4 * i + len] = (unsigned char)(d->u.md5.h[i] >> (8 * len));
		return hex_out(raw, 16, out, outsize);
	case DIGEST_CKSUM: {
		uint32_t crc = d->u.cksum.crc;

		if (!crc_ready)
			crc_init_tables();
		for (n = d->len; n; n >>= 8)
			crc = (crc << 8) ^ crc_table[0][(crc >> 24) ^ (n & 0xff)];
		len = snprintf(out, outsize, "%lu %llu", (unsigned long)(~crc & 0xffffffffu),
			       (unsigned long long)d->len);
		if (len < 0 || (size_t)len >= outsize) {
			errno = ENAMETOOLONG;
			return -1;
		}
		return 0;
	}
	case DIGEST_NONE:
		break;
	}
	if (outsize < 1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	out[0] = '\0';
	return 0;
}

const char *digest_command(enum digest_kind kind)
{
	switch (kind) {
	case DIGEST_SHA256:
		return "sha256sum";
	case DIGEST_MD5:
		return "md5sum";
	case DIGEST_CKSUM:
		return "cksum";
	case DIGEST_SHA512:
		return "sha512sum";
	case DIGEST_NONE:
		break;
	}
	return NULL;
}

const char *digest_name(enum digest_kind kind)
{
	switch (kind) {
	case DIGEST_SHA256:
		return "sha256";
	case DIGEST_MD5:
		return "md5";
	case DIGEST_CKSUM:
		return "cksum";
	case DIGEST_SHA512:
		return "sha512";
	case DIGEST_NONE:
		break;
	}
	return "size only";
}

int digest_file(enum digest_kind kind, const char *path, char *out, size_t outsize)
{
	struct digest d;
	unsigned char *buf;
	ssize_t r;
	int fd, ret = -1, e = 0;

	buf = malloc(65536);
	if (!buf)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto out;
	digest_init(&d, kind);
	for (;;) {
		r = read(fd, buf, 65536);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto out;
		if (r == 0)
			break;
		digest_update(&d, buf, (size_t)r);
	}
	ret = digest_final(&d, out, outsize);
out:
	e = errno;
	if (fd >= 0)
		close(fd);
	free(buf);
	errno = e;
	return ret;
}
