/*
 * table.c - aligned plain-text tables (kubectl get style: upper-case header, no borders).
 */
#include "table.h"

#include <stdlib.h>
#include <string.h>

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

	for (i = 0; i < t->ncols; i++)
		if (strvec_push(&t->cells, row[i] ? row[i] : "-") < 0)
			return -1;
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
