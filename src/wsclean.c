/*
 * wsclean.c - the clean plan: parse what the pod reports about its workspaces, decide what to remove
 * (manifest entries, then unlisted leftovers), run the removal and read its results. The rules are
 * in include/wsclean.h.
 */
#include "wsclean.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcodes.h"
#include "kube.h"
#include "log.h"
#include "podexec.h"
#include "podscripts.h"
#include "strvec.h"
#include "target.h"
#include "workspace.h"

/* An "e" record of the scan: an entry seen at the top, in tools/ or in runs/. */
struct entry {
	char *rel;
	char type;
	long long kb;
};

/* Scratch state while parsing one workspace. */
struct pending {
	struct ws_manifest_entry *m;
	size_t nm;
	struct entry *e;
	size_t ne;
	int discard;              /* discard uncollected files too */
};

static void pending_clear(struct pending *pd)
{
	size_t i;

	for (i = 0; i < pd->nm; i++)
		free(pd->m[i].rel);
	for (i = 0; i < pd->ne; i++)
		free(pd->e[i].rel);
	free(pd->m);
	free(pd->e);
	pd->m = NULL, pd->e = NULL;
	pd->nm = pd->ne = 0;
}

static void found_release(struct ws_found *f)
{
	size_t i;

	for (i = 0; i < f->nitems; i++)
		free(f->items[i].rel);
	for (i = 0; i < f->nrefused; i++)
		free(f->refused[i].path);
	for (i = 0; i < f->npids; i++)
		free(f->pids[i].rel);
	free(f->items);
	free(f->refused);
	free(f->pids);
	free(f->path);
	free(f->why);
	free(f->kept_why);
	memset(f, 0, sizeof(*f));
}

void ws_scan_release(struct ws_scan *s)
{
	size_t i;

	for (i = 0; i < s->nws; i++)
		found_release(&s->ws[i]);
	free(s->ws);
	s->ws = NULL;
	s->nws = 0;
}

/* Grow an array of `size`-byte elements by one zeroed element; returns it or NULL. */
static void *grow(void *arrp, size_t *n, size_t size)
{
	void **arr = arrp;
	char *na = realloc(*arr, (*n + 1) * size);

	if (!na)
		return NULL;
	*arr = na;
	memset(na + *n * size, 0, size);
	return na + (*n)++ * size;
}

/* 1 when `rel` is `dir` or lies under it. */
static int under(const char *rel, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(rel, dir, n) && (rel[n] == '\0' || rel[n] == '/');
}

/* Depth-limited scan: entries directly in the workspace, in tools/ and in runs/ were listed. */
static int scanned_level(const char *rel)
{
	const char *slash = strchr(rel, '/');

	if (!slash)
		return 1;
	if (strchr(slash + 1, '/'))
		return 0;
	return (slash - rel == 5 && !strncmp(rel, "tools", 5)) ||
	       (slash - rel == 4 && !strncmp(rel, "runs", 4));
}

static const struct entry *find_entry(const struct pending *pd, const char *rel)
{
	size_t i;

	for (i = 0; i < pd->ne; i++)
		if (!strcmp(pd->e[i].rel, rel))
			return &pd->e[i];
	return NULL;
}

/* Is `rel` equal to or under an item already planned? */
static int covered(const struct ws_found *f, const char *rel)
{
	size_t i;

	for (i = 0; i < f->nitems; i++)
		if (under(rel, f->items[i].rel))
			return 1;
	return 0;
}

static int add_item(struct ws_found *f, const char *rel, const char *kind, int listed,
		    const struct entry *e, int scanned)
{
	struct ws_item *it = grow(&f->items, &f->nitems, sizeof(*it));

	if (!it || !(it->rel = strdup(rel)))
		return -1;
	strlcpy(it->kind, kind, sizeof(it->kind));
	it->listed = listed;
	it->type = e ? e->type : scanned ? 0 : '?';
	it->kb = e ? e->kb : scanned ? 0 : -1;
	it->result = it->type ? WS_R_PLANNED : WS_R_GONE;
	return 0;
}

/* A pid of run directory `run` that runs (ours or not). */
static int run_busy(const struct ws_found *f, const char *run)
{
	size_t i;

	for (i = 0; i < f->npids; i++)
		if (under(f->pids[i].rel, run) && strcmp(f->pids[i].state, "gone"))
			return 1;
	return 0;
}

/* Uncollected files: planned first, and kept unless discarded. */
static int plan_uncollected(struct ws_found *f, const struct pending *pd)
{
	size_t i;

	for (i = 0; i < pd->nm; i++) {
		const struct ws_manifest_entry *m = &pd->m[i];
		const struct entry *e = m->rel ? find_entry(pd, m->rel) : NULL;

		if (!e || e->type != 'f' || strcmp(m->kind, "artifact") || covered(f, m->rel))
			continue;
		if (add_item(f, m->rel, m->kind, 1, e, 1) < 0)
			return -1;
		f->items[f->nitems - 1].uncollected = 1;
		if (!pd->discard)
			f->items[f->nitems - 1].result = WS_R_KEPT;
	}
	return 0;
}

/*
 * A run directory holding a kept file is emptied around it (clean.sh), or left whole while a tool of
 * that run still runs (it may still be writing the file).
 */
static void keep_busy_runs(struct ws_found *f)
{
	size_t i, j;

	for (i = 0; i < f->nitems; i++)
		for (j = 0; j < f->nitems; j++)
			if (i != j && f->items[j].result == WS_R_KEPT &&
			    under(f->items[j].rel, f->items[i].rel) && run_busy(f, f->items[i].rel))
				f->items[i].result = WS_R_KEPT;
}

/*
 * Uncollected files first (plan_uncollected), then listed entries (shallowest first, so a run
 * directory covers what is inside it), then every scanned entry that is neither structure
 * (manifest, tools, runs) nor covered.
 */
static int plan(struct ws_found *f, const struct pending *pd)
{
	size_t i, pass;

	if (plan_uncollected(f, pd) < 0)
		return -1;
	for (pass = 1; pass <= 3; pass++)
		for (i = 0; i < pd->nm; i++) {
			const struct ws_manifest_entry *m = &pd->m[i];
			const char *s;
			size_t depth = 1;

			if (!m->rel)
				continue;
			for (s = m->rel; *s; s++)
				depth += *s == '/';
			if ((pass < 3 && depth != pass) || (pass == 3 && depth < 3) ||
			    covered(f, m->rel))
				continue;
			if (add_item(f, m->rel, m->kind, 1, find_entry(pd, m->rel),
				     scanned_level(m->rel)) < 0)
				return -1;
		}
	for (i = 0; i < pd->ne; i++) {
		const struct entry *e = &pd->e[i];

		if (!strcmp(e->rel, "manifest") || ((!strcmp(e->rel, "tools") ||
		     !strcmp(e->rel, "runs")) && e->type == 'd') || covered(f, e->rel))
			continue;
		if (add_item(f, e->rel, "unlisted", 0, e, 1) < 0)
			return -1;
	}
	keep_busy_runs(f);
	f->total_kb = 0;
	for (i = 0; i < pd->ne; i++)
		if (!strchr(pd->e[i].rel, '/') && pd->e[i].kb > 0)
			f->total_kb += pd->e[i].kb;
	return 0;
}

static int parse_long(const char *s, long long *v)
{
	char *end;

	errno = 0;
	*v = strtoll(s, &end, 10);
	return !*s || *end || errno ? -1 : 0;
}

/* Finish the workspace being parsed: plan it. */
static int close_ws(struct ws_scan *s, struct pending *pd)
{
	int r = 0;

	if (s->nws && s->ws[s->nws - 1].ours)
		r = plan(&s->ws[s->nws - 1], pd);
	pending_clear(pd);
	return r;
}

static int scan_record(struct ws_scan *s, struct pending *pd, char *line, char *err, size_t errsize)
{
	struct ws_found *f = s->nws ? &s->ws[s->nws - 1] : NULL;
	char *fl[6];
	int n;

	if (!strncmp(line, "m\t", 2)) {
		struct ws_manifest_entry *m;
		struct ws_refusal *r;

		if (!f)
			goto bad;
		m = grow(&pd->m, &pd->nm, sizeof(*m));
		if (!m)
			goto oom;
		if (workspace_manifest_parse(line + 2, strlen(line + 2), f->path, m) < 0) {
			pd->nm--;
			r = grow(&f->refused, &f->nrefused, sizeof(*r));
			if (!r || !(r->path = strdup(line + 2)))
				goto oom;
			r->why = "not a manifest line";
		} else if (!m->rel) {
			char *fl2[4];
			char *copy = strdup(line + 2);

			r = grow(&f->refused, &f->nrefused, sizeof(*r));
			if (!copy || !r) {
				free(copy);
				goto oom;
			}
			r->path = copy;
			if (workspace_split(copy, fl2, 4) == 4)
				memmove(copy, fl2[2], strlen(fl2[2]) + 1);
			r->why = m->refused;
		}
		return 0;
	}
	n = workspace_split(line, fl, 6);
	if (n < 1)
		goto bad;
	if (!strcmp(fl[0], "ws") && n == 4) {
		if (close_ws(s, pd) < 0)
			goto oom;
		f = grow(&s->ws, &s->nws, sizeof(*f));
		if (!f || !(f->path = strdup(fl[1])) || !(f->why = strdup(fl[3])))
			goto oom;
		f->ours = !strcmp(fl[2], "1");
	} else if (!strcmp(fl[0], "e") && n == 4 && f) {
		struct entry *e;
		long long kb;

		if (!workspace_rel_ok(fl[1]) && strcmp(fl[1], "manifest"))
			goto bad;
		if (strlen(fl[2]) != 1 || !strchr("fdlo", fl[2][0]) || parse_long(fl[3], &kb) < 0)
			goto bad;
		e = grow(&pd->e, &pd->ne, sizeof(*e));
		if (!e || !(e->rel = strdup(fl[1])))
			goto oom;
		e->type = fl[2][0];
		e->kb = kb;
	} else if (!strcmp(fl[0], "p") && n == 4 && f) {
		struct ws_pid *p = grow(&f->pids, &f->npids, sizeof(*p));
		long long pid = 0;

		if (!p || !(p->rel = strdup(fl[1])))
			goto oom;
		if (*fl[2] && (parse_long(fl[2], &pid) < 0 || pid <= 0))
			goto bad;
		p->pid = (long)pid;
		strlcpy(p->state, fl[3], sizeof(p->state));
	} else if (strcmp(fl[0], "ws") && strcmp(fl[0], "e") && strcmp(fl[0], "p")) {
		return 0; /* unknown record: forward compatible */
	} else {
		goto bad;
	}
	return 0;
bad:
	snprintf(err, errsize, "malformed record \"%.60s\"", line);
	return -1;
oom:
	snprintf(err, errsize, "out of memory");
	return -1;
}

/* Copy `len` bytes into a NUL-terminated buffer (rejecting NULs inside). */
static char *dup_text(const char *text, size_t len)
{
	char *s;

	if (memchr(text, '\0', len))
		return NULL;
	s = malloc(len + 1);
	if (!s)
		return NULL;
	memcpy(s, text, len);
	s[len] = '\0';
	return s;
}

int ws_scan_parse(const char *text, size_t len, int discard_uncollected, struct ws_scan *s,
		  char *err, size_t errsize)
{
	struct pending pd = { NULL, 0, NULL, 0, discard_uncollected };
	char *buf = dup_text(text, len), *cur, *line;
	int ended = 0, ret = -1;

	memset(s, 0, sizeof(*s));
	if (!buf) {
		snprintf(err, errsize, "unreadable report (NUL byte or out of memory)");
		return -1;
	}
	cur = buf;
	while ((line = workspace_next_line(&cur))) {
		if (ended) {
			snprintf(err, errsize, "output after \"end\"");
			goto out;
		}
		if (!strcmp(line, "end")) {
			ended = 1;
			continue;
		}
		if (scan_record(s, &pd, line, err, errsize) < 0)
			goto out;
	}
	if (!ended) {
		snprintf(err, errsize, "the report was cut short (no \"end\")");
		goto out;
	}
	if (close_ws(s, &pd) < 0) {
		snprintf(err, errsize, "out of memory");
		goto out;
	}
	ret = 0;
out:
	pending_clear(&pd);
	free(buf);
	if (ret < 0)
		ws_scan_release(s);
	return ret;
}

static struct ws_item *find_item(struct ws_found *f, const char *rel)
{
	size_t i;

	for (i = 0; i < f->nitems; i++)
		if (!strcmp(f->items[i].rel, rel))
			return &f->items[i];
	return NULL;
}

int ws_remove_parse(const char *text, size_t len, struct ws_found *f, char *err, size_t errsize)
{
	static const char *const names[] = { "planned", "removed", "gone", "refused", "failed",
					     "kept", "pruned" };
	char *buf = dup_text(text, len), *cur, *line;
	int done = 0, ret = -1;

	if (!buf) {
		snprintf(err, errsize, "unreadable report");
		return -1;
	}
	cur = buf;
	while ((line = workspace_next_line(&cur))) {
		char *fl[4];
		int n = workspace_split(line, fl, 4);

		if (n == 3 && !strcmp(fl[0], "r")) {
			struct ws_item *it = find_item(f, fl[1]);
			size_t r;

			for (r = 1; it && r < sizeof(names) / sizeof(names[0]); r++)
				if (!strcmp(fl[2], names[r]))
					it->result = (enum ws_result)r;
		} else if (n == 3 && !strcmp(fl[0], "k")) {
			size_t i;

			for (i = 0; i < f->npids; i++)
				if (f->pids[i].pid == strtol(fl[1], NULL, 10))
					strlcpy(f->pids[i].state, fl[2], sizeof(f->pids[i].state));
		} else if (n == 3 && !strcmp(fl[0], "done")) {
			done = 1;
			f->removed = !strcmp(fl[1], "removed");
			free(f->kept_why);
			if (!(f->kept_why = strdup(fl[2])))
				goto out;
		}
	}
	if (!done) {
		snprintf(err, errsize, "the removal was cut short (no \"done\")");
		goto out;
	}
	ret = 0;
out:
	free(buf);
	return ret;
}

static int run_clean(struct kube *k, const struct target_pod *pod, const char *const *args,
		     struct proc *p)
{
	return podexec_script(k, pod, clean_sh, args, p);
}

int ws_scan_pod(struct kube *k, const struct target_pod *pod, int discard_uncollected,
		struct ws_scan *s)
{
	static const char *const args[] = { "scan", NULL };
	char err[256];
	struct proc p;
	int ret;

	proc_init(&p, NULL);
	memset(s, 0, sizeof(*s));
	if ((ret = run_clean(k, pod, args, &p)) < 0)
		goto out;
	if (p.status != 0 ||
	    ws_scan_parse(p.out_buf, p.out_len, discard_uncollected, s, err, sizeof(err)) < 0) {
		ret = -DPX_ERROR;
		log_error("cannot list the workspaces in container \"%s\" of pod \"%s\": %s",
			  pod->container, pod->name, p.status ? "the scan failed" : err);
		log_hint("run with -vv to see what it printed");
		goto out;
	}
	ret = 0;
out:
	proc_release(&p);
	return ret;
}

int ws_remove_args(const struct ws_found *f, struct strvec *args)
{
	char nkeep[24];
	size_t i, n = 0;

	for (i = 0; i < f->nitems; i++)
		n += f->items[i].result == WS_R_KEPT;
	snprintf(nkeep, sizeof(nkeep), "%zu", n); /* fits */
	if (strvec_push(args, "remove") < 0 || strvec_push(args, f->path) < 0 ||
	    strvec_push(args, nkeep) < 0)
		return -1;
	for (i = 0; i < f->nitems; i++)
		if (f->items[i].result == WS_R_KEPT && strvec_push(args, f->items[i].rel) < 0)
			return -1;
	for (i = 0; i < f->nitems; i++)
		if (f->items[i].result == WS_R_PLANNED && strvec_push(args, f->items[i].rel) < 0)
			return -1;
	return 0;
}

int ws_remove_pod(struct kube *k, const struct target_pod *pod, struct ws_found *f)
{
	struct strvec args = STRVEC_INIT;
	char err[256];
	struct proc p;
	int ret = -DPX_ERROR;

	proc_init(&p, NULL);
	if (ws_remove_args(f, &args) < 0)
		goto oom;
	if ((ret = run_clean(k, pod, strvec_argv(&args), &p)) < 0)
		goto out;
	if (ws_remove_parse(p.out_buf, p.out_len, f, err, sizeof(err)) < 0) {
		ret = -DPX_ERROR;
		log_error("cannot clean %s in container \"%s\" of pod \"%s\": %s", f->path,
			  pod->container, pod->name, err);
		log_hint("run with -vv to see what it printed");
		goto out;
	}
	ret = 0;
	goto out;
oom:
	log_error("clean: out of memory");
out:
	strvec_clear(&args);
	proc_release(&p);
	return ret;
}
