/*
 * symtab.h - managed method names for code addresses, from the runtime's own events in a trace.
 *
 * A trace names its managed code itself: MethodLoadVerbose (Microsoft-Windows-DotNETRuntime, event
 * 143, for code compiled during the trace) and the rundown's MethodDCStartVerbose/MethodDCEndVerbose
 * (Microsoft-Windows-DotNETRuntimeRundown, 143/144, every method with code when the trace ends) give
 * each method's code range and its namespace, name and signature; ModuleLoad (152) and the rundown's
 * ModuleDCStart/ModuleDCEnd (153/154) give each module's path. Names are built as TraceEvent builds
 * them: "Module!Namespace.Type.Method(args)", the module being the file name without ".dll"/".exe"
 * ("?" when its module event is missing).
 *
 * Feed the method and module events, call symtab_finish once, then look addresses up.
 * Memory grows with the methods the trace names.
 */
#ifndef DOTNETPROF_SYMTAB_H
#define DOTNETPROF_SYMTAB_H

#include <stddef.h>
#include <stdint.h>

#include "nettrace.h"
#include "u64map.h"

struct symtab_method {
	uint64_t start;
	uint32_t size;
	uint32_t text;        /* offset in the pool of "Namespace.Type.Method(args)" */
	uint64_t module_id;
	uint64_t seq;         /* definition order: the later of two overlapping ranges wins */
};

struct symtab {
	struct symtab_method *m;
	size_t n, cap;
	char *pool;           /* NUL-terminated strings */
	size_t pool_len, pool_cap;
	struct u64map modules;   /* module id -> pool offset of its short name */
	uint32_t max_size;       /* the largest method, bounding the search for overlaps */
	int finished;
};

void symtab_init(struct symtab *st);
void symtab_release(struct symtab *st);

/*
 * Record the payload of a method event (MethodLoadVerbose, MethodDCStart/EndVerbose, their Unload
 * twins: MethodID, ModuleID, start, size, token, flags, then three UTF-16 strings) or of a module
 * event (ModuleLoad/Unload, ModuleDCStart/End: ModuleID, AssemblyID, flags, reserved, IL path,
 * native path). A payload too short to hold the fields is ignored. 0, or -1 when out of memory.
 */
int symtab_add_method(struct symtab *st, const uint8_t *payload, size_t len);
int symtab_add_module(struct symtab *st, const uint8_t *payload, size_t len);

/* Sort the ranges for lookups; call once, after the last event. 0 or -1 (ENOMEM). */
int symtab_finish(struct symtab *st);

/*
 * The method whose code holds `ip`: writes "Module!Namespace.Type.Method(args)" to `buf` (truncated
 * to bufsize - 1) and returns 1; 0 when no method holds it. Only after symtab_finish.
 */
int symtab_lookup(const struct symtab *st, uint64_t ip, char *buf, size_t bufsize);

/* The number of method ranges recorded. */
size_t symtab_count(const struct symtab *st);

#endif
