/* The network module's shared parts: networks (a bridge and a subnet,
 * kept in $BOXLAB_NET_DIR), /etc/hosts of their containers, published
 * ports and their proxy.  network.c is the module, src/cli/network.c the
 * `boxlab network` command.
 *
 * Where networks live: $BOXLAB_NET_DIR, default /var/lib/boxlab/networks,
 * deliberately not under $BOXLAB_LIB_DIR or the run dir.  A bridge is a
 * host-wide kernel object: every boxlab on the host, whatever image
 * library (BOXLAB_LIB_DIR) or state dir (BOXLAB_RUN_DIR) it uses, puts
 * its containers on the one boxlab0, so their address leases must be one
 * file too or two of them would hand out one address twice.  It is
 * under /var/lib because user-made networks are configuration that
 * outlives a reboot.  Their leases are not: they live on tmpfs in
 * $BOXLAB_NET_RUN_DIR (default /run/boxlab-networks), host-wide for the
 * same reason, gone with the veths at a reboot, and written without the
 * journal commits of a disk file system on every container start.  A
 * lease whose container state dir is gone is reclaimed all the same.
 *
 *   $BOXLAB_NET_DIR/.lock                  flock: create and rm of networks
 *   $BOXLAB_NET_DIR/NAME/network.json      bridge, subnet, when made
 *   $BOXLAB_NET_RUN_DIR/NAME/leases.json   address -> container state dir
 *   $BOXLAB_NET_RUN_DIR/NAME/lock          flock: the leases and hosts files
 */
#ifndef BX_NETWORK_H
#define BX_NETWORK_H

#include "core/err.h"
#include "core/spec.h"
#include "modules/ipam.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define BX_DEFAULT_NETWORK "boxlab"
#define BX_DEFAULT_BRIDGE "boxlab0"

struct nl_sock;

struct bx_network {
	char *name;
	char *bridge;
	struct bx_subnet subnet;
	int64_t created_us;
};

/* The run options of the module ([network] in INI). */
struct bx_port {
	uint32_t host_ip; /* 0: every address of the host */
	uint16_t host_port, ctr_port;
	int proto; /* IPPROTO_TCP or IPPROTO_UDP */
};

struct bx_network_conf {
	char *network;        /* NULL: the default network */
	char *container;      /* --net=container:NAME */
	struct bx_port *ports;
	size_t nports;
	char **add_hosts;     /* NAME:IP */
	char *default_subnet; /* for the default network, when first made */
	const char *net_off;  /* "--net=none"/"--net=host" when asked for: then
				 -p, --network and --add-host are refused, not
				 a reason to switch the bridge back on */
};

/* --net=container:NAME, from set_net (options.c) and the INI; NULL
 * clears it.  The one place the name is checked. */
int bx_network_set_container(struct bx_spec *s, const char *name, bx_err_t *err);
/* --net=none and --net=host (NULL for bridge and container:NAME). */
void bx_network_set_off(struct bx_spec *s, const char *flag);

/* network_store.c */
const char *bx_net_dir(void);
char *bx_net_path(const char *net, const char *file);
const char *bx_net_run_dir(void);
char *bx_net_run_path(const char *net, const char *file);
int bx_network_check_name(const char *name, bx_err_t *err);
/* An unknown network is a usage error that names the known ones. */
int bx_network_load(const char *name, struct bx_network *n, bx_err_t *err);
void bx_network_free(struct bx_network *n);
/* subnet NULL: pick a free /16.  Makes the bridge too. */
int bx_network_create(const char *name, const char *subnet, struct bx_network *out, bx_err_t *err);
/* Load a network; the default one is made on first use, from
 * default_subnet when given. */
int bx_network_get(const char *name, const char *default_subnet, struct bx_network *out, bx_err_t *err);
/* Refused while containers use it; takes its bridge along. */
int bx_network_remove(const char *name, bx_err_t *err);
char **bx_network_list(void); /* sorted names */
/* The bridge exists, has the gateway address, and the host will not
 * route for it; returns its ifindex. */
int bx_network_ensure_bridge(struct nl_sock *sk, const struct bx_network *n, bx_err_t *err);
/* flock of a network's lock file (the leases and hosts files).  create
 * false: -1 with errno ENOENT in *err when the network has none yet (a
 * teardown must not bring back the dir of a removed network). */
int bx_network_lock(const char *name, bool create, bx_err_t *err);
/* A lease is held while its container's state dir exists. */
bool bx_network_lease_alive(const char *key);
int bx_network_leases(const char *name, struct bx_leases *l, bx_err_t *err);

/* network_hosts.c: /etc/hosts of the containers of a network, one file
 * per container in its state dir, bind-mounted read-only. */
char *bx_hosts_render(const struct bx_network *n, const struct bx_leases *l, const struct bx_lease *self);
/* Rewrite the file of every lease; create_key's is created, the others
 * only rewritten where they still exist. */
void bx_hosts_update(const struct bx_network *n, const struct bx_leases *l, const char *create_key);
int bx_add_host_check(const char *v, bx_err_t *err);

/* network_ports.c */
int bx_port_parse(const char *s, struct bx_port *out, bx_err_t *err);
char *bx_port_format(const struct bx_port *p);
bool bx_port_clash(const struct bx_port *a, const struct bx_port *b);

/* network_proxy.c: published ports on 127.0.0.1 by a userspace proxy
 * (see there for why).  Bind every host port now, so a port in use fails the
 * container before it starts; fds gets one socket per port. */
int bx_proxy_bind(const struct bx_port *p, size_t n, int *fds, bx_err_t *err);
/* Fork the proxy; it owns fds from then on (closed here). */
pid_t bx_proxy_start(const struct bx_port *p, size_t n, int *fds, uint32_t ctr_ip, bx_err_t *err);

/* network_dnat.c: published ports by nftables DNAT (see there). */
/* The number of ports DNAT'ed (127/8 ones are not), or -1. */
int bx_dnat_publish(const struct bx_port *p, size_t n, uint32_t ctr_ip, bx_err_t *err);
void bx_dnat_unpublish(const struct bx_port *p, size_t n, uint32_t ctr_ip);
/* A bridge's forwarding and its place in the table, for ensure_bridge. */
int bx_dnat_bridge(const char *bridge, bx_err_t *err);
void bx_dnat_bridge_gone(const char *bridge);

/* network_store.c, for network_dnat.c */
int bx_net_lock_file(const char *path, bx_err_t *err); /* open, create, flock LOCK_EX */
int bx_bridge_forwarding(const char *bridge, bool on, bx_err_t *err);

/* network.c: the per-container record in its state dir. */
struct bx_net_state {
	char *mode;    /* "bridge" or "container" */
	char *network, *bridge, *key, *veth, *shared_with;
	uint32_t ip;
	int ifindex;
	pid_t proxy_pid;
	unsigned long long proxy_start;
	char **ports;
};
int bx_net_state_read(const char *dir, struct bx_net_state *s);
void bx_net_state_free(struct bx_net_state *s);
/* rx/tx of the host end of a container's veth, from the container's
 * view (the host end receives what the container sends). */
struct bx_net_counters {
	uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets;
};
int bx_net_counters(const char *veth, struct bx_net_counters *c);

#endif
