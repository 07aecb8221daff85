/* Durations and points in time as users type them: Go's durations
 * ("500ms", "1m30s", "1.5h"), which Docker uses for --health-interval and
 * `logs --since 10m`, and Docker's timestamps for `logs --since/--until`
 * (RFC 3339 with or without zone and fraction, a bare date, or Unix
 * seconds).  Pure functions: tests/unit/test_times.c checks them. */
#ifndef BX_TIMES_H
#define BX_TIMES_H

#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

/* Go's time.ParseDuration: a sequence of decimal numbers with units
 * ns us µs ms s m h ("1h30m", "2.5s"); a bare "0" is zero.  Negative
 * durations are refused: no boxlab setting wants one. */
int bx_parse_duration(const char *s, int64_t *ns, bx_err_t *err);
/* "1.5s", "200ms", "2m0s": short, for messages and inspect. */
void bx_format_duration(int64_t ns, char *buf, size_t len);
/* Docker's --since/--until: a duration before now_ns ("10m"), Unix
 * seconds with an optional fraction ("1700000000.5"), or a date and time
 * "2006-01-02[T15[:04[:05[.999999999]]]][Z|+07:00]" (UTC when the zone
 * is missing: boxlab runs with the machine's clock, which is UTC here).
 * Result in ns since the epoch. */
int bx_parse_time_arg(const char *s, int64_t now_ns, int64_t *out_ns, bx_err_t *err);
/* 2026-12-02T18:41:05.123456Z: UTC with `digits` (1..9) of the second. */
void bx_format_utc(int64_t ns, int digits, char *buf, size_t len);
/* RFC 3339 with 9 fraction digits, UTC: always 30 characters. */
void bx_format_rfc3339nano(int64_t ns, char *buf, size_t len);
/* Inverse of the above (any number of fraction digits, Z or offset);
 * -1 when s does not start with one.  *end: the first byte after it. */
int bx_parse_rfc3339(const char *s, int64_t *ns, const char **end);
int64_t bx_realtime_ns(void);

#endif
