/* The demos menu (d on the list): the scripted before/after stories of
 * demos/NN-name.sh, each with the first lines of its header comment.
 * Enter runs one on the terminal the way the shell action does: the
 * dashboard steps aside (endwin), the script narrates, and after
 * "Press Enter" the dashboard comes back.  The script calls this very
 * binary (BOXLAB in its environment).
 *
 * Where the scripts are: $BOXLAB_DEMO_DIR, else demos/ next to the build
 * directory this binary is in (build/boxlab -> demos/), else
 * PREFIX/share/boxlab/demos after make install (PREFIX/bin/boxlab). */
#include "ui/screen.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <fnmatch.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ABOUT_ROWS 8

struct demo {
	char *file;  /* "02-resource-limits.sh" */
	char *title; /* the header's first line */
	char *about; /* the rest of the header, one paragraph */
};

struct demos_panel {
	struct bxui_panel super;
	char *dir; /* NULL: none found */
	struct demo *d;
	size_t n;
	size_t cur, top;
};

static const struct bxui_fkey demos_fkeys[] = {
	{"F1", "Help"}, {"F5", "Run"}, {"F10", "Quit"}, {"Esc", "Back"}, {NULL, NULL},
};

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *find_dir(void)
{
	const char *env = getenv("BOXLAB_DEMO_DIR");
	if (env && *env)
		return is_dir(env) ? xstrdup(env) : NULL;
	cleanup_free char *self = bxui_self_path();
	if (!self)
		return NULL;
	char *bin = dirname(self);
	static const char *const rel[] = {"../demos", "../share/boxlab/demos"};
	for (size_t i = 0; i < N_ELEMENTS(rel); i++) {
		char *d = xasprintf("%s/%s", bin, rel[i]);
		char *real = realpath(d, NULL);
		free(d);
		if (real && is_dir(real))
			return real;
		free(real);
	}
	return NULL;
}

/* The header comment after "#!": its first line is the title; after a
 * blank comment line, the paragraph up to the next one describes it. */
static void read_header(const char *path, struct demo *d)
{
	cleanup_file FILE *f = fopen(path, "r");
	char line[512];
	size_t len = 0;
	d->about = xstrdup("");
	while (f && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "#!", 2))
			continue;
		if (line[0] != '#')
			break;
		const char *t = line + 1;
		while (*t == ' ')
			t++;
		if (!d->title) {
			d->title = xstrdup(t);
			continue;
		}
		if (!*t) {
			if (len)
				break;
			continue;
		}
		char *more = xasprintf("%s%s%s", d->about, len ? " " : "", t);
		free(d->about);
		/* One paragraph: the header's column alignment squeezed. */
		char *w = more;
		for (char *r = more; *r; r++)
			if (!(*r == ' ' && w > more && w[-1] == ' '))
				*w++ = *r;
		*w = '\0';
		d->about = more;
		len = strlen(more);
	}
	if (!d->title)
		d->title = xstrdup("");
}

static int demo_cmp(const void *a, const void *b)
{
	return strcmp(((const struct demo *)a)->file, ((const struct demo *)b)->file);
}

static void load(struct demos_panel *dp)
{
	dp->dir = find_dir();
	if (!dp->dir)
		return;
	cleanup_dir DIR *dir = opendir(dp->dir);
	struct dirent *e;
	while (dir && (e = readdir(dir))) {
		if (fnmatch("[0-9][0-9]-*.sh", e->d_name, 0))
			continue;
		dp->d = xrealloc(dp->d, (dp->n + 1) * sizeof *dp->d);
		struct demo *d = &dp->d[dp->n++];
		memset(d, 0, sizeof *d);
		d->file = xstrdup(e->d_name);
		cleanup_free char *path = xasprintf("%s/%s", dp->dir, e->d_name);
		read_header(path, d);
	}
	if (dp->n)
		qsort(dp->d, dp->n, sizeof *dp->d, demo_cmp);
}

static int list_rows(const struct bxui_panel *p)
{
	int n = p->h - 2 - ABOUT_ROWS;
	return n > 1 ? n : 1;
}

static void demos_draw(struct bxui_panel *p)
{
	struct demos_panel *dp = (struct demos_panel *)p;
	struct bxui_screen *s = p->scr;
	char line[1024], padded[1024];
	if (!dp->n) {
		bxui_put(s, p->y + 1, p->x + 2, p->w - 2, BXUI_C_BAD, "No demos found.");
		bxui_putf(s, p->y + 2, p->x + 2, p->w - 2, BXUI_C_NORMAL,
			  dp->dir ? "%s holds no NN-name.sh script" : "%sneither demos/ beside the build directory nor "
								     "share/boxlab/demos: set BOXLAB_DEMO_DIR",
			  dp->dir ? dp->dir : "");
		return;
	}
	snprintf(line, sizeof line, "%-26s %s", "DEMO", "WHAT IT SHOWS");
	bxui_pad(padded, sizeof padded, line, p->w, false, s->g);
	bxui_put(s, p->y, p->x, p->w, BXUI_C_TITLE, padded);
	int rows = list_rows(p);
	if (dp->cur < dp->top)
		dp->top = dp->cur;
	if (dp->cur >= dp->top + (size_t)rows)
		dp->top = dp->cur - (size_t)rows + 1;
	for (int r = 0; r < rows && dp->top + (size_t)r < dp->n; r++) {
		size_t i = dp->top + (size_t)r;
		snprintf(line, sizeof line, "%-26s %s", dp->d[i].file, dp->d[i].title);
		bxui_pad(padded, sizeof padded, line, p->w, false, s->g);
		bxui_put(s, p->y + 1 + r, p->x, p->w, i == dp->cur ? BXUI_C_SELECT : BXUI_C_NORMAL, padded);
	}
	int y = p->y + p->h - ABOUT_ROWS;
	const struct demo *d = &dp->d[dp->cur];
	bxui_hline(s, y, p->x, p->w, BXUI_C_DIM);
	bxui_putf(s, y + 1, p->x, p->w, BXUI_C_TITLE, "%s/%s", dp->dir, d->file);
	bxui_put_wrapped(s, y + 2, p->x, p->w, ABOUT_ROWS - 3, BXUI_C_NORMAL, d->about);
	bxui_put(s, y + ABOUT_ROWS - 1, p->x, p->w, BXUI_C_DIM,
		 "Enter runs it here; Ctrl-C stops it (it cleans up); DEMO_FAST=1: no pauses");
}

static bxui_result demos_event(struct bxui_panel *p, int key)
{
	struct demos_panel *dp = (struct demos_panel *)p;
	struct bxui_screen *s = p->scr;
	if (dp->n && bxui_move(key, dp->n, list_rows(p), &dp->cur))
		return BXUI_HANDLED | BXUI_REDRAW;
	switch (key) {
	case '\r':
	case '\n':
	case KEY_ENTER:
	case KEY_F(5): {
		if (!dp->n)
			return BXUI_HANDLED;
		const struct demo *d = &dp->d[dp->cur];
		cleanup_free char *path = xasprintf("%s/%s", dp->dir, d->file);
		cleanup_free char *self = bxui_self_path();
		/* The demo calls back the binary that runs the dashboard. */
		if (self)
			setenv("BOXLAB", self, 1);
		int code = bxui_run_program(s, path, (char *const[]){d->file, NULL}, true);
		bxui_message(s, code != 0 && code != 77, "%s: %s (exit code %d)", d->file,
			     code == 0 ? "the story holds" : code == 77 ? "skipped" : "it did not hold", code);
		return BXUI_HANDLED | BXUI_REDRAW;
	}
	default:
		return BXUI_IGNORED;
	}
}

static void demos_destroy(struct bxui_panel *p)
{
	struct demos_panel *dp = (struct demos_panel *)p;
	for (size_t i = 0; i < dp->n; i++) {
		free(dp->d[i].file);
		free(dp->d[i].title);
		free(dp->d[i].about);
	}
	free(dp->d);
	free(dp->dir);
	free(dp);
}

static const struct bxui_panel_class demos_class = {
	.name = "Demos",
	.event = demos_event,
	.draw = demos_draw,
	.destroy = demos_destroy,
	.fkeys = demos_fkeys,
};

struct bxui_panel *bxui_demos_new(struct bxui_screen *s)
{
	struct demos_panel *dp = xzalloc(sizeof *dp);
	dp->super.klass = &demos_class;
	dp->super.scr = s;
	load(dp);
	return &dp->super;
}
