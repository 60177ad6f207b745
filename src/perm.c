/*
 * perm.c - the ownership rules for local files and for a pod's runtime chain (perm.h).
 */
#include "perm.h"

#include <stdio.h>
#include <string.h>

int perm_private(const struct stat *st, uid_t uid, char *why, size_t whysize)
{
	if (st->st_uid != uid)
		snprintf(why, whysize, "it is owned by uid %lu, not by you (uid %lu)",
			 (unsigned long)st->st_uid, (unsigned long)uid);
	else if (st->st_mode & (S_IWGRP | S_IWOTH))
		snprintf(why, whysize, "it is writable by %s (mode %04o)",
			 st->st_mode & S_IWOTH ? "others" : "its group", (unsigned)(st->st_mode & 07777));
	else
		return 0;
	return -1;
}

int perm_pod_entry(const char *mode, unsigned long owner, unsigned long exec_uid, int above_root,
		   char *why, size_t whysize)
{
	size_t n = mode ? strlen(mode) : 0;
	int sticky;

	if (n < 10 || strchr("-dlspcb", mode[0]) == NULL) {
		snprintf(why, whysize, "its mode is unknown");
		return -1;
	}
	if (mode[0] == 'l') {
		snprintf(why, whysize, "it is a symbolic link");
		return -1;
	}
	if (owner != 0 && owner != exec_uid) {
		snprintf(why, whysize, "it is owned by uid %lu", owner);
		return -1;
	}
	/* ls shows the sticky bit as t (or T without x) in the others' execute place */
	sticky = mode[0] == 'd' && (mode[9] == 't' || mode[9] == 'T');
	if ((mode[5] == 'w' || mode[8] == 'w') && !(above_root && sticky)) {
		snprintf(why, whysize, "it is writable by %s (%.10s)", mode[8] == 'w' ? "others" :
			 "its group", mode);
		return -1;
	}
	return 0;
}
