/*
 * perm.h - the ownership rules: what may be trusted because nobody else can change it.
 *
 * Here (local files): a file or directory we read back and rely on (a NAME.part to resume, the tool
 * cache) must be owned by the user running us and not writable by group or others; otherwise another
 * local user could have put in it what we then copy on from or push into a pod.
 *
 * In a pod (what a root exec would load): an entry on the way to the runtime the tools load
 * (DOTNET_ROOT and everything under it that the probe reported, and every directory above it) must
 * be owned by root or the exec user and not writable by group or others; a directory above
 * DOTNET_ROOT may be world-writable when it is sticky (/tmp: nobody can replace what others own
 * in it). A symbolic link is refused: its target was not checked. The pod's facts are `ls -ld`'s
 * mode text ("drwxr-xr-x") and owner uid.
 */
#ifndef DOTNETPROF_PERM_H
#define DOTNETPROF_PERM_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/*
 * Is `st` owned by `uid` and not writable by group or others? 0, or -1 with the reason in `why`
 * ("it is owned by uid 1001, not by you (uid 1000)", "it is writable by others (mode 0777)").
 */
int perm_private(const struct stat *st, uid_t uid, char *why, size_t whysize);

/*
 * One entry of a pod's runtime chain: `mode` as ls -ld prints it (10 characters, maybe followed by
 * '.' or '+'), owned by `owner`; `exec_uid` the exec user; `above_root`: a directory strictly above
 * DOTNET_ROOT. 0 when it may be trusted, else -1 with the reason in `why` ("it is owned by uid
 * 1000", "it is writable by others (drwxrwxrwx)", "it is a symbolic link", "its mode is unknown").
 */
int perm_pod_entry(const char *mode, unsigned long owner, unsigned long exec_uid, int above_root,
		   char *why, size_t whysize);

#endif
