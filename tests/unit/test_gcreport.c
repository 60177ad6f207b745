/*
 * test_gcreport.c - rows of `dotnet-gcdump report` (taken from a real report of the sample app after
 * /memory-leak), the framework/app split, and the app's types ordered by count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gcreport.h"

static const char report[] =
	"     53,551,246  GC Heap bytes\n"
	"         15,244  GC Heap objects\n"
	"\n"
	"   Object Bytes     Count  Type\n"
	"         57,588         1  System.String (Bytes > 10K)  [System.Private.CoreLib.dll]\n"
	"         16,592       801  System.Byte[] (Bytes > 10K)  [System.Private.CoreLib.dll]\n"
	"             32         1  System.Collections.Generic.List<SampleApp.LeakedBlob>  "
	"[System.Private.CoreLib.dll]\n"
	"             40         3  SampleApp.Startup+<>c  [SampleApp.dll]\n"
	"             24        50  SampleApp.LeakedBlob  [SampleApp.dll]\n"
	"             24         2  SampleApp.LeakedBlob[]  [SampleApp.dll]\n"
	"             24         9  Lib.Thing  [Lib.dll]\n"
	"             24         9  Microsoft.Extensions.X  [Microsoft.Extensions.DependencyInjection.dll]\n"
	"             16         7  NoAssembly\n";

static void test_rows(void **state)
{
	struct gcreport_row r;
	const char *line = "         16,592       801  System.Byte[] (Bytes > 10K)  "
			   "[System.Private.CoreLib.dll]";

	(void)state;
	assert_int_equal(gcreport_parse_row(line, strlen(line), &r), 0);
	assert_int_equal(r.bytes, 16592);
	assert_int_equal(r.count, 801);
	assert_int_equal(r.type_len, strlen("System.Byte[] (Bytes > 10K)"));
	assert_memory_equal(r.type, "System.Byte[] (Bytes > 10K)", r.type_len);
	assert_int_equal(r.assembly_len, strlen("System.Private.CoreLib.dll"));
	assert_int_equal(gcreport_is_framework(&r), 1);
	assert_int_equal(gcreport_parse_row("   Object Bytes     Count  Type", 31, &r), -1);
	assert_int_equal(gcreport_parse_row("     53,551,246  GC Heap bytes", 30, &r), -1);
	assert_int_equal(gcreport_parse_row("", 0, &r), -1);
	assert_int_equal(gcreport_parse_row(",12 3 T", 7, &r), -1);
	assert_int_equal(gcreport_parse_row("12 3 ", 5, &r), -1);
	assert_int_equal(gcreport_parse_row("12 3 T [X.dll]\r", 15, &r), 0);
	assert_int_equal(gcreport_is_framework(&r), 0);
	assert_int_equal(gcreport_parse_row("12 3 NoAsm", 10, &r), 0);
	assert_null(r.assembly);
	assert_int_equal(gcreport_is_framework(&r), 1);
}

static void test_app_types(void **state)
{
	struct gcreport_row rows[3];
	size_t n;

	(void)state;
	n = gcreport_app_types(report, rows, 3);
	assert_int_equal(n, 3);
	assert_int_equal(rows[0].type_len, 20);
	assert_memory_equal(rows[0].type, "SampleApp.LeakedBlob", 20);
	assert_int_equal(rows[0].count, 50);
	assert_memory_equal(rows[1].type, "Lib.Thing", 9);
	assert_int_equal(rows[2].count, 3);
	n = gcreport_app_types(report, rows, 1);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].count, 50);
	assert_int_equal(gcreport_app_types("", rows, 3), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_app_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
