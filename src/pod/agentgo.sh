# agentgo.sh - the probe (probe.sh, looking for the agent too), then, on the plugin's word, the agent
# in the same exec: a warm trace or stack is the resolve and this one exec. The contract is
# include/agentrun.h (AGENTRUN_PROBE_FIRST).
#
# sh -c "$agentgo_sh" dotnetprof NAME VERB ARGS...
#   Prints the probe's records on stdout (probe.h), the last "end". Then reads one line on stdin:
#   "go PID SHA256 [RUNID FILE MAX]" runs the agent found by the probe (agent_find: A_WS/tools/NAME)
#   as `NAME VERB --pid PID ARGS...` (with RUNID: `--spool A_WS/runs/RUNID/FILE --spool-max MAX`
#   after them, when spool_prepare could make the run's directory), if its SHA-256 was SHA256 and
#   the workspace passes ws_check: it prints
#   "dotnetprof-agentrun<TAB>start<TAB>PID" on stderr and `exec`s it (stdin, stdout and stderr are the
#   exec's); a failed check prints "dotnetprof-agentrun<TAB>fail<TAB>WHY<TAB>WHAT" on stderr and exits
#   125. Any other line, or the end of stdin, exits 0 without running anything.

# The probe reassigns the positional parameters: keep ours, quoted for a later `eval "set -- ..."`.
# quote_args ARG...: ARGV = each ARG in single quotes (' as '\'').
quote_args() {
	ARGV=
	for _g in "$@"; do
		_q=
		while :; do
			case $_g in
			*\'*)
				_q=$_q${_g%%\'*}\'\\\'\'
				_g=${_g#*\'}
				;;
			*)
				_q=$_q$_g
				break
				;;
			esac
		done
		ARGV="$ARGV '$_q'"
	done
}
G_NAME=${1-} G_VERB=${2-}
[ $# -ge 2 ] && shift 2
quote_args "$@"
set -- "$G_NAME"

exec 3>&2 # the probe silences stderr; the agent's records need it
# @include probe.sh
exec 2>&3 3>&-
trap - EXIT HUP INT PIPE TERM

# @include lib/wslib.sh

fail() {
	esc "$1"
	printf 'dotnetprof-agentrun\tfail\t%s\t%s\n' "$E" "$2" >&2
	exit 125
}

IFS= read -r line || exit 0
case $line in "go "*) ;; *) exit 0 ;; esac
set -- ${line#go }
P=${1-} G_SUM=${2-} G_RUN=${3-} G_FILE=${4-} G_MAX=${5-0}
case $P in '' | *[!0-9]*) fail "invalid pid \"$P\"" usage ;; esac
[ -n "$A_WS" ] || fail "no agent was found" missing
ws_check "$A_WS" || fail "the workspace $A_WS cannot be used: $WHY" workspace
AGENT=$A_WS/tools/$G_NAME
[ -f "$AGENT" ] && [ ! -L "$AGENT" ] || fail "$AGENT is missing" missing
[ "$A_SUM" = "$G_SUM" ] || fail "$AGENT is not the agent expected: SHA-256 $A_SUM, want $G_SUM" hash
[ -x "$AGENT" ] || chmod 700 "$AGENT" 2>/dev/null || fail "$AGENT is not executable" missing
eval "set -- $ARGV"
case $G_MAX in '' | *[!0-9]*) G_MAX=0 ;; esac
WS=$A_WS
[ -n "$G_RUN" ] && spool_prepare "$G_RUN" "$G_FILE" && set -- "$@" --spool "$SPOOL" --spool-max "$G_MAX"
[ -t 2 ] || printf 'dotnetprof-agentrun\tstart\t%s\n' "$$" >&2
exec "$AGENT" "$G_VERB" --pid "$P" "$@"
