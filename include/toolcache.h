/*
 * toolcache.h - the local cache of Microsoft's single-file diagnostics tools (dotnet-trace,
 * dotnet-counters, dotnet-dump, dotnet-gcdump, dotnet-stack), per RID.
 *
 * Layout, under $XDG_CACHE_HOME/kubectl-dotnetprof (else $HOME/.cache/kubectl-dotnetprof), every
 * directory created 0700. What is in the cache is pushed into pods and run there, so the cache is
 * used only when nobody else can change it (perm.h): the root, tools/, tools/{rid}/ and the tool's
 * files must be owned by the user and not writable by group or others; otherwise every call fails
 * with TOOLCACHE_ERR_UNSAFE, and the hint is the command that fixes it:
 *
 *   tools/{rid}/dotnet-{tool}        the executable, 0700
 *   tools/{rid}/dotnet-{tool}.meta   "key=value" lines: sha512, sha256, size, source_url, final_url,
 *                                    date (UTC, ISO 8601), filename (Content-Disposition), version
 *                                    (a dotted number found in the final URL's path, else empty)
 *
 * A tool is downloaded from `${base}/dotnet-{tool}/{rid}`, base being --tools-url, else
 * $DOTNETPROF_TOOLS_URL, else https://aka.ms, through download.h (redirects, verified TLS, proxy
 * environment, timeouts). The body goes to a temporary file in the same directory (mkstemp: O_EXCL),
 * hashed while it is written, and is renamed into place only after it passed every check: complete
 * (Content-Length), larger than TOOLCACHE_MIN_SIZE (and cut off at TOOLCACHE_MAX_SIZE while it
 * arrives; the whole download must end within TOOLCACHE_MAX_TIME), a Content-Disposition name (when one is sent) that
 * is the tool's, an ELF executable for that RID (elfcheck.h: a captive-portal page with status 200 is
 * rejected), and the expected SHA-512 when the caller has one. A rejected download leaves nothing in
 * the cache. A cached tool whose recorded SHA-512 still matches its file is never downloaded again.
 *
 * Corruption in transit: aka.ms publishes no checksums. In production the download is HTTPS (TLS
 * detects any altered byte) and the length is checked; a mirror that publishes SHA-512 sums can pass
 * one as `expected_sha512`. The SHA-512 of every cached tool is recorded and reported, so a user can
 * compare it with a known value.
 *
 * Errors are returned, not printed: the caller decides whether a failure is final (print it with
 * toolcache_log_error) or a fallback is tried (e.g. --download auto trying the pod).
 *
 * Exit codes (cmd/ maps them): TOOLCACHE_ERR_USAGE -> DPX_USAGE; TOOLCACHE_ERR_NETWORK and _HTTP ->
 * DPX_DOWNLOAD (proposed: 14); TOOLCACHE_ERR_INVALID -> DPX_BADTOOL (proposed: 15); TOOLCACHE_ERR_LOCAL
 * -> DPX_NOSPACE when sys_errno is ENOSPC, else DPX_ERROR; TOOLCACHE_ERR_INTERRUPTED -> DPX_INTERRUPTED;
 * TOOLCACHE_ERR_UNSAFE -> DPX_ERROR.
 *
 * Production wiring (cmd/main.c): call download_global_init() once before any toolcache_get and
 * download_global_cleanup() before exit.
 */
#ifndef DOTNETPROF_TOOLCACHE_H
#define DOTNETPROF_TOOLCACHE_H

#include <limits.h>
#include <signal.h>
#include <stdint.h>

#include "digest.h"
#include "download.h"

#define TOOLCACHE_DEFAULT_URL "https://aka.ms"
#define TOOLCACHE_URL_ENV "DOTNETPROF_TOOLS_URL"
#define TOOLCACHE_MIN_SIZE (1024L * 1024L)  /* a single-file tool is several MB; less is not one */
/* ... and at most some tens of MB: a body larger than this is cut off as it arrives */
#define TOOLCACHE_MAX_SIZE (256ULL * 1024 * 1024)
/* The whole download of a tool, seconds (the low-speed abort alone lets a trickle run forever);
 * $DOTNETPROF_DOWNLOAD_TIMEOUT (1-86400) changes it. */
#define TOOLCACHE_MAX_TIME 900L
#define TOOLCACHE_TIMEOUT_ENV "DOTNETPROF_DOWNLOAD_TIMEOUT"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

enum toolcache_status {
	TOOLCACHE_OK = 0,
	TOOLCACHE_ERR_USAGE,       /* bad tool name, RID or base URL: nothing was tried */
	TOOLCACHE_ERR_LOCAL,       /* the cache directory or a file in it cannot be made/written/read */
	TOOLCACHE_ERR_NETWORK,     /* unreachable, DNS, proxy, TLS, connect or low-speed timeout */
	TOOLCACHE_ERR_HTTP,        /* the server answered >= 400 (404: no such tool/RID there) */
	TOOLCACHE_ERR_INVALID,     /* an answer came but it is not the tool: HTML, wrong architecture or
	                              C library, truncated, too small, wrong name, SHA-512 mismatch */
	TOOLCACHE_ERR_INTERRUPTED, /* *interrupted became non-zero */
	TOOLCACHE_ERR_UNSAFE,      /* the cache (a directory of it, or the tool's files) is not the
	                              user's own, or others may write it: refused (hint: the fix) */
	TOOLCACHE_NOT_CACHED,      /* toolcache_lookup only: no valid cached copy (not an error) */
};

struct toolcache_opts {
	const char *base_url;        /* --tools-url; NULL: $DOTNETPROF_TOOLS_URL, else https://aka.ms */
	int refresh;                 /* download even when cached; the cached copy is replaced atomically */
	long connect_timeout;        /* seconds; 0: DOWNLOAD_CONNECT_TIMEOUT (15) */
	long low_speed_limit;        /* bytes/s; 0: DOWNLOAD_LOW_SPEED_LIMIT (1 KiB/s) */
	long low_speed_time;         /* seconds; 0: DOWNLOAD_LOW_SPEED_TIME (30) */
	long max_time;               /* the whole download, seconds; 0: $DOTNETPROF_DOWNLOAD_TIMEOUT,
	                                else TOOLCACHE_MAX_TIME */
	int progress;                /* progress bar on stderr when it is a terminal */
	const char *expected_sha512; /* hex, from a mirror's SHA512SUMS; NULL: none. A cached copy with
	                                another hash is downloaded again. */
	const volatile sig_atomic_t *interrupted; /* optional: SIGINT flag, aborts the download */
};

/* What is known about a cached tool. Plain buffers: nothing to free. */
struct toolcache_entry {
	char path[PATH_MAX];                /* absolute path of the executable in the cache */
	char sha512[DIGEST_HEX_MAX];
	char sha256[DIGEST_HEX_MAX];        /* for `sha256sum` checks of a copy pushed into a pod */
	uint64_t size;
	char source_url[DOWNLOAD_URL_MAX];  /* ${base}/dotnet-{tool}/{rid} */
	char final_url[DOWNLOAD_URL_MAX];   /* after redirects */
	char filename[256];                 /* Content-Disposition filename, "" when none was sent */
	char version[64];                   /* "" when unknown */
	char date[32];                      /* when it was downloaded, e.g. 2026-11-27T00:40:12Z */
	int downloaded;                     /* 1: this call downloaded it; 0: it came from the cache */
};

/* Why a call failed, ready to print: "<what>: <why>" then "hint: <hint>". */
struct toolcache_error {
	enum toolcache_status status;
	long http_status;                   /* when status is TOOLCACHE_ERR_HTTP */
	int sys_errno;                      /* when status is TOOLCACHE_ERR_LOCAL (ENOSPC: disk full) */
	char what[DOWNLOAD_URL_MAX + 128];  /* "cannot download dotnet-trace for linux-x64 from URL" */
	char why[768];
	char hint[768];                     /* "" when there is nothing to suggest */
};

/* The time limit of a tool download: $DOTNETPROF_DOWNLOAD_TIMEOUT, else TOOLCACHE_MAX_TIME (a bad
 * value is warned about and ignored). The pod's downloads use it too. */
long toolcache_max_time(void);

/*
 * The cache root: $XDG_CACHE_HOME/kubectl-dotnetprof when XDG_CACHE_HOME is an absolute path, else
 * $HOME/.cache/kubectl-dotnetprof (HOME from the password database when unset). Not created here.
 * Returns 0, or -1 (ENAMETOOLONG, ENOENT when no home is known).
 */
int toolcache_dir(char *buf, size_t size);

/*
 * The download URL of `tool` ("trace" or "dotnet-trace") for `rid`: base_url (or the environment
 * default, see struct toolcache_opts) + "/dotnet-{tool}/{rid}", without a doubled slash. The pod
 * strategy uses the same URL. Returns 0, or -1 (EINVAL: bad tool/RID/URL; ENAMETOOLONG).
 */
int toolcache_url(const char *tool, const char *rid, const char *base_url, char *buf, size_t size);

/*
 * Is `tool` for `rid` in the cache, with its recorded SHA-512 matching the file (and equal to
 * expected_sha512 when that is given)? Hashes the file. Returns TOOLCACHE_OK and fills `out`
 * (downloaded = 0), TOOLCACHE_NOT_CACHED, or an error (then `err` is filled; it may be NULL).
 * Never touches the network.
 */
enum toolcache_status toolcache_lookup(const char *tool, const char *rid, const char *expected_sha512,
				       struct toolcache_entry *out, struct toolcache_error *err);

/*
 * The cached tool, downloading it first when it is not cached (or opts->refresh). `opts` may be NULL
 * (defaults). On TOOLCACHE_OK `out` describes the file; otherwise `err` says why and nothing new was
 * left in the cache (a previous valid copy stays in place on a failed refresh).
 * Logs only at -v (log_verbose: URL, final URL, cache hit or download, sha512) and the progress bar.
 */
enum toolcache_status toolcache_get(const char *tool, const char *rid, const struct toolcache_opts *opts,
				    struct toolcache_entry *out, struct toolcache_error *err);

/* Print `err` through log.h: log_error("<what>: <why>"), then log_hint(hint) when there is one. */
void toolcache_log_error(const struct toolcache_error *err);

#endif
