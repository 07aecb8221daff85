/* The dashboard's screen manager and its panels, after htop's
 * ScreenManager and Panel: every panel is an object whose first member
 * points at a const class (event, draw, on_resize, on_sample, destroy),
 * the manager keeps a stack of them, and an event handler answers with
 * bit flags saying what should happen next (redraw, sample now, close
 * the panel, quit) instead of doing it itself.
 *
 * Frame: row 0 the header, then the top panel's area, then a status line
 * (messages, prompts) and the function-key bar.  Every frame is erase +
 * draw + wnoutrefresh + doupdate: curses sends only the cells that
 * changed, so a refresh never flickers. */
#ifndef BXUI_SCREEN_H
#define BXUI_SCREEN_H

/* The wide-character API of ncursesw (UTF-8 glyphs in a multibyte
 * string are then one cell each). */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>

#include "ui/format.h"
#include "ui/snapshot.h"
#include "ui/ui.h"

#include <assert.h>
#include <stdbool.h>
#include <sys/types.h>

/* What a handler asks the manager to do (htop's HandlerResult). */
enum {
	BXUI_HANDLED = 1u << 0, /* the key was for this panel */
	BXUI_IGNORED = 1u << 1, /* not its key: the manager tries the global ones */
	BXUI_REDRAW = 1u << 2,  /* draw a new frame */
	BXUI_RESCAN = 1u << 3,  /* sample now rather than at the next tick */
	BXUI_CLOSE = 1u << 4,   /* pop this panel */
	BXUI_QUIT = 1u << 5,    /* leave the dashboard */
};
typedef unsigned bxui_result;

struct bxui_panel;
struct bxui_screen;

/* One entry of the function-key bar: key "F6", label "Sort". */
struct bxui_fkey {
	const char *key, *label;
};

struct bxui_panel_class {
	const char *name;
	bool overlay; /* drawn over the panel below it (a popup) */
	bxui_result (*event)(struct bxui_panel *p, int key);
	void (*draw)(struct bxui_panel *p);
	void (*on_resize)(struct bxui_panel *p); /* area changed; may be NULL */
	void (*on_sample)(struct bxui_panel *p); /* a new snapshot; may be NULL */
	void (*destroy)(struct bxui_panel *p);
	const struct bxui_fkey *fkeys; /* ends with {NULL} */
};

struct bxui_panel {
	const struct bxui_panel_class *klass;
	struct bxui_screen *scr;
	int y, x, h, w; /* its area on the screen */
};

/* Virtual calls, htop's Panel_eventHandler: the slot must be set. */
#define bxui_panel_event(p, k) (assert((p)->klass->event), (p)->klass->event((p), (k)))
#define bxui_panel_draw(p) (assert((p)->klass->draw), (p)->klass->draw(p))
#define bxui_panel_destroy(p) (assert((p)->klass->destroy), (p)->klass->destroy(p))

enum bxui_color {
	BXUI_C_NORMAL,
	BXUI_C_HEADER,
	BXUI_C_FKEY,
	BXUI_C_FLABEL,
	BXUI_C_TITLE,
	BXUI_C_SELECT,
	BXUI_C_RUNNING,
	BXUI_C_PAUSED,
	BXUI_C_EXITED,
	BXUI_C_BAD,
	BXUI_C_CPU,
	BXUI_C_MEM,
	BXUI_C_DIM,
	BXUI_C_ERROR,
	BXUI_C_OK,
	BXUI_C_KIND_NS, /* timeline bars by module kind */
	BXUI_C_KIND_CG,
	BXUI_C_KIND_FS,
	BXUI_C_KIND_NET,
	BXUI_C_KIND_SEC,
	BXUI_C_KIND_CORE,
	BXUI_C_N,
};

/* A line editor on the status row: filter, command, or a y/n question. */
struct bxui_prompt {
	bool active, yesno;
	char label[96];
	char text[256];
	size_t len;
	char arg[128]; /* for the callbacks: a container name */
	void (*on_change)(struct bxui_screen *s, const char *text);
	void (*on_done)(struct bxui_screen *s, const char *text, const char *arg, bool accepted);
};

/* What a background command's output goes to when it ends, instead of
 * the status line (the escape lab parses `boxlab attack --json`): out is
 * its stdout, err its stderr, code its exit code (128 + signal); ctx
 * and tag are what the spawner gave (which panel, which request). */
typedef void (*bxui_job_done)(struct bxui_screen *s, void *ctx, long tag, int code, const char *out,
			      const char *err);

/* A boxlab command run in the background (stop, rm, run -d ...): its
 * output is collected and its last line becomes the status message, or
 * all of it goes to done. */
struct bxui_job {
	pid_t pid;
	int fd;
	int err_fd; /* done jobs: a memfd holding stderr; else -1 */
	char what[128];
	char *out; /* the output so far (the tail, past BXUI_JOB_OUT_MAX) */
	size_t len, cap;
	bool eof;
	bool select_output; /* run -d: select the container it printed */
	bxui_job_done done; /* NULL: the status line reports it */
	void *ctx;
	long tag;
	bool forgotten; /* its panel is gone: end it silently */
};

#define BXUI_MAX_JOBS 16
#define BXUI_JOB_OUT_MAX (1024 * 1024)
#define BXUI_MAX_PANELS 8

struct bxui_screen {
	const struct bxui_options *opt;
	const struct bxui_glyphs *g;
	bool color;
	attr_t attr[BXUI_C_N];
	int rows, cols;

	struct bxui_panel *stack[BXUI_MAX_PANELS];
	int depth;

	struct bxui_sampler sampler;
	struct bxui_snapshot snap;
	char *selected; /* the container the list's cursor is on */

	char msg[256];
	bool msg_err;
	uint64_t msg_until;
	struct bxui_prompt prompt;

	struct bxui_job jobs[BXUI_MAX_JOBS];
	size_t njobs;
	bool need_redraw, need_sample;
};

attr_t bxui_attr(struct bxui_screen *s, enum bxui_color c);
/* Put text at (y, x) in at most w columns; returns the columns used. */
int bxui_put(struct bxui_screen *s, int y, int x, int w, enum bxui_color c, const char *text);
int bxui_putf(struct bxui_screen *s, int y, int x, int w, enum bxui_color c, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Text broken at spaces over at most rows lines; returns the lines used. */
int bxui_put_wrapped(struct bxui_screen *s, int y, int x, int w, int rows, enum bxui_color c, const char *text);
void bxui_hline(struct bxui_screen *s, int y, int x, int w, enum bxui_color c);
/* A framed box (popups). */
void bxui_box(struct bxui_screen *s, int y, int x, int h, int w, enum bxui_color c);

void bxui_push(struct bxui_screen *s, struct bxui_panel *p);
void bxui_message(struct bxui_screen *s, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void bxui_select(struct bxui_screen *s, const char *name);
void bxui_prompt(struct bxui_screen *s, const char *label, const char *init,
		 void (*on_change)(struct bxui_screen *, const char *),
		 void (*on_done)(struct bxui_screen *, const char *, const char *, bool));
void bxui_confirm(struct bxui_screen *s, const char *question, const char *arg,
		  void (*on_done)(struct bxui_screen *, const char *, const char *, bool));
/* Run `boxlab ARGV...` (argv[0] is the command name) in the background. */
void bxui_spawn(struct bxui_screen *s, const char *what, char *const argv[], bool select_output);
/* Run `boxlab ARGV...` in the background, its output handed to done
 * (with ctx and tag) when it ends; false (and a message) when it cannot
 * start. */
bool bxui_spawn_done(struct bxui_screen *s, const char *what, char *const argv[], bxui_job_done done, void *ctx,
		     long tag);
/* A panel that goes away while its jobs run: they end unheard. */
void bxui_jobs_forget(struct bxui_screen *s, void *ctx);
/* Run `boxlab ARGV...` on the terminal: the dashboard steps aside
 * (endwin) and comes back when it ends. */
int bxui_run_foreground(struct bxui_screen *s, char *const argv[]);
/* The same for any program (a demo script): path is exec'd with argv;
 * with hold, "press Enter" keeps its last words on the screen. */
int bxui_run_program(struct bxui_screen *s, const char *path, char *const argv[], bool hold);
/* This binary's real path (/proc/self/exe resolved), for programs that
 * call boxlab back; NULL when it cannot be read. */
char *bxui_self_path(void);

/* Panels. */
struct bxui_panel *bxui_list_new(struct bxui_screen *s);
struct bxui_panel *bxui_detail_new(struct bxui_screen *s, const char *name);
struct bxui_panel *bxui_modules_new(struct bxui_screen *s);
struct bxui_panel *bxui_logs_new(struct bxui_screen *s, const char *name);
struct bxui_panel *bxui_help_new(struct bxui_screen *s);
struct bxui_panel *bxui_sort_new(struct bxui_screen *s, enum bxui_col *sort, bool *desc);
struct bxui_panel *bxui_escape_new(struct bxui_screen *s);
struct bxui_panel *bxui_demos_new(struct bxui_screen *s);
struct bxui_panel *bxui_lesson_new(struct bxui_screen *s); /* lesson.c */

/* actions.c: the keys that act on a container, shared by the list, the
 * detail and the logs panels.  BXUI_IGNORED when key is none of them. */
bxui_result bxui_container_action(struct bxui_screen *s, const char *name, int key);
/* A movement key applied to a cursor over n rows of which page show;
 * false when key is not one. */
bool bxui_move(int key, size_t n, int page, size_t *cur);

#define BXUI_KEY_ESC 27
#define BXUI_CTRL(c) ((c) & 0x1f)

#endif
