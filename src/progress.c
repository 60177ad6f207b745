/*
 * progress.c - a one-line progress display on a terminal (see progress.h); with log.c, the only
 * module of src/ that writes to stderr.
 */
#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

long long progress_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *progress_fmt_size(uint64_t n, char *buf, size_t bufsize)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int u = -1;

	while (v >= 1024.0 && u < 3) {
		v /= 1024.0;
		u++;
	}
	if (u < 0)
		snprintf(buf, bufsize, "%llu B", (unsigned long long)n);
	else
		snprintf(buf, bufsize, "%.1f %s", v, units[u]);
	return buf;
}

void progress_start(struct progress *p, const char *label, uint64_t total, uint64_t base)
{
	FILE *f = log_stream();

	p->label = label;
	p->total = total;
	p->base = p->done = base;
	p->start_ms = progress_now_ms();
	p->last_draw_ms = 0;
	p->drawn = 0;
	p->enabled = log_get_level() >= LOG_NORMAL && isatty(fileno(f));
}

double progress_seconds(const struct progress *p)
{
	return (double)(progress_now_ms() - p->start_ms) / 1000.0;
}

double progress_rate(const struct progress *p)
{
	double s = progress_seconds(p);

	return s > 0.001 ? (double)(p->done - p->base) / s : 0.0;
}

void progress_update(struct progress *p, uint64_t done)
{
	long long now = progress_now_ms();
	char a[32], b[32], eta[32] = "";
	double rate;
	FILE *f;

	p->done = done;
	if (!p->enabled || now - p->start_ms < 1000 || now - p->last_draw_ms < 100)
		return;
	p->last_draw_ms = now;
	rate = progress_rate(p);
	if (p->total && rate > 0 && done <= p->total)
		snprintf(eta, sizeof(eta), "  ETA %.0fs", (double)(p->total - done) / rate);
	f = log_stream();
	if (p->total)
		fprintf(f, "\r\033[K  %s  %s / %s  %3.0f%%  %.1f MB/s%s", p->label,
			progress_fmt_size(done, a, sizeof(a)), progress_fmt_size(p->total, b, sizeof(b)),
			100.0 * (double)done / (double)p->total, rate / 1e6, eta);
	else
		fprintf(f, "\r\033[K  %s  %s  %.1f MB/s", p->label, progress_fmt_size(done, a, sizeof(a)),
			rate / 1e6);
	fflush(f);
	p->drawn = 1;
}

void progress_end(struct progress *p)
{
	FILE *f = log_stream();

	if (p->drawn) {
		fputs("\r\033[K", f);
		fflush(f);
		p->drawn = 0;
	}
}
