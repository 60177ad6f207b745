/*
 * test_base64.c - base64 encoding and streaming decoding, checked against the system's base64 tool.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base64.h"
#include "proc.h"

static void test_base64(void **state)
{
	static const char enc[] = "aGVsbG8gd29y\nbGQh\r\n";  /* "hello world!" */
	unsigned char out[64];
	struct b64dec b;
	long n = 0, r;
	size_t i;

	(void)state;
	/* byte by byte: the state carries incomplete quanta */
	b64dec_init(&b);
	for (i = 0; i < strlen(enc); i++) {
		r = b64dec_update(&b, (const unsigned char *)enc + i, 1, out + n);
		assert_true(r >= 0);
		n += r;
	}
	assert_int_equal(n, 12);
	assert_memory_equal(out, "hello world!", 12);

	/* padding, all 256 byte values against the real base64 tool */
	b64dec_init(&b);
	n = b64dec_update(&b, (const unsigned char *)"YQ==\nYWI=\n", 10, out);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "aab", 3);

	b64dec_init(&b);
	assert_int_equal(b64dec_update(&b, (const unsigned char *)"YW*=", 4, out), -1);

	{
		unsigned char all[256], dec[400];
		const char *argv[] = { "base64", NULL };
		struct proc p;

		for (i = 0; i < 256; i++)
			all[i] = (unsigned char)i;
		proc_init(&p, argv);
		p.in = PROC_IO_BUFFER;
		p.in_data = (const char *)all;
		p.in_len = sizeof(all);
		assert_int_equal(proc_run(&p), 0);
		b64dec_init(&b);
		n = b64dec_update(&b, (const unsigned char *)p.out_buf, p.out_len, dec);
		assert_int_equal(n, 256);
		assert_memory_equal(dec, all, 256);
		proc_release(&p);
	}
}

/* The encoder gives the system base64's text, also chunk by chunk in multiples of 3 bytes. */
static void test_encode(void **state)
{
	unsigned char all[1000];
	char enc[BASE64_ENCODED_LEN(1000) + 1];
	const char *argv[] = { "base64", "-w", "0", NULL };
	struct proc p;
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)(i * 7 + 3);
	proc_init(&p, argv);
	p.in = PROC_IO_BUFFER;
	p.in_data = (const char *)all;
	p.in_len = sizeof(all);
	assert_int_equal(proc_run(&p), 0);
	for (i = 0; i < sizeof(all); i += 48)
		n += base64_encode(all + i, sizeof(all) - i < 48 ? sizeof(all) - i : 48, enc + n);
	assert_int_equal(n, BASE64_ENCODED_LEN(sizeof(all)));
	assert_int_equal(p.out_len, n);
	assert_memory_equal(p.out_buf, enc, n);
	proc_release(&p);
	assert_int_equal(base64_encode((const unsigned char *)"a", 1, enc), 4);
	assert_memory_equal(enc, "YQ==", 4);
	assert_int_equal(base64_encode((const unsigned char *)"ab", 2, enc), 4);
	assert_memory_equal(enc, "YWI=", 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_encode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
