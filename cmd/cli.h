/*
 * cli.h - command-line parsing and help shared by every verb.
 *
 * getopt_long semantics, implemented here so that it behaves the same on glibc and macOS and keeps no
 * global state (testable): short flags (-c NAME, -cNAME, -c=NAME, clusters like -vv), long flags
 * (--flag VALUE, --flag=VALUE), flags before or after operands, "--" ends flags, "-" is an operand.
 *
 * Every verb accepts the global flags (-v/-vv, -q, -h, and the kubectl pass-through flags of
 * kube_flags[]); main.c also accepts them before the verb. Options of the shared groups below
 * (cli_opts_target, ...) are stored in ctx->common; a verb's own options (ids >= CLI_ID_VERB) are
 * handed to its callback.
 *
 * To add a verb: write cmd/<verb>.c with `int cmd_<verb>(int argc, char **argv, struct cli_ctx *ctx)`
 * and a `const struct cli_help <verb>_help`, declare both in cmd/verbs.h, add a row to commands[] in
 * cmd/main.c.
 */
#ifndef DOTNETPROF_CLI_H
#define DOTNETPROF_CLI_H

#include <stdio.h>

#include "kube.h"
#include "log.h"
#include "strvec.h"

enum cli_arg {
	CLI_NOARG,   /* --flag */
	CLI_ARG,     /* --flag VALUE, --flag=VALUE */
};

enum cli_id {
	CLI_ID_NONE = 0,
	/* global */
	CLI_ID_HELP, CLI_ID_VERBOSE, CLI_ID_QUIET,
	/* shared groups, stored in struct cli_common */
	CLI_ID_CONTAINER, CLI_ID_SELECTOR, CLI_ID_PID, CLI_ID_PROCESS_NAME, CLI_ID_OUTPUT,
	CLI_ID_FORCE, CLI_ID_KEEP, CLI_ID_DOWNLOAD, CLI_ID_TOOLS_URL, CLI_ID_REFRESH, CLI_ID_ENGINE,
	CLI_ID_DEBUG_CONTAINER, CLI_ID_NO_DEBUG_CONTAINER, CLI_ID_DEBUG_IMAGE, CLI_ID_DEBUG_PROFILE,
	/* verbs number their own options from here */
	CLI_ID_VERB = 100,
};

struct cli_opt {
	int id;
	char short_name;       /* 0: none */
	const char *long_name;
	enum cli_arg arg;
	const char *metavar;   /* shown in help for CLI_ARG */
	const char *help;
};

struct cli_group {
	const char *title;            /* "Flags", "Process selection", ... */
	const struct cli_opt *opts;   /* terminated by an entry with id 0 */
};

struct cli_help {
	const char *usage;       /* synopsis after the program name: "ps TARGET [-c NAME] [--all]" */
	const char *summary;     /* one line for the verb list */
	const char *description; /* paragraphs, lines already wrapped, may be NULL */
	int takes_target;        /* print the shared TARGET section */
	const struct cli_group *groups; /* the verb's flags; terminated by { NULL, NULL } */
	const char *examples;    /* lines of arguments after the program name, '\n'-separated */
};

struct cli_ctx;

struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct cli_ctx *ctx);
	const struct cli_help *help;
};

/* Values of the shared option groups; strings point into argv. */
struct cli_common {
	const char *container;     /* -c */
	const char *selector;      /* -l */
	long long pid;             /* -p; 0 when not given */
	const char *process_name;  /* --process-name */
	const char *output;        /* -o */
	int force, keep, refresh;
	const char *download;      /* --download auto|local|pod (NULL: auto) */
	const char *tools_url;     /* --tools-url */
	const char *engine;        /* --engine agent|tools (NULL: $DOTNETPROF_ENGINE, else agent) */
	const char *debug;         /* "always" (--debug-container), "never" (--no-debug-container);
				      NULL: $DOTNETPROF_DEBUG_CONTAINER, else auto */
	const char *debug_image;   /* --debug-image */
	const char *debug_profile; /* --debug-profile auto|restricted|baseline|general */
};

struct cli_ctx {
	const char *prog;          /* "kubectl dotnetprof" (see cli_prog_name) */
	const struct cli_cmd *cmd; /* the verb running; NULL before dispatch */
	struct kube kube;
	int verbosity;             /* -1 with -q, else the number of -v */
	struct cli_common common;
	struct strvec operands;    /* the verb's operands, in order */
	int exit_code;             /* set when cli_parse() stops */
	FILE *out;                 /* help and results (stdout) */
};

/* Shared option groups a verb may list in its help groups. */
extern const struct cli_opt cli_opts_target[];   /* -c, -l */
extern const struct cli_opt cli_opts_process[];  /* -p, --process-name */
extern const struct cli_opt cli_opts_output[];   /* -o, --force, --keep */
extern const struct cli_opt cli_opts_tools[];    /* --download, --tools-url, --refresh */
extern const struct cli_opt cli_opts_engine[];   /* --engine (trace, dump, stack) */
extern const struct cli_opt cli_opts_debug[];    /* --debug-container, --debug-image, ... */

/* "kubectl dotnetprof" for an argv[0] whose basename is kubectl-dotnetprof; else the basename. */
const char *cli_prog_name(const char *argv0, char *buf, size_t bufsize);

/* Set up / free a context. cli_ctx_init returns 0 or -1 (out of memory). */
int cli_ctx_init(struct cli_ctx *ctx, const char *prog);
void cli_ctx_release(struct cli_ctx *ctx);

/*
 * Parse the global flags in argv[1..] up to the first operand (the verb). Returns the verb's index
 * (argc when there is none; *help is set to 1 when -h/--help was seen, and parsing stops there), or
 * -1 after a usage error was printed (ctx->exit_code 2).
 */
int cli_parse_globals(struct cli_ctx *ctx, int argc, char **argv, int *help);

/*
 * Parse a verb's argv (argv[0] is the verb). Operands go to ctx->operands, shared options to
 * ctx->common, global ones to ctx->kube / the log level, and the verb's own to `on_opt` (which
 * returns 0, or -1 after cli_usage_error()). Returns 0, or -1 when the verb must stop with
 * ctx->exit_code: 0 after --help was printed on ctx->out, 2 after a usage error printed on stderr.
 */
int cli_parse(struct cli_ctx *ctx, int argc, char **argv,
	      int (*on_opt)(struct cli_ctx *ctx, int id, const char *value, void *data), void *data);

/* Print "<verb>: <message>" and the one-line usage on stderr; set exit_code 2; return -1. */
int cli_usage_error(struct cli_ctx *ctx, const char *fmt, ...) LOG_PRINTF(2, 3);

/* Full help of ctx->cmd on `out`. */
void cli_print_help(const struct cli_ctx *ctx, FILE *out);

/* The global flags section (also used by the main help). */
void cli_print_global_flags(FILE *out);

/* The one-line usage of ctx->cmd ("usage: kubectl dotnetprof ps TARGET ..."). */
void cli_print_usage(const struct cli_ctx *ctx, FILE *out);

/* Check `value` against "a|b|c"; usage error naming --flag otherwise. 0 or -1. */
int cli_check_choice(struct cli_ctx *ctx, const char *flag, const char *value, const char *choices);

/*
 * Check the operand count: between min and max (max -1: any). Usage error otherwise ("missing
 * TARGET" naming `what`, or "unexpected argument"). 0 or -1.
 */
int cli_check_operands(struct cli_ctx *ctx, size_t min, long max, const char *what);

struct target_spec;

/*
 * The TARGET of a verb: operand 0 (or -l SELECTOR instead), followed by exactly `nextra` more operands
 * named `extra_what` ("PATH") in messages. Usage error (exit 2) on a missing/extra operand or a bad
 * TARGET. On success `t` is filled (release with target_spec_release). 0 or -1.
 */
int cli_target(struct cli_ctx *ctx, struct target_spec *t, size_t nextra, const char *extra_what);

#endif
