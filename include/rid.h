/*
 * rid.h - map what a pod reports (`uname -m` and its C library) to a .NET runtime identifier.
 */
#ifndef DOTNETPROF_RID_H
#define DOTNETPROF_RID_H

#include <stddef.h>

enum libc_kind { LIBC_UNKNOWN = 0, LIBC_GLIBC, LIBC_MUSL };

/*
 * Write the RID for `machine` (a `uname -m` value such as x86_64, amd64, aarch64, arm64, armv7l,
 * armv8l, armhf) and `libc` into `rid` (linux-x64, linux-arm64, linux-arm, linux-musl-x64,
 * linux-musl-arm64, linux-musl-arm). LIBC_UNKNOWN is treated as glibc.
 * Returns 0, or -1 when the machine is not one .NET ships tools for (errno EINVAL; the caller names
 * `machine` in its message) or the buffer is too small (errno ENAMETOOLONG).
 *
 * Accepted machines: x86_64 amd64 x64 -> x64; aarch64 arm64 -> arm64; armv7l armv7 armv7hl armv8l
 * armhf arm -> arm (armv8l: 32-bit userland on a 64-bit kernel). Rejected (EINVAL): i386/i686 (no
 * Linux x86 .NET), armv6l and older (.NET needs ARMv7), big-endian ARM, and s390x, ppc64le, riscv64,
 * loongarch64: .NET has community/IBM runtime builds for some of these, but Microsoft's single-file
 * diagnostics tools (aka.ms/dotnet-{tool}/{rid}) exist only for x64, arm64 and arm, so there is
 * nothing to download; the message should say so rather than fail later with a 404.
 * Empty `machine` (the probe could not run uname) is rejected too: say the arch is unknown.
 */
int rid_from_uname(const char *machine, enum libc_kind libc, char *rid, size_t ridsize);

/*
 * 1 when Microsoft publishes the single-file tools for `rid` (aka.ms/dotnet-trace/RID etc.): linux-x64,
 * linux-arm64, linux-arm, linux-musl-x64, linux-musl-arm64. linux-musl-arm is a valid RID (Alpine on
 * 32-bit ARM) but the tool download pages list no musl-arm build: the caller should say so, and still
 * try DOTNETPROF_TOOLS_URL if the user set a mirror that may have one.
 */
int rid_has_tool_download(const char *rid);

/* "glibc", "musl" or "unknown". */
const char *libc_kind_name(enum libc_kind libc);

#endif
