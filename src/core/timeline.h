/* The timeline: every setup step of every module, and every runtime
 * event (exec, signal, stop, exit), one line each in events.log:
 *
 *     <time_us> TAB <dur_us> TAB <module> TAB <phase> TAB <message>
 *
 * time_us counts from the container's t0 (CLOCK_MONOTONIC, system-wide,
 * so the supervisor, the container's child and later commands such as
 * `stop` all write on one clock).  Lines are short and written with one
 * O_APPEND write, so writers from several processes never interleave. */
#ifndef BX_TIMELINE_H
#define BX_TIMELINE_H

#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

struct bx_timeline {
	int fd;
	uint64_t t0; /* CLOCK_MONOTONIC µs */
};

struct bx_event {
	uint64_t time_us, dur_us;
	char module[32], phase[32];
	char message[400];
};

int bx_tl_open(struct bx_timeline *tl, const char *name, uint64_t t0, bx_err_t *err);
void bx_tl_close(struct bx_timeline *tl);
/* start: CLOCK_MONOTONIC µs the step began, or 0 for an instant event. */
void bx_tl_event(struct bx_timeline *tl, const char *module, const char *phase, uint64_t start,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Formatting and parsing, separate from I/O so they can be unit tested. */
int bx_tl_format(char *buf, size_t len, const struct bx_event *ev);
int bx_tl_parse(const char *line, struct bx_event *ev);
int bx_tl_read(const char *name, struct bx_event **events, size_t *n, bx_err_t *err);

#endif
