/*
 * wsclean.h - find the workspaces in a container, plan what `clean` removes, and remove it.
 *
 * Two execs of src/clean.sh (after wslib.sh): "scan" reports every BASE/.dotnetprof in the candidate
 * directories (TMPDIR, /tmp, /var/tmp, /dev/shm, HOME, cwd), its manifest, its entries (top level,
 * tools/ and runs/) and pid files; the plan is made here (testable without a pod); "remove" stops our
 * tools and removes the planned paths, checking each again in the pod. --dry-run stops after the scan.
 *
 * What is kept: the files of "artifact" lines (runs made them and did not copy them out; the probe
 * reports them as uncollected), unless asked to discard them; a run directory holding one is
 * emptied around it, and left alone while a tool of that run still runs (it may be writing it).
 *
 * What is removed (the decision for entries the manifest does not list):
 *   - every manifest entry whose path is safe (workspace_manifest_parse), once, and nothing under an
 *     entry already planned (a run directory covers its artifacts, extract dir and pid files);
 *   - every other entry at the top, in tools/ and in runs/ ("unlisted"): the workspace is a 0700
 *     directory of the exec user that only the plugin writes to, so such entries are leftovers of
 *     runs killed between creating a file and writing its line (or of older versions); leaving them
 *     would leave the pod different from before the plugin touched it. They are reported as unlisted.
 *   - then runs/, tools/, the manifest and the workspace itself, only if nothing else is left.
 * Never: anything outside the workspace. Paths are relative, without "."/".." components, and the
 * pod re-checks that no directory above them is a symbolic link; `rm -rf` does not follow symbolic
 * links, so a link inside the workspace pointing outside is removed as a link. A workspace that is
 * not ours (a symbolic link, another owner, another mode) is reported and left alone.
 * Processes: for each runs/ * /NAME.pid whose pid runs and whose argv[0] lies under the workspace:
 * SIGINT (the tools finalise their output), up to 10 s; SIGTERM, 3 s; SIGKILL. Other pids are left.
 *
 * Failure convention (exitcodes.h): 0, or -DPX_* after the message was printed.
 */
#ifndef DOTNETPROF_WSCLEAN_H
#define DOTNETPROF_WSCLEAN_H

#include <stddef.h>

struct kube;
struct strvec;
struct target_pod;

enum ws_result {
	WS_R_PLANNED = 0,    /* not acted on (yet, or --dry-run) */
	WS_R_REMOVED,
	WS_R_GONE,           /* already absent */
	WS_R_REFUSED,        /* the pod refused the path (a symbolic link above it) */
	WS_R_FAILED,         /* rm failed */
	WS_R_KEPT,           /* an uncollected file, or a run directory whose tool still runs */
	WS_R_PRUNED,         /* a directory emptied around what is kept */
};

struct ws_item {
	char *rel;           /* relative to the workspace */
	char kind[16];       /* manifest kind (dir, tool, artifact, pid, ...) or "unlisted" */
	int listed;
	int uncollected;     /* an "artifact" file that is there: no run copied it out */
	char type;           /* f d l o as scanned; '?' not scanned (deeper); 0 absent */
	long long kb;        /* disk use, -1 unknown */
	enum ws_result result;
};

struct ws_refusal {
	char *path;          /* the manifest's path, unescaped; or the raw line when unparsable */
	const char *why;
};

struct ws_pid {
	char *rel;           /* the pid file */
	long pid;            /* 0 when unreadable */
	char state[16];      /* running | foreign | gone (scan); after remove: INT TERM KILL stuck
	                        foreign */
};

struct ws_found {
	char *path;          /* BASE/.dotnetprof */
	int ours;            /* 0: left alone, `why` says why */
	char *why;
	struct ws_item *items;
	size_t nitems;
	struct ws_refusal *refused;
	size_t nrefused;
	struct ws_pid *pids;
	size_t npids;
	long long total_kb;  /* disk use of everything in it (sum of its top entries) */
	int removed;         /* remove: the workspace itself is gone */
	char *kept_why;      /* remove: why it was kept */
};

struct ws_scan {
	struct ws_found *ws;
	size_t nws;
};

void ws_scan_release(struct ws_scan *s);

/*
 * Parse the scan output (`len` bytes, need not be NUL-terminated) and make the plan for each
 * workspace; uncollected files are kept unless `discard_uncollected`. Returns 0, or -1 with a
 * reason in `err` (no "end": cut short; a bad record).
 */
int ws_scan_parse(const char *text, size_t len, int discard_uncollected, struct ws_scan *s,
		  char *err, size_t errsize);

/* Apply the remove exec's output to `f` (results, pids, removed/kept). 0 or -1 (bad output). */
int ws_remove_parse(const char *text, size_t len, struct ws_found *f, char *err, size_t errsize);

/* Run the scan in pod->container (chosen) and parse it into `s` (ws_scan_parse). 0 or -DPX_*. */
int ws_scan_pod(struct kube *k, const struct target_pod *pod, int discard_uncollected,
		struct ws_scan *s);

/* The remove exec's arguments for `f` (clean.sh: remove WS NKEEP KEEP... REL...). 0 or -1 (ENOMEM). */
int ws_remove_args(const struct ws_found *f, struct strvec *args);

/* Run the remove exec for `f` (ours) and apply its results. 0 or -DPX_* (exec or parse failure). */
int ws_remove_pod(struct kube *k, const struct target_pod *pod, struct ws_found *f);

#endif
