/*
 * progress.h - the progress line of a transfer on stderr.
 *
 * Drawn only when stderr (log_stream()) is a terminal, the level is not -q, and the transfer has run
 * for more than a second: "  NAME  312.0 MiB / 1.0 GiB  30%  401.2 MB/s  ETA 2s", redrawn at most
 * 10 times a second with \r, erased by progress_end(). Otherwise nothing is drawn; the caller prints
 * one summary line at the end (progress_rate() gives the figures).
 */
#ifndef DOTNETPROF_PROGRESS_H
#define DOTNETPROF_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

struct progress {
	const char *label;  /* borrowed */
	uint64_t total;     /* 0 when unknown */
	uint64_t base;      /* bytes already there at the start (resume): not counted in the rate */
	uint64_t done;
	long long start_ms, last_draw_ms;
	int enabled;        /* terminal and not quiet */
	int drawn;          /* a line is on the screen */
};

/* Monotonic milliseconds. */
long long progress_now_ms(void);

void progress_start(struct progress *p, const char *label, uint64_t total, uint64_t base);

/* `done` bytes of `total` are there now (including base). Draws when it is time. */
void progress_update(struct progress *p, uint64_t done);

/* Erase the line if one was drawn. */
void progress_end(struct progress *p);

/* Seconds since progress_start, and the rate in bytes/s of what moved since (0 when too short). */
double progress_seconds(const struct progress *p);
double progress_rate(const struct progress *p);

/* "1.0 GiB", "312.0 MiB", "12 B" into buf. */
const char *progress_fmt_size(uint64_t n, char *buf, size_t bufsize);

#endif
