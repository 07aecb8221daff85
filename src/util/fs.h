#ifndef BX_FS_H
#define BX_FS_H

#include "core/err.h"

#include <linux/openat2.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* openat2(2) with these RESOLVE_* flags, always O_CLOEXEC: -1 and errno
 * (ENOSYS before Linux 5.6). */
int bx_openat2(int dirfd, const char *path, int flags, uint64_t resolve);
int bx_mkdir_p(const char *path, mode_t mode, bx_err_t *err);
int bx_rm_rf(const char *path, bx_err_t *err);
int bx_write_file(const char *path, const char *data, size_t len, bx_err_t *err);
int bx_write_file_atomic(const char *path, const char *data, size_t len, bx_err_t *err);
/* Reads a whole (small) file; NULL with *err set on failure. */
char *bx_read_file(const char *path, size_t *len, bx_err_t *err);
/* Copy a tree, adding uid_shift/gid_shift to every owner: the image as
 * container root sees it through a user namespace. */
int bx_copy_tree_shifted(const char *src, const char *dst, uid_t uid_shift, gid_t gid_shift, bx_err_t *err);

#endif
