/* Archives: one image layer, a tar (plain, gzip, xz, zstd, bzip2)
 * extracted with libarchive into a fresh directory, hashed as it is read
 * (the layer's sha256 is its name in the layer store), and checked entry
 * by entry so that nothing is ever written outside that directory.
 *
 * OCI whiteouts become overlayfs whiteouts as they are met, so a layer
 * directory is directly usable as an overlay lowerdir:
 *     dir/.wh.name      ->  dir/name, a character device 0/0
 *     dir/.wh..wh..opq  ->  dir gets trusted.overlay.opaque = y
 * (image-spec layer.md "Whiteouts"; Documentation/filesystems/overlayfs.rst).
 *
 * Also the OCI image layout (archive_oci.c): index.json -> manifest ->
 * config and layers, every blob checked against its digest. */
#ifndef BX_ARCHIVE_H
#define BX_ARCHIVE_H

#include "core/err.h"
#include "util/sha256.h"

#include <stdbool.h>
#include <stdint.h>

/* --- the pure checks (unit tested) --- */

/* An entry name made relative and canonical: "./a//b/" -> "a/b", the
 * archive root ("", ".", "./") -> ".".  Refuses absolute names and any
 * ".." component with a usage-style error naming the entry. */
int bx_archive_clean_path(const char *name, char **out, bx_err_t *err);

enum bx_whiteout {
	BX_WH_NONE,   /* an ordinary entry */
	BX_WH_FILE,   /* .wh.NAME: NAME is deleted; *target = its path */
	BX_WH_OPAQUE, /* .wh..wh..opq: the directory hides what is below; *target = the dir */
	BX_WH_META,   /* other .wh..wh.* (AUFS bookkeeping): skipped, as Docker does */
	BX_WH_BAD,    /* ".wh." with no usable name after it */
};
/* clean: a path from bx_archive_clean_path.  *target is allocated for
 * FILE and OPAQUE ("." for the layer's own root). */
enum bx_whiteout bx_archive_whiteout(const char *clean, char **target);

/* Does a symlink at `clean` with this target point above the archive's
 * root?  Relative targets are resolved lexically from the link's
 * directory; absolute ones are not escapes: inside the container they
 * resolve from the container's own root (/etc/localtime -> /usr/share/...
 * is in every Debian image). */
bool bx_archive_symlink_escapes(const char *clean, const char *target);

/* --- extraction --- */

struct bx_layer_info {
	char sha256[BX_SHA256_HEX]; /* of the archive file as stored */
	uint64_t entries;           /* entries written (whiteouts included) */
	uint64_t bytes_in;          /* archive bytes read */
	uint64_t bytes_out;         /* file data written */
	uint64_t whiteouts, opaque;
};

/* Extract the archive at src into the existing empty directory dst.
 * want: the sha256 the archive must have (hex), or NULL.  On error
 * dst may hold part of the archive: the caller removes it. */
int bx_archive_extract(const char *src, const char *dst, const char *want, struct bx_layer_info *info, bx_err_t *err);

/* The sha256 of a whole file, in hex. */
int bx_archive_hash_file(const char *path, char hex[BX_SHA256_HEX], bx_err_t *err);

/* --- OCI image layout (archive_oci.c) --- */

struct bx_oci_image {
	char **layers;      /* sha256 hex of each layer blob, bottom first */
	char **layer_blobs; /* their paths in the layout */
	char **cmd;         /* Entrypoint then Cmd, or NULL */
	char **env;         /* KEY=VALUE, or NULL */
	char *workdir;      /* or NULL */
	char *ref;          /* org.opencontainers.image.ref.name, or NULL */
};

/* Read dir/oci-layout, dir/index.json, the manifest for this machine's
 * platform and its config, checking each JSON blob against its digest
 * and that every layer blob exists with the size the manifest gives. */
int bx_oci_read(const char *dir, struct bx_oci_image *img, bx_err_t *err);
void bx_oci_free(struct bx_oci_image *img);
/* "amd64", "arm64", ...: the OCI name of the architecture boxlab runs on. */
const char *bx_oci_arch(void);

#endif
