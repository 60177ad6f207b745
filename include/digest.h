/*
 * digest.h - the hashes a transfer is verified with, computed here while bytes stream through:
 * SHA-256 (preferred; `sha256sum` in the pod), MD5 (`md5sum`), POSIX cksum CRC (`cksum`), and
 * SHA-512 (recorded for cached tools). Own implementations: no crypto library is linked. These are
 * integrity checks against corruption in transit, not a defence against a malicious pod.
 */
#ifndef DOTNETPROF_DIGEST_H
#define DOTNETPROF_DIGEST_H

#include <stddef.h>
#include <stdint.h>

enum digest_kind { DIGEST_NONE = 0, DIGEST_SHA256, DIGEST_MD5, DIGEST_CKSUM, DIGEST_SHA512 };

/* Longest hex text digest_final produces, with its NUL: SHA-512 is 128 hex digits. */
#define DIGEST_HEX_MAX 129

struct digest {
	enum digest_kind kind;
	uint64_t len;          /* bytes fed so far */
	union {
		struct { uint32_t h[8]; unsigned char buf[64]; } sha256;
		struct { uint64_t h[8]; unsigned char buf[128]; } sha512;
		struct { uint32_t h[4]; unsigned char buf[64]; } md5;
		struct { uint32_t crc; } cksum;
	} u;
};

/* Start a digest of `kind` (DIGEST_NONE counts bytes only). */
void digest_init(struct digest *d, enum digest_kind kind);

/* Feed `len` bytes. */
void digest_update(struct digest *d, const void *data, size_t len);

/*
 * Finish and write the result as the pod's tool prints it: lowercase hex for SHA-256/512 and MD5,
 * "CRC LENGTH" in decimal for cksum (as `cksum` prints its first two fields), "" for DIGEST_NONE.
 * Returns 0, or -1 (ENAMETOOLONG) when `out` is too small. `d` must be re-initialised to reuse it.
 */
int digest_final(struct digest *d, char *out, size_t outsize);

/* The pod command that computes `kind` ("sha256sum", "md5sum", "cksum", "sha512sum"), or NULL. */
const char *digest_command(enum digest_kind kind);

/* "sha256", "md5", "cksum", "sha512", "size only". */
const char *digest_name(enum digest_kind kind);

/*
 * Hash the local file `path` from its beginning (streaming, constant memory) into `out`.
 * Returns 0, or -1 with errno.
 */
int digest_file(enum digest_kind kind, const char *path, char *out, size_t outsize);

#endif
