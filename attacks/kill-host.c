/* kill a host process: without a pid namespace every host process is
 * visible, and without a user namespace container root is host root,
 * which may signal anyone.  ARG: the host pid of the canary process. */
#include "attack.h"

int main(int argc, char **argv)
{
	char **a = bxa_init(argc, argv, 1, "PID");
	pid_t pid = (pid_t)atoi(a[0]);
	if (pid <= 1)
		return bxa_fail("bad pid %s", a[0]);
	if (kill(pid, SIGKILL) < 0)
		return bxa_fail("kill %d", pid);
	bxa_claim(1, "sent SIGKILL to pid %d", pid);
	return 0;
}
