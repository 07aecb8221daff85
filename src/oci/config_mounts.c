/* config.json's mounts: mount(8)-style options split into the flags
 * mount(2) takes, the propagation, and the data for the file system. */
#include "oci/config_json.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

static const struct {
	const char *name;
	bool clear;
	unsigned long flag;
} mount_flags[] = {
	{"ro", false, MS_RDONLY},      {"rw", true, MS_RDONLY},	       {"nosuid", false, MS_NOSUID},
	{"suid", true, MS_NOSUID},     {"nodev", false, MS_NODEV},     {"dev", true, MS_NODEV},
	{"noexec", false, MS_NOEXEC},  {"exec", true, MS_NOEXEC},      {"sync", false, MS_SYNCHRONOUS},
	{"async", true, MS_SYNCHRONOUS}, {"dirsync", false, MS_DIRSYNC}, {"remount", false, MS_REMOUNT},
	{"mand", false, MS_MANDLOCK},  {"nomand", true, MS_MANDLOCK},  {"atime", true, MS_NOATIME},
	{"noatime", false, MS_NOATIME}, {"diratime", true, MS_NODIRATIME}, {"nodiratime", false, MS_NODIRATIME},
	{"relatime", false, MS_RELATIME}, {"norelatime", true, MS_RELATIME}, {"strictatime", false, MS_STRICTATIME},
	{"nostrictatime", true, MS_STRICTATIME}, {"bind", false, MS_BIND}, {"rbind", false, MS_BIND | MS_REC},
	{"defaults", false, 0},
};

static const struct {
	const char *name;
	unsigned long flag;
} propagations[] = {
	{"private", MS_PRIVATE},	 {"rprivate", MS_PRIVATE | MS_REC},	{"shared", MS_SHARED},
	{"rshared", MS_SHARED | MS_REC}, {"slave", MS_SLAVE},		{"rslave", MS_SLAVE | MS_REC},
	{"unbindable", MS_UNBINDABLE},	 {"runbindable", MS_UNBINDABLE | MS_REC},
};

int bx_oci_propagation(const char *name, unsigned long *out)
{
	for (size_t i = 0; i < N_ELEMENTS(propagations); i++)
		if (!strcmp(name, propagations[i].name)) {
			*out = propagations[i].flag;
			return 0;
		}
	return -1;
}

void bx_oci_mount_options(char *const *opts, struct bx_oci_mount *m)
{
	cleanup_free char *data = NULL;
	for (size_t i = 0; opts && opts[i]; i++) {
		const char *o = opts[i];
		bool known = false;
		for (size_t k = 0; k < N_ELEMENTS(mount_flags); k++)
			if (!strcmp(o, mount_flags[k].name)) {
				if (mount_flags[k].clear) {
					m->flags &= ~mount_flags[k].flag;
					m->clear |= mount_flags[k].flag;
				} else {
					m->flags |= mount_flags[k].flag;
				}
				known = true;
			}
		unsigned long prop;
		if (!known && bx_oci_propagation(o, &prop) == 0) {
			m->propagation = prop;
			known = true;
		}
		/* idmapped and recursive-attribute options (rro, ...) have no
		 * flag here: handed to the filesystem, which refuses them
		 * with the kernel's own error. */
		if (known || !strcmp(o, "tmpcopyup"))
			continue;
		char *d = data ? xasprintf("%s,%s", data, o) : xstrdup(o);
		free(data);
		data = d;
	}
	if (m->flags & MS_BIND)
		m->bind = true;
	m->data = steal_pointer(&data);
}

int bx_oci_parse_mounts(json_t *root, struct bx_oci_config *c, bx_err_t *err)
{
	int fail = 0;
	json_t *arr = bx_oj_get_arr(root, "mounts", "", err, &fail), *e;
	size_t i;
	if (!arr)
		return fail;
	c->mounts = xzalloc((json_array_size(arr) + 1) * sizeof *c->mounts);
	json_array_foreach(arr, i, e) {
		char path[64];
		snprintf(path, sizeof path, "mounts[%zu]", i);
		if (!json_is_object(e))
			return bx_oj_bad(err, path, "must be an object");
		struct bx_oci_mount *m = &c->mounts[c->nmounts++];
		cleanup_strv char **opts = NULL;
		if (bx_oj_get_str(e, "destination", path, &m->dest, err) < 0 || bx_oj_get_str(e, "type", path, &m->type, err) < 0 ||
		    bx_oj_get_str(e, "source", path, &m->source, err) < 0 || bx_oj_get_strv(e, "options", path, &opts, err) < 0)
			return -1;
		if (!m->dest || m->dest[0] != '/') {
			cleanup_free char *p = xasprintf("%s.destination", path);
			return bx_oj_bad(err, p, "must be an absolute path in the container");
		}
		if (bx_oj_refuse(e, "uidMappings", path, "idmapped mounts", err) < 0 ||
		    bx_oj_refuse(e, "gidMappings", path, "idmapped mounts", err) < 0)
			return -1;
		bx_oci_mount_options(opts, m);
		if (!m->type && !m->bind) {
			cleanup_free char *p = xasprintf("%s.type", path);
			return bx_oj_bad(err, p, "is needed unless the options hold bind or rbind");
		}
		if (!m->type)
			m->type = xstrdup("none");
		if (!strcmp(m->type, "bind"))
			m->bind = true, m->flags |= MS_BIND;
		if (!m->source)
			m->source = xstrdup(m->type);
	}
	return 0;
}

