# poddl.sh - a diagnostics tool downloaded inside the pod, and the check of a copy downloaded
# earlier. Decisions: include/provision.h.
# Usage: sh -c "$poddl_sh" dotnetprof check WS NAME EXPECT
#        sh -c "$poddl_sh" dotnetprof download WS NAME RUNID RID URL HASHCMD MINSIZE EXPECT MAXSIZE MAXTIME
#   NAME     dotnet-TOOL: the tool is WS/tools/NAME, its sidecar WS/tools/NAME.sum holds
#            "HASHCMD<TAB>HASH<TAB>SIZE<TAB>URL" (HASH "-" for size only, URL escaped as rec does)
#   HASHCMD  sha512sum | sha256sum | md5sum | cksum | - (size only): what the .sum records
#   EXPECT   the SHA-512 (lowercase hex) the tool must have, known where the plugin runs (a mirror's
#            SHA512SUMS, or its local cache); "-" when nothing is known there
#   MAXSIZE  bytes the download may not exceed; MAXTIME seconds it may take (curl; wget: MAXTIME)
# Reports fit push_parse_report (push.h): a kind and at most three fields.
# check: with EXPECT, "have<TAB>sha512sum<TAB>HASH<TAB>SIZE" when the copy's SHA-512 (computed now)
#        is EXPECT; without, when the copy still has the size and hash its .sum recorded (hashed
#        again with the recorded HASHCMD); else "none<TAB>WHY"; exit 0.
# download: curl (else wget) into runs/RUNID/.dl.PID; checks the size (MINSIZE to MAXSIZE), the ELF
#        magic, the class and machine for RID (when od, or head and tail, can read single bytes); with
#        EXPECT, its SHA-512 must be EXPECT, else it is deleted ("mismatch"; "nohash" when the pod
#        cannot compute SHA-512: neither sha512sum nor a working openssl); records the .sum;
#        appends both manifest lines, then chmod 700 and rename into tools/ (a run using the old copy
#        keeps its inode). "ok<TAB>curl|wget<TAB>HASH<TAB>SIZE", exit 0; or
#        "fail<TAB>CATEGORY<TAB>MESSAGE", exit 3, CATEGORY one of unreachable http timeout partial
#        toobig notelf arch small mismatch nohash space nocmd other (MESSAGE is the downloader's own
#        last line where it has one; for mismatch, the SHA-512 the file had).
# curl is told to follow redirects only to https when URL is https (never to another scheme), to stop
# beyond MAXSIZE and after MAXTIME seconds.

# @include lib/wslib.sh

fail() {
	rec fail "$1" "$2"
	exit 3
}

MODE=$1 WS=$2 NAME=$3
if [ "$MODE" = check ]; then
	EXPECT=${4:--}
else
	RUNID=${4-} RID=${5-} URL=${6-} HASHCMD=${7-} MINSIZE=${8-} EXPECT=${9:--}
	MAXSIZE=${10-} MAXTIME=${11-}
fi
case $EXPECT in
-) ;;
*[!0-9a-f]*) fail other "bad expected sha512 \"$EXPECT\"" ;;
*) [ ${#EXPECT} = 128 ] || fail other "bad expected sha512 \"$EXPECT\"" ;;
esac

# last_line FILE: L = its last non-empty line.
last_line() {
	L=
	while IFS= read -r _l || [ -n "$_l" ]; do
		[ -n "$_l" ] && L=$_l
		_l=
	done <"$1"
}

case $NAME in
dotnet-*[!a-z0-9-]* | dotnet-) fail other "bad tool name \"$NAME\"" ;;
dotnet-*) ;;
*) fail other "bad tool name \"$NAME\"" ;;
esac
tool=$WS/tools/$NAME

check() {
	if [ ! -f "$tool" ] || [ -L "$tool" ]; then
		rec none "no copy of $NAME in the pod"
		exit 0
	fi
	if [ "$EXPECT" != - ]; then
		if ! size_of "$tool" || ! hash_of sha512sum "$tool"; then
			rec none "the pod cannot compute the SHA-512 of its copy"
		elif [ "$H" != "$EXPECT" ]; then
			rec none "the copy in the pod has sha512 $H, not the expected one"
		else
			rec have sha512sum "$H" "$S"
		fi
		exit 0
	fi
	c= h= s= u= S=
	if [ ! -f "$tool.sum" ] || [ -L "$tool.sum" ] ||
		! { IFS=$TAB read -r c h s u <"$tool.sum" || [ -n "$c" ]; }; then
		rec none "the copy in the pod has no $NAME.sum (it was pushed, or its download was cut short)"
		exit 0
	fi
	if ! size_of "$tool" || [ "$S" != "$s" ]; then
		rec none "the copy in the pod has ${S:-an unknown number of} bytes, its .sum says $s"
		exit 0
	fi
	if ! hash_of "$c" "$tool" || [ "$H" != "$h" ]; then
		rec none "the copy in the pod no longer matches its .sum ($c)"
		exit 0
	fi
	rec have "$c" "$h" "$s"
	exit 0
}

# byte_at OFF: B = the decimal value of the byte at offset OFF of $tmp; empty when the pod has no
# way to read it (od, else head and tail) or it is a NUL or newline.
byte_at() {
	B=
	if command -v od >/dev/null; then
		set -- $(od -An -tu1 -j "$1" -N 1 "$tmp" 2>/dev/null)
		B=${1-}
	elif command -v head >/dev/null && command -v tail >/dev/null; then
		_c=$(head -c "$(($1 + 1))" "$tmp" | tail -c 1)
		[ -n "$_c" ] && B=$(printf '%d' "'$_c")
	fi
	case $B in *[!0-9]*) B= ;; esac
}

# can_read_bytes: can byte_at tell anything here?
can_read_bytes() {
	command -v od >/dev/null || { command -v head >/dev/null && command -v tail >/dev/null; }
}

# elf_check: is $tmp an ELF file for $RID (magic, then class, byte order and machine)?
elf_check() {
	can_read_bytes || return 0
	byte_at 0
	[ "$B" = 60 ] && fail notelf "the server sent a text page starting with '<' (HTML?), not the tool"
	_magic=$B
	for _o in 1 2 3; do
		byte_at "$_o"
		_magic="$_magic $B"
	done
	[ "$_magic" = "127 69 76 70" ] || fail notelf "the server sent a file that is not an executable (first bytes $_magic, not 127 69 76 70: ELF)"
	case $RID in
	*-x64) _class=2 _mach=62 _arch=x64 ;;
	*-arm64) _class=2 _mach=183 _arch=arm64 ;;
	*-arm) _class=1 _mach=40 _arch=arm ;;
	*) return 0 ;;
	esac
	byte_at 4
	_got=$B
	byte_at 5
	_got="$_got $B"
	byte_at 18
	_got="$_got $B"
	[ "$_got" = "$_class 1 $_mach" ] || fail arch "the server sent an executable for another machine (ELF class, byte order, machine: $_got; $_arch needs $_class 1 $_mach)"
}

# run_wget: wget URL into $tmp without a hang, bounded by WGET_MAX (MAXTIME) seconds as a whole:
# `timeout` where the pod has it, else a watchdog (status 124 either way); plus -T 30 where this wget
# has it: Debian's busybox before 1.36.1-5 was built without it (and crashes on -T).
run_wget() {
	WGET_MAX=$MAXTIME
	set -- wget -q -O "$tmp" "$URL"
	case $(wget --help 2>&1) in
	*"-T "* | *--timeout*) set -- wget -q -T 30 -O "$tmp" "$URL" ;;
	esac
	if command -v timeout >/dev/null; then
		timeout "$WGET_MAX" "$@"
		_rc=$?
		[ "$_rc" = 143 ] && _rc=124 # busybox timeout: killed by SIGTERM
		return "$_rc"
	fi
	"$@" &
	_w=$!
	# The watchdog counts seconds with short sleeps, so that the TERM which ends it needs no trap
	# of its own (a trap that kills a long sleep races with starting it: the sleep is left
	# behind). It is forked without our traps: a TERM that comes before a child has reset the
	# traps it inherited would run them there (bash runs the EXIT trap, which removes $tmp; dash
	# loses the signal). What the TERM leaves is one `sleep 1`.
	trap - EXIT TERM
	(
		_i=0
		while [ "$_i" -lt "$WGET_MAX" ]; do
			sleep 1
			_i=$((_i + 1))
		done
		kill "$_w" && : >"$tmp.timeout"
	) </dev/null >/dev/null 2>&1 &
	_k=$!
	dl_traps
	wait "$_w"
	_rc=$?
	kill "$_k" 2>/dev/null
	[ -e "$tmp.timeout" ] && rm -f -- "$tmp.timeout" && _rc=124
	return "$_rc"
}

# fetch: download URL into $tmp with curl, else wget. DL = the one used.
fetch() {
	if command -v curl >/dev/null; then
		DL=curl
		case $URL in
		https://*) _redir='=https' ;;
		*) _redir='=http,https' ;;
		esac
		curl -fsSL -S --proto '=http,https' --proto-redir "$_redir" --max-filesize "$MAXSIZE" \
			--max-time "$MAXTIME" --connect-timeout 15 --speed-limit 1024 --speed-time 30 \
			-o "$tmp" "$URL" 2>"$err" && return 0
		rc=$?
		last_line "$err"
		case $rc in
		22 | 47) cat=http ;;
		18) cat=partial ;;
		28) cat=timeout ;;
		23) cat=space ;;
		63) cat=toobig ;;
		1) cat=insecure ;; # unsupported protocol: a redirect from https to http
		*) cat=unreachable ;;
		esac
	elif command -v wget >/dev/null; then
		DL=wget
		run_wget 2>"$err" && return 0
		rc=$?
		last_line "$err"
		[ "$rc" = 124 ] && L="no answer within $WGET_MAX seconds"
		case $L in
		*"No space left"* | *"write error"*) cat=space ;;
		*"timed out"* | "no answer within"*) cat=timeout ;;
		*"closed prematurely"* | *"short read"*) cat=partial ;;
		*"server returned error"* | *"ERROR 4"* | *"ERROR 5"*) cat=http ;;
		*)
			case $rc in
			3) cat=space ;;
			8) cat=http ;;
			*) cat=unreachable ;;
			esac
			;;
		esac
	else
		fail nocmd "the container has neither curl nor wget"
	fi
	fail "$cat" "${L:-$DL exited with status $rc}"
}

# dl_traps: on exit (a TERM included) the download's temp files go.
dl_traps() {
	trap 'rm -f -- "$tmp" "$tmp.timeout" "$err" "$sum"' EXIT
	trap 'exit 143' TERM
}

download() {
	ws_check "$WS" || fail other "workspace $WS: $WHY"
	run=$WS/runs/$RUNID
	[ -d "$run" ] && [ ! -L "$run" ] || fail other "the run directory $run is missing"
	[ -d "$WS/tools" ] && [ ! -L "$WS/tools" ] || fail other "$WS/tools is not a directory"
	case $MINSIZE$MAXSIZE$MAXTIME in '' | *[!0-9]*) fail other "bad size or time limits \"$MINSIZE\" \"$MAXSIZE\" \"$MAXTIME\"" ;; esac
	tmp=$run/.dl.$$
	err=$run/.dl.$$.err
	sum=$run/.dl.$$.sum
	dl_traps
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 141' PIPE
	fetch
	size_of "$tmp" || fail other "cannot read the size of $tmp"
	size=$S
	[ "$size" -le "$MAXSIZE" ] || fail toobig "the server sent $size bytes; a tool is at most $MAXSIZE"
	elf_check
	[ "$size" -ge "$MINSIZE" ] || fail small "the server sent only $size bytes; the tool is larger than $MINSIZE"
	if [ "$EXPECT" != - ]; then
		# what runs is only what its SHA-512 says it is; a mismatch is deleted (the EXIT trap)
		hash_of sha512sum "$tmp" || fail nohash "the pod has neither sha512sum nor a working openssl"
		[ "$H" = "$EXPECT" ] || fail mismatch "$H"
		HASHCMD=sha512sum
	else
		hash_of "$HASHCMD" "$tmp" || fail other "$HASHCMD failed on $tmp"
	fi
	esc "$URL"
	printf '%s\t%s\t%s\t%s\n' "$HASHCMD" "$H" "$size" "$E" >"$sum" ||
		fail space "cannot write $sum"
	size_of "$sum" || fail other "cannot read the size of $sum"
	ws_append "$RUNID${TAB}tool${TAB}tools/$NAME${TAB}$size" || fail space "cannot write $WS/manifest"
	ws_append "$RUNID${TAB}tool${TAB}tools/$NAME.sum${TAB}$S" || fail space "cannot write $WS/manifest"
	chmod 700 "$tmp" || fail other "chmod 700 $tmp failed"
	[ -d "$tool" ] && fail other "$tool is a directory"
	mv -f -- "$tmp" "$tool" || fail other "cannot rename $tmp into $tool"
	mv -f -- "$sum" "$tool.sum" || fail other "cannot rename $sum into $tool.sum"
	rec ok "$DL" "$H" "$size"
	exit 0
}

case $MODE in
check) check ;;
download) download ;;
*) fail other "unknown mode $MODE" ;;
esac
