/*
 * verbs.h - every verb's entry point and help, one file each in cmd/ (the table is in main.c).
 */
#ifndef DOTNETPROF_VERBS_H
#define DOTNETPROF_VERBS_H

#include "cli.h"

#define VERB(name) \
	int cmd_##name(int argc, char **argv, struct cli_ctx *ctx); \
	extern const struct cli_help name##_help

VERB(ps);
VERB(trace);
VERB(counters);
VERB(dump);
VERB(gcdump);
VERB(stack);
VERB(report);
VERB(fetch);
VERB(clean);
VERB(version);
VERB(completion);

#undef VERB

/* The version string (from the VERSION make variable). */
extern const char dotnetprof_version[];

#endif
