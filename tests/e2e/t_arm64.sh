# t_arm64.sh - arm64 for real: sample-arm64-qemu runs the sample app published self-contained for
# linux-arm64, its arm64 code run by qemu-user through binfmt_misc (nothing fakes its uname there).
# ps reports linux-arm64 from the container's real `uname -m`; the plugin pushes its arm64 agent,
# which traces the app and takes its stacks end to end; Microsoft's tools, which need a shared
# runtime, are refused with a hint to the agent. A dump: createdump under qemu-user cannot ptrace
# (qemu does not emulate PTRACE_ATTACH), so the dump fails with a message that says so, and leaves
# nothing in the pod nor here.
#
# Sourced by run.sh (lib.sh's run/check/assert).

POD=sample-arm64-qemu
PORT=30106
ARM64_AGENT=$E2E_TOP/build/agent/arm64/dotnetprof-agent
NUGET_TRACE=$E2E_TOP/build/nuget-tools/dotnet-trace/dotnet-trace

out=$E2E_WORK/arm64
mkdir -p "$out"
cd "$out" || exit 1

# what the workspace in the pod holds (top level and runs/), one name a line: run kubectl "${LIST_WS[@]}"
LIST_WS=(exec "$POD" -- sh -c 'cd /tmp/.dotnetprof 2>/dev/null && ls -A . && { ls -A runs 2>/dev/null || true; }')

if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
	_result "not ok" "arm64: $POD needs qemu-aarch64 in binfmt_misc (scripts/ensure-deps.sh test, then standin.py up)"
	return 0
fi

kubectl dotnetprof clean "$POD" >/dev/null 2>&1 || true

# -- the container's own uname, and ps
run kubectl exec "$POD" -- uname -m
check "arm64: the container's uname -m says aarch64 (qemu-user runs its arm64 busybox)" 0 '^aarch64$' ''
run kubectl dotnetprof ps "$POD"
check "arm64: ps $POD reports linux-arm64" 0 'linux-arm64' ''
check "arm64: ps $POD lists the self-contained SampleApp, diagnostics ok" 0 'SampleApp .* ok ' ''
run kubectl dotnetprof ps "$POD" --json
assert "arm64: ps --json: arch aarch64, rid linux-arm64, pid 1 with a diagnostics socket" python3 -c '
import json, sys
pod = json.loads(sys.argv[1])["pods"][0]
assert pod["arch"] == "aarch64" and pod["rid"] == "linux-arm64", pod
assert any(p["pid"] == 1 and p["diagnostics"] == "ok" for p in pod["processes"]), pod' "$OUT"

# -- trace with the arm64 agent, under load: read by the real dotnet-trace and by our reader
curl -s --max-time 60 "http://127.0.0.1:$PORT/high-cpu?seconds=12&threads=1" >/dev/null 2>&1 &
hot_pid=$!
sleep 1
run kubectl dotnetprof -v trace "$POD" --duration 5s -o arm64.nettrace
wait "$hot_pid" 2>/dev/null || true
check "arm64: trace $POD (the agent, the default engine)" 0 'arm64\.nettrace' 'linux-arm64, agent in /tmp/\.dotnetprof'
check "arm64: ... the session is started with CollectTracing2" 0 '' 'started with CollectTracing2'
assert "arm64: arm64.nettrace is a nettrace file" is_nettrace arm64.nettrace
assert "arm64: the agent in the pod is the arm64 build, byte for byte" \
	sh -c 'kubectl exec "$1" -- cat /tmp/.dotnetprof/tools/dotnetprof-agent | cmp -s - "$2"' sh "$POD" "$ARM64_AGENT"
assert "arm64: the real dotnet-trace report reads the trace and names SpinForProfiler" \
	sh -c 'timeout 180 "$1" report arm64.nettrace topN -n 10 >arm64.report.log 2>&1 && grep -q SpinForProfiler arm64.report.log' \
	sh "$NUGET_TRACE"
run kubectl-dotnetprof report arm64.nettrace --view thread-time --top 10
check "arm64: our reader names SpinForProfiler in the arm64 app's trace" 0 'SpinForProfiler' ''
run kubectl "${LIST_WS[@]}"
check_not "arm64: no trace or run directory left in the pod" '\.nettrace|^runs$|^[0-9]{8}T'

# -- stack, in dotnet-stack's layout (the agent's sampling session, read here)
run kubectl dotnetprof stack "$POD"
check "arm64: stack $POD prints the main thread" 0 '^Thread \(0x1\):$' ''
check "arm64: ... down to the app's Main" 0 'SampleApp!Program\.<Main>\$' ''

# -- Microsoft's tools need a shared runtime: refused, with a hint to the agent
run kubectl dotnetprof trace "$POD" --engine tools --duration 1s -o tools.nettrace
check "arm64: trace --engine tools is refused: self-contained (DPX_NODOTNET)" "$(ex NODOTNET)" '' 'no shared \.NET runtime'
check "arm64: ... and the hint points to the agent" "$(ex NODOTNET)" '' 'hint: drop --engine tools'
assert "arm64: ... and writes nothing" test ! -e tools.nettrace

# -- dump: createdump under qemu-user cannot attach (ptrace is not emulated): said, nothing left
run kubectl dotnetprof dump "$POD" --type mini -o arm64.core
check "arm64: dump under qemu-user fails: createdump cannot ptrace" "$(ex ERROR)" '' 'ptrace\(ATTACH'
check "arm64: ... the hint names qemu-user" "$(ex ERROR)" '' 'hint: .*qemu-user'
check_not "arm64: ... createdump's lines are joined on one line (no \\n shown)" '\\n'
assert "arm64: ... no arm64.core here" test ! -e arm64.core -a ! -e arm64.core.part
run kubectl "${LIST_WS[@]}"
check_not "arm64: ... and no run directory left in the pod" '^runs$|^[0-9]{8}T'

run kubectl dotnetprof clean "$POD"
check "arm64: clean $POD" 0 '' ''
