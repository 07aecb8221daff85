#ifndef BX_PROC_H
#define BX_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

uint64_t bx_now_us(void);      /* CLOCK_MONOTONIC */
int64_t bx_realtime_us(void);  /* CLOCK_REALTIME */
void bx_format_time(int64_t us, char *buf, size_t len); /* RFC 3339, UTC */
void bx_format_ago(int64_t us, char *buf, size_t len);  /* "3 minutes" */

/* starttime (field 22 of /proc/PID/stat), 0 when there is no such pid
 * or it is a zombie. */
unsigned long long bx_proc_starttime(pid_t pid);
bool bx_proc_alive(pid_t pid, unsigned long long start);

int bx_pidfd_open(pid_t pid);
/* Wait until the pidfd is readable (the process exited); timeout_ms < 0
 * waits forever.  Returns 1 when it exited, 0 on timeout. */
int bx_pidfd_wait(int pidfd, int timeout_ms);
int bx_signal_parse(const char *s); /* "TERM", "SIGTERM", "15"; -1 if bad */
const char *bx_signal_name(int sig);

/* The name ps shows for this process (argv memory, saved by main). */
void bx_proc_title_init(int argc, char **argv);
void bx_proc_title(const char *title);

#endif
