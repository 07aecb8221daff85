/* The rootfs module's pure parts: -v and --tmpfs parsing, the target
 * rules (no /proc, /sys or /), the INI round trip of the mount list, and
 * the overlay diff on a hand-made upper/lower pair. */
#include "core/spec.h"
#include "modules/module.h"
#include "modules/rootfs.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

static void test_volume_parse(void **state)
{
	(void)state;
	struct bx_mount m;
	bx_err_t err = NULL;
	assert_int_equal(bx_mount_parse_volume("/srv/data:/data", &m, &err), 0);
	assert_int_equal(m.kind, BX_MOUNT_BIND);
	assert_string_equal(m.source, "/srv/data");
	assert_string_equal(m.target, "/data");
	assert_false(m.ro);
	bx_mount_free(&m);
	assert_int_equal(bx_mount_parse_volume("cache:/var//cache/./x/:ro", &m, &err), 0);
	assert_int_equal(m.kind, BX_MOUNT_VOLUME);
	assert_string_equal(m.source, "cache");
	assert_string_equal(m.target, "/var/cache/x");
	assert_true(m.ro);
	assert_string_equal(m.spec, "cache:/var//cache/./x/:ro");
	bx_mount_free(&m);

	static const char *const bad[][2] = {
		{"/a", "expected HOSTDIR"},        {":/a", "expected HOSTDIR"},
		{"/a:", "no container path"},       {"/a:rel", "not an absolute path"},
		{"/a:/proc/x", "inside /proc"},     {"/a:/sys", "inside /sys"},
		{"/a:/x/../proc", "inside /proc"},  {"/a:/", "container's root"},
		{"/a:/x/..", "container's root"},   {"/a:/b:rx", "allowed: ro, rw"},
		{"bad name:/x", "invalid volume name"}, {"-x:/x", "invalid volume name"},
	};
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		assert_int_equal(bx_mount_parse_volume(bad[i][0], &m, &err), -1);
		if (!strstr(err->msg, bad[i][1]))
			fail_msg("%s: \"%s\" lacks \"%s\"", bad[i][0], err->msg, bad[i][1]);
		assert_int_equal(err->exit_code, 2);
		bx_error_release(&err);
		bx_mount_free(&m);
	}
	/* /procfoo is not /proc. */
	assert_int_equal(bx_mount_parse_volume("/a:/procfoo", &m, &err), 0);
	bx_mount_free(&m);
}

static void test_tmpfs_parse(void **state)
{
	(void)state;
	struct bx_mount m;
	bx_err_t err = NULL;
	assert_int_equal(bx_mount_parse_tmpfs("/tmp", &m, &err), 0);
	assert_int_equal(m.kind, BX_MOUNT_TMPFS);
	assert_true(m.attrs == (MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV));
	assert_null(m.fsopts);
	bx_mount_free(&m);
	assert_int_equal(bx_mount_parse_tmpfs("/run:size=64m,mode=1777,exec,uid=5,nr_inodes=1k,ro", &m, &err), 0);
	assert_true(m.attrs == (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_RDONLY));
	assert_true(m.ro);
	assert_int_equal(strv_len(m.fsopts), 4);
	assert_string_equal(m.fsopts[0], "size=64m");
	assert_string_equal(m.fsopts[1], "mode=1777");
	bx_mount_free(&m);
	assert_int_equal(bx_mount_parse_tmpfs("/x:size=10%", &m, &err), 0);
	bx_mount_free(&m);

	static const char *const bad[][2] = {
		{"/x:size=abc", "a size"},   {"/x:size=1mb", "a size"},  {"/x:mode=999", "octal"},
		{"/x:mode=17777", "octal"},  {"/x:uid=-1", "a number"},  {"/x:colour=red", "allowed: size="},
		{"/x:size", "a size"},       {"/proc:size=1m", "inside /proc"}, {"x", "not an absolute path"},
	};
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		assert_int_equal(bx_mount_parse_tmpfs(bad[i][0], &m, &err), -1);
		if (!strstr(err->msg, bad[i][1]))
			fail_msg("%s: \"%s\" lacks \"%s\"", bad[i][0], err->msg, bad[i][1]);
		bx_error_release(&err);
		bx_mount_free(&m);
	}
}

static const struct bx_opt *row(const char *flag, const char *key)
{
	for (const struct bx_opt *o = bx_rootfs_opts; o->help; o++)
		if ((flag && o->flag && !strcmp(o->flag, flag)) || (key && o->key && !strcmp(o->key, key)))
			return o;
	fail_msg("no option row %s", flag ? flag : key);
	return NULL;
}

static void test_spec_round_trip(void **state)
{
	(void)state;
	struct bx_spec s, t;
	bx_err_t err = NULL;
	bx_spec_init(&s);
	bx_spec_init(&t);
	assert_int_equal(row("volume", NULL)->set(&s, "/srv/a b:/data", &err), 0);
	assert_int_equal(row("volume", NULL)->set(&s, "vol1:/v:ro", &err), 0);
	assert_int_equal(row("tmpfs", NULL)->set(&s, "/tmp:size=1m", &err), 0);
	assert_int_equal(row("read-only", NULL)->set(&s, NULL, &err), 0);
	/* Two mounts on one target. */
	assert_int_equal(row("tmpfs", NULL)->set(&s, "/data", &err), -1);
	assert_non_null(strstr(err->msg, "two mounts on /data"));
	bx_error_release(&err);

	cleanup_free char *vols = row(NULL, "volumes")->get(&s);
	cleanup_free char *tmps = row(NULL, "tmpfs")->get(&s);
	cleanup_free char *ro = row(NULL, "read_only")->get(&s);
	assert_string_equal(ro, "true");
	assert_int_equal(row(NULL, "volumes")->set(&t, vols, &err), 0);
	assert_int_equal(row(NULL, "tmpfs")->set(&t, tmps, &err), 0);
	assert_int_equal(row(NULL, "read_only")->set(&t, ro, &err), 0);
	const struct bx_rootfs_conf *c = bx_rootfs_conf(&t);
	assert_non_null(c);
	assert_int_equal(c->n, 3);
	assert_true(c->read_only);
	assert_string_equal(c->mounts[0].source, "/srv/a b");
	assert_string_equal(c->mounts[1].source, "vol1");
	assert_true(c->mounts[1].ro);
	assert_int_equal(c->mounts[2].kind, BX_MOUNT_TMPFS);
	/* The INI key replaces its kind only. */
	assert_int_equal(row(NULL, "volumes")->set(&t, "/x:/y", &err), 0);
	assert_int_equal(c->n, 2);
	bx_spec_free(&s);
	bx_spec_free(&t);
}

/* --- diff --- */

static void mkfile(const char *root, const char *rel, const char *data)
{
	cleanup_free char *p = xasprintf("%s%s", root, rel);
	bx_err_t err = NULL;
	assert_int_equal(bx_write_file(p, data, strlen(data), &err), 0);
}

static void mkd(const char *root, const char *rel)
{
	cleanup_free char *p = xasprintf("%s%s", root, rel);
	bx_err_t err = NULL;
	assert_int_equal(bx_mkdir_p(p, 0755, &err), 0);
}

static void copy_meta(const char *from, const char *to)
{
	struct stat st;
	assert_int_equal(stat(from, &st), 0);
	chmod(to, st.st_mode & 07777);
	struct timespec ts[2] = {st.st_atim, st.st_mtim};
	utimensat(AT_FDCWD, to, ts, 0);
}

static void test_diff(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip(); /* whiteouts are device nodes, opaque marks trusted.* xattrs: root only */
	char top[] = "/tmp/bx-test-diff.XXXXXX";
	assert_non_null(mkdtemp(top));
	cleanup_free char *l1 = xasprintf("%s/l1", top), *l2 = xasprintf("%s/l2", top), *up = xasprintf("%s/up", top);
	/* l1 (bottom): /etc/{a,b}, /srv/old, /keep/k;  l2: deletes /etc/b. */
	mkd(l1, "/etc");
	mkd(l1, "/srv");
	mkd(l1, "/keep");
	mkfile(l1, "/etc/a", "a");
	mkfile(l1, "/etc/b", "b");
	mkfile(l1, "/srv/old", "o");
	mkfile(l1, "/keep/k", "k");
	mkd(l2, "/etc");
	cleanup_free char *wb = xasprintf("%s/etc/b", l2);
	assert_int_equal(mknod(wb, S_IFCHR, makedev(0, 0)), 0);
	/* upper: /etc/a changed (parent copied up unchanged), /keep deleted,
	 * /srv made opaque with a new file, /new added, /etc/b re-added. */
	mkd(up, "/etc");
	mkfile(up, "/etc/a", "A");
	mkfile(up, "/etc/b", "B");
	cleanup_free char *l2etc = xasprintf("%s/etc", l2), *upetc = xasprintf("%s/etc", up);
	copy_meta(l2etc, upetc);
	cleanup_free char *wk = xasprintf("%s/keep", up);
	assert_int_equal(mknod(wk, S_IFCHR, makedev(0, 0)), 0);
	mkd(up, "/srv");
	mkfile(up, "/srv/fresh", "f");
	cleanup_free char *srv = xasprintf("%s/srv", up);
	assert_int_equal(lsetxattr(srv, "trusted.overlay.opaque", "y", 1, 0), 0);
	mkd(up, "/new/sub");

	char *lowers[] = {l2, l1, NULL};
	struct bx_change *c;
	size_t n;
	bx_err_t err = NULL;
	assert_int_equal(bx_rootfs_diff(up, lowers, &c, &n, &err), 0);
	static const char *const want[] = {"C /etc/a", "A /etc/b", "C /etc", "D /keep", "A /new", "A /new/sub",
					   "C /srv", "A /srv/fresh"};
	char **got = NULL;
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *line = xasprintf("%c %s", c[i].kind, c[i].path);
		strv_push(&got, line);
	}
	cleanup_free char *all = got ? strv_join(got, ", ") : xstrdup("");
	/* Sorted by path: /etc, /etc/a, /etc/b, /keep, /new, /new/sub, /srv, /srv/fresh */
	assert_int_equal(n, N_ELEMENTS(want));
	for (size_t i = 0; i < N_ELEMENTS(want); i++) {
		bool found = false;
		for (size_t k = 0; k < n; k++)
			found |= !strcmp(got[k], want[i]);
		if (!found)
			fail_msg("\"%s\" missing from: %s", want[i], all);
	}
	assert_string_equal(c[0].path, "/etc");
	strv_free(got);
	bx_rootfs_diff_free(c, n);

	/* A container that changed nothing (an empty upper): no changes,
	 * and nothing handed to qsort (found by UBSan: NULL base). */
	cleanup_free char *empty = xasprintf("%s/empty", top);
	mkd(empty, "");
	assert_int_equal(bx_rootfs_diff(empty, lowers, &c, &n, &err), 0);
	assert_int_equal(n, 0);
	bx_rootfs_diff_free(c, n);
	bx_rm_rf(top, &err);
	bx_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_volume_parse),
		cmocka_unit_test(test_tmpfs_parse),
		cmocka_unit_test(test_spec_round_trip),
		cmocka_unit_test(test_diff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
