/* checkpoint: save a running container's whole process tree to disk and
 * bring it back later, here or on another boxlab host, with CRIU
 * (Checkpoint/Restore In Userspace, criu.org).  CRIU freezes the tree
 * (through the freezer cgroup when the container has one, else ptrace),
 * injects a parasite into every task to read its memory, files, sockets,
 * signals and namespaces out, and writes them as images; restore forks a
 * tree with the same pids in new namespaces and rebuilds each task.
 *
 * What boxlab adds around CRIU is knowing the container's edges, which
 * CRIU cannot guess:
 *   - the root: the overlay mount, given back as --root on restore, and
 *     its upper layer (the container's own files) saved as upper.tar
 *     while the tasks are still frozen (the post-dump notification);
 *   - mounts from the host (the /dev nodes, /etc/hosts, volumes,
 *     /dev/null over masked /proc files): external mounts, mapped to the
 *     same host paths (or the new state dir's) on restore;
 *   - descriptors on host files (stdout.log, /dev/null, the pipes of a
 *     foreground run): external files, replaced by the new container's
 *     stdout.log and /dev/null (inherit-fd) on restore;
 *   - the cgroups: boxlab/NAME in every hierarchy, which the cgroup
 *     modules create anew and CRIU restores into (--cgroup-root, soft);
 *   - the network namespace: saved empty (--empty-ns net) and plumbed
 *     again on restore by the network modules, so the container gets a
 *     fresh veth and lease on its network.
 * The module itself is a switch (--no-checkpoint refuses checkpoints of
 * a container) and, on restore, puts the saved upper layer back before
 * anything looks at the new overlay (it runs right after rootfs).
 *
 * What it cannot do: terminals (-t; the pty master is in boxlab's relay,
 * outside the tree), a container sharing another's network namespace,
 * and what CRIU itself refuses (established TCP connections, descriptors
 * on files outside the container): these fail with CRIU's reason and the
 * log's path, and the container goes on running.
 *
 * Escape demo: none (it isolates nothing).  What it teaches: everything
 * a container touches outside itself, which is exactly the list above;
 * tests/integration/checkpoint.bats has the counting-container scenarios.
 */
#include "modules/checkpoint.h"
#include "modules/module.h"
#include "core/criu.h"
#include "core/proc.h"
#include "core/state.h"
#include "core/timeline.h"
#include "util/cleanup.h"
#include "util/elf.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "util/json.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* ---- small tools shared with checkpoint_restore.c ---- */

int bx_ckpt_timeout(int given)
{
	const char *e = getenv("BOXLAB_CRIU_TIMEOUT");
	if (given > 0)
		return given;
	if (e && atoi(e) > 0)
		return atoi(e);
	return BX_CRIU_TIMEOUT_S;
}

/* Run a host tool (tar) with a time limit; its last stderr line goes
 * into the error. */
int bx_ckpt_run_tool(char *const argv[], int timeout_s, bx_err_t *err)
{
	int p[2];
	posix_spawn_file_actions_t fa;
	pid_t pid;
	char out[2048];
	size_t n = 0;
	int status = 0;

	if (pipe2(p, O_CLOEXEC) < 0)
		return bx_make_error(err, errno, "cannot create a pipe for %s", argv[0]);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	int r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (r != 0) {
		close(p[0]);
		return bx_make_error(err, r, "cannot run %s", argv[0]);
	}
	uint64_t deadline = bx_now_us() + (uint64_t)timeout_s * 1000000;
	for (;;) {
		struct pollfd pf = {.fd = p[0], .events = POLLIN};
		uint64_t now = bx_now_us();
		int left = now < deadline ? (int)((deadline - now) / 1000) + 1 : 0;
		int k = poll(&pf, 1, left);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			close(p[0]);
			return bx_make_error(err, ETIMEDOUT, "%s did not finish within %d s", argv[0], timeout_s);
		}
		ssize_t got = read(p[0], out + n, sizeof out - 1 - n);
		if (got <= 0)
			break;
		n += (size_t)got;
		if (n == sizeof out - 1) /* keep the tail */
			n = 0;
	}
	close(p[0]);
	out[n] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	while (n && out[n - 1] == '\n')
		out[--n] = '\0';
	char *last = strrchr(out, '\n');
	return bx_make_error(err, 0, "%s failed: %s", argv[0], last ? last + 1 : *out ? out : "no message");
}

static uint64_t du_total;

static int du_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (flag == FTW_F)
		du_total += (uint64_t)st->st_size;
	return 0;
}

uint64_t bx_ckpt_du(const char *dir)
{
	du_total = 0;
	nftw(dir, du_one, 16, FTW_PHYS);
	return du_total;
}

char *bx_ckpt_log_error(const char *log)
{
	cleanup_file FILE *f = fopen(log, "re");
	char line[1024];
	char *last = NULL;
	while (f && fgets(line, sizeof line, f)) {
		if (last || !strstr(line, "Error (") || strstr(line, "RLIMIT_NOFILE"))
			continue;
		line[strcspn(line, "\n")] = '\0';
		/* "(00.123) Error (criu/x.c:12): what" -> "what" */
		char *what = strstr(line, "): ");
		last = xstrdup(what ? what + 3 : line);
	}
	return last;
}

char *bx_checkpoint_dir(const char *name)
{
	if (name)
		return xasprintf("%s/checkpoints/%s", bx_lib_dir(), name);
	return xasprintf("%s/checkpoints", bx_lib_dir());
}

void *bx_checkpoint_info(const char *name)
{
	cleanup_free char *dir = bx_checkpoint_dir(name);
	cleanup_free char *path = xasprintf("%s/checkpoint.json", dir);
	json_t *meta = bx_json_load(path, NULL);
	if (!meta)
		return NULL;
	json_t *o = json_object();
	json_object_set(o, "time", json_object_get(meta, "time"));
	json_object_set(o, "size", json_object_get(meta, "size"));
	json_object_set(o, "dump_ms", json_object_get(meta, "dump_ms"));
	json_object_set(o, "criu", json_object_get(meta, "criu"));
	json_object_set_new(o, "dir", json_string(dir));
	json_decref(meta);
	return o;
}

void bx_checkpoint_result_free(struct bx_checkpoint_result *r)
{
	free(r->dir);
	memset(r, 0, sizeof *r);
}

/* ---- the module ---- */

static void probe(struct bx_probe *out)
{
	struct bx_criu_info ci;
	bx_criu_find(&ci);
	out->ok = ci.works;
	if (ci.bin)
		snprintf(out->why, sizeof out->why, "CRIU %s (%s): %s", ci.name, ci.bin, ci.verdict);
	else
		snprintf(out->why, sizeof out->why, "%s", ci.verdict);
	bx_criu_info_free(&ci);
}

/* On restore (checkpoint_restore.c leaves the saved upper layer's path
 * in the box): fill the fresh upper dir before anything has looked at
 * the new overlay, so overlayfs sees the files as if they had always
 * been there.  Nothing between rootfs's mount and here opens a path in
 * the merged view. */
static int prepare(struct bx_box *box, bx_err_t *err)
{
	const char *tar = box->priv[bx_module_index("checkpoint")];
	if (!tar || !box->rootfs)
		return 0;
	uint64_t t = bx_now_us();
	cleanup_free char *upper = bx_state_path(box->name, "upper");
	char *argv[] = {"tar", "--xattrs", "--xattrs-include=trusted.*", "--numeric-owner", "-xpf", (char *)tar,
			"-C", upper, NULL};
	if (bx_ckpt_run_tool(argv, bx_ckpt_timeout(0), err) < 0)
		return bx_error_wrap(err, "checkpoint: cannot unpack the saved files into %s", upper);
	bx_tl_event(box->tl, "checkpoint", "files", t, "the container's files put back into %s", upper);
	return 0;
}

/* A credential change (the user namespace's setresuid, -u) makes a
 * process non-dumpable, and boxlab's init never execs, which would make
 * it dumpable again.  CRIU checks from inside the container's user
 * namespace that it may open the init's namespaces, which a
 * non-dumpable task refuses (ptrace access mode, see proc(5)).  Every
 * exec'd process is dumpable anyway; so is init, with this module on. */
static int child_finish(struct bx_box *box, bx_err_t *err)
{
	(void)box;
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return bx_make_error(err, errno, "checkpoint: cannot make init dumpable");
	return 0;
}

const struct bx_module bx_module_checkpoint = {
	.name = "checkpoint",
	.summary = "checkpoint/restore with CRIU: save the running container, bring it back later",
	.blocks = "nothing: it makes a container movable (and shows what a container's edges are)",
	.kind = BX_KIND_OTHER,
	.default_on = true,
	.probe = probe,
	.prepare = prepare,
	.child_finish = child_finish,
};

/* ---- what the container holds that is not in the container ---- */

struct mnt {
	int id;
	unsigned major, minor;
	char *root, *target, *fstype;
};

static void mnts_free(struct mnt *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].root);
		free(m[i].target);
		free(m[i].fstype);
	}
	free(m);
}

/* mountinfo's paths escape space, tab, newline and backslash as \ooo. */
static char *unescape(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;
	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] && s[3]) {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

static int read_mounts(pid_t pid, struct mnt **out, size_t *n, bx_err_t *err)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	snprintf(path, sizeof path, "/proc/%d/mountinfo", pid);
	FILE *f = fopen(path, "re");
	*out = NULL;
	*n = 0;
	if (!f)
		return bx_make_error(err, errno, "cannot read %s", path);
	while (getline(&line, &cap, f) > 0) {
		struct mnt m = {0};
		char root[PATH_MAX], target[PATH_MAX], fstype[64];
		const char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%d %*d %u:%u %4095s %4095s", &m.id, &m.major, &m.minor, root, target) != 5 ||
		    sscanf(dash + 3, "%63s", fstype) != 1)
			continue;
		m.root = unescape(root);
		m.target = unescape(target);
		m.fstype = xstrdup(fstype);
		*out = xrealloc(*out, (*n + 1) * sizeof **out);
		(*out)[(*n)++] = m;
	}
	free(line);
	fclose(f);
	return 0;
}

static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (!strcmp(dir, "/"))
		return path[0] == '/';
	return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

/* File systems CRIU makes anew (or saves whole, tmpfs) when mounted at
 * their root: no host path needed. */
static bool pseudo_fs(const char *t)
{
	static const char *const fs[] = {"proc", "sysfs", "tmpfs", "devpts", "mqueue", "cgroup", "cgroup2",
					 "binfmt_misc", "securityfs", "debugfs", "tracefs", "bpf", "fusectl",
					 "configfs", "pstore"};
	for (size_t i = 0; i < N_ELEMENTS(fs); i++)
		if (!strcmp(t, fs[i]))
			return true;
	return false;
}

/* Mounts that came from the host: everything but the root, the pseudo
 * file systems, and binds of another mount of the container.  Each gets
 * a key for CRIU and the host path it shows. */
static int external_mounts(pid_t pid, json_t *list, char ***criu_ext, bx_err_t *err)
{
	struct mnt *in = NULL, *host = NULL;
	size_t nin = 0, nhost = 0;
	int ret = -1;
	if (read_mounts(pid, &in, &nin, err) < 0 || read_mounts(getpid(), &host, &nhost, err) < 0)
		goto out;
	for (size_t i = 0; i < nin; i++) {
		struct mnt *m = &in[i];
		bool internal = !strcmp(m->target, "/") || (pseudo_fs(m->fstype) && !strcmp(m->root, "/"));
		for (size_t j = 0; j < nin && !internal; j++)
			internal = j != i && in[j].major == m->major && in[j].minor == m->minor &&
				   strcmp(in[j].target, "/") && path_under(m->root, in[j].root) &&
				   strlen(in[j].root) < strlen(m->root);
		if (internal)
			continue;
		/* The host's mount of the same file system whose root is
		 * the closest ancestor of this one's. */
		const struct mnt *best = NULL;
		for (size_t j = 0; j < nhost; j++)
			if (host[j].major == m->major && host[j].minor == m->minor && path_under(m->root, host[j].root) &&
			    (!best || strlen(host[j].root) > strlen(best->root)))
				best = &host[j];
		if (!best) {
			bx_make_error(err, 0, "the mount on %s (%s) comes from a file system the host has not mounted: "
				      "CRIU could not mount it again", m->target, m->fstype);
			goto out;
		}
		const char *rest = m->root + (strcmp(best->root, "/") ? strlen(best->root) : 0);
		cleanup_free char *src = xasprintf("%s%s", strcmp(best->target, "/") ? best->target : "",
						   *rest ? rest : (strcmp(best->target, "/") ? "" : "/"));
		cleanup_free char *key = xasprintf("bx%zu", json_array_size(list));
		json_t *o = json_object();
		json_object_set_new(o, "key", json_string(key));
		json_object_set_new(o, "target", json_string(m->target));
		json_object_set_new(o, "source", json_string(src));
		json_array_append_new(list, o);
		cleanup_free char *spec = xasprintf("mnt[%s]:%s", m->target, key);
		strv_push(criu_ext, spec);
	}
	ret = 0;
out:
	mnts_free(in, nin);
	mnts_free(host, nhost);
	return ret;
}

/* Every task of the tree under root, root first. */
static pid_t *tree_tasks(pid_t root, size_t *n)
{
	pid_t *v = xmalloc(sizeof *v);
	size_t cap = 1;
	v[0] = root;
	*n = 1;
	for (size_t i = 0; i < *n; i++) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/task", v[i]);
		cleanup_dir DIR *d = opendir(path);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			char cpath[384];
			snprintf(cpath, sizeof cpath, "/proc/%d/task/%s/children", v[i], e->d_name);
			bx_err_t tmp = NULL;
			cleanup_free char *kids = bx_read_file(cpath, NULL, &tmp);
			bx_error_release(&tmp);
			for (char *s = kids, *end; s && *s; s = end) {
				long k = strtol(s, &end, 10);
				if (end == s)
					break;
				if (*n == cap)
					v = xrealloc(v, (cap *= 2) * sizeof *v);
				v[(*n)++] = (pid_t)k;
			}
		}
	}
	return v;
}

struct pipe_end {
	unsigned long ino;
	bool reader, writer;
};

static int fdinfo(pid_t pid, const char *fd, int *mnt_id, int *flags)
{
	char path[384], line[256];
	snprintf(path, sizeof path, "/proc/%d/fdinfo/%s", pid, fd);
	cleanup_file FILE *f = fopen(path, "re");
	*mnt_id = -1;
	*flags = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		sscanf(line, "mnt_id: %d", mnt_id);
		sscanf(line, "flags: %o", (unsigned *)flags);
	}
	return 0;
}

/* Tells two builds of boxlab apart: the linker's build ID (a few
 * hundred bytes read), or without one FNV-1a over all the file's bytes
 * (5 MB: 10 ms of every checkpoint and every restore). */
char *bx_ckpt_file_hash(const char *path)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint64_t h = 0xcbf29ce484222325ULL;
	unsigned char buf[65536];
	ssize_t n;
	if (fd < 0)
		return NULL;
	char *id = bx_elf_build_id(fd);
	if (id) {
		char *s = xasprintf("build-id:%s", id);
		free(id);
		return s;
	}
	while ((n = read(fd, buf, sizeof buf)) > 0)
		for (ssize_t i = 0; i < n; i++)
			h = (h ^ buf[i]) * 0x100000001b3ULL;
	return n < 0 ? NULL : xasprintf("%016llx", (unsigned long long)h);
}

static int fd_mnt_id(int fd)
{
	char name[32];
	int mnt_id, flags;
	snprintf(name, sizeof name, "%d", fd);
	fdinfo(getpid(), name, &mnt_id, &flags);
	return mnt_id;
}

/* Whether a file CRIU is told about as external is in the list already
 * (several processes, or several fds, may hold it). */
static bool listed(json_t *list, const char *key)
{
	size_t i;
	json_t *o;
	json_array_foreach(list, i, o)
		if (!strcmp(json_string_value(json_object_get(o, "key")), key))
			return true;
	return false;
}

/* Files mapped into the tasks from outside the container.  The only one
 * there should be is boxlab itself: init is boxlab's own code, cloned,
 * never exec'd.  Its key goes to CRIU as external, and the restore hands
 * in its own binary, which must be the same build (the hash says). */
static int external_maps(const pid_t *tasks, size_t ntasks, const struct mnt *in, size_t nin, json_t *meta,
			 json_t *list, char ***criu_ext, bx_err_t *err)
{
	char path[384];
	struct stat exe;
	snprintf(path, sizeof path, "/proc/%d/exe", tasks[0]);
	if (stat(path, &exe) < 0)
		return bx_make_error(err, errno, "cannot stat %s", path);
	for (size_t t = 0; t < ntasks; t++) {
		char dpath[64];
		snprintf(dpath, sizeof dpath, "/proc/%d/map_files", tasks[t]);
		cleanup_dir DIR *d = opendir(dpath);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			struct stat st;
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s", dpath, e->d_name);
			cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || fstat(fd, &st) < 0)
				continue;
			int mnt_id = fd_mnt_id(fd);
			bool inside = false;
			for (size_t i = 0; i < nin && !inside; i++)
				inside = in[i].id == mnt_id;
			if (inside)
				continue;
			char target[PATH_MAX];
			ssize_t tl = readlink(path, target, sizeof target - 1);
			target[tl > 0 ? tl : 0] = '\0';
			if (st.st_dev != exe.st_dev || st.st_ino != exe.st_ino)
				return bx_make_error(err, 0, "process %d of the container maps %s, a file outside the "
						     "container: CRIU cannot restore that", tasks[t], target);
			cleanup_free char *key = xasprintf("file[%x:%llx]", mnt_id, (unsigned long long)st.st_ino);
			if (listed(list, key))
				continue;
			char fdpath[64];
			snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
			cleanup_free char *hash = bx_ckpt_file_hash(fdpath);
			json_object_set_new(meta, "boxlab_hash", json_string(hash ? hash : ""));
			json_t *o = json_object();
			json_object_set_new(o, "key", json_string(key));
			json_object_set_new(o, "role", json_string("boxlab"));
			json_array_append_new(list, o);
			strv_push(criu_ext, key);
		}
	}
	return 0;
}

/* Descriptors on files outside the container's mounts, and pipes with
 * one end outside the tree: what must be handed back on restore. */
static int external_files(pid_t init, const char *name, json_t *meta, json_t *list, char ***criu_ext,
			  bx_err_t *err)
{
	struct mnt *in = NULL;
	size_t nin = 0, ntasks = 0, npipes = 0;
	struct pipe_end *pipes = NULL;
	struct stat logst = {0}, nullst = {0};
	int ret = -1;
	cleanup_free char *log = bx_state_path(name, "stdout.log");
	cleanup_free pid_t *tasks = tree_tasks(init, &ntasks);

	stat(log, &logst);
	stat("/dev/null", &nullst);
	if (read_mounts(init, &in, &nin, err) < 0)
		return -1;
	for (size_t t = 0; t < ntasks; t++) {
		char dpath[64];
		snprintf(dpath, sizeof dpath, "/proc/%d/fd", tasks[t]);
		cleanup_dir DIR *d = opendir(dpath);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			char path[384], target[PATH_MAX];
			struct stat st;
			int mnt_id, flags;
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s", dpath, e->d_name);
			ssize_t tl = readlink(path, target, sizeof target - 1);
			if (tl < 0 || stat(path, &st) < 0 || fdinfo(tasks[t], e->d_name, &mnt_id, &flags) < 0)
				continue; /* closed meanwhile */
			target[tl] = '\0';
			if (S_ISFIFO(st.st_mode) && !strncmp(target, "pipe:[", 6)) {
				size_t k;
				for (k = 0; k < npipes && pipes[k].ino != st.st_ino; k++)
					;
				if (k == npipes) {
					pipes = xrealloc(pipes, (npipes + 1) * sizeof *pipes);
					pipes[npipes++] = (struct pipe_end){.ino = st.st_ino};
				}
				if ((flags & O_ACCMODE) == O_RDONLY)
					pipes[k].reader = true;
				else
					pipes[k].writer = true;
				continue;
			}
			if (S_ISSOCK(st.st_mode) || target[0] != '/')
				continue; /* sockets, anon inodes: CRIU's to judge */
			bool inside = false;
			for (size_t i = 0; i < nin && !inside; i++)
				inside = in[i].id == mnt_id;
			if (inside)
				continue;
			const char *role = NULL;
			if (st.st_dev == logst.st_dev && st.st_ino == logst.st_ino)
				role = "log";
			else if (S_ISCHR(st.st_mode) && st.st_rdev == nullst.st_rdev)
				role = "null";
			if (!role) {
				bx_make_error(err, 0, "process %d of the container holds %s, a file outside the container: "
					      "CRIU cannot restore that", tasks[t], target);
				goto out;
			}
			cleanup_free char *key = xasprintf("file[%x:%llx]", mnt_id, (unsigned long long)st.st_ino);
			if (listed(list, key))
				continue;
			json_t *o = json_object();
			json_object_set_new(o, "key", json_string(key));
			json_object_set_new(o, "role", json_string(role));
			json_array_append_new(list, o);
			strv_push(criu_ext, key);
		}
	}
	if (external_maps(tasks, ntasks, in, nin, meta, list, criu_ext, err) < 0)
		goto out;
	/* A pipe with both ends in the tree is the container's own. */
	for (size_t k = 0; k < npipes; k++) {
		if (pipes[k].reader && pipes[k].writer)
			continue;
		cleanup_free char *key = xasprintf("pipe:[%lu]", pipes[k].ino);
		json_t *o = json_object();
		json_object_set_new(o, "key", json_string(key));
		json_object_set_new(o, "role", json_string(pipes[k].writer ? "log" : "null"));
		json_array_append_new(list, o);
	}
	ret = 0;
out:
	free(pipes);
	mnts_free(in, nin);
	return ret;
}

/* The container's cgroups: "ctrl:path" lines of /proc/PID/cgroup whose
 * path is boxlab/NAME (v2: ctrl ""), and the freezer's directory. */
static int cgroups_of(pid_t pid, const char *name, json_t *list, char **freezer, bx_err_t *err)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	cleanup_free char *want = xasprintf("/boxlab/%s", name);
	snprintf(path, sizeof path, "/proc/%d/cgroup", pid);
	FILE *f = fopen(path, "re");
	*freezer = NULL;
	if (!f)
		return bx_make_error(err, errno, "cannot read %s", path);
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		const char *ctrl = c1 + 1, *cg = c2 + 1;
		size_t lw = strlen(want), lc = strlen(cg);
		if (lc < lw || strcmp(cg + lc - lw, want))
			continue;
		json_t *o = json_object();
		json_object_set_new(o, "ctrl", json_string(ctrl));
		json_object_set_new(o, "path", json_string(cg));
		json_array_append_new(list, o);
		if (!strcmp(ctrl, "freezer") && !*freezer)
			*freezer = xasprintf("/sys/fs/cgroup/freezer%s", cg);
		else if (!*ctrl && !*freezer && line[0] == '0')
			*freezer = xasprintf("/sys/fs/cgroup%s", cg);
	}
	free(line);
	fclose(f);
	/* v2's cgroup.freeze lives in the unified dir; on a hybrid host
	 * the "0::" line may name one that is not the freezer's. */
	if (*freezer && access(*freezer, F_OK) < 0) {
		free(*freezer);
		*freezer = NULL;
	}
	return 0;
}

/* A failed dump must not leave the container frozen: CRIU thaws what it
 * froze, but not when it was killed at the time limit. */
static void thaw(const char *freezer)
{
	if (!freezer)
		return;
	cleanup_free char *v1 = xasprintf("%s/freezer.state", freezer);
	cleanup_free char *v2 = xasprintf("%s/cgroup.freeze", freezer);
	bx_err_t tmp = NULL;
	if (access(v1, F_OK) == 0)
		bx_write_file(v1, "THAWED", 6, &tmp);
	else if (access(v2, F_OK) == 0)
		bx_write_file(v2, "0", 1, &tmp);
	bx_error_release(&tmp);
}

struct dump_ctx {
	const char *upper, *dir;
	bool has_upper;
	int timeout_s;
};

/* post-dump: the tasks are dumped and still frozen, so the upper layer
 * is exactly what their descriptors and memory refer to. */
static int on_dump_notify(void *data, const char *script, pid_t pid, int fd, bx_err_t *err)
{
	struct dump_ctx *c = data;
	(void)pid;
	if (fd >= 0)
		close(fd);
	if (strcmp(script, "post-dump") || !c->has_upper)
		return 0;
	cleanup_free char *tar = xasprintf("%s/upper.tar", c->dir);
	char *argv[] = {"tar", "--xattrs", "--xattrs-include=trusted.*", "--numeric-owner", "-cf", tar, "-C",
			(char *)c->upper, ".", NULL};
	if (bx_ckpt_run_tool(argv, c->timeout_s, err) < 0)
		return bx_error_wrap(err, "saving the container's files (%s)", c->upper);
	return 0;
}

static bool has_module(char *const *mods, const char *m)
{
	for (size_t i = 0; mods && mods[i]; i++)
		if (!strcmp(mods[i], m))
			return true;
	return false;
}

static void note(const struct bx_state *st, uint64_t start, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(const struct bx_state *st, uint64_t start, const char *fmt, ...)
{
	struct bx_timeline tl;
	bx_err_t tmp = NULL;
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (bx_tl_open(&tl, st->name, st->t0_mono_us, &tmp) < 0) {
		bx_error_release(&tmp);
		return;
	}
	bx_tl_event(&tl, "checkpoint", "dump", start, "%s", msg);
	bx_tl_close(&tl);
}

int bx_ckpt_replace_dir(const char *tmp, const char *dir, bx_err_t *err)
{
	cleanup_free char *old = xasprintf("%s.old", dir);
	bx_err_t e2 = NULL;
	bx_rm_rf(old, &e2);
	bx_error_release(&e2);
	if (rename(dir, old) < 0 && errno != ENOENT)
		return bx_make_error(err, errno, "cannot move the previous checkpoint %s aside", dir);
	if (rename(tmp, dir) < 0)
		return bx_make_error(err, errno, "cannot rename %s to %s", tmp, dir);
	bx_rm_rf(old, &e2);
	bx_error_release(&e2);
	return 0;
}

int bx_checkpoint(const char *name, const struct bx_checkpoint_opts *o, struct bx_checkpoint_result *res,
		  bx_err_t *err)
{
	struct bx_criu_info ci = {0};
	struct bx_state st = {0};
	struct bx_criu_resp resp = {0};
	json_t *meta = json_object(), *files = json_array(), *mounts = json_array(), *cgroups = json_array();
	cleanup_strv char **ext = xzalloc(sizeof *ext);
	cleanup_free char *freezer = NULL, *tmpdir = NULL, *store = bx_checkpoint_dir(NULL);
	cleanup_free char *dir = bx_checkpoint_dir(name);
	cleanup_free char *sdir = bx_state_path(name, NULL), *upper = bx_state_path(name, "upper");
	/* Before the first goto: cleanup would free them uninitialized. */
	cleanup_free char *imgdir = NULL, *log = NULL;
	cleanup_close int imgfd = -1, workfd = -1, lock = -1;
	int ret = -1, timeout = bx_ckpt_timeout(o->timeout_s);
	char real[PATH_MAX];

	memset(res, 0, sizeof *res);
	if (bx_state_read(name, &st, err) < 0)
		goto out;
	enum bx_status s = st.status;
	if ((s == BX_RUNNING || s == BX_PAUSED) && !bx_state_supervisor_alive(&st))
		s = BX_DEAD;
	if (s == BX_PAUSED) {
		bx_usage_error(err, "cannot checkpoint %s: it is paused (resume it first: 'boxlab resume %s')", name,
			       name);
		goto out;
	}
	if (s != BX_RUNNING || !bx_state_init_alive(&st)) {
		bx_usage_error(err, "cannot checkpoint %s: the container is %s (only a running one can be)", name,
			       bx_status_name(s == BX_RUNNING ? BX_DEAD : s));
		goto out;
	}
	if (!has_module(st.modules, "checkpoint")) {
		bx_usage_error(err, "cannot checkpoint %s: its checkpoint module is off (it was started with "
			       "--no-checkpoint or --isolation=none)", name);
		goto out;
	}
	if (st.tty) {
		bx_usage_error(err, "cannot checkpoint %s: it has a terminal (-t), whose master boxlab's relay holds "
			       "outside the container, and boxlab does not hand terminals to CRIU (run it without -t)",
			       name);
		goto out;
	}
	if (!has_module(st.modules, "pid")) {
		bx_usage_error(err, "cannot checkpoint %s: it shares the host's pid namespace (--no-pid), so its "
			       "processes could not get their pids back on restore", name);
		goto out;
	}
	if (!has_module(st.modules, "net") && has_module(st.modules, "network")) {
		bx_usage_error(err, "cannot checkpoint %s: it shares another container's network namespace", name);
		goto out;
	}
	if (bx_criu_require(&ci, err) < 0)
		goto out;

	/* One checkpoint of a container at a time; the supervisor's own
	 * record of the exit waits for it. */
	lock = bx_state_lock(name, err);
	if (lock < 0)
		goto out;
	if (bx_mkdir_p(store, 0700, err) < 0)
		goto out;
	tmpdir = xasprintf("%s/.%s.XXXXXX", store, name);
	if (!mkdtemp(tmpdir)) {
		bx_make_error(err, errno, "cannot create a directory in %s", store);
		free(steal_pointer(&tmpdir));
		goto out;
	}
	imgdir = xasprintf("%s/images", tmpdir);
	/* Searchable: restored tasks open some images themselves, as
	 * container root, through CRIU's descriptor of this dir (the
	 * store above stays closed). */
	if (mkdir(imgdir, 0711) < 0 || (imgfd = open(imgdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (workfd = open(sdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		bx_make_error(err, errno, "cannot open the image and state dirs %s, %s", imgdir, sdir);
		goto out;
	}
	{
		cleanup_free char *ini = bx_state_path(name, "config.ini");
		cleanup_free char *copy = xasprintf("%s/config.ini", tmpdir);
		cleanup_free char *text = bx_read_file(ini, NULL, err);
		if (!text || bx_write_file(copy, text, strlen(text), err) < 0)
			goto out;
	}
	if (external_mounts(st.pid, mounts, &ext, err) < 0 || external_files(st.pid, name, meta, files, &ext, err) < 0 ||
	    cgroups_of(st.pid, name, cgroups, &freezer, err) < 0) {
		bx_error_wrap(err, "cannot checkpoint %s", name);
		goto out;
	}

	struct dump_ctx dc = {.upper = upper, .dir = tmpdir, .has_upper = st.rootfs && access(upper, F_OK) == 0,
			      .timeout_s = timeout};
	bool own_net = has_module(st.modules, "net");
	struct bx_criu_opts co = {
		.images_dir_fd = imgfd,
		.work_dir_fd = workfd,
		.pid = st.pid,
		.leave_running = o->leave_running,
		.file_locks = true,
		.notify_scripts = true,
		.log_level = 4,
		.log_file = "dump.log",
		.freeze_cgroup = freezer,
		.manage_cgroups = true,
		.manage_cgroups_mode = BX_CRIU_CG_SOFT,
		/* The namespace is saved empty and plumbed again on
		 * restore, so there is nothing to lock: connections are
		 * not carried over (no --tcp-established). */
		.network_lock = BX_CRIU_NETLOCK_SKIP,
		.empty_ns = own_net ? CLONE_NEWNET : 0,
		.timeout_s = 10,
		.external = ext,
	};
	log = xasprintf("%s/dump.log", sdir);
	uint64_t t = bx_now_us();
	int r = bx_criu_call(ci.bin, BX_CRIU_DUMP, &co, timeout * 1000, on_dump_notify, &dc, &resp, err);
	uint64_t took = bx_now_us() - t;
	if (r < 0 || !resp.success) {
		thaw(freezer);
		if (r == 0) {
			cleanup_free char *why = bx_ckpt_log_error(log);
			bx_make_error(err, resp.cr_errno, "CRIU could not checkpoint %s: %s", name,
				      why ? why : resp.cr_errmsg ? resp.cr_errmsg : "no reason given");
		} else {
			bx_error_wrap(err, "checkpoint of %s", name);
		}
		bx_error_hint(err, "%s %s; the container is still running",
			      access(log, F_OK) == 0 ? "CRIU's log:" : "CRIU wrote no log, it would be", log);
		note(&st, t, "failed: %s", (*err)->msg);
		goto out;
	}

	json_object_set_new(meta, "name", json_string(name));
	json_object_set_new(meta, "image", json_string(st.image ? st.image : ""));
	json_t *cmd = json_array();
	for (size_t i = 0; st.command && st.command[i]; i++)
		json_array_append_new(cmd, json_string(st.command[i]));
	json_object_set_new(meta, "command", cmd);
	char when[64];
	bx_format_time(bx_realtime_us(), when, sizeof when);
	json_object_set_new(meta, "time", json_string(when));
	json_object_set_new(meta, "dump_ms", json_integer((json_int_t)(took / 1000)));
	json_object_set_new(meta, "criu", json_string(ci.name));
	json_object_set_new(meta, "left_running", json_boolean(o->leave_running));
	json_object_set_new(meta, "state_dir", json_string(realpath(sdir, real) ? real : sdir));
	json_object_set_new(meta, "empty_net", json_boolean(own_net));
	json_object_set_new(meta, "upper", json_boolean(dc.has_upper));
	json_object_set_new(meta, "files", json_incref(files));
	json_object_set_new(meta, "mounts", json_incref(mounts));
	json_object_set_new(meta, "cgroups", json_incref(cgroups));
	uint64_t size = bx_ckpt_du(tmpdir);
	json_object_set_new(meta, "size", json_integer((json_int_t)size));
	{
		cleanup_free char *mpath = xasprintf("%s/checkpoint.json", tmpdir);
		if (json_dump_file(meta, mpath, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0) {
			bx_make_error(err, errno, "cannot write %s", mpath);
			goto out;
		}
	}
	if (bx_ckpt_replace_dir(tmpdir, dir, err) < 0)
		goto out;
	free(steal_pointer(&tmpdir));
	note(&st, t, "%.1f MiB image in %s, CRIU %s; container %s", (double)size / 1048576, dir, ci.name,
	     o->leave_running ? "left running" : "stopped");
	res->dir = xstrdup(dir);
	res->size = size;
	res->dump_us = took;

	close(steal_fd(&lock));
	if (!o->leave_running) {
		/* CRIU killed the tree; let the supervisor record the end, so
		 * a restore right after finds the name free to reuse. */
		cleanup_close int sfd = bx_pidfd_open(st.supervisor);
		if (sfd >= 0 && bx_state_supervisor_alive(&st))
			bx_pidfd_wait(sfd, timeout * 1000);
	}
	if (o->export_path) {
		char *argv[] = {"tar", "-czf", (char *)o->export_path, "-C", dir, ".", NULL};
		if (bx_ckpt_run_tool(argv, timeout, err) < 0) {
			bx_error_wrap(err, "checkpoint of %s saved in %s, but the export failed", name, dir);
			goto out;
		}
	}
	ret = 0;
out:
	if (tmpdir) {
		bx_err_t tmp = NULL;
		bx_rm_rf(tmpdir, &tmp);
		bx_error_release(&tmp);
	}
	bx_criu_resp_free(&resp);
	bx_criu_info_free(&ci);
	bx_state_free(&st);
	json_decref(meta);
	json_decref(files);
	json_decref(mounts);
	json_decref(cgroups);
	return ret;
}
