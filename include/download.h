/*
 * download.h - one HTTP(S) GET with libcurl, streamed into a caller's sink.
 *
 * The only file that talks to libcurl, so unit tests can replace download() with -Wl,--wrap. What it
 * guarantees: redirects followed (limited) but never downgraded: from an https URL only to https,
 * from an explicit http URL to http or https (file:// never), TLS peer and host verified (never
 * disabled; $CURL_CA_BUNDLE / $SSL_CERT_FILE / $SSL_CERT_DIR name extra trust stores, as for curl),
 * the proxy environment honoured (http_proxy and HTTP_PROXY, https_proxy/HTTPS_PROXY, all_proxy,
 * no_proxy/NO_PROXY: libcurl reads them; nothing here overrides them, except that an uppercase
 * HTTP_PROXY is honoured for http:// URLs like kubectl does, where libcurl alone would ignore it),
 * a connect timeout and a low-speed abort, an optional overall time limit and size cap (the body is
 * refused as soon as it would exceed max_bytes, whether or not a Content-Length announced it), HTTP
 * status >= 400 is a failure, and a body shorter than its Content-Length is a failure. file:// URLs are accepted as the first URL (air-gapped mirrors),
 * never as a redirect target.
 *
 * Call download_global_init() once at program start and download_global_cleanup() at the end
 * (libcurl's global state; not thread-safe).
 */
#ifndef DOTNETPROF_DOWNLOAD_H
#define DOTNETPROF_DOWNLOAD_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

enum download_status {
	DOWNLOAD_OK = 0,
	DOWNLOAD_ERR_INTERNAL,    /* libcurl could not be set up, out of memory, bad URL syntax */
	DOWNLOAD_ERR_NETWORK,     /* DNS, connection refused, proxy, TLS handshake or certificate */
	DOWNLOAD_ERR_TIMEOUT,     /* connect timeout, low-speed abort, max_time */
	DOWNLOAD_ERR_HTTP,        /* the server answered a status >= 400 (or an unexpected one) */
	DOWNLOAD_ERR_TRUNCATED,   /* the body ended before Content-Length, or the connection broke */
	DOWNLOAD_ERR_SINK,        /* the sink returned -1 (local write failed); errno in sink_errno */
	DOWNLOAD_ERR_INTERRUPTED, /* *interrupted became non-zero (SIGINT) */
	DOWNLOAD_ERR_TOOBIG,      /* the body is (or was announced) larger than max_bytes */
	DOWNLOAD_ERR_INSECURE,    /* a redirect from https to plain http (or another scheme) */
};

/* Receives the body of the final (2xx) response, in order. Return 0, or -1 to abort the transfer. */
typedef int (*download_sink_fn)(void *ctx, const void *data, size_t len);

struct download_opts {
	long connect_timeout;      /* seconds; 0: DOWNLOAD_CONNECT_TIMEOUT */
	long low_speed_limit;      /* bytes/s; 0: DOWNLOAD_LOW_SPEED_LIMIT */
	long low_speed_time;       /* seconds below the limit before aborting; 0: DOWNLOAD_LOW_SPEED_TIME */
	long max_time;             /* whole transfer, seconds; 0: no limit (the low-speed abort remains) */
	uint64_t max_bytes;        /* the body's size cap; 0: none */
	long max_redirs;           /* 0: DOWNLOAD_MAX_REDIRS */
	const char *progress_label; /* non-NULL: a progress line (progress.h) with this label; it is
	                               drawn only on a terminal and not with -q */
	const volatile sig_atomic_t *interrupted; /* optional: abort when it becomes non-zero */
	download_sink_fn sink;     /* required */
	void *sink_ctx;
};

#define DOWNLOAD_CONNECT_TIMEOUT 15L
#define DOWNLOAD_LOW_SPEED_LIMIT 1024L
#define DOWNLOAD_LOW_SPEED_TIME 30L
#define DOWNLOAD_MAX_REDIRS 10L

#define DOWNLOAD_URL_MAX 2048

struct download_result {
	enum download_status status;
	long http_status;          /* of the last response; 0 for file:// or when none came */
	uint64_t bytes;            /* body bytes given to the sink */
	int64_t content_length;    /* of the final response; -1 when unknown */
	int sink_errno;            /* errno when status is DOWNLOAD_ERR_SINK */
	int over_time;             /* DOWNLOAD_ERR_TIMEOUT: it was max_time that ran out */
	char final_url[DOWNLOAD_URL_MAX];  /* after redirects ("" if none was reached) */
	char redirect_url[DOWNLOAD_URL_MAX]; /* the last response's Location ("" if none) */
	char filename[256];        /* from the final response's Content-Disposition; "" if none */
	char content_type[128];    /* of the final response; "" if none */
	char error[512];           /* lowercase reason when status != DOWNLOAD_OK, e.g. "HTTP 404 (not found)" */
};

/* libcurl's global init / cleanup. download_global_init returns 0 or -1. */
int download_global_init(void);
void download_global_cleanup(void);

/*
 * GET `url` and feed the body to opts->sink. `res` is always filled (zeroed first).
 * Returns 0 when the whole body of a 2xx (or file://) answer reached the sink, else -1 with
 * res->status and res->error saying why. Prints nothing but the progress bar.
 */
int download(const char *url, const struct download_opts *opts, struct download_result *res);

/*
 * The file name of a Content-Disposition header value (`len` bytes, not NUL-terminated):
 * attachment; filename="x" | filename=x | filename*=UTF-8''x (preferred when both are there). Only
 * the last path component is kept, control characters become '?'; "" when there is none or it does
 * not fit `outsize`. Used on every response; public for tests.
 */
void download_disposition_filename(const char *value, size_t len, char *out, size_t outsize);

/* "network", "timeout", ... for -v output and tests. */
const char *download_status_name(enum download_status status);

#endif
