# pull.sh - a pull's exec: what the file is (the stat records), its hash, and its bytes, in one exec
# or apart. Protocol: include/pullstat.h (records), include/pullstream.h (the stream).
#
# sh -c "$pull_sh" dotnetprof MODE PATH SAMPLE HASHES OFFSET +N READER ENC
#   MODE stat:   the records on stdout, the hash last (the stat exec: nothing streamed)
#        stream: the bytes on stdout, nothing else
#        both:   the bytes on stdout, the records on stderr, the hash computed alongside
#   SAMPLE 1: "sample" (the first MiB through gzip -1) when the file is at least 4 MiB
#   HASHES hash commands to try, best first ("sha256sum md5sum cksum"); "" for no hash
#   OFFSET the first byte; READER cat | tail (tail -c +N) | dd (dd skip=OFFSET iflag=skip_bytes)
#   ENC raw | base64 | gzip (gzip -c -1) | gzip64 (gzip -c -1 | base64)
# PATH is only ever used as "$f" in < redirections and `stat -- "$f"`.
mode=$1 f=$2 sample=$3 hashes=$4 off=$5 tailarg=$6 reader=$7 enc=$8
say() { printf '%s\t%s\n' "$1" "$2"; }
have() { command -v "$1" >/dev/null 2>&1; }
# @include lib/sha.sh

size() {
	if have stat; then stat -L -c %s -- "$f"; else wc -c <"$f"; fi
}

# records: the stat records up to "ready"; 1 when the file cannot be read (an "error" record said why).
records() {
	say dotnetprof-stat 1
	sha256_pick
	# "cmd sha256sum": the pod can compute SHA-256 (sha256sum or openssl); "sha256tool" names which
	[ -n "$SHA256_TOOL" ] && say cmd sha256sum && say sha256tool "$SHA256_TOOL"
	for c in md5sum cksum base64 gzip head tail dd wc stat; do
		have "$c" && say cmd "$c"
	done
	if [ -d "$f" ]; then say error isdir; return 1; fi
	if [ ! -e "$f" ]; then say error noent; return 1; fi
	if [ ! -f "$f" ]; then say error notreg; return 1; fi
	if ! { : <"$f"; } 2>/dev/null; then say error noperm; return 1; fi
	_size=$(size)
	say size "$_size"
	if [ "$sample" = 1 ] && [ "${_size:-0}" -ge 4194304 ] && have gzip && have head && have wc; then
		say sample "$(head -c 1048576 <"$f" | wc -c) $(head -c 1048576 <"$f" | gzip -c -1 | wc -c)"
	fi
	say ready 1
}

# hash_records: "hash TOOL OUTPUT" with the first of HASHES the pod has, "size2 N", "end 1".
hash_records() {
	for h in $hashes; do
		case $h in
		sha256sum) [ -n "$SHA256_TOOL" ] || continue; run=sha256_stdin ;;
		*) have "$h" || continue; run=$h ;;
		esac
		# one write when it is known: a cut mid-hash leaves no half record for kubectl to end
		_out=$("$run" <"$f") || _out=
		[ -n "$_out" ] && printf 'hash\t%s\t%s\n' "$h" "$_out"
		break
	done
	say size2 "$(size)"
	say end 1
}

src() {
	case $reader in
	cat) cat ;;
	tail) tail -c "$tailarg" ;;
	dd) dd bs=65536 skip="$off" iflag=skip_bytes 2>/dev/null ;;
	*) echo "dotnetprof: unknown reader $reader" >&2; exit 2 ;;
	esac
}

stream() {
	case $enc in
	raw) src <"$f" ;;
	base64) src <"$f" | base64 ;;
	gzip) src <"$f" | gzip -c -1 ;;
	gzip64) src <"$f" | gzip -c -1 | base64 ;;
	*) echo "dotnetprof: unknown encoding $enc" >&2; exit 2 ;;
	esac
}

case $mode in
stat)
	records || exit 0
	hash_records
	;;
stream)
	stream
	;;
both)
	records >&2 || exit 0
	# the pod hashes while it streams: a core to spare makes it free
	hash_records >&2 &
	stream
	rc=$?
	wait
	exit "$rc"
	;;
*)
	echo "dotnetprof: unknown mode $mode" >&2
	exit 2
	;;
esac
