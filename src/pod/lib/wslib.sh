# wslib.sh - shell functions shared by the workspace scripts. Not run alone: each of them says
# `# @include lib/wslib.sh` near its top and scripts/embed.sh puts it there at build time, so they
# share one definition of "a workspace we may touch". POSIX sh: dash, bash, busybox ash. Layout and manifest format:
# include/workspace.h.

LC_ALL=C
export LC_ALL
PATH=${PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}
umask 077
set -f
TAB=$(printf '\t')
CR=$(printf '\r')
NL='
'
IFS=" $TAB$NL"

# me_uid: ME = the effective uid of this shell, from /proc (no `id` needed), else `id -u`. A function,
# so that `set --` leaves the script's arguments alone.
me_uid() {
	ME=
	while IFS= read -r _l; do
		case $_l in Uid:*) set -- ${_l#Uid:} && ME=${2-} ;; esac
	done <"/proc/$$/status"
	[ -n "$ME" ] || ME=$(id -u)
}
me_uid

# @include rec.sh
# @include sha.sh

# ws_check DIR: is DIR a workspace we may use and clean: a real directory (not a symlink), owned by
# us, mode 0700? Else WHY says what is wrong.
ws_check() {
	WHY=
	if [ -L "$1" ]; then
		WHY="it is a symbolic link"
		return 1
	fi
	if [ ! -d "$1" ]; then
		WHY="it is not a directory"
		return 1
	fi
	if ! command -v ls >/dev/null; then
		[ -O "$1" ] || { WHY="it is not owned by uid $ME" && return 1; }
		chmod 700 "$1" || { WHY="cannot set its mode to 0700" && return 1; }
		return 0
	fi
	set -- $(ls -ldn -- "$1")
	case ${1-} in
	drwx------ | drwx------.) ;;
	*) WHY="its mode is ${1-unknown}, not drwx------" && return 1 ;;
	esac
	[ "${3-}" = "$ME" ] || { WHY="it is owned by uid ${3-unknown}, not by uid $ME" && return 1; }
	return 0
}

# ws_rel_ok REL: may we act on WS/REL? REL is relative, has no empty, "." or ".." component, and
# every directory above it inside WS is a real directory (no symbolic link to follow out of WS).
ws_rel_ok() {
	case /$1/ in
	*//* | */./* | */../*) return 1 ;;
	esac
	case $1 in /* | '') return 1 ;; esac
	_p=$WS
	_rest=$1
	while :; do
		case $_rest in */*) ;; *) return 0 ;; esac
		_p=$_p/${_rest%%/*}
		_rest=${_rest#*/}
		[ -d "$_p" ] && [ ! -L "$_p" ] || return 1
	done
}

# hash_of CMD FILE: H = what CMD prints for FILE ("-" for size only). Only our hash commands run;
# sha256sum and sha512sum stand for the algorithm (openssl computes it where it is faster).
hash_of() {
	H=-
	case $1 in
	-) return 0 ;;
	sha256sum)
		[ -n "${SHA256_TOOL+x}" ] || sha256_pick
		_h=$(sha256_stdin <"$2") || return 1
		;;
	sha512sum)
		[ -n "${SHA512_TOOL+x}" ] || sha512_pick
		[ -n "$SHA512_TOOL" ] || return 1
		_h=$(sha_stdin 512 "$SHA512_TOOL" <"$2") || return 1
		;;
	md5sum | cksum) _h=$("$1" <"$2") || return 1 ;;
	*) return 1 ;;
	esac
	set -- "$1" $_h
	case $1 in
	cksum) H="${2-} ${3-}" ;;
	*) H=${2-} ;;
	esac
	[ -n "${2-}" ]
}

# size_of FILE: S = its size in bytes.
size_of() {
	set -- $(wc -c <"$1") || return 1
	S=${1-}
	case $S in '' | *[!0-9]*) return 1 ;; esac
}

# ws_append LINE: one line onto the manifest, in one short write (O_APPEND: concurrent runs do not
# interleave).
ws_append() {
	printf '%s\n' "$1" >>"$WS/manifest"
}

# spool_prepare RUNID FILE: a run directory for a streamed trace's copy in the pod (the agent's
# --spool, include/agentcli.h): WS/runs/RUNID, its manifest lines ("dir", and FILE as an uncollected
# "artifact" until the agent removes it), and FILE.pid holding this shell's pid (the agent is exec'd
# in its place, so a later probe sees the run as live). Lines of earlier runs whose path is gone are
# dropped first. SPOOL = WS/runs/RUNID/FILE; status 1 (SPOOL empty) when a step fails: the trace
# then runs without its copy.
spool_prepare() {
	SPOOL=
	case $1 in '' | .* | *[!0-9A-Za-z._-]*) return 1 ;; esac
	case $2 in '' | .* | *[!0-9A-Za-z._-]*) return 1 ;; esac
	ws_manifest_drop
	if [ ! -d "$WS/runs" ] || [ -L "$WS/runs" ]; then
		mkdir -- "$WS/runs" 2>/dev/null || return 1
	fi
	mkdir -- "$WS/runs/$1" 2>/dev/null || return 1
	ws_append "$1${TAB}dir${TAB}runs/$1${TAB}0" 2>/dev/null || return 1
	ws_append "$1${TAB}artifact${TAB}runs/$1/$2${TAB}0" 2>/dev/null || return 1
	printf '%s\n' "$$" >"$WS/runs/$1/$2.pid" 2>/dev/null || return 1
	SPOOL=$WS/runs/$1/$2
}

# pid_alive PID: does PID run (a zombie does not count: an unreaped orphan under a pid 1 that does
# not reap stays one)?
pid_alive() {
	[ -r "/proc/$1/stat" ] || return 1
	IFS= read -r _st <"/proc/$1/stat" || return 1
	_st=${_st##*) }
	case $_st in Z* | X*) return 1 ;; esac
	return 0
}

# pid_ours PID: is PID a program run from this workspace (argv[0] under WS/)? Guards against a pid
# reused by an unrelated process since the pid file was written.
pid_ours() {
	_cmd=
	if command -v tr >/dev/null; then
		_cmd=$(tr '\000' '\n' <"/proc/$1/cmdline" 2>/dev/null)
		_cmd=${_cmd%%"$NL"*}
	else
		_cmd=$(cat "/proc/$1/cmdline" 2>/dev/null)
	fi
	case $_cmd in "$WS"/*) return 0 ;; esac
	return 1
}

# read_pid FILE: P = the pid a pid file holds (first line, digits only), else empty.
read_pid() {
	P=
	[ -f "$1" ] && [ ! -L "$1" ] || return 1
	IFS= read -r P <"$1" || [ -n "$P" ]
	case $P in '' | *[!0-9]*) P= && return 1 ;; esac
	return 0
}

# ws_prune REL: remove everything in WS/REL except the paths listed in KEEP (one a line, relative to
# WS) and the directories leading to them: "r REL kept" for each kept path, "r REL failed" (and
# FAILED=1) for what could not be removed. Variables are global in sh: the entries live in the
# positional parameters of each call.
ws_prune() {
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
				ws_prune "$_r"
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

# ws_manifest_drop [RUNID]: rewrite WS/manifest without the lines whose path is gone: the lines of
# run RUNID whose path lies under runs/RUNID, or, without RUNID, every line. With COLLECTED=1, the
# "artifact" lines of the paths in KEEP become "kept" (they were copied out). Lines are appended by
# other runs without a lock: the rewrite goes ahead only if no line came in while it was made.
# Escaped paths (with a backslash) are left as they are.
ws_manifest_drop() {
	_m=$WS/manifest
	[ -f "$_m" ] && [ ! -L "$_m" ] || return 0
	_t=$WS/.manifest.$$
	for _try in 1 2 3; do
		_n=0 _drop=0
		while IFS= read -r _l || [ -n "$_l" ]; do
			_n=$((_n + 1))
			_mp=${_l#*"$TAB"*"$TAB"}
			_mp=${_mp%"$TAB"*}
			case ${1:+x}:$_l:$_mp in
			x:"$1$TAB"*:"runs/$1" | x:"$1$TAB"*:"runs/$1/"* | :*) ;;
			*) printf '%s\n' "$_l" && continue ;;
			esac
			case $_mp in
			*\\* | */../* | */.. | ../* | '') ;;
			*)
				if [ ! -e "$WS/$_mp" ] && [ ! -L "$WS/$_mp" ]; then
					_drop=$((_drop + 1))
					continue
				fi
				case ${COLLECTED-0}:$_l:$NL${KEEP-} in
				"1:${_l%%"$TAB"*}${TAB}artifact${TAB}$_mp$TAB"*"$NL$_mp$NL"*)
					_l="${_l%%"$TAB"*}${TAB}kept${TAB}${_l#*"$TAB"*"$TAB"}"
					_drop=$((_drop + 1))
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

# kill_rec SIG PID: send SIG to PID and print "kill<TAB>sent|failed|gone<TAB>PID".
kill_rec() {
	if kill -s "$1" "$2" 2>/dev/null; then
		rec kill sent "$2"
	elif pid_alive "$2"; then
		rec kill failed "$2"
	else
		rec kill gone "$2"
	fi
}
