/* Attacks across the host's shared kernel objects and its loopback:
 * SysV shared memory, the keyring, a loopback-only service, raw-socket
 * sniffing, and TIOCSTI into a terminal (a pty the harness owns). */
#include "attack/attack.h"
#include "core/proc.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

/* ---- sysv-shm ---- */

static int shm_plant(struct bx_atk_run *r, bx_err_t *err)
{
	/* 0x0ba00000 + 20 random bits: recognizably ours in ipcs. */
	key_t key = (key_t)(0x0ba00000 | (strtoul(r->nonce + 5, NULL, 16) & 0xfffff));
	/* 0644: readable by any user; only the IPC namespace hides it. */
	r->shmid = shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0644);
	if (r->shmid < 0)
		return bx_make_error(err, errno, "cannot create the canary SysV segment 0x%x", (unsigned)key);
	char *p = shmat(r->shmid, NULL, 0);
	if (p == (void *)-1)
		return bx_make_error(err, errno, "cannot attach the canary SysV segment");
	strcpy(p, r->secret);
	shmdt(p);
	r->key = key;
	strv_pushf(&r->args, "0x%x", (unsigned)key);
	return 0;
}

static void shm_judge(struct bx_atk_run *r)
{
	struct shmid_ds ds;
	cleanup_free char *what = xasprintf("the host's SysV segment 0x%lx", r->key);
	bx_atk_judge_secret(r, what);
	if (r->verdict == BX_ESCAPED && shmctl(r->shmid, IPC_STAT, &ds) == 0 && ds.shm_lpid > 0) {
		char *e = xasprintf("%s; the segment was last attached by pid %d", r->evidence, (int)ds.shm_lpid);
		free(r->evidence);
		r->evidence = e;
	}
}

static int shm_cleanup(struct bx_atk_run *r, bx_err_t *err)
{
	/* 0 is a valid id: the first segment since boot (a fresh CI machine) */
	if (r->shmid >= 0 && shmctl(r->shmid, IPC_RMID, NULL) < 0 && errno != EINVAL && errno != EIDRM)
		return bx_make_error(err, errno, "cannot remove the canary SysV segment %d", r->shmid);
	r->shmid = -1;
	return 0;
}

const struct bx_attack bx_attack_shm = {
	.name = "sysv-shm",
	.summary = "shmget/shmat the host's System V shared memory segment by its key",
	.mirrors = "--ipc=host containers reading host shared memory (databases, X11 MIT-SHM)",
	.canary = "a 0644 SysV segment with a fresh secret, under a fresh key",
	.blocked_by = "ipc",
	.plant = shm_plant,
	.judge = shm_judge,
	.cleanup = shm_cleanup,
};

/* ---- keyring ---- */

static bool keys_available(char *why, size_t len)
{
	if (access("/proc/keys", F_OK) == 0)
		return true;
	snprintf(why, len, "this kernel has no key management (CONFIG_KEYS is off)");
	return false;
}

static int key_plant(struct bx_atk_run *r, bx_err_t *err)
{
	char desc[16];
	snprintf(desc, sizeof desc, "bxa%s", r->nonce);
	r->key = syscall(SYS_add_key, "user", desc, r->secret, strlen(r->secret), KEY_SPEC_USER_KEYRING);
	if (r->key < 0) {
		r->key = 0;
		return bx_make_error(err, errno, "cannot add the canary key to root's user keyring");
	}
	/* possessor: all; user (uid 0 of the host): view, read, search */
	syscall(SYS_keyctl, KEYCTL_SETPERM, r->key, 0x3f0b0000);
	strv_push(&r->args, desc);
	return 0;
}

static void key_judge(struct bx_atk_run *r)
{
	cleanup_free char *what = xasprintf("the key %ld in host root's user keyring", r->key);
	bx_atk_judge_secret(r, what);
}

static int key_cleanup(struct bx_atk_run *r, bx_err_t *err)
{
	if (r->key <= 0)
		return 0;
	syscall(SYS_keyctl, KEYCTL_UNLINK, r->key, KEY_SPEC_USER_KEYRING);
	if (syscall(SYS_keyctl, KEYCTL_INVALIDATE, r->key) < 0 && errno != ENOKEY && errno != EKEYREVOKED)
		return bx_make_error(err, errno, "cannot remove the canary key %ld", r->key);
	r->key = 0;
	return 0;
}

const struct bx_attack bx_attack_keyring = {
	.name = "keyring",
	.summary = "keyctl: search host root's user keyring and read a key",
	.mirrors = "keyrings are not namespaced: CVE-2016-0728, and container keys visible across containers",
	.canary = "a \"user\" key with a fresh secret in host root's user keyring",
	.blocked_by = "",
	.available = keys_available,
	.plant = key_plant,
	.judge = key_judge,
	.cleanup = key_cleanup,
};

/* ---- loopback-service ---- */

static int listen_plant(struct bx_atk_run *r, bx_err_t *err)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t l = sizeof sa;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (r->fd < 0 || bind(r->fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(r->fd, 8) < 0 ||
	    getsockname(r->fd, (struct sockaddr *)&sa, &l) < 0)
		return bx_make_error(err, errno, "cannot listen on 127.0.0.1");
	strv_pushf(&r->args, "%u", ntohs(sa.sin_port));
	return 0;
}

static void listen_judge(struct bx_atk_run *r)
{
	struct sockaddr_in peer;
	socklen_t l = sizeof peer;
	int c = accept4(r->fd, (struct sockaddr *)&peer, &l, SOCK_CLOEXEC);
	if (c >= 0) {
		bx_atk_verdict(r, BX_ESCAPED, "the host's service on 127.0.0.1:%s (loopback only) accepted a "
			       "connection from %s:%u", r->args[0], inet_ntoa(peer.sin_addr), ntohs(peer.sin_port));
		close(c);
	} else {
		bx_atk_verdict(r, BX_BLOCKED, "nobody connected to the host's service on 127.0.0.1:%s", r->args[0]);
	}
}

static int close_fds(struct bx_atk_run *r, bx_err_t *err)
{
	(void)err;
	if (r->fd >= 0)
		close(r->fd);
	if (r->canary_fd >= 0)
		close(r->canary_fd);
	r->fd = r->canary_fd = -1;
	return 0;
}

const struct bx_attack bx_attack_loopback = {
	.name = "loopback-service",
	.summary = "connect to a service that listens only on the host's 127.0.0.1",
	.mirrors = "--net=host containers reaching loopback-only admin APIs (CVE-2020-15257, containerd-shim)",
	.canary = "a TCP listener on 127.0.0.1 at a fresh port; did a connection arrive?",
	.blocked_by = "net",
	.plant = listen_plant,
	.judge = listen_judge,
	.cleanup = close_fds,
};

/* ---- raw-sniff ---- */

static int sniff_plant(struct bx_atk_run *r, bx_err_t *err)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t l = sizeof sa;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* A sink that never reads (so no ICMP errors), and a sender. */
	r->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	r->canary_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (r->fd < 0 || r->canary_fd < 0 || bind(r->fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    getsockname(r->fd, (struct sockaddr *)&sa, &l) < 0 || connect(r->canary_fd, (struct sockaddr *)&sa, l) < 0)
		return bx_make_error(err, errno, "cannot set up the canary datagrams on 127.0.0.1");
	return 0;
}

static void sniff_tick(struct bx_atk_run *r, uint64_t now)
{
	if (now < r->next_us)
		return;
	r->next_us = now + 20000;
	char msg[128];
	int n = snprintf(msg, sizeof msg, "BXCANARY:%s:%s", r->nonce, r->secret);
	if (send(r->canary_fd, msg, n, 0) < 0) {
		/* the sink's queue is full: empty it */
		char b[256];
		while (recv(r->fd, b, sizeof b, MSG_DONTWAIT) > 0)
			;
	}
}

static void sniff_judge(struct bx_atk_run *r)
{
	bx_atk_judge_secret(r, "the datagrams the host sent over its own loopback");
}

const struct bx_attack bx_attack_sniff = {
	.name = "raw-sniff",
	.summary = "an AF_PACKET raw socket reading the host's traffic (its loopback)",
	.mirrors = "CAP_NET_RAW in --net=host containers: sniffing and spoofing (CVE-2020-14386)",
	.canary = "UDP datagrams with a fresh secret, sent every 20 ms over the host's loopback",
	.blocked_by = "",
	.plant = sniff_plant,
	.tick = sniff_tick,
	.judge = sniff_judge,
	.cleanup = close_fds,
};

/* ---- tiocsti ---- */

static int pty_plant(struct bx_atk_run *r, bx_err_t *err)
{
	r->canary_fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (r->canary_fd < 0 || grantpt(r->canary_fd) < 0 || unlockpt(r->canary_fd) < 0)
		return bx_make_error(err, errno, "cannot open a pty for the canary terminal");
	const char *name = ptsname(r->canary_fd);
	r->fd = name ? open(name, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
	struct termios t;
	if (r->fd < 0 || tcgetattr(r->fd, &t) < 0)
		return bx_make_error(err, errno, "cannot open the canary terminal %s", name ? name : "?");
	cfmakeraw(&t); /* no echo: input stays in the input queue */
	tcsetattr(r->fd, TCSANOW, &t);
	return 0;
}

static void pty_judge(struct bx_atk_run *r)
{
	char buf[256];
	fcntl(r->fd, F_SETFL, O_NONBLOCK);
	ssize_t n = read(r->fd, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	char want[32];
	snprintf(want, sizeof want, "pwned-%s", r->nonce);
	if (strstr(buf, want))
		bx_atk_verdict(r, BX_ESCAPED, "the harness's own terminal received \"%.*s\" as typed input: the shell "
			       "that started the container would run it", (int)strcspn(buf, "\n"), buf);
	else
		bx_atk_verdict(r, BX_BLOCKED, "nothing arrived in the input of the harness's terminal");
}

const struct bx_attack bx_attack_tiocsti = {
	.name = "tiocsti",
	.summary = "ioctl(TIOCSTI) on the inherited terminal: type commands into the parent's shell",
	.mirrors = "CVE-2017-5226 (bubblewrap), CVE-2016-7545 (SELinux sandbox)",
	.canary = "a pty the harness owns (never a user's terminal) as the container's stdin; what arrives in it",
	.blocked_by = "",
	.stdin_pty = true,
	.plant = pty_plant,
	.judge = pty_judge,
	.cleanup = close_fds,
};
