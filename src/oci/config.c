/* config.json -> struct bx_oci_config.
 *
 * The runtime spec (config.md) says unknown properties MUST be ignored,
 * so only the fields the spec defines are looked at; of those, a field
 * boxlab cannot honour is an error naming its JSON path (an SELinux
 * label, an Intel RDT class ...), unless the spec lets a runtime ignore
 * it.  Every message has the shape "config.json: PATH: what is wrong
 * (what is allowed)". */
#include "oci/config_json.h"
#include "modules/cgroup.h"
#include "modules/caps.h"
#include "modules/module.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

const char *const bx_oci_hook_names[BX_HOOK_NKINDS] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

/* crun's table: spec name, /proc/PID/ns name, flag. */
static const struct {
	const char *name, *proc;
	int flag;
} namespaces[] = {
	{"pid", "pid", CLONE_NEWPID},       {"network", "net", CLONE_NEWNET}, {"mount", "mnt", CLONE_NEWNS},
	{"ipc", "ipc", CLONE_NEWIPC},       {"uts", "uts", CLONE_NEWUTS},     {"user", "user", CLONE_NEWUSER},
	{"cgroup", "cgroup", CLONE_NEWCGROUP}, {"time", "time", CLONE_NEWTIME},
};

/* User first (the others are owned by it), mount last (its paths). */
const int bx_oci_ns_order[] = {CLONE_NEWUSER, CLONE_NEWIPC,    CLONE_NEWUTS, CLONE_NEWNET, CLONE_NEWPID,
			       CLONE_NEWCGROUP, CLONE_NEWTIME, CLONE_NEWNS,  0};

int bx_oci_ns_from_name(const char *name)
{
	for (size_t i = 0; i < N_ELEMENTS(namespaces); i++)
		if (!strcmp(name, namespaces[i].name))
			return namespaces[i].flag;
	return -1;
}

const char *bx_oci_ns_proc_name(int type)
{
	for (size_t i = 0; i < N_ELEMENTS(namespaces); i++)
		if (namespaces[i].flag == type)
			return namespaces[i].proc;
	return "?";
}

static const struct {
	const char *name;
	int res;
} rlimits[] = {
	{"RLIMIT_AS", RLIMIT_AS},	    {"RLIMIT_CORE", RLIMIT_CORE},	{"RLIMIT_CPU", RLIMIT_CPU},
	{"RLIMIT_DATA", RLIMIT_DATA},	    {"RLIMIT_FSIZE", RLIMIT_FSIZE},	{"RLIMIT_LOCKS", RLIMIT_LOCKS},
	{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
	{"RLIMIT_NOFILE", RLIMIT_NOFILE},   {"RLIMIT_NPROC", RLIMIT_NPROC},	{"RLIMIT_RSS", RLIMIT_RSS},
	{"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},	{"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
	{"RLIMIT_STACK", RLIMIT_STACK},
};

int bx_oci_rlimit_from_name(const char *name)
{
	for (size_t i = 0; i < N_ELEMENTS(rlimits); i++)
		if (!strcmp(name, rlimits[i].name))
			return rlimits[i].res;
	return -1;
}

static int parse_hooks(json_t *root, struct bx_oci_config *c, bx_err_t *err)
{
	int fail = 0;
	json_t *hooks = bx_oj_get_obj(root, "hooks", "", err, &fail);
	if (!hooks)
		return fail;
	for (int k = 0; k < BX_HOOK_NKINDS; k++) {
		char p[64];
		snprintf(p, sizeof p, "hooks.%s", bx_oci_hook_names[k]);
		json_t *arr = bx_oj_get_arr(hooks, bx_oci_hook_names[k], "hooks", err, &fail), *e;
		size_t i;
		if (fail)
			return -1;
		if (!arr)
			continue;
		struct bx_oci_hooks *h = &c->hooks[k];
		h->list = xzalloc((json_array_size(arr) + 1) * sizeof *h->list);
		json_array_foreach(arr, i, e) {
			char ep[96];
			long long t;
			bool set;
			snprintf(ep, sizeof ep, "%s[%zu]", p, i);
			if (!json_is_object(e))
				return bx_oj_bad(err, ep, "must be an object {path, args, env, timeout}");
			struct bx_oci_hook *hk = &h->list[h->n++];
			if (bx_oj_get_str(e, "path", ep, &hk->path, err) < 0 || bx_oj_get_strv(e, "args", ep, &hk->args, err) < 0 ||
			    bx_oj_get_strv(e, "env", ep, &hk->env, err) < 0 ||
			    bx_oj_get_int(e, "timeout", ep, 1, INT32_MAX, &t, &set, err) < 0)
				return -1;
			if (!hk->path || hk->path[0] != '/') {
				cleanup_free char *pp = xasprintf("%s.path", ep);
				return bx_oj_bad(err, pp, "must be an absolute path");
			}
			hk->timeout = set ? (int)t : 0;
		}
	}
	return 0;
}

int bx_oci_config_parse(const char *text, const char *bundle, struct bx_oci_config *c, bx_err_t *err)
{
	json_error_t je;
	int fail = 0, r = -1;
	cleanup_free char *rpath = NULL;
	memset(c, 0, sizeof *c);
	bx_spec_init(&c->cg_spec);
	/* bx_spec_init turns on every default module: the OCI box has
	 * only the cgroup modules its resources need. */
	memset(c->cg_spec.modules, 0, sizeof c->cg_spec.modules);
	json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	if (!root && strstr(je.text, "too big integer"))
		root = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &je);
	if (!root)
		return bx_usage_error(err, "config.json: line %d column %d: %s", je.line, je.column, je.text);
	if (!json_is_object(root)) {
		bx_usage_error(err, "config.json: must be a JSON object");
		goto out;
	}
	if (bx_oj_get_str(root, "ociVersion", "", &c->version, err) < 0)
		goto out;
	if (!c->version) {
		bx_oj_bad(err, "ociVersion", "is required (boxlab implements " BX_OCI_VERSION ")");
		goto out;
	}
	if (strncmp(c->version, "1.", 2) && strcmp(c->version, "1")) {
		bx_usage_error(err, "config.json: ociVersion: \"%s\" is not a 1.x version (boxlab implements " BX_OCI_VERSION
				    ")", c->version);
		goto out;
	}
	json_t *rootfs = bx_oj_get_obj(root, "root", "", err, &fail);
	if (fail)
		goto out;
	if (!rootfs || bx_oj_get_str(rootfs, "path", "root", &rpath, err) < 0 || !rpath) {
		if (!*err)
			bx_oj_bad(err, "root.path", "is required (the container's root directory, relative to the bundle)");
		goto out;
	}
	c->root_path = rpath[0] == '/' ? xstrdup(rpath) : xasprintf("%s/%s", bundle, rpath);
	if (bx_oj_get_bool(rootfs, "readonly", "root", &c->root_ro, err) < 0)
		goto out;
	if (bx_oj_get_str(root, "hostname", "", &c->hostname, err) < 0 || bx_oj_get_str(root, "domainname", "", &c->domainname, err) < 0)
		goto out;
	json_t *po = bx_oj_get_obj(root, "process", "", err, &fail);
	if (fail)
		goto out;
	if (po) {
		if (bx_oci_parse_process(po, "process", true, &c->process, err) < 0)
			goto out;
		c->has_process = true;
	}
	if (bx_oci_parse_mounts(root, c, err) < 0 || bx_oci_parse_linux(root, c, err) < 0 || parse_hooks(root, c, err) < 0)
		goto out;
	if (bx_oj_refuse(root, "solaris", "", "a Solaris field", err) < 0 || bx_oj_refuse(root, "windows", "", "a Windows field", err) < 0 ||
	    bx_oj_refuse(root, "vm", "", "a VM field", err) < 0)
		goto out;
	if (c->hostname && *c->hostname && !(c->new_ns & CLONE_NEWUTS)) {
		bx_oj_bad(err, "hostname", "needs a new uts namespace in linux.namespaces");
		goto out;
	}
	json_t *ann = bx_oj_get_obj(root, "annotations", "", err, &fail);
	if (fail)
		goto out;
	c->annotations_json = ann ? json_dumps(ann, JSON_COMPACT) : xstrdup("{}");
	r = 0;
out:
	json_decref(root);
	if (r < 0)
		bx_oci_config_free(c);
	return r;
}

int bx_oci_config_load(const char *bundle, struct bx_oci_config *c, bx_err_t *err)
{
	cleanup_free char *path = xasprintf("%s/config.json", bundle);
	cleanup_free char *text = bx_read_file(path, NULL, err);
	memset(c, 0, sizeof *c);
	if (!text) {
		if (bx_error_errno(*err) == ENOENT) {
			bx_error_release(err);
			return bx_usage_error(err, "no config.json in the bundle %s (make one with 'boxlab spec')", bundle);
		}
		return -1;
	}
	if (bx_oci_config_parse(text, bundle, c, err) < 0)
		return bx_error_wrap(err, "%s", bundle);
	return 0;
}

void bx_oci_config_free(struct bx_oci_config *c)
{
	free(c->version);
	free(c->root_path);
	free(c->hostname);
	free(c->domainname);
	for (size_t i = 0; i < c->nmounts; i++) {
		free(c->mounts[i].dest);
		free(c->mounts[i].type);
		free(c->mounts[i].source);
		free(c->mounts[i].data);
	}
	free(c->mounts);
	bx_oci_process_free(&c->process);
	for (size_t i = 0; i < c->nns; i++)
		free(c->ns[i].path);
	free(c->ns);
	free(c->uidmap);
	free(c->gidmap);
	for (size_t i = 0; i < c->ndevices; i++)
		free(c->devices[i].path);
	free(c->devices);
	strv_free(c->masked);
	strv_free(c->readonly);
	strv_free(c->sysctl);
	for (int k = 0; k < BX_HOOK_NKINDS; k++) {
		for (size_t i = 0; i < c->hooks[k].n; i++) {
			free(c->hooks[k].list[i].path);
			strv_free(c->hooks[k].list[i].args);
			strv_free(c->hooks[k].list[i].env);
		}
		free(c->hooks[k].list);
	}
	free(c->cgroups_path);
	bx_spec_free(&c->cg_spec);
	free(c->seccomp_json);
	free(c->annotations_json);
	memset(c, 0, sizeof *c);
}
