/*
 * render_file.c - a renderer's output into a file that cannot lie: PATH.part first, renamed to PATH
 * once complete and flushed, never over an existing PATH without force (localout.h). See render.h.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "localout.h"
#include "render.h"

int render_to_file(const char *path, int force, render_fn fn, const struct profile *p,
		   const struct render_opts *o, unsigned long long *size)
{
	struct localout lo;
	FILE *f;
	char why[128];
	int fd, rc, e = 0;

	*size = 0;
	switch (localout_open(&lo, path, 0, force, why, sizeof(why))) {
	case LOCALOUT_OK:
		break;
	case LOCALOUT_EXISTS:
	case LOCALOUT_PART_EXISTS:
		errno = EEXIST;
		return -1;
	case LOCALOUT_PART_UNSAFE: /* only for resume, which a rendering never does */
	case LOCALOUT_ERR:
		return -1;
	}
	/* stdio buffers the renderer's many small writes; a dup keeps lo.fd for the commit */
	fd = dup(lo.fd);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		e = errno;
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	rc = fn(f, p, o);
	if (rc < 0)
		e = errno ? errno : ENOMEM;
	if (fflush(f) == EOF || ferror(f))
		e = e ? e : errno ? errno : EIO;
	*size = (unsigned long long)ftello(f);
	if (fclose(f) == EOF && !e)
		e = errno ? errno : EIO;
	if (rc < 0 || e)
		goto fail;
	if (localout_commit(&lo, force) < 0) {
		e = errno;
		goto fail;
	}
	localout_release(&lo);
	return 0;
fail:
	/* nothing half-written stays behind under either name */
	if (lo.part)
		unlink(lo.part);
	localout_release(&lo);
	errno = e ? e : EIO;
	return -1;
}
