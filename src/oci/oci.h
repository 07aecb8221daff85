/* The OCI runtime interface: boxlab as a runc-compatible runtime that
 * engines (podman, containerd, ...) drive with a bundle's config.json.
 *
 *   config*.c    config.json -> struct bx_oci_config (every error names
 *                the JSON path): root and hooks, mounts, process, linux;
 *                the unit tests drive this part
 *   state.c      the OCI state dir (<root>/<id>/) and the spec's status
 *   container.c  create, start, delete: clone, the child's setup up to
 *                the exec.fifo
 *   rootfs.c     mounts, devices, pivot_root, masks, sysctls
 *   process.c    what the container process and `exec` share: user,
 *                capabilities, rlimits, no_new_privs, seccomp, terminal
 *   hooks.c      the six hook kinds, state on stdin, with timeouts
 *   commands.c   the runc-style CLI and its dispatch; exec.c its exec
 *
 * Resource limits go through boxlab's cgroup modules (their confs are
 * filled from linux.resources and their prepare/parent_setup/teardown
 * hooks run as for a native container); linux.seccomp is read by the
 * seccomp module's profile code (OCI's format is Docker's). */
#ifndef BX_OCI_H
#define BX_OCI_H

#include "core/err.h"
#include "core/spec.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>

#define BX_OCI_VERSION "1.1.0"

struct bx_oci_ns {
	int type;   /* CLONE_NEW* */
	char *path; /* join this one, or NULL: a new one */
};

struct bx_oci_mount {
	char *dest, *type, *source;
	unsigned long flags;      /* MS_* that the mount call takes */
	unsigned long clear;      /* MS_* a remount must clear ("rw", "dev") */
	unsigned long propagation; /* MS_PRIVATE/SLAVE/SHARED/UNBINDABLE [|MS_REC] */
	char *data;               /* the options mount(2) passes on */
	bool bind;
};

struct bx_oci_idmap {
	unsigned long ctr, host, size;
};

struct bx_oci_rlimit {
	int resource;
	char *name;
	rlim_t soft, hard;
};

struct bx_oci_hook {
	char *path;
	char **args, **env;
	int timeout; /* seconds, 0: none */
};

enum bx_oci_hook_kind {
	BX_HOOK_PRESTART,
	BX_HOOK_CREATE_RUNTIME,
	BX_HOOK_CREATE_CONTAINER,
	BX_HOOK_START_CONTAINER,
	BX_HOOK_POSTSTART,
	BX_HOOK_POSTSTOP,
	BX_HOOK_NKINDS,
};
extern const char *const bx_oci_hook_names[BX_HOOK_NKINDS];

struct bx_oci_hooks {
	struct bx_oci_hook *list;
	size_t n;
};

struct bx_oci_device {
	char type; /* c, b, u, p */
	char *path;
	unsigned major, minor;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

enum { BX_CAP_BOUNDING, BX_CAP_EFFECTIVE, BX_CAP_INHERITABLE, BX_CAP_PERMITTED, BX_CAP_AMBIENT, BX_CAP_NSETS };

struct bx_oci_process {
	bool terminal;
	uid_t uid;
	gid_t gid;
	gid_t *gids;
	size_t ngids;
	char *umask_set; /* non-NULL: umask given */
	mode_t umask;
	char **args, **env;
	char *cwd;
	bool has_caps;
	uint64_t caps[BX_CAP_NSETS];
	struct bx_oci_rlimit *rlimits;
	size_t nrlimits;
	bool nnp;
	bool has_oom;
	int oom_score_adj;
};

struct bx_oci_config {
	char *version;
	char *root_path; /* absolute: resolved against the bundle */
	bool root_ro;
	char *hostname, *domainname;
	struct bx_oci_mount *mounts;
	size_t nmounts;
	struct bx_oci_process process;
	bool has_process;
	struct bx_oci_ns *ns;
	size_t nns;
	int new_ns;  /* CLONE_NEW* of the namespaces made new */
	int join_ns; /* CLONE_NEW* of the namespaces joined by path */
	struct bx_oci_idmap *uidmap, *gidmap;
	size_t nuidmap, ngidmap;
	struct bx_oci_device *devices;
	size_t ndevices;
	char **masked, **readonly;
	char **sysctl; /* key, value, key, value ... */
	struct bx_oci_hooks hooks[BX_HOOK_NKINDS];
	unsigned long rootfs_propagation;
	char *cgroups_path;
	/* linux.resources, as the cgroup modules' settings: a spec with
	 * only those modules on and their confs filled. */
	struct bx_spec cg_spec;
	bool has_resources;
	char *seccomp_json; /* linux.seccomp re-serialised, or NULL */
	char *annotations_json; /* "{}" when none */
};

/* config.c */
/* Parse config.json text (bundle: its directory, for a relative
 * root.path).  Errors are usage errors: "config.json: PATH: what". */
int bx_oci_config_parse(const char *text, const char *bundle, struct bx_oci_config *c, bx_err_t *err);
int bx_oci_config_load(const char *bundle, struct bx_oci_config *c, bx_err_t *err);
void bx_oci_config_free(struct bx_oci_config *c);
/* process.json of `exec --process` (the same object as config's). */
int bx_oci_process_parse(const char *text, struct bx_oci_process *p, bx_err_t *err);
void bx_oci_process_free(struct bx_oci_process *p);
/* "RLIMIT_NOFILE" -> RLIMIT_NOFILE; -1 when unknown. */
int bx_oci_rlimit_from_name(const char *name);
/* mount options -> flags and data; unknown options go to data. */
void bx_oci_mount_options(char *const *opts, struct bx_oci_mount *m);
/* The namespace table: "pid" -> CLONE_NEWPID, and /proc/PID/ns/ names. */
int bx_oci_ns_from_name(const char *name);
const char *bx_oci_ns_proc_name(int type);
extern const int bx_oci_ns_order[]; /* the order namespaces are joined in, 0-terminated */

/* state.c: <root>/<id>/ holds state.json, config.json (the bundle's,
 * copied at create) and exec.fifo while the container waits for start. */
enum bx_oci_status { BX_OCI_CREATING, BX_OCI_CREATED, BX_OCI_RUNNING, BX_OCI_PAUSED, BX_OCI_STOPPED };

struct bx_oci_state {
	char *id, *bundle;
	pid_t pid;
	unsigned long long pid_start;
	int64_t created_us;
	bool created; /* the create finished: creating until then */
	char *annotations_json;
	char *owner;
};

struct bx_oci_globals {
	const char *root; /* state root (--root) */
	const char *log;  /* --log file, or NULL: stderr */
	bool log_json, debug;
};
extern struct bx_oci_globals bx_oci_g;

int bx_oci_id_check(const char *id, bx_err_t *err);
char *bx_oci_path(const char *id, const char *file); /* <root>/<id>[/file] */
int bx_oci_state_write(const struct bx_oci_state *st, bx_err_t *err);
int bx_oci_state_read(const char *id, struct bx_oci_state *st, bx_err_t *err);
void bx_oci_state_free(struct bx_oci_state *st);
enum bx_oci_status bx_oci_status(const struct bx_oci_state *st);
const char *bx_oci_status_name(enum bx_oci_status s);
/* The state JSON of the runtime spec (for `state` and hooks' stdin). */
char *bx_oci_state_json(const struct bx_oci_state *st, enum bx_oci_status s);
/* The cgroup side of a container: a box whose spec has only the cgroup
 * modules on (those with limits in the config, plus pids and freezer). */
struct bx_box;
void bx_oci_cg_box(struct bx_box *box, struct bx_spec *spec, const char *id);
int bx_oci_cg_pids(const char *id, pid_t **pids, size_t *n);

/* hooks.c: run one kind of hooks in order, each with the state JSON on
 * its stdin; a failing hook is an error naming it. */
int bx_oci_hooks_run(const struct bx_oci_hooks *h, enum bx_oci_hook_kind kind, const char *state_json, bx_err_t *err);

/* process.c */
/* In the process about to exec: rlimits (clamped with a warning where
 * the hard limit cannot be raised), groups and ids, capabilities,
 * no_new_privs, umask, cwd. */
int bx_oci_apply_process(const struct bx_oci_process *p, bool set_rlimits, bx_err_t *err);
/* rlimits, a hard limit above ours (which needs CAP_SYS_RESOURCE to
 * raise) clamped to ours; in the container's process, silently. */
int bx_oci_rlimits(const struct bx_oci_process *p, bx_err_t *err);
/* The warnings for those clamps, said by create and exec themselves
 * (not by the container's process, whose stderr may be its terminal or
 * log); done: the container's process when this is an exec'd one,
 * whose clamps create already warned about. */
void bx_oci_rlimits_warn(const struct bx_oci_process *p, const struct bx_oci_process *done);
/* Load a seccomp filter from OCI's linux.seccomp JSON. */
int bx_oci_seccomp(const char *json, const struct bx_oci_process *p, bx_err_t *err);
/* Open a terminal in the current root and send the master to the
 * console socket (fd), as runc does; the slave becomes our stdio. */
int bx_oci_console(int sock, bx_err_t *err);
/* Connect to the --console-socket path. */
int bx_oci_console_connect(const char *path, bx_err_t *err);
/* Log a line to --log (JSON when --log-format json) and stderr. */
void bx_oci_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* rootfs.c, in the container's process and mount namespace */
int bx_oci_mounts(const char *rootfs, const struct bx_oci_config *c, const char *id, bx_err_t *err);
int bx_oci_pivot(const char *rootfs, bool no_pivot, bx_err_t *err);
/* After pivot_root: sysctls first (readonlyPaths may cover /proc/sys). */
int bx_oci_sysctls(const struct bx_oci_config *c, bx_err_t *err);
int bx_oci_mask_paths(const struct bx_oci_config *c, bx_err_t *err);

/* container.c */
struct bx_oci_create_opts {
	const char *id, *bundle, *pid_file, *console_socket;
	bool no_pivot, no_new_keyring;
	int preserve_fds;
	bool detach; /* run: do not wait */
	bool run;    /* run: start right away, wait unless detach */
};
int bx_oci_create(const struct bx_oci_create_opts *o, bx_err_t *err);
int bx_oci_start(const char *id, bx_err_t *err);
int bx_oci_delete(const char *id, bool force, bx_err_t *err);
/* Wait for the container's init (a child of ours after run) and
 * return its exit code as a shell reports it. */
int bx_oci_wait_child(pid_t pid);

/* commands.c */
/* Should this command line go to the OCI interface? */
bool bx_oci_wants(int argc, char **argv);
int bx_oci_main(int argc, char **argv);
/* The OCI commands, for the native `boxlab --help`. */
void bx_oci_help(FILE *out);

#endif
