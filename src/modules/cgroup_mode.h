#ifndef BX_CGROUP_MODE_H
#define BX_CGROUP_MODE_H

/* How the host mounts cgroups (crun's libcrun_get_cgroup_mode):
 * unified: one cgroup2 tree at /sys/fs/cgroup;
 * hybrid: v1 controllers at /sys/fs/cgroup/<ctrl> and a cgroup2 tree
 *         (usually without controllers) at /sys/fs/cgroup/unified;
 * legacy: v1 only.
 * The mode picks the backend (bx_cg_host in cgroup.h): v2 for unified,
 * v1 for hybrid and legacy, where the controllers are. */
enum bx_cgroup_mode { BX_CGROUP_UNKNOWN, BX_CGROUP_LEGACY, BX_CGROUP_HYBRID, BX_CGROUP_UNIFIED };

#define BX_CGROUP_ROOT "/sys/fs/cgroup"

enum bx_cgroup_mode bx_cgroup_mode(const char *root);
const char *bx_cgroup_mode_name(enum bx_cgroup_mode m);
/* "v1: one hierarchy per controller under /sys/fs/cgroup", for check. */
const char *bx_cgroup_backend_name(enum bx_cgroup_mode m);

#endif
