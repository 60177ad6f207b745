/*
 * toolsums.c - the SHA-512 a mirror publishes for each tool (toolsums.h).
 */
#include "toolsums.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "download.h"
#include "toolcache.h"

#define SUMS_MAX (256u * 1024u) /* a sums file for every tool and RID is a few KiB */

/* Does the name (n bytes) denote dotnet-TOOL for RID, in either order? */
static int name_matches(const char *name, size_t n, const char *tool, const char *rid)
{
	char a[128], b[128];
	int la, lb;

	la = snprintf(a, sizeof(a), "%s/%s%s", rid, strncmp(tool, "dotnet-", 7) ? "dotnet-" : "", tool);
	lb = snprintf(b, sizeof(b), "%s%s/%s", strncmp(tool, "dotnet-", 7) ? "dotnet-" : "", tool, rid);
	return (la > 0 && (size_t)la == n && !memcmp(name, a, n)) ||
	       (lb > 0 && (size_t)lb == n && !memcmp(name, b, n));
}

int toolsums_parse(const char *text, size_t len, const char *tool, const char *rid, char *hex,
		   size_t size)
{
	const char *s = text, *end = text + len, *nl, *name;
	size_t i, n;

	if (size < 129)
		return -1;
	for (; s < end; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			nl = end;
		for (i = 0; s + i < nl && isxdigit((unsigned char)s[i]); i++)
			;
		if (i != 128 || s + i + 2 > nl || s[i] != ' ' || (s[i + 1] != ' ' && s[i + 1] != '*'))
			continue;
		name = s + i + 2;
		n = (size_t)(nl - name);
		while (n && (name[n - 1] == '\r' || name[n - 1] == ' '))
			n--;
		if (!name_matches(name, n, tool, rid))
			continue;
		for (i = 0; i < 128; i++)
			hex[i] = (char)tolower((unsigned char)s[i]);
		hex[128] = '\0';
		return 0;
	}
	return -1;
}

struct membuf {
	char *data;
	size_t len;
};

static int mem_sink(void *ctx, const void *data, size_t len)
{
	struct membuf *m = ctx;
	char *p;

	if (m->len + len > SUMS_MAX) {
		errno = EFBIG;
		return -1;
	}
	p = realloc(m->data, m->len + len + 1);
	if (!p)
		return -1;
	memcpy(p + m->len, data, len);
	m->data = p;
	m->len += len;
	return 0;
}

/* The sums at `url` (a URL, or a local path when `is_path`) into `m`. 0, or -1 with `why`. */
static int fetch_sums(const char *url, int is_path, const volatile sig_atomic_t *interrupted,
		      struct membuf *m, struct download_result *res, char *why, size_t whysize)
{
	struct download_opts o;
	char fileurl[DOWNLOAD_URL_MAX];

	if (is_path) {
		if (snprintf(fileurl, sizeof(fileurl), "file://%s", url) >= (int)sizeof(fileurl)) {
			snprintf(why, whysize, "%s: path too long", url);
			return -1;
		}
		url = fileurl;
	}
	memset(&o, 0, sizeof(o));
	o.sink = mem_sink;
	o.sink_ctx = m;
	o.interrupted = interrupted;
	o.max_time = 60;
	if (download(url, &o, res) < 0) {
		snprintf(why, whysize, "cannot read %s: %s", url, res->error);
		return -1;
	}
	return 0;
}

enum toolsums_result toolsums_lookup(const char *base_url, const char *tool, const char *rid,
				     const volatile sig_atomic_t *interrupted, char *hex, size_t size,
				     char *why, size_t whysize)
{
	const char *env = getenv(TOOLSUMS_ENV), *base = base_url;
	char url[DOWNLOAD_URL_MAX];
	struct download_result *res = calloc(1, sizeof(*res));
	struct membuf m = { NULL, 0 };
	enum toolsums_result r = TOOLSUMS_NONE;
	int explicit = env && *env, is_path;
	size_t n;

	if (!res) {
		snprintf(why, whysize, "out of memory");
		return explicit ? TOOLSUMS_MISSING : TOOLSUMS_NONE;
	}
	if (!base || !*base)
		base = getenv(TOOLCACHE_URL_ENV);
	if (!base || !*base)
		base = TOOLCACHE_DEFAULT_URL;
	n = strlen(base);
	while (n && base[n - 1] == '/')
		n--;
	if (explicit) {
		is_path = !strstr(env, "://");
		if ((size_t)snprintf(url, sizeof(url), "%s", env) >= sizeof(url)) {
			snprintf(why, whysize, "%s is longer than %zu bytes", TOOLSUMS_ENV, sizeof(url));
			r = TOOLSUMS_MISSING;
			goto out;
		}
	} else if (n == strlen(TOOLCACHE_DEFAULT_URL) && !strncmp(base, TOOLCACHE_DEFAULT_URL, n)) {
		snprintf(why, whysize, "%s publishes no checksums: the download is checked by HTTPS, "
			 "size and format", TOOLCACHE_DEFAULT_URL);
		goto out;
	} else {
		is_path = 0;
		if ((size_t)snprintf(url, sizeof(url), "%.*s/SHA512SUMS", (int)n, base) >= sizeof(url)) {
			snprintf(why, whysize, "the tools URL is too long for its SHA512SUMS: the "
				 "download is checked by size and format only");
			goto out;
		}
	}
	if (fetch_sums(url, is_path, interrupted, &m, res, why, whysize) < 0) {
		if (!explicit && res->status == DOWNLOAD_ERR_HTTP)
			snprintf(why, whysize, "the mirror publishes no %s (%s): the download is checked "
				 "by size and format only", url, res->error);
		r = explicit ? TOOLSUMS_MISSING : TOOLSUMS_NONE;
		goto out;
	}
	if (toolsums_parse(m.data ? m.data : "", m.len, tool, rid, hex, size) < 0) {
		snprintf(why, whysize, "%s lists no sha512 for dotnet-%s %s", url,
			 strncmp(tool, "dotnet-", 7) ? tool : tool + 7, rid);
		r = explicit ? TOOLSUMS_MISSING : TOOLSUMS_NONE;
		goto out;
	}
	snprintf(why, whysize, "expected sha512 from %s", url);
	r = TOOLSUMS_FOUND;
out:
	free(m.data);
	free(res);
	return r;
}
