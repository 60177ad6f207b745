#!/usr/bin/env bash
# run.sh - the end-to-end suite: the plugin, run as `kubectl dotnetprof` by the real kubectl, against
# the local stand-in cluster (tests/cluster) with the real .NET sample app.
#
# Usage: tests/e2e/run.sh [t_NAME...]
# Starts the stand-in when it is not up (and stops it again at the end), runs the cluster self-tests
# unless E2E_SKIP_SELFTEST=1, then every tests/e2e/t_*.sh (or the ones named). The plugin binary is
# $DOTNETPROF_BIN (default ./kubectl-dotnetprof), put on PATH as kubectl-dotnetprof in a private dir.
# Prints "N passed, M failed" last; exits non-zero when anything failed.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
bin=$(readlink -f "${DOTNETPROF_BIN:-./kubectl-dotnetprof}")
[ -x "$bin" ] || { echo "e2e: $bin is not built: run make" >&2; exit 2; }

started_here=0
if ! python3 tests/cluster/standin.py status >/dev/null 2>&1; then
	python3 tests/cluster/standin.py up
	started_here=1
fi
work=$(mktemp -d /tmp/dotnetprof-e2e.XXXXXX)
cleanup() {
	rm -rf "$work"
	if [ "$started_here" = 1 ] && [ "${E2E_KEEP_CLUSTER:-0}" != 1 ]; then
		python3 tests/cluster/standin.py down || true
	fi
}
trap cleanup EXIT

# shellcheck disable=SC1091
. build/cluster/env
export KUBECONFIG
KUBECONFIG=$(readlink -f "$KUBECONFIG")
export KUBECACHEDIR="$work/kubecache" # the kubectl dispatcher caches /version: keep it private
mkdir -p "$work/bin" "$work/home"
ln -s "$bin" "$work/bin/kubectl-dotnetprof"
export PATH="$work/bin:$PATH"
export E2E_WORK=$work E2E_TOP=$top
export E2E_RESULTS="$work/results"
: >"$E2E_RESULTS"

selftest_rc=0
if [ "${E2E_SKIP_SELFTEST:-0}" != 1 ] && [ $# -eq 0 ]; then
	bash tests/cluster/selftest.sh || selftest_rc=$?
fi

if [ $# -eq 0 ]; then
	set -- tests/e2e/t_*.sh
else
	set -- "${@/#/tests/e2e/}"
fi
for t in "$@"; do
	t=${t%.sh}.sh
	echo "# ${t##*/}"
	t0=$SECONDS
	# Each scenario runs in its own shell so one cannot change another's environment.
	bash -c '. tests/e2e/lib.sh; . "$1"' _ "$t" || echo "not ok $t aborted" >>"$E2E_RESULTS"
	echo "# ${t##*/}: $((SECONDS - t0)) s"
done

passed=$(grep -c '^ok ' "$E2E_RESULTS" || true)
failed=$(grep -c '^not ok ' "$E2E_RESULTS" || true)
echo
echo "e2e: $passed passed, $failed failed"
[ "$selftest_rc" = 0 ] || echo "e2e: cluster self-tests failed (exit $selftest_rc)"
[ "$failed" = 0 ] && [ "$selftest_rc" = 0 ]
