/*
 * test_probe.c - the probe: its parser against fixtures (tests/fixtures/probe/) and hostile input, and
 * the embedded script itself run live under /bin/sh, dash, bash and busybox ash on this host against
 * stand-in .NET processes (a preloaded library named libcoreclr.so, diagnostics sockets, hostile
 * command lines), with a busybox-only PATH, with no PATH at all, as another user, and killed midway.
 */
#define _GNU_SOURCE /* setresuid, setresgid */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "podscripts.h"
#include "probe.h"

/* ---- helpers ---- */

static char *fixture_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("DOTNETPROF_FIXTURES");
	const char *slash;

	if (env != NULL) {
		assert_true(snprintf(dir, sizeof(dir), "%s/probe", env) < (int)sizeof(dir));
		return dir;
	}
	/* tests/unit/test_probe.c -> tests/fixtures/probe (relative to where the build ran) */
	slash = strrchr(__FILE__, '/');
	assert_non_null(slash);
	assert_true(snprintf(dir, sizeof(dir), "%.*s/../fixtures/probe", (int)(slash - __FILE__),
			     __FILE__) < (int)sizeof(dir));
	return dir;
}

static char *read_all_fd(int fd, size_t *len)
{
	size_t cap = 8192, n = 0;
	char *buf = malloc(cap);
	ssize_t r;

	assert_non_null(buf);
	while ((r = read(fd, buf + n, cap - n)) > 0 || (r < 0 && errno == EINTR)) {
		if (r < 0)
			continue;
		n += (size_t)r;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	*len = n;
	return buf;
}

static char *read_fixture(const char *name, size_t *len)
{
	char path[PATH_MAX];
	char *buf;
	int fd;

	assert_true(snprintf(path, sizeof(path), "%s/%s", fixture_dir(), name) < (int)sizeof(path));
	fd = open(path, O_RDONLY);
	if (fd < 0)
		fail_msg("fixture %s: %s (run from the repository root or set DOTNETPROF_FIXTURES)",
			 path, strerror(errno));
	buf = read_all_fd(fd, len);
	close(fd);
	return buf;
}

static void parse_fixture(const char *name, struct probe *p)
{
	char err[256];
	size_t len;
	char *text = read_fixture(name, &len);

	probe_init(p);
	if (probe_parse(text, len, p, err, sizeof(err)) != 0)
		fail_msg("%s: %s", name, err);
	free(text);
}

static int parse_str(const char *text, struct probe *p, char *err, size_t errsize)
{
	probe_init(p);
	return probe_parse(text, strlen(text), p, err, errsize);
}

/* assert_string_equal that fails (instead of crashing) on NULL */
#define assert_str(a, b)                                                                   \
	do {                                                                               \
		assert_non_null(a);                                                        \
		assert_string_equal(a, b);                                                 \
	} while (0)

static const struct probe_dir *find_dir(const struct probe *p, const char *path)
{
	size_t i;

	for (i = 0; i < p->ndirs; i++) {
		if (strcmp(p->dirs[i].path, path) == 0)
			return &p->dirs[i];
	}
	return NULL;
}

static const struct probe_dir *must_dir(const struct probe *p, const char *path)
{
	const struct probe_dir *d = find_dir(p, path);

	if (d == NULL)
		fail_msg("no 'dir' record for %s", path);
	return d;
}

static int is_zeroed(const struct probe *p)
{
	struct probe z;

	memset(&z, 0, sizeof(z));
	return memcmp(p, &z, sizeof(z)) == 0;
}

/* ---- fixtures ---- */

static void test_best_hash(void **state)
{
	(void)state;
	assert_int_equal(probe_best_hash(PCMD_SHA256SUM | PCMD_MD5SUM | PCMD_CKSUM), DIGEST_SHA256);
	assert_int_equal(probe_best_hash(PCMD_MD5SUM | PCMD_CKSUM), DIGEST_MD5);
	assert_int_equal(probe_best_hash(PCMD_CKSUM | PCMD_TAIL), DIGEST_CKSUM);
	assert_int_equal(probe_best_hash(PCMD_TAIL | PCMD_DD), DIGEST_NONE);
}

static void test_glibc_root_two_procs(void **state)
{
	const struct probe_proc *pr;
	struct probe p;

	(void)state;
	parse_fixture("glibc-root-two-procs.txt", &p);
	assert_int_equal(p.version, 1);
	assert_str(p.arch, "x86_64");
	assert_int_equal(p.libc, LIBC_GLIBC);
	assert_int_equal(p.uid, 0);
	assert_int_equal(p.gid, 0);
	assert_str(p.user, "root");
	assert_str(p.tmpdir, "");
	assert_true(p.cmds & PCMD_SH && p.cmds & PCMD_SHA256SUM && p.cmds & PCMD_TR && p.cmds & PCMD_GREP);
	assert_false(p.cmds & (PCMD_CURL | PCMD_WGET));
	assert_int_equal(p.ndirs, 4);
	assert_str(p.dirs[2].path, "/dev/shm");
	assert_int_equal(p.dirs[2].writable, 1);
	assert_int_equal(p.dirs[2].exec_ok, 0);
	assert_int_equal(p.dirs[3].free_kb, -1);
	assert_int_equal(p.nprocs, 2);

	pr = probe_find_pid(&p, 1);
	assert_non_null(pr);
	assert_int_equal(pr->uid, 0);
	assert_int_equal(pr->rss_kb, 103516);
	assert_str(pr->name, "dotnet");
	assert_str(pr->cmdline, "/usr/share/dotnet/dotnet /app/SampleApp.dll");
	assert_str(pr->user, "root");
	assert_str(pr->tmpdir, "/tmp");
	assert_str(pr->socket, "/tmp/dotnet-diagnostic-1-34971-socket");
	assert_str(pr->runtime_dir, "/usr/share/dotnet/shared/Microsoft.NETCore.App/8.0.11");
	assert_str(pr->runtime_version, "8.0.11");
	assert_int_equal(pr->diag_enabled, 1);
	assert_int_equal(pr->accessible, 1);
	assert_int_equal(probe_proc_diag(&p, pr), PDIAG_OK);

	pr = probe_find_pid(&p, 42);
	assert_non_null(pr);
	assert_str(pr->runtime_version, "9.0.0-rc.2.24473.5");
	assert_int_equal(probe_proc_diag(&p, pr), PDIAG_OK);
	assert_null(probe_find_pid(&p, 2));
	probe_release(&p);
	assert_true(is_zeroed(&p));
}

static void test_musl_busybox_no_dotnet(void **state)
{
	struct probe p;

	(void)state;
	parse_fixture("musl-busybox-no-dotnet.txt", &p);
	assert_int_equal(p.libc, LIBC_MUSL);
	assert_int_equal(p.nprocs, 0);
	assert_null(p.procs);
	assert_true(p.cmds & PCMD_WGET);
	assert_false(p.cmds & PCMD_CURL);
	assert_int_equal(p.ndirs, 2);
	probe_release(&p);
}

static void test_nonroot_other_user(void **state)
{
	const struct probe_proc *pr;
	struct probe p;

	(void)state;
	parse_fixture("nonroot-other-user.txt", &p);
	assert_str(p.arch, "aarch64");
	assert_int_equal(p.uid, 1000);
	pr = probe_find_pid(&p, 7);
	assert_non_null(pr);
	assert_int_equal(probe_proc_diag(&p, pr), PDIAG_OK);
	pr = probe_find_pid(&p, 9);
	assert_non_null(pr);
	assert_int_equal(pr->uid, 0);
	assert_int_equal(pr->accessible, 0);
	assert_null(pr->tmpdir);
	assert_null(pr->runtime_dir);
	assert_int_equal(probe_proc_diag(&p, pr), PDIAG_OTHER_USER);
	assert_str(probe_diag_name(probe_proc_diag(&p, pr)), "owned by another user");
	/* the same process seen by a root exec user is reachable */
	p.uid = 0;
	assert_int_equal(probe_proc_diag(&p, pr), PDIAG_OK);
	probe_release(&p);
}

static void test_diag_disabled(void **state)
{
	const struct probe_proc *pr;
	struct probe p;

	(void)state;
	parse_fixture("diag-disabled.txt", &p);
	assert_null(p.user);
	pr = probe_find_pid(&p, 1);
	assert_non_null(pr);
	assert_int_equal(pr->diag_enabled, 0);
	assert_null(pr->socket);
	assert_null(pr->user);
	assert_int_equal(probe_proc_diag(&p, pr), PDIAG_DISABLED);
	assert_str(probe_diag_name(PDIAG_DISABLED), "disabled (DOTNET_EnableDiagnostics=0)");
	probe_release(&p);
}

static void test_tmpdir_custom(void **state)
{
	const struct probe_proc *pr;
	struct probe p;

	(void)state;
	parse_fixture("tmpdir-custom.txt", &p);
	assert_str(p.tmpdir, "/scratch");
	assert_int_equal(must_dir(&p, "/tmp")->writable, 0);
	assert_int_equal(must_dir(&p, "/scratch")->exec_ok, 1);
	pr = probe_find_pid(&p, 1);
	assert_str(pr->tmpdir, "/scratch");
	assert_str(pr->socket, "/scratch/dotnet-diagnostic-1-555-socket");
	assert_int_equal(probe_proc_diag(&p, pr), PDIAG_OK);
	probe_release(&p);
}

static void test_self_contained(void **state)
{
	const struct probe_proc *pr;
	struct probe p;

	(void)state;
	parse_fixture("self-contained.txt", &p);
	assert_int_equal(p.gid, 0);
	assert_int_equal(p.ndirs, 0);
	pr = probe_find_pid(&p, 1);
	assert_str(pr->runtime_dir, "/app");
	assert_null(pr->runtime_version);
	pr = probe_find_pid(&p, 2);
	assert_null(pr->runtime_dir);
	assert_null(pr->runtime_version);
	assert_int_equal(pr->accessible, 1);
	probe_release(&p);
}

static void test_escaped(void **state)
{
	const struct probe_proc *pr;
	struct probe p;

	(void)state;
	parse_fixture("escaped.txt", &p);
	assert_str(p.tmpdir, "/tmp/a\tb");
	assert_str(p.dirs[0].path, "/tmp/new\nline");
	assert_int_equal(p.nprocs, 1);
	pr = probe_find_pid(&p, 5);
	assert_str(pr->name, "we\\ird");
	assert_str(pr->cmdline, "dotnet x.dll\tend\nproc\t6\t0\t0\tforged\rcr\\n");
	assert_null(probe_find_pid(&p, 6));
	probe_release(&p);
}

static void test_unknown_records(void **state)
{
	const struct probe_proc *pr;
	struct probe p;

	(void)state;
	parse_fixture("unknown-records.txt", &p);
	assert_str(p.arch, "x86_64");
	assert_int_equal(p.cmds, PCMD_GZIP);
	assert_int_equal(p.libc, LIBC_UNKNOWN);
	pr = probe_find_pid(&p, 3);
	assert_int_equal(pr->rss_kb, -1);
	assert_str(pr->name, "dotnet");
	probe_release(&p);
}

static void test_bad_fixtures(void **state)
{
	static const struct {
		const char *name, *msg;
	} cases[] = {
		{ "truncated.txt", "probe output: cut short (no 'end' line after 6 lines)" },
		{ "bad-number.txt", "probe output line 5: bad 'proc' record" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[256];
		struct probe p;
		size_t len;
		char *text = read_fixture(cases[i].name, &len);

		probe_init(&p);
		errno = 0;
		assert_int_equal(probe_parse(text, len, &p, err, sizeof(err)), -1);
		assert_int_equal(errno, EINVAL);
		assert_str(err, cases[i].msg);
		assert_true(is_zeroed(&p));
		free(text);
	}
}

/* ---- hostile and malformed input ---- */

#define H "dotnetprof-probe\t1\nuid\t0\n"

static void test_malformed(void **state)
{
	static const struct {
		const char *text, *msg; /* msg: a substring of the error */
	} cases[] = {
		{ "", "empty" },
		{ "\n", "line 1: empty line" },
		{ "end\n", "no 'dotnetprof-probe' header" },
		{ "hello\ndotnetprof-probe\t1\nuid\t0\nend\n", "line 1: not probe output" },
		{ "dotnetprof-probe\t2\nuid\t0\nend\n", "format version 2" },
		{ "dotnetprof-probe\nuid\t0\nend\n", "bad format version" },
		{ "dotnetprof-probe\t1\r\nuid\t0\r\nend\r\n", "tty" },
		{ "dotnetprof-probe\t1\nend\n", "no 'uid' record" },
		{ H "arch\tx\\86\nend\n", "line 3: bad escape" },
		{ H "arch\tx86\\\nend\n", "bad escape" },
		{ H "arch\nend\n", "'arch' record without a value" },
		{ H "arch\ta\narch\tb\nend\n", "second 'arch'" },
		{ H "uid\t0\nend\n", "second 'uid'" },
		{ H "libc\tglibc\nlibc\tmusl\nend\n", "second 'libc'" },
		{ "dotnetprof-probe\t1\nuid\t-1\nend\n", "bad 'uid'" },
		{ "dotnetprof-probe\t1\nuid\t4294967295\nend\n", "bad 'uid'" },
		{ "dotnetprof-probe\t1\nuid\t+1\nend\n", "bad 'uid'" },
		{ "dotnetprof-probe\t1\nuid\t 1\nend\n", "bad 'uid'" },
		{ "dotnetprof-probe\t1\nuid\t1 \nend\n", "bad 'uid'" },
		{ "dotnetprof-probe\t1\nuid\t0x10\nend\n", "bad 'uid'" },
		{ "dotnetprof-probe\t1\nuid\t\nend\n", "bad 'uid'" },
		{ H "gid\t99999999999999999999999\nend\n", "bad 'gid'" },
		{ H "cmd\tsh\nend\n", "bad 'cmd'" },
		{ H "dir\t/tmp\t2\t1\t5\nend\n", "bad 'dir'" },
		{ H "dir\t/tmp\t1\t1\t-2\nend\n", "bad 'dir'" },
		{ H "dir\ttmp\t1\t1\t5\nend\n", "bad 'dir'" },
		{ H "dir\t/tmp\t1\t1\nend\n", "bad 'dir'" },
		{ H "proc\t0\t0\t1\tx\nend\n", "bad 'proc'" },
		{ H "proc\t-3\t0\t1\tx\nend\n", "bad 'proc'" },
		{ H "proc\t2147483648\t0\t1\tx\nend\n", "bad 'proc'" },
		{ H "proc\t1\t0\t1\nend\n", "bad 'proc'" },
		{ H "proc\t1\t0\t1\tx\nproc\t1\t0\t1\ty\nend\n", "second 'proc' record for pid 1" },
		{ H "pcmd\t1\tdotnet\nend\n", "'pcmd' record for pid 1 before its 'proc'" },
		{ H "proc\t1\t0\t1\tx\npcmd\t1\ta\npcmd\t1\tb\nend\n", "second 'pcmd'" },
		{ H "proc\t1\t0\t1\tx\npsock\t1\nend\n", "bad 'psock'" },
		{ H "proc\t1\t0\t1\tx\npruntime\t1\t/d\nend\n", "bad 'pruntime'" },
		{ H "proc\t1\t0\t1\tx\npruntime\t1\trel\t1.0.0\nend\n", "bad 'pruntime'" },
		{ H "proc\t1\t0\t1\tx\npdiag\t1\tyes\nend\n", "bad 'pdiag'" },
		{ H "proc\t1\t0\t1\tx\npaccess\t1\t01\nend\n", "bad 'paccess'" },
		{ H "end\narch\tx\n", "line 4: text after 'end'" },
		{ H "end\nend\n", "text after 'end'" },
		{ H "end\n\n", "empty line" },
		{ H "proc\t1\t0\t1\tx\n", "cut short" },
		{ H "perm\t/x\tdrwxr-xr-x\nend\n", "bad 'perm'" },
		{ H "perm\tx\tdrwxr-xr-x\t0\nend\n", "bad 'perm'" },
		{ H "perm\t/x\t\t0\nend\n", "bad 'perm'" },
		{ H "perm\t/x\tdrwxr-xr-x.+++\t0\nend\n", "bad 'perm'" },
		{ H "perm\t/x\tdrwxr-xr-x\t-1\nend\n", "bad 'perm'" },
		{ H "permdir\t/x\t0\nend\n", "bad 'permdir'" },
		{ H "permdir\t/x\t0 a\t0\nend\n", "bad 'permdir'" },
		{ H "permdir\t/x\t0  1\t0\nend\n", "bad 'permdir'" },
		{ H "permdir\t/x\t1 2 3 4 5 6 7 8 9\t0\nend\n", "bad 'permdir'" },
		{ H "permdir\t/x\t0\t2\nend\n", "bad 'permdir'" },
		{ H "agent\t/tmp/.dotnetprof\t5\nend\n", "bad 'agent'" },
		{ H "agent\ttmp/.dotnetprof\t5\t-\nend\n", "bad 'agent'" },
		{ H "agent\t/w\t-2\t-\nend\n", "bad 'agent'" },
		{ H "agent\t/w\t5\tabc\nend\n", "bad 'agent'" },
		{ H "agent\t/w\t5\t" "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855\nend\n",
		  "bad 'agent'" },
		{ H "agent\t/w\t5\t-\nagent\t/v\t5\t-\nend\n", "second 'agent'" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[256] = "untouched";
		struct probe p;

		errno = 0;
		if (parse_str(cases[i].text, &p, err, sizeof(err)) != -1)
			fail_msg("case %zu accepted: %s", i, cases[i].text);
		assert_int_equal(errno, EINVAL);
		if (strstr(err, cases[i].msg) == NULL)
			fail_msg("case %zu: error \"%s\" lacks \"%s\"", i, err, cases[i].msg);
		assert_true(is_zeroed(&p));
	}
}

/* The agent a probe run with an AGENT argument found: its workspace, size, and SHA-256 or none. */
static void test_agent_record(void **state)
{
	static const char sum[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	char text[512], err[256];
	struct probe p;

	(void)state;
	assert_int_equal(parse_str(H "end\n", &p, err, sizeof(err)), 0);
	assert_null(p.agent_ws);
	assert_null(p.agent_sha256);
	probe_release(&p);
	snprintf(text, sizeof(text), H "agent\t/tmp/a\\tb/.dotnetprof\t104080\t%s\tnew\nend\n", sum);
	assert_int_equal(parse_str(text, &p, err, sizeof(err)), 0);
	assert_str(p.agent_ws, "/tmp/a\tb/.dotnetprof");
	assert_int_equal(p.agent_size, 104080);
	assert_str(p.agent_sha256, sum);
	probe_release(&p);
	assert_int_equal(parse_str(H "agent\t/w\t-1\t-\nend\n", &p, err, sizeof(err)), 0);
	assert_str(p.agent_ws, "/w");
	assert_int_equal(p.agent_size, -1);
	assert_null(p.agent_sha256);
	probe_release(&p);
}

static void test_accepted_edges(void **state)
{
	struct probe p;
	char err[256];

	(void)state;
	/* no final newline after end; libc and arch absent; gid absent */
	assert_int_equal(parse_str("dotnetprof-probe\t1\nuid\t4294967294\nend", &p, err, sizeof(err)),
			 0);
	assert_int_equal(p.uid, 4294967294u);
	assert_int_equal(p.gid, (gid_t)-1);
	assert_str(p.arch, "");
	assert_int_equal(p.libc, LIBC_UNKNOWN);
	assert_null(p.user);
	assert_null(p.tmpdir);
	probe_release(&p);

	/* a parse into a probe that already holds data releases the old data first */
	assert_int_equal(parse_str(H "user\tapp\nend\n", &p, NULL, 0), 0);
	assert_int_equal(probe_parse(H "arch\tx\nend\n", strlen(H "arch\tx\nend\n"), &p, NULL, 0), 0);
	assert_null(p.user);
	assert_str(p.arch, "x");
	probe_release(&p);
	probe_release(&p); /* twice is fine */

	/* errors without an error buffer, and with a tiny one */
	assert_int_equal(parse_str("junk", &p, NULL, 0), -1);
	assert_int_equal(parse_str("junk", &p, err, 8), -1);
	assert_int_equal(strlen(err), 7);
	assert_int_equal(probe_parse(NULL, 0, &p, err, sizeof(err)), -1);
}

/* Who owns what: perm and permdir records, looked up by path; the first record of a path counts. */
static void test_perms(void **state)
{
	static const char text[] = H "perm\t/usr\tdrwxr-xr-x\t0\nperm\t/a b/s\tsrw-------\t1000\n"
				     "perm\t/usr\tdrwxrwxrwx\t5\npermdir\t/d\t0 1000\t1\n"
				     "permdir\t/e\t\t0\nend\n";
	const struct probe_permdir *pd;
	const struct probe_perm *pm;
	struct probe p;
	char err[256];

	(void)state;
	assert_int_equal(parse_str(text, &p, err, sizeof(err)), 0);
	assert_int_equal(p.nperms, 2);
	pm = probe_find_perm(&p, "/usr");
	assert_non_null(pm);
	assert_str(pm->mode, "drwxr-xr-x");
	assert_int_equal(pm->uid, 0);
	pm = probe_find_perm(&p, "/a b/s");
	assert_non_null(pm);
	assert_int_equal(pm->uid, 1000);
	assert_null(probe_find_perm(&p, "/a"));
	assert_null(probe_find_perm(&p, NULL));
	pd = probe_find_permdir(&p, "/d");
	assert_non_null(pd);
	assert_int_equal(pd->nuids, 2);
	assert_int_equal(pd->uids[1], 1000);
	assert_int_equal(pd->writable, 1);
	pd = probe_find_permdir(&p, "/e");
	assert_non_null(pd);
	assert_int_equal(pd->nuids, 0);
	probe_release(&p);
}

static void test_nul_and_sizes(void **state)
{
	static const char nul[] = "dotnetprof-probe\t1\nuid\t0\narch\tx\0y\nend\n";
	const size_t big = 4u * 1024 * 1024 + 1;
	struct probe p;
	char err[256];
	char *text;
	size_t n;

	(void)state;
	probe_init(&p);
	assert_int_equal(probe_parse(nul, sizeof(nul) - 1, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL byte"));

	/* one line just over 64 KiB, then exactly 64 KiB */
	text = malloc(big + 64);
	assert_non_null(text);
	n = (size_t)snprintf(text, 64, H "arch\t");
	memset(text + n, 'a', 64 * 1024 - 5 + 1);
	memcpy(text + n + 64 * 1024 - 5 + 1, "\nend\n", 5);
	assert_int_equal(probe_parse(text, n + 64 * 1024 - 5 + 1 + 5, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 3: line longer than 65536 bytes"));
	memcpy(text + n + 64 * 1024 - 5, "\nend\n", 5);
	assert_int_equal(probe_parse(text, n + 64 * 1024 - 5 + 5, &p, err, sizeof(err)), 0);
	assert_int_equal(strlen(p.arch), 64 * 1024 - 5);
	probe_release(&p);

	/* more than 4 MiB in total */
	memset(text, 'x', big);
	assert_int_equal(probe_parse(text, big, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than 4194304 bytes"));
	free(text);
}

/* Build H + `count` proc records (or dir records when !procs) + end. */
static char *many(int procs, size_t count, size_t *len)
{
	size_t cap = 64 + count * 48, n;
	char *s = malloc(cap);
	size_t i;

	assert_non_null(s);
	n = (size_t)snprintf(s, cap, "%s", H);
	for (i = 1; i <= count; i++)
		n += (size_t)(procs ? snprintf(s + n, cap - n, "proc\t%zu\t0\t1\tdotnet\n", i)
				    : snprintf(s + n, cap - n, "dir\t/d%zu\t1\t1\t5\n", i));
	n += (size_t)snprintf(s + n, cap - n, "end\n");
	assert_true(n < cap);
	*len = n;
	return s;
}

static void test_item_limits(void **state)
{
	size_t len;
	int i;
	struct probe p;
	char err[256];

	(void)state;
	for (i = 0; i < 2; i++) {
		char *text = many(i == 0, 4096, &len);

		probe_init(&p);
		assert_int_equal(probe_parse(text, len, &p, err, sizeof(err)), 0);
		assert_int_equal(i == 0 ? p.nprocs : p.ndirs, 4096);
		probe_release(&p);
		free(text);
		text = many(i == 0, 4097, &len);
		assert_int_equal(probe_parse(text, len, &p, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "more than 4096"));
		free(text);
	}
}

static void test_names(void **state)
{
	static const struct {
		unsigned bit;
		const char *name;
	} cases[] = {
		{ PCMD_SH, "sh" },      { PCMD_SHA256SUM, "sha256sum" }, { PCMD_STAT, "stat" },
		{ PCMD_GREP, "grep" },  { PCMD_TR, "tr" },               { PCMD_SH | PCMD_CAT, NULL },
		{ 0, NULL },            { 1u << 31, NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *n = probe_cmd_name(cases[i].bit);

		if (cases[i].name == NULL)
			assert_null(n);
		else
			assert_str(n, cases[i].name);
	}
	assert_str(probe_diag_name(PDIAG_OK), "ok");
	assert_str(probe_diag_name(PDIAG_NO_SOCKET), "no socket");
}

static void test_diag_order(void **state)
{
	struct probe p;
	struct probe_proc pr;

	(void)state;
	probe_init(&p);
	memset(&pr, 0, sizeof(pr));
	p.uid = 1000;
	pr.uid = 1001;
	pr.diag_enabled = 0;
	assert_int_equal(probe_proc_diag(&p, &pr), PDIAG_DISABLED);
	pr.diag_enabled = 1;
	assert_int_equal(probe_proc_diag(&p, &pr), PDIAG_OTHER_USER);
	pr.uid = 1000;
	assert_int_equal(probe_proc_diag(&p, &pr), PDIAG_NO_SOCKET);
	{
		static char sock[] = "/tmp/s";

		pr.socket = sock;
	}
	assert_int_equal(probe_proc_diag(&p, &pr), PDIAG_OK);
}

/* ---- the script, live ---- */

struct shell {
	const char *path, *arg;
	int applets; /* busybox ash runs its applets even when PATH has none */
};

static const struct shell shells[] = {
	{ "/bin/sh", NULL, 0 },
	{ "/bin/dash", NULL, 0 },
	{ "/bin/bash", NULL, 0 },
	{ "/bin/busybox", "ash", 1 },
};

/* Scratch tree shared by the live tests (made in setup, removed in teardown). */
static char scratch[] = "/tmp/test_probe.XXXXXX";
static char rtdir[PATH_MAX];   /* scratch/dot<TAB>net/shared/Microsoft.NETCore.App/9.9.9 */
static char fakeclr[PATH_MAX]; /* rtdir/libcoreclr.so */
static char ptmp[PATH_MAX];    /* scratch/ptmp: TMPDIR of the stand-ins and of the probe */
static char bbbin[PATH_MAX];   /* scratch/bb: busybox applet links only */
static char emptybin[PATH_MAX];

struct standin {
	pid_t pid;
	int stdin_fd; /* closing it ends the process */
	char sock[PATH_MAX];
	int sock_fd;
};

static void pathf(char *dst, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void pathf(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dst, size, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < size);
}

/* exec*() take char *const[] for historical reasons; they do not write to the strings. */
static char *const *cv(const char *const *a)
{
	return (char *const *)(uintptr_t)a;
}

static int run_argv(const char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execv(argv[0], cv(argv));
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A loadable library to stand in for libcoreclr.so: the cmocka we are linked with. */
static void find_any_library(char *dst, size_t size)
{
	char line[PATH_MAX + 128];
	FILE *f = fopen("/proc/self/maps", "r");

	assert_non_null(f);
	dst[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = strchr(line, '/');

		if (p != NULL && strstr(p, "libcmocka") != NULL) {
			p[strcspn(p, "\n")] = '\0';
			pathf(dst, size, "%s", p);
			break;
		}
	}
	fclose(f);
	assert_true(dst[0] != '\0');
}

static int live_setup(void **state)
{
	static const char *const applets[] = { "sh", "cat", "head", "tail", "tr", "grep", "rm", "chmod",
					       "df", "uname", "id", "base64", "gzip", "wget", "dd",
					       "sha256sum", "md5sum", "mkdir", "mv", "wc", "stat", "tar" };
	char lib[PATH_MAX], link[PATH_MAX];
	size_t i;

	(void)state;
	if (mkdtemp(scratch) == NULL || chmod(scratch, 0755) != 0)
		return -1;
	pathf(rtdir, sizeof(rtdir), "%s/dot\tnet/shared/Microsoft.NETCore.App/9.9.9", scratch);
	pathf(fakeclr, sizeof(fakeclr), "%s/libcoreclr.so", rtdir);
	pathf(ptmp, sizeof(ptmp), "%s/ptmp", scratch);
	pathf(bbbin, sizeof(bbbin), "%s/bb", scratch);
	pathf(emptybin, sizeof(emptybin), "%s/empty", scratch);
	find_any_library(lib, sizeof(lib));
	{
		const char *const mk[] = { "/bin/mkdir", "-p", rtdir, ptmp, bbbin, emptybin, NULL };
		const char *const cp[] = { "/bin/cp", lib, fakeclr, NULL };

		if (run_argv(mk) != 0 || run_argv(cp) != 0)
			return -1;
	}
	if (chmod(ptmp, 01777) != 0)
		return -1;
	for (i = 0; i < sizeof(applets) / sizeof(applets[0]); i++) {
		pathf(link, sizeof(link), "%s/%s", bbbin, applets[i]);
		if (symlink("/bin/busybox", link) != 0)
			return -1;
	}
	return 0;
}

static int live_teardown(void **state)
{
	const char *const rm[] = { "/bin/rm", "-rf", scratch, NULL };

	(void)state;
	return run_argv(rm);
}

/* Field 22 of /proc/PID/stat: the key the runtime puts in its socket name. */
static unsigned long long start_time(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long v = 0;
	size_t len;
	char *p;
	int fd, i;

	pathf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	len = (size_t)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[len] = '\0';
	p = strrchr(buf, ')');
	assert_non_null(p);
	for (i = 0; i < 20; i++) {
		p = strchr(p + 1, ' ');
		assert_non_null(p);
	}
	assert_int_equal(sscanf(p + 1, "%llu", &v), 1);
	return v;
}

static int listen_unix(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	assert_true(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	return fd;
}

/* Wait until the exec happened (the cloexec pipe closes), then until `needle` shows in its maps. */
static void wait_started(pid_t pid, int cloexec_fd, const char *needle)
{
	char c, path[64], *maps;
	size_t len;
	int i, fd;

	assert_int_equal(read(cloexec_fd, &c, 1), 0);
	close(cloexec_fd);
	if (needle == NULL)
		return;
	pathf(path, sizeof(path), "/proc/%ld/maps", (long)pid);
	for (i = 0; i < 200; i++) {
		fd = open(path, O_RDONLY);
		assert_true(fd >= 0);
		maps = read_all_fd(fd, &len);
		close(fd);
		if (memmem(maps, len, needle, strlen(needle)) != NULL) {
			free(maps);
			return;
		}
		free(maps);
		usleep(10000);
	}
	fail_msg("stand-in %ld never mapped %s", (long)pid, needle);
}

/*
 * Start a stand-in .NET process: dash blocked on `read`, with argv and envp as given; preload the
 * fake libcoreclr.so when `clr`; create its diagnostics socket in ptmp when `sock` (plus a stale one
 * with another key, which the probe must not pick).
 */
static void standin_start(struct standin *s, const char *const argv[], const char *const envp[],
			  int clr,
			  int sock, char *stale, size_t stalesize)
{
	int in[2], ex[2];

	/* cloexec: a later stand-in must not hold this one's stdin open */
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(ex, O_CLOEXEC), 0);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		dup2(in[0], 0);
		close(in[0]);
		close(in[1]);
		close(ex[0]);
		execve("/bin/dash", cv(argv), cv(envp));
		_exit(127);
	}
	close(in[0]);
	close(ex[1]);
	s->stdin_fd = in[1];
	wait_started(s->pid, ex[0], clr ? "/libcoreclr.so" : NULL);
	s->sock[0] = '\0';
	s->sock_fd = -1;
	if (sock) {
		pathf(stale, stalesize, "%s/dotnet-diagnostic-%ld-1-socket", ptmp, (long)s->pid);
		close(listen_unix(stale));
		pathf(s->sock, sizeof(s->sock), "%s/dotnet-diagnostic-%ld-%llu-socket", ptmp,
		      (long)s->pid, start_time(s->pid));
		s->sock_fd = listen_unix(s->sock);
	}
}

/* Safe on a stand-in never started or already stopped (a failed test's teardown calls it). */
static void standin_stop(struct standin *s)
{
	int status;

	if (s->pid > 0) {
		close(s->stdin_fd);
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &status, 0);
	}
	if (s->sock_fd >= 0) {
		close(s->sock_fd);
		unlink(s->sock);
	}
	s->pid = 0;
	s->sock_fd = -1;
}

/* The pid of the last probe run: its temp files are named .dotnetprof-probe.PID. */
static pid_t last_probe;

/* Run the embedded probe under `sh` with `envp`, as `uid` when not -1; return its stdout. */
static char *run_probe(const struct shell *sh, const char *const envp[], uid_t uid, size_t *len)
{
	const char *argv[6];
	size_t argc = 0;
	int out[2], status;
	pid_t pid;
	char *text;

	if (access(sh->path, X_OK) != 0)
		fail_msg("shell %s not found: install dash, bash and busybox-static", sh->path);
	argv[argc++] = sh->path;
	if (sh->arg != NULL)
		argv[argc++] = sh->arg;
	argv[argc++] = "-c";
	argv[argc++] = probe_sh;
	argv[argc++] = "dotnetprof-probe";
	argv[argc] = NULL;
	assert_int_equal(pipe(out), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		close(out[1]);
		if (uid != (uid_t)-1 && (setgroups(0, NULL) != 0 || setresgid(uid, uid, uid) != 0 ||
					 setresuid(uid, uid, uid) != 0))
			_exit(125);
		if (chdir(scratch) != 0)
			_exit(126);
		execve(sh->path, cv(argv), cv(envp));
		_exit(127);
	}
	close(out[1]);
	last_probe = pid;
	text = read_all_fd(out[0], len);
	close(out[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s %s: probe exited with status %d", sh->path, sh->arg ? sh->arg : "", status);
	return text;
}

static void run_and_parse(const struct shell *sh, const char *const envp[], uid_t uid,
			  struct probe *p)
{
	char err[256];
	size_t len;
	char *text = run_probe(sh, envp, uid, &len);

	probe_init(p);
	if (probe_parse(text, len, p, err, sizeof(err)) != 0)
		fail_msg("%s %s: %s\n----\n%.*s", sh->path, sh->arg ? sh->arg : "", err, (int)len,
			 text);
	free(text);
}

/*
 * Nothing probe `pid` created may be left in any directory it tested. (Only its own name: other
 * probes may be running on this host at the same time.)
 */
static void assert_no_leftovers_of(const struct probe *p, pid_t pid)
{
	struct stat st;
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < p->ndirs; i++) {
		pathf(path, sizeof(path), "%s/.dotnetprof-probe.%ld",
		      strcmp(p->dirs[i].path, "/") == 0 ? "" : p->dirs[i].path, (long)pid);
		if (lstat(path, &st) == 0)
			fail_msg("left behind: %s", path);
	}
}

static void assert_no_leftovers(const struct probe *p)
{
	assert_no_leftovers_of(p, last_probe);
}

/*
 * The plain run. TMPDIR is a world-writable directory without the sticky bit: another user could
 * swap the test file between chmod and exec, so the probe must not run anything there (X=0) and
 * only ask access(2) whether it is writable.
 */
static void test_live_shells(void **state)
{
	char open_dir[PATH_MAX], tmpenv[PATH_MAX + 8];
	const char *const envp[] = { "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
				     "HOME=/root", tmpenv, NULL };
	struct utsname u;
	size_t i;

	(void)state;
	assert_int_equal(uname(&u), 0);
	pathf(open_dir, sizeof(open_dir), "%s/open", scratch);
	pathf(tmpenv, sizeof(tmpenv), "TMPDIR=%s", open_dir);
	assert_true(mkdir(open_dir, 0777) == 0 || errno == EEXIST);
	assert_int_equal(chmod(open_dir, 0777), 0);
	for (i = 0; i < sizeof(shells) / sizeof(shells[0]); i++) {
		const struct probe_dir *d;
		struct probe p;

		run_and_parse(&shells[i], envp, (uid_t)-1, &p);
		assert_str(p.arch, u.machine);
		assert_int_equal(p.uid, geteuid());
		assert_int_equal(p.gid, getegid());
		assert_int_equal(p.libc, LIBC_GLIBC); /* this host (the test host is Debian) */
		assert_str(p.tmpdir, open_dir);
		assert_int_equal(must_dir(&p, open_dir)->writable, 1);
		assert_int_equal(must_dir(&p, open_dir)->exec_ok, 0);
		assert_int_equal(p.cmds & (PCMD_SH | PCMD_CAT | PCMD_RM | PCMD_CHMOD | PCMD_HEAD |
					   PCMD_TR | PCMD_GREP | PCMD_KILL),
				 PCMD_SH | PCMD_CAT | PCMD_RM | PCMD_CHMOD | PCMD_HEAD | PCMD_TR |
					 PCMD_GREP | PCMD_KILL);
		d = find_dir(&p, "/tmp");
		assert_non_null(d);
		assert_int_equal(d->writable, 1);
		assert_int_equal(d->exec_ok, 1);
		assert_true(d->free_kb > 0);
		assert_non_null(find_dir(&p, scratch)); /* the cwd */
		assert_no_leftovers(&p);
		probe_release(&p);
	}
}

/* The stand-ins, checked against one probe result. */
struct scene {
	struct standin a, b, c;
	char stale_a[PATH_MAX], stale_c[PATH_MAX];
	char cmdline_a[512];
};

static char hostile_tab[] = "evil\targ";
static char hostile_nl[] = "new\nline\tproc\t999\t0\t0\tforged\nend";
static char hostile_bs[] = "back\\slash \\t";

static void scene_start(struct scene *sc)
{
	char preload[PATH_MAX + 16], tmpdir[PATH_MAX + 8];
	const char *const argv_a[] = { "dash", "-c", "read x", hostile_tab, hostile_nl, hostile_bs, NULL };
	const char *const argv_b[] = { "dash", "-c", "read x", "b", NULL };
	const char *const argv_c[] = { "dash", "-c", "read x", "c", NULL };
	const char *const env_a[] = { preload, tmpdir, "DOTNET_EnableDiagnostics=1",
				"COMPlus_EnableDiagnostics=0", NULL };
	const char *const env_b[] = { preload, tmpdir, "COMPlus_EnableDiagnostics=0x0",
				"X=1\nDOTNET_EnableDiagnostics=1", NULL };
	const char *const env_c[] = { tmpdir, "DOTNET_EnableDiagnostics_IPC=1", NULL };

	pathf(preload, sizeof(preload), "LD_PRELOAD=%s", fakeclr);
	pathf(tmpdir, sizeof(tmpdir), "TMPDIR=%s/", ptmp);
	pathf(sc->cmdline_a, sizeof(sc->cmdline_a), "dash -c read x %s %s %s", hostile_tab, hostile_nl,
	      hostile_bs);
	standin_start(&sc->a, argv_a, env_a, 1, 1, sc->stale_a, sizeof(sc->stale_a));
	standin_start(&sc->b, argv_b, env_b, 1, 0, NULL, 0);
	standin_start(&sc->c, argv_c, env_c, 0, 1, sc->stale_c, sizeof(sc->stale_c));
}

static void scene_stop(struct scene *sc)
{
	standin_stop(&sc->a);
	standin_stop(&sc->b);
	standin_stop(&sc->c);
	if (sc->stale_a[0] != '\0')
		unlink(sc->stale_a);
	if (sc->stale_c[0] != '\0')
		unlink(sc->stale_c);
	memset(sc, 0, sizeof(*sc));
	sc->a.sock_fd = sc->b.sock_fd = sc->c.sock_fd = -1;
}

/* The one scene of the running test; its teardown stops it even when an assertion jumped out. */
static struct scene g_scene = { .a.sock_fd = -1, .b.sock_fd = -1, .c.sock_fd = -1 };

static int scene_teardown(void **state)
{
	(void)state;
	scene_stop(&g_scene);
	return 0;
}

/* full: the probe had tr and grep and could read the stand-ins' environ. */
static void scene_check(const struct scene *sc, const struct probe *p, int full)
{
	char tmpdir[PATH_MAX + 1];
	const struct probe_proc *a = probe_find_pid(p, sc->a.pid);
	const struct probe_proc *b = probe_find_pid(p, sc->b.pid);
	const struct probe_proc *c = probe_find_pid(p, sc->c.pid);

	pathf(tmpdir, sizeof(tmpdir), "%s/", ptmp);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_null(probe_find_pid(p, 999));
	assert_int_equal(a->uid, geteuid());
	assert_str(a->name, "dash");
	assert_true(a->rss_kb > 0);
	assert_str(a->runtime_dir, rtdir);
	assert_str(a->runtime_version, "9.9.9");
	assert_str(b->runtime_version, "9.9.9");
	assert_null(c->runtime_dir);
	assert_str(a->socket, sc->a.sock);
	assert_str(c->socket, sc->c.sock);
	assert_null(b->socket);
	if (!full)
		return;
	assert_str(a->cmdline, sc->cmdline_a);
	assert_str(c->cmdline, "dash -c read x c");
	assert_str(a->tmpdir, tmpdir);
	assert_int_equal(a->accessible, 1);
	assert_int_equal(probe_proc_diag(p, a), PDIAG_OK);
	assert_int_equal(probe_proc_diag(p, b), PDIAG_DISABLED);
	assert_int_equal(probe_proc_diag(p, c), PDIAG_OK);
}

static void test_live_standins(void **state)
{
	char tmpenv[PATH_MAX + 8];
	const char *const envp[] = { "PATH=/usr/bin:/bin", tmpenv, "HOME=/nonexistent", NULL };
	struct scene *scp = &g_scene;
	size_t i;

	(void)state;
	pathf(tmpenv, sizeof(tmpenv), "TMPDIR=%s", ptmp);
	scene_start(scp);
	for (i = 0; i < sizeof(shells) / sizeof(shells[0]); i++) {
		struct probe p;

		run_and_parse(&shells[i], envp, (uid_t)-1, &p);
		assert_str(p.tmpdir, ptmp);
		assert_int_equal(must_dir(&p, ptmp)->writable, 1);
		assert_null(find_dir(&p, "/nonexistent"));
		scene_check(scp, &p, 1);
		assert_no_leftovers(&p);
		probe_release(&p);
	}
	scene_stop(scp);
}

/* A busybox-only image: every command is an applet. */
static void test_live_busybox_only(void **state)
{
	static const struct shell ash = { "/bin/busybox", "ash", 1 };
	char path[PATH_MAX + 8], tmpenv[PATH_MAX + 8];
	const char *const envp[] = { path, tmpenv, NULL };
	struct scene *scp = &g_scene;
	struct probe p;

	(void)state;
	pathf(path, sizeof(path), "PATH=%s", bbbin);
	pathf(tmpenv, sizeof(tmpenv), "TMPDIR=%s", ptmp);
	scene_start(scp);
	run_and_parse(&ash, envp, (uid_t)-1, &p);
	assert_true(p.cmds & PCMD_WGET);
	assert_false(p.cmds & PCMD_CURL);
	assert_true(must_dir(&p, "/tmp")->free_kb > 0);
	scene_check(scp, &p, 1);
	assert_no_leftovers(&p);
	probe_release(&p);
	scene_stop(scp);
}

/* Nothing on PATH: builtins only. The probe degrades but still finds the stand-ins by their maps. */
static void test_live_builtins_only(void **state)
{
	char path[PATH_MAX + 8], tmpenv[PATH_MAX + 8];
	const char *const envp[] = { path, tmpenv, NULL };
	struct scene *scp = &g_scene;
	size_t i;

	(void)state;
	pathf(path, sizeof(path), "PATH=%s", emptybin);
	pathf(tmpenv, sizeof(tmpenv), "TMPDIR=%s", ptmp);
	scene_start(scp);
	for (i = 0; i < sizeof(shells) / sizeof(shells[0]); i++) {
		const struct probe_proc *a;
		struct probe p;

		run_and_parse(&shells[i], envp, (uid_t)-1, &p);
		if (shells[i].applets) {
			assert_true(p.cmds & PCMD_RM);
			scene_check(scp, &p, 1);
			probe_release(&p);
			continue;
		}
		assert_false(p.cmds & (PCMD_CAT | PCMD_RM | PCMD_TR | PCMD_GREP));
		assert_int_equal(must_dir(&p, ptmp)->writable, 1); /* from access(2) */
		assert_int_equal(must_dir(&p, ptmp)->exec_ok, 0);
		assert_int_equal(must_dir(&p, ptmp)->free_kb, -1);
		scene_check(scp, &p, 0);
		a = probe_find_pid(&p, scp->a.pid);
		assert_null(a->cmdline); /* no tr: unknown, not guessed */
		assert_int_equal(a->accessible, 0);
		assert_no_leftovers(&p);
		probe_release(&p);
	}
	scene_stop(scp);
}

/*
 * As another user (nobody) the stand-ins' maps and environ are closed: they are found through their
 * sockets in the probe's TMPDIR and reported as another user's. Needs root to switch users: without
 * root this one test is optional and says so.
 */
static void test_live_other_user(void **state)
{
	char tmpenv[PATH_MAX + 8];
	const char *const envp[] = { "PATH=/usr/bin:/bin", tmpenv, "HOME=/nonexistent", NULL };
	struct scene *scp = &g_scene;
	size_t i;

	(void)state;
	if (geteuid() != 0) {
		print_message("test_live_other_user: optional, needs root to run the probe as nobody\n");
		return;
	}
	pathf(tmpenv, sizeof(tmpenv), "TMPDIR=%s", ptmp);
	scene_start(scp);
	for (i = 0; i < sizeof(shells) / sizeof(shells[0]); i++) {
		const struct probe_proc *a, *c;
		struct probe p;

		run_and_parse(&shells[i], envp, 65534, &p);
		assert_int_equal(p.uid, 65534);
		a = probe_find_pid(&p, scp->a.pid);
		c = probe_find_pid(&p, scp->c.pid);
		assert_non_null(a);
		assert_non_null(c);
		assert_null(probe_find_pid(&p, scp->b.pid)); /* no socket, not readable, not "dotnet" */
		assert_int_equal(a->uid, 0);
		assert_int_equal(a->accessible, 0);
		assert_null(a->tmpdir);
		assert_null(a->runtime_dir);
		assert_str(a->cmdline, scp->cmdline_a); /* cmdline is world-readable */
		assert_int_equal(probe_proc_diag(&p, a), PDIAG_OTHER_USER);
		assert_no_leftovers(&p);
		probe_release(&p);
	}
	scene_stop(scp);
}

/* Killed at any moment (the exec stream broke, Ctrl-C), the probe leaves no file behind. */
static void test_live_killed(void **state)
{
	const char *const envp[] = { "PATH=/usr/bin:/bin", "HOME=/root", NULL };
	const char *argv[] = { "/bin/dash", "-c", probe_sh, "dotnetprof-probe", NULL };
	struct probe p;
	int round;

	(void)state;
	run_and_parse(&shells[1], envp, (uid_t)-1, &p); /* learn the directories */
	for (round = 0; round < 20; round++) {
		struct timespec ts = { 0, (long)round * 2500000L };
		int devnull, status;
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			devnull = open("/dev/null", O_WRONLY);
			dup2(devnull, 1);
			if (chdir(scratch) != 0)
				_exit(126);
			execve(argv[0], cv(argv), cv(envp));
			_exit(127);
		}
		nanosleep(&ts, NULL);
		kill(pid, round % 2 ? SIGTERM : SIGINT);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_no_leftovers_of(&p, pid);
	}
	probe_release(&p);
}

int main(void)
{
	const struct CMUnitTest parser[] = {
		cmocka_unit_test(test_best_hash),
		cmocka_unit_test(test_glibc_root_two_procs),
		cmocka_unit_test(test_musl_busybox_no_dotnet),
		cmocka_unit_test(test_nonroot_other_user),
		cmocka_unit_test(test_diag_disabled),
		cmocka_unit_test(test_tmpdir_custom),
		cmocka_unit_test(test_self_contained),
		cmocka_unit_test(test_escaped),
		cmocka_unit_test(test_unknown_records),
		cmocka_unit_test(test_bad_fixtures),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_agent_record),
		cmocka_unit_test(test_accepted_edges),
		cmocka_unit_test(test_perms),
		cmocka_unit_test(test_nul_and_sizes),
		cmocka_unit_test(test_item_limits),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_diag_order),
	};
	const struct CMUnitTest live[] = {
		cmocka_unit_test(test_live_shells),
		cmocka_unit_test_teardown(test_live_standins, scene_teardown),
		cmocka_unit_test_teardown(test_live_busybox_only, scene_teardown),
		cmocka_unit_test_teardown(test_live_builtins_only, scene_teardown),
		cmocka_unit_test_teardown(test_live_other_user, scene_teardown),
		cmocka_unit_test(test_live_killed),
	};
	int failed = cmocka_run_group_tests_name("probe parser", parser, NULL, NULL);

	failed += cmocka_run_group_tests_name("probe script", live, live_setup, live_teardown);
	return failed != 0;
}
