/*
 * test_agentrec.c - the plugin's reader of dotnetprof-agent's records (agentrec.h): records the
 * real agent printed (the embedded x64 one, run here: version, error records, and a proc record
 * whose TMPDIR holds a TAB, a newline and a backslash, read back unescaped), the trace-end trailer
 * in its typed view, and malformed lines refused.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "agentbin.h"
#include "agentcli.h"
#include "agentrec.h"
#include "proc.h"

static char agent_path[] = "/tmp/dotnetprof-agentrec-test.XXXXXX";

static int setup(void **state)
{
	const struct agentbin *a = agentbin_for_arch("x64");
	int fd;

	(void)state;
	assert_non_null(a);
	fd = mkstemp(agent_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, a->data, a->size), (ssize_t)a->size);
	assert_int_equal(fchmod(fd, 0755), 0);
	assert_int_equal(close(fd), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(agent_path);
	return 0;
}

/* Run the agent with argv (after its path); its stdout or stderr, malloc'd; its exit status. */
static char *run_agent(const char *const *args, int want_stderr, int *status)
{
	const char *argv[16];
	struct proc p;
	char *out;
	size_t n = 0;

	argv[n++] = agent_path;
	for (; *args != NULL && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	proc_init(&p, argv);
	assert_int_equal(proc_run(&p), 0);
	*status = p.status;
	out = strdup(want_stderr ? p.err_buf : p.out_buf);
	assert_non_null(out);
	proc_release(&p);
	return out;
}

static void test_version(void **state)
{
	const char *args[] = { "version", NULL };
	struct agentrec r;
	int st;
	char *out = run_agent(args, 0, &st);

	(void)state;
	assert_int_equal(st, AGENT_EX_OK);
	assert_int_equal(agentrec_parse(out, strlen(out), &r), 0);
	assert_string_equal(r.type, AGENT_REC_AGENT);
	assert_string_equal(agentrec_get(&r, "arch"), "x64");
	assert_string_equal(agentrec_get(&r, "libc"), "musl");
	assert_non_null(agentrec_get(&r, "version"));
	assert_null(agentrec_get(&r, "nope"));
	agentrec_release(&r);
	free(out);
}

static void test_errors(void **state)
{
	char pid[32];
	const char *no_socket[] = { "dump", "--pid", pid, NULL };
	const char *usage[] = { "trace", "--bogus", "1", NULL };
	struct agentrec r;
	int st;
	char *out;

	(void)state;
	snprintf(pid, sizeof(pid), "%ld", (long)getpid()); /* we are no .NET process */
	out = run_agent(no_socket, 1, &st);
	assert_int_equal(st, AGENT_EX_NOTFOUND);
	assert_int_equal(agentrec_parse(out, strlen(out), &r), 0);
	assert_string_equal(r.type, AGENT_REC_ERROR);
	assert_string_equal(agentrec_get(&r, "code"), AGENT_ERR_NO_SOCKET);
	assert_string_equal(agentrec_get(&r, "pid"), pid);
	assert_non_null(strstr(agentrec_get(&r, "message"), "no diagnostics socket"));
	assert_non_null(agentrec_get(&r, "hint"));
	agentrec_release(&r);
	free(out);

	out = run_agent(usage, 1, &st);
	assert_int_equal(st, AGENT_EX_USAGE);
	assert_int_equal(agentrec_parse(out, strlen(out), &r), 0);
	assert_string_equal(agentrec_get(&r, "code"), AGENT_ERR_USAGE);
	assert_string_equal(agentrec_get(&r, "message"), "unknown option \"--bogus\"");
	agentrec_release(&r);
	free(out);
}

/* A proc record of a child whose TMPDIR needs every escape: it comes back as it was. */
static void test_escapes_round_trip(void **state)
{
	const char *tmpdir = "/tmp/a\tb\nc\\d";
	char pid[32], *out, prog[] = "sleep", secs[] = "30", *argv_child[] = { prog, secs, NULL };
	const char *args[] = { "list", "--pid", pid, NULL };
	struct agentrec r;
	pid_t child;
	int st, sync[2];
	char c;

	(void)state;
	/* the pipe's write end closes on exec: EOF on it means the child is `sleep` now */
	assert_int_equal(pipe(sync), 0);
	assert_int_equal(fcntl(sync[1], F_SETFD, FD_CLOEXEC), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		close(sync[0]);
		setenv("TMPDIR", tmpdir, 1);
		execvp(argv_child[0], argv_child);
		_exit(127);
	}
	close(sync[1]);
	assert_int_equal(read(sync[0], &c, 1), 0);
	close(sync[0]);
	snprintf(pid, sizeof(pid), "%ld", (long)child);
	out = run_agent(args, 0, &st);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	assert_int_equal(st, AGENT_EX_OK);
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1); /* one line */
	assert_int_equal(agentrec_parse(out, strlen(out), &r), 0);
	assert_string_equal(r.type, AGENT_REC_PROC);
	assert_string_equal(agentrec_get(&r, "pid"), pid);
	assert_string_equal(agentrec_get(&r, "tmpdir"), tmpdir);
	assert_string_equal(agentrec_get(&r, "comm"), "sleep");
	assert_string_equal(agentrec_get(&r, "error"), AGENT_ERR_NO_SOCKET);
	agentrec_release(&r);
	free(out);
}

static void test_trailer(void **state)
{
	static const char good[] =
		"trace-end\tbytes=2287894\tsha256=7c9e89ebaeeffdaf28e0fb80f607020a65b59ace6012cd14f093688d41f42eb8"
		"\tcomplete=1\treason=duration\tstopped=1\tstdout=ok\telapsed_ms=5138\tfirst_byte_ms=9\n";
	static const char *const bad[] = {
		"trace-start\tbytes=1\tsha256=7c9e89ebaeeffdaf28e0fb80f607020a65b59ace6012cd14f093688d41f42eb8"
		"\tcomplete=1\tstopped=1",
		"trace-end\tbytes=-1\tsha256=7c9e89ebaeeffdaf28e0fb80f607020a65b59ace6012cd14f093688d41f42eb8"
		"\tcomplete=1\tstopped=1",
		"trace-end\tbytes=1\tsha256=7C9E89EBAEEFFDAF28E0FB80F607020A65B59ACE6012CD14F093688D41F42EB8"
		"\tcomplete=1\tstopped=1",
		"trace-end\tbytes=1\tsha256=7c9e\tcomplete=1\tstopped=1",
		"trace-end\tbytes=1\tsha256=7c9e89ebaeeffdaf28e0fb80f607020a65b59ace6012cd14f093688d41f42eb8"
		"\tcomplete=yes\tstopped=1",
		"trace-end\tbytes=99999999999999999999\tsha256=7c9e89ebaeeffdaf28e0fb80f607020a65b59ace6012cd14f0"
		"93688d41f42eb8\tcomplete=1\tstopped=1",
		"trace-end\tsha256=7c9e89ebaeeffdaf28e0fb80f607020a65b59ace6012cd14f093688d41f42eb8\tcomplete=1",
	};
	struct agentrec r;
	struct agentrec_trailer t;
	size_t i;

	(void)state;
	assert_int_equal(agentrec_parse(good, strlen(good), &r), 0);
	assert_int_equal(agentrec_trailer(&r, &t), 0);
	assert_int_equal(t.bytes, 2287894);
	assert_string_equal(t.sha256, "7c9e89ebaeeffdaf28e0fb80f607020a65b59ace6012cd14f093688d41f42eb8");
	assert_true(t.complete && t.stopped && !t.stdout_closed);
	assert_string_equal(t.reason, "duration");
	agentrec_release(&r);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(agentrec_parse(bad[i], strlen(bad[i]), &r), 0);
		if (agentrec_trailer(&r, &t) != -1)
			fail_msg("case %zu accepted", i);
		agentrec_release(&r);
	}
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"", "\n", "proc\tpid", "proc\t=1", "proc\tPid=1", "proc\tpid=1\\", "proc\tpid=1\\x",
		"proc\tpid=1\nproc\tpid=2", "Proc\tpid=1", "pr oc\tpid=1", "\tpid=1",
	};
	struct agentrec r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		if (agentrec_parse(bad[i], strlen(bad[i]), &r) != -1 || errno != EBADMSG)
			fail_msg("case %zu (\"%s\") accepted", i, bad[i]);
		agentrec_release(&r);
	}
	/* an empty value and a value holding '=' are fine */
	assert_int_equal(agentrec_parse("dump\tpath=\ttype=a=b", 19, &r), 0);
	assert_string_equal(agentrec_get(&r, "path"), "");
	assert_string_equal(agentrec_get(&r, "type"), "a=b");
	agentrec_release(&r);
	assert_int_equal(agentrec_parse("agent", 5, &r), 0);
	assert_int_equal(r.nfields, 0);
	agentrec_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_escapes_round_trip),
		cmocka_unit_test(test_trailer),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
