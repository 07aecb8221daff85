/* Published ports on 127.0.0.1: a userspace TCP/UDP proxy, one small
 * process per container that publishes ports, forked by its supervisor.
 * Every other address of the host is nftables DNAT (network_dnat.c),
 * where the container sees the real client.
 *
 * Why not DNAT for 127.0.0.1 too: a packet from the host's loopback
 * cannot leave through the bridge unless the bridge takes route_localnet,
 * and the container's answer to 127.0.0.1 would go to its own loopback
 * unless the host also SNATs loopback traffic to the gateway: two host
 * settings for one address the proxy serves with neither.  The proxy
 * binds every published port on its host address (0.0.0.0 included), so
 * it also holds the port: a port that another container or a host
 * service holds fails the bind in `prepare`, before the container
 * exists, and no host service can take it while the container runs
 * (docker-proxy does both, for the same reasons).  What the proxy costs:
 * the container sees its gateway as the client, and bytes are copied
 * once more.
 *
 * The proxy dies with its supervisor (PR_SET_PDEATHSIG), leaves the
 * terminal's session (so ^C of a foreground `run` goes to the container,
 * not to it), and its pid and start time are in the container's
 * network.json, so teardown, even gc's after a crash, can kill it. */
#include "modules/network.h"
#include "core/proc.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_TCP 256     /* connections at once; more wait in the backlog */
#define MAX_UDP 128     /* UDP clients at once; the idlest is dropped */
#define TCP_BUF 32768
#define UDP_IDLE_US (60 * 1000000ull)

static struct sockaddr_in sin_of(uint32_t ip, uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(ip)};
	return a;
}

int bx_proxy_bind(const struct bx_port *p, size_t n, int *fds, bx_err_t *err)
{
	for (size_t i = 0; i < n; i++)
		fds[i] = -1;
	for (size_t i = 0; i < n; i++) {
		bool udp = p[i].proto == IPPROTO_UDP;
		cleanup_free char *what = bx_port_format(&p[i]);
		int one = 1;
		fds[i] = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fds[i] < 0) {
			bx_make_error(err, errno, "network: cannot make a socket for -p %s", what);
			goto fail;
		}
		/* TCP only: connections of a container just removed linger
		 * in TIME_WAIT and must not block its successor, while a
		 * listening socket still refuses the bind.  On UDP the same
		 * option would let two binds share the port. */
		if (!udp && setsockopt(fds[i], SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) {
			bx_make_error(err, errno, "network: cannot set SO_REUSEADDR for -p %s", what);
			goto fail;
		}
		struct sockaddr_in a = sin_of(p[i].host_ip, p[i].host_port);
		if (bind(fds[i], (struct sockaddr *)&a, sizeof a) < 0) {
			char ip[16];
			bx_ip_format(p[i].host_ip, ip);
			if (errno == EADDRINUSE)
				bx_usage_error(err, "host port %u/%s is already in use (-p %s): choose another host port",
					       p[i].host_port, udp ? "udp" : "tcp", what);
			else if (errno == EADDRNOTAVAIL)
				bx_usage_error(err, "-p %s: %s is not an address of this host", what, ip);
			else
				bx_make_error(err, errno, "network: cannot bind %s:%u for -p %s", ip, p[i].host_port, what);
			goto fail;
		}
		if (!udp && listen(fds[i], 128) < 0) {
			bx_make_error(err, errno, "network: cannot listen on host port %u (-p %s)", p[i].host_port, what);
			goto fail;
		}
	}
	return 0;
fail:
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
	return -1;
}

struct half {
	char *buf;
	size_t len, off;
	bool eof, shut;
};

struct tconn {
	int cli, srv;
	bool connecting, failed;
	struct half up, down; /* up: client to container */
	short cli_rev, srv_rev;
};

struct usess {
	size_t port; /* index of the listener */
	struct sockaddr_in peer;
	int fd;
	uint64_t last;
};

struct proxy {
	const struct bx_port *p;
	const int *fds;
	size_t n;
	uint32_t ctr_ip;
	struct tconn *tcp[MAX_TCP];
	size_t ntcp;
	struct usess udp[MAX_UDP];
	size_t nudp;
};

static void tconn_free(struct tconn *c)
{
	close(c->cli);
	close(c->srv);
	free(c->up.buf);
	free(c->down.buf);
	free(c);
}

static void tcp_accept(struct proxy *px, size_t i)
{
	for (int k = 0; k < 16; k++) {
		int cli = accept4(px->fds[i], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cli < 0)
			return;
		if (px->ntcp == MAX_TCP) {
			close(cli);
			continue;
		}
		int srv = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		struct sockaddr_in a = sin_of(px->ctr_ip, px->p[i].ctr_port);
		if (srv < 0 || (connect(srv, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS)) {
			/* Nothing listens in the container: the client sees the
			 * connection closed, as a refused one. */
			close(cli);
			if (srv >= 0)
				close(srv);
			continue;
		}
		struct tconn *c = xzalloc(sizeof *c);
		c->cli = cli;
		c->srv = srv;
		c->connecting = true;
		c->up.buf = xmalloc(TCP_BUF);
		c->down.buf = xmalloc(TCP_BUF);
		px->tcp[px->ntcp++] = c;
	}
}

/* Move what `from` has into `to`, as far as neither would block. */
static void pump(int from, short from_rev, int to, struct half *h, bool *failed)
{
	if (h->len == 0 && !h->eof && (from_rev & (POLLIN | POLLHUP | POLLERR))) {
		ssize_t r = read(from, h->buf, TCP_BUF);
		if (r > 0)
			h->len = (size_t)r, h->off = 0;
		else if (r == 0)
			h->eof = true;
		else if (errno != EAGAIN && errno != EINTR)
			*failed = true;
	}
	if (h->len > h->off) {
		ssize_t w = send(to, h->buf + h->off, h->len - h->off, MSG_NOSIGNAL);
		if (w > 0)
			h->off += (size_t)w;
		else if (w < 0 && errno != EAGAIN && errno != EINTR)
			*failed = true;
		if (h->off == h->len)
			h->len = h->off = 0;
	}
	if (h->eof && h->len == 0 && !h->shut) {
		shutdown(to, SHUT_WR);
		h->shut = true;
	}
}

static void tcp_step(struct tconn *c)
{
	if (c->connecting) {
		if (!(c->srv_rev & (POLLOUT | POLLERR | POLLHUP)))
			return;
		int e = 0;
		socklen_t len = sizeof e;
		if (getsockopt(c->srv, SOL_SOCKET, SO_ERROR, &e, &len) < 0 || e) {
			c->failed = true;
			return;
		}
		c->connecting = false;
	}
	pump(c->cli, c->cli_rev, c->srv, &c->up, &c->failed);
	pump(c->srv, c->srv_rev, c->cli, &c->down, &c->failed);
}

static void udp_drop(struct proxy *px, size_t k)
{
	close(px->udp[k].fd);
	px->udp[k] = px->udp[--px->nudp];
}

static void udp_from_client(struct proxy *px, size_t i, uint64_t now)
{
	static char buf[65536];
	for (int k = 0; k < 64; k++) {
		struct sockaddr_in peer;
		socklen_t plen = sizeof peer;
		ssize_t r = recvfrom(px->fds[i], buf, sizeof buf, 0, (struct sockaddr *)&peer, &plen);
		if (r < 0)
			return;
		size_t s;
		for (s = 0; s < px->nudp; s++)
			if (px->udp[s].port == i && px->udp[s].peer.sin_port == peer.sin_port &&
			    px->udp[s].peer.sin_addr.s_addr == peer.sin_addr.s_addr)
				break;
		if (s == px->nudp) {
			if (px->nudp == MAX_UDP) {
				size_t idle = 0;
				for (size_t q = 1; q < px->nudp; q++)
					if (px->udp[q].last < px->udp[idle].last)
						idle = q;
				udp_drop(px, idle);
				s = px->nudp;
			}
			int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			struct sockaddr_in a = sin_of(px->ctr_ip, px->p[i].ctr_port);
			if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
				if (fd >= 0)
					close(fd);
				continue;
			}
			px->udp[s] = (struct usess){.port = i, .peer = peer, .fd = fd};
			px->nudp++;
		}
		px->udp[s].last = now;
		send(px->udp[s].fd, buf, (size_t)r, MSG_NOSIGNAL);
	}
}

static void udp_from_container(struct proxy *px, size_t s, uint64_t now)
{
	static char buf[65536];
	for (int k = 0; k < 64; k++) {
		ssize_t r = recv(px->udp[s].fd, buf, sizeof buf, 0);
		if (r < 0)
			return;
		px->udp[s].last = now;
		sendto(px->fds[px->udp[s].port], buf, (size_t)r, MSG_NOSIGNAL, (struct sockaddr *)&px->udp[s].peer,
		       sizeof px->udp[s].peer);
	}
}

static void __attribute__((noreturn)) proxy_loop(struct proxy *px)
{
	static struct pollfd pfd[64 + 2 * MAX_TCP + MAX_UDP];
	for (;;) {
		size_t np = 0, nl = px->n;
		for (size_t i = 0; i < nl; i++)
			pfd[np++] = (struct pollfd){.fd = px->fds[i], .events = POLLIN};
		for (size_t k = 0; k < px->ntcp; k++) {
			struct tconn *c = px->tcp[k];
			short ce = 0, se = 0;
			if (c->connecting) {
				se = POLLOUT;
			} else {
				if (c->up.len == 0 && !c->up.eof)
					ce |= POLLIN;
				if (c->down.len > c->down.off)
					ce |= POLLOUT;
				if (c->down.len == 0 && !c->down.eof)
					se |= POLLIN;
				if (c->up.len > c->up.off)
					se |= POLLOUT;
			}
			pfd[np++] = (struct pollfd){.fd = c->cli, .events = ce};
			pfd[np++] = (struct pollfd){.fd = c->srv, .events = se};
		}
		size_t nt = px->ntcp;
		for (size_t s = 0; s < px->nudp; s++)
			pfd[np++] = (struct pollfd){.fd = px->udp[s].fd, .events = POLLIN};
		size_t nu = px->nudp;

		if (poll(pfd, np, 10000) < 0 && errno != EINTR)
			_exit(1);
		uint64_t now = bx_now_us();

		for (size_t k = 0; k < nt; k++) {
			px->tcp[k]->cli_rev = pfd[nl + 2 * k].revents;
			px->tcp[k]->srv_rev = pfd[nl + 2 * k + 1].revents;
			tcp_step(px->tcp[k]);
		}
		for (size_t k = 0; k < px->ntcp;) {
			struct tconn *c = px->tcp[k];
			if (c->failed || (c->up.shut && c->down.shut)) {
				tconn_free(c);
				px->tcp[k] = px->tcp[--px->ntcp];
			} else {
				k++;
			}
		}
		/* Sessions are dropped only after reading: indexes of this
		 * poll round stay valid up to here. */
		for (size_t s = 0; s < nu; s++)
			if (pfd[nl + 2 * nt + s].revents & POLLIN)
				udp_from_container(px, s, now);
		for (size_t s = 0; s < px->nudp;) {
			if (now - px->udp[s].last > UDP_IDLE_US)
				udp_drop(px, s);
			else
				s++;
		}
		for (size_t i = 0; i < nl; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			if (px->p[i].proto == IPPROTO_UDP)
				udp_from_client(px, i, now);
			else
				tcp_accept(px, i);
		}
	}
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

pid_t bx_proxy_start(const struct bx_port *p, size_t n, int *fds, uint32_t ctr_ip, bx_err_t *err)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		bx_make_error(err, errno, "network: cannot fork the port proxy");
	} else if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		setsid();
		bx_proc_title("boxlab-proxy");
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		for (int fd = 0; fd < 3 && null >= 0; fd++)
			dup2(null, fd);
		/* Keep the listeners, close everything else the supervisor
		 * held (its state dir lock, the timeline, a terminal). */
		int *keep = xmalloc((n + 1) * sizeof *keep);
		memcpy(keep, fds, n * sizeof *keep);
		qsort(keep, n, sizeof *keep, cmp_int);
		unsigned lo = 3;
		for (size_t i = 0; i < n; i++) {
			if ((unsigned)keep[i] > lo)
				syscall(SYS_close_range, lo, (unsigned)keep[i] - 1, 0);
			lo = (unsigned)keep[i] + 1;
		}
		syscall(SYS_close_range, lo, ~0U, 0);
		free(keep);
		struct proxy px = {.p = p, .fds = fds, .n = n, .ctr_ip = ctr_ip};
		proxy_loop(&px);
	}
	for (size_t i = 0; i < n; i++) {
		close(fds[i]);
		fds[i] = -1;
	}
	return pid < 0 ? -1 : pid;
}
