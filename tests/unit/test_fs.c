/* File helpers (util/fs.c).  bx_rm_rf runs as root on state dirs, so it
 * must never follow a symlink out of the tree; bx_copy_tree_shifted makes
 * the image container root sees through a user namespace, so owners,
 * modes (setuid included), links and hard links must all come through. */
#include "util/elf.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "bxt.h"


static char *tpath(const char *rel)
{
	return xasprintf("%s/%s", bxt_tmpdir, rel);
}

static void put(const char *rel, const char *text, mode_t mode)
{
	char *p = tpath(rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(p, mode), 0);
	free(p);
}

static void mk(const char *rel, mode_t mode)
{
	char *p = tpath(rel);
	assert_int_equal(mkdir(p, mode), 0);
	assert_int_equal(chmod(p, mode), 0);
	free(p);
}

static bool exists(const char *rel)
{
	struct stat st;
	char *p = tpath(rel);
	bool r = lstat(p, &st) == 0;
	free(p);
	return r;
}

static void test_mkdir_p(void **state)
{
	bx_err_t err = NULL;
	struct stat st;
	(void)state;
	char *p = tpath("m/a/b/c");
	assert_int_equal(bx_mkdir_p(p, 0750, &err), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	/* Again: existing directories are fine. */
	assert_int_equal(bx_mkdir_p(p, 0750, &err), 0);
	assert_null(err);
	free(p);

	p = tpath("m/trailing/slash/");
	assert_int_equal(bx_mkdir_p(p, 0700, &err), 0);
	assert_true(exists("m/trailing/slash"));
	free(p);

	p = tpath("m//double//slash");
	assert_int_equal(bx_mkdir_p(p, 0700, &err), 0);
	assert_true(exists("m/double/slash"));
	free(p);

	assert_int_equal(bx_mkdir_p("", 0700, &err), -1);
	assert_int_equal(err->errnum, ENOENT);
	bx_error_release(&err);

	assert_int_equal(bx_mkdir_p("/", 0700, &err), 0);
	assert_int_equal(bx_mkdir_p(bxt_tmpdir, 0700, &err), 0);
}

static void test_mkdir_p_through_file(void **state)
{
	bx_err_t err = NULL;
	(void)state;
	put("afile", "x", 0644);
	char *p = tpath("afile/sub/dir");
	assert_int_equal(bx_mkdir_p(p, 0700, &err), -1);
	assert_int_equal(err->errnum, ENOTDIR);
	assert_contains(err->msg, "cannot create directory");
	assert_contains(err->msg, "afile/sub");
	bx_error_release(&err);
	free(p);

	/* The path itself being a file is not "already there". */
	p = tpath("afile");
	assert_int_equal(bx_mkdir_p(p, 0700, &err), -1);
	assert_non_null(err);
	assert_contains(err->msg, p);
	assert_int_equal(err->errnum, ENOTDIR);
	bx_error_release(&err);
	free(p);
}

static void test_rm_rf(void **state)
{
	bx_err_t err = NULL;
	(void)state;
	mk("r", 0755);
	mk("r/a", 0755);
	mk("r/a/b", 0500); /* read-only dirs do not stop root */
	put("r/f", "1", 0644);
	put("r/a/g", "2", 0000);
	mk("r/a/empty", 0700);
	mk("outside", 0755);
	put("outside/keep", "keep me", 0644);
	char *outside = tpath("outside"), *keep = tpath("outside/keep");
	char *l1 = tpath("r/a/link-to-dir"), *l2 = tpath("r/link-to-file"), *l3 = tpath("r/dangling");
	assert_int_equal(symlink(outside, l1), 0);
	assert_int_equal(symlink(keep, l2), 0);
	assert_int_equal(symlink("/nonexistent/x", l3), 0);
	char *fifo = tpath("r/a/fifo");
	assert_int_equal(mkfifo(fifo, 0600), 0);

	char *r = tpath("r");
	assert_int_equal(bx_rm_rf(r, &err), 0);
	assert_null(err);
	assert_false(exists("r"));
	/* The links went, not what they point to. */
	assert_true(exists("outside/keep"));
	char *text = bx_read_file(keep, NULL, &err);
	assert_string_equal(text, "keep me");
	free(text);

	/* Gone already: not an error. */
	assert_int_equal(bx_rm_rf(r, &err), 0);
	assert_null(err);

	/* A symlink given as the path itself is removed, not followed. */
	char *top = tpath("toplink");
	assert_int_equal(symlink(outside, top), 0);
	assert_int_equal(bx_rm_rf(top, &err), 0);
	assert_false(exists("toplink"));
	assert_true(exists("outside/keep"));

	/* A single file. */
	assert_int_equal(bx_rm_rf(keep, &err), 0);
	assert_false(exists("outside/keep"));
	assert_int_equal(bx_rm_rf(outside, &err), 0);
	assert_false(exists("outside"));
	free(outside);
	free(keep);
	free(l1);
	free(l2);
	free(l3);
	free(fifo);
	free(r);
	free(top);
}

/* A mount inside the tree is refused, not emptied (a volume's host
 * directory may be under a state dir).  In a mount namespace of a child
 * of ours, so nothing outlives the test. */
static int rm_rf_mounted(const char *top, const char *mnt, const char *inside)
{
	bx_err_t err = NULL;
	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", mnt, "tmpfs", 0, "size=64k") < 0)
		return 10;
	int fd = open(inside, O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		return 11;
	close(fd);
	int r = bx_rm_rf(top, &err) != -1 || !err || err->errnum != EBUSY || !strstr(err->msg, "mount point") ? 12 : 0;
	bx_error_release(&err);
	if (r)
		return r;
	if (access(inside, F_OK) < 0)
		return 13; /* the mounted file system was emptied */
	if (umount(mnt) < 0)
		return 14;
	r = bx_rm_rf(top, &err) == 0 && access(top, F_OK) < 0 ? 0 : 15;
	bx_error_release(&err);
	return r;
}

static void test_rm_rf_stops_at_mounts(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip(); /* mounting needs root; CI runs as root */
	mk("mt", 0755);
	mk("mt/sub", 0755);
	mk("mt/sub/mnt", 0755);
	put("mt/f", "1", 0644);
	char top[4096], mnt[4096], inside[4096];
	snprintf(top, sizeof top, "%s/mt", bxt_tmpdir);
	snprintf(mnt, sizeof mnt, "%s/mt/sub/mnt", bxt_tmpdir);
	snprintf(inside, sizeof inside, "%s/mt/sub/mnt/keep", bxt_tmpdir);
	/* In a mount namespace of a child of ours: nothing outlives it. */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(rm_rf_mounted(top, mnt, inside));
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_false(exists("mt"));
}

static void test_rm_rf_deep(void **state)
{
	bx_err_t err = NULL;
	(void)state;
	/* Deeper than any fixed path buffer would allow. */
	char *p = tpath("deep");
	char *root = xstrdup(p);
	for (int i = 0; i < 200; i++) {
		char *q = xasprintf("%s/dddddddddddddddddddd", p);
		free(p);
		p = q;
	}
	assert_true(strlen(p) > 4096);
	/* mkdir_p works on the path as a whole: build it step by step. */
	assert_int_equal(mkdir(root, 0700), 0);
	assert_int_equal(chdir(root), 0);
	for (int i = 0; i < 200; i++) {
		assert_int_equal(mkdir("dddddddddddddddddddd", 0700), 0);
		assert_int_equal(chdir("dddddddddddddddddddd"), 0);
	}
	assert_int_equal(chdir("/"), 0);
	assert_int_equal(bx_rm_rf(root, &err), 0);
	assert_null(err);
	assert_false(exists("deep"));
	free(p);
	free(root);
}

static void test_write_atomic(void **state)
{
	bx_err_t err = NULL;
	struct stat st;
	(void)state;
	mk("w", 0755);
	char *p = tpath("w/state.json");
	assert_int_equal(bx_write_file_atomic(p, "first", 5, &err), 0);
	assert_int_equal(bx_write_file_atomic(p, "second\0bin", 10, &err), 0);
	size_t len = 0;
	char *text = bx_read_file(p, &len, &err);
	assert_int_equal(len, 10);
	assert_memory_equal(text, "second\0bin", 10);
	free(text);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);

	/* Only the file: no temp file left beside it. */
	char *dir = tpath("w");
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			assert_string_equal(e->d_name, "state.json");
			n++;
		}
	closedir(d);
	assert_int_equal(n, 1);

	/* Empty content. */
	assert_int_equal(bx_write_file_atomic(p, "", 0, &err), 0);
	text = bx_read_file(p, &len, &err);
	assert_int_equal(len, 0);
	assert_string_equal(text, "");
	free(text);

	/* Failure names the file and leaves the old one alone. */
	char *bad = tpath("w/missing/x");
	assert_int_equal(bx_write_file_atomic(bad, "x", 1, &err), -1);
	assert_int_equal(err->errnum, ENOENT);
	assert_contains(err->msg, "w/missing/x");
	bx_error_release(&err);
	free(bad);
	free(p);
	free(dir);
}

static void test_read_file(void **state)
{
	bx_err_t err = NULL;
	size_t len = 1234;
	(void)state;
	/* Bigger than the first buffer, with NULs inside. */
	enum { N = 10000 };
	char *data = xmalloc(N);
	for (int i = 0; i < N; i++)
		data[i] = (char)(i * 7);
	char *p = tpath("big");
	assert_int_equal(bx_write_file(p, data, N, &err), 0);
	char *back = bx_read_file(p, &len, &err);
	assert_non_null(back);
	assert_int_equal(len, N);
	assert_memory_equal(back, data, N);
	assert_int_equal(back[N], '\0');
	free(back);
	/* The length is optional. */
	back = bx_read_file(p, NULL, &err);
	assert_non_null(back);
	free(back);
	free(data);
	free(p);

	assert_null(bx_read_file("/nonexistent/ut-file", &len, &err));
	assert_int_equal(err->errnum, ENOENT);
	assert_string_equal(err->msg, "cannot open /nonexistent/ut-file: No such file or directory");
	bx_error_release(&err);

	/* A directory opens but cannot be read. */
	assert_null(bx_read_file(bxt_tmpdir, &len, &err));
	assert_int_equal(err->errnum, EISDIR);
	assert_contains(err->msg, "cannot read");
	bx_error_release(&err);

	/* /proc files report size 0: reading must not rely on st_size. */
	back = bx_read_file("/proc/self/status", &len, &err);
	assert_non_null(back);
	assert_true(len > 0);
	assert_contains(back, "Name:");
	free(back);
}

static void check_owner_mode(const char *root, const char *rel, uid_t uid, gid_t gid, mode_t mode)
{
	struct stat st;
	char *p = xasprintf("%s/%s", root, rel);
	if (lstat(p, &st) < 0) {
		print_error("%s: %s\n", p, strerror(errno));
		fail();
	}
	if (st.st_uid != uid || st.st_gid != gid || (!S_ISLNK(st.st_mode) && (st.st_mode & 07777) != mode)) {
		print_error("%s: %u:%u %04o, expected %u:%u %04o\n", p, st.st_uid, st.st_gid, st.st_mode & 07777, uid,
			    gid, mode);
		fail();
	}
	free(p);
}

static void test_copy_tree_shifted(void **state)
{
	bx_err_t err = NULL;
	struct stat a, b;
	(void)state;
	if (geteuid() != 0)
		skip(); /* chown to other owners needs root; CI runs as root */

	const uid_t us = 100000;
	const gid_t gs = 200000;
	mk("src", 0755);
	mk("src/bin", 0755);
	put("src/bin/su", "#!/bin/sh\n", 04755);
	put("src/bin/wall", "w", 02755);
	mk("src/tmp", 01777);
	mk("src/home", 0750);
	put("src/home/secret", "s3cret", 0600);
	put("src/home/a", "hard", 0640);
	mk("src/other", 0700);
	char *src = tpath("src"), *dst = tpath("dst");
	char *h1 = tpath("src/home/a"), *h2 = tpath("src/other/b");
	assert_int_equal(link(h1, h2), 0);
	char *sl = tpath("src/bin/sh"), *dl = tpath("src/dangling");
	assert_int_equal(symlink("su", sl), 0);
	assert_int_equal(symlink("/nonexistent/target", dl), 0);
	char *fifo = tpath("src/tmp/fifo");
	assert_int_equal(mkfifo(fifo, 0620), 0);
	assert_int_equal(chmod(fifo, 0620), 0); /* past the umask */
	char *nul = tpath("src/null");
	assert_int_equal(mknod(nul, S_IFCHR | 0666, makedev(1, 3)), 0);
	assert_int_equal(chmod(nul, 0666), 0);

	/* Owners inside the image: root, a user, a group. */
	char *home = tpath("src/home"), *secret = tpath("src/home/secret");
	assert_int_equal(chown(home, 1000, 1000), 0);
	assert_int_equal(chown(secret, 1000, 50), 0);
	assert_int_equal(lchown(sl, 0, 7), 0);
	assert_int_equal(chmod(home, 0750), 0);
	char *su = tpath("src/bin/su");
	assert_int_equal(chmod(su, 04755), 0);
	struct timespec old[2] = {{1000000000, 0}, {1000000000, 123456789}};
	assert_int_equal(utimensat(AT_FDCWD, secret, old, 0), 0);

	assert_int_equal(bx_copy_tree_shifted(src, dst, us, gs, &err), 0);
	assert_null(err);

	check_owner_mode(dst, "", us, gs, 0755);
	check_owner_mode(dst, "bin", us, gs, 0755);
	/* chown clears setuid: the mode must be set after the owner. */
	check_owner_mode(dst, "bin/su", us, gs, 04755);
	check_owner_mode(dst, "bin/wall", us, gs, 02755);
	check_owner_mode(dst, "tmp", us, gs, 01777);
	check_owner_mode(dst, "home", us + 1000, gs + 1000, 0750);
	check_owner_mode(dst, "home/secret", us + 1000, gs + 50, 0600);
	check_owner_mode(dst, "bin/sh", us, gs + 7, 0);
	check_owner_mode(dst, "tmp/fifo", us, gs, 0620);
	check_owner_mode(dst, "null", us, gs, 0666);

	char *p = xasprintf("%s/home/secret", dst);
	char *text = bx_read_file(p, NULL, &err);
	assert_string_equal(text, "s3cret");
	assert_int_equal(stat(p, &a), 0);
	assert_int_equal(a.st_mtim.tv_sec, 1000000000);
	assert_int_equal(a.st_mtim.tv_nsec, 123456789);
	free(text);
	free(p);

	char target[256];
	p = xasprintf("%s/bin/sh", dst);
	ssize_t n = readlink(p, target, sizeof target - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, "su");
	free(p);
	p = xasprintf("%s/dangling", dst);
	n = readlink(p, target, sizeof target - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, "/nonexistent/target");
	free(p);

	p = xasprintf("%s/tmp/fifo", dst);
	assert_int_equal(lstat(p, &a), 0);
	assert_true(S_ISFIFO(a.st_mode));
	free(p);
	p = xasprintf("%s/null", dst);
	assert_int_equal(lstat(p, &a), 0);
	assert_true(S_ISCHR(a.st_mode));
	assert_int_equal(a.st_rdev, makedev(1, 3));
	free(p);

	/* The two names of one file stay one file. */
	char *d1 = xasprintf("%s/home/a", dst), *d2 = xasprintf("%s/other/b", dst);
	assert_int_equal(lstat(d1, &a), 0);
	assert_int_equal(lstat(d2, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_nlink, 2);
	assert_int_equal(a.st_uid, us);
	assert_int_equal(a.st_mode & 07777, 0640);
	/* ... and a copy, not the source's inode. */
	assert_int_equal(lstat(h1, &b), 0);
	assert_int_not_equal(a.st_ino, b.st_ino);
	free(d1);
	free(d2);

	/* The source is untouched. */
	check_owner_mode(src, "home/secret", 1000, 50, 0600);
	check_owner_mode(src, "bin/su", 0, 0, 04755);

	assert_int_equal(bx_rm_rf(dst, &err), 0);
	free(src);
	free(dst);
	free(h1);
	free(h2);
	free(sl);
	free(dl);
	free(fifo);
	free(nul);
	free(home);
	free(secret);
	free(su);
}

static void test_copy_errors(void **state)
{
	bx_err_t err = NULL;
	(void)state;
	char *dst = tpath("copy-dst");
	assert_int_equal(bx_copy_tree_shifted("/nonexistent/ut-src", dst, 0, 0, &err), -1);
	assert_int_equal(err->errnum, ENOENT);
	assert_contains(err->msg, "cannot stat /nonexistent/ut-src");
	bx_error_release(&err);
	assert_false(exists("copy-dst"));

	/* An existing file at the destination is never overwritten. */
	put("copy-src", "new", 0644);
	put("copy-dst", "old", 0644);
	char *src = tpath("copy-src");
	assert_int_equal(bx_copy_tree_shifted(src, dst, 0, 0, &err), -1);
	assert_int_equal(err->errnum, EEXIST);
	assert_contains(err->msg, "cannot copy");
	bx_error_release(&err);
	char *text = bx_read_file(dst, NULL, &err);
	assert_string_equal(text, "old");
	free(text);
	free(src);
	free(dst);
}

/* The build ID the linker wrote, as readelf -n shows it; none in a
 * file that is not ELF or is cut short. */
static void test_elf_build_id(void **state)
{
	char tmp[] = "/tmp/ut-elf-XXXXXX";
	unsigned char head[64];
	(void)state;
	int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	assert_true(self >= 0);
	char *id = bx_elf_build_id(self);
	assert_non_null(id);
	assert_int_equal(strlen(id), 40); /* SHA-1, GNU ld's default */
	assert_int_equal(strspn(id, "0123456789abcdef"), 40);
	assert_int_equal(pread(self, head, sizeof head, 0), (ssize_t)sizeof head);
	close(self);
	free(id);

	int fd = mkstemp(tmp);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\necho not an ELF file at all\n", 38), 38);
	assert_null(bx_elf_build_id(fd));
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(pwrite(fd, head, sizeof head, 0), (ssize_t)sizeof head); /* headers point past the end */
	assert_null(bx_elf_build_id(fd));
	close(fd);
	unlink(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mkdir_p),
		cmocka_unit_test(test_elf_build_id),
		cmocka_unit_test(test_mkdir_p_through_file),
		cmocka_unit_test(test_rm_rf),
		cmocka_unit_test(test_rm_rf_deep),
		cmocka_unit_test(test_rm_rf_stops_at_mounts),
		cmocka_unit_test(test_write_atomic),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_copy_tree_shifted),
		cmocka_unit_test(test_copy_errors),
	};
	return cmocka_run_group_tests(tests, bxt_tmpdir_setup, bxt_tmpdir_teardown);
}
