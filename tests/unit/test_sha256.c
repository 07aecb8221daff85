/* SHA-256: the FIPS 180-4 / NIST CAVP vectors, every way of feeding the
 * same bytes (one call, byte by byte, odd chunks), the SHA-NI path
 * against the portable one, and the digest syntax OCI files use. */
#include "util/sha256.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void hex_of(const char *s, size_t len, char out[BX_SHA256_HEX])
{
	bx_sha256_hex(s, len, out);
}

static void check_vectors(void)
{
	char h[BX_SHA256_HEX];
	hex_of("", 0, h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hex_of("abc", 3, h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	hex_of(two, strlen(two), h);
	assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	const char *four = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqr"
			   "lmnopqrsmnopqrstnopqrstu";
	hex_of(four, strlen(four), h);
	assert_string_equal(h, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");

	/* One million 'a', fed in uneven pieces across block borders. */
	struct bx_sha256 c;
	char chunk[1100];
	memset(chunk, 'a', sizeof chunk);
	bx_sha256_init(&c);
	size_t left = 1000000, step = 1;
	while (left) {
		size_t n = step < left ? step : left;
		bx_sha256_update(&c, chunk, n);
		left -= n;
		step = step % 997 + 61;
	}
	bx_sha256_final_hex(&c, h);
	assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_vectors_portable(void **state)
{
	(void)state;
	bool was = bx_sha256_set_accelerated(false);
	assert_false(bx_sha256_accelerated());
	check_vectors();
	bx_sha256_set_accelerated(was);
}

static void test_vectors_accelerated(void **state)
{
	(void)state;
	bool was = bx_sha256_set_accelerated(true);
	if (!bx_sha256_accelerated()) {
		bx_sha256_set_accelerated(was);
		skip(); /* this CPU has no SHA extensions: the portable test covers it */
	}
	check_vectors();
	bx_sha256_set_accelerated(was);
}

static void test_paths_agree(void **state)
{
	(void)state;
	bool was = bx_sha256_accelerated();
	uint8_t *buf = malloc(5000);
	uint32_t x = 12345;
	for (size_t i = 0; i < 5000; i++) {
		x = x * 1103515245 + 12345;
		buf[i] = (uint8_t)(x >> 16);
	}
	/* Every length around the padding borders (55, 56, 63, 64, ...). */
	for (size_t len = 0; len < 5000; len += len < 300 ? 1 : 97) {
		char a[BX_SHA256_HEX], b[BX_SHA256_HEX];
		bx_sha256_set_accelerated(false);
		bx_sha256_hex(buf, len, a);
		bx_sha256_set_accelerated(true);
		bx_sha256_hex(buf, len, b);
		assert_string_equal(a, b);
	}
	free(buf);
	bx_sha256_set_accelerated(was);
}

static void test_digest_syntax(void **state)
{
	(void)state;
	const char *hex = NULL;
	const char *good = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	assert_true(bx_sha256_digest_parse(good, &hex));
	assert_string_equal(hex, good + 7);
	assert_false(bx_sha256_digest_parse("sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", &hex));
	assert_false(bx_sha256_digest_parse("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", &hex));
	assert_false(bx_sha256_digest_parse("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85", &hex));
	assert_false(bx_sha256_digest_parse("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555", &hex));
	assert_false(bx_sha256_digest_parse("sha256:../../../../etc/passwd", &hex));
	assert_false(bx_sha256_digest_parse("", &hex));
	assert_false(bx_sha256_digest_parse(NULL, &hex));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_portable),
		cmocka_unit_test(test_vectors_accelerated),
		cmocka_unit_test(test_paths_agree),
		cmocka_unit_test(test_digest_syntax),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
