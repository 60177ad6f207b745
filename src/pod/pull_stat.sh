# pull_stat.sh - the "stat" exec of a pull; protocol in include/pullstat.h. Args: PATH SAMPLE HASHES
f=$1 sample=$2 hashes=$3
say() { printf '%s\t%s\n' "$1" "$2"; }
have() { command -v "$1" >/dev/null 2>&1; }
# @include lib/sha.sh
say dotnetprof-stat 1
sha256_pick
# "cmd sha256sum": the pod can compute SHA-256 (sha256sum or openssl); "sha256tool" names which
[ -n "$SHA256_TOOL" ] && say cmd sha256sum && say sha256tool "$SHA256_TOOL"
for c in md5sum cksum base64 gzip head tail dd wc stat; do
	have "$c" && say cmd "$c"
done
if [ -d "$f" ]; then say error isdir; exit 0; fi
if [ ! -e "$f" ]; then say error noent; exit 0; fi
if [ ! -f "$f" ]; then say error notreg; exit 0; fi
if ! { : <"$f"; } 2>/dev/null; then say error noperm; exit 0; fi
size() {
	if have stat; then stat -L -c %s -- "$f"; else wc -c <"$f"; fi
}
say size "$(size)"
if [ "$sample" = 1 ] && have gzip && have head && have wc; then
	say sample "$(head -c 1048576 <"$f" | wc -c) $(head -c 1048576 <"$f" | gzip -c -1 | wc -c)"
fi
say ready 1
for h in $hashes; do
	case $h in
	sha256sum) [ -n "$SHA256_TOOL" ] || continue; run=sha256_stdin ;;
	*) have "$h" || continue; run=$h ;;
	esac
	printf 'hash\t%s\t' "$h"
	"$run" <"$f" || printf '\n'
	break
done
say size2 "$(size)"
say end 1
