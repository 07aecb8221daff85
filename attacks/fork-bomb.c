/* fork bomb, bounded: at most COUNT processes (each waits on a pipe and
 * exits when it closes), then hold so the host can count them.  Without
 * a pids limit, a real one (:(){ :|:& };:) fills the host's process
 * table.  ARG: COUNT. */
#include "attack.h"

#include <sys/wait.h>

int main(int argc, char **argv)
{
	char **a = bxa_init(argc, argv, 1, "COUNT");
	int count = atoi(a[0]), made = 0, p[2];
	if (count < 1 || count > 1000 || pipe(p) < 0)
		return bxa_fail("bad count or pipe");
	for (; made < count; made++) {
		pid_t pid = fork();
		if (pid < 0)
			break;
		if (pid == 0) {
			char c;
			alarm(10);
			close(p[1]);
			while (read(p[0], &c, 1) > 0)
				;
			_exit(0);
		}
	}
	int e = errno;
	close(p[0]);
	if (made < count) {
		errno = e;
		bxa_fail("fork refused after %d processes", made);
	} else {
		bxa_claim(1, "%d processes at once", made + 1);
	}
	bxa_hold();
	close(p[1]);
	while (wait(NULL) > 0)
		;
	return 0;
}
