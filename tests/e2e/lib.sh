# lib.sh - assertions shared by the end-to-end scenarios (sourced, not run).
#
# A scenario file tests/e2e/t_*.sh is a list of checks. Each check runs the plugin the way a user does
# (`kubectl dotnetprof ...`, found by kubectl on PATH) and asserts on its exit code, stdout and stderr.
# Results are printed TAP-like ("ok - ...", "not ok - ...") and counted into $E2E_RESULTS.

E2E_TIMEOUT=${E2E_TIMEOUT:-120}

# is_nettrace FILE: a regular file that starts as a NetTrace stream does ("Nettrace")
is_nettrace() { [ -f "$1" ] && [ "$(head -c 8 "$1")" = Nettrace ]; }
# is_core FILE: an ELF core file (magic, then e_type at bytes 16-17, little endian, == 4: ET_CORE)
is_core() {
	[ -f "$1" ] && [ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] &&
		[ "$(od -An -tx1 -j16 -N2 "$1" | tr -d ' \n')" = 0400 ]
}

# run CMD...: run a command with a timeout, capturing $OUT, $ERR and $RC (never fails the script).
run() {
	local out err
	out=$(mktemp) err=$(mktemp)
	RC=0
	timeout --kill-after=5 "$E2E_TIMEOUT" "$@" >"$out" 2>"$err" </dev/null || RC=$?
	OUT=$(cat "$out") ERR=$(cat "$err")
	rm -f "$out" "$err"
	LAST_CMD="$*"
}

_result() { # STATUS NAME [DETAIL]
	printf '%s %s\n' "$1" "$2" >>"$E2E_RESULTS"
	if [ "$1" = ok ]; then
		printf 'ok - %s\n' "$2"
	else
		printf 'not ok - %s\n' "$2"
		printf '#   command: %s\n#   exit: %s\n' "$LAST_CMD" "$RC"
		printf '%s\n' "$OUT" | head -n 20 | sed 's/^/#   stdout: /'
		printf '%s\n' "$ERR" | head -n 20 | sed 's/^/#   stderr: /'
		[ -z "${3:-}" ] || printf '#   %s\n' "$3"
	fi
}

# check NAME EXPECTED_RC [PATTERN_IN_STDOUT] [PATTERN_IN_STDERR]: assert on the last `run`.
# Patterns are extended regular expressions; an empty pattern is not checked.
check() {
	local name=$1 want=$2 out_re=${3:-} err_re=${4:-}
	if [ "$RC" != "$want" ]; then
		_result "not ok" "$name" "expected exit $want"
	elif [ -n "$out_re" ] && ! printf '%s\n' "$OUT" | grep -Eq -- "$out_re"; then
		_result "not ok" "$name" "stdout lacks /$out_re/"
	elif [ -n "$err_re" ] && ! printf '%s\n' "$ERR" | grep -Eq -- "$err_re"; then
		_result "not ok" "$name" "stderr lacks /$err_re/"
	else
		_result ok "$name"
	fi
}

# check_not NAME PATTERN: the last run's stdout+stderr must not match PATTERN.
check_not() {
	if printf '%s\n%s\n' "$OUT" "$ERR" | grep -Eq -- "$2"; then
		_result "not ok" "$1" "output matches /$2/"
	else
		_result ok "$1"
	fi
}

# assert NAME COMMAND...: a check on anything (a file, a count) that succeeds when COMMAND does.
assert() {
	local name=$1
	shift
	if "$@"; then _result ok "$name"; else _result "not ok" "$name" "failed: $*"; fi
}

# ex NAME: the number of exit code DPX_NAME, read from include/exitcodes.h (the one list of them).
ex() {
	sed -n "s/^[[:space:]]*DPX_$1 = \([0-9]*\),.*/\1/p" "$E2E_TOP/include/exitcodes.h"
}
