/* rtnetlink, through libnl-route-3: the few link, address and route
 * operations the network module needs, each returning boxlab's errors.
 *
 * Why libnl and not libmnl: Debian's libmnl-dev ships no static archive
 * (libmnl.a), and boxlab links statically (Makefile STATIC); libnl-3-dev
 * and libnl-route-3-dev do.  Never `ip`: a fork and exec per step would
 * cost more than the whole network setup, and parsing its output is
 * not an interface.
 *
 * A socket belongs to the network namespace it was created in, for its
 * whole life (netlink(7)): bx_nl_open(fd) creates one inside another
 * namespace by entering it for the socket() call only, which is how the
 * parent configures a container's eth0 without running code in it. */
#ifndef BX_NETLINK_H
#define BX_NETLINK_H

#include "core/err.h"
#include "modules/ipam.h"

#include <stdint.h>
#include <sys/types.h>

struct nl_sock;

/* netns_fd: an open /proc/PID/ns/net, or -1 for the caller's own. */
struct nl_sock *bx_nl_open(int netns_fd, bx_err_t *err);
/* Another netlink protocol (NETLINK_NETFILTER for nft.c). */
struct nl_sock *bx_nl_open_proto(int protocol, int netns_fd, bx_err_t *err);
void bx_nl_close(struct nl_sock *sk);

/* ifindex of the link called name: > 0, 0 when there is none, < 0 on
 * error. */
int bx_nl_link_index(struct nl_sock *sk, const char *name, bx_err_t *err);
/* Its kind ("bridge", "veth", ...); NULL when unknown or absent. */
char *bx_nl_link_kind(struct nl_sock *sk, const char *name);
/* Name of ifindex, or NULL when there is no such link. */
char *bx_nl_link_name(struct nl_sock *sk, int ifindex);

/* A bridge, up, with a random locally administered MAC (a bridge
 * otherwise takes the lowest MAC of its ports, so the containers'
 * gateway would change address as containers come and go). */
int bx_nl_bridge_create(struct nl_sock *sk, const char *name, bx_err_t *err);
/* Delete the link ifindex only while it is still called name: an index
 * is reused, a name may be given to another container's link. */
int bx_nl_link_delete(struct nl_sock *sk, int ifindex, const char *name, bx_err_t *err);

/* A veth pair in one request: host end `name` in the caller's namespace,
 * enslaved to master and up; peer `peer` created directly inside the
 * network namespace of pid, still down (bx_nl_link_up it there).  Returns the host end's ifindex.
 * -EEXIST (with *err untouched) when `name` is taken. */
int bx_nl_veth_create(struct nl_sock *sk, const char *name, int master, const char *peer, pid_t pid,
		      bx_err_t *err);

int bx_nl_link_up(struct nl_sock *sk, int ifindex, bx_err_t *err);
/* Add ip/prefix to ifindex; an address already there is not an error. */
int bx_nl_addr_add(struct nl_sock *sk, int ifindex, uint32_t ip, unsigned prefix, bx_err_t *err);
/* The first IPv4 address of ifindex, 0 when it has none. */
int bx_nl_addr_get(struct nl_sock *sk, int ifindex, struct bx_subnet *out, uint32_t *ip, bx_err_t *err);
int bx_nl_route_default(struct nl_sock *sk, int ifindex, uint32_t gateway, bx_err_t *err);

/* The IPv4 destinations of the host's routes (every table but local,
 * no default route), with their output link, for picking subnets that
 * clash with nothing. */
struct bx_nl_route {
	struct bx_subnet dst;
	int oif;
};
int bx_nl_routes(struct nl_sock *sk, struct bx_nl_route **out, size_t *n, bx_err_t *err);

#endif
