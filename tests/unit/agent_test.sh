#!/bin/sh
# agent_test.sh - dotnetprof-agent end to end, against the real sample app run on this host, its
# traces read by the real dotnet-trace (report, convert) and its dumps by the real dotnet-dump.
#
# Usage: tests/unit/agent_test.sh            (make unit runs it; needs root: apps run as other uids)
# Apps: the framework-dependent and the self-contained sample app; one run as another uid (4242);
# one with a TMPDIR so long that the runtime cuts its socket's name; one with diagnostics disabled.
# Checked: list and its records; trace streams a nettrace whose trailer (bytes, sha256) matches what
# came out, with rundown (method names) in it, stopped by its duration, SIGINT, SIGTERM, EOF on
# stdin, or its reader going away (and then no session is left in the app); stack; dump (an ELF
# core dotnet-dump opens); error records and exit codes; the agent in an empty root (a chroot with
# only it and /proc: the debug container's view); the arm64 and arm agents under qemu-user.
# Builds what it needs when missing: build/sample-app (and -selfcontained) with `dotnet publish`;
# the tools come from `make tools` (build/nuget-tools).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

# stdin of our own: an agent watches a pipe for EOF, and whatever ran us may have left one
exec </dev/null
top=$(cd "$(dirname "$0")/../.." && pwd)
agent=$top/build/agent/x64/dotnetprof-agent
trace_tool=$top/build/nuget-tools/dotnet-trace/dotnet-trace
dump_tool=$top/build/nuget-tools/dotnet-dump/dotnet-dump
app_dir=$top/build/sample-app
sc_dir=$top/build/sample-app-selfcontained
work=$(mktemp -d /tmp/agent-test.XXXXXX) || exit 1
chmod 0755 "$work"
pids=""
fails=0

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	umount "$work/root/proc" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

ok() { printf 'ok - %s\n' "$1"; }
not_ok() {
	printf 'not ok - %s\n' "$1"
	shift
	for l in "$@"; do printf '#   %s\n' "$l"; done
	fails=$((fails + 1))
}
not() { ! "$@"; }
# check NAME COMMAND...: ok when COMMAND succeeds
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name" "failed: $*"; fi
}
die() {
	echo "agent_test: $*" >&2
	exit 1
}

# field RECORD_LINE KEY: the value of KEY= in a record (unescaped values are enough here)
field() { printf '%s\n' "$1" | tr '\t' '\n' | sed -n "s/^$2=//p" | head -n 1; }
# rec FILE TYPE: the last record of TYPE in FILE
rec() { grep "^$2	" "$1" | tail -n 1; }

[ "$(id -u)" = 0 ] || die "needs root (apps run as other uids, the agent in a chroot); run make unit as root"
for f in "$agent" "$trace_tool" "$dump_tool"; do
	[ -x "$f" ] || die "$f is missing: make builds the agent, make tools the Microsoft tools"
done
command -v setpriv >/dev/null && command -v unshare >/dev/null || die "setpriv and unshare (util-linux) are needed"
if [ ! -f "$app_dir/SampleApp.dll" ]; then
	echo "agent_test: publishing tests/sample-app into build/sample-app"
	dotnet publish "$top/tests/sample-app" -c Release -o "$app_dir" >"$work/publish.log" 2>&1 ||
		{ tail -n 20 "$work/publish.log"; die "dotnet publish failed"; }
fi
if [ ! -x "$sc_dir/SampleApp" ]; then
	echo "agent_test: publishing tests/sample-app self-contained into build/sample-app-selfcontained"
	dotnet publish "$top/tests/sample-app" -c Release -r linux-x64 --self-contained true \
		-p:UseAppHost=true -p:PublishSingleFile=false \
		"-p:BaseIntermediateOutputPath=$top/build/sample-app-sc-obj/obj/" \
		"-p:BaseOutputPath=$top/build/sample-app-sc-obj/bin/" -o "$sc_dir" --disable-build-servers \
		>"$work/publish-sc.log" 2>&1 || { tail -n 20 "$work/publish-sc.log"; die "dotnet publish failed"; }
fi

# start NAME ENV... -- COMMAND...: start an app on a free port; sets NAME_pid and NAME_port
start() {
	local name=$1 port
	shift
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	env ASPNETCORE_URLS="http://127.0.0.1:$port" DOTNET_CLI_TELEMETRY_OPTOUT=1 "$@" \
		>"$work/$name.log" 2>&1 </dev/null &
	pids="$pids $!"
	eval "${name}_pid=$! ${name}_port=$port"
}
# up NAME: wait (30 s at most) until the app answers
up() {
	local port i
	eval "port=\$${1}_port"
	for i in $(seq 1 150); do
		curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	cat "$work/$1.log" >&2
	die "the $1 app did not come up"
}
# load NAME SECONDS: keep the app's CPU busy (HotPath.SpinForProfiler) in the background
load() {
	local port
	eval "port=\$${1}_port"
	curl -fs "http://127.0.0.1:$port/high-cpu?seconds=$2&threads=1" >/dev/null 2>&1 &
}
# eventpipe_threads PID: the runtime's EventPipe threads (a streaming session adds its own)
eventpipe_threads() { grep -c '^\.NET EventPipe' /proc/"$1"/task/*/comm 2>/dev/null | awk -F: '{n += $2} END {print n + 0}'; }

# a TMPDIR of 80 characters leaves 26 for the socket's name: the runtime cuts it to fit 107
long_tmp=$work/$(printf 't%.0s' $(seq 1 $((80 - ${#work} - 1))))
mkdir -p "$long_tmp" "$work/home4242"
chown 4242:4242 "$work/home4242"
start fd dotnet "$app_dir/SampleApp.dll"
start sc "$sc_dir/SampleApp"
start nr HOME="$work/home4242" setpriv --reuid=4242 --regid=4242 --clear-groups dotnet "$app_dir/SampleApp.dll"
start lt TMPDIR="$long_tmp" dotnet "$app_dir/SampleApp.dll"
start off DOTNET_EnableDiagnostics=0 dotnet "$app_dir/SampleApp.dll"
# a container's view: its own PID namespace (it is pid 1 there) and its own /tmp
start ns unshare --pid --fork --kill-child --mount --mount-proc sh -c 'mount -t tmpfs tmpfs /tmp && exec "$@"' sh \
	dotnet "$app_dir/SampleApp.dll"
for a in fd sc nr lt off ns; do up $a; done
ns_pid=$(pgrep -P "$ns_pid" | head -n 1) # unshare's child is the app
pids="$pids $ns_pid"
# the apps' pids, not their launchers' (setpriv and env exec, so they are the same)
load fd 1 # JIT the hot path before any trace: its name can then only come from the rundown
sleep 1.2

# ---- list ------------------------------------------------------------------------------------
"$agent" version >"$work/v.out"
check "version prints an agent record (x64, musl, its own sha256)" \
	grep -q "^agent	version=.*	arch=x64	libc=musl	sha256=$(sha256sum <"$agent" | cut -d' ' -f1)$" "$work/v.out"
"$agent" list --pid "$fd_pid" >"$work/l.out"
r=$(rec "$work/l.out" proc)
check "list --pid: ProcessInfo3 answered" [ "$(field "$r" info)" = ProcessInfo3 ]
check "list --pid: runtime version, rid, entry point" \
	[ "$(field "$r" rid)" = linux-x64 -a "$(field "$r" entrypoint)" = SampleApp -a -n "$(field "$r" runtime)" ]
check "list --pid: socket reached through /proc/PID/root" \
	[ "$(field "$r" socket)" = "$(ls -d /proc/"$fd_pid"/root/tmp/dotnet-diagnostic-"$fd_pid"-*-socket)" ]
check "list --pid: key is the start time" [ "$(field "$r" key)" = "$(awk '{print $22}' /proc/"$fd_pid"/stat)" ]
"$agent" list >"$work/all.out"
for a in fd sc nr lt; do
	eval "p=\$${a}_pid"
	check "list shows the $a app with its info" grep -q "^proc	pid=$p	.*	info=ProcessInfo" "$work/all.out"
done
check "list shows the app with diagnostics disabled, saying so" \
	grep -q "^proc	pid=$off_pid	.*	error=diagnostics-disabled" "$work/all.out"

# ---- trace -------------------------------------------------------------------------------------
# verify NAME FILE ERR: the trailer matches the file; complete; the real dotnet-trace reads it
verify() {
	local name=$1 file=$2 err=$3 t
	t=$(rec "$err" trace-end)
	if [ -z "$t" ]; then
		not_ok "$name: trace-end record" "$(cat "$err")"
		return 1
	fi
	check "$name: trailer bytes = file size" [ "$(field "$t" bytes)" = "$(wc -c <"$file")" ]
	check "$name: trailer sha256 = sha256sum" [ "$(field "$t" sha256)" = "$(sha256sum <"$file" | cut -d' ' -f1)" ]
	check "$name: complete, stopped" [ "$(field "$t" complete)" = 1 -a "$(field "$t" stopped)" = 1 ]
	check "$name: starts Nettrace" [ "$(head -c 8 "$file")" = Nettrace ]
	"$trace_tool" report "$file" topN -n 25 >"$file.top" 2>&1
	if grep -Eq '^ *[0-9]+\. [A-Za-z_.<>|`0-9]+\.[A-Za-z_<>|`0-9]+\(' "$file.top"; then
		ok "$name: dotnet-trace report reads it, with method names"
	else
		not_ok "$name: dotnet-trace report reads it, with method names" "$(head -n 8 "$file.top")" \
			"$t"
	fi
}

load fd 4
"$agent" trace --pid "$fd_pid" --duration 3s >"$work/d.nettrace" 2>"$work/d.err"
check "trace --duration 3s: exit 0" [ $? = 0 ]
verify "trace --duration" "$work/d.nettrace" "$work/d.err"
t=$(rec "$work/d.err" trace-end)
check "trace: reason duration, elapsed near 3 s" \
	[ "$(field "$t" reason)" = duration -a "$(field "$t" elapsed_ms)" -ge 3000 -a "$(field "$t" elapsed_ms)" -lt 8000 ]
check "trace: first byte within a second" [ "$(field "$t" first_byte_ms)" -ge 0 -a "$(field "$t" first_byte_ms)" -lt 1000 ]
check "trace-start: CollectTracing2 with dotnet-trace's default providers" \
	grep -q "^trace-start	.*command=CollectTracing2	providers=Microsoft-Windows-DotNETRuntime:0x000000100003801D:4,Microsoft-DotNETCore-SampleProfiler:0x0000F00000000000:4	rundown=0x80020139" "$work/d.err"
check "trace: the hot path, jitted before the trace, is named (rundown)" \
	grep -q 'HotPath.SpinForProfiler' "$work/d.nettrace.top"
# has_rundown FILE: the rundown provider's events are in the stream (its name, UTF-16, in their
# metadata; absent from a trace taken with --rundown false)
has_rundown() {
	python3 -c 'import sys; sys.exit("Microsoft-Windows-DotNETRuntimeRundown".encode("utf-16-le")
		not in open(sys.argv[1], "rb").read())' "$1"
}
check "trace: rundown events in the stream" has_rundown "$work/d.nettrace"
"$agent" trace --pid "$fd_pid" --duration 1s --rundown false >"$work/nrd.nettrace" 2>/dev/null
check "trace --rundown false: none" not has_rundown "$work/nrd.nettrace"
mkdir "$work/conv"
"$trace_tool" convert --format speedscope "$work/d.nettrace" -o "$work/conv/d" >"$work/conv.out" 2>&1
check "dotnet-trace convert --format speedscope reads it" sh -c "grep -q SpinForProfiler '$work'/conv/d*.json"

base=$(eventpipe_threads "$fd_pid")
# stop_by NAME SIGNAL: a trace without duration, stopped after 2 s by SIGNAL
stop_by() {
	"$agent" trace --pid "$fd_pid" >"$work/$1.nettrace" 2>"$work/$1.err" &
	local p=$!
	sleep 2
	check "$1: a session runs meanwhile (EventPipe threads $(eventpipe_threads "$fd_pid") > $base)" \
		[ "$(eventpipe_threads "$fd_pid")" -gt "$base" ]
	kill -"$2" $p
	wait $p
	check "$1: exit 0" [ $? = 0 ]
	verify "$1" "$work/$1.nettrace" "$work/$1.err"
	check "$1: reason signal" [ "$(field "$(rec "$work/$1.err" trace-end)" reason)" = signal ]
	sleep 0.3
	check "$1: no session left in the app" [ "$(eventpipe_threads "$fd_pid")" = "$base" ]
}
stop_by sigint INT
stop_by sigterm TERM

(sleep 2) | "$agent" trace --pid "$fd_pid" >"$work/eof.nettrace" 2>"$work/eof.err"
check "stdin EOF: exit 0" [ $? = 0 ]
verify "stdin EOF" "$work/eof.nettrace" "$work/eof.err"
check "stdin EOF: reason stdin-eof" [ "$(field "$(rec "$work/eof.err" trace-end)" reason)" = stdin-eof ]
"$agent" trace --pid "$fd_pid" --stdin ignore --duration 1s </dev/null >"$work/ign.nettrace" 2>"$work/ign.err"
check "--stdin ignore, stdin /dev/null: runs its duration" \
	[ "$(field "$(rec "$work/ign.err" trace-end)" reason)" = duration ]

# the reader goes away after 100 KB: the agent stops the session and says so
"$agent" trace --pid "$fd_pid" 2>"$work/cut.err" | head -c 100000 >/dev/null
t=$(rec "$work/cut.err" trace-end)
check "stdout closed: reason stdout-closed, session stopped and drained" \
	[ "$(field "$t" reason)" = stdout-closed -a "$(field "$t" stopped)" = 1 -a "$(field "$t" complete)" = 1 ]
sleep 0.3
check "stdout closed: no session left in the app" [ "$(eventpipe_threads "$fd_pid")" = "$base" ]
# ---- the spool: the trace's copy in the pod -------------------------------------------------------
mkdir "$work/spool"
# stop_then_ok: "stop" after 2 s, then "ok" once the trailer is out (stdin a pipe kept open)
mkfifo "$work/spool/in"
"$agent" trace --pid "$fd_pid" --spool "$work/spool/a/ok.nettrace" <"$work/spool/in" \
	>"$work/spool/none.nettrace" 2>"$work/spool/none.err" &
p=$!
exec 7>"$work/spool/in"
sleep 1
exec 7>&-
wait $p
check "--spool in a directory that does not exist: the trace goes on without it" \
	[ "$(field "$(rec "$work/spool/none.err" trace-end)" reason)" = stdin-eof ]
check "... and an error record says why" grep -q "^error	.*cannot create the spool" "$work/spool/none.err"
mkdir "$work/spool/a"
"$agent" trace --pid "$fd_pid" --spool "$work/spool/a/ok.nettrace" <"$work/spool/in" \
	>"$work/spool/ok.nettrace" 2>"$work/spool/ok.err" &
p=$!
exec 7>"$work/spool/in"
sleep 2
echo stop >&7
for _ in $(seq 1 100); do rec "$work/spool/ok.err" trace-end | grep -q . && break; sleep 0.1; done
check "spool: the copy is complete before the reader's ok" cmp -s "$work/spool/ok.nettrace" "$work/spool/a/ok.nettrace"
echo ok >&7
exec 7>&-
wait $p
check "spool, stop then ok: exit 0" [ $? = 0 ]
verify "spool, stop then ok" "$work/spool/ok.nettrace" "$work/spool/ok.err"
t=$(rec "$work/spool/ok.err" trace-end)
check "spool: reason stop, spool written, its bytes the stream's" \
	[ "$(field "$t" reason)" = stop -a "$(field "$t" spool)" = written -a "$(field "$t" spool_bytes)" = "$(field "$t" bytes)" ]
check "spool: ok removed the copy and its directory" [ ! -e "$work/spool/a" ]
# the reader dies: stdin ends without "stop" (kubectl killed): the copy stays, complete
mkdir "$work/spool/b"
: >"$work/spool/b/gone.nettrace.pid"
(sleep 2) | "$agent" trace --pid "$fd_pid" --spool "$work/spool/b/gone.nettrace" \
	>"$work/spool/gone.stream" 2>"$work/spool/gone.err"
check "spool, reader gone: exit 0" [ $? = 0 ]
check "spool, reader gone: a spool record names the copy kept" \
	grep -q "^spool	kept=$work/spool/b/gone.nettrace	" "$work/spool/gone.err"
verify "spool, reader gone: the copy" "$work/spool/b/gone.nettrace" "$work/spool/gone.err"
check "spool: the copy is mode 0600" [ "$(stat -c %a "$work/spool/b/gone.nettrace")" = 600 ]
# stdout broken: the copy still gets the whole stream
mkdir "$work/spool/c"
"$agent" trace --pid "$fd_pid" --spool "$work/spool/c/cut.nettrace" 2>"$work/spool/cut.err" | head -c 100000 >/dev/null
t=$(rec "$work/spool/cut.err" trace-end)
check "spool, stdout closed: kept, complete, more than what stdout took" \
	[ -s "$work/spool/c/cut.nettrace" -a "$(field "$t" complete)" = 1 -a "$(wc -c <"$work/spool/c/cut.nettrace")" -gt 100000 ]
# over --spool-max: dropped, the trace unharmed
mkdir "$work/spool/d"
"$agent" trace --pid "$fd_pid" --duration 2s --stdin ignore --spool "$work/spool/d/big.nettrace" --spool-max 1000 \
	</dev/null >"$work/spool/big.nettrace" 2>"$work/spool/big.err"
t=$(rec "$work/spool/big.err" trace-end)
check "spool over --spool-max: dropped and removed, the trace complete" \
	[ "$(field "$t" spool)" = dropped -a ! -e "$work/spool/d/big.nettrace" -a "$(field "$t" complete)" = 1 ]
# an existing file (or a symbolic link) is never written through
ln -s /etc/passwd "$work/spool/d/link.nettrace"
"$agent" trace --pid "$fd_pid" --duration 1s --stdin ignore --spool "$work/spool/d/link.nettrace" </dev/null \
	>/dev/null 2>"$work/spool/link.err"
check "spool on a symbolic link: refused, the target untouched" grep -q "cannot create the spool" "$work/spool/link.err"

# the agent killed outright: the runtime ends the session when its stream breaks
"$agent" trace --pid "$fd_pid" >/dev/null 2>&1 &
p=$!
sleep 1.5
kill -KILL $p
wait $p 2>/dev/null
sleep 1.5
check "agent killed: the runtime drops the session" [ "$(eventpipe_threads "$fd_pid")" = "$base" ]

"$agent" trace --pid "$fd_pid" --duration 1s --providers Microsoft-DotNETCore-SampleProfiler \
	>"$work/p.nettrace" 2>"$work/p.err"
check "--providers: that provider alone, keywords 0 as dotnet-trace" \
	grep -q "providers=Microsoft-DotNETCore-SampleProfiler:0x0000000000000000:4	" "$work/p.err"
verify "--providers" "$work/p.nettrace" "$work/p.err"
"$agent" trace --pid "$fd_pid" --duration 1s --profile gc-verbose >"$work/g.nettrace" 2>"$work/g.err"
check "--profile gc-verbose" grep -q "providers=Microsoft-Windows-DotNETRuntime:0x0000000000008003:5	" "$work/g.err"
check "--profile gc-verbose: complete" [ "$(field "$(rec "$work/g.err" trace-end)" complete)" = 1 ]

# ---- stack ---------------------------------------------------------------------------------------
"$agent" stack --pid "$fd_pid" >"$work/s.nettrace" 2>"$work/s.err"
check "stack: exit 0" [ $? = 0 ]
verify "stack" "$work/s.nettrace" "$work/s.err"
check "stack: the sample profiler alone, with rundown" \
	grep -q "providers=Microsoft-DotNETCore-SampleProfiler:0x0000F00000000000:4	rundown=0x80020139" "$work/s.err"

# ---- dump ----------------------------------------------------------------------------------------
# dump_check NAME PID TYPE: a dump record, an ELF core that dotnet-dump opens, then removed
dump_check() {
	local out path
	out=$("$agent" dump --pid "$2" --type "$3" 2>"$work/dump.err")
	check "$1: exit 0" [ $? = 0 ]
	path=$(field "$out" path)
	check "$1: the record's path and size" [ -f "$path" -a "$(field "$out" size)" = "$(wc -c <"$path" 2>/dev/null)" ]
	check "$1: an ELF core (e_type 4)" [ "$(od -An -tx1 -j16 -N2 "$path" 2>/dev/null | tr -d ' ')" = 0400 -a "$(field "$out" elf)" = 1 ]
	"$dump_tool" analyze "$path" -c "dumpheap -stat" -c exit >"$work/analyze.out" 2>&1
	check "$1: dotnet-dump analyze reads its heap" grep -q 'System.String' "$work/analyze.out"
	rm -f "$path"
}
dump_check "dump heap (framework-dependent)" "$fd_pid" heap

# ---- the self-contained app, the non-root app, the cut socket name -------------------------------
"$agent" trace --pid "$sc_pid" --duration 2s >"$work/sc.nettrace" 2>"$work/sc.err"
verify "self-contained app" "$work/sc.nettrace" "$work/sc.err"
dump_check "dump heap (self-contained)" "$sc_pid" heap

"$agent" trace --pid "$nr_pid" --duration 1s >"$work/nr.nettrace" 2>"$work/nr.err"
verify "app as uid 4242, agent as root" "$work/nr.nettrace" "$work/nr.err"
setpriv --reuid=4242 --regid=4242 --clear-groups "$agent" trace --pid "$nr_pid" --duration 1s \
	>"$work/nr2.nettrace" 2>"$work/nr2.err"
verify "app as uid 4242, agent as the same uid" "$work/nr2.nettrace" "$work/nr2.err"
setpriv --reuid=4243 --regid=4243 --clear-groups "$agent" trace --pid "$nr_pid" --duration 1s \
	>/dev/null 2>"$work/nr3.err"
rc=$?
check "agent as another uid: exit 4, a permission error" [ $rc = 4 ] && grep -q "^error	code=permission" "$work/nr3.err"
setpriv --bounding-set=-sys_ptrace --inh-caps=-sys_ptrace "$agent" trace --pid "$nr_pid" --duration 1s \
	>"$work/nr4.nettrace" 2>"$work/nr4.err"
verify "root without CAP_SYS_PTRACE takes the app's uid" "$work/nr4.nettrace" "$work/nr4.err"
out=$(setpriv --bounding-set=-sys_ptrace --inh-caps=-sys_ptrace "$agent" dump --pid "$nr_pid" --type mini)
check "dump of the uid 4242 app: an ELF core owned by it" \
	[ "$(field "$out" elf)" = 1 -a "$(stat -c %u "$(field "$out" path)")" = 4242 ]
rm -f "$(field "$out" path)"

r=$(rec <("$agent" list --pid "$lt_pid") proc)
check "long TMPDIR: the cut socket name is found" [ "$(field "$r" truncated)" = 1 -a "$(field "$r" info)" = ProcessInfo3 ]
check "long TMPDIR: the name really is cut" [ "$(basename "$(field "$r" socket)" | grep -c -- '-socket$')" = 0 ]
"$agent" trace --pid "$lt_pid" --duration 1s >"$work/lt.nettrace" 2>"$work/lt.err"
verify "long TMPDIR" "$work/lt.nettrace" "$work/lt.err"
# the app dies mid-trace: the stream ends without StopTracing; incomplete, said so (exit 6)
"$agent" trace --pid "$lt_pid" >"$work/die.nettrace" 2>"$work/die.err" &
p=$!
sleep 1.5
kill -KILL "$lt_pid"
wait $p
rc=$?
t=$(rec "$work/die.err" trace-end)
check "the app dies mid-trace: exit 6, reason ended, not complete" \
	[ $rc = 6 -a "$(field "$t" reason)" = ended -a "$(field "$t" complete)" = 0 ]
check "the app dies mid-trace: an incomplete error record" grep -q "^error	code=incomplete" "$work/die.err"

r=$(rec <("$agent" list --pid "$ns_pid") proc)
check "own PID namespace and /tmp: nspid 1, socket through /proc/PID/root" \
	[ "$(field "$r" nspid)" = 1 -a "$(field "$r" socket)" = "$(ls -d /proc/"$ns_pid"/root/tmp/dotnet-diagnostic-1-*-socket)" ]
check "own PID namespace and /tmp: not in the host's /tmp" [ "$(ls /tmp/dotnet-diagnostic-"$ns_pid"-* 2>/dev/null)" = "" ]
"$agent" trace --pid "$ns_pid" --duration 1s >"$work/ns.nettrace" 2>"$work/ns.err"
verify "own PID namespace and /tmp" "$work/ns.nettrace" "$work/ns.err"
out=$("$agent" dump --pid "$ns_pid" --type mini)
check "own PID namespace and /tmp: the dump, in the app's /tmp, seen through /proc/PID/root" \
	[ "$(field "$out" elf)" = 1 -a "$(field "$out" path)" = "/proc/$ns_pid/root$(field "$out" app_path)" ]
rm -f "$(field "$out" path)"

# ---- errors --------------------------------------------------------------------------------------
# err_check NAME EXIT CODE COMMAND...: the exit status and the error record's code
err_check() {
	local name=$1 want=$2 code=$3 rc
	shift 3
	"$@" >"$work/e.out" 2>"$work/e.err"
	rc=$?
	if [ $rc = "$want" ] && grep -q "^error	code=$code	" "$work/e.err"; then ok "$name"; else
		not_ok "$name" "exit $rc, want $want" "$(cat "$work/e.err")"
	fi
}
err_check "diagnostics disabled: exit 3" 3 diagnostics-disabled "$agent" trace --pid "$off_pid" --duration 1s
err_check "no such process: exit 3" 3 no-process "$agent" dump --pid 2147483646
err_check "not a .NET process: exit 3" 3 no-socket "$agent" stack --pid $$
err_check "several apps, no --pid: exit 3" 3 ambiguous "$agent" trace --duration 1s
err_check "unknown option: exit 2" 2 usage "$agent" trace --pid "$fd_pid" --bogus 1
err_check "bad provider: exit 2" 2 usage "$agent" trace --pid "$fd_pid" --providers 'X:zz'
err_check "unknown profile: exit 2" 2 usage "$agent" trace --pid "$fd_pid" --profile nope
err_check "bad dump type: exit 2" 2 usage "$agent" dump --pid "$fd_pid" --type huge
err_check "dump path the app cannot write: exit 5, the runtime's HRESULT" 5 runtime \
	"$agent" dump --pid "$nr_pid" --type mini --output /proc/dotnetprof-cannot-write-here
check "runtime errors name the HRESULT and carry createdump's message" \
	grep -q "hresult=0x80004005	hresult_name=E_FAIL	message=.*createdump" "$work/e.err"
# a socket of the right name that another user owns is refused (it is not the app's)
sock=$(ls -d /tmp/dotnet-diagnostic-"$nr_pid"-*-socket)
mv "$sock" "$sock.away"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$sock"
err_check "a socket owned by another uid: exit 4, uid-mismatch" 4 uid-mismatch \
	"$agent" trace --pid "$nr_pid" --duration 1s
rm -f "$sock"
mv "$sock.away" "$sock"

# ---- the debug container's view: an empty root with only the agent and /proc --------------------
mkdir -p "$work/root/proc"
cp "$agent" "$work/root/agent"
unshare -m sh -c "mount --bind /proc '$work/root/proc' && chroot '$work/root' /agent trace --pid $fd_pid --duration 1s" \
	>"$work/ch.nettrace" 2>"$work/ch.err"
verify "agent alone in an empty root (static; socket through /proc/PID/root)" "$work/ch.nettrace" "$work/ch.err"

# ---- the arm agents, under qemu-user ---------------------------------------------------------------
for q in arm64:qemu-aarch64-static arm:qemu-arm-static; do
	arch=${q%%:*} qemu=${q#*:} bin=$top/build/agent/$arch/dotnetprof-agent
	[ -x "$bin" ] || { not_ok "$arch agent built" "$bin is missing"; continue; }
	command -v "$qemu" >/dev/null || { not_ok "$arch agent runs" "$qemu missing: scripts/ensure-deps.sh test"; continue; }
	check "$arch agent: version" sh -c "'$qemu' '$bin' version | grep -q 'arch=$arch	libc=musl'"
	r=$(rec <("$qemu" "$bin" list --pid "$fd_pid") proc)
	check "$arch agent: list --pid" [ "$(field "$r" info)" = ProcessInfo3 ]
	"$qemu" "$bin" stack --pid "$fd_pid" >"$work/$arch.nettrace" 2>"$work/$arch.err"
	verify "$arch agent: stack" "$work/$arch.nettrace" "$work/$arch.err"
done

if [ $fails -gt 0 ]; then
	echo "agent_test: $fails check(s) failed"
	exit 1
fi
echo "agent_test: all checks passed"
