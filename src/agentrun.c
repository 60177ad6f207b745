/*
 * agentrun.c - dotnetprof-agent run in the pod through one `kubectl exec`: stdout to the caller's
 * sink as it comes, the agent's records read from stderr, Ctrl-C turned into the end of the exec's
 * stdin (the agent then stops its session cleanly). The contract is include/agentrun.h.
 */
#include "agentrun.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentcli.h"
#include "diag.h"
#include "diagrun.h"
#include "exitcodes.h"
#include "growarr.h"
#include "interrupt.h"
#include "kube.h"
#include "log.h"
#include "podexec.h"
#include "podscripts.h"
#include "proc.h"
#include "progress.h"
#include "strvec.h"
#include "tailbuf.h"
#include "target.h"
#include "workspace.h"

#define MARK "dotnetprof-agentrun\t"
#define MARK_LEN (sizeof(MARK) - 1)
#define KEXIT "command terminated with exit code "
#define KEXIT_LEN (sizeof(KEXIT) - 1)

#define GRACE_DEFAULT_S 60
#define STOP_FALLBACK_MS 3000   /* after closing stdin, before SIGINT through a second exec */
#define KILL_WAIT_MS 2000       /* after SIGTERM to kubectl, before SIGKILL */
#define TICK_MS 250
#define CHUNK 65536
#define LINE_MAX_BYTES 16384    /* a longer stderr line is cut (records are far shorter) */
#define OUT_MAX (1u << 20)      /* stdout kept without a sink */
#define PROBE_TIMEOUT_MS 60000  /* the probe takes well under a second */

/* ---- the line handler ------------------------------------------------------------------------- */

static int is_record_type(const char *line)
{
	static const char *const types[] = { AGENT_REC_PROC, AGENT_REC_TRACE_START,
					     AGENT_REC_TRACE_END, AGENT_REC_DUMP, AGENT_REC_AGENT,
					     AGENT_REC_ERROR, AGENT_REC_SPOOL };
	size_t i, n;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		n = strlen(types[i]);
		if (!strncmp(line, types[i], n) && line[n] == '\t')
			return 1;
	}
	return 0;
}

/* A record: keep the last trace-end and the last error; say trace-start at -v. */
static enum agentrun_line take_record(char *line, struct agentrun_result *r)
{
	struct agentrec rec;
	struct agentrec_trailer t;

	if (agentrec_parse(line, strlen(line), &rec) < 0) {
		agentrec_release(&rec);
		return AGENTRUN_LINE_TEXT;
	}
	if (!strcmp(rec.type, AGENT_REC_TRACE_END) && agentrec_trailer(&rec, &t) == 0) {
		agentrec_release(&r->trailer_rec);
		r->trailer_rec = rec;
		r->trailer = t;
		r->have_trailer = 1;
		return AGENTRUN_LINE_RECORD;
	}
	if (!strcmp(rec.type, AGENT_REC_ERROR)) {
		agentrec_release(&r->error);
		r->error = rec;
		r->have_error = 1;
		return AGENTRUN_LINE_RECORD;
	}
	if (!strcmp(rec.type, AGENT_REC_SPOOL) && agentrec_get(&rec, "kept")) {
		strlcpy(r->spool_kept, agentrec_get(&rec, "kept"), sizeof(r->spool_kept));
		r->spool_kept_bytes = strtoull(agentrec_get(&rec, "bytes") ? agentrec_get(&rec, "bytes")
									 : "0", NULL, 10);
	}
	if (!strcmp(rec.type, AGENT_REC_TRACE_START))
		log_verbose("agent: session %s of process %s started with %s: %s",
			    agentrec_get(&rec, "session") ? agentrec_get(&rec, "session") : "?",
			    agentrec_get(&rec, "pid") ? agentrec_get(&rec, "pid") : "?",
			    agentrec_get(&rec, "command") ? agentrec_get(&rec, "command") : "?",
			    agentrec_get(&rec, "providers") ? agentrec_get(&rec, "providers") : "?");
	agentrec_release(&rec);
	return AGENTRUN_LINE_RECORD;
}

enum agentrun_line agentrun_take_line(char *line, struct agentrun_result *r, int *status,
				      char *fail, size_t failsize, char *fail_what, size_t whatsize)
{
	char *f[4];
	const char *errstr;
	long long n;
	int nf;

	if (!strncmp(line, MARK, MARK_LEN)) {
		nf = workspace_split(line + MARK_LEN, f, 4);
		if (nf >= 2 && !strcmp(f[0], "start")) {
			n = strtonum(f[1], 1, 1LL << 30, &errstr);
			r->pid = errstr ? 0 : (long)n;
			r->started = 1;
			return AGENTRUN_LINE_START;
		}
		if (nf >= 2 && !strcmp(f[0], "fail")) {
			strlcpy(fail, f[1], failsize);
			strlcpy(fail_what, nf >= 3 ? f[2] : "", whatsize);
			return AGENTRUN_LINE_FAIL;
		}
		return AGENTRUN_LINE_TEXT;
	}
	if (!strncmp(line, KEXIT, KEXIT_LEN)) {
		n = strtonum(line + KEXIT_LEN, 0, 255, &errstr);
		if (!errstr) {
			*status = (int)n;
			return AGENTRUN_LINE_STATUS;
		}
		return AGENTRUN_LINE_TEXT;
	}
	if (is_record_type(line))
		return take_record(line, r);
	return AGENTRUN_LINE_TEXT;
}

/* ---- one run ---------------------------------------------------------------------------------- */

struct agentrun {
	struct kube *k;
	const struct target_pod *pod;
	const struct agentrun_opts *o;
	struct agentrun_opts opts;   /* the caller's, copied: they need not outlive the start */
	struct agentrun_result *r;   /* = own, until agentrun_wait hands it over */
	struct agentrun_result *own;
	struct kube_child c;
	agentrun_sink sink;        /* o->sink, or agentrun_go's */
	void *sink_arg;
	const char *sha256;        /* o->sha256, or agentrun_go's */
	const char *ws;            /* o->ws, or the probe's (agentrun_go: for the SIGINT fallback) */
	int probing;               /* stdout is still the probe's text */
	int probe_oom;
	char *probe;
	size_t probe_len, probe_alloc;
	char *line;                /* the stderr line being assembled */
	size_t line_len;
	int line_cut;              /* the line got longer than LINE_MAX_BYTES */
	size_t tail_len;
	int remote_status;         /* from kubectl's "command terminated" line; -1 none */
	char fail[512], fail_what[32];
	size_t out_alloc;
	int stage;                 /* 0 running, 1 stdin closed, 2 SIGINT sent, 3 kubectl told, 4 killed */
	int signals;               /* signals acted on (interrupt.h) */
	long long t0, deadline, kill_at;
};

/* Keep the last AGENTRUN_ERR_TAIL - 1 bytes of the lines that are not ours. */
static void tail_add(struct agentrun *x, const char *s, size_t n)
{
	tailbuf_add(x->r->err_tail, sizeof(x->r->err_tail), &x->tail_len, s, n);
}

static void end_line(struct agentrun *x)
{
	enum agentrun_line kind;

	x->line[x->line_len] = '\0';
	kind = x->line_cut ? AGENTRUN_LINE_TEXT :
	       agentrun_take_line(x->line, x->r, &x->remote_status, x->fail, sizeof(x->fail),
				  x->fail_what, sizeof(x->fail_what));
	if (kind == AGENTRUN_LINE_TEXT && x->line_len) {
		x->line[x->line_len] = '\n';
		tail_add(x, x->line, x->line_len + 1);
		if (x->r->started && !x->o->quiet) {
			fwrite(x->line, 1, x->line_len + 1, log_stream());
			fflush(log_stream());
		}
	}
	x->line_len = 0;
	x->line_cut = 0;
}

static void take_err(struct agentrun *x, const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			end_line(x);
			continue;
		}
		if (x->line_len < LINE_MAX_BYTES)
			x->line[x->line_len++] = buf[i];
		else
			x->line_cut = 1;
	}
}

/* Append to a growing NUL-terminated buffer. 0, or -1 when out of memory (nothing appended). */
static int append(char **buf, size_t *len, size_t *alloc, const char *data, size_t n)
{
	char *nb = growarr(*buf, alloc, *len + n + 1, 1, 8192);

	if (!nb)
		return -1;
	*buf = nb;
	memcpy(nb + *len, data, n);
	*len += n;
	nb[*len] = '\0';
	return 0;
}

/* stdout without a sink: kept, up to OUT_MAX bytes. */
static void keep_out(struct agentrun *x, const char *buf, size_t n)
{
	struct agentrun_result *r = x->r;

	if (r->out_len + n > OUT_MAX)
		n = OUT_MAX - r->out_len;
	if (n)
		append(&r->out, &r->out_len, &x->out_alloc, buf, n);
}

static void close_stdin(struct agentrun *x)
{
	if (x->c.p.in_fd >= 0) {
		close(x->c.p.in_fd);
		x->c.p.in_fd = -1;
	}
}

/* A line to the agent's stdin (its "stop" or "ok"). 0, or -1 when stdin is gone. */
static int tell_agent(struct agentrun *x, const char *line)
{
	size_t n = strlen(line);

	return x->c.p.in_fd >= 0 && write(x->c.p.in_fd, line, n) == (ssize_t)n ? 0 : -1;
}

/* With a copy in the pod: the trailer and all its bytes are here and the caller says they are
 * right: "ok" lets the agent remove its copy. */
static void maybe_ack(struct agentrun *x)
{
	struct agentrun_result *r = x->r;

	if (!x->o->spool_run || !x->o->ack || r->acked || !r->have_trailer || r->sink_errno ||
	    r->out_bytes != r->trailer.bytes || !x->o->ack(x->sink_arg, &r->trailer))
		return;
	r->acked = 1;
	if (tell_agent(x, "ok\n") < 0)
		log_verbose("could not tell the agent in pod \"%s\" that the trace arrived: its copy "
			    "stays", x->pod->name);
	close_stdin(x);
}

/* The probe's text (probe_first, before agentrun_go): kept whole; it is small (probe.h). */
static void take_probe(struct agentrun *x, const char *buf, size_t n)
{
	if (append(&x->probe, &x->probe_len, &x->probe_alloc, buf, n) < 0)
		x->probe_oom = 1;
}

static void take_out(struct agentrun *x, const char *buf, size_t n)
{
	struct agentrun_result *r = x->r;

	if (x->probing) {
		take_probe(x, buf, n);
		return;
	}
	if (!r->out_bytes)
		r->first_byte_seconds = (double)(progress_now_ms() - x->t0) / 1000.0;
	r->out_bytes += n;
	if (!x->sink) {
		keep_out(x, buf, n);
		return;
	}
	if (r->sink_errno)
		return; /* stopping: the rest is read and dropped */
	if (x->sink(x->sink_arg, buf, n) < 0) {
		r->sink_errno = errno ? errno : EIO;
		close_stdin(x); /* the agent stops the session; what still comes is dropped */
	}
}

/* Read what one pipe has; closes it at EOF. */
static void pump(struct agentrun *x, int *fd, int is_err)
{
	static char buf[CHUNK];
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		if (is_err && x->line_len)
			end_line(x);
		return;
	}
	if (is_err)
		take_err(x, buf, (size_t)n);
	else
		take_out(x, buf, (size_t)n);
	maybe_ack(x);
}

/* SIGINT to the agent through a second exec (a server that did not pass the end of stdin on). */
static void signal_agent(struct agentrun *x)
{
	const struct agentrun_opts *o = x->o;
	char pid[24];
	const char *const args[] = { x->ws, o->name, x->sha256, "signal", pid, "INT", NULL };
	struct proc p;

	if (x->r->pid <= 0 || !x->ws)
		return;
	snprintf(pid, sizeof(pid), "%ld", x->r->pid);
	proc_init(&p, NULL);
	if (podexec_script(x->k, x->pod, agentrun_sh, args, &p) == 0)
		log_verbose("SIGINT to the agent (pid %ld) in pod \"%s\": %s", x->r->pid, x->pod->name,
			    p.out_buf && *p.out_buf ? p.out_buf : "no answer");
	proc_release(&p);
}

/* Ctrl-C: the end of stdin, then SIGINT, then (second Ctrl-C, or the grace over) kubectl. */
static void interrupt_step(struct agentrun *x)
{
	long long t = progress_now_ms();
	int n, grace;

	while (interrupt_pending()) { /* each one acted on: the execs that stop the agent go on */
		interrupt_handled();
		x->signals++;
	}
	n = x->signals;

	grace = x->o->grace_seconds > 0 ? x->o->grace_seconds : GRACE_DEFAULT_S;
	if (x->stage == 0 && n >= 1) {
		x->stage = 1;
		x->r->interrupted = 1;
		x->deadline = t + STOP_FALLBACK_MS;
		x->kill_at = t + grace * 1000LL;
		if (x->o->stdin_pipe) {
			log_info("interrupted: stopping the %s; the runtime sends the method names last "
				 "(up to %d s; Ctrl-C again to give up at once)", x->o->what, grace);
			if (tell_agent(x, "stop\n") < 0) /* "stop", not the end of stdin: we are here */
				close_stdin(x);
		} else {
			log_info("interrupted: the runtime is still writing the %s and cannot be stopped; "
				 "waiting (Ctrl-C again to give up)", x->o->what);
		}
		return;
	}
	if (x->stage == 1 && x->o->stdin_pipe && !x->r->have_trailer && t >= x->deadline) {
		x->stage = 2;
		signal_agent(x);
		return;
	}
	if ((x->stage == 1 || x->stage == 2) && (n >= 2 || t >= x->kill_at)) {
		log_warn("giving up on the %s: the local kubectl is stopped", x->o->what);
		x->stage = 3;
		x->r->abandoned = 1;
		x->deadline = t + KILL_WAIT_MS;
		kill(x->c.p.pid, SIGTERM);
		return;
	}
	if (x->stage == 3 && t >= x->deadline) {
		kill(x->c.p.pid, SIGKILL);
		x->stage = 4;
	}
}

static int start(struct agentrun *x)
{
	const struct agentrun_opts *o = x->o;
	char pid[24], max[24];
	const char *fixed[] = { o->ws, o->name, o->sha256, "run", NULL };
	const char *spool[] = { o->ws, o->name, o->sha256, "spool", o->spool_run, o->spool_file, max,
				NULL };
	struct strvec args = STRVEC_INIT;
	int ret = -DPX_ERROR, in = o->stdin_pipe || o->probe_first;

	snprintf(pid, sizeof(pid), "%ld", o->pid);
	snprintf(max, sizeof(max), "%llu", o->spool_max);
	if ((o->probe_first ? strvec_push(&args, o->name) :
			      strvec_pushv(&args, o->spool_run ? spool : fixed)) < 0 ||
	    strvec_push(&args, o->args[0]) < 0 ||
	    (!o->probe_first && o->pid > 0 &&
	     (strvec_push(&args, "--pid") < 0 || strvec_push(&args, pid) < 0)) ||
	    strvec_pushv(&args, o->args + 1) < 0) {
		log_error("cannot run the agent: out of memory");
		goto out;
	}
	x->c.p.in = in ? PROC_IO_PIPE : PROC_IO_NULL;
	x->c.p.out = PROC_IO_PIPE;
	x->c.p.err = PROC_IO_PIPE;
	x->c.p.new_pgroup = 1; /* the terminal's Ctrl-C is ours to turn into a clean stop */
	ret = podexec_start(x->k, x->pod, in ? PODEXEC_STDIN : 0,
			    o->probe_first ? agentgo_sh : agentrun_sh, strvec_argv(&args), &x->c);
out:
	strvec_clear(&args);
	return ret;
}

/* The exec ended before the agent ran, with `status`: podexec_failed on what kubectl said. */
static int exec_failed(struct agentrun *x, int status)
{
	struct proc tmp;

	proc_init(&tmp, NULL);
	tmp.status = status;
	tmp.err_buf = x->r->err_tail;
	tmp.err_len = x->tail_len;
	return podexec_failed(x->k, x->pod, &tmp);
}

/* kubectl has exited: did the agent run (0, r->status set), or what failed (-DPX_*, printed)? */
static int verdict(struct agentrun *x)
{
	struct agentrun_result *r = x->r;
	char what[512], words[512];
	int rc;

	snprintf(what, sizeof(what), "cannot run the agent in container \"%s\" of pod \"%s\" "
		 "(namespace \"%s\")", x->pod->container, x->pod->name, x->pod->namespace);
	if (x->fail[0]) {
		log_error("%s: %s", what, x->fail);
		if (!strcmp(x->fail_what, "hash") || !strcmp(x->fail_what, "missing"))
			log_hint("`kubectl dotnetprof clean %s` removes the workspace; the next run "
				 "pushes the agent again", x->pod->name);
		return -DPX_ERROR;
	}
	if (r->started) {
		if (x->stage >= 3 && x->remote_status < 0)
			r->status = -1;
		else
			r->status = x->remote_status >= 0 ? x->remote_status : x->c.p.status;
		return 0;
	}
	if (x->stage >= 3) {
		log_error("%s: %s before it started", what, interrupt_what());
		return interrupt_status();
	}
	if ((rc = exec_failed(x, x->c.p.status)) < 0)
		return rc;
	diag_last_line(r->err_tail, words, sizeof(words));
	log_error("%s: its script ended with status %d%s%s", what, x->c.p.status, words[0] ? ": " : "",
		  words);
	return -DPX_ERROR;
}

/* Wait for both pipes (up to TICK_MS) and read what came. */
static void step(struct agentrun *x)
{
	struct pollfd pfd[2] = { { x->c.p.out_fd, POLLIN, 0 }, { x->c.p.err_fd, POLLIN, 0 } };

	if (poll(pfd, 2, TICK_MS) > 0) {
		if (pfd[0].fd >= 0 && pfd[0].revents)
			pump(x, &x->c.p.out_fd, 0);
		if (pfd[1].fd >= 0 && pfd[1].revents)
			pump(x, &x->c.p.err_fd, 1);
	}
}

static void run_free(struct agentrun *x)
{
	if (!x)
		return;
	if (x->c.started)
		kube_child_finish(&x->c);
	free(x->line);
	free(x->probe);
	free(x);
}

int agentrun_start(struct kube *k, const struct target_pod *pod, const struct agentrun_opts *o,
		   struct agentrun **out)
{
	struct agentrun *x;
	int ret;

	*out = NULL;
	if (interrupt_pending()) {
		log_error("%s: the %s did not start", interrupt_what(), o->what);
		return interrupt_status();
	}
	if (!(x = calloc(1, sizeof(*x))) || !(x->line = malloc(LINE_MAX_BYTES + 2)) ||
	    !(x->own = calloc(1, sizeof(*x->own)))) {
		if (x) {
			free(x->line);
			free(x);
		}
		log_error("cannot run the agent: out of memory");
		return -DPX_ERROR;
	}
	x->k = k;
	x->pod = pod;
	x->opts = *o;
	x->o = &x->opts;
	x->r = x->own;
	x->r->status = -1;
	x->r->first_byte_seconds = -1;
	x->remote_status = -1;
	x->t0 = progress_now_ms();
	x->probing = o->probe_first;
	x->sink = o->sink;
	x->sink_arg = o->sink_arg;
	x->sha256 = o->sha256;
	x->ws = o->ws;
	kube_child_init(&x->c);
	if ((ret = start(x)) < 0) {
		free(x->own);
		run_free(x);
		return ret;
	}
	*out = x;
	return 0;
}

/* The probe's text ends with its "end" line. */
static int probe_ended(const struct agentrun *x)
{
	return x->probe_len >= 4 && !memcmp(x->probe + x->probe_len - 4, "end\n", 4) &&
	       (x->probe_len == 4 || x->probe[x->probe_len - 5] == '\n');
}

int agentrun_probe(struct agentrun *x, const char **text, size_t *len, int *status)
{
	int rc;

	long long until = progress_now_ms() + PROBE_TIMEOUT_MS;

	*status = -1;
	while (!probe_ended(x) && x->c.p.out_fd >= 0) {
		if (interrupt_pending()) {
			log_error("%s during the probe", interrupt_what());
			return interrupt_status();
		}
		if (x->probe_oom || progress_now_ms() > until) {
			log_error("the probe in pod \"%s\" %s", x->pod->name,
				  x->probe_oom ? "said more than this program has memory for" :
						 "did not finish within 60 s");
			return -DPX_ERROR;
		}
		step(x);
	}
	x->probing = 0;
	*text = x->probe ? x->probe : "";
	*len = x->probe_len;
	if (probe_ended(x)) {
		*status = 0; /* the script goes on: it waits for agentrun_go */
		return 0;
	}
	/* the exec ended first: it failed, or the script did */
	while (x->c.p.err_fd >= 0)
		step(x);
	*status = kube_child_finish(&x->c);
	rc = exec_failed(x, *status);
	return rc < 0 ? rc : 0;
}

void agentrun_set_pod(struct agentrun *x, const struct target_pod *pod)
{
	x->pod = pod;
}

void agentrun_set_spool(struct agentrun *x, const char *run, const char *file, unsigned long long max,
			int (*ack)(void *sink_arg, const struct agentrec_trailer *t))
{
	x->opts.spool_run = run;
	x->opts.spool_file = file;
	x->opts.spool_max = max;
	x->opts.ack = ack;
}

int agentrun_go(struct agentrun *x, long pid, const char *ws, const char *sha256, agentrun_sink sink,
		void *sink_arg)
{
	char line[512];
	int n = x->o->spool_run ? snprintf(line, sizeof(line), "go %ld %s %s %s %llu\n", pid, sha256,
					   x->o->spool_run, x->o->spool_file, x->o->spool_max)
				: snprintf(line, sizeof(line), "go %ld %s\n", pid, sha256);

	x->sink = sink;
	x->sink_arg = sink_arg;
	x->sha256 = sha256;
	x->ws = ws;
	if (n < 0 || (size_t)n >= sizeof(line) || x->c.p.in_fd < 0 ||
	    write(x->c.p.in_fd, line, (size_t)n) != n) {
		log_error("cannot start the agent in pod \"%s\": the exec ended", x->pod->name);
		return -DPX_ERROR;
	}
	if (!x->o->stdin_pipe)
		close_stdin(x);
	return 0;
}

int agentrun_wait(struct agentrun *x, struct agentrun_result *r)
{
	int ret;

	while (x->c.p.out_fd >= 0 || x->c.p.err_fd >= 0) {
		step(x);
		interrupt_step(x);
	}
	kube_child_finish(&x->c);
	x->r->seconds = (double)(progress_now_ms() - x->t0) / 1000.0;
	ret = verdict(x);
	*r = *x->r;
	free(x->own);
	x->own = NULL;
	run_free(x);
	return ret;
}

void agentrun_abort(struct agentrun *x)
{
	long long until;

	if (!x)
		return;
	if (x->c.started) {
		if (x->c.p.in_fd >= 0 && x->o->probe_first)
			(void)!write(x->c.p.in_fd, "stop\n", 5);
		close_stdin(x);
		until = progress_now_ms() + 5000;
		while ((x->c.p.out_fd >= 0 || x->c.p.err_fd >= 0) && progress_now_ms() < until)
			step(x);
		if (x->c.p.out_fd >= 0 || x->c.p.err_fd >= 0)
			kill(x->c.p.pid, SIGTERM);
	}
	if (x->own)
		agentrun_result_release(x->own);
	free(x->own);
	run_free(x);
}

int agentrun_run(struct kube *k, const struct target_pod *pod, const struct agentrun_opts *o,
		 struct agentrun_result *r)
{
	struct agentrun *x;
	int ret;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	r->first_byte_seconds = -1;
	if ((ret = agentrun_start(k, pod, o, &x)) < 0)
		return ret;
	return agentrun_wait(x, r);
}

void agentrun_result_release(struct agentrun_result *r)
{
	agentrec_release(&r->trailer_rec);
	agentrec_release(&r->error);
	free(r->out);
	r->out = NULL;
	r->out_len = 0;
	r->have_trailer = r->have_error = 0;
}

/* ---- words for a failure ---------------------------------------------------------------------- */

static int exit_class(const struct agentrun_result *r)
{
	const char *code = r->have_error ? agentrec_get(&r->error, "code") : NULL;

	switch (r->status) {
	case AGENT_EX_USAGE:
		return DPX_USAGE;
	case AGENT_EX_NOTFOUND:
		return code && !strcmp(code, AGENT_ERR_NO_PROCESS) ? DPX_NOTFOUND : DPX_NODOTNET;
	case AGENT_EX_PERMISSION:
		return DPX_FORBIDDEN;
	default:
		return DPX_ERROR;
	}
}

int agentrun_explain(const struct target_pod *pod, const char *what, const struct agentrun_result *r)
{
	const char *msg = r->have_error ? agentrec_get(&r->error, "message") : NULL;
	const char *hint = r->have_error ? agentrec_get(&r->error, "hint") : NULL;
	const char *hres = r->have_error ? agentrec_get(&r->error, "hresult_name") : NULL;
	char words[512];

	if (msg) {
		log_error("the %s failed in pod \"%s\": %s%s%s%s", what, pod->name, msg,
			  hres ? " (" : "", hres ? hres : "", hres ? ")" : "");
	} else {
		diag_last_line(r->err_tail, words, sizeof(words));
		if (r->status > 128 && r->status < 160)
			log_error("the %s failed in pod \"%s\": the agent was killed by signal %d%s%s",
				  what, pod->name, r->status - 128, words[0] ? ": " : "", words);
		else
			log_error("the %s failed in pod \"%s\": the agent exited with status %d%s%s",
				  what, pod->name, r->status, words[0] ? ": " : "", words);
	}
	if (r->status == AGENT_EX_USAGE && !strcmp(what, "trace"))
		log_hint("--profile, --providers and --clrevents take what dotnet-trace takes: "
			 "`kubectl dotnetprof trace --help`");
	else if (r->status == AGENT_EX_USAGE)
		log_hint("the agent refused the arguments the plugin gave it (a bug: please report "
			 "it with the -v output); --engine tools uses Microsoft's tools instead");
	else if (hint)
		log_hint("%s", hint);
	else
		log_hint("run with -v to see the commands; --engine tools uses Microsoft's tools instead");
	return -exit_class(r);
}
