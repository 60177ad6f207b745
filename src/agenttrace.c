/*
 * agenttrace.c - a trace streamed by the agent into NAME.part (or memory), hashed on the way, and
 * kept as NAME only when the agent's trailer vouches for it. The contract is include/agenttrace.h.
 */
#include "agenttrace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentrun.h"
#include "digest.h"
#include "exitcodes.h"
#include "fetchcmd.h"
#include "growarr.h"
#include "localout.h"
#include "log.h"
#include "progress.h"
#include "target.h"

#define MEM_MAX (512u << 20)   /* a trace kept in memory (stack's) is small; beyond this: refused */

struct sink {
	struct digest d;
	struct localout lo;          /* to a file */
	int to_file;
	unsigned char *mem;          /* in memory */
	size_t len, alloc;
};

/* The trailer names what arrived (agentrun.h's ack): the bytes' SHA-256 so far is the one it gives. */
static int sink_ack(void *arg, const struct agentrec_trailer *t)
{
	struct sink *s = arg;
	struct digest d = s->d;
	char hex[DIGEST_HEX_MAX];

	return digest_final(&d, hex, sizeof(hex)) == 0 && !strcmp(hex, t->sha256);
}

/* A copy stayed in the pod: where, and the command that gets it. */
static void say_kept(const struct agenttrace_opts *o, const struct target_pod *pod,
		     const struct agentrun_result *ar, const struct sink *s)
{
	/* what arrived stays as LOCAL.part (failed()): the pod's copy is the same stream, continue it */
	char *line = fetchcmd_line(pod, ar->spool_kept, o->local,
				   s->to_file && s->lo.size ? FETCHCMD_RESUME : FETCHCMD_NEW);
	char size[32];

	log_info("the trace stays in pod \"%s\" as %s (%s, recorded as uncollected); fetch it "
		 "with: %s", pod->name, ar->spool_kept,
		 progress_fmt_size(ar->spool_kept_bytes, size, sizeof(size)), line ? line : "(no memory)");
	free(line);
}

static int sink_write(void *arg, const void *buf, size_t n)
{
	struct sink *s = arg;
	unsigned char *nb;

	digest_update(&s->d, buf, n);
	if (s->to_file)
		return localout_write(&s->lo, buf, n);
	if (s->len + n > MEM_MAX) {
		errno = EFBIG;
		return -1;
	}
	if (!(nb = growarr(s->mem, &s->alloc, s->len + n, 1, 1u << 20)))
		return -1;
	s->mem = nb;
	memcpy(s->mem + s->len, buf, n);
	s->len += n;
	return 0;
}

static int open_part(const struct agenttrace_opts *o, struct sink *s)
{
	char why[128];

	switch (localout_open(&s->lo, o->local, 0, o->force, why, sizeof(why))) {
	case LOCALOUT_OK:
		s->to_file = 1;
		return 0;
	case LOCALOUT_EXISTS:
		log_error("%s exists: not overwritten", o->local);
		log_hint("choose another name with -o, or pass --force to replace it");
		return -DPX_EXISTS;
	case LOCALOUT_PART_EXISTS:
		log_error("%s.part exists: an earlier run was interrupted", o->local);
		log_hint("look at it with `kubectl dotnetprof report %s.part`, remove it, or pass --force",
			 o->local);
		return -DPX_EXISTS;
	case LOCALOUT_PART_UNSAFE: /* only for resume, which a streamed trace never does */
	case LOCALOUT_ERR:
		break;
	}
	log_error("cannot create %s.part: %s", o->local, strerror(errno));
	return errno == ENOSPC ? -DPX_NOSPACE : -DPX_ERROR;
}

/* A failure: keep a part that holds bytes (and say so), remove an empty one. Returns rc. */
static int failed(struct sink *s, int rc)
{
	if (!s->to_file)
		return rc;
	if (s->lo.size == 0) {
		unlink(s->lo.part);
	} else {
		log_item("what arrived (%llu bytes) is kept as %s: `kubectl dotnetprof report %s` "
			 "reads it as a partial trace", (unsigned long long)s->lo.size, s->lo.part,
			 s->lo.part);
	}
	return rc;
}

/* What the agent's trailer and the bytes that came say. 0 when the trace is whole, else -DPX_*. */
static int check(const struct agenttrace_opts *o, const struct target_pod *pod,
		 const struct agentrun_result *ar, const char *got)
{
	const struct agentrec_trailer *t = &ar->trailer;

	const char *what = o->run->what;

	if (ar->abandoned) {
		log_error("the %s in pod \"%s\" was given up before its end: the method names (sent "
			  "last) are missing", what, pod->name);
		return -DPX_INTERRUPTED;
	}
	if (ar->status != 0 && !(ar->have_trailer && !t->complete))
		return agentrun_explain(pod, what, ar);
	if (!ar->have_trailer) {
		log_error("the %s stream from pod \"%s\" was cut after %llu bytes: the agent's closing "
			  "record never came", what, pod->name, ar->out_bytes);
		log_hint("the connection broke or the agent was killed; try again");
		return -DPX_TRANSFER;
	}
	if (t->bytes != ar->out_bytes || strcmp(t->sha256, got)) {
		log_error("the %s from pod \"%s\" does not verify: %llu bytes with sha256 %s arrived, the "
			  "agent sent %llu bytes with sha256 %s", what, pod->name, ar->out_bytes, got,
			  (unsigned long long)t->bytes, t->sha256);
		log_hint("the stream was altered on the way; try again");
		return -DPX_TRANSFER;
	}
	if (!t->complete) {
		log_error("the %s of pod \"%s\" is incomplete: it ended (%s) before the runtime finished "
			  "it, so the method names may be missing", what, pod->name,
			  t->reason ? t->reason : "?");
		log_hint("did the process exit? `kubectl dotnetprof ps %s` shows what runs", pod->name);
		return -DPX_ERROR;
	}
	return 0;
}

int agenttrace_collect(struct kube *k, const struct target_pod *pod, const struct agenttrace_opts *o,
		       struct agenttrace_result *r)
{
	struct agentrun_opts *ao = o->run;
	struct agentrun_result ar;
	struct agentrun *x = o->started ? *o->started : NULL;
	struct sink *s = calloc(1, sizeof(*s));
	int rc;

	memset(&ar, 0, sizeof(ar));
	if (o->started)
		*o->started = NULL; /* ours now, whatever happens */
	memset(r, 0, sizeof(*r));
	r->first_byte_seconds = -1;
	if (!s) {
		agentrun_abort(x);
		log_error("out of memory");
		return -DPX_ERROR;
	}
	digest_init(&s->d, DIGEST_SHA256);
	if (o->local && (rc = open_part(o, s)) < 0) {
		agentrun_abort(x);
		free(s);
		return rc;
	}
	ao->stdin_pipe = 1;
	ao->spool_run = o->spool_run;
	ao->spool_file = o->spool_file;
	ao->spool_max = o->spool_max;
	ao->ack = o->spool_run ? sink_ack : NULL;
	if (x) {
		if (o->spool_run)
			agentrun_set_spool(x, o->spool_run, o->spool_file, o->spool_max, sink_ack);
		if ((rc = agentrun_go(x, o->pid, o->ws, o->sha256, sink_write, s)) < 0)
			agentrun_abort(x);
		else
			rc = agentrun_wait(x, &ar);
	} else {
		ao->probe_first = 0;
		ao->ws = o->ws;
		ao->sha256 = o->sha256;
		ao->pid = o->pid;
		ao->sink = sink_write;
		ao->sink_arg = s;
		rc = agentrun_run(k, pod, ao, &ar);
	}
	digest_final(&s->d, r->sha256, sizeof(r->sha256)); /* 65 bytes hold a SHA-256 */
	r->bytes = ar.out_bytes;
	r->seconds = ar.seconds;
	r->first_byte_seconds = ar.first_byte_seconds;
	r->interrupted = ar.interrupted;
	if (ar.have_trailer && ar.trailer.reason)
		snprintf(r->reason, sizeof(r->reason), "%s", ar.trailer.reason);
	if (rc == 0 && ar.sink_errno) {
		errno = ar.sink_errno;
		log_error("cannot write %s: %s", o->local ? s->lo.part : "the trace in memory",
			  strerror(errno));
		rc = errno == ENOSPC ? -DPX_NOSPACE : -DPX_ERROR;
	}
	if (rc == 0)
		rc = check(o, pod, &ar, r->sha256);
	if (rc == 0 && s->to_file && localout_commit(&s->lo, o->force) < 0) {
		log_error("cannot rename %s.part to %s: %s", o->local, o->local, strerror(errno));
		rc = errno == EEXIST ? -DPX_EXISTS : -DPX_ERROR;
	}
	if (rc < 0 && ar.spool_kept[0] && o->local) {
		say_kept(o, pod, &ar, s);
		strlcpy(r->spool_kept, ar.spool_kept, sizeof(r->spool_kept));
	} else if (rc < 0 && o->spool_run && ar.started && !ar.acked) {
		/* the connection went before the agent could say: it keeps what it has */
		log_info("the agent keeps its copy of the trace in pod \"%s\" (%s/runs/%s/%s) as far as "
			 "it got; the next verb on the pod names it, with the command that fetches it",
			 pod->name, o->ws, o->spool_run, o->spool_file);
	}
	if (rc < 0)
		rc = failed(s, rc);
	else if (!s->to_file)
		r->data = s->mem, s->mem = NULL;
	agentrun_result_release(&ar);
	localout_release(&s->lo);
	free(s->mem);
	free(s);
	return rc;
}
