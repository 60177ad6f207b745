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
# @include sha256.sh

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

# hash_of CMD FILE: H = what CMD prints for FILE ("-" for size only). Only our hash commands run.
hash_of() {
	H=-
	case $1 in
	-) return 0 ;;
	sha256sum)
		[ -n "${SHA256_TOOL+x}" ] || sha256_pick
		_h=$(sha256_stdin <"$2") || return 1
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
