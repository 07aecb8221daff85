#include "util/fs.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <unistd.h>

int bx_openat2(int dirfd, const char *path, int flags, uint64_t resolve)
{
	struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC), .resolve = resolve};
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

int bx_mkdir_p(const char *path, mode_t mode, bx_err_t *err)
{
	cleanup_free char *p = xstrdup(path);
	/* p + 1 would step past the end of "". */
	for (char *s = *p ? p + 1 : p;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return bx_make_error(err, errno, "cannot create directory %s", p);
		*s = c;
		if (!c)
			break;
	}
	/* EEXIST on the last component may be a file, not a directory. */
	struct stat st;
	if (stat(path, &st) < 0)
		return bx_make_error(err, errno, "cannot create directory %s", path);
	if (!S_ISDIR(st.st_mode))
		return bx_make_error(err, ENOTDIR, "cannot create directory %s", path);
	return 0;
}

/* The directory name under parent, without crossing into a mount: a
 * mount point gives EXDEV.  openat2's RESOLVE_NO_XDEV does it in one call;
 * before Linux 5.6 (and under valgrind 3.19, which has no openat2) it is
 * openat and a statx of STATX_ATTR_MOUNT_ROOT (the mount-root attribute,
 * not st_dev: a bind mount of the same file system has the same device). */
static int open_dir_here(int parent, const char *name, bool top)
{
	int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	int fd = bx_openat2(parent, name, flags, top ? 0 : RESOLVE_NO_XDEV);
	if (fd >= 0 || errno != ENOSYS)
		return fd;
	fd = openat(parent, name, flags);
	struct statx sx;
	if (fd < 0 || top)
		return fd;
	if (statx(fd, "", AT_EMPTY_PATH, 0, &sx) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if ((sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT)) {
		close(fd);
		errno = EXDEV;
		return -1;
	}
	return fd;
}

/* top: name is the path we were asked to remove, not something in it.
 * type: its d_type from the parent's listing (DT_UNKNOWN: not known).
 * The listing is read with getdents64 into a buffer of our own: readdir
 * would add an fstat, two fcntl and a 32 KiB buffer per directory, and a
 * state dir's teardown removes five directories at every `run --rm`. */
static int rm_at(int parent, const char *name, unsigned char type, bool top, bx_err_t *err)
{
	if (type != DT_DIR) {
		if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
			return 0;
		if (errno != EISDIR && errno != EPERM)
			return bx_make_error(err, errno, "cannot remove %s", name);
	}
	cleanup_close int fd = open_dir_here(parent, name, top);
	if (fd < 0 && errno == EXDEV)
		return bx_make_error(err, EBUSY, "cannot remove %s: it is a mount point (unmount it first)", name);
	if (fd < 0)
		return bx_make_error(err, errno, "cannot open %s", name);
	cleanup_free char *buf = xmalloc(8192);
	int ret = 0;
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, 8192);
		if (n < 0)
			return bx_make_error(err, errno, "cannot read %s", name);
		if (n == 0)
			break;
		for (long off = 0; off < n && ret == 0;) {
			struct dirent64 *e = (struct dirent64 *)(buf + off);
			off += e->d_reclen;
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				ret = rm_at(fd, e->d_name, e->d_type, false, err);
		}
		if (ret < 0)
			return ret;
	}
	if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return bx_make_error(err, errno, "cannot remove directory %s", name);
	return 0;
}

int bx_rm_rf(const char *path, bx_err_t *err)
{
	/* Never cross into a mount: a leftover mount under a state dir must
	 * be unmounted first, not emptied (a volume's host directory may be
	 * under it). */
	return rm_at(AT_FDCWD, path, DT_UNKNOWN, true, err);
}

int bx_write_file(const char *path, const char *data, size_t len, bx_err_t *err)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return bx_make_error(err, errno, "cannot open %s", path);
	while (len) {
		ssize_t n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return bx_make_error(err, errno, "cannot write %s", path);
		}
		data += n;
		len -= n;
	}
	return 0;
}

int bx_write_file_atomic(const char *path, const char *data, size_t len, bx_err_t *err)
{
	cleanup_free char *tmp = xasprintf("%s.tmp%d", path, getpid());
	if (bx_write_file(tmp, data, len, err) < 0)
		return -1;
	if (rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return bx_make_error(err, e, "cannot replace %s", path);
	}
	return 0;
}

char *bx_read_file(const char *path, size_t *lenp, bx_err_t *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, len = 0;
	char *buf;
	if (fd < 0) {
		bx_make_error(err, errno, "cannot open %s", path);
		return NULL;
	}
	buf = xmalloc(cap);
	for (;;) {
		if (len + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			bx_make_error(err, errno, "cannot read %s", path);
			return NULL;
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

static int copy_data(int in, int out)
{
	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (n == 0)
			return 0;
		if (n > 0)
			continue;
		if (errno != EXDEV && errno != ENOSYS && errno != EINVAL)
			return -1;
		/* Fallback for file systems that cannot copy_file_range. */
		char buf[65536];
		while ((n = read(in, buf, sizeof buf)) > 0)
			if (write(out, buf, n) != n)
				return -1;
		return n < 0 ? -1 : 0;
	}
}

struct hardlink {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct copy_ctx {
	uid_t us;
	gid_t gs;
	struct hardlink *links;
	size_t nlinks;
	bx_err_t *err;
};

static int copy_entry(struct copy_ctx *c, const char *src, const char *dst);

static int copy_dir(struct copy_ctx *c, const char *src, const char *dst)
{
	cleanup_dir DIR *d = opendir(src);
	struct dirent *e;
	if (!d)
		return bx_make_error(c->err, errno, "cannot read %s", src);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		cleanup_free char *s = xasprintf("%s/%s", src, e->d_name);
		cleanup_free char *t = xasprintf("%s/%s", dst, e->d_name);
		if (copy_entry(c, s, t) < 0)
			return -1;
	}
	return 0;
}

static int copy_entry(struct copy_ctx *c, const char *src, const char *dst)
{
	struct stat st;
	if (lstat(src, &st) < 0)
		return bx_make_error(c->err, errno, "cannot stat %s", src);

	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
		for (size_t i = 0; i < c->nlinks; i++)
			if (c->links[i].dev == st.st_dev && c->links[i].ino == st.st_ino) {
				if (link(c->links[i].path, dst) < 0)
					return bx_make_error(c->err, errno, "cannot link %s", dst);
				return 0;
			}
		c->links = xrealloc(c->links, (c->nlinks + 1) * sizeof *c->links);
		c->links[c->nlinks++] = (struct hardlink){st.st_dev, st.st_ino, xstrdup(dst)};
	}

	if (S_ISDIR(st.st_mode)) {
		if (mkdir(dst, 0700) < 0 && errno != EEXIST)
			return bx_make_error(c->err, errno, "cannot create %s", dst);
		if (copy_dir(c, src, dst) < 0)
			return -1;
	} else if (S_ISREG(st.st_mode)) {
		cleanup_close int in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		cleanup_close int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (in < 0 || out < 0 || copy_data(in, out) < 0)
			return bx_make_error(c->err, errno, "cannot copy %s to %s", src, dst);
	} else if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(src, target, sizeof target - 1);
		if (n < 0)
			return bx_make_error(c->err, errno, "cannot read link %s", src);
		target[n] = '\0';
		if (symlink(target, dst) < 0)
			return bx_make_error(c->err, errno, "cannot create link %s", dst);
	} else {
		if (mknod(dst, st.st_mode, st.st_rdev) < 0)
			return bx_make_error(c->err, errno, "cannot create node %s", dst);
	}
	if (lchown(dst, st.st_uid + c->us, st.st_gid + c->gs) < 0)
		return bx_make_error(c->err, errno, "cannot chown %s", dst);
	/* chown clears setuid/setgid bits: set the mode after it. */
	if (!S_ISLNK(st.st_mode) && chmod(dst, st.st_mode & 07777) < 0)
		return bx_make_error(c->err, errno, "cannot chmod %s", dst);
	struct timespec times[2] = {st.st_atim, st.st_mtim};
	utimensat(AT_FDCWD, dst, times, AT_SYMLINK_NOFOLLOW);
	return 0;
}

int bx_copy_tree_shifted(const char *src, const char *dst, uid_t uid_shift, gid_t gid_shift, bx_err_t *err)
{
	struct copy_ctx c = {.us = uid_shift, .gs = gid_shift, .err = err};
	int ret = copy_entry(&c, src, dst);
	for (size_t i = 0; i < c.nlinks; i++)
		free(c.links[i].path);
	free(c.links);
	return ret;
}
