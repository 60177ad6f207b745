/*
 * ps.c - `kubectl dotnetprof ps`: the .NET processes of a container, from one probe exec.
 *
 * Cost for a plain POD target: two kubectl runs (get pod -o json, exec of the probe).
 * Exit status: 0 when every pod covered showed at least one .NET process; otherwise the code of the
 * first failure (DPX_NODOTNET when a container has none). --json always prints a complete document
 * on stdout (pods that failed carry "error" and "exit_code", and an empty "processes" list), so
 * scripts get valid JSON and the exit status.
 */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcodes.h"
#include "kube.h"
#include "log.h"
#include "podexec.h"
#include "debugrun.h"
#include "diag.h"
#include "diagverb.h"
#include "probe.h"
#include "rid.h"
#include "table.h"
#include "target.h"
#include "verbs.h"

enum { OPT_ALL = CLI_ID_VERB, OPT_JSON };

struct ps_opts {
	int all;
	int json;
};

/* What one pod gave. */
struct ps_result {
	struct target_pod *pod;
	struct probe probe;
	int probed;             /* probe is filled */
	int code;               /* DPX_OK or the failure */
	char rid[32];           /* empty when unknown */
	int via_debug;          /* probed from the debug container dbg (its container has no shell) */
	struct debugrun dbg;
};

static const struct cli_opt ps_opts[] = {
	{ OPT_ALL, 0, "all", CLI_NOARG, NULL,
	  "cover every running pod the TARGET matches (else several pods is an error)" },
	{ OPT_JSON, 0, "json", CLI_NOARG, NULL, "print JSON instead of a table" },
	{ 0, 0, NULL, CLI_NOARG, NULL, NULL },
};

static const struct cli_group ps_groups[] = {
	{ "Flags", ps_opts },
	{ "Target flags", cli_opts_target },
	{ "Debug container flags", cli_opts_debug },
	{ NULL, NULL },
};

const struct cli_help ps_help = {
	.usage = "ps TARGET [-c NAME] [--all] [--json]",
	.summary = "List the .NET processes of a container and whether they can be diagnosed.",
	.description =
		"Runs one probe in the container (kubectl exec ... sh -c) and lists each .NET process:\n"
		"pid, name, user, runtime version, RSS, diagnostics state (ok; disabled by\n"
		"DOTNET_EnableDiagnostics=0; owned by another user; no socket), the runtime identifier a\n"
		"tool download would use, and its command line. Costs two kubectl calls for a pod.\n"
		"Exits 5 when the container runs no .NET process. With --json, once the target resolved\n"
		"to pods the document is always printed, with \"error\" and \"exit_code\" on each pod\n"
		"that failed (and an empty \"processes\" list); target errors print nothing on stdout.\n",
	.takes_target = 1,
	.groups = ps_groups,
	.examples = "ps sample-app\n"
		    "ps deploy/sample-api --all\n"
		    "ps -l app=sample-api --all --json\n"
		    "ps sample-sidecar -c app -n team-b",
};

static int ps_opt(struct cli_ctx *ctx, int id, const char *value, void *data)
{
	struct ps_opts *o = data;

	(void)ctx;
	(void)value;
	if (id == OPT_ALL)
		o->all = 1;
	else if (id == OPT_JSON)
		o->json = 1;
	return 0;
}

static const char *failure_text(int code)
{
	switch (code) {
	case DPX_NODOTNET:
		return "no .NET process found";
	case DPX_NOSHELL:
		return "the container has no shell";
	case DPX_AMBIGUOUS:
		return "several containers; choose one with -c";
	case DPX_NOTFOUND:
		return "container not found";
	case DPX_NOTRUNNING:
		return "container not running";
	case DPX_FORBIDDEN:
		return "forbidden";
	case DPX_CLUSTER:
		return "cannot reach the cluster";
	default:
		return "probe failed";
	}
}

/*
 * The probe from a debug container: one made for a pod named alone, only a running one with --all
 * (which never adds a container to every pod it covers) unless --debug-container. 0 or -DPX_*.
 */
static int probe_debug(struct cli_ctx *ctx, const struct diag_target *t, const struct ps_opts *o,
		       struct ps_result *r, const char *why)
{
	struct debugrun_opts d;
	int rc;

	memset(&d, 0, sizeof(d));
	d.image = t->debug_image;
	d.profile = t->debug_profile;
	d.why = why;
	d.create = !o->all || t->debug == DEBUGCTR_ALWAYS;
	d.unavailable = t->debug == DEBUGCTR_ALWAYS ? DPX_ERROR : DPX_NOSHELL;
	if ((rc = debugrun_ensure(&ctx->kube, r->pod, &d, &r->dbg)) == 1) {
		log_error("container \"%s\" of pod \"%s\" has no shell, and no debug container of "
			  "the plugin runs there", r->pod->container, r->pod->name);
		log_hint("ps --all makes none; --debug-container makes one in each pod that needs it, "
			 "as does `kubectl dotnetprof ps %s` alone", r->pod->name);
		return -DPX_NOSHELL;
	}
	if (rc < 0)
		return rc;
	r->via_debug = 1;
	log_verbose("container \"%s\" of pod \"%s\": probed from debug container \"%s\"",
		    r->pod->container, r->pod->name, r->dbg.name);
	return diag_probe_pod(&ctx->kube, &r->dbg.view, &r->probe, r->rid, sizeof(r->rid));
}

static int probe_pod(struct cli_ctx *ctx, const struct diag_target *t, const struct ps_opts *o,
		     struct ps_result *r)
{
	char why[400];
	int rc;

	if ((rc = target_pick_container(r->pod, ctx->common.container)) < 0) {
		r->code = dpx_status(rc);
		return -1;
	}
	snprintf(why, sizeof(why), "container \"%s\" of pod \"%s\" %s", r->pod->container,
		 r->pod->name, t->debug == DEBUGCTR_ALWAYS ? "(--debug-container)" : "has no shell");
	r->pod->noshell_quiet = t->debug == DEBUGCTR_AUTO;
	if (t->debug == DEBUGCTR_ALWAYS)
		rc = probe_debug(ctx, t, o, r, why);
	else if ((rc = diag_probe_pod(&ctx->kube, r->pod, &r->probe, r->rid, sizeof(r->rid))) ==
		 -DPX_NOSHELL && t->debug == DEBUGCTR_AUTO)
		rc = probe_debug(ctx, t, o, r, why);
	r->code = dpx_status(rc);
	r->probed = r->probe.arch != NULL; /* parsed, maybe without .NET processes */
	return r->code == DPX_OK ? 0 : -1;
}

static void fmt_rss(long long kb, char *buf, size_t size)
{
	if (kb < 0)
		snprintf(buf, size, "-");
	else if (kb >= 1024 * 1024)
		snprintf(buf, size, "%.1fGi", (double)kb / (1024.0 * 1024.0));
	else
		snprintf(buf, size, "%.1fMi", (double)kb / 1024.0);
}

static int print_table(struct cli_ctx *ctx, const struct ps_result *res, size_t n)
{
	static const char *const header[] = { "POD", "CONTAINER", "PID", "NAME", "USER", "RUNTIME",
					      "RSS", "DIAGNOSTICS", "RID", "COMMAND", NULL };
	struct table t;
	size_t i, j;
	int ret = -1, rows = 0;

	if (table_init(&t, header) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		const struct ps_result *r = &res[i];

		for (j = 0; r->probed && j < r->probe.nprocs; j++) {
			const struct probe_proc *pp = &r->probe.procs[j];
			char pid[24], rss[32], user[32];
			const char *row[11];

			if (diag_proc_is_ours(pp))
				continue; /* a tool of ours still running (clean stops it) */

			snprintf(pid, sizeof(pid), "%ld", (long)pp->pid);
			snprintf(user, sizeof(user), "%lu", (unsigned long)pp->uid);
			fmt_rss(pp->rss_kb, rss, sizeof(rss));
			row[0] = r->pod->name;
			row[1] = r->pod->container;
			row[2] = pid;
			row[3] = pp->name;
			row[4] = pp->user ? pp->user : user;
			row[5] = pp->runtime_version;
			row[6] = rss;
			row[7] = probe_diag_name(probe_proc_diag(&r->probe, pp));
			row[8] = r->rid[0] ? r->rid : r->probe.arch;
			row[9] = pp->cmdline;
			row[10] = NULL;
			if (table_add(&t, row) < 0)
				goto out;
			rows++;
		}
	}
	if (rows)
		table_print(&t, ctx->out);
	ret = 0;
out:
	table_release(&t);
	if (ret < 0)
		log_error("cannot print the table: out of memory");
	return ret;
}

/* cJSON_Add*ToObject helpers that accept NULL strings (as JSON null). */
static int add_str(cJSON *o, const char *key, const char *v)
{
	return (v ? cJSON_AddStringToObject(o, key, v) : cJSON_AddNullToObject(o, key)) ? 0 : -1;
}

static int add_num(cJSON *o, const char *key, double v)
{
	return cJSON_AddNumberToObject(o, key, v) ? 0 : -1;
}

static int json_proc(cJSON *arr, const struct probe *pr, const struct probe_proc *pp)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddItemToArray(arr, o))
		return cJSON_Delete(o), -1;
	if (add_num(o, "pid", (double)pp->pid) < 0 || add_str(o, "name", pp->name) < 0 ||
	    add_str(o, "user", pp->user) < 0 || add_num(o, "uid", (double)pp->uid) < 0 ||
	    (pp->rss_kb >= 0 ? add_num(o, "rss_kb", (double)pp->rss_kb)
			     : add_str(o, "rss_kb", NULL)) < 0 ||
	    add_str(o, "runtime_version", pp->runtime_version) < 0 ||
	    add_str(o, "runtime_dir", pp->runtime_dir) < 0 ||
	    add_str(o, "diagnostics", probe_diag_name(probe_proc_diag(pr, pp))) < 0 ||
	    !cJSON_AddBoolToObject(o, "diagnostics_enabled", pp->diag_enabled) ||
	    add_str(o, "socket", pp->socket) < 0 || add_str(o, "tmpdir", pp->tmpdir) < 0 ||
	    add_str(o, "command", pp->cmdline) < 0)
		return -1;
	return 0;
}

static int json_pod(cJSON *arr, const struct ps_result *r)
{
	cJSON *o = cJSON_CreateObject(), *procs;
	size_t j;

	if (!o || !cJSON_AddItemToArray(arr, o))
		return cJSON_Delete(o), -1;
	if (add_str(o, "namespace", r->pod->namespace) < 0 || add_str(o, "pod", r->pod->name) < 0 ||
	    add_str(o, "container", r->pod->container) < 0 || add_str(o, "node", r->pod->node) < 0 ||
	    add_str(o, "debug_container", r->via_debug ? r->dbg.name : NULL) < 0)
		return -1;
	if (r->probed &&
	    (add_str(o, "arch", r->probe.arch) < 0 ||
	     add_str(o, "libc", libc_kind_name(r->probe.libc)) < 0 ||
	     add_str(o, "rid", r->rid[0] ? r->rid : NULL) < 0 ||
	     add_num(o, "uid", (double)r->probe.uid) < 0 || add_str(o, "user", r->probe.user) < 0))
		return -1;
	procs = cJSON_AddArrayToObject(o, "processes");
	if (!procs)
		return -1;
	for (j = 0; r->probed && j < r->probe.nprocs; j++)
		if (!diag_proc_is_ours(&r->probe.procs[j]) &&
		    json_proc(procs, &r->probe, &r->probe.procs[j]) < 0)
			return -1;
	if (r->code != DPX_OK &&
	    (add_str(o, "error", failure_text(r->code)) < 0 || add_num(o, "exit_code", r->code) < 0))
		return -1;
	return 0;
}

static int print_json(struct cli_ctx *ctx, const struct ps_result *res, size_t n)
{
	cJSON *doc = cJSON_CreateObject(), *pods = doc ? cJSON_AddArrayToObject(doc, "pods") : NULL;
	char *text = NULL;
	size_t i;
	int ret = -1;

	if (!pods)
		goto out;
	for (i = 0; i < n; i++)
		if (json_pod(pods, &res[i]) < 0)
			goto out;
	text = cJSON_Print(doc);
	if (!text)
		goto out;
	fprintf(ctx->out, "%s\n", text);
	ret = 0;
out:
	if (ret < 0)
		log_error("cannot print JSON: out of memory");
	free(text);
	cJSON_Delete(doc);
	return ret;
}

int cmd_ps(int argc, char **argv, struct cli_ctx *ctx)
{
	struct ps_opts o = { 0, 0 };
	struct diag_target dt;
	struct target_spec t;
	struct target_set set = { NULL, 0 };
	struct ps_result *res = NULL;
	struct target_pod *one = NULL;
	size_t i, n = 0;
	int rc = DPX_ERROR;

	memset(&dt, 0, sizeof(dt));
	if (cli_parse(ctx, argc, argv, ps_opt, &o) < 0 || diagverb_debug(ctx, &dt) < 0 ||
	    cli_target(ctx, &t, 0, NULL) < 0)
		return ctx->exit_code;
	if ((rc = target_resolve(&ctx->kube, &t, &set)) < 0 ||
	    (!o.all && (rc = target_pick_pod(&t, &set, "--all", &one)) < 0)) {
		rc = dpx_status(rc);
		goto out;
	}
	rc = DPX_ERROR;
	res = calloc(set.npods, sizeof(*res));
	if (!res) {
		log_error("ps: out of memory");
		goto out;
	}
	for (i = 0; i < set.npods; i++) {
		if (!o.all && &set.pods[i] != one)
			continue;
		res[n].pod = &set.pods[i];
		probe_pod(ctx, &dt, &o, &res[n]);
		n++;
	}
	rc = DPX_OK;
	for (i = 0; i < n && rc == DPX_OK; i++)
		rc = res[i].code;
	if ((o.json ? print_json(ctx, res, n) : print_table(ctx, res, n)) < 0 && rc == DPX_OK)
		rc = DPX_ERROR;
out:
	for (i = 0; i < n; i++) {
		if (res[i].probed)
			probe_release(&res[i].probe);
		debugrun_release(&res[i].dbg);
	}
	free(res);
	target_set_release(&set);
	target_spec_release(&t);
	return rc;
}
