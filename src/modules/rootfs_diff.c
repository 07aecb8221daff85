/* `boxlab diff`: what a container changed, read from its overlay upper
 * layer alone (so it works on running and exited containers alike):
 *
 *   a character device 0/0            deleted: a whiteout hides the lower file
 *   a directory with trusted.overlay.opaque = y
 *                                     changed: the lower directory's content is hidden
 *   anything else                     changed if the lower layers have it, added if not
 *
 * A directory present below with the same mode, owner and mtime was only
 * copied up to hold a changed file: like Docker (moby pkg/archive
 * changes.go) it is listed only when something was added to or deleted
 * from it. */
#include "modules/rootfs.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

struct diff {
	const char *upper;
	char *const *lowers;
	struct bx_change *v;
	size_t n, cap;
	bx_err_t *err;
};

static bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static bool is_opaque(const char *path)
{
	char v[4];
	ssize_t n = lgetxattr(path, "trusted.overlay.opaque", v, sizeof v);
	return n == 1 && v[0] == 'y';
}

static void add(struct diff *d, char kind, const char *path)
{
	if (d->n == d->cap)
		d->v = xrealloc(d->v, (d->cap = d->cap ? 2 * d->cap : 64) * sizeof *d->v);
	d->v[d->n++] = (struct bx_change){kind, xstrdup(path)};
}

/* Is `rel` ("/etc/passwd") visible through the lower layers?  A layer
 * that whites it out, or whose copy of a parent is opaque or not a
 * directory, ends the search. */
static bool lower_stat(struct diff *d, const char *rel, struct stat *out)
{
	for (size_t i = 0; d->lowers[i]; i++) {
		cleanup_free char *p = xasprintf("%s%s", d->lowers[i], rel);
		if (lstat(p, out) == 0)
			return !is_whiteout(out);
		/* Not in this layer: may the search go on below it?  Not if
		 * one of its parents here is opaque, a whiteout or a file. */
		cleanup_free char *dir = xstrdup(rel);
		for (char *s = strchr(dir + 1, '/'); s; s = strchr(s + 1, '/')) {
			*s = '\0';
			cleanup_free char *pp = xasprintf("%s%s", d->lowers[i], dir);
			struct stat st;
			if (lstat(pp, &st) < 0)
				break;
			if (!S_ISDIR(st.st_mode) || is_opaque(pp))
				return false;
			*s = '/';
		}
	}
	return false;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walk upper/rel; hidden: an opaque directory above hides the lower
 * layers.  Returns whether a direct child was added or deleted. */
static int walk(struct diff *d, const char *rel, bool hidden, bool *touched)
{
	cleanup_free char *dir = xasprintf("%s%s", d->upper, rel);
	cleanup_dir DIR *dh = opendir(dir);
	cleanup_strv char **names = NULL;
	struct dirent *e;
	*touched = false;
	if (!dh)
		return bx_make_error(d->err, errno, "cannot read %s", dir);
	while ((e = readdir(dh)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			strv_push(&names, e->d_name);
	if (!names)
		return 0;
	qsort(names, strv_len(names), sizeof *names, cmp_name);

	for (size_t i = 0; names[i]; i++) {
		cleanup_free char *path = xasprintf("%s/%s", rel, names[i]);
		cleanup_free char *full = xasprintf("%s%s", d->upper, path);
		struct stat st, lst;
		if (lstat(full, &st) < 0)
			return bx_make_error(d->err, errno, "cannot stat %s", full);
		if (is_whiteout(&st)) {
			add(d, 'D', path);
			*touched = true;
			continue;
		}
		bool below = !hidden && lower_stat(d, path, &lst);
		if (!S_ISDIR(st.st_mode)) {
			add(d, below ? 'C' : 'A', path);
			*touched |= !below;
			continue;
		}
		bool opaque = is_opaque(full), listed = true, child_touched;
		if (!below) {
			add(d, 'A', path);
			*touched = true;
		} else if (opaque || !S_ISDIR(lst.st_mode) || st.st_mode != lst.st_mode || st.st_uid != lst.st_uid ||
			   st.st_gid != lst.st_gid || st.st_mtim.tv_sec != lst.st_mtim.tv_sec ||
			   st.st_mtim.tv_nsec != lst.st_mtim.tv_nsec) {
			add(d, 'C', path);
		} else {
			listed = false;
		}
		if (walk(d, path, hidden || opaque || !below, &child_touched) < 0)
			return -1;
		if (child_touched && !listed)
			add(d, 'C', path);
	}
	return 0;
}

static int cmp_change(const void *a, const void *b)
{
	return strcmp(((const struct bx_change *)a)->path, ((const struct bx_change *)b)->path);
}

int bx_rootfs_diff(const char *upper, char *const *lowers, struct bx_change **out, size_t *n, bx_err_t *err)
{
	struct diff d = {.upper = upper, .lowers = lowers, .err = err};
	bool touched;
	if (walk(&d, "", false, &touched) < 0) {
		bx_rootfs_diff_free(d.v, d.n);
		return -1;
	}
	if (d.n) /* an untouched container has no list at all (qsort's base must not be NULL) */
		qsort(d.v, d.n, sizeof *d.v, cmp_change);
	*out = d.v;
	*n = d.n;
	return 0;
}

void bx_rootfs_diff_free(struct bx_change *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(c[i].path);
	free(c);
}
