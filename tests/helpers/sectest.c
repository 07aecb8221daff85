/* sectest: one static binary of small probes for the security modules'
 * tests (tests/integration/security.bats), run inside a container.
 *
 *   sectest PROBE...   one line per probe: "PROBE ok" or "PROBE ERRNO_NAME"
 *   sectest all        every probe
 *   sectest euid       the effective uid (the nnp test's setuid copy)
 *   sectest bench N    nanoseconds per getpid() over N calls
 *
 * Every probe is harmless when it succeeds, also as real root inside the
 * container's namespaces: calls that would change the machine are made
 * with arguments the kernel rejects after its permission check (bad
 * magic for reboot, a missing file for swapon, an unsettable clock for
 * clock_settime), so a result other than EPERM proves the call got past
 * seccomp and the capability checks, and nothing happened. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/quota.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/timex.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

static long r_ok(long r) { return r < 0 ? errno : 0; }

/* Runs f in a child (some probes change the process: ptrace, a new
 * controlling terminal) and returns its result. */
static long in_child(long (*f)(void))
{
	pid_t pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit((int)f());
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

static long p_keyctl(void) { return r_ok(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0)); }
static long p_add_key(void) { return r_ok(syscall(SYS_add_key, "boxlab_nosuchtype", "x", "", 0, KEY_SPEC_PROCESS_KEYRING)); }
static long p_bpf(void) { return r_ok(syscall(SYS_bpf, 9999, NULL, 0)); }
static long traceme(void) { return r_ok(syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0)); }
static long p_ptrace(void) { return in_child(traceme); }

static long p_perf(void)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	long fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (fd >= 0)
		close((int)fd);
	return r_ok(fd);
}

static long p_userfaultfd(void)
{
	long fd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (fd >= 0)
		close((int)fd);
	return r_ok(fd);
}

static long tiocsti(unsigned long cmd)
{
	int m = open("/dev/ptmx", O_RDWR | O_NOCTTY);
	if (m < 0 || unlockpt(m) < 0)
		return errno;
	setsid();
	/* Our own new terminal becomes the controlling one: TIOCSTI into
	 * it only feeds this probe's own input. */
	int s = open(ptsname(m), O_RDWR);
	if (s < 0)
		return errno;
	char c = '\n';
	return r_ok(syscall(SYS_ioctl, s, cmd, &c));
}
static long tiocsti_lo(void) { return tiocsti(TIOCSTI); }
static long tiocsti_hi(void) { return tiocsti(TIOCSTI | (1UL << 32)); }
static long p_tiocsti(void) { return in_child(tiocsti_lo); }
static long p_tiocsti_hi(void) { return in_child(tiocsti_hi); }

static long p_personality(void)
{
	long r = syscall(SYS_personality, 0x0006 /* PER_BSD */);
	if (r >= 0)
		syscall(SYS_personality, 0);
	return r_ok(r);
}

static long p_personality_query(void) { return r_ok(syscall(SYS_personality, 0xffffffffUL)); }

static long p_clone_ns(void)
{
	long pid = syscall(SYS_clone, CLONE_NEWUTS | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return r_ok(pid);
}

static long p_clone_plain(void)
{
	long pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return r_ok(pid);
}

static long p_clone3(void)
{
	struct clone_args a;
	memset(&a, 0, sizeof a);
	a.exit_signal = SIGCHLD;
	long pid = syscall(SYS_clone3, &a, sizeof a);
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return r_ok(pid);
}

static long p_unshare(void) { return r_ok(unshare(CLONE_NEWUTS)); }

static long p_setns(void)
{
	int fd = open("/proc/self/ns/uts", O_RDONLY);
	if (fd < 0)
		return errno;
	long r = r_ok(setns(fd, CLONE_NEWUTS));
	close(fd);
	return r;
}

static long p_mount(void)
{
	mkdir("/tmp/sectest-mnt", 0700);
	long r = r_ok(mount("tmpfs", "/tmp/sectest-mnt", "tmpfs", 0, "size=64k"));
	if (r == 0)
		umount2("/tmp/sectest-mnt", MNT_DETACH);
	rmdir("/tmp/sectest-mnt");
	return r;
}

static long p_umount2(void) { return r_ok(umount2("/sectest-nonexistent", 0)); }
static long p_pivot_root(void) { return r_ok(syscall(SYS_pivot_root, "/sectest-nonexistent", "/sectest-nonexistent")); }

static long p_process_vm(void)
{
	char src[8] = "boxlab", dst[8] = "";
	struct iovec l = {dst, sizeof dst}, r = {src, sizeof src};
	return r_ok(syscall(SYS_process_vm_readv, getpid(), &l, 1, &r, 1, 0));
}

static long p_kcmp(void) { return r_ok(syscall(SYS_kcmp, getpid(), getpid(), KCMP_VM, 0, 0)); }
static long p_kexec(void) { return r_ok(syscall(SYS_kexec_load, 0, 1000, NULL, 0)); }
static long p_finit_module(void) { return r_ok(syscall(SYS_finit_module, -1, "", 0)); }
static long p_delete_module(void) { return r_ok(syscall(SYS_delete_module, "boxlab_nosuch_module", O_NONBLOCK)); }
static long p_reboot(void) { return r_ok(syscall(SYS_reboot, 0, 0, 0, NULL)); /* bad magic: EINVAL at most */ }
static long p_swapon(void) { return r_ok(syscall(SYS_swapon, "/sectest-nonexistent", 0)); }

static long p_clock_settime(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* CLOCK_MONOTONIC cannot be set: the kernel answers EINVAL once
	 * seccomp let the call through. */
	return r_ok(syscall(SYS_clock_settime, CLOCK_MONOTONIC, &ts));
}

static long p_settimeofday(void) { return r_ok(syscall(SYS_settimeofday, NULL, NULL)); /* sets nothing */ }

static long p_adjtimex(void)
{
	struct timex tx;
	memset(&tx, 0, sizeof tx); /* modes 0: a read-only query */
	return r_ok(syscall(SYS_adjtimex, &tx));
}

static long p_open_by_handle(void)
{
	struct {
		struct file_handle h;
		unsigned char b[16];
	} fh;
	memset(&fh, 0, sizeof fh);
	fh.h.handle_bytes = 8;
	fh.h.handle_type = 0x7777; /* no file system has it */
	int root = open("/", O_RDONLY | O_DIRECTORY);
	long r = r_ok(syscall(SYS_open_by_handle_at, root, &fh.h, O_RDONLY));
	close(root);
	return r;
}

static long p_name_to_handle(void)
{
	struct file_handle h = {.handle_bytes = 0};
	int mnt;
	return r_ok(syscall(SYS_name_to_handle_at, AT_FDCWD, "/", &h, &mnt, 0));
}

static long p_acct(void) { return r_ok(syscall(SYS_acct, NULL)); /* off in our own pid namespace */ }
static long p_quotactl(void) { return r_ok(syscall(SYS_quotactl, QCMD(Q_SYNC, 99), NULL, 0, NULL)); }
static long p_lookup_dcookie(void) { return r_ok(syscall(SYS_lookup_dcookie, 0, NULL, 0)); }
static long p_iopl(void) { return r_ok(syscall(SYS_iopl, 0)); }
static long p_ioperm(void) { return r_ok(syscall(SYS_ioperm, 0, 0, 0)); }
static long p_syslog(void) { return r_ok(syscall(SYS_syslog, 10 /* SIZE_BUFFER */, NULL, 0)); }

static long p_io_uring(void)
{
	unsigned char params[120];
	memset(params, 0, sizeof params);
	long fd = syscall(SYS_io_uring_setup, 1, params);
	if (fd >= 0)
		close((int)fd);
	return r_ok(fd);
}

static long p_raw_socket(void)
{
	int s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (s >= 0)
		close(s);
	return r_ok(s);
}

static long p_mknod(void)
{
	long r = r_ok(mknod("/tmp/sectest-null", S_IFCHR | 0600, makedev(1, 3)));
	unlink("/tmp/sectest-null");
	return r;
}

static long p_getpid(void) { return r_ok(syscall(SYS_getpid)); }

static const struct {
	const char *name;
	long (*fn)(void);
} probes[] = {
	{"keyctl", p_keyctl}, {"add_key", p_add_key}, {"bpf", p_bpf}, {"ptrace", p_ptrace},
	{"perf_event_open", p_perf}, {"userfaultfd", p_userfaultfd}, {"tiocsti", p_tiocsti},
	{"tiocsti_hi", p_tiocsti_hi}, {"personality", p_personality}, {"personality_query", p_personality_query},
	{"clone_ns", p_clone_ns}, {"clone_plain", p_clone_plain}, {"clone3", p_clone3}, {"unshare", p_unshare},
	{"setns", p_setns}, {"mount", p_mount}, {"umount2", p_umount2}, {"pivot_root", p_pivot_root},
	{"process_vm_readv", p_process_vm}, {"kcmp", p_kcmp}, {"kexec_load", p_kexec},
	{"finit_module", p_finit_module}, {"delete_module", p_delete_module}, {"reboot", p_reboot},
	{"swapon", p_swapon}, {"clock_settime", p_clock_settime}, {"settimeofday", p_settimeofday},
	{"adjtimex", p_adjtimex}, {"open_by_handle_at", p_open_by_handle}, {"name_to_handle_at", p_name_to_handle},
	{"acct", p_acct}, {"quotactl", p_quotactl}, {"lookup_dcookie", p_lookup_dcookie}, {"iopl", p_iopl},
	{"ioperm", p_ioperm}, {"syslog", p_syslog}, {"io_uring_setup", p_io_uring}, {"raw_socket", p_raw_socket},
	{"mknod", p_mknod}, {"getpid", p_getpid},
};

static void run(const char *name)
{
	for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
		if (!strcmp(probes[i].name, name)) {
			errno = 0;
			long e = probes[i].fn();
			printf("%s %s\n", name, e == 0 ? "ok" : strerrorname_np((int)e) ? strerrorname_np((int)e) : "E?");
			fflush(stdout);
			return;
		}
	fprintf(stderr, "sectest: unknown probe %s\n", name);
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: sectest all | euid | bench N | PROBE...\n");
		return 2;
	}
	if (!strcmp(argv[1], "euid")) {
		printf("euid=%d uid=%d\n", (int)geteuid(), (int)getuid());
		return 0;
	}
	if (!strcmp(argv[1], "bench") && argc == 3) {
		long n = atol(argv[2]);
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (long i = 0; i < n; i++)
			syscall(SYS_getpid);
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (double)n);
		return 0;
	}
	if (!strcmp(argv[1], "all")) {
		for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
			run(probes[i].name);
		return 0;
	}
	for (int i = 1; i < argc; i++)
		run(argv[i]);
	return 0;
}
