/* exec: a new process in a running container, as runc exec.
 *
 * The process is described by --process FILE (what engines use) or by
 * the container's own process with the command and the flags' changes.
 * A first child joins the container's cgroups (the cgroup modules'
 * exec_parent hook) and namespaces; because a pid namespace is only
 * entered by the children of whoever joined it, it forks the process
 * that execs.  With --detach that one is left to the engine (its
 * subreaper collects it); without, we are its subreaper and wait. */
#include "oci/oci.h"
#include "core/proc.h"
#include "core/process.h"
#include "modules/caps.h"
#include "modules/module.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static const char USAGE[] = "[--process FILE | --tty --cwd DIR --env K=V --user UID[:GID] --additional-gids GID "
			    "--cap CAP --no-new-privs] [--detach] [--pid-file FILE] [--console-socket SOCKET] "
			    "[--preserve-fds N] ID [COMMAND [ARG...]]";

static int usage(const char *msg, const char *what)
{
	fprintf(stderr, "boxlab: ");
	fprintf(stderr, msg, what);
	fprintf(stderr, " (usage: boxlab exec %s)\n", USAGE);
	return 1;
}

static int fail(bx_err_t *err)
{
	bx_oci_log("error", "%s", (*err)->msg);
	fprintf(stderr, "boxlab: %s\n", (*err)->msg);
	int code = (*err)->exit_code && (*err)->exit_code != BX_EXIT_USAGE ? (*err)->exit_code : 1;
	bx_error_release(err);
	return code;
}

/* The config's process, deep-copied, for the flags to change. */
static void copy_process(const struct bx_oci_process *in, struct bx_oci_process *out)
{
	*out = *in;
	out->args = NULL;
	out->env = strv_dup(in->env ? in->env : (char *[]){NULL});
	out->cwd = xstrdup(in->cwd ? in->cwd : "/");
	out->gids = xzalloc((in->ngids + 1) * sizeof *out->gids);
	if (in->ngids) /* memcpy from NULL is undefined even for 0 bytes (UBSan, make test SAN=1) */
		memcpy(out->gids, in->gids, in->ngids * sizeof *in->gids);
	out->umask_set = in->umask_set ? xstrdup(in->umask_set) : NULL;
	out->rlimits = xzalloc((in->nrlimits + 1) * sizeof *out->rlimits);
	for (size_t i = 0; i < in->nrlimits; i++) {
		out->rlimits[i] = in->rlimits[i];
		out->rlimits[i].name = xstrdup(in->rlimits[i].name);
	}
}

struct target {
	int fds[9];
	int types[9];
	size_t n;
};

/* The namespaces of init that differ from ours, in joining order. */
static int open_namespaces(pid_t pid, struct target *t, bx_err_t *err)
{
	t->n = 0;
	for (const int *type = bx_oci_ns_order; *type; type++) {
		const char *name = bx_oci_ns_proc_name(*type);
		char theirs[64], ours[64];
		struct stat a, b;
		snprintf(theirs, sizeof theirs, "/proc/%d/ns/%s", pid, name);
		snprintf(ours, sizeof ours, "/proc/self/ns/%s", name);
		if (stat(theirs, &a) < 0) {
			if (errno == ENOENT)
				continue; /* a namespace kind this kernel lacks */
			return bx_make_error(err, errno, "cannot read %s", theirs);
		}
		if (stat(ours, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			continue;
		int fd = open(theirs, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return bx_make_error(err, errno, "cannot open %s", theirs);
		t->fds[t->n] = fd;
		t->types[t->n++] = *type;
	}
	return 0;
}

static void __attribute__((noreturn)) die(int errfd, bx_err_t *err)
{
	const char *m = *err ? (*err)->msg : "exec failed";
	if (write(errfd, m, strlen(m)) < 0) {
		/* the parent is gone */
	}
	_exit(BX_EXIT_RUNTIME);
}

int bx_oci_exec(int argc, char **argv)
{
	static const struct option longs[] = {
		{"process", required_argument, NULL, 'p'},	  {"detach", no_argument, NULL, 'd'},
		{"pid-file", required_argument, NULL, 'P'},	  {"console-socket", required_argument, NULL, 'C'},
		{"tty", no_argument, NULL, 't'},		  {"cwd", required_argument, NULL, 'w'},
		{"env", required_argument, NULL, 'e'},		  {"user", required_argument, NULL, 'u'},
		{"additional-gids", required_argument, NULL, 'g'}, {"cap", required_argument, NULL, 'c'},
		{"no-new-privs", no_argument, NULL, 'n'},	  {"preserve-fds", required_argument, NULL, 'F'},
		{"process-label", required_argument, NULL, 'L'},   {"apparmor", required_argument, NULL, 'A'},
		{"ignore-paused", no_argument, NULL, 'I'},	  {"cgroup", required_argument, NULL, 'G'},
		{0},
	};
	const char *process_file = NULL, *pid_file = NULL, *console = NULL, *cwd = NULL, *user = NULL;
	bool detach = false, tty = false, nnp = false, ignore_paused = false;
	int preserve = 0;
	cleanup_strv char **envs = xzalloc(sizeof *envs), **gids = xzalloc(sizeof *gids), **caps = xzalloc(sizeof *caps);
	bx_err_t err = NULL;

	optind = 0;
	opterr = 0;
	for (int ch; (ch = getopt_long(argc, argv, "+p:dtu:e:g:c:", longs, NULL)) != -1;) {
		switch (ch) {
		case 'p': process_file = optarg; break;
		case 'd': detach = true; break;
		case 'P': pid_file = optarg; break;
		case 'C': console = optarg; break;
		case 't': tty = true; break;
		case 'w': cwd = optarg; break;
		case 'e':
			if (!strchr(optarg, '='))
				return usage("--env %s: must be KEY=VALUE", optarg);
			strv_push(&envs, optarg);
			break;
		case 'u': user = optarg; break;
		case 'g': strv_push(&gids, optarg); break;
		case 'c': strv_push(&caps, optarg); break;
		case 'n': nnp = true; break;
		case 'F':
			preserve = atoi(optarg);
			if (preserve < 0 || preserve > 1000)
				return usage("--preserve-fds %s: must be a count 0 to 1000", optarg);
			break;
		case 'L': return usage("%s: boxlab has no SELinux support", "--process-label");
		case 'A': return usage("%s: boxlab has no AppArmor support", "--apparmor");
		case 'I': ignore_paused = true; break;
		case 'G': return usage("%s: a sub-cgroup for the process is not supported", "--cgroup");
		default: return usage("unknown flag or missing value \"%s\"", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage("%s: no container id given", "exec");
	const char *id = argv[optind];
	char **cmd = argv + optind + 1;
	if (process_file && *cmd)
		return usage("--process %s: and a command too; give one of them", process_file);
	if (!process_file && !*cmd)
		return usage("%s: no command given (or --process FILE)", "exec");

	struct bx_oci_state st;
	if (bx_oci_state_read(id, &st, &err) < 0)
		return fail(&err);
	enum bx_oci_status s = bx_oci_status(&st);
	pid_t init = st.pid;
	bx_oci_state_free(&st);
	if (s != BX_OCI_RUNNING && !(s == BX_OCI_PAUSED && ignore_paused) && s != BX_OCI_CREATED) {
		bx_usage_error(&err, "cannot exec in container \"%s\": it is %s", id, bx_oci_status_name(s));
		return fail(&err);
	}
	struct bx_oci_config c;
	cleanup_free char *saved = bx_oci_path(id, "");
	if (bx_oci_config_load(saved, &c, &err) < 0)
		return fail(&err);

	struct bx_oci_process p;
	int ret = 1;
	if (process_file) {
		cleanup_free char *text = bx_read_file(process_file, NULL, &err);
		if (!text || bx_oci_process_parse(text, &p, &err) < 0) {
			bx_oci_config_free(&c);
			return fail(&err);
		}
	} else {
		copy_process(&c.process, &p);
		p.args = strv_dup(cmd);
		p.terminal = tty;
		if (cwd) {
			free(p.cwd);
			p.cwd = xstrdup(cwd);
		}
		for (size_t i = 0; envs[i]; i++)
			bx_env_set(&p.env, envs[i]);
		if (user) {
			unsigned u, g;
			int n = sscanf(user, "%u:%u", &u, &g);
			if (n < 1) {
				ret = usage("--user %s: must be UID[:GID] (numbers)", user);
				goto out;
			}
			p.uid = u;
			p.gid = n == 2 ? g : 0;
		}
		for (size_t i = 0; gids[i]; i++) {
			p.gids = xrealloc(p.gids, (p.ngids + 1) * sizeof *p.gids);
			p.gids[p.ngids++] = (gid_t)strtoul(gids[i], NULL, 10);
		}
		for (size_t i = 0; caps[i]; i++) {
			int cap = bx_caps_from_name(caps[i]);
			if (cap < 0) {
				ret = usage("--cap %s: unknown capability", caps[i]);
				goto out;
			}
			p.has_caps = true;
			for (int set = 0; set < BX_CAP_NSETS; set++)
				if (set != BX_CAP_AMBIENT)
					p.caps[set] |= 1ULL << cap;
		}
		p.nnp |= nnp;
	}
	if (p.terminal && !console) {
		bx_usage_error(&err, "the process has a terminal: it needs --console-socket");
		ret = fail(&err);
		goto out;
	}
	int sock = -1;
	if (p.terminal && (sock = bx_oci_console_connect(console, &err)) < 0) {
		ret = fail(&err);
		goto out;
	}

	bx_oci_rlimits_warn(&p, &c.process);
	struct target t;
	if (open_namespaces(init, &t, &err) < 0) {
		ret = fail(&err);
		goto out;
	}
	int errp[2], pidp[2];
	if (pipe2(errp, O_CLOEXEC) < 0 || pipe2(pidp, O_CLOEXEC) < 0) {
		bx_make_error(&err, errno, "cannot make pipes");
		ret = fail(&err);
		goto out;
	}
	/* Without --detach the process must come back to us when the
	 * joining child exits, to be waited for. */
	if (!detach)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	syscall(SYS_close_range, 3 + preserve, ~0U, CLOSE_RANGE_CLOEXEC);
	pid_t a = fork();
	if (a < 0) {
		bx_make_error(&err, errno, "cannot fork");
		ret = fail(&err);
		goto out;
	}
	if (a == 0) {
		close(errp[0]);
		close(pidp[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		struct bx_box box;
		bx_oci_cg_box(&box, &c.cg_spec, id);
		for (size_t i = 0; bx_modules[i]; i++)
			if (c.cg_spec.modules[i] && bx_modules[i]->exec_parent &&
			    bx_modules[i]->exec_parent(&box, getpid(), &err) < 0)
				die(errp[1], &err);
		for (size_t i = 0; i < t.n; i++)
			if (setns(t.fds[i], t.types[i]) < 0) {
				bx_make_error(&err, errno, "cannot join the container's %s namespace",
					      bx_oci_ns_proc_name(t.types[i]));
				die(errp[1], &err);
			}
		pid_t b = fork();
		if (b < 0) {
			bx_make_error(&err, errno, "cannot fork into the container");
			die(errp[1], &err);
		}
		if (b == 0) {
			if (p.terminal && bx_oci_console(sock, &err) < 0)
				die(errp[1], &err);
			if (sock >= 0)
				close(sock);
			if (!p.terminal)
				setsid();
			if (bx_oci_rlimits(&p, &err) < 0)
				die(errp[1], &err);
			if (c.seccomp_json && !p.nnp && bx_oci_seccomp(c.seccomp_json, &p, &err) < 0)
				die(errp[1], &err);
			if (bx_oci_apply_process(&p, false, &err) < 0)
				die(errp[1], &err);
			if (c.seccomp_json && p.nnp && bx_oci_seccomp(c.seccomp_json, &p, &err) < 0)
				die(errp[1], &err);
			for (int i = 0; i < preserve; i++)
				fcntl(3 + i, F_SETFD, 0);
			char *const none[] = {NULL};
			execvpe(p.args[0], p.args, p.env ? p.env : none);
			bx_make_error(&err, errno, "cannot run %s in container \"%s\"", p.args[0], id);
			die(errp[1], &err);
		}
		if (write(pidp[1], &b, sizeof b) != sizeof b)
			_exit(1);
		_exit(0);
	}
	close(errp[1]);
	close(pidp[1]);
	if (sock >= 0)
		close(sock);
	pid_t b = -1;
	ssize_t n = read(pidp[0], &b, sizeof b);
	close(pidp[0]);
	waitpid(a, NULL, 0);
	char msg[1024];
	ssize_t m = read(errp[0], msg, sizeof msg - 1);
	close(errp[0]);
	if (m > 0 || n != sizeof b) {
		msg[m > 0 ? m : 0] = 0;
		bx_make_error(&err, 0, "%s", m > 0 ? msg : "exec failed before the process started");
		if (n == sizeof b)
			waitpid(b, NULL, 0);
		ret = fail(&err);
		goto out;
	}
	if (pid_file) {
		char buf[32];
		int len = snprintf(buf, sizeof buf, "%d", b);
		if (bx_write_file_atomic(pid_file, buf, (size_t)len, &err) < 0) {
			ret = fail(&err);
			goto out;
		}
	}
	ret = detach ? 0 : bx_oci_wait_child(b);
out:
	bx_oci_process_free(&p);
	bx_oci_config_free(&c);
	return ret;
}
