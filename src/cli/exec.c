/* boxlab exec: run another command in a running container.
 *
 * It joins every namespace the container has with one setns() on a
 * pidfd of the container's init (setns(2), Linux 5.8), enters its root,
 * and re-applies what the modules' exec hooks say (container root ids,
 * and with later modules the cgroup, capabilities and seccomp), so an
 * exec'd process is held exactly like the container's own. */
#include "cli/cli.h"
#include "core/image.h"
#include "core/init.h"
#include "core/io.h"
#include "core/lifecycle.h"
#include "core/proc.h"
#include "core/process.h"
#include "core/timeline.h"
#include "modules/module.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

struct exec_opts {
	bool interactive, tty;
	char **env;
	const char *workdir, *user;
	char **argv;
	char **image_env;
};

static void __attribute__((noreturn)) joiner(struct bx_box *box, const struct bx_state *st, struct exec_opts *o,
					     int pidfd, int rootfd, int sync, int out, int err_fd, pid_t parent)
{
	bx_err_t err = NULL;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(BX_EXIT_RUNTIME);
	for (size_t i = 0; bx_modules[i]; i++)
		if (box->spec->modules[i] && bx_modules[i]->exec_parent &&
		    bx_modules[i]->exec_parent(box, getpid(), &err) < 0)
			bx_child_fail(sync, &err);
	if (box->ns_flags && setns(pidfd, box->ns_flags) < 0) {
		bx_make_error(&err, errno, "cannot join the namespaces of %s (setns)", st->name);
		bx_child_fail(sync, &err);
	}
	if (fchdir(rootfd) < 0 || chroot(".") < 0) {
		bx_make_error(&err, errno, "cannot enter the root of %s", st->name);
		bx_child_fail(sync, &err);
	}
	close(rootfd);
	close(pidfd);

	/* Joining a pid namespace takes effect for children only. */
	sigset_t old;
	bx_init_prepare(&old);
	pid_t child = fork();
	if (child < 0) {
		bx_make_error(&err, errno, "cannot fork");
		bx_child_fail(sync, &err);
	}
	if (child > 0) {
		syscall(SYS_close_range, 3, ~0U, 0);
		bx_proc_title("boxlab-exec");
		bx_init_loop(child);
	}
	bx_init_child_reset(&old);
	for (size_t i = 0; bx_modules[i]; i++)
		if (box->spec->modules[i] && bx_modules[i]->exec_child && bx_modules[i]->exec_child(box, &err) < 0)
			bx_child_fail(sync, &err);
	/* The container's environment, then exec's own -e. */
	char **merged = bx_proc_env(o->image_env, box->spec->env, box->spec->hostname ? box->spec->hostname : st->name,
				    o->tty);
	merged = bx_proc_env(merged, o->env, NULL, o->tty);
	if (bx_proc_workdir(o->workdir ? o->workdir : box->spec->workdir, &err) < 0)
		bx_child_fail(sync, &err);
	if (o->tty) {
		if (bx_proc_pty(sync, &err) < 0)
			bx_child_fail(sync, &err);
	} else {
		if (!o->interactive) {
			int null = open("/dev/null", O_RDONLY);
			if (null >= 0)
				dup2(null, 0);
		}
		dup2(out, 1);
		dup2(err_fd, 2);
		setsid();
	}
	const char *user = o->user ? o->user : box->spec->user;
	if (user && bx_proc_user(user, &merged, &err) < 0)
		bx_child_fail(sync, &err);
	bx_proc_exec(sync, o->argv, merged);
}

static int exec_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{"interactive", no_argument, NULL, 'i'}, {"tty", no_argument, NULL, 't'},
		{"env", required_argument, NULL, 'e'}, {"workdir", required_argument, NULL, 'w'},
		{"user", required_argument, NULL, 'u'}, {0},
	};
	struct exec_opts o = {0};
	bx_err_t err = NULL;
	int c;

	if (bx_cli_help(&bx_cmd_exec, argc, argv))
		return 0;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+ite:w:u:", opts, NULL)) != -1) {
		switch (c) {
		case 'i': o.interactive = true; break;
		case 't': o.tty = true; break;
		case 'e':
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return bx_cli_usage_error(&bx_cmd_exec, "invalid environment variable \"%s\" (expected KEY=VALUE)",
							  optarg);
			strv_push(&o.env, optarg);
			break;
		case 'w':
			if (optarg[0] != '/')
				return bx_cli_usage_error(&bx_cmd_exec, "invalid working directory \"%s\": must be absolute",
							  optarg);
			o.workdir = optarg;
			break;
		case 'u': o.user = optarg; break;
		case '?':
			return bx_cli_usage_error(&bx_cmd_exec, "unknown flag '%s'", argv[optind - 1]);
		default:
			return bx_cli_usage_error(&bx_cmd_exec, "flag '%s' needs a value", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return bx_cli_usage_error(&bx_cmd_exec, "no container named");
	if (optind + 1 >= argc)
		return bx_cli_usage_error(&bx_cmd_exec, "no command given");
	const char *name = argv[optind];
	o.argv = argv + optind + 1;

	struct bx_state st;
	struct bx_spec spec;
	struct bx_box box;
	bx_err_t tmp = NULL;
	if (bx_cli_load(name, &st, 1u << BX_RUNNING, "exec in", &err) < 0) {
		strv_free(o.env);
		return bx_error_report(&err, BX_EXIT_RUNTIME);
	}
	if (bx_state_load_spec(name, &spec, &err) < 0) {
		bx_state_free(&st);
		bx_spec_free(&spec);
		strv_free(o.env);
		return bx_error_report(&err, BX_EXIT_RUNTIME);
	}
	bx_box_init(&box, &spec);
	struct bx_image img;
	if (bx_image_resolve(spec.image, &img, &tmp) == 0) {
		o.image_env = steal_pointer(&img.env);
		bx_image_free(&img);
	}
	bx_error_release(&tmp);
	box.exec_mode = true;
	box.pid = st.pid;
	box.root_uid = st.root_uid;
	box.root_gid = st.root_gid;

	struct bx_timeline tl = {.fd = -1};
	if (bx_tl_open(&tl, name, st.t0_mono_us, &tmp) < 0)
		bx_error_release(&tmp);
	box.tl = &tl;

	cleanup_close int pidfd = bx_pidfd_open(st.pid);
	char rootpath[64];
	snprintf(rootpath, sizeof rootpath, "/proc/%d/root", st.pid);
	cleanup_close int rootfd = open(rootpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int sv[2] = {-1, -1}, outp[2] = {-1, -1}, errp[2] = {-1, -1};
	int code = BX_EXIT_RUNTIME;
	struct bx_relay relay;
	sigset_t oldmask;

	bx_relay_init(&relay);
	if (pidfd < 0 || rootfd < 0 || !bx_state_init_alive(&st)) {
		bx_make_error(&err, errno ? errno : ESRCH, "container %s is not running any more", name);
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 || pipe2(outp, O_CLOEXEC) < 0 ||
	    pipe2(errp, O_CLOEXEC) < 0) {
		bx_make_error(&err, errno, "cannot create pipes");
		goto out;
	}
	bx_relay_block_signals(&oldmask);
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		bx_make_error(&err, errno, "cannot fork");
		goto out;
	}
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &oldmask, NULL);
		close(sv[0]);
		joiner(&box, &st, &o, pidfd, rootfd, sv[1], outp[1], errp[1], parent);
	}
	close(sv[1]);
	close(outp[1]);
	close(errp[1]);
	sv[1] = outp[1] = errp[1] = -1;
	bx_tl_event(&tl, "core", "exec", 0, "boxlab exec %s", o.argv[0]);

	relay.pidfd = bx_pidfd_open(pid);
	if (bx_msg_wait_exec(sv[0], &relay.pty, NULL, &err) < 0) {
		bx_relay_run(&relay); /* reap it */
		goto out;
	}
	relay.out = steal_fd(&outp[0]);
	relay.err = steal_fd(&errp[0]);
	relay.echo = true;
	if (o.tty) {
		if (o.interactive)
			bx_relay_input(&relay);
		bx_relay_winsize(&relay);
	}
	code = bx_relay_run(&relay);
	bx_tl_event(&tl, "core", "exec-exit", 0, "boxlab exec %s: exit code %d", o.argv[0], code);
out:
	bx_relay_done(&relay);
	if (relay.pidfd >= 0)
		close(relay.pidfd);
	bx_close_pair(sv);
	bx_close_pair(outp);
	bx_close_pair(errp);
	bx_tl_close(&tl);
	free(box.dir);
	bx_spec_free(&spec);
	bx_state_free(&st);
	strv_free(o.env);
	strv_free(o.image_env);
	if (err)
		code = bx_error_report(&err, BX_EXIT_RUNTIME);
	return code;
}

const struct bx_cmd bx_cmd_exec = {
	.name = "exec",
	.usage = "[-i] [-t] [-e KEY=VALUE] [-w DIR] [-u USER] NAME COMMAND [ARG...]",
	.summary = "run a command in a running container, inside all of its namespaces",
	.options = "  -i, --interactive    keep standard input open\n"
		   "  -t, --tty            give the command a pseudo-terminal\n"
		   "  -e, --env KEY=VALUE  set an environment variable (repeatable)\n"
		   "  -w, --workdir DIR    working directory inside (default: the container's)\n"
		   "  -u, --user USER      UID[:GID] or a name from the image's /etc/passwd\n",
	.exec = exec_exec,
};
