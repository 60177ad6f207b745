/*
 * test_kube.c - kubectl argv building with the pass-through flags, -v display with secrets masked,
 * the classification of kubectl's real error messages, and kube_run / kube_context against real
 * children (a scripted fake kubectl in a temporary directory, /bin/echo, a missing program).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "exitcodes.h"
#include "kube.h"
#include "log.h"
#include "strvec.h"

static char *logbuf;
static size_t loglen;
static FILE *log_mem;

static int setup(void **state)
{
	(void)state;
	unsetenv("DOTNETPROF_KUBECTL");
	log_mem = open_memstream(&logbuf, &loglen);
	assert_non_null(log_mem);
	log_set_stream(log_mem);
	log_set_level(LOG_NORMAL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	log_set_stream(NULL);
	log_set_level(LOG_NORMAL);
	fclose(log_mem);
	free(logbuf);
	logbuf = NULL;
	unsetenv("DOTNETPROF_KUBECTL");
	return 0;
}

static const char *messages(void)
{
	fflush(log_mem);
	return logbuf ? logbuf : "";
}

static void set(struct kube *k, const char *name, const char *value)
{
	char err[128];

	assert_int_equal(kube_set_flag(k, kube_flag_find(name, 0), value, err, sizeof(err)), 0);
}

static char *joined(const struct strvec *sv)
{
	static char buf[2048];
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < sv->n; i++) {
		if (i)
			strlcat(buf, " ", sizeof(buf));
		strlcat(buf, sv->v[i], sizeof(buf));
	}
	return buf;
}

static void test_flag_table(void **state)
{
	static const char *const names[] = { "kubeconfig", "context", "cluster", "user", "namespace",
					     "as", "as-group", "as-uid", "request-timeout", "server",
					     "token", "certificate-authority", "client-certificate",
					     "client-key", "tls-server-name",
					     "insecure-skip-tls-verify", "cache-dir" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_non_null(kube_flag_find(names[i], 0));
	assert_string_equal(kube_flag_find(NULL, 'n')->name, "namespace");
	assert_string_equal(kube_flag_find(NULL, 's')->name, "server");
	assert_non_null(kube_flag_find("password", 0));
	assert_non_null(kube_flag_find("username", 0));
	assert_null(kube_flag_find("passwd", 0));
	assert_int_equal(kube_flag_find("insecure-skip-tls-verify", 0)->takes_value, 0);
}

static void test_build_argv(void **state)
{
	const char *const args[] = { "get", "pod", "x", "-o", "json", NULL };
	struct strvec sv = STRVEC_INIT;
	struct kube k;
	char err[128];

	(void)state;
	assert_int_equal(kube_init(&k), 0);
	assert_int_equal(kube_build_argv(&k, NULL, args, &sv), 0);
	assert_string_equal(joined(&sv), "kubectl get pod x -o json");
	strvec_clear(&sv);

	set(&k, "context", "prod");
	set(&k, "kubeconfig", "/a b/config");
	set(&k, "as-group", "g1");
	set(&k, "as-group", "g2");
	set(&k, "insecure-skip-tls-verify", NULL);
	set(&k, "namespace", "team-b");
	set(&k, "namespace", "team-c"); /* the last -n wins, as with kubectl */
	assert_string_equal(k.context, "prod");
	assert_int_equal(kube_build_argv(&k, NULL, args, &sv), 0);
	assert_string_equal(joined(&sv), "kubectl --context=prod --kubeconfig=/a b/config "
					 "--as-group=g1 --as-group=g2 --insecure-skip-tls-verify=true "
					 "-n team-c get pod x -o json");
	strvec_clear(&sv);
	/* an explicit namespace (the pod's) beats -n */
	assert_int_equal(kube_build_argv(&k, "default", args, &sv), 0);
	assert_non_null(strstr(joined(&sv), "-n default get"));
	strvec_clear(&sv);

	assert_int_equal(kube_set_flag(&k, kube_flag_find("insecure-skip-tls-verify", 0), "yes", err,
				       sizeof(err)), -1);
	assert_non_null(strstr(err, "true or false"));
	assert_int_equal(kube_set_flag(&k, kube_flag_find("namespace", 0), "", err, sizeof(err)), -1);
	kube_release(&k);

	setenv("DOTNETPROF_KUBECTL", "/opt/k8s/kubectl", 1);
	assert_int_equal(kube_init(&k), 0);
	assert_int_equal(kube_build_argv(&k, NULL, args, &sv), 0);
	assert_string_equal(sv.v[0], "/opt/k8s/kubectl");
	strvec_clear(&sv);
	kube_release(&k);
}

static void test_display_redacts(void **state)
{
	const char *const a1[] = { "kubectl", "--token=s3cr3t", "--context=prod", "get", "pods", NULL };
	const char *const a2[] = { "kubectl", "--token", "s3cr3t", "--password=hunter2", "get", NULL };
	const char *const a3[] = { "kubectl", "exec", "p", "--", "sh", "-c", "echo $HOME; x='y'",
				   "--token=literal", NULL };
	char *s;

	(void)state;
	s = kube_display(a1);
	assert_null(strstr(s, "s3cr3t"));
	assert_non_null(strstr(s, "'--token=***'"));
	assert_non_null(strstr(s, "context=prod"));
	free(s);
	s = kube_display(a2);
	assert_null(strstr(s, "s3cr3t"));
	assert_null(strstr(s, "hunter2"));
	assert_non_null(strstr(s, "kubectl --token '***' '--password=***' get"));
	free(s);
	/* after "--" it is the remote command: shown exactly, shell-quoted for replay */
	s = kube_display(a3);
	assert_non_null(strstr(s, "kubectl exec p -- sh -c 'echo $HOME; x='\\''y'\\'''"));
	assert_non_null(strstr(s, "--token=literal"));
	free(s);
}

static void test_classify(void **state)
{
	static const struct {
		const char *text;
		enum kube_err e;
		const char *why;
	} cases[] = {
		{ "Error from server (NotFound): pods \"x\" not found\n", KERR_NOTFOUND,
		  "pods \"x\" not found" },
		{ "E1126 23:57:19.942431    6239 memcache.go:265] \"Unhandled Error\" err=\"couldn't get "
		  "current server API group list: Get \\\"http://127.0.0.1:1/api\\\": dial tcp "
		  "127.0.0.1:1: connect: connection refused\"\nThe connection to the server 127.0.0.1:1 "
		  "was refused - did you specify the right host or port?\n", KERR_UNREACHABLE,
		  "The connection to the server 127.0.0.1:1 was refused - did you specify the right "
		  "host or port?" },
		{ "The connection to the server localhost:8080 was refused - did you specify the right "
		  "host or port?\n", KERR_NOCLUSTER, NULL },
		{ "Error in configuration: context was not found for specified context: nope\n",
		  KERR_CONTEXT, "context was not found for specified context: nope" },
		{ "error: cannot locate context nope\n", KERR_CONTEXT, "cannot locate context nope" },
		{ "error: error loading config file \"/k\": open /k: permission denied\n",
		  KERR_KUBECONFIG, "error loading config file \"/k\": open /k: permission denied" },
		{ "error: stat /tmp/nonexist.yaml: no such file or directory\n", KERR_KUBECONFIG, NULL },
		{ "error: You must be logged in to the server (Unauthorized)\n", KERR_UNAUTHORIZED,
		  "You must be logged in to the server (Unauthorized)" },
		{ "Unable to connect to the server: dial tcp: lookup nowhere: no such host\n",
		  KERR_UNREACHABLE, NULL },
		{ "error: unable to upgrade connection: container not found (\"db\")\n", KERR_NOTFOUND,
		  NULL },
		{ "error: cannot exec into a container in a completed pod; current phase is Succeeded\n",
		  KERR_NOTRUNNING, NULL },
		{ "OCI runtime exec failed: exec failed: unable to start container process: exec: "
		  "\"sh\": executable file not found in $PATH: unknown\ncommand terminated with exit "
		  "code 126\n", KERR_NOSHELL, NULL },
		{ "something new\n", KERR_OTHER, "something new" },
		{ "", KERR_OTHER, "kubectl failed without a message" },
	};
	char why[512], verb[32], res[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum kube_err e = kube_classify(cases[i].text, why, sizeof(why), verb, sizeof(verb),
						res, sizeof(res));

		if (e != cases[i].e)
			fail_msg("case %zu: got %d, want %d for: %s", i, e, cases[i].e, cases[i].text);
		if (cases[i].why)
			assert_string_equal(why, cases[i].why);
	}
	assert_int_equal(kube_classify("Error from server (Forbidden): pods \"a\" is forbidden: User "
				       "\"u\" cannot create resource \"pods/exec\" in API group \"\" "
				       "in the namespace \"d\"", why, sizeof(why), verb, sizeof(verb),
				       res, sizeof(res)), KERR_FORBIDDEN);
	assert_string_equal(verb, "create");
	assert_string_equal(res, "pods/exec");
	assert_int_equal(kube_err_exit_code(KERR_FORBIDDEN), DPX_FORBIDDEN);
	assert_int_equal(kube_err_exit_code(KERR_CONTEXT), DPX_CLUSTER);
	assert_int_equal(kube_err_exit_code(KERR_NOSHELL), DPX_NOSHELL);
	assert_int_equal(kube_err_exit_code(KERR_OTHER), DPX_ERROR);
}

/* A fake kubectl: a script in a temporary dir that prints `out` and exits with `status`. */
static char *fake_kubectl(const char *out, int status)
{
	static char path[] = "/tmp/dotnetprof-kubectl-XXXXXX";
	FILE *f;
	int fd;

	strlcpy(path, "/tmp/dotnetprof-kubectl-XXXXXX", sizeof(path));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\ncat <<'EOF'\n%s\nEOF\necho \"args: $*\" >&2\nexit %d\n", out, status);
	fclose(f);
	assert_int_equal(chmod(path, 0700), 0);
	setenv("DOTNETPROF_KUBECTL", path, 1);
	return path;
}

/* `kubectl get pods` run as /bin/echo at -vv, so that it prints the argv it got. */
static void echo_run(struct kube *k, const char *ns, struct proc *p)
{
	const char *const args[] = { "get", "pods", NULL };

	log_set_level(LOG_DEBUG);
	proc_init(p, NULL);
	assert_int_equal(kube_run(k, ns, args, p), 0);
}

static void test_run_and_trace(void **state)
{
	struct kube k;
	struct proc p;

	(void)state;
	setenv("DOTNETPROF_KUBECTL", "/bin/echo", 1);
	assert_int_equal(kube_init(&k), 0);
	set(&k, "token", "s3cr3t");
	echo_run(&k, "ns", &p);
	assert_int_equal(p.status, 0);
	assert_string_equal(p.out_buf, "--token=s3cr3t -n ns get pods\n");
	assert_null(p.argv);
	assert_int_equal(k.calls, 1);
	proc_release(&p);
	/* -v: the command, replayable, token masked; -vv: what came back */
	assert_non_null(strstr(messages(), "+ /bin/echo '--token=***' -n ns get pods\n"));
	assert_non_null(strstr(messages(), "kubectl exited with status 0"));
	assert_non_null(strstr(messages(), "stdout (30 bytes)\n  | --token=*** -n ns get pods\n"));
	assert_null(strstr(messages(), "s3cr3t"));
	kube_release(&k);
}

/* --password and a user:password@ in --server: in no -v or -vv line, nor in kubectl's quoted words. */
static void test_run_redacts_server_and_password(void **state)
{
	struct kube k;
	struct proc p;

	(void)state;
	setenv("DOTNETPROF_KUBECTL", "/bin/echo", 1);
	assert_int_equal(kube_init(&k), 0);
	set(&k, "server", "https://admin:hunter22@api.example:6443");
	set(&k, "password", "pa55word");
	echo_run(&k, NULL, &p);
	assert_non_null(strstr(p.out_buf, "hunter22")); /* kubectl itself gets them */
	log_error("kubectl said: %s", p.out_buf);
	proc_release(&p);
	assert_null(strstr(messages(), "hunter22"));
	assert_null(strstr(messages(), "pa55word"));
	assert_non_null(strstr(messages(), "+ /bin/echo '--server=https://admin:***@api.example:6443' "
					   "'--password=***' get pods\n"));
	assert_non_null(strstr(messages(), "kubectl said: --server=https://admin:***@api.example:6443 "
					   "--password=*** get pods\\n\n")); /* its newline escaped */
	kube_release(&k);
}

static void test_missing_kubectl(void **state)
{
	const char *const args[] = { "version", NULL };
	struct kube k;
	struct proc p;

	(void)state;
	setenv("DOTNETPROF_KUBECTL", "/nonexistent/kubectl", 1);
	assert_int_equal(kube_init(&k), 0);
	proc_init(&p, NULL);
	assert_int_equal(kube_run(&k, NULL, args, &p), -DPX_NOKUBECTL);
	assert_non_null(strstr(messages(), "cannot run kubectl: \"/nonexistent/kubectl\" (from "
					   "DOTNETPROF_KUBECTL) does not exist"));
	proc_release(&p);
	kube_release(&k);

	setenv("PATH", "/nonexistent", 1);
	unsetenv("DOTNETPROF_KUBECTL");
	assert_int_equal(kube_init(&k), 0);
	proc_init(&p, NULL);
	assert_int_equal(kube_run(&k, NULL, args, &p), -DPX_NOKUBECTL);
	assert_non_null(strstr(messages(), "\"kubectl\" not found on PATH"));
	assert_non_null(strstr(messages(), "hint: install kubectl"));
	proc_release(&p);
	kube_release(&k);
}

static void test_context(void **state)
{
	const char *ctx, *ns;
	struct kube k;
	char *path;

	(void)state;
	path = fake_kubectl("{\"contexts\":[{\"name\":\"dev\",\"context\":{\"cluster\":\"c\"}}],"
			    "\"current-context\":\"dev\"}", 0);
	assert_int_equal(kube_init(&k), 0);
	assert_int_equal(kube_context(&k, &ctx, &ns), 0);
	assert_string_equal(ctx, "dev");
	assert_string_equal(ns, "default"); /* a context without a namespace */
	assert_int_equal(kube_context(&k, &ctx, &ns), 0);
	assert_int_equal(k.calls, 1); /* cached */
	assert_string_equal(kube_namespace(&k, 1), "default");
	kube_release(&k);
	unlink(path);

	path = fake_kubectl("{\"contexts\":[{\"name\":\"b\",\"context\":{\"namespace\":\"team-b\"}}]}", 0);
	assert_int_equal(kube_init(&k), 0);
	assert_string_equal(kube_namespace(&k, 1), "team-b");
	set(&k, "namespace", "x");
	assert_string_equal(kube_namespace(&k, 1), "x");
	kube_release(&k);
	unlink(path);

	path = fake_kubectl("", 1);
	assert_int_equal(kube_init(&k), 0);
	assert_int_equal(kube_context(&k, &ctx, &ns), -DPX_ERROR);
	assert_non_null(strstr(messages(), "cannot read the kubeconfig: args: config view --minify -o json"));
	kube_release(&k);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_flag_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_build_argv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_display_redacts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_classify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_and_trace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_redacts_server_and_password, setup, teardown),
		cmocka_unit_test_setup_teardown(test_context, setup, teardown),
		/* last: it empties PATH */
		cmocka_unit_test_setup_teardown(test_missing_kubectl, setup, teardown),
	};

	return cmocka_run_group_tests_name("kube", tests, NULL, NULL);
}
