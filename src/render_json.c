/*
 * render_json.c - the top methods of a profile as JSON for scripts, and the JSON string writer the
 * other renderers share. See render.h.
 *
 * {"trace": NAME, "view": "cpu", "rank": "exclusive", "partial": false, "partial_reason": null,
 *  "duration_ms": ..., "threads": N, "samples": N, "events": N, "lost_events": N,
 *  "total_ms": ..., "methods": [{"rank": 1, "name": ..., "resolved": true, "address": null,
 *  "exclusive_percent": ..., "inclusive_percent": ..., "exclusive_ms": ..., "inclusive_ms": ...,
 *  "exclusive_samples": N, "inclusive_samples": N}, ...]}
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "render.h"

/* The length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned c = s[0];
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

void render_json_string(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', out);
	while (*s) {
		size_t n = utf8_len(s);

		if (n == 0) {
			fputs("\\ufffd", out);
			s++;
		} else if (n > 1) {
			fwrite(s, 1, n, out);
			s += n;
		} else {
			switch (*s) {
			case '"': fputs("\\\"", out); break;
			case '\\': fputs("\\\\", out); break;
			case '\n': fputs("\\n", out); break;
			case '\t': fputs("\\t", out); break;
			case '<': case '>': case '&': fprintf(out, "\\u%04x", *s); break;
			default:
				if (*s < 0x20 || *s == 0x7f)
					fprintf(out, "\\u%04x", *s);
				else
					fputc(*s, out);
			}
			s++;
		}
	}
	fputc('"', out);
}

static void field_str(FILE *out, const char *key, const char *value)
{
	fprintf(out, "\"%s\": ", key);
	if (value)
		render_json_string(out, value);
	else
		fputs("null", out);
}

int render_json(FILE *out, const struct profile *p, const struct render_opts *o)
{
	struct profile_method *m;
	ssize_t n = profile_methods(p, o->view, o->inclusive, &m);
	double total = p->total_ms[o->view];
	size_t i, rows;

	if (n < 0)
		return -1;
	rows = o->top && o->top < (size_t)n ? o->top : (size_t)n;
	fputs("{", out);
	field_str(out, "trace", o->name);
	fprintf(out, ", \"view\": \"%s\", \"rank\": \"%s\", \"partial\": %s, ", profile_view_name(o->view),
		o->inclusive ? "inclusive" : "exclusive", p->partial ? "true" : "false");
	field_str(out, "partial_reason", p->partial ? p->partial_reason : NULL);
	fputs(", ", out);
	field_str(out, "command_line", p->command_line);
	fprintf(out, ", \"process_id\": %u, \"duration_ms\": %.3f, \"threads\": %zu, \"samples\": %llu, "
		"\"events\": %llu, \"lost_events\": %llu, \"total_ms\": %.3f, \"total_samples\": %llu, "
		"\"methods\": [", (unsigned)p->info.process_id, p->end_ms > 0 ? p->end_ms : 0.0, p->nthreads,
		(unsigned long long)p->samples, (unsigned long long)p->events,
		(unsigned long long)p->lost_events, total, (unsigned long long)p->total_samples[o->view]);
	for (i = 0; i < rows; i++) {
		const struct profile_frame *f = &p->frames[m[i].frame];

		fprintf(out, "%s\n  {\"rank\": %zu, ", i ? "," : "", i + 1);
		field_str(out, "name", f->name);
		fprintf(out, ", \"resolved\": %s, ", f->resolved ? "true" : "false");
		if (f->resolved)
			fputs("\"address\": null", out);
		else
			fprintf(out, "\"address\": \"0x%" PRIx64 "\"", f->address);
		fprintf(out, ", \"exclusive_percent\": %.4f, \"inclusive_percent\": %.4f, \"exclusive_ms\": %.3f, "
			"\"inclusive_ms\": %.3f, \"exclusive_samples\": %llu, \"inclusive_samples\": %llu}",
			total > 0 ? 100 * m[i].self_ms / total : 0.0, total > 0 ? 100 * m[i].total_ms / total : 0.0,
			m[i].self_ms, m[i].total_ms, (unsigned long long)m[i].self_samples,
			(unsigned long long)m[i].total_samples);
	}
	fputs(rows ? "\n]}\n" : "]}\n", out);
	free(m);
	return 0;
}
