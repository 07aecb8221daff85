/* The timeline (events.log): one tab-separated line per setup step or
 * runtime event.  Format and parse must agree, a message can never break
 * the line structure, and times count from the container's t0. */
#include "core/proc.h"
#include "core/state.h"
#include "core/timeline.h"
#include "util/fs.h"
#include "util/xalloc.h"

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

#include "bxt.h"

static char tmpdir[] = "/tmp/ut-tl-XXXXXX";

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	return setenv("BOXLAB_RUN_DIR", tmpdir, 1);
}

static int teardown(void **state)
{
	bx_err_t err = NULL;
	(void)state;
	bx_rm_rf(tmpdir, &err);
	return err ? -1 : 0;
}

static struct bx_event event(uint64_t t, uint64_t d, const char *m, const char *p, const char *msg)
{
	struct bx_event ev;
	memset(&ev, 0, sizeof ev);
	ev.time_us = t;
	ev.dur_us = d;
	snprintf(ev.module, sizeof ev.module, "%s", m);
	snprintf(ev.phase, sizeof ev.phase, "%s", p);
	snprintf(ev.message, sizeof ev.message, "%s", msg);
	return ev;
}

static void test_format(void **state)
{
	char buf[600];
	(void)state;
	struct bx_event ev = event(12, 34, "pid", "clone", "new pid namespace");
	int n = bx_tl_format(buf, sizeof buf, &ev);
	assert_string_equal(buf, "12\t34\tpid\tclone\tnew pid namespace\n");
	assert_int_equal(n, strlen(buf));

	ev = event(0, 0, "core", "exit", "");
	bx_tl_format(buf, sizeof buf, &ev);
	assert_string_equal(buf, "0\t0\tcore\texit\t\n");

	ev = event(UINT64_MAX, 18446744073709551614ULL, "m", "p", "x");
	bx_tl_format(buf, sizeof buf, &ev);
	assert_string_equal(buf, "18446744073709551615\t18446744073709551614\tm\tp\tx\n");
}

static void test_round_trip(void **state)
{
	char buf[600];
	struct bx_event back;
	(void)state;
	struct bx_event evs[] = {
		event(12, 34, "pid", "clone", "new pid namespace"),
		event(0, 0, "core", "exit", ""),
		event(UINT64_MAX, 7, "m", "p", "spaces  and: colons; and # too"),
		event(1, 2, "a-31-character-module-name-xxxx", "a-31-character-phase-name-xxxxx", "m"),
	};
	for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++) {
		bx_tl_format(buf, sizeof buf, &evs[i]);
		assert_int_equal(bx_tl_parse(buf, &back), 0);
		assert_int_equal(back.time_us, evs[i].time_us);
		assert_int_equal(back.dur_us, evs[i].dur_us);
		assert_string_equal(back.module, evs[i].module);
		assert_string_equal(back.phase, evs[i].phase);
		assert_string_equal(back.message, evs[i].message);
	}
	/* The trailing newline is optional (last line of a file). */
	assert_int_equal(bx_tl_parse("5\t6\tuts\tsethostname\tbox", &back), 0);
	assert_int_equal(back.time_us, 5);
	assert_int_equal(back.dur_us, 6);
	assert_string_equal(back.message, "box");
	/* A tab inside the message field stays part of it. */
	assert_int_equal(bx_tl_parse("5\t6\tuts\tx\ta\tb\n", &back), 0);
	assert_string_equal(back.message, "a\tb");
}

static void test_parse_truncates_long_fields(void **state)
{
	struct bx_event ev;
	char line[1200];
	char big[700];
	(void)state;
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	snprintf(line, sizeof line, "1\t2\t%.40s\t%.40s\t%s\n", big, big, big);
	assert_int_equal(bx_tl_parse(line, &ev), 0);
	assert_int_equal(strlen(ev.module), sizeof ev.module - 1);
	assert_int_equal(strlen(ev.phase), sizeof ev.phase - 1);
	assert_int_equal(strlen(ev.message), sizeof ev.message - 1);
}

static void test_parse_malformed(void **state)
{
	struct bx_event ev;
	(void)state;
	const char *bad[] = {
		"",
		"\n",
		"hello",
		"1\t2\tm\tp",       /* four fields */
		"1\t2\tm\tp\n",     /* four fields, the newline is not a tab */
		"x\t2\tm\tp\tmsg",  /* time not a number */
		"1\tx\tm\tp\tmsg",  /* duration not a number */
		"\t2\tm\tp\tmsg",   /* empty time */
		"1\t\tm\tp\tmsg",   /* empty duration */
		"1x\t2\tm\tp\tmsg", /* trailing garbage */
		"1\t2y\tm\tp\tmsg",
		"1 2 m p msg",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (bx_tl_parse(bad[i], &ev) != -1) {
			print_error("accepted malformed line [%s]\n", bad[i]);
			fail();
		}
}

static void test_event_and_read(void **state)
{
	struct bx_timeline tl;
	struct bx_event *evs = NULL;
	size_t n = 0;
	bx_err_t err = NULL;
	(void)state;
	assert_int_equal(bx_state_create("ut-tl1", NULL, &err), 0);
	uint64_t t0 = bx_now_us() - 1000;
	assert_int_equal(bx_tl_open(&tl, "ut-tl1", t0, &err), 0);
	assert_int_equal(tl.t0, t0);

	/* A step that began 500 µs after t0 and is over now. */
	uint64_t before = bx_now_us();
	bx_tl_event(&tl, "pid", "clone", t0 + 500, "flags %#x", 0x20000000);
	/* An instant event. */
	bx_tl_event(&tl, "core", "exec", 0, "running %s", "sh");
	/* Tabs and newlines would break the line format. */
	bx_tl_event(&tl, "mod\tx", "ph\nase", 0, "a\tb\nc\r\nd");
	uint64_t after = bx_now_us();
	bx_tl_close(&tl);
	assert_int_equal(tl.fd, -1);
	bx_tl_close(&tl); /* twice is harmless */

	assert_int_equal(bx_tl_read("ut-tl1", &evs, &n, &err), 0);
	assert_null(err);
	assert_int_equal(n, 3);

	assert_int_equal(evs[0].time_us, 500);
	assert_in_range(evs[0].dur_us, before - (t0 + 500), after - (t0 + 500));
	assert_string_equal(evs[0].module, "pid");
	assert_string_equal(evs[0].phase, "clone");
	assert_string_equal(evs[0].message, "flags 0x20000000");

	assert_in_range(evs[1].time_us, before - t0, after - t0);
	assert_int_equal(evs[1].dur_us, 0);
	assert_string_equal(evs[1].message, "running sh");

	assert_string_equal(evs[2].module, "mod x");
	assert_string_equal(evs[2].phase, "ph ase");
	assert_null(strchr(evs[2].message, '\t'));
	assert_null(strchr(evs[2].message, '\n'));
	assert_int_equal(strncmp(evs[2].message, "a b c", 5), 0);
	assert_int_equal(evs[2].message[strlen(evs[2].message) - 1], 'd');
	free(evs);

	/* Exactly three lines were written, one per event. */
	char *path = bx_state_path("ut-tl1", "events.log");
	char *text = bx_read_file(path, NULL, &err);
	int lines = 0;
	for (char *p = text; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 3);
	free(text);
	free(path);
	assert_int_equal(bx_state_remove("ut-tl1", &err), 0);
}

static void test_long_message(void **state)
{
	struct bx_timeline tl;
	struct bx_event *evs = NULL;
	size_t n = 0;
	bx_err_t err = NULL;
	char big[2000];
	(void)state;
	memset(big, 'y', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(bx_state_create("ut-tl2", NULL, &err), 0);
	assert_int_equal(bx_tl_open(&tl, "ut-tl2", bx_now_us(), &err), 0);
	bx_tl_event(&tl, "a-module-name-longer-than-31-characters", "phase", 0, "%s", big);
	bx_tl_event(&tl, "after", "x", 0, "still one line each");
	bx_tl_close(&tl);
	assert_int_equal(bx_tl_read("ut-tl2", &evs, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(strlen(evs[0].module), 31);
	assert_int_equal(strlen(evs[0].message), sizeof evs[0].message - 1);
	assert_string_equal(evs[1].module, "after");
	assert_string_equal(evs[1].message, "still one line each");
	free(evs);
	assert_int_equal(bx_state_remove("ut-tl2", &err), 0);
}

static void test_read_skips_garbage(void **state)
{
	struct bx_event *evs = NULL;
	size_t n = 0;
	bx_err_t err = NULL;
	(void)state;
	assert_int_equal(bx_state_create("ut-tl3", NULL, &err), 0);
	char *path = bx_state_path("ut-tl3", "events.log");
	const char *text = "1\t0\tcore\tstart\tok\n"
			   "garbage line\n"
			   "\n"
			   "2\t5\tpid\tclone\tok too\n"
			   "3\t0\ttorn"; /* a write cut short by a crash */
	assert_int_equal(bx_write_file(path, text, strlen(text), &err), 0);
	assert_int_equal(bx_tl_read("ut-tl3", &evs, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(evs[0].time_us, 1);
	assert_string_equal(evs[1].message, "ok too");
	assert_int_equal(evs[1].dur_us, 5);
	free(evs);
	free(path);
	assert_int_equal(bx_state_remove("ut-tl3", &err), 0);
}

static void test_read_missing(void **state)
{
	struct bx_event *evs = (struct bx_event *)0x1;
	size_t n = 99;
	bx_err_t err = NULL;
	(void)state;
	assert_int_equal(bx_tl_read("ut-tl-none", &evs, &n, &err), -1);
	assert_int_equal(err->errnum, ENOENT);
	assert_contains(err->msg, "cannot read the timeline");
	assert_contains(err->msg, "ut-tl-none/events.log");
	assert_null(evs);
	assert_int_equal(n, 0);
	bx_error_release(&err);

	/* Opening for writing where there is no state dir fails cleanly. */
	struct bx_timeline tl;
	assert_int_equal(bx_tl_open(&tl, "ut-tl-none", 0, &err), -1);
	assert_int_equal(err->errnum, ENOENT);
	assert_contains(err->msg, "cannot open");
	bx_error_release(&err);
	/* Events on a timeline that failed to open are dropped, not fatal. */
	bx_tl_event(&tl, "m", "p", 0, "dropped");
	bx_tl_event(NULL, "m", "p", 0, "dropped");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_parse_truncates_long_fields),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_event_and_read),
		cmocka_unit_test(test_long_message),
		cmocka_unit_test(test_read_skips_garbage),
		cmocka_unit_test(test_read_missing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
