/* The pure parts of `boxlab attack`: verdict names, the matrix table
 * (parse, format, blocked_by) and the catalogue's agreement with
 * attacks/README.md, whose table the integration test holds the
 * measurements to. */
#include "attack/attack.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const char sample[] = "intro text\n"
			     "<!-- matrix -->\n"
			     "| attack | default | none | pid | user | blocked_by |\n"
			     "|---|---|---|---|---|---|\n"
			     "| kill-host | - | ESCAPED | - | - | |\n"
			     "| loopback | BLOCKED | ESCAPED | ESCAPED | - | pid |\n"
			     "| sysrq | n/a | n/a | n/a | n/a | |\n"
			     "<!-- /matrix -->\n"
			     "after\n";

static void test_verdicts(void **state)
{
	(void)state;
	enum bx_verdict v;
	assert_int_equal(bx_verdict_parse("-", &v), 0);
	assert_int_equal(v, BX_BLOCKED);
	assert_int_equal(bx_verdict_parse("escaped", &v), 0);
	assert_int_equal(v, BX_ESCAPED);
	assert_int_equal(bx_verdict_parse("N/A", &v), 0);
	assert_int_equal(v, BX_NA);
	assert_int_equal(bx_verdict_parse("maybe", &v), -1);
	assert_string_equal(bx_verdict_name(BX_BLOCKED), "BLOCKED");
	assert_string_equal(bx_verdict_name(BX_ESCAPED), "ESCAPED");
	assert_string_equal(bx_verdict_name(BX_NA), "N/A");
}

static void test_parse(void **state)
{
	(void)state;
	struct bx_matrix m;
	bx_err_t err = NULL;
	assert_int_equal(bx_matrix_parse(sample, &m, &err), 0);
	assert_int_equal(strv_len(m.cols), 4);
	assert_string_equal(m.cols[0], "default");
	assert_string_equal(m.cols[3], "user");
	assert_int_equal(strv_len(m.rows), 3);
	assert_string_equal(m.rows[1], "loopback");
	assert_int_equal(m.cells[1 * 4 + 2], BX_ESCAPED);
	assert_int_equal(m.cells[1 * 4 + 3], BX_BLOCKED);
	assert_int_equal(m.cells[2 * 4 + 0], BX_NA);
	assert_string_equal(m.blocked_by[0], "");
	assert_string_equal(m.blocked_by[1], "pid");
	bx_matrix_free(&m);
}

/* blocked_by is computed from the cells, never copied. */
static void test_blocked_by(void **state)
{
	(void)state;
	struct bx_matrix m;
	bx_err_t err = NULL;
	assert_int_equal(bx_matrix_parse(sample, &m, &err), 0);
	for (size_t r = 0; r < 3; r++) {
		char *b = bx_matrix_blocked_by(&m, r);
		assert_string_equal(b, m.blocked_by[r]);
		free(b);
	}
	m.cells[0 * 4 + 3] = BX_ESCAPED; /* kill-host through with user off */
	char *b = bx_matrix_blocked_by(&m, 0);
	assert_string_equal(b, "user");
	free(b);
	m.cells[0 * 4 + 0] = BX_ESCAPED; /* escaping by default: nothing blocks it */
	b = bx_matrix_blocked_by(&m, 0);
	assert_string_equal(b, "");
	free(b);
	bx_matrix_free(&m);
}

/* What format writes, parse reads back to the same table. */
static void test_roundtrip(void **state)
{
	(void)state;
	struct bx_matrix m, m2;
	bx_err_t err = NULL;
	assert_int_equal(bx_matrix_parse(sample, &m, &err), 0);
	char *t = bx_matrix_format(&m);
	assert_non_null(strstr(t, "| attack    | default | none    |"));
	assert_non_null(strstr(t, "| loopback  | -       | ESCAPED | ESCAPED | -       | pid        |"));
	char *doc = xasprintf("<!-- matrix -->\n%s<!-- /matrix -->\n", t);
	assert_int_equal(bx_matrix_parse(doc, &m2, &err), 0);
	char *t2 = bx_matrix_format(&m2);
	assert_string_equal(t, t2);
	free(t);
	free(t2);
	free(doc);
	bx_matrix_free(&m);
	bx_matrix_free(&m2);
}

static void expect_error(const char *doc, const char *msg)
{
	struct bx_matrix m;
	bx_err_t err = NULL;
	assert_int_equal(bx_matrix_parse(doc, &m, &err), -1);
	assert_non_null(err);
	if (!strstr(err->msg, msg))
		print_error("\"%s\" does not contain \"%s\"\n", err->msg, msg);
	assert_non_null(strstr(err->msg, msg));
	bx_error_release(&err);
	assert_null(m.rows);
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_error("no table here", "no matrix");
	expect_error("<!-- matrix -->\n| name | default | blocked_by |\n<!-- /matrix -->", "header");
	expect_error("<!-- matrix -->\n| attack | default | none | blocked_by |\n|-|-|-|-|\n"
		     "| a | - | maybe | |\n<!-- /matrix -->",
		     "\"maybe\" is not a verdict");
	expect_error("<!-- matrix -->\n| attack | default | none | blocked_by |\n|-|-|-|-|\n"
		     "| a | - | |\n<!-- /matrix -->",
		     "has 3 cells");
	expect_error("<!-- matrix -->\n| attack | default | none | blocked_by |\n|-|-|-|-|\n<!-- /matrix -->",
		     "no rows");
}

/* Every attack is complete, and attacks/README.md lists exactly the
 * catalogue, with the same blocked_by. */
static void test_catalogue_matches_readme(void **state)
{
	(void)state;
	bx_err_t err = NULL;
	char *doc = bx_read_file("attacks/README.md", NULL, &err);
	if (!doc)
		print_error("run from the source tree: %s\n", err->msg);
	assert_non_null(doc);
	struct bx_matrix m;
	assert_int_equal(bx_matrix_parse(doc, &m, &err), 0);
	size_t n = 0;
	for (; bx_attacks[n]; n++) {
		const struct bx_attack *a = bx_attacks[n];
		assert_non_null(a->summary);
		assert_non_null(a->mirrors);
		assert_non_null(a->canary);
		assert_non_null(a->blocked_by);
		assert_non_null(a->judge);
		assert_ptr_equal(bx_attack_find(a->name), a);
		assert_true(n < strv_len(m.rows));
		assert_string_equal(m.rows[n], a->name);
		assert_string_equal(m.blocked_by[n], a->blocked_by);
		char *b = bx_matrix_blocked_by(&m, n);
		assert_string_equal(b, a->blocked_by);
		free(b);
		char *sec = xasprintf("\n### %s\n", a->name);
		if (!strstr(doc, sec))
			print_error("attacks/README.md has no section for %s\n", a->name);
		assert_non_null(strstr(doc, sec));
		free(sec);
	}
	assert_int_equal(strv_len(m.rows), n);
	assert_null(bx_attack_find("no-such-attack"));
	char *names = bx_attack_names();
	assert_non_null(strstr(names, "chroot-escape, kill-host"));
	free(names);
	bx_matrix_free(&m);
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),     cmocka_unit_test(test_parse),
		cmocka_unit_test(test_blocked_by),   cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_parse_errors), cmocka_unit_test(test_catalogue_matches_readme),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
