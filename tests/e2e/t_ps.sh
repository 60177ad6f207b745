# t_ps.sh - `kubectl dotnetprof ps` on every kind of pod the stand-in runs (issue 3 acceptance).

run kubectl dotnetprof ps sample-app
check "ps sample-app lists the app with RID linux-x64 and diagnostics ok" 0 'linux-x64' ''
check "ps sample-app shows the dotnet process and SampleApp.dll" 0 'SampleApp\.dll' ''
check "ps sample-app reports diagnostics ok" 0 '\bok\b' ''

run kubectl dotnetprof ps sample-app --json
check "ps --json prints JSON" 0 '^\{' ''
assert "ps --json parses and has pid 1 with a socket" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
procs = [p for pod in d["pods"] for p in pod["processes"]]
assert any(p["pid"] == 1 and p["diagnostics"] == "ok" for p in procs), procs
' "$OUT"

run kubectl dotnetprof ps deploy/sample-api
check "ps deploy/sample-api with two replicas lists the choices" "$(ex AMBIGUOUS)" '' 'choose one'
assert "the choices name both replicas" test "$(printf '%s\n' "$ERR" | grep -cE '^ +sample-api-[a-z0-9]+-[a-z0-9]{5}')" = 2
run kubectl dotnetprof ps deploy/sample-api --all
check "ps deploy/sample-api --all covers both pods" 0 'sample-api-[a-z0-9]+-[a-z0-9]+' ''
assert "ps deploy/sample-api --all shows two pods" test "$(printf '%s\n' "$OUT" | grep -oE 'sample-api-[a-z0-9]+-[a-z0-9]{5}' | sort -u | wc -l)" = 2
run kubectl dotnetprof ps -l app=sample-api --all
check "ps -l app=sample-api --all covers both pods" 0 'sample-api-' ''
run kubectl dotnetprof ps -l app=sample-api
check "ps -l with two matches lists the choices" "$(ex AMBIGUOUS)" '' 'sample-api-'
run kubectl dotnetprof ps statefulset/sample-db
check "ps statefulset/NAME" 0 'sample-db-0' ''
run kubectl dotnetprof ps ds/sample-agent
check "ps ds/NAME" 0 'sample-agent' ''

run kubectl dotnetprof ps sample-b -n team-b
check "ps in another namespace via -n" 0 'sample-b' ''
run kubectl dotnetprof ps -n team-b sample-b
check "global flags before the target" 0 'sample-b' ''
run kubectl dotnetprof --namespace=team-b ps sample-b
check "global flags before the verb" 0 'sample-b' ''

# A context whose own namespace is team-b, in a second kubeconfig file merged through KUBECONFIG.
ctxfile="$E2E_WORK/ctx-team-b.yaml"
cluster=$(kubectl config view --minify -o jsonpath='{.contexts[0].context.cluster}')
user=$(kubectl config view --minify -o jsonpath='{.contexts[0].context.user}')
cat >"$ctxfile" <<YAML
apiVersion: v1
kind: Config
contexts:
- name: team-b
  context: {cluster: $cluster, user: $user, namespace: team-b}
YAML
KUBECONFIG="$KUBECONFIG:$ctxfile" run kubectl dotnetprof ps sample-b --context team-b
check "ps with --context uses the context's namespace (KUBECONFIG with two files)" 0 'sample-b' ''
cp "$KUBECONFIG" "$E2E_WORK/only.kubeconfig"
KUBECONFIG=/nonexistent run kubectl dotnetprof ps sample-app --kubeconfig "$E2E_WORK/only.kubeconfig"
check "ps with --kubeconfig" 0 'linux-x64' ''

run kubectl dotnetprof ps sample-twoproc
check "ps on the two-process pod shows two .NET processes" 0 '' ''
assert "two-process pod: two rows" test "$(printf '%s\n' "$OUT" | grep -cE '(SampleApp|Worker)\.dll')" -ge 2
run kubectl dotnetprof ps sample-nonroot
check "ps on the non-root pod shows the app user" 0 '\bapp\b' ''
run kubectl dotnetprof ps sample-tmpdir --json
check "ps on the TMPDIR pod" 0 '/var/app-tmp' ''
run kubectl dotnetprof ps sample-nodiag
check "ps on the DOTNET_EnableDiagnostics=0 pod says disabled" 0 'disabled' ''
run kubectl dotnetprof ps sample-notpid1 --json
check "ps on the pod whose app is not pid 1" 0 '"pid":[[:space:]]*[2-9]' ''

run kubectl dotnetprof ps sample-sidecar
check "sidecar pod without -c lists the containers" "$(ex AMBIGUOUS)" '' '^ +sidecar'
assert "the choices name the app container too" grep -qE '^ +app' <<<"$ERR"
run kubectl dotnetprof ps sample-sidecar -c app
check "sidecar pod with -c app" 0 'SampleApp\.dll' ''
run kubectl dotnetprof ps sample-sidecar-annotated
check "sidecar pod with the default-container annotation" 0 'SampleApp\.dll' ''
run kubectl dotnetprof ps sample-sidecar -c nosuch
check "no such container" "$(ex NOTFOUND)" '' 'nosuch'

run kubectl dotnetprof ps musl-box
check "busybox-musl pod: no .NET process, RID linux-musl-x64" "$(ex NODOTNET)" '' 'linux-musl-x64'
run kubectl dotnetprof ps sample-arm64
check "arm64 pod: RID linux-arm64" 0 'linux-arm64' ''
run kubectl dotnetprof ps sample-distroless --no-debug-container
check "distroless pod, --no-debug-container: says there is no shell and how to get in" "$(ex NOSHELL)" '' 'shell'
check_not "distroless pod: no raw OCI error" 'OCI runtime'
