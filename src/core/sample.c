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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
		if (sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
			   &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]) == 10) {
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

static void sample_net(pid_t pid, struct bx_stats *out)
{
	char path[64], buf[8192];
	if (!own_netns(pid))
		return;
	snprintf(path, sizeof path, "/proc/%d/net/dev", pid);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	if (n <= 0)
		return;
	buf[n] = '\0';
	bx_sample_netdev(buf, out);
}

/* Samplers that keep files open keep each parsed state.json too, for as
 * long as its text is the same: parsing (jansson, ~150 instructions a
 * byte) was most of a quiet sample's user time, reading it is not.  (Not
 * the inode: ext4 hands a freed one out again to the next save.) */
static bool keep;
static struct kept {
	char *name;
	char *text;
	size_t len;
	struct bx_state st;
} *kept;
static size_t n_kept, hint;

void bx_sample_keep_open(void)
{
	bx_cg_read_cache(true);
	keep = true;
}

static struct kept *kept_of(const char *name)
{
	for (size_t k = 0; k < n_kept; k++) {
		size_t i = (hint + k) % n_kept;
		if (!strcmp(kept[i].name, name)) {
			hint = i + 1; /* samplers go round in the same order */
			return &kept[i];
		}
	}
	return NULL;
}

const struct bx_state *bx_sample_state(const char *name, struct bx_state *own, bx_err_t *err)
{
	if (!keep)
		return bx_state_read(name, own, err) == 0 ? own : NULL;
	if (bx_name_check(name, err) < 0)
		return NULL;
	cleanup_free char *path = bx_state_path(name, "state.json");
	size_t len;
	bx_err_t tmp = NULL;
	char *text = bx_read_file(path, &len, &tmp);
	if (!text) {
		bx_error_release(&tmp);
		return bx_state_read(name, own, err) < 0 ? NULL : own;
	}
	struct kept *k = kept_of(name);
	if (k && k->len == len && !memcmp(k->text, text, len)) {
		free(text);
		return &k->st;
	}
	if (bx_state_read(name, own, err) < 0) {
		free(text);
		return NULL;
	}
	if (!k) {
		kept = xrealloc(kept, (n_kept + 1) * sizeof *kept);
		k = &kept[n_kept++];
		k->name = xstrdup(name);
	} else {
		free(k->text);
		bx_state_free(&k->st);
	}
	/* Should the file have changed between the two reads, the next
	 * sample sees other text and reads it again. */
	k->text = text;
	k->len = len;
	k->st = *own;
	return &k->st;
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
	struct bx_spec spec;
	struct bx_box box;

	memset(out, 0, sizeof *out);
	if ((st->status != BX_RUNNING && st->status != BX_PAUSED) || !bx_state_supervisor_alive(st))
		return bx_usage_error(err, "%s is not running (it is %s)", st->name,
				      st->status == BX_RUNNING || st->status == BX_PAUSED ? "dead"
											: bx_status_name(st->status));
	/* The modules from state.json, not a parsed spec: hooks only need
	 * the name, the pid and which modules are on. */
	bx_box_of_state(&box, &spec, st);
	/* No timeline: a hook that finds something to record opens it
	 * (bx_cg_record), which spares every quiet sample two syscalls. */

	out->sampled_us = bx_now_us();
	for (size_t i = 0; bx_modules[i]; i++)
		if (spec.modules[i] && bx_modules[i]->stats)
			bx_modules[i]->stats(&box, out);
	sample_net(st->pid, out);
	out->paused = st->status == BX_PAUSED;
	return 0;
}
