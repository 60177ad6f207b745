/*
 * test_transfer.c - the pull planner (hash tool, resume command, gzip rule, stream arguments), the
 * stat report parser, the streaming base64 decoder, local naming and NAME.part handling (localout),
 * and the remote scripts themselves run by the local sh, dash and busybox ash against hostile names.
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

#include "localout.h"
#include "probe.h"
#include "proc.h"
#include "transfer.h"

extern const char pull_stat_sh[];
extern const char pull_stream_sh[];

static void test_choose_hash(void **state)
{
	(void)state;
	assert_int_equal(pull_choose_hash(PCMD_SHA256SUM | PCMD_MD5SUM | PCMD_CKSUM), DIGEST_SHA256);
	assert_int_equal(pull_choose_hash(PCMD_MD5SUM | PCMD_CKSUM), DIGEST_MD5);
	assert_int_equal(pull_choose_hash(PCMD_CKSUM | PCMD_TAIL), DIGEST_CKSUM);
	assert_int_equal(pull_choose_hash(PCMD_TAIL | PCMD_DD), DIGEST_NONE);
}

static void test_choose_seek(void **state)
{
	(void)state;
	assert_int_equal(pull_choose_seek(PCMD_TAIL | PCMD_DD), PULL_SEEK_TAIL);
	assert_int_equal(pull_choose_seek(PCMD_DD), PULL_SEEK_DD);
	assert_int_equal(pull_choose_seek(PCMD_CAT), PULL_SEEK_NONE);
	assert_string_equal(pull_stream_reader(0, PULL_SEEK_NONE), "cat");
	assert_string_equal(pull_stream_reader(0, PULL_SEEK_TAIL), "cat");
	assert_string_equal(pull_stream_reader(10, PULL_SEEK_TAIL), "tail");
	assert_string_equal(pull_stream_reader(10, PULL_SEEK_DD), "dd");
	assert_null(pull_stream_reader(10, PULL_SEEK_NONE));
	assert_string_equal(pull_stream_encoding(PULL_ENC_RAW, 0), "raw");
	assert_string_equal(pull_stream_encoding(PULL_ENC_RAW, 1), "gzip");
	assert_string_equal(pull_stream_encoding(PULL_ENC_BASE64, 0), "base64");
	assert_string_equal(pull_stream_encoding(PULL_ENC_BASE64, 1), "gzip64");
}

static void test_choose_gzip(void **state)
{
	struct pull_stat st;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.cmds = PCMD_GZIP;
	st.have_size = 1;
	st.size = 100u * 1024 * 1024;
	st.sample_in = 1048576;
	st.sample_out = 300000;
	assert_true(pull_choose_gzip(&st, PULL_COMP_AUTO, 1));
	assert_false(pull_choose_gzip(&st, PULL_COMP_AUTO, 0));   /* no local gzip */
	assert_false(pull_choose_gzip(&st, PULL_COMP_NONE, 1));
	st.sample_out = 900000;                                    /* does not compress enough */
	assert_false(pull_choose_gzip(&st, PULL_COMP_AUTO, 1));
	assert_true(pull_choose_gzip(&st, PULL_COMP_GZIP, 1));     /* asked for */
	st.sample_out = 300000;
	st.size = 1024 * 1024;                                     /* too small to matter */
	assert_false(pull_choose_gzip(&st, PULL_COMP_AUTO, 1));
	st.size = 100u * 1024 * 1024;
	st.sample_in = st.sample_out = -1;                         /* not measured */
	assert_false(pull_choose_gzip(&st, PULL_COMP_AUTO, 1));
	st.cmds = 0;                                               /* no gzip in the pod */
	assert_false(pull_choose_gzip(&st, PULL_COMP_GZIP, 1));
}

static void test_gzip_link_slow(void **state)
{
	const long long ms = PULL_GZIP_PROBE_MS;

	(void)state;
	assert_int_equal(pull_gzip_link_slow(50000000, ms - 1), -1);    /* too soon to tell */
	assert_int_equal(pull_gzip_link_slow(20000u * ms, ms), 1);     /* 20 MB/s: a network link */
	assert_int_equal(pull_gzip_link_slow(300000u * ms, ms), 0);    /* 300 MB/s: loopback */
	assert_int_equal(pull_gzip_link_slow(0, 2 * ms), 1);           /* nothing moved */
	assert_int_equal(pull_gzip_link_slow(100000u * ms, ms), 0);    /* exactly the limit: raw */
}

static void test_stat_parse(void **state)
{
	static const char full[] =
		"dotnetprof-stat\t1\ncmd\tsha256sum\ncmd\tcksum\ncmd\ttail\ncmd\tgzip\ncmd\tnosuch\n"
		"size\t1073741824\nsample\t1048576 1049000\nready\t1\n"
		"hash\tsha256sum\te3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  -\n"
		"size2\t1073741824\nend\t1\n";
	struct pull_stat st;
	char err[128];

	(void)state;
	assert_int_equal(pull_stat_parse(full, strlen(full), &st, err, sizeof(err)), 0);
	assert_int_equal(st.cmds, PCMD_SHA256SUM | PCMD_CKSUM | PCMD_TAIL | PCMD_GZIP);
	assert_true(st.have_size);
	assert_true(st.size == 1073741824ull);
	assert_int_equal(st.sample_in, 1048576);
	assert_int_equal(st.sample_out, 1049000);
	assert_true(st.ready && st.end && st.have_size2);
	assert_int_equal(st.hash, DIGEST_SHA256);
	assert_string_equal(st.hash_hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

	/* partial: up to ready, and half a line */
	assert_int_equal(pull_stat_parse(full, (size_t)(strstr(full, "hash") - full) + 7, &st, err,
					 sizeof(err)), 0);
	assert_true(st.ready);
	assert_false(st.end);
	assert_int_equal(st.hash, DIGEST_NONE);

	/* the pod's SHA-256 implementation is named; nothing else is accepted there */
	static const char tool[] = "dotnetprof-stat\t1\ncmd\tsha256sum\nsha256tool\topenssl\nready\t1\n";
	assert_int_equal(pull_stat_parse(tool, strlen(tool), &st, err, sizeof(err)), 0);
	assert_string_equal(st.sha256_tool, "openssl");
	static const char badtool[] = "dotnetprof-stat\t1\nsha256tool\trm -rf\n";
	assert_int_equal(pull_stat_parse(badtool, strlen(badtool), &st, err, sizeof(err)), -1);

	/* cksum's two fields, wc's padding */
	static const char ck[] = "dotnetprof-stat\t1\ncmd\tcksum\nsize\t    3\nready\t1\n"
				 "hash\tcksum\t1219131554 3\nend\t1\n";
	assert_int_equal(pull_stat_parse(ck, strlen(ck), &st, err, sizeof(err)), 0);
	assert_int_equal(st.hash, DIGEST_CKSUM);
	assert_string_equal(st.hash_hex, "1219131554 3");
	assert_true(st.size == 3);

	static const char md[] = "dotnetprof-stat\t1\nhash\tmd5sum\t900150983cd24fb0d6963f7d28e17f72  -\n";
	assert_int_equal(pull_stat_parse(md, strlen(md), &st, err, sizeof(err)), 0);
	assert_int_equal(st.hash, DIGEST_MD5);

	static const char e1[] = "dotnetprof-stat\t1\ncmd\ttail\nerror\tnoent\n";
	assert_int_equal(pull_stat_parse(e1, strlen(e1), &st, err, sizeof(err)), 0);
	assert_int_equal(st.error, PULL_STAT_NOENT);
	static const char e2[] = "dotnetprof-stat\t1\nerror\tisdir\n";
	assert_int_equal(pull_stat_parse(e2, strlen(e2), &st, err, sizeof(err)), 0);
	assert_int_equal(st.error, PULL_STAT_ISDIR);
	static const char e3[] = "dotnetprof-stat\t1\nerror\tnoperm\n";
	assert_int_equal(pull_stat_parse(e3, strlen(e3), &st, err, sizeof(err)), 0);
	assert_int_equal(st.error, PULL_STAT_NOPERM);

	/* errors */
	static const char *const bad[] = {
		"something else\n",
		"dotnetprof-stat\t1\nsize\tabc\n",
		"dotnetprof-stat\t1\nsize\t\n",
		"dotnetprof-stat\t1\nsize\t99999999999999999999999\n",
		"dotnetprof-stat\t1\nerror\tweird\n",
		"dotnetprof-stat\t1\nhash\tsha256sum\tshort  -\n",
		"dotnetprof-stat\t1\nhash\tsha1sum\tabc  -\n",
		"dotnetprof-stat\t1\nsample\t12\n",
		"dotnetprof-stat\t1\nnotab\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(pull_stat_parse(bad[i], strlen(bad[i]), &st, err, sizeof(err)), -1);
	/* unknown records are ignored */
	static const char fwd[] = "dotnetprof-stat\t1\nnewthing\tx\nready\t1\n";
	assert_int_equal(pull_stat_parse(fwd, strlen(fwd), &st, err, sizeof(err)), 0);
	assert_true(st.ready);
}

static void test_base64(void **state)
{
	static const char enc[] = "aGVsbG8gd29y\nbGQh\r\n";  /* "hello world!" */
	unsigned char out[64];
	struct b64dec b;
	long n = 0, r;
	size_t i;

	(void)state;
	/* byte by byte: the state carries incomplete quanta */
	b64dec_init(&b);
	for (i = 0; i < strlen(enc); i++) {
		r = b64dec_update(&b, (const unsigned char *)enc + i, 1, out + n);
		assert_true(r >= 0);
		n += r;
	}
	assert_int_equal(n, 12);
	assert_memory_equal(out, "hello world!", 12);

	/* padding, all 256 byte values against the real base64 tool */
	b64dec_init(&b);
	n = b64dec_update(&b, (const unsigned char *)"YQ==\nYWI=\n", 10, out);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "aab", 3);

	b64dec_init(&b);
	assert_int_equal(b64dec_update(&b, (const unsigned char *)"YW*=", 4, out), -1);

	{
		unsigned char all[256], dec[400];
		const char *argv[] = { "base64", NULL };
		struct proc p;

		for (i = 0; i < 256; i++)
			all[i] = (unsigned char)i;
		proc_init(&p, argv);
		p.in = PROC_IO_BUFFER;
		p.in_data = (const char *)all;
		p.in_len = sizeof(all);
		assert_int_equal(proc_run(&p), 0);
		b64dec_init(&b);
		n = b64dec_update(&b, (const unsigned char *)p.out_buf, p.out_len, dec);
		assert_int_equal(n, 256);
		assert_memory_equal(dec, all, 256);
		proc_release(&p);
	}
}

static void test_basename(void **state)
{
	char b[64];

	(void)state;
	assert_int_equal(localout_basename("/tmp/core.1", b, sizeof(b)), 0);
	assert_string_equal(b, "core.1");
	assert_int_equal(localout_basename("/var/log/app/", b, sizeof(b)), 0);
	assert_string_equal(b, "app");
	assert_int_equal(localout_basename("plain", b, sizeof(b)), 0);
	assert_string_equal(b, "plain");
	assert_int_equal(localout_basename("/tmp/new\nline\t", b, sizeof(b)), 0);
	assert_string_equal(b, "new_line_");
	assert_int_equal(localout_basename("/tmp/-dash", b, sizeof(b)), 0);
	assert_string_equal(b, "-dash");
	assert_int_equal(localout_basename("/tmp/..", b, sizeof(b)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(localout_basename("/tmp/.", b, sizeof(b)), -1);
	assert_int_equal(localout_basename("/", b, sizeof(b)), -1);
	assert_int_equal(localout_basename("", b, sizeof(b)), -1);
	assert_int_equal(localout_basename("/x/0123456789", b, 5), -1);
	assert_int_equal(errno, ENAMETOOLONG);
}

static char scratch[] = "/tmp/test_transfer.XXXXXX";

static int setup_dir(void **state)
{
	(void)state;
	memcpy(scratch + strlen(scratch) - 6, "XXXXXX", 6);
	if (!mkdtemp(scratch))
		return -1;
	return 0;
}

static int teardown_dir(void **state)
{
	char cmd_path[300];
	const char *argv[] = { "rm", "-rf", cmd_path, NULL };
	struct proc p;

	(void)state;
	snprintf(cmd_path, sizeof(cmd_path), "%s", scratch);
	proc_init(&p, argv);
	proc_run(&p);
	proc_release(&p);
	return 0;
}

static char *in_scratch(const char *name)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s/%s", scratch, name);
	return buf;
}

static void test_resolve(void **state)
{
	char *p;

	(void)state;
	p = localout_resolve(NULL, "/tmp/x/heap.dmp");
	assert_string_equal(p, "./heap.dmp");
	free(p);
	p = localout_resolve(scratch, "/tmp/x/heap.dmp");
	assert_string_equal(p, in_scratch("heap.dmp"));
	free(p);
	p = localout_resolve("out/", "/a/b");
	assert_string_equal(p, "out/b");
	free(p);
	p = localout_resolve("named.bin", "/a/b");
	assert_string_equal(p, "named.bin");
	free(p);
	assert_null(localout_resolve(NULL, "/a/.."));
	assert_null(localout_resolve(scratch, "/"));
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_localout(void **state)
{
	struct localout lo;
	struct stat st;
	char name[512], part[520], buf[64];
	int fd;
	mode_t old;

	(void)state;
	snprintf(name, sizeof(name), "%s", in_scratch("file"));
	snprintf(part, sizeof(part), "%s.part", name);

	/* fresh: 0644 minus umask, committed only on commit */
	old = umask(022);
	assert_int_equal(localout_open(&lo, name, 0, 0, 0), LOCALOUT_OK);
	assert_int_equal(localout_write(&lo, "hello", 5), 0);
	assert_int_equal(stat(part, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(stat(name, &st), -1);
	assert_int_equal(localout_commit(&lo, 0), 0);
	localout_release(&lo);
	assert_int_equal(stat(name, &st), 0);
	assert_int_equal(st.st_size, 5);
	assert_int_equal(stat(part, &st), -1);

	/* existing NAME: refused without force */
	assert_int_equal(localout_open(&lo, name, 0, 0, 0), LOCALOUT_EXISTS);
	localout_release(&lo);
	/* with force: replaced at commit; private mode 0600 */
	assert_int_equal(localout_open(&lo, name, 1, 0, 1), LOCALOUT_OK);
	assert_int_equal(localout_write(&lo, "new", 3), 0);
	assert_int_equal(stat(part, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(localout_commit(&lo, 1), 0);
	localout_release(&lo);
	assert_int_equal(stat(name, &st), 0);
	assert_int_equal(st.st_size, 3);
	unlink(name);

	/* a NAME that appears while copying is not clobbered by commit */
	assert_int_equal(localout_open(&lo, name, 0, 0, 0), LOCALOUT_OK);
	assert_int_equal(localout_write(&lo, "copy", 4), 0);
	write_file(name, "someone else");
	assert_int_equal(localout_commit(&lo, 0), -1);
	assert_int_equal(errno, EEXIST);
	localout_release(&lo);
	fd = open(name, O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), 12);
	close(fd);
	assert_int_equal(stat(part, &st), 0); /* kept */
	unlink(name);

	/* a leftover part: refused without resume/force; resumed; restarted with force */
	assert_int_equal(localout_open(&lo, name, 0, 0, 0), LOCALOUT_PART_EXISTS);
	localout_release(&lo);
	assert_int_equal(localout_open(&lo, name, 0, 1, 0), LOCALOUT_OK);
	assert_true(lo.size == 4);
	assert_int_equal(localout_write(&lo, "more", 4), 0);
	assert_true(lo.size == 8);
	assert_int_equal(localout_truncate(&lo, 2), 0);
	assert_int_equal(localout_write(&lo, "XY", 2), 0);
	localout_release(&lo);
	fd = open(part, O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "coXY", 4);
	close(fd);
	assert_int_equal(localout_open(&lo, name, 0, 0, 1), LOCALOUT_OK);
	assert_true(lo.size == 0);
	localout_release(&lo);
	assert_int_equal(stat(part, &st), 0);
	assert_int_equal(st.st_size, 0);
	unlink(part);

	/* a symlink planted as NAME.part is not followed */
	assert_int_equal(symlink("/etc/passwd", part), 0);
	assert_int_equal(localout_open(&lo, name, 0, 1, 0), LOCALOUT_ERR);
	assert_int_equal(localout_open(&lo, name, 0, 0, 0), LOCALOUT_PART_EXISTS);
	unlink(part);
	umask(old);
}

/* Run a remote script with `shell` locally, as the pod would. Returns stdout (caller frees). */
static char *run_script(const char *shell, const char *script, const char *const *args, size_t *len)
{
	const char *argv[12];
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
	proc_release(&p);
	return out;
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
			const char *stat_args[] = { names[i], "1", "sha256sum md5sum cksum", NULL };
			const char *tail_args[] = { names[i], "5", "+6", "tail", "raw", NULL };
			const char *dd_args[] = { names[i], "5", "+6", "dd", "raw", NULL };
			const char *b64_args[] = { names[i], "0", "+1", "cat", "base64", NULL };
			struct pull_stat ps;
			char err[128], want[DIGEST_HEX_MAX];
			struct digest d;
			char *out;

			if (strcmp(shells[s], "busybox") ? !have_prog(shells[s]) : !have_prog("/bin/busybox"))
				continue;
			out = run_script(shells[s], pull_stat_sh, stat_args, &len);
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

			out = run_script(shells[s], pull_stream_sh, tail_args, &len);
			assert_int_equal(len, strlen(content) - 5);
			assert_memory_equal(out, content + 5, len);
			free(out);
			out = run_script(shells[s], pull_stream_sh, dd_args, &len);
			assert_int_equal(len, strlen(content) - 5);
			assert_memory_equal(out, content + 5, len);
			free(out);
			out = run_script(shells[s], pull_stream_sh, b64_args, &len);
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
		const char *args[] = { cases[i][0], "0", "sha256sum", NULL };
		struct pull_stat ps;
		char err[128], *out;

		out = run_script("/bin/sh", pull_stat_sh, args, &len);
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
	const char *args[] = { "data", "0", "sha256sum md5sum cksum", NULL };
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
		out = run_script("/bin/sh", pull_stat_sh, args, &len);
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
	out = run_script("/bin/sh", pull_stat_sh, args, &len);
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
		cmocka_unit_test(test_choose_hash),
		cmocka_unit_test(test_choose_seek),
		cmocka_unit_test(test_choose_gzip),
		cmocka_unit_test(test_gzip_link_slow),
		cmocka_unit_test(test_stat_parse),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_basename),
		cmocka_unit_test_setup_teardown(test_resolve, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_localout, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_scripts_hostile_names, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_scripts_errors, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_scripts_sha256_tool, setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
