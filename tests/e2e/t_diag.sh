# t_diag.sh - the diagnostics verbs (trace, dump, gcdump, counters, stack) against the real sample app
# with Microsoft's real tools: artifacts that the real tools open, every pod shape of the stand-in
# (non-root, read-only root, noexec /tmp, TMPDIR, not pid 1, two processes, sidecar, workloads,
# another namespace, no network, download in the pod), Ctrl-C, reuse of the tool in the pod, and the
# errors (bad downloads, no shared runtime, diagnostics disabled, existing output, no space, bad
# flags), each with its exit code.
#
# Sourced by run.sh (lib.sh's run/check/assert). Every artifact is validated here: a nettrace file
# starts with "Nettrace"; a core dump is ELF with e_type 4; the host's real tools open them.

HOST_TOOLS=$E2E_TOP/build/tools/linux-x64
APP_URL=http://127.0.0.1:30080 # sample-app
WS=/tmp/.dotnetprof            # sample-app's workspace (writable, exec /tmp)

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

is_nettrace() { [ -f "$1" ] && [ "$(head -c 8 "$1")" = Nettrace ]; }
is_core() { # ELF magic, e_type (bytes 16-17, little endian) == 4 (ET_CORE)
	[ -f "$1" ] && [ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] &&
		[ "$(od -An -tx1 -j16 -N2 "$1" | tr -d ' \n')" = 0400 ]
}
# host_tool TOOL ARGS...: Microsoft's tool from build/tools, run here on the host's runtime
host_tool() {
	local t=$1
	shift
	DOTNET_BUNDLE_EXTRACT_BASE_DIR="$out/x" DOTNET_ROOT=${DOTNET_ROOT:-/usr/share/dotnet} \
		timeout 180 "$HOST_TOOLS/$t" "$@"
}
# spins_in FILE: the trace, converted to speedscope by the real dotnet-trace, has the hot method
spins_in() {
	rm -f "$1".speedscope*.json
	host_tool dotnet-trace convert --format speedscope -o "$1.speedscope.json" "$1" >"$1.convert.log" 2>&1 &&
		grep -q 'SampleApp.HotPath.SpinForProfiler' "$1".speedscope*.json
}
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

tools_clear

# ---- trace: sample-app, the real tool opens it, the pod is left clean ---------------------------

kubectl dotnetprof clean sample-app >/dev/null 2>&1 || true
hot 30080 25
run kubectl dotnetprof trace sample-app --duration 5s -o app.nettrace
cool
check "trace sample-app --duration 5s -o app.nettrace" 0 'app\.nettrace' ''
assert "app.nettrace starts with Nettrace" is_nettrace app.nettrace
assert "dotnet-trace convert finds SampleApp.HotPath.SpinForProfiler in app.nettrace" spins_in app.nettrace
assert "after the trace the workspace holds only manifest and tools/ ($(ws_listing sample-app))" \
	test "$(ws_listing sample-app)" = "manifest tools "
run kubectl exec sample-app -- sh -c 'cat "$1"/manifest' sh "$WS"
check "the manifest lists tools/dotnet-trace (so clean knows it)" 0 'tools/dotnet-trace' ''
run kubectl exec sample-app -- sh -c 'ls -A "$1"/tools; ls -A /tmp' sh "$WS"
check_not "no trace, run directory or extraction left in the pod" '\.nettrace|runs'

# ---- the same trace in every pod shape ------------------------------------------------------------

for p in sample-nonroot sample-readonly sample-noexec sample-tmpdir sample-notpid1; do
	run kubectl dotnetprof trace "$p" --duration 3s -o "$p.nettrace"
	check "trace $p" 0 "$p\\.nettrace" ''
	assert "$p.nettrace is a nettrace file" is_nettrace "$p.nettrace"
done

run kubectl dotnetprof trace sample-twoproc --duration 3s -o twoproc.nettrace
check "trace sample-twoproc without -p/--process-name: ambiguous, lists both" 4 '' 'SampleApp'
check "... and names the second process too" 4 '' 'Worker'
assert "no file written for the ambiguous trace" test ! -e twoproc.nettrace
run kubectl dotnetprof trace sample-twoproc -p 3 --duration 3s -o twoproc-p3.nettrace
check "trace sample-twoproc -p 3" 0 'twoproc-p3\.nettrace' ''
assert "twoproc-p3.nettrace is a nettrace file" is_nettrace twoproc-p3.nettrace
for name in Worker SampleApp; do
	run kubectl dotnetprof trace sample-twoproc --process-name "$name" --duration 3s -o "twoproc-$name.nettrace"
	check "trace sample-twoproc --process-name $name" 0 "twoproc-$name\\.nettrace" ''
	assert "twoproc-$name.nettrace is a nettrace file" is_nettrace "twoproc-$name.nettrace"
done

run kubectl dotnetprof trace sample-sidecar -c app --duration 3s -o sidecar.nettrace
check "trace sample-sidecar -c app" 0 'sidecar\.nettrace' ''
assert "sidecar.nettrace is a nettrace file" is_nettrace sidecar.nettrace

run kubectl dotnetprof trace deploy/sample-api --duration 3s -o api.nettrace
check "trace deploy/sample-api (2 pods): ambiguous, lists them" 4 '' 'sample-api-5d8c7b9f4-x7k2p'
run kubectl dotnetprof trace sample-api-5d8c7b9f4-x7k2p --duration 3s -o api.nettrace
check "trace one pod of deploy/sample-api by name" 0 'api\.nettrace' ''
assert "api.nettrace is a nettrace file" is_nettrace api.nettrace

run kubectl dotnetprof trace sample-b -n team-b --duration 3s -o team-b.nettrace
check "trace sample-b -n team-b" 0 'team-b\.nettrace' ''
assert "team-b.nettrace is a nettrace file" is_nettrace team-b.nettrace

# sample-isolated: loopback only, the tools server is unreachable from it; --download local pushes
kubectl dotnetprof clean sample-isolated >/dev/null 2>&1 || true
run kubectl dotnetprof trace sample-isolated --download pod --tools-url "$POD_TOOLS_URL" --duration 3s -o iso-pod.nettrace
check "sample-isolated: --download pod fails (no network in the pod)" "$(ex DOWNLOAD)" '' 'kubectl-dotnetprof: '
run kubectl dotnetprof trace sample-isolated --download local --duration 3s -o isolated.nettrace
check "sample-isolated: trace --download local" 0 'isolated\.nettrace' ''
assert "isolated.nettrace is a nettrace file" is_nettrace isolated.nettrace

# --download pod: the pod (curl) fetches from a URL only pods can resolve; nothing cached here
kubectl dotnetprof clean sample-debian >/dev/null 2>&1 || true
podcache=$(fresh_cache)
assert "premise: this host cannot reach $POD_TOOLS_URL (only pods resolve the name)" \
	sh -c "! curl -s -m 5 -o /dev/null '$POD_TOOLS_URL/_faults'"
before=$(tools_lines)
run env XDG_CACHE_HOME="$podcache" DOTNETPROF_TOOLS_URL="$POD_TOOLS_URL" \
	kubectl dotnetprof trace sample-debian --download pod --duration 3s -o debian.nettrace
check "trace sample-debian --download pod with a tools URL only the pod resolves" 0 'debian\.nettrace' ''
assert "debian.nettrace is a nettrace file" is_nettrace debian.nettrace
assert "the pod downloaded the tool (tools.log has a new GET /download/)" \
	sh -c "tail -n +$((before + 1)) '$TOOLS_LOG' | grep -q '\"/download/'"
assert "nothing was cached here with --download pod" cache_has_no_tool "$podcache"

# ---- Ctrl-C: SIGINT to the plugin's process group 3 s into a 60 s trace --------------------------
# On sample-agent-h5x2k (30094), so that a tool left running could not disturb the other checks.

IP=sample-agent-h5x2k
hot 30094 60
rm -f int.nettrace
# A terminal's Ctrl-C signals the whole foreground process group: own group (setsid), and SIGINT
# restored to default (a background job of a script starts with it ignored).
setsid python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' \
	kubectl dotnetprof trace $IP --duration 60s -o int.nettrace >int.out 2>int.err </dev/null &
ipid=$!
# 3 s after the tool started tracing (the plugin says "tracing process ..." then)
for _ in $(seq 1 600); do
	grep -q 'tracing process' int.err 2>/dev/null && break
	kill -0 "$ipid" 2>/dev/null || break
	sleep 0.1
done
sleep 3
t0=$(date +%s)
kill -INT -- "-$ipid" 2>/dev/null || kill -INT "$ipid"
irc=timeout
for _ in $(seq 1 100); do
	if ! kill -0 "$ipid" 2>/dev/null; then
		irc=0
		wait "$ipid" || irc=$?
		break
	fi
	sleep 0.1
done
elapsed=$(($(date +%s) - t0))
if [ "$irc" = timeout ]; then
	kill -KILL -- "-$ipid" 2>/dev/null
	wait "$ipid" 2>/dev/null
fi
cool
OUT=$(cat int.out) ERR=$(cat int.err) RC=$irc LAST_CMD="SIGINT 3 s into: kubectl dotnetprof trace $IP --duration 60s"
check "Ctrl-C 3 s into a 60 s trace: exit 0 (documented: stopped early, the trace is kept)" 0 'int\.nettrace' 'Ctrl-C'
assert "... it exited within 10 s of SIGINT (took ${elapsed}s)" test "$irc" != timeout -a "$elapsed" -le 10
assert "... int.nettrace is a valid nettrace file" is_nettrace int.nettrace
sleep 2
run kubectl exec $IP -- sh -c 'for f in /proc/[0-9]*/cmdline; do tr "\0" " " <"$f"; echo; done 2>/dev/null'
check_not "... and no dotnet-trace is left running in the pod" 'dotnet-trace'

# ---- dump, gcdump, counters, stack -----------------------------------------------------------------

run kubectl dotnetprof dump sample-app --type heap -o heap.core
check "dump sample-app --type heap -o heap.core" 0 'heap\.core' ''
assert "heap.core is an ELF core file (e_type 4)" is_core heap.core
analyze() {
	host_tool dotnet-dump analyze heap.core -c "dumpheap -stat" -c exit >analyze.out 2>&1 &&
		grep -q 'System.String' analyze.out
}
assert "dotnet-dump analyze opens heap.core (dumpheap -stat)" analyze
rm -f heap.core

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

hot 30080 20
run kubectl dotnetprof stack sample-app
cool
check "stack sample-app during /high-cpu shows SpinForProfiler" 0 'SpinForProfiler' ''

# ---- a second trace reuses the pod's tool: no download, no upload ---------------------------------
# Two traces back to back on sample-agent-h5x2k (the first makes sure the tool is there).

run kubectl dotnetprof trace sample-agent-h5x2k --duration 2s -o first.nettrace
check "a first trace of sample-agent-h5x2k" 0 'first\.nettrace' ''
before=$(tools_lines)
run kubectl dotnetprof -v trace sample-agent-h5x2k --duration 2s -o again.nettrace
check "a second trace says the pod's copy was reused (-v)" 0 'again\.nettrace' 'reused the copy in the pod'
check_not "... and pushed or downloaded nothing" 'pushed dotnet-trace|pushed from|downloaded|downloading|uploading'
assert "... and the tools server saw no new GET" test "$(tools_gets_since "$before")" = 0
assert "again.nettrace is a nettrace file" is_nettrace again.nettrace

# ---- errors ---------------------------------------------------------------------------------------

# Bad downloads: a pod without the tool (sample-db-0, cleaned), an empty local cache.
for mode in corrupt html; do
	kubectl dotnetprof clean sample-db-0 >/dev/null 2>&1 || true
	c=$(fresh_cache)
	tools_fault "{\"mode\": \"$mode\"}"
	run env XDG_CACHE_HOME="$c" kubectl dotnetprof trace sample-db-0 --download local --duration 2s -o "bad-$mode.nettrace"
	tools_clear
	check "a $mode download is refused (DPX_BADTOOL)" "$(ex BADTOOL)" '' 'kubectl-dotnetprof: '
	assert "... nothing was cached after the $mode download" cache_has_no_tool "$c"
	assert "... no output file after the $mode download" test ! -e "bad-$mode.nettrace"
done

kubectl dotnetprof clean sample-db-0 >/dev/null 2>&1 || true
c=$(fresh_cache)
tools_fault '{"mode": "500"}'
run env XDG_CACHE_HOME="$c" kubectl dotnetprof trace sample-db-0 --download local --duration 2s -o bad-500.nettrace
tools_clear
check "tools URL answers 500 (DPX_DOWNLOAD)" "$(ex DOWNLOAD)" '' '500'

c=$(fresh_cache)
tools_fault '{"mode": "hang"}'
t0=$(date +%s)
run env XDG_CACHE_HOME="$c" kubectl dotnetprof trace sample-db-0 --download local --duration 2s -o bad-hang.nettrace
elapsed=$(($(date +%s) - t0))
tools_clear
check "a tools server that never answers is a download error, not a hang (DPX_DOWNLOAD)" "$(ex DOWNLOAD)" '' \
	'kubectl-dotnetprof: '
assert "... it gave up within 60 s (took ${elapsed}s)" test "$elapsed" -le 60

run kubectl dotnetprof trace sample-selfcontained --duration 2s -o sc.nettrace
check "a self-contained app (no shared runtime) is DPX_NODOTNET" "$(ex NODOTNET)" '' 'self-contained|shared .*runtime'

run kubectl dotnetprof trace sample-nodiag --duration 2s -o nodiag.nettrace
check "DOTNET_EnableDiagnostics=0 is DPX_NODOTNET and says so" "$(ex NODOTNET)" '' 'DOTNET_EnableDiagnostics'

echo precious >exists.nettrace
run kubectl dotnetprof trace sample-app --duration 2s -o exists.nettrace
check "an existing output file is refused (DPX_EXISTS)" "$(ex EXISTS)" '' 'exists\.nettrace'
assert "... and left unchanged" test "$(cat exists.nettrace)" = precious

run kubectl dotnetprof dump sample-smalltmp --type heap -o small.core
check "a heap dump that cannot fit in the pod's 64 MiB /tmp is DPX_NOSPACE" "$(ex NOSPACE)" '' 'space'
assert "... no dump file here" test ! -e small.core
run kubectl exec sample-smalltmp -- sh -c 'df -k /tmp | tail -n 1'
check "... and nothing big is left in sample-smalltmp's /tmp" 0 '^tmpfs +65536 +[0-9]{1,5} ' ''
# --force past the estimate: createdump runs out of space; that is said as such (DPX_NOSPACE), not
# as a tool failure, and nothing is left behind
run kubectl dotnetprof dump sample-smalltmp --type heap -o forced.core --force
check "a forced heap dump that runs out of space in the pod is DPX_NOSPACE, said as such" "$(ex NOSPACE)" '' 'ran out of space in pod "sample-smalltmp"'
assert "... no dump file here" test ! -e forced.core -a ! -e forced.core.part
run kubectl exec sample-smalltmp -- sh -c 'df -k /tmp | tail -n 1'
check "... and nothing big is left in sample-smalltmp's /tmp" 0 '^tmpfs +65536 +[0-9]{1,5} ' ''

run kubectl dotnetprof trace sample-app --profile no-such-profile --duration 2s -o badprofile.nettrace
if [ "$RC" != 0 ] && printf '%s\n' "$ERR" | grep -q 'no-such-profile'; then
	_result ok "an unknown --profile fails with dotnet-trace's own error naming it"
else
	_result "not ok" "an unknown --profile fails with dotnet-trace's own error naming it"
fi
assert "... and writes no file" test ! -e badprofile.nettrace

for d in 5x abc 0s 30s5m; do
	run kubectl dotnetprof trace sample-app --duration "$d"
	check "malformed --duration $d is a usage error" "$(ex USAGE)" '' 'duration'
done

tools_clear
rm -f ./*.nettrace ./*.speedscope.json ./*.core ./*.gcdump
