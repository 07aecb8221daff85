/* The state dir is the database: /run/boxlab/<name>/ holds state.json
 * (status, pids, times, exit code), config.ini (the resolved spec,
 * replayable), events.log (the timeline) and stdout.log.  No daemon:
 * every command reads it back; writers hold flock on the directory. */
#ifndef BX_STATE_H
#define BX_STATE_H

#include "core/err.h"
#include "core/spec.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* RESTARTING: the supervisor waits out the backoff of a restart policy
 * (last, so the older values keep their numbers). */
enum bx_status { BX_CREATED, BX_RUNNING, BX_PAUSED, BX_EXITED, BX_DEAD, BX_RESTARTING };

struct bx_state {
	char *name, *image;
	char **command;
	enum bx_status status;
	pid_t pid;
	unsigned long long pid_start; /* /proc/PID/stat starttime: guards pid reuse */
	pid_t supervisor;
	unsigned long long supervisor_start;
	int64_t created_us, started_us, finished_us; /* CLOCK_REALTIME */
	uint64_t t0_mono_us;                         /* timeline origin */
	int exit_code;                               /* -1 while running */
	int exit_signal;
	bool detached, rm, tty;
	char **modules; /* names of the modules on */
	uid_t root_uid;
	gid_t root_gid;
	char *rootfs;
	char *error; /* why setup failed, if it did */
	/* The OOM killer took a process of it: read back from the state
	 * dir's violations.json, which the memory module keeps. */
	bool oom_killed;
	unsigned restart_count; /* restarts by the restart policy so far */
	/* Health check (core/supervise.h), read back from health.json:
	 * "" without a check, else starting, healthy or unhealthy. */
	char health[12];
};

const char *bx_run_dir(void); /* $BOXLAB_RUN_DIR or /run/boxlab */
const char *bx_lib_dir(void); /* $BOXLAB_LIB_DIR or /var/lib/boxlab */
/* Make the run dir, on a tmpfs of its own where it would be on disk
 * (core/rundir.c says when), searchable for container users. */
int bx_run_dir_prepare(bx_err_t *err);
/* "in RAM", or on disk and why. */
const char *bx_run_dir_where(void);
char *bx_state_path(const char *name, const char *file);
const char *bx_status_name(enum bx_status s);

/* In a state dir: a file the supervisor holds flock'ed for as long as it
 * keeps watch, so gc's quick check needs neither state.json nor /proc
 * (a free lock is a dead supervisor); removed once the end is recorded.
 * It holds "PID STARTTIME" for people. */
#define BX_STATE_SUPERVISOR "supervisor"
/* A state dir being made: <run dir>/.new.PID.NAME, renamed into place. */
#define BX_STATE_NEW_PREFIX ".new."
/* One being removed: <run dir>/.rm.PID.NAME. */
#define BX_STATE_RM_PREFIX ".rm."

/* Create the state dir, holding state.json and the supervisor lock;
 * fails if the name is taken.  state.json is *full (its supervisor
 * fields set here to the calling process), or a minimal one (created,
 * supervisor) where full is NULL. */
int bx_state_create(const char *name, struct bx_state *full, bx_err_t *err);
char *bx_state_new_dir(pid_t pid, const char *name);
/* In a process forked from the supervisor that may outlive it (the
 * container's init): let go of the supervisor lock. */
void bx_state_close_supervisor_lock(void);
/* The end is recorded in state.json: drop the supervisor lock's name. */
void bx_state_supervisor_done(const char *name);
int bx_state_lock(const char *name, bx_err_t *err); /* returns the locked fd */
int bx_state_write(const struct bx_state *st, bx_err_t *err);
int bx_state_read(const char *name, struct bx_state *st, bx_err_t *err);
void bx_state_free(struct bx_state *st);
int bx_state_remove(const char *name, bx_err_t *err);
/* One remover at a time (parallel `rm -f`): the locked fd of the state
 * dir's rm.lock (made by the first remover), or -1 with *gone set when
 * the container went (or was removed while we waited).  Not the state dir's own lock, which the
 * supervisor needs to record the exit a remover causes. */
#define BX_RM_LOCK "rm.lock"
int bx_state_remove_lock(const char *name, bool *gone);
char **bx_state_list(void); /* sorted names */

/* Is the recorded supervisor still the live process we started? */
bool bx_state_supervisor_alive(const struct bx_state *st);
bool bx_state_init_alive(const struct bx_state *st);

/* JSON for ps/inspect, a jansson json_t *. */
void *bx_state_to_json(const struct bx_state *st);

/* Load a container's spec back from its config.ini. */
int bx_state_load_spec(const char *name, struct bx_spec *spec, bx_err_t *err);

/* state.json written under the state dir's lock. */
int bx_state_save(struct bx_state *st, bx_err_t *err);
/* A supervisor's one word to whoever forked it (run -d, restore: "ok
 * WORD" or "<exit code> <message>"), then the pipe closed; no-op at -1. */
void bx_notify_once(int *fd, const char *msg);

/* The resolved spec as NAME/config.ini, replayable with --config. */
int bx_state_save_spec(const struct bx_spec *spec, bx_err_t *err);

#endif
