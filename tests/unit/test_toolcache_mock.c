/*
 * test_toolcache_mock.c - the tool cache with download() replaced (-Wl,--wrap=download): answers a
 * server cannot be made to give (another Content-Disposition name, a version in a CDN-like URL, a
 * cache directory that cannot be made), the Content-Disposition parser, and that a cache hit calls
 * no download at all. The real-network behaviour is in test_toolcache.c.
 */
#define _XOPEN_SOURCE 700  /* realpath */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "download.h"
#include "toolcache.h"

static char root[] = "/tmp/test_toolcache_mock.XXXXXX";
static char cache[256];

/* What the mocked download answers. */
static struct {
	const char *body_file;     /* fed to the sink */
	const char *filename;      /* Content-Disposition */
	const char *final_url;
	int calls;
	char last_url[DOWNLOAD_URL_MAX];
} mock;

int __wrap_download(const char *url, const struct download_opts *opts, struct download_result *res);

int __wrap_download(const char *url, const struct download_opts *opts, struct download_result *res)
{
	char buf[65536];
	ssize_t n;
	int fd;

	mock.calls++;
	snprintf(mock.last_url, sizeof(mock.last_url), "%s", url);
	memset(res, 0, sizeof(*res));
	res->http_status = 200;
	res->content_length = -1;
	snprintf(res->final_url, sizeof(res->final_url), "%s", mock.final_url ? mock.final_url : url);
	snprintf(res->filename, sizeof(res->filename), "%s", mock.filename ? mock.filename : "");
	snprintf(res->content_type, sizeof(res->content_type), "application/octet-stream");
	fd = open(mock.body_file, O_RDONLY);
	assert_true(fd >= 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (opts->sink(opts->sink_ctx, buf, (size_t)n) < 0) {
			res->status = DOWNLOAD_ERR_SINK;
			res->sink_errno = errno;
			snprintf(res->error, sizeof(res->error), "cannot write the download: %s", strerror(errno));
			close(fd);
			return -1;
		}
		res->bytes += (uint64_t)n;
	}
	close(fd);
	res->content_length = (int64_t)res->bytes;
	return 0;
}

static char tool_file[PATH_MAX];

static int setup(void **st)
{
	const char *d = getenv("DOTNETPROF_TEST_TOOLS");
	char rel[PATH_MAX];

	(void)st;
	if (mkdtemp(root) == NULL)
		return -1;
	if (snprintf(cache, sizeof(cache), "%s/cache", root) >= (int)sizeof(cache) ||
	    snprintf(rel, sizeof(rel), "%s/linux-x64/dotnet-stack", d && d[0] ? d : "build/tools") >= (int)sizeof(rel))
		return -1;
	if (realpath(rel, tool_file) == NULL) {
		fprintf(stderr, "test_toolcache_mock: %s is missing: run `bash tests/cluster/build-tools.sh`\n", rel);
		return -1;
	}
	setenv("XDG_CACHE_HOME", cache, 1);
	unsetenv(TOOLCACHE_URL_ENV);
	return 0;
}

static void rm(const char *sub)
{
	char p[PATH_MAX];

	if (snprintf(p, sizeof(p), "%s/%s", root, sub) < (int)sizeof(p))
		remove(p);
}

static int teardown(void **st)
{
	static const char *const paths[] = {
		"cache/kubectl-dotnetprof/tools/linux-x64/dotnet-stack",
		"cache/kubectl-dotnetprof/tools/linux-x64/dotnet-stack.meta",
		"cache/kubectl-dotnetprof/tools/linux-x64/dotnet-trace",
		"cache/kubectl-dotnetprof/tools/linux-x64/dotnet-trace.meta",
		"cache/kubectl-dotnetprof/tools/linux-x64", "cache/kubectl-dotnetprof/tools",
		"cache/kubectl-dotnetprof", "cache", "file",
	};
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		rm(paths[i]);
	return rmdir(root);
}

static void test_disposition_parser(void **st)
{
	static const struct {
		const char *value, *want;
	} cases[] = {
		{ " attachment; filename=dotnet-trace\r\n", "dotnet-trace" },
		{ "attachment; filename=\"dotnet-trace\"", "dotnet-trace" },
		{ "attachment; FileName=\"dotnet trace\"; size=3", "dotnet trace" },
		{ "attachment; filename=dotnet-trace; size=3", "dotnet-trace" },
		{ "attachment; filename=\"x\"; filename*=UTF-8''dotnet-dump", "dotnet-dump" },
		{ "attachment; filename=\"../../etc/passwd\"", "passwd" },
		{ "attachment; filename=C:\\tools\\dotnet-stack", "dotnet-stack" },
		{ "inline", "" },
		{ "attachment; filename=\"a\x01" "b\"", "a?b" },
	};
	char out[64];
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		download_disposition_filename(cases[i].value, strlen(cases[i].value), out, sizeof(out));
		assert_string_equal(out, cases[i].want);
	}
	/* a name that does not fit is no name: a cut one could pass for the tool */
	download_disposition_filename("filename=dotnet-trace-and-more", 30, out, 8);
	assert_string_equal(out, "");
	/* not NUL-terminated: only `len` bytes count */
	download_disposition_filename("filename=dotnet-trace", 16, out, sizeof(out));
	assert_string_equal(out, "dotnet-");
}

static void test_name_and_version(void **st)
{
	struct toolcache_opts o;
	struct toolcache_entry e;
	struct toolcache_error err;

	(void)st;
	memset(&o, 0, sizeof(o));
	mock.body_file = tool_file;
	mock.final_url = "https://download.visualstudio.microsoft.com/download/pr/0f5a/9.0.553101/dotnet-stack?x=1";

	/* another tool's name in Content-Disposition: rejected, nothing cached */
	mock.filename = "dotnet-counters";
	assert_int_equal(toolcache_get("stack", "linux-x64", &o, &e, &err), TOOLCACHE_ERR_INVALID);
	assert_non_null(strstr(err.why, "a file named \"dotnet-counters\", not dotnet-stack"));
	assert_string_equal(mock.last_url, "https://aka.ms/dotnet-stack/linux-x64");
	assert_int_equal(toolcache_lookup("stack", "linux-x64", NULL, &e, &err), TOOLCACHE_NOT_CACHED);

	mock.filename = "dotnet-stack-linux-x64";
	assert_int_equal(toolcache_get("stack", "linux-x64", &o, &e, &err), TOOLCACHE_OK);
	assert_string_equal(e.version, "9.0.553101");
	assert_string_equal(e.filename, "dotnet-stack-linux-x64");

	/* cached: no download at all, whatever the URL */
	mock.calls = 0;
	o.base_url = "https://unreachable.example";
	assert_int_equal(toolcache_get("dotnet-stack", "linux-x64", &o, &e, &err), TOOLCACHE_OK);
	assert_int_equal(e.downloaded, 0);
	assert_int_equal(mock.calls, 0);

	/* no version in the URL, no Content-Disposition */
	mock.final_url = "https://cdn.example/tools/dotnet-trace";
	mock.filename = NULL;
	o.base_url = NULL;
	assert_int_equal(toolcache_get("trace", "linux-x64", &o, &e, &err), TOOLCACHE_OK);
	assert_int_equal(mock.calls, 1);
	assert_string_equal(e.version, "");
	assert_string_equal(e.filename, "");
}

static void test_cache_dir_unusable(void **st)
{
	struct toolcache_opts o;
	struct toolcache_entry e;
	struct toolcache_error err;
	char file[PATH_MAX];
	FILE *f;

	(void)st;
	memset(&o, 0, sizeof(o));
	mock.body_file = tool_file;
	mock.calls = 0;
	assert_true(snprintf(file, sizeof(file), "%s/file", root) < (int)sizeof(file));
	f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	setenv("XDG_CACHE_HOME", file, 1);  /* a file where the directory should be */
	assert_int_equal(toolcache_get("stack", "linux-x64", &o, &e, &err), TOOLCACHE_ERR_LOCAL);
	assert_non_null(strstr(err.what, "cannot use the tool cache"));
	assert_non_null(strstr(err.why, "Not a directory"));
	assert_int_equal(err.sys_errno, ENOTDIR);
	assert_int_equal(mock.calls, 0);
	setenv("XDG_CACHE_HOME", cache, 1);
}

/* A cache others may write is refused, before any download, with the command that fixes it. */
static void test_cache_dir_not_private(void **st)
{
	struct toolcache_opts o;
	struct toolcache_entry e;
	struct toolcache_error err;
	char dir[PATH_MAX];

	(void)st;
	memset(&o, 0, sizeof(o));
	mock.body_file = tool_file;
	mock.filename = NULL;
	mock.calls = 0;
	assert_true(snprintf(dir, sizeof(dir), "%s/kubectl-dotnetprof/tools", cache) < (int)sizeof(dir));
	assert_int_equal(toolcache_get("stack", "linux-x64", &o, &e, &err), TOOLCACHE_OK);
	mock.calls = 0;
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(toolcache_lookup("stack", "linux-x64", NULL, &e, &err), TOOLCACHE_ERR_UNSAFE);
	assert_int_equal(toolcache_get("stack", "linux-x64", &o, &e, &err), TOOLCACHE_ERR_UNSAFE);
	assert_non_null(strstr(err.what, "cannot use the tool cache"));
	assert_non_null(strstr(err.why, "tools: it is writable by others (mode 0777)"));
	assert_non_null(strstr(err.hint, "chmod go-w "));
	assert_non_null(strstr(err.hint, "/kubectl-dotnetprof/tools"));
	assert_int_equal(mock.calls, 0);
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(toolcache_lookup("stack", "linux-x64", NULL, &e, &err), TOOLCACHE_OK);
}

static void make_temp(const char *name, time_t age, char *path, size_t size)
{
	struct timespec ts[2];
	FILE *f;

	assert_true(snprintf(path, size, "%s/cache/kubectl-dotnetprof/tools/linux-x64/%s", root, name) < (int)size);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - age;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* What a killed download left is removed a day later, not before (it may be in progress). */
static void test_stale_temp_swept(void **st)
{
	struct toolcache_opts o;
	struct toolcache_entry e;
	struct toolcache_error err;
	char old[PATH_MAX], young[PATH_MAX], other[PATH_MAX];

	(void)st;
	memset(&o, 0, sizeof(o));
	o.refresh = 1;
	mock.body_file = tool_file;
	mock.filename = NULL;
	make_temp(".dotnet-stack.Ab12Cd", 2 * 24 * 3600, old, sizeof(old));
	make_temp(".dotnet-stack.meta.Ef34Gh", 60, young, sizeof(young));
	make_temp(".dotnet-stackx.Ij56Kl", 2 * 24 * 3600, other, sizeof(other));
	assert_int_equal(toolcache_get("stack", "linux-x64", &o, &e, &err), TOOLCACHE_OK);
	assert_int_equal(access(old, F_OK), -1);
	assert_int_equal(access(young, F_OK), 0);
	assert_int_equal(access(other, F_OK), 0);  /* another tool's name */
	unlink(young);
	unlink(other);
}

/* A write that fails mid-download (here EFBIG from RLIMIT_FSIZE; ENOSPC alike) leaves nothing behind. */
static void test_write_failure(void **st)
{
	struct toolcache_opts o;
	struct toolcache_entry e;
	struct toolcache_error err;
	struct rlimit old, small;
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int n = 0;

	(void)st;
	memset(&o, 0, sizeof(o));
	o.refresh = 1;
	mock.body_file = tool_file;
	mock.filename = NULL;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 1024 * 1024;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	assert_int_equal(toolcache_get("gcdump", "linux-x64", &o, &e, &err), TOOLCACHE_ERR_LOCAL);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(err.sys_errno, EFBIG);
	assert_non_null(strstr(err.why, "cannot write the download"));
	assert_true(snprintf(dir, sizeof(dir), "%s/cache/kubectl-dotnetprof/tools/linux-x64", root) < (int)sizeof(dir));
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n += strstr(de->d_name, "gcdump") != NULL;
	closedir(d);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disposition_parser),
		cmocka_unit_test(test_name_and_version),
		cmocka_unit_test(test_stale_temp_swept),
		cmocka_unit_test(test_write_failure),
		cmocka_unit_test(test_cache_dir_unusable),
		cmocka_unit_test(test_cache_dir_not_private),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
