/* user: a user namespace, so that root in the container is not root on
 * the host (man 7 user_namespaces).  Container ids 0..COUNT-1 map to host
 * ids START..START+COUNT-1; a process that escapes every other layer is
 * still an unprivileged user out there.
 *
 * The image stays usable through a copy of its rootfs chowned into the
 * range (core/image.c), made once per image and range and shared by every
 * container: it works on any file system, keeps the overlay mount in the
 * initial namespace, and costs one copy (about 20 ms for busybox) once.
 * Idmapped mounts would avoid the copy; see docs/DESIGN_REPORT.md.
 *
 * Escape demos: every one that needs real root on the host (mknod a host
 * disk, write /proc/sys).  Lesson 04.
 */
#include "modules/module.h"
#include "core/timeline.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void probe(struct bx_probe *out)
{
	bx_err_t err = NULL;
	cleanup_free char *max = bx_read_file("/proc/sys/user/max_user_namespaces", NULL, &err);
	long n = max ? atol(max) : 0;
	bx_error_release(&err);
	out->ok = n > 0;
	snprintf(out->why, sizeof out->why, out->ok ? "user namespaces available (max %ld)"
		 : "user namespaces disabled: /proc/sys/user/max_user_namespaces is %ld", n);
}

static int prepare(struct bx_box *box, bx_err_t *err)
{
	const struct bx_spec *s = box->spec;
	if (s->uid_start == 0)
		return bx_usage_error(err, "user: the uid range may not start at 0: container root would be host root");
	box->root_uid = s->uid_start;
	box->root_gid = s->uid_start;
	return 0;
}

static int write_map(pid_t pid, const char *file, unsigned long start, unsigned long count, bx_err_t *err)
{
	char path[64], map[64];
	snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
	int n = snprintf(map, sizeof map, "0 %lu %lu\n", start, count);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, map, n) != n)
		return bx_make_error(err, errno, "user: cannot write %s \"0 %lu %lu\"", path, start, count);
	return 0;
}

static int parent_setup(struct bx_box *box, bx_err_t *err)
{
	/* As root we may write gid_map without "setgroups deny", so that
	 * setgroups() keeps working inside for -u. */
	if (write_map(box->pid, "uid_map", box->spec->uid_start, box->spec->uid_count, err) < 0 ||
	    write_map(box->pid, "gid_map", box->spec->uid_start, box->spec->uid_count, err) < 0)
		return -1;
	return 0;
}

static int become_root(struct bx_box *box, bx_err_t *err)
{
	(void)box;
	/* Until now our ids were unmapped (shown as 65534); become 0. */
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return bx_make_error(err, errno, "user: cannot become root in the user namespace");
	if (setgroups(0, NULL) < 0)
		return bx_make_error(err, errno, "user: cannot clear supplementary groups");
	return 0;
}

const struct bx_module bx_module_user = {
	.name = "user",
	.summary = "own user ids: container root is an unprivileged user on the host",
	.blocks = "acting as host root after any other escape (mknod, /proc/sys, host files)",
	.kind = BX_KIND_NAMESPACE,
	.default_on = true,
	.ns_flags = CLONE_NEWUSER,
	.probe = probe,
	.prepare = prepare,
	.parent_setup = parent_setup,
	.child_setup = become_root,
	.exec_child = become_root,
};
