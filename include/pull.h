/*
 * pull.h - pull a file out of a container through `kubectl exec`, verified and resumable.
 *
 * The engine, in parts of one concern each:
 *
 *   pullstat.h    the pod's report on the file (src/pod/pull.sh: commands, size, gzip sample,
 *                 then the file's hash and its size again) and its parser
 *   pullplan.h    the choices made from it: resume command, gzip or not, the stream's arguments
 *   pullstream.h  one "stream" exec (src/pod/pull.sh): the bytes from an offset, decoded here
 *                 (base64.h, gunzip.h), with the report on stderr when folded
 *   rexec.h       the streaming `kubectl exec` both of them run in
 *   pull.c        the attempts, the resumes and the verification (this header)
 *
 * PATH is only ever used as "$f" in < redirections and `stat -- "$f"`: no name (spaces, quotes,
 * $(...), backticks, newlines, leading dashes) can be read as an option or run anything.
 *
 * A fresh raw copy (the default) is one exec: pull.sh "both" reports on stderr, streams the file
 * on stdout and hashes it alongside, so the pod's hash costs no extra wall time when the pod has a
 * core to spare, and no second exec is started. Otherwise (a resume of NAME.part, base64, --compress
 * gzip) a stat exec runs first and keeps hashing while the stream execs copy. The copy stops at the
 * size the pod announced (a cat or gzip that never ends fills nothing beyond it). Locally the bytes are decoded, hashed as they
 * arrive and written to NAME.part (localout.h). A stream that ends early or a kubectl that fails is
 * resumed from the bytes already written, up to PULL_MAX_RETRIES times in a row without progress,
 * with backoff. Verified = size at start == size after hashing == bytes received, and the hashes
 * equal; a mismatch starts the whole copy over once, then fails with DPX_TRANSFER, keeping
 * NAME.part. Memory: constant (64 KiB buffers), whatever the size.
 *
 * Failure convention (exitcodes.h): 0, or -DPX_* after the message was printed.
 */
#ifndef DOTNETPROF_PULL_H
#define DOTNETPROF_PULL_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "pullplan.h"

struct kube;
struct target_pod;

#define PULL_MAX_RETRIES 5
/* A raw stream that starts before the stat's plan (attempt) waits for it past this many bytes. */
#define PULL_UNPLANNED_MAX (16u * 1024 * 1024)

struct pull_opts {
	const char *remote_path;
	const char *local_path;      /* NAME (NAME.part is written) */
	enum pull_encoding encoding;
	enum pull_compress compress;
	int resume;                  /* continue NAME.part (only one that is ours: localout.h) */
	int force;                   /* replace NAME; start a stale NAME.part over */
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
	int part_kept;               /* failed: NAME.part stays, and a hint gave the fetch command
					that gets the file (--resume, or --force to start over) */
};

/*
 * Copy o->remote_path of pod->container (chosen) into o->local_path. 0 when NAME holds the verified
 * copy; otherwise -DPX_*: DPX_EXISTS (NAME exists, no --force; or NAME.part exists,
 * neither --resume nor --force), DPX_NOTFOUND (no such remote file), DPX_TRANSFER (could not copy or
 * verify; NAME.part kept), DPX_NOSPACE (local disk full), DPX_ERROR, or kubectl's failures.
 */
int pull_file(struct kube *k, const struct target_pod *pod, const struct pull_opts *o,
	      struct pull_result *r);

/* pull_file in two halves, so that its first exec runs while the caller resolves the target. */
struct pull;

/*
 * Open NAME.part (the DPX_EXISTS checks above, before anything runs in the pod) and, when `early`
 * and the copy is a fresh raw one (no part to continue, --encoding raw, not --compress gzip),
 * start its first exec in `named` (a pod named by the user, its container -c or kubectl's default),
 * unread. 0 with *out set, or -DPX_* (reported; nothing left). `named` and `o` must outlive *out.
 */
int pull_begin(struct kube *k, const struct target_pod *named, const struct pull_opts *o,
	       int early, struct pull **out);

/*
 * The rest of pull_file, in `pod` as resolved (the same pod and container as `named`: the caller
 * checks); frees pl. Returns as pull_file.
 */
int pull_end(struct pull *pl, const struct target_pod *pod, struct pull_result *r);

/* Give up a begun pull (the target did not resolve): its exec is stopped, an empty NAME.part
 * removed; frees pl. NULL is ignored. */
void pull_cancel(struct pull *pl);

#endif
