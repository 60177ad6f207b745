#!/usr/bin/env bash
# Self-tests of the stand-in cluster through the real kubectl, once per kubectl minor.
#
#   tests/cluster/selftest.sh [MINOR...]        (default: 30 31 32 33)
#
# Needs the stand-in up (`python3 tests/cluster/standin.py up`); reads build/cluster/env (or
# $STANDIN_STATE/env). For each minor it switches the server's /version (POST /_standin/version), runs
# the dispatcher `kubectl` with a private KUBECACHEDIR and checks that kubectl.1.MINOR ran, then checks
# get/list/selectors, exec (output, stdin to EOF, exit codes, stderr, tty, 256 MiB both ways), the
# 404/401/403 messages, and `kubectl debug` (selftest-debug.sh: ephemeral containers with --custom,
# --profile=restricted/baseline/general, SYS_PTRACE and /proc/1/root, runAsNonRoot). Once per run it
# replays the manual recipe (the real dotnet-trace inside sample-app during /high-cpu, the trace
# copied out with `kubectl exec cat`), checks what ephemeral containers may not do (removal, change,
# restart, an image that cannot be pulled, the 403 fault), the pod options, the hardened pods, the
# arm64 pod under qemu (its diagnostics socket answers the real dotnet-trace) and the endless-stream
# pod. Every kubectl runs under `timeout`. Prints "ok - ..." / "not ok - ..." per check and
# "N passed, M failed (S s)"; exits 1 on failure. Pod ports come from the pods' specs (so
# `up --port-offset` works), the tools port from DOTNETPROF_TOOLS_URL.
#
# Environment: SELFTEST_BIG_MINORS (minors that run the 256 MiB round trip; default: all),
# SELFTEST_APP_URL (sample-app's URL on the host; default: from its spec),
# SELFTEST_RECIPE=0 skips the dotnet-trace recipe (it then counts as a failure: say why you skip).
set -eu
set -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/cluster/selftest-debug.sh
. "$HERE/selftest-debug.sh"
ROOT=$(cd "$HERE/../.." && pwd)
STATE=${STANDIN_STATE:-$ROOT/build/cluster}
KUBECTL_DIR=$(dirname "$(readlink -f "$(command -v kubectl)")")
POD=sample-app
ARM_POD=sample-arm64
T=20            # seconds allowed for an ordinary kubectl call
TBIG=300        # seconds allowed for a 256 MiB transfer
PASSED=0
FAILED=0

WORK=$(mktemp -d /tmp/standin-selftest.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
SECONDS=0

ok() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
notok() { FAILED=$((FAILED + 1)); echo "not ok - $*"; }

# check DESCRIPTION COMMAND...: ok when COMMAND succeeds; on failure show the captured stderr.
check() {
    local what=$1
    shift
    if "$@" 2>"$WORK/check.err"; then
        ok "$what"
    else
        notok "$what"
        sed 's/^/#   /' "$WORK/check.err" | head -20
    fi
}

# k ARGS...: the dispatcher kubectl with a deadline.
k() { timeout "$T" kubectl "$@"; }

# admin METHOD PATH [JSON]: call a /_standin endpoint with the kubeconfig's server, CA and token.
admin() {
    local args=(-sS -f -X "$1" -H "Authorization: Bearer $TOKEN" --max-time 10)
    [ -n "$CAFILE" ] && args+=(--cacert "$CAFILE")
    [ $# -ge 3 ] && args+=(-H "Content-Type: application/json" -d "$3")
    curl "${args[@]}" "$SERVER$2" >/dev/null
}

# json EXPR < JSON: evaluate a python expression over the parsed document `d`, print the result.
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# pod_port POD [N]: the Nth (default 1st) 127.0.0.1 port of POD's first container: its env
# (ASPNETCORE_URLS) first, then its command.
pod_port() {
    k get pod "$1" -o json | json 'list(__import__("re").findall(r"127\.0\.0\.1:(\d+)", __import__("json").dumps(
        [e.get("value", "") for e in d["spec"]["containers"][0].get("env", [])] + d["spec"]["containers"][0].get("command", []))))['"${2:-1}"' - 1]'
}

# host_pid POD [CONTAINER]: the host pid of a container's main process (STATE/pids.json).
host_pid() {
    json '[r["init"] for r in d if r["pod"] == "'"$1"'" and r["container"] == "'"${2:-app}"'"][0]' <"$STATE/pids.json"
}

# load_cluster: KUBECONFIG from the env file, then server, token and CA for admin calls.
load_cluster() {
    if [ ! -f "$STATE/env" ]; then
        echo "selftest: $STATE/env not found: start the stand-in first (python3 tests/cluster/standin.py up)" >&2
        exit 2
    fi
    # shellcheck disable=SC1091
    . "$STATE/env"
    export KUBECONFIG
    local view="$WORK/view.json"
    timeout "$T" "$KUBECTL_DIR/kubectl.1.33" config view --raw --minify -o json >"$view"
    SERVER=$(json 'd["clusters"][0]["cluster"]["server"]' <"$view")
    TOKEN=$(json 'd["users"][0]["user"].get("token", "")' <"$view")
    TOOLS_PORT=${DOTNETPROF_TOOLS_URL##*:}
    TOOLS_PORT=${TOOLS_PORT%%/*}
    USER_NAME=$(json 'd["users"][0]["name"]' <"$view")   # the stand-in names its user like this
    CAFILE=""
    if json 'd["clusters"][0]["cluster"].get("certificate-authority-data", "")' <"$view" | grep -q .; then
        CAFILE="$WORK/ca.crt"
        json 'd["clusters"][0]["cluster"]["certificate-authority-data"]' <"$view" | base64 -d >"$CAFILE"
    fi
}

# ---------------------------------------------------------------------------------------------
# checks (each takes the minor as $1)

test_version() {
    local v
    admin POST /_standin/version "{\"minor\": \"$1\"}"
    v=$(k version -o json)
    # the dispatcher is itself a kubectl 1.32 build: for 1.32 it runs itself (minor "32+")
    [ "$(echo "$v" | json 'd["clientVersion"]["minor"].rstrip("+")')" = "$1" ] &&
        [ "$(echo "$v" | json 'd["serverVersion"]["minor"]')" = "$1" ]
}

test_get_json() {
    k get pods -o json >"$WORK/pods.json"
    json '[p["status"]["phase"] for p in d["items"] if p["metadata"]["name"] == "'$POD'"] == ["Running"]' \
        <"$WORK/pods.json" | grep -qx True
}

test_get_table() {
    k get pods >"$WORK/table.txt"
    head -1 "$WORK/table.txt" | grep -Eq '^NAME +READY +STATUS +RESTARTS +AGE' &&
        grep -Eq "^$POD +1/1 +Running +0 " "$WORK/table.txt"
}

test_selector() {
    local names
    names=$(k get pods -l app=sample-api -o json | json '" ".join(sorted(p["metadata"]["labels"]["app"] for p in d["items"]))')
    [ "$names" = "sample-api sample-api" ] || { echo "got: $names" >&2; return 1; }
    names=$(k get pods -l 'app in (sample-api,sample-app),pod-template-hash' -o name | wc -l)
    [ "$names" -eq 2 ] || { echo "set selector matched $names pods" >&2; return 1; }
}

test_workload() {
    [ "$(k get deploy sample-api -o json | json 'd["spec"]["selector"]["matchLabels"]["app"]')" = sample-api ]
}

test_exec_output() {
    [ "$(k exec "$POD" -- uname -m)" = x86_64 ] && [ "$(k exec "$ARM_POD" -- uname -m)" = aarch64 ]
}

test_stdin_eof() {
    printf 'line one\nline two without newline' >"$WORK/in.txt"
    k exec -i "$POD" -- sh -c 'cat > /tmp/selftest-stdin' <"$WORK/in.txt"
    k exec "$POD" -- cat /tmp/selftest-stdin >"$WORK/back.txt"
    k exec "$POD" -- rm -f /tmp/selftest-stdin
    cmp "$WORK/in.txt" "$WORK/back.txt"
}

test_exit_code() {
    local rc=0
    k exec "$POD" -- sh -c 'exit 3' || rc=$?
    [ "$rc" -eq 3 ] || { echo "exit code $rc" >&2; return 1; }
}

test_stderr_separate() {
    k exec "$POD" -- sh -c 'echo to-out; echo to-err >&2' >"$WORK/o.txt" 2>"$WORK/e.txt"
    [ "$(cat "$WORK/o.txt")" = to-out ] && grep -qx to-err "$WORK/e.txt" && ! grep -q to-out "$WORK/e.txt"
}

test_big() {
    local want got
    want=$(sha256sum <"$WORK/big" | cut -c1-64)
    timeout "$TBIG" kubectl exec -i "$POD" -- sh -c 'cat > /tmp/selftest-big' <"$WORK/big"
    got=$(timeout "$TBIG" kubectl exec "$POD" -- cat /tmp/selftest-big | sha256sum | cut -c1-64)
    k exec "$POD" -- rm -f /tmp/selftest-big
    [ "$want" = "$got" ] || { echo "sha256 $want != $got" >&2; return 1; }
}

test_tty() {
    # script(1) gives kubectl a terminal; kubectl allocates a remote pty only with -i and -t.
    # (`tty` would print /dev/pts/N only if the container mounts the pty's devpts.)
    timeout "$T" script -qec "kubectl exec -it $POD -- sh -c 'test -t 0 && test -t 1 && echo on-a-tty'" \
        /dev/null </dev/null >"$WORK/tty.txt"
    grep -q on-a-tty "$WORK/tty.txt" || { cat "$WORK/tty.txt" >&2; return 1; }
}

# expect_error WANT_STDERR COMMAND...: COMMAND fails with exit code 1 and prints WANT_STDERR.
expect_error() {
    local want=$1 rc=0
    shift
    "$@" >/dev/null 2>"$WORK/err.txt" || rc=$?
    [ "$rc" -eq 1 ] && grep -qxF "$want" "$WORK/err.txt" ||
        { echo "rc=$rc, stderr:" >&2; cat "$WORK/err.txt" >&2; return 1; }
}

test_404() {
    expect_error 'Error from server (NotFound): pods "no-such-pod" not found' k get pod no-such-pod &&
        expect_error 'Error from server (NotFound): pods "no-such-pod" not found' k exec no-such-pod -- sh -c :
}

test_401() {
    case "$SERVER" in
    http:*)
        echo "the stand-in serves plain http: client-go never sends a bearer token over http, so 401" \
            "cannot happen; start it with --tls" >&2
        return 1
        ;;
    esac
    expect_error 'error: You must be logged in to the server (Unauthorized)' k --token wrong-token get pods
}

test_403() {
    admin POST /_standin/faults "{\"namespace\": \"default\", \"pod\": \"$POD\", \"forbidExec\": true, \"count\": 1}"
    expect_error "Error from server (Forbidden): pods \"$POD\" is forbidden: User \"$USER_NAME\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"default\"" \
        k exec "$POD" -- true || { admin DELETE /_standin/faults; return 1; }
    k exec "$POD" -- sh -c :   # the fault was for one exec only
}

test_rate() {
    local t0 t1 n
    admin POST /_standin/faults "{\"namespace\": \"default\", \"pod\": \"$POD\", \"rateBytesPerSec\": 2000000, \"count\": 1}"
    t0=$(date +%s%N)
    n=$(k exec "$POD" -- head -c 3000000 /dev/zero | wc -c)
    t1=$(date +%s%N)
    [ "$n" -eq 3000000 ] && [ $(( (t1 - t0) / 1000000 )) -ge 1400 ] ||
        { echo "3 MB at 2 MB/s: $n bytes in $(( (t1 - t0) / 1000000 )) ms (want >= 1400 ms)" >&2; return 1; }
}

run_minor() {
    local m=$1
    export KUBECACHEDIR="$WORK/cache-$m"
    check "1.$m: kubectl.1.$m runs against server 1.$m" test_version "$m"
    check "1.$m: get pods -o json lists $POD Running" test_get_json
    check "1.$m: get pods prints NAME READY STATUS RESTARTS AGE" test_get_table
    check "1.$m: get pods -l app=sample-api (and a set-based selector)" test_selector
    check "1.$m: get deploy sample-api has spec.selector" test_workload
    check "1.$m: exec uname -m: x86_64, aarch64 in $ARM_POD" test_exec_output
    check "1.$m: exec -i stdin into a file ends at EOF" test_stdin_eof
    check "1.$m: exec sh -c 'exit 3' exits 3" test_exit_code
    check "1.$m: stderr stays separate from stdout" test_stderr_separate
    check "1.$m: exec -t runs on a tty" test_tty
    check "1.$m: NotFound message" test_404
    check "1.$m: Unauthorized message for a wrong token" test_401
    check "1.$m: Forbidden message for forbidExec (count 1)" test_403
    check "1.$m: rateBytesPerSec paces an exec's stdout (a link slower than loopback)" test_rate
    case " ${SELFTEST_BIG_MINORS:-$m} " in
    *" $m "*) check "1.$m: 256 MiB random in and out, equal sha256" test_big ;;
    esac
    run_minor_debug "$m"
}

# ---------------------------------------------------------------------------------------------
# the manual recipe, once per run

host_trace_tool() {
    local c
    for c in "$ROOT/build/host-tools/dotnet-trace" "$ROOT/build/nuget-tools/dotnet-trace/dotnet-trace" \
        "$ROOT/build/tools/linux-x64/dotnet-trace"; do
        [ -x "$c" ] && { echo "$c"; return 0; }
    done
    return 1
}

recipe_cleanup() {
    k exec "$POD" -- rm -rf /tmp/dotnet-trace /tmp/selftest-x /tmp/t.nettrace >/dev/null 2>&1 || true
}

test_recipe() {
    local tool="$ROOT/build/tools/linux-x64/dotnet-trace" host curl_pid rc=0
    [ -f "$tool" ] || { echo "$tool missing (tools build)" >&2; return 1; }
    host=$(host_trace_tool) || { echo "no host dotnet-trace" >&2; return 1; }
    k exec -i "$POD" -- sh -c 'cat > /tmp/dotnet-trace && chmod +x /tmp/dotnet-trace' <"$tool"
    k exec "$POD" -- env DOTNET_BUNDLE_EXTRACT_BASE_DIR=/tmp/selftest-x /tmp/dotnet-trace ps >"$WORK/ps.txt"
    grep -Eq '^ *1 ' "$WORK/ps.txt" || { echo "pid 1 not in dotnet-trace ps:" >&2; cat "$WORK/ps.txt" >&2; rc=1; }
    curl -s --max-time 40 "${SELFTEST_APP_URL:-http://127.0.0.1:$(pod_port "$POD")}/high-cpu?seconds=15" >/dev/null &
    curl_pid=$!
    sleep 1
    timeout 90 kubectl exec "$POD" -- env DOTNET_BUNDLE_EXTRACT_BASE_DIR=/tmp/selftest-x /tmp/dotnet-trace \
        collect -p 1 --duration 00:00:00:05 -o /tmp/t.nettrace >"$WORK/collect.txt" || rc=1
    timeout 90 kubectl exec "$POD" -- cat /tmp/t.nettrace >"$WORK/t.nettrace" || rc=1
    wait "$curl_pid" || true
    recipe_cleanup
    [ "$rc" -eq 0 ] || { cat "$WORK/collect.txt" >&2; return 1; }
    [ "$(head -c 8 "$WORK/t.nettrace")" = Nettrace ] || { echo "no Nettrace magic" >&2; return 1; }
    DOTNET_BUNDLE_EXTRACT_BASE_DIR="$WORK/x" timeout 120 "$host" convert --format speedscope \
        -o "$WORK/t.speedscope.json" "$WORK/t.nettrace" >"$WORK/convert.txt" 2>&1 ||
        { cat "$WORK/convert.txt" >&2; return 1; }
    grep -q SpinForProfiler "$WORK"/t.speedscope*.json ||
        { echo "SpinForProfiler not in the converted trace" >&2; return 1; }
}

# ---------------------------------------------------------------------------------------------
# pod options, once per run (hostAliases, network none, small /tmp, self-contained app, two processes)

test_host_aliases() {
    local hosts
    k get pods -A -o json >"$WORK/all.json"
    json 'all(any("tools.dotnetprof.test" in a["hostnames"] and a["ip"] == "127.0.0.1" for a in p["spec"].get("hostAliases", [])) for p in d["items"])' \
        <"$WORK/all.json" | grep -qx True || { echo "a pod lacks spec.hostAliases tools.dotnetprof.test" >&2; return 1; }
    hosts=$(k exec sample-readonly -- cat /etc/hosts)
    printf '%s\n' "$hosts" | grep -q '^# Entries added by HostAliases' &&
        printf '%s\n' "$hosts" | grep -Eq '^127\.0\.0\.1[[:space:]]+tools\.dotnetprof\.test$' ||
        { echo "/etc/hosts of sample-readonly:" >&2; echo "$hosts" >&2; return 1; }
    [ "$(k exec sample-debian -- curl -s -o /dev/null -w '%{http_code}' "http://tools.dotnetprof.test:$TOOLS_PORT/dotnet-trace/linux-x64")" = 302 ] ||
        { echo "curl in sample-debian did not reach tools.dotnetprof.test" >&2; return 1; }
    k exec musl-box -- wget -q -O /dev/null "http://tools.dotnetprof.test:$TOOLS_PORT/_faults" ||
        { echo "busybox wget in musl-box did not reach tools.dotnetprof.test" >&2; return 1; }
}

test_isolated() {
    local port
    port=$(pod_port sample-isolated)
    [ "$(k exec sample-isolated -- curl -s "http://127.0.0.1:$port/healthz")" = ok ] ||
        { echo "sample-isolated's app does not answer inside the pod" >&2; return 1; }
    if k exec sample-isolated -- curl -s -m 5 -o /dev/null "http://tools.dotnetprof.test:$TOOLS_PORT/dotnet-trace/linux-x64"; then
        echo "sample-isolated reached the tools server" >&2
        return 1
    fi
    if curl -s -m 2 -o /dev/null "http://127.0.0.1:$port/healthz"; then
        echo "the host reached sample-isolated's port" >&2
        return 1
    fi
}

test_smalltmp() {
    local out
    out=$(k exec sample-smalltmp -- sh -c 'df -k /tmp | tail -n 1; touch /var/tmp/w /app/w /root/w /w 2>/dev/null && echo writable-root; :')
    echo "$out" | grep -Eq '^tmpfs +65536 ' || { echo "sample-smalltmp /tmp: $out" >&2; return 1; }
    if echo "$out" | grep -q writable-root; then echo "sample-smalltmp root is writable" >&2; return 1; fi
}

test_selfcontained() {
    local out
    out=$(k exec sample-selfcontained -- sh -c 'ls /usr/share/dotnet; ls /app/libcoreclr.so; ls /app/SampleApp; cat /proc/1/comm')
    [ "$out" = "$(printf '/app/libcoreclr.so\n/app/SampleApp\nSampleApp')" ] || { echo "got: $out" >&2; return 1; }
    curl -sf -m 5 "http://127.0.0.1:$(pod_port sample-selfcontained)/healthz" | grep -qx ok
}

# the runtime cut its socket's name: TMPDIR/dotnet-diagnostic-1-KEY-socket would exceed 107 bytes
test_longtmp() {
    local out
    out=$(k exec sample-longtmp -- sh -c 'for f in "$TMPDIR"/dotnet-diagnostic-*; do [ -S "$f" ] && echo "$f"; done')
    [ "$(printf '%s' "$out" | wc -c)" = 107 ] && ! echo "$out" | grep -q -- '-socket$' ||
        { echo "got: $out" >&2; return 1; }
    curl -sf -m 5 "http://127.0.0.1:$(pod_port sample-longtmp)/healthz" | grep -qx ok
}

# the exec is root, the app uid 1000
test_rootexec() {
    local out
    out=$(k exec sample-rootexec -- sh -c 'id -u; while read -r k v rest; do [ "$k" = Uid: ] && echo "$v"; done </proc/1/status')
    [ "$out" = "$(printf '0\n1000')" ] || { echo "got: $out" >&2; return 1; }
    curl -sf -m 5 "http://127.0.0.1:$(pod_port sample-rootexec)/healthz" | grep -qx ok
}

test_twoproc_names() {
    local out
    out=$(k exec sample-twoproc -- sh -c 'for p in 2 3; do tr "\0" " " < /proc/$p/cmdline; echo; done')
    echo "$out" | grep -qx 'dotnet /app/SampleApp.dll ' && echo "$out" | grep -q '^dotnet /app/Worker.dll ' ||
        { echo "got: $out" >&2; return 1; }
    curl -sf -m 5 "http://127.0.0.1:$(pod_port sample-twoproc 1)/healthz" | grep -qx ok &&
        curl -sf -m 5 "http://127.0.0.1:$(pod_port sample-twoproc 2)/healthz" | grep -qx ok
}

# ---------------------------------------------------------------------------------------------
# hardened pods, the arm64 pod under qemu, the endless-stream pod (once per run)

test_chiseled() {
    local n=st-hard-$DEBUG_RUN out
    k exec sample-chiseled -- sh -c : 2>"$WORK/nosh.err" && { echo "sample-chiseled has a shell" >&2; return 1; }
    grep -q 'exec: "sh": executable file not found in $PATH' "$WORK/nosh.err" || { cat "$WORK/nosh.err" >&2; return 1; }
    k get pod sample-chiseled -o json | json 'd["spec"]["securityContext"] == {"runAsNonRoot": True} and
        d["spec"]["containers"][0]["securityContext"] == {"runAsUser": 1654, "runAsGroup": 1654,
        "readOnlyRootFilesystem": True}' | grep -qx True ||
        { echo "spec is not the hardened one" >&2; return 1; }
    debug_start sample-chiseled "$n" --custom="$WORK/uid.json" && debug_wait sample-chiseled "$n" running || return 1
    out=$(debug_exec sample-chiseled "$n" sh -c 'touch /proc/1/root/tmp/.st && rm /proc/1/root/tmp/.st && echo tmp-writable
        touch /proc/1/root/app/.st 2>&1; touch /proc/1/root/.st 2>&1; grep -E "^Uid:" /proc/1/status' || true)
    printf '%s\n' "$out" | grep -qx tmp-writable && [ "$(printf '%s\n' "$out" | grep -c 'Read-only file system')" = 2 ] &&
        printf '%s\n' "$out" | grep -Eq '^Uid:\s+1654\s' || { echo "got: $out" >&2; return 1; }
}

test_ro_noexec() {
    local out
    out=$(k exec sample-ro-noexec -- sh -c 'id -u; for d in / /tmp /var/tmp /dev/shm /home/app /root /app; do
        if touch "$d/.st-w" 2>/dev/null; then
            if cp /bin/true "$d/.st-x" 2>/dev/null && "$d/.st-x" 2>/dev/null; then echo "$d writable+exec"; else echo "$d writable"; fi
            rm -f "$d/.st-w" "$d/.st-x"
        fi
    done')
    [ "$out" = "$(printf '1000\n/tmp writable\n/dev/shm writable')" ] || { echo "got: $out" >&2; return 1; }
}

test_nowrite() {
    local n=st-nowr-$DEBUG_RUN out
    debug_start sample-nowrite "$n" --custom="$WORK/uid.json" && debug_wait sample-nowrite "$n" running || return 1
    out=$(debug_exec sample-nowrite "$n" sh -c 'touch /proc/1/root/tmp/.st 2>&1; ls -A /proc/1/root/tmp | wc -l' || true)
    [ "$out" = "$(printf 'touch: /proc/1/root/tmp/.st: Read-only file system\n0')" ] || { echo "got: $out" >&2; return 1; }
    curl -sf -m 5 "http://127.0.0.1:$(pod_port sample-nowrite)/healthz" | grep -qx ok
}

test_arm64_real() {
    local tool sock pid port
    [ "$(k exec sample-arm64-qemu -- uname -m)" = aarch64 ] && [ "$(k exec sample-arm64-qemu -- sh -c 'uname -m')" = aarch64 ] ||
        { echo "uname -m is not aarch64" >&2; return 1; }
    [ "$(k get node "$(k get pod sample-arm64-qemu -o jsonpath='{.spec.nodeName}')" -o jsonpath='{.metadata.labels.kubernetes\.io/arch}')" = arm64 ] ||
        { echo "not on an arm64 node" >&2; return 1; }
    port=$(pod_port sample-arm64-qemu)
    curl -sf -m 20 "http://127.0.0.1:$port/info" | grep -qx 'arch=Arm64' || { echo "/info has no arch=Arm64" >&2; return 1; }
    tool=$(host_trace_tool) || { echo "no host dotnet-trace" >&2; return 1; }
    pid=$(host_pid sample-arm64-qemu)
    sock=$(ls /proc/"$pid"/root/tmp/dotnet-diagnostic-1-*-socket) || return 1
    DOTNET_BUNDLE_EXTRACT_BASE_DIR="$WORK/x" timeout 120 "$tool" collect --diagnostic-port "$sock,connect" \
        --duration 00:00:00:03 -o "$WORK/arm64.nettrace" >"$WORK/arm64-trace.txt" 2>&1 ||
        { cat "$WORK/arm64-trace.txt" >&2; return 1; }
    [ "$(head -c 8 "$WORK/arm64.nettrace")" = Nettrace ] || { echo "no Nettrace magic" >&2; return 1; }
}

test_endless() {
    local want got n
    want=$(k exec sample-endless -- sh -c 'head -c 200000 /dev/urandom >/tmp/.st-endless; sha256sum </tmp/.st-endless' | cut -c1-64)
    got=$(timeout 30 kubectl exec sample-endless -- cat /tmp/.st-endless | head -c 1000000 | tee "$WORK/endless" | wc -c) || true
    [ "$got" = 1000000 ] && [ "$(head -c 200000 "$WORK/endless" | sha256sum | cut -c1-64)" = "$want" ] ||
        { echo "cat FILE: $got bytes" >&2; return 1; }
    got=$(timeout 30 kubectl exec sample-endless -- sh -c 'cat </tmp/.st-endless' | head -c 1000000 | wc -c) || true
    [ "$got" = 1000000 ] || { echo "cat <FILE: $got bytes" >&2; return 1; }
    got=$(timeout 30 kubectl exec sample-endless -- sh -c 'gzip -c -1 </tmp/.st-endless' | head -c 2000000 |
        { gzip -dc 2>/dev/null || true; } | head -c 50000000 | wc -c) || true
    [ "$got" = 50000000 ] || { echo "gzip: $got bytes once decompressed" >&2; return 1; }
    k exec sample-endless -- sh -c 'echo gzip=bomb >/etc/standin-endless'
    timeout 60 kubectl exec sample-endless -- sh -c 'gzip -c -1 </tmp/.st-endless' >"$WORK/bomb.gz" || true
    k exec sample-endless -- rm -f /etc/standin-endless
    # it ended (the exec returned); its first 300 MB decompress from under 3 MB of it (all of it is 1 GiB)
    n=$(gzip -dc <"$WORK/bomb.gz" 2>/dev/null | head -c 300000000 | wc -c) || true
    [ "$(wc -c <"$WORK/bomb.gz")" -lt 3000000 ] && [ "$n" = 300000000 ] ||
        { echo "bomb: $(wc -c <"$WORK/bomb.gz") bytes -> $n" >&2; return 1; }
    [ "$(timeout 10 kubectl exec sample-endless -- sh -c 'head -c 1000 /tmp/.st-endless >/tmp/.st-small; cat /tmp/.st-small | wc -c; rm /tmp/.st-endless /tmp/.st-small')" = 1000 ]
}

# ---------------------------------------------------------------------------------------------

main() {
    local m minors=("$@")
    [ ${#minors[@]} -gt 0 ] || minors=(30 31 32 33)
    load_cluster
    debug_files
    head -c $((256 * 1024 * 1024)) /dev/urandom >"$WORK/big"
    for m in "${minors[@]}"; do
        run_minor "$m"
    done
    export KUBECACHEDIR="$WORK/cache-recipe"
    if [ "${SELFTEST_RECIPE:-1}" = 0 ]; then
        notok "recipe: dotnet-trace in $POD during /high-cpu (skipped: SELFTEST_RECIPE=0)"
    else
        check "recipe: dotnet-trace collect in $POD, copied out with exec cat, Nettrace with SpinForProfiler" \
            test_recipe
    fi
    check "pods: spec.hostAliases in every pod's JSON and /etc/hosts; curl and busybox wget resolve it" \
        test_host_aliases
    check "pods: sample-isolated has loopback only (app answers inside, tools server unreachable)" test_isolated
    check "pods: sample-smalltmp has a 64 MiB /tmp and a read-only root" test_smalltmp
    check "pods: sample-selfcontained runs /app/SampleApp without a shared runtime" test_selfcontained
    check "pods: sample-twoproc runs SampleApp.dll and Worker.dll, both answer" test_twoproc_names
    check "pods: sample-chiseled: no shell, uid 1654, read-only root, runAsNonRoot; its /tmp is writable" test_chiseled
    check "pods: sample-ro-noexec: uid 1000, read-only root, noexec /tmp: no directory both writable and executable" \
        test_ro_noexec
    check "pods: sample-nowrite: nothing writable, so no diagnostics socket; the app answers" test_nowrite
    check "pods: sample-arm64-qemu runs arm64 code (uname -m aarch64, Arm64 .NET); its socket answers dotnet-trace" \
        test_arm64_real
    check "pods: sample-endless: cat and gzip of a big file never end; gzip=bomb ends, 1 MB expanding to 1 GiB" test_endless
    run_debug_once "${minors[-1]}"
    debug_cleanup
    check "pods: sample-longtmp's runtime cut its socket's name (a TMPDIR of 86 characters)" test_longtmp
    check "pods: sample-rootexec's exec runs as root, its app as uid 1000" test_rootexec
    admin POST /_standin/version "{\"minor\": \"${minors[-1]}\"}" || true
    echo "$PASSED passed, $FAILED failed (${SECONDS} s)"
    [ "$FAILED" -eq 0 ]
}

main "$@"
