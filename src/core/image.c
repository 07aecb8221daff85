#include "core/image.h"
#include "core/spec.h"
#include "core/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <iniparser.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef BX_BUILTIN_IMAGES
#define BX_BUILTIN_IMAGES "/usr/local/share/boxlab/images"
#endif

static const char *builtin_dir(void)
{
	const char *d = getenv("BOXLAB_IMAGE_DIR");
	return d && *d ? d : BX_BUILTIN_IMAGES;
}

static char *find_dir(const char *name)
{
	char *user = xasprintf("%s/images/%s", bx_lib_dir(), name);
	struct stat st;
	if (stat(user, &st) == 0 && S_ISDIR(st.st_mode))
		return user;
	free(user);
	char *builtin = xasprintf("%s/%s", builtin_dir(), name);
	if (stat(builtin, &st) == 0 && S_ISDIR(st.st_mode))
		return builtin;
	free(builtin);
	return NULL;
}

char **bx_image_list(void)
{
	char **v = xzalloc(sizeof *v);
	const char *roots[2];
	cleanup_free char *user = xasprintf("%s/images", bx_lib_dir());
	roots[0] = user;
	roots[1] = builtin_dir();
	for (int r = 0; r < 2; r++) {
		cleanup_dir DIR *d = opendir(roots[r]);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			bool dup = false;
			for (size_t i = 0; v[i]; i++)
				dup |= !strcmp(v[i], e->d_name);
			if (!dup)
				strv_push(&v, e->d_name);
		}
	}
	return v;
}

int bx_image_resolve(const char *name, struct bx_image *img, bx_err_t *err)
{
	memset(img, 0, sizeof *img);
	img->dir = find_dir(name);
	if (!img->dir) {
		cleanup_strv char **all = bx_image_list();
		cleanup_free char *list = strv_join(all, ", ");
		return bx_usage_error(err, "no such image: %s (available: %s)", name, *list ? list : "none; run 'make'");
	}
	img->name = xstrdup(name);
	img->rootfs = xasprintf("%s/rootfs", img->dir);
	if (access(img->rootfs, F_OK) < 0) {
		bx_make_error(err, errno, "image %s is broken: %s", name, img->rootfs);
		bx_image_free(img);
		return -1;
	}
	cleanup_free char *cfg = xasprintf("%s/config.ini", img->dir);
	if (access(cfg, F_OK) == 0) {
		dictionary *d = iniparser_load(cfg);
		if (!d) {
			bx_make_error(err, 0, "image %s: cannot parse %s", name, cfg);
			bx_image_free(img);
			return -1;
		}
		const char *cmd = iniparser_getstring(d, "image:cmd", NULL);
		const char *env = iniparser_getstring(d, "image:env", NULL);
		const char *wd = iniparser_getstring(d, "image:workdir", NULL);
		int ret = 0;
		if (cmd)
			ret = bx_words_split(cmd, &img->cmd, err);
		if (ret == 0 && env)
			ret = bx_words_split(env, &img->env, err);
		if (wd)
			img->workdir = xstrdup(wd);
		iniparser_freedict(d);
		if (ret < 0) {
			bx_error_wrap(err, "image %s: %s", name, cfg);
			bx_image_free(img);
			return -1;
		}
	}
	if (!img->cmd) {
		img->cmd = NULL;
		strv_push(&img->cmd, "/bin/sh");
	}
	return 0;
}

void bx_image_free(struct bx_image *img)
{
	free(img->name);
	free(img->dir);
	free(img->rootfs);
	strv_free(img->cmd);
	strv_free(img->env);
	free(img->workdir);
	memset(img, 0, sizeof *img);
}

int bx_image_shifted(const struct bx_image *img, uid_t uid, gid_t gid, char **path, bx_err_t *err)
{
	struct stat st;
	if (stat(img->rootfs, &st) < 0)
		return bx_make_error(err, errno, "cannot stat %s", img->rootfs);
	/* Keyed by the source's identity: a rebuilt image gets a new copy. */
	cleanup_free char *base = xasprintf("%s/shifted", bx_lib_dir());
	cleanup_free char *dst = xasprintf("%s/%s-%u-%u-%lx-%llx", base, img->name, uid, gid, (unsigned long)st.st_ino,
					   (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL + st.st_mtim.tv_nsec);
	if (access(dst, F_OK) == 0) {
		*path = steal_pointer(&dst);
		return 0;
	}
	if (bx_mkdir_p(base, 0700, err) < 0)
		return -1;
	cleanup_free char *lockpath = xasprintf("%s/.lock", base);
	cleanup_close int lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) < 0)
		return bx_make_error(err, errno, "cannot lock %s", lockpath);
	if (access(dst, F_OK) == 0) { /* another boxlab made it meanwhile */
		*path = steal_pointer(&dst);
		return 0;
	}
	cleanup_free char *tmp = xasprintf("%s.tmp", dst);
	bx_err_t ignored = NULL;
	bx_rm_rf(tmp, &ignored);
	bx_error_release(&ignored);
	if (bx_copy_tree_shifted(img->rootfs, tmp, uid, gid, err) < 0 || rename(tmp, dst) < 0) {
		int e = errno;
		bx_rm_rf(tmp, &ignored);
		bx_error_release(&ignored);
		if (*err)
			return bx_error_wrap(err, "copying image %s for uid %u", img->name, uid);
		return bx_make_error(err, e, "cannot rename %s", tmp);
	}
	*path = steal_pointer(&dst);
	return 0;
}
