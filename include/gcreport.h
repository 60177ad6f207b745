/*
 * gcreport.h - reading `dotnet-gcdump report` (heapstat) output, to point at the app's own types.
 *
 * A row looks like "    1,234,567     4,321  Namespace.Type  [Assembly.dll]": the bytes of the
 * objects themselves (not what they hold), the object count, the type, its assembly. The tool sorts
 * rows by bytes, so a leak of small objects that each hold a large array (a typical cache leak)
 * shows as byte arrays from the framework, while the leaking type sits far down the list. Listing
 * the types of the app's own assemblies by count puts it in front.
 */
#ifndef DOTNETPROF_GCREPORT_H
#define DOTNETPROF_GCREPORT_H

#include <stddef.h>

struct gcreport_row {
	unsigned long long bytes;
	unsigned long long count;
	const char *type;        /* into the line, type_len bytes */
	size_t type_len;
	const char *assembly;    /* into the line, without brackets, assembly_len bytes; NULL if none */
	size_t assembly_len;
};

/* Parse one line (`len` bytes, no newline). 0 for a row, -1 for anything else (headers, blanks). */
int gcreport_parse_row(const char *line, size_t len, struct gcreport_row *r);

/*
 * 1 when the assembly is the framework's or a library's rather than the app's: System.*,
 * Microsoft.*, mscorlib, netstandard, or none given.
 */
int gcreport_is_framework(const struct gcreport_row *r);

/*
 * The app's types of `report` (NUL-terminated text), most objects first: fills at most `max` rows
 * (pointing into `report`) and returns how many.
 */
size_t gcreport_app_types(const char *report, struct gcreport_row *rows, size_t max);

#endif
