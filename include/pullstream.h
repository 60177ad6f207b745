/*
 * pullstream.h - one "stream" exec of a pull: a pod file's bytes from an offset, decoded here.
 *
 *   kubectl exec POD -c C -- sh -c "$pull_sh" dotnetprof stream|both PATH SAMPLE HASHES OFFSET +N \
 *       READER ENC
 *
 * (src/pod/pull.sh: READER cat, `tail -c +N` or `dd ... skip=OFFSET iflag=skip_bytes`; ENC raw,
 * base64, gzip or gzip64.) The bytes are decoded as they come (base64.h; gzip through the local
 * `gzip -dc`, gunzip.h) and handed to the caller's sink. With the stat records (mode "both"), the
 * pod also says on stderr what the file is (pullstat.h), up to "ready" before the first byte, and
 * hashes it while it streams: one exec instead of a stat exec and a stream exec. Memory: a
 * PULL_RAW_READ buffer and two PULL_BUF_SIZE ones. A stream that sends nothing for PULL_IDLE_MS is
 * cut (a stuck exec), so the caller can resume it.
 *
 * Batching: kubectl writes its stdout 16 KiB at a time, and waking up for each write costs more CPU
 * than the copy (on loopback, where the pod, the API server and kubectl share this machine's cores,
 * that CPU is the copy's speed). So kubectl's stdout pipe is made PULL_PIPE_SIZE large, a raw stream
 * is read PULL_RAW_READ at a time, and after a read that found the pipe nearly empty (less than a
 * quarter of what was asked) the loop waits PULL_BATCH_US before it looks again, letting the pipe
 * fill. Where the pipe cannot be made that large, every write is read as it comes.
 */
#ifndef DOTNETPROF_PULLSTREAM_H
#define DOTNETPROF_PULLSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "pullplan.h"

struct kube;
struct target_pod;

#define PULL_BUF_SIZE 65536
/* One read of a raw stream (base64 and gzip input is read PULL_BUF_SIZE at a time). */
#define PULL_RAW_READ (1 << 20)
/* kubectl's stdout pipe, when the system allows it (fs.pipe-max-size is 1 MiB by default). */
#define PULL_PIPE_SIZE (1 << 20)
/* The wait after a read that found the pipe nearly empty: at 400 MB/s, 800 KB arrive meanwhile. */
#define PULL_BATCH_US 2000
/* No byte from the stream for this long: the exec is stuck; it is killed and can be resumed. */
#define PULL_IDLE_MS 60000

struct pull_stream_args {
	const char *remote_path;
	uint64_t offset;             /* the first byte wanted */
	enum pull_seek seek;         /* how the pod starts at a non-zero offset (pull_choose_seek) */
	enum pull_encoding encoding;
	int gzip;                    /* compressed in the pod (gzip -1), decompressed here */
	int with_stat;               /* mode "both": the stat records on stderr (to sink->err) */
	int sample;                  /* with_stat: the gzip sample too */
	const char *hashes;          /* with_stat: the hash commands to try ("" none) */
};

/*
 * Where the decoded bytes go. Each callback returns 0 to go on, 1 to stop this stream where it is
 * (the caller resumes from there, e.g. compressed), or -DPX_* for a failure it reported.
 */
struct pull_stream_sink {
	void *ctx;
	int (*data)(void *ctx, const unsigned char *buf, size_t n, long long now_ms);
	/* optional: what the exec writes on stderr (the stat records, kubectl's messages), as it comes */
	int (*err)(void *ctx, const char *buf, size_t n);
};

enum pull_stream_end {
	PULL_STREAM_DONE = 0,  /* kubectl and the decoder ended cleanly (maybe short of the end) */
	PULL_STREAM_STOPPED,   /* a callback asked to stop */
	PULL_STREAM_BROKEN,    /* cut, failed, stuck or undecodable: resume; `why` says what broke */
	PULL_STREAM_FATAL,     /* a callback failed, kubectl cannot exec (RBAC, gone...): reported;
				  or a signal came (interrupt.h): *rc is interrupt_status() */
};

/* One stream exec under way (pull_stream_start .. pull_stream_wait or pull_stream_abort). */
struct pull_stream;

/*
 * Start one stream exec; nothing is read yet (kubectl's output waits in its pipe). `a`, `sink` and
 * `why` must outlive it. NULL with *rc = -DPX_* (reported) when it cannot start.
 */
struct pull_stream *pull_stream_start(struct kube *k, const struct target_pod *pod,
				      const struct pull_stream_args *a,
				      const struct pull_stream_sink *sink, char *why, size_t whysize,
				      int *rc);

/*
 * Read a started stream to its end and judge it; frees s. `pod` is the pod as the caller knows it
 * now (what a refused exec is reported against): the one it was started in, or the same pod once
 * resolved. On PULL_STREAM_FATAL, *rc is the failure's -DPX_* (else 0).
 */
enum pull_stream_end pull_stream_wait(struct pull_stream *s, struct kube *k,
				      const struct target_pod *pod, int *rc);

/* Stop a started stream unread (kubectl is killed and reaped); frees s. NULL is ignored. */
void pull_stream_abort(struct pull_stream *s);

/* Run one stream exec to its end (start, then wait). On PULL_STREAM_FATAL, *rc is the failure's
 * -DPX_* (else 0). */
enum pull_stream_end pull_stream_run(struct kube *k, const struct target_pod *pod,
				     const struct pull_stream_args *a,
				     const struct pull_stream_sink *sink, char *why, size_t whysize,
				     int *rc);

#endif
