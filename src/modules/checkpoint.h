/* Checkpoint and restore of whole containers with CRIU (checkpoint.c,
 * checkpoint_restore.c); the commands are in cli/checkpoint.c.
 *
 * A checkpoint lives in $BOXLAB_LIB_DIR/checkpoints/NAME/, outside the
 * state dir, so it outlives `boxlab rm`:
 *   images/          CRIU's images of the process tree
 *   upper.tar        the overlay's upper layer (the container's own files)
 *   config.ini       the spec, to make the container again
 *   checkpoint.json  what boxlab needs to restore it elsewhere: the
 *                    external files and mounts, the cgroups, the times
 * `checkpoint --export` packs that dir into one .tar.gz. */
#ifndef BX_CHECKPOINT_H
#define BX_CHECKPOINT_H

#include "core/err.h"
#include "core/spec.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct bx_checkpoint_opts {
	bool leave_running;
	const char *export_path; /* NULL: none */
	int timeout_s;           /* 0: BX_CRIU_TIMEOUT_S or $BOXLAB_CRIU_TIMEOUT */
};

struct bx_checkpoint_result {
	char *dir;       /* the checkpoint's directory */
	uint64_t size;   /* bytes in it */
	uint64_t dump_us;
};

#define BX_CRIU_TIMEOUT_S 120

int bx_checkpoint(const char *name, const struct bx_checkpoint_opts *o, struct bx_checkpoint_result *res,
		  bx_err_t *err);
void bx_checkpoint_result_free(struct bx_checkpoint_result *r);

/* The supervisor of a restored container (checkpoint_restore.c): make
 * spec->name from the checkpoint in dir and watch it to its end, like
 * bx_lifecycle_run.  notify_fd receives "ok PID\n" once it runs, or
 * "CODE message\n". */
int bx_restore_supervise(struct bx_spec *spec, const char *dir, int notify_fd, bx_err_t *err);
/* What can be known before anything is touched: the checkpoint is
 * readable, this boxlab is the build it needs, and CRIU works. */
int bx_restore_check(const char *dir, bx_err_t *err);

/* $BOXLAB_LIB_DIR/checkpoints[/NAME] */
char *bx_checkpoint_dir(const char *name);
/* What inspect shows: a json_t object, or NULL when NAME has none. */
void *bx_checkpoint_info(const char *name);

/* Internal, shared by checkpoint.c and checkpoint_restore.c. */
int bx_ckpt_timeout(int given);
int bx_ckpt_run_tool(char *const argv[], int timeout_s, bx_err_t *err);
uint64_t bx_ckpt_du(const char *dir);
/* A hash of a file's bytes (boxlab's binary: restore needs the build
 * whose code the container's init runs). */
char *bx_ckpt_file_hash(const char *path);
/* Put tmp in dir's place (the previous one removed). */
int bx_ckpt_replace_dir(const char *tmp, const char *dir, bx_err_t *err);
/* The first "Error" line of a CRIU log (the cause; later ones are its
 * consequences), or NULL. */
char *bx_ckpt_log_error(const char *log);

#endif
