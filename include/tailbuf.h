/*
 * tailbuf.h - the last bytes of a stream (a remote command's stderr), kept for the message that
 * explains a failure: the one bounded buffer every streaming exec keeps.
 */
#ifndef DOTNETPROF_TAILBUF_H
#define DOTNETPROF_TAILBUF_H

#include <stddef.h>

/*
 * Append `n` bytes of `data` to `buf` (capacity `cap` >= 1, holding *len bytes and a NUL), dropping
 * its oldest bytes so that the last cap - 1 bytes of the stream are kept, NUL-terminated.
 */
void tailbuf_add(char *buf, size_t cap, size_t *len, const void *data, size_t n);

#endif
