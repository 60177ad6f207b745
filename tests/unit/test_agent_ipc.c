/*
 * test_agent_ipc.c - the agent's diagnostics IPC encoding and decoding (agent/ipc.c) and its
 * provider list (agent/providers.c), held against golden bytes: the examples of the protocol's
 * documentation (dotnet/diagnostics documentation/design-docs/ipc-protocol.md), and what the real
 * dotnet-trace, dotnet-counters and dotnet-dump sent to, and got from, a real .NET 10 runtime
 * (tests/fixtures/ipc/, recorded by tests/fixtures/ipc/capture.py).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ipc.h"
#include "providers.h"

/* ---- fixtures ---------------------------------------------------------------------------------- */

struct bytes {
	unsigned char *p;
	size_t n;
};

/* tests/fixtures/ipc/NAME.hex, relative to this file as the build saw it. */
static struct bytes fixture(const char *name)
{
	const char *slash = strrchr(__FILE__, '/');
	char path[1024];
	struct bytes b = { NULL, 0 };
	FILE *f;
	int c, hi = -1;

	assert_non_null(slash);
	assert_true(snprintf(path, sizeof(path), "%.*s/../fixtures/ipc/%s.hex", (int)(slash - __FILE__),
			     __FILE__, name) < (int)sizeof(path));
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	b.p = malloc(IPC_MAX_MESSAGE);
	assert_non_null(b.p);
	while ((c = fgetc(f)) != EOF) {
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			assert_true(b.n < IPC_MAX_MESSAGE);
			b.p[b.n++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	fclose(f);
	assert_int_equal(hi, -1);
	return b;
}

static void assert_bytes(const unsigned char *got, size_t n, struct bytes want)
{
	size_t i;

	assert_int_equal(n, want.n);
	for (i = 0; i < n; i++)
		if (got[i] != want.p[i])
			fail_msg("byte %zu: got 0x%02x, want 0x%02x", i, got[i], want.p[i]);
}

static struct ipc_reply reply_of(struct bytes b)
{
	struct ipc_reply r;

	assert_int_equal(ipc_parse_reply(b.p, b.n, &r), 0);
	return r;
}

/* ---- the documentation's examples ----------------------------------------------------------- */

static void put_utf16(unsigned char *p, const char *s)
{
	for (; *s; s++, p += 2)
		p[0] = (unsigned char)*s, p[1] = 0;
	p[0] = p[1] = 0;
}

/* ipc-protocol.md "Payloads": CollectTracing of MyEventSource, 80 bytes. */
static void test_doc_collect_example(void **state)
{
	unsigned char want[80] = "DOTNET_IPC_V1", buf[128];
	struct ipc_msg m;

	(void)state;
	want[14] = 80, want[16] = 0x02, want[17] = 0x02;
	want[20] = 250;                 /* circularBufferMB */
	want[24] = 1;                   /* format */
	want[28] = 1;                   /* n providers */
	want[32] = 100;                 /* keywords */
	want[40] = 2;                   /* logLevel */
	want[44] = 14;                  /* provider_name length */
	put_utf16(want + 48, "MyEventSource");
	/* arguments length 0 at 76 */
	ipc_msg_begin(&m, buf, sizeof(buf), IPC_SET_EVENTPIPE, IPC_EP_COLLECT_TRACING);
	ipc_put_u32(&m, 250);
	ipc_put_u32(&m, 1);
	ipc_put_u32(&m, 1);
	ipc_put_u64(&m, 100);
	ipc_put_u32(&m, 2);
	ipc_put_string(&m, "MyEventSource");
	ipc_put_string(&m, NULL);
	assert_int_equal(ipc_msg_end(&m), 80);
	assert_memory_equal(buf, want, 80);
}

/* The generic OK message and the bad-encoding error of the documentation. */
static void test_doc_replies(void **state)
{
	unsigned char ok[20] = "DOTNET_IPC_V1", err[28] = "DOTNET_IPC_V1";
	struct ipc_reply r;

	(void)state;
	ok[14] = 20, ok[16] = 0xFF, ok[17] = 0x00;
	assert_int_equal(ipc_parse_reply(ok, sizeof(ok), &r), 0);
	assert_true(r.ok);
	assert_int_equal(r.payload_len, 0);
	err[14] = 28, err[16] = 0xFF, err[17] = 0xFF;
	err[20] = 0x84, err[21] = 0x13, err[22] = 0x13, err[23] = 0x80;
	assert_int_equal(ipc_parse_reply(err, sizeof(err), &r), 0);
	assert_false(r.ok);
	assert_int_equal(r.hresult, IPC_E_BAD_ENCODING);
	assert_string_equal(ipc_hresult_name(r.hresult), "DS_IPC_E_BAD_ENCODING");
}

/* StopTracing: { Magic; 28; 0x0201; 0x0000 } and the session id. */
static void test_doc_stop(void **state)
{
	unsigned char buf[64], want[28] = "DOTNET_IPC_V1";

	(void)state;
	want[14] = 28, want[16] = 0x02, want[17] = 0x01;
	want[20] = 0x88, want[21] = 0x77, want[27] = 0x11;
	assert_int_equal(ipc_req_stop(buf, sizeof(buf), 0x1100000000007788ull), 28);
	assert_memory_equal(buf, want, 28);
}

/* ---- what the real tools and runtime exchanged ---------------------------------------------- */

/* The request the agent builds from dotnet-trace-style options. */
static struct bytes build_collect(const struct provider_opts *o, uint32_t mb, struct ipc_collect *c,
				  struct provider_set *ps)
{
	static unsigned char buf[IPC_MAX_MESSAGE];
	char err[256] = "";
	struct bytes b;
	int len;

	if (providers_build(ps, o, err, sizeof(err)) < 0)
		fail_msg("providers_build: %s", err);
	providers_collect(ps, mb, c);
	len = ipc_req_collect(buf, sizeof(buf), c);
	assert_true(len > 0);
	b.p = buf;
	b.n = (size_t)len;
	return b;
}

static void check_collect(const struct provider_opts *o, const char *fixture_name, uint8_t command)
{
	struct provider_set ps;
	struct ipc_collect c;
	struct bytes want = fixture(fixture_name), got = build_collect(o, 256, &c, &ps);

	assert_int_equal(c.command, command);
	assert_bytes(got.p, got.n, want);
	providers_release(&ps);
	free(want.p);
}

/* No option: dotnet-common + dotnet-sampled-thread-time, CollectTracing2 with rundown. */
static void test_collect_default(void **state)
{
	struct provider_opts o = { NULL, NULL, NULL, NULL, -1 };

	(void)state;
	check_collect(&o, "trace_default.collect.req", IPC_EP_COLLECT_TRACING2);
}

/* --profile gc-collect: its own rundown keyword (GC), so CollectTracing4. */
static void test_collect_gc_collect(void **state)
{
	struct provider_opts o = { NULL, "gc-collect", NULL, NULL, -1 };

	(void)state;
	check_collect(&o, "trace_gccollect.collect.req", IPC_EP_COLLECT_TRACING4);
}

/* --providers with keywords, level names, arguments; --clrevents ignored when the runtime is named. */
static void test_collect_providers(void **state)
{
	struct provider_opts o = {
		"Microsoft-Windows-DotNETRuntime:0x1:5,"
		"Microsoft-Diagnostics-DiagnosticSource:0x3:Verbose:FilterAndPayloadSpecs=\"a;b\";x=1,"
		"System.Runtime:::EventCounterIntervalSec=1",
		NULL, "gc+jit", NULL, -1
	};

	(void)state;
	check_collect(&o, "trace_providers.collect.req", IPC_EP_COLLECT_TRACING2);
}

/* --clrevents alone: the runtime provider only, at --clreventlevel. */
static void test_collect_clrevents(void **state)
{
	struct provider_opts o = { NULL, NULL, "gc+jit+exception", "verbose", -1 };

	(void)state;
	check_collect(&o, "trace_clrevents.collect.req", IPC_EP_COLLECT_TRACING2);
}

/* The session id of CollectTracing's OK; StopTracing carries it, and its reply echoes it. */
static void test_session_and_stop(void **state)
{
	struct bytes rep = fixture("trace_default.collect.rep"), stop = fixture("trace_default.stop.req"),
		     stop_rep = fixture("trace_default.stop.rep");
	struct ipc_reply r = reply_of(rep);
	unsigned char buf[64];
	uint64_t id, id2;

	(void)state;
	assert_true(r.ok);
	assert_int_equal(ipc_parse_session(&r, &id), 0);
	assert_true(id != 0);
	assert_int_equal(ipc_req_stop(buf, sizeof(buf), id), 28);
	assert_bytes(buf, 28, stop);
	r = reply_of(stop_rep);
	assert_int_equal(ipc_parse_session(&r, &id2), 0);
	assert_true(id == id2);
	free(rep.p);
	free(stop.p);
	free(stop_rep.p);
}

/* ResumeRuntime (what dotnet-trace sends after starting): empty request, an HRESULT back. */
static void test_resume(void **state)
{
	struct bytes req = fixture("trace_default.resume.req"), rep = fixture("trace_default.resume.rep");
	unsigned char buf[32];
	struct ipc_reply r;
	uint32_t hr = 1;
	char *msg;

	(void)state;
	assert_int_equal(ipc_req_empty(buf, sizeof(buf), IPC_SET_PROCESS, IPC_PROCESS_RESUME), 20);
	assert_bytes(buf, 20, req);
	r = reply_of(rep);
	assert_int_equal(ipc_parse_hresult(&r, &hr, &msg), 0);
	assert_int_equal(hr, 0);
	assert_null(msg);
	free(req.p);
	free(rep.p);
}

static void check_info(const char *name, uint8_t id, int has2, int has3)
{
	struct bytes rep = fixture(name);
	struct ipc_reply r = reply_of(rep);
	struct ipc_process_info pi;

	assert_int_equal(ipc_parse_process_info(&r, id, &pi), 0);
	assert_true(pi.pid > 1);
	assert_string_equal(pi.cmdline, "/usr/share/dotnet/dotnet /tmp/app/SampleApp.dll");
	assert_string_equal(pi.os, "Linux");
	assert_string_equal(pi.arch, "x64");
	if (has2) {
		assert_string_equal(pi.entrypoint, "SampleApp");
		assert_non_null(pi.runtime_version);
		assert_true(strncmp(pi.runtime_version, "10.", 3) == 0);
	} else {
		assert_null(pi.entrypoint);
	}
	if (has3) {
		assert_int_equal(pi.version, 1);
		assert_string_equal(pi.rid, "linux-x64");
	} else {
		assert_null(pi.rid);
	}
	ipc_process_info_release(&pi);
	free(rep.p);
}

static void test_process_info(void **state)
{
	struct bytes req = fixture("info3.req");
	unsigned char buf[32];

	(void)state;
	assert_int_equal(ipc_req_empty(buf, sizeof(buf), IPC_SET_PROCESS, IPC_PROCESS_INFO3), 20);
	assert_bytes(buf, 20, req);
	check_info("info3.rep", IPC_PROCESS_INFO3, 1, 1);
	check_info("info2.rep", IPC_PROCESS_INFO2, 1, 0);
	check_info("info.rep", IPC_PROCESS_INFO, 0, 0);
	free(req.p);
}

/* Every cut of a real ProcessInfo3 reply fails to parse, cleanly. */
static void test_process_info_cut(void **state)
{
	struct bytes rep = fixture("info3.rep");
	struct ipc_reply r = reply_of(rep);
	struct ipc_process_info pi;
	size_t full = r.payload_len;

	(void)state;
	for (r.payload_len = 0; r.payload_len < full; r.payload_len++) {
		assert_int_equal(ipc_parse_process_info(&r, IPC_PROCESS_INFO3, &pi), -1);
		assert_null(pi.cmdline);
	}
	free(rep.p);
}

/* GenerateCoreDump3 as dotnet-dump collect --type Mini sends it, and the runtime's answer. */
static void test_dump(void **state)
{
	struct bytes req = fixture("dump_mini.dump.req"), rep = fixture("dump_mini.dump.rep");
	unsigned char buf[256];
	struct ipc_reply r;
	uint32_t hr = 1;
	char *msg;
	int len;

	(void)state;
	len = ipc_req_dump(buf, sizeof(buf), IPC_DUMP_GENERATE3, "/tmp/core.dmp", 1, 0);
	assert_true(len > 0);
	assert_bytes(buf, (size_t)len, req);
	r = reply_of(rep);
	assert_true(r.ok);
	assert_int_equal(ipc_parse_hresult(&r, &hr, &msg), 0);
	assert_int_equal(hr, 0);
	assert_null(msg);
	assert_int_equal(ipc_req_dump(buf, sizeof(buf), IPC_DUMP_GENERATE3, "", 1, 0), -1);
	free(req.p);
	free(rep.p);
}

/* An unknown command: the error reply the fallbacks look for. */
static void test_unknown_command(void **state)
{
	struct bytes rep = fixture("unknown_command.rep");
	struct ipc_reply r = reply_of(rep);

	(void)state;
	assert_false(r.ok);
	assert_int_equal(r.hresult, IPC_E_UNKNOWN_COMMAND);
	assert_string_equal(ipc_hresult_name(r.hresult), "DS_IPC_E_UNKNOWN_COMMAND");
	assert_null(ipc_hresult_name(0x12345678));
	free(rep.p);
}

/* ---- the codec's own edges -------------------------------------------------------------------- */

/* UTF-8 -> UTF-16LE -> UTF-8, with a BMP character and a surrogate pair; bad UTF-8 refused. */
static void test_strings(void **state)
{
	const char *s = "/tmp/caf\xc3\xa9-\xf0\x9f\x98\x80";
	unsigned char buf[128];
	struct ipc_msg m;
	size_t off = IPC_HEADER_SIZE;
	char *out;

	(void)state;
	ipc_msg_begin(&m, buf, sizeof(buf), 1, 1);
	ipc_put_string(&m, s);
	assert_int_equal(ipc_msg_end(&m), IPC_HEADER_SIZE + 4 + 2 * 13);
	assert_int_equal(buf[20], 13); /* 10 units + a surrogate pair + NUL */
	assert_int_equal(buf[24 + 2 * 8], 0xe9);
	assert_int_equal(buf[24 + 2 * 10] | buf[25 + 2 * 10] << 8, 0xD83D);
	assert_int_equal(ipc_get_string(buf, (size_t)m.len, &off, &out), 0);
	assert_string_equal(out, s);
	assert_int_equal(off, m.len);
	free(out);

	ipc_msg_begin(&m, buf, sizeof(buf), 1, 1);
	ipc_put_string(&m, "\xc0\xaf"); /* an overlong '/' */
	assert_int_equal(ipc_msg_end(&m), -1);
	assert_int_equal(errno, EILSEQ);
	ipc_msg_begin(&m, buf, sizeof(buf), 1, 1);
	ipc_put_string(&m, "\xed\xa0\x80"); /* a surrogate in UTF-8 */
	assert_int_equal(ipc_msg_end(&m), -1);
}

/* Strings the runtime could send wrong: no NUL, a count past the end, a lone surrogate. */
static void test_bad_strings(void **state)
{
	unsigned char p[16] = { 2, 0, 0, 0, 'a', 0, 'b', 0 };
	unsigned char lone[10] = { 3, 0, 0, 0, 0x00, 0xD8, 'x', 0, 0, 0 };
	size_t off = 0;
	char *out;

	(void)state;
	assert_int_equal(ipc_get_string(p, 8, &off, &out), -1); /* last unit is not NUL */
	p[0] = 200;
	assert_int_equal(ipc_get_string(p, 8, &off, &out), -1);
	assert_int_equal(ipc_get_string(p, 3, &off, &out), -1);
	assert_int_equal(ipc_get_string(lone, sizeof(lone), &off, &out), 0);
	assert_string_equal(out, "\xef\xbf\xbdx");
	free(out);
	off = 0;
	p[0] = 0;
	assert_int_equal(ipc_get_string(p, 4, &off, &out), 0);
	assert_null(out);
	assert_int_equal(off, 4);
}

static void test_bad_replies(void **state)
{
	unsigned char m[24] = "DOTNET_IPC_V1";
	struct ipc_reply r;

	(void)state;
	m[14] = 24, m[16] = 0xFF, m[17] = 0x00;
	assert_int_equal(ipc_parse_reply(m, 23, &r), -1);  /* size disagrees */
	assert_int_equal(ipc_parse_reply(m, 24, &r), 0);
	m[16] = 0x02;                                       /* not a server reply */
	assert_int_equal(ipc_parse_reply(m, 24, &r), -1);
	m[16] = 0xFF, m[17] = 0xFF, m[14] = 22;             /* error without its HRESULT */
	assert_int_equal(ipc_parse_reply(m, 22, &r), -1);
	m[0] = 'X';
	assert_int_equal(ipc_parse_reply(m, 24, &r), -1);
	m[0] = 'D', m[14] = 10;                             /* size below the header's */
	assert_int_equal(ipc_parse_reply(m, 24, &r), -1);
}

/* A message never outgrows its buffer (nor the u16 size). */
static void test_overflow(void **state)
{
	static unsigned char big[IPC_MAX_MESSAGE + 100];
	static char name[40000];
	struct ipc_provider p = { 1, 4, name, NULL };
	struct ipc_collect c = { IPC_EP_COLLECT_TRACING2, 256, 0, 1, &p, 1 };
	unsigned char small[30];

	(void)state;
	memset(name, 'a', sizeof(name) - 1);
	assert_int_equal(ipc_req_collect(big, sizeof(big), &c), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(ipc_req_stop(small, 27, 1), -1);
	assert_int_equal(ipc_req_stop(small, sizeof(small), 1), 28);
}

/* ---- dotnet-trace's option rules --------------------------------------------------------------- */

static void test_provider_rules(void **state)
{
	struct provider_opts o = { "A:0x10:2,a:0x1:5,B::logalways,B:ff:4", "dotnet-common", NULL, NULL, -1 };
	struct provider_set ps;
	char err[256], buf[512];

	(void)state;
	assert_int_equal(providers_build(&ps, &o, err, sizeof(err)), 0);
	assert_int_equal(ps.n, 3);
	/* merged: keywords ORed, the higher level, LogAlways wins */
	assert_int_equal(ps.v[0].keywords, 0x11);
	assert_int_equal(ps.v[0].level, 5);
	assert_int_equal(ps.v[1].keywords, 0xff);
	assert_int_equal(ps.v[1].level, 0);
	assert_string_equal(ps.v[2].name, "Microsoft-Windows-DotNETRuntime");
	assert_int_equal(ps.rundown_keyword, IPC_DEFAULT_RUNDOWN_KEYWORD);
	assert_int_equal(providers_format(&ps, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "A:0x0000000000000011:5,B:0x00000000000000FF:0,"
				 "Microsoft-Windows-DotNETRuntime:0x000000100003801D:4");
	assert_int_equal(providers_format(&ps, buf, 20), -1);
	providers_release(&ps);

	o = (struct provider_opts){ NULL, "gc-collect", NULL, NULL, 1 };
	assert_int_equal(providers_build(&ps, &o, err, sizeof(err)), 0);
	/* the default rundown keyword has GC's bit already: --rundown true makes it plain default */
	assert_int_equal(ps.rundown_keyword, IPC_DEFAULT_RUNDOWN_KEYWORD);
	assert_int_equal(ps.retry, RETRY_NONE);
	providers_release(&ps);
	o.rundown = 0;
	assert_int_equal(providers_build(&ps, &o, err, sizeof(err)), 0);
	assert_int_equal(ps.rundown_keyword, 0);
	providers_release(&ps);
}

static void test_provider_errors(void **state)
{
	static const struct { const char *providers, *profiles, *clrevents, *level, *msg; } bad[] = {
		{ NULL, "nope", NULL, NULL, "invalid profile name: nope" },
		{ NULL, "cpu-sampling", NULL, NULL, "does not apply" },
		{ "X:zz", NULL, NULL, NULL, "bad keywords" },
		{ "X:1:loud", NULL, NULL, NULL, "unknown event level" },
		{ ":1", NULL, NULL, NULL, "not specified" },
		{ "X:1:4:a=1,X:1:4:b=2", NULL, NULL, NULL, "multiple times" },
		{ "X:1:4:novalue", NULL, NULL, NULL, "not key=value" },
		{ NULL, NULL, "gc+nope", NULL, "not a valid CLR event keyword" },
		{ NULL, NULL, "gc", "loud", "unknown event level" },
		{ " , ", NULL, NULL, NULL, "no providers" },
	};
	struct provider_set ps;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct provider_opts o = { bad[i].providers, bad[i].profiles, bad[i].clrevents,
					   bad[i].level, -1 };

		err[0] = '\0';
		assert_int_equal(providers_build(&ps, &o, err, sizeof(err)), -1);
		if (strstr(err, bad[i].msg) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, bad[i].msg);
		assert_null(ps.v);
	}
}

/* The fallbacks: CollectTracing4 -> 2 as the profile says, 2 -> the first one. */
static void test_fallback(void **state)
{
	struct provider_opts o = { NULL, "gc-collect", NULL, NULL, -1 };
	struct provider_set ps;
	struct ipc_collect c;
	char err[128];

	(void)state;
	assert_int_equal(providers_build(&ps, &o, err, sizeof(err)), 0);
	providers_collect(&ps, 64, &c);
	assert_int_equal(c.command, IPC_EP_COLLECT_TRACING4);
	assert_int_equal(providers_fallback(&ps, &c), 0);
	assert_int_equal(c.command, IPC_EP_COLLECT_TRACING2);
	assert_int_equal(c.rundown_keyword, 0); /* gc-collect drops the rundown */
	assert_int_equal(providers_fallback(&ps, &c), -1);
	providers_release(&ps);
	assert_int_equal(providers_stack(&ps), 0);
	providers_collect(&ps, 64, &c);
	assert_int_equal(c.command, IPC_EP_COLLECT_TRACING2);
	assert_int_equal(providers_fallback(&ps, &c), 0);
	assert_int_equal(c.command, IPC_EP_COLLECT_TRACING);
	assert_int_equal(providers_fallback(&ps, &c), -1);
	providers_release(&ps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doc_collect_example),
		cmocka_unit_test(test_doc_replies),
		cmocka_unit_test(test_doc_stop),
		cmocka_unit_test(test_collect_default),
		cmocka_unit_test(test_collect_gc_collect),
		cmocka_unit_test(test_collect_providers),
		cmocka_unit_test(test_collect_clrevents),
		cmocka_unit_test(test_session_and_stop),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_process_info),
		cmocka_unit_test(test_process_info_cut),
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_unknown_command),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_bad_strings),
		cmocka_unit_test(test_bad_replies),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_provider_rules),
		cmocka_unit_test(test_provider_errors),
		cmocka_unit_test(test_fallback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
