#!/usr/bin/env bash
# debug-matrix.sh - t_debug.sh (ephemeral debug containers) under each kubectl minor the stand-in
# serves: the stand-in's /version selects the kubectl its dispatcher runs, and kubectl debug's
# requests and messages differ between minors.
#
# Usage: tests/e2e/debug-matrix.sh [MINOR...]   (default 30 31 32 33; `make e2e-debug-matrix`)
# Starts the stand-in when it is not up (and stops it at the end); restores the minor it reported.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
[ $# -gt 0 ] || set -- 30 31 32 33
started_here=0
if ! python3 tests/cluster/standin.py status >/dev/null 2>&1; then
	python3 tests/cluster/standin.py up
	started_here=1
fi
# shellcheck disable=SC1091
. build/cluster/env
export KUBECONFIG
was=$(kubectl get --raw /version | python3 -c 'import json, sys; print(json.load(sys.stdin)["minor"])')
cleanup() {
	python3 tests/cluster/standin.py version "$was" >/dev/null || true
	[ "$started_here" = 0 ] || python3 tests/cluster/standin.py down || true
}
trap cleanup EXIT

failed=()
for m in "$@"; do
	python3 tests/cluster/standin.py version "$m" >/dev/null
	echo "# t_debug.sh under kubectl 1.$m"
	E2E_KEEP_CLUSTER=1 bash tests/e2e/run.sh t_debug || failed+=("1.$m")
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "debug matrix: failed under ${failed[*]}"
	exit 1
fi
echo "debug matrix: passed under $(printf '1.%s ' "$@")"
