# t_push.sh - the push engine (src/push.c) driven directly by tests/e2e/drivers/push_driver: the
# verbs push only the tools they provision (t_diag.sh covers that), so any file, any name and both
# encodings are tried here: a random 64 MiB file and a hostile name, raw and base64, checked with the
# pod's own sha256sum, on the slim, busybox-musl, read-only-root, noexec-/tmp and non-root pods; two
# pushes at once into one pod; a tool already there is reused. Each pod is cleaned afterwards.

drv="$E2E_TOP/build/drivers/push_driver"
[ -x "$drv" ] || make -s -C "$E2E_TOP" drivers >/dev/null 2>&1
assert "the push driver is built (make drivers)" test -x "$drv"

big="$E2E_WORK/random 64M"
head -c $((64 * 1024 * 1024)) /dev/urandom >"$big"
big_sum=$(sha256sum <"$big" | cut -d' ' -f1)
small="$E2E_WORK/small"
head -c 100000 /dev/urandom >"$small"
small_sum=$(sha256sum <"$small" | cut -d' ' -f1)
weird=$'-a b \'q\' "d" $(touch pwned) `touch pwned2`;touch pwned3\nnl \\x\t*'

# field NAME: a NAME=value line of the last run's stdout, unescaped (\\ \t \n \r) when it is a path.
field() {
	local v
	v=$(printf '%s\n' "$OUT" | sed -n "s/^$1=//p")
	printf '%b' "$v"
}

# pod_sum POD CONTAINER PATH: sha256 of PATH in the pod (PATH is a positional argument: never
# parsed; read on stdin, as sha256sum escapes names with a backslash or newline in its output).
pod_sum() {
	kubectl exec "$1" -c "$2" -- sh -c 'sha256sum <"$1"' sh "$3" 2>/dev/null | cut -d' ' -f1
}

# One pod: big raw push, hostile name in base64, checks, clean.
push_on() { # POD CONTAINER EXPECT_WS_RE
	local pod=$1 ctr=$2 ws_re=$3 path ws
	run "$drv" "$pod" "$ctr" "$big" --artifact big
	check "$pod: push 64 MiB raw" 0 '^path=' ''
	path=$(field path) ws=$(field workspace)
	assert "$pod: the pod's sha256 of the 64 MiB file matches" test "$(pod_sum "$pod" "$ctr" "$path")" = "$big_sum"
	assert "$pod: workspace $ws is where expected ($ws_re)" grep -Eq -- "$ws_re" <<<"$ws"
	assert "$pod: workspace is mode 0700, owned by the exec user" \
		test "$(kubectl exec "$pod" -c "$ctr" -- sh -c 'ls -ldn "$1" | cut -c1-10; id -u; ls -ldn "$1" | { read -r a b c rest; echo "$c"; }' sh "$ws" | tr '\n' ' ')" \
		= "drwx------ $(kubectl exec "$pod" -c "$ctr" -- id -u) $(kubectl exec "$pod" -c "$ctr" -- id -u) "
	run "$drv" "$pod" "$ctr" "$small" --artifact "$weird" --base64
	check "$pod: push a hostile name in base64" 0 '^path=' ''
	path=$(field path)
	assert "$pod: the hostile name arrived intact with the right sha256" test "$(pod_sum "$pod" "$ctr" "$path")" = "$small_sum"
	assert "$pod: nothing ran from the name" test -z "$(kubectl exec "$pod" -c "$ctr" -- sh -c 'ls pwned* /tmp/pwned* 2>/dev/null' 2>/dev/null)"
	run kubectl dotnetprof clean "$pod" -c "$ctr"
	check "$pod: clean after the pushes" 0 'removed .*\.dotnetprof' ''
}

push_on sample-app app '^/tmp/\.dotnetprof$'
push_on musl-box box '^/tmp/\.dotnetprof$'
push_on sample-readonly app '^/tmp/\.dotnetprof$'
push_on sample-noexec app '^/(var/tmp|root|home/app)/\.dotnetprof$'
push_on sample-nonroot app '\.dotnetprof$'

# noexec /tmp: the workspace is elsewhere and allows exec; accepting noexec picks an exec dir first too
run "$drv" sample-noexec app "$small" --tool small
check "noexec pod: a tool lands in an exec-able workspace" 0 '^exec_ok=1$' ''
path=$(field path)
assert "noexec pod: the tool is executable where it is" kubectl exec sample-noexec -c app -- test -x "$path"
run "$drv" sample-noexec app "$small" --tool small
check "noexec pod: the same tool again is reused, not copied" 0 '^reused=1$' ''
run kubectl dotnetprof clean sample-noexec
check "noexec pod: clean" 0 'removed' ''

# Two pushes at once into one pod: the same tool name and two artifacts; both verify.
out1="$E2E_WORK/c1" out2="$E2E_WORK/c2" out3="$E2E_WORK/c3" out4="$E2E_WORK/c4"
"$drv" sample-app - "$big" --tool conc >"$out1" 2>&1 &
p1=$!
"$drv" sample-app - "$big" --tool conc >"$out2" 2>&1 &
p2=$!
"$drv" sample-app - "$small" --artifact a >"$out3" 2>&1 &
p3=$!
"$drv" sample-app - "$small" --artifact a >"$out4" 2>&1 &
p4=$!
rc1=0 rc2=0 rc3=0 rc4=0
wait $p1 || rc1=$?
wait $p2 || rc2=$?
wait $p3 || rc3=$?
wait $p4 || rc4=$?
RC="$rc1 $rc2 $rc3 $rc4" OUT=$(cat "$out1" "$out2" "$out3" "$out4") ERR= LAST_CMD="4 concurrent pushes"
check "four concurrent pushes into one pod all succeed" "0 0 0 0" '' ''
assert "concurrent: the tool in the pod is whole" test "$(pod_sum sample-app app /tmp/.dotnetprof/tools/conc)" = "$big_sum"
assert "concurrent: two runs, two run directories" test "$(sed -n 's/^runid=//p' "$out3" "$out4" | sort -u | wc -l)" = 2
assert "concurrent: every manifest line is whole (4 fields)" sh -c '
	kubectl exec sample-app -- cat /tmp/.dotnetprof/manifest | awk -F"\t" "NF != 4 { bad = 1 } END { exit bad }"'
run kubectl dotnetprof clean sample-app
check "concurrent: clean" 0 'removed /tmp/\.dotnetprof' ''

# A file larger than the pod's /tmp (a 512 MiB tmpfs): DPX_NOSPACE, no partial file left behind.
huge="$E2E_WORK/huge"
head -c $((600 * 1024 * 1024)) /dev/zero >"$huge"
run "$drv" sample-app - "$huge" --artifact huge
check "a push that does not fit fails with DPX_NOSPACE" "$(ex NOSPACE)" '' 'no space left in /tmp/\.dotnetprof'
assert "the failed push left no temp file" test -z "$(kubectl exec sample-app -- sh -c 'ls -A /tmp/.dotnetprof/runs/*/' 2>/dev/null)"
rm -f "$huge"
run kubectl dotnetprof clean sample-app
check "clean after the failed push" 0 'removed /tmp/\.dotnetprof' ''

# The bytes altered on the way in: a raw push that does not verify is sent again in base64 once;
# altered both times, it fails (DPX_TRANSFER) and says that something between changes them.
python3 "$E2E_TOP/tests/cluster/standin.py" fault --pod sample-app --flip-stdin-byte-at 5000 --count 1 >/dev/null
run "$drv" sample-app - "$small" --artifact flipped -v
check "a raw push altered on the way is sent again in base64, and verifies" 0 '^path=' \
	'did not verify .*: sending it again in base64'
assert "the copy that verified has the right sha256" \
	test "$(pod_sum sample-app app "$(field path)")" = "$small_sum"
python3 "$E2E_TOP/tests/cluster/standin.py" fault --pod sample-app --flip-stdin-byte-at 5000 >/dev/null
run "$drv" sample-app - "$small" --artifact flipped2
python3 "$E2E_TOP/tests/cluster/standin.py" fault --clear >/dev/null
check "altered raw and in base64: DPX_TRANSFER, and the hint says so" "$(ex TRANSFER)" '' \
	'altered on the way, raw and in base64'
run kubectl dotnetprof clean sample-app
check "clean after the altered pushes" 0 'removed /tmp/\.dotnetprof' ''
