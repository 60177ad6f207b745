#!/usr/bin/env bash
# rootless-selftest.sh: check the stand-in's rootless mode (standin.py run by a non-root user, with the
# daemon as root of a user namespace). Run it as root: it creates the system user dotnetprof-rootless
# (useradd -r -m) with subordinate ids 100000-165535 (usermod --add-subuids/--add-subgids; needs the
# uidmap package for newuidmap/newgidmap, else the non-root pod is skipped), then as that user brings up
# a small stand-in (own state dir, API port 31300, tools port 31301, pods on 31200+), checks pods and
# exec and an ephemeral container (kubectl debug), brings it down and checks that nothing of that
# user is left.
#
#   bash tests/cluster/rootless-selftest.sh            (env: ROOTLESS_USER, ROOTLESS_STATE, ROOTLESS_API_PORT,
#                                                       ROOTLESS_TOOLS_PORT, ROOTLESS_POD_PORT)
#   ROOTLESS_SUBIDS=0 ROOTLESS_USER=other-user bash tests/cluster/rootless-selftest.sh
#       checks the fallback without subordinate ids (that user gets none): the 1000:1000 pod runs as
#       root of the user namespace and `up` warns about it.
#
# Reuses build/sample-app and build/tools of this checkout read-only (they must exist, e.g. after a root
# `make cluster-up`). Prints "ok"/"not ok" lines and "N passed, M failed"; exits 1 on any failure.
# Every step has a timeout. Does not touch build/cluster or another user's stand-in.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
RUSER=${ROOTLESS_USER:-dotnetprof-rootless}
STATE=${ROOTLESS_STATE:-/tmp/dotnetprof-rootless-state}
API_PORT=${ROOTLESS_API_PORT:-31300}
TOOLS_PORT=${ROOTLESS_TOOLS_PORT:-31301}
POD_PORT=${ROOTLESS_POD_PORT:-31200}
PASS=0
FAIL=0

ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
notok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
finish() {
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
	exit $?
}
quiet() { "$@" >/dev/null 2>&1; }
# check NAME CMD...: ok when CMD exits 0
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else notok "$name"; fi
}

if [ "$(id -u)" -ne 0 ]; then
	echo "rootless-selftest: run as root (it creates the user $RUSER and switches to it)" >&2
	exit 2
fi
for tool in useradd usermod setpriv timeout kubectl python3 cc; do
	command -v "$tool" >/dev/null || { echo "rootless-selftest: $tool not found" >&2; exit 2; }
done
for f in build/sample-app/SampleApp.dll build/tools/SHA512SUMS; do
	[ -e "$REPO/$f" ] || { echo "rootless-selftest: $REPO/$f missing: build it first (make cluster-up as root)" >&2; exit 2; }
done

# --- the user, its subordinate ids ---------------------------------------------------------------
if ! id "$RUSER" >/dev/null 2>&1; then
	useradd -r -m -s /bin/sh "$RUSER" || { echo "rootless-selftest: useradd $RUSER failed" >&2; exit 2; }
fi
RUID=$(id -u "$RUSER")
RGID=$(id -g "$RUSER")
HAVE_RANGE=0
WANT_SUBIDS=${ROOTLESS_SUBIDS:-1}
if [ "$WANT_SUBIDS" = 0 ]; then
	if grep -q "^$RUSER:" /etc/subuid /etc/subgid 2>/dev/null; then
		echo "rootless-selftest: ROOTLESS_SUBIDS=0 but $RUSER has subordinate ids: use another ROOTLESS_USER" >&2
		exit 2
	fi
	echo "# ROOTLESS_SUBIDS=0: no subordinate ids, only uid 0 is mapped"
elif command -v newuidmap >/dev/null && command -v newgidmap >/dev/null; then
	grep -q "^$RUSER:" /etc/subuid 2>/dev/null || usermod --add-subuids 100000-165535 "$RUSER"
	grep -q "^$RUSER:" /etc/subgid 2>/dev/null || usermod --add-subgids 100000-165535 "$RUSER"
	grep -q "^$RUSER:" /etc/subuid && grep -q "^$RUSER:" /etc/subgid && HAVE_RANGE=1
else
	echo "# newuidmap/newgidmap missing (apt-get install uidmap): only uid 0 is mapped, the non-root pod is skipped"
fi

# as_user TIMEOUT CMD...: run CMD as the test user with a clean environment
as_user() {
	local t=$1
	shift
	timeout -k 5 "$t" setpriv --reuid="$RUID" --regid="$RGID" --init-groups --reset-env -- \
		env HOME="$(getent passwd "$RUSER" | cut -d: -f6)" PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
		KUBECONFIG="$STATE/kubeconfig" "$@"
}

# The user must be able to read the checkout (every directory up to it searchable, files readable);
# else it gets a readable copy of what standin.py needs (tests/cluster, build/sample-app, build/tools).
readable() {
	as_user 10 sh -c 'test -r "$1/tests/cluster/standin.py" && test -r "$1/build/sample-app/SampleApp.dll" &&
		test -r "$1/build/tools/SHA512SUMS" || exit 1
		test -z "$(find "$1/build/tools" "$1/build/sample-app" "$1/tests/cluster" ! -perm -o+r -print -quit)"' _ "$1"
}
COPY=""
if ! readable "$REPO"; then
	COPY=$(mktemp -d /tmp/dotnetprof-rootless-repo.XXXXXX)
	mkdir -p "$COPY/tests" "$COPY/build"
	cp -a "$REPO/tests/cluster" "$COPY/tests/" && cp -a "$REPO/build/sample-app" "$REPO/build/tools" "$COPY/build/" &&
		chmod -R a+rX "$COPY" && chmod 0755 "$COPY" || { echo "rootless-selftest: copying $REPO to $COPY failed" >&2; exit 2; }
	echo "# $RUSER cannot read $REPO: using a copy in $COPY"
	HERE=$COPY/tests/cluster
	trap 'rm -rf "$COPY"' EXIT
fi

# --- state dir and spec ----------------------------------------------------------------------------
if [ -d "$STATE" ]; then
	as_user 60 python3 "$HERE/standin.py" down --state "$STATE" >/dev/null 2>&1
	rm -rf "$STATE"
fi
install -d -o "$RUID" -g "$RGID" -m 0755 "$STATE"
SPEC=$STATE/rootless-spec.json
P1=$POD_PORT
P2=$((POD_PORT + 1))
dotnet_pod() { # NAME PORT USER
	cat <<EOF
  {"name": "$1", "namespace": "default", "labels": {"app": "$1"}, "containers": [
    {"name": "app", "profile": "slim", "command": ["dotnet", "/app/SampleApp.dll"],
     "env": {"DOTNET_RUNNING_IN_CONTAINER": "true", "DOTNET_CLI_TELEMETRY_OPTOUT": "1", "DOTNET_NOLOGO": "1",
             "ASPNETCORE_URLS": "http://127.0.0.1:$2"},
     "user": "$3", "workingDir": "/app", "tmp": {"noexec": true, "sizeMB": 64}, "readyURLs": ["http://127.0.0.1:$2/healthz"]}]},
EOF
}
{
	echo '{"nodes": [{"name": "node-amd64", "arch": "amd64", "os": "linux"}], "namespaces": ["default"], "pods": ['
	dotnet_pod rootless-app "$P1" 0:0
	[ "$HAVE_RANGE" = 1 ] || [ "$WANT_SUBIDS" = 0 ] && dotnet_pod rootless-nonroot "$P2" 1000:1000
	cat <<'EOF'
  {"name": "rootless-musl", "namespace": "default", "labels": {"app": "rootless-musl"}, "containers": [
    {"name": "box", "profile": "busybox-musl", "command": ["/bin/sh", "-c", "while true; do sleep 5; done"],
     "user": "0:0", "tmp": null}]}]}
EOF
} >"$SPEC"
chown "$RUID:$RGID" "$SPEC"

# --- up ---------------------------------------------------------------------------------------------
echo "# user $RUSER (uid $RUID), state $STATE, API port $API_PORT, tools port $TOOLS_PORT, pods $P1+"
if as_user 400 python3 "$HERE/standin.py" up --state "$STATE" --no-default-pods --spec "$SPEC" \
	--api-port "$API_PORT" --tools-port "$TOOLS_PORT" --timeout 240 >"$STATE/.up.out" 2>&1; then
	ok "up as $RUSER (rootless)"
else
	notok "up as $RUSER (rootless)"
	sed 's/^/#   /' "$STATE/.up.out"
	tail -n 30 "$STATE/daemon.log" 2>/dev/null | sed 's/^/#   daemon.log: /'
	as_user 60 python3 "$HERE/standin.py" down --state "$STATE" >/dev/null 2>&1
	finish
fi
check "up said rootless mode" grep -q "rootless mode" "$STATE/.up.out"
check "env has the tools port $TOOLS_PORT" grep -q "DOTNETPROF_TOOLS_URL=http://127.0.0.1:$TOOLS_PORT" "$STATE/env"
check "kubeconfig points at port $API_PORT" grep -q "server: https://127.0.0.1:$API_PORT" "$STATE/kubeconfig"
daemon_pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$STATE/daemon.json" 2>/dev/null)
if [ -n "$daemon_pid" ] && [ "$(stat -c %u "/proc/$daemon_pid")" = "$RUID" ] &&
	[ "$(readlink "/proc/$daemon_pid/ns/user")" != "$(readlink /proc/self/ns/user)" ]; then
	ok "daemon runs as uid $RUID in its own user namespace"
else
	notok "daemon runs as uid $RUID in its own user namespace (pid ${daemon_pid:-?})"
fi

# --- kubectl ---------------------------------------------------------------------------------------
out=$(as_user 60 kubectl get pods --no-headers 2>&1)
pods="rootless-app rootless-musl"
[ "$HAVE_RANGE" = 1 ] || [ "$WANT_SUBIDS" = 0 ] && pods="$pods rootless-nonroot"
missing=""
for p in $pods; do
	echo "$out" | grep -Eq "^$p +1/1 +Running" || missing="$missing $p"
done
if [ -z "$missing" ]; then ok "kubectl get pods lists $pods Running"; else notok "kubectl get pods (not Running:$missing): $out"; fi

# kx NAME WANT POD CMD...: kubectl exec POD -- CMD must print exactly WANT
kx() {
	local name=$1 want=$2 pod=$3 got
	shift 3
	got=$(as_user 60 kubectl exec "$pod" -- "$@" 2>&1)
	if [ "$got" = "$want" ]; then ok "$name"; else notok "$name: want '$want', got '$got'"; fi
}
kx "exec rootless-app -- uname -m" x86_64 rootless-app uname -m
kx "exec rootless-app -- id -u is 0" 0 rootless-app id -u
kx "exec rootless-musl -- uname -m" x86_64 rootless-musl uname -m
kx "exec rootless-musl -- id -u is 0" 0 rootless-musl id -u
kx "exec rootless-app: hostname is the pod name" rootless-app rootless-app cat /proc/sys/kernel/hostname
kx "exec rootless-app: app is pid 1" "dotnet" rootless-app sh -c 'tr "\0" " " </proc/1/cmdline | cut -d" " -f1'
kx "exec rootless-app: /dev/null is a char device" yes rootless-app sh -c 'test -c /dev/null && echo -n x >/dev/null && echo yes'
kx "exec rootless-app: /dev/urandom reads" 16 rootless-app sh -c 'head -c 16 /dev/urandom | wc -c'
mounts=$(as_user 60 kubectl exec rootless-app -- cat /proc/self/mounts 2>&1)
# mnt NAME REGEX: a line of the container's /proc/self/mounts matches REGEX
mnt() {
	if echo "$mounts" | grep -Eq "$2"; then ok "$1"; else notok "$1 (no mount matches '$2')"; fi
}
mnt "exec rootless-app: root is an overlay with host paths" "^overlay / overlay .*upperdir=$STATE/pods/"
mnt "exec rootless-app: /tmp is a 64 MiB noexec tmpfs" "^tmpfs /tmp tmpfs [^ ]*noexec[^ ]*size=65536k"
mnt "exec rootless-app: /sys is read-only" "^[^ ]+ /sys sysfs ro,"
mnt "exec rootless-app: /app is read-only" "^[^ ]+ /app [^ ]+ ro,"
mnt "exec rootless-app: /proc is its own" "^proc /proc proc rw,"
kx "exec rootless-app: /usr/share/dotnet read-only" ro rootless-app sh -c \
	'touch /usr/share/dotnet/x 2>/dev/null && echo rw || echo ro'
kx "exec rootless-app: sees only its own processes" /proc/1 rootless-app sh -c 'ls -d /proc/[0-9]* | head -n 1'
if [ "$HAVE_RANGE" = 1 ]; then
	kx "exec rootless-nonroot -- id -u is 1000" 1000 rootless-nonroot id -u
	kx "exec rootless-nonroot -- id -g is 1000" 1000 rootless-nonroot id -g
	kx "exec rootless-nonroot: the app runs as 1000" 1000 rootless-nonroot sh -c 'stat -c %u /proc/1'
	hostuid=$(ps -o uid= -p "$(python3 -c 'import json,sys; r=[x for x in json.load(open(sys.argv[1])) if x["pod"]=="rootless-nonroot"]; print(r[0]["init"])' "$STATE/pids.json" 2>/dev/null)" 2>/dev/null | tr -d ' ')
	if [ "$hostuid" = 100999 ]; then ok "non-root pod runs as subordinate uid 100999 on the host"; else notok "non-root pod host uid: want 100999, got '${hostuid:-?}'"; fi
elif [ "$WANT_SUBIDS" = 0 ]; then
	kx "no subids: rootless-nonroot runs as root of the namespace" 0 rootless-nonroot id -u
	check "no subids: up warned about rootless-nonroot" grep -q "warning: .*default/rootless-nonroot/app (1000:1000)" "$STATE/.up.out"
else
	echo "# SKIP non-root pod (no subordinate ids)"
fi
got=$(printf 'hello rootless\n' | as_user 60 kubectl exec -i rootless-app -- sh -c 'cat >/tmp/in && cat /tmp/in' 2>&1)
if [ "$got" = "hello rootless" ]; then ok "exec stdin -> file -> stdout"; else notok "exec stdin/stdout: got '$got'"; fi
got=$(printf 'abc' | as_user 60 kubectl exec -i rootless-musl -- sh -c 'cat | wc -c' 2>&1 | tr -d ' ')
if [ "$got" = 3 ]; then ok "exec stdin into busybox sh (EOF)"; else notok "exec stdin busybox: got '$got'"; fi
as_user 60 kubectl exec rootless-app -- sh -c 'exit 3' >/dev/null 2>&1
rc=$?
if [ "$rc" = 3 ]; then ok "exec exit code 3"; else notok "exec exit code: want 3, got $rc"; fi
got=$(as_user 30 curl -s --max-time 10 "http://127.0.0.1:$P1/healthz" 2>&1)
if [ "$got" = ok ]; then ok "app /healthz from the host"; else notok "app /healthz from the host: got '$got'"; fi
got=$(as_user 30 curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$TOOLS_PORT/dotnet-trace/linux-x64" 2>&1)
if [ "$got" = 302 ]; then ok "tools server on $TOOLS_PORT answers 302"; else notok "tools server: got '$got'"; fi
# an ephemeral container: joins the app's pid namespace inside the user namespace, sees its files
if as_user 60 kubectl debug rootless-app --image=busybox:1.36 --target=app --container=dbg -- sleep 600 >/dev/null 2>&1; then
	for _ in $(seq 80); do
		[ "$(as_user 30 kubectl get pod rootless-app -o jsonpath='{.status.ephemeralContainerStatuses[0].state.running}' 2>/dev/null)" ] && break
		sleep 0.25
	done
	got=$(as_user 60 kubectl exec rootless-app -c dbg -- sh -c 'id -u; ls /proc/1/root/tmp | grep -c "^dotnet-diagnostic-1-"' 2>&1)
	if [ "$got" = "$(printf '0\n1')" ]; then ok "kubectl debug --target=app: the app's socket under /proc/1/root"
	else notok "kubectl debug: exec printed '$got'"; fi
else
	notok "kubectl debug rootless-app"
fi
check "status says up" quiet as_user 30 python3 "$HERE/standin.py" status --state "$STATE"

# --- down --------------------------------------------------------------------------------------------
if as_user 120 python3 "$HERE/standin.py" down --state "$STATE" >"$STATE/.down.out" 2>&1; then
	ok "down"
else
	notok "down: $(cat "$STATE/.down.out")"
fi
# processes of the user or its subordinate ids; zombies (already dead, reaped by init) do not count
user_procs() { ps -e -o uid=,pid=,stat=,args= | awk -v u="$RUID" '($1 == u || ($1 >= 100000 && $1 < 165536)) && $3 !~ /^Z/'; }
for _ in $(seq 50); do
	[ -z "$(user_procs)" ] && break
	sleep 0.2
done
left=$(user_procs)
if [ -z "$left" ]; then ok "no process of $RUSER (or its subordinate ids) left"; else notok "processes left: $left"; fi
if grep -q " $STATE/" /proc/self/mountinfo; then notok "mounts left under $STATE"; else ok "no mount left under $STATE"; fi
mnt_left=$(for p in /proc/[0-9]*; do grep -l "$STATE/" "$p/mountinfo" 2>/dev/null; done | head -3)
if [ -z "$mnt_left" ]; then ok "no mount namespace refers to $STATE"; else notok "mount namespaces still refer to $STATE: $mnt_left"; fi
# --- down after the daemon died -------------------------------------------------------------------
if as_user 300 python3 "$HERE/standin.py" up --state "$STATE" --no-default-pods --spec "$SPEC" \
	--api-port "$API_PORT" --tools-port "$TOOLS_PORT" --timeout 240 >"$STATE/.up2.out" 2>&1; then
	daemon_pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$STATE/daemon.json" 2>/dev/null)
	[ -n "$daemon_pid" ] && kill -KILL "$daemon_pid"
	sleep 1
	check "down after the daemon was killed" quiet as_user 120 python3 "$HERE/standin.py" down --state "$STATE"
	for _ in $(seq 50); do
		[ -z "$(user_procs)" ] && break
		sleep 0.2
	done
	left=$(user_procs)
	if [ -z "$left" ]; then ok "no process left after killed daemon + down"; else notok "processes left: $left"; fi
else
	notok "second up (to kill its daemon): $(tail -n 3 "$STATE/.up2.out")"
fi

for port in "$API_PORT" "$TOOLS_PORT" "$P1"; do
	if python3 -c 'import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1])))' "$port" 2>/dev/null; then
		ok "port $port free after down"
	else
		notok "port $port still in use after down"
	fi
done
# --- the refusal when the kernel forbids user namespaces ------------------------------------------
# In a child user namespace (ids 0-65535 mapped to themselves) whose user.max_user_namespaces is 0,
# the test user's `up` must stop before doing anything and name that setting.
if [ "$RUID" -lt 65536 ] && [ "$RGID" -lt 65536 ]; then
	REFUSE=$STATE/refuse
	install -d -o "$RUID" -g "$RGID" "$REFUSE"
	cat >"$REFUSE/run.sh" <<EOF
if [ "\$1" != mapped ]; then
	for _ in \$(seq 100); do [ -n "\$(cat /proc/self/gid_map)" ] && exec sh "\$0" mapped; sleep 0.1; done
	exit 99
fi
echo 0 >/proc/sys/user/max_user_namespaces || exit 98
exec setpriv --reuid=$RUID --regid=$RGID --clear-groups -- env HOME=/ python3 "$HERE/standin.py" up \
	--state "$REFUSE/state" --no-default-pods --spec "$SPEC" --api-port "$API_PORT" --tools-port "$TOOLS_PORT"
EOF
	timeout -k 5 60 unshare --user sh "$REFUSE/run.sh" >"$REFUSE/out" 2>&1 &
	tpid=$!
	# timeout's child is the shell in the new user namespace: map ids 0-65535 to themselves
	for _ in $(seq 50); do
		uns=$(cat /proc/$tpid/task/*/children 2>/dev/null | awk '{print $1}')
		if [ -n "$uns" ] && [ "$(readlink "/proc/$uns/ns/user" 2>/dev/null)" != "$(readlink /proc/self/ns/user)" ]; then
			echo "0 0 65536" >"/proc/$uns/uid_map" && echo "0 0 65536" >"/proc/$uns/gid_map"
			break
		fi
		sleep 0.1
	done
	wait "$tpid"
	rc=$?
	if [ "$rc" = 2 ] && grep -q "max_user_namespaces is 0" "$REFUSE/out" && [ ! -e "$REFUSE/state" ]; then
		ok "refuses clearly when user.max_user_namespaces is 0 (exit 2)"
		sed 's/^/#   /' "$REFUSE/out"
	else
		notok "refusal when user.max_user_namespaces is 0: exit $rc: $(cat "$REFUSE/out")"
	fi
fi
finish
