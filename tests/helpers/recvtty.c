/* recvtty SOCKET: the receiving end of an OCI runtime's --console-socket
 * (runc's contrib/cmd/recvtty, cut down).  Listens on SOCKET, accepts one
 * connection, receives the terminal master by SCM_RIGHTS, prints
 * "pty NAME" (the data sent with it) on stderr, then copies everything
 * the container writes to its terminal to stdout until the terminal
 * closes.  oci.bats uses it to check the console socket. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: recvtty SOCKET\n");
		return 2;
	}
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof a.sun_path, "%s", argv[1]);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	unlink(argv[1]);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 1) < 0) {
		perror("recvtty: listen");
		return 1;
	}
	int c = accept(l, NULL, NULL);
	if (c < 0) {
		perror("recvtty: accept");
		return 1;
	}
	char name[256] = {0}, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = name, .iov_len = sizeof name - 1};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	if (recvmsg(c, &m, 0) < 0) {
		perror("recvtty: recvmsg");
		return 1;
	}
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	if (!h || h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS) {
		fprintf(stderr, "recvtty: no descriptor received\n");
		return 1;
	}
	int pty;
	memcpy(&pty, CMSG_DATA(h), sizeof pty);
	fprintf(stderr, "pty %s\n", name);
	char buf[4096];
	ssize_t n;
	/* EIO: the last slave closed. */
	while ((n = read(pty, buf, sizeof buf)) > 0)
		if (write(1, buf, (size_t)n) != n)
			return 1;
	return n < 0 && errno != EIO ? 1 : 0;
}
