/* cgroup v2 backend: one unified tree (Documentation/admin-guide/
 * cgroup-v2.rst).  A container is one directory, <root>/boxlab/<name>,
 * holding every controller's files.  A controller appears in a cgroup
 * only when its parent lists it in cgroup.subtree_control, and a parent
 * may only do that for controllers in its own cgroup.controllers (what
 * was delegated to it) and only while it has no processes of its own
 * (the no-internal-process rule).  The child is born inside its cgroup
 * with clone3(CLONE_INTO_CGROUP), so there is no moment where it runs
 * unlimited.
 *
 * Things v2 does differently from v1 (compare cg_v1.c):
 *  - "max" means no limit; memory.swap.max is swap ALONE, not memory
 *    plus swap; cpu.max is "QUOTA PERIOD" in one file;
 *  - cpu.weight (1..10000) replaces cpu.shares (2..262144);
 *  - io.max holds "MAJ:MIN rbps=N wbps=N" lines;
 *  - the freezer is the core file cgroup.freeze, its state the "frozen"
 *    line of cgroup.events, and SIGKILL does reach frozen tasks;
 *  - device access is an eBPF program attached to the cgroup; boxlab
 *    does not load one, so --device is refused here (see boxlab(1)).
 */
#include "modules/cgroup.h"
#include "core/proc.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const struct bx_cg_file files[BX_CGK_NKEYS] = {
	[BX_CGK_MEM_LIMIT] = {NULL, "memory.max", "memory"},
	[BX_CGK_MEM_SWAP] = {NULL, "memory.swap.max", "memory"},
	[BX_CGK_MEM_RESERVATION] = {NULL, "memory.low", "memory"},
	[BX_CGK_MEM_USAGE] = {NULL, "memory.current", "memory"},
	[BX_CGK_MEM_STAT] = {NULL, "memory.stat", "memory"},
	[BX_CGK_MEM_EVENTS] = {NULL, "memory.events", "memory"},
	[BX_CGK_CPU_QUOTA] = {NULL, "cpu.max", "cpu"},
	[BX_CGK_CPU_PERIOD] = {NULL, "cpu.max", "cpu"},
	[BX_CGK_CPU_WEIGHT] = {NULL, "cpu.weight", "cpu"},
	[BX_CGK_CPU_USAGE] = {NULL, "cpu.stat", NULL},
	[BX_CGK_CPU_STAT] = {NULL, "cpu.stat", "cpu"},
	[BX_CGK_CPUSET_CPUS] = {NULL, "cpuset.cpus", "cpuset"},
	[BX_CGK_CPUSET_MEMS] = {NULL, "cpuset.mems", "cpuset"},
	[BX_CGK_PIDS_MAX] = {NULL, "pids.max", "pids"},
	[BX_CGK_PIDS_CURRENT] = {NULL, "pids.current", "pids"},
	[BX_CGK_PIDS_EVENTS] = {NULL, "pids.events", "pids"},
	[BX_CGK_IO_WEIGHT] = {NULL, "io.weight", "io"},
	[BX_CGK_IO_BFQ_WEIGHT] = {NULL, "io.bfq.weight", "io"},
	[BX_CGK_IO_READ_BPS] = {NULL, "io.max", "io"},
	[BX_CGK_IO_WRITE_BPS] = {NULL, "io.max", "io"},
	[BX_CGK_IO_STAT] = {NULL, "io.stat", "io"},
	[BX_CGK_FREEZE] = {NULL, "cgroup.freeze", NULL},
	[BX_CGK_FREEZE_STATE] = {NULL, "cgroup.events", NULL},
	[BX_CGK_DEV_ALLOW] = {NULL, NULL, NULL},
	[BX_CGK_DEV_DENY] = {NULL, NULL, NULL},
};

static const char *const one_dir[] = {"", NULL};

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

/* What <dir>/cgroup.controllers offers, without the newline. */
static void controllers_of(const char *dir, char *buf, size_t len)
{
	cleanup_free char *p = xasprintf("%s/cgroup.controllers", dir);
	if (bx_cg_read(p, buf, len) < 0)
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static bool available(const struct bx_cg *cg, const char *ctrl)
{
	char list[512];
	controllers_of(cg->root, list, sizeof list);
	return has_word(list, ctrl);
}

static bool wants_limits(enum bx_cg_res res, const struct bx_cg_limits *lim)
{
	switch (res) {
	case BX_CG_MEMORY: return lim->memory && (lim->memory->limit || lim->memory->swap || lim->memory->reservation);
	case BX_CG_CPU: return lim->cpu && (lim->cpu->nanocpus || lim->cpu->shares);
	case BX_CG_PIDS: return lim->pids && lim->pids->limit;
	case BX_CG_IO: return lim->io && (lim->io->weight || lim->io->nread || lim->io->nwrite);
	default: return false;
	}
}

/* The controllers a resource enables (NULL-terminated, at most 2). */
static void controllers_for(enum bx_cg_res res, const struct bx_cg_limits *lim, const char *out[3])
{
	static const char *const names[BX_CG_NRES] = {
		[BX_CG_MEMORY] = "memory", [BX_CG_CPU] = "cpu", [BX_CG_PIDS] = "pids", [BX_CG_IO] = "io",
	};
	size_t n = 0;
	if (names[res])
		out[n++] = names[res];
	if (res == BX_CG_CPU && bx_cg_wants_cpuset(lim->cpu))
		out[n++] = "cpuset";
	out[n] = NULL;
}

static void v2_probe(const struct bx_cg *cg, enum bx_cg_res res, struct bx_probe *out)
{
	const char *ctrl[3];
	struct bx_cg_limits none = {0};
	char list[160];
	switch (res) {
	case BX_CG_FREEZER:
		out->ok = true;
		snprintf(out->why, sizeof out->why, "v2: cgroup.freeze (a core file, no controller needed)");
		return;
	case BX_CG_DEVICES:
		out->ok = false;
		snprintf(out->why, sizeof out->why, "v2: device rules need an eBPF program, which boxlab does not load "
			 "(--device is refused)");
		return;
	default:
		break;
	}
	controllers_for(res, &none, ctrl);
	controllers_of(cg->root, list, sizeof list);
	out->ok = has_word(list, ctrl[0]);
	if (out->ok)
		snprintf(out->why, sizeof out->why, "v2: controller %s in %s/cgroup.controllers", ctrl[0], cg->root);
	else
		snprintf(out->why, sizeof out->why, "v2: controller %s is not in %s/cgroup.controllers (it offers: "
			 "%.60s)", ctrl[0], cg->root, *list ? list : "nothing");
}

static int unavailable(const struct bx_cg *cg, const char *ctrl, bx_err_t *err)
{
	char list[512];
	controllers_of(cg->root, list, sizeof list);
	return bx_usage_error(err, "controller %s is not available: %s/cgroup.controllers offers only \"%s\" (the "
			      "cgroup above did not delegate it; see 'boxlab check')", ctrl, cg->root, list);
}

static int v2_check(const struct bx_cg *cg, enum bx_cg_res res, const struct bx_cg_limits *lim, bx_err_t *err)
{
	if (res == BX_CG_DEVICES && lim->devices && lim->devices->rules && lim->devices->rules[0])
		return bx_usage_error(err, "--device %s: device rules need the v1 devices controller; on cgroup v2 "
				      "they are an eBPF program, which boxlab does not load (leave out --device, "
				      "or run on a host with cgroup v1)", lim->devices->given[0]);
	if (wants_limits(res, lim)) {
		const char *ctrl[3] = {0};
		controllers_for(res, lim, ctrl);
		if (!available(cg, ctrl[0]))
			return unavailable(cg, ctrl[0], err);
	}
	if (res == BX_CG_CPU && bx_cg_wants_cpuset(lim->cpu) && !available(cg, "cpuset"))
		return unavailable(cg, "cpuset", err);
	return 0;
}

/* Switch a controller on for the children of dir. */
static int enable(const struct bx_cg *cg, const char *dir, const char *ctrl, bx_err_t *err)
{
	char cur[512];
	cleanup_free char *path = xasprintf("%s/cgroup.subtree_control", dir);
	if (bx_cg_read(path, cur, sizeof cur) == 0 && has_word(cur, ctrl))
		return 0;
	cleanup_free char *plus = xasprintf("+%s", ctrl);
	int r = cg->fs->write(path, plus);
	if (r == 0)
		return 0;
	if (r == -ENOENT) {
		char list[512];
		controllers_of(dir, list, sizeof list);
		return bx_make_error(err, 0, "cannot enable controller %s in %s: it is not in %s/cgroup.controllers "
				     "(offered: \"%s\"; the cgroup above did not delegate it)", ctrl, path, dir, list);
	}
	if (r == -EBUSY)
		return bx_make_error(err, 0, "cannot enable controller %s in %s: %s has processes of its own, and "
				     "cgroup v2 enables controllers only for cgroups whose processes live in "
				     "leaves (the no-internal-process rule)", ctrl, path, dir);
	return bx_make_error(err, -r, "cannot write \"%s\" to %s", plus, path);
}

/* Write a limit; a missing file means its controller is not enabled. */
static int set_file(const struct bx_cg *cg, enum bx_cg_key key, const char *value, bx_err_t *err)
{
	cleanup_free char *path = bx_cg_path(cg, key);
	int r = cg->fs->write(path, value);
	if (r == 0)
		return 0;
	if (r == -ENOENT && cg->ops->files[key].ctrl) {
		cleanup_free char *parent = bx_cg_parent(cg, "");
		return bx_make_error(err, 0, "controller %s not enabled in %s/cgroup.subtree_control: %s does not exist",
				     cg->ops->files[key].ctrl, parent, path);
	}
	int n = (int)strcspn(value, "\n");
	return bx_make_error(err, -r, "cannot write \"%.*s\" to %s", n, value, path);
}

static int set_num(const struct bx_cg *cg, enum bx_cg_key key, int64_t v, bx_err_t *err)
{
	char buf[32];
	if (v < 0)
		snprintf(buf, sizeof buf, "max");
	else
		snprintf(buf, sizeof buf, "%" PRId64, v);
	return set_file(cg, key, buf, err);
}

static int memory_limits(const struct bx_cg *cg, const struct bx_cg_memory_conf *m, bx_err_t *err)
{
	if (!m)
		return 0;
	if (m->limit && set_num(cg, BX_CGK_MEM_LIMIT, m->limit, err) < 0)
		return -1;
	if (m->limit || m->swap) {
		/* --memory-swap is memory + swap (Docker's meaning, v1's
		 * memsw); memory.swap.max is the swap part alone.  Unset: as
		 * much swap as memory, as Docker does. */
		int64_t sw = m->swap < 0 ? -1 : m->swap ? m->swap - m->limit : m->limit;
		cleanup_free char *path = bx_cg_path(cg, BX_CGK_MEM_SWAP);
		if (access(path, F_OK) < 0) {
			if (m->swap > 0)
				return bx_usage_error(err, "--memory-swap needs swap accounting, which this kernel has off "
						      "(%s is missing)", path);
		} else if (set_num(cg, BX_CGK_MEM_SWAP, sw, err) < 0) {
			return -1;
		}
	}
	if (m->reservation && set_num(cg, BX_CGK_MEM_RESERVATION, m->reservation, err) < 0)
		return -1;
	return 0;
}

static int cpu_limits(const struct bx_cg *cg, const struct bx_cg_cpu_conf *c, bx_err_t *err)
{
	char buf[64];
	if (!c)
		return 0;
	if (c->nanocpus) {
		snprintf(buf, sizeof buf, "%" PRIu64 " %d", bx_cg_quota_us(c->nanocpus), BX_CG_CPU_PERIOD);
		if (set_file(cg, BX_CGK_CPU_QUOTA, buf, err) < 0)
			return -1;
	}
	if (c->shares && set_num(cg, BX_CGK_CPU_WEIGHT, (int64_t)bx_cg_shares_to_weight(c->shares), err) < 0)
		return -1;
	if (c->cpus && set_file(cg, BX_CGK_CPUSET_CPUS, c->cpus, err) < 0)
		return -1;
	if (c->mems && set_file(cg, BX_CGK_CPUSET_MEMS, c->mems, err) < 0)
		return -1;
	return 0;
}

static int io_limits(const struct bx_cg *cg, const struct bx_cg_io_conf *io, bx_err_t *err)
{
	char buf[96];
	if (!io)
		return 0;
	if (io->weight) {
		/* io.weight (blk-iocost) is 1..10000; BFQ's io.bfq.weight
		 * keeps blkio's 10..1000.  runc converts the same way. */
		cleanup_free char *w = bx_cg_path(cg, BX_CGK_IO_WEIGHT);
		cleanup_free char *bfq = bx_cg_path(cg, BX_CGK_IO_BFQ_WEIGHT);
		if (access(w, F_OK) == 0)
			snprintf(buf, sizeof buf, "default %u", 1 + (io->weight - 10) * 9999 / 990);
		else
			snprintf(buf, sizeof buf, "%u", io->weight);
		if (access(w, F_OK) < 0 && access(bfq, F_OK) < 0)
			return bx_usage_error(err, "--blkio-weight needs a proportional I/O controller: neither io.weight "
					      "nor io.bfq.weight exists (select bfq for a disk: echo bfq > "
					      "/sys/block/DISK/queue/scheduler)");
		if (set_file(cg, access(w, F_OK) == 0 ? BX_CGK_IO_WEIGHT : BX_CGK_IO_BFQ_WEIGHT, buf, err) < 0)
			return -1;
	}
	for (int pass = 0; pass < 2; pass++) {
		const struct bx_cg_throttle *t = pass ? io->write : io->read;
		size_t n = pass ? io->nwrite : io->nread;
		for (size_t i = 0; i < n; i++) {
			snprintf(buf, sizeof buf, "%u:%u %s=%" PRIu64, t[i].major, t[i].minor, pass ? "wbps" : "rbps",
				 t[i].bps);
			if (set_file(cg, pass ? BX_CGK_IO_WRITE_BPS : BX_CGK_IO_READ_BPS, buf, err) < 0) {
				if (bx_error_errno(*err) == ENODEV || bx_error_errno(*err) == EINVAL)
					bx_error_hint(err, "%s: the kernel throttles whole disks only, not partitions",
						      t[i].path);
				return -1;
			}
		}
	}
	return 0;
}

static int v2_create(const struct bx_cg *cg, enum bx_cg_res res, const struct bx_cg_limits *lim, bx_err_t *err)
{
	cleanup_free char *parent = bx_cg_parent(cg, "");
	cleanup_free char *dir = bx_cg_dir(cg, "", NULL);
	const char *ctrl[3];

	if (bx_cg_mkdir(cg, parent, err) < 0)
		return -1;
	controllers_for(res, lim, ctrl);
	for (size_t i = 0; ctrl[i]; i++) {
		/* Unavailable and not needed for a limit (check() said so):
		 * the module runs without it. */
		if (!available(cg, ctrl[i]))
			continue;
		if (enable(cg, cg->root, ctrl[i], err) < 0 || enable(cg, parent, ctrl[i], err) < 0)
			return -1;
	}
	if (bx_cg_mkdir(cg, dir, err) < 0)
		return -1;
	switch (res) {
	case BX_CG_MEMORY: return memory_limits(cg, lim->memory, err);
	case BX_CG_CPU: return cpu_limits(cg, lim->cpu, err);
	case BX_CG_PIDS: return lim->pids && lim->pids->limit ? set_num(cg, BX_CGK_PIDS_MAX, lim->pids->limit, err) : 0;
	case BX_CG_IO: return io_limits(cg, lim->io, err);
	default: return 0;
	}
}

static int v2_attach(const struct bx_cg *cg, enum bx_cg_res res, pid_t pid, bx_err_t *err)
{
	(void)res;
	cleanup_free char *procs = bx_cg_dir(cg, "", "cgroup.procs");
	return bx_cg_writef(cg, procs, err, "%d", (int)pid);
}

static int v2_clone_fd(const struct bx_cg *cg, bx_err_t *err)
{
	/* A real open, not O_PATH: clone3 takes the cgroup from the
	 * file's dentry through fdget(), which skips O_PATH files. */
	cleanup_free char *dir = bx_cg_dir(cg, "", NULL);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return bx_make_error(err, errno, "cannot open cgroup %s", dir);
	return fd;
}

static int v2_freeze(const struct bx_cg *cg, bool frozen, int timeout_ms, bx_err_t *err)
{
	cleanup_free char *path = bx_cg_path(cg, BX_CGK_FREEZE);
	cleanup_free char *events = bx_cg_path(cg, BX_CGK_FREEZE_STATE);
	uint64_t deadline = bx_now_us() + (uint64_t)timeout_ms * 1000, state;
	unsigned wait = 50;

	if (set_file(cg, BX_CGK_FREEZE, frozen ? "1" : "0", err) < 0)
		return -1;
	for (;;) {
		int r = bx_cg_read_key(events, "frozen", &state);
		if (r < 0)
			return bx_make_error(err, -r, "cannot read \"frozen\" from %s", events);
		if ((state == 1) == frozen)
			return 0;
		if (bx_now_us() > deadline)
			return bx_make_error(err, ETIMEDOUT, "%s still says frozen %" PRIu64 " %d ms after writing %d to %s",
					     events, state, timeout_ms, frozen, path);
		struct timespec ts = {0, (long)wait * 1000};
		nanosleep(&ts, NULL);
		if (wait < 5000)
			wait *= 2;
	}
}

static int io_bytes(const char *path, uint64_t *rd, uint64_t *wr)
{
	char buf[8192];
	int r = bx_cg_read(path, buf, sizeof buf);
	if (r < 0)
		return r;
	*rd = *wr = 0;
	for (char *line = buf; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		char *end = line + strcspn(line, "\n"), *p;
		if ((p = strstr(line, "rbytes=")) && p < end)
			*rd += strtoull(p + 7, NULL, 10);
		if ((p = strstr(line, "wbytes=")) && p < end)
			*wr += strtoull(p + 7, NULL, 10);
	}
	return 0;
}

static int v2_sample(const struct bx_cg *cg, enum bx_cg_res res, struct bx_stats *out)
{
	int r = 0;
	/* Each case's first read tells whether the cgroup exists. */
	switch (res) {
	case BX_CG_MEMORY: {
		cleanup_free char *peak = bx_cg_dir(cg, "", "memory.peak"); /* Linux 5.19 */
		r = bx_cg_sample_memory(cg, "inactive_file", peak, out);
		break;
	}
	case BX_CG_CPU: {
		cleanup_free char *stat = bx_cg_path(cg, BX_CGK_CPU_STAT);
		static const char *const keys[] = {"usage_usec", "nr_throttled", "throttled_usec", NULL};
		uint64_t us = 0, *const outs[] = {&us, &out->cpu_throttled, &out->throttled_us};
		if ((r = bx_cg_read_keys(stat, keys, outs)) == 0)
			out->cpu_ns = us * 1000;
		break;
	}
	case BX_CG_PIDS:
		r = bx_cg_sample_pids(cg, out);
		break;
	case BX_CG_IO: {
		cleanup_free char *stat = bx_cg_path(cg, BX_CGK_IO_STAT);
		r = io_bytes(stat, &out->blk_read, &out->blk_write);
		break;
	}
	default:
		/* Nothing to count for devices and freezer (paused is in
		 * the state). */
		break;
	}
	return r == -ENOENT ? r : 0;
}

static int v2_destroy(const struct bx_cg *cg, enum bx_cg_res res, bx_err_t *err)
{
	(void)res;
	cleanup_free char *dir = bx_cg_dir(cg, "", NULL);
	cleanup_free char *kill = bx_cg_dir(cg, "", "cgroup.kill");
	if (access(dir, F_OK) < 0)
		return 0;
	/* cgroup.kill (Linux 5.14) kills every task at once, frozen or
	 * not, racing no fork; remove_dir's kill loop covers older
	 * kernels. */
	cg->fs->write(kill, "1");
	return bx_cg_remove_dir(cg, dir, err);
}

const struct bx_cg_ops cg_v2_ops = {
	.name = "v2",
	.files = files,
	.hiers = {
		[BX_CG_MEMORY] = one_dir,
		[BX_CG_CPU] = one_dir,
		[BX_CG_PIDS] = one_dir,
		[BX_CG_IO] = one_dir,
		[BX_CG_DEVICES] = one_dir,
		[BX_CG_FREEZER] = one_dir,
	},
	.unified = true,
	.probe = v2_probe,
	.check = v2_check,
	.create = v2_create,
	.attach = v2_attach,
	.clone_fd = v2_clone_fd,
	.freeze = v2_freeze,
	.sample = v2_sample,
	.destroy = v2_destroy,
};
