/*
 * workspace.c - choose, create and open the plugin's private directory in a container; the manifest's
 * line format (escaping, parsing, path checks). Layout and rules: include/workspace.h.
 */
#include "workspace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exitcodes.h"
#include "kube.h"
#include "log.h"
#include "podexec.h"
#include "podscripts.h"
#include "probe.h"
#include "strvec.h"
#include "target.h"

static int runid_char(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

int workspace_runid_ok(const char *id)
{
	size_t i;

	if (!id || !*id)
		return 0;
	for (i = 0; id[i]; i++)
		if (i >= WS_RUNID_MAX - 1 || !runid_char((unsigned char)id[i]))
			return 0;
	return 1;
}

static unsigned random32(void)
{
	unsigned v = 0;
	struct timespec ts;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		ssize_t n = read(fd, &v, sizeof(v));

		close(fd);
		if (n == (ssize_t)sizeof(v))
			return v;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned)ts.tv_nsec ^ ((unsigned)getpid() << 16);
}

int workspace_new_runid(char *buf, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;
	int n;

	if (!gmtime_r(&now, &tm))
		memset(&tm, 0, sizeof(tm));
	n = snprintf(buf, size, "%04d%02d%02dT%02d%02d%02dZ-%ld-%08x", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)getpid(),
		     random32());
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

size_t workspace_candidates(const struct probe *pr, int need_exec, size_t *idx, size_t max)
{
	size_t i, n = 0;
	int pass;

	for (pass = 0; pass < (need_exec ? 1 : 2); pass++)
		for (i = 0; i < pr->ndirs && n < max; i++) {
			const struct probe_dir *d = &pr->dirs[i];

			if (d->writable && (pass == 0 ? d->exec_ok : !d->exec_ok))
				idx[n++] = i;
		}
	return n;
}

void workspace_release(struct workspace *ws)
{
	free(ws->path);
	free(ws->run_dir);
	memset(ws, 0, sizeof(*ws));
}

/* "A/B", without doubling a trailing slash of A (the root directory as a candidate). */
static char *join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 2);

	if (!s)
		return NULL;
	while (la > 1 && a[la - 1] == '/')
		la--;
	memcpy(s, a, la);
	if (!(la == 1 && a[0] == '/'))
		s[la++] = '/';
	memcpy(s + la, b, lb + 1);
	return s;
}

char *workspace_path(const struct workspace *ws, const char *rel)
{
	return join(ws->path, rel);
}

int workspace_escape(const char *s, char *out, size_t outsize)
{
	size_t o = 0;

	for (; *s; s++) {
		char esc = *s == '\\' ? '\\' : *s == '\t' ? 't' : *s == '\n' ? 'n' : *s == '\r' ? 'r' : 0;
		size_t need = esc ? 2 : 1;

		if (o + need >= outsize) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (esc) {
			out[o++] = '\\';
			out[o++] = esc;
		} else {
			out[o++] = *s;
		}
	}
	if (o >= outsize) {
		errno = ENAMETOOLONG;
		return -1;
	}
	out[o] = '\0';
	return 0;
}

int workspace_unescape(const char *s, size_t len, char *out, size_t outsize)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '\0' || c == '\t' || c == '\n' || c == '\r')
			return -1;
		if (c == '\\') {
			if (++i >= len)
				return -1;
			switch (s[i]) {
			case '\\': c = '\\'; break;
			case 't': c = '\t'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			default: return -1;
			}
		}
		if (o + 1 >= outsize)
			return -1;
		out[o++] = c;
	}
	if (o >= outsize)
		return -1;
	out[o] = '\0';
	return 0;
}

char *workspace_next_line(char **cur)
{
	char *line = *cur, *nl;

	if (!line || !*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*cur = nl + 1;
	} else {
		*cur = line + strlen(line);
	}
	return line;
}

int workspace_split(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *s = line;

	for (;;) {
		char *tab = strchr(s, '\t');
		size_t len = tab ? (size_t)(tab - s) : strlen(s);

		if (workspace_unescape(s, len, s, len + 1) < 0)
			return -1;
		if (n < max)
			fields[n] = s;
		n++;
		if (!tab)
			break;
		s = tab + 1;
	}
	return n > (size_t)0x7fffffff ? -1 : (int)n;
}

static int kind_ok(const char *kind)
{
	size_t i;

	if (!*kind || strlen(kind) >= sizeof(((struct ws_manifest_entry *)0)->kind))
		return 0;
	for (i = 0; kind[i]; i++)
		if (kind[i] < 'a' || kind[i] > 'z')
			return 0;
	return 1;
}

int workspace_manifest_line(const char *runid, const char *kind, const char *relpath,
			    unsigned long long size, char *out, size_t outsize)
{
	char esc[4096];
	int n;

	if (!workspace_runid_ok(runid) || !kind_ok(kind) || !workspace_rel_ok(relpath) ||
	    workspace_escape(relpath, esc, sizeof(esc)) < 0) {
		errno = EINVAL;
		return -1;
	}
	n = snprintf(out, outsize, "%s\t%s\t%s\t%llu", runid, kind, esc, size);
	if (n < 0 || (size_t)n >= outsize) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int workspace_rel_ok(const char *rel)
{
	const char *s = rel;

	if (!rel || !*rel || *rel == '/' || !strcmp(rel, "manifest"))
		return 0;
	for (;;) {
		size_t len = strcspn(s, "/");

		if (len == 0 || (len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
			return 0;
		if (!s[len])
			return 1;
		s += len + 1;
	}
}

int workspace_manifest_parse(const char *line, size_t len, const char *ws,
			     struct ws_manifest_entry *e)
{
	char *copy, *f[5], *end;
	const char *path;
	size_t wl = ws ? strlen(ws) : 0;
	int n, ret = -1;

	memset(e, 0, sizeof(*e));
	if (memchr(line, '\0', len) || !(copy = strndup(line, len)))
		return -1;
	n = workspace_split(copy, f, 5);
	if (n != 4 || !workspace_runid_ok(f[0]) || !kind_ok(f[1]) || !*f[3] || *f[3] == '-')
		goto out;
	errno = 0;
	e->size = strtoull(f[3], &end, 10);
	if (errno || *end)
		goto out;
	strlcpy(e->runid, f[0], sizeof(e->runid)); /* both fit: checked above */
	strlcpy(e->kind, f[1], sizeof(e->kind));
	path = f[2];
	if (*path == '/') {
		if (!ws || !wl || strncmp(path, ws, wl) || path[wl] != '/') {
			e->refused = "absolute path outside the workspace";
			ret = 0;
			goto out;
		}
		path += wl + 1;
	}
	if (!workspace_rel_ok(path)) {
		e->refused = "not a plain path inside the workspace (empty, \".\" or \"..\" component)";
		ret = 0;
		goto out;
	}
	if (!(e->rel = strdup(path)))
		goto out;
	ret = 0;
out:
	free(copy);
	return ret;
}

/* Candidate list for messages: "/tmp (writable, noexec), /var/tmp (read-only), ...". */
static void describe_dirs(const struct probe *pr)
{
	size_t i;

	for (i = 0; i < pr->ndirs; i++)
		log_item("%s: %s, %s", pr->dirs[i].path,
			 pr->dirs[i].writable ? "writable" : "not writable",
			 pr->dirs[i].exec_ok ? "exec allowed" : "no exec");
}

int workspace_open(struct kube *k, const struct target_pod *pod, const struct probe *pr,
		   int need_exec, struct workspace *ws)
{
	return workspace_open_check(k, pod, pr, need_exec, NULL, NULL, ws);
}

/* A "have SIZE HASH" / "have-none" record of the open script into ws->have. */
static void take_have(struct workspace *ws, char **f, int nf)
{
	char *end;

	if (nf == 3 && !strcmp(f[0], "have")) {
		ws->have.size = strtoull(f[1], &end, 10);
		/* a hash that does not fit is not one we could match: as if absent */
		ws->have.present = *f[1] && !*end &&
				   strlcpy(ws->have.hash, strcmp(f[2], "-") ? f[2] : "",
					   sizeof(ws->have.hash)) < sizeof(ws->have.hash);
	}
}

int workspace_open_check(struct kube *k, const struct target_pod *pod, const struct probe *pr,
			 int need_exec, const char *check_rel, const char *hashcmd,
			 struct workspace *ws)
{
	struct strvec args = STRVEC_INIT;
	size_t idx[16], n, i;
	char *line, *cur, rel[WS_RUNID_MAX + 8];
	const char *why[16];
	size_t nwhy = 0;
	struct proc p;
	long used = -1;
	int created = 0, ret = -DPX_ERROR;

	memset(ws, 0, sizeof(*ws));
	proc_init(&p, NULL);
	n = workspace_candidates(pr, need_exec, idx, sizeof(idx) / sizeof(idx[0]));
	if (!n) {
		log_error("no directory for the workspace in container \"%s\" of pod \"%s\": none is "
			  "writable%s", pod->container, pod->name, need_exec ? " and allows exec" : "");
		describe_dirs(pr);
		log_hint("the tools need a writable directory without noexec (an emptyDir volume "
			 "mounted at /tmp or TMPDIR pointing to one)");
		goto out;
	}
	if (workspace_new_runid(ws->runid, sizeof(ws->runid)) < 0 ||
	    strvec_push(&args, ws->runid) < 0 || strvec_push(&args, check_rel ? check_rel : "-") < 0 ||
	    strvec_push(&args, check_rel && hashcmd ? hashcmd : "-") < 0)
		goto oom;
	for (i = 0; i < n; i++)
		if (strvec_push(&args, pr->dirs[idx[i]].path) < 0)
			goto oom;
	if ((ret = podexec_script(k, pod, workspace_sh, strvec_argv(&args), &p)) < 0)
		goto out;
	ret = -DPX_ERROR;
	cur = p.out_buf;
	while ((line = workspace_next_line(&cur))) {
		char *f[3];
		long num;
		int nf = workspace_split(line, f, 3);

		take_have(ws, f, nf);
		if (nf != 3)
			continue;
		num = strtol(f[1], NULL, 10);
		if (num < 1 || (size_t)num > n)
			continue;
		if (!strcmp(f[0], "ws")) {
			used = num - 1;
			created = !strcmp(f[2], "1");
		} else if (!strcmp(f[0], "skip")) {
			log_verbose("workspace: passed over %s: %s", pr->dirs[idx[num - 1]].path, f[2]);
			if (nwhy < sizeof(why) / sizeof(why[0]))
				why[nwhy++] = f[2];
		}
	}
	if (used < 0) {
		if (p.status == 3)
			log_error("cannot create the workspace in container \"%s\" of pod \"%s\"",
				  pod->container, pod->name);
		else
			log_error("cannot create the workspace in container \"%s\" of pod \"%s\": "
				  "the script ended with status %d (see -vv)", pod->container, pod->name,
				  p.status);
		for (i = 0; i < nwhy; i++)
			log_item("%s", why[i]);
		log_hint("remove a stale workspace with `kubectl dotnetprof clean %s -c %s`, or run as "
			 "the user who owns it", pod->name, pod->container);
		goto out;
	}
	if (check_rel && strlen(check_rel) < sizeof(ws->have.rel)) {
		ws->have.checked = 1;
		strlcpy(ws->have.rel, check_rel, sizeof(ws->have.rel));
		strlcpy(ws->have.hashcmd, hashcmd ? hashcmd : "-", sizeof(ws->have.hashcmd));
	}
	ws->path = join(pr->dirs[idx[used]].path, WS_DIRNAME);
	ws->exec_ok = pr->dirs[idx[used]].exec_ok;
	ws->created = created;
	if (!ws->path || (size_t)snprintf(rel, sizeof(rel), "runs/%s", ws->runid) >= sizeof(rel) ||
	    !(ws->run_dir = workspace_path(ws, rel)))
		goto oom;
	if (!ws->exec_ok)
		log_verbose("workspace %s: exec is not allowed there; it holds artifacts only",
			    ws->path);
	log_verbose("workspace %s (%s), run %s", ws->path, created ? "created" : "existing",
		    ws->runid);
	ret = 0;
	goto out;
oom:
	log_error("cannot open the workspace: out of memory");
out:
	if (ret < 0)
		workspace_release(ws);
	strvec_clear(&args);
	proc_release(&p);
	return ret;
}

void workspace_mark_collected(struct kube *k, const struct target_pod *pod, const char *remote)
{
	const char *mark = strstr(remote, "/" WS_DIRNAME "/runs/");
	const char *args[3] = { NULL, NULL, NULL };
	struct proc p;
	char *ws;

	if (!mark || strstr(mark + 1, "/" WS_DIRNAME "/"))
		return;
	ws = strndup(remote, (size_t)(mark - remote) + 1 + strlen(WS_DIRNAME));
	if (!ws)
		return;
	args[0] = ws;
	args[1] = mark + 2 + strlen(WS_DIRNAME);
	proc_init(&p, NULL);
	if (podexec_script(k, pod, collected_sh, args, &p) == 0 && p.status == 0)
		log_verbose("%s: recorded as collected", remote);
	else
		log_verbose("%s: could not be recorded as collected (exit status %d)", remote, p.status);
	proc_release(&p);
	free(ws);
}
