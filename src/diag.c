/*
 * diag.c - from TARGET to one .NET process we may profile (diag.h): probe, process choice,
 * preflight, workspace.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcodes.h"
#include "fetchcmd.h"
#include "kube.h"
#include "log.h"
#include "diagdebug.h"
#include "podexec.h"
#include "podscripts.h"
#include "proc.h"
#include "progress.h"
#include "perm.h"
#include "rid.h"
#include "sanitize.h"
#include "strfmt.h"

#define MIN_RUNTIME_MAJOR 8

static int problem(struct diag_problem *pb, int code, const char *hint, const char *fmt, ...)
	LOG_PRINTF(4, 5);

static int problem(struct diag_problem *pb, int code, const char *hint, const char *fmt, ...)
{
	va_list ap;

	pb->code = code;
	va_start(ap, fmt);
	vsnprintf(pb->msg, sizeof(pb->msg), fmt, ap);
	va_end(ap);
	snprintf(pb->hint, sizeof(pb->hint), "%s", hint ? hint : "");
	return -1;
}

int diag_fail(const struct diag_problem *pb)
{
	const char *s = pb->msg, *nl = strchr(s, '\n');

	/* the message's first line, then the list under it (pod text in it was sanitized) */
	log_error("%.*s", (int)(nl ? (size_t)(nl - s) : strlen(s)), s);
	while (nl) {
		s = nl + 1;
		if (s[0] == ' ' && s[1] == ' ')
			s += 2; /* log_item indents */
		nl = strchr(s, '\n');
		log_item("%.*s", (int)(nl ? (size_t)(nl - s) : strlen(s)), s);
	}
	if (pb->hint[0])
		log_hint("%s", pb->hint);
	return -pb->code;
}

static const char *base_name(const char *s, size_t len, size_t *outlen)
{
	size_t i = len;

	while (i > 0 && s[i - 1] != '/')
		i--;
	*outlen = len - i;
	return s + i;
}

/* Does `word` (len bytes, a path) have basename `name`, or `name`.dll? */
static int word_is(const char *word, size_t len, const char *name, int allow_dll)
{
	size_t n, nl = strlen(name);
	const char *b = base_name(word, len, &n);

	if (n == nl && !memcmp(b, name, nl))
		return 1;
	return allow_dll && n == nl + 4 && !memcmp(b, name, nl) && !memcmp(b + nl, ".dll", 4);
}

int diag_name_matches(const struct probe_proc *proc, const char *name)
{
	const char *s, *e;
	int first = 1;

	if (!name || !*name)
		return 0;
	if (proc->name && !strcmp(proc->name, name))
		return 1;
	for (s = proc->cmdline; s && *s; s = *e ? e + 1 : e, first = 0) {
		size_t len;

		e = strchr(s, ' ');
		if (!e)
			e = s + strlen(s);
		len = (size_t)(e - s);
		if (first && word_is(s, len, name, 0))
			return 1;
		if (len > 4 && !memcmp(e - 4, ".dll", 4))
			return word_is(s, len, name, 1);
	}
	return 0;
}

/* "  PID NAME  CMDLINE" lines of the processes, for messages (sanitized: one process, one line). */
static void list_procs(const struct probe *pr, char *buf, size_t size)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < pr->nprocs && used + 1 < size; i++) {
		const struct probe_proc *p = &pr->procs[i];
		int n;

		if (diag_proc_is_ours(p))
			continue;
		n = snprintf(buf + used, size - used, "\n  %ld  %s  %.120s", (long)p->pid,
			     p->name ? san(p->name) : "?", san(p->cmdline));
		if (n < 0)
			break;
		used += (size_t)n < size - used ? (size_t)n : size - used - 1;
	}
}

int diag_proc_is_ours(const struct probe_proc *proc)
{
	const char *c = proc->cmdline, *end;

	if (!c)
		return 0;
	end = strchr(c, ' ');
	if (!end)
		end = c + strlen(c);
	for (; c + sizeof("/" WS_DIRNAME "/tools/") - 1 <= end; c++)
		if (!strncmp(c, "/" WS_DIRNAME "/tools/", sizeof("/" WS_DIRNAME "/tools/") - 1))
			return 1;
	return 0;
}

long diag_pick_process(const struct probe *pr, long long pid, const char *name,
		       struct diag_problem *pb)
{
	char list[512];
	long found = -1;
	size_t i, matches = 0, apps = 0;

	for (i = 0; i < pr->nprocs; i++)
		if (!diag_proc_is_ours(&pr->procs[i])) {
			apps++;
			found = (long)i;
		}
	if (!apps)
		return problem(pb, DPX_NODOTNET, NULL, "no .NET process found in the container");
	list_procs(pr, list, sizeof(list));
	if (pid > 0) {
		for (i = 0; i < pr->nprocs; i++)
			if ((long long)pr->procs[i].pid == pid)
				return (long)i;
		return problem(pb, DPX_NOTFOUND, "choose one of the pids listed (or see `ps`)",
			       "no .NET process with pid %lld in the container; the .NET processes are:%s",
			       pid, list);
	}
	if (name) {
		found = -1;
		for (i = 0; i < pr->nprocs; i++)
			if (!diag_proc_is_ours(&pr->procs[i]) && diag_name_matches(&pr->procs[i], name)) {
				matches++;
				found = (long)i;
			}
		if (matches == 1)
			return found;
		if (!matches)
			return problem(pb, DPX_NOTFOUND, "choose one with -p PID or --process-name NAME",
				       "no .NET process named \"%s\" in the container; the .NET "
				       "processes are:%s", name, list);
		return problem(pb, DPX_AMBIGUOUS, "choose one with -p PID",
			       "%zu .NET processes are named \"%s\":%s", matches, name, list);
	}
	if (apps == 1)
		return found;
	return problem(pb, DPX_AMBIGUOUS, "choose one with -p PID or --process-name NAME",
		       "%zu .NET processes run in the container and none was chosen:%s", apps, list);
}

/* The user name the probe saw for `uid` (any process of that uid), or "". */
static const char *uid_name(const struct probe *pr, unsigned long uid)
{
	size_t i;

	if (pr->user && (unsigned long)pr->uid == uid)
		return pr->user;
	for (i = 0; i < pr->nprocs; i++)
		if ((unsigned long)pr->procs[i].uid == uid && pr->procs[i].user)
			return pr->procs[i].user;
	return "";
}

/* The runtime of `proc` is not to be loaded: `path` and why. Returns -1. */
static int runtime_unsafe(const struct probe *pr, const struct probe_proc *proc, const char *root,
			  const char *path, const char *why, struct diag_problem *pb)
{
	char hint[512];

	snprintf(hint, sizeof(hint), "the tools would run as uid %lu with DOTNET_ROOT=%s and load its "
		 "code, which whoever can change %s controls: install the runtime as root, not writable "
		 "by others (as .NET images do), or run the exec as the runtime's owner (the container's "
		 "runAsUser)", (unsigned long)pr->uid, san(root), san(path));
	return problem(pb, DPX_FORBIDDEN, hint, "the .NET runtime of process %ld is not safe to load "
		       "as uid %lu: %s: %s", (long)proc->pid, (unsigned long)pr->uid, san(path), why);
}

/* Is `path` `root` itself or below `sub` of it ("/host", "/shared/Microsoft.NETCore.App/")? */
static int under(const char *path, const char *root, const char *sub)
{
	size_t r = strcmp(root, "/") ? strlen(root) : 0, s = strlen(sub);

	return !strncmp(path, root, r) && !strncmp(path + r, sub, s) &&
	       (sub[s - 1] == '/' || path[r + s] == '\0' || path[r + s] == '/');
}

int diag_runtime_safe(const struct probe *pr, const struct probe_proc *proc,
		      struct diag_problem *pb)
{
	static const char fw[] = "/shared/Microsoft.NETCore.App/";
	char *root = diag_dotnet_root(proc->runtime_dir);
	char *p = proc->runtime_dir ? strdup(proc->runtime_dir) : NULL;
	char why[160], owner[192];
	const struct probe_perm *pm;
	size_t i, j, cut, rootlen;
	int rc = -1;

	if (!root || !p) {
		problem(pb, DPX_ERROR, NULL, "out of memory");
		goto out;
	}
	rootlen = strcmp(root, "/") ? strlen(root) : 0;
	/* every directory from / down to the runtime dir: "/", "/usr", ..., the dir itself; those
	   above DOTNET_ROOT may be sticky (/tmp) */
	for (cut = 0; ; cut++) {
		char c = p[cut];

		if (cut && c != '/' && c != '\0')
			continue;
		p[cut] = '\0';
		pm = probe_find_perm(pr, cut ? p : "/");
		p[cut] = c;
		if (!pm) {
			snprintf(owner, sizeof(owner), "%.*s", (int)(cut ? cut : 1), p);
			runtime_unsafe(pr, proc, root, owner, "who owns it is unknown (the container has "
				       "no ls)", pb);
			goto out;
		}
		if (perm_pod_entry(pm->mode, pm->uid, pr->uid, cut < rootlen, why, sizeof(why)) < 0)
			goto bad;
		if (!c)
			break;
	}
	/* under DOTNET_ROOT, what the tools' host loads: host, host/fxr, the versions of both */
	for (i = 0; i < pr->nperms; i++) {
		pm = &pr->perms[i];
		if ((under(pm->path, root, "/host") || under(pm->path, root, fw)) &&
		    perm_pod_entry(pm->mode, pm->uid, pr->uid, 0, why, sizeof(why)) < 0)
			goto bad;
	}
	for (i = 0; i < pr->npermdirs; i++) {
		const struct probe_permdir *pd = &pr->permdirs[i];

		if (!under(pd->path, root, "/host/fxr/") && !under(pd->path, root, fw))
			continue;
		for (j = 0; j < pd->nuids; j++) {
			const char *u = uid_name(pr, pd->uids[j]);

			if (pd->uids[j] == 0 || pd->uids[j] == (unsigned long)pr->uid)
				continue;
			snprintf(owner, sizeof(owner), "files in it are owned by uid %lu%s%s%s",
				 pd->uids[j], *u ? " (" : "", u, *u ? ")" : "");
			runtime_unsafe(pr, proc, root, pd->path, owner, pb);
			goto out;
		}
		if (pd->writable) {
			runtime_unsafe(pr, proc, root, pd->path, "files in it are writable by group or "
				       "others", pb);
			goto out;
		}
	}
	rc = 0;
	goto out;
bad:
	if (!strncmp(why, "it is owned by uid ", 19) && *uid_name(pr, pm->uid)) {
		snprintf(owner, sizeof(owner), "%s (%s)", why, uid_name(pr, pm->uid));
		runtime_unsafe(pr, proc, root, pm->path, owner, pb);
	} else {
		runtime_unsafe(pr, proc, root, pm->path, why, pb);
	}
out:
	free(root);
	free(p);
	return rc;
}

int diag_socket_safe(const struct probe *pr, const struct probe_proc *proc, struct diag_problem *pb)
{
	const struct probe_perm *pm = probe_find_perm(pr, proc->socket);
	const char *hint = "whoever may write the directory a socket is in can put another one in its "
			   "place: give the app a TMPDIR only its user may write (or the sticky /tmp) "
			   "and restart it";

	if (!proc->socket)
		return 0;
	if (!pm)
		return problem(pb, DPX_FORBIDDEN, "the container needs ls (coreutils or busybox)",
			       "cannot tell who owns the diagnostics socket %s of process %ld",
			       san(proc->socket), (long)proc->pid);
	if (pm->mode[0] != 's')
		return problem(pb, DPX_FORBIDDEN, hint, "the diagnostics socket %s of process %ld is not "
			       "a socket (%.10s)", san(proc->socket), (long)proc->pid, pm->mode);
	if (pm->uid != (unsigned long)proc->uid)
		return problem(pb, DPX_FORBIDDEN, hint, "the diagnostics socket %s of process %ld is "
			       "owned by uid %lu%s%s%s, not by the process's uid %lu: someone else may have "
			       "put it there", san(proc->socket), (long)proc->pid, pm->uid,
			       *uid_name(pr, pm->uid) ? " (" : "", uid_name(pr, pm->uid),
			       *uid_name(pr, pm->uid) ? ")" : "", (unsigned long)proc->uid);
	return 0;
}

int diag_preflight(const struct probe *pr, const struct probe_proc *proc, struct diag_problem *pb)
{
	long major;

	if (!proc->runtime_version || !*proc->runtime_version) {
		if (!proc->accessible && pr->uid == 0)
			return problem(pb, DPX_FORBIDDEN,
				       "use --engine agent (the default), which runs as the app's user, or "
				       "give the container the SYS_PTRACE capability",
				       "process %ld (%s) runs as uid %lu, and root without CAP_SYS_PTRACE "
				       "(a container's default) cannot read its memory maps to find its "
				       "runtime", (long)proc->pid, proc->name ? proc->name : "?",
				       (unsigned long)proc->uid);
		if (!proc->accessible)
			return problem(pb, DPX_FORBIDDEN,
				       "exec as the app's user, or as root, to profile it",
				       "process %ld (%s) runs as uid %lu and the exec user (uid %lu) "
				       "cannot read its memory maps to find its runtime",
				       (long)proc->pid, proc->name ? proc->name : "?",
				       (unsigned long)proc->uid, (unsigned long)pr->uid);
		return problem(pb, DPX_NODOTNET,
			       "publish the app framework-dependent (the default: no --self-contained, "
			       "no PublishAot) on a runtime image, or run the tools from a debug "
			       "container that has the .NET runtime (kubectl debug --target)",
			       "process %ld (%s) has no shared .NET runtime: it is self-contained, "
			       "single-file or NativeAOT (%s), so the diagnostics tools, which need a "
			       "shared .NET runtime >= %d in the container, cannot run there",
			       (long)proc->pid, proc->name ? proc->name : "?",
			       proc->runtime_dir ? proc->runtime_dir : "no libcoreclr.so mapped",
			       MIN_RUNTIME_MAJOR);
	}
	major = strtol(proc->runtime_version, NULL, 10);
	if (major < MIN_RUNTIME_MAJOR)
		return problem(pb, DPX_NODOTNET, "upgrade the app to .NET 8 or later",
			       "process %ld runs on .NET %s; the diagnostics tools need .NET %d or later",
			       (long)proc->pid, proc->runtime_version, MIN_RUNTIME_MAJOR);
	if (diag_runtime_safe(pr, proc, pb) < 0)
		return -1;
	return diag_preflight_access(pr, proc, 1, pb);
}

int diag_preflight_access(const struct probe *pr, const struct probe_proc *proc, int need_socket,
			  struct diag_problem *pb)
{
	switch (probe_proc_diag(pr, proc)) {
	case PDIAG_DISABLED:
		return problem(pb, DPX_NODOTNET,
			       "remove DOTNET_EnableDiagnostics=0 (or set DOTNET_EnableDiagnostics_IPC=1 "
			       "on .NET 8+) from the container's environment and restart the pod",
			       "diagnostics are disabled in process %ld (DOTNET_EnableDiagnostics=0): "
			       "it has no diagnostics socket, so no tool can attach",
			       (long)proc->pid);
	case PDIAG_OTHER_USER:
		return problem(pb, DPX_FORBIDDEN,
			       "the exec runs as the container's user: make the app and the container "
			       "run as the same user (securityContext.runAsUser), or profile as root",
			       "process %ld runs as %s (uid %lu) but the exec user is uid %lu: its "
			       "diagnostics socket (mode 0600) is out of reach",
			       (long)proc->pid, proc->user ? proc->user : "another user",
			       (unsigned long)proc->uid, (unsigned long)pr->uid);
	case PDIAG_NO_SOCKET:
		if (!need_socket)
			break;
		return problem(pb, DPX_NODOTNET,
			       "if the app has just started, try again in a few seconds; a read-only "
			       "or unshared TMPDIR of the app prevents the socket",
			       "no diagnostics socket found for process %ld (looked in its TMPDIR and /tmp)",
			       (long)proc->pid);
	case PDIAG_OK:
		break;
	}
	return diag_socket_safe(pr, proc, pb);
}

uint64_t diag_dump_estimate(enum diag_dump_type type, long long rss_kb)
{
	if (rss_kb < 0 || type == DIAG_DUMP_NONE)
		return 0;
	if (type == DIAG_DUMP_MINI || type == DIAG_DUMP_TRIAGE)
		return 64ull << 20;
	return (uint64_t)rss_kb * 1024u / 4u * 5u;
}

static const char *const dump_names[] = { NULL, "full", "heap", "mini", "triage" };
static const char *const dump_tool_names[] = { NULL, "Full", "Heap", "Mini", "Triage" };

int diag_dump_type_parse(const char *s, enum diag_dump_type *out)
{
	int i;

	for (i = DIAG_DUMP_FULL; s && i <= DIAG_DUMP_TRIAGE; i++)
		if (!strcmp(s, dump_names[i])) {
			*out = (enum diag_dump_type)i;
			return 0;
		}
	return -1;
}

const char *diag_dump_type_name(enum diag_dump_type t)
{
	return t >= DIAG_DUMP_FULL && t <= DIAG_DUMP_TRIAGE ? dump_names[t] : NULL;
}

const char *diag_dump_type_tool_name(enum diag_dump_type t)
{
	return t >= DIAG_DUMP_FULL && t <= DIAG_DUMP_TRIAGE ? dump_tool_names[t] : NULL;
}

/* The directory part of `path`, newly allocated ("/" for "/x"); NULL on ENOMEM or no '/'. */
static char *dir_of(const char *path, int levels)
{
	char *d = path ? strdup(path) : NULL, *slash;

	while (d && levels-- > 0) {
		slash = strrchr(d, '/');
		if (!slash) {
			free(d);
			return NULL;
		}
		if (slash == d)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	return d;
}

char *diag_dotnet_root(const char *runtime_dir)
{
	return dir_of(runtime_dir, 3);
}

void diag_last_line(const char *text, char *buf, size_t bufsize)
{
	const char *s = text, *best = NULL;
	size_t best_n = 0;

	while (s && *s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);

		if (n && strncmp(s, "command terminated", 18)) {
			best = s;
			best_n = n;
		}
		s += n + (nl ? 1 : 0);
	}
	snprintf(buf, bufsize, "%.*s", best ? (int)(best_n > 300 ? 300 : best_n) : 0,
		 best ? best : "");
}

/* One line per file an earlier run left in the pod uncollected, with the command that fetches it. */
static void report_uncollected(const struct target_pod *pod, const struct probe *pr)
{
	char size[32];
	size_t i;

	for (i = 0; i < pr->nuncollected; i++) {
		const struct probe_artifact *a = &pr->uncollected[i];
		char *line = fetchcmd_line(pod, a->path, NULL, FETCHCMD_NEW);

		log_warn("an earlier run left %s (%s%s) in pod \"%s\" uncollected; fetch it with: %s",
			 a->path, progress_fmt_size(a->size, size, sizeof(size)),
			 a->live ? ", its tool still writes it" : "", pod->name,
			 line ? line : "(no memory)");
		free(line);
	}
}

int diag_probe_run(struct kube *k, const struct target_pod *pod, struct probe *pr, char *rid,
		   size_t ridsize)
{
	return diag_probe_run_agent(k, pod, NULL, pr, rid, ridsize);
}

int diag_probe_take(const struct target_pod *pod, int status, const char *errtext, const char *out,
		    size_t len, struct probe *pr, char *rid, size_t ridsize)
{
	char err[512];

	probe_init(pr);
	rid[0] = '\0';
	if (status != 0) {
		diag_last_line(errtext, err, sizeof(err));
		log_error("the probe failed in container \"%s\" of pod \"%s\" (namespace \"%s\"): "
			  "exit status %d%s%s", pod->container, pod->name, pod->namespace, status,
			  *err ? ": " : "", err);
		log_hint("run with -vv to see everything it printed");
		return -DPX_ERROR;
	}
	if (probe_parse(out, len, pr, err, sizeof(err)) < 0) {
		log_error("cannot read the probe's report from pod \"%s\": %s", pod->name, err);
		log_hint("run with -vv to see what it printed");
		return -DPX_ERROR;
	}
	if (rid_from_uname(pr->arch, pr->libc, rid, ridsize) < 0)
		rid[0] = '\0';
	report_uncollected(pod, pr);
	return 0;
}

/* One run of the probe script in `pod`'s container (and the agent check with `agent`). */
static int probe_once(struct kube *k, const struct target_pod *pod, const char *agent,
		      struct probe *pr, char *rid, size_t ridsize)
{
	const char *const args[] = { agent, NULL };
	struct proc p;
	int ret;

	probe_init(pr);
	rid[0] = '\0';
	proc_init(&p, NULL);
	if ((ret = podexec_script(k, pod, probe_sh, agent ? args : NULL, &p)) == 0)
		ret = diag_probe_take(pod, p.status, p.err_buf, p.out_buf, p.out_len, pr, rid, ridsize);
	proc_release(&p);
	return ret;
}

int diag_probe_run_agent(struct kube *k, const struct target_pod *pod, const char *agent,
			 struct probe *pr, char *rid, size_t ridsize)
{
	struct target_pod once;
	int lost = 0, ret;

	if (pod->lost) /* the caller runs it again itself */
		return probe_once(k, pod, agent, pr, rid, ridsize);
	once = *pod;
	once.lost = &lost;
	ret = probe_once(k, &once, agent, pr, rid, ridsize);
	if (ret >= 0 || !lost)
		return ret;
	probe_release(pr);
	return probe_once(k, pod, agent, pr, rid, ridsize);
}

int diag_probe_pod(struct kube *k, const struct target_pod *pod, struct probe *pr, char *rid,
		   size_t ridsize)
{
	return diag_probe_pod_agent(k, pod, NULL, pr, rid, ridsize);
}

int diag_probe_pod_agent(struct kube *k, const struct target_pod *pod, const char *agent,
			 struct probe *pr, char *rid, size_t ridsize)
{
	int ret;

	if ((ret = diag_probe_run_agent(k, pod, agent, pr, rid, ridsize)) < 0)
		return ret;
	return diag_probe_require(pod, pr, rid);
}

int diag_probe_require(const struct target_pod *pod, const struct probe *pr, const char *rid)
{
	if (pr->nprocs)
		return 0;
	log_error("no .NET process found in container \"%s\" of pod \"%s\" (namespace \"%s\"; "
		  "platform %s, probe ran as uid %lu)", pod->container, pod->name, pod->namespace,
		  rid[0] ? rid : (pr->arch[0] ? pr->arch : "unknown"), (unsigned long)pr->uid);
	log_hint("is the app running in this container? pick another with -c; a process run "
		 "by another user may be invisible when the container runs as non-root");
	return -DPX_NODOTNET;
}

/*
 * Free space (KiB) of the probe's candidate dir `dir`, or with `in_ws` of the one whose workspace
 * `dir` is; -1 unknown.
 */
static long long dir_free_kb(const struct probe *pr, const char *dir, int in_ws)
{
	size_t i, n;

	for (i = 0; i < pr->ndirs; i++) {
		n = strlen(pr->dirs[i].path);
		while (n > 1 && pr->dirs[i].path[n - 1] == '/')
			n--;
		if (strncmp(dir, pr->dirs[i].path, n))
			continue;
		if (in_ws ? dir[n] == '/' && !strcmp(dir + n + 1, WS_DIRNAME) :
			    !dir[n] || (dir[n] == '/' && !dir[n + strspn(dir + n, "/")]))
			return pr->dirs[i].free_kb;
	}
	return -1;
}

long long diag_ws_free_kb(const struct diag_session *s, const char *ws_path)
{
	return dir_free_kb(&s->probe, ws_path, 1);
}

int diag_out_of_space(const char *text)
{
	return text && (strstr(text, "No space left on device") || strstr(text, "ENOSPC") ||
			strstr(text, "Disk quota exceeded"));
}

/* Preflight step 6: room for the dump in the workspace. */
static int check_space(const struct diag_target *t, struct diag_session *s)
{
	return diag_check_dump_space(t, s, s->ws.path, 1);
}

int diag_check_dump_space(const struct diag_target *t, const struct diag_session *s,
			  const char *dir, int is_ws)
{
	uint64_t need = diag_dump_estimate(t->dump, s->proc->rss_kb);
	long long free_kb = dir_free_kb(&s->probe, dir, is_ws);

	if (!need || free_kb < 0 || (uint64_t)free_kb * 1024u >= need)
		return 0;
	if (t->force) {
		log_warn("only %lld MiB free in %s for a dump of about %llu MiB: going on (--force)",
			 free_kb / 1024, dir, (unsigned long long)(need >> 20));
		return 0;
	}
	log_error("not enough space for the dump in pod \"%s\": %lld MiB free in %s, a %s dump of "
		  "process %ld (%lld MiB resident) needs about %llu MiB", s->pod->name, free_kb / 1024,
		  dir, dump_names[t->dump], (long)s->proc->pid, s->proc->rss_kb / 1024,
		  (unsigned long long)(need >> 20));
	log_hint("free space in the pod (kubectl dotnetprof clean %s), use --type mini or triage, "
		 "or give the pod a larger emptyDir; --force tries anyway", s->pod->name);
	return -DPX_NOSPACE;
}

/* The debug container's image has no .NET runtime for Microsoft's tools. Returns -DPX_NODOTNET. */
static int no_runtime(const struct diag_target *t, const char *image, const char *why)
{
	log_error("%s needs a .NET runtime where it runs: %s, and the debug container's image %s "
		  "has none", t->tool ? t->tool : "the tool", why, image);
	log_hint("--debug-image with the .NET runtime (mcr.microsoft.com/dotnet/runtime:10.0, or "
		 "your mirror of it) makes a debug container the tool runs in; trace, dump and stack "
		 "need no runtime there: they use the plugin's agent by default");
	return -DPX_NODOTNET;
}

/*
 * Microsoft's tools in a debug container (diagdebug.h): only an image with a .NET host of its own
 * (the probe's `dotnet` command) can run them; busybox is known not to, so none is made for it.
 * The process chosen there. 0 or -DPX_*.
 */
static int tools_via_debug(struct kube *k, const struct diag_target *t, struct diag_session *s,
			   const char *why, const struct probe_proc *seen)
{
	const char *image = debugrun_image(t->debug_image);
	struct diag_problem pb;
	long idx;
	int again = 0, rc, round;

	if (strstr(image, "busybox"))
		return no_runtime(t, image, why);
	for (round = 0; round < 2; round++) {
		if ((rc = diag_debug_enter(k, t, s, why, seen)) < 0 ||
		    (rc = diag_probe_pod(k, s->pod, &s->probe, s->rid, sizeof(s->rid))) < 0)
			return rc;
		if (!(s->probe.cmds & PCMD_DOTNET))
			return no_runtime(t, image, why);
		if ((idx = diag_pick_process(&s->probe, t->pid, t->process_name, &pb)) < 0)
			return diag_fail(&pb);
		s->proc = &s->probe.procs[idx];
		if ((rc = diag_debug_check(t, s, &again)) < 0 || !again)
			return rc;
		seen = s->proc;
		why = "the app's user";
	}
	log_error("debug container \"%s\" still does not run as the app's user", s->dbg.name);
	return -DPX_ERROR;
}

/* The probe of the app's container, or of a debug container instead (diag.h). 0 or -DPX_*. */
static int open_probe(struct kube *k, const struct diag_target *t, struct diag_session *s)
{
	struct diag_problem pb;
	size_t ws[1];
	char why[400];
	long idx;
	int rc;

	s->pod->noshell_quiet = t->debug == DEBUGCTR_AUTO;
	snprintf(why, sizeof(why), "container \"%s\" of pod \"%s\" %s", s->pod->container,
		 s->pod->name, t->debug == DEBUGCTR_ALWAYS ? "(--debug-container)" : "has no shell");
	if (t->debug == DEBUGCTR_ALWAYS)
		return tools_via_debug(k, t, s, why, NULL);
	if ((rc = diag_probe_pod(k, s->pod, &s->probe, s->rid, sizeof(s->rid))) == -DPX_NOSHELL &&
	    t->debug == DEBUGCTR_AUTO)
		return tools_via_debug(k, t, s, why, NULL);
	if (rc < 0)
		return rc;
	idx = diag_pick_process(&s->probe, t->pid, t->process_name, &pb);
	if (idx < 0)
		return diag_fail(&pb);
	s->proc = &s->probe.procs[idx];
	if (t->debug != DEBUGCTR_AUTO || workspace_candidates(&s->probe, 1, ws, 1))
		return 0;
	snprintf(why, sizeof(why), "container \"%s\" of pod \"%s\": no directory in it is both "
		 "writable and allows exec", s->pod->container, s->pod->name);
	return tools_via_debug(k, t, s, why, s->proc);
}

/*
 * A process without a shared runtime, asked of Microsoft's tools (--engine tools) for a verb the
 * agent also runs (trace, dump, stack): the agent needs no runtime in the container; say so first.
 */
static struct diag_problem *agent_would_do(const struct diag_target *t,
					   const struct probe_proc *proc, struct diag_problem *pb)
{
	static const char *const agent_verbs[] = { "dotnet-trace", "dotnet-dump", "dotnet-stack" };
	char hint[sizeof(pb->hint)];
	size_t i;
	int n;

	if (pb->code != DPX_NODOTNET || !proc->accessible ||
	    (proc->runtime_version && *proc->runtime_version) || !t->tool)
		return pb;
	for (i = 0; i < sizeof(agent_verbs) / sizeof(agent_verbs[0]); i++)
		if (!strcmp(t->tool, agent_verbs[i]))
			break;
	if (i == sizeof(agent_verbs) / sizeof(agent_verbs[0]))
		return pb;
	n = snprintf(hint, sizeof(hint), "drop --engine tools: the agent (the default engine) needs "
		     "no .NET runtime in the container; or %s", pb->hint);
	if (n > 0 && (size_t)n < sizeof(hint)) /* else the hint as it was */
		strlcpy(pb->hint, hint, sizeof(pb->hint));
	return pb;
}

int diag_open(struct kube *k, const struct diag_target *t, struct diag_session *s)
{
	struct diag_problem pb;
	const char *hashcmd;
	char *slash, *check = NULL;
	int rc;

	memset(s, 0, sizeof(*s));
	probe_init(&s->probe);
	if ((rc = target_resolve_one(k, t->spec, t->container, &s->set, &s->pod)) < 0 ||
	    (rc = open_probe(k, t, s)) < 0)
		return rc;
	if (diag_preflight(&s->probe, s->proc, &pb) < 0)
		return diag_fail(agent_would_do(t, s->proc, &pb));
	if (!s->rid[0] || !rid_has_tool_download(s->rid)) {
		log_error("no diagnostics tools exist for this platform (%s, %s) of pod \"%s\"",
			  s->probe.arch[0] ? s->probe.arch : "unknown architecture",
			  libc_kind_name(s->probe.libc), s->pod->name);
		log_hint("Microsoft publishes the tools for linux-x64, linux-arm64, linux-arm and their "
			 "musl variants");
		return -DPX_NODOTNET;
	}
	s->dotnet_root = diag_dotnet_root(s->proc->runtime_dir);
	s->socket_dir = s->proc->socket ? strdup(s->proc->socket) : NULL;
	if (!s->dotnet_root || (s->proc->socket && !s->socket_dir)) {
		log_error("out of memory");
		return -DPX_ERROR;
	}
	slash = s->socket_dir ? strrchr(s->socket_dir, '/') : NULL;
	if (slash)
		slash == s->socket_dir ? (void)(slash[1] = '\0') : (void)(*slash = '\0');
	if (t->tool && !(check = strfmt("tools/%s", t->tool))) {
		log_error("out of memory");
		return -DPX_ERROR;
	}
	hashcmd = digest_command(probe_best_hash(s->probe.cmds));
	rc = workspace_open_check(k, s->pod, &s->probe, 1, check, hashcmd ? hashcmd : "-", &s->ws);
	free(check);
	if (rc < 0)
		return rc;
	s->ws_open = 1;
	log_verbose("target: pod %s/%s container %s, process %ld (%s, .NET %s), %s, workspace %s",
		    s->pod->namespace, s->pod->name, s->pod->container, (long)s->proc->pid,
		    s->proc->name ? s->proc->name : "?", s->proc->runtime_version, s->rid, s->ws.path);
	return check_space(t, s);
}

void diag_close(struct diag_session *s)
{
	if (s->ws_open)
		workspace_release(&s->ws);
	probe_release(&s->probe);
	debugrun_release(&s->dbg); /* before the set: its view borrows the app's pod */
	target_set_release(&s->set);
	free(s->dotnet_root);
	free(s->socket_dir);
	memset(s, 0, sizeof(*s));
}
