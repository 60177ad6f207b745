/*
 * fetchcmd.h - the one place that writes the `kubectl dotnetprof fetch ...` command a message
 * tells the user to run: after a copy that was cut (NAME.part kept), for a file left in a pod
 * uncollected, and in clean's report. Built here only, so that every hint names the flags fetch
 * really takes (cmd/fetch.c) and the words are quoted the same way everywhere (quote.h).
 *
 * The line is "kubectl dotnetprof fetch POD PATH [-o LOCAL] [--resume | --force] -n NS -c C":
 *   FETCHCMD_NEW      a fresh copy (no NAME.part of it here)
 *   FETCHCMD_RESUME   LOCAL.part holds a prefix of the file: continue it (fetch refuses an existing
 *                     NAME.part without --resume or --force, exit 12)
 *   FETCHCMD_RESTART  LOCAL.part is kept but cannot be continued (it did not verify): start over
 * LOCAL may be NULL (fetch then names the copy after PATH's basename); RESUME and RESTART need it,
 * since the part is LOCAL.part. PATH is an absolute path in the pod (a workspace file, an artifact):
 * one starting with a dash would be read as a flag.
 */
#ifndef DOTNETPROF_FETCHCMD_H
#define DOTNETPROF_FETCHCMD_H

#include "target.h"

enum fetchcmd_part {
	FETCHCMD_NEW,
	FETCHCMD_RESUME,
	FETCHCMD_RESTART,
};

/*
 * The command line that copies `remote` out of `pod`'s chosen container (pod->container) into
 * `local`, shell-quoted for display (sh_quote_argv). Returns a newly allocated string the caller
 * frees, or NULL when out of memory (or RESUME/RESTART without `local`: errno EINVAL).
 */
char *fetchcmd_line(const struct target_pod *pod, const char *remote, const char *local,
		    enum fetchcmd_part part);

#endif
