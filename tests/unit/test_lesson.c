/* Lessons without containers: finding a lesson by its number, reading
 * the title and steps from a README, one step's text, check.sh's result
 * lines, and progress.json written and read back per user. */
#include "cli/lesson.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static char root[] = "/tmp/test_lesson.XXXXXX";

static void put(const char *rel, const char *text)
{
	bx_err_t err = NULL;
	cleanup_free char *p = xasprintf("%s/%s", root, rel);
	cleanup_free char *d = xstrdup(p);
	*strrchr(d, '/') = '\0';
	assert_int_equal(bx_mkdir_p(d, 0755, &err), 0);
	assert_int_equal(bx_write_file(p, text, strlen(text), &err), 0);
}

static int setup(void **state)
{
	(void)state;
	bx_err_t err = NULL;
	assert_non_null(mkdtemp(root));
	put("lessons/00-tour/README.md", "# Lesson 00: A tour\n\n## Goals\n### 1. not a step\n\n## Steps\n\n"
					    "### 1. First thing\ntext one\n\n    cmd one\n\n"
					    "### 2. Second thing\ntext two\n### 4. a gap: not a step\n"
					    "## Questions\n1. why?\n");
	put("lessons/03-uts-ipc/README.md", "# Lesson 03: UTS\n## Steps\n### 1. Only\nx\n");
	put("lessons/README.md", "not a lesson\n");
	put("lessons/xx-bad/README.md", "# not a lesson either\n");
	cleanup_free char *l = xasprintf("%s/lessons", root);
	cleanup_free char *st = xasprintf("%s/state", root);
	setenv("BOXLAB_LESSONS", l, 1);
	setenv("BOXLAB_LESSON_STATE", st, 1);
	setenv("SUDO_USER", "Ada.Love-lace", 1);
	(void)err;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bx_err_t err = NULL;
	bx_rm_rf(root, &err);
	return 0;
}

static void test_list_and_readme(void **state)
{
	(void)state;
	struct bx_lesson *v = NULL;
	size_t n = 0;
	bx_err_t err = NULL;
	assert_int_equal(bx_lesson_list(&v, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].id, "00");
	assert_string_equal(v[0].slug, "00-tour");
	assert_string_equal(v[0].title, "A tour");
	/* Only ### headings under ## Steps, numbered without a gap. */
	assert_int_equal(v[0].nsteps, 2);
	assert_string_equal(v[0].steps[0].title, "First thing");
	assert_string_equal(v[0].steps[1].title, "Second thing");
	assert_string_equal(v[1].id, "03");
	bx_lesson_list_free(v, n);
}

static void test_find(void **state)
{
	(void)state;
	struct bx_lesson l;
	bx_err_t err = NULL;
	static const char *const good[] = {"3", "03", "03-uts-ipc"};
	for (size_t i = 0; i < N_ELEMENTS(good); i++) {
		assert_int_equal(bx_lesson_find(good[i], &l, &err), 0);
		assert_string_equal(l.id, "03");
		bx_lesson_free(&l);
	}
	static const char *const bad[] = {"7", "003", "03-other", "x", "", "-1"};
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		assert_int_equal(bx_lesson_find(bad[i], &l, &err), -1);
		assert_non_null(strstr(err->msg, "(lessons: 00-tour, 03-uts-ipc;"));
		bx_error_release(&err);
	}
}

static void test_step_text(void **state)
{
	(void)state;
	struct bx_lesson l;
	bx_err_t err = NULL;
	assert_int_equal(bx_lesson_find("0", &l, &err), 0);
	cleanup_free char *one = bx_lesson_step_text(&l, 1);
	assert_string_equal(one, "### 1. First thing\ntext one\n\n    cmd one\n\n");
	cleanup_free char *two = bx_lesson_step_text(&l, 2);
	/* Up to the next ### (even one that is not a step). */
	assert_string_equal(two, "### 2. Second thing\ntext two\n");
	assert_null(bx_lesson_step_text(&l, 3));
	bx_lesson_free(&l);
}

static void test_parse_line(void **state)
{
	(void)state;
	int n;
	bool ok;
	char *t, *h;
	assert_true(bx_lesson_parse_line("ok 2 Title here", &n, &ok, &t, &h));
	assert_int_equal(n, 2);
	assert_true(ok);
	assert_string_equal(t, "Title here");
	assert_null(h);
	free(t);
	assert_true(bx_lesson_parse_line("fail 12 T -- do this -- then that", &n, &ok, &t, &h));
	assert_int_equal(n, 12);
	assert_false(ok);
	assert_string_equal(t, "T");
	assert_string_equal(h, "do this -- then that");
	free(t);
	free(h);
	static const char *const bad[] = {"ok", "ok x title", "fail 0 t", "fail 99 t", "okay 1 t", " ok 1 t", "ok 1x t"};
	for (size_t i = 0; i < N_ELEMENTS(bad); i++)
		assert_false(bx_lesson_parse_line(bad[i], &n, &ok, &t, &h));
}

static void test_apply_output_and_progress(void **state)
{
	(void)state;
	struct bx_lesson l;
	struct bx_lesson_progress p;
	bx_err_t err = NULL;
	char cur[3];
	/* SUDO_USER counts only for root (else: the uid's own name). */
	if (getuid() == 0)
		assert_string_equal(bx_lesson_user(), "ada.love_lace");
	assert_int_equal(bx_lesson_find("00", &l, &err), 0);
	cleanup_free char *lab = bx_lesson_lab(&l);
	cleanup_free char *want_lab = xasprintf("%s-00", bx_lesson_user());
	assert_string_equal(lab, want_lab);
	bx_lesson_apply_output(&l, "noise\nfail 2 Second -- make it\nok 1 First\nok 9 beyond the steps\n");
	assert_true(l.steps[0].checked && l.steps[0].ok);
	assert_true(l.steps[1].checked && !l.steps[1].ok);
	assert_string_equal(l.steps[1].hint, "make it");

	assert_int_equal(bx_lesson_progress_current(cur, &err), 0);
	assert_string_equal(cur, "");
	assert_int_equal(bx_lesson_progress_checked(&l, false, &err), 0);
	assert_int_equal(bx_lesson_progress_current(cur, &err), 0);
	assert_string_equal(cur, "");
	assert_int_equal(bx_lesson_progress_checked(&l, true, &err), 0);
	assert_int_equal(bx_lesson_progress_current(cur, &err), 0);
	assert_string_equal(cur, "00");
	assert_int_equal(bx_lesson_progress_get("00", &p, &err), 0);
	assert_int_equal(p.passed, 1);
	assert_int_equal(p.total, 2);
	assert_int_equal(p.nsteps, 2);
	assert_true(p.checked_s > 0);
	assert_string_equal(p.steps[1].hint, "make it");
	bx_lesson_progress_free(&p);

	assert_int_equal(bx_lesson_progress_drop("00", &err), 0);
	assert_int_equal(bx_lesson_progress_get("00", &p, &err), 0);
	assert_int_equal(p.checked_s, 0);
	assert_int_equal(bx_lesson_progress_current(cur, &err), 0);
	assert_string_equal(cur, "");
	bx_lesson_progress_free(&p);
	bx_lesson_free(&l);

	/* A broken file is an error that says what to do, not a crash. */
	cleanup_free char *path = xasprintf("%s/state/%s/progress.json", root, bx_lesson_user());
	assert_int_equal(bx_write_file(path, "[1]", 3, &err), 0);
	assert_int_equal(bx_lesson_progress_current(cur, &err), -1);
	assert_non_null(strstr(err->msg, "is not a progress file"));
	bx_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_and_readme),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_step_text),
		cmocka_unit_test(test_parse_line),
		cmocka_unit_test(test_apply_output_and_progress),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
