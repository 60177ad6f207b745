# t_clean.sh - `kubectl dotnetprof clean` (issue 4 acceptance): the pod's filesystem is as it was
# before the plugin touched it (listed before and after), also after a push killed with SIGKILL
# half-way; --dry-run removes nothing; nothing outside the workspace is removed (a file outside, a
# symbolic link inside pointing at it, manifest lines pointing outside); our tool processes are
# stopped, a foreign pid is left alone; --all-containers; no workspace; a workspace not ours.

drv="$E2E_TOP/build/drivers/push_driver"
[ -x "$drv" ] || make -s -C "$E2E_TOP" drivers >/dev/null 2>&1
assert "the push driver is built (make drivers)" test -x "$drv"
data="$E2E_WORK/data"
head -c 3000000 /dev/urandom >"$data"
big="$E2E_WORK/big"
head -c $((512 * 1024 * 1024)) /dev/zero >"$big"

field() { printf '%s\n' "$OUT" | sed -n "s/^$1=//p"; }

# snapshot POD CONTAINER: every path (type, mode) under /, the candidate directories and their
# mounts. Uses find where the image has it (debian), else a recursive ls of the candidate dirs.
snapshot() {
	kubectl exec "$1" -c "$2" -- sh -c '
		dirs="/ /tmp /var/tmp /dev/shm ${TMPDIR-} ${HOME-} $PWD"
		if command -v find >/dev/null; then
			find $dirs -xdev \( -path /proc -o -path /sys \) -prune -o -printf "%p %y %m\n" 2>/dev/null
		else
			for d in /tmp /var/tmp /dev/shm ${TMPDIR-} ${HOME-} $PWD; do
				ls -AR1F "$d" 2>/dev/null
			done
		fi' | sort
}

# ---- debian: full listing of / before and after; a planted file outside must survive ----
kubectl exec sample-debian -- sh -c 'printf keep >/var/tmp/outside-keep'
kubectl dotnetprof clean sample-debian >/dev/null 2>&1 || true # what earlier scenarios left
before=$(snapshot sample-debian app)
assert "debian: the snapshot lists the root filesystem" grep -q '^/etc/passwd ' <<<"$before"
run "$drv" sample-debian - "$data" --tool mytool
check "debian: push a tool" 0 '^workspace=/tmp/\.dotnetprof$' ''
run "$drv" sample-debian - "$data" --artifact art
check "debian: push an artifact" 0 '^path=' ''
ws=/tmp/.dotnetprof
kubectl exec sample-debian -- sh -c '
	ln -s /var/tmp/outside-keep "$1/tools/evil"
	ln -s /var/tmp "$1/runs/evil-dir"
	printf "%s\n" "R1	artifact	/var/tmp/outside-keep	4" "R1	artifact	../../var/tmp/outside-keep	4" \
		"R1	artifact	runs/evil-dir/outside-keep	4" >>"$1/manifest"' sh "$ws"
run kubectl dotnetprof clean sample-debian --dry-run
check "debian: clean --dry-run lists the tool" 0 'would remove +tool .*tools/mytool' ''
check "debian: clean --dry-run lists the planted link as unlisted" 0 'would remove +unlisted .*tools/evil' ''
check "debian: clean --dry-run says nothing was removed" 0 'dry run: nothing was removed' ''
assert "debian: after --dry-run the workspace is untouched" kubectl exec sample-debian -- test -x "$ws/tools/mytool"
run kubectl dotnetprof clean sample-debian
check "debian: clean removes the workspace" 0 'removed /tmp/\.dotnetprof: .* freed' ''
check "debian: clean refuses the manifest entry outside" 0 'refused +manifest entry "/var/tmp/outside-keep"' ''
check "debian: clean refuses the .. entry" 0 'refused +manifest entry "\.\./\.\./var/tmp/outside-keep"' ''
assert "debian: the file outside survived with its content" test "$(kubectl exec sample-debian -- cat /var/tmp/outside-keep)" = keep
after=$(snapshot sample-debian app)
assert "debian: the filesystem is as before (find / before and after)" test "$before" = "$after"
[ "$before" = "$after" ] || diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | head -20 | sed 's/^/#   /'
kubectl exec sample-debian -- rm -f /var/tmp/outside-keep
run kubectl dotnetprof clean sample-debian
check "debian: a second clean has nothing to clean" 0 'nothing to clean' ''

# main_ctr POD: the pod's first container (the stand-in's selftest leaves ephemeral debug containers
# in some pods: exec names the container, so kubectl says nothing about a default)
main_ctr() { kubectl get pod "$1" -o jsonpath='{.spec.containers[0].name}'; }

# ---- a push killed with SIGKILL half-way: the pod's side first (its shell gets no chance to remove
# its temp file), then the plugin and kubectl. clean removes the partial file and the run. ----
for pod in sample-app musl-box; do
	kubectl dotnetprof clean "$pod" >/dev/null 2>&1 || true
	before=$(snapshot "$pod" "")
	# a link paced to 50 MB/s: the 512 MiB push takes about 10 s, so it is surely under way when killed
	python3 "$E2E_TOP/tests/cluster/standin.py" fault --pod "$pod" --rate-bytes-per-sec 50000000 >/dev/null
	setsid "$drv" "$pod" - "$big" --artifact big >/dev/null 2>&1 &
	pid=$!
	# wait (up to 60 s on a loaded machine) until the temp file holds bytes: the copy is under way
	for i in $(seq 240); do
		sleep 0.25
		n=$(kubectl exec "$pod" -c "$(main_ctr "$pod")" -- sh -c \
			'for f in /tmp/.dotnetprof/runs/*/.push.*; do [ -s "$f" ] && echo y; done' 2>/dev/null)
		[ -n "$n" ] && break
	done
	# the remote sh of the push: its arguments hold "raw SIZE SIZE" (this script's own do not); it
	# is killed first, so that it cannot remove its temp file when its stdin ends. busybox's sh forks
	# a subshell with the same arguments: all of them are stopped before any is killed (killed one at
	# a time, a parent would see its child die and remove the temp file before its own turn)
	killed=$(kubectl exec "$pod" -c "$(main_ctr "$pod")" -- sh -c '
		p=
		for d in /proc/[0-9]*; do
			c=$(tr "\000" " " <"$d/cmdline" 2>/dev/null)
			case $c in *" raw $1 $1 "*) p="$p ${d#/proc/}" ;; esac
		done
		if [ -n "$p" ]; then kill -STOP $p; kill -KILL $p; echo $p; fi' sh $((512 * 1024 * 1024)) 2>/dev/null)
	kill -KILL -- "-$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	python3 "$E2E_TOP/tests/cluster/standin.py" fault --clear >/dev/null
	assert "$pod: the push's shell was found and killed in the pod (${killed:-none})" test -n "$killed"
	assert "$pod: the killed push left a partial temp file in its run directory" \
		grep -q '/\.push\.' <<<"$(kubectl exec "$pod" -c "$(main_ctr "$pod")" -- sh -c \
			'ls -d /tmp/.dotnetprof/runs/*/.push.*' 2>/dev/null)"
	run kubectl dotnetprof clean "$pod"
	check "$pod: clean after the killed push" 0 'removed /tmp/\.dotnetprof' ''
	after=$(snapshot "$pod" "")
	assert "$pod: the filesystem is as before the killed push" test "$before" = "$after"
	[ "$before" = "$after" ] || diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | head -20 | sed 's/^/#   /'
done

# ---- processes: our tool is stopped, a foreign pid is left alone ----
run "$drv" sample-app - /bin/sleep --tool sleep
check "push a stand-in tool (sleep)" 0 '^path=' ''
tool=$(field path) runid=$(field runid)
# (sh starts a background job with SIGINT ignored: env --default-signal gives it back, as the diag
# verbs must do for the real tools)
kubectl exec sample-app -- sh -c 'env --default-signal=INT "$1" 600 </dev/null >/dev/null 2>&1 & echo $! >"$2/runs/$3/sleep.pid"; echo 1 >"$2/runs/$3/app.pid"' \
	sh "$tool" /tmp/.dotnetprof "$runid"
tpid=$(kubectl exec sample-app -- cat "/tmp/.dotnetprof/runs/$runid/sleep.pid")
assert "the stand-in tool runs in the pod" kubectl exec sample-app -- test -d "/proc/$tpid"
run kubectl dotnetprof clean sample-app --dry-run
check "clean --dry-run would stop our tool" 0 "would stop pid $tpid" ''
check "clean --dry-run would leave the app alone" 0 'left +pid 1 ' ''
run kubectl dotnetprof clean sample-app
check "clean stops our tool with SIGINT" 0 "stopped +pid $tpid with SIGINT" ''
check "clean leaves pid 1 alone" 0 'left +pid 1 ' ''
assert "the tool is gone" sh -c "! kubectl exec sample-app -- sh -c 'read -r s </proc/$tpid/stat && case \${s##*) } in Z*) exit 1;; esac' 2>/dev/null"
assert "the app (pid 1) still runs" kubectl exec sample-app -- test -d /proc/1/fd

# ---- --all-containers ----
run "$drv" sample-sidecar app "$data" --artifact x
check "sidecar pod: push into app" 0 '^path=' ''
run "$drv" sample-sidecar sidecar "$data" --artifact x
check "sidecar pod: push into sidecar" 0 '^path=' ''
run kubectl dotnetprof clean sample-sidecar
check "sidecar pod: clean without -c lists the containers" "$(ex AMBIGUOUS)" '' 'sidecar'
run kubectl dotnetprof clean sample-sidecar -c app --all-containers
check "-c with --all-containers is a usage error" "$(ex USAGE)" '' 'exclude'
run kubectl dotnetprof clean sample-sidecar --all-containers
check "clean --all-containers cleans app" 0 'container "app" of pod "sample-sidecar"' ''
check "clean --all-containers cleans sidecar" 0 'container "sidecar" of pod "sample-sidecar"' ''
assert "clean --all-containers removed both workspaces" test "$(printf '%s\n' "$OUT" | grep -c '^removed ')" = 2

# ---- no workspace; a workspace that is not ours ----
run kubectl dotnetprof clean musl-box
check "no workspace: nothing to clean, exit 0" 0 'nothing to clean in container "box" of pod "musl-box"' ''
kubectl exec sample-debian -- sh -c 'mkdir -p /var/tmp/elsewhere && printf keep >/var/tmp/elsewhere/f && ln -s /var/tmp/elsewhere /tmp/.dotnetprof'
run kubectl dotnetprof clean sample-debian
check "a workspace that is a symbolic link is left alone (exit 1)" 1 '' 'left /tmp/\.dotnetprof alone.*symbolic link'
assert "its target is untouched" test "$(kubectl exec sample-debian -- cat /var/tmp/elsewhere/f)" = keep
kubectl exec sample-debian -- sh -c 'rm -f /tmp/.dotnetprof; rm -rf /var/tmp/elsewhere'
run kubectl dotnetprof clean sample-nonexistent
check "clean of a missing pod" "$(ex NOTFOUND)" '' 'not found'
