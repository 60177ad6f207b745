/*
 * test_proc.c - the child runner against real children: exit codes, 128+signal, ENOENT/EACCES for a
 * missing or non-executable program, stdin fed from a buffer, stdout/stderr captured with limits,
 * a child that does not read its stdin, the timeout, and the streaming start/finish API.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "proc.h"

/* Run argv with default io; return the status (the test fails if it could not run). */
static int run(const char *const *argv, struct proc *p)
{
	proc_init(p, argv);
	assert_int_equal(proc_run(p), 0);
	return p->status;
}

static void test_exit_codes(void **state)
{
	const char *const t[] = { "true", NULL };
	const char *const f[] = { "/bin/false", NULL };
	const char *const e42[] = { "sh", "-c", "exit 42", NULL };
	struct proc p;

	(void)state;
	assert_int_equal(run(t, &p), 0);
	assert_int_equal(p.out_len, 0);
	assert_non_null(p.out_buf);
	assert_string_equal(p.out_buf, "");
	proc_release(&p);
	assert_int_equal(run(f, &p), 1);
	proc_release(&p);
	assert_int_equal(run(e42, &p), 42);
	proc_release(&p);
	proc_release(&p); /* twice is safe */
}

static void test_signals(void **state)
{
	const char *const term[] = { "sh", "-c", "kill -TERM $$", NULL };
	const char *const kill9[] = { "sh", "-c", "kill -KILL $$", NULL };
	/* SIGPIPE is ignored here (as in main), yet the child gets it back at its default */
	const char *const pipe[] = { "sh", "-c", "trap - PIPE; yes | head -c 1 >/dev/null; "
				     "kill -PIPE $$", NULL };
	struct proc p;

	(void)state;
	assert_int_equal(run(term, &p), 128 + SIGTERM);
	proc_release(&p);
	assert_int_equal(run(kill9, &p), 128 + SIGKILL);
	proc_release(&p);
	assert_int_equal(run(pipe, &p), 128 + SIGPIPE);
	proc_release(&p);
}

static void test_enoent(void **state)
{
	const char *const missing[] = { "dotnetprof-no-such-program-xyz", NULL };
	const char *const missing_path[] = { "/nonexistent/kubectl", NULL };
	char path[] = "/tmp/dotnetprof-test-XXXXXX";
	const char *const not_exec[] = { path, NULL };
	struct proc p;
	int fd;

	(void)state;
	fd = mkstemp(path); /* mode 0600: not executable */
	assert_true(fd >= 0);
	close(fd);
	proc_init(&p, missing);
	errno = 0;
	assert_int_equal(proc_run(&p), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(p.pid, -1);
	proc_release(&p);
	proc_init(&p, missing_path);
	assert_int_equal(proc_run(&p), -1);
	assert_int_equal(errno, ENOENT);
	proc_release(&p);
	proc_init(&p, not_exec);
	assert_int_equal(proc_run(&p), -1);
	assert_int_equal(errno, EACCES);
	proc_release(&p);
	unlink(path);
}

static void test_stdin_stdout_stderr(void **state)
{
	const char *const cat[] = { "cat", NULL };
	const char *const both[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
	static const char data[] = "line 1\nbinary \001\377 and a NUL:\0end";
	struct proc p;

	(void)state;
	proc_init(&p, cat);
	p.in = PROC_IO_BUFFER;
	p.in_data = data;
	p.in_len = sizeof(data);
	assert_int_equal(proc_run(&p), 0);
	assert_int_equal(p.status, 0);
	assert_int_equal(p.out_len, sizeof(data));
	assert_memory_equal(p.out_buf, data, sizeof(data));
	assert_int_equal(p.out_truncated, 0);
	proc_release(&p);

	assert_int_equal(run(both, &p), 3);
	assert_string_equal(p.out_buf, "out\n");
	assert_string_equal(p.err_buf, "err\n");
	proc_release(&p);
}

static void test_capture_limit_and_big_io(void **state)
{
	const char *const cat[] = { "cat", NULL };
	size_t n = 4u * 1024 * 1024;
	char *big = malloc(n);
	struct proc p;

	(void)state;
	assert_non_null(big);
	memset(big, 'x', n);
	/* more than a pipe buffer both ways: proves stdin and stdout are pumped together */
	proc_init(&p, cat);
	p.in = PROC_IO_BUFFER;
	p.in_data = big;
	p.in_len = n;
	p.out_max = 1000;
	assert_int_equal(proc_run(&p), 0);
	assert_int_equal(p.status, 0);
	assert_int_equal(p.out_len, 1000);
	assert_int_equal(p.out_truncated, 1);
	proc_release(&p);
	free(big);
}

static void test_child_ignores_stdin(void **state)
{
	const char *const t[] = { "true", NULL };
	size_t n = 1024 * 1024;
	char *big = calloc(1, n);
	struct proc p;

	(void)state;
	assert_non_null(big);
	proc_init(&p, t);
	p.in = PROC_IO_BUFFER;
	p.in_data = big;
	p.in_len = n;
	assert_int_equal(proc_run(&p), 0); /* EPIPE, not a hang or a crash */
	assert_int_equal(p.status, 0);
	proc_release(&p);
	free(big);
}

static void test_timeout(void **state)
{
	const char *const slow[] = { "sleep", "30", NULL };
	const char *const stubborn[] = { "sh", "-c", "trap '' TERM; sleep 30", NULL };
	struct proc p;

	(void)state;
	proc_init(&p, slow);
	p.timeout_ms = 200;
	assert_int_equal(proc_run(&p), 0);
	assert_int_equal(p.timed_out, 1);
	assert_int_equal(p.status, 128 + SIGTERM);
	proc_release(&p);
	/* ignores SIGTERM: SIGKILL 2 s later (its sleep child keeps the pipes until then too) */
	proc_init(&p, stubborn);
	p.timeout_ms = 100;
	p.out = PROC_IO_NULL;
	p.err = PROC_IO_NULL;
	assert_int_equal(proc_run(&p), 0);
	assert_int_equal(p.timed_out, 1);
	assert_int_equal(p.status, 128 + SIGKILL);
	proc_release(&p);
}

static void test_start_finish_pipes(void **state)
{
	const char *const tr[] = { "tr", "a-z", "A-Z", NULL };
	char buf[64];
	ssize_t r;
	size_t got = 0;
	struct proc p;

	(void)state;
	proc_init(&p, tr);
	p.in = PROC_IO_PIPE;
	p.out = PROC_IO_PIPE;
	p.err = PROC_IO_INHERIT;
	assert_int_equal(proc_start(&p), 0);
	assert_true(p.in_fd > 2 && p.out_fd > 2);
	assert_int_equal(p.err_fd, -1);
	assert_int_equal(write(p.in_fd, "hello\n", 6), 6);
	close(p.in_fd);
	p.in_fd = -1;
	while ((r = read(p.out_fd, buf + got, sizeof(buf) - got - 1)) > 0)
		got += (size_t)r;
	buf[got] = '\0';
	assert_string_equal(buf, "HELLO\n");
	assert_int_equal(proc_finish(&p), 0);
	assert_int_equal(p.status, 0);
	assert_int_equal(p.out_fd, -1);
	proc_release(&p);
	/* PIPE is for proc_start only */
	proc_init(&p, tr);
	p.out = PROC_IO_PIPE;
	assert_int_equal(proc_run(&p), -1);
	assert_int_equal(errno, EINVAL);
}

static void test_no_fd_leak(void **state)
{
	const char *const t[] = { "true", NULL };
	int before, after, i;
	struct proc p;

	(void)state;
	before = dup(0);
	close(before);
	for (i = 0; i < 50; i++) {
		assert_int_equal(run(t, &p), 0);
		proc_release(&p);
	}
	after = dup(0);
	close(after);
	assert_int_equal(before, after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_enoent),
		cmocka_unit_test(test_stdin_stdout_stderr),
		cmocka_unit_test(test_capture_limit_and_big_io),
		cmocka_unit_test(test_child_ignores_stdin),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_start_finish_pipes),
		cmocka_unit_test(test_no_fd_leak),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("proc", tests, NULL, NULL);
}
