# t_debug.sh - distroless, chiseled and locked-down pods through an ephemeral debug container (issue
# 17 acceptance): trace, stack and dump of the no-shell pods (root and non-root) and of the read-only
# noexec pod, a second run reusing the debug container, ps, fetch of an app file, counters and
# gcdump with an image that has the .NET runtime (and the message without one), clean (the debug
# container stopped, its record kept), and the errors a user meets: RBAC forbidding the
# subresource, an image that cannot be pulled, a cluster without ephemeral containers, an app whose
# /proc/PID/root the debug container may not open, an app with no writable directory.
# Runs under the kubectl minor the stand-in reports; `make e2e-debug-matrix` runs it under each.

standin() { python3 "$E2E_TOP/tests/cluster/standin.py" "$@" >/dev/null; }
local_sha() { sha256sum <"$1" | cut -d' ' -f1; }
# ours POD [STATE]: the names of the plugin's debug containers of POD (in STATE: running, waiting,
# terminated), in the order of the pod's spec
ours() {
	kubectl get pod "$1" -o json | python3 -c '
import json, sys
d = json.load(sys.stdin)
st = {s["name"]: next(iter(s.get("state") or {"waiting": {}}))
      for s in d["status"].get("ephemeralContainerStatuses", [])}
for c in d["spec"].get("ephemeralContainers", []):
    if c["name"].startswith("dotnetprof-") and (len(sys.argv) < 2 or st.get(c["name"]) == sys.argv[1]):
        print(c["name"])' ${2:+"$2"}
}
count() { ours "$@" | wc -l; }
# app_tmp_clean POD: the app's /tmp, seen from the running debug container, holds only the
# runtime's own files (no dump left behind)
app_tmp_clean() {
	local name
	name=$(ours "$1" running | tail -n 1)
	[ -n "$name" ] && ! kubectl exec "$1" -c "$name" -- ls -A /proc/1/root/tmp |
		grep -Ev '^(dotnet-diagnostic-|clr-debug-pipe-)'
}

out=$E2E_WORK/debug
mkdir -p "$out"
cd "$out" || exit 1
standin fault --clear
minor=$(kubectl version -o json 2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["serverVersion"]["minor"])')
echo "# kubectl $(kubectl version --client -o json | python3 -c 'import json, sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])'), server minor $minor"
# stop what earlier runs left running, so that each pod starts from "no running debug container"
for p in sample-distroless sample-chiseled sample-ro-noexec; do
	kubectl dotnetprof clean "$p" -q >/dev/null 2>&1
done

# ---- trace, stack, dump of each locked-down pod ---------------------------------------------------
for p in sample-distroless sample-chiseled sample-ro-noexec; do
	before=$(count "$p")
	run kubectl dotnetprof -v trace "$p" --duration 2s -o "$p.nettrace"
	check "$p: trace through a new debug container" 0 '' \
		"made the ephemeral debug container \"dotnetprof-app(-[0-9]+)?\" \(image docker\.io/library/busybox:1\.36\.1\)"
	assert "$p: the trace is a nettrace" is_nettrace "$p.nettrace"
	assert "$p: the command line -v shows is kubectl debug, replayable" \
		grep -Eq -- "^\+ (echo '\{\"securityContext\":\{\"runAsUser\":[0-9]+,\"runAsGroup\":[0-9]+\}\}' \| KUBECTL_DEBUG_CUSTOM_PROFILE=true )?kubectl -n default debug $p '--image=docker.io/library/busybox:1.36.1' '--target=app' '--container=dotnetprof-app[-0-9]*' '--profile=[a-z]+'( '--custom=/dev/stdin')? -- sleep infinity$" \
		<(printf '%s\n' "$ERR")
	assert "$p: one debug container more in the pod's spec" test "$(count "$p")" = $((before + 1))
	made=$(ours "$p" running | tail -n 1)

	run kubectl dotnetprof -v stack "$p"
	check "$p: stack through the same debug container" 0 '^Thread \(0x[0-9a-f]+\):' \
		"reusing the running one"
	check_not "$p: stack made no debug container" 'made the ephemeral debug container'

	run kubectl dotnetprof dump "$p" --type mini -o "$p.core"
	check "$p: dump through the debug container" 0 "$p\.core: .* sha256 [0-9a-f]{64}" \
		'writes a mini dump in /tmp'
	assert "$p: the dump is an ELF core file" is_core "$p.core"
	assert "$p: the dump was removed from the app's /tmp" app_tmp_clean "$p"
	assert "$p: trace, stack and dump used one debug container ($made)" \
		test "$(count "$p")" = $((before + 1)) -a "$(ours "$p" running | tail -n 1)" = "$made"
done
run kubectl get pod sample-chiseled -o jsonpath='{.spec.ephemeralContainers[-1:].securityContext}'
check "sample-chiseled: the debug container runs as the app's user and group (restricted)" 0 \
	'"runAsGroup":1654.*"runAsUser":1654|"runAsUser":1654.*"runAsGroup":1654' ''

# ---- ps, fetch ----------------------------------------------------------------------------------
run kubectl dotnetprof ps sample-chiseled
check "ps of a no-shell pod through its debug container" 0 \
	'^sample-chiseled +app +1 +dotnet +app +[0-9.]+ .* ok +linux-x64' ''
run kubectl dotnetprof ps sample-distroless --json
check "ps --json names the debug container" 0 '"debug_container":[[:space:]]*"dotnetprof-app' ''

run kubectl dotnetprof fetch sample-chiseled /app/SampleApp.dll -o app.dll
check "fetch of an app file through the debug container" 0 'app\.dll: ' ''
assert "the fetched file is the app's" test "$(local_sha app.dll)" = \
	"$(local_sha "$E2E_TOP/build/sample-app/SampleApp.dll")"

# ---- errors -------------------------------------------------------------------------------------
run kubectl dotnetprof trace sample-nowrite --duration 2s -o nowrite.nettrace
check "no writable directory in the app: says what to mount" "$(ex NODOTNET)" '' \
	'hint: mount a writable volume there \(an emptyDir at /tmp'

run kubectl dotnetprof dump sample-ro-noexec --debug-profile baseline -o ro.core
check "root without SYS_PTRACE cannot open a non-root app's /proc/PID/root to dump: explained" \
	"$(ex FORBIDDEN)" '' 'cannot open /proc/1/root of process 1 \(uid 1000\)'
check "... and the hint names the uid and SYS_PTRACE" "$(ex FORBIDDEN)" '' \
	'hint: .*same uid and gid as the app.*CAP_SYS_PTRACE'

n=$(count sample-chiseled)
run kubectl dotnetprof stack sample-chiseled --debug-profile baseline
check "a root debug container in a runAsNonRoot pod: refused before it is made" "$(ex USAGE)" '' \
	'the pod requires a non-root user \(runAsNonRoot\), so a root debug container'
assert "... and nothing was added to the pod" test "$(count sample-chiseled)" = "$n"

run kubectl dotnetprof counters sample-distroless --duration 2s -o c.csv
check "counters with the busybox image: needs the .NET runtime, hint names an image" \
	"$(ex NODOTNET)" '' 'hint: --debug-image with the \.NET runtime \(mcr\.microsoft\.com/dotnet/runtime:10\.0'
run kubectl dotnetprof counters sample-distroless --duration 2s -o c.csv \
	--debug-image mcr.microsoft.com/dotnet/runtime:10.0
check "counters through a debug container with the .NET runtime" 0 'c\.csv: ' ''
assert "the counters file has the runtime's counters" grep -q 'System.Runtime' c.csv
run kubectl dotnetprof gcdump sample-chiseled -o heap.gcdump --debug-image mcr.microsoft.com/dotnet/runtime:10.0
check "gcdump of the non-root chiseled app through a debug container with the .NET runtime" 0 \
	'heap\.gcdump: .* sha256 [0-9a-f]{64}' ''
assert "the gcdump has the app's types" grep -q 'SampleApp' <(printf '%s\n' "$OUT")

# the rest starts from a pod with no running debug container of the default image
run kubectl dotnetprof clean sample-distroless
check "clean stops the debug containers and says their records stay" 0 \
	'note: Kubernetes cannot remove an ephemeral container: the records of dotnetprof-app.* stay in pod "sample-distroless" until the pod is replaced' ''
check "... naming each one it stopped" 0 'stopped debug container "dotnetprof-app(-[0-9]+)?" \(1 process\): it shows as terminated' ''
check "... and what it removed from them" 0 'removed +tool +[0-9.]+ KiB +tools/dotnetprof-agent' ''

assert "after clean, none of the plugin's debug containers of sample-distroless runs" \
	test "$(count sample-distroless running)" = 0
assert "... and each shows terminated" \
	test "$(count sample-distroless terminated)" -ge 1

standin fault --pod sample-distroless --forbid-ephemeral
run kubectl dotnetprof trace sample-distroless --duration 2s -o forbidden.nettrace
standin fault --clear
check "RBAC forbids the subresource: names the permission" "$(ex FORBIDDEN)" '' \
	'patch pods/ephemeralcontainers'

run env DOTNETPROF_DEBUG_TIMEOUT=4s kubectl dotnetprof trace sample-distroless \
	--debug-image nosuch.example/x:1 --duration 2s -o nosuch.nettrace
check "an image that cannot be pulled: times out naming the image" "$(ex NOTRUNNING)" '' \
	'did not start within [0-9]+ s: image "nosuch\.example/x:1"'
check "... with the pod's event text" "$(ex NOTRUNNING)" '' \
	'event: Failed to pull image "nosuch\.example/x:1"'
# a second run (or a later run of this file) waits for the same one: it may still be pulled
run kubectl get pod sample-distroless -o jsonpath='{range .spec.ephemeralContainers[*]}{.image}{"\n"}{end}'
assert "... and the pod has one record of it, reused by later runs" \
	test "$(printf '%s\n' "$OUT" | grep -c '^nosuch\.example/x:1$')" = 1

standin version 22
run kubectl dotnetprof trace sample-distroless --duration 2s -o old.nettrace
standin version "$minor"
check "a cluster before 1.25: the subresource is missing, says so" "$(ex NOSHELL)" '' \
	'does not serve ephemeral containers .*Kubernetes before 1\.25'

# ---- a terminated debug container is replaced by the next generation ------------------------------
last=$(ours sample-distroless | grep -E '^dotnetprof-app(-[0-9]+)?$' | tail -n 1)
run kubectl dotnetprof stack sample-distroless
check "after clean, a new generation replaces the terminated debug container" 0 '^Thread' \
	'made the ephemeral debug container "dotnetprof-app-[0-9]+"'
assert "... with a new name" test "$(ours sample-distroless running | tail -n 1)" != "$last"

# ---- clean of the others --------------------------------------------------------------------------
for p in sample-distroless sample-chiseled sample-ro-noexec; do
	run kubectl dotnetprof clean "$p"
	check "$p: clean removes the agent from the debug container and stops it" 0 \
		'stopped debug container "dotnetprof-app(-[0-9]+)?" .*it shows as terminated' ''
	check "$p: ... and says the records stay" 0 'Kubernetes cannot remove an ephemeral container' ''

	assert "$p: none of its debug containers runs after clean" test "$(count "$p" running)" = 0
done
