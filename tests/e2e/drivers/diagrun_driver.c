/*
 * diagrun_driver.c - exercise diagrun (a tool run in the pod, streamed, stopped on Ctrl-C) from the
 * end-to-end tests: open a diagnostics session (diag.h), push a local tool into the workspace, run it
 * with diagrun_run, look at the file it wrote, end the run with diagrun_finish.
 *
 *   diagrun_driver POD CONTAINER|- LOCAL-TOOL NAME [options] -- TOOL-ARGS...
 *
 * Options: -p PID (else the only .NET process), --capture (DIAGRUN_CAPTURE; the captured stdout is
 * printed after a "--- captured" line), --tty (DIAGRUN_TTY: needs a terminal), --tmpdir (TMPDIR = the directory of the process's
 * diagnostics socket) or --tmpdir=DIR, --out FILE (the tool's output in the run directory: checked after the run),
 * --keep (diagrun_finish keeps FILE), --grace N, -q, -v.
 * In TOOL-ARGS, @PID@ is the process's pid, @DPORT@ "SOCKET,connect", @OUT@ the absolute path of
 * FILE. The tool's stdout streams to our stdout, its stderr to our stderr.
 * Prints on stdout, after the run: workspace=, runid=, status=, interrupted=, seconds=; with --out:
 * out_head= (the file's first 8 bytes, C-escaped) and out_size=; then finish=0|-1 and
 * run_dir_gone=0|1 (and out_kept=0|1 with --keep). Exit status: the DPX_* code of a failure, else 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "diagrun.h"
#include "exitcodes.h"
#include "interrupt.h"
#include "kube.h"
#include "log.h"
#include "podexec.h"
#include "push.h"
#include "strvec.h"

/* Prints "SIZE HEAD8" of $1 (octal-escaped by od), and whether $2 exists. */
static const char look_sh[] =
	"if [ -f \"$1\" ]; then printf 'size=%s\\n' \"$(wc -c <\"$1\")\"; "
	"printf 'head=%s\\n' \"$(head -c 8 \"$1\")\"; fi; "
	"if [ -e \"$2\" ]; then echo dir=1; else echo dir=0; fi";

static int usage(void)
{
	fprintf(stderr, "usage: diagrun_driver POD CONTAINER|- LOCAL-TOOL NAME [-p PID] [--capture|--tty] "
			"[--tmpdir[=DIR]] [--out FILE] [--keep] [--grace N] [-q] [-v] -- TOOL-ARGS...\n");
	return DPX_USAGE;
}

/* TOOL-ARGS with the placeholders replaced. */
static int expand_args(char **in, const struct diag_session *s, const char *out_abs,
		       struct strvec *out)
{
	char pid[32], dport[4096];

	snprintf(pid, sizeof(pid), "%ld", (long)s->proc->pid);
	snprintf(dport, sizeof(dport), "%s,connect", s->proc->socket ? s->proc->socket : "");
	for (; *in; in++) {
		const char *v = !strcmp(*in, "@PID@") ? pid : !strcmp(*in, "@DPORT@") ? dport
				: !strcmp(*in, "@OUT@") ? out_abs : *in;

		if (!v || strvec_push(out, v) < 0)
			return -1;
	}
	return 0;
}

/* Run look_sh on `path` (may be NULL) and the run directory; print what it found. */
static void look(struct kube *k, const struct diag_session *s, const char *path, const char *prefix)
{
	const char *args[] = { path ? path : "", s->ws.run_dir, NULL };
	struct proc p;

	proc_init(&p, NULL);
	if (podexec_script(k, s->pod, look_sh, args, &p) == 0 && p.status == 0) {
		char *line = p.out_buf, *nl;

		for (; line && *line; line = nl ? nl + 1 : NULL) {
			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			printf("%s%s\n", prefix, line);
		}
	}
	proc_release(&p);
}

int main(int argc, char **argv)
{
	struct kube k;
	struct target_spec t;
	struct diag_target dt;
	struct diag_session s;
	struct push_opts po;
	struct push_result pr;
	struct diagrun_opts o;
	struct diagrun_result r;
	struct strvec targs = STRVEC_INIT;
	char err[256], dest[512], *tool = NULL, *out_rel = NULL, *out_abs = NULL;
	const char *outname = NULL, *keep[2] = { NULL, NULL };
	int i, rc = DPX_ERROR, fin, keep_out = 0, quiet = 0;

	signal(SIGPIPE, SIG_IGN);
	interrupt_install();
	if (argc < 6)
		return usage();
	memset(&dt, 0, sizeof(dt));
	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	o.stdout_fd = 1;
	for (i = 5; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "-p") && i + 1 < argc)
			dt.pid = strtoll(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--capture"))
			o.io = DIAGRUN_CAPTURE;
		else if (!strcmp(argv[i], "--tty"))
			o.io = DIAGRUN_TTY;
		else if (!strcmp(argv[i], "--tmpdir"))
			o.tmpdir = "";  /* filled below */
		else if (!strncmp(argv[i], "--tmpdir=", 9))
			o.tmpdir = argv[i] + 9;
		else if (!strcmp(argv[i], "--out") && i + 1 < argc)
			outname = argv[++i];
		else if (!strcmp(argv[i], "--keep"))
			keep_out = 1;
		else if (!strcmp(argv[i], "--grace") && i + 1 < argc)
			o.grace_seconds = (int)strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-q"))
			quiet = 1;
		else if (!strcmp(argv[i], "-v"))
			log_set_level(LOG_VERBOSE);
		else
			return usage();
	}
	if (i >= argc)
		return usage();
	if (kube_init(&k) < 0 || target_spec_parse(&t, argv[1], NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "diagrun_driver: %s\n", err);
		return DPX_USAGE;
	}
	dt.spec = &t;
	dt.container = strcmp(argv[2], "-") ? argv[2] : NULL;
	if ((rc = diag_open(&k, &dt, &s)) < 0) {
		rc = dpx_status(rc);
		goto out;
	}
	snprintf(dest, sizeof(dest), "tools/%s", argv[4]);
	memset(&po, 0, sizeof(po));
	po.local_path = argv[3];
	po.dest = dest;
	po.kind = "tool";
	po.mode = 0755;
	po.reuse = 1;
	if ((rc = push_file(&k, s.pod, s.probe.cmds, &s.ws, &po, &pr)) < 0) {
		rc = dpx_status(rc);
		goto out;
	}
	rc = DPX_ERROR;
	tool = workspace_path(&s.ws, dest);
	if (outname) {
		size_t n = strlen(s.ws.runid) + strlen(outname) + 8;

		out_rel = malloc(n);
		if (out_rel)
			snprintf(out_rel, n, "runs/%s/%s", s.ws.runid, outname);
		out_abs = out_rel ? workspace_path(&s.ws, out_rel) : NULL;
	}
	if (!tool || (outname && !out_abs) || expand_args(argv + i + 1, &s, out_abs, &targs) < 0)
		goto out;
	o.tool_path = tool;
	o.name = argv[4];
	o.dotnet_root = s.dotnet_root;
	if (o.tmpdir && !*o.tmpdir)
		o.tmpdir = s.socket_dir;
	o.args = strvec_argv(&targs);
	o.quiet = quiet;
	if ((rc = diagrun_run(&k, s.pod, &s.ws, &o, &r)) < 0) {
		rc = dpx_status(rc);
		goto out;
	}
	rc = DPX_ERROR;
	printf("workspace=%s\nrunid=%s\nstatus=%d\ninterrupted=%d\nseconds=%.2f\n", s.ws.path,
	       s.ws.runid, r.status, r.interrupted, r.seconds);
	fflush(stdout);
	if (out_abs)
		look(&k, &s, out_abs, "out_");
	keep[0] = keep_out ? out_rel : NULL;
	fin = diagrun_finish(&k, s.pod, &s.ws, keep, 1, NULL);
	printf("finish=%d\n", fin);
	look(&k, &s, keep_out ? out_abs : NULL, "after_");
	if (o.io == DIAGRUN_CAPTURE) {
		printf("--- captured %zu bytes\n", r.out_len);
		fwrite(r.out ? r.out : "", 1, r.out_len, stdout);
	}
	rc = r.status == 0 && fin == 0 ? DPX_OK : DPX_ERROR;
out:
	diagrun_result_release(&r);
	strvec_clear(&targs);
	free(tool);
	free(out_rel);
	free(out_abs);
	diag_close(&s);
	target_spec_release(&t);
	kube_release(&k);
	return rc;
}
