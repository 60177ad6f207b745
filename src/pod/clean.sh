# clean.sh - find and remove workspaces. The plan is made in C (src/wsclean.c):
# this script only reports, and removes what it is told after checking it again.
#
# sh -c "$clean_sh" dotnetprof scan
#   Looks for .dotnetprof in every candidate directory (TMPDIR, /tmp, /var/tmp, /dev/shm, HOME, cwd)
#   and prints, per workspace found:
#     ws<TAB>PATH<TAB>OK<TAB>WHY        OK 1: ours (ws_check); 0: WHY says why it is left alone
#     m<TAB>LINE                        each manifest line, as stored (already escaped)
#     e<TAB>REL<TAB>TYPE<TAB>KB          entries at the top, in tools/ and in runs/: TYPE f d l o;
#                                       and the files of "artifact" lines (uncollected), deeper
#     p<TAB>REL<TAB>PID<TAB>STATE        pid files runs/*/*.pid: STATE running (ours) | foreign | gone
#   then "end".
# sh -c "$clean_sh" dotnetprof remove WS NKEEP KEEP... REL...
#   Stops our running tools (pid files: INT, then TERM, then KILL, waiting between) but those of a
#   run that holds a KEEP path, removes each REL (rm -rf, never following a symbolic link; refused
#   unless ws_rel_ok; a directory holding KEEP paths is emptied around them), drops the manifest
#   lines of what is gone, then removes runs/, tools/, the manifest and WS itself when nothing else
#   is left. Prints
#     k<TAB>PID<TAB>SIGNAL|foreign|gone  r<TAB>REL<TAB>removed|gone|refused|failed
#     done<TAB>removed|kept<TAB>WHY
# Exit 0, or 3 when WS cannot be ours.

# @include lib/wslib.sh
# @include lib/artifacts.sh

# artifact_entry RUNID REL: an "e" record for an uncollected file (deeper than list() looks).
artifact_entry() {
	du_kb "$WS/$2"
	rec e "$2" f "$K"
}

# du_kb PATH: K = disk use of PATH in KiB (-1 unknown); symbolic links are not followed.
du_kb() {
	K=-1
	set -- $(du -sk -- "$1" 2>/dev/null)
	case ${1-} in '' | *[!0-9]*) ;; *) K=$1 ;; esac
}

# list DIR PREFIX: an "e" record for each entry of DIR (hidden ones too).
list() {
	set +f
	for _f in "$1"/* "$1"/.[!.]* "$1"/..?*; do
		[ -e "$_f" ] || [ -L "$_f" ] || continue
		if [ -L "$_f" ]; then _t=l
		elif [ -d "$_f" ]; then _t=d
		elif [ -f "$_f" ]; then _t=f
		else _t=o
		fi
		du_kb "$_f"
		rec e "$2${_f##*/}" "$_t" "$K"
	done
	set -f
}

# pidfiles: "P<TAB>REL" lines, one per runs/*/*.pid, into PIDFILES.
pidfiles() {
	PIDFILES=
	set +f
	for _f in "$WS"/runs/*/*.pid; do
		[ -f "$_f" ] || continue
		PIDFILES=$PIDFILES${_f#"$WS"/}$NL
	done
	set -f
}

scan() {
	DIRS=
	for d in "${TMPDIR-}" /tmp /var/tmp /dev/shm "${HOME-}" "${PWD:-$(pwd)}"; do
		case $d in /*) ;; *) continue ;; esac
		while :; do
			case $d in /*/) d=${d%/} ;; *) break ;; esac
		done
		case "$NL$DIRS" in *"$NL$d$NL"*) continue ;; esac
		DIRS=$DIRS$d$NL
		WS=${d%/}/.dotnetprof
		[ -e "$WS" ] || [ -L "$WS" ] || continue
		if ! ws_check "$WS"; then
			rec ws "$WS" 0 "$WHY"
			continue
		fi
		rec ws "$WS" 1 ""
		if [ -f "$WS/manifest" ] && [ ! -L "$WS/manifest" ]; then
			while IFS= read -r line || [ -n "$line" ]; do
				printf 'm\t%s\n' "$line"
			done <"$WS/manifest"
		fi
		list "$WS" ""
		for sub in tools runs; do
			[ -d "$WS/$sub" ] && [ ! -L "$WS/$sub" ] && list "$WS/$sub" "$sub/"
		done
		each_artifact "$WS" artifact_entry
		pidfiles
		IFS=$NL
		for rel in $PIDFILES; do
			IFS=" $TAB$NL"
			if ! read_pid "$WS/$rel"; then
				rec p "$rel" "" gone
			elif ! pid_alive "$P"; then
				rec p "$rel" "$P" gone
			elif pid_ours "$P"; then
				rec p "$rel" "$P" running
			else
				rec p "$rel" "$P" foreign
			fi
		done
		IFS=" $TAB$NL"
	done
	echo end
}

# nap: a short wait (fractional sleep where supported).
nap() {
	sleep 0.2 2>/dev/null || sleep 1
}

# stop PID: INT, up to 10 s; TERM, up to 3 s; KILL. SIG = what ended it.
stop() {
	for SIG in INT TERM KILL; do
		kill -s "$SIG" "$1" 2>/dev/null || { pid_alive "$1" || return 0; }
		case $SIG in INT) _w=50 ;; TERM) _w=15 ;; *) _w=10 ;; esac
		while [ "$_w" -gt 0 ]; do
			pid_alive "$1" || return 0
			nap
			_w=$((_w - 1))
		done
	done
	SIG=stuck
}

remove() {
	WS=$1 NKEEP=$2
	shift 2
	ws_check "$WS" || { rec done kept "$WHY"; exit 3; }
	case $NKEEP in '' | *[!0-9]*) rec done kept "bad NKEEP" && exit 3 ;; esac
	KEEP=
	while [ "$NKEEP" -gt 0 ] && [ $# -gt 0 ]; do
		ws_rel_ok "$1" && KEEP=$KEEP$1$NL
		shift
		NKEEP=$((NKEEP - 1))
	done
	pidfiles
	IFS=$NL
	for rel in $PIDFILES; do
		IFS=" $TAB$NL"
		case $NL$KEEP in *"$NL${rel%/*}/"*) continue ;; esac
		if ! read_pid "$WS/$rel" || ! pid_alive "$P"; then
			continue
		elif pid_ours "$P"; then
			stop "$P"
			rec k "$P" "$SIG"
		else
			rec k "$P" foreign
		fi
	done
	IFS=" $TAB$NL"
	FAILED=0
	for rel in "$@"; do
		if ! ws_rel_ok "$rel"; then
			rec r "$rel" refused
		elif [ ! -e "$WS/$rel" ] && [ ! -L "$WS/$rel" ]; then
			rec r "$rel" gone
		elif case $NL$KEEP in *"$NL$rel/"*) true ;; *) false ;; esac; then
			ws_prune "$rel"
			rec r "$rel" pruned
		elif rm -rf -- "$WS/$rel" 2>/dev/null && [ ! -e "$WS/$rel" ] && [ ! -L "$WS/$rel" ]; then
			rec r "$rel" removed
		else
			rec r "$rel" failed
		fi
	done
	[ -z "$KEEP" ] || ws_manifest_drop
	for sub in runs tools; do
		[ -d "$WS/$sub" ] && [ ! -L "$WS/$sub" ] && rmdir -- "$WS/$sub" 2>/dev/null
	done
	set +f
	left=
	for f in "$WS"/* "$WS"/.[!.]* "$WS"/..?*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		[ "$f" = "$WS/manifest" ] && continue
		left="$left ${f##*/}"
	done
	set -f
	if [ -n "$left" ]; then
		rec done kept "not empty:$left"
		return
	fi
	rm -f -- "$WS/manifest"
	if rmdir -- "$WS" 2>/dev/null; then
		rec done removed ""
	else
		rec done kept "rmdir failed"
	fi
}

mode=$1
shift
case $mode in
scan) scan ;;
remove) remove "$@" ;;
*) rec fail "unknown mode $mode" && exit 3 ;;
esac
exit 0
