/*
 * table.h - plain-text tables with aligned columns, for the verbs' results on stdout.
 */
#ifndef DOTNETPROF_TABLE_H
#define DOTNETPROF_TABLE_H

#include <stdio.h>

#include "strvec.h"

struct table {
	size_t ncols;
	struct strvec cells;   /* row-major, header row first */
};

/* Start a table with the NULL-terminated header names. 0 or -1 (ENOMEM). */
int table_init(struct table *t, const char *const *header);
void table_release(struct table *t);

/* Append one row of t->ncols cells (NULL cells print as "-"), each sanitized (sanitize.h). 0 or -1. */
int table_add(struct table *t, const char *const *row);

/* Print with columns separated by 3 spaces; the last column is not padded. */
void table_print(const struct table *t, FILE *out);

#endif
