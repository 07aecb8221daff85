/* Capability names and the set arithmetic of --cap-add/--cap-drop
 * (Docker's TweakCapabilities), without touching the process. */
#include "modules/caps.h"
#include "util/cleanup.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/capability.h>

#define BIT(c) (1ULL << (c))

static void test_names_any_spelling(void **state)
{
	(void)state;
	assert_int_equal(bx_caps_from_name("NET_RAW"), CAP_NET_RAW);
	assert_int_equal(bx_caps_from_name("net_raw"), CAP_NET_RAW);
	assert_int_equal(bx_caps_from_name("CAP_NET_RAW"), CAP_NET_RAW);
	assert_int_equal(bx_caps_from_name("cap_Net_Raw"), CAP_NET_RAW);
	assert_int_equal(bx_caps_from_name("CHOWN"), CAP_CHOWN);
	assert_int_equal(bx_caps_from_name("NET_FLY"), -1);
	assert_int_equal(bx_caps_from_name("CAP_"), -1);
	assert_int_equal(bx_caps_from_name(""), -1);
	assert_string_equal(bx_caps_name(CAP_SYS_ADMIN), "CAP_SYS_ADMIN");
}

static void test_docker_default(void **state)
{
	(void)state;
	/* The value Docker containers show as CapBnd. */
	assert_true(bx_caps_docker_default() == 0xa80425fbULL);
	cleanup_free char *s = bx_caps_format(bx_caps_docker_default());
	assert_string_equal(s, "CAP_CHOWN CAP_DAC_OVERRIDE CAP_FOWNER CAP_FSETID CAP_KILL CAP_SETGID CAP_SETUID "
			       "CAP_SETPCAP CAP_NET_BIND_SERVICE CAP_NET_RAW CAP_SYS_CHROOT CAP_MKNOD "
			       "CAP_AUDIT_WRITE CAP_SETFCAP");
	cleanup_free char *none = bx_caps_format(0);
	assert_string_equal(none, "");
}

static void test_parse_list(void **state)
{
	(void)state;
	uint64_t m;
	bx_err_t err = NULL;
	assert_int_equal(bx_caps_parse_list("net_admin, CAP_SYS_TIME kill", &m, &err), 0);
	assert_true(m == (BIT(CAP_NET_ADMIN) | BIT(CAP_SYS_TIME) | BIT(CAP_KILL)));
	assert_int_equal(bx_caps_parse_list("all", &m, &err), 0);
	assert_true(m == BX_CAPS_ALL_BIT);
	assert_int_equal(bx_caps_parse_list("", &m, &err), 0);
	assert_true(m == 0);

	assert_int_equal(bx_caps_parse_list("KILL NET_FLY", &m, &err), -1);
	assert_non_null(err);
	assert_int_equal(err->exit_code, 2);
	assert_non_null(strstr(err->msg, "unknown capability \"NET_FLY\""));
	assert_non_null(strstr(err->msg, "SYS_ADMIN"));
	assert_non_null(strstr(err->msg, "ALL"));
	bx_error_release(&err);
}

static void test_resolve(void **state)
{
	(void)state;
	uint64_t d = bx_caps_docker_default(), all = bx_caps_all();
	/* Nothing asked: the base. */
	assert_true(bx_caps_resolve(d, 0, 0) == d);
	/* Drops, then adds; an add wins over a drop of the same cap. */
	assert_true(bx_caps_resolve(d, BIT(CAP_SYS_TIME), BIT(CAP_NET_RAW)) ==
		    ((d & ~BIT(CAP_NET_RAW)) | BIT(CAP_SYS_TIME)));
	assert_true(bx_caps_resolve(d, BIT(CAP_NET_RAW), BIT(CAP_NET_RAW)) == d);
	/* add ALL: everything but the drops. */
	assert_true(bx_caps_resolve(d, BX_CAPS_ALL_BIT, BIT(CAP_SYS_ADMIN)) == (all & ~BIT(CAP_SYS_ADMIN)));
	/* drop ALL: only the adds. */
	assert_true(bx_caps_resolve(d, BIT(CAP_KILL), BX_CAPS_ALL_BIT) == BIT(CAP_KILL));
	assert_true(bx_caps_resolve(d, 0, BX_CAPS_ALL_BIT) == 0);
	/* Never a bit the kernel does not have. */
	assert_true((bx_caps_resolve(d, BX_CAPS_ALL_BIT, 0) & ~all) == 0);
	assert_true(all & BIT(bx_caps_last()));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_any_spelling),
		cmocka_unit_test(test_docker_default),
		cmocka_unit_test(test_parse_list),
		cmocka_unit_test(test_resolve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
