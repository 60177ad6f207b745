/*
 * provision.c - get a diagnostics tool into the pod's workspace: push it from the local cache,
 * reuse the pod's own verified copy, or download it inside the pod (src/pod/poddl.sh), in the order the
 * strategy asks. Strategies and guarantees: include/provision.h.
 */
#include "provision.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "digest.h"
#include "exitcodes.h"
#include "kube.h"
#include "log.h"
#include "podexec.h"
#include "podscripts.h"
#include "probe.h"
#include "progress.h"
#include "push.h"
#include "target.h"
#include "toolcache.h"
#include "toolsums.h"
#include "workspace.h"

#define PROV_TOOL_MAX 64
/* A download in the pod prints nothing until it ends: wget's limit there is 900 s. */
#define PODDL_IDLE_MS (16 * 60 * 1000)

/* A failure that a later step may still make good; printed only when it is the last word. */
struct prov_err {
	int code;               /* DPX_*; 0: already printed (kubectl or push failed): final, and the
				   step returned its -DPX_* */
	int final;              /* no later step may run (a download that did not match its SHA-512) */
	char what[DOWNLOAD_URL_MAX + 256];
	char why[1024];
	char hint[768];
};

/* Everything one provision_tool call works with. */
struct prov {
	struct kube *k;
	const struct target_pod *pod;
	const struct probe *pr;
	const struct workspace *ws;
	const char *rid;
	const struct provision_opts *o;
	struct provision_result *r;
	char name[PROV_TOOL_MAX];       /* dotnet-trace */
	char dest[PROV_TOOL_MAX + 8];   /* tools/dotnet-trace */
	char label[PROV_TOOL_MAX + 64]; /* "dotnet-trace linux-x64" */
	char url[DOWNLOAD_URL_MAX];
	int cached;
	struct toolcache_entry ce;
	int pod_ok;                     /* the pod's copy matches `expect` (or, with none, its .sum) */
	char pod_hashcmd[16], pod_hash[DIGEST_HEX_MAX], pod_size[24];
	int pod_sha512;                 /* the pod may compute SHA-512 (sha512sum or openssl) */
	char expect[DIGEST_HEX_MAX];    /* the SHA-512 known here that the tool must have; "" none */
	char expect_from[DOWNLOAD_URL_MAX + 128]; /* where it came from, for messages */
	int warned_http;                /* the plain-http warning was printed */
	int sums_done;                  /* sums_* hold the SHA512SUMS lookup */
	enum toolsums_result sums;
	char sums_hex[DIGEST_HEX_MAX], sums_why[1024];
	int pod_tried;                  /* a download in the pod failed before */
	char pod_why[1024];
};

static void setf(char *buf, size_t size, const char *fmt, ...) LOG_PRINTF(3, 4);

static void setf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !size)
		return;
	va_start(ap, fmt);
	if (vsnprintf(buf, size, fmt, ap) < 0)
		buf[0] = '\0';
	va_end(ap);
}

int provision_parse_strategy(const char *s, enum provision_strategy *out)
{
	if (!s || !strcmp(s, "auto"))
		*out = PROV_AUTO;
	else if (!strcmp(s, "local"))
		*out = PROV_LOCAL;
	else if (!strcmp(s, "pod"))
		*out = PROV_POD;
	else
		return -1;
	return 0;
}

static size_t plan_local(int cached, int refresh, enum provision_step *steps, char *why,
			 size_t whysize)
{
	if (cached && !refresh) {
		steps[0] = PSTEP_PUSH_CACHED;
		setf(why, whysize, "--download local: the local cache has it: push it (a matching copy "
		     "in the pod is reused)");
	} else {
		steps[0] = PSTEP_LOCAL_DOWNLOAD;
		setf(why, whysize, "--download local: %s: download here, then push",
		     refresh ? "--refresh" : "not in the local cache");
	}
	return 1;
}

static size_t plan_pod(int pod_copy_ok, int can_download, int can_verify, int refresh,
		       enum provision_step *steps, char *why, size_t whysize)
{
	if (pod_copy_ok && !refresh) {
		steps[0] = PSTEP_REUSE_POD;
		setf(why, whysize, "--download pod: the pod's copy matches %s: reuse it",
		     can_verify ? "the expected sha512" : "its .sum");
		return 1;
	}
	if (can_download) {
		steps[0] = PSTEP_POD_DOWNLOAD;
		setf(why, whysize, "--download pod: %s: download in the pod",
		     refresh ? "--refresh" : "no valid copy in the pod");
		return 1;
	}
	setf(why, whysize, "--download pod: no valid copy in the pod, and it cannot download");
	return 0;
}

static size_t plan_auto(int cached, int pod_copy_ok, int can_download, int can_verify, int refresh,
			enum provision_step *steps, char *why, size_t whysize)
{
	const char *first = refresh ? "--refresh" : "not in the local cache";
	size_t n = 0;

	if (cached && !refresh) {
		steps[0] = PSTEP_PUSH_CACHED;
		setf(why, whysize, "the local cache has it: push it (a matching copy in the pod is "
		     "reused)");
		return 1;
	}
	/* what the pod has or fetches runs only when its SHA-512 matches a value known here */
	if (pod_copy_ok && can_verify && !refresh) {
		steps[0] = PSTEP_REUSE_POD;
		setf(why, whysize, "%s; the pod's copy matches the expected sha512: reuse it", first);
		return 1;
	}
	if (can_download && can_verify)
		steps[n++] = PSTEP_POD_DOWNLOAD;
	steps[n++] = PSTEP_LOCAL_DOWNLOAD;
	setf(why, whysize, "%s, %s: %s", first,
	     refresh ? "the pod's copy is not reused" : "no verified copy in the pod",
	     !can_download ? "the pod cannot download: download here and push"
	     : can_verify ? "download in the pod (verified by sha512), else here and push"
			  : "a download in the pod could not be verified: download here and push");
	return n;
}

size_t provision_plan(enum provision_strategy strategy, int cached_locally, int pod_copy_ok,
		      int pod_can_download, int pod_can_verify, int refresh, enum provision_step *steps,
		      char *why, size_t whysize)
{
	switch (strategy) {
	case PROV_LOCAL:
		return plan_local(cached_locally, refresh, steps, why, whysize);
	case PROV_POD:
		return plan_pod(pod_copy_ok, pod_can_download, pod_can_verify, refresh, steps, why,
				whysize);
	case PROV_AUTO:
		break;
	}
	return plan_auto(cached_locally, pod_copy_ok, pod_can_download, pod_can_verify, refresh,
			 steps, why, whysize);
}

/* ---- the pod's side: poddl.sh ---- */

/* Run poddl.sh with `args`; 0 with the report's kind and fields, -DPX_* when kubectl failed (printed). */
static int poddl_run(struct prov *pv, const char *const *args, struct proc *p, const char **kind,
		     char **f)
{
	int n, ret;

	*kind = NULL;
	f[0] = f[1] = f[2] = NULL;
	proc_init(p, NULL);
	p->idle_ms = PODDL_IDLE_MS;
	if ((ret = podexec_script(pv->k, pv->pod, poddl_sh, args, p)) < 0)
		return ret;
	n = p->out_buf ? push_parse_report(p->out_buf, kind, &f[0], &f[1], &f[2]) : -1;
	if (n < 0)
		*kind = NULL;
	return 0;
}

/* The digest name of a pod hash command ("sha256sum" -> "sha256"; "-" -> "size only"). */
static const char *hashcmd_name(const char *cmd)
{
	enum digest_kind d;

	for (d = DIGEST_SHA256; d <= DIGEST_SHA512; d++)
		if (digest_command(d) && !strcmp(digest_command(d), cmd))
			return digest_name(d);
	return digest_name(DIGEST_NONE);
}

/*
 * Does the pod hold a copy whose SHA-512 is pv->expect (with none known here: that still matches its
 * .sum)? Sets pv->pod_ok; -DPX_* when kubectl failed.
 */
static int pod_check(struct prov *pv)
{
	const char *const args[] = { "check", pv->ws->path, pv->name,
				     pv->expect[0] ? pv->expect : "-", NULL };
	const char *kind;
	char *f[3];
	struct proc p;
	int ret;

	if ((ret = poddl_run(pv, args, &p, &kind, f)) < 0)
		goto out;
	/* a value that does not fit is not what we recorded: no reuse */
	if (kind && !strcmp(kind, "have") && f[2] &&
	    strlcpy(pv->pod_hashcmd, f[0], sizeof(pv->pod_hashcmd)) < sizeof(pv->pod_hashcmd) &&
	    strlcpy(pv->pod_hash, f[1], sizeof(pv->pod_hash)) < sizeof(pv->pod_hash) &&
	    strlcpy(pv->pod_size, f[2], sizeof(pv->pod_size)) < sizeof(pv->pod_size)) {
		pv->pod_ok = 1;
	} else {
		log_verbose("tool: %s: no reusable copy in the pod: %s", pv->label,
			    kind && !strcmp(kind, "none") && f[0] ? f[0] : "the check gave no answer");
	}
out:
	proc_release(&p);
	return ret;
}

/* What a failed pod download means: exit code, why, hint. */
static void pod_fail_explain(struct prov *pv, const char *cat, const char *msg,
			     struct prov_err *e)
{
	static const struct {
		const char *cat, *why;
		int code;
	} map[] = {
		{ "unreachable", "the pod cannot reach the server", DPX_DOWNLOAD },
		{ "timeout", "the download timed out", DPX_DOWNLOAD },
		{ "partial", "the transfer broke off", DPX_DOWNLOAD },
		{ "http", "the server answered with an error", DPX_DOWNLOAD },
		{ "nocmd", "the container has neither curl nor wget", DPX_DOWNLOAD },
		{ "insecure", "the server redirected https to a plain http URL", DPX_DOWNLOAD },
		{ "nohash", "the pod cannot compute SHA-512 to verify it", DPX_DOWNLOAD },
		{ "toobig", "what came is larger than any tool", DPX_BADTOOL },
		{ "mismatch", "its sha512 is not the expected one", DPX_BADTOOL },
		{ "notelf", "what came is not the tool", DPX_BADTOOL },
		{ "arch", "what came is not the tool for this pod", DPX_BADTOOL },
		{ "small", "what came is too small to be the tool", DPX_BADTOOL },
		{ "space", "no space left in the pod", DPX_NOSPACE },
	};
	const char *why = "it failed";
	size_t i;

	if (!cat)
		cat = "";
	e->code = DPX_ERROR;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(cat, map[i].cat)) {
			why = map[i].why;
			e->code = map[i].code;
		}
	setf(e->what, sizeof(e->what), "cannot download %s for %s in pod \"%s\" from %s", pv->name,
	     pv->rid, pv->pod->name, pv->url);
	setf(e->why, sizeof(e->why), "%s (%s)", why, msg && *msg ? msg : "no message");
	if (!strcmp(cat, "mismatch")) {
		/* altered on its way, or the mirror changed it: nothing else from there is tried */
		e->final = 1;
		setf(e->what, sizeof(e->what), "the copy of %s downloaded in pod \"%s\" from %s does "
		     "not match its SHA-512", pv->label, pv->pod->name, pv->url);
		setf(e->why, sizeof(e->why), "sha512 %s, expected %s (%s); the file was deleted from "
		     "the pod and nothing ran", msg && *msg ? msg : "?", pv->expect, pv->expect_from);
		setf(e->hint, sizeof(e->hint), "something between the pod and %s altered the download "
		     "(a proxy in the pod's network?), or the mirror serves another build than its "
		     "checksums say: --download local downloads here instead, or fix the mirror", pv->url);
	} else if (e->code == DPX_NOSPACE)
		setf(e->hint, sizeof(e->hint), "free some space in %s, or run `kubectl dotnetprof "
		     "clean` for what earlier runs left", pv->ws->path);
	else if (!strcmp(cat, "arch"))
		setf(e->hint, sizeof(e->hint), "the server sent a build for another platform: check "
		     "that the mirror's layout is BASE/%s/%s, or use --download local", pv->name,
		     pv->rid);
	else if (e->code == DPX_BADTOOL)
		setf(e->hint, sizeof(e->hint), "a proxy or captive portal in the pod's network may have "
		     "answered: use --download local (downloads here and pushes the tool), or "
		     "--tools-url (or %s) for a mirror", TOOLCACHE_URL_ENV);
	else if (e->code == DPX_DOWNLOAD)
		setf(e->hint, sizeof(e->hint), "when the pod has no internet access, use --download "
		     "local (downloads here and pushes the tool); --tools-url (or %s) for a mirror",
		     TOOLCACHE_URL_ENV);
	else
		e->hint[0] = '\0';
}

static int pod_download(struct prov *pv, struct prov_err *e)
{
	enum digest_kind hk = pv->pod_sha512 ? DIGEST_SHA512 : probe_best_hash(pv->pr->cmds);
	const char *hashcmd = digest_command(hk) ? digest_command(hk) : "-";
	int verify = pv->expect[0] && pv->pod_sha512;
	char minsize[24], maxsize[24], maxtime[24];
	const char *const args[] = { "download", pv->ws->path, pv->name, pv->ws->runid, pv->rid,
				     pv->url, hashcmd, minsize, verify ? pv->expect : "-", maxsize,
				     maxtime, NULL };
	const char *kind;
	char *f[3], sz[32];
	struct proc p;
	int ret = -1;

	snprintf(minsize, sizeof(minsize), "%ld", (long)TOOLCACHE_MIN_SIZE);
	snprintf(maxsize, sizeof(maxsize), "%llu", (unsigned long long)TOOLCACHE_MAX_SIZE);
	snprintf(maxtime, sizeof(maxtime), "%ld", toolcache_max_time());
	log_verbose("tool: %s: downloading in the pod from %s", pv->label, pv->url);
	if ((ret = poddl_run(pv, args, &p, &kind, f)) < 0) {
		e->code = 0;
		goto out;
	}
	ret = -1;
	if (!kind || strcmp(kind, "ok") || !f[2]) {
		char msg[64];

		snprintf(msg, sizeof(msg), "the pod's script ended without a report, exit status %d",
			 p.status);
		pod_fail_explain(pv, kind && !strcmp(kind, "fail") ? f[0] : NULL,
				 kind && f[1] ? f[1] : msg, e);
		goto out;
	}
	pv->r->downloaded_in_pod = 1;
	log_info("downloaded %s in pod \"%s\" with %s: %s, %s", pv->label, pv->pod->name, f[0],
		 progress_fmt_size(strtoull(f[2], NULL, 10), sz, sizeof(sz)),
		 verify ? "sha512 verified" : "NOT verified");
	log_verbose("tool: %s: downloaded in the pod with %s from %s (%s %s, %s bytes)", pv->label,
		    f[0], pv->url, hashcmd_name(hashcmd), f[1], f[2]);
	ret = 0;
out:
	proc_release(&p);
	return ret;
}

/* ---- here: the local cache and the push ---- */

/*
 * Push the cached file (pv->ce) into tools/; reuse a matching pod copy unless --refresh. `from`:
 * the URL it was just downloaded from, NULL for a cache hit.
 */
static int push_cached(struct prov *pv, const char *from)
{
	struct push_opts po;
	struct push_result pr;
	int ret;

	memset(&po, 0, sizeof(po));
	po.local_path = pv->ce.path;
	po.dest = pv->dest;
	po.kind = "tool";
	po.mode = 0700;
	po.encoding = PUSH_ENC_RAW;
	po.reuse = !pv->o->refresh;
	po.label = pv->name;
	if ((ret = push_file(pv->k, pv->pod, pv->pr->cmds, pv->ws, &po, &pr)) < 0)
		return ret;
	pv->r->uploaded = !pr.reused;
	if (from && pr.reused)
		log_verbose("tool: %s: downloaded here from %s; reused the copy in the pod (same size "
			    "and %s %s)", pv->label, from, digest_name(pr.hash), pr.hash_hex);
	else if (from)
		log_verbose("tool: %s: downloaded here from %s, pushed into the pod (%s %s, %llu "
			    "bytes)", pv->label, from, digest_name(pr.hash), pr.hash_hex,
			    (unsigned long long)pr.size);
	else if (pr.reused)
		log_verbose("tool: %s: reused the copy in the pod (same size and %s %s as the local "
			    "cache's)", pv->label, digest_name(pr.hash), pr.hash_hex);
	else
		log_verbose("tool: %s: pushed from the local cache (%s; %s %s, %llu bytes)", pv->label,
			    pv->ce.path, digest_name(pr.hash), pr.hash_hex,
			    (unsigned long long)pr.size);
	return 0;
}

static int toolcache_exit(const struct toolcache_error *err)
{
	switch (err->status) {
	case TOOLCACHE_ERR_USAGE:
		return DPX_USAGE;
	case TOOLCACHE_ERR_NETWORK:
	case TOOLCACHE_ERR_HTTP:
		return DPX_DOWNLOAD;
	case TOOLCACHE_ERR_INVALID:
		return DPX_BADTOOL;
	case TOOLCACHE_ERR_LOCAL:
		return err->sys_errno == ENOSPC ? DPX_NOSPACE : DPX_ERROR;
	case TOOLCACHE_ERR_INTERRUPTED:
		return DPX_INTERRUPTED;
	case TOOLCACHE_ERR_UNSAFE:
		return DPX_ERROR;
	case TOOLCACHE_OK:
	case TOOLCACHE_NOT_CACHED:
		break;
	}
	return DPX_ERROR;
}

/* The mirror's (or $DOTNETPROF_TOOLS_SHA512SUMS's) SHA-512 of the tool: looked up once per run. */
static enum toolsums_result sums_get(struct prov *pv)
{
	if (pv->sums_done)
		return pv->sums;
	pv->sums = toolsums_lookup(pv->o->tools_url, pv->name, pv->rid, pv->o->interrupted,
				   pv->sums_hex, sizeof(pv->sums_hex), pv->sums_why,
				   sizeof(pv->sums_why));
	pv->sums_done = 1;
	if (pv->sums != TOOLSUMS_MISSING)
		log_verbose("tool: %s: %s", pv->label, pv->sums_why);
	return pv->sums;
}

/* An explicit sums file that does not list the tool: nothing can be verified, nothing is used. */
static void sums_missing(struct prov *pv, struct prov_err *e)
{
	e->code = DPX_BADTOOL;
	e->final = 1;
	setf(e->what, sizeof(e->what), "cannot verify %s", pv->label);
	strlcpy(e->why, pv->sums_why, sizeof(e->why));
	setf(e->hint, sizeof(e->hint), "%s names the checksums to trust: add the tool's line, or "
	     "unset it", TOOLSUMS_ENV);
}

static int local_download(struct prov *pv, struct prov_err *e)
{
	struct toolcache_opts to;
	struct toolcache_error *err = calloc(1, sizeof(*err));
	int ret = -1;

	if (!err) {
		e->code = 0;
		log_error("cannot provision %s: out of memory", pv->label);
		return -DPX_ERROR;
	}
	memset(&to, 0, sizeof(to));
	to.base_url = pv->o->tools_url;
	to.refresh = pv->o->refresh;
	to.progress = pv->o->progress;
	to.interrupted = pv->o->interrupted;
	if (sums_get(pv) == TOOLSUMS_MISSING) {
		sums_missing(pv, e);
		goto out;
	}
	if (pv->sums == TOOLSUMS_FOUND)
		to.expected_sha512 = pv->sums_hex;
	if (toolcache_get(pv->name, pv->rid, &to, &pv->ce, err) != TOOLCACHE_OK) {
		e->code = toolcache_exit(err);
		strlcpy(e->what, err->what, sizeof(e->what));
		strlcpy(e->why, err->why, sizeof(e->why));
		strlcpy(e->hint, err->hint, sizeof(e->hint));
		if (pv->pod_tried && e->code == DPX_DOWNLOAD)
			setf(e->hint, sizeof(e->hint), "neither this machine nor the pod could download "
			     "it: use --tools-url (or %s) for a mirror you can reach, or put the tool "
			     "into the local cache", TOOLCACHE_URL_ENV);
		goto out;
	}
	pv->r->downloaded_here = pv->ce.downloaded;
	ret = push_cached(pv, pv->ce.downloaded ? pv->ce.source_url : NULL);
	if (ret < 0)
		e->code = 0;
out:
	free(err);
	return ret;
}

/* --download pod with nothing to verify the pod's copy against: it goes on, and says so loudly. */
static void warn_unverified(struct prov *pv)
{
	log_warn("the copy of %s in pod \"%s\" is NOT verified: %s", pv->label, pv->pod->name,
		 pv->expect[0] ? "the pod has neither sha512sum nor openssl to compute its SHA-512"
			       : "nothing here says what its SHA-512 must be (no SHA512SUMS, no copy "
				 "in the local cache)");
	log_hint("pin it: put the line \"SHA512  %s/%s\" (its known SHA-512) into a file and set "
		 "%s=FILE; or use --download local (downloaded here, verified, pushed)", pv->rid,
		 pv->name, TOOLSUMS_ENV);
}

/*
 * A download from a plain http URL: said once per run, before it starts. A warning, unless the
 * user pinned its SHA-512 (TOOLSUMS_ENV naming a file or an https URL): then the pin authenticates
 * what comes, and -v says so.
 */
static void warn_plain_http(struct prov *pv)
{
	const char *env = getenv(TOOLSUMS_ENV);
	const char *pinned = env && *env && pv->sums == TOOLSUMS_FOUND ? env : NULL;

	if (pv->warned_http || strncasecmp(pv->url, "http://", 7))
		return;
	pv->warned_http = 1;
	if (pinned && strncasecmp(pinned, "http://", 7))
		log_verbose("downloading %s from a plain http URL (%s): checked against the SHA-512 "
			    "pinned in %s", pv->label, pv->url, TOOLSUMS_ENV);
	else if (pinned)
		log_warn("downloading %s from a plain http URL (%s): it is not authenticated; it is "
			 "checked against %s, itself a plain http URL", pv->label, pv->url,
			 TOOLSUMS_ENV);
	else
		log_warn("downloading %s from a plain http URL (%s): nothing authenticates it (a "
			 "network attacker could replace the tool%s); use https, or pin its SHA-512 "
			 "with %s", pv->label, pv->url, pv->sums == TOOLSUMS_FOUND ?
			 " and the SHA512SUMS beside it" : "", TOOLSUMS_ENV);
}

/* ---- the steps ---- */

static const char *step_name(enum provision_step s)
{
	switch (s) {
	case PSTEP_PUSH_CACHED:
		return "push from the local cache";
	case PSTEP_REUSE_POD:
		return "reuse the pod's copy";
	case PSTEP_POD_DOWNLOAD:
		return "download in the pod";
	case PSTEP_LOCAL_DOWNLOAD:
		return "download here and push";
	}
	return "?";
}

static int run_step(struct prov *pv, enum provision_step s, struct prov_err *e)
{
	e->code = 0;
	switch (s) {
	case PSTEP_PUSH_CACHED:
		return push_cached(pv, NULL); /* on failure push_file printed why */
	case PSTEP_REUSE_POD:
		if (!(pv->expect[0] && pv->pod_sha512))
			warn_unverified(pv);
		if (pv->expect[0] && pv->pod_sha512)
			log_verbose("tool: %s: reused the copy in the pod (sha512 %s, %s bytes, as "
				    "expected by %s)", pv->label, pv->pod_hash, pv->pod_size,
				    pv->expect_from);
		else
			log_verbose("tool: %s: reused the copy in the pod (%s %s, %s bytes, as recorded "
				    "when it was downloaded there; not verified)", pv->label,
				    hashcmd_name(pv->pod_hashcmd), pv->pod_hash, pv->pod_size);
		return 0;
	case PSTEP_POD_DOWNLOAD:
		if (!(pv->expect[0] && pv->pod_sha512))
			warn_unverified(pv);
		warn_plain_http(pv);
		return pod_download(pv, e);
	case PSTEP_LOCAL_DOWNLOAD:
		if (sums_get(pv) != TOOLSUMS_MISSING)
			warn_plain_http(pv);
		return local_download(pv, e);
	}
	return -DPX_ERROR;
}

/* The last step's failure, which no other step can make good. Returns -e->code. */
static int print_err(struct prov *pv, const struct prov_err *e)
{
	log_error("%s: %s", e->what, e->why);
	if (pv->pod_tried)
		log_item("the download in pod \"%s\" failed first: %s", pv->pod->name, pv->pod_why);
	if (e->hint[0])
		log_hint("%s", e->hint);
	return -e->code;
}

/* Ctrl-C came: say so and return -DPX_INTERRUPTED; else 0. */
static int interrupted(struct prov *pv)
{
	if (!pv->o->interrupted || !*pv->o->interrupted)
		return 0;
	log_error("provisioning %s interrupted", pv->label);
	return -DPX_INTERRUPTED;
}

static int run_steps(struct prov *pv, const enum provision_step *steps, size_t n)
{
	struct prov_err *e = calloc(1, sizeof(*e));
	size_t i;
	int ret = -DPX_ERROR, rc;

	if (!e) {
		log_error("cannot provision %s: out of memory", pv->label);
		return ret;
	}
	for (i = 0; i < n; i++) {
		if ((ret = interrupted(pv)) < 0)
			break;
		pv->r->step = steps[i];
		if ((rc = run_step(pv, steps[i], e)) == 0) {
			ret = 0;
			break;
		}
		ret = rc;
		if (!e->code)
			break; /* printed: the exec or the push itself failed */
		if ((rc = interrupted(pv)) < 0) {
			ret = rc;
			break;
		}
		if (i + 1 < n && !e->final && (e->code == DPX_DOWNLOAD || e->code == DPX_BADTOOL)) {
			log_verbose("tool: %s: %s failed (%s: %s), trying: %s", pv->label,
				    step_name(steps[i]), e->what, e->why, step_name(steps[i + 1]));
			pv->pod_tried = steps[i] == PSTEP_POD_DOWNLOAD;
			strlcpy(pv->pod_why, e->why, sizeof(pv->pod_why));
			continue;
		}
		ret = print_err(pv, e);
		break;
	}
	free(e);
	return ret;
}

/* ---- provision_tool ---- */

static int prov_init(struct prov *pv, const char *tool)
{
	int n;

	n = snprintf(pv->name, sizeof(pv->name), "%s%s", strncmp(tool, "dotnet-", 7) ? "dotnet-" : "",
		     tool);
	if (n < 0 || (size_t)n >= sizeof(pv->name) ||
	    toolcache_url(pv->name, pv->rid, pv->o->tools_url, pv->url, sizeof(pv->url)) < 0) {
		log_error("cannot provision \"%s\" for %s: invalid tool name, RID or tools URL", tool,
			  pv->rid);
		log_hint("--tools-url (or %s) must start with http://, https:// or file://",
			 TOOLCACHE_URL_ENV);
		return -DPX_USAGE;
	}
	snprintf(pv->label, sizeof(pv->label), "%s %s", pv->name, pv->rid); /* for messages */
	n = snprintf(pv->dest, sizeof(pv->dest), "tools/%s", pv->name); /* fits: name is shorter */
	if (n >= 0 && (size_t)n < sizeof(pv->dest))
		n = snprintf(pv->r->remote_path, sizeof(pv->r->remote_path), "%s/%s", pv->ws->path,
			     pv->dest);
	if (n < 0 || (size_t)n >= sizeof(pv->r->remote_path)) {
		log_error("cannot provision %s: the workspace path is too long", pv->label);
		return -DPX_ERROR;
	}
	return 0;
}

/*
 * Is the tool in the local cache (no network)? Not asked with --refresh. For --download pod its
 * recorded SHA-512 is what the pod's copy must have when no SHA512SUMS says. A cache that others
 * may write is refused: -DPX_ERROR (printed); else 0.
 */
static int local_lookup(struct prov *pv)
{
	struct toolcache_error *err;
	enum toolcache_status st;
	int ret = 0;

	if (pv->o->refresh)
		return 0;
	err = calloc(1, sizeof(*err));
	if (!err)
		return 0;
	st = toolcache_lookup(pv->name, pv->rid, NULL, &pv->ce, err);
	pv->cached = st == TOOLCACHE_OK;
	if (st == TOOLCACHE_ERR_UNSAFE) {
		toolcache_log_error(err);
		ret = -DPX_ERROR;
	} else if (!pv->cached && st != TOOLCACHE_NOT_CACHED) { /* -v says "not cached" */
		log_verbose("tool: %s: the local cache cannot be used: %s: %s", pv->label, err->what,
			    err->why);
	}
	free(err);
	return ret;
}

/*
 * The SHA-512 a copy in the pod must have, known here (pv->expect): the mirror's SHA512SUMS (or
 * $DOTNETPROF_TOOLS_SHA512SUMS), else the local cache's record of the tool. Asked only when a copy
 * in the pod may be used. -DPX_BADTOOL (printed) when an explicit sums file does not list the tool.
 */
static int expect_lookup(struct prov *pv)
{
	struct prov_err *e;

	switch (sums_get(pv)) {
	case TOOLSUMS_FOUND:
		strlcpy(pv->expect, pv->sums_hex, sizeof(pv->expect));
		strlcpy(pv->expect_from, pv->sums_why, sizeof(pv->expect_from));
		return 0;
	case TOOLSUMS_MISSING:
		if ((e = calloc(1, sizeof(*e))) != NULL) {
			sums_missing(pv, e);
			log_error("%s: %s", e->what, e->why);
			log_hint("%s", e->hint);
			free(e);
		}
		return -DPX_BADTOOL;
	case TOOLSUMS_NONE:
		break;
	}
	if (pv->cached) {
		strlcpy(pv->expect, pv->ce.sha512, sizeof(pv->expect));
		setf(pv->expect_from, sizeof(pv->expect_from), "the local cache's copy, downloaded %s "
		     "from %s", pv->ce.date, pv->ce.source_url);
	}
	return 0;
}


static int is_http(const char *url)
{
	return !strncasecmp(url, "http://", 7) || !strncasecmp(url, "https://", 8);
}

/* Can the pod download from pv->url? -v says why not. */
static int pod_can_download(struct prov *pv)
{
	if (!(pv->pr->cmds & (PCMD_CURL | PCMD_WGET))) {
		log_verbose("tool: %s: the pod has neither curl nor wget", pv->label);
		return 0;
	}
	if (!is_http(pv->url)) {
		log_verbose("tool: %s: the pod cannot download from %s (not http or https)", pv->label,
			    pv->url);
		return 0;
	}
	return 1;
}

/* Nothing can work (--download pod without curl/wget or with a file:// URL): say so. */
static int nothing_works(struct prov *pv)
{
	int ret = -DPX_DOWNLOAD;

	if (!is_http(pv->url)) {
		ret = -DPX_USAGE;
		log_error("cannot download %s for %s in pod \"%s\": the pod cannot fetch %s", pv->name,
			  pv->rid, pv->pod->name, pv->url);
	} else {
		log_error("cannot download %s for %s in pod \"%s\": the container has neither curl nor "
			  "wget", pv->name, pv->rid, pv->pod->name);
	}
	log_hint("use --download local (downloads here and pushes the tool into the pod)");
	return ret;
}

int provision_tool(struct kube *k, const struct target_pod *pod, const struct probe *pr,
		   const struct workspace *ws, const char *rid, const char *tool,
		   const struct provision_opts *o, struct provision_result *r)
{
	struct prov *pv = calloc(1, sizeof(*pv));
	enum provision_step steps[4];
	char why[512];
	size_t n;
	int can = 0, pod_may, verify, ret;

	memset(r, 0, sizeof(*r));
	if (!pv) {
		log_error("cannot provision %s: out of memory", tool);
		return -DPX_ERROR;
	}
	*pv = (struct prov){ .k = k, .pod = pod, .pr = pr, .ws = ws, .rid = rid, .o = o, .r = r };
	pv->pod_sha512 = (pr->cmds & (PCMD_SHA512SUM | PCMD_OPENSSL)) != 0;
	if ((ret = prov_init(pv, tool)) < 0 || (ret = local_lookup(pv)) < 0)
		goto out;
	/* a copy in the pod (there, or downloaded there) may be used: what must its SHA-512 be? */
	pod_may = o->strategy == PROV_POD || (o->strategy == PROV_AUTO && !(pv->cached && !o->refresh));
	if (pod_may && (ret = expect_lookup(pv)) < 0)
		goto out;
	verify = pv->expect[0] && pv->pod_sha512;
	if (o->strategy != PROV_LOCAL)
		can = pod_can_download(pv);
	if (pod_may && !o->refresh && (verify || o->strategy == PROV_POD) && (ret = pod_check(pv)) < 0)
		goto out;
	n = provision_plan(o->strategy, pv->cached, pv->pod_ok, can, verify, o->refresh, steps, why,
			   sizeof(why));
	log_verbose("tool: %s: %s", pv->label, why);
	if (!n) {
		ret = nothing_works(pv);
		goto out;
	}
	ret = run_steps(pv, steps, n);
out:
	free(pv);
	return ret;
}
