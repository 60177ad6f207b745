#!/bin/sh
# report_compare_test.sh - `report` against the real reference tools on the real traces of
# tests/fixtures/nettrace (.NET 8, 9 and 10; /high-cpu and idle):
#
#   1. thread-time top 10 exclusive: ours (--view thread-time --format json) against
#      `dotnet-trace report FILE topN -n 10`: the same methods in the same order (ties aside: rows
#      whose percentages are within a point of each other may swap; rows of 0% are not ranked),
#      exclusive and inclusive percentages within 1 point. Names are compared the way dotnet-trace
#      prints them (Type.Method(args), cut at 70 characters; unresolved frames, which we keep apart
#      by address, summed into its one "Missing Symbol" row; names containing "Process" left out,
#      as it leaves them out).
#   2. per-method thread time: the spans of our --format speedscope file against those of
#      `dotnet-trace convert --format speedscope`, summed per frame name (exclusive: the frame is the
#      innermost but for the CPU_TIME/UNMANAGED_CODE_TIME leaf; inclusive: anywhere on the stack,
#      once), as percentages of all spans: within 1 point for every method, and for the process,
#      thread and pseudo frames TraceEvent adds.
#
# The two references weigh threads differently when a trace has EventSource events (report counts
# them, convert does not): our --view thread-time follows report, our speedscope export follows
# convert, so each is compared with its own. DOTNETPROF_NETTRACE_FIXTURES names another directory
# of traces (bench/report.sh's large one was checked this way too).
#
# Prints the figures. Needs python3 and the NuGet dotnet-trace of `make tools`
# (build/nuget-tools/dotnet-trace, DOTNET_TRACE overrides); DOTNETPROF_BIN names our binary.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${DOTNETPROF_BIN:-$top/kubectl-dotnetprof}
ref=${DOTNET_TRACE:-$top/build/nuget-tools/dotnet-trace/dotnet-trace}
fixtures=${DOTNETPROF_NETTRACE_FIXTURES:-$top/build/fixtures/nettrace}
[ -x "$bin" ] || { echo "report_compare_test: $bin is not built: run make" >&2; exit 1; }
[ -x "$ref" ] || { echo "report_compare_test: no $ref: run make tools" >&2; exit 1; }
command -v python3 >/dev/null || { echo "report_compare_test: python3 missing: make deps" >&2; exit 1; }
ls "$fixtures"/*.nettrace >/dev/null 2>&1 || { echo "report_compare_test: no traces in $fixtures: make fixtures" >&2; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

for f in "$fixtures"/*.nettrace; do
    name=$(basename "$f" .nettrace)
    cp "$f" "$tmp/$name.nettrace"
    "$ref" report "$tmp/$name.nettrace" topN -n 10 >"$tmp/$name.ref-top" 2>"$tmp/$name.err" ||
        { echo "report_compare_test: dotnet-trace report failed on $name" >&2; cat "$tmp/$name.err" >&2; fail=1; continue; }
    # convert names its output after -o with the extension changed: NAME-ref.speedscope.json
    "$ref" convert --format speedscope "$tmp/$name.nettrace" -o "$tmp/$name-ref.nettrace" >"$tmp/$name.err" 2>&1 ||
        { echo "report_compare_test: dotnet-trace convert failed on $name" >&2; cat "$tmp/$name.err" >&2; fail=1; continue; }
    "$bin" report "$f" --view thread-time --format json --top 0 >"$tmp/$name.our-top.json" &&
        "$bin" report "$f" --view thread-time --format speedscope -o "$tmp/$name.our.speedscope.json" >/dev/null ||
        { echo "report_compare_test: our report failed on $name" >&2; fail=1; continue; }
    python3 - "$name" "$tmp/$name.ref-top" "$tmp/$name.our-top.json" "$tmp/$name-ref.speedscope.json" \
        "$tmp/$name.our.speedscope.json" <<'EOF' || fail=1
import json, re, sys
name, ref_top, our_top, ref_ss, our_ss = sys.argv[1:]
errors = []

def fmt(n):
    """A frame name as dotnet-trace report prints it (PrintReportHelper.FormatFunction)."""
    if n.startswith("?!"):
        return "Missing Symbol"
    m = re.match(r"(.*\..*)(\(.*\))", n)
    if not m:
        return n[:70]
    parts = m.group(1).split(".")
    s = (parts[-2] + "." + parts[-1] if len(parts) >= 2 else parts[-1]) + m.group(2)
    return s[:70]

# --- 1. top 10 exclusive against dotnet-trace report
theirs = []
for line in open(ref_top).read().splitlines()[1:]:
    m = re.match(r"^\s*\d+\.\s+(.*?)\s+([\d.]+)%\s+([\d.]+)%\s*$", line)
    if m:
        theirs.append((m.group(1).strip(), float(m.group(2)), float(m.group(3))))
ours, missing_row = [], [0.0, 0.0]
j = json.load(open(our_top))
for row in j["methods"]:
    if "Process" in row["name"]:
        continue
    if row["name"].startswith("?!"):
        # unresolved frames, kept apart by address here, are one row there
        missing_row[0] += row["exclusive_percent"]
        missing_row[1] += row["inclusive_percent"]
    else:
        ours.append((fmt(row["name"]), row["exclusive_percent"], row["inclusive_percent"]))
if missing_row[0] or missing_row[1]:
    ours.append(("Missing Symbol", missing_row[0], missing_row[1]))
ranked = sorted(ours, key=lambda r: -r[1])
if len(theirs) < 5:
    errors.append("dotnet-trace report gave %d rows" % len(theirs))
worst = 0.0
for rank, (tname, tincl, texcl) in enumerate(theirs):
    key = tname[:70].rstrip()
    match = sorted((r for r in ours if r[0].rstrip() == key), key=lambda r: abs(r[1] - texcl))
    if not match:
        if texcl >= 1.0:
            errors.append("%s: their #%d %s (%.2f%%) is not in our table" % (name, rank + 1, tname, texcl))
        continue
    _, oexcl, oincl = match[0]
    worst = max(worst, abs(oexcl - texcl))
    if abs(oexcl - texcl) > 1.0:
        errors.append("%s: %s exclusive %.2f%% here, %.2f%% in dotnet-trace" % (name, tname, oexcl, texcl))
    if key != "Missing Symbol" and abs(oincl - tincl) > 1.0:
        errors.append("%s: %s inclusive %.2f%% here, %.2f%% in dotnet-trace" % (name, tname, oincl, tincl))
    if texcl < 0.005:
        continue   # rows of 0% are in no particular order
    # its place among ours, ties (within a point) aside
    better = [r for r in ranked if r[1] > oexcl + 1.0]
    worse_or_tied = [r for r in ranked if r[1] >= oexcl - 1.0]
    if not (len(better) <= rank < len(worse_or_tied)):
        errors.append("%s: %s is #%d in dotnet-trace, not in that place here (%d above it, %d within a point)"
                      % (name, tname, rank + 1, len(better), len(worse_or_tied)))
print("report_compare_test: %s: top %d of dotnet-trace report matched, largest exclusive gap %.2f points"
      % (name, len(theirs), worst))

# --- 2. per-method spans against dotnet-trace convert
PSEUDO = ("CPU_TIME", "UNMANAGED_CODE_TIME")
def spans(path, unresolved):
    j = json.load(open(path))
    frames = [unresolved(f["name"]) for f in j["shared"]["frames"]]
    excl, incl, total = {}, {}, 0.0
    for p in j["profiles"]:
        stack, last = [], None
        for e in p["events"]:
            t = e["at"]
            if last is not None and stack:
                top = [f for f in stack if frames[f[0]] not in PSEUDO]
                if top:
                    n = frames[top[-1][0]]
                    excl[n] = excl.get(n, 0.0) + t - last
                total += t - last
            last = t
            if e["type"] == "O":
                stack.append((e["frame"], t))
            else:
                f, t0 = stack.pop()
                if f != e["frame"]:
                    raise SystemExit("%s: unbalanced events" % path)
                n = frames[f]
                if all(frames[g] != n for g, _ in stack):
                    incl[n] = incl.get(n, 0.0) + t - t0
    return excl, incl, total

missing = lambda n: "?!?" if n.startswith("?!") else n
rx, ri, rt = spans(ref_ss, missing)
ox, oi, ot = spans(our_ss, missing)
worst = (0.0, "")
for n in set(rx) | set(ox) | set(ri) | set(oi):
    if n in PSEUDO:
        continue
    for what, a, b in (("exclusive", rx, ox), ("inclusive", ri, oi)):
        d = abs(100 * a.get(n, 0.0) / rt - 100 * b.get(n, 0.0) / ot)
        if d > worst[0]:
            worst = (d, "%s %s" % (what, n[:60]))
        if d > 1.0:
            errors.append("%s: %s %s: %.2f%% in dotnet-trace convert, %.2f%% here"
                          % (name, what, n[:90], 100 * a.get(n, 0.0) / rt, 100 * b.get(n, 0.0) / ot))
print("report_compare_test: %s: %d methods' spans matched dotnet-trace convert (%.0f vs %.0f ms of thread time), "
      "largest gap %.2f points (%s)" % (name, len(set(ri) | set(oi)), rt, ot, worst[0], worst[1]))
for e in errors:
    print("report_compare_test: " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
EOF
done
[ $fail = 0 ] && echo "report_compare_test: ok"
exit $fail
