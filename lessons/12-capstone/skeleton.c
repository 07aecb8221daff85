/* rlimit: resource limits (setrlimit(2)) for every process of a
 * container: how many files it may open, how large a core dump may be,
 * how many processes its user may have...  `--ulimit TYPE=SOFT[:HARD]`,
 * as in `docker run --ulimit`.
 *
 * Lesson 12, the capstone: this is your module.  Read src/modules/
 * module.h first (the hooks and when they run), then a small module such
 * as src/modules/nnp.c, then src/modules/caps.c for option rows.
 */
#include "modules/module.h"

#include <stdio.h>
#include <sys/resource.h>

static void probe(struct bx_probe *out)
{
	struct rlimit r;
	out->ok = getrlimit(RLIMIT_NOFILE, &r) == 0;
	snprintf(out->why, sizeof out->why, out->ok ? "setrlimit available" : "getrlimit failed");
}

const struct bx_module bx_module_rlimit = {
	.name = "rlimit",
	.summary = "resource limits: --ulimit nofile=64, core=0, ... for every process of the container",
	.blocks = "a container using up the host's file descriptors or processes per user, huge core dumps",
	.kind = BX_KIND_OTHER,
	.default_on = true,
	.probe = probe,
};
