/* Lessons: lab handouts in lessons/NN-topic/ (README.md, INSTRUCTOR.md,
 * check.sh, optional start.sh and reset.sh) and each student's progress
 * through them.  Shared by `boxlab lesson` (lesson.c) and the
 * dashboard's lesson panel (src/ui/lesson.c); lessons/README.md is the
 * format's reference.  Nothing here includes curses. */
#ifndef BX_LESSON_H
#define BX_LESSON_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BX_LESSON_MAX_STEPS 32

struct bx_lesson_step {
	int n;
	char *title;
	bool ok, checked; /* checked: a check has reported on it */
	char *hint;       /* why it failed, or NULL */
};

struct bx_lesson {
	char id[3];  /* "00" */
	char *dir;   /* lessons/00-tour */
	char *slug;  /* "00-tour" */
	char *title; /* from the README's "# Lesson 00: Title" */
	size_t nsteps;
	struct bx_lesson_step steps[BX_LESSON_MAX_STEPS];
};

/* lesson_dir.c: where the lessons are, and reading them. */
/* $BOXLAB_LESSONS, else lessons/ next to the binary's source tree
 * (build/boxlab -> lessons/), else PREFIX/share/boxlab/lessons. */
int bx_lesson_root(char **root, bx_err_t *err);
/* Every lesson, sorted by number; *n of them. */
int bx_lesson_list(struct bx_lesson **out, size_t *n, bx_err_t *err);
/* One lesson by number ("3", "03" or "03-uts-ipc"); the error lists
 * the lessons there are. */
int bx_lesson_find(const char *arg, struct bx_lesson *l, bx_err_t *err);
void bx_lesson_free(struct bx_lesson *l);
void bx_lesson_list_free(struct bx_lesson *v, size_t n);
/* The README's text of step n ("### n. ..." up to the next "### " or
 * "## "), or NULL. */
char *bx_lesson_step_text(const struct bx_lesson *l, int n);

/* lesson_user.c: who the student is and where their things live. */
/* SUDO_USER when run as root through sudo, else the uid's name;
 * reduced to the characters a container name allows. */
const char *bx_lesson_user(void);
/* The /etc/passwd entry of name (or, name NULL, of uid); NULL if none. */
struct passwd *bx_lesson_passwd(const char *name, uid_t uid);
/* $BOXLAB_LESSON_STATE or BOXLAB_LIB_DIR/lessons: <user>/progress.json
 * and <user>/NN/, the student's work dir for lesson NN. */
char *bx_lesson_state_dir(void);
char *bx_lesson_work_dir(const struct bx_lesson *l);
/* The prefix of the lesson's container names: "<user>-NN". */
char *bx_lesson_lab(const struct bx_lesson *l);

/* One line of check.sh's output: "ok N title" or
 * "fail N title -- hint".  false for any other line. */
bool bx_lesson_parse_line(const char *line, int *n, bool *ok, char **title, char **hint);

/* lesson_progress.c: progress.json, read and written under flock. */
struct bx_lesson_progress {
	bool started;
	int64_t started_s, checked_s; /* CLOCK_REALTIME seconds, 0: never */
	size_t passed, total;
	struct bx_lesson_step steps[BX_LESSON_MAX_STEPS]; /* of the last check */
	size_t nsteps;
};
int bx_lesson_progress_get(const char *id, struct bx_lesson_progress *p, bx_err_t *err);
/* Record a check's result (l's steps) or a start; a start, and a check
 * with current, make l the current lesson. */
int bx_lesson_progress_checked(const struct bx_lesson *l, bool current, bx_err_t *err);
int bx_lesson_progress_started(const struct bx_lesson *l, bx_err_t *err);
int bx_lesson_progress_drop(const char *id, bx_err_t *err);
/* The lesson the user started or checked last, "" if none. */
int bx_lesson_progress_current(char id[3], bx_err_t *err);
void bx_lesson_progress_free(struct bx_lesson_progress *p);

/* lesson_run.c: the lesson's scripts, with the env of lessons/README.md. */
/* Runs dir/<script> with bash; its output goes to fd out (-1: ours).
 * Returns its exit code, or -1 with err set; 0 when the script does
 * not exist and optional. */
int bx_lesson_script(const struct bx_lesson *l, const char *script, bool optional, int out, bx_err_t *err);
/* Fill l's steps from check.sh's output; lines that are not results
 * are ignored.  Steps the output does not name stay unchecked. */
void bx_lesson_apply_output(struct bx_lesson *l, const char *out);

#endif
