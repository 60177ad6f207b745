/*
 * test_diag.c - the pure parts of diag.h: which process -p / --process-name choose, the preflight
 * verdicts (self-contained, old runtime, diagnostics off, other user, no socket), dump size estimates
 * and DOTNET_ROOT from a runtime dir. Probes are parsed from text, as they come from a pod.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diag.h"
#include "exitcodes.h"

#define HEAD "dotnetprof-probe\t1\narch\tx86_64\nlibc\tglibc\nuid\t0\n"
#define RT "\t/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.0\t10.0.0\n"
#define PROC(pid, name, cmd)                                                     \
	"proc\t" #pid "\t0\t1000\t" name "\npcmd\t" #pid "\t" cmd "\n"           \
	"psock\t" #pid "\t/tmp/dotnet-diagnostic-" #pid "-1-socket\n"            \
	"pruntime\t" #pid RT "pdiag\t" #pid "\t1\npaccess\t" #pid "\t1\n"

/* What the probe says of who owns the runtime and the sockets (perm / permdir records). */
#define PERM(path, mode, uid) "perm\t" path "\t" mode "\t" #uid "\n"
#define D "drwxr-xr-x"
#define DN "/usr/share/dotnet"
#define FW DN "/shared/Microsoft.NETCore.App"
#define CHAIN PERM("/", D, 0) PERM("/usr", D, 0) PERM("/usr/share", D, 0) PERM(DN, D, 0)          \
	PERM(DN "/shared", D, 0) PERM(FW, D, 0) PERM(FW "/10.0.0", D, 0) PERM(DN "/host", D, 0) \
	PERM(DN "/host/fxr", D, 0) PERM(DN "/host/fxr/10.0.0", D, 0)                             \
	"permdir\t" DN "/host/fxr/10.0.0\t0\t0\npermdir\t" FW "/10.0.0\t0\t0\n"
#define SOCK(pid, uid) PERM("/tmp/dotnet-diagnostic-" #pid "-1-socket", "srw-------", uid)

static void parse(struct probe *p, const char *text)
{
	char err[256];

	probe_init(p);
	if (probe_parse(text, strlen(text), p, err, sizeof(err)) < 0)
		fail_msg("probe_parse: %s", err);
}

static const char two[] = HEAD PROC(7, "dotnet", "dotnet /app/SampleApp.dll --urls x")
	PROC(9, "dotnet", "dotnet /work/Worker.dll") PROC(11, "api", "/app/api") "end\n";

static void test_pick(void **state)
{
	struct diag_problem pb;
	struct probe p;

	(void)state;
	parse(&p, two);
	assert_int_equal(diag_pick_process(&p, 9, NULL, &pb), 1);
	assert_int_equal(diag_pick_process(&p, 0, "Worker", &pb), 1);
	assert_int_equal(diag_pick_process(&p, 0, "Worker.dll", &pb), 1);
	assert_int_equal(diag_pick_process(&p, 0, "SampleApp", &pb), 0);
	assert_int_equal(diag_pick_process(&p, 0, "api", &pb), 2);
	assert_int_equal(diag_pick_process(&p, 0, "/app/api", &pb), -1);
	assert_int_equal(pb.code, DPX_NOTFOUND);
	assert_int_equal(diag_pick_process(&p, 0, "dotnet", &pb), -1);
	assert_int_equal(pb.code, DPX_AMBIGUOUS);
	assert_non_null(strstr(pb.msg, "\n  9  dotnet  dotnet /work/Worker.dll"));
	assert_int_equal(diag_pick_process(&p, 0, NULL, &pb), -1);
	assert_int_equal(pb.code, DPX_AMBIGUOUS);
	assert_non_null(strstr(pb.hint, "-p PID"));
	assert_int_equal(diag_pick_process(&p, 8, NULL, &pb), -1);
	assert_int_equal(pb.code, DPX_NOTFOUND);
	assert_int_equal(diag_pick_process(&p, 0, "Sample", &pb), -1);
	probe_release(&p);

	/* our own tools (a dotnet-counters left running) are .NET processes too, never chosen */
	parse(&p, HEAD PROC(1, "dotnet", "dotnet /app/SampleApp.dll")
		  PROC(40, "dotnet-counters", "/tmp/.dotnetprof/tools/dotnet-counters monitor") "end\n");
	assert_int_equal(diag_pick_process(&p, 0, NULL, &pb), 0);
	assert_int_equal(diag_pick_process(&p, 0, "dotnet-counters", &pb), -1);
	assert_null(strstr(pb.msg, "/tmp/.dotnetprof/tools"));
	assert_int_equal(diag_proc_is_ours(&p.procs[1]), 1);
	assert_int_equal(diag_proc_is_ours(&p.procs[0]), 0);
	probe_release(&p);
	parse(&p, HEAD "end\n");
	assert_int_equal(diag_pick_process(&p, 0, NULL, &pb), -1);
	assert_int_equal(pb.code, DPX_NODOTNET);
	probe_release(&p);
}

static int preflight(const char *text, struct diag_problem *pb)
{
	struct probe p;
	int rc;

	parse(&p, text);
	rc = diag_preflight(&p, &p.procs[0], pb);
	probe_release(&p);
	return rc;
}

static void test_preflight(void **state)
{
	struct diag_problem pb;

	(void)state;
	assert_int_equal(preflight(HEAD PROC(1, "dotnet", "dotnet a.dll") CHAIN SOCK(1, 0) "end\n", &pb),
			 0);
	/* self-contained: libcoreclr.so from the app dir, no version */
	assert_int_equal(preflight(HEAD "proc\t1\t0\t10\tapp\npruntime\t1\t/app\t\npdiag\t1\t1\n"
				   "paccess\t1\t1\npsock\t1\t/tmp/s\nend\n", &pb), -1);
	assert_int_equal(pb.code, DPX_NODOTNET);
	assert_non_null(strstr(pb.msg, "self-contained"));
	/* NativeAOT / single-file: no pruntime at all */
	assert_int_equal(preflight(HEAD "proc\t1\t0\t10\tapp\npdiag\t1\t1\npaccess\t1\t1\n"
				   "psock\t1\t/tmp/s\nend\n", &pb), -1);
	assert_non_null(strstr(pb.msg, "no libcoreclr.so mapped"));
	/* old runtime */
	assert_int_equal(preflight(HEAD "proc\t1\t0\t10\tdotnet\npruntime\t1\t/d/shared/"
				   "Microsoft.NETCore.App/6.0.1\t6.0.1\npdiag\t1\t1\npaccess\t1\t1\n"
				   "psock\t1\t/tmp/s\nend\n", &pb), -1);
	assert_non_null(strstr(pb.msg, ".NET 6.0.1"));
	/* diagnostics disabled */
	assert_int_equal(preflight(HEAD "proc\t1\t0\t10\tdotnet\npruntime\t1" RT "pdiag\t1\t0\n"
				   "paccess\t1\t1\n" CHAIN "end\n", &pb), -1);
	assert_int_equal(pb.code, DPX_NODOTNET);
	assert_non_null(strstr(pb.msg, "DOTNET_EnableDiagnostics=0"));
	/* no socket */
	assert_int_equal(preflight(HEAD "proc\t1\t0\t10\tdotnet\npruntime\t1" RT "pdiag\t1\t1\n"
				   "paccess\t1\t1\n" CHAIN "end\n", &pb), -1);
	assert_non_null(strstr(pb.msg, "no diagnostics socket"));
}

/* One preflight that must fail with DPX_FORBIDDEN and a message holding `want`. */
static void refused(const char *text, const char *want)
{
	struct diag_problem pb;

	if (preflight(text, &pb) != -1)
		fail_msg("accepted: %s", text);
	assert_int_equal(pb.code, DPX_FORBIDDEN);
	if (!strstr(pb.msg, want))
		fail_msg("\"%s\" lacks \"%s\"", pb.msg, want);
}

/* What the tools would load, and the socket they would talk to, must be safe (diag.h 2b, 4b). */
static void test_runtime_and_socket(void **state)
{
	struct diag_problem pb;

	(void)state;
	/* nothing known (no ls in the pod): nothing trusted */
	refused(HEAD PROC(1, "dotnet", "dotnet a.dll") SOCK(1, 0) "end\n",
		"/: who owns it is unknown (the container has no ls)");
	refused(HEAD PROC(1, "dotnet", "dotnet a.dll") CHAIN "end\n",
		"cannot tell who owns the diagnostics socket /tmp/dotnet-diagnostic-1-1-socket");
	/* the runtime dir, DOTNET_ROOT, a directory above it: the app's user, or writable */
	refused(HEAD PROC(1, "dotnet", "dotnet a.dll") PERM(FW "/10.0.0", D, 1000) CHAIN SOCK(1, 0)
		"end\n", "is not safe to load as uid 0: " FW "/10.0.0: it is owned by uid 1000");
	refused(HEAD PROC(1, "dotnet", "dotnet a.dll") PERM(DN, "drwxrwxrwx", 0) CHAIN SOCK(1, 0)
		"end\n", DN ": it is writable by others (drwxrwxrwx)");
	refused(HEAD PROC(1, "dotnet", "dotnet a.dll") PERM("/usr", "drwxrwxr-x", 0) CHAIN SOCK(1, 0)
		"end\n", "/usr: it is writable by its group");
	/* under DOTNET_ROOT: a symbolic link, a file of another user, a writable file */
	refused(HEAD PROC(1, "dotnet", "dotnet a.dll") PERM(DN "/host", "lrwxrwxrwx", 0) CHAIN
		SOCK(1, 0) "end\n", DN "/host: it is a symbolic link");
	refused(HEAD PROC(1, "dotnet", "dotnet a.dll") "puser\t1\tapp\npermdir\t" FW "/10.0.0\t0 1000"
		"\t0\n" CHAIN SOCK(1, 0) "end\n", FW "/10.0.0: files in it are owned by uid 1000");
	refused(HEAD PROC(1, "dotnet", "dotnet a.dll") "permdir\t" DN "/host/fxr/10.0.0\t0\t1\n" CHAIN
		SOCK(1, 0) "end\n", "files in it are writable by group or others");
	/* a socket another uid put in the process's place */
	refused(HEAD PROC(1, "dotnet", "dotnet a.dll") CHAIN SOCK(1, 1000) "end\n",
		"is owned by uid 1000, not by the process's uid 0: someone else may have put it there");
	refused(HEAD PROC(1, "dotnet", "dotnet a.dll") CHAIN
		PERM("/tmp/dotnet-diagnostic-1-1-socket", "-rw-------", 0) "end\n", "is not a socket");

	/* a sticky directory above DOTNET_ROOT is fine (/tmp/dn installed by root) */
	assert_int_equal(preflight(HEAD "proc\t1\t0\t10\tdotnet\npsock\t1\t/tmp/s\npruntime\t1\t"
				   "/tmp/dn/shared/Microsoft.NETCore.App/10.0.0\t10.0.0\npdiag\t1\t1\n"
				   "paccess\t1\t1\n" PERM("/", D, 0) PERM("/tmp", "drwxrwxrwt", 0)
				   PERM("/tmp/dn", D, 0) PERM("/tmp/dn/shared", D, 0)
				   PERM("/tmp/dn/shared/Microsoft.NETCore.App", D, 0)
				   PERM("/tmp/dn/shared/Microsoft.NETCore.App/10.0.0", D, 0)
				   PERM("/tmp/s", "srw-------", 0) "end\n", &pb), 0);
	/* the exec user's own runtime, run as that user: fine */
	assert_int_equal(preflight("dotnetprof-probe\t1\narch\tx86_64\nlibc\tglibc\nuid\t1000\n"
				   "proc\t1\t1000\t10\tdotnet\npsock\t1\t/tmp/s\npruntime\t1" RT
				   "pdiag\t1\t1\npaccess\t1\t1\n" PERM(DN, D, 1000) CHAIN
				   PERM("/tmp/s", "srw-------", 1000) "end\n", &pb), 0);
}

static void test_other_user(void **state)
{
	struct diag_problem pb;

	(void)state;
	assert_int_equal(preflight("dotnetprof-probe\t1\narch\tx86_64\nlibc\tglibc\nuid\t1000\n"
				   "proc\t1\t0\t10\tdotnet\npruntime\t1" RT "pdiag\t1\t1\n"
				   "paccess\t1\t1\npsock\t1\t/tmp/s\n" CHAIN "end\n", &pb), -1);
	assert_int_equal(pb.code, DPX_FORBIDDEN);
	assert_non_null(strstr(pb.msg, "out of reach"));
}

static void test_estimate_and_names(void **state)
{
	enum diag_dump_type t;
	char *root;

	(void)state;
	assert_int_equal(diag_dump_estimate(DIAG_DUMP_HEAP, 1024 * 100), 125ull << 20);
	assert_int_equal(diag_dump_estimate(DIAG_DUMP_FULL, 1024 * 100), 125ull << 20);
	assert_int_equal(diag_dump_estimate(DIAG_DUMP_MINI, 1024 * 100), 64ull << 20);
	assert_int_equal(diag_dump_estimate(DIAG_DUMP_HEAP, -1), 0);
	assert_int_equal(diag_dump_estimate(DIAG_DUMP_NONE, 1000), 0);
	assert_int_equal(diag_dump_type_parse("triage", &t), 0);
	assert_int_equal(t, DIAG_DUMP_TRIAGE);
	assert_string_equal(diag_dump_type_tool_name(t), "Triage");
	assert_int_equal(diag_dump_type_parse("Heap", &t), -1);
	assert_int_equal(diag_dump_type_parse(NULL, &t), -1);
	assert_null(diag_dump_type_tool_name(DIAG_DUMP_NONE));

	root = diag_dotnet_root("/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.0");
	assert_string_equal(root, "/usr/share/dotnet");
	free(root);
	root = diag_dotnet_root("/shared/Microsoft.NETCore.App/10.0.0");
	assert_string_equal(root, "/");
	free(root);
	assert_null(diag_dotnet_root("a/b"));
	assert_null(diag_dotnet_root(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_preflight),
		cmocka_unit_test(test_other_user),
		cmocka_unit_test(test_runtime_and_socket),
		cmocka_unit_test(test_estimate_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
