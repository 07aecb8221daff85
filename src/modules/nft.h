/* nf_tables over netlink: boxlab's one table, `ip boxlab`, which turns
 * published ports into DNAT.  What it holds (`nft list table ip boxlab`
 * shows the same):
 *
 *   map ports_addr  host address . protocol . port : container address . port
 *   map ports_any   protocol . port : container address . port   (-p without HOSTIP)
 *   set bridges     ifname . ifname: every boxlab bridge, twice
 *   chain prerouting  nat, dstnat   to a host address (fib daddr type local): DNAT by the maps
 *   chain output      nat, -100     the same for the host's own connections, but not to 127/8
 *   chain forward     filter, 0     the bridges route DNAT'ed connections only:
 *       ct status dnat accept; iifname . oifname @bridges accept (bridged, br_netfilter);
 *       iifname/oifname boxlab0 or bxn-* drop
 *
 * Why raw netlink and not libnftables: Debian's libnftables-dev has no
 * static archive (boxlab links statically), nor has libmnl-dev for
 * libnftnl.  The messages are built with libnl-3, which boxlab links for
 * rtnetlink already; they are the ones `nft --debug=netlink` prints for
 * the rules above.
 *
 * The callers hold network_dnat.c's lock: nothing here is atomic across
 * calls. */
#ifndef BX_NFT_H
#define BX_NFT_H

#include "core/err.h"
#include "modules/network.h"

#include <stdbool.h>
#include <stdint.h>

#define BX_NFT_TABLE "boxlab"

/* 1 when the table exists, 0 when not, -1 on error (no nf_tables). */
int bx_nft_present(bx_err_t *err);
/* The table, its maps and chains, in one transaction; bridges (a NULL-
 * ended list) go into the bridges set.  EEXIST when it exists. */
int bx_nft_install(char *const *bridges, bx_err_t *err);
int bx_nft_remove(bx_err_t *err);
/* One published port: its element in ports_addr or ports_any, replacing
 * a stale one with the same key (a crashed container's: the caller
 * holds the host port now). */
int bx_nft_port_add(const struct bx_port *p, uint32_t ctr_ip, bx_err_t *err);
/* Remove it only while it still leads to ctr_ip: another container may
 * have the port by now.  0 also when it is gone. */
int bx_nft_port_del(const struct bx_port *p, uint32_t ctr_ip, bx_err_t *err);
/* 1 when both maps are empty. */
int bx_nft_ports_empty(bx_err_t *err);
int bx_nft_bridge(const char *bridge, bool add, bx_err_t *err);
/* What a port becomes: does -p p take the DNAT path at all?  Ports on
 * 127/8 do not: the proxy serves them (network_proxy.c). */
bool bx_nft_port_dnat(const struct bx_port *p);

#endif
