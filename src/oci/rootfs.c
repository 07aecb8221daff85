/* The container's file system, set up by its own process in its mount
 * namespace (runc's rootfs_linux.go): the root bound onto itself, the
 * config's mounts, the default devices and linux.devices, pivot_root,
 * then masked and read-only paths and the sysctls. */
#include "oci/oci.h"
#include "modules/cgroup.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

/* A mount point or device node inside the new root, resolved with
 * openat2's RESOLVE_IN_ROOT: a symlink or ".." of the image cannot lead
 * a mount out of the root onto the host (runc's securejoin, after
 * CVE-2021-30465).  Missing components are made on the way (directories,
 * or with `file` an empty file last).  Returns the "/proc/self/fd/N"
 * that mount(2) is given, with *fd to close; a path like that names what
 * the fd was opened on, so after a mount on it, resolve it again to
 * reach the new mount. */
struct target {
	int fd;
	char path[40];
};

static int open_in(int rootfd, const char *path, int flags)
{
	struct open_how how = {.flags = (uint64_t)(O_PATH | O_CLOEXEC | flags),
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	return (int)syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof how);
}

static void target_close(struct target *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

static int resolve_depth(const char *rootfs, const char *dest, bool create, bool file, struct target *t, int depth,
			 bx_err_t *err);

/* A dangling symlink on the way: make what it points to, in the root
 * (an absolute target counts from the root, a relative one from its
 * directory), as mkdir -p through a link would. */
static int make_link_target(const char *rootfs, int parent, const char *prefix, const char *name, bool file, int depth,
			    bx_err_t *err)
{
	char link[4096];
	ssize_t n = readlinkat(parent, name, link, sizeof link - 1);
	if (n < 0)
		return 1; /* not a link: the caller's error stands */
	link[n] = 0;
	if (depth > 16)
		return bx_make_error(err, ELOOP, "too many symlinks under %s in the container's root", prefix);
	cleanup_free char *to = link[0] == '/' ? xstrdup(link) : xasprintf("%s/%s", prefix, link);
	struct target t = {.fd = -1};
	if (resolve_depth(rootfs, to, true, file, &t, depth + 1, err) < 0)
		return -1;
	target_close(&t);
	return 0;
}

static int resolve(const char *rootfs, const char *dest, bool create, bool file, struct target *t, bx_err_t *err)
{
	return resolve_depth(rootfs, dest, create, file, t, 0, err);
}

static int resolve_depth(const char *rootfs, const char *dest, bool create, bool file, struct target *t, int depth,
			 bx_err_t *err)
{
	cleanup_close int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return bx_make_error(err, errno, "cannot open the root %s", rootfs);
	cleanup_free char *prefix = xstrdup("");
	cleanup_free char *copy = xstrdup(dest);
	int fd = -1;
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		bool last = *save == 0 || strspn(save, "/") == strlen(save);
		char *next = xasprintf("%s/%s", prefix, c);
		if (fd >= 0)
			close(fd);
		fd = open_in(rootfd, next, 0);
		if (fd < 0 && errno == ENOENT && create) {
			cleanup_close int parent = open_in(rootfd, prefix, O_DIRECTORY);
			int r = parent < 0 ? -1
				: last && file ? openat(parent, c, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644)
					       : mkdirat(parent, c, 0755);
			if (r < 0 && errno == EEXIST && parent >= 0) {
				int l = make_link_target(rootfs, parent, prefix, c, last && file, depth, err);
				if (l < 0) {
					free(next);
					return -1;
				}
			} else if (r < 0) {
				bx_make_error(err, errno, "cannot create %s in the container's root", next);
				free(next);
				return -1;
			}
			if (r > 0 && last && file)
				close(r);
			fd = open_in(rootfd, next, 0);
		}
		free(prefix);
		prefix = next;
		if (fd < 0)
			return bx_make_error(err, errno, "cannot resolve %s in the container's root", prefix);
	}
	if (fd < 0 && (fd = dup(rootfd)) < 0)
		return bx_make_error(err, errno, "cannot open the root %s", rootfs);
	t->fd = fd;
	snprintf(t->path, sizeof t->path, "/proc/self/fd/%d", fd);
	return 0;
}

/* cgroup v1 has no one file system to mount at /sys/fs/cgroup: a
 * read-only tmpfs with the container's own cgroup of each hierarchy
 * bound in (what runc does without a cgroup namespace). */
static int mount_cgroup_v1(const char *rootfs, const struct bx_oci_mount *m, const char *id, bx_err_t *err)
{
	struct target t = {.fd = -1};
	if (resolve(rootfs, m->dest, true, false, &t, err) < 0)
		return -1;
	int r = mount("tmpfs", t.path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755");
	target_close(&t);
	if (r < 0)
		return bx_make_error(err, errno, "cannot mount a tmpfs for cgroups at %s", m->dest);
	/* the tmpfs now, ours and empty */
	if (resolve(rootfs, m->dest, false, false, &t, err) < 0)
		return -1;
	int ret = -1;
	const char *target = t.path;
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
				if (symlink(link, dst) < 0 && errno != EEXIST) {
					bx_make_error(err, errno, "cannot make %s", dst);
					goto out;
				}
			}
			continue;
		}
		if (e->d_type != DT_DIR)
			continue;
		cleanup_free char *own = xasprintf("/sys/fs/cgroup/%s/boxlab/%s", e->d_name, id);
		if (access(own, F_OK) < 0)
			continue;
		if (mkdir(dst, 0755) < 0 && errno != EEXIST) {
			bx_make_error(err, errno, "cannot make %s", dst);
			goto out;
		}
		if (mount(own, dst, NULL, MS_BIND, NULL) < 0 ||
		    mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
			bx_make_error(err, errno, "cannot bind the container's cgroup %s", own);
			goto out;
		}
	}
	if (m->flags & MS_RDONLY)
		mount(NULL, target, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755");
	ret = 0;
out:
	target_close(&t);
	return ret;
}

static int do_mount(const char *rootfs, const struct bx_oci_config *c, const char *id, const struct bx_oci_mount *m,
		    bx_err_t *err)
{
	struct target t = {.fd = -1};
	struct stat st;
	bool file = m->bind && stat(m->source, &st) == 0 && !S_ISDIR(st.st_mode);
	if (!strcmp(m->type, "cgroup")) {
		struct bx_cg cg;
		if (bx_cg_host(&cg, id, err) < 0)
			return -1;
		if (!cg.ops->unified)
			return mount_cgroup_v1(rootfs, m, id, err);
		(void)c;
	}
	if (resolve(rootfs, m->dest, true, file, &t, err) < 0)
		return -1;
	int r;
	if (!strcmp(m->type, "cgroup")) {
		r = mount("cgroup2", t.path, "cgroup2", m->flags & ~(MS_BIND | MS_REC), NULL);
		target_close(&t);
		return r < 0 ? bx_make_error(err, errno, "cannot mount cgroup2 at %s", m->dest) : 0;
	}
	if (m->bind) {
		r = mount(m->source, t.path, NULL, MS_BIND | (m->flags & MS_REC), NULL);
		if (r < 0)
			bx_make_error(err, errno, "cannot bind %s to %s", m->source, m->dest);
	} else {
		r = mount(m->source, t.path, m->type, m->flags & ~(MS_BIND | MS_REC), m->data);
		/* sysfs refuses in a user namespace without its own network
		 * namespace: bind the host's, as runc does. */
		if (r < 0 && !strcmp(m->type, "sysfs") && (errno == EPERM || errno == EBUSY))
			r = mount("/sys", t.path, NULL, MS_BIND | MS_REC, NULL);
		if (r < 0)
			bx_make_error(err, errno, "cannot mount %s (%s) at %s%s%s", m->source, m->type, m->dest,
				      m->data ? " with " : "", m->data ? m->data : "");
	}
	target_close(&t);
	if (r < 0)
		return -1;
	unsigned long extra = m->bind ? m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT) : 0;
	if (!extra && !m->propagation)
		return 0;
	/* The new mount, for its bind options and propagation. */
	if (resolve(rootfs, m->dest, false, false, &t, err) < 0)
		return -1;
	r = 0;
	if (extra && mount(NULL, t.path, NULL, MS_BIND | MS_REMOUNT | extra, NULL) < 0)
		r = bx_make_error(err, errno, "cannot apply the options of the bind mount %s", m->dest);
	else if (m->propagation && mount(NULL, t.path, NULL, m->propagation, NULL) < 0)
		r = bx_make_error(err, errno, "cannot set the propagation of %s", m->dest);
	target_close(&t);
	return r;
}

/* The devices every container has (runtime-config-linux "Default
 * Devices"), then linux.devices.  In a user namespace mknod is not
 * allowed: the host's node is bound instead, as runc does. */
static const struct bx_oci_device default_devices[] = {
	{'c', "/dev/null", 1, 3, 0666, 0, 0},	{'c', "/dev/zero", 1, 5, 0666, 0, 0},
	{'c', "/dev/full", 1, 7, 0666, 0, 0},	{'c', "/dev/random", 1, 8, 0666, 0, 0},
	{'c', "/dev/urandom", 1, 9, 0666, 0, 0}, {'c', "/dev/tty", 5, 0, 0666, 0, 0},
};

static int make_device(const char *rootfs, const struct bx_oci_device *d, bool bind, bx_err_t *err)
{
	struct target t = {.fd = -1};
	if (bind) {
		if (resolve(rootfs, d->path, true, true, &t, err) < 0)
			return -1;
		int r = mount(d->path, t.path, NULL, MS_BIND, NULL);
		target_close(&t);
		return r < 0 ? bx_make_error(err, errno, "cannot bind the device %s", d->path) : 0;
	}
	/* mknodat in the resolved parent: the node itself never follows
	 * a symlink (one already there is replaced). */
	cleanup_free char *dir = xstrdup(d->path);
	char *base = strrchr(dir, '/');
	*base++ = 0;
	if (!*base)
		return bx_usage_error(err, "linux.devices: %s is not a file path", d->path);
	if (resolve(rootfs, dir, true, false, &t, err) < 0)
		return -1;
	cleanup_close int parent = open(t.path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	target_close(&t);
	if (parent < 0)
		return bx_make_error(err, errno, "cannot open the directory of %s", d->path);
	mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
	unlinkat(parent, base, 0);
	if (mknodat(parent, base, type | (d->mode & 07777), makedev(d->major, d->minor)) < 0)
		return bx_make_error(err, errno, "cannot create the device %s", d->path);
	if (fchownat(parent, base, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return bx_make_error(err, errno, "cannot chown the device %s", d->path);
	/* fchmodat cannot refuse to follow links; the node was just made
	 * by us and is not one. */
	if (fchmodat(parent, base, d->mode & 07777, 0) < 0)
		return bx_make_error(err, errno, "cannot chmod the device %s", d->path);
	return 0;
}

static int setup_dev(const char *rootfs, const struct bx_oci_config *c, bx_err_t *err)
{
	bool bind = c->new_ns & CLONE_NEWUSER;
	for (size_t i = 0; i < N_ELEMENTS(default_devices); i++) {
		bool listed = false;
		for (size_t k = 0; k < c->ndevices; k++)
			listed |= !strcmp(c->devices[k].path, default_devices[i].path);
		if (!listed && make_device(rootfs, &default_devices[i], bind, err) < 0)
			return -1;
	}
	for (size_t k = 0; k < c->ndevices; k++)
		if (make_device(rootfs, &c->devices[k], bind, err) < 0)
			return -1;
	static const char *const links[][2] = {
		{"/proc/self/fd", "fd"},     {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
		{"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"},
	};
	struct target t = {.fd = -1};
	if (resolve(rootfs, "/dev", true, false, &t, err) < 0)
		return -1;
	cleanup_close int dev = open(t.path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	target_close(&t);
	if (dev < 0)
		return bx_make_error(err, errno, "cannot open the container's /dev");
	for (size_t i = 0; i < N_ELEMENTS(links); i++) {
		struct stat st;
		/* ptmx: a devpts mount at /dev/pts makes its own ptmx the
		 * one to use; an existing node is replaced. */
		if (!strcmp(links[i][1], "ptmx") && fstatat(dev, "ptmx", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISLNK(st.st_mode))
			unlinkat(dev, "ptmx", 0);
		if (symlinkat(links[i][0], dev, links[i][1]) < 0 && errno != EEXIST)
			return bx_make_error(err, errno, "cannot create /dev/%s", links[i][1]);
	}
	return 0;
}

int bx_oci_pivot(const char *rootfs, bool no_pivot, bx_err_t *err)
{
	if (chdir(rootfs) < 0)
		return bx_make_error(err, errno, "cannot enter the root %s", rootfs);
	if (no_pivot) {
		/* For a root on a ramfs, where pivot_root is refused:
		 * move the root over / and chroot (escapable by a process
		 * with CAP_SYS_CHROOT, hence not the default). */
		if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0)
			return bx_make_error(err, errno, "cannot move the root into place (--no-pivot)");
		return chdir("/") < 0 ? bx_make_error(err, errno, "cannot chdir to /") : 0;
	}
	/* runc's pivot_root(".", "."): the old root ends up stacked under
	 * the new one and is detached right away. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return bx_make_error(err, errno, "pivot_root into %s failed (try --no-pivot on a ramfs)", rootfs);
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0 || umount2(".", MNT_DETACH) < 0)
		return bx_make_error(err, errno, "cannot detach the old root");
	return chdir("/") < 0 ? bx_make_error(err, errno, "cannot chdir to /") : 0;
}

int bx_oci_mask_paths(const struct bx_oci_config *c, bx_err_t *err)
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

int bx_oci_sysctls(const struct bx_oci_config *c, bx_err_t *err)
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

int bx_oci_mounts(const char *rootfs, const struct bx_oci_config *c, const char *id, bx_err_t *err)
{
	if (mount(NULL, "/", NULL, c->rootfs_propagation, NULL) < 0)
		return bx_make_error(err, errno, "cannot set the propagation of / (linux.rootfsPropagation)");
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return bx_make_error(err, errno, "cannot bind the root %s onto itself", rootfs);
	for (size_t i = 0; i < c->nmounts; i++)
		if (do_mount(rootfs, c, id, &c->mounts[i], err) < 0)
			return -1;
	return setup_dev(rootfs, c, err);
}
