/* config.json's process (also the whole of exec's process.json): args,
 * env, cwd, user, capabilities, rlimits, noNewPrivileges, oomScoreAdj. */
#include "modules/caps.h"
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

static int parse_caps(json_t *o, const char *path, struct bx_oci_process *p, bx_err_t *err)
{
	static const char *const sets[BX_CAP_NSETS] = {"bounding", "effective", "inheritable", "permitted", "ambient"};
	p->has_caps = true;
	for (int s = 0; s < BX_CAP_NSETS; s++) {
		cleanup_strv char **names = NULL;
		if (bx_oj_get_strv(o, sets[s], path, &names, err) < 0)
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

int bx_oci_parse_process(json_t *po, const char *path, bool need_args, struct bx_oci_process *p, bx_err_t *err)
{
	int fail = 0;
	char sub[64];
	if (bx_oj_get_bool(po, "terminal", path, &p->terminal, err) < 0 || bx_oj_get_strv(po, "args", path, &p->args, err) < 0 ||
	    bx_oj_get_strv(po, "env", path, &p->env, err) < 0 || bx_oj_get_str(po, "cwd", path, &p->cwd, err) < 0 ||
	    bx_oj_get_bool(po, "noNewPrivileges", path, &p->nnp, err) < 0)
		return -1;
	if (need_args && (!p->args || !p->args[0])) {
		snprintf(sub, sizeof sub, "%s.args", path);
		return bx_oj_bad(err, sub, "must name the command to run (a non-empty array of strings)");
	}
	if (!p->cwd) {
		snprintf(sub, sizeof sub, "%s.cwd", path);
		return bx_oj_bad(err, sub, "is required (an absolute path in the container)");
	}
	if (p->cwd[0] != '/') {
		snprintf(sub, sizeof sub, "%s.cwd", path);
		return bx_oj_bad(err, sub, "must be an absolute path");
	}
	for (size_t i = 0; p->env && p->env[i]; i++)
		if (!strchr(p->env[i], '=')) {
			snprintf(sub, sizeof sub, "%s.env[%zu]", path, i);
			return bx_oj_bad(err, sub, "must be KEY=VALUE");
		}
	if (bx_oj_refuse(po, "commandLine", path, "a Windows field", err) < 0 ||
	    bx_oj_refuse(po, "consoleSize", path, "set the size through the console socket's terminal", err) < 0 ||
	    bx_oj_refuse(po, "selinuxLabel", path, "boxlab has no SELinux support", err) < 0 ||
	    bx_oj_refuse(po, "apparmorProfile", path, "boxlab has no AppArmor support", err) < 0 ||
	    bx_oj_refuse(po, "ioPriority", path, "no I/O priority setting", err) < 0 ||
	    bx_oj_refuse(po, "scheduler", path, "no scheduling policy setting", err) < 0 ||
	    bx_oj_refuse(po, "execCPUAffinity", path, "no CPU affinity setting", err) < 0)
		return -1;

	snprintf(sub, sizeof sub, "%s.user", path);
	json_t *user = bx_oj_get_obj(po, "user", path, err, &fail);
	if (fail)
		return -1;
	if (user) {
		long long v;
		bool set;
		if (bx_oj_get_int(user, "uid", sub, 0, UINT32_MAX - 1, &v, &set, err) < 0)
			return -1;
		p->uid = set ? (uid_t)v : 0;
		if (bx_oj_get_int(user, "gid", sub, 0, UINT32_MAX - 1, &v, &set, err) < 0)
			return -1;
		p->gid = set ? (gid_t)v : 0;
		if (bx_oj_get_int(user, "umask", sub, 0, 0777, &v, &set, err) < 0)
			return -1;
		if (set) {
			p->umask = (mode_t)v;
			p->umask_set = xstrdup("y");
		}
		json_t *g = bx_oj_get_arr(user, "additionalGids", sub, err, &fail), *e;
		size_t i;
		if (fail)
			return -1;
		if (g) {
			p->gids = xzalloc((json_array_size(g) + 1) * sizeof *p->gids);
			json_array_foreach(g, i, e) {
				long long g;
				if (!bx_oj_as_int(e, &g) || g < 0 || g >= UINT32_MAX) {
					cleanup_free char *ep = xasprintf("%s.additionalGids[%zu]", sub, i);
					return bx_oj_bad(err, ep, "must be a gid (an integer 0 to 4294967294)");
				}
				p->gids[p->ngids++] = (gid_t)g;
			}
		}
		if (bx_oj_refuse(user, "username", sub, "a Windows field", err) < 0)
			return -1;
	}

	snprintf(sub, sizeof sub, "%s.capabilities", path);
	json_t *caps = bx_oj_get_obj(po, "capabilities", path, err, &fail);
	if (fail)
		return -1;
	if (caps && parse_caps(caps, sub, p, err) < 0)
		return -1;

	json_t *rl = bx_oj_get_arr(po, "rlimits", path, err, &fail), *e;
	size_t i;
	if (fail)
		return -1;
	if (rl) {
		p->rlimits = xzalloc((json_array_size(rl) + 1) * sizeof *p->rlimits);
		json_array_foreach(rl, i, e) {
			snprintf(sub, sizeof sub, "%s.rlimits[%zu]", path, i);
			if (!json_is_object(e))
				return bx_oj_bad(err, sub, "must be an object {type, soft, hard}");
			struct bx_oci_rlimit *r = &p->rlimits[p->nrlimits++];
			json_t *soft = json_object_get(e, "soft"), *hard = json_object_get(e, "hard");
			if (bx_oj_get_str(e, "type", sub, &r->name, err) < 0)
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
				return bx_oj_bad(err, sub, "soft and hard must both be non-negative integers");
			long long sv, hv;
			r->soft = bx_oj_as_int(soft, &sv) ? (rlim_t)sv : RLIM_INFINITY;
			r->hard = bx_oj_as_int(hard, &hv) ? (rlim_t)hv : RLIM_INFINITY;
			if (r->soft > r->hard)
				return bx_oj_bad(err, sub, "soft is above hard");
		}
	}
	long long v;
	bool set;
	if (bx_oj_get_int(po, "oomScoreAdj", path, -1000, 1000, &v, &set, err) < 0)
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
	int r = json_is_object(root) ? bx_oci_parse_process(root, "process", true, p, err)
				     : bx_usage_error(err, "process.json: must be a JSON object");
	json_decref(root);
	if (r < 0)
		bx_oci_process_free(p);
	return r;
}

