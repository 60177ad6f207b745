/*
 * probe.h - what one exec into a container tells us, and the parser for it.
 *
 * The probe is a POSIX sh script (src/pod/probe.sh, embedded at build time as `probe_sh`, podscripts.h) that runs under
 * dash, bash and busybox ash, as the exec user, inside the container. Run it as
 *     kubectl exec POD -c C -- sh -c "$probe_sh" dotnetprof-probe
 * (no -t: a tty turns \n into \r\n, which the parser rejects; no arguments; no stdin needed). It
 * prints a line format, one record per line, fields separated by TAB, values escaped by the script
 * as \\ \t \n \r (so TAB, LF and CR never appear raw inside a value; no other escapes exist):
 *
 *   dotnetprof-probe<TAB>1                        first line, format version
 *   arch<TAB>x86_64                               uname -m
 *   libc<TAB>glibc|musl|unknown
 *   uid<TAB>1000      gid<TAB>1000      user<TAB>app
 *   tmpdir<TAB>/tmp                               TMPDIR of the exec environment (empty if unset)
 *   cmd<TAB>NAME<TAB>PATH                         one per available command (sh cat base64 head tail
 *                                                 dd gzip sha256sum md5sum cksum curl wget tar ...
 *                                                 sha512sum openssl; dotnet: a .NET host of the
 *                                                 exec's own, as in a debug container made from a
 *                                                 .NET image)
 *   dir<TAB>PATH<TAB>W<TAB>X<TAB>FREE_KB          candidate work dir: writable (0/1), exec allowed
 *                                                 (0/1), free space in KiB (-1 unknown)
 *   proc<TAB>PID<TAB>UID<TAB>RSS_KB<TAB>NAME      a .NET process, then its attributes:
 *   pgid<TAB>PID<TAB>GID                          its effective gid
 *   pcmd<TAB>PID<TAB>CMDLINE                      NULs shown as spaces
 *   puser<TAB>PID<TAB>USER                        (of another container: from its own
 *                                                 /etc/passwd, through /proc/PID/root)
 *   ptmpdir<TAB>PID<TAB>DIR                       the process's TMPDIR (from /proc/PID/environ)
 *   psock<TAB>PID<TAB>PATH                        its diagnostics socket dotnet-diagnostic-PID-KEY-socket
 *                                                 (of another container's process, as from an
 *                                                 ephemeral debug container: under
 *                                                 /proc/PID/root/TMPDIR, also a name the runtime
 *                                                 cut)
 *   pruntime<TAB>PID<TAB>DIR<TAB>VERSION          dir holding libcoreclr.so, and its version
 *   pdiag<TAB>PID<TAB>0|1                         0 when DOTNET_EnableDiagnostics=0 (or the COMPlus_ form)
 *   paccess<TAB>PID<TAB>0|1                       1 when the exec user can read the process's
 *                                                 environ and maps (same user, or root)
 *   uncollected<TAB>PATH<TAB>SIZE<TAB>0|1         a file an earlier run made in a workspace and did
 *                                                 not copy out (its manifest line's kind is still
 *                                                 "artifact": workspace.h); 1 while a tool of that
 *                                                 run still runs (it may still be writing it)
 *   perm<TAB>PATH<TAB>MODE<TAB>UID                ls -ld's mode text and owner of PATH, for each
 *                                                 socket (psock) and, for each shared runtime dir
 *                                                 (pruntime with a version), every directory from /
 *                                                 down to it and, under its DOTNET_ROOT (three levels
 *                                                 up): host, host/fxr, and every entry of
 *                                                 host/fxr and of shared/Microsoft.NETCore.App
 *   permdir<TAB>DIR<TAB>UIDS<TAB>0|1              for each of those version directories: the owners
 *                                                 (space-separated uids, at most 8) of its entries
 *                                                 that are not symbolic links, and 1 when one of them
 *                                                 is writable by group or others
 *   agent<TAB>WS<TAB>SIZE<TAB>SHA256              only when run with an AGENT argument (below): the
 *                                                 first workspace WS (DIR/.dotnetprof of a candidate
 *                                                 dir that allows exec) holding tools/AGENT, its size
 *                                                 (-1 unknown) and SHA-256 ("-" when none could be
 *                                                 taken: no openssl or sha256sum, and the agent
 *                                                 itself did not answer)
 *   end                                           last line: a probe cut short has no "end"
 *
 * Run as `sh -c "$probe_sh" dotnetprof-probe AGENT` it also looks for the agent (agentcli.h) in
 * the workspace of each candidate directory that allows exec, in probe order (one `agent` record at
 * most; the workspace's owner and mode are checked where the agent runs, by agentrun.sh): a trace
 * with the agent then needs no exec of its own to know whether the agent must be pushed.
 *
 * Unknown record types are ignored (forward compatibility); malformed known records are errors.
 * Records other than the first and "end" may come in any order (libc comes late: it is taken from the
 * loader the first .NET process maps, else the shell's, else from the files present), except that a
 * process's p* records follow its proc record. Extra trailing fields on a known record are ignored
 * (a newer probe may add some); missing fields, bad numbers and second scalar records are errors.
 *
 * Which processes: every /proc/PID whose maps show libcoreclr.so; or that has a diagnostics socket in
 * /tmp or the exec TMPDIR (single-file and NativeAOT apps map no libcoreclr.so); or, when its maps
 * cannot be read (another user, exec user not root), whose comm or argv[0] is the dotnet host.
 * Output size: about 1 KiB plus 0.3 KiB + its command line (at most 4096 bytes) per .NET process.
 * Cost: about 10 processes (uname, ls and the exec test per candidate directory, chmod, rm, df, grep)
 * plus 4 per .NET process (tr of cmdline and environ), plus one `ls -ldn` for every perm path
 * together and one `ls -lnA` per version directory of each distinct runtime (usually 3 in all); no
 * per-process cost for other processes.
 * Measured on the 2-core dev host: ~0.1 s with ~80 processes of which 2-3 .NET; 0.45-0.6 s (dash,
 * busybox; bash 1 s) under load with 19 .NET processes visible.
 * Work dirs: the write and exec tests create DIR/.dotnetprof-probe.PID (noclobber) only where no
 * other user can swap it (sticky and owned by root or the exec user, or owned by the exec user and
 * not group/other-writable); elsewhere W comes from access(2) and X is 0, since a root probe would
 * otherwise run whatever an app user put there. Files are removed, also on HUP/INT/TERM/PIPE.
 *
 * Runtime: pruntime's DIR is the directory libcoreclr.so was mapped from. For a framework-dependent
 * app it is DOTNET_ROOT/shared/Microsoft.NETCore.App/X.Y.Z and VERSION is X.Y.Z: DOTNET_ROOT for the
 * tools is three levels up. A self-contained app maps libcoreclr.so from its own directory: VERSION is
 * empty (runtime_version NULL), there is no shared runtime for the framework-dependent tools. A
 * single-file self-contained or NativeAOT app maps no libcoreclr.so: no pruntime record at all
 * (runtime_dir NULL) although paccess is 1. Only runtime_version != NULL means "shared runtime".
 * Diagnostics: pdiag is 0 when DOTNET_EnableDiagnostics (else COMPlus_EnableDiagnostics) or
 * DOTNET_EnableDiagnostics_IPC (else its COMPlus_ form) is 0 (the runtime reads them as hex: 0, 00,
 * 0x0). Unreadable environ (paccess 0): no ptmpdir, pdiag 1, psock looked up in /tmp only.
 * psock: of several sockets for one pid (stale ones of an earlier process with the same pid) the one
 * whose key is the process's start time (stat field 22, what the runtime uses) wins.
 */
#ifndef DOTNETPROF_PROBE_H
#define DOTNETPROF_PROBE_H

#include <stddef.h>
#include <sys/types.h>

#include "digest.h"
#include "rid.h"

/* Bit for each command the probe looks for (probe.cmds). */
enum probe_cmd {
	PCMD_SH = 1 << 0, PCMD_CAT = 1 << 1, PCMD_BASE64 = 1 << 2, PCMD_HEAD = 1 << 3,
	PCMD_TAIL = 1 << 4, PCMD_DD = 1 << 5, PCMD_GZIP = 1 << 6, PCMD_SHA256SUM = 1 << 7,
	PCMD_MD5SUM = 1 << 8, PCMD_CKSUM = 1 << 9, PCMD_CURL = 1 << 10, PCMD_WGET = 1 << 11,
	PCMD_TAR = 1 << 12, PCMD_KILL = 1 << 13, PCMD_MKDIR = 1 << 14, PCMD_RM = 1 << 15,
	PCMD_CHMOD = 1 << 16, PCMD_MV = 1 << 17, PCMD_WC = 1 << 18, PCMD_STAT = 1 << 19,
	PCMD_GREP = 1 << 20, PCMD_TR = 1 << 21, PCMD_SHA512SUM = 1 << 22, PCMD_OPENSSL = 1 << 23,
	PCMD_DOTNET = 1 << 24,
};

/* Name of one enum probe_cmd bit ("sha256sum"), or NULL. */
const char *probe_cmd_name(unsigned bit);

/*
 * The hash the pod can compute with the commands `cmds` (enum probe_cmd bits), best first: sha256sum,
 * md5sum, cksum; DIGEST_NONE when it has none. Copies in both directions verify with it.
 */
enum digest_kind probe_best_hash(unsigned cmds);

struct probe_dir {
	char *path;
	int writable;
	int exec_ok;
	long long free_kb; /* -1 when unknown */
};

enum probe_diag {
	PDIAG_OK = 0,          /* socket present and reachable */
	PDIAG_DISABLED,        /* DOTNET_EnableDiagnostics=0 */
	PDIAG_OTHER_USER,      /* process runs as another user: the 0600 socket is out of reach */
	/* (an exec user of root is never "another user": root passes the socket's owner-only mode
	 * through CAP_DAC_OVERRIDE, which containers keep by default) */
	PDIAG_NO_SOCKET,       /* enabled but no socket found */
};

struct probe_proc {
	pid_t pid;
	uid_t uid;
	gid_t gid;             /* (gid_t)-1 when not reported */
	long long rss_kb;      /* -1 unknown */
	char *name;            /* comm */
	char *cmdline;         /* may be NULL */
	char *user;            /* may be NULL */
	char *tmpdir;          /* may be NULL (unreadable) */
	char *socket;          /* may be NULL */
	char *runtime_dir;     /* may be NULL */
	char *runtime_version; /* may be NULL: see "Runtime" above */
	int diag_enabled;      /* 1 unless DOTNET_EnableDiagnostics=0 */
	int accessible;        /* exec user can read its environ/maps */
};

/* A file an earlier run left uncollected in a workspace (the "uncollected" record). */
struct probe_artifact {
	char *path;            /* absolute, in the container */
	unsigned long long size;
	int live;              /* a tool of its run still runs */
};

/* Who owns a path in the pod, as `ls -ld` showed it (a "perm" record). */
struct probe_perm {
	char *path;
	char mode[12];         /* "drwxr-xr-x", "srw-------", "lrwxrwxrwx" (maybe with '.' or '+') */
	unsigned long uid;
};

/* What a directory's entries are like (a "permdir" record). */
struct probe_permdir {
	char *path;
	unsigned long uids[8]; /* owners of its entries that are not symbolic links */
	size_t nuids;
	int writable;          /* one of them is writable by group or others */
};

struct probe {
	int version;
	char *arch;            /* never NULL after a successful parse; "" when the probe could not tell */
	enum libc_kind libc;
	uid_t uid;             /* effective uid of the exec user (a "uid" record is required) */
	gid_t gid;             /* (gid_t)-1 when not reported */
	char *user;            /* may be NULL */
	char *tmpdir;          /* may be NULL; "" when TMPDIR is unset in the exec environment */
	unsigned cmds;         /* enum probe_cmd bits */
	struct probe_dir *dirs;
	size_t ndirs;
	struct probe_proc *procs;
	size_t nprocs;
	struct probe_artifact *uncollected;
	size_t nuncollected;
	struct probe_perm *perms;
	size_t nperms;
	struct probe_permdir *permdirs;
	size_t npermdirs;
	char *agent_ws;        /* the `agent` record: the workspace holding the agent, or NULL */
	long long agent_size;  /* -1 unknown */
	char *agent_sha256;    /* 64 lowercase hex digits, or NULL when the pod could not tell */
};

/* Zero-initialise / free everything a probe owns (safe on a zeroed struct; leaves it zeroed). */
void probe_init(struct probe *p);
void probe_release(struct probe *p);

/*
 * Parse probe output `text` of `len` bytes (need not be NUL-terminated, may contain NULs, which are
 * errors) into `p` (initialised by the caller with probe_init). On error returns -1, writes a one-line
 * reason naming the line number into `err` (if non-NULL), and leaves `p` released.
 */
int probe_parse(const char *text, size_t len, struct probe *p, char *err, size_t errsize);

/* Find a process by pid; NULL when absent. */
const struct probe_proc *probe_find_pid(const struct probe *p, pid_t pid);

/* The perm / permdir record of `path` (exactly); NULL when the probe reported none. */
const struct probe_perm *probe_find_perm(const struct probe *p, const char *path);
const struct probe_permdir *probe_find_permdir(const struct probe *p, const char *path);

/*
 * The diagnostics state of a process as seen by the exec user, in this order: DISABLED when
 * !diag_enabled; OTHER_USER when the process's uid differs from the exec uid and the exec user is not
 * root; NO_SOCKET when no socket was found; else OK.
 * As root the socket is reachable, so a root exec user may run the tools against any process. But
 * what the runtime itself writes (dotnet-dump's core file, written by the runtime's createdump as the
 * app's user) must go to a directory the app user can write, and files the tools write as root end up
 * owned by root: the diag module should still prefer running as the app's uid where it can. If the
 * pod dropped CAP_DAC_OVERRIDE, root cannot connect either; that shows only when connecting.
 */
enum probe_diag probe_proc_diag(const struct probe *p, const struct probe_proc *proc);

/* "ok", "disabled (DOTNET_EnableDiagnostics=0)", "owned by another user", "no socket". */
const char *probe_diag_name(enum probe_diag d);

#endif
