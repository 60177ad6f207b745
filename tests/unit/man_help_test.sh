#!/bin/sh
# man_help_test.sh - the man page and --help agree, both ways.
#
# For each verb listed by `kubectl-dotnetprof --help`: the flags its `VERB --help` defines (lines
# "  -x, --long ARG" / "      --long ARG"), less the global and kubectl flags, are exactly the flags
# tagged in the man page's subsection for that verb (".SS VERB", ".TP" tags); the global and kubectl
# flags of the main --help are exactly those of the GLOBAL FLAGS and KUBECTL FLAGS sections. Every
# verb has a subsection and a SYNOPSIS line; every exit code of include/exitcodes.h is in EXIT
# STATUS and nothing else is; `mandoc -T lint` gives no warning.
# Usage: tests/unit/man_help_test.sh; DOTNETPROF_BIN names the binary (default ./kubectl-dotnetprof).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${DOTNETPROF_BIN:-$top/kubectl-dotnetprof}
man=$top/docs/kubectl-dotnetprof.1
[ -x "$bin" ] || { echo "man_help_test: $bin is not built: run make" >&2; exit 1; }
command -v mandoc >/dev/null 2>&1 || { echo "man_help_test: mandoc missing: make deps" >&2; exit 1; }
fail=0

lint=$(mandoc -T lint -W warning "$man" 2>&1)
[ -z "$lint" ] || { printf 'man_help_test: mandoc -T lint:\n%s\n' "$lint" >&2; fail=1; }

mandoc -T ascii "$man" | HELPFLAGS_DIR=$top/tests/unit python3 -c '
import os, re, sys
sys.path.insert(0, os.environ["HELPFLAGS_DIR"])
from helpflags import help_flags, run as run_bin
bin_, exitcodes = sys.argv[1], sys.argv[2]
page = re.sub(".\b", "", sys.stdin.read())   # drop overstrike bold/underline
FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?![\w-])")

def run(*args):
    return run_bin(bin_, *args)

# the man page, cut into sections (col 0) and subsections (3 spaces); .TP tags sit at 7 spaces
# (a tag is followed by its text at 14 spaces, on the next line or, when short, on its own line)
sections, sec, sub = {}, None, None
lines = page.splitlines()[1:-1] + [""]
for i, line in enumerate(lines[:-1]):
    is_tag = re.match(r"^       -", line) and (re.match(r"^ {14}\S", lines[i + 1]) or
                                              re.match(r"^       -\S{0,5} +\S", line[:15]))
    if re.match(r"^[A-Z]", line):
        sec, sub = line.strip(), None
    elif re.match(r"^   \S", line):
        sub = line.strip()
    elif is_tag and sec:
        tag = line.strip().split("  ", 1)[0]   # a short tag shares its line with the text
        sections.setdefault((sec, sub), set()).update(FLAG.findall(tag))
errors = []
main_help = run("--help")
verbs = re.findall(r"^  ([a-z]+) +\S", main_help.split("Verbs:", 1)[1].split("\n\n", 1)[0], re.M)
if len(verbs) < 5:
    errors.append("cannot read the verb list from --help")
globals_ = help_flags(main_help.split("Global flags", 1)[1])
man_globals = sections.get(("GLOBAL FLAGS", None), set()) | sections.get(("KUBECTL FLAGS", None), set())
for f in sorted(globals_ - man_globals):
    errors.append("global flag %s of --help is not in GLOBAL FLAGS / KUBECTL FLAGS" % f)
for f in sorted(man_globals - globals_):
    errors.append("man page global flag %s is not in --help" % f)

synopsis = page.split("SYNOPSIS", 1)[1].split("DESCRIPTION", 1)[0]
for v in verbs:
    h = run(v, "--help")
    own = help_flags(h) - globals_
    if ("VERBS", v) not in sections and own:
        errors.append("verb %s has no subsection with flags under VERBS" % v)
    if not re.search(r"^   %s$" % re.escape(v), page.split("\nVERBS\n", 1)[-1].split("\nENVIRONMENT\n")[0], re.M):
        errors.append("verb %s has no .SS subsection under VERBS" % v)
    if "kubectl dotnetprof %s" % v not in synopsis:
        errors.append("verb %s is not in the SYNOPSIS" % v)
    man = sections.get(("VERBS", v), set())
    for f in sorted(own - man):
        errors.append("%s: flag %s of --help is not in the man page" % (v, f))
    for f in sorted(man - own):
        errors.append("%s: man page flag %s is not in --help" % (v, f))
for (s, sub) in sections:
    if s == "VERBS" and sub not in verbs:
        errors.append("man page subsection %s is not a verb of --help" % sub)

codes = set(re.findall(r"^\s*DPX_[A-Z]+ = ([0-9]+),", open(exitcodes).read(), re.M))
status = page.split("EXIT STATUS", 1)[1].split("EXAMPLES", 1)[0]
man_codes = set(re.findall(r"^       ([0-9]+)(?: |$)", status, re.M))
for c in sorted(codes - man_codes, key=int):
    errors.append("exit code %s of exitcodes.h is not in EXIT STATUS" % c)
for c in sorted(man_codes - codes, key=int):
    errors.append("EXIT STATUS lists %s, which exitcodes.h does not" % c)
for e in errors:
    print("man_help_test: " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
' "$bin" "$top/include/exitcodes.h" || fail=1

[ $fail = 0 ] && echo "man_help_test: ok"
exit $fail
