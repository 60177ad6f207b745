/*
 * log.c - stderr messages with the kubectl-dotnetprof prefix, filtered by the -q/-v/-vv level.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static enum log_level level = LOG_NORMAL;
static FILE *stream;

void log_set_level(enum log_level l)
{
	level = l;
}

enum log_level log_get_level(void)
{
	return level;
}

void log_set_stream(FILE *err)
{
	stream = err;
}

FILE *log_stream(void)
{
	return stream ? stream : stderr;
}

static FILE *out(void)
{
	return log_stream();
}

static void vemit(const char *prefix, const char *fmt, va_list ap) LOG_PRINTF(2, 0);

static void vemit(const char *prefix, const char *fmt, va_list ap)
{
	FILE *f = out();

	fputs(prefix, f);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fflush(f);
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vemit(LOG_PREFIX, fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vemit(LOG_PREFIX "warning: ", fmt, ap);
	va_end(ap);
}

void log_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vemit("hint: ", fmt, ap);
	va_end(ap);
}

void log_item(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vemit("  ", fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	if (level < LOG_NORMAL)
		return;
	va_start(ap, fmt);
	vemit(LOG_PREFIX, fmt, ap);
	va_end(ap);
}

void log_verbose(const char *fmt, ...)
{
	va_list ap;

	if (level < LOG_VERBOSE)
		return;
	va_start(ap, fmt);
	vemit(LOG_PREFIX, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (level < LOG_DEBUG)
		return;
	va_start(ap, fmt);
	vemit(LOG_PREFIX, fmt, ap);
	va_end(ap);
}

void log_cmd(const char *line)
{
	FILE *f = out();

	if (level < LOG_VERBOSE)
		return;
	fprintf(f, "+ %s\n", line);
	fflush(f);
}

void log_debug_data(const char *label, const char *data, size_t len, size_t max)
{
	FILE *f = out();
	size_t shown = len < max ? len : max;
	size_t i = 0;

	if (level < LOG_DEBUG)
		return;
	fprintf(f, "%s%s (%zu bytes)\n", LOG_PREFIX, label, len);
	while (i < shown) {
		const char *nl = memchr(data + i, '\n', shown - i);
		size_t n = nl ? (size_t)(nl - (data + i)) : shown - i;

		fprintf(f, "  | %.*s\n", (int)n, data + i);
		i += n + (nl ? 1 : 0);
	}
	if (len > shown)
		fprintf(f, "  ... %zu more bytes\n", len - shown);
	fflush(f);
}
