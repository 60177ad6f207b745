/*
 * main.c - dotnetprof-agent's command line (include/agentcli.h documents it): parse the options,
 * pick the target process, run the command, exit with its AGENT_EX_* status.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentcli.h"
#include "conn.h"
#include "digest.h"
#include "dump.h"
#include "list.h"
#include "providers.h"
#include "record.h"
#include "dnproc.h"
#include "trace.h"
#include "util.h"

#ifndef AGENT_VERSION
#define AGENT_VERSION "dev"
#endif

#if defined(__x86_64__)
#define AGENT_ARCH "x64"
#elif defined(__aarch64__)
#define AGENT_ARCH "arm64"
#elif defined(__arm__)
#define AGENT_ARCH "arm"
#else
#define AGENT_ARCH "unknown"
#endif

#ifdef __GLIBC__
#define AGENT_LIBC "glibc"
#else
#define AGENT_LIBC "musl"
#endif

static const char usage_text[] =
	"usage: " AGENT_PROG " list [--pid PID]\n"
	"       " AGENT_PROG " trace [--pid PID] [--duration D] [--providers SPEC] [--profile NAMES]\n"
	"                        [--clrevents KEYWORDS] [--clreventlevel LEVEL] [--buffersize MB]\n"
	"                        [--rundown true|false] [--stdin watch|ignore] [--drain-timeout D]\n"
	"                        [--spool PATH [--spool-max BYTES]]\n"
	"       " AGENT_PROG " stack [--pid PID] [--duration D] [--stdin watch|ignore]\n"
	"       " AGENT_PROG " dump [--pid PID] [--type full|heap|mini|triage] [--output PATH]\n"
	"                       [--timeout D]\n"
	"       " AGENT_PROG " version\n"
	"The in-pod agent of kubectl-dotnetprof: it speaks the .NET diagnostics IPC protocol.\n"
	"trace and stack stream a .nettrace to stdout; records (TAB-separated key=value lines) go\n"
	"to stderr for them, to stdout for list, dump and version.\n";

/* Every option any command takes; each command accepts a subset. */
struct opts {
	const char *pid, *duration, *providers, *profile, *clrevents, *clreventlevel;
	const char *buffersize, *rundown, *stdin_mode, *drain_timeout, *type, *output, *timeout;
	const char *spool, *spool_max;
};

struct optdef {
	const char *name;
	size_t off;
	const char *cmds; /* the commands that take it, space separated with spaces around */
};

#define O(f) offsetof(struct opts, f)
static const struct optdef optdefs[] = {
	{ "--pid", O(pid), " list trace stack dump " },
	{ "--duration", O(duration), " trace stack " },
	{ "--providers", O(providers), " trace " },
	{ "--profile", O(profile), " trace " },
	{ "--clrevents", O(clrevents), " trace " },
	{ "--clreventlevel", O(clreventlevel), " trace " },
	{ "--buffersize", O(buffersize), " trace " },
	{ "--rundown", O(rundown), " trace " },
	{ "--stdin", O(stdin_mode), " trace stack " },
	{ "--drain-timeout", O(drain_timeout), " trace stack " },
	{ "--type", O(type), " dump " },
	{ "--output", O(output), " dump " },
	{ "--timeout", O(timeout), " dump " },
	{ "--spool", O(spool), " trace " },
	{ "--spool-max", O(spool_max), " trace " },
};

static int usage_error(const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

static int usage_error(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap); /* a cut message still names the option */
	va_end(ap);
	return rec_error(AGENT_EX_USAGE, AGENT_ERR_USAGE, 0, 0, "run `" AGENT_PROG " help`", "%s", msg);
}

/* --name VALUE and --name=VALUE, for the options of `cmd`. Returns 0 or an exit status. */
static int parse_opts(const char *cmd, int argc, char **argv, struct opts *o)
{
	char want[32];
	int i;
	size_t k;

	(void)snprintf(want, sizeof(want), " %s ", cmd); /* cmd is one of the four: it fits */
	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '='), *val = NULL;
		size_t nlen = eq ? (size_t)(eq - a) : strlen(a);

		for (k = 0; k < sizeof(optdefs) / sizeof(optdefs[0]); k++)
			if (strlen(optdefs[k].name) == nlen && strncmp(a, optdefs[k].name, nlen) == 0)
				break;
		if (k == sizeof(optdefs) / sizeof(optdefs[0]) || strstr(optdefs[k].cmds, want) == NULL)
			return usage_error("unknown option \"%s\"", a);
		if (eq != NULL)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else
			return usage_error("option \"%s\" needs a value", a);
		*(const char **)(void *)((char *)o + optdefs[k].off) = val;
	}
	return 0;
}

static int parse_pid(const char *s, pid_t *pid)
{
	unsigned long long v;

	*pid = 0;
	if (s == NULL)
		return 0;
	if (util_parse_ull(s, &v, '\0') < 0 || v == 0 || v > 0x7fffffff)
		return usage_error("bad pid \"%s\"", s);
	*pid = (pid_t)v;
	return 0;
}

static int parse_ms(const char *s, int64_t *ms, int64_t dflt)
{
	*ms = dflt;
	if (s != NULL && util_parse_duration_ms(s, ms) < 0)
		return usage_error("bad duration \"%s\" (500ms, 5s, 2m, 1h30m or dd:hh:mm:ss)", s);
	return 0;
}

/* The exit status and record of a target without a usable socket. */
static int target_error(const struct dnproc *t)
{
	char hint[160];

	switch (t->status) {
	case DNPROC_OK:
		return AGENT_EX_OK;
	case DNPROC_GONE:
		return rec_error(AGENT_EX_NOTFOUND, AGENT_ERR_NO_PROCESS, t->pid, 0, NULL,
				 "no process %ld", (long)t->pid);
	case DNPROC_DISABLED:
		return rec_error(AGENT_EX_NOTFOUND, AGENT_ERR_DISABLED, t->pid, 0,
				 "remove DOTNET_EnableDiagnostics=0 from the app's environment and restart it",
				 "process %ld has its diagnostics disabled", (long)t->pid);
	case DNPROC_NO_SOCKET:
		/* sun_path holds 108 bytes: a TMPDIR near that leaves no room for the socket's name */
		if (strlen(t->tmpdir) > 90)
			(void)snprintf(hint, sizeof(hint), "the app's TMPDIR is %zu characters long: too long for "
				 "a socket path (108 bytes); give it a shorter one", strlen(t->tmpdir));
		else
			(void)snprintf(hint, sizeof(hint), "is it a .NET process? the runtime creates its socket "
				 "in its TMPDIR");
		return rec_error(AGENT_EX_NOTFOUND, AGENT_ERR_NO_SOCKET, t->pid, 0, hint,
				 "process %ld has no diagnostics socket in %s", (long)t->pid, t->tmpdir);
	case DNPROC_PERMISSION:
		(void)snprintf(hint, sizeof(hint), "run the agent as the app's user (uid %lu) or as root",
			 (unsigned long)t->uid);
		return rec_error(AGENT_EX_PERMISSION, AGENT_ERR_PERMISSION, t->pid, 0, hint,
				 "cannot reach the diagnostics socket of process %ld: %s", (long)t->pid,
				 strerror(t->err ? t->err : EACCES));
	case DNPROC_UID:
		return rec_error(AGENT_EX_PERMISSION, AGENT_ERR_UID, t->pid, 0, NULL,
				 "the diagnostics socket of process %ld is not owned by its user (uid %lu)",
				 (long)t->pid, (unsigned long)t->uid);
	case DNPROC_REFUSED:
		return rec_error(AGENT_EX_FAIL, AGENT_ERR_CONNECT, t->pid, 0, NULL,
				 "the diagnostics socket of process %ld refuses connections: %s",
				 (long)t->pid, strerror(t->err));
	}
	return AGENT_EX_FAIL;
}

/* Without --pid: the only .NET process with a reachable socket. */
static int pick_only(pid_t *pid)
{
	struct dnproc *list;
	size_t n, i, ok = 0, first_bad = (size_t)-1;
	char pids[256];
	size_t len = 0;
	int st = AGENT_EX_OK;

	if (dnproc_scan(&list, &n) < 0)
		return rec_error(AGENT_EX_FAIL, AGENT_ERR_IO, 0, 0, NULL, "cannot read /proc: %s",
				 strerror(errno));
	pids[0] = '\0';
	for (i = 0; i < n; i++) {
		if (list[i].status != DNPROC_OK) {
			if (first_bad == (size_t)-1)
				first_bad = i;
			continue;
		}
		*pid = list[i].pid;
		ok++;
		/* the list of pids is for a person: past its room, "..." says there are more */
		if (len + 5 < sizeof(pids)) {
			int w = snprintf(pids + len, sizeof(pids) - len, "%s%ld", len ? " " : "",
					 (long)list[i].pid);

			if (w < 0 || (size_t)w >= sizeof(pids) - len - 4) {
				(void)snprintf(pids + len, sizeof(pids) - len, " ...");
				len = sizeof(pids); /* full */
			} else {
				len += (size_t)w;
			}
		}
	}
	if (ok > 1)
		st = rec_error(AGENT_EX_NOTFOUND, AGENT_ERR_AMBIGUOUS, 0, 0, "choose one with --pid",
			       "several .NET processes: %s", pids);
	else if (ok == 0 && first_bad != (size_t)-1)
		st = target_error(&list[first_bad]);
	else if (ok == 0)
		st = rec_error(AGENT_EX_NOTFOUND, AGENT_ERR_NO_PROCESS, 0, 0, NULL,
			       "no .NET process found");
	free(list);
	return st;
}

/* The target of trace, stack and dump, its socket open. */
static int resolve(const char *pid_arg, struct dnproc *t)
{
	pid_t pid;
	int st;

	if ((st = parse_pid(pid_arg, &pid)) != 0)
		return st;
	if (pid == 0 && (st = pick_only(&pid)) != 0)
		return st;
	if (dnproc_load(pid, t) < 0)
		return target_error(t);
	if (dnproc_find_socket(t, 1) < 0)
		return target_error(t);
	return AGENT_EX_OK;
}

/* The agent record; its own SHA-256 lets the plugin check a copy in a pod that has no sha256sum. */
static int cmd_version(void)
{
	char sha[DIGEST_HEX_MAX];

	rec_begin(stdout, AGENT_REC_AGENT);
	rec_str(stdout, "version", AGENT_VERSION);
	rec_str(stdout, "arch", AGENT_ARCH);
	rec_str(stdout, "libc", AGENT_LIBC);
	if (digest_file(DIGEST_SHA256, "/proc/self/exe", sha, sizeof(sha)) == 0)
		rec_str(stdout, "sha256", sha);
	return rec_end(stdout) == 0 ? AGENT_EX_OK : AGENT_EX_FAIL;
}

/* trace and stack: the providers, the options, then the streamed session. */
static int cmd_trace(const struct opts *o, int stack, int64_t start_ms)
{
	struct provider_opts po = { o->providers, o->profile, o->clrevents, o->clreventlevel, -1 };
	struct provider_set ps;
	struct trace_opts to;
	struct dnproc t;
	unsigned long long mb = 256;
	char err[256];
	int st;

	memset(&to, 0, sizeof(to));
	if ((st = parse_ms(o->duration, &to.duration_ms, stack ? 10 : 0)) != 0 ||
	    (st = parse_ms(o->drain_timeout, &to.drain_timeout_ms, 120000)) != 0)
		return st;
	if (o->buffersize != NULL && (util_parse_ull(o->buffersize, &mb, '\0') < 0 || mb == 0 ||
				      mb > 0xffffffffull))
		return usage_error("bad --buffersize \"%s\" (megabytes)", o->buffersize);
	if (o->rundown != NULL) {
		if (strcmp(o->rundown, "true") != 0 && strcmp(o->rundown, "false") != 0)
			return usage_error("bad --rundown \"%s\" (true or false)", o->rundown);
		po.rundown = strcmp(o->rundown, "true") == 0;
	}
	if (o->spool_max != NULL && util_parse_ull(o->spool_max, &to.spool_max, '\0') < 0)
		return usage_error("bad --spool-max \"%s\" (bytes)", o->spool_max);
	if (o->spool != NULL && o->spool[0] != '/')
		return usage_error("--spool \"%s\" must be an absolute path", o->spool);
	to.spool_path = o->spool;
	to.ack_timeout_ms = 30000;
	if (o->stdin_mode != NULL && strcmp(o->stdin_mode, "watch") != 0 &&
	    strcmp(o->stdin_mode, "ignore") != 0)
		return usage_error("bad --stdin \"%s\" (watch or ignore)", o->stdin_mode);
	if ((stack ? providers_stack(&ps) : providers_build(&ps, &po, err, sizeof(err))) < 0)
		return stack ? rec_error(AGENT_EX_FAIL, AGENT_ERR_IO, 0, 0, NULL, "out of memory") :
			       usage_error("%s", err);
	if (trace_signals_init() < 0) {
		providers_release(&ps);
		return rec_error(AGENT_EX_FAIL, AGENT_ERR_IO, 0, 0, NULL, "cannot set up signals: %s",
				 strerror(errno));
	}
	if ((st = resolve(o->pid, &t)) == AGENT_EX_OK) {
		to.ps = &ps;
		to.buffer_mb = (uint32_t)mb;
		to.watch_stdin = (o->stdin_mode == NULL || strcmp(o->stdin_mode, "watch") == 0) &&
				 trace_stdin_watchable();
		to.start_ms = start_ms;
		st = trace_run(&t, &to);
		dnproc_release(&t);
	}
	providers_release(&ps);
	return st;
}

static int cmd_dump(const struct opts *o)
{
	struct dump_opts d = { o->type != NULL ? o->type : "full", o->output, 0 };
	struct dnproc t;
	int st;

	if (dump_type_of(d.type) == 0)
		return usage_error("bad --type \"%s\" (full, heap, mini or triage)", d.type);
	if (d.output != NULL && d.output[0] != '/')
		return usage_error("--output \"%s\" must be an absolute path (as the app sees it)",
				   d.output);
	if ((st = parse_ms(o->timeout, &d.timeout_ms, 600000)) != 0)
		return st;
	if ((st = resolve(o->pid, &t)) != AGENT_EX_OK)
		return st;
	st = dump_run(&t, &d);
	dnproc_release(&t);
	return st;
}

int main(int argc, char **argv)
{
	int64_t start_ms = conn_now_ms();
	struct opts o;
	const char *cmd = argc > 1 ? argv[1] : "";
	pid_t pid;
	int st;

	memset(&o, 0, sizeof(o));
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
		fputs(usage_text, stdout);
		return fflush(stdout) == 0 ? AGENT_EX_OK : AGENT_EX_FAIL;
	}
	if (strcmp(cmd, "version") == 0 && argc == 2)
		return cmd_version();
	if (strcmp(cmd, "list") != 0 && strcmp(cmd, "trace") != 0 && strcmp(cmd, "stack") != 0 &&
	    strcmp(cmd, "dump") != 0) {
		fputs(usage_text, stderr);
		return usage_error("unknown command \"%s\"", cmd);
	}
	if ((st = parse_opts(cmd, argc - 2, argv + 2, &o)) != 0)
		return st;
	if (strcmp(cmd, "list") == 0)
		return (st = parse_pid(o.pid, &pid)) != 0 ? st : list_run(pid);
	if (strcmp(cmd, "dump") == 0)
		return cmd_dump(&o);
	return cmd_trace(&o, strcmp(cmd, "stack") == 0, start_ms);
}
