/*
 * fuzz_pullstat.c - libFuzzer target for pull_stat_parse: whatever a hostile pod prints as the stat
 * report must parse or fail cleanly, never crash or read out of bounds, and a parsed report must be
 * consistent (a hash value that fits and is terminated, a known hash kind). Seed corpus:
 * tests/fuzz/corpus/fuzz_pullstat/.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pullstat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pull_stat st;
	char err[128];
	size_t n;

	if (pull_stat_parse((const char *)data, size, &st, err, sizeof(err)) == 0) {
		n = strnlen(st.hash_hex, sizeof(st.hash_hex));
		if (n == sizeof(st.hash_hex) || (st.hash == DIGEST_NONE && n != 0))
			__builtin_trap();
		if (st.hash != DIGEST_NONE && st.hash != DIGEST_SHA256 && st.hash != DIGEST_MD5 &&
		    st.hash != DIGEST_CKSUM)
			__builtin_trap();
		if (strnlen(st.sha256_tool, sizeof(st.sha256_tool)) == sizeof(st.sha256_tool))
			__builtin_trap();
		if (st.error < PULL_STAT_OK || st.error > PULL_STAT_NOPERM)
			__builtin_trap();
	} else if (memchr(err, '\0', sizeof(err)) == NULL) {
		__builtin_trap();
	}
	return 0;
}
