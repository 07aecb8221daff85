/* setuid privilege gain: an unprivileged user runs a setuid-root binary
 * and becomes root.  The attack, as container root, makes a setuid-root
 * copy of itself in SCRATCH, drops to uid 1000 and runs it; the copy
 * (named <comm>-s) holds, so the host can read its real and effective
 * uids. */
#include "attack.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[3], "stage2")) {
		bxa_init(argc, argv, 1, "stage2");
		char comm[16];
		snprintf(comm, sizeof comm, "%.13s-s", bxa_comm);
		prctl(PR_SET_NAME, comm);
		if (geteuid() != 0) {
			bxa_claim(0, "the setuid bit gave nothing: uid %d euid %d", getuid(), geteuid());
			return 0;
		}
		bxa_claim(1, "uid %d ran a setuid binary and got euid 0", getuid());
		bxa_hold();
		return 0;
	}
	bxa_init(argc, argv, 0, "");
	char copy[4096];
	snprintf(copy, sizeof copy, "%s/bxa-suid-%s", bxa_scratch, bxa_nonce);
	int in = open("/proc/self/exe", O_RDONLY);
	int out = open(copy, O_WRONLY | O_CREAT | O_EXCL, 0700);
	struct stat st;
	if (in < 0 || out < 0 || fstat(in, &st) < 0)
		return bxa_fail("copy myself to %s", copy);
	if (sendfile(out, in, NULL, st.st_size) != st.st_size) {
		bxa_fail("copy myself to %s", copy);
		unlink(copy);
		return 0;
	}
	close(in);
	if (fchown(out, 0, 0) < 0 || fchmod(out, 04755) < 0) {
		bxa_fail("chmod 4755 %s", copy);
		unlink(copy);
		return 0;
	}
	close(out);
	pid_t pid = fork();
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(1000) < 0 || setuid(1000) < 0) {
			bxa_fail("drop to uid 1000");
			_exit(1);
		}
		execl(copy, copy, bxa_nonce, bxa_scratch, "stage2", (char *)NULL);
		bxa_fail("exec %s", copy);
		_exit(1);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	unlink(copy);
	return 0;
}
