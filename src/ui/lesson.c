/* L: the lesson panel.  The steps of the student's current lesson (the
 * one `boxlab lesson start` or `check` last named) with their status,
 * re-checked every few seconds while the student works in another
 * terminal, and the handout's text of the selected step below.
 *
 * A check runs `boxlab lesson check --porcelain NR` (so it is recorded
 * in the student's progress, as from the shell) in its own process group
 * with its output on a non-blocking pipe; the panel drains the pipe at
 * every sample tick and never waits for it, so a slow check does not
 * stall the dashboard. */
#include "cli/lesson.h"
#include "core/proc.h"
#include "ui/screen.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define RECHECK_US (5ull * 1000000) /* from the end of one check to the next */

struct lesson_panel {
	struct bxui_panel super;
	struct bx_lesson l;
	bool have;        /* l is loaded */
	bool pinned;      /* chosen with < >: do not follow the current lesson */
	char error[256];  /* why not */
	size_t cur;       /* the selected step */
	pid_t pid;        /* the running check, or 0 */
	int fd;
	char *out;        /* its output so far */
	size_t len;
	uint64_t checked_us, next_us; /* bx_now_us() of the last result, of the next check */
	bool checked;
	int code;         /* exit code of the last check */
};

static void stop_check(struct lesson_panel *lp)
{
	if (lp->pid > 0) {
		kill(-lp->pid, SIGTERM); /* the check's bash and what it runs */
		while (waitpid(lp->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (lp->fd >= 0)
		close(lp->fd);
	lp->pid = 0;
	lp->fd = -1;
	free(lp->out);
	lp->out = NULL;
	lp->len = 0;
}

static void start_check(struct lesson_panel *lp)
{
	int p[2];
	if (!lp->have || lp->pid > 0 || pipe2(p, O_CLOEXEC) < 0)
		return;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		struct sigaction sa = {.sa_handler = SIG_DFL};
		sigemptyset(&sa.sa_mask);
		for (int sig = 1; sig < NSIG; sig++)
			sigaction(sig, &sa, NULL);
		setpgid(0, 0);
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(p[1], 1);
		dup2(null, 2);
		syscall(SYS_close_range, 3, ~0U, 0);
		execl("/proc/self/exe", "boxlab", "lesson", "check", "--porcelain", lp->l.id, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid); /* also here: no race with the kill in stop_check */
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	lp->pid = pid;
	lp->fd = p[0];
}

/* Drain the pipe; at its end, reap the check and take its results. */
static bool poll_check(struct lesson_panel *lp)
{
	char buf[4096];
	ssize_t r;
	if (lp->pid <= 0)
		return false;
	while ((r = read(lp->fd, buf, sizeof buf)) > 0) {
		lp->out = xrealloc(lp->out, lp->len + (size_t)r + 1);
		memcpy(lp->out + lp->len, buf, (size_t)r);
		lp->len += (size_t)r;
		lp->out[lp->len] = '\0';
	}
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	int status;
	if (waitpid(lp->pid, &status, WNOHANG) == 0)
		return false; /* output closed, process not gone yet: next tick */
	bx_lesson_apply_output(&lp->l, lp->out ? lp->out : "");
	lp->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	lp->pid = 0;
	stop_check(lp);
	lp->checked = true;
	lp->checked_us = bx_now_us();
	lp->next_us = lp->checked_us + RECHECK_US;
	return true;
}

/* The lesson to show: the current one, else the first. */
static void load(struct lesson_panel *lp, const char *want)
{
	bx_err_t err = NULL;
	char cur[3] = "";
	if (lp->have)
		bx_lesson_free(&lp->l);
	lp->have = false;
	lp->checked = false;
	lp->cur = 0;
	if (!want && bx_lesson_progress_current(cur, &err) < 0) {
		snprintf(lp->error, sizeof lp->error, "%s", err->msg);
		bx_error_release(&err);
	}
	if (bx_lesson_find(want ? want : cur[0] ? cur : "0", &lp->l, &err) < 0) {
		snprintf(lp->error, sizeof lp->error, "%s", err->msg);
		bx_error_release(&err);
		return;
	}
	lp->have = true;
	/* Until the first check: the last recorded result, if any. */
	struct bx_lesson_progress p;
	if (bx_lesson_progress_get(lp->l.id, &p, &err) == 0) {
		for (size_t i = 0; i < p.nsteps; i++) {
			int n = p.steps[i].n;
			if (n < 1 || n > (int)lp->l.nsteps)
				continue;
			lp->l.steps[n - 1].checked = true;
			lp->l.steps[n - 1].ok = p.steps[i].ok;
			lp->l.steps[n - 1].hint = p.steps[i].hint ? xstrdup(p.steps[i].hint) : NULL;
		}
		bx_lesson_progress_free(&p);
	}
	bx_error_release(&err);
	lp->next_us = 0;
}

static void lesson_draw(struct bxui_panel *p)
{
	struct lesson_panel *lp = (struct lesson_panel *)p;
	struct bxui_screen *s = p->scr;
	int y = p->y, bottom = p->y + p->h;
	if (!lp->have) {
		bxui_put_wrapped(s, y, 1, p->w - 2, p->h, BXUI_C_ERROR, lp->error);
		return;
	}
	struct bx_lesson *l = &lp->l;
	size_t passed = 0;
	for (size_t i = 0; i < l->nsteps; i++)
		passed += l->steps[i].ok;
	char right[128];
	if (lp->pid > 0)
		snprintf(right, sizeof right, "%s %s %zu/%zu passed %s checking%s", bx_lesson_user(), s->g->vline,
			 passed, l->nsteps, s->g->vline, s->g->ellipsis);
	else if (lp->checked)
		snprintf(right, sizeof right, "%s %s %zu/%zu passed %s checked %llus ago", bx_lesson_user(), s->g->vline,
			 passed, l->nsteps, s->g->vline, (unsigned long long)((bx_now_us() - lp->checked_us) / 1000000));
	else
		snprintf(right, sizeof right, "%s %s %zu/%zu passed", bx_lesson_user(), s->g->vline, passed, l->nsteps);
	bxui_putf(s, y, 1, p->w - 2, BXUI_C_TITLE, "Lesson %s: %s", l->id, l->title);
	int rw = (int)bxui_width(right);
	if ((int)bxui_width(l->title) + 14 + rw < p->w)
		bxui_put(s, y, p->w - rw - 1, rw, BXUI_C_DIM, right);
	y += 2;
	const char *ok = s->g->utf8 ? "\u2713" : "+", *bad = s->g->utf8 ? "\u2717" : "x", *none = "?";
	for (size_t i = 0; i < l->nsteps && y < bottom; i++) {
		struct bx_lesson_step *st = &l->steps[i];
		bool sel = i == lp->cur;
		enum bxui_color c = !st->checked ? BXUI_C_DIM : st->ok ? BXUI_C_OK : BXUI_C_BAD;
		char line[512];
		snprintf(line, sizeof line, " %s %d. %s", !st->checked ? none : st->ok ? ok : bad, st->n, st->title);
		if (sel) {
			char pad[512];
			bxui_pad(pad, sizeof pad, line, p->w, false, s->g);
			bxui_put(s, y, 0, p->w, BXUI_C_SELECT, pad);
		} else {
			bxui_put(s, y, 0, p->w, c, line);
		}
		y++;
		if (st->checked && !st->ok && st->hint && y < bottom)
			y += bxui_put_wrapped(s, y, 6, p->w - 7, 2, BXUI_C_DIM, st->hint);
	}
	if (lp->checked && lp->code > 1 && y < bottom)
		bxui_putf(s, y++, 1, p->w - 2, BXUI_C_ERROR, "the check failed (exit %d): run 'boxlab lesson check %s'",
			  lp->code, l->id);
	y++;
	if (y + 2 >= bottom)
		return;
	bxui_hline(s, y++, 0, p->w, BXUI_C_DIM);
	/* The handout's text of the selected step, as much as fits. */
	cleanup_free char *text = bx_lesson_step_text(l, (int)lp->cur + 1);
	for (char *line = text ? strtok(text, "\n") : NULL; line && y < bottom; line = strtok(NULL, "\n"))
		bxui_put(s, y++, 1, p->w - 2, !strncmp(line, "    ", 4) ? BXUI_C_FKEY : BXUI_C_NORMAL, line);
}

/* The student started another lesson in their shell: follow it. */
static void follow_current(struct lesson_panel *lp)
{
	char cur[3] = "";
	bx_err_t err = NULL;
	if (lp->pinned || bx_lesson_progress_current(cur, &err) < 0) {
		bx_error_release(&err);
		return;
	}
	if (cur[0] && (!lp->have || strcmp(cur, lp->l.id)))
		load(lp, cur);
}

static void lesson_on_sample(struct bxui_panel *p)
{
	struct lesson_panel *lp = (struct lesson_panel *)p;
	poll_check(lp);
	if (lp->pid <= 0 && bx_now_us() >= lp->next_us) {
		follow_current(lp);
		if (lp->have)
			start_check(lp);
	}
}

/* Lesson NR+delta among those there are. */
static void switch_lesson(struct lesson_panel *lp, int delta)
{
	struct bx_lesson *v = NULL;
	size_t n = 0;
	bx_err_t err = NULL;
	if (!lp->have || bx_lesson_list(&v, &n, &err) < 0) {
		bx_error_release(&err);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].id, lp->l.id) && (int)i + delta >= 0 && (int)i + delta < (int)n) {
			char id[3];
			memcpy(id, v[i + delta].id, 3);
			stop_check(lp);
			load(lp, id);
			lp->pinned = true;
			break;
		}
	bx_lesson_list_free(v, n);
}

static bxui_result lesson_event(struct bxui_panel *p, int key)
{
	struct lesson_panel *lp = (struct lesson_panel *)p;
	if (lp->have && bxui_move(key, lp->l.nsteps, p->h, &lp->cur))
		return BXUI_HANDLED | BXUI_REDRAW;
	switch (key) {
	case 'c':
	case KEY_F(5):
		lp->next_us = 0; /* at once, or when the running one ends */
		return BXUI_HANDLED | BXUI_RESCAN;
	case '<':
	case ',':
	case KEY_LEFT:
		switch_lesson(lp, -1);
		return BXUI_HANDLED | BXUI_RESCAN;
	case '>':
	case '.':
	case KEY_RIGHT:
		switch_lesson(lp, 1);
		return BXUI_HANDLED | BXUI_RESCAN;
	case 'L':
		return BXUI_CLOSE | BXUI_REDRAW;
	default:
		return BXUI_IGNORED;
	}
}

static void lesson_destroy(struct bxui_panel *p)
{
	struct lesson_panel *lp = (struct lesson_panel *)p;
	stop_check(lp);
	if (lp->have)
		bx_lesson_free(&lp->l);
	free(lp);
}

static const struct bxui_fkey lesson_fkeys[] = {
	{"F1", "Help"}, {"F5", "Check"}, {"<>", "Lesson"}, {"Esc", "Back"}, {"F10", "Quit"}, {NULL, NULL},
};

static const struct bxui_panel_class lesson_class = {
	.name = "Lesson",
	.event = lesson_event,
	.draw = lesson_draw,
	.on_sample = lesson_on_sample,
	.destroy = lesson_destroy,
	.fkeys = lesson_fkeys,
};

struct bxui_panel *bxui_lesson_new(struct bxui_screen *s)
{
	struct lesson_panel *lp = xzalloc(sizeof *lp);
	lp->super.klass = &lesson_class;
	lp->super.scr = s;
	lp->fd = -1;
	load(lp, NULL);
	start_check(lp);
	return &lp->super;
}
