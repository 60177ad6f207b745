/*
 * transfer.c - the pull engine: stat exec (with the pod's hash running alongside), stream exec(s)
 * resumed from the bytes already written, local decoding (base64, gzip -dc child), verification,
 * and the NAME.part -> NAME rename. See transfer.h for the protocol and the rules.
 */
#include "transfer.h"

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
#include "kube.h"
#include "localout.h"
#include "log.h"
#include "podexec.h"
#include "probe.h"
#include "progress.h"
#include "quote.h"
#include "strvec.h"
#include "target.h"

extern const char pull_stat_sh[];
extern const char pull_stream_sh[];

/* No byte from the stream for this long: the exec is stuck; kill it and resume. */
#define PULL_IDLE_MS 60000
#define STAT_OUT_MAX 65536
#define ERR_KEEP 16384
/* Hash commands in order of preference, as the stat script tries them. */
#define PULL_HASHES "sha256sum md5sum cksum"

/* ---- planner (pure, unit-tested) -------------------------------------------------------------- */

static const struct { const char *name; unsigned bit; } stat_cmds[] = {
	{ "sha256sum", PCMD_SHA256SUM }, { "md5sum", PCMD_MD5SUM }, { "cksum", PCMD_CKSUM },
	{ "base64", PCMD_BASE64 }, { "gzip", PCMD_GZIP }, { "head", PCMD_HEAD },
	{ "tail", PCMD_TAIL }, { "dd", PCMD_DD }, { "wc", PCMD_WC }, { "stat", PCMD_STAT },
};

enum digest_kind pull_choose_hash(unsigned cmds)
{
	if (cmds & PCMD_SHA256SUM)
		return DIGEST_SHA256;
	if (cmds & PCMD_MD5SUM)
		return DIGEST_MD5;
	if (cmds & PCMD_CKSUM)
		return DIGEST_CKSUM;
	return DIGEST_NONE;
}

enum pull_seek pull_choose_seek(unsigned cmds)
{
	if (cmds & PCMD_TAIL)
		return PULL_SEEK_TAIL;
	if (cmds & PCMD_DD)
		return PULL_SEEK_DD;
	return PULL_SEEK_NONE;
}

int pull_choose_gzip(const struct pull_stat *st, enum pull_compress c, int local_gzip)
{
	if (c == PULL_COMP_NONE || !(st->cmds & PCMD_GZIP) || !local_gzip)
		return 0;
	if (c == PULL_COMP_GZIP)
		return 1;
	return st->have_size && st->size >= PULL_GZIP_MIN_SIZE && st->sample_in > 0 &&
	       st->sample_out >= 0 &&
	       st->sample_out * 1000 < st->sample_in * (long long)PULL_GZIP_MAX_RATIO_PERMILLE;
}

int pull_gzip_link_slow(uint64_t bytes, long long ms)
{
	if (ms < PULL_GZIP_PROBE_MS)
		return -1;
	return (double)bytes * 1000.0 / (double)ms < PULL_GZIP_MAX_LINK_RATE;
}

const char *pull_stream_reader(uint64_t offset, enum pull_seek seek)
{
	if (offset == 0)
		return "cat";
	switch (seek) {
	case PULL_SEEK_TAIL:
		return "tail";
	case PULL_SEEK_DD:
		return "dd";
	case PULL_SEEK_NONE:
		break;
	}
	return NULL;
}

const char *pull_stream_encoding(enum pull_encoding enc, int gzip)
{
	if (enc == PULL_ENC_BASE64)
		return gzip ? "gzip64" : "base64";
	return gzip ? "gzip" : "raw";
}

static int parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	while (i < n && s[i] == ' ')
		i++; /* wc -c may pad */
	if (i == n)
		return -1;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "sha256sum<TAB>HEX  -": the kind, and the value the way digest_final prints it. */
static int parse_hash(const char *v, size_t n, struct pull_stat *st)
{
	const char *tab = memchr(v, '\t', n), *val;
	size_t namelen, vlen, take;
	enum digest_kind k;

	if (!tab)
		return -1;
	namelen = (size_t)(tab - v);
	val = tab + 1;
	vlen = n - namelen - 1;
	if (namelen == 9 && !memcmp(v, "sha256sum", 9))
		k = DIGEST_SHA256;
	else if (namelen == 6 && !memcmp(v, "md5sum", 6))
		k = DIGEST_MD5;
	else if (namelen == 5 && !memcmp(v, "cksum", 5))
		k = DIGEST_CKSUM;
	else
		return -1;
	take = 0;
	if (k == DIGEST_CKSUM) {
		/* "CRC LENGTH": two fields */
		const char *sp = memchr(val, ' ', vlen);

		if (!sp)
			return -1;
		take = (size_t)(sp - val) + 1;
		while (take < vlen && val[take] >= '0' && val[take] <= '9')
			take++;
	} else {
		while (take < vlen && val[take] != ' ')
			take++;
		if (take != (k == DIGEST_SHA256 ? 64u : 32u))
			return -1;
	}
	if (take == 0 || take >= sizeof(st->hash_hex))
		return -1;
	memcpy(st->hash_hex, val, take);
	st->hash_hex[take] = '\0';
	st->hash = k;
	return 0;
}

int pull_stat_parse(const char *text, size_t len, struct pull_stat *st, char *err, size_t errsize)
{
	size_t off = 0, lineno = 0;

	memset(st, 0, sizeof(*st));
	st->sample_in = st->sample_out = -1;
	while (off < len) {
		const char *line = text + off, *nl = memchr(line, '\n', len - off), *tab, *v;
		size_t n, klen, vlen, i;

		if (!nl)
			break; /* partial last line: wait for more */
		n = (size_t)(nl - line);
		off += n + 1;
		lineno++;
		tab = memchr(line, '\t', n);
		if (!tab) {
			snprintf(err, errsize, "line %zu: no tab", lineno);
			return -1;
		}
		klen = (size_t)(tab - line);
		v = tab + 1;
		vlen = n - klen - 1;
#define KEY(s) (klen == sizeof(s) - 1 && !memcmp(line, s, klen))
		if (lineno == 1 && !KEY("dotnetprof-stat")) {
			snprintf(err, errsize, "line 1: not the stat script's output");
			return -1;
		}
		if (KEY("cmd")) {
			for (i = 0; i < sizeof(stat_cmds) / sizeof(stat_cmds[0]); i++)
				if (strlen(stat_cmds[i].name) == vlen && !memcmp(stat_cmds[i].name, v, vlen))
					st->cmds |= stat_cmds[i].bit;
		} else if (KEY("error")) {
			if (vlen == 5 && !memcmp(v, "noent", 5))
				st->error = PULL_STAT_NOENT;
			else if (vlen == 5 && !memcmp(v, "isdir", 5))
				st->error = PULL_STAT_ISDIR;
			else if (vlen == 6 && !memcmp(v, "notreg", 6))
				st->error = PULL_STAT_NOTREG;
			else if (vlen == 6 && !memcmp(v, "noperm", 6))
				st->error = PULL_STAT_NOPERM;
			else
				goto bad;
		} else if (KEY("size") || KEY("size2")) {
			uint64_t x;

			if (parse_u64(v, vlen, &x) < 0)
				goto bad;
			if (KEY("size"))
				st->size = x, st->have_size = 1;
			else
				st->size2 = x, st->have_size2 = 1;
		} else if (KEY("sample")) {
			const char *sp = memchr(v, ' ', vlen);
			uint64_t a, b;

			if (!sp || parse_u64(v, (size_t)(sp - v), &a) < 0 ||
			    parse_u64(sp + 1, vlen - (size_t)(sp - v) - 1, &b) < 0)
				goto bad;
			st->sample_in = (long long)a;
			st->sample_out = (long long)b;
		} else if (KEY("hash")) {
			if (parse_hash(v, vlen, st) < 0)
				goto bad;
		} else if (KEY("sha256tool")) {
			if (!(vlen == 7 && !memcmp(v, "openssl", 7)) &&
			    !(vlen == 9 && !memcmp(v, "sha256sum", 9)))
				goto bad;
			memcpy(st->sha256_tool, v, vlen);
			st->sha256_tool[vlen] = '\0';
		} else if (KEY("ready")) {
			st->ready = 1;
		} else if (KEY("end")) {
			st->end = 1;
		}
#undef KEY
		continue;
bad:
		snprintf(err, errsize, "line %zu: bad \"%.*s\" record", lineno, (int)(klen > 20 ? 20 : klen),
			 line);
		return -1;
	}
	return 0;
}

/* ---- base64 --------------------------------------------------------------------------------- */

void b64dec_init(struct b64dec *b)
{
	b->acc = 0;
	b->nbits = 0;
	b->pad = 0;
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long b64dec_update(struct b64dec *b, const unsigned char *in, size_t len, unsigned char *out)
{
	long n = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = in[i];
		int v;

		if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
			continue;
		if (c == '=') {
			/* padding ends the quantum: drop the leftover bits */
			b->pad = 1;
			b->acc = 0;
			b->nbits = 0;
			continue;
		}
		v = b64val(c);
		if (v < 0)
			return -1;
		if (b->pad) /* data after padding: a new base64 stream (concatenation) */
			b->pad = 0;
		b->acc = (b->acc << 6) | (unsigned)v;
		b->nbits += 6;
		if (b->nbits >= 8) {
			b->nbits -= 8;
			out[n++] = (unsigned char)(b->acc >> b->nbits);
			b->acc &= (1u << b->nbits) - 1;
		}
	}
	return n;
}

/* ---- execs ---------------------------------------------------------------------------------- */

/* A running `kubectl exec ... sh -c SCRIPT dotnetprof ARGS` with stdout and stderr piped. */
struct rexec {
	struct proc p;
	struct strvec argv;
	char err[ERR_KEEP];  /* the last bytes of its stderr, for messages */
	size_t err_len;
	int started;
};

static void rexec_init(struct rexec *x)
{
	memset(x, 0, sizeof(*x));
	strvec_init(&x->argv);
	proc_init(&x->p, NULL);
}

static int rexec_start(struct kube *k, const struct target_pod *pod, const char *script,
		       const char *const *args, struct rexec *x)
{
	struct strvec words = STRVEC_INIT;
	char *line;
	int ret = -1;

	rexec_init(x);
	if (podexec_argv(pod, 0, script, args, &words) < 0 ||
	    kube_build_argv(k, pod->namespace, strvec_argv(&words), &x->argv) < 0) {
		log_error("cannot exec into pod \"%s\": out of memory", pod->name);
		k->exit_code = EX_ERROR;
		goto out;
	}
	if (log_get_level() >= LOG_VERBOSE) {
		line = kube_display(strvec_argv(&x->argv));
		log_cmd(line ? line : x->argv.v[0]);
		free(line);
	}
	proc_init(&x->p, strvec_argv(&x->argv));
	x->p.out = PROC_IO_PIPE;
	x->p.err = PROC_IO_PIPE;
	k->calls++;
	if (proc_start(&x->p) < 0) {
		int e = errno;

		k->exit_code = e == ENOENT || e == EACCES ? EX_NOKUBECTL : EX_ERROR;
		log_error("cannot run kubectl: \"%s\": %s", k->program,
			  e == ENOENT ? "not found on PATH" : strerror(e));
		if (e == ENOENT)
			log_hint("install kubectl or set DOTNETPROF_KUBECTL to its path");
		goto out;
	}
	fcntl(x->p.err_fd, F_SETFL, fcntl(x->p.err_fd, F_GETFL) | O_NONBLOCK);
	x->started = 1;
	ret = 0;
out:
	strvec_clear(&words);
	if (ret < 0)
		strvec_clear(&x->argv);
	return ret;
}

/* Keep the last ERR_KEEP - 1 bytes of stderr. */
static void keep_err(struct rexec *x, const char *buf, size_t n)
{
	if (n > ERR_KEEP - 1) {
		buf += n - (ERR_KEEP - 1);
		n = ERR_KEEP - 1;
	}
	if (x->err_len + n > ERR_KEEP - 1) {
		size_t drop = x->err_len + n - (ERR_KEEP - 1);

		memmove(x->err, x->err + drop, x->err_len - drop);
		x->err_len -= drop;
	}
	memcpy(x->err + x->err_len, buf, n);
	x->err_len += n;
	x->err[x->err_len] = '\0';
}

/* Read what stderr has now (non-blocking). Closes the fd at EOF. */
static void drain_err(struct rexec *x)
{
	char buf[4096];
	ssize_t r;

	while (x->p.err_fd >= 0) {
		r = read(x->p.err_fd, buf, sizeof(buf));
		if (r > 0) {
			keep_err(x, buf, (size_t)r);
			continue;
		}
		if (r < 0 && (errno == EINTR))
			continue;
		if (r == 0 || errno != EAGAIN) {
			close(x->p.err_fd);
			x->p.err_fd = -1;
		}
		break;
	}
}

/* Wait for the exec to end (after its stdout was read to EOF or abandoned). Returns its status. */
static int rexec_finish(struct rexec *x, int kill_it)
{
	int st;

	if (!x->started)
		return -1;
	if (kill_it && x->p.pid > 0)
		kill(x->p.pid, SIGTERM);
	if (x->p.out_fd >= 0) {
		close(x->p.out_fd);
		x->p.out_fd = -1;
	}
	if (x->p.err_fd >= 0) {
		int fl = fcntl(x->p.err_fd, F_GETFL);

		fcntl(x->p.err_fd, F_SETFL, fl & ~O_NONBLOCK);
		drain_err(x);
	}
	st = proc_finish(&x->p);
	x->started = 0;
	strvec_clear(&x->argv);
	return st;
}

/* The last non-empty line of an exec's stderr ("" if none), for -v messages. */
static void last_err_line(const struct rexec *x, char *buf, size_t bufsize)
{
	size_t end = x->err_len, start;

	while (end > 0 && (x->err[end - 1] == '\n' || x->err[end - 1] == '\r'))
		end--;
	start = end;
	while (start > 0 && x->err[start - 1] != '\n')
		start--;
	snprintf(buf, bufsize, "%.*s", (int)(end - start > 300 ? 300 : end - start), x->err + start);
}

/* Report a failed exec the way kube.h does (no shell, RBAC, unreachable...). */
static int rexec_fail(struct kube *k, struct rexec *x, const struct target_pod *pod)
{
	char what[512];

	snprintf(what, sizeof(what), "cannot exec into container \"%s\" of pod \"%s\" (namespace \"%s\")",
		 pod->container, pod->name, pod->namespace);
	x->p.err_buf = x->err;
	x->p.err_len = x->err_len;
	kube_fail(k, &x->p, what);
	x->p.err_buf = NULL;
	x->p.err_len = 0;
	return -1;
}

/* ---- the pull ------------------------------------------------------------------------------- */

struct pull {
	struct kube *k;
	const struct target_pod *pod;
	const struct pull_opts *o;
	char *shown;                 /* the remote path, quoted for messages */
	struct localout lo;
	struct digest d;             /* over lo's bytes: d.len == lo.size */
	struct pull_stat st;
	struct rexec stat_x;         /* the stat exec, running while the stream copies */
	char stat_buf[STAT_OUT_MAX];
	size_t stat_len;
	enum digest_kind hash;
	int gzip;
	enum pull_seek seek;
	struct progress prog;
	int planned;                 /* plan() ran on the stat's "ready" */
	int overlap;                 /* this attempt's raw stream started before the plan */
	int gzip_pending;            /* gzip would pay if the raw stream proves slow: timing it */
	long long probe_ms;          /* when the timing began (the first byte after the plan), or 0 */
	uint64_t probe_size;         /* lo.size then */
	unsigned resumes;
	unsigned char in[PULL_BUF_SIZE];
	unsigned char dec[PULL_BUF_SIZE];    /* base64-decoded bytes */
	unsigned char gzout[PULL_BUF_SIZE];  /* what gzip -dc gave back */
};

/* Read the stat exec's stdout until `until` says so (ready or end) or EOF. 0, or -1 (parse error). */
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
			pl->k->exit_code = EX_ERROR;
			return -1;
		}
		if (pl->st.error || pl->st.end || (!want_end && pl->st.ready) ||
		    pl->stat_x.p.out_fd < 0)
			return 0;
		pfd[0].fd = pl->stat_x.p.out_fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = pl->stat_x.p.err_fd;
		pfd[1].events = POLLIN;
		n = poll(pfd, 2, 1000);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			if (progress_now_ms() - last < limit)
				continue;
			progress_end(&pl->prog);
			log_error("the stat exec in pod \"%s\" sent nothing for %lld s: giving up",
				  pl->pod->name, limit / 1000);
			pl->k->exit_code = EX_TRANSFER;
			return -1;
		}
		last = progress_now_ms();
		if (pfd[1].revents)
			drain_err(&pl->stat_x);
		if (!pfd[0].revents)
			continue;
		if (pl->stat_len >= sizeof(pl->stat_buf) - 1) {
			log_error("the stat script in pod \"%s\" printed too much", pl->pod->name);
			pl->k->exit_code = EX_ERROR;
			return -1;
		}
		r = read(pl->stat_x.p.out_fd, pl->stat_buf + pl->stat_len,
			 sizeof(pl->stat_buf) - 1 - pl->stat_len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			close(pl->stat_x.p.out_fd);
			pl->stat_x.p.out_fd = -1;
			continue;
		}
		pl->stat_len += (size_t)r;
	}
}

/* Start the stat exec without reading it. 0, or -1 (reported). */
static int stat_start(struct pull *pl, int sample)
{
	const char *args[] = { pl->o->remote_path, sample ? "1" : "0", PULL_HASHES, NULL };

	pl->stat_len = 0;
	memset(&pl->st, 0, sizeof(pl->st));
	return rexec_start(pl->k, pl->pod, pull_stat_sh, args, &pl->stat_x);
}

/* The stat exec ended before "ready": say why. Always -1. */
static int stat_failed(struct pull *pl)
{
	int status = rexec_finish(&pl->stat_x, 0);

	if (status != 0 && !strstr(pl->stat_x.err, "command terminated with exit code"))
		return rexec_fail(pl->k, &pl->stat_x, pl->pod);
	log_error("the stat script failed in pod \"%s\" (exit status %d)", pl->pod->name, status);
	log_hint("run with -vv to see what it printed");
	pl->k->exit_code = EX_ERROR;
	return -1;
}

/* Start the stat exec and read it up to "ready" (or an error). 0, or -1 (reported). */
static int stat_begin(struct pull *pl, int sample)
{
	if (stat_start(pl, sample) < 0)
		return -1;
	if (stat_read(pl, 0) < 0) {
		rexec_finish(&pl->stat_x, 1);
		return -1;
	}
	if (pl->st.ready || pl->st.error)
		return 0;
	return stat_failed(pl);
}

/* One read of the stat exec's stdout while a stream runs (it is readable). 0, or -1 (bad report). */
static int stat_poll(struct pull *pl)
{
	char err[256];
	ssize_t r;

	if (pl->stat_len >= sizeof(pl->stat_buf) - 1)
		r = 0;
	else
		r = read(pl->stat_x.p.out_fd, pl->stat_buf + pl->stat_len,
			 sizeof(pl->stat_buf) - 1 - pl->stat_len);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (r <= 0) {
		close(pl->stat_x.p.out_fd);
		pl->stat_x.p.out_fd = -1;
		return 0;
	}
	pl->stat_len += (size_t)r;
	if (pull_stat_parse(pl->stat_buf, pl->stat_len, &pl->st, err, sizeof(err)) < 0) {
		log_error("cannot read the stat script's report from pod \"%s\": %s", pl->pod->name, err);
		pl->k->exit_code = EX_ERROR;
		return -1;
	}
	return 0;
}

/* Read the rest of the stat exec (hash, size2, end) and reap it. 0 even when it was cut. */
static int stat_end(struct pull *pl)
{
	int ret = 0;

	if (!pl->stat_x.started)
		return 0;
	if (stat_read(pl, 1) < 0)
		ret = -1;
	rexec_finish(&pl->stat_x, ret < 0);
	return ret;
}

static int report_stat_error(struct pull *pl)
{
	const char *where = pl->pod->name, *ctr = pl->pod->container;

	switch (pl->st.error) {
	case PULL_STAT_NOENT:
		pl->k->exit_code = EX_NOTFOUND;
		log_error("cannot fetch %s from container \"%s\" of pod \"%s\": no such file", pl->shown, ctr,
			  where);
		log_hint("check the path: kubectl exec %s -c %s -- ls -l PATH", where, ctr);
		break;
	case PULL_STAT_ISDIR:
		pl->k->exit_code = EX_ERROR;
		log_error("cannot fetch %s from pod \"%s\": it is a directory (fetch copies one file)",
			  pl->shown, where);
		break;
	case PULL_STAT_NOTREG:
		pl->k->exit_code = EX_ERROR;
		log_error("cannot fetch %s from pod \"%s\": not a regular file (a fifo, socket or device)",
			  pl->shown, where);
		break;
	case PULL_STAT_NOPERM:
		pl->k->exit_code = EX_ERROR;
		log_error("cannot fetch %s from pod \"%s\": permission denied (the exec user cannot read it)",
			  pl->shown, where);
		break;
	case PULL_STAT_OK:
		break;
	}
	return -1;
}

/* Bytes decoded: hash them and append to the part. 0, or -1 (local write error, reported). */
static int sink(struct pull *pl, const unsigned char *buf, size_t n)
{
	if (!n)
		return 0;
	if (localout_write(&pl->lo, buf, n) < 0) {
		int e = errno;

		progress_end(&pl->prog);
		pl->k->exit_code = e == ENOSPC || e == EDQUOT ? EX_NOSPACE : EX_ERROR;
		log_error("cannot write %s: %s", pl->lo.part, strerror(e));
		if (pl->k->exit_code == EX_NOSPACE)
			log_hint("free some space and continue with --resume, or use -o on another disk");
		return -1;
	}
	digest_update(&pl->d, buf, n);
	progress_update(&pl->prog, pl->lo.size);
	return 0;
}

/* Write pending bytes to the gzip child's stdin (non-blocking). -1 when it stopped reading. */
static int gz_feed(int fd, const unsigned char *buf, size_t *off, size_t len)
{
	while (*off < len) {
		ssize_t w = write(fd, buf + *off, len - *off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return 0;
		if (w < 0)
			return -1;
		*off += (size_t)w;
	}
	return 0;
}

static int plan(struct pull *pl);

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

enum stream_end { STREAM_DONE = 0, STREAM_BROKEN, STREAM_FATAL };

static int start_gunzip(struct proc *gz)
{
	static const char *const gz_argv[] = { "gzip", "-dc", NULL };

	proc_init(gz, gz_argv);
	gz->in = PROC_IO_PIPE;
	gz->out = PROC_IO_PIPE;
	gz->err = PROC_IO_NULL;
	if (proc_start(gz) < 0)
		return -1;
	fcntl(gz->in_fd, F_SETFL, fcntl(gz->in_fd, F_GETFL) | O_NONBLOCK);
	return 0;
}

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

/* Stop a raw stream so that copy_all resumes it compressed from where it got to. */
static void stop_for_gzip(struct rexec *x, char *why, size_t whysize)
{
	snprintf(why, whysize, "switching to gzip");
	kill(x->p.pid, SIGTERM);
	close(x->p.out_fd);
	x->p.out_fd = -1;
}

/*
 * One stream exec from lo.size to EOF. STREAM_DONE: kubectl and the decoder ended cleanly;
 * STREAM_BROKEN: cut, failed, stuck or undecodable (resume from lo.size); STREAM_FATAL: reported.
 * `why` says what broke.
 */
static enum stream_end stream_once(struct pull *pl, char *why, size_t whysize)
{
	char off[24], tailarg[24];
	const char *reader = pull_stream_reader(pl->lo.size, pl->seek);
	const char *args[] = { pl->o->remote_path, off, tailarg, reader,
			       pull_stream_encoding(pl->o->encoding, pl->gzip), NULL };
	struct rexec x;
	struct proc gz;
	struct b64dec b64;
	int gz_on = 0, status, gz_status = 0;
	size_t pend_off = 0, pend_len = 0;
	long long last_data = progress_now_ms();
	enum stream_end ret = STREAM_BROKEN;
	const unsigned char *pend = NULL;

	*why = '\0';
	snprintf(off, sizeof(off), "%" PRIu64, pl->lo.size);
	snprintf(tailarg, sizeof(tailarg), "+%" PRIu64, pl->lo.size + 1);
	b64dec_init(&b64);
	if (pl->gzip) {
		if (start_gunzip(&gz) < 0) {
			pl->k->exit_code = EX_ERROR;
			log_error("cannot run the local gzip -dc: %s", strerror(errno));
			return STREAM_FATAL;
		}
		gz_on = 1;
	}
	if (rexec_start(pl->k, pl->pod, pull_stream_sh, args, &x) < 0) {
		if (gz_on) {
			kill(gz.pid, SIGTERM);
			proc_finish(&gz);
		}
		return STREAM_FATAL;
	}
	for (;;) {
		struct pollfd pfd[5];
		int n, i;
		long long now;

		/* kubectl's stdout is read only when the decoder took everything before */
		pfd[0].fd = pend_off < pend_len ? -1 : x.p.out_fd;
		pfd[1].fd = x.p.err_fd;
		pfd[2].fd = gz_on && pend_off < pend_len ? gz.in_fd : -1;
		pfd[3].fd = gz_on ? gz.out_fd : -1;
		if (pfd[0].fd < 0 && pfd[1].fd < 0 && pfd[2].fd < 0 && pfd[3].fd < 0)
			break;
		/* the stat exec started alongside (attempt): watch it until its plan is made */
		pfd[4].fd = !pl->planned && pl->stat_x.started ? pl->stat_x.p.out_fd : -1;
		for (i = 0; i < 5; i++) {
			pfd[i].events = i == 2 ? POLLOUT : POLLIN;
			pfd[i].revents = 0;
		}
		n = poll(pfd, 5, 1000);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(why, whysize, "poll: %s", strerror(errno));
			break;
		}
		now = progress_now_ms();
		if (x.p.out_fd >= 0 && now - last_data > PULL_IDLE_MS) {
			snprintf(why, whysize, "no data for %d s", PULL_IDLE_MS / 1000);
			kill(x.p.pid, SIGTERM);
			close(x.p.out_fd);
			x.p.out_fd = -1;
			if (gz_on && gz.in_fd >= 0 && pend_off >= pend_len) {
				close(gz.in_fd);
				gz.in_fd = -1;
			}
			continue;
		}
		if (pfd[1].revents)
			drain_err(&x);
		if (pfd[4].fd >= 0 && pfd[4].revents) {
			if (stat_poll(pl) < 0) {
				ret = STREAM_FATAL;
				goto out;
			}
			if (pl->st.ready || pl->st.error) {
				if (plan(pl) < 0) {
					ret = STREAM_FATAL;
					goto out;
				}
				if (pl->gzip && !gz_on) {
					/* gzip pays: stop the raw stream, resume compressed */
					stop_for_gzip(&x, why, whysize);
					continue;
				}
			}
		}
		if (pfd[3].revents) {
			ssize_t r = read(gz.out_fd, pl->gzout, sizeof(pl->gzout));

			if (r > 0) {
				if (sink(pl, pl->gzout, (size_t)r) < 0) {
					ret = STREAM_FATAL;
					goto out;
				}
			} else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
				close(gz.out_fd);
				gz.out_fd = -1;
				/* the decoder is gone: stop feeding it */
				if (gz.in_fd >= 0) {
					close(gz.in_fd);
					gz.in_fd = -1;
				}
				pend_off = pend_len = 0;
			}
		}
		if (pfd[2].revents) {
			if (gz_feed(gz.in_fd, pend, &pend_off, pend_len) < 0) {
				close(gz.in_fd);
				gz.in_fd = -1;
				pend_off = pend_len = 0;
			} else if (pend_off >= pend_len && x.p.out_fd < 0 && gz.in_fd >= 0) {
				close(gz.in_fd);
				gz.in_fd = -1;
			}
		}
		if (pfd[0].fd >= 0 && pfd[0].revents) {
			ssize_t r = read(x.p.out_fd, pl->in, sizeof(pl->in));
			const unsigned char *data = pl->in;
			size_t len;

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				close(x.p.out_fd);
				x.p.out_fd = -1;
				if (gz_on && gz.in_fd >= 0 && pend_off >= pend_len) {
					close(gz.in_fd);
					gz.in_fd = -1;
				}
				continue;
			}
			last_data = now;
			len = (size_t)r;
			if (pl->o->encoding == PULL_ENC_BASE64) {
				long d = b64dec_update(&b64, pl->in, len, pl->dec);

				if (d < 0) {
					snprintf(why, whysize, "the base64 stream is damaged");
					kill(x.p.pid, SIGTERM);
					close(x.p.out_fd);
					x.p.out_fd = -1;
					if (gz_on && gz.in_fd >= 0) {
						close(gz.in_fd);
						gz.in_fd = -1;
					}
					continue;
				}
				data = pl->dec;
				len = (size_t)d;
			}
			if (gz_on) {
				if (gz.in_fd < 0)
					continue; /* decoder gone; drain kubectl */
				pend = data;
				pend_off = 0;
				pend_len = len;
				if (gz_feed(gz.in_fd, pend, &pend_off, pend_len) < 0) {
					close(gz.in_fd);
					gz.in_fd = -1;
					pend_off = pend_len = 0;
				}
			} else if (sink(pl, data, len) < 0) {
				ret = STREAM_FATAL;
				goto out;
			} else if (pl->gzip_pending && gzip_probe(pl, now)) {
				stop_for_gzip(&x, why, whysize);
			}
		}
	}
	ret = STREAM_DONE;
out:
	status = rexec_finish(&x, ret == STREAM_FATAL || *why);
	if (gz_on) {
		if (ret == STREAM_FATAL)
			kill(gz.pid, SIGTERM);
		gz_status = proc_finish(&gz);
	}
	if (ret == STREAM_FATAL)
		return ret;
	if (*why)
		return STREAM_BROKEN;
	if (status != 0) {
		char line[320];

		last_err_line(&x, line, sizeof(line));
		if (!strstr(x.err, "command terminated with exit code") &&
		    exec_refused(kube_classify(x.err, why, whysize, NULL, 0, NULL, 0))) {
			/* not a cut stream: the exec itself is refused (RBAC, pod gone, ...) */
			rexec_fail(pl->k, &x, pl->pod);
			return STREAM_FATAL;
		}
		snprintf(why, whysize, "kubectl exited with status %d%s%s", status, *line ? ": " : "",
			 line);
		return STREAM_BROKEN;
	}
	if (gz_on && gz_status != 0) {
		snprintf(why, whysize, "the gzip stream ended early (gzip -dc exit status %d)", gz_status);
		return STREAM_BROKEN;
	}
	return STREAM_DONE;
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
		size_t want = pl->lo.size - off < sizeof(pl->in) ? (size_t)(pl->lo.size - off) : sizeof(pl->in);
		ssize_t r = pread(pl->lo.fd, pl->in, want, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			pl->k->exit_code = EX_ERROR;
			log_error("cannot read %s back: %s", pl->lo.part, r < 0 ? strerror(errno) : "short file");
			return -1;
		}
		digest_update(&pl->d, pl->in, (size_t)r);
		off += (uint64_t)r;
	}
	return 0;
}

static int restart_from_zero(struct pull *pl)
{
	if (localout_truncate(&pl->lo, 0) < 0) {
		pl->k->exit_code = EX_ERROR;
		log_error("cannot truncate %s: %s", pl->lo.part, strerror(errno));
		return -1;
	}
	digest_init(&pl->d, pl->hash);
	return 0;
}

/* Copy from lo.size to the end, resuming as needed. 0 when the stream delivered `size` bytes. */
static int copy_all(struct pull *pl)
{
	unsigned no_progress = 0;
	char why[512];

	if (pl->lo.size == pl->st.size && pl->lo.size > 0)
		return 0; /* a resumed part that is already complete: only verify it */
	for (;;) {
		uint64_t before = pl->lo.size;
		enum stream_end e;

		if (pl->lo.size > 0 && !pull_stream_reader(pl->lo.size, pl->seek)) {
			log_verbose("the pod has neither tail nor dd: starting over from byte 0");
			if (restart_from_zero(pl) < 0)
				return -1;
			before = 0;
		}
		e = stream_once(pl, why, sizeof(why));
		if (e == STREAM_FATAL)
			return -1;
		if (!pl->planned) {
			/* a stream that ended before the stat's "ready" */
			if (stat_read(pl, 0) < 0)
				return -1;
			if (!pl->st.ready && !pl->st.error)
				return stat_failed(pl);
			if (plan(pl) < 0)
				return -1;
		}
		if (e == STREAM_DONE && pl->lo.size >= pl->st.size)
			return 0;
		if (e == STREAM_DONE)
			snprintf(why, sizeof(why), "the stream ended at byte %" PRIu64 " of %" PRIu64,
				 pl->lo.size, pl->st.size);
		if (pl->lo.size > pl->st.size)
			return 0; /* grew: verification says so */
		no_progress = pl->lo.size > before ? 0 : no_progress + 1;
		if (no_progress > PULL_MAX_RETRIES) {
			progress_end(&pl->prog);
			pl->k->exit_code = EX_TRANSFER;
			log_error("cannot fetch %s from pod \"%s\": %s; gave up after %d retries without "
				  "progress at byte %" PRIu64 " of %" PRIu64, pl->shown, pl->pod->name, why,
				  PULL_MAX_RETRIES, pl->lo.size, pl->st.size);
			log_hint("%s is kept: run the same fetch with --resume to continue it", pl->lo.part);
			return -1;
		}
		progress_end(&pl->prog);
		log_verbose("stream interrupted (%s): resuming at byte %" PRIu64 " of %" PRIu64
			    " (resume %u; %u in a row without progress)", why, pl->lo.size, pl->st.size,
			    pl->resumes + 1, no_progress);
		if (strcmp(why, "switching to gzip")) {
			backoff(no_progress);
			pl->resumes++; /* a switch to gzip is a plan, not a failure: not "resumed" */
		}
	}
}

static int local_gzip_works(void)
{
	static const char *const argv[] = { "gzip", "--version", NULL };
	struct proc p;

	proc_init(&p, argv);
	p.out = PROC_IO_NULL;
	p.err = PROC_IO_NULL;
	if (proc_start(&p) < 0)
		return 0;
	return proc_finish(&p) == 0;
}

/*
 * The stat's "ready" (or error) came: choose hash, seek and gzip. 0, or -1 (reported; the stat exec
 * is finished).
 */
static int plan(struct pull *pl)
{
	if (pl->st.error) {
		stat_end(pl);
		return report_stat_error(pl);
	}
	if (!pl->st.have_size) {
		stat_end(pl);
		pl->k->exit_code = EX_ERROR;
		log_error("cannot fetch %s from pod \"%s\": the pod did not report its size", pl->shown,
			  pl->pod->name);
		return -1;
	}
	pl->hash = pull_choose_hash(pl->st.cmds);
	pl->seek = pull_choose_seek(pl->st.cmds);
	pl->gzip = pl->o->compress != PULL_COMP_NONE &&
		   pull_choose_gzip(&pl->st, pl->o->compress,
				    (pl->st.cmds & PCMD_GZIP) && local_gzip_works());
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
		pl->k->exit_code = EX_TRANSFER;
		log_error("cannot fetch %s with --encoding base64: the pod has no base64 command", pl->shown);
		log_hint("use --encoding raw (kubectl exec without a tty is binary-safe)");
		return -1;
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

/*
 * One whole attempt: stat, copy, verify. 0 verified, 1 mismatch (retry once), -1 failed.
 *
 * A fresh raw copy does not wait for the stat exec: both start at once (saving one exec's start-up,
 * ~0.3-0.8 s), the stream with `cat`, hashed locally as sha256. When the stat's "ready" arrives the
 * plan is made; if the sample says gzip would pay (and --compress auto), the raw stream is timed
 * over PULL_GZIP_PROBE_MS and, when it proves slower than PULL_GZIP_MAX_LINK_RATE, stopped and
 * resumed with gzip from where it got to (--compress gzip waits for the plan and streams gzip from
 * the start). A pod without SHA-256 means the part is hashed again locally with its tool's
 * algorithm.
 */
static int attempt(struct pull *pl, int first)
{
	char local_hex[DIGEST_HEX_MAX];
	struct digest dcopy;
	int sample = pl->o->compress == PULL_COMP_AUTO, overlap;

	pl->planned = 0;
	pl->gzip_pending = 0;
	if (!first && restart_from_zero(pl) < 0)
		goto fail;
	overlap = pl->lo.size == 0 && pl->o->encoding == PULL_ENC_RAW &&
		  pl->o->compress != PULL_COMP_GZIP;
	pl->overlap = overlap;
	if (overlap) {
		if (stat_start(pl, sample) < 0)
			return -1;
		pl->hash = DIGEST_SHA256; /* provisional: the pod's answer may change it */
		pl->seek = PULL_SEEK_NONE;
		pl->gzip = 0;
		digest_init(&pl->d, DIGEST_SHA256);
		progress_start(&pl->prog, pl->o->local_path, 0, 0);
	} else {
		if (stat_begin(pl, sample) < 0 || plan(pl) < 0)
			return -1;
		if (pl->lo.size > pl->st.size) {
			log_info("%s is longer than the file in the pod: starting over", pl->lo.part);
			if (restart_from_zero(pl) < 0)
				goto fail;
		} else if (digest_existing(pl) < 0) {
			goto fail;
		}
		if (pl->lo.size)
			log_verbose("continuing %s at byte %" PRIu64, pl->lo.part, pl->lo.size);
		progress_start(&pl->prog, pl->o->local_path, pl->st.size, pl->lo.size);
	}
	if (copy_all(pl) < 0)
		goto fail;
	progress_end(&pl->prog);
	if (stat_end(pl) < 0)
		goto fail;
	if (pl->hash != DIGEST_NONE && pl->st.hash == DIGEST_NONE) {
		/* the stat exec was cut before it hashed: ask again */
		log_verbose("the pod's hash did not arrive: hashing again");
		if (stat_begin(pl, 0) < 0 || stat_end(pl) < 0)
			goto fail;
	}
	if (pl->hash != DIGEST_NONE && pl->d.kind != pl->hash) {
		/* hashed as sha256 while the pod had another tool: hash the part with that one */
		if (digest_file(pl->hash, pl->lo.part, local_hex, sizeof(local_hex)) < 0) {
			pl->k->exit_code = EX_ERROR;
			log_error("cannot read %s back: %s", pl->lo.part, strerror(errno));
			goto fail;
		}
	} else {
		dcopy = pl->d;
		if (digest_final(&dcopy, local_hex, sizeof(local_hex)) < 0)
			goto fail;
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
fail:
	progress_end(&pl->prog);
	if (pl->stat_x.started)
		rexec_finish(&pl->stat_x, 1);
	if (!pl->k->exit_code)
		pl->k->exit_code = EX_TRANSFER;
	return -1;
}

static int open_local(struct pull *pl)
{
	const struct pull_opts *o = pl->o;

	switch (localout_open(&pl->lo, o->local_path, o->private_mode, o->resume, o->force)) {
	case LOCALOUT_OK:
		return 0;
	case LOCALOUT_EXISTS:
		pl->k->exit_code = EX_EXISTS;
		log_error("%s already exists", o->local_path);
		log_hint("use --force to overwrite it, or -o to write elsewhere");
		return -1;
	case LOCALOUT_PART_EXISTS:
		pl->k->exit_code = EX_EXISTS;
		log_error("%s.part exists: an earlier fetch was interrupted", o->local_path);
		log_hint("--resume continues it; --force starts over");
		return -1;
	case LOCALOUT_ERR:
		break;
	}
	pl->k->exit_code = errno == ENOSPC ? EX_NOSPACE : EX_ERROR;
	log_error("cannot create %s.part: %s", o->local_path, strerror(errno));
	return -1;
}

int pull_file(struct kube *k, const struct target_pod *pod, const struct pull_opts *o,
	      struct pull_result *r)
{
	const char *words[] = { o->remote_path, NULL };
	long long t0 = progress_now_ms();
	struct pull *pl;
	int ret = -1, rc, i, created = 0;

	memset(r, 0, sizeof(*r));
	pl = calloc(1, sizeof(*pl));
	if (!pl) {
		k->exit_code = EX_ERROR;
		log_error("cannot fetch: out of memory");
		return -1;
	}
	pl->k = k;
	pl->pod = pod;
	pl->o = o;
	pl->lo.fd = -1;
	rexec_init(&pl->stat_x);
	pl->shown = sh_quote_argv(words);
	if (!pl->shown) {
		k->exit_code = EX_ERROR;
		log_error("cannot fetch: out of memory");
		goto out;
	}
	if (open_local(pl) < 0)
		goto out;
	created = !pl->lo.size;
	if (o->resume && pl->lo.size)
		log_info("resuming %s from byte %" PRIu64, pl->lo.part, pl->lo.size);
	for (i = 0; i < 2; i++) {
		k->exit_code = 0;
		rc = attempt(pl, i == 0);
		if (rc < 0)
			goto out;
		if (rc == 0)
			break;
		if (i == 0)
			log_info("copying the whole file again");
	}
	if (i == 2) {
		k->exit_code = EX_TRANSFER;
		log_error("cannot fetch %s from pod \"%s\": the copy did not verify twice", pl->shown,
			  pod->name);
		log_hint("%s is kept for inspection; it was not renamed to %s", pl->lo.part, o->local_path);
		goto out;
	}
	if (localout_commit(&pl->lo, o->force) < 0) {
		k->exit_code = errno == EEXIST ? EX_EXISTS : errno == ENOSPC ? EX_NOSPACE : EX_ERROR;
		log_error("cannot rename %s to %s: %s", pl->lo.part, o->local_path, strerror(errno));
		goto out;
	}
	if (pl->hash == DIGEST_NONE)
		log_info("verified by size only: the pod has no sha256sum, md5sum or cksum");
	r->size = pl->lo.size;
	r->hash = pl->hash;
	if (pl->hash != DIGEST_NONE)
		strlcpy(r->hash_hex, pl->st.hash_hex, sizeof(r->hash_hex));
	r->seconds = (double)(progress_now_ms() - t0) / 1000.0;
	r->rate = progress_rate(&pl->prog);
	r->resumes = pl->resumes;
	r->gzip = pl->gzip;
	r->encoding_base64 = o->encoding == PULL_ENC_BASE64;
	k->exit_code = EX_OK;
	ret = 0;
out:
	if (pl->stat_x.started)
		rexec_finish(&pl->stat_x, 1);
	/* nothing arrived (no such file, exec refused): leave no empty NAME.part behind */
	if (ret < 0 && created && pl->lo.fd >= 0 && pl->lo.size == 0)
		unlink(pl->lo.part);
	localout_release(&pl->lo);
	free(pl->shown);
	free(pl);
	return ret;
}
