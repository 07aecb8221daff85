/* CRIU's RPC messages as criu_rpc.c encodes and decodes them by hand.
 * The expected bytes were made by protoc from CRIU 4.2.1's rpc.proto:
 *   protoc --encode=criu_req rpc.proto < request.txt | xxd -i
 * so a wrong field number, wire type or order fails here, not in a
 * checkpoint. */
#include "core/criu.h"

#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void assert_bytes(const struct bx_buf *b, const uint8_t *want, size_t n)
{
	assert_int_equal(b->len, n);
	assert_memory_equal(b->data, want, n);
}

/* Every option boxlab sets, in one dump request. */
static void test_encode_dump(void **state)
{
	static const uint8_t want[] = {
		0x08, 0x01, 0x12, 0x73, 0x08, 0x05, 0x10, 0xd2, 0x09, 0x18, 0x01, 0x48, 0x04, 0x52, 0x08, 0x64, 0x75,
		0x6d, 0x70, 0x2e, 0x6c, 0x6f, 0x67, 0x60, 0x01, 0x88, 0x01, 0x06, 0xc0, 0x01, 0x01, 0xca, 0x01, 0x13,
		0x0a, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x12, 0x09, 0x2f, 0x62, 0x6f, 0x78, 0x6c, 0x61, 0x62,
		0x2f, 0x78, 0xd0, 0x01, 0x01, 0xda, 0x01, 0x0f, 0x0a, 0x0b, 0x66, 0x69, 0x6c, 0x65, 0x5b, 0x31, 0x61,
		0x3a, 0x32, 0x62, 0x5d, 0x10, 0x07, 0x90, 0x02, 0x03, 0xaa, 0x02, 0x12, 0x6d, 0x6e, 0x74, 0x5b, 0x2f,
		0x64, 0x65, 0x76, 0x2f, 0x6e, 0x75, 0x6c, 0x6c, 0x5d, 0x3a, 0x62, 0x78, 0x30, 0xb0, 0x02, 0x80, 0x80,
		0x80, 0x80, 0x04, 0xe2, 0x02, 0x02, 0x2f, 0x66, 0xe8, 0x02, 0x0a, 0x80, 0x04, 0x03, 0x88, 0x04, 0x01,
	};
	char *ext[] = {"mnt[/dev/null]:bx0", NULL};
	struct bx_criu_cg_root cg = {.ctrl = "memory", .path = "/boxlab/x"};
	struct bx_criu_inherit inh = {.key = "file[1a:2b]", .fd = 7};
	struct bx_criu_opts o = {
		.images_dir_fd = 5, .work_dir_fd = 6, .pid = 1234, .leave_running = true, .log_level = 4,
		.log_file = "dump.log", .notify_scripts = true, .manage_cgroups = true,
		.manage_cgroups_mode = BX_CRIU_CG_SOFT, .cg_root = &cg, .ncg_root = 1, .rst_sibling = true,
		.inherit = &inh, .ninherit = 1, .external = ext, .empty_ns = CLONE_NEWNET, .freeze_cgroup = "/f",
		.timeout_s = 10, .network_lock = BX_CRIU_NETLOCK_SKIP, .mntns_compat_mode = true,
	};
	struct bx_buf b = {0};
	(void)state;
	bx_criu_encode_req(&b, BX_CRIU_DUMP, &o, false);
	assert_bytes(&b, want, sizeof want);
	bx_buf_free(&b);
}

/* images_dir_fd is required and int32: -1 is a ten-byte varint. */
static void test_encode_negative(void **state)
{
	static const uint8_t want[] = {0x08, 0x01, 0x12, 0x0b, 0x08, 0xff, 0xff, 0xff, 0xff,
				       0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	struct bx_criu_opts o = {.images_dir_fd = -1, .work_dir_fd = -1};
	struct bx_buf b = {0};
	(void)state;
	bx_criu_encode_req(&b, BX_CRIU_DUMP, &o, false);
	assert_bytes(&b, want, sizeof want);
	bx_buf_free(&b);
}

static void test_encode_notify_ack(void **state)
{
	static const uint8_t ok[] = {0x08, 0x06, 0x18, 0x01}, no[] = {0x08, 0x06, 0x18, 0x00};
	struct bx_buf b = {0};
	(void)state;
	bx_criu_encode_req(&b, BX_CRIU_NOTIFY, NULL, true);
	assert_bytes(&b, ok, sizeof ok);
	bx_buf_free(&b);
	bx_criu_encode_req(&b, BX_CRIU_NOTIFY, NULL, false);
	assert_bytes(&b, no, sizeof no);
	bx_buf_free(&b);
}

/* A restore answer, with fields boxlab skips (ps) between those it reads. */
static void test_decode_restore(void **state)
{
	static const uint8_t msg[] = {0x08, 0x02, 0x10, 0x01, 0x22, 0x03, 0x08, 0x92, 0x21, 0x32, 0x02,
				      0x10, 0x09, 0x38, 0x02, 0x4a, 0x04, 0x62, 0x6f, 0x6f, 0x6d, 0x52,
				      0x06, 0x08, 0x04, 0x10, 0x02, 0x20, 0x01};
	struct bx_criu_resp r;
	(void)state;
	assert_int_equal(bx_criu_decode_resp(msg, sizeof msg, &r), 0);
	assert_int_equal(r.type, BX_CRIU_RESTORE);
	assert_true(r.success);
	assert_int_equal(r.pid, 4242);
	assert_int_equal(r.cr_errno, 2);
	assert_string_equal(r.cr_errmsg, "boom");
	assert_int_equal(r.major, 4);
	assert_int_equal(r.minor, 2);
	assert_int_equal(r.sublevel, 1);
	bx_criu_resp_free(&r);
}

static void test_decode_notify(void **state)
{
	static const uint8_t msg[] = {0x08, 0x06, 0x10, 0x01, 0x2a, 0x14, 0x0a, 0x10, 0x73, 0x65, 0x74, 0x75,
				      0x70, 0x2d, 0x6e, 0x61, 0x6d, 0x65, 0x73, 0x70, 0x61, 0x63, 0x65, 0x73,
				      0x10, 0x4d};
	struct bx_criu_resp r;
	(void)state;
	assert_int_equal(bx_criu_decode_resp(msg, sizeof msg, &r), 0);
	assert_int_equal(r.type, BX_CRIU_NOTIFY);
	assert_string_equal(r.script, "setup-namespaces");
	assert_int_equal(r.pid, 77);
	bx_criu_resp_free(&r);
}

/* Cut anywhere, the message is refused, never read past its end. */
static void test_decode_truncated(void **state)
{
	static const uint8_t msg[] = {0x08, 0x06, 0x10, 0x01, 0x2a, 0x14, 0x0a, 0x10, 0x73, 0x65, 0x74, 0x75,
				      0x70, 0x2d, 0x6e, 0x61, 0x6d, 0x65, 0x73, 0x70, 0x61, 0x63, 0x65, 0x73,
				      0x10, 0x4d};
	struct bx_criu_resp r;
	(void)state;
	for (size_t n = 5; n < sizeof msg; n++) {
		uint8_t *copy = malloc(n);
		memcpy(copy, msg, n);
		assert_int_equal(bx_criu_decode_resp(copy, n, &r), -1);
		free(copy);
	}
	static const uint8_t bad_wire[] = {0x0b, 0x01}; /* wire type 3 (groups): not allowed */
	assert_int_equal(bx_criu_decode_resp(bad_wire, sizeof bad_wire, &r), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_dump),     cmocka_unit_test(test_encode_negative),
		cmocka_unit_test(test_encode_notify_ack), cmocka_unit_test(test_decode_restore),
		cmocka_unit_test(test_decode_notify),   cmocka_unit_test(test_decode_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
