/* gc's crash bookkeeping: state dirs appear and disappear whole, the
 * quick check before every command finds the leftovers of a dead pid and
 * leaves everything else alone, and it is cheap when nothing is dead
 * (the cost per call is printed; the bound is loose for a loaded CI). */
#include "cli/cli.h"
#include "core/proc.h"
#include "core/state.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

/* /run as in real use (tmpfs); /tmp where /run is not ours. */
static char tmpdir[] = "/run/ut-gc-XXXXXX";

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir)) {
		memcpy(tmpdir, "/tmp", 4);
		if (!mkdtemp(tmpdir))
			return -1;
	}
	setenv("BOXLAB_AUTO_GC", "1", 1);
	return setenv("BOXLAB_RUN_DIR", tmpdir, 1);
}

static int teardown(void **state)
{
	bx_err_t err = NULL;
	(void)state;
	bx_rm_rf(tmpdir, &err);
	bx_error_release(&err);
	return 0;
}

static size_t entries(void)
{
	size_t n = 0;
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, ".gc.lock"))
			n++;
	closedir(d);
	return n;
}

static bool exists(const char *name)
{
	char *p = xasprintf("%s/%s", tmpdir, name);
	bool r = access(p, F_OK) == 0;
	free(p);
	return r;
}

static bool has_file(const char *path)
{
	return access(path, F_OK) == 0;
}

/* A pid that surely ended: a child, reaped. */
static pid_t dead_pid(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

static void test_create_remove_whole(void **state)
{
	bx_err_t err = NULL;
	(void)state;
	assert_int_equal(bx_state_create("ut-a", NULL, &err), 0);
	assert_int_equal(bx_state_create("ut-a", NULL, &err), -1);
	assert_non_null(strstr(err->msg, "already in use"));
	bx_error_release(&err);
	/* Neither the winner nor the loser left a hidden dir. */
	assert_int_equal(entries(), 1);
	char *link = bx_state_path("ut-a", BX_STATE_SUPERVISOR);
	char *text = bx_read_file(link, NULL, &err);
	assert_non_null(text);
	assert_int_equal(strtol(text, NULL, 10), getpid());
	free(text);
	/* Held by us: another open of it cannot lock it. */
	int fd = open(link, O_RDONLY | O_CLOEXEC);
	assert_int_equal(flock(fd, LOCK_SH | LOCK_NB), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	close(fd);
	bx_state_supervisor_done("ut-a");
	assert_false(has_file(link));
	free(link);
	assert_int_equal(bx_state_remove("ut-a", &err), 0);
	assert_int_equal(entries(), 0);
	/* Removing what is not there is no error (gc and rm may race). */
	assert_int_equal(bx_state_remove("ut-a", &err), 0);
}

static void test_auto_hidden(void **state)
{
	(void)state;
	pid_t dead = dead_pid();
	char *a = bx_state_new_dir(dead, "ut-h1");
	char *b = xasprintf("%s/.rm.%d.ut-h2/upper/x", tmpdir, dead);
	char *c = bx_state_new_dir(getpid(), "ut-h3");
	assert_int_equal(mkdir(a, 0700), 0);
	bx_err_t err = NULL;
	assert_int_equal(bx_mkdir_p(b, 0700, &err), 0);
	assert_int_equal(mkdir(c, 0700), 0);
	/* Commands that only look leave them. */
	bx_gc_auto("ps");
	assert_int_equal(entries(), 3);
	bx_gc_auto("run");
	assert_int_equal(entries(), 1);
	assert_int_equal(access(c, F_OK), 0);
	assert_int_equal(rmdir(c), 0);
	free(a);
	free(b);
	free(c);
}

/* A container whose supervisor lock is free (its holder died), but
 * whose end is recorded: kept, and the stale lock file dropped. */
static void test_auto_exited_kept(void **state)
{
	bx_err_t err = NULL;
	(void)state;
	assert_int_equal(bx_state_create("ut-x", NULL, &err), 0);
	struct bx_state st;
	assert_int_equal(bx_state_read("ut-x", &st, &err), 0);
	st.status = BX_EXITED;
	st.exit_code = 0;
	assert_int_equal(bx_state_write(&st, &err), 0);
	bx_state_free(&st);
	char *link = bx_state_path("ut-x", BX_STATE_SUPERVISOR);
	unlink(link); /* our lock goes with the name; a free one instead */
	assert_int_equal(bx_write_file(link, "1 1\n", 4, &err), 0);
	setenv("BOXLAB_AUTO_GC", "0", 1);
	bx_gc_auto("run");
	setenv("BOXLAB_AUTO_GC", "1", 1);
	assert_true(has_file(link)); /* off: nothing done */
	bx_gc_auto("run");
	assert_true(exists("ut-x"));
	assert_false(has_file(link));
	free(link);
	assert_int_equal(bx_state_remove("ut-x", &err), 0);
}

/* The quick check with many live containers: an open and a flock
 * each.  Printed; the bound only catches a gross regression (the
 * machine may be loaded: 5 ms a call were seen at a load of 9). */
static void test_auto_cost(void **state)
{
	bx_err_t err = NULL;
	(void)state;
	enum { N = 200, CALLS = 200 };
	for (int i = 0; i < N; i++) {
		char name[32];
		snprintf(name, sizeof name, "ut-live%d", i);
		assert_int_equal(bx_state_create(name, NULL, &err), 0);
	}
	for (int i = 0; i < 3; i++)
		bx_gc_auto("run");
	uint64_t t0 = bx_now_us();
	for (int i = 0; i < CALLS; i++)
		bx_gc_auto("run");
	double per = (double)(bx_now_us() - t0) / CALLS;
	uint64_t t1 = bx_now_us();
	for (int i = 0; i < CALLS; i++)
		bx_gc_auto("ps");
	double skip = (double)(bx_now_us() - t1) / CALLS;
	printf("# quick gc check with %d live containers: %.1f us a call (%.2f us when skipped)\n", N, per, skip);
	assert_int_equal(entries(), N);
	/* Timing means nothing under valgrind (make valgrind). */
	if (!getenv("BOXLAB_TEST_NO_TIMING"))
		assert_true(per < 50000); /* an order of magnitude off */
	for (int i = 0; i < N; i++) {
		char name[32];
		snprintf(name, sizeof name, "ut-live%d", i);
		assert_int_equal(bx_state_remove(name, &err), 0);
	}
	/* And with none at all. */
	t0 = bx_now_us();
	for (int i = 0; i < CALLS; i++)
		bx_gc_auto("run");
	printf("# quick gc check with no container: %.1f us a call\n", (double)(bx_now_us() - t0) / CALLS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_remove_whole),
		cmocka_unit_test(test_auto_hidden),
		cmocka_unit_test(test_auto_exited_kept),
		cmocka_unit_test(test_auto_cost),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
