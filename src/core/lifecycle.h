#ifndef BX_LIFECYCLE_H
#define BX_LIFECYCLE_H

#include "core/err.h"
#include "core/spec.h"
#include "modules/module.h"

/* Run a container to its end and return its exit code (>= 0), or -1
 * with *err set when it could not be started; nothing is left behind
 * then.  notify_fd (detached runs): receives "ok\n" once the command is
 * running, or the error, and is closed. */
int bx_lifecycle_run(struct bx_spec *spec, int notify_fd, bx_err_t *err);

/* Fill a box from a spec: namespace flags from the modules that are on. */
void bx_box_init(struct bx_box *box, struct bx_spec *spec);
/* Every enabled module's teardown, in reverse order. */
void bx_box_teardown(struct bx_box *box);

#endif
