/* The supervisor's pure parts: Go durations and Docker's time arguments
 * (core/times.c), the CRI log records and rotation (core/logfile.c), and
 * the restart and health decisions (core/supervise.c). */
#include "core/logfile.h"
#include "core/spec.h"
#include "core/state.h"
#include "core/supervise.h"
#include "core/times.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define S 1000000000LL
#define MS 1000000LL

static int64_t dur(const char *s)
{
	bx_err_t err = NULL;
	int64_t ns = -42;
	if (bx_parse_duration(s, &ns, &err) < 0) {
		bx_error_release(&err);
		return -1;
	}
	return ns;
}

static void test_duration(void **state)
{
	(void)state;
	assert_int_equal(dur("0"), 0);
	assert_int_equal(dur("500ms"), 500 * MS);
	assert_int_equal(dur("30s"), 30 * S);
	assert_int_equal(dur("1m30s"), 90 * S);
	assert_int_equal(dur("1.5h"), 5400 * S);
	assert_int_equal(dur("2h45m10s"), (2 * 3600 + 45 * 60 + 10) * S);
	assert_int_equal(dur("10us"), 10000);
	assert_int_equal(dur("7ns"), 7);
	/* No unit, a unit alone, a sign, blanks, unknown units: refused. */
	assert_int_equal(dur("30"), -1);
	assert_int_equal(dur("s"), -1);
	assert_int_equal(dur("-5s"), -1);
	assert_int_equal(dur(" 5s"), -1);
	assert_int_equal(dur("5d"), -1);
	assert_int_equal(dur(""), -1);
	assert_int_equal(dur("5s3"), -1);

	char b[32];
	bx_format_duration(100 * MS, b, sizeof b);
	assert_string_equal(b, "100ms");
	bx_format_duration(30 * S, b, sizeof b);
	assert_string_equal(b, "30s");
	bx_format_duration(90 * S, b, sizeof b);
	assert_string_equal(b, "1m30s");
	bx_format_duration(3600 * S, b, sizeof b);
	assert_string_equal(b, "1h");
	/* What it formats, it reads back. */
	assert_int_equal(dur("1m30s"), 90 * S);
}

static int64_t when(const char *s, int64_t now)
{
	bx_err_t err = NULL;
	int64_t ns = -42;
	if (bx_parse_time_arg(s, now, &ns, &err) < 0) {
		bx_error_release(&err);
		return -1;
	}
	return ns;
}

static void test_time_arg(void **state)
{
	(void)state;
	int64_t now = 1700000000 * S;
	assert_int_equal(when("2023-11-14T22:13:20Z", now), 1700000000 * S);
	assert_int_equal(when("2023-11-14T22:13:20.5Z", now), 1700000000 * S + 500 * MS);
	assert_int_equal(when("2023-11-14T23:13:20+01:00", now), 1700000000 * S);
	assert_int_equal(when("2023-11-14T22:13:20", now), 1700000000 * S); /* no zone: UTC */
	assert_int_equal(when("2023-11-14T22:13", now), 1700000000 * S - 20 * S);
	assert_int_equal(when("2023-11-14", now), (1700000000 - 22 * 3600 - 13 * 60 - 20) * S);
	assert_int_equal(when("1700000000", now), 1700000000 * S);
	assert_int_equal(when("1700000000.25", now), 1700000000 * S + 250 * MS);
	assert_int_equal(when("10m", now), now - 600 * S);
	assert_int_equal(when("1h30m", now), now - 5400 * S);
	assert_int_equal(when("yesterday", now), -1);
	assert_int_equal(when("2023-13-01", now), -1);
	assert_int_equal(when("2023-11-14T25:00:00Z", now), -1);
	assert_int_equal(when("", now), -1);
}

static void test_rfc3339_round_trip(void **state)
{
	(void)state;
	char b[40];
	const char *end;
	int64_t ns, t = 1700000000 * S + 123456789;
	bx_format_rfc3339nano(t, b, sizeof b);
	assert_string_equal(b, "2023-11-14T22:13:20.123456789Z");
	assert_int_equal(strlen(b), 30);
	assert_int_equal(bx_parse_rfc3339(b, &ns, &end), 0);
	assert_int_equal(ns, t);
	assert_ptr_equal(end, b + 30);
	/* The log's own stamps need the whole time. */
	assert_int_equal(bx_parse_rfc3339("2023-11-14", &ns, &end), -1);
	assert_int_equal(bx_parse_rfc3339("2023-11-14T22:13Z", &ns, &end), -1);
}

/* bx_format_utc does its own calendar (no gmtime_r: it reads the time
 * zone): the same date and time as gmtime_r over leap days, century
 * years, 2000 and 2100, every day of 1960..2200 at a few times of day. */
static void test_utc_calendar(void **state)
{
	(void)state;
	for (int64_t day = -3653; day < 84000; day++)
		for (int k = 0; k < 3; k++) {
			int64_t s = day * 86400 + (int64_t[]){0, 45296, 86399}[k];
			time_t t = (time_t)s;
			struct tm tm;
			char want[64], got[64];
			gmtime_r(&t, &tm);
			snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.000007Z", tm.tm_year + 1900,
				 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
			bx_format_utc(s * S + 7000, 6, got, sizeof got);
			if (strcmp(want, got))
				fail_msg("%lld s: %s, gmtime_r says %s", (long long)s, got, want);
		}
	char b[64];
	bx_format_utc(-1, 3, b, sizeof b); /* a nanosecond before the epoch */
	assert_string_equal(b, "1969-12-31T23:59:59.999Z");
}

static void test_log_records(void **state)
{
	(void)state;
	char buf[256];
	struct bx_log_rec r;
	int64_t t = 1700000000 * S + 5;
	size_t n = bx_log_format(buf, t, "stderr", false, "hello world", 11);
	assert_int_equal(n, 40 + 11 + 1);
	assert_memory_equal(buf, "2023-11-14T22:13:20.000000005Z stderr F hello world\n", n);
	bx_log_parse(buf, n - 1, 0, &r);
	assert_int_equal(r.ns, t);
	assert_true(r.err);
	assert_false(r.partial);
	assert_int_equal(r.len, 11);
	assert_memory_equal(r.text, "hello world", 11);

	/* An empty piece and an empty line. */
	n = bx_log_format(buf, t, "stdout", true, "", 0);
	bx_log_parse(buf, n - 1, 0, &r);
	assert_true(r.partial);
	assert_false(r.err);
	assert_int_equal(r.len, 0);
	bx_log_parse(buf, n - 2, 0, &r); /* the trailing blank cut off */
	assert_int_equal(r.ns, t);
	assert_int_equal(r.len, 0);

	/* Raw lines (a restored checkpoint's own writes) keep the time of
	 * the record before them. */
	bx_log_parse("plain text", 10, 77, &r);
	assert_int_equal(r.ns, 77);
	assert_false(r.err);
	assert_int_equal(r.len, 10);
	bx_log_parse("2023-11-14T22:13:20.000000005Z stdin F x", 40, 9, &r);
	assert_int_equal(r.ns, 9);
	bx_log_parse("2023-11-14T22:13:20.000000005Z stdout X x", 41, 9, &r);
	assert_int_equal(r.ns, 9);
}

static void test_log_write_and_rotate(void **state)
{
	(void)state;
	char dir[] = "/tmp/ut-log-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = xasprintf("%s/stdout.log", dir);
	struct bx_logw w;
	bx_err_t err = NULL;
	assert_int_equal(bx_logw_open(&w, path, 400, 3, &err), 0);
	/* A line, then a piece that the next write ends. */
	bx_logw_write(&w, "stdout", "one\ntw", 6);
	bx_logw_write(&w, "stdout", "o\n", 2);
	char *text = bx_read_file(path, NULL, &err);
	assert_non_null(text);
	assert_non_null(strstr(text, " stdout F one\n"));
	assert_non_null(strstr(text, " stdout P tw\n"));
	assert_non_null(strstr(text, " stdout F o\n"));
	free(text);
	/* 20 records of 50 bytes: rotated, 3 files kept, none over 400. */
	for (int i = 0; i < 20; i++)
		bx_logw_write(&w, "stdout", "123456789\n", 10);
	bx_logw_close(&w);
	char **files = bx_log_files(path);
	assert_int_equal(strv_len(files), 3);
	assert_non_null(strstr(files[0], "stdout.log.2"));
	assert_non_null(strstr(files[1], "stdout.log.1"));
	assert_string_equal(files[2], path);
	for (size_t i = 0; files[i]; i++) {
		struct stat st;
		assert_int_equal(stat(files[i], &st), 0);
		assert_true(st.st_size <= 400);
		assert_true(st.st_size > 0);
	}
	strv_free(files);
	/* One file: started afresh, never over the size. */
	char *p1 = xasprintf("%s/one.log", dir);
	assert_int_equal(bx_logw_open(&w, p1, 200, 1, &err), 0);
	for (int i = 0; i < 20; i++)
		bx_logw_write(&w, "stdout", "123456789\n", 10);
	bx_logw_close(&w);
	files = bx_log_files(p1);
	assert_int_equal(strv_len(files), 1);
	strv_free(files);
	struct stat st;
	assert_int_equal(stat(p1, &st), 0);
	assert_true(st.st_size <= 200);
	assert_int_equal(bx_rm_rf(dir, &err), 0);
	free(path);
	free(p1);
}

static void test_restart_policy(void **state)
{
	(void)state;
	struct bx_supervise_conf c;
	bx_supervise_conf_init(&c);
	assert_false(bx_restart_wanted(&c, 1, 0, false)); /* no */
	c.restart = BX_RESTART_ON_FAILURE;
	assert_true(bx_restart_wanted(&c, 1, 0, false));
	assert_false(bx_restart_wanted(&c, 0, 0, false));
	assert_true(bx_restart_wanted(&c, 137, 500, false)); /* no limit */
	c.restart_max = 3;
	assert_true(bx_restart_wanted(&c, 1, 2, false));
	assert_false(bx_restart_wanted(&c, 1, 3, false));
	c.restart = BX_RESTART_ALWAYS;
	assert_true(bx_restart_wanted(&c, 0, 99, false));
	assert_false(bx_restart_wanted(&c, 0, 0, true)); /* stopped by the user */
	c.restart = BX_RESTART_UNLESS_STOPPED;
	assert_true(bx_restart_wanted(&c, 0, 0, false));
	assert_false(bx_restart_wanted(&c, 1, 0, true));
}

static void test_backoff(void **state)
{
	(void)state;
	int64_t d = bx_restart_delay(0, 0);
	assert_int_equal(d, 100 * MS);
	d = bx_restart_delay(d, 1 * S);
	assert_int_equal(d, 200 * MS);
	d = bx_restart_delay(d, 1 * S);
	assert_int_equal(d, 400 * MS);
	for (int i = 0; i < 20; i++)
		d = bx_restart_delay(d, 0);
	assert_int_equal(d, 60 * S); /* capped */
	/* A run of 10 s resets it. */
	assert_int_equal(bx_restart_delay(d, 10 * S), 100 * MS);
	assert_int_equal(bx_restart_delay(d, 10 * S - 1), 60 * S);
}

static void test_health_steps(void **state)
{
	(void)state;
	struct bx_health h = {.status = "starting"};
	/* Failures in the start period do not count. */
	assert_false(bx_health_step(&h, false, true, 2));
	assert_false(bx_health_step(&h, false, true, 2));
	assert_string_equal(h.status, "starting");
	assert_int_equal(h.streak, 0);
	/* Two in a row after it: unhealthy. */
	assert_false(bx_health_step(&h, false, false, 2));
	assert_string_equal(h.status, "starting");
	assert_true(bx_health_step(&h, false, false, 2));
	assert_string_equal(h.status, "unhealthy");
	/* One success: healthy, the streak gone. */
	assert_true(bx_health_step(&h, true, false, 2));
	assert_string_equal(h.status, "healthy");
	assert_int_equal(h.streak, 0);
	assert_false(bx_health_step(&h, false, false, 2));
	assert_string_equal(h.status, "healthy");
	/* A success inside the start period counts. */
	struct bx_health g = {.status = "starting"};
	assert_true(bx_health_step(&g, true, true, 3));
	assert_string_equal(g.status, "healthy");
}

/* The removal lock of parallel rm -f: made by the first remover,
 * removed last; a half-made dir gets one too. */
static void test_remove_lock(void **state)
{
	(void)state;
	char dir[] = "/tmp/ut-rmlock-XXXXXX";
	bx_err_t err = NULL;
	bool gone;
	assert_non_null(mkdtemp(dir));
	setenv("BOXLAB_RUN_DIR", dir, 1);
	assert_int_equal(bx_state_create("ut-l", NULL, &err), 0);
	int fd = bx_state_remove_lock("ut-l", &gone);
	assert_true(fd >= 0);
	assert_false(gone);
	assert_int_equal(bx_state_remove("ut-l", &err), 0);
	/* The holder sees it went; a later remover finds nothing. */
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_nlink, 0);
	close(fd);
	assert_int_equal(bx_state_remove_lock("ut-l", &gone), -1);
	assert_true(gone);
	/* Half made: the dir alone. */
	char *half = xasprintf("%s/ut-h", dir);
	assert_int_equal(mkdir(half, 0700), 0);
	fd = bx_state_remove_lock("ut-h", &gone);
	assert_true(fd >= 0);
	assert_false(gone);
	assert_int_equal(bx_state_remove("ut-h", &err), 0);
	close(fd);
	assert_int_equal(access(half, F_OK), -1);
	free(half);
	assert_int_equal(rmdir(dir), 0);
	unsetenv("BOXLAB_RUN_DIR");
}

static int set_opt(struct bx_spec *s, const char *flag, const char *v)
{
	bx_err_t err = NULL;
	bx_foreach_opt(o)
		if (o->flag && !strcmp(o->flag, flag)) {
			int r = o->set(s, v, &err);
			bx_error_release(&err);
			return r;
		}
	return -2;
}

static void test_options(void **state)
{
	(void)state;
	struct bx_spec s;
	bx_spec_init(&s);
	assert_int_equal(set_opt(&s, "restart", "on-failure:5"), 0);
	assert_int_equal(s.sup.restart, BX_RESTART_ON_FAILURE);
	assert_int_equal(s.sup.restart_max, 5);
	assert_int_equal(set_opt(&s, "restart", "unless-stopped"), 0);
	assert_int_equal(s.sup.restart_max, 0);
	assert_int_equal(set_opt(&s, "restart", "always:3"), -1);
	assert_int_equal(set_opt(&s, "restart", "on-failure:"), -1);
	assert_int_equal(set_opt(&s, "restart", "on-failure:-1"), -1);
	assert_int_equal(set_opt(&s, "restart", "sometimes"), -1);
	assert_int_equal(set_opt(&s, "health-interval", "250ms"), 0);
	assert_int_equal(s.sup.health_interval_ns, 250 * MS);
	assert_int_equal(set_opt(&s, "health-interval", "1ms"), -1);
	assert_int_equal(set_opt(&s, "health-interval", "5"), -1);
	assert_int_equal(set_opt(&s, "health-retries", "0"), -1);
	assert_int_equal(set_opt(&s, "health-retries", "4"), 0);
	assert_int_equal(set_opt(&s, "log-max-size", "1m"), 0);
	assert_int_equal(s.sup.log_max_size, 1 << 20);
	assert_int_equal(set_opt(&s, "log-max-size", "100"), -1);
	assert_int_equal(set_opt(&s, "log-max-size", "0"), 0);
	assert_int_equal(set_opt(&s, "log-max-files", "0"), -1);
	assert_int_equal(set_opt(&s, "health-cmd", "NONE"), 0);
	assert_null(s.sup.health_cmd);
	bx_spec_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_time_arg),
		cmocka_unit_test(test_rfc3339_round_trip),
		cmocka_unit_test(test_utc_calendar),
		cmocka_unit_test(test_log_records),
		cmocka_unit_test(test_log_write_and_rotate),
		cmocka_unit_test(test_restart_policy),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_health_steps),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_remove_lock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
