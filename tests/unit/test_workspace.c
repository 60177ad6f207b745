/*
 * test_workspace.c - the workspace: run ids, the directory planner, the manifest's escaping and its
 * path checks (hostile lines), the clean planner (listed, unlisted, covered, refused, pids), the push
 * report parser; and the embedded scripts themselves run on this host under dash, bash --posix and
 * busybox ash: open a workspace, push into it (raw, base64, bad hash, hostile names), scan and clean
 * it with a symbolic link planted inside that points at a file outside, which must survive; and
 * push.sh ends by itself with its stdin still open (no EOF needed, as with WebSocket v4).
 */
#define _GNU_SOURCE /* setenv, mkdtemp */
#include <errno.h>
#include <limits.h>
#include <poll.h>
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
#include "probe.h"
#include "proc.h"
#include "push.h"
#include "strvec.h"
#include "workspace.h"
#include "wsscript.h"
#include "wsclean.h"

/* ---- run ids, planner, escaping ---- */

static void test_runid(void **state)
{
	char a[WS_RUNID_MAX], b[WS_RUNID_MAX], small[8];

	(void)state;
	assert_int_equal(workspace_new_runid(a, sizeof(a)), 0);
	assert_int_equal(workspace_new_runid(b, sizeof(b)), 0);
	assert_true(workspace_runid_ok(a));
	assert_string_not_equal(a, b);
	assert_true(strlen(a) > 20 && a[8] == 'T' && a[15] == 'Z');
	assert_int_equal(workspace_new_runid(small, sizeof(small)), -1);
	assert_false(workspace_runid_ok(""));
	assert_false(workspace_runid_ok("a/b"));
	assert_false(workspace_runid_ok("a b"));
	assert_false(workspace_runid_ok(".."));
	assert_false(workspace_runid_ok(NULL));
}

static void test_candidates(void **state)
{
	char p0[] = "/tmp", p1[] = "/var/tmp", p2[] = "/dev/shm", p3[] = "/home/app";
	struct probe_dir dirs[] = {
		{ p0, 1, 0, 100 },      /* noexec /tmp */
		{ p1, 1, 1, 100 },
		{ p2, 0, 0, 100 },      /* read-only */
		{ p3, 1, 1, 100 },
	};
	struct probe pr;
	size_t idx[8];

	(void)state;
	memset(&pr, 0, sizeof(pr));
	pr.dirs = dirs;
	pr.ndirs = 4;
	assert_int_equal(workspace_candidates(&pr, 1, idx, 8), 2);
	assert_int_equal(idx[0], 1);
	assert_int_equal(idx[1], 3);
	assert_int_equal(workspace_candidates(&pr, 0, idx, 8), 3);
	assert_int_equal(idx[2], 0); /* noexec only after every exec-able one */
	assert_int_equal(workspace_candidates(&pr, 0, idx, 1), 1);
	dirs[1].writable = dirs[3].writable = 0;
	assert_int_equal(workspace_candidates(&pr, 1, idx, 8), 0);
	assert_int_equal(workspace_candidates(&pr, 0, idx, 8), 1);
}

static void test_escape(void **state)
{
	static const char *const v[] = { "plain", "a\tb", "new\nline", "cr\r", "back\\slash",
					  "\\t", "$(x) 'q' \"d\"", "" };
	char e[256], u[256], tiny[4];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(workspace_escape(v[i], e, sizeof(e)), 0);
		assert_null(strchr(e, '\t'));
		assert_null(strchr(e, '\n'));
		assert_int_equal(workspace_unescape(e, strlen(e), u, sizeof(u)), 0);
		assert_string_equal(u, v[i]);
	}
	assert_int_equal(workspace_escape("a\nb", tiny, sizeof(tiny)), -1);
	assert_int_equal(workspace_unescape("a\\x", 3, u, sizeof(u)), -1);
	assert_int_equal(workspace_unescape("a\\", 2, u, sizeof(u)), -1);
	assert_int_equal(workspace_unescape("a\tb", 3, u, sizeof(u)), -1);
}

static void test_rel_ok(void **state)
{
	(void)state;
	assert_true(workspace_rel_ok("tools/dotnet-trace"));
	assert_true(workspace_rel_ok("runs/X/a b 'c'\n$(d)"));
	assert_true(workspace_rel_ok("..."));
	assert_true(workspace_rel_ok("runs/X/..x"));
	assert_false(workspace_rel_ok(""));
	assert_false(workspace_rel_ok("/etc/passwd"));
	assert_false(workspace_rel_ok(".."));
	assert_false(workspace_rel_ok("../x"));
	assert_false(workspace_rel_ok("runs/../../x"));
	assert_false(workspace_rel_ok("runs/./x"));
	assert_false(workspace_rel_ok("runs//x"));
	assert_false(workspace_rel_ok("runs/x/"));
	assert_false(workspace_rel_ok("."));
	assert_false(workspace_rel_ok("manifest"));
}

static void test_manifest_line(void **state)
{
	struct ws_manifest_entry e;
	char line[512];

	(void)state;
	assert_int_equal(workspace_manifest_line("R1", "tool", "tools/a\tb\nc", 42, line,
						 sizeof(line)), 0);
	assert_string_equal(line, "R1\ttool\ttools/a\\tb\\nc\t42");
	assert_int_equal(workspace_manifest_parse(line, strlen(line), "/tmp/.dotnetprof", &e), 0);
	assert_string_equal(e.runid, "R1");
	assert_string_equal(e.kind, "tool");
	assert_string_equal(e.rel, "tools/a\tb\nc");
	assert_int_equal(e.size, 42);
	assert_null(e.refused);
	free(e.rel);

	assert_int_equal(workspace_manifest_line("R 1", "tool", "x", 1, line, sizeof(line)), -1);
	assert_int_equal(workspace_manifest_line("R1", "To ol", "x", 1, line, sizeof(line)), -1);
	assert_int_equal(workspace_manifest_line("R1", "tool", "../x", 1, line, sizeof(line)), -1);
	assert_int_equal(workspace_manifest_line("R1", "tool", "x", 1, line, 5), -1);
}

static void test_manifest_parse_hostile(void **state)
{
	static const struct {
		const char *line;
		int ret;          /* workspace_manifest_parse */
		const char *rel;  /* NULL: refused (when ret 0) */
	} cases[] = {
		{ "R\tdir\truns/R\t0", 0, "runs/R" },
		{ "R\tartifact\t/ws/.dotnetprof/runs/R/x\t5", 0, "runs/R/x" },
		{ "R\tartifact\t/ws/.dotnetprof\t5", 0, NULL },
		{ "R\tartifact\t/ws/.dotnetprofX/a\t5", 0, NULL },
		{ "R\tartifact\t/etc/passwd\t5", 0, NULL },
		{ "R\tartifact\t../../etc/passwd\t5", 0, NULL },
		{ "R\tartifact\truns/R/../../../etc\t5", 0, NULL },
		{ "R\tartifact\tmanifest\t5", 0, NULL },
		{ "R\tartifact\t\t5", 0, NULL },
		{ "R\tfuture\tx\t5", 0, "x" },
		{ "R\tdir\truns/R", -1, NULL },
		{ "R\tdir\truns/R\t0\textra", -1, NULL },
		{ "R\tdir\truns/R\t-1", -1, NULL },
		{ "R\tdir\truns/R\t12x", -1, NULL },
		{ "R/x\tdir\truns/R\t0", -1, NULL },
		{ "R\tDIR\truns/R\t0", -1, NULL },
		{ "R\tdir\truns/\\q\t0", -1, NULL },
		{ "", -1, NULL },
		{ "garbage", -1, NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ws_manifest_entry e;
		int r = workspace_manifest_parse(cases[i].line, strlen(cases[i].line),
						 "/ws/.dotnetprof", &e);

		if (r != cases[i].ret)
			fail_msg("line %zu \"%s\": returned %d", i, cases[i].line, r);
		if (r == 0 && cases[i].rel) {
			assert_non_null(e.rel);
			assert_string_equal(e.rel, cases[i].rel);
		} else if (r == 0) {
			if (e.rel)
				fail_msg("line %zu \"%s\" accepted as %s", i, cases[i].line, e.rel);
			assert_non_null(e.refused);
		}
		free(e.rel);
	}
	/* a NUL inside the line */
	{
		struct ws_manifest_entry e;

		assert_int_equal(workspace_manifest_parse("R\tdir\tx\0y\t0", 11, "/ws", &e), -1);
	}
}

static void test_path(void **state)
{
	struct workspace ws;
	char root[] = "/", tmp[] = "/tmp/";
	char *s;

	(void)state;
	memset(&ws, 0, sizeof(ws));
	ws.path = tmp;
	s = workspace_path(&ws, "tools/x");
	assert_string_equal(s, "/tmp/tools/x");
	free(s);
	ws.path = root;
	s = workspace_path(&ws, ".dotnetprof");
	assert_string_equal(s, "/.dotnetprof");
	free(s);
}

static void test_split_lines(void **state)
{
	char buf[] = "a\tb\\tc\td\nsecond\n\nthird", *cur = buf, *line, *f[4];

	(void)state;
	line = workspace_next_line(&cur);
	assert_int_equal(workspace_split(line, f, 4), 3);
	assert_string_equal(f[1], "b\tc");
	line = workspace_next_line(&cur);
	assert_string_equal(line, "second");
	line = workspace_next_line(&cur);
	assert_string_equal(line, "");
	line = workspace_next_line(&cur);
	assert_string_equal(line, "third");
	assert_null(workspace_next_line(&cur));
}

/* ---- the clean planner ---- */

static const struct ws_item *item(const struct ws_found *f, const char *rel)
{
	size_t i;

	for (i = 0; i < f->nitems; i++)
		if (!strcmp(f->items[i].rel, rel))
			return &f->items[i];
	return NULL;
}

static void test_scan_plan(void **state)
{
	static const char text[] =
		"ws\t/tmp/.dotnetprof\t1\t\n"
		"m\tR1\tdir\truns/R1\t0\n"
		"m\tR1\ttool\ttools/dotnet-trace\t100\n"
		"m\tR1\tartifact\truns/R1/trace.nettrace\t50\n"
		"m\tR2\tdir\truns/R2\t0\n"
		"m\tR2\ttool\ttools/dotnet-trace\t100\n"
		"m\tR3\tdir\truns/R3\t0\n"
		"m\tR1\tartifact\t/etc/shadow\t1\n"
		"m\tR1\tartifact\truns/../../etc\t1\n"
		"m\tnot a line\n"
		"e\tmanifest\tf\t4\n"
		"e\truns\td\t30\n"
		"e\ttools\td\t200\n"
		"e\tstray\\nname\tf\t8\n"
		"e\ttools/dotnet-trace\tf\t100\n"
		"e\ttools/.tmp.99\tf\t7\n"
		"e\truns/R1\td\t20\n"
		"e\truns/R2\td\t10\n"
		"e\truns/R9\td\t5\n"
		"e\truns/evil\tl\t0\n"
		"p\truns/R1/trace.pid\t123\trunning\n"
		"ws\t/var/tmp/.dotnetprof\t0\tit is a symbolic link\n"
		"end\n";
	struct ws_scan s;
	const struct ws_found *f;
	const struct ws_item *it;
	char err[128];

	(void)state;
	assert_int_equal(ws_scan_parse(text, strlen(text), 0, &s, err, sizeof(err)), 0);
	assert_int_equal(s.nws, 2);
	f = &s.ws[0];
	assert_string_equal(f->path, "/tmp/.dotnetprof");
	assert_true(f->ours);
	assert_false(s.ws[1].ours);
	assert_string_equal(s.ws[1].why, "it is a symbolic link");
	assert_int_equal(s.ws[1].nitems, 0);

	/* listed: runs/R1, runs/R2 (dirs), runs/R3 (gone), the tool once; the artifact is covered */
	it = item(f, "runs/R1");
	assert_non_null(it);
	assert_true(it->listed);
	assert_string_equal(it->kind, "dir");
	assert_int_equal(it->kb, 20);
	assert_int_equal(it->result, WS_R_PLANNED);
	assert_null(item(f, "runs/R1/trace.nettrace"));
	it = item(f, "tools/dotnet-trace");
	assert_non_null(it);
	assert_string_equal(it->kind, "tool");
	it = item(f, "runs/R3");
	assert_non_null(it);
	assert_int_equal(it->result, WS_R_GONE);
	/* unlisted leftovers */
	it = item(f, "tools/.tmp.99");
	assert_non_null(it);
	assert_false(it->listed);
	assert_string_equal(it->kind, "unlisted");
	assert_non_null(item(f, "runs/R9"));
	assert_non_null(item(f, "stray\nname"));
	it = item(f, "runs/evil");
	assert_non_null(it);
	assert_int_equal(it->type, 'l');
	/* structure is never an item */
	assert_null(item(f, "manifest"));
	assert_null(item(f, "tools"));
	assert_null(item(f, "runs"));
	assert_int_equal(f->nitems, 8);
	/* refused lines */
	assert_int_equal(f->nrefused, 3);
	assert_string_equal(f->refused[0].path, "/etc/shadow");
	assert_string_equal(f->refused[1].path, "runs/../../etc");
	assert_int_equal(f->total_kb, 4 + 30 + 200 + 8);
	assert_int_equal(f->npids, 1);
	assert_int_equal(f->pids[0].pid, 123);
	assert_string_equal(f->pids[0].state, "running");

	{
		static const char rm[] = "k\t123\tINT\n"
					 "r\truns/R1\tremoved\n"
					 "r\ttools/dotnet-trace\tfailed\n"
					 "r\truns/evil\tremoved\n"
					 "done\tkept\tnot empty: tools\n";

		assert_int_equal(ws_remove_parse(rm, strlen(rm), &s.ws[0], err, sizeof(err)), 0);
		assert_int_equal(item(f, "runs/R1")->result, WS_R_REMOVED);
		assert_int_equal(item(f, "tools/dotnet-trace")->result, WS_R_FAILED);
		assert_int_equal(item(f, "runs/R9")->result, WS_R_PLANNED);
		assert_string_equal(f->pids[0].state, "INT");
		assert_false(f->removed);
		assert_string_equal(f->kept_why, "not empty: tools");
		assert_int_equal(ws_remove_parse("r\tx\tremoved\n", 13, &s.ws[0], err, sizeof(err)),
				 -1);
	}
	ws_scan_release(&s);
}

static void test_scan_bad(void **state)
{
	static const char *const bad[] = {
		"ws\t/tmp/.dotnetprof\t1\t\n",                          /* no end */
		"ws\t/tmp/.dotnetprof\t1\t\ne\t../x\tf\t1\nend\n",      /* unsafe entry */
		"ws\t/tmp/.dotnetprof\t1\t\ne\tx\tq\t1\nend\n",          /* bad type */
		"ws\t/tmp/.dotnetprof\t1\t\ne\tx\tf\tzz\nend\n",         /* bad size */
		"e\tx\tf\t1\nend\n",                                     /* entry before ws */
		"m\tR\tdir\truns/R\t0\nend\n",                           /* manifest before ws */
		"end\nws\t/x\t1\t\n",                                    /* after end */
		"ws\t/tmp/.dotnetprof\t1\t\np\tr\tabc\trunning\nend\n",  /* bad pid */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ws_scan s;
		char err[128];

		if (ws_scan_parse(bad[i], strlen(bad[i]), 0, &s, err, sizeof(err)) != -1)
			fail_msg("case %zu accepted", i);
		assert_int_equal(s.nws, 0);
	}
	{
		struct ws_scan s;
		char err[128];

		assert_int_equal(ws_scan_parse("end\n", 4, 0, &s, err, sizeof(err)), 0);
		assert_int_equal(s.nws, 0);
		assert_int_equal(ws_scan_parse("x\0end\n", 6, 0, &s, err, sizeof(err)), -1);
	}
}

static void test_push_report(void **state)
{
	char a[] = "noise\nok\tabc\t12\n", b[] = "fail\tno\\tway\n", c[] = "nothing here\n";
	char d[] = "bad\tsize\t3\n";
	const char *kind = NULL;
	char *f1, *f2, *f3;

	(void)state;
	assert_int_equal(push_parse_report(a, &kind, &f1, &f2, &f3), 2);
	assert_string_equal(kind, "ok");
	assert_string_equal(f1, "abc");
	assert_string_equal(f2, "12");
	assert_null(f3);
	assert_int_equal(push_parse_report(b, &kind, &f1, &f2, &f3), 1);
	assert_string_equal(kind, "fail");
	assert_string_equal(f1, "no\tway");
	assert_int_equal(push_parse_report(c, &kind, &f1, &f2, &f3), -1);
	assert_int_equal(push_parse_report(d, &kind, &f1, &f2, &f3), 2);
	assert_string_equal(kind, "bad");
}

/* ---- the scripts, live on this host ---- */

static const char *const shells[][3] = {
	{ "/bin/dash", NULL, NULL },
	{ "/bin/bash", "--posix", NULL },
	{ "/bin/busybox", "ash", NULL },
};

struct live {
	char dir[PATH_MAX];   /* scratch: base/ (the candidate), outside/ (must survive) */
	char base[PATH_MAX];
	char ws[PATH_MAX];
};

static void sha256_hex(const char *data, size_t len, char *out)
{
	struct digest d;

	digest_init(&d, DIGEST_SHA256);
	digest_update(&d, data, len);
	assert_int_equal(digest_final(&d, out, DIGEST_HEX_MAX), 0);
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void live_one(const char *const *sh)
{
	struct live L;
	struct proc p;
	char runid[WS_RUNID_MAX], size[32], hash[DIGEST_HEX_MAX], line[1024], path[PATH_MAX * 2];
	char outside[PATH_MAX + 16], link[PATH_MAX * 2], *data, err[256];
	const char *name = "runs/X/a b 'c' $(touch pwned)\nnl";
	const char *kind;
	char *f1, *f2, *f3;
	struct ws_scan s;
	size_t i, len = 300000;
	FILE *fp;

	snprintf(L.dir, sizeof(L.dir), "%s/wsXXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(L.dir));
	snprintf(L.base, sizeof(L.base), "%.*s/base", PATH_MAX - 8, L.dir);
	snprintf(L.ws, sizeof(L.ws), "%.*s/.dotnetprof", PATH_MAX - 16, L.base);
	snprintf(outside, sizeof(outside), "%.*s/outside", PATH_MAX - 16, L.dir);
	assert_int_equal(mkdir(L.base, 0755), 0);
	fp = fopen(outside, "w");
	assert_non_null(fp);
	fputs("keep me\n", fp);
	fclose(fp);

	/* open: a missing base is skipped, the second one used */
	assert_int_equal(workspace_new_runid(runid, sizeof(runid)), 0);
	{
		const char *const args[] = { runid, "-", "-", "/nonexistent-dir", L.base, NULL };

		run_script(sh, workspace_sh, args, NULL, 0, &p);
		assert_int_equal(p.status, 0);
		assert_non_null(strstr(p.out_buf, "skip\t1\t"));
		assert_non_null(strstr(p.out_buf, "ws\t2\t1"));
		proc_release(&p);
	}
	{
		struct stat st;

		assert_int_equal(lstat(L.ws, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		assert_int_equal(st.st_mode & 07777, 0700);
	}

	/* open with CHECK: what the workspace holds at a path (the tool to run), in the same exec */
	{
		const char *const args[] = { "R-CHECK", "tools/t", "sha256sum", L.base, NULL };
		const char *const again[] = { "R-CHECK2", "tools/t", "sha256sum", L.base, NULL };
		char want[DIGEST_HEX_MAX + 64];

		run_script(sh, workspace_sh, args, NULL, 0, &p);
		assert_int_equal(p.status, 0);
		assert_non_null(strstr(p.out_buf, "ws\t1\t0\nhave-none\n"));
		proc_release(&p);
		snprintf(path, sizeof(path), "%s/tools/t", L.ws);
		fp = fopen(path, "w");
		assert_non_null(fp);
		fputs("abc", fp);
		fclose(fp);
		run_script(sh, workspace_sh, again, NULL, 0, &p);
		sha256_hex("abc", 3, hash);
		snprintf(want, sizeof(want), "have\t3\t%s\n", hash);
		assert_non_null(strstr(p.out_buf, want));
		proc_release(&p);
		unlink(path);
	}

	/* push raw: hostile destination name inside the run directory */
	data = malloc(len);
	assert_non_null(data);
	for (i = 0; i < len; i++)
		data[i] = (char)(i * 7 + i / 251);
	sha256_hex(data, len, hash);
	snprintf(size, sizeof(size), "%zu", len);
	{
		char dest[256];

		snprintf(dest, sizeof(dest), "runs/%s/%s", runid, name + 7);
		assert_int_equal(workspace_manifest_line(runid, "artifact", dest, len, line,
							 sizeof(line)), 0);
		{
			const char *const args[] = { L.ws, runid, "raw", size, size, "sha256sum",
						     hash, dest, "600", line, NULL };

			run_script(sh, push_sh, args, data, len, &p);
		}
		assert_int_equal(p.status, 0);
		assert_int_equal(push_parse_report(p.out_buf, &kind, &f1, &f2, &f3), 2);
		assert_string_equal(kind, "ok");
		assert_string_equal(f1, hash);
		proc_release(&p);
		snprintf(path, sizeof(path), "%s/%s", L.ws, dest);
		assert_true(exists(path));
		assert_false(exists("pwned"));
	}
	/* push base64 of a tool; then a wrong hash is refused and leaves no temp file */
	{
		size_t elen = (len + 2) / 3 * 4;
		char *enc = malloc(elen + 1), inlen[32];
		const char *b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		size_t o = 0;

		assert_non_null(enc);
		for (i = 0; i + 2 < len; i += 3) {
			unsigned v = (unsigned char)data[i] << 16 | (unsigned char)data[i + 1] << 8 |
				     (unsigned char)data[i + 2];

			enc[o++] = b64[v >> 18 & 63];
			enc[o++] = b64[v >> 12 & 63];
			enc[o++] = b64[v >> 6 & 63];
			enc[o++] = b64[v & 63];
		}
		assert_int_equal(o, elen); /* 300000 is a multiple of 3 */
		snprintf(inlen, sizeof(inlen), "%zu", elen);
		assert_int_equal(workspace_manifest_line(runid, "tool", "tools/t", len, line,
							 sizeof(line)), 0);
		{
			const char *const args[] = { L.ws, runid, "base64", size, inlen, "sha256sum",
						     hash, "tools/t", "755", line, NULL };

			run_script(sh, push_sh, args, enc, elen, &p);
		}
		assert_int_equal(p.status, 0);
		assert_non_null(strstr(p.out_buf, "ok\t"));
		proc_release(&p);
		{
			const char *const args[] = { L.ws, runid, "raw", size, size, "sha256sum",
						     "0000", "tools/u", "755", line, NULL };

			run_script(sh, push_sh, args, data, len, &p);
		}
		assert_int_equal(p.status, 3);
		assert_non_null(strstr(p.out_buf, "bad\thash\t"));
		proc_release(&p);
		snprintf(path, sizeof(path), "%s/tools/u", L.ws);
		assert_false(exists(path));
		{
			const char *const args[] = { L.ws, runid, "check", size, size, "sha256sum", "",
						     "tools/t", "755", line, NULL };

			run_script(sh, push_sh, args, NULL, 0, &p);
		}
		assert_int_equal(push_parse_report(p.out_buf, &kind, &f1, &f2, &f3), 2);
		assert_string_equal(kind, "have");
		assert_string_equal(f2, hash);
		proc_release(&p);
		free(enc);
	}
	free(data);

	/* plant: a leftover temp file, a symbolic link to the outside file, a manifest line outside */
	snprintf(path, sizeof(path), "%s/runs/%s/.push.999", L.ws, runid);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
	snprintf(link, sizeof(link), "%s/tools/evil", L.ws);
	assert_int_equal(symlink(outside, link), 0);
	snprintf(path, sizeof(path), "%s/manifest", L.ws);
	fp = fopen(path, "a");
	assert_non_null(fp);
	fprintf(fp, "%s\tartifact\t%s\t8\n%s\tartifact\ttools/evil/x\t8\n", runid, outside, runid);
	fclose(fp);

	/* scan (with TMPDIR pointing at the base) and plan */
	setenv("TMPDIR", L.base, 1);
	{
		const char *const args[] = { "scan", NULL };

		run_script(sh, clean_sh, args, NULL, 0, &p);
	}
	unsetenv("TMPDIR");
	assert_int_equal(p.status, 0);
	if (ws_scan_parse(p.out_buf, p.out_len, 0, &s, err, sizeof(err)) < 0)
		fail_msg("scan output: %s\n%s", err, p.out_buf);
	proc_release(&p);
	{
		struct ws_found *f = NULL;
		struct strvec args = STRVEC_INIT;

		for (i = 0; i < s.nws; i++)
			if (!strcmp(s.ws[i].path, L.ws))
				f = &s.ws[i];
		assert_non_null(f);
		assert_true(f->ours);
		assert_int_equal(f->nrefused, 1); /* the absolute path outside */
		assert_non_null(item(f, "tools/t"));
		assert_non_null(item(f, "tools/evil"));
		assert_string_equal(item(f, "tools/evil")->kind, "unlisted");
		snprintf(path, sizeof(path), "runs/%s", runid);
		assert_non_null(item(f, path));
		/* remove */
		assert_int_equal(strvec_push(&args, "remove"), 0);
		assert_int_equal(strvec_push(&args, f->path), 0);
		assert_int_equal(strvec_push(&args, "0"), 0); /* nothing kept */
		for (i = 0; i < f->nitems; i++)
			if (f->items[i].result == WS_R_PLANNED)
				assert_int_equal(strvec_push(&args, f->items[i].rel), 0);
		assert_int_equal(strvec_push(&args, "tools/evil/x"), 0); /* must be refused */
		run_script(sh, clean_sh, strvec_argv(&args), NULL, 0, &p);
		strvec_clear(&args);
		assert_int_equal(p.status, 0);
		assert_non_null(strstr(p.out_buf, "r\ttools/evil/x\trefused"));
		assert_int_equal(ws_remove_parse(p.out_buf, p.out_len, f, err, sizeof(err)), 0);
		assert_true(f->removed);
		proc_release(&p);
	}
	ws_scan_release(&s);
	assert_false(exists(L.ws));
	assert_true(exists(outside)); /* the link was removed, not followed */
	{
		char buf[16] = "";

		fp = fopen(outside, "r");
		assert_non_null(fp);
		assert_non_null(fgets(buf, sizeof(buf), fp));
		fclose(fp);
		assert_string_equal(buf, "keep me\n");
	}
	unlink(outside);
	assert_int_equal(rmdir(L.base), 0);
	assert_int_equal(rmdir(L.dir), 0);
}

static void test_live(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(shells) / sizeof(shells[0]); i++) {
		if (access(shells[i][0], X_OK) != 0)
			fail_msg("%s missing: install dash, bash and busybox-static", shells[i][0]);
		live_one(shells[i]);
	}
}

/* A workspace that is a symbolic link, or has the wrong mode, is refused and left alone. */
static void test_live_refuse(void **state)
{
	char dir[PATH_MAX], base[PATH_MAX + 8], ws[PATH_MAX + 32], target[PATH_MAX + 16];
	const char *const sh[] = { "/bin/dash", NULL };
	struct proc p;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/wsrXXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(base, sizeof(base), "%s/b", dir);
	snprintf(ws, sizeof(ws), "%s/.dotnetprof", base);
	snprintf(target, sizeof(target), "%s/t", dir);
	assert_int_equal(mkdir(base, 0755), 0);
	assert_int_equal(mkdir(target, 0700), 0);
	assert_int_equal(symlink(target, ws), 0);
	{
		const char *const args[] = { "R1", "-", "-", base, NULL };

		run_script(sh, workspace_sh, args, NULL, 0, &p);
	}
	assert_int_equal(p.status, 3);
	assert_non_null(strstr(p.out_buf, "symbolic link"));
	proc_release(&p);
	{
		const char *const args[] = { "remove", ws, "0", "x", NULL };

		run_script(sh, clean_sh, args, NULL, 0, &p);
	}
	assert_int_equal(p.status, 3);
	proc_release(&p);
	assert_true(exists(target));
	unlink(ws);
	assert_int_equal(mkdir(ws, 0755), 0);
	{
		const char *const args[] = { "R1", "-", "-", base, NULL };

		run_script(sh, workspace_sh, args, NULL, 0, &p);
	}
	assert_int_equal(p.status, 3);
	assert_non_null(strstr(p.out_buf, "drwxr-xr-x"));
	proc_release(&p);
	rmdir(ws);
	rmdir(target);
	rmdir(base);
	rmdir(dir);
}

/*
 * The pod side never needs EOF on stdin (WebSocket v4 cannot send it): push.sh is fed the bytes
 * through a pipe that stays open, and must still verify, report and exit.
 */
static void test_live_no_eof(void **state)
{
	char dir[PATH_MAX], base[PATH_MAX + 8], ws[PATH_MAX + 32], hash[DIGEST_HEX_MAX];
	char size[32], line[512], out[4096], dest[128];
	char runid[32];
	size_t len = 200000, off = 0, got = 0, i, k;
	char *data = malloc(len);
	struct proc p;

	(void)state;
	assert_non_null(data);
	for (i = 0; i < len; i++)
		data[i] = (char)(i * 13);
	sha256_hex(data, len, hash);
	snprintf(size, sizeof(size), "%zu", len);
	snprintf(dir, sizeof(dir), "/tmp/wsnXXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(base, sizeof(base), "%s/b", dir);
	snprintf(ws, sizeof(ws), "%s/.dotnetprof", base);
	assert_int_equal(mkdir(base, 0755), 0);
	for (k = 0; k < sizeof(shells) / sizeof(shells[0]); k++) {
		const char *const open_args[] = { runid, "-", "-", base, NULL };
		struct proc q;

		snprintf(runid, sizeof(runid), "R-NOEOF-%zu", k);
		run_script(shells[k], workspace_sh, open_args, NULL, 0, &q);
		assert_int_equal(q.status, 0);
		proc_release(&q);
		snprintf(dest, sizeof(dest), "runs/%s/f%zu", runid, k);
		assert_int_equal(workspace_manifest_line(runid, "artifact", dest, len, line,
							 sizeof(line)), 0);
		{
			const char *argv[20];
			size_t n = 0;

			for (i = 0; shells[k][i]; i++)
				argv[n++] = shells[k][i];
			argv[n++] = "-c";
			argv[n++] = push_sh;
			argv[n++] = "dotnetprof";
			argv[n++] = ws;
			argv[n++] = runid;
			argv[n++] = "raw";
			argv[n++] = size;
			argv[n++] = size;
			argv[n++] = "sha256sum";
			argv[n++] = hash;
			argv[n++] = dest;
			argv[n++] = "600";
			argv[n++] = line;
			argv[n] = NULL;
			proc_init(&p, argv);
			p.in = PROC_IO_PIPE;
			p.out = PROC_IO_PIPE;
			p.err = PROC_IO_NULL;
			assert_int_equal(proc_start(&p), 0);
			for (off = 0; off < len;) {
				ssize_t w = write(p.in_fd, data + off, len - off);

				assert_true(w > 0);
				off += (size_t)w;
			}
			/* stdin stays open: the script must end by itself; 10 s at most */
			got = 0;
			for (;;) {
				struct pollfd pfd = { p.out_fd, POLLIN, 0 };
				ssize_t r;

				if (poll(&pfd, 1, 10000) != 1)
					fail_msg("%s: push.sh waits for EOF on stdin", shells[k][0]);
				r = read(p.out_fd, out + got, sizeof(out) - 1 - got);
				if (r <= 0)
					break;
				got += (size_t)r;
			}
			out[got] = '\0';
			assert_int_equal(proc_finish(&p), 0);
			if (!strstr(out, "ok\t"))
				fail_msg("%s: %s", shells[k][0], out);
		}
	}
	{
		const char *const args[] = { "remove", ws, "0", "runs/R-NOEOF-0", "runs/R-NOEOF-1",
					     "runs/R-NOEOF-2", NULL };
		const char *const sh[] = { "/bin/dash", NULL };

		run_script(sh, clean_sh, args, NULL, 0, &p);
		assert_non_null(strstr(p.out_buf, "done\tremoved"));
		proc_release(&p);
	}
	free(data);
	assert_int_equal(rmdir(base), 0);
	assert_int_equal(rmdir(dir), 0);
}

/*
 * A file a run made and did not copy out ("artifact" in the manifest): the probe reports it, clean
 * keeps it (the run directory emptied around it, the manifest down to its lines) and discards it
 * only when asked.
 */
static void test_live_uncollected(void **state)
{
	const char *const sh[] = { "/bin/dash", NULL };
	char dir[PATH_MAX], base[PATH_MAX + 8], ws[PATH_MAX + 32], path[PATH_MAX * 2], err[256];
	char want[PATH_MAX * 2 + 64];
	struct strvec args = STRVEC_INIT;
	struct ws_scan s;
	struct proc p;
	int discard;
	FILE *fp;

	(void)state;
	for (discard = 0; discard <= 1; discard++) {
		snprintf(dir, sizeof(dir), "/tmp/wsuXXXXXX");
		assert_non_null(mkdtemp(dir));
		snprintf(base, sizeof(base), "%s/b", dir);
		snprintf(ws, sizeof(ws), "%s/.dotnetprof", base);
		assert_int_equal(mkdir(base, 0755), 0);
		{
			const char *const a[] = { "R-1", "-", "-", base, NULL };

			run_script(sh, workspace_sh, a, NULL, 0, &p);
			assert_int_equal(p.status, 0);
			proc_release(&p);
		}
		snprintf(path, sizeof(path), "%s/runs/R-1/extract", ws);
		assert_int_equal(mkdir(path, 0700), 0);
		snprintf(path, sizeof(path), "%s/runs/R-1/t.nettrace", ws);
		fp = fopen(path, "w");
		assert_non_null(fp);
		fputs("Nettrace and more", fp);
		fclose(fp);
		snprintf(path, sizeof(path), "%s/manifest", ws);
		fp = fopen(path, "a");
		assert_non_null(fp);
		fputs("R-1\tartifact\truns/R-1/t.nettrace\t0\nR-1\tartifact\truns/R-1/gone\t0\n", fp);
		fclose(fp);

		/* the probe names it, with its size */
		setenv("TMPDIR", base, 1);
		run_script(sh, probe_sh, NULL, NULL, 0, &p);
		snprintf(want, sizeof(want), "uncollected\t%s/runs/R-1/t.nettrace\t17\t0\n", ws);
		assert_non_null(strstr(p.out_buf, want));
		assert_null(strstr(p.out_buf, "runs/R-1/gone"));
		proc_release(&p);
		{
			const char *const a[] = { "scan", NULL };

			run_script(sh, clean_sh, a, NULL, 0, &p);
		}
		unsetenv("TMPDIR");
		assert_int_equal(ws_scan_parse(p.out_buf, p.out_len, discard, &s, err, sizeof(err)), 0);
		proc_release(&p);
		assert_int_equal(s.nws, 1);
		assert_true(item(&s.ws[0], "runs/R-1/t.nettrace")->uncollected);
		assert_int_equal(item(&s.ws[0], "runs/R-1/t.nettrace")->result,
				 discard ? WS_R_PLANNED : WS_R_KEPT);
		assert_int_equal(item(&s.ws[0], "runs/R-1")->result, WS_R_PLANNED);
		assert_int_equal(ws_remove_args(&s.ws[0], &args), 0);
		run_script(sh, clean_sh, strvec_argv(&args), NULL, 0, &p);
		strvec_clear(&args);
		assert_int_equal(ws_remove_parse(p.out_buf, p.out_len, &s.ws[0], err, sizeof(err)), 0);
		proc_release(&p);
		snprintf(path, sizeof(path), "%s/runs/R-1/t.nettrace", ws);
		assert_int_equal(exists(path), !discard);
		assert_int_equal(s.ws[0].removed, discard);
		if (!discard) {
			assert_int_equal(item(&s.ws[0], "runs/R-1")->result, WS_R_PRUNED);
			snprintf(path, sizeof(path), "%s/runs/R-1/extract", ws);
			assert_false(exists(path));
			snprintf(path, sizeof(path), "%s/manifest", ws);
			fp = fopen(path, "r");
			assert_non_null(fp);
			assert_non_null(fgets(want, sizeof(want), fp));
			assert_string_equal(want, "R-1\tdir\truns/R-1\t0\n");
			assert_non_null(fgets(want, sizeof(want), fp));
			assert_string_equal(want, "R-1\tartifact\truns/R-1/t.nettrace\t0\n");
			assert_null(fgets(want, sizeof(want), fp)); /* the gone one was dropped */
			fclose(fp);
		}
		ws_scan_release(&s);
		{
			const char *const a[] = { "rm", "-rf", dir, NULL };

			proc_init(&p, a);
			assert_int_equal(proc_run(&p), 0);
			proc_release(&p);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runid),
		cmocka_unit_test(test_candidates),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_rel_ok),
		cmocka_unit_test(test_manifest_line),
		cmocka_unit_test(test_manifest_parse_hostile),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_split_lines),
		cmocka_unit_test(test_scan_plan),
		cmocka_unit_test(test_scan_bad),
		cmocka_unit_test(test_push_report),
		cmocka_unit_test(test_live),
		cmocka_unit_test(test_live_refuse),
		cmocka_unit_test(test_live_no_eof),
		cmocka_unit_test(test_live_uncollected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
