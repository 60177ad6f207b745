# t_errors.sh - every error a user meets first, end to end: message and exit code (issue 3).

run kubectl dotnetprof frobnicate sample-app
check "unknown verb" "$(ex USAGE)" '' 'frobnicate'
run kubectl dotnetprof ps sample-app --frobnicate
check "unknown flag" "$(ex USAGE)" '' 'frobnicate'
check "unknown flag prints the usage" "$(ex USAGE)" '' 'kubectl dotnetprof ps'
run kubectl dotnetprof ps
check "missing target" "$(ex USAGE)" '' 'usage: kubectl dotnetprof ps'
run kubectl dotnetprof ps no-such-pod
check "pod not found" "$(ex NOTFOUND)" '' 'no-such-pod.*not found'
run kubectl dotnetprof ps sample-app -n team-b
check "wrong namespace names the namespace" "$(ex NOTFOUND)" '' 'team-b'
run kubectl dotnetprof ps sample-pending
check "pod not running" "$(ex NOTRUNNING)" '' 'sample-pending'
run kubectl dotnetprof ps sample-app --context no-such-context
check "unknown context" "$(ex CLUSTER)" '' 'no-such-context'
printf 'this: is: not: a kubeconfig: [' >"$E2E_WORK/bad.kubeconfig"
run kubectl dotnetprof ps sample-app --kubeconfig "$E2E_WORK/bad.kubeconfig"
check "unreadable kubeconfig" "$(ex CLUSTER)" '' 'kubeconfig'
DOTNETPROF_KUBECTL=/nonexistent/kubectl run kubectl dotnetprof ps sample-app
check "kubectl missing" "$(ex NOKUBECTL)" '' 'kubectl'
mkdir -p "$E2E_WORK/empty"
run env PATH="$E2E_WORK/empty" "$E2E_WORK/bin/kubectl-dotnetprof" ps sample-app
check "kubectl not on PATH" "$(ex NOKUBECTL)" '' 'kubectl.*not found|not found.*kubectl'

python3 "$E2E_TOP/tests/cluster/standin.py" fault --pod sample-app --forbid-exec --count 1 >/dev/null
run kubectl dotnetprof ps sample-app
check "exec forbidden (RBAC) names what is needed" "$(ex FORBIDDEN)" '' 'pods/exec'
python3 "$E2E_TOP/tests/cluster/standin.py" fault --clear >/dev/null

run kubectl dotnetprof ps sample-app -h
check "-h prints help on stdout and exits 0" 0 'kubectl dotnetprof ps' ''
run kubectl dotnetprof --help
check "--help lists the verbs" 0 'trace' ''
for verb in ps trace counters dump gcdump stack fetch clean version; do
	run kubectl dotnetprof "$verb" --help
	check "$verb --help" 0 "kubectl dotnetprof $verb" ''
done
