# agentrun.sh - run dotnetprof-agent from the workspace, after checking that it is ours and whole;
# or signal the agent a run started. The contract is include/agentrun.h.
#
# sh -c "$agentrun_sh" dotnetprof WS NAME SHA256 run ARGS...
#   Checks the workspace (ws_check), that tools/NAME is a regular file (not a symbolic link) whose
#   SHA-256 is SHA256 (agentsum.sh: openssl or sha256sum, else the agent's own word), then, when its
#   stderr is not a terminal, prints "dotnetprof-agentrun<TAB>start<TAB>PID" on stderr and `exec`s
#   the agent with ARGS: it keeps this pid and stays in the foreground of the exec, with this exec's
#   stdin, stdout and stderr. A failed check prints "dotnetprof-agentrun<TAB>fail<TAB>WHY<TAB>WHAT"
#   (WHAT: workspace, missing, hash) on stderr and exits 125.
# sh -c "$agentrun_sh" dotnetprof WS NAME SHA256 spool RUNID FILE MAX ARGS...
#   As run, with `--spool WS/runs/RUNID/FILE --spool-max MAX` after ARGS when spool_prepare could
#   make the run's directory (a trace's copy in the pod: include/agentcli.h).
# sh -c "$agentrun_sh" dotnetprof WS NAME SHA256 signal PID INT|TERM
#   Sends the signal to PID if it runs WS/tools/NAME (pid_ours); prints
#   "kill<TAB>sent|gone|foreign|failed<TAB>PID" (exit 0), or "kill<TAB>refused<TAB>WHY" (exit 3).
# sh -c "$agentrun_sh" dotnetprof WS NAME SHA256 rm PATH
#   Removes a dump the agent wrote outside the workspace (its default: the app's TMPDIR): only a
#   regular file, not a symbolic link, named dotnetprof-core-PID-TIME as the agent names it; prints
#   "rm<TAB>removed|gone|refused|failed<TAB>PATH" (exit 0).

# @include lib/wslib.sh
# @include lib/agentsum.sh

WS=$1 NAME=$2 SUM=$3 MODE=$4
shift 4

# fail WHY WHAT: the check failed; nothing was run.
fail() {
	esc "$1"
	printf 'dotnetprof-agentrun\tfail\t%s\t%s\n' "$E" "$2" >&2
	exit 125
}

case $NAME in '' | .* | *[!0-9A-Za-z._-]*) fail "invalid agent name \"$NAME\"" missing ;; esac
AGENT=$WS/tools/$NAME

if [ "$MODE" = signal ]; then
	ws_check "$WS" || { rec kill refused "$WHY"; exit 3; }
	P=$1
	case $P in '' | *[!0-9]*) rec kill refused "invalid pid" && exit 3 ;; esac
	case $2 in INT | TERM) ;; *) rec kill refused "invalid signal" && exit 3 ;; esac
	pid_alive "$P" || { rec kill gone "$P"; exit 0; }
	pid_ours "$P" || { rec kill foreign "$P"; exit 0; }
	kill_rec "$2" "$P"
	exit 0
fi

if [ "$MODE" = rm ]; then
	case ${1##*/} in
	dotnetprof-core-[0-9]*-[0-9]*) ;;
	*) rec rm refused "$1" && exit 0 ;;
	esac
	case ${1##*/} in *[!0-9A-Za-z-]*) rec rm refused "$1" && exit 0 ;; esac
	if [ -L "$1" ] || { [ -e "$1" ] && [ ! -f "$1" ]; }; then
		rec rm refused "$1"
	elif [ ! -e "$1" ]; then
		rec rm gone "$1"
	elif rm -f -- "$1"; then
		rec rm removed "$1"
	else
		rec rm failed "$1"
	fi
	exit 0
fi

S_RUN= S_FILE= S_MAX=0
if [ "$MODE" = spool ]; then
	S_RUN=${1-} S_FILE=${2-} S_MAX=${3-0}
	[ $# -ge 3 ] && shift 3
	case $S_MAX in '' | *[!0-9]*) S_MAX=0 ;; esac
	MODE=run
fi
[ "$MODE" = run ] || fail "unknown mode \"$MODE\"" missing
ws_check "$WS" || fail "the workspace $WS cannot be used: $WHY" workspace
[ -d "$WS/tools" ] && [ ! -L "$WS/tools" ] && [ -f "$AGENT" ] && [ ! -L "$AGENT" ] ||
	fail "$AGENT is missing" missing
agent_sum "$AGENT" || fail "cannot take the SHA-256 of $AGENT" hash
[ "$H" = "$SUM" ] || fail "$AGENT is not the agent expected: SHA-256 $H, want $SUM" hash
[ -x "$AGENT" ] || chmod 700 "$AGENT" 2>/dev/null || fail "$AGENT is not executable" missing
[ -n "$S_RUN" ] && spool_prepare "$S_RUN" "$S_FILE" && set -- "$@" --spool "$SPOOL" --spool-max "$S_MAX"
[ -t 2 ] || printf 'dotnetprof-agentrun\tstart\t%s\n' "$$" >&2
exec "$AGENT" "$@"
