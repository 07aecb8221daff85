#include "core/process.h"
#include "core/watch.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

extern char **environ;

static int send_msg(int fd, const struct bx_msg *m, int pass_fd)
{
	struct iovec iov = {.iov_base = (void *)m, .iov_len = sizeof *m};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (pass_fd >= 0) {
		memset(&u, 0, sizeof u);
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof u.buf;
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	ssize_t n;
	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof *m ? 0 : -1;
}

int bx_msg_send(int fd, int type, int pass_fd)
{
	struct bx_msg m = {.type = type};
	return send_msg(fd, &m, pass_fd);
}

int bx_msg_recv(int fd, struct bx_msg *m, int *fd_out)
{
	struct iovec iov = {.iov_base = m, .iov_len = sizeof *m};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
	ssize_t n;
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	if (n != (ssize_t)sizeof *m)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_type == SCM_RIGHTS && fd_out)
			memcpy(fd_out, CMSG_DATA(c), sizeof(int));
	m->text[sizeof m->text - 1] = '\0';
	return 1;
}

int bx_msg_wait_exec(int fd, int *pty, struct bx_watches *ws, bx_err_t *err)
{
	for (;;) {
		struct bx_msg m;
		/* The watches are served meanwhile: a call the filter hands
		 * over during setup waits for them (core/watch.h). */
		struct pollfd p[1 + BX_WATCH_MAX] = {{.fd = fd, .events = POLLIN}};
		int nw = bx_watch_fill(ws, p + 1);
		if (nw && poll(p, 1 + nw, -1) < 0) {
			if (errno == EINTR)
				continue;
			return bx_make_error(err, errno, "waiting for the container process");
		}
		bx_watch_dispatch(ws, p + 1, nw);
		if (nw && !p[0].revents)
			continue;
		int passed = -1, r = bx_msg_recv(fd, &m, &passed);
		if (r == 0)
			return 0; /* exec happened: close-on-exec closed the child's end */
		if (r < 0)
			return bx_make_error(err, errno, "reading from the container process");
		if (m.type == BX_MSG_PTY && pty) {
			*pty = passed;
			continue;
		}
		bx_make_error(err, 0, "%s", m.text);
		(*err)->errnum = m.errnum;
		(*err)->exit_code = m.exit_code;
		return -1;
	}
}

void bx_close_pair(int p[2])
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0) {
			close(p[i]);
			p[i] = -1;
		}
}

void bx_child_fail(int sync_fd, bx_err_t *err)
{
	struct bx_msg m = {.type = BX_MSG_ERROR};
	int code = BX_EXIT_RUNTIME;
	if (*err) {
		m.errnum = (*err)->errnum;
		if ((*err)->exit_code)
			code = (*err)->exit_code;
		snprintf(m.text, sizeof m.text, "%s", (*err)->msg);
	}
	m.exit_code = code;
	send_msg(sync_fd, &m, -1);
	_exit(code);
}

void bx_env_set(char ***env, const char *kv)
{
	size_t klen = strcspn(kv, "=");
	for (size_t i = 0; *env && (*env)[i]; i++)
		if (!strncmp((*env)[i], kv, klen) && (*env)[i][klen] == '=') {
			free((*env)[i]);
			(*env)[i] = xstrdup(kv);
			return;
		}
	strv_push(env, kv);
}

static bool env_has(char **env, const char *key)
{
	size_t klen = strlen(key);
	for (size_t i = 0; env && env[i]; i++)
		if (!strncmp(env[i], key, klen) && env[i][klen] == '=')
			return true;
	return false;
}

char **bx_proc_env(char *const *image_env, char *const *user_env, const char *hostname, bool tty)
{
	char **env = xzalloc(sizeof *env);
	bx_env_set(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	if (hostname) {
		cleanup_free char *h = xasprintf("HOSTNAME=%s", hostname);
		bx_env_set(&env, h);
	}
	for (size_t i = 0; image_env && image_env[i]; i++)
		bx_env_set(&env, image_env[i]);
	for (size_t i = 0; user_env && user_env[i]; i++)
		bx_env_set(&env, user_env[i]);
	if (tty && !env_has(env, "TERM"))
		bx_env_set(&env, "TERM=xterm");
	return env;
}

int bx_proc_workdir(const char *dir, bx_err_t *err)
{
	if (!dir)
		dir = "/";
	if (chdir(dir) == 0)
		return 0;
	if (errno != ENOENT)
		return bx_make_error(err, errno, "cannot enter the working directory %s", dir);
	/* Docker creates a missing working directory; so do we. */
	cleanup_free char *p = xstrdup(dir);
	for (char *s = p + 1;; s++) {
		if (*s && *s != '/')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return bx_make_error(err, errno, "cannot create the working directory %s", dir);
		*s = c;
		if (!c)
			break;
	}
	if (chdir(dir) < 0)
		return bx_make_error(err, errno, "cannot enter the working directory %s", dir);
	return 0;
}

static bool numeric(const char *s, unsigned long *out)
{
	char *end;
	if (!*s)
		return false;
	*out = strtoul(s, &end, 10);
	return *end == '\0';
}

/* Our own lookup in the container's files: getpwnam() would load NSS
 * modules from the container, which is exactly what must not run. */
static bool lookup(const char *file, const char *name, unsigned long id, bool by_name, unsigned long *id_out,
		   unsigned long *gid_out, char **home)
{
	cleanup_file FILE *f = fopen(file, "re");
	char line[1024];
	while (f && fgets(line, sizeof line, f)) {
		char *fields[7] = {0}, *save, *p = line;
		int n = 0;
		line[strcspn(line, "\n")] = '\0';
		while (n < 7 && (fields[n] = strsep(&p, ":")))
			n++;
		if (n < 3)
			continue;
		unsigned long fid = strtoul(fields[2], &save, 10);
		if (by_name ? strcmp(fields[0], name) : fid != id)
			continue;
		*id_out = fid;
		if (gid_out && n >= 4)
			*gid_out = strtoul(fields[3], NULL, 10);
		if (home && n >= 6)
			*home = xstrdup(fields[5]);
		return true;
	}
	return false;
}

int bx_proc_user(const char *user, char ***env, bx_err_t *err)
{
	cleanup_free char *u = xstrdup(user), *home = NULL;
	char *group = strchr(u, ':');
	unsigned long uid, gid = 0, n;
	bool have_gid = false;

	if (group)
		*group++ = '\0';
	if (numeric(u, &n)) {
		uid = n;
		lookup("/etc/passwd", NULL, n, false, &uid, &gid, &home);
	} else if (!lookup("/etc/passwd", u, 0, true, &uid, &gid, &home)) {
		return bx_usage_error(err, "user \"%s\" not found in the image's /etc/passwd (use a numeric UID)", u);
	}
	if (group) {
		if (numeric(group, &n))
			gid = n;
		else if (!lookup("/etc/group", group, 0, true, &gid, NULL, NULL))
			return bx_usage_error(err, "group \"%s\" not found in the image's /etc/group (use a numeric GID)",
					      group);
		have_gid = true;
	}
	(void)have_gid;
	gid_t g = gid;
	if (setgroups(1, &g) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		return bx_make_error(err, errno, "cannot switch to user %lu:%lu", uid, gid);
	if (!env_has(*env, "HOME")) {
		cleanup_free char *h = xasprintf("HOME=%s", home ? home : "/");
		bx_env_set(env, h);
	}
	return 0;
}

int bx_pty_open(int *master_out, int *slave_out, bx_err_t *err)
{
	cleanup_close int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int unlock = 0;
	if (master < 0)
		return bx_make_error(err, errno, "cannot open /dev/ptmx for the terminal");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return bx_make_error(err, errno, "cannot unlock the terminal");
	/* TIOCGPTPEER opens the slave through the master, not by a path a
	 * container process could have replaced. */
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (slave < 0)
		return bx_make_error(err, errno, "cannot open the terminal's slave");
	*master_out = steal_fd(&master);
	*slave_out = slave;
	return 0;
}

int bx_pty_attach(int slave, bx_err_t *err)
{
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0) {
		close(slave);
		return bx_make_error(err, errno, "cannot make the terminal the controlling one");
	}
	for (int fd = 0; fd < 3; fd++)
		dup2(slave, fd);
	if (slave > 2)
		close(slave);
	return 0;
}

int bx_proc_pty(int sync_fd, bx_err_t *err)
{
	cleanup_close int master = -1;
	int slave;
	if (bx_pty_open(&master, &slave, err) < 0)
		return -1;
	/* The caller's window size now, from whichever of our inherited
	 * stdio is its terminal: boxlab's relay copies it only after the
	 * exec, and a command that asks at once (stty size) would see 0 0. */
	struct winsize ws;
	for (int fd = 0; fd <= 2; fd++)
		if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row) {
			ioctl(slave, TIOCSWINSZ, &ws);
			break;
		}
	if (bx_msg_send(sync_fd, BX_MSG_PTY, master) < 0) {
		close(slave);
		return bx_make_error(err, errno, "cannot pass the terminal to boxlab");
	}
	return bx_pty_attach(slave, err);
}

void bx_exec_error(int errnum, const char *cmd, bx_err_t *err)
{
	bx_make_error(err, errnum, "cannot run \"%s\" in the container", cmd);
	if (errnum == ENOENT) {
		bx_error_hint(err, "is it in the image? PATH=%s", getenv("PATH") ? getenv("PATH") : "");
		(*err)->exit_code = BX_EXIT_NOT_FOUND;
	} else {
		(*err)->exit_code = BX_EXIT_CANNOT_EXEC;
	}
}

void bx_proc_exec(int sync_fd, char **argv, char **env)
{
	bx_err_t err = NULL;
	/* execvp() searches the PATH of our own environment. */
	environ = env;
	execvp(argv[0], argv);
	bx_exec_error(errno, argv[0], &err);
	bx_child_fail(sync_fd, &err);
}

/* posix_spawnp's PATH search, and like it (glibc's __execvpex) no
 * /bin/sh for a file without "#!": that fails with ENOEXEC, as under
 * runc.  An empty element is the current directory; EACCES anywhere wins
 * over a later ENOENT.  Only stack and the caller's memory are used: we
 * run in the parent's address space. */
static int exec_search(char **argv, char **env)
{
	const char *file = argv[0], *path = "/bin:/usr/bin";
	if (!*file)
		return ENOENT;
	if (strchr(file, '/')) {
		execve(file, argv, env);
		return errno;
	}
	size_t flen = strlen(file);
	if (flen > NAME_MAX)
		return ENAMETOOLONG;
	for (char **e = env; e && *e; e++)
		if (!strncmp(*e, "PATH=", 5))
			path = *e + 5;
	bool eacces = false;
	int last = ENOENT;
	char buf[PATH_MAX];
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		size_t dlen = (size_t)(end - p);
		if (dlen + 1 + flen < sizeof buf) {
			memcpy(buf, p, dlen);
			size_t n = dlen;
			if (n)
				buf[n++] = '/';
			memcpy(buf + n, file, flen + 1);
			execve(buf, argv, env);
			last = errno;
			switch (last) {
			case EACCES: eacces = true; break;
			case ENOENT: case ESTALE: case ENOTDIR: case ENODEV: case ETIMEDOUT: break;
			default: return last;
			}
		}
		if (!*end)
			break;
		p = end;
	}
	return eacces ? EACCES : last;
}

struct spawn_ctx {
	char **argv, **env;
	bool tty;
	const sigset_t *mask, *defaults;
	int err; /* written by the child when it cannot exec */
};

/* The child, on its own stack in our memory, with every signal blocked
 * until just before execve: no handler of ours can run in it. */
static int spawn_child(void *arg)
{
	struct spawn_ctx *c = arg;
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	/* Only these need resetting: execve resets every caught signal, and
	 * an ignored one stays ignored as under posix_spawn (which asked
	 * the kernel about each of the 64 signals, twice for most). */
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(c->defaults, sig) == 1)
			sigaction(sig, &dfl, NULL);
	if (c->tty) {
		/* Its own process group, the terminal's foreground one: ^C
		 * reaches the command, not init too. */
		if (setpgid(0, 0) < 0 || tcsetpgrp(0, getpgrp()) < 0)
			goto fail;
	} else if (setsid() < 0) {
		goto fail;
	}
	sigprocmask(SIG_SETMASK, c->mask, NULL);
	errno = exec_search(c->argv, c->env);
fail:
	c->err = errno ? errno : ENOEXEC;
	_exit(127);
}

int bx_proc_spawn(char **argv, char **env, bool tty, const sigset_t *mask, const sigset_t *defaults, pid_t *pid,
		  bx_err_t *err)
{
	/* Static: the child runs on it while we wait (CLONE_VFORK), and
	 * init spawns once.  Its untouched pages cost nothing. */
	static char stack[64 * 1024] __attribute__((aligned(16)));
	struct spawn_ctx c = {.argv = argv, .env = env, .tty = tty, .mask = mask, .defaults = defaults};
	sigset_t all, saved;

	environ = env; /* for the error's "PATH=" hint, as for bx_proc_exec */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &saved);
	*pid = clone(spawn_child, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &c);
	int cerr = errno;
	sigprocmask(SIG_SETMASK, &saved, NULL);
	if (*pid < 0)
		return bx_make_error(err, cerr, "cannot start \"%s\" in the container", argv[0]);
	if (c.err) {
		waitpid(*pid, NULL, 0);
		bx_exec_error(c.err, argv[0], err);
		return -1;
	}
	return 0;
}

int bx_exit_code(int code, int status)
{
	if (code == CLD_EXITED)
		return status;
	return 128 + status;
}
