/* Images and the layer store (see image.h for the layout).
 *
 * Imports and removals take $BOXLAB_LIB_DIR/.images.lock, so a removal
 * never frees a layer that an import running at the same time is about
 * to reuse.  Everything an import makes lives under a dot-name (which no
 * listing shows) until one rename publishes it. */
#include "core/image.h"
#include "core/archive.h"
#include "core/spec.h"
#include "core/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <iniparser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#ifndef BX_BUILTIN_IMAGES
#define BX_BUILTIN_IMAGES "/usr/local/share/boxlab/images"
#endif

static const char *builtin_dir(void)
{
	const char *d = getenv("BOXLAB_IMAGE_DIR");
	return d && *d ? d : BX_BUILTIN_IMAGES;
}

static char *user_dir(const char *name)
{
	return xasprintf("%s/images/%s", bx_lib_dir(), name);
}

static char *find_dir(const char *name, bool *builtin)
{
	char *user = user_dir(name);
	struct stat st;
	*builtin = false;
	if (stat(user, &st) == 0 && S_ISDIR(st.st_mode))
		return user;
	free(user);
	char *b = xasprintf("%s/%s", builtin_dir(), name);
	if (stat(b, &st) == 0 && S_ISDIR(st.st_mode)) {
		*builtin = true;
		return b;
	}
	free(b);
	return NULL;
}

char *bx_layer_dir(const char *id)
{
	return xasprintf("%s/layers/%s", bx_lib_dir(), id);
}

static int strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
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
	qsort(v, strv_len(v), sizeof *v, strcmp_p);
	return v;
}

static bool valid_layer_id(const char *id)
{
	cleanup_free char *d = xasprintf("sha256:%s", id);
	const char *hex;
	return bx_sha256_digest_parse(d, &hex);
}

/* "a:b:c" -> {a, b, c}, each checked to be a layer ID. */
static int split_layers(const char *s, char ***out, bx_err_t *err)
{
	cleanup_free char *copy = xstrdup(s);
	char *save = NULL;
	char **v = xzalloc(sizeof *v);
	for (char *id = strtok_r(copy, ":", &save); id; id = strtok_r(NULL, ":", &save)) {
		if (!valid_layer_id(id)) {
			strv_free(v);
			return bx_make_error(err, 0, "layer \"%s\" is not a sha256 (64 lowercase hex digits)", id);
		}
		strv_push(&v, id);
	}
	if (!v[0]) {
		strv_free(v);
		return bx_make_error(err, 0, "\"layers\" lists no layer");
	}
	*out = v;
	return 0;
}

static int ini_quiet(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

static int read_config(struct bx_image *img, const char *cfg, bx_err_t *err)
{
	iniparser_set_error_callback(ini_quiet);
	dictionary *d = iniparser_load(cfg);
	if (!d)
		return bx_make_error(err, 0, "cannot parse %s", cfg);
	const char *cmd = iniparser_getstring(d, "image:cmd", NULL);
	const char *env = iniparser_getstring(d, "image:env", NULL);
	const char *wd = iniparser_getstring(d, "image:workdir", NULL);
	const char *layers = iniparser_getstring(d, "image:layers", NULL);
	const char *source = iniparser_getstring(d, "image:source", NULL);
	int ret = 0;
	if (cmd)
		ret = bx_words_split(cmd, &img->cmd, err);
	if (ret == 0 && env)
		ret = bx_words_split(env, &img->env, err);
	if (ret == 0 && layers)
		ret = split_layers(layers, &img->layers, err);
	if (ret == 0 && source) {
		cleanup_strv char **w = NULL;
		ret = bx_words_split(source, &w, err);
		if (ret == 0 && w[0])
			img->source = xstrdup(w[0]);
	}
	if (wd)
		img->workdir = xstrdup(wd);
	iniparser_freedict(d);
	return ret;
}

int bx_image_resolve(const char *name, struct bx_image *img, bx_err_t *err)
{
	memset(img, 0, sizeof *img);
	img->dir = find_dir(name, &img->builtin);
	if (!img->dir) {
		cleanup_strv char **all = bx_image_list();
		cleanup_free char *list = strv_join(all, ", ");
		return bx_usage_error(err, "no such image: %s (available: %s)", name,
				      *list ? list : "none; run 'make' or 'boxlab image import'");
	}
	img->name = xstrdup(name);
	cleanup_free char *cfg = xasprintf("%s/config.ini", img->dir);
	if (access(cfg, F_OK) == 0 && read_config(img, cfg, err) < 0) {
		bx_error_wrap(err, "image %s", name);
		bx_image_free(img);
		return -1;
	}
	if (img->layers) {
		for (size_t i = 0; img->layers[i]; i++) {
			cleanup_free char *l = bx_layer_dir(img->layers[i]);
			if (access(l, F_OK) < 0) {
				bx_make_error(err, errno, "image %s is broken: layer %s", name, l);
				bx_error_hint(err, "remove it with 'boxlab image rm %s' and import it again", name);
				bx_image_free(img);
				return -1;
			}
		}
	} else {
		img->rootfs = xasprintf("%s/rootfs", img->dir);
		if (access(img->rootfs, F_OK) < 0) {
			bx_make_error(err, errno, "image %s is broken: %s", name, img->rootfs);
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
	strv_free(img->layers);
	strv_free(img->cmd);
	strv_free(img->env);
	free(img->workdir);
	free(img->source);
	memset(img, 0, sizeof *img);
}

/* --- uid-shifted copies --- */

/* overlayfs keeps an opaque directory's mark in an xattr, which the
 * tree copy does not carry: put it on the copy's directories too. */
static int copy_opaque_marks(const char *src, const char *dst, bx_err_t *err)
{
	cleanup_dir DIR *d = opendir(src);
	struct dirent *e;
	char v[8];
	if (!d)
		return bx_make_error(err, errno, "cannot read %s", src);
	ssize_t n = lgetxattr(src, "trusted.overlay.opaque", v, sizeof v);
	if (n > 0 && lsetxattr(dst, "trusted.overlay.opaque", v, (size_t)n, 0) < 0)
		return bx_make_error(err, errno, "cannot mark %s opaque", dst);
	while ((e = readdir(d))) {
		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		cleanup_free char *s = xasprintf("%s/%s", src, e->d_name);
		cleanup_free char *t = xasprintf("%s/%s", dst, e->d_name);
		if (copy_opaque_marks(s, t, err) < 0)
			return -1;
	}
	return 0;
}

/* Does a line name dir as one of a list's entries: after a '=' or ':',
 * before a ',', ':', blank or the end? */
static bool names_dir(const char *line, const char *dir)
{
	size_t len = strlen(dir);
	for (const char *p = line; (p = strstr(p, dir)); p += len)
		if (p > line && (p[-1] == '=' || p[-1] == ':') && strchr(",: \n", p[len]))
			return true;
	return false;
}

/* Is dir a lower layer of a mounted overlay (mountinfo's options say
 * "lowerdir=A:B"), or of a container here that is not running (its
 * state dir's lowerdir file, which boxlab diff reads)? */
static bool lower_in_use(const char *dir)
{
	cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
	cleanup_free char *line = NULL;
	size_t cap = 0;
	if (!f)
		return true; /* cannot tell: keep it */
	while (getline(&line, &cap, f) > 0)
		if (strstr(line, " - overlay ") && names_dir(line, dir))
			return true;
	cleanup_dir DIR *d = opendir(bx_run_dir());
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		cleanup_free char *path = xasprintf("%s/%s/lowerdir", bx_run_dir(), e->d_name);
		bx_err_t ignored = NULL;
		cleanup_free char *lower = bx_read_file(path, NULL, &ignored);
		bx_error_release(&ignored);
		cleanup_free char *text = lower ? xasprintf("=%s", lower) : NULL;
		if (text && names_dir(text, dir))
			return true;
	}
	return false;
}

/* The copies of an image made for the same range from an earlier build
 * of it ("NAME-UID-GID-INODE-MTIME", in hex, with other numbers than
 * keep's): nothing will use them again, and each is a whole rootfs.
 * One an overlay still has as its lower layer (a container started
 * before the rebuild) stays, until a later copy finds it unused. */
static void prune_stale_copies(const char *base, const char *prefix, const char *keep)
{
	cleanup_dir DIR *d = opendir(base);
	size_t plen = strlen(prefix);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, prefix, plen) || !strcmp(e->d_name, keep))
			continue;
		const char *rest = e->d_name + plen;
		size_t h1 = strspn(rest, "0123456789abcdef");
		if (!h1 || rest[h1] != '-' || !rest[h1 + 1] ||
		    strspn(rest + h1 + 1, "0123456789abcdef") != strlen(rest + h1 + 1))
			continue; /* another image's, or a copy in the making (.tmp) */
		cleanup_free char *path = xasprintf("%s/%s", base, e->d_name);
		bx_err_t ignored = NULL;
		if (!lower_in_use(path))
			bx_rm_rf(path, &ignored);
		bx_error_release(&ignored);
	}
}

/* dst (under $BOXLAB_LIB_DIR/shifted) as a copy of src owned by the
 * range; made under a lock so two containers starting at once make it
 * once.  A new copy of an image's rootfs (stale_prefix: "NAME-UID-GID-")
 * replaces those of its earlier builds.  Returns 1 when it made the
 * copy, 0 when it was there. */
static int shifted_copy(const char *src, const char *dst, uid_t uid, gid_t gid, bool layer, const char *stale_prefix,
			bx_err_t *err)
{
	if (access(dst, F_OK) == 0)
		return 0;
	cleanup_free char *base = xasprintf("%s/shifted", bx_lib_dir());
	if (bx_mkdir_p(base, 0700, err) < 0)
		return -1;
	cleanup_free char *lockpath = xasprintf("%s/.lock", base);
	cleanup_close int lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) < 0)
		return bx_make_error(err, errno, "cannot lock %s", lockpath);
	if (access(dst, F_OK) == 0) /* another boxlab made it meanwhile */
		return 0;
	cleanup_free char *tmp = xasprintf("%s.tmp", dst);
	bx_err_t ignored = NULL;
	bx_rm_rf(tmp, &ignored);
	bx_error_release(&ignored);
	if (bx_copy_tree_shifted(src, tmp, uid, gid, err) < 0 || (layer && copy_opaque_marks(src, tmp, err) < 0) ||
	    rename(tmp, dst) < 0) {
		int e = errno;
		bx_rm_rf(tmp, &ignored);
		bx_error_release(&ignored);
		if (*err)
			return bx_error_wrap(err, "copying %s for uid %u", src, uid);
		return bx_make_error(err, e, "cannot rename %s", tmp);
	}
	if (stale_prefix)
		prune_stale_copies(base, stale_prefix, strrchr(dst, '/') + 1);
	return 1;
}

static char *layer_shifted_path(const char *id, uid_t uid, gid_t gid)
{
	return xasprintf("%s/shifted/layer-%s-%u-%u", bx_lib_dir(), id, uid, gid);
}

int bx_image_lowerdir(const struct bx_image *img, uid_t uid, gid_t gid, char **lowerdir, int *made, bx_err_t *err)
{
	char **parts = NULL;
	int ret = 0;
	*made = 0;
	if (!img->layers) {
		struct stat st;
		if (!uid && !gid) {
			*lowerdir = xstrdup(img->rootfs);
			return 0;
		}
		if (stat(img->rootfs, &st) < 0)
			return bx_make_error(err, errno, "cannot stat %s", img->rootfs);
		/* Keyed by the source's identity: a rebuilt image gets a new copy. */
		char *dst = xasprintf("%s/shifted/%s-%u-%u-%lx-%llx", bx_lib_dir(), img->name, uid, gid,
				      (unsigned long)st.st_ino,
				      (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL + st.st_mtim.tv_nsec);
		cleanup_free char *prefix = xasprintf("%s-%u-%u-", img->name, uid, gid);
		ret = shifted_copy(img->rootfs, dst, uid, gid, false, prefix, err);
		if (ret < 0) {
			free(dst);
			return -1;
		}
		*made = ret;
		*lowerdir = dst;
		return 0;
	}
	for (size_t i = 0; img->layers[i]; i++) {
		char *p;
		if (!uid && !gid) {
			p = bx_layer_dir(img->layers[i]);
		} else {
			cleanup_free char *src = bx_layer_dir(img->layers[i]);
			p = layer_shifted_path(img->layers[i], uid, gid);
			ret = shifted_copy(src, p, uid, gid, true, NULL, err);
			if (ret < 0) {
				free(p);
				strv_free(parts);
				return -1;
			}
			*made += ret;
		}
		strv_push(&parts, p);
		free(p);
	}
	*lowerdir = strv_join(parts, ":");
	strv_free(parts);
	return 0;
}

/* --- import and removal --- */

static int lock_store(bx_err_t *err)
{
	if (bx_mkdir_p(bx_lib_dir(), 0755, err) < 0)
		return -1;
	cleanup_free char *path = xasprintf("%s/.images.lock", bx_lib_dir());
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		if (fd >= 0)
			close(fd);
		return bx_make_error(err, errno, "cannot lock %s", path);
	}
	return fd;
}

static void rm_quiet(const char *path)
{
	bx_err_t tmp = NULL;
	bx_rm_rf(path, &tmp);
	bx_error_release(&tmp);
}

/* With the store lock held no import or removal is running, so any
 * dot-named leftover is from one that was killed: remove it. */
static void sweep_stale(void)
{
	static const char *const dirs[] = {"images", "layers"};
	for (size_t i = 0; i < N_ELEMENTS(dirs); i++) {
		cleanup_free char *base = xasprintf("%s/%s", bx_lib_dir(), dirs[i]);
		cleanup_dir DIR *d = opendir(base);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (strncmp(e->d_name, ".import-", 8) && strncmp(e->d_name, ".tmp-", 5) &&
			    strncmp(e->d_name, ".rm-", 4))
				continue;
			cleanup_free char *p = xasprintf("%s/%s", base, e->d_name);
			rm_quiet(p);
		}
	}
}

struct import {
	const char *src;
	char **made;   /* layer dirs this import created: removed on failure */
	char *tmp;     /* a layer being extracted */
	char **layers; /* IDs, bottom first */
	struct bx_import_result *res;
};

/* Extract one layer archive into the store; want: its expected sha256
 * (OCI) or NULL (a plain tar, named by its hash afterwards). */
static int import_layer(struct import *im, const char *path, const char *want, const char *role, bx_err_t *err)
{
	struct bx_layer_info info;
	if (want) {
		cleanup_free char *dir = bx_layer_dir(want);
		if (access(dir, F_OK) == 0) {
			/* Stored already; the blob must still be what the
			 * manifest says, or the layout is refused all the same. */
			char got[BX_SHA256_HEX];
			if (bx_archive_hash_file(path, got, err) < 0)
				return -1;
			if (strcmp(got, want))
				return bx_make_error(err, 0, "%s: digest mismatch: blob %s has sha256:%s, the manifest says "
						     "sha256:%s", role, path, got, want);
			strv_push(&im->layers, want);
			im->res->layers_reused++;
			return 0;
		}
	}
	free(im->tmp);
	im->tmp = xasprintf("%s/layers/.tmp-XXXXXX", bx_lib_dir());
	if (!mkdtemp(im->tmp))
		return bx_make_error(err, errno, "cannot create %s", im->tmp);
	if (bx_archive_extract(path, im->tmp, want, &info, err) < 0)
		return role ? bx_error_wrap(err, "%s", role) : -1;
	im->res->bytes_in += info.bytes_in;
	im->res->bytes_out += info.bytes_out;
	im->res->entries += info.entries;
	if (!want && info.entries == 0)
		return bx_make_error(err, 0, "%s holds no files", path);
	cleanup_free char *dir = bx_layer_dir(info.sha256);
	if (access(dir, F_OK) == 0) {
		/* The same archive imported before, under another name. */
		rm_quiet(im->tmp);
		im->res->layers_reused++;
	} else {
		if (rename(im->tmp, dir) < 0)
			return bx_make_error(err, errno, "cannot rename %s to %s", im->tmp, dir);
		strv_push(&im->made, dir);
	}
	free(im->tmp);
	im->tmp = NULL;
	strv_push(&im->layers, info.sha256);
	return 0;
}

static void ini_words(FILE *f, const char *key, char *const *v)
{
	if (!v)
		return;
	cleanup_free char *s = bx_words_join(v);
	fprintf(f, "%s = %s\n", key, s);
}

static int write_image_config(const char *dir, struct import *im, const struct bx_oci_image *oci, bx_err_t *err)
{
	cleanup_free char *path = xasprintf("%s/config.ini", dir);
	cleanup_file FILE *f = fopen(path, "we");
	if (!f)
		return bx_make_error(err, errno, "cannot write %s", path);
	char when[64];
	time_t now = time(NULL);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	fprintf(f, "# Imported by 'boxlab image import' on %s.\n[image]\n", when);
	/* overlayfs wants the top layer first; manifests list the base first. */
	size_t n = strv_len(im->layers);
	fputs("layers = ", f);
	for (size_t i = n; i-- > 0;)
		fprintf(f, "%s%s", im->layers[i], i ? ":" : "\n");
	if (oci) {
		ini_words(f, "cmd", oci->cmd);
		ini_words(f, "env", oci->env);
		if (oci->workdir && !strpbrk(oci->workdir, ";#\"' \t\\"))
			fprintf(f, "workdir = %s\n", oci->workdir);
		else if (oci->workdir)
			return bx_make_error(err, 0, "config: WorkingDir \"%s\" has characters boxlab cannot store",
					     oci->workdir);
	}
	char *const src[] = {(char *)im->src, NULL};
	ini_words(f, "source", src);
	if (fflush(f) != 0 || ferror(f))
		return bx_make_error(err, errno, "cannot write %s", path);
	return 0;
}

int bx_image_import(const char *src, const char *name, struct bx_import_result *res, bx_err_t *err)
{
	struct import im = {.src = src, .res = res};
	struct bx_oci_image oci = {0};
	struct stat st;
	bool builtin, is_oci;
	int ret = -1;
	cleanup_free char *tmpimg = NULL, *final = NULL, *existing = NULL;
	cleanup_close int lock = -1;

	memset(res, 0, sizeof *res);
	if (bx_name_check(name, err) < 0)
		return bx_error_wrap(err, "image name");
	if (stat(src, &st) < 0)
		return bx_make_error(err, errno, "cannot import %s", src);
	is_oci = S_ISDIR(st.st_mode);
	if (!is_oci && !S_ISREG(st.st_mode))
		return bx_usage_error(err, "cannot import %s: not a file or a directory (allowed: a tar archive, "
				      "compressed or not, or an OCI image layout directory)", src);
	res->format = is_oci ? "oci" : "tar";

	cleanup_free char *images = xasprintf("%s/images", bx_lib_dir());
	cleanup_free char *layers = xasprintf("%s/layers", bx_lib_dir());
	/* Layers hold the image's setuid binaries owned by real root:
	 * nobody but root may reach them on the host. */
	if (bx_mkdir_p(images, 0755, err) < 0 || bx_mkdir_p(layers, 0700, err) < 0)
		return -1;
	lock = lock_store(err);
	if (lock < 0)
		return -1;
	sweep_stale();
	existing = find_dir(name, &builtin);
	if (existing)
		return bx_usage_error(err, "image %s already exists%s", name,
				      builtin ? " (built in)" : "; remove it first with 'boxlab image rm'");

	tmpimg = xasprintf("%s/.import-%s-XXXXXX", images, name);
	if (!mkdtemp(tmpimg)) {
		free(tmpimg);
		tmpimg = NULL;
		return bx_make_error(err, errno, "cannot create a directory in %s", images);
	}
	chmod(tmpimg, 0755);

	if (is_oci) {
		if (bx_oci_read(src, &oci, err) < 0)
			goto out;
		for (size_t i = 0; oci.layers[i]; i++) {
			char role[32];
			snprintf(role, sizeof role, "layer %zu", i + 1);
			if (import_layer(&im, oci.layer_blobs[i], oci.layers[i], role, err) < 0)
				goto out;
		}
		if (!im.layers) {
			bx_make_error(err, 0, "%s: the manifest lists no layers", src);
			goto out;
		}
	} else if (import_layer(&im, src, NULL, NULL, err) < 0) {
		goto out;
	}
	res->layers = strv_len(im.layers);
	if (write_image_config(tmpimg, &im, is_oci ? &oci : NULL, err) < 0)
		goto out;
	final = user_dir(name);
	if (rename(tmpimg, final) < 0) {
		bx_make_error(err, errno, "cannot rename %s to %s", tmpimg, final);
		goto out;
	}
	ret = 0;
out:
	if (ret < 0) {
		if (im.tmp)
			rm_quiet(im.tmp);
		for (size_t i = 0; im.made && im.made[i]; i++)
			rm_quiet(im.made[i]);
		if (tmpimg)
			rm_quiet(tmpimg);
		bx_error_wrap(err, "image import %s", name);
		bx_error_hint(err, "nothing was imported");
	}
	free(im.tmp);
	strv_free(im.made);
	strv_free(im.layers);
	bx_oci_free(&oci);
	return ret;
}

char **bx_image_users(const char *name)
{
	char **users = xzalloc(sizeof *users);
	cleanup_strv char **all = bx_state_list();
	for (size_t i = 0; all && all[i]; i++) {
		struct bx_state st;
		bx_err_t tmp = NULL;
		if (bx_state_read(all[i], &st, &tmp) < 0) {
			bx_error_release(&tmp);
			continue;
		}
		if (st.image && !strcmp(st.image, name))
			strv_push(&users, all[i]);
		bx_state_free(&st);
	}
	return users;
}

/* Layer IDs every image in the store lists. */
static char **layers_in_use(void)
{
	char **v = xzalloc(sizeof *v);
	cleanup_free char *images = xasprintf("%s/images", bx_lib_dir());
	cleanup_dir DIR *d = opendir(images);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		struct bx_image img = {0};
		bx_err_t tmp = NULL;
		cleanup_free char *cfg = xasprintf("%s/%s/config.ini", images, e->d_name);
		if (access(cfg, F_OK) == 0 && read_config(&img, cfg, &tmp) == 0)
			for (size_t i = 0; img.layers && img.layers[i]; i++)
				strv_push(&v, img.layers[i]);
		bx_error_release(&tmp);
		bx_image_free(&img);
	}
	return v;
}

static void remove_shifted(const char *id)
{
	cleanup_free char *base = xasprintf("%s/shifted", bx_lib_dir());
	cleanup_free char *prefix = xasprintf("layer-%s-", id);
	cleanup_dir DIR *d = opendir(base);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, prefix, strlen(prefix)))
			continue;
		cleanup_free char *p = xasprintf("%s/%s", base, e->d_name);
		rm_quiet(p);
	}
}

int bx_image_remove(const char *name, size_t *layers_freed, bx_err_t *err)
{
	struct bx_image img;
	*layers_freed = 0;
	if (bx_image_resolve(name, &img, err) < 0) {
		/* A broken image (a layer gone) may still be removed. */
		cleanup_free char *dir = user_dir(name);
		if (access(dir, F_OK) < 0)
			return -1;
		bx_error_release(err);
		memset(&img, 0, sizeof img);
		img.name = xstrdup(name);
		img.dir = xstrdup(dir);
	}
	if (img.builtin) {
		bx_usage_error(err, "image %s is built into boxlab (%s) and cannot be removed", name, img.dir);
		bx_image_free(&img);
		return -1;
	}
	cleanup_strv char **users = bx_image_users(name);
	if (users[0]) {
		cleanup_free char *list = strv_join(users, ", ");
		bx_usage_error(err, "image %s is used by container%s %s", name, users[1] ? "s" : "", list);
		bx_error_hint(err, "remove %s first with 'boxlab rm'", users[1] ? "them" : "it");
		bx_image_free(&img);
		return -1;
	}

	cleanup_close int lock = lock_store(err);
	if (lock < 0) {
		bx_image_free(&img);
		return -1;
	}
	/* Gone from every listing at once, then emptied at leisure. */
	cleanup_free char *doomed = xasprintf("%s/images/.rm-%s-%d", bx_lib_dir(), name, getpid());
	if (rename(img.dir, doomed) < 0) {
		bx_make_error(err, errno, "cannot remove %s", img.dir);
		bx_image_free(&img);
		return -1;
	}
	cleanup_strv char **used = layers_in_use();
	for (size_t i = 0; img.layers && img.layers[i]; i++) {
		bool keep = false;
		for (size_t k = 0; used[k] && !keep; k++)
			keep = !strcmp(used[k], img.layers[i]);
		for (size_t k = 0; k < i && !keep; k++)
			keep = !strcmp(img.layers[k], img.layers[i]); /* listed twice: freed once */
		if (keep)
			continue;
		cleanup_free char *dir = bx_layer_dir(img.layers[i]);
		cleanup_free char *gone = xasprintf("%s/layers/.rm-%s", bx_lib_dir(), img.layers[i]);
		if (rename(dir, gone) == 0) {
			rm_quiet(gone);
			(*layers_freed)++;
		}
		remove_shifted(img.layers[i]);
	}
	int ret = bx_rm_rf(doomed, err);
	bx_image_free(&img);
	return ret;
}

static uint64_t size_at(int dirfd)
{
	uint64_t sum = 0;
	DIR *d = fdopendir(dirfd);
	struct dirent *e;
	if (!d) {
		close(dirfd);
		return 0;
	}
	while ((e = readdir(d))) {
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISREG(st.st_mode) && st.st_nlink == 1)
			sum += (uint64_t)st.st_size;
		else if (S_ISREG(st.st_mode))
			sum += (uint64_t)st.st_size / st.st_nlink; /* shared by its links */
		else if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				sum += size_at(sub);
		}
	}
	closedir(d);
	return sum;
}

uint64_t bx_tree_size(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? 0 : size_at(fd);
}
