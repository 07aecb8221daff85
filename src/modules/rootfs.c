/* rootfs: the container's own root file system.  The image is the
 * read-only lower layer of an overlayfs; the container writes to its own
 * upper layer in its state dir, so two containers of one image never see
 * each other's changes (Documentation/filesystems/overlayfs.rst).
 *
 * Inside a mount namespace the root is switched with pivot_root(2) and the
 * old root is detached, so no path leads back to the host.  Without one
 * (--no-mnt) boxlab falls back to chroot(2), the weak isolation the
 * chroot-escape demo breaks.  With the module off the container sees the
 * host's root.
 *
 * The container gets a fresh /proc, a read-only /sys, and a tmpfs /dev
 * holding only null zero full random urandom tty (bind-mounted from the
 * host, since mknod is not allowed in a user namespace), its own devpts
 * instance and /dev/shm.
 *
 * Escape demos: chroot escape, read host files.  Lessons 02 and 07.
 */
#include "modules/module.h"
#include "core/image.h"
#include "core/state.h"
#include "core/proc.h"
#include "core/timeline.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void probe(struct bx_probe *out)
{
	bx_err_t err = NULL;
	cleanup_free char *fs = bx_read_file("/proc/filesystems", NULL, &err);
	bx_error_release(&err);
	out->ok = fs && strstr(fs, "\toverlay\n");
	snprintf(out->why, sizeof out->why, out->ok ? "overlayfs available"
		 : "overlayfs missing: modprobe overlay (CONFIG_OVERLAY_FS)");
}

static int prepare(struct bx_box *box, bx_err_t *err)
{
	struct bx_image img;
	cleanup_free char *lower = NULL;
	cleanup_free char *upper = bx_state_path(box->name, "upper");
	cleanup_free char *work = bx_state_path(box->name, "work");
	char *root = bx_state_path(box->name, "rootfs");
	uint64_t t = bx_now_us();

	box->rootfs = root;
	if (bx_image_resolve(box->spec->image, &img, err) < 0)
		return -1;
	if (box->root_uid || box->root_gid) {
		int ret = bx_image_shifted(&img, box->root_uid, box->root_gid, &lower, err);
		if (ret == 0)
			bx_tl_event(box->tl, "rootfs", "shift", t, "image %s owned by %u:%u", img.name, box->root_uid,
				    box->root_gid);
		if (ret < 0) {
			bx_image_free(&img);
			return -1;
		}
	} else {
		lower = xstrdup(img.rootfs);
	}
	bx_image_free(&img);

	if (mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0 || mkdir(root, 0755) < 0)
		return bx_make_error(err, errno, "rootfs: cannot create the overlay dirs in %s", box->dir);
	/* The upper dir's owner is the owner of / in the container. */
	if (chown(upper, box->root_uid, box->root_gid) < 0)
		return bx_make_error(err, errno, "rootfs: cannot chown %s", upper);

	t = bx_now_us();
	/* volatile: no syncs of the upper layer, which a container's writes
	 * do not need to survive a host crash; without it unmounting the
	 * overlay syncs the whole upper file system (Linux 5.10+). */
	cleanup_free char *opts = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s,volatile", lower, upper, work);
	if (mount("overlay", root, "overlay", 0, opts) < 0) {
		opts[strlen(opts) - strlen(",volatile")] = '\0';
		if (errno != EINVAL || mount("overlay", root, "overlay", 0, opts) < 0)
			return bx_make_error(err, errno, "rootfs: cannot mount overlayfs on %s", root);
	}
	bx_tl_event(box->tl, "rootfs", "overlay", t, "lower %s", lower);
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

static int child_setup(struct bx_box *box, bx_err_t *err)
{
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
	if (setup_proc_sys(box, err) < 0 || setup_dev(box, err) < 0)
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
	cleanup_free char *root = bx_state_path(box->name, "rootfs");
	/* Detach takes the submounts (proc, dev of a chroot) with it. */
	while (umount2(root, MNT_DETACH) == 0)
		;
	rmdir(root);
}

const struct bx_module bx_module_rootfs = {
	.name = "rootfs",
	.summary = "own root file system: overlay over the image, pivot_root, fresh /proc and /dev",
	.blocks = "reading and writing host files, chroot escapes, host devices",
	.kind = BX_KIND_FILESYSTEM,
	.default_on = true,
	.probe = probe,
	.prepare = prepare,
	.child_setup = child_setup,
	.teardown = teardown,
};
