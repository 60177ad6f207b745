/*
 * elfcheck.c - decide from its headers whether a file is an executable for a .NET RID (see elfcheck.h).
 * Fields are decoded byte by byte (little-endian), so this needs no <elf.h> and works on any host.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfcheck.h"

#define EM_386_ 3
#define EM_ARM_ 40
#define EM_X86_64_ 62
#define EM_AARCH64_ 183
#define ET_EXEC_ 2
#define ET_DYN_ 3
#define PT_LOAD_ 1
#define PT_INTERP_ 3
#define PHNUM_MAX 256   /* real executables have about a dozen */
#define INTERP_MAX 256

struct rid_spec {
	const char *rid;
	int elfclass;       /* 1: 32-bit, 2: 64-bit */
	unsigned machine;
	const char *arch;   /* as the RID names it */
	int musl;
};

static const struct rid_spec rid_specs[] = {
	{ "linux-x64", 2, EM_X86_64_, "x64", 0 },
	{ "linux-arm64", 2, EM_AARCH64_, "arm64", 0 },
	{ "linux-arm", 1, EM_ARM_, "arm", 0 },
	{ "linux-musl-x64", 2, EM_X86_64_, "x64", 1 },
	{ "linux-musl-arm64", 2, EM_AARCH64_, "arm64", 1 },
	{ "linux-musl-arm", 1, EM_ARM_, "arm", 1 },
};

static void say(char *why, size_t whysize, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *why, size_t whysize, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whysize == 0)
		return;
	va_start(ap, fmt);
	/* a cut explanation is still an explanation: truncation is acceptable here */
	if (vsnprintf(why, whysize, fmt, ap) < 0)
		why[0] = '\0';
	va_end(ap);
}

static uint64_t le(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = (v << 8) | p[n];
	return v;
}

static const char *machine_name(unsigned machine)
{
	switch (machine) {
	case EM_X86_64_:
		return "x64 (x86-64)";
	case EM_AARCH64_:
		return "arm64 (aarch64)";
	case EM_ARM_:
		return "arm (32-bit)";
	case EM_386_:
		return "x86 (i386)";
	default:
		return NULL;
	}
}

static int ci_contains(const unsigned char *buf, size_t len, const char *needle)
{
	size_t n = strlen(needle), i, j;

	for (i = 0; i + n <= len; i++) {
		for (j = 0; j < n && tolower(buf[i + j]) == needle[j]; j++)
			;
		if (j == n)
			return 1;
	}
	return 0;
}

/* Name what a non-ELF file looks like, so the user learns who answered instead of the server. */
static void describe_not_elf(const unsigned char *buf, size_t len, char *why, size_t whysize)
{
	size_t i = 0, j;
	char start[41];

	if (len == 0) {
		say(why, whysize, "an empty file, not an executable");
		return;
	}
	if (len >= 3 && buf[0] == 0xef && buf[1] == 0xbb && buf[2] == 0xbf)
		i = 3;
	while (i < len && isspace(buf[i]))
		i++;
	if (i < len && buf[i] == '<' && (ci_contains(buf, len, "<html") || ci_contains(buf, len, "<!doctype"))) {
		say(why, whysize, "an HTML page, not an executable");
		return;
	}
	if (len >= 4 && memcmp(buf, "PK\3\4", 4) == 0) {
		say(why, whysize, "a zip archive, not an executable");
		return;
	}
	if (len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b) {
		say(why, whysize, "a gzip file, not an executable");
		return;
	}
	for (j = 0; j < len && j < 512 && (isprint(buf[j]) || isspace(buf[j])); j++)
		;
	if (j == len || j == 512) {
		for (j = 0; i < len && j < sizeof(start) - 1; i++)
			start[j++] = isprint(buf[i]) ? (char)buf[i] : ' ';
		start[j] = '\0';
		say(why, whysize, "a text file starting with \"%s\", not an executable", start);
		return;
	}
	say(why, whysize, "not an executable (no ELF header; starts with bytes %02x %02x %02x %02x)",
	    buf[0], len > 1 ? buf[1] : 0, len > 2 ? buf[2] : 0, len > 3 ? buf[3] : 0);
}

static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* The libc a PT_INTERP path belongs to: 1 musl, 0 glibc, -1 neither. */
static int interp_is_musl(const char *interp)
{
	const char *base = strrchr(interp, '/');

	base = base ? base + 1 : interp;
	if (strncmp(base, "ld-musl-", 8) == 0)
		return 1;
	if (strncmp(base, "ld-linux", 8) == 0)
		return 0;
	return -1;
}

/* Walk the program headers: segments inside the file, the interpreter's libc. */
static enum elfcheck_result check_phdrs(int fd, const unsigned char *eh, uint64_t size,
					const struct rid_spec *spec, char *why, size_t whysize)
{
	int is64 = spec->elfclass == 2;
	uint64_t phoff = is64 ? le(eh + 32, 8) : le(eh + 28, 4);
	unsigned phentsize = (unsigned)(is64 ? le(eh + 54, 2) : le(eh + 42, 2));
	unsigned phnum = (unsigned)(is64 ? le(eh + 56, 2) : le(eh + 44, 2));
	unsigned type = (unsigned)le(eh + 16, 2);
	char interp[INTERP_MAX] = "";
	unsigned i;

	if (phnum == 0 || phnum > PHNUM_MAX || phentsize < (is64 ? 56u : 32u)) {
		say(why, whysize, "an ELF file without usable program headers, not an executable");
		return ELFCHECK_NOT_EXEC;
	}
	if (phoff > size || (uint64_t)phnum * phentsize > size - phoff) {
		say(why, whysize, "a truncated executable (%llu bytes; its program headers end past the end)",
		    (unsigned long long)size);
		return ELFCHECK_TRUNCATED;
	}
	for (i = 0; i < phnum; i++) {
		unsigned char ph[56];
		uint64_t off, filesz;
		unsigned ptype;

		if (read_at(fd, ph, is64 ? 56 : 32, phoff + (uint64_t)i * phentsize) < 0)
			goto io;
		ptype = (unsigned)le(ph, 4);
		off = is64 ? le(ph + 8, 8) : le(ph + 4, 4);
		filesz = is64 ? le(ph + 32, 8) : le(ph + 16, 4);
		if ((ptype == PT_LOAD_ || ptype == PT_INTERP_) && (off > size || filesz > size - off)) {
			say(why, whysize, "a truncated executable (%llu bytes; a segment ends at byte %llu)",
			    (unsigned long long)size, (unsigned long long)(off + filesz));
			return ELFCHECK_TRUNCATED;
		}
		if (ptype == PT_INTERP_) {
			if (filesz < 2 || filesz > sizeof(interp)) {
				say(why, whysize, "an executable with a malformed interpreter path");
				return ELFCHECK_WRONG_LIBC;
			}
			if (read_at(fd, interp, (size_t)filesz, off) < 0)
				goto io;
			interp[filesz - 1] = '\0';
		}
	}
	if (interp[0] == '\0') {
		if (type == ET_DYN_) {
			say(why, whysize, "a shared library (no program interpreter), not an executable");
			return ELFCHECK_NOT_EXEC;
		}
		return ELFCHECK_OK;  /* static: runs with either C library */
	}
	if (interp_is_musl(interp) != spec->musl) {
		say(why, whysize, "an executable for %s (interpreter %s), but %s needs %s",
		    interp_is_musl(interp) == 1 ? "musl (Alpine)" :
		    interp_is_musl(interp) == 0 ? "glibc" : "an unknown C library",
		    interp, spec->rid, spec->musl ? "musl" : "glibc");
		return ELFCHECK_WRONG_LIBC;
	}
	return ELFCHECK_OK;
io:
	say(why, whysize, "cannot read the file: %s", strerror(errno ? errno : EIO));
	return ELFCHECK_IO;
}

static const struct rid_spec *find_spec(const char *rid)
{
	size_t i;

	for (i = 0; rid != NULL && i < sizeof(rid_specs) / sizeof(rid_specs[0]); i++) {
		if (strcmp(rid, rid_specs[i].rid) == 0)
			return &rid_specs[i];
	}
	return NULL;
}

int elfcheck_rid_known(const char *rid)
{
	return find_spec(rid) != NULL;
}

enum elfcheck_result elfcheck_fd(int fd, const char *rid, char *why, size_t whysize)
{
	const struct rid_spec *spec = find_spec(rid);
	unsigned char eh[512];
	struct stat st;
	size_t len = 0;
	unsigned machine, type;
	const char *mname;

	say(why, whysize, "%s", "");
	if (spec == NULL) {
		say(why, whysize, "unknown runtime identifier \"%s\"", rid ? rid : "");
		return ELFCHECK_UNKNOWN_RID;
	}
	if (fstat(fd, &st) < 0)
		goto io;
	len = (uint64_t)st.st_size < sizeof(eh) ? (size_t)st.st_size : sizeof(eh);
	errno = 0;
	if (read_at(fd, eh, len, 0) < 0)
		goto io;
	if (len < 4 || memcmp(eh, "\177ELF", 4) != 0) {
		describe_not_elf(eh, len, why, whysize);
		return ELFCHECK_NOT_ELF;
	}
	if (len < 52 || (eh[4] == 2 && len < 64)) {
		say(why, whysize, "a truncated executable (%zu bytes, shorter than its ELF header)", len);
		return ELFCHECK_TRUNCATED;
	}
	machine = (unsigned)le(eh + 18, 2);
	type = (unsigned)le(eh + 16, 2);
	mname = machine_name(machine);
	if (eh[5] != 1) {
		say(why, whysize, "a big-endian executable, but %s is little-endian", spec->rid);
		return ELFCHECK_WRONG_ARCH;
	}
	if (machine != spec->machine || eh[4] != spec->elfclass) {
		if (mname != NULL)
			say(why, whysize, "an executable for %s, %d-bit, not %s", mname, eh[4] == 2 ? 64 : 32,
			    spec->arch);
		else
			say(why, whysize, "an executable for ELF machine %u, not %s", machine, spec->arch);
		return ELFCHECK_WRONG_ARCH;
	}
	if (type != ET_EXEC_ && type != ET_DYN_) {
		say(why, whysize, "an ELF file of type %u (%s), not an executable", type,
		    type == 1 ? "relocatable object" : type == 4 ? "core dump" : "unknown");
		return ELFCHECK_NOT_EXEC;
	}
	return check_phdrs(fd, eh, (uint64_t)st.st_size, spec, why, whysize);
io:
	say(why, whysize, "cannot read the file: %s", strerror(errno ? errno : EIO));
	return ELFCHECK_IO;
}

enum elfcheck_result elfcheck_file(const char *path, const char *rid, char *why, size_t whysize)
{
	enum elfcheck_result r;
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		say(why, whysize, "cannot open %s: %s", path, strerror(errno));
		return ELFCHECK_IO;
	}
	r = elfcheck_fd(fd, rid, why, whysize);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}
