/*
 * pullplan.c - a pull's choices: seek, gzip, the stream exec's arguments (pullplan.h).
 */
#include "pullplan.h"

#include "probe.h"

enum pull_seek pull_choose_seek(unsigned cmds)
{
	if (cmds & PCMD_TAIL)
		return PULL_SEEK_TAIL;
	if (cmds & PCMD_DD)
		return PULL_SEEK_DD;
	return PULL_SEEK_NONE;
}

int pull_choose_gzip(const struct pull_stat *st, enum pull_compress c, int local_gzip)
{
	if (c == PULL_COMP_NONE || !(st->cmds & PCMD_GZIP) || !local_gzip)
		return 0;
	if (c == PULL_COMP_GZIP)
		return 1;
	return st->have_size && st->size >= PULL_GZIP_MIN_SIZE && st->sample_in > 0 &&
	       st->sample_out >= 0 &&
	       st->sample_out * 1000 < st->sample_in * (long long)PULL_GZIP_MAX_RATIO_PERMILLE;
}

int pull_gzip_link_slow(uint64_t bytes, long long ms)
{
	if (ms < PULL_GZIP_PROBE_MS)
		return -1;
	return (double)bytes * 1000.0 / (double)ms < PULL_GZIP_MAX_LINK_RATE;
}

const char *pull_stream_reader(uint64_t offset, enum pull_seek seek)
{
	if (offset == 0)
		return "cat";
	switch (seek) {
	case PULL_SEEK_TAIL:
		return "tail";
	case PULL_SEEK_DD:
		return "dd";
	case PULL_SEEK_NONE:
		break;
	}
	return NULL;
}

const char *pull_stream_encoding(enum pull_encoding enc, int gzip)
{
	if (enc == PULL_ENC_BASE64)
		return gzip ? "gzip64" : "base64";
	return gzip ? "gzip" : "raw";
}

