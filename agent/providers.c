/*
 * providers.c - the provider list of a trace, the way dotnet-trace collect builds it (providers.h).
 * The profiles, keywords and levels below are copied from dotnet-trace's sources
 * (ListProfilesCommandHandler.cs, ProviderUtils.cs); the EventPipeProvider constructor's default
 * keywords (0xF00000000000) apply where a profile gives none.
 */
#include "providers.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RUNTIME_PROVIDER "Microsoft-Windows-DotNETRuntime"
#define DEFAULT_PROVIDER_KEYWORDS 0xF00000000000ull /* EventPipeProvider's default */

enum { LEVEL_LOGALWAYS = 0, LEVEL_CRITICAL, LEVEL_ERROR, LEVEL_WARNING, LEVEL_INFO, LEVEL_VERBOSE };

struct profile_provider {
	const char *name;
	uint32_t level;
	uint64_t keywords;
	const char *args; /* already in the runtime's key=value;... form */
};

struct profile {
	const char *name;
	const struct profile_provider *providers;
	size_t n;
	uint64_t rundown_keyword;
	enum provider_retry retry;
	int collect_linux_only;   /* dotnet-trace collect refuses these */
};

static const struct profile_provider common[] = {
	/* GC | AssemblyLoader | Loader | JIT | Exceptions | Threading | JittedMethodILToNativeMap |
	 * Compilation */
	{ RUNTIME_PROVIDER, LEVEL_INFO, 0x100003801Dull, NULL },
};
static const struct profile_provider sampled[] = {
	{ "Microsoft-DotNETCore-SampleProfiler", LEVEL_INFO, DEFAULT_PROVIDER_KEYWORDS, NULL },
};
static const struct profile_provider gc_verbose[] = {
	{ RUNTIME_PROVIDER, LEVEL_VERBOSE, 0x1 | 0x2 | 0x8000, NULL }, /* GC | GCHandle | Exception */
};
static const struct profile_provider gc_collect[] = {
	{ RUNTIME_PROVIDER, LEVEL_INFO, 0x1, NULL },
	{ "Microsoft-Windows-DotNETRuntimePrivate", LEVEL_INFO, 0x1, NULL },
};
static const struct profile_provider database[] = {
	{ "System.Threading.Tasks.TplEventSource", LEVEL_INFO, 0x80, NULL }, /* TasksFlowActivityIds */
	{ "Microsoft-Diagnostics-DiagnosticSource", LEVEL_VERBOSE, 0x1 | 0x2, /* Messages | Events */
	  "FilterAndPayloadSpecs=\""
	  "SqlClientDiagnosticListener/System.Data.SqlClient.WriteCommandBefore@Activity1Start:-Command;"
	  "Command.CommandText;ConnectionId;Operation;Command.Connection.ServerVersion;"
	  "Command.CommandTimeout;Command.CommandType;Command.Connection.ConnectionString;"
	  "Command.Connection.Database;Command.Connection.DataSource;Command.Connection.PacketSize\r\n"
	  "SqlClientDiagnosticListener/System.Data.SqlClient.WriteCommandAfter@Activity1Stop:\r\n"
	  "Microsoft.EntityFrameworkCore/Microsoft.EntityFrameworkCore.Database.Command.CommandExecuting"
	  "@Activity2Start:-Command.CommandText;Command;ConnectionId;IsAsync;"
	  "Command.Connection.ClientConnectionId;Command.Connection.ServerVersion;"
	  "Command.CommandTimeout;Command.CommandType;Command.Connection.ConnectionString;"
	  "Command.Connection.Database;Command.Connection.DataSource;Command.Connection.PacketSize\r\n"
	  "Microsoft.EntityFrameworkCore/Microsoft.EntityFrameworkCore.Database.Command.CommandExecuted"
	  "@Activity2Stop:\"" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct profile profiles[] = {
	{ "dotnet-common", common, N(common), IPC_DEFAULT_RUNDOWN_KEYWORD, RETRY_NONE, 0 },
	{ "dotnet-sampled-thread-time", sampled, N(sampled), IPC_DEFAULT_RUNDOWN_KEYWORD, RETRY_NONE, 0 },
	{ "gc-verbose", gc_verbose, N(gc_verbose), IPC_DEFAULT_RUNDOWN_KEYWORD, RETRY_NONE, 0 },
	{ "gc-collect", gc_collect, N(gc_collect), 0x1, RETRY_DROP_RUNDOWN, 0 },
	{ "database", database, N(database), IPC_DEFAULT_RUNDOWN_KEYWORD, RETRY_NONE, 0 },
	{ "cpu-sampling", NULL, 0, IPC_DEFAULT_RUNDOWN_KEYWORD, RETRY_NONE, 1 },
	{ "thread-time", NULL, 0, IPC_DEFAULT_RUNDOWN_KEYWORD, RETRY_NONE, 1 },
};

/* --clrevents names (ProviderUtils.CLREventKeywords). */
static const struct { const char *name; uint64_t kw; } clr_keywords[] = {
	{ "gc", 0x1 }, { "gchandle", 0x2 }, { "fusion", 0x4 }, { "assemblyloader", 0x4 },
	{ "loader", 0x8 }, { "jit", 0x10 }, { "ngen", 0x20 }, { "startenumeration", 0x40 },
	{ "endenumeration", 0x80 }, { "security", 0x400 }, { "appdomainresourcemanagement", 0x800 },
	{ "jittracing", 0x1000 }, { "interop", 0x2000 }, { "contention", 0x4000 },
	{ "exception", 0x8000 }, { "threading", 0x10000 }, { "jittedmethodiltonativemap", 0x20000 },
	{ "overrideandsuppressngenevents", 0x40000 }, { "type", 0x80000 },
	{ "gcheapdump", 0x100000 }, { "gcsampledobjectallocationhigh", 0x200000 },
	{ "gcheapsurvivalandmovement", 0x400000 }, { "gcheapcollect", 0x800000 },
	{ "managedheadcollect", 0x800000 }, { "gcheapandtypenames", 0x1000000 },
	{ "gcsampledobjectallocationlow", 0x2000000 }, { "perftrack", 0x20000000 },
	{ "stack", 0x40000000 }, { "threadtransfer", 0x80000000 }, { "debugger", 0x100000000 },
	{ "monitoring", 0x200000000 }, { "codesymbols", 0x400000000 },
	{ "eventsource", 0x800000000 }, { "compilation", 0x1000000000 },
	{ "compilationdiagnostic", 0x2000000000 }, { "methoddiagnostic", 0x4000000000 },
	{ "typediagnostic", 0x8000000000 }, { "jitinstrumentationdata", 0x10000000000 },
	{ "profiler", 0x20000000000 }, { "waithandle", 0x40000000000 },
	{ "allocationsampling", 0x80000000000 },
};

static int fail(char *err, size_t errsize, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static int fail(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(err, errsize, fmt, ap); /* a cut message still names the problem */
	va_end(ap);
	return -1;
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static struct ipc_provider *find(struct provider_set *ps, const char *name)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (strcasecmp(ps->v[i].name, name) == 0)
			return &ps->v[i];
	return NULL;
}

/* Append a provider; takes ownership of name and args (freed on failure). */
static int append(struct provider_set *ps, char *name, uint64_t kw, uint32_t level, char *args)
{
	struct ipc_provider *nv;

	if (name == NULL || (nv = realloc(ps->v, (ps->n + 1) * sizeof(*nv))) == NULL) {
		free(name);
		free(args);
		errno = ENOMEM;
		return -1;
	}
	ps->v = nv;
	nv[ps->n].name = name;
	nv[ps->n].keywords = kw;
	nv[ps->n].level = level;
	nv[ps->n].args = args;
	ps->n++;
	return 0;
}

/* GetEventLevel: a number (capped at verbose) or a name. */
static int parse_level(const char *s, uint32_t *level)
{
	static const char *const names[] = { "logalways", "critical", "error", "warning",
					      "informational", "verbose" };
	unsigned long long v = 0;
	const char *p;
	size_t i;

	for (p = s; *p >= '0' && *p <= '9'; p++)
		v = v > 1000 ? v : v * 10 + (unsigned)(*p - '0');
	if (p != s && *p == '\0') {
		*level = v > LEVEL_VERBOSE ? LEVEL_VERBOSE : (uint32_t)v;
		return 0;
	}
	for (i = 0; i < N(names); i++)
		if (strcasecmp(s, names[i]) == 0) {
			*level = (uint32_t)i;
			return 0;
		}
	return -1;
}

/* Convert.ToInt64(s, 16): hex digits with an optional 0x, at most 16 of them. */
static int parse_keywords(const char *s, uint64_t *kw)
{
	uint64_t v = 0;
	int digits = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; *s != '\0'; s++, digits++) {
		int d = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 :
			*s >= 'A' && *s <= 'F' ? *s - 'A' + 10 : -1;

		if (d < 0 || digits == 16)
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	if (digits == 0)
		return -1;
	*kw = v;
	return 0;
}

static int blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return 0;
	return 1;
}

/* Regex.Unescape, for what provider arguments use: \\ \" \n \r \t, and \X for any other X. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0') {
			s++;
			*o++ = *s == 'n' ? '\n' : *s == 'r' ? '\r' : *s == 't' ? '\t' : *s;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* Append n bytes of text to out (of size cap, filled to *len), NUL-terminated. */
static int put_raw(char *out, size_t cap, size_t *len, const char *text, size_t n)
{
	if (n >= cap - *len)
		return -1;
	memcpy(out + *len, text, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

/* Append a key or a value, quoted when it holds ';' or '=' (GetArgumentString). */
static int put_arg(char *out, size_t cap, size_t *len, const char *text, size_t n)
{
	int quote = memchr(text, ';', n) != NULL || memchr(text, '=', n) != NULL;

	return (quote && put_raw(out, cap, len, "\"", 1) < 0) || put_raw(out, cap, len, text, n) < 0 ||
	       (quote && put_raw(out, cap, len, "\"", 1) < 0) ? -1 : 0;
}

/*
 * ParseArgumentString then GetArgumentString: "k=v;k2="a;b"" split at ';' outside quotes, the key
 * ending at the segment's last '=' outside quotes, a value's outer quotes dropped; joined again
 * with quotes where needed. *out is NULL when there are none.
 */
static int parse_args(const char *raw, char **out, char *err, size_t errsize)
{
	char *a, *res;
	size_t i, len, cap, olen = 0, key = 0, key_end = 0, val = 0;
	int in_quote = 0, seen_eq = 0;

	*out = NULL;
	if (raw == NULL || blank(raw))
		return 0;
	if ((a = dup_n(raw, strlen(raw))) == NULL)
		return fail(err, errsize, "out of memory");
	unescape(a);
	len = strlen(a);
	cap = 2 * len + 3;
	if ((res = malloc(cap)) == NULL) {
		free(a);
		return fail(err, errsize, "out of memory");
	}
	res[0] = '\0';
	for (i = 0; i <= len; i++) {
		char c = a[i];
		const char *v;
		size_t vlen;

		if (in_quote && c != '\0') {
			in_quote = c != '"';
			continue;
		}
		if (c == '"') {
			in_quote = 1;
			continue;
		}
		if (c == '=') {
			key_end = i;
			val = i + 1;
			seen_eq = 1;
			continue;
		}
		if (c != ';' && c != '\0')
			continue;
		if (!seen_eq) {
			if (c == '\0' && i == key)
				break; /* nothing after a trailing ';' */
			free(a);
			free(res);
			return fail(err, errsize, "provider argument \"%s\" is not key=value", raw);
		}
		v = a + val;
		vlen = i - val;
		if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"')
			v++, vlen -= 2;
		if ((olen > 0 && put_raw(res, cap, &olen, ";", 1) < 0) ||
		    put_arg(res, cap, &olen, a + key, key_end - key) < 0 ||
		    put_raw(res, cap, &olen, "=", 1) < 0 || put_arg(res, cap, &olen, v, vlen) < 0) {
			free(a);
			free(res);
			return fail(err, errsize, "provider arguments too long");
		}
		key = i + 1;
		seen_eq = 0;
	}
	free(a);
	if (olen == 0)
		free(res);
	else
		*out = res;
	return 0;
}

/* One --providers element: Name[:keywords[:level[:args]]]; merged into a provider of that name. */
static int add_spec(struct provider_set *ps, const char *spec, char *err, size_t errsize)
{
	const char *f[4] = { spec, NULL, NULL, NULL };
	size_t flen[4];
	char part[3][128], *args = NULL;
	uint64_t kw = 0;
	uint32_t level = LEVEL_INFO;
	struct ipc_provider *old;
	int nf = 1, i;
	const char *p;

	for (p = spec; *p != '\0' && nf < 4; p++)
		if (*p == ':')
			f[nf++] = p + 1;
	for (i = 0; i < nf; i++)
		flen[i] = i + 1 < nf ? (size_t)(f[i + 1] - f[i] - 1) : strlen(f[i]);
	for (i = 0; i < nf && i < 3; i++) {
		if (flen[i] >= sizeof(part[i]))
			return fail(err, errsize, "provider field too long in \"%s\"", spec);
		memcpy(part[i], f[i], flen[i]);
		part[i][flen[i]] = '\0';
	}
	if (blank(part[0]))
		return fail(err, errsize, "provider name was not specified");
	if (nf > 1 && !blank(part[1]) && parse_keywords(part[1], &kw) < 0)
		return fail(err, errsize, "bad keywords \"%s\" for provider %s (hex expected)", part[1],
			    part[0]);
	if (nf > 2 && !blank(part[2]) && parse_level(part[2], &level) < 0)
		return fail(err, errsize, "unknown event level \"%s\"", part[2]);
	if (nf > 3 && parse_args(f[3], &args, err, errsize) < 0)
		return -1;
	if ((old = find(ps, part[0])) == NULL)
		return append(ps, dup_n(part[0], flen[0]), kw, level, args) < 0 ?
			       fail(err, errsize, "out of memory") : 0;
	if (old->args != NULL && args != NULL) {
		free(args);
		return fail(err, errsize,
			    "provider \"%s\" is declared multiple times with filter arguments", part[0]);
	}
	old->level = old->level == LEVEL_LOGALWAYS || level == LEVEL_LOGALWAYS ? LEVEL_LOGALWAYS :
		     old->level > level ? old->level : level;
	old->keywords |= kw;
	if (args != NULL)
		old->args = args;
	return 0;
}

/* Call fn for each comma-separated, trimmed, non-empty element of list. */
static int each_item(const char *list, int (*fn)(struct provider_set *, const char *, void *, char *, size_t),
		     struct provider_set *ps, void *ctx, char *err, size_t errsize)
{
	const char *p = list, *end;
	char *item;
	int r;

	while (p != NULL && *p != '\0') {
		size_t n;

		end = strchr(p, ',');
		n = end ? (size_t)(end - p) : strlen(p);
		while (n > 0 && (*p == ' ' || *p == '\t'))
			p++, n--;
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n > 0) {
			if ((item = dup_n(p, n)) == NULL)
				return fail(err, errsize, "out of memory");
			r = fn(ps, item, ctx, err, errsize);
			free(item);
			if (r < 0)
				return -1;
		}
		p = end ? end + 1 : NULL;
	}
	return 0;
}

static int spec_item(struct provider_set *ps, const char *item, void *ctx, char *err, size_t errsize)
{
	(void)ctx;
	return add_spec(ps, item, err, errsize);
}

struct rundown_acc {
	uint64_t keyword;
	enum provider_retry retry;
	int nprofiles;
};

static int profile_item(struct provider_set *ps, const char *item, void *ctx, char *err,
			size_t errsize)
{
	struct rundown_acc *acc = ctx;
	const struct profile *pr = NULL;
	size_t i;

	for (i = 0; i < N(profiles); i++)
		if (strcasecmp(item, profiles[i].name) == 0)
			pr = &profiles[i];
	if (pr == NULL)
		return fail(err, errsize, "invalid profile name: %s", item);
	if (pr->collect_linux_only)
		return fail(err, errsize, "the profile '%s' does not apply to `dotnet-trace collect`",
			    pr->name);
	for (i = 0; i < pr->n; i++) {
		const struct profile_provider *pp = &pr->providers[i];
		char *args = NULL;

		if (find(ps, pp->name) != NULL)
			continue; /* --providers wins over a profile */
		if ((pp->args != NULL && (args = dup_n(pp->args, strlen(pp->args))) == NULL) ||
		    append(ps, dup_n(pp->name, strlen(pp->name)), pp->keywords, pp->level, args) < 0)
			return fail(err, errsize, "out of memory");
	}
	acc->keyword |= pr->rundown_keyword;
	if (pr->retry > acc->retry)
		acc->retry = pr->retry;
	acc->nprofiles++;
	return 0;
}

static int clr_item(struct provider_set *ps, const char *item, void *ctx, char *err, size_t errsize)
{
	uint64_t *mask = ctx;
	size_t i;

	(void)ps;
	for (i = 0; i < N(clr_keywords); i++)
		if (strcasecmp(item, clr_keywords[i].name) == 0) {
			*mask |= clr_keywords[i].kw;
			return 0;
		}
	return fail(err, errsize, "%s is not a valid CLR event keyword", item);
}

/* --clrevents a+b+c: the runtime provider, unless --providers or a profile named it already. */
static int add_clrevents(struct provider_set *ps, const struct provider_opts *o, char *err,
			 size_t errsize)
{
	uint64_t mask = 0;
	uint32_t level = LEVEL_INFO;
	char *list, *p;

	if (o->clrevents == NULL || *o->clrevents == '\0')
		return 0;
	/* '+' separated; reuse the ',' splitter on a copy */
	if ((list = dup_n(o->clrevents, strlen(o->clrevents))) == NULL)
		return fail(err, errsize, "out of memory");
	for (p = list; *p != '\0'; p++)
		if (*p == '+')
			*p = ',';
	if (each_item(list, clr_item, ps, &mask, err, errsize) < 0) {
		free(list);
		return -1;
	}
	free(list);
	if (o->clreventlevel != NULL && *o->clreventlevel != '\0' &&
	    parse_level(o->clreventlevel, &level) < 0)
		return fail(err, errsize, "unknown event level \"%s\"", o->clreventlevel);
	if (find(ps, RUNTIME_PROVIDER) != NULL)
		return 0; /* dotnet-trace warns and ignores --clrevents then */
	if (append(ps, dup_n(RUNTIME_PROVIDER, strlen(RUNTIME_PROVIDER)), mask, level, NULL) < 0)
		return fail(err, errsize, "out of memory");
	return 0;
}

int providers_build(struct provider_set *ps, const struct provider_opts *o, char *err, size_t errsize)
{
	struct rundown_acc acc = { 0, RETRY_NONE, 0 };
	const char *profiles_arg = o->profiles;
	int none = (o->providers == NULL || blank(o->providers)) &&
		   (o->profiles == NULL || blank(o->profiles)) &&
		   (o->clrevents == NULL || *o->clrevents == '\0');

	memset(ps, 0, sizeof(*ps));
	if (none)
		profiles_arg = "dotnet-common,dotnet-sampled-thread-time";
	if ((o->providers != NULL && each_item(o->providers, spec_item, ps, NULL, err, errsize) < 0) ||
	    (profiles_arg != NULL && each_item(profiles_arg, profile_item, ps, &acc, err, errsize) < 0) ||
	    add_clrevents(ps, o, err, errsize) < 0)
		goto fail;
	if (ps->n == 0) {
		fail(err, errsize, "no providers were specified to start a trace");
		goto fail;
	}
	if (acc.keyword == 0)
		acc.keyword = IPC_DEFAULT_RUNDOWN_KEYWORD;
	if (o->rundown == 1) {
		acc.keyword |= IPC_DEFAULT_RUNDOWN_KEYWORD;
		acc.retry = acc.keyword == IPC_DEFAULT_RUNDOWN_KEYWORD ? RETRY_NONE : RETRY_KEEP_RUNDOWN;
	} else if (o->rundown == 0) {
		acc.keyword = 0;
		acc.retry = RETRY_NONE;
	}
	ps->rundown_keyword = acc.keyword;
	ps->retry = acc.retry;
	return 0;
fail:
	providers_release(ps);
	return -1;
}

int providers_stack(struct provider_set *ps)
{
	memset(ps, 0, sizeof(*ps));
	ps->rundown_keyword = IPC_DEFAULT_RUNDOWN_KEYWORD;
	return append(ps, dup_n(sampled[0].name, strlen(sampled[0].name)), sampled[0].keywords,
		      sampled[0].level, NULL);
}

void providers_collect(const struct provider_set *ps, uint32_t buffer_mb, struct ipc_collect *c)
{
	c->command = ps->rundown_keyword != 0 && ps->rundown_keyword != IPC_DEFAULT_RUNDOWN_KEYWORD ?
			     IPC_EP_COLLECT_TRACING4 : IPC_EP_COLLECT_TRACING2;
	c->buffer_mb = buffer_mb;
	c->rundown_keyword = ps->rundown_keyword;
	c->stackwalk = 1;
	c->providers = ps->v;
	c->nproviders = ps->n;
}

int providers_fallback(const struct provider_set *ps, struct ipc_collect *c)
{
	if (c->command == IPC_EP_COLLECT_TRACING4 && ps->retry != RETRY_NONE) {
		c->command = IPC_EP_COLLECT_TRACING2;
		c->rundown_keyword = ps->retry == RETRY_KEEP_RUNDOWN ? IPC_DEFAULT_RUNDOWN_KEYWORD : 0;
		return 0;
	}
	if (c->command == IPC_EP_COLLECT_TRACING2 && c->rundown_keyword != 0) {
		c->command = IPC_EP_COLLECT_TRACING; /* .NET Core 3.0: always a rundown */
		return 0;
	}
	return -1;
}

void providers_release(struct provider_set *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		free((char *)ps->v[i].name);
		free((char *)ps->v[i].args);
	}
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}

int providers_format(const struct provider_set *ps, char *buf, size_t size)
{
	size_t i, len = 0;
	int n;

	if (size == 0)
		goto toolong;
	buf[0] = '\0';
	for (i = 0; i < ps->n; i++) {
		const struct ipc_provider *p = &ps->v[i];

		n = snprintf(buf + len, size - len, "%s%s:0x%016llX:%u%s%s", i ? "," : "", p->name,
			     (unsigned long long)p->keywords, (unsigned)p->level, p->args ? ":" : "",
			     p->args ? p->args : "");
		if (n < 0 || (size_t)n >= size - len)
			goto toolong;
		len += (size_t)n;
	}
	return 0;
toolong:
	errno = ENAMETOOLONG;
	return -1;
}
