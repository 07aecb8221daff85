/* The module registry.  The position in this table is the setup order:
 * the user namespace first (everything after runs as container root),
 * then the namespaces, the mount namespace before the root filesystem
 * (propagation must be private before anything is mounted), and the
 * security modules last, seccomp the very last.  Reading this table top
 * to bottom is reading how a container is made. */
#include "modules/module.h"
#include "core/timeline.h"
#include "util/xalloc.h"

#include <string.h>

extern const struct bx_module bx_module_user, bx_module_pid, bx_module_net, bx_module_ipc, bx_module_uts,
	bx_module_cgroupns, bx_module_mnt, bx_module_rootfs;
extern const struct bx_module bx_module_caps, bx_module_nnp, bx_module_seccomp;
extern const struct bx_module bx_module_network;
extern const struct bx_module bx_module_checkpoint;
extern const struct bx_module bx_module_memory, bx_module_cpu, bx_module_pids, bx_module_io, bx_module_devices,
	bx_module_freezer;

const struct bx_module *const bx_modules[] = {
	&bx_module_user,
	&bx_module_pid,
	&bx_module_net,
	&bx_module_uts,
	/* The cgroup modules attach the child in parent_setup, before
	 * cgroupns unshares (late) in child_setup: the namespace is then
	 * rooted at the container's own cgroup.  freezer last, so its
	 * teardown comes first and thaws before the others kill. */
	&bx_module_memory,
	&bx_module_cpu,
	&bx_module_pids,
	&bx_module_io,
	&bx_module_devices,
	&bx_module_freezer,
	&bx_module_cgroupns, /* before any mount, so cgroupfs shows its view */
	&bx_module_mnt,
	&bx_module_rootfs,
	&bx_module_checkpoint, /* right after rootfs: a restore refills the new
				  upper layer before anything opens a path in it */
	&bx_module_ipc,      /* mounts /dev/mqueue inside the new root */
	&bx_module_network,  /* after rootfs: binds /etc/hosts into the new root
				(the veth itself is made in parent_setup) */
	&bx_module_caps,     /* security last: bounding set, then no_new_privs, */
	&bx_module_nnp,
	&bx_module_seccomp,  /* and the syscall filter the very last */
	NULL,
};

size_t bx_module_count(void)
{
	return sizeof bx_modules / sizeof bx_modules[0] - 1;
}

int bx_module_index(const char *name)
{
	for (size_t i = 0; bx_modules[i]; i++)
		if (!strcmp(bx_modules[i]->name, name))
			return (int)i;
	return -1;
}

const struct bx_module *bx_module_find(const char *name)
{
	int i = bx_module_index(name);
	return i < 0 ? NULL : bx_modules[i];
}

bool bx_box_has(const struct bx_box *box, const char *module)
{
	int i = bx_module_index(module);
	return i >= 0 && box->spec->modules[i];
}

char **bx_module_names_on(const struct bx_spec *spec)
{
	char **v = xzalloc(sizeof *v);
	for (size_t i = 0; bx_modules[i]; i++)
		if (spec->modules[i])
			strv_push(&v, bx_modules[i]->name);
	return v;
}

char *bx_module_names(void)
{
	char **v = NULL;
	for (size_t i = 0; bx_modules[i]; i++)
		strv_push(&v, bx_modules[i]->name);
	char *s = strv_join(v, ", ");
	strv_free(v);
	return s;
}

void bx_module_off_warnings(const struct bx_spec *spec, struct bx_timeline *tl)
{
	for (size_t i = 0; bx_modules[i]; i++) {
		if (spec->modules[i] || !bx_modules[i]->off_warning)
			continue;
		if (tl)
			bx_tl_event(tl, bx_modules[i]->name, "off", 0, "WARNING: %s", bx_modules[i]->off_warning);
		else
			bx_warn("%s", bx_modules[i]->off_warning);
	}
}

void bx_module_switches(char *const *names, bool *on)
{
	for (size_t i = 0; names && names[i]; i++) {
		int idx = bx_module_index(names[i]);
		if (idx >= 0)
			on[idx] = true;
	}
}
