#!/bin/sh
# probe_sh_test.sh - a real run of src/pod/probe.sh under dash, bash and busybox ash gives the same
# record layout, starting with its header and ending in "end" (syntax and bashisms: podscripts_test.sh).
# The behaviour itself (stand-in .NET processes, other users, kills) is tested through the C parser
# in test_probe.c. Usage: tests/unit/probe_sh_test.sh [path/to/probe.sh]; exit 0 = pass.
set -u
top=$(dirname "$0")/../..
src=${1:-$top/src/pod/probe.sh}
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT
# The pod gets the script with its `# @include` lines expanded (scripts/embed.sh): test that text.
script=$out/probe.sh
sh "$top/scripts/embed.sh" --expand "$src" >"$script" || exit 1
fail=0
err() {
	printf 'probe_sh_test: %s\n' "$*" >&2
	fail=1
}

for sh in "/bin/dash" "/bin/bash" "/bin/busybox ash"; do
	set -- $sh
	[ -x "$1" ] || continue
	name=$(basename "$1")
	"$@" -c "$(cat "$script")" dotnetprof-probe >"$out/$name" || err "$sh: exit status $?"
	[ "$(tail -n 1 "$out/$name")" = end ] || err "$sh: last line is not 'end'"
	[ "$(head -n 1 "$out/$name")" = "dotnetprof-probe	1" ] || err "$sh: bad first line"
	# record types and pids, without values that change between runs
	cut -f 1,2 "$out/$name" | grep -v -E '^(dir|proc|pcmd|puser|ptmpdir|psock|pruntime|pdiag|paccess)	' >"$out/$name.layout"
done
for name in bash busybox; do
	[ -f "$out/$name.layout" ] || continue
	cmp -s "$out/dash.layout" "$out/$name.layout" || {
		err "dash and $name disagree:"
		diff "$out/dash.layout" "$out/$name.layout" >&2
	}
done
[ "$fail" = 0 ] && echo "probe_sh_test: ok"
exit "$fail"
