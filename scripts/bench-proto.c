/* The bare prototype of issue 3, and boxlab's default features on top of
 * it one at a time: what does each part of a container start cost when
 * nothing else is around it (no CLI, no state, no timeline, no errors
 * reported)?  make bench runs it beside the floor and boxlab itself
 * (scripts/bench.sh) and make report (scripts/report/ladder.sh).
 *
 *   bench-proto ROOTFS UID BPF RUNDIR [FEATURES]
 *
 * ROOTFS is owned by UID (the container's root), BPF a seccomp program
 * (boxlab's own, copied from a container's state dir), RUNDIR where the
 * state dir goes (a tmpfs, as boxlab's /run/boxlab).  The bare part:
 * clone with all seven namespaces, uid/gid maps (setgroups deny), three
 * v1 cgroups with limits (joined by the child writing 0 to their tasks
 * files, as boxlab does), a private bind of ROOTFS, a fresh /proc,
 * pivot_root, hostname, Docker's 14 capabilities, no_new_privs, the
 * filter, exec /bin/true; wait; remove the cgroups.  FEATURES, letters
 * in any order, add boxlab's other defaults:
 *   i  an init: the command is forked by pid 1, which waits for it
 *   c  seven cgroups, not three (cpuacct, blkio, devices with boxlab's
 *      device rules, freezer)
 *   s  a state dir in RUNDIR: five small files written, all removed after
 *   o  an overlay over ROOTFS (upper and work in the state dir), mounted
 *      on the host and unmounted after
 *   y  a read-only /sys
 *   m  Docker's masked and read-only paths over /proc and /sys
 *   d  /dev on tmpfs: six device binds, links, devpts, /dev/shm
 *   l  the loopback interface up
 * Its cgroups are boxlab/TAG-PID, TAG from $BENCH_PROTO_TAG (bench-proto).
 * Exit status: /bin/true's (0), 125 when a step fails (perror says which),
 * 2 for bad arguments. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/filter.h>
#include <linux/mount.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const controllers[] = {"memory", "cpu", "pids", "cpuacct", "blkio", "devices", "freezer"};
static bool f_init, f_cg7, f_state, f_overlay, f_sys, f_mask, f_dev, f_lo;
static unsigned ncg = 3;
static char cg[N_ELEMENTS(controllers)][128], state_dir[4096], overlay_root[4200];
static int tasks[N_ELEMENTS(controllers)];
static const char *root, *run_dir;
static int go[2];
static struct sock_filter filter[4096];
static unsigned short nfilter;
static char stack[256 * 1024] __attribute__((aligned(16)));

static pid_t parent;

/* The parent cleans up (atexit); the container process leaves that to it. */
static void die(const char *what)
{
	perror(what);
	if (getpid() == parent)
		exit(125);
	_exit(125);
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, s, strlen(s)) < 0)
		die(path);
	close(fd);
}

static void rm_rf(int dirfd, const char *name)
{
	if (unlinkat(dirfd, name, 0) == 0)
		return;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	DIR *d = fdopendir(fd);
	for (struct dirent *e; d && (e = readdir(d));)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			rm_rf(fd, e->d_name);
	if (d)
		closedir(d);
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* What the host side made, also after a failed step. */
static void cleanup(void)
{
	for (unsigned i = 0; i < ncg; i++)
		if (cg[i][0])
			rmdir(cg[i]);
	if (overlay_root[0])
		umount2(overlay_root, MNT_DETACH);
	if (state_dir[0])
		rm_rf(AT_FDCWD, state_dir);
}

static void bind_dev(const char *name)
{
	char src[32], dst[32];
	snprintf(src, sizeof src, "/dev/%s", name);
	snprintf(dst, sizeof dst, "dev/%s", name);
	int fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0 || mount(src, dst, NULL, MS_BIND, NULL) < 0)
		die(dst);
	close(fd);
}

static void setup_dev(void)
{
	static const char *const devices[] = {"null", "zero", "full", "random", "urandom", "tty"};
	static const char *const links[][2] = {{"/proc/self/fd", "dev/fd"},     {"/proc/self/fd/0", "dev/stdin"},
					       {"/proc/self/fd/1", "dev/stdout"}, {"/proc/self/fd/2", "dev/stderr"},
					       {"pts/ptmx", "dev/ptmx"}};
	mkdir("dev", 0755);
	if (mount("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") < 0)
		die("tmpfs on /dev");
	for (size_t i = 0; i < N_ELEMENTS(devices); i++)
		bind_dev(devices[i]);
	for (size_t i = 0; i < N_ELEMENTS(links); i++)
		if (symlink(links[i][0], links[i][1]) < 0)
			die(links[i][1]);
	if (mkdir("dev/pts", 0755) < 0 || mkdir("dev/shm", 01777) < 0)
		die("mkdir /dev/pts, /dev/shm");
	if (mount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0)
		die("devpts");
	if (mount("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k") < 0)
		die("/dev/shm");
}

static void mask_paths(void)
{
	static const char *const masked[] = {"proc/asound",     "proc/acpi",       "proc/kcore",
					     "proc/keys",       "proc/latency_stats", "proc/timer_list",
					     "proc/timer_stats", "proc/sched_debug", "proc/scsi",
					     "sys/firmware",    "sys/devices/virtual/powercap"};
	static const char *const readonly[] = {"proc/bus", "proc/fs", "proc/irq", "proc/sys", "proc/sysrq-trigger"};
	struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC};
	for (size_t i = 0; i < N_ELEMENTS(masked); i++) {
		struct stat st;
		if (lstat(masked[i], &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode) ? mount("tmpfs", masked[i], "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
						 "mode=0555")
					: mount("/dev/null", masked[i], NULL, MS_BIND, NULL))
			die(masked[i]);
	}
	for (size_t i = 0; i < N_ELEMENTS(readonly); i++) {
		if (access(readonly[i], F_OK) < 0)
			continue;
		if (mount(readonly[i], readonly[i], NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    syscall(SYS_mount_setattr, AT_FDCWD, readonly[i], AT_RECURSIVE | AT_SYMLINK_NOFOLLOW, &ro, sizeof ro) < 0)
			die(readonly[i]);
	}
}

static void drop_caps(void)
{
	/* Docker's default set. */
	static const int keep[] = {CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_FOWNER,      CAP_FSETID,   CAP_KILL,
				   CAP_SETGID, CAP_SETUID,       CAP_SETPCAP,     CAP_NET_BIND_SERVICE, CAP_NET_RAW,
				   CAP_SYS_CHROOT, CAP_MKNOD,    CAP_AUDIT_WRITE, CAP_SETFCAP};
	unsigned long long set = 0;
	for (size_t i = 0; i < N_ELEMENTS(keep); i++)
		set |= 1ULL << keep[i];
	for (int cap = 0; cap <= 63; cap++)
		if (!(set >> cap & 1) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			break; /* past the kernel's last capability */
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {
		{(unsigned)set, (unsigned)set, (unsigned)set},
		{(unsigned)(set >> 32), (unsigned)(set >> 32), (unsigned)(set >> 32)},
	};
	if (syscall(SYS_capset, &h, d) < 0)
		die("capset");
}

static int child(void *arg)
{
	(void)arg;
	char c;
	close(go[1]);
	if (read(go[0], &c, 1) != 1)
		_exit(125);
	for (unsigned i = 0; i < ncg; i++)
		if (write(tasks[i], "0", 1) < 0)
			die("join a cgroup");
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		die("setresuid");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("make / private");
	if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0 || chdir(root) < 0)
		die(root);
	if (mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die("/proc");
	if (f_sys && mount("sysfs", "sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die("/sys");
	if (f_mask)
		mask_paths();
	if (f_dev)
		setup_dev();
	if (syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		die("pivot_root");
	if (f_lo) {
		struct ifreq ifr = {.ifr_name = "lo"};
		int sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (sk < 0 || ioctl(sk, SIOCGIFFLAGS, &ifr) < 0)
			die("lo");
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(sk, SIOCSIFFLAGS, &ifr) < 0)
			die("lo up");
		close(sk);
	}
	if (sethostname("proto", 5) < 0)
		die("sethostname");
	drop_caps();
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("no_new_privs");
	struct sock_fprog prog = {.len = nfilter, .filter = filter};
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		die("seccomp");
	char *argv[] = {"/bin/true", NULL}, *envp[] = {"PATH=/bin:/usr/bin", NULL};
	if (f_init) {
		pid_t pid = fork();
		if (pid == 0) {
			execve(argv[0], argv, envp);
			_exit(127);
		}
		int status;
		if (pid < 0 || waitpid(pid, &status, 0) < 0)
			die("init");
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	execve(argv[0], argv, envp);
	die("exec /bin/true");
	return 0;
}

static void make_state(void)
{
	static const char *const files[] = {"supervisor", "state.json", "config.ini", "events.log", "stdout.log"};
	static const char text[512] = "boxlab writes about this much into each";
	char path[4200];
	snprintf(state_dir, sizeof state_dir, "%s/proto.%d", run_dir, getpid());
	if (mkdir(state_dir, 0711) < 0)
		die(state_dir);
	for (size_t i = 0; f_state && i < N_ELEMENTS(files); i++) {
		snprintf(path, sizeof path, "%s/%s", state_dir, files[i]);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, text, sizeof text) < 0)
			die(path);
		close(fd);
	}
}

static void make_overlay(uid_t uid)
{
	char upper[4200], work[4200], opts[16384];
	snprintf(upper, sizeof upper, "%s/upper", state_dir);
	snprintf(work, sizeof work, "%s/work", state_dir);
	snprintf(overlay_root, sizeof overlay_root, "%s/rootfs", state_dir);
	if (mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0 || mkdir(overlay_root, 0755) < 0 ||
	    chown(upper, uid, uid) < 0)
		die("overlay dirs");
	snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=%s,workdir=%s,volatile", root, upper, work);
	if (mount("overlay", overlay_root, "overlay", 0, opts) < 0) {
		overlay_root[0] = '\0';
		die("overlay");
	}
	root = overlay_root;
}

static void make_cgroups(const char *tag)
{
	static const char *const rules[] = {"c *:* m",   "b *:* m",   "c 1:3 rwm", "c 1:5 rwm",   "c 1:7 rwm",
					    "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm",   "c 5:2 rwm",
					    "c 136:* rwm", "c 10:200 rwm"};
	char path[192];
	for (unsigned i = 0; i < ncg; i++) {
		snprintf(cg[i], sizeof cg[i], "/sys/fs/cgroup/%.8s/boxlab/%.40s-%d", controllers[i], tag, getpid());
		if (mkdir(cg[i], 0755) < 0) {
			cg[i][0] = '\0';
			die("mkdir cgroup");
		}
		snprintf(path, sizeof path, "%s/tasks", cg[i]);
		if ((tasks[i] = open(path, O_WRONLY | O_CLOEXEC)) < 0)
			die(path);
	}
	snprintf(path, sizeof path, "%s/memory.limit_in_bytes", cg[0]);
	write_file(path, "268435456");
	snprintf(path, sizeof path, "%s/cpu.cfs_quota_us", cg[1]);
	write_file(path, "100000");
	snprintf(path, sizeof path, "%s/pids.max", cg[2]);
	write_file(path, "1024");
	if (ncg > 5) {
		snprintf(path, sizeof path, "%s/devices.deny", cg[5]);
		write_file(path, "a");
		snprintf(path, sizeof path, "%s/devices.allow", cg[5]);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		for (size_t i = 0; fd >= 0 && i < N_ELEMENTS(rules); i++)
			if (write(fd, rules[i], strlen(rules[i])) < 0)
				die(path);
		if (fd < 0)
			die(path);
		close(fd);
	}
}

static void map_ids(pid_t pid, uid_t uid)
{
	char path[64], map[64];
	snprintf(map, sizeof map, "0 %u 65536", (unsigned)uid);
	snprintf(path, sizeof path, "/proc/%d/uid_map", pid);
	write_file(path, map);
	snprintf(path, sizeof path, "/proc/%d/setgroups", pid);
	write_file(path, "deny");
	snprintf(path, sizeof path, "/proc/%d/gid_map", pid);
	write_file(path, map);
}

int main(int argc, char **argv)
{
	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: bench-proto ROOTFS UID BPF RUNDIR [FEATURES: any of i c s o y m d l]\n");
		return 2;
	}
	parent = getpid();
	root = argv[1];
	uid_t uid = (uid_t)strtoul(argv[2], NULL, 10);
	run_dir = argv[4];
	const char *features = argc > 5 ? argv[5] : "";
	if (strspn(features, "icsoymdl") != strlen(features)) {
		fprintf(stderr, "bench-proto: unknown feature in '%s' (allowed: i c s o y m d l)\n", features);
		return 2;
	}
	f_init = strchr(features, 'i');
	f_cg7 = strchr(features, 'c');
	f_state = strchr(features, 's');
	f_overlay = strchr(features, 'o');
	f_sys = strchr(features, 'y');
	f_mask = strchr(features, 'm');
	f_dev = strchr(features, 'd');
	f_lo = strchr(features, 'l');
	int fd = open(argv[3], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(argv[3]);
	ssize_t len = read(fd, filter, sizeof filter);
	close(fd);
	if (len <= 0 || len % sizeof *filter) {
		fprintf(stderr, "bench-proto: %s is no seccomp program (%zd bytes; BPF instructions are 8 each)\n",
			argv[3], len);
		return 2;
	}
	nfilter = (unsigned short)(len / sizeof *filter);
	ncg = f_cg7 ? N_ELEMENTS(controllers) : 3;
	atexit(cleanup);

	if (f_state || f_overlay)
		make_state();
	if (f_overlay)
		make_overlay(uid);
	/* The cgroups are boxlab/TAG-PID: a script finds what a killed run left. */
	const char *tag = getenv("BENCH_PROTO_TAG");
	if (!tag || !*tag || strchr(tag, '/') || strlen(tag) > 40)
		tag = "bench-proto";
	make_cgroups(tag);
	if (pipe2(go, O_CLOEXEC) < 0)
		die("pipe");
	pid_t pid = clone(child, stack + sizeof stack,
			  CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
				  CLONE_NEWCGROUP | SIGCHLD,
			  NULL);
	if (pid < 0)
		die("clone");
	close(go[0]);
	map_ids(pid, uid);
	if (write(go[1], "g", 1) != 1)
		die("start the child");
	close(go[1]);
	int status;
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	for (unsigned i = 0; i < ncg; i++)
		close(tasks[i]);
	exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}
