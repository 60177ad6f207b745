/*
 * agentbin.c - look up the embedded dotnetprof-agent binaries (see agentbin.h); the table itself is
 * generated at build time from build/agent/ARCH/dotnetprof-agent.
 */
#include "agentbin.h"

#include <errno.h>
#include <string.h>

const struct agentbin *agentbin_for_arch(const char *arch)
{
	size_t i;

	for (i = 0; arch != NULL && i < agentbin_table_len; i++)
		if (strcmp(agentbin_table[i].arch, arch) == 0)
			return &agentbin_table[i];
	errno = ENOENT;
	return NULL;
}

const struct agentbin *agentbin_for_rid(const char *rid)
{
	const char *arch;

	if (rid == NULL || strncmp(rid, "linux-", 6) != 0) {
		errno = ENOENT;
		return NULL;
	}
	arch = strrchr(rid, '-') + 1;
	/* linux-ARCH or linux-musl-ARCH: nothing else */
	if (arch != rid + 6 && !(arch == rid + 11 && strncmp(rid + 6, "musl-", 5) == 0)) {
		errno = ENOENT;
		return NULL;
	}
	return agentbin_for_arch(arch);
}

size_t agentbin_count(void)
{
	return agentbin_table_len;
}

const struct agentbin *agentbin_at(size_t i)
{
	return i < agentbin_table_len ? &agentbin_table[i] : NULL;
}
