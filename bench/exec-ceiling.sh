#!/usr/bin/env bash
# exec-ceiling: throughput of `kubectl exec POD -- cat <1 GiB file> > /dev/null` through the stand-in.
#
#   bench/exec-ceiling.sh [POD]        (default sample-app; the stand-in must be up)
#
# This is the ceiling our copy code (transfer module) is held against. It uploads a 1 GiB random file
# into the pod's writable root (/var/tmp, else /root, else /; not /tmp: that is a 512 MB tmpfs) with
# `kubectl exec -i -- sh -c 'cat > F'` (needs only sh and cat in the pod), reads it 3 times through
# kubectl exec and prints MB/s (10^6 bytes) for each run and the median, next to the upload and the
# same read done inside the pod (cat > /dev/null, no transfer) as ratios. Removes the files at the end.
set -eu
set -o pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE=${STANDIN_STATE:-$ROOT/build/cluster}
POD=${1:-sample-app}
SIZE=$((1024 * 1024 * 1024))
RUNS=3

# shellcheck disable=SC1091
. "$STATE/env"
export KUBECONFIG
KUBECACHEDIR=$(mktemp -d /tmp/exec-ceiling.XXXXXX)
export KUBECACHEDIR
LOCAL="$KUBECACHEDIR/1g"
FILE=""
cleanup() {
    [ -z "$FILE" ] || timeout 60 kubectl exec "$POD" -- rm -f "$FILE" >/dev/null 2>&1 || true
    rm -rf "$KUBECACHEDIR"
}
trap cleanup EXIT

# seconds CMD...: run CMD, print its wall time in seconds.
seconds() {
    local t0 t1
    t0=$(date +%s.%N)
    "$@"
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{printf "%.3f\n", $2 - $1}'
}

pull() { timeout 600 kubectl exec "$POD" -- cat "$FILE" >/dev/null; }
local_read() { timeout 600 kubectl exec "$POD" -- sh -c "cat '$FILE' > /dev/null"; }
mbps() { awk -v b="$SIZE" -v s="$1" 'BEGIN {printf "%.1f", b / s / 1e6}'; }
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

dir=$(timeout 60 kubectl exec "$POD" -- sh -c \
    'for d in /var/tmp /root /; do if [ -d "$d" ] && [ -w "$d" ]; then echo "$d"; break; fi; done')
[ -n "$dir" ] || { echo "exec-ceiling: no writable directory in $POD" >&2; exit 1; }
FILE="${dir%/}/dotnetprof-bench-1g"
head -c "$SIZE" /dev/urandom >"$LOCAL"
push() { timeout 600 kubectl exec -i "$POD" -- sh -c "cat > '$FILE'" <"$LOCAL"; }
up=$(mbps "$(seconds push)")
size=$(timeout 600 kubectl exec "$POD" -- cat "$FILE" | wc -c)
[ "$size" -eq "$SIZE" ] || { echo "exec-ceiling: $FILE in $POD has $size bytes, want $SIZE" >&2; exit 1; }
echo "upload (kubectl exec -i, cat > $FILE): $up MB/s"

rates=()
for i in $(seq "$RUNS"); do
    s=$(seconds pull)
    rates+=("$(mbps "$s")")
    echo "run $i: kubectl exec cat: ${s}s, $(mbps "$s") MB/s"
done
in_pod=$(mbps "$(seconds local_read)")
med=$(printf '%s\n' "${rates[@]}" | median)
echo "in-pod read (exec cat > /dev/null inside the pod): $in_pod MB/s"
echo "median kubectl exec cat: $med MB/s ($(awk -v a="$med" -v b="$in_pod" 'BEGIN {printf "%.2f", a / b}')x the in-pod read)"
