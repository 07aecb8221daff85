/* create, start, delete: the OCI lifecycle (runtime.md).
 *
 *   create (parent)                    container process (child)
 *   cgroups (modules' prepare)
 *   join pid/net/ipc/uts/cgroup paths
 *   clone3(new namespaces) ----------> waits for GO
 *   id maps, oom adj
 *   GO  ----------------------------->  join user/mnt paths, hostname,
 *   cgroup attach (meanwhile)           mounts, devices
 *   prestart, createRuntime hooks <---- HOOKS (with hooks, or a cgroup
 *   HOOKS (state JSON) -------------->  namespace: made once attached),
 *                                       createContainer hooks,
 *                                       pivot_root, masks, sysctl,
 *                                       terminal, rlimits, user, caps
 *   pid file, state "created" <-------- CREATED
 *   exit: the child is now the          open(exec.fifo, O_WRONLY): blocks
 *   engine's (conmon is a subreaper)
 *
 *   start: opens exec.fifo for reading, the child's open returns; it
 *   runs startContainer hooks and execs the user's command as pid 1.
 *   start then runs the poststart hooks.
 *
 * No supervisor stays behind (the spec's model, and what engines
 * expect: they wait for the init process themselves), so there is no
 * boxlab init either: the command is pid 1, as with runc. */
#include "oci/oci.h"
#include "core/lifecycle.h"
#include "core/proc.h"
#include "core/process.h"
#include "core/spawn.h"
#include "modules/cgroup.h"
#include "modules/module.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* ---- the sync socket: one byte of type, then the payload ---- */

enum { MSG_GO = 'G', MSG_HOOKS = 'H', MSG_CREATED = 'C', MSG_ERROR = 'E' };
#define MSG_MAX 65536

static int msg_send(int fd, char type, const char *payload)
{
	size_t n = payload ? strlen(payload) : 0;
	if (n > MSG_MAX - 1)
		n = MSG_MAX - 1;
	cleanup_free char *buf = xmalloc(n + 1);
	buf[0] = type;
	if (n)
		memcpy(buf + 1, payload, n);
	return send(fd, buf, n + 1, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* The type, or 0 at end-of-file, -1 on error; *payload NUL-terminated. */
static int msg_recv(int fd, char **payload)
{
	char *buf = xmalloc(MSG_MAX + 1);
	ssize_t n;
	while ((n = recv(fd, buf, MSG_MAX, 0)) < 0 && errno == EINTR)
		;
	if (n <= 0) {
		free(buf);
		return n == 0 ? 0 : -1;
	}
	buf[n] = 0;
	int type = (unsigned char)buf[0];
	memmove(buf, buf + 1, (size_t)n);
	if (payload)
		*payload = buf;
	else
		free(buf);
	return type;
}

static void __attribute__((noreturn)) child_fail(int fd, bx_err_t *err)
{
	msg_send(fd, MSG_ERROR, *err ? (*err)->msg : "container setup failed");
	_exit(BX_EXIT_RUNTIME);
}

/* ---- the child's setup ---- */

struct child {
	const struct bx_oci_config *c;
	const struct bx_oci_create_opts *o;
	int sync, fifo, console;
	char *rootfs; /* canonical root.path */
	/* The HOOKS round trip before pivot_root: for the hooks, and for a
	 * cgroup namespace (made once the parent attached us, while we
	 * still have CAP_SYS_ADMIN).  Without them it is skipped: a wake-up
	 * less, and the attach still comes first, as exec waits for start. */
	bool hooks_sync;
};

static int join_ns(const struct bx_oci_config *c, int which, bx_err_t *err)
{
	for (size_t i = 0; i < c->nns; i++) {
		if (!c->ns[i].path || c->ns[i].type != which)
			continue;
		cleanup_close int fd = open(c->ns[i].path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return bx_make_error(err, errno, "cannot open the %s namespace %s (linux.namespaces)",
					     bx_oci_ns_proc_name(which), c->ns[i].path);
		if (setns(fd, which) < 0)
			return bx_make_error(err, errno, "cannot join the %s namespace %s (linux.namespaces)",
					     bx_oci_ns_proc_name(which), c->ns[i].path);
	}
	return 0;
}

/* args[0] through the process's own PATH, as runc's exec.LookPath:
 * so a missing command fails at create, not later at start. */
static char *find_command(const struct bx_oci_process *p, bx_err_t *err)
{
	const char *cmd = p->args[0];
	if (strchr(cmd, '/'))
		return xstrdup(cmd);
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (size_t i = 0; p->env && p->env[i]; i++)
		if (!strncmp(p->env[i], "PATH=", 5))
			path = p->env[i] + 5;
	cleanup_free char *copy = xstrdup(path);
	for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *full = xasprintf("%s/%s", *dir ? dir : ".", cmd);
		if (access(full, X_OK) == 0)
			return full;
		free(full);
	}
	bx_make_error(err, 0, "process.args[0]: \"%s\" not found in $PATH (%s) of the container", cmd, path);
	(*err)->exit_code = BX_EXIT_NOT_FOUND;
	return NULL;
}

static void __attribute__((noreturn)) child_main(struct child *ch)
{
	bx_err_t err = NULL;
	const struct bx_oci_config *c = ch->c;
	const struct bx_oci_process *p = &c->process;
	int fd = ch->sync;
	char *state_json = NULL;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (msg_recv(fd, NULL) != MSG_GO)
		_exit(BX_EXIT_RUNTIME);
	if (join_ns(c, CLONE_NEWUSER, &err) < 0 || join_ns(c, CLONE_NEWNS, &err) < 0)
		child_fail(fd, &err);
	if ((c->new_ns | c->join_ns) & CLONE_NEWUSER) {
		if (syscall(SYS_setresgid, 0, 0, 0) < 0 || syscall(SYS_setresuid, 0, 0, 0) < 0) {
			bx_make_error(&err, errno, "cannot become root of the user namespace (is uid/gid 0 mapped?)");
			child_fail(fd, &err);
		}
	}
	if (c->new_ns & CLONE_NEWUTS) {
		if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0) {
			bx_make_error(&err, errno, "cannot set the hostname %s", c->hostname);
			child_fail(fd, &err);
		}
		if (c->domainname && setdomainname(c->domainname, strlen(c->domainname)) < 0) {
			bx_make_error(&err, errno, "cannot set the domainname %s", c->domainname);
			child_fail(fd, &err);
		}
	}
	if (c->new_ns & CLONE_NEWNS || c->join_ns & CLONE_NEWNS) {
		if (bx_oci_mounts(ch->rootfs, c, ch->o->id, &err) < 0)
			child_fail(fd, &err);
	}
	if (ch->hooks_sync && (msg_send(fd, MSG_HOOKS, NULL) < 0 || msg_recv(fd, &state_json) != MSG_HOOKS))
		_exit(BX_EXIT_RUNTIME);
	/* The parent has put us in our cgroups by now (it did while we
	 * mounted): the namespace's root is the container's own cgroup. */
	if ((c->new_ns & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0) {
		bx_make_error(&err, errno, "cannot make the cgroup namespace");
		child_fail(fd, &err);
	}
	if (bx_oci_hooks_run(c->hooks, BX_HOOK_CREATE_CONTAINER, state_json, &err) < 0)
		child_fail(fd, &err);
	if (c->new_ns & CLONE_NEWNS || c->join_ns & CLONE_NEWNS) {
		if (bx_oci_pivot(ch->rootfs, ch->o->no_pivot, &err) < 0 || bx_oci_sysctls(c, &err) < 0 ||
		    bx_oci_mask_paths(c, &err) < 0)
			child_fail(fd, &err);
		if (c->root_ro && mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0) {
			bx_make_error(&err, errno, "cannot make the root read-only (root.readonly)");
			child_fail(fd, &err);
		}
	} else if (chroot(ch->rootfs) < 0 || chdir("/") < 0) {
		bx_make_error(&err, errno, "cannot chroot into %s (no mount namespace)", ch->rootfs);
		child_fail(fd, &err);
	}
	if (p->terminal && bx_oci_console(ch->console, &err) < 0)
		child_fail(fd, &err);
	if (ch->console >= 0)
		close(ch->console);
	if (!p->terminal)
		setsid();
	if (!ch->o->no_new_keyring) {
		/* A session keyring of its own, so the container does not
		 * see the host's keys (runc does the same). */
		syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, NULL);
	}
	if (bx_oci_rlimits(p, &err) < 0)
		child_fail(fd, &err);
	if (c->seccomp_json && !p->nnp && bx_oci_seccomp(c->seccomp_json, p, &err) < 0)
		child_fail(fd, &err);
	if (bx_oci_apply_process(p, false, &err) < 0)
		child_fail(fd, &err);
	cleanup_free char *cmd = find_command(p, &err);
	if (!cmd)
		child_fail(fd, &err);
	/* Everything is ready: only start is missing.  Past this point
	 * create exits, and with it our parent. */
	prctl(PR_SET_PDEATHSIG, 0);
	char fifo_path[64];
	snprintf(fifo_path, sizeof fifo_path, "/proc/self/fd/%d", ch->fifo);
	msg_send(fd, MSG_CREATED, NULL);
	close(fd);
	int w = open(fifo_path, O_WRONLY | O_CLOEXEC);
	if (w < 0 || write(w, "0", 1) != 1)
		_exit(BX_EXIT_RUNTIME);
	close(w);
	close(ch->fifo);

	/* start has opened the fifo: startContainer, in our namespaces. */
	if (bx_oci_hooks_run(c->hooks, BX_HOOK_START_CONTAINER, state_json, &err) < 0) {
		fprintf(stderr, "boxlab: %s\n", err->msg);
		_exit(BX_EXIT_RUNTIME);
	}
	if (c->seccomp_json && p->nnp && bx_oci_seccomp(c->seccomp_json, p, &err) < 0) {
		fprintf(stderr, "boxlab: %s\n", err->msg);
		_exit(BX_EXIT_RUNTIME);
	}
	/* --preserve-fds: the engine's descriptors after stdio go through
	 * exec whatever their close-on-exec flag said (runc does the same). */
	for (int i = 0; i < ch->o->preserve_fds; i++)
		fcntl(3 + i, F_SETFD, 0);
	char *const none[] = {NULL};
	execve(cmd, p->args, p->env ? p->env : none);
	fprintf(stderr, "boxlab: cannot run %s: %s\n", cmd, strerror(errno));
	_exit(errno == ENOENT ? BX_EXIT_NOT_FOUND : BX_EXIT_CANNOT_EXEC);
}

/* ---- the parent ---- */

static int write_map(pid_t pid, const char *file, const struct bx_oci_idmap *m, size_t n, bx_err_t *err)
{
	char buf[4096];
	size_t len = 0;
	for (size_t i = 0; i < n && len < sizeof buf - 64; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%lu %lu %lu\n", m[i].ctr, m[i].host, m[i].size);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
	if (bx_write_file(path, buf, len, err) < 0)
		return bx_error_wrap(err, "linux.%s", !strcmp(file, "uid_map") ? "uidMappings" : "gidMappings");
	return 0;
}

static int oom_adj(pid_t pid, int value, bx_err_t *err)
{
	char path[64], v[16];
	snprintf(path, sizeof path, "/proc/%d/oom_score_adj", pid);
	snprintf(v, sizeof v, "%d", value);
	bx_err_t tmp = NULL;
	if (bx_write_file(path, v, strlen(v), &tmp) == 0)
		return 0;
	int e = bx_error_errno(tmp);
	bx_error_release(&tmp);
	if (e != EACCES && e != EPERM)
		return bx_make_error(err, e, "cannot set process.oomScoreAdj %d", value);
	/* Lowering it needs CAP_SYS_RESOURCE, which this host withholds:
	 * keep the inherited value, as with an rlimit. */
	bx_oci_log("warning", "process.oomScoreAdj %d needs CAP_SYS_RESOURCE to go below the current value: kept "
			      "the inherited one", value);
	return 0;
}

static int run_modules(struct bx_box *box, size_t which, bx_err_t *err)
{
	for (size_t i = 0; bx_modules[i]; i++) {
		int (*hook)(struct bx_box *, bx_err_t *);
		memcpy(&hook, (const char *)bx_modules[i] + which, sizeof hook);
		if (box->spec->modules[i] && hook && hook(box, err) < 0)
			return -1;
	}
	return 0;
}

static int write_pid_file(const char *path, pid_t pid, bx_err_t *err)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%d", pid);
	/* atomic: engines poll for the file and read it once */
	return bx_write_file_atomic(path, buf, (size_t)n, err);
}

int bx_oci_wait_child(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return BX_EXIT_RUNTIME;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int bx_oci_create(const struct bx_oci_create_opts *o, bx_err_t *err)
{
	struct bx_oci_config c;
	struct bx_oci_state st = {0};
	struct bx_box box;
	struct child ch = {.c = &c, .o = o, .sync = -1, .fifo = -1, .console = -1};
	int sv[2] = {-1, -1};
	bool made = false, prepared = false;
	pid_t pid = -1;
	cleanup_close int pidfd = -1;
	cleanup_free char *bundle = NULL, *dir = NULL, *fifo = NULL, *reply = NULL;
	int ret = -1;

	if (bx_oci_id_check(o->id, err) < 0)
		return -1;
	bundle = realpath(o->bundle, NULL);
	if (!bundle)
		return bx_make_error(err, errno, "bundle %s", o->bundle);
	if (bx_oci_config_load(bundle, &c, err) < 0)
		return -1;
	bx_oci_cg_box(&box, &c.cg_spec, o->id);
	if (!c.has_process || !c.process.args) {
		bx_usage_error(err, "config.json: process: is required to create a container");
		goto fail;
	}
	ch.hooks_sync = c.hooks[BX_HOOK_PRESTART].n || c.hooks[BX_HOOK_CREATE_RUNTIME].n ||
			c.hooks[BX_HOOK_CREATE_CONTAINER].n || c.hooks[BX_HOOK_START_CONTAINER].n ||
			(c.new_ns & CLONE_NEWCGROUP);
	ch.rootfs = realpath(c.root_path, NULL);
	if (!ch.rootfs) {
		bx_make_error(err, errno, "config.json: root.path: %s", c.root_path);
		goto fail;
	}
	if (c.process.terminal && !o->console_socket) {
		bx_usage_error(err, "config.json: process.terminal is true: it needs --console-socket to send the "
				    "terminal to (or set it to false)");
		goto fail;
	}
	if (!c.process.terminal && o->console_socket) {
		bx_usage_error(err, "--console-socket is given but config.json's process.terminal is false");
		goto fail;
	}

	bx_oci_rlimits_warn(&c.process, NULL);
	/* The state dir: exists from here, so a second create fails. */
	if (bx_mkdir_p(bx_oci_g.root, 0700, err) < 0)
		goto fail;
	dir = bx_oci_path(o->id, NULL);
	if (mkdir(dir, 0711) < 0) {
		if (errno == EEXIST)
			bx_usage_error(err, "container \"%s\" already exists (in %s; 'boxlab delete %s' removes it)", o->id,
				       bx_oci_g.root, o->id);
		else
			bx_make_error(err, errno, "cannot create %s", dir);
		goto fail;
	}
	made = true;
	{
		cleanup_free char *src = xasprintf("%s/config.json", bundle);
		cleanup_free char *dst = bx_oci_path(o->id, "config.json");
		cleanup_free char *text = NULL;
		size_t len;
		if (!(text = bx_read_file(src, &len, err)) || bx_write_file(dst, text, len, err) < 0)
			goto fail;
	}
	st.id = xstrdup(o->id);
	st.bundle = xstrdup(bundle);
	st.created_us = bx_realtime_us();
	st.annotations_json = xstrdup(c.annotations_json);
	st.owner = xstrdup("");
	if (bx_oci_state_write(&st, err) < 0)
		goto fail;
	fifo = bx_oci_path(o->id, "exec.fifo");
	/* 0622: the container process opens it after the user switch. */
	{
		mode_t old = umask(0);
		int r = mkfifo(fifo, 0622);
		umask(old);
		if (r < 0) {
			bx_make_error(err, errno, "cannot create %s", fifo);
			goto fail;
		}
	}
	ch.fifo = open(fifo, O_PATH | O_CLOEXEC);
	if (ch.fifo < 0) {
		bx_make_error(err, errno, "cannot open %s", fifo);
		goto fail;
	}
	if (o->console_socket && (ch.console = bx_oci_console_connect(o->console_socket, err)) < 0)
		goto fail;

	/* The cgroup modules, as for a native container. */
	prepared = true;
	if (run_modules(&box, offsetof(struct bx_module, prepare), err) < 0)
		goto fail;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		bx_make_error(err, errno, "cannot create the sync socket");
		goto fail;
	}
	/* Namespaces joined by path: user and mount by the child (the
	 * user one would take our host privileges, the mount one our view
	 * of the bundle); the rest here, where they only affect the child
	 * (pid) or this short-lived process. */
	for (const int *t = bx_oci_ns_order; *t; t++)
		if (*t != CLONE_NEWUSER && *t != CLONE_NEWNS && join_ns(&c, *t, err) < 0)
			goto fail;

	struct bx_spawn sp = {
		.ns_flags = (uint64_t)(c.new_ns & ~CLONE_NEWCGROUP),
		.cgroup_fd = box.cgroup_fd,
		.join = box.cg_join,
		.n_join = box.n_cg_join,
	};
	/* Descriptors beyond stdio and --preserve-fds stay out of the
	 * container (the engine's own sockets among them). */
	syscall(SYS_close_range, 3 + o->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
	pid = bx_spawn(&sp, &pidfd);
	box.cg_born_inside = sp.born_inside;
	bx_box_close_cg_join(&box);
	if (pid < 0) {
		bx_make_error(err, errno, "cannot create the container process (clone3 with namespaces 0x%x)", c.new_ns);
		goto fail;
	}
	if (pid == 0) {
		close(sv[0]);
		ch.sync = sv[1];
		child_main(&ch);
	}
	close(sv[1]);
	sv[1] = -1;
	box.pid = pid;
	st.pid = pid;
	st.pid_start = bx_proc_starttime(pid);
	if (bx_oci_state_write(&st, err) < 0)
		goto kill;
	if (c.new_ns & CLONE_NEWUSER) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/setgroups", pid);
		bx_err_t tmp = NULL;
		bx_write_file(path, "allow", 5, &tmp);
		bx_error_release(&tmp);
		if (write_map(pid, "uid_map", c.uidmap, c.nuidmap, err) < 0 ||
		    write_map(pid, "gid_map", c.gidmap, c.ngidmap, err) < 0)
			goto kill;
	}
	if (c.process.has_oom && oom_adj(pid, c.process.oom_score_adj, err) < 0)
		goto kill;
	if (msg_send(sv[0], MSG_GO, NULL) < 0) {
		bx_make_error(err, errno, "the container process died before setup");
		goto kill;
	}
	/* The cgroup attach, where the child did not join by itself (on v1
	 * the first write to a cgroup.procs waits for an RCU grace period,
	 * ~10 ms; core/spawn.c), overlaps the child's mounts; it is done
	 * before the hooks, and before the child runs anything. */
	if (run_modules(&box, offsetof(struct bx_module, parent_setup), err) < 0)
		goto kill;
	for (;;) {
		free(reply);
		reply = NULL;
		int t = msg_recv(sv[0], &reply);
		if (t == MSG_HOOKS) {
			cleanup_free char *sj = bx_oci_state_json(&st, BX_OCI_CREATING);
			if (bx_oci_hooks_run(c.hooks, BX_HOOK_PRESTART, sj, err) < 0 ||
			    bx_oci_hooks_run(c.hooks, BX_HOOK_CREATE_RUNTIME, sj, err) < 0)
				goto kill;
			if (msg_send(sv[0], MSG_HOOKS, sj) < 0) {
				bx_make_error(err, errno, "the container process died during setup");
				goto kill;
			}
			continue;
		}
		if (t == MSG_CREATED)
			break;
		if (t == MSG_ERROR)
			bx_make_error(err, 0, "%s", reply);
		else
			bx_make_error(err, 0, "the container process died during setup");
		goto kill;
	}
	st.created = true;
	if (bx_oci_state_write(&st, err) < 0)
		goto kill;
	if (o->pid_file && write_pid_file(o->pid_file, pid, err) < 0)
		goto kill;
	ret = 0;
	goto out;

kill:
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	waitpid(pid, NULL, 0);
fail:
	if (prepared)
		bx_box_teardown(&box);
	if (made) {
		bx_err_t tmp = NULL;
		if (bx_rm_rf(dir, &tmp) < 0)
			bx_warn("%s", tmp->msg);
		bx_error_release(&tmp);
	}
out:
	bx_close_pair(sv);
	if (ch.fifo >= 0)
		close(ch.fifo);
	if (ch.console >= 0)
		close(ch.console);
	free(ch.rootfs);
	free(box.dir);
	bx_oci_state_free(&st);
	bx_oci_config_free(&c);
	return ret;
}

int bx_oci_start(const char *id, bx_err_t *err)
{
	struct bx_oci_state st;
	struct bx_oci_config c;
	if (bx_oci_state_read(id, &st, err) < 0)
		return -1;
	enum bx_oci_status s = bx_oci_status(&st);
	if (s != BX_OCI_CREATED) {
		bx_usage_error(err, "cannot start container \"%s\": it is %s (start needs a created container)", id,
			       bx_oci_status_name(s));
		bx_oci_state_free(&st);
		return -1;
	}
	cleanup_free char *fifo = bx_oci_path(id, "exec.fifo");
	cleanup_free char *saved = bx_oci_path(id, "");
	cleanup_free char *sj = NULL;
	int ret = -1;
	cleanup_close int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		bx_make_error(err, errno, "cannot open %s", fifo);
		goto out;
	}
	/* The container's open(O_WRONLY) returns now; its byte says it is
	 * about to exec.  Poll, so a container that died meanwhile does
	 * not leave us waiting. */
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		char b;
		if (poll(&p, 1, 100) > 0 && read(fd, &b, 1) == 1)
			break;
		if (bx_oci_status(&st) == BX_OCI_STOPPED) {
			bx_make_error(err, 0, "container \"%s\" exited before it could start", id);
			unlink(fifo);
			goto out;
		}
	}
	unlink(fifo);
	/* poststart, with the config saved at create. */
	if (bx_oci_config_load(saved, &c, err) < 0) {
		bx_error_release(err);
		ret = 0;
		goto out;
	}
	sj = bx_oci_state_json(&st, BX_OCI_RUNNING);
	ret = bx_oci_hooks_run(c.hooks, BX_HOOK_POSTSTART, sj, err);
	bx_oci_config_free(&c);
out:
	bx_oci_state_free(&st);
	return ret;
}

int bx_oci_delete(const char *id, bool force, bx_err_t *err)
{
	struct bx_oci_state st;
	struct bx_oci_config c;
	struct bx_box box;
	cleanup_free char *dir = NULL;
	if (bx_oci_id_check(id, err) < 0)
		return -1;
	dir = bx_oci_path(id, NULL);
	if (bx_oci_state_read(id, &st, err) < 0) {
		/* A state dir a crashed create left behind: --force clears it. */
		if (force && access(dir, F_OK) == 0) {
			bx_error_release(err);
			return bx_rm_rf(dir, err);
		}
		if (force && bx_error_errno(*err) == ENOENT) {
			/* runc: delete --force of a missing one is no error */
			bx_error_release(err);
			return 0;
		}
		return -1;
	}
	enum bx_oci_status s = bx_oci_status(&st);
	if (s != BX_OCI_STOPPED && !force) {
		bx_usage_error(err, "cannot delete container \"%s\": it is %s (stop it first, or delete --force)", id,
			       bx_oci_status_name(s));
		bx_oci_state_free(&st);
		return -1;
	}
	cleanup_free char *saved = bx_oci_path(id, "");
	bool have_config = bx_oci_config_load(saved, &c, err) == 0;
	if (!have_config) {
		bx_oci_log("warning", "%s", (*err)->msg);
		bx_error_release(err);
		memset(&c, 0, sizeof c);
		bx_spec_init(&c.cg_spec);
	}
	if (s != BX_OCI_STOPPED && st.pid > 0 && bx_proc_alive(st.pid, st.pid_start)) {
		int pfd = bx_pidfd_open(st.pid);
		kill(st.pid, SIGKILL);
		if (pfd >= 0) {
			bx_pidfd_wait(pfd, 5000);
			close(pfd);
		}
	}
	/* The cgroup modules' teardown kills what is left in the cgroups
	 * and removes them. */
	bx_oci_cg_box(&box, &c.cg_spec, id);
	if (!have_config)
		for (size_t i = 0; bx_modules[i]; i++)
			c.cg_spec.modules[i] = bx_modules[i]->kind == BX_KIND_CGROUP;
	bx_box_teardown(&box);
	if (have_config) {
		cleanup_free char *sj = bx_oci_state_json(&st, BX_OCI_STOPPED);
		bx_oci_hooks_run(c.hooks, BX_HOOK_POSTSTOP, sj, err);
	}
	bx_oci_config_free(&c);
	bx_oci_state_free(&st);
	return bx_rm_rf(dir, err);
}
