/*
 * fetch.c - `kubectl dotnetprof fetch`: copy any file out of a container, no tar needed, verified,
 * resumable. Flags and help complete; the transfer engine arrives in a later issue.
 */
#include <stdlib.h>
#include <string.h>

#include "exitcodes.h"
#include "target.h"
#include "verbs.h"

enum { OPT_RESUME = CLI_ID_VERB, OPT_ENCODING, OPT_COMPRESS };

static const struct cli_opt fetch_opts[] = {
	{ CLI_ID_OUTPUT, 'o', "output", CLI_ARG, "LOCAL",
	  "local file or directory (default: the file's name, here)" },
	{ CLI_ID_FORCE, 0, "force", CLI_NOARG, NULL, "overwrite an existing local file" },
	{ OPT_RESUME, 0, "resume", CLI_NOARG, NULL,
	  "continue LOCAL.part left by an interrupted fetch" },
	{ OPT_ENCODING, 0, "encoding", CLI_ARG, "raw|base64",
	  "how bytes cross the exec stream (default raw; base64 where a stream is mangled)" },
	{ OPT_COMPRESS, 0, "compress", CLI_ARG, "auto|gzip|none",
	  "gzip in the pod: auto (default) = when the pod has gzip and the data compresses" },
	{ 0, 0, NULL, CLI_NOARG, NULL, NULL },
};

static const struct cli_opt fetch_target_opts[] = {
	{ CLI_ID_CONTAINER, 'c', "container", CLI_ARG, "NAME",
	  "container (default: the annotated default container, else the only one)" },
	{ 0, 0, NULL, CLI_NOARG, NULL, NULL },
};

static const struct cli_group fetch_groups[] = {
	{ "Fetch flags", fetch_opts },
	{ "Target flags", fetch_target_opts },
	{ NULL, NULL },
};

const struct cli_help fetch_help = {
	.usage = "fetch TARGET PATH [-o LOCAL] [-c NAME] [--resume] [FLAGS]  |  fetch POD:PATH [...]",
	.summary = "Copy a file out of a container, verified, without tar.",
	.description =
		"Streams the file through kubectl exec into LOCAL.part, checks size and sha256 (or\n"
		"md5sum/cksum, whichever the pod has) against the pod's copy, and only then renames it\n"
		"to LOCAL. An interrupted stream resumes from the last byte received. An existing LOCAL\n"
		"is never overwritten without --force.\n",
	.takes_target = 1,
	.groups = fetch_groups,
	.examples = "fetch sample-app /tmp/app.log\n"
		    "fetch sample-app:/tmp/core.1 -o core.1 --resume\n"
		    "fetch deploy/api /var/log/app.json -c app --encoding base64",
};

static int fetch_opt(struct cli_ctx *ctx, int id, const char *value, void *data)
{
	(void)data;
	switch (id) {
	case OPT_ENCODING:
		return cli_check_choice(ctx, "--encoding", value, "raw|base64");
	case OPT_COMPRESS:
		return cli_check_choice(ctx, "--compress", value, "auto|gzip|none");
	}
	return 0;
}

int cmd_fetch(int argc, char **argv, struct cli_ctx *ctx)
{
	struct target_spec t;
	const char *colon;
	char err[256], *pod;
	int rc;

	if (cli_parse(ctx, argc, argv, fetch_opt, NULL) < 0)
		return ctx->exit_code;
	colon = ctx->operands.n == 1 && !ctx->common.selector ? strchr(ctx->operands.v[0], ':') : NULL;
	if (!colon) {
		if (cli_target(ctx, &t, 1, "PATH") < 0)
			return ctx->exit_code;
		target_spec_release(&t);
		return cli_not_implemented(ctx);
	}
	/* POD:PATH names both in one operand */
	if (!colon[1])
		return cli_usage_error(ctx, "missing PATH after \"%s\"", ctx->operands.v[0]),
		       ctx->exit_code;
	pod = strndup(ctx->operands.v[0], (size_t)(colon - ctx->operands.v[0]));
	if (!pod)
		return cli_usage_error(ctx, "out of memory"), EX_ERROR;
	rc = target_spec_parse(&t, pod, NULL, err, sizeof(err));
	free(pod);
	if (rc < 0)
		return cli_usage_error(ctx, "%s", err), ctx->exit_code;
	target_spec_release(&t);
	return cli_not_implemented(ctx);
}
