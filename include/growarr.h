/*
 * growarr.h - room in a growable array: the doubling every table of the NetTrace reader and the
 * profile builder needs.
 */
#ifndef DOTNETPROF_GROWARR_H
#define DOTNETPROF_GROWARR_H

#include <stddef.h>

/*
 * `arr` (capacity *cap elements of `size` bytes, NULL when *cap is 0) with room for `need` elements:
 * `arr` itself when it has it, else reallocated to the next doubling of *cap (from `first`), *cap
 * updated. NULL with errno ENOMEM when it cannot grow (then `arr` and *cap are unchanged and still
 * owned by the caller).
 */
void *growarr(void *arr, size_t *cap, size_t need, size_t size, size_t first);

#endif
