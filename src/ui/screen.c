/* The screen manager: curses set-up and tear-down, the event loop
 * (keys, signals, background commands, the sampling timer), the panel
 * stack, and the header, status and function-key rows.
 *
 * The loop is htop's ScreenManager_run with poll() in place of a
 * half-delay getch(): it sleeps until a key, a signal (through a
 * self-pipe: SIGWINCH resizes, SIGINT/SIGTERM/SIGHUP quit cleanly), the
 * output of a background command, or the next sampling tick. */
#include "ui/screen.h"
#include "core/proc.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MSG_US (6ull * 1000000)

static int sig_pipe[2] = {-1, -1};
static bool curses_on;

/* ---- terminal safety ---- */

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;
	if (write(sig_pipe[1], &c, 1) < 0) {
		/* The pipe is full of signals already: one more changes nothing. */
	}
	errno = saved;
}

/* A crash must not leave the terminal in raw mode: put it back (htop's
 * CRT_handleSIGSEGV does the same), then die of the signal as usual. */
static void on_crash(int sig)
{
	if (curses_on)
		endwin();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void restore_terminal(void)
{
	if (curses_on && !isendwin())
		endwin();
}

static const int quit_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

static void install_signals(bool on)
{
	struct sigaction sa = {0};
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on ? on_signal : SIG_DFL;
	for (size_t i = 0; i < N_ELEMENTS(quit_signals); i++)
		sigaction(quit_signals[i], &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	sa.sa_handler = on ? on_crash : SIG_DFL;
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < N_ELEMENTS(crash_signals); i++)
		sigaction(crash_signals[i], &sa, NULL);
}

/* ---- drawing helpers ---- */

attr_t bxui_attr(struct bxui_screen *s, enum bxui_color c)
{
	return s->attr[c];
}

/* Bytes of the first cols columns of text. */
static size_t clip_bytes(const char *text, int cols)
{
	size_t i = 0;
	int w = 0;
	while (text[i]) {
		if (((unsigned char)text[i] & 0xC0) != 0x80) {
			if (w == cols)
				break;
			w++;
		}
		i++;
	}
	return i;
}

int bxui_put(struct bxui_screen *s, int y, int x, int w, enum bxui_color c, const char *text)
{
	if (w <= 0 || y < 0 || y >= s->rows || x >= s->cols)
		return 0;
	if (x + w > s->cols)
		w = s->cols - x;
	size_t n = clip_bytes(text, w);
	attr_t a = bxui_attr(s, c);
	attron(a);
	mvaddnstr(y, x, text, (int)n);
	attroff(a);
	return (int)bxui_width(text) < w ? (int)bxui_width(text) : w;
}

int bxui_putf(struct bxui_screen *s, int y, int x, int w, enum bxui_color c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return bxui_put(s, y, x, w, c, buf);
}

int bxui_put_wrapped(struct bxui_screen *s, int y, int x, int w, int rows, enum bxui_color c, const char *text)
{
	const char *p = text;
	int r = 0;
	while (*p && r < rows && w > 0) {
		size_t n = strlen(p);
		if (bxui_width(p) > (size_t)w) {
			/* Break at the last space that fits. */
			n = clip_bytes(p, w);
			size_t k = n;
			while (k > 0 && p[k] != ' ')
				k--;
			if (k > 0)
				n = k;
		}
		char line[1024];
		snprintf(line, sizeof line, "%.*s", (int)n, p);
		bxui_put(s, y + r++, x, w, c, line);
		p += n;
		while (*p == ' ')
			p++;
	}
	return r;
}

void bxui_hline(struct bxui_screen *s, int y, int x, int w, enum bxui_color c)
{
	for (int i = 0; i < w; i++)
		bxui_put(s, y, x + i, 1, c, s->g->hline);
}

void bxui_box(struct bxui_screen *s, int y, int x, int h, int w, enum bxui_color c)
{
	char blank[512];
	int n = w < (int)sizeof blank ? w : (int)sizeof blank - 1;
	memset(blank, ' ', n);
	blank[n] = '\0';
	for (int r = 0; r < h; r++)
		bxui_put(s, y + r, x, w, c, blank);
	bxui_put(s, y, x, 1, c, s->g->tl);
	bxui_put(s, y, x + w - 1, 1, c, s->g->tr);
	bxui_put(s, y + h - 1, x, 1, c, s->g->bl);
	bxui_put(s, y + h - 1, x + w - 1, 1, c, s->g->br);
	bxui_hline(s, y, x + 1, w - 2, c);
	bxui_hline(s, y + h - 1, x + 1, w - 2, c);
	for (int r = 1; r < h - 1; r++) {
		bxui_put(s, y + r, x, 1, c, s->g->vline);
		bxui_put(s, y + r, x + w - 1, 1, c, s->g->vline);
	}
}

/* Colour where the terminal has it and the user did not say NO_COLOR
 * (no-color.org: set and not empty); attributes alone otherwise. */
static void setup_colors(struct bxui_screen *s)
{
	const char *nc = getenv("NO_COLOR");
	s->color = has_colors() && !(nc && *nc);
	static const struct {
		short fg, bg;
		attr_t extra, mono;
	} def[BXUI_C_N] = {
		[BXUI_C_NORMAL] = {-1, -1, 0, A_NORMAL},
		[BXUI_C_HEADER] = {COLOR_BLACK, COLOR_GREEN, 0, A_REVERSE},
		[BXUI_C_FKEY] = {-1, -1, A_BOLD, A_BOLD},
		[BXUI_C_FLABEL] = {COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE},
		[BXUI_C_TITLE] = {COLOR_BLACK, COLOR_GREEN, 0, A_BOLD | A_UNDERLINE},
		[BXUI_C_SELECT] = {COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE},
		[BXUI_C_RUNNING] = {COLOR_GREEN, -1, A_BOLD, A_BOLD},
		[BXUI_C_PAUSED] = {COLOR_YELLOW, -1, A_BOLD, A_UNDERLINE},
		[BXUI_C_EXITED] = {-1, -1, A_DIM, A_DIM},
		[BXUI_C_BAD] = {COLOR_RED, -1, A_BOLD, A_BOLD},
		[BXUI_C_CPU] = {COLOR_GREEN, -1, 0, A_NORMAL},
		[BXUI_C_MEM] = {COLOR_MAGENTA, -1, 0, A_NORMAL},
		[BXUI_C_DIM] = {COLOR_BLUE, -1, A_BOLD, A_DIM},
		[BXUI_C_ERROR] = {COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD | A_REVERSE},
		[BXUI_C_OK] = {COLOR_GREEN, -1, A_BOLD, A_BOLD},
		[BXUI_C_KIND_NS] = {COLOR_CYAN, -1, 0, A_NORMAL},
		[BXUI_C_KIND_CG] = {COLOR_YELLOW, -1, 0, A_NORMAL},
		[BXUI_C_KIND_FS] = {COLOR_GREEN, -1, 0, A_NORMAL},
		[BXUI_C_KIND_NET] = {COLOR_BLUE, -1, A_BOLD, A_NORMAL},
		[BXUI_C_KIND_SEC] = {COLOR_RED, -1, 0, A_NORMAL},
		[BXUI_C_KIND_CORE] = {COLOR_WHITE, -1, A_BOLD, A_BOLD},
	};
	if (s->color) {
		start_color();
		/* The terminal's own background, not a painted black one. */
		bool dflt = use_default_colors() == OK;
		for (int c = 1; c < BXUI_C_N; c++) {
			short fg = def[c].fg, bg = def[c].bg;
			if (!dflt) {
				fg = fg < 0 ? COLOR_WHITE : fg;
				bg = bg < 0 ? COLOR_BLACK : bg;
			}
			init_pair((short)c, fg, bg);
			s->attr[c] = COLOR_PAIR(c) | def[c].extra;
		}
		s->attr[BXUI_C_NORMAL] = A_NORMAL;
	} else {
		for (int c = 0; c < BXUI_C_N; c++)
			s->attr[c] = def[c].mono;
	}
}

/* ---- panels ---- */

static void layout(struct bxui_screen *s, struct bxui_panel *p)
{
	p->y = 1;
	p->x = 0;
	p->h = s->rows - 3;
	p->w = s->cols;
	if (p->klass->on_resize)
		p->klass->on_resize(p);
}

void bxui_push(struct bxui_screen *s, struct bxui_panel *p)
{
	if (s->depth == BXUI_MAX_PANELS) {
		bxui_panel_destroy(p);
		return;
	}
	p->scr = s;
	s->stack[s->depth++] = p;
	layout(s, p);
	s->need_redraw = true;
}

static void pop_panel(struct bxui_screen *s, struct bxui_panel *p)
{
	for (int i = 1; i < s->depth; i++) {
		if (s->stack[i] != p)
			continue;
		memmove(&s->stack[i], &s->stack[i + 1], (s->depth - i - 1) * sizeof *s->stack);
		s->depth--;
		bxui_panel_destroy(p);
		return;
	}
}

void bxui_message(struct bxui_screen *s, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof s->msg, fmt, ap);
	va_end(ap);
	/* One line: a multi-line error would scroll the status row. */
	for (char *p = s->msg; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	s->msg_err = error;
	s->msg_until = bx_now_us() + MSG_US;
	s->need_redraw = true;
}

void bxui_select(struct bxui_screen *s, const char *name)
{
	if (s->selected && name && !strcmp(s->selected, name))
		return;
	free(s->selected);
	s->selected = name ? xstrdup(name) : NULL;
}

/* ---- the status-line editor ---- */

void bxui_prompt(struct bxui_screen *s, const char *label, const char *init,
		 void (*on_change)(struct bxui_screen *, const char *),
		 void (*on_done)(struct bxui_screen *, const char *, const char *, bool))
{
	struct bxui_prompt *p = &s->prompt;
	memset(p, 0, sizeof *p);
	p->active = true;
	snprintf(p->label, sizeof p->label, "%s", label);
	snprintf(p->text, sizeof p->text, "%s", init ? init : "");
	p->len = strlen(p->text);
	p->on_change = on_change;
	p->on_done = on_done;
	s->need_redraw = true;
}

void bxui_confirm(struct bxui_screen *s, const char *question, const char *arg,
		  void (*on_done)(struct bxui_screen *, const char *, const char *, bool))
{
	bxui_prompt(s, question, NULL, NULL, on_done);
	s->prompt.yesno = true;
	snprintf(s->prompt.arg, sizeof s->prompt.arg, "%s", arg);
}

static void prompt_finish(struct bxui_screen *s, bool accepted)
{
	struct bxui_prompt p = s->prompt;
	s->prompt.active = false;
	s->need_redraw = true;
	if (p.on_done)
		p.on_done(s, p.text, p.arg, accepted);
}

static void prompt_key(struct bxui_screen *s, int ch)
{
	struct bxui_prompt *p = &s->prompt;
	if (p->yesno) {
		prompt_finish(s, ch == 'y' || ch == 'Y');
		return;
	}
	switch (ch) {
	case '\r':
	case '\n':
	case KEY_ENTER:
		prompt_finish(s, true);
		return;
	case BXUI_KEY_ESC:
		prompt_finish(s, false);
		return;
	case KEY_BACKSPACE:
	case 127:
	case '\b':
		/* Whole UTF-8 characters. */
		while (p->len > 0 && ((unsigned char)p->text[p->len - 1] & 0xC0) == 0x80)
			p->len--;
		if (p->len > 0)
			p->len--;
		break;
	case BXUI_CTRL('u'):
		p->len = 0;
		break;
	default:
		if (ch < 32 || ch > 255 || p->len + 1 >= sizeof p->text)
			return;
		p->text[p->len++] = (char)ch;
	}
	p->text[p->len] = '\0';
	if (p->on_change)
		p->on_change(s, p->text);
	s->need_redraw = true;
}

/* ---- boxlab commands, in the background or on the terminal ---- */

static void child_signals_default(void)
{
	struct sigaction sa = {0};
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < N_ELEMENTS(quit_signals); i++)
		sigaction(quit_signals[i], &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGTSTP, &sa, NULL);
}

/* Every command runs the way the user would type it, through this very
 * binary: every check of stop, rm, run -d ... applies, nothing is
 * re-implemented here. */
static char **boxlab_argv(char *const argv[])
{
	size_t n = 0;
	while (argv[n])
		n++;
	char **v = xzalloc((n + 2) * sizeof *v);
	v[0] = "boxlab";
	for (size_t i = 0; i < n; i++)
		v[i + 1] = argv[i];
	return v;
}

/* Start `boxlab ARGV...` with stdout (and stderr, unless err_fd >= 0)
 * into a pipe the main loop polls; NULL (and a message) on failure. */
static struct bxui_job *job_start(struct bxui_screen *s, const char *what, char *const argv[], int err_fd)
{
	int p[2];
	if (s->njobs == BXUI_MAX_JOBS) {
		bxui_message(s, true, "%s: %d commands still running; wait for one to end", what, BXUI_MAX_JOBS);
		return NULL;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		bxui_message(s, true, "%s: cannot create a pipe: %s", what, strerror(errno));
		return NULL;
	}
	cleanup_free char **v = boxlab_argv(argv);
	pid_t pid = fork();
	if (pid < 0) {
		bxui_message(s, true, "%s: cannot fork: %s", what, strerror(errno));
		close(p[0]);
		close(p[1]);
		return NULL;
	}
	if (pid == 0) {
		child_signals_default();
		/* Its own process group: a Ctrl-C in the dashboard is not
		 * for a stop that is half way through. */
		setpgid(0, 0);
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		dup2(p[1], 1);
		dup2(err_fd >= 0 ? err_fd : p[1], 2);
		syscall(SYS_close_range, 3, ~0U, 0);
		execv("/proc/self/exe", v);
		dprintf(2, "cannot run boxlab: %s\n", strerror(errno));
		_exit(127);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	struct bxui_job *j = &s->jobs[s->njobs++];
	memset(j, 0, sizeof *j);
	j->pid = pid;
	j->fd = p[0];
	j->err_fd = err_fd;
	snprintf(j->what, sizeof j->what, "%s", what);
	return j;
}

void bxui_spawn(struct bxui_screen *s, const char *what, char *const argv[], bool select_output)
{
	struct bxui_job *j = job_start(s, what, argv, -1);
	if (!j)
		return;
	j->select_output = select_output;
	bxui_message(s, false, "%s%s", what, s->g->ellipsis);
	s->msg_until = UINT64_MAX; /* until it ends */
}

bool bxui_spawn_done(struct bxui_screen *s, const char *what, char *const argv[], bxui_job_done done, void *ctx,
		     long tag)
{
	/* stderr apart from the JSON on stdout: a file in memory, read
	 * when the command has ended (no second pipe to poll). */
	int err_fd = memfd_create("boxlab-dash-stderr", MFD_CLOEXEC);
	if (err_fd < 0) {
		bxui_message(s, true, "%s: cannot create a memfd: %s", what, strerror(errno));
		return false;
	}
	struct bxui_job *j = job_start(s, what, argv, err_fd);
	if (!j) {
		close(err_fd);
		return false;
	}
	j->done = done;
	j->ctx = ctx;
	j->tag = tag;
	return true;
}

void bxui_jobs_forget(struct bxui_screen *s, void *ctx)
{
	for (size_t i = 0; i < s->njobs; i++)
		if (s->jobs[i].done && s->jobs[i].ctx == ctx)
			s->jobs[i].forgotten = true;
}

static void job_read(struct bxui_job *j)
{
	char buf[4096];
	ssize_t r;
	while ((r = read(j->fd, buf, sizeof buf)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				j->eof = true;
			return;
		}
		/* Past the limit keep the tail: the last line is what the
		 * status line reports. */
		if (j->len + (size_t)r > BXUI_JOB_OUT_MAX) {
			size_t drop = j->len + (size_t)r - BXUI_JOB_OUT_MAX;
			drop = drop < j->len ? drop : j->len;
			memmove(j->out, j->out + drop, j->len - drop);
			j->len -= drop;
		}
		if (j->len + (size_t)r + 1 > j->cap) {
			j->cap = (j->len + (size_t)r + 1) * 2;
			j->out = xrealloc(j->out, j->cap);
		}
		memcpy(j->out + j->len, buf, (size_t)r);
		j->len += (size_t)r;
		j->out[j->len] = '\0';
	}
	j->eof = true;
}

/* What a done job wrote on stderr (its memfd), at most 64 KiB. */
static char *job_stderr(struct bxui_job *j)
{
	char *e = xzalloc(64 * 1024 + 1);
	ssize_t n = pread(j->err_fd, e, 64 * 1024, 0);
	if (n > 0)
		e[n] = '\0';
	return e;
}

static const char *last_line(char *out)
{
	size_t n = strlen(out);
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = '\0';
	char *nl = strrchr(out, '\n');
	const char *l = nl ? nl + 1 : out;
	if (!strncmp(l, "boxlab: ", 8))
		l += 8;
	return l;
}

/* Reap the jobs whose output ended; true while one is still exiting. */
static bool jobs_reap(struct bxui_screen *s)
{
	bool pending = false;
	for (size_t i = 0; i < s->njobs;) {
		struct bxui_job *j = &s->jobs[i];
		int status;
		if (!j->eof) {
			i++;
			continue;
		}
		pid_t r = waitpid(j->pid, &status, WNOHANG);
		if (r == 0) {
			pending = true;
			i++;
			continue;
		}
		close(j->fd);
		int code = r < 0 ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		char empty[1] = "";
		char *out = j->out ? j->out : empty;
		if (j->done) {
			cleanup_free char *err = job_stderr(j);
			close(j->err_fd);
			if (!j->forgotten)
				j->done(s, j->ctx, j->tag, code, out, err);
		} else {
			const char *line = last_line(out);
			if (code == 0 && j->select_output && *line) {
				bxui_select(s, line);
				bxui_message(s, false, "%s: started %s", j->what, line);
			} else if (code == 0) {
				bxui_message(s, false, "%s: done", j->what);
			} else {
				bxui_message(s, true, "%s: %s", j->what, *line ? line : "failed");
			}
		}
		free(j->out);
		memmove(j, j + 1, (s->njobs - i - 1) * sizeof *j);
		s->njobs--;
		s->need_sample = true;
	}
	return pending;
}

char *bxui_self_path(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

int bxui_run_program(struct bxui_screen *s, const char *path, char *const argv[], bool hold)
{
	struct sigaction ign = {0}, old[N_ELEMENTS(quit_signals)];
	int status = 0;

	def_prog_mode();
	endwin();
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		child_signals_default();
		execv(path, argv);
		fprintf(stderr, "boxlab: cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	/* Ctrl-C on the terminal is for the command now, not for us. */
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	for (size_t i = 0; i < N_ELEMENTS(quit_signals); i++)
		sigaction(quit_signals[i], &ign, &old[i]);
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	int code = pid < 0 ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (hold && pid > 0) {
		/* The terminal is the shell's again (cooked, echo): its last
		 * lines stay until the user has read them. */
		char c;
		printf("\n[%s: exit code %d. Press Enter to go back to the dashboard]", argv[0], code);
		fflush(stdout);
		while (read(STDIN_FILENO, &c, 1) == 1 && c != '\n')
			;
	}
	for (size_t i = 0; i < N_ELEMENTS(quit_signals); i++)
		sigaction(quit_signals[i], &old[i], NULL);
	reset_prog_mode();
	/* What the command printed is on the screen; curses does not know:
	 * repaint every cell. */
	clearok(curscr, TRUE);
	s->need_redraw = true;
	s->need_sample = true;
	if (pid < 0) {
		bxui_message(s, true, "cannot fork: %s", strerror(errno));
		return -1;
	}
	return code;
}

int bxui_run_foreground(struct bxui_screen *s, char *const argv[])
{
	cleanup_free char **v = boxlab_argv(argv);
	return bxui_run_program(s, "/proc/self/exe", v, false);
}

/* ---- frame ---- */

static void draw_header(struct bxui_screen *s, const struct bxui_panel *top)
{
	size_t running = 0, paused = 0;
	char left[256], right[64];
	for (size_t i = 0; i < s->snap.n; i++) {
		running += s->snap.c[i].status == BX_RUNNING;
		paused += s->snap.c[i].status == BX_PAUSED;
	}
	snprintf(left, sizeof left, " boxlab dash %s %s %s %zu container%s, %zu running, %zu paused", s->g->vline,
		 top->klass->name, s->g->vline, s->snap.n, s->snap.n == 1 ? "" : "s", running, paused);
	if (s->opt->interval_ms % 1000)
		snprintf(right, sizeof right, "every %.1fs ", (double)s->opt->interval_ms / 1000);
	else
		snprintf(right, sizeof right, "every %lds ", s->opt->interval_ms / 1000);
	char line[512];
	bxui_pad(line, sizeof line, left, s->cols, false, s->g);
	bxui_put(s, 0, 0, s->cols, BXUI_C_HEADER, line);
	int rw = (int)bxui_width(right);
	if ((int)bxui_width(left) + rw + 1 <= s->cols)
		bxui_put(s, 0, s->cols - rw, rw, BXUI_C_HEADER, right);
}

static void draw_status(struct bxui_screen *s, int y)
{
	struct bxui_prompt *p = &s->prompt;
	if (p->active) {
		int x = bxui_put(s, y, 0, s->cols, BXUI_C_TITLE, p->label);
		x += bxui_put(s, y, x, s->cols - x, BXUI_C_NORMAL, " ");
		/* The end of a long text, where the typing is. */
		const char *t = p->text;
		int room = s->cols - x - 1;
		while ((int)bxui_width(t) > room && *t)
			t++;
		x += bxui_put(s, y, x, s->cols - x, BXUI_C_NORMAL, t);
		move(y, x < s->cols ? x : s->cols - 1);
		return;
	}
	if (s->msg[0] && bx_now_us() < s->msg_until) {
		bxui_put(s, y, 0, s->cols, s->msg_err ? BXUI_C_ERROR : BXUI_C_OK, s->msg);
		return;
	}
	s->msg[0] = '\0';
}

static void draw_fkeys(struct bxui_screen *s, int y, const struct bxui_fkey *f)
{
	int x = 0;
	for (; f && f->key && x < s->cols; f++) {
		/* "F1Help " as htop has it: 80 columns hold all eleven. */
		char label[32];
		snprintf(label, sizeof label, "%s ", f->label);
		x += bxui_put(s, y, x, s->cols - x, BXUI_C_FKEY, f->key);
		x += bxui_put(s, y, x, s->cols - x, BXUI_C_FLABEL, label);
	}
}

struct bench {
	uint64_t frames, draw_sum, draw_max, samples, sample_sum, containers;
};

static void draw_frame(struct bxui_screen *s, struct bench *b)
{
	uint64_t t0 = bx_now_us();
	erase();
	curs_set(0);
	if (s->rows < 10 || s->cols < 40) {
		bxui_put(s, 0, 0, s->cols, BXUI_C_NORMAL, "boxlab dash: the terminal is too small (40x10 at least)");
	} else {
		struct bxui_panel *top = s->stack[s->depth - 1];
		int base = s->depth - 1;
		while (base > 0 && s->stack[base]->klass->overlay)
			base--;
		draw_header(s, top);
		for (int i = base; i < s->depth; i++)
			bxui_panel_draw(s->stack[i]);
		draw_fkeys(s, s->rows - 1, top->klass->fkeys);
		draw_status(s, s->rows - 2);
		if (s->prompt.active)
			curs_set(1);
	}
	wnoutrefresh(stdscr);
	doupdate();
	uint64_t d = bx_now_us() - t0;
	b->frames++;
	b->draw_sum += d;
	if (d > b->draw_max)
		b->draw_max = d;
	s->need_redraw = false;
}

/* Lay the panels out for LINES x COLS. */
static void relayout(struct bxui_screen *s)
{
	s->rows = LINES;
	s->cols = COLS;
	for (int i = 0; i < s->depth; i++)
		layout(s, s->stack[i]);
	s->need_redraw = true;
}

/* SIGWINCH: tell curses the new size.  resizeterm() queues a KEY_RESIZE
 * when the size changed; getch() hands that back, and only the layout
 * follows (calling resizeterm() again for it would loop). */
static void resize(struct bxui_screen *s)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0 &&
	    (ws.ws_row != LINES || ws.ws_col != COLS))
		resizeterm(ws.ws_row, ws.ws_col);
	relayout(s);
}

static void do_sample(struct bxui_screen *s, struct bench *b)
{
	bxui_sample(&s->sampler, &s->snap);
	b->samples++;
	b->sample_sum += s->snap.sample_us;
	b->containers = s->snap.n;
	for (int i = 0; i < s->depth; i++)
		if (s->stack[i]->klass->on_sample)
			s->stack[i]->klass->on_sample(s->stack[i]);
	s->need_sample = false;
	s->need_redraw = true;
}

/* Keys every panel shares, tried when the panel ignores one. */
static bxui_result global_key(struct bxui_screen *s, int ch)
{
	switch (ch) {
	case 'q':
	case KEY_F(10):
		return BXUI_QUIT;
	case '?':
	case 'h':
	case KEY_F(1):
		if (strcmp(s->stack[s->depth - 1]->klass->name, "Help"))
			bxui_push(s, bxui_help_new(s));
		return BXUI_REDRAW;
	case BXUI_KEY_ESC:
	case KEY_BACKSPACE:
		return s->depth > 1 ? BXUI_CLOSE | BXUI_REDRAW : BXUI_HANDLED;
	case BXUI_CTRL('l'):
		clearok(curscr, TRUE);
		return BXUI_REDRAW;
	case 'L': /* the lesson panel, from anywhere */
		if (strcmp(s->stack[s->depth - 1]->klass->name, "Lesson"))
			bxui_push(s, bxui_lesson_new(s));
		return BXUI_REDRAW;
	default:
		return BXUI_HANDLED;
	}
}

/* Returns false when the dashboard should end. */
static bool handle_key(struct bxui_screen *s, int ch)
{
	if (ch == KEY_RESIZE) {
		relayout(s);
		return true;
	}
	if (s->prompt.active) {
		prompt_key(s, ch);
		return true;
	}
	struct bxui_panel *top = s->stack[s->depth - 1];
	bxui_result r = bxui_panel_event(top, ch);
	if (r & BXUI_IGNORED)
		r = global_key(s, ch);
	if (r & BXUI_QUIT)
		return false;
	if (r & BXUI_CLOSE)
		pop_panel(s, top);
	if (r & (BXUI_REDRAW | BXUI_CLOSE))
		s->need_redraw = true;
	if (r & BXUI_RESCAN)
		s->need_sample = true;
	return true;
}

/* Returns false on a quit signal. */
static bool handle_signals(struct bxui_screen *s)
{
	unsigned char sigs[64];
	ssize_t n = read(sig_pipe[0], sigs, sizeof sigs);
	for (ssize_t i = 0; i < n; i++) {
		if (sigs[i] == SIGWINCH)
			resize(s);
		else
			return false;
	}
	return true;
}

static void screen_done(struct bxui_screen *s)
{
	while (s->depth > 0) {
		struct bxui_panel *p = s->stack[--s->depth];
		bxui_panel_destroy(p);
	}
	for (size_t i = 0; i < s->njobs; i++) {
		close(s->jobs[i].fd); /* they finish on their own */
		if (s->jobs[i].err_fd >= 0)
			close(s->jobs[i].err_fd);
		free(s->jobs[i].out);
	}
	bxui_snapshot_free(&s->snap);
	bxui_sampler_free(&s->sampler);
	free(s->selected);
}

int bxui_dash_run(const struct bxui_options *opt, bx_err_t *err)
{
	struct bxui_screen scr = {.opt = opt};
	struct bxui_screen *s = &scr;
	struct bench b = {0};

	/* The user's locale for the terminal's character set, C for
	 * numbers (a "," decimal point would break the columns). */
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");
	s->g = bxui_glyphs_for(nl_langinfo(CODESET));

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return bx_usage_error(err, "boxlab dash needs a terminal on stdin and stdout "
				      "(use 'boxlab ps' or 'boxlab stats' in scripts)");
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return bx_make_error(err, errno, "cannot create the signal pipe");
	/* Ours before curses starts: ncurses then leaves SIGINT, SIGTERM
	 * and SIGWINCH to us (it only takes signals still at default). */
	install_signals(true);
	SCREEN *term = newterm(NULL, stdout, stdin);
	if (!term) {
		install_signals(false);
		close(sig_pipe[0]);
		close(sig_pipe[1]);
		const char *t = getenv("TERM");
		return bx_make_error(err, 0, "cannot use the terminal: no terminfo entry for TERM=%s", t ? t : "(unset)");
	}
	set_term(term);
	curses_on = true;
	atexit(restore_terminal);
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	setup_colors(s);
	s->rows = LINES;
	s->cols = COLS;

	bxui_push(s, bxui_list_new(s));
	do_sample(s, &b);
	uint64_t next = bx_now_us() + (uint64_t)opt->interval_ms * 1000;
	bool running = true;
	while (running) {
		if (s->need_redraw)
			draw_frame(s, &b);
		if (opt->bench_frames > 0 && (long)b.frames >= opt->bench_frames)
			break;

		bool pending = jobs_reap(s);
		uint64_t now = bx_now_us();
		int timeout = now >= next ? 0 : (int)((next - now + 999) / 1000);
		if (pending && timeout > 50)
			timeout = 50;
		if (s->msg[0] && s->msg_until > now && s->msg_until != UINT64_MAX &&
		    (uint64_t)timeout * 1000 > s->msg_until - now)
			timeout = (int)((s->msg_until - now) / 1000) + 1;

		struct pollfd pf[2 + BXUI_MAX_JOBS];
		nfds_t n = 0;
		pf[n++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
		pf[n++] = (struct pollfd){.fd = sig_pipe[0], .events = POLLIN};
		for (size_t i = 0; i < s->njobs; i++)
			pf[n++] = (struct pollfd){.fd = s->jobs[i].eof ? -1 : s->jobs[i].fd, .events = POLLIN};
		int r = poll(pf, n, timeout);
		if (r < 0 && errno != EINTR) {
			bx_make_error(err, errno, "poll");
			break;
		}
		if (r > 0 && (pf[1].revents & POLLIN) && !handle_signals(s))
			break;
		for (size_t i = 0; r > 0 && i < s->njobs; i++)
			if (pf[2 + i].revents)
				job_read(&s->jobs[i]);
		if (r > 0 && (pf[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			int ch;
			while (running && (ch = getch()) != ERR)
				running = handle_key(s, ch);
			/* The terminal went away (SIGHUP may come later). */
			if (pf[0].revents & (POLLHUP | POLLERR))
				running = false;
		}
		now = bx_now_us();
		if (s->msg[0] && now >= s->msg_until)
			s->need_redraw = true;
		if (now >= next || s->need_sample) {
			do_sample(s, &b);
			if (now >= next)
				next = now + (uint64_t)opt->interval_ms * 1000;
		}
	}

	screen_done(s);
	/* A terminal without an alternate screen (vt100) keeps what was
	 * drawn: leave it blank for the shell, not a dead dashboard. */
	erase();
	refresh();
	endwin();
	curses_on = false;
	delscreen(term);
	install_signals(false);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	if (opt->bench_frames > 0 && b.frames)
		fprintf(stderr,
			"boxlab dash: %" PRIu64 " frames, draw mean %.3f ms, max %.3f ms; %" PRIu64
			" samples of %" PRIu64 " containers, mean %.3f ms\n",
			b.frames, (double)b.draw_sum / (double)b.frames / 1000, (double)b.draw_max / 1000, b.samples,
			b.containers, b.samples ? (double)b.sample_sum / (double)b.samples / 1000 : 0);
	return *err ? -1 : 0;
}
