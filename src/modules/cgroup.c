/* The cgroup modules: memory, cpu, pids, io, devices and freezer.
 *
 * A control group (man 7 cgroups) is a set of processes the kernel
 * accounts and limits together: how much memory they may use before the
 * OOM killer picks one of them, how much CPU time per period, how many
 * processes they may have, how fast they may read a disk, which device
 * nodes they may open, and whether they run at all (the freezer).  Every
 * process a container starts stays in its cgroup, children included.
 *
 * Each controller is a module with its own switch, sharing one cgroup
 * interface (cgroup.h) with two backends, v1 and v2 (cg_v1.c, cg_v2.c).
 * Every cgroup boxlab makes is boxlab/<name> in each hierarchy; nothing
 * outside boxlab/ is ever touched.
 *
 *   prepare       the first cgroup module on checks every cgroup
 *                 module's settings against the host, so that nothing is
 *                 created when any of them cannot work; then each makes
 *                 its cgroup and writes its limits.  v2: the directory fd
 *                 for clone3(CLONE_INTO_CGROUP).
 *   parent_setup  v1: the child's pid into each cgroup.procs.  This is
 *                 why these modules come before cgroupns in the registry:
 *                 the child unshares its cgroup namespace after this, so
 *                 its view is rooted at its own cgroup.
 *   exec_parent   an exec'd process joins the same cgroups.
 *   stats         usage, limits and violation counters.
 *   teardown      violations onto the timeline, then kill what is left,
 *                 wait, rmdir; from the name alone, so gc can do it.
 *
 * Escape demos: memory hog, fork bomb, CPU hog, device-node read of a
 * host disk (devices, with --no-user).  Lesson 06.
 */
#include "modules/cgroup.h"
#include "core/proc.h"
#include "core/state.h"
#include "core/timeline.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "util/json.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Module names by resource, in registry order. */
static const char *const res_names[BX_CG_NRES] = {
	[BX_CG_MEMORY] = "memory", [BX_CG_CPU] = "cpu",         [BX_CG_PIDS] = "pids",
	[BX_CG_IO] = "io",         [BX_CG_DEVICES] = "devices", [BX_CG_FREEZER] = "freezer",
};

/* The smallest --memory boxlab takes (Docker's too): less does not
 * hold the container's init and a shell. */
#define MIN_MEMORY (6 * 1024 * 1024)
/* PID_MAX_LIMIT: pids.max accepts nothing larger. */
#define MAX_PIDS 4194304

/* ---- settings: the option rows and their parsers ---- */

static struct bx_cg_memory_conf *mem_conf(struct bx_spec *s)
{
	return bx_spec_conf(s, "memory", sizeof(struct bx_cg_memory_conf));
}
static struct bx_cg_cpu_conf *cpu_conf(struct bx_spec *s)
{
	return bx_spec_conf(s, "cpu", sizeof(struct bx_cg_cpu_conf));
}
static struct bx_cg_pids_conf *pids_conf(struct bx_spec *s)
{
	return bx_spec_conf(s, "pids", sizeof(struct bx_cg_pids_conf));
}
static struct bx_cg_io_conf *io_conf(struct bx_spec *s)
{
	return bx_spec_conf(s, "io", sizeof(struct bx_cg_io_conf));
}
static struct bx_cg_devices_conf *dev_conf(struct bx_spec *s)
{
	return bx_spec_conf(s, "devices", sizeof(struct bx_cg_devices_conf));
}

/* For getters, which must not allocate: the conf or NULL. */
static const void *conf_of(const struct bx_spec *s, const char *module)
{
	int i = bx_module_index(module);
	return i < 0 ? NULL : s->conf[i];
}

/* Asking for a limit switches its module on: `--isolation=none
 * --memory 64m` is "nothing but a memory limit", the lesson's "after".
 * A later --no-memory still wins. */
static void module_on(struct bx_spec *s, const char *module)
{
	s->modules[bx_module_index(module)] = true;
}

static int positive_bytes(const char *v, int64_t *out, bx_err_t *err)
{
	if (v[0] == '-')
		return bx_usage_error(err, "\"%s\" is negative (allowed: a positive size such as 64m or 1.5g)", v);
	if (bx_cg_parse_bytes(v, out, err) < 0)
		return -1;
	if (*out <= 0)
		return bx_usage_error(err, "\"%s\" is zero (allowed: a positive size such as 64m or 1.5g)", v);
	return 0;
}

static int parse_int(const char *v, long long lo, long long hi, long long *out)
{
	char *end;
	if (!*v)
		return -1;
	errno = 0;
	*out = strtoll(v, &end, 10);
	return (errno || *end || *out < lo || *out > hi) ? -1 : 0;
}

static int set_memory(struct bx_spec *s, const char *v, bx_err_t *err)
{
	int64_t n;
	if (positive_bytes(v, &n, err) < 0)
		return -1;
	if (n < MIN_MEMORY)
		return bx_usage_error(err, "%s is below the smallest memory limit, 6m (less cannot hold even the "
				      "container's init and shell)", v);
	mem_conf(s)->limit = n;
	module_on(s, "memory");
	return 0;
}
static char *get_memory(const struct bx_spec *s)
{
	const struct bx_cg_memory_conf *m = conf_of(s, "memory");
	return m && m->limit ? bx_cg_format_bytes((uint64_t)m->limit) : NULL;
}

static int set_memory_swap(struct bx_spec *s, const char *v, bx_err_t *err)
{
	int64_t n = -1;
	if (strcmp(v, "-1") && positive_bytes(v, &n, err) < 0)
		return bx_error_hint(err, "or -1 for unlimited swap");
	mem_conf(s)->swap = n;
	module_on(s, "memory");
	return 0;
}
static char *get_memory_swap(const struct bx_spec *s)
{
	const struct bx_cg_memory_conf *m = conf_of(s, "memory");
	if (!m || !m->swap)
		return NULL;
	return m->swap < 0 ? xstrdup("-1") : bx_cg_format_bytes((uint64_t)m->swap);
}

static int set_memory_reservation(struct bx_spec *s, const char *v, bx_err_t *err)
{
	int64_t n;
	if (positive_bytes(v, &n, err) < 0)
		return -1;
	mem_conf(s)->reservation = n;
	module_on(s, "memory");
	return 0;
}
static char *get_memory_reservation(const struct bx_spec *s)
{
	const struct bx_cg_memory_conf *m = conf_of(s, "memory");
	return m && m->reservation ? bx_cg_format_bytes((uint64_t)m->reservation) : NULL;
}

static int set_cpus(struct bx_spec *s, const char *v, bx_err_t *err)
{
	uint64_t n;
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	if (v[0] == '-')
		return bx_usage_error(err, "\"%s\" is negative (allowed: 0.01 to %ld, the CPUs online)", v, online);
	if (bx_cg_parse_cpus(v, &n, err) < 0)
		return -1;
	if (online > 0 && n > (uint64_t)online * 1000000000u)
		return bx_usage_error(err, "%s CPUs is more than this host has online (allowed: 0.01 to %ld)", v, online);
	cpu_conf(s)->nanocpus = n;
	module_on(s, "cpu");
	return 0;
}
static char *get_cpus(const struct bx_spec *s)
{
	const struct bx_cg_cpu_conf *c = conf_of(s, "cpu");
	if (!c || !c->nanocpus)
		return NULL;
	char frac[16];
	snprintf(frac, sizeof frac, "%09" PRIu64, c->nanocpus % 1000000000u);
	for (size_t n = strlen(frac); n > 0 && frac[n - 1] == '0'; n--)
		frac[n - 1] = '\0';
	return xasprintf("%" PRIu64 "%s%s", c->nanocpus / 1000000000u, *frac ? "." : "", frac);
}

static int set_cpu_shares(struct bx_spec *s, const char *v, bx_err_t *err)
{
	long long n;
	if (parse_int(v, 2, 262144, &n) < 0)
		return bx_usage_error(err, "invalid CPU shares \"%s\" (allowed: 2 to 262144; 1024 is the default "
				      "weight)", v);
	cpu_conf(s)->shares = (uint64_t)n;
	module_on(s, "cpu");
	return 0;
}
static char *get_cpu_shares(const struct bx_spec *s)
{
	const struct bx_cg_cpu_conf *c = conf_of(s, "cpu");
	return c && c->shares ? xasprintf("%" PRIu64, c->shares) : NULL;
}

static int set_list(char **slot, const char *v, const char *online_file, const char *fallback, bx_err_t *err)
{
	bx_err_t tmp = NULL;
	cleanup_free char *online = bx_read_file(online_file, NULL, &tmp);
	bx_error_release(&tmp);
	if (bx_cg_parse_list(v, online ? online : fallback, err) < 0)
		return -1;
	free(*slot);
	*slot = xstrdup(v);
	return 0;
}

static int set_cpuset_cpus(struct bx_spec *s, const char *v, bx_err_t *err)
{
	module_on(s, "cpu");
	return set_list(&cpu_conf(s)->cpus, v, "/sys/devices/system/cpu/online", "0", err);
}
static char *get_cpuset_cpus(const struct bx_spec *s)
{
	const struct bx_cg_cpu_conf *c = conf_of(s, "cpu");
	return c && c->cpus ? xstrdup(c->cpus) : NULL;
}

static int set_cpuset_mems(struct bx_spec *s, const char *v, bx_err_t *err)
{
	/* Without NUMA there is no node directory: node 0 only. */
	module_on(s, "cpu");
	return set_list(&cpu_conf(s)->mems, v, "/sys/devices/system/node/online", "0", err);
}
static char *get_cpuset_mems(const struct bx_spec *s)
{
	const struct bx_cg_cpu_conf *c = conf_of(s, "cpu");
	return c && c->mems ? xstrdup(c->mems) : NULL;
}

static int set_pids_limit(struct bx_spec *s, const char *v, bx_err_t *err)
{
	long long n;
	if (parse_int(v, 1, MAX_PIDS, &n) < 0)
		return bx_usage_error(err, "invalid pids limit \"%s\" (allowed: 1 to %d; leave it out for no limit)", v,
				      MAX_PIDS);
	pids_conf(s)->limit = n;
	module_on(s, "pids");
	return 0;
}
static char *get_pids_limit(const struct bx_spec *s)
{
	const struct bx_cg_pids_conf *p = conf_of(s, "pids");
	return p && p->limit ? xasprintf("%" PRId64, p->limit) : NULL;
}

static int set_blkio_weight(struct bx_spec *s, const char *v, bx_err_t *err)
{
	long long n;
	if (parse_int(v, 10, 1000, &n) < 0)
		return bx_usage_error(err, "invalid block I/O weight \"%s\" (allowed: 10 to 1000)", v);
	io_conf(s)->weight = (unsigned)n;
	module_on(s, "io");
	return 0;
}
static char *get_blkio_weight(const struct bx_spec *s)
{
	const struct bx_cg_io_conf *io = conf_of(s, "io");
	return io && io->weight ? xasprintf("%u", io->weight) : NULL;
}

static int device_of(const char *path, bool block_only, struct stat *st, bx_err_t *err)
{
	if (path[0] != '/')
		return bx_usage_error(err, "device \"%s\" is not an absolute path such as /dev/vda", path);
	if (stat(path, st) < 0)
		return bx_usage_error(err, "cannot use device %s: %s", path, strerror(errno));
	if (S_ISBLK(st->st_mode) || (!block_only && S_ISCHR(st->st_mode)))
		return 0;
	return bx_usage_error(err, "%s is not a %s device", path, block_only ? "block" : "character or block");
}

static int add_throttle(struct bx_cg_throttle **list, size_t *n, const char *v, bx_err_t *err)
{
	const char *colon = strrchr(v, ':');
	struct stat st;
	int64_t bps;
	if (!colon || colon == v)
		return bx_usage_error(err, "invalid rate \"%s\" (expected DEVICE:RATE, e.g. /dev/vda:1mb)", v);
	cleanup_free char *path = xstrndup(v, colon - v);
	if (device_of(path, true, &st, err) < 0 || positive_bytes(colon + 1, &bps, err) < 0)
		return -1;
	*list = xrealloc(*list, (*n + 1) * sizeof **list);
	(*list)[*n] = (struct bx_cg_throttle){
		.path = xstrdup(v), .major = major(st.st_rdev), .minor = minor(st.st_rdev), .bps = (uint64_t)bps,
	};
	(*n)++;
	return 0;
}

static void free_throttles(struct bx_cg_throttle **list, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free((*list)[i].path);
	free(*list);
	*list = NULL;
	*n = 0;
}

static int set_read_bps(struct bx_spec *s, const char *v, bx_err_t *err)
{
	struct bx_cg_io_conf *io = io_conf(s);
	module_on(s, "io");
	return add_throttle(&io->read, &io->nread, v, err);
}
static int set_write_bps(struct bx_spec *s, const char *v, bx_err_t *err)
{
	struct bx_cg_io_conf *io = io_conf(s);
	module_on(s, "io");
	return add_throttle(&io->write, &io->nwrite, v, err);
}

static int set_throttle_words(struct bx_cg_throttle **list, size_t *n, const char *v, bx_err_t *err)
{
	cleanup_strv char **w = NULL;
	if (bx_words_split(v, &w, err) < 0)
		return -1;
	free_throttles(list, n);
	for (size_t i = 0; w[i]; i++)
		if (add_throttle(list, n, w[i], err) < 0)
			return -1;
	return 0;
}
static int set_read_bps_list(struct bx_spec *s, const char *v, bx_err_t *err)
{
	struct bx_cg_io_conf *io = io_conf(s);
	if (set_throttle_words(&io->read, &io->nread, v, err) < 0)
		return -1;
	if (io->nread)
		module_on(s, "io");
	return 0;
}
static int set_write_bps_list(struct bx_spec *s, const char *v, bx_err_t *err)
{
	struct bx_cg_io_conf *io = io_conf(s);
	if (set_throttle_words(&io->write, &io->nwrite, v, err) < 0)
		return -1;
	if (io->nwrite)
		module_on(s, "io");
	return 0;
}

static char *throttle_words(const struct bx_cg_throttle *t, size_t n)
{
	if (!n)
		return NULL;
	char **v = NULL;
	for (size_t i = 0; i < n; i++)
		strv_push(&v, t[i].path);
	char *s = bx_words_join(v);
	strv_free(v);
	return s;
}
static char *get_read_bps(const struct bx_spec *s)
{
	const struct bx_cg_io_conf *io = conf_of(s, "io");
	return io ? throttle_words(io->read, io->nread) : NULL;
}
static char *get_write_bps(const struct bx_spec *s)
{
	const struct bx_cg_io_conf *io = conf_of(s, "io");
	return io ? throttle_words(io->write, io->nwrite) : NULL;
}

static int set_device(struct bx_spec *s, const char *v, bx_err_t *err)
{
	const char *colon = strchr(v, ':');
	const char *perms = colon ? colon + 1 : "rwm";
	struct stat st;
	cleanup_free char *path = colon ? xstrndup(v, colon - v) : xstrdup(v);
	if (!*perms || strspn(perms, "rwm") != strlen(perms))
		return bx_usage_error(err, "invalid device \"%s\" (expected PATH[:PERMS], PERMS made of r, w and m, "
				      "e.g. /dev/loop0:rw)", v);
	if (device_of(path, false, &st, err) < 0)
		return -1;
	struct bx_cg_devices_conf *d = dev_conf(s);
	cleanup_free char *rule = xasprintf("%c %u:%u %s", S_ISBLK(st.st_mode) ? 'b' : 'c', major(st.st_rdev),
					    minor(st.st_rdev), perms);
	strv_push(&d->given, v);
	strv_push(&d->rules, rule);
	module_on(s, "devices");
	return 0;
}
static int set_device_list(struct bx_spec *s, const char *v, bx_err_t *err)
{
	cleanup_strv char **w = NULL;
	struct bx_cg_devices_conf *d = dev_conf(s);
	if (bx_words_split(v, &w, err) < 0)
		return -1;
	strv_free(d->given);
	strv_free(d->rules);
	d->given = d->rules = NULL;
	for (size_t i = 0; w[i]; i++)
		if (set_device(s, w[i], err) < 0)
			return -1;
	return 0;
}
static char *get_devices(const struct bx_spec *s)
{
	const struct bx_cg_devices_conf *d = conf_of(s, "devices");
	return d && d->given ? bx_words_join(d->given) : NULL;
}

static void free_cpu(void *p)
{
	struct bx_cg_cpu_conf *c = p;
	free(c->cpus);
	free(c->mems);
}

static void free_io(void *p)
{
	struct bx_cg_io_conf *io = p;
	free_throttles(&io->read, &io->nread);
	free_throttles(&io->write, &io->nwrite);
}

static void free_devices(void *p)
{
	struct bx_cg_devices_conf *d = p;
	strv_free(d->given);
	strv_free(d->rules);
}

#define RES "resources"

static const struct bx_opt memory_opts[] = {
	{"memory", 'm', RES, "memory", "BYTES", "memory limit, e.g. 64m or 1.5g (units b k m g, at least 6m); "
	 "the OOM killer ends a process that needs more", set_memory, get_memory},
	{"memory-swap", 0, RES, "memory-swap", "BYTES", "memory plus swap limit, at least --memory; -1 for unlimited "
	 "swap (default: twice --memory)", set_memory_swap, get_memory_swap},
	{"memory-reservation", 0, RES, "memory-reservation", "BYTES", "soft limit: under host memory pressure the "
	 "kernel reclaims the container down to it", set_memory_reservation, get_memory_reservation},
	{0},
};

static const struct bx_opt cpu_opts[] = {
	{"cpus", 0, RES, "cpus", "N", "CPU time as a number of CPUs, e.g. 0.5 (a CFS quota per 100 ms period)",
	 set_cpus, get_cpus},
	{"cpu-shares", 0, RES, "cpu-shares", "N", "relative CPU weight when CPUs are busy (2 to 262144, default 1024; "
	 "cpu.weight on v2)", set_cpu_shares, get_cpu_shares},
	{"cpuset-cpus", 0, RES, "cpuset-cpus", "LIST", "CPUs the container may run on, e.g. 0-1,3", set_cpuset_cpus,
	 get_cpuset_cpus},
	{"cpuset-mems", 0, RES, "cpuset-mems", "LIST", "memory nodes the container may use (NUMA), e.g. 0",
	 set_cpuset_mems, get_cpuset_mems},
	{0},
};

static const struct bx_opt pids_opts[] = {
	{"pids-limit", 0, RES, "pids-limit", "N", "most processes and threads at once; fork fails beyond it",
	 set_pids_limit, get_pids_limit},
	{0},
};

static const struct bx_opt io_opts[] = {
	{"blkio-weight", 0, RES, "blkio-weight", "N", "relative block I/O weight, 10 to 1000 (needs the bfq "
	 "scheduler on the disk)", set_blkio_weight, get_blkio_weight},
	{"device-read-bps", 0, NULL, NULL, "DEV:RATE", "limit reads from a whole disk, e.g. /dev/vda:1mb (repeatable)",
	 set_read_bps, NULL},
	{"device-write-bps", 0, NULL, NULL, "DEV:RATE", "limit writes to a whole disk, e.g. /dev/vda:1mb (repeatable)",
	 set_write_bps, NULL},
	{NULL, 0, RES, "device-read-bps", "WORDS", "read limits, shell-quoted DEV:RATE words (INI only)",
	 set_read_bps_list, get_read_bps},
	{NULL, 0, RES, "device-write-bps", "WORDS", "write limits, shell-quoted DEV:RATE words (INI only)",
	 set_write_bps_list, get_write_bps},
	{0},
};

static const struct bx_opt devices_opts[] = {
	{"device", 0, NULL, NULL, "PATH[:PERMS]", "also allow this host device (PERMS of r w m, default rwm) in the "
	 "devices cgroup; cgroup v1 only (repeatable)", set_device, NULL},
	{NULL, 0, RES, "device", "WORDS", "allowed devices, shell-quoted PATH[:PERMS] words (INI only)",
	 set_device_list, get_devices},
	{0},
};

/* ---- the hooks, shared by the six modules ---- */

static bool res_on(const struct bx_box *box, enum bx_cg_res r)
{
	return bx_box_has(box, res_names[r]);
}

/* The first cgroup module that is on: it checks everybody's settings
 * before anything exists, and on v2, where all share one directory, it
 * is the one that removes it (its teardown comes last). */
static enum bx_cg_res owner(const struct bx_box *box)
{
	for (int r = 0; r < BX_CG_NRES; r++)
		if (res_on(box, (enum bx_cg_res)r))
			return (enum bx_cg_res)r;
	return BX_CG_NRES;
}

static void limits_of(struct bx_spec *s, struct bx_cg_limits *lim)
{
	lim->memory = mem_conf(s);
	lim->cpu = cpu_conf(s);
	lim->pids = pids_conf(s);
	lim->io = io_conf(s);
	lim->devices = dev_conf(s);
}

static bool has_limits(enum bx_cg_res r, const struct bx_cg_limits *lim)
{
	switch (r) {
	case BX_CG_MEMORY: return lim->memory->limit || lim->memory->swap || lim->memory->reservation;
	case BX_CG_CPU: return lim->cpu->nanocpus || lim->cpu->shares || lim->cpu->cpus || lim->cpu->mems;
	case BX_CG_PIDS: return lim->pids->limit;
	case BX_CG_IO: return lim->io->weight || lim->io->nread || lim->io->nwrite;
	case BX_CG_DEVICES: return lim->devices->rules != NULL;
	default: return false;
	}
}

/* Settings that only make sense together (Docker's rules). */
static int check_memory(const struct bx_cg_memory_conf *m, bx_err_t *err)
{
	char a[32], b[32];
	if (m->swap && !m->limit)
		return bx_usage_error(err, "--memory-swap needs --memory: it is memory plus swap");
	if (m->swap > 0 && m->swap < m->limit) {
		bx_cg_human((uint64_t)m->swap, true, a, sizeof a);
		bx_cg_human((uint64_t)m->limit, true, b, sizeof b);
		return bx_usage_error(err, "--memory-swap %s is below --memory %s (it is memory plus swap, so at least "
				      "--memory; -1 for unlimited swap)", a, b);
	}
	if (m->reservation && m->limit && m->reservation > m->limit) {
		bx_cg_human((uint64_t)m->reservation, true, a, sizeof a);
		bx_cg_human((uint64_t)m->limit, true, b, sizeof b);
		return bx_usage_error(err, "--memory-reservation %s is above --memory %s (the soft limit must be below "
				      "the hard one)", a, b);
	}
	return 0;
}

static int check_all(const struct bx_box *box, const struct bx_cg *cg, const struct bx_cg_limits *lim, bx_err_t *err)
{
	for (int i = 0; i < BX_CG_NRES; i++) {
		enum bx_cg_res r = (enum bx_cg_res)i;
		struct bx_probe p = {0};
		if (!res_on(box, r))
			continue;
		if (r == BX_CG_MEMORY && check_memory(lim->memory, err) < 0)
			return -1;
		if (cg->ops->check(cg, r, lim, err) < 0)
			return -1;
		cg->ops->probe(cg, r, &p);
		if (!p.ok && has_limits(r, lim))
			return bx_usage_error(err, "%s limits cannot be applied: %s (see 'boxlab check')", res_names[r], p.why);
	}
	return 0;
}

/* One line for the timeline: where the cgroup is and what it holds. */
static char *describe(const struct bx_cg *cg, enum bx_cg_res r, const struct bx_cg_limits *lim)
{
	cleanup_free char *dir = bx_cg_dir(cg, cg->ops->hiers[r][0], NULL);
	char a[32], b[32], c[32];
	switch (r) {
	case BX_CG_MEMORY:
		if (!has_limits(r, lim))
			return xasprintf("%s: no limit, accounting only", dir);
		bx_cg_human((uint64_t)lim->memory->limit, true, a, sizeof a);
		bx_cg_human(lim->memory->swap > 0 ? (uint64_t)lim->memory->swap : 0, true, b, sizeof b);
		bx_cg_human((uint64_t)lim->memory->reservation, true, c, sizeof c);
		return xasprintf("%s: limit %s, memory+swap %s, reservation %s", dir, lim->memory->limit ? a : "none",
				 lim->memory->swap < 0 ? "unlimited" : lim->memory->swap ? b : "default",
				 lim->memory->reservation ? c : "none");
	case BX_CG_CPU: {
		cleanup_free char *cpus = lim->cpu->nanocpus ? xasprintf("%" PRIu64 " us per %d us",
									  bx_cg_quota_us(lim->cpu->nanocpus),
									  BX_CG_CPU_PERIOD)
							     : xstrdup("none");
		return xasprintf("%s: quota %s, shares %" PRIu64 ", cpuset %s, mems %s", dir, cpus,
				 lim->cpu->shares ? lim->cpu->shares : 1024, lim->cpu->cpus ? lim->cpu->cpus : "all",
				 lim->cpu->mems ? lim->cpu->mems : "all");
	}
	case BX_CG_PIDS:
		return lim->pids->limit ? xasprintf("%s: pids.max %" PRId64, dir, lim->pids->limit)
					: xasprintf("%s: no limit, counting only", dir);
	case BX_CG_IO:
		return xasprintf("%s: weight %u, %zu read and %zu write limits", dir, lim->io->weight, lim->io->nread,
				 lim->io->nwrite);
	case BX_CG_DEVICES:
		return xasprintf("%s: deny all but null zero full random urandom tty console ptmx pts tun, +%zu from "
				 "--device", dir, strv_len(lim->devices->rules));
	default:
		return xasprintf("%s: ready for pause", dir);
	}
}

/* Marks, in the owner's box->priv slot, cgroups that are another
 * container's: the failed start's teardown must not remove them. */
static char foreign;

static void **owner_priv(struct bx_box *box)
{
	enum bx_cg_res o = owner(box);
	return o == BX_CG_NRES ? NULL : &box->priv[bx_module_index(res_names[o])];
}

/* boxlab/<name> is one per host, but names are unique only per state
 * dir: a cgroup of this name with processes belongs to a container of
 * another state dir, and sharing it would let one's teardown kill the
 * other's processes.  An empty one is what a crash left: removed. */
static int claim(struct bx_box *box, const struct bx_cg *cg, bx_err_t *err)
{
	for (int i = 0; i < BX_CG_NRES; i++) {
		if (!res_on(box, (enum bx_cg_res)i))
			continue;
		for (const char *const *h = cg->ops->hiers[i]; *h; h++) {
			char buf[64];
			cleanup_free char *dir = bx_cg_dir(cg, *h, NULL);
			cleanup_free char *procs = bx_cg_dir(cg, *h, "cgroup.procs");
			int r = bx_cg_read(procs, buf, sizeof buf);
			if (r == -ENOENT)
				continue;
			if (r == 0 && buf[0]) {
				*owner_priv(box) = &foreign;
				return bx_usage_error(err, "cgroup %s already exists and has processes: a container named %s "
						      "runs from another state dir (choose another --name)", dir, box->name);
			}
			r = cg->fs->rmdir(dir);
			if (r < 0 && r != -ENOENT)
				return bx_make_error(err, -r, "cannot remove the leftover cgroup %s", dir);
			if (r == 0)
				bx_tl_event(box->tl, res_names[i], "leftover", 0, "removed %s, left behind by a crash", dir);
		}
	}
	return 0;
}

static void cg_probe(enum bx_cg_res r, struct bx_probe *out)
{
	struct bx_cg cg;
	bx_err_t tmp = NULL;
	if (bx_cg_host(&cg, "", &tmp) < 0) {
		out->ok = false;
		snprintf(out->why, sizeof out->why, "%s", tmp->msg);
		bx_error_release(&tmp);
		return;
	}
	cg.ops->probe(&cg, r, out);
}

static int cg_prepare(struct bx_box *box, enum bx_cg_res r, bx_err_t *err)
{
	struct bx_cg cg;
	struct bx_cg_limits lim;
	struct bx_probe p = {0};
	uint64_t t = bx_now_us();

	if (bx_cg_host(&cg, box->name, err) < 0)
		return -1;
	limits_of(box->spec, &lim);
	if (owner(box) == r && (check_all(box, &cg, &lim, err) < 0 || claim(box, &cg, err) < 0))
		return -1;
	cg.ops->probe(&cg, r, &p);
	if (!p.ok) {
		/* No limit of it was asked for (check_all): run without it,
		 * and say so where the student looks. */
		bx_tl_event(box->tl, res_names[r], "skip", 0, "not enforced: %s", p.why);
		return 0;
	}
	if (cg.ops->create(&cg, r, &lim, err) < 0)
		return bx_error_wrap(err, "%s", res_names[r]);
	cleanup_free char *what = describe(&cg, r, &lim);
	bx_tl_event(box->tl, res_names[r], "cgroup", t, "%s", what);
	if (cg.ops->clone_fd && box->cgroup_fd < 0) {
		int fd = cg.ops->clone_fd(&cg, err);
		if (fd < 0)
			return -1;
		box->cgroup_fd = fd;
	}
	if (cg.ops->join_fds) {
		size_t room = sizeof box->cg_join / sizeof *box->cg_join - (size_t)box->n_cg_join;
		int n = cg.ops->join_fds(&cg, r, box->cg_join + box->n_cg_join, room, err);
		if (n < 0)
			return bx_error_wrap(err, "%s", res_names[r]);
		box->n_cg_join += n;
	}
	return 0;
}

static int cg_parent_setup(struct bx_box *box, enum bx_cg_res r, bx_err_t *err)
{
	struct bx_cg cg;
	if (bx_cg_host(&cg, box->name, err) < 0)
		return -1;
	if (cg.ops->unified) {
		/* Born inside through CLONE_INTO_CGROUP; the fd is done. */
		if (box->cgroup_fd >= 0) {
			close(box->cgroup_fd);
			box->cgroup_fd = -1;
		}
		return 0;
	}
	if (box->cg_born_inside)
		return 0; /* it joined them itself (bx_box.cg_join) */
	if (cg.ops->attach(&cg, r, box->pid, err) < 0)
		return bx_error_wrap(err, "%s: cannot put the container into its cgroup", res_names[r]);
	return 0;
}

static int cg_exec_parent(struct bx_box *box, pid_t pid, enum bx_cg_res r, bx_err_t *err)
{
	struct bx_cg cg;
	struct bx_probe p = {0};
	if (bx_cg_host(&cg, box->name, err) < 0)
		return -1;
	if (cg.ops->unified && owner(box) != r)
		return 0;
	cg.ops->probe(&cg, r, &p);
	if (!p.ok && !cg.ops->unified)
		return 0;
	if (cg.ops->attach(&cg, r, pid, err) < 0)
		return bx_error_wrap(err, "%s: cannot put the exec'd process into the container's cgroup", res_names[r]);
	return 0;
}

/* Only the counters of resource r, so the record of one module never
 * speaks for another. */
static void violations_of(enum bx_cg_res r, const struct bx_stats *s, struct bx_stats *v)
{
	memset(v, 0, sizeof *v);
	switch (r) {
	case BX_CG_MEMORY:
		v->oom_kills = s->oom_kills;
		v->mem_peak = s->mem_peak;
		v->mem_limit = s->mem_limit;
		break;
	case BX_CG_CPU:
		v->cpu_throttled = s->cpu_throttled;
		v->throttled_us = s->throttled_us;
		break;
	case BX_CG_PIDS:
		v->pids_refused = s->pids_refused;
		v->pids_limit = s->pids_limit;
		break;
	default:
		break;
	}
}

static uint64_t host_memory(void)
{
	static uint64_t total; /* does not change under us: ask once */
	struct sysinfo si;
	if (!total && sysinfo(&si) == 0)
		total = (uint64_t)si.totalram * si.mem_unit;
	return total;
}

static int cg_stats(const struct bx_box *box, enum bx_cg_res r, struct bx_stats *out)
{
	struct bx_cg cg;
	struct bx_stats v;
	bx_err_t tmp = NULL;
	if (bx_cg_host(&cg, box->name, &tmp) < 0) {
		bx_error_release(&tmp);
		return -1;
	}
	if (cg.ops->sample(&cg, r, out) < 0)
		return -1;
	if (r == BX_CG_MEMORY) {
		/* "No limit" is a huge number; show the host's memory, the
		 * real ceiling, as docker stats does. */
		uint64_t host = host_memory();
		if (host && (!out->mem_limit || out->mem_limit > host))
			out->mem_limit = host;
	}
	violations_of(r, out, &v);
	bx_cg_record(box->name, box->tl, &v);
	return 0;
}

static void cg_teardown(struct bx_box *box, enum bx_cg_res r)
{
	struct bx_cg cg;
	struct bx_stats s = {0}, v;
	bx_err_t tmp = NULL;

	if (owner(box) == r && box->cgroup_fd >= 0) {
		close(box->cgroup_fd);
		box->cgroup_fd = -1;
	}
	if (owner(box) == r)
		bx_box_close_cg_join(box);
	if (*owner_priv(box) == &foreign)
		return;
	if (bx_cg_host(&cg, box->name, &tmp) < 0) {
		bx_error_release(&tmp);
		return;
	}
	/* What the container ran into, before the counters go away (only
	 * memory, cpu and pids count violations).  Not for --rm: the state
	 * dir it is written to goes right after. */
	if ((r == BX_CG_MEMORY || r == BX_CG_CPU || r == BX_CG_PIDS) && !box->spec->rm &&
	    cg.ops->sample(&cg, r, &s) == 0) {
		violations_of(r, &s, &v);
		bx_cg_record(box->name, box->tl, &v);
	}
	if (cg.ops->unified && owner(box) != r)
		return;
	if (cg.ops->destroy(&cg, r, &tmp) < 0) {
		bx_tl_event(box->tl, res_names[r], "teardown", 0, "failed: %s", tmp->msg);
		bx_warn("%s: %s", res_names[r], tmp->msg);
		bx_error_release(&tmp);
	}
}

int bx_cg_freeze_box(const struct bx_box *box, bool frozen, bx_err_t *err)
{
	struct bx_cg cg;
	struct bx_probe p = {0};
	if (!res_on(box, BX_CG_FREEZER))
		return bx_usage_error(err, "%s has the freezer module off (it was started with --no-freezer or "
				      "--isolation=none), so it cannot be %s", box->name, frozen ? "paused" : "resumed");
	if (bx_cg_host(&cg, box->name, err) < 0)
		return -1;
	cg.ops->probe(&cg, BX_CG_FREEZER, &p);
	if (!p.ok)
		return bx_make_error(err, 0, "cannot %s %s: %s", frozen ? "pause" : "resume", box->name, p.why);
	return cg.ops->freeze(&cg, frozen, 5000, err);
}

/* ---- violations ---- */

struct counter {
	const char *key, *module, *phase;
};

static const struct counter counters[] = {
	{"oom_kills", "memory", "oom"},
	{"cpu_throttled", "cpu", "throttled"},
	{"pids_refused", "pids", "pids-limit"},
};

static uint64_t counter_value(const struct bx_stats *s, size_t i)
{
	return i == 0 ? s->oom_kills : i == 1 ? s->cpu_throttled : s->pids_refused;
}

static void note(struct bx_timeline *tl, size_t i, const struct bx_stats *s, uint64_t was)
{
	uint64_t now = counter_value(s, i);
	char lim[32], peak[32];
	switch (i) {
	case 0:
		bx_cg_human(s->mem_limit, true, lim, sizeof lim);
		bx_cg_human(s->mem_peak, true, peak, sizeof peak);
		bx_tl_event(tl, counters[i].module, counters[i].phase, 0,
			    "OOM killer: %" PRIu64 " process%s killed in all (+%" PRIu64 "); peak usage %s of the %s limit",
			    now, now == 1 ? "" : "es", now - was, peak, lim);
		break;
	case 1:
		bx_tl_event(tl, counters[i].module, counters[i].phase, 0,
			    "CPU quota used up in %" PRIu64 " periods in all (+%" PRIu64 "), %.2f s held back", now,
			    now - was, (double)s->throttled_us / 1e6);
		break;
	default:
		bx_tl_event(tl, counters[i].module, counters[i].phase, 0,
			    "pids limit %" PRIu64 " reached: %" PRIu64 " fork%s refused in all (+%" PRIu64 ")",
			    s->pids_limit, now, now == 1 ? "" : "s", now - was);
	}
}

void bx_cg_record(const char *name, struct bx_timeline *tl, const struct bx_stats *s)
{
	bx_err_t tmp = NULL;
	bool changed = false;
	struct bx_timeline own = {.fd = -1};
	if (!s->oom_kills && !s->cpu_throttled && !s->pids_refused)
		return;
	cleanup_close int lock = bx_state_lock(name, &tmp);
	if (lock < 0) {
		bx_error_release(&tmp); /* no state dir: nobody to tell */
		return;
	}
	cleanup_free char *path = bx_state_path(name, "violations.json");
	json_t *o = bx_json_load(path, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		o = json_object();
	}
	for (size_t i = 0; i < N_ELEMENTS(counters); i++) {
		uint64_t now = counter_value(s, i);
		json_t *v = json_object_get(o, counters[i].key);
		uint64_t was = json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
		if (now <= was)
			continue;
		if (!tl) {
			/* Sampled from outside the supervisor (stats, gc):
			 * the container's own timeline, on its clock. */
			struct bx_state st;
			if (bx_state_read(name, &st, &tmp) == 0 && bx_tl_open(&own, name, st.t0_mono_us, &tmp) == 0)
				tl = &own;
			bx_error_release(&tmp);
			bx_state_free(&st);
		}
		note(tl, i, s, was);
		json_object_set_new(o, counters[i].key, json_integer((json_int_t)now));
		changed = true;
	}
	if (changed) {
		cleanup_free char *text = json_dumps(o, JSON_INDENT(2));
		if (bx_write_file_atomic(path, text, strlen(text), &tmp) < 0)
			bx_error_release(&tmp);
	}
	json_decref(o);
	bx_tl_close(&own);
}

/* ---- the modules ---- */

/* One set of hook wrappers per module: the hooks take no resource
 * argument, so each module passes its own. */
#define CG_HOOKS(id, R)                                                                      \
	static void id##_probe(struct bx_probe *o) { cg_probe(R, o); }                       \
	static int id##_prepare(struct bx_box *b, bx_err_t *e) { return cg_prepare(b, R, e); } \
	static int id##_parent(struct bx_box *b, bx_err_t *e) { return cg_parent_setup(b, R, e); } \
	static int id##_exec(struct bx_box *b, pid_t p, bx_err_t *e) { return cg_exec_parent(b, p, R, e); } \
	static int id##_stats(const struct bx_box *b, struct bx_stats *s) { return cg_stats(b, R, s); } \
	static void id##_teardown(struct bx_box *b) { cg_teardown(b, R); }

CG_HOOKS(memory, BX_CG_MEMORY)
CG_HOOKS(cpu, BX_CG_CPU)
CG_HOOKS(pids, BX_CG_PIDS)
CG_HOOKS(io, BX_CG_IO)
CG_HOOKS(devices, BX_CG_DEVICES)
CG_HOOKS(freezer, BX_CG_FREEZER)

#define CG_MODULE(id)                                                                       \
	.kind = BX_KIND_CGROUP, .default_on = true, .probe = id##_probe, .prepare = id##_prepare, \
	.parent_setup = id##_parent, .exec_parent = id##_exec, .stats = id##_stats, .teardown = id##_teardown

const struct bx_module bx_module_memory = {
	.name = "memory",
	.summary = "memory cgroup: --memory limit, OOM kills counted, usage for stats",
	.blocks = "exhausting host memory: a memory hog is OOM-killed at its limit",
	.options = memory_opts,
	CG_MODULE(memory),
};

const struct bx_module bx_module_cpu = {
	.name = "cpu",
	.summary = "cpu cgroups: --cpus quota, --cpu-shares weight, --cpuset-cpus; throttling counted",
	.blocks = "starving the host of CPU: a busy loop is held to its --cpus",
	.options = cpu_opts,
	.free_conf = free_cpu,
	CG_MODULE(cpu),
};

const struct bx_module bx_module_pids = {
	.name = "pids",
	.summary = "pids cgroup: --pids-limit caps processes; refused forks counted",
	.blocks = "fork bombs: fork fails at the limit",
	.options = pids_opts,
	CG_MODULE(pids),
};

const struct bx_module bx_module_io = {
	.name = "io",
	.summary = "block I/O cgroup: --blkio-weight, --device-read-bps/--device-write-bps; bytes for stats",
	.blocks = "saturating a host disk",
	.options = io_opts,
	.free_conf = free_io,
	CG_MODULE(io),
};

const struct bx_module bx_module_devices = {
	.name = "devices",
	.summary = "devices cgroup: only null zero full random urandom tty pts (and --device) may be opened",
	.blocks = "reading or writing host disks through device nodes (mknod /dev/vda)",
	.options = devices_opts,
	.free_conf = free_devices,
	CG_MODULE(devices),
};

const struct bx_module bx_module_freezer = {
	.name = "freezer",
	.summary = "freezer cgroup: boxlab pause/resume stop and continue every process at once",
	.blocks = "nothing by itself: it stops a container without it noticing (pause, checkpoint)",
	CG_MODULE(freezer),
};
