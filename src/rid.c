/*
 * rid.c - `uname -m` plus C library -> .NET runtime identifier (linux[-musl]-{x64,arm64,arm}).
 * See rid.h for which machines are accepted and why.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rid.h"

static const struct {
	const char *machine;
	const char *arch;
} machines[] = {
	{ "x86_64", "x64" },   { "amd64", "x64" },   { "x64", "x64" },
	{ "aarch64", "arm64" }, { "arm64", "arm64" }, { "armv8b", NULL }, { "aarch64_be", NULL },
	/* 32-bit ARM: .NET needs ARMv7 with VFPv3 (hard float); armv8l is a 32-bit userland on a
	 * 64-bit kernel, which runs linux-arm binaries. */
	{ "armv7l", "arm" },   { "armv7", "arm" },   { "armv7hl", "arm" }, { "armv8l", "arm" },
	{ "armhf", "arm" },    { "arm", "arm" },
};

int rid_from_uname(const char *machine, enum libc_kind libc, char *rid, size_t ridsize)
{
	const char *arch = NULL;
	size_t i;
	int n;

	if (machine == NULL || rid == NULL) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < sizeof(machines) / sizeof(machines[0]); i++) {
		if (strcmp(machine, machines[i].machine) == 0) {
			arch = machines[i].arch;
			break;
		}
	}
	if (arch == NULL) {
		errno = EINVAL;
		return -1;
	}
	n = snprintf(rid, ridsize, "linux-%s%s", libc == LIBC_MUSL ? "musl-" : "", arch);
	if (n < 0 || (size_t)n >= ridsize) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int rid_has_tool_download(const char *rid)
{
	static const char *const rids[] = {
		"linux-x64", "linux-arm64", "linux-arm", "linux-musl-x64", "linux-musl-arm64",
	};
	size_t i;

	for (i = 0; rid != NULL && i < sizeof(rids) / sizeof(rids[0]); i++) {
		if (strcmp(rid, rids[i]) == 0)
			return 1;
	}
	return 0;
}

const char *libc_kind_name(enum libc_kind libc)
{
	switch (libc) {
	case LIBC_GLIBC:
		return "glibc";
	case LIBC_MUSL:
		return "musl";
	case LIBC_UNKNOWN:
		break;
	}
	return "unknown";
}
