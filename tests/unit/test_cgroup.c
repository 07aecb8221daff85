/* The cgroup backends and their units.
 *
 * The backends run against a fake cgroupfs in a temp dir: directories
 * and files as the kernel lays them out, and a fake kernel behind
 * struct bx_cg_fs that answers writes the way the real one does: a
 * controller file exists only where the parent enabled the controller,
 * "+ctrl" into cgroup.subtree_control fails with ENOENT when the
 * controller was not delegated and with EBUSY when the cgroup has
 * processes of its own, rmdir fails with EBUSY while processes remain,
 * cgroup.freeze updates cgroup.events, cgroup.kill empties the cgroup.
 * Every write is logged, so tests can check order (v1 memsw after the
 * memory limit). */
#include "core/sample.h"
#include "modules/cgroup.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "bxt.h"

/* ---- the fake kernel ---- */

static char root[] = "/tmp/ut-cgroup-XXXXXX";
static bool v1;           /* lay out and answer like v1 */
static bool freeze_stuck; /* a task that never freezes */
static char wlog[16384];  /* "file=value\n" for every write */

static void put(const char *dir, const char *file, const char *text)
{
	cleanup_free char *p = xasprintf("%s/%s", dir, file);
	bx_err_t err = NULL;
	assert_int_equal(bx_write_file(p, text, strlen(text), &err), 0);
}

static char *get(const char *dir, const char *file)
{
	cleanup_free char *p = xasprintf("%s/%s", dir, file);
	bx_err_t err = NULL;
	char *s = bx_read_file(p, NULL, &err);
	bx_error_release(&err);
	return s;
}

static bool has_word(const char *list, const char *w)
{
	cleanup_free char *copy = xstrdup(list ? list : "");
	char *save = NULL;
	for (char *t = strtok_r(copy, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
		if (!strcmp(t, w))
			return true;
	return false;
}

static char *dir_of(const char *path)
{
	return xstrndup(path, strrchr(path, '/') - path);
}

/* The interface files a controller adds to a (non-root) cgroup. */
static void v2_ctrl_files(const char *dir, const char *ctrl)
{
	if (!strcmp(ctrl, "memory")) {
		put(dir, "memory.max", "max\n");
		put(dir, "memory.swap.max", "max\n");
		put(dir, "memory.low", "0\n");
		put(dir, "memory.current", "0\n");
		put(dir, "memory.stat", "anon 0\ninactive_file 0\n");
		put(dir, "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
	} else if (!strcmp(ctrl, "cpu")) {
		put(dir, "cpu.max", "max 100000\n");
		put(dir, "cpu.weight", "100\n");
	} else if (!strcmp(ctrl, "cpuset")) {
		put(dir, "cpuset.cpus", "\n");
		put(dir, "cpuset.mems", "\n");
	} else if (!strcmp(ctrl, "pids")) {
		put(dir, "pids.max", "max\n");
		put(dir, "pids.current", "0\n");
		put(dir, "pids.events", "max 0\n");
	} else if (!strcmp(ctrl, "io")) {
		put(dir, "io.max", "");
		put(dir, "io.stat", "");
		put(dir, "io.weight", "default 100\n");
	}
}

static void v1_files(const char *dir, const char *hier)
{
	if (!strcmp(hier, "memory")) {
		put(dir, "memory.limit_in_bytes", "9223372036854771712\n");
		put(dir, "memory.memsw.limit_in_bytes", "9223372036854771712\n");
		put(dir, "memory.soft_limit_in_bytes", "9223372036854771712\n");
		put(dir, "memory.usage_in_bytes", "0\n");
		put(dir, "memory.stat", "cache 0\ntotal_inactive_file 0\n");
		put(dir, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
		put(dir, "memory.max_usage_in_bytes", "0\n");
	} else if (!strcmp(hier, "cpu")) {
		put(dir, "cpu.cfs_quota_us", "-1\n");
		put(dir, "cpu.cfs_period_us", "100000\n");
		put(dir, "cpu.shares", "1024\n");
		put(dir, "cpu.stat", "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n");
		put(dir, "tasks", "");
	} else if (!strcmp(hier, "cpuacct")) {
		put(dir, "cpuacct.usage", "0\n");
		put(dir, "tasks", "");
	} else if (!strcmp(hier, "cpuset")) {
		/* A new cpuset cgroup starts empty: nothing can join it. */
		put(dir, "cpuset.cpus", "\n");
		put(dir, "cpuset.mems", "\n");
	} else if (!strcmp(hier, "pids")) {
		put(dir, "pids.max", "max\n");
		put(dir, "pids.current", "0\n");
		put(dir, "pids.events", "max 0\n");
	} else if (!strcmp(hier, "blkio")) {
		put(dir, "blkio.bfq.weight", "100\n");
		put(dir, "blkio.throttle.read_bps_device", "");
		put(dir, "blkio.throttle.write_bps_device", "");
		put(dir, "blkio.throttle.io_service_bytes_recursive", "Total 0\n");
	} else if (!strcmp(hier, "freezer")) {
		put(dir, "freezer.state", "THAWED\n");
	} else if (!strcmp(hier, "devices")) {
		put(dir, "devices.allow", "");
		put(dir, "devices.deny", "");
	}
}

static int fake_mkdir(const char *path)
{
	if (mkdir(path, 0755) < 0)
		return -errno;
	put(path, "cgroup.procs", "");
	if (v1) {
		/* The hierarchy is the first component under the root. */
		const char *rel = path + strlen(root) + 1;
		cleanup_free char *hier = xstrndup(rel, strcspn(rel, "/"));
		v1_files(path, hier);
		return 0;
	}
	cleanup_free char *parent = dir_of(path);
	cleanup_free char *enabled = get(parent, "cgroup.subtree_control");
	put(path, "cgroup.controllers", enabled ? enabled : "");
	put(path, "cgroup.subtree_control", "");
	put(path, "cgroup.events", "populated 0\nfrozen 0\n");
	put(path, "cgroup.freeze", "0\n");
	put(path, "cgroup.kill", "");
	put(path, "cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\n");
	cleanup_free char *copy = xstrdup(enabled ? enabled : "");
	char *save = NULL;
	for (char *t = strtok_r(copy, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
		v2_ctrl_files(path, t);
	return 0;
}

static int fake_rmdir(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	cleanup_free char *procs = get(path, "cgroup.procs");
	if (procs && *procs)
		return -EBUSY;
	bx_err_t err = NULL;
	/* cgroupfs removes the interface files with the directory. */
	if (bx_rm_rf(path, &err) < 0) {
		bx_error_release(&err);
		return -EIO;
	}
	return 0;
}

/* Enabling a controller for dir's children gives each existing child
 * its files, as the kernel does. */
static void propagate(const char *dir, const char *ctrl, const char *enabled)
{
	cleanup_dir DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		cleanup_free char *child = xasprintf("%s/%s", dir, e->d_name);
		put(child, "cgroup.controllers", enabled);
		v2_ctrl_files(child, ctrl);
	}
}

static int v2_subtree_write(const char *dir, const char *data)
{
	bool is_root = !strcmp(dir, root);
	cleanup_free char *parent = is_root ? NULL : dir_of(dir);
	/* What a cgroup is offered is what its parent enabled, now. */
	cleanup_free char *offered = is_root ? get(dir, "cgroup.controllers") : get(parent, "cgroup.subtree_control");
	cleanup_free char *procs = get(dir, "cgroup.procs");
	cleanup_free char *cur = get(dir, "cgroup.subtree_control");
	cleanup_free char *copy = xstrdup(data);
	char *save = NULL;
	for (char *t = strtok_r(copy, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
		if (t[0] != '+' || !has_word(offered, t + 1))
			return -ENOENT;
		if (!is_root && procs && *procs)
			return -EBUSY;
		if (has_word(cur, t + 1))
			continue;
		char *next = xasprintf("%s%s%s", cur && *cur ? cur : "", cur && *cur ? " " : "", t + 1);
		free(cur);
		cur = next;
		put(dir, "cgroup.subtree_control", cur);
		propagate(dir, t + 1, cur);
	}
	return 0;
}

static int fake_write(const char *path, const char *data)
{
	const char *base = strrchr(path, '/') + 1;
	cleanup_free char *dir = dir_of(path);
	snprintf(wlog + strlen(wlog), sizeof wlog - strlen(wlog), "%s=%s\n", base, data);

	if (!v1 && !strcmp(base, "cgroup.subtree_control"))
		return v2_subtree_write(dir, data);
	if (!v1 && !strcmp(base, "cgroup.kill")) {
		put(dir, "cgroup.procs", "");
		put(dir, "cgroup.events", "populated 0\nfrozen 0\n");
		return 0;
	}
	int flags = O_WRONLY | (!strcmp(base, "io.max") ? O_APPEND : O_TRUNC);
	int fd = open(path, flags);
	if (fd < 0)
		return -errno;
	/* The kernel parses what it is given. */
	if ((!strcmp(base, "memory.max") || !strcmp(base, "pids.max")) && strcmp(data, "max") &&
	    strspn(data, "0123456789") != strlen(data)) {
		close(fd);
		return -EINVAL;
	}
	if (write(fd, data, strlen(data)) < 0 || write(fd, "\n", 1) < 0) {
		close(fd);
		return -EIO;
	}
	close(fd);
	if (!v1 && !strcmp(base, "cgroup.freeze") && !freeze_stuck)
		put(dir, "cgroup.events", data[0] == '1' ? "populated 1\nfrozen 1\n" : "populated 1\nfrozen 0\n");
	return 0;
}

static int fake_write_each(const char *path, const char *const *lines, size_t *failed)
{
	int r = 0;
	*failed = 0;
	for (size_t i = 0; lines[i] && r == 0; i++) {
		r = fake_write(path, lines[i]);
		*failed = i;
	}
	return r;
}

static const struct bx_cg_fs fake_fs = {
	.mkdir = fake_mkdir,
	.rmdir = fake_rmdir,
	.write = fake_write,
	.write_each = fake_write_each,
};

static struct bx_cg cg_v2(const char *name)
{
	return (struct bx_cg){.ops = &cg_v2_ops, .root = root, .name = name, .fs = &fake_fs};
}

static struct bx_cg cg_v1(const char *name)
{
	return (struct bx_cg){.ops = &cg_v1_ops, .root = root, .name = name, .fs = &fake_fs};
}

/* A fresh fake root: v2 offers the given controllers; v1 mounts every
 * hierarchy. */
static void fake_root(bool as_v1, const char *controllers)
{
	bx_err_t err = NULL;
	cleanup_free char *cmd = NULL;
	if (bx_rm_rf(root, &err) < 0)
		fail();
	assert_int_equal(mkdir(root, 0755), 0);
	v1 = as_v1;
	freeze_stuck = false;
	wlog[0] = '\0';
	if (!as_v1) {
		put(root, "cgroup.procs", "1\n");
		put(root, "cgroup.controllers", controllers);
		put(root, "cgroup.subtree_control", "");
		return;
	}
	static const char *const hiers[] = {"memory", "cpu", "cpuacct", "cpuset", "pids", "blkio", "freezer", "devices"};
	for (size_t i = 0; i < N_ELEMENTS(hiers); i++) {
		cleanup_free char *h = xasprintf("%s/%s", root, hiers[i]);
		assert_int_equal(mkdir(h, 0755), 0);
		put(h, "cgroup.procs", "1\n");
	}
	cleanup_free char *mem = xasprintf("%s/memory", root);
	put(mem, "memory.memsw.limit_in_bytes", "9223372036854771712\n");
	cleanup_free char *cs = xasprintf("%s/cpuset", root);
	put(cs, "cpuset.cpus", "0-3\n");
	put(cs, "cpuset.mems", "0\n");
}

static int group_setup(void **state)
{
	(void)state;
	return mkdtemp(root) ? 0 : -1;
}

static int group_teardown(void **state)
{
	bx_err_t err = NULL;
	(void)state;
	bx_rm_rf(root, &err);
	return err ? -1 : 0;
}

static char *cgfile(const char *rel)
{
	return xasprintf("%s/%s", root, rel);
}

static void assert_file(const char *rel, const char *want)
{
	cleanup_free char *p = cgfile(rel);
	bx_err_t err = NULL;
	cleanup_free char *got = bx_read_file(p, NULL, &err);
	if (!got) {
		print_error("%s: %s\n", p, err->msg);
		fail();
	}
	got[strcspn(got, "\n")] = '\0';
	assert_string_equal(got, want);
}

/* ---- units ---- */

static void test_parse_bytes(void **state)
{
	static const struct {
		const char *in;
		int64_t want;
	} good[] = {
		{"64m", 64 << 20},       {"64M", 64 << 20},          {"64mb", 64 << 20},        {"64MiB", 64 << 20},
		{"1.5g", 3LL << 29},     {"1.5G", 3LL << 29},        {"512", 512},              {"512b", 512},
		{"1k", 1024},            {"0.5k", 512},              {"2t", 2LL << 40},         {"1 g", 1LL << 30},
		{"1.1g", 1181116006},
	};
	static const char *const bad[] = {"12XB", "", "m", "-1", "1.", ".5g", "1.5.2g", "64mm", "1e3", "9999999999p",
					  "12 XB"};
	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(good); i++) {
		int64_t v = -1;
		bx_err_t err = NULL;
		if (bx_cg_parse_bytes(good[i].in, &v, &err) < 0) {
			print_error("%s: %s\n", good[i].in, err->msg);
			fail();
		}
		assert_int_equal(v, good[i].want);
	}
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		int64_t v;
		bx_err_t err = NULL;
		if (bx_cg_parse_bytes(bad[i], &v, &err) == 0) {
			print_error("\"%s\" parsed as %lld\n", bad[i], (long long)v);
			fail();
		}
		assert_int_equal(err->exit_code, 2);
		assert_contains(err->msg, bad[i]);
		bx_error_release(&err);
	}
	bx_err_t err = NULL;
	int64_t v;
	bx_cg_parse_bytes("12XB", &v, &err);
	assert_contains(err->msg, "expected a number with an optional unit");
	bx_error_release(&err);
}

static void test_parse_cpus(void **state)
{
	uint64_t n;
	bx_err_t err = NULL;
	(void)state;
	assert_int_equal(bx_cg_parse_cpus("0.5", &n, &err), 0);
	assert_int_equal(n, 500000000);
	assert_int_equal(bx_cg_quota_us(n), 50000);
	assert_int_equal(bx_cg_parse_cpus("1.25", &n, &err), 0);
	assert_int_equal(bx_cg_quota_us(n), 125000);
	assert_int_equal(bx_cg_parse_cpus("2", &n, &err), 0);
	assert_int_equal(bx_cg_quota_us(n), 200000);
	assert_int_equal(bx_cg_parse_cpus("0.01", &n, &err), 0);
	assert_int_equal(bx_cg_quota_us(n), 1000);

	static const char *const bad[] = {"0", "0.0", "0.001", "abc", "", "-1", "1.5x", "0.5.1"};
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		if (bx_cg_parse_cpus(bad[i], &n, &err) == 0) {
			print_error("\"%s\" accepted\n", bad[i]);
			fail();
		}
		assert_int_equal(err->exit_code, 2);
		bx_error_release(&err);
	}
	bx_cg_parse_cpus("0.001", &n, &err);
	assert_contains(err->msg, "0.01");
	bx_error_release(&err);
}

static void test_parse_list(void **state)
{
	bx_err_t err = NULL;
	(void)state;
	assert_int_equal(bx_cg_parse_list("0-1,3", "0-3\n", &err), 0);
	assert_int_equal(bx_cg_parse_list("1", "0-1", &err), 0);
	assert_int_equal(bx_cg_parse_list("2", "0-1\n", &err), -1);
	assert_contains(err->msg, "2 in \"2\" is not online (online: 0-1)");
	bx_error_release(&err);
	static const char *const bad[] = {"", "a", "1-0", "0,", "0--1", "-1", "0,,1"};
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		if (bx_cg_parse_list(bad[i], "0-7", &err) == 0) {
			print_error("\"%s\" accepted\n", bad[i]);
			fail();
		}
		assert_contains(err->msg, "invalid list");
		bx_error_release(&err);
	}
}

static void test_conversions(void **state)
{
	char buf[32];
	(void)state;
	assert_int_equal(bx_cg_shares_to_weight(2), 1);
	assert_int_equal(bx_cg_shares_to_weight(1024), 39);
	assert_int_equal(bx_cg_shares_to_weight(262144), 10000);
	cleanup_free char *a = bx_cg_format_bytes(64 << 20);
	cleanup_free char *b = bx_cg_format_bytes(3LL << 29);
	cleanup_free char *c = bx_cg_format_bytes(1000);
	assert_string_equal(a, "64m");
	assert_string_equal(b, "1536m");
	assert_string_equal(c, "1000");
	bx_cg_human(64 << 20, true, buf, sizeof buf);
	assert_string_equal(buf, "64MiB");
	bx_cg_human(1536, false, buf, sizeof buf);
	assert_string_equal(buf, "1.536kB");
	bx_cg_human(0, false, buf, sizeof buf);
	assert_string_equal(buf, "0B");
}

/* ---- where things are ---- */

static void test_paths(void **state)
{
	struct bx_cg a = {.ops = &cg_v1_ops, .root = "/sys/fs/cgroup", .name = "web", .fs = &bx_cg_real_fs};
	struct bx_cg b = {.ops = &cg_v2_ops, .root = "/sys/fs/cgroup", .name = "web", .fs = &bx_cg_real_fs};
	static const struct {
		enum bx_cg_key key;
		const char *v1, *v2;
	} map[] = {
		{BX_CGK_MEM_LIMIT, "memory/boxlab/web/memory.limit_in_bytes", "boxlab/web/memory.max"},
		{BX_CGK_MEM_SWAP, "memory/boxlab/web/memory.memsw.limit_in_bytes", "boxlab/web/memory.swap.max"},
		{BX_CGK_MEM_EVENTS, "memory/boxlab/web/memory.oom_control", "boxlab/web/memory.events"},
		{BX_CGK_CPU_QUOTA, "cpu/boxlab/web/cpu.cfs_quota_us", "boxlab/web/cpu.max"},
		{BX_CGK_CPU_WEIGHT, "cpu/boxlab/web/cpu.shares", "boxlab/web/cpu.weight"},
		{BX_CGK_CPU_USAGE, "cpuacct/boxlab/web/cpuacct.usage", "boxlab/web/cpu.stat"},
		{BX_CGK_CPUSET_CPUS, "cpuset/boxlab/web/cpuset.cpus", "boxlab/web/cpuset.cpus"},
		{BX_CGK_PIDS_MAX, "pids/boxlab/web/pids.max", "boxlab/web/pids.max"},
		{BX_CGK_IO_READ_BPS, "blkio/boxlab/web/blkio.throttle.read_bps_device", "boxlab/web/io.max"},
		{BX_CGK_IO_STAT, "blkio/boxlab/web/blkio.throttle.io_service_bytes_recursive", "boxlab/web/io.stat"},
		{BX_CGK_FREEZE, "freezer/boxlab/web/freezer.state", "boxlab/web/cgroup.freeze"},
		{BX_CGK_FREEZE_STATE, "freezer/boxlab/web/freezer.state", "boxlab/web/cgroup.events"},
		{BX_CGK_DEV_ALLOW, "devices/boxlab/web/devices.allow", NULL},
	};
	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(map); i++) {
		cleanup_free char *p1 = bx_cg_path(&a, map[i].key);
		cleanup_free char *p2 = bx_cg_path(&b, map[i].key);
		cleanup_free char *w1 = xasprintf("/sys/fs/cgroup/%s", map[i].v1);
		cleanup_free char *w2 = map[i].v2 ? xasprintf("/sys/fs/cgroup/%s", map[i].v2) : NULL;
		assert_string_equal(p1, w1);
		if (w2)
			assert_string_equal(p2, w2);
		else
			assert_null(p2);
	}
	cleanup_free char *d1 = bx_cg_dir(&a, "pids", NULL);
	cleanup_free char *d2 = bx_cg_dir(&b, "", "cgroup.procs");
	assert_string_equal(d1, "/sys/fs/cgroup/pids/boxlab/web");
	assert_string_equal(d2, "/sys/fs/cgroup/boxlab/web/cgroup.procs");
	/* Every resource of v1 has its own hierarchies; v2 shares one dir. */
	assert_string_equal(cg_v1_ops.hiers[BX_CG_IO][0], "blkio");
	assert_string_equal(cg_v1_ops.hiers[BX_CG_CPU][1], "cpuacct");
	assert_true(cg_v2_ops.unified && !cg_v1_ops.unified);
}

/* ---- v2 against the fake tree ---- */

static struct bx_cg_memory_conf mem64 = {.limit = 64 << 20, .swap = 128 << 20, .reservation = 32 << 20};
static struct bx_cg_cpu_conf cpu_half = {.nanocpus = 500000000, .shares = 512, .cpus = "1", .mems = "0"};
static struct bx_cg_pids_conf pids20 = {.limit = 20};
static struct bx_cg_throttle rd = {.path = "/dev/vda:1mb", .major = 254, .minor = 0, .bps = 1 << 20};
static struct bx_cg_io_conf io_conf_ = {.weight = 500, .read = &rd, .nread = 1};
static struct bx_cg_devices_conf no_devices;

static struct bx_cg_limits all_limits(void)
{
	return (struct bx_cg_limits){&mem64, &cpu_half, &pids20, &io_conf_, &no_devices};
}

static void test_v2_create(void **state)
{
	struct bx_cg cg = cg_v2("web");
	struct bx_cg_limits lim = all_limits();
	bx_err_t err = NULL;
	(void)state;
	fake_root(false, "cpuset cpu io memory pids\n");
	for (int r = 0; r < BX_CG_NRES; r++) {
		assert_int_equal(cg.ops->check(&cg, (enum bx_cg_res)r, &lim, &err), 0);
		if (cg.ops->create(&cg, (enum bx_cg_res)r, &lim, &err) < 0) {
			print_error("create %d: %s\n", r, err->msg);
			fail();
		}
	}
	assert_file("cgroup.subtree_control", "memory cpu cpuset pids io");
	assert_file("boxlab/cgroup.subtree_control", "memory cpu cpuset pids io");
	assert_file("boxlab/web/memory.max", "67108864");
	/* --memory-swap is memory + swap; memory.swap.max is swap alone. */
	assert_file("boxlab/web/memory.swap.max", "67108864");
	assert_file("boxlab/web/memory.low", "33554432");
	assert_file("boxlab/web/cpu.max", "50000 100000");
	assert_file("boxlab/web/cpu.weight", "20");
	assert_file("boxlab/web/cpuset.cpus", "1");
	assert_file("boxlab/web/pids.max", "20");
	assert_file("boxlab/web/io.weight", "default 4950");
	assert_file("boxlab/web/io.max", "254:0 rbps=1048576");

	int fd = cg.ops->clone_fd(&cg, &err);
	assert_true(fd >= 0);
	close(fd);
	/* An unlimited swap is "max". */
	struct bx_cg_memory_conf m = {.limit = 64 << 20, .swap = -1};
	lim.memory = &m;
	assert_int_equal(cg.ops->create(&cg, BX_CG_MEMORY, &lim, &err), 0);
	assert_file("boxlab/web/memory.swap.max", "max");
}

static void test_v2_not_delegated(void **state)
{
	struct bx_cg cg = cg_v2("web");
	struct bx_cg_limits lim = all_limits();
	struct bx_probe p = {0};
	bx_err_t err = NULL;
	(void)state;
	fake_root(false, "cpu pids\n");
	/* A limit on a controller the root does not offer: refused before
	 * anything exists, naming the file to look at. */
	assert_int_equal(cg.ops->check(&cg, BX_CG_MEMORY, &lim, &err), -1);
	assert_contains(err->msg, "controller memory is not available");
	assert_contains(err->msg, "/cgroup.controllers offers only \"cpu pids\"");
	bx_error_release(&err);
	cleanup_free char *parent = cgfile("boxlab");
	assert_int_equal(access(parent, F_OK), -1);
	cg.ops->probe(&cg, BX_CG_MEMORY, &p);
	assert_false(p.ok);
	assert_contains(p.why, "memory is not in");
	cg.ops->probe(&cg, BX_CG_PIDS, &p);
	assert_true(p.ok);

	/* Without a limit the module runs without the controller. */
	struct bx_cg_limits none = {0};
	assert_int_equal(cg.ops->check(&cg, BX_CG_MEMORY, &none, &err), 0);
	assert_int_equal(cg.ops->create(&cg, BX_CG_MEMORY, &none, &err), 0);
	assert_file("boxlab/cgroup.subtree_control", "");

	/* Writing a limit whose controller is not enabled: the kernel says
	 * ENOENT, boxlab says which subtree_control lacks it. */
	assert_int_equal(cg.ops->create(&cg, BX_CG_MEMORY, &lim, &err), -1);
	assert_contains(err->msg, "controller memory not enabled in");
	assert_contains(err->msg, "/boxlab/cgroup.subtree_control");
	bx_error_release(&err);
}

static void test_v2_internal_process(void **state)
{
	struct bx_cg cg = cg_v2("web");
	struct bx_cg_limits lim = all_limits();
	bx_err_t err = NULL;
	(void)state;
	fake_root(false, "cpu io memory pids\n");
	/* Somebody put a process into boxlab/ itself: no controller can be
	 * enabled for its children any more. */
	cleanup_free char *parent = cgfile("boxlab");
	assert_int_equal(fake_mkdir(parent), 0);
	put(parent, "cgroup.procs", "4242\n");
	assert_int_equal(cg.ops->create(&cg, BX_CG_PIDS, &lim, &err), -1);
	assert_contains(err->msg, "cannot enable controller pids in");
	assert_contains(err->msg, "boxlab/cgroup.subtree_control");
	assert_contains(err->msg, "no-internal-process");
	bx_error_release(&err);
}

static void test_v2_devices_refused(void **state)
{
	struct bx_cg cg = cg_v2("web");
	struct bx_cg_limits lim = all_limits();
	char *given[] = {"/dev/loop0:rw", NULL}, *rules[] = {"b 7:0 rw", NULL};
	struct bx_cg_devices_conf d = {.given = given, .rules = rules};
	struct bx_probe p = {0};
	bx_err_t err = NULL;
	(void)state;
	fake_root(false, "memory\n");
	lim.devices = &d;
	assert_int_equal(cg.ops->check(&cg, BX_CG_DEVICES, &lim, &err), -1);
	assert_contains(err->msg, "--device /dev/loop0:rw");
	assert_contains(err->msg, "eBPF");
	bx_error_release(&err);
	cg.ops->probe(&cg, BX_CG_DEVICES, &p);
	assert_false(p.ok);
}

static void test_v2_freeze(void **state)
{
	struct bx_cg cg = cg_v2("web");
	struct bx_cg_limits none = {0};
	bx_err_t err = NULL;
	(void)state;
	fake_root(false, "memory\n");
	assert_int_equal(cg.ops->create(&cg, BX_CG_FREEZER, &none, &err), 0);
	assert_int_equal(cg.ops->freeze(&cg, true, 1000, &err), 0);
	assert_file("boxlab/web/cgroup.freeze", "1");
	cleanup_free char *events = cgfile("boxlab/web/cgroup.events");
	uint64_t frozen = 0;
	assert_int_equal(bx_cg_read_key(events, "frozen", &frozen), 0);
	assert_int_equal(frozen, 1);
	assert_int_equal(cg.ops->freeze(&cg, false, 1000, &err), 0);
	assert_file("boxlab/web/cgroup.freeze", "0");

	/* A freeze that never completes times out with what it saw. */
	freeze_stuck = true;
	assert_int_equal(cg.ops->freeze(&cg, true, 50, &err), -1);
	assert_contains(err->msg, "cgroup.events still says frozen 0");
	bx_error_release(&err);
}

static void test_v2_sample_destroy(void **state)
{
	struct bx_cg cg = cg_v2("ut-cg-sample");
	struct bx_cg_limits lim = all_limits();
	struct bx_stats s = {0};
	bx_err_t err = NULL;
	(void)state;
	fake_root(false, "cpu io memory pids\n");
	for (int r = 0; r < BX_CG_NRES; r++)
		if (r != BX_CG_CPU)
			assert_int_equal(cg.ops->create(&cg, (enum bx_cg_res)r, &lim, &err), 0);
	cleanup_free char *dir = cgfile("boxlab/ut-cg-sample");
	put(dir, "memory.current", "10485760\n");
	put(dir, "memory.stat", "anon 8000000\ninactive_file 2097152\n");
	put(dir, "memory.events", "low 0\nhigh 0\nmax 12\noom 2\noom_kill 2\n");
	put(dir, "memory.peak", "67100000\n");
	put(dir, "cpu.stat", "usage_usec 1500000\nuser_usec 1\nsystem_usec 2\nnr_periods 9\nnr_throttled 4\n"
			     "throttled_usec 250000\n");
	put(dir, "pids.current", "5\n");
	put(dir, "pids.events", "max 7\n");
	put(dir, "io.stat", "254:0 rbytes=4096 wbytes=8192 rios=1 wios=2\n8:0 rbytes=1 wbytes=2\n");
	for (int r = 0; r < BX_CG_NRES; r++)
		assert_int_equal(cg.ops->sample(&cg, (enum bx_cg_res)r, &s), 0);
	assert_int_equal(s.mem_bytes, 10485760 - 2097152);
	assert_int_equal(s.mem_limit, 64 << 20);
	assert_int_equal(s.oom_kills, 2);
	assert_int_equal(s.mem_peak, 67100000);
	assert_int_equal(s.cpu_ns, 1500000000ULL);
	assert_int_equal(s.cpu_throttled, 4);
	assert_int_equal(s.throttled_us, 250000);
	assert_int_equal(s.pids, 5);
	assert_int_equal(s.pids_limit, 20);
	assert_int_equal(s.pids_refused, 7);
	assert_int_equal(s.blk_read, 4097);
	assert_int_equal(s.blk_write, 8194);

	/* Destroy: cgroup.kill empties it, then rmdir; twice is fine. */
	put(dir, "cgroup.procs", "999999\n");
	assert_int_equal(cg.ops->destroy(&cg, BX_CG_MEMORY, &err), 0);
	assert_int_equal(access(dir, F_OK), -1);
	assert_contains(wlog, "cgroup.kill=1");
	assert_int_equal(cg.ops->destroy(&cg, BX_CG_MEMORY, &err), 0);
	assert_int_equal(cg.ops->sample(&cg, BX_CG_MEMORY, &s), -ENOENT);
}

/* ---- v1 against the fake tree ---- */

static void test_v1_create(void **state)
{
	struct bx_cg cg = cg_v1("web");
	char *given[] = {"/dev/loop0:rw", NULL}, *rules[] = {"b 7:0 rw", NULL};
	struct bx_cg_devices_conf d = {.given = given, .rules = rules};
	struct bx_cg_cpu_conf cpu = {.nanocpus = 1500000000, .shares = 2048, .cpus = "1-2"};
	struct bx_cg_limits lim = all_limits();
	bx_err_t err = NULL;
	(void)state;
	fake_root(true, NULL);
	lim.devices = &d;
	lim.cpu = &cpu;
	for (int r = 0; r < BX_CG_NRES; r++) {
		assert_int_equal(cg.ops->check(&cg, (enum bx_cg_res)r, &lim, &err), 0);
		if (cg.ops->create(&cg, (enum bx_cg_res)r, &lim, &err) < 0) {
			print_error("create %d: %s\n", r, err->msg);
			fail();
		}
	}
	assert_file("memory/boxlab/web/memory.limit_in_bytes", "67108864");
	assert_file("memory/boxlab/web/memory.memsw.limit_in_bytes", "134217728");
	assert_file("memory/boxlab/web/memory.soft_limit_in_bytes", "33554432");
	/* memsw may never be below the limit: the limit is written first. */
	char *lim_at = strstr(wlog, "memory.limit_in_bytes="), *sw_at = strstr(wlog, "memory.memsw.limit_in_bytes=");
	assert_non_null(lim_at);
	assert_non_null(sw_at);
	assert_true(lim_at < sw_at);
	assert_file("cpu/boxlab/web/cpu.cfs_quota_us", "150000");
	assert_file("cpu/boxlab/web/cpu.cfs_period_us", "100000");
	assert_file("cpu/boxlab/web/cpu.shares", "2048");
	/* An empty cpuset is filled from the parent, or nothing can join;
	 * what --cpuset-cpus gives is written as given. */
	assert_file("cpuset/boxlab/cpuset.cpus", "0-3");
	assert_file("cpuset/boxlab/web/cpuset.cpus", "1-2");
	assert_file("cpuset/boxlab/web/cpuset.mems", "0");
	assert_file("pids/boxlab/web/pids.max", "20");
	/* blkio.weight is gone with CFQ; BFQ's file takes it. */
	assert_file("blkio/boxlab/web/blkio.bfq.weight", "500");
	assert_file("blkio/boxlab/web/blkio.throttle.read_bps_device", "254:0 1048576");
	/* Deny everything first, then allow the defaults and --device. */
	char *deny = strstr(wlog, "devices.deny=a\n"), *allow = strstr(wlog, "devices.allow=c 1:3 rwm\n");
	assert_non_null(deny);
	assert_non_null(allow);
	assert_true(deny < allow);
	assert_file("devices/boxlab/web/devices.allow", "b 7:0 rw");
	assert_file("freezer/boxlab/web/freezer.state", "THAWED");
	assert_null(cg.ops->clone_fd);

	assert_int_equal(cg.ops->attach(&cg, BX_CG_CPU, 4321, &err), 0);
	assert_file("cpu/boxlab/web/cgroup.procs", "4321");
	assert_file("cpuacct/boxlab/web/cgroup.procs", "4321");
	assert_file("cpuset/boxlab/web/cgroup.procs", "4321");

	/* Without --cpuset-*: no cpuset cgroup at all, and attach, join and
	 * destroy pass it by. */
	struct bx_cg db = cg_v1("db");
	int fds[8];
	cpu.cpus = NULL;
	assert_int_equal(db.ops->create(&db, BX_CG_CPU, &lim, &err), 0);
	cleanup_free char *set = cgfile("cpuset/boxlab/db"), *acct = cgfile("cpuacct/boxlab/db");
	assert_int_equal(access(set, F_OK), -1);
	assert_int_equal(access(acct, F_OK), 0);
	assert_int_equal(db.ops->attach(&db, BX_CG_CPU, 4322, &err), 0);
	assert_file("cpuacct/boxlab/db/cgroup.procs", "4322");
	int n = db.ops->join_fds(&db, BX_CG_CPU, fds, 8, &err);
	assert_int_equal(n, 2);
	while (n)
		close(fds[--n]);
	/* gone, as a process that exited would be */
	cleanup_free char *cpudir = cgfile("cpu/boxlab/db");
	put(cpudir, "cgroup.procs", "");
	put(acct, "cgroup.procs", "");
	assert_int_equal(db.ops->destroy(&db, BX_CG_CPU, &err), 0);
	assert_int_equal(access(acct, F_OK), -1);
}

static void test_v1_swap_accounting_off(void **state)
{
	struct bx_cg cg = cg_v1("web");
	struct bx_cg_limits lim = all_limits();
	bx_err_t err = NULL;
	(void)state;
	fake_root(true, NULL);
	cleanup_free char *memsw = cgfile("memory/memory.memsw.limit_in_bytes");
	unlink(memsw);
	assert_int_equal(cg.ops->check(&cg, BX_CG_MEMORY, &lim, &err), -1);
	assert_contains(err->msg, "swapaccount=1");
	bx_error_release(&err);
	struct bx_probe p = {0};
	cg.ops->probe(&cg, BX_CG_MEMORY, &p);
	assert_true(p.ok);
	assert_contains(p.why, "swap limit: no");
	/* A missing hierarchy: the module cannot work. */
	cleanup_free char *pids = cgfile("pids/cgroup.procs");
	unlink(pids);
	cg.ops->probe(&cg, BX_CG_PIDS, &p);
	assert_false(p.ok);
	assert_contains(p.why, "pids controller is not mounted");
}

static void test_v1_sample_freeze_destroy(void **state)
{
	struct bx_cg cg = cg_v1("ut-cg-v1");
	struct bx_cg_limits lim = all_limits();
	struct bx_stats s = {0};
	bx_err_t err = NULL;
	(void)state;
	fake_root(true, NULL);
	for (int r = 0; r < BX_CG_NRES; r++)
		assert_int_equal(cg.ops->create(&cg, (enum bx_cg_res)r, &lim, &err), 0);
	cleanup_free char *mem = cgfile("memory/boxlab/ut-cg-v1");
	cleanup_free char *cpu = cgfile("cpu/boxlab/ut-cg-v1");
	cleanup_free char *acct = cgfile("cpuacct/boxlab/ut-cg-v1");
	cleanup_free char *pids = cgfile("pids/boxlab/ut-cg-v1");
	cleanup_free char *blk = cgfile("blkio/boxlab/ut-cg-v1");
	put(mem, "memory.usage_in_bytes", "10485760\n");
	put(mem, "memory.stat", "cache 100\nrss 5\ntotal_inactive_file 1048576\n");
	put(mem, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
	put(mem, "memory.max_usage_in_bytes", "67108864\n");
	put(acct, "cpuacct.usage", "2500000000\n");
	put(cpu, "cpu.stat", "nr_periods 10\nnr_throttled 4\nthrottled_time 2000000\n");
	put(pids, "pids.current", "3\n");
	put(pids, "pids.events", "max 7\n");
	put(blk, "blkio.throttle.io_service_bytes_recursive",
	    "254:0 Read 100\n254:0 Write 50\n254:0 Sync 0\n254:0 Total 150\n8:0 Read 1\nTotal 151\n");
	for (int r = 0; r < BX_CG_NRES; r++)
		assert_int_equal(cg.ops->sample(&cg, (enum bx_cg_res)r, &s), 0);
	assert_int_equal(s.mem_bytes, 10485760 - 1048576);
	assert_int_equal(s.mem_limit, 64 << 20);
	assert_int_equal(s.oom_kills, 3);
	assert_int_equal(s.mem_peak, 67108864);
	assert_int_equal(s.cpu_ns, 2500000000ULL);
	assert_int_equal(s.cpu_throttled, 4);
	assert_int_equal(s.throttled_us, 2000);
	assert_int_equal(s.pids, 3);
	assert_int_equal(s.pids_limit, 20);
	assert_int_equal(s.pids_refused, 7);
	assert_int_equal(s.blk_read, 101);
	assert_int_equal(s.blk_write, 50);

	assert_int_equal(cg.ops->freeze(&cg, true, 1000, &err), 0);
	assert_file("freezer/boxlab/ut-cg-v1/freezer.state", "FROZEN");
	/* Destroy thaws first (frozen tasks ignore SIGKILL), removes every
	 * hierarchy's cgroup, and is idempotent. */
	for (int r = 0; r < BX_CG_NRES; r++)
		assert_int_equal(cg.ops->destroy(&cg, (enum bx_cg_res)r, &err), 0);
	assert_contains(wlog, "freezer.state=THAWED");
	static const char *const gone[] = {"memory", "cpu", "cpuacct", "cpuset", "pids", "blkio", "freezer", "devices"};
	for (size_t i = 0; i < N_ELEMENTS(gone); i++) {
		cleanup_free char *d = xasprintf("%s/%s/boxlab/ut-cg-v1", root, gone[i]);
		assert_int_equal(access(d, F_OK), -1);
	}
	for (int r = 0; r < BX_CG_NRES; r++)
		assert_int_equal(cg.ops->destroy(&cg, (enum bx_cg_res)r, &err), 0);
}

/* Samplers keep files open; a limit's text is kept for a few seconds
 * too, other files are read anew every time. */
static void test_read_cache(void **state)
{
	cleanup_free char *dir = cgfile("cache");
	cleanup_free char *lim = cgfile("cache/memory.limit_in_bytes");
	cleanup_free char *stat = cgfile("cache/memory.stat");
	char buf[64];
	uint64_t v = 0;
	(void)state;
	assert_int_equal(mkdir(dir, 0755), 0);
	put(dir, "memory.limit_in_bytes", "1000\n");
	put(dir, "memory.stat", "cache 1\ntotal_inactive_file 5\ninactive_file 7\n");
	/* A key is a whole word at the start of a line. */
	assert_int_equal(bx_cg_read_key(stat, "inactive_file", &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(bx_cg_read_key(stat, "total_inactive_file", &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(bx_cg_read_key(stat, "file", &v), -ENOENT);
	assert_int_equal(bx_cg_read_key(stat, "cach", &v), -ENOENT);

	bx_cg_read_cache(true);
	assert_int_equal(bx_cg_read_limit_u64(lim, &v), 0);
	assert_int_equal(v, 1000);
	/* Rewritten in place, as the kernel's file is: the kept fd sees it. */
	int fd = open(lim, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "2000\n", 5), 5);
	close(fd);
	assert_int_equal(bx_cg_read_limit_u64(lim, &v), 0);
	assert_int_equal(v, 1000); /* the kept text, read less than 3 s ago */
	assert_int_equal(bx_cg_read_u64(lim, &v), 0);
	assert_int_equal(v, 2000); /* a plain read is always current */
	bx_cg_read_cache(false);
	assert_int_equal(bx_cg_read_limit(lim, buf, sizeof buf), 0);
	assert_string_equal(buf, "2000\n"); /* no cache: read */
}

static void test_netdev(void **state)
{
	struct bx_stats s = {0};
	(void)state;
	bx_sample_netdev("Inter-|   Receive                                                |  Transmit\n"
			 " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop "
			 "fifo colls carrier compressed\n"
			 "    lo:  999999      10    0    0    0     0          0         0   999999      10    0    0 "
			 "   0     0       0          0\n"
			 "  eth0:    1500      12    0    0    0     0          0         0      700       7    0    0 "
			 "   0     0       0          0\n"
			 "  veth1:     20       1    0    0    0     0          0         0       30       1    0    0 "
			 "   0     0       0          0\n",
			 &s);
	assert_int_equal(s.net_rx, 1520);
	assert_int_equal(s.net_tx, 730);
	assert_int_equal(s.net_rx_packets, 13);
	assert_int_equal(s.net_tx_packets, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_bytes),
		cmocka_unit_test(test_parse_cpus),
		cmocka_unit_test(test_parse_list),
		cmocka_unit_test(test_conversions),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_v2_create),
		cmocka_unit_test(test_v2_not_delegated),
		cmocka_unit_test(test_v2_internal_process),
		cmocka_unit_test(test_v2_devices_refused),
		cmocka_unit_test(test_v2_freeze),
		cmocka_unit_test(test_v2_sample_destroy),
		cmocka_unit_test(test_v1_create),
		cmocka_unit_test(test_v1_swap_accounting_off),
		cmocka_unit_test(test_v1_sample_freeze_destroy),
		cmocka_unit_test(test_read_cache),
		cmocka_unit_test(test_netdev),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
