/*
 * completion.c - `kubectl dotnetprof completion bash|zsh|fish`: shell completion.
 *
 * The scripts it prints are thin: they hand the words typed so far to
 * `kubectl-dotnetprof completion __complete WORD... CURRENT` and offer what it prints. The same entry
 * serves kubectl's own completion (kubectl >= 1.26 runs `kubectl_complete-dotnetprof ARGS...` from
 * PATH, a one-line script that calls it). Its output is Cobra's __complete format, which kubectl
 * expects from a plugin: one candidate a line, then ":DIRECTIVE" (4: no file completion; 0: the
 * shell may complete file names, for -o and --kubeconfig and the like).
 *
 * Verbs, flags and flag values come from the verbs' help tables, so they cannot drift from --help;
 * pod, workload, container, namespace and context names come from the user's kubectl, run with the
 * kubectl flags typed so far (-n, --context, --kubeconfig, ...) and a short timeout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "completion.h"
#include "exitcodes.h"
#include "kube.h"
#include "proc.h"
#include "verbs.h"

#define DIRECTIVE_DEFAULT 0     /* the shell may fall back to file names */
#define DIRECTIVE_NOFILE 4      /* Cobra's ShellCompDirectiveNoFileComp */
#define KUBECTL_TIMEOUT_MS 5000 /* completion must never hang the shell */

const struct cli_help completion_help = {
	.usage = "completion bash|zsh|fish",
	.summary = "Print a shell completion script (bash, zsh or fish).",
	.description =
		"Completes verbs, flags, flag values, and pod, workload, container, namespace and\n"
		"context names (asked from kubectl with the -n/--context/--kubeconfig typed so far).\n"
		"Load it for the current shell, or install it where the shell looks for completions:\n"
		"  bash: source <(kubectl-dotnetprof completion bash)\n"
		"  zsh:  source <(kubectl-dotnetprof completion zsh)   (after compinit)\n"
		"  fish: kubectl-dotnetprof completion fish | source\n"
		"`kubectl dotnetprof <TAB>` (kubectl 1.26 or later, with kubectl's own completion\n"
		"loaded) uses the kubectl_complete-dotnetprof script that make install puts beside\n"
		"the plugin.\n",
	.examples = "completion bash >~/.local/share/bash-completion/completions/kubectl-dotnetprof\n"
		    "completion zsh >\"${fpath[1]}/_kubectl-dotnetprof\"\n"
		    "completion fish >~/.config/fish/completions/kubectl-dotnetprof.fish",
};

/* Every verb (the same as main.c's commands[]; `help` has no table of its own here). */
static const struct {
	const char *name;
	const struct cli_help *help;
} verbs[] = {
	{ "ps", &ps_help },
	{ "trace", &trace_help },
	{ "counters", &counters_help },
	{ "dump", &dump_help },
	{ "gcdump", &gcdump_help },
	{ "stack", &stack_help },
	{ "report", &report_help },
	{ "fetch", &fetch_help },
	{ "clean", &clean_help },
	{ "version", &version_help },
	{ "completion", &completion_help },
	{ "help", NULL },
};

#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

/* -v, -q, -h: every verb takes them, none takes a value (cli.c keeps its table private). */
static const char *const global_flags[] = { "--verbose", "-v", "--quiet", "-q", "--help", "-h", NULL };

/* What the words typed so far say. */
struct cstate {
	const struct cli_help *verb; /* NULL before the verb (or for help) */
	const char *verb_name;
	const char *pod;             /* the first operand after the verb (TARGET) */
	size_t noperands;            /* operands after the verb */
	struct kube kube;            /* the kubectl flags typed so far */
};

static void emit(const char *cur, const char *prefix, const char *word)
{
	size_t plen = strlen(prefix), clen = strlen(cur);

	/* offer only what extends `cur` ("--format=sp" + "speedscope" -> "--format=speedscope") */
	if (clen <= plen) {
		if (strncmp(prefix, cur, clen))
			return;
	} else if (strncmp(prefix, cur, plen) || strncmp(word, cur + plen, clen - plen)) {
		return;
	}
	printf("%s%s\n", prefix, word);
}

static void emit_flag(const char *cur, char short_name, const char *long_name)
{
	char s[3] = { '-', short_name, 0 };

	emit(cur, "--", long_name);
	if (short_name)
		emit(cur, "", s);
}

static void emit_opts(const char *cur, const struct cli_opt *o)
{
	for (; o && o->id; o++)
		emit_flag(cur, o->short_name, o->long_name);
}

static void emit_all_flags(const char *cur, const struct cli_help *h)
{
	const struct cli_group *g;
	const struct kube_flag *f;
	const char *const *gf;

	for (g = h ? h->groups : NULL; g && g->title; g++)
		emit_opts(cur, g->opts);
	for (gf = global_flags; *gf; gf++)
		emit(cur, "", *gf);
	for (f = kube_flags; f->name; f++)
		emit_flag(cur, f->short_name, f->name);
}

/* A flag of the verb (or a global or kubectl one): its metavar in *metavar; 1 if it takes a value. */
static int flag_info(const struct cli_help *h, const char *word, size_t len, const char **metavar,
		     const char **long_name)
{
	const struct cli_group *g;
	const struct cli_opt *o;
	const struct kube_flag *f;
	int is_long = word[1] == '-';
	const char *name = word + (is_long ? 2 : 1);
	size_t nlen = len - (is_long ? 2 : 1);

	if (!is_long)
		nlen = 1;
	for (f = kube_flags; f->name; f++)
		if (is_long ? strlen(f->name) == nlen && !strncmp(f->name, name, nlen)
			    : f->short_name == *name) {
			*metavar = f->metavar;
			*long_name = f->name;
			return f->takes_value;
		}
	for (g = h ? h->groups : NULL; g && g->title; g++)
		for (o = g->opts; o->id; o++)
			if (is_long ? strlen(o->long_name) == nlen && !strncmp(o->long_name, name, nlen)
				    : o->short_name == *name) {
				*metavar = o->metavar;
				*long_name = o->long_name;
				return o->arg == CLI_ARG;
			}
	*metavar = NULL;
	*long_name = NULL;
	return 0;
}

/* Run kubectl ARGS (with the kubectl flags typed so far); its stdout, or NULL. */
static char *kubectl_out(struct cstate *st, const char *const *args)
{
	struct proc p;
	char *out = NULL;

	proc_init(&p, NULL);
	p.timeout_ms = KUBECTL_TIMEOUT_MS;
	p.err = PROC_IO_NULL;
	if (kube_run(&st->kube, NULL, args, &p) == 0 && p.status == 0 && p.out_buf)
		out = strdup(p.out_buf);
	proc_release(&p);
	return out;
}

/* Each line of `kubectl ... -o name` ("pod/x", "deployment.apps/y"): prefix + what follows '/'. */
static void emit_names(struct cstate *st, const char *cur, const char *prefix,
		       const char *const *args)
{
	char *out = kubectl_out(st, args), *line, *next, *slash;

	for (line = out; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		else
			next = line + strlen(line);
		slash = strchr(line, '/');
		if (*line)
			emit(cur, prefix, slash ? slash + 1 : line);
	}
	free(out);
}

static const struct {
	const char *prefix;
	const char *resource;
} kinds[] = {
	{ "pod/", "pods" },
	{ "deploy/", "deployments" },
	{ "deployment/", "deployments" },
	{ "sts/", "statefulsets" },
	{ "statefulset/", "statefulsets" },
	{ "ds/", "daemonsets" },
	{ "daemonset/", "daemonsets" },
	{ "rs/", "replicasets" },
	{ "replicaset/", "replicasets" },
};

static void emit_targets(struct cstate *st, const char *cur)
{
	const char *pods[] = { "get", "pods", "-o", "name", NULL };
	const char *args[] = { "get", NULL, "-o", "name", NULL };
	size_t i, plen;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		plen = strlen(kinds[i].prefix);
		if (!strncmp(cur, kinds[i].prefix, plen)) {
			args[1] = kinds[i].resource;
			emit_names(st, cur, kinds[i].prefix, args);
			return;
		}
	}
	emit_names(st, cur, "", pods);
}

static void emit_containers(struct cstate *st, const char *cur, const char *prefix)
{
	const char *args[] = { "get", "pod", NULL, "-o",
			       "jsonpath={range .spec.containers[*]}{.name}{\"\\n\"}{end}", NULL };

	if (!st->pod)
		return;
	args[2] = !strncmp(st->pod, "pod/", 4) ? st->pod + 4 : st->pod;
	if (strchr(args[2], '/'))
		return; /* a workload: its pods' containers are not known without resolving it */
	emit_names(st, cur, prefix, args);
}

/* Values of a flag; returns the directive. */
static int emit_values(struct cstate *st, const char *long_name, const char *metavar,
		       const char *cur, const char *prefix)
{
	const char *ns_args[] = { "get", "namespaces", "-o", "name", NULL };
	const char *ctx_args[] = { "config", "get-contexts", "-o", "name", NULL };
	const char *choice, *bar;
	char buf[64];

	if (!strcmp(long_name, "namespace")) {
		emit_names(st, cur, prefix, ns_args);
	} else if (!strcmp(long_name, "context")) {
		emit_names(st, cur, prefix, ctx_args);
	} else if (!strcmp(long_name, "container")) {
		emit_containers(st, cur, prefix);
	} else if (metavar && strchr(metavar, '|')) {
		for (choice = metavar; *choice; choice = *bar ? bar + 1 : bar) {
			bar = strchr(choice, '|');
			if (!bar)
				bar = choice + strlen(choice);
			if ((size_t)(bar - choice) < sizeof(buf)) {
				memcpy(buf, choice, (size_t)(bar - choice));
				buf[bar - choice] = 0;
				emit(cur, prefix, buf);
			}
		}
	} else if (metavar && (!strcmp(metavar, "FILE") || !strcmp(metavar, "PATH") ||
			       !strcmp(metavar, "LOCAL") || !strcmp(metavar, "DIR"))) {
		return DIRECTIVE_DEFAULT;
	}
	return DIRECTIVE_NOFILE;
}

static const struct cli_help *find_verb(const char *name)
{
	size_t i;

	for (i = 0; i < NVERBS; i++)
		if (!strcmp(verbs[i].name, name))
			return verbs[i].help ? verbs[i].help : &completion_help;
	return NULL;
}

static void note_kube_flag(struct cstate *st, const char *long_name, const char *value)
{
	const struct kube_flag *f = kube_flag_find(long_name, 0);
	char err[128];

	if (f)
		(void)kube_set_flag(&st->kube, f, value, err, sizeof(err));
}

/* words[0..n-2] typed, words[n-1] being completed. Prints candidates; returns the directive. */
static int complete(struct cstate *st, int n, char **words)
{
	const char *cur = n > 0 ? words[n - 1] : "", *metavar, *long_name, *eq;
	const char *pending = NULL, *pending_meta = NULL;
	int i, dashdash = 0;
	size_t len;

	for (i = 0; i < n - 1; i++) {
		const char *w = words[i];

		if (pending && !strcmp(w, "=")) {
			continue; /* bash splits --flag=value at '=' (COMP_WORDBREAKS) */
		} else if (pending) {
			note_kube_flag(st, pending, w);
			pending = NULL;
			continue;
		}
		if (!dashdash && !strcmp(w, "--")) {
			dashdash = 1;
		} else if (!dashdash && w[0] == '-' && w[1]) {
			eq = strchr(w, '=');
			len = eq ? (size_t)(eq - w) : strlen(w);
			if (flag_info(st->verb, w, len, &metavar, &long_name)) {
				if (eq)
					note_kube_flag(st, long_name, eq + 1);
				else if (w[1] != '-' && w[2])
					note_kube_flag(st, long_name, w + 2); /* -nNS */
				else
					pending = long_name, pending_meta = metavar;
			}
		} else if (!st->verb_name) {
			st->verb_name = w;
			st->verb = find_verb(w);
		} else {
			if (!st->noperands++)
				st->pod = w;
		}
	}
	if (pending)
		return emit_values(st, pending, pending_meta, cur, "");
	if (!dashdash && cur[0] == '-') {
		eq = strchr(cur, '=');
		if (eq && flag_info(st->verb, cur, (size_t)(eq - cur), &metavar, &long_name)) {
			char prefix[128];

			if (snprintf(prefix, sizeof(prefix), "%.*s", (int)(eq - cur + 1), cur) >=
			    (int)sizeof(prefix))
				return DIRECTIVE_NOFILE;
			return emit_values(st, long_name, metavar, cur, prefix);
		}
		emit_all_flags(cur, st->verb_name ? st->verb : NULL);
		return DIRECTIVE_NOFILE;
	}
	if (!st->verb_name) {
		for (i = 0; i < (int)NVERBS; i++)
			emit(cur, "", verbs[i].name);
		return DIRECTIVE_NOFILE;
	}
	if (!strcmp(st->verb_name, "help")) {
		if (!st->noperands)
			for (i = 0; i < (int)NVERBS; i++)
				emit(cur, "", verbs[i].name);
		return DIRECTIVE_NOFILE;
	}
	if (st->verb == &completion_help) {
		if (!st->noperands) {
			emit(cur, "", "bash");
			emit(cur, "", "zsh");
			emit(cur, "", "fish");
		}
		return DIRECTIVE_NOFILE;
	}
	if (st->verb == &report_help)
		return st->noperands ? DIRECTIVE_NOFILE : DIRECTIVE_DEFAULT;   /* FILE: a local file */
	if (st->verb && st->verb->takes_target && !st->noperands)
		emit_targets(st, cur);
	return DIRECTIVE_NOFILE;
}

int cmd_completion(int argc, char **argv, struct cli_ctx *ctx)
{
	struct cstate st;
	const char *shell;
	int directive;

	if (argc >= 2 && !strcmp(argv[1], "__complete")) {
		memset(&st, 0, sizeof(st));
		if (kube_init(&st.kube) < 0)
			return DPX_ERROR;
		log_set_level(LOG_QUIET);
		directive = complete(&st, argc - 2, argv + 2);
		printf(":%d\n", directive);
		kube_release(&st.kube);
		return DPX_OK;
	}
	if (cli_parse(ctx, argc, argv, NULL, NULL) < 0)
		return ctx->exit_code;
	if (cli_check_operands(ctx, 1, 1, "SHELL (bash, zsh or fish)") < 0)
		return ctx->exit_code;
	shell = ctx->operands.v[0];
	if (!strcmp(shell, "bash"))
		fputs(completion_bash, ctx->out);
	else if (!strcmp(shell, "zsh"))
		fputs(completion_zsh, ctx->out);
	else if (!strcmp(shell, "fish"))
		fputs(completion_fish, ctx->out);
	else
		return cli_usage_error(ctx, "unknown shell \"%s\" (bash, zsh or fish)", shell),
		       ctx->exit_code;
	return DPX_OK;
}
