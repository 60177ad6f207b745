/*
 * probe.c - parse what src/pod/probe.sh printed in the container (format: probe.h) into struct probe.
 *
 * The text comes from a pod, so it is hostile input: every line and the whole text are bounded,
 * numbers are range-checked, escapes are strict, and any malformed known record fails the parse
 * with the line number. Unknown record types are skipped so an older parser reads a newer probe.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

#define PROBE_MAX_TEXT (4u * 1024 * 1024)
#define PROBE_MAX_LINE (64u * 1024)
#define PROBE_MAX_ITEMS 4096u
#define PROBE_MAX_FIELDS 8u
#define PROBE_FORMAT_VERSION 1

static const char *const cmd_names[] = {
	"sh", "cat", "base64", "head", "tail", "dd", "gzip", "sha256sum", "md5sum", "cksum",
	"curl", "wget", "tar", "kill", "mkdir", "rm", "chmod", "mv", "wc", "stat", "grep", "tr",
	"sha512sum", "openssl", "dotnet",
};

const char *probe_cmd_name(unsigned bit)
{
	size_t i;

	for (i = 0; i < sizeof(cmd_names) / sizeof(cmd_names[0]); i++) {
		if (bit == 1u << i)
			return cmd_names[i];
	}
	return NULL;
}

enum digest_kind probe_best_hash(unsigned cmds)
{
	if (cmds & PCMD_SHA256SUM)
		return DIGEST_SHA256;
	if (cmds & PCMD_MD5SUM)
		return DIGEST_MD5;
	if (cmds & PCMD_CKSUM)
		return DIGEST_CKSUM;
	return DIGEST_NONE;
}

static unsigned cmd_bit(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cmd_names) / sizeof(cmd_names[0]); i++) {
		if (strcmp(name, cmd_names[i]) == 0)
			return 1u << i;
	}
	return 0;
}

void probe_init(struct probe *p)
{
	memset(p, 0, sizeof(*p));
}

static void proc_release(struct probe_proc *pr)
{
	free(pr->name);
	free(pr->cmdline);
	free(pr->user);
	free(pr->tmpdir);
	free(pr->socket);
	free(pr->runtime_dir);
	free(pr->runtime_version);
}

void probe_release(struct probe *p)
{
	size_t i;

	for (i = 0; i < p->nperms; i++)
		free(p->perms[i].path);
	free(p->perms);
	for (i = 0; i < p->npermdirs; i++)
		free(p->permdirs[i].path);
	free(p->permdirs);
	free(p->arch);
	free(p->user);
	free(p->tmpdir);
	free(p->agent_ws);
	free(p->agent_sha256);
	for (i = 0; i < p->ndirs; i++)
		free(p->dirs[i].path);
	free(p->dirs);
	for (i = 0; i < p->nprocs; i++)
		proc_release(&p->procs[i]);
	free(p->procs);
	for (i = 0; i < p->nuncollected; i++)
		free(p->uncollected[i].path);
	free(p->uncollected);
	probe_init(p);
}

static struct probe_proc *find_pid(const struct probe *p, pid_t pid)
{
	size_t i;

	for (i = 0; i < p->nprocs; i++) {
		if (p->procs[i].pid == pid)
			return &p->procs[i];
	}
	return NULL;
}

const struct probe_proc *probe_find_pid(const struct probe *p, pid_t pid)
{
	return find_pid(p, pid);
}

const struct probe_perm *probe_find_perm(const struct probe *p, const char *path)
{
	size_t i;

	for (i = 0; path && i < p->nperms; i++)
		if (!strcmp(p->perms[i].path, path))
			return &p->perms[i];
	return NULL;
}

const struct probe_permdir *probe_find_permdir(const struct probe *p, const char *path)
{
	size_t i;

	for (i = 0; path && i < p->npermdirs; i++)
		if (!strcmp(p->permdirs[i].path, path))
			return &p->permdirs[i];
	return NULL;
}

enum probe_diag probe_proc_diag(const struct probe *p, const struct probe_proc *proc)
{
	if (!proc->diag_enabled)
		return PDIAG_DISABLED;
	if (proc->uid != p->uid && p->uid != 0)
		return PDIAG_OTHER_USER;
	if (proc->socket == NULL)
		return PDIAG_NO_SOCKET;
	return PDIAG_OK;
}

const char *probe_diag_name(enum probe_diag d)
{
	switch (d) {
	case PDIAG_OK:
		return "ok";
	case PDIAG_DISABLED:
		return "disabled (DOTNET_EnableDiagnostics=0)";
	case PDIAG_OTHER_USER:
		return "owned by another user";
	case PDIAG_NO_SOCKET:
		return "no socket";
	}
	return "unknown";
}

/* ---- parsing ---- */

struct parser {
	struct probe *p;
	size_t lineno;
	char *err;
	size_t errsize;
	int saw_header;
	int saw_end;
	/* scalar records seen, to reject duplicates */
	int saw_arch, saw_libc, saw_uid, saw_gid, saw_user, saw_tmpdir, saw_agent;
	size_t dircap, proccap, uncap, permcap, permdircap;
};

/*
 * Set errno to EINVAL and write a one-line reason; a truncated message is still a message, so
 * truncation is accepted here. Returns -1.
 */
static int fail(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parser *ps, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	int n;

	errno = EINVAL;
	if (ps->err == NULL || ps->errsize == 0)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		msg[0] = '\0';
	if (ps->lineno > 0)
		n = snprintf(ps->err, ps->errsize, "probe output line %zu: %s", ps->lineno, msg);
	else
		n = snprintf(ps->err, ps->errsize, "probe output: %s", msg);
	if (n < 0)
		ps->err[0] = '\0';
	errno = EINVAL;
	return -1;
}

static int oom(struct parser *ps)
{
	fail(ps, "out of memory");
	errno = ENOMEM;
	return -1;
}

/* Undo the probe's escaping in place: \\ \t \n \r. Returns 0, or -1 on any other backslash. */
static int unescape(char *s)
{
	char *out = s;

	for (; *s != '\0'; s++) {
		if (*s != '\\') {
			*out++ = *s;
			continue;
		}
		switch (*++s) {
		case '\\':
			*out++ = '\\';
			break;
		case 't':
			*out++ = '\t';
			break;
		case 'n':
			*out++ = '\n';
			break;
		case 'r':
			*out++ = '\r';
			break;
		default:
			return -1;
		}
	}
	*out = '\0';
	return 0;
}

static int parse_ll(const char *s, long long min, long long max, long long *v)
{
	char *end;
	long long n;

	/* digits only (an optional '-'): strtoll alone would take spaces, '+' and "0x" */
	if (s[s[0] == '-'] < '0' || s[s[0] == '-'] > '9')
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	*v = n;
	return 0;
}

static int parse_pid(const char *s, pid_t *pid)
{
	long long v;

	if (parse_ll(s, 1, INT32_MAX, &v) < 0)
		return -1;
	*pid = (pid_t)v;
	return 0;
}

/* uid_t and gid_t are 32-bit; (uid_t)-1 means "no id" and is not accepted. */
static int parse_id(const char *s, unsigned *id)
{
	long long v;

	if (parse_ll(s, 0, (long long)UINT32_MAX - 1, &v) < 0)
		return -1;
	*id = (unsigned)v;
	return 0;
}

static int parse_bool(const char *s, int *b)
{
	if ((s[0] != '0' && s[0] != '1') || s[1] != '\0')
		return -1;
	*b = s[0] == '1';
	return 0;
}

/* Replace *dst with a copy of s; -1 (ENOMEM) on failure. */
static int set_str(char **dst, const char *s)
{
	char *copy = strdup(s);

	if (copy == NULL)
		return -1;
	free(*dst);
	*dst = copy;
	return 0;
}

static int grow(void **arr, size_t *cap, size_t n, size_t elsize)
{
	size_t ncap;
	void *na;

	if (n < *cap)
		return 0;
	ncap = *cap == 0 ? 8 : *cap * 2;
	na = realloc(*arr, ncap * elsize);
	if (na == NULL)
		return -1;
	memset((char *)na + *cap * elsize, 0, (ncap - *cap) * elsize);
	*arr = na;
	*cap = ncap;
	return 0;
}

static int rec_scalar_str(struct parser *ps, char **dst, int *seen, const char *name,
			  char **f, size_t nf)
{
	if (nf < 2)
		return fail(ps, "'%s' record without a value", name);
	if (*seen)
		return fail(ps, "second '%s' record", name);
	*seen = 1;
	if (set_str(dst, f[1]) < 0)
		return oom(ps);
	return 0;
}

static int rec_id(struct parser *ps, unsigned *dst, int *seen, const char *name, char **f,
		  size_t nf)
{
	if (nf < 2 || parse_id(f[1], dst) < 0)
		return fail(ps, "bad '%s' record", name);
	if (*seen)
		return fail(ps, "second '%s' record", name);
	*seen = 1;
	return 0;
}

static int rec_uid(struct parser *ps, char **f, size_t nf)
{
	unsigned id = 0;

	if (rec_id(ps, &id, &ps->saw_uid, "uid", f, nf) < 0)
		return -1;
	ps->p->uid = (uid_t)id;
	return 0;
}

static int rec_gid(struct parser *ps, char **f, size_t nf)
{
	unsigned id = 0;

	if (rec_id(ps, &id, &ps->saw_gid, "gid", f, nf) < 0)
		return -1;
	ps->p->gid = (gid_t)id;
	return 0;
}

static int rec_dir(struct parser *ps, char **f, size_t nf)
{
	struct probe *p = ps->p;
	struct probe_dir d = { 0 };

	if (nf < 5 || f[1][0] != '/' || parse_bool(f[2], &d.writable) < 0 ||
	    parse_bool(f[3], &d.exec_ok) < 0 || parse_ll(f[4], -1, LLONG_MAX, &d.free_kb) < 0)
		return fail(ps, "bad 'dir' record");
	if (p->ndirs >= PROBE_MAX_ITEMS)
		return fail(ps, "more than %u directories", PROBE_MAX_ITEMS);
	if (grow((void **)&p->dirs, &ps->dircap, p->ndirs, sizeof(*p->dirs)) < 0 ||
	    set_str(&d.path, f[1]) < 0)
		return oom(ps);
	p->dirs[p->ndirs++] = d;
	return 0;
}

static int rec_uncollected(struct parser *ps, char **f, size_t nf)
{
	struct probe *p = ps->p;
	struct probe_artifact a = { 0 };
	long long size;

	if (nf < 4 || f[1][0] != '/' || parse_ll(f[2], 0, LLONG_MAX, &size) < 0 ||
	    parse_bool(f[3], &a.live) < 0)
		return fail(ps, "bad 'uncollected' record");
	if (p->nuncollected >= PROBE_MAX_ITEMS)
		return fail(ps, "more than %u uncollected files", PROBE_MAX_ITEMS);
	a.size = (unsigned long long)size;
	if (grow((void **)&p->uncollected, &ps->uncap, p->nuncollected, sizeof(*p->uncollected)) < 0 ||
	    set_str(&a.path, f[1]) < 0)
		return oom(ps);
	p->uncollected[p->nuncollected++] = a;
	return 0;
}

/* agent WS SIZE SHA256: SHA256 is 64 lowercase hex digits or "-" (kept as NULL). */
static int rec_agent(struct parser *ps, char **f, size_t nf)
{
	struct probe *p = ps->p;
	size_t n;

	if (nf < 4 || f[1][0] != '/' || parse_ll(f[2], -1, LLONG_MAX, &p->agent_size) < 0)
		return fail(ps, "bad 'agent' record");
	n = strspn(f[3], "0123456789abcdef");
	if (strcmp(f[3], "-") && (n != 64 || f[3][n]))
		return fail(ps, "bad 'agent' record");
	if (ps->saw_agent)
		return fail(ps, "second 'agent' record");
	ps->saw_agent = 1;
	if (set_str(&p->agent_ws, f[1]) < 0 || (strcmp(f[3], "-") && set_str(&p->agent_sha256, f[3]) < 0))
		return oom(ps);
	return 0;
}

static int rec_proc(struct parser *ps, char **f, size_t nf)
{
	struct probe *p = ps->p;
	struct probe_proc pr = { 0 };
	unsigned uid;

	if (nf < 5 || parse_pid(f[1], &pr.pid) < 0 || parse_id(f[2], &uid) < 0 ||
	    parse_ll(f[3], -1, LLONG_MAX, &pr.rss_kb) < 0)
		return fail(ps, "bad 'proc' record");
	if (probe_find_pid(p, pr.pid) != NULL)
		return fail(ps, "second 'proc' record for pid %ld", (long)pr.pid);
	if (p->nprocs >= PROBE_MAX_ITEMS)
		return fail(ps, "more than %u processes", PROBE_MAX_ITEMS);
	pr.uid = (uid_t)uid;
	pr.gid = (gid_t)-1;
	pr.diag_enabled = 1;
	if (grow((void **)&p->procs, &ps->proccap, p->nprocs, sizeof(*p->procs)) < 0 ||
	    set_str(&pr.name, f[4]) < 0)
		return oom(ps);
	p->procs[p->nprocs++] = pr;
	return 0;
}

/* perm PATH MODE UID: a second record for a path is ignored (the first one counts). */
static int rec_perm(struct parser *ps, char **f, size_t nf)
{
	struct probe *p = ps->p;
	struct probe_perm pm = { 0 };
	unsigned uid;

	if (nf < 4 || f[1][0] != '/' || !f[2][0] || strlen(f[2]) >= sizeof(pm.mode) ||
	    parse_id(f[3], &uid) < 0)
		return fail(ps, "bad 'perm' record");
	if (probe_find_perm(p, f[1]))
		return 0;
	if (p->nperms >= PROBE_MAX_ITEMS)
		return fail(ps, "more than %u 'perm' records", PROBE_MAX_ITEMS);
	memcpy(pm.mode, f[2], strlen(f[2]) + 1);
	pm.uid = uid;
	if (grow((void **)&p->perms, &ps->permcap, p->nperms, sizeof(*p->perms)) < 0 ||
	    set_str(&pm.path, f[1]) < 0)
		return oom(ps);
	p->perms[p->nperms++] = pm;
	return 0;
}

/* permdir DIR UIDS WRITABLE: UIDS space-separated, at most 8 (more is malformed). */
static int rec_permdir(struct parser *ps, char **f, size_t nf)
{
	struct probe *p = ps->p;
	struct probe_permdir pd = { 0 };
	char *s = f[2], *sp;
	unsigned uid;

	if (nf < 4 || f[1][0] != '/' || parse_bool(f[3], &pd.writable) < 0)
		return fail(ps, "bad 'permdir' record");
	for (; *s; s = sp ? sp + 1 : s + strlen(s)) {
		if ((sp = strchr(s, ' ')) != NULL)
			*sp = '\0';
		if (pd.nuids >= sizeof(pd.uids) / sizeof(pd.uids[0]) || parse_id(s, &uid) < 0)
			return fail(ps, "bad 'permdir' record");
		pd.uids[pd.nuids++] = uid;
	}
	if (probe_find_permdir(p, f[1]))
		return 0;
	if (p->npermdirs >= PROBE_MAX_ITEMS)
		return fail(ps, "more than %u 'permdir' records", PROBE_MAX_ITEMS);
	if (grow((void **)&p->permdirs, &ps->permdircap, p->npermdirs, sizeof(*p->permdirs)) < 0 ||
	    set_str(&pd.path, f[1]) < 0)
		return oom(ps);
	p->permdirs[p->npermdirs++] = pd;
	return 0;
}

/* Process attribute records: TYPE PID VALUE [VALUE2]. */
enum pattr { PA_STR, PA_RUNTIME, PA_DIAG, PA_ACCESS, PA_GID };

static const struct {
	const char *type;
	enum pattr kind;
	size_t off; /* for PA_STR: offset of the char * in struct probe_proc */
} pattrs[] = {
	{ "pcmd", PA_STR, offsetof(struct probe_proc, cmdline) },
	{ "puser", PA_STR, offsetof(struct probe_proc, user) },
	{ "ptmpdir", PA_STR, offsetof(struct probe_proc, tmpdir) },
	{ "psock", PA_STR, offsetof(struct probe_proc, socket) },
	{ "pruntime", PA_RUNTIME, 0 },
	{ "pdiag", PA_DIAG, 0 },
	{ "paccess", PA_ACCESS, 0 },
	{ "pgid", PA_GID, 0 },
};

static int rec_pattr(struct parser *ps, size_t which, char **f, size_t nf)
{
	const char *type = pattrs[which].type;
	struct probe_proc *pr;
	unsigned gid;
	pid_t pid;
	char **dst;

	if (nf < 3 || parse_pid(f[1], &pid) < 0)
		return fail(ps, "bad '%s' record", type);
	pr = find_pid(ps->p, pid);
	if (pr == NULL)
		return fail(ps, "'%s' record for pid %ld before its 'proc' record", type, (long)pid);
	switch (pattrs[which].kind) {
	case PA_STR:
		dst = (char **)(void *)((char *)pr + pattrs[which].off);
		if (*dst != NULL)
			return fail(ps, "second '%s' record for pid %ld", type, (long)pid);
		if (set_str(dst, f[2]) < 0)
			return oom(ps);
		return 0;
	case PA_RUNTIME:
		if (nf < 4 || f[2][0] != '/')
			return fail(ps, "bad '%s' record", type);
		if (pr->runtime_dir != NULL)
			return fail(ps, "second '%s' record for pid %ld", type, (long)pid);
		if (set_str(&pr->runtime_dir, f[2]) < 0 ||
		    (f[3][0] != '\0' && set_str(&pr->runtime_version, f[3]) < 0))
			return oom(ps);
		return 0;
	case PA_DIAG:
		if (parse_bool(f[2], &pr->diag_enabled) < 0)
			return fail(ps, "bad '%s' record", type);
		return 0;
	case PA_ACCESS:
		if (parse_bool(f[2], &pr->accessible) < 0)
			return fail(ps, "bad '%s' record", type);
		return 0;
	case PA_GID:
		if (parse_id(f[2], &gid) < 0 || pr->gid != (gid_t)-1)
			return fail(ps, "bad '%s' record", type);
		pr->gid = (gid_t)gid;
		return 0;
	}
	return fail(ps, "bad '%s' record", type);
}

static int rec_line(struct parser *ps, char **f, size_t nf)
{
	struct probe *p = ps->p;
	const char *t = f[0];
	long long v;
	size_t i;

	if (!ps->saw_header) {
		if (strcmp(t, "dotnetprof-probe") != 0)
			return fail(ps, "not probe output (no 'dotnetprof-probe' header)");
		if (nf < 2 || parse_ll(f[1], 1, INT_MAX, &v) < 0)
			return fail(ps, "bad format version");
		if (v != PROBE_FORMAT_VERSION)
			return fail(ps, "format version %lld, this build reads %d", v,
				    PROBE_FORMAT_VERSION);
		p->version = (int)v;
		ps->saw_header = 1;
		return 0;
	}
	if (ps->saw_end)
		return fail(ps, "text after 'end'");
	if (strcmp(t, "end") == 0) {
		ps->saw_end = 1;
		return 0;
	}
	if (strcmp(t, "arch") == 0)
		return rec_scalar_str(ps, &p->arch, &ps->saw_arch, t, f, nf);
	if (strcmp(t, "user") == 0)
		return rec_scalar_str(ps, &p->user, &ps->saw_user, t, f, nf);
	if (strcmp(t, "tmpdir") == 0)
		return rec_scalar_str(ps, &p->tmpdir, &ps->saw_tmpdir, t, f, nf);
	if (strcmp(t, "uid") == 0)
		return rec_uid(ps, f, nf);
	if (strcmp(t, "gid") == 0)
		return rec_gid(ps, f, nf);
	if (strcmp(t, "libc") == 0) {
		if (nf < 2)
			return fail(ps, "'libc' record without a value");
		if (ps->saw_libc)
			return fail(ps, "second 'libc' record");
		ps->saw_libc = 1;
		/* a libc this build does not know is not an error: it is just not one we map */
		p->libc = strcmp(f[1], "glibc") == 0 ? LIBC_GLIBC
			: strcmp(f[1], "musl") == 0  ? LIBC_MUSL
						     : LIBC_UNKNOWN;
		return 0;
	}
	if (strcmp(t, "cmd") == 0) {
		if (nf < 3 || f[1][0] == '\0')
			return fail(ps, "bad 'cmd' record");
		p->cmds |= cmd_bit(f[1]);
		return 0;
	}
	if (strcmp(t, "dir") == 0)
		return rec_dir(ps, f, nf);
	if (strcmp(t, "uncollected") == 0)
		return rec_uncollected(ps, f, nf);
	if (strcmp(t, "proc") == 0)
		return rec_proc(ps, f, nf);
	if (strcmp(t, "perm") == 0)
		return rec_perm(ps, f, nf);
	if (strcmp(t, "permdir") == 0)
		return rec_permdir(ps, f, nf);
	if (strcmp(t, "agent") == 0)
		return rec_agent(ps, f, nf);
	for (i = 0; i < sizeof(pattrs) / sizeof(pattrs[0]); i++) {
		if (strcmp(t, pattrs[i].type) == 0)
			return rec_pattr(ps, i, f, nf);
	}
	return 0; /* a record type from a newer probe */
}

/* Split one line (NUL-terminated, no newline) at TABs, unescape the fields, handle the record. */
static int do_line(struct parser *ps, char *line)
{
	char *f[PROBE_MAX_FIELDS];
	size_t nf = 0, i;
	char *s = line;

	if (*line == '\0')
		return fail(ps, "empty line");
	for (;;) {
		char *tab = strchr(s, '\t');

		if (nf < PROBE_MAX_FIELDS)
			f[nf++] = s;
		if (tab == NULL)
			break;
		*tab = '\0';
		s = tab + 1;
	}
	for (i = 0; i < nf; i++) {
		if (strchr(f[i], '\r') != NULL)
			return fail(ps, "carriage return in output (was the exec run with a tty?)");
		if (unescape(f[i]) < 0)
			return fail(ps, "bad escape sequence");
	}
	return rec_line(ps, f, nf);
}

int probe_parse(const char *text, size_t len, struct probe *p, char *err, size_t errsize)
{
	struct parser ps = { 0 };
	char *buf = NULL;
	size_t pos = 0, nlines;
	int rc = -1;

	ps.p = p;
	ps.err = err;
	ps.errsize = errsize;
	if (err != NULL && errsize > 0)
		err[0] = '\0';
	probe_release(p);
	if (text == NULL) {
		fail(&ps, "no output");
		goto out;
	}
	if (len > PROBE_MAX_TEXT) {
		fail(&ps, "more than %u bytes", PROBE_MAX_TEXT);
		goto out;
	}
	if (memchr(text, '\0', len) != NULL) {
		fail(&ps, "NUL byte in output");
		goto out;
	}
	buf = malloc(PROBE_MAX_LINE + 1);
	if (buf == NULL) {
		oom(&ps);
		goto out;
	}
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;

		ps.lineno++;
		if (n > PROBE_MAX_LINE) {
			fail(&ps, "line longer than %u bytes", PROBE_MAX_LINE);
			goto out;
		}
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		pos += n + (nl != NULL);
		if (do_line(&ps, buf) < 0)
			goto out;
	}
	nlines = ps.lineno;
	ps.lineno = 0;
	if (!ps.saw_header) {
		fail(&ps, "empty");
		goto out;
	}
	if (!ps.saw_end) {
		fail(&ps, "cut short (no 'end' line after %zu lines)", nlines);
		goto out;
	}
	if (!ps.saw_uid) {
		fail(&ps, "no 'uid' record");
		goto out;
	}
	if (p->arch == NULL && set_str(&p->arch, "") < 0) {
		oom(&ps);
		goto out;
	}
	if (!ps.saw_gid)
		p->gid = (gid_t)-1;
	rc = 0;
out:
	free(buf);
	if (rc < 0)
		probe_release(p);
	return rc;
}
