/*
 * trace.c - stream an EventPipe session to stdout (see trace.h).
 *
 * One poll() loop watches the session's stream, the StopTracing connection, a self-pipe the
 * signal handlers write to, stdin (EOF: the kubectl session is gone) and stdout (an error or hang-up
 * there: the reader is gone). Whatever stops the trace, the session is stopped in the runtime and
 * its stream read to the end, so the app is never left with a session running.
 */
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agentcli.h"
#include "conn.h"
#include "digest.h"
#include "ipc.h"
#include "record.h"
#include "spool.h"

#define CHUNK (64 * 1024)
#define REPLY_TIMEOUT_MS 10000

static int sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t sig_count;

static void on_signal(int sig)
{
	int e = errno;
	char c = (char)sig;

	sig_count++;
	(void)!write(sig_pipe[1], &c, 1);
	errno = e;
}

int trace_signals_init(void)
{
	struct sigaction sa;
	int i;

	if (sig_pipe[0] < 0 && pipe(sig_pipe) < 0)
		return -1;
	for (i = 0; i < 2; i++) {
		(void)fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
		(void)fcntl(sig_pipe[i], F_SETFL, O_NONBLOCK);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: a blocked write to stdout returns to the loop */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0 ||
	    sigaction(SIGHUP, &sa, NULL) < 0)
		return -1;
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

int trace_stdin_watchable(void)
{
	struct stat st;

	if (fstat(0, &st) < 0)
		return 0;
	/* not a terminal: reading one from the background would stop us (SIGTTIN) */
	return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
}

/* The state of one streamed session. */
struct run {
	const struct dnproc *t;
	const struct trace_opts *o;
	int stream;              /* the session's connection */
	int stop_fd;             /* the StopTracing connection while its reply is due; -1 */
	uint64_t session;
	const char *command;
	int stopping;            /* StopTracing sent (or tried) */
	int stopped;             /* the runtime acknowledged it */
	int ended;               /* the stream is over (end, error, reset) */
	int eof;                 /* ... and it was a clean end */
	int64_t session_start_ms;
	int stdout_ok;
	int watch_stdin;
	const char *reason;
	int64_t stop_deadline;   /* stopping: when to give up draining */
	uint64_t bytes;
	int64_t first_byte_ms;   /* -1 until the first byte */
	struct digest sha;
	struct spool spool;      /* --spool: the stream's copy in the pod */
	int said_stop;           /* stdin said "stop" */
	int reader_gone;         /* stdin ended without "stop", or stdout broke */
	char line[64];           /* the stdin line being read */
	size_t line_len;
};

/* The name of a CollectTracing command. */
static const char *collect_name(uint8_t command)
{
	switch (command) {
	case IPC_EP_COLLECT_TRACING:
		return "CollectTracing";
	case IPC_EP_COLLECT_TRACING2:
		return "CollectTracing2";
	case IPC_EP_COLLECT_TRACING3:
		return "CollectTracing3";
	default:
		return "CollectTracing4";
	}
}

/* Start the session, falling back to older commands as the runtime asks. */
static int start_session(struct run *r, struct conn_reply *rep)
{
	const struct provider_set *ps = r->o->ps;
	struct ipc_collect c;
	unsigned char req[IPC_MAX_MESSAGE];
	int len;

	providers_collect(ps, r->o->buffer_mb, &c);
	for (;;) {
		if ((len = ipc_req_collect(req, sizeof(req), &c)) < 0)
			return rec_error(AGENT_EX_USAGE, AGENT_ERR_USAGE, r->t->pid, 0, NULL,
					 "cannot encode the session request: %s", strerror(errno));
		if (conn_request(r->t->dirfd, r->t->sockname, req, (size_t)len, rep,
				 conn_now_ms() + REPLY_TIMEOUT_MS, &r->stream) < 0) {
			char what[PATH_MAX + 160];
			int e = errno;

			/* a cut message still says what failed */
			(void)snprintf(what, sizeof(what), "cannot start a session in %s/%s", r->t->dir,
				       r->t->sockname);
			return rec_conn_error(r->t->pid, e, what);
		}
		if (rep->r.ok)
			break;
		close(r->stream);
		r->stream = -1;
		if (rep->r.hresult != IPC_E_UNKNOWN_COMMAND || providers_fallback(ps, &c) < 0)
			return rec_error(AGENT_EX_RUNTIME, AGENT_ERR_RUNTIME, r->t->pid, rep->r.hresult,
					 NULL, "the runtime refused the tracing session");
	}
	if (ipc_parse_session(&rep->r, &r->session) < 0) {
		close(r->stream);
		r->stream = -1;
		return rec_error(AGENT_EX_FAIL, AGENT_ERR_PROTOCOL, r->t->pid, 0, NULL,
				 "the runtime's answer to the session request has no session id");
	}
	r->command = collect_name(c.command);
	{
		char provs[4096];

		rec_begin(stderr, AGENT_REC_TRACE_START);
		rec_i64(stderr, "pid", r->t->pid);
		rec_u64(stderr, "session", r->session);
		rec_str(stderr, "command", r->command);
		if (providers_format(ps, provs, sizeof(provs)) == 0)
			rec_str(stderr, "providers", provs);
		rec_hex(stderr, "rundown", c.rundown_keyword);
		(void)rec_end(stderr);
	}
	return AGENT_EX_OK;
}

/* Ask the runtime to stop the session (once): StopTracing on a second connection. */
static void request_stop(struct run *r, const char *reason)
{
	unsigned char req[64];
	int len;

	if (r->stopping)
		return;
	r->stopping = 1;
	r->reason = reason;
	r->stop_deadline = conn_now_ms() + r->o->drain_timeout_ms;
	if ((len = ipc_req_stop(req, sizeof(req), r->session)) < 0)
		return;
	if ((r->stop_fd = conn_open(r->t->dirfd, r->t->sockname)) < 0) {
		rec_error(0, AGENT_ERR_CONNECT, r->t->pid, 0, NULL, "cannot send StopTracing: %s",
			  strerror(errno));
		return;
	}
	if (conn_write_all(r->stop_fd, req, (size_t)len, conn_now_ms() + REPLY_TIMEOUT_MS) < 0) {
		rec_error(0, AGENT_ERR_CONNECT, r->t->pid, 0, NULL, "cannot send StopTracing: %s",
			  strerror(errno));
		close(r->stop_fd);
		r->stop_fd = -1;
	}
}

/* StopTracing's reply has come (or the connection closed). */
static void read_stop_reply(struct run *r)
{
	struct conn_reply rep;

	if (conn_read_reply(r->stop_fd, &rep, conn_now_ms() + REPLY_TIMEOUT_MS) < 0)
		rec_error(0, AGENT_ERR_PROTOCOL, r->t->pid, 0, NULL, "no answer to StopTracing: %s",
			  strerror(errno));
	else if (!rep.r.ok)
		rec_error(0, AGENT_ERR_RUNTIME, r->t->pid, rep.r.hresult, NULL,
			  "the runtime refused StopTracing");
	else
		r->stopped = 1;
	close(r->stop_fd);
	r->stop_fd = -1;
}

/* Copy a chunk of the stream to stdout (while it is there) and into the hash. */
static void pass_on(struct run *r, const unsigned char *buf, size_t n)
{
	size_t off = 0;
	ssize_t w;

	if (r->first_byte_ms < 0)
		r->first_byte_ms = conn_now_ms() - r->o->start_ms;
	spool_write(&r->spool, buf, n); /* whether or not the reader is there */
	while (r->stdout_ok && off < n) {
		w = write(1, buf + off, n - off);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				struct pollfd p = { .fd = 1, .events = POLLOUT };
				int again = errno == EAGAIN;

				if (sig_count > 0)
					request_stop(r, "signal");
				if (again) /* a non-blocking stdout from our parent */
					(void)poll(&p, 1, 1000);
				continue;
			}
			r->stdout_ok = 0; /* EPIPE: the reader is gone; the session must still stop */
			r->reader_gone = 1;
			request_stop(r, "stdout-closed");
			break;
		}
		digest_update(&r->sha, buf + off, (size_t)w);
		r->bytes += (uint64_t)w;
		off += (size_t)w;
	}
}

/* Read what the stream has; note its end. */
static void read_stream(struct run *r)
{
	static unsigned char buf[CHUNK];
	ssize_t n = read(r->stream, buf, sizeof(buf));

	if (n > 0) {
		pass_on(r, buf, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	r->ended = 1;
	r->eof = n == 0;
	if (!r->stopping)
		r->reason = r->eof ? "ended" : "error";
}

/*
 * Drain the signal pipe: the first signal stops the session, a second one abandons the drain. A
 * first signal while a "stop" line or the duration is already stopping it (the plugin's fallback
 * for a server that passes nothing on stdin) lets the drain go on.
 */
static int on_signals(struct run *r)
{
	char c[16];

	while (read(sig_pipe[0], c, sizeof(c)) > 0)
		;
	if (!r->stopping)
		request_stop(r, "signal");
	return sig_count > 1;
}

/*
 * Lines on stdin: "stop" stops the session; "ok" (after the trailer) acknowledges the stream. Any
 * other line is ignored. Returns 1 for "stop", 2 for "ok", 0 for anything else or no full line yet,
 * -1 at the end of stdin.
 */
static int read_stdin_line(struct run *r)
{
	char c;
	ssize_t n;

	for (;;) {
		n = read(0, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return -1;
		if (c != '\n') {
			if (r->line_len < sizeof(r->line) - 1)
				r->line[r->line_len++] = c;
			continue;
		}
		r->line[r->line_len] = '\0';
		r->line_len = 0;
		return !strcmp(r->line, "stop") ? 1 : !strcmp(r->line, "ok") ? 2 : 0;
	}
}

static void on_stdin(struct run *r)
{
	int w = read_stdin_line(r);

	if (w == 1) {
		r->said_stop = 1;
		request_stop(r, "stop");
		return;
	}
	if (w >= 0)
		return;
	r->watch_stdin = 0;
	if (!r->said_stop)
		r->reader_gone = 1;
	request_stop(r, "stdin-eof");
}

/* The poll loop, until the stream ends, the drain times out or a second signal. */
static void loop(struct run *r)
{
	struct pollfd p[5];
	int64_t deadline, now;
	int np, timeout, abandon = 0;

	while (!r->ended && !abandon) {
		np = 0;
		p[np++] = (struct pollfd){ .fd = r->stream, .events = POLLIN };
		p[np++] = (struct pollfd){ .fd = sig_pipe[0], .events = POLLIN };
		p[np++] = (struct pollfd){ .fd = r->stop_fd, .events = POLLIN };
		p[np++] = (struct pollfd){ .fd = r->watch_stdin && !r->stopping ? 0 : -1, .events = POLLIN };
		/* events 0: poll still reports POLLERR/POLLHUP, which is all we want to know */
		p[np++] = (struct pollfd){ .fd = r->stdout_ok ? 1 : -1, .events = 0 };
		now = conn_now_ms();
		deadline = r->stopping ? r->stop_deadline :
			   r->o->duration_ms > 0 ? r->session_start_ms + r->o->duration_ms : -1;
		timeout = deadline < 0 ? -1 : deadline <= now ? 0 : (int)(deadline - now);
		if (poll(p, (nfds_t)np, timeout) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			abandon = on_signals(r);
		if (p[0].revents)
			read_stream(r);
		if (p[2].revents && r->stop_fd >= 0)
			read_stop_reply(r);
		if (p[3].revents && r->watch_stdin)
			on_stdin(r);
		if (p[4].revents & (POLLERR | POLLHUP)) {
			r->stdout_ok = 0;
			r->reader_gone = 1;
			request_stop(r, "stdout-closed");
		}
		now = conn_now_ms();
		if (!r->stopping && deadline >= 0 && now >= deadline)
			request_stop(r, "duration");
		else if (r->stopping && now >= r->stop_deadline)
			break;
	}
}

/* The trailer: what went to stdout, and whether the session ended properly. */
static void report(const struct run *r, const char *sha)
{
	rec_begin(stderr, AGENT_REC_TRACE_END);
	rec_u64(stderr, "bytes", r->bytes);
	rec_str(stderr, "sha256", sha);
	rec_u64(stderr, "complete", (unsigned)(r->eof && r->stopping && r->stopped));
	rec_str(stderr, "reason", r->reason != NULL ? r->reason : "error");
	rec_u64(stderr, "stopped", (unsigned)r->stopped);
	rec_str(stderr, "stdout", r->stdout_ok ? "ok" : "closed");
	rec_i64(stderr, "elapsed_ms", conn_now_ms() - r->session_start_ms);
	rec_i64(stderr, "first_byte_ms", r->first_byte_ms);
	if (r->spool.state != SPOOL_NONE) {
		rec_str(stderr, "spool", spool_word(&r->spool));
		rec_u64(stderr, "spool_bytes", r->spool.bytes);
	}
	(void)rec_end(stderr);
}

/* With a spool, after the trailer: wait for the reader's "ok" (1), or the end of stdin or the
 * timeout (0). */
static int wait_ok(struct run *r)
{
	int64_t until = conn_now_ms() + r->o->ack_timeout_ms, now;
	struct pollfd p = { .fd = 0, .events = POLLIN };
	int w;

	(void)fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
	while ((now = conn_now_ms()) < until) {
		if (poll(&p, 1, (int)(until - now)) < 0) {
			if (errno == EINTR && sig_count < 2)
				continue;
			return 0;
		}
		while ((w = read_stdin_line(r)) > 0)
			if (w == 2)
				return 1;
		if (w < 0)
			return 0;
	}
	return 0;
}

/*
 * The spool's fate: removed when the reader has the stream (its "ok"; without a watched stdin, a
 * stdout that took every byte), else kept, complete or not, for `kubectl dotnetprof fetch`.
 */
static void spool_end(struct run *r)
{
	if (r->spool.state != SPOOL_ACTIVE)
		return;
	if (!r->reader_gone && r->stdout_ok &&
	    (r->o->watch_stdin ? r->watch_stdin && wait_ok(r) : 1)) {
		spool_remove(&r->spool);
		return;
	}
	spool_keep(&r->spool);
	rec_begin(stderr, AGENT_REC_SPOOL);
	rec_str(stderr, "kept", r->spool.path);
	rec_u64(stderr, "bytes", r->spool.bytes);
	(void)rec_end(stderr);
}

int trace_run(const struct dnproc *t, const struct trace_opts *o)
{
	static struct conn_reply rep;
	struct run r;
	char sha[DIGEST_HEX_MAX];
	int st;

	memset(&r, 0, sizeof(r));
	r.t = t;
	r.o = o;
	r.stream = r.stop_fd = -1;
	r.stdout_ok = 1;
	r.watch_stdin = o->watch_stdin;
	r.first_byte_ms = -1;
	digest_init(&r.sha, DIGEST_SHA256);
	if (o->spool_path && spool_open(&r.spool, o->spool_path, o->spool_max) < 0)
		rec_error(0, AGENT_ERR_IO, t->pid, 0, NULL, "cannot create the spool %s: %s (tracing without it)",
			  o->spool_path, strerror(errno));
	if ((st = start_session(&r, &rep)) != AGENT_EX_OK) {
		spool_remove(&r.spool);
		return st;
	}
	r.session_start_ms = conn_now_ms();
	if (sig_count > 0) /* a signal while the session was being set up */
		request_stop(&r, "signal");
	loop(&r);
	if (r.stop_fd >= 0)
		read_stop_reply(&r);
	close(r.stream);
	if (digest_final(&r.sha, sha, sizeof(sha)) < 0)
		sha[0] = '\0';
	report(&r, sha);
	spool_end(&r);
	if (r.eof && r.stopping && r.stopped)
		return r.stdout_ok ? AGENT_EX_OK :
				     rec_error(AGENT_EX_FAIL, AGENT_ERR_IO, t->pid, 0, NULL,
					       "stdout was closed: the trace was stopped and dropped");
	if (!r.stopping)
		return rec_error(AGENT_EX_INCOMPLETE, AGENT_ERR_INCOMPLETE, t->pid, 0, NULL,
				 "the runtime ended the session before it was stopped");
	return rec_error(AGENT_EX_INCOMPLETE, AGENT_ERR_INCOMPLETE, t->pid, 0,
			 "a larger --drain-timeout gives the rundown more time",
			 "the trace stream did not end after StopTracing%s",
			 r.ended ? "" : " (gave up waiting)");
}
