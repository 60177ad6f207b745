/*
 * debugsec.c - the debug container's user and capabilities (debugsec.h): what the pod says, what
 * was chosen, and the clause that says why.
 */
#include "debugsec.h"

#include <cJSON.h>
#include <stdio.h>
#include <string.h>

#include "strvec.h"

/* The app user of Microsoft's .NET 8+ images (APP_UID), which chiseled images run as. */
#define DOTNET_APP_UID 1654

static const char *const names[] = { "auto", "restricted", "baseline", "general" };

int debugsec_profile_parse(const char *s, enum debugsec_profile *out)
{
	long i = str_index(names, sizeof(names) / sizeof(names[0]), s);

	if (i < 0)
		return -1;
	*out = (enum debugsec_profile)i;
	return 0;
}

const char *debugsec_profile_name(enum debugsec_profile p)
{
	return (size_t)p < sizeof(names) / sizeof(names[0]) ? names[p] : "?";
}

/* A non-negative integer member `key` of `obj`, else -1. */
static long long id_of(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 4294967295.0)
		return -1;
	return (long long)v->valuedouble;
}

/* The securityContext of the container named `name` in spec.containers, or NULL. */
static const cJSON *container_sc(const cJSON *spec, const char *name)
{
	const cJSON *c, *n;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(spec, "containers")) {
		n = cJSON_GetObjectItemCaseSensitive(c, "name");
		if (cJSON_IsString(n) && name && !strcmp(n->valuestring, name))
			return cJSON_GetObjectItemCaseSensitive(c, "securityContext");
	}
	return NULL;
}

void debugsec_facts_from_pod(const cJSON *pod, const char *container, struct debugsec_facts *f)
{
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(pod, "spec");
	const cJSON *psc = cJSON_GetObjectItemCaseSensitive(spec, "securityContext");
	const cJSON *csc = container_sc(spec, container), *nr;

	f->uid = id_of(csc, "runAsUser");
	if (f->uid < 0)
		f->uid = id_of(psc, "runAsUser");
	f->gid = id_of(csc, "runAsGroup");
	if (f->gid < 0)
		f->gid = id_of(psc, "runAsGroup");
	f->from = f->uid >= 0 ? DEBUGSEC_SPEC : DEBUGSEC_UNKNOWN;
	nr = cJSON_GetObjectItemCaseSensitive(csc, "runAsNonRoot");
	if (!cJSON_IsBool(nr))
		nr = cJSON_GetObjectItemCaseSensitive(psc, "runAsNonRoot");
	f->non_root = cJSON_IsTrue(nr);
}

static const char *source_name(enum debugsec_source s)
{
	return s == DEBUGSEC_PROBE ? "seen in its container" : "from the pod's spec";
}

/* Restricted as the app's known non-root user. */
static void as_app(const struct debugsec_facts *f, struct debugsec *out)
{
	out->profile = DEBUGSEC_RESTRICTED;
	out->uid = f->uid;
	out->gid = f->gid >= 0 ? f->gid : f->uid;
	snprintf(out->why, sizeof(out->why),
		 "as the app's user %lld:%lld (%s%s) with the restricted profile (no capabilities), "
		 "which every Pod Security level allows", out->uid, out->gid, source_name(f->from),
		 f->gid >= 0 ? "" : "; its group unknown, taken equal to the uid");
}

/* Restricted as 1654:1654 (nothing known, root refused by the pod). */
static void as_guess(struct debugsec *out)
{
	out->profile = DEBUGSEC_RESTRICTED;
	out->uid = out->gid = DOTNET_APP_UID;
	out->guessed = 1;
	snprintf(out->why, sizeof(out->why),
		 "as %d:%d, the app user of Microsoft's .NET images, with the restricted profile: the "
		 "pod requires a non-root user and its spec does not say which", DOTNET_APP_UID,
		 DOTNET_APP_UID);
}

static int refuse(struct debugsec *out, const char *why)
{
	snprintf(out->why, sizeof(out->why), "%s", why);
	return -1;
}

int debugsec_choose(const struct debugsec_facts *f, enum debugsec_profile want,
		    struct debugsec *out)
{
	memset(out, 0, sizeof(*out));
	out->uid = out->gid = -1;
	if ((want == DEBUGSEC_BASELINE || want == DEBUGSEC_GENERAL) && f->non_root)
		return refuse(out, "the pod requires a non-root user (runAsNonRoot), so a root debug "
				   "container (baseline and general profiles) cannot start there");
	if (want == DEBUGSEC_RESTRICTED && f->uid == 0)
		return refuse(out, "the app runs as root, and the restricted profile forbids root");
	switch (want) {
	case DEBUGSEC_BASELINE:
		out->profile = DEBUGSEC_BASELINE;
		snprintf(out->why, sizeof(out->why), "as root with the runtime's default capabilities "
			 "(baseline profile, as asked)");
		return 0;
	case DEBUGSEC_GENERAL:
		out->profile = DEBUGSEC_GENERAL;
		snprintf(out->why, sizeof(out->why), "as root with SYS_PTRACE (general profile, as "
			 "asked), which reaches any user's process");
		return 0;
	case DEBUGSEC_RESTRICTED:
		if (f->uid > 0)
			as_app(f, out);
		else
			as_guess(out);
		return 0;
	case DEBUGSEC_AUTO:
		break;
	}
	if (f->uid > 0) {
		as_app(f, out);
	} else if (f->uid == 0) {
		out->profile = DEBUGSEC_BASELINE;
		snprintf(out->why, sizeof(out->why), "as root like the app (%s), with the runtime's "
			 "default capabilities (baseline profile)", source_name(f->from));
	} else if (f->non_root) {
		as_guess(out);
	} else {
		out->profile = DEBUGSEC_GENERAL;
		snprintf(out->why, sizeof(out->why),
			 "as root with SYS_PTRACE (general profile), which reaches the app whatever its "
			 "user: the pod's spec does not say which user it runs as");
	}
	return 0;
}

int debugsec_custom(const struct debugsec *s, char *buf, size_t size)
{
	int n;

	if (s->uid < 0)
		n = snprintf(buf, size, "%s", "");
	else
		n = snprintf(buf, size, "{\"securityContext\":{\"runAsUser\":%lld,\"runAsGroup\":%lld}}",
			     s->uid, s->gid >= 0 ? s->gid : s->uid);
	return n < 0 || (size_t)n >= size ? -1 : n;
}

int debugsec_matches(const struct debugsec *s, long long uid, long long gid, int ptrace)
{
	long long want_gid = s->uid < 0 ? -1 : s->gid >= 0 ? s->gid : s->uid;

	return uid == s->uid && gid == want_gid && !ptrace == !(s->profile == DEBUGSEC_GENERAL);
}
