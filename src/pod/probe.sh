# probe.sh - runs inside the container (POSIX sh: dash, bash, busybox ash) and reports in one exec what
# kubectl-dotnetprof needs to plan: arch, libc, user, commands, usable directories and every .NET
# process. Output format: include/probe.h. Run as `sh -c "$probe_sh" probe [AGENT]`: AGENT, when
# given, is the file name of dotnetprof-agent in a workspace's tools/, reported if present.
#
# Rules: no bashisms; builtins first, external commands only after `command -v` and only where a
# builtin cannot do it (uname, chmod, rm, df, grep, tr, head); no value is printed unescaped; nothing
# is left behind (the one temp file per directory is removed, also on HUP/INT/TERM/PIPE).

exec 2>/dev/null
AGENT_NAME=${1-}
LC_ALL=C
export LC_ALL
PATH=${PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}
TAB=$(printf '\t')
CR=$(printf '\r')
NL='
'
IFS=" $TAB$NL"
set -f

probe_tmp=
cleanup() {
	if [ -n "$probe_tmp" ]; then
		rm -f -- "$probe_tmp"
		probe_tmp=
	fi
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

# have NAME: is NAME runnable (external or builtin)? Sets W to its path (or its bare name).
have() {
	W=
	_h_ifs=$IFS
	IFS=:
	for _h_d in $PATH; do
		if [ -n "$_h_d" ] && [ -f "$_h_d/$1" ] && [ -x "$_h_d/$1" ]; then
			W=$_h_d/$1
			break
		fi
	done
	IFS=$_h_ifs
	if [ -z "$W" ] && command -v "$1" >/dev/null; then
		W=$1
	fi
	[ -n "$W" ]
}

# @include lib/rec.sh
# @include lib/agentsum.sh

# user_of UID [PASSWD]: U = the user name of UID from PASSWD (default /etc/passwd), or empty.
user_of() {
	U=
	_u_f=${2:-/etc/passwd}
	[ -r "$_u_f" ] || return
	while IFS=: read -r _u_name _u_pw _u_uid _u_rest; do
		if [ "$_u_uid" = "$1" ]; then
			U=$_u_name
			return
		fi
	done <"$_u_f"
}

# nth N STRING: F = the Nth blank-separated word of STRING, or empty.
nth() {
	_n=$1
	set -- $2
	F=
	[ $# -ge "$_n" ] || return
	shift $((_n - 1))
	F=$1
}

# read_status PID: S_NAME S_UID S_GID (effective) S_RSS (kB, -1 unknown) from /proc/PID/status.
# Name is as the kernel prints it there (it escapes \ and newlines itself).
read_status() {
	S_NAME= S_UID= S_GID= S_RSS=-1
	while IFS= read -r _s_l; do
		case $_s_l in
		Name:*) S_NAME=${_s_l#Name:} S_NAME=${S_NAME#"$TAB"} ;;
		Uid:*) nth 2 "${_s_l#Uid:}" && S_UID=$F ;;
		Gid:*) nth 2 "${_s_l#Gid:}" && S_GID=$F ;;
		VmRSS:*)
			nth 1 "${_s_l#VmRSS:}" && S_RSS=$F
			break # the rest is not needed, and dash reads /proc a byte at a time
			;;
		esac
	done <"/proc/$1/status"
	case $S_UID in '' | *[!0-9]*) S_UID= ;; esac
	case $S_GID in '' | *[!0-9]*) S_GID= ;; esac
	case $S_RSS in '' | *[!0-9]*) S_RSS=-1 ;; esac
}

# nul_file FILE SEP: N = FILE's bytes with NULs as SEP (cut to 4096 bytes when SEP is a space,
# the command line); status 1 when unreadable or tr is missing.
CUT='????????????????'
CUT=$CUT$CUT$CUT$CUT$CUT$CUT$CUT$CUT$CUT$CUT$CUT$CUT$CUT$CUT$CUT$CUT
CUT=$CUT$CUT$CUT$CUT$CUT$CUT$CUT$CUT$CUT$CUT$CUT$CUT$CUT$CUT$CUT$CUT
nul_file() {
	N=
	[ -n "$HAVE_TR" ] || return 1
	if [ "$2" = " " ]; then
		# no head -c before tr: one exec less per process; the cut below costs at most 4096^2
		# steps in dash however long the command line is
		N=$(tr '\0' ' ' <"$1") || return 1
		N=${N%" "}
		if [ ${#N} -gt 4096 ]; then
			_n_rest=${N#$CUT}
			N=${N%"$_n_rest"}
		fi
	else
		# environ: one variable per line; a newline inside a value becomes \001 so that no value
		# can pose as another variable.
		N=$(tr '\n\0' '\001\n' <"$1") || return 1
	fi
	return 0
}

# env_scan: from the environ text $N (one variable per line) set E_TMPDIR, E_DIAG, E_IPC (each unset
# when absent; DOTNET_ wins over COMPlus_ like in the runtime). One pass: prefix removal on the whole
# text would be quadratic in dash.
env_scan() {
	unset E_TMPDIR E_DIAG E_IPC _e_cd _e_ci
	_ifs=$IFS
	IFS=$NL
	for _e in $N; do
		case $_e in
		TMPDIR=*) E_TMPDIR=${_e#*=} ;;
		DOTNET_EnableDiagnostics=*) E_DIAG=${_e#*=} ;;
		COMPlus_EnableDiagnostics=*) _e_cd=${_e#*=} ;;
		DOTNET_EnableDiagnostics_IPC=*) E_IPC=${_e#*=} ;;
		COMPlus_EnableDiagnostics_IPC=*) _e_ci=${_e#*=} ;;
		esac
	done
	IFS=$_ifs
	[ -z "${E_DIAG+x}" ] && [ -n "${_e_cd+x}" ] && E_DIAG=$_e_cd
	[ -z "${E_IPC+x}" ] && [ -n "${_e_ci+x}" ] && E_IPC=$_e_ci
	:
}

# is_zero VALUE: the runtime reads these settings as hex numbers; "0", "00", "0x0" disable.
is_zero() {
	_z=${1#0[xX]}
	case $_z in '' | *[!0]*) return 1 ;; esac
	return 0
}

# Per-pid tables are variables named NAME_PID: PID is all digits (checked) and values are assigned
# with eval "NAME_$pid=\$value", so no pod-supplied text is ever evaluated.

# sockets_in DIR: for each DIR/dotnet-diagnostic-PID-KEY-socket set sock_PID (the first) and
# socks_PID=2 when there are several (stale ones of an earlier process with the same pid).
sockets_in() {
	set +f
	for _f_s in "${1%/}"/dotnet-diagnostic-*-socket; do
		[ -S "$_f_s" ] || continue
		_f_p=${_f_s##*/dotnet-diagnostic-}
		_f_p=${_f_p%%-*}
		case $_f_p in '' | *[!0-9]*) continue ;; esac
		eval "_f_k=\${sock_$_f_p-}"
		if [ -z "$_f_k" ]; then
			eval "sock_$_f_p=\$_f_s"
		else
			eval "socks_$_f_p=2"
		fi
	done
	set -f
}

# find_socket PID DIR: K = DIR/dotnet-diagnostic-PID-KEY-socket, empty when none; of several,
# prefer KEY = the process's start time (field 22 of stat), which is what the runtime uses.
find_socket() {
	K=
	_f_d=${2%/}
	set +f
	for _f_s in "$_f_d/dotnet-diagnostic-$1-"*-socket; do
		[ -S "$_f_s" ] || continue
		if [ -n "$K" ]; then
			pick_socket "$1" "$_f_d"
			break
		fi
		K=$_f_s
	done
	set -f
}

# find_cut PID DIR: K = a socket DIR/dotnet-diagnostic-PID-... whose name the runtime cut to fit
# sun_path (a long TMPDIR), empty when none.
find_cut() {
	K=
	set +f
	for _f_s in "${2%/}/dotnet-diagnostic-$1-"*; do
		if [ -S "$_f_s" ]; then
			K=$_f_s
			break
		fi
	done
	set -f
}

# pick_socket PID DIR: K = the socket of the current process of PID in DIR, if it is there.
pick_socket() {
	IFS= read -r _f_l <"/proc/$1/stat" || return
	_f_p=$1
	_f_d=${2%/}
	set -- ${_f_l##*) }
	[ $# -ge 20 ] || return
	shift 19
	_f_s=$_f_d/dotnet-diagnostic-$_f_p-$1-socket
	[ -S "$_f_s" ] && K=$_f_s
}

# ---- the exec environment ----
rec dotnetprof-probe 1

ARCH=
if have uname; then
	ARCH=$(uname -m)
elif [ -r /proc/sys/kernel/arch ]; then
	IFS= read -r ARCH </proc/sys/kernel/arch
fi
rec arch "$ARCH"

ME_UID= ME_GID=
while IFS= read -r l; do
	case $l in
	Uid:*) nth 2 "${l#Uid:}" && ME_UID=$F ;;
	Gid:*) nth 2 "${l#Gid:}" && ME_GID=$F ;;
	esac
done <"/proc/$$/status"
if [ -z "$ME_UID" ] && have id; then
	ME_UID=$(id -u)
	ME_GID=$(id -g)
fi
rec uid "$ME_UID"
rec gid "$ME_GID"
user_of "$ME_UID"
[ -n "$U" ] && rec user "$U"
rec tmpdir "${TMPDIR-}"

for c in sh cat base64 head tail dd gzip sha256sum md5sum cksum curl wget tar kill mkdir rm chmod mv wc stat grep tr sha512sum openssl dotnet; do
	if have "$c"; then
		rec cmd "$c" "$W"
	fi
done
HAVE_TR= HAVE_GREP= HAVE_RM= HAVE_CHMOD= HAVE_DF= HAVE_LS= HAVE_CAT=
have tr && HAVE_TR=1
have cat && HAVE_CAT=1
have grep && HAVE_GREP=1
have rm && HAVE_RM=1
have chmod && HAVE_CHMOD=1
have df && HAVE_DF=1
have ls && HAVE_LS=1

# ---- candidate work directories ----
# DIRS: absolute, existing, deduplicated, one per line (a name with a newline is no work dir).
DIRS=
add_dir() {
	_d=$1
	while :; do
		case $_d in /*/) _d=${_d%/} ;; *) break ;; esac
	done
	case $_d in /*) ;; *) return ;; esac
	case $_d in *"$NL"*) return ;; esac
	case "$NL$DIRS" in *"$NL$_d$NL"*) return ;; esac
	[ -d "$_d" ] && DIRS=$DIRS$_d$NL
}
[ -n "${TMPDIR-}" ] && add_dir "$TMPDIR"
add_dir /tmp
add_dir /var/tmp
add_dir /dev/shm
[ -n "${HOME-}" ] && add_dir "$HOME"
add_dir "${PWD:-$(pwd)}"

# tmp_of DIR: T = our test file in DIR.
tmp_of() {
	T=${1%/}/.dotnetprof-probe.$$
}

# rm_tests: remove the test files (one rm for all); CREATED lists the directories that may have one.
CREATED=
rm_tests() {
	set --
	_ifs=$IFS
	IFS=$NL
	for _d in $CREATED; do
		tmp_of "$_d"
		set -- "$@" "$T"
	done
	IFS=$_ifs
	[ $# -gt 0 ] && rm -f -- "$@"
}

# safe_dir DIR: can no other user rename or replace what we create in DIR? True when DIR is sticky
# and owned by root or us, or owned by us and writable by nobody else. Elsewhere (an app-writable
# HOME or cwd) a root probe that wrote, chmod-ed and ran a file could be made to run the app's file
# instead, so there only access(2) answers and the exec test is not done.
safe_dir() {
	if [ -z "$HAVE_LS" ]; then
		case $1 in /tmp | /var/tmp | /dev/shm) [ -k "$1" ] && return 0 ;; esac
		[ -k "$1" ] && [ -O "$1" ]
		return
	fi
	set -- $(ls -ldn -- "$1")
	[ $# -ge 3 ] || return 1
	[ "$3" = "$ME_UID" ] || [ "$3" = 0 ] || return 1
	case $1 in ?????????[tT]*) return 0 ;; esac
	[ "$3" = "$ME_UID" ] || return 1
	case $1 in ?????w* | ????????w*) return 1 ;; esac
	return 0
}

# The write test creates DIR/.dotnetprof-probe.PID under noclobber (never through a planted file or
# symlink); the exec test runs it (no #! line: a noexec mount fails with EACCES before the kernel
# looks at the contents, and a shell not at /bin/sh still runs it). Without rm nothing is created and
# only access(2) answers.
W_OK_DIRS=$NL X_OK_DIRS=$NL W_ONLY_DIRS=$NL
if [ -n "$HAVE_RM" ]; then
	cleanup() {
		rm_tests
	}
	set -C
	IFS=$NL
	for d in $DIRS; do
		IFS=" $TAB$NL"
		if ! safe_dir "$d"; then
			[ -w "$d" ] && W_ONLY_DIRS=$W_ONLY_DIRS$d$NL
			continue
		fi
		tmp_of "$d"
		CREATED=$CREATED$d$NL
		if { printf 'exit 0\n'; } >"$T"; then
			W_OK_DIRS=$W_OK_DIRS$d$NL
		fi
	done
	IFS=" $TAB$NL"
	set +C
	if [ -n "$HAVE_CHMOD" ] && [ "$W_OK_DIRS" != "$NL" ]; then
		set --
		IFS=$NL
		for d in $W_OK_DIRS; do
			tmp_of "$d"
			set -- "$@" "$T"
		done
		IFS=" $TAB$NL"
		if chmod 700 "$@"; then
			IFS=$NL
			for d in $W_OK_DIRS; do
				tmp_of "$d"
				"$T" && X_OK_DIRS=$X_OK_DIRS$d$NL
			done
			IFS=" $TAB$NL"
		fi
	fi
	rm_tests
	cleanup() {
		:
	}
else
	IFS=$NL
	for d in $DIRS; do
		[ -w "$d" ] && W_OK_DIRS=$W_OK_DIRS$d$NL
	done
	IFS=" $TAB$NL"
fi

# Free space: one df for all; its lines follow the arguments, so use them only when they all came.
DF=
if [ -n "$HAVE_DF" ] && [ -n "$DIRS" ]; then
	set --
	IFS=$NL
	for d in $DIRS; do
		set -- "$@" "$d"
	done
	n=$#
	DF=$(df -Pk -- "$@")
	set -- $DF
	IFS=" $TAB$NL"
	[ $# -eq $((n + 1)) ] || DF=
	[ -n "$DF" ] && DF=${DF#*"$NL"}$NL
fi

# avail_of LINE: A = the Available column of a df -P line (the number before "NN%").
avail_of() {
	A=-1
	set -- $1
	while [ $# -ge 2 ]; do
		case $2 in
		*%)
			case $1 in '' | *[!0-9]*) ;; *) A=$1 ;; esac
			return
			;;
		esac
		shift
	done
}

IFS=$NL
for d in $DIRS; do
	IFS=" $TAB$NL"
	w=0 x=0 A=-1
	case $W_OK_DIRS$W_ONLY_DIRS in *"$NL$d$NL"*) w=1 ;; esac
	case $X_OK_DIRS in *"$NL$d$NL"*) x=1 ;; esac
	if [ -n "$DF" ]; then
		avail_of "${DF%%"$NL"*}"
		DF=${DF#*"$NL"}
	fi
	rec dir "$d" "$w" "$x" "$A"
done
IFS=" $TAB$NL"

# ---- what earlier runs left uncollected ----
# @include lib/artifacts.sh

# uncollected RUNID REL: "uncollected PATH SIZE LIVE" for WS/REL (WS set by the loop below), LIVE 1
# while a tool of its run still runs (it may still be writing it).
uncollected() {
	_n=$(wc -c <"$WS/$2" 2>/dev/null) || return 0
	set -- "$1" "$2" $_n
	_live=0
	set +f
	for _p in "$WS/runs/$1"/*.pid; do
		[ -f "$_p" ] || continue
		_pid=
		IFS= read -r _pid <"$_p" 2>/dev/null || [ -n "$_pid" ] || continue
		case $_pid in '' | *[!0-9]*) continue ;; esac
		[ -d "/proc/$_pid" ] && _live=1
	done
	set -f
	rec uncollected "$WS/$2" "${3:-0}" "$_live"
}
IFS=$NL
for d in $DIRS; do
	IFS=" $TAB$NL"
	WS=$d/.dotnetprof
	[ -d "$WS" ] && [ ! -L "$WS" ] && each_artifact "$WS" uncollected
done
IFS=" $TAB$NL"
# ---- our agent, in a workspace of a directory that allows exec ----
if [ -n "$AGENT_NAME" ] && [ "$X_OK_DIRS" != "$NL" ]; then
	IFS=$NL
	set -- $X_OK_DIRS
	IFS=" $TAB$NL"
	agent_find "$AGENT_NAME" "$@"
fi

# ---- .NET processes ----
# libc_of_line LINE: L = musl|glibc when LINE maps a dynamic loader.
libc_of_line() {
	case $1 in
	*/ld-musl-*) L=musl ;;
	*/ld-linux*) L=glibc ;;
	esac
}

# maps_line PID LINE: record what one maps line of PID tells: clr_PID (the libcoreclr.so path; the
# path is everything from the first '/', as address, perms, offset, dev and inode have none) and
# libc_PID (its loader).
maps_line() {
	case $2 in
	*/libcoreclr.so*)
		eval "_m=\${clr_$1-}"
		[ -n "$_m" ] && return
		_m=/${2#*/}
		_m=${_m%" (deleted)"}
		case $_m in */libcoreclr.so) eval "clr_$1=\$_m" ;; esac
		;;
	*)
		L=
		libc_of_line "$2"
		[ -n "$L" ] && eval "libc_$1=\$L"
		;;
	esac
}

# ---- who owns what the tools would load and talk to ----
# PERMS: paths whose mode and owner are reported ("perm" records), one per line; PDIRS: directories
# whose entries are summed up ("permdir"). The C side decides what may be trusted (diag.h).
PERMS= PDIRS= RTS=
perm_add() {
	case $1 in '' | *"$NL"*) return ;; esac
	case "$NL$PERMS" in *"$NL$1$NL"*) return ;; esac
	PERMS=$PERMS$1$NL
}

# rt_add RUNTIME_DIR: every directory from / down to it, and under DOTNET_ROOT (three levels up)
# what the tools' host loads: host, host/fxr and its versions, the shared framework's versions.
rt_add() {
	case "$NL$RTS" in *"$NL$1$NL"*) return ;; esac
	RTS=$RTS$1$NL
	perm_add /
	_a_p=
	_a_rest=${1#/}
	while [ -n "$_a_rest" ]; do
		_a_p=$_a_p/${_a_rest%%/*}
		case $_a_rest in */*) _a_rest=${_a_rest#*/} ;; *) _a_rest= ;; esac
		perm_add "$_a_p"
	done
	_a_root=${1%/*/*/*}
	[ -n "$_a_root" ] || return
	perm_add "$_a_root/host"
	perm_add "$_a_root/host/fxr"
	set +f
	for _a_v in "$_a_root"/host/fxr/* "$_a_root"/shared/Microsoft.NETCore.App/*; do
		[ -e "$_a_v" ] || [ -L "$_a_v" ] || continue
		case $_a_v in *"$NL"*) continue ;; esac
		perm_add "$_a_v"
		if [ -d "$_a_v" ] && [ ! -L "$_a_v" ]; then
			case "$NL$PDIRS" in *"$NL$_a_v$NL"*) ;; *) PDIRS=$PDIRS$_a_v$NL ;; esac
		fi
	done
	set -f
}

# perm_line LINE: a line of `ls -ldn` (mode, links, uid, gid, size, three date words, name) into a
# perm record, when the name is one of PERMS (a symbolic link's " -> target" is cut off).
perm_line() {
	_l_r=$1
	set -- $1
	[ $# -ge 9 ] || return
	_l_mode=$1 _l_uid=$3
	case $_l_uid in '' | *[!0-9]*) return ;; esac
	for _l_i in 1 2 3 4 5 6 7 8; do
		_l_r=${_l_r#"${_l_r%%[! ]*}"}
		case $_l_r in *" "*) _l_r=${_l_r#* } ;; *) return ;; esac
	done
	_l_r=${_l_r#"${_l_r%%[! ]*}"}
	case $_l_mode in l*) _l_r=${_l_r%% -> *} ;; esac
	case "$NL$PERMS" in *"$NL$_l_r$NL"*) rec perm "$_l_r" "$_l_mode" "$_l_uid" ;; esac
}

# permdir DIR: a permdir record: the owners (uids, at most 8) of DIR's entries that are not symbolic
# links, and whether any of them is writable by group or others (1/0).
permdir() {
	_d_dir=$1
	_d_out=$(ls -lnA -- "$1")
	_d_uids= _d_w=0 _d_n=0
	IFS=$NL
	for _d_l in $_d_out; do
		IFS=" $TAB$NL"
		set -- $_d_l
		[ $# -ge 3 ] || continue
		case $1 in [-dcbps]?????????*) ;; *) continue ;; esac
		case $3 in '' | *[!0-9]*) continue ;; esac
		case $1 in ?????w* | ????????w*) _d_w=1 ;; esac
		case " $_d_uids " in
		*" $3 "*) ;;
		*) [ "$_d_n" -lt 8 ] && _d_uids=${_d_uids:+$_d_uids }$3 && _d_n=$((_d_n + 1)) ;;
		esac
	done
	IFS=" $TAB$NL"
	rec permdir "$_d_dir" "$_d_uids" "$_d_w"
}

# maps_of PID FILE: maps_line for the lines of FILE that name a runtime or a loader, without grep.
# One cat and a split of its text: dash's `read` takes a byte per system call, which costs about
# 130 ms on the 100 KB maps of a .NET process, the split about 10.
maps_of() {
	if [ -n "$HAVE_CAT" ]; then
		_m_text=$(cat "$2") || return 0
		case $_m_text in */libcoreclr.so* | */ld-musl-* | */ld-linux*) ;; *) return 0 ;; esac
		IFS=$NL
		for _m_l in $_m_text; do
			case $_m_l in */libcoreclr.so* | */ld-musl-* | */ld-linux*) maps_line "$1" "$_m_l" ;; esac
		done
		IFS=" $TAB$NL"
		_m_text=
		return 0
	fi
	while IFS= read -r _m_l; do
		maps_line "$1" "$_m_l"
	done <"$2"
}

# One grep reads every maps file we may read; its output is split once (no prefix removal on the
# whole text: quadratic in dash). Without grep the shell reads the maps of each process itself.
if [ -n "$HAVE_GREP" ]; then
	set +f
	MAPS=$(grep -F -e /libcoreclr.so -e /ld-musl- -e /ld-linux /dev/null /proc/[0-9]*/maps)
	set -f
	IFS=$NL
	for l in $MAPS; do
		p=${l#/proc/}
		p=${p%%/*}
		case $p in '' | *[!0-9]*) continue ;; esac
		maps_line "$p" "${l#*:}"
	done
	IFS=" $TAB$NL"
	MAPS=
fi

sockets_in /tmp
case ${TMPDIR:-/tmp} in /tmp | /tmp/) ;; *) sockets_in "$TMPDIR" ;; esac

LIBC=
set +f
for d in /proc/[0-9]*; do
	set -f
	pid=${d#/proc/}
	case $pid in *[!0-9]*) continue ;; esac
	[ "$pid" = "$$" ] && continue
	acc=0
	IFS= read -r l <"$d/maps" && acc=1
	if [ "$acc" = 1 ] && [ -z "$HAVE_GREP" ]; then
		maps_of "$pid" "$d/maps"
	fi
	eval "clr=\${clr_$pid-} plibc=\${libc_$pid-} K=\${sock_$pid-}"
	is_net=0
	# Without libcoreclr.so in its maps (unreadable: another user; or a single-file or NativeAOT app)
	# a process still counts when it has a diagnostics socket in /tmp or our TMPDIR, or when it is
	# unreadable and runs the dotnet host (comm, or argv[0]: `read` stops at the first NUL in dash
	# and ash, bash drops NULs).
	if [ -n "$clr" ] || [ -n "$K" ]; then
		is_net=1
	elif [ "$acc" = 0 ]; then
		comm=
		IFS= read -r comm <"$d/comm"
		argv0=
		IFS= read -r argv0 <"$d/cmdline"
		case $comm in dotnet) is_net=1 ;; esac
		case $argv0 in dotnet* | */dotnet*) is_net=1 ;; esac
	fi
	[ "$is_net" = 1 ] || continue
	[ -n "$LIBC" ] || LIBC=$plibc

	read_status "$pid"
	[ -n "$S_UID" ] || continue
	rec proc "$pid" "$S_UID" "$S_RSS" "$S_NAME"
	[ -n "$S_GID" ] && rec pgid "$pid" "$S_GID"
	if nul_file "$d/cmdline" " "; then
		rec pcmd "$pid" "$N"
	fi
	# Another container's process (an ephemeral debug container shares the app's pids, not its
	# files): its own files are under /proc/PID/root/.
	other=0
	[ "$d/ns/mnt" -ef "/proc/$$/ns/mnt" ] || other=1
	if [ "$other" = 1 ] && [ -r "$d/root/etc/passwd" ]; then
		user_of "$S_UID" "$d/root/etc/passwd"
	else
		user_of "$S_UID"
	fi
	[ -n "$U" ] && rec puser "$pid" "$U"

	diag=1
	ptmp=/tmp
	if [ "$acc" = 1 ] && nul_file "$d/environ" env; then
		env_scan
		[ -n "${E_TMPDIR-}" ] && ptmp=$E_TMPDIR
		rec ptmpdir "$pid" "$ptmp"
		[ -n "${E_DIAG+x}" ] && is_zero "$E_DIAG" && diag=0
		[ -n "${E_IPC+x}" ] && is_zero "$E_IPC" && diag=0
	else
		acc=0
	fi
	# The socket lives in the process's TMPDIR; when its environ is closed to us, take what the
	# scan of /tmp and our TMPDIR found.
	eval "K=\${sock_$pid-} n=\${socks_$pid-}"
	if [ "$acc" = 1 ]; then
		if [ -n "$n" ] || [ "${K%/*}" != "${ptmp%/}" ]; then
			find_socket "$pid" "$ptmp"
		fi
	elif [ -n "$n" ]; then
		find_socket "$pid" "${K%/*}"
	fi
	if [ -z "$K" ] && [ "$other" = 1 ] && [ "$acc" = 1 ]; then
		find_socket "$pid" "$d/root${ptmp%/}"
		[ -n "$K" ] || find_cut "$pid" "$d/root${ptmp%/}"
	fi
	[ -n "$K" ] && rec psock "$pid" "$K" && perm_add "$K"
	if [ -n "$clr" ]; then
		rdir=${clr%/*}
		ver=${rdir##*/}
		case $rdir in
		*/shared/Microsoft.NETCore.App/"$ver") ;;
		*) ver= ;;
		esac
		case $ver in
		[0-9]*.[0-9]*.[0-9]*) ;;
		*) ver= ;;
		esac
		rec pruntime "$pid" "$rdir" "$ver"
		[ -n "$ver" ] && rt_add "$rdir"
	fi
	rec pdiag "$pid" "$diag"
	rec paccess "$pid" "$acc"
done
set -f

# One ls for every perm path (in sorted order, with its name: matched, not counted), one per
# directory to sum up. Without ls there are none: the C side then trusts nothing it would load.
if [ -n "$HAVE_LS" ] && [ -n "$PERMS" ]; then
	set --
	IFS=$NL
	for p in $PERMS; do
		set -- "$@" "$p"
	done
	LS=$(ls -ldn -- "$@")
	for l in $LS; do
		IFS=" $TAB$NL"
		perm_line "$l"
		IFS=$NL
	done
	for d in $PDIRS; do
		IFS=" $TAB$NL"
		permdir "$d"
		IFS=$NL
	done
	IFS=" $TAB$NL"
fi

# libc: that of the first .NET runtime seen, else the loader of this shell, else the files present
# (an Alpine image with gcompat has ld-linux too, a Debian one with the musl package has ld-musl).
if [ -z "$LIBC" ]; then
	L=
	while IFS= read -r l; do
		libc_of_line "$l"
		[ -n "$L" ] && break
	done <"/proc/$$/maps"
	LIBC=$L
fi
if [ -z "$LIBC" ]; then
	set +f
	musl=0 glibc=0 libc6=0
	for f in /lib/ld-musl-*.so.1; do
		[ -e "$f" ] && musl=1
	done
	for f in /lib*/ld-linux*.so* /lib/*/ld-linux*.so*; do
		[ -e "$f" ] && glibc=1
	done
	for f in /lib*/libc.so.6 /lib/*/libc.so.6 /usr/lib*/libc.so.6 /usr/lib/*/libc.so.6; do
		[ -e "$f" ] && libc6=1
	done
	set -f
	LIBC=unknown
	if [ "$musl" = 1 ] && [ "$libc6" = 0 ]; then
		LIBC=musl
	elif [ "$glibc" = 1 ] || [ "$libc6" = 1 ]; then
		LIBC=glibc
	fi
fi
rec libc "$LIBC"
rec end
