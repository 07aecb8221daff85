#ifndef BX_INIT_H
#define BX_INIT_H

#include <signal.h>
#include <sys/types.h>

/* Before forking the command: handlers so pid 1 receives the forwarded
 * signals, and all of them blocked until sigwaitinfo. */
void bx_init_prepare(sigset_t *old);
/* In the command, right after fork: default handlers, the old mask. */
void bx_init_child_reset(const sigset_t *old);
/* The signals init forwards: a spawned command gets them at default. */
void bx_init_forwarded(sigset_t *set);
void bx_init_loop(pid_t child) __attribute__((noreturn));

#endif
