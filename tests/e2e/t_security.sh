# t_security.sh - only verified code runs in a pod, and nothing from a pod can trick the user's
# terminal or files: each rule tried the way an attacker would, against the stand-in.
#
#   1  a tool fetched in the pod runs only when its SHA-512 matches a value known here
#   2  DOTNET_ROOT and the diagnostics socket are taken from the pod only when safe (sample-planted)
#   3  pod text cannot drive the terminal or forge a line (sample-hostile)
#   4  local files are private: 0600 copies, a hostile NAME.part, a tool cache others may write
#   5  downloads are not downgraded (https -> http) and do not grow without bound (size, time)
#   6  --token, --password and a user:password@ in --server never shown
#
# Sourced by run.sh (lib.sh's run/check/assert). Mirrors are served from here on ports of our own
# (pods share the host's network, so they reach them too).

out=$E2E_WORK/security
mkdir -p "$out"
cd "$out" || exit 1
umask 022 # what a user's shell has: the copies must be 0600 anyway
export XDG_CACHE_HOME=$out/cache0 # our own tool cache
# Rules 1, 2, 4 and 5 are about Microsoft's tools getting into the pod and loading its runtime: the
# tools engine (the agent is embedded in the plugin and checked in the pod: t_diag.sh, t_push.sh).
export DOTNETPROF_ENGINE=tools

TOOL=$E2E_TOP/build/tools/linux-x64/dotnet-trace
ESC=$(printf '\033')
BEL=$(printf '\007')
RAW="$ESC|$BEL" # a raw escape or bell in what we printed
PIDS=

stop_servers() { for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; }
trap stop_servers EXIT
# serve PORT ARGS...: a python3 server in the background; waits until the port answers
serve() {
	local port=$1
	shift
	python3 "$@" >"$out/server-$port.log" 2>&1 &
	PIDS="$PIDS $!"
	for _ in $(seq 1 50); do
		python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' \
			"$port" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}
fresh_cache() { mktemp -d "$out/cache.XXXXXX"; }
sha512_of() { sha512sum <"$1" | cut -d' ' -f1; }
pod_tools() { # POD: what is in the pod's tools/ (the workspace in /tmp)
	kubectl exec "$1" -- sh -c 'ls -A /tmp/.dotnetprof/tools 2>/dev/null' | tr '\n' ' '
}
lines_of() { printf '%s\n' "$1" | wc -l; }
mode_of() { stat -c %a "$1" 2>/dev/null; }

# The mirrors: the real dotnet-trace, with a wrong SHA512SUMS (bad), and with none (nosums).
for m in bad nosums; do
	mkdir -p "$out/$m/dotnet-trace"
	cp "$TOOL" "$out/$m/dotnet-trace/linux-x64"
done
printf '%0128d  linux-x64/dotnet-trace\n' 0 >"$out/bad/SHA512SUMS"
printf '%s  linux-x64/dotnet-trace\n' "$(sha512_of "$TOOL")" >"$out/pinned.sums"
BAD_PORT=18192 NOSUMS_PORT=18193 TLS_PORT=18194 BIG_PORT=18195 TS_PORT=18196
assert "mirror with a wrong SHA512SUMS on port $BAD_PORT" \
	serve $BAD_PORT -m http.server $BAD_PORT --bind 127.0.0.1 --directory "$out/bad"
assert "mirror without SHA512SUMS on port $NOSUMS_PORT" \
	serve $NOSUMS_PORT -m http.server $NOSUMS_PORT --bind 127.0.0.1 --directory "$out/nosums"

# ---- 1: pod-side downloads are verified, or not used -------------------------------------------
# sample-debian has curl, sha512sum and openssl: with --download auto it would download in the pod.

kubectl dotnetprof clean sample-debian >/dev/null 2>&1 || true
run env XDG_CACHE_HOME="$(fresh_cache)" kubectl dotnetprof trace sample-debian --duration 2s \
	--tools-url "http://127.0.0.1:$BAD_PORT" -o bad.nettrace
check "a pod download whose sha512 is not the mirror's is refused (exit 15)" "$(ex BADTOOL)" '' \
	'downloaded in pod "sample-debian" from http://127.0.0.1:[0-9]+/dotnet-trace/linux-x64 does not match its SHA-512'
check "... the message says it was deleted from the pod and nothing ran" "$(ex BADTOOL)" '' \
	'the file was deleted from the pod and nothing ran'
assert "... no trace was made" test ! -e bad.nettrace
assert "... and no dotnet-trace is left in the pod's tools/ ($(pod_tools sample-debian))" \
	sh -c "! printf '%s' '$(pod_tools sample-debian)' | grep -q dotnet-trace"

kubectl dotnetprof clean sample-debian >/dev/null 2>&1 || true
run env XDG_CACHE_HOME="$(fresh_cache)" kubectl dotnetprof -v trace sample-debian --duration 2s \
	--tools-url "http://127.0.0.1:$NOSUMS_PORT" -o nosums.nettrace
check "auto with no SHA512SUMS: the tool is downloaded here and pushed" 0 'nosums\.nettrace' \
	'a download in the pod could not be verified: download here and push'
check_not "... the pod did not download it" 'in pod "sample-debian" with (curl|wget)'
check "... and a plain http mirror is said to be unauthenticated" 0 '' \
	'warning: downloading dotnet-trace linux-x64 from a plain http URL .*nothing authenticates it'

kubectl dotnetprof clean sample-debian >/dev/null 2>&1 || true
run env XDG_CACHE_HOME="$(fresh_cache)" kubectl dotnetprof trace sample-debian --download pod \
	--duration 2s --tools-url "http://127.0.0.1:$NOSUMS_PORT" -o podnosums.nettrace
check "--download pod with nothing to check against: goes on" 0 'podnosums\.nettrace' ''
check "... with a loud warning that the copy is NOT verified" 0 '' \
	'warning: the copy of dotnet-trace linux-x64 in pod "sample-debian" is NOT verified'
check "... that says how to pin it" 0 '' 'DOTNETPROF_TOOLS_SHA512SUMS=FILE'

kubectl dotnetprof clean sample-debian >/dev/null 2>&1 || true
run env XDG_CACHE_HOME="$(fresh_cache)" DOTNETPROF_TOOLS_SHA512SUMS="$out/pinned.sums" \
	kubectl dotnetprof trace sample-debian --download pod --duration 2s \
	--tools-url "http://127.0.0.1:$NOSUMS_PORT" -o pinned.nettrace
check "--download pod with DOTNETPROF_TOOLS_SHA512SUMS: verified in the pod" 0 'pinned\.nettrace' \
	'in pod "sample-debian" with curl: .*, sha512 verified'
check_not "... and no warning about an unverified copy" 'NOT verified'
kubectl dotnetprof clean sample-debian >/dev/null 2>&1 || true

# ---- 2: DOTNET_ROOT and the socket from the pod only when safe ---------------------------------
# sample-planted: uid 1000 runs the app from a runtime it owns (/home/app/dotnet), and has put a
# hard link to its own socket in place of the root app's (a TMPDIR of mode 0777).

for _ in $(seq 1 50); do
	kubectl exec sample-planted -- test -e /var/shared-tmp/.planted 2>/dev/null && break
	sleep 0.2
done
kubectl dotnetprof ps sample-planted --json >planted.json 2>/dev/null
OWN=$(python3 -c 'import json; print([p["pid"] for p in json.load(open("planted.json"))["pods"][0]["processes"] if p["uid"] == 1000][0])' 2>/dev/null)
ROOTAPP=$(python3 -c 'import json; print([p["pid"] for p in json.load(open("planted.json"))["pods"][0]["processes"] if p["uid"] == 0][0])' 2>/dev/null)
assert "sample-planted runs an app of uid 1000 ($OWN) and one of root ($ROOTAPP)" test -n "$OWN" -a -n "$ROOTAPP"

kubectl dotnetprof clean sample-planted >/dev/null 2>&1 || true
run kubectl dotnetprof trace sample-planted -p "$OWN" --duration 2s -o planted-own.nettrace
check "a runtime the app's user owns is not loaded by a root exec (exit 6)" "$(ex FORBIDDEN)" '' \
	"the .NET runtime of process $OWN is not safe to load as uid 0: /home/app: it is owned by uid 1000 \\(app\\)"
check "... the hint names DOTNET_ROOT" "$(ex FORBIDDEN)" '' 'DOTNET_ROOT=/home/app/dotnet'
check_not "... and nothing was pushed into the pod" 'pushed'
assert "... no trace was made" test ! -e planted-own.nettrace

run kubectl dotnetprof trace sample-planted -p "$ROOTAPP" --duration 2s -o planted-sock.nettrace
check "a socket another uid planted is not used (exit 6)" "$(ex FORBIDDEN)" '' \
	"the diagnostics socket /var/shared-tmp/dotnet-diagnostic-$ROOTAPP-[0-9]+-socket of process $ROOTAPP is owned by uid 1000 \\(app\\), not by the process's uid 0"
assert "... no trace was made (of the wrong process)" test ! -e planted-sock.nettrace

# ---- 3: text from the pod cannot drive the terminal -------------------------------------------
# sample-hostile: comm ESC[31mevil, arguments with an OSC title, a clear-screen and a newline that
# forges a ps row; the exec's TMPDIR (the workspace, what the tools print) holds ESC[33m.

for _ in $(seq 1 50); do
	kubectl exec sample-hostile -- test -e /tmp/.hostile-ready 2>/dev/null && break
	sleep 0.2
done
run kubectl dotnetprof ps sample-hostile
check "ps of a hostile process shows its name escaped" 0 '\\x1b\[31mevil' ''
check_not "... with no raw escape or bell in the output" "$RAW"
assert "... two lines: the header and the one process ($(lines_of "$OUT"))" test "$(lines_of "$OUT")" = 2
check_not "... so the newline in its arguments forged no row" '^sample-hostile +app +9 '
check "... the newline is shown as \\n" 0 'row\\nsample-hostile' ''

run kubectl dotnetprof ps sample-hostile --json
check_not "ps --json: no raw escape or bell" "$RAW"
assert "... valid JSON whose name is the real comm (ESC[31mevil)" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["pods"][0]["processes"][0]["name"] == "\x1b[31mevil"' "$OUT"

run kubectl dotnetprof trace sample-hostile --process-name nosuch --duration 2s -o nosuch.nettrace
check "an error listing the processes escapes them" "$(ex NOTFOUND)" '' '\\x1b\[31mevil /app/SampleApp.dll'
check_not "... no raw escape or bell" "$RAW"
check_not "... and no forged line" '^sample-hostile +app'

run kubectl dotnetprof -vv ps sample-hostile
check_not "-vv (kubectl's output dumped): no raw escape or bell" "$RAW"

kubectl dotnetprof clean sample-hostile >/dev/null 2>&1 || true
run kubectl dotnetprof trace sample-hostile --duration 2s -o hostile.nettrace
check "the tool's streamed output is shown" 0 'hostile\.nettrace' 'Output File +: /tmp/tmp/\.dotnetprof/runs/'
check_not "... printable text only: no raw escape or bell" "$RAW"
check "... messages with the workspace path escape it" 0 '' 'pushed dotnet-trace to /tmp/\\x1b\[33mtmp/\.dotnetprof'
assert "the trace is 0600 (mode $(mode_of hostile.nettrace), umask 022)" test "$(mode_of hostile.nettrace)" = 600

run kubectl dotnetprof clean sample-hostile --dry-run
check "clean's report escapes the workspace path" 0 'workspace /tmp/\\x1b\[33mtmp/\.dotnetprof' ''
check_not "... no raw escape or bell" "$RAW"

c1=$(printf 'c1-\302\233' )2J
kubectl exec sample-hostile -- sh -c 'echo data >"/tmp/$1"' sh "$c1"
run kubectl dotnetprof fetch sample-hostile "/tmp/$c1"
check "a fetched file named with a C1 escape (CSI) is saved as c1-__2J" 0 'c1-__2J' ''
assert "... c1-__2J is there" test -f c1-__2J
kubectl exec sample-hostile -- sh -c 'rm -f "/tmp/$1"' sh "$c1"

# ---- 4: local files stay private ----------------------------------------------------------------

kubectl exec sample-app -- sh -c 'head -c 300000 /dev/urandom >/tmp/sec-e2e.bin'
run kubectl dotnetprof fetch sample-app /tmp/sec-e2e.bin -o fetched.bin
check "fetch" 0 'fetched\.bin' ''
assert "the fetched copy is 0600 (mode $(mode_of fetched.bin), umask 022)" test "$(mode_of fetched.bin)" = 600

echo "someone else's file" >other.txt
ln other.txt res.bin.part
run kubectl dotnetprof fetch sample-app /tmp/sec-e2e.bin -o res.bin --resume
check "--resume refuses a NAME.part with another link" "$(ex EXISTS)" '' \
	'refusing to resume res\.bin\.part: it has 2 links'
assert "... the other file is untouched" test "$(cat other.txt)" = "someone else's file"
rm -f res.bin.part
printf 'abc' >res.bin.part
chmod 0666 res.bin.part
run kubectl dotnetprof fetch sample-app /tmp/sec-e2e.bin -o res.bin --resume
check "--resume refuses a NAME.part others may write" "$(ex EXISTS)" '' 'it is writable by others \(mode 0666\)'
chmod 0600 res.bin.part
chown 65534 res.bin.part
run kubectl dotnetprof fetch sample-app /tmp/sec-e2e.bin -o res.bin --resume
check "--resume refuses a NAME.part of another user" "$(ex EXISTS)" '' 'it is owned by uid 65534'
assert "... no res.bin was made" test ! -e res.bin
rm -f res.bin.part
kubectl exec sample-app -- rm -f /tmp/sec-e2e.bin

cache=$(fresh_cache)
kubectl dotnetprof clean sample-app >/dev/null 2>&1 || true
run env XDG_CACHE_HOME="$cache" kubectl dotnetprof trace sample-app --download local --duration 2s -o cached.nettrace
check "a trace fills the tool cache" 0 'cached\.nettrace' ''
chmod 0777 "$cache/kubectl-dotnetprof/tools"
run env XDG_CACHE_HOME="$cache" kubectl dotnetprof trace sample-app --download local --duration 2s -o cached2.nettrace
check "a tool cache others may write is refused" "$(ex ERROR)" '' \
	'kubectl-dotnetprof/tools: it is writable by others \(mode 0777\)'
check "... with the command that fixes it" "$(ex ERROR)" '' "hint: chmod go-w '?$cache/kubectl-dotnetprof/tools"
chmod 0700 "$cache/kubectl-dotnetprof/tools"

# ---- 5: downloads are not downgraded and do not grow without bound -----------------------------

openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 1 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
cat >servers.py <<'EOF'
import http.server, ssl, sys
port, mode, arg = int(sys.argv[1]), sys.argv[2], sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if mode == "redirect":  # https -> the same path on a plain http server
            self.send_response(302)
            self.send_header("Location", arg + self.path)
            self.end_headers()
            return
        self.send_response(200)  # a body of int(arg) zeros, its size not announced
        self.end_headers()
        left, chunk = int(arg), bytes(1 << 20)
        try:
            while left > 0:
                self.wfile.write(chunk[:left])
                left -= len(chunk)
        except OSError:
            pass
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", port), H)
if mode == "redirect":
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain("cert.pem", "key.pem")
    s.socket = ctx.wrap_socket(s.socket, server_side=True)
s.serve_forever()
EOF
assert "an https mirror that redirects to http on port $TLS_PORT" \
	serve $TLS_PORT servers.py $TLS_PORT redirect "http://127.0.0.1:$NOSUMS_PORT"
assert "a server of 300 MiB without Content-Length on port $BIG_PORT" \
	serve $BIG_PORT servers.py $BIG_PORT zeros $((300 * 1024 * 1024))

run env XDG_CACHE_HOME="$(fresh_cache)" CURL_CA_BUNDLE="$out/cert.pem" kubectl dotnetprof trace sample-app \
	--download local --tools-url "https://127.0.0.1:$TLS_PORT" --duration 2s -o downgraded.nettrace
check "an https mirror redirecting to http is refused (exit 14)" "$(ex DOWNLOAD)" '' \
	'redirected \(HTTP 302\) to a URL that is not https: http://127\.0\.0\.1'
assert "... no trace was made" test ! -e downgraded.nettrace

big_cache=$(fresh_cache)
run env XDG_CACHE_HOME="$big_cache" kubectl dotnetprof trace sample-app --download local \
	--tools-url "http://127.0.0.1:$BIG_PORT" --duration 2s -o big.nettrace
check "a download growing past 256 MiB is cut off (exit 15)" "$(ex BADTOOL)" '' \
	'the file is larger than the limit of 256 MiB'
assert "... and nothing of it is left in the cache" sh -c "[ \$(du -sm '$big_cache' | cut -f1) -lt 2 ]"

python3 "$E2E_TOP/tests/cluster/toolserver.py" --port $TS_PORT --dir "$E2E_TOP/build/tools" --state "$out" \
	>"$out/ts.out" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$TS_PORT/_faults" >/dev/null 2>&1 && break; sleep 0.2; done
curl -sf -X POST -H 'Content-Type: application/json' \
	-d '{"mode": "slow", "tool": "dotnet-trace", "count": 1, "rate": 65536}' \
	"http://127.0.0.1:$TS_PORT/_faults" >/dev/null
t0=$(date +%s)
E2E_TIMEOUT=60 run env XDG_CACHE_HOME="$(fresh_cache)" DOTNETPROF_DOWNLOAD_TIMEOUT=3 kubectl dotnetprof \
	trace sample-app --download local --tools-url "http://127.0.0.1:$TS_PORT" --duration 2s -o slow.nettrace
took=$(($(date +%s) - t0))
check "a download that trickles is stopped at the time limit (exit 14)" "$(ex DOWNLOAD)" '' \
	'not complete within the time limit of 3 s'
check "... and the hint says how to allow more" "$(ex DOWNLOAD)" '' 'DOTNETPROF_DOWNLOAD_TIMEOUT=SECONDS'
assert "... within 20 s (took ${took}s; the whole download would take 200 s)" test "$took" -le 20

# ---- 6: secrets are never shown ----------------------------------------------------------------

token=$(kubectl config view --raw --minify -o jsonpath='{.users[0].user.token}')
assert "the stand-in's kubeconfig has a bearer token" test -n "$token"
run kubectl dotnetprof -vv ps sample-app --token "$token"
check "ps -vv --token (the real one): works" 0 'sample-app' "'--token=\\*\\*\\*'"
check_not "... and the token is in no line" "$token"
# kubectl sends the URL's user:password as basic auth, which the stand-in does not take: exit 7
run kubectl dotnetprof -vv ps sample-app --server "https://admin:hunter22@127.0.0.1:16443" --token "$token"
check "ps -vv with --token and a user:password@ in --server: -v shows neither" "$(ex CLUSTER)" '' \
	"\\+ kubectl '--server=https://admin:\\*\\*\\*@127\\.0\\.0\\.1:16443' '--token=\\*\\*\\*'"
check_not "... and neither the password nor the token is in any line" "hunter22|$token"
run kubectl dotnetprof -vv ps sample-app --username admin --password pa55word-x
check "--password is passed to kubectl (which refuses two ways to log in)" "$(ex ERROR)" \
	'' "'--password=\\*\\*\\*'"
check_not "... and its value is in no line, kubectl's words included" 'pa55word-x'
