/*
 * log.c - stderr messages with the kubectl-dotnetprof prefix, filtered by the -q/-v/-vv level. Every
 * line is redacted (redact.h) and sanitized (sanitize.h) on its way out: a message quotes pod text
 * and kubectl's words, and neither may drive the terminal, start a line of its own or show a secret.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "sanitize.h"

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

/*
 * Print `prefix`, `n` bytes of `text` redacted and sanitized (a newline in it is shown as \n: one
 * message, one line), and a newline.
 */
static void emit_line(const char *prefix, const char *text, size_t n)
{
	FILE *f = out();
	char stack[1024], *shown = stack, *line = strndup(text, n), *red = NULL;
	size_t len;
	int failed = 0;

	if (line)
		red = redact_apply(line, &failed);
	if (!line || failed) {
		fprintf(f, "%s(a message was withheld: out of memory)\n", prefix);
		goto out;
	}
	if (red)
		n = strlen(red);
	len = sanitize(stack, sizeof(stack), red ? red : line, n, SAN_KEEP_TAB);
	if (len >= sizeof(stack)) {
		shown = malloc(len + 1);
		if (shown)
			sanitize(shown, len + 1, red ? red : line, n, SAN_KEEP_TAB);
		else
			shown = stack; /* cut, but whole characters and escapes */
	}
	fprintf(f, "%s%s\n", prefix, shown);
out:
	fflush(f);
	if (shown != stack)
		free(shown);
	free(red);
	free(line);
}

static void vemit(const char *prefix, const char *fmt, va_list ap) LOG_PRINTF(2, 0);

static void vemit(const char *prefix, const char *fmt, va_list ap)
{
	char stack[1024], *msg = stack;
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(stack, sizeof(stack), fmt, ap);
	if (n >= (int)sizeof(stack) && (msg = malloc((size_t)n + 1)) != NULL)
		vsnprintf(msg, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	if (!msg) {
		msg = stack; /* cut */
		n = (int)strlen(stack);
	}
	emit_line(prefix, msg, n < 0 ? 0 : (size_t)n);
	if (msg != stack)
		free(msg);
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
	if (level < LOG_VERBOSE)
		return;
	emit_line("+ ", line, strlen(line));
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

		emit_line("  | ", data + i, n);
		i += n + (nl ? 1 : 0);
	}
	if (len > shown)
		fprintf(f, "  ... %zu more bytes\n", len - shown);
	fflush(f);
}
