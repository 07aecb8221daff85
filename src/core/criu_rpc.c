/* CRIU's RPC over `criu swrk`, and the choice of the criu binary.
 *
 * Field numbers are those of CRIU's images/rpc.proto (4.2.1; the schema
 * only grows, so older and newer CRIUs read the same fields).  Protobuf's
 * wire format in brief: every field is a varint key (field << 3 | wire
 * type), then a varint (type 0), or a varint length and that many bytes
 * (type 2: strings and nested messages); 64- and 32-bit fixed values
 * (types 1 and 5) only need skipping here. */
#include "core/criu.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* criu_opts */
enum {
	OPT_IMAGES_DIR_FD = 1,
	OPT_PID = 2,
	OPT_LEAVE_RUNNING = 3,
	OPT_EXT_UNIX_SK = 4,
	OPT_SHELL_JOB = 7,
	OPT_FILE_LOCKS = 8,
	OPT_LOG_LEVEL = 9,
	OPT_LOG_FILE = 10,
	OPT_NOTIFY_SCRIPTS = 12,
	OPT_ROOT = 13,
	OPT_WORK_DIR_FD = 17,
	OPT_MANAGE_CGROUPS = 24,
	OPT_CG_ROOT = 25,
	OPT_RST_SIBLING = 26,
	OPT_INHERIT_FD = 27,
	OPT_MANAGE_CGROUPS_MODE = 34,
	OPT_EXTERNAL = 37,
	OPT_EMPTY_NS = 38,
	OPT_FREEZE_CGROUP = 44,
	OPT_TIMEOUT = 45,
	OPT_ORPHAN_PTS_MASTER = 50,
	OPT_NETWORK_LOCK = 64,
	OPT_MNTNS_COMPAT_MODE = 65,
};
/* criu_req, criu_resp and the messages inside */
enum { REQ_TYPE = 1, REQ_OPTS = 2, REQ_NOTIFY_SUCCESS = 3 };
enum {
	RESP_TYPE = 1,
	RESP_SUCCESS = 2,
	RESP_DUMP = 3,
	RESP_RESTORE = 4,
	RESP_NOTIFY = 5,
	RESP_CR_ERRNO = 7,
	RESP_CR_ERRMSG = 9,
	RESP_VERSION = 10,
};
enum { WT_VARINT = 0, WT_FIXED64 = 1, WT_LEN = 2, WT_FIXED32 = 5 };

/* ---- encoding ---- */

void bx_buf_free(struct bx_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

static void buf_put(struct bx_buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->data = xrealloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void put_varint(struct bx_buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;
	do {
		tmp[n] = v & 0x7f;
		v >>= 7;
		if (v)
			tmp[n] |= 0x80;
		n++;
	} while (v);
	buf_put(b, tmp, n);
}

static void put_key(struct bx_buf *b, unsigned field, unsigned wt)
{
	put_varint(b, (uint64_t)field << 3 | wt);
}

/* int32 and enums: negative values are sign-extended to 64 bits. */
static void put_int(struct bx_buf *b, unsigned field, int64_t v)
{
	put_key(b, field, WT_VARINT);
	put_varint(b, (uint64_t)v);
}

static void put_bool(struct bx_buf *b, unsigned field, bool v)
{
	if (v)
		put_int(b, field, 1);
}

static void put_bytes(struct bx_buf *b, unsigned field, const void *p, size_t n)
{
	put_key(b, field, WT_LEN);
	put_varint(b, n);
	buf_put(b, p, n);
}

static void put_str(struct bx_buf *b, unsigned field, const char *s)
{
	if (s)
		put_bytes(b, field, s, strlen(s));
}

static void put_msg(struct bx_buf *b, unsigned field, struct bx_buf *sub)
{
	put_bytes(b, field, sub->data, sub->len);
	bx_buf_free(sub);
}

/* In field-number order, as protobuf's own encoders write them. */
static void encode_opts(struct bx_buf *b, const struct bx_criu_opts *o)
{
	put_int(b, OPT_IMAGES_DIR_FD, o->images_dir_fd); /* required */
	if (o->pid)
		put_int(b, OPT_PID, o->pid);
	put_bool(b, OPT_LEAVE_RUNNING, o->leave_running);
	put_bool(b, OPT_EXT_UNIX_SK, o->ext_unix_sk);
	put_bool(b, OPT_SHELL_JOB, o->shell_job);
	put_bool(b, OPT_FILE_LOCKS, o->file_locks);
	if (o->log_level)
		put_int(b, OPT_LOG_LEVEL, o->log_level);
	put_str(b, OPT_LOG_FILE, o->log_file);
	put_bool(b, OPT_NOTIFY_SCRIPTS, o->notify_scripts);
	put_str(b, OPT_ROOT, o->root);
	if (o->work_dir_fd >= 0 && o->work_dir_fd != o->images_dir_fd)
		put_int(b, OPT_WORK_DIR_FD, o->work_dir_fd);
	put_bool(b, OPT_MANAGE_CGROUPS, o->manage_cgroups);
	for (size_t i = 0; i < o->ncg_root; i++) {
		struct bx_buf sub = {0};
		put_str(&sub, 1, o->cg_root[i].ctrl);
		put_str(&sub, 2, o->cg_root[i].path);
		put_msg(b, OPT_CG_ROOT, &sub);
	}
	put_bool(b, OPT_RST_SIBLING, o->rst_sibling);
	for (size_t i = 0; i < o->ninherit; i++) {
		struct bx_buf sub = {0};
		put_str(&sub, 1, o->inherit[i].key);
		put_int(&sub, 2, o->inherit[i].fd);
		put_msg(b, OPT_INHERIT_FD, &sub);
	}
	if (o->manage_cgroups)
		put_int(b, OPT_MANAGE_CGROUPS_MODE, o->manage_cgroups_mode);
	for (size_t i = 0; o->external && o->external[i]; i++)
		put_str(b, OPT_EXTERNAL, o->external[i]);
	if (o->empty_ns)
		put_int(b, OPT_EMPTY_NS, o->empty_ns);
	put_str(b, OPT_FREEZE_CGROUP, o->freeze_cgroup);
	if (o->timeout_s)
		put_int(b, OPT_TIMEOUT, o->timeout_s);
	put_bool(b, OPT_ORPHAN_PTS_MASTER, o->orphan_pts_master);
	if (o->network_lock)
		put_int(b, OPT_NETWORK_LOCK, o->network_lock);
	put_bool(b, OPT_MNTNS_COMPAT_MODE, o->mntns_compat_mode);
}

void bx_criu_encode_req(struct bx_buf *out, enum bx_criu_req type, const struct bx_criu_opts *opts,
			bool notify_success)
{
	put_int(out, REQ_TYPE, type);
	if (opts) {
		struct bx_buf sub = {0};
		encode_opts(&sub, opts);
		put_msg(out, REQ_OPTS, &sub);
	}
	if (type == BX_CRIU_NOTIFY)
		put_int(out, REQ_NOTIFY_SUCCESS, notify_success);
}

/* ---- decoding ---- */

struct reader {
	const uint8_t *p, *end;
};

static int get_varint(struct reader *r, uint64_t *v)
{
	*v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (r->p >= r->end)
			return -1;
		uint8_t c = *r->p++;
		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return 0;
	}
	return -1;
}

/* The next field: its number, and its value (varint) or bytes. */
static int get_field(struct reader *r, unsigned *field, uint64_t *v, struct reader *bytes)
{
	uint64_t key;
	if (get_varint(r, &key) < 0 || key >> 3 == 0)
		return -1;
	*field = (unsigned)(key >> 3);
	switch (key & 7) {
	case WT_VARINT:
		return get_varint(r, v);
	case WT_LEN:
		if (get_varint(r, v) < 0 || *v > (uint64_t)(r->end - r->p))
			return -1;
		bytes->p = r->p;
		bytes->end = r->p + *v;
		r->p += *v;
		return 0;
	case WT_FIXED64:
	case WT_FIXED32: {
		size_t n = (key & 7) == WT_FIXED64 ? 8 : 4;
		if ((size_t)(r->end - r->p) < n)
			return -1;
		r->p += n;
		*field = 0; /* nothing boxlab reads has this type: skip */
		return 0;
	}
	default:
		return -1;
	}
}

static char *bytes_str(const struct reader *b)
{
	return xstrndup((const char *)b->p, (size_t)(b->end - b->p));
}

/* A nested message whose varint fields we want: fields[i] <- field i+1. */
static int get_sub(struct reader sub, int64_t *fields, size_t n, char **str1)
{
	unsigned f;
	uint64_t v;
	struct reader b;
	while (sub.p < sub.end) {
		b.p = NULL;
		if (get_field(&sub, &f, &v, &b) < 0)
			return -1;
		if (str1 && f == 1 && b.p) {
			free(*str1);
			*str1 = bytes_str(&b);
			continue;
		}
		if (f >= 1 && f <= n && !b.p)
			fields[f - 1] = (int64_t)v;
	}
	return 0;
}

int bx_criu_decode_resp(const uint8_t *data, size_t len, struct bx_criu_resp *out)
{
	struct reader r = {data, data + len}, b;
	memset(out, 0, sizeof *out);
	while (r.p < r.end) {
		unsigned f;
		uint64_t v;
		int64_t sub[4] = {0};
		b.p = NULL;
		if (get_field(&r, &f, &v, &b) < 0)
			goto bad;
		switch (f) {
		case RESP_TYPE:
			out->type = (int)v;
			break;
		case RESP_SUCCESS:
			out->success = v != 0;
			break;
		case RESP_CR_ERRNO:
			out->cr_errno = (int)v;
			break;
		case RESP_DUMP:
			if (!b.p || get_sub(b, sub, 1, NULL) < 0)
				goto bad;
			out->restored = sub[0] != 0;
			break;
		case RESP_RESTORE:
			if (!b.p || get_sub(b, sub, 1, NULL) < 0)
				goto bad;
			out->pid = (pid_t)sub[0];
			break;
		case RESP_NOTIFY:
			if (!b.p || get_sub(b, sub, 2, &out->script) < 0)
				goto bad;
			out->pid = (pid_t)sub[1];
			break;
		case RESP_CR_ERRMSG:
			if (!b.p)
				goto bad;
			free(out->cr_errmsg);
			out->cr_errmsg = bytes_str(&b);
			break;
		case RESP_VERSION:
			if (!b.p || get_sub(b, sub, 4, NULL) < 0)
				goto bad;
			out->major = (int)sub[0];
			out->minor = (int)sub[1];
			out->sublevel = (int)sub[3];
			break;
		default:
			break; /* fields boxlab does not use */
		}
	}
	return 0;
bad:
	bx_criu_resp_free(out);
	return -1;
}

void bx_criu_resp_free(struct bx_criu_resp *r)
{
	free(r->cr_errmsg);
	free(r->script);
	memset(r, 0, sizeof *r);
}

/* ---- the conversation with `criu swrk` ---- */

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int send_msg(int sk, const struct bx_buf *b, bx_err_t *err)
{
	if (send(sk, b->data, b->len, MSG_NOSIGNAL) != (ssize_t)b->len)
		return bx_make_error(err, errno, "cannot send a request to criu");
	return 0;
}

/* One message, and the descriptor that may come with it; 0 at EOF. */
static ssize_t recv_msg(int sk, uint8_t **data, int *fd, bx_err_t *err)
{
	ssize_t len = recv(sk, NULL, 0, MSG_PEEK | MSG_TRUNC);
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	if (len < 0 && errno == ECONNRESET)
		return 0; /* it exited before reading our request */
	if (len < 0)
		return bx_make_error(err, errno, "cannot read criu's answer");
	if (len == 0)
		return 0;
	*data = xmalloc((size_t)len);
	struct iovec iov = {.iov_base = *data, .iov_len = (size_t)len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			    .msg_controllen = sizeof ctl.buf};
	ssize_t n = recvmsg(sk, &mh, MSG_CMSG_CLOEXEC);
	if (n != len) {
		free(*data);
		*data = NULL;
		return bx_make_error(err, n < 0 ? errno : EBADMSG, "cannot read criu's answer");
	}
	*fd = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(c), sizeof *fd);
	return n;
}

static void __attribute__((noreturn)) swrk_child(const char *bin, int sk, const struct bx_criu_opts *o)
{
	char fdstr[16];
	sigset_t none;
	/* criu relies on SIGCHLD to notice restore helpers that die, and
	 * the supervisor blocks the signals it relays. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* What criu inherits by number: its socket and the inherit fds. */
	fcntl(sk, F_SETFD, 0);
	for (size_t i = 0; o && i < o->ninherit; i++)
		fcntl(o->inherit[i].fd, F_SETFD, 0);
	/* Everything criu says goes to its log file; keep the terminal of
	 * the boxlab command clean. */
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	snprintf(fdstr, sizeof fdstr, "%d", sk);
	execl(bin, bin, "swrk", fdstr, (char *)NULL);
	_exit(127);
}

static void reap(pid_t pid, bool kill_it)
{
	if (kill_it)
		kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int bx_criu_call(const char *bin, enum bx_criu_req type, const struct bx_criu_opts *opts, int timeout_ms,
		 bx_criu_notify_fn notify, void *data, struct bx_criu_resp *resp, bx_err_t *err)
{
	int sk[2];
	struct bx_buf req = {0};
	int64_t deadline = mono_ms() + timeout_ms;

	memset(resp, 0, sizeof *resp);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sk) < 0)
		return bx_make_error(err, errno, "cannot create the socket to criu");
	pid_t pid = fork();
	if (pid < 0) {
		close(sk[0]);
		close(sk[1]);
		return bx_make_error(err, errno, "cannot start %s swrk", bin);
	}
	if (pid == 0) {
		close(sk[0]);
		swrk_child(bin, sk[1], opts);
	}
	close(sk[1]);
	cleanup_close int s = sk[0];

	bx_criu_encode_req(&req, type, opts, false);
	int ret = send_msg(s, &req, err);
	bx_buf_free(&req);
	if (ret < 0) {
		reap(pid, true);
		return bx_error_hint(err, "is %s a criu binary?", bin);
	}
	for (;;) {
		struct pollfd p = {.fd = s, .events = POLLIN};
		int64_t left = deadline - mono_ms();
		int r = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			reap(pid, true);
			bx_criu_resp_free(resp);
			return bx_make_error(err, r < 0 ? errno : ETIMEDOUT, "criu did not finish within %d s (killed it)",
					     timeout_ms / 1000);
		}
		cleanup_free uint8_t *msg = NULL;
		int fd = -1;
		ssize_t n = recv_msg(s, &msg, &fd, err);
		if (n <= 0) {
			int status = 0;
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			if (n == 0)
				bx_make_error(err, 0, "criu exited without an answer (%s %d)",
					      WIFSIGNALED(status) ? "signal" : "status",
					      WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
			return -1;
		}
		bx_criu_resp_free(resp);
		if (bx_criu_decode_resp(msg, (size_t)n, resp) < 0) {
			if (fd >= 0)
				close(fd);
			reap(pid, true);
			return bx_make_error(err, EBADMSG, "criu sent a message boxlab cannot decode");
		}
		if (resp->type != BX_CRIU_NOTIFY) {
			if (fd >= 0)
				close(fd);
			break;
		}
		bx_err_t cb_err = NULL;
		bool ok = !notify || notify(data, resp->script ? resp->script : "", resp->pid, fd, &cb_err) >= 0;
		if (!notify && fd >= 0)
			close(fd);
		bx_criu_encode_req(&req, BX_CRIU_NOTIFY, NULL, ok);
		ret = send_msg(s, &req, err);
		bx_buf_free(&req);
		if (!ok) {
			/* CRIU gives up on a failed notification and answers;
			 * our own error says more than its. */
			reap(pid, false);
			bx_error_release(err);
			*err = cb_err;
			bx_criu_resp_free(resp);
			return -1;
		}
		if (ret < 0) {
			reap(pid, true);
			return -1;
		}
	}
	/* swrk exits after its answer. */
	close(steal_fd(&s));
	reap(pid, false);
	if (resp->type != (int)type && !(resp->type == BX_CRIU_EMPTY && !resp->success)) {
		bx_criu_resp_free(resp);
		return bx_make_error(err, EBADMSG, "criu answered a request of type %d with type %d", type, resp->type);
	}
	return 0;
}

/* ---- which criu ---- */

const char *bx_criu_dir(void)
{
	const char *d = getenv("BOXLAB_CRIU_DIR");
	return d && *d ? d : "/var/lib/boxlab/criu";
}

void bx_criu_info_free(struct bx_criu_info *info)
{
	free(info->bin);
	free(info->name);
	free(info->verdict);
	memset(info, 0, sizeof *info);
}

void bx_criu_find(struct bx_criu_info *out)
{
	const char *env = getenv("BOXLAB_CRIU");
	bx_err_t tmp = NULL;
	struct utsname u;

	memset(out, 0, sizeof *out);
	if (env && *env) {
		out->bin = xstrdup(env);
		out->name = xstrdup("$BOXLAB_CRIU");
		out->verdict = xstrdup("given by $BOXLAB_CRIU, not tested");
		out->works = access(env, X_OK) == 0;
		return;
	}
	cleanup_free char *bin = xasprintf("%s/current/sbin/criu", bx_criu_dir());
	cleanup_free char *vpath = xasprintf("%s/current/verdict", bx_criu_dir());
	cleanup_free char *link = xasprintf("%s/current", bx_criu_dir());
	if (access(bin, X_OK) < 0) {
		out->verdict = xasprintf("none in %s: 'sudo make deps' tests Debian's and builds one that works",
					 bx_criu_dir());
		return;
	}
	char target[256];
	ssize_t n = readlink(link, target, sizeof target - 1);
	target[n > 0 ? n : 0] = '\0';
	out->bin = steal_pointer(&bin);
	out->name = xstrdup(n > 0 ? target : "current");
	char *v = bx_read_file(vpath, NULL, &tmp);
	bx_error_release(&tmp);
	if (!v) {
		out->verdict = xstrdup("never tested: run 'sudo make deps'");
		return;
	}
	v[strcspn(v, "\n")] = '\0';
	out->verdict = v;
	uname(&u);
	cleanup_free char *kernel = xasprintf(" kernel %s ", u.release);
	out->works = !strncmp(v, "ok ", 3) && strstr(v, kernel);
}

int bx_criu_require(struct bx_criu_info *out, bx_err_t *err)
{
	bx_criu_find(out);
	if (!out->bin)
		return bx_make_error(err, ENOENT, "no CRIU to checkpoint with: %s", out->verdict);
	if (!out->works) {
		struct utsname u;
		uname(&u);
		if (!strncmp(out->verdict, "ok ", 3))
			return bx_make_error(err, 0, "CRIU %s was tested on another kernel, not on %s (run 'sudo make "
					     "deps' to test it here)", out->name, u.release);
		return bx_make_error(err, 0, "CRIU %s does not work here: %s (see scripts/criu.sh)", out->name,
				     out->verdict);
	}
	return 0;
}
