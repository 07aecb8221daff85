#ifndef BX_LIFECYCLE_H
#define BX_LIFECYCLE_H

#include "core/err.h"
#include "core/spec.h"
#include "modules/module.h"

/* Run a container to its end and return its exit code (>= 0), or -1
 * with *err set when it could not be started; nothing is left behind
 * then.  notify_fd (detached runs): receives "ok NAME\n" once the
 * command is running (NAME: a generated name may have been replaced by
 * a free one), or the error, and is closed. */
int bx_lifecycle_run(struct bx_spec *spec, int notify_fd, bx_err_t *err);

struct bx_state;
struct bx_relay;

/* The supervisor's watch over a running container (run, and restore of
 * a checkpoint): relay its output and signals until init exits, record
 * the exit in state.json and the timeline, tear down, and remove the
 * state dir of a --rm container.  Returns the exit code. */
int bx_lifecycle_wait(struct bx_box *box, struct bx_state *st, struct bx_relay *relay);
/* Every enabled module's prepare, in registry order, each a timeline
 * event (run does this before clone; restore before CRIU restores). */
int bx_box_prepare(struct bx_box *box, bx_err_t *err);

/* Fill a box from a spec: namespace flags from the modules that are on. */
void bx_box_init(struct bx_box *box, struct bx_spec *spec);
/* A box for hooks run on a running container (stats, freezer): only its
 * name, pid and the modules state.json says are on; the spec borrows
 * st's strings, so st must outlive both. */
void bx_box_of_state(struct bx_box *box, struct bx_spec *spec, const struct bx_state *st);
/* Every enabled module's teardown, in reverse order. */
void bx_box_teardown(struct bx_box *box);

#endif
