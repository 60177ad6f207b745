/*
 * ntmeta.h - decoding the metadata records of a NetTrace file (one record per event type: provider,
 * event id and name, keywords, level, version, opcode, payload fields), for the reader in nettrace.c.
 *
 * Two encodings: versions 4 and 5 (the payload of an event blob of a MetadataBlock: fixed header,
 * UTF-16 strings, V1 field list, then optional tags such as OpCode and V2Params), and version 6 (a
 * row of a Metadata block: varints, UTF-8 strings, typed field list, optional metadata). A field
 * layout that cannot be understood is dropped (nfields 0) as TraceEvent does; the record itself is
 * still used. Nested types deeper than NTMETA_MAX_DEPTH are refused.
 */
#ifndef DOTNETPROF_NTMETA_H
#define DOTNETPROF_NTMETA_H

#include <stddef.h>
#include <stdint.h>

#include "nettrace.h"

#define NTMETA_MAX_DEPTH 8

enum ntmeta_error {
	NTMETA_OK = 0,
	NTMETA_BAD,     /* the record's fixed part is malformed (the file is corrupt) */
	NTMETA_NOMEM,
};

/*
 * Decode a record of `len` bytes at `p`. On success *out is one allocation holding the record, its
 * fields and its strings: release it with free(). On failure *out is NULL.
 */
enum ntmeta_error ntmeta_parse_v5(const uint8_t *p, size_t len, struct nettrace_metadata **out);
enum ntmeta_error ntmeta_parse_v6(const uint8_t *p, size_t len, struct nettrace_metadata **out);

/*
 * UTF-16LE code units to UTF-8: `units` units at `s` are written to `out`, which must hold
 * 3 * units bytes (no terminator is added). Unpaired surrogates become U+FFFD. Returns the bytes
 * written.
 */
size_t ntmeta_utf16_to_utf8(const uint8_t *s, size_t units, char *out);

#endif
