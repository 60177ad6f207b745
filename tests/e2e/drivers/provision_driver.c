/*
 * provision_driver.c - exercise provision_tool from the end-to-end tests before the verbs that use
 * it exist: resolve a pod, probe it, open a workspace, get one tool into it, print what happened.
 *
 *   provision_driver POD CONTAINER|- TOOL [--download auto|local|pod] [--refresh]
 *                    [--tools-url URL] [-v]
 *
 * Prints on stdout: rid=RID, workspace=PATH, runid=ID, path=FULL PATH of the tool, step=NAME
 * (push-cached, reuse-pod, pod-download, local-download), downloaded_here=0|1, uploaded=0|1,
 * downloaded_in_pod=0|1. Exit status: the DPX_* code of the failure, else 0. The tool stays in the
 * pod's workspace (`kubectl dotnetprof clean` removes it). Namespace and cluster: kubectl's own.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "download.h"
#include "diag.h"
#include "exitcodes.h"
#include "kube.h"
#include "log.h"
#include "probe.h"
#include "provision.h"
#include "target.h"
#include "workspace.h"

static int usage(void)
{
	fprintf(stderr, "usage: provision_driver POD CONTAINER|- TOOL [--download auto|local|pod] "
			"[--refresh] [--tools-url URL] [-v]\n");
	return DPX_USAGE;
}

static const char *step_name(enum provision_step s)
{
	static const char *const names[] = { "push-cached", "reuse-pod", "pod-download",
					     "local-download" };

	return (size_t)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static int parse_opts(int argc, char **argv, struct provision_opts *o)
{
	int i;

	for (i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--download") && i + 1 < argc) {
			if (provision_parse_strategy(argv[++i], &o->strategy) < 0)
				return -1;
		} else if (!strcmp(argv[i], "--tools-url") && i + 1 < argc) {
			o->tools_url = argv[++i];
		} else if (!strcmp(argv[i], "--refresh")) {
			o->refresh = 1;
		} else if (!strcmp(argv[i], "-v")) {
			log_set_level(LOG_VERBOSE);
		} else {
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static volatile sig_atomic_t never;
	struct kube k;
	struct target_spec t;
	struct target_set set = { NULL, 0 };
	struct target_pod *pod;
	struct probe pr;
	struct workspace ws;
	struct provision_opts o;
	struct provision_result r;
	char err[256], rid[32];
	int rc = DPX_ERROR;

	signal(SIGPIPE, SIG_IGN);
	memset(&o, 0, sizeof(o));
	memset(&ws, 0, sizeof(ws));
	o.interrupted = &never;
	if (argc < 4 || parse_opts(argc, argv, &o) < 0)
		return usage();
	probe_init(&pr);
	if (kube_init(&k) < 0 || target_spec_parse(&t, argv[1], NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "provision_driver: %s\n", err);
		return DPX_USAGE;
	}
	download_global_init();
	if ((rc = target_resolve_one(&k, &t, strcmp(argv[2], "-") ? argv[2] : NULL, &set, &pod)) < 0 ||
	    (rc = diag_probe_run(&k, pod, &pr, rid, sizeof(rid))) < 0) {
		rc = dpx_status(rc);
		goto out;
	}
	rc = DPX_ERROR;
	if (!rid[0]) {
		log_error("no RID for machine \"%s\"", pr.arch);
		goto out;
	}
	if ((rc = workspace_open(&k, pod, &pr, 1, &ws)) < 0 ||
	    (rc = provision_tool(&k, pod, &pr, &ws, rid, argv[3], &o, &r)) < 0) {
		rc = dpx_status(rc);
		goto out;
	}
	rc = DPX_ERROR;
	printf("rid=%s\nworkspace=%s\nrunid=%s\npath=%s\nstep=%s\ndownloaded_here=%d\nuploaded=%d\n"
	       "downloaded_in_pod=%d\n", rid, ws.path, ws.runid, r.remote_path, step_name(r.step),
	       r.downloaded_here, r.uploaded, r.downloaded_in_pod);
	rc = DPX_OK;
out:
	download_global_cleanup();
	workspace_release(&ws);
	probe_release(&pr);
	target_set_release(&set);
	target_spec_release(&t);
	kube_release(&k);
	return rc;
}
