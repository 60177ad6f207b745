/*
 * log.h - the one output module for messages on stderr.
 *
 * Everything src/ says to the user goes through here (src never calls printf/fputs itself), so the
 * format is the same everywhere and -q / -v / -vv apply to all of it:
 *
 *   kubectl-dotnetprof: <what failed>: <why>      log_error(), always shown (even with -q)
 *   kubectl-dotnetprof: warning: <what>           log_warn(), always shown (even with -q)
 *   hint: <what to do>                            log_hint(), shown with the error it belongs to
 *     <choice>                                    log_item(), a list under an error
 *   kubectl-dotnetprof: <note>                    log_info(), hidden by -q
 *   + kubectl get pod ...                         log_cmd(), the replayable command, -v and above
 *   <details>                                     log_verbose() at -v, log_debug() at -vv
 *
 * Messages are lowercase with no full stop; the functions add the prefix and the newline.
 * Not thread-safe; state is process-wide.
 */
#ifndef DOTNETPROF_LOG_H
#define DOTNETPROF_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

enum log_level {
	LOG_QUIET = -1,   /* -q: errors and hints only */
	LOG_NORMAL = 0,
	LOG_VERBOSE = 1,  /* -v: also every kubectl command */
	LOG_DEBUG = 2,    /* -vv: also what kubectl returned */
};

#define LOG_PREFIX "kubectl-dotnetprof: "

#if defined(__GNUC__) || defined(__clang__)
#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define LOG_PRINTF(a, b)
#endif

void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/*
 * Redirect messages to `err` (default stderr). The stream stays owned by the caller; pass NULL to go
 * back to stderr. Used by unit tests to capture messages.
 */
void log_set_stream(FILE *err);

void log_error(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_hint(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_verbose(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);

/* One indented line ("  <item>") under an error that lists choices; always shown, like errors. */
void log_item(const char *fmt, ...) LOG_PRINTF(1, 2);

/* The stream messages go to (stderr unless redirected). */
FILE *log_stream(void);

/* At -v and above: "+ " followed by `line` (an already shell-quoted command). */
void log_cmd(const char *line);

/*
 * At -vv: print `len` bytes of `data` (e.g. kubectl's stdout), each line indented by "  | " under the
 * `label` line, at most `max` bytes (then a "... N more bytes" line).
 */
void log_debug_data(const char *label, const char *data, size_t len, size_t max);

#endif
