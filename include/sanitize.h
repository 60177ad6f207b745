/*
 * sanitize.h - text that came from a pod, made harmless before it reaches a terminal.
 *
 * A process name, a command line, a path, kubectl's or a tool's message: all of it is written by
 * whoever controls the pod, and a terminal obeys the control characters and escape sequences in
 * what it is shown (move the cursor, clear the screen, set the window title, rewrite what was
 * printed before; kubectl's CVE-2021-25743). And a newline inside a field would start a line of its
 * own that looks like ours (a forged table row, a forged "hint:").
 *
 * sanitize() is the one function that makes such text safe to show: every control character
 * (C0, DEL, and the C1 range U+0080-U+009F), every byte that is not part of valid UTF-8, and the
 * Unicode bidirectional controls (U+202A-U+202E, U+2066-U+2069, which reorder what is shown) are
 * written as \xHH, one escape per byte; a backslash as \\ so that the result reads back unambiguously;
 * \n, \t and \r as themselves escaped (\n ...) unless a flag keeps \n or TAB. Printable ASCII and
 * valid UTF-8 pass unchanged. Every message of log.h goes through it (so a field cannot escape its
 * line there), and so do the tables the verbs print on stdout.
 *
 * The san_stream_* functions are the streaming twin for a tool's progress output, shown as it
 * comes: printable text, \n and TAB pass; escape sequences (ESC [ ... final byte, ESC ] ... BEL or
 * ESC \, the other ESC forms and their C1 twins) and every other control character are removed;
 * invalid UTF-8 becomes '?'. State is kept across chunks.
 */
#ifndef DOTNETPROF_SANITIZE_H
#define DOTNETPROF_SANITIZE_H

#include <stddef.h>

enum sanitize_flags {
	SAN_KEEP_NL = 1,    /* a newline passes as it is (multi-line text that is split later) */
	SAN_KEEP_TAB = 2,   /* a TAB passes as it is */
};

/*
 * Write the sanitized form of the `len` bytes at `in` into `out` (`outsize` bytes, always
 * NUL-terminated when outsize > 0; `out` may be NULL with outsize 0 to measure). Only whole
 * characters and whole escapes are written: a cut result ends cleanly. Returns the length of the
 * whole result (like snprintf): >= outsize means it was cut.
 */
size_t sanitize(char *out, size_t outsize, const char *in, size_t len, unsigned flags);

/*
 * The character at s[0..n) (n > 0): returns its length in bytes (1 for an invalid byte), and sets
 * *safe to 1 when it may be shown as it is (sanitize() copies it; a backslash counts as safe here),
 * 0 when sanitize() escapes it. For names made from pod text (localout_basename).
 */
size_t sanitize_char(const char *s, size_t n, int *safe);

/* sanitize() of the C string `s` into a new string (free it); NULL on ENOMEM or when s is NULL. */
char *sanitize_dup(const char *s, unsigned flags);

/*
 * For a message argument: sanitize(s) with no flag into one of SAN_SLOTS static buffers used in
 * turn, so that up to SAN_SLOTS calls may appear in one log call. A result longer than
 * SAN_SHOW_MAX - 1 bytes is cut and ends in "...". NULL gives "". Not thread-safe.
 */
#define SAN_SLOTS 8
#define SAN_SHOW_MAX 2048
const char *san(const char *s);

/* The streaming filter for a tool's output (see above). */
struct san_stream {
	int state;
	unsigned char utf[4];  /* a UTF-8 sequence being collected */
	size_t ulen, uneed;
	size_t strlen;         /* bytes swallowed by the current string sequence (OSC, DCS...) */
};

/* At most this many bytes more than it was fed can san_stream_feed write (a held UTF-8 sequence). */
#define SAN_STREAM_SLACK 4

void san_stream_init(struct san_stream *s);

/* Filter `n` bytes of `in` into `out` (room for n + SAN_STREAM_SLACK); returns the bytes written. */
size_t san_stream_feed(struct san_stream *s, const char *in, size_t n, char *out);

#endif
