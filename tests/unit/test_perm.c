/*
 * test_perm.c - the ownership rules (perm.h): a local file we rely on is ours and not writable by
 * group or others; an entry of a pod's runtime chain is root's or the exec user's and not writable
 * by group or others (a sticky directory above DOTNET_ROOT excepted), never a symbolic link.
 */
#define _XOPEN_SOURCE 700 /* S_IFDIR */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "perm.h"

static void test_private(void **state)
{
	struct stat st;
	char why[128];

	(void)state;
	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFDIR | 0700;
	st.st_uid = 1000;
	assert_int_equal(perm_private(&st, 1000, why, sizeof(why)), 0);
	st.st_mode = S_IFDIR | 0755;
	assert_int_equal(perm_private(&st, 1000, why, sizeof(why)), 0);
	assert_int_equal(perm_private(&st, 0, why, sizeof(why)), -1);
	assert_string_equal(why, "it is owned by uid 1000, not by you (uid 0)");
	st.st_mode = S_IFDIR | 0770;
	assert_int_equal(perm_private(&st, 1000, why, sizeof(why)), -1);
	assert_string_equal(why, "it is writable by its group (mode 0770)");
	st.st_mode = S_IFDIR | 01777;
	assert_int_equal(perm_private(&st, 1000, why, sizeof(why)), -1);
	assert_string_equal(why, "it is writable by others (mode 1777)");
}

static void test_pod_entry(void **state)
{
	char why[128];

	(void)state;
	/* root's, or the exec user's, not writable by others */
	assert_int_equal(perm_pod_entry("drwxr-xr-x", 0, 0, 0, why, sizeof(why)), 0);
	assert_int_equal(perm_pod_entry("drwxr-xr-x", 1000, 1000, 0, why, sizeof(why)), 0);
	assert_int_equal(perm_pod_entry("-rwxr-xr-x.", 0, 1000, 0, why, sizeof(why)), 0);
	assert_int_equal(perm_pod_entry("srwx------", 1000, 0, 0, why, sizeof(why)), -1);
	/* the app's user owns it, the exec user is root: the app could swap the runtime */
	assert_int_equal(perm_pod_entry("drwxr-xr-x", 1000, 0, 0, why, sizeof(why)), -1);
	assert_string_equal(why, "it is owned by uid 1000");
	assert_int_equal(perm_pod_entry("drwxrwxr-x", 0, 0, 0, why, sizeof(why)), -1);
	assert_string_equal(why, "it is writable by its group (drwxrwxr-x)");
	assert_int_equal(perm_pod_entry("drwxrwxrwx", 0, 0, 1, why, sizeof(why)), -1);
	assert_string_equal(why, "it is writable by others (drwxrwxrwx)");
	/* /tmp above DOTNET_ROOT: sticky, so nobody replaces what root owns in it */
	assert_int_equal(perm_pod_entry("drwxrwxrwt", 0, 0, 1, why, sizeof(why)), 0);
	assert_int_equal(perm_pod_entry("drwxrwxrwT", 0, 0, 1, why, sizeof(why)), 0);
	assert_int_equal(perm_pod_entry("drwxrwxrwt", 0, 0, 0, why, sizeof(why)), -1);
	/* a symbolic link's target was not checked; nonsense is not trusted */
	assert_int_equal(perm_pod_entry("lrwxrwxrwx", 0, 0, 0, why, sizeof(why)), -1);
	assert_string_equal(why, "it is a symbolic link");
	assert_int_equal(perm_pod_entry("drwx", 0, 0, 0, why, sizeof(why)), -1);
	assert_string_equal(why, "its mode is unknown");
	assert_int_equal(perm_pod_entry(NULL, 0, 0, 0, why, sizeof(why)), -1);
	assert_int_equal(perm_pod_entry("?rwxr-xr-x", 0, 0, 0, why, sizeof(why)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_private),
		cmocka_unit_test(test_pod_entry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
