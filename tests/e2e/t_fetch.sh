# t_fetch.sh - `kubectl dotnetprof fetch` (issue 4 acceptance): 1 GiB copies that survive three
# cuts and a SIGKILL, a corrupted stream that is caught, the slim, busybox-musl and read-only-root
# profiles, hostile file names that must be copied and never run, no clobbering, clear errors,
# and identical results over raw, base64 and gzip.

standin() { python3 "$E2E_TOP/tests/cluster/standin.py" "$@" >/dev/null; }
pexec() { # POD [-c C] -- CMD...: kubectl exec, stdout only
	kubectl exec "$@"
}
local_sha() { sha256sum <"$1" | cut -d' ' -f1; }
pod_sha() { # POD PATH
	kubectl exec "$1" -- sh -c 'sha256sum <"$1"' sh "$2" | cut -d' ' -f1
}
# count_matches PATTERN: how many lines of the last run's stderr match
count_matches() { printf '%s\n' "$ERR" | grep -cE -- "$1" || true; }

out=$E2E_WORK/fetch
mkdir -p "$out"
cd "$out" || exit 1
standin fault --clear

# ---- 1 GiB on the slim profile (coreutils, no tar, no gzip) -------------------------------------
# /tmp is a 512 MB tmpfs: the big file lives on the pod's writable root (/var/tmp, overlay).
# sample-app for the plain copy; the fault-injected copies use sample-nodiag (same slim profile), a
# pod no other scenario execs into, so that no other exec can take a counted fault meant for us.
big=/var/tmp/dotnetprof-e2e-big.bin
FP=sample-nodiag
for p in sample-app $FP; do
	pexec $p -- sh -c 'head -c 1073741824 /dev/urandom >"$1"' sh "$big"
done
big_sha=$(pod_sha sample-app "$big")
fp_sha=$(pod_sha $FP "$big")
assert "the 1 GiB source files exist" test -n "$big_sha" -a -n "$fp_sha"

run kubectl dotnetprof fetch sample-app "$big" -o big.bin
check "fetch 1 GiB from sample-app" 0 'big\.bin: 1073741824 bytes .*sha256 '"$big_sha" ''
assert "1 GiB copy has the pod's sha256" test "$(local_sha big.bin)" = "$big_sha"
assert "no big.bin.part left after success" test ! -e big.bin.part
rm -f big.bin
pexec sample-app -- rm -f "$big"

# Three cuts at random offsets: counted faults apply to the next execs in order. A fresh fetch is one
# exec (the stat records come on its stderr), so the stream and its first two resumes take the three.
for i in 1 2 3; do
	standin fault --pod $FP --cut-after-bytes $(( (RANDOM * 32768 + RANDOM) % 300000000 + 1000000 )) --count 1
done
run kubectl dotnetprof -v fetch $FP "$big" -o big.bin
standin fault --clear
check "fetch 1 GiB with the stream cut 3 times" 0 'big\.bin: 1073741824 bytes' ''
assert "3 resumes were reported with -v" test "$(count_matches 'resuming at byte [0-9]+ of 1073741824')" = 3
assert "slim (no openssl): the pod's sha256 is sha256sum's" test "$(count_matches 'verify with sha256 by sha256sum')" -ge 1
assert "the copy after 3 cuts has the pod's sha256" test "$(local_sha big.bin)" = "$fp_sha"
rm -f big.bin

# SIGKILL half-way leaves big.bin.part; --resume completes it.
kubectl dotnetprof fetch $FP "$big" -o big.bin >/dev/null 2>&1 &
fpid=$!
# kill it once 64 MiB arrived (start-up takes a second or more under load)
for _ in $(seq 1 300); do
	[ "$(stat -c %s big.bin.part 2>/dev/null || echo 0)" -gt 67108864 ] && break
	sleep 0.1
done
kill -9 "$fpid" 2>/dev/null
wait "$fpid" 2>/dev/null
part_size=$(stat -c %s big.bin.part 2>/dev/null || echo 0)
assert "a fetch killed with SIGKILL leaves big.bin.part and no big.bin" \
	test -e big.bin.part -a ! -e big.bin -a "$part_size" -gt 0 -a "$part_size" -lt 1073741824
run kubectl dotnetprof fetch $FP "$big" -o big.bin
check "without --resume an existing .part is refused" "$(ex EXISTS)" '' 'big\.bin\.part exists.*|--resume'
run kubectl dotnetprof fetch $FP "$big" -o big.bin --resume
check "fetch --resume completes the killed copy" 0 'big\.bin: 1073741824 bytes' 'resuming big\.bin\.part from byte [1-9]'
assert "the resumed copy has the pod's sha256" test "$(local_sha big.bin)" = "$fp_sha"
rm -f big.bin big.bin.part
pexec $FP -- rm -f "$big"

# ---- a corrupted stream is caught --------------------------------------------------------------
mid=/var/tmp/dotnetprof-e2e-64m.bin
for p in sample-app $FP; do
	pexec $p -- sh -c 'head -c 67108864 /dev/urandom >"$1"' sh "$mid"
done
mid_sha=$(pod_sha sample-app "$mid")
standin fault --pod $FP --flip-byte-at 5000000
run kubectl dotnetprof fetch $FP "$mid" -o mid.bin
standin fault --clear
check "a flipped byte fails the fetch with DPX_TRANSFER" "$(ex TRANSFER)" '' 'sha256 mismatch'
assert "the corrupted copy stays mid.bin.part; mid.bin does not exist" test -e mid.bin.part -a ! -e mid.bin
rm -f mid.bin.part

# ---- encodings give identical files ------------------------------------------------------------
for enc in raw base64; do
	run kubectl dotnetprof fetch sample-app "$mid" -o "mid-$enc.bin" --encoding "$enc"
	check "fetch --encoding $enc" 0 "mid-$enc\\.bin: 67108864 bytes" ''
	assert "--encoding $enc copy has the pod's sha256" test "$(local_sha "mid-$enc.bin")" = "$mid_sha"
done
fp_mid_sha=$(pod_sha $FP "$mid")
standin fault --pod $FP --cut-after-bytes 22222222 --count 1
standin fault --pod $FP --cut-after-bytes 12345678 --count 1
run kubectl dotnetprof -v fetch $FP "$mid" -o mid-b64cut.bin --encoding base64
standin fault --clear
check "base64 resumes after a cut" 0 'mid-b64cut\.bin: 67108864 bytes' 'resuming at byte'
assert "the resumed base64 copy has the pod's sha256" test "$(local_sha mid-b64cut.bin)" = "$fp_mid_sha"
rm -f mid-*.bin
pexec $FP -- rm -f "$mid"

# An existing file is not overwritten without --force.
echo precious >keep.bin
run kubectl dotnetprof fetch sample-app "$mid" -o keep.bin
check "an existing local file is refused" "$(ex EXISTS)" '' 'keep\.bin already exists'
assert "the existing file is unchanged" test "$(cat keep.bin)" = precious
run kubectl dotnetprof fetch sample-app "$mid" -o keep.bin --force
check "--force overwrites it" 0 'keep\.bin: 67108864 bytes' ''
assert "--force copy has the pod's sha256" test "$(local_sha keep.bin)" = "$mid_sha"
rm -f keep.bin
# -o DIR means DIR/basename
mkdir -p into
run kubectl dotnetprof fetch "sample-app:$mid" -o into
check "POD:PATH with -o DIR writes DIR/basename" 0 'into/dotnetprof-e2e-64m\.bin: 67108864' ''
rm -rf into
pexec sample-app -- rm -f "$mid"

# ---- gzip: debian profile (has gzip) with a compressible and a random file ----------------------
pexec sample-debian -- sh -c '{ head -c 20000000 /dev/zero; seq 1 3000000; head -c 8000000 /dev/urandom; } >/tmp/dotnetprof-e2e-mixed.bin'
mixed_sha=$(pod_sha sample-debian /tmp/dotnetprof-e2e-mixed.bin)
# auto over a slow link (the stand-in paces the pod's stream to 20 MB/s): the raw start is timed,
# proves slow, and gzip takes over from where it got to
standin fault --pod sample-debian --rate-bytes-per-sec 20000000
run kubectl dotnetprof -v fetch sample-debian /tmp/dotnetprof-e2e-mixed.bin -o auto.bin
standin fault --clear
check "auto switches to gzip for compressible data over a slow link" 0 'auto\.bin: .*, gzip' \
	'raw stream: [0-9]+ MB/s over [0-9]+ ms: the link is slow, switching to gzip'
assert "auto over a slow link gives the pod's sha256" test "$(local_sha auto.bin)" = "$mixed_sha"
assert "debian (openssl, as ca-certificates brings it): the pod's sha256 is openssl's" \
	test "$(count_matches 'verify with sha256 by openssl')" -ge 1
for spec in "raw --compress none" "base64 --compress none" "gzip" "base64 --compress gzip"; do
	name=$(echo "$spec" | tr ' ' '_' | tr -d -)
	# shellcheck disable=SC2086
	run kubectl dotnetprof fetch sample-debian /tmp/dotnetprof-e2e-mixed.bin -o "$name.bin" --encoding $spec
	check "fetch --encoding $spec from sample-debian" 0 "$name\\.bin: " ''
	assert "--encoding $spec gives the pod's sha256" test "$(local_sha "$name.bin")" = "$mixed_sha"
done
# auto over a fast link (paced to 150 MB/s, above the 100 MB/s limit): 400 MB of zeros compress,
# so the raw stream is timed over its first second and the verdict said (it stays raw; a loaded
# machine may prove slower and switch: either way the copy verifies). At >= 2.6 s the stream always
# outlasts the timing.
pexec sample-debian -- sh -c 'head -c 400000000 /dev/zero >/var/tmp/dotnetprof-e2e-zeros.bin'
standin fault --pod sample-debian --rate-bytes-per-sec 150000000
run kubectl dotnetprof -v fetch sample-debian /var/tmp/dotnetprof-e2e-zeros.bin -o zeros.bin
standin fault --clear
check "auto times the raw stream before it chooses gzip" 0 'zeros\.bin: 400000000 bytes' \
	'raw stream: [0-9]+ MB/s over [0-9]+ ms: '
assert "auto over a fast link gives the pod's copy" test "$(local_sha zeros.bin)" = \
	"$(head -c 400000000 /dev/zero | sha256sum | cut -d' ' -f1)"
rm -f zeros.bin
pexec sample-debian -- rm -f /var/tmp/dotnetprof-e2e-zeros.bin
standin fault --pod sample-debian --cut-after-bytes 250000 --count 1
standin fault --pod sample-debian --cut-after-bytes 200000 --count 1
standin fault --pod sample-debian --cut-after-bytes 300000 --count 1
run kubectl dotnetprof -v fetch sample-debian /tmp/dotnetprof-e2e-mixed.bin -o gzcut.bin --encoding gzip
standin fault --clear
check "gzip resumes after two cuts" 0 'gzcut\.bin: .*gzip' 'resuming at byte'
assert "gzip copy after cuts has the pod's sha256" test "$(local_sha gzcut.bin)" = "$mixed_sha"
rm -f ./*.bin
pexec sample-debian -- rm -f /tmp/dotnetprof-e2e-mixed.bin

# ---- busybox-musl and a read-only root with a writable /tmp ------------------------------------
pexec musl-box -- sh -c 'head -c 33554432 /dev/urandom >/var/tmp/dotnetprof-e2e.bin'
box_sha=$(kubectl exec musl-box -- sh -c 'sha256sum </var/tmp/dotnetprof-e2e.bin' | cut -d' ' -f1)
for enc in raw base64 gzip; do
	standin fault --pod musl-box --cut-after-bytes 2000000 --count 1
	standin fault --pod musl-box --cut-after-bytes 3000000 --count 1
	run kubectl dotnetprof -v fetch musl-box /var/tmp/dotnetprof-e2e.bin -o "box-$enc.bin" --encoding "$enc"
	standin fault --clear
	check "busybox-musl: fetch --encoding $enc with a cut" 0 "box-$enc\\.bin: 33554432 bytes" 'resuming at byte'
	assert "busybox-musl --encoding $enc copy has the pod's sha256" test "$(local_sha "box-$enc.bin")" = "$box_sha"
done
pexec musl-box -- rm -f /var/tmp/dotnetprof-e2e.bin

pexec sample-readonly -- sh -c 'head -c 33554432 /dev/urandom >/tmp/dotnetprof-e2e.bin'
ro_sha=$(pod_sha sample-readonly /tmp/dotnetprof-e2e.bin)
standin fault --pod sample-readonly --cut-after-bytes 4000000 --count 1
standin fault --pod sample-readonly --cut-after-bytes 5000000 --count 1
run kubectl dotnetprof -v fetch sample-readonly /tmp/dotnetprof-e2e.bin -o ro.bin
standin fault --clear
check "read-only root: fetch from the writable /tmp with a cut" 0 'ro\.bin: 33554432 bytes' 'resuming at byte'
assert "read-only root copy has the pod's sha256" test "$(local_sha ro.bin)" = "$ro_sha"
pexec sample-readonly -- rm -f /tmp/dotnetprof-e2e.bin
rm -f ./*.bin

# ---- hostile names: copied exactly, nothing runs -----------------------------------------------
hd=/tmp/dotnetprof-e2e-names
pexec sample-app -- rm -rf /tmp/pwned "$hd"
nl=$'new\nline'
names=("sp ace" "quo'te\"s" '$(touch /tmp/pwned)' '`touch /tmp/pwned`' "$nl" "-dash" "semi;touch /tmp/pwned;x")
i=0
for n in "${names[@]}"; do
	# a name with a / is a path: its directories are created too
	pexec sample-app -- sh -c 'mkdir -p "$(dirname "$1")" && printf "%s" "$2" >"$1"' sh "$hd/$n" "content $i"
	run kubectl dotnetprof fetch sample-app "$hd/$n" -o "name-$i.out"
	check "hostile name $i ($(printf '%q' "$n")) is fetched" 0 "name-$i\\.out: " ''
	assert "hostile name $i: content is exact" test "$(cat "name-$i.out")" = "content $i"
	i=$((i + 1))
done
run kubectl dotnetprof fetch "sample-app:$hd/-dash" -o colon-dash.out
check "POD:PATH with a leading-dash name" 0 'colon-dash\.out' ''
mkdir -p dflt && cd dflt || exit 1
run kubectl dotnetprof fetch sample-app "$hd/$nl"
check "default local name of a name with a newline is sanitized" 0 'new_line: ' ''
assert "the sanitized local file exists" test -f new_line
run kubectl dotnetprof fetch sample-app "$hd/-dash"
check "default local name of a leading-dash file" 0 '-dash: ' ''
assert "./-dash has the content" test "$(cat ./-dash)" = "content 5"
cd "$out" || exit 1
run kubectl exec sample-app -- sh -c 'test -e /tmp/pwned && echo PWNED || echo clean'
check "no hostile name ran anything in the pod (/tmp/pwned absent)" 0 '^clean$' ''
assert "nothing was written outside the output directory here" test ! -e /tmp/pwned
pexec sample-app -- rm -rf "$hd"
rm -rf ./*.out dflt

# ---- errors ------------------------------------------------------------------------------------
run kubectl dotnetprof fetch sample-app /tmp/dotnetprof-no-such-file
check "a missing file is a clear error (DPX_NOTFOUND)" "$(ex NOTFOUND)" '' 'no such file'
assert "a missing file leaves no .part" test ! -e dotnetprof-no-such-file.part -a ! -e dotnetprof-no-such-file
run kubectl dotnetprof fetch sample-app /tmp
check "a directory is refused" 1 '' 'is a directory'
run kubectl dotnetprof fetch sample-app /..
check "a PATH without a usable name needs -o" "$(ex USAGE)" '' 'no usable file name'
run kubectl dotnetprof fetch sample-app /tmp/x --encoding zip
check "an invalid --encoding is a usage error" "$(ex USAGE)" '' 'invalid value'

# ---- a pod named by the user: the copy's exec starts side by side with the resolve ---------------
pexec sample-app -- sh -c 'echo early >/tmp/dotnetprof-early.txt'
pexec sample-db-0 -- sh -c 'echo early >/tmp/dotnetprof-early.txt'
run kubectl dotnetprof -v fetch sample-app /tmp/dotnetprof-early.txt -o early.txt
check "fetch POD -v: the pod is still looked up" 0 '' '^\+ kubectl get pod sample-app -o json'
assert "... but the copy's exec starts first, side by side with it" \
	test "$(printf '%s\n' "$ERR" | grep -m1 '^+ kubectl' | grep -c '^+ kubectl exec sample-app -- sh -c .*pull\.sh')" = 1
assert "... and early.txt has the pod's file" test "$(cat early.txt)" = early
run kubectl dotnetprof fetch dotnetprof-no-such-pod /tmp/dotnetprof-early.txt -o gone.txt
check "fetch from a pod that does not exist: not found (the exec started early is stopped)" \
	"$(ex NOTFOUND)" '' 'pod "dotnetprof-no-such-pod" not found'
assert "... and leaves neither gone.txt nor gone.txt.part" test ! -e gone.txt -a ! -e gone.txt.part
run kubectl dotnetprof fetch sample-sidecar /tmp/dotnetprof-early.txt -o side.txt
check "fetch from a two-container pod with no default: ambiguous (the early exec is stopped)" \
	"$(ex AMBIGUOUS)" '' 'choose one|-c'
assert "... and leaves no side.txt.part" test ! -e side.txt.part -a ! -e side.txt
run kubectl dotnetprof -v fetch statefulset/sample-db /tmp/dotnetprof-early.txt -o wl.txt
check "fetch statefulset/NAME (a workload: resolved first)" 0 'wl\.txt: ' ''
assert "... its first kubectl command is a get, not the exec" \
	test "$(printf '%s\n' "$ERR" | grep -m1 '^+ kubectl' | grep -c ' get ')" = 1
run kubectl dotnetprof -v fetch pod/sample-app /tmp/dotnetprof-early.txt -o pod.txt
check "fetch pod/NAME: the same early start" 0 '' '^\+ kubectl exec sample-app -- sh -c'
assert "... the exec first" test "$(printf '%s\n' "$ERR" | grep -m1 '^+ kubectl' | grep -c ' exec ')" = 1
rm -f early.txt pod.txt wl.txt
pexec sample-app -- rm -f /tmp/dotnetprof-early.txt
pexec sample-db-0 -- rm -f /tmp/dotnetprof-early.txt
