/*
 * dnproc.c - find .NET processes and their diagnostics sockets through /proc (see dnproc.h).
 *
 * Everything goes through /proc/PID/root, the process's own view of the filesystem, so the agent
 * finds the socket whether it runs in the app's container or in a debug container that shares only
 * the PID namespace. The socket's name carries the pid as the runtime saw it, which is the last
 * NSpid of /proc/PID/status when the agent looks from an outer PID namespace.
 */
#include "dnproc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conn.h"
#include "util.h"

#define SOCK_PREFIX "dotnet-diagnostic-"
#define SUN_PATH_LEN 108 /* sizeof(((struct sockaddr_un *)0)->sun_path) on Linux */

/* Parse /proc/PID/stat: comm and the start time (field 22). */
static int load_stat(struct dnproc *t)
{
	char path[64], buf[1024], *open_paren, *close_paren, *p;
	int field;

	(void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)t->pid); /* always fits */
	if (util_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	/* comm may hold spaces and parentheses: it ends at the last ')' */
	if ((open_paren = strchr(buf, '(')) == NULL || (close_paren = strrchr(buf, ')')) == NULL ||
	    close_paren < open_paren) {
		errno = EBADMSG;
		return -1;
	}
	*close_paren = '\0';
	if (util_copy(t->comm, sizeof(t->comm), open_paren + 1) < 0)
		t->comm[sizeof(t->comm) - 1] = '\0'; /* comm is at most 15 bytes: cannot happen */
	/* fields from 3 on follow ") " */
	for (p = close_paren + 1, field = 2; *p != '\0' && field < 22; p++)
		if (*p == ' ')
			field++;
	if (field != 22 || util_parse_ull(p, &t->key, ' ') < 0) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

/* The value of the line "NAME:\t..." in a /proc status text, or NULL. */
static const char *status_field(const char *text, const char *name)
{
	size_t n = strlen(name);
	const char *p = text;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, n) == 0 && p[n] == ':')
			return p + n + 1;
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return NULL;
}

/* Parse /proc/PID/status: effective uid and gid, innermost NSpid. */
static int load_status(struct dnproc *t)
{
	char path[64], buf[4096];
	const char *v;
	unsigned long long r, e;

	(void)snprintf(path, sizeof(path), "/proc/%d/status", (int)t->pid); /* always fits */
	if (util_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	if ((v = status_field(buf, "Uid")) == NULL || sscanf(v, "%llu %llu", &r, &e) != 2)
		goto bad;
	t->uid = (uid_t)e;
	if ((v = status_field(buf, "Gid")) == NULL || sscanf(v, "%llu %llu", &r, &e) != 2)
		goto bad;
	t->gid = (gid_t)e;
	t->nspid = t->pid;
	/* "NSpid:\t4242\t1\n": the pid in each namespace, outermost first; the runtime sees the last */
	if ((v = status_field(buf, "NSpid")) != NULL) {
		const char *end = strchr(v, '\n'), *last = NULL, *q;
		unsigned long long nspid;

		for (q = v; end != NULL && q < end; q++)
			if (isdigit((unsigned char)*q) && !isdigit((unsigned char)q[-1]))
				last = q;
		if (last != NULL && util_parse_ull(last, &nspid, '\n') == 0 && nspid > 0 &&
		    nspid <= 0x7fffffff)
			t->nspid = (long)nspid;
	}
	return 0;
bad:
	errno = EBADMSG;
	return -1;
}

static int env_is_zero(const char *value)
{
	return strcmp(value, "0") == 0;
}

/* Parse /proc/PID/environ for TMPDIR and the switches that turn the diagnostics socket off. */
static void load_environ(struct dnproc *t)
{
	char path[64];
	char *buf, *p, *end;
	ssize_t n;

	if (util_copy(t->tmpdir, sizeof(t->tmpdir), "/tmp") < 0)
		return;
	(void)snprintf(path, sizeof(path), "/proc/%d/environ", (int)t->pid); /* always fits */
	if ((buf = malloc(UTIL_ENVIRON_MAX)) == NULL)
		return;
	if ((n = util_read_file(path, buf, UTIL_ENVIRON_MAX)) < 0) {
		free(buf);
		return;
	}
	t->environ_read = 1;
	for (p = buf, end = buf + n; p < end; p += strlen(p) + 1) {
		if (strncmp(p, "TMPDIR=", 7) == 0 && p[7] != '\0') {
			size_t len;

			if (util_copy(t->tmpdir, sizeof(t->tmpdir), p + 7) < 0)
				continue;
			/* the runtime joins TMPDIR and the name with one '/' */
			len = strlen(t->tmpdir);
			t->tmpdir_slashes = 0;
			while (len > 1 && t->tmpdir[len - 1] == '/') {
				t->tmpdir[--len] = '\0';
				t->tmpdir_slashes++;
			}
		} else if ((strncmp(p, "DOTNET_EnableDiagnostics=", 25) == 0 && env_is_zero(p + 25)) ||
			   (strncmp(p, "COMPlus_EnableDiagnostics=", 26) == 0 && env_is_zero(p + 26)) ||
			   (strncmp(p, "DOTNET_EnableDiagnostics_IPC=", 29) == 0 && env_is_zero(p + 29))) {
			t->diag_disabled = 1;
		}
	}
	free(buf);
}

int dnproc_load(pid_t pid, struct dnproc *t)
{
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->dirfd = -1;
	t->status = DNPROC_NO_SOCKET;
	if (load_stat(t) < 0 || load_status(t) < 0) {
		t->status = DNPROC_GONE;
		return -1;
	}
	load_environ(t);
	return 0;
}

/* A candidate socket found in the directory. */
struct cand {
	char name[128];
	int exact;
};

/* Sort: the exact name first, then longer (less cut) names. */
static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->exact != y->exact)
		return y->exact - x->exact;
	return (int)strlen(y->name) - (int)strlen(x->name);
}

/*
 * Could `len` be the length of a name the runtime cut? It formats TMPDIR, '/' and the name into
 * sun_path (108 bytes with the NUL), so a cut name fills the path to 107 characters exactly; with
 * or without the slashes we stripped from TMPDIR's end (its code may keep them).
 */
static int cut_length(const struct dnproc *t, size_t len)
{
	size_t dir = strlen(t->tmpdir);

	return dir + 1 + len == SUN_PATH_LEN - 1 ||
	       (t->tmpdir_slashes > 0 && dir + t->tmpdir_slashes + len == SUN_PATH_LEN - 1);
}

/* Is name "dotnet-diagnostic-" NSPID "-" DIGITS "-socket" (any start-time key)? */
static int any_key_name(const struct dnproc *t, const char *name)
{
	char prefix[64];
	const char *p;
	size_t n = (size_t)snprintf(prefix, sizeof(prefix), SOCK_PREFIX "%ld-", t->nspid);

	if (n >= sizeof(prefix) || strncmp(name, prefix, n) != 0)
		return 0;
	for (p = name + n; *p >= '0' && *p <= '9'; p++)
		;
	return p > name + n && strcmp(p, "-socket") == 0;
}

/*
 * Collect the entries of dirfd whose name is `want`, or the prefix of it the runtime would have
 * cut it to (or, with any_key, the process's name with any key), that are sockets owned by t->uid.
 * Sets *uid_seen when one of another owner was there. Returns the number found (at most max).
 */
static size_t collect(struct dnproc *t, const char *want, int any_key, struct cand *c, size_t max,
		      int *uid_seen)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
	size_t n = 0, wlen = strlen(want);
	int fd;

	if ((fd = openat(t->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 0;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return 0;
	}
	while ((de = readdir(d)) != NULL && n < max) {
		size_t len = strlen(de->d_name);

		if (any_key ? !any_key_name(t, de->d_name) :
			      len == 0 || len > wlen || strncmp(de->d_name, want, len) != 0 ||
				      (len < wlen && !cut_length(t, len)))
			continue;
		if (fstatat(t->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISSOCK(st.st_mode))
			continue;
		if (st.st_uid != t->uid) {
			*uid_seen = 1;
			continue;
		}
		if (util_copy(c[n].name, sizeof(c[n].name), de->d_name) < 0)
			continue;
		c[n].exact = len == wlen;
		n++;
	}
	closedir(d);
	qsort(c, n, sizeof(*c), cand_cmp);
	return n;
}

/*
 * Take the first of the n candidates that accepts a connection (a lone one untested unless
 * `test_all`); with `only_one`, none unless exactly one does. Returns its index, or -1.
 */
static int pick(struct dnproc *t, const struct cand *c, size_t n, int test_all, int only_one)
{
	size_t i;
	int found = -1;

	for (i = 0; i < n; i++) {
		if (n > 1 || test_all) {
			int fd = conn_open(t->dirfd, c[i].name);

			if (fd < 0) {
				t->status = DNPROC_REFUSED;
				t->err = errno;
				continue;
			}
			close(fd);
		}
		if (found >= 0)
			return -1; /* a second live one: which is ours? */
		found = (int)i;
		if (!only_one)
			break;
	}
	return found;
}

/* Take the target's uid and gid: a root agent without CAP_SYS_PTRACE then passes /proc checks. */
static int switch_to(const struct dnproc *t)
{
	gid_t g = t->gid;

	if (setgroups(1, &g) < 0 || setgid(t->gid) < 0 || setuid(t->uid) < 0)
		return -1;
	return 0;
}

/* Open t's socket directory (t->dir): through /proc/PID/root, else (closed to us) our own view. */
static int open_dir(struct dnproc *t, int may_switch)
{
	int n;

	n = snprintf(t->dir, sizeof(t->dir), "/proc/%d/%s%s", (int)t->pid,
		     t->tmpdir[0] == '/' ? "root" : "cwd/", t->tmpdir);
	if (n < 0 || (size_t)n >= sizeof(t->dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((t->dirfd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)snprintf(t->root, sizeof(t->root), "/proc/%d/root", (int)t->pid); /* fits */
		return 0;
	}
	if (errno != EACCES && errno != EPERM)
		return -1;
	if (may_switch && geteuid() == 0 && t->uid != 0 && switch_to(t) == 0) {
		/* now the environment may be readable too */
		struct dnproc again;

		if (dnproc_load(t->pid, &again) == 0 && again.uid == t->uid) {
			*t = again;
			return open_dir(t, 0);
		}
		errno = EACCES;
		return -1;
	}
	/* /proc/PID/root is closed to us: if we share the app's filesystem, its TMPDIR is ours */
	if (!t->environ_read) {
		const char *ours = getenv("TMPDIR");

		if (util_copy(t->tmpdir, sizeof(t->tmpdir), ours != NULL && *ours ? ours : "/tmp") < 0)
			return -1;
	}
	t->root[0] = '\0';
	if (util_copy(t->dir, sizeof(t->dir), t->tmpdir) < 0)
		return -1;
	if ((t->dirfd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
		return 0;
	errno = EACCES;
	return -1;
}

int dnproc_find_socket(struct dnproc *t, int may_switch)
{
	char want[128];
	struct cand c[8];
	size_t n;
	int uid_seen = 0, n2, i;

	dnproc_release(t);
	t->truncated = t->other_key = 0;
	n2 = snprintf(want, sizeof(want), SOCK_PREFIX "%ld-%llu-socket", t->nspid, t->key);
	if (n2 < 0 || (size_t)n2 >= sizeof(want))
		return -1;
	if (open_dir(t, may_switch) < 0) {
		t->err = errno;
		t->status = errno == EACCES || errno == EPERM ? DNPROC_PERMISSION :
			    t->diag_disabled ? DNPROC_DISABLED : DNPROC_NO_SOCKET;
		return -1;
	}
	n = collect(t, want, 0, c, sizeof(c) / sizeof(c[0]), &uid_seen);
	t->status = uid_seen ? DNPROC_UID : t->diag_disabled ? DNPROC_DISABLED : DNPROC_NO_SOCKET;
	if ((i = pick(t, c, n, 0, 0)) < 0 && n == 0) {
		/*
		 * No socket with the start time we read: under qemu-user the runtime reads a
		 * /proc/self/stat that qemu made up, with another start time. The process's own
		 * pid with any key will do, when exactly one such socket is alive.
		 */
		n = collect(t, want, 1, c, sizeof(c) / sizeof(c[0]), &uid_seen);
		i = pick(t, c, n, 1, 1);
		t->other_key = i >= 0;
	}
	if (i >= 0 && util_copy(t->sockname, sizeof(t->sockname), c[i].name) == 0) {
		t->truncated = !c[i].exact && !t->other_key;
		t->status = DNPROC_OK;
		return 0;
	}
	dnproc_release(t);
	return -1;
}

int dnproc_looks_dotnet(const struct dnproc *t)
{
	char path[64];
	FILE *f;
	char line[512];
	int found = 0;

	if (t->diag_disabled || strcmp(t->comm, "dotnet") == 0)
		return 1;
	(void)snprintf(path, sizeof(path), "/proc/%d/maps", (int)t->pid); /* always fits */
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, "/libcoreclr.so") != NULL;
	fclose(f);
	return found;
}

void dnproc_release(struct dnproc *t)
{
	if (t->dirfd >= 0)
		close(t->dirfd);
	t->dirfd = -1;
}

static int pid_cmp(const void *a, const void *b)
{
	const struct dnproc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

int dnproc_scan(struct dnproc **out, size_t *n)
{
	DIR *d;
	struct dirent *de;
	struct dnproc *list = NULL, t;
	size_t cap = 0, count = 0;
	pid_t self = getpid();

	*out = NULL;
	*n = 0;
	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		unsigned long long pid;

		if (util_parse_ull(de->d_name, &pid, '\0') < 0 || pid == 0 || pid > 0x7fffffff ||
		    (pid_t)pid == self)
			continue;
		if (dnproc_load((pid_t)pid, &t) < 0)
			continue;
		if (dnproc_find_socket(&t, 0) < 0 && t.status != DNPROC_UID &&
		    t.status != DNPROC_REFUSED && !dnproc_looks_dotnet(&t))
			continue;
		dnproc_release(&t); /* callers reopen what they use */
		if (count == cap) {
			struct dnproc *nl;

			cap = cap ? 2 * cap : 16;
			if ((nl = realloc(list, cap * sizeof(*list))) == NULL) {
				free(list);
				closedir(d);
				errno = ENOMEM;
				return -1;
			}
			list = nl;
		}
		list[count++] = t;
	}
	closedir(d);
	qsort(list, count, sizeof(*list), pid_cmp);
	*out = list;
	*n = count;
	return 0;
}

const char *dnproc_status_text(enum dnproc_status s)
{
	switch (s) {
	case DNPROC_OK:
		return "ok";
	case DNPROC_GONE:
		return "no such process";
	case DNPROC_NO_SOCKET:
		return "no diagnostics socket";
	case DNPROC_DISABLED:
		return "diagnostics are disabled (DOTNET_EnableDiagnostics=0)";
	case DNPROC_PERMISSION:
		return "permission denied";
	case DNPROC_UID:
		return "the diagnostics socket is not owned by the process's user";
	case DNPROC_REFUSED:
		return "the diagnostics socket refuses connections";
	}
	return "unknown";
}
