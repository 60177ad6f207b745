#!/bin/sh
# bench/report.sh - how fast `kubectl dotnetprof report` reads a large trace, and in how much memory,
# side by side with `dotnet-trace report` on the same file.
#
# The trace is made here, once (kept as build/bench/report-big.nettrace; BIG_TRACE names another):
# the sample app (.NET 10, tests/fixtures/make-traces.sh publishes it) under HTTP load (curl,
# parallel requests to /healthz) with one thread spinning in /high-cpu, recorded for $BENCH_SECONDS
# (default 150) by the real dotnet-trace with its default profiles plus the TPL (tasks, not its debug
# messages), Kestrel and Hosting EventSources at verbose level (events with stacks, as a busy
# service gives); it must reach $BIG_MB MB (default 100).
# Then each reader runs $RUNS times (default 3; dotnet-trace, being slower, $REF_RUNS times, default
# 2) and the median wall time, CPU time and peak resident memory are printed with the ratios.
# Goals: >= 100 MB/s and <= 64 MiB peak RSS for `report` (text, cpu view).
#
# Needs: make, make tools (build/nuget-tools/dotnet-trace), dotnet, curl, python3. Uses the loopback
# only; everything it starts it stops. Usage: bench/report.sh
set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
BIN=$REPO/kubectl-dotnetprof
REF=${DOTNET_TRACE:-$REPO/build/nuget-tools/dotnet-trace/dotnet-trace}
OUT=$REPO/build/bench
BIG=${BIG_TRACE:-$OUT/report-big.nettrace}
BIG_MB=${BIG_MB:-100}
RUNS=${RUNS:-3}
REF_RUNS=${REF_RUNS:-2}
PORT=${BENCH_PORT:-5293}
SECS=${BENCH_SECONDS:-150}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

say() { printf 'bench/report: %s\n' "$*" >&2; }
die() { printf 'bench/report: error: %s\n' "$*" >&2; exit 1; }

[ -x "$REF" ] || die "no $REF: run make tools"
command -v python3 >/dev/null || die "python3 is missing"
make -C "$REPO" --no-print-directory >/dev/null || die "make failed"
mkdir -p "$OUT"

app_pid= load_pid= spin_pid=
# stop PID: SIGTERM, then SIGKILL if it is still there after 10 s
stop() {
    [ -n "$1" ] || return 0
    kill "$1" 2>/dev/null || return 0
    i=0
    while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    kill -9 "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
cleanup() {
    for p in $load_pid $spin_pid $app_pid; do stop "$p"; done
}
trap cleanup EXIT INT TERM

make_trace() {
    app=$REPO/build/traces/app-net10/SampleApp.dll
    if [ ! -f "$app" ]; then
        say "publishing the sample app (build/traces/app-net10)"
        dotnet publish "$REPO/tests/sample-app" -c Release -o "$REPO/build/traces/app-net10" -nologo -v quiet \
            >"$OUT/publish.log" 2>&1 || die "dotnet publish failed (see $OUT/publish.log)"
    fi
    ASPNETCORE_URLS=http://127.0.0.1:$PORT nice dotnet "$app" >"$OUT/app.log" 2>&1 &
    app_pid=$!
    i=0
    until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do
        i=$((i + 1)); [ $i -lt 100 ] || die "the sample app did not start (see $OUT/app.log)"; sleep 0.2
    done
    say "recording $SECS s of the sample app under load (one thread spinning, 8 requests at a time)"
    # bounded load: at most 2000000 requests, 8 at a time, on the loopback
    nice curl -s --no-progress-meter --parallel --parallel-max 8 -o /dev/null \
        "http://127.0.0.1:$PORT/healthz?n=[1-2000000]" &
    load_pid=$!
    nice curl -s -o /dev/null "http://127.0.0.1:$PORT/high-cpu?seconds=$((SECS + 5))&threads=1" &
    spin_pid=$!
    sleep 1
    rm -f "$BIG.tmp"
    "$REF" collect -p "$app_pid" --duration "00:00:$(printf '%02d:%02d' $((SECS / 60)) $((SECS % 60)))" \
        --profile dotnet-common,dotnet-sampled-thread-time \
        --providers "System.Threading.Tasks.TplEventSource:0x1FF:5,Microsoft-AspNetCore-Server-Kestrel:0xFFFFFFFF:5,Microsoft-AspNetCore-Hosting:0xFFFFFFFF:5" \
        -o "$BIG.tmp" >"$OUT/collect.log" 2>&1 || die "dotnet-trace collect failed (see $OUT/collect.log)"
    cleanup
    load_pid= spin_pid= app_pid=
    [ "$(wc -c <"$BIG.tmp")" -ge $((BIG_MB * 1000000)) ] ||
        die "$SECS s gave $(wc -c <"$BIG.tmp") bytes, less than $BIG_MB MB: run with BENCH_SECONDS larger"
    mv "$BIG.tmp" "$BIG"
}

[ -f "$BIG" ] || make_trace
say "trace: $BIG ($(wc -c <"$BIG") bytes)"

# each run's wall time, and its own CPU time and peak RSS (wait4's rusage of that child)
python3 - "$BIG" "$BIN" "$REF" "$RUNS" "$REF_RUNS" <<'EOF'
import os, resource, statistics, subprocess, sys, tempfile, time
big, ours, ref, runs, ref_runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
size = os.path.getsize(big)

def measure(argv, cwd):
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    err = p.stderr.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("bench/report: %s failed: %s" % (argv[0], err[-500:]))
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss

def median(argv, n, cwd):
    r = [measure(argv, cwd) for _ in range(n)]
    return tuple(statistics.median(x[i] for x in r) for i in range(3))

with tempfile.TemporaryDirectory() as tmp:
    # dotnet-trace writes its .etlx beside the trace: give it a copy in a scratch directory
    copy = os.path.join(tmp, "t.nettrace")
    os.link(big, copy) if os.stat(big).st_dev == os.stat(tmp).st_dev else subprocess.run(["cp", big, copy], check=True)
    ours_tt = median([ours, "report", big, "--view", "thread-time", "--top", "10"], runs, tmp)
    ours_cpu = median([ours, "report", big, "--top", "10"], runs, tmp)
    ours_fg = median([ours, "report", big, "--format", "flamegraph", "-o", os.path.join(tmp, "f.html"), "--force"], runs, tmp)
    theirs = median([ref, "report", copy, "topN", "-n", "10"], ref_runs, tmp)

mb = size / 1e6
print("trace: %.1f MB (%s)" % (mb, big))
print("%-44s %9s %9s %10s %12s" % ("", "wall s", "cpu s", "MB/s", "peak RSS MiB"))
for name, (w, c, rss) in (("kubectl dotnetprof report (cpu view)", ours_cpu),
                          ("kubectl dotnetprof report --view thread-time", ours_tt),
                          ("kubectl dotnetprof report --format flamegraph", ours_fg),
                          ("dotnet-trace report topN -n 10", theirs)):
    print("%-44s %9.2f %9.2f %10.0f %12.1f" % (name, w, c, mb / w, rss / 1024))
print("ratios, dotnet-trace / ours (cpu view): wall %.1fx, cpu %.1fx, peak RSS %.1fx"
      % (theirs[0] / ours_cpu[0], theirs[1] / ours_cpu[1], theirs[2] / ours_cpu[2]))
goals = (mb / ours_cpu[0] >= 100, ours_cpu[2] / 1024 <= 64)
print("goals: parse speed >= 100 MB/s: %s; peak RSS <= 64 MiB: %s"
      % ("met" if goals[0] else "NOT met", "met" if goals[1] else "NOT met"))
EOF
