# diagkill.sh - send a signal to a tool that diagrun.sh started. The contract is
# include/diagrun.h (diagrun_signal).
#
# sh -c "$diagkill_sh" dotnetprof WS RUNID NAME INT|TERM|KILL
#   Reads runs/RUNID/NAME.pid and signals that process only if it runs and is ours (pid_ours). Just
#   after the exec started, the pid file may not exist yet, or still name the shell that is about to
#   exec the tool: both are waited for, briefly. Prints one record:
#     kill<TAB>sent|gone|nopid|foreign|failed<TAB>PID
#   Exit 0, or 3 when the workspace cannot be ours (then "kill<TAB>refused<TAB>WHY").

# @include lib/wslib.sh

WS=$1 RUNID=$2 NAME=$3 SIG=$4
ws_check "$WS" || { rec kill refused "$WHY"; exit 3; }
case $RUNID in '' | *[!0-9A-Za-z-]*) rec kill refused "invalid run id" && exit 3 ;; esac
case $NAME in '' | .* | *[!0-9A-Za-z._-]*) rec kill refused "invalid name" && exit 3 ;; esac
case $SIG in INT | TERM | KILL) ;; *) rec kill refused "invalid signal" && exit 3 ;; esac
REL=runs/$RUNID/$NAME.pid
ws_rel_ok "$REL" || { rec kill refused "$REL is not a plain path in the workspace"; exit 3; }

# about 2 s in all: 20 naps of 0.1 s, or 2 of 1 s where sleep takes whole seconds only
if sleep 0.01 2>/dev/null; then STEP=0.1 n=20; else STEP=1 n=2; fi
while :; do
	if read_pid "$WS/$REL"; then
		pid_alive "$P" || { rec kill gone "$P"; exit 0; }
		pid_ours "$P" && break
	fi
	n=$((n - 1))
	if [ "$n" -le 0 ]; then
		if [ -n "$P" ]; then rec kill foreign "$P"; else rec kill nopid ""; fi
		exit 0
	fi
	sleep "$STEP"
done
kill_rec "$SIG" "$P"
exit 0
