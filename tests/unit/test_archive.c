/* Layer archives: the entry-name checks, the whiteout mapping, the
 * symlink-escape rule, and extraction of tars written here entry by
 * entry (libarchive's writer), good ones and hostile ones: a hostile one
 * must fail and leave nothing outside its directory. */
#include "core/archive.h"
#include "core/err.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/xalloc.h"

#include <archive.h>
#include <archive_entry.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

static char *clean(const char *name)
{
	bx_err_t err = NULL;
	char *out = NULL;
	if (bx_archive_clean_path(name, &out, &err) < 0) {
		bx_error_release(&err);
		return NULL;
	}
	return out;
}

static void test_clean_path(void **state)
{
	(void)state;
	static const char *const ok[][2] = {
		{"a/b", "a/b"}, {"./a//b/", "a/b"}, {"./", "."}, {".", "."}, {"a/./b", "a/b"}, {"...", "..."},
		{"a/..b", "a/..b"}, {"./etc/passwd", "etc/passwd"},
	};
	for (size_t i = 0; i < N_ELEMENTS(ok); i++) {
		cleanup_free char *c = clean(ok[i][0]);
		assert_non_null(c);
		assert_string_equal(c, ok[i][1]);
	}
	static const char *const bad[] = {"/etc/passwd", "../x", "a/../../x", "a/..", "..", "./../x", "//x"};
	for (size_t i = 0; i < N_ELEMENTS(bad); i++)
		assert_null(clean(bad[i]));
	bx_err_t err = NULL;
	char *out;
	assert_int_equal(bx_archive_clean_path("a/../b", &out, &err), -1);
	assert_non_null(strstr(err->msg, "\"a/../b\""));
	assert_non_null(strstr(err->msg, ".."));
	bx_error_release(&err);
}

static void test_whiteouts(void **state)
{
	(void)state;
	char *t;
	assert_int_equal(bx_archive_whiteout("etc/passwd", &t), BX_WH_NONE);
	assert_null(t);
	assert_int_equal(bx_archive_whiteout("etc/.wh.passwd", &t), BX_WH_FILE);
	assert_string_equal(t, "etc/passwd");
	free(t);
	assert_int_equal(bx_archive_whiteout(".wh.gone", &t), BX_WH_FILE);
	assert_string_equal(t, "gone");
	free(t);
	assert_int_equal(bx_archive_whiteout("a/b/.wh..wh..opq", &t), BX_WH_OPAQUE);
	assert_string_equal(t, "a/b");
	free(t);
	assert_int_equal(bx_archive_whiteout(".wh..wh..opq", &t), BX_WH_OPAQUE);
	assert_string_equal(t, ".");
	free(t);
	assert_int_equal(bx_archive_whiteout("x/.wh..wh.plnk", &t), BX_WH_META);
	assert_int_equal(bx_archive_whiteout("x/.wh..wh.aufs", &t), BX_WH_META);
	assert_int_equal(bx_archive_whiteout("x/.wh.", &t), BX_WH_BAD);
	assert_int_equal(bx_archive_whiteout("x/.wh..", &t), BX_WH_BAD);
	assert_int_equal(bx_archive_whiteout("x/.wh...", &t), BX_WH_BAD);
	/* Only the prefix counts. */
	assert_int_equal(bx_archive_whiteout("x/a.wh.b", &t), BX_WH_NONE);
}

static void test_symlink_escapes(void **state)
{
	(void)state;
	assert_false(bx_archive_symlink_escapes("bin/sh", "busybox"));
	assert_false(bx_archive_symlink_escapes("etc/localtime", "/usr/share/zoneinfo/UTC"));
	assert_false(bx_archive_symlink_escapes("etc/mtab", "../proc/self/mounts"));
	assert_false(bx_archive_symlink_escapes("usr/lib/x/y", "../../../bin"));
	assert_false(bx_archive_symlink_escapes("etc/up", ".."));
	assert_false(bx_archive_symlink_escapes("lnk", "/"));
	assert_true(bx_archive_symlink_escapes("up", ".."));
	assert_true(bx_archive_symlink_escapes("etc/x", "../../etc/shadow"));
	assert_true(bx_archive_symlink_escapes("a/b", "../../../../../etc"));
	/* Down and back up past the root is still out. */
	assert_true(bx_archive_symlink_escapes("a", "x/../../.."));
	assert_true(bx_archive_symlink_escapes("a/b", "../../img/etc"));
	assert_false(bx_archive_symlink_escapes("a/b", "./../c/./d"));
}

/* --- tars written entry by entry --- */

struct ent {
	const char *name;
	mode_t type;      /* AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFCHR; 0: hardlink */
	const char *data; /* content, or the link target */
};

static char *write_tar(const char *dir, const char *file, const struct ent *e, size_t n)
{
	char *path = xasprintf("%s/%s", dir, file);
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *x = archive_entry_new();
		archive_entry_set_pathname(x, e[i].name);
		archive_entry_set_uid(x, 0);
		archive_entry_set_gid(x, 0);
		if (e[i].type == 0) {
			archive_entry_set_filetype(x, AE_IFREG);
			archive_entry_set_perm(x, 0644);
			archive_entry_set_hardlink(x, e[i].data);
		} else if (e[i].type == AE_IFLNK) {
			archive_entry_set_filetype(x, AE_IFLNK);
			archive_entry_set_perm(x, 0777);
			archive_entry_set_symlink(x, e[i].data);
		} else if (e[i].type == AE_IFCHR) {
			archive_entry_set_filetype(x, AE_IFCHR);
			archive_entry_set_perm(x, 0666);
			archive_entry_set_rdev(x, makedev(1, 3));
		} else {
			archive_entry_set_filetype(x, e[i].type);
			archive_entry_set_perm(x, e[i].type == AE_IFDIR ? 0755 : 0644);
			if (e[i].data)
				archive_entry_set_size(x, (la_int64_t)strlen(e[i].data));
		}
		assert_int_equal(archive_write_header(a, x), ARCHIVE_OK);
		if (e[i].type == AE_IFREG && e[i].data)
			archive_write_data(a, e[i].data, strlen(e[i].data));
		archive_entry_free(x);
	}
	archive_write_close(a);
	archive_write_free(a);
	return path;
}

struct dirs {
	char *top, *dst, *outside;
};

static int setup_dirs(void **state)
{
	struct dirs *d = xzalloc(sizeof *d);
	d->top = xstrdup("/tmp/bx-test-archive.XXXXXX");
	assert_non_null(mkdtemp(d->top));
	d->dst = xasprintf("%s/dst", d->top);
	d->outside = xasprintf("%s/outside", d->top);
	mkdir(d->dst, 0700);
	mkdir(d->outside, 0700);
	*state = d;
	return 0;
}

static int teardown_dirs(void **state)
{
	struct dirs *d = *state;
	bx_err_t err = NULL;
	bx_rm_rf(d->top, &err);
	bx_error_release(&err);
	free(d->top);
	free(d->dst);
	free(d->outside);
	free(d);
	return 0;
}

static bool dir_empty(const char *path)
{
	cleanup_dir DIR *d = opendir(path);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			return false;
	return true;
}

static void test_extract_layer(void **state)
{
	struct dirs *d = *state;
	if (geteuid() != 0)
		skip(); /* whiteouts are device nodes: root only */
	const struct ent good[] = {
		{"./", AE_IFDIR, NULL},
		{"etc/", AE_IFDIR, NULL},
		{"etc/hostname", AE_IFREG, "box\n"},
		{"etc/hostname2", 0, "etc/hostname"},
		{"etc/link", AE_IFLNK, "hostname"},
		{"etc/abs", AE_IFLNK, "/etc/hostname"},
		{"etc/.wh.passwd", AE_IFREG, NULL},
		{"var/lib/.wh..wh..opq", AE_IFREG, NULL},
		{"deep/new/.wh.gone", AE_IFREG, NULL},
		{"x/.wh..wh.plnk", AE_IFREG, NULL},
	};
	cleanup_free char *tar = write_tar(d->top, "good.tar", good, N_ELEMENTS(good));
	struct bx_layer_info info;
	bx_err_t err = NULL;
	int r = bx_archive_extract(tar, d->dst, NULL, &info, &err);
	if (r < 0)
		fail_msg("%s", err->msg);

	char want[BX_SHA256_HEX];
	assert_int_equal(bx_archive_hash_file(tar, want, &err), 0);
	assert_string_equal(info.sha256, want);
	assert_int_equal(info.whiteouts, 2);
	assert_int_equal(info.opaque, 1);

	struct stat st, st2;
	cleanup_free char *p = xasprintf("%s/etc/passwd", d->dst);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
	cleanup_free char *g = xasprintf("%s/deep/new/gone", d->dst);
	assert_int_equal(lstat(g, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	cleanup_free char *o = xasprintf("%s/var/lib", d->dst);
	char v[4] = "";
	assert_int_equal(lgetxattr(o, "trusted.overlay.opaque", v, sizeof v), 1);
	assert_int_equal(v[0], 'y');
	cleanup_free char *h1 = xasprintf("%s/etc/hostname", d->dst);
	cleanup_free char *h2 = xasprintf("%s/etc/hostname2", d->dst);
	assert_int_equal(stat(h1, &st), 0);
	assert_int_equal(stat(h2, &st2), 0);
	assert_true(st.st_ino == st2.st_ino);
	cleanup_free char *meta = xasprintf("%s/x/.wh..wh.plnk", d->dst);
	assert_int_equal(access(meta, F_OK), -1);

	/* The wrong digest fails, after the fact. */
	bx_rm_rf(d->dst, &err);
	mkdir(d->dst, 0700);
	assert_int_equal(bx_archive_extract(tar, d->dst, "00000000000000000000000000000000000000000000000000000000"
							 "00000000", &info, &err), -1);
	assert_non_null(strstr(err->msg, "digest mismatch"));
	bx_error_release(&err);
}

static void refuse(struct dirs *d, const char *file, const struct ent *e, size_t n, const char *why)
{
	cleanup_free char *tar = write_tar(d->top, file, e, n);
	struct bx_layer_info info;
	bx_err_t err = NULL;
	bx_err_t tmp = NULL;
	bx_rm_rf(d->dst, &tmp);
	bx_error_release(&tmp);
	mkdir(d->dst, 0700);
	if (bx_archive_extract(tar, d->dst, NULL, &info, &err) == 0)
		fail_msg("%s was extracted", file);
	if (!strstr(err->msg, why))
		fail_msg("%s: \"%s\" lacks \"%s\"", file, err->msg, why);
	bx_error_release(&err);
	if (!dir_empty(d->outside))
		fail_msg("%s wrote outside its directory", file);
}

static void test_extract_refuses(void **state)
{
	struct dirs *d = *state;
	cleanup_free char *abs = xasprintf("%s/pwned", d->outside);
	const struct ent dotdot[] = {{"../outside/pwned", AE_IFREG, "x"}};
	const struct ent deep_dotdot[] = {{"a/", AE_IFDIR, NULL}, {"a/../../outside/pwned", AE_IFREG, "x"}};
	const struct ent absolute[] = {{abs, AE_IFREG, "x"}};
	const struct ent sym_out[] = {{"evil", AE_IFLNK, "../../../../../etc/shadow"}};
	const struct ent through[] = {{"evil", AE_IFLNK, d->outside}, {"evil/pwned", AE_IFREG, "x"}};
	const struct ent hard_out[] = {{"h", 0, "../outside/x"}};
	const struct ent hard_abs[] = {{"h", 0, "/etc/passwd"}};
	const struct ent hard_sym[] = {{"evil", AE_IFLNK, "/etc"}, {"h", 0, "evil/passwd"}};
	const struct ent dev[] = {{"null", AE_IFCHR, NULL}};
	const struct ent wh_bad[] = {{"a/.wh..", AE_IFREG, NULL}};
	const struct ent wh_sym[] = {{"evil", AE_IFLNK, d->outside}, {"evil/.wh.x", AE_IFREG, NULL}};
	refuse(d, "dotdot.tar", dotdot, N_ELEMENTS(dotdot), "climbs out");
	refuse(d, "deep.tar", deep_dotdot, N_ELEMENTS(deep_dotdot), "climbs out");
	refuse(d, "abs.tar", absolute, N_ELEMENTS(absolute), "absolute path");
	refuse(d, "symout.tar", sym_out, N_ELEMENTS(sym_out), "points outside the image");
	refuse(d, "through.tar", through, N_ELEMENTS(through), "symlink");
	refuse(d, "hardout.tar", hard_out, N_ELEMENTS(hard_out), "climbs out");
	refuse(d, "hardabs.tar", hard_abs, N_ELEMENTS(hard_abs), "absolute path");
	refuse(d, "hardsym.tar", hard_sym, N_ELEMENTS(hard_sym), "reached without symlinks");
	refuse(d, "dev.tar", dev, N_ELEMENTS(dev), "device node");
	refuse(d, "whbad.tar", wh_bad, N_ELEMENTS(wh_bad), "names no file");
	if (geteuid() == 0)
		refuse(d, "whsym.tar", wh_sym, N_ELEMENTS(wh_sym), "passes through a symlink");
}

static void test_extract_corrupt(void **state)
{
	struct dirs *d = *state;
	const struct ent big[] = {{"f", AE_IFREG, "0123456789012345678901234567890123456789012345678901234567890123"
					     "0123456789012345678901234567890123456789012345678901234567890123"}};
	cleanup_free char *tar = write_tar(d->top, "big.tar", big, N_ELEMENTS(big));
	cleanup_free char *cut = xasprintf("%s/cut.tar", d->top);
	bx_err_t err = NULL;
	size_t len;
	cleanup_free char *data = bx_read_file(tar, &len, &err);
	assert_non_null(data);
	/* The header and half the data. */
	assert_int_equal(bx_write_file(cut, data, 512 + 60, &err), 0);
	struct bx_layer_info info;
	assert_int_equal(bx_archive_extract(cut, d->dst, NULL, &info, &err), -1);
	assert_non_null(strstr(err->msg, "truncated or corrupt"));
	bx_error_release(&err);
	/* Not an archive at all. */
	assert_int_equal(bx_write_file(cut, "hello, not a tar\n", 17, &err), 0);
	assert_int_equal(bx_archive_extract(cut, d->dst, NULL, &info, &err), -1);
	assert_non_null(strstr(err->msg, "not a tar archive"));
	bx_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_path),
		cmocka_unit_test(test_whiteouts),
		cmocka_unit_test(test_symlink_escapes),
		cmocka_unit_test_setup_teardown(test_extract_layer, setup_dirs, teardown_dirs),
		cmocka_unit_test_setup_teardown(test_extract_refuses, setup_dirs, teardown_dirs),
		cmocka_unit_test_setup_teardown(test_extract_corrupt, setup_dirs, teardown_dirs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
