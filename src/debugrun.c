/*
 * debugrun.c - the plugin's ephemeral debug container through kubectl: found, made with `kubectl
 * debug`, waited for, stopped (debugrun.h).
 */
#include "debugrun.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diagrun.h"
#include "duration.h"
#include "exitcodes.h"
#include "interrupt.h"
#include "kube.h"
#include "log.h"
#include "podexec.h"
#include "podscripts.h"
#include "progress.h"
#include "quote.h"
#include "strfmt.h"
#include "workspace.h"

#define CUSTOM_ENV "KUBECTL_DEBUG_CUSTOM_PROFILE"
#define STOP_WAIT_MS 10000
#define SAY_WAITING_MS 2000

static int fail_oom(void)
{
	log_error("out of memory");
	return -DPX_ERROR;
}

const char *debugrun_image(const char *flag)
{
	const char *e = getenv("DOTNETPROF_DEBUG_IMAGE");

	if (flag && *flag)
		return flag;
	return e && *e ? e : DEBUGCTR_IMAGE;
}

/* The wait's bound: o->timeout_s, else $DOTNETPROF_DEBUG_TIMEOUT (a duration), else the default. */
static long long timeout_of(const struct debugrun_opts *o)
{
	const char *e = getenv("DOTNETPROF_DEBUG_TIMEOUT");
	long long s;

	if (o->timeout_s > 0)
		return o->timeout_s;
	if (e && *e && duration_parse(e, &s) == 0 && s > 0)
		return s;
	if (e && *e)
		log_warn("ignoring DOTNETPROF_DEBUG_TIMEOUT=\"%s\": not a duration (30s, 2m)", e);
	return DEBUGRUN_TIMEOUT_S;
}

static void nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !interrupt_pending())
		;
}

static int get_pod(struct kube *k, const struct target_pod *pod, cJSON **out)
{
	const char *const args[] = { "get", "pod", pod->name, "-o", "json", NULL };
	char what[320];

	snprintf(what, sizeof(what), "cannot read pod \"%s\"", pod->name);
	return kube_get_json(k, pod->namespace, args, what, out);
}

int debugrun_list(struct kube *k, const struct target_pod *pod, const char *target,
		  struct debugctr_list *l)
{
	cJSON *json = NULL;
	int rc;

	memset(l, 0, sizeof(*l));
	if ((rc = get_pod(k, pod, &json)) < 0)
		return rc;
	rc = debugctr_scan(json, target, l) < 0 ? fail_oom() : 0;
	cJSON_Delete(json);
	return rc;
}

/* The Warning events of container `name` ("event: MESSAGE" items under the error), best effort. */
static void say_events(struct kube *k, const struct target_pod *pod, const char *name)
{
	char sel[400], path[128];
	const char *const args[] = { "get", "events", "--field-selector", sel, "-o", "json", NULL };
	const cJSON *ev, *msg, *type, *fp;
	struct proc p;
	cJSON *json = NULL;
	int shown = 0;

	snprintf(sel, sizeof(sel), "involvedObject.name=%s", pod->name);
	snprintf(path, sizeof(path), "spec.ephemeralContainers{%s}", name);
	proc_init(&p, NULL);
	if (kube_run(k, pod->namespace, args, &p) == 0 && p.status == 0 && p.out_buf)
		json = cJSON_Parse(p.out_buf);
	proc_release(&p);
	cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(json, "items")) {
		msg = cJSON_GetObjectItemCaseSensitive(ev, "message");
		type = cJSON_GetObjectItemCaseSensitive(ev, "type");
		fp = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(ev, "involvedObject"), "fieldPath");
		/* "Error: ErrImagePull" repeats the reason; the Failed event before it says why */
		if (!cJSON_IsString(msg) || !cJSON_IsString(type) || strcmp(type->valuestring, "Warning") ||
		    !cJSON_IsString(fp) || strcmp(fp->valuestring, path) ||
		    !strncmp(msg->valuestring, "Error: ", 7) || shown >= 3)
			continue;
		log_item("event: %.600s", msg->valuestring);
		shown++;
	}
	if (!json)
		log_verbose("the pod's events could not be read (they only add detail)");
	cJSON_Delete(json);
}

/* The container will not start, or did not in time: say why, with a hint. Returns -DPX_*. */
static int not_started(struct kube *k, const struct target_pod *pod, const struct debugrun *d,
		       const struct debugctr_entry *e, long long waited_s, int timed_out)
{
	const char *reason = e && e->reason ? e->reason : "no status yet";
	const char *msg = e && e->message ? e->message : "";

	if (e && e->state == DEBUGCTR_S_TERMINATED) {
		log_error("debug container \"%s\" of pod \"%s\" ended at once (exit code %d, %s)%s%s",
			  d->name, pod->name, e->exit_code, reason, *msg ? ": " : "", msg);
		log_hint("the image \"%s\" must be able to run `sleep infinity` (busybox, an image "
			 "with coreutils); --debug-image names another", d->image);
		return -DPX_NOTRUNNING;
	}
	if (timed_out)
		log_error("debug container \"%s\" of pod \"%s\" did not start within %lld s: image "
			  "\"%s\": %s%s%s", d->name, pod->name, waited_s, d->image, reason,
			  *msg ? ": " : "", msg);
	else
		log_error("debug container \"%s\" of pod \"%s\" cannot start: %s%s%s", d->name,
			  pod->name, reason, *msg ? ": " : "", msg);
	say_events(k, pod, d->name);
	if (strstr(msg, "runAsNonRoot") || strstr(msg, "non-root"))
		log_hint("the pod refuses root: --debug-profile restricted runs the debug container "
			 "as the app's user (this one stays in the pod's record, unstarted)");
	else if (timed_out || strstr(reason, "Image"))
		log_hint("the node cannot pull \"%s\": check the name, or name an image it can pull "
			 "(a mirror of %s) with --debug-image or DOTNETPROF_DEBUG_IMAGE, which makes a "
			 "new debug container (this one stays in the pod's record); a slow pull: "
			 "DOTNETPROF_DEBUG_TIMEOUT=5m", d->image, DEBUGCTR_IMAGE);
	else
		log_hint("the container stays in the pod's record (Kubernetes cannot remove an "
			 "ephemeral container); a run with another image or user makes a new one");
	return -DPX_NOTRUNNING;
}

/* Read the pod until d->name runs (debugrun.h). 0 or -DPX_*. */
static int wait_running(struct kube *k, const struct target_pod *pod, struct debugrun *d,
			long long timeout_s)
{
	const struct debugctr_entry *e;
	struct debugctr_list l;
	long long t0 = progress_now_ms(), waited;
	long step = 250;
	int said = 0, rc;

	for (;;) {
		if (interrupt_pending()) {
			log_error("%s while waiting for debug container \"%s\"", interrupt_what(), d->name);
			return interrupt_status();
		}
		if ((rc = debugrun_list(k, pod, d->target, &l)) < 0)
			return rc;
		e = debugctr_find(&l, d->name);
		waited = (progress_now_ms() - t0) / 1000;
		if (e && e->state == DEBUGCTR_S_RUNNING)
			rc = 1;
		else if (e && (e->state == DEBUGCTR_S_TERMINATED ||
			       (e->state == DEBUGCTR_S_WAITING && debugctr_reason_final(e->reason))))
			rc = not_started(k, pod, d, e, waited, 0);
		else if (waited >= timeout_s)
			rc = not_started(k, pod, d, e, waited, 1);
		debugctr_list_release(&l);
		if (rc)
			return rc < 0 ? rc : 0;
		if (!said && progress_now_ms() - t0 >= SAY_WAITING_MS) {
			log_info("waiting for debug container \"%s\" to start (image %s; up to %lld s)",
				 d->name, d->image, timeout_s);
			said = 1;
		}
		nap(step);
		step = step < 1000 ? step * 2 : 1000;
	}
}

/* What `kubectl debug` said when it failed. Returns -DPX_*, or 1 for a name taken meanwhile. */
static int debug_failed(struct kube *k, const struct target_pod *pod, const struct debugrun_opts *o,
			const struct proc *p)
{
	const char *text = p->err_buf ? p->err_buf : "";
	const char *ns = pod->namespace;
	char what[400], why[512];

	snprintf(what, sizeof(what), "cannot add a debug container to pod \"%s\"", pod->name);
	if (strstr(text, "Duplicate value"))
		return 1;
	if (strstr(text, "ephemeral containers are disabled") ||
	    (strstr(text, "ephemeralcontainers") && strstr(text, "could not find the requested"))) {
		log_error("%s: the cluster does not serve ephemeral containers (the pods/"
			  "ephemeralcontainers subresource): Kubernetes before 1.25, or turned off",
			  what);
		log_hint("a cluster of 1.25 or later; until then the plugin needs a shell (sh) and a "
			 "directory that is writable and allows exec in the container itself");
		return -(o->unavailable ? o->unavailable : DPX_ERROR);
	}
	if (kube_classify(text, why, sizeof(why), NULL, 0, NULL, 0) == KERR_FORBIDDEN) {
		if (strstr(text, "PodSecurity")) {
			log_error("%s: refused by the namespace's Pod Security admission: %s", what, why);
			log_hint("--debug-profile restricted runs it as the app's user without "
				 "capabilities, which every Pod Security level allows");
		} else {
			log_error("%s: forbidden: %s", what, why);
			log_hint("your user needs RBAC permission to patch pods/ephemeralcontainers in "
				 "namespace \"%s\" (what kubectl debug does); check with: kubectl auth "
				 "can-i patch pods/ephemeralcontainers -n %s", ns, ns);
		}
		return -DPX_FORBIDDEN;
	}
	return kube_fail(k, p, what);
}

/*
 * The replayable prefix of the -v line: the document on stdin and the variable. echo, not printf
 * '%s\n': -v lines are shown through sanitize.h, which writes a backslash as two (the document is
 * a securityContext of numbers: echo prints it as it is).
 */
static int say_custom(struct kube *k, const char *custom)
{
	char *q = sh_quote(custom), *prefix = q ? strfmt("echo %s | %s=true ", q, CUSTOM_ENV) : NULL;
	int rc = prefix ? kube_prefix_next(k, prefix) : -1;

	free(q);
	free(prefix);
	return rc;
}

/* `kubectl debug` (debugrun.h). 0, 1 (the name was taken meanwhile), or -DPX_*. */
static int create(struct kube *k, const struct target_pod *pod, const struct debugrun_opts *o,
		  struct debugrun *d)
{
	char image[600], target[300], name[80], profile[40], custom[160];
	const char *args[16];
	struct proc p;
	size_t n = 0;
	int rc;

	if ((size_t)snprintf(image, sizeof(image), "--image=%s", d->image) >= sizeof(image) ||
	    (size_t)snprintf(target, sizeof(target), "--target=%s", d->target) >= sizeof(target) ||
	    debugsec_custom(&d->sec, custom, sizeof(custom)) < 0) {
		log_error("cannot add a debug container to pod \"%s\": the image name is too long",
			  pod->name);
		return -DPX_USAGE;
	}
	snprintf(name, sizeof(name), "--container=%s", d->name);
	snprintf(profile, sizeof(profile), "--profile=%s", debugsec_profile_name(d->sec.profile));
	args[n++] = "debug";
	args[n++] = pod->name;
	args[n++] = image;
	args[n++] = target;
	args[n++] = name;
	args[n++] = profile;
	if (*custom)
		args[n++] = "--custom=/dev/stdin";
	args[n++] = "--";
	args[n++] = "sleep";
	args[n++] = "infinity";
	args[n] = NULL;
	proc_init(&p, NULL);
	if (*custom) {
		/* kubectl 1.30 takes --custom only with this; later ones always */
		if (setenv(CUSTOM_ENV, "true", 1) < 0 || say_custom(k, custom) < 0) {
			proc_release(&p);
			return fail_oom();
		}
		p.in = PROC_IO_BUFFER;
		p.in_data = custom;
		p.in_len = strlen(custom);
	}
	if ((rc = kube_run(k, pod->namespace, args, &p)) == 0 && p.status != 0)
		rc = debug_failed(k, pod, o, &p);
	proc_release(&p);
	return rc;
}

/* debugsec_choose on what the pod and the probe say. 0 or -DPX_USAGE (said). */
static int choose(const cJSON *json, const struct target_pod *pod, const struct debugrun_opts *o,
		  struct debugrun *d)
{
	struct debugsec_facts f;

	debugsec_facts_from_pod(json, pod->container, &f);
	if (o->seen && o->seen->uid >= 0) {
		f.uid = o->seen->uid;
		f.gid = o->seen->gid;
		f.from = o->seen->from;
	}
	if (debugsec_choose(&f, o->profile, &d->sec) == 0)
		return 0;
	log_error("cannot run a debug container with the %s profile in pod \"%s\": %s",
		  debugsec_profile_name(o->profile), pod->name, d->sec.why);
	log_hint("--debug-profile auto chooses one that can start there");
	return -DPX_USAGE;
}

static void say_made(const struct target_pod *pod, const struct debugrun_opts *o,
		     const struct debugrun *d)
{
	log_info("%s: made the ephemeral debug container \"%s\" (image %s), %s", o->why ? o->why :
		 "asked for", d->name, d->image, d->sec.why);
	log_info("note: Kubernetes cannot remove an ephemeral container: \"%s\" stays in the pod's "
		 "record until the pod is replaced; later runs reuse it, and `kubectl dotnetprof "
		 "clean %s` stops it", d->name, pod->name);
}

/* Reuse, wait for, or make one, from the pod as it is now. 0, 1 (none, !o->create), or -DPX_*. */
static int settle(struct kube *k, const struct target_pod *pod, const struct debugrun_opts *o,
		  struct debugrun *d, int *retry)
{
	const struct debugctr_entry *use;
	struct debugctr_list l;
	cJSON *json = NULL;
	int rc, act;

	if ((rc = get_pod(k, pod, &json)) < 0)
		return rc;
	rc = choose(json, pod, o, d);
	if (rc == 0 && debugctr_scan(json, d->target, &l) < 0) {
		debugctr_list_release(&l);
		rc = fail_oom();
	}
	cJSON_Delete(json);
	if (rc < 0)
		return rc;
	act = debugctr_pick(&l, d->target, d->image, &d->sec, &use, d->name, sizeof(d->name));
	if (use)
		strlcpy(d->name, use->name, sizeof(d->name));
	debugctr_list_release(&l);
	log_verbose("debug container for container \"%s\" of pod \"%s\": %s, %s", d->target,
		    pod->name, act == DEBUGCTR_REUSE ? "reusing the running one" :
		    act == DEBUGCTR_WAIT ? "waiting for the one starting" : "making one", d->sec.why);
	if (act < 0) {
		log_error("pod \"%s\" has no name left for another debug container", pod->name);
		return -DPX_ERROR;
	}
	if (act == DEBUGCTR_REUSE)
		return 0;
	if (!o->create)
		return 1;
	if (act == DEBUGCTR_CREATE) {
		if ((rc = create(k, pod, o, d)) == 1 && !(*retry)++)
			return settle(k, pod, o, d, retry);
		if (rc)
			return rc == 1 ? -DPX_ERROR : rc;
		d->created = 1;
	}
	if ((rc = wait_running(k, pod, d, timeout_of(o))) == 0 && d->created)
		say_made(pod, o, d);
	return rc;
}

int debugrun_ensure(struct kube *k, const struct target_pod *pod, const struct debugrun_opts *o,
		    struct debugrun *d)
{
	int retry = 0, rc;

	memset(d, 0, sizeof(*d));
	d->target = pod->container;
	if (!(d->image = strdup(debugrun_image(o->image))))
		return fail_oom();
	if ((rc = settle(k, pod, o, d, &retry)) != 0)
		return rc;
	d->view = *pod;
	d->view.container = d->name;
	d->view.noshell_quiet = 0;
	return 0;
}

void debugrun_release(struct debugrun *d)
{
	free(d->image);
	memset(d, 0, sizeof(*d));
}

/* Count the "debugstop pid" records of the stop script's output. */
static int count_stopped(const char *out)
{
	const char *l;
	int n = 0;

	for (l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		n += !strncmp(l, "debugstop\tpid\t", 14);
	return n;
}

int debugrun_stop(struct kube *k, const struct target_pod *pod, const char *name, int *stopped)
{
	struct target_pod view = *pod;
	const struct debugctr_entry *e;
	struct debugctr_list l;
	struct proc p;
	long long t0;
	int rc;

	view.container = name;
	view.noshell_quiet = 0;
	*stopped = 0;
	proc_init(&p, NULL);
	rc = podexec_script(k, &view, debugstop_sh, NULL, &p);
	*stopped = count_stopped(p.out_buf);
	proc_release(&p);
	if (rc < 0)
		return rc;
	for (t0 = progress_now_ms(); progress_now_ms() - t0 < STOP_WAIT_MS; nap(500)) {
		if ((rc = debugrun_list(k, pod, NULL, &l)) < 0)
			return rc;
		e = debugctr_find(&l, name);
		rc = !e || e->state == DEBUGCTR_S_TERMINATED;
		debugctr_list_release(&l);
		if (rc)
			return 0;
	}
	log_error("debug container \"%s\" of pod \"%s\" still runs %d s after its processes were "
		  "told to stop", name, pod->name, STOP_WAIT_MS / 1000);
	return -DPX_ERROR;
}
