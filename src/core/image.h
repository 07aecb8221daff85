/* Images: a directory holding config.ini ([image] cmd, env, workdir) and
 * either
 *   - rootfs/, a flat root file system (the built-in busybox), or
 *   - [image] layers = ID:ID:...: layer directories under
 *     $BOXLAB_LIB_DIR/layers/ID, top first as overlayfs wants its
 *     lowerdir, ID being the sha256 of the layer's archive.  Layers are
 *     shared: two images with a common base store it once.
 * Looked up in $BOXLAB_LIB_DIR/images, then among the images built with
 * boxlab (the built-in busybox). */
#ifndef BX_IMAGE_H
#define BX_IMAGE_H

#include "core/err.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct bx_image {
	char *name;
	char *dir;     /* the image directory */
	char *rootfs;  /* dir/rootfs for a flat image; NULL for a layered one */
	char **layers; /* layered: layer IDs, top first; NULL for a flat one */
	char **cmd;    /* default command */
	char **env;
	char *workdir;
	char *source;  /* what it was imported from; NULL when built in */
	bool builtin;
};

int bx_image_resolve(const char *name, struct bx_image *img, bx_err_t *err);
void bx_image_free(struct bx_image *img);
char **bx_image_list(void);
char *bx_layer_dir(const char *id); /* $BOXLAB_LIB_DIR/layers/ID */

/* The overlay lowerdir for the image, top layer first, ':' between.
 * When uid or gid is not 0 (a user namespace), each layer is a copy
 * owned by the mapping range, made once per (layer, range) and cached
 * under $BOXLAB_LIB_DIR/shifted; *made counts the copies made now. */
int bx_image_lowerdir(const struct bx_image *img, uid_t uid, gid_t gid, char **lowerdir, int *made, bx_err_t *err);

struct bx_import_result {
	const char *format;   /* "tar" or "oci" */
	size_t layers;        /* layers of the image */
	size_t layers_reused; /* of which already stored */
	uint64_t bytes_in;    /* archive bytes read */
	uint64_t bytes_out;   /* file data written */
	uint64_t entries;
};

/* Import src (a tar, compressed or not, or an OCI image layout
 * directory) as image `name`.  All or nothing: the image appears by one
 * rename at the end; on failure every layer this import added is gone. */
int bx_image_import(const char *src, const char *name, struct bx_import_result *res, bx_err_t *err);

/* Remove an imported image and the layers no other image uses; refuses
 * built-in images and images a container (any state) was made from. */
int bx_image_remove(const char *name, size_t *layers_freed, bx_err_t *err);

/* Containers made from the image, by name. */
char **bx_image_users(const char *name);

/* Bytes of file data under a directory (apparent size, as du -sb). */
uint64_t bx_tree_size(const char *path);

#endif
