#include "modules/cgroup_mode.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <linux/magic.h>
#include <sys/vfs.h>

enum bx_cgroup_mode bx_cgroup_mode(const char *root)
{
	struct statfs fs;
	if (statfs(root, &fs) < 0)
		return BX_CGROUP_UNKNOWN;
	if (fs.f_type == CGROUP2_SUPER_MAGIC)
		return BX_CGROUP_UNIFIED;
	if (fs.f_type != TMPFS_MAGIC)
		return BX_CGROUP_UNKNOWN;
	cleanup_free char *unified = xasprintf("%s/unified", root);
	if (statfs(unified, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
		return BX_CGROUP_HYBRID;
	return BX_CGROUP_LEGACY;
}

const char *bx_cgroup_mode_name(enum bx_cgroup_mode m)
{
	static const char *const names[] = {"unknown", "v1 (legacy)", "hybrid (v1 controllers, v2 unified tree)",
					    "v2 (unified)"};
	return names[m];
}
