/* network: the container on a bridge.  The net module gives it a
 * network namespace with only lo; this module adds a veth pair, one end
 * (eth0) inside, the other (bx-NAME) on the host in the network's bridge
 * (boxlab0 by default), an address from the network's subnet, a default
 * route via the bridge, an /etc/hosts naming every container of the
 * network, and published ports (-p).
 *
 *   --net=bridge           the default: net and network on
 *   --net=none             own namespace, only lo: network off
 *   --net=host             the host's stack: net and network off
 *   --net=container:NAME   NAME's namespace (clone3 cannot join a
 *                          namespace, so the supervisor enters NAME's for
 *                          the clone and leaves it right after; see
 *                          prepare_shared)
 *
 * What it blocks: containers on different networks cannot reach each
 * other (one bridge each, and the host routes for a bridge only the
 * DNAT'ed connections of published ports: network_dnat.c; boxlab never
 * enables ip_forward); nothing reaches a container from outside the
 * host except through a published port.  What it does not: a container
 * can reach the host at its gateway address, like Docker's.
 *
 * Where the work happens: everything in the parent.  prepare (before
 * clone) takes the address, the bridge and the host ports, so a bad
 * network, a full subnet or a taken port fail before any process
 * exists; parent_setup makes the veth pair with one request that
 * creates the peer directly inside the child's namespace (no move, no
 * rename) and configures eth0 through a netlink socket opened in that
 * namespace (netlink.h).  The child runs no network code: its errors
 * would have to cross the sync socket, its seccomp and capability setup
 * would constrain it, and the timeline would split one step in two.
 *
 * Where the veth goes: with the container's namespace.  Deleting a veth
 * takes this kernel ~20 ms (unregistering a device waits out RCU grace
 * periods), three quarters of a `run --rm` with the network on.  Its
 * inside end lives in the container's namespace from its first moment,
 * and when the last process of that namespace is gone the kernel
 * removes the pair by itself, in the background.  So teardown leaves
 * it to the kernel (gone some ms after boxlab returns), and a new veth
 * that finds its name still taken by a dying one waits for it
 * (veth_create).  A namespace kept alive by a joined container
 * (--net=container:) or a bind mount keeps its veth until then.
 *
 * Escape demos: reach another network's container, reach a host-only
 * service (with --net=host as the "before").  Lesson 09.
 */
#include "modules/module.h"
#include "modules/netlink.h"
#include "modules/cgroup.h"
#include "modules/network.h"
#include "modules/nft.h"
#include "core/proc.h"
#include "core/state.h"
#include "core/testpoint.h"
#include "core/timeline.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "util/json.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PORTS 64

/* ---- settings ---- */

static struct bx_network_conf *conf_mut(struct bx_spec *s)
{
	return bx_spec_conf(s, "network", sizeof(struct bx_network_conf));
}

static const struct bx_network_conf *conf_of(const struct bx_spec *s)
{
	int i = bx_module_index("network");
	return i < 0 ? NULL : s->conf[i];
}

static void free_conf(void *p)
{
	struct bx_network_conf *c = p;
	free(c->network);
	free(c->container);
	free(c->ports);
	strv_free(c->add_hosts);
	free(c->default_subnet);
}

/* Asking for a network, a port or a host entry is asking for the bridge:
 * `--isolation=none -p 8080:80` gets net and network, as a limit gets
 * its cgroup module.  A later --no-network still wins. */
static void bridge_on(struct bx_spec *s)
{
	if (conf_of(s) && conf_of(s)->net_off)
		return; /* finalize refuses the contradiction */
	s->modules[bx_module_index("net")] = true;
	s->modules[bx_module_index("network")] = true;
}

void bx_network_set_off(struct bx_spec *s, const char *flag)
{
	conf_mut(s)->net_off = flag;
}

int bx_network_set_container(struct bx_spec *s, const char *name, bx_err_t *err)
{
	struct bx_network_conf *c = conf_mut(s);
	if (name && bx_name_check(name, err) < 0)
		return bx_error_wrap(err, "--net=container:NAME");
	free(c->container);
	c->container = name ? xstrdup(name) : NULL;
	return 0;
}

static int set_container(struct bx_spec *s, const char *v, bx_err_t *err)
{
	return bx_network_set_container(s, *v ? v : NULL, err);
}
static char *get_container(const struct bx_spec *s)
{
	const struct bx_network_conf *c = conf_of(s);
	return c && c->container ? xstrdup(c->container) : NULL;
}

static int set_network(struct bx_spec *s, const char *v, bx_err_t *err)
{
	if (bx_network_check_name(v, err) < 0)
		return -1;
	struct bx_network_conf *c = conf_mut(s);
	free(c->network);
	c->network = xstrdup(v);
	bridge_on(s);
	return 0;
}
static char *get_network(const struct bx_spec *s)
{
	const struct bx_network_conf *c = conf_of(s);
	return c && c->network ? xstrdup(c->network) : NULL;
}

static int set_publish(struct bx_spec *s, const char *v, bx_err_t *err)
{
	struct bx_port p;
	if (bx_port_parse(v, &p, err) < 0)
		return -1;
	struct bx_network_conf *c = conf_mut(s);
	if (c->nports == MAX_PORTS)
		return bx_usage_error(err, "too many -p: at most %d ports per container", MAX_PORTS);
	for (size_t i = 0; i < c->nports; i++)
		if (bx_port_clash(&c->ports[i], &p)) {
			cleanup_free char *a = bx_port_format(&c->ports[i]);
			return bx_usage_error(err, "-p %s: host port %u/%s is already published by -p %s", v, p.host_port,
					      p.proto == IPPROTO_UDP ? "udp" : "tcp", a);
		}
	c->ports = xrealloc(c->ports, (c->nports + 1) * sizeof *c->ports);
	c->ports[c->nports++] = p;
	bridge_on(s);
	return 0;
}

static int set_publish_list(struct bx_spec *s, const char *v, bx_err_t *err)
{
	cleanup_strv char **w = NULL;
	if (bx_words_split(v, &w, err) < 0)
		return -1;
	struct bx_network_conf *c = conf_mut(s);
	c->nports = 0;
	for (size_t i = 0; w[i]; i++)
		if (set_publish(s, w[i], err) < 0)
			return -1;
	return 0;
}

static char *get_publish(const struct bx_spec *s)
{
	const struct bx_network_conf *c = conf_of(s);
	if (!c || !c->nports)
		return NULL;
	char **v = NULL;
	for (size_t i = 0; i < c->nports; i++) {
		char *p = bx_port_format(&c->ports[i]);
		strv_push(&v, p);
		free(p);
	}
	char *out = bx_words_join(v);
	strv_free(v);
	return out;
}

static int set_add_host(struct bx_spec *s, const char *v, bx_err_t *err)
{
	if (bx_add_host_check(v, err) < 0)
		return -1;
	strv_push(&conf_mut(s)->add_hosts, v);
	return 0;
}

static int set_add_hosts(struct bx_spec *s, const char *v, bx_err_t *err)
{
	cleanup_strv char **w = NULL;
	if (bx_words_split(v, &w, err) < 0)
		return -1;
	struct bx_network_conf *c = conf_mut(s);
	strv_free(c->add_hosts);
	c->add_hosts = NULL;
	for (size_t i = 0; w[i]; i++)
		if (set_add_host(s, w[i], err) < 0)
			return -1;
	return 0;
}

static char *get_add_hosts(const struct bx_spec *s)
{
	const struct bx_network_conf *c = conf_of(s);
	return c && c->add_hosts ? bx_words_join(c->add_hosts) : NULL;
}

static int set_default_subnet(struct bx_spec *s, const char *v, bx_err_t *err)
{
	struct bx_subnet sn;
	if (bx_subnet_parse(v, &sn, err) < 0)
		return -1;
	struct bx_network_conf *c = conf_mut(s);
	free(c->default_subnet);
	c->default_subnet = bx_subnet_format(&sn);
	return 0;
}

static char *get_default_subnet(const struct bx_spec *s)
{
	const struct bx_network_conf *c = conf_of(s);
	return c && c->default_subnet ? xstrdup(c->default_subnet) : NULL;
}

static const struct bx_opt network_opts[] = {
	{"network", 0, "network", "network", "NAME", "network to join (default: boxlab, bridge boxlab0; "
	 "see 'boxlab network')", set_network, get_network},
	{"publish", 'p', NULL, NULL, "[IP:]HOST:CTR[/udp]", "publish container port CTR on host port HOST "
	 "by nftables DNAT, 127.0.0.1 through a proxy (repeatable; tcp unless /udp)", set_publish, NULL},
	{NULL, 0, "network", "publish", "WORDS", "published ports, [IP:]HOST:CTR[/tcp|/udp] words (INI only)",
	 set_publish_list, get_publish},
	{"add-host", 0, NULL, NULL, "NAME:IP", "add a line to the container's /etc/hosts (repeatable)", set_add_host,
	 NULL},
	{NULL, 0, "network", "add_hosts", "WORDS", "extra /etc/hosts entries, NAME:IP words (INI only)", set_add_hosts,
	 get_add_hosts},
	{NULL, 0, "network", "container", "NAME", "share the network namespace of this running container "
	 "(INI only; the flag is --net=container:NAME)", set_container, get_container},
	{NULL, 0, "network", "default_subnet", "CIDR", "subnet of the default network when it is first made "
	 "(INI only; default: a free /16 from 10.88.0.0 on)", set_default_subnet, get_default_subnet},
	{0},
};

/* ---- the container's record: $dir/network.json ---- */

static const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

int bx_net_state_read(const char *dir, struct bx_net_state *s)
{
	cleanup_free char *path = xasprintf("%s/network.json", dir);
	memset(s, 0, sizeof *s);
	json_t *o = bx_json_load(path, NULL);
	if (!o)
		return 0;
#define DUP(f) s->f = jstr(o, #f) ? xstrdup(jstr(o, #f)) : NULL
	DUP(mode);
	DUP(network);
	DUP(bridge);
	DUP(key);
	DUP(veth);
	DUP(shared_with);
#undef DUP
	if (jstr(o, "ip"))
		bx_ip_parse(jstr(o, "ip"), &s->ip);
	s->ifindex = (int)json_integer_value(json_object_get(o, "ifindex"));
	s->proxy_pid = (pid_t)json_integer_value(json_object_get(o, "proxy_pid"));
	s->proxy_start = (unsigned long long)json_integer_value(json_object_get(o, "proxy_start"));
	json_t *ports = json_object_get(o, "ports"), *e;
	size_t i;
	json_array_foreach(ports, i, e)
		if (json_string_value(e))
			strv_push(&s->ports, json_string_value(e));
	json_decref(o);
	return 1;
}

void bx_net_state_free(struct bx_net_state *s)
{
	free(s->mode);
	free(s->network);
	free(s->bridge);
	free(s->key);
	free(s->veth);
	free(s->shared_with);
	strv_free(s->ports);
	memset(s, 0, sizeof *s);
}

static int net_state_write(const char *dir, const struct bx_net_state *s, bx_err_t *err)
{
	json_t *o = json_object();
	char ip[16];
#define PUT(f) if (s->f) json_object_set_new(o, #f, json_string(s->f))
	PUT(mode);
	PUT(network);
	PUT(bridge);
	PUT(key);
#undef PUT
	if (s->ip) {
		bx_ip_format(s->ip, ip);
		json_object_set_new(o, "ip", json_string(ip));
	}
	if (s->veth) {
		json_object_set_new(o, "veth", json_string(s->veth));
		json_object_set_new(o, "ifindex", json_integer(s->ifindex));
	}
	if (s->shared_with)
		json_object_set_new(o, "shared_with", json_string(s->shared_with));
	if (s->proxy_pid) {
		json_object_set_new(o, "proxy_pid", json_integer(s->proxy_pid));
		json_object_set_new(o, "proxy_start", json_integer((json_int_t)s->proxy_start));
	}
	if (s->ports) {
		json_t *a = json_array();
		for (size_t i = 0; s->ports[i]; i++)
			json_array_append_new(a, json_string(s->ports[i]));
		json_object_set_new(o, "ports", a);
	}
	char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	cleanup_free char *path = xasprintf("%s/network.json", dir);
	int ret = bx_write_file_atomic(path, text, strlen(text), err);
	free(text);
	return ret;
}

int bx_net_counters(const char *veth, struct bx_net_counters *c)
{
	static const char *const files[] = {"tx_bytes", "rx_bytes", "tx_packets", "rx_packets"};
	uint64_t *out[] = {&c->rx_bytes, &c->tx_bytes, &c->rx_packets, &c->tx_packets};
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < N_ELEMENTS(files); i++) {
		char path[96];
		snprintf(path, sizeof path, "/sys/class/net/%s/statistics/%s", veth, files[i]);
		/* kept open by samplers, like the cgroup files */
		if (bx_cg_read_u64(path, out[i]) < 0)
			return -1;
	}
	return 0;
}

/* ---- the module ---- */

struct net_priv {
	struct bx_network net;
	struct bx_net_state st;
	struct nl_sock *sk;
	int bridge_idx;
	int saved_netns; /* container mode: the supervisor's own, until clone is done */
};

static struct net_priv *priv_of(struct bx_box *box)
{
	return box->priv[bx_module_index("network")];
}

static uint64_t fnv1a64(const char *s)
{
	uint64_t h = 14695981039346656037ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The host end, named after the container so `ip link` shows whose it
 * is; IFNAMSIZ leaves 15 characters, so a long name is cut and hashed. */
static char *veth_name(const char *name)
{
	if (strlen(name) <= IFNAMSIZ - 1 - 3)
		return xasprintf("bx-%s", name);
	return xasprintf("bx-%.7s-%04x", name, (unsigned)(fnv1a64(name) & 0xffff));
}

/* Who holds a host port, for the error: a container of this run dir
 * whose record lists a clashing port. */
static char *who_publishes(const struct bx_port *want, const char *self)
{
	cleanup_strv char **names = bx_state_list();
	for (size_t i = 0; names[i]; i++) {
		struct bx_net_state s;
		cleanup_free char *dir = bx_state_path(names[i], NULL);
		if (!strcmp(names[i], self) || bx_net_state_read(dir, &s) <= 0)
			continue;
		bool hit = false;
		for (size_t k = 0; s.ports && s.ports[k] && !hit; k++) {
			struct bx_port p;
			bx_err_t tmp = NULL;
			hit = bx_port_parse(s.ports[k], &p, &tmp) == 0 && bx_port_clash(&p, want);
			bx_error_release(&tmp);
		}
		bool alive = s.proxy_pid && bx_proc_alive(s.proxy_pid, s.proxy_start);
		bx_net_state_free(&s);
		if (hit && alive)
			return xstrdup(names[i]);
	}
	return NULL;
}

/* Inside the container's root, as the container would resolve it, and
 * never into another mount. */
#define IN_ROOT (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)

/* Bind `hosts` read-only onto /etc/hosts of the container's root, from
 * the host, before clone: the clone copies the mount with the rest of
 * the root, and the container's user namespace cannot unmount or
 * remount it (the kernel locks mounts it inherited).  The target is
 * resolved inside the root (openat2 RESOLVE_IN_ROOT): the image's
 * /etc/hosts may be a symlink, and must not lead to a host file. */
static int bind_hosts(struct bx_box *box, const char *hosts, bx_err_t *err)
{
	cleanup_close int root = -1, etc = -1, dst = -1, src = -1;
	if (!box->rootfs) /* the host's own root: its /etc/hosts is not ours */
		return 0;
	root = open(box->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return bx_make_error(err, errno, "network: cannot open %s", box->rootfs);
	etc = bx_openat2(root, "etc", O_PATH | O_DIRECTORY, IN_ROOT);
	if (etc < 0) {
		bx_tl_event(box->tl, "network", "hosts", 0, "the image has no /etc: no /etc/hosts");
		return 0;
	}
	/* A plain file to mount on; creating it in the new upper layer
	 * changes nothing the image holds. */
	dst = bx_openat2(root, "etc/hosts", O_PATH, IN_ROOT);
	if (dst < 0 && errno == ENOENT) {
		int fd = openat(etc, "hosts", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
		dst = bx_openat2(root, "etc/hosts", O_PATH, IN_ROOT);
	}
	if (dst < 0) {
		/* A read-only root without the file: the container runs, it
		 * only cannot look its peers up by name. */
		bx_tl_event(box->tl, "network", "hosts", 0, "no /etc/hosts to mount on (%s): names not available",
			    strerror(errno));
		return 0;
	}
	src = open_tree(AT_FDCWD, hosts, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (src < 0)
		return bx_make_error(err, errno, "network: cannot clone a mount of %s", hosts);
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					      MOUNT_ATTR_NOEXEC};
	if (mount_setattr(src, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
		return bx_make_error(err, errno, "network: cannot make the mount of %s read-only", hosts);
	if (move_mount(src, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return bx_make_error(err, errno, "network: cannot mount %s on /etc/hosts of %s", hosts, box->rootfs);
	return 0;
}

static int prepare_shared(struct bx_box *box, struct net_priv *p, const struct bx_network_conf *c, bx_err_t *err)
{
	struct bx_state st;
	uint64_t t = bx_now_us();
	if (c->network || c->nports || c->add_hosts)
		return bx_usage_error(err, "--net=container:%s shares that container's network: --network, -p and "
				      "--add-host belong on %s itself", c->container, c->container);
	if (!strcmp(c->container, box->name))
		return bx_usage_error(err, "--net=container:%s names this container itself", c->container);
	if (bx_state_read(c->container, &st, err) < 0)
		return bx_error_wrap(err, "--net=container:%s", c->container);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/net", st.pid);
	cleanup_close int ns = st.status == BX_RUNNING ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	/* Checked after the open: the descriptor then surely is the
	 * namespace of that container's init, not of a reused pid. */
	bool alive = ns >= 0 && bx_state_init_alive(&st);
	cleanup_free char *hosts = bx_state_path(c->container, "hosts");
	bx_state_free(&st);
	if (!alive)
		return bx_usage_error(err, "--net=container:%s: that container is not running", c->container);

	p->st.mode = xstrdup("container");
	p->st.shared_with = xstrdup(c->container);
	if (net_state_write(box->dir, &p->st, err) < 0)
		return -1;
	if (access(hosts, F_OK) == 0 && bind_hosts(box, hosts, err) < 0)
		return -1;
	/* clone3 makes namespaces but cannot join one: the supervisor joins
	 * the other container's for the clone (the child inherits it, and
	 * as host root it may, whatever user namespace owns it) and goes
	 * back in parent_setup.  Nothing between here and there opens a
	 * socket. */
	p->saved_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (p->saved_netns < 0 || setns(ns, CLONE_NEWNET) < 0)
		return bx_make_error(err, errno, "network: cannot enter the network namespace of %s", c->container);
	bx_tl_event(box->tl, "network", "join", t, "sharing the network namespace of %s", c->container);
	return 0;
}

static int prepare_bridge(struct bx_box *box, struct net_priv *p, const struct bx_network_conf *c, bx_err_t *err)
{
	static const struct bx_network_conf none;
	int fds[MAX_PORTS];
	struct bx_leases l = {0};
	uint64_t t = bx_now_us();
	char ip[16], real[PATH_MAX];
	int ret = -1;
	cleanup_close int lock = -1;
	cleanup_free char *def = NULL, *lpath = NULL, *hosts = NULL;
	struct bx_lease want = {.name = (char *)box->name, .hostname = box->spec->hostname};

	if (!c)
		c = &none;
	want.add_hosts = c->add_hosts;
	if (!realpath(box->dir, real))
		return bx_make_error(err, errno, "network: cannot resolve %s", box->dir);
	/* The record first, so a crash from here on leaves teardown (gc)
	 * enough to find the lease and the proxy. */
	p->st.mode = xstrdup("bridge");
	p->st.key = xstrdup(real);
	if (bx_network_get(c->network, c->default_subnet, &p->net, err) < 0)
		return -1;
	p->st.network = xstrdup(p->net.name);
	p->st.bridge = xstrdup(p->net.bridge);
	if (net_state_write(box->dir, &p->st, err) < 0)
		return -1;
	if (c->nports && bx_proxy_bind(c->ports, c->nports, fds, err) < 0) {
		for (size_t i = 0; i < c->nports && bx_error_errno(*err) == 0; i++) {
			cleanup_free char *who = who_publishes(&c->ports[i], box->name);
			if (who)
				return bx_error_hint(err, "container %s publishes it", who);
		}
		return -1;
	}
	bx_tl_event(box->tl, "network", "ports", t, "%zu host port%s bound", c->nports, c->nports == 1 ? "" : "s");
	bx_test_stop(box->name, "network", "ports");

	t = bx_now_us();
	lock = bx_network_lock(p->net.name, true, err);
	if (lock < 0)
		goto out;
	def = bx_net_path(p->net.name, "network.json");
	if (access(def, F_OK) < 0) {
		bx_usage_error(err, "network %s was removed while this container started", p->net.name);
		goto out;
	}
	p->sk = bx_nl_open(-1, err);
	if (!p->sk || (p->bridge_idx = bx_network_ensure_bridge(p->sk, &p->net, err)) < 0)
		goto out;
	bx_tl_event(box->tl, "network", "bridge", t, "%s up", p->net.bridge);

	t = bx_now_us();
	lpath = bx_net_run_path(p->net.name, "leases.json");
	want.key = p->st.key;
	if (bx_leases_load(lpath, &l, err) < 0)
		goto out;
	bx_ipam_reclaim(&l, bx_network_lease_alive);
	if (bx_ipam_alloc(&l, &p->net.subnet, &want, &p->st.ip, err) < 0) {
		bx_error_wrap(err, "network %s", p->net.name);
		goto out;
	}
	if (bx_leases_save(lpath, &l, err) < 0)
		goto out;
	bx_test_stop(box->name, "network", "lease");
	for (size_t i = 0; i < c->nports; i++) {
		char *f = bx_port_format(&c->ports[i]);
		strv_push(&p->st.ports, f);
		free(f);
	}
	if (net_state_write(box->dir, &p->st, err) < 0)
		goto out;
	bx_hosts_update(&p->net, &l, p->st.key);
	close(lock);
	lock = -1;
	bx_ip_format(p->st.ip, ip);
	bx_tl_event(box->tl, "network", "ipam", t, "%s on %s, %zu container%s on the network", ip, p->net.name, l.n,
		    l.n == 1 ? "" : "s");

	t = bx_now_us();
	hosts = xasprintf("%s/hosts", p->st.key);
	if (bind_hosts(box, hosts, err) < 0)
		goto out;
	bx_tl_event(box->tl, "network", "hosts", t, "/etc/hosts: %zu name%s", l.n, l.n == 1 ? "" : "s");

	if (c->nports) {
		t = bx_now_us();
		pid_t pid = bx_proxy_start(c->ports, c->nports, fds, p->st.ip, err);
		if (pid < 0)
			goto out;
		bx_test_stop(box->name, "network", "proxy"); /* running, not yet recorded */
		p->st.proxy_pid = pid;
		p->st.proxy_start = bx_proc_starttime(pid);
		if (net_state_write(box->dir, &p->st, err) < 0)
			goto out;
		cleanup_free char *list = strv_join(p->st.ports, " ");
		bx_tl_event(box->tl, "network", "proxy", t, "pid %d: %s", pid, list);

		t = bx_now_us();
		int nd = bx_dnat_publish(c->ports, c->nports, p->st.ip, err);
		if (nd < 0)
			goto out;
		bx_test_stop(box->name, "network", "dnat");
		if (nd)
			bx_tl_event(box->tl, "network", "dnat", t, "nftables table ip %s: %d port%s to %s; "
				    "127.0.0.1 by the proxy", BX_NFT_TABLE, nd, nd == 1 ? "" : "s", ip);
	}
	ret = 0;
out:
	if (ret < 0 && c->nports && !p->st.proxy_pid)
		for (size_t i = 0; i < c->nports; i++)
			if (fds[i] >= 0)
				close(fds[i]);
	bx_leases_free(&l);
	return ret;
}

/* --net=none, --net=host, --no-network or --isolation=none after -p
 * would drop the ports silently: say which switch wins instead. */
static int finalize(const struct bx_spec *s, bx_err_t *err)
{
	const struct bx_network_conf *c = conf_of(s);
	if (!c || s->modules[bx_module_index("network")] || c->container)
		return 0;
	const char *what = c->nports ? "-p" : c->network ? "--network" : c->add_hosts ? "--add-host" : NULL;
	if (!what)
		return 0;
	if (c->net_off)
		return bx_usage_error(err, "%s needs a bridge, and %s has none: drop one of the two "
				      "(--net=bridge is the default)", what, c->net_off);
	return bx_usage_error(err, "%s needs the network module (a bridge), but a later --no-network or "
			      "--isolation=none switched it off: drop one of the two", what);
}

static int prepare(struct bx_box *box, bx_err_t *err)
{
	const struct bx_network_conf *c = conf_of(box->spec);
	struct net_priv *p = xzalloc(sizeof *p);
	p->saved_netns = -1;
	box->priv[bx_module_index("network")] = p;
	if (c && c->container)
		return prepare_shared(box, p, c, err);
	if (!(box->clone_flags & CLONE_NEWNET)) {
		if (c && (c->network || c->nports || c->add_hosts))
			return bx_usage_error(err, "--network, -p and --add-host need the container's own network "
					      "namespace, and the net module is off (drop --no-net)");
		bx_tl_event(box->tl, "network", "prepare", 0, "the host's network namespace: nothing to do");
		return 0;
	}
	return prepare_bridge(box, p, c, err);
}

static int restore_netns(struct net_priv *p, bx_err_t *err)
{
	if (p->saved_netns < 0)
		return 0;
	int r = setns(p->saved_netns, CLONE_NEWNET);
	close(p->saved_netns);
	p->saved_netns = -1;
	return r < 0 ? bx_make_error(err, errno, "network: cannot return to the host's network namespace") : 0;
}

/* A veth of this name whose namespace is dying (a container of the same
 * name just removed: see the top of this file) is gone within tens of
 * milliseconds; one that stays belongs to a live container of another
 * run dir. */
static int veth_create(struct nl_sock *sk, const char *name, int bridge, pid_t pid, bx_err_t *err)
{
	int idx = bx_nl_veth_create(sk, name, bridge, "eth0", pid, err);
	for (int waited = 0; idx == -EEXIST && waited < 300; waited += 3) {
		struct timespec ts = {.tv_nsec = 3000000};
		nanosleep(&ts, NULL);
		bx_err_t tmp = NULL;
		int there = bx_nl_link_index(sk, name, &tmp);
		bx_error_release(&tmp);
		if (there == 0)
			idx = bx_nl_veth_create(sk, name, bridge, "eth0", pid, err);
	}
	return idx;
}

static int parent_setup(struct bx_box *box, bx_err_t *err)
{
	struct net_priv *p = priv_of(box);
	char ip[16], gw[16];
	if (!p)
		return 0;
	if (p->saved_netns >= 0)
		return restore_netns(p, err);
	if (!p->st.ip)
		return 0;

	uint64_t t = bx_now_us();
	char *name = veth_name(box->name);
	int idx = veth_create(p->sk, name, p->bridge_idx, box->pid, err);
	if (idx == -EEXIST) {
		/* Another run dir has a container of the same name: fall
		 * back to a name from this one's state dir, unique. */
		free(name);
		name = xasprintf("bx-%012llx", (unsigned long long)(fnv1a64(p->st.key) & 0xffffffffffffull));
		idx = bx_nl_veth_create(p->sk, name, p->bridge_idx, "eth0", box->pid, err);
	}
	if (idx == -EEXIST)
		bx_make_error(err, EEXIST, "network: cannot create veth %s", name);
	if (idx < 0) {
		free(name);
		return -1;
	}
	p->st.veth = name;
	p->st.ifindex = idx;
	if (net_state_write(box->dir, &p->st, err) < 0)
		return -1;
	bx_tl_event(box->tl, "network", "veth", t, "%s on %s, eth0 in the container", name, p->net.bridge);

	t = bx_now_us();
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/net", box->pid);
	cleanup_close int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return bx_make_error(err, errno, "network: cannot open %s", path);
	struct nl_sock *in = bx_nl_open(ns, err);
	if (!in)
		return -1;
	uint32_t gwip = bx_subnet_gateway(&p->net.subnet);
	int eth0 = bx_nl_link_index(in, "eth0", err);
	int ret = eth0 <= 0 ? (eth0 < 0 ? -1 : bx_make_error(err, ENODEV, "network: no eth0 in the container"))
			    : bx_nl_link_up(in, eth0, err);
	if (ret == 0)
		ret = bx_nl_addr_add(in, eth0, p->st.ip, p->net.subnet.prefix, err);
	if (ret == 0)
		ret = bx_nl_route_default(in, eth0, gwip, err);
	bx_nl_close(in);
	if (ret < 0)
		return -1;
	bx_ip_format(p->st.ip, ip);
	bx_ip_format(gwip, gw);
	bx_tl_event(box->tl, "network", "address", t, "eth0 %s/%u, default via %s", ip, p->net.subnet.prefix, gw);
	return 0;
}

static int exec_parent(struct bx_box *box, pid_t pid, bx_err_t *err)
{
	(void)pid;
	const struct bx_network_conf *c = conf_of(box->spec);
	if (!c || !c->container)
		return 0;
	/* The container's netns is not in box->ns_flags (the net module
	 * is off for it): join it here, as host root, before the user
	 * namespace is joined and that right is gone. */
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/net", box->pid);
	cleanup_close int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0 || setns(ns, CLONE_NEWNET) < 0)
		return bx_make_error(err, errno, "network: cannot join the network namespace of %s", box->name);
	return 0;
}

static void release_lease(const struct bx_net_state *s)
{
	bx_err_t tmp = NULL;
	struct bx_leases l = {0};
	struct bx_network n = {0};
	cleanup_free char *lpath = bx_net_run_path(s->network, "leases.json");
	cleanup_close int lock = bx_network_lock(s->network, false, &tmp);
	if (lock >= 0 && bx_leases_load(lpath, &l, &tmp) == 0 && bx_ipam_release(&l, s->key) &&
	    bx_leases_save(lpath, &l, &tmp) == 0 && bx_network_load(s->network, &n, &tmp) == 0)
		bx_hosts_update(&n, &l, NULL);
	if (tmp && bx_error_errno(tmp) != ENOENT)
		bx_warn("%s", tmp->msg);
	bx_error_release(&tmp);
	bx_leases_free(&l);
	bx_network_free(&n);
}

static void teardown(struct bx_box *box)
{
	struct net_priv *p = box->priv[bx_module_index("network")];
	struct bx_net_state s;
	bx_err_t tmp = NULL;
	if (p) {
		restore_netns(p, &tmp);
		bx_error_release(&tmp);
		bx_nl_close(p->sk);
		bx_network_free(&p->net);
		bx_net_state_free(&p->st);
		free(p);
		box->priv[bx_module_index("network")] = NULL;
	}
	/* From the record alone, so gc after a crash does the same. */
	if (!box->dir || bx_net_state_read(box->dir, &s) <= 0)
		return;
	if (s.proxy_pid > 0 && bx_proc_alive(s.proxy_pid, s.proxy_start)) {
		cleanup_close int fd = bx_pidfd_open(s.proxy_pid);
		if (fd >= 0 && bx_proc_alive(s.proxy_pid, s.proxy_start)) {
			syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
			/* Ours to reap when we are its supervisor; else init's. */
			if (waitpid(s.proxy_pid, NULL, 0) < 0)
				bx_pidfd_wait(fd, 2000);
		}
	}
	if (s.ports && s.ip) {
		size_t n = strv_len(s.ports), k = 0;
		struct bx_port *ports = xzalloc((n + 1) * sizeof *ports);
		for (size_t i = 0; i < n; i++) {
			bx_err_t bad = NULL;
			if (bx_port_parse(s.ports[i], &ports[k], &bad) == 0)
				k++;
			bx_error_release(&bad);
		}
		bx_dnat_unpublish(ports, k, s.ip);
		free(ports);
	}
	/* The veth: the kernel removes it with the namespace (top of file). */
	if (s.veth && s.ifindex > 0)
		bx_tl_event(box->tl, "network", "veth", 0, "%s goes with the container's network namespace", s.veth);
	if (s.mode && !strcmp(s.mode, "bridge") && s.network && s.key)
		release_lease(&s);
	cleanup_free char *path = xasprintf("%s/network.json", box->dir);
	unlink(path);
	bx_net_state_free(&s);
}

static void probe(struct bx_probe *out)
{
	bx_err_t err = NULL;
	struct nl_sock *sk = bx_nl_open(-1, &err);
	char fwd = '?';
	cleanup_close int fd = open("/proc/sys/net/ipv4/ip_forward", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && read(fd, &fwd, 1) != 1)
		fwd = '?';
	out->ok = sk != NULL && access("/proc/self/ns/net", F_OK) == 0;
	int nft = bx_nft_present(&err);
	bx_error_release(&err);
	if (out->ok)
		snprintf(out->why, sizeof out->why,
			 "bridge + veth over rtnetlink; -p by nftables DNAT (%s); ip_forward=%c (boxlab never "
			 "sets it)", nft < 0 ? "no nf_tables here: -p fails" : nft ? "table ip boxlab in use" :
			 "nf_tables ready", fwd);
	else
		snprintf(out->why, sizeof out->why, "no rtnetlink: %s", err ? err->msg : "no network namespaces");
	bx_nl_close(sk);
	bx_error_release(&err);
}

const struct bx_module bx_module_network = {
	.name = "network",
	.summary = "a veth on a bridge: address, default route, /etc/hosts of the network, published ports",
	.blocks = "reaching containers of other networks; anything reaching the container but published ports",
	.kind = BX_KIND_NETWORK,
	.default_on = true,
	.options = network_opts,
	.free_conf = free_conf,
	.finalize = finalize,
	.probe = probe,
	.prepare = prepare,
	.parent_setup = parent_setup,
	.exec_parent = exec_parent,
	.teardown = teardown,
};
