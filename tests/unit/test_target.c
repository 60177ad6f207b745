/*
 * test_target.c - TARGET parsing, and resolution to pods and containers from canned kubectl JSON
 * (kubectl is scripted by mock_kubectl.h): the kubectl command lines, ambiguity errors listing the
 * choices, the default-container annotation, not found / not running, and podexec's reading of a
 * failed exec (no shell, forbidden, the script's own exit status).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mock_kubectl.h"

#include "exitcodes.h"
#include "kube.h"
#include "podexec.h"
#include "target.h"

/* A pod object as `kubectl get pod -o json` prints it (trimmed to the fields we read). */
#define POD(name, phase, annotations, containers, statuses) \
	"{\"kind\":\"Pod\",\"metadata\":{\"name\":\"" name "\",\"namespace\":\"default\"," \
	"\"annotations\":{" annotations "}},\"spec\":{\"nodeName\":\"node-amd64\",\"containers\":[" \
	containers "]},\"status\":{\"phase\":\"" phase "\",\"containerStatuses\":[" statuses "]}}"
#define C(name) "{\"name\":\"" name "\",\"image\":\"x\"}"
#define RUNNING(name) "{\"name\":\"" name "\",\"state\":{\"running\":{\"startedAt\":\"t\"}}}"
#define WAITING(name, why) "{\"name\":\"" name "\",\"state\":{\"waiting\":{\"reason\":\"" why "\"}}}"

static const char one_pod[] = POD("sample-app", "Running", "", C("app"), RUNNING("app"));
static const char sidecar_pod[] = POD("sample-sidecar", "Running", "", C("app") "," C("proxy"),
				      RUNNING("app") "," RUNNING("proxy"));
static const char annotated_pod[] =
	POD("sample-sidecar", "Running", "\"kubectl.kubernetes.io/default-container\":\"app\"",
	    C("proxy") "," C("app"), RUNNING("app") "," RUNNING("proxy"));
static const char crashing_pod[] = POD("crashy", "Running", "", C("app"),
				       WAITING("app", "CrashLoopBackOff"));
static const char pending_pod[] = POD("pending", "Pending", "", C("app"), "");

static const char deployment[] =
	"{\"kind\":\"Deployment\",\"metadata\":{\"name\":\"sample-api\"},\"spec\":{\"selector\":"
	"{\"matchLabels\":{\"app\":\"sample-api\"},\"matchExpressions\":[{\"key\":\"tier\","
	"\"operator\":\"In\",\"values\":[\"web\",\"api\"]},{\"key\":\"canary\",\"operator\":"
	"\"DoesNotExist\"}]}}}";
static const char api_pods[] =
	"{\"kind\":\"List\",\"items\":["
	POD("sample-api-b", "Running", "", C("app"), RUNNING("app")) ","
	POD("sample-api-a", "Running", "", C("app"), RUNNING("app")) ","
	POD("sample-api-c", "Pending", "", C("app"), "") "]}";
static const char no_running_pods[] =
	"{\"kind\":\"List\",\"items\":[" POD("sample-api-c", "Pending", "", C("app"), "") "]}";
static const char empty_list[] = "{\"kind\":\"List\",\"items\":[]}";
static const char config_view[] =
	"{\"kind\":\"Config\",\"contexts\":[{\"name\":\"dotnetprof-local\",\"context\":"
	"{\"cluster\":\"c\",\"user\":\"u\",\"namespace\":\"team-b\"}}],"
	"\"current-context\":\"dotnetprof-local\"}";

struct fixture {
	struct kube k;
	struct target_spec t;
	struct target_set s;
};

static struct fixture fx;

static int setup(void **state)
{
	mock_setup(state);
	memset(&fx, 0, sizeof(fx));
	assert_int_equal(kube_init(&fx.k), 0);
	return 0;
}

static int teardown(void **state)
{
	target_set_release(&fx.s);
	target_spec_release(&fx.t);
	kube_release(&fx.k);
	return mock_teardown(state);
}

/* What target_pick_pod chose. */
static struct target_pod *pod_out;

static void parse(const char *arg, const char *selector)
{
	char err[256];

	target_spec_release(&fx.t);
	assert_int_equal(target_spec_parse(&fx.t, arg, selector, err, sizeof(err)), 0);
}

static void set_namespace(const char *ns)
{
	char err[64];

	assert_int_equal(kube_set_flag(&fx.k, kube_flag_find("namespace", 0), ns, err, sizeof(err)), 0);
}

static void test_spec_parse(void **state)
{
	static const struct {
		const char *arg;
		enum target_kind kind;
		const char *resource, *name;
	} ok[] = {
		{ "sample-app", TARGET_POD, "pod", "sample-app" },
		{ "pod/sample-app", TARGET_POD, "pod", "sample-app" },
		{ "po/x", TARGET_POD, "pod", "x" },
		{ "pods/x", TARGET_POD, "pod", "x" },
		{ "deploy/api", TARGET_WORKLOAD, "deployment", "api" },
		{ "deployment/api", TARGET_WORKLOAD, "deployment", "api" },
		{ "deployments/api", TARGET_WORKLOAD, "deployment", "api" },
		{ "deployment.apps/api", TARGET_WORKLOAD, "deployment", "api" },
		{ "sts/db", TARGET_WORKLOAD, "statefulset", "db" },
		{ "statefulset/db", TARGET_WORKLOAD, "statefulset", "db" },
		{ "ds/agent", TARGET_WORKLOAD, "daemonset", "agent" },
		{ "daemonset/agent", TARGET_WORKLOAD, "daemonset", "agent" },
		{ "rs/api-5d8c", TARGET_WORKLOAD, "replicaset", "api-5d8c" },
		{ "replicaset/api-5d8c", TARGET_WORKLOAD, "replicaset", "api-5d8c" },
	};
	static const char *const bad[] = { "svc/x", "deploy/", "/x", "deploy/a/b", "-x", "cronjob/x" };
	char err[256], desc[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		parse(ok[i].arg, NULL);
		assert_int_equal(fx.t.kind, ok[i].kind);
		assert_string_equal(fx.t.resource, ok[i].resource);
		assert_string_equal(fx.t.name, ok[i].name);
	}
	assert_string_equal(target_spec_describe(&fx.t, desc, sizeof(desc)), "replicaset/api-5d8c");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		target_spec_release(&fx.t);
		assert_int_equal(target_spec_parse(&fx.t, bad[i], NULL, err, sizeof(err)), -1);
		assert_null(fx.t.name);
	}
	target_spec_release(&fx.t);
	assert_int_equal(target_spec_parse(&fx.t, "svc/x", NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown target type \"svc\""));
	assert_int_equal(target_spec_parse(&fx.t, NULL, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "missing TARGET"));
	assert_int_equal(target_spec_parse(&fx.t, "x", "app=x", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not both"));
	assert_int_equal(target_spec_parse(&fx.t, NULL, "", err, sizeof(err)), -1);
	parse(NULL, "app=x,tier!=db");
	assert_int_equal(fx.t.kind, TARGET_SELECTOR);
	assert_string_equal(fx.t.selector, "app=x,tier!=db");
	assert_null(fx.t.name);
	assert_string_equal(target_spec_describe(&fx.t, desc, sizeof(desc)), "selector \"app=x,tier!=db\"");
}

static void test_pod_one_container(void **state)
{
	(void)state;
	parse("sample-app", NULL);
	mock_expect("get pod sample-app -o json", 0, one_pod, "");
	assert_int_equal(target_resolve(&fx.k, &fx.t, &fx.s), 0);
	mock_done();
	assert_int_equal(fx.s.npods, 1);
	assert_string_equal(fx.s.pods[0].name, "sample-app");
	assert_string_equal(fx.s.pods[0].namespace, "default");
	assert_string_equal(fx.s.pods[0].node, "node-amd64");
	assert_int_equal(target_pick_pod(&fx.t, &fx.s, "--all", &pod_out), 0);
	assert_ptr_equal(pod_out, &fx.s.pods[0]);
	assert_int_equal(target_pick_container(&fx.s.pods[0], NULL), 0);
	assert_string_equal(fx.s.pods[0].container, "app");
	assert_int_equal(fx.k.calls, 1);
}

static void test_pod_namespace_flag(void **state)
{
	(void)state;
	set_namespace("team-b");
	parse("pod/sample-b", NULL);
	mock_expect("-n team-b get pod sample-b -o json", 0, one_pod, "");
	assert_int_equal(target_resolve(&fx.k, &fx.t, &fx.s), 0);
	mock_done();
}

static void test_pod_not_found_names_namespace(void **state)
{
	(void)state;
	parse("nope", NULL);
	mock_expect("get pod nope -o json", 1, "",
		    "Error from server (NotFound): pods \"nope\" not found\n");
	/* without -n the namespace comes from the context, asked only now that it is needed */
	mock_expect("config view --minify -o json", 0, config_view, "");
	assert_int_equal(target_resolve(&fx.k, &fx.t, &fx.s), -DPX_NOTFOUND);
	mock_done();
	assert_messages_contain("kubectl-dotnetprof: pod \"nope\" not found in namespace \"team-b\"\n");
	assert_messages_contain("hint: see what exists with: kubectl get pods -n team-b\n");
	assert_int_equal(fx.s.npods, 0);
}

static void test_pod_not_running(void **state)
{
	(void)state;
	parse("pending", NULL);
	mock_expect("get pod pending -o json", 0, pending_pod, "");
	assert_int_equal(target_resolve(&fx.k, &fx.t, &fx.s), -DPX_NOTRUNNING);
	assert_messages_contain("pod \"pending\" in namespace \"default\" is not running (phase Pending)");
}

static void test_forbidden_get(void **state)
{
	(void)state;
	set_namespace("default");
	parse("sample-app", NULL);
	mock_expect("-n default get pod sample-app -o json", 1, "",
		    "Error from server (Forbidden): pods \"sample-app\" is forbidden: User "
		    "\"bob\" cannot get resource \"pods\" in API group \"\" in the namespace "
		    "\"default\"\n");
	assert_int_equal(target_resolve(&fx.k, &fx.t, &fx.s), -DPX_FORBIDDEN);
	assert_messages_contain("forbidden: pods \"sample-app\" is forbidden");
	assert_messages_contain("RBAC permission to get pods in namespace \"default\"");
	assert_messages_contain("kubectl auth can-i get pods -n default");
}

static void test_deployment_ambiguous(void **state)
{
	(void)state;
	parse("deploy/sample-api", NULL);
	mock_expect("get deployment sample-api -o json", 0, deployment, "");
	mock_expect("get pods -l app=sample-api,tier in (web,api),!canary -o json", 0, api_pods, "");
	assert_int_equal(target_resolve(&fx.k, &fx.t, &fx.s), 0);
	mock_done();
	/* the Pending pod is left out; the others are sorted */
	assert_int_equal(fx.s.npods, 2);
	assert_string_equal(fx.s.pods[0].name, "sample-api-a");
	assert_string_equal(fx.s.pods[1].name, "sample-api-b");
	assert_int_equal(target_pick_pod(&fx.t, &fx.s, "--all", &pod_out), -DPX_AMBIGUOUS);
	assert_messages_contain("deployment/sample-api matches 2 running pods in namespace \"default\"; "
				"choose one:\n  sample-api-a\n  sample-api-b\n");
	assert_messages_contain("hint: name one of them as TARGET, or use --all");
}

static void test_workload_not_found(void **state)
{
	(void)state;
	set_namespace("prod");
	parse("sts/db", NULL);
	mock_expect("-n prod get statefulset db -o json", 1, "",
		    "Error from server (NotFound): statefulsets.apps \"db\" not found\n");
	assert_int_equal(target_resolve(&fx.k, &fx.t, &fx.s), -DPX_NOTFOUND);
	assert_messages_contain("statefulset \"db\" not found in namespace \"prod\"");
}

static void test_workload_none_running(void **state)
{
	(void)state;
	set_namespace("default");
	parse("deploy/sample-api", NULL);
	mock_expect("-n default get deployment sample-api -o json", 0, deployment, "");
	mock_expect("-n default get pods -l app=sample-api,tier in (web,api),!canary -o json", 0,
		    no_running_pods, "");
	assert_int_equal(target_resolve(&fx.k, &fx.t, &fx.s), -DPX_NOTRUNNING);
	assert_messages_contain("none of its 1 pods in namespace \"default\" is running:\n"
				"  sample-api-c (Pending)\n");
}

static void test_selector(void **state)
{
	(void)state;
	set_namespace("default");
	parse(NULL, "app=sample-api");
	mock_expect("-n default get pods -l app=sample-api -o json", 0, api_pods, "");
	assert_int_equal(target_resolve(&fx.k, &fx.t, &fx.s), 0);
	assert_int_equal(fx.s.npods, 2);
	target_set_release(&fx.s);
	parse(NULL, "app=nothing");
	mock_expect("-n default get pods -l app=nothing -o json", 0, empty_list, "");
	assert_int_equal(target_resolve(&fx.k, &fx.t, &fx.s), -DPX_NOTFOUND);
	assert_messages_contain("selector \"app=nothing\": no pods in namespace \"default\"");
}

static struct target_pod *load_pod(const char *json)
{
	parse("p", NULL);
	mock_expect("get pod p -o json", 0, json, "");
	assert_int_equal(target_resolve(&fx.k, &fx.t, &fx.s), 0);
	return &fx.s.pods[0];
}

static void test_containers_ambiguous(void **state)
{
	struct target_pod *pod;

	(void)state;
	pod = load_pod(sidecar_pod);
	assert_int_equal(target_pick_container(pod, NULL), -DPX_AMBIGUOUS);
	assert_null(pod->container);
	assert_messages_contain("pod \"sample-sidecar\" (namespace \"default\") has 2 containers; "
				"choose one:\n  app (running)\n  proxy (running)\n");
	assert_messages_contain("hint: add -c NAME (e.g. -c app)");
	assert_int_equal(target_pick_container(pod, "proxy"), 0);
	assert_string_equal(pod->container, "proxy");
}

static void test_container_annotation(void **state)
{
	struct target_pod *pod;

	(void)state;
	pod = load_pod(annotated_pod);
	assert_int_equal(target_pick_container(pod, NULL), 0);
	assert_string_equal(pod->container, "app");
	/* -c wins over the annotation */
	assert_int_equal(target_pick_container(pod, "proxy"), 0);
	assert_string_equal(pod->container, "proxy");
}

static void test_container_not_found(void **state)
{
	struct target_pod *pod;

	(void)state;
	pod = load_pod(sidecar_pod);
	assert_int_equal(target_pick_container(pod, "db"), -DPX_NOTFOUND);
	assert_messages_contain("container \"db\" not found in pod \"sample-sidecar\" (namespace "
				"\"default\"); its containers are:\n  app (running)\n  proxy (running)\n");
}

static void test_container_not_running(void **state)
{
	struct target_pod *pod;

	(void)state;
	pod = load_pod(crashing_pod);
	assert_int_equal(target_pick_container(pod, NULL), -DPX_NOTRUNNING);
	assert_messages_contain("container \"app\" of pod \"crashy\" (namespace \"default\") is not "
				"running (waiting: CrashLoopBackOff)");
}

static struct target_pod *exec_pod(void)
{
	struct target_pod *pod = load_pod(one_pod);

	assert_int_equal(target_pick_container(pod, NULL), 0);
	return pod;
}

static void test_podexec_ok_and_script_status(void **state)
{
	const char *const args[] = { "a b", "$(x)", NULL };
	struct target_pod *pod;
	struct proc p;

	(void)state;
	pod = exec_pod();
	mock_expect("-n default exec sample-app -c app -- sh -c echo hi dotnetprof a b $(x)", 0,
		    "hi\n", "");
	proc_init(&p, NULL);
	assert_int_equal(podexec_script(&fx.k, pod, "echo hi", args, &p), 0);
	assert_int_equal(p.status, 0);
	assert_string_equal(p.out_buf, "hi\n");
	proc_release(&p);

	/* the script ran and failed: that is the caller's to judge, not an exec failure */
	mock_expect("-n default exec sample-app -c app -- sh -c exit 3 dotnetprof", 3, "",
		    "not found\ncommand terminated with exit code 3\n");
	proc_init(&p, NULL);
	assert_int_equal(podexec_script(&fx.k, pod, "exit 3", NULL, &p), 0);
	assert_int_equal(p.status, 3);
	proc_release(&p);
	mock_done();
}

static void test_podexec_no_shell(void **state)
{
	struct target_pod *pod;
	struct proc p;

	(void)state;
	pod = exec_pod();
	mock_expect("-n default exec sample-app -c app -- sh -c true dotnetprof", 1, "",
		    "error: Internal error occurred: error executing command in container: failed to "
		    "exec in container: failed to start exec \"4f1\": OCI runtime exec failed: exec "
		    "failed: unable to start container process: exec: \"sh\": executable file not "
		    "found in $PATH: unknown\n");
	proc_init(&p, NULL);
	assert_int_equal(podexec_script(&fx.k, pod, "true", NULL, &p), -DPX_NOSHELL);
	proc_release(&p);
	assert_messages_contain("the container has no shell (sh)");
	assert_messages_contain("hint: an ephemeral debug container is the way in: trace, dump, "
				"stack, ps and fetch make one");
}

/* kubectl lost the exec's status: with pod->lost the caller is told (it runs the exec again), quietly */
static void test_podexec_lost_status(void **state)
{
	struct target_pod *pod;
	struct proc p;
	int lost = 0;

	(void)state;
	pod = exec_pod();
	pod->lost = &lost;
	mock_expect("-n default exec sample-app -c app -- sh -c true dotnetprof", 1, "",
		    "error: closed all streams\n");
	proc_init(&p, NULL);
	assert_int_equal(podexec_script(&fx.k, pod, "true", NULL, &p), -DPX_ERROR);
	proc_release(&p);
	assert_int_equal(lost, 1);
	assert_string_equal(mock_messages(), "");

	pod->lost = NULL; /* else it is an exec failure like any other, said */
	mock_expect("-n default exec sample-app -c app -- sh -c true dotnetprof", 1, "",
		    "error: closed all streams\n");
	proc_init(&p, NULL);
	assert_int_equal(podexec_script(&fx.k, pod, "true", NULL, &p), -DPX_ERROR);
	proc_release(&p);
	mock_done();
	assert_messages_contain("cannot exec into container \"app\" of pod \"sample-app\"");
}

static void test_podexec_forbidden(void **state)
{
	struct target_pod *pod;
	struct proc p;

	(void)state;
	pod = exec_pod();
	mock_expect("-n default exec sample-app -c app -- sh -c true dotnetprof", 1, "",
		    "Error from server (Forbidden): pods \"sample-app\" is forbidden: User "
		    "\"system:serviceaccount:default:viewer\" cannot create resource \"pods/exec\" in "
		    "API group \"\" in the namespace \"default\"\n");
	/* the hint names the namespace: asked from the context */
	mock_expect("config view --minify -o json", 0, config_view, "");
	proc_init(&p, NULL);
	assert_int_equal(podexec_script(&fx.k, pod, "true", NULL, &p), -DPX_FORBIDDEN);
	proc_release(&p);
	mock_done();
	assert_messages_contain("cannot exec into container \"app\" of pod \"sample-app\" (namespace "
				"\"default\"): forbidden:");
	assert_messages_contain("RBAC permission to create pods/exec");
	assert_messages_contain("kubectl auth can-i create pods/exec -n team-b");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_spec_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pod_one_container, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pod_namespace_flag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pod_not_found_names_namespace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pod_not_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forbidden_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deployment_ambiguous, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workload_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workload_none_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_selector, setup, teardown),
		cmocka_unit_test_setup_teardown(test_containers_ambiguous, setup, teardown),
		cmocka_unit_test_setup_teardown(test_container_annotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_container_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_container_not_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_podexec_ok_and_script_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_podexec_no_shell, setup, teardown),
		cmocka_unit_test_setup_teardown(test_podexec_lost_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_podexec_forbidden, setup, teardown),
	};

	return cmocka_run_group_tests_name("target", tests, NULL, NULL);
}
