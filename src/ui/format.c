/* Strings for the dashboard: numbers, sparklines, bars, table cells.
 * Pure functions of their arguments (see format.h); the curses side
 * only places what these return. */
#include "ui/format.h"
#include "core/timeline.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const struct bxui_glyphs bxui_glyphs_utf8 = {
	.utf8 = true,
	.hline = "─", .vline = "│", .tl = "┌", .tr = "┐", .bl = "└", .br = "┘",
	.spark = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"},
	.eighths = {"▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"},
	.rhalf = "▐", .reighth = "▕",
	.shade = "░",
	.up = "▲", .down = "▼",
	.ellipsis = "…",
	.usec = "µs",
	.inf = "∞",
};

const struct bxui_glyphs bxui_glyphs_ascii = {
	.utf8 = false,
	.hline = "-", .vline = "|", .tl = "+", .tr = "+", .bl = "+", .br = "+",
	.spark = {"_", ".", "-", "~", "=", "+", "*", "#"},
	.eighths = {"#", "#", "#", "#", "#", "#", "#", "#"},
	.rhalf = "#", .reighth = "#",
	.shade = ":",
	.up = "^", .down = "v",
	.ellipsis = "~",
	.usec = "us",
	.inf = "-",
};

const struct bxui_glyphs *bxui_glyphs_for(const char *codeset)
{
	if (codeset && (!strcasecmp(codeset, "UTF-8") || !strcasecmp(codeset, "utf8")))
		return &bxui_glyphs_utf8;
	return &bxui_glyphs_ascii;
}

size_t bxui_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

/* Bytes of the first cols columns of s. */
static size_t prefix_bytes(const char *s, size_t cols)
{
	size_t i = 0, w = 0;
	while (s[i]) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (w == cols)
				break;
			w++;
		}
		i++;
	}
	return i;
}

void bxui_pad(char *buf, size_t len, const char *s, int width, bool right, const struct bxui_glyphs *g)
{
	size_t w = bxui_width(s), o = 0;
	if (len == 0)
		return;
	buf[0] = '\0';
	if (width <= 0)
		return;
	if (w > (size_t)width) {
		/* Cut, and say so, unless there is no room for both. */
		size_t keep = width >= 2 ? (size_t)width - 1 : (size_t)width;
		snprintf(buf, len, "%.*s%s", (int)prefix_bytes(s, keep), s, width >= 2 ? g->ellipsis : "");
		return;
	}
	size_t padn = (size_t)width - w;
	if (right)
		for (size_t i = 0; i < padn && o + 1 < len; i++)
			buf[o++] = ' ';
	size_t sl = strlen(s);
	if (o + sl >= len)
		sl = len - o - 1;
	memcpy(buf + o, s, sl);
	o += sl;
	if (!right)
		for (size_t i = 0; i < padn && o + 1 < len; i++)
			buf[o++] = ' ';
	buf[o] = '\0';
}

void bxui_fmt_bytes(uint64_t n, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	if (n < 1024) {
		snprintf(buf, len, "%" PRIu64, n);
		return;
	}
	double v = (double)n / 1024;
	int u = 0;
	while (v >= 1023.5 && u < 5) {
		v /= 1024;
		u++;
	}
	if (v < 9.95)
		snprintf(buf, len, "%.1f%c", v, units[u]);
	else
		snprintf(buf, len, "%.0f%c", v, units[u]);
}

void bxui_fmt_uptime(int64_t us, char *buf, size_t len)
{
	long long s = us > 0 ? us / 1000000 : 0;
	if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02lld", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lld", s / 3600, s % 3600 / 60);
	else if (s < 100 * 86400LL)
		snprintf(buf, len, "%lldd%02lld", s / 86400, s % 86400 / 3600);
	else
		snprintf(buf, len, "%lldd", s / 86400);
}

void bxui_fmt_dur(uint64_t us, const struct bxui_glyphs *g, char *buf, size_t len)
{
	if (us < 10000)
		snprintf(buf, len, "%" PRIu64 "%s", us, g->usec);
	else if (us < 1000000)
		snprintf(buf, len, "%.1fms", (double)us / 1000);
	else
		snprintf(buf, len, "%.2fs", (double)us / 1e6);
}

void bxui_module_letters(char *letters, size_t len)
{
	bool taken[128] = {false};
	size_t n = 0;
	for (size_t i = 0; bx_modules[i] && n + 1 < len; i++) {
		const char *name = bx_modules[i]->name;
		char pick = 0;
		for (int pass = 0; pass < 2 && !pick; pass++)
			for (const char *p = name; *p && !pick; p++) {
				if (*p < 'a' || *p > 'z')
					continue;
				char c = pass ? (char)(*p - 'a' + 'A') : *p;
				if (!taken[(int)c])
					pick = c;
			}
		for (const char *p = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"; *p && !pick; p++)
			if (!taken[(int)*p])
				pick = *p;
		taken[(int)pick] = true;
		letters[n++] = pick;
	}
	letters[n] = '\0';
}

void bxui_module_matrix(const bool on[BX_MAX_MODULES], char *buf, size_t len)
{
	char letters[BX_MAX_MODULES + 1];
	size_t i;
	bxui_module_letters(letters, sizeof letters);
	for (i = 0; letters[i] && i + 1 < len; i++)
		buf[i] = on[i] ? letters[i] : '.';
	buf[i] = '\0';
}

void bxui_buckets(const struct bxui_ring *r, uint64_t now, uint64_t window_us, int width, double *val, bool *have)
{
	uint64_t start = now > window_us ? now - window_us : 0;
	bool carry_ok = false;
	double carry = 0;
	for (int i = 0; i < width; i++)
		have[i] = false;
	if (width <= 0 || window_us == 0)
		return;
	/* Oldest first. */
	for (unsigned k = r->len; k-- > 0;) {
		uint64_t t;
		double v;
		bxui_ring_get(r, k, &t, &v);
		if (t < start) {
			carry = v;
			carry_ok = true;
			continue;
		}
		uint64_t b = (t - start) * (uint64_t)width / window_us;
		if (b >= (uint64_t)width)
			b = (uint64_t)width - 1;
		if (!have[b] || v > val[b])
			val[b] = v;
		have[b] = true;
	}
	for (int i = 0; i < width; i++) {
		if (have[i]) {
			carry = val[i];
			carry_ok = true;
		} else if (carry_ok) {
			val[i] = carry;
			have[i] = true;
		}
	}
}

void bxui_spark(const struct bxui_ring *r, uint64_t now, uint64_t window_us, double max, int width,
		const struct bxui_glyphs *g, char *buf, size_t len)
{
	double val[256];
	bool have[256];
	size_t o = 0;
	if (width > 256)
		width = 256;
	if (width < 0)
		width = 0;
	bxui_buckets(r, now, window_us, width, val, have);
	for (int i = 0; i < width; i++)
		if (have[i] && val[i] > max)
			max = val[i];
	buf[0] = '\0';
	for (int i = 0; i < width; i++) {
		const char *s = " ";
		if (have[i]) {
			int lvl = 0;
			if (val[i] > 0 && max > 0) {
				lvl = 1 + (int)(val[i] / max * 7);
				if (lvl > 7)
					lvl = 7;
			}
			s = g->spark[lvl];
		}
		size_t sl = strlen(s);
		if (o + sl + 1 > len)
			break;
		memcpy(buf + o, s, sl + 1);
		o += sl;
	}
}

void bxui_bar(uint64_t start, uint64_t dur, uint64_t span, int width, const struct bxui_glyphs *g, char *buf,
	      size_t len)
{
	size_t o = 0;
	if (len == 0)
		return;
	buf[0] = '\0';
	if (width <= 0)
		return;
	uint64_t cells8 = (uint64_t)width * 8;
	if (span == 0)
		span = 1;
	uint64_t x0 = start >= span ? cells8 - 1 : start * cells8 / span;
	uint64_t end = start + dur > span ? span : start + dur;
	uint64_t x1 = end * cells8 / span;
	if (x1 <= x0)
		x1 = x0 + 1;
	if (x1 > cells8)
		x1 = cells8;
	for (int c = 0; c < width; c++) {
		uint64_t a = (uint64_t)c * 8, b = a + 8;
		uint64_t lo = x0 > a ? x0 : a, hi = x1 < b ? x1 : b;
		const char *s = " ";
		if (hi > lo) {
			unsigned cover = (unsigned)(hi - lo);
			if (cover == 8)
				s = g->eighths[7];
			else if (lo > a && hi == b)
				/* Only the right part: Unicode has no right
				 * eighths but one eighth and a half. */
				s = cover >= 4 ? g->rhalf : g->reighth;
			else
				s = g->eighths[cover - 1];
		}
		size_t sl = strlen(s);
		if (o + sl + 1 > len)
			break;
		memcpy(buf + o, s, sl + 1);
		o += sl;
	}
}

/* ---- the table ---- */

const struct bxui_col_def bxui_cols[BXUI_COL_N] = {
	[BXUI_COL_NAME] = {"NAME", 12, 0, false, BXUI_COL_NAME},
	[BXUI_COL_IMAGE] = {"IMAGE", 10, 10, false, BXUI_COL_IMAGE},
	[BXUI_COL_STATUS] = {"STATUS", 10, 1, false, BXUI_COL_STATUS},
	[BXUI_COL_MODULES] = {"MODULES", 0 /* one per module */, 5, false, BXUI_COL_MODULES},
	[BXUI_COL_CPU] = {"CPU%", 5, 2, true, BXUI_COL_CPU},
	[BXUI_COL_CPU_GRAPH] = {"CPU 60s", 10, 7, false, BXUI_COL_CPU},
	[BXUI_COL_MEM] = {"MEM/LIMIT", 11, 3, true, BXUI_COL_MEM},
	[BXUI_COL_MEM_GRAPH] = {"MEM 60s", 10, 8, false, BXUI_COL_MEM},
	[BXUI_COL_PIDS] = {"PIDS", 7, 4, true, BXUI_COL_PIDS},
	[BXUI_COL_NET] = {"NET RX/TX", 11, 9, true, BXUI_COL_NET},
	[BXUI_COL_UPTIME] = {"UP", 5, 6, true, BXUI_COL_UPTIME},
};

static int col_width(enum bxui_col c)
{
	if (c == BXUI_COL_MODULES) {
		int n = (int)bx_module_count();
		return n < 7 ? 7 : n;
	}
	return bxui_cols[c].width;
}

void bxui_layout(int width, int widths[BXUI_COL_N])
{
	int used = col_width(BXUI_COL_NAME);
	for (int c = 0; c < BXUI_COL_N; c++)
		widths[c] = 0;
	widths[BXUI_COL_NAME] = used;
	for (int prio = 1; prio < BXUI_COL_N; prio++)
		for (int c = 0; c < BXUI_COL_N; c++) {
			if (bxui_cols[c].priority != prio)
				continue;
			int w = col_width((enum bxui_col)c);
			if (used + 1 + w <= width) {
				widths[c] = w;
				used += 1 + w;
			}
		}
	/* What is left widens the name up to 24, then the graphs up to 30. */
	int left = width - used, grow;
	grow = left < 24 - widths[BXUI_COL_NAME] ? left : 24 - widths[BXUI_COL_NAME];
	if (grow > 0) {
		widths[BXUI_COL_NAME] += grow;
		left -= grow;
	}
	enum bxui_col graphs[] = {BXUI_COL_CPU_GRAPH, BXUI_COL_MEM_GRAPH};
	for (int round = 0; left > 0 && round < 40; round++)
		for (size_t i = 0; i < 2 && left > 0; i++)
			if (widths[graphs[i]] && widths[graphs[i]] < 30) {
				widths[graphs[i]]++;
				left--;
			}
}

static void pair(const char *a, const char *b, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", a, b);
}

void bxui_cell(const struct bxui_ctr *c, enum bxui_col col, int width, uint64_t now, int64_t now_real,
	       const struct bxui_glyphs *g, char *buf, size_t len)
{
	char t[256], a[16], b[16];
	const char *s = t;
	bool live = c->live;
	t[0] = '\0';
	switch (col) {
	case BXUI_COL_NAME: s = c->name; break;
	case BXUI_COL_IMAGE: s = c->image; break;
	case BXUI_COL_STATUS: s = bxui_status_text(c); break;
	case BXUI_COL_MODULES: bxui_module_matrix(c->modules, t, sizeof t); break;
	case BXUI_COL_CPU:
		if (!live)
			s = "-";
		else
			snprintf(t, sizeof t, c->cpu_pct < 99.95 ? "%.1f" : "%.0f", c->cpu_pct);
		break;
	case BXUI_COL_CPU_GRAPH:
	case BXUI_COL_MEM_GRAPH:
		if (!c->hist) {
			s = "";
			break;
		}
		if (col == BXUI_COL_CPU_GRAPH)
			bxui_spark(&c->hist->cpu, now, BXUI_WINDOW_US, 100, width, g, buf, len);
		else
			/* Against the limit where there is one, else to its
			 * own peak. */
			bxui_spark(&c->hist->mem, now, BXUI_WINDOW_US, (double)(live ? c->stats.mem_limit : 0), width, g,
				   buf, len);
		return;
	case BXUI_COL_MEM:
		if (!live) {
			s = "-";
			break;
		}
		bxui_fmt_bytes(c->stats.mem_bytes, a, sizeof a);
		if (c->stats.mem_limit)
			bxui_fmt_bytes(c->stats.mem_limit, b, sizeof b);
		pair(a, c->stats.mem_limit ? b : g->inf, t, sizeof t);
		break;
	case BXUI_COL_PIDS:
		if (!live) {
			s = "-";
			break;
		}
		snprintf(a, sizeof a, "%" PRIu64, c->stats.pids);
		snprintf(b, sizeof b, "%" PRIu64, c->stats.pids_limit);
		pair(a, c->stats.pids_limit ? b : g->inf, t, sizeof t);
		break;
	case BXUI_COL_NET:
		if (!live) {
			s = "-";
			break;
		}
		bxui_fmt_bytes(c->stats.net_rx, a, sizeof a);
		bxui_fmt_bytes(c->stats.net_tx, b, sizeof b);
		pair(a, b, t, sizeof t);
		break;
	case BXUI_COL_UPTIME:
		if (c->status != BX_RUNNING && c->status != BX_PAUSED)
			s = "-";
		else
			bxui_fmt_uptime(now_real - c->started_us, t, sizeof t);
		break;
	case BXUI_COL_N: break;
	}
	bxui_pad(buf, len, s, width, bxui_cols[col].right, g);
}

void bxui_header_cell(enum bxui_col col, int width, enum bxui_col sort, bool desc, const struct bxui_glyphs *g,
		      char *buf, size_t len)
{
	char t[64];
	if (col == sort)
		snprintf(t, sizeof t, "%s%s", bxui_cols[col].title, desc ? g->down : g->up);
	else
		snprintf(t, sizeof t, "%s", bxui_cols[col].title);
	bxui_pad(buf, len, t, width, bxui_cols[col].right, g);
}

static bool contains(const char *hay, const char *needle)
{
	return hay && strcasestr(hay, needle);
}

bool bxui_match(const struct bxui_ctr *c, const char *filter)
{
	if (!filter || !*filter)
		return true;
	return contains(c->name, filter) || contains(c->image, filter) || contains(bxui_status_text(c), filter) ||
	       contains(c->command, filter);
}

static int status_rank(const struct bxui_ctr *c)
{
	switch (c->status) {
	case BX_RUNNING: return 0;
	case BX_PAUSED: return 1;
	case BX_CREATED: return 2;
	case BX_EXITED: return c->oom_killed ? 4 : c->checkpointed ? 2 : 3;
	default: return 5;
	}
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_dbl(double a, double b)
{
	return a < b ? -1 : a > b;
}

static int count_on(const struct bxui_ctr *c)
{
	int n = 0;
	for (size_t i = 0; i < BX_MAX_MODULES; i++)
		n += c->modules[i];
	return n;
}

static int key_cmp(const struct bxui_ctr *a, const struct bxui_ctr *b, enum bxui_col sort)
{
	switch (bxui_cols[sort].sort_as) {
	case BXUI_COL_NAME: return strcmp(a->name, b->name);
	case BXUI_COL_IMAGE: return strcmp(a->image, b->image);
	case BXUI_COL_STATUS: return status_rank(a) - status_rank(b);
	case BXUI_COL_MODULES: return count_on(a) - count_on(b);
	/* A container that is not running has no figures: below every
	 * running one, even one at 0. */
	case BXUI_COL_CPU: return cmp_dbl(a->live ? a->cpu_pct : -1, b->live ? b->cpu_pct : -1);
	case BXUI_COL_MEM: return cmp_u64(a->live ? a->stats.mem_bytes + 1 : 0, b->live ? b->stats.mem_bytes + 1 : 0);
	case BXUI_COL_PIDS: return cmp_u64(a->live ? a->stats.pids + 1 : 0, b->live ? b->stats.pids + 1 : 0);
	case BXUI_COL_NET:
		return cmp_u64(a->live ? a->stats.net_rx + a->stats.net_tx + 1 : 0,
			       b->live ? b->stats.net_rx + b->stats.net_tx + 1 : 0);
	case BXUI_COL_UPTIME: {
		bool la = a->status == BX_RUNNING || a->status == BX_PAUSED;
		bool lb = b->status == BX_RUNNING || b->status == BX_PAUSED;
		if (la != lb)
			return la ? 1 : -1;
		/* Started earlier: up longer. */
		return la ? (a->started_us > b->started_us ? -1 : a->started_us < b->started_us) : 0;
	}
	default: return 0;
	}
}

int bxui_compare(const struct bxui_ctr *a, const struct bxui_ctr *b, enum bxui_col sort)
{
	int r = key_cmp(a, b, sort);
	return r ? r : strcmp(a->name, b->name);
}

struct sort_ctx {
	const struct bxui_snapshot *snap;
	enum bxui_col sort;
	bool desc;
};

static int cmp_idx(const void *pa, const void *pb, void *arg)
{
	const struct sort_ctx *x = arg;
	const struct bxui_ctr *a = &x->snap->c[*(const size_t *)pa], *b = &x->snap->c[*(const size_t *)pb];
	int r = key_cmp(a, b, x->sort);
	if (x->desc)
		r = -r;
	/* Ties stay in name order whichever way the figure goes. */
	return r ? r : strcmp(a->name, b->name);
}

size_t bxui_view(const struct bxui_snapshot *snap, const char *filter, enum bxui_col sort, bool desc, size_t *idx)
{
	size_t n = 0;
	for (size_t i = 0; i < snap->n; i++)
		if (bxui_match(&snap->c[i], filter))
			idx[n++] = i;
	struct sort_ctx x = {snap, sort, desc};
	qsort_r(idx, n, sizeof *idx, cmp_idx, &x);
	return n;
}

const char *bxui_graph_glyph(double v, double max, int height, int row, const struct bxui_glyphs *g)
{
	if (max <= 0)
		max = 1;
	double eighths = v / max * height * 8 - row * 8;
	int fill = eighths >= 8 ? 8 : eighths <= 0 ? 0 : (int)(eighths + 0.5);
	/* Anything above zero shows, however little. */
	if (fill == 0 && row == 0 && v > 0)
		fill = 1;
	return fill ? g->spark[fill - 1] : " ";
}

uint64_t bxui_tl_split(const struct bx_event *ev, size_t n, bool *setup)
{
	uint64_t exec = 0, end = 0;
	bool found = false;
	for (size_t i = 0; i < n && !found; i++)
		if (!strcmp(ev[i].module, "core") && !strcmp(ev[i].phase, "exec")) {
			exec = ev[i].time_us;
			found = true;
		}
	for (size_t i = 0; i < n; i++) {
		setup[i] = !found || ev[i].time_us <= exec;
		if (setup[i] && ev[i].time_us + ev[i].dur_us > end)
			end = ev[i].time_us + ev[i].dur_us;
	}
	/* To the end of the last setup step: the exec, or the supervisor's
	 * "running" (it learns of the exec a little later), or the last
	 * step of a setup that failed. */
	return end > exec ? end : exec ? exec : 1;
}

void bxui_fmt_offset(uint64_t us, char *buf, size_t len)
{
	if (us < 60 * 1000000ull)
		snprintf(buf, len, "+%.2fs", (double)us / 1e6);
	else {
		char t[16];
		bxui_fmt_uptime((int64_t)us, t, sizeof t);
		snprintf(buf, len, "+%s", t);
	}
}
