/*
 * growarr.c - growable arrays by doubling. See growarr.h.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "growarr.h"

void *growarr(void *arr, size_t *cap, size_t need, size_t size, size_t first)
{
	size_t c = *cap ? *cap : first;
	void *p;

	if (need <= *cap)
		return arr;
	while (c < need) {
		if (c > SIZE_MAX / 2)
			goto nomem;
		c *= 2;
	}
	if (!size || c > SIZE_MAX / size)
		goto nomem;
	p = realloc(arr, c * size);
	if (!p)
		goto nomem;
	*cap = c;
	return p;
nomem:
	errno = ENOMEM;
	return NULL;
}
