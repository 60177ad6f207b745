/*
 * diagrun.c - a diagnostics tool run in the pod through one `kubectl exec`: its output streamed or
 * captured, Ctrl-C turned into a SIGINT for the remote tool (through a second exec), and the run's
 * directory removed afterwards. The contract is include/diagrun.h.
 */
#include "diagrun.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitcodes.h"
#include "interrupt.h"
#include "kube.h"
#include "log.h"
#include "podexec.h"
#include "podscripts.h"
#include "proc.h"
#include "sanitize.h"
#include "strvec.h"
#include "tailbuf.h"
#include "target.h"
#include "workspace.h"

#define MARK "dotnetprof-diagrun\t"
#define MARK_LEN (sizeof(MARK) - 1)
#define KEXIT "command terminated with exit code "
#define KEXIT_LEN (sizeof(KEXIT) - 1)
#define KEXIT_DIGITS 10

#define GRACE_DEFAULT_S 30
#define TERM_WAIT_MS 5000     /* after SIGTERM, before the local kubectl is killed */
#define KILL_WAIT_MS 2000     /* after SIGTERM to kubectl, before SIGKILL */
#define RETRY_MS 1000         /* a signal that found no tool yet is tried again */
#define TICK_MS 250           /* the flag is polled at least this often */
#define IDLE_MS (15 * 60000)  /* nothing from the tool or kubectl for this long: hung */
#define CHUNK 65536

/* ---- the stderr filter ------------------------------------------------------------------------ */

void diagrun_errfilter_init(struct diagrun_errfilter *f)
{
	memset(f, 0, sizeof(*f));
	f->holding = 1;
	f->remote_status = -1;
}

/* May the held bytes still become a marker line? Sets f->ours for a record of ours. */
static int may_be_marker(struct diagrun_errfilter *f)
{
	const char *h = f->held;
	size_t n = f->held_len, i;

	if (n <= MARK_LEN && !memcmp(h, MARK, n))
		return 1;
	if (!memcmp(h, MARK, MARK_LEN)) {
		f->ours = 1;
		return 1;
	}
	if (n <= KEXIT_LEN)
		return !memcmp(h, KEXIT, n);
	if (memcmp(h, KEXIT, KEXIT_LEN) || n > KEXIT_LEN + KEXIT_DIGITS)
		return 0;
	for (i = KEXIT_LEN; i < n; i++)
		if (h[i] < '0' || h[i] > '9')
			return 0;
	return 1;
}

/*
 * A complete held line (no newline, NUL-terminated), at offset `o` of the output: 1 when it was a
 * marker (consumed).
 */
static int take_marker(struct diagrun_errfilter *f, size_t o)
{
	char *fields[3];
	int nf;

	if (f->ours) {
		nf = workspace_split(f->held + MARK_LEN, fields, 3);
		if (nf == 1 && !strcmp(fields[0], "start") && !f->started) {
			f->started = 1;
			f->start_off = o;
		}
		else if (nf >= 2 && !strcmp(fields[0], "fail"))
			strlcpy(f->fail, fields[1], sizeof(f->fail));
		return 1;
	}
	if (f->held_len > KEXIT_LEN && may_be_marker(f)) {
		f->remote_status = 0;
		for (size_t i = KEXIT_LEN; i < f->held_len; i++)
			f->remote_status = f->remote_status * 10 + (f->held[i] - '0');
		if (f->remote_status > 255)
			f->remote_status = 255;
		return 1;
	}
	return 0;
}

size_t diagrun_errfilter_feed(struct diagrun_errfilter *f, const char *in, size_t n, char *out)
{
	size_t o = 0, i;

	for (i = 0; i < n; i++) {
		char c = in[i];

		if (!f->holding) {
			out[o++] = c;
			f->holding = c == '\n';
			continue;
		}
		if (c == '\n') {
			f->held[f->held_len] = '\0';
			if (!take_marker(f, o)) {
				memcpy(out + o, f->held, f->held_len);
				o += f->held_len;
				out[o++] = '\n';
			}
			f->held_len = 0;
			f->ours = 0;
			continue;
		}
		/* Only a record of ours gets long (and is truncated): a marker fails within ~45 bytes. */
		if (f->held_len < sizeof(f->held) - 1)
			f->held[f->held_len++] = c;
		if (!f->ours && !may_be_marker(f)) {
			memcpy(out + o, f->held, f->held_len);
			o += f->held_len;
			f->held_len = 0;
			f->holding = 0;
		}
	}
	return o;
}

size_t diagrun_errfilter_end(struct diagrun_errfilter *f, char *out)
{
	size_t o = 0;

	if (f->holding && !f->ours) {
		memcpy(out, f->held, f->held_len);
		o = f->held_len;
	}
	f->held_len = 0;
	f->ours = 0;
	f->holding = 1;
	return o;
}

/* ---- one run ---------------------------------------------------------------------------------- */

enum kill_state { KS_SENT, KS_GONE, KS_NOPID, KS_FOREIGN, KS_FAILED, KS_REFUSED, KS_EXEC };

struct run {
	struct kube *k;
	const struct target_pod *pod;
	const struct workspace *ws;
	const struct diagrun_opts *o;
	struct diagrun_result *r;
	struct kube_child c;    /* the kubectl exec running the tool */
	struct diagrun_errfilter ef;
	struct san_stream err_san; /* the tool's stderr on our stderr: printable text only */
	struct san_stream out_san; /* its stdout, when that is shown (our stderr, or a terminal) */
	int out_filter;
	size_t tail_len;
	int out_fd;             /* where the tool's stdout goes; -1 dropped */
	int show_err;           /* the tool's stderr is shown */
	int shown_start;        /* what came before "start" (kubectl's warnings) was shown */
	size_t out_alloc;
	int out_oom;
	int stage;              /* 0 running, 1 INT sent, 2 TERM sent, 3 kubectl told, 4 killed */
	const char *pending;    /* a signal that found no tool yet */
	long long deadline, retry_at;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Keep the last DIAGRUN_ERR_TAIL - 1 bytes of what was shown of stderr. */
static void tail_add(struct run *x, const char *buf, size_t n)
{
	tailbuf_add(x->r->err_tail, sizeof(x->r->err_tail), &x->tail_len, buf, n);
}

/* write(2) all of it; a reader that went away (EPIPE) drops the rest of the output. */
static void write_all(int *fd, const char *buf, size_t n)
{
	while (*fd >= 0 && n > 0) {
		ssize_t w = write(*fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			*fd = -1;
			return;
		}
		buf += w;
		n -= (size_t)w;
	}
}

/*
 * The tool's stderr on ours, through the stream filter (sanitize.h): it is pod text (the tool prints
 * paths and names it got from the pod), so escape sequences and control characters are removed.
 */
static void display(struct run *x, const char *buf, size_t n)
{
	static char clean[CHUNK + SAN_STREAM_SLACK];
	size_t step;

	for (; x->show_err && n; buf += step, n -= step) {
		step = n < CHUNK ? n : CHUNK;
		fwrite(clean, 1, san_stream_feed(&x->err_san, buf, step, clean), log_stream());
		fflush(log_stream());
	}
}

/*
 * What the filter let through. Until the script says "start", stderr can only be kubectl's (or the
 * script's failure): it is kept for the verdict, and shown only once the tool has started, so that
 * a failed exec is reported once, by kube_fail.
 */
static void show_err(struct run *x, const char *buf, size_t n)
{
	if (x->ef.started && !x->shown_start) {
		tail_add(x, buf, x->ef.start_off);
		display(x, x->r->err_tail, x->tail_len);
		x->shown_start = 1;
		buf += x->ef.start_off;
		n -= x->ef.start_off;
	}
	tail_add(x, buf, n);
	if (x->shown_start)
		display(x, buf, n);
}

static void take_out(struct run *x, const char *buf, size_t n)
{
	struct diagrun_result *r = x->r;
	size_t keep = n;

	if (x->o->io != DIAGRUN_CAPTURE) {
		static char clean[CHUNK + SAN_STREAM_SLACK];

		/* progress (on our stderr) and a terminal get printable text only; a file or a pipe
		   on stdout gets the bytes as they are */
		if (x->out_filter)
			write_all(&x->out_fd, clean, san_stream_feed(&x->out_san, buf, n, clean));
		else
			write_all(&x->out_fd, buf, n);
		return;
	}
	if (x->out_oom || r->out_len >= PROC_OUT_MAX_DEFAULT)
		return;
	if (keep > PROC_OUT_MAX_DEFAULT - r->out_len)
		keep = PROC_OUT_MAX_DEFAULT - r->out_len;
	if (r->out_len + keep + 1 > x->out_alloc) {
		size_t na = x->out_alloc ? x->out_alloc : 65536;
		char *nb;

		while (na < r->out_len + keep + 1)
			na *= 2;
		nb = realloc(r->out, na);
		if (!nb) {
			x->out_oom = 1;
			return;
		}
		r->out = nb;
		x->out_alloc = na;
	}
	memcpy(r->out + r->out_len, buf, keep);
	r->out_len += keep;
	r->out[r->out_len] = '\0';
}

/* Read what one pipe has; closes it at EOF. */
static void pump(struct run *x, int *fd, int is_err)
{
	static char buf[CHUNK], shown[CHUNK + DIAGRUN_FILTER_SLACK];
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		if (is_err)
			show_err(x, shown, diagrun_errfilter_end(&x->ef, shown));
		return;
	}
	if (is_err)
		show_err(x, shown, diagrun_errfilter_feed(&x->ef, buf, (size_t)n, shown));
	else
		take_out(x, buf, (size_t)n);
}

/* KS_EXEC: the exec itself failed, reported, with *rc its -DPX_* (rc may be NULL). */
static enum kill_state signal_tool(struct kube *k, const struct target_pod *pod,
				   const struct workspace *ws, const char *name, const char *sig,
				   int *rc)
{
	static const char *const states[] = { "sent", "gone", "nopid", "foreign", "failed",
					      "refused" };
	const char *args[] = { ws->path, ws->runid, name, sig, NULL };
	char *cur, *line, *f[3];
	enum kill_state st = KS_EXEC;
	struct proc p;
	size_t i;
	int ret;

	proc_init(&p, NULL);
	if ((ret = podexec_script(k, pod, diagkill_sh, args, &p)) < 0)
		goto out;
	st = KS_FAILED;
	cur = p.out_buf;
	while ((line = workspace_next_line(&cur)))
		if (workspace_split(line, f, 3) == 3 && !strcmp(f[0], "kill"))
			for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
				if (!strcmp(f[1], states[i]))
					st = (enum kill_state)i;
	log_verbose("SIG%s to %s in pod \"%s\": %s", sig, name, pod->name,
		    st == KS_EXEC || st > KS_REFUSED ? "?" : states[st]);
out:
	if (rc)
		*rc = ret;
	proc_release(&p);
	return st;
}

int diagrun_signal(struct kube *k, const struct target_pod *pod, const struct workspace *ws,
		   const char *name, const char *sig)
{
	int rc = -DPX_ERROR;

	switch (signal_tool(k, pod, ws, name, sig, &rc)) {
	case KS_SENT:
	case KS_GONE:
	case KS_NOPID:
	case KS_FOREIGN:
		return 0;
	case KS_FAILED:
	case KS_REFUSED:
		log_error("cannot send SIG%s to %s in pod \"%s\": the workspace %s refused it or kill "
			  "failed", sig, name, pod->name, ws->path);
		return -DPX_ERROR;
	case KS_EXEC:
		break;
	}
	return rc;
}

/* Send `sig` now, or keep it pending when the tool is not there yet. */
static void forward(struct run *x, const char *sig)
{
	enum kill_state st = signal_tool(x->k, x->pod, x->ws, x->o->name, sig, NULL);

	x->pending = st == KS_NOPID || st == KS_FOREIGN || st == KS_EXEC ? sig : NULL;
	x->retry_at = now_ms() + RETRY_MS;
}

/*
 * Ctrl-C (or SIGTERM, SIGHUP): INT to the tool, then TERM (another signal, or the grace is over),
 * then the local kubectl. Each signal acted on is handled (interrupt.h), so the execs that forward
 * it and the copy after a graceful stop go on.
 */
static void interrupt_step(struct run *x)
{
	int sig = interrupt_pending();
	long long t = now_ms();
	int grace = x->o->grace_seconds > 0 ? x->o->grace_seconds : GRACE_DEFAULT_S;

	if (sig)
		interrupt_handled();
	switch (x->stage) {
	case 0:
		if (!sig)
			return;
		x->stage = 1;
		x->r->interrupted = 1;
		x->deadline = t + grace * 1000LL;
		log_info("interrupted: stopping %s, which finishes its output first (up to %d s; "
			 "Ctrl-C again to stop it at once)", x->o->name, grace);
		forward(x, "INT");
		return;
	case 1:
	case 2:
		if (sig || t >= x->deadline) {
			x->stage++;
			x->r->interrupted = x->stage;
			if (x->stage == 2) {
				log_info("stopping %s with SIGTERM", x->o->name);
				x->deadline = t + TERM_WAIT_MS;
				forward(x, "TERM");
			} else {
				log_warn("%s did not stop: giving up on it (the end of the run kills it)",
					 x->o->name);
				x->pending = NULL;
				x->deadline = t + KILL_WAIT_MS;
				kill(x->c.p.pid, SIGTERM);
			}
			return;
		}
		if (x->pending && t >= x->retry_at)
			forward(x, x->pending);
		return;
	case 3:
		if (t >= x->deadline) {
			kill(x->c.p.pid, SIGKILL);
			x->stage = 4;
		}
		return;
	default:
		return;
	}
}

static int poll_wait(const struct run *x)
{
	long long left;

	if (x->stage == 0 || x->stage >= 4)
		return TICK_MS;
	left = (x->pending ? x->retry_at : x->deadline) - now_ms();
	return left < 0 ? 0 : left > TICK_MS ? TICK_MS : (int)left;
}

static int start(struct run *x)
{
	const struct diagrun_opts *o = x->o;
	char aline[8192] = "-";
	const char *fixed[] = { x->ws->path, x->ws->runid, o->name, o->dotnet_root ? o->dotnet_root : "",
				o->tmpdir ? o->tmpdir : "", aline, o->tool_path, NULL };
	struct strvec args = STRVEC_INIT;
	int tty = o->io == DIAGRUN_TTY, ret = -DPX_ERROR;

	if (o->artifact && workspace_manifest_line(x->ws->runid, "artifact", o->artifact, 0, aline,
						   sizeof(aline)) < 0) {
		log_error("cannot run %s: \"%s\" is not a path in the workspace", o->name, o->artifact);
		goto out;
	}
	if (strvec_pushv(&args, fixed) < 0 || strvec_pushv(&args, o->args) < 0) {
		log_error("cannot run %s: out of memory", o->name);
		goto out;
	}
	x->c.p.in = tty ? PROC_IO_INHERIT : PROC_IO_NULL;
	x->c.p.out = tty ? PROC_IO_INHERIT : PROC_IO_PIPE;
	x->c.p.err = PROC_IO_PIPE;
	/* Without a tty kubectl stays out of the terminal's way: its SIGINT is ours to forward. */
	x->c.p.new_pgroup = !tty;
	ret = podexec_start(x->k, x->pod, tty ? PODEXEC_STDIN | PODEXEC_TTY : 0, diagrun_sh,
			    strvec_argv(&args), &x->c);
out:
	strvec_clear(&args);
	return ret;
}

/* kubectl has exited: did the tool run (0, r->status set), or what failed (-DPX_*, printed)? */
static int verdict(struct run *x)
{
	struct diagrun_result *r = x->r;
	struct proc tmp;
	char what[512], why[512];
	int tty = x->o->io == DIAGRUN_TTY;

	snprintf(what, sizeof(what), "cannot run %s in container \"%s\" of pod \"%s\" (namespace \"%s\")",
		 x->o->name, x->pod->container, x->pod->name, x->pod->namespace);
	if (x->ef.fail[0]) {
		log_error("%s: %s", what, x->ef.fail);
		return -DPX_ERROR;
	}
	if (x->out_oom) {
		log_error("%s: out of memory for its output", what);
		return -DPX_ERROR;
	}
	if (x->ef.started || (tty && (x->c.p.status == 0 || x->ef.remote_status >= 0) &&
			      kube_classify(r->err_tail, why, sizeof(why), NULL, 0, NULL, 0) != KERR_NOSHELL)) {
		if (tty)
			display(x, r->err_tail, x->tail_len); /* kubectl's own words */
		if (x->stage >= 3)
			r->status = -1;
		else if (x->ef.remote_status >= 0)
			r->status = x->ef.remote_status;
		else
			r->status = x->c.p.status; /* kubectl passes the remote status through */
		return 0;
	}
	if (x->stage >= 3) {
		log_error("%s: %s before it started", what, interrupt_what());
		return interrupt_status();
	}
	proc_init(&tmp, NULL);
	tmp.status = x->c.p.status;
	tmp.err_buf = r->err_tail;
	tmp.err_len = x->tail_len;
	return kube_fail(x->k, &tmp, what);
}

int diagrun_run(struct kube *k, const struct target_pod *pod, const struct workspace *ws,
		const struct diagrun_opts *o, struct diagrun_result *r)
{
	struct sigaction ign, old_int;
	struct run x;
	long long t0 = now_ms(), last;
	int ret = -1, tty = o->io == DIAGRUN_TTY;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	memset(&x, 0, sizeof(x));
	x.k = k;
	x.pod = pod;
	x.ws = ws;
	x.o = o;
	x.r = r;
	x.out_fd = o->io == DIAGRUN_STREAM ? o->stdout_fd : -1;
	x.show_err = o->io != DIAGRUN_CAPTURE && !o->quiet;
	diagrun_errfilter_init(&x.ef);
	san_stream_init(&x.err_san);
	san_stream_init(&x.out_san);
	x.out_filter = x.out_fd == 2 || (x.out_fd >= 0 && isatty(x.out_fd));
	kube_child_init(&x.c);
	if (interrupt_pending()) {
		log_error("%s: %s not started", interrupt_what(), o->name);
		return interrupt_status();
	}
	if (tty && !isatty(0)) {
		log_error("cannot run %s on a terminal: the standard input is not a terminal", o->name);
		return -DPX_USAGE;
	}
	if (x.out_fd == 1)
		fflush(stdout); /* what the caller printf'd comes before the tool's output */
	if ((ret = start(&x)) < 0)
		goto out;
	if (tty) {
		/* The terminal's Ctrl-C is a byte for the pod's tty now (kubectl puts it in raw mode). */
		memset(&ign, 0, sizeof(ign));
		ign.sa_handler = SIG_IGN;
		sigemptyset(&ign.sa_mask);
		sigaction(SIGINT, &ign, &old_int);
	}
	last = now_ms();
	while (x.c.p.out_fd >= 0 || x.c.p.err_fd >= 0) {
		struct pollfd pfd[2] = { { x.c.p.out_fd, POLLIN, 0 }, { x.c.p.err_fd, POLLIN, 0 } };

		if (poll(pfd, 2, poll_wait(&x)) > 0) {
			last = now_ms();
			if (pfd[0].fd >= 0 && pfd[0].revents)
				pump(&x, &x.c.p.out_fd, 0);
			if (pfd[1].fd >= 0 && pfd[1].revents)
				pump(&x, &x.c.p.err_fd, 1);
		} else if (x.stage < 3 && now_ms() - last > IDLE_MS) {
			/* kubectl or the tool hangs: stop waiting (the run's end kills the tool) */
			log_warn("%s and kubectl were silent for %d min: giving up on them", o->name,
				 IDLE_MS / 60000);
			x.stage = 3;
			x.deadline = now_ms() + KILL_WAIT_MS;
			kill(x.c.p.pid, SIGTERM);
		}
		interrupt_step(&x);
	}
	kube_child_finish(&x.c);
	if (tty)
		sigaction(SIGINT, &old_int, NULL);
	r->seconds = (double)(now_ms() - t0) / 1000.0;
	if (log_get_level() >= LOG_DEBUG)
		log_debug("the run took %.1f s", r->seconds);
	ret = verdict(&x);
out:
	return ret;
}

void diagrun_result_release(struct diagrun_result *r)
{
	free(r->out);
	r->out = NULL;
	r->out_len = 0;
}

/* ---- the end of a run ------------------------------------------------------------------------- */

int diagrun_finish(struct kube *k, const struct target_pod *pod, const struct workspace *ws,
		   const char *const *keep, int collected, int *kept)
{
	struct strvec args = STRVEC_INIT;
	char *cur, *line, *f[3];
	struct proc p;
	int ok = 0, failed = 0;

	proc_init(&p, NULL);
	if (kept)
		*kept = 0;
	if (strvec_push(&args, ws->path) < 0 || strvec_push(&args, ws->runid) < 0 ||
	    strvec_push(&args, collected ? "1" : "0") < 0 ||
	    strvec_pushv(&args, keep) < 0) {
		log_error("cannot clean up after the run: out of memory");
		goto out;
	}
	if (podexec_script(k, pod, diagfinish_sh, strvec_argv(&args), &p) < 0)
		goto out;
	cur = p.out_buf;
	while ((line = workspace_next_line(&cur))) {
		int n = workspace_split(line, f, 3);

		if (n >= 2 && !strcmp(f[0], "done"))
			ok = !strcmp(f[1], "ok");
		else if (n >= 2 && !strcmp(f[0], "k"))
			log_verbose("%s of this run was still running in pod \"%s\" (pid %s): killed",
				    ws->runid, pod->name, f[1]);
		else if (n >= 3 && !strcmp(f[0], "r") && strcmp(f[2], "kept"))
			failed = 1;
		else if (n >= 3 && !strcmp(f[0], "r") && kept)
			(*kept)++;
	}
	if (p.status != 0 || failed)
		ok = 0;
out:
	if (!ok)
		log_warn("could not remove this run's files (%s/runs/%s) from pod \"%s\"; "
			 "`kubectl dotnetprof clean %s -n %s` removes them", ws->path, ws->runid,
			 pod->name, pod->name, pod->namespace);
	strvec_clear(&args);
	proc_release(&p);
	return ok ? 0 : -1;
}
