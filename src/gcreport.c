/*
 * gcreport.c - reading `dotnet-gcdump report` rows (gcreport.h).
 */
#include "gcreport.h"

#include <string.h>

/* A number with thousands separators ("1,234"), skipping leading blanks. 0 or -1. */
static int parse_num(const char **p, const char *end, unsigned long long *out)
{
	const char *s = *p;
	int digits = 0;

	while (s < end && *s == ' ')
		s++;
	*out = 0;
	for (; s < end && ((*s >= '0' && *s <= '9') || (*s == ',' && digits)); s++) {
		if (*s == ',')
			continue;
		*out = *out * 10 + (unsigned long long)(*s - '0');
		digits++;
	}
	if (!digits || (s < end && *s != ' '))
		return -1;
	*p = s;
	return 0;
}

int gcreport_parse_row(const char *line, size_t len, struct gcreport_row *r)
{
	const char *p = line, *end = line + len, *t, *open;

	memset(r, 0, sizeof(*r));
	if (parse_num(&p, end, &r->bytes) < 0 || parse_num(&p, end, &r->count) < 0)
		return -1;
	while (p < end && *p == ' ')
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\r'))
		end--;
	if (p == end)
		return -1;
	t = p;
	if (end[-1] == ']') {
		for (open = end - 1; open > t && *open != '['; open--)
			;
		if (*open == '[' && open > t) {
			r->assembly = open + 1;
			r->assembly_len = (size_t)(end - 1 - r->assembly);
			end = open;
			while (end > t && end[-1] == ' ')
				end--;
		}
	}
	r->type = t;
	r->type_len = (size_t)(end - t);
	return r->type_len ? 0 : -1;
}

static int starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(s, prefix, n);
}

int gcreport_is_framework(const struct gcreport_row *r)
{
	const char *a = r->assembly;
	size_t n = r->assembly_len;

	return !a || !n || starts(a, n, "System.") || starts(a, n, "Microsoft.") ||
	       starts(a, n, "mscorlib") || starts(a, n, "netstandard");
}

size_t gcreport_app_types(const char *report, struct gcreport_row *rows, size_t max)
{
	const char *s = report, *nl;
	struct gcreport_row r;
	size_t n = 0, i;

	for (; s && *s; s = nl ? nl + 1 : NULL) {
		nl = strchr(s, '\n');
		if (gcreport_parse_row(s, nl ? (size_t)(nl - s) : strlen(s), &r) < 0 ||
		    gcreport_is_framework(&r))
			continue;
		/* insertion into the top `max` by count */
		for (i = n < max ? n++ : max; i > 0 && rows[i - 1].count < r.count; i--)
			if (i < max)
				rows[i] = rows[i - 1];
		if (i < max)
			rows[i] = r;
	}
	return n;
}
