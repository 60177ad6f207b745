/*
 * table.c - aligned plain-text tables (kubectl get style: upper-case header, no borders). Cells hold
 * pod text (process names, command lines): each is sanitized (sanitize.h), so no cell can drive the
 * terminal or, with a newline, forge a row.
 */
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "sanitize.h"

int table_init(struct table *t, const char *const *header)
{
	t->ncols = 0;
	strvec_init(&t->cells);
	while (header[t->ncols])
		t->ncols++;
	return table_add(t, header);
}

void table_release(struct table *t)
{
	strvec_clear(&t->cells);
}

int table_add(struct table *t, const char *const *row)
{
	size_t i;

	char *cell;
	int rc;

	for (i = 0; i < t->ncols; i++) {
		if (!(cell = sanitize_dup(row[i] ? row[i] : "-", 0)))
			return -1;
		rc = strvec_push(&t->cells, cell);
		free(cell);
		if (rc < 0)
			return -1;
	}
	return 0;
}

void table_print(const struct table *t, FILE *out)
{
	size_t *w = calloc(t->ncols ? t->ncols : 1, sizeof(*w));
	size_t i, c;

	for (i = 0; i < t->cells.n; i++) {
		size_t l = strlen(t->cells.v[i]);

		if (w && l > w[i % t->ncols])
			w[i % t->ncols] = l;
	}
	for (i = 0; i < t->cells.n; i++) {
		c = i % t->ncols;
		if (c + 1 == t->ncols)
			fprintf(out, "%s\n", t->cells.v[i]);
		else
			fprintf(out, "%-*s   ", w ? (int)w[c] : 0, t->cells.v[i]);
	}
	free(w);
}
