/* The escape lab's parsing (src/ui/escape_data.c): the catalogue of
 * `boxlab attack --list --json` in the shapes it may take, one run's
 * verdict, failures that must show as failures (never as a verdict), and
 * the list of modules a scan found. */
#include "ui/escape_data.h"
#include "util/xalloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void test_list(void **state)
{
	struct bxui_attack *a;
	size_t n;
	bx_err_t err = NULL;
	(void)state;
	assert_int_equal(bxui_attacks_parse("[{\"name\":\"chroot\",\"summary\":\"leave a chroot\",\"cve\":\"CVE-1\","
					    "\"blocked_by\":[\"mnt\",\"caps\"]},"
					    "{\"name\":\"hostname\",\"what\":\"change it\",\"canary\":\"the name\","
					    "\"blocked_by\":\"uts, seccomp\"}, {\"name\":\"kill\",\"blocked_by\":[]},"
					    "{\"name\":\"bare\"}, {\"no\":\"name\"}, \"plain\"]",
					    &a, &n, &err),
			 0);
	assert_int_equal(n, 5);
	assert_string_equal(a[0].name, "chroot");
	assert_string_equal(a[0].what, "leave a chroot");
	assert_string_equal(a[0].mirrors, "CVE-1");
	assert_string_equal(a[0].blocked_by[0], "mnt");
	assert_string_equal(a[0].blocked_by[1], "caps");
	assert_null(a[0].blocked_by[2]);
	assert_string_equal(a[1].what, "change it");
	assert_string_equal(a[1].blocked_by[0], "uts");
	assert_string_equal(a[1].blocked_by[1], "seccomp");
	assert_string_equal(a[1].canary, "the name");
	assert_string_equal(a[0].canary, "");
	/* Said empty: no single module; not said: unknown. */
	assert_non_null(a[2].blocked_by);
	assert_null(a[2].blocked_by[0]);
	assert_null(a[3].blocked_by);
	assert_string_equal(a[3].what, "");
	assert_string_equal(a[4].name, "plain");
	bxui_attacks_free(a, n);

	assert_int_equal(bxui_attacks_parse("{\"attacks\":[{\"name\":\"x\"}]}", &a, &n, &err), 0);
	assert_int_equal(n, 1);
	bxui_attacks_free(a, n);

	assert_int_equal(bxui_attacks_parse("boxlab: no", &a, &n, &err) < 0, 1);
	assert_non_null(strstr(err->msg, "not JSON"));
	bx_error_release(&err);
	assert_int_equal(bxui_attacks_parse("{\"x\":1}", &a, &n, &err) < 0, 1);
	bx_error_release(&err);
}

static void test_run(void **state)
{
	struct bxui_attack_run r = {0};
	(void)state;
	bxui_attack_run_parse("{\"name\":\"h\",\"verdict\":\"ESCAPED\",\"claim\":\"set it\",\"evidence\":\"host name "
			      "changed\",\"modules\":[]}\n",
			      "", 0, &r);
	assert_int_equal(r.verdict, BXUI_V_ESCAPED);
	assert_string_equal(r.claim, "set it");
	assert_string_equal(r.evidence, "host name changed");
	assert_null(r.modules[0]);
	assert_null(r.error);

	/* A list of one (as --all might print) is read too; parse again
	 * frees what was there. */
	bxui_attack_run_parse("[{\"verdict\":\"BLOCKED\",\"modules\":[\"user\",\"pid\"]}]", "", 0, &r);
	assert_int_equal(r.verdict, BXUI_V_BLOCKED);
	assert_string_equal(r.claim, "");
	assert_string_equal(r.modules[1], "pid");
	bxui_attack_run_parse("{\"verdict\":\"N/A\"}", "", 0, &r);
	assert_int_equal(r.verdict, BXUI_V_NA);

	/* Failures: the last line of stderr, without "boxlab: ". */
	bxui_attack_run_parse("", "warning\nboxlab: attack nosuch: no such attack (see --list)\n", 2, &r);
	assert_int_equal(r.verdict, BXUI_V_UNKNOWN);
	assert_string_equal(r.error, "attack nosuch: no such attack (see --list)");
	bxui_attack_run_parse("", "", 137, &r);
	assert_string_equal(r.error, "boxlab attack failed with exit code 137");
	/* Exit 0 but no verdict is not a verdict. */
	bxui_attack_run_parse("{\"verdict\":\"maybe\"}", "", 0, &r);
	assert_int_equal(r.verdict, BXUI_V_UNKNOWN);
	assert_non_null(strstr(r.error, "no verdict"));
	/* A verdict with a failing exit code is not trusted either. */
	bxui_attack_run_parse("{\"verdict\":\"BLOCKED\"}", "boxlab: could not restore the host name\n", 1, &r);
	assert_int_equal(r.verdict, BXUI_V_UNKNOWN);
	assert_string_equal(r.error, "could not restore the host name");
	bxui_attack_run_free(&r);

	assert_string_equal(bxui_verdict_text(BXUI_V_ESCAPED), "ESCAPED");
	assert_int_equal(bxui_verdict_parse("blocked"), BXUI_V_BLOCKED);
	assert_int_equal(bxui_verdict_parse(NULL), BXUI_V_UNKNOWN);
}

static void test_blockers(void **state)
{
	char *names[] = {"user", "caps", "seccomp", "pid"};
	enum bxui_verdict v[] = {BXUI_V_BLOCKED, BXUI_V_ESCAPED, BXUI_V_ESCAPED, BXUI_V_UNKNOWN};
	char buf[64];
	(void)state;
	bxui_blockers(names, v, 4, buf, sizeof buf);
	assert_string_equal(buf, "caps, seccomp");
	v[1] = v[2] = BXUI_V_BLOCKED;
	bxui_blockers(names, v, 4, buf, sizeof buf);
	assert_string_equal(buf, "");
	/* Too long for buf: whole names only. */
	v[1] = v[2] = BXUI_V_ESCAPED;
	bxui_blockers(names, v, 4, buf, 10);
	assert_string_equal(buf, "caps");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_blockers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
