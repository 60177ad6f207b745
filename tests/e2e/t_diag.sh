# t_diag.sh - the diagnostics verbs (trace, dump, gcdump, counters, stack) against the real sample app,
# with both engines: dotnetprof-agent (--engine agent, the default) and Microsoft's real tools
# (--engine tools). Artifacts that the real tools open, every pod shape of the stand-in (non-root,
# read-only root, noexec /tmp, TMPDIR, a TMPDIR that cuts the socket's name, not pid 1, two
# processes, sidecar, workloads, another namespace, self-contained, a root exec with a non-root app,
# an arm64 pod, no network, download in the pod), Ctrl-C and a killed kubectl, reuse of what is in
# the pod, and the errors (bad downloads, no shared runtime, diagnostics disabled, existing output,
# no space, bad flags), each with its exit code.
#
# Parameters (environment):
#   E2E_DIAG_ENGINES  the engines to run the per-engine checks with (default "agent tools")
#   E2E_DIAG_MATRIX   subset (default): every pod shape with the agent, a representative few with
#                     the tools; full: every pod shape with both (make e2e-matrix)
#
# Sourced by run.sh (lib.sh's run/check/assert). Every artifact is validated here: a nettrace file
# starts with "Nettrace" and is read by the real dotnet-trace (report, convert) and by our own
# reader; a core dump is ELF with e_type 4 and dotnet-dump analyze opens it.

HOST_TOOLS=$E2E_TOP/build/tools/linux-x64
NUGET_TRACE=$E2E_TOP/build/nuget-tools/dotnet-trace/dotnet-trace
APP_URL=http://127.0.0.1:30080 # sample-app
WS=/tmp/.dotnetprof            # sample-app's workspace (writable, exec /tmp)
ENGINES=${E2E_DIAG_ENGINES:-agent tools}
MATRIX=${E2E_DIAG_MATRIX:-subset}

out=$E2E_WORK/diag
mkdir -p "$out/cache" "$out/x" "$out/ts"
cd "$out" || exit 1
# Our own local tool cache: the first trace downloads into it, later runs push from it.
export XDG_CACHE_HOME=$out/cache

# A tools server of our own (the stand-in's toolserver.py on another port): its log and its faults are
# ours alone, whoever else uses the stand-in's server at 18080 meanwhile. Pods reach it too (they share
# the host network), by 127.0.0.1 or by tools.dotnetprof.test, which only pods resolve.
TS_PORT=${E2E_DIAG_TOOLS_PORT:-18190}
python3 "$E2E_TOP/tests/cluster/toolserver.py" --port "$TS_PORT" --dir "$E2E_TOP/build/tools" --state "$out/ts" \
	>"$out/ts/server.out" 2>&1 &
TS_PID=$!
trap 'kill "$TS_PID" 2>/dev/null; wait "$TS_PID" 2>/dev/null' EXIT
TOOLS_URL=http://127.0.0.1:$TS_PORT
POD_TOOLS_URL=http://tools.dotnetprof.test:$TS_PORT
TOOLS_LOG=$out/ts/tools.log
export DOTNETPROF_TOOLS_URL=$TOOLS_URL
for _ in $(seq 1 50); do
	curl -sf "$TOOLS_URL/_faults" >/dev/null 2>&1 && break
	sleep 0.2
done
assert "our tools server answers on port $TS_PORT" curl -sf "$TOOLS_URL/_faults" -o /dev/null

# ---- helpers -------------------------------------------------------------------------------------

# host_tool TOOL ARGS...: Microsoft's tool from build/tools, run here on the host's runtime
host_tool() {
	local t=$1
	shift
	DOTNET_BUNDLE_EXTRACT_BASE_DIR="$out/x" DOTNET_ROOT=${DOTNET_ROOT:-/usr/share/dotnet} \
		timeout 180 "$HOST_TOOLS/$t" "$@"
}
# spins_in FILE: the trace, converted to speedscope by the real dotnet-trace, has the hot method
# (named: the rundown, which the runtime sends last, is in the file)
spins_in() {
	rm -f "$1".speedscope*.json
	host_tool dotnet-trace convert --format speedscope -o "$1.speedscope.json" "$1" >"$1.convert.log" 2>&1 &&
		grep -q 'SampleApp.HotPath.SpinForProfiler' "$1".speedscope*.json
}
# reported_by_dotnet_trace FILE: `dotnet-trace report FILE topN` (the NuGet tool) reads it and names
# the hot method
reported_by_dotnet_trace() {
	timeout 180 "$NUGET_TRACE" report "$1" topN -n 10 >"$1.report.log" 2>&1 &&
		grep -q 'SpinForProfiler' "$1.report.log"
}
# read_by_ours FILE: our reader's thread-time view names the hot method
read_by_ours() { kubectl-dotnetprof report "$1" --view thread-time --top 10 2>&1 | grep -q SpinForProfiler; }
# hot PORT SECONDS: keep one thread of the app on that port in SpinForProfiler (background)
hot() {
	curl -s --max-time $(($2 + 30)) "http://127.0.0.1:$1/high-cpu?seconds=$2&threads=1" >/dev/null 2>&1 &
	HOT_PID=$!
	sleep 0.5
}
cool() { wait "$HOT_PID" 2>/dev/null || true; }
tools_fault() { # JSON: a fault of the tools server (toolserver.py)
	curl -sf -X POST -H 'Content-Type: application/json' -d "$1" "$TOOLS_URL/_faults" >/dev/null
}
tools_clear() { curl -sf -X DELETE "$TOOLS_URL/_faults" >/dev/null || true; }
tools_lines() { [ -f "$TOOLS_LOG" ] && wc -l <"$TOOLS_LOG" || echo 0; }
# tools_gets_since N: requests (any GET) the tools server logged after line N
tools_gets_since() { tail -n +"$(($1 + 1))" "$TOOLS_LOG" 2>/dev/null | grep -c '"GET"' || true; }
ws_listing() { # POD [NS]: the workspace's top-level entries, sorted, on one line
	kubectl exec "$1" -n "${2:-default}" -- sh -c 'ls -A "$1"' sh "$WS" 2>/dev/null | sort | tr '\n' ' '
}
fresh_cache() { # a new, empty XDG_CACHE_HOME; prints its path
	local d
	d=$(mktemp -d "$out/cache.XXXXXX")
	echo "$d"
}
cache_has_no_tool() { ! find "$1" -type f -name 'dotnet-*' 2>/dev/null | grep -q .; }
# procs_in POD: the command lines of the pod's processes, one per line
procs_in() { kubectl exec "$1" -- sh -c 'for f in /proc/[0-9]*/cmdline; do tr "\0" " " <"$f"; echo; done 2>/dev/null'; }
# eventpipe_threads POD: the app's (pid 1) EventPipe threads; a streaming session adds its own
eventpipe_threads() {
	kubectl exec "$1" -- sh -c 'cat /proc/1/task/*/comm 2>/dev/null' | grep -c '^\.NET EventPipe'
}
# e_sigint_in OUT ERR SECONDS CMD...: CMD in its own process group with SIGINT at its default (as a
# terminal runs it); SIGINT to the group SECONDS after it said "tracing process"; sets RC (or
# "timeout" after 10 s) and ELAPSED
e_sigint_in() {
	local o=$1 e=$2 s=$3 pid t0 _
	shift 3
	setsid python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' \
		"$@" >"$o" 2>"$e" </dev/null &
	pid=$!
	for _ in $(seq 1 600); do
		grep -q 'tracing process' "$e" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	sleep "$s"
	t0=$(date +%s)
	kill -INT -- "-$pid" 2>/dev/null || kill -INT "$pid"
	RC=timeout
	for _ in $(seq 1 100); do
		if ! kill -0 "$pid" 2>/dev/null; then
			RC=0
			wait "$pid" || RC=$?
			break
		fi
		sleep 0.1
	done
	ELAPSED=$(($(date +%s) - t0))
	if [ "$RC" = timeout ]; then
		kill -KILL -- "-$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	OUT=$(cat "$o") ERR=$(cat "$e") LAST_CMD="SIGINT $s s into: $*"
}

tools_clear

# ---- per engine ------------------------------------------------------------------------------------

# The pod shapes every engine traces (each: its own scenario of the stand-in).
ALL_SHAPES="sample-nonroot sample-readonly sample-noexec sample-tmpdir sample-notpid1 sample-debian sample-db-0"
# What the agent reaches and the tools cannot (no shared runtime; a socket's name cut short).
AGENT_ONLY="sample-selfcontained sample-longtmp"

diag_engine() {
	local E=$1 shapes tool p name
	export DOTNETPROF_ENGINE=$E
	if [ "$E" = agent ]; then tool=dotnetprof-agent; else tool=dotnet-trace; fi
	echo "# engine: $E"

	# -- trace sample-app: the real dotnet-trace and our reader read it; the pod is left clean
	kubectl dotnetprof clean sample-app >/dev/null 2>&1 || true
	hot 30080 25
	run kubectl dotnetprof trace sample-app --duration 5s -o "app-$E.nettrace"
	cool
	check "[$E] trace sample-app --duration 5s" 0 "app-$E\\.nettrace" ''
	assert "[$E] app.nettrace starts with Nettrace" is_nettrace "app-$E.nettrace"
	assert "[$E] dotnet-trace convert finds SampleApp.HotPath.SpinForProfiler in app.nettrace" \
		spins_in "app-$E.nettrace"
	assert "[$E] dotnet-trace report reads app.nettrace and names SpinForProfiler" \
		reported_by_dotnet_trace "app-$E.nettrace"
	assert "[$E] our reader (report --view thread-time) names SpinForProfiler" read_by_ours "app-$E.nettrace"
	check "[$E] trace prints the top methods and the flame graph's command" 0 \
		"report .*app-$E\\.nettrace --format flamegraph" ''
	assert "[$E] after the trace the workspace holds only manifest and tools/ ($(ws_listing sample-app))" \
		test "$(ws_listing sample-app)" = "manifest tools "
	run kubectl exec sample-app -- sh -c 'cat "$1"/manifest' sh "$WS"
	check "[$E] the manifest lists tools/$tool (so clean knows it)" 0 "tools/$tool" ''
	run kubectl exec sample-app -- sh -c 'ls -A "$1"/tools; ls -A /tmp' sh "$WS"
	check_not "[$E] no trace, run directory or extraction left in the pod" '\.nettrace|runs'

	# -- the same trace in every pod shape
	# sample-rootexec: root without CAP_SYS_PTRACE cannot read the app's maps; the agent runs as
	# the app's user, Microsoft's tools cannot
	if [ "$E" = agent ]; then
		shapes="$ALL_SHAPES sample-rootexec"
	elif [ "$MATRIX" = full ]; then
		shapes=$ALL_SHAPES
	else
		shapes="sample-nonroot sample-tmpdir"
	fi
	if [ "$E" = tools ]; then
		run kubectl dotnetprof trace sample-rootexec --duration 3s -o "sample-rootexec-$E.nettrace"
		check "[$E] trace sample-rootexec: root without SYS_PTRACE cannot; exit 6 points to the agent" \
			"$(ex FORBIDDEN)" '' 'CAP_SYS_PTRACE'
	fi
	for p in $shapes; do
		run kubectl dotnetprof trace "$p" --duration 3s -o "$p-$E.nettrace"
		check "[$E] trace $p" 0 "$p-$E\\.nettrace" ''
		assert "[$E] $p.nettrace is a nettrace file" is_nettrace "$p-$E.nettrace"
	done

	run kubectl dotnetprof trace sample-twoproc --duration 3s -o "twoproc-$E.nettrace"
	check "[$E] trace sample-twoproc without -p/--process-name: ambiguous, lists both" 4 '' 'SampleApp'
	check "[$E] ... and names the second process too" 4 '' 'Worker'
	assert "[$E] no file written for the ambiguous trace" test ! -e "twoproc-$E.nettrace"
	run kubectl dotnetprof trace sample-twoproc -p 3 --duration 3s -o "twoproc-p3-$E.nettrace"
	check "[$E] trace sample-twoproc -p 3 (pid 3 of the container, not its first process)" 0 \
		"twoproc-p3-$E\\.nettrace" ''
	assert "[$E] twoproc-p3.nettrace is a nettrace file" is_nettrace "twoproc-p3-$E.nettrace"
	for name in Worker SampleApp; do
		run kubectl dotnetprof trace sample-twoproc --process-name "$name" --duration 3s -o "twoproc-$name-$E.nettrace"
		check "[$E] trace sample-twoproc --process-name $name" 0 "twoproc-$name-$E\\.nettrace" ''
		assert "[$E] twoproc-$name.nettrace is a nettrace file" is_nettrace "twoproc-$name-$E.nettrace"
	done

	run kubectl dotnetprof trace sample-sidecar -c app --duration 3s -o "sidecar-$E.nettrace"
	check "[$E] trace sample-sidecar -c app" 0 "sidecar-$E\\.nettrace" ''
	assert "[$E] sidecar.nettrace is a nettrace file" is_nettrace "sidecar-$E.nettrace"

	run kubectl dotnetprof trace deploy/sample-api --duration 3s -o "api-$E.nettrace"
	check "[$E] trace deploy/sample-api (2 pods): ambiguous, lists them" 4 '' 'sample-api-5d8c7b9f4-x7k2p'
	run kubectl dotnetprof trace sample-api-5d8c7b9f4-x7k2p --duration 3s -o "api-$E.nettrace"
	check "[$E] trace one pod of deploy/sample-api by name" 0 "api-$E\\.nettrace" ''
	assert "[$E] api.nettrace is a nettrace file" is_nettrace "api-$E.nettrace"

	run kubectl dotnetprof trace sample-b -n team-b --duration 3s -o "team-b-$E.nettrace"
	check "[$E] trace sample-b -n team-b" 0 "team-b-$E\\.nettrace" ''
	assert "[$E] team-b.nettrace is a nettrace file" is_nettrace "team-b-$E.nettrace"

	# -- what only the agent reaches; the tools say why they cannot
	for p in $AGENT_ONLY; do
		run kubectl dotnetprof trace "$p" --duration 3s -o "$p-$E.nettrace"
		if [ "$E" = agent ]; then
			check "[$E] trace $p" 0 "$p-$E\\.nettrace" ''
			assert "[$E] $p.nettrace is a nettrace file" is_nettrace "$p-$E.nettrace"
		else
			check "[$E] trace $p is refused with the reason (DPX_NODOTNET)" "$(ex NODOTNET)" '' \
				'self-contained|no diagnostics socket'
			[ "$p" != sample-selfcontained ] ||
				check "[$E] ... and its hint points to the agent, which needs no runtime" \
					"$(ex NODOTNET)" '' 'hint: drop --engine tools: the agent'
		fi
	done

	# -- Ctrl-C: SIGINT to the plugin's process group 3 s into a 60 s trace. On sample-agent-h5x2k
	# (30094), so that anything left running could not disturb the other checks.
	base=$(eventpipe_threads sample-agent-h5x2k)
	hot 30094 60
	rm -f "int-$E.nettrace"
	e_sigint_in "int-$E.out" "int-$E.err" 3 kubectl dotnetprof trace sample-agent-h5x2k --duration 60s -o "int-$E.nettrace"
	cool
	check "[$E] Ctrl-C 3 s into a 60 s trace: exit 0 (documented: stopped early, the trace is kept)" 0 \
		"int-$E\\.nettrace" 'Ctrl-C'
	assert "[$E] ... it exited within 10 s of SIGINT (took ${ELAPSED}s)" test "$RC" != timeout -a "$ELAPSED" -le 10
	assert "[$E] ... int.nettrace is a valid nettrace file" is_nettrace "int-$E.nettrace"
	assert "[$E] ... and complete: the rundown names SpinForProfiler (dotnet-trace convert)" spins_in "int-$E.nettrace"
	sleep 2
	run procs_in sample-agent-h5x2k
	check_not "[$E] ... and no $tool is left running in the pod" "$tool"
	assert "[$E] ... and no session is left in the app (EventPipe threads $(eventpipe_threads sample-agent-h5x2k), $base before)" \
		test "$(eventpipe_threads sample-agent-h5x2k)" = "$base"

	# -- dump, stack
	run kubectl dotnetprof dump sample-app --type heap -o "heap-$E.core"
	check "[$E] dump sample-app --type heap" 0 "heap-$E\\.core" ''
	assert "[$E] heap.core is an ELF core file (e_type 4)" is_core "heap-$E.core"
	analyze() {
		host_tool dotnet-dump analyze "heap-$E.core" -c "dumpheap -stat" -c exit >"analyze-$E.out" 2>&1 &&
			grep -q 'System.String' "analyze-$E.out"
	}
	assert "[$E] dotnet-dump analyze opens heap.core (dumpheap -stat)" analyze
	assert "[$E] heap.core is mode 0600 (it holds the process's memory)" test "$(stat -c %a "heap-$E.core")" = 600
	rm -f "heap-$E.core"
	run kubectl exec sample-app -- sh -c 'ls -A "$1"; ls -A /tmp' sh "$WS"
	check_not "[$E] no dump is left in the pod" 'core|runs'

	hot 30080 20
	run kubectl dotnetprof stack sample-app
	cool
	check "[$E] stack sample-app during /high-cpu shows SpinForProfiler" 0 'SpinForProfiler' ''
	check "[$E] ... in dotnet-stack's layout (Thread (0x...):, frames indented)" 0 \
		'^Thread \(0x[0-9A-F]+\):$' ''

	# -- errors
	run kubectl dotnetprof trace sample-nodiag --duration 2s -o "nodiag-$E.nettrace"
	check "[$E] DOTNET_EnableDiagnostics=0 is DPX_NODOTNET and says so" "$(ex NODOTNET)" '' 'DOTNET_EnableDiagnostics'

	echo precious >exists.nettrace
	run kubectl dotnetprof trace sample-app --duration 2s -o exists.nettrace
	check "[$E] an existing output file is refused (DPX_EXISTS)" "$(ex EXISTS)" '' 'exists\.nettrace'
	assert "[$E] ... and left unchanged" test "$(cat exists.nettrace)" = precious
	rm -f exists.nettrace

	run kubectl dotnetprof dump sample-smalltmp --type heap -o "small-$E.core"
	check "[$E] a heap dump that cannot fit in the pod's 64 MiB /tmp is DPX_NOSPACE" "$(ex NOSPACE)" '' 'space'
	assert "[$E] ... no dump file here" test ! -e "small-$E.core"
	run kubectl exec sample-smalltmp -- sh -c 'df -k /tmp | tail -n 1'
	check "[$E] ... and nothing big is left in sample-smalltmp's /tmp" 0 '^tmpfs +65536 +[0-9]{1,5} ' ''
	# --force past the estimate: the dump runs out of space in the pod; that is said as such
	# (DPX_NOSPACE), not as a tool failure, and nothing is left behind
	run kubectl dotnetprof dump sample-smalltmp --type heap -o "forced-$E.core" --force
	check "[$E] a forced heap dump that runs out of space in the pod is DPX_NOSPACE, said as such" \
		"$(ex NOSPACE)" '' 'ran out of space in pod "sample-smalltmp"'
	assert "[$E] ... no dump file here" test ! -e "forced-$E.core" -a ! -e "forced-$E.core.part"
	run kubectl exec sample-smalltmp -- sh -c 'df -k /tmp | tail -n 1'
	check "[$E] ... and nothing big is left in sample-smalltmp's /tmp after it" 0 '^tmpfs +65536 +[0-9]{1,5} ' ''

	run kubectl dotnetprof trace sample-app --profile no-such-profile --duration 2s -o "badprofile-$E.nettrace"
	if [ "$RC" != 0 ] && printf '%s\n' "$ERR" | grep -q 'no-such-profile'; then
		_result ok "[$E] an unknown --profile fails with an error naming it"
	else
		_result "not ok" "[$E] an unknown --profile fails with an error naming it"
	fi
	assert "[$E] ... and writes no file" test ! -e "badprofile-$E.nettrace" -a ! -e "badprofile-$E.nettrace.part"
}

for e in $ENGINES; do
	diag_engine "$e"
done
unset DOTNETPROF_ENGINE

# ---- the agent alone -----------------------------------------------------------------------------

# Little goes into a fresh pod, and a warm trace is the resolve and one exec.
kubectl dotnetprof clean sample-db-0 >/dev/null 2>&1 || true
run kubectl dotnetprof trace sample-db-0 --duration 2s -o fresh.nettrace
check "agent: a first trace of a cleaned pod pushes the agent" 0 'fresh\.nettrace' 'pushed dotnetprof-agent'
kb=$(kubectl exec sample-db-0 -- du -sk "$WS" | awk '{print $1}')
assert "agent: the pod then holds ${kb} KiB of ours (<= 300)" test "${kb:-999}" -le 300
run kubectl dotnetprof -v trace sample-db-0 --duration 2s -o warm.nettrace
check "agent: a warm trace pushes nothing" 0 'warm\.nettrace' 'nothing to push'
check_not "agent: ... (no push, no workspace exec)" 'pushed|workspace\.sh'
assert "agent: ... and runs kubectl twice: get, then one exec ($(printf '%s\n' "$ERR" | grep -c '^+ kubectl'))" \
	test "$(printf '%s\n' "$ERR" | grep -c '^+ kubectl')" = 2

# A copy in the pod that is not ours (changed by one byte) is replaced, never run.
kubectl exec sample-db-0 -- sh -c 'printf x >>"$1"/tools/dotnetprof-agent' sh "$WS"
run kubectl dotnetprof trace sample-db-0 --duration 2s -o replaced.nettrace
check "agent: a changed copy in the pod is pushed again" 0 'replaced\.nettrace' 'pushed dotnetprof-agent'

# Killing kubectl (and the plugin) mid-trace: the agent stops the runtime's session, nothing is left.
IP=sample-agent-h5x2k
base=$(eventpipe_threads "$IP")
setsid kubectl dotnetprof trace "$IP" --duration 60s -o killed.nettrace >killed.out 2>killed.err </dev/null &
kpid=$!
for _ in $(seq 1 600); do
	grep -q 'tracing process' killed.err 2>/dev/null && break
	sleep 0.1
done
sleep 3
during=$(eventpipe_threads "$IP")
kill -KILL -- "-$kpid" 2>/dev/null
wait "$kpid" 2>/dev/null
sleep 2
assert "agent: a session ran during the trace (EventPipe threads $during > $base)" test "$during" -gt "$base"
assert "agent: kubectl killed mid-trace: no session left in the app ($(eventpipe_threads "$IP") threads, $base before)" \
	test "$(eventpipe_threads "$IP")" = "$base"
run procs_in "$IP"
check_not "agent: ... and no agent left running in the pod" 'dotnetprof-agent'
assert "agent: ... and no killed.nettrace that looks complete" test ! -e killed.nettrace
rm -f killed.nettrace.part

# A root exec and an app of uid 1000: the dump goes to the app's TMPDIR and is removed once here.
run kubectl dotnetprof dump sample-rootexec --type mini -o rootexec.core
check "agent: dump of an app that runs as another user than the (root) exec" 0 'rootexec\.core' ''
assert "agent: rootexec.core is an ELF core" is_core rootexec.core
run kubectl exec sample-rootexec -- sh -c 'ls -A /tmp'
check_not "agent: ... and it is not left in the app's TMPDIR" 'dotnetprof-core'

# The arm64 pod (its uname says aarch64): the arm64 agent is pushed; qemu-user runs it on this host.
if [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
	run kubectl dotnetprof -v trace sample-arm64 --duration 2s -o arm64.nettrace
	check "agent: trace sample-arm64 runs the arm64 agent" 0 'arm64\.nettrace' 'linux-arm64'
	assert "agent: arm64.nettrace is a nettrace file" is_nettrace arm64.nettrace
else
	_result "not ok" "agent: trace sample-arm64 needs qemu-aarch64 in binfmt_misc (scripts/ensure-deps.sh test)"
fi

# stack in dotnet-stack's layout: the idle main thread's block is the one dotnet-stack prints.
main_block() { printf '%s\n' "$1" | awk '/^Thread \(0x1\):$/ { on = 1 } on && /^$/ { exit } on'; }
run kubectl dotnetprof stack sample-agent-h5x2k --engine tools
tools_main=$(main_block "$OUT")
run kubectl dotnetprof stack sample-agent-h5x2k
check "agent: stack sample-agent-h5x2k" 0 '^Thread \(0x1\):$' ''
assert "agent: ... its main thread reads as dotnet-stack's, line for line ($(printf '%s\n' "$tools_main" | wc -l) lines)" \
	test -n "$tools_main" -a "$(main_block "$OUT")" = "$tools_main"

# musl and busybox: the static agent runs there (musl-box runs no .NET: the probe says so).
run kubectl dotnetprof trace musl-box --duration 1s -o musl.nettrace
check "agent: musl-box (busybox, musl, no .NET): the probe runs and says no .NET process" "$(ex NODOTNET)" '' \
	'no \.NET process found.*linux-musl-x64'
run sh -c 'kubectl exec -i musl-box -- sh -c "cat >/tmp/agent && chmod 700 /tmp/agent && /tmp/agent version; rm -f /tmp/agent" <"$1"' \
	sh "$E2E_TOP/build/agent/x64/dotnetprof-agent"
check "agent: the x64 agent runs in the busybox/musl container" 0 '^agent	.*arch=x64	libc=musl' ''

# What trace writes beside the trace, here.
hot 30080 10
run kubectl dotnetprof trace sample-app --duration 3s -o side.nettrace --report flamegraph --report folded --format speedscope
cool
check "agent: --report flamegraph --report folded --format speedscope" 0 'side\.flamegraph\.html' ''
assert "agent: side.flamegraph.html names SpinForProfiler" grep -q SpinForProfiler side.flamegraph.html
assert "agent: side.folded has folded stacks" grep -qE '^[^ ].*;.* [0-9]+$' side.folded
assert "agent: side.speedscope.json is a speedscope file" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert "speedscope" in j["$schema"] and j["profiles"]' side.speedscope.json
run kubectl dotnetprof -q trace sample-app --duration 1s -o quiet.nettrace
check "agent: -q prints the saved file only" 0 'quiet\.nettrace' ''
check_not "agent: ... not the top methods" 'flame graph|excl'

# ---- the tools alone: how the tool gets into the pod ------------------------------------------------

export DOTNETPROF_ENGINE=tools

# A second trace reuses the pod's tool: no download, no upload.
run kubectl dotnetprof trace sample-agent-h5x2k --duration 2s -o first.nettrace
check "tools: a first trace of sample-agent-h5x2k" 0 'first\.nettrace' ''
before=$(tools_lines)
run kubectl dotnetprof -v trace sample-agent-h5x2k --duration 2s -o again.nettrace
check "tools: a second trace says the pod's copy was reused (-v)" 0 'again\.nettrace' 'reused the copy in the pod'
check_not "tools: ... and pushed or downloaded nothing" 'pushed dotnet-trace|pushed from|downloaded|downloading|uploading'
assert "tools: ... and the tools server saw no new GET" test "$(tools_gets_since "$before")" = 0
assert "tools: again.nettrace is a nettrace file" is_nettrace again.nettrace

# sample-isolated: loopback only, the tools server is unreachable from it; --download local pushes
kubectl dotnetprof clean sample-isolated >/dev/null 2>&1 || true
run kubectl dotnetprof trace sample-isolated --download pod --tools-url "$POD_TOOLS_URL" --duration 3s -o iso-pod.nettrace
check "tools: sample-isolated: --download pod fails (no network in the pod)" "$(ex DOWNLOAD)" '' 'kubectl-dotnetprof: '
run kubectl dotnetprof trace sample-isolated --download local --duration 3s -o isolated.nettrace
check "tools: sample-isolated: trace --download local" 0 'isolated\.nettrace' ''
assert "tools: isolated.nettrace is a nettrace file" is_nettrace isolated.nettrace

# --download pod: the pod (curl) fetches from a URL only pods can resolve; nothing cached here
kubectl dotnetprof clean sample-debian >/dev/null 2>&1 || true
podcache=$(fresh_cache)
assert "premise: this host cannot reach $POD_TOOLS_URL (only pods resolve the name)" \
	sh -c "! curl -s -m 5 -o /dev/null '$POD_TOOLS_URL/_faults'"
before=$(tools_lines)
run env XDG_CACHE_HOME="$podcache" DOTNETPROF_TOOLS_URL="$POD_TOOLS_URL" \
	kubectl dotnetprof trace sample-debian --download pod --duration 3s -o debian.nettrace
check "tools: trace sample-debian --download pod with a tools URL only the pod resolves" 0 'debian\.nettrace' ''
assert "tools: debian.nettrace is a nettrace file" is_nettrace debian.nettrace
assert "tools: the pod downloaded the tool (tools.log has a new GET /download/)" \
	sh -c "tail -n +$((before + 1)) '$TOOLS_LOG' | grep -q '\"/download/'"
assert "tools: nothing was cached here with --download pod" cache_has_no_tool "$podcache"

# Bad downloads: a pod without the tool (sample-db-0, cleaned), an empty local cache.
for mode in corrupt html; do
	kubectl dotnetprof clean sample-db-0 >/dev/null 2>&1 || true
	c=$(fresh_cache)
	tools_fault "{\"mode\": \"$mode\"}"
	run env XDG_CACHE_HOME="$c" kubectl dotnetprof trace sample-db-0 --download local --duration 2s -o "bad-$mode.nettrace"
	tools_clear
	check "tools: a $mode download is refused (DPX_BADTOOL)" "$(ex BADTOOL)" '' 'kubectl-dotnetprof: '
	assert "tools: ... nothing was cached after the $mode download" cache_has_no_tool "$c"
	assert "tools: ... no output file after the $mode download" test ! -e "bad-$mode.nettrace"
done

kubectl dotnetprof clean sample-db-0 >/dev/null 2>&1 || true
c=$(fresh_cache)
tools_fault '{"mode": "500"}'
run env XDG_CACHE_HOME="$c" kubectl dotnetprof trace sample-db-0 --download local --duration 2s -o bad-500.nettrace
tools_clear
check "tools: tools URL answers 500 (DPX_DOWNLOAD)" "$(ex DOWNLOAD)" '' '500'

c=$(fresh_cache)
tools_fault '{"mode": "hang"}'
t0=$(date +%s)
run env XDG_CACHE_HOME="$c" kubectl dotnetprof trace sample-db-0 --download local --duration 2s -o bad-hang.nettrace
elapsed=$(($(date +%s) - t0))
tools_clear
check "tools: a tools server that never answers is a download error, not a hang (DPX_DOWNLOAD)" "$(ex DOWNLOAD)" '' \
	'kubectl-dotnetprof: '
assert "tools: ... it gave up within 60 s (took ${elapsed}s)" test "$elapsed" -le 60
unset DOTNETPROF_ENGINE

# ---- gcdump and counters (Microsoft's tools, whatever the engine) --------------------------------

curl -sf --max-time 60 "$APP_URL/memory-leak?mb=50" >/dev/null
run kubectl dotnetprof gcdump sample-app -o leak.gcdump
check "gcdump sample-app after /memory-leak?mb=50 lists SampleApp.LeakedBlob among the top types" 0 \
	'SampleApp\.LeakedBlob' ''
assert "leak.gcdump exists and is not empty" test -s leak.gcdump
report() { host_tool dotnet-gcdump report leak.gcdump 2>&1 | grep -q 'SampleApp.LeakedBlob'; }
assert "dotnet-gcdump report leak.gcdump shows SampleApp.LeakedBlob" report
curl -sf --max-time 20 "$APP_URL/leak-reset" >/dev/null || true

run kubectl dotnetprof counters sample-app --duration 5s -o counters.csv
check "counters sample-app --duration 5s -o counters.csv" 0 'counters\.csv' ''
assert "counters.csv has System.Runtime rows" grep -q 'System.Runtime' counters.csv

# ---- flags ------------------------------------------------------------------------------------------

for d in 5x abc 0s 30s5m; do
	run kubectl dotnetprof trace sample-app --duration "$d"
	check "malformed --duration $d is a usage error" "$(ex USAGE)" '' 'duration'
done
run kubectl dotnetprof trace sample-app --engine dotnet
check "--engine takes agent or tools only" "$(ex USAGE)" '' 'engine'
run kubectl dotnetprof -v trace sample-app --download local --duration 2s -o implied-tools.nettrace
check "--download without --engine asks for Microsoft's tools (-v says why)" 0 'implied-tools\.nettrace' \
	'engine: tools \(--download'
run env DOTNETPROF_ENGINE=x kubectl dotnetprof trace sample-app
check "a bad DOTNETPROF_ENGINE is a usage error" "$(ex USAGE)" '' 'DOTNETPROF_ENGINE'
run kubectl dotnetprof trace sample-app --report svg
check "--report takes flamegraph, speedscope or folded" "$(ex USAGE)" '' 'report'

tools_clear
rm -f ./*.nettrace ./*.speedscope.json ./*.core ./*.gcdump ./*.html ./*.folded ./*.log
