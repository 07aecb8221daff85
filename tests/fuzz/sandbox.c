/* See fuzz.h. */
#include "fuzz.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int set_ro(const char *path, int ro)
{
	struct mount_attr a = {0};
	if (ro)
		a.attr_set = MOUNT_ATTR_RDONLY;
	else
		a.attr_clr = MOUNT_ATTR_RDONLY;
	return (int)syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &a, sizeof a);
}

const char *bx_fuzz_sandbox(int jail)
{
	static char dir[4096];
	const char *rw = getenv("BX_FUZZ_RW"); /* where libFuzzer writes its corpus and crashes */
	if (dir[0])
		return dir;
	/* As root: a mount namespace of our own, a 64 MiB tmpfs in it, gone
	 * with us.  It goes over <BX_FUZZ_RW>/sandbox when there is one, not
	 * over /tmp, which would hide a checkout that lives there (CI's may),
	 * and with it the corpus libFuzzer reads after this. */
	if (rw && strlen(rw) < sizeof dir - 16) {
		snprintf(dir, sizeof dir, "%s/sandbox/", rw);
		mkdir(dir, 0700);
	} else {
		strcpy(dir, "/tmp/");
	}
	int ok = unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
		 mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=0700") == 0;
	/* jail: everything else read-only (in our namespace only), so a
	 * writer escaping its directory fails with EROFS instead of
	 * writing on the host; the target checks for that. */
	if (ok && jail)
		ok = (!rw || mount(rw, rw, NULL, MS_BIND | MS_REC, NULL) == 0) && set_ro("/", 1) == 0 &&
		     set_ro(dir, 0) == 0 && (!rw || set_ro(rw, 0) == 0);
	if (!ok) {
		if (jail) {
			perror("fuzz: this target writes files: it runs only as root, in a read-only mount namespace");
			exit(77);
		}
		strcpy(dir, "/tmp/bxfuzz.XXXXXX");
		if (!mkdtemp(dir)) {
			perror("fuzz: mkdtemp");
			exit(1);
		}
		strcat(dir, "/");
		fprintf(stderr, "fuzz: no private tmpfs (not root?): working in %s\n", dir);
	}
	if (chdir(dir) < 0) {
		perror("fuzz: chdir");
		exit(1);
	}
	return dir;
}

int bx_fuzz_names_host_file(const char *s)
{
	static const char *const bad[] = {"dev", "proc", "sys", "run", "fd", NULL};
	if (!strchr(s, '/'))
		return 0;
	for (size_t i = 0; bad[i]; i++)
		if (strstr(s, bad[i]))
			return 1;
	return 0;
}

void bx_fuzz_spec_env(void)
{
	bx_fuzz_sandbox(0);
	setenv("BOXLAB_RUN_DIR", "/nonexistent-boxlab-fuzz", 1);
	setenv("BOXLAB_LIB_DIR", "/nonexistent-boxlab-fuzz", 1);
}
