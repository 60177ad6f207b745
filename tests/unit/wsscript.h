/*
 * wsscript.h - run a pod script (podscripts.h) under a given shell, for the unit tests of the pod
 * scripts (test_workspace.c, test_provision.c).
 */
#ifndef DOTNETPROF_TEST_WSSCRIPT_H
#define DOTNETPROF_TEST_WSSCRIPT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "proc.h"
#include "podscripts.h"

/*
 * Run `script` under shell `sh` (argv, NULL-terminated) with `args`; stdin from `in` (`in_len`
 * bytes; NULL: none). The caller releases `p`.
 */
static inline void run_script(const char *const *sh, const char *script, const char *const *args,
			      const char *in, size_t in_len, struct proc *p)
{
	const char *argv[32];
	size_t n = 0, i;

	for (i = 0; sh[i]; i++)
		argv[n++] = sh[i];
	argv[n++] = "-c";
	argv[n++] = script;
	argv[n++] = "dotnetprof";
	for (i = 0; args && args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	proc_init(p, argv);
	if (in) {
		p->in = PROC_IO_BUFFER;
		p->in_data = in;
		p->in_len = in_len;
	}
	assert_int_equal(proc_run(p), 0);
}

#endif
