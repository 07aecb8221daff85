/* rootfs: the container's own root file system.  The image's layers are
 * the read-only lower layers of an overlayfs; the container writes to its
 * own upper layer in its state dir, so two containers of one image never
 * see each other's changes (Documentation/filesystems/overlayfs.rst), and
 * `boxlab diff` reads what it changed from that upper layer alone.
 *
 * Inside a mount namespace the root is switched with pivot_root(2) and the
 * old root is detached, so no path leads back to the host.  Without one
 * (--no-mnt) boxlab falls back to chroot(2), the weak isolation the
 * chroot-escape demo breaks.  With the module off the container sees the
 * host's root, and boxlab says so on stderr and in the timeline.
 *
 * The container gets a fresh /proc and a read-only /sys with Docker's
 * masks (moby oci/defaults.go): files that leak host internals (kcore,
 * keys, timer_list...) hidden under /dev/null, directories under an empty
 * read-only tmpfs, and /proc/sys, /proc/irq... read-only, so container
 * root cannot retune the host's kernel.  /dev is a tmpfs holding only
 * null zero full random urandom tty (bind-mounted from the host, since
 * mknod is not allowed in a user namespace), its own devpts and /dev/shm.
 *
 * Volumes (-v) are bind mounts cloned on the host side before clone
 * (open_tree), so the container's root needs no permission on the host
 * path; their mount points are created inside the new root with
 * openat2(RESOLVE_IN_ROOT), so a symlink in the image (/data -> /) can
 * never lead the mount or a mkdir out of the container's root.
 * --read-only makes the root mount read-only once all of that is done;
 * like Docker it adds no writable tmpfs of its own (use --tmpfs /tmp).
 *
 * Escape demos: chroot escape, read host files, /proc/sysrq-trigger.
 * Lessons 02 and 07.
 */
#include "modules/module.h"
#include "modules/rootfs.h"
#include "core/image.h"
#include "core/state.h"
#include "core/proc.h"
#include "core/timeline.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

/* What prepare hands to the child: a detached mount per volume, made on
 * the host side (open_tree), inherited through clone. */
struct rootfs_priv {
	int *fds; /* by mount index; -1 for tmpfs */
	size_t n;
};

static struct rootfs_priv **priv_of(struct bx_box *box)
{
	return (struct rootfs_priv **)&box->priv[bx_module_index("rootfs")];
}

static void close_fds(struct rootfs_priv *p)
{
	for (size_t i = 0; p && i < p->n; i++)
		if (p->fds[i] >= 0) {
			close(p->fds[i]);
			p->fds[i] = -1;
		}
}

static void probe(struct bx_probe *out)
{
	bx_err_t err = NULL;
	cleanup_free char *fs = bx_read_file("/proc/filesystems", NULL, &err);
	bx_error_release(&err);
	out->ok = fs && strstr(fs, "\toverlay\n");
	snprintf(out->why, sizeof out->why, out->ok ? "overlayfs available"
		 : "overlayfs missing: modprobe overlay (CONFIG_OVERLAY_FS)");
}

/* Host side of each volume: check the source, clone it as a detached
 * mount (read-only and private as asked), and give a named volume to
 * container root. */
static int prepare_volumes(struct bx_box *box, const struct bx_rootfs_conf *c, bx_err_t *err)
{
	struct rootfs_priv *p = xzalloc(sizeof *p);
	*priv_of(box) = p;
	p->fds = xmalloc((c->n ? c->n : 1) * sizeof *p->fds);
	for (size_t i = 0; i < c->n; i++)
		p->fds[i] = -1;
	p->n = c->n;
	for (size_t i = 0; i < c->n; i++) {
		const struct bx_mount *m = &c->mounts[i];
		cleanup_free char *src = NULL;
		struct stat st;
		if (m->kind == BX_MOUNT_TMPFS)
			continue;
		if (m->kind == BX_MOUNT_VOLUME) {
			if (!bx_volume_exists(m->source))
				return bx_volume_missing(m->source, err);
			src = bx_volume_data(m->source);
		} else {
			src = xstrdup(m->source);
		}
		if (stat(src, &st) < 0 && errno == ENOENT)
			return bx_usage_error(err, "volume source %s does not exist (boxlab does not create host "
					      "directories: create it first)", src);
		if (stat(src, &st) < 0)
			return bx_make_error(err, errno, "volume source %s", src);
		/* With a user namespace container root is a high host uid: a
		 * named volume is boxlab's, so it is made theirs (its top
		 * directory, as Docker's userns-remap does); a host directory
		 * is the user's and is left as it is. */
		if (m->kind == BX_MOUNT_VOLUME && (box->root_uid || box->root_gid) &&
		    (st.st_uid != box->root_uid || st.st_gid != box->root_gid)) {
			if (chown(src, box->root_uid, box->root_gid) < 0)
				return bx_make_error(err, errno, "cannot give volume %s to container root", m->source);
			bx_tl_event(box->tl, "rootfs", "volume", 0, "volume %s now owned by %u:%u", m->source,
				    box->root_uid, box->root_gid);
		}
		int fd = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (fd < 0)
			return bx_make_error(err, errno, "cannot clone a mount of %s", src);
		p->fds[i] = fd;
		/* Private: what the container mounts under its volume must not
		 * propagate to the host's copy of it. */
		struct mount_attr a = {.propagation = MS_PRIVATE};
		if (m->ro)
			a.attr_set = MOUNT_ATTR_RDONLY;
		if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0)
			return bx_make_error(err, errno, "cannot set up the mount of %s", src);
	}
	return 0;
}

static int prepare(struct bx_box *box, bx_err_t *err)
{
	const struct bx_rootfs_conf *c = bx_rootfs_conf(box->spec);
	struct bx_image img;
	cleanup_free char *lower = NULL;
	cleanup_free char *upper = bx_state_path(box->name, "upper");
	cleanup_free char *work = bx_state_path(box->name, "work");
	cleanup_free char *lowerfile = bx_state_path(box->name, "lowerdir");
	uint64_t t = bx_now_us();
	int made = 0;

	if (c && (c->n || c->read_only) && !(box->clone_flags & CLONE_NEWNS))
		return bx_usage_error(err, "volumes, --tmpfs and --read-only need a mount namespace: the mnt module is "
				      "off (--no-mnt), so every mount would be the host's");
	/* Every source checked before anything is mounted. */
	if (c && prepare_volumes(box, c, err) < 0)
		return -1;

	box->rootfs = bx_state_path(box->name, "rootfs");
	/* The run resolved it already; others (restore) resolve it here. */
	const struct bx_image *im = box->image;
	if (!im) {
		if (bx_image_resolve(box->spec->image, &img, err) < 0)
			return -1;
		im = &img;
	}
	int ret = bx_image_lowerdir(im, box->root_uid, box->root_gid, &lower, &made, err);
	if (ret == 0 && made)
		bx_tl_event(box->tl, "rootfs", "shift", t, "image %s: %d layer%s copied for %u:%u", im->name, made,
			    made == 1 ? "" : "s", box->root_uid, box->root_gid);
	size_t nlayers = im->layers ? strv_len(im->layers) : 1;
	if (!box->image)
		bx_image_free(&img);
	if (ret < 0)
		return -1;

	/* They exist when a restart policy starts the container again: it
	 * keeps its files (upper), as with Docker.  The work dir is scratch,
	 * and a volatile overlay refuses to mount over a used one. */
	if (access(work, F_OK) == 0 && bx_rm_rf(work, err) < 0)
		return -1;
	if ((mkdir(upper, 0755) < 0 && errno != EEXIST) || mkdir(work, 0700) < 0 ||
	    (mkdir(box->rootfs, 0755) < 0 && errno != EEXIST))
		return bx_make_error(err, errno, "rootfs: cannot create the overlay dirs in %s", box->dir);
	/* The upper dir's owner is the owner of / in the container. */
	if (chown(upper, box->root_uid, box->root_gid) < 0)
		return bx_make_error(err, errno, "rootfs: cannot chown %s", upper);
	/* For `boxlab diff`, which must read the same layers later. */
	if (bx_write_file(lowerfile, lower, strlen(lower), err) < 0)
		return -1;

	t = bx_now_us();
	/* volatile: no syncs of the upper layer, which a container's writes
	 * do not need to survive a host crash; without it unmounting the
	 * overlay syncs the whole upper file system (Linux 5.10+). */
	cleanup_free char *opts = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s,volatile", lower, upper, work);
	if (strpbrk(box->dir, ",:"))
		return bx_usage_error(err, "rootfs: the state dir %s has ',' or ':', which overlayfs options cannot "
				      "hold", box->dir);
	if (strlen(opts) >= 4096)
		return bx_make_error(err, 0, "rootfs: %zu layers are too many for one overlay mount (its options "
				     "exceed 4096 bytes)", nlayers);
	if (mount("overlay", box->rootfs, "overlay", 0, opts) < 0) {
		opts[strlen(opts) - strlen(",volatile")] = '\0';
		if (errno != EINVAL || mount("overlay", box->rootfs, "overlay", 0, opts) < 0)
			return bx_make_error(err, errno, "rootfs: cannot mount overlayfs on %s", box->rootfs);
	}
	bx_tl_event(box->tl, "rootfs", "overlay", t, "%zu lower layer%s: %s", nlayers, nlayers == 1 ? "" : "s", lower);
	return 0;
}

/* The parent's copies of the volume mounts are not needed any more: the
 * child holds its own (clone copied the descriptor table). */
static int parent_setup(struct bx_box *box, bx_err_t *err)
{
	(void)err;
	close_fds(*priv_of(box));
	return 0;
}

static int bind_dev(const char *name, bx_err_t *err)
{
	char src[64], dst[64];
	snprintf(src, sizeof src, "/dev/%s", name);
	snprintf(dst, sizeof dst, "dev/%s", name);
	cleanup_close int fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		return bx_make_error(err, errno, "rootfs: cannot create /%s", dst);
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
		return bx_make_error(err, errno, "rootfs: cannot bind %s", src);
	return 0;
}

/* Populate /dev under the current directory (the new root). */
static int setup_dev(struct bx_box *box, bx_err_t *err)
{
	static const char *const devices[] = {"null", "zero", "full", "random", "urandom", "tty"};
	static const char *const links[][2] = {
		{"/proc/self/fd", "dev/fd"},     {"/proc/self/fd/0", "dev/stdin"},
		{"/proc/self/fd/1", "dev/stdout"}, {"/proc/self/fd/2", "dev/stderr"},
		{"pts/ptmx", "dev/ptmx"},
	};
	uint64_t t = bx_now_us();
	mkdir("dev", 0755);
	if (mount("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") < 0)
		return bx_make_error(err, errno, "rootfs: cannot mount tmpfs on /dev");
	for (size_t i = 0; i < N_ELEMENTS(devices); i++)
		if (bind_dev(devices[i], err) < 0)
			return -1;
	for (size_t i = 0; i < N_ELEMENTS(links); i++)
		if (symlink(links[i][0], links[i][1]) < 0)
			return bx_make_error(err, errno, "rootfs: cannot link /%s", links[i][1]);
	if (mkdir("dev/pts", 0755) < 0 || mkdir("dev/shm", 01777) < 0)
		return bx_make_error(err, errno, "rootfs: cannot create /dev/pts and /dev/shm");
	/* gid 5 is tty in the image; newinstance gives the container its own
	 * pty numbering, invisible to the host's. */
	if (mount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0 &&
	    mount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") < 0)
		return bx_make_error(err, errno, "rootfs: cannot mount devpts on /dev/pts");
	if (mount("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k") < 0)
		return bx_make_error(err, errno, "rootfs: cannot mount tmpfs on /dev/shm");
	bx_tl_event(box->tl, "rootfs", "dev", t, "tmpfs /dev, 6 devices, devpts, shm");
	return 0;
}

static int setup_proc_sys(struct bx_box *box, bx_err_t *err)
{
	uint64_t t = bx_now_us();
	mkdir("proc", 0555);
	mkdir("sys", 0555);
	if (mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		/* A user namespace that does not own the pid namespace may not
		 * mount proc (--no-pid with user on): show the host's, which
		 * is what sharing the pid namespace means. */
		if (errno != EPERM || mount("/proc", "proc", NULL, MS_BIND | MS_REC, NULL) < 0)
			return bx_make_error(err, errno, "rootfs: cannot mount /proc");
	}
	if (mount("sysfs", "sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		/* sysfs may only be mounted by the owner of the network
		 * namespace (--no-net with user on): bind the host's. */
		if (mount("/sys", "sys", NULL, MS_BIND | MS_REC, NULL) < 0)
			return bx_make_error(err, errno, "rootfs: cannot mount /sys");
		mount(NULL, "sys", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	}
	bx_tl_event(box->tl, "rootfs", "proc", t, "/proc (%s pids), /sys read-only",
		    box->clone_flags & CLONE_NEWPID ? "container" : "host");
	return 0;
}

/* Docker's masks over the fresh /proc and /sys (cwd: the new root).
 * Paths this kernel does not have are skipped, as runc does. */
static int mask_paths(struct bx_box *box, bx_err_t *err)
{
	uint64_t t = bx_now_us();
	int masked = 0, absent = 0, ro = 0;
	for (size_t i = 0; bx_masked_paths[i]; i++) {
		const char *rel = bx_masked_paths[i] + 1;
		struct stat st;
		if (lstat(rel, &st) < 0) {
			absent++;
			continue;
		}
		int r = S_ISDIR(st.st_mode)
				? mount("tmpfs", rel, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0555")
				: mount("/dev/null", rel, NULL, MS_BIND, NULL);
		if (r < 0)
			return bx_make_error(err, errno, "rootfs: cannot mask %s", bx_masked_paths[i]);
		masked++;
	}
	for (size_t i = 0; bx_readonly_paths[i]; i++) {
		const char *rel = bx_readonly_paths[i] + 1;
		struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
						   MOUNT_ATTR_NOEXEC};
		if (access(rel, F_OK) < 0) {
			absent++;
			continue;
		}
		if (mount(rel, rel, NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    mount_setattr(AT_FDCWD, rel, AT_RECURSIVE | AT_SYMLINK_NOFOLLOW, &a, sizeof a) < 0)
			return bx_make_error(err, errno, "rootfs: cannot make %s read-only", bx_readonly_paths[i]);
		ro++;
	}
	bx_tl_event(box->tl, "rootfs", "mask", t, "%d paths masked, %d read-only, %d absent on this kernel", masked, ro,
		    absent);
	return 0;
}

static int open_in_root(int root, const char *path, int flags)
{
	return bx_openat2(root, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

/* Open (creating what is missing) the mount point `target` inside the
 * root.  Every component is resolved with RESOLVE_IN_ROOT, so symlinks
 * in the image resolve as they would inside the container: "/" and
 * ".." stop at its root.  The last component is a directory, or an
 * empty file when a file is mounted on it. */
static int make_mount_point(int root, const char *target, bool dir, bx_err_t *err)
{
	cleanup_free char *rel = xstrdup(target + 1);
	int parent = dup(root);
	if (parent < 0)
		return bx_make_error(err, errno, "rootfs: dup");
	for (char *s = rel;;) {
		char *slash = strchr(s, '/');
		bool last = !slash;
		if (slash)
			*slash = '\0';
		int fd = open_in_root(root, rel, O_PATH);
		if (fd < 0 && errno == ENOENT) {
			if (!last || dir) {
				if (mkdirat(parent, s, 0755) < 0 && errno != EEXIST) {
					close(parent);
					return bx_make_error(err, errno, "rootfs: cannot create /%s in the container", rel);
				}
			} else {
				int f = openat(parent, s, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
				if (f >= 0)
					close(f);
			}
			fd = open_in_root(root, rel, O_PATH);
		}
		close(parent);
		if (fd < 0)
			return bx_make_error(err, errno, "rootfs: cannot open /%s in the container%s", rel,
					     errno == ENOENT ? " (a dangling symlink?)" : "");
		/* A symlink in the image may lead into the fresh /proc or
		 * /sys, which must keep their masks. */
		struct statfs sfs;
		if (fstatfs(fd, &sfs) == 0 && (sfs.f_type == PROC_SUPER_MAGIC || sfs.f_type == SYSFS_MAGIC)) {
			close(fd);
			return bx_make_error(err, 0, "rootfs: mount point %s resolves into /proc or /sys (through a "
					     "symlink in the image): refused", target);
		}
		struct stat st;
		if (fstat(fd, &st) < 0 || (!last && !S_ISDIR(st.st_mode))) {
			close(fd);
			return bx_make_error(err, ENOTDIR, "rootfs: cannot use /%s in the container", rel);
		}
		if (last) {
			if (dir != !!S_ISDIR(st.st_mode)) {
				close(fd);
				return bx_make_error(err, 0, "rootfs: mount point %s is a %s in the image, the source is a %s",
						     target, dir ? "file" : "directory", dir ? "directory" : "file");
			}
			return fd;
		}
		*slash = '/';
		s = slash + 1;
		parent = fd;
	}
}

static int mount_tmpfs(const struct bx_mount *m, bx_err_t *err)
{
	cleanup_close int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return bx_make_error(err, errno, "rootfs: fsopen tmpfs");
	for (size_t i = 0; m->fsopts && m->fsopts[i]; i++) {
		cleanup_free char *key = xstrdup(m->fsopts[i]);
		char *eq = strchr(key, '=');
		*eq = '\0';
		if (fsconfig(fs, FSCONFIG_SET_STRING, key, eq + 1, 0) < 0) {
			/* The kernel says why in the context's log. */
			char why[256] = "";
			ssize_t n = read(fs, why, sizeof why - 1);
			why[n > 0 ? n : 0] = '\0';
			why[strcspn(why, "\n")] = '\0';
			return bx_make_error(err, errno, "rootfs: tmpfs %s: option %s%s%s", m->target, m->fsopts[i],
					     *why ? ": " : "", *why ? why + 2 : "");
		}
	}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return bx_make_error(err, errno, "rootfs: cannot create the tmpfs for %s", m->target);
	int mnt = fsmount(fs, FSMOUNT_CLOEXEC, m->attrs);
	if (mnt < 0)
		return bx_make_error(err, errno, "rootfs: cannot mount the tmpfs for %s", m->target);
	return mnt;
}

static int cmp_depth(const void *a, const void *b)
{
	const struct bx_mount *const *x = a, *const *y = b;
	int dx = 0, dy = 0;
	for (const char *p = (*x)->target; *p; p++)
		dx += *p == '/';
	for (const char *p = (*y)->target; *p; p++)
		dy += *p == '/';
	return dx != dy ? dx - dy : strcmp((*x)->target, (*y)->target);
}

/* Volumes and tmpfs mounts, parents first (/a before /a/b). */
static int setup_mounts(struct bx_box *box, int root, bx_err_t *err)
{
	const struct bx_rootfs_conf *c = bx_rootfs_conf(box->spec);
	struct rootfs_priv *p = *priv_of(box);
	if (!c || !c->n)
		return 0;
	cleanup_free const struct bx_mount **order = xmalloc(c->n * sizeof *order);
	for (size_t i = 0; i < c->n; i++)
		order[i] = &c->mounts[i];
	qsort(order, c->n, sizeof *order, cmp_depth);
	for (size_t k = 0; k < c->n; k++) {
		const struct bx_mount *m = order[k];
		size_t i = (size_t)(m - c->mounts);
		uint64_t t = bx_now_us();
		bool dir = true;
		struct stat st;
		if (m->kind != BX_MOUNT_TMPFS) {
			if (fstat(p->fds[i], &st) < 0)
				return bx_make_error(err, errno, "rootfs: volume %s", m->spec);
			dir = S_ISDIR(st.st_mode);
		}
		cleanup_close int target = make_mount_point(root, m->target, dir, err);
		if (target < 0)
			return -1;
		cleanup_close int src = m->kind == BX_MOUNT_TMPFS ? mount_tmpfs(m, err) : steal_fd(&p->fds[i]);
		if (src < 0)
			return -1;
		if (move_mount(src, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return bx_make_error(err, errno, "rootfs: cannot mount %s", m->spec);
		if (m->kind == BX_MOUNT_TMPFS)
			bx_tl_event(box->tl, "rootfs", "tmpfs", t, "tmpfs on %s%s", m->target, m->ro ? " (read-only)" : "");
		else
			bx_tl_event(box->tl, "rootfs", "volume", t, "%s %s on %s%s",
				    m->kind == BX_MOUNT_VOLUME ? "volume" : "host dir", m->source, m->target,
				    m->ro ? " (read-only)" : "");
	}
	return 0;
}

static int make_read_only(struct bx_box *box, int root, bx_err_t *err)
{
	uint64_t t = bx_now_us();
	/* The working directory is made before the root stops being
	 * writable: -w /new must still work, as with Docker. */
	if (box->spec->workdir && strcmp(box->spec->workdir, "/")) {
		cleanup_free char *wd = NULL;
		if (bx_mount_check_target("working directory", box->spec->workdir, &wd, err) == 0) {
			int fd = make_mount_point(root, wd, true, err);
			if (fd < 0)
				return -1;
			close(fd);
		} else {
			/* A workdir inside /proc or /sys: not ours to create. */
			bx_error_release(err);
		}
	}
	/* Only the root mount: /dev, /dev/shm, volumes and tmpfs mounts
	 * keep their own flags. */
	struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};
	if (mount_setattr(root, "", AT_EMPTY_PATH, &a, sizeof a) < 0)
		return bx_make_error(err, errno, "rootfs: cannot make the root read-only");
	bx_tl_event(box->tl, "rootfs", "read-only", t, "root file system read-only");
	return 0;
}

static int child_setup(struct bx_box *box, bx_err_t *err)
{
	const struct bx_rootfs_conf *c = bx_rootfs_conf(box->spec);
	uint64_t t;
	if (chdir(box->rootfs) < 0)
		return bx_make_error(err, errno, "rootfs: cannot enter %s", box->rootfs);

	if (!(box->clone_flags & CLONE_NEWNS)) {
		/* No mount namespace: anything mounted now would be a host
		 * mount, so only chroot. */
		t = bx_now_us();
		if (chroot(".") < 0 || chdir("/") < 0)
			return bx_make_error(err, errno, "rootfs: cannot chroot to %s", box->rootfs);
		bx_tl_event(box->tl, "rootfs", "chroot", t, "no mount namespace: chroot only, no fresh /proc or /dev");
		return 0;
	}
	/* Mounts copied into a user namespace's mount namespace are locked
	 * to their parents, and pivot_root refuses a locked new root
	 * (EINVAL).  A bind of the root onto itself is a fresh, unlocked
	 * mount made here. */
	if (mount(box->rootfs, box->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0 || chdir(box->rootfs) < 0)
		return bx_make_error(err, errno, "rootfs: cannot bind %s onto itself", box->rootfs);
	cleanup_close int root = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return bx_make_error(err, errno, "rootfs: cannot open the new root");
	if (setup_proc_sys(box, err) < 0 || mask_paths(box, err) < 0 || setup_dev(box, err) < 0 ||
	    setup_mounts(box, root, err) < 0)
		return -1;
	if (c && c->read_only && make_read_only(box, root, err) < 0)
		return -1;

	/* pivot_root(".", ".") stacks the old root on top of the new one;
	 * detaching it leaves no path back to the host (runc does the
	 * same, see pivot_root(2) NOTES). */
	t = bx_now_us();
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return bx_make_error(err, errno, "rootfs: pivot_root into %s", box->rootfs);
	if (umount2(".", MNT_DETACH) < 0)
		return bx_make_error(err, errno, "rootfs: cannot detach the old root");
	if (chdir("/") < 0)
		return bx_make_error(err, errno, "rootfs: chdir /");
	bx_tl_event(box->tl, "rootfs", "pivot_root", t, "old root detached");
	return 0;
}

static void teardown(struct bx_box *box)
{
	struct rootfs_priv **p = priv_of(box);
	if (*p) {
		close_fds(*p);
		free((*p)->fds);
		free(*p);
		*p = NULL;
	}
	cleanup_free char *root = bx_state_path(box->name, "rootfs");
	/* Detach takes the submounts (proc, dev of a chroot) with it. */
	while (umount2(root, MNT_DETACH) == 0)
		;
	rmdir(root);
}

const struct bx_module bx_module_rootfs = {
	.name = "rootfs",
	.summary = "own root file system: overlay over the image, pivot_root, masked /proc, volumes",
	.blocks = "reading and writing host files, chroot escapes, host devices, /proc and /sys leaks",
	.off_warning = "rootfs is off: the container sees and can write the HOST's root file system "
		       "(volumes, --tmpfs and --read-only do not apply)",
	.kind = BX_KIND_FILESYSTEM,
	.default_on = true,
	.options = bx_rootfs_opts,
	.free_conf = bx_rootfs_free_conf,
	.probe = probe,
	.prepare = prepare,
	.parent_setup = parent_setup,
	.child_setup = child_setup,
	.teardown = teardown,
};
