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
#include <sched.h>
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

static int do_mount(const char *rootfs, const struct bx_oci_config *c, const char *id, const struct bx_oci_mount *m,
		    bx_err_t *err)
{
	cleanup_free char *target = NULL;
	if (in_root(rootfs, m->dest, &target, err) < 0)
		return -1;
	struct stat st;
	bool file = m->bind && stat(m->source, &st) == 0 && !S_ISDIR(st.st_mode);
	if (make_target(target, file, err) < 0)
		return -1;
	if (!strcmp(m->type, "cgroup")) {
		struct bx_cg cg;
		if (bx_cg_host(&cg, id, err) < 0)
			return -1;
		if (!cg.ops->unified && !(c->new_ns & CLONE_NEWCGROUP))
			return mount_cgroup_v1(target, m, id, err);
		if (!cg.ops->unified)
			return mount_cgroup_v1(target, m, id, err);
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

static int make_device(const char *rootfs, const struct bx_oci_device *d, bool bind, bx_err_t *err)
{
	cleanup_free char *target = NULL;
	if (in_root(rootfs, d->path, &target, err) < 0)
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
	for (size_t i = 0; i < N_ELEMENTS(links); i++) {
		cleanup_free char *p = xasprintf("%s/dev/%s", rootfs, links[i][1]);
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
