# pull_stream.sh - the "stream" exec of a pull; see include/pullstream.h. Args: PATH OFFSET +N READER ENC
f=$1 off=$2 tailarg=$3 reader=$4 enc=$5
src() {
	case $reader in
	cat) cat ;;
	tail) tail -c "$tailarg" ;;
	dd) dd bs=65536 skip="$off" iflag=skip_bytes 2>/dev/null ;;
	*) echo "dotnetprof: unknown reader $reader" >&2; exit 2 ;;
	esac
}
case $enc in
raw) src <"$f" ;;
base64) src <"$f" | base64 ;;
gzip) src <"$f" | gzip -c -1 ;;
gzip64) src <"$f" | gzip -c -1 | base64 ;;
*) echo "dotnetprof: unknown encoding $enc" >&2; exit 2 ;;
esac
