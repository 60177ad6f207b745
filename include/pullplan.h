/*
 * pullplan.h - the choices a pull makes from what the stat exec reported: how to seek for a resume,
 * whether to gzip in the pod, and the stream exec's arguments. Pure functions, unit-tested.
 */
#ifndef DOTNETPROF_PULLPLAN_H
#define DOTNETPROF_PULLPLAN_H

#include <stdint.h>

#include "pullstat.h"

/* gzip when the first MiB shrinks below this ratio (per mille) and the file is at least this big */
#define PULL_GZIP_MAX_RATIO_PERMILLE 800
#define PULL_GZIP_MIN_SIZE (4u * 1024 * 1024)
/*
 * ... and (auto, on a fresh raw copy) the raw stream, timed over its first PULL_GZIP_PROBE_MS after
 * the first byte, runs below PULL_GZIP_MAX_LINK_RATE bytes/s: `gzip -1` in a pod compresses a heap
 * dump at ~100-200 MB/s on one core (less under a CPU limit), so above that the link is not what
 * limits the copy and gzip would only add CPU (bench/transfer.sh: loopback vs --link).
 */
#define PULL_GZIP_PROBE_MS 1000
#define PULL_GZIP_MAX_LINK_RATE 100000000.0

enum pull_encoding { PULL_ENC_RAW = 0, PULL_ENC_BASE64 };
enum pull_compress { PULL_COMP_AUTO = 0, PULL_COMP_GZIP, PULL_COMP_NONE };

/* How the stream exec reads from an offset. */
enum pull_seek { PULL_SEEK_NONE = 0, PULL_SEEK_TAIL, PULL_SEEK_DD };

/* How to start at a byte offset: tail -c +N, else dd iflag=skip_bytes, else none (start over). */
enum pull_seek pull_choose_seek(unsigned cmds);

/*
 * Whether to gzip in the pod. GZIP: when the pod has gzip and `local_gzip`; NONE: never; AUTO: also
 * when the stat's sample shrank below PULL_GZIP_MAX_RATIO_PERMILLE and size >= PULL_GZIP_MIN_SIZE.
 */
int pull_choose_gzip(const struct pull_stat *st, enum pull_compress c, int local_gzip);

/*
 * Whether a raw stream that moved `bytes` in `ms` milliseconds since its first byte is slow enough
 * for gzip to pay: 1 yes, 0 no (it runs at PULL_GZIP_MAX_LINK_RATE or more), -1 not measured long
 * enough yet (under PULL_GZIP_PROBE_MS).
 */
int pull_gzip_link_slow(uint64_t bytes, long long ms);

/*
 * The stream exec's READER argument for a start at `offset` ("cat" at 0, else "tail"/"dd"; NULL
 * when the pod cannot seek) and its ENCODING argument ("raw", "base64", "gzip", "gzip64").
 */
const char *pull_stream_reader(uint64_t offset, enum pull_seek seek);
const char *pull_stream_encoding(enum pull_encoding enc, int gzip);

#endif
