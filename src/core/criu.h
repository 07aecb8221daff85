/* CRIU as boxlab uses it: which binary, whether it works here, and its
 * RPC protocol.
 *
 * boxlab talks to `criu swrk FD` itself, the way libcriu does (spawn the
 * binary with one end of a SOCK_SEQPACKET socketpair, send a criu_req,
 * answer criu_notify messages, read the final criu_resp), rather than
 * linking libcriu:
 *   - boxlab is one static binary and Debian ships no libcriu at all (and
 *     CRIU's own build makes only a shared one); talking the protocol
 *     works with any criu binary, packaged or built by scripts/criu.sh;
 *   - libcriu blocks in recv() with no time limit and keeps the swrk pid
 *     to itself, so a hung dump (CRIU 4.1.1 hangs on this project's
 *     kernel) would hang boxlab with the container frozen; here every call
 *     has a deadline, after which criu is killed and the caller thaws.
 * The messages are the few fields of images/rpc.proto boxlab needs,
 * encoded by hand (criu_rpc.c; wire format: protobuf's varints and
 * length-delimited fields), so no protobuf library is linked either. */
#ifndef BX_CRIU_H
#define BX_CRIU_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* rpc.proto's criu_req_type and criu_cg_mode values. */
enum bx_criu_req { BX_CRIU_EMPTY = 0, BX_CRIU_DUMP = 1, BX_CRIU_RESTORE = 2, BX_CRIU_NOTIFY = 6, BX_CRIU_VERSION = 10 };
enum bx_criu_cg_mode { BX_CRIU_CG_IGNORE = 0, BX_CRIU_CG_NONE = 1, BX_CRIU_CG_SOFT = 3 };
enum bx_criu_netlock { BX_CRIU_NETLOCK_IPTABLES = 1, BX_CRIU_NETLOCK_NFTABLES = 2, BX_CRIU_NETLOCK_SKIP = 3 };

struct bx_criu_inherit {
	const char *key; /* "file[mnt:ino]", "pipe:[ino]" ... as in the images */
	int fd;          /* ours; the swrk child inherits it */
};

struct bx_criu_cg_root {
	const char *ctrl; /* NULL: every controller without its own */
	const char *path;
};

/* The fields of criu_opts boxlab sets; 0/NULL/false leaves one out. */
struct bx_criu_opts {
	int images_dir_fd, work_dir_fd; /* work_dir_fd < 0: the images dir */
	pid_t pid;
	bool leave_running, shell_job, file_locks, rst_sibling, notify_scripts, orphan_pts_master, ext_unix_sk;
	int log_level;
	const char *log_file, *root, *freeze_cgroup;
	enum bx_criu_cg_mode manage_cgroups_mode; /* sent when manage_cgroups */
	bool manage_cgroups;
	enum bx_criu_netlock network_lock; /* 0: CRIU's default */
	unsigned timeout_s;                /* CRIU's own limit on freezing, 0: its default */
	unsigned empty_ns;                 /* CLONE_NEWNET: save/restore the netns empty */
	bool mntns_compat_mode;            /* CRIU's older mount engine */
	char **external;                   /* NULL-terminated */
	const struct bx_criu_inherit *inherit;
	size_t ninherit;
	const struct bx_criu_cg_root *cg_root;
	size_t ncg_root;
};

/* What came back. */
struct bx_criu_resp {
	int type;
	bool success;
	bool restored;  /* dump: the tasks were resumed (leave_running) */
	pid_t pid;      /* restore: the root task, host view; notify: its pid */
	int cr_errno;
	char *cr_errmsg;
	char *script;   /* notify: "post-dump", "orphan-pts-master" ... */
	int major, minor, sublevel; /* version */
};
void bx_criu_resp_free(struct bx_criu_resp *r);

/* A growable byte buffer for the encoder. */
struct bx_buf {
	uint8_t *data;
	size_t len, cap;
};
void bx_buf_free(struct bx_buf *b);

/* Encode a criu_req; notify_success is only for BX_CRIU_NOTIFY answers.
 * opts may be NULL (VERSION, NOTIFY). */
void bx_criu_encode_req(struct bx_buf *out, enum bx_criu_req type, const struct bx_criu_opts *opts,
			bool notify_success);
/* Decode a criu_resp; -1 on a malformed message. */
int bx_criu_decode_resp(const uint8_t *data, size_t len, struct bx_criu_resp *out);

/* Called for every notification CRIU sends while it works (only with
 * opts->notify_scripts).  fd: a descriptor that came with it (the
 * orphan-pts-master), or -1; ownership passes to the callback.  Return
 * < 0 (and fill err) to make CRIU fail the request. */
typedef int (*bx_criu_notify_fn)(void *data, const char *script, pid_t pid, int fd, bx_err_t *err);

/* Run one request through `BIN swrk`, with a time limit in ms.  On
 * return criu has exited.  Returns 0 when CRIU answered (resp->success
 * says how it went), -1 with err set when it could not be asked, died,
 * timed out, or a callback failed. */
int bx_criu_call(const char *bin, enum bx_criu_req type, const struct bx_criu_opts *opts, int timeout_ms,
		 bx_criu_notify_fn notify, void *data, struct bx_criu_resp *resp, bx_err_t *err);

/* Which CRIU boxlab uses: $BOXLAB_CRIU (a binary, untested), else the
 * one scripts/criu.sh tested and cached in $BOXLAB_CRIU_DIR (default
 * /var/lib/boxlab/criu)/current, with the verdict it wrote. */
struct bx_criu_info {
	char *bin;     /* NULL: none */
	char *name;    /* "4.2.1", "debian-3.17.1", "$BOXLAB_CRIU" */
	char *verdict; /* the line scripts/criu.sh wrote, or why there is none */
	bool works;    /* tested ok on this kernel (or given by $BOXLAB_CRIU) */
};
const char *bx_criu_dir(void);
void bx_criu_find(struct bx_criu_info *out);
void bx_criu_info_free(struct bx_criu_info *info);
/* The binary to use, or an error saying why there is none that works. */
int bx_criu_require(struct bx_criu_info *out, bx_err_t *err);

#endif
