/*
 * test_debugctr.c - the debug container's pure parts: its names and generations, the security
 * context chosen for a pod (and the --custom document), and the pod's ephemeral containers read
 * from real `kubectl get pod -o json` shapes into what a run does (reuse, wait, create).
 */
#include <cJSON.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "debugctr.h"
#include "debugsec.h"

static void test_names(void **state)
{
	char buf[DEBUGCTR_NAME_MAX], small[16];
	char long_target[64];

	(void)state;
	assert_int_equal(debugctr_name("app", 1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "dotnetprof-app");
	assert_int_equal(debugctr_name("app", 2, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "dotnetprof-app-2");
	assert_int_equal(debugctr_name("app", 9999, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "dotnetprof-app-9999");
	assert_int_equal(debugctr_name("app", 0, buf, sizeof(buf)), -1);
	assert_int_equal(debugctr_name("app", 10000, buf, sizeof(buf)), -1);
	assert_int_equal(debugctr_name("app", 1, small, sizeof(small)), -1);
	assert_int_equal(debugctr_name("", 1, buf, sizeof(buf)), -1);

	/* a 63-character target: cut, hashed, and still a DNS label with room for -9999 */
	memset(long_target, 'a', 63);
	long_target[63] = '\0';
	assert_int_equal(debugctr_name(long_target, 9999, buf, sizeof(buf)), 0);
	assert_true(strlen(buf) <= 63);
	assert_int_equal(strncmp(buf, "dotnetprof-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-", 50), 0);
	assert_int_equal(debugctr_generation(buf, long_target), 9999);
	long_target[62] = 'b'; /* another long name with the same 38 first characters */
	assert_int_equal(debugctr_generation(buf, long_target), 0);

	assert_int_equal(debugctr_generation("dotnetprof-app", "app"), 1);
	assert_int_equal(debugctr_generation("dotnetprof-app-2", "app"), 2);
	assert_int_equal(debugctr_generation("dotnetprof-app-17", "app"), 17);
	assert_int_equal(debugctr_generation("dotnetprof-app-1", "app"), 0);
	assert_int_equal(debugctr_generation("dotnetprof-app-02", "app"), 0);
	assert_int_equal(debugctr_generation("dotnetprof-app-x", "app"), 0);
	assert_int_equal(debugctr_generation("dotnetprof-app-", "app"), 0);
	assert_int_equal(debugctr_generation("dotnetprof-app-10000", "app"), 0);
	assert_int_equal(debugctr_generation("dotnetprof-ap", "app"), 0);
	assert_int_equal(debugctr_generation("debugger-x7k2p", "app"), 0);
	assert_int_equal(debugctr_generation("dotnetprof-app-2", "app-2"), 1);
}

static void test_modes(void **state)
{
	enum debugctr_mode m;
	enum debugsec_profile p;

	(void)state;
	assert_int_equal(debugctr_mode_parse("always", &m), 0);
	assert_int_equal(m, DEBUGCTR_ALWAYS);
	assert_int_equal(debugctr_mode_parse("never", &m), 0);
	assert_int_equal(m, DEBUGCTR_NEVER);
	assert_int_equal(debugctr_mode_parse("auto", &m), 0);
	assert_int_equal(m, DEBUGCTR_AUTO);
	assert_int_equal(debugctr_mode_parse("yes", &m), -1);
	assert_int_equal(debugctr_mode_parse(NULL, &m), -1);
	assert_string_equal(debugctr_mode_name(DEBUGCTR_ALWAYS), "always");
	assert_int_equal(debugsec_profile_parse("general", &p), 0);
	assert_int_equal(p, DEBUGSEC_GENERAL);
	assert_int_equal(debugsec_profile_parse("legacy", &p), -1);
	assert_string_equal(debugsec_profile_name(DEBUGSEC_RESTRICTED), "restricted");
}

/* The facts of container "app" in a pod whose spec is `json`. */
static void facts_of(const char *json, struct debugsec_facts *f)
{
	cJSON *pod = cJSON_Parse(json);

	assert_non_null(pod);
	debugsec_facts_from_pod(pod, "app", f);
	cJSON_Delete(pod);
}

static void test_facts(void **state)
{
	struct debugsec_facts f;

	(void)state;
	/* sample-chiseled: the container's user, the pod's runAsNonRoot */
	facts_of("{\"spec\":{\"securityContext\":{\"runAsNonRoot\":true},\"containers\":[{\"name\":"
		 "\"app\",\"securityContext\":{\"readOnlyRootFilesystem\":true,\"runAsGroup\":1654,"
		 "\"runAsUser\":1654}}]}}", &f);
	assert_int_equal(f.uid, 1654);
	assert_int_equal(f.gid, 1654);
	assert_int_equal(f.from, DEBUGSEC_SPEC);
	assert_true(f.non_root);
	/* the pod's user, a container's runAsNonRoot false over the pod's true */
	facts_of("{\"spec\":{\"securityContext\":{\"runAsUser\":1000,\"runAsNonRoot\":true},"
		 "\"containers\":[{\"name\":\"side\"},{\"name\":\"app\",\"securityContext\":"
		 "{\"runAsNonRoot\":false}}]}}", &f);
	assert_int_equal(f.uid, 1000);
	assert_int_equal(f.gid, -1);
	assert_false(f.non_root);
	/* nothing said: the image's user */
	facts_of("{\"spec\":{\"containers\":[{\"name\":\"app\"}]}}", &f);
	assert_int_equal(f.uid, -1);
	assert_int_equal(f.from, DEBUGSEC_UNKNOWN);
	assert_false(f.non_root);
	/* nonsense is unknown */
	facts_of("{\"spec\":{\"containers\":[{\"name\":\"app\",\"securityContext\":{\"runAsUser\":"
		 "\"1000\",\"runAsGroup\":-5}}]}}", &f);
	assert_int_equal(f.uid, -1);
	assert_int_equal(f.gid, -1);
}

static void test_choose(void **state)
{
	struct debugsec_facts f = { 1654, 1654, DEBUGSEC_SPEC, 1 };
	struct debugsec s;
	char custom[128];

	(void)state;
	assert_int_equal(debugsec_choose(&f, DEBUGSEC_AUTO, &s), 0);
	assert_int_equal(s.profile, DEBUGSEC_RESTRICTED);
	assert_int_equal(s.uid, 1654);
	assert_int_equal(s.gid, 1654);
	assert_false(s.guessed);
	assert_non_null(strstr(s.why, "1654:1654 (from the pod's spec)"));
	assert_int_equal(debugsec_custom(&s, custom, sizeof(custom)), 56);
	assert_string_equal(custom, "{\"securityContext\":{\"runAsUser\":1654,\"runAsGroup\":1654}}");
	assert_int_equal(debugsec_custom(&s, custom, 20), -1);
	assert_true(debugsec_matches(&s, 1654, 1654, 0));
	assert_false(debugsec_matches(&s, 1654, 0, 0));
	assert_false(debugsec_matches(&s, -1, -1, 0));

	/* a uid seen by the probe, its gid unknown: taken equal, and said */
	f = (struct debugsec_facts){ 1000, -1, DEBUGSEC_PROBE, 0 };
	assert_int_equal(debugsec_choose(&f, DEBUGSEC_AUTO, &s), 0);
	assert_int_equal(s.gid, 1000);
	assert_non_null(strstr(s.why, "seen in its container"));
	assert_non_null(strstr(s.why, "taken equal to the uid"));

	/* root app: baseline, no --custom */
	f = (struct debugsec_facts){ 0, 0, DEBUGSEC_SPEC, 0 };
	assert_int_equal(debugsec_choose(&f, DEBUGSEC_AUTO, &s), 0);
	assert_int_equal(s.profile, DEBUGSEC_BASELINE);
	assert_int_equal(s.uid, -1);
	assert_int_equal(debugsec_custom(&s, custom, sizeof(custom)), 0);
	assert_string_equal(custom, "");
	assert_true(debugsec_matches(&s, -1, -1, 0));
	assert_false(debugsec_matches(&s, -1, -1, 1));
	assert_int_equal(debugsec_choose(&f, DEBUGSEC_RESTRICTED, &s), -1);
	assert_non_null(strstr(s.why, "forbids root"));

	/* unknown user, non-root required: the .NET images' user, guessed */
	f = (struct debugsec_facts){ -1, -1, DEBUGSEC_UNKNOWN, 1 };
	assert_int_equal(debugsec_choose(&f, DEBUGSEC_AUTO, &s), 0);
	assert_int_equal(s.profile, DEBUGSEC_RESTRICTED);
	assert_int_equal(s.uid, 1654);
	assert_true(s.guessed);
	assert_int_equal(debugsec_choose(&f, DEBUGSEC_GENERAL, &s), -1);
	assert_non_null(strstr(s.why, "runAsNonRoot"));
	assert_int_equal(debugsec_choose(&f, DEBUGSEC_BASELINE, &s), -1);

	/* unknown user, root allowed: general reaches any user */
	f = (struct debugsec_facts){ -1, -1, DEBUGSEC_UNKNOWN, 0 };
	assert_int_equal(debugsec_choose(&f, DEBUGSEC_AUTO, &s), 0);
	assert_int_equal(s.profile, DEBUGSEC_GENERAL);
	assert_true(debugsec_matches(&s, -1, -1, 1));
	assert_int_equal(debugsec_choose(&f, DEBUGSEC_BASELINE, &s), 0);
	assert_int_equal(s.profile, DEBUGSEC_BASELINE);
	assert_int_equal(debugsec_choose(&f, DEBUGSEC_RESTRICTED, &s), 0);
	assert_true(s.guessed);
}

/* A pod with containers app and app-2 and these ephemeral containers and statuses. */
static const char pod_json[] =
	"{\"spec\":{\"containers\":[{\"name\":\"app\"},{\"name\":\"app-2\"}],"
	"\"ephemeralContainers\":["
	"{\"name\":\"dotnetprof-app\",\"image\":\"busybox:1.36.1\",\"targetContainerName\":\"app\","
	" \"securityContext\":{\"runAsUser\":1654,\"runAsGroup\":1654}},"
	"{\"name\":\"dotnetprof-app-2\",\"image\":\"busybox:1.36.1\",\"targetContainerName\":\"app-2\"},"
	"{\"name\":\"debugger-x7k2p\",\"image\":\"busybox\",\"targetContainerName\":\"app\"},"
	"{\"name\":\"dotnetprof-app-3\",\"image\":\"busybox:1.36.1\",\"targetContainerName\":\"app\","
	" \"securityContext\":{\"runAsUser\":1654,\"runAsGroup\":1654}},"
	"{\"name\":\"dotnetprof-app-4\",\"image\":\"nosuch:1\",\"targetContainerName\":\"app\","
	" \"securityContext\":{\"runAsUser\":1654,\"runAsGroup\":1654}},"
	"{\"name\":\"dotnetprof-app-5\",\"image\":\"busybox:1.36.1\",\"targetContainerName\":\"app\","
	" \"securityContext\":{\"capabilities\":{\"add\":[\"SYS_PTRACE\"]}}}]},"
	"\"status\":{\"ephemeralContainerStatuses\":["
	"{\"name\":\"dotnetprof-app\",\"state\":{\"terminated\":{\"exitCode\":143,\"reason\":\"Error\"}}},"
	"{\"name\":\"dotnetprof-app-2\",\"state\":{\"running\":{\"startedAt\":\"x\"}}},"
	"{\"name\":\"dotnetprof-app-3\",\"state\":{\"running\":{\"startedAt\":\"x\"}}},"
	"{\"name\":\"dotnetprof-app-4\",\"state\":{\"waiting\":{\"reason\":\"ImagePullBackOff\","
	" \"message\":\"Back-off pulling image \\\"nosuch:1\\\"\"}}}]}}";

static void test_scan(void **state)
{
	cJSON *pod = cJSON_Parse(pod_json);
	struct debugctr_list l;
	const struct debugctr_entry *e;

	(void)state;
	assert_non_null(pod);
	assert_int_equal(debugctr_scan(pod, "app", &l), 0);
	assert_int_equal(l.n, 4); /* not app-2's, not kubectl's own debugger-x7k2p */
	assert_int_equal(l.nnames, 8);
	assert_string_equal(l.v[0].name, "dotnetprof-app");
	assert_int_equal(l.v[0].state, DEBUGCTR_S_TERMINATED);
	assert_int_equal(l.v[0].exit_code, 143);
	assert_string_equal(l.v[0].reason, "Error");
	e = debugctr_find(&l, "dotnetprof-app-4");
	assert_non_null(e);
	assert_int_equal(e->state, DEBUGCTR_S_WAITING);
	assert_string_equal(e->reason, "ImagePullBackOff");
	assert_string_equal(e->message, "Back-off pulling image \"nosuch:1\"");
	e = debugctr_find(&l, "dotnetprof-app-5");
	assert_non_null(e);
	assert_int_equal(e->state, DEBUGCTR_S_STARTING);
	assert_true(e->ptrace);
	assert_int_equal(e->uid, -1);
	assert_null(debugctr_find(&l, "dotnetprof-app-2"));
	debugctr_list_release(&l);

	assert_int_equal(debugctr_scan(pod, NULL, &l), 0);
	assert_int_equal(l.n, 5);
	debugctr_list_release(&l);
	cJSON_Delete(pod);
}

static void test_pick(void **state)
{
	cJSON *pod = cJSON_Parse(pod_json);
	struct debugsec_facts f = { 1654, 1654, DEBUGSEC_SPEC, 1 };
	struct debugctr_list l;
	const struct debugctr_entry *use;
	struct debugsec s;
	char name[DEBUGCTR_NAME_MAX];

	(void)state;
	assert_non_null(pod);
	assert_int_equal(debugctr_scan(pod, "app", &l), 0);
	assert_int_equal(debugsec_choose(&f, DEBUGSEC_AUTO, &s), 0);
	/* the running one with the same image and user */
	assert_int_equal(debugctr_pick(&l, "app", "busybox:1.36.1", &s, &use, name, sizeof(name)),
			 DEBUGCTR_REUSE);
	assert_string_equal(use->name, "dotnetprof-app-3");
	/* the one still pulling, for its image */
	assert_int_equal(debugctr_pick(&l, "app", "nosuch:1", &s, &use, name, sizeof(name)),
			 DEBUGCTR_WAIT);
	assert_string_equal(use->name, "dotnetprof-app-4");
	/* the one just created (no status yet) for root with SYS_PTRACE */
	f = (struct debugsec_facts){ -1, -1, DEBUGSEC_UNKNOWN, 0 };
	assert_int_equal(debugsec_choose(&f, DEBUGSEC_AUTO, &s), 0);
	assert_int_equal(debugctr_pick(&l, "app", "busybox:1.36.1", &s, &use, name, sizeof(name)),
			 DEBUGCTR_WAIT);
	assert_string_equal(use->name, "dotnetprof-app-5");
	/* nothing matches: the next generation */
	assert_int_equal(debugctr_pick(&l, "app", "mirror.example/busybox:1.36.1", &s, &use, name,
				       sizeof(name)), DEBUGCTR_CREATE);
	assert_null(use);
	assert_string_equal(name, "dotnetprof-app-6");
	debugctr_list_release(&l);

	/* app-2: "dotnetprof-app-2" is its first generation, so the next is -2-2 */
	assert_int_equal(debugctr_scan(pod, "app-2", &l), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(debugctr_pick(&l, "app-2", "other", &s, &use, name, sizeof(name)),
			 DEBUGCTR_CREATE);
	assert_string_equal(name, "dotnetprof-app-2-2");
	debugctr_list_release(&l);
	cJSON_Delete(pod);

	/* a pod without any: generation 1; one whose name an app container took is skipped */
	pod = cJSON_Parse("{\"spec\":{\"containers\":[{\"name\":\"web\"},{\"name\":\"dotnetprof-web\"}]}}");
	assert_non_null(pod);
	assert_int_equal(debugctr_scan(pod, "web", &l), 0);
	assert_int_equal(debugctr_pick(&l, "web", "busybox", &s, &use, name, sizeof(name)),
			 DEBUGCTR_CREATE);
	assert_string_equal(name, "dotnetprof-web-2");
	debugctr_list_release(&l);
	cJSON_Delete(pod);
}

static void test_final_reasons(void **state)
{
	(void)state;
	assert_true(debugctr_reason_final("CreateContainerConfigError"));
	assert_true(debugctr_reason_final("InvalidImageName"));
	assert_false(debugctr_reason_final("ImagePullBackOff"));
	assert_false(debugctr_reason_final("ErrImagePull"));
	assert_false(debugctr_reason_final("ContainerCreating"));
	assert_false(debugctr_reason_final(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_facts),
		cmocka_unit_test(test_choose),
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_final_reasons),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
