#!/bin/sh
# probe_sh_test.sh - a real run of src/pod/probe.sh under dash, bash and busybox ash gives the same
# record layout, starting with its header and ending in "end" (syntax and bashisms: podscripts_test.sh);
# with an AGENT argument it reports the agent in a workspace (the real dotnetprof-agent, when built)
# with its SHA-256, taken by sha256sum or openssl, or, without them, by the agent itself.
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
	cut -f 1,2 "$out/$name" | grep -v -E '^(dir|proc|pgid|pcmd|puser|ptmpdir|psock|pruntime|pdiag|paccess)	' >"$out/$name.layout"
done
for name in bash busybox; do
	[ -f "$out/$name.layout" ] || continue
	cmp -s "$out/dash.layout" "$out/$name.layout" || {
		err "dash and $name disagree:"
		diff "$out/dash.layout" "$out/$name.layout" >&2
	}
done
# The agent in the workspace of the first candidate directory (TMPDIR).
agent=$top/build/agent/x64/dotnetprof-agent
if [ -x "$agent" ] && [ "$(uname -m)" = x86_64 ]; then
	ws=$out/tmpd/.dotnetprof
	mkdir -p "$ws/tools" && chmod 700 "$ws" && cp "$agent" "$ws/tools/dotnetprof-agent" || exit 1
	want=$(printf 'agent\t%s\t%s\t%s' "$ws" "$(wc -c <"$agent" | tr -d ' ')" "$(sha256sum <"$agent" | cut -c1-64)")
	for sh in "/bin/dash" "/bin/bash" "/bin/busybox ash"; do
		set -- $sh
		[ -x "$1" ] || continue
		got=$(TMPDIR=$out/tmpd "$@" -c "$(cat "$script")" dotnetprof-probe dotnetprof-agent | grep '^agent	')
		[ "$got" = "$want" ] || err "$sh: agent record \"$got\", want \"$want\""
	done
	# without sha256sum and openssl the agent says its own hash
	mkdir -p "$out/bin"
	for c in uname ls rm chmod df grep tr wc cat head id mkdir; do
		p=$(command -v "$c") && ln -sf "$p" "$out/bin/$c"
	done
	got=$(TMPDIR=$out/tmpd PATH=$out/bin /bin/dash -c "$(cat "$script")" dotnetprof-probe dotnetprof-agent | grep '^agent	')
	[ "$got" = "$want" ] || err "no sha256sum: agent record \"$got\", want \"$want\""
	# a name that could leave tools/ is not looked for
	got=$(TMPDIR=$out/tmpd /bin/dash -c "$(cat "$script")" dotnetprof-probe ../tools/dotnetprof-agent | grep -c '^agent	')
	[ "$got" = 0 ] || err "a path as the agent's name was looked for"
else
	err "no build/agent/x64/dotnetprof-agent on an x86_64 host: make builds it"
fi
[ "$fail" = 0 ] && echo "probe_sh_test: ok"
exit "$fail"
