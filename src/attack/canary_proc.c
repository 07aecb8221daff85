/* Attacks on host processes and on the kernel's global state: kill,
 * ptrace, hostname, unshare, bpf, /proc/sys and sysrq, setuid.  The host
 * checks a canary process it started, or looks at the attack itself while
 * it holds what it got (found by its name, bxa<nonce>). */
#include "attack/attack.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

/* The one process named comm, or 0 (and seen_what says why). */
static pid_t one_pid(struct bx_atk_run *r, const char *comm)
{
	pid_t pids[4];
	int n = bx_atk_find_comm(comm, pids, 4);
	if (n == 1)
		return pids[0];
	bx_atk_seen(r, false, "the host found %d processes named %s, not one", n, comm);
	return 0;
}

/* Host values an attack must leave as they are (the hostname, a
 * sysctl): remembered before, compared after, restored and reported
 * loudly if they changed. */
static int guard_plant(struct bx_atk_run *r, const char *file, bx_err_t *err)
{
	free(r->path);
	r->path = bx_atk_slurp(file, NULL);
	if (!r->path)
		return bx_make_error(err, errno, "cannot read %s", file);
	return 0;
}

static int guard_check(struct bx_atk_run *r, const char *file, bx_err_t *err)
{
	if (!r->path)
		return 0;
	cleanup_free char *now = bx_atk_slurp(file, NULL);
	if (now && !strcmp(now, r->path))
		return 0;
	bx_err_t e = NULL;
	if (bx_write_file(file, r->path, strlen(r->path), &e) < 0) {
		bx_make_error(err, 0, "%s changed during the attack and cannot be restored: %s", file, e->msg);
		bx_error_release(&e);
		return -1;
	}
	return bx_make_error(err, 0, "%s changed during the attack (restored to its value before)", file);
}

#define HOSTNAME_FILE "/proc/sys/kernel/hostname"
#define CORE_PATTERN_FILE "/proc/sys/kernel/core_pattern"

static int hostname_plant(struct bx_atk_run *r, bx_err_t *err)
{
	return guard_plant(r, HOSTNAME_FILE, err);
}

static int hostname_cleanup(struct bx_atk_run *r, bx_err_t *err)
{
	return guard_check(r, HOSTNAME_FILE, err);
}

static int core_pattern_plant(struct bx_atk_run *r, bx_err_t *err)
{
	return guard_plant(r, CORE_PATTERN_FILE, err);
}

static int core_pattern_cleanup(struct bx_atk_run *r, bx_err_t *err)
{
	return guard_check(r, CORE_PATTERN_FILE, err);
}

/* ---- kill-host ---- */

static int canary_plant(struct bx_atk_run *r, bx_err_t *err)
{
	if (bx_atk_canary_process(r, err) < 0)
		return -1;
	strv_pushf(&r->args, "%d", (int)r->canary);
	return 0;
}

static int canary_cleanup(struct bx_atk_run *r, bx_err_t *err)
{
	return bx_atk_canary_process_stop(r, err);
}

/* Whether SIGKILL is pending for pid: sent, but the process has not run
 * yet to die of it (a loaded machine may take a while to schedule it). */
static bool kill_pending(pid_t pid)
{
	bool pending = false;
	const char *fields[] = {"ShdPnd", "SigPnd"};
	for (size_t i = 0; i < 2 && !pending; i++) {
		cleanup_free char *v = bx_atk_status_field(pid, fields[i]);
		pending = v && (strtoull(v, NULL, 16) & (1ULL << (SIGKILL - 1)));
	}
	return pending;
}

static void kill_judge(struct bx_atk_run *r)
{
	siginfo_t si = {0};
	/* Dying is as good as dead: wait (bounded) for it, so the evidence
	 * says how it died, never "alive" for a canary already killed. */
	if (waitid(P_PIDFD, r->canary_fd, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && !si.si_pid &&
	    kill_pending(r->canary)) {
		struct pollfd p = {.fd = r->canary_fd, .events = POLLIN};
		poll(&p, 1, 5000);
	}
	if (waitid(P_PIDFD, r->canary_fd, &si, WEXITED | WNOHANG) == 0 && si.si_pid) {
		bx_atk_verdict(r, BX_ESCAPED, "the host's canary process %d died of %s", (int)r->canary,
			       si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED ? strsignal(si.si_status) : "an exit");
		r->canary = 0; /* reaped */
	} else if (kill_pending(r->canary)) {
		bx_atk_verdict(r, BX_ESCAPED, "the host's canary process %d got SIGKILL and is dying", (int)r->canary);
	} else {
		bx_atk_verdict(r, BX_BLOCKED, "the host's canary process %d is alive", (int)r->canary);
	}
}

const struct bx_attack bx_attack_kill = {
	.name = "kill-host",
	.summary = "SIGKILL a host process by its pid",
	.mirrors = "--pid=host containers that can signal (and so stop) the host's daemons",
	.canary = "a sleeping process the harness started (root, comm bxc<nonce>); is it still alive?",
	.blocked_by = "",
	.plant = canary_plant,
	.judge = kill_judge,
	.cleanup = canary_cleanup,
};

/* ---- ptrace-host ---- */

static int ptrace_plant(struct bx_atk_run *r, bx_err_t *err)
{
	if (canary_plant(r, err) < 0)
		return -1;
	strv_pushf(&r->args, "%p", (const void *)bx_atk_canary_secret_addr());
	strv_pushf(&r->args, "%zu", strlen(r->secret));
	return 0;
}

static void ptrace_judge(struct bx_atk_run *r)
{
	cleanup_free char *what = xasprintf("the memory of the host's canary process %d", (int)r->canary);
	bx_atk_judge_secret(r, what);
}

const struct bx_attack bx_attack_ptrace = {
	.name = "ptrace-host",
	.summary = "PTRACE_ATTACH to a host process and read a secret out of its memory",
	.mirrors = "CAP_SYS_PTRACE + --pid=host: reading keys out of host daemons; CVE-2019-13272",
	.canary = "a process the harness started, holding a fresh secret in its memory",
	.blocked_by = "",
	.plant = ptrace_plant,
	.judge = ptrace_judge,
	.cleanup = canary_cleanup,
};

/* ---- hostname ---- */

static void hostname_observe(struct bx_atk_run *r)
{
	pid_t pid = one_pid(r, r->comm);
	if (!pid)
		return;
	pid_t self = getpid();
	bool uts = bx_atk_ns(pid, "uts") == bx_atk_ns(self, "uts");
	bool user = bx_atk_ns(pid, "user") == bx_atk_ns(self, "user");
	cleanup_free char *cap = bx_atk_status_field(pid, "CapEff");
	bool admin = cap && (strtoull(cap, NULL, 16) >> 21 & 1); /* CAP_SYS_ADMIN */
	bool claimed = r->claim && !strncmp(r->claim, "ESCAPED", 7);
	if (uts && user && admin && claimed)
		bx_atk_seen(r, true, "the attack ran in the host's UTS namespace with CAP_SYS_ADMIN of the host's user "
			    "namespace, and its sethostname() of the host's own name succeeded");
	else
		bx_atk_seen(r, false, "the attack's UTS namespace is %s, %s, %s", uts ? "the host's" : "its own",
			    user && admin ? "with the host's CAP_SYS_ADMIN" : "without the host's CAP_SYS_ADMIN",
			    claimed ? "sethostname succeeded (in that namespace)" : "sethostname failed");
}

const struct bx_attack bx_attack_hostname = {
	.name = "hostname",
	.summary = "sethostname() the host's name (writes back the same value)",
	.mirrors = "--uts=host containers renaming the host (Docker refuses --uts=host + --hostname for this)",
	.canary = "the host's hostname, never changed: the host checks the attack's UTS namespace and privileges",
	.blocked_by = "",
	.plant = hostname_plant,
	.observe = hostname_observe,
	.judge = bx_atk_judge_seen,
	.cleanup = hostname_cleanup,
};

/* ---- unshare ---- */

static void unshare_observe(struct bx_atk_run *r)
{
	char child[16];
	snprintf(child, sizeof child, "%.13s-u", r->comm);
	pid_t p = one_pid(r, r->comm), c = p ? one_pid(r, child) : 0;
	if (!c)
		return;
	uint64_t pu = bx_atk_ns(p, "user"), cu = bx_atk_ns(c, "user");
	if (pu && cu && pu != cu)
		bx_atk_seen(r, true, "the attack's child %d is in a new user namespace user:[%llu] (its parent: "
			    "user:[%llu])", (int)c, (unsigned long long)cu, (unsigned long long)pu);
	else
		bx_atk_seen(r, false, "the attack's child %d is in its parent's user namespace", (int)c);
}

const struct bx_attack bx_attack_unshare = {
	.name = "unshare",
	.summary = "unshare(CLONE_NEWUSER): every capability in a new user namespace, and the kernel code behind it",
	.mirrors = "CVE-2022-0185 and CVE-2023-32233: kernel bugs reached from an unprivileged user namespace",
	.canary = "none planted: the host compares the user namespaces of the attack's two processes",
	.blocked_by = "seccomp",
	.observe = unshare_observe,
	.judge = bx_atk_judge_seen,
};

/* ---- bpf ---- */

static void bpf_observe(struct bx_atk_run *r)
{
	union bpf_attr a;
	uint32_t id = 0;
	for (;;) {
		memset(&a, 0, sizeof a);
		a.start_id = id;
		if (syscall(SYS_bpf, BPF_MAP_GET_NEXT_ID, &a, sizeof a) < 0)
			break;
		id = a.next_id;
		memset(&a, 0, sizeof a);
		a.map_id = id;
		int fd = (int)syscall(SYS_bpf, BPF_MAP_GET_FD_BY_ID, &a, sizeof a);
		if (fd < 0)
			continue;
		struct bpf_map_info info;
		memset(&info, 0, sizeof info);
		memset(&a, 0, sizeof a);
		a.info.bpf_fd = (uint32_t)fd;
		a.info.info_len = sizeof info;
		a.info.info = (uint64_t)(uintptr_t)&info;
		int ok = (int)syscall(SYS_bpf, BPF_OBJ_GET_INFO_BY_FD, &a, sizeof a);
		close(fd);
		if (ok == 0 && !strncmp(info.name, r->comm, sizeof info.name)) {
			bx_atk_seen(r, true, "the host's kernel holds the container's BPF map id %u \"%s\"", id, info.name);
			return;
		}
	}
	bx_atk_seen(r, false, "no BPF map named %s in the host's kernel", r->comm);
}

const struct bx_attack bx_attack_bpf = {
	.name = "bpf",
	.summary = "bpf(BPF_MAP_CREATE): load an object into the host's kernel",
	.mirrors = "CVE-2021-3490 and CVE-2021-31440 (eBPF verifier bugs to kernel code execution)",
	.canary = "none planted: the host lists the kernel's BPF maps for one named after the nonce",
	.blocked_by = "",
	.observe = bpf_observe,
	.judge = bx_atk_judge_seen,
};

/* ---- /proc/sys/kernel/core_pattern and /proc/sysrq-trigger ---- */

/* Does pid hold a descriptor open for writing on a procfs file whose
 * path ends with suffix? */
static void writable_observe(struct bx_atk_run *r, const char *suffix)
{
	pid_t pid = one_pid(r, r->comm);
	if (!pid)
		return;
	cleanup_free char *dir = xasprintf("/proc/%d/fd", (int)pid);
	cleanup_dir DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char link[512] = "", path[600];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		ssize_t n = readlink(path, link, sizeof link - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		size_t l = strlen(link), s = strlen(suffix);
		struct statfs fs;
		if (l < s || strcmp(link + l - s, suffix) || statfs(path, &fs) < 0 || fs.f_type != PROC_SUPER_MAGIC)
			continue;
		snprintf(path, sizeof path, "/proc/%d/fdinfo/%s", (int)pid, e->d_name);
		cleanup_free char *info = bx_atk_slurp(path, NULL);
		char *f = info ? strstr(info, "flags:") : NULL;
		unsigned long flags = f ? strtoul(f + 6, NULL, 8) : 0;
		if ((flags & 3) == 1 || (flags & 3) == 2) {
			bx_atk_seen(r, true, "the attack holds fd %s open for writing on %s (procfs; nothing was written)",
				    e->d_name, link);
			return;
		}
	}
	bx_atk_seen(r, false, "the attack holds no descriptor open for writing on %s", suffix);
}

static void core_pattern_observe(struct bx_atk_run *r)
{
	writable_observe(r, "/sys/kernel/core_pattern");
}

const struct bx_attack bx_attack_proc_sys = {
	.name = "proc-sys",
	.summary = "open /proc/sys/kernel/core_pattern for writing (a global sysctl)",
	.mirrors = "core_pattern container escapes (a crash runs the container's program as host root)",
	.canary = "none written: the host reads the attack's open descriptors and their flags",
	.blocked_by = "",
	.plant = core_pattern_plant,
	.observe = core_pattern_observe,
	.judge = bx_atk_judge_seen,
	.cleanup = core_pattern_cleanup,
};

static bool sysrq_available(char *why, size_t len)
{
	if (access("/proc/sysrq-trigger", F_OK) == 0)
		return true;
	snprintf(why, len, "this kernel has no /proc/sysrq-trigger (CONFIG_MAGIC_SYSRQ is off)");
	return false;
}

static void sysrq_observe(struct bx_atk_run *r)
{
	writable_observe(r, "/sysrq-trigger");
}

const struct bx_attack bx_attack_sysrq = {
	.name = "sysrq-trigger",
	.summary = "open /proc/sysrq-trigger for writing (one byte reboots the host)",
	.mirrors = "containers with a writable /proc: echo b > /proc/sysrq-trigger reboots the host",
	.canary = "none written: the host reads the attack's open descriptors and their flags",
	.blocked_by = "",
	.available = sysrq_available,
	.observe = sysrq_observe,
	.judge = bx_atk_judge_seen,
};

/* ---- setuid ---- */

static void setuid_observe(struct bx_atk_run *r)
{
	char comm[16];
	snprintf(comm, sizeof comm, "%.13s-s", r->comm);
	pid_t pid = one_pid(r, comm);
	if (!pid)
		return;
	cleanup_free char *uid = bx_atk_status_field(pid, "Uid");
	unsigned long ru = 0, eu = 0;
	if (uid && sscanf(uid, "%lu %lu", &ru, &eu) == 2 && ru != eu)
		bx_atk_seen(r, true, "process %d runs with real uid %lu but effective uid %lu (host view): the setuid "
			    "bit raised it", (int)pid, ru, eu);
	else
		bx_atk_seen(r, false, "process %d has uids %s (host view): the setuid bit gave nothing", (int)pid,
			    uid ? uid : "?");
}

const struct bx_attack bx_attack_setuid = {
	.name = "setuid",
	.summary = "as uid 1000, exec a setuid-root binary and become root (in the container)",
	.mirrors = "every setuid-root exploit (CVE-2021-4034 pkexec, CVE-2021-3156 sudo) run from a container user",
	.canary = "none planted: the host reads the real and effective uid of the attack's setuid process",
	.blocked_by = "nnp",
	.observe = setuid_observe,
	.judge = bx_atk_judge_seen,
};
