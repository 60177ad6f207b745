/*
 * dump.c - `kubectl dotnetprof dump`: a process dump, written in the pod by the runtime's own
 * createdump (asked by dotnetprof-agent with --engine agent, by dotnet-dump collect with --engine
 * tools), copied here (pull.h: verified, 0600) and removed from the pod. The shared steps are in
 * diagverb.c; this file says what the agent or dotnet-dump gets and where the dump goes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentbin.h"
#include "agentcli.h"
#include "agentrec.h"
#include "agentrun.h"
#include "diagverb.h"
#include "exitcodes.h"
#include "podexec.h"
#include "podscripts.h"
#include "strfmt.h"
#include "target.h"
#include "verbs.h"

enum { OPT_TYPE = CLI_ID_VERB };

static const struct cli_opt dump_opts[] = {
	{ OPT_TYPE, 0, "type", CLI_ARG, "full|heap|mini|triage", "kind of dump (default full)" },
	{ 0, 0, NULL, CLI_NOARG, NULL, NULL },
};

static const struct cli_group dump_groups[] = {
	{ "Dump flags", dump_opts },
	{ "Target flags", cli_opts_target },
	{ "Process flags", cli_opts_process },
	{ "Output flags", cli_opts_output },
	{ "Engine flags", cli_opts_engine },
	{ "Debug container flags", cli_opts_debug },
	{ "Tool flags", cli_opts_tools },
	{ NULL, NULL },
};

const struct cli_help dump_help = {
	.usage = "dump TARGET [-c NAME] [-p PID] [--type full|heap|mini|triage] [-o PATH] [FLAGS]",
	.summary = "Write a memory dump of a .NET process and copy it here.",
	.description =
		"The runtime writes the dump itself (its createdump, as the app's user), asked by\n"
		"dotnetprof-agent (--engine agent) or dotnet-dump collect (--engine tools). A dump holds\n"
		"the process memory, secrets included: it is created mode 0600 here and removed from\n"
		"the pod once the copy is verified (unless --keep). Refuses to start when the pod lacks\n"
		"the free space the dump needs, unless --force.\n",
	.takes_target = 1,
	.groups = dump_groups,
	.examples = "dump sample-app --type heap\n"
		    "dump deploy/api -n prod --type mini -o dumps/",
};

static int dump_opt(struct cli_ctx *ctx, int id, const char *value, void *data)
{
	enum diag_dump_type *type = data;

	if (id == OPT_TYPE && diag_dump_type_parse(value, type) < 0)
		return cli_check_choice(ctx, "--type", value, "full|heap|mini|triage");
	return 0;
}

static void say_secrets(struct cli_ctx *ctx)
{
	log_info("note: a dump holds the process's memory, secrets included (tokens, keys, personal "
		 "data); it is written mode 0600 here and removed from the pod once copied%s",
		 ctx->common.keep ? " (not with --keep)" : "");
}

/* dotnet-dump collect in the pod. 0 or -DPX_*. */
static int dump_tools(struct diagverb *v, struct cli_ctx *ctx, enum diag_dump_type type)
{
	struct diagrun_result r;
	const char *args[10];
	char dport[DIAGVERB_DPORT_MAX];
	int rc;

	if ((rc = diagverb_begin(v, ctx, "dotnet-dump", type)) < 0 ||
	    (rc = diagverb_artifact(v, "core_", "", NULL)) < 0)
		return rc;
	say_secrets(ctx);
	args[0] = "collect";
	args[1] = "--dport";
	args[2] = diagverb_dport(v, dport, sizeof(dport));
	args[3] = "--type";
	args[4] = diag_dump_type_tool_name(type);
	args[5] = "-o";
	args[6] = v->artifact_abs;
	args[7] = NULL;
	rc = diagverb_run(v, args, DIAGRUN_STREAM, 2, &r);
	diagrun_result_release(&r);
	return rc < 0 ? rc : 0;
}

/*
 * The agent's `dump` record on its stdout: where the runtime wrote the dump, as the app sees it (the
 * same container), or as the agent does (through /proc/PID/root/, from a debug container). 0 or
 * -DPX_ERROR.
 */
static int dump_record(struct diagverb *v, const struct agentrun_result *ar)
{
	const char *key = v->s.via_debug ? "path" : "app_path";
	char *cur = ar->out, *nl;
	struct agentrec rec;
	const char *path = NULL;
	int rc = -DPX_ERROR;

	for (; cur && *cur && !path; cur = nl ? nl + 1 : cur + strlen(cur)) {
		nl = strchr(cur, '\n');
		if (agentrec_parse(cur, nl ? (size_t)(nl - cur) : strlen(cur), &rec) == 0 &&
		    !strcmp(rec.type, AGENT_REC_DUMP) && (path = agentrec_get(&rec, key))) {
			free(v->fetch_abs);
			rc = (v->fetch_abs = strdup(path)) ? 0 : -DPX_ERROR;
			if (rc == 0 && strcmp(agentrec_get(&rec, "elf") ? agentrec_get(&rec, "elf") : "",
					      "1"))
				log_warn("the agent says %s is not an ELF core file", path);
		}
		agentrec_release(&rec);
	}
	if (!path)
		log_error("the agent wrote a dump in pod \"%s\" but did not say where",
			  v->s.pod->name);
	return rc;
}

/*
 * The runtime writes the dump where the agent asks: the run's directory when the app runs as the
 * exec user (clean knows it there), else the app's TMPDIR (agentrun.sh's rm mode removes it).
 */
static int dump_agent(struct diagverb *v, struct cli_ctx *ctx, enum diag_dump_type type)
{
	const char *args[8], *dir;
	struct agentrun_opts o;
	struct agentrun_result ar;
	char name[512];
	size_t n = 0;
	int rc;

	if ((rc = diagverb_begin_agent(v, ctx, type, NULL)) < 0)
		return rc;
	diagverb_default_name(v, "core_", "", name, sizeof(name));
	if ((rc = diagverb_local(v, name)) < 0)
		return rc;
	args[n++] = "dump";
	args[n++] = "--type";
	args[n++] = diag_dump_type_name(type);
	if (diag_agent_dump_dir(&v->s, &dir)) {
		v->artifact_rel = strfmt("runs/%s/%s", v->s.ws.runid, name);
		v->artifact_abs = v->artifact_rel ? workspace_path(&v->s.ws, v->artifact_rel) : NULL;
		v->fetch_abs = v->artifact_abs ? strdup(v->artifact_abs) : NULL;
		if (!v->fetch_abs) {
			log_error("out of memory");
			return -DPX_ERROR;
		}
		args[n++] = "--output";
		args[n++] = v->artifact_abs;
	}
	args[n] = NULL;
	say_secrets(ctx);
	memset(&o, 0, sizeof(o));
	o.ws = v->a.ws;
	o.name = DIAG_AGENT_NAME;
	o.sha256 = v->a.bin->sha256;
	o.pid = (long)v->s.proc->pid;
	o.args = args;
	o.quiet = ctx->verbosity < 0;
	o.what = "dump";
	log_info("the runtime of process %ld writes a %s dump in %s", (long)v->s.proc->pid,
		 args[2], v->artifact_abs ? v->artifact_abs : dir);
	rc = agentrun_run(&ctx->kube, v->s.pod, &o, &ar);
	if (rc == 0 && ar.status != 0 && ar.have_error &&
	    diag_out_of_space(agentrec_get(&ar.error, "message")))
		rc = diagverb_out_of_space(v, "the runtime's dump", v->artifact_abs ? v->artifact_abs : dir);
	else if (rc == 0 && ar.status != 0)
		rc = agentrun_explain(v->s.pod, "dump", &ar);
	if (rc == 0 && (rc = dump_record(v, &ar)) == 0)
		v->run_started = 1; /* the dump exists: it is named if it is not copied */
	agentrun_result_release(&ar);
	return rc;
}

/* A dump the agent left outside the workspace: removed once it is here (rm mode). */
static void remove_outside(struct diagverb *v)
{
	const char *const args[] = { v->a.ws, DIAG_AGENT_NAME, v->a.bin->sha256, "rm", v->fetch_abs,
				     NULL };
	struct proc p;

	proc_init(&p, NULL);
	if (podexec_script(&v->ctx->kube, v->s.pod, agentrun_sh, args, &p) < 0 || p.status != 0 ||
	    !p.out_buf || strncmp(p.out_buf, "rm\tremoved\t", 11))
		log_warn("could not remove %s from pod \"%s\": %s", v->fetch_abs, v->s.pod->name,
			 p.out_buf && *p.out_buf ? p.out_buf : "no answer");
	proc_release(&p);
}

int cmd_dump(int argc, char **argv, struct cli_ctx *ctx)
{
	enum diag_dump_type type = DIAG_DUMP_FULL;
	struct diagverb v;
	struct pull_result pr;
	int agent, rc;

	memset(&v, 0, sizeof(v));
	if (cli_parse(ctx, argc, argv, dump_opt, &type) < 0)
		return ctx->exit_code;
	if ((agent = diagverb_engine_agent(ctx)) < 0)
		return ctx->exit_code;
	rc = agent ? dump_agent(&v, ctx, type) : dump_tools(&v, ctx, type);
	if (rc == 0)
		rc = diagverb_fetch(&v, &pr);
	if (rc < 0) {
		if (v.run_started && !v.artifact_rel && v.fetch_abs)
			log_info("left in the pod: %s", v.fetch_abs);
		return diagverb_end(&v, dpx_status(rc));
	}
	diagverb_print_saved(&v, &pr);
	if (agent && !v.artifact_rel && !ctx->common.keep)
		remove_outside(&v);
	else if (agent && !v.artifact_rel)
		log_info("left in the pod: %s (--keep)", v.fetch_abs);
	if (ctx->verbosity >= 0)
		fprintf(ctx->out, "analyze it with: dotnet-dump analyze %s (on a Linux machine with the "
			"same .NET version)\n", v.local);
	return diagverb_end(&v, DPX_OK);
}
