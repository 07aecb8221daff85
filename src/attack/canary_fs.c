/* Attacks on the host's files and disks: chroot escape, the block device
 * read and the device node, the cgroup v1 release_agent, and the runtime
 * binary overwrite.  Their canaries are files under the run's own dir
 * ($BOXLAB_LIB_DIR/attacks/<nonce>, on the host's root disk). */
#include "attack/attack.h"
#include "core/proc.h"
#include "core/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- chroot-escape: a world-readable host file outside the root ---- */

static int chroot_plant(struct bx_atk_run *r, bx_err_t *err)
{
	if (bx_atk_canary_file(r, "canary", 0644, err) < 0)
		return -1;
	strv_push(&r->args, r->path);
	return 0;
}

static void chroot_judge(struct bx_atk_run *r)
{
	cleanup_free char *what = xasprintf("the host file %s", r->path);
	bx_atk_judge_secret(r, what);
}

const struct bx_attack bx_attack_chroot = {
	.name = "chroot-escape",
	.summary = "chroot into a subdirectory, fchdir back out, walk up with .., chroot there",
	.mirrors = "the classic chroot break-out (chroot(2) NOTES); why pivot_root in a mount namespace",
	.canary = "a host file (0644) with a fresh secret, outside the container's root",
	.blocked_by = "mnt rootfs",
	.plant = chroot_plant,
	.judge = chroot_judge,
};

/* ---- the host's disk: mount it, or read it raw ---- */

struct mnt_of {
	unsigned maj, min;
	char fstype[64];
	char *rel; /* the path inside that file system */
};

/* Which block device holds path, and where it is mounted. */
static int mount_of(const char *path, struct mnt_of *out, bx_err_t *err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return bx_make_error(err, errno, "cannot stat %s", path);
	out->maj = major(st.st_dev);
	out->min = minor(st.st_dev);
	cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	size_t best = 0;
	while (f && fgets(line, sizeof line, f)) {
		unsigned ma, mi;
		char root[1024], mp[1024], fstype[64];
		char *sep = strstr(line, " - ");
		if (!sep || sscanf(line, "%*s %*s %u:%u %1023s %1023s", &ma, &mi, root, mp) != 4 ||
		    sscanf(sep + 3, "%63s", fstype) != 1)
			continue;
		size_t l = strlen(mp);
		if (ma != out->maj || mi != out->min || strcmp(root, "/") || l < best)
			continue;
		if (strncmp(path, mp, l) || (path[l] != '/' && strcmp(mp, "/")))
			continue;
		best = l;
		snprintf(out->fstype, sizeof out->fstype, "%s", fstype);
		free(out->rel);
		out->rel = xstrdup(path + l + (path[l] == '/'));
	}
	if (!best)
		return bx_make_error(err, 0, "cannot find the mount of %s in /proc/self/mountinfo", path);
	return 0;
}

static bool disk_available(char *why, size_t len)
{
	struct stat st;
	cleanup_free char *dir = xasprintf("%s", bx_lib_dir());
	if (stat(dir, &st) < 0 || major(st.st_dev) == 0) {
		snprintf(why, len, "boxlab's state dir %s is not on a block device", dir);
		return false;
	}
	return true;
}

/* Raw reads need the host to allow opening its disk at all: some
 * (sandboxed VMs) refuse even host root. */
static bool raw_available(char *why, size_t len)
{
	struct stat st;
	if (!disk_available(why, len) || stat(bx_lib_dir(), &st) < 0)
		return false;
	/* A node of our own (no /dev/block everywhere), opened read-only. */
	cleanup_free char *node = xasprintf("%s/attacks/.disk-probe-%d", bx_lib_dir(), (int)getpid());
	bx_err_t e = NULL;
	cleanup_free char *base = xasprintf("%s/attacks", bx_lib_dir());
	bx_mkdir_p(base, 0711, &e);
	bx_error_release(&e);
	unlink(node);
	if (mknod(node, S_IFBLK | 0600, st.st_dev) < 0) {
		snprintf(why, len, "cannot make a node for the host's disk %u:%u (%s)", major(st.st_dev),
			 minor(st.st_dev), strerror(errno));
		return false;
	}
	int fd = open(node, O_RDONLY | O_CLOEXEC);
	int err = errno;
	unlink(node);
	if (fd < 0) {
		snprintf(why, len, "this host refuses to open its own disk %u:%u even to host root (%s)",
			 major(st.st_dev), minor(st.st_dev), strerror(err));
		return false;
	}
	close(fd);
	return true;
}

static int blockdev_plant(struct bx_atk_run *r, bx_err_t *err)
{
	struct mnt_of m = {0};
	if (bx_atk_canary_file(r, "canary", 0600, err) < 0 || mount_of(r->path, &m, err) < 0) {
		free(m.rel);
		return -1;
	}
	strv_pushf(&r->args, "%u", m.maj);
	strv_pushf(&r->args, "%u", m.min);
	strv_push(&r->args, m.fstype);
	strv_push(&r->args, m.rel);
	free(m.rel);
	return 0;
}

static void disk_judge(struct bx_atk_run *r)
{
	cleanup_free char *what = xasprintf("the host file %s (0600 root)", r->path);
	bx_atk_judge_secret(r, what);
}

/* A mount the attack left in the host's mount table (mount namespace
 * off): take it down, or say loudly that we could not. */
static int umount_leftovers(struct bx_atk_run *r, const char *prefix, bx_err_t *err)
{
	cleanup_free char *needle = xasprintf("/%s%s", prefix, r->nonce);
	for (int pass = 0; pass < 2; pass++) {
		cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
		char line[4096], mp[1024];
		bool found = false;
		while (f && fgets(line, sizeof line, f))
			if (sscanf(line, "%*s %*s %*s %*s %1023s", mp) == 1 && strstr(mp, needle)) {
				found = true;
				if (pass)
					return bx_make_error(err, 0, "the attack's mount %s is still on the host", mp);
				umount2(mp, MNT_DETACH);
			}
		if (!found)
			break;
	}
	return 0;
}

static int blockdev_cleanup(struct bx_atk_run *r, bx_err_t *err)
{
	return umount_leftovers(r, "bxa-mnt-", err);
}

const struct bx_attack bx_attack_blockdev = {
	.name = "blockdev-read",
	.summary = "make a node for the host's disk, mount it, read a host file through it",
	.mirrors = "privileged containers (docker run --privileged; mount /dev/sda1 /mnt), e.g. the 2019 Kubernetes escapes",
	.canary = "a host file (0600 root) with a fresh secret on the host's root disk",
	.blocked_by = "",
	.available = disk_available,
	.plant = blockdev_plant,
	.judge = disk_judge,
	.cleanup = blockdev_cleanup,
};

static int mknod_plant(struct bx_atk_run *r, bx_err_t *err)
{
	struct mnt_of m = {0};
	if (bx_atk_canary_file(r, "canary", 0600, err) < 0 || mount_of(r->path, &m, err) < 0) {
		free(m.rel);
		return -1;
	}
	free(m.rel);
	/* Where the file's bytes are on the disk (FIEMAP, synced first). */
	cleanup_close int fd = open(r->path, O_RDONLY | O_CLOEXEC);
	/* Room for one extent after the header (a struct with fiemap
	 * inside is a GNU extension clang refuses). */
	cleanup_free struct fiemap *fm = xzalloc(sizeof *fm + sizeof(struct fiemap_extent));
	fm->fm_length = ~0ULL;
	fm->fm_flags = FIEMAP_FLAG_SYNC;
	fm->fm_extent_count = 1;
	if (fd < 0 || ioctl(fd, FS_IOC_FIEMAP, fm) < 0)
		return bx_make_error(err, errno, "cannot map %s to disk blocks (FIEMAP)", r->path);
	const struct fiemap_extent *ext = &fm->fm_extents[0];
	if (fm->fm_mapped_extents < 1 ||
	    (ext->fe_flags & (FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC | FIEMAP_EXTENT_ENCODED |
			      FIEMAP_EXTENT_DATA_INLINE | FIEMAP_EXTENT_NOT_ALIGNED | FIEMAP_EXTENT_DATA_ENCRYPTED)))
		return bx_make_error(err, 0, "%s has no plain extent on the disk (flags 0x%x)", r->path,
				     fm->fm_mapped_extents ? ext->fe_flags : 0);
	strv_pushf(&r->args, "%u", m.maj);
	strv_pushf(&r->args, "%u", m.min);
	strv_pushf(&r->args, "%llu", (unsigned long long)ext->fe_physical);
	strv_pushf(&r->args, "%zu", strlen(r->secret));
	return 0;
}

const struct bx_attack bx_attack_mknod = {
	.name = "mknod-disk",
	.summary = "mknod the host's disk and read a host file's blocks raw (O_DIRECT)",
	.mirrors = "CAP_MKNOD + an open devices cgroup: raw disk reads below every file permission",
	.canary = "a host file (0600 root) with a fresh secret; the host tells only its disk offset",
	.blocked_by = "",
	.available = raw_available,
	.plant = mknod_plant,
	.judge = disk_judge,
};

/* ---- cgroup v1 release_agent (CVE-2022-0492 style) ---- */

static int agent_plant(struct bx_atk_run *r, bx_err_t *err)
{
	if (bx_atk_canary_file(r, "secret", 0600, err) < 0)
		return -1;
	cleanup_free char *proof = xasprintf("%s/proof", r->dir);
	if (mkdir(proof, 0700) < 0)
		return bx_make_error(err, errno, "cannot create %s", proof);
	strv_push(&r->args, r->path);
	free(r->path);
	r->path = xasprintf("%s/out", proof);
	strv_push(&r->args, r->path);
	return 0;
}

static void agent_judge(struct bx_atk_run *r)
{
	/* The kernel runs the agent asynchronously: give it a second when
	 * the attack says it emptied the cgroup (a claim can make the host
	 * look less long, never make it see an escape). */
	bool claimed = r->claim && !strncmp(r->claim, "ESCAPED", 7);
	uint64_t until = bx_now_us() + (claimed ? 1000000 : 0);
	do {
		cleanup_free char *got = bx_atk_slurp(r->path, NULL);
		if (got && strstr(got, r->secret)) {
			bx_atk_verdict(r, BX_ESCAPED, "the host ran the container's release_agent as root: it copied the "
				       "0600 secret into %s", r->path);
			return;
		}
		usleep(20000);
	} while (bx_now_us() < until);
	bx_atk_verdict(r, BX_BLOCKED, "no release_agent ran on the host: %s never appeared", r->path);
}

/* The hierarchy the attack made, if it is still alive: every process
 * lists every v1 hierarchy in /proc/self/cgroup. */
static bool hierarchy_alive(const char *name)
{
	cleanup_free char *cg = bx_atk_slurp("/proc/self/cgroup", NULL);
	return cg && strstr(cg, name);
}

static int agent_cleanup(struct bx_atk_run *r, bx_err_t *err)
{
	cleanup_free char *name = xasprintf("name=bxa%s:", r->nonce);
	if (umount_leftovers(r, "bxa-cg-", err) < 0)
		return -1;
	if (!hierarchy_alive(name))
		return 0;
	/* A v1 hierarchy dies at its last unmount only when it has no child
	 * cgroup left, and a removed child is freed asynchronously: mount it
	 * again by its name, remove the child, unmount, until it is gone. */
	cleanup_free char *mp = xasprintf("%s/cgfix", r->dir);
	cleanup_free char *opts = xasprintf("none,name=bxa%s", r->nonce);
	cleanup_free char *child = xasprintf("%s/x", mp);
	mkdir(mp, 0700);
	for (int i = 0; i < 20 && hierarchy_alive(name); i++) {
		if (mount("cgroup", mp, "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) == 0) {
			rmdir(child);
			usleep(100000);
			umount2(mp, 0);
		}
		usleep(50000);
	}
	rmdir(mp);
	if (hierarchy_alive(name))
		return bx_make_error(err, 0, "the attack's cgroup hierarchy %.*s is still on the host", (int)strlen(name) - 1,
				     name);
	return 0;
}

const struct bx_attack bx_attack_release_agent = {
	.name = "cgroup-release-agent",
	.summary = "mount a new cgroup v1 hierarchy, point release_agent at a script, empty a cgroup",
	.mirrors = "CVE-2022-0492 (cgroup v1 release_agent without a capability check), and the 2019 "
		   "--privileged escape by Felix Wilhelm",
	.canary = "a 0600 secret the script must copy into a 0700 host dir; the hierarchy is the attack's own",
	.blocked_by = "",
	.plant = agent_plant,
	.judge = agent_judge,
	.cleanup = agent_cleanup,
};

/* ---- /proc/self/exe overwrite (CVE-2019-5736 style) ---- */

static int copy_file(const char *src, const char *dst, bx_err_t *err)
{
	cleanup_close int in = open(src, O_RDONLY | O_CLOEXEC);
	cleanup_close int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	struct stat st;
	if (in < 0 || out < 0 || fstat(in, &st) < 0)
		return bx_make_error(err, errno, "cannot copy %s to %s", src, dst);
	for (off_t off = 0; off < st.st_size;)
		if (sendfile(out, in, &off, st.st_size - off) <= 0)
			return bx_make_error(err, errno, "cannot copy %s to %s", src, dst);
	fchmod(out, 0755);
	return 0;
}

static int exe_plant(struct bx_atk_run *r, bx_err_t *err)
{
	cleanup_free char *copy = xasprintf("bxrt%s", r->nonce);
	free(r->path);
	r->path = xasprintf("%s/%s", r->dir, copy);
	if (copy_file("/proc/self/exe", r->path, err) < 0)
		return -1;
	strv_push(&r->args, copy);
	return 0;
}

static void exe_ready(struct bx_atk_run *r, const char *line)
{
	if (!strncmp(line, "READY ", 6)) {
		free(r->seen_what);
		r->seen_what = xstrdup(line + 6); /* the trigger, as the container sees it */
		r->next_us = bx_now_us();
	} else if (!strncmp(line, "GOT", 3)) {
		r->got = true;
	}
}

/* An admin's `boxlab exec` into the container, with the copy: what the
 * attack waits for.  The runtime is inside only for a moment each time,
 * which a loaded machine may not schedule the attack in: exec again,
 * one at a time (a copy still running would keep the binary busy), until
 * the attack holds it or EXE_TRIES (attacks/exe-overwrite.c waits for as
 * many). */
#define EXE_TRIES 12
static void exe_tick(struct bx_atk_run *r, uint64_t now)
{
	pid_t *h = &r->helpers[0];
	if (*h > 0 && waitpid(*h, NULL, WNOHANG) == *h) {
		*h = 0;
		r->next_us = now + 250000;
	}
	if (*h > 0 || !r->next_us || now < r->next_us || r->got || r->tries >= EXE_TRIES)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execl(r->path, r->path, "exec", r->name, r->seen_what, (char *)NULL);
		_exit(127);
	}
	if (pid > 0) {
		*h = pid;
		r->nhelpers = 1;
		r->tries++;
	}
}

static void exe_judge(struct bx_atk_run *r)
{
	size_t len = 0;
	cleanup_free char *bin = bx_atk_slurp(r->path, &len);
	cleanup_free char *mark = xasprintf("BXA-EXE-%s", r->nonce);
	if (bin && len > 64 && memmem(bin + len - 64, 64, mark, strlen(mark)))
		bx_atk_verdict(r, BX_ESCAPED, "the runtime binary (the copy %s) was modified from inside: it ends with "
			       "the container's marker (after %d `boxlab exec` of %d)", r->path, r->tries, EXE_TRIES);
	else if (bin)
		bx_atk_verdict(r, BX_BLOCKED, "the runtime binary (the copy %s) is unchanged (after %d `boxlab exec` of %d)",
			       r->path, r->tries, EXE_TRIES);
	else
		bx_atk_verdict(r, BX_BLOCKED, "the runtime copy %s is unreadable", r->path);
}

static int exe_cleanup(struct bx_atk_run *r, bx_err_t *err)
{
	(void)err;
	for (int i = 0; i < r->nhelpers; i++)
		if (r->helpers[i] > 0) {
			kill(r->helpers[i], SIGKILL);
			waitpid(r->helpers[i], NULL, 0);
			r->helpers[i] = 0;
		}
	return 0;
}

const struct bx_attack bx_attack_exe = {
	.name = "exe-overwrite",
	.summary = "grab the runtime's binary through /proc/PID/exe while it execs into the container, rewrite it",
	.mirrors = "CVE-2019-5736 (runc /proc/self/exe overwrite)",
	.canary = "a copy of the boxlab binary under the run's dir, used only for the `exec` the attack waits for",
	.blocked_by = "user",
	.plant = exe_plant,
	.ready = exe_ready,
	.tick = exe_tick,
	.judge = exe_judge,
	.cleanup = exe_cleanup,
};
