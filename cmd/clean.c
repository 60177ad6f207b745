/*
 * clean.c - `kubectl dotnetprof clean`: remove what the plugin left in a container (its workspaces),
 * and nothing else. The plan and its rules: include/wsclean.h.
 *
 * Cost per container: one exec to scan; one more to remove (none with --dry-run or nothing found).
 * Exit status: 0 when every workspace found was removed (or there was none), refused entries
 * (pointing outside) included; DPX_ERROR when one was left alone (not ours), or something in it could
 * not be removed; kubectl's codes on exec failures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debugrun.h"
#include "exitcodes.h"
#include "fetchcmd.h"
#include "kube.h"
#include "log.h"
#include "progress.h"
#include "sanitize.h"
#include "strfmt.h"
#include "target.h"
#include "verbs.h"
#include "workspace.h"
#include "wsclean.h"

enum { OPT_ALL_CONTAINERS = CLI_ID_VERB, OPT_DRY_RUN, OPT_DISCARD };

struct clean_opts {
	int all_containers;
	int dry_run;
	int discard;
};

static const struct cli_opt clean_opts[] = {
	{ OPT_ALL_CONTAINERS, 0, "all-containers", CLI_NOARG, NULL, "clean every container of the pod" },
	{ OPT_DRY_RUN, 0, "dry-run", CLI_NOARG, NULL, "list what would be removed, remove nothing" },
	{ OPT_DISCARD, 0, "discard-uncollected", CLI_NOARG, NULL,
	  "also remove files runs made and did not copy out (kept otherwise)" },
	{ 0, 0, NULL, CLI_NOARG, NULL, NULL },
};

static const struct cli_opt clean_debug_opts[] = {
	{ CLI_ID_NO_DEBUG_CONTAINER, 0, "no-debug-container", CLI_NOARG, NULL,
	  "leave the plugin's debug containers alone" },
	{ 0, 0, NULL, CLI_NOARG, NULL, NULL },
};

static const struct cli_group clean_groups[] = {
	{ "Clean flags", clean_opts },
	{ "Target flags", cli_opts_target },
	{ "Debug container flags", clean_debug_opts },
	{ NULL, NULL },
};

const struct cli_help clean_help = {
	.usage = "clean TARGET [-c NAME | --all-containers] [--dry-run] [--discard-uncollected]",
	.summary = "Remove everything the plugin left in a pod, and nothing else.",
	.description =
		"Finds the plugin's workspace (.dotnetprof in TMPDIR, /tmp, /var/tmp, /dev/shm, HOME or\n"
		"the working directory), stops tool processes the plugin started that still run (SIGINT,\n"
		"then SIGTERM, then SIGKILL), removes what its manifest lists (tools, artifacts, run\n"
		"directories) and any leftover of an interrupted run inside it (shown as \"unlisted\"),\n"
		"then the workspace itself, and reports each item and the space freed. A file a run\n"
		"made and did not copy out (a trace or dump of a run that was killed or interrupted, or\n"
		"whose copy failed) is uncollected: it is kept, with the command that fetches it, unless\n"
		"--discard-uncollected is given; a run whose tool still writes one is left whole.\n"
		"Nothing outside\n"
		"the workspace is touched: symbolic links are removed, never followed, and manifest\n"
		"entries that point outside are refused. A workspace owned by another user, or that is\n"
		"a symbolic link, is reported and left alone (exit 1). The plugin's ephemeral debug\n"
		"containers for that container (all with --all-containers) are cleaned the same way,\n"
		"then stopped (SIGTERM to their own processes, never the app's), so that they show as\n"
		"terminated: Kubernetes cannot remove an ephemeral container, and its record stays in\n"
		"the pod until the pod is replaced.\n",
	.takes_target = 1,
	.groups = clean_groups,
	.examples = "clean sample-app\n"
		    "clean sample-app --all-containers --dry-run",
};

static int clean_opt(struct cli_ctx *ctx, int id, const char *value, void *data)
{
	struct clean_opts *o = data;

	(void)ctx;
	(void)value;
	if (id == OPT_ALL_CONTAINERS)
		o->all_containers = 1;
	else if (id == OPT_DRY_RUN)
		o->dry_run = 1;
	else if (id == OPT_DISCARD)
		o->discard = 1;
	return 0;
}

/* A path from the pod for display: sanitized (\n, \x1b...) so that one item is one line. */
static const char *shown(const char *s, char *buf, size_t size)
{
	if (sanitize(buf, size - 3, s, strlen(s), 0) >= size - 3)
		memcpy(buf + strlen(buf), "...", 4);
	return buf;
}

static const char *kb_size(long long kb, char *buf, size_t size)
{
	if (kb < 0)
		return "?";
	return progress_fmt_size((uint64_t)kb * 1024, buf, size);
}

static const char *verb_of(enum ws_result r, int dry_run)
{
	switch (r) {
	case WS_R_PLANNED:
		return dry_run ? "would remove" : "kept";
	case WS_R_REMOVED:
		return "removed";
	case WS_R_GONE:
		return "gone";
	case WS_R_REFUSED:
		return "refused";
	case WS_R_FAILED:
		return "failed";
	case WS_R_KEPT:
		return dry_run ? "would keep" : "kept";
	case WS_R_PRUNED:
		return "emptied";
	}
	return "?";
}

/* Is items[i] kept (left in the pod)? Is it removed, or planned to be (dry run)? */
static int is_kept(const struct ws_item *it, int dry_run)
{
	(void)dry_run;
	return it->result == WS_R_KEPT;
}

static int is_freed(const struct ws_item *it, int dry_run)
{
	return dry_run || it->result == WS_R_REMOVED;
}

/* Is the workspace path `rel` below the directory `dir` (both relative to the workspace)? */
static int below(const char *rel, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(rel, dir, n) && rel[n] == '/';
}

/* Does `rel` lie inside an item that `which` selects (a directory above it)? */
static int inside(const struct ws_found *f, const char *rel,
		  int (*which)(const struct ws_item *, int), int dry_run)
{
	size_t i;

	for (i = 0; i < f->nitems; i++)
		if (which(&f->items[i], dry_run) && below(rel, f->items[i].rel))
			return 1;
	return 0;
}

/* Does the directory `dir` hold a kept item (so that clean empties it rather than removes it)? */
static int holds_kept(const struct ws_found *f, const char *dir)
{
	size_t i;

	for (i = 0; i < f->nitems; i++)
		if (f->items[i].result == WS_R_KEPT && below(f->items[i].rel, dir))
			return 1;
	return 0;
}

/* Is the pid file `rel` in a run directory that clean leaves whole? */
static int pid_left(const struct ws_found *f, const char *rel)
{
	return inside(f, rel, is_kept, 0);
}

/* The lines that say why an uncollected file stays, and how to get it (or that it goes). */
static void report_uncollected(struct cli_ctx *ctx, const struct target_pod *pod,
			       const struct ws_found *f, const struct ws_item *it, int dry_run)
{
	char *remote, *line = NULL;

	if (it->result != WS_R_KEPT) {
		fprintf(ctx->out, "    uncollected: no run copied it out; %s (--discard-uncollected)\n",
			dry_run ? "it would be discarded" : "discarded");
		return;
	}
	remote = strfmt("%s/%s", f->path, it->rel);
	if (remote)
		line = fetchcmd_line(pod, remote, NULL, FETCHCMD_NEW);
	fprintf(ctx->out, "    uncollected: no run copied it out; fetch it with: %s (clean "
		"--discard-uncollected removes it)\n", line ? san(line) : "(out of memory)");
	free(line);
	free(remote);
}

/*
 * Print one workspace's items (plan or results) and the line that sums them up, which starts with
 * `lead`; returns 1 when something went wrong. -q prints only what stays and why (an uncollected
 * file, a tool still writing one), what failed, and the summing-up line.
 */
static int report(struct cli_ctx *ctx, const struct target_pod *pod, const struct ws_found *f,
		  int dry_run, const char *lead)
{
	FILE *out = ctx->out;
	int quiet = ctx->verbosity < 0;
	char a[4096], b[32];
	long long freed = 0;
	size_t i;
	int bad = 0, kept = 0;
	long long kept_kb = 0;

	for (i = 0; i < f->npids; i++) {
		const struct ws_pid *p = &f->pids[i];

		if (!strcmp(p->state, "gone"))
			continue;
		if (pid_left(f, p->rel))
			fprintf(out, "  left      pid %ld (%s): it still writes an uncollected file\n",
				p->pid, shown(p->rel, a, sizeof(a)));
		else if (quiet && strcmp(p->state, "stuck"))
			continue; /* -q: a pid clean stopped (or left, not ours) is no news */
		else if (!strcmp(p->state, "foreign"))
			fprintf(out, "  left      pid %ld (%s): not a tool of this workspace\n", p->pid,
				shown(p->rel, a, sizeof(a)));
		else if (!strcmp(p->state, "running"))
			fprintf(out, "  %s pid %ld (%s)\n", dry_run ? "would stop" : "stopped   ",
				p->pid, shown(p->rel, a, sizeof(a)));
		else
			fprintf(out, "  stopped   pid %ld with SIG%s\n", p->pid, san(p->state));
		bad |= !strcmp(p->state, "stuck");
	}
	for (i = 0; i < f->nitems; i++) {
		const struct ws_item *it = &f->items[i];
		/* a refusal is the rule working (a symbolic link above the path), not a failure */
		int failed = it->result == WS_R_FAILED || (!dry_run && it->result == WS_R_PLANNED);

		if (it->result == WS_R_GONE && !it->type)
			continue; /* listed, but already removed by the run that made it */
		if (!quiet || failed || (it->uncollected && it->result == WS_R_KEPT)) {
			fprintf(out, "  %-12s %-9s %-10s %s\n",
				dry_run && it->result == WS_R_PLANNED && holds_kept(f, it->rel) ?
					"would empty" : verb_of(it->result, dry_run), san(it->kind),
				kb_size(it->kb, b, sizeof(b)), shown(it->rel, a, sizeof(a)));
			if (it->uncollected)
				report_uncollected(ctx, pod, f, it, dry_run);
		}
		/* a directory's disk use counts what is in it: a file in it is not counted again */
		if (it->result == WS_R_KEPT) {
			kept = 1;
			if (it->kb > 0 && !inside(f, it->rel, is_kept, dry_run))
				kept_kb += it->kb;
		}
		bad |= failed;
		if (it->kb > 0 && is_freed(it, dry_run) && !inside(f, it->rel, is_freed, dry_run))
			freed += it->kb;
	}
	for (i = 0; i < f->nrefused && !quiet; i++)
		fprintf(out, "  refused   manifest entry \"%s\": %s\n", shown(f->refused[i].path, a,
			sizeof(a)), san(f->refused[i].why));
	if (dry_run && kept) {
		fprintf(out, "%swould keep %s (it holds uncollected files) and free about %s (dry run: "
			"nothing was removed)\n", lead, san(f->path),
			kb_size(f->total_kb > kept_kb ? f->total_kb - kept_kb : 0, b, sizeof(b)));
	} else if (dry_run) {
		fprintf(out, "%swould remove %s and free about %s (dry run: nothing was removed)\n",
			lead, san(f->path), kb_size(f->total_kb, b, sizeof(b)));
	} else if (f->removed) {
		fprintf(out, "%sremoved %s: %s freed\n", lead, san(f->path),
			kb_size(f->total_kb > freed ? f->total_kb : freed, b, sizeof(b)));
	} else if (kept && !bad) {
		fprintf(out, "%skept %s (%s freed): it holds uncollected files\n", lead, san(f->path),
			kb_size(freed, b, sizeof(b)));
	} else {
		fprintf(out, "%skept %s (%s freed): %s\n", lead, san(f->path), kb_size(freed, b, sizeof(b)),
			san(f->kept_why && *f->kept_why ? f->kept_why : "not everything could be removed"));
		bad = 1;
	}
	return bad;
}

/* Clean pod->container. Returns the exit status (DPX_*). */
static int clean_container(struct cli_ctx *ctx, struct target_pod *pod, const struct clean_opts *o)
{
	struct kube *k = &ctx->kube;
	struct ws_scan s = { NULL, 0 };
	char lead[600];
	size_t i;
	int rc = DPX_OK, r;

	if ((r = ws_scan_pod(k, pod, o->discard, &s)) == -DPX_NOSHELL && pod->noshell_quiet) {
		fprintf(ctx->out, "container \"%s\" of pod \"%s\" has no shell: the plugin never puts "
			"anything there (its debug containers hold what it brought)\n", san(pod->container),
			san(pod->name));
		return DPX_OK;
	}
	if (r < 0)
		return dpx_status(r);
	if (!s.nws)
		fprintf(ctx->out, "nothing to clean in container \"%s\" of pod \"%s\"\n", pod->container,
			pod->name);
	for (i = 0; i < s.nws; i++) {
		struct ws_found *f = &s.ws[i];

		if (!f->ours) {
			log_error("left %s alone in container \"%s\" of pod \"%s\": %s", f->path,
				  pod->container, pod->name, f->why);
			log_hint("it was not made by the plugin as this user; remove it by hand if it "
				 "is yours");
			rc = DPX_ERROR;
			continue;
		}
		snprintf(lead, sizeof(lead), "container \"%s\" of pod \"%s\": ", san(pod->container),
			 san(pod->name));
		if (ctx->verbosity >= 0)
			fprintf(ctx->out, "%sworkspace %s\n", lead, san(f->path));
		if (!o->dry_run && (r = ws_remove_pod(k, pod, f)) < 0) {
			rc = dpx_status(r);
			continue;
		}
		if (report(ctx, pod, f, o->dry_run, ctx->verbosity < 0 ? lead : "") && rc == DPX_OK)
			rc = DPX_ERROR;
	}
	ws_scan_release(&s);
	return rc;
}

static const char *state_of(const struct debugctr_entry *e)
{
	switch (e->state) {
	case DEBUGCTR_S_RUNNING:
		return "running";
	case DEBUGCTR_S_TERMINATED:
		return "terminated";
	case DEBUGCTR_S_WAITING:
		return e->reason ? e->reason : "waiting";
	case DEBUGCTR_S_STARTING:
		break;
	}
	return "starting";
}

/* One running debug container: its workspace, then its processes. Returns the exit status. */
static int clean_one_debug(struct cli_ctx *ctx, const struct target_pod *pod,
			   const struct debugctr_entry *e, const struct clean_opts *o)
{
	struct target_pod view = *pod;
	int rc, r, n;

	view.container = e->name;
	view.noshell_quiet = 0;
	rc = clean_container(ctx, &view, o);
	if (o->dry_run) {
		fprintf(ctx->out, "  would stop debug container \"%s\"\n", e->name);
		return rc;
	}
	if ((r = debugrun_stop(&ctx->kube, pod, e->name, &n)) < 0)
		return dpx_status(r);
	fprintf(ctx->out, "stopped debug container \"%s\" (%d process%s): it shows as terminated\n",
		e->name, n, n == 1 ? "" : "es");
	return rc;
}

/*
 * The plugin's debug containers in `pod` for `target` (NULL: for any): the running ones cleaned and
 * stopped, and every record named, since none can be removed. Returns the exit status.
 */
static int clean_debug(struct cli_ctx *ctx, const struct target_pod *pod, const char *target,
		       const struct clean_opts *o)
{
	struct debugctr_list l;
	char names[1024] = "";
	size_t i;
	int rc = DPX_OK, r;

	if ((r = debugrun_list(&ctx->kube, pod, target, &l)) < 0)
		return dpx_status(r);
	for (i = 0; i < l.n; i++) {
		if (l.v[i].state == DEBUGCTR_S_RUNNING &&
		    (r = clean_one_debug(ctx, pod, &l.v[i], o)) != DPX_OK && rc == DPX_OK)
			rc = r;
		if (i)
			strlcat(names, ", ", sizeof(names));
		strlcat(names, l.v[i].name, sizeof(names));
		strlcat(names, l.v[i].state == DEBUGCTR_S_RUNNING && !o->dry_run ? " (terminated)" :
			" (", sizeof(names));
		if (l.v[i].state != DEBUGCTR_S_RUNNING || o->dry_run) {
			strlcat(names, state_of(&l.v[i]), sizeof(names));
			strlcat(names, ")", sizeof(names));
		}
	}
	if (l.n)
		fprintf(ctx->out, "note: Kubernetes cannot remove an ephemeral container: the records of "
			"%s stay in pod \"%s\" until the pod is replaced (a stopped one runs nothing)\n",
			names, pod->name);
	debugctr_list_release(&l);
	return rc;
}

int cmd_clean(int argc, char **argv, struct cli_ctx *ctx)
{
	struct clean_opts o = { 0, 0, 0 };
	struct target_spec t;
	struct target_set set = { NULL, 0 };
	struct target_pod *pod;
	size_t i;
	int rc = DPX_ERROR, r, debug;

	if (cli_parse(ctx, argc, argv, clean_opt, &o) < 0 || cli_target(ctx, &t, 0, NULL) < 0)
		return ctx->exit_code;
	if (o.all_containers && ctx->common.container) {
		cli_usage_error(ctx, "-c and --all-containers exclude each other");
		rc = ctx->exit_code;
		goto out;
	}
	if ((r = target_resolve(&ctx->kube, &t, &set)) < 0 ||
	    (r = target_pick_pod(&t, &set, NULL, &pod)) < 0) {
		rc = dpx_status(r);
		goto out;
	}
	debug = !ctx->common.debug || strcmp(ctx->common.debug, "never");
	if (!o.all_containers) {
		if ((r = target_pick_container(pod, ctx->common.container)) < 0) {
			rc = dpx_status(r);
			goto out;
		}
		pod->noshell_quiet = debug;
		rc = clean_container(ctx, pod, &o);
		if (debug && (r = clean_debug(ctx, pod, pod->container, &o)) != DPX_OK && rc == DPX_OK)
			rc = r;
		goto out;
	}
	rc = DPX_OK;
	for (i = 0; i < pod->ncontainers; i++) {
		if (!pod->containers[i].running) {
			log_info("skipping container \"%s\" of pod \"%s\": %s", pod->containers[i].name,
				 pod->name, pod->containers[i].state ? pod->containers[i].state
								     : "not running");
			continue;
		}
		pod->container = pod->containers[i].name;
		pod->noshell_quiet = debug;
		r = clean_container(ctx, pod, &o);
		if (rc == DPX_OK)
			rc = r;
	}
	if (debug && (r = clean_debug(ctx, pod, NULL, &o)) != DPX_OK && rc == DPX_OK)
		rc = r;
out:
	target_set_release(&set);
	target_spec_release(&t);
	return rc;
}
