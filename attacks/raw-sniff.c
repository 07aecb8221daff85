/* raw-socket sniffing: an AF_PACKET socket sees every frame on every
 * interface of its network namespace -- in the host's, other people's
 * traffic.  It listens up to 1.5 s for the host's canary datagrams
 * ("BXCANARY:<nonce>:<secret>" to 127.0.0.1) and reports the secret. */
#include "attack.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

int main(int argc, char **argv)
{
	bxa_init(argc, argv, 0, "");
	char mark[64], buf[65536];
	snprintf(mark, sizeof mark, "BXCANARY:%s:", bxa_nonce);
	int s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (s < 0)
		return bxa_fail("socket(AF_PACKET, SOCK_RAW)");
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		long ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (ms >= 1500)
			break;
		struct pollfd p = {.fd = s, .events = POLLIN};
		if (poll(&p, 1, (int)(1500 - ms)) <= 0)
			continue;
		ssize_t n = recv(s, buf, sizeof buf - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		char *m = memmem(buf, n, mark, strlen(mark));
		if (!m)
			continue;
		char tok[33];
		snprintf(tok, sizeof tok, "%s", m + strlen(mark));
		bxa_data(tok);
		bxa_claim(1, "sniffed a host datagram off the wire");
		return 0;
	}
	bxa_claim(0, "the raw socket saw no host traffic in 1.5 s");
	return 0;
}
