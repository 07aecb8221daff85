/* Hooks (config.md "POSIX-platform Hooks"): each is a program run with
 * the container's state JSON on its stdin, in the order the config
 * lists them.  A hook that fails or outlives its timeout fails the
 * operation (prestart, createRuntime, createContainer, startContainer);
 * poststart and poststop failures are only logged, as the spec says. */
#include "oci/oci.h"
#include "core/proc.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int run_one(const struct bx_oci_hook *h, const char *name, size_t idx, const char *state, bx_err_t *err)
{
	int in[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return bx_make_error(err, errno, "hook %s[%zu]: cannot make a pipe", name, idx);
	pid_t pid = fork();
	if (pid < 0) {
		close(in[0]);
		close(in[1]);
		return bx_make_error(err, errno, "hook %s[%zu]: cannot fork", name, idx);
	}
	if (pid == 0) {
		char *const none[] = {NULL};
		char *argv0[] = {h->path, NULL};
		dup2(in[0], 0);
		/* Our stdout may be the engine's pipe it parses: hook output
		 * goes to stderr. */
		dup2(2, 1);
		signal(SIGPIPE, SIG_DFL);
		execve(h->path, h->args && h->args[0] ? h->args : argv0, h->env ? h->env : none);
		fprintf(stderr, "boxlab: hook %s[%zu]: cannot run %s: %s\n", name, idx, h->path, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	/* The state is small: one write, and a hook that does not read it
	 * must not block us (SIGPIPE ignored by the caller, EPIPE fine). */
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	if (write(in[1], state, strlen(state)) < 0) {
		/* the hook did not read its stdin */
	}
	close(in[1]);
	signal(SIGPIPE, old);

	int status = 0;
	cleanup_close int pfd = bx_pidfd_open(pid);
	if (h->timeout > 0 && pfd >= 0 && bx_pidfd_wait(pfd, h->timeout * 1000) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return bx_make_error(err, ETIMEDOUT, "hook %s[%zu] (%s) did not finish within its timeout of %d s: killed",
				     name, idx, h->path, h->timeout);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		return bx_make_error(err, 0, "hook %s[%zu] (%s) was killed by SIG%s", name, idx, h->path,
				     bx_signal_name(WTERMSIG(status)));
	return bx_make_error(err, 0, "hook %s[%zu] (%s) failed with exit code %d", name, idx, h->path,
			     WEXITSTATUS(status));
}

int bx_oci_hooks_run(const struct bx_oci_hooks *h, enum bx_oci_hook_kind kind, const char *state_json, bx_err_t *err)
{
	const char *name = bx_oci_hook_names[kind];
	for (size_t i = 0; i < h[kind].n; i++) {
		if (run_one(&h[kind].list[i], name, i, state_json, err) == 0)
			continue;
		if (kind != BX_HOOK_POSTSTART && kind != BX_HOOK_POSTSTOP)
			return -1;
		/* The spec: a failing poststart/poststop hook is logged and
		 * the rest still run. */
		bx_oci_log("warning", "%s", (*err)->msg);
		bx_error_release(err);
	}
	return 0;
}
