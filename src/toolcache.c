/*
 * toolcache.c - the local cache of the .NET diagnostics tools: lookup by recorded SHA-512, download
 * through download.c into a temporary file, validation (elfcheck.c, length, size, name, hash), then
 * an atomic rename. See toolcache.h for the layout and the guarantees.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"
#include "download.h"
#include "elfcheck.h"
#include "log.h"
#include "perm.h"
#include "quote.h"
#include "toolcache.h"

#define TOOL_MAX 64
#define RID_MAX 32
#define META_MAX 16384

/* Body sink: the temporary file, hashed as it is written. */
struct sink {
	int fd;
	struct digest sha512;
	struct digest sha256;
};

static void set_err(struct toolcache_error *err, enum toolcache_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Fill err->why (err->what and err->hint are set by the caller); truncation of a message is harmless. */
static void set_err(struct toolcache_error *err, enum toolcache_status status, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;  /* the failed call's, for TOOLCACHE_ERR_LOCAL */

	if (err == NULL)
		return;
	err->status = status;
	err->sys_errno = status == TOOLCACHE_ERR_LOCAL ? saved : 0;
	va_start(ap, fmt);
	if (vsnprintf(err->why, sizeof(err->why), fmt, ap) < 0)
		err->why[0] = '\0';
	va_end(ap);
}

static void set_text(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_text(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(buf, size, fmt, ap) < 0)
		buf[0] = '\0';
	va_end(ap);
}

/* [a-z0-9-], not empty, shorter than `max`: safe as a path component and in a URL. */
static int valid_name(const char *s, size_t max)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || s[0] == '-')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (i + 1 >= max || !(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
			return 0;
	}
	return 1;
}

/* "trace" or "dotnet-trace" -> "dotnet-trace". */
static int tool_name(const char *tool, char *buf, size_t size)
{
	int n;

	if (!valid_name(tool, TOOL_MAX))
		return -1;
	n = snprintf(buf, size, "%s%s", strncmp(tool, "dotnet-", 7) == 0 ? "" : "dotnet-", tool);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int valid_rid(const char *rid)
{
	return valid_name(rid, RID_MAX) && elfcheck_rid_known(rid);
}

static const char *base_url(const char *base)
{
	if (base == NULL || base[0] == '\0')
		base = getenv(TOOLCACHE_URL_ENV);
	if (base == NULL || base[0] == '\0')
		base = TOOLCACHE_DEFAULT_URL;
	return base;
}

int toolcache_url(const char *tool, const char *rid, const char *base, char *buf, size_t size)
{
	char name[TOOL_MAX];
	size_t blen;
	int n;

	base = base_url(base);
	if (tool_name(tool, name, sizeof(name)) < 0 || !valid_name(rid, RID_MAX) ||
	    (strncasecmp(base, "http://", 7) != 0 && strncasecmp(base, "https://", 8) != 0 &&
	     strncasecmp(base, "file://", 7) != 0)) {
		errno = EINVAL;
		return -1;
	}
	blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if (blen > (size_t)INT_MAX)
		blen = INT_MAX;
	n = snprintf(buf, size, "%.*s/%s/%s", (int)blen, base, name, rid);
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

long toolcache_max_time(void)
{
	const char *env = getenv(TOOLCACHE_TIMEOUT_ENV), *bad = NULL;
	long long v;

	if (!env || !*env)
		return TOOLCACHE_MAX_TIME;
	v = strtonum(env, 1, 86400, &bad);
	if (bad) {
		log_warn("ignoring %s=\"%s\": not a number of seconds from 1 to 86400 (%s); the limit "
			 "stays %ld s", TOOLCACHE_TIMEOUT_ENV, env, bad, TOOLCACHE_MAX_TIME);
		return TOOLCACHE_MAX_TIME;
	}
	return (long)v;
}

int toolcache_dir(char *buf, size_t size)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;

	if (xdg != NULL && xdg[0] == '/') {
		n = snprintf(buf, size, "%s/kubectl-dotnetprof", xdg);
	} else {
		if (home == NULL || home[0] == '\0') {
			struct passwd *pw = getpwuid(getuid());

			home = pw != NULL ? pw->pw_dir : NULL;
		}
		if (home == NULL || home[0] == '\0') {
			errno = ENOENT;
			return -1;
		}
		n = snprintf(buf, size, "%s/.cache/kubectl-dotnetprof", home);
	}
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* mkdir -p, each missing component 0700 (XDG: the cache is private). */
static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	size_t i;

	if (strlcpy(buf, path, sizeof(buf)) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (i = 1; ; i++) {
		if (buf[i] == '/' || buf[i] == '\0') {
			char c = buf[i];

			buf[i] = '\0';
			if (mkdir(buf, 0700) < 0 && errno != EEXIST)
				return -1;
			buf[i] = c;
			if (c == '\0')
				break;
		}
	}
	return 0;
}

/* The tool's directory and file in the cache. */
static int tool_paths(const char *name, const char *rid, char *dir, char *path, char *meta)
{
	char root[PATH_MAX];
	int n;

	if (toolcache_dir(root, sizeof(root)) < 0)
		return -1;
	n = snprintf(dir, PATH_MAX, "%s/tools/%s", root, rid);
	if (n < 0 || n >= PATH_MAX)
		goto toolong;
	n = snprintf(path, PATH_MAX, "%s/%s", dir, name);
	if (n < 0 || n >= PATH_MAX)
		goto toolong;
	n = snprintf(meta, PATH_MAX, "%s/%s.meta", dir, name);
	if (n < 0 || n >= PATH_MAX)
		goto toolong;
	return 0;
toolong:
	errno = ENAMETOOLONG;
	return -1;
}

static void meta_field(struct toolcache_entry *e, const char *key, const char *val)
{
	static const struct {
		const char *key;
		size_t off, size;
	} fields[] = {
#define F(k, m) { k, offsetof(struct toolcache_entry, m), sizeof(((struct toolcache_entry *)0)->m) }
		F("sha512", sha512), F("sha256", sha256), F("source_url", source_url),
		F("final_url", final_url), F("filename", filename), F("version", version), F("date", date),
#undef F
	};
	size_t i;

	if (strcmp(key, "size") == 0) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(val, &end, 10);
		e->size = errno == 0 && end != val && *end == '\0' ? (uint64_t)v : 0;
		return;
	}
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strcmp(key, fields[i].key) == 0) {
			char *dst = (char *)e + fields[i].off;

			if (strlcpy(dst, val, fields[i].size) >= fields[i].size)
				dst[0] = '\0';  /* a cut hash or URL would be wrong: treat as absent */
			return;
		}
	}
}

/* Read a .meta file into `e`. Returns 0, or -1 with errno (ENOENT: not cached). */
static int meta_read(const char *meta, struct toolcache_entry *e)
{
	char buf[META_MAX + 1];
	char *line, *next, *eq;
	ssize_t n;
	size_t len = 0;
	int fd, ret = -1;

	fd = open(meta, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (len < META_MAX && (n = read(fd, buf + len, META_MAX - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		len += (size_t)n;
	}
	buf[len] = '\0';
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		eq = strchr(line, '=');
		if (eq != NULL) {
			*eq = '\0';
			meta_field(e, line, eq + 1);
		}
	}
	ret = 0;
out:
	close(fd);
	return ret;
}

/* A temporary file next to `path` ("DIR/.NAME.XXXXXX", O_EXCL by mkstemp). Returns the fd or -1. */
static int temp_beside(const char *path, char *tmp, size_t size)
{
	const char *slash = strrchr(path, '/');
	int n, fd;

	if (slash == NULL) {
		errno = EINVAL;
		return -1;
	}
	n = snprintf(tmp, size, "%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1);
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd < 0)
		tmp[0] = '\0';
	return fd;
}

/*
 * Remove temporary files of `name` (".NAME.XXXXXX", ".NAME.meta.XXXXXX") left by a process that was
 * killed mid-download, once they are a day old: a younger one may belong to a download in progress.
 */
static void sweep_stale(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = strlen(name);
	time_t now = time(NULL);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char p[PATH_MAX];
		struct stat st;

		if (de->d_name[0] != '.' || strncmp(de->d_name + 1, name, n) != 0 || de->d_name[n + 1] != '.' ||
		    snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >= (int)sizeof(p))
			continue;
		if (lstat(p, &st) == 0 && S_ISREG(st.st_mode) && now - st.st_mtime > 24 * 3600) {
			log_verbose("removing %s, left by an interrupted download", p);
			unlink(p);
		}
	}
	closedir(d);
}

/* Write the .meta file for `e` to a temporary file; the caller renames it to `meta`. */
static int meta_prepare(const char *meta, const struct toolcache_entry *e, char *tmp, size_t tmpsize)
{
	FILE *f;
	int fd, ok;

	fd = temp_beside(meta, tmp, tmpsize);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		return -1;
	}
	fprintf(f, "sha512=%s\nsha256=%s\nsize=%llu\nsource_url=%s\nfinal_url=%s\nfilename=%s\n"
		"version=%s\ndate=%s\n", e->sha512, e->sha256, (unsigned long long)e->size, e->source_url,
		e->final_url, e->filename, e->version, e->date);
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (fclose(f) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

static void what_download(struct toolcache_error *err, const char *name, const char *rid, const char *url)
{
	if (err != NULL)
		set_text(err->what, sizeof(err->what), "cannot download %s for %s from %s", name, rid, url);
}

static void what_cache(struct toolcache_error *err, const char *name, const char *rid)
{
	char root[PATH_MAX];

	if (err == NULL)
		return;
	if (toolcache_dir(root, sizeof(root)) < 0)
		set_text(root, sizeof(root), "%s", "(no cache directory: set XDG_CACHE_HOME or HOME)");
	set_text(err->what, sizeof(err->what), "cannot use the tool cache %s for %s (%s)", root, name, rid);
}

/*
 * Is the cache private? Each of its directories that exists (the root, tools/, tools/RID/) and the
 * tool's files must be ours and not writable by group or others: another user who can change them
 * chooses what we push into pods. 0, or -1 with err (TOOLCACHE_ERR_UNSAFE, the fix as the hint).
 */
static int cache_private(const char *name, const char *rid, const char *dir, const char *path,
			 const char *meta, struct toolcache_error *err)
{
	char root[PATH_MAX], tools[PATH_MAX], why[128];
	const char *check[5];
	struct stat st;
	size_t i;

	if (toolcache_dir(root, sizeof(root)) < 0 ||
	    snprintf(tools, sizeof(tools), "%s/tools", root) >= (int)sizeof(tools))
		return 0; /* the callers fail on the same paths */
	check[0] = root;
	check[1] = tools;
	check[2] = dir;
	check[3] = path;
	check[4] = meta;
	for (i = 0; i < sizeof(check) / sizeof(check[0]); i++) {
		char *q;

		if (stat(check[i], &st) < 0 || perm_private(&st, geteuid(), why, sizeof(why)) == 0)
			continue;
		what_cache(err, name, rid);
		set_err(err, TOOLCACHE_ERR_UNSAFE, "%s: %s: its tools would be pushed into pods and run "
			"there", check[i], why);
		if (err && (q = sh_quote(check[i])) != NULL) {
			if (st.st_uid != geteuid())
				set_text(err->hint, sizeof(err->hint), "it belongs to another user: remove it "
					 "(rm -rf %s, as that user or root; it is only a cache), or set "
					 "XDG_CACHE_HOME to a directory of your own", q);
			else
				set_text(err->hint, sizeof(err->hint), "chmod go-w %s", q);
			free(q);
		}
		return -1;
	}
	return 0;
}

static int hex_equal(const char *a, const char *b)
{
	return a != NULL && b != NULL && a[0] != '\0' && strcasecmp(a, b) == 0;
}

enum toolcache_status toolcache_lookup(const char *tool, const char *rid, const char *expected_sha512,
				       struct toolcache_entry *out, struct toolcache_error *err)
{
	char name[TOOL_MAX], dir[PATH_MAX], meta[PATH_MAX], sha[DIGEST_HEX_MAX];
	struct toolcache_entry e;
	struct stat st;
	int bad_tool;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	memset(&e, 0, sizeof(e));
	bad_tool = tool_name(tool, name, sizeof(name)) < 0;
	if (bad_tool || !valid_rid(rid)) {
		if (err != NULL)
			set_text(err->what, sizeof(err->what), "cannot look up tool \"%s\" for \"%s\"",
				 tool ? tool : "", rid ? rid : "");
		set_err(err, TOOLCACHE_ERR_USAGE, "%s", bad_tool ? "invalid tool name" :
			"unknown runtime identifier (known: linux-x64, linux-arm64, linux-arm, linux-musl-x64, "
			"linux-musl-arm64, linux-musl-arm)");
		return TOOLCACHE_ERR_USAGE;
	}
	if (tool_paths(name, rid, dir, e.path, meta) < 0) {
		what_cache(err, name, rid);
		set_err(err, TOOLCACHE_ERR_LOCAL, "%s", strerror(errno));
		return TOOLCACHE_ERR_LOCAL;
	}
	if (cache_private(name, rid, dir, e.path, meta, err) < 0)
		return TOOLCACHE_ERR_UNSAFE;
	if (meta_read(meta, &e) < 0 || stat(e.path, &st) < 0)
		return TOOLCACHE_NOT_CACHED;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != e.size || e.sha512[0] == '\0') {
		log_verbose("cached %s does not match its record: it will be downloaded again", e.path);
		return TOOLCACHE_NOT_CACHED;
	}
	if (digest_file(DIGEST_SHA512, e.path, sha, sizeof(sha)) < 0) {
		what_cache(err, name, rid);
		set_err(err, TOOLCACHE_ERR_LOCAL, "cannot read %s: %s", e.path, strerror(errno));
		return TOOLCACHE_ERR_LOCAL;
	}
	if (!hex_equal(sha, e.sha512)) {
		log_verbose("cached %s has sha512 %s, not the recorded %s: it will be downloaded again",
			    e.path, sha, e.sha512);
		return TOOLCACHE_NOT_CACHED;
	}
	if (expected_sha512 != NULL && expected_sha512[0] != '\0' && !hex_equal(sha, expected_sha512)) {
		log_verbose("cached %s has sha512 %s, not the expected %s: it will be downloaded again",
			    e.path, sha, expected_sha512);
		return TOOLCACHE_NOT_CACHED;
	}
	e.downloaded = 0;
	*out = e;
	return TOOLCACHE_OK;
}

static int sink_write(void *ctx, const void *data, size_t len)
{
	struct sink *s = ctx;
	const char *p = data;
	size_t left = len;

	while (left > 0) {
		ssize_t n = write(s->fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		left -= (size_t)n;
	}
	digest_update(&s->sha512, data, len);
	digest_update(&s->sha256, data, len);
	return 0;
}

/* The last path segment of `url` that looks like a version ("10.0.750501"), or "". */
static void version_from_url(const char *url, char *buf, size_t size)
{
	const char *p = strstr(url, "://"), *seg, *end;

	buf[0] = '\0';
	p = p != NULL ? strchr(p + 3, '/') : NULL;
	while (p != NULL) {
		size_t len, i, dots = 0;

		seg = p + 1;
		end = seg + strcspn(seg, "/?#");
		len = (size_t)(end - seg);
		for (i = 0; i < len && (isdigit((unsigned char)seg[i]) || seg[i] == '.'); i++)
			dots += seg[i] == '.';
		if (len > 0 && i == len && dots > 0 && isdigit((unsigned char)seg[0]) && len < size)
			set_text(buf, size, "%.*s", (int)len, seg);
		p = *end == '/' ? end : NULL;
	}
}

/* The Content-Disposition name is the tool's: "dotnet-trace", or that followed by '-', '_' or '.'. */
static int filename_matches(const char *filename, const char *name)
{
	size_t n = strlen(name);

	return filename[0] == '\0' ||
	       (strncmp(filename, name, n) == 0 && strchr("-_.", filename[n]) != NULL);
}

static int any_proxy_env(void)
{
	static const char *const vars[] = { "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
					    "all_proxy", "ALL_PROXY" };
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);

		if (v != NULL && v[0] != '\0')
			return 1;
	}
	return 0;
}

/* Map a failed download to a status and a hint. */
static enum toolcache_status download_failed(const struct download_result *dr, const char *name,
					     const char *rid, struct toolcache_error *err)
{
	enum toolcache_status st = TOOLCACHE_ERR_NETWORK;
	char *hint = err != NULL ? err->hint : NULL;
	size_t hsize = err != NULL ? sizeof(err->hint) : 0;

	switch (dr->status) {
	case DOWNLOAD_ERR_TIMEOUT:
	case DOWNLOAD_ERR_NETWORK:
		st = TOOLCACHE_ERR_NETWORK;
		if (hint != NULL && dr->over_time)
			set_text(hint, hsize, "on a slow link, allow more time with %s=SECONDS (default "
				 "%ld), or use --tools-url for a mirror nearer to you", TOOLCACHE_TIMEOUT_ENV,
				 TOOLCACHE_MAX_TIME);
		else if (hint != NULL)
			set_text(hint, hsize, "%suse --tools-url (or %s) for a mirror you can reach, or "
				 "--download pod to fetch the tool inside the pod; air-gapped: put the tools "
				 "in DIR/%s/%s and use --tools-url file://DIR",
				 any_proxy_env() ? "a proxy is set in the environment: check it, or add the host "
				 "to NO_PROXY; or " : "check the network, or ", TOOLCACHE_URL_ENV, name, rid);
		break;
	case DOWNLOAD_ERR_HTTP:
		st = TOOLCACHE_ERR_HTTP;
		if (hint == NULL)
			break;
		if (dr->http_status == 404 || dr->http_status == 0)
			set_text(hint, hsize, "there is no %s for %s there: check the runtime identifier and "
				 "that the mirror's layout is BASE/%s/%s", name, rid, name, rid);
		else if (dr->http_status == 401 || dr->http_status == 403 || dr->http_status == 407)
			set_text(hint, hsize, "the server or a proxy refused the request: check the proxy "
				 "credentials, or use --tools-url for a mirror, or --download pod");
		else
			set_text(hint, hsize, "the server failed: try again later, or use --tools-url for a "
				 "mirror, or --download pod to fetch the tool inside the pod");
		break;
	case DOWNLOAD_ERR_TRUNCATED:
		st = TOOLCACHE_ERR_INVALID;
		if (hint != NULL)
			set_text(hint, hsize, "the transfer broke off and nothing was cached: try again");
		break;
	case DOWNLOAD_ERR_TOOBIG:
		st = TOOLCACHE_ERR_INVALID;
		if (hint != NULL)
			set_text(hint, hsize, "a diagnostics tool is a few tens of MB: the server sent something "
				 "else; check --tools-url; nothing was cached");
		break;
	case DOWNLOAD_ERR_INSECURE:
		st = TOOLCACHE_ERR_HTTP;
		if (hint != NULL)
			set_text(hint, hsize, "fix the mirror (or the proxy) that sends https requests to "
				 "http; a plain http mirror is used only when --tools-url names it with "
				 "http:// (then what comes is not authenticated)");
		break;
	case DOWNLOAD_ERR_SINK:
	case DOWNLOAD_ERR_INTERNAL:
		st = TOOLCACHE_ERR_LOCAL;
		break;
	case DOWNLOAD_ERR_INTERRUPTED:
		st = TOOLCACHE_ERR_INTERRUPTED;
		break;
	case DOWNLOAD_OK:
		break;
	}
	set_err(err, st, "%s", dr->error);
	if (err != NULL) {
		err->http_status = dr->http_status;
		if (dr->status == DOWNLOAD_ERR_SINK)
			err->sys_errno = dr->sink_errno;
	}
	return st;
}

/* Every check of a finished download; 0 or -1 with err filled. */
static int validate(int fd, const struct download_result *dr, const char *name, const char *rid,
		    const char *sha512, const char *expected, struct toolcache_error *err)
{
	char why[512];
	char *hint = err != NULL ? err->hint : NULL;
	size_t hsize = err != NULL ? sizeof(err->hint) : 0;
	enum elfcheck_result r = elfcheck_fd(fd, rid, why, sizeof(why));

	if (r == ELFCHECK_NOT_ELF && strncasecmp(dr->content_type, "text/html", 9) == 0) {
		set_err(err, TOOLCACHE_ERR_INVALID, "the server sent %s (HTTP %ld, %s)", why, dr->http_status,
			dr->content_type);
		if (hint != NULL)
			set_text(hint, hsize, "a proxy or captive portal may have answered in place of the "
				 "server: log in to the network or fix the proxy, then retry; nothing was cached");
		return -1;
	}
	if (r != ELFCHECK_OK) {
		set_err(err, r == ELFCHECK_IO ? TOOLCACHE_ERR_LOCAL : TOOLCACHE_ERR_INVALID, "the server sent %s",
			why);
		if (hint != NULL && (r == ELFCHECK_WRONG_ARCH || r == ELFCHECK_WRONG_LIBC))
			set_text(hint, hsize, "the server sent a build for another platform: check that the "
				 "mirror's layout is BASE/%s/%s; nothing was cached", name, rid);
		else if (hint != NULL)
			set_text(hint, hsize, "the server did not send the tool: check --tools-url; nothing "
				 "was cached");
		return -1;
	}
	if (dr->bytes < (uint64_t)TOOLCACHE_MIN_SIZE) {
		set_err(err, TOOLCACHE_ERR_INVALID, "the server sent only %llu bytes; a single-file %s is "
			"larger than %ld bytes", (unsigned long long)dr->bytes, name, TOOLCACHE_MIN_SIZE);
		if (hint != NULL)
			set_text(hint, hsize, "check --tools-url; nothing was cached");
		return -1;
	}
	if (!filename_matches(dr->filename, name)) {
		set_err(err, TOOLCACHE_ERR_INVALID, "the server sent a file named \"%s\", not %s", dr->filename,
			name);
		if (hint != NULL)
			set_text(hint, hsize, "check that the mirror's layout is BASE/%s/%s; nothing was cached",
				 name, rid);
		return -1;
	}
	if (expected != NULL && expected[0] != '\0' && !hex_equal(sha512, expected)) {
		set_err(err, TOOLCACHE_ERR_INVALID, "sha512 %s does not match the expected %s", sha512, expected);
		if (hint != NULL)
			set_text(hint, hsize, "the file was corrupted in transit or changed on the mirror: try "
				 "again; nothing was cached");
		return -1;
	}
	return 0;
}

static void now_utc(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf[0] = '\0';
}

/*
 * Download e->source_url into the open temp file sink->fd (hashing it as it comes), validate it,
 * and fill e's size, final URL, file name, version and date. TOOLCACHE_OK or the failure (err set).
 */
static enum toolcache_status fetch(const char *name, const char *rid, const struct toolcache_opts *o,
				   struct sink *sink, struct toolcache_entry *e,
				   struct toolcache_error *err)
{
	struct download_opts dopts;
	struct download_result *dr = malloc(sizeof(*dr));
	enum toolcache_status st = TOOLCACHE_ERR_LOCAL;
	char label[TOOL_MAX + 16];

	if (dr == NULL) {
		what_cache(err, name, rid);
		set_err(err, st, "%s", strerror(errno));
		return st;
	}
	digest_init(&sink->sha512, DIGEST_SHA512);
	digest_init(&sink->sha256, DIGEST_SHA256);
	memset(&dopts, 0, sizeof(dopts));
	dopts.connect_timeout = o->connect_timeout;
	dopts.low_speed_limit = o->low_speed_limit;
	dopts.low_speed_time = o->low_speed_time;
	dopts.max_time = o->max_time > 0 ? o->max_time : toolcache_max_time();
	dopts.max_bytes = TOOLCACHE_MAX_SIZE;
	dopts.interrupted = o->interrupted;
	dopts.sink = sink_write;
	dopts.sink_ctx = sink;
	set_text(label, sizeof(label), "%s", name);
	dopts.progress_label = o->progress ? label : NULL;
	log_verbose("downloading %s for %s from %s", name, rid, e->source_url);
	if (download(e->source_url, &dopts, dr) < 0) {
		what_download(err, name, rid, e->source_url);
		st = download_failed(dr, name, rid, err);
		goto out;
	}
	if (digest_final(&sink->sha512, e->sha512, sizeof(e->sha512)) < 0 ||
	    digest_final(&sink->sha256, e->sha256, sizeof(e->sha256)) < 0) {
		what_cache(err, name, rid);
		set_err(err, st, "cannot compute the sha512");
		goto out;
	}
	if (validate(sink->fd, dr, name, rid, e->sha512, o->expected_sha512, err) < 0) {
		what_download(err, name, rid, e->source_url);
		st = err != NULL ? err->status : TOOLCACHE_ERR_INVALID;
		goto out;
	}
	e->size = dr->bytes;
	set_text(e->final_url, sizeof(e->final_url), "%s", dr->final_url);
	set_text(e->filename, sizeof(e->filename), "%s", dr->filename);
	version_from_url(dr->final_url, e->version, sizeof(e->version));
	now_utc(e->date, sizeof(e->date));
	st = TOOLCACHE_OK;
out:
	free(dr);
	return st;
}

enum toolcache_status toolcache_get(const char *tool, const char *rid, const struct toolcache_opts *opts,
				    struct toolcache_entry *out, struct toolcache_error *err)
{
	static const struct toolcache_opts defaults;
	const struct toolcache_opts *o = opts != NULL ? opts : &defaults;
	enum toolcache_status st;
	struct toolcache_entry e;
	struct sink sink = { -1, { 0 }, { 0 } };
	char name[TOOL_MAX], dir[PATH_MAX], meta[PATH_MAX], tmp[PATH_MAX] = "", mtmp[PATH_MAX] = "";

	st = toolcache_lookup(tool, rid, o->expected_sha512, &e, err);
	if (st != TOOLCACHE_OK && st != TOOLCACHE_NOT_CACHED)
		return st;
	if (tool_name(tool, name, sizeof(name)) < 0)
		return TOOLCACHE_ERR_USAGE;  /* not reached: lookup checked it */
	if (st == TOOLCACHE_OK && !o->refresh) {
		log_verbose("%s for %s is cached: %s (sha512 %s)", name, rid, e.path, e.sha512);
		*out = e;
		return TOOLCACHE_OK;
	}
	if (err != NULL)
		memset(err, 0, sizeof(*err));
	memset(&e, 0, sizeof(e));
	if (toolcache_url(name, rid, o->base_url, e.source_url, sizeof(e.source_url)) < 0) {
		if (err != NULL)
			set_text(err->what, sizeof(err->what), "cannot download %s for %s from \"%s\"", name, rid,
				 base_url(o->base_url));
		set_err(err, TOOLCACHE_ERR_USAGE, "%s", errno == EINVAL ?
			"the tools URL must start with https://, http:// or file://" : strerror(errno));
		return TOOLCACHE_ERR_USAGE;
	}
	st = TOOLCACHE_ERR_LOCAL;
	if (tool_paths(name, rid, dir, e.path, meta) < 0 || mkdir_p(dir) < 0 ||
	    (sink.fd = temp_beside(e.path, tmp, sizeof(tmp))) < 0) {
		what_cache(err, name, rid);
		set_err(err, st, "%s: %s", dir, strerror(errno));
		goto out;
	}
	sweep_stale(dir, name);
	if ((st = fetch(name, rid, o, &sink, &e, err)) != TOOLCACHE_OK)
		goto out;
	st = TOOLCACHE_ERR_LOCAL;
	if (fchmod(sink.fd, 0700) < 0 || fsync(sink.fd) < 0 || close(sink.fd) < 0 ||
	    meta_prepare(meta, &e, mtmp, sizeof(mtmp)) < 0) {
		sink.fd = -1;
		what_cache(err, name, rid);
		set_err(err, st, "cannot write %s: %s", dir, strerror(errno));
		goto out;
	}
	sink.fd = -1;
	/* the executable first: until the new record lands, the old one does not match and is ignored */
	if (rename(tmp, e.path) < 0 || rename(mtmp, meta) < 0) {
		what_cache(err, name, rid);
		set_err(err, st, "cannot rename into %s: %s", dir, strerror(errno));
		goto out;
	}
	tmp[0] = mtmp[0] = '\0';
	e.downloaded = 1;
	log_verbose("downloaded %s for %s from %s: %llu bytes, sha512 %s", name, rid,
		    e.final_url[0] ? e.final_url : e.source_url, (unsigned long long)e.size, e.sha512);
	*out = e;
	st = TOOLCACHE_OK;
out:
	if (sink.fd >= 0)
		close(sink.fd);
	if (tmp[0] != '\0')
		unlink(tmp);
	if (mtmp[0] != '\0')
		unlink(mtmp);
	return st;
}

void toolcache_log_error(const struct toolcache_error *err)
{
	if (err == NULL || err->status == TOOLCACHE_OK)
		return;
	log_error("%s: %s", err->what, err->why);
	if (err->hint[0] != '\0')
		log_hint("%s", err->hint);
}
