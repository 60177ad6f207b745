#!/usr/bin/env bash
# bench/agent.sh - dotnetprof-agent against Microsoft's dotnet-trace, side by side in one run, on
# the sample app run on this host (no cluster: this measures the tools themselves):
#
#   sizes        the stripped static agent per architecture (build/agent/ARCH/dotnetprof-agent),
#                against the dotnet-trace single-file tool a pod gets today (build/tools/linux-x64)
#   first byte   from starting the program to the first .nettrace byte: the agent's stdout, and the
#                file dotnet-trace writes (polled every millisecond)
#   5 s trace    wall time of a 5 s trace minus the 5 s: `dotnet-trace collect --duration
#                00:00:00:05 -o FILE` and `dotnetprof-agent trace --duration 5s >FILE`, warm (each
#                ran once before, untimed), interleaved round by round so machine noise hits both
#
# Prints each round, the medians, and the ratios agent / dotnet-trace. Every trace is checked
# (starts with "Nettrace"); a failed run aborts.
#
# Usage: bench/agent.sh [ROUNDS]   (default 5)
# Needs: make (the agents), make tools (build/nuget-tools, build/tools), build/sample-app
# (`dotnet publish tests/sample-app -c Release -o build/sample-app`; tests/unit/agent_test.sh makes it).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-5}
dur=5
agent=$top/build/agent/x64/dotnetprof-agent
trace_tool=$top/build/nuget-tools/dotnet-trace/dotnet-trace
single_file=$top/build/tools/linux-x64/dotnet-trace
app=$top/build/sample-app/SampleApp.dll
for f in "$agent" "$trace_tool" "$app"; do
	[ -e "$f" ] || { echo "bench: $f is missing (see the usage in $0)" >&2; exit 2; }
done
work=$(mktemp -d /tmp/dotnetprof-bench-agent.XXXXXX)
# a private copy: a rebuild in the tree during the run must not change what is measured
cp "$agent" "$work/agent"
agent=$work/agent
app_pid=
trap '[ -z "$app_pid" ] || kill "$app_pid" 2>/dev/null; rm -rf "$work"' EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ASPNETCORE_URLS=http://127.0.0.1:$port dotnet "$app" >"$work/app.log" 2>&1 </dev/null &
app_pid=$!
for _ in $(seq 1 150); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$port/healthz" >/dev/null || { echo "bench: the sample app did not start" >&2; exit 1; }

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
nettrace() { [ "$(head -c 8 "$1" 2>/dev/null)" = Nettrace ] || { echo "bench: $2: $1 is not a nettrace file" >&2; exit 1; }; }
ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print('%.2f' % (a / b) if b else 'n/a')" "$1" "$2"; }

echo "== sizes (bytes)"
for a in "$top"/build/agent/*/dotnetprof-agent; do
	printf '  agent %-6s %8d  (%d KiB)\n' "$(basename "$(dirname "$a")")" "$(wc -c <"$a")" $(($(wc -c <"$a") / 1024))
done
if [ -f "$single_file" ]; then
	sf=$(wc -c <"$single_file")
	printf '  dotnet-trace single-file (linux-x64, what a pod gets today) %d  (%d KiB): the x64 agent is %s%% of it\n' \
		"$sf" $((sf / 1024)) "$(python3 -c "import sys; print('%.2f' % (100 * $(wc -c <"$top/build/agent/x64/dotnetprof-agent") / $sf))")"
fi

# first_byte MODE: seconds from starting the program to the first trace byte (then it is stopped)
first_byte() {
	python3 - "$1" "$agent" "$trace_tool" "$app_pid" "$work/fb.nettrace" <<'EOF'
import os, signal, subprocess, sys, time
mode, agent, tool, pid, out = sys.argv[1:]
if os.path.exists(out):
    os.unlink(out)
t0 = time.monotonic()
if mode == "agent":
    p = subprocess.Popen([agent, "trace", "--pid", pid], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    first = p.stdout.read(1)
    t = time.monotonic() - t0
    p.send_signal(signal.SIGINT)
    p.stdout.read()
else:
    p = subprocess.Popen([tool, "collect", "-p", pid, "-o", out], stdin=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not (os.path.exists(out) and os.path.getsize(out) > 0):
        if p.poll() is not None or time.monotonic() - t0 > 60:
            sys.exit("dotnet-trace wrote nothing")
        time.sleep(0.001)
    t = time.monotonic() - t0
    p.send_signal(signal.SIGINT)
p.wait(timeout=60)
print("%.3f" % t)
EOF
}

now() { date +%s.%N; }
# timed NAME CMD...: run it, check its trace, append (wall - dur) to $work/NAME.t
timed() {
	local name=$1 t0 t1 f="$work/$1.nettrace"
	shift
	rm -f "$f"
	t0=$(now)
	"$@" "$f"
	t1=$(now)
	nettrace "$f" "$name"
	python3 -c "import sys; print('%.3f' % (float(sys.argv[2]) - float(sys.argv[1]) - $dur))" "$t0" "$t1" >>"$work/$name.t"
}
agent_trace() { "$agent" trace --pid "$app_pid" --duration ${dur}s --stdin ignore >"$1" 2>"$work/agent.err" </dev/null; }
tool_trace() { "$trace_tool" collect -p "$app_pid" --duration "$(printf '00:00:00:%02d' $dur)" -o "$1" >/dev/null 2>&1 </dev/null; }

echo "== warming up (one untimed run of each)"
agent_trace "$work/warm.nettrace"
tool_trace "$work/warm.nettrace"
first_byte agent >/dev/null
first_byte tool >/dev/null

echo "== rounds: first byte (s), and 5 s trace wall - 5 s (s)"
printf '  %-5s %12s %12s %12s %12s\n' round "fb agent" "fb tool" "5s agent" "5s tool"
for r in $(seq 1 "$rounds"); do
	first_byte agent >>"$work/fba.t"
	first_byte tool >>"$work/fbt.t"
	timed agent agent_trace
	timed tool tool_trace
	printf '  %-5s %12s %12s %12s %12s\n' "$r" "$(tail -n 1 "$work/fba.t")" "$(tail -n 1 "$work/fbt.t")" \
		"$(tail -n 1 "$work/agent.t")" "$(tail -n 1 "$work/tool.t")"
done

fba=$(median <"$work/fba.t") fbt=$(median <"$work/fbt.t") a=$(median <"$work/agent.t") t=$(median <"$work/tool.t")
echo "== medians"
printf '  first byte:        agent %ss   dotnet-trace %ss   ratio agent/dotnet-trace %s\n' "$fba" "$fbt" "$(ratio "$fba" "$fbt")"
printf '  5 s trace - 5 s:   agent %ss   dotnet-trace %ss   ratio agent/dotnet-trace %s\n' "$a" "$t" "$(ratio "$a" "$t")"
printf '  agent trailer of the last run: %s\n' "$(grep '^trace-end' "$work/agent.err" | cut -f2-10)"
