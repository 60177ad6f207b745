/*
 * test_cli.c - the command line: flags before and after operands, --flag=value and --flag value,
 * short clusters and -xVALUE, "--", unknown flags and missing values (exit 2 with the usage line),
 * -h (help on stdout, exit 0), global flags before the verb, kubectl pass-through flags reaching the
 * kube argv, and the real verbs' validation (bad --duration, a valid line reaching kubectl).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"
#include "exitcodes.h"
#include "log.h"
#include "verbs.h"

enum { OPT_ALL = CLI_ID_VERB, OPT_NAME };

static const struct cli_opt demo_opts[] = {
	{ OPT_ALL, 0, "all", CLI_NOARG, NULL, "all of them" },
	{ OPT_NAME, 'N', "name", CLI_ARG, "NAME", "a name" },
	{ 0, 0, NULL, CLI_NOARG, NULL, NULL },
};

static const struct cli_group demo_groups[] = {
	{ "Flags", demo_opts },
	{ "Target flags", cli_opts_target },
	{ "Process flags", cli_opts_process },
	{ NULL, NULL },
};

static const struct cli_help demo_help = {
	.usage = "demo TARGET [--all] [--name NAME]",
	.summary = "A verb for tests.",
	.takes_target = 1,
	.groups = demo_groups,
	.examples = "demo x --all",
};

struct seen {
	int all;
	const char *name;
};

static int demo_opt(struct cli_ctx *ctx, int id, const char *value, void *data)
{
	struct seen *s = data;

	(void)ctx;
	if (id == OPT_ALL)
		s->all++;
	else if (id == OPT_NAME)
		s->name = value;
	return 0;
}

static int cmd_demo(int argc, char **argv, struct cli_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	return 0;
}

static const struct cli_cmd demo_cmd = { "demo", cmd_demo, &demo_help };

static struct cli_ctx ctx;
static struct seen seen;
static char *outbuf, *errbuf;
static size_t outlen, errlen;
static FILE *outf, *errf;

static int setup(void **state)
{
	(void)state;
	unsetenv("DOTNETPROF_KUBECTL");
	assert_int_equal(cli_ctx_init(&ctx, "kubectl dotnetprof"), 0);
	ctx.cmd = &demo_cmd;
	memset(&seen, 0, sizeof(seen));
	outf = open_memstream(&outbuf, &outlen);
	errf = open_memstream(&errbuf, &errlen);
	assert_non_null(outf);
	assert_non_null(errf);
	ctx.out = outf;
	log_set_stream(errf);
	log_set_level(LOG_NORMAL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cli_ctx_release(&ctx);
	log_set_stream(NULL);
	log_set_level(LOG_NORMAL);
	fclose(outf);
	fclose(errf);
	free(outbuf);
	free(errbuf);
	outbuf = errbuf = NULL;
	return 0;
}

static const char *out(void)
{
	fflush(outf);
	return outbuf ? outbuf : "";
}

static const char *err(void)
{
	fflush(errf);
	return errbuf ? errbuf : "";
}

/* Parse a NULL-terminated list of words as the demo verb's argv. */
static int parse_words(const char *const *words)
{
	static char *argv[32];
	int argc = 0;

	while (words[argc]) {
		argv[argc] = (char *)(uintptr_t)words[argc];
		argc++;
	}
	argv[argc] = NULL;
	return cli_parse(&ctx, argc, argv, demo_opt, &seen);
}

static void test_flags_before_and_after(void **state)
{
	const char *const w[] = { "demo", "--all", "pod-a", "-c", "app", "--name=x=y", "-p", "42",
				  "--process-name", "dotnet", NULL };

	(void)state;
	assert_int_equal(parse_words(w), 0);
	assert_int_equal(ctx.operands.n, 1);
	assert_string_equal(ctx.operands.v[0], "pod-a");
	assert_int_equal(seen.all, 1);
	assert_string_equal(seen.name, "x=y");
	assert_string_equal(ctx.common.container, "app");
	assert_int_equal(ctx.common.pid, 42);
	assert_string_equal(ctx.common.process_name, "dotnet");
}

static void test_short_forms(void **state)
{
	const char *const w[] = { "demo", "-capp", "-N=n1", "-vv", "pod", "-l", "app=x", NULL };

	(void)state;
	assert_int_equal(parse_words(w), 0);
	assert_string_equal(ctx.common.container, "app");
	assert_string_equal(seen.name, "n1");
	assert_string_equal(ctx.common.selector, "app=x");
	assert_int_equal(ctx.verbosity, 2);
	assert_int_equal(log_get_level(), LOG_DEBUG);
}

static void test_double_dash(void **state)
{
	const char *const w[] = { "demo", "--all", "--", "--all", "-c", "-", NULL };

	(void)state;
	assert_int_equal(parse_words(w), 0);
	assert_int_equal(seen.all, 1);
	assert_int_equal(ctx.operands.n, 3);
	assert_string_equal(ctx.operands.v[0], "--all");
	assert_string_equal(ctx.operands.v[1], "-c");
	assert_string_equal(ctx.operands.v[2], "-");
	assert_null(ctx.common.container);
}

static void test_kube_flags(void **state)
{
	const char *const w[] = { "demo", "pod", "-n", "team-b", "--context=prod", "--kubeconfig",
				  "/k", "--insecure-skip-tls-verify", "--as-group=a", "-s",
				  "https://x", "--token", "t0k", NULL };
	const char *const args[] = { "get", NULL };
	struct strvec sv = STRVEC_INIT;
	size_t i;
	char line[512] = "";

	(void)state;
	assert_int_equal(parse_words(w), 0);
	assert_string_equal(ctx.kube.namespace, "team-b");
	assert_int_equal(kube_build_argv(&ctx.kube, NULL, args, &sv), 0);
	for (i = 0; i < sv.n; i++) {
		strlcat(line, i ? " " : "", sizeof(line));
		strlcat(line, sv.v[i], sizeof(line));
	}
	assert_string_equal(line, "kubectl --context=prod --kubeconfig=/k "
				  "--insecure-skip-tls-verify=true --as-group=a --server=https://x "
				  "--token=t0k -n team-b get");
	strvec_clear(&sv);
}

static void test_errors(void **state)
{
	const char *const unknown[] = { "demo", "pod", "--bogus", NULL };
	const char *const unknown_short[] = { "demo", "-Z", NULL };
	const char *const missing[] = { "demo", "pod", "--name", NULL };
	const char *const novalue[] = { "demo", "--all=yes", NULL };
	const char *const badpid[] = { "demo", "-p", "0", NULL };
	const char *const badbool[] = { "demo", "--insecure-skip-tls-verify=maybe", NULL };

	(void)state;
	assert_int_equal(parse_words(unknown), -1);
	assert_int_equal(ctx.exit_code, DPX_USAGE);
	assert_string_equal(err(), "kubectl-dotnetprof: demo: unknown flag \"--bogus\"\n"
				   "usage: kubectl dotnetprof demo TARGET [--all] [--name NAME]\n");
	assert_string_equal(out(), "");
	assert_int_equal(parse_words(unknown_short), -1);
	assert_non_null(strstr(err(), "unknown flag \"-Z\""));
	assert_int_equal(parse_words(missing), -1);
	assert_non_null(strstr(err(), "flag --name needs a value"));
	assert_int_equal(parse_words(novalue), -1);
	assert_non_null(strstr(err(), "flag --all takes no value"));
	assert_int_equal(parse_words(badpid), -1);
	assert_non_null(strstr(err(), "invalid pid \"0\""));
	assert_int_equal(parse_words(badbool), -1);
	assert_non_null(strstr(err(), "use true or false"));
	assert_int_equal(ctx.exit_code, DPX_USAGE);
}

static void test_help(void **state)
{
	const char *const h[] = { "demo", "x", "-h", "--bogus", NULL };

	(void)state;
	assert_int_equal(parse_words(h), -1);
	assert_int_equal(ctx.exit_code, DPX_OK);
	assert_string_equal(err(), "");
	assert_non_null(strstr(out(), "usage: kubectl dotnetprof demo TARGET [--all] [--name NAME]\n"));
	assert_non_null(strstr(out(), "  -N, --name NAME"));
	assert_non_null(strstr(out(), "  -c, --container NAME"));
	assert_non_null(strstr(out(), "      --context NAME"));
	assert_non_null(strstr(out(), "  -n, --namespace NS"));
	assert_non_null(strstr(out(), "TARGET:\n"));
	assert_non_null(strstr(out(), "Examples:\n  kubectl dotnetprof demo x --all\n"));
}

static void test_globals_before_verb(void **state)
{
	const char *const words[] = { "kubectl-dotnetprof", "-n", "team-b", "-v", "--context", "c",
				      "ps", "sample-b", NULL };
	const char *const nothing[] = { "kubectl-dotnetprof", "-q", NULL };
	const char *const bad[] = { "kubectl-dotnetprof", "--all", "ps", NULL };
	const char *const help[] = { "kubectl-dotnetprof", "--help", "ps", NULL };
	char *argv[16];
	int argc, h;

	(void)state;
	ctx.cmd = NULL;
	for (argc = 0; words[argc]; argc++)
		argv[argc] = (char *)(uintptr_t)words[argc];
	assert_int_equal(cli_parse_globals(&ctx, argc, argv, &h), 6);
	assert_int_equal(h, 0);
	assert_string_equal(ctx.kube.namespace, "team-b");
	assert_string_equal(ctx.kube.context, "c");
	assert_int_equal(ctx.verbosity, 1);

	for (argc = 0; nothing[argc]; argc++)
		argv[argc] = (char *)(uintptr_t)nothing[argc];
	assert_int_equal(cli_parse_globals(&ctx, argc, argv, &h), argc);
	assert_int_equal(log_get_level(), LOG_QUIET);

	for (argc = 0; bad[argc]; argc++)
		argv[argc] = (char *)(uintptr_t)bad[argc];
	assert_int_equal(cli_parse_globals(&ctx, argc, argv, &h), -1);
	assert_non_null(strstr(err(), "kubectl-dotnetprof: unknown flag \"--all\"\n"
				      "usage: kubectl dotnetprof [GLOBAL FLAGS] VERB"));

	for (argc = 0; help[argc]; argc++)
		argv[argc] = (char *)(uintptr_t)help[argc];
	cli_parse_globals(&ctx, argc, argv, &h);
	assert_int_equal(h, 1);
}

static void test_prog_name(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(cli_prog_name("/usr/local/bin/kubectl-dotnetprof", buf, sizeof(buf)),
			    "kubectl dotnetprof");
	assert_string_equal(cli_prog_name("kubectl-dotnetprof", buf, sizeof(buf)), "kubectl dotnetprof");
	assert_string_equal(cli_prog_name("./build/dp", buf, sizeof(buf)), "dp");
	assert_string_equal(cli_prog_name(NULL, buf, sizeof(buf)), "kubectl dotnetprof");
}

/* Run a real verb with the words after its name. */
static int run_verb(const struct cli_cmd *cmd, const char *const *words)
{
	static char *argv[32];
	int argc = 0;

	while (words[argc]) {
		argv[argc] = (char *)(uintptr_t)words[argc];
		argc++;
	}
	ctx.cmd = cmd;
	strvec_clear(&ctx.operands); /* a fresh run */
	memset(&ctx.common, 0, sizeof(ctx.common));
	return cmd->fn(argc, argv, &ctx);
}

static void test_real_verbs(void **state)
{
	static const struct cli_cmd trace = { "trace", cmd_trace, &trace_help };
	static const struct cli_cmd dump = { "dump", cmd_dump, &dump_help };
	static const struct cli_cmd fetch = { "fetch", cmd_fetch, &fetch_help };
	static const struct cli_cmd ps = { "ps", cmd_ps, &ps_help };
	const char *const bad_duration[] = { "trace", "sample-app", "--duration", "1h90", NULL };
	const char *const ok_trace[] = { "trace", "--duration=2m", "sample-app", "-o", "t.nettrace",
					 "--format", "speedscope", NULL };
	const char *const bad_type[] = { "dump", "x", "--type", "huge", NULL };
	const char *const fetch_colon[] = { "fetch", "pod:", NULL };
	const char *const fetch_missing[] = { "fetch", "pod", NULL };
	const char *const ps_missing[] = { "ps", "--json", NULL };
	const char *const ps_two[] = { "ps", "a", "b", NULL };
	const char *const ps_both[] = { "ps", "a", "-l", "app=x", NULL };

	(void)state;
	assert_int_equal(run_verb(&trace, bad_duration), DPX_USAGE);
	assert_non_null(strstr(err(), "trace: invalid --duration \"1h90\""));
	/* a valid command line goes on to kubectl (here one that does not exist) */
	free(ctx.kube.program);
	ctx.kube.program = strdup("/nonexistent/kubectl");
	assert_int_equal(run_verb(&trace, ok_trace), DPX_NOKUBECTL);
	assert_non_null(strstr(err(), "/nonexistent/kubectl"));
	assert_int_equal(run_verb(&dump, bad_type), DPX_USAGE);
	assert_non_null(strstr(err(), "invalid value \"huge\" for --type (choose full|heap|mini|triage)"));
	assert_int_equal(run_verb(&fetch, fetch_colon), DPX_USAGE); /* fetch is implemented (issue 4) */
	assert_non_null(strstr(err(), "fetch: missing PATH after \"pod:\""));
	assert_int_equal(run_verb(&fetch, fetch_missing), DPX_USAGE);
	assert_non_null(strstr(err(), "fetch: missing PATH"));
	assert_int_equal(run_verb(&ps, ps_missing), DPX_USAGE);
	assert_non_null(strstr(err(), "ps: missing TARGET"));
	assert_int_equal(run_verb(&ps, ps_two), DPX_USAGE);
	assert_non_null(strstr(err(), "ps: unexpected argument \"b\""));
	assert_int_equal(run_verb(&ps, ps_both), DPX_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_flags_before_and_after, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_double_dash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kube_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help, setup, teardown),
		cmocka_unit_test_setup_teardown(test_globals_before_verb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prog_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_verbs, setup, teardown),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
