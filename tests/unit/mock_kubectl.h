/*
 * mock_kubectl.h - a scripted kubectl for unit tests: wraps proc_run() (-Wl,--wrap=proc_run, added by
 * the Makefile because the including test defines __wrap_proc_run) and answers each expected
 * command line with canned stdout, stderr and status. Messages printed through log.h are captured.
 *
 * Usage: mock_expect("get pod x -o json", 0, "{...}", ""); ... run code ...; mock_done();
 * The command line is the argv after the program name, joined by single spaces.
 */
#ifndef DOTNETPROF_TEST_MOCK_KUBECTL_H
#define DOTNETPROF_TEST_MOCK_KUBECTL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "proc.h"

#define MOCK_MAX 16

struct mock_call {
	const char *cmdline;
	int status;
	const char *out;
	const char *err;
};

static struct mock_call mock_calls[MOCK_MAX];
static size_t mock_n, mock_next;
static char *mock_log_buf;
static size_t mock_log_len;
static FILE *mock_log;

int __wrap_proc_run(struct proc *p);

int __wrap_proc_run(struct proc *p)
{
	char line[8192] = "";
	size_t i;

	for (i = 1; p->argv[i]; i++) {
		if (i > 1)
			strlcat(line, " ", sizeof(line));
		strlcat(line, p->argv[i], sizeof(line));
	}
	if (mock_next >= mock_n)
		fail_msg("unexpected kubectl call: %s", line);
	assert_string_equal(line, mock_calls[mock_next].cmdline);
	p->status = mock_calls[mock_next].status;
	p->out_buf = strdup(mock_calls[mock_next].out);
	p->err_buf = strdup(mock_calls[mock_next].err);
	assert_non_null(p->out_buf);
	assert_non_null(p->err_buf);
	p->out_len = strlen(p->out_buf);
	p->err_len = strlen(p->err_buf);
	mock_next++;
	return 0;
}

static void mock_expect(const char *cmdline, int status, const char *out, const char *err)
{
	assert_true(mock_n < MOCK_MAX);
	mock_calls[mock_n].cmdline = cmdline;
	mock_calls[mock_n].status = status;
	mock_calls[mock_n].out = out;
	mock_calls[mock_n].err = err;
	mock_n++;
}

/* Start a test: no expectations, messages captured. */
static int mock_setup(void **state)
{
	(void)state;
	mock_n = mock_next = 0;
	unsetenv("DOTNETPROF_KUBECTL");
	mock_log = open_memstream(&mock_log_buf, &mock_log_len);
	assert_non_null(mock_log);
	log_set_stream(mock_log);
	log_set_level(LOG_NORMAL);
	return 0;
}

static int mock_teardown(void **state)
{
	(void)state;
	log_set_stream(NULL);
	fclose(mock_log);
	free(mock_log_buf);
	mock_log_buf = NULL;
	mock_log = NULL;
	return 0;
}

/* Every expected call was made. */
static void mock_done(void)
{
	assert_int_equal(mock_next, mock_n);
}

/* What was printed so far. */
static const char *mock_messages(void)
{
	fflush(mock_log);
	return mock_log_buf ? mock_log_buf : "";
}

#define assert_messages_contain(needle) \
	do { \
		const char *m_ = mock_messages(); \
		if (!strstr(m_, (needle))) \
			fail_msg("messages lack \"%s\":\n%s", (needle), m_); \
	} while (0)

#endif
