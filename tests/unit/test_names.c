/* Container names: the rule users must follow ([a-z0-9][a-z0-9_.-]{0,62})
 * and the names boxlab generates when they give none. */
#include "core/spec.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bxt.h"

static void check_valid(const char *name)
{
	bx_err_t err = NULL;
	if (bx_name_check(name, &err) != 0) {
		print_error("\"%s\" rejected: %s\n", name, err ? err->msg : "(no error)");
		fail();
	}
	assert_null(err);
}

/* Rejected with a usage error whose message contains `part`. */
static void check_invalid(const char *name, const char *part)
{
	bx_err_t err = NULL;
	if (bx_name_check(name, &err) != -1) {
		print_error("\"%s\" accepted\n", name);
		fail();
	}
	assert_non_null(err);
	assert_int_equal(err->exit_code, BX_EXIT_USAGE);
	assert_int_equal(err->errnum, 0);
	assert_contains(err->msg, "invalid name");
	assert_contains(err->msg, part);
	bx_error_release(&err);
}

static void test_valid(void **state)
{
	(void)state;
	check_valid("a");
	check_valid("0");
	check_valid("web");
	check_valid("a-b_c.d");
	check_valid("9lives");
	check_valid("a-");
	check_valid("a..b");
	check_valid("ut12345");
}

static void test_length(void **state)
{
	char name[80];
	(void)state;
	memset(name, 'a', sizeof name);
	name[63] = '\0';
	check_valid(name);
	name[63] = 'a';
	name[64] = '\0';
	check_invalid(name, "must be 1 to 63 characters");
	check_invalid("", "must be 1 to 63 characters");
}

static void test_bad_characters(void **state)
{
	(void)state;
	check_invalid(".a", "character '.' at 1");
	check_invalid("_a", "character '_' at 1");
	check_invalid("-a", "character '-' at 1");
	check_invalid("A", "character 'A' at 1");
	check_invalid("aB", "character 'B' at 2");
	check_invalid("a b", "character ' ' at 2");
	check_invalid("a/b", "character '/' at 2");
	check_invalid("..", "character '.' at 1");
	check_invalid("abc:", "character ':' at 4");
	/* The message says what is allowed. */
	check_invalid("Web", "allowed: [a-z0-9][a-z0-9_.-]{0,62}");
}

static void test_generate_valid(void **state)
{
	(void)state;
	unsigned seeds[] = {0, 1, 255, 256, 257, 65535, 65536, 255999, 256000, 1u << 31, UINT_MAX};
	for (unsigned s = 0; s < 5000; s++) {
		char *n = bx_name_generate(s * 2654435761u);
		check_valid(n);
		free(n);
	}
	for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
		char *n = bx_name_generate(seeds[i]);
		check_valid(n);
		assert_true(strlen(n) <= BX_NAME_MAX);
		free(n);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_generate_distinct(void **state)
{
	(void)state;
	/* 16 adjectives x 16 pioneers, then a numeric suffix: the first
	 * 256000 seeds all give different names. */
	enum { N = 4000 };
	char **names = calloc(N, sizeof *names);
	for (unsigned s = 0; s < N; s++)
		names[s] = bx_name_generate(s);
	qsort(names, N, sizeof *names, cmp_str);
	for (unsigned s = 1; s < N; s++)
		if (!strcmp(names[s - 1], names[s])) {
			print_error("two seeds gave \"%s\"\n", names[s]);
			fail();
		}
	for (unsigned s = 0; s < N; s++)
		free(names[s]);
	free(names);

	/* The pattern itself: adjective_pioneer, then a suffix once the
	 * 256 plain combinations are used up. */
	char *a = bx_name_generate(0), *b = bx_name_generate(256);
	assert_non_null(strchr(a, '_'));
	char *a1 = NULL;
	assert_true(asprintf(&a1, "%s1", a) > 0);
	assert_string_equal(b, a1);
	free(a1);
	/* The same seed gives the same name. */
	char *c = bx_name_generate(256);
	assert_string_equal(b, c);
	free(a);
	free(b);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_bad_characters),
		cmocka_unit_test(test_generate_valid),
		cmocka_unit_test(test_generate_distinct),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
