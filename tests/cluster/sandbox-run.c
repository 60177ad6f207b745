/*
 * sandbox-run: start one container of the stand-in cluster (test infrastructure, not product code).
 *
 * Built by tests/cluster/sandbox.py at `standin.py up` time; sandbox.py is its only caller.
 * The process you start ("keeper") unshares mount, pid, uts and ipc namespaces and forks the
 * container init (pid 1 in the new pid namespace). The init mounts the root filesystem (overlayfs),
 * /proc, /sys, a small /dev, tmpfs volumes and read-only binds, pivots into the root, drops to the
 * container user and either execs the command (pid 1) or, with --init, forks it and reaps children.
 * The keeper writes "pid N" (host pid of the init) or "error MESSAGE" to --pid-fd once the command
 * has been exec'ed, then waits for the init and exits with its status. Both die with their parent.
 *
 * usage: sandbox-run --merged DIR --lower DIR[:DIR...] --upper DIR --work DIR [--readonly]
 *                    [--hostname NAME] [--tmpfs PATH:SIZE_MB:exec|noexec]... [--bind SRC:DST]...
 *                    [--user UID:GID] [--caps all|N,N,...] [--nnp] [--cwd DIR] [--init] [--pid-fd N]
 *                    [--rootless] [--netns] [--join PID:NS[,NS...]] -- COMMAND [ARG]...
 *
 * --netns: also a network namespace of its own with only the loopback interface, brought up
 * (pod spec "network": "none"); otherwise the host's (or the daemon's) network namespace is shared.
 *
 * --caps, --nnp: the capability set (numbers; "all" keeps every one, the default) and no_new_privs
 * of the command, applied with the user by sandbox-creds.c.
 *
 * --join PID:NS,...: join those namespaces of host process PID (pid, uts, ipc, net) instead of
 * making new ones: an ephemeral container shares the pod's uts/ipc/net and, with a target container,
 * that container's pid namespace (its command is then not pid 1 and --init is refused).
 *
 * --rootless: the caller is root in a user namespace of an unprivileged user (standin.py's rootless
 * mode), where mknod, sysfs (the network namespace is the host's) and setgroups (when denied) are not
 * allowed: /dev gets bind mounts of the host's device nodes, /sys is a read-only recursive bind of the
 * host's, and read-only remounts keep the flags the kernel locked on the source mount.
 */
#define _GNU_SOURCE
#include "sandbox-creds.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ITEMS 32

struct opts {
	const char *merged, *lower, *upper, *work, *hostname, *cwd, *join;
	const char *tmpfs[MAX_ITEMS];
	const char *bind[MAX_ITEMS];
	int ntmpfs, nbind;
	int readonly, init, pid_fd, rootless, netns;
	int joined_pid, joined_uts; /* namespaces taken from --join instead of new ones */
	struct creds creds;
	char **argv;
};

static int sync_fd = -1; /* init -> keeper error channel, O_CLOEXEC: EOF means exec succeeded */
static pid_t child_pid;  /* keeper: the init; init: the command */

/* Report a setup failure to the keeper (or stderr) and exit. */
__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (sync_fd >= 0 && write(sync_fd, msg, strlen(msg)) < 0)
		perror("write");
	fprintf(stderr, "sandbox-run: %s\n", msg);
	_exit(127);
}

static void usage(void)
{
	fprintf(stderr, "usage: sandbox-run --merged DIR --lower DIRS --upper DIR --work DIR [options] -- CMD...\n");
	exit(2);
}

static void parse(struct opts *o, int argc, char **argv)
{
	int i;

	memset(o, 0, sizeof *o);
	o->pid_fd = -1;
	o->cwd = "/";
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--")) {
			o->argv = argv + i + 1;
			break;
		} else if (!strcmp(a, "--readonly")) {
			o->readonly = 1;
			continue;
		} else if (!strcmp(a, "--init")) {
			o->init = 1;
			continue;
		} else if (!strcmp(a, "--rootless")) {
			o->rootless = 1;
			continue;
		} else if (!strcmp(a, "--netns")) {
			o->netns = 1;
			continue;
		} else if (!strcmp(a, "--nnp")) {
			o->creds.nnp = 1;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--merged")) o->merged = v;
		else if (!strcmp(a, "--lower")) o->lower = v;
		else if (!strcmp(a, "--upper")) o->upper = v;
		else if (!strcmp(a, "--work")) o->work = v;
		else if (!strcmp(a, "--hostname")) o->hostname = v;
		else if (!strcmp(a, "--cwd")) o->cwd = v;
		else if (!strcmp(a, "--user")) { if (creds_parse_user(&o->creds, v) < 0) usage(); }
		else if (!strcmp(a, "--caps")) o->creds.caps = v;
		else if (!strcmp(a, "--join")) o->join = v;
		else if (!strcmp(a, "--pid-fd")) o->pid_fd = (int)strtol(v, NULL, 10);
		else if (!strcmp(a, "--tmpfs") && o->ntmpfs < MAX_ITEMS) o->tmpfs[o->ntmpfs++] = v;
		else if (!strcmp(a, "--bind") && o->nbind < MAX_ITEMS) o->bind[o->nbind++] = v;
		else usage();
	}
	if (!o->merged || !o->lower || !o->upper || !o->work || !o->argv || !o->argv[0])
		usage();
	o->creds.rootless = o->rootless;
}

/* mkdir -p PATH (absolute host path) with mode 0755; existing directories are fine. */
static void mkdirs(const char *path)
{
	char buf[PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
		die("path too long: %s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			die("mkdir %s: %s", buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		die("mkdir %s: %s", buf, strerror(errno));
}

/* Host path of container path P under the new root. */
static const char *in_root(const struct opts *o, const char *p, char *buf, size_t len)
{
	if (snprintf(buf, len, "%s%s", o->merged, p) >= (int)len)
		die("path too long: %s%s", o->merged, p);
	return buf;
}

static void do_mount(const char *src, const char *dst, const char *type, unsigned long flags, const char *data)
{
	if (mount(src, dst, type, flags, data) < 0)
		die("mount %s on %s (%s): %s", src ? src : "-", dst, type ? type : "bind", strerror(errno));
}

static void mount_root(const struct opts *o)
{
	char data[PATH_MAX * 4];

	do_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	if (snprintf(data, sizeof data, "lowerdir=%s,upperdir=%s,workdir=%s", o->lower, o->upper, o->work) >=
	    (int)sizeof data)
		die("overlay options too long");
	do_mount("overlay", o->merged, "overlay", 0, data);
}

static void make_node(const char *dev, const char *name, unsigned maj, unsigned min)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/%s", dev, name);
	if (mknod(path, S_IFCHR | 0666, makedev(maj, min)) < 0)
		die("mknod %s: %s", path, strerror(errno));
}

/* Rootless: mknod is not allowed in a user namespace, so bind the host's node over an empty file. */
static void bind_node(const char *dev, const char *name)
{
	char path[PATH_MAX], host[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof path, "%s/%s", dev, name) >= (int)sizeof path)
		die("path too long: %s/%s", dev, name);
	snprintf(host, sizeof host, "/dev/%s", name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0)
		die("create %s: %s", path, strerror(errno));
	close(fd);
	do_mount(host, path, NULL, MS_BIND, NULL);
}

static void make_link(const char *dev, const char *name, const char *target)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/%s", dev, name);
	if (symlink(target, path) < 0)
		die("symlink %s: %s", path, strerror(errno));
}

/* A small /dev like a container runtime's: a few nodes, pts, shm and the fd links. */
static void mount_dev(const struct opts *o)
{
	char dev[PATH_MAX], sub[PATH_MAX];

	in_root(o, "/dev", dev, sizeof dev);
	mkdirs(dev);
	do_mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
	if (o->rootless) {
		const char *nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};

		for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++)
			bind_node(dev, nodes[i]);
	} else {
		make_node(dev, "null", 1, 3);
		make_node(dev, "zero", 1, 5);
		make_node(dev, "full", 1, 7);
		make_node(dev, "random", 1, 8);
		make_node(dev, "urandom", 1, 9);
		make_node(dev, "tty", 5, 0);
	}
	make_link(dev, "fd", "/proc/self/fd");
	make_link(dev, "stdin", "/proc/self/fd/0");
	make_link(dev, "stdout", "/proc/self/fd/1");
	make_link(dev, "stderr", "/proc/self/fd/2");
	make_link(dev, "ptmx", "pts/ptmx");
	in_root(o, "/dev/pts", sub, sizeof sub);
	mkdirs(sub);
	do_mount("devpts", sub, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
	in_root(o, "/dev/shm", sub, sizeof sub);
	mkdirs(sub);
	do_mount("shm", sub, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k");
}

/* Rootless: mount flags of PATH that a bind remount must keep (the kernel locks them on mounts
 * that came from a more privileged mount namespace: clearing one fails with EPERM). */
static unsigned long locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long flags = 0;

	if (statvfs(path, &sv) < 0)
		die("statvfs %s: %s", path, strerror(errno));
	if (sv.f_flag & ST_NOSUID) flags |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV) flags |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME) flags |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME) flags |= MS_RELATIME;
	return flags;
}

static void mount_proc_sys(const struct opts *o)
{
	char path[PATH_MAX];

	mkdirs(in_root(o, "/proc", path, sizeof path));
	do_mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mkdirs(in_root(o, "/sys", path, sizeof path));
	if (o->rootless) { /* sysfs needs a network namespace of our own: bind the host's, read-only */
		do_mount("/sys", path, NULL, MS_BIND | MS_REC, NULL);
		do_mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC |
			 locked_flags(path), NULL);
		return;
	}
	do_mount("sysfs", path, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

/* SPEC is PATH:SIZE_MB:exec|noexec */
static void mount_tmpfs(const struct opts *o, const char *spec)
{
	char buf[PATH_MAX], path[PATH_MAX], data[64];
	char *size, *mode;
	unsigned long flags = MS_NOSUID | MS_NODEV;

	snprintf(buf, sizeof buf, "%s", spec);
	size = strchr(buf, ':');
	mode = size ? strchr(size + 1, ':') : NULL;
	if (!size || !mode)
		die("bad --tmpfs %s", spec);
	*size++ = '\0';
	*mode++ = '\0';
	if (!strcmp(mode, "noexec"))
		flags |= MS_NOEXEC;
	snprintf(data, sizeof data, "mode=1777,size=%sm", size);
	mkdirs(in_root(o, buf, path, sizeof path));
	do_mount("tmpfs", path, "tmpfs", flags, data);
}

/* SPEC is SRC:DST, mounted read-only. */
static void mount_bind(const struct opts *o, const char *spec)
{
	char buf[PATH_MAX], path[PATH_MAX];
	char *dst;

	snprintf(buf, sizeof buf, "%s", spec);
	dst = strchr(buf, ':');
	if (!dst)
		die("bad --bind %s", spec);
	*dst++ = '\0';
	mkdirs(in_root(o, dst, path, sizeof path));
	do_mount(buf, path, NULL, MS_BIND | MS_REC, NULL);
	do_mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV |
		 (o->rootless ? locked_flags(path) : 0), NULL);
}

static void enter_root(const struct opts *o)
{
	if (o->readonly)
		do_mount(NULL, o->merged, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
	if (chdir(o->merged) < 0)
		die("chdir %s: %s", o->merged, strerror(errno));
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die("pivot_root: %s", strerror(errno));
	if (umount2(".", MNT_DETACH) < 0)
		die("umount old root: %s", strerror(errno));
	if (chdir("/") < 0)
		die("chdir /: %s", strerror(errno));
}

static void drop_user(const struct opts *o)
{
	char err[512];

	if (creds_apply(&o->creds, err, sizeof err) < 0)
		die("%s", err);
	prctl(PR_SET_PDEATHSIG, SIGKILL); /* cleared by the credential change */
	if (chdir(o->cwd) < 0)
		die("chdir to cwd (\"%s\") set in config.json failed: %s", o->cwd, strerror(errno));
}

/* exec the command; on failure report it in containerd's words. */
static void exec_command(char **argv)
{
	umask(022);
	execvp(argv[0], argv);
	if (errno == ENOENT && !strchr(argv[0], '/'))
		die("exec: \"%s\": executable file not found in $PATH", argv[0]);
	die("exec: \"%s\": %s", argv[0], strerror(errno));
}

static void forward(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

/* Overwrite our command line so `ps` in the container shows a short init name. */
static void set_title(int argc, char **argv, const char *title)
{
	char *end = argv[argc - 1] + strlen(argv[argc - 1]);

	size_t len = (size_t)(end - argv[0]) + 1;

	memset(argv[0], 0, len);
	snprintf(argv[0], len - 1, "%s", title);
	/* A non-NUL last byte makes the kernel end /proc/PID/cmdline at the title's NUL (setproctitle). */
	if (len > strlen(title) + 2)
		*end = ' ';
	prctl(PR_SET_NAME, title);
}

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* pid 1 that is not the app: run the command as a child, forward signals, reap everything. */
static void run_init(char **cmd)
{
	int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
	int status, main_status = 0;
	pid_t pid;
	size_t i;

	child_pid = fork();
	if (child_pid < 0)
		die("fork: %s", strerror(errno));
	if (child_pid == 0)
		exec_command(cmd);
	close(sync_fd);
	sync_fd = -1;
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		signal(sigs[i], forward);
	for (;;) {
		pid = wait(&status);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			break;
		if (pid == child_pid) {
			main_status = status;
			child_pid = 0;
			kill(-1, SIGKILL);
		}
	}
	_exit(exit_code(main_status));
}

/* Heap copy of a NULL-terminated argv. */
static char **dup_argv(char **argv)
{
	size_t n = 0;
	char **copy;

	while (argv[n])
		n++;
	copy = calloc(n + 1, sizeof *copy);
	if (!copy)
		die("out of memory");
	for (size_t i = 0; i < n; i++)
		if (!(copy[i] = strdup(argv[i])))
			die("out of memory");
	return copy;
}

/* A fresh network namespace has only lo, and it is down: bring it up (127.0.0.1 and ::1 work). */
static void loopback_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket: %s", strerror(errno));
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		die("SIOCGIFFLAGS lo: %s", strerror(errno));
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		die("SIOCSIFFLAGS lo: %s", strerror(errno));
	close(fd);
}

static void container_init(const struct opts *o, int argc, char **argv)
{

	umask(0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (o->netns)
		loopback_up();
	mount_root(o);
	mount_proc_sys(o);
	mount_dev(o);
	for (int i = 0; i < o->ntmpfs; i++)
		mount_tmpfs(o, o->tmpfs[i]);
	for (int i = 0; i < o->nbind; i++)
		mount_bind(o, o->bind[i]);
	if (o->hostname && !o->joined_uts && sethostname(o->hostname, strlen(o->hostname)) < 0)
		die("sethostname: %s", strerror(errno));
	enter_root(o);
	if (o->init)
		set_title(argc, argv, "standin-init");
	drop_user(o);
	if (o->init)
		run_init(o->argv);
	exec_command(o->argv);
}

__attribute__((format(printf, 2, 3))) static void report(int fd, const char *fmt, ...)
{
	char buf[1100];
	va_list ap;

	if (fd < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (write(fd, buf, strlen(buf)) < 0)
		perror("sandbox-run: report");
	close(fd);
}

/* Keeper: wait for exec (EOF on the sync pipe) or an error, report, then wait for the init. */
static int keep(const struct opts *o, int rd)
{
	char msg[1024];
	ssize_t n, len = 0;
	int status;

	signal(SIGTERM, forward);
	signal(SIGINT, forward);
	while ((n = read(rd, msg + len, sizeof msg - 1 - (size_t)len)) > 0 || (n < 0 && errno == EINTR))
		len += n > 0 ? n : 0;
	msg[len] = '\0';
	if (len)
		report(o->pid_fd, "error %s\n", msg);
	else
		report(o->pid_fd, "pid %d\n", (int)child_pid);
	while (waitpid(child_pid, &status, 0) < 0)
		if (errno != EINTR)
			return 127;
	return exit_code(status);
}

/* --join PID:NS,...: setns into those namespaces of PID; returns the CLONE_NEW* flags still to
 * unshare, or -1 with errno set (the message in ERR). */
static int join_namespaces(struct opts *o, char *err, size_t len)
{
	static const struct { const char *name; int flag; } kinds[] = {
		{"pid", CLONE_NEWPID}, {"uts", CLONE_NEWUTS}, {"ipc", CLONE_NEWIPC}, {"net", CLONE_NEWNET}};
	int todo = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | (o->netns ? CLONE_NEWNET : 0);
	char buf[256], path[320];
	char *pid, *list, *ns, *next;

	if (!o->join)
		return todo;
	snprintf(buf, sizeof buf, "%s", o->join);
	pid = buf;
	list = strchr(buf, ':');
	if (!list) {
		snprintf(err, len, "bad --join %s", o->join);
		return -1;
	}
	*list++ = '\0';
	for (ns = list; ns; ns = next) {
		size_t k;
		int fd;

		next = strchr(ns, ',');
		if (next)
			*next++ = '\0';

		for (k = 0; k < sizeof kinds / sizeof kinds[0] && strcmp(kinds[k].name, ns); k++)
			;
		if (k == sizeof kinds / sizeof kinds[0]) {
			snprintf(err, len, "bad namespace %s in --join", ns);
			return -1;
		}
		snprintf(path, sizeof path, "/proc/%s/ns/%s", pid, ns);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, kinds[k].flag) < 0) {
			snprintf(err, len, "join %s: %s", path, strerror(errno));
			return -1;
		}
		close(fd);
		todo &= ~kinds[k].flag;
		o->joined_pid |= kinds[k].flag == CLONE_NEWPID;
		o->joined_uts |= kinds[k].flag == CLONE_NEWUTS;
	}
	return todo;
}

int main(int argc, char **argv)
{
	struct opts o;
	int pipefd[2], todo;
	pid_t parent = getppid();
	char err[512];

	parse(&o, argc, dup_argv(argv)); /* copies: set_title() overwrites argv's strings */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		return 1;
	todo = join_namespaces(&o, err, sizeof err);
	if (todo < 0 || (o.init && o.joined_pid)) {
		report(o.pid_fd, "error %s\n", todo < 0 ? err : "--init with a joined pid namespace");
		return 127;
	}
	if (unshare(todo) < 0) {
		report(o.pid_fd, "error unshare: %s\n", strerror(errno));
		return 127;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return 127;
	child_pid = fork();
	if (child_pid < 0) {
		report(o.pid_fd, "error fork: %s\n", strerror(errno));
		return 127;
	}
	if (child_pid == 0) {
		close(pipefd[0]);
		if (o.pid_fd >= 0)
			close(o.pid_fd);
		sync_fd = pipefd[1];
		container_init(&o, argc, argv);
	}
	close(pipefd[1]);
	return keep(&o, pipefd[0]);
}
