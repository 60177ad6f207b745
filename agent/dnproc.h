/*
 * dnproc.h - .NET processes and their diagnostics sockets, found through /proc.
 *
 * For a pid: its pid in its own namespace (NSpid), start-time key (/proc/PID/stat field 22), uid
 * and gid, TMPDIR (/proc/PID/environ, default /tmp), and the socket
 * TMPDIR/dotnet-diagnostic-NSPID-KEY-socket, reached as /proc/PID/root/TMPDIR/... and accepted only
 * when it is a socket owned by the process's effective uid. A long TMPDIR makes the runtime cut the
 * name so that the path fits sun_path's 108 bytes (TMPDIR/NAME is then 107 characters): that
 * prefix of the full name is matched too. Of several candidates (stale sockets of an earlier
 * process with the same pid), the first one that accepts a connection wins. When none has the key
 * (qemu-user fakes /proc/self/stat for the runtime, start time included), the one live socket
 * named with the process's pid and any key is taken.
 */
#ifndef DOTNETPROF_AGENT_DNPROC_H
#define DOTNETPROF_AGENT_DNPROC_H

#include <limits.h>
#include <sys/types.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* Why a process has no usable socket (DNPROC_OK: it has one). */
enum dnproc_status {
	DNPROC_OK = 0,
	DNPROC_GONE,          /* the pid does not exist (any more) */
	DNPROC_NO_SOCKET,     /* no socket where it should be */
	DNPROC_DISABLED,      /* no socket, and DOTNET_EnableDiagnostics=0 (or _IPC=0) */
	DNPROC_PERMISSION,    /* /proc/PID/root, its TMPDIR or the socket is closed to us */
	DNPROC_UID,           /* a socket of that name, but another uid owns it */
	DNPROC_REFUSED,       /* sockets of that name, none accepting connections */
};

struct dnproc {
	pid_t pid;                  /* as the agent sees it */
	long nspid;                 /* in the process's own PID namespace */
	unsigned long long key;     /* start time, clock ticks since boot */
	uid_t uid;                  /* effective */
	gid_t gid;
	char comm[32];
	char tmpdir[PATH_MAX];      /* the app's TMPDIR as it sees it, without a trailing '/' */
	size_t tmpdir_slashes;      /* how many trailing '/' TMPDIR had */
	int environ_read;           /* 1 when /proc/PID/environ could be read */
	int diag_disabled;          /* DOTNET_EnableDiagnostics=0 (or COMPlus_, or _IPC=0) */
	int dirfd;                  /* the socket's directory, open; -1 */
	char dir[PATH_MAX];         /* that directory as the agent reaches it */
	char root[32];              /* "/proc/PID/root" when dir is reached through it, else "" */
	char sockname[128];         /* the socket's file name in dir */
	int truncated;              /* 1: the runtime cut the name to fit sun_path */
	int other_key;              /* 1: the name's key is not the start time we read (qemu-user) */
	enum dnproc_status status;
	int err;                    /* errno behind DNPROC_PERMISSION / DNPROC_REFUSED */
};

/*
 * Read what /proc says of `pid` into t (dirfd -1, status DNPROC_NO_SOCKET). Returns 0, or -1 when
 * the process is gone or not readable at all (t->status DNPROC_GONE).
 */
int dnproc_load(pid_t pid, struct dnproc *t);

/*
 * Find and open t's socket directory and name; sets t->status (DNPROC_OK when found). When
 * `may_switch` is set, the agent runs as root and /proc/PID/root is closed to it, the agent takes
 * the process's uid/gid (for good: one target per run) and tries again. Returns 0 when found.
 */
int dnproc_find_socket(struct dnproc *t, int may_switch);

/* Does the process look like .NET although it has no socket? (libcoreclr mapped, or diag off.) */
int dnproc_looks_dotnet(const struct dnproc *t);

/* Close t's directory. */
void dnproc_release(struct dnproc *t);

/*
 * All processes that have a socket or look like .NET, sorted by pid, each loaded and its socket
 * looked for (without switching uid). *out is malloc'd (caller: dnproc_release each, then free).
 * Returns 0, or -1 with errno when /proc cannot be read.
 */
int dnproc_scan(struct dnproc **out, size_t *n);

/* A short reason for status, for messages ("no diagnostics socket", ...). */
const char *dnproc_status_text(enum dnproc_status s);

#endif
