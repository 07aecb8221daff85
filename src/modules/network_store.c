/* Networks: a bridge and a subnet each, kept in $BOXLAB_NET_DIR (see
 * network.h for why there).  The default network "boxlab" (bridge
 * boxlab0) is made on first use; others by `boxlab network create`.
 *
 * Subnets are picked so they clash with nothing: not with another
 * boxlab network (even one whose bridge is gone after a reboot) and not
 * with any route of the host, read over netlink.  A bridge forwards
 * only while ports are published, and then nothing but DNAT'ed
 * connections (network_dnat.c); boxlab never touches ip_forward, and
 * where it finds it on, it sets its bridges' own forwarding all the
 * same.  So neither another network nor anything off the machine is
 * reachable through the host. */
#include "modules/network.h"
#include "modules/netlink.h"
#include "core/proc.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "util/json.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

const char *bx_net_dir(void)
{
	const char *d = getenv("BOXLAB_NET_DIR");
	return d && *d ? d : "/var/lib/boxlab/networks";
}

char *bx_net_path(const char *net, const char *file)
{
	if (file)
		return xasprintf("%s/%s/%s", bx_net_dir(), net, file);
	return xasprintf("%s/%s", bx_net_dir(), net);
}

const char *bx_net_run_dir(void)
{
	const char *d = getenv("BOXLAB_NET_RUN_DIR");
	return d && *d ? d : "/run/boxlab-networks";
}

char *bx_net_run_path(const char *net, const char *file)
{
	if (file)
		return xasprintf("%s/%s/%s", bx_net_run_dir(), net, file);
	return xasprintf("%s/%s", bx_net_run_dir(), net);
}

int bx_network_check_name(const char *name, bx_err_t *err)
{
	size_t len = strlen(name);
	bool ok = len > 0 && len <= BX_NAME_MAX;
	for (size_t i = 0; ok && i < len; i++) {
		char c = name[i];
		ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && strchr("_.-", c));
	}
	if (!ok)
		return bx_usage_error(err, "invalid network name \"%s\" (allowed: [a-z0-9][a-z0-9_.-]{0,62})", name);
	return 0;
}

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* IFNAMSIZ is 16 with the NUL: "bxn-" and the name when it fits, else a
 * cut name and a hash, so two long names still get two bridges. */
static char *bridge_name(const char *net)
{
	if (!strcmp(net, BX_DEFAULT_NETWORK))
		return xstrdup(BX_DEFAULT_BRIDGE);
	if (strlen(net) <= 11)
		return xasprintf("bxn-%s", net);
	return xasprintf("bxn-%.6s-%04x", net, fnv1a(net) & 0xffff);
}

int bx_net_lock_file(const char *path, bx_err_t *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return bx_make_error(err, errno, "network: cannot open the lock %s", path);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			close(fd);
			return bx_make_error(err, errno, "network: cannot lock %s", path);
		}
	return fd;
}

static int global_lock(bx_err_t *err)
{
	if (bx_mkdir_p(bx_net_dir(), 0755, err) < 0)
		return bx_error_hint(err, "boxlab keeps its networks there: run as root, or set BOXLAB_NET_DIR");
	cleanup_free char *p = xasprintf("%s/.lock", bx_net_dir());
	return bx_net_lock_file(p, err);
}

int bx_network_lock(const char *name, bool create, bx_err_t *err)
{
	cleanup_free char *dir = bx_net_run_path(name, NULL);
	cleanup_free char *p = bx_net_run_path(name, "lock");
	if (create && bx_mkdir_p(dir, 0755, err) < 0)
		return -1;
	return bx_net_lock_file(p, err);
}

void bx_network_free(struct bx_network *n)
{
	free(n->name);
	free(n->bridge);
	memset(n, 0, sizeof *n);
}

static int read_def(const char *name, struct bx_network *n, bx_err_t *err)
{
	cleanup_free char *path = bx_net_path(name, "network.json");
	json_error_t je;
	memset(n, 0, sizeof *n);
	json_t *o = bx_json_load(path, &je);
	if (!o)
		return errno == ENOENT || access(path, F_OK) < 0 ? 0
		       : bx_make_error(err, 0, "network: cannot read %s: %s", path, je.text);
	const char *br = json_string_value(json_object_get(o, "bridge"));
	const char *sn = json_string_value(json_object_get(o, "subnet"));
	if (!br || !sn || bx_subnet_parse(sn, &n->subnet, err) < 0) {
		json_decref(o);
		bx_error_release(err);
		return bx_make_error(err, 0, "network: %s is corrupt (needs \"bridge\" and \"subnet\")", path);
	}
	n->name = xstrdup(name);
	n->bridge = xstrdup(br);
	n->created_us = json_integer_value(json_object_get(o, "created_us"));
	json_decref(o);
	return 1;
}

static int write_def(const struct bx_network *n, bx_err_t *err)
{
	cleanup_free char *path = bx_net_path(n->name, "network.json");
	cleanup_free char *sn = bx_subnet_format(&n->subnet);
	char gw[16];
	bx_ip_format(bx_subnet_gateway(&n->subnet), gw);
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(n->name));
	json_object_set_new(o, "bridge", json_string(n->bridge));
	json_object_set_new(o, "subnet", json_string(sn));
	json_object_set_new(o, "gateway", json_string(gw));
	json_object_set_new(o, "created_us", json_integer(n->created_us));
	char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	int ret = bx_write_file_atomic(path, s, strlen(s), err);
	free(s);
	return ret;
}

char **bx_network_list(void)
{
	char **v = xzalloc(sizeof *v);
	cleanup_dir DIR *d = opendir(bx_net_dir());
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		cleanup_free char *p = bx_net_path(e->d_name, "network.json");
		if (access(p, F_OK) == 0)
			strv_push(&v, e->d_name);
	}
	size_t n = strv_len(v);
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && strcmp(v[k - 1], v[k]) > 0; k--) {
			char *t = v[k];
			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	return v;
}

int bx_network_load(const char *name, struct bx_network *n, bx_err_t *err)
{
	if (bx_network_check_name(name, err) < 0)
		return -1;
	int r = read_def(name, n, err);
	if (r < 0)
		return -1;
	if (r == 0) {
		cleanup_strv char **all = bx_network_list();
		cleanup_free char *known = strv_len(all) ? strv_join(all, ", ") : xstrdup("none yet");
		return bx_usage_error(err, "unknown network \"%s\" (networks: %s; make one with 'boxlab network create %s')",
				      name, known, name);
	}
	return 0;
}

static bool sysctl_is(const char *path, char want)
{
	char c = 0;
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd >= 0 && read(fd, &c, 1) == 1 && c == want;
}

static int sysctl_set(const char *path, const char *v, bx_err_t *err)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, v, strlen(v)) < 0)
		return bx_make_error(err, errno, "network: cannot write %s to %s", v, path);
	return 0;
}

int bx_bridge_forwarding(const char *bridge, bool on, bx_err_t *err)
{
	char path[128];
	snprintf(path, sizeof path, "/proc/sys/net/ipv4/conf/%s/forwarding", bridge);
	if (sysctl_is(path, on ? '1' : '0'))
		return 0;
	return sysctl_set(path, on ? "1" : "0", err);
}

int bx_network_ensure_bridge(struct nl_sock *sk, const struct bx_network *n, bx_err_t *err)
{
	char path[128];
	int idx = bx_nl_link_index(sk, n->bridge, err);
	if (idx < 0)
		return -1;
	if (idx == 0) {
		if (bx_nl_bridge_create(sk, n->bridge, err) < 0)
			return -1;
		idx = bx_nl_link_index(sk, n->bridge, err);
		if (idx <= 0)
			return idx < 0 ? -1 : bx_make_error(err, ENODEV, "network: bridge %s vanished", n->bridge);
		/* No IPv6 on the host side: the host is reachable from
		 * containers at the gateway address only. */
		snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/disable_ipv6", n->bridge);
		if (access(path, F_OK) == 0 && sysctl_set(path, "1", err) < 0)
			return -1;
	}
	/* Every time: a host admin may have switched ip_forward on since,
	 * which resets every interface's own setting, and the bridge may
	 * be new while ports are published (network_dnat.c). */
	if (bx_dnat_bridge(n->bridge, err) < 0)
		return -1;
	if (bx_nl_addr_add(sk, idx, bx_subnet_gateway(&n->subnet), n->subnet.prefix, err) < 0)
		return -1;
	return idx;
}

/* A /16 in 10.88-10.127, then 172.18-172.31: private (RFC 1918), past
 * the ranges Docker (172.17) and most home routers (192.168) take. */
static int pick_subnet(const struct bx_nl_route *routes, size_t nr, const struct bx_subnet *taken, size_t nt,
		       struct bx_subnet *out)
{
	for (unsigned i = 0; i < 40 + 14; i++) {
		struct bx_subnet c = {.prefix = 16};
		c.net = i < 40 ? (10u << 24) | ((88 + i) << 16) : (172u << 24) | ((18 + i - 40) << 16);
		bool clash = false;
		for (size_t k = 0; k < nr && !clash; k++)
			clash = bx_subnet_overlap(&c, &routes[k].dst);
		for (size_t k = 0; k < nt && !clash; k++)
			clash = bx_subnet_overlap(&c, &taken[k]);
		if (!clash) {
			*out = c;
			return 0;
		}
	}
	return -1;
}

/* Under the global lock.  adopt: the bridge already exists (made by a
 * boxlab with another BOXLAB_NET_DIR, or left over): take it as is. */
static int create_locked(const char *name, const struct bx_subnet *want, bool adopt, struct bx_network *out,
			 bx_err_t *err)
{
	struct bx_network n = {0};
	struct bx_nl_route *routes = NULL;
	size_t nr = 0;
	struct bx_subnet *taken = NULL;
	size_t nt = 0;
	char **others = NULL;
	struct nl_sock *sk = NULL;
	bool made_dir = false;
	int ret = -1, existing = 0;
	cleanup_free char *dir = bx_net_path(name, NULL);

	n.name = xstrdup(name);
	n.bridge = bridge_name(name);
	n.created_us = bx_realtime_us();
	sk = bx_nl_open(-1, err);
	if (!sk)
		goto out;
	existing = bx_nl_link_index(sk, n.bridge, err);
	if (existing < 0)
		goto out;
	if (existing > 0 && !adopt) {
		bx_usage_error(err, "a link named %s already exists on the host, and it would be the bridge of "
			       "network %s (delete it, or choose another network name)", n.bridge, name);
		goto out;
	}
	if (bx_nl_routes(sk, &routes, &nr, err) < 0)
		goto out;
	others = bx_network_list();
	for (size_t i = 0; others[i]; i++) {
		struct bx_network o;
		bx_err_t tmp = NULL;
		if (read_def(others[i], &o, &tmp) <= 0) {
			bx_error_release(&tmp);
			continue;
		}
		if (want && bx_subnet_overlap(want, &o.subnet)) {
			cleanup_free char *a = bx_subnet_format(want), *b = bx_subnet_format(&o.subnet);
			bx_usage_error(err, "subnet %s overlaps network %s (%s): choose another --subnet", a, others[i], b);
			bx_network_free(&o);
			goto out;
		}
		taken = xrealloc(taken, (nt + 1) * sizeof *taken);
		taken[nt++] = o.subnet;
		bx_network_free(&o);
	}
	if (want) {
		for (size_t k = 0; k < nr; k++) {
			/* The adopted bridge's own route is no clash. */
			if (adopt && routes[k].oif == existing)
				continue;
			if (bx_subnet_overlap(want, &routes[k].dst)) {
				cleanup_free char *a = bx_subnet_format(want), *b = bx_subnet_format(&routes[k].dst);
				cleanup_free char *dev = bx_nl_link_name(sk, routes[k].oif);
				bx_usage_error(err, "subnet %s overlaps the host's route to %s%s%s: choose another --subnet",
					       a, b, dev ? " on " : "", dev ? dev : "");
				goto out;
			}
		}
		n.subnet = *want;
	} else if (pick_subnet(routes, nr, taken, nt, &n.subnet) < 0) {
		bx_make_error(err, 0, "network: no free /16 left in 10.88-10.127.0.0 or 172.18-172.31.0.0 "
			      "(give one with --subnet)");
		goto out;
	}
	if (mkdir(dir, 0755) < 0) {
		if (errno == EEXIST)
			bx_usage_error(err, "network %s already exists", name);
		else
			bx_make_error(err, errno, "network: cannot create %s", dir);
		goto out;
	}
	made_dir = true;
	if (write_def(&n, err) < 0 || bx_network_ensure_bridge(sk, &n, err) < 0)
		goto out;
	*out = n;
	memset(&n, 0, sizeof n);
	ret = 0;
out:
	if (ret < 0 && made_dir) {
		bx_err_t tmp = NULL;
		if (!existing && sk) {
			int idx = bx_nl_link_index(sk, n.bridge, &tmp);
			if (idx > 0)
				bx_nl_link_delete(sk, idx, n.bridge, &tmp);
		}
		bx_rm_rf(dir, &tmp);
		bx_error_release(&tmp);
	}
	bx_nl_close(sk);
	free(routes);
	free(taken);
	strv_free(others);
	bx_network_free(&n);
	return ret;
}

int bx_network_create(const char *name, const char *subnet, struct bx_network *out, bx_err_t *err)
{
	struct bx_subnet s;
	if (bx_network_check_name(name, err) < 0 || (subnet && bx_subnet_parse(subnet, &s, err) < 0))
		return -1;
	cleanup_close int lock = global_lock(err);
	if (lock < 0)
		return -1;
	cleanup_free char *dir = bx_net_path(name, NULL);
	if (access(dir, F_OK) == 0)
		return bx_usage_error(err, "network %s already exists (see 'boxlab network inspect %s')", name, name);
	return create_locked(name, subnet ? &s : NULL, false, out, err);
}

static int check_default_subnet(const struct bx_network *n, const char *want, bx_err_t *err)
{
	struct bx_subnet s;
	if (!want)
		return 0;
	if (bx_subnet_parse(want, &s, err) < 0)
		return bx_error_wrap(err, "[network] default_subnet");
	if (s.net == n->subnet.net && s.prefix == n->subnet.prefix)
		return 0;
	cleanup_free char *have = bx_subnet_format(&n->subnet);
	return bx_usage_error(err, "the default network already has subnet %s, not %s ([network] default_subnet); "
			      "'boxlab network rm %s' first to change it", have, want, BX_DEFAULT_NETWORK);
}

int bx_network_get(const char *name, const char *default_subnet, struct bx_network *out, bx_err_t *err)
{
	if (name && strcmp(name, BX_DEFAULT_NETWORK))
		return bx_network_load(name, out, err);
	int r = read_def(BX_DEFAULT_NETWORK, out, err);
	if (r < 0)
		return -1;
	if (r > 0)
		return check_default_subnet(out, default_subnet, err);

	cleanup_close int lock = global_lock(err);
	if (lock < 0)
		return -1;
	r = read_def(BX_DEFAULT_NETWORK, out, err); /* made meanwhile */
	if (r != 0)
		return r < 0 ? -1 : check_default_subnet(out, default_subnet, err);

	struct bx_subnet want, have;
	uint32_t ip;
	bool adopt = false;
	struct nl_sock *sk = bx_nl_open(-1, err);
	if (!sk)
		return -1;
	int idx = bx_nl_link_index(sk, BX_DEFAULT_BRIDGE, err);
	if (idx > 0 && bx_nl_addr_get(sk, idx, &have, &ip, err) > 0) {
		want = have;
		adopt = true;
	}
	bx_nl_close(sk);
	if (*err)
		return -1;
	if (default_subnet && bx_subnet_parse(default_subnet, &want, err) < 0)
		return bx_error_wrap(err, "[network] default_subnet");
	if (adopt && (want.net != have.net || want.prefix != have.prefix)) {
		cleanup_free char *h = bx_subnet_format(&have);
		return bx_usage_error(err, "bridge %s already exists with subnet %s, not %s ([network] default_subnet)",
				      BX_DEFAULT_BRIDGE, h, default_subnet);
	}
	if (idx > 0 && !adopt)
		return bx_usage_error(err, "a link named %s already exists without an address: delete it "
				      "(boxlab makes it as the default network's bridge)", BX_DEFAULT_BRIDGE);
	return create_locked(BX_DEFAULT_NETWORK, adopt || default_subnet ? &want : NULL, adopt, out, err);
}

bool bx_network_lease_alive(const char *key)
{
	struct stat st;
	return stat(key, &st) == 0 && S_ISDIR(st.st_mode);
}

int bx_network_leases(const char *name, struct bx_leases *l, bx_err_t *err)
{
	cleanup_free char *p = bx_net_run_path(name, "leases.json");
	return bx_leases_load(p, l, err);
}

static int delete_bridge(const struct bx_network *n, bx_err_t *err)
{
	struct nl_sock *sk = bx_nl_open(-1, err);
	if (!sk)
		return -1;
	int idx = bx_nl_link_index(sk, n->bridge, err);
	cleanup_free char *kind = idx > 0 ? bx_nl_link_kind(sk, n->bridge) : NULL;
	/* Only a bridge: a link of another kind by that name is not ours. */
	if (idx > 0 && kind && !strcmp(kind, "bridge"))
		idx = bx_nl_link_delete(sk, idx, n->bridge, err);
	bx_nl_close(sk);
	return idx < 0 ? -1 : 0;
}

int bx_network_remove(const char *name, bx_err_t *err)
{
	struct bx_network n;
	struct bx_leases l = {0};
	cleanup_free char *lpath = bx_net_run_path(name, "leases.json");
	cleanup_free char *dir = bx_net_path(name, NULL), *rundir = bx_net_run_path(name, NULL);
	if (bx_network_load(name, &n, err) < 0)
		return -1;
	cleanup_close int glock = global_lock(err);
	cleanup_close int lock = glock < 0 ? -1 : bx_network_lock(name, true, err);
	int ret = -1;
	if (lock < 0 || bx_network_leases(name, &l, err) < 0)
		goto out;
	if (bx_ipam_reclaim(&l, bx_network_lease_alive) && bx_leases_save(lpath, &l, err) < 0)
		goto out;
	if (l.n) {
		char **names = NULL;
		for (size_t i = 0; i < l.n; i++)
			strv_push(&names, l.v[i].name ? l.v[i].name : l.v[i].key);
		char *s = strv_join(names, ", ");
		strv_free(names);
		bx_usage_error(err, "network %s is in use by %zu container%s: %s (remove %s first)", name, l.n,
			       l.n == 1 ? "" : "s", s, l.n == 1 ? "it" : "them");
		free(s);
		goto out;
	}
	if (delete_bridge(&n, err) < 0)
		goto out;
	bx_dnat_bridge_gone(n.bridge);
	ret = bx_rm_rf(dir, err) < 0 || bx_rm_rf(rundir, err) < 0 ? -1 : 0;
out:
	bx_leases_free(&l);
	bx_network_free(&n);
	return ret;
}
