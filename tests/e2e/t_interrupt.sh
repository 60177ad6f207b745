# t_interrupt.sh - every interruption is recoverable (issue 14): Ctrl-C and SIGTERM stop a copy, a
# push and a tool download within 2 s with exit 130 / 143, keep NAME.part and name the --resume
# command, which completes the copy; a trace whose plugin was killed (kill -9) stays in the pod
# recorded as uncollected: the next verbs name it, fetch gets it whole, clean keeps it until told;
# a cat or gzip that never stops is cut at the size the pod announced; -q prints the result only.

standin() { python3 "$E2E_TOP/tests/cluster/standin.py" "$@" >/dev/null; }
local_sha() { sha256sum <"$1" | cut -d' ' -f1; }
pod_sha() { kubectl exec "$1" -- sh -c 'sha256sum <"$1"' sh "$2" | cut -d' ' -f1; }
now_ms() { date +%s%3N; }

out=$E2E_WORK/interrupt
mkdir -p "$out"
cd "$out" || exit 1
standin fault --clear

# stop_after SECONDS SIGNAL CMD...: run CMD in the background, send SIGNAL after SECONDS; $RC is its
# exit status and $STOP_MS how long it took to exit after the signal; stdout/stderr in $OUT/$ERR.
stop_after() {
	local secs=$1 sig=$2 pid t0
	shift 2
	"$@" >"$out/so" 2>"$out/se" </dev/null &
	pid=$!
	sleep "$secs"
	t0=$(now_ms)
	kill -s "$sig" "$pid"
	RC=0
	wait "$pid" || RC=$?
	STOP_MS=$(($(now_ms) - t0))
	OUT=$(cat "$out/so") ERR=$(cat "$out/se")
	LAST_CMD="$* (SIG$sig after ${secs}s)"
}

# ---- a copy: Ctrl-C and SIGTERM on a link paced to 20 MB/s -------------------------------------
P=sample-nodiag
src=/var/tmp/dotnetprof-e2e-int.bin
kubectl exec $P -- sh -c 'head -c 209715200 /dev/urandom >"$1"' sh "$src"
want=$(pod_sha $P "$src")
standin fault --pod $P --rate-bytes-per-sec 20000000
stop_after 3 INT kubectl dotnetprof fetch $P "$src" -o big.bin
check "Ctrl-C during a copy exits 130" 130 '' 'interrupted: the copy of .* stopped at byte [0-9]+ of 209715200'
assert "Ctrl-C stopped the copy within 2 s (took ${STOP_MS} ms)" test "$STOP_MS" -le 2000
assert "after Ctrl-C big.bin.part is kept and big.bin does not exist" test -s big.bin.part -a ! -e big.bin
check "the message names the exact command that resumes it" 130 '' \
	"continue the copy with: kubectl dotnetprof fetch $P $src -o big.bin --resume -n default -c app"
stop_after 2 TERM kubectl dotnetprof fetch $P "$src" -o big.bin --resume
check "SIGTERM during a resumed copy exits 143" 143 '' 'terminated \(SIGTERM\): the copy'
assert "SIGTERM stopped the copy within 2 s (took ${STOP_MS} ms)" test "$STOP_MS" -le 2000
standin fault --clear
run kubectl dotnetprof fetch $P "$src" -o big.bin --resume -q
check "fetch --resume completes the interrupted copy" 0 'big\.bin: 209715200 bytes' ''
assert "the resumed copy has the pod's sha256" test "$(local_sha big.bin)" = "$want"
assert "nothing is left of the copy but the file" test ! -e big.bin.part
rm -f big.bin
assert "no kubectl of ours is left running" test -z "$(pgrep -f "exec $P -c app -- sh -c" || true)"
kubectl exec $P -- rm -f "$src"

# ---- a push (the tool into a fresh workspace) on a link paced to 2 MB/s -------------------------
P=sample-db-0 # diagnostics enabled, and no other scenario pushes into it
kubectl dotnetprof clean $P -q >/dev/null 2>&1
standin fault --pod $P --rate-bytes-per-sec 2000000
stop_after 4 INT kubectl dotnetprof trace $P --engine tools --download local --duration 2s -o never.nettrace
standin fault --clear
check "Ctrl-C during the tool's push exits 130" 130 '' 'interrupted: the push stopped after [0-9]+ of [0-9]+ bytes'
assert "Ctrl-C stopped the push within 2 s (took ${STOP_MS} ms)" test "$STOP_MS" -le 2000
run kubectl exec $P -- sh -c 'ls /tmp/.dotnetprof/tools/ 2>/dev/null; ls /var/tmp/.dotnetprof/tools/ 2>/dev/null'
check_not "no half-pushed tool carries the tool's name in the pod" '^dotnet-trace$'
kubectl dotnetprof clean $P -q >/dev/null 2>&1

# ---- a tool download here, from a server that trickles ------------------------------------------
port=18119
python3 - "$port" "$E2E_TOP/build/tools" >"$out/slow.log" 2>&1 <<'PY' &
import http.server, os, sys, time
port, root = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = os.path.join(root, *reversed(self.path.strip("/").split("/")[-2:]))
        if not os.path.isfile(path):
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(os.path.getsize(path)))
        self.end_headers()
        with open(path, "rb") as f:
            while True:
                chunk = f.read(16384)
                if not chunk:
                    break
                self.wfile.write(chunk)
                time.sleep(0.1)
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY
srv=$!
sleep 1
stop_after 3 INT env XDG_CACHE_HOME="$out/cache" kubectl dotnetprof trace $P --engine tools --download local \
	--tools-url "http://127.0.0.1:$port" --duration 2s -o never.nettrace
check "Ctrl-C during a tool download exits 130" 130 '' 'interrupted'
assert "Ctrl-C stopped the download within 2 s (took ${STOP_MS} ms)" test "$STOP_MS" -le 2000
assert "no half-downloaded tool is in the cache" \
	sh -c '! find "$1" -type f -name "dotnet-trace" 2>/dev/null | grep -q .' sh "$out/cache"
kill "$srv" 2>/dev/null
wait "$srv" 2>/dev/null

# ---- a trace whose plugin is killed: uncollected, named, fetched whole, kept by clean -----------
# With either engine: Microsoft's tool writes its file in the pod; the agent keeps its copy of the
# stream there until the plugin says it has it, and finishes it when the plugin is gone.
T=sample-app
killed_trace() {
	local e=$1
	kubectl dotnetprof clean $T --discard-uncollected -q >/dev/null 2>&1 # start with none left
	kubectl dotnetprof trace $T --engine "$e" --duration 10s -o "killed-$e.nettrace" -q >/dev/null 2>&1 &
	tpid=$!
	# kill it once the trace is being written in the pod (the tool's or the agent's push comes first)
	for _ in $(seq 1 120); do
		kubectl exec $T -- sh -c 'ls /tmp/.dotnetprof/runs/*/*.nettrace' >/dev/null 2>&1 && break
		sleep 0.5
	done
	sleep 2
	kill -9 "$tpid"
	wait "$tpid" 2>/dev/null
	# the trace finishes in the pod on its own: wait for its tool to end
	for _ in $(seq 1 60); do
		kubectl exec $T -- sh -c 'for f in /tmp/.dotnetprof/runs/*/*.pid; do read p <"$f" && [ -d /proc/$p ] && exit 1; done; exit 0' \
			>/dev/null 2>&1 && break
		sleep 0.5
	done
	run kubectl dotnetprof ps $T
	check "[$e] the next verb names the uncollected trace, its size and the fetch command" 0 '' \
		'an earlier run left /[^ ]*\.nettrace \([0-9.]+ [KMG]?i?B\) in pod "sample-app" uncollected; fetch it with: kubectl dotnetprof fetch sample-app /'
	left=$(printf '%s\n' "$ERR" | sed -n 's/.*an earlier run left \(\/[^ ]*\.nettrace\) .*/\1/p' | head -n 1)
	run kubectl dotnetprof clean $T --dry-run
	check "[$e] clean --dry-run would keep the uncollected trace" 0 'would keep .*artifact .*\.nettrace' ''
	check_not "[$e] ... and would not remove the run directory that holds it" 'would remove +dir .*runs/'
	run kubectl dotnetprof clean $T -q
	check "[$e] clean -q keeps the uncollected trace and says why" 0 'uncollected: no run copied it out; fetch it with' ''
	check "[$e] ... and ends on the line that sums it up" 0 'of pod "sample-app": kept /[^ ]* \([^)]* freed\): it holds uncollected files$' ''
	run kubectl exec $T -- test -s "$left"
	check "[$e] the trace is still in the pod after clean" 0
	run kubectl dotnetprof fetch $T "$left" -o "fetched-$e.nettrace" -q
	check "[$e] fetch gets the uncollected trace" 0 "fetched-$e\\.nettrace: [0-9]+ bytes" ''
	assert "[$e] the fetched trace is a whole nettrace" test "$(head -c 8 "fetched-$e.nettrace")" = Nettrace
	run kubectl dotnetprof report "fetched-$e.nettrace"
	check "[$e] the fetched trace reads to its end (report names methods)" 0 '[A-Za-z_]+\.[A-Za-z_]+' ''
	run kubectl dotnetprof ps $T
	check_not "[$e] once fetched, it is no longer reported as uncollected" 'uncollected'
	run kubectl dotnetprof clean $T
	check "[$e] clean removes it once it was fetched" 0 'removed /' ''
	run kubectl exec $T -- test -e "$left"
	check "[$e] nothing of it is left in the pod" 1
}
for e in agent tools; do
	killed_trace "$e"
done

# a trace that completes leaves no copy behind (the agent removed it on the plugin's word)
run kubectl dotnetprof trace $T --duration 2s -o done.nettrace -q
check "a completed agent trace" 0 '^done\.nettrace: ' ''
run kubectl exec $T -- sh -c 'ls /tmp/.dotnetprof/runs 2>/dev/null | wc -l'
check "... leaves no run directory in the pod" 0 '^0$' ''
run kubectl dotnetprof ps $T
check_not "... and nothing uncollected" 'uncollected'

# ---- streams that never end are cut at the announced size --------------------------------------
E=sample-endless
kubectl exec $E -- sh -c 'head -c 300000 /dev/urandom >/tmp/endless.bin; rm -f /etc/standin-endless'
run kubectl dotnetprof fetch $E /tmp/endless.bin -o endless.bin --compress none
check "a cat that never stops is cut at the announced size (exit 11)" "$(ex TRANSFER)" '' \
	'the pod sent more than the 300000 bytes it announced'
assert "the .part holds exactly the announced size" test "$(stat -c %s endless.bin.part)" = 300000
rm -f endless.bin.part
run kubectl dotnetprof fetch $E /tmp/endless.bin -o endless.bin --compress gzip
check "a gzip that never stops is cut at the announced size (exit 11)" "$(ex TRANSFER)" '' \
	'the pod sent more than the 300000 bytes it announced'
assert "the gzip .part holds at most the announced size" test "$(stat -c %s endless.bin.part)" -le 300000
rm -f endless.bin.part
kubectl exec $E -- sh -c 'echo gzip=bomb >/etc/standin-endless'
run kubectl dotnetprof fetch $E /tmp/endless.bin -o endless.bin --compress gzip
check "a gzip bomb is cut at the announced size (exit 11)" "$(ex TRANSFER)" '' 'announced'
rm -f endless.bin.part
kubectl exec $E -- sh -c 'rm -f /etc/standin-endless /tmp/endless.bin'
kubectl dotnetprof clean $E -q >/dev/null 2>&1

# ---- -q: only the result line -------------------------------------------------------------------
# gcdump and counters may download Microsoft's tool here: from the stand-in's plain http server that
# warns (nothing authenticates it) unless the checksums are pinned, as a careful user does; pinned,
# the output is the same whether an earlier test left the tool in the cache or in the pod
export DOTNETPROF_TOOLS_SHA512SUMS="$E2E_TOP/build/tools/SHA512SUMS"
run kubectl dotnetprof trace $T --duration 2s -o q.nettrace -q
check "trace -q prints one line" 0 '^q\.nettrace: ' ''
assert "trace -q: nothing on stderr (no banner, no provider table)" test -z "$ERR"
assert "trace -q: one line on stdout" test "$(printf '%s\n' "$OUT" | wc -l)" = 1
run kubectl dotnetprof dump $T --type mini -o q.core -q
check "dump -q prints one line" 0 '^q\.core: ' ''
assert "dump -q: nothing on stderr (no \"Writing dump\")" test -z "$ERR"
assert "dump -q: one line on stdout" test "$(printf '%s\n' "$OUT" | wc -l)" = 1
run kubectl dotnetprof gcdump $T -o q.gcdump -q
check "gcdump -q prints one line" 0 '^q\.gcdump: ' ''
assert "gcdump -q: nothing on stderr, one line on stdout" \
	test -z "$ERR" -a "$(printf '%s\n' "$OUT" | wc -l)" = 1
run kubectl dotnetprof counters $T --duration 2s -o q.csv -q
check "counters --duration -q prints one line" 0 '^q\.csv: ' ''
assert "counters -q: nothing on stderr, one line on stdout" \
	test -z "$ERR" -a "$(printf '%s\n' "$OUT" | wc -l)" = 1
unset DOTNETPROF_TOOLS_SHA512SUMS
kubectl exec $T -- sh -c 'head -c 1000 /dev/urandom >/tmp/q.bin'
run kubectl dotnetprof fetch $T /tmp/q.bin -o q.bin -q
check "fetch -q prints one line" 0 '^q\.bin: 1000 bytes' ''
assert "fetch -q: nothing on stderr" test -z "$ERR"
kubectl exec $T -- rm -f /tmp/q.bin
rm -f q.nettrace q.core q.gcdump q.csv q.bin fetched.nettrace
run kubectl dotnetprof clean $T --dry-run -q
check "clean --dry-run -q prints one line" 0 '^container "app" of pod "sample-app": would remove /[^ ]*\.dotnetprof and free about ' ''
assert "clean --dry-run -q: nothing on stderr, one line on stdout" \
	test -z "$ERR" -a "$(printf '%s\n' "$OUT" | wc -l)" = 1
run kubectl dotnetprof clean $T -q
check "clean -q prints one line" 0 '^container "app" of pod "sample-app": removed /[^ ]*\.dotnetprof: .* freed$' ''
assert "clean -q: nothing on stderr, one line on stdout" \
	test -z "$ERR" -a "$(printf '%s\n' "$OUT" | wc -l)" = 1
cd "$E2E_TOP" || exit 1
