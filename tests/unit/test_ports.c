/* -p [HOSTIP:]HOSTPORT:CTRPORT[/tcp|/udp]: parsing, formatting, clashes,
 * and --add-host NAME:IP. */
#include "modules/network.h"

#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static struct bx_port port(const char *s)
{
	struct bx_port p;
	bx_err_t err = NULL;
	if (bx_port_parse(s, &p, &err) != 0) {
		print_error("\"%s\" rejected: %s\n", s, err ? err->msg : "?");
		fail();
	}
	return p;
}

static void check_bad(const char *s, const char *part)
{
	struct bx_port p;
	bx_err_t err = NULL;
	if (bx_port_parse(s, &p, &err) != -1) {
		print_error("\"%s\" accepted\n", s);
		fail();
	}
	assert_int_equal(err->exit_code, BX_EXIT_USAGE);
	if (!strstr(err->msg, part)) {
		print_error("\"%s\": \"%s\" lacks \"%s\"\n", s, err->msg, part);
		fail();
	}
	bx_error_release(&err);
}

static void check_format(const char *in, const char *out)
{
	struct bx_port p = port(in);
	char *f = bx_port_format(&p);
	assert_string_equal(f, out);
	free(f);
}

static void test_valid(void **state)
{
	(void)state;
	struct bx_port p = port("8080:80");
	assert_int_equal(p.host_ip, 0);
	assert_int_equal(p.host_port, 8080);
	assert_int_equal(p.ctr_port, 80);
	assert_int_equal(p.proto, IPPROTO_TCP);
	p = port("127.0.0.1:5353:53/udp");
	assert_int_equal(p.host_ip, 0x7f000001);
	assert_int_equal(p.proto, IPPROTO_UDP);
	p = port("1:65535/tcp");
	assert_int_equal(p.host_port, 1);
	assert_int_equal(p.ctr_port, 65535);
	check_format("8080:80", "8080:80/tcp");
	check_format("127.0.0.1:5353:53/udp", "127.0.0.1:5353:53/udp");
	check_format("0.0.0.0:80:80", "80:80/tcp");
}

static void test_invalid(void **state)
{
	(void)state;
	check_bad("80", "both ports are needed");
	check_bad("", "both ports are needed");
	check_bad(":80", "is not a port number");
	check_bad("80:", "is not a port number");
	check_bad("70000:80", "port 70000 is out of range (allowed: 1-65535)");
	check_bad("80:0", "port 0 is out of range");
	check_bad("123456:80", "is not a port number");
	check_bad("-1:80", "is not a port number");
	check_bad("+80:80", "is not a port number");
	check_bad("8o:80", "is not a port number");
	check_bad("80:80/sctp", "unknown protocol \"sctp\" (allowed: tcp, udp)");
	check_bad("80:80/", "unknown protocol");
	check_bad("1.2.3:80:80", "\"1.2.3\" is not an IPv4 address");
	check_bad("localhost:80:80", "is not an IPv4 address");
	check_bad("1:2:3:4", "expected [HOSTIP:]HOSTPORT:CTRPORT");
}

static void test_clash(void **state)
{
	(void)state;
	struct bx_port a = port("8080:80"), b = port("127.0.0.1:8080:81"), c = port("8080:80/udp"),
		       d = port("127.0.0.1:8081:80"), e = port("127.0.0.2:8080:80");
	assert_true(bx_port_clash(&a, &b));  /* any address takes them all */
	assert_false(bx_port_clash(&a, &c)); /* tcp and udp are separate */
	assert_false(bx_port_clash(&b, &d));
	assert_false(bx_port_clash(&b, &e)); /* two addresses, one port */
	assert_true(bx_port_clash(&e, &e));
}

static void test_add_host(void **state)
{
	(void)state;
	bx_err_t err = NULL;
	assert_int_equal(bx_add_host_check("db:10.88.0.5", &err), 0);
	assert_int_equal(bx_add_host_check("my-host.example_x:fd00::1", &err), 0);
	assert_int_equal(bx_add_host_check("noip", &err), -1);
	assert_non_null(strstr(err->msg, "expected NAME:IP"));
	bx_error_release(&err);
	assert_int_equal(bx_add_host_check(":1.2.3.4", &err), -1);
	bx_error_release(&err);
	assert_int_equal(bx_add_host_check("bad name:1.2.3.4", &err), -1);
	bx_error_release(&err);
	assert_int_equal(bx_add_host_check("x:1.2.3", &err), -1);
	assert_non_null(strstr(err->msg, "is not an IPv4 or IPv6 address"));
	bx_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_clash),
		cmocka_unit_test(test_add_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
