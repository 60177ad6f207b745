/*
 * pullstream.c - one stream exec of a pull: kubectl's stdout decoded (base64, gzip child) and handed
 * to the caller's sink; cut when stuck; its end classified (pullstream.h).
 */
#include "pullstream.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef F_SETPIPE_SZ /* Linux's, hidden by _POSIX_C_SOURCE */
#define F_SETPIPE_SZ 1031
#endif

#include "base64.h"
#include "exitcodes.h"
#include "gunzip.h"
#include "interrupt.h"
#include "kube.h"
#include "log.h"
#include "podscripts.h"
#include "progress.h"
#include "rexec.h"
#include "target.h"

struct pull_stream {
	struct rexec x;
	struct gunzip gz;
	int gz_on;
	struct b64dec b64;
	const struct pull_stream_args *a;
	const struct pull_stream_sink *sink;
	long long last_data;
	enum pull_stream_end end;    /* decided early (stopped, fatal), else PULL_STREAM_DONE */
	int rc;                      /* -DPX_* of a fatal end */
	char *why;
	size_t whysize;
	int batch;                   /* kubectl's stdout pipe holds PULL_PIPE_SIZE: reads are batched */
	int wait_batch;              /* the last read found the pipe nearly empty */
	unsigned char in[PULL_RAW_READ];
	unsigned char dec[PULL_BUF_SIZE];    /* base64-decoded bytes */
	unsigned char gzout[PULL_BUF_SIZE];  /* what gzip -dc gave back */
};

/* Stop reading kubectl (it is killed at the end); the decoder finishes what it has. */
static void cut(struct pull_stream *s)
{
	if (s->x.c.p.pid > 0)
		kill(s->x.c.p.pid, SIGTERM);
	if (s->x.c.p.out_fd >= 0) {
		close(s->x.c.p.out_fd);
		s->x.c.p.out_fd = -1;
	}
	if (s->gz_on && !gunzip_busy(&s->gz))
		gunzip_end_input(&s->gz);
}

/* A callback's answer: 0 go on; else the stream stops (1) or fails (-DPX_*). */
static int callback_said(struct pull_stream *s, int rc)
{
	if (rc == 0)
		return 0;
	s->end = rc > 0 ? PULL_STREAM_STOPPED : PULL_STREAM_FATAL;
	s->rc = rc > 0 ? 0 : rc;
	cut(s);
	return -1;
}

/* Bytes kubectl sent: decode base64, then to gzip or to the sink. */
static void on_stdout(struct pull_stream *s, long long now)
{
	/* decoded base64 must fit s->dec; the gzip child takes what it is given */
	size_t want = s->a->encoding == PULL_ENC_RAW && !s->gz_on ? sizeof(s->in) : PULL_BUF_SIZE;
	ssize_t r = read(s->x.c.p.out_fd, s->in, want);
	const unsigned char *data = s->in;
	size_t len;

	s->wait_batch = s->batch && r > 0 && (size_t)r < want / 4;
	if (r < 0 && errno == EINTR)
		return;
	if (r <= 0) {
		close(s->x.c.p.out_fd);
		s->x.c.p.out_fd = -1;
		if (s->gz_on && !gunzip_busy(&s->gz))
			gunzip_end_input(&s->gz);
		return;
	}
	s->last_data = now;
	len = (size_t)r;
	if (s->a->encoding == PULL_ENC_BASE64) {
		long d = b64dec_update(&s->b64, s->in, len, s->dec);

		if (d < 0) {
			snprintf(s->why, s->whysize, "the base64 stream is damaged");
			cut(s);
			if (s->gz_on)
				gunzip_end_input(&s->gz);
			return;
		}
		data = s->dec;
		len = (size_t)d;
	}
	if (s->gz_on) {
		if (s->gz.p.in_fd >= 0)
			gunzip_give(&s->gz, data, len); /* a decoder that is gone: kubectl is drained */
		return;
	}
	if (len)
		callback_said(s, s->sink->data(s->sink->ctx, data, len, now));
}

/* Plain bytes from the gzip child. */
static void on_gz_out(struct pull_stream *s, long long now)
{
	ssize_t r = read(s->gz.p.out_fd, s->gzout, sizeof(s->gzout));

	if (r > 0) {
		callback_said(s, s->sink->data(s->sink->ctx, s->gzout, (size_t)r, now));
		return;
	}
	if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
		/* the decoder is gone: stop feeding it */
		close(s->gz.p.out_fd);
		s->gz.p.out_fd = -1;
		gunzip_end_input(&s->gz);
	}
}

/* The gzip child can take more of what is pending. */
static void on_gz_in(struct pull_stream *s)
{
	if (gunzip_flush(&s->gz) == 0 && !gunzip_busy(&s->gz) && s->x.c.p.out_fd < 0)
		gunzip_end_input(&s->gz);
}

/* kubectl errors that retrying cannot fix (a cut connection is KERR_OTHER or KERR_UNREACHABLE). */
static int exec_refused(enum kube_err e)
{
	switch (e) {
	case KERR_NOTFOUND:
	case KERR_FORBIDDEN:
	case KERR_UNAUTHORIZED:
	case KERR_NOCLUSTER:
	case KERR_CONTEXT:
	case KERR_KUBECONFIG:
	case KERR_NOTRUNNING:
	case KERR_NOSHELL:
		return 1;
	case KERR_OTHER:
	case KERR_UNREACHABLE:
		break;
	}
	return 0;
}

/* What the exec wrote on stderr: kept for messages, and handed to the sink. 0, or -1 (stopped). */
static int on_stderr(struct pull_stream *s)
{
	char buf[4096];
	ssize_t n;

	while ((n = rexec_read_err(&s->x, buf, sizeof(buf))) > 0)
		if (s->sink->err && callback_said(s, s->sink->err(s->sink->ctx, buf, (size_t)n)) < 0)
			return -1;
	return 0;
}

/* Poll until kubectl's stdout and the decoder are done (or the stream was stopped). */
static int loop(struct pull_stream *s)
{
	struct rexec *x = &s->x;

	for (;;) {
		struct pollfd pfd[4];
		long long now;
		int n, i, busy = s->gz_on && gunzip_busy(&s->gz);

		/* kubectl's stdout is read only when the decoder took everything before */
		pfd[0].fd = busy ? -1 : x->c.p.out_fd;
		pfd[1].fd = x->c.p.err_fd;
		pfd[2].fd = busy ? s->gz.p.in_fd : -1;
		pfd[3].fd = s->gz_on ? s->gz.p.out_fd : -1;
		if (pfd[0].fd < 0 && pfd[1].fd < 0 && pfd[2].fd < 0 && pfd[3].fd < 0)
			return 0;
		for (i = 0; i < 4; i++) {
			pfd[i].events = i == 2 ? POLLOUT : POLLIN;
			pfd[i].revents = 0;
		}
		n = poll(pfd, 4, 250); /* a signal between the check and poll() waits at most this */
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(s->why, s->whysize, "poll: %s", strerror(errno));
			return -1;
		}
		if (interrupt_pending()) {
			s->end = PULL_STREAM_FATAL;
			s->rc = interrupt_status();
			cut(s);
			if (s->gz_on)
				gunzip_end_input(&s->gz);
			return -1;
		}
		now = progress_now_ms();
		if (x->c.p.out_fd >= 0 && now - s->last_data > PULL_IDLE_MS) {
			snprintf(s->why, s->whysize, "no data for %d s", PULL_IDLE_MS / 1000);
			cut(s);
			continue;
		}
		if (pfd[1].revents && on_stderr(s) < 0)
			return -1;
		if (pfd[3].revents)
			on_gz_out(s, now);
		if (pfd[2].revents)
			on_gz_in(s);
		if (pfd[0].fd >= 0 && pfd[0].revents)
			on_stdout(s, now);
		if (s->end != PULL_STREAM_DONE)
			return -1;
		if (s->wait_batch) {
			/* a signal cuts it short; the check after poll() sees it */
			struct timespec ts = { 0, PULL_BATCH_US * 1000L };

			s->wait_batch = 0;
			nanosleep(&ts, NULL);
		}
	}
}

/* kubectl and the decoder have ended: how did the stream end? */
static enum pull_stream_end verdict(struct kube *k, const struct target_pod *pod, struct pull_stream *s,
				    int status, int gz_status)
{
	char line[320];

	if (s->end != PULL_STREAM_DONE)
		return s->end;
	if (*s->why)
		return PULL_STREAM_BROKEN;
	if (status != 0) {
		rexec_last_err_line(&s->x, line, sizeof(line));
		if (!strstr(s->x.err, "command terminated with exit code") &&
		    exec_refused(kube_classify(s->x.err, s->why, s->whysize, NULL, 0, NULL, 0))) {
			/* not a cut stream: the exec itself is refused (RBAC, pod gone, ...) */
			s->rc = rexec_fail(k, &s->x, pod);
			return PULL_STREAM_FATAL;
		}
		snprintf(s->why, s->whysize, "kubectl exited with status %d%s%s", status,
			 *line ? ": " : "", line);
		return PULL_STREAM_BROKEN;
	}
	if (s->gz_on && gz_status != 0) {
		snprintf(s->why, s->whysize, "the gzip stream ended early (gzip -dc exit status %d)",
			 gz_status);
		return PULL_STREAM_BROKEN;
	}
	return PULL_STREAM_DONE;
}

struct pull_stream *pull_stream_start(struct kube *k, const struct target_pod *pod,
				      const struct pull_stream_args *a,
				      const struct pull_stream_sink *sink, char *why, size_t whysize,
				      int *rc)
{
	char off[24], tailarg[24];
	const char *args[] = { a->with_stat ? "both" : "stream", a->remote_path, a->sample ? "1" : "0",
			       a->with_stat && a->hashes ? a->hashes : "", off, tailarg,
			       pull_stream_reader(a->offset, a->seek),
			       pull_stream_encoding(a->encoding, a->gzip), NULL };
	struct pull_stream *s;

	*why = '\0';
	*rc = -DPX_ERROR;
	s = calloc(1, sizeof(*s));
	if (!s) {
		log_error("cannot copy: out of memory");
		return NULL;
	}
	s->a = a;
	s->sink = sink;
	s->why = why;
	s->whysize = whysize;
	s->last_data = progress_now_ms();
	b64dec_init(&s->b64);
	snprintf(off, sizeof(off), "%" PRIu64, a->offset);
	snprintf(tailarg, sizeof(tailarg), "+%" PRIu64, a->offset + 1);
	if (a->gzip) {
		if (gunzip_start(&s->gz) < 0) {
			log_error("cannot run the local gzip -dc: %s", strerror(errno));
			free(s);
			return NULL;
		}
		s->gz_on = 1;
	}
	if ((*rc = rexec_start(k, pod, pull_sh, args, &s->x)) < 0) {
		if (s->gz_on)
			gunzip_finish(&s->gz, 1);
		free(s);
		return NULL;
	}
	s->batch = fcntl(s->x.c.p.out_fd, F_SETPIPE_SZ, PULL_PIPE_SIZE) >= PULL_PIPE_SIZE;
	return s;
}

enum pull_stream_end pull_stream_wait(struct pull_stream *s, struct kube *k,
				      const struct target_pod *pod, int *rc)
{
	enum pull_stream_end ret;
	int status, gz_status = 0, failed;

	failed = loop(s) < 0 || *s->why;
	status = rexec_finish(&s->x, failed);
	if (s->gz_on)
		gz_status = gunzip_finish(&s->gz, s->end == PULL_STREAM_FATAL);
	ret = verdict(k, pod, s, status, gz_status);
	*rc = ret == PULL_STREAM_FATAL ? s->rc : 0;
	free(s);
	return ret;
}

void pull_stream_abort(struct pull_stream *s)
{
	if (!s)
		return;
	cut(s);
	rexec_finish(&s->x, 1);
	if (s->gz_on)
		gunzip_finish(&s->gz, 1);
	free(s);
}

enum pull_stream_end pull_stream_run(struct kube *k, const struct target_pod *pod,
				     const struct pull_stream_args *a,
				     const struct pull_stream_sink *sink, char *why, size_t whysize,
				     int *rc)
{
	struct pull_stream *s = pull_stream_start(k, pod, a, sink, why, whysize, rc);

	return s ? pull_stream_wait(s, k, pod, rc) : PULL_STREAM_FATAL;
}
