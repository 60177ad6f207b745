/*
 * test_fetchcmd.c - the `kubectl dotnetprof fetch ...` line hints print (fetchcmd.h): its exact
 * words for each kind of kept part, and that the line, read back by a POSIX shell's word rules
 * (wordexp), is one the real fetch verb's parser accepts, with the same pod, path, output and
 * namespace: a hint that names a flag fetch does not take, or quotes a path wrongly, fails here.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wordexp.h>

#include <cmocka.h>

#include "cli.h"
#include "fetchcmd.h"
#include "log.h"
#include "target.h"
#include "verbs.h"

static const struct cli_cmd fetch_cmd = { "fetch", cmd_fetch, &fetch_help };

static struct target_pod pod(const char *name, const char *ns, const char *container)
{
	struct target_pod p;

	memset(&p, 0, sizeof(p));
	p.name = (char *)(uintptr_t)name;
	p.namespace = (char *)(uintptr_t)ns;
	p.container = container;
	return p;
}

/*
 * Any option of fetch's own is counted (of the flags hints use, only --resume is fetch's own):
 * whether fetch defines a flag is cli_parse's business (an unknown one is exit 2).
 */
static int any_opt(struct cli_ctx *ctx, int id, const char *value, void *data)
{
	(void)ctx;
	(void)id;
	(void)value;
	(*(int *)data)++;
	return 0;
}

/*
 * Split `line` as sh would, check it starts "kubectl dotnetprof fetch", and parse the rest as the
 * fetch verb's argv. Returns cli_parse's result; the context (whose strings point into *we, which
 * the caller frees after) is left for the caller to look at.
 */
static int parse_line(struct cli_ctx *ctx, wordexp_t *we, const char *line, int *own)
{
	assert_int_equal(wordexp(line, we, WRDE_NOCMD | WRDE_UNDEF), 0);
	assert_true(we->we_wordc > 3);
	assert_string_equal(we->we_wordv[0], "kubectl");
	assert_string_equal(we->we_wordv[1], "dotnetprof");
	assert_string_equal(we->we_wordv[2], "fetch");
	assert_int_equal(cli_ctx_init(ctx, "kubectl dotnetprof"), 0);
	ctx->cmd = &fetch_cmd;
	return cli_parse(ctx, (int)we->we_wordc - 2, we->we_wordv + 2, any_opt, own);
}

static void test_words(void **state)
{
	struct target_pod p = pod("sample-app", "default", "app");
	char *line;

	(void)state;
	line = fetchcmd_line(&p, "/tmp/.dotnetprof/runs/r1/t.nettrace", "t.nettrace", FETCHCMD_NEW);
	assert_string_equal(line, "kubectl dotnetprof fetch sample-app /tmp/.dotnetprof/runs/r1/"
				  "t.nettrace -o t.nettrace -n default -c app");
	free(line);
	line = fetchcmd_line(&p, "/tmp/x.core", "x.core", FETCHCMD_RESUME);
	assert_string_equal(line, "kubectl dotnetprof fetch sample-app /tmp/x.core -o x.core --resume "
				  "-n default -c app");
	free(line);
	line = fetchcmd_line(&p, "/tmp/x.core", "x.core", FETCHCMD_RESTART);
	assert_string_equal(line, "kubectl dotnetprof fetch sample-app /tmp/x.core -o x.core --force "
				  "-n default -c app");
	free(line);
	line = fetchcmd_line(&p, "/tmp/x.core", NULL, FETCHCMD_NEW);
	assert_string_equal(line, "kubectl dotnetprof fetch sample-app /tmp/x.core -n default -c app");
	free(line);
	errno = 0;
	assert_null(fetchcmd_line(&p, "/tmp/x.core", NULL, FETCHCMD_RESUME));
	assert_int_equal(errno, EINVAL);
}

/* Every kind of line is a command fetch accepts, and it means what it says, odd names included. */
static void test_fetch_accepts_it(void **state)
{
	static const char *const remotes[] = { "/tmp/.dotnetprof/runs/r1/t.nettrace",
					       "/var/tmp/two words/it's $(x) `y`.core", NULL };
	static const char *const locals[] = { "t.nettrace", "out dir/it's.core", NULL };
	const enum fetchcmd_part parts[] = { FETCHCMD_NEW, FETCHCMD_RESUME, FETCHCMD_RESTART };
	struct target_pod p = pod("api-7d9f-x2", "team b", "app");
	size_t i, j, k;

	(void)state;
	for (i = 0; remotes[i]; i++)
		for (j = 0; locals[j]; j++)
			for (k = 0; k < sizeof(parts) / sizeof(parts[0]); k++) {
				struct cli_ctx ctx;
				wordexp_t we;
				int own = 0;
				char *line = fetchcmd_line(&p, remotes[i], locals[j], parts[k]);

				assert_non_null(line);
				assert_int_equal(parse_line(&ctx, &we, line, &own), 0);
				assert_int_equal(ctx.operands.n, 2);
				assert_string_equal(ctx.operands.v[0], p.name);
				assert_string_equal(ctx.operands.v[1], remotes[i]);
				assert_string_equal(ctx.common.output, locals[j]);
				assert_string_equal(ctx.common.container, "app");
				assert_string_equal(ctx.kube.namespace, "team b");
				assert_int_equal(ctx.common.force, parts[k] == FETCHCMD_RESTART);
				assert_int_equal(own, parts[k] == FETCHCMD_RESUME);
				cli_ctx_release(&ctx);
				wordfree(&we);
				free(line);
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_fetch_accepts_it),
	};

	log_set_level(LOG_QUIET);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
