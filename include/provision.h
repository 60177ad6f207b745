/*
 * provision.h - get a diagnostics tool (dotnet-trace, ...) into the pod's workspace for one run.
 *
 * Verification: a tool that came into the pod any other way than a push from here runs only when
 * its SHA-512, computed in the pod (sha512sum, or openssl dgst -sha512), is a value known here: the
 * mirror's SHA512SUMS or $DOTNETPROF_TOOLS_SHA512SUMS (toolsums.h), else the local cache's record
 * of the tool for that RID (toolcache.h). A pod download that does not match is deleted in the pod
 * and nothing else is tried (DPX_BADTOOL: its message says it was altered on its way or the mirror
 * changed it). A push is verified by its own SHA-256 against the local file (push.h), which came
 * over verified TLS or matched the sums.
 *
 * Strategies (--download):
 *   local  the local cache (toolcache.h: downloads here when not cached), then push over exec
 *          (push.h, reuse = 1: a pod copy with the same size and hash is not sent again). Works with
 *          no internet in the pod.
 *   pod    curl, else wget, inside the pod (src/pod/poddl.sh), as the recipe does, from the same URL
 *          toolcache_url() gives (--tools-url / $DOTNETPROF_TOOLS_URL / https://aka.ms). A pod copy
 *          that matches the known SHA-512 is reused. Needs curl or wget in the pod. With no value
 *          known here, or no way to compute SHA-512 in the pod, it goes on unverified, with a
 *          warning that says so and how to pin the value ($DOTNETPROF_TOOLS_SHA512SUMS).
 *   auto   (default) in this order: (1) the local cache has the tool (toolcache_lookup, no network):
 *          push it (reused when the pod copy matches); (2) the pod already has a copy whose SHA-512
 *          is the known value: reuse it; (3) the pod has curl or wget and can compute SHA-512, and a
 *          value is known: download in the pod, verified; if that fails (but not on a mismatch),
 *          (4) local: download here and push. With no value known (aka.ms publishes none), it goes
 *          to (4) at once. -v (log_verbose) says which step was taken and why the earlier ones were
 *          passed over.
 * --refresh: the local cache downloads again (toolcache opts.refresh) and a pod copy is not reused
 * (pushed again / downloaded again).
 * Only a download failure (DPX_DOWNLOAD, DPX_BADTOOL) of a step passes on to the next step; anything
 * else (no space, a push that did not verify, kubectl failing, Ctrl-C) is final. When every step
 * failed, the last one's error is printed, with the pod's failure as an item under it.
 * A --tools-url of file://DIR names a directory here: the pod cannot download from it (auto goes
 * straight to the local cache; pod fails with DPX_DOWNLOAD).
 * Cost in execs: a cache hit costs the push's one or two (check, copy); otherwise one poddl.sh check
 * (skipped with --refresh), then the download or the push.
 *
 * In the pod a tool lives at WS/tools/dotnet-{tool} (mode 0700), listed in the manifest as kind
 * "tool". A copy downloaded in the pod gets a sidecar WS/tools/dotnet-{tool}.sum (listed, kind
 * "tool") holding "HASHCMD<TAB>HASH<TAB>SIZE<TAB>URL" as computed right after the download; only
 * --download pod with no value known here reuses a copy by it (unverified, and says so).
 * A pod download goes to a temp file in runs/RUNID/ and is renamed into tools/ only after: curl/wget
 * succeeded (HTTP errors fail: curl -f; wget fails on >= 400), TOOLCACHE_MIN_SIZE <= size <=
 * TOOLCACHE_MAX_SIZE, the file starts with "\177ELF" (an HTML page is rejected), the ELF
 * class/machine byte fits the RID when the pod can tell (od, else head and tail), and its SHA-512 is
 * the known value. The C library of the build (glibc or musl, the ELF interpreter) is not checked in
 * the pod: the URL carries the RID, and a mirror that serves the wrong one is caught by the SHA-512,
 * or by the tool failing to start.
 * curl runs with --proto =http,https --proto-redir =https (=http,https for an http URL: no
 * downgrade), --max-filesize TOOLCACHE_MAX_SIZE, --max-time (toolcache_max_time()),
 * --connect-timeout 15 --speed-limit 1024 --speed-time 30; wget under `timeout` of that time (else a
 * watchdog in the script), with -T 30 where it has that option (Debian's busybox before 1.36.1-5 was
 * built without it and crashes on -T). wget cannot refuse an https-to-http redirect: the SHA-512 is
 * what guards that download.
 * The .sum's hash command is sha512sum when the pod can compute SHA-512, else the pull's choice
 * (probe.h probe_best_hash). A pushed copy has no .sum; a later push of the same file is still not
 * sent again (push.h reuse).
 * -v lines, one per run, that tests rely on: "tool: dotnet-trace linux-x64: " followed by "pushed
 * from the local cache (...)", "reused the copy in the pod (...)", "downloaded in the pod with curl
 * from URL (...)" or "downloaded here from URL, pushed into the pod (...)" / "...; reused the copy in
 * the pod (...)"; and the plan's reasons before them. A download in the pod also says so with
 * log_info (as a push does), ending in "sha512 verified" or "NOT verified". A download from a plain
 * http URL is preceded by a warning that it is not authenticated.
 *
 * Failure convention (exitcodes.h): 0, or -DPX_* after the message was printed:
 * DPX_DOWNLOAD (unreachable, timeout, cut short, HTTP >= 400, an https-to-http redirect, in either
 * place; no curl/wget for --download pod), DPX_BADTOOL (not the tool, too big, a SHA-512 that does
 * not match, an explicit sums file that does not list it), DPX_USAGE (bad tool name, RID or tools URL),
 * DPX_TRANSFER (push did not verify), DPX_NOSPACE (no room in the pod or the cache), DPX_INTERRUPTED.
 * Messages say where the download was tried (here or in the pod), the URL, the reason, and a hint
 * (--download local for pods without internet, --tools-url for a mirror, DOTNETPROF_TOOLS_URL).
 */
#ifndef DOTNETPROF_PROVISION_H
#define DOTNETPROF_PROVISION_H

#include <limits.h>
#include <signal.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

struct kube;
struct probe;
struct target_pod;
struct workspace;

enum provision_strategy { PROV_AUTO = 0, PROV_LOCAL, PROV_POD };

/* "auto", "local", "pod" (NULL: auto) into *out. Returns 0, or -1 for anything else. */
int provision_parse_strategy(const char *s, enum provision_strategy *out);

/* What the planner may do, in the order it tries (see auto above). */
enum provision_step {
	PSTEP_PUSH_CACHED = 0, /* local cache hit: push (or reuse the pod copy that matches it) */
	PSTEP_REUSE_POD,       /* the pod's copy matches its .sum */
	PSTEP_POD_DOWNLOAD,    /* curl/wget in the pod */
	PSTEP_LOCAL_DOWNLOAD,  /* download here, then push */
};

/*
 * The planner (pure, unit-tested): the steps to try, in order, for `strategy`, given whether the
 * local cache holds the tool, whether the pod holds a copy matching the known SHA-512 (or, with none
 * known, its .sum), whether the pod can download (curl or wget, and an http(s) URL), whether what the
 * pod holds or fetches can be verified (a SHA-512 is known here and the pod can compute one), and
 * `refresh`. Writes at most 4 steps into `steps`, returns how many (0: nothing can work, e.g. pod
 * strategy without curl/wget: the caller says so). `why` (may be NULL) receives a one-line
 * explanation of the order for -v.
 *   local  cached and !refresh: PUSH_CACHED; else LOCAL_DOWNLOAD.
 *   pod    copy ok and !refresh: REUSE_POD; else POD_DOWNLOAD when it can; else nothing (verified
 *          or not: provision_tool warns when not).
 *   auto   cached and !refresh: PUSH_CACHED; else copy ok, verifiable and !refresh: REUSE_POD; else
 *          POD_DOWNLOAD (when it can and it is verifiable), LOCAL_DOWNLOAD. A cache hit or a
 *          reusable pod copy is the only step: no later step could do better after its failure.
 */
size_t provision_plan(enum provision_strategy strategy, int cached_locally, int pod_copy_ok,
		      int pod_can_download, int pod_can_verify, int refresh, enum provision_step *steps,
		      char *why, size_t whysize);

struct provision_opts {
	enum provision_strategy strategy;
	const char *tools_url;   /* --tools-url; NULL: $DOTNETPROF_TOOLS_URL, else https://aka.ms */
	int refresh;
	int progress;            /* progress bars on a terminal */
	const volatile sig_atomic_t *interrupted;
};

struct provision_result {
	char remote_path[PATH_MAX]; /* absolute path of the tool in the pod: WS/tools/dotnet-trace */
	enum provision_step step;   /* the step that succeeded */
	int downloaded_here;        /* the local cache downloaded it in this run */
	int uploaded;               /* bytes were pushed into the pod in this run */
	int downloaded_in_pod;      /* the pod downloaded it in this run */
};

/*
 * Make `tool` ("trace" or "dotnet-trace") for `rid` available in `ws` (opened with need_exec 1) of
 * pod->container. `pr` is the probe of that container (cmds: curl, wget, hash tools). 0 on success
 * with `r` filled, -DPX_* otherwise (message printed).
 */
int provision_tool(struct kube *k, const struct target_pod *pod, const struct probe *pr,
		   const struct workspace *ws, const char *rid, const char *tool,
		   const struct provision_opts *o, struct provision_result *r);

#endif
