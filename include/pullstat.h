/*
 * pullstat.h - the report of a pull's "stat" exec (src/pod/pull.sh) and its parser.
 *
 *   kubectl exec POD -c C -- sh -c "$pull_sh" dotnetprof stat PATH SAMPLE HASHES 0 +1 cat raw
 *
 * SAMPLE 1 asks for the gzip sample (files of 4 MiB and more); HASHES is the hash commands to try,
 * best first ("sha256sum md5sum cksum"). It prints "KEY<TAB>VALUE" lines, never the file's name (on
 * stdout; on stderr before and while the bytes stream in mode "both": pullstream.h):
 *
 *   dotnetprof-stat<TAB>1            first line
 *   cmd<TAB>NAME                     each of sha256sum md5sum cksum base64 gzip head tail dd wc stat
 *                                    found ("cmd sha256sum" means SHA-256 can be computed)
 *   sha256tool<TAB>openssl|sha256sum the SHA-256 implementation (src/pod/lib/sha.sh prefers
 *                                    openssl's, which uses the CPU's SHA instructions)
 *   error<TAB>noent|isdir|notreg|noperm   and nothing more, or:
 *   size<TAB>N
 *   sample<TAB>IN OUT                the first MiB through gzip -1 (when asked, and gzip, head and wc
 *                                    are there)
 *   ready<TAB>1                      what a plan needs has been said
 *   hash<TAB>TOOL<TAB>OUTPUT         the first of the asked hashes found, run on the whole file
 *   size2<TAB>N                      the size again, after hashing
 *   end<TAB>1
 *
 * The parser is pure and fuzzed (tests/fuzz/fuzz_pullstat.c): it reads what came so far, so it is
 * called again as more arrives.
 */
#ifndef DOTNETPROF_PULLSTAT_H
#define DOTNETPROF_PULLSTAT_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"

enum pull_stat_error {
	PULL_STAT_OK = 0,
	PULL_STAT_NOENT,     /* no such file (or a dangling symlink, or a dir we cannot search) */
	PULL_STAT_ISDIR,
	PULL_STAT_NOTREG,    /* a fifo, socket, device */
	PULL_STAT_NOPERM,    /* exists but cannot be opened for reading */
};

/* What the stat exec reported. */
struct pull_stat {
	unsigned cmds;              /* enum probe_cmd bits (probe.h) of the commands found */
	enum pull_stat_error error;
	int have_size;
	uint64_t size;
	long long sample_in, sample_out; /* gzip sample: bytes in, bytes out; -1 when not measured */
	int ready;                  /* the "ready" line came */
	char sha256_tool[16];       /* "openssl" or "sha256sum" (the pod's SHA-256), "" when not said */
	enum digest_kind hash;      /* DIGEST_NONE when no hash line (yet) */
	char hash_hex[DIGEST_HEX_MAX];
	int have_size2;
	uint64_t size2;             /* size after hashing */
	int end;                    /* the "end" line came */
};

/*
 * Parse the stat exec's output `text` (`len` bytes, may be partial: what came so far). Unknown
 * records are ignored; a bad known record is an error (-1, reason in `err`). `st` is reset first.
 */
int pull_stat_parse(const char *text, size_t len, struct pull_stat *st, char *err, size_t errsize);

/*
 * 1 when the line (`len` bytes, no newline) is one of the report's records (a known KEY and a TAB):
 * the folded exec's stderr carries them among kubectl's own messages.
 */
int pull_stat_is_record(const char *line, size_t len);

#endif
