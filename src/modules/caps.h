/* Capability sets of the caps module, as bit masks (bit n = CAP_n), and
 * their names: shared with the seccomp module (Docker profiles make
 * rules depend on capabilities) and the unit tests. */
#ifndef BX_CAPS_H
#define BX_CAPS_H

#include "core/err.h"
#include "core/spec.h"

#include <stdbool.h>
#include <stdint.h>

#define BX_CAPS_ALL_BIT (1ULL << 63) /* "ALL" inside an add/drop list */

/* The highest capability this kernel knows (cap_last_cap). */
unsigned bx_caps_last(void);
uint64_t bx_caps_all(void);
uint64_t bx_caps_docker_default(void);

/* "NET_RAW", "cap_net_raw", "CAP_NET_RAW" -> its number; -1 unknown. */
int bx_caps_from_name(const char *name);
/* "CAP_NET_RAW" (static storage). */
const char *bx_caps_name(unsigned cap);
/* A list of names separated by spaces or commas, "ALL" allowed; the
 * error names the bad word and the allowed ones. */
int bx_caps_parse_list(const char *list, uint64_t *mask, bx_err_t *err);
/* "CAP_CHOWN CAP_KILL ..." in number order; "" for none. */
char *bx_caps_format(uint64_t mask);

/* Docker's arithmetic (moby oci/caps TweakCapabilities): add ALL means
 * everything but the drops, drop ALL means only the adds, otherwise the
 * base minus the drops plus the adds. */
uint64_t bx_caps_resolve(uint64_t base, uint64_t add, uint64_t drop);

/* The set a container made from this spec gets: its caps settings, or
 * every capability when the caps module is off. */
uint64_t bx_caps_of_spec(struct bx_spec *s);

#endif
