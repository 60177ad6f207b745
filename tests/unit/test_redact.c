/*
 * test_redact.c - the user's secrets never printed: registered values, URL userinfo, and the log
 * module applying both (and the sanitizer) to every line it prints, -v command lines included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "log.h"
#include "redact.h"

static int teardown(void **state)
{
	(void)state;
	redact_clear();
	log_set_stream(NULL);
	log_set_level(LOG_NORMAL);
	return 0;
}

static void expect_red(const char *in, const char *want)
{
	char *r = redact_apply(in, NULL);

	if (!want) {
		assert_null(r);
		return;
	}
	assert_non_null(r);
	assert_string_equal(r, want);
	free(r);
}

static void test_urls(void **state)
{
	(void)state;
	expect_red("https://example.com/x", NULL);
	expect_red("https://alice:s3cret@api.example:6443/x", "https://alice:***@api.example:6443/x");
	expect_red("Get \"https://bob:pw@h/api?timeout=32s\": refused",
		   "Get \"https://bob:***@h/api?timeout=32s\": refused");
	expect_red("https://tok3n@h/", "https://***@h/");
	expect_red("a http://u:p@h b https://v:q@i", "a http://u:***@h b https://v:***@i");
	expect_red("mailto:u@h and user@host", NULL);
}

static void test_secrets(void **state)
{
	char *p;

	(void)state;
	assert_int_equal(redact_add("abc"), 0); /* too short: not registered */
	expect_red("abc abc", NULL);
	assert_int_equal(redact_add("eyJhbGciOi.token"), 0);
	assert_int_equal(redact_add("eyJhbGciOi.token"), 0);
	expect_red("--token=eyJhbGciOi.token and eyJhbGciOi.tokenX", "--token=*** and ***X");
	p = redact_url_password("https://u:hunter22@h:6443");
	assert_non_null(p);
	assert_string_equal(p, "hunter22");
	free(p);
	assert_null(redact_url_password("https://h:6443"));
	p = redact_url_password("https://onlytoken@h");
	assert_string_equal(p, "onlytoken");
	free(p);
}

/* Everything log.h prints is redacted and sanitized, one message per line. */
static void test_log_lines(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	log_set_stream(f);
	log_set_level(LOG_DEBUG);
	redact_add("hunter22");
	log_error("cannot connect: Get \"https://u:hunter22@h/api\": \033[2Jrefused\nhint: forged");
	log_cmd("kubectl --password=hunter22 -s https://u:pw@h get pods");
	log_debug_data("stderr", "line one \033]0;t\007\nhunter22 line two\n", 34, 1024);
	fclose(f);
	assert_null(strstr(buf, "hunter22"));
	assert_null(strstr(buf, ":pw@"));
	assert_null(strchr(buf, '\033'));
	assert_null(strchr(buf, '\007'));
	assert_null(strstr(buf, "\nhint: forged"));
	assert_non_null(strstr(buf, "\\x1b[2Jrefused\\nhint: forged\n"));
	assert_non_null(strstr(buf, "+ kubectl --password=*** -s https://u:***@h get pods\n"));
	assert_non_null(strstr(buf, "  | *** line two\n"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_urls, teardown),
		cmocka_unit_test_teardown(test_secrets, teardown),
		cmocka_unit_test_teardown(test_log_lines, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
