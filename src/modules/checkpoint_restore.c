/* Restore: a container made again from a checkpoint, by a supervisor
 * like the one `run -d` leaves behind.
 *
 *   state dir, config.ini, timeline     as run makes them
 *   every module's prepare              cgroups, overlay (and the saved
 *                                       upper layer: checkpoint's prepare),
 *                                       the network's lease and /etc/hosts
 *   CRIU restore                        the tree, its namespaces and
 *                                       mounts, into the new overlay and
 *                                       cgroups, with the new stdout.log
 *     setup-namespaces notification     lo up, the network modules plumb
 *                                       the empty network namespace
 *   wait (bx_lifecycle_wait)            the same watch as run's
 *
 * The supervisor asks CRIU for rst_sibling: the restored init becomes
 * the supervisor's own child, so it can wait for it and record its exit
 * exactly as for a container it cloned. */
#include "modules/checkpoint.h"
#include "modules/module.h"
#include "core/criu.h"
#include "core/io.h"
#include "core/lifecycle.h"
#include "core/logfile.h"
#include "core/proc.h"
#include "core/state.h"
#include "core/timeline.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "util/json.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct restore_ctx {
	struct bx_box *box;
	bool empty_net;
};

/* A network namespace CRIU left empty has lo down (the net module
 * brings it up from inside, which a restored container never runs). */
static int lo_up(pid_t pid, bx_err_t *err)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/net", pid);
	cleanup_close int ns = open(path, O_RDONLY | O_CLOEXEC);
	cleanup_close int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns < 0 || self < 0 || setns(ns, CLONE_NEWNET) < 0)
		return bx_make_error(err, errno, "cannot enter the network namespace of %d", pid);
	cleanup_close int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = {0};
	strcpy(ifr.ifr_name, "lo");
	int ret = 0;
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0 || (ifr.ifr_flags |= IFF_UP, ioctl(s, SIOCSIFFLAGS, &ifr) < 0))
		ret = bx_make_error(err, errno, "cannot bring lo up in the restored container");
	if (setns(self, CLONE_NEWNET) < 0)
		return bx_make_error(err, errno, "cannot return to the host's network namespace");
	return ret;
}

static int on_restore_notify(void *data, const char *script, pid_t pid, int fd, bx_err_t *err)
{
	struct restore_ctx *c = data;
	if (fd >= 0)
		close(fd);
	if (strcmp(script, "setup-namespaces") || !c->empty_net)
		return 0;
	/* The namespaces exist and the tasks wait: the moment parent_setup
	 * has in a run, for the modules that plumb the network. */
	c->box->pid = pid;
	uint64_t t = bx_now_us();
	if (lo_up(pid, err) < 0)
		return -1;
	for (size_t i = 0; bx_modules[i]; i++) {
		const struct bx_module *m = bx_modules[i];
		if (!c->box->spec->modules[i] || m->kind != BX_KIND_NETWORK || !m->parent_setup)
			continue;
		uint64_t tm = bx_now_us();
		if (m->parent_setup(c->box, err) < 0) {
			bx_tl_event(c->box->tl, m->name, "parent_setup", tm, "failed: %s", (*err)->msg);
			return -1;
		}
		bx_tl_event(c->box->tl, m->name, "parent_setup", tm, "ok");
	}
	bx_tl_event(c->box->tl, "checkpoint", "network", t, "lo up, network plumbed into the restored namespace");
	return 0;
}

/* A host path recorded at checkpoint time, for the container made now:
 * what was in the old state dir is in the new one. */
static char *rebase(const char *src, const char *old_dir, const char *new_dir)
{
	size_t n = strlen(old_dir);
	if (*old_dir && !strncmp(src, old_dir, n) && (src[n] == '/' || src[n] == '\0'))
		return xasprintf("%s%s", new_dir, src + n);
	return xstrdup(src);
}

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

int bx_restore_check(const char *dir, bx_err_t *err)
{
	struct bx_criu_info ci;
	cleanup_free char *mpath = xasprintf("%s/checkpoint.json", dir);
	json_t *meta = bx_json_load(mpath, NULL);
	int ret = 0;
	if (!meta)
		return bx_make_error(err, errno, "cannot read %s", mpath);
	/* The container's init is boxlab's code, mapped from boxlab's
	 * binary: only the same build can run it on. */
	const char *want = jstr(meta, "boxlab_hash");
	cleanup_free char *have = bx_ckpt_file_hash("/proc/self/exe");
	if (*want && (!have || strcmp(want, have)))
		ret = bx_make_error(err, 0, "cannot restore %s: this boxlab binary is not the build that ran it when it "
				    "was checkpointed, and the container's init runs that build's code (restore it with "
				    "the same boxlab)", jstr(meta, "name"));
	json_decref(meta);
	if (ret == 0) {
		ret = bx_criu_require(&ci, err);
		bx_criu_info_free(&ci);
	}
	return ret;
}

int bx_restore_supervise(struct bx_spec *spec, const char *dir, int notify_fd, bx_err_t *err)
{
	struct bx_box box;
	struct bx_state st = {0};
	struct bx_timeline tl = {.fd = -1};
	struct bx_relay relay;
	struct bx_criu_info ci = {0};
	struct bx_criu_resp resp = {0};
	struct bx_criu_inherit *inh = NULL;
	struct bx_criu_cg_root *cgr = NULL;
	size_t ninh = 0, ncgr = 0;
	cleanup_strv char **ext = xzalloc(sizeof *ext);
	cleanup_strv char **cgpaths = xzalloc(sizeof *cgpaths);
	struct bx_logw logw = {.fd = -1};
	cleanup_close int logr = -1;
	cleanup_close int logfd = -1, devnull = -1, pidfd = -1, imgfd = -1, workfd = -1, exefd = -1;
	cleanup_free char *upper_tar = xasprintf("%s/upper.tar", dir), *log = xasprintf("%s/restore.log", dir);
	/* Before the first goto: cleanup would free them uninitialized. */
	cleanup_free char *sdir = NULL, *imgdir = NULL;
	bool created = false, prepared = false;
	int code = -1;
	uint64_t t0 = bx_now_us(), t;
	sigset_t oldmask;
	char real[PATH_MAX];

	bx_box_init(&box, spec);
	bx_relay_init(&relay);
	cleanup_free char *mpath = xasprintf("%s/checkpoint.json", dir);
	json_t *meta = bx_json_load(mpath, NULL);
	if (!meta) {
		bx_make_error(err, errno, "cannot read %s", mpath);
		goto fail;
	}
	if (bx_restore_check(dir, err) < 0 || bx_criu_require(&ci, err) < 0)
		goto fail;
	/* Whole from the start: state.json is written once, with the dir. */
	st.name = xstrdup(spec->name);
	st.image = xstrdup(*jstr(meta, "image") ? jstr(meta, "image") : spec->image ? spec->image : "");
	st.command = xzalloc(sizeof *st.command);
	{
		size_t i;
		json_t *v;
		json_array_foreach(json_object_get(meta, "command"), i, v)
			strv_push(&st.command, json_string_value(v));
	}
	st.modules = bx_module_names_on(spec);
	st.status = BX_CREATED;
	st.created_us = bx_realtime_us();
	st.t0_mono_us = t0;
	st.exit_code = -1;
	st.detached = true;
	st.rm = spec->rm;
	if (bx_state_create(spec->name, &st, err) < 0)
		goto fail;
	created = true;
	if (bx_state_save_spec(spec, err) < 0)
		goto fail;
	if (bx_tl_open(&tl, spec->name, t0, err) < 0)
		goto fail;
	box.tl = &tl;
	bx_tl_event(&tl, "core", "create", t0, "container %s restored from the checkpoint of %s taken %s", spec->name,
		    jstr(meta, "name"), jstr(meta, "time"));

	bx_relay_block_signals(&oldmask);
	if (json_is_true(json_object_get(meta, "upper")))
		box.priv[bx_module_index("checkpoint")] = upper_tar;
	prepared = true;
	if (bx_box_prepare(&box, err) < 0)
		goto fail;
	st.root_uid = box.root_uid;
	st.root_gid = box.root_gid;
	st.rootfs = box.rootfs ? xstrdup(box.rootfs) : NULL;

	{
		/* The restored tasks write into a pipe, as in a run: this
		 * supervisor stamps their lines into stdout.log (core/logfile.h).
		 * A file would do too, but CRIU gives a restored descriptor the
		 * flags of the one it replaces, so the log would lose O_APPEND
		 * and a second checkpoint would record (and check) its size. */
		cleanup_free char *logpath = bx_state_path(spec->name, "stdout.log");
		int lp[2];
		devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (devnull < 0 || pipe2(lp, O_CLOEXEC) < 0) {
			bx_make_error(err, errno, "cannot make the restored container's output pipe");
			goto fail;
		}
		logr = lp[0];
		logfd = lp[1];
		if (bx_logw_open(&logw, logpath, spec->sup.log_max_size, spec->sup.log_max_files, err) < 0)
			goto fail;
	}
	exefd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exefd < 0) {
		bx_make_error(err, errno, "cannot open /proc/self/exe");
		goto fail;
	}
	/* The container's edges, from what the checkpoint recorded. */
	sdir = bx_state_path(spec->name, NULL);
	const char *newdir = realpath(sdir, real) ? real : sdir;
	json_t *v;
	size_t i;
	json_array_foreach(json_object_get(meta, "files"), i, v) {
		const char *role = jstr(v, "role");
		int base = !strcmp(role, "log") ? logfd : !strcmp(role, "boxlab") ? exefd : devnull;
		inh = xrealloc(inh, (ninh + 1) * sizeof *inh);
		inh[ninh].key = jstr(v, "key");
		/* One descriptor per key: CRIU takes each into its store
		 * and closes it, so two keys cannot share one. */
		inh[ninh].fd = fcntl(base, F_DUPFD_CLOEXEC, 3);
		if (inh[ninh++].fd < 0) {
			bx_make_error(err, errno, "cannot duplicate a descriptor for CRIU");
			goto fail;
		}
	}
	json_array_foreach(json_object_get(meta, "mounts"), i, v) {
		cleanup_free char *src = rebase(jstr(v, "source"), jstr(meta, "state_dir"), newdir);
		cleanup_free char *e = xasprintf("mnt[%s]:%s", jstr(v, "key"), src);
		strv_push(&ext, e);
	}
	json_array_foreach(json_object_get(meta, "cgroups"), i, v) {
		cleanup_free char *p = xasprintf("/boxlab/%s", spec->name);
		strv_push(&cgpaths, p);
		cgr = xrealloc(cgr, (ncgr + 1) * sizeof *cgr);
		cgr[ncgr].ctrl = *jstr(v, "ctrl") ? jstr(v, "ctrl") : NULL;
		cgr[ncgr++].path = cgpaths[strv_len(cgpaths) - 1];
	}

	imgdir = xasprintf("%s/images", dir);
	/* The restored tasks read some images as container root, through
	 * CRIU's descriptor of this dir (see checkpoint.c). */
	chmod(imgdir, 0711);
	imgfd = open(imgdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	workfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (imgfd < 0 || workfd < 0) {
		bx_make_error(err, errno, "cannot open %s", imgdir);
		goto fail;
	}
	struct restore_ctx rc = {.box = &box, .empty_net = json_is_true(json_object_get(meta, "empty_net"))};
	struct bx_criu_opts co = {
		.images_dir_fd = imgfd,
		.work_dir_fd = workfd,
		.log_level = 4,
		.log_file = "restore.log",
		.root = box.rootfs,
		.rst_sibling = true,
		.file_locks = true,
		.notify_scripts = true,
		.manage_cgroups = true,
		.manage_cgroups_mode = BX_CRIU_CG_SOFT,
		.cg_root = cgr,
		.ncg_root = ncgr,
		.network_lock = BX_CRIU_NETLOCK_SKIP,
		/* CRIU 4's default mount engine (mount-v2) cannot bind the
		 * new root into a user namespace's mount namespace here
		 * (EINVAL from the bind through usernsd); the older one can. */
		.mntns_compat_mode = true,
		.empty_ns = rc.empty_net ? CLONE_NEWNET : 0,
		.external = ext,
		.inherit = inh,
		.ninherit = ninh,
	};
	t = bx_now_us();
	int r = bx_criu_call(ci.bin, BX_CRIU_RESTORE, &co, bx_ckpt_timeout(0) * 1000, on_restore_notify, &rc, &resp,
			     err);
	if (r < 0 || !resp.success || resp.pid <= 0) {
		if (r == 0) {
			cleanup_free char *why = bx_ckpt_log_error(log);
			bx_make_error(err, resp.cr_errno, "CRIU could not restore %s: %s", spec->name,
				      why ? why : resp.cr_errmsg ? resp.cr_errmsg : "no reason given");
		} else {
			bx_error_wrap(err, "restore of %s", spec->name);
		}
		bx_error_hint(err, "%s %s", access(log, F_OK) == 0 ? "CRIU's log:" : "CRIU wrote no log, it would be",
			      log);
		bx_tl_event(&tl, "checkpoint", "restore", t, "failed: %s", (*err)->msg);
		goto fail;
	}
	box.pid = resp.pid;
	pidfd = bx_pidfd_open(resp.pid);
	if (pidfd < 0) {
		bx_make_error(err, errno, "the restored container (pid %d) is gone", resp.pid);
		goto fail;
	}
	st.pid = resp.pid;
	st.pid_start = bx_proc_starttime(resp.pid);
	st.status = BX_RUNNING;
	st.started_us = bx_realtime_us();
	if (bx_state_save(&st, err) < 0)
		goto kill;
	bx_tl_event(&tl, "checkpoint", "restore", t, "%.1f MiB image from %s, CRIU %s, init pid %d",
		    (double)bx_ckpt_du(dir) / 1048576, dir, ci.name, resp.pid);
	bx_tl_event(&tl, "core", "running", t0, "restored, command running");
	{
		char msg[32];
		snprintf(msg, sizeof msg, "ok %d\n", resp.pid);
		bx_notify_once(&notify_fd, msg);
	}
	/* CRIU holds its own copies now: the pipe must end when the
	 * container's writers are gone, not with us. */
	for (size_t k = 0; k < ninh; k++)
		if (inh[k].fd >= 0) {
			close(inh[k].fd);
			inh[k].fd = -1;
		}
	close(logfd);
	logfd = -1;
	relay.pidfd = steal_fd(&pidfd);
	relay.out = steal_fd(&logr);
	relay.log = &logw;
	relay.echo = false;
	code = bx_lifecycle_wait(&box, &st, &relay);
	close(relay.pidfd);
	goto out;

kill:
	kill(resp.pid, SIGKILL);
	bx_pidfd_wait(pidfd, 5000);
fail:
	bx_relay_done(&relay);
	if (prepared)
		bx_box_teardown(&box);
	if (created) {
		bx_err_t tmp = NULL;
		if (bx_state_remove(spec->name, &tmp) < 0)
			bx_warn("%s", tmp->msg);
		bx_error_release(&tmp);
	}
	if (notify_fd >= 0) {
		cleanup_free char *m = xasprintf("%d %s\n", (*err)->exit_code ? (*err)->exit_code : BX_EXIT_RUNTIME,
						 (*err)->msg);
		bx_notify_once(&notify_fd, m);
	}
out:
	bx_logw_close(&logw);
	bx_tl_close(&tl);
	bx_criu_resp_free(&resp);
	bx_criu_info_free(&ci);
	bx_state_free(&st);
	for (size_t k = 0; k < ninh; k++)
		if (inh[k].fd >= 0)
			close(inh[k].fd);
	free(inh);
	free(cgr);
	json_decref(meta);
	free(box.dir);
	free(box.rootfs);
	return code;
}
