/* The run dir on a RAM file system.
 *
 * Everything a container start writes lives in the run dir: its state
 * files, and the overlay's upper and work dirs, where the kernel itself
 * creates a few more.  On a standard Debian /run is a tmpfs and that
 * costs microseconds.  Where /run is an ext4 that has seen many files
 * come and go (a CI machine, this project's VMs), ext4 scans its
 * recently deleted inodes at every new one: a third of the CPU time of a
 * `run --rm` went there, about 2 ms of 10.  So boxlab gives its run dir
 * the tmpfs that /run would have been: it mounts one there, once, when
 * the dir is not on RAM already and holds nothing (a mount over state
 * would hide it).  The mount outlives boxlab, as /run's own does, until
 * reboot or `umount`.
 *
 * Only boxlab's default run dir gets one unless asked: a BOXLAB_RUN_DIR
 * of a test or a script is removed with rm -rf by its owner, which a
 * mount would turn into a leak.  BOXLAB_RUN_TMPFS=1 asks for it there
 * too (the owner then unmounts it), =0 never mounts. */
#include "core/state.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

static bool on_ram(const char *dir)
{
	struct statfs sf;
	return statfs(dir, &sf) == 0 && (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC);
}

static bool tmpfs_wanted(void)
{
	const char *want = getenv("BOXLAB_RUN_TMPFS");
	if (want && *want)
		return strcmp(want, "0") != 0;
	const char *dir = getenv("BOXLAB_RUN_DIR");
	return !dir || !*dir;
}

/* Nothing in it but gc's lock file, which may stay hidden. */
static bool is_empty(int fd)
{
	int dup_fd = dup(fd);
	if (dup_fd < 0)
		return false;
	cleanup_dir DIR *d = fdopendir(dup_fd);
	if (!d) {
		close(dup_fd);
		return false;
	}
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, ".gc.lock"))
			return false;
	return true;
}

static void mount_tmpfs(const char *dir)
{
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* Two first runs at once: one mounts, the other finds it mounted.
	 * The lock is on the disk's directory, which both opened before
	 * any mount. */
	if (fd < 0 || flock(fd, LOCK_EX) < 0)
		return;
	if (!on_ram(dir) && is_empty(fd))
		/* No flags: the same as the disk it covers (containers'
		 * upper layers are here; nodev or noexec would change them). */
		mount("boxlab", dir, "tmpfs", 0, "mode=0711");
}

int bx_run_dir_prepare(bx_err_t *err)
{
	const char *dir = bx_run_dir();
	struct stat sb;
	if (on_ram(dir))
		goto searchable;
	if (bx_mkdir_p(dir, 0711, err) < 0)
		return bx_error_hint(err, "boxlab keeps container state there: run as root, or set BOXLAB_RUN_DIR");
	if (tmpfs_wanted())
		mount_tmpfs(dir);
searchable:
	/* Container root is an unprivileged host uid: it must be able to
	 * walk through the run dir to its root file system. */
	if (stat(dir, &sb) < 0)
		return bx_make_error(err, errno, "cannot use the state dir %s", dir);
	if ((sb.st_mode & 0111) != 0111 && chmod(dir, sb.st_mode | 0111) < 0)
		return bx_make_error(err, errno, "cannot make %s searchable for container users", dir);
	return 0;
}

const char *bx_run_dir_where(void)
{
	if (on_ram(bx_run_dir()))
		return "in RAM";
	if (tmpfs_wanted())
		return "on disk: boxlab mounts a tmpfs there at the next run while it is empty";
	return "on disk (BOXLAB_RUN_TMPFS=1 lets boxlab mount a tmpfs there)";
}
