/*
 * sandbox-exec: run a command inside a running stand-in container, as `runc exec` does for a
 * kubelet exec (test infrastructure, not product code; spawned by apiserver.py through
 * sandbox.Cluster.exec_prepare).
 *
 * usage: sandbox-exec --pid PID --ns NS[,NS...] [--user UID:GID] [--caps all|N,N,...] [--nnp]
 *                     [--cwd DIR] [--rootless] -- COMMAND [ARG]...
 *
 * It joins the namespaces NS (mnt, uts, ipc, net, pid) of host process PID (the container's main
 * process), takes that process's root directory as its root, then forks: the child (in the
 * container's pid namespace) clears its supplementary groups, takes the container's user,
 * capability set and no_new_privs (sandbox-creds.c), changes to DIR and execs COMMAND (looked up in
 * the container's PATH, from the environment it was given). The parent waits and ends as the child
 * did: the same exit code, or killed by the same signal (as nsenter does). Errors before the exec
 * go to stderr with exit code 126 (127: command not found).
 */
#define _GNU_SOURCE
#include "sandbox-creds.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct {
	const char *name;
	int flag;
} KINDS[] = {{"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS}, {"net", CLONE_NEWNET},
	     {"pid", CLONE_NEWPID}, {"mnt", CLONE_NEWNS}}; /* mnt last: it changes what /proc is */
#define NKINDS (sizeof KINDS / sizeof KINDS[0])

struct opts {
	const char *pid, *ns, *cwd;
	struct creds creds;
	char **argv;
};

/* "sandbox-exec: WHAT [ARG]: strerror(errno)" on stderr, then exit CODE. */
static void die(int code, const char *what, const char *arg)
{
	fprintf(stderr, "sandbox-exec: %s%s%s: %s\n", what, arg ? " " : "", arg ? arg : "", strerror(errno));
	exit(code);
}

static void usage(void)
{
	fprintf(stderr, "usage: sandbox-exec --pid PID --ns NS[,NS...] [--user UID:GID] [--caps LIST] [--nnp] "
			"[--cwd DIR] [--rootless] -- CMD...\n");
	exit(126);
}

static void parse(struct opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof *o);
	o->cwd = "/";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			o->argv = argv + i + 1;
			break;
		} else if (!strcmp(a, "--nnp")) {
			o->creds.nnp = 1;
		} else if (!strcmp(a, "--rootless")) {
			o->creds.rootless = 1;
		} else if (i + 1 >= argc) {
			usage();
		} else if (!strcmp(a, "--pid")) {
			o->pid = argv[++i];
		} else if (!strcmp(a, "--ns")) {
			o->ns = argv[++i];
		} else if (!strcmp(a, "--cwd")) {
			o->cwd = argv[++i];
		} else if (!strcmp(a, "--caps")) {
			o->creds.caps = argv[++i];
		} else if (!strcmp(a, "--user")) {
			if (creds_parse_user(&o->creds, argv[++i]) < 0)
				usage();
		} else {
			usage();
		}
	}
	if (!o->pid || !o->ns || !o->argv || !o->argv[0])
		usage();
}

/* True when the comma-separated LIST names NAME. */
static int listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

/* Open every namespace first (the paths are the host's /proc), then join them, then the root. */
static void enter(const struct opts *o)
{
	int fds[NKINDS], root;
	char path[128];

	for (size_t k = 0; k < NKINDS; k++) {
		fds[k] = -1;
		if (!listed(o->ns, KINDS[k].name))
			continue;
		snprintf(path, sizeof path, "/proc/%s/ns/%s", o->pid, KINDS[k].name);
		fds[k] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[k] < 0)
			die(126, "open", path);
	}
	snprintf(path, sizeof path, "/proc/%s/root", o->pid);
	root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		die(126, "open", path);
	for (size_t k = 0; k < NKINDS; k++)
		if (fds[k] >= 0 && setns(fds[k], KINDS[k].flag) < 0)
			die(126, "join the namespace", KINDS[k].name);
	if (fchdir(root) < 0 || chroot(".") < 0)
		die(126, "enter the root of process", o->pid);
	close(root);
}

/* Parent: wait for the child and end the same way (nsenter's continue_as_child). */
static void wait_child(pid_t child)
{
	int status;

	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			die(126, "waitpid", NULL);
	if (WIFEXITED(status))
		exit(WEXITSTATUS(status));
	signal(WTERMSIG(status), SIG_DFL);
	kill(getpid(), WTERMSIG(status));
	exit(128 + WTERMSIG(status));
}

int main(int argc, char **argv)
{
	struct opts o;
	char err[512];
	pid_t child;

	parse(&o, argc, argv);
	enter(&o);
	child = fork(); /* only children enter a joined pid namespace */
	if (child < 0)
		die(126, "fork", NULL);
	if (child > 0)
		wait_child(child);
	if (creds_apply(&o.creds, err, sizeof err) < 0) {
		fprintf(stderr, "sandbox-exec: %s\n", err);
		return 126;
	}
	if (chdir(o.cwd) < 0)
		die(126, "chdir", o.cwd);
	execvp(o.argv[0], o.argv);
	die(errno == ENOENT ? 127 : 126, "exec", o.argv[0]);
	return 126;
}
