/*
 * test_digest.c - SHA-256, SHA-512, MD5 and cksum against published vectors, and against the real
 * sha256sum / sha512sum / md5sum / cksum on random files of sizes around every block boundary, fed
 * whole and in random chunks; the portable SHA-256 (DOTNETPROF_NO_SHANI=1) against the SHA-NI one.
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
#include <unistd.h>

#include <cmocka.h>

#include "digest.h"
#include "proc.h"

static void hash_str(enum digest_kind k, const char *s, char *out)
{
	struct digest d;

	digest_init(&d, k);
	digest_update(&d, s, strlen(s));
	assert_int_equal(digest_final(&d, out, DIGEST_HEX_MAX), 0);
}

static void test_vectors(void **state)
{
	char out[DIGEST_HEX_MAX];
	char million[1000001];

	(void)state;
	hash_str(DIGEST_SHA256, "", out);
	assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hash_str(DIGEST_SHA256, "abc", out);
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hash_str(DIGEST_SHA256, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", out);
	assert_string_equal(out, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	memset(million, 'a', 1000000);
	million[1000000] = '\0';
	hash_str(DIGEST_SHA256, million, out);
	assert_string_equal(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	hash_str(DIGEST_SHA512, "abc", out);
	assert_string_equal(out, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
				 "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
	hash_str(DIGEST_SHA512, "", out);
	assert_string_equal(out, "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
				 "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
	hash_str(DIGEST_MD5, "", out);
	assert_string_equal(out, "d41d8cd98f00b204e9800998ecf8427e");
	hash_str(DIGEST_MD5, "abc", out);
	assert_string_equal(out, "900150983cd24fb0d6963f7d28e17f72");
	hash_str(DIGEST_MD5, "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
		 out);
	assert_string_equal(out, "57edf4a22be3c955ac49da2e2107b67a");
	hash_str(DIGEST_CKSUM, "", out);
	assert_string_equal(out, "4294967295 0");
	hash_str(DIGEST_CKSUM, "abc", out);
	assert_string_equal(out, "1219131554 3");
	hash_str(DIGEST_NONE, "abc", out);
	assert_string_equal(out, "");
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(digest_command(DIGEST_SHA256), "sha256sum");
	assert_string_equal(digest_command(DIGEST_CKSUM), "cksum");
	assert_null(digest_command(DIGEST_NONE));
	assert_string_equal(digest_name(DIGEST_MD5), "md5");
	assert_string_equal(digest_name(DIGEST_NONE), "size only");
}

static void test_small_buffer(void **state)
{
	struct digest d;
	char out[10];

	(void)state;
	digest_init(&d, DIGEST_SHA256);
	assert_int_equal(digest_final(&d, out, sizeof(out)), -1);
	assert_int_equal(errno, ENAMETOOLONG);
}

/* The real tool's answer for `path`: first field (and the second for cksum). */
static void tool_hash(const char *tool, const char *path, char *out, size_t outsize)
{
	const char *argv[] = { tool, path, NULL };
	struct proc p;
	size_t n;

	proc_init(&p, argv);
	assert_int_equal(proc_run(&p), 0);
	assert_int_equal(p.status, 0);
	if (!strcmp(tool, "cksum")) {
		char *sp = strchr(p.out_buf, ' ');

		assert_non_null(sp);
		sp = strchr(sp + 1, ' ');
		n = sp ? (size_t)(sp - p.out_buf) : strcspn(p.out_buf, "\n");
	} else {
		n = strcspn(p.out_buf, " ");
	}
	assert_true(n < outsize);
	memcpy(out, p.out_buf, n);
	out[n] = '\0';
	proc_release(&p);
}

static void chunked(enum digest_kind k, const unsigned char *data, size_t len, char *out)
{
	struct digest d;
	size_t off = 0;

	digest_init(&d, k);
	while (off < len) {
		size_t n = (size_t)(rand() % 300);

		if (rand() % 16 == 0)
			n = (size_t)(rand() % 70000);
		if (n > len - off)
			n = len - off;
		digest_update(&d, data + off, n);
		off += n;
	}
	assert_int_equal(digest_final(&d, out, DIGEST_HEX_MAX), 0);
}

static void test_against_tools(void **state)
{
	static const size_t sizes[] = { 0, 1, 3, 55, 56, 57, 63, 64, 65, 111, 112, 113, 127, 128, 129,
					1000, 4096, 65535, 65536, 65537, 1048589 };
	static const struct { enum digest_kind k; const char *tool; } kinds[] = {
		{ DIGEST_SHA256, "sha256sum" }, { DIGEST_SHA512, "sha512sum" },
		{ DIGEST_MD5, "md5sum" }, { DIGEST_CKSUM, "cksum" },
	};
	char path[] = "/tmp/test_digest.XXXXXX";
	char want[DIGEST_HEX_MAX], got[DIGEST_HEX_MAX];
	unsigned char *data;
	size_t i, j, b;
	int fd;

	(void)state;
	srand(42);
	data = malloc(1048589);
	assert_non_null(data);
	for (b = 0; b < 1048589; b++)
		data[b] = (unsigned char)rand();
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fd = mkstemp(path);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, data, sizes[i]), (ssize_t)sizes[i]);
		close(fd);
		for (j = 0; j < sizeof(kinds) / sizeof(kinds[0]); j++) {
			tool_hash(kinds[j].tool, path, want, sizeof(want));
			assert_int_equal(digest_file(kinds[j].k, path, got, sizeof(got)), 0);
			assert_string_equal(got, want);
			chunked(kinds[j].k, data, sizes[i], got);
			assert_string_equal(got, want);
			if (kinds[j].k == DIGEST_SHA256) {
				setenv("DOTNETPROF_NO_SHANI", "1", 1);
				chunked(kinds[j].k, data, sizes[i], got);
				unsetenv("DOTNETPROF_NO_SHANI");
				assert_string_equal(got, want);
			}
		}
		unlink(path);
		memcpy(path + strlen(path) - 6, "XXXXXX", 6);
	}
	free(data);
}

static void test_file_missing(void **state)
{
	char out[DIGEST_HEX_MAX];

	(void)state;
	assert_int_equal(digest_file(DIGEST_SHA256, "/nonexistent/x", out, sizeof(out)), -1);
	assert_int_equal(errno, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_small_buffer),
		cmocka_unit_test(test_against_tools),
		cmocka_unit_test(test_file_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
