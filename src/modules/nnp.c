/* nnp: the no_new_privs bit (prctl PR_SET_NO_NEW_PRIVS, Linux 3.5;
 * kernel Documentation/userspace-api/no_new_privs.rst).  Once set it is
 * inherited by every child and can never be cleared, and execve stops
 * granting anything: setuid and setgid bits and file capabilities are
 * ignored, so a container user cannot become root through a setuid
 * binary in the image (su, a vulnerable helper, one planted by an
 * attacker).  It also lets seccomp filters be loaded without
 * CAP_SYS_ADMIN, so the seccomp module can load last, right before exec.
 *
 * Docker's spelling: --security-opt no-new-privileges (off by default
 * there; on here, where the safe choice is the default).
 *
 * Escape demo: a setuid-root shell in the image, run as uid 1000.
 * Lesson 06 (capabilities and no_new_privs).
 */
#include "modules/module.h"

#include <errno.h>
#include <stdio.h>
#include <sys/prctl.h>

static void probe(struct bx_probe *out)
{
	int r = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	out->ok = r >= 0;
	snprintf(out->why, sizeof out->why, out->ok ? "no_new_privs available" : "prctl(PR_GET_NO_NEW_PRIVS) failed: "
		 "kernel older than 3.5?");
}

static int set_nnp(struct bx_box *box, bx_err_t *err)
{
	(void)box;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return bx_make_error(err, errno, "nnp: cannot set no_new_privs");
	return 0;
}

const struct bx_module bx_module_nnp = {
	.name = "nnp",
	.summary = "no_new_privs: setuid binaries and file capabilities grant nothing",
	.blocks = "becoming root (or gaining capabilities) through a setuid or file-capability binary",
	.kind = BX_KIND_SECURITY,
	.default_on = true,
	.probe = probe,
	.child_setup = set_nnp,
	.exec_child = set_nnp,
};
