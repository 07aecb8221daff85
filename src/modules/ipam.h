/* IPAM: the IPv4 subnets of boxlab's networks and which container holds
 * which address in them.
 *
 * A subnet is the network address and a prefix length; the first host
 * address is the bridge's (the containers' gateway), the others go to
 * containers.  The leases of a network are one JSON file next to its
 * definition, read and rewritten (atomically, by rename) under an flock
 * of the network's lock file, so two `boxlab run` never hand out one
 * address twice.  A lease is keyed by the container's state dir: unique
 * across every BOXLAB_RUN_DIR on the host, and gone after a reboot or a
 * lost container, which is how stale leases are found (bx_ipam_reclaim).
 *
 * The parsing and allocation here do no I/O but the load and save, so
 * tests/unit/test_ipam.c covers them without root. */
#ifndef BX_IPAM_H
#define BX_IPAM_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BX_SUBNET_MIN_PREFIX 8  /* larger networks are a typo, not a plan */
#define BX_SUBNET_MAX_PREFIX 30 /* the gateway and at least one container */

struct bx_subnet {
	uint32_t net; /* network address, host byte order */
	unsigned prefix;
};

/* "10.88.0.0/16".  Host bits set, a prefix outside 8..30 or anything
 * that is not a dotted quad is a usage error naming what is allowed. */
int bx_subnet_parse(const char *s, struct bx_subnet *out, bx_err_t *err);
char *bx_subnet_format(const struct bx_subnet *s);
bool bx_subnet_overlap(const struct bx_subnet *a, const struct bx_subnet *b);
bool bx_subnet_contains(const struct bx_subnet *s, uint32_t ip);
uint32_t bx_subnet_gateway(const struct bx_subnet *s);
uint32_t bx_subnet_broadcast(const struct bx_subnet *s);
/* Addresses containers can get: all hosts but the gateway. */
uint32_t bx_subnet_capacity(const struct bx_subnet *s);

int bx_ip_parse(const char *s, uint32_t *out); /* dotted quad only; -1 if not */
void bx_ip_format(uint32_t ip, char buf[16]);

struct bx_lease {
	uint32_t ip;
	char *key;        /* the container's state dir */
	char *name;       /* container name, for /etc/hosts of its peers */
	char *hostname;   /* its --hostname, or NULL */
	char **add_hosts; /* its --add-host NAME:IP entries, or NULL */
};

struct bx_leases {
	struct bx_lease *v;
	size_t n;
	uint32_t next; /* where the next search starts: addresses are not
			  reused at once, so a peer's ARP cache entry for a
			  gone container cannot send to its successor */
};

/* Take an address for `lease` (whose ip is ignored; key, name,
 * hostname and add_hosts are copied).  Fails when the key already holds
 * one or the subnet is full. */
int bx_ipam_alloc(struct bx_leases *l, const struct bx_subnet *s, const struct bx_lease *lease, uint32_t *ip,
		  bx_err_t *err);
/* Give back the address of key; false when it held none. */
bool bx_ipam_release(struct bx_leases *l, const char *key);
const struct bx_lease *bx_ipam_find(const struct bx_leases *l, const char *key);
/* Drop the leases whose owner is gone (alive(key) false); returns how
 * many. */
size_t bx_ipam_reclaim(struct bx_leases *l, bool (*alive)(const char *key));
void bx_leases_free(struct bx_leases *l);

/* A missing file is an empty set of leases. */
int bx_leases_load(const char *path, struct bx_leases *l, bx_err_t *err);
int bx_leases_save(const char *path, const struct bx_leases *l, bx_err_t *err);

#endif
