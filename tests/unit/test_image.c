/* The image store in a scratch $BOXLAB_LIB_DIR: tar and OCI imports,
 * layers shared between images and freed with the last of them, the
 * lowerdir order, all-or-nothing failures, and the OCI checks (digest,
 * platform, config) on layouts written here. */
#include "core/archive.h"
#include "core/image.h"
#include "core/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/xalloc.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static char top[] = "/tmp/bx-test-image.XXXXXX";

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(top));
	cleanup_free char *lib = xasprintf("%s/lib", top), *run = xasprintf("%s/run", top);
	cleanup_free char *none = xasprintf("%s/builtin", top);
	mkdir(lib, 0755);
	mkdir(run, 0755);
	mkdir(none, 0755);
	setenv("BOXLAB_LIB_DIR", lib, 1);
	setenv("BOXLAB_RUN_DIR", run, 1);
	setenv("BOXLAB_IMAGE_DIR", none, 1); /* no built-in images */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bx_err_t err = NULL;
	bx_rm_rf(top, &err);
	bx_error_release(&err);
	return 0;
}

/* A tar holding one file. */
static char *small_tar(const char *name, const char *file, const char *data)
{
	char *path = xasprintf("%s/%s", top, name);
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, file);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)strlen(data));
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	archive_write_data(a, data, strlen(data));
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
	return path;
}

static size_t count_entries(const char *dir)
{
	cleanup_dir DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;
	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	return n;
}

static void test_tar_layers_shared(void **state)
{
	(void)state;
	cleanup_free char *tar = small_tar("a.tar", "etc/hello", "hello\n");
	struct bx_import_result r;
	bx_err_t err = NULL;
	if (bx_image_import(tar, "one", &r, &err) < 0)
		fail_msg("%s", err->msg);
	assert_int_equal(r.layers, 1);
	assert_int_equal(r.layers_reused, 0);
	assert_int_equal(bx_image_import(tar, "two", &r, &err), 0);
	assert_int_equal(r.layers_reused, 1);
	/* Same name again: refused. */
	assert_int_equal(bx_image_import(tar, "two", &r, &err), -1);
	assert_non_null(strstr(err->msg, "already exists"));
	bx_error_release(&err);

	struct bx_image a, b;
	assert_int_equal(bx_image_resolve("one", &a, &err), 0);
	assert_int_equal(bx_image_resolve("two", &b, &err), 0);
	assert_null(a.rootfs);
	assert_int_equal(strv_len(a.layers), 1);
	assert_string_equal(a.layers[0], b.layers[0]);
	char want[BX_SHA256_HEX];
	assert_int_equal(bx_archive_hash_file(tar, want, &err), 0);
	assert_string_equal(a.layers[0], want);
	assert_string_equal(a.source, tar);
	assert_string_equal(a.cmd[0], "/bin/sh");
	cleanup_free char *ldir = bx_layer_dir(a.layers[0]);
	cleanup_free char *hello = xasprintf("%s/etc/hello", ldir);
	assert_int_equal(access(hello, F_OK), 0);

	cleanup_free char *layers = xasprintf("%s/layers", bx_lib_dir());
	size_t freed;
	assert_int_equal(bx_image_remove("one", &freed, &err), 0);
	assert_int_equal(freed, 0); /* two still uses it */
	assert_int_equal(count_entries(layers), 1);
	assert_int_equal(bx_image_remove("two", &freed, &err), 0);
	assert_int_equal(freed, 1);
	assert_int_equal(count_entries(layers), 0);
	bx_image_free(&a);
	bx_image_free(&b);
	assert_int_equal(bx_image_resolve("one", &a, &err), -1);
	assert_non_null(strstr(err->msg, "no such image: one"));
	bx_error_release(&err);
}

static void test_failed_import_leaves_nothing(void **state)
{
	(void)state;
	cleanup_free char *bad = xasprintf("%s/bad.tar", top);
	bx_err_t err = NULL;
	struct bx_import_result r;
	assert_int_equal(bx_write_file(bad, "not a tar at all", 16, &err), 0);
	assert_int_equal(bx_image_import(bad, "bad", &r, &err), -1);
	assert_non_null(strstr(err->msg, "nothing was imported"));
	bx_error_release(&err);
	cleanup_free char *images = xasprintf("%s/images", bx_lib_dir());
	cleanup_free char *layers = xasprintf("%s/layers", bx_lib_dir());
	cleanup_dir DIR *d = opendir(images);
	struct dirent *e;
	while (d && (e = readdir(d)))
		assert_true(!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."));
	cleanup_dir DIR *l = opendir(layers);
	while (l && (e = readdir(l)))
		assert_true(!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."));
	assert_int_equal(bx_image_import(bad, "BadName", &r, &err), -1);
	assert_non_null(strstr(err->msg, "invalid name"));
	bx_error_release(&err);
}

/* --- OCI layouts --- */

static char *blob(const char *dir, const char *data, size_t len, char hex[BX_SHA256_HEX])
{
	bx_err_t err = NULL;
	bx_sha256_hex(data, len, hex);
	char *p = xasprintf("%s/blobs/sha256/%s", dir, hex);
	assert_int_equal(bx_write_file(p, data, len, &err), 0);
	return p;
}

/* A layout with the two layer tars, bottom first; arch: the platform
 * the index claims. */
static char *layout(const char *name, const char *l1, const char *l2, const char *arch, const char *config)
{
	char *dir = xasprintf("%s/%s", top, name);
	cleanup_free char *blobs = xasprintf("%s/blobs/sha256", dir);
	bx_err_t err = NULL;
	assert_int_equal(bx_mkdir_p(blobs, 0755, &err), 0);
	char h1[BX_SHA256_HEX], h2[BX_SHA256_HEX], hc[BX_SHA256_HEX], hm[BX_SHA256_HEX];
	size_t n1, n2;
	cleanup_free char *d1 = bx_read_file(l1, &n1, &err), *d2 = bx_read_file(l2, &n2, &err);
	free(blob(dir, d1, n1, h1));
	free(blob(dir, d2, n2, h2));
	free(blob(dir, config, strlen(config), hc));
	cleanup_free char *m = xasprintf(
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:%s\","
		"\"size\":%zu},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":"
		"\"sha256:%s\",\"size\":%zu},{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":"
		"\"sha256:%s\",\"size\":%zu}]}", hc, strlen(config), h1, n1, h2, n2);
	free(blob(dir, m, strlen(m), hm));
	cleanup_free char *index = xasprintf(
		"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"digest\":\"sha256:%s\",\"size\":%zu,\"platform\":{\"os\":\"linux\",\"architecture\":\"%s\"}}]}",
		hm, strlen(m), arch);
	cleanup_free char *ip = xasprintf("%s/index.json", dir), *lp = xasprintf("%s/oci-layout", dir);
	assert_int_equal(bx_write_file(ip, index, strlen(index), &err), 0);
	assert_int_equal(bx_write_file(lp, "{\"imageLayoutVersion\":\"1.0.0\"}", 30, &err), 0);
	return dir;
}

static void test_oci_import(void **state)
{
	(void)state;
	cleanup_free char *l1 = small_tar("l1.tar", "base", "base\n");
	cleanup_free char *l2 = small_tar("l2.tar", "top", "top\n");
	const char *cfg = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Entrypoint\":[\"/bin/echo\"],"
			  "\"Cmd\":[\"a b\",\"c;d\"],\"Env\":[\"PATH=/bin\",\"X=1 2\"],\"WorkingDir\":\"/srv\"}}";
	cleanup_free char *dir = layout("oci", l1, l2, bx_oci_arch(), cfg);
	struct bx_import_result r;
	bx_err_t err = NULL;
	if (bx_image_import(dir, "oci", &r, &err) < 0)
		fail_msg("%s", err->msg);
	assert_string_equal(r.format, "oci");
	assert_int_equal(r.layers, 2);
	struct bx_image img;
	assert_int_equal(bx_image_resolve("oci", &img, &err), 0);
	char h1[BX_SHA256_HEX], h2[BX_SHA256_HEX];
	bx_archive_hash_file(l1, h1, &err);
	bx_archive_hash_file(l2, h2, &err);
	/* Top first. */
	assert_string_equal(img.layers[0], h2);
	assert_string_equal(img.layers[1], h1);
	assert_int_equal(strv_len(img.cmd), 3);
	assert_string_equal(img.cmd[0], "/bin/echo");
	assert_string_equal(img.cmd[1], "a b");
	assert_string_equal(img.cmd[2], "c;d");
	assert_string_equal(img.env[1], "X=1 2");
	assert_string_equal(img.workdir, "/srv");
	cleanup_free char *lower = NULL;
	int made;
	assert_int_equal(bx_image_lowerdir(&img, 0, 0, &lower, &made, &err), 0);
	cleanup_free char *d1 = bx_layer_dir(h1), *d2 = bx_layer_dir(h2);
	cleanup_free char *want = xasprintf("%s:%s", d2, d1);
	assert_string_equal(lower, want);
	assert_int_equal(made, 0);
	bx_image_free(&img);

	/* The same layers again: nothing extracted, both reused. */
	cleanup_free char *dir2 = layout("oci2", l1, l2, bx_oci_arch(), cfg);
	assert_int_equal(bx_image_import(dir2, "oci2", &r, &err), 0);
	assert_int_equal(r.layers_reused, 2);
	size_t freed;
	assert_int_equal(bx_image_remove("oci", &freed, &err), 0);
	assert_int_equal(bx_image_remove("oci2", &freed, &err), 0);
	assert_int_equal(freed, 2);
}

static void test_oci_refused(void **state)
{
	(void)state;
	cleanup_free char *l1 = small_tar("r1.tar", "base", "base\n");
	cleanup_free char *l2 = small_tar("r2.tar", "top", "top\n");
	const char *cfg = "{\"config\":{}}";
	struct bx_import_result r;
	bx_err_t err = NULL;

	cleanup_free char *other = layout("arm", l1, l2, "s390x-not-this", cfg);
	assert_int_equal(bx_image_import(other, "arm", &r, &err), -1);
	assert_non_null(strstr(err->msg, "no image for linux/"));
	assert_non_null(strstr(err->msg, "linux/s390x-not-this"));
	bx_error_release(&err);

	/* One byte of the top layer changed, size kept. */
	cleanup_free char *flip = layout("flip", l1, l2, bx_oci_arch(), cfg);
	char h2[BX_SHA256_HEX];
	bx_archive_hash_file(l2, h2, &err);
	cleanup_free char *b2 = xasprintf("%s/blobs/sha256/%s", flip, h2);
	FILE *f = fopen(b2, "r+");
	fseek(f, 600, SEEK_SET);
	fputc('X', f);
	fclose(f);
	assert_int_equal(bx_image_import(flip, "flip", &r, &err), -1);
	assert_non_null(strstr(err->msg, "digest mismatch"));
	assert_non_null(strstr(err->msg, "layer 2"));
	bx_error_release(&err);
	/* The first layer, extracted before the second failed, is gone too. */
	cleanup_free char *layers = xasprintf("%s/layers", bx_lib_dir());
	assert_int_equal(count_entries(layers), 0);

	unlink(b2);
	assert_int_equal(bx_image_import(flip, "flip", &r, &err), -1);
	assert_non_null(strstr(err->msg, "missing blob"));
	bx_error_release(&err);

	cleanup_free char *nolayout = xasprintf("%s/oci-layout", flip);
	unlink(nolayout);
	assert_int_equal(bx_image_import(flip, "flip", &r, &err), -1);
	assert_non_null(strstr(err->msg, "not an OCI image layout"));
	bx_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tar_layers_shared),
		cmocka_unit_test(test_failed_import_leaves_nothing),
		cmocka_unit_test(test_oci_import),
		cmocka_unit_test(test_oci_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
