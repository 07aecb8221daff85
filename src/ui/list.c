/* The main screen: every container, one row each (htop's process list,
 * ctop's container list), and the sort-column popup.
 *
 * The rows are recomputed from the latest snapshot at every frame (a
 * filter and a sort over at most a few hundred rows: microseconds), so
 * nothing here can go stale.  The cursor follows a container, not a row
 * number: when the order changes the same container stays selected. */
#include "ui/screen.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

struct list_panel {
	struct bxui_panel super;
	enum bxui_col sort;
	bool desc;
	char filter[128];
	size_t *view; /* indices into the snapshot, in display order */
	size_t nview;
	size_t cur;   /* cursor, in view */
	size_t top;   /* first row shown */
};

static const struct bxui_fkey list_fkeys[] = {
	{"F1", "Help"}, {"F2", "New"},   {"F3", "Filter"}, {"F4", "Logs"}, {"F5", "Shell"}, {"F6", "Sort"},
	{"F7", "Pause"}, {"F8", "Stop"}, {"F9", "Kill"},   {"F10", "Quit"}, {"F11", "Rm"},
	/* Past 80 columns, where there is room. */
	{"c", "Checkpoint"}, {"r", "Restore"}, {"Enter", "Detail"}, {"a", "Escape lab"}, {"d", "Demos"}, {NULL, NULL},
};

static void refresh_view(struct list_panel *lp)
{
	struct bxui_screen *s = lp->super.scr;
	free(lp->view);
	lp->view = xzalloc((s->snap.n + 1) * sizeof *lp->view);
	lp->nview = bxui_view(&s->snap, lp->filter, lp->sort, lp->desc, lp->view);
	/* Keep the cursor on the selected container wherever it went. */
	bool found = false;
	for (size_t i = 0; s->selected && i < lp->nview; i++)
		if (!strcmp(s->snap.c[lp->view[i]].name, s->selected)) {
			lp->cur = i;
			found = true;
			break;
		}
	if (!found && lp->nview) {
		if (lp->cur >= lp->nview)
			lp->cur = lp->nview - 1;
		bxui_select(s, s->snap.c[lp->view[lp->cur]].name);
	} else if (!lp->nview) {
		lp->cur = 0;
	}
}

static int rows_shown(const struct list_panel *lp)
{
	/* The header row, and the filter row when there is a filter. */
	int n = lp->super.h - 1 - (lp->filter[0] ? 1 : 0);
	return n > 0 ? n : 1;
}

static enum bxui_color status_color(const struct bxui_ctr *c)
{
	switch (c->status) {
	case BX_RUNNING: return strcmp(c->health, "unhealthy") ? BXUI_C_RUNNING : BXUI_C_BAD;
	case BX_RESTARTING: return BXUI_C_PAUSED;
	case BX_PAUSED: return BXUI_C_PAUSED;
	case BX_EXITED: return c->oom_killed ? BXUI_C_BAD : BXUI_C_EXITED;
	case BX_DEAD: return BXUI_C_BAD;
	default: return BXUI_C_NORMAL;
	}
}

static void list_draw(struct bxui_panel *p)
{
	struct list_panel *lp = (struct list_panel *)p;
	struct bxui_screen *s = p->scr;
	int widths[BXUI_COL_N];
	char cell[1024];

	refresh_view(lp);
	bxui_layout(p->w, widths);
	int x = p->x;
	bxui_put(s, p->y, p->x, p->w, BXUI_C_TITLE, "");
	for (int c = 0; c < BXUI_COL_N; c++) {
		if (!widths[c])
			continue;
		bxui_header_cell((enum bxui_col)c, widths[c], lp->sort, lp->desc, s->g, cell, sizeof cell);
		x += bxui_put(s, p->y, x, p->w - (x - p->x), BXUI_C_TITLE, cell);
		if (x < p->x + p->w)
			x += bxui_put(s, p->y, x, 1, BXUI_C_TITLE, " ");
	}
	/* The title colour across the whole row. */
	while (x < p->x + p->w)
		x += bxui_put(s, p->y, x, 1, BXUI_C_TITLE, " ");

	int page = rows_shown(lp);
	if (lp->cur < lp->top)
		lp->top = lp->cur;
	if (lp->cur >= lp->top + (size_t)page)
		lp->top = lp->cur - (size_t)page + 1;
	if (lp->top + (size_t)page > lp->nview)
		lp->top = lp->nview > (size_t)page ? lp->nview - (size_t)page : 0;

	for (int r = 0; r < page && lp->top + (size_t)r < lp->nview; r++) {
		size_t vi = lp->top + (size_t)r;
		const struct bxui_ctr *ct = &s->snap.c[lp->view[vi]];
		bool sel = vi == lp->cur;
		int y = p->y + 1 + r;
		x = p->x;
		for (int c = 0; c < BXUI_COL_N; c++) {
			if (!widths[c])
				continue;
			enum bxui_color color = BXUI_C_NORMAL;
			if (c == BXUI_COL_STATUS)
				color = status_color(ct);
			else if (c == BXUI_COL_CPU_GRAPH)
				color = BXUI_C_CPU;
			else if (c == BXUI_COL_MEM_GRAPH)
				color = BXUI_C_MEM;
			else if (ct->status != BX_RUNNING && ct->status != BX_PAUSED)
				color = BXUI_C_EXITED;
			bxui_cell(ct, (enum bxui_col)c, widths[c], s->snap.taken_us, s->snap.taken_real_us, s->g, cell,
				  sizeof cell);
			x += bxui_put(s, y, x, p->w - (x - p->x), sel ? BXUI_C_SELECT : color, cell);
			if (x < p->x + p->w)
				x += bxui_put(s, y, x, 1, sel ? BXUI_C_SELECT : BXUI_C_NORMAL, " ");
		}
		while (sel && x < p->x + p->w)
			x += bxui_put(s, y, x, 1, BXUI_C_SELECT, " ");
	}
	if (!lp->nview) {
		if (lp->filter[0])
			bxui_putf(s, p->y + 2, p->x + 2, p->w - 4, BXUI_C_DIM,
				  "No container matches \"%s\" (/ then Esc clears the filter).", lp->filter);
		else
			bxui_put(s, p->y + 2, p->x + 2, p->w - 4, BXUI_C_DIM,
				 "No containers. F2 starts one; so does 'boxlab run -d busybox sleep 600'.");
	}
	if (lp->filter[0])
		bxui_putf(s, p->y + p->h - 1, p->x, p->w, BXUI_C_TITLE, "Filter: %s  (%zu of %zu shown)", lp->filter,
			  lp->nview, s->snap.n);
}

static struct list_panel *list_of(struct bxui_screen *s)
{
	return (struct list_panel *)s->stack[0];
}

static void filter_changed(struct bxui_screen *s, const char *text)
{
	struct list_panel *lp = list_of(s);
	snprintf(lp->filter, sizeof lp->filter, "%s", text);
	lp->cur = lp->top = 0;
	bxui_select(s, NULL);
}

static void filter_done(struct bxui_screen *s, const char *text, const char *arg, bool accepted)
{
	(void)arg;
	/* Esc drops the filter, as in htop. */
	filter_changed(s, accepted ? text : "");
}

/* The sortable columns, in table order (the graphs sort like their
 * figures, so they are not choices of their own). */
static const enum bxui_col sortable[] = {
	BXUI_COL_NAME, BXUI_COL_IMAGE, BXUI_COL_STATUS, BXUI_COL_MODULES, BXUI_COL_CPU,
	BXUI_COL_MEM,  BXUI_COL_PIDS,  BXUI_COL_NET,    BXUI_COL_UPTIME,
};

/* Figures read best largest first; names and states in order. */
static bool default_desc(enum bxui_col c)
{
	return c != BXUI_COL_NAME && c != BXUI_COL_IMAGE && c != BXUI_COL_STATUS;
}

static void sort_step(struct list_panel *lp, int dir)
{
	size_t n = N_ELEMENTS(sortable), i = 0;
	while (i < n && sortable[i] != lp->sort)
		i++;
	i = dir < 0 ? (i + n - 1) % n : (i + 1) % n;
	lp->sort = sortable[i];
	lp->desc = default_desc(lp->sort);
}

static bxui_result list_event(struct bxui_panel *p, int key)
{
	struct list_panel *lp = (struct list_panel *)p;
	struct bxui_screen *s = p->scr;
	refresh_view(lp);
	if (bxui_move(key, lp->nview, rows_shown(lp), &lp->cur)) {
		if (lp->nview)
			bxui_select(s, s->snap.c[lp->view[lp->cur]].name);
		return BXUI_HANDLED | BXUI_REDRAW;
	}
	switch (key) {
	case '\r':
	case '\n':
	case KEY_ENTER:
		if (!lp->nview)
			return BXUI_HANDLED;
		bxui_push(s, bxui_detail_new(s, s->snap.c[lp->view[lp->cur]].name));
		return BXUI_HANDLED | BXUI_REDRAW;
	case '/':
	case KEY_F(3):
		bxui_prompt(s, "Filter:", lp->filter, filter_changed, filter_done);
		return BXUI_HANDLED | BXUI_REDRAW;
	case KEY_F(6):
		bxui_push(s, bxui_sort_new(s, &lp->sort, &lp->desc));
		return BXUI_HANDLED | BXUI_REDRAW;
	case '<':
	case ',':
		sort_step(lp, -1);
		return BXUI_HANDLED | BXUI_REDRAW;
	case '>':
	case '.':
		sort_step(lp, 1);
		return BXUI_HANDLED | BXUI_REDRAW;
	case 'I':
		lp->desc = !lp->desc;
		return BXUI_HANDLED | BXUI_REDRAW;
	case 'n':
	case KEY_F(2):
		bxui_push(s, bxui_modules_new(s));
		return BXUI_HANDLED | BXUI_REDRAW;
	case 'a':
		bxui_push(s, bxui_escape_new(s));
		return BXUI_HANDLED | BXUI_REDRAW;
	case 'd':
		bxui_push(s, bxui_demos_new(s));
		return BXUI_HANDLED | BXUI_REDRAW;
	case BXUI_KEY_ESC:
		if (lp->filter[0]) {
			filter_changed(s, "");
			return BXUI_HANDLED | BXUI_REDRAW;
		}
		return BXUI_IGNORED;
	default:
		return bxui_container_action(s, lp->nview ? s->snap.c[lp->view[lp->cur]].name : NULL, key);
	}
}

static void list_destroy(struct bxui_panel *p)
{
	struct list_panel *lp = (struct list_panel *)p;
	free(lp->view);
	free(lp);
}

static const struct bxui_panel_class list_class = {
	.name = "Containers",
	.event = list_event,
	.draw = list_draw,
	.destroy = list_destroy,
	.fkeys = list_fkeys,
};

struct bxui_panel *bxui_list_new(struct bxui_screen *s)
{
	struct list_panel *lp = xzalloc(sizeof *lp);
	lp->super.klass = &list_class;
	lp->super.scr = s;
	lp->sort = BXUI_COL_NAME;
	return &lp->super;
}

bool bxui_move(int key, size_t n, int page, size_t *cur)
{
	size_t pg = page > 1 ? (size_t)page - 1 : 1;
	switch (key) {
	case KEY_UP:
	case 'k':
		if (*cur > 0)
			(*cur)--;
		return true;
	case KEY_DOWN:
	case 'j':
		if (*cur + 1 < n)
			(*cur)++;
		return true;
	case KEY_PPAGE:
		*cur = *cur > pg ? *cur - pg : 0;
		return true;
	case KEY_NPAGE:
		*cur = *cur + pg < n ? *cur + pg : (n ? n - 1 : 0);
		return true;
	case KEY_HOME:
	case 'g':
		*cur = 0;
		return true;
	case KEY_END:
	case 'G':
		*cur = n ? n - 1 : 0;
		return true;
	default:
		return false;
	}
}

/* ---- F6: the sort column popup ---- */

struct sort_panel {
	struct bxui_panel super;
	enum bxui_col *sort;
	bool *desc;
	size_t cur;
};

static const struct bxui_fkey sort_fkeys[] = {
	{"Enter", "Sort"}, {"Esc", "Cancel"}, {"I", "Invert"}, {NULL, NULL},
};

static void sort_draw(struct bxui_panel *p)
{
	struct sort_panel *sp = (struct sort_panel *)p;
	struct bxui_screen *s = p->scr;
	int h = (int)N_ELEMENTS(sortable) + 2, w = 22;
	int y = p->y + 1, x = p->x + 1;
	bxui_box(s, y, x, h, w, BXUI_C_NORMAL);
	bxui_put(s, y, x + 2, w - 4, BXUI_C_TITLE, " Sort by ");
	for (size_t i = 0; i < N_ELEMENTS(sortable); i++) {
		char line[64];
		snprintf(line, sizeof line, " %s %-16s", sortable[i] == *sp->sort ? (*sp->desc ? s->g->down : s->g->up) : " ",
			 bxui_cols[sortable[i]].title);
		bxui_put(s, y + 1 + (int)i, x + 1, w - 2, i == sp->cur ? BXUI_C_SELECT : BXUI_C_NORMAL, line);
	}
}

static bxui_result sort_event(struct bxui_panel *p, int key)
{
	struct sort_panel *sp = (struct sort_panel *)p;
	if (bxui_move(key, N_ELEMENTS(sortable), (int)N_ELEMENTS(sortable), &sp->cur))
		return BXUI_HANDLED | BXUI_REDRAW;
	switch (key) {
	case '\r':
	case '\n':
	case KEY_ENTER:
		if (*sp->sort == sortable[sp->cur])
			*sp->desc = !*sp->desc;
		else
			*sp->desc = default_desc(sortable[sp->cur]);
		*sp->sort = sortable[sp->cur];
		return BXUI_CLOSE | BXUI_REDRAW;
	case 'I':
		*sp->desc = !*sp->desc;
		return BXUI_HANDLED | BXUI_REDRAW;
	case KEY_F(6):
		return BXUI_CLOSE | BXUI_REDRAW;
	default:
		return BXUI_IGNORED;
	}
}

static void sort_destroy(struct bxui_panel *p)
{
	free(p);
}

static const struct bxui_panel_class sort_class = {
	.name = "Sort",
	.overlay = true,
	.event = sort_event,
	.draw = sort_draw,
	.destroy = sort_destroy,
	.fkeys = sort_fkeys,
};

struct bxui_panel *bxui_sort_new(struct bxui_screen *s, enum bxui_col *sort, bool *desc)
{
	struct sort_panel *sp = xzalloc(sizeof *sp);
	sp->super.klass = &sort_class;
	sp->super.scr = s;
	sp->sort = sort;
	sp->desc = desc;
	for (size_t i = 0; i < N_ELEMENTS(sortable); i++)
		if (sortable[i] == *sort)
			sp->cur = i;
	return &sp->super;
}
