/* The escape lab (a on the list): pick an attack from `boxlab attack
 * --list`; Enter runs it twice at once, with --isolation=none and with
 * the default modules, and shows the two host-side verdicts side by side
 * with the evidence the host found and the attack's own claim.  What
 * blocked it comes from the catalogue's blocked_by, or from a scan (F6)
 * that runs it once per module with only that module off.
 *
 * Every run is `boxlab attack ... --json` spawned from this binary in the
 * background (bxui_spawn_done): the dashboard keeps drawing, its output
 * is read in the main loop without blocking, and the attack command --
 * not the dashboard -- plants the canary, restores the host and decides
 * the verdict. */
#include "ui/screen.h"
#include "ui/escape_data.h"
#include "core/proc.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

enum { RUN_NONE, RUN_DEFAULT, RUN_N }; /* the two columns */

enum run_state { IDLE, RUNNING, DONE };

struct run {
	enum run_state state;
	uint64_t started_us, took_us;
	struct bxui_attack_run r;
};

struct scan {
	enum run_state state;
	size_t next;   /* index into the panel's modules of the next run */
	size_t failed; /* runs without a verdict */
	enum bxui_verdict v[BX_MAX_MODULES];
};

struct escape_panel {
	struct bxui_panel super;
	bool loading;
	char *load_error;
	struct bxui_attack *attacks;
	size_t n;
	struct run (*runs)[RUN_N];
	struct scan *scans;
	char *modules[BX_MAX_MODULES]; /* the default-on modules, for the scan */
	size_t nmodules;
	size_t cur, top;
};

#define TAG_LIST (-1L)
/* Which attack and which request a job is for: the two columns, or the
 * scan (one module off at a time). */
#define TAG(i, slot) ((long)(i) * 4 + (slot))
#define SLOT_SCAN 2

static const struct bxui_fkey escape_fkeys[] = {
	{"F1", "Help"}, {"F5", "Run"}, {"F6", "Blockers"}, {"F10", "Quit"}, {"Esc", "Back"}, {NULL, NULL},
};

/* ---- the runs ---- */

static void list_done(struct bxui_screen *s, void *ctx, long tag, int code, const char *out, const char *err);
static void run_done(struct bxui_screen *s, void *ctx, long tag, int code, const char *out, const char *err);

static void start_run(struct escape_panel *ep, size_t i, int col)
{
	struct run *r = &ep->runs[i][col];
	char what[160];
	const char *name = ep->attacks[i].name;
	snprintf(what, sizeof what, "attack %s%s", name, col == RUN_NONE ? " --isolation=none" : "");
	char *argv_none[] = {"attack", (char *)name, "--isolation=none", "--json", NULL};
	char *argv_default[] = {"attack", (char *)name, "--json", NULL};
	if (!bxui_spawn_done(ep->super.scr, what, col == RUN_NONE ? argv_none : argv_default, run_done, ep,
			     TAG(i, col)))
		return;
	bxui_attack_run_free(&r->r);
	r->state = RUNNING;
	r->started_us = bx_now_us();
}

static void scan_step(struct escape_panel *ep, size_t i)
{
	struct scan *sc = &ep->scans[i];
	if (sc->next >= ep->nmodules) {
		sc->state = DONE;
		return;
	}
	char flag[64], what[160];
	snprintf(flag, sizeof flag, "--no-%s", ep->modules[sc->next]);
	snprintf(what, sizeof what, "attack %s %s", ep->attacks[i].name, flag);
	char *argv[] = {"attack", ep->attacks[i].name, flag, "--json", NULL};
	if (bxui_spawn_done(ep->super.scr, what, argv, run_done, ep, TAG(i, SLOT_SCAN)))
		sc->state = RUNNING;
	else
		sc->state = IDLE;
}

static void run_done(struct bxui_screen *s, void *ctx, long tag, int code, const char *out, const char *err)
{
	struct escape_panel *ep = ctx;
	size_t i = (size_t)(tag / 4);
	int slot = (int)(tag % 4);
	if (i >= ep->n)
		return;
	if (slot == SLOT_SCAN) {
		struct scan *sc = &ep->scans[i];
		struct bxui_attack_run r = {0};
		bxui_attack_run_parse(out, err, code, &r);
		sc->v[sc->next] = r.verdict;
		sc->failed += r.verdict == BXUI_V_UNKNOWN;
		bxui_attack_run_free(&r);
		sc->next++;
		scan_step(ep, i);
	} else {
		struct run *r = &ep->runs[i][slot];
		bxui_attack_run_parse(out, err, code, &r->r);
		r->state = DONE;
		r->took_us = bx_now_us() - r->started_us;
	}
	s->need_redraw = true;
}

static void list_done(struct bxui_screen *s, void *ctx, long tag, int code, const char *out, const char *err)
{
	struct escape_panel *ep = ctx;
	bx_err_t e = NULL;
	(void)tag;
	ep->loading = false;
	if (code != 0) {
		struct bxui_attack_run r = {0};
		bxui_attack_run_parse("", err && *err ? err : out, code, &r);
		ep->load_error = xasprintf("boxlab attack --list: %s", r.error);
		bxui_attack_run_free(&r);
	} else if (bxui_attacks_parse(out, &ep->attacks, &ep->n, &e) < 0) {
		ep->load_error = xstrdup(e->msg);
		bx_error_release(&e);
	} else {
		ep->runs = xzalloc((ep->n + 1) * sizeof *ep->runs);
		ep->scans = xzalloc((ep->n + 1) * sizeof *ep->scans);
	}
	s->need_redraw = true;
}

/* ---- drawing ---- */

static enum bxui_color verdict_color(enum bxui_verdict v)
{
	switch (v) {
	case BXUI_V_ESCAPED: return BXUI_C_BAD;
	case BXUI_V_BLOCKED: return BXUI_C_OK;
	default: return BXUI_C_DIM;
	}
}

/* The verdict as the list shows it: "-" not run, "..." running. */
static const char *short_verdict(const struct run *r, const struct bxui_glyphs *g)
{
	if (r->state == RUNNING)
		return g->ellipsis;
	if (r->state == IDLE)
		return "-";
	return r->r.verdict == BXUI_V_UNKNOWN ? "failed" : bxui_verdict_text(r->r.verdict);
}

static int list_rows(const struct escape_panel *ep)
{
	/* The rest needs 14 rows: info 4, the two boxes 9, blockers 1. */
	int room = ep->super.h - 1 - 14;
	int n = (int)ep->n;
	if (n > room)
		n = room;
	return n < 3 ? 3 : n;
}

static void draw_list(struct escape_panel *ep, int y, int rows)
{
	struct bxui_screen *s = ep->super.scr;
	struct bxui_panel *p = &ep->super;
	char line[1024], padded[1024];
	snprintf(line, sizeof line, "%-22s %-8s %-8s %s", "ATTACK", "NONE", "DEFAULT", "WHAT IT TRIES");
	bxui_pad(padded, sizeof padded, line, p->w, false, s->g);
	bxui_put(s, y, p->x, p->w, BXUI_C_TITLE, padded);
	if (ep->cur < ep->top)
		ep->top = ep->cur;
	if (ep->cur >= ep->top + (size_t)rows)
		ep->top = ep->cur - (size_t)rows + 1;
	for (int r = 0; r < rows && ep->top + (size_t)r < ep->n; r++) {
		size_t i = ep->top + (size_t)r;
		bool sel = i == ep->cur;
		int x = p->x;
		char cell[64];
		bxui_pad(cell, sizeof cell, ep->attacks[i].name, 22, false, s->g);
		x += bxui_put(s, y + 1 + r, x, p->w, sel ? BXUI_C_SELECT : BXUI_C_NORMAL, cell);
		x += bxui_put(s, y + 1 + r, x, 1, sel ? BXUI_C_SELECT : BXUI_C_NORMAL, " ");
		for (int col = 0; col < RUN_N; col++) {
			const struct run *run = &ep->runs[i][col];
			bxui_pad(cell, sizeof cell, short_verdict(run, s->g), 8, false, s->g);
			enum bxui_color c = run->state == DONE ? verdict_color(run->r.verdict) : BXUI_C_DIM;
			x += bxui_put(s, y + 1 + r, x, p->w - (x - p->x), sel ? BXUI_C_SELECT : c, cell);
			x += bxui_put(s, y + 1 + r, x, 1, sel ? BXUI_C_SELECT : BXUI_C_NORMAL, " ");
		}
		bxui_pad(line, sizeof line, ep->attacks[i].what, p->w - (x - p->x), false, s->g);
		bxui_put(s, y + 1 + r, x, p->w - (x - p->x), sel ? BXUI_C_SELECT : BXUI_C_NORMAL, line);
	}
}

static void draw_result(struct escape_panel *ep, const struct run *run, int col, int y, int x, int h, int w)
{
	struct bxui_screen *s = ep->super.scr;
	static const char *const titles[RUN_N] = {" isolation off: --isolation=none ", " default modules "};
	bxui_box(s, y, x, h, w, BXUI_C_NORMAL);
	bxui_put(s, y, x + 2, w - 4, BXUI_C_TITLE, titles[col]);
	int ix = x + 2, iw = w - 4, iy = y + 1, rows = h - 2;
	const struct bxui_attack_run *r = &run->r;
	switch (run->state) {
	case IDLE:
		bxui_put(s, iy, ix, iw, BXUI_C_DIM, "not run yet: Enter runs it");
		return;
	case RUNNING:
		bxui_putf(s, iy, ix, iw, BXUI_C_DIM, "running%s %.1f s", s->g->ellipsis,
			  (double)(bx_now_us() - run->started_us) / 1e6);
		return;
	case DONE:
		break;
	}
	if (r->verdict == BXUI_V_UNKNOWN) {
		bxui_put(s, iy, ix, iw, BXUI_C_BAD, "no verdict: the run failed");
		bxui_put_wrapped(s, iy + 1, ix, iw, rows - 1, BXUI_C_NORMAL, r->error ? r->error : "");
		return;
	}
	int used = bxui_put(s, iy, ix, iw, verdict_color(r->verdict), bxui_verdict_text(r->verdict));
	bxui_put(s, iy, ix + used, iw - used, BXUI_C_DIM, "  (the host's verdict)");
	size_t on = r->modules ? strv_len(r->modules) : 0;
	iy++;
	bxui_putf(s, iy, ix, iw, BXUI_C_DIM, "%zu module%s on, %.1f s", on, on == 1 ? "" : "s",
		  (double)run->took_us / 1e6);
	rows--;
	int left = rows - 1;
	/* The host's evidence first; the claim (never trusted) gets what
	 * is left, one line at least. */
	int n = left > 1 ? left - 1 : left;
	iy++;
	bxui_put(s, iy, ix, 10, BXUI_C_DIM, "evidence");
	int k = bxui_put_wrapped(s, iy, ix + 9, iw - 9, n, BXUI_C_NORMAL, *r->evidence ? r->evidence : "(none given)");
	iy += k ? k : 1;
	left -= k ? k : 1;
	if (left > 0) {
		bxui_put(s, iy, ix, 10, BXUI_C_DIM, "claim");
		bxui_put_wrapped(s, iy, ix + 9, iw - 9, left, BXUI_C_NORMAL, *r->claim ? r->claim : "(none)");
	}
}

/* The modules that stopped it: the scan's answer, else the catalogue's. */
static void draw_blockers(struct escape_panel *ep, size_t i, int y)
{
	struct bxui_screen *s = ep->super.scr;
	struct bxui_panel *p = &ep->super;
	const struct scan *sc = &ep->scans[i];
	char buf[512], line[1024];
	int x = p->x + bxui_put(s, y, p->x, p->w, BXUI_C_TITLE, "blocked by: ");
	if (sc->state == RUNNING) {
		bxui_putf(s, y, x, p->w - x, BXUI_C_DIM, "one module off at a time: %zu of %zu (--no-%s)%s",
			  sc->next + 1, ep->nmodules, ep->modules[sc->next], s->g->ellipsis);
		return;
	}
	if (sc->state == DONE) {
		bxui_blockers(ep->modules, sc->v, ep->nmodules, buf, sizeof buf);
		if (*buf)
			snprintf(line, sizeof line, "%s (measured: alone off, each lets it through%s)", buf,
				 sc->failed ? "; some runs failed" : "");
		else
			snprintf(line, sizeof line, "no single module (measured: any one off, still blocked)%s",
				 sc->failed ? "; some runs failed" : "");
		bxui_put(s, y, x, p->w - x, *buf ? BXUI_C_OK : BXUI_C_NORMAL, line);
		return;
	}
	char *const *cat = ep->attacks[i].blocked_by;
	if (cat && cat[0]) {
		cleanup_free char *j = strv_join(cat, ", ");
		snprintf(line, sizeof line, "%s (catalogue; F6 measures it)", j);
		bxui_put(s, y, x, p->w - x, BXUI_C_NORMAL, line);
	} else if (cat) {
		bxui_put(s, y, x, p->w - x, BXUI_C_NORMAL,
			 "no single module, several layers (catalogue; F6 measures it)");
	} else {
		bxui_put(s, y, x, p->w - x, BXUI_C_DIM, "F6 finds out: one run with each module off");
	}
}

static void escape_draw(struct bxui_panel *p)
{
	struct escape_panel *ep = (struct escape_panel *)p;
	struct bxui_screen *s = p->scr;
	if (ep->loading) {
		bxui_putf(s, p->y + 1, p->x + 2, p->w - 2, BXUI_C_DIM, "boxlab attack --list%s", s->g->ellipsis);
		return;
	}
	if (ep->load_error || !ep->n) {
		bxui_put(s, p->y + 1, p->x + 2, p->w - 2, BXUI_C_BAD, "No attacks to show.");
		bxui_put_wrapped(s, p->y + 2, p->x + 2, p->w - 4, 3, BXUI_C_NORMAL,
				 ep->load_error ? ep->load_error : "boxlab attack --list lists none.");
		return;
	}
	int rows = list_rows(ep);
	int y = p->y;
	draw_list(ep, y, rows);
	y += rows + 1;
	const struct bxui_attack *a = &ep->attacks[ep->cur];
	bxui_hline(s, y, p->x, p->w, BXUI_C_DIM);
	int x = p->x + bxui_put(s, y + 1, p->x, p->w, BXUI_C_TITLE, a->name);
	x += bxui_put(s, y + 1, x, p->w - x, BXUI_C_NORMAL, ": ");
	bxui_put(s, y + 1, x, p->w - x, BXUI_C_NORMAL, a->what);
	bxui_put(s, y + 2, p->x, 9, BXUI_C_DIM, "mirrors");
	bxui_put(s, y + 2, p->x + 9, p->w - 9, BXUI_C_NORMAL, a->mirrors);
	bxui_put(s, y + 3, p->x, 9, BXUI_C_DIM, "canary");
	bxui_put(s, y + 3, p->x + 9, p->w - 9, BXUI_C_NORMAL, a->canary);
	y += 4;
	int bottom = p->y + p->h - 1; /* the blockers line */
	int bh = bottom - y;
	int bw = p->w / 2;
	if (bh < 4) {
		bxui_put(s, bottom - 1, p->x, p->w, BXUI_C_DIM, "(a taller terminal shows the two results)");
		draw_blockers(ep, ep->cur, bottom);
		return;
	}
	draw_result(ep, &ep->runs[ep->cur][RUN_NONE], RUN_NONE, y, p->x, bh, bw);
	draw_result(ep, &ep->runs[ep->cur][RUN_DEFAULT], RUN_DEFAULT, y, p->x + bw, bh, p->w - bw);
	draw_blockers(ep, ep->cur, bottom);
}

static bxui_result escape_event(struct bxui_panel *p, int key)
{
	struct escape_panel *ep = (struct escape_panel *)p;
	if (ep->n && bxui_move(key, ep->n, list_rows(ep), &ep->cur))
		return BXUI_HANDLED | BXUI_REDRAW;
	switch (key) {
	case '\r':
	case '\n':
	case KEY_ENTER:
	case KEY_F(5):
		if (!ep->n)
			return BXUI_HANDLED;
		for (int col = 0; col < RUN_N; col++)
			if (ep->runs[ep->cur][col].state != RUNNING)
				start_run(ep, ep->cur, col);
		return BXUI_HANDLED | BXUI_REDRAW;
	case 'b':
	case KEY_F(6):
		if (!ep->n || ep->scans[ep->cur].state == RUNNING)
			return BXUI_HANDLED;
		memset(&ep->scans[ep->cur], 0, sizeof ep->scans[ep->cur]);
		scan_step(ep, ep->cur);
		return BXUI_HANDLED | BXUI_REDRAW;
	default:
		return BXUI_IGNORED;
	}
}

static void escape_destroy(struct bxui_panel *p)
{
	struct escape_panel *ep = (struct escape_panel *)p;
	/* Runs still going finish on their own (the attack command restores
	 * the host whoever listens); nobody is told. */
	bxui_jobs_forget(p->scr, ep);
	for (size_t i = 0; ep->runs && i < ep->n; i++)
		for (int col = 0; col < RUN_N; col++)
			bxui_attack_run_free(&ep->runs[i][col].r);
	free(ep->runs);
	free(ep->scans);
	bxui_attacks_free(ep->attacks, ep->n);
	free(ep->load_error);
	free(ep);
}

static const struct bxui_panel_class escape_class = {
	.name = "Escape lab",
	.event = escape_event,
	.draw = escape_draw,
	.destroy = escape_destroy,
	.fkeys = escape_fkeys,
};

struct bxui_panel *bxui_escape_new(struct bxui_screen *s)
{
	struct escape_panel *ep = xzalloc(sizeof *ep);
	ep->super.klass = &escape_class;
	ep->super.scr = s;
	for (size_t i = 0; bx_modules[i] && ep->nmodules < BX_MAX_MODULES; i++)
		if (bx_modules[i]->default_on)
			ep->modules[ep->nmodules++] = (char *)bx_modules[i]->name;
	ep->loading = bxui_spawn_done(s, "attack --list", (char *const[]){"attack", "--list", "--json", NULL},
				      list_done, ep, TAG_LIST);
	if (!ep->loading)
		ep->load_error = xstrdup("cannot run boxlab attack --list (see the status line)");
	return &ep->super;
}
