/* Word lists in INI values (bx_words_split / bx_words_join) and the
 * booleans INI files accept (bx_parse_bool).  The round trip matters: the
 * INI that `inspect --format ini` writes must replay the same argv. */
#include "core/spec.h"
#include "util/xalloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bxt.h"

/* Split s and compare with the NULL-terminated list of expected words. */
static void check_split(const char *s, const char *const *want)
{
	char **got = NULL;
	bx_err_t err = NULL;
	assert_int_equal(bx_words_split(s, &got, &err), 0);
	assert_null(err);
	assert_non_null(got);
	size_t n = 0;
	while (want[n])
		n++;
	if (strv_len(got) != n)
		print_error("split of [%s]: %zu words, expected %zu\n", s, strv_len(got), n);
	assert_int_equal(strv_len(got), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(got[i], want[i]);
	strv_free(got);
}

#define SPLIT(s, ...) check_split(s, (const char *const[]){__VA_ARGS__, NULL})

static void test_split_plain(void **state)
{
	(void)state;
	SPLIT("a", "a");
	SPLIT("sh -c ls", "sh", "-c", "ls");
	SPLIT("  a \t b\t\tc  ", "a", "b", "c");
	SPLIT("KEY=VALUE x=y", "KEY=VALUE", "x=y");
}

static void test_split_empty(void **state)
{
	char **got = NULL;
	bx_err_t err = NULL;
	(void)state;
	/* An empty list is an empty vector, not NULL: callers index it. */
	assert_int_equal(bx_words_split("", &got, &err), 0);
	assert_non_null(got);
	assert_null(got[0]);
	strv_free(got);
	assert_int_equal(bx_words_split(" \t ", &got, &err), 0);
	assert_non_null(got);
	assert_int_equal(strv_len(got), 0);
	strv_free(got);
	assert_null(err);
}

static void test_split_empty_words(void **state)
{
	(void)state;
	SPLIT("''", "");
	SPLIT("\"\"", "");
	SPLIT("a '' b", "a", "", "b");
	SPLIT("'' \"\"", "", "");
}

static void test_split_quotes(void **state)
{
	(void)state;
	SPLIT("'a b' \"c d\"", "a b", "c d");
	SPLIT("a'b c'd", "ab cd");
	SPLIT("'$HOME' \"`x`\"", "$HOME", "`x`");
	SPLIT("\"it's\"", "it's");
	SPLIT("'say \"hi\"'", "say \"hi\"");
	SPLIT("sh -c 'echo \"a b\"; exit 3'", "sh", "-c", "echo \"a b\"; exit 3");
	SPLIT("'#' ';'", "#", ";");
}

static void test_split_backslash(void **state)
{
	(void)state;
	SPLIT("a\\ b", "a b");
	SPLIT("\\'", "'");
	SPLIT("\\\"x", "\"x");
	SPLIT("\\\\", "\\");
	/* Inside double quotes only \" and \\ are escapes, as in sh. */
	SPLIT("\"a\\\"b\\\\c\"", "a\"b\\c");
	SPLIT("\"a\\nb\"", "a\\nb");
	/* Inside single quotes nothing is. */
	SPLIT("'a\\b'", "a\\b");
	SPLIT("'it'\\''s'", "it's");
	/* A trailing backslash escapes nothing and stays. */
	SPLIT("a\\", "a\\");
}

static void test_split_dollar_quote(void **state)
{
	(void)state;
	/* bash's $'...', which the INI writer uses for what iniparser
	 * cannot carry raw. */
	SPLIT("$'a\\x27b'", "a'b");
	SPLIT("$'\\n\\t\\\\'", "\n\t\\");
	SPLIT("$'x\\x3by\\x23z'", "x;y#z");
	SPLIT("K=$'a b' c", "K=a b", "c");
	SPLIT("$'\\''", "'");
	SPLIT("$", "$");
	SPLIT("a$b", "a$b");
}

static void check_unterminated(const char *s, const char *what)
{
	char **got = (char **)0x1;
	bx_err_t err = NULL;
	assert_int_equal(bx_words_split(s, &got, &err), -1);
	assert_non_null(err);
	assert_int_equal(err->exit_code, BX_EXIT_USAGE);
	assert_contains(err->msg, what);
	assert_contains(err->msg, s);
	/* *out is untouched on failure. */
	assert_ptr_equal(got, (char **)0x1);
	bx_error_release(&err);
}

static void test_split_unterminated(void **state)
{
	(void)state;
	check_unterminated("'abc", "unterminated '");
	check_unterminated("a 'b c", "unterminated '");
	check_unterminated("\"abc", "unterminated \"");
	check_unterminated("\"abc\\\"", "unterminated \"");
	check_unterminated("ok \"x' y", "unterminated \"");
	check_unterminated("$'abc", "unterminated $'");
	check_unterminated("$'ab\\'", "unterminated $'");
}

static void test_join_plain(void **state)
{
	(void)state;
	struct {
		const char *const *v;
		const char *want;
	} cases[] = {
		{(const char *const[]){NULL}, ""},
		{(const char *const[]){"a", NULL}, "a"},
		{(const char *const[]){"sh", "-c", "ls", NULL}, "sh -c ls"},
		{(const char *const[]){"K=V", "/usr/bin:x", "a,b+c@d%e", NULL}, "K=V /usr/bin:x a,b+c@d%e"},
	};
	/* Plain words are written as they are: the INI stays readable. */
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *s = bx_words_join((char *const *)cases[i].v);
		assert_string_equal(s, cases[i].want);
		free(s);
	}
	char *s = bx_words_join(NULL);
	assert_string_equal(s, "");
	free(s);
}

/* What iniparser needs from a joined list written bare as an INI value:
 * no ';' or '#' (a comment starts there), no leading quote (it strips the
 * quotes around a value), no newline, no trailing backslash (a line
 * continuation). */
static void check_ini_safe(const char *const *v)
{
	char *s = bx_words_join((char *const *)v);
	size_t n = strlen(s);
	if (strpbrk(s, ";#\n") || s[0] == '\'' || s[0] == '"' || (n && s[n - 1] == '\\')) {
		print_error("joined list is not safe as an INI value: [%s]\n", s);
		fail();
	}
	free(s);
}
#define INI_SAFE(...) check_ini_safe((const char *const[]){__VA_ARGS__, NULL})

static void test_join_ini_safe(void **state)
{
	(void)state;
	INI_SAFE("hello world");
	INI_SAFE("");
	INI_SAFE("it's");
	INI_SAFE("'quoted'");
	INI_SAFE("\"dq\"");
	INI_SAFE("a;b", "#c");
	INI_SAFE("sh", "-c", "echo \"a\"; exit 3 # c");
	INI_SAFE("both ' and \"", "x");
	INI_SAFE("new\nline");
	INI_SAFE("trail\\");
	INI_SAFE("x", "trail\\");
	INI_SAFE("B=two words");
}

static void round_trip(const char *const *v)
{
	char *joined = bx_words_join((char *const *)v);
	char **back = NULL;
	bx_err_t err = NULL;
	if (bx_words_split(joined, &back, &err) < 0) {
		print_error("split of joined [%s] failed: %s\n", joined, err->msg);
		fail();
	}
	size_t n = 0;
	while (v[n])
		n++;
	if (strv_len(back) != n)
		print_error("joined [%s] split into %zu words, expected %zu\n", joined, strv_len(back), n);
	assert_int_equal(strv_len(back), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(back[i], v[i]);
	strv_free(back);
	free(joined);
}

#define ROUND_TRIP(...) round_trip((const char *const[]){__VA_ARGS__, NULL})

static void test_round_trip(void **state)
{
	(void)state;
	ROUND_TRIP("a");
	ROUND_TRIP("");
	ROUND_TRIP("", "", "");
	ROUND_TRIP("sh", "-c", "echo \"a b\"; exit 3 # not a comment");
	ROUND_TRIP("it's", "'", "''", "\"", "\\", "\\\\'", "a\\");
	ROUND_TRIP("tab\there", "new\nline", "  lead", "trail  ");
	ROUND_TRIP("--flag", "-", "--", "=", "a=b c");
	ROUND_TRIP("$HOME", "`id`", "*", "?", "[x]", "~", "&", "|", ">", "<", "(", ")");
	ROUND_TRIP("\xc3\xa9t\xc3\xa9", "日本");
}

static void test_parse_bool(void **state)
{
	(void)state;
	const char *yes[] = {"1", "on", "true", "yes", "ON", "True", "YES"};
	const char *no[] = {"0", "off", "false", "no", "OFF", "False", "No"};
	const char *bad[] = {"", "2", "onn", "y", "n", "t", "enabled", " on", "on ", "-1"};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		bool v = false;
		assert_int_equal(bx_parse_bool(yes[i], &v), 0);
		assert_true(v);
	}
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		bool v = true;
		assert_int_equal(bx_parse_bool(no[i], &v), 0);
		assert_false(v);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		bool v = true;
		if (bx_parse_bool(bad[i], &v) != -1) {
			print_error("\"%s\" accepted as a boolean\n", bad[i]);
			fail();
		}
		/* A rejected value leaves the output alone. */
		assert_true(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_plain),
		cmocka_unit_test(test_split_empty),
		cmocka_unit_test(test_split_empty_words),
		cmocka_unit_test(test_split_quotes),
		cmocka_unit_test(test_split_backslash),
		cmocka_unit_test(test_split_dollar_quote),
		cmocka_unit_test(test_split_unterminated),
		cmocka_unit_test(test_join_plain),
		cmocka_unit_test(test_join_ini_safe),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_parse_bool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
