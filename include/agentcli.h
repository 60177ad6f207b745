/*
 * agentcli.h - the command line and the output records of dotnetprof-agent, the static program
 * (agent/) that the plugin runs inside a pod, or in a debug container sharing the pod's PID
 * namespace, to talk to .NET runtimes over their diagnostics IPC socket. The interface is internal
 * to the project: the plugin writes these command lines and reads these records; nothing else does.
 * The agent includes this header too, so the names below are the one definition of both sides.
 *
 * COMMAND LINE
 *
 *   dotnetprof-agent list  [--pid PID]
 *       Every process that looks like .NET (a diagnostics socket, or libcoreclr mapped, or
 *       DOTNET_EnableDiagnostics=0 in its environment), one `proc` record each on stdout, sorted by
 *       pid. Each is asked for ProcessInfo3, then ProcessInfo2, then ProcessInfo (the first the
 *       runtime knows). A process whose socket cannot be reached still gets a record, with `error=`.
 *       Exit 0 even when the list is empty (that is an answer, not a failure).
 *
 *   dotnetprof-agent trace [--pid PID] [--duration D] [--providers SPEC] [--profile NAMES]
 *                          [--clrevents KEYWORDS] [--clreventlevel LEVEL] [--buffersize MB]
 *                          [--rundown true|false] [--stdin watch|ignore] [--drain-timeout D]
 *                          [--spool PATH [--spool-max BYTES]]
 *       An EventPipe session streamed to stdout as it comes (the .nettrace bytes, nothing else).
 *       Providers as dotnet-trace collect: without --providers, --profile and --clrevents, its
 *       default profiles dotnet-common + dotnet-sampled-thread-time; --providers in its syntax
 *       (Name[:0xKEYWORDS[:LEVEL[:key=value;key=value]]], comma separated); --profile NAMES comma
 *       separated (dotnet-common, dotnet-sampled-thread-time, gc-verbose, gc-collect, database);
 *       --clrevents gc+jit+... with --clreventlevel (default informational). --buffersize is the
 *       runtime's circular buffer in MB (default 256). The command is CollectTracing2, or
 *       CollectTracing4 when a profile asks for its own rundown keyword (gc-collect), falling back
 *       as dotnet-trace does when the runtime answers "unknown command".
 *       It stops on the first of: --duration elapsed (default: none), SIGINT/SIGTERM/SIGHUP, EOF on
 *       stdin, stdout broken (its reader is gone), or the runtime ending the session. Stopping means
 *       StopTracing on a second connection, then reading the stream to its end: the rundown (method
 *       names) comes last. A second signal while draining abandons the drain. When stdout is gone
 *       the session is still stopped (and the rest of the stream read and dropped), so no session
 *       is left running in the app.
 *       --stdin watch (the default) watches stdin for EOF when it is a pipe or a socket (what
 *       `kubectl exec -i` gives): the plugin closing its end, or kubectl dying, stops the trace
 *       cleanly. /dev/null, a terminal, a regular file or a closed stdin are never watched. A
 *       caller that runs the agent with a stdin that is a pipe it does not keep open must pass
 *       --stdin ignore (else the trace stops at once, reason stdin-eof). A line "stop" on stdin
 *       stops the trace as a signal does (reason stop); other lines are ignored.
 *       --spool PATH also writes the stream to PATH (created 0600, O_EXCL|O_NOFOLLOW, in a
 *       directory that exists), so that a trace whose reader goes away is not lost: when stdin
 *       ends without "stop" (kubectl or the plugin died) or stdout breaks, the session is stopped
 *       and read to its end into PATH, which stays (a `spool` record says so). Otherwise, after
 *       the trailer, the agent waits up to 30 s for a line "ok" on stdin (the reader verified the
 *       stream): then PATH is removed, with PATH.pid and PATH's directory when empty; no "ok"
 *       keeps it. Without a watched stdin, a stdout that took every byte removes it. A write error
 *       or more than --spool-max bytes drops the spool (PATH removed), never the trace.
 *       --drain-timeout (default 120s) bounds the wait for the stream's end after StopTracing.
 *       Its records go to stderr: `trace-start` once the runtime accepted the session, `trace-end`
 *       last (the trailer).
 *
 *   dotnetprof-agent stack [--pid PID] [--duration D]
 *       As dotnet-stack report: a sampling session (Microsoft-DotNETCore-SampleProfiler) with
 *       rundown, stopped after D (default 10ms), streamed and reported like trace.
 *
 *   dotnetprof-agent dump [--pid PID] [--type full|heap|mini|triage] [--output PATH]
 *                         [--timeout D]
 *       The runtime writes a core dump (its own createdump, as the app's user, in the app's
 *       filesystem view). PATH is as the APP sees it and must be writable by the app's user; the
 *       default is TMPDIR-of-the-app/dotnetprof-core-PID-EPOCHSECONDS (the app created its socket
 *       there, so it can write there). Dump type default: full. Uses GenerateCoreDump3, then 2, then
 *       the first one, as the runtime knows them. One `dump` record on stdout: the path as the agent
 *       sees it (through /proc/PID/root) and its size. --timeout (default 600s) bounds the wait.
 *
 *   dotnetprof-agent version       one `agent` record on stdout
 *   dotnetprof-agent help | -h     usage on stdout
 *
 *   PID is the process id as the agent sees it (in its PID namespace). Without --pid, trace, stack
 *   and dump take the only .NET process with a reachable socket; none or several is an error (the
 *   `error` record of several lists their pids). D is a duration: 500ms, 5s, 2m, 1h30m, a bare
 *   number of seconds, or dd:hh:mm:ss.
 *
 *   Sockets: $TMPDIR/dotnet-diagnostic-NSPID-KEY-socket of the app (TMPDIR from /proc/PID/environ,
 *   default /tmp), reached as /proc/PID/root/TMPDIR/..., so the same code works in the app's
 *   container and in a debug container sharing only its PID namespace. NSPID is the pid in the app's
 *   own namespace (/proc/PID/status NSpid), KEY its start time (/proc/PID/stat). A name the runtime
 *   truncated to the 108-byte sun_path limit (a long TMPDIR) is found too, and so is a socket whose
 *   KEY is not the start time (a runtime under qemu-user reads a made-up /proc/self/stat) when it
 *   is the one live socket of that pid. A socket is used only when it is owned by the process's
 *   effective uid. When /proc/PID/root is closed to a root agent
 *   (no CAP_SYS_PTRACE) it takes the app's uid and gid for that process and tries again.
 *
 * RECORDS
 *
 *   One line each: the record type, then TAB-separated key=value fields, then "\n". Values are
 *   UTF-8 with three escapes: "\\" for a backslash, "\t" for a TAB, "\n" for a newline (nothing
 *   else is escaped). Keys are [a-z0-9_]. Readers must ignore keys they do not know (new ones may
 *   be added) and must not depend on field order.
 *
 *   proc    pid, nspid, key, uid, comm, tmpdir (the app's view), socket (as the agent reaches it),
 *           truncated (1 when the runtime cut the socket's name), info (the command that answered:
 *           ProcessInfo3/ProcessInfo2/ProcessInfo), cmdline, os, arch, entrypoint, runtime (CLR
 *           product version), rid (portable runtime identifier); on failure `error` (an error code
 *           below) and `message` instead of the info fields
 *   trace-start  pid, session (decimal), command (CollectTracing2 / CollectTracing4), providers
 *           (what was enabled, in --providers syntax), rundown (the rundown keyword, 0x hex; 0 none)
 *   trace-end    bytes (of the stream written to stdout), sha256 (lowercase hex of exactly those
 *           bytes), complete (1: the runtime acknowledged StopTracing and the stream then reached
 *           its end, so the rundown is in it; 0: anything else), reason (what ended it: duration /
 *           signal / stop (a "stop" line) / stdin-eof / stdout-closed / ended: the runtime closed the stream first /
 *           error: reading it failed), stopped (1 when the runtime acknowledged StopTracing),
 *           stdout (ok / closed), elapsed_ms (from the session's start), first_byte_ms (from the
 *           agent's start to the first nettrace byte; -1: none); with --spool: spool (written /
 *           dropped), spool_bytes
 *   spool   after trace-end, when the spool stays: kept (its path), bytes
 *   dump    pid, path (as the agent sees it: /proc/PID/root/...), app_path (as the app sees it),
 *           size (bytes), type (full/heap/mini/triage), command (GenerateCoreDump3/2/..), elf (1 when
 *           it is an ELF core: e_type 4)
 *   agent   version, arch (x64 / arm64 / arm), libc (musl or glibc, as linked), sha256 (of its own
 *           executable, /proc/self/exe: a pod without sha256sum can still have its copy checked)
 *   error   code (below), message (for a person, lowercase), pid when one is concerned, hresult
 *           (0x hex) and hresult_name when the runtime answered with an error, hint when there is
 *           a fix to suggest
 *
 *   trace and stack write their records to stderr (stdout carries the trace); list, dump and
 *   version write theirs to stdout. `error` records always go to stderr.
 *
 *   The plugin verifies a streamed trace by hashing what it received and comparing it with
 *   `trace-end`'s bytes and sha256; a missing trace-end means the agent died or the stream was cut.
 */
#ifndef DOTNETPROF_AGENTCLI_H
#define DOTNETPROF_AGENTCLI_H

#define AGENT_PROG "dotnetprof-agent"

/* Record types. */
#define AGENT_REC_PROC        "proc"
#define AGENT_REC_TRACE_START "trace-start"
#define AGENT_REC_TRACE_END   "trace-end"
#define AGENT_REC_SPOOL       "spool"
#define AGENT_REC_DUMP        "dump"
#define AGENT_REC_AGENT       "agent"
#define AGENT_REC_ERROR       "error"

/* `error` codes (the `code` field, also `proc`'s `error` field). */
#define AGENT_ERR_USAGE        "usage"        /* bad command line */
#define AGENT_ERR_NO_PROCESS   "no-process"   /* no such pid, or no .NET process at all */
#define AGENT_ERR_AMBIGUOUS    "ambiguous"    /* several .NET processes and no --pid */
#define AGENT_ERR_NO_SOCKET    "no-socket"    /* .NET-looking process without a diagnostics socket */
#define AGENT_ERR_DISABLED     "diagnostics-disabled" /* DOTNET_EnableDiagnostics=0 (or _IPC=0) */
#define AGENT_ERR_PERMISSION   "permission"   /* /proc/PID/root or the socket is closed to us */
#define AGENT_ERR_UID          "uid-mismatch" /* a socket there, not owned by the process's uid */
#define AGENT_ERR_CONNECT      "connect"      /* the socket refused the connection (stale?) */
#define AGENT_ERR_PROTOCOL     "protocol"     /* the runtime's answer made no sense */
#define AGENT_ERR_RUNTIME      "runtime"      /* the runtime answered with an error HRESULT */
#define AGENT_ERR_TIMEOUT      "timeout"      /* no answer in time */
#define AGENT_ERR_IO           "io"           /* a local read/write failed */
#define AGENT_ERR_INCOMPLETE   "incomplete"   /* a trace stream that did not end properly */

/* Exit status of the agent. */
enum agent_exit {
	AGENT_EX_OK = 0,
	AGENT_EX_FAIL = 1,       /* io, protocol, timeout, connect */
	AGENT_EX_USAGE = 2,
	AGENT_EX_NOTFOUND = 3,   /* no-process, ambiguous, no-socket, diagnostics-disabled */
	AGENT_EX_PERMISSION = 4, /* permission, uid-mismatch */
	AGENT_EX_RUNTIME = 5,    /* the runtime refused (hresult) */
	AGENT_EX_INCOMPLETE = 6, /* trace/stack: the stream did not end after StopTracing */
};

#endif
