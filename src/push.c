/*
 * push.c - stream a local file into the pod's workspace over `kubectl exec -i` stdin, and read back
 * the pod's verdict. Protocol and decisions (notably: the pod never waits for EOF): include/push.h.
 */
#include "push.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base64.h"
#include "exitcodes.h"
#include "interrupt.h"
#include "kube.h"
#include "log.h"
#include "podexec.h"
#include "podscripts.h"
#include "probe.h"
#include "progress.h"
#include "strvec.h"
#include "target.h"
#include "workspace.h"

#define PUSH_CHUNK 49152            /* a multiple of 3: base64 of a chunk needs no padding */
#define PUSH_CAPTURE_MAX 65536      /* stdout / stderr kept from kubectl */
#define PUSH_IDLE_MS 60000          /* no byte taken by kubectl for this long: stuck */

int push_parse_report(char *text, const char **kind, char **f1, char **f2, char **f3)
{
	static const char *const kinds[] = { "ok", "have", "none", "bad", "fail" };
	char *cur = text, *line, *last = NULL, *f[4];
	size_t i;
	int n;

	while ((line = workspace_next_line(&cur)))
		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
			size_t l = strlen(kinds[i]);

			if (!strncmp(line, kinds[i], l) && (line[l] == '\t' || line[l] == '\0'))
				last = line;
		}
	if (!last || (n = workspace_split(last, f, 4)) < 1 || n > 4)
		return -1;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(f[0], kinds[i]))
			*kind = kinds[i];
	*f1 = n > 1 ? f[1] : NULL;
	*f2 = n > 2 ? f[2] : NULL;
	*f3 = n > 3 ? f[3] : NULL;
	return n - 1;
}

/* What one streaming exec needs. */
struct stream {
	int fd;                   /* the local file; -1: the bytes at mem */
	const unsigned char *mem;
	uint64_t size, sent;      /* file bytes read and handed to kubectl */
	enum push_encoding enc;
	struct digest d;          /* of the bytes actually sent */
	unsigned char raw[PUSH_CHUNK];
	char buf[PUSH_CHUNK / 3 * 4];
	size_t pos, len;          /* pending bytes of buf */
	int read_error;           /* errno of a failed read, or -1 when the file shrank */
	struct progress pg;
};

/* Refill s->buf from the file. Returns 1 when there is data, 0 at the end, -1 on error. */
static int refill(struct stream *s)
{
	ssize_t n;
	size_t want;

	if (s->sent >= s->size)
		return 0;
	want = s->size - s->sent < PUSH_CHUNK ? (size_t)(s->size - s->sent) : PUSH_CHUNK;
	if (s->mem) {
		memcpy(s->raw, s->mem + s->sent, want);
		n = (ssize_t)want;
	} else {
		do
			n = read(s->fd, s->raw, want);
		while (n < 0 && errno == EINTR);
	}
	if (n <= 0) {
		s->read_error = n < 0 ? errno : -1;
		return -1;
	}
	digest_update(&s->d, s->raw, (size_t)n);
	s->sent += (uint64_t)n;
	if (s->enc == PUSH_ENC_BASE64) {
		s->len = base64_encode(s->raw, (size_t)n, s->buf);
	} else {
		memcpy(s->buf, s->raw, (size_t)n);
		s->len = (size_t)n;
	}
	s->pos = 0;
	return 1;
}

static void capture(char **buf, size_t *len, const char *data, size_t n)
{
	char *nb;

	if (*len + n > PUSH_CAPTURE_MAX)
		n = PUSH_CAPTURE_MAX - *len;
	if (!n || !(nb = realloc(*buf, *len + n + 1)))
		return;
	memcpy(nb + *len, data, n);
	*len += n;
	nb[*len] = '\0';
	*buf = nb;
}

/* Why pump() stopped early, said; returns `rc`. */
static int pump_stopped(struct stream *s, int rc, const char *why)
{
	progress_end(&s->pg);
	log_error("%s: the push stopped after %llu of %llu bytes (nothing half-written keeps the "
		  "destination's name)", why, (unsigned long long)s->sent, (unsigned long long)s->size);
	return rc;
}

/*
 * Feed the file to kubectl's stdin while collecting its stdout and stderr, until both end. Returns 0,
 * -1 (poll failure, or a local read error: s->read_error), or, said: interrupt_status() when a signal
 * came, -DPX_TRANSFER when nothing moved for PUSH_IDLE_MS. Stops feeding, without failing, when
 * kubectl stops reading (the pod's script exited early: its report says why).
 */
static int pump(struct proc *p, struct stream *s)
{
	char chunk[16384];
	int ret = 0;
	long long last = progress_now_ms();
	uint64_t last_sent = 0;

	fcntl(p->in_fd, F_SETFL, fcntl(p->in_fd, F_GETFL) | O_NONBLOCK);
	while (p->in_fd >= 0 || p->out_fd >= 0 || p->err_fd >= 0) {
		struct pollfd pfd[3] = { { p->in_fd, POLLOUT, 0 }, { p->out_fd, POLLIN, 0 },
					 { p->err_fd, POLLIN, 0 } };
		int i;

		if (interrupt_pending())
			return pump_stopped(s, interrupt_status(), interrupt_what());
		if (s->sent != last_sent) {
			last_sent = s->sent;
			last = progress_now_ms();
		} else if (progress_now_ms() - last > PUSH_IDLE_MS) {
			return pump_stopped(s, -DPX_TRANSFER, "nothing moved for a minute");
		}
		if (poll(pfd, 3, 200) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (p->in_fd >= 0 && pfd[0].revents) {
			int r = s->pos < s->len ? 1 : refill(s);
			ssize_t w;

			if (r <= 0) {
				close(p->in_fd);
				p->in_fd = -1;
				if (r < 0)
					ret = -1;
			} else {
				w = write(p->in_fd, s->buf + s->pos, s->len - s->pos);
				if (w > 0)
					s->pos += (size_t)w;
				else if (w < 0 && errno != EAGAIN && errno != EINTR) {
					close(p->in_fd); /* EPIPE: kubectl is gone or stopped reading */
					p->in_fd = -1;
				}
				progress_update(&s->pg, s->sent);
			}
		}
		for (i = 1; i < 3; i++) {
			int *fd = i == 1 ? &p->out_fd : &p->err_fd;
			ssize_t n;

			if (*fd < 0 || !pfd[i].revents)
				continue;
			n = read(*fd, chunk, sizeof(chunk));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				close(*fd);
				*fd = -1;
				continue;
			}
			last = progress_now_ms(); /* the pod answers: not stuck */
			if (i == 1)
				capture(&p->out_buf, &p->out_len, chunk, (size_t)n);
			else
				capture(&p->err_buf, &p->err_len, chunk, (size_t)n);
		}
	}
	return ret;
}

/*
 * Run the push script: streaming the file on stdin (`s`), or, without `s`, the check mode through
 * podexec_script. `p` receives stdout/stderr and the status. Returns 0 when kubectl ran, -DPX_* when
 * it could not be started or the local file could not be read (message printed).
 */
static int run_push(struct kube *k, const struct target_pod *pod, const char *const *args,
		    struct stream *s, struct proc *p)
{
	struct kube_child c;
	int ret;

	if (!s)
		return podexec_script(k, pod, push_sh, args, p);
	kube_child_init(&c);
	c.p.in = c.p.out = c.p.err = PROC_IO_PIPE;
	if ((ret = podexec_start(k, pod, PODEXEC_STDIN, push_sh, args, &c)) < 0)
		return ret;
	if ((ret = pump(&c.p, s)) < 0) {
		kill(c.p.pid, SIGTERM);
		kube_child_finish(&c);
		proc_release(&c.p);
		if (ret != -1)
			return ret;
		ret = -DPX_ERROR;
		if (s->read_error > 0)
			log_error("cannot read the local file: %s", strerror(s->read_error));
		else
			log_error("the local file shrank while it was being pushed");
		return ret;
	}
	kube_child_finish(&c);
	/* what kubectl said is the caller's, as kube_run leaves it */
	p->status = c.p.status;
	p->out_buf = c.p.out_buf, p->out_len = c.p.out_len;
	p->err_buf = c.p.err_buf, p->err_len = c.p.err_len;
	if (log_get_level() >= LOG_DEBUG) {
		log_debug_data("stdout", p->out_buf, p->out_len, 4096);
		log_debug_data("stderr", p->err_buf, p->err_len, 4096);
	}
	return 0;
}

/* kubectl failed, not the script: say why (no shell, forbidden, unreachable...). */
static int exec_failed(struct kube *k, const struct target_pod *pod, struct proc *p)
{
	char what[512];

	if (!p->err_buf)
		capture(&p->err_buf, &p->err_len, "", 0);
	snprintf(what, sizeof(what), "cannot push into container \"%s\" of pod \"%s\" (namespace \"%s\")",
		 pod->container, pod->name, pod->namespace);
	return kube_fail(k, p, what);
}

static const char *hash_cmd(enum digest_kind h)
{
	const char *c = digest_command(h);

	return c ? c : "-";
}

/* What one push sends, worked out before anything runs in the pod. */
struct push_plan {
	const struct push_opts *o;
	const char *label;
	enum push_encoding enc;       /* this attempt's: raw first, base64 when raw did not verify */
	int base64_next;              /* a raw push that does not verify is sent again in base64 */
	int fd;                       /* the local file, open; -1 for o->data */
	char size[24], inlen[24], perm[8];
	char mline[8192];             /* DEST's manifest line */
};

/* Open the local file, and hash it. 0 or -DPX_*. */
static int hash_local(struct push_plan *pp, struct push_result *r)
{
	const struct push_opts *o = pp->o;
	struct stat st;

	pp->fd = open(o->local_path, O_RDONLY | O_CLOEXEC);
	if (pp->fd < 0 || fstat(pp->fd, &st) < 0) {
		log_error("cannot push \"%s\": %s", o->local_path, strerror(errno));
		return -DPX_ERROR;
	}
	if (!S_ISREG(st.st_mode)) {
		log_error("cannot push \"%s\": not a regular file", o->local_path);
		return -DPX_ERROR;
	}
	r->size = (uint64_t)st.st_size;
	if (digest_file(r->hash, o->local_path, r->hash_hex, sizeof(r->hash_hex)) < 0) {
		log_error("cannot read \"%s\": %s", o->local_path, strerror(errno));
		return -DPX_ERROR;
	}
	return 0;
}

/* Open and hash the local file (or the bytes), and make the script's arguments. 0 or -DPX_*. */
static int prepare(struct push_plan *pp, unsigned cmds, const struct workspace *ws,
		   struct push_result *r)
{
	const struct push_opts *o = pp->o;
	uint64_t enc_len;
	int ret;

	r->hash = probe_best_hash(cmds); /* the same choice as a pull's */
	if (o->encoding == PUSH_ENC_BASE64 && !(cmds & PCMD_BASE64)) {
		log_error("cannot push %s in base64: the container has no base64 command", pp->label);
		return -DPX_ERROR;
	}
	if (!o->local_path) {
		struct digest d;

		r->size = o->data_size;
		digest_init(&d, r->hash);
		digest_update(&d, o->data, o->data_size);
		digest_final(&d, r->hash_hex, sizeof(r->hash_hex)); /* the buffer fits every kind */
	} else if ((ret = hash_local(pp, r)) < 0) {
		return ret;
	}
	if (workspace_manifest_line(ws->runid, o->kind, o->dest, r->size, pp->mline,
				    sizeof(pp->mline)) < 0) {
		log_error("cannot push to \"%s\": not a plain path inside the workspace", o->dest);
		return -DPX_ERROR;
	}
	pp->enc = o->encoding;
	pp->base64_next = o->encoding == PUSH_ENC_RAW && (cmds & PCMD_BASE64);
	enc_len = o->encoding == PUSH_ENC_BASE64 ? BASE64_ENCODED_LEN(r->size) : r->size;
	/* numbers always fit these buffers */
	snprintf(pp->size, sizeof(pp->size), "%llu", (unsigned long long)r->size);
	snprintf(pp->inlen, sizeof(pp->inlen), "%llu", (unsigned long long)enc_len);
	snprintf(pp->perm, sizeof(pp->perm), "%o", o->mode & 07777);
	return 0;
}

/*
 * Does DEST already hold the file (size and hash)? The workspace's open exec may have looked already;
 * else the push script's check mode asks. 1 yes (nothing to send), 0 no, or -DPX_*.
 */
static int already_there(struct kube *k, const struct target_pod *pod, const struct workspace *ws,
			 const struct push_plan *pp, struct push_result *r)
{
	const struct push_opts *o = pp->o;
	const char *const args[] = { ws->path, ws->runid, "check", pp->size, pp->inlen,
				     hash_cmd(r->hash), r->hash_hex, o->dest, pp->perm, pp->mline,
				     NULL };
	const char *kind = NULL;
	char *f1, *f2, *f3;
	struct proc p;
	int ret;

	if (!o->reuse)
		return 0;
	if (ws->have.checked && !strcmp(ws->have.rel, o->dest) &&
	    !strcmp(ws->have.hashcmd, hash_cmd(r->hash)))
		ret = ws->have.present && ws->have.size == r->size &&
		      !strcmp(ws->have.hash, r->hash_hex);
	else {
		proc_init(&p, NULL);
		ret = run_push(k, pod, args, NULL, &p);
		if (ret == 0)
			ret = p.status == 0 && p.out_buf &&
			      push_parse_report(p.out_buf, &kind, &f1, &f2, &f3) >= 0 &&
			      !strcmp(kind, "have") && f1 && f2 && !strcmp(f1, pp->size) &&
			      !strcmp(f2, r->hash_hex);
		proc_release(&p);
	}
	if (ret > 0) {
		r->reused = 1;
		log_verbose("%s: already in the pod as %s/%s (%s %s), not copied again", pp->label,
			    ws->path, o->dest, digest_name(r->hash), r->hash_hex);
	}
	return ret;
}

/*
 * The script's report after a push that did not say "ok": why. Returns -DPX_*, or 1 when a raw push
 * that did not verify is to be sent again in base64.
 */
static int push_refused(const struct target_pod *pod, const struct workspace *ws,
			const struct push_plan *pp, const struct push_result *r, const char *kind,
			const char *f1, const char *f2, const struct proc *p)
{
	char sz[32];

	if (!strcmp(kind, "bad") && pp->base64_next && pp->enc == PUSH_ENC_RAW) {
		log_info("pushing %s into pod \"%s\" did not verify (%s differs): sending it again in "
			 "base64", pp->label, pod->name, f1 ? f1 : "?");
		return 1;
	}
	if (!strcmp(kind, "bad")) {
		if (f1 && !strcmp(f1, "base64"))
			log_error("pushing %s into pod \"%s\" did not verify: what arrived is not "
				  "valid base64", pp->label, pod->name);
		else
			log_error("pushing %s into pod \"%s\" did not verify: %s in the pod is %s, "
				  "expected %s", pp->label, pod->name, f1 ? f1 : "?", f2 ? f2 : "?",
				  f1 && !strcmp(f1, "size") ? pp->size : r->hash_hex);
		log_hint("the bytes were altered on the way%s: something between here and the pod "
			 "changes them (a proxy?); try again, or from another network",
			 pp->enc == PUSH_ENC_BASE64 && pp->o->encoding == PUSH_ENC_RAW
				 ? ", raw and in base64" : "");
		return -DPX_TRANSFER;
	}
	if (p->err_buf && strstr(p->err_buf, "No space left on device")) {
		log_error("pushing %s into pod \"%s\" failed: no space left in %s (%s needed)",
			  pp->label, pod->name, ws->path, progress_fmt_size(r->size, sz, sizeof(sz)));
		return -DPX_NOSPACE;
	}
	log_error("pushing %s into pod \"%s\" failed: %s", pp->label, pod->name,
		  f1 ? f1 : "no reason given");
	return -DPX_TRANSFER;
}

/* Stream the file to the push script and read its verdict. 0 or -DPX_*. */
static int send_file(struct kube *k, const struct target_pod *pod, const struct workspace *ws,
		     const struct push_plan *pp, struct push_result *r)
{
	const struct push_opts *o = pp->o;
	const char *const args[] = { ws->path, ws->runid,
				     pp->enc == PUSH_ENC_BASE64 ? "base64" : "raw", pp->size,
				     pp->inlen, hash_cmd(r->hash), r->hash_hex, o->dest, pp->perm,
				     pp->mline, NULL };
	char want[DIGEST_HEX_MAX], dest[8192], sz[32], *f1, *f2, *f3;
	const char *kind = NULL;
	struct stream *s;
	struct proc p;
	int ret;

	if (!(s = calloc(1, sizeof(*s)))) {
		log_error("cannot push: out of memory");
		return -DPX_ERROR;
	}
	proc_init(&p, NULL);
	s->fd = pp->fd;
	s->mem = o->local_path ? NULL : o->data;
	s->size = r->size;
	s->enc = pp->enc;
	digest_init(&s->d, r->hash);
	progress_start(&s->pg, pp->label, r->size, 0);
	ret = run_push(k, pod, args, s, &p);
	progress_end(&s->pg);
	if (ret < 0)
		goto out;
	r->seconds = progress_seconds(&s->pg);
	r->rate = progress_rate(&s->pg);
	if (!p.out_buf || push_parse_report(p.out_buf, &kind, &f1, &f2, &f3) < 0) {
		ret = -DPX_ERROR;
		if (!strstr(p.err_buf ? p.err_buf : "", "command terminated with exit code"))
			ret = exec_failed(k, pod, &p);
		else
			log_error("pushing %s into pod \"%s\" failed: the pod's script ended without a "
				  "report (exit status %d)", pp->label, pod->name, p.status);
		goto out;
	}
	if (strcmp(kind, "ok")) {
		ret = push_refused(pod, ws, pp, r, kind, f1, f2, &p);
		goto out;
	}
	if (digest_final(&s->d, want, sizeof(want)) < 0 || strcmp(want, r->hash_hex)) {
		log_error("\"%s\" changed while it was being pushed: the copy in the pod is the file "
			  "as it was first read", pp->label);
		ret = -DPX_TRANSFER;
		goto out;
	}
	if (workspace_escape(o->dest, dest, sizeof(dest)) < 0)
		strlcpy(dest, "...", sizeof(dest));
	log_info("pushed %s to %s/%s: %s in %.1f s, %s %s", pp->label, ws->path, dest,
		 progress_fmt_size(r->size, sz, sizeof(sz)), r->seconds,
		 r->hash == DIGEST_NONE ? "verified by" : digest_name(r->hash),
		 r->hash == DIGEST_NONE ? "size only (no hash command in the pod)" : "verified in the pod");
out:
	free(s);
	proc_release(&p);
	return ret;
}

int push_file(struct kube *k, const struct target_pod *pod, unsigned cmds,
	      const struct workspace *ws, const struct push_opts *o, struct push_result *r)
{
	struct push_plan pp;
	int ret;

	memset(r, 0, sizeof(*r));
	memset(&pp, 0, sizeof(pp));
	pp.o = o;
	pp.label = o->label ? o->label : o->local_path;
	pp.fd = -1;
	if ((ret = prepare(&pp, cmds, ws, r)) < 0 || (ret = already_there(k, pod, ws, &pp, r)) != 0)
		goto out;
	ret = send_file(k, pod, ws, &pp, r);
	if (ret == 1) {
		pp.enc = PUSH_ENC_BASE64;
		snprintf(pp.inlen, sizeof(pp.inlen), "%llu",
			 (unsigned long long)BASE64_ENCODED_LEN(r->size)); /* fits */
		if (pp.fd >= 0 && lseek(pp.fd, 0, SEEK_SET) < 0) {
			log_error("cannot read \"%s\" again: %s", o->local_path, strerror(errno));
			ret = -DPX_ERROR;
			goto out;
		}
		ret = send_file(k, pod, ws, &pp, r);
	}
out:
	if (pp.fd >= 0)
		close(pp.fd);
	return ret < 0 ? ret : 0;
}
