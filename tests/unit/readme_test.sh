#!/bin/sh
# readme_test.sh - the README and docs/ promise only flags and exit codes the plugin has, and the
# hints the plugin prints name only flags their verbs take.
#
# - Every `kubectl dotnetprof VERB ...` command in README.md and docs/*.md (code blocks and inline
#   code) uses only flags that `VERB --help` lists (its own, the global and the kubectl flags).
# - Every other --flag the README and docs/ name is a flag of some verb, or one of the few flags of
#   other programs they quote (FOREIGN below, each with its program).
# - The README's exit code table lists exactly the codes of include/exitcodes.h.
# - Every log_hint() in cmd/ and src/ names only flags that a verb reaching it takes: a hint in
#   cmd/VERB.c those of VERB, one in a shared file those of one of the verbs listed for that file
#   (REACH below; any verb for files not listed); a `kubectl dotnetprof VERB ...` command in a hint
#   only flags of VERB. Flags of a quoted `kubectl ...` command (not dotnetprof) are kubectl's.
# Usage: tests/unit/readme_test.sh; DOTNETPROF_BIN names the binary (default ./kubectl-dotnetprof).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${DOTNETPROF_BIN:-$top/kubectl-dotnetprof}
[ -x "$bin" ] || { echo "readme_test: $bin is not built: run make" >&2; exit 1; }

python3 - "$bin" "$top" <<'PY'
import glob, os, re, sys

bin_, top = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(top, "tests", "unit"))
from helpflags import help_flags, run as run_bin
FLAG = re.compile(r"(?<![\w./=-])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?![\w-])")
LONG = re.compile(r"(?<![\w./=-])(--[a-z][a-z0-9-]*)(?![\w-])")

# Flags of other programs the docs quote, and whose they are.
FOREIGN = {
    "--dport": "dotnet-trace & co.",
    "--manifest": "kubectl krew install", "--archive": "kubectl krew install",
    "--image": "kubectl debug", "--target": "kubectl debug", "--container": "kubectl debug",
    "--profile": "kubectl debug (and trace's own)", "--custom": "kubectl debug",
    "--show-labels": "kubectl get", "--minify": "kubectl config view",
    "--help": "every verb", "--flag": "the README's `--flag=value`",
    "--add-architecture": "dpkg", "--prefix": "brew",
    "--quick": "bench/transfer.sh", "--link": "bench/transfer.sh",
    "--rounds": "bench/transfer.sh", "--methods": "bench/transfer.sh",
}

def run(*args):
    return run_bin(bin_, *args)

errors = []
main_help = run("--help")
verbs = re.findall(r"^  ([a-z]+) +\S", main_help.split("Verbs:", 1)[1].split("\n\n", 1)[0], re.M)
globals_ = help_flags(main_help) | {"-h", "--help", "-vv"}
vflags = {v: help_flags(run(v, "--help")) | globals_ for v in verbs}
union = set().union(*vflags.values())
if len(verbs) < 5 or "--resume" not in vflags.get("fetch", ()):
    errors.append("cannot read the verbs and their flags from --help")

def command_flags(words):
    """(verb, flags) of the words after "kubectl dotnetprof": global flags may come first."""
    verb, flags = None, []
    i = 0
    while i < len(words):
        w = words[i]
        if w in ("#", "|", ";", "&&", ">", "2>&1") or w.startswith("#"):
            break
        if verb is None and not w.startswith("-"):
            verb = w
        elif w.startswith("-"):
            flags.append(w.split("=", 1)[0])
        i += 1
    return verb, flags

def check_command(where, text):
    words = text.split()
    verb, flags = command_flags(words)
    if verb not in vflags:
        return
    for f in flags:
        if FLAG.fullmatch(f) and f not in vflags[verb]:
            errors.append(f"{where}: `kubectl dotnetprof {verb}` does not take {f}: {text.strip()[:100]}")

# --- README and docs/ ---
docs = [os.path.join(top, "README.md")] + sorted(glob.glob(os.path.join(top, "docs", "*.md")))
CMD = re.compile(r"kubectl[ -]dotnetprof((?: +[^ `#|;)]+)*)")
for path in docs:
    rel = os.path.relpath(path, top)
    text = open(path, encoding="utf-8").read()
    in_block = False
    for n, line in enumerate(text.splitlines(), 1):
        code = line.startswith("    ") or line.startswith("\t")
        spans = [line] if code else re.findall(r"`([^`]+)`", line)
        for span in spans:
            for m in CMD.finditer(span):
                check_command(f"{rel}:{n}", m.group(1))
        # every other long flag: some verb's, or a known foreign one
        for f in LONG.findall(line):
            if f not in union and f not in FOREIGN:
                errors.append(f"{rel}:{n}: {f} is no flag of the plugin (nor a known flag of "
                              f"another program)")

# --- the exit code table ---
readme = open(os.path.join(top, "README.md"), encoding="utf-8").read()
sec = readme.split("\n## Exit codes", 1)
table = set()
if len(sec) == 2:
    body = sec[1].split("\n## ", 1)[0]
    table = {int(c) for c in re.findall(r"^\| *([0-9]+) *\|", body, re.M)}
else:
    errors.append("README.md has no \"## Exit codes\" section")
enum = {int(c) for c in re.findall(r"^\s*DPX_[A-Z]+ *= *([0-9]+)",
                                   open(os.path.join(top, "include", "exitcodes.h")).read(), re.M)}
for c in sorted(enum - table):
    errors.append(f"README.md: exit code {c} (include/exitcodes.h) is not in the exit code table")
for c in sorted(table - enum):
    errors.append(f"README.md: exit code {c} of the table is not in include/exitcodes.h")

# --- hints in the sources ---
diag = ["trace", "counters", "dump", "gcdump", "stack"]
REACH = {
    "cmd/diagverb.c": ["trace", "counters", "dump", "gcdump"],
    "cmd/tracereport.c": ["trace"],
    "src/agenttrace.c": ["trace"],
    "src/agentrun.c": ["trace", "dump", "stack"],
    "src/diagagent.c": ["trace", "dump", "stack"],
    "src/provision.c": diag,
    "src/push.c": diag,
    "src/diagrun.c": diag,
    "src/pull.c": ["fetch", "trace", "counters", "dump", "gcdump"],
    "src/diag.c": diag,
    "src/debugrun.c": diag + ["ps", "fetch"],
    "src/diagdebug.c": diag + ["ps", "fetch"],
}
def calls(src, name):
    """(offset, concatenated string literals) of each call name(...), read with C's quoting."""
    for m in re.finditer(r"\b" + name + r"\s*\(", src):
        i, depth, lits, cur = m.end(), 1, [], None
        while i < len(src) and depth:
            ch = src[i]
            if cur is not None:
                if ch == "\\":
                    cur.append(src[i:i + 2])
                    i += 1
                elif ch == '"':
                    lits.append("".join(cur))
                    cur = None
                else:
                    cur.append(ch)
            elif ch == '"':
                cur = []
            elif ch == "'":
                i = src.index("'", i + 2 if src[i + 1] == "\\" else i + 1)
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            i += 1
        yield m.start(), "".join(lits)

nhints = 0
for path in sorted(glob.glob(os.path.join(top, "cmd", "*.c")) + glob.glob(os.path.join(top, "src", "*.c"))):
    rel = os.path.relpath(path, top)
    src = open(path, encoding="utf-8").read()
    verb = os.path.basename(path)[:-2]
    reach = [verb] if verb in vflags else REACH.get(rel, verbs)
    for start, text in calls(src, "log_hint"):
        nhints += 1
        line = src.count("\n", 0, start) + 1
        for c in CMD.finditer(text):
            check_command(f"{rel}:{line} (hint)", c.group(1))
        text = CMD.sub("", text)
        text = re.sub(r"kubectl (?!dotnetprof)[^;),`]*", "", text)   # a kubectl command's own flags
        for f in LONG.findall(text):
            if not any(f in vflags[v] for v in reach):
                errors.append(f"{rel}:{line}: the hint names {f}, which none of "
                              f"{', '.join(reach)} takes: {text[:100]}")
if nhints < 50:
    errors.append(f"found only {nhints} log_hint() calls: the scan is broken")

for e in errors:
    print("readme_test: " + e, file=sys.stderr)
if errors:
    sys.exit(1)
print(f"readme_test: ok ({len(docs)} documents, {nhints} hints, exit codes {sorted(enum)})")
PY
