/* Layer extraction: libarchive reads (any of tar's dialects, through
 * gzip, xz, zstd or bzip2) and writes (archive_write_disk, with its
 * SECURE_* guards on), and every entry passes our own checks first:
 *
 *   - names: no absolute path, no ".." component (bx_archive_clean_path);
 *   - symlinks: a relative target may not climb above the layer's root;
 *   - hardlinks: the target must be an entry already extracted, reached
 *     without passing through a symlink;
 *   - no device nodes: the container's /dev is made by boxlab, and a
 *     character device 0/0 in a layer must only ever mean a whiteout;
 *   - no extended attributes: trusted.overlay.* from an archive could
 *     redirect overlayfs lookups, security.* would grant file caps.
 *
 * libarchive writes relative to the working directory, so extraction
 * runs with the destination as cwd and the old one restored after. */
#include "core/archive.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define WH_PREFIX ".wh."
#define WH_META ".wh..wh."
#define WH_OPAQUE ".wh..wh..opq"
#define READ_BLOCK (1 << 20)

int bx_archive_clean_path(const char *name, char **out, bx_err_t *err)
{
	if (name[0] == '/')
		return bx_make_error(err, 0, "entry \"%s\" is an absolute path (entries must be relative to the image root)",
				     name);
	cleanup_free char *copy = xstrdup(name);
	char *buf = xmalloc(strlen(name) + 2), *save = NULL;
	size_t n = 0;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			free(buf);
			return bx_make_error(err, 0, "entry \"%s\" climbs out of the image with \"..\"", name);
		}
		if (n)
			buf[n++] = '/';
		memcpy(buf + n, c, strlen(c));
		n += strlen(c);
	}
	if (!n)
		buf[n++] = '.';
	buf[n] = '\0';
	*out = buf;
	return 0;
}

enum bx_whiteout bx_archive_whiteout(const char *clean, char **target)
{
	const char *slash = strrchr(clean, '/');
	const char *base = slash ? slash + 1 : clean;
	size_t dirlen = slash ? (size_t)(slash - clean) : 0;

	*target = NULL;
	if (strncmp(base, WH_PREFIX, strlen(WH_PREFIX)))
		return BX_WH_NONE;
	if (!strcmp(base, WH_OPAQUE)) {
		*target = dirlen ? xstrndup(clean, dirlen) : xstrdup(".");
		return BX_WH_OPAQUE;
	}
	if (!strncmp(base, WH_META, strlen(WH_META)))
		return BX_WH_META;
	const char *victim = base + strlen(WH_PREFIX);
	if (!*victim || !strcmp(victim, ".") || !strcmp(victim, ".."))
		return BX_WH_BAD;
	*target = dirlen ? xasprintf("%.*s/%s", (int)dirlen, clean, victim) : xstrdup(victim);
	return BX_WH_FILE;
}

bool bx_archive_symlink_escapes(const char *clean, const char *target)
{
	if (target[0] == '/')
		return false;
	/* Depth of the link's directory below the root, then walk the
	 * target: going below zero at any point is an escape, even if a
	 * later component comes back ("../x/../.." and "../img/etc"). */
	long depth = 0;
	for (const char *p = clean; *p; p++)
		depth += *p == '/';
	if (!strcmp(clean, "."))
		depth = 0;
	cleanup_free char *copy = xstrdup(target);
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			if (--depth < 0)
				return true;
		} else {
			depth++;
		}
	}
	return false;
}

/* --- reading, hashing every byte on the way --- */

struct source {
	int fd;
	struct bx_sha256 sha;
	uint64_t bytes;
	uint8_t *buf;
};

static la_ssize_t source_read(struct archive *a, void *data, const void **out)
{
	struct source *s = data;
	ssize_t n;
	do
		n = read(s->fd, s->buf, READ_BLOCK);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "read error");
		return -1;
	}
	bx_sha256_update(&s->sha, s->buf, (size_t)n);
	s->bytes += (uint64_t)n;
	*out = s->buf;
	return n;
}

/* libarchive stops at the end-of-archive blocks; the digest is of the
 * whole file, so hash what it left unread too. */
static int source_drain(struct source *s)
{
	for (;;) {
		ssize_t n = read(s->fd, s->buf, READ_BLOCK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		bx_sha256_update(&s->sha, s->buf, (size_t)n);
		s->bytes += (uint64_t)n;
	}
}

int bx_archive_hash_file(const char *path, char hex[BX_SHA256_HEX], bx_err_t *err)
{
	struct source s = {.fd = open(path, O_RDONLY | O_CLOEXEC)};
	if (s.fd < 0)
		return bx_make_error(err, errno, "cannot open %s", path);
	s.buf = xmalloc(READ_BLOCK);
	bx_sha256_init(&s.sha);
	int ret = source_drain(&s);
	if (ret < 0)
		bx_make_error(err, errno, "cannot read %s", path);
	else
		bx_sha256_final_hex(&s.sha, hex);
	free(s.buf);
	close(s.fd);
	return ret < 0 ? -1 : 0;
}

/* --- writing --- */

struct extract {
	const char *src; /* for messages */
	int root;        /* the destination directory */
	struct archive *r, *w;
	struct bx_layer_info *info;
	bx_err_t *err;
};

static int entry_error(struct extract *x, const char *entry, int errnum, const char *what)
{
	return bx_make_error(x->err, errnum, "entry \"%s\": %s", entry, what);
}

/* Open directory `rel` below the root without following any symlink,
 * creating missing directories (0755) when asked: the walk a whiteout
 * or an opaque marker needs, whose parents the archive may not list. */
static int open_dir_beneath(struct extract *x, const char *rel, bool create, const char *entry)
{
	int fd = dup(x->root);
	if (fd < 0)
		return entry_error(x, entry, errno, "cannot open the layer directory");
	if (!strcmp(rel, "."))
		return fd;
	cleanup_free char *copy = xstrdup(rel);
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, c, 0755) < 0 && errno != EEXIST) {
				close(fd);
				return entry_error(x, entry, errno, "cannot create its parent directory");
			}
			next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		close(fd);
		if (next < 0)
			return entry_error(x, entry, errno == ELOOP ? ELOOP : errno,
					   errno == ELOOP || errno == ENOTDIR
						   ? "its path passes through a symlink or a file"
						   : "cannot open its parent directory");
		fd = next;
	}
	return fd;
}

static int apply_whiteout(struct extract *x, const char *entry, const char *target)
{
	const char *slash = strrchr(target, '/');
	cleanup_free char *dir = slash ? xstrndup(target, (size_t)(slash - target)) : xstrdup(".");
	const char *name = slash ? slash + 1 : target;
	cleanup_close int fd = open_dir_beneath(x, dir, true, entry);
	struct stat st;
	if (fd < 0)
		return -1;
	/* A whiteout only hides lower layers: an entry of this very layer
	 * of the same name stays (image-spec layer.md). */
	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (mknodat(fd, name, S_IFCHR | 0, makedev(0, 0)) < 0)
		return entry_error(x, entry, errno, "cannot create the overlay whiteout");
	x->info->whiteouts++;
	return 0;
}

static int apply_opaque(struct extract *x, const char *entry, const char *dir)
{
	cleanup_close int fd = open_dir_beneath(x, dir, true, entry);
	if (fd < 0)
		return -1;
	if (fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0) < 0)
		return entry_error(x, entry, errno, "cannot mark the directory opaque (trusted.overlay.opaque)");
	x->info->opaque++;
	return 0;
}

/* A hardlink's target must already be in the layer, and reached without
 * a symlink on the way (link(2) would follow one in a parent). */
static int check_hardlink(struct extract *x, const char *entry, const char *target)
{
	const char *slash = strrchr(target, '/');
	cleanup_free char *dir = slash ? xstrndup(target, (size_t)(slash - target)) : xstrdup(".");
	const char *name = slash ? slash + 1 : target;
	struct stat st;
	if (!strcmp(target, "."))
		return bx_make_error(x->err, 0, "entry \"%s\": hardlink to the image root", entry);
	cleanup_close int fd = open_dir_beneath(x, dir, false, entry);
	if (fd < 0 || fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		/* One message for every way of missing it. */
		bx_error_release(x->err);
		return bx_make_error(x->err, 0, "entry \"%s\": hardlink to \"%s\", which is not an earlier entry "
				     "of the archive reached without symlinks", entry, target);
	}
	if (S_ISDIR(st.st_mode))
		return bx_make_error(x->err, 0, "entry \"%s\": hardlink to the directory \"%s\"", entry, target);
	return 0;
}

static int copy_data(struct extract *x, const char *entry)
{
	const void *buf;
	size_t size;
	la_int64_t off;
	for (;;) {
		int r = archive_read_data_block(x->r, &buf, &size, &off);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return bx_make_error(x->err, archive_errno(x->r) > 0 ? archive_errno(x->r) : 0,
					     "entry \"%s\": the archive is truncated or corrupt: %s", entry,
					     archive_error_string(x->r));
		if (archive_write_data_block(x->w, buf, size, off) < ARCHIVE_WARN)
			return bx_make_error(x->err, 0, "entry \"%s\": cannot write: %s", entry,
					     archive_error_string(x->w));
		x->info->bytes_out += size;
	}
}

static int extract_entry(struct extract *x, struct archive_entry *e)
{
	const char *raw = archive_entry_pathname(e);
	cleanup_free char *clean = NULL, *target = NULL;
	if (!raw || !*raw)
		return bx_make_error(x->err, 0, "an entry has no name");
	if (bx_archive_clean_path(raw, &clean, x->err) < 0)
		return -1;

	switch (bx_archive_whiteout(clean, &target)) {
	case BX_WH_FILE:
		return apply_whiteout(x, raw, target);
	case BX_WH_OPAQUE:
		return apply_opaque(x, raw, target);
	case BX_WH_META:
		return 0;
	case BX_WH_BAD:
		return bx_make_error(x->err, 0, "entry \"%s\": a whiteout (.wh.) that names no file", raw);
	case BX_WH_NONE:
		break;
	}

	mode_t type = archive_entry_filetype(e);
	const char *hl = archive_entry_hardlink(e);
	if (hl) {
		cleanup_free char *hclean = NULL;
		if (bx_archive_clean_path(hl, &hclean, x->err) < 0)
			return bx_error_wrap(x->err, "hardlink \"%s\"", raw);
		if (check_hardlink(x, raw, hclean) < 0)
			return -1;
		archive_entry_set_hardlink(e, hclean);
	} else if (type == AE_IFLNK) {
		const char *t = archive_entry_symlink(e);
		if (!t || !*t)
			return bx_make_error(x->err, 0, "entry \"%s\": a symlink with no target", raw);
		if (bx_archive_symlink_escapes(clean, t))
			return bx_make_error(x->err, 0, "entry \"%s\": symlink to \"%s\" points outside the image", raw, t);
	} else if (type == AE_IFCHR || type == AE_IFBLK) {
		return bx_make_error(x->err, 0, "entry \"%s\": a device node (%s %u:%u); images may not carry devices, "
				     "the container's /dev is made by boxlab", raw,
				     type == AE_IFCHR ? "character" : "block", (unsigned)archive_entry_rdevmajor(e),
				     (unsigned)archive_entry_rdevminor(e));
	} else if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFIFO) {
		return bx_make_error(x->err, 0, "entry \"%s\": unsupported file type 0%o (allowed: files, "
				     "directories, symlinks, hardlinks, fifos)", raw, (unsigned)type);
	}

	if (!strcmp(clean, ".")) {
		/* The archive's root: its mode and owner become the layer's. */
		if (type != AE_IFDIR)
			return bx_make_error(x->err, 0, "entry \"%s\": the image root is not a directory", raw);
		if (fchmod(x->root, archive_entry_perm(e)) < 0 ||
		    fchown(x->root, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e)) < 0)
			return entry_error(x, raw, errno, "cannot set the mode of the image root");
		return 0;
	}
	archive_entry_set_pathname(e, clean);
	/* No xattrs, ACLs or file flags: see the top of this file. */
	archive_entry_xattr_clear(e);
	archive_entry_acl_clear(e);
	archive_entry_set_fflags(e, 0, 0);

	int r = archive_write_header(x->w, e);
	if (r < ARCHIVE_WARN)
		return bx_make_error(x->err, 0, "entry \"%s\": %s", raw, archive_error_string(x->w));
	if (archive_entry_size(e) > 0 && copy_data(x, raw) < 0)
		return -1;
	if (archive_write_finish_entry(x->w) < ARCHIVE_WARN)
		return bx_make_error(x->err, 0, "entry \"%s\": %s", raw, archive_error_string(x->w));
	x->info->entries++;
	return 0;
}

static int run_extract(struct extract *x)
{
	struct archive_entry *e;
	for (uint64_t headers = 0;; headers++) {
		int r = archive_read_next_header(x->r, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			const char *why = archive_error_string(x->r);
			if (headers == 0)
				return bx_make_error(x->err, 0, "not a tar archive (%s; allowed: .tar, .tar.gz, .tar.xz, "
						     ".tar.zst, .tar.bz2)", why ? why : "unreadable");
			return bx_make_error(x->err, 0, "the archive is truncated or corrupt: %s", why ? why : "read error");
		}
		if (extract_entry(x, e) < 0)
			return -1;
	}
	/* Directory modes and times are applied at close. */
	if (archive_write_close(x->w) < ARCHIVE_WARN)
		return bx_make_error(x->err, 0, "cannot finish the extraction: %s", archive_error_string(x->w));
	return 0;
}

int bx_archive_extract(const char *src, const char *dst, const char *want, struct bx_layer_info *info,
		       bx_err_t *err)
{
	struct source s = {.fd = -1};
	struct extract x = {.src = src, .root = -1, .info = info, .err = err};
	int ret = -1, cwd = -1;
	bool hashed = false;

	memset(info, 0, sizeof *info);
	s.fd = open(src, O_RDONLY | O_CLOEXEC);
	if (s.fd < 0)
		return bx_make_error(err, errno, "cannot open %s", src);
	x.root = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (x.root < 0 || cwd < 0 || fchdir(x.root) < 0) {
		bx_make_error(err, errno, "cannot enter %s", dst);
		goto out;
	}
	/* Until the root entry (if any) says otherwise: a root that
	 * everybody may enter, like any image's /. */
	fchmod(x.root, 0755);
	s.buf = xmalloc(READ_BLOCK);
	bx_sha256_init(&s.sha);

	x.r = archive_read_new();
	x.w = archive_write_disk_new();
	archive_read_support_format_tar(x.r);
	archive_read_support_filter_gzip(x.r);
	archive_read_support_filter_xz(x.r);
	archive_read_support_filter_zstd(x.r);
	archive_read_support_filter_bzip2(x.r);
	/* Numeric owners as stored (no name lookup on the host: the image's
	 * uid 33 is not the host's www-data), exact modes including setuid
	 * bits, times, and the guards against escaping the directory. */
	archive_write_disk_set_options(x.w, ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
						    ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
						    ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
	if (archive_read_open(x.r, &s, NULL, source_read, NULL) != ARCHIVE_OK) {
		bx_make_error(err, 0, "not a tar archive (%s; allowed: .tar, .tar.gz, .tar.xz, .tar.zst, .tar.bz2)",
			      archive_error_string(x.r));
		goto out;
	}
	if (run_extract(&x) < 0)
		goto out;
	if (source_drain(&s) < 0) {
		bx_make_error(err, errno, "cannot read %s", src);
		goto out;
	}
	bx_sha256_final_hex(&s.sha, info->sha256);
	hashed = true;
	info->bytes_in = s.bytes;
	if (want && strcmp(want, info->sha256)) {
		bx_make_error(err, 0, "digest mismatch: the file has sha256:%s, the manifest says sha256:%s",
			      info->sha256, want);
		goto out;
	}
	ret = 0;
out:
	/* A blob that is not what its digest says is the cause, whatever
	 * broke first while reading it: say that. */
	if (ret < 0 && want && !hashed && s.buf && source_drain(&s) == 0) {
		bx_sha256_final_hex(&s.sha, info->sha256);
		if (strcmp(want, info->sha256)) {
			bx_error_release(err);
			bx_make_error(err, 0, "digest mismatch: the file has sha256:%s, the manifest says sha256:%s",
				      info->sha256, want);
		}
	}
	if (ret < 0 && *err)
		bx_error_wrap(err, "%s", src);
	if (x.r)
		archive_read_free(x.r);
	if (x.w)
		archive_write_free(x.w);
	if (cwd >= 0) {
		if (fchdir(cwd) < 0) {
			/* the old cwd is gone; stay in dst, which is harmless */
		}
		close(cwd);
	}
	if (x.root >= 0)
		close(x.root);
	close(s.fd);
	free(s.buf);
	return ret;
}
