/*
 * kube.c - kubectl argv building, -v tracing with secret redaction, running, and the mapping of
 * kubectl's stderr to messages, hints and exit codes.
 */
#include "kube.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcodes.h"
#include "interrupt.h"
#include "log.h"
#include "quote.h"
#include "redact.h"
#include "strfmt.h"

const struct kube_flag kube_flags[] = {
	{ "namespace", 'n', 1, "NS", "namespace of the target (default: the context's)" },
	{ "context", 0, 1, "NAME", "kubeconfig context to use" },
	{ "kubeconfig", 0, 1, "FILE", "kubeconfig file (default: $KUBECONFIG, ~/.kube/config)" },
	{ "cluster", 0, 1, "NAME", "kubeconfig cluster to use" },
	{ "user", 0, 1, "NAME", "kubeconfig user to use" },
	{ "as", 0, 1, "USER", "impersonate this user" },
	{ "as-group", 0, 1, "GROUP", "impersonate this group (repeatable)" },
	{ "as-uid", 0, 1, "UID", "impersonate this UID" },
	{ "request-timeout", 0, 1, "DURATION", "kubectl's timeout for a single API request" },
	{ "server", 's', 1, "URL", "address of the Kubernetes API server (a user:password@ in it is "
	  "shown as user:***@)" },
	{ "token", 0, 1, "TOKEN", "bearer token (shown as *** in every message)" },
	{ "username", 0, 1, "NAME", "user name for basic authentication to the API server" },
	{ "password", 0, 1, "PASSWORD", "password for basic authentication (shown as *** in every "
	  "message)" },
	{ "certificate-authority", 0, 1, "FILE", "CA certificate file" },
	{ "client-certificate", 0, 1, "FILE", "client certificate file" },
	{ "client-key", 0, 1, "FILE", "client key file" },
	{ "tls-server-name", 0, 1, "NAME", "server name for TLS verification" },
	{ "insecure-skip-tls-verify", 0, 0, NULL, "do not verify the server certificate (insecure)" },
	{ "cache-dir", 0, 1, "DIR", "kubectl's discovery cache directory" },
	{ NULL, 0, 0, NULL, NULL },
};

/* kubectl's stderr kept in memory at most; its messages are short. */
#define KUBE_ERR_MAX (256u * 1024)
#define DEBUG_SHOW_MAX (64u * 1024)
/* kubectl that moves no byte for this long is stopped (kube_run; callers may set p->idle_ms). */
#define KUBE_IDLE_MS (120 * 1000)

int kube_init(struct kube *k)
{
	const char *env = getenv("DOTNETPROF_KUBECTL");

	memset(k, 0, sizeof(*k));
	strvec_init(&k->flags);
	k->program_from_env = env && *env;
	k->program = strdup(k->program_from_env ? env : "kubectl");
	return k->program ? 0 : -1;
}

void kube_release(struct kube *k)
{
	free(k->program);
	strvec_clear(&k->flags);
	free(k->namespace);
	free(k->context);
	free(k->cur_context);
	free(k->cur_namespace);
	free(k->next_prefix);
	memset(k, 0, sizeof(*k));
}

const struct kube_flag *kube_flag_find(const char *name, char short_name)
{
	const struct kube_flag *f;

	for (f = kube_flags; f->name; f++)
		if ((name && !strcmp(f->name, name)) || (short_name && f->short_name == short_name))
			return f;
	return NULL;
}

static int replace(char **slot, const char *value)
{
	char *s = strdup(value);

	if (!s)
		return -1;
	free(*slot);
	*slot = s;
	return 0;
}

/* Flags whose values are secrets: --token, --password, and their relatives. */
static int is_secret_flag(const char *name, size_t len)
{
	static const char *const secrets[] = { "token", "password", "client-key-data" };
	size_t i, n;

	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		n = strlen(secrets[i]);
		if (len >= n && !memcmp(name + len - n, secrets[i], n))
			return 1;
	}
	return 0;
}

/*
 * The user's secrets are kept out of every line we print (redact.h): the value of --token and
 * --password, and the password of a user:password@ in --server. 0, or -1 (ENOMEM).
 */
static int register_secret(const char *name, const char *value)
{
	char *pw;
	int rc;

	if (is_secret_flag(name, strlen(name)))
		return redact_add(value);
	if (strcmp(name, "server"))
		return 0;
	if (!(pw = redact_url_password(value)))
		return 0;
	rc = redact_add(pw);
	free(pw);
	return rc;
}

int kube_set_flag(struct kube *k, const struct kube_flag *f, const char *value, char *err,
		  size_t errsize)
{
	char word[64];

	if (!f->takes_value) {
		if (!value)
			value = "true";
		if (strcmp(value, "true") && strcmp(value, "false")) {
			snprintf(err, errsize, "invalid value \"%s\" for --%s: use true or false",
				 value, f->name);
			return -1;
		}
	} else if (!value || (!*value && strcmp(f->name, "namespace") == 0)) {
		snprintf(err, errsize, "flag --%s needs a value", f->name);
		return -1;
	}
	if (!strcmp(f->name, "namespace"))
		return replace(&k->namespace, value) < 0 ? (snprintf(err, errsize, "out of memory"), -1) : 0;
	if (register_secret(f->name, value) < 0)
		goto oom;
	if (!strcmp(f->name, "context") && replace(&k->context, value) < 0)
		goto oom;
	if ((size_t)snprintf(word, sizeof(word), "--%s=", f->name) >= sizeof(word))
		goto oom; /* cannot happen: names are short */
	if (strvec_push2(&k->flags, word, value) < 0)
		goto oom;
	return 0;
oom:
	snprintf(err, errsize, "out of memory");
	return -1;
}

int kube_build_argv(const struct kube *k, const char *ns, const char *const *args,
		    struct strvec *out)
{
	if (!ns)
		ns = k->namespace;
	if (strvec_push(out, k->program) < 0 || strvec_pushv(out, strvec_argv(&k->flags)) < 0)
		return -1;
	if (ns && (strvec_push(out, "-n") < 0 || strvec_push(out, ns) < 0))
		return -1;
	return strvec_pushv(out, args);
}

/*
 * A script passed as one argv word ("sh -c SCRIPT"), shown at -v as "<script NAME, N lines>" (NAME
 * from its first line, "# NAME.sh - ...": podscripts.h): hundreds of lines per command would bury
 * the commands. -vv shows it whole. Anything else is returned as is.
 */
static const char *script_summary(const char *a, char *buf, size_t size)
{
	const char *p;
	unsigned lines = 0;
	size_t n;

	if (log_get_level() >= LOG_DEBUG || strlen(a) < 200 || !strchr(a, '\n'))
		return a;
	for (p = a; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		lines += *p != '\0';
	n = a[0] == '#' && a[1] == ' ' ? strcspn(a + 2, " \n") : 0;
	if (n > 3 && n <= 40 && !strncmp(a + 2 + n - 3, ".sh", 3) && !strncmp(a + 2 + n, " - ", 3))
		snprintf(buf, size, "<script %.*s, %u lines; -vv shows it>", (int)n, a + 2, lines);
	else
		snprintf(buf, size, "<script of %u lines; -vv shows it>", lines);
	return buf;
}

char *kube_display(const char *const *argv)
{
	struct strvec shown = STRVEC_INIT;
	char sum[128];
	char *line = NULL;
	size_t i;

	for (i = 0; argv[i]; i++) {
		const char *a = argv[i];
		const char *eq = strchr(a, '=');
		int rc;

		if (!strcmp(a, "--"))
			break;
		if (a[0] == '-' && a[1] == '-' && eq && is_secret_flag(a + 2, (size_t)(eq - a - 2))) {
			char *masked = strndup(a, (size_t)(eq - a) + 1);

			rc = masked ? strvec_push2(&shown, masked, "***") : -1;
			free(masked);
		} else if (i > 0 && argv[i - 1][0] == '-' && argv[i - 1][1] == '-' &&
			   !strchr(argv[i - 1], '=') &&
			   is_secret_flag(argv[i - 1] + 2, strlen(argv[i - 1] + 2))) {
			rc = strvec_push(&shown, "***");
		} else {
			/* a user:password@ in --server (or any URL) */
			char *red = redact_apply(a, &rc);

			rc = rc ? -1 : strvec_push(&shown, red ? red : a);
			free(red);
		}
		if (rc < 0)
			goto out;
	}
	/* Everything after "--" is the remote command: shown as is, but for a long script below -vv */
	for (; argv[i]; i++)
		if (strvec_push(&shown, script_summary(argv[i], sum, sizeof(sum))) < 0)
			goto out;
	line = sh_quote_argv(strvec_argv(&shown));
out:
	strvec_clear(&shown);
	return line;
}

/*
 * kubectl could not be started (errno `e`): say so, with the install hint for a missing program.
 * Returns -DPX_NOKUBECTL or -DPX_ERROR.
 */
static int spawn_failed(struct kube *k, int e)
{
	if (e == ENOENT || e == EACCES) {
		log_error("cannot run kubectl: \"%s\"%s %s", k->program,
			  k->program_from_env ? " (from DOTNETPROF_KUBECTL)" : "",
			  e == ENOENT ? (strchr(k->program, '/') ? "does not exist" : "not found on PATH")
				      : "is not executable");
		log_hint("install kubectl (https://kubernetes.io/docs/tasks/tools/) or set "
			 "DOTNETPROF_KUBECTL to its path");
		return -DPX_NOKUBECTL;
	}
	log_error("cannot run kubectl: %s", strerror(e));
	return -DPX_ERROR;
}

int kube_prefix_next(struct kube *k, const char *prefix)
{
	free(k->next_prefix);
	k->next_prefix = prefix ? strdup(prefix) : NULL;
	return !prefix || k->next_prefix ? 0 : -1;
}

/*
 * What kube_run and kube_start share: the argv into `argv` (owned by the caller), the -v line, the
 * call count, and p->argv pointing at it. 0, or -DPX_ERROR (out of memory, reported).
 */
static int prepare(struct kube *k, const char *ns, const char *const *args, struct strvec *argv,
		   struct proc *p)
{
	char *line, *shown;

	if (kube_build_argv(k, ns, args, argv) < 0) {
		log_error("cannot run kubectl: out of memory");
		return -DPX_ERROR;
	}
	if (log_get_level() >= LOG_VERBOSE) {
		line = kube_display(strvec_argv(argv));
		shown = k->next_prefix && line ? strfmt("%s%s", k->next_prefix, line) : NULL;
		log_cmd(shown ? shown : line ? line : argv->v[0]);
		free(shown);
		free(line);
	}
	free(k->next_prefix);
	k->next_prefix = NULL;
	if (p->err == PROC_IO_BUFFER && p->err_max > KUBE_ERR_MAX)
		p->err_max = KUBE_ERR_MAX;
	p->argv = strvec_argv(argv);
	k->calls++;
	return 0;
}

int kube_run(struct kube *k, const char *ns, const char *const *args, struct proc *p)
{
	char *line = NULL;
	struct strvec argv = STRVEC_INIT;
	int ret;

	if (!p->idle_ms)
		p->idle_ms = KUBE_IDLE_MS;
	if ((ret = prepare(k, ns, args, &argv, p)) < 0)
		goto out;
	if (proc_run(p) < 0) {
		if (errno == EINTR) {
			log_error("%s: kubectl was stopped", interrupt_what());
			ret = interrupt_status();
		} else {
			ret = spawn_failed(k, errno);
		}
		goto out;
	}
	if (p->timed_out && !p->timeout_ms) {
		line = kube_display(strvec_argv(&argv));
		log_error("kubectl was silent for %d s: stopped it (%s)", p->idle_ms / 1000,
			  line ? line : argv.v[0]);
		log_hint("check that the cluster answers (kubectl get pods); a pod script that hangs "
			 "is a bug worth reporting");
		ret = -DPX_CLUSTER;
		goto out;
	}
	if (log_get_level() >= LOG_DEBUG) {
		log_debug("kubectl exited with status %d", p->status);
		if (p->out == PROC_IO_BUFFER)
			log_debug_data("stdout", p->out_buf, p->out_len, DEBUG_SHOW_MAX);
		if (p->err == PROC_IO_BUFFER)
			log_debug_data("stderr", p->err_buf, p->err_len, DEBUG_SHOW_MAX);
	}
	ret = 0;
out:
	p->argv = NULL;
	free(line);
	strvec_clear(&argv);
	return ret;
}

void kube_child_init(struct kube_child *c)
{
	proc_init(&c->p, NULL);
	strvec_init(&c->argv);
	c->started = 0;
}

int kube_start(struct kube *k, const char *ns, const char *const *args, struct kube_child *c)
{
	int ret;

	strvec_clear(&c->argv);
	c->started = 0;
	if ((ret = prepare(k, ns, args, &c->argv, &c->p)) < 0)
		goto fail;
	if (proc_start(&c->p) < 0) {
		ret = spawn_failed(k, errno);
		goto fail;
	}
	c->started = 1;
	return 0;
fail:
	c->p.argv = NULL;
	strvec_clear(&c->argv);
	return ret;
}

int kube_child_finish(struct kube_child *c)
{
	int st;

	if (!c->started)
		return -1;
	st = proc_finish(&c->p);
	c->started = 0;
	c->p.argv = NULL;
	strvec_clear(&c->argv);
	if (log_get_level() >= LOG_DEBUG)
		log_debug("kubectl exited with status %d", st);
	return st;
}

/* klog lines ("E1126 23:57:19.942431    6239 memcache.go:265] ...") are noise for users. */
static int is_klog(const char *s, size_t n)
{
	return n > 6 && strchr("IWEF", s[0]) && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' &&
	       s[2] <= '9' && s[3] >= '0' && s[3] <= '9' && s[4] >= '0' && s[4] <= '9' && s[5] == ' ';
}

/* The line kubectl means as its message: the first "error"-ish line, else the last non-klog one. */
static void pick_line(const char *text, char *why, size_t whysize)
{
	static const char *const prefixes[] = { "Error from server", "error: ", "Error in configuration" };
	const char *best = NULL, *last = NULL, *s = text;
	size_t best_n = 0, last_n = 0, i;

	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);

		if (n && !is_klog(s, n)) {
			for (i = 0; !best && i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
				if (!strncmp(s, prefixes[i], strlen(prefixes[i]))) {
					best = s;
					best_n = n;
				}
			last = s;
			last_n = n;
		}
		s += n + (nl ? 1 : 0);
	}
	if (!best) {
		best = last;
		best_n = last_n;
	}
	if (!best) {
		snprintf(why, whysize, "kubectl failed without a message");
		return;
	}
	/* Drop kubectl's own prefixes: we add ours. */
	if (!strncmp(best, "error: ", 7)) {
		best += 7;
		best_n -= 7;
	} else if (!strncmp(best, "Error from server (", 19) && memchr(best, ':', best_n)) {
		const char *c = strstr(best, "): ");

		if (c && c < best + best_n) {
			best_n -= (size_t)(c + 3 - best);
			best = c + 3;
		}
	} else if (!strncmp(best, "Error in configuration: ", 24)) {
		best += 24;
		best_n -= 24;
	}
	if (best_n > 400)
		best_n = 400;
	snprintf(why, whysize, "%.*s", (int)best_n, best);
}

/* Copy the quoted word after `marker` in `text` ("resource \"pods/exec\"" -> pods/exec). */
static void quoted_after(const char *text, const char *marker, char *dst, size_t dstsize)
{
	const char *s = strstr(text, marker), *e;

	if (dstsize)
		dst[0] = '\0';
	if (!s || !dstsize)
		return;
	s += strlen(marker);
	e = strchr(s, '"');
	if (e && (size_t)(e - s) < dstsize)
		snprintf(dst, dstsize, "%.*s", (int)(e - s), s);
}

/* The verb in "cannot create resource": the word before " resource \"". */
static void forbidden_verb(const char *text, char *dst, size_t dstsize)
{
	const char *s = strstr(text, " cannot "), *e;

	if (dstsize)
		dst[0] = '\0';
	if (!s || !dstsize)
		return;
	s += 8;
	e = strchr(s, ' ');
	if (e && (size_t)(e - s) < dstsize)
		snprintf(dst, dstsize, "%.*s", (int)(e - s), s);
}

static int has(const char *text, const char *needle)
{
	return strstr(text, needle) != NULL;
}

enum kube_err kube_classify(const char *text, char *why, size_t whysize, char *verb,
			    size_t verbsize, char *resource, size_t resourcesize)
{
	if (!text)
		text = "";
	pick_line(text, why, whysize);
	if (verb && verbsize)
		verb[0] = '\0';
	if (resource && resourcesize)
		resource[0] = '\0';

	if (has(text, "executable file not found") || has(text, "\"sh\": stat") ||
	    has(text, "exec: \"sh\": no such file"))
		return KERR_NOSHELL;
	if (has(text, "(Forbidden)") || has(text, " is forbidden: ")) {
		if (verb)
			forbidden_verb(text, verb, verbsize);
		if (resource)
			quoted_after(text, "resource \"", resource, resourcesize);
		return KERR_FORBIDDEN;
	}
	if (has(text, "(Unauthorized)") || has(text, "You must be logged in"))
		return KERR_UNAUTHORIZED;
	if (has(text, "context was not found") || has(text, "cannot locate context") ||
	    has(text, "no context exists") || (has(text, "context \"") && has(text, "does not exist")))
		return KERR_CONTEXT;
	if (has(text, "error loading config file") || has(text, "Error in configuration") ||
	    has(text, "invalid configuration") || has(text, "couldn't get version/kind") ||
	    (has(text, "stat ") && has(text, "no such file or directory") && !has(text, "exec")))
		return KERR_KUBECONFIG;
	if (has(text, "localhost:8080"))
		return KERR_NOCLUSTER;
	if (has(text, "cannot exec into a container in a completed pod") ||
	    has(text, "container not running") || has(text, "is waiting to start") ||
	    has(text, "pod is not running") || has(text, "current phase is"))
		return KERR_NOTRUNNING;
	if (has(text, "(NotFound)") || has(text, "container not found") ||
	    (has(text, "not found") && has(text, "Error from server")))
		return KERR_NOTFOUND;
	if (has(text, "Unable to connect to the server") || has(text, "connection refused") ||
	    has(text, "was refused") || has(text, "no such host") || has(text, "i/o timeout") ||
	    has(text, "dial tcp") || has(text, "TLS handshake") || has(text, "x509:") ||
	    has(text, "context deadline exceeded") || has(text, "Client.Timeout") ||
	    has(text, "server is currently unable") || has(text, "network is unreachable"))
		return KERR_UNREACHABLE;
	return KERR_OTHER;
}

int kube_err_exit_code(enum kube_err e)
{
	switch (e) {
	case KERR_NOTFOUND:
		return DPX_NOTFOUND;
	case KERR_FORBIDDEN:
		return DPX_FORBIDDEN;
	case KERR_UNAUTHORIZED:
	case KERR_UNREACHABLE:
	case KERR_NOCLUSTER:
	case KERR_CONTEXT:
	case KERR_KUBECONFIG:
		return DPX_CLUSTER;
	case KERR_NOTRUNNING:
		return DPX_NOTRUNNING;
	case KERR_NOSHELL:
		return DPX_NOSHELL;
	case KERR_OTHER:
		break;
	}
	return DPX_ERROR;
}

static void hint_forbidden(struct kube *k, const char *verb, const char *resource)
{
	const char *ns = kube_namespace(k, 0);
	char nsopt[300] = "";

	if (ns && (size_t)snprintf(nsopt, sizeof(nsopt), " -n %s", ns) >= sizeof(nsopt))
		nsopt[0] = '\0';
	if (*verb && *resource)
		log_hint("your user needs RBAC permission to %s %s%s%s%s (the plugin needs: pods get, "
			 "pods list for a workload or -l, pods/exec create); check with: kubectl auth can-i %s %s%s", verb, resource,
			 ns ? " in namespace \"" : "", ns ? ns : "", ns ? "\"" : "", verb, resource,
			 nsopt);
	else
		log_hint("the plugin needs RBAC permission for pods get (and list, for a workload or "
			 "-l) and pods/exec create; check "
			 "with: kubectl auth can-i create pods/exec%s", nsopt);
}

int kube_fail(struct kube *k, const struct proc *p, const char *what)
{
	char why[512], verb[32], resource[128];
	enum kube_err e = kube_classify(p->err_buf, why, sizeof(why), verb, sizeof(verb), resource,
					sizeof(resource));
	const char *ns;

	if (e == KERR_OTHER && p->status >= 128 && !p->err_len)
		snprintf(why, sizeof(why), "kubectl was killed by signal %d", p->status - 128);
	switch (e) {
	case KERR_NOTFOUND:
		ns = kube_namespace(k, 0);
		if (ns && !strstr(why, "namespace"))
			log_error("%s: %s in namespace \"%s\"", what, why, ns);
		else
			log_error("%s: %s", what, why);
		if (ns)
			log_hint("see what exists with: kubectl get pods -n %s", ns);
		break;
	case KERR_FORBIDDEN:
		log_error("%s: forbidden: %s", what, why);
		hint_forbidden(k, verb, resource);
		break;
	case KERR_UNAUTHORIZED:
		log_error("%s: the cluster rejected our credentials: %s", what, why);
		log_hint("refresh the login of the current context (or check --token/--user); "
			 "kubectl get pods should work first");
		break;
	case KERR_UNREACHABLE:
		log_error("%s: cannot reach the cluster: %s", what, why);
		log_hint("check the server address of the context (kubectl config view --minify), "
			 "your network/VPN, and that kubectl cluster-info works");
		break;
	case KERR_NOCLUSTER:
		log_error("%s: no cluster configured: %s", what, why);
		log_hint("point KUBECONFIG or --kubeconfig at a kubeconfig file, or pick one with "
			 "--context");
		break;
	case KERR_CONTEXT:
		log_error("%s: unknown context: %s", what, why);
		log_hint("list the contexts with: kubectl config get-contexts");
		break;
	case KERR_KUBECONFIG:
		log_error("%s: cannot load the kubeconfig: %s", what, why);
		log_hint("check that the file given by --kubeconfig or KUBECONFIG exists, is readable "
			 "and is valid");
		break;
	case KERR_NOTRUNNING:
		log_error("%s: not running: %s", what, why);
		break;
	case KERR_NOSHELL:
		log_error("%s: the container has no shell (sh): %s", what, why);
		log_hint("distroless images have no shell; an ephemeral debug container is the way in: "
			 "trace, dump, stack, ps and fetch make one (counters and gcdump with a "
			 "--debug-image that has the .NET runtime) unless --no-debug-container or "
			 "DOTNETPROF_DEBUG_CONTAINER=never");
		break;
	case KERR_OTHER:
		log_error("%s: %s", what, why);
		break;
	}
	return -kube_err_exit_code(e);
}

/* kube_get_json; with `report` 0 a failure is returned but nothing is printed. */
static int get_json(struct kube *k, const char *ns, const char *const *args, const char *what,
		    cJSON **out, int report, int *notfound)
{
	struct proc p;
	char what_buf[16];
	int ret;

	*out = NULL;
	proc_init(&p, NULL);
	if ((ret = kube_run(k, ns, args, &p)) < 0)
		goto out;
	if (p.status != 0) {
		enum kube_err e = kube_classify(p.err_buf, what_buf, sizeof(what_buf), NULL, 0, NULL, 0);

		if (notfound && e == KERR_NOTFOUND) {
			*notfound = 1;
			ret = -DPX_NOTFOUND;
		} else if (report) {
			ret = kube_fail(k, &p, what);
		} else {
			ret = -kube_err_exit_code(e);
		}
		goto out;
	}
	*out = cJSON_ParseWithLength(p.out_buf, p.out_len);
	if (!*out) {
		ret = -DPX_ERROR;
		if (report)
			log_error("%s: kubectl printed something that is not JSON%s", what,
			  p.out_truncated ? " (output too large)" : "");
		goto out;
	}
	ret = 0;
out:
	proc_release(&p);
	return ret;
}

int kube_get_json(struct kube *k, const char *ns, const char *const *args, const char *what,
		  cJSON **out)
{
	return get_json(k, ns, args, what, out, 1, NULL);
}

int kube_get_json_nf(struct kube *k, const char *ns, const char *const *args, const char *what,
		     cJSON **out, int *notfound)
{
	*notfound = 0;
	return get_json(k, ns, args, what, out, 1, notfound);
}

static char *json_string(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

static int context_lookup(struct kube *k, const char **context, const char **ns, int report)
{
	static const char *const args[] = { "config", "view", "--minify", "-o", "json", NULL };
	const cJSON *contexts, *first, *ctx;
	const char *name, *cns;
	cJSON *json = NULL;
	int ret;

	if (k->cur_context)
		goto done;
	if ((ret = get_json(k, NULL, args, "cannot read the kubeconfig", &json, report, NULL)) < 0)
		return ret;
	contexts = cJSON_GetObjectItemCaseSensitive(json, "contexts");
	first = cJSON_IsArray(contexts) ? cJSON_GetArrayItem(contexts, 0) : NULL;
	ctx = first ? cJSON_GetObjectItemCaseSensitive(first, "context") : NULL;
	name = first ? json_string(first, "name") : NULL;
	if (!name)
		name = json_string(json, "current-context");
	if (!name || !*name) {
		ret = -DPX_CLUSTER;
		if (report) {
			log_error("cannot read the kubeconfig: no current context is set");
			log_hint("pick one with --context, or: kubectl config use-context NAME");
		}
		goto out;
	}
	cns = ctx ? json_string(ctx, "namespace") : NULL;
	k->cur_context = strdup(name);
	k->cur_namespace = strdup(cns && *cns ? cns : "default");
	if (!k->cur_context || !k->cur_namespace) {
		free(k->cur_context);
		k->cur_context = NULL;
		ret = -DPX_ERROR;
		if (report)
			log_error("cannot read the kubeconfig: out of memory");
		goto out;
	}
	ret = 0;
out:
	cJSON_Delete(json);
	if (ret < 0)
		return ret;
done:
	if (context)
		*context = k->cur_context;
	if (ns)
		*ns = k->cur_namespace;
	return 0;
}

int kube_context(struct kube *k, const char **context, const char **ns)
{
	return context_lookup(k, context, ns, 1);
}

const char *kube_namespace(struct kube *k, int report)
{
	const char *ns = NULL;

	if (k->namespace)
		return k->namespace;
	if (context_lookup(k, NULL, &ns, report) < 0)
		ns = NULL;
	return ns;
}
