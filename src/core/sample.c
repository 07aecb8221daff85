/* Sampling one container for stats and the dashboard.
 *
 * It reads what the state dir says (pid, status, which modules are on)
 * and asks each module that is on for its figures through its stats
 * hook, the way the lifecycle calls the other hooks: the cgroup modules
 * fill usage, limits and violation counters, and the network bytes come
 * from the init's /proc/PID/net/dev, which works whatever made the
 * interfaces.  No config.ini parsing: the state is enough, and stats
 * samples many containers every second. */
#include "core/sample.h"
#include "modules/cgroup.h"
#include "core/lifecycle.h"
#include "core/proc.h"
#include "core/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

void bx_sample_netdev(const char *text, struct bx_stats *out)
{
	out->net_rx = out->net_tx = out->net_rx_packets = out->net_tx_packets = 0;
	for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		const char *colon = strchr(line, ':'), *end = line + strcspn(line, "\n");
		if (!colon || colon > end)
			continue; /* the two header lines */
		const char *name = line;
		while (*name == ' ')
			name++;
		if (colon - name == 2 && !strncmp(name, "lo", 2))
			continue;
		/* rx: bytes packets errs drop fifo frame compressed multicast,
		 * then tx: bytes packets */
		unsigned long long v[10];
		const char *p = colon + 1;
		size_t got = 0;
		for (char *next; got < 10; got++, p = next) { /* strtoull: sscanf cost 6 % of a sample */
			v[got] = strtoull(p, &next, 10);
			if (next == p || next > end)
				break;
		}
		if (got == 10) {
			out->net_rx += v[0];
			out->net_rx_packets += v[1];
			out->net_tx += v[8];
			out->net_tx_packets += v[9];
		}
	}
}

/* Its own network namespace, or the host's (then its bytes are the
 * host's, not its own: report none, as docker stats does for host
 * networking). */
static bool own_netns(pid_t pid)
{
	static struct stat self; /* ours does not change: stat it once */
	char path[64];
	struct stat a;
	snprintf(path, sizeof path, "/proc/%d/ns/net", pid);
	if (!self.st_ino && stat("/proc/self/ns/net", &self) < 0)
		return false;
	if (stat(path, &a) < 0)
		return false;
	return a.st_ino != self.st_ino || a.st_dev != self.st_dev;
}

/* keep_fd: NULL, or where /proc/PID/net/dev stays open (-1 until it
 * is; read again from 0, it is made anew). */
static void sample_net(pid_t pid, int *keep_fd, struct bx_stats *out)
{
	char path[64], buf[8192];
	bool kept = keep_fd && *keep_fd >= 0;
	int fd = kept ? *keep_fd : -1;
	if (!kept) {
		snprintf(path, sizeof path, "/proc/%d/net/dev", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return;
	}
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	if (!kept) {
		if (keep_fd && n > 0)
			*keep_fd = fd;
		else
			close(fd);
	}
	if (n <= 0)
		return;
	buf[n] = '\0';
	bx_sample_netdev(buf, out);
}

/* Samplers (stats, the dashboard; bx_sample_keep_open) keep what they
 * learnt of a container between rounds, for as long as its state.json
 * is the one they parsed:
 *  - the parsed state: jansson takes ~150 instructions a byte, most of
 *    a quiet sample's user time;
 *  - that file, open: every save renames a new one into place, so the
 *    kept one has no link left once it is stale, and one fstat() tells
 *    (the inode number would not: ext4 hands a freed one out again);
 *  - a pidfd of the supervisor, which polls readable once it has ended,
 *    instead of reading /proc/PID/stat every round;
 *  - whether the init has a network namespace of its own, and then its
 *    /proc/PID/net/dev, open (it pins that namespace: only while the
 *    container runs unchanged, or a few seconds after it is gone);
 *  - which modules are on, as a box for the modules' stats hooks.
 * An entry not asked for in a while (a removed container) is let go. */
#define KEPT_IDLE_US 5000000
static bool keep;
static struct kept {
	char *name;
	int fd;
	int sup_pidfd;
	int own_netns; /* -1: not looked at yet */
	int netdev_fd;
	uint64_t used_us;
	struct bx_state st;
	struct bx_spec spec;
	struct bx_box box;
} **kept;
static size_t n_kept, hint;
static uint64_t swept_us;
static struct kept *last; /* what bx_sample_state() returned last */

void bx_sample_keep_open(void)
{
	bx_cg_read_cache(true);
	if (keep)
		return;
	keep = true;
	/* A dozen files per container stay open: let the soft limit go up
	 * to the hard one (no privilege needed), so 200 containers fit. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max && rl.rlim_cur < 8192) {
		rl.rlim_cur = rl.rlim_max < 8192 ? rl.rlim_max : 8192;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void kept_forget(struct kept *k)
{
	if (k->fd >= 0)
		close(k->fd);
	if (k->sup_pidfd >= 0)
		close(k->sup_pidfd);
	if (k->netdev_fd >= 0)
		close(k->netdev_fd);
	k->fd = k->sup_pidfd = k->own_netns = k->netdev_fd = -1;
	bx_state_free(&k->st);
}

static void kept_sweep(uint64_t now)
{
	swept_us = now;
	for (size_t i = 0; i < n_kept;) {
		if (now - kept[i]->used_us < KEPT_IDLE_US) {
			i++;
			continue;
		}
		kept_forget(kept[i]);
		free(kept[i]->name);
		free(kept[i]);
		kept[i] = kept[--n_kept];
	}
	hint = 0;
	last = NULL;
}

static struct kept *kept_of(const char *name)
{
	for (size_t k = 0; k < n_kept; k++) {
		size_t i = (hint + k) % n_kept;
		if (!strcmp(kept[i]->name, name)) {
			hint = i + 1; /* samplers go round in the same order */
			return kept[i];
		}
	}
	return NULL;
}

/* The kept entry behind the state bx_sample_state() just returned (its
 * callers sample it next), or NULL: no second search by name. */
static struct kept *kept_of_state(const struct bx_state *st)
{
	return last && &last->st == st ? last : NULL;
}

const struct bx_state *bx_sample_state(const char *name, struct bx_state *own, bx_err_t *err)
{
	if (!keep)
		return bx_state_read(name, own, err) == 0 ? own : NULL;
	if (bx_name_check(name, err) < 0)
		return NULL;
	uint64_t now = bx_now_us();
	if (now - swept_us > KEPT_IDLE_US)
		kept_sweep(now);
	struct kept *k = kept_of(name);
	struct stat sb;
	last = NULL;
	if (k && k->fd >= 0 && fstat(k->fd, &sb) == 0 && sb.st_nlink > 0) {
		k->used_us = now;
		last = k;
		return &k->st;
	}
	/* Opened before the read: should a save come in between, this file
	 * is the older one, loses its link, and the next round reads again. */
	cleanup_free char *path = bx_state_path(name, "state.json");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (bx_state_read(name, own, err) < 0 || fd < 0) {
		if (fd >= 0)
			close(fd);
		return *err ? NULL : own; /* read, but no fd to keep */
	}
	if (!k) {
		kept = xrealloc(kept, (n_kept + 1) * sizeof *kept);
		k = kept[n_kept++] = xzalloc(sizeof *k);
		k->name = xstrdup(name);
		k->fd = k->sup_pidfd = k->netdev_fd = -1;
	} else {
		kept_forget(k);
	}
	k->fd = fd;
	k->own_netns = -1;
	k->used_us = now;
	k->st = *own;
	bx_box_of_state(&k->box, &k->spec, &k->st);
	last = k;
	return &k->st;
}

/* Whether the supervisor lives: /proc/PID/stat's start time once, then
 * a poll of a pidfd (readable once the process has ended). */
static bool supervisor_alive(const struct bx_state *st, struct kept *k)
{
	if (k && k->sup_pidfd >= 0) {
		struct pollfd p = {.fd = k->sup_pidfd, .events = POLLIN};
		return poll(&p, 1, 0) == 0;
	}
	if (!bx_state_supervisor_alive(st))
		return false;
	if (k) {
		/* Alive after the open too: the pidfd is that process's. */
		int fd = bx_pidfd_open(st->supervisor);
		if (fd >= 0 && bx_state_supervisor_alive(st))
			k->sup_pidfd = fd;
		else if (fd >= 0)
			close(fd);
	}
	return true;
}

int bx_sample(const char *name, struct bx_stats *out, bx_err_t *err)
{
	struct bx_state own;
	const struct bx_state *st = bx_sample_state(name, &own, err);
	if (!st) {
		memset(out, 0, sizeof *out);
		return -1;
	}
	int ret = bx_sample_of(st, out, err);
	if (st == &own)
		bx_state_free(&own);
	return ret;
}

int bx_sample_of(const struct bx_state *st, struct bx_stats *out, bx_err_t *err)
{
	struct bx_spec own_spec;
	struct bx_box own_box, *box = &own_box;
	struct kept *k = kept_of_state(st);

	memset(out, 0, sizeof *out);
	if ((st->status != BX_RUNNING && st->status != BX_PAUSED) || !supervisor_alive(st, k))
		return bx_usage_error(err, "%s is not running (it is %s)", st->name,
				      st->status == BX_RUNNING || st->status == BX_PAUSED ? "dead"
											: bx_status_name(st->status));
	/* The modules from state.json, not a parsed spec: hooks only need
	 * the name, the pid and which modules are on. */
	if (k)
		box = &k->box;
	else
		bx_box_of_state(&own_box, &own_spec, st);
	/* No timeline: a hook that finds something to record opens it
	 * (bx_cg_record), which spares every quiet sample two syscalls. */

	out->sampled_us = bx_now_us();
	for (size_t i = 0; bx_modules[i]; i++)
		if (box->spec->modules[i] && bx_modules[i]->stats)
			bx_modules[i]->stats(box, out);
	if (k && k->own_netns < 0)
		k->own_netns = own_netns(st->pid);
	if (k ? k->own_netns : own_netns(st->pid))
		sample_net(st->pid, k ? &k->netdev_fd : NULL, out);
	out->paused = st->status == BX_PAUSED;
	return 0;
}
