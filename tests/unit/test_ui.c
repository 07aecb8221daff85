/* The dashboard's pure parts (src/ui/format.c, the ring and CPU % of
 * src/ui/snapshot.c): what a cell, a sparkline or a timeline bar looks
 * like, which columns fit a width, and how rows sort and filter.  No
 * terminal: nothing here calls curses. */
#include "core/timeline.h"
#include "ui/format.h"
#include "ui/snapshot.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const struct bxui_glyphs *U = &bxui_glyphs_utf8, *A = &bxui_glyphs_ascii;

static void test_glyphs_for_locale(void **state)
{
	(void)state;
	assert_ptr_equal(bxui_glyphs_for("UTF-8"), U);
	assert_ptr_equal(bxui_glyphs_for("utf8"), U);
	assert_ptr_equal(bxui_glyphs_for("ANSI_X3.4-1968"), A);
	assert_ptr_equal(bxui_glyphs_for(NULL), A);
	/* The ASCII set is ASCII, every glyph one byte. */
	for (int i = 0; i < 8; i++) {
		assert_int_equal(strlen(A->spark[i]), 1);
		assert_int_equal(strlen(A->eighths[i]), 1);
		assert_int_equal(bxui_width(U->spark[i]), 1);
	}
}

static void test_width_and_pad(void **state)
{
	char buf[64];
	(void)state;
	assert_int_equal(bxui_width("abc"), 3);
	assert_int_equal(bxui_width("▁▂█"), 3);
	assert_int_equal(bxui_width("2/∞"), 3);
	bxui_pad(buf, sizeof buf, "ab", 5, false, U);
	assert_string_equal(buf, "ab   ");
	bxui_pad(buf, sizeof buf, "ab", 5, true, U);
	assert_string_equal(buf, "   ab");
	/* Too long: cut, with the ellipsis in the last column. */
	bxui_pad(buf, sizeof buf, "container-name", 6, false, U);
	assert_string_equal(buf, "conta…");
	assert_int_equal(bxui_width(buf), 6);
	bxui_pad(buf, sizeof buf, "container-name", 6, false, A);
	assert_string_equal(buf, "conta~");
	/* Multibyte glyphs count as one column each when padding. */
	bxui_pad(buf, sizeof buf, "▁▂", 4, false, U);
	assert_int_equal(bxui_width(buf), 4);
	assert_string_equal(buf, "▁▂  ");
	bxui_pad(buf, sizeof buf, "abc", 0, false, U);
	assert_string_equal(buf, "");
}

static void test_fmt_bytes(void **state)
{
	char buf[32];
	(void)state;
	bxui_fmt_bytes(0, buf, sizeof buf);
	assert_string_equal(buf, "0");
	bxui_fmt_bytes(1023, buf, sizeof buf);
	assert_string_equal(buf, "1023");
	bxui_fmt_bytes(1024, buf, sizeof buf);
	assert_string_equal(buf, "1.0K");
	bxui_fmt_bytes(200 * 1024, buf, sizeof buf);
	assert_string_equal(buf, "200K");
	bxui_fmt_bytes(64ull << 20, buf, sizeof buf);
	assert_string_equal(buf, "64M");
	bxui_fmt_bytes(3ull << 29, buf, sizeof buf);
	assert_string_equal(buf, "1.5G");
	/* Never wider than the 5 columns the table gives it. */
	for (uint64_t n = 1; n < (1ull << 62); n = n * 3 + 7) {
		bxui_fmt_bytes(n, buf, sizeof buf);
		assert_true(strlen(buf) <= 5);
	}
}

static void test_fmt_times(void **state)
{
	char buf[32];
	(void)state;
	bxui_fmt_uptime(42 * 1000000ll, buf, sizeof buf);
	assert_string_equal(buf, "42s");
	bxui_fmt_uptime((12 * 60 + 5) * 1000000ll, buf, sizeof buf);
	assert_string_equal(buf, "12m05");
	bxui_fmt_uptime((3 * 3600 + 5 * 60) * 1000000ll, buf, sizeof buf);
	assert_string_equal(buf, "3h05");
	bxui_fmt_uptime((2 * 86400 + 4 * 3600) * 1000000ll, buf, sizeof buf);
	assert_string_equal(buf, "2d04");
	bxui_fmt_uptime(-5, buf, sizeof buf);
	assert_string_equal(buf, "0s");
	bxui_fmt_dur(87, U, buf, sizeof buf);
	assert_string_equal(buf, "87µs");
	bxui_fmt_dur(87, A, buf, sizeof buf);
	assert_string_equal(buf, "87us");
	bxui_fmt_dur(9999, A, buf, sizeof buf);
	assert_string_equal(buf, "9999us");
	bxui_fmt_dur(12345, A, buf, sizeof buf);
	assert_string_equal(buf, "12.3ms");
	bxui_fmt_dur(1200000, A, buf, sizeof buf);
	assert_string_equal(buf, "1.20s");
	bxui_fmt_offset(520000, buf, sizeof buf);
	assert_string_equal(buf, "+0.52s");
	bxui_fmt_offset(185 * 1000000ull, buf, sizeof buf);
	assert_string_equal(buf, "+3m05");
}

static void test_module_letters(void **state)
{
	char letters[BX_MAX_MODULES + 1], matrix[BX_MAX_MODULES + 1];
	bool on[BX_MAX_MODULES] = {false};
	(void)state;
	bxui_module_letters(letters, sizeof letters);
	assert_int_equal(strlen(letters), bx_module_count());
	/* Distinct, so the matrix can be read back. */
	for (size_t i = 0; letters[i]; i++)
		for (size_t k = i + 1; letters[k]; k++)
			assert_true(letters[i] != letters[k]);
	/* A letter of the module's own name where one was free: the first
	 * module gets its first letter. */
	assert_int_equal(letters[0], bx_modules[0]->name[0]);
	on[0] = true;
	on[2] = true;
	bxui_module_matrix(on, matrix, sizeof matrix);
	assert_int_equal(strlen(matrix), bx_module_count());
	assert_int_equal(matrix[0], letters[0]);
	assert_int_equal(matrix[1], '.');
	assert_int_equal(matrix[2], letters[2]);
}

static void test_ring(void **state)
{
	struct bxui_ring r = {0};
	uint64_t t;
	double v;
	(void)state;
	assert_false(bxui_ring_get(&r, 0, &t, &v));
	for (unsigned i = 0; i < BXUI_RING + 10; i++)
		bxui_ring_push(&r, i, (double)i);
	assert_int_equal(r.len, BXUI_RING);
	assert_true(bxui_ring_get(&r, 0, &t, &v));
	assert_int_equal(t, BXUI_RING + 9);
	assert_true(bxui_ring_get(&r, BXUI_RING - 1, &t, &v));
	assert_int_equal(t, 10); /* the oldest ten were overwritten */
	assert_false(bxui_ring_get(&r, BXUI_RING, &t, &v));
}

static void test_cpu_percent(void **state)
{
	struct bx_stats a = {.cpu_ns = 1000000000, .sampled_us = 1000000};
	struct bx_stats b = {.cpu_ns = 1500000000, .sampled_us = 2000000};
	(void)state;
	assert_true(bxui_cpu_percent(&a, &b) > 49.99 && bxui_cpu_percent(&a, &b) < 50.01);
	assert_true(bxui_cpu_percent(NULL, &b) == 0);
	/* A counter that went back (a new cgroup) is no figure. */
	assert_true(bxui_cpu_percent(&b, &a) == 0);
}

#define S 1000000ull /* µs in a second */

static void test_sparkline(void **state)
{
	struct bxui_ring r = {0};
	char buf[256];
	uint64_t now = 1000 * S;
	(void)state;
	/* No data: blank, still the full width. */
	bxui_spark(&r, now, 60 * S, 100, 6, U, buf, sizeof buf);
	assert_string_equal(buf, "      ");
	/* One sample per 10 s: 0, then 100 % of the scale. */
	bxui_ring_push(&r, now - 55 * S, 0);
	bxui_ring_push(&r, now - 45 * S, 0);
	bxui_ring_push(&r, now - 35 * S, 50);
	bxui_ring_push(&r, now - 25 * S, 100);
	bxui_ring_push(&r, now - 15 * S, 100);
	bxui_ring_push(&r, now - 5 * S, 1);
	bxui_spark(&r, now, 60 * S, 100, 6, U, buf, sizeof buf);
	assert_string_equal(buf, "▁▁▅██▂");
	assert_int_equal(bxui_width(buf), 6);
	bxui_spark(&r, now, 60 * S, 100, 6, A, buf, sizeof buf);
	assert_string_equal(buf, "__=##.");
	/* The scale grows with the data: 200 is full, 100 half. */
	bxui_ring_push(&r, now, 200);
	bxui_spark(&r, now, 60 * S, 100, 6, A, buf, sizeof buf);
	assert_string_equal(buf, "__-==#");
	/* max 0: to the window's own peak. */
	bxui_spark(&r, now, 60 * S, 0, 6, A, buf, sizeof buf);
	assert_string_equal(buf, "__-==#");
}

static void test_buckets_carry(void **state)
{
	struct bxui_ring r = {0};
	double val[4];
	bool have[4];
	uint64_t now = 1000 * S;
	(void)state;
	/* A sample before the window, one in its third quarter: the first
	 * two buckets repeat the old value, the last the newest. */
	bxui_ring_push(&r, now - 90 * S, 7);
	bxui_ring_push(&r, now - 25 * S, 9);
	bxui_buckets(&r, now, 60 * S, 4, val, have);
	for (int i = 0; i < 4; i++)
		assert_true(have[i]);
	assert_true(val[0] == 7 && val[1] == 7 && val[2] == 9 && val[3] == 9);
	/* Only a recent sample: nothing before it. */
	struct bxui_ring r2 = {0};
	bxui_ring_push(&r2, now - 1 * S, 3);
	bxui_buckets(&r2, now, 60 * S, 4, val, have);
	assert_false(have[0]);
	assert_false(have[2]);
	assert_true(have[3] && val[3] == 3);
}

static void test_bar(void **state)
{
	char buf[256];
	(void)state;
	bxui_bar(0, 100, 100, 4, U, buf, sizeof buf);
	assert_string_equal(buf, "████");
	bxui_bar(50, 50, 100, 4, U, buf, sizeof buf);
	assert_string_equal(buf, "  ██");
	/* 3/8 of a cell: a left three-eighths block. */
	bxui_bar(0, 3, 32, 4, U, buf, sizeof buf);
	assert_string_equal(buf, "▍   ");
	/* Starting half way into a cell: the right half block. */
	bxui_bar(4, 12, 32, 4, U, buf, sizeof buf);
	assert_string_equal(buf, "▐█  ");
	/* Too short to see at this scale: still one eighth. */
	bxui_bar(0, 0, 1000000, 4, U, buf, sizeof buf);
	assert_string_equal(buf, "▏   ");
	bxui_bar(0, 1, 1000000, 4, A, buf, sizeof buf);
	assert_string_equal(buf, "#   ");
	/* Past the span: clipped to the last cell, never past the width. */
	bxui_bar(90, 50, 100, 4, A, buf, sizeof buf);
	assert_string_equal(buf, "   #");
	bxui_bar(200, 50, 100, 4, A, buf, sizeof buf);
	assert_string_equal(buf, "   #");
}

static void test_graph_glyph(void **state)
{
	(void)state;
	/* 3 rows: 50 % fills the bottom row, half of the middle one. */
	assert_string_equal(bxui_graph_glyph(50, 100, 3, 0, U), "█");
	assert_string_equal(bxui_graph_glyph(50, 100, 3, 1, U), "▄");
	assert_string_equal(bxui_graph_glyph(50, 100, 3, 2, U), " ");
	assert_string_equal(bxui_graph_glyph(0, 100, 3, 0, U), " ");
	/* Anything above zero shows. */
	assert_string_equal(bxui_graph_glyph(0.01, 100, 3, 0, U), "▁");
}

static void test_tl_split(void **state)
{
	struct bx_event ev[5] = {
		{.time_us = 0, .dur_us = 2000, .module = "core", .phase = "create"},
		{.time_us = 2000, .dur_us = 500, .module = "rootfs", .phase = "prepare"},
		{.time_us = 3000, .dur_us = 0, .module = "core", .phase = "exec"},
		{.time_us = 0, .dur_us = 3300, .module = "core", .phase = "running"},
		{.time_us = 9000000, .dur_us = 700, .module = "freezer", .phase = "pause"},
	};
	bool setup[5];
	(void)state;
	/* The span runs to the end of the last setup step (running). */
	assert_int_equal(bxui_tl_split(ev, 5, setup), 3300);
	assert_true(setup[0] && setup[1] && setup[2] && setup[3]);
	assert_false(setup[4]);
	/* A setup that failed before exec: all of it is setup. */
	assert_int_equal(bxui_tl_split(ev, 2, setup), 2500);
	assert_true(setup[0] && setup[1]);
	assert_int_equal(bxui_tl_split(ev, 0, setup), 1);
}

static int total_width(const int *w)
{
	int t = -1;
	for (int c = 0; c < BXUI_COL_N; c++)
		if (w[c])
			t += w[c] + 1;
	return t;
}

static void test_layout(void **state)
{
	int w[BXUI_COL_N];
	(void)state;
	/* 80 columns: the essentials, no graphs. */
	bxui_layout(80, w);
	assert_true(total_width(w) <= 80);
	assert_true(w[BXUI_COL_NAME] >= 12);
	assert_true(w[BXUI_COL_STATUS] && w[BXUI_COL_CPU] && w[BXUI_COL_MEM] && w[BXUI_COL_PIDS]);
	assert_int_equal(w[BXUI_COL_MODULES], (int)bx_module_count());
	assert_int_equal(w[BXUI_COL_CPU_GRAPH], 0);
	/* 100: the sparklines join. */
	bxui_layout(100, w);
	assert_true(total_width(w) <= 100);
	assert_true(w[BXUI_COL_CPU_GRAPH] >= 10 && w[BXUI_COL_MEM_GRAPH] >= 10);
	/* Wide: every column, the graphs wider, never past the width. */
	bxui_layout(200, w);
	assert_true(total_width(w) <= 200);
	for (int c = 0; c < BXUI_COL_N; c++)
		assert_true(w[c] > 0);
	assert_true(w[BXUI_COL_CPU_GRAPH] > 10);
	/* Narrow: the name alone. */
	bxui_layout(20, w);
	assert_true(w[BXUI_COL_NAME] > 0);
	assert_int_equal(w[BXUI_COL_STATUS], 0);
}

static struct bxui_ctr ctr(const char *name, enum bx_status st, double cpu, uint64_t mem)
{
	struct bxui_ctr c = {
		.name = (char *)name,
		.image = (char *)"busybox",
		.command = (char *)"sleep 3600",
		.status = st,
		.live = st == BX_RUNNING || st == BX_PAUSED,
		.cpu_pct = cpu,
	};
	c.stats.mem_bytes = mem;
	return c;
}

static void test_cells(void **state)
{
	char buf[256];
	struct bxui_ctr c = ctr("web", BX_RUNNING, 12.345, 1 << 20);
	(void)state;
	c.stats.mem_limit = 64ull << 20;
	c.stats.pids = 3;
	c.stats.net_rx = 2048;
	c.stats.net_tx = 10;
	c.started_us = 1000;
	c.modules[0] = true;
	bxui_cell(&c, BXUI_COL_CPU, 5, 0, 0, U, buf, sizeof buf);
	assert_string_equal(buf, " 12.3");
	bxui_cell(&c, BXUI_COL_MEM, 11, 0, 0, U, buf, sizeof buf);
	assert_string_equal(buf, "   1.0M/64M");
	bxui_cell(&c, BXUI_COL_PIDS, 7, 0, 0, U, buf, sizeof buf);
	assert_string_equal(buf, "    3/∞");
	bxui_cell(&c, BXUI_COL_PIDS, 7, 0, 0, A, buf, sizeof buf);
	assert_string_equal(buf, "    3/-");
	bxui_cell(&c, BXUI_COL_NET, 11, 0, 0, U, buf, sizeof buf);
	assert_string_equal(buf, "    2.0K/10");
	bxui_cell(&c, BXUI_COL_UPTIME, 5, 0, 1000 + 65 * 1000000ll, U, buf, sizeof buf);
	assert_string_equal(buf, " 1m05");
	bxui_cell(&c, BXUI_COL_NAME, 6, 0, 0, U, buf, sizeof buf);
	assert_string_equal(buf, "web   ");
	/* Not running: no figures. */
	struct bxui_ctr x = ctr("old", BX_EXITED, 0, 0);
	bxui_cell(&x, BXUI_COL_CPU, 5, 0, 0, U, buf, sizeof buf);
	assert_string_equal(buf, "    -");
	bxui_cell(&x, BXUI_COL_STATUS, 10, 0, 0, U, buf, sizeof buf);
	assert_string_equal(buf, "exited    ");
	x.oom_killed = true;
	bxui_cell(&x, BXUI_COL_STATUS, 10, 0, 0, U, buf, sizeof buf);
	assert_string_equal(buf, "oom-killed");
	/* A health check: a running container shows its health; one
	 * waiting to restart says so. */
	struct bxui_ctr h = ctr("hc", BX_RUNNING, 0, 0);
	snprintf(h.health, sizeof h.health, "unhealthy");
	bxui_cell(&h, BXUI_COL_STATUS, 10, 0, 0, U, buf, sizeof buf);
	assert_string_equal(buf, "unhealthy ");
	h.status = BX_RESTARTING;
	bxui_cell(&h, BXUI_COL_STATUS, 10, 0, 0, U, buf, sizeof buf);
	assert_string_equal(buf, "restarting");
	/* Every cell of every column is exactly its width. */
	for (int col = 0; col < BXUI_COL_N; col++) {
		bxui_cell(&c, (enum bxui_col)col, 9, 0, 0, U, buf, sizeof buf);
		assert_int_equal(bxui_width(buf), 9);
	}
	bxui_header_cell(BXUI_COL_CPU, 6, BXUI_COL_CPU, true, U, buf, sizeof buf);
	assert_string_equal(buf, " CPU%▼");
	bxui_header_cell(BXUI_COL_NAME, 6, BXUI_COL_CPU, true, A, buf, sizeof buf);
	assert_string_equal(buf, "NAME  ");
}

static void test_filter(void **state)
{
	struct bxui_ctr c = ctr("WebServer", BX_PAUSED, 0, 0);
	(void)state;
	assert_true(bxui_match(&c, NULL));
	assert_true(bxui_match(&c, ""));
	assert_true(bxui_match(&c, "webs"));    /* name, any case */
	assert_true(bxui_match(&c, "BUSY"));    /* image */
	assert_true(bxui_match(&c, "paused"));  /* status */
	assert_true(bxui_match(&c, "sleep 36")); /* command */
	assert_false(bxui_match(&c, "nginx"));
}

static void test_sort_and_view(void **state)
{
	struct bxui_ctr c[5] = {
		ctr("b", BX_RUNNING, 5, 300), ctr("a", BX_RUNNING, 50, 100), ctr("c", BX_EXITED, 0, 0),
		ctr("d", BX_RUNNING, 5, 200), ctr("e", BX_PAUSED, 0, 900),
	};
	struct bxui_snapshot snap = {.c = c, .n = 5};
	size_t idx[5];
	char order[6];
	(void)state;
#define ORDER(n)                                            \
	do {                                                \
		for (size_t i_ = 0; i_ < (n); i_++)         \
			order[i_] = c[idx[i_]].name[0];     \
		order[(n)] = '\0';                          \
	} while (0)
	assert_int_equal(bxui_view(&snap, NULL, BXUI_COL_NAME, false, idx), 5);
	ORDER(5);
	assert_string_equal(order, "abcde");
	bxui_view(&snap, NULL, BXUI_COL_NAME, true, idx);
	ORDER(5);
	assert_string_equal(order, "edcba");
	/* CPU, highest first; ties in name order; not running last. */
	bxui_view(&snap, NULL, BXUI_COL_CPU, true, idx);
	ORDER(5);
	assert_string_equal(order, "abdec");
	/* The graph column sorts like its figure. */
	bxui_view(&snap, NULL, BXUI_COL_CPU_GRAPH, true, idx);
	ORDER(5);
	assert_string_equal(order, "abdec");
	bxui_view(&snap, NULL, BXUI_COL_MEM, true, idx);
	ORDER(5);
	assert_string_equal(order, "ebdac");
	bxui_view(&snap, NULL, BXUI_COL_STATUS, false, idx);
	ORDER(5);
	assert_string_equal(order, "abdec");
	/* Filter, then sort. */
	assert_int_equal(bxui_view(&snap, "running", BXUI_COL_MEM, false, idx), 3);
	ORDER(3);
	assert_string_equal(order, "adb");
	assert_int_equal(bxui_view(&snap, "zzz", BXUI_COL_NAME, false, idx), 0);
#undef ORDER
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glyphs_for_locale),
		cmocka_unit_test(test_width_and_pad),
		cmocka_unit_test(test_fmt_bytes),
		cmocka_unit_test(test_fmt_times),
		cmocka_unit_test(test_module_letters),
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_cpu_percent),
		cmocka_unit_test(test_sparkline),
		cmocka_unit_test(test_buckets_carry),
		cmocka_unit_test(test_bar),
		cmocka_unit_test(test_graph_glyph),
		cmocka_unit_test(test_tl_split),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_cells),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_sort_and_view),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
