/*
 * tailbuf.c - the last bytes of a stream in a bounded buffer (tailbuf.h).
 */
#include "tailbuf.h"

#include <string.h>

void tailbuf_add(char *buf, size_t cap, size_t *len, const void *data, size_t n)
{
	const char *d = data;
	size_t max = cap - 1;

	if (n > max) {
		d += n - max;
		n = max;
	}
	if (*len + n > max) {
		size_t drop = *len + n - max;

		memmove(buf, buf + drop, *len - drop);
		*len -= drop;
	}
	memcpy(buf + *len, d, n);
	*len += n;
	buf[*len] = '\0';
}
