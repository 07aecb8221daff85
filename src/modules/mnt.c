/* mnt: a mount namespace (man 7 mount_namespaces) with private
 * propagation, so that nothing the container mounts reaches the host and
 * nothing the host mounts later appears inside.  It is what makes
 * pivot_root (rootfs module) possible without touching the host.
 *
 * Escape demo: chroot escape (with mnt off, rootfs falls back to chroot,
 * which a root process leaves with a second chroot).  Lesson 02.
 */
#include "modules/module.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <unistd.h>

static void probe(struct bx_probe *out)
{
	out->ok = access("/proc/self/ns/mnt", F_OK) == 0;
	snprintf(out->why, sizeof out->why, out->ok ? "mount namespaces available" : "kernel lacks mount namespaces");
}

static int child_setup(struct bx_box *box, bx_err_t *err)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return bx_make_error(err, errno, "mnt: cannot make / private");
	/* With no root file system of its own (rootfs off) the container
	 * sees the host's files, but a private /proc still shows its own
	 * pid namespace. */
	if (!box->rootfs && (box->clone_flags & CLONE_NEWPID) &&
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return bx_make_error(err, errno, "mnt: cannot mount a fresh /proc over the host's");
	return 0;
}

const struct bx_module bx_module_mnt = {
	.name = "mnt",
	.summary = "own mount table with private propagation",
	.blocks = "mounts leaking to or from the host; makes pivot_root possible",
	.kind = BX_KIND_NAMESPACE,
	.default_on = true,
	.ns_flags = CLONE_NEWNS,
	.probe = probe,
	.child_setup = child_setup,
};
