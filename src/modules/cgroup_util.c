/* What both cgroup backends share: where a container's cgroup is, small
 * reads and writes with errors that name the file, removing a cgroup
 * that may still hold processes, and Docker's units for the limits. */
#include "modules/cgroup.h"
#include "core/proc.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int real_mkdir(const char *path)
{
	return mkdir(path, 0755) < 0 ? -errno : 0;
}

static int real_rmdir(const char *path)
{
	return rmdir(path) < 0 ? -errno : 0;
}

static int write_all(int fd, const char *data)
{
	size_t len = strlen(data);
	ssize_t n;
	do
		n = write(fd, data, len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
}

static int real_write_each(const char *path, const char *const *lines, size_t *failed)
{
	/* No O_CREAT: a missing file is the kernel saying "no such
	 * controller here", which the backends translate. */
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;
	*failed = 0;
	if (fd < 0)
		return -errno;
	for (size_t i = 0; lines[i] && r == 0; i++) {
		r = write_all(fd, lines[i]);
		*failed = i;
	}
	close(fd);
	return r;
}

static int real_write(const char *path, const char *data)
{
	const char *const lines[] = {data, NULL};
	size_t failed;
	return real_write_each(path, lines, &failed);
}

const struct bx_cg_fs bx_cg_real_fs = {
	.mkdir = real_mkdir,
	.rmdir = real_rmdir,
	.write = real_write,
	.write_each = real_write_each,
};

bool bx_cg_wants_cpuset(const struct bx_cg_cpu_conf *c)
{
	return c && (c->cpus || c->mems);
}

char *bx_cg_parent(const struct bx_cg *cg, const char *hier)
{
	if (hier && *hier)
		return xasprintf("%s/%s/boxlab", cg->root, hier);
	return xasprintf("%s/boxlab", cg->root);
}

char *bx_cg_dir(const struct bx_cg *cg, const char *hier, const char *file)
{
	/* Samplers build a dozen of these per container and round: plain
	 * copies, not xasprintf, whose vfprintf was a fifth of a sample's
	 * user time. */
	const char *parts[] = {cg->root, hier && *hier ? "/" : "", hier ? hier : "", "/boxlab/", cg->name,
			       file ? "/" : "", file ? file : ""};
	size_t len[N_ELEMENTS(parts)], total = 1;
	for (size_t i = 0; i < N_ELEMENTS(parts); i++)
		total += len[i] = strlen(parts[i]);
	char *path = xmalloc(total), *p = path;
	for (size_t i = 0; i < N_ELEMENTS(parts); i++)
		p = mempcpy(p, parts[i], len[i]);
	*p = '\0';
	return path;
}

char *bx_cg_path(const struct bx_cg *cg, enum bx_cg_key key)
{
	const struct bx_cg_file *f = &cg->ops->files[key];
	if (!f->file)
		return NULL;
	return bx_cg_dir(cg, f->hier ? f->hier : "", f->file);
}

int bx_cg_write(const struct bx_cg *cg, const char *path, const char *data, bx_err_t *err)
{
	int r = cg->fs->write(path, data);
	if (r < 0) {
		/* Show what was written without its newline. */
		int n = (int)strcspn(data, "\n");
		return bx_make_error(err, -r, "cannot write \"%.*s\" to %s", n, data, path);
	}
	return 0;
}

int bx_cg_writef(const struct bx_cg *cg, const char *path, bx_err_t *err, const char *fmt, ...)
{
	va_list ap;
	char *data;
	va_start(ap, fmt);
	if (vasprintf(&data, fmt, ap) < 0)
		abort();
	va_end(ap);
	int r = bx_cg_write(cg, path, data, err);
	free(data);
	return r;
}

int bx_cg_mkdir(const struct bx_cg *cg, const char *path, bx_err_t *err)
{
	int r = cg->fs->mkdir(path);
	if (r < 0 && r != -EEXIST)
		return bx_make_error(err, -r, "cannot create cgroup %s", path);
	return 0;
}

/* Read what an open fd holds from offset 0: cgroupfs and procfs make
 * the text anew on every read from 0, so a kept fd stays current. */
static int read_fd(int fd, char *buf, size_t len)
{
	size_t got = 0;
	while (got < len - 1) {
		ssize_t n = pread(fd, buf + got, len - 1 - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += n;
		/* cgroupfs hands a whole small file to one read; a short
		 * read is the end, and saves a syscall per file (stats reads
		 * a dozen per container). */
		if ((size_t)n < len - 1 - (got - n))
			break;
	}
	buf[got] = '\0';
	return 0;
}

/* The fd cache of samplers (stats, the dashboard): most of a sample's
 * CPU went to path lookups in cgroupfs, a dozen opens per container a
 * round, so they keep the files open and only read.  Bounded (some fds
 * stay for others), and an entry unused for a few seconds is closed, so
 * that a removed container's cgroup (which an open file pins, as a
 * dying memcg) is let go. */
#define CACHE_SLOTS 4096
#define CACHE_IDLE_US 3000000
static struct cached {
	char *path;
	int fd;
	uint64_t used_us;
	uint64_t read_us; /* when text was read, 0: not kept */
	char text[32];    /* a limit file's last text (bx_cg_read_limit) */
} cache[CACHE_SLOTS];
static bool cache_on;
static size_t hash_str(const char *s) /* FNV-1a */
{
	size_t h = 1469598103934665603u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211u;
	return h;
}
static size_t cache_n;
static uint64_t cache_swept_us;

/* Half the fds we may open (samplers raise the soft limit first), the
 * rest for what sample.c keeps and everything else: 200 containers'
 * dozen files each fit under the usual 8192. */
static size_t cache_max(void)
{
	static size_t max;
	struct rlimit rl;
	if (max)
		return max;
	rlim_t lim = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY ? rl.rlim_cur : 1024;
	max = lim > 384 ? (size_t)(lim - 128) / 2 : 128;
	if (max > CACHE_SLOTS * 3 / 4)
		max = CACHE_SLOTS * 3 / 4; /* open addressing wants free slots */
	return max;
}

void bx_cg_read_cache(bool on)
{
	cache_on = on;
	if (on)
		return;
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		if (cache[i].path) {
			close(cache[i].fd);
			free(cache[i].path);
			cache[i].path = NULL;
		}
	cache_n = 0;
}

static void cache_drop(struct cached *c)
{
	close(c->fd);
	free(c->path);
	c->path = NULL;
	cache_n--;
	/* Re-place the run after it, or lookups would stop at the hole. */
	for (struct cached *n = c + 1;; n++) {
		if (n == cache + CACHE_SLOTS)
			n = cache;
		if (!n->path)
			break;
		struct cached moved = *n;
		n->path = NULL;
		cache_n--;
		size_t h = hash_str(moved.path) % CACHE_SLOTS;
		while (cache[h].path)
			h = (h + 1) % CACHE_SLOTS;
		cache[h] = moved;
		cache_n++;
	}
}

static void cache_sweep(uint64_t now)
{
	cache_swept_us = now;
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		while (cache[i].path && now - cache[i].used_us > CACHE_IDLE_US)
			cache_drop(&cache[i]);
}

/* A limit's text, kept when it fits (bx_cg_read_limit). */
static void keep_text(struct cached *c, const char *text, uint64_t now)
{
	c->read_us = 0;
	if (strlen(text) < sizeof c->text) {
		strcpy(c->text, text);
		c->read_us = now;
	}
}

/* max_age_us: 0, or how old a kept text may be and still be taken. */
static int cached_read(const char *path, char *buf, size_t len, uint64_t max_age_us)
{
	uint64_t now = bx_now_us();
	if (now - cache_swept_us > CACHE_IDLE_US)
		cache_sweep(now);
	size_t h = hash_str(path) % CACHE_SLOTS;
	while (cache[h].path && strcmp(cache[h].path, path))
		h = (h + 1) % CACHE_SLOTS;
	struct cached *c = &cache[h];
	if (c->path) {
		c->used_us = now;
		if (max_age_us && c->read_us && now - c->read_us < max_age_us && len > strlen(c->text)) {
			strcpy(buf, c->text);
			return 0;
		}
		int r = read_fd(c->fd, buf, len);
		if (r == -ENODEV || r == -ESRCH) {
			cache_drop(c); /* the cgroup went; one of the name may be back */
			return cached_read(path, buf, len, max_age_us);
		}
		c->read_us = 0;
		if (r == 0 && max_age_us)
			keep_text(c, buf, now);
		return r;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = read_fd(fd, buf, len);
	if (r < 0 || cache_n >= cache_max()) {
		close(fd);
		return r;
	}
	*c = (struct cached){xstrdup(path), fd, now, 0, ""};
	if (max_age_us)
		keep_text(c, buf, now);
	cache_n++;
	return 0;
}

int bx_cg_read(const char *path, char *buf, size_t len)
{
	if (cache_on)
		return cached_read(path, buf, len, 0);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = read_fd(fd, buf, len);
	close(fd);
	return r;
}

/* A limit changes only when someone writes it (boxlab at setup, or a
 * student by hand), yet samplers read two or three a container every
 * round, a tenth of their CPU.  Kept, one is read again after 3 s: a
 * limit written by hand shows within that. */
#define LIMIT_MAX_AGE_US 3000000
int bx_cg_read_limit(const char *path, char *buf, size_t len)
{
	return cache_on ? cached_read(path, buf, len, LIMIT_MAX_AGE_US) : bx_cg_read(path, buf, len);
}

/* Memory usage, limit, OOM kills and (after one) the peak: the same in
 * v1 and v2 but for the name of the inactive page cache in memory.stat
 * and the peak's file. */
int bx_cg_sample_memory(const struct bx_cg *cg, const char *inactive_key, const char *peak, struct bx_stats *out)
{
	cleanup_free char *usage = bx_cg_path(cg, BX_CGK_MEM_USAGE);
	cleanup_free char *stat = bx_cg_path(cg, BX_CGK_MEM_STAT);
	cleanup_free char *limit = bx_cg_path(cg, BX_CGK_MEM_LIMIT);
	cleanup_free char *events = bx_cg_path(cg, BX_CGK_MEM_EVENTS);
	uint64_t v;
	/* Like docker stats: the page cache that could be dropped at once
	 * is not counted as used. */
	int r = bx_cg_read_u64(usage, &out->mem_bytes);
	if (r == 0 && bx_cg_read_key(stat, inactive_key, &v) == 0)
		out->mem_bytes = out->mem_bytes > v ? out->mem_bytes - v : 0;
	bx_cg_read_limit_u64(limit, &out->mem_limit);
	bx_cg_read_key(events, "oom_kill", &out->oom_kills);
	/* The peak only matters to tell an OOM kill's story. */
	if (out->oom_kills)
		bx_cg_read_u64(peak, &out->mem_peak);
	return r;
}

/* The pids files have the same names and meaning in v1 and v2. */
int bx_cg_sample_pids(const struct bx_cg *cg, struct bx_stats *out)
{
	cleanup_free char *cur = bx_cg_path(cg, BX_CGK_PIDS_CURRENT);
	cleanup_free char *max = bx_cg_path(cg, BX_CGK_PIDS_MAX);
	cleanup_free char *ev = bx_cg_path(cg, BX_CGK_PIDS_EVENTS);
	uint64_t v;
	int r = bx_cg_read_u64(cur, &out->pids);
	if (bx_cg_read_limit_u64(max, &v) == 0)
		out->pids_limit = v == UINT64_MAX ? 0 : v;
	/* No limit, no fork refused (boxlab/ above has none either). */
	if (out->pids_limit)
		bx_cg_read_key(ev, "max", &out->pids_refused);
	return r;
}

static int parse_u64(const char *buf, uint64_t *out)
{
	char *end;
	if (!strncmp(buf, "max", 3)) {
		*out = UINT64_MAX;
		return 0;
	}
	errno = 0;
	*out = strtoull(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

int bx_cg_read_u64(const char *path, uint64_t *out)
{
	char buf[64];
	int r = bx_cg_read(path, buf, sizeof buf);
	return r < 0 ? r : parse_u64(buf, out);
}

int bx_cg_read_limit_u64(const char *path, uint64_t *out)
{
	char buf[64];
	int r = bx_cg_read_limit(path, buf, sizeof buf);
	return r < 0 ? r : parse_u64(buf, out);
}

static int find_key(const char *buf, const char *key, uint64_t *out)
{
	/* strstr for the key, then whether it starts a line and ends at the
	 * space: memory.stat has ~80 lines and is read every round. */
	size_t klen = strlen(key);
	for (const char *at = strstr(buf, key); at; at = strstr(at + 1, key)) {
		if ((at != buf && at[-1] != '\n') || at[klen] != ' ')
			continue;
		*out = strtoull(at + klen + 1, NULL, 10);
		return 0;
	}
	return -ENOENT;
}

int bx_cg_read_key(const char *path, const char *key, uint64_t *out)
{
	char buf[4096];
	int r = bx_cg_read(path, buf, sizeof buf);
	return r < 0 ? r : find_key(buf, key, out);
}

int bx_cg_read_keys(const char *path, const char *const *keys, uint64_t *const *outs)
{
	char buf[4096];
	int r = bx_cg_read(path, buf, sizeof buf);
	if (r < 0)
		return r;
	for (size_t i = 0; keys[i]; i++)
		find_key(buf, keys[i], outs[i]);
	return 0;
}

static void nap(unsigned us)
{
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000};
	nanosleep(&ts, NULL);
}

/* Is pid still a member of the cgroup "/boxlab/<name>" (any hierarchy)?
 * Checked after taking a pidfd, so the signal cannot reach a process
 * that reused the pid of one that just left. */
static bool still_member(pid_t pid, const char *rel)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/cgroup", pid);
	if (bx_cg_read(path, buf, sizeof buf) < 0)
		return false;
	size_t rlen = strlen(rel);
	for (char *line = buf; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		char *p = strchr(line, ':');
		p = p ? strchr(p + 1, ':') : NULL;
		if (p && !strncmp(p + 1, rel, rlen) && (p[1 + rlen] == '\n' || p[1 + rlen] == '\0'))
			return true;
	}
	return false;
}

static void kill_members(const struct bx_cg *cg, const char *procs)
{
	char buf[8192];
	cleanup_free char *rel = xasprintf("/boxlab/%s", cg->name);
	if (bx_cg_read(procs, buf, sizeof buf) < 0)
		return;
	for (char *p = buf; *p;) {
		char *end;
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		p = end + (*end == '\n');
		int fd = bx_pidfd_open((pid_t)pid);
		if (fd < 0)
			continue;
		if (still_member((pid_t)pid, rel))
			syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
		close(fd);
	}
}

int bx_cg_remove_dir(const struct bx_cg *cg, const char *dir, bx_err_t *err)
{
	cleanup_free char *procs = xasprintf("%s/cgroup.procs", dir);
	char buf[64];
	unsigned wait = 200;
	uint64_t deadline = bx_now_us() + 5000000;

	for (;;) {
		/* Mostly empty by now: rmdir first, look inside on EBUSY. */
		int r = cg->fs->rmdir(dir);
		if (r == 0 || r == -ENOENT)
			return 0;
		if (r != -EBUSY)
			return bx_make_error(err, -r, "cannot remove cgroup %s", dir);
		/* Busy: members left (killed here), or the last task is
		 * still exiting. */
		r = bx_cg_read(procs, buf, sizeof buf);
		if (r == -ENOENT)
			return 0; /* removed meanwhile */
		if (r == 0 && buf[0])
			kill_members(cg, procs);
		if (bx_now_us() > deadline)
			return bx_make_error(err, EBUSY, "cannot remove cgroup %s: processes still in it after 5 s", dir);
		nap(wait);
		if (wait < 20000)
			wait *= 2;
	}
}

/* ---- units ---- */

/* "12", "1.5": the integer part and up to 9 fraction digits, as a value
 * times 10^9, without floating point (1.1g must be exact). */
static int parse_decimal(const char **sp, unsigned __int128 *nano)
{
	const char *s = *sp;
	unsigned __int128 v = 0;
	int digits = 0;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned)(*s++ - '0');
		if (v > (unsigned __int128)UINT64_MAX)
			return -1;
		digits++;
	}
	if (!digits)
		return -1;
	v *= 1000000000u;
	if (*s == '.') {
		unsigned __int128 scale = 100000000u;
		s++;
		if (*s < '0' || *s > '9')
			return -1;
		while (*s >= '0' && *s <= '9') {
			v += (unsigned)(*s++ - '0') * scale;
			scale /= 10;
		}
	}
	*nano = v;
	*sp = s;
	return 0;
}

int bx_cg_parse_bytes(const char *s, int64_t *out, bx_err_t *err)
{
	/* Docker's units.RAMInBytes: a number, an optional unit k m g t p
	 * (powers of 1024, either case), then an optional "i" and "b". */
	static const char units[] = "kmgtp";
	const char *p = s;
	unsigned __int128 nano;
	uint64_t mult = 1;

	if (parse_decimal(&p, &nano) < 0)
		goto bad;
	if (*p == ' ')
		p++;
	if (*p) {
		const char *u = strchr(units, *p | 0x20);
		if (u && *p != ' ') {
			for (int i = 0; i <= u - units; i++)
				mult *= 1024;
			p++;
		}
		if ((*p | 0x20) == 'i' && mult > 1)
			p++;
		if ((*p | 0x20) == 'b')
			p++;
	}
	if (*p)
		goto bad;
	unsigned __int128 v = nano * mult / 1000000000u;
	if (v > INT64_MAX)
		return bx_usage_error(err, "\"%s\" is too large", s);
	*out = (int64_t)v;
	return 0;
bad:
	return bx_usage_error(err, "invalid size \"%s\" (expected a number with an optional unit b, k, m, g, t "
			      "or p, e.g. 64m or 1.5g)", s);
}

int bx_cg_parse_cpus(const char *s, uint64_t *nanocpus, bx_err_t *err)
{
	const char *p = s;
	unsigned __int128 nano;
	if (parse_decimal(&p, &nano) < 0 || *p)
		return bx_usage_error(err, "invalid number of CPUs \"%s\" (expected a decimal number such as 0.5 or 2)",
				      s);
	/* The kernel's smallest CFS quota is 1 ms; with boxlab's 100 ms
	 * period that is 0.01 CPUs. */
	if (nano < 10000000)
		return bx_usage_error(err, "%s CPUs is below the smallest quota the kernel accepts (allowed: 0.01 and "
				      "more)", s);
	if (nano > (unsigned __int128)UINT64_MAX)
		return bx_usage_error(err, "\"%s\" CPUs is too large", s);
	*nanocpus = (uint64_t)nano;
	return 0;
}

uint64_t bx_cg_quota_us(uint64_t nanocpus)
{
	return (uint64_t)((unsigned __int128)nanocpus * BX_CG_CPU_PERIOD / 1000000000u);
}

uint64_t bx_cg_shares_to_weight(uint64_t shares)
{
	/* The linear map of runc and crun: 2 -> 1, 1024 -> 39, 262144 -> 10000. */
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

/* Ranges of a list "0-2,5" into a callback-free bitmap of `max` bits. */
static int list_bits(const char *s, unsigned char *bits, unsigned max)
{
	const char *p = s;
	if (!*p)
		return -1;
	while (*p) {
		char *end;
		if (*p < '0' || *p > '9')
			return -1;
		unsigned long a = strtoul(p, &end, 10), b = a;
		p = end;
		if (*p == '-') {
			if (p[1] < '0' || p[1] > '9')
				return -1;
			b = strtoul(p + 1, &end, 10);
			p = end;
		}
		if (a > b || b >= max)
			return -1;
		for (unsigned long i = a; i <= b; i++)
			bits[i / 8] |= (unsigned char)(1u << (i % 8));
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			return -1;
	}
	return 0;
}

int bx_cg_parse_list(const char *s, const char *online, bx_err_t *err)
{
	enum { MAX = 8192 };
	cleanup_free unsigned char *want = xzalloc(MAX / 8), *have = xzalloc(MAX / 8);
	cleanup_free char *on = xstrndup(online, strcspn(online, "\n"));
	if (list_bits(s, want, MAX) < 0)
		return bx_usage_error(err, "invalid list \"%s\" (expected numbers and ranges such as 0-2,5)", s);
	if (list_bits(on, have, MAX) < 0)
		return bx_make_error(err, EINVAL, "cannot parse the online list \"%s\"", on);
	for (unsigned i = 0; i < MAX; i++)
		if ((want[i / 8] & (1u << (i % 8))) && !(have[i / 8] & (1u << (i % 8))))
			return bx_usage_error(err, "%u in \"%s\" is not online (online: %s)", i, s, on);
	return 0;
}

char *bx_cg_format_bytes(uint64_t n)
{
	static const char units[] = "kmgtp";
	int u = -1;
	while (n && n % 1024 == 0 && u < 4) {
		n /= 1024;
		u++;
	}
	if (u < 0)
		return xasprintf("%" PRIu64, n);
	return xasprintf("%" PRIu64 "%c", n, units[u]);
}

void bx_cg_human(uint64_t n, bool binary, char *buf, size_t len)
{
	static const char *const bin[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	static const char *const si[] = {"B", "kB", "MB", "GB", "TB", "PB"};
	double v = (double)n, step = binary ? 1024 : 1000;
	int u = 0;
	while (v >= step && u < 5) {
		v /= step;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 "%s", n, "B");
	else
		snprintf(buf, len, "%.4g%s", v, binary ? bin[u] : si[u]);
}
