/* What the container's process and every `exec`'d one go through right
 * before exec (runc's finalizeNamespace, in its order): rlimits while
 * still root, the bounding set, the user switch keeping capabilities,
 * then the capability sets, no_new_privs and the working directory.
 * Seccomp is loaded by the caller: before the user switch when
 * no_new_privs is off (loading then needs CAP_SYS_ADMIN), else last. */
#include "oci/oci.h"
#include "core/proc.h"
#include "core/process.h"
#include "modules/caps.h"
#include "modules/seccomp.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#endif

void bx_oci_log(const char *level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!strcmp(level, "debug") && !bx_oci_g.debug)
		return;
	/* Engines read --log back (podman shows the last "error" line of
	 * it when the runtime fails). */
	if (bx_oci_g.log) {
		int fd = open(bx_oci_g.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0) {
			char line[1400], when[64];
			bx_format_time(bx_realtime_us(), when, sizeof when);
			if (bx_oci_g.log_json) {
				json_t *o = json_pack("{s:s, s:s, s:s}", "level", level, "msg", msg, "time", when);
				char *t = json_dumps(o, JSON_COMPACT);
				snprintf(line, sizeof line, "%s\n", t);
				free(t);
				json_decref(o);
			} else {
				snprintf(line, sizeof line, "%s %s: %s\n", when, level, msg);
			}
			if (write(fd, line, strlen(line)) < 0) {
				/* nowhere else to report it */
			}
			close(fd);
		}
	}
	/* Without --log, a person is at the terminal; with it, an engine,
	 * which shows our stderr as the container's (podman exec). */
	if (!bx_oci_g.log && strcmp(level, "error"))
		fprintf(stderr, "boxlab: %s: %s\n", level, msg);
}

/* Was this limit asked for, and so warned about, at create already? */
static bool warned(const struct bx_oci_process *done, const struct bx_oci_rlimit *r)
{
	for (size_t i = 0; done && i < done->nrlimits; i++)
		if (done->rlimits[i].resource == r->resource && done->rlimits[i].hard == r->hard)
			return true;
	return false;
}

static bool have_sys_resource(void)
{
	cap_t c = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;
	if (c) {
		cap_get_flag(c, CAP_SYS_RESOURCE, CAP_EFFECTIVE, &v);
		cap_free(c);
	}
	return v == CAP_SET;
}

/* The hard limit we have, which the container inherits: what can be
 * set without CAP_SYS_RESOURCE. */
static bool clamp(const struct bx_oci_rlimit *r, struct rlimit *out)
{
	struct rlimit cur;
	*out = (struct rlimit){r->soft, r->hard};
	if (getrlimit(r->resource, &cur) < 0 || r->hard <= cur.rlim_max || have_sys_resource())
		return false;
	out->rlim_max = cur.rlim_max;
	if (out->rlim_cur > cur.rlim_max)
		out->rlim_cur = cur.rlim_max;
	return true;
}

void bx_oci_rlimits_warn(const struct bx_oci_process *p, const struct bx_oci_process *done)
{
	for (size_t i = 0; i < p->nrlimits; i++) {
		const struct bx_oci_rlimit *r = &p->rlimits[i];
		struct rlimit got;
		if (clamp(r, &got) && !warned(done, r))
			bx_oci_log("warning", "%s: hard limit %llu cannot be raised above %llu without CAP_SYS_RESOURCE: "
					      "clamped to soft %llu, hard %llu", r->name, (unsigned long long)r->hard,
				   (unsigned long long)got.rlim_max, (unsigned long long)got.rlim_cur,
				   (unsigned long long)got.rlim_max);
	}
}

int bx_oci_rlimits(const struct bx_oci_process *p, bx_err_t *err)
{
	for (size_t i = 0; i < p->nrlimits; i++) {
		const struct bx_oci_rlimit *r = &p->rlimits[i];
		struct rlimit want;
		clamp(r, &want);
		if (setrlimit(r->resource, &want) < 0)
			return bx_make_error(err, errno, "cannot set %s to %llu/%llu", r->name,
					     (unsigned long long)want.rlim_cur, (unsigned long long)want.rlim_max);
	}
	return 0;
}

static int set_caps(const uint64_t *caps, bx_err_t *err)
{
	cap_t c = cap_init();
	for (unsigned n = 0; n <= bx_caps_last(); n++) {
		cap_value_t v = (cap_value_t)n;
		if (caps[BX_CAP_EFFECTIVE] & (1ULL << n))
			cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_SET);
		if (caps[BX_CAP_PERMITTED] & (1ULL << n))
			cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_SET);
		if (caps[BX_CAP_INHERITABLE] & (1ULL << n))
			cap_set_flag(c, CAP_INHERITABLE, 1, &v, CAP_SET);
	}
	int r = cap_set_proc(c);
	int e = errno;
	cap_free(c);
	if (r < 0)
		return bx_make_error(err, e, "cannot set the capability sets of process.capabilities");
	for (unsigned n = 0; n <= bx_caps_last(); n++)
		if ((caps[BX_CAP_AMBIENT] & (1ULL << n)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, n, 0, 0) < 0)
			return bx_make_error(err, errno, "cannot raise %s in the ambient set (it must be permitted and "
					     "inheritable too)", bx_caps_name(n));
	return 0;
}

int bx_oci_apply_process(const struct bx_oci_process *p, bool set_rlimits, bx_err_t *err)
{
	if (set_rlimits && bx_oci_rlimits(p, err) < 0)
		return -1;
	if (p->umask_set)
		umask(p->umask);
	if (p->has_caps) {
		for (unsigned n = 0; n <= bx_caps_last(); n++)
			if (!(p->caps[BX_CAP_BOUNDING] & (1ULL << n)) && prctl(PR_CAPBSET_DROP, n, 0, 0, 0) < 0 &&
			    errno != EINVAL)
				return bx_make_error(err, errno, "cannot drop %s from the bounding set", bx_caps_name(n));
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return bx_make_error(err, errno, "cannot keep capabilities across the user switch");
	/* setgroups is denied in a user namespace whose setgroups file says
	 * deny; then the groups are whatever the namespace gives. */
	if (setgroups(p->ngids, p->gids) < 0 && !(errno == EPERM && p->ngids == 0))
		return bx_make_error(err, errno, "cannot set process.user.additionalGids");
	if (syscall(SYS_setresgid, p->gid, p->gid, p->gid) < 0)
		return bx_make_error(err, errno, "cannot switch to gid %u (process.user.gid)", (unsigned)p->gid);
	if (syscall(SYS_setresuid, p->uid, p->uid, p->uid) < 0)
		return bx_make_error(err, errno, "cannot switch to uid %u (process.user.uid)", (unsigned)p->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return bx_make_error(err, errno, "cannot reset keepcaps");
	if (p->has_caps && set_caps(p->caps, err) < 0)
		return -1;
	if (p->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return bx_make_error(err, errno, "cannot set no_new_privs (process.noNewPrivileges)");
	if (chdir(p->cwd) < 0)
		return bx_make_error(err, errno, "cannot change to process.cwd %s", p->cwd);
	return 0;
}

int bx_oci_seccomp(const char *json, const struct bx_oci_process *p, bx_err_t *err)
{
	struct bx_sc_env env;
	struct bx_sc_profile prof = {0};
	struct bx_sc_prog prog = {0};
	bx_sc_env_default(&env);
	if (p->has_caps)
		env.caps = p->caps[BX_CAP_EFFECTIVE];
	if (bx_sc_profile_parse(json, "config.json linux.seccomp", &env, &prof, err) < 0)
		return -1;
	int r = bx_sc_compile(&prof, &prog, err);
	if (r == 0) {
		struct sock_fprog fp = {.len = (unsigned short)prog.len, .filter = prog.insns};
		unsigned flags = prof.log_flag ? SECCOMP_FILTER_FLAG_LOG : 0;
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fp) < 0)
			r = bx_make_error(err, errno, "cannot load the seccomp filter of linux.seccomp");
	}
	bx_sc_prog_free(&prog);
	bx_sc_profile_free(&prof);
	return r;
}

int bx_oci_console_connect(const char *path, bx_err_t *err)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof a.sun_path)
		return bx_usage_error(err, "--console-socket %s: path too long for a unix socket (%zu bytes at most)", path,
				      sizeof a.sun_path - 1);
	strcpy(a.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return bx_make_error(err, e, "cannot connect to --console-socket %s", path);
	}
	return fd;
}

/* runc's utils.SendFd: the pty's name as the data, the master as
 * SCM_RIGHTS. */
static int send_fd(int sock, const char *name, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	return sendmsg(sock, &m, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

int bx_oci_console(int sock, bx_err_t *err)
{
	cleanup_close int master = -1;
	int slave, ptn = 0;
	if (bx_pty_open(&master, &slave, err) < 0)
		return bx_error_hint(err, "process.terminal needs devpts mounted on /dev/pts");
	char name[32];
	if (ioctl(master, TIOCGPTN, &ptn) < 0)
		ptn = -1;
	snprintf(name, sizeof name, "/dev/pts/%d", ptn);
	if (send_fd(sock, name, master) < 0) {
		close(slave);
		return bx_make_error(err, errno, "cannot send the terminal to --console-socket");
	}
	return bx_pty_attach(slave, err);
}
