#!/bin/sh
# flamegraph_browser_test.sh - the flame graph page in a real browser (Debian's chromium, headless):
# `report --format flamegraph` of the sample app under /high-cpu (tests/fixtures/nettrace), loaded
# from a file:// URL whose fragment the page's script honours (#search=..., #zoom=...); the DOM the
# browser dumps after the script ran must hold the drawn frames (SampleApp.HotPath.SpinForProfiler
# among them), the search's matches and share, and the zoomed frame drawn across the whole width.
# Then a screenshot must be a PNG of the window's size.
#
# SCREENSHOT=docs/flamegraph.png makes that screenshot there as well (the one the README shows).
# Needs chromium (make deps); DOTNETPROF_BIN names the binary.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${DOTNETPROF_BIN:-$top/kubectl-dotnetprof}
trace=${DOTNETPROF_NETTRACE_FIXTURES:-$top/build/fixtures/nettrace}/net10-high-cpu.nettrace
[ -x "$bin" ] || { echo "flamegraph_browser_test: $bin is not built: run make" >&2; exit 1; }
[ -f "$trace" ] || { echo "flamegraph_browser_test: no $trace: run make fixtures" >&2; exit 1; }
browser=$(command -v chromium || command -v chromium-browser) ||
    { echo "flamegraph_browser_test: chromium is missing: make deps" >&2; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

# chrome ARGS...: a headless run with a fresh profile, no network side trips, bounded in time
chrome() {
    rm -rf "$tmp/profile"
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --user-data-dir="$tmp/profile" \
        --window-size=1200,640 --hide-scrollbars "$@" 2>>"$tmp/chrome.log"
}

"$bin" report "$trace" --format flamegraph --view thread-time -o "$tmp/f.html" >/dev/null ||
    { echo "flamegraph_browser_test: report --format flamegraph failed" >&2; exit 1; }
url="file://$tmp/f.html"

chrome --dump-dom "$url#search=SpinForProfiler" >"$tmp/search.html" || fail=1
chrome --dump-dom "$url#search=NoSuchMethodAnywhere" >"$tmp/none.html" || fail=1
chrome --dump-dom "$url" >"$tmp/plain.html" || fail=1

python3 - "$tmp" <<'EOF' || fail=1
import html, re, sys
d = sys.argv[1]
errors = []
def frames(page):
    """(id, classes, title, x, width) of every drawn frame group"""
    out = []
    for m in re.finditer(r'<g class="([^"]*)" data-id="(\d+)"><title>([^<]*)</title><rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', page):
        out.append((int(m.group(2)), m.group(1).split(), html.unescape(m.group(3)), float(m.group(4)), float(m.group(5))))
    return out
plain = open(d + "/plain.html").read()
fr = frames(plain)
if len(fr) < 10:
    errors.append("only %d frames drawn" % len(fr))
spin = [f for f in fr if "SampleApp.HotPath.SpinForProfiler" in f[2]]
if not spin:
    errors.append("SampleApp.HotPath.SpinForProfiler is not drawn")
if "<text" not in plain or "SpinForProfiler" not in re.sub(r"<title>[^<]*</title>", "", plain):
    errors.append("no frame label names SpinForProfiler")
search = open(d + "/search.html").read()
m = re.search(r'id="matched">matched: ([\d.]+)%', search)
if not m or float(m.group(1)) <= 5:
    errors.append("search: matched share missing or too small: %r" % (m.group(0) if m else None))
matches = [f for f in frames(search) if "match" in f[1]]
if not matches or any("SpinForProfiler" not in f[2] for f in matches):
    errors.append("search: the matching frames are not (only) SpinForProfiler: %d" % len(matches))
none = open(d + "/none.html").read()
if 'matched: 0.00%' not in none or 'class="f match"' in none:
    errors.append("a search without match shows matches")
open(d + "/zoom-id", "w").write(str(spin[0][0]) if spin else "0")
for e in errors:
    print("flamegraph_browser_test: " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
EOF

# zoom into SpinForProfiler's frame: it spans the whole width (its callers faded under it)
id=$(cat "$tmp/zoom-id" 2>/dev/null || echo 0)
chrome --dump-dom "$url#zoom=$id" >"$tmp/zoom.html" || fail=1
python3 - "$tmp/zoom.html" "$id" <<'EOF' || fail=1
import re, sys
page, id_ = open(sys.argv[1]).read(), sys.argv[2]
vb = re.search(r'<svg id="flame"[^>]*viewBox="0 0 ([\d.]+) ', page)
m = re.search(r'<g class="f[^"]*" data-id="%s"><title>[^<]*</title><rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"' % id_, page)
if not vb or not m or float(m.group(1)) != 0 or abs(float(m.group(2)) - float(vb.group(1))) > 1:
    print("flamegraph_browser_test: zoom: frame %s is not drawn across the width" % id_, file=sys.stderr)
    sys.exit(1)
if 'class="f out"' not in page:
    print("flamegraph_browser_test: zoom: the callers are not shown faded", file=sys.stderr)
    sys.exit(1)
EOF

chrome --screenshot="$tmp/shot.png" "$url#search=SpinForProfiler" >/dev/null || fail=1
python3 - "$tmp/shot.png" <<'EOF' || fail=1
import struct, sys
b = open(sys.argv[1], "rb").read()
if b[:8] != b"\x89PNG\r\n\x1a\n" or struct.unpack(">II", b[16:24]) != (1200, 640):
    print("flamegraph_browser_test: the screenshot is not a 1200x640 PNG", file=sys.stderr)
    sys.exit(1)
EOF
if [ $fail = 0 ] && [ -n "${SCREENSHOT:-}" ]; then
    cp "$tmp/shot.png" "$SCREENSHOT" && echo "flamegraph_browser_test: wrote $SCREENSHOT"
fi
[ $fail = 0 ] && echo "flamegraph_browser_test: ok" || cat "$tmp/chrome.log" >&2
exit $fail
