#!/usr/bin/env bash
# bench/transfer.sh - pulling a file out of a pod, side by side in one run on the stand-in cluster:
#
#   ceiling       kubectl exec POD -- cat FILE > out              (what one exec stream can carry)
#   kubectl-cp    kubectl cp POD:FILE out                          (needs tar in the pod)
#   recipe-b64    kubectl exec POD -- base64 FILE | base64 -d > out  (the manual recipe)
#   fetch-raw     kubectl dotnetprof fetch POD FILE --encoding raw --compress none
#   fetch-b64     kubectl dotnetprof fetch POD FILE --encoding base64 --compress none
#   fetch-gzip    kubectl dotnetprof fetch POD FILE --encoding gzip
#   fetch-auto    kubectl dotnetprof fetch POD FILE                 (the default)
#
# for a 64 MiB random file, a 1 GiB random file and a real heap dump of the sample app. Everything
# runs against sample-debian, the one .NET pod that has tar (for kubectl cp) and gzip (for
# fetch-gzip). The methods run in interleaved rounds (every method once per round, files in turn),
# so that load changes on a shared machine hit all of them; the table shows medians over the
# rounds: seconds, MB/s, the ratio to the ceiling, the machine's busy CPU-seconds during the copy
# (user+system of all processes, from /proc/stat: on the stand-in the pod, the API server and
# kubectl share this machine's cores, so CPU spent anywhere slows the stream), and for our fetch its
# own peak RSS (what it reports with -v: getrusage of its own process). Every copy is checked against the
# pod's sha256. Our fetch always verifies (sha256 in the pod and here) and fsyncs; the others do not.
#
# --link MBPS paces every exec's stdout to MBPS MB/s (the stand-in's rateBytesPerSec): the case of
# a real cluster, where the bytes cross a network between the node and kubectl and the pod's CPU is
# not this machine's. Without it the stream is loopback and CPU-bound.
#
# Usage: bench/transfer.sh [--quick] [--rounds N] [--link MBPS]
#        (--quick: skip the 1 GiB file; --rounds: default 3)
# Needs: the stand-in up (make cluster-up), ./kubectl-dotnetprof built, bc, curl,
# build/tools/linux-x64/dotnet-dump (made by the stand-in's `up`).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
quick=0 rounds=3 link=0
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--rounds) rounds=${2:?--rounds N}; shift ;;
	--link) link=${2:?--link MBPS}; shift ;;
	*) echo "usage: bench/transfer.sh [--quick] [--rounds N] [--link MBPS]" >&2; exit 2 ;;
	esac
	shift
done
case $rounds$link in *[!0-9]*) echo "bench: --rounds and --link take whole numbers" >&2; exit 2 ;; esac
[ "$rounds" -ge 1 ] || { echo "bench: --rounds must be at least 1" >&2; exit 2; }
bin=$top/kubectl-dotnetprof
pod=sample-debian
[ -x "$bin" ] || { echo "bench: build first (make)" >&2; exit 2; }
command -v bc >/dev/null || { echo "bench: bc is missing: apt-get install bc" >&2; exit 2; }
python3 tests/cluster/standin.py status >/dev/null 2>&1 || { echo "bench: the stand-in is down: make cluster-up" >&2; exit 2; }
# shellcheck disable=SC1091
. build/cluster/env
export KUBECONFIG
work=$(mktemp -d /tmp/dotnetprof-bench.XXXXXX)
export KUBECACHEDIR=$work/kubecache
# a private copy: a rebuild in the tree during the run must not change what is measured
cp "$bin" "$work/kubectl-dotnetprof"
bin=$work/kubectl-dotnetprof
cleanup() {
	cd "$top" # the copies ran in $work, removed last
	python3 tests/cluster/standin.py fault --clear >/dev/null 2>&1 || true
	kubectl exec $pod -- rm -rf /var/tmp/bench /tmp/bench-dd /tmp/bench-x >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
python3 tests/cluster/standin.py fault --clear >/dev/null

pexec() { kubectl exec "$pod" -- "$@"; }
pod_sha() { pexec sh -c 'sha256sum <"$1"' sh "$1" | cut -d' ' -f1; }

echo "# preparing files in $pod:/var/tmp/bench"
pexec mkdir -p /var/tmp/bench
pexec sh -c 'head -c 67108864 /dev/urandom >/var/tmp/bench/random-64M.bin'
files="/var/tmp/bench/random-64M.bin"
if [ "$quick" = 0 ]; then
	pexec sh -c 'head -c 1073741824 /dev/urandom >/var/tmp/bench/random-1G.bin'
	files="$files /var/tmp/bench/random-1G.bin"
fi
# A real heap dump: grow the app's heap by 200 MiB, then dotnet-dump collect --type Heap.
port=$(kubectl get pod $pod -o jsonpath='{.spec.containers[0].env[?(@.name=="ASPNETCORE_URLS")].value}' | sed 's/.*://')
curl -fsS "http://127.0.0.1:${port:-30098}/memory-leak?mb=200" >/dev/null
kubectl exec -i $pod -- sh -c 'cat >/tmp/bench-dd && chmod +x /tmp/bench-dd' <build/tools/linux-x64/dotnet-dump
pid=$(pexec sh -c 'for p in /proc/[0-9]*; do grep -q libcoreclr "$p/maps" 2>/dev/null && { echo "${p#/proc/}"; break; }; done')
pexec env DOTNET_BUNDLE_EXTRACT_BASE_DIR=/tmp/bench-x /tmp/bench-dd collect -p "$pid" --type Heap \
	-o /var/tmp/bench/heap.dmp >/dev/null
curl -fsS "http://127.0.0.1:${port:-30098}/leak-reset" >/dev/null || true
files="$files /var/tmp/bench/heap.dmp"

# busy_ticks: the machine's user+nice+system+irq+softirq time so far, in clock ticks
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8; exit }' /proc/stat; }
hz=$(getconf CLK_TCK)

# measure NAME FILE OUT [TIMED] CMD...: run CMD, record seconds, busy CPU-seconds (and for TIMED
# runs our own peak RSS).
results=$work/results
: >"$results"
measure() {
	local name=$1 file=$2 out=$3 t0 t1 c0 c1 secs rss=- want got
	shift 3
	rm -f "$out"
	sync # the last copy's writeback must not land on this one
	c0=$(busy_ticks)
	t0=$(date +%s.%N)
	if [ "${1:-}" = TIMED ]; then
		# our own peak RSS, as our fetch reports it with -v (getrusage of its own process: GNU
		# time's %M would report the largest child, i.e. kubectl, a Go program of ~50 MiB; sampling
		# /proc while it runs would cost CPU the copy needs)
		shift
		"$@" -v >/dev/null 2>"$work/err" || { echo "bench: $name failed:" >&2; cat "$work/err" >&2; return 1; }
		rss=$(sed -n 's/.*peak memory \([0-9.]*\) MiB.*/\1/p' "$work/err")
		[ -n "$rss" ] || rss=-
	else
		"$@" || { echo "bench: $name failed" >&2; return 1; }
	fi
	t1=$(date +%s.%N)
	c1=$(busy_ticks)
	secs=$(echo "$t1 - $t0" | bc -l)
	want=${shas[$file]}
	got=$(sha256sum <"$out" | cut -d' ' -f1)
	[ "$got" = "$want" ] || { echo "bench: $name produced a wrong copy of $file" >&2; return 1; }
	printf '%s %s %s %s %s %s\n' "$file" "$name" "$secs" "$rss" "$(stat -c %s "$out")" \
		"$(echo "($c1 - $c0) / $hz" | bc -l)" >>"$results"
	rm -f "$out"
}

declare -A shas
for f in $files; do
	shas[$f]=$(pod_sha "$f")
done

if [ "$link" -gt 0 ]; then
	python3 tests/cluster/standin.py fault --pod $pod --rate-bytes-per-sec $((link * 1000000)) >/dev/null
	echo "# every exec's stdout from $pod is paced to $link MB/s (a network link)"
else
	echo "# loopback: no link between the pod and kubectl; the copies are CPU-bound"
fi
for f in $files; do
	echo "# $f ($(pexec stat -c %s "$f") bytes)"
done

cd "$work"
for r in $(seq 1 "$rounds"); do
	echo "# round $r of $rounds"
	for f in $files; do
		measure ceiling "$f" out sh -c 'kubectl exec "$1" -- cat "$2" >out' sh $pod "$f"
		measure kubectl-cp "$f" out sh -c 'kubectl cp "$1" out 2>/dev/null' sh "$pod:$f"
		measure recipe-b64 "$f" out sh -c 'kubectl exec "$1" -- base64 "$2" | base64 -d >out' sh $pod "$f"
		measure fetch-raw "$f" out TIMED "$bin" fetch $pod "$f" -o out --encoding raw --compress none
		measure fetch-b64 "$f" out TIMED "$bin" fetch $pod "$f" -o out --encoding base64 --compress none
		measure fetch-gzip "$f" out TIMED "$bin" fetch $pod "$f" -o out --encoding gzip
		measure fetch-auto "$f" out TIMED "$bin" fetch $pod "$f" -o out
	done
done

# medians over the rounds: FILE METHOD SECONDS RSS BYTES CPU (the CPU of the median round; RSS: the
# largest)
summary=$work/summary
sort -k1,1 -k2,2 -k3,3g "$results" | awk '
	function flush() {
		if (n == 0) return
		m = int((n + 1) / 2)
		printf "%s %s %s %s %s %s\n", key1, key2, t[m], rssmax, bytes, c[m]
	}
	{
		if ($1 " " $2 != key1 " " key2) { flush(); key1 = $1; key2 = $2; n = 0; rssmax = "-" }
		n++; t[n] = $3; c[n] = $6; bytes = $5
		if ($4 != "-" && (rssmax == "-" || $4 + 0 > rssmax + 0)) rssmax = $4
	}
	END { flush() }' >"$summary"
echo
printf '%-16s %-14s %8s %9s %9s %7s %9s\n' FILE METHOD SECONDS MB/s xCEILING CPU_S PEAK_RSS
awk '
	$2 == "ceiling" { ceil[$1] = $3 }
	{ rows[NR] = $0 }
	END {
		order["ceiling"] = 1; order["kubectl-cp"] = 2; order["recipe-b64"] = 3; order["fetch-raw"] = 4
		order["fetch-b64"] = 5; order["fetch-gzip"] = 6; order["fetch-auto"] = 7
		for (i = 1; i <= NR; i++) {
			split(rows[i], f, " ")
			n = f[1]; sub(".*/", "", n)
			mbs = f[5] / f[3] / 1e6
			rss = (f[4] == "-") ? "-" : (f[4] " MiB")
			printf "%d %-16s %-14s %8.2f %9.1f %9.2f %7.1f %9s\n", order[f[2]], n, f[2], f[3], mbs,
			       ceil[f[1]] / f[3], f[6], rss
		}
	}' "$summary" | sort -s -k2,2 -k1,1n | cut -d' ' -f2-
echo "($rounds rounds, medians; $([ "$link" -gt 0 ] && echo "link $link MB/s" || echo loopback))"

echo
awk '
	{ t[$1 " " $2] = $3; r[$1 " " $2] = $4 }
	END {
		for (k in t) {
			split(k, a, " ")
			if (a[2] == "fetch-raw" && a[1] ~ /random-1G/)
				printf "acceptance: 1 GiB raw fetch / ceiling = %.2f (target >= 0.9): %s\n",
				       t[a[1] " ceiling"] / t[k], ((t[a[1] " ceiling"] / t[k] >= 0.9) ? "met" : "NOT met")
			if (a[2] == "fetch-gzip" && a[1] ~ /heap/)
				printf "acceptance: heap dump gzip %.2f s vs raw %.2f s: %s\n", t[k],
				       t[a[1] " fetch-raw"], ((t[k] < t[a[1] " fetch-raw"]) ? "gzip faster (met)" : "NOT met")
			if (a[1] ~ /random-1G/ && a[2] ~ /^fetch/)
				printf "acceptance: peak RSS of %s on 1 GiB = %s MiB (target < 16): %s\n", a[2],
				       r[k], ((r[k] < 16) ? "met" : "NOT met")
		}
	}' "$summary" | sort
