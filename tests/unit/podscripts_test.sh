#!/bin/sh
# podscripts_test.sh - checks on every pod script (src/pod/*.sh) that need no C, on the text the pod
# gets (its `# @include` lines expanded by scripts/embed.sh): it parses under dash, bash --posix and
# busybox ash; it uses no bashisms; its first line is its own `# NAME.sh - ...` header (what -v
# shows); include/podscripts.h declares it. What each script does is tested through its C module.
# Usage: tests/unit/podscripts_test.sh; exit 0 = pass.
set -u
top=$(dirname "$0")/../..
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT
fail=0
err() {
	printf 'podscripts_test: %s\n' "$*" >&2
	fail=1
}

# Constructs dash or busybox ash lack; comments are skipped.
bashisms='(^|[;&|[:space:]])(function|local|declare|typeset|source|select|let)[[:space:]]|\[\[|\$'"'"'|<<<|\$\{[^}]*:[0-9]|\$\{![^}]*\}|\$\{[^}]*//|&>|\|&|\$RANDOM|\$\{#?[A-Za-z_]*\['
n=0
for src in "$top"/src/pod/*.sh; do
	name=$(basename "$src" .sh)
	script=$out/$name.sh
	n=$((n + 1))
	sh "$top/scripts/embed.sh" --expand "$src" >"$script" || { err "$name.sh: cannot expand"; continue; }
	for sh in "/bin/dash" "/bin/bash --posix" "/bin/busybox ash"; do
		set -- $sh
		if [ ! -x "$1" ]; then
			err "$1 missing: install dash, bash and busybox-static"
			continue
		fi
		"$@" -n "$script" || err "$name.sh: $sh -n: syntax error"
	done
	if grep -n -E "^[^#]*($bashisms)" "$script"; then
		err "$name.sh: bashisms above"
	fi
	case $(head -n 1 "$script") in
	"# $name.sh - "*) ;;
	*) err "$name.sh: the first line is not '# $name.sh - ...'" ;;
	esac
	grep -q "^extern const char ${name}_sh\[\];" "$top/include/podscripts.h" ||
		err "$name.sh: include/podscripts.h does not declare ${name}_sh"
	grep -q '@include' "$script" && grep -n '^# @include ' "$script" && err "$name.sh: an include was left"
done
[ "$n" -gt 0 ] || err "no scripts in src/pod"
[ "$fail" = 0 ] && echo "podscripts_test: $n scripts ok"
exit "$fail"
