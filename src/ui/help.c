/* F1 / ?: every key of the dashboard, and the legend of the MODULES
 * column's letters (computed from the registry, as the column is). */
#include "ui/screen.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <string.h>

struct help_panel {
	struct bxui_panel super;
	size_t top, total;
};

static const struct bxui_fkey help_fkeys[] = {
	{"F10", "Quit"}, {"Esc", "Back"}, {NULL, NULL},
};

static const struct {
	const char *keys, *what;
} help[] = {
	{NULL, "Everywhere"},
	{"F1 ? h", "this help"},
	{"Up Down j k", "move (PgUp PgDn Home End g G too)"},
	{"Esc Backspace", "back to the previous view"},
	{"q F10", "quit"},
	{"Ctrl-L", "repaint the whole screen"},
	{NULL, "Container list"},
	{"Enter", "detail: timeline, graphs, capabilities, seccomp, mounts, network"},
	{"/ F3", "filter on name, image, status, command (Esc drops it)"},
	{"F6", "choose the sort column"},
	{"< > , .", "sort by the previous / next column"},
	{"I", "invert the sort order"},
	{"n F2", "module switches: start a container with modules off"},
	{"a", "escape lab: an attack with isolation off and on, side by side"},
	{"d", "demos: run a demos/NN-name.sh story on this terminal"},
	{NULL, "On the selected container (list, detail and logs)"},
	{"l F4", "its logs (stdout.log)"},
	{"e F5", "a shell in it (boxlab exec -it NAME sh); exit returns here"},
	{"p F7", "pause it, or resume it (freezer cgroup)"},
	{"S F8", "stop it: SIGTERM, SIGKILL after 10 s (boxlab stop)"},
	{"K F9", "kill it with SIGKILL, after a y/n question"},
	{"R Del F11", "remove it (rm -f: killed if running), after a y/n"},
	{"c", "checkpoint it with CRIU (boxlab checkpoint: it stops)"},
	{"r", "restore a checkpointed one (boxlab restore)"},
	{NULL, "Module switches (n / F2)"},
	{"Space Enter F3", "switch the module under the cursor on or off"},
	{"d F4", "every module back to its default"},
	{"o F6", "every module off (--isolation=none)"},
	{"c F7", "change the image and command (default: busybox sleep 3600)"},
	{"s F5", "start it: boxlab run -d --no-MODULE... as shown"},
	{NULL, "Escape lab (a)"},
	{"Enter F5", "run the attack twice at once: --isolation=none and the default"},
	{"b F6", "what blocked it: one run with each module off, alone"},
	{NULL, "Demos (d)"},
	{"Enter F5", "run the demo; the dashboard steps aside and comes back after"},
	{NULL, "Logs"},
	{"End G", "follow the end again after scrolling up"},
	{NULL, "Lesson (L)"},
	{"L", "your current lesson's steps, re-checked every 5 s (boxlab lesson)"},
	{"c F5", "check now"},
	{"< > Left Right", "the previous / next lesson"},
};

static void help_draw(struct bxui_panel *p)
{
	struct help_panel *hp = (struct help_panel *)p;
	struct bxui_screen *s = p->scr;
	size_t row = 0;
	char letters[BX_MAX_MODULES + 1];
	int rows = p->h;

#define EMIT(color, col, text)                                                                         \
	do {                                                                                           \
		if (row >= hp->top && row < hp->top + (size_t)rows)                                    \
			bxui_put(s, p->y + (int)(row - hp->top), p->x + (col), p->w - (col), color, text); \
	} while (0)

	for (size_t i = 0; i < N_ELEMENTS(help); i++) {
		if (!help[i].keys) {
			if (i)
				row++;
			EMIT(BXUI_C_TITLE, 0, help[i].what);
		} else {
			EMIT(BXUI_C_FKEY, 2, help[i].keys);
			EMIT(BXUI_C_NORMAL, 18, help[i].what);
		}
		row++;
	}
	row++;
	EMIT(BXUI_C_TITLE, 0, "MODULES column: a letter where the module is on, '.' where it is off");
	row++;
	bxui_module_letters(letters, sizeof letters);
	for (size_t i = 0; bx_modules[i]; i++) {
		char item[128];
		snprintf(item, sizeof item, "%c %-9s %s", letters[i], bx_modules[i]->name,
			 bx_modules[i]->summary ? bx_modules[i]->summary : "");
		EMIT(BXUI_C_NORMAL, 2, item);
		row++;
	}
#undef EMIT
	hp->total = row;
}

static bxui_result help_event(struct bxui_panel *p, int key)
{
	struct help_panel *hp = (struct help_panel *)p;
	size_t last = hp->total > (size_t)p->h ? hp->total - (size_t)p->h : 0;
	if (bxui_move(key, last + 1, p->h, &hp->top))
		return BXUI_HANDLED | BXUI_REDRAW;
	if (key == KEY_F(1) || key == '?' || key == 'h')
		return BXUI_CLOSE | BXUI_REDRAW;
	return BXUI_IGNORED;
}

static void help_destroy(struct bxui_panel *p)
{
	free(p);
}

static const struct bxui_panel_class help_class = {
	.name = "Help",
	.event = help_event,
	.draw = help_draw,
	.destroy = help_destroy,
	.fkeys = help_fkeys,
};

struct bxui_panel *bxui_help_new(struct bxui_screen *s)
{
	struct help_panel *hp = xzalloc(sizeof *hp);
	hp->super.klass = &help_class;
	hp->super.scr = s;
	return &hp->super;
}
