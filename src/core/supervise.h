/* What a container's supervisor does besides relaying output: restart
 * policies and health checks.
 *
 * Restart (Docker's semantics): after the container's init exits, the
 * supervisor tears it down and starts it again (same name, state dir and
 * upper layer; a fresh network lease) when the policy says so:
 *   no             never
 *   on-failure[:N] exit code != 0, at most N restarts (no limit without N)
 *   always         every exit
 *   unless-stopped every exit; the stop is remembered in the state dir
 * `stop` and `rm -f` ask first (a "stopped" file in the state dir), so a
 * stopped container is never restarted, whatever the policy; `kill` is a
 * failure like any other.  Between runs it waits 100 ms, doubling each
 * time up to 1 minute; a run that lasted 10 s resets the delay.  While
 * it waits the status is "restarting".
 *
 * Health (Docker's HEALTHCHECK): a small monitor process, forked by the
 * supervisor at each start, runs `boxlab exec NAME sh -c CMD` every
 * interval, kills it after the timeout, and writes health.json (status,
 * failing streak, last output) into the state dir.  starting -> healthy
 * at the first success; unhealthy after `retries` failures in a row
 * (failures inside the start period do not count).  Each change is a
 * timeline event. */
#ifndef BX_SUPERVISE_H
#define BX_SUPERVISE_H

#include "core/spec.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct bx_state;
struct bx_timeline;

#define BX_BACKOFF_FIRST_NS (100LL * 1000000)
#define BX_BACKOFF_MAX_NS (60LL * 1000000000)
#define BX_BACKOFF_RESET_NS (10LL * 1000000000)

/* Should a container that exited with code restart, after `restarts`
 * restarts so far?  stopped: a stop or rm asked for the end. */
bool bx_restart_wanted(const struct bx_supervise_conf *c, int code, unsigned restarts, bool stopped);
/* The wait before the next start: prev is the last wait (0: none yet),
 * ran how long the run that just ended lasted. */
int64_t bx_restart_delay(int64_t prev, int64_t ran);

/* `stop` and `rm -f`: no restart from now on (and wake a supervisor in
 * its backoff wait). */
void bx_supervise_request_stop(const struct bx_state *st);
bool bx_supervise_stop_requested(const char *name);

/* Health state machine, pure: one check's result.  Returns true when the
 * status changed. */
struct bx_health {
	char status[12];  /* starting, healthy, unhealthy */
	unsigned streak;  /* failures in a row */
};
bool bx_health_step(struct bx_health *h, bool ok, bool in_start_period, unsigned retries);

/* Fork the monitor of a running container; 0 when it has no check. */
pid_t bx_health_start(const struct bx_spec *spec, struct bx_timeline *tl);
void bx_health_stop(pid_t pid);
/* The status health.json holds ("" without one). */
void bx_health_status(const char *name, char *buf, size_t len);

#endif
