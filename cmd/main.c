/*
 * main.c - kubectl-dotnetprof's entry: global flags, the verb table, dispatch, exit.
 *
 * `kubectl dotnetprof [GLOBAL FLAGS] VERB [TARGET] [FLAGS]`. kubectl runs us as kubectl-dotnetprof
 * with the remaining arguments and an unchanged environment.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli.h"
#include "download.h"
#include "exitcodes.h"
#include "interrupt.h"
#include "log.h"
#include "verbs.h"

static int cmd_help(int argc, char **argv, struct cli_ctx *ctx);

static const struct cli_help help_help = {
	.usage = "help [VERB]",
	.summary = "Show the help of a verb (the same as VERB --help).",
	.groups = NULL,
	.examples = "help trace",
};

static const struct cli_cmd commands[] = {
	{ "ps", cmd_ps, &ps_help },
	{ "trace", cmd_trace, &trace_help },
	{ "counters", cmd_counters, &counters_help },
	{ "dump", cmd_dump, &dump_help },
	{ "gcdump", cmd_gcdump, &gcdump_help },
	{ "stack", cmd_stack, &stack_help },
	{ "report", cmd_report, &report_help },
	{ "fetch", cmd_fetch, &fetch_help },
	{ "clean", cmd_clean, &clean_help },
	{ "version", cmd_version, &version_help },
	{ "completion", cmd_completion, &completion_help },
	{ "help", cmd_help, &help_help },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct cli_cmd *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void print_main_help(const struct cli_ctx *ctx, FILE *out)
{
	size_t i;

	fprintf(out,
		"usage: %s [GLOBAL FLAGS] VERB [TARGET] [FLAGS]\n\n"
		"Profile .NET applications running in Kubernetes pods: list their processes, collect\n"
		"traces, counters, dumps and stacks (with the plugin's own agent or Microsoft's\n"
		"diagnostics tools), and copy the results out, verified. Needs only kubectl and RBAC\n"
		"for pods get (and list, for workload and -l targets) and pods/exec create.\n\n"
		"Verbs:\n", ctx->prog);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help->summary);
	fputc('\n', out);
	cli_print_global_flags(out);
	fprintf(out, "\nRun '%s VERB --help' for the flags of a verb.\n", ctx->prog);
}

static int cmd_help(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cli_cmd *cmd;

	if (cli_parse(ctx, argc, argv, NULL, NULL) < 0)
		return ctx->exit_code;
	if (cli_check_operands(ctx, 0, 1, "VERB") < 0)
		return ctx->exit_code;
	if (!ctx->operands.n) {
		print_main_help(ctx, ctx->out);
		return DPX_OK;
	}
	cmd = find_command(ctx->operands.v[0]);
	if (!cmd)
		return cli_usage_error(ctx, "unknown verb \"%s\"", ctx->operands.v[0]), ctx->exit_code;
	ctx->cmd = cmd;
	cli_print_help(ctx, ctx->out);
	return DPX_OK;
}

/* Children and pipes must never land on a closed 0/1/2. */
static void ensure_std_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

/*
 * This process's peak resident memory in KiB: VmHWM of /proc/self/status where there is one (it
 * starts again at execve; getrusage's ru_maxrss does not, so when kubectl runs us as a plugin it
 * would report kubectl's own ~40 MiB), else ru_maxrss. -1 when unknown.
 */
static long peak_rss_kib(const struct rusage *ru)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
				break;
		fclose(f);
	}
	if (kib >= 0)
		return kib;
#ifdef __APPLE__
	return ru->ru_maxrss / 1024; /* bytes there */
#else
	return ru->ru_maxrss;        /* KiB on Linux and the BSDs */
#endif
}

/* -v: this process's peak memory and CPU (kubectl and the pod are other processes), e.g. for bench/. */
static void log_resources(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return;
	log_verbose("peak memory %.1f MiB, CPU %.2f s (this process; kubectl and the pod not counted)",
		    (double)peak_rss_kib(&ru) / 1024.0,
		    (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
			    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
}

int main(int argc, char **argv)
{
	struct cli_ctx ctx;
	char progbuf[256];
	const struct cli_cmd *cmd;
	int verb, help = 0, rc;

	ensure_std_fds();
	signal(SIGPIPE, SIG_IGN);
	interrupt_install();
	if (cli_ctx_init(&ctx, cli_prog_name(argv[0], progbuf, sizeof(progbuf))) < 0) {
		log_error("cannot start: out of memory");
		return DPX_ERROR;
	}
	verb = cli_parse_globals(&ctx, argc, argv, &help);
	if (verb < 0) {
		rc = ctx.exit_code;
		goto out;
	}
	if (help) {
		print_main_help(&ctx, stdout);
		rc = DPX_OK;
		goto out;
	}
	if (verb >= argc) {
		log_error("missing verb");
		cli_print_usage(&ctx, stderr);
		fprintf(stderr, "run '%s --help' for the list of verbs\n", ctx.prog);
		rc = DPX_USAGE;
		goto out;
	}
	cmd = find_command(argv[verb]);
	if (!cmd) {
		log_error("unknown verb \"%s\"", argv[verb]);
		cli_print_usage(&ctx, stderr);
		fprintf(stderr, "run '%s --help' for the list of verbs\n", ctx.prog);
		rc = DPX_USAGE;
		goto out;
	}
	ctx.cmd = cmd;
	if (download_global_init() < 0) {
		log_error("cannot start: libcurl failed to initialise");
		rc = DPX_ERROR;
		goto out;
	}
	rc = cmd->fn(argc - verb, argv + verb, &ctx);
	download_global_cleanup();
	log_resources();
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_error("cannot write the output: write error on stdout");
		if (rc == DPX_OK)
			rc = DPX_ERROR;
	}
out:
	cli_ctx_release(&ctx);
	return rc;
}
