# Self-tests of the stand-in's ephemeral containers through the real `kubectl debug` (sourced by
# selftest.sh, which provides k, check, json, admin, WORK, T and the loaded cluster).
#
# Debug containers go on sample-chiseled (the app runs as 1654, the pod has runAsNonRoot), musl-box
# (a root app) and sample-arm64-qemu; never on the pods the plugin's own tests start from. Each
# runs `sleep` as its command (without a command busybox's sh would end at once: no stdin), is named
# st<minor>-<what>-<run> and is stopped by debug_cleanup at the end, so it stays as a terminated
# record: Kubernetes cannot remove an ephemeral container.

DEBUG_IMAGE=busybox:1.36
DEBUG_RUN=$(($$ % 10000))
DEBUG_STARTED=()          # "pod name" of every debug container this run started
export KUBECTL_DEBUG_CUSTOM_PROFILE=true   # kubectl 1.30 has --custom only behind this switch

# debug_files: the partial container specs given to kubectl debug --custom.
debug_files() {
    echo '{"securityContext": {"runAsUser": 1654, "runAsGroup": 1654}}' >"$WORK/uid.json"
    echo '{"securityContext": {"runAsUser": 1654}}' >"$WORK/uid-only.json"
    echo '{"securityContext": {"runAsUser": 0, "runAsNonRoot": false}}' >"$WORK/root.json"
}

# debug_start POD NAME [kubectl debug flags...]: add an ephemeral container that sleeps, targeting
# the pod's container "app" (musl-box: "box"); it records its pid in its own /tmp for debug_cleanup.
debug_start() {
    local pod=$1 name=$2 target=app
    shift 2
    [ "$pod" = musl-box ] && target=box
    DEBUG_STARTED+=("$pod $name")
    k debug "$pod" --image="$DEBUG_IMAGE" --target="$target" --container="$name" "$@" -- \
        sh -c 'echo $$ >/tmp/.main-pid 2>/dev/null; exec sleep 1800' >/dev/null 2>"$WORK/debug.err" ||
        { cat "$WORK/debug.err" >&2; return 1; }
}

# debug_state POD NAME: running | waiting:REASON | terminated:REASON:CODE | none
debug_state() {
    k get pod "$1" -o json | json '(lambda s: "none" if not s else "running" if "running" in s["state"] else
        ("waiting:" + s["state"]["waiting"]["reason"]) if "waiting" in s["state"] else
        "terminated:%s:%s" % (s["state"]["terminated"]["reason"], s["state"]["terminated"]["exitCode"]))(
        next((x for x in d["status"].get("ephemeralContainerStatuses", []) if x["name"] == "'"$2"'"), None))'
}

# debug_wait POD NAME PATTERN: wait (20 s) until debug_state matches the shell PATTERN.
debug_wait() {
    local i state
    for i in $(seq 1 80); do
        state=$(debug_state "$1" "$2")
        # shellcheck disable=SC2254
        case $state in $3) return 0 ;; esac
        sleep 0.25
    done
    echo "$1/$2 is $state, want $3" >&2
    return 1
}

# debug_exec POD NAME CMD...: kubectl exec into the ephemeral container.
debug_exec() {
    local pod=$1 name=$2
    shift 2
    k exec "$pod" -c "$name" -- "$@"
}

# ---- per minor

test_debug_app_uid() {
    local n=st$1-uid-$DEBUG_RUN
    debug_start sample-chiseled "$n" --custom="$WORK/uid.json" && debug_wait sample-chiseled "$n" running || return 1
    [ "$(debug_exec sample-chiseled "$n" id -u)" = 1654 ] || { echo "not uid 1654" >&2; return 1; }
    debug_exec sample-chiseled "$n" ls /proc/1/root/tmp | grep -q '^dotnet-diagnostic-1-[0-9]*-socket$' ||
        { echo "no diagnostics socket under /proc/1/root/tmp" >&2; return 1; }
    grep "\"$n\"" "$STATE/requests.log" | grep -Eq "\"method\": \"PATCH\", \"path\": \"/api/v1/namespaces/default/pods/sample-chiseled/ephemeralcontainers\", \"status\": 200, \"userAgent\": \"kubectl[.0-9]*/v1\\.$1\\." ||
        { echo "no PATCH of pods/ephemeralcontainers by kubectl 1.$1 in requests.log" >&2; return 1; }
}

test_debug_restricted() {
    local n=st$1-rst-$DEBUG_RUN out
    debug_start sample-chiseled "$n" --profile=restricted --custom="$WORK/uid.json" &&
        debug_wait sample-chiseled "$n" running || return 1
    out=$(debug_exec sample-chiseled "$n" sh -c 'id -u; grep -E "^(CapEff|CapBnd|NoNewPrivs):" /proc/self/status; ls /proc/1/root/tmp')
    printf '%s\n' "$out" | grep -qx 1654 && printf '%s\n' "$out" | grep -Eq '^CapEff:\s+0000000000000000$' &&
        printf '%s\n' "$out" | grep -Eq '^CapBnd:\s+0000000000000000$' &&
        printf '%s\n' "$out" | grep -Eq '^NoNewPrivs:\s+1$' && printf '%s\n' "$out" | grep -q '^dotnet-diagnostic-' ||
        { echo "got: $out" >&2; return 1; }
}

test_debug_root_noptrace() {
    local n=st$1-root-$DEBUG_RUN
    debug_start sample-chiseled "$n" --profile=baseline --custom="$WORK/root.json" &&
        debug_wait sample-chiseled "$n" running || return 1
    if debug_exec sample-chiseled "$n" ls /proc/1/root/tmp >/dev/null 2>"$WORK/noptrace.err"; then
        echo "a root debug container without SYS_PTRACE read uid 1654's /proc/1/root" >&2
        return 1
    fi
    grep -q 'Permission denied' "$WORK/noptrace.err" || { cat "$WORK/noptrace.err" >&2; return 1; }
}

test_debug_root_general() {
    local n=st$1-gen-$DEBUG_RUN
    debug_start sample-chiseled "$n" --profile=general --custom="$WORK/root.json" &&
        debug_wait sample-chiseled "$n" running || return 1
    [ "$(debug_exec sample-chiseled "$n" id -u)" = 0 ] &&
        debug_exec sample-chiseled "$n" ls /proc/1/root/tmp | grep -q '^dotnet-diagnostic-'
}

test_debug_nonroot_policy() {
    local n=st$1-pol-$DEBUG_RUN msg
    debug_start sample-chiseled "$n" --profile=legacy && debug_wait sample-chiseled "$n" 'waiting:CreateContainerConfigError' ||
        return 1
    msg=$(k get pod sample-chiseled -o json | json 'next(x for x in d["status"]["ephemeralContainerStatuses"] if x["name"] == "'"$n"'")["state"]["waiting"]["message"]')
    case $msg in 'container has runAsNonRoot and image will run as root (pod: "sample-chiseled_default('*')", container: '"$n"')') ;;
    *) echo "message: $msg" >&2; return 1 ;; esac
    ! debug_exec sample-chiseled "$n" true 2>/dev/null
}

run_minor_debug() {
    local m=$1
    check "1.$m: kubectl debug --custom (uid 1654): exec into it, the app's socket under /proc/1/root" test_debug_app_uid "$m"
    check "1.$m: kubectl debug --profile=restricted --custom: no capabilities, no_new_privs, reaches the app" \
        test_debug_restricted "$m"
    check "1.$m: kubectl debug --profile=general (SYS_PTRACE) as root: /proc/1/root readable" test_debug_root_general "$m"
}

# ---- once per run

test_debug_root_target() {
    local n=st-rootapp-$DEBUG_RUN out
    debug_start musl-box "$n" && debug_wait musl-box "$n" running || return 1
    out=$(debug_exec musl-box "$n" sh -c 'ps -o pid,comm | head -3; ls /proc/1/root/lib/ld-musl-x86_64.so.1; hostname')
    printf '%s\n' "$out" | grep -q '^/proc/1/root/lib/ld-musl-x86_64.so.1$' && printf '%s\n' "$out" | grep -qx musl-box ||
        { echo "got: $out" >&2; return 1; }
}

test_debug_gid() {
    local n=st-gid-$DEBUG_RUN out
    debug_start sample-chiseled "$n" --custom="$WORK/uid-only.json" && debug_wait sample-chiseled "$n" running || return 1
    out=$(debug_exec sample-chiseled "$n" sh -c 'id; ls /proc/1/root/tmp 2>&1' || true)
    [ "$out" = "$(printf 'uid=1654 gid=0(root)\nls: /proc/1/root/tmp: Permission denied')" ] || { echo "got: $out" >&2; return 1; }
}

test_debug_immutable() {
    local n=st-imm-$DEBUG_RUN
    debug_start musl-box "$n" && debug_wait musl-box "$n" running || return 1
    k patch pod musl-box --subresource=ephemeralcontainers --type=json \
        -p '[{"op": "remove", "path": "/spec/ephemeralContainers/0"}]' >/dev/null 2>"$WORK/rm.err" &&
        { echo "removal accepted" >&2; return 1; }
    grep -q '^The Pod "musl-box" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers ".*" may not be removed$' \
        "$WORK/rm.err" || { cat "$WORK/rm.err" >&2; return 1; }
    k patch pod musl-box --subresource=ephemeralcontainers --type=strategic \
        -p '{"spec": {"ephemeralContainers": [{"name": "'"$n"'", "image": "busybox:1.37"}]}}' >/dev/null 2>"$WORK/ch.err" &&
        { echo "change accepted" >&2; return 1; }
    grep -q "existing ephemeral containers \"$n\" may not be changed" "$WORK/ch.err" || { cat "$WORK/ch.err" >&2; return 1; }
}

test_debug_terminated() {
    local n=st-end-$DEBUG_RUN rc=0
    debug_start musl-box "$n" && debug_wait musl-box "$n" running || return 1
    debug_exec musl-box "$n" sh -c 'sleep 1700 >/dev/null 2>&1 &' || return 1
    debug_exec musl-box "$n" sh -c 'kill $(cat /tmp/.main-pid)' 2>/dev/null || rc=$?
    debug_wait musl-box "$n" 'terminated:Error:143' || return 1
    if debug_exec musl-box "$n" true 2>"$WORK/term.err"; then echo "exec into a terminated container worked" >&2; return 1; fi
    grep -qx "error: unable to upgrade connection: container not found (\"$n\")" "$WORK/term.err" ||
        { cat "$WORK/term.err" >&2; return 1; }
    if k exec musl-box -c box -- sh -c 'ps -o args' | grep -q 'sleep 1700'; then
        echo "a process exec'd into the ended container lives on" >&2
        return 1
    fi
}

test_debug_pull_failure() {
    local n=st-pull-$DEBUG_RUN msg
    DEBUG_STARTED+=("musl-box $n")
    k debug musl-box --image=registry.invalid/no-such/image:1 --target=box --container="$n" >/dev/null 2>&1 || return 1
    debug_wait musl-box "$n" 'waiting:ErrImagePull' && debug_wait musl-box "$n" 'waiting:ImagePullBackOff' || return 1
    msg=$(k get events --field-selector "involvedObject.name=musl-box,reason=Failed" -o json |
        json '"\n".join(e["message"] for e in d["items"] if e["involvedObject"].get("fieldPath") == "spec.ephemeralContainers{'"$n"'}")')
    printf '%s\n' "$msg" | grep -qxF 'Failed to pull image "registry.invalid/no-such/image:1": failed to pull and unpack image "registry.invalid/no-such/image:1": failed to resolve reference "registry.invalid/no-such/image:1": registry.invalid/no-such/image:1: not found' &&
        printf '%s\n' "$msg" | grep -qx 'Error: ImagePullBackOff' || { echo "events: $msg" >&2; return 1; }
    ! debug_exec musl-box "$n" true 2>/dev/null
}

test_debug_forbidden() {
    local n=st-rbac-$DEBUG_RUN
    admin POST /_standin/faults '{"namespace": "default", "pod": "musl-box", "forbidEphemeral": true, "count": 1}'
    expect_error "Error from server (Forbidden): pods \"musl-box\" is forbidden: User \"$USER_NAME\" cannot patch resource \"pods/ephemeralcontainers\" in API group \"\" in the namespace \"default\"" \
        k debug musl-box --image="$DEBUG_IMAGE" --target=box --container="$n" -- true ||
        { admin DELETE '/_standin/faults?namespace=default&pod=musl-box'; return 1; }
    [ "$(debug_state musl-box "$n")" = none ] || { echo "the refused container exists" >&2; return 1; }
    debug_start musl-box "$n" && debug_wait musl-box "$n" running   # the fault was for one request
}

test_debug_arm64() {
    local n=st-arm-$DEBUG_RUN out
    debug_start sample-arm64-qemu "$n" && debug_wait sample-arm64-qemu "$n" running || return 1
    out=$(debug_exec sample-arm64-qemu "$n" sh -c 'uname -m; ls /proc/1/root/tmp')
    printf '%s\n' "$out" | head -1 | grep -qx aarch64 && printf '%s\n' "$out" | grep -q '^dotnet-diagnostic-1-' ||
        { echo "got: $out" >&2; return 1; }
}

run_debug_once() {
    local m=$1
    check "debug (1.$m): --profile=baseline as root, no SYS_PTRACE: uid 1654's /proc/1/root is refused" \
        test_debug_root_noptrace "$m"
    check "debug (1.$m): without --custom on a runAsNonRoot pod: CreateContainerConfigError" test_debug_nonroot_policy "$m"
    check "debug: a root debug container with the default capabilities reads a root app's /proc/1/root" \
        test_debug_root_target
    check "debug: runAsUser 1654 without runAsGroup runs as gid 0 (no passwd entry): the app's /proc/1/root is refused" \
        test_debug_gid
    check "debug: ephemeral containers can be neither removed nor changed (422 Forbidden)" test_debug_immutable
    check "debug: an ended container is terminated (143), its exec'd processes die, exec is refused" \
        test_debug_terminated
    check "debug: an image that cannot be pulled: ErrImagePull, ImagePullBackOff, events, never runs" \
        test_debug_pull_failure
    check "debug: fault forbidEphemeral answers 403 as RBAC (count 1)" test_debug_forbidden
    check "debug: busybox on the arm64 (qemu) pod is arm64 too (uname -m aarch64) and sees the app" test_debug_arm64
}

# debug_cleanup: stop every debug container this run started (its main process), in parallel.
debug_cleanup() {
    local entry pod name
    for entry in "${DEBUG_STARTED[@]}"; do
        read -r pod name <<<"$entry"
        k exec "$pod" -c "$name" -- sh -c 'kill $(cat /tmp/.main-pid)' >/dev/null 2>&1 &
    done
    wait
}
