/* The detail view of one container (Enter on the list): its figures and
 * a minute of CPU and memory graphs at the top, then, scrolling, the
 * lifecycle timeline as bars to scale (every module's setup steps with
 * their µs, from create to exec), the runtime since exec as a strip with
 * its events (pause, resume, OOM, throttling, checkpoint, exit ...), and
 * what inspect knows: capabilities, seccomp profile, mounts, network
 * addresses, limits.
 *
 * The timeline is read back from events.log at every sample (new events
 * appear as they happen); the spec is read once, through the option
 * rows' getters -- the same values `boxlab inspect` prints. */
#include "ui/screen.h"
#include "core/proc.h"
#include "core/timeline.h"
#include "modules/ipam.h"
#include "modules/network.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define TOP_ROWS 7 /* two lines of figures, four of graphs, a rule */

struct info {
	char *section, *key, *value;
};

struct detail_panel {
	struct bxui_panel super;
	char *name;
	struct bx_event *ev;
	size_t nev;
	uint64_t t0;      /* the timeline's origin, CLOCK_MONOTONIC µs */
	bool finished;
	struct info *info;
	size_t ninfo;
	size_t scroll;
	size_t total; /* rows of the scrolling part at the last draw */
};

static const struct bxui_fkey detail_fkeys[] = {
	{"F1", "Help"},  {"F4", "Logs"}, {"F5", "Shell"}, {"F7", "Pause"}, {"F8", "Stop"},
	{"F9", "Kill"},  {"F10", "Quit"}, {"F11", "Rm"},  {"Esc", "Back"}, {"c", "Checkpoint"},
	{"r", "Restore"}, {NULL, NULL},
};

/* ---- what inspect knows ---- */

static void add_info(struct detail_panel *d, const char *section, const char *key, const char *value)
{
	d->info = xrealloc(d->info, (d->ninfo + 1) * sizeof *d->info);
	d->info[d->ninfo++] = (struct info){xstrdup(section), xstrdup(key), xstrdup(value)};
}

/* The value `inspect` shows for [section] key, from the option row's
 * getter; NULL when unset. */
static char *opt_value(const struct bx_spec *spec, const char *section, const char *key)
{
	bx_foreach_opt(o) {
		if (o->section && o->get && !strcmp(o->section, section) && !strcmp(o->key, key))
			return o->get(spec);
	}
	return NULL;
}

static bool on(const struct bx_spec *spec, const char *module)
{
	int i = bx_module_index(module);
	return i >= 0 && spec->modules[i];
}

static void load_mounts(struct detail_panel *d, pid_t pid)
{
	bx_err_t tmp = NULL;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mountinfo", pid);
	cleanup_free char *text = bx_read_file(path, NULL, &tmp);
	bx_error_release(&tmp);
	if (!text)
		return;
	/* mountinfo(5): id parent major:minor root MOUNTPOINT OPTIONS ... - FSTYPE SOURCE SUPER */
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char point[256], opts[256], fstype[64];
		const char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %*s %255s %255s", point, opts) != 2 ||
		    sscanf(dash + 3, "%63s", fstype) != 1)
			continue;
		char value[400];
		snprintf(value, sizeof value, "%s%s", fstype, !strncmp(opts, "ro", 2) && (opts[2] == ',' || !opts[2])
								    ? " (read-only)" : "");
		add_info(d, "MOUNTS (live)", point, value);
	}
}

static void load_network(struct detail_panel *d, const struct bx_spec *spec)
{
	struct bx_net_state ns;
	cleanup_free char *dir = bx_state_path(d->name, NULL);
	if (on(spec, "network") && bx_net_state_read(dir, &ns) > 0) {
		char ip[16], gw[16], line[512];
		if (ns.shared_with) {
			snprintf(line, sizeof line, "shares the network namespace of %s", ns.shared_with);
			add_info(d, "NETWORK", "mode", line);
		} else {
			struct bx_network net;
			bx_err_t tmp = NULL;
			bx_ip_format(ns.ip, ip);
			if (ns.network && bx_network_load(ns.network, &net, &tmp) == 0) {
				bx_ip_format(bx_subnet_gateway(&net.subnet), gw);
				snprintf(line, sizeof line, "%s/%u, gateway %s", ip, net.subnet.prefix, gw);
				bx_network_free(&net);
			} else {
				snprintf(line, sizeof line, "%s", ip);
			}
			bx_error_release(&tmp);
			add_info(d, "NETWORK", "eth0", line);
			snprintf(line, sizeof line, "%s (bridge %s), host end %s", ns.network ? ns.network : "?",
				 ns.bridge ? ns.bridge : "?", ns.veth ? ns.veth : "?");
			add_info(d, "NETWORK", "network", line);
		}
		for (size_t i = 0; ns.ports && ns.ports[i]; i++)
			add_info(d, "NETWORK", "published", ns.ports[i]);
		bx_net_state_free(&ns);
	} else if (on(spec, "net")) {
		add_info(d, "NETWORK", "mode", "its own network namespace: loopback only");
	} else {
		add_info(d, "NETWORK", "mode", "the host's network (net module off): every host interface");
	}
}

static void load_info(struct detail_panel *d)
{
	struct bx_state st;
	struct bx_spec spec;
	bx_err_t err = NULL;
	if (bx_state_read(d->name, &st, &err) < 0) {
		bx_error_release(&err);
		return;
	}
	if (bx_state_load_spec(d->name, &spec, &err) < 0) {
		add_info(d, "SPEC", "config.ini", err->msg);
		bx_error_release(&err);
		bx_spec_free(&spec);
		bx_state_free(&st);
		return;
	}
	char line[512];
	cleanup_free char *caps = opt_value(&spec, "security", "capabilities");
	cleanup_free char *seccomp = opt_value(&spec, "security", "seccomp");
	cleanup_free char *range = opt_value(&spec, "user", "range");
	if (on(&spec, "caps") && caps) {
		cleanup_strv char **w = NULL;
		bx_err_t tmp = NULL;
		if (bx_words_split(caps, &w, &tmp) < 0)
			bx_error_release(&tmp);
		snprintf(line, sizeof line, "%zu kept: %s", strv_len(w), caps);
		add_info(d, "SECURITY", "capabilities", line);
	} else {
		add_info(d, "SECURITY", "capabilities", "every capability of root (caps module off)");
	}
	add_info(d, "SECURITY", "seccomp",
		 on(&spec, "seccomp") ? (seccomp ? seccomp : "default") : "off: every system call allowed");
	add_info(d, "SECURITY", "no_new_privs", on(&spec, "nnp") ? "on: setuid binaries cannot raise privileges" : "off");
	if (on(&spec, "user"))
		snprintf(line, sizeof line, "container root is host uid %u (range %s)", (unsigned)st.root_uid,
			 range ? range : "?");
	else
		snprintf(line, sizeof line, "container root is host root (user module off)");
	add_info(d, "SECURITY", "user", line);

	/* Every other setting inspect shows that is set: limits, volumes. */
	bx_foreach_opt(o) {
		if (!o->section || !o->get || (strcmp(o->section, "resources") && strcmp(o->section, "rootfs")))
			continue;
		cleanup_free char *v = o->get(&spec);
		if (!v || !strcmp(v, "false"))
			continue;
		add_info(d, !strcmp(o->section, "resources") ? "LIMITS" : "MOUNTS (spec)", o->key, v);
	}
	load_network(d, &spec);
	if (st.status == BX_RUNNING || st.status == BX_PAUSED)
		load_mounts(d, st.pid);
	bx_spec_free(&spec);
	bx_state_free(&st);
}

static void load_timeline(struct detail_panel *d)
{
	struct bx_state st;
	bx_err_t err = NULL;
	free(d->ev);
	d->ev = NULL;
	d->nev = 0;
	if (bx_tl_read(d->name, &d->ev, &d->nev, &err) < 0)
		bx_error_release(&err);
	if (bx_state_read(d->name, &st, &err) == 0) {
		d->t0 = st.t0_mono_us;
		d->finished = st.status == BX_EXITED || st.status == BX_DEAD;
		bx_state_free(&st);
	} else {
		bx_error_release(&err);
	}
}

/* ---- drawing ---- */

/* The scrolling part is drawn line by line; only the lines inside the
 * window reach the screen. */
struct lines {
	struct bxui_screen *s;
	int y0, rows;
	size_t scroll, n;
};

static bool line(struct lines *l, int *y)
{
	size_t i = l->n++;
	if (i < l->scroll || i >= l->scroll + (size_t)l->rows)
		return false;
	*y = l->y0 + (int)(i - l->scroll);
	return true;
}

static enum bxui_color kind_color(const char *module)
{
	const struct bx_module *m = bx_module_find(module);
	if (!m)
		return BXUI_C_KIND_CORE;
	switch (m->kind) {
	case BX_KIND_NAMESPACE: return BXUI_C_KIND_NS;
	case BX_KIND_CGROUP: return BXUI_C_KIND_CG;
	case BX_KIND_FILESYSTEM: return BXUI_C_KIND_FS;
	case BX_KIND_NETWORK: return BXUI_C_KIND_NET;
	case BX_KIND_SECURITY: return BXUI_C_KIND_SEC;
	default: return BXUI_C_KIND_CORE;
	}
}

/* Runtime events worth a mark on the strip, by phase. */
static const struct mark {
	const char *phase;
	char letter;
	enum bxui_color color;
} marks[] = {
	{"pause", 'P', BXUI_C_PAUSED},   {"resume", 'R', BXUI_C_RUNNING},  {"oom", 'O', BXUI_C_BAD},
	{"throttled", 'T', BXUI_C_PAUSED}, {"pids-limit", 'L', BXUI_C_BAD}, {"checkpoint", 'C', BXUI_C_OK},
	{"restore", 'C', BXUI_C_OK},     {"denied", 'S', BXUI_C_BAD},      {"exec", 'E', BXUI_C_NORMAL},
	{"stop", 'K', BXUI_C_BAD},       {"kill", 'K', BXUI_C_BAD},        {"exit", 'X', BXUI_C_BAD},
};

static const struct mark *mark_of(const struct bx_event *e)
{
	for (size_t i = 0; i < N_ELEMENTS(marks); i++)
		if (!strcmp(e->phase, marks[i].phase))
			return &marks[i];
	return NULL;
}

static int by_start(const void *pa, const void *pb, void *arg)
{
	const struct bx_event *ev = arg;
	const struct bx_event *a = &ev[*(const size_t *)pa], *b = &ev[*(const size_t *)pb];
	if (a->time_us != b->time_us)
		return a->time_us < b->time_us ? -1 : 1;
	/* A step before the sub-steps it contains. */
	if (a->dur_us != b->dur_us)
		return a->dur_us > b->dur_us ? -1 : 1;
	return *(const size_t *)pa < *(const size_t *)pb ? -1 : 1;
}

static void draw_setup(struct detail_panel *d, struct lines *l, const bool *setup, uint64_t span, int w)
{
	struct bxui_screen *s = d->super.scr;
	int x = d->super.x, y;
	char dur[32], buf[2048];
	size_t *order = xzalloc((d->nev + 1) * sizeof *order), n = 0;
	for (size_t i = 0; i < d->nev; i++)
		if (setup[i])
			order[n++] = i;
	qsort_r(order, n, sizeof *order, by_start, d->ev);

	bxui_fmt_dur(span, s->g, dur, sizeof dur);
	if (line(l, &y))
		bxui_putf(s, y, x, w, BXUI_C_TITLE, "LIFECYCLE  create to exec in %s: every module's setup steps, to scale",
			  dur);
	int bar_w = w - 34;
	const char *prev = "";
	for (size_t k = 0; k < n; k++) {
		const struct bx_event *e = &d->ev[order[k]];
		if (!line(l, &y)) {
			prev = e->module;
			continue;
		}
		enum bxui_color c = kind_color(e->module);
		bool failed = !strncmp(e->message, "failed", 6);
		bxui_putf(s, y, x, 11, c, "%-11s", strcmp(prev, e->module) ? e->module : "");
		bxui_putf(s, y, x + 11, 13, failed ? BXUI_C_BAD : BXUI_C_NORMAL, "%-13s", e->phase);
		bxui_fmt_dur(e->dur_us, s->g, dur, sizeof dur);
		bxui_putf(s, y, x + 24, 9, BXUI_C_NORMAL, "%8s ", e->dur_us || strcmp(e->phase, "exec") ? dur : "");
		if (bar_w > 4) {
			bxui_bar(e->time_us, e->dur_us, span, bar_w, s->g, buf, sizeof buf);
			bxui_put(s, y, x + 33, bar_w, failed ? BXUI_C_BAD : c, buf);
		}
		prev = e->module;
	}
	free(order);
}

static void draw_runtime(struct detail_panel *d, struct lines *l, const bool *setup, uint64_t exec, int w)
{
	struct bxui_screen *s = d->super.scr;
	int x = d->super.x, y;
	char when[32], buf[4096];
	uint64_t end = exec;
	for (size_t i = 0; i < d->nev; i++)
		if (!setup[i] && d->ev[i].time_us + d->ev[i].dur_us > end)
			end = d->ev[i].time_us + d->ev[i].dur_us;
	if (!d->finished && d->t0 && bx_now_us() > d->t0 && bx_now_us() - d->t0 > end)
		end = bx_now_us() - d->t0;
	uint64_t span = end > exec ? end - exec : 1;

	if (line(l, &y)) {
		char t[16];
		bxui_fmt_uptime((int64_t)span, t, sizeof t);
		bxui_putf(s, y, x, w, BXUI_C_TITLE, "RUNTIME  %s since exec%s  (P pause R resume O OOM T throttled "
			  "S seccomp K stop X exit)", t, d->finished ? ", ended" : "");
	}
	/* The strip: a rule from exec to now, paused stretches shaded, a
	 * letter where something happened. */
	int sw = w - 2;
	if (line(l, &y) && sw > 4) {
		bool paused = false;
		uint64_t pause_at = 0;
		for (int c = 0; c < sw; c++)
			bxui_put(s, y, x + 1 + c, 1, BXUI_C_DIM, s->g->hline);
		for (size_t i = 0; i <= d->nev; i++) {
			const struct bx_event *e = i < d->nev ? &d->ev[i] : NULL;
			if (e && setup[i])
				continue;
			bool resume = e && !strcmp(e->phase, "resume");
			if (paused && (resume || !e || !strcmp(e->phase, "exit"))) {
				uint64_t till = e ? e->time_us : end;
				int c0 = (int)((pause_at - exec) * (uint64_t)sw / span);
				int c1 = (int)((till > exec ? till - exec : 0) * (uint64_t)sw / span);
				for (int c = c0; c <= c1 && c < sw; c++)
					bxui_put(s, y, x + 1 + c, 1, BXUI_C_PAUSED, s->g->shade);
				paused = false;
			}
			if (e && !strcmp(e->phase, "pause")) {
				paused = true;
				pause_at = e->time_us > exec ? e->time_us : exec;
			}
		}
		for (size_t i = 0; i < d->nev; i++) {
			const struct mark *m = setup[i] ? NULL : mark_of(&d->ev[i]);
			if (!m)
				continue;
			uint64_t t = d->ev[i].time_us > exec ? d->ev[i].time_us - exec : 0;
			int c = (int)(t * (uint64_t)sw / span);
			if (c >= sw)
				c = sw - 1;
			char letter[2] = {m->letter, '\0'};
			bxui_put(s, y, x + 1 + c, 1, m->color, letter);
		}
	}
	/* A counter the kernel keeps raising (throttling, denied calls) is
	 * recorded at every sample: one row for each run of them. */
	size_t shown = 0;
	for (size_t i = 0; i < d->nev; i++) {
		const struct bx_event *e = &d->ev[i];
		if (setup[i])
			continue;
		size_t last = i, count = 1;
		for (size_t k = i + 1; k < d->nev; k++) {
			if (setup[k])
				continue;
			if (strcmp(d->ev[k].module, e->module) || strcmp(d->ev[k].phase, e->phase))
				break;
			last = k;
			count++;
		}
		const struct bx_event *le = &d->ev[last];
		i = last;
		shown++;
		if (!line(l, &y))
			continue;
		const struct mark *m = mark_of(e);
		bxui_fmt_offset(e->time_us > exec ? e->time_us - exec : 0, when, sizeof when);
		bxui_putf(s, y, x, 10, BXUI_C_NORMAL, "%9s ", when);
		bxui_putf(s, y, x + 10, 11, kind_color(e->module), "%-11s", e->module);
		bxui_putf(s, y, x + 21, 13, m ? m->color : BXUI_C_NORMAL, "%-13s", e->phase);
		char dur[48] = "", until[64] = "";
		if (le->dur_us) {
			char t[24];
			bxui_fmt_dur(le->dur_us, s->g, t, sizeof t);
			snprintf(dur, sizeof dur, " (%s)", t);
		}
		if (count > 1) {
			char t[24];
			bxui_fmt_offset(le->time_us > exec ? le->time_us - exec : 0, t, sizeof t);
			snprintf(until, sizeof until, "%zux to %s: ", count, t);
		}
		snprintf(buf, sizeof buf, "%s%s%s", until, le->message, dur);
		bxui_put(s, y, x + 34, w - 34, BXUI_C_NORMAL, buf);
	}
	if (!shown && line(l, &y))
		bxui_put(s, y, x + 2, w - 2, BXUI_C_DIM, "nothing since exec yet");
}

/* Split text at spaces into pieces of at most w columns. */
static void draw_wrapped(struct bxui_screen *s, struct lines *l, int x, int w, enum bxui_color c, const char *text)
{
	int y;
	const char *p = text;
	if (w < 8)
		w = 8;
	do {
		size_t n = strlen(p);
		if (n > (size_t)w) {
			n = (size_t)w;
			while (n > 0 && p[n] != ' ')
				n--;
			if (n == 0)
				n = (size_t)w;
		}
		if (line(l, &y))
			bxui_putf(s, y, x, w, c, "%.*s", (int)n, p);
		p += n;
		while (*p == ' ')
			p++;
	} while (*p);
}

static void draw_info(struct detail_panel *d, struct lines *l, int w)
{
	struct bxui_screen *s = d->super.scr;
	int x = d->super.x, y;
	const char *section = NULL;
	for (size_t i = 0; i < d->ninfo; i++) {
		const struct info *in = &d->info[i];
		if (!section || strcmp(section, in->section)) {
			if (section)
				line(l, &y);
			section = in->section;
			if (line(l, &y))
				bxui_put(s, y, x, w, BXUI_C_TITLE, section);
		}
		int y0 = -1;
		size_t before = l->n;
		draw_wrapped(s, l, x + 16, w - 16, BXUI_C_NORMAL, in->value);
		/* The key on the first line of its value. */
		if (before >= l->scroll && before < l->scroll + (size_t)l->rows)
			y0 = l->y0 + (int)(before - l->scroll);
		if (y0 >= 0) {
			char key[64];
			bxui_pad(key, sizeof key, in->key, 14, false, s->g);
			bxui_put(s, y0, x + 1, 14, BXUI_C_DIM, key);
		}
	}
}

/* Returns the scale it used (max, or the window's peak when higher). */
static double draw_graph(struct bxui_screen *s, const struct bxui_ring *r, double max, int y, int x, int w, int h,
			 enum bxui_color c)
{
	double val[512];
	bool have[512];
	if (w > 512)
		w = 512;
	bxui_buckets(r, s->snap.taken_us, BXUI_WINDOW_US, w, val, have);
	for (int i = 0; i < w; i++)
		if (have[i] && val[i] > max)
			max = val[i];
	for (int row = 0; row < h; row++)
		for (int i = 0; i < w; i++)
			if (have[i])
				bxui_put(s, y + h - 1 - row, x + i, 1, c, bxui_graph_glyph(val[i], max, h, row, s->g));
	return max;
}

static void detail_draw(struct bxui_panel *p)
{
	struct detail_panel *d = (struct detail_panel *)p;
	struct bxui_screen *s = p->scr;
	const struct bxui_ctr *c = bxui_snapshot_find(&s->snap, d->name);
	int x = p->x, y = p->y, w = p->w;
	char a[64], b[64], cell[256];

	if (!c) {
		bxui_putf(s, y + 1, x + 2, w - 4, BXUI_C_BAD, "%s no longer exists (Esc goes back to the list).", d->name);
		return;
	}
	/* Figures. */
	int cx = x;
	cx += bxui_putf(s, y, cx, w, BXUI_C_TITLE, "%s", c->name);
	cx += bxui_put(s, y, cx, x + w - cx, BXUI_C_NORMAL, "  ");
	cx += bxui_put(s, y, cx, x + w - cx, c->status == BX_RUNNING ? BXUI_C_RUNNING
					       : c->status == BX_PAUSED ? BXUI_C_PAUSED
					       : BXUI_C_BAD, bxui_status_text(c));
	if (c->status == BX_EXITED)
		cx += bxui_putf(s, y, cx, x + w - cx, BXUI_C_NORMAL, " (exit code %d)", c->exit_code);
	if (c->live) {
		bxui_cell(c, BXUI_COL_UPTIME, 5, s->snap.taken_us, s->snap.taken_real_us, s->g, a, sizeof a);
		bxui_putf(s, y, cx, x + w - cx, BXUI_C_NORMAL, "  image %s  pid %d  up %s  %s %s", c->image, c->pid,
			  a + strspn(a, " "), s->g->vline, c->command);
	} else {
		bxui_putf(s, y, cx, x + w - cx, BXUI_C_NORMAL, "  image %s  %s %s", c->image, s->g->vline, c->command);
	}
	bxui_module_matrix(c->modules, cell, sizeof cell);
	if (c->live) {
		bxui_fmt_bytes(c->stats.mem_bytes, a, sizeof a);
		bxui_fmt_bytes(c->stats.mem_limit, b, sizeof b);
		char pl[32], nr[16], nt[16], line[1024];
		snprintf(pl, sizeof pl, "%llu", (unsigned long long)c->stats.pids_limit);
		bxui_fmt_bytes(c->stats.net_rx, nr, sizeof nr);
		bxui_fmt_bytes(c->stats.net_tx, nt, sizeof nt);
		snprintf(line, sizeof line,
			 "CPU %.1f%%  MEM %s/%s  PIDS %llu/%s  NET rx %s (%llu pkts) tx %s (%llu pkts)  MODULES %s",
			 c->cpu_pct, a, c->stats.mem_limit ? b : s->g->inf, (unsigned long long)c->stats.pids,
			 c->stats.pids_limit ? pl : s->g->inf, nr, (unsigned long long)c->stats.net_rx_packets, nt,
			 (unsigned long long)c->stats.net_tx_packets, cell);
		bxui_put(s, y + 1, x, w, BXUI_C_NORMAL, line);
	} else {
		bxui_putf(s, y + 1, x, w, BXUI_C_NORMAL, "not running: no live figures  MODULES %s", cell);
	}
	/* Graphs: a minute of CPU and memory, side by side. */
	int gw = (w - 1) / 2;
	if (c->hist && c->hist->mem.len) {
		double top = draw_graph(s, &c->hist->cpu, 100, y + 3, x, gw, 3, BXUI_C_CPU);
		bxui_putf(s, y + 2, x, gw, BXUI_C_CPU, "CPU, 60 s (top %.0f%% of a core)", top);
		/* Against the limit, as the list's sparkline. */
		top = draw_graph(s, &c->hist->mem, c->live ? (double)c->stats.mem_limit : 0, y + 3, x + gw + 1, gw, 3,
				 BXUI_C_MEM);
		bxui_fmt_bytes((uint64_t)top, b, sizeof b);
		bxui_putf(s, y + 2, x + gw + 1, gw, BXUI_C_MEM, "memory, 60 s (top %s)", b);
	}
	bxui_hline(s, y + 6, x, w, BXUI_C_DIM);

	/* The scrolling part. */
	struct lines l = {.s = s, .y0 = y + TOP_ROWS, .rows = p->h - TOP_ROWS, .scroll = d->scroll};
	if (l.rows < 1)
		return;
	bool *setup = xzalloc((d->nev + 1) * sizeof *setup);
	uint64_t span = bxui_tl_split(d->ev, d->nev, setup);
	int ly;
	if (d->nev == 0 && line(&l, &ly))
		bxui_put(s, ly, x, w, BXUI_C_DIM, "no timeline (events.log is empty or unreadable)");
	if (d->nev) {
		draw_setup(d, &l, setup, span, w);
		line(&l, &ly); /* a blank line between the sections */
		draw_runtime(d, &l, setup, span, w);
	}
	free(setup);
	line(&l, &ly);
	draw_info(d, &l, w);
	d->total = l.n;
	if (d->total > (size_t)l.rows && d->scroll + (size_t)l.rows < d->total)
		bxui_putf(s, p->y + p->h - 1, x + w - 12, 12, BXUI_C_DIM, "%11s", "more below");
}

static bxui_result detail_event(struct bxui_panel *p, int key)
{
	struct detail_panel *d = (struct detail_panel *)p;
	int rows = p->h - TOP_ROWS;
	size_t last = d->total > (size_t)rows ? d->total - (size_t)rows : 0;
	/* The cursor is the first line shown: moving it scrolls. */
	if (bxui_move(key, last + 1, rows, &d->scroll))
		return BXUI_HANDLED | BXUI_REDRAW;
	return bxui_container_action(p->scr, d->name, key);
}

static void detail_on_sample(struct bxui_panel *p)
{
	load_timeline((struct detail_panel *)p);
}

static void detail_destroy(struct bxui_panel *p)
{
	struct detail_panel *d = (struct detail_panel *)p;
	for (size_t i = 0; i < d->ninfo; i++) {
		free(d->info[i].section);
		free(d->info[i].key);
		free(d->info[i].value);
	}
	free(d->info);
	free(d->ev);
	free(d->name);
	free(d);
}

static const struct bxui_panel_class detail_class = {
	.name = "Detail",
	.event = detail_event,
	.draw = detail_draw,
	.on_sample = detail_on_sample,
	.destroy = detail_destroy,
	.fkeys = detail_fkeys,
};

struct bxui_panel *bxui_detail_new(struct bxui_screen *s, const char *name)
{
	struct detail_panel *d = xzalloc(sizeof *d);
	d->super.klass = &detail_class;
	d->super.scr = s;
	d->name = xstrdup(name);
	load_timeline(d);
	load_info(d);
	return &d->super;
}
