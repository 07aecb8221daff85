/* From a spec to a running process tree and back.
 *
 *   prepare (parent) -> clone3 -> parent_setup (parent, child waits)
 *   -> GO -> child_setup (child) -> user switch -> child_finish -> exec
 *   under init -> wait -> teardown
 *
 * Every step is a timeline event with its duration; every module is
 * called only through its hooks, in registry order. */
#include "core/lifecycle.h"
#include "core/image.h"
#include "core/init.h"
#include "core/io.h"
#include "core/proc.h"
#include "core/process.h"
#include "core/spawn.h"
#include "core/logfile.h"
#include "core/state.h"
#include "core/testpoint.h"
#include "core/supervise.h"
#include "core/timeline.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <poll.h>
#include <time.h>
#include <sys/signalfd.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

void bx_box_of_state(struct bx_box *box, struct bx_spec *spec, const struct bx_state *st)
{
	memset(spec, 0, sizeof *spec);
	spec->name = st->name;
	bx_module_switches(st->modules, spec->modules);
	memset(box, 0, sizeof *box);
	box->spec = spec;
	box->name = st->name;
	box->pid = st->pid;
	box->cgroup_fd = -1;
	box->sync_fd = -1;
}

void bx_box_init(struct bx_box *box, struct bx_spec *spec)
{
	memset(box, 0, sizeof *box);
	box->spec = spec;
	box->name = spec->name;
	box->dir = bx_state_path(spec->name, NULL);
	box->sync_fd = -1;
	box->cgroup_fd = -1;
	for (size_t i = 0; bx_modules[i]; i++) {
		if (!spec->modules[i])
			continue;
		box->ns_flags |= bx_modules[i]->ns_flags;
		if (!bx_modules[i]->unshare_late)
			box->clone_flags |= bx_modules[i]->ns_flags;
	}
}

void bx_box_teardown(struct bx_box *box)
{
	for (size_t i = bx_module_count(); i-- > 0;) {
		const struct bx_module *m = bx_modules[i];
		if (box->spec->modules[i] && m->teardown) {
			uint64_t t = bx_now_us();
			m->teardown(box);
			bx_tl_event(box->tl, m->name, "teardown", t, "done");
			bx_test_stop(box->name, "teardown", m->name);
		}
	}
}

/* Run one hook of every enabled module, timing each as a timeline
 * event.  `which` picks the hook by its offset in struct bx_module. */
static int run_phase(struct bx_box *box, size_t which, const char *phase, bx_err_t *err)
{
	for (size_t i = 0; bx_modules[i]; i++) {
		const struct bx_module *m = bx_modules[i];
		int (*hook)(struct bx_box *, bx_err_t *);
		memcpy(&hook, (const char *)m + which, sizeof hook);
		if (!box->spec->modules[i] || !hook)
			continue;
		uint64_t t = bx_now_us();
		if (hook(box, err) < 0) {
			bx_tl_event(box->tl, m->name, phase, t, "failed: %s", (*err)->msg);
			return -1;
		}
		bx_tl_event(box->tl, m->name, phase, t, "ok");
		bx_test_stop(box->name, phase, m->name);
	}
	return 0;
}

#define PHASE(box, hook, err) run_phase(box, offsetof(struct bx_module, hook), #hook, err)

struct child_io {
	int in, out, err; /* what becomes the command's stdio; -1: inherit */
	int notify;       /* run -d's pipe to its caller: the supervisor's alone */
	bool tty;
	sigset_t oldmask;
	char **argv, **env;
};

/* Any change of credentials (the user namespace's setresuid, -u) clears
 * the parent-death signal: arm it again, and if the supervisor already
 * died meanwhile (its end of the sync socket is closed), go now rather
 * than run a container nobody watches. */
static void die_with_parent(int fd)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR)))
		_exit(BX_EXIT_RUNTIME);
}

static void __attribute__((noreturn)) child_main(struct bx_box *box, struct child_io *io)
{
	bx_err_t err = NULL;
	struct bx_msg m;
	int fd = box->sync_fd;

	/* Die with the supervisor, so a killed boxlab leaves no container
	 * running unsupervised (gc cleans up the rest). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Nothing of the host's may leak in through a descriptor boxlab
	 * inherited without close-on-exec (a test harness's pipe, say). */
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	bx_proc_title("boxlab-init");
	/* What says "the supervisor lives" to others must end with the
	 * supervisor, not with us: run -d's caller waits for EOF on the
	 * notify pipe, gc's quick check tries the supervisor lock. */
	if (io->notify >= 0)
		close(io->notify);
	bx_state_close_supervisor_lock();
	/* No getppid() check for a parent that died before prctl: in a new
	 * pid namespace it is always 0.  The GO read below sees its end of
	 * the socket close instead. */
	sigprocmask(SIG_SETMASK, &io->oldmask, NULL);

	if (bx_msg_recv(fd, &m, NULL) != 1 || m.type != BX_MSG_GO)
		_exit(BX_EXIT_RUNTIME);
	if (PHASE(box, child_setup, &err) < 0)
		bx_child_fail(fd, &err);
	die_with_parent(fd);

	const struct bx_spec *s = box->spec;
	if (bx_proc_workdir(s->workdir, &err) < 0)
		bx_child_fail(fd, &err);
	if (io->tty) {
		if (bx_proc_pty(fd, &err) < 0)
			bx_child_fail(fd, &err);
	} else {
		if (io->in >= 0)
			dup2(io->in, 0);
		if (io->out >= 0)
			dup2(io->out, 1);
		if (io->err >= 0)
			dup2(io->err, 2);
		/* Our own session: the terminal's ^C reaches boxlab, which
		 * forwards it once. */
		setsid();
	}
	if (s->user && bx_proc_user(s->user, &io->env, &err) < 0)
		bx_child_fail(fd, &err);
	if (PHASE(box, child_finish, &err) < 0)
		bx_child_fail(fd, &err);
	die_with_parent(fd);
	bx_tl_event(box->tl, "core", "exec", 0, "%s", io->argv[0]);

	if (!(box->clone_flags & CLONE_NEWPID))
		bx_proc_exec(fd, io->argv, io->env);

	/* We are pid 1: start the command and stay as its init. */
	sigset_t old, defaults;
	pid_t child;
	bx_init_prepare(&old);
	bx_init_forwarded(&defaults);
	if (bx_proc_spawn(io->argv, io->env, io->tty, &old, &defaults, &child, &err) < 0)
		bx_child_fail(fd, &err);
	/* init never execs, so close-on-exec never fires for it: close
	 * everything it inherited, or a waiting `run -d` never sees EOF. */
	syscall(SYS_close_range, 3, ~0U, 0);
	bx_init_loop(child);
}

int bx_box_prepare(struct bx_box *box, bx_err_t *err)
{
	return PHASE(box, prepare, err);
}

/* Relay until init exits and record the exit (not yet saved). */
static int wait_exit(struct bx_box *box, struct bx_state *st, struct bx_relay *relay)
{
	int code = bx_relay_run(relay);
	bx_relay_done(relay);

	st->status = BX_EXITED;
	st->exit_code = code;
	st->exit_signal = code > 128 ? code - 128 : 0;
	st->finished_us = bx_realtime_us();
	bx_tl_event(box->tl, "core", "exit", 0, "exit code %d%s%s", code, code > 128 ? ", killed by SIG" : "",
		    code > 128 ? bx_signal_name(code - 128) : "");
	return code;
}

/* The end: state.json says exited, or the state dir goes (--rm). */
static void finish(struct bx_box *box, struct bx_state *st)
{
	bx_err_t tmp = NULL;
	if (box->spec->rm) {
		bx_state_remove(box->spec->name, &tmp);
	} else if (bx_state_save(st, &tmp) == 0) {
		bx_test_stop(box->name, "exited", NULL);
		/* Recorded: nothing is left for gc to find. */
		bx_state_supervisor_done(box->spec->name);
	}
	if (tmp)
		bx_warn("%s", tmp->msg);
	bx_error_release(&tmp);
}

int bx_lifecycle_wait(struct bx_box *box, struct bx_state *st, struct bx_relay *relay)
{
	int code = wait_exit(box, st, relay);
	bx_test_stop(box->name, "exit", NULL);
	bx_box_teardown(box);
	finish(box, st);
	return code;
}

/* Create the state dir; a generated name that is taken (another run -d
 * picked it in the same instant) is replaced by a fresh one. */
static int create_state(struct bx_spec *spec, struct bx_state *st, bx_err_t *err)
{
	for (unsigned attempt = 0;; attempt++) {
		if (bx_state_create(spec->name, st, err) == 0)
			return 0;
		cleanup_free char *dir = bx_state_path(spec->name, NULL);
		if (!spec->name_generated || attempt >= 50 || access(dir, F_OK) < 0)
			return -1;
		bx_error_release(err);
		free(spec->name);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		spec->name = bx_name_generate((unsigned)(ts.tv_nsec ^ (getpid() + attempt) * 2654435761u));
	}
}

/* One start of the container: prepare .. exec.  On success the command
 * runs and *relay is ready to wait for it; on failure everything this
 * start made is torn down again (the state dir stays). */
static int start_once(struct bx_box *box, struct bx_state *st, struct bx_image *img, struct bx_relay *relay,
		      struct bx_logw *log, const sigset_t *mask, int notify_fd, bx_err_t *err)
{
	struct bx_spec *spec = box->spec;
	struct child_io io = {.in = -1, .out = -1, .err = -1, .notify = notify_fd};
	int sv[2] = {-1, -1}, outp[2] = {-1, -1}, errp[2] = {-1, -1};
	cleanup_close int pidfd = -1, devnull = -1;
	uint64_t t0 = bx_now_us(), t;
	int ret = -1;

	if (PHASE(box, prepare, err) < 0)
		goto fail;
	st->root_uid = box->root_uid;
	st->root_gid = box->root_gid;
	free(st->rootfs);
	st->rootfs = box->rootfs ? xstrdup(box->rootfs) : NULL;

	/* Where the command's output goes: through pipes to the relay,
	 * which stamps each line into stdout.log (core/logfile.h). */
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	io.tty = spec->tty;
	io.in = spec->interactive && !spec->detach ? -1 : devnull;
	if (!spec->tty) {
		if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
			bx_make_error(err, errno, "cannot create pipes for the container's output");
			goto fail;
		}
		io.out = outp[1];
		io.err = errp[1];
	}
	io.argv = st->command;
	io.env = bx_proc_env(img->env, spec->env, spec->hostname ? spec->hostname : spec->name, spec->tty);
	if (!spec->workdir && img->workdir)
		spec->workdir = xstrdup(img->workdir);

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		bx_make_error(err, errno, "cannot create the sync socket");
		goto fail;
	}
	bx_relay_block_signals(&io.oldmask);
	/* The mask the supervisor started with: at a restart the relayed
	 * signals are still blocked here, and the command would inherit
	 * that (and never see stop's SIGTERM). */
	io.oldmask = *mask;

	t = bx_now_us();
	struct bx_spawn sp = {
		.ns_flags = (uint64_t)box->clone_flags,
		.cgroup_fd = box->cgroup_fd,
		.join = box->cg_join,
		.n_join = box->n_cg_join,
	};
	pid_t pid = bx_spawn(&sp, &pidfd);
	box->cg_born_inside = sp.born_inside;
	if (pid < 0) {
		bx_make_error(err, errno, "cannot create the container process (clone3)");
		if (errno == EINVAL || errno == EPERM || errno == ENOSPC)
			bx_error_hint(err, "see 'boxlab check' for what this kernel supports");
		goto fail;
	}
	if (pid == 0) {
		close(sv[0]);
		box->sync_fd = sv[1];
		child_main(box, &io);
	}
	close(sv[1]);
	sv[1] = -1;
	bx_box_close_cg_join(box);
	for (int *p = &outp[1]; p; p = p == &outp[1] ? &errp[1] : NULL)
		if (*p >= 0) {
			close(*p);
			*p = -1;
		}
	box->pid = pid;
	st->pid = pid;
	st->pid_start = bx_proc_starttime(pid);
	bx_tl_event(box->tl, "core", "clone", t, "pid %d, namespaces 0x%x%s", pid, box->clone_flags,
		    box->cg_born_inside ? ", joins its v1 cgroups as its first act" : "");
	/* Recorded at once: a child that outlives a killed supervisor (its
	 * parent-death signal is cleared while it changes credentials) is
	 * then still found and killed by gc. */
	if (bx_state_save(st, err) < 0)
		goto kill_child;
	bx_test_stop(spec->name, "clone", NULL);

	if (PHASE(box, parent_setup, err) < 0)
		goto kill_child;
	if (bx_msg_send(sv[0], BX_MSG_GO, -1) < 0) {
		bx_make_error(err, errno, "the container process died before setup");
		goto kill_child;
	}
	if (bx_msg_wait_exec(sv[0], &relay->pty, &box->watches, err) < 0)
		goto kill_child;
	bx_test_stop(spec->name, "started", NULL);

	st->status = BX_RUNNING;
	st->started_us = bx_realtime_us();
	st->finished_us = 0;
	st->exit_code = -1;
	st->exit_signal = 0;
	if (bx_state_save(st, err) < 0)
		goto kill_child;
	bx_tl_event(box->tl, "core", "running", t0, "setup done, command running");

	relay->watches = &box->watches;
	relay->pidfd = steal_fd(&pidfd);
	relay->out = steal_fd(&outp[0]);
	relay->err = steal_fd(&errp[0]);
	relay->log = log;
	relay->echo = !spec->detach;
	ret = 0;
	goto out;

kill_child:
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	{
		siginfo_t si;
		waitid(P_PIDFD, pidfd, &si, WEXITED);
	}
fail:
	if (relay->pty >= 0) {
		close(relay->pty);
		relay->pty = -1;
	}
	bx_box_teardown(box);
out:
	bx_close_pair(sv);
	bx_close_pair(outp);
	bx_close_pair(errp);
	strv_free(io.env);
	return ret;
}

/* Wait out a restart's backoff; false when a stop came meanwhile (a
 * SIGTERM or SIGINT to the supervisor, or the state dir's stop file). */
static bool backoff(const char *name, int64_t ns)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	cleanup_close int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	int64_t end = (int64_t)bx_now_us() * 1000 + ns;
	for (;;) {
		if (bx_supervise_stop_requested(name))
			return false;
		int64_t left = end - (int64_t)bx_now_us() * 1000;
		if (left <= 0)
			return true;
		struct pollfd p = {.fd = sfd, .events = POLLIN};
		/* Wake at least every 100 ms to look for the stop file. */
		int ms = left / 1000000 + 1;
		if (poll(&p, sfd >= 0 ? 1 : 0, ms > 100 ? 100 : ms) > 0)
			return false;
	}
}

int bx_lifecycle_run(struct bx_spec *spec, int notify_fd, bx_err_t *err)
{
	struct bx_box box;
	struct bx_state st = {0};
	struct bx_timeline tl = {.fd = -1};
	struct bx_image img = {0};
	struct bx_relay relay;
	struct bx_logw log = {.fd = -1};
	bool created = false;
	int code = -1;
	uint64_t t0 = bx_now_us();
	int64_t delay = 0;
	sigset_t mask;

	sigprocmask(SIG_BLOCK, NULL, &mask);
	bx_relay_init(&relay);
	if (bx_image_resolve(spec->image, &img, err) < 0)
		goto fail_early;
	/* Whole from the start: state.json is written once, with the dir. */
	st.image = xstrdup(spec->image);
	st.command = strv_dup(spec->argv ? spec->argv : img.cmd);
	st.modules = bx_module_names_on(spec);
	st.status = BX_CREATED;
	st.created_us = bx_realtime_us();
	st.t0_mono_us = t0;
	st.exit_code = -1;
	st.detached = spec->detach;
	st.rm = spec->rm;
	st.tty = spec->tty;
	if (create_state(spec, &st, err) < 0)
		goto fail_early;
	created = true;
	st.name = xstrdup(spec->name);
	bx_box_init(&box, spec);
	box.image = &img;
	bx_test_stop(spec->name, "create", NULL);

	if (bx_state_save_spec(spec, err) < 0)
		goto fail;
	bx_test_stop(spec->name, "config", NULL);
	if (bx_tl_open(&tl, spec->name, t0, err) < 0)
		goto fail;
	box.tl = &tl;
	bx_tl_event(&tl, "core", "create", t0, "container %s from image %s", spec->name, spec->image);
	bx_module_off_warnings(spec, &tl);

	bx_test_stop(spec->name, "state", NULL);
	{
		cleanup_free char *logpath = bx_state_path(spec->name, "stdout.log");
		if (bx_logw_open(&log, logpath, spec->sup.log_max_size, spec->sup.log_max_files, err) < 0)
			goto fail;
	}

	if (start_once(&box, &st, &img, &relay, &log, &mask, notify_fd, err) < 0)
		goto fail;
	{
		/* With its name: a generated one may have been replaced
		 * (create_state) after the caller forked us. */
		cleanup_free char *ok = xasprintf("ok %s\n", spec->name);
		bx_notify_once(&notify_fd, ok);
	}
	bx_test_stop(spec->name, "running", NULL);
	if (spec->tty && !spec->detach) {
		if (spec->interactive)
			bx_relay_input(&relay);
		bx_relay_winsize(&relay);
	}

	/* Run, and run again while the restart policy says so. */
	for (;;) {
		pid_t health = bx_health_start(spec, &tl);
		int64_t ran = -(int64_t)bx_now_us();
		code = wait_exit(&box, &st, &relay);
		ran += (int64_t)bx_now_us();
		bx_health_stop(health);
		bx_test_stop(box.name, "exit", NULL);
		bx_box_teardown(&box);
		{
			cleanup_free char *hpath = bx_state_path(spec->name, "health.json");
			unlink(hpath);
		}
		bool stopped = bx_supervise_stop_requested(spec->name);
		if (!bx_restart_wanted(&spec->sup, code, st.restart_count, stopped)) {
			if (stopped && spec->sup.restart != BX_RESTART_NO)
				bx_tl_event(&tl, "core", "restart", 0, "stopped by the user: no restart (policy %s)",
					    spec->sup.restart == BX_RESTART_UNLESS_STOPPED ? "unless-stopped, remembered"
											   : "kept");
			break;
		}
		delay = bx_restart_delay(delay, ran * 1000);
		st.status = BX_RESTARTING;
		{
			bx_err_t tmp = NULL;
			bx_state_save(&st, &tmp);
			bx_error_release(&tmp);
		}
		bx_tl_event(&tl, "core", "restart", 0, "restart %u in %lld ms (exit code %d, ran %lld ms)",
			    st.restart_count + 1, (long long)(delay / 1000000), code, (long long)(ran / 1000));
		if (!backoff(spec->name, delay)) {
			bx_tl_event(&tl, "core", "restart", 0, "stopped during the backoff: no restart");
			st.status = BX_EXITED;
			break;
		}
		st.restart_count++;
		for (;;) {
			free(box.dir);
			free(box.rootfs);
			bx_box_init(&box, spec);
			box.image = &img;
			box.tl = &tl;
			bx_relay_init(&relay);
			bx_err_t tmp = NULL;
			uint64_t t = bx_now_us();
			if (start_once(&box, &st, &img, &relay, &log, &mask, notify_fd, &tmp) == 0) {
				bx_error_release(&tmp);
				break;
			}
			/* A start that fails counts as an exit with 125 (the
			 * network may be full, the image gone): the policy
			 * decides again, with the next, longer wait. */
			bx_tl_event(&tl, "core", "restart", t, "start failed: %s", tmp->msg);
			bx_error_release(&tmp);
			bx_relay_done(&relay);
			code = BX_EXIT_RUNTIME;
			st.exit_code = code;
			delay = bx_restart_delay(delay, 0);
			if (!bx_restart_wanted(&spec->sup, code, st.restart_count, bx_supervise_stop_requested(spec->name)) ||
			    !backoff(spec->name, delay)) {
				st.status = BX_EXITED;
				goto done;
			}
			st.restart_count++;
		}
	}
done:
	finish(&box, &st);
	goto out;

fail:
	bx_relay_done(&relay);
	{
		bx_err_t tmp = NULL;
		if (bx_state_remove(spec->name, &tmp) < 0)
			bx_warn("%s", tmp->msg);
		bx_error_release(&tmp);
	}
fail_early:
	if (notify_fd >= 0) {
		cleanup_free char *m = xasprintf("%d %s\n", (*err)->exit_code ? (*err)->exit_code : BX_EXIT_RUNTIME,
						 (*err)->msg);
		bx_notify_once(&notify_fd, m);
	}
	code = -1;
out:
	bx_logw_close(&log);
	bx_tl_close(&tl);
	bx_image_free(&img);
	bx_state_free(&st);
	if (created) {
		free(box.dir);
		free(box.rootfs);
	}
	return code;
}
