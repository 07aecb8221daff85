#include "core/io.h"
#include "core/logfile.h"
#include "core/process.h"
#include "core/watch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const int relayed[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

static void relayed_set(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < sizeof relayed / sizeof relayed[0]; i++)
		sigaddset(set, relayed[i]);
}

void bx_relay_block_signals(sigset_t *old)
{
	sigset_t set;
	relayed_set(&set);
	sigprocmask(SIG_BLOCK, &set, old);
}

void bx_relay_init(struct bx_relay *r)
{
	sigset_t set;
	memset(r, 0, sizeof *r);
	r->pidfd = r->out = r->err = r->pty = r->in = -1;
	relayed_set(&set);
	r->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

void bx_relay_input(struct bx_relay *r)
{
	struct termios t;
	if (!isatty(0)) {
		r->in = 0;
		return;
	}
	/* A terminal we are not the foreground of (timeout(1) and "cmd &"
	 * put us in a process group of our own): reading it or changing its
	 * mode would stop us with SIGTTIN/SIGTTOU, for good when nobody
	 * brings us to the foreground.  Run without its input instead. */
	if (tcgetpgrp(0) != getpgrp())
		return;
	r->in = 0;
	if (tcgetattr(0, &r->saved) < 0)
		return;
	t = r->saved;
	cfmakeraw(&t);
	if (tcsetattr(0, TCSANOW, &t) == 0)
		r->raw = true;
}

void bx_relay_winsize(struct bx_relay *r)
{
	struct winsize ws;
	if (r->pty >= 0 && ioctl(0, TIOCGWINSZ, &ws) == 0)
		ioctl(r->pty, TIOCSWINSZ, &ws);
}

static void write_all(int fd, const char *buf, ssize_t n)
{
	while (fd >= 0 && n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd p = {.fd = fd, .events = POLLOUT};
				poll(&p, 1, 1000);
				continue;
			}
			return; /* reader gone (EPIPE): keep the container running */
		}
		buf += w;
		n -= w;
	}
}

/* Copy what is readable now; -1 once the source is finished. */
static int pump(struct bx_relay *r, int *fd, int echo_fd)
{
	char buf[16384];
	ssize_t n = read(*fd, buf, sizeof buf);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) { /* EOF, or EIO from a pty whose slave is gone */
		close(*fd);
		*fd = -1;
		return -1;
	}
	if (r->echo)
		write_all(echo_fd, buf, n);
	if (r->log)
		bx_logw_write(r->log, echo_fd == 2 ? "stderr" : "stdout", buf, n);
	return 0;
}

static void on_signal(struct bx_relay *r)
{
	struct signalfd_siginfo si;
	while (read(r->sigfd, &si, sizeof si) == sizeof si) {
		if (si.ssi_signo == SIGWINCH && r->pty >= 0) {
			bx_relay_winsize(r);
			continue;
		}
		syscall(SYS_pidfd_send_signal, r->pidfd, si.ssi_signo, NULL, 0);
	}
}

int bx_relay_run(struct bx_relay *r)
{
	bool exited = false;
	siginfo_t si = {0};

	for (int *fd = &r->out; fd <= &r->err; fd++)
		if (*fd >= 0)
			fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) | O_NONBLOCK);
	if (r->pty >= 0)
		fcntl(r->pty, F_SETFL, fcntl(r->pty, F_GETFL) | O_NONBLOCK);

	while (!exited) {
		struct pollfd p[6 + BX_WATCH_MAX];
		int n = 0, ipid = -1, isig = -1, iout = -1, ierr = -1, ipty = -1, iin = -1, iwatch, nwatch;
		ipid = n, p[n++] = (struct pollfd){.fd = r->pidfd, .events = POLLIN};
		if (r->sigfd >= 0)
			isig = n, p[n++] = (struct pollfd){.fd = r->sigfd, .events = POLLIN};
		if (r->out >= 0)
			iout = n, p[n++] = (struct pollfd){.fd = r->out, .events = POLLIN};
		if (r->err >= 0)
			ierr = n, p[n++] = (struct pollfd){.fd = r->err, .events = POLLIN};
		if (r->pty >= 0)
			ipty = n, p[n++] = (struct pollfd){.fd = r->pty, .events = POLLIN};
		if (r->in >= 0 && r->pty >= 0)
			iin = n, p[n++] = (struct pollfd){.fd = r->in, .events = POLLIN};
		iwatch = n;
		nwatch = bx_watch_fill(r->watches, p + n);
		n += nwatch;
		if (poll(p, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (isig >= 0 && p[isig].revents)
			on_signal(r);
		if (iout >= 0 && p[iout].revents)
			pump(r, &r->out, 1);
		if (ierr >= 0 && p[ierr].revents)
			pump(r, &r->err, 2);
		if (ipty >= 0 && p[ipty].revents)
			pump(r, &r->pty, 1);
		if (iin >= 0 && p[iin].revents) {
			char buf[4096];
			ssize_t k = read(r->in, buf, sizeof buf);
			if (k > 0)
				write_all(r->pty, buf, k);
			else if (k == 0 || errno != EINTR)
				r->in = -1; /* our input ended; the container goes on */
		}
		bx_watch_dispatch(r->watches, p + iwatch, nwatch);
		if (p[ipid].revents)
			exited = true;
	}
	/* Drain what the container wrote before it exited.  With a pid
	 * namespace every writer is gone now; without one an orphan may
	 * hold the pipe, so take only what is there. */
	for (int *fd = &r->out; fd <= &r->pty; fd++) {
		if (fd == &r->pty || fd == &r->out || fd == &r->err)
			while (*fd >= 0) {
				struct pollfd p = {.fd = *fd, .events = POLLIN};
				if (poll(&p, 1, 0) <= 0)
					break;
				pump(r, fd, fd == &r->err ? 2 : 1);
			}
	}
	if (waitid(P_PIDFD, r->pidfd, &si, WEXITED) < 0)
		return BX_EXIT_RUNTIME;
	return bx_exit_code(si.si_code, si.si_status);
}

void bx_relay_done(struct bx_relay *r)
{
	if (r->raw) {
		/* We may have been moved to the background since: restore the
		 * user's terminal anyway rather than be stopped by SIGTTOU. */
		sigset_t ttou, old;
		sigemptyset(&ttou);
		sigaddset(&ttou, SIGTTOU);
		sigprocmask(SIG_BLOCK, &ttou, &old);
		tcsetattr(0, TCSANOW, &r->saved);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	r->raw = false;
	for (int *fd = &r->out; fd <= &r->pty; fd++)
		if (*fd >= 0) {
			close(*fd);
			*fd = -1;
		}
	if (r->sigfd >= 0)
		close(r->sigfd);
	r->sigfd = -1;
}
