/* The module switch panel (F2): every module of the registry with its
 * summary and what it blocks, a switch for each, and a new container
 * started with that set.  The panel shows the exact `boxlab run` line it
 * will use, and runs that line (in the background, through this binary),
 * so every check of run applies and a student can type it again. */
#include "ui/screen.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <string.h>

#define HEAD_ROWS 3 /* image and command, the run line, the column titles */
#define INFO_ROWS 5 /* the current module: summary, blocks, off warning */

struct modules_panel {
	struct bxui_panel super;
	bool on[BX_MAX_MODULES];
	size_t cur, top;
	char run[256]; /* "IMAGE COMMAND..." */
};

static const struct bxui_fkey modules_fkeys[] = {
	{"F1", "Help"}, {"F3", "Toggle"}, {"F4", "Defaults"}, {"F5", "Start"},
	{"F6", "None"}, {"F7", "Command"}, {"F10", "Quit"},  {"Esc", "Back"}, {NULL, NULL},
};

static const char *const kind_names[] = {
	[BX_KIND_NAMESPACE] = "namespace", [BX_KIND_CGROUP] = "cgroup",   [BX_KIND_FILESYSTEM] = "filesystem",
	[BX_KIND_NETWORK] = "network",     [BX_KIND_SECURITY] = "security", [BX_KIND_OTHER] = "other",
};

/* The words after "boxlab": run -d, a flag per module that differs from
 * its default, the image and the command.  NULL (and a message) when the
 * image/command line does not parse. */
static char **run_argv(struct modules_panel *mp, bx_err_t *err)
{
	char **v = NULL, **words = NULL;
	if (bx_words_split(mp->run, &words, err) < 0)
		return NULL;
	if (!words || !words[0]) {
		strv_free(words);
		bx_usage_error(err, "no image given (F7: IMAGE [COMMAND...])");
		return NULL;
	}
	strv_push(&v, "run");
	strv_push(&v, "-d");
	for (size_t i = 0; bx_modules[i]; i++) {
		if (mp->on[i] == bx_modules[i]->default_on)
			continue;
		cleanup_free char *f = xasprintf("--%s%s", mp->on[i] ? "" : "no-", bx_modules[i]->name);
		strv_push(&v, f);
	}
	for (size_t i = 0; words[i]; i++)
		strv_push(&v, words[i]);
	strv_free(words);
	return v;
}

static int list_rows(const struct bxui_panel *p)
{
	int n = p->h - HEAD_ROWS - INFO_ROWS;
	return n > 1 ? n : 1;
}

static void modules_draw(struct bxui_panel *p)
{
	struct modules_panel *mp = (struct modules_panel *)p;
	struct bxui_screen *s = p->scr;
	int x = p->x, y = p->y, w = p->w;
	char letters[BX_MAX_MODULES + 1], line[1024];
	size_t n = bx_module_count();
	bx_err_t err = NULL;

	bxui_module_letters(letters, sizeof letters);
	int cx = bxui_put(s, y, x, w, BXUI_C_TITLE, "New container: ");
	cx += bxui_put(s, y, x + cx, w - cx, BXUI_C_NORMAL, mp->run);
	bxui_put(s, y, x + cx, w - cx, BXUI_C_DIM, "   (F7 changes image and command)");
	cleanup_strv char **argv = run_argv(mp, &err);
	if (argv) {
		cleanup_free char *joined = strv_join(argv, " ");
		snprintf(line, sizeof line, "F5 runs: boxlab %s", joined);
		bxui_put(s, y + 1, x, w, BXUI_C_OK, line);
	} else {
		bxui_putf(s, y + 1, x, w, BXUI_C_BAD, "cannot start: %s", err->msg);
		bx_error_release(&err);
	}
	snprintf(line, sizeof line, "     %-10s %-10s %s", "MODULE", "KIND", "WHAT IT IS");
	char padded[1024];
	bxui_pad(padded, sizeof padded, line, w, false, s->g);
	bxui_put(s, y + 2, x, w, BXUI_C_TITLE, padded);

	int rows = list_rows(p);
	if (mp->cur < mp->top)
		mp->top = mp->cur;
	if (mp->cur >= mp->top + (size_t)rows)
		mp->top = mp->cur - (size_t)rows + 1;
	for (int r = 0; r < rows && mp->top + (size_t)r < n; r++) {
		size_t i = mp->top + (size_t)r;
		const struct bx_module *m = bx_modules[i];
		snprintf(line, sizeof line, "%s %c %-10s %-10s %s", mp->on[i] ? "[x]" : "[ ]", mp->on[i] ? letters[i] : '.',
			 m->name, kind_names[m->kind], m->summary ? m->summary : "");
		bxui_pad(padded, sizeof padded, line, w, false, s->g);
		bxui_put(s, y + HEAD_ROWS + r, x, w,
			 i == mp->cur ? BXUI_C_SELECT : mp->on[i] ? BXUI_C_NORMAL : BXUI_C_EXITED, padded);
	}

	/* The current module, in full. */
	const struct bx_module *m = bx_modules[mp->cur];
	int iy = y + p->h - INFO_ROWS;
	bxui_hline(s, iy, x, w, BXUI_C_DIM);
	bxui_putf(s, iy + 1, x, w, BXUI_C_TITLE, "%s: %s", m->name, m->summary ? m->summary : "");
	bxui_put(s, iy + 2, x, 8, BXUI_C_DIM, "blocks:");
	bxui_put_wrapped(s, iy + 2, x + 8, w - 8, 2, BXUI_C_NORMAL, m->blocks ? m->blocks : "(nothing on its own)");
	if (!mp->on[mp->cur] && m->off_warning) {
		bxui_put(s, iy + 4, x, 8, BXUI_C_BAD, "off:");
		bxui_put(s, iy + 4, x + 8, w - 8, BXUI_C_BAD, m->off_warning);
	} else {
		bxui_putf(s, iy + 4, x, w, BXUI_C_DIM, "default %s, now %s%s", m->default_on ? "on" : "off",
			  mp->on[mp->cur] ? "on" : "off", mp->on[mp->cur] == m->default_on ? "" : " (changed)");
	}
}

static void command_done(struct bxui_screen *s, const char *text, const char *arg, bool accepted)
{
	(void)arg;
	struct modules_panel *mp = (struct modules_panel *)s->stack[s->depth - 1];
	if (accepted && *text)
		snprintf(mp->run, sizeof mp->run, "%s", text);
}

static bxui_result modules_event(struct bxui_panel *p, int key)
{
	struct modules_panel *mp = (struct modules_panel *)p;
	struct bxui_screen *s = p->scr;
	size_t n = bx_module_count();
	bx_err_t err = NULL;
	if (bxui_move(key, n, list_rows(p), &mp->cur))
		return BXUI_HANDLED | BXUI_REDRAW;
	switch (key) {
	case ' ':
	case '\r':
	case '\n':
	case KEY_ENTER:
	case KEY_F(3):
		mp->on[mp->cur] = !mp->on[mp->cur];
		return BXUI_HANDLED | BXUI_REDRAW;
	case 'd':
	case KEY_F(4):
		for (size_t i = 0; i < n; i++)
			mp->on[i] = bx_modules[i]->default_on;
		return BXUI_HANDLED | BXUI_REDRAW;
	case 'o':
	case KEY_F(6):
		for (size_t i = 0; i < n; i++)
			mp->on[i] = false;
		return BXUI_HANDLED | BXUI_REDRAW;
	case 'c':
	case KEY_F(7):
		bxui_prompt(s, "Image and command:", mp->run, NULL, command_done);
		return BXUI_HANDLED | BXUI_REDRAW;
	case 's':
	case KEY_F(5): {
		cleanup_strv char **argv = run_argv(mp, &err);
		if (!argv) {
			bxui_message(s, true, "cannot start: %s", err->msg);
			bx_error_release(&err);
			return BXUI_HANDLED | BXUI_REDRAW;
		}
		bxui_spawn(s, "run -d", argv, true);
		return BXUI_CLOSE | BXUI_REDRAW;
	}
	default:
		return BXUI_IGNORED;
	}
}

static void modules_destroy(struct bxui_panel *p)
{
	free(p);
}

static const struct bxui_panel_class modules_class = {
	.name = "Modules",
	.event = modules_event,
	.draw = modules_draw,
	.destroy = modules_destroy,
	.fkeys = modules_fkeys,
};

struct bxui_panel *bxui_modules_new(struct bxui_screen *s)
{
	struct modules_panel *mp = xzalloc(sizeof *mp);
	mp->super.klass = &modules_class;
	mp->super.scr = s;
	for (size_t i = 0; bx_modules[i]; i++)
		mp->on[i] = bx_modules[i]->default_on;
	snprintf(mp->run, sizeof mp->run, "%s %s", s->opt->image, s->opt->command);
	return &mp->super;
}
