#!/usr/bin/env bash
# bench/ps.sh - wall time of `kubectl dotnetprof ps sample-app` next to a bare
# `kubectl exec sample-app -- true`, side by side in one run on the stand-in cluster.
#
# Usage: bench/ps.sh [ROUNDS]   (default 10; the stand-in must be up: make cluster-up)
# Interleaves the two commands round by round so machine noise hits both alike, and prints the
# median of each, the ratio ps/exec, and how many kubectl invocations one ps made.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-10}
bin="$top/kubectl-dotnetprof"
[ -x "$bin" ] || { echo "bench: build first: make" >&2; exit 2; }
[ -f "$top/build/cluster/env" ] || { echo "bench: the stand-in is not up: make cluster-up" >&2; exit 2; }
# shellcheck disable=SC1091
. "$top/build/cluster/env"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KUBECACHEDIR="$work/cache"

now() { date +%s.%N; }
elapsed() { # CMD...: run it quietly and print the seconds it took
	local t0 t1
	t0=$(now)
	"$@" >/dev/null 2>&1
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

kubectl exec sample-app -- true >/dev/null # warm the dispatcher's version cache
for _ in $(seq "$rounds"); do
	elapsed kubectl exec sample-app -- true >>"$work/exec"
	elapsed "$bin" ps sample-app >>"$work/ps"
done
calls=$("$bin" -v ps sample-app 2>&1 >/dev/null | grep -c '^+ ' || true)
e=$(median <"$work/exec")
p=$(median <"$work/ps")
printf 'rounds                         %d\n' "$rounds"
printf 'kubectl exec sample-app -- true  median %.3f s\n' "$e"
printf 'kubectl dotnetprof ps sample-app median %.3f s\n' "$p"
printf 'ratio ps / exec                  %.2fx\n' "$(awk -v a="$p" -v b="$e" 'BEGIN { print a / b }')"
printf 'kubectl invocations per ps       %s\n' "$calls"
