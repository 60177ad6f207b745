/*
 * test_quote.c - sh_quote and friends. Safety is not asserted by looking at the quoted text but by
 * handing it to real shells (/bin/sh, dash, bash, busybox ash): each must read back exactly one word
 * equal to the input, and no injection may create the canary file in the test's scratch directory.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
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

#include "quote.h"

static const char *const shells[][3] = {
	{ "/bin/sh", NULL, NULL },
	{ "/bin/dash", NULL, NULL },
	{ "/bin/bash", "--posix", NULL },
	{ "/bin/bash", NULL, NULL },
	{ "/bin/busybox", "ash", NULL },
};

/* Values that would run `touch canary` (or worse) if they reached the shell unquoted. */
static const char *const values[] = {
	"plain",
	"",
	"two words",
	"  leading and trailing  ",
	"tab\there",
	"it's",
	"'",
	"''",
	"'\\''",
	"\"double\"",
	"\\",
	"back\\slash\\",
	"$(touch canary)",
	"`touch canary`",
	"${HOME}$HOME$1$@$*$#$?$$$!",
	"$((1+1))",
	"x; touch canary",
	"x && touch canary",
	"x | touch canary",
	"x & touch canary",
	"x\ntouch canary",
	"x\rtouch canary",
	"\n",
	"'; touch canary; '",
	"'$(touch canary)'",
	"\"$(touch canary)\"",
	"> canary",
	"< /etc/passwd",
	"*",
	"/*",
	"?",
	"[a-z]*",
	"{a,b}",
	"~",
	"~root",
	"#comment",
	"-n",
	"--",
	"-e \\n",
	"a=b",
	"!",
	"%s%n",
	"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7",
	"\xff\xfe\x80 invalid utf-8",
	"\x01\x02\x1b[31m control",
};

/* Scratch dir the shells run in; a successful injection creates "canary" there. */
static char scratch[] = "/tmp/test_quote.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(scratch) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	char canary[sizeof(scratch) + 16];

	(void)state;
	snprintf(canary, sizeof(canary), "%s/canary", scratch);
	unlink(canary);
	return rmdir(scratch);
}

static int canary_exists(void)
{
	char canary[sizeof(scratch) + 16];
	struct stat st;

	assert_true(snprintf(canary, sizeof(canary), "%s/canary", scratch) < (int)sizeof(canary));
	return stat(canary, &st) == 0;
}

/*
 * Run shell `sh` with `-c script` in the scratch dir, return what it printed (caller frees).
 * Fails the test when the shell is missing: these shells are part of the test contract.
 */
static char *run_shell(const char *const sh[3], const char *script, size_t *outlen)
{
	const char *argv[6];
	size_t argc = 0, len = 0, cap = 4096;
	char *out = malloc(cap);
	int fds[2], status;
	pid_t pid;
	ssize_t n;

	assert_non_null(out);
	if (access(sh[0], X_OK) != 0)
		fail_msg("shell %s not found: install dash, bash and busybox-static", sh[0]);
	argv[argc++] = sh[0];
	if (sh[1] != NULL)
		argv[argc++] = sh[1];
	argv[argc++] = "-c";
	argv[argc++] = script;
	argv[argc] = NULL;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		if (chdir(scratch) != 0)
			_exit(126);
		execv(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], out + len, cap - len)) > 0) {
		len += (size_t)n;
		if (len == cap) {
			cap *= 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
	}
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	*outlen = len;
	return out;
}

/* Concatenate into a new string. */
static char *cat3(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *s = malloc(la + lb + lc + 1);

	assert_non_null(s);
	memcpy(s, a, la);
	memcpy(s + la, b, lb);
	memcpy(s + la + lb, c, lc + 1);
	return s;
}

/* The quoted value must come back from every shell as one argument equal to the input. */
static void check_roundtrip(const char *value)
{
	char *q = sh_quote(value), *script, *expect, *out;
	size_t i, outlen;

	assert_non_null(q);
	script = cat3("set -- ", q, "; printf '%s:[%s]' \"$#\" \"$1\"");
	expect = cat3("1:[", value, "]");
	for (i = 0; i < sizeof(shells) / sizeof(shells[0]); i++) {
		out = run_shell(shells[i], script, &outlen);
		if (outlen != strlen(expect) || memcmp(out, expect, outlen) != 0)
			fail_msg("%s %s: quoted %s came back as %.*s", shells[i][0],
				 shells[i][1] ? shells[i][1] : "", q, (int)outlen, out);
		assert_false(canary_exists());
		free(out);
	}
	free(expect);
	free(script);
	free(q);
}

static void test_injection_values(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		check_roundtrip(values[i]);
}

/* Every byte 1..255 in one value, then a 64 KiB value mixing quotes and metacharacters. */
static void test_all_bytes_and_long(void **state)
{
	static const char mix[] = "a'$(`\"\\ \n;|&*";
	char all[256], *longv;
	size_t i;

	(void)state;
	for (i = 0; i < 255; i++)
		all[i] = (char)(i + 1);
	all[255] = '\0';
	check_roundtrip(all);

	longv = malloc(64 * 1024 + 1);
	assert_non_null(longv);
	for (i = 0; i < 64 * 1024; i++)
		longv[i] = mix[i % (sizeof(mix) - 1)];
	longv[64 * 1024] = '\0';
	check_roundtrip(longv);
	free(longv);
}

static void test_quote_exact_forms(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "abc", "'abc'" },
		{ "", "''" },
		{ "it's", "'it'\\''s'" },
		{ "'", "''\\'''" },
		{ "a b", "'a b'" },
		{ "-rf", "'-rf'" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *q = sh_quote(cases[i].in);

		assert_non_null(q);
		assert_string_equal(q, cases[i].out);
		free(q);
	}
}

static void test_quote_append(void **state)
{
	char buf[16] = "echo ";

	(void)state;
	assert_int_equal(sh_quote_append(buf, sizeof(buf), "it's"), 0);
	assert_string_equal(buf, "echo 'it'\\''s'");
	/* exactly fills: "echo 'it'\''s'" is 14 bytes, "x" would need 3 more */
	errno = 0;
	assert_int_equal(sh_quote_append(buf, sizeof(buf), "x"), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_string_equal(buf, "echo 'it'\\''s'");

	{
		char exact[5] = "";

		assert_int_equal(sh_quote_append(exact, sizeof(exact), "ab"), 0);
		assert_string_equal(exact, "'ab'");
		assert_int_equal(sh_quote_append(exact, sizeof(exact), ""), -1);
		assert_string_equal(exact, "'ab'");
	}
	{
		char unterminated[4] = { 'a', 'b', 'c', 'd' };

		assert_int_equal(sh_quote_append(unterminated, sizeof(unterminated), ""), -1);
		assert_int_equal(errno, ENAMETOOLONG);
	}
}

static void test_quote_argv(void **state)
{
	static const char *const argv[] = { "kubectl", "exec", "-n", "team b", "pod-1", "--", "sh",
					    "-c", "echo 'hi' $HOME", "", "a=b", "x.y/z:1,2@3%", NULL };
	static const char *const empty[] = { NULL };
	char *s, *script, *out;
	size_t i, outlen;

	(void)state;
	s = sh_quote_argv(argv);
	assert_non_null(s);
	assert_string_equal(s, "kubectl exec -n 'team b' pod-1 -- sh -c 'echo '\\''hi'\\'' $HOME' "
			       "'' 'a=b' x.y/z:1,2@3%");
	/* and the shells read it back as the same words */
	script = cat3("set -- ", s, "; printf '[%s]' \"$@\"");
	for (i = 0; i < sizeof(shells) / sizeof(shells[0]); i++) {
		out = run_shell(shells[i], script, &outlen);
		assert_int_equal(outlen, strlen("[kubectl][exec][-n][team b][pod-1][--][sh][-c]"
						"[echo 'hi' $HOME][][a=b][x.y/z:1,2@3%]"));
		assert_memory_equal(out, "[kubectl][exec][-n][team b][pod-1][--][sh][-c]"
					 "[echo 'hi' $HOME][][a=b][x.y/z:1,2@3%]", outlen);
		free(out);
	}
	free(script);
	free(s);

	s = sh_quote_argv(empty);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_exact_forms),
		cmocka_unit_test(test_quote_append),
		cmocka_unit_test(test_quote_argv),
		cmocka_unit_test(test_injection_values),
		cmocka_unit_test(test_all_bytes_and_long),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
