/*
 * push.h - copy a local file into the pod's workspace through `kubectl exec -i` stdin, verified.
 *
 *   kubectl exec -i POD -c C -- sh -c "$push_sh" dotnetprof WS RUNID MODE SIZE INLEN ...
 *
 * The remote script (src/push.sh) writes the bytes to a temp file in the run's directory
 * (runs/RUNID/.push.PID, covered by the run's manifest line, so clean removes it if the push is
 * killed), checks the size and the hash in the pod (sha256sum, else md5sum, else cksum, else size
 * only: probe_best_hash of probe.h, the same choice as a pull's; the local side hashes the file
 * before sending and again while sending, so a file that changes under us is caught too), appends
 * DEST's manifest line, chmods and renames the temp file onto DEST (atomic: a concurrent run that uses
 * DEST keeps its inode). A mismatch removes the temp file and fails with DPX_TRANSFER; nothing
 * half-written ever carries DEST's name.
 *
 * End of stdin (the decision). kubectl >= 1.30 talks WebSocket v5.channel.k8s.io and sends the v5
 * "close stdin" signal when its stdin ends, so `cat > TMP` would finish. kubectl < 1.30 uses SPDY,
 * where closing the stdin stream half-closes it and also ends the remote cat (since
 * kubernetes/kubernetes#13322), but exec with stdin has a history of hangs that depend on the
 * runtime (#61557) and of truncated copies (#60140). A WebSocket client that only speaks
 * v4.channel.k8s.io (proxies, older client libraries, servers without v5) has no way at all to close
 * stdin (#89899, fixed only by v5): a remote cat would wait forever. So the pod never waits for EOF:
 * the byte count travels as an argument and the script reads exactly that many bytes (`head -c N`,
 * else GNU `dd iflag=fullblock,count_bytes`; only a container with neither falls back to `cat`, which
 * needs the EOF), verifies, and exits; kubectl ends with it whatever the protocol. We still close
 * kubectl's stdin after the last byte. (The stand-in cluster serves WebSocket only: kubectl 1.27-1.29
 * cannot be tested against it.)
 * Encodings: raw by default (exec without a tty is binary-safe); base64 (needs base64 in the pod)
 * for setups that mangle a byte stream: the local side encodes, the pod runs `head -c N | base64 -d`.
 * A raw push that does not verify is sent again in base64 once, when the pod has base64.
 * Memory: constant (64 KiB buffers), whatever the size. Progress: progress.h on a terminal, and one
 * summary line (log_info) at the end.
 *
 * Failure convention (exitcodes.h): 0, or -DPX_* after the message was printed (DPX_TRANSFER for a
 * copy that did not verify, DPX_NOSPACE, DPX_ERROR for local I/O errors, kubectl's codes).
 */
#ifndef DOTNETPROF_PUSH_H
#define DOTNETPROF_PUSH_H

#include <stdint.h>

#include "digest.h"

struct kube;
struct target_pod;
struct workspace;

enum push_encoding { PUSH_ENC_RAW = 0, PUSH_ENC_BASE64 };

struct push_opts {
	const char *local_path;      /* the file to send; NULL: the bytes below */
	const void *data;            /* with local_path NULL: these bytes (e.g. an embedded program, */
	size_t data_size;            /*   agentbin.h), not copied: they must outlive the push */
	const char *dest;            /* relative to the workspace: "tools/dotnet-trace", "runs/ID/x" */
	const char *kind;            /* manifest kind: "tool", "data" (workspace.h) */
	unsigned mode;               /* permissions of DEST: 0755 for tools, 0600 for data */
	enum push_encoding encoding;
	int reuse;                   /* skip the copy when DEST already has this size and hash */
	const char *label;           /* for progress and messages; NULL: the local path (required
	                                with data) */
};

struct push_result {
	uint64_t size;
	enum digest_kind hash;       /* DIGEST_NONE: verified by size only */
	char hash_hex[DIGEST_HEX_MAX];
	int reused;                  /* DEST already held the file: nothing was sent */
	double seconds;
	double rate;                 /* bytes/s of the file's bytes (0 when reused) */
};

/*
 * Copy o->local_path (or o->data) into WS/o->dest in pod->container (chosen) of `pod`, where `ws` was opened by
 * workspace_open() for this run and `cmds` are the probe's command bits. 0 when DEST holds the
 * verified file (or was reused), -DPX_* otherwise.
 */
int push_file(struct kube *k, const struct target_pod *pod, unsigned cmds,
	      const struct workspace *ws, const struct push_opts *o, struct push_result *r);

/*
 * Parse the push script's last report line (NUL-terminated, may be preceded by other lines) into
 * `kind` ("ok", "have", "none", "bad", "fail") and up to three fields. Returns the number of fields
 * after the kind, or -1 when there is no such line. The fields point into `text` (modified).
 */
int push_parse_report(char *text, const char **kind, char **f1, char **f2, char **f3);

#endif
