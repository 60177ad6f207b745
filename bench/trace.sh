#!/usr/bin/env bash
# bench/trace.sh - a 5 s trace of sample-app by both engines and by the recipe by hand, side by side
# in one run on the stand-in:
#
#   recipe       the manual recipe with kubectl only: exec uname -m; push dotnet-trace from
#                build/tools/linux-x64 with `kubectl exec -i POD -- sh -c 'cat > /tmp/x/dotnet-trace'`;
#                chmod +x; `dotnet-trace collect -p 1 --duration 00:00:00:05` through kubectl exec (with
#                DOTNET_BUNDLE_EXTRACT_BASE_DIR); copy the trace out with `kubectl exec cat`; rm -rf /tmp/x
#   agent cold   kubectl dotnetprof trace POD --duration 5s, the pod's workspace removed first
#                (`kubectl dotnetprof clean POD`, not timed): the agent is pushed
#   agent warm   the same with the agent already in the pod
#   tools cold   --engine tools, the workspace removed first, the tool in the local cache: it is pushed
#   tools warm   --engine tools with the tool already in the pod (reused)
#
# Interleaved round by round so that machine noise hits all alike. Prints, per round and as medians,
# the wall time minus the 5 s of tracing (the overhead around the trace); then the three figures
# side by side: bytes pushed into a fresh pod for a trace (what lands in the workspace's tools/, or
# the tool the recipe copies), the warm overhead, and the kubectl calls of a warm trace (counted from
# -v, every `+ kubectl` line; the recipe's are its six commands), with the ratios ours / recipe.
# Every trace is checked (starts with "Nettrace"); a failed run aborts.
#
# Usage: bench/trace.sh [ROUNDS]   (default 3; the stand-in must be up: make cluster-up;
# DOTNETPROF_BIN: the binary to measure, default ./kubectl-dotnetprof; BENCH_POD: default sample-app)
# Needs: ./kubectl-dotnetprof built, build/tools/linux-x64/dotnet-trace (made by the stand-in's `up`).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
rounds=${1:-3}
pod=${BENCH_POD:-sample-app}
dur=5
bin=$(readlink -f "${DOTNETPROF_BIN:-$top/kubectl-dotnetprof}")
tool=$top/build/tools/linux-x64/dotnet-trace
[ -x "$bin" ] || { echo "bench: build first: make" >&2; exit 2; }
[ -f "$tool" ] || { echo "bench: $tool is missing: make cluster-up builds it" >&2; exit 2; }
python3 tests/cluster/standin.py status >/dev/null 2>&1 || { echo "bench: the stand-in is down: make cluster-up" >&2; exit 2; }
# shellcheck disable=SC1091
. build/cluster/env
export KUBECONFIG
work=$(mktemp -d /tmp/dotnetprof-bench.XXXXXX)
export KUBECACHEDIR=$work/kubecache XDG_CACHE_HOME=$work/xdg
unset DOTNETPROF_ENGINE
# a private copy: a rebuild in the tree during the run must not change what is measured
cp "$bin" "$work/kubectl-dotnetprof"
bin=$work/kubectl-dotnetprof
trap 'rm -rf "$work"; kubectl exec "$pod" -- rm -rf /tmp/x >/dev/null 2>&1 || true' EXIT

now() { date +%s.%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
nettrace() { [ "$(head -c 8 "$1" 2>/dev/null)" = Nettrace ] || { echo "bench: $2: $1 is not a nettrace file" >&2; exit 1; }; }

recipe() { # OUT: the manual recipe, kubectl only
	kubectl exec "$pod" -- uname -m >/dev/null
	kubectl exec -i "$pod" -- sh -c 'mkdir -p /tmp/x && cat > /tmp/x/dotnet-trace' <"$tool"
	kubectl exec "$pod" -- chmod +x /tmp/x/dotnet-trace
	kubectl exec "$pod" -- env DOTNET_BUNDLE_EXTRACT_BASE_DIR=/tmp/x/extract /tmp/x/dotnet-trace collect -p 1 \
		--duration "$(printf "00:00:00:%02d" "$dur")" -o /tmp/x/t.nettrace >/dev/null
	kubectl exec "$pod" -- cat /tmp/x/t.nettrace >"$1"
	kubectl exec "$pod" -- rm -rf /tmp/x
}
RECIPE_CALLS=6
# ours ENGINE OUT: one trace, -v kept to count the kubectl calls
ours() {
	"$bin" -v trace "$pod" --engine "$1" --duration ${dur}s -o "$2" --force >/dev/null 2>"$work/ours-$1.err" ||
		{ cat "$work/ours-$1.err" >&2; return 1; }
}
agent() { ours agent "$1"; }
tools() { ours tools "$1"; }
fresh() { "$bin" -q clean "$pod" >/dev/null 2>&1; }
# pushed: the bytes in the workspace's tools/ (what a fresh pod received for a trace)
pushed() { kubectl exec "$pod" -- sh -c 'cat /tmp/.dotnetprof/tools/* | wc -c' | tr -d ' '; }

# timed NAME CMD...: run it, check its trace, append (wall - dur) to $work/NAME
timed() {
	local name=$1 t0 t1 f="$work/$1.nettrace"
	shift
	rm -f "$f"
	t0=$(now)
	"$@" "$f" || { echo "bench: $name failed" >&2; exit 1; }
	t1=$(now)
	nettrace "$f" "$name"
	awk -v a="$t0" -v b="$t1" -v d="$dur" 'BEGIN { printf "%.3f\n", b - a - d }' | tee -a "$work/$name"
}

echo "# warming up: kubectl's version cache, the tool in the local cache ($XDG_CACHE_HOME)"
kubectl exec "$pod" -- true >/dev/null
for e in agent tools; do
	"$bin" -q trace "$pod" --engine "$e" --duration 1s -o "$work/warmup.nettrace" --force >/dev/null 2>"$work/warmup.err" ||
		{ cat "$work/warmup.err" >&2; exit 1; }
	nettrace "$work/warmup.nettrace" "warmup $e"
done
printf '%-6s %10s %10s %10s %10s %10s   (seconds beyond the %d s trace)\n' round recipe agent-cold agent-warm \
	tools-cold tools-warm "$dur"
for r in $(seq "$rounds"); do
	a=$(timed recipe recipe)
	fresh
	b=$(timed agent-cold agent)
	agent_bytes=$(pushed)
	c=$(timed agent-warm agent)
	agent_calls=$(grep -c '^+ kubectl' "$work/ours-agent.err")
	fresh
	d=$(timed tools-cold tools)
	tools_bytes=$(pushed)
	e=$(timed tools-warm tools)
	tools_calls=$(grep -c '^+ kubectl' "$work/ours-tools.err")
	printf '%-6s %10s %10s %10s %10s %10s\n' "$r" "$a" "$b" "$c" "$d" "$e"
done
for n in recipe agent-cold agent-warm tools-cold tools-warm; do
	eval "m_${n//-/_}=$(median <"$work/$n")"
done
# shellcheck disable=SC2154
printf '%-6s %10.3f %10.3f %10.3f %10.3f %10.3f\n' median "$m_recipe" "$m_agent_cold" "$m_agent_warm" \
	"$m_tools_cold" "$m_tools_warm"
recipe_bytes=$(wc -c <"$tool" | tr -d ' ')
ratio() { awk -v x="$1" -v y="$2" 'BEGIN { if (y > 0) printf "%.3fx", x / y; else print "n/a" }'; }
echo
printf '%-44s %12s %12s %12s %10s %10s\n' "" agent tools recipe agent/rec tools/rec
printf '%-44s %12s %12s %12s %10s %10s\n' "bytes pushed into a fresh pod for a trace" "$agent_bytes" "$tools_bytes" \
	"$recipe_bytes" "$(ratio "$agent_bytes" "$recipe_bytes")" "$(ratio "$tools_bytes" "$recipe_bytes")"
printf '%-44s %12.3f %12.3f %12.3f %10s %10s\n' "warm trace --duration 5s: wall - 5 s" "$m_agent_warm" \
	"$m_tools_warm" "$m_recipe" "$(ratio "$m_agent_warm" "$m_recipe")" "$(ratio "$m_tools_warm" "$m_recipe")"
printf '%-44s %12s %12s %12s %10s %10s\n' "kubectl calls for a warm trace" "$agent_calls" "$tools_calls" \
	"$RECIPE_CALLS" "$(ratio "$agent_calls" "$RECIPE_CALLS")" "$(ratio "$tools_calls" "$RECIPE_CALLS")"
printf '%-44s %12.3f %12.3f %12s\n' "cold trace (pushes first): wall - 5 s" "$m_agent_cold" "$m_tools_cold" "-"
