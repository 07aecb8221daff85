/* Born inside its cgroups.
 *
 * v2 has CLONE_INTO_CGROUP.  v1 has not, and a parent writing the child's
 * pid into each cgroup.procs takes the kernel's global
 * cgroup_threadgroup_rwsem for writing, whose first taker waits out an
 * RCU grace period: about 10 ms of a 25 ms start here.  A task that
 * moves only itself, by writing "0" to a v1 tasks file, skips that lock
 * (cgroup_procs_write_start() in kernel/cgroup/cgroup.c).  So a helper
 * forked from us joins the container's cgroups that way and clones the
 * container with CLONE_PARENT: the container is born inside them, as with
 * CLONE_INTO_CGROUP, and is still our child.  We never move ourselves:
 * the way back would be a write into a cgroup that is not boxlab's.
 *
 * The helper counts for pids.max while it clones; when that makes one
 * task too many (EAGAIN), we clone plainly and the cgroup modules
 * attach the child the old way (born_inside stays false). */
#include "core/spawn.h"
#include "core/process.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* linux/sched.h's struct clone_args, without pulling in its CLONE_* */
struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size,
		cgroup;
};

static pid_t clone_joined(const struct bx_spawn *s, struct clone_args_v2 ca, int *pidfd)
{
	int p[2], r = 0, e;
	ca.flags = (ca.flags & ~(uint64_t)CLONE_PIDFD) | CLONE_PARENT;
	ca.pidfd = 0;
	/* clone3 takes no exit signal with CLONE_PARENT: the child gets
	 * the helper's own, which fork made SIGCHLD. */
	ca.exit_signal = 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t helper = fork();
	if (helper < 0) {
		e = errno;
		bx_close_pair(p);
		errno = e;
		return -1;
	}
	if (helper == 0) {
		close(p[0]);
		for (int i = 0; i < s->n_join && !r; i++)
			if (write(s->join[i], "0", 1) < 0)
				r = -errno;
		if (!r) {
			pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof ca);
			if (pid == 0) {
				close(p[1]);
				return 0;
			}
			r = pid < 0 ? -errno : pid;
		}
		_exit(write(p[1], &r, sizeof r) == sizeof r ? 0 : 1);
	}
	close(p[1]);
	ssize_t n = read(p[0], &r, sizeof r);
	close(p[0]);
	waitpid(helper, NULL, 0);
	if (n != sizeof r || r == 0) {
		errno = ECHILD;
		return -1;
	}
	if (r < 0) {
		errno = -r;
		return -1;
	}
	/* Ours until we reap it, so the pid cannot be reused meanwhile. */
	*pidfd = (int)syscall(SYS_pidfd_open, r, 0);
	if (*pidfd < 0) {
		e = errno;
		kill(r, SIGKILL);
		waitpid(r, NULL, 0);
		errno = e;
		return -1;
	}
	return r;
}

pid_t bx_spawn(struct bx_spawn *s, int *pidfd)
{
	struct clone_args_v2 ca = {
		.flags = s->ns_flags | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)pidfd,
		.exit_signal = SIGCHLD,
	};
	if (s->cgroup_fd >= 0) {
		ca.flags |= CLONE_INTO_CGROUP;
		ca.cgroup = (uint64_t)s->cgroup_fd;
	}
	s->born_inside = false;
	if (s->n_join > 0) {
		pid_t pid = clone_joined(s, ca, pidfd);
		if (pid >= 0) {
			s->born_inside = true;
			return pid;
		}
		if (errno != EAGAIN)
			return -1;
	}
	return (pid_t)syscall(SYS_clone3, &ca, sizeof ca);
}
