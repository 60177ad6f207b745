# sha256.sh - the pod's fastest SHA-256: `openssl dgst -sha256 -r` when the pod has a working openssl
# (it uses the CPU's SHA instructions: about 3x coreutils' sha256sum on x86-64 and arm64; Debian-based
# images have it because ca-certificates depends on openssl), else sha256sum. Same algorithm either
# way; only the speed differs. Not run alone: scripts/embed.sh puts it where a script says
# `# @include lib/sha256.sh`.

# sha256_pick: SHA256_TOOL = openssl, sha256sum or "" (none). Checks openssl against the known digest
# of no bytes, so a stub, a FIPS build without SHA-256 or a broken library is passed over.
sha256_pick() {
	SHA256_TOOL=
	if command -v openssl >/dev/null 2>&1; then
		set -- $(openssl dgst -sha256 -r </dev/null 2>/dev/null)
		if [ "${1-}" = e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 ]; then
			SHA256_TOOL=openssl
			return 0
		fi
	fi
	if command -v sha256sum >/dev/null 2>&1; then SHA256_TOOL=sha256sum; fi
}

# sha256_stdin: the SHA-256 of stdin, first field lowercase hex ("HEX *stdin" or "HEX  -"), with
# SHA256_TOOL (sha256_pick first).
sha256_stdin() {
	if [ "$SHA256_TOOL" = openssl ]; then openssl dgst -sha256 -r; else sha256sum; fi
}
