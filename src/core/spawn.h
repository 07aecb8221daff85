/* The one clone3 that makes a container's first process, for `run` and
 * for the OCI interface alike: new namespaces, and in the container's
 * cgroups before it does anything (born there on v2, joined as its first
 * act on v1). */
#ifndef BX_SPAWN_H
#define BX_SPAWN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct bx_spawn {
	uint64_t ns_flags; /* CLONE_NEW* made at clone */
	int cgroup_fd;     /* v2: the cgroup directory (CLONE_INTO_CGROUP), or -1 */
	const int *join;   /* v1: tasks files, open for writing, the child joins */
	int n_join;
	bool born_inside;  /* out: no attach needed (the v1 cgroups are joined) */
};

/* Like fork(): the child's pid in the parent, with *pidfd, 0 in the
 * child, -1 with errno set.  The child's exit signal is SIGCHLD. */
pid_t bx_spawn(struct bx_spawn *s, int *pidfd);

#endif
