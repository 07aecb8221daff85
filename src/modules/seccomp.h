/* Seccomp profiles and the filters made from them: shared by the seccomp
 * module (seccomp.c), its profile reader (seccomp_profile.c), the BPF
 * code generator and interpreter (seccomp_bpf.c) and `boxlab seccomp`
 * (cli/seccomp.c).
 *
 * A profile is Docker's JSON seccomp format read into plain structs:
 * a default action, the architectures, and rules {names, action, args}
 * in file order.  The first rule that matches a call decides it (the OCI
 * runtime spec's rule, config-linux.md), and the conditions of one rule
 * are ANDed, also when two of them look at the same argument. */
#ifndef BX_SECCOMP_H
#define BX_SECCOMP_H

#include "core/err.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#endif
#ifndef SECCOMP_RET_LOG
#define SECCOMP_RET_LOG 0x7ffc0000U
#endif
#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif
#define BX_SC_ACTION(ret) ((ret) & SECCOMP_RET_ACTION_FULL)
#define BX_SC_DATA(ret) ((ret) & SECCOMP_RET_DATA)

/* Comparison operators, numbered as libseccomp's enum scmp_compare. */
enum bx_sc_op { BX_SC_NE = 1, BX_SC_LT, BX_SC_LE, BX_SC_EQ, BX_SC_GE, BX_SC_GT, BX_SC_MASKED_EQ };

struct bx_sc_arg {
	unsigned index;         /* 0..5 */
	uint64_t value, value2; /* MASKED_EQ: (arg & value) == value2 */
	enum bx_sc_op op;
};

struct bx_sc_rule {
	char **names;
	uint32_t action; /* SECCOMP_RET_* with its data (the errno) */
	struct bx_sc_arg args[6];
	size_t nargs;
	char *comment; /* why: shown by `boxlab seccomp show` */
};

#define BX_SC_MAX_ARCHES 8

struct bx_sc_profile {
	char *source; /* "default", "strict", "unconfined" or the file */
	char *summary;
	uint32_t default_action;
	uint32_t arches[BX_SC_MAX_ARCHES]; /* SCMP_ARCH_* (audit) tokens */
	size_t narches;
	struct bx_sc_rule *rules;
	size_t nrules;
	/* Built-in default: every syscall libseccomp knows and no rule
	 * names is allowed (written out name by name on export). */
	bool allow_rest;
	bool log_flag; /* "flags": ["SECCOMP_FILTER_FLAG_LOG"] */
	size_t skipped; /* rules whose includes/excludes did not match */
};

/* What Docker's "includes"/"excludes" are checked against. */
struct bx_sc_env {
	uint64_t caps;      /* the container's capabilities, bit per CAP_* */
	const char *kernel; /* uname release, for minKernel */
};

void bx_sc_env_default(struct bx_sc_env *env); /* Docker's default caps, this kernel */

/* "default", "strict", "unconfined" or a file in Docker's format. */
int bx_sc_profile_load(const char *spec, const struct bx_sc_env *env, struct bx_sc_profile *p, bx_err_t *err);
int bx_sc_profile_parse(const char *json, const char *source, const struct bx_sc_env *env, struct bx_sc_profile *p,
			bx_err_t *err);
void bx_sc_profile_free(struct bx_sc_profile *p);
bool bx_sc_builtin(const char *name);
extern const char *const bx_sc_builtin_names; /* for error messages */

/* Docker's JSON (a json_t *, caller decrefs); allow_rest written out. */
void *bx_sc_profile_to_json(const struct bx_sc_profile *p);
/* "what it allows and denies" in plain words. */
void bx_sc_profile_describe(const struct bx_sc_profile *p, FILE *out);

/* Actions and operators by name, both ways. */
int bx_sc_action_parse(const char *name, uint32_t *action);
const char *bx_sc_action_name(uint32_t action);
char *bx_sc_action_words(uint32_t action); /* "denied with EPERM (Operation not permitted)" */
int bx_sc_op_parse(const char *name, enum bx_sc_op *op);
const char *bx_sc_op_name(enum bx_sc_op op);

/* Architectures: "SCMP_ARCH_X86_64" <-> token; short name "x86_64". */
int bx_sc_arch_parse(const char *name, uint32_t *token);
const char *bx_sc_arch_name(uint32_t token);
const char *bx_sc_arch_short(uint32_t token);
void bx_sc_native_arches(uint32_t *arches, size_t *n); /* native + compat */

/* Syscall names: number on an arch (< 0: not on that arch), known at
 * all, and the nearest known name for a "did you mean". */
int bx_sc_syscall_nr(uint32_t arch, const char *name);
bool bx_sc_syscall_known(const char *name);
char *bx_sc_syscall_name(uint32_t arch, int nr);
/* The highest syscall number libseccomp knows for an architecture (x32:
 * with bit 30): bx_sc_max_nr answers from a table for the libseccomp
 * boxlab is built with, bx_sc_max_nr_scan asks libseccomp (slow). */
uint32_t bx_sc_max_nr(uint32_t arch);
uint32_t bx_sc_max_nr_scan(uint32_t arch);
const char *bx_sc_syscall_suggest(const char *name);

/* A classic BPF program for seccomp(2). */
struct bx_sc_prog {
	struct sock_filter *insns;
	size_t len;
};

int bx_sc_compile(const struct bx_sc_profile *p, struct bx_sc_prog *out, bx_err_t *err);
void bx_sc_prog_free(struct bx_sc_prog *prog);

/* seccomp_cache.c: compiled programs kept between runs (see there). */
struct bx_sc_cache_key {
	uint8_t exe[32]; /* this binary */
	uint8_t key[32]; /* everything the program depends on */
};
struct bx_sc_cache_meta {
	char *source; /* the profile's name, as the timeline says it */
	size_t nrules;
	bool log_flag;
};
/* -1: no key (an unreadable profile file, no /proc): compile, cache nothing. */
int bx_sc_cache_key(const char *spec, const struct bx_sc_env *env, struct bx_sc_cache_key *k);
bool bx_sc_cache_get(const struct bx_sc_cache_key *k, struct bx_sc_prog *prog, struct bx_sc_cache_meta *meta);
void bx_sc_cache_put(const struct bx_sc_cache_key *k, const struct bx_sc_prog *prog,
		     const struct bx_sc_cache_meta *meta);
/* Run a program on one call, as the kernel would: its SECCOMP_RET_*. */
uint32_t bx_sc_run(const struct bx_sc_prog *prog, const struct seccomp_data *d);
/* A copy that hands denials (ERRNO) and, when trace is set, allowed
 * calls too (ALLOW, LOG) to a user-notification listener instead; a
 * prologue lets sendmsg on fd handover_fd through, so the listener's fd
 * can be passed on after the filter is in place (-1: none). */
void bx_sc_prog_notify(const struct bx_sc_prog *in, bool trace, int handover_fd, struct bx_sc_prog *out);

#endif
