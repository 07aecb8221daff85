/* The supervisor's watches (core/watch.h): a callback runs when its fd is
 * ready, a watch that says it is over goes, and callbacks may add and
 * remove watches while they are being served, as the seccomp module's
 * do (the listener message brings the listener to watch next). */
#include "core/watch.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

struct ctx {
	struct bx_watches *ws;
	int calls;
	int add_fd;   /* a watch the callback adds, or -1 */
	int remove_fd; /* a watch the callback removes, or -1 */
	bool keep;
};

static bool ready(void *p, int fd, short revents)
{
	struct ctx *c = p;
	(void)fd;
	assert_true(revents & POLLIN);
	c->calls++;
	if (c->add_fd >= 0)
		bx_watch_add(c->ws, c->add_fd, ready, c);
	if (c->remove_fd >= 0)
		bx_watch_remove(c->ws, c->remove_fd);
	c->add_fd = c->remove_fd = -1;
	return c->keep;
}

/* One round of the relay: fill, poll without waiting, dispatch. */
static void serve(struct bx_watches *ws)
{
	struct pollfd p[BX_WATCH_MAX];
	int n = bx_watch_fill(ws, p);
	assert_true(poll(p, n, 0) >= 0);
	bx_watch_dispatch(ws, p, n);
}

static void test_ready_and_over(void **state)
{
	(void)state;
	struct bx_watches ws = {0};
	int a[2], b[2];
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	struct ctx ca = {.ws = &ws, .add_fd = -1, .remove_fd = -1, .keep = true};
	struct ctx cb = {.ws = &ws, .add_fd = -1, .remove_fd = -1, .keep = false};
	assert_true(bx_watch_add(&ws, a[0], ready, &ca));
	assert_true(bx_watch_add(&ws, b[0], ready, &cb));
	serve(&ws); /* nothing readable */
	assert_int_equal(ca.calls + cb.calls, 0);
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	serve(&ws);
	assert_int_equal(ca.calls, 1);
	assert_int_equal(cb.calls, 1);
	/* b said it is over; a stays. */
	assert_int_equal(ws.n, 1);
	assert_int_equal(ws.w[0].fd, a[0]);
	serve(&ws);
	assert_int_equal(ca.calls, 2);
	assert_int_equal(cb.calls, 1);
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
	}
}

static void test_changes_while_served(void **state)
{
	(void)state;
	struct bx_watches ws = {0};
	int a[2], b[2], c[2];
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	assert_int_equal(pipe(c), 0);
	/* a's callback hands over to c and removes b, and is over itself. */
	struct ctx ca = {.ws = &ws, .add_fd = c[0], .remove_fd = b[0], .keep = false};
	struct ctx cb = {.ws = &ws, .add_fd = -1, .remove_fd = -1, .keep = true};
	assert_true(bx_watch_add(&ws, a[0], ready, &ca));
	assert_true(bx_watch_add(&ws, b[0], ready, &cb));
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	serve(&ws);
	assert_int_equal(ca.calls, 1);
	assert_int_equal(cb.calls, 0); /* removed before its turn */
	assert_int_equal(ws.n, 1);
	assert_int_equal(ws.w[0].fd, c[0]);
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
		close(c[i]);
	}
}

static void test_full(void **state)
{
	(void)state;
	struct bx_watches ws = {0};
	struct ctx c = {.ws = &ws, .add_fd = -1, .remove_fd = -1};
	for (int i = 0; i < BX_WATCH_MAX; i++)
		assert_true(bx_watch_add(&ws, 100 + i, ready, &c));
	assert_false(bx_watch_add(&ws, 200, ready, &c));
	bx_watch_remove(&ws, 101);
	bx_watch_remove(&ws, 999); /* not there: nothing happens */
	assert_int_equal(ws.n, BX_WATCH_MAX - 1);
	assert_true(bx_watch_add(&ws, 200, ready, &c));
	/* NULL is an empty list: the relay of `boxlab exec` has none. */
	struct pollfd p[1];
	assert_int_equal(bx_watch_fill(NULL, p), 0);
	bx_watch_dispatch(NULL, p, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ready_and_over),
		cmocka_unit_test(test_changes_while_served),
		cmocka_unit_test(test_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
