/*
 * push_driver.c - exercise the push engine from the end-to-end tests before the verbs that use it
 * exist: resolve a pod, probe it, open a workspace, push one local file, print what happened.
 *
 *   push_driver POD CONTAINER|- LOCAL (--tool NAME | --artifact NAME) [--base64] [--no-exec] [-v]
 *
 * --tool NAME: tools/NAME, mode 0755, reused when already there with the same hash.
 * --artifact NAME: runs/RUNID/NAME, mode 0600, manifest kind "data" (not a tool's output: "artifact"
 * would make it an uncollected file that clean keeps). --no-exec: accept a noexec workspace.
 * Prints on stdout: workspace=PATH, runid=ID, exec_ok=0|1, path=FULL PATH (escaped as in the
 * manifest), hash=KIND:HEX, reused=0|1. Exit status: the DPX_* code of the failure, else 0.
 * Namespace and cluster: kubectl's own (KUBECONFIG, current context).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "exitcodes.h"
#include "kube.h"
#include "log.h"
#include "probe.h"
#include "push.h"
#include "target.h"
#include "workspace.h"

static int usage(void)
{
	fprintf(stderr, "usage: push_driver POD CONTAINER|- LOCAL (--tool NAME | --artifact NAME) "
			"[--base64] [--no-exec] [-v]\n");
	return DPX_USAGE;
}

int main(int argc, char **argv)
{
	struct kube k;
	struct target_spec t;
	struct target_set set = { NULL, 0 };
	struct target_pod *pod;
	struct probe pr;
	struct workspace ws;
	struct push_opts o;
	struct push_result r;
	char err[256], rid[32], dest[4096], esc[8192], *full = NULL;
	const char *name = NULL;
	int i, tool = 0, need_exec = 1, rc = DPX_ERROR;

	signal(SIGPIPE, SIG_IGN);
	if (argc < 4)
		return usage();
	memset(&o, 0, sizeof(o));
	memset(&ws, 0, sizeof(ws));
	for (i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--tool") && i + 1 < argc)
			tool = 1, name = argv[++i];
		else if (!strcmp(argv[i], "--artifact") && i + 1 < argc)
			tool = 0, name = argv[++i];
		else if (!strcmp(argv[i], "--base64"))
			o.encoding = PUSH_ENC_BASE64;
		else if (!strcmp(argv[i], "--no-exec"))
			need_exec = 0;
		else if (!strcmp(argv[i], "-v"))
			log_set_level(LOG_VERBOSE);
		else
			return usage();
	}
	if (!name)
		return usage();
	probe_init(&pr);
	if (kube_init(&k) < 0 || target_spec_parse(&t, argv[1], NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "push_driver: %s\n", err);
		return DPX_USAGE;
	}
	if ((rc = target_resolve_one(&k, &t, strcmp(argv[2], "-") ? argv[2] : NULL, &set, &pod)) < 0 ||
	    (rc = diag_probe_run(&k, pod, &pr, rid, sizeof(rid))) < 0 ||
	    (rc = workspace_open(&k, pod, &pr, need_exec, &ws)) < 0) {
		rc = dpx_status(rc);
		goto out;
	}
	rc = DPX_ERROR;
	if (tool)
		snprintf(dest, sizeof(dest), "tools/%s", name);
	else
		snprintf(dest, sizeof(dest), "runs/%s/%s", ws.runid, name);
	o.local_path = argv[3];
	o.dest = dest;
	o.kind = tool ? "tool" : "data";
	o.mode = tool ? 0755 : 0600;
	o.reuse = tool;
	if ((rc = push_file(&k, pod, pr.cmds, &ws, &o, &r)) < 0) {
		rc = dpx_status(rc);
		goto out;
	}
	rc = DPX_ERROR;
	full = workspace_path(&ws, dest);
	if (!full || workspace_escape(full, esc, sizeof(esc)) < 0)
		goto out;
	printf("workspace=%s\nrunid=%s\nexec_ok=%d\npath=%s\nhash=%s:%s\nreused=%d\n", ws.path,
	       ws.runid, ws.exec_ok, esc, digest_name(r.hash), r.hash_hex, r.reused);
	rc = DPX_OK;
out:
	free(full);
	workspace_release(&ws);
	probe_release(&pr);
	target_set_release(&set);
	target_spec_release(&t);
	kube_release(&k);
	return rc;
}
