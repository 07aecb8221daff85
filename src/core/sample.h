/* Live figures of one container: what `boxlab stats` prints and the
 * dashboard draws, sampled in one place. */
#ifndef BX_SAMPLE_H
#define BX_SAMPLE_H

#include "core/err.h"
#include "core/state.h"
#include "modules/module.h"

/* Every enabled module's stats hook, plus network bytes from the
 * container's init (/proc/PID/net/dev without lo; 0 when it shares the
 * host's network namespace).  Fails when the container is not running
 * or paused.  Counters are cumulative: CPU % is the cpu_ns difference
 * of two samples over their sampled_us difference. */
int bx_sample(const char *name, struct bx_stats *out, bx_err_t *err);
/* The same from a state already read. */
int bx_sample_of(const struct bx_state *st, struct bx_stats *out, bx_err_t *err);

/* NAME's state.json, as bx_state_read() reads it; after
 * bx_sample_keep_open() kept parsed while the file stays the same.  The
 * result is *own (bx_state_free it) or a kept one (leave it), or NULL
 * with *err set. */
const struct bx_state *bx_sample_state(const char *name, struct bx_state *own, bx_err_t *err);

/* For processes that sample again and again (stats, the dashboard):
 * keep the cgroup files open between samples (see bx_cg_read_cache). */
void bx_sample_keep_open(void);

/* Parse /proc/PID/net/dev text: bytes and packets received and sent
 * (net_rx, net_tx, net_rx_packets, net_tx_packets), lo left out. */
void bx_sample_netdev(const char *text, struct bx_stats *out);

#endif
