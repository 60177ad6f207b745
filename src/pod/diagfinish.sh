# diagfinish.sh - the end of a run: stop what is left of its tools, remove its
# directory but for the paths to keep, and drop the manifest lines of what is gone. The contract is
# include/diagrun.h (diagrun_finish).
#
# sh -c "$diagfinish_sh" dotnetprof WS RUNID COLLECTED [KEEP...]
#   KEEP: paths relative to WS (runs/RUNID/trace.nettrace) that stay, with the directories above
#   them and their manifest lines (a KEEP path that does not exist keeps nothing). COLLECTED 1: they were copied out (--keep): their "artifact"
#   lines become "kept"; 0: they stay "artifact" (uncollected). Prints
#     k<TAB>PID                  a tool of the run still ran: killed (SIGKILL; the run is over)
#     r<TAB>REL<TAB>kept|refused|failed
#     done<TAB>ok|failed
#   Exit 0, or 3 when the workspace cannot be ours (then "done<TAB>refused<TAB>WHY").

# @include lib/wslib.sh

WS=$1 RUNID=$2 COLLECTED=$3
shift 3
ws_check "$WS" || { rec done refused "$WHY"; exit 3; }
case $RUNID in '' | *[!0-9A-Za-z-]*) rec done refused "invalid run id" && exit 3 ;; esac
RUN=$WS/runs/$RUNID
OURS=0
ws_rel_ok "runs/$RUNID" && [ -d "$RUN" ] && [ ! -L "$RUN" ] && OURS=1
if [ "$OURS" = 1 ]; then
	set +f
	for f in "$RUN"/*.pid; do
		set -f
		read_pid "$f" && pid_alive "$P" && pid_ours "$P" || continue
		kill -s KILL "$P" 2>/dev/null && rec k "$P"
	done
	set -f
fi
# a path to keep that the run never wrote (a dump the runtime failed to write) keeps nothing: the
# run's directory goes all the same
KEEP=
for rel in "$@"; do
	if ! ws_rel_ok "$rel"; then
		rec r "$rel" refused
	elif [ -e "$WS/$rel" ] || [ -L "$WS/$rel" ]; then
		KEEP=$KEEP$rel$NL
	fi
done
FAILED=0
if [ "$OURS" = 1 ]; then
	if [ -z "$KEEP" ]; then
		rm -rf -- "$RUN" 2>/dev/null
		if [ -e "$RUN" ] || [ -L "$RUN" ]; then
			rec r "runs/$RUNID" failed
			FAILED=1
		fi
	else
		ws_prune "runs/$RUNID"
	fi
fi
# runs/ itself goes when this was the last run in it (rmdir removes only an empty directory; a run
# opening meanwhile creates it again: workspace.sh)
[ -d "$WS/runs" ] && [ ! -L "$WS/runs" ] && rmdir -- "$WS/runs" 2>/dev/null
ws_manifest_drop "$RUNID"
if [ "$FAILED" = 0 ]; then rec done ok; else rec done failed; fi
exit 0
