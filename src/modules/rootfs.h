/* The rootfs module's settings and helpers shared with its commands
 * (diff, volume): volumes and tmpfs mounts as parsed from -v/--tmpfs,
 * the named-volume store, and the overlay diff. */
#ifndef BX_ROOTFS_H
#define BX_ROOTFS_H

#include "core/err.h"
#include "core/spec.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum bx_mount_kind {
	BX_MOUNT_BIND,   /* -v /host/dir:/ctr */
	BX_MOUNT_VOLUME, /* -v name:/ctr, a named volume */
	BX_MOUNT_TMPFS,  /* --tmpfs /ctr[:opts] */
};

struct bx_mount {
	enum bx_mount_kind kind;
	char *source;        /* host path or volume name; NULL for tmpfs */
	char *target;        /* absolute and canonical, in the container */
	bool ro;
	char **fsopts;       /* tmpfs: "size=64m", "mode=1777", ... */
	unsigned attrs;      /* tmpfs: MOUNT_ATTR_NOSUID ... */
	char *spec;          /* as written: for the INI file and messages */
};

struct bx_rootfs_conf {
	bool read_only;
	struct bx_mount *mounts;
	size_t n;
};

/* Parsers, pure and unit tested.  Errors are usage errors naming what
 * is allowed. */
int bx_mount_parse_volume(const char *s, struct bx_mount *m, bx_err_t *err);
int bx_mount_parse_tmpfs(const char *s, struct bx_mount *m, bx_err_t *err);
/* An absolute container path made canonical ("/a//b/../c/" -> "/a/c");
 * refuses "/", /proc and /sys and what is below them: boxlab mounts
 * those itself, and a volume there would undo their masking. */
int bx_mount_check_target(const char *what, const char *t, char **clean, bx_err_t *err);
void bx_mount_free(struct bx_mount *m);
/* The module's settings in a spec, or NULL when none were given. */
const struct bx_rootfs_conf *bx_rootfs_conf(const struct bx_spec *s);
extern const struct bx_opt bx_rootfs_opts[];
void bx_rootfs_free_conf(void *conf);

/* Docker's default masks (moby oci/defaults.go), applied under /proc
 * and /sys of the new root. */
extern const char *const bx_masked_paths[];
extern const char *const bx_readonly_paths[];

/* Named volumes: $BOXLAB_LIB_DIR/volumes/NAME/_data (volume.c). */
int bx_volume_check_name(const char *name, bx_err_t *err);
char *bx_volume_dir(const char *name);
char *bx_volume_data(const char *name);
bool bx_volume_exists(const char *name);
/* Created owned by uid:gid (container root of the default mapping);
 * *existed tells an already existing one apart. */
int bx_volume_create(const char *name, uid_t uid, gid_t gid, bool *existed, bx_err_t *err);
int bx_volume_remove(const char *name, bx_err_t *err);
char **bx_volume_list(void);
char **bx_volume_users(const char *name); /* containers whose spec mounts it */
/* "no such volume: x (create it with ...; volumes: a, b)" */
int bx_volume_missing(const char *name, bx_err_t *err);

/* The overlay diff (rootfs_diff.c): what the upper layer changed over
 * the lower ones (top first), as `docker diff` shows it. */
struct bx_change {
	char kind; /* 'A'dded, 'C'hanged, 'D'eleted */
	char *path;
};
int bx_rootfs_diff(const char *upper, char *const *lowers, struct bx_change **out, size_t *n, bx_err_t *err);
void bx_rootfs_diff_free(struct bx_change *c, size_t n);

#endif
