# push.sh - receive one file into the workspace. Decisions: include/push.h.
# Usage: sh -c "$push_sh" dotnetprof WS RUNID MODE SIZE INLEN HASHCMD WANT DEST PERM LINE
#   MODE    raw | base64 (stdin carries INLEN bytes, decoded to SIZE bytes) | check (read nothing:
#           report what DEST holds)
#   HASHCMD sha256sum | md5sum | cksum | - (size only); WANT its expected output ("CRC LEN" for cksum)
#   DEST    path relative to WS; PERM its octal mode; LINE its manifest line (already escaped)
# Exactly INLEN bytes are read (head -c, else dd iflag=fullblock; only without both does it read to
# EOF with cat), so the end of stdin never has to reach the pod. The data goes to a temp file in the
# run's directory (listed in the manifest since the run began); it is renamed to DEST only after its
# size and hash match.
# Output, last line: "ok<TAB>HASH<TAB>SIZE" | "have<TAB>SIZE<TAB>HASH" | "none" |
# "bad<TAB>size|hash<TAB>GOT" | "fail<TAB>WHY"; exit 0 for ok/have/none, 3 otherwise.

# @include lib/wslib.sh

WS=$1 RUNID=$2 MODE=$3 SIZE=$4 INLEN=$5 HASHCMD=$6 WANT=$7 DEST=$8 PERM=$9
shift 9
LINE=$1

fail() {
	rec fail "$1"
	exit 3
}

# phash FILE: H = what HASHCMD prints for FILE ("" for size only): wslib's hash_of.
phash() {
	hash_of "$HASHCMD" "$1" || return 1
	[ "$H" != - ] || H=
}

ws_check "$WS" || fail "workspace $WS: $WHY"
ws_rel_ok "$DEST" || fail "refusing destination \"$DEST\": not a plain path inside the workspace"
target=$WS/$DEST

if [ "$MODE" = check ]; then
	if [ -f "$target" ] && [ ! -L "$target" ] && size_of "$target" && phash "$target"; then
		rec have "$S" "$H"
	else
		echo none
	fi
	exit 0
fi

run=$WS/runs/$RUNID
[ -d "$run" ] && [ ! -L "$run" ] || fail "the run directory $run is missing"
tmp=$run/.push.$$
trap 'rm -f -- "$tmp"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM
set -C
: >"$tmp" || fail "cannot create $tmp"
set +C

# reader: copy exactly INLEN bytes of stdin to stdout.
if head -c 0 </dev/null >/dev/null 2>&1; then
	reader() { head -c "$INLEN"; }
elif dd iflag=fullblock,count_bytes count=0 </dev/null >/dev/null 2>&1; then
	reader() { dd bs=65536 iflag=fullblock,count_bytes count="$INLEN" 2>/dev/null; }
else
	reader() { cat; }
fi
case $MODE in
raw) reader >>"$tmp" || fail "writing $tmp failed" ;;
base64)
	command -v base64 >/dev/null || fail "base64 is not available in the container"
	# what arrived is not base64: altered on the way, as a hash that differs
	if ! reader | base64 -d >>"$tmp"; then
		rec bad base64 -
		exit 3
	fi
	;;
*) fail "unknown mode $MODE" ;;
esac

size_of "$tmp" || fail "cannot read the size of $tmp"
if [ "$S" != "$SIZE" ]; then
	rec bad size "$S"
	exit 3
fi
phash "$tmp" || fail "$HASHCMD failed on $tmp"
if [ "$H" != "$WANT" ]; then
	rec bad hash "$H"
	exit 3
fi
[ -d "$target" ] && fail "$target is a directory"
chmod "$PERM" "$tmp" || fail "chmod $PERM failed"
ws_append "$LINE" || fail "cannot write $WS/manifest"
mv -f -- "$tmp" "$target" || fail "cannot rename into $target"
rec ok "$H" "$S"
exit 0
