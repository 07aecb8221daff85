/* write access to /proc/sysrq-trigger: one byte reboots, crashes or
 * freezes the host.  Proof: open it for writing (never a write) and hold
 * the descriptor, so the host can see it. */
#include "attack.h"

#include <fcntl.h>

int main(int argc, char **argv)
{
	bxa_init(argc, argv, 0, "");
	const char *path = "/proc/sysrq-trigger";
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return bxa_fail("open %s for writing", path);
	bxa_claim(1, "opened %s for writing (fd %d; nothing written)", path, fd);
	bxa_hold();
	close(fd);
	return 0;
}
