/* The cgroup interface: one set of calls, two backends chosen at run time
 * (after crun's libcrun_cgroup_manager, STYLE.md §1 and §5).
 *
 *   v1 (cg_v1.c)  one hierarchy per controller: the container's memory
 *                 cgroup is <root>/memory/boxlab/<name>, its pids cgroup
 *                 <root>/pids/boxlab/<name>, and so on.  The supervisor
 *                 writes the child's pid into every cgroup.procs.
 *   v2 (cg_v2.c)  one unified tree: <root>/boxlab/<name> holds every
 *                 controller's files, controllers are switched on for the
 *                 children of a cgroup in its cgroup.subtree_control, and
 *                 the child is born inside with clone3(CLONE_INTO_CGROUP).
 *
 * Reading cg_v1.c and cg_v2.c side by side is lesson 06: the same limit,
 * two file names, two value formats.
 *
 * Every kernel call that changes the tree (mkdir, rmdir, write) goes
 * through `struct bx_cg_fs`, so the unit tests can run a backend against
 * a fake cgroupfs in a temp dir that answers like the kernel does
 * (ENOENT for a controller that is not enabled, EBUSY for the
 * no-internal-process rule).  Reads are plain reads of that tree. */
#ifndef BX_CGROUP_H
#define BX_CGROUP_H

#include "core/err.h"
#include "modules/module.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct bx_timeline;

/* One resource per module, in the modules' order. */
enum bx_cg_res { BX_CG_MEMORY, BX_CG_CPU, BX_CG_PIDS, BX_CG_IO, BX_CG_DEVICES, BX_CG_FREEZER, BX_CG_NRES };

/* Every file boxlab reads or writes; each backend maps it to a
 * hierarchy and a file name (ops->files). */
enum bx_cg_key {
	BX_CGK_MEM_LIMIT,
	BX_CGK_MEM_SWAP,
	BX_CGK_MEM_RESERVATION,
	BX_CGK_MEM_USAGE,
	BX_CGK_MEM_STAT,
	BX_CGK_MEM_EVENTS,
	BX_CGK_CPU_QUOTA,
	BX_CGK_CPU_PERIOD,
	BX_CGK_CPU_WEIGHT,
	BX_CGK_CPU_USAGE,
	BX_CGK_CPU_STAT,
	BX_CGK_CPUSET_CPUS,
	BX_CGK_CPUSET_MEMS,
	BX_CGK_PIDS_MAX,
	BX_CGK_PIDS_CURRENT,
	BX_CGK_PIDS_EVENTS,
	BX_CGK_IO_WEIGHT,
	BX_CGK_IO_BFQ_WEIGHT,
	BX_CGK_IO_READ_BPS,
	BX_CGK_IO_WRITE_BPS,
	BX_CGK_IO_STAT,
	BX_CGK_FREEZE,
	BX_CGK_FREEZE_STATE,
	BX_CGK_DEV_ALLOW,
	BX_CGK_DEV_DENY,
	BX_CGK_NKEYS,
};

struct bx_cg_file {
	const char *hier; /* v1 hierarchy dir under the root; NULL on v2 */
	const char *file; /* NULL: this backend has no such file */
	const char *ctrl; /* the controller that provides it, for messages */
};

/* What the modules' option rows fill (bx_spec_conf). 0 means unset. */
struct bx_cg_memory_conf {
	int64_t limit;       /* --memory */
	int64_t swap;        /* --memory-swap: memory + swap; -1 unlimited */
	int64_t reservation; /* --memory-reservation: soft limit */
};

struct bx_cg_cpu_conf {
	uint64_t nanocpus; /* --cpus 0.5 -> 500000000 */
	uint64_t shares;   /* --cpu-shares, v1 units (2..262144) */
	char *cpus, *mems; /* --cpuset-cpus / --cpuset-mems lists */
};

struct bx_cg_pids_conf {
	int64_t limit;
};

struct bx_cg_throttle {
	char *path; /* as given, for the INI file */
	unsigned major, minor;
	uint64_t bps;
};

struct bx_cg_io_conf {
	unsigned weight; /* --blkio-weight 10..1000 */
	struct bx_cg_throttle *read, *write;
	size_t nread, nwrite;
};

struct bx_cg_devices_conf {
	char **given; /* --device words as given */
	char **rules; /* the same as devices-cgroup rules: "c 10:200 rwm" */
};

/* All limits of one container, for the backends' create(). */
struct bx_cg_limits {
	const struct bx_cg_memory_conf *memory;
	const struct bx_cg_cpu_conf *cpu;
	const struct bx_cg_pids_conf *pids;
	const struct bx_cg_io_conf *io;
	const struct bx_cg_devices_conf *devices;
};

/* The tree-changing calls; each returns 0 or -errno. */
struct bx_cg_fs {
	int (*mkdir)(const char *path);
	int (*rmdir)(const char *path);
	int (*write)(const char *path, const char *data);
	/* One write(2) per line through one open: v1's devices.allow takes
	 * one rule per write, and an open per rule cost 4x the writes.
	 * *failed: the index of the line refused. */
	int (*write_each)(const char *path, const char *const *lines, size_t *failed);
};
extern const struct bx_cg_fs bx_cg_real_fs;

struct bx_cg;

struct bx_cg_ops {
	const char *name;                       /* "v1" or "v2" */
	const struct bx_cg_file *files;         /* indexed by enum bx_cg_key */
	const char *const *hiers[BX_CG_NRES];   /* v1: the hierarchies of a resource; v2: {""} */
	bool unified;                           /* one directory shared by every resource */

	/* Can this host do it (boxlab check)? */
	void (*probe)(const struct bx_cg *cg, enum bx_cg_res res, struct bx_probe *out);
	/* Whether the host can apply these limits: called for every
	 * resource before any cgroup is created. */
	int (*check)(const struct bx_cg *cg, enum bx_cg_res res, const struct bx_cg_limits *lim, bx_err_t *err);
	/* Make the resource's cgroup(s) and write its limits. */
	int (*create)(const struct bx_cg *cg, enum bx_cg_res res, const struct bx_cg_limits *lim, bx_err_t *err);
	int (*attach)(const struct bx_cg *cg, enum bx_cg_res res, pid_t pid, bx_err_t *err);
	/* A directory fd for clone3(CLONE_INTO_CGROUP), or NULL. */
	int (*clone_fd)(const struct bx_cg *cg, bx_err_t *err);
	/* v1: the resource's tasks files, open for writing, for a task to
	 * move itself in by writing "0" (see bx_box.cg_join); the count
	 * stored in fds[], or -1.  NULL where clone_fd does that. */
	int (*join_fds)(const struct bx_cg *cg, enum bx_cg_res res, int *fds, size_t max, bx_err_t *err);
	/* Freeze or thaw, returning once the kernel says it is complete. */
	int (*freeze)(const struct bx_cg *cg, bool frozen, int timeout_ms, bx_err_t *err);
	/* Fill the figures this resource knows; untouched fields stay. */
	int (*sample)(const struct bx_cg *cg, enum bx_cg_res res, struct bx_stats *out);
	/* Kill what is left, wait for it, remove the cgroup(s).  Idempotent. */
	int (*destroy)(const struct bx_cg *cg, enum bx_cg_res res, bx_err_t *err);
};

extern const struct bx_cg_ops cg_v1_ops, cg_v2_ops;

struct bx_cg {
	const struct bx_cg_ops *ops;
	const char *root; /* /sys/fs/cgroup, or a fake tree */
	const char *name; /* the container's name */
	const struct bx_cg_fs *fs;
};

/* The host's backend (cgroup_mode.c): v2 when /sys/fs/cgroup is
 * cgroup2, else v1; fails when neither is mounted. */
int bx_cg_host(struct bx_cg *cg, const char *name, bx_err_t *err);

/* ---- helpers shared by the backends (cgroup_util.c) ---- */

/* <root>/<hier>/boxlab/<name>[/file] ("" hier: <root>/boxlab/<name>). */
char *bx_cg_dir(const struct bx_cg *cg, const char *hier, const char *file);
/* Full path of a key's file, or NULL when the backend has none. */
char *bx_cg_path(const struct bx_cg *cg, enum bx_cg_key key);
/* cpuset only for --cpuset-cpus/--cpuset-mems, in both backends: it
 * limits nothing else, counts nothing, and on v1 cost every start a
 * mkdir, two lists copied from the parent and an rmdir (~0.15 ms).
 * Without it the container keeps the supervisor's CPUs and nodes. */
bool bx_cg_wants_cpuset(const struct bx_cg_cpu_conf *c);
/* <root>/<hier>/boxlab: the parent of every container's cgroup. */
char *bx_cg_parent(const struct bx_cg *cg, const char *hier);

int bx_cg_write(const struct bx_cg *cg, const char *path, const char *data, bx_err_t *err);
int bx_cg_writef(const struct bx_cg *cg, const char *path, bx_err_t *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* mkdir that accepts EEXIST. */
int bx_cg_mkdir(const struct bx_cg *cg, const char *path, bx_err_t *err);
/* Small file into buf (NUL-terminated, trailing newline kept); -errno. */
int bx_cg_read(const char *path, char *buf, size_t len);
/* Keep the files bx_cg_read opens open, for processes that sample again
 * and again (stats, the dashboard); false closes them all. */
void bx_cg_read_cache(bool on);
/* bx_cg_read for a file that holds a limit: samplers keeping files open
 * take its text from memory when it was read less than 3 s ago. */
int bx_cg_read_limit(const char *path, char *buf, size_t len);
/* One unsigned number ("max" reads as UINT64_MAX), read with bx_cg_read
 * or, for a limit, bx_cg_read_limit. */
int bx_cg_read_u64(const char *path, uint64_t *out);
int bx_cg_read_limit_u64(const char *path, uint64_t *out);
/* memory.* and pids.* figures into out, for v1 and v2 alike. */
int bx_cg_sample_memory(const struct bx_cg *cg, const char *inactive_key, const char *peak, struct bx_stats *out);
int bx_cg_sample_pids(const struct bx_cg *cg, struct bx_stats *out);
/* "key value" lines (cpu.stat, memory.events, pids.events). */
int bx_cg_read_key(const char *path, const char *key, uint64_t *out);
/* Several keys from one read (NULL-terminated keys); missing ones are
 * left as they were. */
int bx_cg_read_keys(const char *path, const char *const *keys, uint64_t *const *outs);
/* Kill every process in the cgroup dir (thaw_path: a freezer.state to
 * thaw first, or NULL), wait until cgroup.procs is empty, rmdir it.
 * Idempotent: a missing dir is done already. */
int bx_cg_remove_dir(const struct bx_cg *cg, const char *dir, bx_err_t *err);

/* Limits to text and back, Docker's units. */
int bx_cg_parse_bytes(const char *s, int64_t *out, bx_err_t *err);
int bx_cg_parse_cpus(const char *s, uint64_t *nanocpus, bx_err_t *err);
/* "0-2,5": a cpu or node list, checked against the online list. */
int bx_cg_parse_list(const char *s, const char *online, bx_err_t *err);
char *bx_cg_format_bytes(uint64_t n);     /* "64m" when exact, else bytes */
void bx_cg_human(uint64_t n, bool binary, char *buf, size_t len); /* "1.5MiB" / "12.3kB" */
/* cpu.shares (2..262144) to cpu.weight (1..10000), as runc and crun do. */
uint64_t bx_cg_shares_to_weight(uint64_t shares);
/* The CFS period boxlab uses and the quota --cpus gives. */
#define BX_CG_CPU_PERIOD 100000
uint64_t bx_cg_quota_us(uint64_t nanocpus);

/* ---- what the cgroup modules share (cgroup.c) ---- */

/* Freeze or thaw a container (pause/resume), waiting until complete. */
int bx_cg_freeze_box(const struct bx_box *box, bool frozen, bx_err_t *err);
/* Resource violations not yet on the timeline (counts kept in the
 * state dir's violations.json, so stats and teardown never log one
 * twice).  tl NULL: the container's own timeline is opened. */
void bx_cg_record(const char *name, struct bx_timeline *tl, const struct bx_stats *s);

#endif
