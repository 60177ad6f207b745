/*
 * fuzz_agent_reply.c - libFuzzer target for the agent's reply parser (agent/ipc.c): whatever a
 * runtime, or something pretending to be one on a diagnostics socket, answers must parse or fail
 * cleanly, never crash, leak or read out of bounds. Seed corpus: tests/fuzz/corpus/fuzz_agent_reply
 * (the real replies of tests/fixtures/ipc/, as bytes).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const char *s)
{
	if (s != NULL && strlen(s) > 4 * IPC_MAX_MESSAGE)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t ids[] = { IPC_PROCESS_INFO, IPC_PROCESS_INFO2, IPC_PROCESS_INFO3 };
	struct ipc_header h;
	struct ipc_reply r;
	struct ipc_process_info pi;
	uint64_t session;
	uint32_t hr;
	size_t i, off = 0;
	char *msg;

	if (size >= IPC_HEADER_SIZE && ipc_parse_header(data, &h) == 0 && h.size < IPC_HEADER_SIZE)
		__builtin_trap();
	if (ipc_parse_reply(data, size, &r) == 0) {
		if (r.payload + r.payload_len != data + size)
			__builtin_trap();
		(void)ipc_parse_session(&r, &session);
		if (ipc_parse_hresult(&r, &hr, &msg) == 0) {
			walk(msg);
			free(msg);
		}
		for (i = 0; i < sizeof(ids); i++) {
			if (ipc_parse_process_info(&r, ids[i], &pi) == 0) {
				walk(pi.cmdline);
				walk(pi.os);
				walk(pi.arch);
				walk(pi.entrypoint);
				walk(pi.runtime_version);
				walk(pi.rid);
				ipc_process_info_release(&pi);
			} else if (pi.cmdline != NULL || pi.os != NULL || pi.rid != NULL) {
				__builtin_trap(); /* a failed parse leaves nothing behind */
			}
		}
	}
	/* strings anywhere in the bytes */
	while (off < size) {
		size_t before = off;

		if (ipc_get_string(data, size, &off, &msg) < 0)
			break;
		walk(msg);
		free(msg);
		if (off <= before || off > size)
			__builtin_trap();
	}
	return 0;
}
