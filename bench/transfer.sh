#!/usr/bin/env bash
# bench/transfer.sh - pulling a file out of a pod, side by side in one run on the stand-in cluster:
#
#   ceiling       kubectl exec POD -- cat FILE > out              (what one exec stream can carry)
#   ceiling-fsync kubectl exec POD -- cat FILE > out; sync out     (the same, on disk as our fetch is)
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
# --links "L1 L2 ...": each round measures everything once per link: 0 is loopback (no link: pod,
# API server and kubectl share this machine's 2 cores, so the copy is CPU-bound), N paces every
# exec's stdout to N MB/s (the stand-in's rateBytesPerSec): the case of a real cluster, where the
# bytes cross a network between the node and kubectl and the pod's CPU is not this machine's. The
# default "0 50 200" prints the loopback and paced figures side by side, with the goals: raw fetch
# >= 0.95x exec cat at 50 MB/s, >= 0.90x at 200 MB/s, >= 0.70x on 1 GiB on loopback; gzip >= 2x
# raw on the heap dump at 50 MB/s. Last, the kubectl commands a fetch and a warm trace run (what -v
# prints), counted.
#
# Usage: bench/transfer.sh [--quick] [--rounds N] [--links "0 50 200"] [--methods "..."]
#        (--quick: skip the 1 GiB file; --rounds: default 3; --methods: a subset of the methods)
# Needs: the stand-in up (make cluster-up), ./kubectl-dotnetprof built, bc, curl,
# build/tools/linux-x64/dotnet-dump (made by the stand-in's `up`).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
quick=0 rounds=3 links="0 50 200"
methods="ceiling ceiling-fsync kubectl-cp recipe-b64 fetch-raw fetch-b64 fetch-gzip fetch-auto"
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--rounds) rounds=${2:?--rounds N}; shift ;;
	--link | --links) links=${2:?--links "MBPS..."}; shift ;;
	--methods) methods="ceiling ${2:?--methods "..."}"; shift ;;
	*) echo "usage: bench/transfer.sh [--quick] [--rounds N] [--links \"0 50 200\"] [--methods \"...\"]" >&2
	   exit 2 ;;
	esac
	shift
done
case $rounds$(echo "$links" | tr -d ' ') in *[!0-9]*) echo "bench: --rounds and --links take whole numbers" >&2; exit 2 ;; esac
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
	printf '%s %s %s %s %s %s\n' "$link:$file" "$name" "$secs" "$rss" "$(stat -c %s "$out")" \
		"$(echo "($c1 - $c0) / $hz" | bc -l)" >>"$results"
	rm -f "$out"
}

declare -A shas
for f in $files; do
	shas[$f]=$(pod_sha "$f")
done

# set_link MBPS: 0 loopback, else pace every exec's stdout from the pod to MBPS MB/s
set_link() {
	python3 "$top/tests/cluster/standin.py" fault --clear >/dev/null
	[ "$1" -gt 0 ] && python3 "$top/tests/cluster/standin.py" fault --pod $pod \
		--rate-bytes-per-sec $(($1 * 1000000)) >/dev/null
	return 0
}
for f in $files; do
	echo "# $f ($(pexec stat -c %s "$f") bytes)"
done
echo "# links: $links (0: loopback; N: every exec's stdout from $pod paced to N MB/s)"

# run METHOD FILE: one copy of FILE by METHOD (skipped unless METHOD is in $methods)
run_method() {
	case " $methods " in *" $1 "*) ;; *) return 0 ;; esac
	case $1 in
	ceiling) measure ceiling "$2" out sh -c 'kubectl exec "$1" -- cat "$2" >out' sh $pod "$2" ;;
	ceiling-fsync) measure ceiling-fsync "$2" out sh -c 'kubectl exec "$1" -- cat "$2" >out && sync out' sh $pod "$2" ;;
	kubectl-cp) measure kubectl-cp "$2" out sh -c 'kubectl cp "$1" out 2>/dev/null' sh "$pod:$2" ;;
	recipe-b64) measure recipe-b64 "$2" out sh -c 'kubectl exec "$1" -- base64 "$2" | base64 -d >out' sh $pod "$2" ;;
	fetch-raw) measure fetch-raw "$2" out TIMED "$bin" fetch $pod "$2" -o out --encoding raw --compress none ;;
	fetch-b64) measure fetch-b64 "$2" out TIMED "$bin" fetch $pod "$2" -o out --encoding base64 --compress none ;;
	fetch-gzip) measure fetch-gzip "$2" out TIMED "$bin" fetch $pod "$2" -o out --encoding gzip ;;
	fetch-auto) measure fetch-auto "$2" out TIMED "$bin" fetch $pod "$2" -o out ;;
	esac
}

cd "$work"
for r in $(seq 1 "$rounds"); do
	echo "# round $r of $rounds"
	for link in $links; do
		set_link "$link"
		for f in $files; do
			for m in $methods; do
				run_method "$m" "$f"
			done
		done
	done
done
set_link 0

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
		order["ceiling"] = 1; order["ceiling-fsync"] = 2; order["kubectl-cp"] = 3
		order["recipe-b64"] = 4; order["fetch-raw"] = 5; order["fetch-b64"] = 6; order["fetch-gzip"] = 7
		order["fetch-auto"] = 8
		for (i = 1; i <= NR; i++) {
			split(rows[i], f, " ")
			split(f[1], lf, ":")
			n = lf[2]; sub(".*/", "", n); n = lf[1] ":" n
			mbs = f[5] / f[3] / 1e6
			rss = (f[4] == "-") ? "-" : (f[4] " MiB")
			printf "%d %-16s %-14s %8.2f %9.1f %9.2f %7.1f %9s\n", order[f[2]], n, f[2], f[3], mbs,
			       ceil[f[1]] / f[3], f[6], rss
		}
	}' "$summary" | sort -s -k2,2 -k1,1n | cut -d' ' -f2-
echo "($rounds rounds, medians; FILE is LINK:NAME, LINK 0 loopback, else MB/s)"

echo
awk '
	{ t[$1 " " $2] = $3; r[$1 " " $2] = $4 }
	END {
		for (k in t) {
			split(k, a, " ")
			split(a[1], lf, ":")
			ratio = t[a[1] " ceiling"] / t[k]
			if (a[2] == "fetch-raw" && lf[1] == 0 && a[1] ~ /random-1G/)
				printf "goal: loopback, 1 GiB raw fetch / exec cat = %.2f (>= 0.70): %s\n", ratio,
				       (ratio >= 0.70 ? "met" : "NOT met")
			if (a[2] == "fetch-raw" && lf[1] == 0 && a[1] ~ /random-1G/ && (a[1] " ceiling-fsync") in t)
				printf "loopback, 1 GiB raw fetch / (exec cat + fsync) = %.2f (our fetch fsyncs " \
				       "before it renames; exec cat leaves the bytes in the page cache)\n",
				       t[a[1] " ceiling-fsync"] / t[k]
			if (a[2] == "fetch-raw" && lf[1] == 50 && a[1] ~ /random-/)
				printf "goal: 50 MB/s, %s raw fetch / exec cat = %.2f (>= 0.95): %s\n", lf[2], ratio,
				       (ratio >= 0.95 ? "met" : "NOT met")
			if (a[2] == "fetch-raw" && lf[1] == 200 && a[1] ~ /random-/)
				printf "goal: 200 MB/s, %s raw fetch / exec cat = %.2f (>= 0.90): %s\n", lf[2], ratio,
				       (ratio >= 0.90 ? "met" : "NOT met")
			if (a[2] == "fetch-gzip" && lf[1] == 50 && a[1] ~ /heap/ && (a[1] " fetch-raw") in t)
				printf "goal: 50 MB/s, heap dump gzip %.2fx faster than raw (>= 2): %s\n",
				       t[a[1] " fetch-raw"] / t[k], (t[a[1] " fetch-raw"] / t[k] >= 2 ? "met" : "NOT met")
			if (a[1] ~ /random-1G/ && a[2] ~ /^fetch/ && r[k] != "-")
				printf "goal: peak RSS of %s on 1 GiB (%s) = %s MiB (< 16): %s\n", a[2], lf[1],
				       r[k], ((r[k] < 16) ? "met" : "NOT met")
		}
	}' "$summary" | sort

# kubectl round trips: every command -v prints ("+ kubectl ...")
"$bin" fetch $pod /var/tmp/bench/random-64M.bin -o rt.bin -v 2>"$work/rt" >/dev/null
echo "round trips: fetch = $(grep -c '^+ ' "$work/rt") kubectl commands"
rm -f rt.bin
"$bin" trace $pod --duration 1s -o rt.nettrace -q >/dev/null 2>&1 || true # warm the pod
rm -f rt.nettrace
"$bin" trace $pod --duration 1s -o rt.nettrace -v 2>"$work/rt" >/dev/null
echo "round trips: warm trace = $(grep -c '^+ ' "$work/rt") kubectl commands"
rm -f rt.nettrace
