/*
 * test_agentrun.c - how a run of dotnetprof-agent is read (agentrun.h): the stderr lines of the pod
 * script and of the agent (its start and failure markers, the agent's records as the real agent
 * prints them, kubectl's exit line, anything else), and the failure words and exit classes of
 * agentrun_explain. The run itself (the exec, Ctrl-C) is tested end to end in tests/e2e/t_diag.sh.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agentcli.h"
#include "agentrun.h"
#include "exitcodes.h"
#include "log.h"
#include "target.h"

/* Lines as the x64 agent printed them against the sample app (trace, then a closed socket). */
static const char trace_start[] =
	"trace-start\tpid=1\tsession=140196322481280\tcommand=CollectTracing2\tproviders="
	"Microsoft-Windows-DotNETRuntime:0x000000100003801D:4,Microsoft-DotNETCore-SampleProfiler:"
	"0x0000F00000000000:4\trundown=0x80020139";
static const char trace_end[] =
	"trace-end\tbytes=2364282\tsha256=9e32a892024bee2ae24c62d564bb8e60234673815ce9c0b12a0cd2a2b1920d69"
	"\tcomplete=1\treason=duration\tstopped=1\tstdout=ok\telapsed_ms=5156\tfirst_byte_ms=6";
static const char error_rec[] =
	"error\tcode=no-process\tmessage=no process with pid 999999\tpid=999999\thint=list them with "
	"`dotnetprof-agent list`";

struct take {
	struct agentrun_result r;
	int status;
	char fail[128], what[32];
};

static enum agentrun_line take(struct take *t, const char *line)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s", line);
	return agentrun_take_line(buf, &t->r, &t->status, t->fail, sizeof(t->fail), t->what,
				  sizeof(t->what));
}

static void init(struct take *t)
{
	memset(t, 0, sizeof(*t));
	t->status = -1;
}

static void test_markers(void **state)
{
	struct take t;

	(void)state;
	init(&t);
	assert_int_equal(take(&t, "dotnetprof-agentrun\tstart\t4242"), AGENTRUN_LINE_START);
	assert_true(t.r.started);
	assert_int_equal(t.r.pid, 4242);
	assert_int_equal(take(&t, "dotnetprof-agentrun\tfail\t/tmp/.dotnetprof/tools/x is not the "
				  "agent expected\\tnow\thash"), AGENTRUN_LINE_FAIL);
	assert_string_equal(t.fail, "/tmp/.dotnetprof/tools/x is not the agent expected\tnow");
	assert_string_equal(t.what, "hash");
	assert_int_equal(take(&t, "dotnetprof-agentrun\tsomething\tnew"), AGENTRUN_LINE_TEXT);
	assert_int_equal(take(&t, "command terminated with exit code 6"), AGENTRUN_LINE_STATUS);
	assert_int_equal(t.status, 6);
	assert_int_equal(take(&t, "command terminated with exit code 256"), AGENTRUN_LINE_TEXT);
	assert_int_equal(take(&t, "command terminated with exit code x"), AGENTRUN_LINE_TEXT);
	assert_int_equal(t.status, 6);
	agentrun_result_release(&t.r);
}

static void test_records(void **state)
{
	struct take t;

	(void)state;
	init(&t);
	assert_int_equal(take(&t, trace_start), AGENTRUN_LINE_RECORD);
	assert_false(t.r.have_trailer);
	assert_int_equal(take(&t, trace_end), AGENTRUN_LINE_RECORD);
	assert_true(t.r.have_trailer);
	assert_int_equal(t.r.trailer.bytes, 2364282);
	assert_string_equal(t.r.trailer.sha256,
			    "9e32a892024bee2ae24c62d564bb8e60234673815ce9c0b12a0cd2a2b1920d69");
	assert_true(t.r.trailer.complete);
	assert_string_equal(t.r.trailer.reason, "duration");
	assert_int_equal(take(&t, error_rec), AGENTRUN_LINE_RECORD);
	assert_true(t.r.have_error);
	assert_string_equal(agentrec_get(&t.r.error, "code"), AGENT_ERR_NO_PROCESS);
	/* a second trailer replaces the first: the last one counts */
	assert_int_equal(take(&t, "trace-end\tbytes=1\tsha256=" "00000000000000000000000000000000"
				  "00000000000000000000000000000000\tcomplete=0\tstopped=0\treason=error"),
			 AGENTRUN_LINE_RECORD);
	assert_int_equal(t.r.trailer.bytes, 1);
	assert_false(t.r.trailer.complete);
	agentrun_result_release(&t.r);
	assert_false(t.r.have_trailer);
	assert_false(t.r.have_error);
}

static void test_text(void **state)
{
	static const char *const lines[] = {
		"E1207 00:36:42.360415    8838 v2.go:104] \"Unhandled Error\" err=\"broken pipe\"",
		"Warning: pods/sample-app is deprecated",
		"trace-end",                       /* a type without fields is no record of ours */
		"trace-end\tbytes",                /* a field without '=' */
		"trace-end\tBYTES=1",              /* a key outside [a-z0-9_] */
		"trace-endless\tbytes=1",
		"",
	};
	struct take t;
	size_t i;

	(void)state;
	init(&t);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (take(&t, lines[i]) != AGENTRUN_LINE_TEXT)
			fail_msg("line %zu taken for ours: %s", i, lines[i]);
	assert_false(t.r.started);
	assert_false(t.r.have_trailer);
	assert_int_equal(t.status, -1);
	agentrun_result_release(&t.r);
}

/* agentrun_explain on a result with `status` and `err` (an error record, or NULL); its words. */
static int explain(int status, const char *err, const char *tail, char *words, size_t size)
{
	char name[] = "sample-app";
	struct target_pod pod;
	struct take t;
	FILE *f;
	int rc;

	init(&t);
	t.r.status = status;
	if (err)
		assert_int_equal(take(&t, err), AGENTRUN_LINE_RECORD);
	snprintf(t.r.err_tail, sizeof(t.r.err_tail), "%s", tail ? tail : "");
	memset(&pod, 0, sizeof(pod));
	pod.name = name;
	f = fmemopen(words, size, "w");
	assert_non_null(f);
	log_set_stream(f);
	rc = agentrun_explain(&pod, "trace", &t.r);
	log_set_stream(NULL);
	fclose(f);
	agentrun_result_release(&t.r);
	return rc;
}

static void test_explain(void **state)
{
	char w[2048];

	(void)state;
	assert_int_equal(explain(AGENT_EX_NOTFOUND, error_rec, NULL, w, sizeof(w)), -DPX_NOTFOUND);
	assert_non_null(strstr(w, "the trace failed in pod \"sample-app\": no process with pid 999999"));
	assert_non_null(strstr(w, "hint: list them with"));
	assert_int_equal(explain(AGENT_EX_NOTFOUND, "error\tcode=diagnostics-disabled\tmessage=off", NULL,
				 w, sizeof(w)), -DPX_NODOTNET);
	assert_int_equal(explain(AGENT_EX_PERMISSION, "error\tcode=permission\tmessage=closed", NULL,
				 w, sizeof(w)), -DPX_FORBIDDEN);
	assert_int_equal(explain(AGENT_EX_USAGE, "error\tcode=usage\tmessage=invalid profile name: x\t"
				 "hint=run `dotnetprof-agent help`", NULL, w, sizeof(w)), -DPX_USAGE);
	assert_non_null(strstr(w, "invalid profile name: x"));
	assert_non_null(strstr(w, "kubectl dotnetprof trace --help"));
	assert_null(strstr(w, "dotnetprof-agent help"));
	assert_int_equal(explain(AGENT_EX_RUNTIME, "error\tcode=runtime\tmessage=refused\t"
				 "hresult=0x80131384\thresult_name=CORDIAGIPC_E_UNKNOWN_COMMAND", NULL, w,
				 sizeof(w)), -DPX_ERROR);
	assert_non_null(strstr(w, "refused (CORDIAGIPC_E_UNKNOWN_COMMAND)"));
	assert_int_equal(explain(137, NULL, "Killed\n", w, sizeof(w)), -DPX_ERROR);
	assert_non_null(strstr(w, "killed by signal 9: Killed"));
	assert_int_equal(explain(1, NULL, NULL, w, sizeof(w)), -DPX_ERROR);
	assert_non_null(strstr(w, "exited with status 1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_markers),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_explain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
