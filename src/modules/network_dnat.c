/* Published ports by nftables DNAT: when the table (nft.h) is there,
 * and what the bridges' forwarding is while it is.
 *
 * DNAT makes the host route: a connection from another namespace
 * arrives on one interface and is sent out through a bridge, and the
 * container's answers come back through it.  So while any port is
 * published, every boxlab bridge has forwarding on
 * (net.ipv4.conf.BRIDGE.forwarding = 1; ip_forward itself is never
 * touched), and the table's forward chain lets the bridges route
 * nothing but DNAT'ed connections: not to another network, not off the
 * machine.  When the last published port goes, so do the table and the
 * forwarding.  A bridge made or brought back meanwhile follows
 * (bx_dnat_bridge, from bx_network_ensure_bridge).
 *
 * From another namespace, the packet is routed on the interface it
 * arrives on too: the host must forward for that interface (its own
 * net.ipv4.conf.IF.forwarding), which boxlab leaves to whoever made it.
 * From the host itself, nothing is routed.  127.0.0.1 stays with the
 * proxy (network_proxy.c), which also holds every host port, so a port
 * in use is still refused before the container starts.
 *
 * One lock, host-wide like the table: $BOXLAB_NET_RUN_DIR/nft.lock. */
#include "modules/network.h"
#include "modules/nft.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>

static int dnat_lock(bx_err_t *err)
{
	if (bx_mkdir_p(bx_net_run_dir(), 0755, err) < 0)
		return -1;
	cleanup_free char *path = xasprintf("%s/nft.lock", bx_net_run_dir());
	return bx_net_lock_file(path, err);
}

static size_t n_dnat(const struct bx_port *p, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += bx_nft_port_dnat(&p[i]);
	return k;
}

/* Every boxlab bridge there is now: boxlab0 and bxn-*, the names the
 * forward chain guards (nft.h), read from the kernel's list of IPv4
 * interfaces, which is cheaper than loading every network. */
static char **bridges(void)
{
	char **out = NULL;
	cleanup_dir DIR *d = opendir("/proc/sys/net/ipv4/conf");
	for (struct dirent *e; d && (e = readdir(d));)
		if (!strcmp(e->d_name, BX_DEFAULT_BRIDGE) || !strncmp(e->d_name, "bxn-", 4))
			strv_push(&out, e->d_name);
	return out;
}

static int forwarding_all(bool on, bx_err_t *err)
{
	char **b = bridges();
	int ret = 0;
	for (size_t i = 0; b && b[i] && ret == 0; i++)
		ret = bx_bridge_forwarding(b[i], on, err);
	strv_free(b);
	return ret;
}

int bx_dnat_publish(const struct bx_port *p, size_t n, uint32_t ctr_ip, bx_err_t *err)
{
	size_t k = n_dnat(p, n);
	if (!k)
		return 0;
	cleanup_close int lock = dnat_lock(err);
	if (lock < 0)
		return -1;
	int present = bx_nft_present(err);
	if (present < 0)
		return -1;
	if (!present) {
		char **b = bridges();
		int ret = bx_nft_install(b, err);
		strv_free(b);
		/* the forward chain first, then the forwarding it guards */
		if (ret < 0 || forwarding_all(true, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (bx_nft_port_dnat(&p[i]) && bx_nft_port_add(&p[i], ctr_ip, err) < 0)
			return -1;
	return (int)k;
}

void bx_dnat_unpublish(const struct bx_port *p, size_t n, uint32_t ctr_ip)
{
	bx_err_t tmp = NULL;
	if (!n_dnat(p, n))
		return;
	cleanup_close int lock = dnat_lock(&tmp);
	if (lock < 0 || bx_nft_present(&tmp) <= 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (bx_nft_port_dnat(&p[i]) && bx_nft_port_del(&p[i], ctr_ip, &tmp) < 0)
			goto out;
	if (bx_nft_ports_empty(&tmp) == 1) {
		/* the forwarding first, then its guard */
		if (forwarding_all(false, &tmp) == 0)
			bx_nft_remove(&tmp);
	}
out:
	if (tmp)
		bx_warn("%s", tmp->msg);
	bx_error_release(&tmp);
}

int bx_dnat_bridge(const char *bridge, bx_err_t *err)
{
	cleanup_close int lock = dnat_lock(err);
	if (lock < 0)
		return -1;
	/* No nf_tables at all: no published port can be DNAT'ed, so the
	 * bridge must not route either. */
	bx_err_t tmp = NULL;
	int present = bx_nft_present(&tmp);
	bx_error_release(&tmp);
	if (present > 0)
		return bx_nft_bridge(bridge, true, err) < 0 ? -1 : bx_bridge_forwarding(bridge, true, err);
	/* Every bridge, not only this one: a table flushed from outside
	 * (nft flush ruleset) leaves forwarding on with no guard. */
	return bx_bridge_forwarding(bridge, false, err) < 0 ? -1 : forwarding_all(false, err);
}

void bx_dnat_bridge_gone(const char *bridge)
{
	bx_err_t tmp = NULL;
	cleanup_close int lock = dnat_lock(&tmp);
	if (lock >= 0 && bx_nft_present(&tmp) == 1 && bx_nft_bridge(bridge, false, &tmp) < 0 &&
	    bx_error_errno(tmp) == ENOENT)
		bx_error_release(&tmp);
	if (tmp)
		bx_warn("%s", tmp->msg);
	bx_error_release(&tmp);
}
