/* Commands, one file each (tmux's cmd-*.c): every file exports one
 * `struct bx_cmd`, and main.c's table lists them.  --help of every
 * command and the man-page test read these entries. */
#ifndef BX_CLI_H
#define BX_CLI_H

#include "core/err.h"
#include "core/state.h"

#include <stdbool.h>
#include <stdio.h>

struct bx_cmd {
	const char *name;
	const char *alias;   /* or NULL */
	const char *usage;   /* after "boxlab NAME " */
	const char *summary; /* one line for `boxlab --help` */
	const char *options; /* the options block of `boxlab NAME --help` */
	int (*exec)(int argc, char **argv); /* argv[0] is the command name */
};

extern const struct bx_cmd *const bx_cmds[];

/* true when argv holds --help or -h; prints the command's help. */
bool bx_cli_help(const struct bx_cmd *cmd, int argc, char **argv);
void bx_cli_usage(const struct bx_cmd *cmd, FILE *out);
int bx_cli_usage_error(const struct bx_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "running", "exited" ... as it really is now: a running container
 * whose supervisor is gone is dead. */
enum bx_status bx_cli_live_status(const struct bx_state *st);
void bx_cli_print_json(void *json); /* consumes a json_t */
/* Read the state of a container and require one of the statuses in
 * mask (1 << BX_RUNNING ...); the error names what it is instead. */
int bx_cli_load(const char *name, struct bx_state *st, unsigned mask, const char *action, bx_err_t *err);
/* Wait until the container's supervisor recorded its end (or died). */
void bx_cli_wait_finished(const struct bx_state *st, int timeout_ms);
/* Remove everything a container made: kill what still runs, teardown,
 * the state dir.  For rm and gc; safe on half-made containers. */
int bx_cli_cleanup(const char *name, bx_err_t *err);

/* gc.c: before a command that changes something, clean up containers
 * whose supervisor is gone (a quick check when there are none;
 * BOXLAB_AUTO_GC=0 turns it off). */
void bx_gc_auto(const char *cmd);

/* For commands whose one flag is --json (SUB: the subcommand, for the
 * message, or NULL): 0 with optind at the first argument, or the usage
 * exit code after saying which flag was wrong. */
int bx_cli_json_only(const struct bx_cmd *cmd, const char *sub, int argc, char **argv, bool *json);

/* run -d and restore: a detached supervisor running fn; see common.c. */
struct bx_spec;
int bx_cli_supervise_detached(struct bx_spec *spec, const char *during,
			      int (*fn)(struct bx_spec *spec, const void *arg, int notify_fd, bx_err_t *err),
			      const void *arg, char **word);

/* pause.c: thaw a container state.json calls paused (stop, rm -f and
 * gc first do this: a frozen process does not die until thawed). */
int bx_cli_unpause(const char *name, bx_err_t *err);

/* The commands, one line each (main.c lists them in its table). */
extern const struct bx_cmd bx_cmd_run;
extern const struct bx_cmd bx_cmd_ps;
extern const struct bx_cmd bx_cmd_inspect;
extern const struct bx_cmd bx_cmd_logs;
extern const struct bx_cmd bx_cmd_exec;
extern const struct bx_cmd bx_cmd_stop;
extern const struct bx_cmd bx_cmd_kill;
extern const struct bx_cmd bx_cmd_rm;
extern const struct bx_cmd bx_cmd_events;
extern const struct bx_cmd bx_cmd_timeline;
extern const struct bx_cmd bx_cmd_check;
extern const struct bx_cmd bx_cmd_gc;
extern const struct bx_cmd bx_cmd_stats;
extern const struct bx_cmd bx_cmd_pause;
extern const struct bx_cmd bx_cmd_resume;
extern const struct bx_cmd bx_cmd_seccomp;
extern const struct bx_cmd bx_cmd_checkpoint;
extern const struct bx_cmd bx_cmd_restore;
extern const struct bx_cmd bx_cmd_network;
extern const struct bx_cmd bx_cmd_diff;
extern const struct bx_cmd bx_cmd_image;
extern const struct bx_cmd bx_cmd_volume;
extern const struct bx_cmd bx_cmd_dash;
extern const struct bx_cmd bx_cmd_attack;
extern const struct bx_cmd bx_cmd_lesson;

#endif
