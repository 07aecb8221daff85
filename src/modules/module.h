/* The module interface: every isolation feature of boxlab is one
 * `struct bx_module`, a table of hooks the lifecycle calls at fixed
 * phases.  A module that is switched off is simply never called, and the
 * lifecycle never names a module: the registry's order is the setup order
 * (registry.c), which is itself a lesson (see lessons/12-capstone).
 *
 * Phases, in order; every hook may be NULL:
 *   probe         `boxlab check`: can this kernel do it, and if not, why.
 *   prepare       parent, before clone: resolve, create, compile.  Errors
 *                 surface here, before any process exists.
 *   parent_setup  parent, after clone, while the child waits: id maps,
 *                 cgroup attach, moving a veth.
 *   child_setup   child, after the parent said go, as container root:
 *                 mounts, pivot_root, hostname, capabilities.
 *   child_finish  child, after the user switch, right before exec:
 *                 what must come last (seccomp).
 *   exec_parent   `boxlab exec`, on the host side, in the process that is
 *                 about to join the container (cgroup join).
 *   exec_child    `boxlab exec`, after setns, before exec: re-apply the
 *                 restrictions so exec'd processes keep them.
 *   stats         live figures for stats, ps and the dashboard.
 *   teardown      on exit, stop, rm or gc: idempotent, and safe after a
 *                 half-finished setup or a crash (it may only rely on what
 *                 the state dir holds).
 */
#ifndef BX_MODULE_H
#define BX_MODULE_H

#include "core/err.h"
#include "core/spec.h"
#include "core/watch.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>

struct bx_timeline;
struct bx_image;

/* A container being set up, running, or being torn down. */
struct bx_box {
	struct bx_spec *spec;
	const char *name;
	char *dir;       /* state dir: /run/boxlab/<name> */
	char *rootfs;    /* merged root as the host sees it, or NULL */
	const struct bx_image *image; /* resolved by the caller, or NULL */
	pid_t pid;       /* container init, host view; 0 before clone */
	int sync_fd;     /* the child's end of the parent/child socket */
	int clone_flags; /* namespaces created by clone3 */
	int ns_flags;    /* every namespace of the box, for setns */
	int cgroup_fd;   /* v2: CLONE_INTO_CGROUP target, or -1 */
	/* v1's stand-in for CLONE_INTO_CGROUP: the tasks files of the
	 * container's cgroups, which the container process joins as its
	 * first act (core/spawn.c says why); born_inside: no attach needed. */
	int cg_join[16];
	int n_cg_join;
	bool cg_born_inside;
	bool exec_mode;  /* set up for `boxlab exec`, not for run */
	uid_t root_uid;  /* host uid/gid of container root */
	gid_t root_gid;
	struct bx_timeline *tl;
	struct bx_watches watches; /* served by the supervisor while it runs */
	void *priv[32]; /* per-module state, by registry index */
};

static inline void bx_box_close_cg_join(struct bx_box *box)
{
	while (box->n_cg_join > 0)
		close(box->cg_join[--box->n_cg_join]);
}

struct bx_probe {
	bool ok;
	char why[256]; /* one line: what works, or what is missing */
};

struct bx_stats {
	uint64_t cpu_ns;
	uint64_t mem_bytes, mem_limit; /* limit 0: none known */
	uint64_t pids, pids_limit;     /* limit 0: no limit */
	uint64_t blk_read, blk_write;
	uint64_t net_rx, net_tx;
	uint64_t net_rx_packets, net_tx_packets;
	/* Resource violations, counted by the kernel since the start. */
	uint64_t oom_kills;     /* processes the OOM killer took */
	uint64_t mem_peak;      /* highest usage so far */
	uint64_t cpu_throttled; /* periods the quota ran out */
	uint64_t throttled_us;
	uint64_t pids_refused;  /* forks refused at the pids limit */
	uint64_t sampled_us;    /* CLOCK_MONOTONIC of the sample */
	bool paused;
};

enum bx_module_kind {
	BX_KIND_NAMESPACE,
	BX_KIND_CGROUP,
	BX_KIND_FILESYSTEM,
	BX_KIND_NETWORK,
	BX_KIND_SECURITY,
	BX_KIND_OTHER,
};

struct bx_module {
	const char *name;    /* the switch: --no-<name>, [modules] <name> */
	const char *summary; /* one line for --help, check and the dashboard */
	const char *blocks;  /* what it stops, for the dashboard and lessons */
	const char *off_warning; /* said loudly at run when it is off, or NULL */
	enum bx_module_kind kind;
	bool default_on;
	int ns_flags;        /* the namespace it owns (CLONE_NEW*), for clone3 and setns */
	bool unshare_late;   /* unshare it in child_setup instead of at clone:
				the cgroup namespace must be made after the
				parent put the child in its cgroup */

	/* Its own flags and INI keys, filling spec->conf[its index]
	 * (bx_spec_conf); rows end with one whose help is NULL. */
	const struct bx_opt *options;
	void (*free_conf)(void *conf);
	/* Called for every module, on or off, once all flags and INI keys
	 * are in: refuses what contradicts the switches (-p with the
	 * network off) before anything is made. */
	int (*finalize)(const struct bx_spec *spec, bx_err_t *err);

	void (*probe)(struct bx_probe *out);
	int (*prepare)(struct bx_box *box, bx_err_t *err);
	int (*parent_setup)(struct bx_box *box, bx_err_t *err);
	int (*child_setup)(struct bx_box *box, bx_err_t *err);
	int (*child_finish)(struct bx_box *box, bx_err_t *err);
	int (*exec_parent)(struct bx_box *box, pid_t pid, bx_err_t *err);
	int (*exec_child)(struct bx_box *box, bx_err_t *err);
	int (*stats)(const struct bx_box *box, struct bx_stats *out);
	void (*teardown)(struct bx_box *box);
};

/* registry.c */
extern const struct bx_module *const bx_modules[];
size_t bx_module_count(void);
int bx_module_index(const char *name); /* -1 when unknown */
const struct bx_module *bx_module_find(const char *name);
bool bx_box_has(const struct bx_box *box, const char *module);
char *bx_module_names(void); /* "pid, mnt, ...": for error messages */
/* The names of the modules spec has on, in registry order (state.json's
 * "modules"); bx_module_switches is the way back. */
char **bx_module_names_on(const struct bx_spec *spec);
/* on[i] = true for each module named (state.json's "modules"); unknown
 * names are skipped. */
void bx_module_switches(char *const *names, bool *on);
/* The off_warning of every module switched off: on stderr when tl is
 * NULL (run, before it detaches), else as timeline events. */
void bx_module_off_warnings(const struct bx_spec *spec, struct bx_timeline *tl);

#endif
