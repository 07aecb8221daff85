/* unshare(CLONE_NEWUSER): a new user namespace, in which the process holds
 * every capability -- and with it the kernel code that only root used to
 * reach (mounting file systems, netfilter, ...), the way into many kernel
 * CVEs.  A child (named <comm>-u) unshares and holds, so the host can
 * compare its user namespace with its parent's. */
#include "attack.h"

#include <sched.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	bxa_init(argc, argv, 0, "");
	int p[2];
	if (pipe(p) < 0)
		return bxa_fail("pipe");
	pid_t pid = fork();
	if (pid < 0)
		return bxa_fail("fork");
	if (pid == 0) {
		char comm[16];
		snprintf(comm, sizeof comm, "%.13s-u", bxa_comm);
		prctl(PR_SET_NAME, comm);
		close(p[0]);
		char r = unshare(CLONE_NEWUSER) < 0 ? (char)errno : 0;
		if (write(p[1], &r, 1) < 0)
			_exit(1);
		/* Held until our stdin (shared with the parent) closes. */
		alarm(5);
		char c;
		while (read(0, &c, 1) > 0)
			;
		_exit(0);
	}
	close(p[1]);
	char r = EIO;
	if (read(p[0], &r, 1) != 1)
		r = EIO;
	if (r) {
		errno = r;
		bxa_fail("unshare(CLONE_NEWUSER)");
		kill(pid, SIGKILL);
	} else {
		bxa_claim(1, "made a new user namespace (pid %d holds it)", pid);
		bxa_hold();
	}
	waitpid(pid, NULL, 0);
	return 0;
}
