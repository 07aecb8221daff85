/* The logs of one container (F4): the tail of its stdout.log, re-read
 * when it grows, scrollable, following the end until the user scrolls
 * up (End follows again).  What a container wrote is not trusted to be
 * text: control characters, and in a non-UTF-8 locale every non-ASCII
 * byte, are shown as '?', so output cannot move the cursor or change
 * the terminal's state behind curses' back. */
#include "ui/screen.h"
#include "core/logfile.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#define TAIL_BYTES (256 * 1024)

struct logs_panel {
	struct bxui_panel super;
	char *name;
	char **lines;
	size_t n;
	size_t top;
	bool follow;
	off_t size;
	bool missing;
};

static const struct bxui_fkey logs_fkeys[] = {
	{"F1", "Help"}, {"F5", "Shell"}, {"F7", "Pause"}, {"F8", "Stop"}, {"F9", "Kill"},
	{"F10", "Quit"}, {"End", "Follow"}, {"Esc", "Back"}, {NULL, NULL},
};

/* One line as it can be shown: tabs expanded, the rest made safe. */
static char *clean_line(const char *p, size_t len, bool utf8)
{
	char *out = xmalloc(len * 8 + 1);
	size_t o = 0, col = 0;
	mbstate_t ps;
	memset(&ps, 0, sizeof ps);
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)p[i];
		if (c == '\t') {
			do
				out[o++] = ' ';
			while (++col % 8);
			i++;
			continue;
		}
		if (c >= 0x80 && utf8) {
			wchar_t wc;
			size_t k = mbrtowc(&wc, p + i, len - i, &ps);
			/* One column wide and valid, or a '?'. */
			if (k != (size_t)-1 && k != (size_t)-2 && k > 0 && wcwidth(wc) == 1) {
				memcpy(out + o, p + i, k);
				o += k;
				i += k;
				col++;
				continue;
			}
			memset(&ps, 0, sizeof ps);
			out[o++] = '?';
			i++;
			col++;
			continue;
		}
		out[o++] = c < 32 || c == 127 || c >= 0x80 ? '?' : (char)c;
		i++;
		col++;
	}
	out[o] = '\0';
	return out;
}

static void free_lines(struct logs_panel *lp)
{
	for (size_t i = 0; i < lp->n; i++)
		free(lp->lines[i]);
	free(lp->lines);
	lp->lines = NULL;
	lp->n = 0;
}

static void load(struct logs_panel *lp)
{
	cleanup_free char *path = bx_state_path(lp->name, "stdout.log");
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		lp->missing = true;
		free_lines(lp);
		return;
	}
	lp->missing = false;
	if (st.st_size == lp->size && lp->lines)
		return;
	lp->size = st.st_size;
	off_t from = st.st_size > TAIL_BYTES ? st.st_size - TAIL_BYTES : 0;
	size_t want = (size_t)(st.st_size - from);
	cleanup_free char *buf = xmalloc(want + 1);
	ssize_t got = pread(fd, buf, want, from);
	if (got < 0)
		got = 0;
	buf[got] = '\0';
	free_lines(lp);
	char *p = buf, *end = buf + got;
	/* Cut into the middle of a line: start at the next one. */
	if (from > 0) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	bool utf8 = lp->super.scr->g->utf8;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct bx_log_rec r; /* the text of a record (core/logfile.h) */
		bx_log_parse(p, len, 0, &r);
		len = r.len;
		if (len && r.text[len - 1] == '\r')
			len--;
		lp->lines = xrealloc(lp->lines, (lp->n + 1) * sizeof *lp->lines);
		lp->lines[lp->n++] = clean_line(r.text, len, utf8);
		p = nl ? nl + 1 : end;
	}
}

static int page(const struct bxui_panel *p)
{
	return p->h > 2 ? p->h - 1 : 1;
}

static void logs_draw(struct bxui_panel *p)
{
	struct logs_panel *lp = (struct logs_panel *)p;
	struct bxui_screen *s = p->scr;
	int rows = page(p);
	size_t last = lp->n > (size_t)rows ? lp->n - (size_t)rows : 0;
	if (lp->follow || lp->top > last)
		lp->top = last;
	char title[512], padded[1024];
	snprintf(title, sizeof title, "Logs of %s: %zu line%s of stdout.log%s%s", lp->name, lp->n, lp->n == 1 ? "" : "s",
		 lp->size > TAIL_BYTES ? " (the last 256 KiB)" : "", lp->follow ? ", following" : "");
	bxui_pad(padded, sizeof padded, title, p->w, false, s->g);
	bxui_put(s, p->y, p->x, p->w, BXUI_C_TITLE, padded);
	if (lp->missing)
		bxui_put(s, p->y + 2, p->x + 2, p->w - 2, BXUI_C_DIM, "no stdout.log (the container is gone?)");
	else if (!lp->n)
		bxui_put(s, p->y + 2, p->x + 2, p->w - 2, BXUI_C_DIM, "nothing written yet");
	for (int r = 0; r < rows && lp->top + (size_t)r < lp->n; r++)
		bxui_put(s, p->y + 1 + r, p->x, p->w, BXUI_C_NORMAL, lp->lines[lp->top + (size_t)r]);
}

static bxui_result logs_event(struct bxui_panel *p, int key)
{
	struct logs_panel *lp = (struct logs_panel *)p;
	int rows = page(p);
	size_t last = lp->n > (size_t)rows ? lp->n - (size_t)rows : 0;
	if (bxui_move(key, last + 1, rows, &lp->top)) {
		lp->follow = lp->top >= last;
		return BXUI_HANDLED | BXUI_REDRAW;
	}
	if (key == 'l' || key == KEY_F(4))
		return BXUI_HANDLED; /* already here */
	return bxui_container_action(p->scr, lp->name, key);
}

static void logs_on_sample(struct bxui_panel *p)
{
	load((struct logs_panel *)p);
}

static void logs_destroy(struct bxui_panel *p)
{
	struct logs_panel *lp = (struct logs_panel *)p;
	free_lines(lp);
	free(lp->name);
	free(lp);
}

static const struct bxui_panel_class logs_class = {
	.name = "Logs",
	.event = logs_event,
	.draw = logs_draw,
	.on_sample = logs_on_sample,
	.destroy = logs_destroy,
	.fkeys = logs_fkeys,
};

struct bxui_panel *bxui_logs_new(struct bxui_screen *s, const char *name)
{
	struct logs_panel *lp = xzalloc(sizeof *lp);
	lp->super.klass = &logs_class;
	lp->super.scr = s;
	lp->name = xstrdup(name);
	lp->follow = true;
	load(lp);
	return &lp->super;
}
