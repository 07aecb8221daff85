/* Running attack jobs: plant the canary, start `boxlab run` with the
 * attack program, follow what it prints (HOLD: look at it, READY: do
 * what it waits for), judge from the host, clean up.  Up to `parallel`
 * jobs at once in one poll loop; an exclusive job (it measures CPU) runs
 * alone.  ^C or a timeout still cleans everything up. */
#include "attack/attack.h"
#include "cli/cli.h"
#include "core/image.h"
#include "core/proc.h"
#include "core/spec.h"
#include "core/state.h"
#include "modules/module.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define JOB_TIMEOUT_US (30 * 1000000ULL)
#define ATTACK_DIR "/usr/lib/boxlab/attacks"

struct slot {
	struct bx_atk_job *job;
	pid_t pid;
	int pidfd, out, in;
	char buf[8192];
	size_t len;
	uint64_t start, deadline;
	bool out_eof, exited, killed;
};

static void append(char **s, const char *sep, const char *add, size_t max)
{
	if (*s && strlen(*s) > max)
		return;
	char *n = *s ? xasprintf("%s%s%s", *s, sep, add) : xstrdup(add);
	free(*s);
	*s = n;
}

static bool rootfs_on(char **flags)
{
	struct bx_spec s;
	bx_err_t e = NULL;
	char **argv = strv_dup(flags);
	strv_push(&argv, "busybox");
	bx_spec_init(&s);
	int i = bx_module_index("rootfs");
	bool on = bx_spec_parse_args(&s, (int)strv_len(argv), argv, &e) == 0 && i >= 0 && s.modules[i];
	bx_error_release(&e);
	bx_spec_free(&s);
	strv_free(argv);
	return on;
}

static void job_fail(struct bx_atk_job *j, bx_err_t *e)
{
	if (!j->error)
		j->error = xstrdup((*e)->msg);
	bx_error_release(e);
}

/* Everything before the container: the run's dir, scratch, canary. */
static int job_prepare(struct bx_atk_job *j, const char *image_root, bx_err_t *err)
{
	struct bx_atk_run *r = &j->run;
	const struct bx_attack *a = j->atk;
	r->atk = a;
	r->canary_fd = r->fd = r->shmid = -1;
	bx_atk_random_hex(r->nonce, 10);
	bx_atk_random_hex(r->secret, 32);
	snprintf(r->comm, sizeof r->comm, "bxa%s", r->nonce);
	r->name = xasprintf("atk-%s", r->nonce);
	cleanup_free char *base = xasprintf("%s/attacks", bx_lib_dir());
	if (bx_mkdir_p(base, 0711, err) < 0)
		return -1;
	r->dir = xasprintf("%s/%s", base, r->nonce);
	if (mkdir(r->dir, 0711) < 0)
		return bx_make_error(err, errno, "cannot create %s", r->dir);
	chmod(r->dir, 0711);
	/* The attack's limits first: a limit switches its module on, and a
	 * later --no-MODULE of the job must still win.  --isolation=none is
	 * applied before any flag, so "none" also names every module. */
	for (size_t i = 0; a->run_flags && a->run_flags[i]; i++)
		strv_push(&r->run_flags, a->run_flags[i]);
	for (size_t i = 0; j->flags && j->flags[i]; i++) {
		strv_push(&r->run_flags, j->flags[i]);
		if (a->run_flags && !strcmp(j->flags[i], "--isolation=none"))
			for (size_t m = 0; bx_modules[m]; m++) {
				cleanup_free char *no = xasprintf("--no-%s", bx_modules[m]->name);
				strv_push(&r->run_flags, no);
			}
	}
	r->rootfs = rootfs_on(r->run_flags);
	if (r->rootfs) {
		r->scratch = xstrdup("/tmp");
	} else {
		/* Like /tmp: container root of any uid mapping writes here. */
		r->scratch = xasprintf("%s/scratch", r->dir);
		r->host_scratch = xstrdup(r->scratch);
		if (mkdir(r->scratch, 01777) < 0 || chmod(r->scratch, 01777) < 0)
			return bx_make_error(err, errno, "cannot create %s", r->scratch);
	}
	(void)image_root;
	return a->plant ? a->plant(r, err) : 0;
}

static char **job_argv(struct bx_atk_job *j, const char *image_root)
{
	struct bx_atk_run *r = &j->run;
	char **v = NULL;
	strv_push(&v, "boxlab");
	strv_push(&v, "run");
	strv_push(&v, "--rm");
	strv_push(&v, "-i");
	strv_push(&v, "--name");
	strv_push(&v, r->name);
	for (size_t i = 0; r->run_flags && r->run_flags[i]; i++)
		strv_push(&v, r->run_flags[i]);
	strv_push(&v, "busybox");
	cleanup_free char *bin = r->rootfs ? xasprintf(ATTACK_DIR "/%s", j->atk->name)
					   : xasprintf("%s" ATTACK_DIR "/%s", image_root, j->atk->name);
	strv_push(&v, bin);
	strv_push(&v, r->nonce);
	strv_push(&v, r->scratch);
	for (size_t i = 0; r->args && r->args[i]; i++)
		strv_push(&v, r->args[i]);
	return v;
}

static int slot_start(struct slot *s, const char *image_root, const sigset_t *oldmask, bx_err_t *err)
{
	struct bx_atk_job *j = s->job;
	int out[2] = {-1, -1}, in[2] = {-1, -1};
	s->pid = 0;
	s->pidfd = s->out = s->in = -1;
	if (pipe2(out, O_CLOEXEC) < 0 || (!j->atk->stdin_pty && pipe2(in, O_CLOEXEC) < 0)) {
		int e = errno;
		for (int i = 0; i < 2; i++) {
			if (out[i] >= 0)
				close(out[i]);
			if (in[i] >= 0)
				close(in[i]);
		}
		return bx_make_error(err, e, "cannot create pipes");
	}
	cleanup_strv char **argv = job_argv(j, image_root);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(out[0]);
		close(out[1]);
		if (in[0] >= 0) {
			close(in[0]);
			close(in[1]);
		}
		return bx_make_error(err, e, "cannot fork");
	}
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, oldmask, NULL);
		dup2(j->atk->stdin_pty ? j->run.fd : in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		syscall(SYS_close_range, 3, ~0U, 0);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(out[1]);
	if (in[0] >= 0)
		close(in[0]);
	s->pid = pid;
	s->out = out[0];
	s->in = in[1];
	fcntl(s->out, F_SETFL, O_NONBLOCK);
	s->pidfd = bx_pidfd_open(pid);
	s->start = bx_now_us();
	s->deadline = s->start + JOB_TIMEOUT_US;
	return 0;
}

static void on_line(struct slot *s, char *line)
{
	struct bx_atk_run *r = &s->job->run;
	const struct bx_attack *a = s->job->atk;
	if (!strncmp(line, "CLAIM ", 6)) {
		append(&r->claim, "; ", line + 6, 2048);
	} else if (!strncmp(line, "DATA ", 5)) {
		if (!r->data)
			r->data = xstrdup(line + 5);
	} else if (!strcmp(line, "HOLD")) {
		r->held = true;
		if (a->observe)
			a->observe(r);
		if (s->in >= 0) {
			close(s->in);
			s->in = -1;
		}
	} else if ((!strncmp(line, "READY", 5) || !strncmp(line, "GOT", 3)) && a->ready) {
		a->ready(r, line);
	} else {
		append(&r->log, "\n", line, 4096);
	}
}

static void slot_read(struct slot *s)
{
	for (;;) {
		ssize_t n = read(s->out, s->buf + s->len, sizeof s->buf - 1 - s->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return; /* EAGAIN */
		if (n == 0) {
			s->out_eof = true;
			if (s->len) {
				s->buf[s->len] = '\0';
				on_line(s, s->buf);
				s->len = 0;
			}
			return;
		}
		s->len += n;
		char *nl;
		while ((nl = memchr(s->buf, '\n', s->len))) {
			*nl = '\0';
			on_line(s, s->buf);
			size_t used = nl + 1 - s->buf;
			memmove(s->buf, nl + 1, s->len - used);
			s->len -= used;
		}
		if (s->len == sizeof s->buf - 1) { /* a line too long: take it as is */
			s->buf[s->len] = '\0';
			on_line(s, s->buf);
			s->len = 0;
		}
	}
}

static void describe_exit(struct bx_atk_run *r)
{
	if (r->claim)
		return;
	int st = r->status;
	if (WIFEXITED(st) && WEXITSTATUS(st) > 128)
		r->claim = xasprintf("none: the attack was killed by %s", strsignal(WEXITSTATUS(st) - 128));
	else if (WIFEXITED(st))
		r->claim = xasprintf("none: the attack printed nothing (exit %d)", WEXITSTATUS(st));
	else
		r->claim = xstrdup("none: boxlab run was killed");
}

/* The container is gone: judge, clean up.  -1 when host state could not
 * be restored (fatal for the whole command). */
static int slot_finish(struct slot *s, bx_err_t *err)
{
	struct bx_atk_job *j = s->job;
	struct bx_atk_run *r = &j->run;
	int ret = 0;
	j->ms = (bx_now_us() - s->start) / 1000;
	if (s->in >= 0)
		close(s->in);
	close(s->out);
	if (s->pidfd >= 0)
		close(s->pidfd);
	int code = WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1;
	bool said = r->claim || r->data || r->held;
	if (s->killed) {
		j->error = xasprintf("%s timed out after %llu s", j->atk->name, JOB_TIMEOUT_US / 1000000);
	} else if (!said && (code == BX_EXIT_RUNTIME || code == BX_EXIT_CANNOT_EXEC || code == BX_EXIT_NOT_FOUND)) {
		const char *last = r->log ? strrchr(r->log, '\n') : NULL;
		j->error = xasprintf("%s: the container did not start: %s", j->atk->name,
				     last ? last + 1 : r->log ? r->log : "no output");
	} else {
		describe_exit(r);
		if (j->atk->judge)
			j->atk->judge(r);
	}
	/* --rm removed the container; a run killed on timeout may not have. */
	cleanup_free char *sd = bx_state_path(r->name, "");
	bx_err_t e = NULL;
	if (access(sd, F_OK) == 0 && bx_cli_cleanup(r->name, &e) < 0)
		job_fail(j, &e);
	if (j->atk->cleanup && j->atk->cleanup(r, &e) < 0) {
		bx_make_error(err, 0, "%s: host state not restored: %s", j->atk->name, e->msg);
		bx_error_release(&e);
		ret = -1;
	}
	if (r->dir && bx_rm_rf(r->dir, &e) < 0) {
		if (ret == 0)
			bx_make_error(err, 0, "%s: cannot remove its canaries: %s", j->atk->name, e->msg);
		bx_error_release(&e);
		ret = -1;
	}
	return ret;
}

static bool can_start(const struct bx_atk_job *j, size_t active, bool exclusive_running)
{
	if (exclusive_running)
		return false;
	return !j->atk->exclusive || active == 0;
}

int bx_atk_run_jobs(struct bx_atk_job *jobs, size_t n, int parallel, bx_err_t *err)
{
	struct bx_image img = {0};
	bx_err_t e = NULL;
	int ret = 0;
	if (bx_image_resolve("busybox", &img, err) < 0)
		return bx_error_wrap(err, "the attacks run in the built-in image");
	if (parallel < 1)
		parallel = 1;
	struct slot *slots = xzalloc(sizeof *slots * parallel);
	size_t active = 0, next = 0;
	bool *started = xzalloc(n);
	sigset_t mask, old;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, &old);
	int sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	bool interrupted = false;

	for (;;) {
		/* Start what may start: plain jobs first, exclusive alone. */
		bool excl = false;
		for (int k = 0; k < parallel; k++)
			if (slots[k].job && slots[k].job->atk->exclusive)
				excl = true;
		for (size_t i = 0; !interrupted && i < n && (int)active < parallel; i++) {
			if (started[i])
				continue;
			bool plain_left = false;
			for (size_t q = 0; q < n; q++)
				if (!started[q] && !jobs[q].atk->exclusive)
					plain_left = true;
			if (jobs[i].atk->exclusive && plain_left)
				continue;
			if (!can_start(&jobs[i], active, excl))
				break;
			started[i] = true;
			struct bx_atk_job *j = &jobs[i];
			char why[256];
			if (j->atk->available && !j->atk->available(why, sizeof why)) {
				j->run.atk = j->atk;
				j->run.canary_fd = j->run.fd = j->run.shmid = -1;
				j->run.verdict = BX_NA;
				j->run.evidence = xstrdup(why);
				j->run.claim = xstrdup("not run");
				continue;
			}
			int k = 0;
			while (slots[k].job)
				k++;
			slots[k].job = j;
			slots[k].pid = 0;
			slots[k].out = slots[k].in = slots[k].pidfd = -1;
			slots[k].len = 0;
			slots[k].out_eof = slots[k].exited = slots[k].killed = false;
			if (job_prepare(j, img.rootfs, &e) < 0 || slot_start(&slots[k], img.rootfs, &old, &e) < 0) {
				job_fail(j, &e);
				if (j->atk->cleanup && j->atk->cleanup(&j->run, &e) < 0) {
					if (ret == 0)
						bx_make_error(err, 0, "%s: host state not restored: %s", j->atk->name, e->msg);
					bx_error_release(&e);
					ret = -1;
				}
				if (j->run.dir)
					bx_rm_rf(j->run.dir, &e);
				bx_error_release(&e);
				if (slots[k].out >= 0)
					close(slots[k].out);
				if (slots[k].in >= 0)
					close(slots[k].in);
				slots[k].job = NULL;
				continue;
			}
			active++;
			if (j->atk->exclusive)
				excl = true;
		}
		if (!active && (interrupted || next >= n)) {
			bool left = false;
			for (size_t i = 0; i < n; i++)
				left |= !started[i];
			if (!left || interrupted)
				break;
		}
		next = 0;
		for (size_t i = 0; i < n; i++)
			next += started[i];

		struct pollfd p[64];
		int np = 0;
		p[np++] = (struct pollfd){.fd = sigfd, .events = POLLIN};
		for (int k = 0; k < parallel; k++) {
			if (!slots[k].job)
				continue;
			p[np++] = (struct pollfd){.fd = slots[k].out_eof ? -1 : slots[k].out, .events = POLLIN};
			p[np++] = (struct pollfd){.fd = slots[k].exited ? -1 : slots[k].pidfd, .events = POLLIN};
		}
		poll(p, np, 20);
		struct signalfd_siginfo si;
		if (read(sigfd, &si, sizeof si) == sizeof si)
			interrupted = true;
		uint64_t now = bx_now_us();
		for (int k = 0; k < parallel; k++) {
			struct slot *s = &slots[k];
			if (!s->job)
				continue;
			if (!s->out_eof)
				slot_read(s);
			if (!s->exited && waitpid(s->pid, &s->job->run.status, WNOHANG) == s->pid)
				s->exited = true;
			if (s->job->atk->tick && !s->exited)
				s->job->atk->tick(&s->job->run, now);
			if (!s->exited && (now > s->deadline || interrupted) && !s->killed) {
				s->killed = true;
				kill(s->pid, SIGTERM);
				s->deadline = now + 2000000;
			} else if (!s->exited && s->killed && now > s->deadline) {
				kill(s->pid, SIGKILL);
			}
			if (s->exited && (s->out_eof || s->killed)) {
				if (slot_finish(s, &e) < 0) {
					if (ret == 0) {
						*err = e;
						e = NULL;
					}
					bx_error_release(&e);
					ret = -1;
				}
				s->job = NULL;
				active--;
			}
		}
	}
	if (sigfd >= 0)
		close(sigfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(slots);
	free(started);
	bx_image_free(&img);
	if (ret == 0 && interrupted)
		return bx_make_error(err, EINTR, "interrupted: every canary was removed");
	return ret;
}

void bx_atk_job_free(struct bx_atk_job *j)
{
	struct bx_atk_run *r = &j->run;
	strv_free(j->flags);
	free(j->error);
	free(r->name);
	free(r->dir);
	free(r->scratch);
	free(r->host_scratch);
	strv_free(r->args);
	strv_free(r->run_flags);
	free(r->path);
	free(r->claim);
	free(r->data);
	free(r->log);
	free(r->seen_what);
	free(r->evidence);
	memset(j, 0, sizeof *j);
}
