/* cgroup v1 backend: one hierarchy per controller
 * (Documentation/admin-guide/cgroup-v1/).  Each controller is its own
 * mounted tree under the root (memory/, cpu/, pids/, ...), so a container
 * has one cgroup per hierarchy, all named boxlab/<name>, and the
 * supervisor moves the child into each by writing its pid into each
 * cgroup.procs (parent_setup), before the child runs anything.
 *
 * Things v1 does differently from v2 (compare cg_v2.c):
 *  - limits are "-1" for none and memory.memsw.limit_in_bytes is memory
 *    PLUS swap, so it can only be set after memory.limit_in_bytes and
 *    never below it;
 *  - a new cpuset cgroup starts with no cpus and no mems: a task cannot
 *    join until both are filled in;
 *  - the devices controller holds an allow-list (devices.allow/deny);
 *  - freezer.state goes THAWED -> FREEZING -> FROZEN, and a frozen task
 *    does not die of SIGKILL until it is thawed.
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
	[BX_CGK_MEM_LIMIT] = {"memory", "memory.limit_in_bytes", "memory"},
	[BX_CGK_MEM_SWAP] = {"memory", "memory.memsw.limit_in_bytes", "memory"},
	[BX_CGK_MEM_RESERVATION] = {"memory", "memory.soft_limit_in_bytes", "memory"},
	[BX_CGK_MEM_USAGE] = {"memory", "memory.usage_in_bytes", "memory"},
	[BX_CGK_MEM_STAT] = {"memory", "memory.stat", "memory"},
	[BX_CGK_MEM_EVENTS] = {"memory", "memory.oom_control", "memory"},
	[BX_CGK_CPU_QUOTA] = {"cpu", "cpu.cfs_quota_us", "cpu"},
	[BX_CGK_CPU_PERIOD] = {"cpu", "cpu.cfs_period_us", "cpu"},
	[BX_CGK_CPU_WEIGHT] = {"cpu", "cpu.shares", "cpu"},
	[BX_CGK_CPU_USAGE] = {"cpuacct", "cpuacct.usage", "cpuacct"},
	[BX_CGK_CPU_STAT] = {"cpu", "cpu.stat", "cpu"},
	[BX_CGK_CPUSET_CPUS] = {"cpuset", "cpuset.cpus", "cpuset"},
	[BX_CGK_CPUSET_MEMS] = {"cpuset", "cpuset.mems", "cpuset"},
	[BX_CGK_PIDS_MAX] = {"pids", "pids.max", "pids"},
	[BX_CGK_PIDS_CURRENT] = {"pids", "pids.current", "pids"},
	[BX_CGK_PIDS_EVENTS] = {"pids", "pids.events", "pids"},
	[BX_CGK_IO_WEIGHT] = {"blkio", "blkio.weight", "blkio"},
	[BX_CGK_IO_BFQ_WEIGHT] = {"blkio", "blkio.bfq.weight", "blkio"},
	[BX_CGK_IO_READ_BPS] = {"blkio", "blkio.throttle.read_bps_device", "blkio"},
	[BX_CGK_IO_WRITE_BPS] = {"blkio", "blkio.throttle.write_bps_device", "blkio"},
	[BX_CGK_IO_STAT] = {"blkio", "blkio.throttle.io_service_bytes_recursive", "blkio"},
	[BX_CGK_FREEZE] = {"freezer", "freezer.state", "freezer"},
	[BX_CGK_FREEZE_STATE] = {"freezer", "freezer.state", "freezer"},
	[BX_CGK_DEV_ALLOW] = {"devices", "devices.allow", "devices"},
	[BX_CGK_DEV_DENY] = {"devices", "devices.deny", "devices"},
};

static const char *const h_memory[] = {"memory", NULL};
static const char *const h_cpu[] = {"cpu", "cpuacct", "cpuset", NULL};
static const char *const h_pids[] = {"pids", NULL};
static const char *const h_io[] = {"blkio", NULL};
static const char *const h_devices[] = {"devices", NULL};
static const char *const h_freezer[] = {"freezer", NULL};

/* Docker's default device rules: creating any node is allowed (using it
 * is what counts), and only the harmless character devices a shell
 * needs may be read and written. */
static const char *const default_devices[] = {
	"c *:* m",   "b *:* m",
	"c 1:3 rwm",   /* null */
	"c 1:5 rwm",   /* zero */
	"c 1:7 rwm",   /* full */
	"c 1:8 rwm",   /* random */
	"c 1:9 rwm",   /* urandom */
	"c 5:0 rwm",   /* tty */
	"c 5:1 rwm",   /* console */
	"c 5:2 rwm",   /* ptmx */
	"c 136:* rwm", /* pts */
	"c 10:200 rwm", /* net/tun */
	NULL,
};

/* Whether a file exists at the root of a hierarchy.  On the host the
 * answer cannot change while boxlab runs (nobody mounts or unmounts a
 * controller under it), and one start asks about thirty times, each an
 * access(2) of some 6 us here: remember it.  A fake tree (unit tests)
 * changes between cases, so it is asked every time. */
static bool root_has(const struct bx_cg *cg, const char *hier, const char *file)
{
	static struct {
		const char *hier, *file; /* string literals: kept as they are */
		bool has;
	} memo[16];
	static size_t n;
	bool real = cg->fs == &bx_cg_real_fs;
	for (size_t i = 0; real && i < n; i++)
		if (!strcmp(memo[i].hier, hier) && !strcmp(memo[i].file, file))
			return memo[i].has;
	cleanup_free char *p = xasprintf("%s/%s/%s", cg->root, hier, file);
	bool has = access(p, F_OK) == 0;
	if (real && n < N_ELEMENTS(memo))
		memo[n++] = (typeof(memo[0])){hier, file, has};
	return has;
}

/* A hierarchy is usable when its root is a mounted cgroup. */
static bool mounted(const struct bx_cg *cg, const char *hier)
{
	return root_has(cg, hier, "cgroup.procs");
}

/* A hierarchy the container has a cgroup in (after create): cpuset only
 * where bx_cg_wants_cpuset said so. */
static bool joined(const struct bx_cg *cg, const char *hier)
{
	if (!mounted(cg, hier))
		return false;
	if (strcmp(hier, "cpuset"))
		return true;
	cleanup_free char *dir = bx_cg_dir(cg, hier, NULL);
	return access(dir, F_OK) == 0;
}

static void v1_probe(const struct bx_cg *cg, enum bx_cg_res res, struct bx_probe *out)
{
	const char *const *h = cg_v1_ops.hiers[res];
	char list[128] = "";
	for (size_t i = 0; h[i]; i++) {
		if (!mounted(cg, h[i])) {
			out->ok = false;
			snprintf(out->why, sizeof out->why, "v1: the %s controller is not mounted at %s/%s", h[i], cg->root,
				 h[i]);
			return;
		}
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", h[i]);
	}
	out->ok = true;
	if (res == BX_CG_MEMORY)
		snprintf(out->why, sizeof out->why, "v1: %s/memory (swap limit: %s)", cg->root,
			 root_has(cg, "memory", "memory.memsw.limit_in_bytes") ? "yes" : "no, boot with swapaccount=1");
	else
		snprintf(out->why, sizeof out->why, "v1: %s under %s", list, cg->root);
}

static int v1_check(const struct bx_cg *cg, enum bx_cg_res res, const struct bx_cg_limits *lim, bx_err_t *err)
{
	if (res == BX_CG_MEMORY && lim->memory && lim->memory->swap > 0 &&
	    !root_has(cg, "memory", "memory.memsw.limit_in_bytes"))
		return bx_usage_error(err, "--memory-swap needs swap accounting, which this kernel has off (%s/memory "
				      "has no memory.memsw.limit_in_bytes; boot with swapaccount=1)", cg->root);
	return 0;
}

static int set_key(const struct bx_cg *cg, enum bx_cg_key key, const char *value, bx_err_t *err)
{
	cleanup_free char *path = bx_cg_path(cg, key);
	return bx_cg_write(cg, path, value, err);
}

static int set_u64(const struct bx_cg *cg, enum bx_cg_key key, int64_t v, bx_err_t *err)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%" PRId64, v);
	return set_key(cg, key, buf, err);
}

/* A fresh cpuset cgroup has empty cpuset.cpus and cpuset.mems, and
 * nothing can join it until both are set: fill them from the parent. */
static int cpuset_fill(const struct bx_cg *cg, const char *dir, const char *parent, const char *want_cpus,
		       const char *want_mems, bx_err_t *err)
{
	static const char *const files_[] = {"cpuset.cpus", "cpuset.mems"};
	const char *want[] = {want_cpus, want_mems};
	for (size_t i = 0; i < 2; i++) {
		char cur[256], from[256];
		cleanup_free char *p = xasprintf("%s/%s", dir, files_[i]);
		cleanup_free char *pp = xasprintf("%s/%s", parent, files_[i]);
		int r = bx_cg_read(p, cur, sizeof cur);
		if (r < 0)
			return bx_make_error(err, -r, "cannot read %s", p);
		if (!want[i] && cur[0] && cur[0] != '\n')
			continue;
		if (!want[i] && (r = bx_cg_read(pp, from, sizeof from)) < 0)
			return bx_make_error(err, -r, "cannot read %s", pp);
		if (bx_cg_write(cg, p, want[i] ? want[i] : from, err) < 0)
			return -1;
	}
	return 0;
}

static int make_dirs(const struct bx_cg *cg, const char *hier, const struct bx_cg_cpu_conf *cpu, bx_err_t *err)
{
	cleanup_free char *parent = bx_cg_parent(cg, hier);
	cleanup_free char *dir = bx_cg_dir(cg, hier, NULL);
	cleanup_free char *top = xasprintf("%s/%s", cg->root, hier);
	/* The parent only when missing: it is there for every container
	 * but the first. */
	int r = cg->fs->mkdir(dir);
	if (r == -ENOENT && bx_cg_mkdir(cg, parent, err) == 0)
		r = cg->fs->mkdir(dir);
	if (r < 0 && r != -EEXIST)
		return bx_make_error(err, -r, "cannot create cgroup %s", dir);
	if (strcmp(hier, "cpuset"))
		return 0;
	if (cpuset_fill(cg, parent, top, NULL, NULL, err) < 0)
		return -1;
	return cpuset_fill(cg, dir, parent, cpu ? cpu->cpus : NULL, cpu ? cpu->mems : NULL, err);
}

static int memory_limits(const struct bx_cg *cg, const struct bx_cg_memory_conf *m, bx_err_t *err)
{
	if (!m)
		return 0;
	/* limit before memsw: memsw (memory + swap) may never be below it. */
	if (m->limit && set_u64(cg, BX_CGK_MEM_LIMIT, m->limit, err) < 0)
		return -1;
	if (root_has(cg, "memory", "memory.memsw.limit_in_bytes")) {
		/* Docker's default: as much swap as memory. */
		int64_t sw = m->swap ? m->swap : m->limit ? 2 * m->limit : 0;
		if (sw && set_u64(cg, BX_CGK_MEM_SWAP, sw, err) < 0)
			return -1;
	}
	if (m->reservation && set_u64(cg, BX_CGK_MEM_RESERVATION, m->reservation, err) < 0)
		return -1;
	return 0;
}

static int cpu_limits(const struct bx_cg *cg, const struct bx_cg_cpu_conf *c, bx_err_t *err)
{
	if (!c)
		return 0;
	if (c->nanocpus && (set_u64(cg, BX_CGK_CPU_PERIOD, BX_CG_CPU_PERIOD, err) < 0 ||
			    set_u64(cg, BX_CGK_CPU_QUOTA, (int64_t)bx_cg_quota_us(c->nanocpus), err) < 0))
		return -1;
	if (c->shares && set_u64(cg, BX_CGK_CPU_WEIGHT, (int64_t)c->shares, err) < 0)
		return -1;
	return 0;
}

static int throttle(const struct bx_cg *cg, enum bx_cg_key key, const struct bx_cg_throttle *t, size_t n,
		    bx_err_t *err)
{
	for (size_t i = 0; i < n; i++) {
		char line[64];
		snprintf(line, sizeof line, "%u:%u %" PRIu64, t[i].major, t[i].minor, t[i].bps);
		if (set_key(cg, key, line, err) < 0) {
			if (bx_error_errno(*err) == ENODEV || bx_error_errno(*err) == EINVAL)
				bx_error_hint(err, "%s (%u:%u): the kernel throttles whole disks only, not partitions",
					      t[i].path, t[i].major, t[i].minor);
			return -1;
		}
	}
	return 0;
}

static int io_limits(const struct bx_cg *cg, const struct bx_cg_io_conf *io, bx_err_t *err)
{
	if (!io)
		return 0;
	if (io->weight) {
		/* blkio.weight was CFQ's; with blk-mq only BFQ offers a
		 * weight, as blkio.bfq.weight (crun's write_file_or_alias). */
		cleanup_free char *w = bx_cg_path(cg, BX_CGK_IO_WEIGHT);
		cleanup_free char *bfq = bx_cg_path(cg, BX_CGK_IO_BFQ_WEIGHT);
		const char *target = access(w, F_OK) == 0 ? w : access(bfq, F_OK) == 0 ? bfq : NULL;
		if (!target)
			return bx_usage_error(err, "--blkio-weight needs a proportional I/O scheduler: neither blkio.weight "
					      "nor blkio.bfq.weight exists (select bfq for a disk: echo bfq > "
					      "/sys/block/DISK/queue/scheduler)");
		if (bx_cg_writef(cg, target, err, "%u", io->weight) < 0)
			return -1;
	}
	if (throttle(cg, BX_CGK_IO_READ_BPS, io->read, io->nread, err) < 0 ||
	    throttle(cg, BX_CGK_IO_WRITE_BPS, io->write, io->nwrite, err) < 0)
		return -1;
	return 0;
}

static int device_rules(const struct bx_cg *cg, const struct bx_cg_devices_conf *d, bx_err_t *err)
{
	/* Deny all, then allow: the parent's "a *:* rwm" is inherited. */
	if (set_key(cg, BX_CGK_DEV_DENY, "a", err) < 0)
		return -1;
	size_t nd = sizeof default_devices / sizeof *default_devices - 1, failed = 0;
	cleanup_free const char **all = xzalloc((nd + strv_len(d ? d->rules : NULL) + 1) * sizeof *all);
	memcpy(all, default_devices, nd * sizeof *all);
	for (size_t i = 0; d && d->rules && d->rules[i]; i++)
		all[nd + i] = d->rules[i];
	cleanup_free char *path = bx_cg_path(cg, BX_CGK_DEV_ALLOW);
	int r = cg->fs->write_each(path, all, &failed);
	if (r == 0)
		return 0;
	bx_make_error(err, -r, "cannot write \"%s\" to %s", all[failed], path);
	return failed < nd ? -1 : bx_error_wrap(err, "--device %s", d->given[failed - nd]);
}

static int v1_create(const struct bx_cg *cg, enum bx_cg_res res, const struct bx_cg_limits *lim, bx_err_t *err)
{
	const char *const *h = cg_v1_ops.hiers[res];
	for (size_t i = 0; h[i]; i++) {
		if (!mounted(cg, h[i]))
			continue; /* the module reported it; no limit needs it (checked) */
		if (!strcmp(h[i], "cpuset") && !bx_cg_wants_cpuset(lim->cpu))
			continue;
		if (make_dirs(cg, h[i], lim->cpu, err) < 0)
			return -1;
	}
	switch (res) {
	case BX_CG_MEMORY: return memory_limits(cg, lim->memory, err);
	case BX_CG_CPU: return cpu_limits(cg, lim->cpu, err);
	case BX_CG_PIDS:
		return lim->pids && lim->pids->limit ? set_u64(cg, BX_CGK_PIDS_MAX, lim->pids->limit, err) : 0;
	case BX_CG_IO: return io_limits(cg, lim->io, err);
	case BX_CG_DEVICES: return device_rules(cg, lim->devices, err);
	default: return 0;
	}
}

static int v1_attach(const struct bx_cg *cg, enum bx_cg_res res, pid_t pid, bx_err_t *err)
{
	const char *const *h = cg_v1_ops.hiers[res];
	for (size_t i = 0; h[i]; i++) {
		if (!joined(cg, h[i]))
			continue;
		cleanup_free char *procs = bx_cg_dir(cg, h[i], "cgroup.procs");
		if (bx_cg_writef(cg, procs, err, "%d", (int)pid) < 0)
			return -1;
	}
	return 0;
}

static int v1_join_fds(const struct bx_cg *cg, enum bx_cg_res res, int *fds, size_t max, bx_err_t *err)
{
	const char *const *h = cg_v1_ops.hiers[res];
	size_t n = 0;
	for (size_t i = 0; h[i]; i++) {
		if (!joined(cg, h[i]))
			continue;
		if (n == max) {
			bx_make_error(err, ENOSPC, "too many v1 hierarchies to join");
			goto fail;
		}
		cleanup_free char *tasks = bx_cg_dir(cg, h[i], "tasks");
		fds[n] = open(tasks, O_WRONLY | O_CLOEXEC);
		if (fds[n] < 0) {
			bx_make_error(err, errno, "cannot open %s", tasks);
			goto fail;
		}
		n++;
	}
	return (int)n;
fail:
	while (n)
		close(fds[--n]);
	return -1;
}

static int v1_freeze(const struct bx_cg *cg, bool frozen, int timeout_ms, bx_err_t *err)
{
	const char *want = frozen ? "FROZEN" : "THAWED";
	cleanup_free char *path = bx_cg_path(cg, BX_CGK_FREEZE);
	uint64_t deadline = bx_now_us() + (uint64_t)timeout_ms * 1000;
	unsigned wait = 50;
	char buf[32];

	if (bx_cg_write(cg, path, want, err) < 0)
		return -1;
	/* FREEZING until every task has stopped; writing FROZEN again
	 * retries the tasks that were busy in the kernel. */
	for (;;) {
		int r = bx_cg_read(path, buf, sizeof buf);
		if (r < 0)
			return bx_make_error(err, -r, "cannot read %s", path);
		if (!strncmp(buf, want, strlen(want)))
			return 0;
		if (bx_now_us() > deadline)
			return bx_make_error(err, ETIMEDOUT, "%s stays %.*s after %d ms", path, (int)strcspn(buf, "\n"), buf,
					     timeout_ms);
		struct timespec ts = {0, (long)wait * 1000};
		nanosleep(&ts, NULL);
		if (wait < 5000)
			wait *= 2;
		if (frozen && bx_cg_write(cg, path, want, err) < 0)
			return -1;
	}
}

/* Sum the "MAJ:MIN Read N" / "MAJ:MIN Write N" lines of blkio. */
static int blkio_bytes(const char *path, uint64_t *rd, uint64_t *wr)
{
	char buf[8192];
	int r = bx_cg_read(path, buf, sizeof buf);
	if (r < 0)
		return r;
	*rd = *wr = 0;
	for (char *line = buf; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		char op[16];
		unsigned long long v;
		if (sscanf(line, "%*u:%*u %15s %llu", op, &v) != 2)
			continue;
		if (!strcmp(op, "Read"))
			*rd += v;
		else if (!strcmp(op, "Write"))
			*wr += v;
	}
	return 0;
}

static int v1_sample(const struct bx_cg *cg, enum bx_cg_res res, struct bx_stats *out)
{
	int r = 0;
	/* Each case's first read tells whether the cgroup exists. */
	switch (res) {
	case BX_CG_MEMORY: {
		cleanup_free char *peak = bx_cg_dir(cg, "memory", "memory.max_usage_in_bytes");
		r = bx_cg_sample_memory(cg, "total_inactive_file", peak, out);
		break;
	}
	case BX_CG_CPU: {
		cleanup_free char *usage = bx_cg_path(cg, BX_CGK_CPU_USAGE);
		cleanup_free char *stat = bx_cg_path(cg, BX_CGK_CPU_STAT);
		static const char *const keys[] = {"nr_throttled", "throttled_time", NULL};
		cleanup_free char *quota = bx_cg_path(cg, BX_CGK_CPU_QUOTA);
		uint64_t ns = 0, *const outs[] = {&out->cpu_throttled, &ns};
		char q[32];
		r = bx_cg_read_u64(usage, &out->cpu_ns);
		/* Throttling needs a quota; without one ("-1") skip cpu.stat. */
		if (bx_cg_read_limit(quota, q, sizeof q) == 0 && q[0] == '-')
			break;
		if (bx_cg_read_keys(stat, keys, outs) == 0)
			out->throttled_us = ns / 1000;
		break;
	}
	case BX_CG_PIDS:
		r = bx_cg_sample_pids(cg, out);
		break;
	case BX_CG_IO: {
		cleanup_free char *stat = bx_cg_path(cg, BX_CGK_IO_STAT);
		r = blkio_bytes(stat, &out->blk_read, &out->blk_write);
		break;
	}
	default:
		/* Nothing to count for devices and freezer (paused is in
		 * the state). */
		break;
	}
	return r == -ENOENT ? r : 0;
}

static int v1_destroy(const struct bx_cg *cg, enum bx_cg_res res, bx_err_t *err)
{
	/* Tasks in a frozen cgroup do not die of SIGKILL until thawed.  The
	 * freezer's teardown comes first of the cgroup modules' (registry
	 * order, reversed), so it thaws before any other is emptied. */
	cleanup_free char *state = res == BX_CG_FREEZER ? bx_cg_path(cg, BX_CGK_FREEZE) : NULL;
	char buf[32];
	if (state && bx_cg_read(state, buf, sizeof buf) == 0 && strncmp(buf, "THAWED", 6)) {
		bx_err_t tmp = NULL;
		if (bx_cg_write(cg, state, "THAWED", &tmp) < 0)
			bx_warn("%s", tmp->msg);
		bx_error_release(&tmp);
	}
	const char *const *h = cg_v1_ops.hiers[res];
	int ret = 0;
	for (size_t i = 0; h[i]; i++) {
		cleanup_free char *dir = bx_cg_dir(cg, h[i], NULL);
		if (bx_cg_remove_dir(cg, dir, err) < 0)
			ret = -1; /* go on: remove what can be removed */
	}
	return ret;
}

const struct bx_cg_ops cg_v1_ops = {
	.name = "v1",
	.files = files,
	.hiers = {
		[BX_CG_MEMORY] = h_memory,
		[BX_CG_CPU] = h_cpu,
		[BX_CG_PIDS] = h_pids,
		[BX_CG_IO] = h_io,
		[BX_CG_DEVICES] = h_devices,
		[BX_CG_FREEZER] = h_freezer,
	},
	.unified = false,
	.probe = v1_probe,
	.check = v1_check,
	.create = v1_create,
	.attach = v1_attach,
	.clone_fd = NULL,
	.join_fds = v1_join_fds,
	.freeze = v1_freeze,
	.sample = v1_sample,
	.destroy = v1_destroy,
};
