/*
 * agentbin.h - the dotnetprof-agent binaries embedded in the plugin (one per CPU architecture), so
 * that the plugin stays one file: their bytes, sizes and SHA-256, to push into a pod and to check
 * a copy already there. The bytes are static data of the program: nobody frees them.
 * (The agent's command line and output: agentcli.h.)
 */
#ifndef DOTNETPROF_AGENTBIN_H
#define DOTNETPROF_AGENTBIN_H

#include <stddef.h>

struct agentbin {
	const char *arch;            /* "x64", "arm64", "arm": the last part of a RID */
	const unsigned char *data;   /* the static ELF executable */
	size_t size;
	const char *sha256;          /* lowercase hex of data */
};

/*
 * The agent for a .NET runtime identifier (linux-x64, linux-musl-x64, linux-arm64,
 * linux-musl-arm64, linux-arm, linux-musl-arm): the agent is static, so glibc and musl pods of
 * one architecture share it. NULL (errno ENOENT) when this build has none for it.
 */
const struct agentbin *agentbin_for_rid(const char *rid);

/* The agent for an architecture name ("x64", "arm64", "arm"), or NULL (errno ENOENT). */
const struct agentbin *agentbin_for_arch(const char *arch);

/* The number of embedded agents, and the i-th (i < agentbin_count()). */
size_t agentbin_count(void);
const struct agentbin *agentbin_at(size_t i);

/*
 * The table scripts/embedbin.sh generates (build/gen/agentbin_data.c), agentbin_table_len entries
 * and an all-NULL one; use the functions above. A plugin built without agents (macOS) has none.
 */
extern const struct agentbin agentbin_table[];
extern const size_t agentbin_table_len;

#endif
