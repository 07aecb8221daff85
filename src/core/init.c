/* The container's init, pid 1 of its pid namespace.
 *
 * A pid namespace's first process has two duties no ordinary program
 * performs (man 7 pid_namespaces): it adopts every orphan and must reap
 * it, or zombies pile up; and the kernel drops every signal sent to it
 * for which it has no handler, so a plain `sh` as pid 1 ignores SIGTERM
 * and `stop` would always end in SIGKILL.  This init forwards the usual
 * signals to the command, reaps everything, and exits with the command's
 * status (128 + signal when it was killed), like tini and docker-init.
 */
#include "core/init.h"
#include "core/process.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

static void noop(int sig)
{
	(void)sig;
}

void bx_init_prepare(sigset_t *old)
{
	sigset_t set;
	struct sigaction sa = {.sa_handler = noop};
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) {
		sigaddset(&set, forwarded[i]);
		/* A handler makes the kernel deliver the signal to pid 1. */
		sigaction(forwarded[i], &sa, NULL);
	}
	sigprocmask(SIG_BLOCK, &set, old);
}

void bx_init_forwarded(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
		sigaddset(set, forwarded[i]);
}

void bx_init_child_reset(const sigset_t *old)
{
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
		signal(forwarded[i], SIG_DFL);
	sigprocmask(SIG_SETMASK, old, NULL);
}

void bx_init_loop(pid_t child)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
		sigaddset(&set, forwarded[i]);

	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);
		if (sig < 0) {
			if (errno == EINTR)
				continue;
			_exit(BX_EXIT_RUNTIME);
		}
		if (sig != SIGCHLD) {
			kill(child, sig);
			continue;
		}
		for (;;) {
			int status;
			pid_t p = waitpid(-1, &status, WNOHANG);
			if (p <= 0)
				break;
			if (p != child)
				continue;
			/* The command is done; the kernel kills whatever is
			 * left in the namespace when we exit. */
			if (WIFEXITED(status))
				_exit(WEXITSTATUS(status));
			_exit(128 + WTERMSIG(status));
		}
	}
}
