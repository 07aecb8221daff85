#include "core/state.h"
#include "core/proc.h"
#include "core/supervise.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "util/json.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const status_names[] = {"created", "running", "paused", "exited", "dead", "restarting"};

const char *bx_status_name(enum bx_status s)
{
	return status_names[s];
}

const char *bx_run_dir(void)
{
	const char *d = getenv("BOXLAB_RUN_DIR");
	return d && *d ? d : "/run/boxlab";
}

const char *bx_lib_dir(void)
{
	const char *d = getenv("BOXLAB_LIB_DIR");
	return d && *d ? d : "/var/lib/boxlab";
}

char *bx_state_path(const char *name, const char *file)
{
	if (file)
		return xasprintf("%s/%s/%s", bx_run_dir(), name, file);
	return xasprintf("%s/%s", bx_run_dir(), name);
}

static int name_taken(const char *name, bx_err_t *err)
{
	return bx_usage_error(err, "the name \"%s\" is already in use by a container "
			      "(remove it with 'boxlab rm %s' or choose another --name)", name, name);
}

static int write_state_in(const char *dir, const struct bx_state *st, bx_err_t *err);

/* The descriptor of the last bx_state_create, for a forked container
 * init to close (bx_state_close_supervisor_lock). */
static int supervisor_lock = -1;

char *bx_state_new_dir(pid_t pid, const char *name)
{
	return xasprintf("%s/" BX_STATE_NEW_PREFIX "%d.%s", bx_run_dir(), (int)pid, name);
}

/* The state dir appears whole: made under a hidden name with its
 * state.json (status created, supervisor: us) and supervisor lock, then
 * renamed into place.  So every state dir names a supervisor from its
 * first moment, and a crash before the rename leaves only a hidden
 * .new.PID.NAME that gc removes once PID is gone. */
int bx_state_create(const char *name, struct bx_state *full, bx_err_t *err)
{
	cleanup_free char *dir = bx_state_path(name, NULL);
	cleanup_free char *tmp = bx_state_new_dir(getpid(), name);
	cleanup_free char *link = NULL;
	bx_err_t ignored = NULL;
	if (bx_run_dir_prepare(err) < 0)
		return -1;
	if (access(dir, F_OK) == 0)
		return name_taken(name, err);
	bx_rm_rf(tmp, &ignored); /* of a dead process that had our pid */
	bx_error_release(&ignored);
	if (mkdir(tmp, 0711) < 0)
		return bx_make_error(err, errno, "cannot create state dir %s", tmp);

	struct bx_state minimal = {.status = BX_CREATED, .created_us = bx_realtime_us(), .exit_code = -1};
	struct bx_state *mine = full ? full : &minimal;
	mine->supervisor = getpid();
	mine->supervisor_start = bx_proc_starttime(mine->supervisor);
	struct bx_state st = *mine;
	st.name = (char *)name;
	/* Locked for as long as we live: the kernel drops the lock when
	 * the process ends, however it ends (a zombie holds none).  Never
	 * closed: after bx_state_supervisor_done it only has no name. */
	link = xasprintf("%s/" BX_STATE_SUPERVISOR, tmp);
	int fd = open(link, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	supervisor_lock = fd;
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		bx_make_error(err, errno, "cannot create %s", link);
		bx_state_close_supervisor_lock();
		goto fail;
	}
	dprintf(fd, "%d %llu\n", (int)st.supervisor, st.supervisor_start);
	if (write_state_in(tmp, &st, err) < 0)
		goto fail;
	/* RENAME_NOREPLACE: two runs of one name, one wins.  Where the
	 * file system lacks it, rename() still cannot replace a state dir,
	 * which is never empty. */
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_NOREPLACE) < 0 &&
	    (errno != EINVAL || rename(tmp, dir) < 0)) {
		if (errno == EEXIST || errno == ENOTEMPTY)
			name_taken(name, err);
		else
			bx_make_error(err, errno, "cannot create state dir %s", dir);
		goto fail;
	}
	return 0;
fail:
	bx_rm_rf(tmp, &ignored);
	bx_error_release(&ignored);
	return -1;
}

void bx_state_close_supervisor_lock(void)
{
	if (supervisor_lock >= 0)
		close(supervisor_lock);
	supervisor_lock = -1;
}

void bx_state_supervisor_done(const char *name)
{
	cleanup_free char *link = bx_state_path(name, BX_STATE_SUPERVISOR);
	unlink(link);
}

int bx_state_remove_lock(const char *name, bool *gone)
{
	cleanup_free char *lock = bx_state_path(name, BX_RM_LOCK);
	struct stat st;
	*gone = false;
	int fd = open(lock, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		/* The first remover makes it.  A remover emptying the dir
		 * meanwhile removes it last and retries its rmdir when a late
		 * one made it again (bx_state_remove); the late one then
		 * finds it unlinked below. */
		cleanup_free char *dir = bx_state_path(name, NULL);
		if (access(dir, F_OK) < 0) {
			*gone = true;
			return -1;
		}
		fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	}
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) < 0 && errno == EINTR)
		;
	if (fstat(fd, &st) < 0 || st.st_nlink == 0) {
		close(fd);
		*gone = true; /* it went while we waited */
		return -1;
	}
	return fd;
}

int bx_state_lock(const char *name, bx_err_t *err)
{
	cleanup_free char *dir = bx_state_path(name, NULL);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return bx_make_error(err, errno, "cannot open state dir %s", dir);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			close(fd);
			return bx_make_error(err, errno, "cannot lock %s", dir);
		}
	return fd;
}

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();
	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *time_json(int64_t us)
{
	char buf[64];
	if (!us)
		return json_null();
	bx_format_time(us, buf, sizeof buf);
	return json_string(buf);
}

void *bx_state_to_json(const struct bx_state *st)
{
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(st->name));
	json_object_set_new(o, "image", json_string(st->image ? st->image : ""));
	json_object_set_new(o, "command", strv_json(st->command));
	json_object_set_new(o, "status", json_string(bx_status_name(st->status)));
	json_object_set_new(o, "pid", json_integer(st->status == BX_RUNNING || st->status == BX_PAUSED ? st->pid : 0));
	json_object_set_new(o, "modules", strv_json(st->modules));
	json_object_set_new(o, "created", time_json(st->created_us));
	json_object_set_new(o, "started", time_json(st->started_us));
	json_object_set_new(o, "finished", time_json(st->finished_us));
	json_object_set_new(o, "exit_code", st->exit_code >= 0 ? json_integer(st->exit_code) : json_null());
	json_object_set_new(o, "exit_signal", st->exit_signal ? json_string(bx_signal_name(st->exit_signal))
							       : json_null());
	json_object_set_new(o, "detached", json_boolean(st->detached));
	json_object_set_new(o, "auto_remove", json_boolean(st->rm));
	json_object_set_new(o, "tty", json_boolean(st->tty));
	json_object_set_new(o, "root_uid", json_integer(st->root_uid));
	json_object_set_new(o, "root_gid", json_integer(st->root_gid));
	json_object_set_new(o, "rootfs", st->rootfs ? json_string(st->rootfs) : json_null());
	json_object_set_new(o, "error", st->error ? json_string(st->error) : json_null());
	json_object_set_new(o, "oom_killed", json_boolean(st->oom_killed));
	json_object_set_new(o, "restart_count", json_integer(st->restart_count));
	json_object_set_new(o, "health", st->health[0] ? json_string(st->health) : json_null());
	return o;
}

int bx_state_write(const struct bx_state *st, bx_err_t *err)
{
	cleanup_free char *dir = bx_state_path(st->name, NULL);
	return write_state_in(dir, st, err);
}

static int write_state_in(const char *dir, const struct bx_state *st, bx_err_t *err)
{
	json_t *o = bx_state_to_json(st);
	/* Fields only boxlab itself reads back, in raw form. */
	json_object_set_new(o, "pid", json_integer(st->pid));
	json_object_set_new(o, "pid_start", json_integer((json_int_t)st->pid_start));
	json_object_set_new(o, "supervisor", json_integer(st->supervisor));
	json_object_set_new(o, "supervisor_start", json_integer((json_int_t)st->supervisor_start));
	json_object_set_new(o, "created_us", json_integer(st->created_us));
	json_object_set_new(o, "started_us", json_integer(st->started_us));
	json_object_set_new(o, "finished_us", json_integer(st->finished_us));
	json_object_set_new(o, "t0_mono_us", json_integer((json_int_t)st->t0_mono_us));
	json_object_set_new(o, "exit_signal", json_integer(st->exit_signal));

	cleanup_free char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	cleanup_free char *path = xasprintf("%s/state.json", dir);
	if (bx_write_file_atomic(path, text, strlen(text), err) < 0)
		return -1;
	return 0;
}

static char **json_strv(json_t *a)
{
	char **v = xzalloc(sizeof *v);
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e)
		if (json_is_string(e))
			strv_push(&v, json_string_value(e));
	return v;
}

static char *opt_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

static long long opt_int(json_t *o, const char *key, long long dflt)
{
	json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

int bx_state_read(const char *name, struct bx_state *st, bx_err_t *err)
{
	cleanup_free char *path = bx_state_path(name, "state.json");
	json_error_t jerr;
	json_t *o;

	memset(st, 0, sizeof *st);
	if (bx_name_check(name, err) < 0)
		return -1;
	o = bx_json_load(path, &jerr);
	if (!o) {
		cleanup_free char *dir = bx_state_path(name, NULL);
		if (access(dir, F_OK) < 0)
			return bx_usage_error(err, "no such container: %s (see 'boxlab ps -a')", name);
		return bx_make_error(err, 0, "corrupt state of %s: %s: %s (remove it with 'boxlab gc')", name, path,
				     jerr.text);
	}
	st->name = xstrdup(name);
	st->image = opt_str(o, "image");
	st->command = json_strv(json_object_get(o, "command"));
	st->modules = json_strv(json_object_get(o, "modules"));
	const char *status = json_string_value(json_object_get(o, "status"));
	st->status = BX_DEAD;
	for (size_t i = 0; status && i < N_ELEMENTS(status_names); i++)
		if (!strcmp(status, status_names[i]))
			st->status = i;
	st->pid = opt_int(o, "pid", 0);
	st->pid_start = opt_int(o, "pid_start", 0);
	st->supervisor = opt_int(o, "supervisor", 0);
	st->supervisor_start = opt_int(o, "supervisor_start", 0);
	st->created_us = opt_int(o, "created_us", 0);
	st->started_us = opt_int(o, "started_us", 0);
	st->finished_us = opt_int(o, "finished_us", 0);
	st->t0_mono_us = opt_int(o, "t0_mono_us", 0);
	st->exit_code = opt_int(o, "exit_code", -1);
	st->exit_signal = opt_int(o, "exit_signal", 0);
	st->detached = json_is_true(json_object_get(o, "detached"));
	st->rm = json_is_true(json_object_get(o, "auto_remove"));
	st->tty = json_is_true(json_object_get(o, "tty"));
	st->root_uid = opt_int(o, "root_uid", 0);
	st->root_gid = opt_int(o, "root_gid", 0);
	st->rootfs = opt_str(o, "rootfs");
	st->error = opt_str(o, "error");
	st->restart_count = opt_int(o, "restart_count", 0);
	json_decref(o);
	if (st->status == BX_RUNNING || st->status == BX_PAUSED)
		bx_health_status(name, st->health, sizeof st->health);
	/* Not in state.json: the supervisor rewrites that at exit from
	 * memory, after the memory module counted the OOM kills.  Like
	 * Docker's OOMKilled it describes how a container ended. */
	if (st->status == BX_EXITED || st->status == BX_DEAD) {
		cleanup_free char *vpath = bx_state_path(name, "violations.json");
		json_t *v = bx_json_load(vpath, NULL);
		st->oom_killed = json_integer_value(json_object_get(v, "oom_kills")) > 0;
		json_decref(v);
	}
	return 0;
}

void bx_state_free(struct bx_state *st)
{
	free(st->name);
	free(st->image);
	strv_free(st->command);
	strv_free(st->modules);
	free(st->rootfs);
	free(st->error);
	memset(st, 0, sizeof *st);
}

/* Renamed out of the way first, so the name is free and the container
 * gone from every listing at once; a crash in the middle leaves a hidden
 * .rm.PID.NAME that gc finishes. */
int bx_state_remove(const char *name, bx_err_t *err)
{
	cleanup_free char *dir = bx_state_path(name, NULL);
	cleanup_free char *gone = xasprintf("%s/" BX_STATE_RM_PREFIX "%d.%s", bx_run_dir(), (int)getpid(), name);
	if (rename(dir, gone) < 0)
		return errno == ENOENT ? 0 : bx_rm_rf(dir, err);
	return bx_rm_rf(gone, err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **bx_state_list(void)
{
	char **v = xzalloc(sizeof *v);
	cleanup_dir DIR *d = opendir(bx_run_dir());
	struct dirent *e;
	bx_err_t tmp = NULL;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' || bx_name_check(e->d_name, &tmp) < 0) {
			bx_error_release(&tmp);
			continue;
		}
		strv_push(&v, e->d_name);
	}
	qsort(v, strv_len(v), sizeof *v, cmp_str);
	return v;
}

bool bx_state_supervisor_alive(const struct bx_state *st)
{
	return bx_proc_alive(st->supervisor, st->supervisor_start);
}

bool bx_state_init_alive(const struct bx_state *st)
{
	return bx_proc_alive(st->pid, st->pid_start);
}

int bx_state_load_spec(const char *name, struct bx_spec *spec, bx_err_t *err)
{
	cleanup_free char *path = bx_state_path(name, "config.ini");
	bx_spec_init(spec);
	if (bx_spec_load_ini(spec, path, err) < 0)
		return bx_error_wrap(err, "reading the spec of %s", name);
	if (!spec->name)
		spec->name = xstrdup(name);
	return 0;
}

int bx_state_save(struct bx_state *st, bx_err_t *err)
{
	cleanup_close int lock = bx_state_lock(st->name, err);
	if (lock < 0)
		return -1;
	return bx_state_write(st, err);
}

void bx_notify_once(int *fd, const char *msg)
{
	if (*fd < 0)
		return;
	if (write(*fd, msg, strlen(msg)) < 0) {
		/* the caller is gone; nothing to tell */
	}
	close(*fd);
	*fd = -1;
}

int bx_state_save_spec(const struct bx_spec *spec, bx_err_t *err)
{
	cleanup_free char *path = bx_state_path(spec->name, "config.ini");
	cleanup_file FILE *f = fopen(path, "we");
	if (!f)
		return bx_make_error(err, errno, "cannot write %s", path);
	bx_spec_write_ini(spec, f);
	if (fflush(f) != 0)
		return bx_make_error(err, errno, "cannot write %s", path);
	return 0;
}
