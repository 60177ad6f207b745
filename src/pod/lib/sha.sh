# sha.sh - the pod's fastest SHA-256 and SHA-512: `openssl dgst -sha256|-sha512 -r` when the pod has a
# working openssl (it uses the CPU's SHA instructions: about 3x coreutils' sha256sum on x86-64 and
# arm64; Debian-based images have it because ca-certificates depends on openssl), else sha256sum /
# sha512sum. Same algorithm either way; only the speed differs. Not run alone: scripts/embed.sh puts
# it where a script says `# @include lib/sha.sh`.

# sha_pick BITS (256 or 512): T = openssl, shaBITSsum or "" (none). Checks openssl against the known
# digest of no bytes, so a stub, a FIPS build without the algorithm or a broken library is passed over.
sha_pick() {
	T=
	case $1 in
	256) _e=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 ;;
	512) _e=cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e ;;
	*) return 1 ;;
	esac
	if command -v openssl >/dev/null 2>&1; then
		set -- "$1" $(openssl dgst -sha"$1" -r </dev/null 2>/dev/null)
		if [ "${2-}" = "$_e" ]; then
			T=openssl
			return 0
		fi
	fi
	if command -v "sha$1sum" >/dev/null 2>&1; then T=sha$1sum; fi
}

# sha_stdin BITS TOOL: the SHA-BITS of stdin with TOOL (from sha_pick), first field lowercase hex
# ("HEX *stdin" or "HEX  -").
sha_stdin() {
	if [ "$2" = openssl ]; then openssl dgst -sha"$1" -r; else "$2"; fi
}

# sha256_pick / sha512_pick: SHA256_TOOL / SHA512_TOOL = sha_pick's choice.
sha256_pick() {
	sha_pick 256
	SHA256_TOOL=$T
}
sha512_pick() {
	sha_pick 512
	SHA512_TOOL=$T
}

# sha256_stdin: the SHA-256 of stdin with SHA256_TOOL (sha256_pick first).
sha256_stdin() {
	sha_stdin 256 "$SHA256_TOOL"
}
