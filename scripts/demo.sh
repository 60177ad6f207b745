#!/usr/bin/env bash
# demo.sh - `make demo`: the main job on the local stand-in cluster, from a fresh clone.
#
# Builds the plugin, starts the stand-in (tests/cluster) when it is not up, puts the plugin on PATH
# as kubectl-dotnetprof so `kubectl dotnetprof` finds it, makes the sample app busy with /high-cpu,
# and runs the plugin against it the way a user would. Leaves the stand-in running so you can go on
# (`. build/cluster/env`, then `kubectl dotnetprof ...`); `make cluster-down` stops it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scripts/ensure-deps.sh test
make --no-print-directory
python3 tests/cluster/standin.py up
# shellcheck disable=SC1091
. build/cluster/env
export KUBECONFIG DOTNETPROF_TOOLS_URL
mkdir -p build/demo/bin
ln -sf "$top/kubectl-dotnetprof" build/demo/bin/kubectl-dotnetprof
export PATH="$top/build/demo/bin:$PATH"

say() { printf '\n$ %s\n' "$*"; }
say "curl http://127.0.0.1:30080/high-cpu?seconds=10 &"
curl -fsS "http://127.0.0.1:30080/high-cpu?seconds=10" >/dev/null &
busy=$!
say kubectl get pods
kubectl get pods
say kubectl dotnetprof ps sample-app
kubectl dotnetprof ps sample-app
say kubectl dotnetprof ps deploy/sample-api --all
kubectl dotnetprof ps deploy/sample-api --all
say kubectl dotnetprof fetch sample-app /app/SampleApp.dll -o build/demo/ --force
kubectl dotnetprof fetch sample-app /app/SampleApp.dll -o build/demo/ --force
say kubectl dotnetprof clean sample-app --dry-run
kubectl dotnetprof clean sample-app --dry-run
wait "$busy" || true

cat <<TXT

The stand-in is still up. To go on by hand:
  . build/cluster/env; export PATH="$top/build/demo/bin:\$PATH"
  kubectl dotnetprof ps sample-app -v
  make cluster-down
(trace, dump, gcdump, counters and stack are not in this build yet: see README.md, Status;
the fetched file is in build/demo/.)
TXT
