/*
 * pullstat.c - the parser of a pull's stat report (pullstat.h).
 */
#include "pullstat.h"

#include <stdio.h>
#include <string.h>

#include "probe.h"

static const struct { const char *name; unsigned bit; } stat_cmds[] = {
	{ "sha256sum", PCMD_SHA256SUM }, { "md5sum", PCMD_MD5SUM }, { "cksum", PCMD_CKSUM },
	{ "base64", PCMD_BASE64 }, { "gzip", PCMD_GZIP }, { "head", PCMD_HEAD },
	{ "tail", PCMD_TAIL }, { "dd", PCMD_DD }, { "wc", PCMD_WC }, { "stat", PCMD_STAT },
};

static int parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	while (i < n && s[i] == ' ')
		i++; /* wc -c may pad */
	if (i == n)
		return -1;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "sha256sum<TAB>HEX  -": the kind, and the value the way digest_final prints it. */
static int parse_hash(const char *v, size_t n, struct pull_stat *st)
{
	const char *tab = memchr(v, '\t', n), *val;
	size_t namelen, vlen, take;
	enum digest_kind k;

	if (!tab)
		return -1;
	namelen = (size_t)(tab - v);
	val = tab + 1;
	vlen = n - namelen - 1;
	if (namelen == 9 && !memcmp(v, "sha256sum", 9))
		k = DIGEST_SHA256;
	else if (namelen == 6 && !memcmp(v, "md5sum", 6))
		k = DIGEST_MD5;
	else if (namelen == 5 && !memcmp(v, "cksum", 5))
		k = DIGEST_CKSUM;
	else
		return -1;
	take = 0;
	if (k == DIGEST_CKSUM) {
		/* "CRC LENGTH": two fields */
		const char *sp = memchr(val, ' ', vlen);

		if (!sp)
			return -1;
		take = (size_t)(sp - val) + 1;
		while (take < vlen && val[take] >= '0' && val[take] <= '9')
			take++;
	} else {
		while (take < vlen && val[take] != ' ')
			take++;
		if (take != (k == DIGEST_SHA256 ? 64u : 32u))
			return -1;
	}
	if (take == 0 || take >= sizeof(st->hash_hex))
		return -1;
	memcpy(st->hash_hex, val, take);
	st->hash_hex[take] = '\0';
	st->hash = k;
	return 0;
}

int pull_stat_parse(const char *text, size_t len, struct pull_stat *st, char *err, size_t errsize)
{
	size_t off = 0, lineno = 0;

	memset(st, 0, sizeof(*st));
	st->sample_in = st->sample_out = -1;
	while (off < len) {
		const char *line = text + off, *nl = memchr(line, '\n', len - off), *tab, *v;
		size_t n, klen, vlen, i;

		if (!nl)
			break; /* partial last line: wait for more */
		n = (size_t)(nl - line);
		off += n + 1;
		lineno++;
		tab = memchr(line, '\t', n);
		if (!tab) {
			snprintf(err, errsize, "line %zu: no tab", lineno);
			return -1;
		}
		klen = (size_t)(tab - line);
		v = tab + 1;
		vlen = n - klen - 1;
#define KEY(s) (klen == sizeof(s) - 1 && !memcmp(line, s, klen))
		if (lineno == 1 && !KEY("dotnetprof-stat")) {
			snprintf(err, errsize, "line 1: not the stat script's output");
			return -1;
		}
		if (KEY("cmd")) {
			for (i = 0; i < sizeof(stat_cmds) / sizeof(stat_cmds[0]); i++)
				if (strlen(stat_cmds[i].name) == vlen && !memcmp(stat_cmds[i].name, v, vlen))
					st->cmds |= stat_cmds[i].bit;
		} else if (KEY("error")) {
			if (vlen == 5 && !memcmp(v, "noent", 5))
				st->error = PULL_STAT_NOENT;
			else if (vlen == 5 && !memcmp(v, "isdir", 5))
				st->error = PULL_STAT_ISDIR;
			else if (vlen == 6 && !memcmp(v, "notreg", 6))
				st->error = PULL_STAT_NOTREG;
			else if (vlen == 6 && !memcmp(v, "noperm", 6))
				st->error = PULL_STAT_NOPERM;
			else
				goto bad;
		} else if (KEY("size") || KEY("size2")) {
			uint64_t x;

			if (parse_u64(v, vlen, &x) < 0)
				goto bad;
			if (KEY("size"))
				st->size = x, st->have_size = 1;
			else
				st->size2 = x, st->have_size2 = 1;
		} else if (KEY("sample")) {
			const char *sp = memchr(v, ' ', vlen);
			uint64_t a, b;

			if (!sp || parse_u64(v, (size_t)(sp - v), &a) < 0 ||
			    parse_u64(sp + 1, vlen - (size_t)(sp - v) - 1, &b) < 0)
				goto bad;
			st->sample_in = (long long)a;
			st->sample_out = (long long)b;
		} else if (KEY("hash")) {
			if (parse_hash(v, vlen, st) < 0)
				goto bad;
		} else if (KEY("sha256tool")) {
			if (!(vlen == 7 && !memcmp(v, "openssl", 7)) &&
			    !(vlen == 9 && !memcmp(v, "sha256sum", 9)))
				goto bad;
			memcpy(st->sha256_tool, v, vlen);
			st->sha256_tool[vlen] = '\0';
		} else if (KEY("ready")) {
			st->ready = 1;
		} else if (KEY("end")) {
			st->end = 1;
		}
#undef KEY
		continue;
bad:
		snprintf(err, errsize, "line %zu: bad \"%.*s\" record", lineno, (int)(klen > 20 ? 20 : klen),
			 line);
		return -1;
	}
	return 0;
}

int pull_stat_is_record(const char *line, size_t len)
{
	static const char *const keys[] = { "dotnetprof-stat", "cmd", "sha256tool", "error", "size",
					    "sample", "ready", "hash", "size2", "end" };
	const char *tab = memchr(line, '\t', len);
	size_t i, n;

	if (!tab)
		return 0;
	n = (size_t)(tab - line);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i]) == n && !memcmp(line, keys[i], n))
			return 1;
	return 0;
}
