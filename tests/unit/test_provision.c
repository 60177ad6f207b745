/*
 * test_provision.c - getting a tool into the pod: the strategy parser; the planner for every
 * strategy x local cache x pod copy x pod downloader x --refresh; src/pod/poddl.sh run on this host
 * under dash, bash --posix and busybox ash with a fake curl / wget on a PATH of its own (download,
 * every failure category, nothing left behind on failure, the .sum check and its tampering cases);
 * and provision_tool's order of steps with kubectl, the push and the local cache replaced by mocks
 * (-Wl,--wrap): which step ran, what it reported, the exit codes and the -v lines e2e tests rely on.
 */
#define _GNU_SOURCE /* setenv, mkdtemp */
#include <errno.h>
#include <limits.h>
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

#include "digest.h"
#include "exitcodes.h"
#include "kube.h"
#include "log.h"
#include "podexec.h"
#include "probe.h"
#include "proc.h"
#include "provision.h"
#include "push.h"
#include "target.h"
#include "toolcache.h"
#include "toolsums.h"
#include "workspace.h"
#include "wsscript.h"

/* ---- strategy and planner ---- */

static void test_parse_strategy(void **state)
{
	enum provision_strategy s = PROV_POD;

	(void)state;
	assert_int_equal(provision_parse_strategy(NULL, &s), 0);
	assert_int_equal(s, PROV_AUTO);
	assert_int_equal(provision_parse_strategy("local", &s), 0);
	assert_int_equal(s, PROV_LOCAL);
	assert_int_equal(provision_parse_strategy("pod", &s), 0);
	assert_int_equal(s, PROV_POD);
	assert_int_equal(provision_parse_strategy("auto", &s), 0);
	assert_int_equal(s, PROV_AUTO);
	assert_int_equal(provision_parse_strategy("Pod", &s), -1);
	assert_int_equal(provision_parse_strategy("", &s), -1);
	assert_int_equal(provision_parse_strategy("remote", &s), -1);
}

#define C PSTEP_PUSH_CACHED
#define R PSTEP_REUSE_POD
#define P PSTEP_POD_DOWNLOAD
#define L PSTEP_LOCAL_DOWNLOAD
#define X (-1)

/*
 * strategy, cached, pod copy ok, pod can download, pod can verify (a SHA-512 is known here and the
 * pod can compute one; V: either, the same plan), refresh -> steps (X ends), a word in `why`
 */
#define V 2
static const struct plan_case {
	enum provision_strategy s;
	int cached, pod_ok, can, verify, refresh;
	int steps[4];
	const char *word;
} plan_cases[] = {
	/* local: the cache, else download here; the pod is never asked */
	{ PROV_LOCAL, 0, 0, 0, V, 0, { L, X }, "not in the local cache" },
	{ PROV_LOCAL, 0, 0, 0, V, 1, { L, X }, "--refresh" },
	{ PROV_LOCAL, 0, 0, 1, V, 0, { L, X }, "download here" },
	{ PROV_LOCAL, 0, 0, 1, V, 1, { L, X }, "--refresh" },
	{ PROV_LOCAL, 0, 1, 0, V, 0, { L, X }, "download here" },
	{ PROV_LOCAL, 0, 1, 0, V, 1, { L, X }, "--refresh" },
	{ PROV_LOCAL, 0, 1, 1, V, 0, { L, X }, "download here" },
	{ PROV_LOCAL, 0, 1, 1, V, 1, { L, X }, "--refresh" },
	{ PROV_LOCAL, 1, 0, 0, V, 0, { C, X }, "local cache has it" },
	{ PROV_LOCAL, 1, 0, 0, V, 1, { L, X }, "--refresh" },
	{ PROV_LOCAL, 1, 0, 1, V, 0, { C, X }, "local cache has it" },
	{ PROV_LOCAL, 1, 0, 1, V, 1, { L, X }, "--refresh" },
	{ PROV_LOCAL, 1, 1, 0, V, 0, { C, X }, "local cache has it" },
	{ PROV_LOCAL, 1, 1, 0, V, 1, { L, X }, "--refresh" },
	{ PROV_LOCAL, 1, 1, 1, V, 0, { C, X }, "local cache has it" },
	{ PROV_LOCAL, 1, 1, 1, V, 1, { L, X }, "--refresh" },
	/* pod: the pod's copy, else download in the pod (unverified: provision_tool warns) */
	{ PROV_POD, 0, 0, 0, V, 0, { X }, "cannot download" },
	{ PROV_POD, 0, 0, 0, V, 1, { X }, "cannot download" },
	{ PROV_POD, 0, 0, 1, V, 0, { P, X }, "no valid copy" },
	{ PROV_POD, 0, 0, 1, V, 1, { P, X }, "--refresh" },
	{ PROV_POD, 0, 1, 0, 0, 0, { R, X }, "matches its .sum" },
	{ PROV_POD, 0, 1, 0, 1, 0, { R, X }, "matches the expected sha512" },
	{ PROV_POD, 0, 1, 0, V, 1, { X }, "cannot download" },
	{ PROV_POD, 0, 1, 1, 0, 0, { R, X }, "matches its .sum" },
	{ PROV_POD, 0, 1, 1, 1, 0, { R, X }, "matches the expected sha512" },
	{ PROV_POD, 0, 1, 1, V, 1, { P, X }, "--refresh" },
	{ PROV_POD, 1, 0, 0, V, 0, { X }, "cannot download" },
	{ PROV_POD, 1, 0, 0, V, 1, { X }, "cannot download" },
	{ PROV_POD, 1, 0, 1, V, 0, { P, X }, "no valid copy" },
	{ PROV_POD, 1, 0, 1, V, 1, { P, X }, "--refresh" },
	{ PROV_POD, 1, 1, 0, 0, 0, { R, X }, "matches its .sum" },
	{ PROV_POD, 1, 1, 0, 1, 0, { R, X }, "matches the expected sha512" },
	{ PROV_POD, 1, 1, 0, V, 1, { X }, "cannot download" },
	{ PROV_POD, 1, 1, 1, 0, 0, { R, X }, "matches its .sum" },
	{ PROV_POD, 1, 1, 1, 1, 0, { R, X }, "matches the expected sha512" },
	{ PROV_POD, 1, 1, 1, V, 1, { P, X }, "--refresh" },
	/* auto: cache hit, else a verified pod copy, else a verified download in the pod, else here */
	{ PROV_AUTO, 0, 0, 0, V, 0, { L, X }, "the pod cannot download" },
	{ PROV_AUTO, 0, 0, 0, V, 1, { L, X }, "--refresh" },
	{ PROV_AUTO, 0, 0, 1, 0, 0, { L, X }, "could not be verified: download here" },
	{ PROV_AUTO, 0, 0, 1, 1, 0, { P, L, X }, "download in the pod (verified by sha512), else here" },
	{ PROV_AUTO, 0, 0, 1, 0, 1, { L, X }, "--refresh" },
	{ PROV_AUTO, 0, 0, 1, 1, 1, { P, L, X }, "--refresh" },
	{ PROV_AUTO, 0, 1, 0, 0, 0, { L, X }, "the pod cannot download" },
	{ PROV_AUTO, 0, 1, 0, 1, 0, { R, X }, "matches the expected sha512" },
	{ PROV_AUTO, 0, 1, 0, V, 1, { L, X }, "not reused" },
	{ PROV_AUTO, 0, 1, 1, 0, 0, { L, X }, "could not be verified" },
	{ PROV_AUTO, 0, 1, 1, 1, 0, { R, X }, "matches the expected sha512" },
	{ PROV_AUTO, 0, 1, 1, 0, 1, { L, X }, "not reused" },
	{ PROV_AUTO, 0, 1, 1, 1, 1, { P, L, X }, "not reused" },
	{ PROV_AUTO, 1, 0, 0, V, 0, { C, X }, "local cache has it" },
	{ PROV_AUTO, 1, 0, 0, V, 1, { L, X }, "--refresh" },
	{ PROV_AUTO, 1, 0, 1, V, 0, { C, X }, "local cache has it" },
	{ PROV_AUTO, 1, 0, 1, 0, 1, { L, X }, "--refresh" },
	{ PROV_AUTO, 1, 0, 1, 1, 1, { P, L, X }, "--refresh" },
	{ PROV_AUTO, 1, 1, 0, V, 0, { C, X }, "local cache has it" },
	{ PROV_AUTO, 1, 1, 0, V, 1, { L, X }, "--refresh" },
	{ PROV_AUTO, 1, 1, 1, V, 0, { C, X }, "local cache has it" },
	{ PROV_AUTO, 1, 1, 1, 0, 1, { L, X }, "--refresh" },
	{ PROV_AUTO, 1, 1, 1, 1, 1, { P, L, X }, "--refresh" },
};

#undef C
#undef R
#undef P
#undef L

static void test_plan_every_case(void **state)
{
	size_t i, j, n, want;
	int seen[3][2][2][2][2][2], v;

	(void)state;
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < sizeof(plan_cases) / sizeof(plan_cases[0]); i++) {
		const struct plan_case *c = &plan_cases[i];

		for (v = 0; v <= 1; v++) {
			enum provision_step steps[4];
			char why[512];

			if (c->verify != V && c->verify != v)
				continue;
			for (want = 0; want < 4 && c->steps[want] != X; want++)
				;
			why[0] = '\0';
			n = provision_plan(c->s, c->cached, c->pod_ok, c->can, v, c->refresh, steps, why,
					   sizeof(why));
			if (n != want)
				fail_msg("case %zu/%d: %zu steps, want %zu (%s)", i, v, n, want, why);
			for (j = 0; j < n; j++)
				if ((int)steps[j] != c->steps[j])
					fail_msg("case %zu/%d: step %zu is %d, want %d", i, v, j, steps[j],
						 c->steps[j]);
			if (!strstr(why, c->word))
				fail_msg("case %zu/%d: why \"%s\" does not say \"%s\"", i, v, why, c->word);
			/* NULL why is allowed and gives the same plan */
			assert_int_equal(provision_plan(c->s, c->cached, c->pod_ok, c->can, v, c->refresh,
							steps, NULL, 0), n);
			seen[c->s][c->cached][c->pod_ok][c->can][v][c->refresh]++;
		}
	}
	for (i = 0; i < 3 * 32; i++)
		assert_int_equal(((int *)seen)[i], 1); /* every combination exactly once */
}

#undef V
#undef X

/* ---- poddl.sh on this host ---- */

#define MAXSIZE "268435456"

static const char *const shells[][3] = {
	{ "/bin/dash", NULL, NULL },
	{ "/bin/bash", "--posix", NULL },
	{ "/bin/busybox", "ash", NULL },
};

static const char fake_curl[] =
	"#!/bin/sh\n"
	"out= url=\n"
	"printf '%s\\n' \"$*\" >>\"$FAKE_LOG\"\n"
	"while [ $# -gt 0 ]; do case $1 in -o) out=$2; shift ;; *) url=$1 ;; esac; shift; done\n"
	"case $FAKE_MODE in\n"
	"ok) /bin/cat \"$FAKE_BODY\" >\"$out\" ;;\n"
	"404) echo 'curl: (22) The requested URL returned error: 404' >&2; exit 22 ;;\n"
	"refused) echo 'curl: (7) Failed to connect to tools port 80: Connection refused' >&2; exit 7 ;;\n"
	"timeout) echo 'curl: (28) Operation too slow.' >&2; exit 28 ;;\n"
	"full) echo 'curl: (23) Failure writing output to destination' >&2; exit 23 ;;\n"
	"cut) echo 'curl: (18) transfer closed with 5 bytes remaining to read' >&2; exit 18 ;;\n"
	"esac\n";

static const char fake_wget[] =
	"#!/bin/sh\n"
	"out=\n"
	"printf '%s\\n' \"$*\" >>\"$FAKE_LOG\"\n"
	"case $1:$FAKE_MODE in\n"
	"--help:*NoT) echo 'Usage: wget [-cqS] [-O FILE] URL'; exit 1 ;;\n"
	"--help:*) echo '  -T SEC  Network read timeout is SEC seconds'; exit 1 ;;\n"
	"esac\n"
	"while [ $# -gt 0 ]; do case $1 in -O) out=$2; shift ;; esac; shift; done\n"
	"case $FAKE_MODE in\n"
	"ok | okNoT) /bin/cat \"$FAKE_BODY\" >\"$out\" ;;\n"
	"404) echo 'wget: server returned error: HTTP/1.1 404 Not Found' >&2; exit 1 ;;\n"
	"gnu404) exit 8 ;;\n"
	"timeout) echo 'wget: download timed out' >&2; exit 1 ;;\n"
	"refused) echo \"wget: can't connect to remote host: Connection refused\" >&2; exit 1 ;;\n"
	"cut) echo 'wget: connection closed prematurely' >&2; exit 1 ;;\n"
	"esac\n";

/* The host commands the script may use; curl/wget are the fakes. */
static const char *const host_cmds[] = { "ls", "chmod", "mv", "rm", "wc", "od", "head", "tail",
					 "cat", "id", "sha256sum", "md5sum", "cksum", "sleep", "sha512sum",
					 NULL };

struct sandbox {
	char dir[PATH_MAX];
	char bin_curl[PATH_MAX + 16], bin_wget[PATH_MAX + 16], bin_none[PATH_MAX + 16];
	char bin_nood[PATH_MAX + 16]; /* curl, and no od: bytes read with head and tail */
	char bin_nosha[PATH_MAX + 16]; /* curl, and no sha512sum (nor openssl): no SHA-512 */
	char ws[PATH_MAX + 32];
	char runid[WS_RUNID_MAX];
	char log[PATH_MAX + 16];
	char body_x64[PATH_MAX + 16], body_arm64[PATH_MAX + 16], body_html[PATH_MAX + 16];
	char body_small[PATH_MAX + 16];
	char old_path[4096];
};

static void write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* A file of `size` bytes that looks like an ELF executable for `machine` (class 64-bit). */
static void write_elf(const char *path, size_t size, unsigned char machine)
{
	char *b = calloc(1, size);
	size_t i;

	assert_non_null(b);
	for (i = 64; i < size; i++)
		b[i] = (char)(i * 7 + 3);
	memcpy(b, "\177ELF\002\001\001", 7);
	b[16] = 2;
	b[18] = (char)machine;
	write_file(path, b, size, 0644);
	free(b);
}

/* A PATH directory: the host commands (but `skip`), and `fake` as `name`. */
static void make_bin(const char *dir, const char *fake, const char *name, const char *skip)
{
	char from[PATH_MAX], to[PATH_MAX * 2];
	size_t i;

	assert_int_equal(mkdir(dir, 0755), 0);
	for (i = 0; host_cmds[i]; i++) {
		if (skip && !strcmp(skip, host_cmds[i]))
			continue;
		snprintf(from, sizeof(from), "/usr/bin/%s", host_cmds[i]);
		if (access(from, X_OK) != 0)
			snprintf(from, sizeof(from), "/bin/%s", host_cmds[i]);
		snprintf(to, sizeof(to), "%s/%s", dir, host_cmds[i]);
		assert_int_equal(symlink(from, to), 0);
	}
	if (fake) {
		snprintf(to, sizeof(to), "%s/%s", dir, name);
		write_file(to, fake, strlen(fake), 0755);
	}
}

/* The report of one run of poddl.sh: kind and up to three fields (copied). */
struct report {
	int status;
	char kind[8], f[3][1024];
	char out[4096];
};

static void poddl(const struct sandbox *sb, const char *const *sh, const char *bin,
		  const char *mode, const char *body, const char *const *args, struct report *r)
{
	struct proc p;
	const char *kind;
	char *f[3];
	int i;

	setenv("PATH", bin, 1);
	setenv("FAKE_MODE", mode, 1);
	setenv("FAKE_BODY", body ? body : "/nonexistent", 1);
	setenv("FAKE_LOG", sb->log, 1);
	run_script(sh, poddl_sh, args, NULL, 0, &p);
	setenv("PATH", sb->old_path, 1);
	memset(r, 0, sizeof(*r));
	r->status = p.status;
	snprintf(r->out, sizeof(r->out), "%s%s", p.out_buf ? p.out_buf : "",
		 p.err_buf ? p.err_buf : "");
	assert_non_null(p.out_buf);
	if (push_parse_report(p.out_buf, &kind, &f[0], &f[1], &f[2]) < 0)
		fail_msg("%s: no report: %s", sh[0], r->out);
	strlcpy(r->kind, kind, sizeof(r->kind));
	for (i = 0; i < 3; i++)
		if (f[i])
			strlcpy(r->f[i], f[i], sizeof(r->f[i]));
	proc_release(&p);
}

static void sandbox_init(struct sandbox *sb, const char *const *sh)
{
	char base[PATH_MAX + 8];
	const char *const open_args[] = { sb->runid, "-", "-", base, NULL };
	struct proc p;

	memset(sb, 0, sizeof(*sb));
	strlcpy(sb->old_path, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin", sizeof(sb->old_path));
	snprintf(sb->dir, sizeof(sb->dir), "%s/provXXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(sb->dir));
	snprintf(sb->bin_curl, sizeof(sb->bin_curl), "%s/bin-curl", sb->dir);
	snprintf(sb->bin_wget, sizeof(sb->bin_wget), "%s/bin-wget", sb->dir);
	snprintf(sb->bin_none, sizeof(sb->bin_none), "%s/bin-none", sb->dir);
	snprintf(sb->bin_nood, sizeof(sb->bin_nood), "%s/bin-nood", sb->dir);
	snprintf(sb->bin_nosha, sizeof(sb->bin_nosha), "%s/bin-nosha", sb->dir);
	make_bin(sb->bin_curl, fake_curl, "curl", NULL);
	make_bin(sb->bin_wget, fake_wget, "wget", NULL);
	make_bin(sb->bin_none, NULL, NULL, NULL);
	make_bin(sb->bin_nood, fake_curl, "curl", "od");
	make_bin(sb->bin_nosha, fake_curl, "curl", "sha512sum");
	snprintf(sb->log, sizeof(sb->log), "%s/fake.log", sb->dir);
	snprintf(sb->body_x64, sizeof(sb->body_x64), "%s/x64", sb->dir);
	snprintf(sb->body_arm64, sizeof(sb->body_arm64), "%s/arm64", sb->dir);
	snprintf(sb->body_html, sizeof(sb->body_html), "%s/html", sb->dir);
	snprintf(sb->body_small, sizeof(sb->body_small), "%s/small", sb->dir);
	write_elf(sb->body_x64, 2 * 1024 * 1024 + 17, 62);
	write_elf(sb->body_arm64, 2 * 1024 * 1024, 183);
	write_elf(sb->body_small, 4000, 62);
	write_file(sb->body_html, "<html><body>log in to the hotel wifi</body></html>\n", 51, 0644);
	snprintf(base, sizeof(base), "%s/base", sb->dir);
	assert_int_equal(mkdir(base, 0755), 0);
	snprintf(sb->ws, sizeof(sb->ws), "%s/.dotnetprof", base);
	assert_int_equal(workspace_new_runid(sb->runid, sizeof(sb->runid)), 0);
	run_script(sh, workspace_sh, open_args, NULL, 0, &p);
	assert_int_equal(p.status, 0);
	proc_release(&p);
}

static void sandbox_release(struct sandbox *sb)
{
	const char *const argv[] = { "rm", "-rf", sb->dir, NULL };
	struct proc p;

	proc_init(&p, argv);
	assert_int_equal(proc_run(&p), 0);
	proc_release(&p);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *b;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	b[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return b;
}

/* No download temp file is left in the run's directory. */
static void assert_run_clean(const struct sandbox *sb)
{
	char pat[PATH_MAX * 2];
	const char *const argv[] = { "/bin/sh", "-c", "ls -A \"$1\"", "sh", pat, NULL };
	struct proc p;

	snprintf(pat, sizeof(pat), "%s/runs/%s", sb->ws, sb->runid);
	proc_init(&p, argv);
	assert_int_equal(proc_run(&p), 0);
	if (p.out_len)
		fail_msg("left in the run directory: %s", p.out_buf);
	proc_release(&p);
}

static void file_hex(enum digest_kind k, const char *path, char *out)
{
	assert_int_equal(digest_file(k, path, out, DIGEST_HEX_MAX), 0);
}

static void live_download_ok(const struct sandbox *sb, const char *const *sh)
{
	const char *url = "http://tools.test/dotnet-trace/linux-x64";
	const char *const dl[] = { "download", sb->ws, "dotnet-trace", sb->runid, "linux-x64", url,
				   "sha256sum", "1048576", "-", MAXSIZE, "900", NULL };
	const char *const chk[] = { "check", sb->ws, "dotnet-trace", "-", NULL };
	char tool[PATH_MAX * 2], sum[PATH_MAX * 2], hex[DIGEST_HEX_MAX], line[PATH_MAX * 3];
	char *text, *manifest, size[32];
	struct report r;
	struct stat st;

	poddl(sb, sh, sb->bin_none, "ok", NULL, chk, &r);
	assert_string_equal(r.kind, "none");
	assert_non_null(strstr(r.f[0], "no copy"));

	poddl(sb, sh, sb->bin_curl, "ok", sb->body_x64, dl, &r);
	if (strcmp(r.kind, "ok"))
		fail_msg("%s: %s", sh[0], r.out);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.f[0], "curl");
	file_hex(DIGEST_SHA256, sb->body_x64, hex);
	assert_string_equal(r.f[1], hex);
	snprintf(size, sizeof(size), "%d", 2 * 1024 * 1024 + 17);
	assert_string_equal(r.f[2], size);
	text = read_all(sb->log, NULL);
	assert_non_null(strstr(text, "-fsSL"));
	assert_non_null(strstr(text, "--connect-timeout 15 --speed-limit 1024 --speed-time 30"));
	/* never downgraded to another scheme; bounded in size and time */
	assert_non_null(strstr(text, "--proto =http,https --proto-redir =http,https --max-filesize "
				     MAXSIZE " --max-time 900"));
	assert_non_null(strstr(text, url));
	free(text);

	snprintf(tool, sizeof(tool), "%s/tools/dotnet-trace", sb->ws);
	snprintf(sum, sizeof(sum), "%s/tools/dotnet-trace.sum", sb->ws);
	assert_int_equal(stat(tool, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal((long long)st.st_size, 2 * 1024 * 1024 + 17);
	text = read_all(sum, NULL);
	snprintf(line, sizeof(line), "sha256sum\t%s\t%s\t%s\n", hex, size, url);
	assert_string_equal(text, line);
	snprintf(line, sizeof(line), "%s/manifest", sb->ws);
	manifest = read_all(line, NULL);
	snprintf(line, sizeof(line), "%s\ttool\ttools/dotnet-trace\t%s\n", sb->runid, size);
	assert_non_null(strstr(manifest, line));
	snprintf(line, sizeof(line), "%s\ttool\ttools/dotnet-trace.sum\t%zu\n", sb->runid,
		 strlen(text));
	assert_non_null(strstr(manifest, line));
	free(manifest);
	free(text);
	assert_run_clean(sb);

	poddl(sb, sh, sb->bin_none, "ok", NULL, chk, &r);
	assert_string_equal(r.kind, "have");
	assert_string_equal(r.f[0], "sha256sum");
	assert_string_equal(r.f[1], hex);
	assert_string_equal(r.f[2], size);
}

/* The last wget call had -T 30 (`with_t`) or not: a wget without the option crashes on it. */
static void assert_wget_args(const struct sandbox *sb, int with_t)
{
	char *log = read_all(sb->log, NULL), *last;

	assert_non_null(log);
	log[strlen(log) - 1] = '\0';
	last = strrchr(log, '\n');
	last = last ? last + 1 : log;
	if ((strstr(last, "-T 30") != NULL) != with_t)
		fail_msg("wget called as \"%s\"", last);
	free(log);
}

/* Each failure: its category, the tool's message, the good copy untouched, nothing left. */
static void live_failures(const struct sandbox *sb, const char *const *sh, int busybox)
{
	static const struct {
		int wget;            /* 0: curl, 1: wget, 2: neither, 3: curl without od */
		const char *mode, *rid;
		int body;            /* 0 none, 1 x64, 2 arm64, 3 html, 4 small */
		const char *cat, *msg;
	} cases[] = {
		{ 0, "404", "linux-x64", 0, "http", "404" },
		{ 0, "refused", "linux-x64", 0, "unreachable", "Connection refused" },
		{ 0, "timeout", "linux-x64", 0, "timeout", "too slow" },
		{ 0, "full", "linux-x64", 0, "space", "Failure writing" },
		{ 0, "cut", "linux-x64", 0, "partial", "remaining to read" },
		{ 0, "ok", "linux-x64", 3, "notelf", "HTML" },
		{ 0, "ok", "linux-x64", 2, "arch", "x64 needs 2 1 62" },
		{ 0, "ok", "linux-musl-arm64", 2, "", "" }, /* the right machine: ok */
		{ 0, "ok", "linux-arm", 1, "arch", "arm needs 1 1 40" },
		{ 0, "ok", "linux-x64", 4, "small", "only 4000 bytes" },
		{ 0, "ok", "linux-x64", 1, "toobig", "a tool is at most 2000000" },
		{ 1, "404", "linux-x64", 0, "http", "404 Not Found" },
		{ 1, "gnu404", "linux-x64", 0, "http", "wget exited with status 8" },
		{ 1, "timeout", "linux-x64", 0, "timeout", "timed out" },
		{ 1, "refused", "linux-x64", 0, "unreachable", "Connection refused" },
		{ 1, "cut", "linux-x64", 0, "partial", "closed prematurely" },
		{ 1, "ok", "linux-x64", 1, "", "" },
		{ 1, "okNoT", "linux-x64", 1, "", "" }, /* no -T (Debian busybox): the watchdog */
		{ 2, "ok", "linux-x64", 1, "nocmd", "neither curl nor wget" },
		{ 3, "ok", "linux-x64", 1, "", "" },
		{ 3, "ok", "linux-x64", 3, "notelf", "HTML" },
		{ 3, "ok", "linux-x64", 2, "arch", "2 1 183; x64 needs 2 1 62" },
		{ 3, "ok", "linux-arm64", 2, "", "" },
	};
	const char *bodies[] = { NULL, sb->body_x64, sb->body_arm64, sb->body_html, sb->body_small };
	char tool[PATH_MAX * 2], before[DIGEST_HEX_MAX], after[DIGEST_HEX_MAX];
	size_t i;

	snprintf(tool, sizeof(tool), "%s/tools/dotnet-trace", sb->ws);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const dl[] = { "download", sb->ws, "dotnet-trace", sb->runid, cases[i].rid,
					   "http://tools.test/x", "sha256sum", "1048576", "-",
					   strcmp(cases[i].cat, "toobig") ? MAXSIZE : "2000000",
					   "900", NULL };
		const char *const bins[] = { sb->bin_curl, sb->bin_wget, sb->bin_none, sb->bin_nood };
		const char *bin = bins[cases[i].wget];
		struct report r;

		if (busybox && cases[i].wget) /* busybox ash runs its own wget and od applets first */
			continue;
		file_hex(DIGEST_SHA256, tool, before);
		poddl(sb, sh, bin, cases[i].mode, bodies[cases[i].body], dl, &r);
		if (!cases[i].cat[0]) {
			if (strcmp(r.kind, "ok"))
				fail_msg("%s case %zu: %s", sh[0], i, r.out);
			if (cases[i].wget == 1)
				assert_wget_args(sb, strcmp(cases[i].mode, "okNoT") != 0);
			continue;
		}
		if (strcmp(r.kind, "fail") || strcmp(r.f[0], cases[i].cat) ||
		    !strstr(r.f[1], cases[i].msg))
			fail_msg("%s case %zu: want fail %s \"%s\", got: %s", sh[0], i, cases[i].cat,
				 cases[i].msg, r.out);
		assert_int_equal(r.status, 3);
		file_hex(DIGEST_SHA256, tool, after);
		assert_string_equal(before, after);
		assert_run_clean(sb);
	}
}

/* The check hashes again with the recorded command and notices a changed copy. */
static void live_check_tamper(const struct sandbox *sb, const char *const *sh)
{
	const char *const dl_md5[] = { "download", sb->ws, "dotnet-trace", sb->runid, "linux-x64",
				       "http://t/x", "md5sum", "1048576", "-", MAXSIZE, "900", NULL };
	const char *const dl_none[] = { "download", sb->ws, "dotnet-trace", sb->runid, "linux-x64",
					"http://t/x", "-", "1048576", "-", MAXSIZE, "900", NULL };
	const char *const chk[] = { "check", sb->ws, "dotnet-trace", "-", NULL };
	const char *const bad[] = { "check", sb->ws, "../x", "-", NULL };
	char tool[PATH_MAX * 2], hex[DIGEST_HEX_MAX];
	struct report r;
	FILE *f;

	snprintf(tool, sizeof(tool), "%s/tools/dotnet-trace", sb->ws);
	poddl(sb, sh, sb->bin_curl, "ok", sb->body_x64, dl_md5, &r);
	assert_string_equal(r.kind, "ok");
	file_hex(DIGEST_MD5, sb->body_x64, hex);
	assert_string_equal(r.f[1], hex);
	poddl(sb, sh, sb->bin_none, "ok", NULL, chk, &r); /* no sha256sum needed: md5sum recorded */
	assert_string_equal(r.kind, "have");
	assert_string_equal(r.f[0], "md5sum");

	f = fopen(tool, "r+"); /* same size, one byte changed */
	assert_non_null(f);
	fseek(f, 1000, SEEK_SET);
	fputc('!', f);
	fclose(f);
	poddl(sb, sh, sb->bin_none, "ok", NULL, chk, &r);
	assert_string_equal(r.kind, "none");
	assert_non_null(strstr(r.f[0], "no longer matches"));

	f = fopen(tool, "a"); /* longer */
	assert_non_null(f);
	fputc('!', f);
	fclose(f);
	poddl(sb, sh, sb->bin_none, "ok", NULL, chk, &r);
	assert_string_equal(r.kind, "none");
	assert_non_null(strstr(r.f[0], "bytes"));

	poddl(sb, sh, sb->bin_curl, "ok", sb->body_x64, dl_none, &r); /* size only */
	assert_string_equal(r.kind, "ok");
	assert_string_equal(r.f[1], "-");
	poddl(sb, sh, sb->bin_none, "ok", NULL, chk, &r);
	assert_string_equal(r.kind, "have");
	assert_string_equal(r.f[0], "-");

	strlcat(tool, ".sum", sizeof(tool)); /* a pushed copy has no .sum: not reused by this check */
	assert_int_equal(unlink(tool), 0);
	poddl(sb, sh, sb->bin_none, "ok", NULL, chk, &r);
	assert_string_equal(r.kind, "none");
	assert_non_null(strstr(r.f[0], ".sum"));

	poddl(sb, sh, sb->bin_none, "ok", NULL, bad, &r);
	assert_string_equal(r.kind, "fail");
}

/*
 * With the SHA-512 known here: a download that matches runs (recorded as sha512sum, and a check
 * with the same value finds it); one that does not is deleted and the good copy stays; without
 * SHA-512 in the pod, nothing is kept either.
 */
static void live_verified(const struct sandbox *sb, const char *const *sh, int busybox)
{
	char good[DIGEST_HEX_MAX], bad[DIGEST_HEX_MAX], tool[PATH_MAX * 2], before[DIGEST_HEX_MAX];
	const char *const dl_good[] = { "download", sb->ws, "dotnet-trace", sb->runid, "linux-x64",
					"http://t/x", "sha256sum", "1048576", good, MAXSIZE, "900", NULL };
	const char *const dl_bad[] = { "download", sb->ws, "dotnet-trace", sb->runid, "linux-x64",
				       "http://t/x", "sha256sum", "1048576", bad, MAXSIZE, "900", NULL };
	const char *const chk_good[] = { "check", sb->ws, "dotnet-trace", good, NULL };
	const char *const chk_bad[] = { "check", sb->ws, "dotnet-trace", bad, NULL };
	const char *const dl_junk[] = { "download", sb->ws, "dotnet-trace", sb->runid, "linux-x64",
					"http://t/x", "-", "1048576", "XYZ", MAXSIZE, "900", NULL };
	struct report r;

	file_hex(DIGEST_SHA512, sb->body_x64, good);
	memcpy(bad, good, sizeof(bad));
	bad[0] = bad[0] == '0' ? '1' : '0';
	snprintf(tool, sizeof(tool), "%s/tools/dotnet-trace", sb->ws);

	poddl(sb, sh, sb->bin_curl, "ok", sb->body_x64, dl_good, &r);
	if (strcmp(r.kind, "ok"))
		fail_msg("%s: %s", sh[0], r.out);
	assert_string_equal(r.f[1], good);
	poddl(sb, sh, sb->bin_none, "ok", NULL, chk_good, &r);
	assert_string_equal(r.kind, "have");
	assert_string_equal(r.f[0], "sha512sum");
	assert_string_equal(r.f[1], good);
	poddl(sb, sh, sb->bin_none, "ok", NULL, chk_bad, &r);
	assert_string_equal(r.kind, "none");
	assert_non_null(strstr(r.f[0], "not the expected one"));

	file_hex(DIGEST_SHA512, tool, before);
	poddl(sb, sh, sb->bin_curl, "ok", sb->body_arm64 /* another file, same checks */, dl_bad, &r);
	assert_string_equal(r.kind, "fail");
	if (strcmp(r.f[0], "arch"))
		fail_msg("%s: %s", sh[0], r.out);
	poddl(sb, sh, sb->bin_curl, "ok", sb->body_x64, dl_bad, &r);
	assert_string_equal(r.kind, "fail");
	assert_string_equal(r.f[0], "mismatch");
	assert_string_equal(r.f[1], good); /* what the file had */
	assert_int_equal(r.status, 3);
	assert_run_clean(sb); /* deleted */
	file_hex(DIGEST_SHA512, tool, bad);
	assert_string_equal(before, bad); /* the good copy is untouched */

	if (!busybox) { /* busybox ash has its own sha512sum applet */
		poddl(sb, sh, sb->bin_nosha, "ok", sb->body_x64, dl_good, &r);
		assert_string_equal(r.kind, "fail");
		assert_string_equal(r.f[0], "nohash");
		assert_run_clean(sb);
	}
	poddl(sb, sh, sb->bin_curl, "ok", sb->body_x64, dl_junk, &r);
	assert_string_equal(r.kind, "fail");
	assert_non_null(strstr(r.f[1], "bad expected sha512"));
}

static void test_poddl_live(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(shells) / sizeof(shells[0]); i++) {
		struct sandbox sb;

		if (access(shells[i][0], X_OK) != 0)
			fail_msg("%s missing: install dash, bash and busybox-static", shells[i][0]);
		sandbox_init(&sb, shells[i]);
		live_download_ok(&sb, shells[i]);
		live_failures(&sb, shells[i], i == 2);
		live_check_tamper(&sb, shells[i]);
		live_verified(&sb, shells[i], i == 2);
		sandbox_release(&sb);
	}
}

/* ---- provision_tool with kubectl, push and the cache mocked ---- */

static struct {
	int cached;                 /* toolcache_lookup answers OK */
	enum toolcache_status lookup_err; /* else, when set, this */
	enum toolcache_status get;  /* toolcache_get's answer */
	int get_calls, lookup_calls;
	int get_refresh;
	const char *check_out;      /* poddl.sh check's stdout */
	const char *dl_out;         /* poddl.sh download's stdout */
	int check_calls, dl_calls;
	char dl_url[DOWNLOAD_URL_MAX], dl_hashcmd[16];
	char check_expect[DIGEST_HEX_MAX], dl_expect[DIGEST_HEX_MAX]; /* EXPECT the scripts got */
	enum toolsums_result sums;  /* toolsums_lookup's answer (SUMS_HEX when found) */
	int sums_calls;
	int push_calls, push_reused, push_fail, push_reuse_flag;
	unsigned push_mode;
	char push_dest[64], push_local[PATH_MAX];
} m;

int __wrap_podexec_script(struct kube *k, const struct target_pod *pod, const char *script,
			  const char *const *args, struct proc *p);
int __wrap_push_file(struct kube *k, const struct target_pod *pod, unsigned cmds,
		     const struct workspace *ws, const struct push_opts *o, struct push_result *r);
enum toolcache_status __wrap_toolcache_lookup(const char *tool, const char *rid,
					      const char *expected_sha512,
					      struct toolcache_entry *out,
					      struct toolcache_error *err);
enum toolcache_status __wrap_toolcache_get(const char *tool, const char *rid,
					   const struct toolcache_opts *opts,
					   struct toolcache_entry *out, struct toolcache_error *err);
enum toolsums_result __wrap_toolsums_lookup(const char *base_url, const char *tool, const char *rid,
					    const volatile sig_atomic_t *interrupted, char *hex,
					    size_t size, char *why, size_t whysize);

#define SUMS_HEX "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a" \
		 "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
#define CACHE_HEX "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0" \
		  "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0"

enum toolsums_result __wrap_toolsums_lookup(const char *base_url, const char *tool, const char *rid,
					    const volatile sig_atomic_t *interrupted, char *hex,
					    size_t size, char *why, size_t whysize)
{
	(void)base_url;
	(void)tool;
	(void)rid;
	(void)interrupted;
	m.sums_calls++;
	if (m.sums == TOOLSUMS_FOUND)
		strlcpy(hex, SUMS_HEX, size);
	snprintf(why, whysize, "%s", m.sums == TOOLSUMS_FOUND ? "expected sha512 from "
		 "http://tools.test/SHA512SUMS" : m.sums == TOOLSUMS_NONE ? "the mirror publishes no "
		 "http://tools.test/SHA512SUMS" : "/etc/sums lists no sha512 for dotnet-trace linux-x64");
	return m.sums;
}

int __wrap_podexec_script(struct kube *k, const struct target_pod *pod, const char *script,
			  const char *const *args, struct proc *p)
{
	const char *out;

	(void)k;
	(void)pod;
	assert_non_null(strstr(script, "poddl.sh"));
	if (!strcmp(args[0], "check")) {
		m.check_calls++;
		strlcpy(m.check_expect, args[3], sizeof(m.check_expect));
		out = m.check_out;
	} else {
		assert_string_equal(args[0], "download");
		assert_string_equal(args[2], "dotnet-trace");
		m.dl_calls++;
		strlcpy(m.dl_url, args[5], sizeof(m.dl_url));
		strlcpy(m.dl_hashcmd, args[6], sizeof(m.dl_hashcmd));
		strlcpy(m.dl_expect, args[8], sizeof(m.dl_expect));
		assert_string_equal(args[9], "268435456");
		out = m.dl_out;
	}
	p->out_buf = strdup(out);
	p->out_len = strlen(out);
	p->status = strncmp(out, "fail", 4) ? 0 : 3;
	return 0;
}

int __wrap_push_file(struct kube *k, const struct target_pod *pod, unsigned cmds,
		     const struct workspace *ws, const struct push_opts *o, struct push_result *r)
{
	(void)pod;
	(void)cmds;
	(void)ws;
	m.push_calls++;
	m.push_mode = o->mode;
	m.push_reuse_flag = o->reuse;
	strlcpy(m.push_dest, o->dest, sizeof(m.push_dest));
	strlcpy(m.push_local, o->local_path, sizeof(m.push_local));
	memset(r, 0, sizeof(*r));
	if (m.push_fail) {
		(void)k;
		log_error("pushing failed");
		return -DPX_TRANSFER;
	}
	r->reused = m.push_reused;
	r->hash = DIGEST_SHA256;
	strlcpy(r->hash_hex, "abc123", sizeof(r->hash_hex));
	r->size = 5000000;
	return 0;
}

enum toolcache_status __wrap_toolcache_lookup(const char *tool, const char *rid,
					      const char *expected_sha512,
					      struct toolcache_entry *out,
					      struct toolcache_error *err)
{
	(void)tool;
	(void)rid;
	(void)expected_sha512;
	m.lookup_calls++;
	if (m.lookup_err) {
		memset(err, 0, sizeof(*err));
		err->status = m.lookup_err;
		snprintf(err->what, sizeof(err->what), "cannot use the tool cache /c");
		snprintf(err->why, sizeof(err->why), "/c/tools: it is writable by others (mode 0777)");
		snprintf(err->hint, sizeof(err->hint), "chmod go-w /c/tools");
		return m.lookup_err;
	}
	if (!m.cached)
		return TOOLCACHE_NOT_CACHED;
	memset(out, 0, sizeof(*out));
	strlcpy(out->path, "/cache/tools/linux-x64/dotnet-trace", sizeof(out->path));
	strlcpy(out->sha512, CACHE_HEX, sizeof(out->sha512));
	strlcpy(out->date, "2026-12-01T10:00:00Z", sizeof(out->date));
	strlcpy(out->source_url, "https://aka.ms/dotnet-trace/linux-x64", sizeof(out->source_url));
	return TOOLCACHE_OK;
}

enum toolcache_status __wrap_toolcache_get(const char *tool, const char *rid,
					   const struct toolcache_opts *opts,
					   struct toolcache_entry *out, struct toolcache_error *err)
{
	(void)rid;
	m.get_calls++;
	m.get_refresh = opts->refresh;
	memset(out, 0, sizeof(*out));
	if (m.get != TOOLCACHE_OK) {
		memset(err, 0, sizeof(*err));
		err->status = m.get;
		snprintf(err->what, sizeof(err->what), "cannot download %s here", tool);
		snprintf(err->why, sizeof(err->why), "connection refused");
		snprintf(err->hint, sizeof(err->hint), "original hint");
		return m.get;
	}
	strlcpy(out->path, "/cache/tools/linux-x64/dotnet-trace", sizeof(out->path));
	strlcpy(out->source_url, "http://tools.test/dotnet-trace/linux-x64", sizeof(out->source_url));
	out->downloaded = 1;
	return TOOLCACHE_OK;
}

struct env {
	struct kube k;
	struct target_pod pod;
	struct probe pr;
	struct workspace ws;
	struct provision_opts o;
	struct provision_result r;
	char *log;
	size_t loglen;
	FILE *logf;
	int rc;
};

static void env_init(struct env *e, unsigned cmds, enum provision_strategy s, int refresh)
{
	static char name[] = "sample-app", ns[] = "default", ctr[] = "app", wsp[] = "/tmp/.dotnetprof";

	memset(e, 0, sizeof(*e));
	memset(&m, 0, sizeof(m));
	m.check_out = "none\tno copy of dotnet-trace in the pod\n";
	m.dl_out = "ok\tcurl\tfeed\t5000000\n";
	m.sums = TOOLSUMS_FOUND;
	e->pod.name = name;
	e->pod.namespace = ns;
	e->pod.container = ctr;
	e->pr.cmds = cmds | PCMD_SHA256SUM | PCMD_SHA512SUM;
	e->ws.path = wsp;
	strlcpy(e->ws.runid, "RUN1", sizeof(e->ws.runid));
	e->o.strategy = s;
	e->o.refresh = refresh;
	e->o.tools_url = "http://tools.test";
}

static void env_run(struct env *e)
{
	e->logf = open_memstream(&e->log, &e->loglen);
	assert_non_null(e->logf);
	log_set_stream(e->logf);
	log_set_level(LOG_VERBOSE);
	e->rc = provision_tool(&e->k, &e->pod, &e->pr, &e->ws, "linux-x64", "trace", &e->o, &e->r);
	fclose(e->logf);
	log_set_stream(NULL);
	log_set_level(LOG_NORMAL);
}

static void env_release(struct env *e)
{
	free(e->log);
}

/* The calls the mocks saw: check and download execs, pushes, local downloads. */
#define ASSERT_CALLS(check, dl, push, get)                                                         \
	do {                                                                                       \
		assert_int_equal(m.check_calls, (check));                                          \
		assert_int_equal(m.dl_calls, (dl));                                                \
		assert_int_equal(m.push_calls, (push));                                            \
		assert_int_equal(m.get_calls, (get));                                              \
	} while (0)

#define ASSERT_LOG(e, s)                                                                           \
	do {                                                                                       \
		if (!strstr((e)->log, (s)))                                                        \
			fail_msg("log lacks \"%s\":\n%s", (s), (e)->log);                           \
	} while (0)

static void test_tool_cached_push(void **state)
{
	struct env e;

	(void)state;
	env_init(&e, PCMD_CURL, PROV_AUTO, 0);
	m.cached = 1;
	env_run(&e);
	assert_int_equal(e.rc, 0);
	assert_int_equal(e.r.step, PSTEP_PUSH_CACHED);
	ASSERT_CALLS(0, 0, 1, 0); /* one exec: the push's */
	assert_string_equal(m.push_dest, "tools/dotnet-trace");
	assert_int_equal(m.push_mode, 0700);
	assert_int_equal(m.push_reuse_flag, 1);
	assert_string_equal(e.r.remote_path, "/tmp/.dotnetprof/tools/dotnet-trace");
	assert_int_equal(e.r.uploaded, 1);
	ASSERT_LOG(&e, "tool: dotnet-trace linux-x64: pushed from the local cache");
	env_release(&e);

	env_init(&e, 0, PROV_AUTO, 0);
	m.cached = 1;
	m.push_reused = 1;
	env_run(&e);
	assert_int_equal(e.rc, 0);
	assert_int_equal(e.r.uploaded, 0);
	ASSERT_LOG(&e, "reused the copy in the pod (same size and sha256 abc123");
	env_release(&e);

	env_init(&e, 0, PROV_LOCAL, 0); /* a failed push is final, with its own message */
	m.cached = 1;
	m.push_fail = 1;
	env_run(&e);
	assert_int_equal(e.rc, -DPX_TRANSFER);
	assert_int_equal(m.get_calls, 0);
	env_release(&e);
}

static void test_tool_reuse_pod(void **state)
{
	struct env e;

	(void)state;
	env_init(&e, PCMD_CURL, PROV_AUTO, 0);
	m.check_out = "have\tsha512sum\t" SUMS_HEX "\t5000000\n";
	env_run(&e);
	assert_int_equal(e.rc, 0);
	assert_int_equal(e.r.step, PSTEP_REUSE_POD);
	ASSERT_CALLS(1, 0, 0, 0);
	assert_string_equal(m.check_expect, SUMS_HEX); /* checked against the mirror's value */
	assert_int_equal(e.r.uploaded + e.r.downloaded_here + e.r.downloaded_in_pod, 0);
	ASSERT_LOG(&e, "reused the copy in the pod (sha512 " SUMS_HEX ", 5000000 bytes, as expected by "
		       "expected sha512 from http://tools.test/SHA512SUMS)");
	assert_null(strstr(e.log, "NOT verified"));
	env_release(&e);

	env_init(&e, PCMD_CURL, PROV_POD, 1); /* --refresh: not even checked */
	m.check_out = "have\tsha256sum\tfeed\t5000000\n";
	env_run(&e);
	assert_int_equal(e.rc, 0);
	ASSERT_CALLS(0, 1, 0, 0);
	assert_int_equal(m.lookup_calls, 0);
	env_release(&e);
}

static void test_tool_pod_download(void **state)
{
	struct env e;

	(void)state;
	env_init(&e, PCMD_WGET, PROV_AUTO, 0);
	env_run(&e);
	assert_int_equal(e.rc, 0);
	assert_int_equal(e.r.step, PSTEP_POD_DOWNLOAD);
	assert_int_equal(e.r.downloaded_in_pod, 1);
	ASSERT_CALLS(1, 1, 0, 0);
	assert_string_equal(m.dl_url, "http://tools.test/dotnet-trace/linux-x64");
	assert_string_equal(m.dl_hashcmd, "sha512sum");
	assert_string_equal(m.dl_expect, SUMS_HEX);
	ASSERT_LOG(&e, "downloaded in the pod with curl from http://tools.test/dotnet-trace/linux-x64");
	ASSERT_LOG(&e, "sha512 verified");
	ASSERT_LOG(&e, "warning: downloading dotnet-trace linux-x64 from a plain http URL "
		       "(http://tools.test/dotnet-trace/linux-x64): nothing authenticates it");
	env_release(&e);
}

/* Checksums pinned by the user (a file): the pin authenticates an http download; -v says so. */
static void test_tool_http_pinned(void **state)
{
	static const char *const pins[] = { "/etc/pinned.sums", "http://sums.test/SHA512SUMS" };
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct env e;

		env_init(&e, PCMD_WGET, PROV_AUTO, 0);
		setenv(TOOLSUMS_ENV, pins[i], 1);
		env_run(&e);
		unsetenv(TOOLSUMS_ENV);
		assert_int_equal(e.rc, 0);
		if (i == 0) {
			ASSERT_LOG(&e, "downloading dotnet-trace linux-x64 from a plain http URL "
				       "(http://tools.test/dotnet-trace/linux-x64): checked against the "
				       "SHA-512 pinned in " TOOLSUMS_ENV);
			assert_null(strstr(e.log, "warning:"));
		} else { /* a pin that came over http authenticates nothing */
			ASSERT_LOG(&e, "warning: downloading dotnet-trace linux-x64 from a plain http "
				       "URL (http://tools.test/dotnet-trace/linux-x64): it is not "
				       "authenticated; it is checked against " TOOLSUMS_ENV ", itself "
				       "a plain http URL");
		}
		env_release(&e);
	}
}

static void test_tool_pod_fails_then_local(void **state)
{
	struct env e;

	(void)state;
	env_init(&e, PCMD_CURL, PROV_AUTO, 0);
	m.dl_out = "fail\tunreachable\tcurl: (6) Could not resolve host: tools.test\n";
	env_run(&e);
	assert_int_equal(e.rc, 0);
	assert_int_equal(e.r.step, PSTEP_LOCAL_DOWNLOAD);
	assert_int_equal(e.r.downloaded_here, 1);
	assert_int_equal(e.r.uploaded, 1);
	ASSERT_CALLS(1, 1, 1, 1);
	ASSERT_LOG(&e, "download in the pod failed");
	ASSERT_LOG(&e, "Could not resolve host");
	ASSERT_LOG(&e, "downloaded here from http://tools.test/dotnet-trace/linux-x64, pushed");
	assert_null(strstr(e.log, "kubectl-dotnetprof: cannot")); /* no error printed */
	env_release(&e);

	env_init(&e, PCMD_CURL, PROV_AUTO, 0); /* both fail: the last word, and the first */
	m.dl_out = "fail\ttimeout\tcurl: (28) Operation too slow\n";
	m.get = TOOLCACHE_ERR_NETWORK;
	env_run(&e);
	assert_int_equal(e.rc, -DPX_DOWNLOAD);
	ASSERT_LOG(&e, "cannot download dotnet-trace here: connection refused");
	ASSERT_LOG(&e, "the download in pod \"sample-app\" failed first: the download timed out");
	ASSERT_LOG(&e, "hint: neither this machine nor the pod could download it");
	env_release(&e);

	env_init(&e, PCMD_CURL, PROV_AUTO, 0); /* no room in the pod: no fallback */
	m.dl_out = "fail\tspace\tcurl: (23) Failure writing output to destination\n";
	env_run(&e);
	assert_int_equal(e.rc, -DPX_NOSPACE);
	assert_int_equal(m.get_calls, 0);
	ASSERT_LOG(&e, "no space left in the pod");
	env_release(&e);
}

/* What the pod has or fetches runs only when its SHA-512 matches a value known here. */
static void test_tool_verification(void **state)
{
	struct env e;

	(void)state;
	env_init(&e, PCMD_CURL, PROV_AUTO, 0); /* nothing known here: download here and push */
	m.sums = TOOLSUMS_NONE;
	env_run(&e);
	assert_int_equal(e.rc, 0);
	assert_int_equal(e.r.step, PSTEP_LOCAL_DOWNLOAD);
	ASSERT_CALLS(0, 0, 1, 1);
	ASSERT_LOG(&e, "a download in the pod could not be verified: download here and push");
	env_release(&e);

	env_init(&e, PCMD_CURL, PROV_AUTO, 0); /* a value, but no SHA-512 in the pod: the same */
	e.pr.cmds &= ~(unsigned)PCMD_SHA512SUM;
	env_run(&e);
	assert_int_equal(e.rc, 0);
	ASSERT_CALLS(0, 0, 1, 1);
	env_release(&e);

	env_init(&e, PCMD_CURL, PROV_AUTO, 0); /* a mismatch is final: nothing else is tried */
	m.dl_out = "fail\tmismatch\t" CACHE_HEX "\n";
	env_run(&e);
	assert_int_equal(e.rc, -DPX_BADTOOL);
	ASSERT_CALLS(1, 1, 0, 0);
	ASSERT_LOG(&e, "kubectl-dotnetprof: the copy of dotnet-trace linux-x64 downloaded in pod "
		       "\"sample-app\" from http://tools.test/dotnet-trace/linux-x64 does not match its "
		       "SHA-512: sha512 " CACHE_HEX ", expected " SUMS_HEX " (expected sha512 from "
		       "http://tools.test/SHA512SUMS); the file was deleted from the pod and nothing ran");
	ASSERT_LOG(&e, "hint: something between the pod and");
	env_release(&e);

	env_init(&e, PCMD_CURL, PROV_POD, 0); /* --download pod, nothing known: loudly unverified */
	m.sums = TOOLSUMS_NONE;
	env_run(&e);
	assert_int_equal(e.rc, 0);
	ASSERT_CALLS(1, 1, 0, 0);
	assert_string_equal(m.dl_expect, "-");
	assert_string_equal(m.check_expect, "-");
	ASSERT_LOG(&e, "warning: the copy of dotnet-trace linux-x64 in pod \"sample-app\" is NOT "
		       "verified: nothing here says what its SHA-512 must be");
	ASSERT_LOG(&e, "hint: pin it: put the line \"SHA512  linux-x64/dotnet-trace\"");
	ASSERT_LOG(&e, "DOTNETPROF_TOOLS_SHA512SUMS=FILE");
	ASSERT_LOG(&e, "NOT verified\n");
	env_release(&e);

	env_init(&e, PCMD_CURL, PROV_POD, 0); /* ... but the local cache's record is a value */
	m.sums = TOOLSUMS_NONE;
	m.cached = 1;
	env_run(&e);
	assert_int_equal(e.rc, 0);
	assert_string_equal(m.dl_expect, CACHE_HEX);
	assert_null(strstr(e.log, "NOT verified"));
	env_release(&e);

	env_init(&e, PCMD_CURL, PROV_AUTO, 0); /* an explicit sums file without the tool */
	m.sums = TOOLSUMS_MISSING;
	env_run(&e);
	assert_int_equal(e.rc, -DPX_BADTOOL);
	ASSERT_CALLS(0, 0, 0, 0);
	ASSERT_LOG(&e, "cannot verify dotnet-trace linux-x64: /etc/sums lists no sha512");
	env_release(&e);

	env_init(&e, PCMD_CURL, PROV_AUTO, 0); /* a cache others may write is refused */
	m.lookup_err = TOOLCACHE_ERR_UNSAFE;
	env_run(&e);
	assert_int_equal(e.rc, -DPX_ERROR);
	ASSERT_CALLS(0, 0, 0, 0);
	ASSERT_LOG(&e, "hint: chmod go-w /c/tools");
	env_release(&e);
}

static void test_tool_pod_strategy_errors(void **state)
{
	static const struct {
		const char *out;
		int code;
		const char *msg;
	} cases[] = {
		{ "fail\thttp\tcurl: (22) The requested URL returned error: 404\n", DPX_DOWNLOAD,
		  "the server answered with an error (curl: (22) The requested URL returned error: 404)" },
		{ "fail\tunreachable\tcurl: (7) Failed to connect\n", DPX_DOWNLOAD, "cannot reach" },
		{ "fail\tpartial\tcurl: (18) transfer closed\n", DPX_DOWNLOAD, "broke off" },
		{ "fail\tnotelf\tthe server sent a text page\n", DPX_BADTOOL, "not the tool" },
		{ "fail\tarch\tanother machine\n", DPX_BADTOOL, "not the tool for this pod" },
		{ "fail\tsmall\tonly 10 bytes\n", DPX_BADTOOL, "too small" },
		{ "fail\ttoobig\tsent 300000000 bytes\n", DPX_BADTOOL, "larger than any tool" },
		{ "fail\tinsecure\tcurl: (1) Protocol \"http\" not supported\n", DPX_DOWNLOAD,
		  "redirected https to a plain http URL" },
		{ "fail\tnohash\tno sha512sum\n", DPX_DOWNLOAD, "cannot compute SHA-512" },
		{ "fail\tspace\tcannot write\n", DPX_NOSPACE, "no space" },
		{ "fail\tother\tworkspace refused\n", DPX_ERROR, "workspace refused" },
		{ "garbage\n", DPX_ERROR, "ended without a report" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct env e;

		env_init(&e, PCMD_CURL, PROV_POD, 0);
		m.dl_out = cases[i].out;
		env_run(&e);
		assert_int_equal(e.rc, -(cases[i].code));
		assert_int_equal(m.get_calls + m.push_calls, 0);
		ASSERT_LOG(&e, "cannot download dotnet-trace for linux-x64 in pod \"sample-app\" from "
			       "http://tools.test/dotnet-trace/linux-x64: ");
		ASSERT_LOG(&e, cases[i].msg);
		if (strstr(cases[i].out, "\tarch\t"))
			ASSERT_LOG(&e, "hint: the server sent a build for another platform: check that the "
				       "mirror's layout is BASE/dotnet-trace/linux-x64");
		if (cases[i].code == DPX_DOWNLOAD)
			ASSERT_LOG(&e, "hint: when the pod has no internet access, use --download local");
		env_release(&e);
	}
}

static void test_tool_nothing_works(void **state)
{
	struct env e;

	(void)state;
	env_init(&e, 0, PROV_POD, 0);
	env_run(&e);
	assert_int_equal(e.rc, -DPX_DOWNLOAD);
	assert_int_equal(m.dl_calls, 0);
	ASSERT_LOG(&e, "the container has neither curl nor wget");
	ASSERT_LOG(&e, "hint: use --download local");
	env_release(&e);

	env_init(&e, PCMD_CURL, PROV_POD, 0); /* file:// is a directory here, not for the pod */
	e.o.tools_url = "file:///srv/tools";
	env_run(&e);
	assert_int_equal(e.rc, -DPX_USAGE);
	assert_int_equal(m.dl_calls, 0);
	ASSERT_LOG(&e, "the pod cannot fetch file:///srv/tools/dotnet-trace/linux-x64");
	env_release(&e);

	env_init(&e, PCMD_CURL, PROV_AUTO, 0); /* auto with file://: straight to the local cache */
	e.o.tools_url = "file:///srv/tools";
	env_run(&e);
	assert_int_equal(e.rc, 0);
	ASSERT_CALLS(1, 0, 1, 1);
	env_release(&e);

	env_init(&e, PCMD_CURL, PROV_AUTO, 0);
	e.o.tools_url = "ftp://x";
	env_run(&e);
	assert_int_equal(e.rc, -DPX_USAGE);
	env_release(&e);
}

static void test_tool_local_and_refresh(void **state)
{
	volatile sig_atomic_t stop = 1;
	struct env e;

	(void)state;
	env_init(&e, PCMD_CURL, PROV_LOCAL, 0);
	env_run(&e);
	assert_int_equal(e.rc, 0);
	assert_int_equal(e.r.step, PSTEP_LOCAL_DOWNLOAD);
	ASSERT_CALLS(0, 0, 1, 1);
	ASSERT_LOG(&e, "downloaded here");
	env_release(&e);

	env_init(&e, PCMD_CURL, PROV_LOCAL, 1); /* --refresh: download again, push again */
	m.cached = 1;
	env_run(&e);
	assert_int_equal(e.rc, 0);
	assert_int_equal(m.lookup_calls, 0);
	assert_int_equal(m.get_refresh, 1);
	assert_int_equal(m.push_reuse_flag, 0);
	env_release(&e);

	env_init(&e, PCMD_CURL, PROV_LOCAL, 0);
	m.get = TOOLCACHE_ERR_INVALID;
	env_run(&e);
	assert_int_equal(e.rc, -DPX_BADTOOL);
	ASSERT_LOG(&e, "hint: original hint");
	env_release(&e);

	env_init(&e, PCMD_CURL, PROV_AUTO, 0);
	e.o.interrupted = &stop;
	env_run(&e);
	assert_int_equal(e.rc, -DPX_INTERRUPTED);
	assert_int_equal(m.dl_calls + m.get_calls, 0);
	env_release(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_strategy),
		cmocka_unit_test(test_plan_every_case),
		cmocka_unit_test(test_poddl_live),
		cmocka_unit_test(test_tool_cached_push),
		cmocka_unit_test(test_tool_reuse_pod),
		cmocka_unit_test(test_tool_pod_download),
		cmocka_unit_test(test_tool_http_pinned),
		cmocka_unit_test(test_tool_pod_fails_then_local),
		cmocka_unit_test(test_tool_verification),
		cmocka_unit_test(test_tool_pod_strategy_errors),
		cmocka_unit_test(test_tool_nothing_works),
		cmocka_unit_test(test_tool_local_and_refresh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
