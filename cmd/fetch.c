/*
 * fetch.c - `kubectl dotnetprof fetch`: copy any file out of a container, no tar needed, verified,
 * resumable: resolve the pod, name the local file, hand over to pull_file() (pull.h), print one
 * summary line on stdout (local path, size, hash, seconds, MB/s).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debugrun.h"
#include "diagverb.h"
#include "exitcodes.h"
#include "localout.h"
#include "log.h"
#include "progress.h"
#include "strfmt.h"
#include "target.h"
#include "workspace.h"
#include "pull.h"
#include "verbs.h"

enum { OPT_RESUME = CLI_ID_VERB, OPT_ENCODING, OPT_COMPRESS };

static const struct cli_opt fetch_opts[] = {
	{ CLI_ID_OUTPUT, 'o', "output", CLI_ARG, "LOCAL",
	  "local file or directory (default: the file's name, here)" },
	{ CLI_ID_FORCE, 0, "force", CLI_NOARG, NULL, "overwrite an existing local file" },
	{ OPT_RESUME, 0, "resume", CLI_NOARG, NULL,
	  "continue LOCAL.part left by an interrupted fetch" },
	{ OPT_ENCODING, 0, "encoding", CLI_ARG, "raw|base64|gzip|auto",
	  "how bytes cross the exec stream (default raw; base64 where a stream is mangled; gzip and "
	  "auto are --compress gzip and --compress auto)" },
	{ OPT_COMPRESS, 0, "compress", CLI_ARG, "auto|gzip|none",
	  "gzip in the pod: auto (default) = when the pod has gzip and the data compresses" },
	{ 0, 0, NULL, CLI_NOARG, NULL, NULL },
};

static const struct cli_opt fetch_target_opts[] = {
	{ CLI_ID_CONTAINER, 'c', "container", CLI_ARG, "NAME",
	  "container (default: the annotated default container, else the only one)" },
	{ 0, 0, NULL, CLI_NOARG, NULL, NULL },
};

static const struct cli_group fetch_groups[] = {
	{ "Fetch flags", fetch_opts },
	{ "Target flags", fetch_target_opts },
	{ "Debug container flags", cli_opts_debug },
	{ NULL, NULL },
};

const struct cli_help fetch_help = {
	.usage = "fetch TARGET PATH [-o LOCAL] [-c NAME] [--resume] [FLAGS]  |  fetch POD:PATH [...]",
	.summary = "Copy a file out of a container, verified, without tar.",
	.description =
		"Streams the file through kubectl exec into LOCAL.part, checks size and sha256 (or\n"
		"md5sum/cksum, whichever the pod has) against the pod's copy, and only then renames it\n"
		"to LOCAL. An interrupted stream resumes from the last byte received (tail -c +N or dd\n"
		"in the pod, up to 5 retries in a row without progress); a copy that does not verify is\n"
		"copied once more, then the command fails with exit code 11 and keeps LOCAL.part.\n"
		"An existing LOCAL is never overwritten without --force (exit code 12). The pod needs a\n"
		"POSIX sh and cat; no tar. gzip is used when the pod and this machine have gzip, the\n"
		"file's first MiB shrinks below 80% with gzip -1 (files of 4 MiB and more) and the raw\n"
		"stream, timed over its first second, runs below 100 MB/s (a slow link).\n"
		"Prints one line on stdout: LOCAL, size, hash, seconds, MB/s.\n",
	.takes_target = 1,
	.groups = fetch_groups,
	.examples = "fetch sample-app /tmp/app.log\n"
		    "fetch sample-app:/tmp/core.1 -o core.1 --resume\n"
		    "fetch deploy/api /var/log/app.json -c app --encoding base64",
};

struct fetch_opts {
	struct pull_opts pull;
};

static int fetch_opt(struct cli_ctx *ctx, int id, const char *value, void *data)
{
	struct fetch_opts *fo = data;

	switch (id) {
	case OPT_RESUME:
		fo->pull.resume = 1;
		return 0;
	case OPT_ENCODING:
		/* gzip and auto are shorthands for --compress (issue 4 names them as encodings) */
		if (cli_check_choice(ctx, "--encoding", value, "raw|base64|gzip|auto") < 0)
			return -1;
		if (!strcmp(value, "base64"))
			fo->pull.encoding = PULL_ENC_BASE64;
		else if (!strcmp(value, "gzip"))
			fo->pull.compress = PULL_COMP_GZIP;
		else if (!strcmp(value, "auto"))
			fo->pull.compress = PULL_COMP_AUTO;
		else
			fo->pull.encoding = PULL_ENC_RAW;
		return 0;
	case OPT_COMPRESS:
		if (cli_check_choice(ctx, "--compress", value, "auto|gzip|none") < 0)
			return -1;
		fo->pull.compress = !strcmp(value, "gzip") ? PULL_COMP_GZIP
				    : !strcmp(value, "none") ? PULL_COMP_NONE : PULL_COMP_AUTO;
		return 0;
	}
	return 0;
}

/* TARGET PATH, or POD:PATH: fill `t` and return PATH (points into argv), or NULL (usage error). */
static const char *fetch_operands(struct cli_ctx *ctx, struct target_spec *t)
{
	const char *colon;
	char err[256], *pod;
	int rc;

	colon = ctx->operands.n == 1 && !ctx->common.selector ? strchr(ctx->operands.v[0], ':') : NULL;
	if (!colon) {
		if (cli_target(ctx, t, 1, "PATH") < 0)
			return NULL;
		return ctx->operands.v[ctx->common.selector ? 0 : 1];
	}
	if (!colon[1])
		return cli_usage_error(ctx, "missing PATH after \"%s\"", ctx->operands.v[0]), NULL;
	pod = strndup(ctx->operands.v[0], (size_t)(colon - ctx->operands.v[0]));
	if (!pod)
		return cli_usage_error(ctx, "out of memory"), NULL;
	rc = target_spec_parse(t, pod, NULL, err, sizeof(err));
	free(pod);
	if (rc < 0)
		return cli_usage_error(ctx, "%s", err), NULL;
	return colon + 1;
}

/*
 * The file as the app's container sees it, copied from a debug container sharing its processes
 * (debugrun.h): /proc/1/root/PATH (a relative PATH: /proc/1/cwd/PATH), pid 1 being the container's
 * first process. 0 or -DPX_*.
 */
static int fetch_debug(struct cli_ctx *ctx, const struct diag_target *dt, struct target_pod *pod,
		       struct fetch_opts *fo, struct pull_result *r)
{
	struct debugrun_opts o;
	struct debugrun d;
	char why[400], *remote;
	const char *path = fo->pull.remote_path;
	int rc;

	memset(&o, 0, sizeof(o));
	snprintf(why, sizeof(why), "container \"%s\" of pod \"%s\" %s", pod->container, pod->name,
		 dt->debug == DEBUGCTR_ALWAYS ? "(--debug-container)" : "has no shell");
	o.image = dt->debug_image;
	o.profile = dt->debug_profile;
	o.why = why;
	o.create = 1;
	o.unavailable = dt->debug == DEBUGCTR_ALWAYS ? DPX_ERROR : DPX_NOSHELL;
	if ((rc = debugrun_ensure(&ctx->kube, pod, &o, &d)) < 0) {
		debugrun_release(&d);
		return rc;
	}
	remote = strfmt("/proc/1/%s%s", path[0] == '/' ? "root" : "cwd/", path);
	if (!remote) {
		debugrun_release(&d);
		log_error("fetch: out of memory");
		return -DPX_ERROR;
	}
	log_verbose("container \"%s\": %s read from debug container \"%s\" as %s", pod->container,
		    path, d.name, remote);
	fo->pull.remote_path = remote;
	rc = pull_file(&ctx->kube, &d.view, &fo->pull, r);
	fo->pull.remote_path = path;
	free(remote);
	debugrun_release(&d);
	return rc;
}

/*
 * Resolve the target and copy the file. For a pod named by the user the copy's first exec starts
 * side by side with the resolve: kubectl exec takes the same namespace, and -c or the container
 * kubectl picks by default, which is the one the resolve picks when it succeeds (the
 * default-container annotation, else the only one); a target that does not resolve stops that
 * exec unread. That saves a kubectl start and an API round trip. 0 or -DPX_*.
 */
static int resolve_and_pull(struct cli_ctx *ctx, const struct target_spec *t,
			    const struct diag_target *dt, struct fetch_opts *fo,
			    struct target_set *set, struct pull_result *r)
{
	struct target_pod named, *pod;
	struct pull *early = NULL;
	int rc;

	if (t->kind == TARGET_POD && t->name && dt->debug != DEBUGCTR_ALWAYS) {
		memset(&named, 0, sizeof(named));
		named.name = t->name;
		named.container = ctx->common.container;
		named.noshell_quiet = dt->debug == DEBUGCTR_AUTO;
		if ((rc = pull_begin(&ctx->kube, &named, &fo->pull, 1, &early)) < 0)
			return rc;
	}
	if ((rc = target_resolve_one(&ctx->kube, t, ctx->common.container, set, &pod)) < 0) {
		pull_cancel(early);
		return rc;
	}
	pod->noshell_quiet = dt->debug == DEBUGCTR_AUTO;
	if (dt->debug == DEBUGCTR_ALWAYS)
		return fetch_debug(ctx, dt, pod, fo, r);
	rc = early ? pull_end(early, pod, r) : pull_file(&ctx->kube, pod, &fo->pull, r);
	if (rc == -DPX_NOSHELL && dt->debug == DEBUGCTR_AUTO)
		rc = fetch_debug(ctx, dt, pod, fo, r);
	if (rc == 0)
		workspace_mark_collected(&ctx->kube, pod, fo->pull.remote_path);
	return rc;
}

int cmd_fetch(int argc, char **argv, struct cli_ctx *ctx)
{
	struct diag_target dt;
	struct fetch_opts fo;
	struct target_spec t;
	struct target_set set = { NULL, 0 };
	struct pull_result r;
	char *local = NULL, size[32];
	const char *path;
	int rc = DPX_ERROR;

	memset(&fo, 0, sizeof(fo));
	memset(&dt, 0, sizeof(dt));
	if (cli_parse(ctx, argc, argv, fetch_opt, &fo) < 0 || diagverb_debug(ctx, &dt) < 0)
		return ctx->exit_code;
	path = fetch_operands(ctx, &t);
	if (!path)
		return ctx->exit_code;
	if (!*path) {
		target_spec_release(&t);
		return cli_usage_error(ctx, "empty PATH"), ctx->exit_code;
	}
	local = localout_resolve(ctx->common.output, path);
	if (!local) {
		if (errno == ENOMEM) {
			log_error("fetch: out of memory");
		} else {
			log_error("cannot name the local file after \"%s\": no usable file name in it", path);
			log_hint("give one with -o LOCAL");
			rc = DPX_USAGE;
		}
		goto out;
	}
	fo.pull.remote_path = path;
	fo.pull.local_path = local;
	fo.pull.force = ctx->common.force;
	if ((rc = resolve_and_pull(ctx, &t, &dt, &fo, &set, &r)) < 0) {
		rc = dpx_status(rc);
		goto out;
	}
	fprintf(ctx->out, "%s: %llu bytes (%s), %s%s%s, %.2f s, %.1f MB/s%s%s%s\n", local,
		(unsigned long long)r.size, progress_fmt_size(r.size, size, sizeof(size)),
		digest_name(r.hash), r.hash == DIGEST_NONE ? "" : " ", r.hash_hex, r.seconds,
		r.seconds > 0 ? (double)r.size / r.seconds / 1e6 : 0.0, r.gzip ? ", gzip" : "",
		r.encoding_base64 ? ", base64" : "", r.resumes ? ", resumed" : "");
	rc = DPX_OK;
out:
	free(local);
	target_set_release(&set);
	target_spec_release(&t);
	return rc;
}
