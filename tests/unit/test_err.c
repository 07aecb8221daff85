/* The error object every fallible function fills (err.c): the first error
 * wins, context and hints rewrite the message, and bx_error_report turns
 * it into the exit code the command returns. */
#include "core/err.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static void test_make_error_errno(void **state)
{
	bx_err_t err = NULL;
	(void)state;
	assert_int_equal(bx_make_error(&err, ENOENT, "cannot open %s", "/x/y"), -1);
	assert_non_null(err);
	assert_string_equal(err->msg, "cannot open /x/y: No such file or directory");
	assert_int_equal(err->errnum, ENOENT);
	assert_int_equal(bx_error_errno(err), ENOENT);
	/* 0: the command decides (125 for boxlab's own failures). */
	assert_int_equal(err->exit_code, 0);
	bx_error_release(&err);
	assert_null(err);
}

static void test_make_error_plain(void **state)
{
	bx_err_t err = NULL;
	(void)state;
	assert_int_equal(bx_make_error(&err, 0, "bad %d/%s", 42, "x"), -1);
	assert_string_equal(err->msg, "bad 42/x");
	assert_int_equal(err->errnum, 0);
	assert_int_equal(bx_error_errno(err), 0);
	bx_error_release(&err);
	assert_int_equal(bx_error_errno(NULL), 0);
}

static void test_usage_error(void **state)
{
	bx_err_t err = NULL;
	(void)state;
	assert_int_equal(bx_usage_error(&err, "unknown flag '%s'", "--x"), -1);
	assert_string_equal(err->msg, "unknown flag '--x'");
	assert_int_equal(err->exit_code, BX_EXIT_USAGE);
	assert_int_equal(err->exit_code, 2);
	assert_int_equal(err->errnum, 0);
	bx_error_release(&err);
}

static void test_first_error_kept(void **state)
{
	bx_err_t err = NULL;
	(void)state;
	bx_make_error(&err, EACCES, "first");
	assert_int_equal(bx_make_error(&err, ENOENT, "second"), -1);
	assert_int_equal(bx_usage_error(&err, "third"), -1);
	assert_string_equal(err->msg, "first: Permission denied");
	assert_int_equal(err->errnum, EACCES);
	assert_int_equal(err->exit_code, 0);
	bx_error_release(&err);

	bx_usage_error(&err, "usage first");
	bx_make_error(&err, EIO, "runtime second");
	assert_string_equal(err->msg, "usage first");
	assert_int_equal(err->exit_code, 2);
	assert_int_equal(err->errnum, 0);
	bx_error_release(&err);
}

static void test_wrap_and_hint(void **state)
{
	bx_err_t err = NULL;
	(void)state;
	bx_make_error(&err, ENOENT, "open %s", "/a");
	assert_int_equal(bx_error_wrap(&err, "setting up %s", "rootfs"), -1);
	assert_string_equal(err->msg, "setting up rootfs: open /a: No such file or directory");
	assert_int_equal(bx_error_hint(&err, "is the image %s built?", "busybox"), -1);
	assert_string_equal(err->msg, "setting up rootfs: open /a: No such file or directory (is the image busybox built?)");
	assert_int_equal(bx_error_wrap(&err, "run"), -1);
	assert_string_equal(err->msg,
			    "run: setting up rootfs: open /a: No such file or directory (is the image busybox built?)");
	/* Wrapping keeps errno and the exit code. */
	assert_int_equal(err->errnum, ENOENT);
	assert_int_equal(err->exit_code, 0);
	bx_error_release(&err);

	bx_usage_error(&err, "bad");
	bx_error_wrap(&err, "--%s", "name");
	assert_string_equal(err->msg, "--name: bad");
	assert_int_equal(err->exit_code, 2);
	bx_error_release(&err);
}

static void test_wrap_without_error(void **state)
{
	bx_err_t err = NULL;
	(void)state;
	/* Nothing to wrap: still a failure return, and no error invented. */
	assert_int_equal(bx_error_wrap(&err, "ctx"), -1);
	assert_null(err);
	assert_int_equal(bx_error_hint(&err, "hint"), -1);
	assert_null(err);
	bx_error_release(&err);
	assert_null(err);
}

/* Run f with stderr redirected to a temp file; return what it wrote. */
static char *capture_stderr(int (*f)(bx_err_t *, int), bx_err_t *err, int dflt, int *ret)
{
	char path[] = "/tmp/ut-err-XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	assert_true(fd >= 0 && saved >= 0);
	unlink(path);
	fflush(stderr);
	dup2(fd, 2);
	*ret = f(err, dflt);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	char *buf = calloc(1, 4096);
	assert_true(pread(fd, buf, 4095, 0) >= 0);
	close(fd);
	return buf;
}

static void test_report(void **state)
{
	bx_err_t err = NULL;
	int ret;
	char *out;
	(void)state;

	bx_make_error(&err, ENOENT, "cannot open %s", "/x");
	out = capture_stderr(bx_error_report, &err, BX_EXIT_RUNTIME, &ret);
	assert_int_equal(ret, 125);
	assert_string_equal(out, "boxlab: cannot open /x: No such file or directory\n");
	assert_null(err);
	free(out);

	bx_usage_error(&err, "unknown flag '--x'");
	out = capture_stderr(bx_error_report, &err, BX_EXIT_RUNTIME, &ret);
	assert_int_equal(ret, 2);
	assert_string_equal(out, "boxlab: unknown flag '--x'\n");
	assert_null(err);
	free(out);

	/* No error: the default code, nothing printed. */
	out = capture_stderr(bx_error_report, &err, 7, &ret);
	assert_int_equal(ret, 7);
	assert_string_equal(out, "");
	free(out);

	bx_make_error(&err, 0, "not found");
	err->exit_code = BX_EXIT_NOT_FOUND;
	out = capture_stderr(bx_error_report, &err, 1, &ret);
	assert_int_equal(ret, 127);
	assert_string_equal(out, "boxlab: not found\n");
	free(out);
}

static int warn_hello(bx_err_t *err, int n)
{
	(void)err;
	bx_warn("low %s (%d)", "memory", n);
	return 0;
}

static void test_warn(void **state)
{
	int ret;
	(void)state;
	char *out = capture_stderr(warn_hello, NULL, 3, &ret);
	assert_string_equal(out, "boxlab: warning: low memory (3)\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_make_error_errno),
		cmocka_unit_test(test_make_error_plain),
		cmocka_unit_test(test_usage_error),
		cmocka_unit_test(test_first_error_kept),
		cmocka_unit_test(test_wrap_and_hint),
		cmocka_unit_test(test_wrap_without_error),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_warn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
