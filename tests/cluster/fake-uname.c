/*
 * fake-uname: `uname` / `arch` for containers of the stand-in cluster that declare another CPU
 * architecture (test infrastructure). It prints the real uname(2) fields except the machine,
 * which is MACHINE (set at compile time, e.g. -DMACHINE='"aarch64"'). Built static so that it runs in
 * every root filesystem profile; sandbox.py places it over /usr/bin/uname and /usr/bin/arch.
 * Only the machine name is faked: the CPU, the kernel and every binary stay x86_64.
 */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#ifndef MACHINE
#define MACHINE "aarch64"
#endif

enum { F_S = 1, F_N = 2, F_R = 4, F_V = 8, F_M = 16, F_P = 32, F_I = 64, F_O = 128, F_ALL = 0xff };

static int long_flag(const char *a)
{
	static const struct { const char *name; int flag; } map[] = {
		{"--all", F_ALL}, {"--kernel-name", F_S}, {"--nodename", F_N}, {"--kernel-release", F_R},
		{"--kernel-version", F_V}, {"--machine", F_M}, {"--processor", F_P},
		{"--hardware-platform", F_I}, {"--operating-system", F_O},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(a, map[i].name))
			return map[i].flag;
	return -1;
}

static int short_flags(const char *a)
{
	static const char letters[] = "snrvmpio";
	int flags = 0;

	for (a++; *a; a++) {
		const char *p = *a == 'a' ? letters : strchr(letters, *a);
		if (!p)
			return -1;
		flags |= *a == 'a' ? F_ALL : 1 << (p - letters);
	}
	return flags;
}

static void field(int *first, const char *s)
{
	printf("%s%s", *first ? "" : " ", s);
	*first = 0;
}

int main(int argc, char **argv)
{
	struct utsname u;
	const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	int flags = 0, all = 0, first = 1;

	for (int i = 1; i < argc; i++) {
		int f = argv[i][1] == '-' ? long_flag(argv[i]) : argv[i][0] == '-' ? short_flags(argv[i]) : -1;
		if (f < 0) {
			fprintf(stderr, "%s: invalid option -- '%s'\n", base, argv[i]);
			return 1;
		}
		all |= f == F_ALL;
		flags |= f;
	}
	if (!strcmp(base, "arch"))
		flags = F_M;
	else if (!flags)
		flags = F_S;
	uname(&u);
	if (flags & F_S) field(&first, u.sysname);
	if (flags & F_N) field(&first, u.nodename);
	if (flags & F_R) field(&first, u.release);
	if (flags & F_V) field(&first, u.version);
	if (flags & F_M) field(&first, MACHINE);
	if ((flags & F_P) && !all) field(&first, "unknown");
	if ((flags & F_I) && !all) field(&first, "unknown");
	if (flags & F_O) field(&first, "GNU/Linux");
	printf("\n");
	return 0;
}
