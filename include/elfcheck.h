/*
 * elfcheck.h - is this file an executable that runs on that .NET RID?
 *
 * Used to reject a download before it is cached: a captive-portal HTML page served with status 200,
 * a tool built for another CPU, or a glibc build on a musl (Alpine) RID would otherwise be pushed into
 * a pod and fail there with "exec format error" or "not found". Only the ELF header, the program
 * headers and the PT_INTERP string are read; nothing is executed.
 */
#ifndef DOTNETPROF_ELFCHECK_H
#define DOTNETPROF_ELFCHECK_H

#include <stddef.h>

enum elfcheck_result {
	ELFCHECK_OK = 0,
	ELFCHECK_IO,            /* the file cannot be opened or read (errno kept) */
	ELFCHECK_UNKNOWN_RID,   /* `rid` is not linux[-musl]-{x64,arm64,arm}: nothing to compare with */
	ELFCHECK_NOT_ELF,       /* no ELF magic: text, an HTML page, an archive, ... */
	ELFCHECK_TRUNCATED,     /* ELF, but headers or segments point past the end of the file */
	ELFCHECK_WRONG_ARCH,    /* wrong class (32/64-bit), byte order or e_machine for the RID */
	ELFCHECK_NOT_EXEC,      /* not ET_EXEC or ET_DYN with an interpreter: an object, a core, a .so */
	ELFCHECK_WRONG_LIBC,    /* PT_INTERP is the other C library (glibc vs musl) or unknown */
};

/*
 * Check that `path` is an ELF executable for `rid` (linux-x64, linux-arm64, linux-arm,
 * linux-musl-x64, linux-musl-arm64, linux-musl-arm): magic; class 64-bit for x64/arm64, 32-bit for
 * arm; little-endian; e_machine EM_X86_64 (62), EM_AARCH64 (183) or EM_ARM (40); e_type ET_EXEC or
 * ET_DYN; program headers and PT_LOAD segments inside the file; and, when it has a PT_INTERP, that
 * the interpreter is the glibc one (ld-linux*) for a linux-* RID and the musl one (ld-musl-*) for a
 * linux-musl-* RID. An ET_DYN without PT_INTERP is a shared library and is rejected; a static ET_EXEC
 * without one is accepted.
 *
 * On failure, `why` (may be NULL) receives a lowercase explanation naming what the file is instead,
 * e.g. "an HTML page, not an executable" or "an executable for arm64 (aarch64), not x64".
 * Returns ELFCHECK_OK (0) or the reason.
 */
enum elfcheck_result elfcheck_file(const char *path, const char *rid, char *why, size_t whysize);

/* 1 when `rid` is one of the six RIDs above (the ones elfcheck can check), else 0. */
int elfcheck_rid_known(const char *rid);

/* The same on an open file descriptor (read with pread; the offset is not moved). */
enum elfcheck_result elfcheck_fd(int fd, const char *rid, char *why, size_t whysize);

#endif
