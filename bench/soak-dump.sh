#!/usr/bin/env bash
# bench/soak-dump.sh - the sequence that once made a heap dump fail (1 round in 5): fetch 256 MiB,
# clean, trace 5 s, dump --type heap -q, on one pod, ROUNDS times in a row. Prints one line per
# round (each step's exit status and seconds) and, for a failed step, its output; exits 1 when any
# round failed. Optional: not part of `make check` (about 40 s a round on the stand-in).
#
# Usage: bench/soak-dump.sh [--rounds N] [--pod POD] [--dir DIR]
#        (default 30 rounds on sample-app; the 256 MiB file in DIR, default /tmp: the pod's 512 MiB
#        tmpfs, which the workspace shares)
# Needs: the stand-in up (make cluster-up) and ./kubectl-dotnetprof built.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
rounds=30 pod=sample-app dir=/tmp
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) rounds=${2:?--rounds N}; shift ;;
	--pod) pod=${2:?--pod POD}; shift ;;
	--dir) dir=${2:?--dir DIR}; shift ;;
	*) echo "usage: bench/soak-dump.sh [--rounds N] [--pod POD] [--dir DIR]" >&2; exit 2 ;;
	esac
	shift
done
[ -x ./kubectl-dotnetprof ] || { echo "soak: build first (make)" >&2; exit 2; }
python3 tests/cluster/standin.py status >/dev/null 2>&1 || { echo "soak: the stand-in is down: make cluster-up" >&2; exit 2; }
# shellcheck disable=SC1091
. build/cluster/env
export KUBECONFIG
work=$(mktemp -d /tmp/dotnetprof-soak.XXXXXX)
export KUBECACHEDIR=$work/kubecache
mkdir -p "$work/bin"
cp ./kubectl-dotnetprof "$work/bin/kubectl-dotnetprof"
export PATH="$work/bin:$PATH"
src=$dir/soak.bin
trap 'kubectl exec "$pod" -- rm -f "$src" >/dev/null 2>&1; rm -rf "$work"' EXIT
cd "$work" || exit 1

kubectl exec "$pod" -- sh -c 'head -c 268435456 /dev/urandom >"$1"' sh "$src"
failed=0
# step NAME CMD...: run CMD, print "NAME=STATUS (SECONDS s)", keep its output for a failure
step() {
	local name=$1 t0 rc
	shift
	t0=$(date +%s.%N)
	"$@" >"$work/$name.out" 2>&1
	rc=$?
	printf ' %s=%d (%.1f s)' "$name" "$rc" "$(echo "$(date +%s.%N) - $t0" | bc -l)"
	if [ "$rc" != 0 ]; then
		failed=$((failed + 1))
		{ echo; echo "--- $name failed:"; cat "$work/$name.out"; } >>"$work/failures"
	fi
	return 0
}
for r in $(seq 1 "$rounds"); do
	: >"$work/failures"
	printf 'round %d:' "$r"
	step fetch kubectl dotnetprof fetch "$pod" "$src" -o soak.bin --force -q
	step clean kubectl dotnetprof clean "$pod" -q
	step trace kubectl dotnetprof trace "$pod" --duration 5s -o soak.nettrace --force -q
	step dump kubectl dotnetprof dump "$pod" --type heap -o soak.dmp --force -q
	echo
	cat "$work/failures"
	rm -f soak.bin soak.nettrace soak.dmp
done
echo "soak: $rounds rounds, $failed failed steps"
[ "$failed" = 0 ]
