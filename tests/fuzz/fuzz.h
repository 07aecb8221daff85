/* Shared by the libFuzzer targets in tests/fuzz/ (make fuzz) and by
 * driver.c, which replays a corpus without libFuzzer (make fuzz-regress,
 * run by the test suite with gcc, and with SAN=1 under the sanitizers).
 *
 * Each target is one file fuzz_<name>.c defining LLVMFuzzerTestOneInput
 * (and, if it needs one, LLVMFuzzerInitialize); its seed corpus is
 * tests/fuzz/corpus/<name>/, and every input that once crashed it stays
 * there as a regression file named crash-<what>. */
#ifndef BX_FUZZ_H
#define BX_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A private, empty working directory on a small tmpfs in a mount
 * namespace of the fuzzer's own (gone when it exits), so an input that
 * names a relative file finds nothing of the host's and one that writes
 * (archive extraction) cannot fill a real disk.  Returns its path. */
const char *bx_fuzz_sandbox(int jail);

/* For the spec parsers: the sandbox, and state and image dirs that do
 * not exist, so nothing a spec names is found on the host. */
void bx_fuzz_spec_env(void);

/* Does any word name a special host file (/dev, /proc, /sys, /run)?
 * A flag that takes a path (--config, --seccomp) would then read a
 * device that never ends: not a bug of the parser, so such inputs are
 * skipped. */
int bx_fuzz_names_host_file(const char *s);

#endif
