/* IPAM: subnet parsing and overlap, address allocation, exhaustion,
 * release, stale leases, and the leases file surviving a round trip. */
#include "modules/ipam.h"
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

static struct bx_subnet subnet(const char *s)
{
	struct bx_subnet out;
	bx_err_t err = NULL;
	if (bx_subnet_parse(s, &out, &err) != 0) {
		print_error("\"%s\" rejected: %s\n", s, err ? err->msg : "?");
		fail();
	}
	return out;
}

static void check_bad_subnet(const char *s, const char *part)
{
	struct bx_subnet out;
	bx_err_t err = NULL;
	if (bx_subnet_parse(s, &out, &err) != -1) {
		print_error("\"%s\" accepted\n", s);
		fail();
	}
	assert_non_null(err);
	assert_int_equal(err->exit_code, BX_EXIT_USAGE);
	if (!strstr(err->msg, part)) {
		print_error("\"%s\": \"%s\" lacks \"%s\"\n", s, err->msg, part);
		fail();
	}
	bx_error_release(&err);
}

static uint32_t ip(const char *s)
{
	uint32_t v;
	assert_int_equal(bx_ip_parse(s, &v), 0);
	return v;
}

static void test_subnet_parse(void **state)
{
	(void)state;
	struct bx_subnet s = subnet("10.88.0.0/16");
	assert_int_equal(s.net, ip("10.88.0.0"));
	assert_int_equal(s.prefix, 16);
	char *f = bx_subnet_format(&s);
	assert_string_equal(f, "10.88.0.0/16");
	free(f);
	assert_int_equal(bx_subnet_gateway(&s), ip("10.88.0.1"));
	assert_int_equal(bx_subnet_broadcast(&s), ip("10.88.255.255"));
	assert_int_equal(bx_subnet_capacity(&s), 65533);
	s = subnet("192.168.7.4/30");
	assert_int_equal(bx_subnet_capacity(&s), 1);
	s = subnet("10.0.0.0/8");
	assert_true(bx_subnet_contains(&s, ip("10.255.1.1")));
	assert_false(bx_subnet_contains(&s, ip("11.0.0.1")));

	check_bad_subnet("10.88.0.0", "expected an IPv4 CIDR");
	check_bad_subnet("10.88.1.0/16", "host bits are set (did you mean 10.88.0.0/16?)");
	check_bad_subnet("10.88.0.0/31", "prefix length must be 8 to 30");
	check_bad_subnet("10.0.0.0/7", "prefix length must be 8 to 30");
	check_bad_subnet("10.88.0.0/", "prefix length");
	check_bad_subnet("10.88.0.0/16x", "prefix length");
	check_bad_subnet("10.88.0.0/-16", "prefix length");
	check_bad_subnet("10.300.0.0/16", "is not an IPv4 address");
	check_bad_subnet("10.88/16", "is not an IPv4 address");
	check_bad_subnet("fd00::/64", "is not an IPv4 address");
	check_bad_subnet("", "expected an IPv4 CIDR");
}

static void test_overlap(void **state)
{
	(void)state;
	struct bx_subnet a = subnet("10.88.0.0/16"), b = subnet("10.88.4.0/24"), c = subnet("10.89.0.0/16"),
			 d = subnet("10.0.0.0/8");
	assert_true(bx_subnet_overlap(&a, &b));
	assert_true(bx_subnet_overlap(&b, &a));
	assert_false(bx_subnet_overlap(&a, &c));
	assert_true(bx_subnet_overlap(&d, &c));
	assert_true(bx_subnet_overlap(&a, &a));
}

static void alloc_ok(struct bx_leases *l, const struct bx_subnet *s, const char *key, const char *want)
{
	struct bx_lease x = {.key = (char *)key, .name = (char *)key};
	uint32_t got;
	bx_err_t err = NULL;
	if (bx_ipam_alloc(l, s, &x, &got, &err) != 0) {
		print_error("%s: %s\n", key, err ? err->msg : "?");
		fail();
	}
	char buf[16];
	bx_ip_format(got, buf);
	assert_string_equal(buf, want);
}

static void test_alloc_release(void **state)
{
	(void)state;
	struct bx_subnet s = subnet("10.90.0.0/29"); /* .1 gateway, .2-.6 containers */
	struct bx_leases l = {0};
	alloc_ok(&l, &s, "/run/a", "10.90.0.2");
	alloc_ok(&l, &s, "/run/b", "10.90.0.3");
	assert_non_null(bx_ipam_find(&l, "/run/a"));
	/* one address per container */
	struct bx_lease dup = {.key = "/run/a"};
	uint32_t got;
	bx_err_t err = NULL;
	assert_int_equal(bx_ipam_alloc(&l, &s, &dup, &got, &err), -1);
	bx_error_release(&err);
	/* A released address is not handed out again at once: the next
	 * one is, and the search wraps around at the end. */
	assert_true(bx_ipam_release(&l, "/run/a"));
	assert_false(bx_ipam_release(&l, "/run/a"));
	assert_null(bx_ipam_find(&l, "/run/a"));
	alloc_ok(&l, &s, "/run/c", "10.90.0.4");
	alloc_ok(&l, &s, "/run/d", "10.90.0.5");
	alloc_ok(&l, &s, "/run/e", "10.90.0.6");
	alloc_ok(&l, &s, "/run/f", "10.90.0.2");
	assert_int_equal(l.n, 5);
	bx_leases_free(&l);
}

static void test_exhaustion(void **state)
{
	(void)state;
	struct bx_subnet s = subnet("10.91.0.0/30"); /* one container */
	struct bx_leases l = {0};
	alloc_ok(&l, &s, "/run/one", "10.91.0.2");
	struct bx_lease x = {.key = "/run/two"};
	uint32_t got;
	bx_err_t err = NULL;
	assert_int_equal(bx_ipam_alloc(&l, &s, &x, &got, &err), -1);
	assert_non_null(strstr(err->msg, "no free address left in 10.91.0.0/30"));
	assert_int_equal(err->exit_code, BX_EXIT_USAGE);
	bx_error_release(&err);
	assert_int_equal(l.n, 1);
	/* Freed, it fits again. */
	bx_ipam_release(&l, "/run/one");
	alloc_ok(&l, &s, "/run/two", "10.91.0.2");
	bx_leases_free(&l);
}

static bool alive_if_even(const char *key)
{
	return (key[strlen(key) - 1] - '0') % 2 == 0;
}

static void test_reclaim(void **state)
{
	(void)state;
	struct bx_subnet s = subnet("10.92.0.0/24");
	struct bx_leases l = {0};
	alloc_ok(&l, &s, "/run/1", "10.92.0.2");
	alloc_ok(&l, &s, "/run/2", "10.92.0.3");
	alloc_ok(&l, &s, "/run/3", "10.92.0.4");
	assert_int_equal(bx_ipam_reclaim(&l, alive_if_even), 2);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].key, "/run/2");
	bx_leases_free(&l);
}

static void test_load_save(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_ipam.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = xasprintf("%s/leases.json", dir);
	struct bx_leases l = {0}, back = {0};
	bx_err_t err = NULL;
	/* no file yet: no leases */
	assert_int_equal(bx_leases_load(path, &back, &err), 0);
	assert_int_equal(back.n, 0);

	struct bx_subnet s = subnet("10.93.0.0/16");
	char *hosts[] = {"db:10.1.2.3", NULL};
	struct bx_lease x = {.key = "/run/x", .name = "x", .hostname = "xhost", .add_hosts = hosts};
	uint32_t got;
	assert_int_equal(bx_ipam_alloc(&l, &s, &x, &got, &err), 0);
	alloc_ok(&l, &s, "/run/y", "10.93.0.3");
	assert_int_equal(bx_leases_save(path, &l, &err), 0);
	assert_int_equal(bx_leases_load(path, &back, &err), 0);
	assert_int_equal(back.n, 2);
	assert_int_equal(back.next, l.next);
	const struct bx_lease *bx = bx_ipam_find(&back, "/run/x");
	assert_non_null(bx);
	assert_int_equal(bx->ip, ip("10.93.0.2"));
	assert_string_equal(bx->name, "x");
	assert_string_equal(bx->hostname, "xhost");
	assert_string_equal(bx->add_hosts[0], "db:10.1.2.3");
	assert_null(bx->add_hosts[1]);
	/* continues where the saved one stopped */
	alloc_ok(&back, &s, "/run/z", "10.93.0.4");

	FILE *f = fopen(path, "w");
	fputs("{\"leases\": [{\"ip\": \"10.93.0.9\"}]}", f);
	fclose(f);
	struct bx_leases bad = {0};
	assert_int_equal(bx_leases_load(path, &bad, &err), -1);
	assert_non_null(strstr(err->msg, "corrupt lease"));
	bx_error_release(&err);

	bx_leases_free(&l);
	bx_leases_free(&back);
	unlink(path);
	rmdir(dir);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subnet_parse), cmocka_unit_test(test_overlap),  cmocka_unit_test(test_alloc_release),
		cmocka_unit_test(test_exhaustion),   cmocka_unit_test(test_reclaim),  cmocka_unit_test(test_load_save),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
