#include "core/supervise.h"
#include "core/proc.h"
#include "core/state.h"
#include "core/timeline.h"
#include "core/times.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "util/json.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

bool bx_restart_wanted(const struct bx_supervise_conf *c, int code, unsigned restarts, bool stopped)
{
	if (stopped)
		return false;
	switch (c->restart) {
	case BX_RESTART_ON_FAILURE:
		return code != 0 && (!c->restart_max || restarts < c->restart_max);
	case BX_RESTART_ALWAYS:
	case BX_RESTART_UNLESS_STOPPED:
		return true;
	default:
		return false;
	}
}

int64_t bx_restart_delay(int64_t prev, int64_t ran)
{
	if (!prev || ran >= BX_BACKOFF_RESET_NS)
		return BX_BACKOFF_FIRST_NS;
	return prev * 2 > BX_BACKOFF_MAX_NS ? BX_BACKOFF_MAX_NS : prev * 2;
}

void bx_supervise_request_stop(const struct bx_state *st)
{
	cleanup_free char *path = bx_state_path(st->name, "stopped");
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	/* Waiting out a backoff there is no init to signal: wake the
	 * supervisor itself (its signalfd reads SIGTERM as "stop"). */
	if (st->status == BX_RESTARTING && bx_state_supervisor_alive(st)) {
		cleanup_close int pfd = bx_pidfd_open(st->supervisor);
		if (pfd >= 0 && bx_state_supervisor_alive(st))
			syscall(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 0);
	}
}

bool bx_supervise_stop_requested(const char *name)
{
	cleanup_free char *path = bx_state_path(name, "stopped");
	return access(path, F_OK) == 0;
}

bool bx_health_step(struct bx_health *h, bool ok, bool in_start_period, unsigned retries)
{
	char old[sizeof h->status];
	memcpy(old, h->status, sizeof old);
	if (ok) {
		h->streak = 0;
		snprintf(h->status, sizeof h->status, "healthy");
	} else if (!in_start_period) {
		h->streak++;
		if (h->streak >= retries)
			snprintf(h->status, sizeof h->status, "unhealthy");
	}
	return strcmp(old, h->status) != 0;
}

void bx_health_status(const char *name, char *buf, size_t len)
{
	cleanup_free char *path = bx_state_path(name, "health.json");
	json_t *o = bx_json_load(path, NULL);
	const char *s = json_string_value(json_object_get(o, "status"));
	snprintf(buf, len, "%s", s ? s : "");
	json_decref(o);
}

/* One check: boxlab exec NAME sh -c CMD, output captured, killed at the
 * timeout (TERM, which exec forwards to the command, then KILL). */
static int run_check(const struct bx_spec *spec, char *out, size_t outlen, int *code)
{
	int p[2];
	size_t n = 0;
	out[0] = '\0';
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execl("/proc/self/exe", "boxlab", "exec", spec->name, "sh", "-c", spec->sup.health_cmd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	cleanup_close int pfd = bx_pidfd_open(pid);
	int64_t deadline = bx_realtime_ns() + spec->sup.health_timeout_ns;
	bool timed_out = false, term_sent = false;
	for (;;) {
		int64_t left = deadline - bx_realtime_ns();
		struct pollfd fds[2] = {{.fd = pfd, .events = POLLIN}, {.fd = p[0], .events = POLLIN}};
		int nf = p[0] >= 0 ? 2 : 1;
		if (left <= 0) {
			timed_out = true;
			syscall(SYS_pidfd_send_signal, pfd, term_sent ? SIGKILL : SIGTERM, NULL, 0);
			deadline = bx_realtime_ns() + 1000000000LL; /* a second's grace, then KILL */
			term_sent = true;
			continue;
		}
		if (poll(fds, nf, (int)(left / 1000000) + 1) < 0 && errno != EINTR)
			break;
		if (nf == 2 && fds[1].revents) {
			char buf[512];
			ssize_t k = read(p[0], buf, sizeof buf);
			if (k <= 0) {
				close(p[0]);
				p[0] = -1;
			} else if (n + 1 < outlen) {
				size_t take = (size_t)k < outlen - 1 - n ? (size_t)k : outlen - 1 - n;
				memcpy(out + n, buf, take);
				n += take;
				out[n] = '\0';
			}
		}
		if (fds[0].revents)
			break;
	}
	if (p[0] >= 0)
		close(p[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	*code = timed_out ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 0;
}

static void save(const char *name, const struct bx_health *h, int code, const char *out, int64_t start,
		 int64_t end)
{
	char b1[40], b2[40];
	bx_format_rfc3339nano(start, b1, sizeof b1);
	bx_format_rfc3339nano(end, b2, sizeof b2);
	json_t *o = json_pack("{s:s, s:i, s:{s:s, s:s, s:i, s:s}}", "status", h->status, "failing_streak",
			      (int)h->streak, "last", "start", b1, "end", b2, "exit_code", code, "output", out);
	cleanup_free char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	cleanup_free char *path = bx_state_path(name, "health.json");
	bx_err_t tmp = NULL;
	if (text && bx_write_file_atomic(path, text, strlen(text), &tmp) < 0)
		bx_error_release(&tmp);
	json_decref(o);
}

static void sleep_ns(int64_t ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void __attribute__((noreturn)) monitor(const struct bx_spec *spec, struct bx_timeline *tl)
{
	struct bx_health h = {.status = "starting"};
	const struct bx_supervise_conf *c = &spec->sup;
	int64_t started = bx_realtime_ns();
	char out[1024];

	bx_proc_title("boxlab-health");
	save(spec->name, &h, 0, "", started, started);
	char every[32];
	bx_format_duration(c->health_interval_ns, every, sizeof every);
	bx_tl_event(tl, "health", "health", 0, "starting: sh -c '%s' every %s", c->health_cmd, every);
	for (;;) {
		sleep_ns(c->health_interval_ns);
		/* A frozen container cannot answer: no check, no verdict. */
		struct bx_state st;
		bx_err_t tmp = NULL;
		bool paused = bx_state_read(spec->name, &st, &tmp) == 0 && st.status == BX_PAUSED;
		bx_error_release(&tmp);
		bx_state_free(&st);
		if (paused)
			continue;
		int code = -1;
		int64_t t0 = bx_realtime_ns();
		if (run_check(spec, out, sizeof out, &code) < 0)
			snprintf(out, sizeof out, "cannot run the check: %s", strerror(errno));
		int64_t t1 = bx_realtime_ns();
		if (code == -1 && !out[0])
			snprintf(out, sizeof out, "timed out");
		bool changed = bx_health_step(&h, code == 0, t1 - started < c->health_start_ns, c->health_retries);
		save(spec->name, &h, code, out, t0, t1);
		if (changed) {
			out[strcspn(out, "\n")] = '\0';
			bx_tl_event(tl, "health", "health", 0, "%s (exit %d%s%.200s)", h.status, code,
				    out[0] ? ": " : "", out);
		}
	}
}

pid_t bx_health_start(const struct bx_spec *spec, struct bx_timeline *tl)
{
	if (!spec->sup.health_cmd)
		return 0;
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid != 0)
		return pid < 0 ? 0 : pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	/* Default signal handling (the supervisor blocks the ones it
	 * relays) and nothing of the supervisor's but the timeline. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (tl && tl->fd >= 0 && tl->fd != 3) {
		dup2(tl->fd, 3);
		fcntl(3, F_SETFD, FD_CLOEXEC);
		tl->fd = 3;
	}
	syscall(SYS_close_range, tl && tl->fd >= 0 ? 4 : 3, ~0U, 0);
	monitor(spec, tl);
}

void bx_health_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL); /* our own child, not reaped yet: the pid is still ours */
	waitpid(pid, NULL, 0);
}
