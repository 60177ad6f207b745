# diagfinish.sh - the end of a run: stop what is left of its tools, remove its
# directory but for the paths to keep, and drop the manifest lines of what is gone. The contract is
# include/diagrun.h (diagrun_finish).
#
# sh -c "$diagfinish_sh" dotnetprof WS RUNID [KEEP...]
#   KEEP: paths relative to WS (runs/RUNID/trace.nettrace) that stay, with the directories above
#   them and their manifest lines. Prints
#     k<TAB>PID                  a tool of the run still ran: killed (SIGKILL; the run is over)
#     r<TAB>REL<TAB>kept|refused|failed
#     done<TAB>ok|failed
#   Exit 0, or 3 when the workspace cannot be ours (then "done<TAB>refused<TAB>WHY").

# @include lib/wslib.sh

# prune REL: remove everything in WS/REL except the kept paths and the directories leading to them.
# Variables are global in sh: the entries live in the positional parameters of each call.
prune() {
	_d=$1
	set +f
	set -- "$WS/$_d"/* "$WS/$_d"/.[!.]* "$WS/$_d"/..?*
	set -f
	for _f do
		[ -e "$_f" ] || [ -L "$_f" ] || continue
		_r=${_f#"$WS"/}
		case $NL$KEEP in
		*"$NL$_r$NL"*)
			rec r "$_r" kept
			continue
			;;
		*"$NL$_r/"*)
			if [ -d "$_f" ] && [ ! -L "$_f" ]; then
				prune "$_r"
				continue
			fi
			;;
		esac
		if ! rm -rf -- "$_f" 2>/dev/null || [ -e "$_f" ] || [ -L "$_f" ]; then
			rec r "$_r" failed
			FAILED=1
		fi
	done
}

# count_lines FILE: N = its number of lines.
count_lines() {
	N=0
	while IFS= read -r _l || [ -n "$_l" ]; do
		N=$((N + 1))
	done <"$1"
}

# drop_lines: rewrite the manifest without this run's lines whose path is gone. Lines are appended
# by other runs without a lock: the rewrite goes ahead only if no line came in while it was made.
# Only lines of paths under runs/RUNID are dropped (escaped ones, with a backslash, are left).
drop_lines() {
	_m=$WS/manifest
	[ -f "$_m" ] && [ ! -L "$_m" ] || return 0
	_t=$WS/.manifest.$$
	for _try in 1 2 3; do
		_n=0 _drop=0
		while IFS= read -r _l || [ -n "$_l" ]; do
			_n=$((_n + 1))
			case $_l in
			"$RUNID$TAB"*)
				_mp=${_l#*"$TAB"*"$TAB"}
				_mp=${_mp%"$TAB"*}
				case $_mp in
				*\\* | */../* | */..) ;;
				"runs/$RUNID" | "runs/$RUNID/"*)
					if [ ! -e "$WS/$_mp" ] && [ ! -L "$WS/$_mp" ]; then
						_drop=$((_drop + 1))
						continue
					fi
					;;
				esac
				;;
			esac
			printf '%s\n' "$_l"
		done <"$_m" >"$_t" || break
		[ "$_drop" -gt 0 ] || break
		count_lines "$_m"
		if [ "$N" = "$_n" ]; then
			mv -f -- "$_t" "$_m" && return 0
			break
		fi
	done
	rm -f -- "$_t"
}

WS=$1 RUNID=$2
shift 2
ws_check "$WS" || { rec done refused "$WHY"; exit 3; }
case $RUNID in '' | *[!0-9A-Za-z-]*) rec done refused "invalid run id" && exit 3 ;; esac
RUN=$WS/runs/$RUNID
KEEP=
for rel in "$@"; do
	if ws_rel_ok "$rel"; then
		KEEP=$KEEP$rel$NL
	else
		rec r "$rel" refused
	fi
done
FAILED=0
if ws_rel_ok "runs/$RUNID" && [ -d "$RUN" ] && [ ! -L "$RUN" ]; then
	set +f
	for f in "$RUN"/*.pid; do
		set -f
		read_pid "$f" && pid_alive "$P" && pid_ours "$P" || continue
		kill -s KILL "$P" 2>/dev/null && rec k "$P"
	done
	set -f
	if [ -z "$KEEP" ]; then
		rm -rf -- "$RUN" 2>/dev/null
		if [ -e "$RUN" ] || [ -L "$RUN" ]; then
			rec r "runs/$RUNID" failed
			FAILED=1
		fi
	else
		prune "runs/$RUNID"
	fi
fi
# runs/ itself goes when this was the last run in it (rmdir removes only an empty directory; a run
# opening meanwhile creates it again: workspace.sh)
[ -d "$WS/runs" ] && [ ! -L "$WS/runs" ] && rmdir -- "$WS/runs" 2>/dev/null
drop_lines
if [ "$FAILED" = 0 ]; then rec done ok; else rec done failed; fi
exit 0
