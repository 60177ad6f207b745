/*
 * toolsums.h - the SHA-512 a mirror publishes for each tool, so a download that arrives altered
 * (a flipped byte keeps the length and the ELF format) is refused.
 *
 * aka.ms publishes no checksums (its HTTPS is what protects those downloads). A mirror given with
 * --tools-url / $DOTNETPROF_TOOLS_URL may publish `SHA512SUMS` at its base URL, in sha512sum's
 * format, one line per tool: "HEX  RID/dotnet-TOOL" (as tests/cluster/build-tools.sh writes it;
 * "HEX  dotnet-TOOL/RID", the download path, and a '*' before the name are accepted too).
 * $DOTNETPROF_TOOLS_SHA512SUMS names such a file (a local path or a URL) explicitly: then a tool it
 * does not list is refused.
 */
#ifndef DOTNETPROF_TOOLSUMS_H
#define DOTNETPROF_TOOLSUMS_H

#include <signal.h>
#include <stddef.h>

#define TOOLSUMS_ENV "DOTNETPROF_TOOLS_SHA512SUMS"

enum toolsums_result {
	TOOLSUMS_FOUND = 0,  /* `hex` holds the expected SHA-512 */
	TOOLSUMS_NONE,       /* no sums published (aka.ms, or the mirror has none): `why` says so */
	TOOLSUMS_MISSING,    /* an explicit sums file does not list the tool, or cannot be read */
};

/*
 * Find the tool's line in `text` (`len` bytes). `tool` is "trace" or "dotnet-trace". Returns 0 and
 * fills `hex` (128 lowercase hex digits + NUL: size >= 129), or -1 when not listed / malformed.
 */
int toolsums_parse(const char *text, size_t len, const char *tool, const char *rid, char *hex,
		   size_t size);

/*
 * The expected SHA-512 of `tool` for `rid` when downloading from `base_url` (NULL: the environment
 * default, as toolcache_url). Looks at $DOTNETPROF_TOOLS_SHA512SUMS, else fetches
 * ${base}/SHA512SUMS unless the base is https://aka.ms. `why` receives a one-line explanation for
 * -v (or for the error with TOOLSUMS_MISSING).
 */
enum toolsums_result toolsums_lookup(const char *base_url, const char *tool, const char *rid,
				     const volatile sig_atomic_t *interrupted, char *hex, size_t size,
				     char *why, size_t whysize);

#endif
