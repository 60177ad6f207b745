/*
 * fuzz_agentrec.c - libFuzzer target for agentrec_parse and agentrec_trailer: whatever an agent (or
 * something in a pod pretending to be one) prints must parse or fail cleanly, never crash, leak or
 * read out of bounds. Seed corpus: tests/fuzz/corpus/fuzz_agentrec (records the real agent printed).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "agentrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agentrec r;
	struct agentrec_trailer t;
	size_t i;

	if (agentrec_parse((const char *)data, size, &r) == 0) {
		if (r.type == NULL || strlen(r.type) == 0)
			__builtin_trap();
		for (i = 0; i < r.nfields; i++) {
			if (agentrec_get(&r, r.fields[i].key) == NULL)
				__builtin_trap();
			(void)strlen(r.fields[i].value);
		}
		if (agentrec_trailer(&r, &t) == 0 && strlen(t.sha256) != 64)
			__builtin_trap();
	}
	agentrec_release(&r);
	return 0;
}
