/* create, start, delete: the OCI lifecycle (runtime.md).
 *
 *   create (parent)                    container process (child)
 *   cgroups (modules' prepare)
 *   join pid/net/ipc/uts/cgroup paths
 *   clone3(new namespaces) ----------> waits for GO
 *   id maps, oom adj
 *   GO  ----------------------------->  join user/mnt paths, hostname,
 *   cgroup attach (meanwhile)           mounts, devices
 *   prestart, createRuntime hooks <---- HOOKS
 *   HOOKS (state JSON) -------------->  createContainer hooks,
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
#include "modules/cgroup.h"
#include "modules/module.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <dirent.h>
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
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

struct clone_args_v0 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

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

/* mkdir -p of a mount point, or an empty file when a file is bound. */
static int make_target(const char *path, bool file, bx_err_t *err)
{
	struct stat st;
	if (lstat(path, &st) == 0)
		return 0;
	cleanup_free char *dir = xstrdup(path);
	if (file) {
		char *slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = 0;
			if (bx_mkdir_p(dir, 0755, err) < 0)
				return -1;
		}
		int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return bx_make_error(err, errno, "cannot create the mount point %s", path);
		close(fd);
		return 0;
	}
	return bx_mkdir_p(path, 0755, err);
}

/* A path in the new root that cannot step out of it through "..".
 * (Symlinks in the rootfs are the image's; runc resolves them with
 * securejoin, boxlab refuses a destination with ".." instead.) */
static int in_root(const char *root, const char *dest, char **out, bx_err_t *err)
{
	if (strstr(dest, "/../") || !strcmp(dest, "/..") || (strlen(dest) >= 3 && !strcmp(dest + strlen(dest) - 3, "/..")))
		return bx_usage_error(err, "mount destination %s has \"..\" in it", dest);
	*out = xasprintf("%s%s", root, dest);
	return 0;
}

/* cgroup v1 has no one file system to mount at /sys/fs/cgroup: a
 * read-only tmpfs with the container's own cgroup of each hierarchy
 * bound in (what runc does without a cgroup namespace). */
static int mount_cgroup_v1(const char *target, const struct bx_oci_mount *m, const char *id, bx_err_t *err)
{
	if (mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
		return bx_make_error(err, errno, "cannot mount a tmpfs for cgroups at %s", m->dest);
	cleanup_dir DIR *d = opendir("/sys/fs/cgroup");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		cleanup_free char *dst = xasprintf("%s/%s", target, e->d_name);
		if (e->d_type == DT_LNK) {
			char link[256];
			cleanup_free char *src = xasprintf("/sys/fs/cgroup/%s", e->d_name);
			ssize_t n = readlink(src, link, sizeof link - 1);
			if (n > 0) {
				link[n] = 0;
				if (symlink(link, dst) < 0 && errno != EEXIST)
					return bx_make_error(err, errno, "cannot make %s", dst);
			}
			continue;
		}
		if (e->d_type != DT_DIR)
			continue;
		cleanup_free char *own = xasprintf("/sys/fs/cgroup/%s/boxlab/%s", e->d_name, id);
		if (access(own, F_OK) < 0)
			continue;
		if (mkdir(dst, 0755) < 0 && errno != EEXIST)
			return bx_make_error(err, errno, "cannot make %s", dst);
		if (mount(own, dst, NULL, MS_BIND, NULL) < 0 ||
		    mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			return bx_make_error(err, errno, "cannot bind the container's cgroup %s", own);
	}
	if (m->flags & MS_RDONLY)
		mount(NULL, target, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755");
	return 0;
}

static int do_mount(const struct child *ch, const struct bx_oci_mount *m, bx_err_t *err)
{
	cleanup_free char *target = NULL;
	if (in_root(ch->rootfs, m->dest, &target, err) < 0)
		return -1;
	struct stat st;
	bool file = m->bind && stat(m->source, &st) == 0 && !S_ISDIR(st.st_mode);
	if (make_target(target, file, err) < 0)
		return -1;
	if (!strcmp(m->type, "cgroup")) {
		struct bx_cg cg;
		if (bx_cg_host(&cg, ch->o->id, err) < 0)
			return -1;
		if (!cg.ops->unified && !(ch->c->new_ns & CLONE_NEWCGROUP))
			return mount_cgroup_v1(target, m, ch->o->id, err);
		if (!cg.ops->unified)
			return mount_cgroup_v1(target, m, ch->o->id, err);
		if (mount("cgroup2", target, "cgroup2", m->flags & ~(MS_BIND | MS_REC), NULL) < 0)
			return bx_make_error(err, errno, "cannot mount cgroup2 at %s", m->dest);
		return 0;
	}
	if (m->bind) {
		unsigned long rec = m->flags & MS_REC;
		if (mount(m->source, target, NULL, MS_BIND | rec, NULL) < 0)
			return bx_make_error(err, errno, "cannot bind %s to %s", m->source, m->dest);
		unsigned long extra = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
		if (extra && mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | extra, NULL) < 0) {
			return bx_make_error(err, errno, "cannot apply the options of the bind mount %s", m->dest);
		}
	} else {
		unsigned long fl = m->flags & ~(MS_BIND | MS_REC);
		if (mount(m->source, target, m->type, fl, m->data) < 0) {
			/* mqueue and sysfs refuse in some namespace combinations
			 * (sysfs without a new net namespace in a user one): bind
			 * the host's, as runc does for sysfs. */
			if (!strcmp(m->type, "sysfs") && (errno == EPERM || errno == EBUSY) &&
			    mount("/sys", target, NULL, MS_BIND | MS_REC, NULL) == 0)
				return 0;
			return bx_make_error(err, errno, "cannot mount %s (%s) at %s%s%s", m->source, m->type, m->dest,
					     m->data ? " with " : "", m->data ? m->data : "");
		}
	}
	if (m->propagation && mount(NULL, target, NULL, m->propagation, NULL) < 0)
		return bx_make_error(err, errno, "cannot set the propagation of %s", m->dest);
	return 0;
}

/* The devices every container has (runtime-config-linux "Default
 * Devices"), then linux.devices.  In a user namespace mknod is not
 * allowed: the host's node is bound instead, as runc does. */
static const struct bx_oci_device default_devices[] = {
	{'c', "/dev/null", 1, 3, 0666, 0, 0},	{'c', "/dev/zero", 1, 5, 0666, 0, 0},
	{'c', "/dev/full", 1, 7, 0666, 0, 0},	{'c', "/dev/random", 1, 8, 0666, 0, 0},
	{'c', "/dev/urandom", 1, 9, 0666, 0, 0}, {'c', "/dev/tty", 5, 0, 0666, 0, 0},
};

static int make_device(const struct child *ch, const struct bx_oci_device *d, bool bind, bx_err_t *err)
{
	cleanup_free char *target = NULL;
	if (in_root(ch->rootfs, d->path, &target, err) < 0)
		return -1;
	cleanup_free char *dir = xstrdup(target);
	*strrchr(dir, '/') = 0;
	if (bx_mkdir_p(dir, 0755, err) < 0)
		return -1;
	if (bind) {
		if (make_target(target, true, err) < 0)
			return -1;
		if (mount(d->path, target, NULL, MS_BIND, NULL) < 0)
			return bx_make_error(err, errno, "cannot bind the device %s", d->path);
		return 0;
	}
	mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
	unlink(target);
	if (mknod(target, type | (d->mode & 07777), makedev(d->major, d->minor)) < 0)
		return bx_make_error(err, errno, "cannot create the device %s", d->path);
	if (chown(target, d->uid, d->gid) < 0)
		return bx_make_error(err, errno, "cannot chown the device %s", d->path);
	if (chmod(target, d->mode & 07777) < 0)
		return bx_make_error(err, errno, "cannot chmod the device %s", d->path);
	return 0;
}

static int setup_dev(const struct child *ch, bx_err_t *err)
{
	bool bind = ch->c->new_ns & CLONE_NEWUSER;
	for (size_t i = 0; i < N_ELEMENTS(default_devices); i++) {
		bool listed = false;
		for (size_t k = 0; k < ch->c->ndevices; k++)
			listed |= !strcmp(ch->c->devices[k].path, default_devices[i].path);
		if (!listed && make_device(ch, &default_devices[i], bind, err) < 0)
			return -1;
	}
	for (size_t k = 0; k < ch->c->ndevices; k++)
		if (make_device(ch, &ch->c->devices[k], bind, err) < 0)
			return -1;
	static const char *const links[][2] = {
		{"/proc/self/fd", "fd"},     {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
		{"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"},
	};
	for (size_t i = 0; i < N_ELEMENTS(links); i++) {
		cleanup_free char *p = xasprintf("%s/dev/%s", ch->rootfs, links[i][1]);
		struct stat st;
		/* ptmx: a devpts mount at /dev/pts makes its own ptmx the
		 * one to use; an existing node is replaced. */
		if (!strcmp(links[i][1], "ptmx") && lstat(p, &st) == 0 && !S_ISLNK(st.st_mode))
			unlink(p);
		if (symlink(links[i][0], p) < 0 && errno != EEXIST && errno != ENOENT)
			return bx_make_error(err, errno, "cannot create /dev/%s", links[i][1]);
	}
	return 0;
}

static int pivot(const struct child *ch, bx_err_t *err)
{
	if (chdir(ch->rootfs) < 0)
		return bx_make_error(err, errno, "cannot enter the root %s", ch->rootfs);
	if (ch->o->no_pivot) {
		/* For a root on a ramfs, where pivot_root is refused:
		 * move the root over / and chroot (escapable by a process
		 * with CAP_SYS_CHROOT, hence not the default). */
		if (mount(ch->rootfs, "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0)
			return bx_make_error(err, errno, "cannot move the root into place (--no-pivot)");
		return chdir("/") < 0 ? bx_make_error(err, errno, "cannot chdir to /") : 0;
	}
	/* runc's pivot_root(".", "."): the old root ends up stacked under
	 * the new one and is detached right away. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return bx_make_error(err, errno, "pivot_root into %s failed (try --no-pivot on a ramfs)", ch->rootfs);
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0 || umount2(".", MNT_DETACH) < 0)
		return bx_make_error(err, errno, "cannot detach the old root");
	return chdir("/") < 0 ? bx_make_error(err, errno, "cannot chdir to /") : 0;
}

static int mask_paths(const struct bx_oci_config *c, bx_err_t *err)
{
	for (size_t i = 0; c->masked && c->masked[i]; i++) {
		struct stat st;
		const char *p = c->masked[i];
		if (stat(p, &st) < 0) {
			if (errno == ENOENT)
				continue;
			return bx_make_error(err, errno, "cannot mask %s (linux.maskedPaths)", p);
		}
		int r = S_ISDIR(st.st_mode) ? mount("tmpfs", p, "tmpfs", MS_RDONLY, "size=0k")
					    : mount("/dev/null", p, NULL, MS_BIND, NULL);
		if (r < 0)
			return bx_make_error(err, errno, "cannot mask %s (linux.maskedPaths)", p);
	}
	for (size_t i = 0; c->readonly && c->readonly[i]; i++) {
		const char *p = c->readonly[i];
		if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0) {
			if (errno == ENOENT)
				continue;
			return bx_make_error(err, errno, "cannot make %s read-only (linux.readonlyPaths)", p);
		}
		if (mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 &&
		    mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
			return bx_make_error(err, errno, "cannot make %s read-only (linux.readonlyPaths)", p);
	}
	return 0;
}

static int write_sysctls(const struct bx_oci_config *c, bx_err_t *err)
{
	for (size_t i = 0; c->sysctl && c->sysctl[i]; i += 2) {
		cleanup_free char *key = xstrdup(c->sysctl[i]);
		for (char *p = key; *p; p++)
			if (*p == '.')
				*p = '/';
		cleanup_free char *path = xasprintf("/proc/sys/%s", key);
		bx_err_t tmp = NULL;
		if (bx_write_file(path, c->sysctl[i + 1], strlen(c->sysctl[i + 1]), &tmp) < 0) {
			bx_make_error(err, bx_error_errno(tmp), "cannot set linux.sysctl %s = %s", c->sysctl[i],
				      c->sysctl[i + 1]);
			bx_error_release(&tmp);
			return -1;
		}
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
	bx_make_error(err, ENOENT, "process.args[0]: \"%s\" not found in $PATH (%s) of the container", cmd, path);
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
		if (mount(NULL, "/", NULL, c->rootfs_propagation, NULL) < 0) {
			bx_make_error(&err, errno, "cannot set the propagation of / (linux.rootfsPropagation)");
			child_fail(fd, &err);
		}
		if (mount(ch->rootfs, ch->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) {
			bx_make_error(&err, errno, "cannot bind the root %s onto itself", ch->rootfs);
			child_fail(fd, &err);
		}
		for (size_t i = 0; i < c->nmounts; i++)
			if (do_mount(ch, &c->mounts[i], &err) < 0)
				child_fail(fd, &err);
		if (setup_dev(ch, &err) < 0)
			child_fail(fd, &err);
	}
	if (msg_send(fd, MSG_HOOKS, NULL) < 0 || msg_recv(fd, &state_json) != MSG_HOOKS)
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
		if (pivot(ch, &err) < 0 || write_sysctls(c, &err) < 0 || mask_paths(c, &err) < 0)
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
	if (bx_oci_rlimits(p, NULL, &err) < 0)
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

	struct clone_args_v0 ca = {
		.flags = (uint64_t)(c.new_ns & ~CLONE_NEWCGROUP) | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)&pidfd,
		.exit_signal = SIGCHLD,
	};
	/* Descriptors beyond stdio and --preserve-fds stay out of the
	 * container (the engine's own sockets among them). */
	syscall(SYS_close_range, 3 + o->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
	pid = (pid_t)syscall(SYS_clone3, &ca, sizeof ca);
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
	/* The cgroup attach (on v1 the first write to a cgroup.procs waits
	 * for an RCU grace period, ~10 ms) overlaps the child's mounts; it
	 * is done before the hooks, and before the child runs anything. */
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
