/*
 * target.c - TARGET parsing, resolution to Running pods through `kubectl get -o json`, and the choice
 * of pod and container (never a silent guess).
 */
#include "target.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcodes.h"
#include "kube.h"
#include "log.h"
#include "strvec.h"

#define DEFAULT_CONTAINER_ANNOTATION "kubectl.kubernetes.io/default-container"

/* TARGET kinds: the words users type, and the resource we ask kubectl for. */
static const struct {
	const char *word;
	const char *resource;
} kinds[] = {
	{ "pod", "pod" }, { "pods", "pod" }, { "po", "pod" },
	{ "deploy", "deployment" }, { "deployment", "deployment" }, { "deployments", "deployment" },
	{ "statefulset", "statefulset" }, { "statefulsets", "statefulset" }, { "sts", "statefulset" },
	{ "daemonset", "daemonset" }, { "daemonsets", "daemonset" }, { "ds", "daemonset" },
	{ "replicaset", "replicaset" }, { "replicasets", "replicaset" }, { "rs", "replicaset" },
};

void target_spec_release(struct target_spec *t)
{
	free(t->resource);
	free(t->name);
	free(t->selector);
	memset(t, 0, sizeof(*t));
}

static const char *kind_resource(const char *word, size_t len)
{
	size_t i;

	/* "deployment.apps/x" and "deployments.apps/x" as kubectl accepts them */
	if (len > 5 && !memcmp(word + len - 5, ".apps", 5))
		len -= 5;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strlen(kinds[i].word) == len && !strncmp(kinds[i].word, word, len))
			return kinds[i].resource;
	return NULL;
}

int target_spec_parse(struct target_spec *t, const char *arg, const char *selector, char *err,
		      size_t errsize)
{
	const char *slash, *name, *resource = "pod";

	memset(t, 0, sizeof(*t));
	if (arg && selector) {
		snprintf(err, errsize, "give either TARGET or -l SELECTOR, not both");
		return -1;
	}
	if (!arg && !selector) {
		snprintf(err, errsize, "missing TARGET (a pod, TYPE/NAME, or -l SELECTOR)");
		return -1;
	}
	if (selector) {
		if (!*selector) {
			snprintf(err, errsize, "empty selector");
			return -1;
		}
		t->kind = TARGET_SELECTOR;
		t->selector = strdup(selector);
		goto check;
	}
	slash = strchr(arg, '/');
	name = slash ? slash + 1 : arg;
	if (slash) {
		resource = kind_resource(arg, (size_t)(slash - arg));
		if (!resource) {
			snprintf(err, errsize,
				 "unknown target type \"%.*s\" (use pod, deploy, sts, ds, rs)",
				 (int)(slash - arg), arg);
			return -1;
		}
	}
	if (!*name || strchr(name, '/')) {
		snprintf(err, errsize, "invalid target \"%s\": expected POD or TYPE/NAME", arg);
		return -1;
	}
	if (*name == '-') {
		snprintf(err, errsize, "invalid target \"%s\": names do not start with '-'", arg);
		return -1;
	}
	t->kind = strcmp(resource, "pod") ? TARGET_WORKLOAD : TARGET_POD;
	t->resource = strdup(resource);
	t->name = strdup(name);
	if (!t->resource || !t->name)
		goto oom;
check:
	if (t->kind == TARGET_SELECTOR && !t->selector)
		goto oom;
	return 0;
oom:
	target_spec_release(t);
	snprintf(err, errsize, "out of memory");
	return -1;
}

const char *target_spec_describe(const struct target_spec *t, char *buf, size_t bufsize)
{
	if (t->kind == TARGET_SELECTOR)
		snprintf(buf, bufsize, "selector \"%s\"", t->selector);
	else
		snprintf(buf, bufsize, "%s/%s", t->resource, t->name);
	return buf;
}

void target_pod_release(struct target_pod *pod)
{
	size_t i;

	for (i = 0; i < pod->ncontainers; i++) {
		free(pod->containers[i].name);
		free(pod->containers[i].state);
	}
	free(pod->containers);
	free(pod->name);
	free(pod->namespace);
	free(pod->node);
	free(pod->phase);
	free(pod->default_container);
	memset(pod, 0, sizeof(*pod));
}

void target_set_release(struct target_set *s)
{
	size_t i;

	for (i = 0; i < s->npods; i++)
		target_pod_release(&s->pods[i]);
	free(s->pods);
	s->pods = NULL;
	s->npods = 0;
}

static const cJSON *get(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static const char *str(const cJSON *obj, const char *key)
{
	const cJSON *v = get(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* strdup that keeps NULL as NULL; sets *fail on allocation failure. */
static char *dup_or_null(const char *s, int *fail)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*fail = 1;
	return d;
}

/* "running", "waiting: CrashLoopBackOff", "terminated: Error"; running flag. */
static int container_state(const cJSON *status, int pod_running, struct target_container *c)
{
	static const char *const states[] = { "running", "waiting", "terminated" };
	const cJSON *state = status ? get(status, "state") : NULL;
	char buf[256];
	size_t i;

	c->running = !state && pod_running;
	snprintf(buf, sizeof(buf), "%s", state ? "unknown" : (pod_running ? "running" : "not started"));
	for (i = 0; state && i < 3; i++) {
		const cJSON *s = get(state, states[i]);
		const char *reason = s ? str(s, "reason") : NULL;

		if (!cJSON_IsObject(s))
			continue;
		c->running = i == 0;
		if (reason && *reason)
			snprintf(buf, sizeof(buf), "%s: %s", states[i], reason);
		else
			snprintf(buf, sizeof(buf), "%s", states[i]);
		break;
	}
	c->state = strdup(buf);
	return c->state ? 0 : -1;
}

int target_pod_from_json(const cJSON *item, struct target_pod *pod)
{
	const cJSON *meta = get(item, "metadata"), *spec = get(item, "spec"),
		    *status = get(item, "status"), *annotations, *containers, *statuses, *c;
	const char *phase = status ? str(status, "phase") : NULL;
	int fail = 0;
	size_t n = 0;

	memset(pod, 0, sizeof(*pod));
	if (!meta || !str(meta, "name"))
		return -1;
	pod->name = dup_or_null(str(meta, "name"), &fail);
	pod->namespace = dup_or_null(str(meta, "namespace") ? str(meta, "namespace") : "", &fail);
	pod->node = dup_or_null(spec ? str(spec, "nodeName") : NULL, &fail);
	pod->phase = dup_or_null(phase ? phase : "Unknown", &fail);
	pod->deleting = get(meta, "deletionTimestamp") && !cJSON_IsNull(get(meta, "deletionTimestamp"));
	annotations = get(meta, "annotations");
	pod->default_container = dup_or_null(annotations ? str(annotations, DEFAULT_CONTAINER_ANNOTATION)
							 : NULL, &fail);
	containers = spec ? get(spec, "containers") : NULL;
	statuses = status ? get(status, "containerStatuses") : NULL;
	if (fail)
		goto fail;
	if (cJSON_IsArray(containers) && cJSON_GetArraySize(containers) > 0) {
		pod->containers = calloc((size_t)cJSON_GetArraySize(containers), sizeof(*pod->containers));
		if (!pod->containers)
			goto fail;
	}
	cJSON_ArrayForEach(c, (cJSON_IsArray(containers) ? containers : NULL)) {
		const char *name = str(c, "name");
		const cJSON *st, *found = NULL;

		if (!name)
			continue;
		cJSON_ArrayForEach(st, (cJSON_IsArray(statuses) ? statuses : NULL)) {
			const char *sn = str(st, "name");

			if (sn && !strcmp(sn, name))
				found = st;
		}
		pod->containers[n].name = strdup(name);
		pod->ncontainers = ++n;
		if (!pod->containers[n - 1].name ||
		    container_state(found, !strcmp(pod->phase, "Running"), &pod->containers[n - 1]) < 0)
			goto fail;
	}
	return 0;
fail:
	target_pod_release(pod);
	return -1;
}

int target_pod_running(const struct target_pod *pod)
{
	return !pod->deleting && !strcmp(pod->phase, "Running");
}

static int cmp_pod(const void *a, const void *b)
{
	return strcmp(((const struct target_pod *)a)->name, ((const struct target_pod *)b)->name);
}

/* Label selector text for spec.selector (matchLabels and matchExpressions). */
static int selector_from_json(const cJSON *sel, struct strvec *parts, char *why, size_t whysize)
{
	const cJSON *labels = get(sel, "matchLabels"), *exprs = get(sel, "matchExpressions"), *e;

	cJSON_ArrayForEach(e, (cJSON_IsObject(labels) ? labels : NULL)) {
		char key[400];

		if (!cJSON_IsString(e) ||
		    (size_t)snprintf(key, sizeof(key), "%s=", e->string) >= sizeof(key) ||
		    strvec_push2(parts, key, e->valuestring) < 0)
			goto bad;
	}
	cJSON_ArrayForEach(e, (cJSON_IsArray(exprs) ? exprs : NULL)) {
		const char *key = str(e, "key"), *op = str(e, "operator");
		const cJSON *values = get(e, "values"), *v;
		char buf[1024];
		size_t len;

		if (!key || !op)
			goto bad;
		if (!strcmp(op, "Exists"))
			len = (size_t)snprintf(buf, sizeof(buf), "%s", key);
		else if (!strcmp(op, "DoesNotExist"))
			len = (size_t)snprintf(buf, sizeof(buf), "!%s", key);
		else if (!strcmp(op, "In") || !strcmp(op, "NotIn")) {
			len = (size_t)snprintf(buf, sizeof(buf), "%s %s (", key,
					       strcmp(op, "In") ? "notin" : "in");
			cJSON_ArrayForEach(v, (cJSON_IsArray(values) ? values : NULL)) {
				if (!cJSON_IsString(v) || len >= sizeof(buf))
					goto bad;
				len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
							v == values->child ? "" : ",", v->valuestring);
			}
			if (len < sizeof(buf))
				len += (size_t)snprintf(buf + len, sizeof(buf) - len, ")");
		} else
			goto bad;
		if (len >= sizeof(buf) || strvec_push(parts, buf) < 0)
			goto bad;
	}
	if (!parts->n)
		goto bad;
	return 0;
bad:
	snprintf(why, whysize, "its spec.selector cannot be turned into a label selector");
	return -1;
}

static char *join(const struct strvec *parts, const char *sep)
{
	size_t len = 1, i, sl = strlen(sep);
	char *s, *p;

	for (i = 0; i < parts->n; i++)
		len += strlen(parts->v[i]) + sl;
	s = p = malloc(len);
	if (!s)
		return NULL;
	for (i = 0; i < parts->n; i++) {
		size_t l = strlen(parts->v[i]);

		if (i) {
			memcpy(p, sep, sl);
			p += sl;
		}
		memcpy(p, parts->v[i], l);
		p += l;
	}
	*p = '\0';
	return s;
}

/*
 * The label selector of a workload: `kubectl get RESOURCE NAME -o json`, spec.selector, into
 * *selector (the caller frees it). 0 or -DPX_*.
 */
static int workload_selector(struct kube *k, const struct target_spec *t, char **selector)
{
	const char *args[] = { "get", t->resource, t->name, "-o", "json", NULL };
	struct strvec parts = STRVEC_INIT;
	char what[512], why[128];
	const cJSON *spec, *sel;
	cJSON *json = NULL;
	int notfound = 0, ret;

	*selector = NULL;
	snprintf(what, sizeof(what), "cannot get %s \"%s\"", t->resource, t->name);
	if ((ret = kube_get_json_nf(k, NULL, args, what, &json, &notfound)) < 0) {
		if (notfound) {
			const char *ns = kube_namespace(k, 0);

			log_error("%s \"%s\" not found%s%s%s", t->resource, t->name,
				  ns ? " in namespace \"" : "", ns ? ns : "", ns ? "\"" : "");
			if (ns)
				log_hint("see what exists with: kubectl get %ss -n %s", t->resource, ns);
		}
		goto out;
	}
	spec = get(json, "spec");
	sel = spec ? get(spec, "selector") : NULL;
	ret = -DPX_ERROR;
	if (!cJSON_IsObject(sel) || selector_from_json(sel, &parts, why, sizeof(why)) < 0) {
		log_error("%s: %s", what, sel ? why : "it has no spec.selector");
		goto out;
	}
	*selector = join(&parts, ",");
	if (*selector)
		ret = 0;
	else
		log_error("%s: out of memory", what);
out:
	strvec_clear(&parts);
	cJSON_Delete(json);
	return ret;
}

/* Keep the Running pods of a list; report when there are none. 0 or -DPX_*. */
static int collect_running(struct kube *k, const cJSON *list, const char *desc,
			   struct target_set *out)
{
	const cJSON *items = get(list, "items"), *item;
	struct target_pod pod;
	size_t total = 0, cap = (size_t)(cJSON_IsArray(items) ? cJSON_GetArraySize(items) : 0);
	const char *ns;

	out->pods = cap ? calloc(cap, sizeof(*out->pods)) : NULL;
	if (cap && !out->pods)
		goto oom;
	cJSON_ArrayForEach(item, (cap ? items : NULL)) {
		if (target_pod_from_json(item, &pod) < 0)
			goto oom;
		total++;
		if (target_pod_running(&pod))
			out->pods[out->npods++] = pod;
		else
			target_pod_release(&pod);
	}
	if (out->npods) {
		qsort(out->pods, out->npods, sizeof(*out->pods), cmp_pod);
		return 0;
	}
	ns = kube_namespace(k, 0);
	if (!total) {
		log_error("%s: no pods%s%s%s", desc, ns ? " in namespace \"" : "", ns ? ns : "",
			  ns ? "\"" : "");
		if (ns)
			log_hint("see what exists with: kubectl get pods -n %s --show-labels", ns);
		return -DPX_NOTFOUND;
	}
	log_error("%s: none of its %zu pods%s%s%s is running:", desc, total,
		  ns ? " in namespace \"" : "", ns ? ns : "", ns ? "\"" : "");
	cJSON_ArrayForEach(item, items) {
		const cJSON *meta = get(item, "metadata"), *status = get(item, "status");
		const char *phase = status ? str(status, "phase") : NULL;

		log_item("%s (%s%s)", meta && str(meta, "name") ? str(meta, "name") : "?",
			 phase ? phase : "Unknown",
			 meta && get(meta, "deletionTimestamp") ? ", terminating" : "");
	}
	log_hint("see why with: kubectl describe pods%s%s", ns ? " -n " : "", ns ? ns : "");
	return -DPX_NOTRUNNING;
oom:
	log_error("%s: out of memory", desc);
	return -DPX_ERROR;
}

static int resolve_pod(struct kube *k, const struct target_spec *t, struct target_set *out)
{
	const char *args[] = { "get", "pod", t->name, "-o", "json", NULL };
	char what[512];
	cJSON *json = NULL;
	int notfound = 0, ret;

	snprintf(what, sizeof(what), "cannot get pod \"%s\"", t->name);
	if ((ret = kube_get_json_nf(k, NULL, args, what, &json, &notfound)) < 0) {
		if (notfound) {
			const char *ns = kube_namespace(k, 0);

			log_error("pod \"%s\" not found%s%s%s", t->name, ns ? " in namespace \"" : "",
				  ns ? ns : "", ns ? "\"" : "");
			if (ns)
				log_hint("see what exists with: kubectl get pods -n %s", ns);
		}
		goto out;
	}
	out->pods = calloc(1, sizeof(*out->pods));
	ret = -DPX_ERROR;
	if (!out->pods || target_pod_from_json(json, &out->pods[0]) < 0) {
		log_error("%s: unexpected answer from kubectl (or out of memory)", what);
		goto out;
	}
	out->npods = 1;
	if (!target_pod_running(&out->pods[0])) {
		const struct target_pod *p = &out->pods[0];

		ret = -DPX_NOTRUNNING;
		log_error("pod \"%s\" in namespace \"%s\" is not running (phase %s%s)", p->name,
			  p->namespace, p->phase, p->deleting ? ", terminating" : "");
		log_hint("see why with: kubectl describe pod %s -n %s", p->name, p->namespace);
		goto out;
	}
	ret = 0;
out:
	cJSON_Delete(json);
	if (ret < 0)
		target_set_release(out);
	return ret;
}

int target_resolve(struct kube *k, const struct target_spec *t, struct target_set *out)
{
	const char *args[] = { "get", "pods", "-l", NULL, "-o", "json", NULL };
	char desc[512], what[600];
	char *selector = NULL;
	cJSON *json = NULL;
	int ret;

	out->pods = NULL;
	out->npods = 0;
	if (t->kind == TARGET_POD)
		return resolve_pod(k, t, out);
	target_spec_describe(t, desc, sizeof(desc));
	if (t->kind == TARGET_WORKLOAD) {
		if ((ret = workload_selector(k, t, &selector)) < 0)
			goto out;
		args[3] = selector;
	} else {
		args[3] = t->selector;
	}
	snprintf(what, sizeof(what), "cannot list the pods of %s", desc);
	if ((ret = kube_get_json(k, NULL, args, what, &json)) < 0)
		goto out;
	ret = collect_running(k, json, desc, out);
out:
	if (ret < 0)
		target_set_release(out);
	cJSON_Delete(json);
	free(selector);
	return ret;
}

int target_pick_pod(const struct target_spec *t, struct target_set *s, const char *all_flag,
		    struct target_pod **pod)
{
	char desc[512];
	size_t i;

	*pod = NULL;
	if (s->npods == 1) {
		*pod = &s->pods[0];
		return 0;
	}
	target_spec_describe(t, desc, sizeof(desc));
	if (!s->npods) {
		log_error("%s: no running pod", desc);
		return -DPX_NOTFOUND;
	}
	log_error("%s matches %zu running pods in namespace \"%s\"; choose one:", desc, s->npods,
		  s->pods[0].namespace);
	for (i = 0; i < s->npods; i++)
		log_item("%s", s->pods[i].name);
	if (all_flag)
		log_hint("name one of them as TARGET, or use %s to cover them all", all_flag);
	else
		log_hint("name one of them as TARGET");
	return -DPX_AMBIGUOUS;
}

static const struct target_container *find_container(const struct target_pod *pod, const char *name)
{
	size_t i;

	for (i = 0; name && i < pod->ncontainers; i++)
		if (!strcmp(pod->containers[i].name, name))
			return &pod->containers[i];
	return NULL;
}

static void list_containers(const struct target_pod *pod)
{
	size_t i;

	for (i = 0; i < pod->ncontainers; i++)
		log_item("%s (%s)", pod->containers[i].name, pod->containers[i].state);
}

int target_pick_container(struct target_pod *pod, const char *want)
{
	const struct target_container *c = NULL;

	pod->container = NULL;
	if (want) {
		c = find_container(pod, want);
		if (!c) {
			log_error("container \"%s\" not found in pod \"%s\" (namespace \"%s\"); its "
				  "containers are:", want, pod->name, pod->namespace);
			list_containers(pod);
			return -DPX_NOTFOUND;
		}
	} else if ((c = find_container(pod, pod->default_container)) == NULL) {
		if (pod->ncontainers == 1) {
			c = &pod->containers[0];
		} else if (!pod->ncontainers) {
			log_error("pod \"%s\" (namespace \"%s\") has no containers", pod->name,
				  pod->namespace);
			return -DPX_NOTFOUND;
		} else {
			log_error("pod \"%s\" (namespace \"%s\") has %zu containers; choose one:",
				  pod->name, pod->namespace, pod->ncontainers);
			list_containers(pod);
			log_hint("add -c NAME (e.g. -c %s), or set the pod annotation "
				 DEFAULT_CONTAINER_ANNOTATION, pod->containers[0].name);
			return -DPX_AMBIGUOUS;
		}
	}
	if (!c->running) {
		log_error("container \"%s\" of pod \"%s\" (namespace \"%s\") is not running (%s)",
			  c->name, pod->name, pod->namespace, c->state);
		log_hint("see why with: kubectl describe pod %s -n %s", pod->name, pod->namespace);
		return -DPX_NOTRUNNING;
	}
	pod->container = c->name;
	return 0;
}

int target_resolve_one(struct kube *k, const struct target_spec *t, const char *container,
		       struct target_set *set, struct target_pod **pod)
{
	int ret;

	*pod = NULL;
	if ((ret = target_resolve(k, t, set)) < 0 || (ret = target_pick_pod(t, set, NULL, pod)) < 0 ||
	    (ret = target_pick_container(*pod, container)) < 0) {
		*pod = NULL;
		return ret;
	}
	return 0;
}
