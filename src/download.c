/*
 * download.c - the libcurl GET behind download.h: redirects, verified TLS, proxy environment,
 * timeouts, status and length checks, Content-Disposition, and the progress line (progress.h).
 * Kept apart from toolcache.c so that tests can wrap download() across object files.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "download.h"
#include "progress.h"

struct xfer {
	const struct download_opts *opts;
	struct download_result *res;
	int sink_failed;
	int too_big;             /* the body went over opts->max_bytes */
	int started;             /* `bar` was started */
	struct progress bar;
};

int download_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void download_global_cleanup(void)
{
	curl_global_cleanup();
}

const char *download_status_name(enum download_status status)
{
	switch (status) {
	case DOWNLOAD_OK:
		return "ok";
	case DOWNLOAD_ERR_INTERNAL:
		return "internal";
	case DOWNLOAD_ERR_NETWORK:
		return "network";
	case DOWNLOAD_ERR_TIMEOUT:
		return "timeout";
	case DOWNLOAD_ERR_HTTP:
		return "http";
	case DOWNLOAD_ERR_TRUNCATED:
		return "truncated";
	case DOWNLOAD_ERR_SINK:
		return "write";
	case DOWNLOAD_ERR_INTERRUPTED:
		return "interrupted";
	case DOWNLOAD_ERR_TOOBIG:
		return "too big";
	case DOWNLOAD_ERR_INSECURE:
		return "insecure redirect";
	}
	return "unknown";
}

/* Copy at most `size`-1 bytes of [s, s+n) without control characters (headers are untrusted). */
static void copy_clean(char *dst, size_t size, const char *s, size_t n)
{
	size_t j = 0;

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	for (; n > 0 && j + 1 < size; s++, n--)
		dst[j++] = iscntrl((unsigned char)*s) ? '?' : *s;
	dst[j] = '\0';
}

void download_disposition_filename(const char *v, size_t n, char *out, size_t outsize)
{
	char buf[1024], low[1024];
	char *p, *q, *e;
	size_t i;

	if (outsize == 0)
		return;
	out[0] = '\0';
	copy_clean(buf, sizeof(buf), v, n);
	for (i = 0; buf[i] != '\0'; i++)
		low[i] = (char)tolower((unsigned char)buf[i]);
	low[i] = '\0';
	if ((q = strstr(low, "filename*=")) != NULL) {
		p = buf + (q - low) + 10;
		if ((q = strchr(p, '\'')) != NULL && (q = strchr(q + 1, '\'')) != NULL)
			p = q + 1;  /* skip charset'language' */
	} else if ((q = strstr(low, "filename=")) != NULL) {
		p = buf + (q - low) + 9;
	} else {
		return;
	}
	if (*p == '"') {
		p++;
		e = strchr(p, '"');
	} else {
		e = strpbrk(p, "; \t");
	}
	if (e != NULL)
		*e = '\0';
	if ((q = strrchr(p, '/')) != NULL)
		p = q + 1;
	if ((q = strrchr(p, '\\')) != NULL)
		p = q + 1;
	if (strlcpy(out, p, outsize) >= outsize)
		out[0] = '\0';  /* a cut name would be compared as if it were the real one */
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct xfer *x = userdata;
	size_t n = size * nitems;
	const char *colon = memchr(buf, ':', n);

	if (n >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
		/* a new response (after a redirect): only the final one's headers count */
		x->res->filename[0] = '\0';
		x->res->content_type[0] = '\0';
		x->res->redirect_url[0] = '\0';
	} else if (colon != NULL) {
		size_t klen = (size_t)(colon - buf);
		const char *v = colon + 1;
		size_t vlen = n - klen - 1;

		if (klen == 19 && strncasecmp(buf, "content-disposition", 19) == 0)
			download_disposition_filename(v, vlen, x->res->filename, sizeof(x->res->filename));
		else if (klen == 12 && strncasecmp(buf, "content-type", 12) == 0)
			copy_clean(x->res->content_type, sizeof(x->res->content_type), v, vlen);
		else if (klen == 8 && strncasecmp(buf, "location", 8) == 0)
			copy_clean(x->res->redirect_url, sizeof(x->res->redirect_url), v, vlen);
	}
	return n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct xfer *x = userdata;
	size_t n = size * nmemb;

	/* a body without Content-Length (chunked, or a lie) is cut here, not after the disk is full */
	if (x->opts->max_bytes && x->res->bytes + n > x->opts->max_bytes) {
		x->too_big = 1;
		return 0;  /* CURLE_WRITE_ERROR */
	}
	if (x->opts->sink(x->opts->sink_ctx, data, n) < 0) {
		x->sink_failed = 1;
		x->res->sink_errno = errno ? errno : EIO;
		return 0;  /* CURLE_WRITE_ERROR */
	}
	x->res->bytes += n;
	return n;
}

static int on_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct xfer *x = clientp;

	(void)ultotal;
	(void)ulnow;
	if (x->opts->interrupted != NULL && *x->opts->interrupted)
		return 1;  /* CURLE_ABORTED_BY_CALLBACK */
	if (x->opts->progress_label != NULL && dlnow > 0) {
		if (!x->started) {
			progress_start(&x->bar, x->opts->progress_label, 0, 0);
			x->started = 1;
		}
		/* a redirect's small body comes first: the total is the current response's */
		x->bar.total = dltotal > 0 ? (uint64_t)dltotal : 0;
		progress_update(&x->bar, (uint64_t)dlnow);
	}
	return 0;
}

static const char *reason(long code)
{
	switch (code) {
	case 400: return "bad request";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not found";
	case 407: return "proxy authentication required";
	case 408: return "request timeout";
	case 410: return "gone";
	case 429: return "too many requests";
	case 500: return "internal server error";
	case 502: return "bad gateway";
	case 503: return "service unavailable";
	case 504: return "gateway timeout";
	default: return code >= 500 ? "server error" : "client error";
	}
}

/* curl's own detail ("Failed to connect to ... : Connection refused"), lowercased at the start. */
static void curl_detail(struct download_result *res, CURLcode rc, const char *errbuf, long os_errno)
{
	const char *msg = errbuf[0] ? errbuf : curl_easy_strerror(rc);
	int n;

	if (os_errno != 0 && strstr(msg, strerror((int)os_errno)) == NULL)
		n = snprintf(res->error, sizeof(res->error), "%s (%s)", msg, strerror((int)os_errno));
	else
		n = snprintf(res->error, sizeof(res->error), "%s", msg);

	if (n > 0 && (size_t)n < sizeof(res->error)) {
		while (n > 0 && (res->error[n - 1] == '\n' || res->error[n - 1] == '.' || res->error[n - 1] == ' '))
			res->error[--n] = '\0';
	}
	/* "Failed to connect" -> "failed to connect"; acronyms ("SSL", "OpenSSL/3.0") stay */
	if (isupper((unsigned char)res->error[0]) && islower((unsigned char)res->error[1]) &&
	    strchr(res->error, ' ') != NULL && strcspn(res->error, " /") == strcspn(res->error, " "))
		res->error[0] = (char)tolower((unsigned char)res->error[0]);
}

static void classify(struct xfer *x, CURLcode rc, const char *errbuf, double connect_time, long os_errno)
{
	struct download_result *res = x->res;
	const struct download_opts *o = x->opts;

	if (x->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		res->status = DOWNLOAD_ERR_TOOBIG;
		snprintf(res->error, sizeof(res->error), "the file is larger than the limit of %llu MiB "
			 "(%llu bytes received)", (unsigned long long)(o->max_bytes >> 20),
			 (unsigned long long)res->bytes);
		return;
	}
	switch ((int)rc) {  /* int: CURLcode has ~100 values, most of them one "network" case */
	case CURLE_OK:
		if (strncasecmp(res->final_url, "file:", 5) != 0 &&
		    (res->http_status < 200 || res->http_status > 299)) {
			res->status = DOWNLOAD_ERR_HTTP;
			snprintf(res->error, sizeof(res->error), "unexpected HTTP %ld answer", res->http_status);
		} else if (res->content_length >= 0 && res->bytes != (uint64_t)res->content_length) {
			res->status = DOWNLOAD_ERR_TRUNCATED;
			snprintf(res->error, sizeof(res->error), "received %llu bytes of the %lld announced",
				 (unsigned long long)res->bytes, (long long)res->content_length);
		}
		return;
	case CURLE_HTTP_RETURNED_ERROR:
		res->status = DOWNLOAD_ERR_HTTP;
		snprintf(res->error, sizeof(res->error), "HTTP %ld (%s)", res->http_status,
			 reason(res->http_status));
		return;
	case CURLE_TOO_MANY_REDIRECTS:
		res->status = DOWNLOAD_ERR_HTTP;
		snprintf(res->error, sizeof(res->error), "more than %ld redirects", o->max_redirs);
		return;
	case CURLE_OPERATION_TIMEDOUT:
		res->status = DOWNLOAD_ERR_TIMEOUT;
		if (connect_time <= 0.0)
			snprintf(res->error, sizeof(res->error), "no connection within %ld s", o->connect_timeout);
		else if (o->max_time > 0 && strstr(errbuf, "too slow") == NULL && (res->over_time = 1))
			snprintf(res->error, sizeof(res->error), "not complete within the time limit of %ld s "
				 "(%llu bytes received)", o->max_time, (unsigned long long)res->bytes);
		else
			snprintf(res->error, sizeof(res->error),
				 "the server stalled: less than %ld bytes/s for %ld s (%llu bytes received)",
				 o->low_speed_limit, o->low_speed_time, (unsigned long long)res->bytes);
		return;
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		res->status = DOWNLOAD_ERR_TRUNCATED;
		if (res->content_length >= 0)
			snprintf(res->error, sizeof(res->error),
				 "the connection closed after %llu of %lld bytes",
				 (unsigned long long)res->bytes, (long long)res->content_length);
		else
			curl_detail(res, rc, errbuf, os_errno);
		return;
	case CURLE_WRITE_ERROR:
		if (x->sink_failed) {
			res->status = DOWNLOAD_ERR_SINK;
			snprintf(res->error, sizeof(res->error), "cannot write the download: %s",
				 strerror(res->sink_errno));
			return;
		}
		break;
	case CURLE_ABORTED_BY_CALLBACK:
		res->status = DOWNLOAD_ERR_INTERRUPTED;
		snprintf(res->error, sizeof(res->error), "interrupted");
		return;
	case CURLE_FILE_COULDNT_READ_FILE:
		res->status = DOWNLOAD_ERR_HTTP;
		curl_detail(res, rc, errbuf, os_errno);
		return;
	case CURLE_UNSUPPORTED_PROTOCOL:
		if (res->http_status >= 300 && res->http_status < 400) {
			/* a redirect to a scheme we do not follow: from https, plain http */
			res->status = DOWNLOAD_ERR_INSECURE;
			snprintf(res->error, sizeof(res->error), "the server redirected (HTTP %ld) to a URL "
				 "that is not https%s%.300s: refused, it would not be authenticated",
				 res->http_status, res->redirect_url[0] ? ": " : "", res->redirect_url);
			return;
		}
		res->status = DOWNLOAD_ERR_INTERNAL;
		curl_detail(res, rc, errbuf, os_errno);
		return;
	case CURLE_OUT_OF_MEMORY:
	case CURLE_URL_MALFORMAT:
		res->status = DOWNLOAD_ERR_INTERNAL;
		curl_detail(res, rc, errbuf, os_errno);
		return;
	default:
		break;
	}
	res->status = DOWNLOAD_ERR_NETWORK;
	curl_detail(res, rc, errbuf, os_errno);
}

/*
 * libcurl ignores an uppercase HTTP_PROXY for http:// URLs (httpoxy); kubectl and most Go tools honour
 * it. Use it only when no other proxy variable would apply, so the environment's meaning is kept;
 * no_proxy/NO_PROXY still apply to an explicit proxy.
 */
static const char *uppercase_http_proxy(const char *url)
{
	static const char *const others[] = { "http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy",
					      "ALL_PROXY" };
	const char *p = getenv("HTTP_PROXY");
	size_t i;

	if (p == NULL || p[0] == '\0' || strncasecmp(url, "http://", 7) != 0)
		return NULL;
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		const char *v = getenv(others[i]);

		if (v != NULL && v[0] != '\0')
			return NULL;
	}
	return p;
}

static CURLcode setup(CURL *c, const char *url, struct xfer *x, char *errbuf)
{
	const struct download_opts *o = x->opts;
	const char *ca = getenv("CURL_CA_BUNDLE"), *capath = getenv("SSL_CERT_DIR");
	const char *proxy = uppercase_http_proxy(url);
	CURLcode rc = CURLE_OK;

	if (ca == NULL || ca[0] == '\0')
		ca = getenv("SSL_CERT_FILE");
#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(c, opt, val); } while (0)
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https,file");
	/* never downgraded: from https only to https; an http URL the user gave is plain already */
	SET(CURLOPT_REDIR_PROTOCOLS_STR, strncasecmp(url, "https://", 8) == 0 ? "https" : "http,https");
	if (o->max_bytes)
		SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes);
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, o->max_redirs);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca != NULL && ca[0] != '\0')
		SET(CURLOPT_CAINFO, ca);
	if (capath != NULL && capath[0] != '\0')
		SET(CURLOPT_CAPATH, capath);
	if (proxy != NULL)
		SET(CURLOPT_PROXY, proxy);
	SET(CURLOPT_CONNECTTIMEOUT, o->connect_timeout);
	SET(CURLOPT_LOW_SPEED_LIMIT, o->low_speed_limit);
	SET(CURLOPT_LOW_SPEED_TIME, o->low_speed_time);
	SET(CURLOPT_TIMEOUT, o->max_time);
	SET(CURLOPT_FAILONERROR, 1L);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USERAGENT, "kubectl-dotnetprof");
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, x);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, x);
	SET(CURLOPT_XFERINFOFUNCTION, on_progress);
	SET(CURLOPT_XFERINFODATA, x);
	SET(CURLOPT_NOPROGRESS, 0L);
#undef SET
	return rc;
}

int download(const char *url, const struct download_opts *opts, struct download_result *res)
{
	struct download_opts o = *opts;
	struct xfer x;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *c = NULL;
	CURLcode rc;
	char *eff = NULL;
	curl_off_t cl = -1;
	double connect_time = 0.0;
	long os_errno = 0;

	memset(res, 0, sizeof(*res));
	res->content_length = -1;
	if (o.connect_timeout <= 0)
		o.connect_timeout = DOWNLOAD_CONNECT_TIMEOUT;
	if (o.low_speed_limit <= 0)
		o.low_speed_limit = DOWNLOAD_LOW_SPEED_LIMIT;
	if (o.low_speed_time <= 0)
		o.low_speed_time = DOWNLOAD_LOW_SPEED_TIME;
	if (o.max_time < 0)
		o.max_time = 0;
	if (o.max_redirs <= 0)
		o.max_redirs = DOWNLOAD_MAX_REDIRS;
	memset(&x, 0, sizeof(x));
	x.opts = &o;
	x.res = res;

	c = curl_easy_init();
	if (c == NULL || opts->sink == NULL) {
		res->status = DOWNLOAD_ERR_INTERNAL;
		snprintf(res->error, sizeof(res->error), "cannot set up libcurl");
		goto out;
	}
	rc = setup(c, url, &x, errbuf);
	if (rc == CURLE_OK)
		rc = curl_easy_perform(c);
	if (x.started)
		progress_end(&x.bar);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->http_status);
	curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
	curl_easy_getinfo(c, CURLINFO_CONNECT_TIME, &connect_time);
	curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
	if (curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff != NULL)
		copy_clean(res->final_url, sizeof(res->final_url), eff, strlen(eff));
	res->content_length = cl >= 0 ? (int64_t)cl : -1;
	classify(&x, rc, errbuf, connect_time, os_errno);
out:
	if (c != NULL)
		curl_easy_cleanup(c);
	return res->status == DOWNLOAD_OK ? 0 : -1;
}
