/* The state dir is boxlab's database: state.json must read back exactly
 * what was written, and every way it can be missing or broken must give
 * a message that tells the user what to do. */
#include "core/proc.h"
#include "core/state.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "bxt.h"

static char tmpdir[] = "/tmp/ut-state-XXXXXX";
static char *rundir;

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	/* A run dir that does not exist yet: bx_state_create makes it. */
	rundir = xasprintf("%s/run/boxlab", tmpdir);
	return setenv("BOXLAB_RUN_DIR", rundir, 1);
}

static int teardown(void **state)
{
	bx_err_t err = NULL;
	(void)state;
	bx_rm_rf(tmpdir, &err);
	free(rundir);
	return err ? -1 : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void create_ok(const char *name)
{
	bx_err_t err = NULL;
	if (bx_state_create(name, NULL, &err) != 0) {
		print_error("create %s: %s\n", name, err ? err->msg : "?");
		fail();
	}
}

static void full_state(struct bx_state *st, const char *name)
{
	memset(st, 0, sizeof *st);
	st->name = xstrdup(name);
	st->image = xstrdup("busybox");
	strv_push(&st->command, "sh");
	strv_push(&st->command, "-c");
	strv_push(&st->command, "echo \"hi\"; exit 3");
	st->status = BX_RUNNING;
	st->pid = 4242;
	st->pid_start = 123456789012ULL;
	st->supervisor = 4241;
	st->supervisor_start = 123456789000ULL;
	st->created_us = 1700000000123456LL;
	st->started_us = 1700000000223456LL;
	st->finished_us = 1700000001323456LL;
	st->t0_mono_us = 98765432101ULL;
	st->exit_code = 137;
	st->exit_signal = SIGKILL;
	st->detached = true;
	st->rm = false;
	st->tty = true;
	strv_push(&st->modules, "user");
	strv_push(&st->modules, "pid");
	st->root_uid = 100000;
	st->root_gid = 100001;
	st->rootfs = xstrdup("/run/boxlab/x/rootfs");
	st->error = xstrdup("setting up rootfs: boom");
}

static void same_strv(char *const *a, char *const *b)
{
	assert_int_equal(strv_len(a), strv_len(b));
	for (size_t i = 0; i < strv_len(a); i++)
		assert_string_equal(a[i], b[i]);
}

static void test_path(void **state)
{
	(void)state;
	char *p = bx_state_path("ut-a", "state.json"), *want = xasprintf("%s/ut-a/state.json", rundir);
	assert_string_equal(p, want);
	free(p);
	free(want);
	p = bx_state_path("ut-a", NULL);
	want = xasprintf("%s/ut-a", rundir);
	assert_string_equal(p, want);
	free(p);
	free(want);
	assert_string_equal(bx_run_dir(), rundir);
}

static void test_status_names(void **state)
{
	(void)state;
	assert_string_equal(bx_status_name(BX_CREATED), "created");
	assert_string_equal(bx_status_name(BX_RUNNING), "running");
	assert_string_equal(bx_status_name(BX_PAUSED), "paused");
	assert_string_equal(bx_status_name(BX_EXITED), "exited");
	assert_string_equal(bx_status_name(BX_DEAD), "dead");
}

static void test_round_trip(void **state)
{
	struct bx_state st, back;
	bx_err_t err = NULL;
	(void)state;
	create_ok("ut-rt");
	full_state(&st, "ut-rt");
	assert_int_equal(bx_state_write(&st, &err), 0);
	assert_null(err);
	assert_int_equal(bx_state_read("ut-rt", &back, &err), 0);
	assert_null(err);

	assert_string_equal(back.name, st.name);
	assert_string_equal(back.image, st.image);
	same_strv(back.command, st.command);
	assert_int_equal(back.status, st.status);
	assert_int_equal(back.pid, st.pid);
	assert_int_equal(back.pid_start, st.pid_start);
	assert_int_equal(back.supervisor, st.supervisor);
	assert_int_equal(back.supervisor_start, st.supervisor_start);
	assert_int_equal(back.created_us, st.created_us);
	assert_int_equal(back.started_us, st.started_us);
	assert_int_equal(back.finished_us, st.finished_us);
	assert_int_equal(back.t0_mono_us, st.t0_mono_us);
	assert_int_equal(back.exit_code, st.exit_code);
	assert_int_equal(back.exit_signal, st.exit_signal);
	assert_int_equal(back.detached, st.detached);
	assert_int_equal(back.rm, st.rm);
	assert_int_equal(back.tty, st.tty);
	same_strv(back.modules, st.modules);
	assert_int_equal(back.root_uid, st.root_uid);
	assert_int_equal(back.root_gid, st.root_gid);
	assert_string_equal(back.rootfs, st.rootfs);
	assert_string_equal(back.error, st.error);
	bx_state_free(&back);

	/* Every status survives, and so do the "not yet" values. */
	for (int s = BX_CREATED; s <= BX_DEAD; s++) {
		st.status = s;
		st.exit_code = -1;
		st.exit_signal = 0;
		st.rm = true;
		st.detached = false;
		free(st.rootfs);
		free(st.error);
		st.rootfs = st.error = NULL;
		assert_int_equal(bx_state_write(&st, &err), 0);
		assert_int_equal(bx_state_read("ut-rt", &back, &err), 0);
		assert_int_equal(back.status, s);
		assert_int_equal(back.exit_code, -1);
		assert_int_equal(back.exit_signal, 0);
		assert_true(back.rm);
		assert_false(back.detached);
		assert_null(back.rootfs);
		assert_null(back.error);
		/* The raw pid is kept even when the container is not running. */
		assert_int_equal(back.pid, 4242);
		bx_state_free(&back);
	}
	bx_state_free(&st);

	/* No temp file left next to state.json. */
	char *dir = bx_state_path("ut-rt", NULL);
	char **entries = NULL;
	DIR *d = opendir(dir);
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			strv_push(&entries, e->d_name);
	closedir(d);
	/* state.json and the supervisor link of bx_state_create. */
	assert_int_equal(strv_len(entries), 2);
	qsort(entries, 2, sizeof *entries, cmp_str);
	assert_string_equal(entries[0], "state.json");
	assert_string_equal(entries[1], BX_STATE_SUPERVISOR);
	strv_free(entries);
	free(dir);
	assert_int_equal(bx_state_remove("ut-rt", &err), 0);
}

static void test_empty_lists(void **state)
{
	struct bx_state st = {0}, back;
	bx_err_t err = NULL;
	(void)state;
	create_ok("ut-empty");
	st.name = xstrdup("ut-empty");
	st.exit_code = 0;
	assert_int_equal(bx_state_write(&st, &err), 0);
	assert_int_equal(bx_state_read("ut-empty", &back, &err), 0);
	/* Empty, not NULL: callers index them. */
	assert_non_null(back.command);
	assert_null(back.command[0]);
	assert_non_null(back.modules);
	assert_null(back.modules[0]);
	assert_string_equal(back.image, "");
	assert_int_equal(back.exit_code, 0);
	assert_int_equal(back.status, BX_CREATED);
	bx_state_free(&back);
	bx_state_free(&st);
	assert_int_equal(bx_state_remove("ut-empty", &err), 0);
}

static void test_read_missing(void **state)
{
	struct bx_state st;
	bx_err_t err = NULL;
	(void)state;
	assert_int_equal(bx_state_read("ut-nothere", &st, &err), -1);
	assert_int_equal(err->exit_code, BX_EXIT_USAGE);
	assert_string_equal(err->msg, "no such container: ut-nothere (see 'boxlab ps -a')");
	bx_error_release(&err);
	/* A failed read leaves nothing to free. */
	assert_null(st.name);
	bx_state_free(&st);

	/* A name that is not a name never reaches the file system. */
	assert_int_equal(bx_state_read("../etc", &st, &err), -1);
	assert_int_equal(err->exit_code, BX_EXIT_USAGE);
	assert_contains(err->msg, "invalid name \"../etc\"");
	bx_error_release(&err);
}

static void test_read_corrupt(void **state)
{
	struct bx_state st;
	bx_err_t err = NULL;
	(void)state;
	create_ok("ut-corrupt");
	char *path = bx_state_path("ut-corrupt", "state.json");

	/* Made whole: state.json is there from the start. */
	assert_int_equal(bx_state_read("ut-corrupt", &st, &err), 0);
	assert_int_equal(st.status, BX_CREATED);
	assert_int_equal(st.supervisor, getpid());
	bx_state_free(&st);
	/* A dir without state.json (an older boxlab that died starting). */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(bx_state_read("ut-corrupt", &st, &err), -1);
	assert_contains(err->msg, "corrupt state of ut-corrupt");
	assert_contains(err->msg, "boxlab gc");
	bx_error_release(&err);

	assert_int_equal(bx_write_file(path, "{\"name\": \"ut-corrupt\", ", strlen("{\"name\": \"ut-corrupt\", "), &err), 0);
	assert_int_equal(bx_state_read("ut-corrupt", &st, &err), -1);
	assert_int_not_equal(err->exit_code, BX_EXIT_USAGE);
	assert_contains(err->msg, "corrupt state of ut-corrupt");
	assert_contains(err->msg, path);
	assert_contains(err->msg, "remove it with 'boxlab gc'");
	bx_error_release(&err);

	/* Valid JSON of the wrong shape reads as a dead container. */
	assert_int_equal(bx_write_file(path, "{\"status\": 7, \"command\": \"ls\"}", strlen("{\"status\": 7, \"command\": \"ls\"}"), &err), 0);
	assert_int_equal(bx_state_read("ut-corrupt", &st, &err), 0);
	assert_int_equal(st.status, BX_DEAD);
	assert_int_equal(strv_len(st.command), 0);
	assert_int_equal(st.exit_code, -1);
	bx_state_free(&st);
	free(path);
	assert_int_equal(bx_state_remove("ut-corrupt", &err), 0);
}

static void test_create_twice(void **state)
{
	bx_err_t err = NULL;
	(void)state;
	create_ok("ut-twice");
	assert_int_equal(bx_state_create("ut-twice", NULL, &err), -1);
	assert_int_equal(err->exit_code, BX_EXIT_USAGE);
	assert_contains(err->msg, "the name \"ut-twice\" is already in use");
	assert_contains(err->msg, "boxlab rm ut-twice");
	assert_contains(err->msg, "--name");
	bx_error_release(&err);

	struct stat sb;
	char *dir = bx_state_path("ut-twice", NULL);
	assert_int_equal(stat(dir, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0711);
	free(dir);
	/* Container root must be able to walk through the run dir. */
	assert_int_equal(stat(rundir, &sb), 0);
	assert_int_equal(sb.st_mode & 0111, 0111);
	assert_int_equal(bx_state_remove("ut-twice", &err), 0);
	assert_int_equal(bx_state_create("ut-twice", NULL, &err), 0);
	assert_int_equal(bx_state_remove("ut-twice", &err), 0);
}

/* A run writes state.json once, whole, with the dir: what it passes is
 * there, and the name and supervisor are always the caller's. */
static void test_create_whole(void **state)
{
	bx_err_t err = NULL;
	(void)state;
	char *cmd[] = {"sh", "-c", "true", NULL};
	char *mods[] = {"pid", "mnt", NULL};
	struct bx_state full = {.name = "ignored", .image = "busybox", .command = cmd, .modules = mods,
				.status = BX_CREATED, .supervisor = 1, .created_us = 1234, .t0_mono_us = 99,
				.exit_code = -1, .rm = true};
	assert_int_equal(bx_state_create("ut-whole", &full, &err), 0);
	/* The caller's copy says who the supervisor is, as the file does. */
	assert_int_equal(full.supervisor, getpid());
	assert_int_equal(full.supervisor_start, bx_proc_starttime(getpid()));
	struct bx_state st;
	assert_int_equal(bx_state_read("ut-whole", &st, &err), 0);
	assert_string_equal(st.name, "ut-whole");
	assert_string_equal(st.image, "busybox");
	assert_string_equal(st.command[2], "true");
	assert_string_equal(st.modules[1], "mnt");
	assert_int_equal(st.supervisor, getpid());
	assert_int_equal(st.supervisor_start, bx_proc_starttime(getpid()));
	assert_int_equal(st.created_us, 1234);
	assert_int_equal(st.t0_mono_us, 99);
	assert_true(st.rm);
	bx_state_free(&st);
	assert_int_equal(bx_state_remove("ut-whole", &err), 0);
}

static void test_create_unwritable(void **state)
{
	bx_err_t err = NULL;
	(void)state;
	char *file = xasprintf("%s/afile", tmpdir);
	assert_int_equal(bx_write_file(file, "x", 1, &err), 0);
	char *bad = xasprintf("%s/sub", file);
	setenv("BOXLAB_RUN_DIR", bad, 1);
	assert_int_equal(bx_state_create("ut-nowhere", NULL, &err), -1);
	assert_contains(err->msg, bad);
	assert_contains(err->msg, "Not a directory");
	assert_contains(err->msg, "BOXLAB_RUN_DIR");
	bx_error_release(&err);
	setenv("BOXLAB_RUN_DIR", rundir, 1);
	unlink(file);
	free(file);
	free(bad);
}

static void test_list(void **state)
{
	bx_err_t err = NULL;
	(void)state;
	create_ok("ut-c1");
	create_ok("ut-a1");
	create_ok("ut-b1");
	/* Things in the run dir that are not containers. */
	char *junk[] = {".hidden", "Bad", "x y", "-dash"};
	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
		char *p = xasprintf("%s/%s", rundir, junk[i]);
		assert_int_equal(mkdir(p, 0700), 0);
		free(p);
	}
	char **v = bx_state_list();
	assert_int_equal(strv_len(v), 3);
	assert_string_equal(v[0], "ut-a1");
	assert_string_equal(v[1], "ut-b1");
	assert_string_equal(v[2], "ut-c1");
	strv_free(v);
	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
		char *p = xasprintf("%s/%s", rundir, junk[i]);
		rmdir(p);
		free(p);
	}
	assert_int_equal(bx_state_remove("ut-a1", &err), 0);
	assert_int_equal(bx_state_remove("ut-b1", &err), 0);
	assert_int_equal(bx_state_remove("ut-c1", &err), 0);
	v = bx_state_list();
	assert_int_equal(strv_len(v), 0);
	strv_free(v);

	/* No run dir at all: an empty list, not an error. */
	setenv("BOXLAB_RUN_DIR", "/nonexistent/ut-run", 1);
	v = bx_state_list();
	assert_non_null(v);
	assert_int_equal(strv_len(v), 0);
	strv_free(v);
	setenv("BOXLAB_RUN_DIR", rundir, 1);
}

static void test_remove(void **state)
{
	struct bx_state st;
	bx_err_t err = NULL;
	(void)state;
	create_ok("ut-rm");
	full_state(&st, "ut-rm");
	assert_int_equal(bx_state_write(&st, &err), 0);
	bx_state_free(&st);
	char *log = bx_state_path("ut-rm", "events.log");
	assert_int_equal(bx_write_file(log, "x\n", 2, &err), 0);
	free(log);
	assert_int_equal(bx_state_remove("ut-rm", &err), 0);
	assert_int_equal(bx_state_read("ut-rm", &st, &err), -1);
	assert_contains(err->msg, "no such container: ut-rm");
	bx_error_release(&err);
	/* Removing what is gone is not an error (gc and rm may race). */
	assert_int_equal(bx_state_remove("ut-rm", &err), 0);
	assert_null(err);
}

static void test_lock(void **state)
{
	bx_err_t err = NULL;
	(void)state;
	create_ok("ut-lock");
	int fd = bx_state_lock("ut-lock", &err);
	assert_true(fd >= 0);
	/* A second process cannot take the lock while we hold it. */
	pid_t pid = fork();
	if (pid == 0) {
		char *dir = bx_state_path("ut-lock", NULL);
		int fd2 = open(dir, O_RDONLY | O_DIRECTORY);
		int held = flock(fd2, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK;
		free(dir);
		close(fd2);
		_exit(held ? 0 : 1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(fd);
	assert_int_equal(bx_state_remove("ut-lock", &err), 0);

	assert_int_equal(bx_state_lock("ut-nolock", &err), -1);
	assert_int_equal(err->errnum, ENOENT);
	assert_contains(err->msg, "cannot open state dir");
	bx_error_release(&err);
}

static void test_to_json(void **state)
{
	struct bx_state st;
	(void)state;
	full_state(&st, "ut-json");
	json_t *o = bx_state_to_json(&st);
	assert_string_equal(json_string_value(json_object_get(o, "name")), "ut-json");
	assert_string_equal(json_string_value(json_object_get(o, "image")), "busybox");
	assert_string_equal(json_string_value(json_object_get(o, "status")), "running");
	assert_int_equal(json_integer_value(json_object_get(o, "pid")), 4242);
	json_t *mods = json_object_get(o, "modules");
	assert_true(json_is_array(mods));
	assert_int_equal(json_array_size(mods), 2);
	assert_string_equal(json_string_value(json_array_get(mods, 0)), "user");
	assert_string_equal(json_string_value(json_array_get(mods, 1)), "pid");
	json_t *cmd = json_object_get(o, "command");
	assert_int_equal(json_array_size(cmd), 3);
	assert_string_equal(json_string_value(json_array_get(cmd, 2)), "echo \"hi\"; exit 3");
	assert_string_equal(json_string_value(json_object_get(o, "created")), "2023-11-14T22:13:20.123456Z");
	assert_string_equal(json_string_value(json_object_get(o, "started")), "2023-11-14T22:13:20.223456Z");
	assert_string_equal(json_string_value(json_object_get(o, "finished")), "2023-11-14T22:13:21.323456Z");
	assert_int_equal(json_integer_value(json_object_get(o, "exit_code")), 137);
	assert_string_equal(json_string_value(json_object_get(o, "exit_signal")), "KILL");
	assert_true(json_is_true(json_object_get(o, "detached")));
	assert_true(json_is_false(json_object_get(o, "auto_remove")));
	assert_true(json_is_true(json_object_get(o, "tty")));
	assert_int_equal(json_integer_value(json_object_get(o, "root_uid")), 100000);
	assert_int_equal(json_integer_value(json_object_get(o, "root_gid")), 100001);
	assert_string_equal(json_string_value(json_object_get(o, "rootfs")), "/run/boxlab/x/rootfs");
	assert_string_equal(json_string_value(json_object_get(o, "error")), "setting up rootfs: boom");
	json_decref(o);

	/* A stopped container has no pid, an unfinished one no exit code,
	 * and times not yet reached are null. */
	st.status = BX_EXITED;
	st.exit_code = -1;
	st.exit_signal = 0;
	st.started_us = st.finished_us = 0;
	free(st.error);
	st.error = NULL;
	o = bx_state_to_json(&st);
	assert_string_equal(json_string_value(json_object_get(o, "status")), "exited");
	assert_int_equal(json_integer_value(json_object_get(o, "pid")), 0);
	assert_true(json_is_null(json_object_get(o, "exit_code")));
	assert_true(json_is_null(json_object_get(o, "exit_signal")));
	assert_true(json_is_null(json_object_get(o, "started")));
	assert_true(json_is_null(json_object_get(o, "finished")));
	assert_true(json_is_null(json_object_get(o, "error")));
	assert_true(json_is_string(json_object_get(o, "created")));
	json_decref(o);

	st.status = BX_PAUSED;
	o = bx_state_to_json(&st);
	assert_int_equal(json_integer_value(json_object_get(o, "pid")), 4242);
	json_decref(o);
	bx_state_free(&st);
}

static void test_alive(void **state)
{
	struct bx_state st = {0};
	(void)state;
	pid_t pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	st.pid = st.supervisor = pid;
	st.pid_start = st.supervisor_start = bx_proc_starttime(pid);
	assert_true(st.pid_start > 0);
	assert_true(bx_state_init_alive(&st));
	assert_true(bx_state_supervisor_alive(&st));
	/* Same pid, other start time: a reused pid is not our process. */
	st.supervisor_start++;
	assert_false(bx_state_supervisor_alive(&st));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_false(bx_state_init_alive(&st));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_empty_lists),
		cmocka_unit_test(test_read_missing),
		cmocka_unit_test(test_read_corrupt),
		cmocka_unit_test(test_create_twice),
		cmocka_unit_test(test_create_whole),
		cmocka_unit_test(test_create_unwritable),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_to_json),
		cmocka_unit_test(test_alive),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
