#!/usr/bin/env bash
# demo.sh - `make demo`: the main job on the local stand-in cluster, from a fresh clone.
#
# Builds the plugin and the diagnostics tools' stand-in downloads, starts the stand-in cluster
# (tests/cluster) when it is not up, puts the plugin on PATH as kubectl-dotnetprof so `kubectl
# dotnetprof` finds it, makes the sample app busy with /high-cpu, traces it (the main job: a
# .nettrace file on disk), shows its stacks, and what clean would remove. Leaves the stand-in running so you can go on
# (`. build/cluster/env`, then `kubectl dotnetprof ...`); `make cluster-down` stops it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scripts/ensure-deps.sh demo
make --no-print-directory
python3 tests/cluster/standin.py up
# shellcheck disable=SC1091
. build/cluster/env
export KUBECONFIG DOTNETPROF_TOOLS_URL
mkdir -p build/demo/bin
ln -sf "$top/kubectl-dotnetprof" build/demo/bin/kubectl-dotnetprof
export PATH="$top/build/demo/bin:$PATH"

say() { printf '\n$ %s\n' "$*"; }
mkdir -p build/demo/traces
say kubectl get pods
kubectl get pods
say kubectl dotnetprof ps sample-app
kubectl dotnetprof ps sample-app
say "curl http://127.0.0.1:30080/high-cpu?seconds=60 &     # make the app busy"
curl -fsS "http://127.0.0.1:30080/high-cpu?seconds=60" >/dev/null &
busy=$!
say kubectl dotnetprof trace sample-app --duration 10s -o build/demo/traces/
kubectl dotnetprof trace sample-app --duration 10s -o build/demo/traces/
say kubectl dotnetprof stack sample-app "| grep -m1 -B2 -A2 SpinForProfiler"
kubectl dotnetprof stack sample-app | grep -m1 -B2 -A2 SpinForProfiler || true
kill "$busy" 2>/dev/null || true
wait "$busy" 2>/dev/null || true
say kubectl dotnetprof clean sample-app --dry-run
kubectl dotnetprof clean sample-app --dry-run
trace=$(ls -t build/demo/traces/*.nettrace | head -1)

cat <<TXT

The trace is $trace
(open it with PerfView or Visual Studio, or convert it for https://www.speedscope.app with
 kubectl dotnetprof trace sample-app --format speedscope).
The stand-in is still up. To go on by hand:
  . build/cluster/env; export PATH="$top/build/demo/bin:\$PATH"
  kubectl dotnetprof counters sample-app          # live view, Ctrl-C ends it
  kubectl dotnetprof gcdump sample-app
  kubectl dotnetprof dump sample-app --type heap
  make cluster-down
TXT
