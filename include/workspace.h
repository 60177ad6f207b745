/*
 * workspace.h - the plugin's private directory in a container, and the manifest of what it holds.
 *
 * One workspace per pod container: BASE/.dotnetprof, where BASE is the first of the probe's candidate
 * directories (TMPDIR, /tmp, /var/tmp, /dev/shm, $HOME, cwd) that is writable and allows exec (tools
 * run from it). Without such a directory, a caller that only stores artifacts may accept a writable
 * noexec one (need_exec 0); the choice is then said at -v (log_verbose).
 *
 *   BASE/.dotnetprof/            mode 0700, owned by the exec user, created by mkdir (atomic); an
 *                                existing one is used only if it is a real directory (not a symbolic
 *                                link) owned by the exec user with mode 0700, else it is refused
 *     manifest                   one line per thing placed in the workspace (below)
 *     tools/NAME                 tools, kept between runs (clean removes them)
 *     runs/RUNID/                one per plugin run: its artifacts, temp files of uploads, the
 *                                tools' extract dir (extract/), pid files (NAME.pid); everything
 *                                in it is covered by the run's own manifest line
 *
 * Manifest line: RUNID<TAB>KIND<TAB>PATH<TAB>SIZE<LF>. KIND is dir, tool, data (a file pushed into
 * a run), artifact (a file a tool will write: uncollected until it is copied out), kept (an artifact copied out and kept in the pod,
 * by --keep or a later fetch), pid (any other lowercase word is accepted and shown as it is); PATH is relative to the workspace (an absolute PATH is accepted on reading only
 * when it lies under the workspace); SIZE in bytes (0 for dirs). RUNID, KIND and SIZE never need
 * escaping; PATH is escaped as the probe escapes: \\ \t \n \r. Each line is appended with one short
 * write to a file opened O_APPEND, so concurrent runs never interleave lines. A run's own line
 * ("dir runs/RUNID") is written before runs/RUNID is created; a file's line before it is renamed into
 * place; so whatever a killed run leaves is either listed or inside a listed run directory.
 *
 * Concurrency: two runs against one container share the workspace but never a file: each has its own
 * runs/RUNID (RUNID = UTC time, local pid, 32 random bits); uploads go to a temp file in the run's
 * directory and are renamed into place (rename(2) is atomic, so a tool being run keeps its inode);
 * a tool already in tools/ with the same size and hash is reused (push.h: push_opts.reuse).
 *
 * Pid files (for the diag verbs): a tool started in the pod records its pid in runs/RUNID/NAME.pid
 * (decimal, one line), and the process must be the tool itself (`exec` it), run by its path under the
 * workspace: clean stops only a process whose argv[0] lies under the workspace. Beware: sh starts a
 * background job (`tool &`) with SIGINT ignored, and `trap - INT` cannot undo that, so such a tool
 * does not finalise on SIGINT; run it in the foreground of its exec, or through
 * `env --default-signal=INT` (coreutils >= 8.31) where the pod has it. clean falls back to SIGTERM,
 * then SIGKILL. The tools' extract dir (DOTNET_BUNDLE_EXTRACT_BASE_DIR) is runs/RUNID/extract.
 *
 * Failure convention (exitcodes.h): 0, or -DPX_* after the message was printed.
 */
#ifndef DOTNETPROF_WORKSPACE_H
#define DOTNETPROF_WORKSPACE_H

#include <stddef.h>

struct kube;
struct probe;
struct target_pod;

#define WS_DIRNAME ".dotnetprof"
#define WS_RUNID_MAX 64

/* What the open exec found at one path of the workspace (workspace_open_check). */
struct ws_have {
	int checked;              /* the open exec looked (rel is set) */
	int present;              /* a regular file was there, readable */
	unsigned long long size;
	char hash[129];           /* what the hash command printed ("" for size only) */
	char rel[256];            /* the path, relative to the workspace */
	char hashcmd[16];         /* the hash command used ("-": size only) */
};

struct workspace {
	char *path;               /* "/tmp/.dotnetprof" */
	int exec_ok;              /* the probe saw exec allowed in its directory */
	int created;              /* this run created the workspace */
	char runid[WS_RUNID_MAX]; /* this run's id */
	char *run_dir;            /* "/tmp/.dotnetprof/runs/RUNID" */
	struct ws_have have;      /* workspace_open_check's finding */
};

/*
 * A new run id: "YYYYmmddTHHMMSSZ-PID-RAND" (UTC, our pid, 8 hex digits from /dev/urandom, else the
 * clock). Only [0-9A-Za-z-]. Returns 0, or -1 (ENAMETOOLONG) when `buf` is too small.
 */
int workspace_new_runid(char *buf, size_t size);

/* 1 when `id` is a valid run id (non-empty, < WS_RUNID_MAX, only [0-9A-Za-z-]). */
int workspace_runid_ok(const char *id);

/*
 * The planner: indexes into pr->dirs of the candidate directories to try, best first: writable and
 * exec-permitted ones in probe order, then (need_exec 0 only) writable non-exec ones. Writes at most
 * `max` indexes into `idx` and returns how many (0: none is usable).
 */
size_t workspace_candidates(const struct probe *pr, int need_exec, size_t *idx, size_t max);

/*
 * Open a workspace for this run in pod->container (one exec): the first candidate that works is
 * used; a fresh run id is made and runs/RUNID created. `ws` is filled (release with
 * workspace_release). Errors (-DPX_ERROR unless the exec itself failed): no candidate directory (with
 * a hint about noexec /tmp and read-only roots), every candidate refused (each reason listed).
 */
int workspace_open(struct kube *k, const struct target_pod *pod, const struct probe *pr,
		   int need_exec, struct workspace *ws);

/*
 * workspace_open, and in the same exec the size and `hashcmd` hash ("sha256sum", "md5sum", "cksum",
 * or "-" for size only) of the file at `check_rel` in the workspace (the tool the run will use), in
 * ws->have: a push with reuse (push.h) then needs no exec of its own to find the copy current.
 */
int workspace_open_check(struct kube *k, const struct target_pod *pod, const struct probe *pr,
			 int need_exec, const char *check_rel, const char *hashcmd,
			 struct workspace *ws);
void workspace_release(struct workspace *ws);

/*
 * `remote` was fetched: when it is a file of a workspace (BASE/.dotnetprof/runs/...), its manifest
 * line becomes "kept" (src/pod/collected.sh; one exec), so the next verbs stop reporting it as
 * uncollected. Best effort: a failure is said at -v only. Nothing is run for other paths.
 */
void workspace_mark_collected(struct kube *k, const struct target_pod *pod, const char *remote);

/* "WS/REL" newly allocated, or NULL (ENOMEM). */
char *workspace_path(const struct workspace *ws, const char *rel);

/*
 * Escape `s` for the manifest (\\ \t \n \r) into `out`. Returns 0, or -1 (ENAMETOOLONG) when it does
 * not fit. workspace_unescape is the inverse for `len` bytes of `s`; -1 on a bad escape or no room.
 */
int workspace_escape(const char *s, char *out, size_t outsize);
int workspace_unescape(const char *s, size_t len, char *out, size_t outsize);

/*
 * A manifest line (without its newline) into `out`: RUNID, KIND, PATH (escaped), SIZE. Returns 0 or
 * -1 (invalid run id or kind, or no room).
 */
int workspace_manifest_line(const char *runid, const char *kind, const char *relpath,
			    unsigned long long size, char *out, size_t outsize);

/* One parsed manifest line. */
struct ws_manifest_entry {
	char runid[WS_RUNID_MAX];
	char kind[16];            /* as written; unknown kinds are kept */
	char *rel;                /* relative to the workspace, normalised; NULL when refused */
	unsigned long long size;
	const char *refused;      /* why the path was refused (static text), or NULL */
};

/*
 * Parse one manifest line of `len` bytes (no newline). `ws` is the workspace's absolute path, to
 * accept absolute paths under it. A well-formed line whose path is unsafe (absolute outside the
 * workspace, "..", ".", empty components, the workspace itself, the manifest) is returned with rel
 * NULL and `refused` set: the caller reports it and never acts on it. Returns 0, or -1 for a line
 * that is not a manifest line at all. Free e->rel.
 */
int workspace_manifest_parse(const char *line, size_t len, const char *ws,
			     struct ws_manifest_entry *e);

/*
 * Check a relative path inside the workspace: non-empty, not absolute, no "", "." or ".."
 * component, not "manifest" itself. 1 when fine.
 */
int workspace_rel_ok(const char *rel);

/*
 * Iterate over the lines of a mutable NUL-terminated buffer: returns the next line (its '\n' replaced
 * by NUL, *cur advanced past it), or NULL at the end. Stops at the first NUL byte.
 */
char *workspace_next_line(char **cur);

/*
 * Split a NUL-terminated report line (the scripts' records) in place at TABs and unescape each field
 * in place. Stores at most `max` field pointers; returns the number of fields (which may exceed
 * `max`), or -1 on a bad escape.
 */
int workspace_split(char *line, char **fields, size_t max);


#endif
