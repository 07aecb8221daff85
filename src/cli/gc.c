/* boxlab gc: clean up after containers whose boxlab was killed.
 *
 * A container whose supervisor is gone (kill -9 of boxlab, a crash, a
 * reboot of /run) cannot tidy up after itself: gc kills what is left of
 * it, runs every module's teardown from what its state dir records
 * (config.ini says which modules were on; each module's own record, such
 * as network.json, says what it made) and removes the state dir.  Also
 * the hidden dirs of a container being created (.new.PID.NAME) or
 * removed (.rm.PID.NAME) when PID died in the middle.  Exited containers
 * are kept: they are not garbage until 'boxlab rm'.
 *
 * Every command that changes something runs the same cleanup first
 * (bx_gc_auto), after a check cheap enough for every call: an open and
 * a non-blocking flock per container whose supervisor lock is there
 * (only a running or starting one has it).  Commands that only look (ps, inspect, logs, ...) leave a dead
 * container as it is, so what a crash left can be seen. */
#include "cli/cli.h"
#include "core/proc.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* One gc at a time per run dir; the automatic one does not wait. */
static int gc_lock(bool wait)
{
	cleanup_free char *path = xasprintf("%s/.gc.lock", bx_run_dir());
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0)
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	return fd;
}

/* Gone, or a zombie its parent has not reaped yet. */
static bool pid_gone(pid_t pid)
{
	return pid > 0 && bx_proc_starttime(pid) == 0;
}

/* The quick check: the supervisor lock is free, so its holder ended.
 * (While the container's init is still being set up it shares the
 * descriptor: a supervisor killed right then is found by explicit gc,
 * which checks the pid itself.) */
static bool supervisor_gone(int dirfd, const char *name)
{
	char path[300]; /* d_name is at most 255 */
	snprintf(path, sizeof path, "%s/" BX_STATE_SUPERVISOR, name);
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	bool free = flock(fd, LOCK_SH | LOCK_NB) == 0;
	close(fd);
	return free;
}

/* .new.PID.NAME or .rm.PID.NAME of a PID that is gone. */
static bool hidden_leftover(const char *entry)
{
	const char *p;
	if (!strncmp(entry, BX_STATE_NEW_PREFIX, strlen(BX_STATE_NEW_PREFIX)))
		p = entry + strlen(BX_STATE_NEW_PREFIX);
	else if (!strncmp(entry, BX_STATE_RM_PREFIX, strlen(BX_STATE_RM_PREFIX)))
		p = entry + strlen(BX_STATE_RM_PREFIX);
	else
		return false;
	char *end;
	long pid = strtol(p, &end, 10);
	return end != p && *end == '.' && pid_gone((pid_t)pid);
}

/* A state dir without state.json is a container being created by an
 * older boxlab, unless it has been so for longer than any setup takes. */
static bool stale_half_made(const char *name)
{
	struct stat st;
	cleanup_free char *dir = bx_state_path(name, NULL);
	if (stat(dir, &st) < 0)
		return false;
	return bx_realtime_us() / 1000000 - st.st_mtime > 30;
}

/* The full check of one container, under the gc lock: 1 when it was
 * garbage and is gone, 0 when it is not garbage, -1 on error. */
static int collect(const char *name, bool strict_age, bx_err_t *err)
{
	struct bx_state st;
	bool garbage;
	if (bx_state_read(name, &st, err) < 0) {
		bx_error_release(err);
		garbage = strict_age && stale_half_made(name);
	} else {
		enum bx_status s = bx_cli_live_status(&st);
		garbage = s == BX_DEAD;
		/* Ended and recorded, but killed before it dropped its
		 * lock file: drop it now, so the quick check stops looking. */
		if (s == BX_EXITED)
			bx_state_supervisor_done(name);
		bx_state_free(&st);
	}
	if (!garbage)
		return 0;
	return bx_cli_cleanup(name, err) < 0 ? -1 : 1;
}

static int remove_hidden(const char *entry, bx_err_t *err)
{
	cleanup_free char *path = xasprintf("%s/%s", bx_run_dir(), entry);
	/* A crash before the rename made nothing but the dir; one in the
	 * middle of a removal had torn everything down already. */
	return bx_rm_rf(path, err);
}

void bx_gc_auto(const char *cmd)
{
	/* Commands that only look, and those that handle dead containers
	 * themselves (rm, gc). */
	static const char *const skip[] = {"ps", "inspect", "logs", "events", "timeline", "stats", "dash", "check",
					   "diff", "rm", "gc", "help", "version", NULL};
	const char *off = getenv("BOXLAB_AUTO_GC");
	if (off && !strcmp(off, "0"))
		return;
	for (size_t i = 0; skip[i]; i++)
		if (!strcmp(cmd, skip[i]))
			return;
	cleanup_dir DIR *d = opendir(bx_run_dir());
	struct dirent *e;
	cleanup_strv char **found = NULL;
	while (d && (e = readdir(d))) {
		if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
			continue;
		if (e->d_name[0] == '.' ? hidden_leftover(e->d_name) : supervisor_gone(dirfd(d), e->d_name))
			strv_push(&found, e->d_name);
	}
	if (!found)
		return;
	cleanup_close int lock = gc_lock(false);
	if (lock < 0)
		return; /* another gc is at it */
	for (size_t i = 0; found[i]; i++) {
		bx_err_t err = NULL;
		int r = found[i][0] == '.' ? remove_hidden(found[i], &err) : collect(found[i], false, &err);
		if (r < 0)
			bx_warn("gc: %s", err->msg);
		else if (r > 0)
			bx_warn("cleaned up container %s, whose boxlab process was killed ('boxlab gc')", found[i]);
		bx_error_release(&err);
	}
}

static int gc_exec(int argc, char **argv)
{
	int code = 0, removed = 0;
	if (bx_cli_help(&bx_cmd_gc, argc, argv))
		return 0;
	if (argc > 1)
		return bx_cli_usage_error(&bx_cmd_gc, "unexpected argument '%s'", argv[1]);
	cleanup_close int lock = gc_lock(true);
	if (lock < 0 && errno != ENOENT) /* no run dir: nothing to collect */
		bx_warn("gc: cannot lock %s/.gc.lock: %s", bx_run_dir(), strerror(errno));
	{
		cleanup_dir DIR *d = opendir(bx_run_dir());
		struct dirent *e;
		cleanup_strv char **hidden = NULL;
		while (d && (e = readdir(d)))
			if (e->d_name[0] == '.' && hidden_leftover(e->d_name))
				strv_push(&hidden, e->d_name);
		for (size_t i = 0; hidden && hidden[i]; i++) {
			bx_err_t err = NULL;
			if (remove_hidden(hidden[i], &err) < 0)
				code = bx_error_report(&err, 1);
		}
	}
	cleanup_strv char **names = bx_state_list();
	for (size_t i = 0; names[i]; i++) {
		bx_err_t err = NULL;
		int r = collect(names[i], true, &err);
		if (r < 0) {
			code = bx_error_report(&err, 1);
			continue;
		}
		if (r == 0)
			continue;
		printf("removed %s\n", names[i]);
		removed++;
	}
	printf("gc: %d container%s cleaned up\n", removed, removed == 1 ? "" : "s");
	return code;
}

const struct bx_cmd bx_cmd_gc = {
	.name = "gc",
	.usage = "",
	.summary = "clean up containers whose boxlab process died (processes, mounts, cgroups, veths, addresses, "
		   "state)",
	.options = NULL,
	.exec = gc_exec,
};
