/*
 * fuzz_probe.c - libFuzzer target for probe_parse: any bytes from a hostile pod must parse or fail
 * cleanly, never crash, leak or read out of bounds. Seed corpus: tests/fixtures/probe/.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe p;
	char err[128];
	size_t i;

	probe_init(&p);
	if (probe_parse((const char *)data, size, &p, err, sizeof(err)) == 0) {
		/* walk what was parsed so the sanitizers see every pointer used */
		for (i = 0; i < p.nprocs; i++) {
			const struct probe_proc *pr = &p.procs[i];

			if (probe_find_pid(&p, pr->pid) != pr)
				__builtin_trap();
			(void)probe_diag_name(probe_proc_diag(&p, pr));
			(void)strlen(pr->name);
			if (pr->runtime_version != NULL && pr->runtime_dir == NULL)
				__builtin_trap();
		}
		for (i = 0; i < p.ndirs; i++)
			(void)strlen(p.dirs[i].path);
		if (p.arch == NULL)
			__builtin_trap();
	} else if (memchr(err, '\0', sizeof(err)) == NULL || p.procs != NULL || p.arch != NULL) {
		__builtin_trap();
	}
	probe_release(&p);
	return 0;
}
