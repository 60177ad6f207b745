/*
 * test_pull.c - a pull's pod scripts (stat and stream) run by the local sh, dash, bash and busybox ash against hostile file names, errors, and the SHA-256 tool choice.
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
#include <unistd.h>

#include <cmocka.h>

#include "base64.h"
#include "podscripts.h"
#include "probe.h"
#include "proc.h"
#include "pullstat.h"
#include "scratch.h"

/*
 * Run a remote script with `shell` locally, as the pod would. Returns stdout (caller frees); stderr
 * into *err (caller frees) when `err` is not NULL.
 */
static char *run_script2(const char *shell, const char *script, const char *const *args, size_t *len,
			 char **err, size_t *err_len)
{
	const char *argv[16];
	struct proc p;
	size_t i = 0, j;
	char *out;

	if (!strcmp(shell, "busybox"))
		argv[i++] = "busybox";
	argv[i++] = strcmp(shell, "busybox") ? shell : "sh";
	argv[i++] = "-c";
	argv[i++] = script;
	argv[i++] = "dotnetprof";
	for (j = 0; args[j]; j++)
		argv[i++] = args[j];
	argv[i] = NULL;
	proc_init(&p, argv);
	assert_int_equal(proc_run(&p), 0);
	out = p.out_buf;
	*len = p.out_len;
	p.out_buf = NULL;
	if (err) {
		*err = p.err_buf;
		*err_len = p.err_len;
		p.err_buf = NULL;
	}
	proc_release(&p);
	return out;
}

static char *run_script(const char *shell, const char *script, const char *const *args, size_t *len)
{
	return run_script2(shell, script, args, len, NULL, NULL);
}

/* The stat records among what a folded exec wrote on stderr, as the plugin keeps them. */
static size_t records_of(const char *err, size_t len, char *out, size_t size)
{
	size_t o = 0, start = 0, i;

	for (i = 0; i < len; i++) {
		if (err[i] != '\n')
			continue;
		if (pull_stat_is_record(err + start, i - start) && o + i - start + 1 < size) {
			memcpy(out + o, err + start, i - start + 1);
			o += i - start + 1;
		}
		start = i + 1;
	}
	out[o] = '\0';
	return o;
}

static int have_prog(const char *path)
{
	return access(path, X_OK) == 0;
}

static void test_scripts_hostile_names(void **state)
{
	static const char *const names[] = {
		"sp ace", "quo'te\"s", "$(touch canary)", "`touch canary`", "new\nline", "-dash", "--",
		"back\\slash", "semi;touch canary", "star*", "\xc3\xa9t\xc3\xa9",
	};
	static const char *const shells[] = { "/bin/sh", "/bin/dash", "/bin/bash", "busybox" };
	size_t i, s, len;
	struct stat st;

	(void)state;
	assert_int_equal(chdir(scratch), 0);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char content[128];

		snprintf(content, sizeof(content), "file %zu: %s", i, names[i]);
		write_file(names[i], content);
		for (s = 0; s < sizeof(shells) / sizeof(shells[0]); s++) {
			const char *stat_args[] = { "stat", names[i], "1", "sha256sum md5sum cksum", "0",
						    "+1", "cat", "raw", NULL };
			const char *tail_args[] = { "stream", names[i], "0", "", "5", "+6", "tail", "raw",
						    NULL };
			const char *dd_args[] = { "stream", names[i], "0", "", "5", "+6", "dd", "raw", NULL };
			const char *b64_args[] = { "stream", names[i], "0", "", "0", "+1", "cat", "base64",
						   NULL };
			const char *both_args[] = { "both", names[i], "1", "sha256sum md5sum cksum", "3",
						    "+4", "tail", "raw", NULL };
			char *errs, recs[2048];
			size_t errs_len;
			struct pull_stat ps;
			char err[128], want[DIGEST_HEX_MAX];
			struct digest d;
			char *out;

			if (strcmp(shells[s], "busybox") ? !have_prog(shells[s]) : !have_prog("/bin/busybox"))
				continue;
			out = run_script(shells[s], pull_sh, stat_args, &len);
			assert_int_equal(pull_stat_parse(out, len, &ps, err, sizeof(err)), 0);
			assert_int_equal(ps.error, PULL_STAT_OK);
			assert_true(ps.ready && ps.end);
			assert_true(ps.size == strlen(content));
			digest_init(&d, DIGEST_SHA256);
			digest_update(&d, content, strlen(content));
			digest_final(&d, want, sizeof(want));
			assert_int_equal(ps.hash, DIGEST_SHA256);
			assert_string_equal(ps.hash_hex, want);
			free(out);

			out = run_script(shells[s], pull_sh, tail_args, &len);
			assert_int_equal(len, strlen(content) - 5);
			assert_memory_equal(out, content + 5, len);
			free(out);
			out = run_script(shells[s], pull_sh, dd_args, &len);
			assert_int_equal(len, strlen(content) - 5);
			assert_memory_equal(out, content + 5, len);
			free(out);
			out = run_script(shells[s], pull_sh, b64_args, &len);
			{
				unsigned char dec[256];
				struct b64dec b;
				long n;

				b64dec_init(&b);
				n = b64dec_update(&b, (unsigned char *)out, len, dec);
				assert_int_equal(n, (long)strlen(content));
				assert_memory_equal(dec, content, (size_t)n);
			}
			free(out);

			/* folded: the bytes on stdout, the same report on stderr */
			out = run_script2(shells[s], pull_sh, both_args, &len, &errs, &errs_len);
			assert_int_equal(len, strlen(content) - 3);
			assert_memory_equal(out, content + 3, len);
			assert_int_equal(pull_stat_parse(recs, records_of(errs, errs_len, recs,
									  sizeof(recs)), &ps, err,
							 sizeof(err)), 0);
			assert_true(ps.ready && ps.end && ps.size == strlen(content));
			assert_string_equal(ps.hash_hex, want);
			free(out);
			free(errs);
		}
		assert_int_equal(stat("canary", &st), -1);
	}
}

static void test_scripts_errors(void **state)
{
	static const char *const cases[][2] = {
		{ "nosuchfile", "noent" }, { ".", "isdir" }, { "/dev/null", "notreg" },
	};
	size_t i, len;

	(void)state;
	assert_int_equal(chdir(scratch), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[] = { "stat", cases[i][0], "0", "sha256sum", "0", "+1", "cat", "raw",
				       NULL };
		struct pull_stat ps;
		char err[128], *out;

		out = run_script("/bin/sh", pull_sh, args, &len);
		assert_int_equal(pull_stat_parse(out, len, &ps, err, sizeof(err)), 0);
		assert_int_not_equal(ps.error, PULL_STAT_OK);
		assert_non_null(strstr(out, cases[i][1]));
		free(out);
	}
}

/*
 * The stat script hashes with openssl when it computes SHA-256 correctly, else with sha256sum: a
 * stub openssl that prints a wrong digest first in PATH is passed over, and the hash is the same.
 */
static void test_scripts_sha256_tool(void **state)
{
	static const char content[] = "the same bytes either way\n";
	const char *args[] = { "stat", "data", "0", "sha256sum md5sum cksum", "0", "+1", "cat", "raw",
			       NULL };
	const char *old_path = getenv("PATH");
	char path[4096], want[DIGEST_HEX_MAX], err[128], *out;
	struct pull_stat ps;
	struct digest d;
	size_t len;

	(void)state;
	assert_non_null(old_path);
	assert_int_equal(chdir(scratch), 0);
	write_file("data", content);
	digest_init(&d, DIGEST_SHA256);
	digest_update(&d, content, strlen(content));
	digest_final(&d, want, sizeof(want));

	if (have_prog("/usr/bin/openssl")) {
		out = run_script("/bin/sh", pull_sh, args, &len);
		assert_int_equal(pull_stat_parse(out, len, &ps, err, sizeof(err)), 0);
		assert_string_equal(ps.sha256_tool, "openssl");
		assert_int_equal(ps.hash, DIGEST_SHA256);
		assert_string_equal(ps.hash_hex, want);
		free(out);
	}

	assert_int_equal(mkdir("stub", 0755), 0);
	write_file("stub/openssl", "#!/bin/sh\necho 0000000000000000 '*stdin'\n");
	assert_int_equal(chmod("stub/openssl", 0755), 0);
	snprintf(path, sizeof(path), "%s/stub:%s", scratch, old_path);
	assert_int_equal(setenv("PATH", path, 1), 0);
	out = run_script("/bin/sh", pull_sh, args, &len);
	assert_int_equal(setenv("PATH", old_path, 1), 0);
	assert_int_equal(pull_stat_parse(out, len, &ps, err, sizeof(err)), 0);
	assert_string_equal(ps.sha256_tool, "sha256sum");
	assert_int_equal(ps.hash, DIGEST_SHA256);
	assert_string_equal(ps.hash_hex, want);
	free(out);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scripts_hostile_names, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_scripts_errors, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_scripts_sha256_tool, scratch_setup, scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
