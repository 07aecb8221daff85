/* The OCI image layout (image-spec image-layout.md): a directory with
 *
 *     oci-layout            {"imageLayoutVersion": "1.0.0"}
 *     index.json            manifests[]: descriptors {mediaType, digest, size, platform}
 *     blobs/sha256/<hex>    content-addressed: manifests, configs, layer tars
 *
 * A descriptor's digest is the only name of a blob, so it is checked
 * strictly ("sha256:" and 64 lowercase hex digits) before it becomes a
 * path, and every JSON blob is hashed before it is believed.  Layer
 * blobs are hashed while they are extracted (archive.c). */
#include "core/archive.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "util/json.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MAX_JSON_BLOB (4 << 20)

const char *bx_oci_arch(void)
{
	static const char *const map[][2] = {
		{"x86_64", "amd64"}, {"aarch64", "arm64"}, {"armv7l", "arm"}, {"i686", "386"},
		{"ppc64le", "ppc64le"}, {"s390x", "s390x"}, {"riscv64", "riscv64"},
	};
	static struct utsname u;
	if (!u.machine[0])
		uname(&u);
	for (size_t i = 0; i < N_ELEMENTS(map); i++)
		if (!strcmp(u.machine, map[i][0]))
			return map[i][1];
	return u.machine;
}

static char *blob_path(const char *dir, const char *hex)
{
	return xasprintf("%s/blobs/sha256/%s", dir, hex);
}

/* The digest of a descriptor, checked, as hex; what names the blob in
 * messages is the descriptor's role ("manifest", "layer 2"). */
static int desc_digest(json_t *desc, const char *role, const char **hex, bx_err_t *err)
{
	const char *d = json_string_value(json_object_get(desc, "digest"));
	if (!d)
		return bx_make_error(err, 0, "%s: descriptor has no digest", role);
	if (!bx_sha256_digest_parse(d, hex))
		return bx_make_error(err, 0, "%s: unsupported digest \"%s\" (allowed: sha256: and 64 lowercase hex "
				     "digits)", role, d);
	return 0;
}

static int check_size(json_t *desc, const char *role, const char *path, bx_err_t *err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return bx_make_error(err, errno, "%s: missing blob %s", role, path);
	json_t *size = json_object_get(desc, "size");
	if (size && (!json_is_integer(size) || json_integer_value(size) != (json_int_t)st.st_size))
		return bx_make_error(err, 0, "%s: blob %s has %lld bytes, the descriptor says %lld", role, path,
				     (long long)st.st_size, (long long)json_integer_value(size));
	return 0;
}

/* Read a JSON blob, checking its size and digest first. */
static json_t *read_json_blob(const char *dir, json_t *desc, const char *role, bx_err_t *err)
{
	const char *hex;
	if (desc_digest(desc, role, &hex, err) < 0)
		return NULL;
	cleanup_free char *path = blob_path(dir, hex);
	if (check_size(desc, role, path, err) < 0)
		return NULL;
	struct stat st;
	if (stat(path, &st) == 0 && st.st_size > MAX_JSON_BLOB) {
		bx_make_error(err, 0, "%s: blob %s is %lld bytes, too large for JSON", role, path, (long long)st.st_size);
		return NULL;
	}
	size_t len;
	cleanup_free char *data = bx_read_file(path, &len, err);
	if (!data)
		return NULL;
	char got[BX_SHA256_HEX];
	bx_sha256_hex(data, len, got);
	if (strcmp(got, hex)) {
		bx_make_error(err, 0, "%s: digest mismatch: blob %s has sha256:%s, the descriptor says sha256:%s", role,
			      path, got, hex);
		return NULL;
	}
	json_error_t je;
	json_t *j = json_loadb(data, len, 0, &je);
	if (!j || !json_is_object(j)) {
		bx_make_error(err, 0, "%s: blob %s is not a JSON object (%s)", role, path, j ? "wrong type" : je.text);
		json_decref(j);
		return NULL;
	}
	return j;
}

static bool is_manifest(const char *mt)
{
	return mt && (!strcmp(mt, MT_OCI_MANIFEST) || !strcmp(mt, MT_DOCKER_MANIFEST));
}

static bool is_index(const char *mt)
{
	return mt && (!strcmp(mt, MT_OCI_INDEX) || !strcmp(mt, MT_DOCKER_LIST));
}

static bool platform_ok(json_t *desc, char ***seen)
{
	json_t *p = json_object_get(desc, "platform");
	if (!p)
		return true; /* single-platform layouts often omit it */
	const char *os = json_string_value(json_object_get(p, "os"));
	const char *arch = json_string_value(json_object_get(p, "architecture"));
	cleanup_free char *name = xasprintf("%s/%s", os ? os : "?", arch ? arch : "?");
	strv_push(seen, name);
	return os && arch && !strcmp(os, "linux") && !strcmp(arch, bx_oci_arch());
}

/* Find the one manifest for this platform, following nested indexes. */
static json_t *pick_manifest(const char *dir, json_t *index, int depth, char **ref, bx_err_t *err)
{
	json_t *list = json_object_get(index, "manifests"), *d, *found = NULL;
	cleanup_strv char **seen = NULL, **refs = NULL;
	size_t i, n = 0;
	if (!json_is_array(list))
		return bx_make_error(err, 0, "index has no \"manifests\" list"), NULL;
	json_array_foreach(list, i, d) {
		const char *mt = json_string_value(json_object_get(d, "mediaType"));
		if (!is_manifest(mt) && !is_index(mt))
			continue;
		if (!platform_ok(d, &seen))
			continue;
		const char *r = json_string_value(json_object_get(json_object_get(d, "annotations"),
								  "org.opencontainers.image.ref.name"));
		strv_push(&refs, r ? r : "(unnamed)");
		found = d;
		n++;
	}
	if (n == 0) {
		cleanup_free char *s = seen ? strv_join(seen, ", ") : xstrdup("none");
		return bx_make_error(err, 0, "no image for linux/%s in the index (it has: %s)", bx_oci_arch(), s), NULL;
	}
	if (n > 1) {
		cleanup_free char *s = strv_join(refs, ", ");
		return bx_make_error(err, 0, "the index holds %zu images for linux/%s (%s); boxlab imports a layout "
				     "with one", n, bx_oci_arch(), s), NULL;
	}
	const char *mt = json_string_value(json_object_get(found, "mediaType"));
	const char *r = json_string_value(json_object_get(json_object_get(found, "annotations"),
							  "org.opencontainers.image.ref.name"));
	if (r && !*ref)
		*ref = xstrdup(r);
	if (is_index(mt)) {
		if (depth >= 4)
			return bx_make_error(err, 0, "indexes nested more than 4 deep"), NULL;
		json_t *sub = read_json_blob(dir, found, "nested index", err);
		if (!sub)
			return NULL;
		json_t *m = pick_manifest(dir, sub, depth + 1, ref, err);
		json_decref(sub);
		return m;
	}
	return read_json_blob(dir, found, "manifest", err);
}

static int string_list(json_t *arr, const char *what, char ***out, bx_err_t *err)
{
	size_t i;
	json_t *v;
	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return bx_make_error(err, 0, "config: %s is not a list of strings", what);
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			return bx_make_error(err, 0, "config: %s is not a list of strings", what);
		strv_push(out, json_string_value(v));
	}
	return 0;
}

static int read_config(const char *dir, json_t *manifest, struct bx_oci_image *img, bx_err_t *err)
{
	json_t *desc = json_object_get(manifest, "config");
	if (!json_is_object(desc))
		return bx_make_error(err, 0, "manifest has no config descriptor");
	json_t *cfg = read_json_blob(dir, desc, "config", err);
	if (!cfg)
		return -1;
	json_t *c = json_object_get(cfg, "config");
	int ret = 0;
	if (json_is_object(c)) {
		char **ep = NULL, **cmd = NULL;
		ret = string_list(json_object_get(c, "Entrypoint"), "Entrypoint", &ep, err);
		if (ret == 0)
			ret = string_list(json_object_get(c, "Cmd"), "Cmd", &cmd, err);
		if (ret == 0)
			ret = string_list(json_object_get(c, "Env"), "Env", &img->env, err);
		for (size_t i = 0; cmd && cmd[i]; i++)
			strv_push(&ep, cmd[i]);
		strv_free(cmd);
		img->cmd = ep;
		const char *wd = json_string_value(json_object_get(c, "WorkingDir"));
		if (wd && *wd) {
			if (wd[0] != '/')
				ret = bx_make_error(err, 0, "config: WorkingDir \"%s\" is not an absolute path", wd);
			else
				img->workdir = xstrdup(wd);
		}
	}
	json_decref(cfg);
	return ret;
}

int bx_oci_read(const char *dir, struct bx_oci_image *img, bx_err_t *err)
{
	memset(img, 0, sizeof *img);
	cleanup_free char *layout = xasprintf("%s/oci-layout", dir);
	cleanup_free char *indexp = xasprintf("%s/index.json", dir);
	json_error_t je;
	json_t *j = bx_json_load(layout, &je);
	const char *ver = json_string_value(json_object_get(j, "imageLayoutVersion"));
	if (!ver || strncmp(ver, "1.", 2)) {
		json_decref(j);
		return bx_make_error(err, 0, "%s is not an OCI image layout (%s: %s)", dir, layout,
				     ver ? "unsupported imageLayoutVersion" : je.text[0] ? je.text : "no imageLayoutVersion");
	}
	json_decref(j);
	json_t *index = bx_json_load(indexp, &je);
	if (!json_is_object(index)) {
		json_decref(index);
		return bx_make_error(err, 0, "cannot read %s: %s", indexp, index ? "not a JSON object" : je.text);
	}
	json_t *manifest = pick_manifest(dir, index, 0, &img->ref, err);
	json_decref(index);
	if (!manifest)
		return bx_error_wrap(err, "%s", dir);

	int ret = 0;
	json_t *layers = json_object_get(manifest, "layers"), *d;
	size_t i;
	if (json_integer_value(json_object_get(manifest, "schemaVersion")) != 2)
		ret = bx_make_error(err, 0, "manifest: schemaVersion is not 2");
	else if (!json_is_array(layers))
		ret = bx_make_error(err, 0, "manifest has no layers list");
	if (ret == 0)
		ret = read_config(dir, manifest, img, err);
	json_array_foreach(layers, i, d) {
		if (ret < 0)
			break;
		char role[32];
		const char *hex, *mt = json_string_value(json_object_get(d, "mediaType"));
		snprintf(role, sizeof role, "layer %zu", i + 1);
		if (!mt || !strstr(mt, "tar") || strstr(mt, "encrypted")) {
			ret = bx_make_error(err, 0, "%s: unsupported media type \"%s\" (allowed: tar layers, plain, "
					    "gzip or zstd)", role, mt ? mt : "none");
			break;
		}
		if (desc_digest(d, role, &hex, err) < 0) {
			ret = -1;
			break;
		}
		cleanup_free char *path = blob_path(dir, hex);
		if (check_size(d, role, path, err) < 0) {
			ret = -1;
			break;
		}
		strv_push(&img->layers, hex);
		strv_push(&img->layer_blobs, path);
	}
	json_decref(manifest);
	if (ret < 0) {
		bx_oci_free(img);
		return bx_error_wrap(err, "%s", dir);
	}
	if (!img->layers)
		img->layers = xzalloc(sizeof *img->layers), img->layer_blobs = xzalloc(sizeof *img->layer_blobs);
	return 0;
}

void bx_oci_free(struct bx_oci_image *img)
{
	strv_free(img->layers);
	strv_free(img->layer_blobs);
	strv_free(img->cmd);
	strv_free(img->env);
	free(img->workdir);
	free(img->ref);
	memset(img, 0, sizeof *img);
}
