/* Seccomp profiles: the built-in ones, Docker's JSON format (read with
 * jansson, which boxlab already uses for state.json), and a description
 * in plain words for `boxlab seccomp show`.
 *
 * Docker's format (moby profiles/seccomp, read the same way here):
 *
 *   { "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
 *     "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
 *        or "archMap": [{"architecture": ..., "subArchitectures": [...]}],
 *     "syscalls": [ { "names": ["read", ...], "action": "SCMP_ACT_ALLOW",
 *                     "errnoRet": 1, "comment": "...",
 *                     "args": [{"index": 0, "value": 2114060288, "valueTwo": 0,
 *                               "op": "SCMP_CMP_MASKED_EQ"}],
 *                     "includes": {"caps": [...], "arches": [...], "minKernel": "4.8"},
 *                     "excludes": {...} } ] }
 *
 * includes/excludes are decided here, against the container's
 * capabilities and this kernel, as Docker decides them before handing
 * the profile to runc. */
#include "modules/caps.h"
#include "modules/seccomp.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <jansson.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>

const char *const bx_sc_builtin_names = "default, strict, unconfined";

/* ---- actions and operators ------------------------------------------ */

static const struct {
	const char *name;
	uint32_t action;
} actions[] = {
	{"SCMP_ACT_ALLOW", SECCOMP_RET_ALLOW},
	{"SCMP_ACT_ERRNO", SECCOMP_RET_ERRNO},
	{"SCMP_ACT_KILL_PROCESS", SECCOMP_RET_KILL_PROCESS},
	{"SCMP_ACT_KILL_THREAD", SECCOMP_RET_KILL_THREAD},
	{"SCMP_ACT_KILL", SECCOMP_RET_KILL_THREAD},
	{"SCMP_ACT_TRAP", SECCOMP_RET_TRAP},
	{"SCMP_ACT_LOG", SECCOMP_RET_LOG},
	{"SCMP_ACT_TRACE", SECCOMP_RET_TRACE},
};

static const char allowed_actions[] = "SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, "
				      "SCMP_ACT_KILL, SCMP_ACT_TRAP, SCMP_ACT_LOG, SCMP_ACT_TRACE";

int bx_sc_action_parse(const char *name, uint32_t *action)
{
	for (size_t i = 0; i < N_ELEMENTS(actions); i++)
		if (!strcmp(actions[i].name, name)) {
			*action = actions[i].action;
			return 0;
		}
	return -1;
}

const char *bx_sc_action_name(uint32_t action)
{
	for (size_t i = 0; i < N_ELEMENTS(actions); i++)
		if (actions[i].action == BX_SC_ACTION(action))
			return actions[i].name;
	return "SCMP_ACT_UNKNOWN";
}

char *bx_sc_action_words(uint32_t action)
{
	uint32_t data = BX_SC_DATA(action);
	switch (BX_SC_ACTION(action)) {
	case SECCOMP_RET_ALLOW: return xstrdup("allowed");
	case SECCOMP_RET_LOG: return xstrdup("allowed and logged to the kernel audit log");
	case SECCOMP_RET_ERRNO:
		if (data == 0)
			return xstrdup("skipped, pretending success (returns 0)");
		return xasprintf("denied with %s (%s)", strerrorname_np((int)data) ? strerrorname_np((int)data) : "?",
				 strerror((int)data));
	case SECCOMP_RET_KILL_PROCESS: return xstrdup("kills the whole process (SIGSYS)");
	case SECCOMP_RET_KILL_THREAD: return xstrdup("kills the calling thread (SIGSYS)");
	case SECCOMP_RET_TRAP: return xstrdup("sends SIGSYS, which the program may catch");
	case SECCOMP_RET_TRACE: return xasprintf("handed to a ptrace tracer (ENOSYS without one, msg %u)", data);
	case SECCOMP_RET_USER_NOTIF: return xstrdup("handed to a user-space supervisor");
	}
	return xasprintf("action 0x%08x", action);
}

static const char *const op_names[] = {
	[BX_SC_NE] = "SCMP_CMP_NE", [BX_SC_LT] = "SCMP_CMP_LT", [BX_SC_LE] = "SCMP_CMP_LE",
	[BX_SC_EQ] = "SCMP_CMP_EQ", [BX_SC_GE] = "SCMP_CMP_GE", [BX_SC_GT] = "SCMP_CMP_GT",
	[BX_SC_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

int bx_sc_op_parse(const char *name, enum bx_sc_op *op)
{
	for (int i = BX_SC_NE; i <= BX_SC_MASKED_EQ; i++)
		if (!strcmp(op_names[i], name)) {
			*op = (enum bx_sc_op)i;
			return 0;
		}
	return -1;
}

const char *bx_sc_op_name(enum bx_sc_op op)
{
	return op >= BX_SC_NE && op <= BX_SC_MASKED_EQ ? op_names[op] : "SCMP_CMP_UNKNOWN";
}

/* ---- building profiles ---------------------------------------------- */

void bx_sc_env_default(struct bx_sc_env *env)
{
	static struct utsname u;
	uname(&u);
	env->caps = bx_caps_docker_default();
	env->kernel = u.release;
}

static struct bx_sc_rule *add_rule(struct bx_sc_profile *p, uint32_t action, const char *comment, const char *names)
{
	p->rules = xrealloc(p->rules, (p->nrules + 1) * sizeof *p->rules);
	struct bx_sc_rule *r = &p->rules[p->nrules++];
	memset(r, 0, sizeof *r);
	r->action = action;
	r->comment = comment ? xstrdup(comment) : NULL;
	r->names = xzalloc(sizeof *r->names);
	if (names) {
		cleanup_free char *copy = xstrdup(names);
		char *save = NULL;
		for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
			strv_push(&r->names, w);
	}
	return r;
}

static void add_arg(struct bx_sc_rule *r, unsigned index, enum bx_sc_op op, uint64_t value, uint64_t value2)
{
	r->args[r->nargs++] = (struct bx_sc_arg){.index = index, .op = op, .value = value, .value2 = value2};
}

static void init_profile(struct bx_sc_profile *p, const char *source, const char *summary, uint32_t dflt)
{
	memset(p, 0, sizeof *p);
	p->source = xstrdup(source);
	p->summary = xstrdup(summary);
	p->default_action = dflt;
	bx_sc_native_arches(p->arches, &p->narches);
}

#define EPERM_ACT (SECCOMP_RET_ERRNO | EPERM)
#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)

/* The ioctl and personality rules both built-in profiles share. */
static void add_common_guards(struct bx_sc_profile *p)
{
	struct bx_sc_rule *r;
	/* The command is an unsigned int the kernel truncates to 32 bits:
	 * compare under a mask, or TIOCSTI | 1 << 32 walks past the rule
	 * (CVE-2019-10063, flatpak). */
	r = add_rule(p, EPERM_ACT, "TIOCSTI pushes characters into the terminal's input: commands typed into the "
		     "shell outside the container (CVE-2017-5226)", "ioctl");
	add_arg(r, 1, BX_SC_MASKED_EQ, 0xffffffffULL, TIOCSTI);
	r = add_rule(p, EPERM_ACT, "TIOCLINUX can also push input on a virtual console (CVE-2023-1523)", "ioctl");
	add_arg(r, 1, BX_SC_MASKED_EQ, 0xffffffffULL, TIOCLINUX);
	add_rule(p, SECCOMP_RET_ALLOW, "every other ioctl", "ioctl");
	static const uint64_t personas[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffffULL};
	for (size_t i = 0; i < N_ELEMENTS(personas); i++) {
		r = add_rule(p, SECCOMP_RET_ALLOW, i == 0 ? "Linux personalities and the query only: others switch off "
			     "address randomisation or map page 0 (kernel NULL-dereference exploits)" : NULL,
			     "personality");
		add_arg(r, 0, BX_SC_EQ, personas[i], 0);
	}
	r = add_rule(p, SECCOMP_RET_ALLOW, "only without namespace flags: a new namespace would give the "
		     "container's processes a fresh set of capabilities over it", "clone");
	add_arg(r, 0, BX_SC_MASKED_EQ, NS_FLAGS, 0);
	add_rule(p, SECCOMP_RET_ERRNO | ENOSYS, "its flags are in memory, where a filter cannot look: ENOSYS makes "
		 "libc fall back to clone, which is checked (as Docker does)", "clone3");
}

static void builtin_default(struct bx_sc_profile *p)
{
	init_profile(p, "default", "in the spirit of Docker's default profile: everything but the calls that "
		     "reach kernel state no namespace isolates", EPERM_ACT);
	p->allow_rest = true;
	static const struct {
		const char *names, *why;
	} deny[] = {
		{"keyctl add_key request_key", "kernel keyrings are not namespaced: keys of the host and other containers"},
		{"bpf", "loads programs into the kernel: tracing the host, and a large attack surface"},
		{"kexec_load kexec_file_load", "boots another kernel"},
		{"init_module finit_module delete_module create_module query_module get_kernel_syms",
		 "loads or unloads kernel modules"},
		{"mount umount umount2 pivot_root fsopen fsconfig fsmount fspick move_mount open_tree mount_setattr",
		 "changes mounts: remounting read-only parts writable, mounting host devices (also the new mount API)"},
		{"unshare setns", "makes or joins namespaces, where the process would hold every capability"},
		{"ptrace", "inspects and controls other processes (and bypasses seccomp on kernels before 4.8)"},
		{"process_vm_readv process_vm_writev", "reads and writes another process's memory"},
		{"kcmp", "compares kernel objects of other processes: an information leak"},
		{"perf_event_open", "performance counters: kernel address leaks and side channels"},
		{"userfaultfd", "stalls the kernel on a page fault, a standard tool for exploiting kernel races"},
		{"io_uring_setup io_uring_enter io_uring_register",
		 "io_uring: a second syscall interface seccomp cannot see into, and many kernel CVEs"},
		{"reboot", "reboots or halts the machine"},
		{"swapon swapoff", "changes the host's swap"},
		{"clock_settime clock_adjtime settimeofday adjtimex stime", "the clock is not namespaced: it is the host's"},
		{"open_by_handle_at name_to_handle_at",
		 "opens files by handle, outside the container's root (the 2014 'shocker' escape)"},
		{"acct", "process accounting into a file of its choice"},
		{"quotactl quotactl_fd", "changes disk quotas of the host's file systems"},
		{"lookup_dcookie", "kernel profiling support: leaks paths"},
		{"iopl ioperm", "direct access to hardware I/O ports"},
		{"syslog", "the kernel log: kernel addresses, other containers' messages"},
		{"uselib ustat sysfs _sysctl nfsservctl vm86 vm86old vhangup",
		 "obsolete calls no container needs, kept out to shrink the attack surface"},
		{"fanotify_init", "watches file access across the whole mount or file system"},
	};
	for (size_t i = 0; i < N_ELEMENTS(deny); i++)
		add_rule(p, EPERM_ACT, deny[i].why, deny[i].names);
	add_common_guards(p);
}

static void builtin_strict(struct bx_sc_profile *p)
{
	init_profile(p, "strict", "a small allow-list: enough for busybox sh, ls, echo, cat and friends",
		     EPERM_ACT);
	add_rule(p, SECCOMP_RET_ALLOW, "files and directories",
		 "read write readv writev pread64 pwrite64 open openat close close_range stat fstat lstat newfstatat "
		 "statx lseek getdents64 access faccessat faccessat2 readlink readlinkat getcwd chdir fchdir fcntl "
		 "dup dup2 dup3 pipe pipe2 umask mkdir mkdirat unlink unlinkat rename renameat renameat2 sendfile");
	add_rule(p, SECCOMP_RET_ALLOW, "memory",
		 "brk mmap munmap mprotect mremap madvise");
	add_rule(p, SECCOMP_RET_ALLOW, "processes and signals",
		 "execve exit exit_group fork vfork wait4 waitid kill tgkill getpid getppid gettid getpgrp getpgid "
		 "setpgid getsid setsid rt_sigaction rt_sigprocmask rt_sigreturn rt_sigtimedwait rt_sigsuspend "
		 "sigaltstack set_tid_address set_robust_list rseq arch_prctl prctl prlimit64 getrlimit futex "
		 "sched_yield sched_getaffinity");
	add_rule(p, SECCOMP_RET_ALLOW, "identity and time",
		 "getuid geteuid getgid getegid getgroups getresuid getresgid uname sysinfo clock_gettime "
		 "gettimeofday time nanosleep clock_nanosleep getrandom");
	add_rule(p, SECCOMP_RET_ALLOW, "waiting for input", "poll ppoll select pselect6");
	/* boxlab's own last steps when no_new_privs is off: the filter is
	 * then loaded before the user switch (see seccomp.c). */
	add_rule(p, SECCOMP_RET_ALLOW, "the user switch", "setgroups setresuid setresgid capget capset");
	add_common_guards(p);
}

static void builtin_unconfined(struct bx_sc_profile *p)
{
	init_profile(p, "unconfined", "no rules: every call allowed (only useful with --trace-syscalls)",
		     SECCOMP_RET_ALLOW);
}

bool bx_sc_builtin(const char *name)
{
	return !strcmp(name, "default") || !strcmp(name, "strict") || !strcmp(name, "unconfined");
}

void bx_sc_profile_free(struct bx_sc_profile *p)
{
	for (size_t i = 0; i < p->nrules; i++) {
		strv_free(p->rules[i].names);
		free(p->rules[i].comment);
	}
	free(p->rules);
	free(p->source);
	free(p->summary);
	memset(p, 0, sizeof *p);
}

/* ---- Docker's JSON -------------------------------------------------- */

struct ctx {
	const char *source, *text;
	const struct bx_sc_env *env;
	bx_err_t *err;
};

/* Line of the first occurrence of "needle" (quoted) in the text: jansson
 * keeps no positions for values, but the offending word is usually
 * unique enough to point at. */
static int line_of(const char *text, const char *needle)
{
	if (!text || !needle)
		return 0;
	cleanup_free char *q = xasprintf("\"%s\"", needle);
	const char *hit = strstr(text, q);
	if (!hit)
		return 0;
	int line = 1;
	for (const char *s = text; s < hit; s++)
		line += *s == '\n';
	return line;
}

static int fail(struct ctx *c, const char *word, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct ctx *c, const char *word, const char *path, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	int line = line_of(c->text, word);
	if (line)
		bx_usage_error(c->err, "seccomp profile %s:%d: %s: %s", c->source, line, path, msg);
	else
		bx_usage_error(c->err, "seccomp profile %s: %s: %s", c->source, path, msg);
	free(msg);
	return -1;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "?";
}

static int check_keys(struct ctx *c, json_t *obj, const char *path, const char *const *allowed)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		bool ok = key[0] == '$' || !strcmp(key, "comment");
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = !strcmp(allowed[i], key);
		if (!ok) {
			char **list = NULL;
			for (size_t i = 0; allowed[i]; i++)
				strv_push(&list, allowed[i]);
			cleanup_free char *s = strv_join(list, ", ");
			strv_free(list);
			return fail(c, key, path, "unknown key \"%s\" (allowed: %s)", key, s);
		}
	}
	return 0;
}

static int get_uint(struct ctx *c, json_t *v, const char *path, uint64_t max, uint64_t *out)
{
	if (!json_is_integer(v))
		return fail(c, NULL, path, "expected an integer, got %s", type_name(v));
	json_int_t i = json_integer_value(v);
	/* jansson reads integers as signed 64-bit; a negative one is the
	 * two's complement a Go uint64 would have held. */
	uint64_t u = (uint64_t)i;
	if (max && (i < 0 || u > max))
		return fail(c, NULL, path, "%lld is out of range (0..%llu)", (long long)i, (unsigned long long)max);
	*out = u;
	return 0;
}

static int get_action(struct ctx *c, json_t *v, json_t *errno_v, const char *path, const char *errno_path,
		      uint32_t *out)
{
	if (!json_is_string(v))
		return fail(c, NULL, path, "expected an action name (a string), got %s (allowed: %s)", type_name(v),
			    allowed_actions);
	const char *name = json_string_value(v);
	if (!strcmp(name, "SCMP_ACT_NOTIFY"))
		return fail(c, name, path, "SCMP_ACT_NOTIFY needs a listener boxlab does not provide (allowed: %s)",
			    allowed_actions);
	if (bx_sc_action_parse(name, out) < 0)
		return fail(c, name, path, "unknown action \"%s\" (allowed: %s)", name, allowed_actions);
	if (errno_v) {
		uint64_t e;
		if (*out != SECCOMP_RET_ERRNO && *out != SECCOMP_RET_TRACE)
			return fail(c, NULL, errno_path, "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not %s",
				    name);
		if (get_uint(c, errno_v, errno_path, 4095, &e) < 0)
			return -1;
		*out |= (uint32_t)e;
	} else if (*out == SECCOMP_RET_ERRNO) {
		*out |= EPERM; /* runc's choice when none is given */
	}
	return 0;
}

static int get_strings(struct ctx *c, json_t *v, const char *path, char ***out)
{
	size_t i;
	json_t *s;
	if (!json_is_array(v))
		return fail(c, NULL, path, "expected an array of strings, got %s", type_name(v));
	json_array_foreach(v, i, s) {
		if (!json_is_string(s)) {
			cleanup_free char *p = xasprintf("%s[%zu]", path, i);
			return fail(c, NULL, p, "expected a string, got %s", type_name(s));
		}
		strv_push(out, json_string_value(s));
	}
	if (!*out) /* [] is a list too: callers walk it without a NULL check */
		*out = xzalloc(sizeof **out);
	return 0;
}

static int kernel_cmp(const char *a, const char *b)
{
	/* "6.18.44-fc" vs "4.8": numeric parts, left to right. */
	while (*a || *b) {
		char *ea, *eb;
		long x = strtol(a, &ea, 10), y = strtol(b, &eb, 10);
		if (x != y)
			return x < y ? -1 : 1;
		if (*ea != '.' || *eb != '.')
			return (*ea == '.') - (*eb == '.');
		a = ea + 1;
		b = eb + 1;
	}
	return 0;
}

static const char *native_goarch(void)
{
	uint32_t a = seccomp_arch_native();
	return a == SCMP_ARCH_X86_64 ? "amd64" : a == SCMP_ARCH_AARCH64 ? "arm64" : a == SCMP_ARCH_X86 ? "386"
		: bx_sc_arch_short(a);
}

/* includes/excludes: 1 when the rule applies, 0 when skipped. */
static int filter_applies(struct ctx *c, json_t *f, const char *path, bool include)
{
	static const char *const keys[] = {"caps", "arches", "minKernel", NULL};
	if (!f || json_is_null(f))
		return 1;
	if (!json_is_object(f))
		return fail(c, NULL, path, "expected an object, got %s", type_name(f));
	if (check_keys(c, f, path, keys) < 0)
		return -1;
	json_t *caps = json_object_get(f, "caps"), *arches = json_object_get(f, "arches"),
	       *mink = json_object_get(f, "minKernel");
	if (caps && !json_is_null(caps)) {
		cleanup_strv char **names = NULL;
		cleanup_free char *p = xasprintf("%s.caps", path);
		if (get_strings(c, caps, p, &names) < 0)
			return -1;
		for (size_t i = 0; names[i]; i++) {
			int cap = bx_caps_from_name(names[i]);
			if (cap < 0) {
				cleanup_free char *pi = xasprintf("%s[%zu]", p, i);
				return fail(c, names[i], pi, "unknown capability \"%s\"", names[i]);
			}
			bool has = c->env->caps & (1ULL << cap);
			if (include && !has)
				return 0; /* every listed capability is needed */
			if (!include && has)
				return 0; /* any listed capability excludes */
		}
	}
	if (arches && !json_is_null(arches)) {
		cleanup_strv char **names = NULL;
		cleanup_free char *p = xasprintf("%s.arches", path);
		if (get_strings(c, arches, p, &names) < 0)
			return -1;
		bool listed = false;
		for (size_t i = 0; names[i]; i++)
			listed |= !strcmp(names[i], native_goarch()) ||
				  !strcmp(names[i], bx_sc_arch_short(seccomp_arch_native()));
		if (include != listed)
			return 0;
	}
	if (mink && !json_is_null(mink)) {
		cleanup_free char *p = xasprintf("%s.minKernel", path);
		if (!json_is_string(mink))
			return fail(c, NULL, p, "expected a version string such as \"4.8\", got %s", type_name(mink));
		bool newer = kernel_cmp(c->env->kernel, json_string_value(mink)) >= 0;
		if (include != newer)
			return 0;
	}
	return 1;
}

static int parse_arg(struct ctx *c, json_t *a, const char *path, struct bx_sc_arg *out)
{
	static const char *const keys[] = {"index", "value", "valueTwo", "op", NULL};
	if (!json_is_object(a))
		return fail(c, NULL, path, "expected an object {index, value, valueTwo, op}, got %s", type_name(a));
	if (check_keys(c, a, path, keys) < 0)
		return -1;
	json_t *idx = json_object_get(a, "index"), *val = json_object_get(a, "value"),
	       *two = json_object_get(a, "valueTwo"), *op = json_object_get(a, "op");
	cleanup_free char *pi = xasprintf("%s.index", path), *pv = xasprintf("%s.value", path),
			  *p2 = xasprintf("%s.valueTwo", path), *po = xasprintf("%s.op", path);
	uint64_t index;
	if (!idx)
		return fail(c, NULL, path, "missing \"index\" (the argument number, 0..5)");
	if (get_uint(c, idx, pi, 5, &index) < 0)
		return -1;
	if (!val)
		return fail(c, NULL, path, "missing \"value\"");
	if (get_uint(c, val, pv, 0, &out->value) < 0)
		return -1;
	out->value2 = 0;
	if (two && get_uint(c, two, p2, 0, &out->value2) < 0)
		return -1;
	if (!op || !json_is_string(op))
		return fail(c, NULL, po, "missing or not a string (allowed: SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, "
			    "SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ)");
	if (bx_sc_op_parse(json_string_value(op), &out->op) < 0)
		return fail(c, json_string_value(op), po, "unknown operator \"%s\" (allowed: SCMP_CMP_NE, SCMP_CMP_LT, "
			    "SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ)",
			    json_string_value(op));
	if (two && out->op != BX_SC_MASKED_EQ && out->value2)
		return fail(c, NULL, p2, "valueTwo is only used by SCMP_CMP_MASKED_EQ ((arg & value) == valueTwo)");
	out->index = (unsigned)index;
	return 0;
}

static int parse_syscall(struct ctx *c, struct bx_sc_profile *p, json_t *o, size_t i)
{
	static const char *const keys[] = {"name", "names", "action", "errnoRet", "args", "includes", "excludes", NULL};
	cleanup_free char *path = xasprintf("syscalls[%zu]", i);
	if (!json_is_object(o))
		return fail(c, NULL, path, "expected an object {names, action, args}, got %s", type_name(o));
	if (check_keys(c, o, path, keys) < 0)
		return -1;

	cleanup_free char *pinc = xasprintf("%s.includes", path), *pexc = xasprintf("%s.excludes", path);
	int inc = filter_applies(c, json_object_get(o, "includes"), pinc, true);
	if (inc < 0)
		return -1;
	int exc = filter_applies(c, json_object_get(o, "excludes"), pexc, false);
	if (exc < 0)
		return -1;

	cleanup_strv char **names = NULL;
	json_t *name = json_object_get(o, "name"), *namesv = json_object_get(o, "names");
	cleanup_free char *pn = xasprintf("%s.names", path);
	if (name) {
		if (!json_is_string(name)) {
			cleanup_free char *p1 = xasprintf("%s.name", path);
			return fail(c, NULL, p1, "expected a syscall name (a string), got %s", type_name(name));
		}
		strv_push(&names, json_string_value(name));
	}
	if (namesv && get_strings(c, namesv, pn, &names) < 0)
		return -1;
	if (!names || !names[0])
		return fail(c, NULL, path, "no syscall named (give \"names\": [\"read\", ...])");
	for (size_t k = 0; names[k]; k++)
		if (!bx_sc_syscall_known(names[k])) {
			cleanup_free char *pk = name && k == 0 ? xasprintf("%s.name", path) : xasprintf("%s[%zu]", pn,
				name ? k - 1 : k);
			const char *near = bx_sc_syscall_suggest(names[k]);
			return fail(c, names[k], pk, "unknown syscall \"%s\"%s%s%s (names as in man 2 syscalls; "
				    "'boxlab seccomp show default' lists them)", names[k], near ? " (did you mean " : "",
				    near ? near : "", near ? "?)" : "");
		}

	uint32_t action;
	cleanup_free char *pa = xasprintf("%s.action", path), *pe = xasprintf("%s.errnoRet", path);
	json_t *act = json_object_get(o, "action");
	if (!act)
		return fail(c, NULL, path, "missing \"action\" (allowed: %s)", allowed_actions);
	if (get_action(c, act, json_object_get(o, "errnoRet"), pa, pe, &action) < 0)
		return -1;

	struct bx_sc_arg args[6];
	size_t nargs = 0;
	json_t *av = json_object_get(o, "args");
	if (av && !json_is_null(av)) {
		cleanup_free char *pargs = xasprintf("%s.args", path);
		if (!json_is_array(av))
			return fail(c, NULL, pargs, "expected an array of {index, value, valueTwo, op}, got %s",
				    type_name(av));
		if (json_array_size(av) > 6)
			return fail(c, NULL, pargs, "%zu comparisons; at most 6", json_array_size(av));
		size_t k;
		json_t *a;
		json_array_foreach(av, k, a) {
			cleanup_free char *pk = xasprintf("%s[%zu]", pargs, k);
			if (parse_arg(c, a, pk, &args[nargs++]) < 0)
				return -1;
		}
	}
	if (!inc || !exc) {
		p->skipped++;
		return 0;
	}
	struct bx_sc_rule *r = add_rule(p, action, NULL, NULL);
	strv_free(r->names);
	r->names = steal_pointer(&names);
	memcpy(r->args, args, sizeof args);
	r->nargs = nargs;
	json_t *comment = json_object_get(o, "comment");
	if (json_is_string(comment) && *json_string_value(comment))
		r->comment = xstrdup(json_string_value(comment));
	return 0;
}

static int add_arch(struct ctx *c, struct bx_sc_profile *p, json_t *v, const char *path)
{
	uint32_t token;
	if (!json_is_string(v))
		return fail(c, NULL, path, "expected an architecture name, got %s", type_name(v));
	if (bx_sc_arch_parse(json_string_value(v), &token) < 0)
		return fail(c, json_string_value(v), path, "unknown architecture \"%s\" (allowed: SCMP_ARCH_X86_64, "
			    "SCMP_ARCH_X86, SCMP_ARCH_X32, SCMP_ARCH_AARCH64, SCMP_ARCH_ARM, SCMP_ARCH_PPC64LE, "
			    "SCMP_ARCH_S390X, SCMP_ARCH_RISCV64, ...)", json_string_value(v));
	for (size_t i = 0; i < p->narches; i++)
		if (p->arches[i] == token)
			return 0;
	if (p->narches < BX_SC_MAX_ARCHES)
		p->arches[p->narches++] = token;
	return 0;
}

int bx_sc_profile_parse(const char *text, const char *source, const struct bx_sc_env *env, struct bx_sc_profile *p,
			bx_err_t *err)
{
	static const char *const keys[] = {"defaultAction", "defaultErrnoRet", "architectures", "archMap", "syscalls",
					   "flags", "listenerPath", "listenerMetadata", NULL};
	struct ctx c = {.source = source, .text = text, .env = env, .err = err};
	json_error_t jerr;
	memset(p, 0, sizeof *p);
	json_t *root = json_loads(text, 0, &jerr);
	if (!root)
		return bx_usage_error(err, "seccomp profile %s:%d:%d: JSON syntax error: %s", source, jerr.line,
				      jerr.column, jerr.text);
	int ret = -1;
	p->source = xstrdup(source);
	p->summary = xasprintf("Docker-format profile %s", source);
	if (!json_is_object(root)) {
		fail(&c, NULL, "(top)", "expected an object {\"defaultAction\": ..., \"syscalls\": [...]}, got %s",
		     type_name(root));
		goto out;
	}
	if (check_keys(&c, root, "(top)", keys) < 0)
		goto out;
	json_t *lp = json_object_get(root, "listenerPath");
	if (lp && !(json_is_string(lp) && !*json_string_value(lp))) {
		fail(&c, NULL, "listenerPath", "seccomp agents are not supported by boxlab (remove the key)");
		goto out;
	}
	json_t *da = json_object_get(root, "defaultAction");
	if (!da) {
		fail(&c, NULL, "defaultAction", "missing (allowed: %s)", allowed_actions);
		goto out;
	}
	if (get_action(&c, da, json_object_get(root, "defaultErrnoRet"), "defaultAction", "defaultErrnoRet",
		       &p->default_action) < 0)
		goto out;

	json_t *av = json_object_get(root, "architectures"), *am = json_object_get(root, "archMap");
	if (av && !json_is_null(av) && am && !json_is_null(am) && json_array_size(am)) {
		fail(&c, NULL, "archMap", "use either \"architectures\" or \"archMap\", not both (as Docker requires)");
		goto out;
	}
	if (av && !json_is_null(av)) {
		size_t i;
		json_t *a;
		if (!json_is_array(av)) {
			fail(&c, NULL, "architectures", "expected an array, got %s", type_name(av));
			goto out;
		}
		json_array_foreach(av, i, a) {
			cleanup_free char *pa = xasprintf("architectures[%zu]", i);
			if (add_arch(&c, p, a, pa) < 0)
				goto out;
		}
	}
	if (am && !json_is_null(am)) {
		size_t i;
		json_t *m;
		if (!json_is_array(am)) {
			fail(&c, NULL, "archMap", "expected an array, got %s", type_name(am));
			goto out;
		}
		/* Docker takes the entry of the machine's architecture, and
		 * its sub-architectures. */
		json_array_foreach(am, i, m) {
			static const char *const mkeys[] = {"architecture", "subArchitectures", NULL};
			cleanup_free char *pm = xasprintf("archMap[%zu]", i), *pa = xasprintf("%s.architecture", pm),
					  *ps = xasprintf("%s.subArchitectures", pm);
			uint32_t token;
			if (!json_is_object(m)) {
				fail(&c, NULL, pm, "expected an object {architecture, subArchitectures}");
				goto out;
			}
			if (check_keys(&c, m, pm, mkeys) < 0)
				goto out;
			json_t *arch = json_object_get(m, "architecture"), *subs = json_object_get(m, "subArchitectures");
			if (!arch) {
				fail(&c, NULL, pm, "missing \"architecture\"");
				goto out;
			}
			if (!json_is_string(arch) || bx_sc_arch_parse(json_string_value(arch), &token) < 0) {
				fail(&c, json_is_string(arch) ? json_string_value(arch) : NULL, pa,
				     "unknown architecture (allowed: SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, ...)");
				goto out;
			}
			if (token != seccomp_arch_native())
				continue;
			if (add_arch(&c, p, arch, pa) < 0)
				goto out;
			if (subs && !json_is_null(subs)) {
				size_t k;
				json_t *s;
				if (!json_is_array(subs)) {
					fail(&c, NULL, ps, "expected an array, got %s", type_name(subs));
					goto out;
				}
				json_array_foreach(subs, k, s) {
					cleanup_free char *pk = xasprintf("%s[%zu]", ps, k);
					if (add_arch(&c, p, s, pk) < 0)
						goto out;
				}
			}
		}
	}
	json_t *fl = json_object_get(root, "flags");
	if (fl && !json_is_null(fl)) {
		cleanup_strv char **flags = NULL;
		if (get_strings(&c, fl, "flags", &flags) < 0)
			goto out;
		for (size_t i = 0; flags[i]; i++) {
			if (!strcmp(flags[i], "SECCOMP_FILTER_FLAG_LOG"))
				p->log_flag = true;
			else if (strcmp(flags[i], "SECCOMP_FILTER_FLAG_SPEC_ALLOW") &&
				 strcmp(flags[i], "SECCOMP_FILTER_FLAG_TSYNC")) {
				cleanup_free char *pf = xasprintf("flags[%zu]", i);
				fail(&c, flags[i], pf, "unknown flag \"%s\" (allowed: SECCOMP_FILTER_FLAG_LOG, "
				     "SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_TSYNC)", flags[i]);
				goto out;
			}
		}
	}
	json_t *sv = json_object_get(root, "syscalls");
	if (sv && !json_is_null(sv)) {
		size_t i;
		json_t *o;
		if (!json_is_array(sv)) {
			fail(&c, NULL, "syscalls", "expected an array of {names, action, args}, got %s", type_name(sv));
			goto out;
		}
		json_array_foreach(sv, i, o)
			if (parse_syscall(&c, p, o, i) < 0)
				goto out;
	}
	ret = 0;
out:
	json_decref(root);
	if (ret < 0)
		bx_sc_profile_free(p);
	return ret;
}

int bx_sc_profile_load(const char *spec, const struct bx_sc_env *env, struct bx_sc_profile *p, bx_err_t *err)
{
	if (!strcmp(spec, "default")) {
		builtin_default(p);
		return 0;
	}
	if (!strcmp(spec, "strict")) {
		builtin_strict(p);
		return 0;
	}
	if (!strcmp(spec, "unconfined")) {
		builtin_unconfined(p);
		return 0;
	}
	cleanup_free char *text = bx_read_file(spec, NULL, err);
	if (!text) {
		bx_error_wrap(err, "seccomp profile");
		return bx_error_hint(err, "a profile is one of %s, or a file in Docker's JSON format", bx_sc_builtin_names);
	}
	return bx_sc_profile_parse(text, spec, env, p, err);
}

/* ---- writing and describing ----------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static json_t *action_json(json_t *o, const char *key, const char *errkey, uint32_t action)
{
	json_object_set_new(o, key, json_string(bx_sc_action_name(action)));
	if (BX_SC_ACTION(action) == SECCOMP_RET_ERRNO || BX_SC_ACTION(action) == SECCOMP_RET_TRACE)
		json_object_set_new(o, errkey, json_integer(BX_SC_DATA(action)));
	return o;
}

void *bx_sc_profile_to_json(const struct bx_sc_profile *p)
{
	json_t *root = json_object(), *arches = json_array(), *calls = json_array();
	action_json(root, "defaultAction", "defaultErrnoRet", p->default_action);
	for (size_t i = 0; i < p->narches; i++)
		json_array_append_new(arches, json_string(bx_sc_arch_name(p->arches[i])));
	json_object_set_new(root, "architectures", arches);
	if (p->log_flag) {
		json_t *f = json_array();
		json_array_append_new(f, json_string("SECCOMP_FILTER_FLAG_LOG"));
		json_object_set_new(root, "flags", f);
	}
	for (size_t i = 0; i < p->nrules; i++) {
		const struct bx_sc_rule *r = &p->rules[i];
		json_t *o = json_object(), *names = json_array();
		for (char **s = r->names; *s; s++)
			json_array_append_new(names, json_string(*s));
		json_object_set_new(o, "names", names);
		action_json(o, "action", "errnoRet", r->action);
		if (r->nargs) {
			json_t *args = json_array();
			for (size_t k = 0; k < r->nargs; k++) {
				json_t *a = json_object();
				json_object_set_new(a, "index", json_integer(r->args[k].index));
				json_object_set_new(a, "value", json_integer((json_int_t)r->args[k].value));
				json_object_set_new(a, "valueTwo", json_integer((json_int_t)r->args[k].value2));
				json_object_set_new(a, "op", json_string(bx_sc_op_name(r->args[k].op)));
				json_array_append_new(args, a);
			}
			json_object_set_new(o, "args", args);
		}
		if (r->comment)
			json_object_set_new(o, "comment", json_string(r->comment));
		json_array_append_new(calls, o);
	}
	if (p->allow_rest) {
		/* Written out, so the file is an ordinary Docker profile. */
		json_t *o = json_object(), *names = json_array();
		char **seen = NULL;
		for (size_t a = 0; a < p->narches; a++)
			for (int nr = 0; nr < 1024; nr++) {
				char *s = seccomp_syscall_resolve_num_arch(p->arches[a],
					(int)((p->arches[a] == SCMP_ARCH_X32 ? 0x40000000U : 0) + nr));
				bool skip = !s;
				for (size_t r = 0; !skip && r < p->nrules; r++)
					for (char **n = p->rules[r].names; *n && !skip; n++)
						skip = !strcmp(*n, s);
				for (size_t k = 0; !skip && seen && seen[k]; k++)
					skip = !strcmp(seen[k], s);
				if (!skip)
					strv_push(&seen, s);
				free(s);
			}
		if (seen)
			qsort(seen, strv_len(seen), sizeof *seen, cmp_str);
		for (size_t k = 0; seen && seen[k]; k++)
			json_array_append_new(names, json_string(seen[k]));
		strv_free(seen);
		json_object_set_new(o, "names", names);
		json_object_set_new(o, "action", json_string("SCMP_ACT_ALLOW"));
		json_object_set_new(o, "comment", json_string("everything else this libseccomp knows"));
		json_array_append_new(calls, o);
	}
	json_object_set_new(root, "syscalls", calls);
	return root;
}

static void wrap_names(FILE *out, char *const *names, const char *indent)
{
	size_t col = 0;
	for (size_t i = 0; names && names[i]; i++) {
		size_t len = strlen(names[i]);
		if (col == 0) {
			fputs(indent, out);
			col = strlen(indent);
		} else if (col + len + 1 > 78) {
			fprintf(out, "\n%s", indent);
			col = strlen(indent);
		} else {
			fputc(' ', out);
			col++;
		}
		fputs(names[i], out);
		col += len;
	}
	if (col)
		fputc('\n', out);
}

static char *cond_words(const struct bx_sc_arg *a)
{
	static const char *const sym[] = {[BX_SC_NE] = "!=", [BX_SC_LT] = "<", [BX_SC_LE] = "<=", [BX_SC_EQ] = "==",
					  [BX_SC_GE] = ">=", [BX_SC_GT] = ">"};
	if (a->op == BX_SC_MASKED_EQ)
		return xasprintf("(arg%u & 0x%llx) == 0x%llx", a->index, (unsigned long long)a->value,
				 (unsigned long long)a->value2);
	return xasprintf("arg%u %s 0x%llx", a->index, sym[a->op], (unsigned long long)a->value);
}

void bx_sc_profile_describe(const struct bx_sc_profile *p, FILE *out)
{
	bool builtin = bx_sc_builtin(p->source);
	fprintf(out, "profile %s%s\n  %s\n", p->source, builtin ? " (built-in)" : "", p->summary);
	fprintf(out, "architectures:");
	for (size_t i = 0; i < p->narches; i++)
		fprintf(out, "%s %s", i ? "," : "", bx_sc_arch_short(p->arches[i]));
	fprintf(out, " (calls from any other architecture kill the process)\n");
	cleanup_free char *dflt = bx_sc_action_words(p->default_action);
	fprintf(out, "any call no rule below matches: %s\n", dflt);
	if (p->skipped)
		fprintf(out, "%zu rule%s left out: their includes/excludes (capabilities, architecture, kernel) do not "
			"match this container\n", p->skipped, p->skipped == 1 ? "" : "s");
	if (p->nrules)
		fprintf(out, "\nrules, first match wins:\n");
	for (size_t i = 0; i < p->nrules; i++) {
		const struct bx_sc_rule *r = &p->rules[i];
		cleanup_free char *words = bx_sc_action_words(r->action);
		char **conds = NULL;
		for (size_t k = 0; k < r->nargs; k++) {
			char *c = cond_words(&r->args[k]);
			strv_push(&conds, c);
			free(c);
		}
		cleanup_free char *when = conds ? strv_join(conds, " and ") : NULL;
		strv_free(conds);
		fprintf(out, "  %s%s%s:\n", words, when ? " when " : "", when ? when : "");
		wrap_names(out, r->names, "      ");
		if (r->comment)
			fprintf(out, "      why: %s\n", r->comment);
	}
	if (p->allow_rest) {
		json_t *j = bx_sc_profile_to_json(p);
		json_t *calls = json_object_get(j, "syscalls");
		json_t *last = json_array_get(calls, json_array_size(calls) - 1);
		char **names = NULL;
		size_t k;
		json_t *n;
		json_array_foreach(json_object_get(last, "names"), k, n)
			strv_push(&names, json_string_value(n));
		const struct scmp_version *v = seccomp_version();
		fprintf(out, "  allowed, every other syscall libseccomp %u.%u.%u knows (%zu):\n", v->major, v->minor,
			v->micro, strv_len(names));
		wrap_names(out, names, "      ");
		strv_free(names);
		json_decref(j);
	}
}
