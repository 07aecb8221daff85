/* rtnetlink through libnl-route-3 (see netlink.h). */
#include "modules/netlink.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

/* libnl reports its own codes (NLE_*), not errno: name the failure
 * with its text. */
static int nl_fail(bx_err_t *err, int nle, const char *what, const char *obj)
{
	return bx_make_error(err, 0, "network: %s %s: %s", what, obj, nl_geterror(nle < 0 ? -nle : nle));
}

struct nl_sock *bx_nl_open(int netns_fd, bx_err_t *err)
{
	return bx_nl_open_proto(NETLINK_ROUTE, netns_fd, err);
}

struct nl_sock *bx_nl_open_proto(int protocol, int netns_fd, bx_err_t *err)
{
	cleanup_close int self = -1;
	struct nl_sock *sk = nl_socket_alloc();
	int ret;
	if (!sk) {
		bx_make_error(err, ENOMEM, "network: cannot allocate a netlink socket");
		return NULL;
	}
	if (netns_fd >= 0) {
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0 || setns(netns_fd, CLONE_NEWNET) < 0) {
			bx_make_error(err, errno, "network: cannot enter the container's network namespace");
			nl_socket_free(sk);
			return NULL;
		}
	}
	ret = nl_connect(sk, protocol);
	/* Back at once: everything after this runs in the host's namespace,
	 * and staying in the wrong one would make the next veth there. */
	if (netns_fd >= 0 && setns(self, CLONE_NEWNET) < 0) {
		fprintf(stderr, "boxlab: network: cannot return to the host's network namespace: %s\n",
			strerror(errno));
		abort();
	}
	if (ret < 0) {
		nl_fail(err, ret, "cannot open a", "netlink socket");
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

void bx_nl_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk);
}

static struct nl_addr *addr4(uint32_t ip, unsigned prefix)
{
	uint32_t be = htonl(ip);
	struct nl_addr *a = nl_addr_build(AF_INET, &be, sizeof be);
	if (!a)
		abort(); /* out of memory, as xmalloc does */
	nl_addr_set_prefixlen(a, (int)prefix);
	return a;
}

static int get_link(struct nl_sock *sk, int ifindex, const char *name, struct rtnl_link **out)
{
	*out = NULL;
	return rtnl_link_get_kernel(sk, ifindex, name, out);
}

int bx_nl_link_index(struct nl_sock *sk, const char *name, bx_err_t *err)
{
	struct rtnl_link *l;
	int ret = get_link(sk, 0, name, &l);
	if (ret == -NLE_OBJ_NOTFOUND || ret == -NLE_NODEV)
		return 0;
	if (ret < 0)
		return nl_fail(err, ret, "cannot look up link", name);
	int idx = rtnl_link_get_ifindex(l);
	rtnl_link_put(l);
	return idx;
}

char *bx_nl_link_kind(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *l;
	if (get_link(sk, 0, name, &l) < 0)
		return NULL;
	char *kind = rtnl_link_get_type(l) ? xstrdup(rtnl_link_get_type(l)) : NULL;
	rtnl_link_put(l);
	return kind;
}

char *bx_nl_link_name(struct nl_sock *sk, int ifindex)
{
	struct rtnl_link *l;
	if (ifindex <= 0 || get_link(sk, ifindex, NULL, &l) < 0)
		return NULL;
	char *name = xstrdup(rtnl_link_get_name(l));
	rtnl_link_put(l);
	return name;
}

int bx_nl_bridge_create(struct nl_sock *sk, const char *name, bx_err_t *err)
{
	unsigned char mac[6];
	if (getrandom(mac, sizeof mac, 0) != sizeof mac)
		return bx_make_error(err, errno, "network: cannot get random bytes for the MAC of %s", name);
	mac[0] = (mac[0] & 0xfe) | 0x02; /* unicast, locally administered */
	struct rtnl_link *l = rtnl_link_bridge_alloc();
	struct nl_addr *a = nl_addr_build(AF_LLC, mac, sizeof mac);
	if (!l || !a)
		abort();
	rtnl_link_set_name(l, name);
	rtnl_link_set_addr(l, a);
	rtnl_link_set_flags(l, IFF_UP);
	int ret = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
	nl_addr_put(a);
	rtnl_link_put(l);
	if (ret < 0)
		return nl_fail(err, ret, "cannot create bridge", name);
	return 0;
}

int bx_nl_link_delete(struct nl_sock *sk, int ifindex, const char *name, bx_err_t *err)
{
	struct rtnl_link *l;
	int ret = get_link(sk, ifindex, NULL, &l);
	if (ret == -NLE_OBJ_NOTFOUND || ret == -NLE_NODEV)
		return 0;
	if (ret < 0)
		return nl_fail(err, ret, "cannot look up link", name);
	bool ours = !strcmp(rtnl_link_get_name(l), name);
	if (ours)
		ret = rtnl_link_delete(sk, l);
	rtnl_link_put(l);
	/* Gone meanwhile (its namespace died and took the pair along). */
	if (ret < 0 && ret != -NLE_OBJ_NOTFOUND && ret != -NLE_NODEV)
		return nl_fail(err, ret, "cannot delete link", name);
	return 0;
}

int bx_nl_veth_create(struct nl_sock *sk, const char *name, int master, const char *peer_name, pid_t pid,
		      bx_err_t *err)
{
	struct rtnl_link *l = rtnl_link_veth_alloc();
	if (!l)
		abort();
	struct rtnl_link *peer = rtnl_link_veth_get_peer(l);
	rtnl_link_set_name(l, name);
	rtnl_link_set_master(l, master);
	rtnl_link_set_flags(l, IFF_UP);
	/* Not the peer's IFF_UP: it is opened before the pair is joined,
	 * and veth_open() refuses a device without a peer (ENOTCONN). */
	rtnl_link_set_name(peer, peer_name);
	rtnl_link_set_ns_pid(peer, pid);
	int ret = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(peer); /* the reference get_peer took */
	rtnl_link_put(l);
	if (ret == -NLE_EXIST)
		return -EEXIST;
	if (ret < 0)
		return nl_fail(err, ret, "cannot create veth", name);
	int idx = bx_nl_link_index(sk, name, err);
	if (idx == 0)
		return bx_make_error(err, ENODEV, "network: veth %s vanished right after its creation", name);
	return idx;
}

int bx_nl_link_up(struct nl_sock *sk, int ifindex, bx_err_t *err)
{
	struct rtnl_link *l = rtnl_link_alloc(), *change = rtnl_link_alloc();
	if (!l || !change)
		abort();
	rtnl_link_set_ifindex(l, ifindex);
	rtnl_link_set_flags(change, IFF_UP);
	int ret = rtnl_link_change(sk, l, change, 0);
	rtnl_link_put(l);
	rtnl_link_put(change);
	if (ret < 0) {
		char what[16];
		snprintf(what, sizeof what, "%d", ifindex);
		return nl_fail(err, ret, "cannot bring up link", what);
	}
	return 0;
}

int bx_nl_addr_add(struct nl_sock *sk, int ifindex, uint32_t ip, unsigned prefix, bx_err_t *err)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = addr4(ip, prefix);
	if (!a)
		abort();
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_family(a, AF_INET);
	rtnl_addr_set_local(a, local);
	int ret = rtnl_addr_add(sk, a, NLM_F_CREATE | NLM_F_EXCL);
	nl_addr_put(local);
	rtnl_addr_put(a);
	if (ret < 0 && ret != -NLE_EXIST) {
		char ips[16], what[40];
		bx_ip_format(ip, ips);
		snprintf(what, sizeof what, "%s/%u", ips, prefix);
		return nl_fail(err, ret, "cannot add address", what);
	}
	return 0;
}

int bx_nl_addr_get(struct nl_sock *sk, int ifindex, struct bx_subnet *out, uint32_t *ip, bx_err_t *err)
{
	struct nl_cache *cache;
	int ret = rtnl_addr_alloc_cache(sk, &cache);
	if (ret < 0)
		return nl_fail(err, ret, "cannot list", "addresses");
	int found = 0;
	for (struct nl_object *o = nl_cache_get_first(cache); o && !found; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *local = rtnl_addr_get_local(a);
		if (rtnl_addr_get_ifindex(a) != ifindex || rtnl_addr_get_family(a) != AF_INET || !local)
			continue;
		uint32_t be;
		memcpy(&be, nl_addr_get_binary_addr(local), sizeof be);
		*ip = ntohl(be);
		out->prefix = nl_addr_get_prefixlen(local);
		out->net = out->prefix ? *ip & (0xffffffffu << (32 - out->prefix)) : 0;
		found = 1;
	}
	nl_cache_free(cache);
	return found;
}

int bx_nl_route_default(struct nl_sock *sk, int ifindex, uint32_t gateway, bx_err_t *err)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = addr4(0, 0), *gw = addr4(gateway, 32);
	if (!r || !nh)
		abort();
	rtnl_route_set_family(r, AF_INET);
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_set_scope(r, RT_SCOPE_UNIVERSE);
	rtnl_route_set_protocol(r, RTPROT_BOOT);
	rtnl_route_set_dst(r, dst);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_nh_set_gateway(nh, gw);
	rtnl_route_add_nexthop(r, nh);
	int ret = rtnl_route_add(sk, r, NLM_F_CREATE | NLM_F_EXCL);
	nl_addr_put(dst);
	nl_addr_put(gw);
	rtnl_route_put(r);
	if (ret < 0) {
		char g[16];
		bx_ip_format(gateway, g);
		return nl_fail(err, ret, "cannot add the default route via", g);
	}
	return 0;
}

int bx_nl_routes(struct nl_sock *sk, struct bx_nl_route **out, size_t *n, bx_err_t *err)
{
	struct nl_cache *cache;
	int ret = rtnl_route_alloc_cache(sk, AF_INET, 0, &cache);
	*out = NULL;
	*n = 0;
	if (ret < 0)
		return nl_fail(err, ret, "cannot list", "routes");
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *r = (struct rtnl_route *)o;
		struct nl_addr *dst = rtnl_route_get_dst(r);
		/* The local table holds the host's own addresses and
		 * broadcasts, which the main table's prefixes already cover;
		 * the default route covers everything and clashes with
		 * nothing. */
		if (rtnl_route_get_table(r) == RT_TABLE_LOCAL || !dst || nl_addr_get_prefixlen(dst) == 0)
			continue;
		uint32_t be = 0;
		memcpy(&be, nl_addr_get_binary_addr(dst), sizeof be);
		*out = xrealloc(*out, (*n + 1) * sizeof **out);
		struct bx_nl_route *x = &(*out)[(*n)++];
		x->dst.prefix = nl_addr_get_prefixlen(dst);
		x->dst.net = ntohl(be) & (0xffffffffu << (32 - x->dst.prefix));
		x->oif = rtnl_route_get_nnexthops(r) > 0 ? rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(r, 0)) : 0;
	}
	nl_cache_free(cache);
	return 0;
}
