/*
 * cli.c - the flag parser, the shared option groups, help and usage printing.
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "exitcodes.h"
#include "target.h"

const struct cli_opt cli_opts_target[] = {
	{ CLI_ID_CONTAINER, 'c', "container", CLI_ARG, "NAME",
	  "container (default: the pod's kubectl.kubernetes.io/default-container annotation, else "
	  "its only container)" },
	{ CLI_ID_SELECTOR, 'l', "selector", CLI_ARG, "SELECTOR",
	  "pods by label selector instead of TARGET (app=api,tier!=db)" },
	{ 0, 0, NULL, CLI_NOARG, NULL, NULL },
};

const struct cli_opt cli_opts_process[] = {
	{ CLI_ID_PID, 'p', "pid", CLI_ARG, "PID", "the .NET process, by pid inside the container" },
	{ CLI_ID_PROCESS_NAME, 0, "process-name", CLI_ARG, "NAME",
	  "the .NET process, by name (needed when the container runs several)" },
	{ 0, 0, NULL, CLI_NOARG, NULL, NULL },
};

const struct cli_opt cli_opts_output[] = {
	{ CLI_ID_OUTPUT, 'o', "output", CLI_ARG, "PATH",
	  "where to write the result: a file, or a directory for the default name" },
	{ CLI_ID_FORCE, 0, "force", CLI_NOARG, NULL, "overwrite an existing output file" },
	{ CLI_ID_KEEP, 0, "keep", CLI_NOARG, NULL, "leave the artifact in the pod after copying it" },
	{ 0, 0, NULL, CLI_NOARG, NULL, NULL },
};

const struct cli_opt cli_opts_tools[] = {
	{ CLI_ID_DOWNLOAD, 0, "download", CLI_ARG, "auto|local|pod",
	  "how the tool gets into the pod: local = from the local cache, pushed over exec; pod = "
	  "downloaded by curl/wget in the pod; auto (default) = the local cache (a matching copy in "
	  "the pod is reused), else a matching copy in the pod, else the pod's curl/wget, else a "
	  "download here" },
	{ CLI_ID_TOOLS_URL, 0, "tools-url", CLI_ARG, "URL",
	  "base URL of the tools (default $DOTNETPROF_TOOLS_URL, else https://aka.ms)" },
	{ CLI_ID_REFRESH, 0, "refresh", CLI_NOARG, NULL,
	  "download the tool again (into the local cache, or in the pod) and replace the pod's copy" },
	{ 0, 0, NULL, CLI_NOARG, NULL, NULL },
};

const struct cli_opt cli_opts_engine[] = {
	{ CLI_ID_ENGINE, 0, "engine", CLI_ARG, "agent|tools",
	  "what runs in the pod: agent (default, or $DOTNETPROF_ENGINE) = dotnetprof-agent, about "
	  "100 KB of static C this plugin carries, which needs no .NET in the container; tools = "
	  "Microsoft's dotnet-trace, dotnet-dump or dotnet-stack (see Tool flags)" },
	{ 0, 0, NULL, CLI_NOARG, NULL, NULL },
};

const struct cli_opt cli_opts_debug[] = {
	{ CLI_ID_DEBUG_CONTAINER, 0, "debug-container", CLI_NOARG, NULL,
	  "go through an ephemeral debug container (kubectl debug) even when the container could run "
	  "the agent itself; by default one is used only when the container has no shell, or no "
	  "directory both writable and allowing exec ($DOTNETPROF_DEBUG_CONTAINER=auto|always|never)" },
	{ CLI_ID_NO_DEBUG_CONTAINER, 0, "no-debug-container", CLI_NOARG, NULL,
	  "never make or use one: stop where one would be needed" },
	{ CLI_ID_DEBUG_IMAGE, 0, "debug-image", CLI_ARG, "IMAGE",
	  "its image (default $DOTNETPROF_DEBUG_IMAGE, else docker.io/library/busybox:1.36.1): any "
	  "image with sh, cat and sleep, such as a mirror in your own registry; counters, gcdump and "
	  "--engine tools need one with the .NET runtime (mcr.microsoft.com/dotnet/runtime:10.0)" },
	{ CLI_ID_DEBUG_PROFILE, 0, "debug-profile", CLI_ARG, "auto|restricted|baseline|general",
	  "its user and capabilities: restricted = the app's user, no capabilities (allowed at "
	  "every Pod Security level); baseline = root; general = root with SYS_PTRACE; auto "
	  "(default) = restricted for a non-root app, baseline for a root one, general when the "
	  "pod's spec does not say" },
	{ 0, 0, NULL, CLI_NOARG, NULL, NULL },
};

static const struct cli_opt global_opts[] = {
	{ CLI_ID_VERBOSE, 'v', "verbose", CLI_NOARG, NULL,
	  "print every kubectl command before it runs (-vv: and what it returned)" },
	{ CLI_ID_QUIET, 'q', "quiet", CLI_NOARG, NULL, "print only errors and results" },
	{ CLI_ID_HELP, 'h', "help", CLI_NOARG, NULL, "print this help" },
	{ 0, 0, NULL, CLI_NOARG, NULL, NULL },
};

static const char target_text[] =
	"TARGET:\n"
	"  POD, pod/POD            a pod\n"
	"  deploy/NAME             the pods of a deployment (also deployment/NAME)\n"
	"  sts/NAME, ds/NAME       the pods of a statefulset or a daemonset\n"
	"  rs/NAME                 the pods of a replicaset\n"
	"  -l SELECTOR             the pods matching a label selector\n"
	"  Only Running pods count. When several pods or containers match and none is chosen,\n"
	"  the command stops and lists them.\n";

const char *cli_prog_name(const char *argv0, char *buf, size_t bufsize)
{
	const char *base = argv0 ? strrchr(argv0, '/') : NULL;

	base = base ? base + 1 : (argv0 && *argv0 ? argv0 : "kubectl-dotnetprof");
	if (!strncmp(base, "kubectl-", 8) && base[8]) {
		if ((size_t)snprintf(buf, bufsize, "kubectl %s", base + 8) >= bufsize)
			return "kubectl dotnetprof";
		return buf;
	}
	if ((size_t)snprintf(buf, bufsize, "%s", base) >= bufsize)
		return "kubectl dotnetprof";
	return buf;
}

int cli_ctx_init(struct cli_ctx *ctx, const char *prog)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->prog = prog;
	ctx->out = stdout;
	strvec_init(&ctx->operands);
	return kube_init(&ctx->kube);
}

void cli_ctx_release(struct cli_ctx *ctx)
{
	kube_release(&ctx->kube);
	strvec_clear(&ctx->operands);
}

void cli_print_usage(const struct cli_ctx *ctx, FILE *out)
{
	if (ctx->cmd)
		fprintf(out, "usage: %s %s\n", ctx->prog, ctx->cmd->help->usage);
	else
		fprintf(out, "usage: %s [GLOBAL FLAGS] VERB [TARGET] [FLAGS]\n", ctx->prog);
}

int cli_usage_error(struct cli_ctx *ctx, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap); /* a truncated message is still a message */
	va_end(ap);
	if (ctx->cmd)
		log_error("%s: %s", ctx->cmd->name, msg);
	else
		log_error("%s", msg);
	cli_print_usage(ctx, log_stream());
	ctx->exit_code = DPX_USAGE;
	return -1;
}

#define HELP_COLUMN 31
#define HELP_WIDTH 100

/* Print `text` from column HELP_COLUMN, wrapped at HELP_WIDTH on spaces. */
static void print_wrapped(FILE *out, const char *text)
{
	const size_t room = HELP_WIDTH - HELP_COLUMN;
	const char *s = text;

	while (*s) {
		size_t n = strlen(s), cut = n;

		if (n > room) {
			for (cut = room; cut > 0 && s[cut] != ' '; cut--)
				;
			if (!cut)
				cut = room;
		}
		fprintf(out, "%.*s\n", (int)cut, s);
		s += cut;
		while (*s == ' ')
			s++;
		if (*s)
			fprintf(out, "%*s", HELP_COLUMN, "");
	}
}

/* One flag line: "  -c, --container NAME" padded to a column, then its help. */
static void print_flag(FILE *out, char short_name, const char *long_name, const char *metavar,
		       const char *help)
{
	char left[96];
	int n;

	if (short_name)
		n = snprintf(left, sizeof(left), "  -%c, --%s%s%s", short_name, long_name,
			     metavar ? " " : "", metavar ? metavar : "");
	else
		n = snprintf(left, sizeof(left), "      --%s%s%s", long_name, metavar ? " " : "",
			     metavar ? metavar : "");
	if (n < 0)
		return;
	if (n < HELP_COLUMN - 1)
		fprintf(out, "%-*s", HELP_COLUMN, left);
	else
		fprintf(out, "%s\n%*s", left, HELP_COLUMN, "");
	print_wrapped(out, help);
}

static void print_opts(FILE *out, const struct cli_opt *o)
{
	for (; o->id; o++)
		print_flag(out, o->short_name, o->long_name, o->arg == CLI_ARG ? o->metavar : NULL,
			   o->help);
}

void cli_print_global_flags(FILE *out)
{
	const struct kube_flag *f;

	fputs("Global flags (every verb, also before the verb):\n", out);
	print_opts(out, global_opts);
	fputs("\nkubectl flags (passed to every kubectl command):\n", out);
	for (f = kube_flags; f->name; f++)
		print_flag(out, f->short_name, f->name, f->takes_value ? f->metavar : NULL, f->help);
}

void cli_print_help(const struct cli_ctx *ctx, FILE *out)
{
	const struct cli_help *h = ctx->cmd->help;
	const struct cli_group *g;
	const char *e, *nl;

	fprintf(out, "usage: %s %s\n\n%s\n", ctx->prog, h->usage, h->summary);
	if (h->description)
		fprintf(out, "\n%s", h->description);
	if (h->takes_target)
		fprintf(out, "\n%s", target_text);
	for (g = h->groups; g && g->title; g++) {
		fprintf(out, "\n%s:\n", g->title);
		print_opts(out, g->opts);
	}
	fputc('\n', out);
	cli_print_global_flags(out);
	if (h->examples) {
		fputs("\nExamples:\n", out);
		for (e = h->examples; *e; e = nl ? nl + 1 : e + strlen(e)) {
			nl = strchr(e, '\n');
			fprintf(out, "  %s %.*s\n", ctx->prog, (int)(nl ? nl - e : (long)strlen(e)), e);
		}
	}
}

/* What a flag name resolved to: one of our options, or a kubectl flag. */
struct match {
	const struct cli_opt *opt;
	const struct kube_flag *kf;
};

static int find_in(const struct cli_opt *o, const char *name, size_t len, char c,
		   struct match *m)
{
	for (; o && o->id; o++)
		if ((c && o->short_name == c) ||
		    (!c && strlen(o->long_name) == len && !strncmp(o->long_name, name, len))) {
			m->opt = o;
			return 1;
		}
	return 0;
}

static int find(const struct cli_ctx *ctx, const char *name, size_t len, char c, struct match *m)
{
	const struct cli_group *g;
	const struct kube_flag *f;

	m->opt = NULL;
	m->kf = NULL;
	for (g = ctx->cmd ? ctx->cmd->help->groups : NULL; g && g->title; g++)
		if (find_in(g->opts, name, len, c, m))
			return 1;
	if (find_in(global_opts, name, len, c, m))
		return 1;
	for (f = kube_flags; f->name; f++)
		if ((c && f->short_name == c) ||
		    (!c && strlen(f->name) == len && !strncmp(f->name, name, len))) {
			m->kf = f;
			return 1;
		}
	return 0;
}

/* Apply a global or shared option; hand the verb's own to on_opt. */
static int apply(struct cli_ctx *ctx, const struct match *m, const char *value,
		 int (*on_opt)(struct cli_ctx *, int, const char *, void *), void *data, int *help)
{
	struct cli_common *c = &ctx->common;
	char err[256];
	const char *errstr = NULL;

	if (m->kf) {
		if (kube_set_flag(&ctx->kube, m->kf, value, err, sizeof(err)) < 0)
			return cli_usage_error(ctx, "%s", err);
		return 0;
	}
	switch (m->opt->id) {
	case CLI_ID_HELP:
		*help = 1;
		return 0;
	case CLI_ID_VERBOSE:
		ctx->verbosity = ctx->verbosity < 0 ? 1 : ctx->verbosity + 1;
		log_set_level(ctx->verbosity >= 2 ? LOG_DEBUG : LOG_VERBOSE);
		return 0;
	case CLI_ID_QUIET:
		ctx->verbosity = -1;
		log_set_level(LOG_QUIET);
		return 0;
	case CLI_ID_CONTAINER:
		if (!*value)
			return cli_usage_error(ctx, "empty container name");
		c->container = value;
		return 0;
	case CLI_ID_SELECTOR:
		c->selector = value;
		return 0;
	case CLI_ID_PID:
		c->pid = strtonum(value, 1, 0x7fffffff, &errstr);
		if (errstr)
			return cli_usage_error(ctx, "invalid pid \"%s\": %s", value, errstr);
		return 0;
	case CLI_ID_PROCESS_NAME:
		c->process_name = value;
		return 0;
	case CLI_ID_OUTPUT:
		if (!*value)
			return cli_usage_error(ctx, "empty output path");
		c->output = value;
		return 0;
	case CLI_ID_FORCE:
		c->force = 1;
		return 0;
	case CLI_ID_KEEP:
		c->keep = 1;
		return 0;
	case CLI_ID_REFRESH:
		c->refresh = 1;
		return 0;
	case CLI_ID_DOWNLOAD:
		c->download = value;
		return cli_check_choice(ctx, "--download", value, "auto|local|pod");
	case CLI_ID_TOOLS_URL:
		c->tools_url = value;
		return 0;
	case CLI_ID_ENGINE:
		c->engine = value;
		return cli_check_choice(ctx, "--engine", value, "agent|tools");
	case CLI_ID_DEBUG_CONTAINER:
	case CLI_ID_NO_DEBUG_CONTAINER:
		c->debug = m->opt->id == CLI_ID_DEBUG_CONTAINER ? "always" : "never";
		return 0;
	case CLI_ID_DEBUG_IMAGE:
		if (!*value)
			return cli_usage_error(ctx, "empty --debug-image");
		c->debug_image = value;
		return 0;
	case CLI_ID_DEBUG_PROFILE:
		c->debug_profile = value;
		return cli_check_choice(ctx, "--debug-profile", value,
					"auto|restricted|baseline|general");
	default:
		break;
	}
	if (on_opt)
		return on_opt(ctx, m->opt->id, value, data);
	return cli_usage_error(ctx, "flag --%s is not handled", m->opt->long_name);
}

static int takes_value(const struct match *m)
{
	return m->kf ? m->kf->takes_value : m->opt->arg == CLI_ARG;
}

/*
 * The engine: parse argv[start..]. With stop_at_operand, return the index of the first operand;
 * otherwise collect operands and return argc. -1 on usage error. Stops early when help is seen.
 */
static int parse(struct cli_ctx *ctx, int argc, char **argv, int start, int stop_at_operand,
		 int (*on_opt)(struct cli_ctx *, int, const char *, void *), void *data, int *help)
{
	int i, flags_done = 0;

	for (i = start; i < argc && !*help; i++) {
		const char *a = argv[i];
		struct match m;

		if (flags_done || a[0] != '-' || !a[1]) {
			if (stop_at_operand)
				return i;
			if (strvec_push(&ctx->operands, a) < 0)
				return cli_usage_error(ctx, "out of memory");
			continue;
		}
		if (!strcmp(a, "--")) {
			flags_done = 1;
			if (stop_at_operand)
				return i + 1 < argc ? i + 1 : argc;
			continue;
		}
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const char *value = eq ? eq + 1 : NULL;

			if (!find(ctx, name, len, 0, &m))
				return cli_usage_error(ctx, "unknown flag \"--%.*s\"", (int)len, name);
			if (takes_value(&m) && !value) {
				if (i + 1 >= argc)
					return cli_usage_error(ctx, "flag --%.*s needs a value", (int)len,
							       name);
				value = argv[++i];
			} else if (!takes_value(&m) && value && !m.kf) {
				return cli_usage_error(ctx, "flag --%.*s takes no value", (int)len, name);
			}
			if (apply(ctx, &m, value, on_opt, data, help) < 0)
				return -1;
			continue;
		}
		for (a++; *a && !*help; a++) {
			const char *value = NULL;

			if (!find(ctx, NULL, 0, *a, &m))
				return cli_usage_error(ctx, "unknown flag \"-%c\"", *a);
			if (takes_value(&m)) {
				value = a[1] == '=' ? a + 2 : a + 1;
				if (!*value && !(a[1] == '=')) {
					if (i + 1 >= argc)
						return cli_usage_error(ctx, "flag -%c needs a value", *a);
					value = argv[++i];
				}
				if (apply(ctx, &m, value, on_opt, data, help) < 0)
					return -1;
				break;
			}
			if (apply(ctx, &m, NULL, on_opt, data, help) < 0)
				return -1;
		}
	}
	return argc;
}

int cli_parse_globals(struct cli_ctx *ctx, int argc, char **argv, int *help)
{
	*help = 0;
	return parse(ctx, argc, argv, 1, 1, NULL, NULL, help);
}

int cli_parse(struct cli_ctx *ctx, int argc, char **argv,
	      int (*on_opt)(struct cli_ctx *, int, const char *, void *), void *data)
{
	int help = 0;

	if (parse(ctx, argc, argv, 1, 0, on_opt, data, &help) < 0)
		return -1;
	if (help) {
		cli_print_help(ctx, ctx->out);
		ctx->exit_code = DPX_OK;
		return -1;
	}
	return 0;
}

int cli_check_choice(struct cli_ctx *ctx, const char *flag, const char *value, const char *choices)
{
	const char *s = choices;
	size_t len = strlen(value);

	while (*s) {
		const char *bar = strchr(s, '|');
		size_t n = bar ? (size_t)(bar - s) : strlen(s);

		if (n == len && !strncmp(s, value, n))
			return 0;
		s += n + (bar ? 1 : 0);
	}
	return cli_usage_error(ctx, "invalid value \"%s\" for %s (choose %s)", value, flag, choices);
}

int cli_check_operands(struct cli_ctx *ctx, size_t min, long max, const char *what)
{
	if (ctx->operands.n < min)
		return cli_usage_error(ctx, "missing %s", what);
	if (max >= 0 && ctx->operands.n > (size_t)max)
		return cli_usage_error(ctx, "unexpected argument \"%s\"", ctx->operands.v[max]);
	return 0;
}

int cli_target(struct cli_ctx *ctx, struct target_spec *t, size_t nextra, const char *extra_what)
{
	size_t have_target = ctx->common.selector ? 0 : 1;
	const char *arg = have_target && ctx->operands.n ? ctx->operands.v[0] : NULL;
	char err[256];

	if (!ctx->common.selector && !ctx->operands.n)
		return cli_usage_error(ctx, "missing TARGET (a pod, TYPE/NAME, or -l SELECTOR)");
	if (cli_check_operands(ctx, have_target + nextra, (long)(have_target + nextra),
			       extra_what ? extra_what : "TARGET") < 0)
		return -1;
	if (target_spec_parse(t, arg, ctx->common.selector, err, sizeof(err)) < 0)
		return cli_usage_error(ctx, "%s", err);
	return 0;
}
