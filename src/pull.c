/*
 * pull.c - the pull engine: one exec that says what the file is, streams it and hashes it (or a
 * stat exec beside stream execs), stream exec(s)
 * resumed from the bytes already written, local decoding (base64, gzip -dc child), verification,
 * and the NAME.part -> NAME rename. See pull.h for the rules.
 */
#include "pull.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcodes.h"
#include "fetchcmd.h"
#include "gunzip.h"
#include "interrupt.h"
#include "kube.h"
#include "localout.h"
#include "log.h"
#include "podexec.h"
#include "podscripts.h"
#include "probe.h"
#include "progress.h"
#include "pullstream.h"
#include "quote.h"
#include "rexec.h"
#include "strvec.h"
#include "target.h"

#define STAT_OUT_MAX 65536
/* Hash commands in order of preference, as the stat script tries them. */
#define PULL_HASHES "sha256sum md5sum cksum"

/* ---- the pull ------------------------------------------------------------------------------- */

struct pull {
	struct kube *k;
	const struct target_pod *pod;
	const struct pull_opts *o;
	char *shown;                 /* the remote path, quoted for messages */
	struct localout lo;
	struct digest d;             /* over lo's bytes: d.len == lo.size */
	struct pull_stat st;
	struct rexec stat_x;         /* the stat exec, running while the stream copies (not folded) */
	struct pull_stat cur;        /* folded: what the current exec has reported so far */
	char errline[1024];          /* folded: the stderr line being read */
	size_t errline_len;
	char stat_buf[STAT_OUT_MAX];
	size_t stat_len;
	enum digest_kind hash;
	int gzip;
	enum pull_seek seek;
	struct progress prog;
	int planned;                 /* plan() ran on the stat's "ready" */
	int overlap;                 /* this attempt's raw stream started before the plan */
	int folded;                  /* the stat records and the hash come with the stream (pull.sh both) */
	int gzip_pending;            /* gzip would pay if the raw stream proves slow: timing it */
	long long probe_ms;          /* when the timing began (the first byte after the plan), or 0 */
	uint64_t probe_size;         /* lo.size then */
	unsigned resumes;
	int part_kept;               /* NAME.part stays, and a hint gave the fetch command for it */
	int created;                 /* NAME.part was made by this pull (an empty one goes at the end) */
	long long t0;                /* when the pull began (ms) */
	struct pull_stream *early;   /* the first stream exec, started before the pod was resolved */
	struct pull_stream_args early_a;
	struct pull_stream_sink early_sink;
	char early_why[512];
	unsigned char buf[PULL_BUF_SIZE];    /* reading NAME.part back */
};

/*
 * The exact command that continues this copy, as a hint: "FIRST NAME.part is kept: continue the copy
 * with: kubectl dotnetprof fetch POD PATH -o LOCAL --resume -n NS -c CONTAINER" (an empty part is
 * removed at the end: then the command that copies it again, without --resume).
 */
static void resume_hint(struct pull *pl, const char *first)
{
	char *line = fetchcmd_line(pl->pod, pl->o->remote_path, pl->o->local_path,
				   pl->lo.size ? FETCHCMD_RESUME : FETCHCMD_NEW);

	if (pl->lo.size)
		log_hint("%s%s is kept: continue the copy with: %s", first, pl->lo.part,
			 line ? line : "(no memory)");
	else
		log_hint("%scopy it again with: %s", first, line ? line : "(no memory)");
	free(line);
	pl->part_kept = 1;
}

/* Read the stat exec's stdout until `want_end` says so (ready or end) or EOF. 0 or -DPX_*. */
static int stat_read(struct pull *pl, int want_end)
{
	char err[256];
	struct pollfd pfd[2];
	/* never hang: a silent stat exec is given up after PULL_IDLE_MS, plus 1 s per 10 MB to hash */
	long long limit = PULL_IDLE_MS + (want_end ? (long long)(pl->st.size / 10000000u) * 1000 : 0);
	long long last = progress_now_ms();

	for (;;) {
		ssize_t r;
		int n;

		if (pull_stat_parse(pl->stat_buf, pl->stat_len, &pl->st, err, sizeof(err)) < 0) {
			log_error("cannot read the stat script's report from pod \"%s\": %s", pl->pod->name,
				  err);
			return -DPX_ERROR;
		}
		if (pl->st.error || pl->st.end || (!want_end && pl->st.ready) ||
		    pl->stat_x.c.p.out_fd < 0)
			return 0;
		if (interrupt_pending())
			return interrupt_status();
		pfd[0].fd = pl->stat_x.c.p.out_fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = pl->stat_x.c.p.err_fd;
		pfd[1].events = POLLIN;
		n = poll(pfd, 2, 250);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_error("cannot read the stat exec of pod \"%s\": %s", pl->pod->name,
				  strerror(errno));
			return -DPX_TRANSFER;
		}
		if (n == 0) {
			if (progress_now_ms() - last < limit)
				continue;
			/* (the idle limit counts whole seconds of silence) */
			progress_end(&pl->prog);
			log_error("the stat exec in pod \"%s\" sent nothing for %lld s: giving up",
				  pl->pod->name, limit / 1000);
			return -DPX_TRANSFER;
		}
		last = progress_now_ms();
		if (pfd[1].revents)
			rexec_drain_err(&pl->stat_x);
		if (!pfd[0].revents)
			continue;
		if (pl->stat_len >= sizeof(pl->stat_buf) - 1) {
			log_error("the stat script in pod \"%s\" printed too much", pl->pod->name);
			return -DPX_ERROR;
		}
		r = read(pl->stat_x.c.p.out_fd, pl->stat_buf + pl->stat_len,
			 sizeof(pl->stat_buf) - 1 - pl->stat_len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			close(pl->stat_x.c.p.out_fd);
			pl->stat_x.c.p.out_fd = -1;
			continue;
		}
		pl->stat_len += (size_t)r;
	}
}

/* Start the stat exec without reading it. 0 or -DPX_* (reported). */
static int stat_start(struct pull *pl, int sample)
{
	const char *args[] = { "stat", pl->o->remote_path, sample ? "1" : "0", PULL_HASHES, "0", "+1",
			       "cat", "raw", NULL };

	pl->stat_len = 0;
	memset(&pl->st, 0, sizeof(pl->st));
	return rexec_start(pl->k, pl->pod, pull_sh, args, &pl->stat_x);
}

/* The stat exec ended before "ready": say why. Returns -DPX_*. */
static int stat_failed(struct pull *pl)
{
	int status = rexec_finish(&pl->stat_x, 0);

	if (status != 0 && !strstr(pl->stat_x.err, "command terminated with exit code"))
		return rexec_fail(pl->k, &pl->stat_x, pl->pod);
	log_error("the stat script failed in pod \"%s\" (exit status %d)", pl->pod->name, status);
	log_hint("run with -vv to see what it printed");
	return -DPX_ERROR;
}

/* Start the stat exec and read it up to "ready" (or an error). 0 or -DPX_* (reported). */
static int stat_begin(struct pull *pl, int sample)
{
	int ret;

	if ((ret = stat_start(pl, sample)) < 0)
		return ret;
	if ((ret = stat_read(pl, 0)) < 0) {
		rexec_finish(&pl->stat_x, 1);
		return ret;
	}
	if (pl->st.ready || pl->st.error)
		return 0;
	return stat_failed(pl);
}

/* Read the rest of the stat exec (hash, size2, end) and reap it. 0 even when it was cut. */
static int stat_end(struct pull *pl)
{
	int ret;

	if (!pl->stat_x.c.started)
		return 0;
	ret = stat_read(pl, 1);
	rexec_finish(&pl->stat_x, ret < 0);
	return ret;
}

/* The stat said the file cannot be fetched: why. Returns -DPX_*. */
static int report_stat_error(struct pull *pl)
{
	const char *where = pl->pod->name, *ctr = pl->pod->container;

	switch (pl->st.error) {
	case PULL_STAT_NOENT:
		log_error("cannot fetch %s from container \"%s\" of pod \"%s\": no such file", pl->shown, ctr,
			  where);
		log_hint("check the path: kubectl exec %s -c %s -- ls -l PATH", where, ctr);
		return -DPX_NOTFOUND;
	case PULL_STAT_ISDIR:
		log_error("cannot fetch %s from pod \"%s\": it is a directory (fetch copies one file)",
			  pl->shown, where);
		break;
	case PULL_STAT_NOTREG:
		log_error("cannot fetch %s from pod \"%s\": not a regular file (a fifo, socket or device)",
			  pl->shown, where);
		break;
	case PULL_STAT_NOPERM:
		log_error("cannot fetch %s from pod \"%s\": permission denied (the exec user cannot read it)",
			  pl->shown, where);
		break;
	case PULL_STAT_OK:
		break;
	}
	return -DPX_ERROR;
}

/* Bytes decoded: hash them and append to the part. 0 or -DPX_* (local write error, reported). */
static int sink(struct pull *pl, const unsigned char *buf, size_t n)
{
	if (!n)
		return 0;
	if (localout_write(&pl->lo, buf, n) < 0) {
		int e = errno;

		progress_end(&pl->prog);
		log_error("cannot write %s: %s", pl->lo.part, strerror(e));
		if (e != ENOSPC && e != EDQUOT)
			return -DPX_ERROR;
		resume_hint(pl, "free some space here (or give -o another disk); ");
		return -DPX_NOSPACE;
	}
	digest_update(&pl->d, buf, n);
	progress_update(&pl->prog, pl->lo.size);
	return 0;
}

static int plan(struct pull *pl);

/*
 * A raw stream whose plan said gzip would pay if the link is slow: time it from the first byte
 * after the plan. 1 when it proved slow (switch to gzip now); 0 while timing or when it is fast
 * (then it stays raw, and says why with -v).
 */
static int gzip_probe(struct pull *pl, long long now)
{
	int slow;

	if (!pl->probe_ms) {
		pl->probe_ms = now;
		pl->probe_size = pl->lo.size;
		return 0;
	}
	slow = pull_gzip_link_slow(pl->lo.size - pl->probe_size, now - pl->probe_ms);
	if (slow < 0)
		return 0;
	pl->gzip_pending = 0;
	log_verbose("raw stream: %.0f MB/s over %lld ms: %s",
		    (double)(pl->lo.size - pl->probe_size) / 1000.0 / (double)(now - pl->probe_ms),
		    now - pl->probe_ms, slow ? "the link is slow, switching to gzip"
					     : "faster than gzip -1 compresses in a pod, staying raw");
	pl->gzip = slow;
	return slow;
}

/* Stream callbacks (pullstream.h): bytes go to the part; a slow raw link switches to gzip. */
/*
 * Bytes past the size the pod announced: a cat or gzip that does not stop (replaced, or a gzip bomb)
 * or a file that grows while it is copied. Nothing beyond the size is written. Returns -DPX_TRANSFER.
 */
static int too_much(struct pull *pl)
{
	progress_end(&pl->prog);
	log_error("cannot fetch %s from pod \"%s\": the pod sent more than the %" PRIu64 " bytes it "
		  "announced; the copy stopped there", pl->shown, pl->pod->name, pl->st.size);
	log_hint("a file that grows while it is copied, or a cat or gzip in the container that does "
		 "not stop; %s holds the first %" PRIu64 " bytes", pl->lo.part, pl->lo.size);
	resume_hint(pl, "");
	return -DPX_TRANSFER;
}

static int on_data(void *ctx, const unsigned char *buf, size_t n, long long now)
{
	struct pull *pl = ctx;
	int ret;

	/* the pod says what the file is before its first byte: data far past that is not the file */
	if (!pl->planned && pl->lo.size + n > PULL_UNPLANNED_MAX) {
		progress_end(&pl->prog);
		log_error("cannot fetch %s from pod \"%s\": %" PRIu64 " bytes came before the pod said "
			  "what the file is", pl->shown, pl->pod->name, pl->lo.size + n);
		return -DPX_TRANSFER;
	}
	if (pl->planned && pl->lo.size + n > pl->st.size) {
		if ((ret = sink(pl, buf, (size_t)(pl->st.size - pl->lo.size))) < 0)
			return ret;
		return too_much(pl);
	}
	if ((ret = sink(pl, buf, n)) < 0)
		return ret;
	if (pl->planned && pl->lo.size == pl->st.size)
		localout_flush(&pl->lo); /* while kubectl ends and the pod's hash comes */
	return pl->gzip_pending && gzip_probe(pl, now) ? 1 : 0;
}

/*
 * The folded exec's stderr (mode "both"): its stat records, read as they come. The first report's
 * "ready" (or error) makes the plan; a later exec's report (a resume) replaces it once it has said
 * as much. Anything else there (kubectl's words) is only kept for messages.
 */
static int on_err(void *ctx, const char *buf, size_t n)
{
	struct pull *pl = ctx;
	char err[256];
	size_t i;
	int was_gzip = pl->gzip, ret;

	for (i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (pl->errline_len < sizeof(pl->errline))
				pl->errline[pl->errline_len++] = buf[i];
			continue;
		}
		if (pl->errline_len < sizeof(pl->errline) &&
		    pull_stat_is_record(pl->errline, pl->errline_len) &&
		    pl->stat_len + pl->errline_len + 1 < sizeof(pl->stat_buf)) {
			size_t before = pl->stat_len;

			memcpy(pl->stat_buf + pl->stat_len, pl->errline, pl->errline_len);
			pl->stat_len += pl->errline_len;
			pl->stat_buf[pl->stat_len++] = '\n';
			/*
			 * A record kubectl's own words ran into (the connection was cut mid-line) is
			 * dropped: a missing hash is asked for again, a missing "ready" ends the
			 * exec without a report.
			 */
			if (pull_stat_parse(pl->stat_buf, pl->stat_len, &pl->cur, err, sizeof(err)) < 0) {
				log_verbose("ignored a garbled record from pod \"%s\": %s", pl->pod->name,
					    err);
				pl->stat_len = before;
			}
		}
		pl->errline_len = 0;
	}
	if (pull_stat_parse(pl->stat_buf, pl->stat_len, &pl->cur, err, sizeof(err)) < 0) {
		log_error("cannot read the pull's report from pod \"%s\": %s", pl->pod->name, err);
		return -DPX_ERROR;
	}
	if (!pl->cur.ready && !pl->cur.error)
		return 0;
	pl->st = pl->cur;
	if (pl->planned)
		return 0;
	if ((ret = plan(pl)) < 0)
		return ret;
	return pl->gzip && !was_gzip ? 1 : 0; /* gzip pays: stop the raw stream, resume compressed */
}

/*
 * One stream exec from lo.size on; folded (the stat records and the hash in the same exec) unless
 * a stat exec runs beside it. *rc: the -DPX_* of a PULL_STREAM_FATAL end.
 */
static void stream_args(const struct pull *pl, struct pull_stream_args *a,
			struct pull_stream_sink *sink)
{
	const struct pull_stream_args args = { pl->o->remote_path, pl->lo.size, pl->seek,
					       pl->o->encoding, pl->gzip, pl->folded, !pl->planned &&
					       pl->o->compress == PULL_COMP_AUTO, PULL_HASHES };
	const struct pull_stream_sink to = { (void *)pl, on_data, pl->folded ? on_err : NULL };

	*a = args;
	*sink = to;
}

static enum pull_stream_end stream_once(struct pull *pl, char *why, size_t whysize, int *rc)
{
	struct pull_stream_args a;
	struct pull_stream_sink sink;
	struct pull_stream *s;
	enum pull_stream_end e;

	if (pl->folded) { /* a new report (the stat exec's, when not folded, is still being read) */
		pl->stat_len = pl->errline_len = 0;
		memset(&pl->cur, 0, sizeof(pl->cur));
	}
	if (pl->early) { /* the first exec already runs (pull_begin): read it */
		s = pl->early;
		pl->early = NULL;
		e = pull_stream_wait(s, pl->k, pl->pod, rc);
		strlcpy(why, pl->early_why, whysize);
		return e;
	}
	stream_args(pl, &a, &sink);
	return pull_stream_run(pl->k, pl->pod, &a, &sink, why, whysize, rc);
}

static void backoff(unsigned attempt)
{
	static const int ms[] = { 200, 500, 1000, 2000, 4000 };
	int t = ms[attempt < 5 ? attempt : 4];

	poll(NULL, 0, t);
}

/* Bring the running digest up to the bytes already in the part (resume): read them back. */
static int digest_existing(struct pull *pl)
{
	uint64_t off = 0;

	digest_init(&pl->d, pl->hash);
	while (off < pl->lo.size) {
		size_t want = pl->lo.size - off < sizeof(pl->buf) ? (size_t)(pl->lo.size - off)
							   : sizeof(pl->buf);
		ssize_t r = pread(pl->lo.fd, pl->buf, want, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			log_error("cannot read %s back: %s", pl->lo.part, r < 0 ? strerror(errno) : "short file");
			return -DPX_ERROR;
		}
		digest_update(&pl->d, pl->buf, (size_t)r);
		off += (uint64_t)r;
	}
	return 0;
}

static int restart_from_zero(struct pull *pl)
{
	if (localout_truncate(&pl->lo, 0) < 0) {
		log_error("cannot truncate %s: %s", pl->lo.part, strerror(errno));
		return -DPX_ERROR;
	}
	digest_init(&pl->d, pl->hash);
	return 0;
}

/* Copy from lo.size to the end, resuming as needed. 0 when the stream delivered `size` bytes. */
static int copy_all(struct pull *pl)
{
	unsigned no_progress = 0;
	char why[512];
	int rc;

	if (pl->lo.size == pl->st.size && pl->lo.size > 0)
		return 0; /* a resumed part that is already complete: only verify it */
	for (;;) {
		uint64_t before = pl->lo.size;
		enum pull_stream_end e;

		if (interrupt_pending())
			return interrupt_status();
		if (pl->lo.size > 0 && !pull_stream_reader(pl->lo.size, pl->seek)) {
			log_verbose("the pod has neither tail nor dd: starting over from byte 0");
			if ((rc = restart_from_zero(pl)) < 0)
				return rc;
			before = 0;
		}
		e = stream_once(pl, why, sizeof(why), &rc);
		if (e == PULL_STREAM_FATAL)
			return rc;
		if (e == PULL_STREAM_STOPPED)
			snprintf(why, sizeof(why), "switching to gzip");
		if (!pl->planned) {
			/* the exec ended without saying what the file is */
			log_error("cannot fetch %s from pod \"%s\": the pod's pull script ended without "
				  "a report", pl->shown, pl->pod->name);
			log_hint("run with -vv to see what it printed");
			return -DPX_ERROR;
		}
		if (e == PULL_STREAM_DONE && pl->lo.size >= pl->st.size)
			return 0;
		if (e == PULL_STREAM_DONE)
			snprintf(why, sizeof(why), "the stream ended at byte %" PRIu64 " of %" PRIu64,
				 pl->lo.size, pl->st.size);
		if (pl->lo.size > pl->st.size)
			return 0; /* grew: verification says so */
		no_progress = pl->lo.size > before ? 0 : no_progress + 1;
		if (no_progress > PULL_MAX_RETRIES) {
			progress_end(&pl->prog);
			log_error("cannot fetch %s from pod \"%s\": %s; gave up after %d retries without "
				  "progress at byte %" PRIu64 " of %" PRIu64, pl->shown, pl->pod->name, why,
				  PULL_MAX_RETRIES, pl->lo.size, pl->st.size);
			resume_hint(pl, "");
			return -DPX_TRANSFER;
		}
		progress_end(&pl->prog);
		log_verbose("stream interrupted (%s): resuming at byte %" PRIu64 " of %" PRIu64
			    " (resume %u; %u in a row without progress)", why, pl->lo.size, pl->st.size,
			    pl->resumes + 1, no_progress);
		if (e != PULL_STREAM_STOPPED) {
			backoff(no_progress);
			pl->resumes++; /* a switch to gzip is a plan, not a failure: not "resumed" */
		}
	}
}

/*
 * The stat's "ready" (or error) came: choose hash, seek and gzip. 0, or -DPX_* (reported; the stat
 * exec is finished).
 */
static int plan(struct pull *pl)
{
	if (pl->st.error) {
		stat_end(pl);
		return report_stat_error(pl);
	}
	if (!pl->st.have_size) {
		stat_end(pl);
		log_error("cannot fetch %s from pod \"%s\": the pod did not report its size", pl->shown,
			  pl->pod->name);
		return -DPX_ERROR;
	}
	pl->hash = probe_best_hash(pl->st.cmds);
	pl->seek = pull_choose_seek(pl->st.cmds);
	/* this machine's gzip is looked for only when gzip would be used (it costs a process) */
	pl->gzip = pull_choose_gzip(&pl->st, pl->o->compress, 1) && gunzip_available();
	if (pl->gzip && pl->overlap && pl->o->compress == PULL_COMP_AUTO && pl->seek != PULL_SEEK_NONE) {
		/* the raw stream is running: switch only if it proves slower than gzip would be */
		pl->gzip = 0;
		pl->gzip_pending = 1;
		pl->probe_ms = 0;
	}
	if (pl->o->compress == PULL_COMP_GZIP && !pl->gzip)
		log_info("gzip not used: %s", pl->st.cmds & PCMD_GZIP ? "no gzip on this machine"
								     : "the pod has no gzip");
	if (pl->o->encoding == PULL_ENC_BASE64 && !(pl->st.cmds & PCMD_BASE64)) {
		stat_end(pl);
		log_error("cannot fetch %s with --encoding base64: the pod has no base64 command", pl->shown);
		log_hint("use --encoding raw (kubectl exec without a tty is binary-safe)");
		return -DPX_TRANSFER;
	}
	progress_end(&pl->prog);
	log_verbose("plan: %" PRIu64 " bytes, %s%s, verify with %s%s%s, resume with %s", pl->st.size,
		    pull_stream_encoding(pl->o->encoding, pl->gzip),
		    pl->gzip_pending ? " (gzip if the raw stream proves slow)" : "", digest_name(pl->hash),
		    pl->hash == DIGEST_SHA256 && pl->st.sha256_tool[0] ? " by " : "",
		    pl->hash == DIGEST_SHA256 ? pl->st.sha256_tool : "",
		    pl->seek == PULL_SEEK_TAIL ? "tail -c" : pl->seek == PULL_SEEK_DD ? "dd" : "nothing");
	if (pl->st.sample_in > 0)
		log_verbose("gzip -1 sample: %lld of %lld bytes", pl->st.sample_out, pl->st.sample_in);
	pl->prog.total = pl->st.size;
	pl->planned = 1;
	return 0;
}

static int attempt_start(struct pull *pl, int first)
{
	int sample = pl->o->compress == PULL_COMP_AUTO, ret;

	pl->planned = 0;
	pl->gzip_pending = 0;
	if (!first && (ret = restart_from_zero(pl)) < 0)
		return ret;
	pl->overlap = pl->lo.size == 0 && pl->o->encoding == PULL_ENC_RAW &&
		      pl->o->compress != PULL_COMP_GZIP;
	pl->folded = pl->overlap;
	if (pl->overlap) {
		pl->hash = DIGEST_SHA256; /* provisional: the pod's answer may change it */
		pl->seek = PULL_SEEK_NONE;
		pl->gzip = 0;
		digest_init(&pl->d, DIGEST_SHA256);
		progress_start(&pl->prog, pl->o->local_path, 0, 0);
		return 0;
	}
	if ((ret = stat_begin(pl, sample)) < 0 || (ret = plan(pl)) < 0)
		return ret;
	if (pl->lo.size > pl->st.size) {
		log_info("%s is longer than the file in the pod: starting over", pl->lo.part);
		if ((ret = restart_from_zero(pl)) < 0)
			return ret;
	} else if ((ret = digest_existing(pl)) < 0) {
		return ret;
	}
	if (pl->lo.size)
		log_verbose("continuing %s at byte %" PRIu64, pl->lo.part, pl->lo.size);
	progress_start(&pl->prog, pl->o->local_path, pl->st.size, pl->lo.size);
	return 0;
}

/* The copy is complete: do the sizes and hashes agree? 0 yes, 1 no (reported), or -DPX_*. */
static int verify(struct pull *pl)
{
	char local_hex[DIGEST_HEX_MAX];
	struct digest dcopy;

	if (pl->hash != DIGEST_NONE && pl->d.kind != pl->hash) {
		/* hashed as sha256 while the pod had another tool: hash the part with that one */
		if (digest_file(pl->hash, pl->lo.part, local_hex, sizeof(local_hex)) < 0) {
			log_error("cannot read %s back: %s", pl->lo.part, strerror(errno));
			return -DPX_ERROR;
		}
	} else {
		dcopy = pl->d;
		if (digest_final(&dcopy, local_hex, sizeof(local_hex)) < 0) {
			log_error("cannot hash %s: unknown hash", pl->lo.part);
			return -DPX_ERROR;
		}
	}
	if (pl->lo.size != pl->st.size || (pl->st.have_size2 && pl->st.size2 != pl->st.size)) {
		log_error("%s in pod \"%s\" changed while it was copied: %" PRIu64 " bytes at the start, "
			  "%" PRIu64 " after hashing, %" PRIu64 " received", pl->shown, pl->pod->name,
			  pl->st.size, pl->st.have_size2 ? pl->st.size2 : pl->st.size, pl->lo.size);
		return 1;
	}
	if (pl->hash != DIGEST_NONE && (pl->st.hash != pl->hash || strcmp(local_hex, pl->st.hash_hex))) {
		log_error("%s mismatch for %s from pod \"%s\": pod %s, received %s", digest_name(pl->hash),
			  pl->shown, pl->pod->name, pl->st.hash_hex[0] ? pl->st.hash_hex : "(none)",
			  local_hex);
		return 1;
	}
	return 0;
}

/*
 * One whole attempt: stat, copy, verify. 0 verified, 1 mismatch (retry once), -DPX_* failed.
 *
 * A fresh raw copy is one exec (pull.sh "both"): the pod says on stderr what the file is, then
 * streams it with `cat` while it hashes it alongside; the bytes are hashed here as sha256 as they
 * come. When the report's "ready" arrives the plan is made; if the sample says gzip would pay (and --compress auto), the raw stream is timed
 * over PULL_GZIP_PROBE_MS and, when it proves slower than PULL_GZIP_MAX_LINK_RATE, stopped and
 * resumed with gzip from where it got to (--compress gzip waits for the plan and streams gzip from
 * the start). A pod without SHA-256 means the part is hashed again locally with its tool's
 * algorithm.
 */
static int attempt(struct pull *pl, int first)
{
	int ret;

	if ((ret = attempt_start(pl, first)) < 0 || (ret = copy_all(pl)) < 0)
		goto fail;
	progress_end(&pl->prog);
	if ((ret = stat_end(pl)) < 0)
		goto fail;
	if (pl->hash != DIGEST_NONE && pl->st.hash == DIGEST_NONE) {
		/* the exec that hashes was cut before it hashed: ask again */
		log_verbose("the pod's hash did not arrive: hashing again");
		if ((ret = stat_begin(pl, 0)) < 0 || (ret = stat_end(pl)) < 0)
			goto fail;
	}
	if ((ret = verify(pl)) >= 0)
		return ret;
fail:
	progress_end(&pl->prog);
	if (pl->stat_x.c.started)
		rexec_finish(&pl->stat_x, 1);
	return ret;
}

static int open_local(struct pull *pl)
{
	const struct pull_opts *o = pl->o;
	char why[128];

	switch (localout_open(&pl->lo, o->local_path, o->resume, o->force, why, sizeof(why))) {
	case LOCALOUT_OK:
		return 0;
	case LOCALOUT_PART_UNSAFE:
		log_error("refusing to resume %s.part: %s", o->local_path, why);
		log_hint("remove it (it was not left by a fetch of yours), or --force to start over");
		return -DPX_EXISTS;
	case LOCALOUT_EXISTS:
		log_error("%s already exists", o->local_path);
		log_hint("use --force to overwrite it, or -o to write elsewhere");
		return -DPX_EXISTS;
	case LOCALOUT_PART_EXISTS:
		log_error("%s.part exists: an earlier fetch was interrupted", o->local_path);
		log_hint("--resume continues it; --force starts over");
		return -DPX_EXISTS;
	case LOCALOUT_ERR:
		break;
	}
	log_error("cannot create %s.part: %s", o->local_path, strerror(errno));
	return errno == ENOSPC ? -DPX_NOSPACE : -DPX_ERROR;
}

/* A fresh raw copy (no part to continue): the first exec can start before anything is planned. */
static int fresh_raw(const struct pull *pl)
{
	return pl->lo.size == 0 && pl->o->encoding == PULL_ENC_RAW &&
	       pl->o->compress != PULL_COMP_GZIP;
}

int pull_begin(struct kube *k, const struct target_pod *named, const struct pull_opts *o,
	       int early, struct pull **out)
{
	const char *words[] = { o->remote_path, NULL };
	struct pull *pl;
	int ret;

	*out = NULL;
	pl = calloc(1, sizeof(*pl));
	if (!pl) {
		log_error("cannot fetch: out of memory");
		return -DPX_ERROR;
	}
	pl->t0 = progress_now_ms();
	pl->k = k;
	pl->pod = named;
	pl->o = o;
	pl->lo.fd = -1;
	rexec_init(&pl->stat_x);
	pl->shown = sh_quote_argv(words);
	if (!pl->shown) {
		log_error("cannot fetch: out of memory");
		pull_cancel(pl);
		return -DPX_ERROR;
	}
	if ((ret = open_local(pl)) < 0) {
		pull_cancel(pl);
		return ret;
	}
	pl->created = !pl->lo.size;
	if (early && fresh_raw(pl)) {
		/* as attempt_start sets them for a fresh raw copy: the stream folds the stat in */
		pl->folded = 1;
		pl->seek = PULL_SEEK_NONE;
		stream_args(pl, &pl->early_a, &pl->early_sink);
		pl->early = pull_stream_start(k, named, &pl->early_a, &pl->early_sink, pl->early_why,
					      sizeof(pl->early_why), &ret);
		if (!pl->early) {
			pull_cancel(pl);
			return ret;
		}
	}
	*out = pl;
	return 0;
}

void pull_cancel(struct pull *pl)
{
	if (!pl)
		return;
	pull_stream_abort(pl->early);
	if (pl->stat_x.c.started)
		rexec_finish(&pl->stat_x, 1);
	/* nothing arrived: leave no empty NAME.part behind */
	if (pl->created && pl->lo.fd >= 0 && pl->lo.size == 0)
		unlink(pl->lo.part);
	localout_release(&pl->lo);
	free(pl->shown);
	free(pl);
}

int pull_end(struct pull *pl, const struct target_pod *pod, struct pull_result *r)
{
	const struct pull_opts *o = pl->o;
	int ret = -DPX_ERROR, i;

	memset(r, 0, sizeof(*r));
	pl->pod = pod;
	if (o->resume && pl->lo.size)
		log_info("resuming %s from byte %" PRIu64, pl->lo.part, pl->lo.size);
	for (i = 0; i < 2; i++) {
		ret = attempt(pl, i == 0);
		if (ret <= 0)
			break;
		if (i == 0)
			log_info("copying the whole file again");
	}
	if (ret < 0)
		goto out;
	if (ret > 0) {
		ret = -DPX_TRANSFER;
		log_error("cannot fetch %s from pod \"%s\": the copy did not verify twice", pl->shown,
			  pod->name);
		log_hint("%s is kept for inspection; it was not renamed to %s", pl->lo.part, o->local_path);
		goto out;
	}
	if (localout_commit(&pl->lo, o->force) < 0) {
		ret = errno == EEXIST ? -DPX_EXISTS : errno == ENOSPC ? -DPX_NOSPACE : -DPX_ERROR;
		log_error("cannot rename %s to %s: %s", pl->lo.part, o->local_path, strerror(errno));
		goto out;
	}
	if (pl->hash == DIGEST_NONE)
		log_info("verified by size only: the pod has no sha256sum, md5sum or cksum");
	r->size = pl->lo.size;
	r->hash = pl->hash;
	if (pl->hash != DIGEST_NONE)
		strlcpy(r->hash_hex, pl->st.hash_hex, sizeof(r->hash_hex)); /* same size */
	r->seconds = (double)(progress_now_ms() - pl->t0) / 1000.0;
	r->rate = progress_rate(&pl->prog);
	r->resumes = pl->resumes;
	r->gzip = pl->gzip;
	r->encoding_base64 = o->encoding == PULL_ENC_BASE64;
	ret = 0;
out:
	if (ret < 0 && interrupt_pending() && pl->lo.fd >= 0) {
		progress_end(&pl->prog);
		log_error("%s: the copy of %s stopped at byte %" PRIu64 " of %" PRIu64, interrupt_what(),
			  pl->shown, pl->lo.size, pl->st.size);
		if (pl->lo.size)
			resume_hint(pl, "");
		pl->part_kept = pl->lo.size > 0;
	}
	r->part_kept = pl->part_kept;
	pull_cancel(pl);
	return ret;
}

int pull_file(struct kube *k, const struct target_pod *pod, const struct pull_opts *o,
	      struct pull_result *r)
{
	struct pull *pl;
	int ret;

	memset(r, 0, sizeof(*r));
	if ((ret = pull_begin(k, pod, o, 0, &pl)) < 0)
		return ret;
	return pull_end(pl, pod, r);
}
