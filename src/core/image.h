/* Images: a directory holding rootfs/ and config.ini ([image] cmd, env,
 * workdir).  Looked up in $BOXLAB_LIB_DIR/images, then among the images
 * built with boxlab (the built-in busybox). */
#ifndef BX_IMAGE_H
#define BX_IMAGE_H

#include "core/err.h"

#include <sys/types.h>

struct bx_image {
	char *name;
	char *dir;    /* the image directory */
	char *rootfs; /* dir/rootfs */
	char **cmd;   /* default command */
	char **env;
	char *workdir;
};

int bx_image_resolve(const char *name, struct bx_image *img, bx_err_t *err);
void bx_image_free(struct bx_image *img);
char **bx_image_list(void);
/* The image's rootfs owned by uid/gid shifted into a mapping range,
 * made once per (image, range) and cached under $BOXLAB_LIB_DIR/shifted. */
int bx_image_shifted(const struct bx_image *img, uid_t uid, gid_t gid, char **path, bx_err_t *err);

#endif
