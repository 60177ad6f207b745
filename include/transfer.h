/*
 * transfer.h - pull a file out of a container through `kubectl exec`, verified and resumable.
 *
 * Two remote scripts (POSIX sh, also busybox ash; every value is a positional argument, never part of
 * the script text):
 *
 *   src/pull_stat.sh    `sh -c "$pull_stat_sh" dotnetprof PATH SAMPLE HASHES`: the "stat" exec.
 *                       Prints "KEY<TAB>VALUE" lines (never the file's name): "dotnetprof-stat 1";
 *                       "cmd NAME" for each of sha256sum md5sum cksum base64 gzip head tail dd wc
 *                       stat found ("cmd sha256sum" means SHA-256 can be computed, followed by
 *                       "sha256tool openssl|sha256sum": the implementation, src/shlib/sha256.sh
 *                       prefers openssl's, which uses the CPU's SHA instructions); then
 *                       "error noent|isdir|notreg|noperm" and stops, or "size N"; with SAMPLE=1
 *                       and gzip, head, wc present "sample IN OUT" (the first MiB through
 *                       gzip -1); "ready 1"; then, in the same exec, "hash TOOL
 *                       OUTPUT" with the first of HASHES ("sha256sum md5sum cksum") found, run on
 *                       the whole file from stdin; "size2 N" (the size again); "end 1".
 *   src/pull_stream.sh  `sh -c "$pull_stream_sh" dotnetprof PATH OFFSET +N READER ENC`: the
 *                       "stream" exec: the file's bytes from OFFSET (READER cat, tail: `tail -c
 *                       +N` with N = OFFSET + 1, or dd: `dd bs=64k skip=OFFSET iflag=skip_bytes`),
 *                       ENC raw, base64, gzip (gzip -c -1) or gzip64 (gzip -c -1 | base64).
 *
 * PATH is only ever used as "$f" in < redirections and `stat -- "$f"`: no name (spaces, quotes,
 * $(...), backticks, newlines, leading dashes) can be read as an option or run anything.
 *
 * The stat exec keeps running (hashing) while the stream exec copies, so the pod's hash costs no
 * extra wall time when the pod has a core to spare. Locally the bytes are decoded (base64: own
 * decoder; gzip: the local `gzip -dc` as a child, argv only), hashed as they arrive and written to
 * NAME.part (localout.h). A stream that ends early or a kubectl that fails is resumed from the bytes
 * already written, up to PULL_MAX_RETRIES times in a row without progress, with backoff. Verified =
 * size at start == size after hashing == bytes received, and the hashes equal; a mismatch starts the
 * whole copy over once, then fails with EX_TRANSFER, keeping NAME.part. Memory: constant (64 KiB
 * buffers), whatever the size.
 *
 * Failure convention as in kube.h: -1 means the message was printed and k->exit_code is set.
 */
#ifndef DOTNETPROF_TRANSFER_H
#define DOTNETPROF_TRANSFER_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"

struct kube;
struct target_pod;

#define PULL_MAX_RETRIES 5
#define PULL_BUF_SIZE 65536
/* gzip when the first MiB shrinks below this ratio (per mille) and the file is at least this big */
#define PULL_GZIP_MAX_RATIO_PERMILLE 800
#define PULL_GZIP_MIN_SIZE (4u * 1024 * 1024)
/*
 * ... and (auto, on a fresh raw copy) the raw stream, timed over its first PULL_GZIP_PROBE_MS after
 * the first byte, runs below PULL_GZIP_MAX_LINK_RATE bytes/s: `gzip -1` in a pod compresses a heap
 * dump at ~100-200 MB/s on one core (less under a CPU limit), so above that the link is not what
 * limits the copy and gzip would only add CPU (bench/transfer.sh: loopback vs --link).
 */
#define PULL_GZIP_PROBE_MS 1000
#define PULL_GZIP_MAX_LINK_RATE 100000000.0

enum pull_encoding { PULL_ENC_RAW = 0, PULL_ENC_BASE64 };
enum pull_compress { PULL_COMP_AUTO = 0, PULL_COMP_GZIP, PULL_COMP_NONE };

/* How the stream exec reads from an offset. */
enum pull_seek { PULL_SEEK_NONE = 0, PULL_SEEK_TAIL, PULL_SEEK_DD };

enum pull_stat_error {
	PULL_STAT_OK = 0,
	PULL_STAT_NOENT,     /* no such file (or a dangling symlink, or a dir we cannot search) */
	PULL_STAT_ISDIR,
	PULL_STAT_NOTREG,    /* a fifo, socket, device */
	PULL_STAT_NOPERM,    /* exists but cannot be opened for reading */
};

/* What the stat exec reported. */
struct pull_stat {
	unsigned cmds;              /* enum probe_cmd bits (probe.h) of the commands found */
	enum pull_stat_error error;
	int have_size;
	uint64_t size;
	long long sample_in, sample_out; /* gzip sample: bytes in, bytes out; -1 when not measured */
	int ready;                  /* the "ready" line came */
	char sha256_tool[16];       /* "openssl" or "sha256sum" (the pod's SHA-256), "" when not said */
	enum digest_kind hash;      /* DIGEST_NONE when no hash line (yet) */
	char hash_hex[DIGEST_HEX_MAX];
	int have_size2;
	uint64_t size2;             /* size after hashing */
	int end;                    /* the "end" line came */
};

/*
 * Parse the stat exec's output `text` (`len` bytes, may be partial: what came so far). Unknown
 * records are ignored; a bad known record is an error (-1, reason in `err`). `st` is reset first.
 */
int pull_stat_parse(const char *text, size_t len, struct pull_stat *st, char *err, size_t errsize);

/* The hash the pod can compute, best first: sha256sum, md5sum, cksum; DIGEST_NONE. */
enum digest_kind pull_choose_hash(unsigned cmds);

/* How to start at a byte offset: tail -c +N, else dd iflag=skip_bytes, else none (start over). */
enum pull_seek pull_choose_seek(unsigned cmds);

/*
 * Whether to gzip in the pod. GZIP: when the pod has gzip and `local_gzip`; NONE: never; AUTO: also
 * when the stat's sample shrank below PULL_GZIP_MAX_RATIO_PERMILLE and size >= PULL_GZIP_MIN_SIZE.
 */
int pull_choose_gzip(const struct pull_stat *st, enum pull_compress c, int local_gzip);

/*
 * Whether a raw stream that moved `bytes` in `ms` milliseconds since its first byte is slow enough
 * for gzip to pay: 1 yes, 0 no (it runs at PULL_GZIP_MAX_LINK_RATE or more), -1 not measured long
 * enough yet (under PULL_GZIP_PROBE_MS).
 */
int pull_gzip_link_slow(uint64_t bytes, long long ms);

/*
 * The stream exec's READER argument for a start at `offset` ("cat" at 0, else "tail"/"dd"; NULL
 * when the pod cannot seek) and its ENCODING argument ("raw", "base64", "gzip", "gzip64").
 */
const char *pull_stream_reader(uint64_t offset, enum pull_seek seek);
const char *pull_stream_encoding(enum pull_encoding enc, int gzip);

/*
 * Streaming base64 decoder (RFC 4648 alphabet; whitespace and newlines skipped; '=' ends a quantum).
 * Decodes `in` into `out` (room for at least len*3/4+3 bytes), keeping an incomplete quantum in the
 * state. Returns the bytes written, or -1 on a character outside the alphabet.
 */
struct b64dec {
	unsigned acc;
	int nbits;   /* bits held in acc */
	int pad;     /* '=' seen: only padding/whitespace may follow in this quantum */
};
void b64dec_init(struct b64dec *b);
long b64dec_update(struct b64dec *b, const unsigned char *in, size_t len, unsigned char *out);

struct pull_opts {
	const char *remote_path;
	const char *local_path;      /* NAME (NAME.part is written) */
	enum pull_encoding encoding;
	enum pull_compress compress;
	int resume;                  /* continue NAME.part */
	int force;                   /* replace NAME; start a stale NAME.part over */
	int private_mode;            /* 0600 (dumps) */
};

struct pull_result {
	uint64_t size;
	enum digest_kind hash;       /* DIGEST_NONE: verified by size only */
	char hash_hex[DIGEST_HEX_MAX];
	double seconds;              /* wall time of the whole pull */
	double rate;                 /* bytes/s of the bytes that crossed in this run */
	unsigned resumes;            /* streams continued from an offset */
	int gzip;                    /* gzip was used */
	int encoding_base64;
};

/*
 * Copy o->remote_path of pod->container (chosen) into o->local_path. 0 when NAME holds the verified
 * copy; -1 otherwise with k->exit_code: EX_EXISTS (NAME exists, no --force; or NAME.part exists,
 * neither --resume nor --force), EX_NOTFOUND (no such remote file), EX_TRANSFER (could not copy or
 * verify; NAME.part kept), EX_NOSPACE (local disk full), EX_ERROR, or kubectl's failures.
 */
int pull_file(struct kube *k, const struct target_pod *pod, const struct pull_opts *o,
	      struct pull_result *r);

#endif
