/* Stop points for the crash tests (tests/integration/crash.bats).
 *
 * BOXLAB_TEST_STOP_AT=PHASE makes the process that reaches PHASE stop
 * there for good: it renames itself "boxlab-stopped NAME PHASE" (what ps
 * and /proc/PID/cmdline show, also for a container's init in its own
 * namespaces) and pauses until it is killed.  The test then kill -9s the
 * supervisor at exactly that point and checks that `boxlab gc` leaves
 * nothing behind.  PHASE is one of
 *   create config state clone started running exit exited
 *   MODULE-PHASE:MODULE  e.g. prepare:rootfs, parent_setup:network,
 *                        child_setup:mnt, child_finish:seccomp,
 *                        teardown:memory
 *   network:ports network:lease network:proxy  (inside network's prepare)
 * Without the variable this costs one getenv per point. */
#ifndef BX_TESTPOINT_H
#define BX_TESTPOINT_H

void bx_test_stop(const char *name, const char *phase, const char *module);

#endif
