/*
 * reportfmt.c - the renderings of a trace by name, and reading a trace for a verb (reportfmt.h).
 */
#include "reportfmt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcodes.h"
#include "log.h"
#include "progress.h"
#include "strfmt.h"

static const struct reportfmt_info formats[RFMT_COUNT] = {
	[RFMT_TEXT] = { "text", render_text, ".txt", "report", 0, 0 },
	[RFMT_FLAMEGRAPH] = { "flamegraph", render_flamegraph, ".flamegraph.html",
			      "flame graph: open it in a browser", 1, 0 },
	[RFMT_SPEEDSCOPE] = { "speedscope", render_speedscope, ".speedscope.json",
			      "speedscope file: open it at https://www.speedscope.app", 1, 1 },
	[RFMT_FOLDED] = { "folded", render_folded, ".folded", "folded stacks", 0, 0 },
	[RFMT_JSON] = { "json", render_json, ".json", "json report", 0, 0 },
	[RFMT_CHROMIUM] = { "chromium", render_chromium, ".chromium.json",
			    "chromium trace: open it in Chrome's or Edge's DevTools (Performance, Load "
			    "profile)", 1, 1 },
};

const struct reportfmt_info *reportfmt_info(enum reportfmt f)
{
	return &formats[f];
}

int reportfmt_find(const char *name, enum reportfmt *f)
{
	size_t i;

	for (i = 0; i < RFMT_COUNT; i++)
		if (!strcmp(name, formats[i].name)) {
			*f = (enum reportfmt)i;
			return 0;
		}
	return -1;
}

int reportfmt_text_width(void)
{
	struct winsize ws;
	const char *cols = getenv("COLUMNS"), *errstr;
	long long n;

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	if (cols) {
		n = strtonum(cols, 20, 10000, &errstr);
		if (!errstr)
			return (int)n;
	}
	return 0;
}

void reportfmt_stem(const char *path, char *buf, size_t size)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 9 && !strcmp(base + n - 9, ".nettrace"))
		n -= 9;
	if (!n) {
		base = "trace";
		n = 5;
	}
	snprintf(buf, size, "%.*s", (int)n, base);
}

char *reportfmt_beside(const char *trace, enum reportfmt f)
{
	const char *slash = strrchr(trace, '/');
	char stem[512];

	reportfmt_stem(trace, stem, sizeof(stem));
	return strfmt("%.*s%s%s", slash ? (int)(slash - trace + 1) : 0, trace, stem, formats[f].suffix);
}

/* The reader failed: say why. Returns the exit code. */
static int unreadable(const char *file, const struct nettrace_result *res)
{
	switch (res->status) {
	case NETTRACE_CORRUPT:
	case NETTRACE_UNSUPPORTED:
		if (res->offset)
			log_error("cannot read %s: %s at byte %llu: %s", file,
				  nettrace_status_name(res->status), (unsigned long long)res->offset,
				  res->message);
		else
			log_error("cannot read %s: %s", file, res->message);
		log_hint(res->status == NETTRACE_CORRUPT ?
			 "give the .nettrace file as written by trace or dotnet-trace (not a converted "
			 "or damaged copy)" :
			 "the reader knows the NetTrace format of .NET Core 3.0 and later (versions 4 to 6)");
		return DPX_BADTRACE;
	case NETTRACE_IO:
		log_error("cannot read %s: %s", file, strerror(res->err_errno));
		return DPX_ERROR;
	case NETTRACE_OK:
	case NETTRACE_TRUNCATED:
	case NETTRACE_NOMEM:
	case NETTRACE_STOPPED:
		break;
	}
	log_error("cannot read %s: out of memory", file);
	return DPX_ERROR;
}

int reportfmt_load(const char *file, int keep_timeline, struct profile **p)
{
	struct profile_options po = { 0 };
	struct nettrace_result res;
	struct stat st;
	double t0;
	int fd, rc;

	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		log_error("cannot read %s: %s", file, fd < 0 ? strerror(errno) : "it is a directory");
		if (fd >= 0)
			close(fd);
		return DPX_ERROR;
	}
	po.keep_timeline = keep_timeline;
	t0 = (double)progress_now_ms() / 1000.0;
	rc = profile_read_fd(fd, &po, p, &res);
	close(fd);
	if (rc < 0)
		return unreadable(file, &res);
	log_verbose("read %s: %.1f MB in %.3f s, %llu events, %zu threads, %zu stacks, %zu methods named",
		    file, (double)res.offset / 1e6, (double)progress_now_ms() / 1000.0 - t0, (unsigned long long)res.events,
		    (*p)->nthreads, (*p)->nstacks, (*p)->methods);
	if ((*p)->partial)
		log_warn("%s is cut short (%s at byte %llu): this report is partial", file, res.message,
			 (unsigned long long)res.offset);
	return DPX_OK;
}
