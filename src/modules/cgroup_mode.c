/* The one place that decides between the cgroup backends. */
#include "modules/cgroup_mode.h"
#include "modules/cgroup.h"
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

const char *bx_cgroup_backend_name(enum bx_cgroup_mode m)
{
	switch (m) {
	case BX_CGROUP_UNIFIED: return "v2: one tree, " BX_CGROUP_ROOT "/boxlab/NAME";
	case BX_CGROUP_LEGACY:
	case BX_CGROUP_HYBRID: return "v1: one hierarchy per controller, " BX_CGROUP_ROOT "/CONTROLLER/boxlab/NAME";
	default: return "none: no cgroup file system at " BX_CGROUP_ROOT;
	}
}

int bx_cg_host(struct bx_cg *cg, const char *name, bx_err_t *err)
{
	/* The mount does not change under a running boxlab: one statfs. */
	static enum bx_cgroup_mode mode = BX_CGROUP_UNKNOWN;
	if (mode == BX_CGROUP_UNKNOWN)
		mode = bx_cgroup_mode(BX_CGROUP_ROOT);
	cg->root = BX_CGROUP_ROOT;
	cg->name = name;
	cg->fs = &bx_cg_real_fs;
	switch (mode) {
	case BX_CGROUP_UNIFIED:
		cg->ops = &cg_v2_ops;
		return 0;
	case BX_CGROUP_LEGACY:
	case BX_CGROUP_HYBRID:
		cg->ops = &cg_v1_ops;
		return 0;
	default:
		cg->ops = NULL;
		return bx_make_error(err, 0, "no cgroup file system is mounted at %s (mount cgroup2 there, or switch "
				     "the cgroup modules off: --no-memory --no-cpu --no-pids --no-io --no-devices "
				     "--no-freezer)", BX_CGROUP_ROOT);
	}
}
