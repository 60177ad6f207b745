/*
 * test_toolcache.c - the tool cache against the real tools server (tests/cluster/toolserver.py), run
 * on a free private port with its own tools directory (links to build/tools plus deliberately wrong
 * files), its own request log and its own XDG_CACHE_HOME. The server is started by the group setup
 * and stopped by the teardown; it also dies with this process (PR_SET_PDEATHSIG) if the test crashes.
 * Needs python3 and build/tools (tests/cluster/build-tools.sh); without them the test fails, it does
 * not skip. Run from the repository root (make unit does).
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "digest.h"
#include "download.h"
#include "log.h"
#include "toolcache.h"

static char root[] = "/tmp/test_toolcache.XXXXXX";
static char tools[256], state[256], cache[256], base[64], dead_base[64];
static pid_t server = -1;
static int dead_sock = -1;      /* bound, never listening: connections to it are refused */
static int dead_port;
static char real_sha512[DIGEST_HEX_MAX];  /* of build/tools/linux-arm64/dotnet-stack */

static const char *const proxy_vars[] = { "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
					  "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY" };

#define PATHF(buf, ...) assert_true(snprintf(buf, sizeof(buf), __VA_ARGS__) < (int)sizeof(buf))

static const char *real_tools(void)
{
	const char *d = getenv("DOTNETPROF_TEST_TOOLS");

	return d != NULL && d[0] != '\0' ? d : "build/tools";
}

/* tools/{rid}/{name} -> the real file {src_rid}/{src} (or an absolute path). */
static int link_tool(const char *rid, const char *name, const char *src)
{
	char dir[PATH_MAX], from[PATH_MAX], to[PATH_MAX], abs_src[PATH_MAX];

	if (snprintf(dir, sizeof(dir), "%s/%s", tools, rid) >= (int)sizeof(dir) ||
	    (mkdir(dir, 0755) < 0 && errno != EEXIST))
		return -1;
	if (snprintf(from, sizeof(from), "%s%s%s", src[0] == '/' ? "" : real_tools(), src[0] == '/' ? "" : "/",
		     src) >= (int)sizeof(from))
		return -1;
	if (realpath(from, abs_src) == NULL) {
		fprintf(stderr, "test_toolcache: %s is missing: run `bash tests/cluster/build-tools.sh`\n", from);
		return -1;
	}
	if (snprintf(to, sizeof(to), "%s/%s", dir, name) >= (int)sizeof(to))
		return -1;
	return symlink(abs_src, to);
}

static int free_port(int keep, int *fd_out)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (keep && fd_out != NULL)
		*fd_out = fd;
	else if (fd >= 0)
		close(fd);
	return port;
}

static int port_open(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Start argv (a server that listens on 127.0.0.1:port); wait until it accepts. Returns its pid or -1. */
static pid_t spawn_server(const char *const argv[], int port)
{
	pid_t pid = fork();
	int i, status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		prctl(PR_SET_PDEATHSIG, SIGTERM);  /* never outlive the test, even if it crashes */
		if (devnull >= 0)
			dup2(devnull, STDOUT_FILENO);
		execvp(argv[0], (char *const *)argv);  /* execvp does not modify them */
		_exit(127);
	}
	for (i = 0; i < 200; i++) {
		if (port_open(port))
			return pid;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "test_toolcache: %s exited before listening\n", argv[0]);
			return -1;
		}
		nanosleep(&(struct timespec){ 0, 50000000L }, NULL);
	}
	fprintf(stderr, "test_toolcache: %s did not listen on port %d within 10 s\n", argv[0], port);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return -1;
}

static void stop_server(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGTERM);
		waitpid(*pid, NULL, 0);
	}
	*pid = -1;
}

static int start_server(void)
{
	char script[] = "tests/cluster/toolserver.py", portstr[16];
	int port = free_port(0, NULL);
	const char *const argv[] = { "python3", script, "--host", "127.0.0.1", "--port", portstr, "--dir", tools,
			 "--state", state, NULL };

	if (port < 0 || access(script, R_OK) != 0) {
		fprintf(stderr, "test_toolcache: no free port or no %s (run from the repository root)\n", script);
		return -1;
	}
	snprintf(portstr, sizeof(portstr), "%d", port);
	server = spawn_server(argv, port);
	if (server < 0)
		return -1;
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int group_setup(void **st)
{
	char version[PATH_MAX], from[PATH_MAX];
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(proxy_vars) / sizeof(proxy_vars[0]); i++)
		unsetenv(proxy_vars[i]);
	unsetenv(TOOLCACHE_URL_ENV);
	if (mkdtemp(root) == NULL || download_global_init() < 0)
		return -1;
	snprintf(tools, sizeof(tools), "%s/tools", root);
	snprintf(state, sizeof(state), "%s/state", root);
	snprintf(cache, sizeof(cache), "%s/xdg-cache", root);
	if (mkdir(tools, 0755) < 0 || mkdir(state, 0755) < 0)
		return -1;
	setenv("XDG_CACHE_HOME", cache, 1);
	/* the real tools, and wrong ones under the names of others */
	if (link_tool("linux-x64", "dotnet-stack", "linux-x64/dotnet-stack") < 0 ||
	    link_tool("linux-musl-x64", "dotnet-stack", "linux-musl-x64/dotnet-stack") < 0 ||
	    link_tool("linux-arm64", "dotnet-stack", "linux-arm64/dotnet-stack") < 0 ||
	    link_tool("linux-arm64", "dotnet-gcdump", "linux-arm64/dotnet-gcdump") < 0 ||
	    link_tool("linux-x64", "dotnet-counters", "linux-arm64/dotnet-stack") < 0 ||     /* wrong CPU */
	    link_tool("linux-musl-x64", "dotnet-counters", "linux-x64/dotnet-stack") < 0 ||  /* wrong libc */
	    link_tool("linux-x64", "dotnet-dump", "/bin/ls") < 0)                             /* too small */
		return -1;
	if (snprintf(version, sizeof(version), "%s/VERSION", tools) >= (int)sizeof(version) ||
	    snprintf(from, sizeof(from), "%s/linux-arm64/dotnet-stack", real_tools()) >= (int)sizeof(from))
		return -1;
	if (digest_file(DIGEST_SHA512, from, real_sha512, sizeof(real_sha512)) < 0) {
		fprintf(stderr, "test_toolcache: digest of %s failed\n", from);
		return -1;
	}
	{
		FILE *f = fopen(version, "w");

		if (f == NULL || fputs("10.0.123456\n", f) < 0 || fclose(f) != 0)
			return -1;
	}
	dead_port = free_port(1, &dead_sock);
	snprintf(dead_base, sizeof(dead_base), "http://127.0.0.1:%d", dead_port);
	log_set_level(LOG_NORMAL);
	return start_server();
}

static int group_teardown(void **st)
{
	(void)st;
	stop_server(&server);
	if (dead_sock >= 0)
		close(dead_sock);
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	download_global_cleanup();
	return 0;
}

static size_t discard(char *data, size_t size, size_t n, void *ctx)
{
	(void)data;
	(void)ctx;
	return size * n;
}

/* POST /_faults: the next download of `tool` misbehaves in `mode`. */
static void fault(const char *mode, const char *tool)
{
	char url[128], body[256];
	CURL *c = curl_easy_init();
	long code = 0;

	assert_non_null(c);
	snprintf(url, sizeof(url), "%s/_faults", base);
	snprintf(body, sizeof(body), "{\"mode\": \"%s\", \"tool\": \"%s\", \"count\": 1}", mode, tool);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	assert_int_equal(code, 200);
	curl_easy_cleanup(c);
}

/* Each test starts with no proxy and the test's cache. */
static int setup(void **st)
{
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(proxy_vars) / sizeof(proxy_vars[0]); i++)
		unsetenv(proxy_vars[i]);
	unsetenv(TOOLCACHE_URL_ENV);
	setenv("XDG_CACHE_HOME", cache, 1);
	return 0;
}

/* /download/ lines in the server's log: the number of tool downloads attempted. */
static int downloads(void)
{
	char path[PATH_MAX], line[1024];
	FILE *f;
	int n = 0;

	PATHF(path, "%s/tools.log", state);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, "\"path\": \"/download/") != NULL;
	fclose(f);
	return n;
}

/*
 * The server logs a request after answering it: wait (up to 3 s) for `want` downloads to be logged,
 * then a little longer to see that no more come.
 */
static void assert_downloads(int want)
{
	int i;

	for (i = 0; i < 60 && downloads() < want; i++)
		nanosleep(&(struct timespec){ 0, 50000000L }, NULL);
	nanosleep(&(struct timespec){ 0, 50000000L }, NULL);
	assert_int_equal(downloads(), want);
}

/* The download count once the server has logged every answer it gave (stable for 100 ms). */
static int settled_downloads(void)
{
	int n = downloads(), prev = -1, i;

	for (i = 0; i < 30 && n != prev; i++) {
		nanosleep(&(struct timespec){ 0, 100000000L }, NULL);
		prev = n;
		n = downloads();
	}
	return n;
}

/* Entries (hidden ones too) in the cache directory of `rid` whose name contains `tool`. */
static int cached_files(const char *rid, const char *tool)
{
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *de;
	int n = 0;

	PATHF(dir, "%s/kubectl-dotnetprof/tools/%s", cache, rid);
	d = opendir(dir);
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		n += strstr(de->d_name, tool) != NULL;
	closedir(d);
	return n;
}

static void uncache(const char *rid, const char *tool)
{
	char path[PATH_MAX];

	PATHF(path, "%s/kubectl-dotnetprof/tools/%s/%s", cache, rid, tool);
	unlink(path);
	PATHF(path, "%s/kubectl-dotnetprof/tools/%s/%s.meta", cache, rid, tool);
	unlink(path);
	assert_int_equal(cached_files(rid, tool), 0);
}

static void opts_init(struct toolcache_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->base_url = base;
	o->low_speed_time = 2;
}

static enum toolcache_status get(const char *tool, const char *rid, const struct toolcache_opts *o,
				 struct toolcache_entry *e, struct toolcache_error *err)
{
	return toolcache_get(tool, rid, o, e, err);
}

static void assert_contains(const char *s, const char *needle)
{
	if (strstr(s, needle) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", s, needle);
}

static void read_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void test_download_once_then_cached(void **st)
{
	struct toolcache_opts o;
	struct toolcache_entry e;
	struct toolcache_error err;
	char want[PATH_MAX], meta[4096], mpath[PATH_MAX + 8], src[PATH_MAX];
	struct stat sb;
	int before = settled_downloads();

	(void)st;
	opts_init(&o);
	assert_int_equal(get("stack", "linux-arm64", &o, &e, &err), TOOLCACHE_OK);
	assert_int_equal(e.downloaded, 1);
	assert_downloads(before + 1);
	PATHF(want, "%s/kubectl-dotnetprof/tools/linux-arm64/dotnet-stack", cache);
	assert_string_equal(e.path, want);
	assert_string_equal(e.sha512, real_sha512);
	assert_int_equal(strlen(e.sha256), 64);
	PATHF(src, "%s/linux-arm64/dotnet-stack", real_tools());
	assert_int_equal(stat(src, &sb), 0);
	assert_int_equal(e.size, (uint64_t)sb.st_size);
	assert_string_equal(e.version, "10.0.123456");
	assert_string_equal(e.filename, "dotnet-stack");
	PATHF(want, "%s/dotnet-stack/linux-arm64", base);
	assert_string_equal(e.source_url, want);
	assert_contains(e.final_url, "/download/10.0.123456/linux-arm64/dotnet-stack");
	/* private: the file and every directory we made */
	assert_int_equal(stat(e.path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0700);
	PATHF(want, "%s/kubectl-dotnetprof", cache);
	assert_int_equal(stat(want, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0700);
	assert_int_equal(stat(cache, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0700);
	/* the record */
	PATHF(mpath, "%s.meta", e.path);
	read_file(mpath, meta, sizeof(meta));
	assert_contains(meta, real_sha512);
	assert_contains(meta, "final_url=http://127.0.0.1:");
	assert_contains(meta, "filename=dotnet-stack\n");
	assert_contains(meta, "version=10.0.123456\n");
	assert_contains(meta, "date=20");
	/* only the tool and its record: no temporary file left */
	assert_int_equal(cached_files("linux-arm64", "dotnet-stack"), 2);

	/* a cached tool is never downloaded again, even from an unreachable URL */
	o.base_url = dead_base;
	assert_int_equal(get("dotnet-stack", "linux-arm64", &o, &e, &err), TOOLCACHE_OK);
	assert_int_equal(e.downloaded, 0);
	assert_string_equal(e.sha512, real_sha512);
	assert_downloads(before + 1);
	assert_int_equal(toolcache_lookup("stack", "linux-arm64", NULL, &e, &err), TOOLCACHE_OK);
	assert_int_equal(toolcache_lookup("stack", "linux-arm64", real_sha512, &e, &err), TOOLCACHE_OK);

	/* --refresh downloads again, replacing it */
	o.base_url = base;
	o.refresh = 1;
	assert_int_equal(get("stack", "linux-arm64", &o, &e, &err), TOOLCACHE_OK);
	assert_int_equal(e.downloaded, 1);
	assert_downloads(before + 2);
	assert_string_equal(e.sha512, real_sha512);
	assert_int_equal(cached_files("linux-arm64", "dotnet-stack"), 2);
}

static void test_refresh_failure_keeps_cached_copy(void **st)
{
	struct toolcache_opts o;
	struct toolcache_entry e;
	struct toolcache_error err;

	(void)st;
	opts_init(&o);
	assert_int_equal(get("stack", "linux-x64", &o, &e, &err), TOOLCACHE_OK);
	o.refresh = 1;
	fault("html", "stack");
	assert_int_equal(get("stack", "linux-x64", &o, &e, &err), TOOLCACHE_ERR_INVALID);
	assert_int_equal(toolcache_lookup("stack", "linux-x64", NULL, &e, &err), TOOLCACHE_OK);
	assert_int_equal(cached_files("linux-x64", "dotnet-stack"), 2);
}

static void test_stale_record_downloads_again(void **st)
{
	struct toolcache_opts o;
	struct toolcache_entry e;
	struct toolcache_error err;
	int fd, before;
	char c;

	(void)st;
	opts_init(&o);
	assert_int_equal(get("stack", "linux-musl-x64", &o, &e, &err), TOOLCACHE_OK);
	/* flip one byte of the cached file: same size, other hash */
	fd = open(e.path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, 100000), 1);
	c = (char)(c ^ 0xff);
	assert_int_equal(pwrite(fd, &c, 1, 100000), 1);
	close(fd);
	assert_int_equal(toolcache_lookup("stack", "linux-musl-x64", NULL, &e, &err), TOOLCACHE_NOT_CACHED);
	before = settled_downloads();
	assert_int_equal(get("stack", "linux-musl-x64", &o, &e, &err), TOOLCACHE_OK);
	assert_int_equal(e.downloaded, 1);
	assert_downloads(before + 1);
	assert_int_equal(toolcache_lookup("stack", "linux-musl-x64", NULL, &e, &err), TOOLCACHE_OK);
}

/* A fault on the next download of dotnet-stack for linux-arm64, which is not cached: nothing may be. */
static void faulty(const char *mode, enum toolcache_status want, const char *why_has, const char *hint_has,
		   const char *expected_sha512)
{
	struct toolcache_opts o;
	struct toolcache_entry e;
	struct toolcache_error err;
	int before;

	uncache("linux-arm64", "dotnet-stack");
	opts_init(&o);
	o.expected_sha512 = expected_sha512;
	fault(mode, "stack");
	before = settled_downloads();
	assert_int_equal(get("stack", "linux-arm64", &o, &e, &err), want);
	assert_int_equal(err.status, want);
	assert_downloads(before + 1);
	assert_contains(err.what, "cannot download dotnet-stack for linux-arm64 from http://127.0.0.1:");
	assert_contains(err.why, why_has);
	if (hint_has != NULL)
		assert_contains(err.hint, hint_has);
	assert_int_equal(cached_files("linux-arm64", "dotnet-stack"), 0);
}

static void test_fault_html(void **st)
{
	(void)st;
	faulty("html", TOOLCACHE_ERR_INVALID, "an HTML page", "captive portal", NULL);
}

static void test_fault_500(void **st)
{
	struct toolcache_error err;
	struct toolcache_entry e;

	(void)st;
	faulty("500", TOOLCACHE_ERR_HTTP, "HTTP 500 (internal server error)", "try again later", NULL);
	assert_int_equal(toolcache_lookup("stack", "linux-arm64", NULL, &e, &err), TOOLCACHE_NOT_CACHED);
}

static void test_fault_truncate(void **st)
{
	(void)st;
	faulty("truncate", TOOLCACHE_ERR_INVALID, "the connection closed after", "nothing was cached", NULL);
}

static void test_fault_hang_times_out(void **st)
{
	struct timespec t0, t1;

	(void)st;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	faulty("hang", TOOLCACHE_ERR_NETWORK, "the server stalled: less than 1024 bytes/s for 2 s", "--tools-url",
	       NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* low_speed_time is 2 s: well under the default 30 s */
	assert_true(t1.tv_sec - t0.tv_sec < 10);
}

static void test_fault_corrupt(void **st)
{
	struct toolcache_opts o;
	struct toolcache_entry e;
	struct toolcache_error err;

	(void)st;
	/* with a published hash, the flipped byte is caught */
	faulty("corrupt", TOOLCACHE_ERR_INVALID, "does not match the expected", "nothing was cached", real_sha512);
	/* without one, it is not (same length, still ELF): the recorded sha512 shows it */
	opts_init(&o);
	fault("corrupt", "stack");
	assert_int_equal(get("stack", "linux-arm64", &o, &e, &err), TOOLCACHE_OK);
	assert_string_not_equal(e.sha512, real_sha512);
	/* and asking for the published hash replaces the corrupt cached copy */
	o.expected_sha512 = real_sha512;
	assert_int_equal(get("stack", "linux-arm64", &o, &e, &err), TOOLCACHE_OK);
	assert_int_equal(e.downloaded, 1);
	assert_string_equal(e.sha512, real_sha512);
}

static void test_wrong_files(void **st)
{
	struct toolcache_opts o;
	struct toolcache_entry e;
	struct toolcache_error err;

	(void)st;
	opts_init(&o);
	assert_int_equal(get("counters", "linux-x64", &o, &e, &err), TOOLCACHE_ERR_INVALID);
	assert_contains(err.why, "an executable for arm64 (aarch64), 64-bit, not x64");
	assert_contains(err.hint, "another platform");
	assert_int_equal(cached_files("linux-x64", "dotnet-counters"), 0);

	assert_int_equal(get("counters", "linux-musl-x64", &o, &e, &err), TOOLCACHE_ERR_INVALID);
	assert_contains(err.why, "glibc");
	assert_int_equal(cached_files("linux-musl-x64", "dotnet-counters"), 0);

	assert_int_equal(get("dump", "linux-x64", &o, &e, &err), TOOLCACHE_ERR_INVALID);
	assert_contains(err.why, "the server sent only");
	assert_int_equal(cached_files("linux-x64", "dotnet-dump"), 0);
}

static void test_not_found_and_bad_input(void **st)
{
	struct toolcache_opts o;
	struct toolcache_entry e;
	struct toolcache_error err;
	int before = settled_downloads();

	(void)st;
	opts_init(&o);
	/* a RID the server has no file for: 404 from the redirect */
	assert_int_equal(get("stack", "linux-arm", &o, &e, &err), TOOLCACHE_ERR_HTTP);
	assert_int_equal(err.http_status, 404);
	assert_contains(err.why, "HTTP 404 (not found)");
	assert_contains(err.hint, "BASE/dotnet-stack/linux-arm");
	assert_int_equal(cached_files("linux-arm", "dotnet-stack"), 0);
	/* not a RID at all, not a tool name: refused before any request */
	assert_int_equal(get("stack", "linux-riscv64", &o, &e, &err), TOOLCACHE_ERR_USAGE);
	assert_contains(err.why, "unknown runtime identifier");
	assert_int_equal(get("../stack", "linux-x64", &o, &e, &err), TOOLCACHE_ERR_USAGE);
	assert_int_equal(get("stack", "linux-x64/../..", &o, &e, &err), TOOLCACHE_ERR_USAGE);
	o.base_url = "ftp://mirror.example";
	assert_int_equal(get("stack", "linux-arm", &o, &e, &err), TOOLCACHE_ERR_USAGE);
	assert_contains(err.why, "https://");
	assert_downloads(before);
}

static void test_unreachable_message(void **st)
{
	struct toolcache_opts o;
	struct toolcache_entry e;
	struct toolcache_error err;
	char *buf = NULL, want[256];
	size_t len = 0;
	FILE *mem;

	(void)st;
	opts_init(&o);
	o.base_url = dead_base;
	assert_int_equal(get("gcdump", "linux-arm64", &o, &e, &err), TOOLCACHE_ERR_NETWORK);
	mem = open_memstream(&buf, &len);
	assert_non_null(mem);
	log_set_stream(mem);
	toolcache_log_error(&err);
	log_set_stream(NULL);
	fclose(mem);
	snprintf(want, sizeof(want), "kubectl-dotnetprof: cannot download dotnet-gcdump for linux-arm64 from "
		 "%s/dotnet-gcdump/linux-arm64: ", dead_base);
	assert_contains(buf, want);
	assert_contains(buf, "refused");
	assert_contains(buf, "\nhint: check the network");
	assert_contains(buf, "--download pod");
	assert_contains(buf, "--tools-url file://DIR");
	free(buf);
	assert_int_equal(cached_files("linux-arm64", "dotnet-gcdump"), 0);
}

static void test_proxy_honoured(void **st)
{
	static const char *const vars[] = { "http_proxy", "HTTP_PROXY", "all_proxy" };
	struct toolcache_opts o;
	struct toolcache_entry e;
	struct toolcache_error err;
	size_t i;

	(void)st;
	opts_init(&o);
	o.refresh = 1;
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		int before = settled_downloads();

		setenv(vars[i], dead_base, 1);
		assert_int_equal(get("gcdump", "linux-arm64", &o, &e, &err), TOOLCACHE_ERR_NETWORK);
		assert_contains(err.hint, "a proxy is set in the environment");
		assert_downloads(before);  /* the request went to the proxy, not the server */
		setenv("NO_PROXY", "127.0.0.1", 1);
		assert_int_equal(get("gcdump", "linux-arm64", &o, &e, &err), TOOLCACHE_OK);
		assert_downloads(before + 1);
		unsetenv("NO_PROXY");
		setenv("no_proxy", "localhost,127.0.0.1", 1);
		assert_int_equal(get("gcdump", "linux-arm64", &o, &e, &err), TOOLCACHE_OK);
		unsetenv("no_proxy");
		unsetenv(vars[i]);
	}
}

static void test_xdg_and_urls(void **st)
{
	struct toolcache_opts o;
	struct toolcache_entry e;
	struct toolcache_error err;
	char dir[PATH_MAX], want[PATH_MAX], url[256], other[PATH_MAX], mirror[PATH_MAX];

	(void)st;
	assert_int_equal(toolcache_dir(dir, sizeof(dir)), 0);
	PATHF(want, "%s/kubectl-dotnetprof", cache);
	assert_string_equal(dir, want);
	setenv("XDG_CACHE_HOME", "relative/cache", 1);  /* not absolute: ignored, as the spec says */
	setenv("HOME", "/home/someone", 1);
	assert_int_equal(toolcache_dir(dir, sizeof(dir)), 0);
	assert_string_equal(dir, "/home/someone/.cache/kubectl-dotnetprof");
	unsetenv("XDG_CACHE_HOME");
	assert_int_equal(toolcache_dir(dir, sizeof(dir)), 0);
	assert_string_equal(dir, "/home/someone/.cache/kubectl-dotnetprof");
	assert_int_equal(toolcache_dir(dir, 10), -1);
	assert_int_equal(errno, ENAMETOOLONG);

	/* another XDG_CACHE_HOME is another cache: downloads again, into it */
	PATHF(other, "%s/other-cache", root);
	setenv("XDG_CACHE_HOME", other, 1);
	opts_init(&o);
	assert_int_equal(get("stack", "linux-x64", &o, &e, &err), TOOLCACHE_OK);
	assert_int_equal(e.downloaded, 1);
	PATHF(want, "%s/kubectl-dotnetprof/tools/linux-x64/dotnet-stack", other);
	assert_string_equal(e.path, want);
	setenv("XDG_CACHE_HOME", cache, 1);

	/* URLs: the default, the environment, --tools-url over it, no doubled slash */
	assert_int_equal(toolcache_url("trace", "linux-x64", NULL, url, sizeof(url)), 0);
	assert_string_equal(url, "https://aka.ms/dotnet-trace/linux-x64");
	setenv(TOOLCACHE_URL_ENV, "https://mirror.example/tools/", 1);
	assert_int_equal(toolcache_url("dotnet-dump", "linux-musl-arm64", NULL, url, sizeof(url)), 0);
	assert_string_equal(url, "https://mirror.example/tools/dotnet-dump/linux-musl-arm64");
	assert_int_equal(toolcache_url("dump", "linux-x64", "http://h:1//", url, sizeof(url)), 0);
	assert_string_equal(url, "http://h:1/dotnet-dump/linux-x64");
	assert_int_equal(toolcache_url("dump", "linux-x64", "h:1", url, sizeof(url)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(toolcache_url("dump", "linux-x64", NULL, url, 20), -1);
	assert_int_equal(errno, ENAMETOOLONG);

	/* $DOTNETPROF_TOOLS_URL is used when no --tools-url is given */
	setenv(TOOLCACHE_URL_ENV, base, 1);
	o.base_url = NULL;
	o.refresh = 1;
	assert_int_equal(get("stack", "linux-x64", &o, &e, &err), TOOLCACHE_OK);
	assert_contains(e.source_url, base);
	unsetenv(TOOLCACHE_URL_ENV);

	/* an air-gapped mirror on disk: file://DIR/dotnet-{tool}/{rid} */
	PATHF(mirror, "%s/mirror", root);
	assert_int_equal(mkdir(mirror, 0755), 0);
	PATHF(mirror, "%s/mirror/dotnet-stack", root);
	assert_int_equal(mkdir(mirror, 0755), 0);
	PATHF(want, "%s/linux-musl-x64/dotnet-stack", real_tools());
	assert_non_null(realpath(want, other));
	PATHF(mirror, "%s/mirror/dotnet-stack/linux-musl-x64", root);
	assert_int_equal(symlink(other, mirror), 0);
	PATHF(url, "file://%s/mirror", root);
	o.base_url = url;
	assert_int_equal(get("stack", "linux-musl-x64", &o, &e, &err), TOOLCACHE_OK);
	assert_int_equal(e.downloaded, 1);
	assert_contains(e.final_url, "file:///");
	assert_int_equal(get("stack", "linux-arm64", &o, &e, &err), TOOLCACHE_ERR_HTTP);
}

static void test_interrupted(void **st)
{
	static volatile sig_atomic_t flag = 1;
	struct toolcache_opts o;
	struct toolcache_entry e;
	struct toolcache_error err;

	(void)st;
	uncache("linux-arm64", "dotnet-stack");
	opts_init(&o);
	o.interrupted = &flag;
	assert_int_equal(get("stack", "linux-arm64", &o, &e, &err), TOOLCACHE_ERR_INTERRUPTED);
	assert_int_equal(cached_files("linux-arm64", "dotnet-stack"), 0);
}

/* Run argv to completion; its exit status. */
static int run(const char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		if (devnull >= 0) {
			dup2(devnull, STDOUT_FILENO);
			dup2(devnull, STDERR_FILENO);
		}
		execvp(argv[0], (char *const *)argv);  /* execvp does not modify them */
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/*
 * A small server for the cases toolserver.py has no fault for: argv port, cert and key ("-": plain
 * http), mode, arg. file: serve the file `arg`; redirect: 302 to `arg` + the path; endless: 200
 * without Content-Length, zeros until the client goes; huge: 200 announcing `arg` bytes of zeros.
 */
static const char server_py[] =
	"import http.server, ssl, sys\n"
	"port, cert, key, mode, arg = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]\n"
	"class H(http.server.BaseHTTPRequestHandler):\n"
	"    def do_GET(self):\n"
	"        if mode == 'redirect':\n"
	"            self.send_response(302)\n"
	"            self.send_header('Location', arg + self.path)\n"
	"            self.end_headers()\n"
	"            return\n"
	"        data = open(arg, 'rb').read() if mode == 'file' else bytes(1 << 20)\n"
	"        self.send_response(200)\n"
	"        if mode != 'endless':\n"
	"            self.send_header('Content-Length', str(len(data) if mode == 'file' else int(arg)))\n"
	"        self.end_headers()\n"
	"        try:\n"
	"            self.wfile.write(data)\n"
	"            while mode != 'file':\n"
	"                self.wfile.write(data)\n"
	"        except OSError:\n"
	"            pass\n"
	"    def log_message(self, *a):\n"
	"        pass\n"
	"s = http.server.HTTPServer(('127.0.0.1', port), H)\n"
	"if cert != '-':\n"
	"    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
	"    ctx.load_cert_chain(cert, key)\n"
	"    s.socket = ctx.wrap_socket(s.socket, server_side=True)\n"
	"s.serve_forever()\n";

/* A self-signed certificate for 127.0.0.1 in the test's root. */
static void make_cert(char *cert, size_t csize, char *key, size_t ksize)
{
	const char *const gen[] = { "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out",
				    cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
				    "subjectAltName=IP:127.0.0.1", NULL };

	assert_true(snprintf(cert, csize, "%s/cert.pem", root) < (int)csize);
	assert_true(snprintf(key, ksize, "%s/key.pem", root) < (int)ksize);
	if (access(cert, R_OK) != 0 && run(gen) != 0)
		fail_msg("openssl req failed: is openssl installed?");
}

/* Start server_py in `mode` with `arg` (https when cert is given); its base URL into url. */
static pid_t start_py(const char *cert, const char *key, const char *mode, const char *arg, char *url,
		      size_t urlsize)
{
	char portstr[16];
	const char *const srv[] = { "python3", "-c", server_py, portstr, cert ? cert : "-", key ? key : "-", mode,
				    arg, NULL };
	int port = free_port(0, NULL);
	pid_t pid;

	snprintf(portstr, sizeof(portstr), "%d", port);
	pid = spawn_server(srv, port);
	assert_true(pid > 0);
	snprintf(url, urlsize, "%s://127.0.0.1:%d", cert ? "https" : "http", port);
	return pid;
}

/* HTTPS is verified: a self-signed server is refused until its certificate is trusted. */
static void test_https_verified(void **st)
{
	char cert[PATH_MAX], key[PATH_MAX], tool[PATH_MAX], abs_tool[PATH_MAX], url[64];
	struct toolcache_opts o;
	struct toolcache_entry e;
	struct toolcache_error err;
	pid_t pid;

	(void)st;
	PATHF(tool, "%s/linux-musl-x64/dotnet-stack", real_tools());
	assert_non_null(realpath(tool, abs_tool));
	make_cert(cert, sizeof(cert), key, sizeof(key));
	pid = start_py(cert, key, "file", abs_tool, url, sizeof(url));
	uncache("linux-musl-x64", "dotnet-stack");
	opts_init(&o);
	o.base_url = url;
	unsetenv("CURL_CA_BUNDLE");
	unsetenv("SSL_CERT_FILE");
	if (get("stack", "linux-musl-x64", &o, &e, &err) != TOOLCACHE_ERR_NETWORK) {
		stop_server(&pid);
		fail_msg("a self-signed server was accepted");
	}
	assert_contains(err.why, "certificate");
	assert_int_equal(cached_files("linux-musl-x64", "dotnet-stack"), 0);
	/* trusted explicitly, as curl allows: the same server is accepted (host name checked too) */
	setenv("CURL_CA_BUNDLE", cert, 1);
	if (get("stack", "linux-musl-x64", &o, &e, &err) != TOOLCACHE_OK) {
		stop_server(&pid);
		fail_msg("with CURL_CA_BUNDLE: %s", err.why);
	}
	unsetenv("CURL_CA_BUNDLE");
	stop_server(&pid);
	assert_int_equal(e.downloaded, 1);
	assert_string_equal(e.filename, "");  /* no Content-Disposition: nothing to compare */
}

/*
 * No downgrade: an https mirror that redirects to http (the toolserver, which would serve the real
 * tool) is refused; an http base the user names is followed as before (the stand-in's own 302).
 */
static void test_https_redirect_to_http_refused(void **st)
{
	char cert[PATH_MAX], key[PATH_MAX], url[64];
	struct toolcache_opts o;
	struct toolcache_entry e;
	struct toolcache_error err;
	enum toolcache_status got;
	pid_t pid;

	(void)st;
	make_cert(cert, sizeof(cert), key, sizeof(key));
	pid = start_py(cert, key, "redirect", base, url, sizeof(url));
	uncache("linux-musl-x64", "dotnet-stack");
	opts_init(&o);
	o.base_url = url;
	setenv("CURL_CA_BUNDLE", cert, 1);
	got = get("stack", "linux-musl-x64", &o, &e, &err);
	unsetenv("CURL_CA_BUNDLE");
	stop_server(&pid);
	assert_int_equal(got, TOOLCACHE_ERR_HTTP);
	assert_contains(err.why, "redirected (HTTP 302) to a URL that is not https: http://127.0.0.1:");
	assert_contains(err.hint, "http://");
	assert_int_equal(cached_files("linux-musl-x64", "dotnet-stack"), 0);
	opts_init(&o);
	assert_int_equal(get("stack", "linux-musl-x64", &o, &e, &err), TOOLCACHE_OK);
}

/* A body over TOOLCACHE_MAX_SIZE is cut: announced (refused at once) or not (cut as it comes). */
static void test_size_cap(void **st)
{
	static const char *const modes[] = { "huge", "endless" };
	char url[64], big[32];
	struct toolcache_opts o;
	struct toolcache_entry e;
	struct toolcache_error err;
	enum toolcache_status got;
	size_t i;
	pid_t pid;

	(void)st;
	snprintf(big, sizeof(big), "%llu", (unsigned long long)TOOLCACHE_MAX_SIZE + 1);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		pid = start_py(NULL, NULL, modes[i], big, url, sizeof(url));
		uncache("linux-musl-x64", "dotnet-stack");
		opts_init(&o);
		o.base_url = url;
		got = get("stack", "linux-musl-x64", &o, &e, &err);
		stop_server(&pid);
		assert_int_equal(got, TOOLCACHE_ERR_INVALID);
		assert_contains(err.why, "the file is larger than the limit of 256 MiB");
		assert_int_equal(cached_files("linux-musl-x64", "dotnet-stack"), 0);
	}
}

/* A trickle above the low-speed limit ends at the overall limit ($DOTNETPROF_DOWNLOAD_TIMEOUT). */
static void test_time_limit(void **st)
{
	struct timespec t0, t1;

	(void)st;
	setenv(TOOLCACHE_TIMEOUT_ENV, "2", 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	faulty("slow", TOOLCACHE_ERR_NETWORK, "not complete within the time limit of 2 s",
	       "DOTNETPROF_DOWNLOAD_TIMEOUT=SECONDS", NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	unsetenv(TOOLCACHE_TIMEOUT_ENV);
	assert_true(t1.tv_sec - t0.tv_sec < 10);
	setenv(TOOLCACHE_TIMEOUT_ENV, "soon", 1);
	assert_int_equal(toolcache_max_time(), TOOLCACHE_MAX_TIME);
	unsetenv(TOOLCACHE_TIMEOUT_ENV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_download_once_then_cached, setup),
		cmocka_unit_test_setup(test_refresh_failure_keeps_cached_copy, setup),
		cmocka_unit_test_setup(test_stale_record_downloads_again, setup),
		cmocka_unit_test_setup(test_fault_html, setup),
		cmocka_unit_test_setup(test_fault_500, setup),
		cmocka_unit_test_setup(test_fault_truncate, setup),
		cmocka_unit_test_setup(test_fault_hang_times_out, setup),
		cmocka_unit_test_setup(test_fault_corrupt, setup),
		cmocka_unit_test_setup(test_wrong_files, setup),
		cmocka_unit_test_setup(test_not_found_and_bad_input, setup),
		cmocka_unit_test_setup(test_unreachable_message, setup),
		cmocka_unit_test_setup(test_proxy_honoured, setup),
		cmocka_unit_test_setup(test_xdg_and_urls, setup),
		cmocka_unit_test_setup(test_interrupted, setup),
		cmocka_unit_test_setup(test_https_verified, setup),
		cmocka_unit_test_setup(test_https_redirect_to_http_refused, setup),
		cmocka_unit_test_setup(test_size_cap, setup),
		cmocka_unit_test_setup(test_time_limit, setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
