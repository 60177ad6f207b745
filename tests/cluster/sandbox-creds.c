/*
 * sandbox-creds: user, groups, capabilities and no_new_privs of a stand-in container process
 * (test infrastructure; see sandbox-creds.h). Capabilities go through the raw capget/capset system
 * calls so that the helpers need no libcap.
 */
#define _GNU_SOURCE
#include "sandbox-creds.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int creds_parse_user(struct creds *c, const char *s)
{
	char *end;
	unsigned long uid, gid;

	errno = 0;
	uid = strtoul(s, &end, 10);
	if (errno || end == s || (*end && *end != ':'))
		return -1;
	gid = uid;
	if (*end == ':') {
		const char *g = end + 1;

		gid = strtoul(g, &end, 10);
		if (errno || end == g || *end)
			return -1;
	}
	c->uid = (uid_t)uid;
	c->gid = (gid_t)gid;
	return 0;
}

/* Highest capability number this kernel knows (40 on Linux 5.9+). */
static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int n = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = CAP_LAST_CAP;
		fclose(f);
	}
	return n > 63 ? 63 : n;
}

/* "N,N,..." -> bit mask; "all" or NULL -> every bit. Returns -1 on a malformed list. */
static int cap_mask(const char *list, uint64_t *mask)
{
	const char *p = list;

	if (!list || !strcmp(list, "all")) {
		*mask = ~(uint64_t)0;
		return 0;
	}
	*mask = 0;
	while (*p) {
		char *end;
		unsigned long n = strtoul(p, &end, 10);

		if (end == p || n > 63 || (*end && *end != ','))
			return -1;
		*mask |= (uint64_t)1 << n;
		p = *end ? end + 1 : end;
	}
	return 0;
}

static int fail(char *err, size_t len, const char *what)
{
	snprintf(err, len, "%s: %s", what, strerror(errno));
	return -1;
}

/* Set the effective and permitted sets to what they are now masked by KEEP, inheritable to none. */
static int set_caps(uint64_t keep, char *err, size_t len)
{
	struct __user_cap_header_struct head = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &head, data) < 0)
		return fail(err, len, "capget");
	for (int i = 0; i < 2; i++) {
		uint32_t k = (uint32_t)(keep >> (32 * i));

		data[i].effective &= k;
		data[i].permitted &= k;
		data[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &head, data) < 0)
		return fail(err, len, "capset");
	return 0;
}

int creds_apply(const struct creds *c, char *err, size_t errlen)
{
	uint64_t keep;
	int all = !c->caps || !strcmp(c->caps, "all");

	if (cap_mask(c->caps, &keep) < 0) {
		snprintf(err, errlen, "bad capability list \"%s\"", c->caps);
		return -1;
	}
	if (setgroups(0, NULL) < 0 && !(c->rootless && errno == EPERM))
		return fail(err, errlen, "setgroups");
	if (!all) {
		/* the bounding set limits what an execve as root gets back: this is the drop that lasts */
		for (int cap = 0; cap <= last_cap(); cap++)
			if (!(keep & ((uint64_t)1 << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
				return fail(err, errlen, "dropping from the capability bounding set");
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return fail(err, errlen, "clearing the ambient capabilities");
	if (set_caps(all ? ~(uint64_t)0 : keep | ((uint64_t)1 << CAP_SETUID) | ((uint64_t)1 << CAP_SETGID), err,
		     errlen) < 0)
		return -1;
	if (setgid(c->gid) < 0 || setuid(c->uid) < 0) {
		snprintf(err, errlen, "set user %u:%u: %s", (unsigned)c->uid, (unsigned)c->gid, strerror(errno));
		return -1;
	}
	/* uid 0 keeps its sets across setuid(0): cut them to the list (setuid/setgid were only borrowed) */
	if (c->uid == 0 && !all && set_caps(keep, err, errlen) < 0)
		return -1;
	if (c->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail(err, errlen, "no_new_privs");
	return 0;
}
