# workspace.sh - open this run's workspace in the container.
# Usage: sh -c "$workspace_sh" dotnetprof RUNID CHECK HASHCMD BASE...
# Tries each BASE in order: BASE/.dotnetprof is created with mkdir (atomic, 0700), or, when it exists,
# used only if ws_check accepts it. Then tools/ and runs/ exist, the run's line is appended to the
# manifest before runs/RUNID is made (a run killed right after still has its directory listed).
# Prints "skip<TAB>N<TAB>WHY" for each BASE passed over and "ws<TAB>N<TAB>CREATED" for the one used
# (N counts from 1); exit 0. Nothing usable: exit 3 after the skip lines.
# CHECK (a path relative to the workspace, or "-"): after "ws", report what the workspace holds
# there, so the caller can skip a separate exec to check a tool: "have<TAB>SIZE<TAB>HASH" (HASH: what
# HASHCMD prints, "-" for size only) or "have-none" (absent, not a regular file, or unreadable).

# @include lib/wslib.sh

RUNID=$1 CHECK=$2 HASHCMD=$3
shift 3
n=0
for base in "$@"; do
	n=$((n + 1))
	WS=${base%/}/.dotnetprof
	created=0
	if mkdir -m 700 -- "$WS" 2>/dev/null; then
		created=1
	fi
	if ! ws_check "$WS"; then
		if [ -e "$WS" ] || [ -L "$WS" ]; then
			rec skip "$n" "$WS exists but cannot be ours: $WHY"
		else
			rec skip "$n" "cannot create $WS"
		fi
		continue
	fi
	why=
	for d in tools runs; do
		if [ -L "$WS/$d" ] || { [ ! -d "$WS/$d" ] && ! mkdir -- "$WS/$d" 2>/dev/null; }; then
			why="cannot create $WS/$d"
			break
		fi
	done
	if [ -z "$why" ] && ! ws_append "$RUNID${TAB}dir${TAB}runs/$RUNID${TAB}0" 2>/dev/null; then
		why="cannot write $WS/manifest"
	fi
	# runs/ may just have been removed by a run that ended (diagfinish.sh): make it again once
	if [ -z "$why" ] && ! mkdir -- "$WS/runs/$RUNID" 2>/dev/null &&
		! { mkdir -- "$WS/runs" 2>/dev/null && mkdir -- "$WS/runs/$RUNID" 2>/dev/null; }; then
		why="cannot create $WS/runs/$RUNID"
	fi
	if [ -n "$why" ]; then
		rec skip "$n" "$why"
		[ "$created" = 1 ] && rm -rf -- "$WS" 2>/dev/null
		continue
	fi
	rec ws "$n" "$created"
	if [ "$CHECK" != - ]; then
		if ws_rel_ok "$CHECK" && [ -f "$WS/$CHECK" ] && [ ! -L "$WS/$CHECK" ] &&
			size_of "$WS/$CHECK" && hash_of "$HASHCMD" "$WS/$CHECK"; then
			rec have "$S" "$H"
		else
			echo have-none
		fi
	fi
	exit 0
done
exit 3
