/* config.json's linux object: namespaces, id maps, devices, the
 * resources (as the cgroup modules' settings), masked and read-only
 * paths, sysctls, seccomp (kept as text), propagation. */
#include "modules/cgroup.h"
#include "modules/module.h"
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

static int parse_idmaps(json_t *lx, const char *key, struct bx_oci_idmap **out, size_t *n, bx_err_t *err)
{
	int fail = 0;
	json_t *arr = bx_oj_get_arr(lx, key, "linux", err, &fail), *e;
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
			return bx_oj_bad(err, p, "must be an object {containerID, hostID, size}");
		if (bx_oj_get_int(e, "containerID", p, 0, UINT32_MAX, &a, &sa, err) < 0 ||
		    bx_oj_get_int(e, "hostID", p, 0, UINT32_MAX, &b, &sb, err) < 0 ||
		    bx_oj_get_int(e, "size", p, 1, UINT32_MAX, &s, &ss, err) < 0)
			return -1;
		if (!sa || !sb || !ss)
			return bx_oj_bad(err, p, "needs containerID, hostID and size");
		(*out)[(*n)++] = (struct bx_oci_idmap){(unsigned long)a, (unsigned long)b, (unsigned long)s};
	}
	return 0;
}

static int parse_namespaces(json_t *lx, struct bx_oci_config *c, bx_err_t *err)
{
	int fail = 0;
	json_t *arr = bx_oj_get_arr(lx, "namespaces", "linux", err, &fail), *e;
	size_t i;
	if (!arr)
		return fail;
	c->ns = xzalloc((json_array_size(arr) + 1) * sizeof *c->ns);
	json_array_foreach(arr, i, e) {
		char p[64];
		cleanup_free char *type = NULL;
		snprintf(p, sizeof p, "linux.namespaces[%zu]", i);
		if (!json_is_object(e))
			return bx_oj_bad(err, p, "must be an object {type, path}");
		struct bx_oci_ns *ns = &c->ns[c->nns];
		if (bx_oj_get_str(e, "type", p, &type, err) < 0 || bx_oj_get_str(e, "path", p, &ns->path, err) < 0)
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
	json_t *arr = bx_oj_get_arr(lx, "devices", "linux", err, &fail), *e;
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
			return bx_oj_bad(err, p, "must be an object {type, path, major, minor}");
		struct bx_oci_device *d = &c->devices[c->ndevices++];
		if (bx_oj_get_str(e, "type", p, &type, err) < 0 || bx_oj_get_str(e, "path", p, &d->path, err) < 0)
			return -1;
		if (!type || strlen(type) != 1 || !strchr("cbup", type[0])) {
			cleanup_free char *tp = xasprintf("%s.type", p);
			return bx_oj_bad(err, tp, "must be c, b, u or p");
		}
		d->type = type[0];
		if (!d->path || d->path[0] != '/') {
			cleanup_free char *pp = xasprintf("%s.path", p);
			return bx_oj_bad(err, pp, "must be an absolute path in the container");
		}
		if (d->type != 'p') {
			bool s2;
			long long mi;
			if (bx_oj_get_int(e, "major", p, 0, 4095, &v, &set, err) < 0 ||
			    bx_oj_get_int(e, "minor", p, 0, 1048575, &mi, &s2, err) < 0)
				return -1;
			if (!set || !s2)
				return bx_oj_bad(err, p, "a c, b or u device needs major and minor");
			d->major = (unsigned)v;
			d->minor = (unsigned)mi;
		}
		d->mode = 0666;
		if (bx_oj_get_int(e, "fileMode", p, 0, 07777, &v, &set, err) < 0)
			return -1;
		if (set)
			d->mode = (mode_t)v;
		if (bx_oj_get_int(e, "uid", p, 0, UINT32_MAX - 1, &v, &set, err) < 0)
			return -1;
		d->uid = set ? (uid_t)v : 0;
		if (bx_oj_get_int(e, "gid", p, 0, UINT32_MAX - 1, &v, &set, err) < 0)
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
	json_t *res = bx_oj_get_obj(lx, "resources", "linux", err, &fail);
	/* pids counts and kill --all finds the processes; freezer pauses.
	 * Both without limits, as for a native container. */
	module_on(s, "pids");
	module_on(s, "freezer");
	if (!res)
		return fail;
	c->has_resources = true;
	const char *P = "linux.resources";
	if (bx_oj_refuse(res, "hugepageLimits", P, "no hugetlb module", err) < 0 ||
	    bx_oj_refuse(res, "network", P, "no net_cls/net_prio module", err) < 0 ||
	    bx_oj_refuse(res, "rdma", P, "no rdma module", err) < 0 || bx_oj_refuse(res, "unified", P, "cgroup v2 files by name", err) < 0)
		return -1;

	json_t *mem = bx_oj_get_obj(res, "memory", P, err, &fail);
	if (fail)
		return -1;
	if (mem) {
		const char *MP = "linux.resources.memory";
		struct bx_cg_memory_conf *m = bx_spec_conf(s, "memory", sizeof *m);
		int64_t v;
		bool set;
		if (bx_oj_get_i64(mem, "limit", MP, &v, &set, err) < 0)
			return -1;
		if (set && v > 0)
			m->limit = v;
		if (bx_oj_get_i64(mem, "swap", MP, &v, &set, err) < 0)
			return -1;
		if (set && v != 0)
			m->swap = v;
		if (bx_oj_get_i64(mem, "reservation", MP, &v, &set, err) < 0)
			return -1;
		if (set && v > 0)
			m->reservation = v;
		if (bx_oj_refuse(mem, "kernel", MP, "deprecated kernel memory limit", err) < 0 ||
		    bx_oj_refuse(mem, "kernelTCP", MP, "no kernel TCP memory limit", err) < 0 ||
		    bx_oj_refuse(mem, "swappiness", MP, "no swappiness setting", err) < 0)
			return -1;
		bool dis = false;
		if (bx_oj_get_bool(mem, "disableOOMKiller", MP, &dis, err) < 0)
			return -1;
		if (dis)
			return bx_oj_bad(err, "linux.resources.memory.disableOOMKiller", "not supported by boxlab");
		module_on(s, "memory");
	}
	json_t *cpu = bx_oj_get_obj(res, "cpu", P, err, &fail);
	if (fail)
		return -1;
	if (cpu) {
		const char *CP = "linux.resources.cpu";
		struct bx_cg_cpu_conf *m = bx_spec_conf(s, "cpu", sizeof *m);
		int64_t quota = 0, period = 0, shares = 0;
		bool sq, sp, ss;
		if (bx_oj_get_i64(cpu, "quota", CP, &quota, &sq, err) < 0 || bx_oj_get_i64(cpu, "period", CP, &period, &sp, err) < 0 ||
		    bx_oj_get_i64(cpu, "shares", CP, &shares, &ss, err) < 0 || bx_oj_get_str(cpu, "cpus", CP, &m->cpus, err) < 0 ||
		    bx_oj_get_str(cpu, "mems", CP, &m->mems, err) < 0)
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
				return bx_oj_bad(err, "linux.resources.cpu.shares", "must be 2 to 262144");
			m->shares = (uint64_t)shares;
		}
		if (bx_oj_refuse(cpu, "realtimeRuntime", CP, "no realtime scheduling limits", err) < 0 ||
		    bx_oj_refuse(cpu, "realtimePeriod", CP, "no realtime scheduling limits", err) < 0 ||
		    bx_oj_refuse(cpu, "idle", CP, "no cpu.idle setting", err) < 0 ||
		    bx_oj_refuse(cpu, "burst", CP, "no cpu burst setting", err) < 0)
			return -1;
		module_on(s, "cpu");
	}
	json_t *pids = bx_oj_get_obj(res, "pids", P, err, &fail);
	if (fail)
		return -1;
	if (pids) {
		struct bx_cg_pids_conf *m = bx_spec_conf(s, "pids", sizeof *m);
		int64_t v;
		bool set;
		if (bx_oj_get_i64(pids, "limit", "linux.resources.pids", &v, &set, err) < 0)
			return -1;
		if (set && v > 0)
			m->limit = v;
	}
	json_t *blk = bx_oj_get_obj(res, "blockIO", P, err, &fail);
	if (fail)
		return -1;
	if (blk) {
		struct bx_cg_io_conf *m = bx_spec_conf(s, "io", sizeof *m);
		long long v;
		bool set;
		if (bx_oj_get_int(blk, "weight", "linux.resources.blockIO", 0, 1000, &v, &set, err) < 0)
			return -1;
		if (set && v) {
			if (v < 10)
				return bx_oj_bad(err, "linux.resources.blockIO.weight", "must be 10 to 1000");
			m->weight = (unsigned)v;
		}
		const char *BP = "linux.resources.blockIO";
		if (bx_oj_refuse(blk, "leafWeight", BP, "no leaf weights", err) < 0 ||
		    bx_oj_refuse(blk, "weightDevice", BP, "no per-device weights", err) < 0 ||
		    bx_oj_refuse(blk, "throttleReadBpsDevice", BP, "use boxlab run --device-read-bps", err) < 0 ||
		    bx_oj_refuse(blk, "throttleWriteBpsDevice", BP, "use boxlab run --device-write-bps", err) < 0 ||
		    bx_oj_refuse(blk, "throttleReadIOPSDevice", BP, "no IOPS limits", err) < 0 ||
		    bx_oj_refuse(blk, "throttleWriteIOPSDevice", BP, "no IOPS limits", err) < 0)
			return -1;
		module_on(s, "io");
	}
	/* Device rules: the devices module denies all but the standard
	 * set (null zero full random urandom tty console ptmx pts tun) and
	 * allows what its rules add, so a leading deny-all is its default
	 * and each allow becomes a rule. */
	json_t *devs = bx_oj_get_arr(res, "devices", P, err, &fail), *e;
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
				return bx_oj_bad(err, p, "must be an object {allow, type, major, minor, access}");
			if (bx_oj_get_bool(e, "allow", p, &allow, err) < 0 || bx_oj_get_str(e, "type", p, &type, err) < 0 ||
			    bx_oj_get_str(e, "access", p, &access, err) < 0 ||
			    bx_oj_get_int(e, "major", p, -1, 4095, &maj, &smaj, err) < 0 ||
			    bx_oj_get_int(e, "minor", p, -1, 1048575, &min, &smin, err) < 0)
				return -1;
			if (type && (strlen(type) != 1 || !strchr("acb", type[0]))) {
				cleanup_free char *tp = xasprintf("%s.type", p);
				return bx_oj_bad(err, tp, "must be a, c or b");
			}
			if (access && (!*access || strspn(access, "rwm") != strlen(access))) {
				cleanup_free char *ap = xasprintf("%s.access", p);
				return bx_oj_bad(err, ap, "must be letters of rwm");
			}
			bool all = (!type || type[0] == 'a') && (!smaj || maj < 0) && (!smin || min < 0);
			if (!allow) {
				if (all && i == 0)
					continue;
				return bx_oj_bad(err, p, "only a leading deny-all rule is supported (the devices module denies "
						   "everything not allowed)");
			}
			if (all)
				return bx_oj_bad(err, p, "allowing every device is not supported (list the devices)");
			char maj_s[24] = "*", min_s[24] = "*";
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
	if (bx_oj_get_strv(lx, key, "linux", out, err) < 0)
		return -1;
	for (size_t i = 0; *out && (*out)[i]; i++)
		if ((*out)[i][0] != '/') {
			cleanup_free char *p = xasprintf("linux.%s[%zu]", key, i);
			return bx_oj_bad(err, p, "must be an absolute path in the container");
		}
	return 0;
}

int bx_oci_parse_linux(json_t *root, struct bx_oci_config *c, bx_err_t *err)
{
	int fail = 0;
	cleanup_free char *prop = NULL;
	json_t *lx = bx_oj_get_obj(root, "linux", "", err, &fail);
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
	    bx_oj_get_str(lx, "cgroupsPath", "linux", &c->cgroups_path, err) < 0)
		goto out;
	if (bx_oj_refuse(lx, "intelRdt", "linux", "no Intel RDT support", err) < 0 ||
	    bx_oj_refuse(lx, "mountLabel", "linux", "boxlab has no SELinux support", err) < 0 ||
	    bx_oj_refuse(lx, "personality", "linux", "no personality(2) setting", err) < 0 ||
	    bx_oj_refuse(lx, "timeOffsets", "linux", "no time namespace offsets", err) < 0)
		goto out;
	if ((c->nuidmap || c->ngidmap) && !(c->new_ns & CLONE_NEWUSER)) {
		bx_oj_bad(err, "linux.uidMappings", "needs a new user namespace in linux.namespaces");
		goto out;
	}
	if ((c->new_ns & CLONE_NEWUSER) && (!c->nuidmap || !c->ngidmap)) {
		bx_oj_bad(err, "linux.uidMappings", "a new user namespace needs uidMappings and gidMappings");
		goto out;
	}
	if (bx_oj_get_str(lx, "rootfsPropagation", "linux", &prop, err) < 0)
		goto out;
	c->rootfs_propagation = MS_SLAVE | MS_REC; /* runc's default */
	if (prop && bx_oci_propagation(prop, &c->rootfs_propagation) < 0) {
		bx_usage_error(err, "config.json: linux.rootfsPropagation: unknown \"%s\" (private, rprivate, slave, "
				    "rslave, shared, rshared, unbindable, runbindable)", prop);
		goto out;
	}
	json_t *sysctl = bx_oj_get_obj(lx, "sysctl", "linux", err, &fail), *v;
	const char *k;
	if (fail)
		goto out;
	c->sysctl = xzalloc(sizeof *c->sysctl);
	json_object_foreach(sysctl, k, v) {
		if (!json_is_string(v)) {
			cleanup_free char *p = xasprintf("linux.sysctl.%s", k);
			bx_oj_bad(err, p, "must be a string");
			goto out;
		}
		strv_push(&c->sysctl, k);
		strv_push(&c->sysctl, json_string_value(v));
	}
	json_t *sc = bx_oj_get_obj(lx, "seccomp", "linux", err, &fail);
	if (fail)
		goto out;
	if (sc) {
		/* The filter is compiled at create, with the caps it will
		 * run with; here it is only kept as text. */
		c->seccomp_json = json_dumps(sc, JSON_COMPACT);
		if (bx_oj_refuse(sc, "listenerPath", "linux.seccomp", "no seccomp agent support", err) < 0)
			goto out;
	}
	r = 0;
out:
	json_decref(lx);
	return r;
}

