/* config.json -> struct bx_oci_config.
 *
 * The runtime spec (config.md) says unknown properties MUST be ignored,
 * so only the fields the spec defines are looked at; of those, a field
 * boxlab cannot honour is an error naming its JSON path (an SELinux
 * label, an Intel RDT class ...), unless the spec lets a runtime ignore
 * it.  Every message has the shape "config.json: PATH: what is wrong
 * (what is allowed)". */
#include "oci/oci.h"
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
#include <sys/sysmacros.h>

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

/* ---- small typed getters; each names the path on error ---- */

static int bad(bx_err_t *err, const char *path, const char *what)
{
	return bx_usage_error(err, "config.json: %s: %s", path, what);
}

/* Optional string: NULL when absent or null. */
static int get_str(json_t *o, const char *key, const char *path, char **out, bx_err_t *err)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		cleanup_free char *p = xasprintf("%s%s%s", path, *path ? "." : "", key);
		return bad(err, p, "must be a string");
	}
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int get_bool(json_t *o, const char *key, const char *path, bool *out, bx_err_t *err)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v)) {
		cleanup_free char *p = xasprintf("%s.%s", path, key);
		return bad(err, p, "must be true or false");
	}
	*out = json_is_true(v);
	return 0;
}

/* An integer, also one read as a real: a config with a uint64 above
 * INT64_MAX (an unlimited rlimit written as 2^64-1) is parsed with
 * JSON_DECODE_INT_AS_REAL, where every number is a real. */
static bool as_int(json_t *v, long long *out)
{
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return true;
	}
	if (!json_is_real(v))
		return false;
	double d = json_real_value(v);
	if (d != (double)(long long)d || d >= 9.2e18 || d <= -9.2e18)
		return false;
	*out = (long long)d;
	return true;
}

/* An integer in [lo, hi]; *set tells whether it was there. */
static int get_int(json_t *o, const char *key, const char *path, long long lo, long long hi, long long *out, bool *set,
		   bx_err_t *err)
{
	json_t *v = json_object_get(o, key);
	if (set)
		*set = false;
	if (!v || json_is_null(v))
		return 0;
	cleanup_free char *p = xasprintf("%s.%s", path, key);
	long long n;
	if (!as_int(v, &n))
		return bad(err, p, "must be an integer");
	if (n < lo || n > hi) {
		bx_usage_error(err, "config.json: %s: %lld is out of range (%lld to %lld)", p, n, lo, hi);
		return -1;
	}
	*out = n;
	if (set)
		*set = true;
	return 0;
}

/* A uint64 that may be written as a big JSON number (jansson reads up
 * to INT64_MAX; -1 means "unlimited" in several OCI fields). */
static int get_i64(json_t *o, const char *key, const char *path, int64_t *out, bool *set, bx_err_t *err)
{
	long long v = 0;
	if (get_int(o, key, path, -1, LLONG_MAX, &v, set, err) < 0)
		return -1;
	*out = v;
	return 0;
}

static int get_strv(json_t *o, const char *key, const char *path, char ***out, bx_err_t *err)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	cleanup_free char *p = xasprintf("%s%s%s", path, *path ? "." : "", key);
	if (!json_is_array(v))
		return bad(err, p, "must be an array of strings");
	char **list = xzalloc(sizeof *list);
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) {
		if (!json_is_string(e)) {
			strv_free(list);
			cleanup_free char *ep = xasprintf("%s[%zu]", p, i);
			return bad(err, ep, "must be a string");
		}
		strv_push(&list, json_string_value(e));
	}
	*out = list;
	return 0;
}

static json_t *get_obj(json_t *o, const char *key, const char *path, bx_err_t *err, int *fail)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_object(v)) {
		cleanup_free char *p = xasprintf("%s%s%s", path, *path ? "." : "", key);
		*fail = bad(err, p, "must be an object");
		return NULL;
	}
	return v;
}

static json_t *get_arr(json_t *o, const char *key, const char *path, bx_err_t *err, int *fail)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_array(v)) {
		cleanup_free char *p = xasprintf("%s%s%s", path, *path ? "." : "", key);
		*fail = bad(err, p, "must be an array");
		return NULL;
	}
	return v;
}

/* A field boxlab cannot honour: an error when it is set at all. */
static int refuse(json_t *o, const char *key, const char *path, const char *why, bx_err_t *err)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v)) ||
	    (json_is_array(v) && !json_array_size(v)) || (json_is_object(v) && !json_object_size(v)))
		return 0;
	cleanup_free char *p = xasprintf("%s.%s", path, key);
	return bx_usage_error(err, "config.json: %s: not supported by boxlab (%s)", p, why);
}

/* ---- mounts ---- */

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

static int propagation_of(const char *name, unsigned long *out)
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
		if (!known && propagation_of(o, &prop) == 0) {
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

static int parse_mounts(json_t *root, struct bx_oci_config *c, bx_err_t *err)
{
	int fail = 0;
	json_t *arr = get_arr(root, "mounts", "", err, &fail), *e;
	size_t i;
	if (!arr)
		return fail;
	c->mounts = xzalloc((json_array_size(arr) + 1) * sizeof *c->mounts);
	json_array_foreach(arr, i, e) {
		char path[64];
		snprintf(path, sizeof path, "mounts[%zu]", i);
		if (!json_is_object(e))
			return bad(err, path, "must be an object");
		struct bx_oci_mount *m = &c->mounts[c->nmounts++];
		cleanup_strv char **opts = NULL;
		if (get_str(e, "destination", path, &m->dest, err) < 0 || get_str(e, "type", path, &m->type, err) < 0 ||
		    get_str(e, "source", path, &m->source, err) < 0 || get_strv(e, "options", path, &opts, err) < 0)
			return -1;
		if (!m->dest || m->dest[0] != '/') {
			cleanup_free char *p = xasprintf("%s.destination", path);
			return bad(err, p, "must be an absolute path in the container");
		}
		if (refuse(e, "uidMappings", path, "idmapped mounts", err) < 0 ||
		    refuse(e, "gidMappings", path, "idmapped mounts", err) < 0)
			return -1;
		bx_oci_mount_options(opts, m);
		if (!m->type && !m->bind) {
			cleanup_free char *p = xasprintf("%s.type", path);
			return bad(err, p, "is needed unless the options hold bind or rbind");
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

/* ---- process ---- */

static int parse_caps(json_t *o, const char *path, struct bx_oci_process *p, bx_err_t *err)
{
	static const char *const sets[BX_CAP_NSETS] = {"bounding", "effective", "inheritable", "permitted", "ambient"};
	p->has_caps = true;
	for (int s = 0; s < BX_CAP_NSETS; s++) {
		cleanup_strv char **names = NULL;
		if (get_strv(o, sets[s], path, &names, err) < 0)
			return -1;
		for (size_t i = 0; names && names[i]; i++) {
			/* The spec's names carry CAP_; bx_caps_from_name also
			 * takes them bare, which the spec does not allow. */
			int cap = strncmp(names[i], "CAP_", 4) ? -1 : bx_caps_from_name(names[i]);
			if (cap < 0) {
				cleanup_free char *ep = xasprintf("%s.%s[%zu]", path, sets[s], i);
				bx_usage_error(err, "config.json: %s: unknown capability \"%s\" (CAP_CHOWN ... %s)", ep,
					       names[i], bx_caps_name(bx_caps_last()));
				return -1;
			}
			p->caps[s] |= 1ULL << cap;
		}
	}
	return 0;
}

static int parse_process(json_t *po, const char *path, bool need_args, struct bx_oci_process *p, bx_err_t *err)
{
	int fail = 0;
	char sub[64];
	if (get_bool(po, "terminal", path, &p->terminal, err) < 0 || get_strv(po, "args", path, &p->args, err) < 0 ||
	    get_strv(po, "env", path, &p->env, err) < 0 || get_str(po, "cwd", path, &p->cwd, err) < 0 ||
	    get_bool(po, "noNewPrivileges", path, &p->nnp, err) < 0)
		return -1;
	if (need_args && (!p->args || !p->args[0])) {
		snprintf(sub, sizeof sub, "%s.args", path);
		return bad(err, sub, "must name the command to run (a non-empty array of strings)");
	}
	if (!p->cwd) {
		snprintf(sub, sizeof sub, "%s.cwd", path);
		return bad(err, sub, "is required (an absolute path in the container)");
	}
	if (p->cwd[0] != '/') {
		snprintf(sub, sizeof sub, "%s.cwd", path);
		return bad(err, sub, "must be an absolute path");
	}
	for (size_t i = 0; p->env && p->env[i]; i++)
		if (!strchr(p->env[i], '=')) {
			snprintf(sub, sizeof sub, "%s.env[%zu]", path, i);
			return bad(err, sub, "must be KEY=VALUE");
		}
	if (refuse(po, "commandLine", path, "a Windows field", err) < 0 ||
	    refuse(po, "consoleSize", path, "set the size through the console socket's terminal", err) < 0 ||
	    refuse(po, "selinuxLabel", path, "boxlab has no SELinux support", err) < 0 ||
	    refuse(po, "apparmorProfile", path, "boxlab has no AppArmor support", err) < 0 ||
	    refuse(po, "ioPriority", path, "not implemented", err) < 0 ||
	    refuse(po, "scheduler", path, "not implemented", err) < 0 ||
	    refuse(po, "execCPUAffinity", path, "not implemented", err) < 0)
		return -1;

	snprintf(sub, sizeof sub, "%s.user", path);
	json_t *user = get_obj(po, "user", path, err, &fail);
	if (fail)
		return -1;
	if (user) {
		long long v;
		bool set;
		if (get_int(user, "uid", sub, 0, UINT32_MAX - 1, &v, &set, err) < 0)
			return -1;
		p->uid = set ? (uid_t)v : 0;
		if (get_int(user, "gid", sub, 0, UINT32_MAX - 1, &v, &set, err) < 0)
			return -1;
		p->gid = set ? (gid_t)v : 0;
		if (get_int(user, "umask", sub, 0, 0777, &v, &set, err) < 0)
			return -1;
		if (set) {
			p->umask = (mode_t)v;
			p->umask_set = xstrdup("y");
		}
		json_t *g = get_arr(user, "additionalGids", sub, err, &fail), *e;
		size_t i;
		if (fail)
			return -1;
		if (g) {
			p->gids = xzalloc((json_array_size(g) + 1) * sizeof *p->gids);
			json_array_foreach(g, i, e) {
				long long g;
				if (!as_int(e, &g) || g < 0 || g >= UINT32_MAX) {
					cleanup_free char *ep = xasprintf("%s.additionalGids[%zu]", sub, i);
					return bad(err, ep, "must be a gid (an integer 0 to 4294967294)");
				}
				p->gids[p->ngids++] = (gid_t)g;
			}
		}
		if (refuse(user, "username", sub, "a Windows field", err) < 0)
			return -1;
	}

	snprintf(sub, sizeof sub, "%s.capabilities", path);
	json_t *caps = get_obj(po, "capabilities", path, err, &fail);
	if (fail)
		return -1;
	if (caps && parse_caps(caps, sub, p, err) < 0)
		return -1;

	json_t *rl = get_arr(po, "rlimits", path, err, &fail), *e;
	size_t i;
	if (fail)
		return -1;
	if (rl) {
		p->rlimits = xzalloc((json_array_size(rl) + 1) * sizeof *p->rlimits);
		json_array_foreach(rl, i, e) {
			snprintf(sub, sizeof sub, "%s.rlimits[%zu]", path, i);
			if (!json_is_object(e))
				return bad(err, sub, "must be an object {type, soft, hard}");
			struct bx_oci_rlimit *r = &p->rlimits[p->nrlimits++];
			json_t *soft = json_object_get(e, "soft"), *hard = json_object_get(e, "hard");
			if (get_str(e, "type", sub, &r->name, err) < 0)
				return -1;
			if (!r->name || (r->resource = bx_oci_rlimit_from_name(r->name)) < 0) {
				bx_usage_error(err, "config.json: %s.type: unknown rlimit \"%s\" (RLIMIT_NOFILE, RLIMIT_NPROC, "
						    "RLIMIT_CORE ... as in getrlimit(2))", sub, r->name ? r->name : "");
				return -1;
			}
			/* uint64; jansson cannot read above INT64_MAX, so
			 * 2^64-1 (unlimited) arrives as a real. */
			if (!json_is_number(soft) || !json_is_number(hard) || json_number_value(soft) < 0 ||
			    json_number_value(hard) < 0)
				return bad(err, sub, "soft and hard must both be non-negative integers");
			long long sv, hv;
			r->soft = as_int(soft, &sv) ? (rlim_t)sv : RLIM_INFINITY;
			r->hard = as_int(hard, &hv) ? (rlim_t)hv : RLIM_INFINITY;
			if (r->soft > r->hard)
				return bad(err, sub, "soft is above hard");
		}
	}
	long long v;
	bool set;
	if (get_int(po, "oomScoreAdj", path, -1000, 1000, &v, &set, err) < 0)
		return -1;
	p->has_oom = set;
	p->oom_score_adj = (int)v;
	return 0;
}

void bx_oci_process_free(struct bx_oci_process *p)
{
	strv_free(p->args);
	strv_free(p->env);
	free(p->cwd);
	free(p->gids);
	free(p->umask_set);
	for (size_t i = 0; i < p->nrlimits; i++)
		free(p->rlimits[i].name);
	free(p->rlimits);
	memset(p, 0, sizeof *p);
}

int bx_oci_process_parse(const char *text, struct bx_oci_process *p, bx_err_t *err)
{
	json_error_t je;
	json_t *root = json_loads(text, 0, &je);
	if (!root && strstr(je.text, "too big integer"))
		root = json_loads(text, JSON_DECODE_INT_AS_REAL, &je);
	memset(p, 0, sizeof *p);
	if (!root)
		return bx_usage_error(err, "process.json: line %d: %s", je.line, je.text);
	int r = json_is_object(root) ? parse_process(root, "process", true, p, err)
				     : bx_usage_error(err, "process.json: must be a JSON object");
	json_decref(root);
	if (r < 0)
		bx_oci_process_free(p);
	return r;
}

/* ---- linux ---- */

static int parse_idmaps(json_t *lx, const char *key, struct bx_oci_idmap **out, size_t *n, bx_err_t *err)
{
	int fail = 0;
	json_t *arr = get_arr(lx, key, "linux", err, &fail), *e;
	size_t i;
	if (!arr)
		return fail;
	*out = xzalloc((json_array_size(arr) + 1) * sizeof **out);
	json_array_foreach(arr, i, e) {
		char p[64];
		long long a, b, s;
		bool sa, sb, ss;
		snprintf(p, sizeof p, "linux.%s[%zu]", key, i);
		if (!json_is_object(e))
			return bad(err, p, "must be an object {containerID, hostID, size}");
		if (get_int(e, "containerID", p, 0, UINT32_MAX, &a, &sa, err) < 0 ||
		    get_int(e, "hostID", p, 0, UINT32_MAX, &b, &sb, err) < 0 ||
		    get_int(e, "size", p, 1, UINT32_MAX, &s, &ss, err) < 0)
			return -1;
		if (!sa || !sb || !ss)
			return bad(err, p, "needs containerID, hostID and size");
		(*out)[(*n)++] = (struct bx_oci_idmap){(unsigned long)a, (unsigned long)b, (unsigned long)s};
	}
	return 0;
}

static int parse_namespaces(json_t *lx, struct bx_oci_config *c, bx_err_t *err)
{
	int fail = 0;
	json_t *arr = get_arr(lx, "namespaces", "linux", err, &fail), *e;
	size_t i;
	if (!arr)
		return fail;
	c->ns = xzalloc((json_array_size(arr) + 1) * sizeof *c->ns);
	json_array_foreach(arr, i, e) {
		char p[64];
		cleanup_free char *type = NULL;
		snprintf(p, sizeof p, "linux.namespaces[%zu]", i);
		if (!json_is_object(e))
			return bad(err, p, "must be an object {type, path}");
		struct bx_oci_ns *ns = &c->ns[c->nns];
		if (get_str(e, "type", p, &type, err) < 0 || get_str(e, "path", p, &ns->path, err) < 0)
			return -1;
		ns->type = type ? bx_oci_ns_from_name(type) : -1;
		if (ns->type < 0) {
			bx_usage_error(err, "config.json: %s.type: unknown namespace \"%s\" (pid, network, mount, ipc, uts, "
					    "user, cgroup, time)", p, type ? type : "");
			free(ns->path);
			return -1;
		}
		c->nns++;
		if ((c->new_ns | c->join_ns) & ns->type)
			return bx_usage_error(err, "config.json: %s: namespace %s is listed twice", p, type);
		if (ns->path && ns->path[0] != '/')
			return bx_usage_error(err, "config.json: %s.path: must be absolute (a /proc/PID/ns/%s or a bind "
						   "mount of one)", p, bx_oci_ns_proc_name(ns->type));
		if (ns->path)
			c->join_ns |= ns->type;
		else
			c->new_ns |= ns->type;
	}
	return 0;
}

static int parse_devices(json_t *lx, struct bx_oci_config *c, bx_err_t *err)
{
	int fail = 0;
	json_t *arr = get_arr(lx, "devices", "linux", err, &fail), *e;
	size_t i;
	if (!arr)
		return fail;
	c->devices = xzalloc((json_array_size(arr) + 1) * sizeof *c->devices);
	json_array_foreach(arr, i, e) {
		char p[64];
		cleanup_free char *type = NULL;
		long long v;
		bool set;
		snprintf(p, sizeof p, "linux.devices[%zu]", i);
		if (!json_is_object(e))
			return bad(err, p, "must be an object {type, path, major, minor}");
		struct bx_oci_device *d = &c->devices[c->ndevices++];
		if (get_str(e, "type", p, &type, err) < 0 || get_str(e, "path", p, &d->path, err) < 0)
			return -1;
		if (!type || strlen(type) != 1 || !strchr("cbup", type[0])) {
			cleanup_free char *tp = xasprintf("%s.type", p);
			return bad(err, tp, "must be c, b, u or p");
		}
		d->type = type[0];
		if (!d->path || d->path[0] != '/') {
			cleanup_free char *pp = xasprintf("%s.path", p);
			return bad(err, pp, "must be an absolute path in the container");
		}
		if (d->type != 'p') {
			bool s2;
			long long mi;
			if (get_int(e, "major", p, 0, 4095, &v, &set, err) < 0 ||
			    get_int(e, "minor", p, 0, 1048575, &mi, &s2, err) < 0)
				return -1;
			if (!set || !s2)
				return bad(err, p, "a c, b or u device needs major and minor");
			d->major = (unsigned)v;
			d->minor = (unsigned)mi;
		}
		d->mode = 0666;
		if (get_int(e, "fileMode", p, 0, 07777, &v, &set, err) < 0)
			return -1;
		if (set)
			d->mode = (mode_t)v;
		if (get_int(e, "uid", p, 0, UINT32_MAX - 1, &v, &set, err) < 0)
			return -1;
		d->uid = set ? (uid_t)v : 0;
		if (get_int(e, "gid", p, 0, UINT32_MAX - 1, &v, &set, err) < 0)
			return -1;
		d->gid = set ? (gid_t)v : 0;
	}
	return 0;
}

/* linux.resources onto the cgroup modules' settings (cgroup.h). */
static void module_on(struct bx_spec *s, const char *name)
{
	int i = bx_module_index(name);
	if (i >= 0)
		s->modules[i] = true;
}

static int parse_resources(json_t *lx, struct bx_oci_config *c, bx_err_t *err)
{
	int fail = 0;
	struct bx_spec *s = &c->cg_spec;
	json_t *res = get_obj(lx, "resources", "linux", err, &fail);
	/* pids counts and kill --all finds the processes; freezer pauses.
	 * Both without limits, as for a native container. */
	module_on(s, "pids");
	module_on(s, "freezer");
	if (!res)
		return fail;
	c->has_resources = true;
	const char *P = "linux.resources";
	if (refuse(res, "hugepageLimits", P, "no hugetlb module", err) < 0 ||
	    refuse(res, "network", P, "no net_cls/net_prio module", err) < 0 ||
	    refuse(res, "rdma", P, "no rdma module", err) < 0 || refuse(res, "unified", P, "cgroup v2 files by name", err) < 0)
		return -1;

	json_t *mem = get_obj(res, "memory", P, err, &fail);
	if (fail)
		return -1;
	if (mem) {
		const char *MP = "linux.resources.memory";
		struct bx_cg_memory_conf *m = bx_spec_conf(s, "memory", sizeof *m);
		int64_t v;
		bool set;
		if (get_i64(mem, "limit", MP, &v, &set, err) < 0)
			return -1;
		if (set && v > 0)
			m->limit = v;
		if (get_i64(mem, "swap", MP, &v, &set, err) < 0)
			return -1;
		if (set && v != 0)
			m->swap = v;
		if (get_i64(mem, "reservation", MP, &v, &set, err) < 0)
			return -1;
		if (set && v > 0)
			m->reservation = v;
		if (refuse(mem, "kernel", MP, "deprecated kernel memory limit", err) < 0 ||
		    refuse(mem, "kernelTCP", MP, "no kernel TCP memory limit", err) < 0 ||
		    refuse(mem, "swappiness", MP, "no swappiness setting", err) < 0)
			return -1;
		bool dis = false;
		if (get_bool(mem, "disableOOMKiller", MP, &dis, err) < 0)
			return -1;
		if (dis)
			return bad(err, "linux.resources.memory.disableOOMKiller", "not supported by boxlab");
		module_on(s, "memory");
	}
	json_t *cpu = get_obj(res, "cpu", P, err, &fail);
	if (fail)
		return -1;
	if (cpu) {
		const char *CP = "linux.resources.cpu";
		struct bx_cg_cpu_conf *m = bx_spec_conf(s, "cpu", sizeof *m);
		int64_t quota = 0, period = 0, shares = 0;
		bool sq, sp, ss;
		if (get_i64(cpu, "quota", CP, &quota, &sq, err) < 0 || get_i64(cpu, "period", CP, &period, &sp, err) < 0 ||
		    get_i64(cpu, "shares", CP, &shares, &ss, err) < 0 || get_str(cpu, "cpus", CP, &m->cpus, err) < 0 ||
		    get_str(cpu, "mems", CP, &m->mems, err) < 0)
			return -1;
		if (m->cpus && !*m->cpus)
			free(m->cpus), m->cpus = NULL;
		if (m->mems && !*m->mems)
			free(m->mems), m->mems = NULL;
		/* boxlab's cpu module writes quota per its own 100 ms period:
		 * the share of a CPU is what survives the mapping. */
		if (sq && quota > 0) {
			if (!sp || period <= 0)
				period = BX_CG_CPU_PERIOD;
			m->nanocpus = (uint64_t)quota * 1000000000ULL / (uint64_t)period;
		}
		if (ss && shares > 0) {
			if (shares < 2 || shares > 262144)
				return bad(err, "linux.resources.cpu.shares", "must be 2 to 262144");
			m->shares = (uint64_t)shares;
		}
		if (refuse(cpu, "realtimeRuntime", CP, "no realtime scheduling limits", err) < 0 ||
		    refuse(cpu, "realtimePeriod", CP, "no realtime scheduling limits", err) < 0 ||
		    refuse(cpu, "idle", CP, "no cpu.idle setting", err) < 0 ||
		    refuse(cpu, "burst", CP, "no cpu burst setting", err) < 0)
			return -1;
		module_on(s, "cpu");
	}
	json_t *pids = get_obj(res, "pids", P, err, &fail);
	if (fail)
		return -1;
	if (pids) {
		struct bx_cg_pids_conf *m = bx_spec_conf(s, "pids", sizeof *m);
		int64_t v;
		bool set;
		if (get_i64(pids, "limit", "linux.resources.pids", &v, &set, err) < 0)
			return -1;
		if (set && v > 0)
			m->limit = v;
	}
	json_t *blk = get_obj(res, "blockIO", P, err, &fail);
	if (fail)
		return -1;
	if (blk) {
		struct bx_cg_io_conf *m = bx_spec_conf(s, "io", sizeof *m);
		long long v;
		bool set;
		if (get_int(blk, "weight", "linux.resources.blockIO", 0, 1000, &v, &set, err) < 0)
			return -1;
		if (set && v) {
			if (v < 10)
				return bad(err, "linux.resources.blockIO.weight", "must be 10 to 1000");
			m->weight = (unsigned)v;
		}
		const char *BP = "linux.resources.blockIO";
		if (refuse(blk, "leafWeight", BP, "no leaf weights", err) < 0 ||
		    refuse(blk, "weightDevice", BP, "no per-device weights", err) < 0 ||
		    refuse(blk, "throttleReadBpsDevice", BP, "use boxlab run --device-read-bps", err) < 0 ||
		    refuse(blk, "throttleWriteBpsDevice", BP, "use boxlab run --device-write-bps", err) < 0 ||
		    refuse(blk, "throttleReadIOPSDevice", BP, "no IOPS limits", err) < 0 ||
		    refuse(blk, "throttleWriteIOPSDevice", BP, "no IOPS limits", err) < 0)
			return -1;
		module_on(s, "io");
	}
	/* Device rules: the devices module denies all but the standard
	 * set (null zero full random urandom tty console ptmx pts tun) and
	 * allows what its rules add, so a leading deny-all is its default
	 * and each allow becomes a rule. */
	json_t *devs = get_arr(res, "devices", P, err, &fail), *e;
	size_t i;
	if (fail)
		return -1;
	if (devs) {
		struct bx_cg_devices_conf *m = bx_spec_conf(s, "devices", sizeof *m);
		json_array_foreach(devs, i, e) {
			char p[64];
			bool allow = false;
			cleanup_free char *type = NULL, *access = NULL;
			long long maj = -1, min = -1;
			bool smaj, smin;
			snprintf(p, sizeof p, "linux.resources.devices[%zu]", i);
			if (!json_is_object(e))
				return bad(err, p, "must be an object {allow, type, major, minor, access}");
			if (get_bool(e, "allow", p, &allow, err) < 0 || get_str(e, "type", p, &type, err) < 0 ||
			    get_str(e, "access", p, &access, err) < 0 ||
			    get_int(e, "major", p, -1, 4095, &maj, &smaj, err) < 0 ||
			    get_int(e, "minor", p, -1, 1048575, &min, &smin, err) < 0)
				return -1;
			if (type && (strlen(type) != 1 || !strchr("acb", type[0]))) {
				cleanup_free char *tp = xasprintf("%s.type", p);
				return bad(err, tp, "must be a, c or b");
			}
			if (access && (!*access || strspn(access, "rwm") != strlen(access))) {
				cleanup_free char *ap = xasprintf("%s.access", p);
				return bad(err, ap, "must be letters of rwm");
			}
			bool all = (!type || type[0] == 'a') && (!smaj || maj < 0) && (!smin || min < 0);
			if (!allow) {
				if (all && i == 0)
					continue;
				return bad(err, p, "only a leading deny-all rule is supported (the devices module denies "
						   "everything not allowed)");
			}
			if (all)
				return bad(err, p, "allowing every device is not supported (list the devices)");
			char maj_s[16] = "*", min_s[16] = "*";
			if (smaj && maj >= 0)
				snprintf(maj_s, sizeof maj_s, "%lld", maj);
			if (smin && min >= 0)
				snprintf(min_s, sizeof min_s, "%lld", min);
			cleanup_free char *rule = xasprintf("%c %s:%s %s", type ? type[0] : 'a', maj_s, min_s,
							    access ? access : "rwm");
			strv_push(&m->rules, rule);
			strv_push(&m->given, rule);
		}
		module_on(s, "devices");
	}
	return 0;
}

static int parse_paths(json_t *lx, const char *key, char ***out, bx_err_t *err)
{
	if (get_strv(lx, key, "linux", out, err) < 0)
		return -1;
	for (size_t i = 0; *out && (*out)[i]; i++)
		if ((*out)[i][0] != '/') {
			cleanup_free char *p = xasprintf("linux.%s[%zu]", key, i);
			return bad(err, p, "must be an absolute path in the container");
		}
	return 0;
}

static int parse_linux(json_t *root, struct bx_oci_config *c, bx_err_t *err)
{
	int fail = 0;
	cleanup_free char *prop = NULL;
	json_t *lx = get_obj(root, "linux", "", err, &fail);
	if (fail)
		return -1;
	if (!lx)
		lx = json_object(); /* leaks nothing: decref'd below */
	else
		json_incref(lx);
	int r = -1;
	if (parse_namespaces(lx, c, err) < 0 || parse_idmaps(lx, "uidMappings", &c->uidmap, &c->nuidmap, err) < 0 ||
	    parse_idmaps(lx, "gidMappings", &c->gidmap, &c->ngidmap, err) < 0 || parse_devices(lx, c, err) < 0 ||
	    parse_resources(lx, c, err) < 0 || parse_paths(lx, "maskedPaths", &c->masked, err) < 0 ||
	    parse_paths(lx, "readonlyPaths", &c->readonly, err) < 0 ||
	    get_str(lx, "cgroupsPath", "linux", &c->cgroups_path, err) < 0)
		goto out;
	if (refuse(lx, "intelRdt", "linux", "no Intel RDT support", err) < 0 ||
	    refuse(lx, "mountLabel", "linux", "boxlab has no SELinux support", err) < 0 ||
	    refuse(lx, "personality", "linux", "not implemented", err) < 0 ||
	    refuse(lx, "timeOffsets", "linux", "not implemented", err) < 0)
		goto out;
	if ((c->nuidmap || c->ngidmap) && !(c->new_ns & CLONE_NEWUSER)) {
		bad(err, "linux.uidMappings", "needs a new user namespace in linux.namespaces");
		goto out;
	}
	if ((c->new_ns & CLONE_NEWUSER) && (!c->nuidmap || !c->ngidmap)) {
		bad(err, "linux.uidMappings", "a new user namespace needs uidMappings and gidMappings");
		goto out;
	}
	if (get_str(lx, "rootfsPropagation", "linux", &prop, err) < 0)
		goto out;
	c->rootfs_propagation = MS_SLAVE | MS_REC; /* runc's default */
	if (prop && propagation_of(prop, &c->rootfs_propagation) < 0) {
		bx_usage_error(err, "config.json: linux.rootfsPropagation: unknown \"%s\" (private, rprivate, slave, "
				    "rslave, shared, rshared, unbindable, runbindable)", prop);
		goto out;
	}
	json_t *sysctl = get_obj(lx, "sysctl", "linux", err, &fail), *v;
	const char *k;
	if (fail)
		goto out;
	c->sysctl = xzalloc(sizeof *c->sysctl);
	json_object_foreach(sysctl, k, v) {
		if (!json_is_string(v)) {
			cleanup_free char *p = xasprintf("linux.sysctl.%s", k);
			bad(err, p, "must be a string");
			goto out;
		}
		strv_push(&c->sysctl, k);
		strv_push(&c->sysctl, json_string_value(v));
	}
	json_t *sc = get_obj(lx, "seccomp", "linux", err, &fail);
	if (fail)
		goto out;
	if (sc) {
		/* The filter is compiled at create, with the caps it will
		 * run with; here it is only kept as text. */
		c->seccomp_json = json_dumps(sc, JSON_COMPACT);
		if (refuse(sc, "listenerPath", "linux.seccomp", "no seccomp agent support", err) < 0)
			goto out;
	}
	r = 0;
out:
	json_decref(lx);
	return r;
}

static int parse_hooks(json_t *root, struct bx_oci_config *c, bx_err_t *err)
{
	int fail = 0;
	json_t *hooks = get_obj(root, "hooks", "", err, &fail);
	if (!hooks)
		return fail;
	for (int k = 0; k < BX_HOOK_NKINDS; k++) {
		char p[64];
		snprintf(p, sizeof p, "hooks.%s", bx_oci_hook_names[k]);
		json_t *arr = get_arr(hooks, bx_oci_hook_names[k], "hooks", err, &fail), *e;
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
				return bad(err, ep, "must be an object {path, args, env, timeout}");
			struct bx_oci_hook *hk = &h->list[h->n++];
			if (get_str(e, "path", ep, &hk->path, err) < 0 || get_strv(e, "args", ep, &hk->args, err) < 0 ||
			    get_strv(e, "env", ep, &hk->env, err) < 0 ||
			    get_int(e, "timeout", ep, 1, INT32_MAX, &t, &set, err) < 0)
				return -1;
			if (!hk->path || hk->path[0] != '/') {
				cleanup_free char *pp = xasprintf("%s.path", ep);
				return bad(err, pp, "must be an absolute path");
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
	if (get_str(root, "ociVersion", "", &c->version, err) < 0)
		goto out;
	if (!c->version) {
		bad(err, "ociVersion", "is required (boxlab implements " BX_OCI_VERSION ")");
		goto out;
	}
	if (strncmp(c->version, "1.", 2) && strcmp(c->version, "1")) {
		bx_usage_error(err, "config.json: ociVersion: \"%s\" is not a 1.x version (boxlab implements " BX_OCI_VERSION
				    ")", c->version);
		goto out;
	}
	json_t *rootfs = get_obj(root, "root", "", err, &fail);
	if (fail)
		goto out;
	if (!rootfs || get_str(rootfs, "path", "root", &rpath, err) < 0 || !rpath) {
		if (!*err)
			bad(err, "root.path", "is required (the container's root directory, relative to the bundle)");
		goto out;
	}
	c->root_path = rpath[0] == '/' ? xstrdup(rpath) : xasprintf("%s/%s", bundle, rpath);
	if (get_bool(rootfs, "readonly", "root", &c->root_ro, err) < 0)
		goto out;
	if (get_str(root, "hostname", "", &c->hostname, err) < 0 || get_str(root, "domainname", "", &c->domainname, err) < 0)
		goto out;
	json_t *po = get_obj(root, "process", "", err, &fail);
	if (fail)
		goto out;
	if (po) {
		if (parse_process(po, "process", true, &c->process, err) < 0)
			goto out;
		c->has_process = true;
	}
	if (parse_mounts(root, c, err) < 0 || parse_linux(root, c, err) < 0 || parse_hooks(root, c, err) < 0)
		goto out;
	if (refuse(root, "solaris", "", "a Solaris field", err) < 0 || refuse(root, "windows", "", "a Windows field", err) < 0 ||
	    refuse(root, "vm", "", "a VM field", err) < 0)
		goto out;
	if (c->hostname && *c->hostname && !(c->new_ns & CLONE_NEWUTS)) {
		bad(err, "hostname", "needs a new uts namespace in linux.namespaces");
		goto out;
	}
	json_t *ann = get_obj(root, "annotations", "", err, &fail);
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
