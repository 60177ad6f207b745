/*
 * diagverb.c - the steps every diagnostics verb shares (diagverb.h): session, tool, run, copy back,
 * clean up the pod.
 */
#include "diagverb.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exitcodes.h"
#include "fetchcmd.h"
#include "interrupt.h"
#include "localout.h"
#include "log.h"
#include "progress.h"
#include "strfmt.h"

static int fail_oom(struct diagverb *v)
{
	log_error("%s: out of memory", v->ctx->cmd ? v->ctx->cmd->name : "dotnetprof");
	return -DPX_ERROR;
}

/*
 * -o names an existing file (not a directory), or its NAME.part exists, and --force is not given:
 * -DPX_EXISTS; else 0. Checked before the tool runs: the copy would refuse both only after it.
 */
static int output_taken(struct diagverb *v, const char *local)
{
	struct stat st;
	char *part;

	if (!local || !*local || v->ctx->common.force || local[strlen(local) - 1] == '/')
		return 0;
	if (lstat(local, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0; /* -o DIR: the file's name is known later */
		log_error("%s exists: not overwritten", local);
		log_hint("choose another name with -o, or pass --force to replace it");
		return -DPX_EXISTS;
	}
	if (!(part = strfmt("%s.part", local)))
		return fail_oom(v);
	if (lstat(part, &st) < 0) {
		free(part);
		return 0;
	}
	log_error("%s exists: an earlier copy to %s was interrupted", part, local);
	log_hint("the `kubectl dotnetprof fetch ... --resume` command printed then continues it; "
		 "else remove it, choose another name with -o, or pass --force to start over");
	free(part);
	return -DPX_EXISTS;
}

int diagverb_engine_agent(struct cli_ctx *ctx)
{
	const char *e = ctx->common.engine;

	if (!e && (e = getenv("DOTNETPROF_ENGINE")) && *e && strcmp(e, "agent") && strcmp(e, "tools")) {
		cli_usage_error(ctx, "invalid DOTNETPROF_ENGINE \"%s\" (use agent or tools)", e);
		return -1;
	}
	if ((!e || !*e) && (ctx->common.tools_url || ctx->common.download)) {
		/* a flag about Microsoft's tools asks for them: it is not ignored */
		log_verbose("engine: tools (--%s is about Microsoft's tools; --engine agent runs the "
			    "agent anyway)", ctx->common.tools_url ? "tools-url" : "download");
		return 0;
	}
	return !e || !*e || !strcmp(e, "agent");
}

int diagverb_debug(struct cli_ctx *ctx, struct diag_target *t)
{
	const char *m = ctx->common.debug, *e = getenv("DOTNETPROF_DEBUG_CONTAINER");

	if (!m && e && *e && debugctr_mode_parse(e, &t->debug) < 0) {
		cli_usage_error(ctx, "invalid DOTNETPROF_DEBUG_CONTAINER \"%s\" (use auto, always or "
				"never)", e);
		return -1;
	}
	if (m)
		debugctr_mode_parse(m, &t->debug);
	else if (!e || !*e)
		t->debug = DEBUGCTR_AUTO;
	t->debug_image = ctx->common.debug_image;
	if (!ctx->common.debug_profile ||
	    debugsec_profile_parse(ctx->common.debug_profile, &t->debug_profile) < 0)
		t->debug_profile = DEBUGSEC_AUTO;
	return 0;
}

/* What both engines do first: TARGET, -o, and the session's target. 0 or -DPX_*. */
static int begin_target(struct diagverb *v, struct cli_ctx *ctx, enum diag_dump_type dump,
			struct diag_target *t)
{
	struct cli_common *c = &ctx->common;
	int rc;

	if (cli_target(ctx, &v->spec, 0, NULL) < 0)
		return -ctx->exit_code;
	v->have_spec = 1;
	if ((rc = output_taken(v, c->output)) < 0)
		return rc;
	memset(t, 0, sizeof(*t));
	t->spec = &v->spec;
	t->container = c->container;
	t->pid = c->pid;
	t->process_name = c->process_name;
	t->dump = dump;
	t->force = c->force;
	return diagverb_debug(ctx, t) < 0 ? -ctx->exit_code : 0;
}

int diagverb_begin_agent(struct diagverb *v, struct cli_ctx *ctx, enum diag_dump_type dump,
			 const struct agentrun_opts *go)
{
	struct diag_target t;
	int rc;

	memset(v, 0, sizeof(*v));
	v->ctx = ctx;
	v->tool = DIAG_AGENT_NAME;
	v->agent = 1;
	if ((rc = begin_target(v, ctx, dump, &t)) < 0)
		return rc;
	v->opened = 1;
	return diag_open_agent(&ctx->kube, &t, go, &v->s, &v->a);
}

int diagverb_begin(struct diagverb *v, struct cli_ctx *ctx, const char *tool,
		   enum diag_dump_type dump)
{
	struct cli_common *c = &ctx->common;
	struct diag_target t;
	struct provision_opts po;
	int rc;

	memset(v, 0, sizeof(*v));
	v->ctx = ctx;
	v->tool = tool;
	if ((rc = begin_target(v, ctx, dump, &t)) < 0)
		return rc;
	memset(&po, 0, sizeof(po));
	if (provision_parse_strategy(c->download, &po.strategy) < 0) {
		cli_usage_error(ctx, "invalid --download \"%s\" (use auto, local or pod)", c->download);
		return -DPX_USAGE;
	}
	t.tool = tool;
	v->opened = 1;
	if ((rc = diag_open(&ctx->kube, &t, &v->s)) < 0)
		return rc;
	if (v->s.proc->socket && strlen(v->s.proc->socket) + sizeof(",connect") > DIAGVERB_DPORT_MAX) {
		log_error("the diagnostics socket path of process %ld is too long (%zu bytes)",
			  (long)v->s.proc->pid, strlen(v->s.proc->socket));
		return -DPX_NODOTNET;
	}
	po.tools_url = c->tools_url;
	po.refresh = c->refresh;
	po.progress = 1;
	po.interrupted = interrupt_flag();
	return provision_tool(&ctx->kube, v->s.pod, &v->s.probe, &v->s.ws, v->s.rid, tool, &po,
			      &v->prov);
}

/*
 * The directory `local` goes into must exist before the tool runs (not after a 30 s trace): created
 * (with its parents, 0755 minus the umask) when -o ends in '/', else an error. 0 or -DPX_*.
 */
static int local_dir_ready(struct diagverb *v, const char *local)
{
	const char *out = v->ctx->common.output;
	char *dir = strdup(local), *slash, *p;
	struct stat st;
	int ret = 0;

	if (!dir)
		return fail_oom(v);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		goto out;
	*slash = '\0';
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		goto out;
	if (out && *out && out[strlen(out) - 1] == '/') {
		for (p = dir + 1; *p; p++) { /* mkdir -p */
			if (*p != '/')
				continue;
			*p = '\0';
			mkdir(dir, 0777);
			*p = '/';
		}
		mkdir(dir, 0777);
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
			goto out;
	}
	log_error("cannot write %s: the directory %s does not exist", local, dir);
	log_hint("create it first, or end -o with '/' to have it created");
	ret = -DPX_USAGE;
out:
	free(dir);
	return ret;
}

void diagverb_default_name(const struct diagverb *v, const char *prefix, const char *ext, char *buf,
			   size_t size)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	if (!localtime_r(&now, &tm) || !strftime(stamp, sizeof(stamp), "%Y%m%d_%H%M%S", &tm))
		snprintf(stamp, sizeof(stamp), "%lld", (long long)now);
	/* a pod name is at most 253 bytes: callers give room for it */
	snprintf(buf, size, "%s%s_%s%s", prefix, v->s.pod->name, stamp, ext);
}

int diagverb_local(struct diagverb *v, const char *name)
{
	int rc;

	free(v->local);
	v->local = localout_resolve(v->ctx->common.output, name);
	if (!v->local) {
		if (errno == ENOMEM)
			return fail_oom(v);
		log_error("cannot name the local file after \"%s\"", name);
		return -DPX_USAGE;
	}
	if ((rc = output_taken(v, v->local)) < 0)
		return rc;
	return local_dir_ready(v, v->local);
}

int diagverb_artifact(struct diagverb *v, const char *prefix, const char *ext, const char *fetch_ext)
{
	char name[512];
	size_t len;

	diagverb_default_name(v, prefix, ext, name, sizeof(name));
	v->artifact_rel = strfmt("runs/%s/%s", v->s.ws.runid, name);
	v->artifact_abs = v->artifact_rel ? workspace_path(&v->s.ws, v->artifact_rel) : NULL;
	if (!v->artifact_abs)
		return fail_oom(v);
	len = strlen(v->artifact_abs) - strlen(ext);
	v->fetch_abs = strfmt("%.*s%s", (int)len, v->artifact_abs, fetch_ext ? fetch_ext : ext);
	if (!v->fetch_abs)
		return fail_oom(v);
	return diagverb_local(v, strrchr(v->fetch_abs, '/') + 1);
}

const char *diagverb_dport(const struct diagverb *v, char *buf, size_t size)
{
	snprintf(buf, size, "%s,connect", v->s.proc->socket);
	return buf;
}

/* The tool ran out of space in the pod: say where, how much there was, and what helps. */
int diagverb_out_of_space(const struct diagverb *v, const char *who, const char *dir)
{
	long long free_kb = diag_ws_free_kb(&v->s, v->s.ws.path);
	char room[64] = "";

	if (free_kb >= 0 && !strcmp(dir, v->s.ws.path))
		snprintf(room, sizeof(room), " (%lld MiB were free when it started)", free_kb / 1024);
	log_error("%s ran out of space in pod \"%s\" while writing in %s%s; nothing was copied",
		  who, v->s.pod->name, dir, room);
	log_hint("free space there (a file of the app, or kubectl dotnetprof clean %s), use a smaller "
		 "output (dump --type mini or triage, a shorter trace), or give the pod more room "
		 "there (a larger emptyDir)", v->s.pod->name);
	return -DPX_NOSPACE;
}

int diagverb_run(struct diagverb *v, const char *const *args, enum diagrun_io io, int stdout_fd,
		 struct diagrun_result *r)
{
	struct diagrun_opts o;
	char words[512];
	int rc;

	memset(&o, 0, sizeof(o));
	memset(r, 0, sizeof(*r));
	o.tool_path = v->prov.remote_path;
	o.name = v->tool;
	o.dotnet_root = v->s.dotnet_root;
	o.tmpdir = v->s.socket_dir;
	o.args = args;
	o.io = io;
	o.quiet = v->ctx->verbosity < 0;
	/* -q: only errors and the result: a tool's progress (its stdout sent to our stderr) goes */
	o.stdout_fd = o.quiet && stdout_fd == 2 ? -1 : stdout_fd;
	o.artifact = v->artifact_rel;
	rc = diagrun_run(&v->ctx->kube, v->s.pod, &v->s.ws, &o, r);
	v->run_started = rc == 0 || r->interrupted;
	if (rc < 0)
		return rc;
	if (r->status == 0)
		return 0;
	/* Ctrl-C is how a live view (no artifact) ends: the tool exits 130 then */
	if (r->status == 128 + SIGINT && (io == DIAGRUN_TTY || r->interrupted) && !v->artifact_rel)
		return 0;
	if (r->interrupted >= 2) {
		log_error("%s: %s was stopped before it finished its output", interrupt_what(), v->tool);
		return interrupt_status();
	}
	if (diag_out_of_space(r->err_tail) || diag_out_of_space(r->out))
		return diagverb_out_of_space(v, v->tool, v->s.ws.path);
	diag_last_line(r->err_tail[0] ? r->err_tail : r->out, words, sizeof(words));
	log_error("%s failed in pod \"%s\" (exit status %d)%s%s", v->tool, v->s.pod->name, r->status,
		  words[0] ? ": " : "", words);
	log_hint("run with -v to see the command; `kubectl dotnetprof %s --help` lists the flags",
		 v->ctx->cmd ? v->ctx->cmd->name : "");
	return -DPX_ERROR;
}

int diagverb_fetch(struct diagverb *v, struct pull_result *r)
{
	struct pull_opts o;
	int rc;

	memset(&o, 0, sizeof(o));
	o.remote_path = v->fetch_abs;
	o.local_path = v->local;
	o.force = v->ctx->common.force;
	v->copy_started = 1;
	if ((rc = pull_file(&v->ctx->kube, v->s.pod, &o, r)) < 0) {
		v->copy_hinted = r->part_kept;
		return rc;
	}
	v->fetched = 1;
	return 0;
}

void diagverb_print_saved(struct diagverb *v, const struct pull_result *r)
{
	char size[32];

	fprintf(v->ctx->out, "%s: %s (%llu bytes), %s%s%s, copied in %.2f s\n", v->local,
		progress_fmt_size(r->size, size, sizeof(size)), (unsigned long long)r->size,
		digest_name(r->hash), r->hash == DIGEST_NONE ? "" : " ", r->hash_hex, r->seconds);
}

/* "FETCH_ABS WHAT; fetch it with: kubectl dotnetprof fetch POD FETCH_ABS -o LOCAL -n NS -c C" */
static void fetch_later_hint(const struct diagverb *v, const char *what)
{
	char *line = fetchcmd_line(v->s.pod, v->fetch_abs, v->local, FETCHCMD_NEW);

	log_warn("%s %s; fetch it with: %s", v->fetch_abs, what, line ? line : "(no memory)");
	free(line);
}

/*
 * A signal stopped the verb: nothing more runs in the pod. What the tool wrote stays there, recorded
 * as uncollected (diagrun.h); say how to get it.
 */
static void left_behind(const struct diagverb *v)
{
	if (!v->artifact_abs || !v->run_started)
		return;
	if (v->copy_hinted)
		log_info("%s stays in the pod, recorded as uncollected", v->fetch_abs);
	else
		fetch_later_hint(v, "stays in the pod, recorded as uncollected");
}

int diagverb_end(struct diagverb *v, int rc)
{
	const char *keep[3] = { NULL, NULL, NULL };
	char *fetch_rel = NULL;
	int kept = 0;

	if (v->opened && v->s.ws_open && interrupt_pending()) {
		left_behind(v);
	} else if (v->opened && v->s.ws_open) {
		/* nothing is deleted from a pod before it is safely copied (and --keep keeps it) */
		if (v->artifact_rel && (v->ctx->common.keep || !v->fetched)) {
			keep[0] = v->artifact_rel;
			if (v->fetch_abs && strcmp(v->fetch_abs, v->artifact_abs))
				keep[1] = fetch_rel = strfmt("runs/%s/%s", v->s.ws.runid,
							     strrchr(v->fetch_abs, '/') + 1);
		}
		if (diagrun_finish(&v->ctx->kube, v->s.pod, &v->s.ws, keep, v->fetched, &kept) == 0 &&
		    kept && v->fetched)
			log_info("left in the pod: %s (kubectl dotnetprof clean %s removes it)",
				 v->artifact_abs, v->s.pod->name);
		else if (kept && v->copy_hinted)
			log_info("%s stays in the pod, recorded as uncollected", v->fetch_abs);
		else if (kept)
			fetch_later_hint(v, "was not copied: it stays in the pod, recorded as uncollected");
	}
	if (v->opened && v->agent)
		diag_agent_close(&v->s, &v->a);
	else if (v->opened)
		diag_close(&v->s);
	if (v->have_spec)
		target_spec_release(&v->spec);
	free(v->artifact_rel);
	free(v->artifact_abs);
	free(v->fetch_abs);
	free(v->local);
	free(fetch_rel);
	memset(v, 0, sizeof(*v));
	return rc;
}
